// SPDX-License-Identifier: GPL-2.0

//! A slave config's device address makes the engine read or write there:
//! setting one from a raw address is an `unsafe fn`.

use crate::bindings::dmaengine::{consumer::DmaChannel, SlaveConfig, TransferDirection};
use crate::Nop;
use kernel::prelude::*;

/// Tries to point `chan`'s MEM_TO_DEV side at DMA address `addr` in safe
/// code.
pub(crate) fn case(chan: &mut DmaChannel<Nop>, addr: u64) -> Result {
    let mut config = SlaveConfig::new();
    // SAFETY: (control) built to check that the call compiles in `unsafe`,
    // never loaded, so `addr` is never handed to an engine.
    // control: unsafe { config.set_device(TransferDirection::MemToDev, addr, 4, 1) };
    config.set_device(TransferDirection::MemToDev, addr, 4, 1); // compile_fail: E0133: call to unsafe function `SlaveConfig::set_device` is unsafe
    chan.config(&mut config)
}
