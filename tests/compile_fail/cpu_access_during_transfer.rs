// SPDX-License-Identifier: GPL-2.0

//! The CPU cannot touch a mapped buffer while the device may use it: the
//! transfer owns the mapping until it hands it back.

use crate::bindings::{
    dma_mapping::{FromDevice, Streaming},
    dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection},
};
use crate::Nop;
use kernel::prelude::*;

/// Fills `buf` with the CPU, lets the device write it, tries to read it
/// meanwhile, and reads it once the transfer handed it back.
pub(crate) fn case(chan: &DmaChannel<Nop>, mut buf: Streaming<FromDevice>) -> Result {
    buf.with_cpu(|b| b.fill(0));
    let transfer = chan
        .prep_slave_single(buf, TransferDirection::DevToMem, PrepFlags::INTERRUPT)?
        .submit()?;
    buf.with_cpu(|b| b.fill(1)); // compile_fail: E0382: borrow of moved value: `buf`
    let Ok(mut buf) = transfer.finish() else {
        return Err(EBUSY);
    };
    buf.with_cpu(|b| b.fill(2));
    Ok(())
}
