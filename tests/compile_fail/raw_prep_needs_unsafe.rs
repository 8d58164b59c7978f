// SPDX-License-Identifier: GPL-2.0

//! A prep operation on a raw DMA address is an `unsafe fn`: nothing ties
//! the address to a mapping, so the caller must promise it.

use crate::bindings::dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection};
use crate::Nop;
use kernel::prelude::*;

/// Tries to prepare a transfer of 4 bytes at DMA address `addr` in safe
/// code.
pub(crate) fn case(chan: &DmaChannel<Nop>, addr: u64) -> Result {
    let (dir, flags) = (TransferDirection::MemToDev, PrepFlags::INTERRUPT);
    // SAFETY: (control) built to check that the call compiles in `unsafe`,
    // never loaded, so `addr` is never handed to an engine.
    // control: let desc = unsafe { chan.prep_slave_single_raw(addr, 4, dir, flags) }?;
    let desc = chan.prep_slave_single_raw(addr, 4, dir, flags)?; // compile_fail: E0133: call to unsafe function `DmaChannel::<H>::prep_slave_single_raw` is unsafe
    let _transfer = desc.submit()?;
    Ok(())
}
