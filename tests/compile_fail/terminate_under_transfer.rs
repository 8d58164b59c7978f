// SPDX-License-Identifier: GPL-2.0

//! `terminate_sync` cannot run while a transfer borrows the channel: the
//! transfer's own `abort` terminates and hands its buffer back.

use crate::bindings::{
    dma_mapping::{Streaming, ToDevice},
    dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection},
};
use crate::Nop;
use kernel::prelude::*;

/// Submits a transfer, tries to terminate the channel under it, then
/// aborts it.
pub(crate) fn case(chan: &mut DmaChannel<Nop>, buf: Streaming<ToDevice>) -> Result {
    let transfer = chan
        .prep_slave_single(buf, TransferDirection::MemToDev, PrepFlags::INTERRUPT)?
        .submit()?;
    chan.terminate_sync()?; // compile_fail: E0502: cannot borrow `*chan` as mutable because it is also borrowed as immutable
    let _buf = transfer.abort()?;
    Ok(())
}
