// SPDX-License-Identifier: GPL-2.0

//! A transfer cannot outlive its channel: the channel's drop terminates and
//! releases it, so it cannot be dropped while a transfer borrows it.

use crate::bindings::{
    dma_mapping::{Streaming, ToDevice},
    dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection},
};
use crate::Nop;
use kernel::prelude::*;

/// Submits a transfer on `chan`, then tries to drop `chan` before it.
pub(crate) fn case(chan: DmaChannel<Nop>, buf: Streaming<ToDevice>) -> Result {
    let transfer = chan
        .prep_slave_single(buf, TransferDirection::MemToDev, PrepFlags::INTERRUPT)?
        .submit()?;
    drop(chan); // compile_fail: E0505: cannot move out of `chan` because it is borrowed
    let _buf = transfer.abort()?;
    Ok(())
}
