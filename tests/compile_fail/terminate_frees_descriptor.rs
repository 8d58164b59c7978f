// SPDX-License-Identifier: GPL-2.0

//! Terminating a channel cannot free a descriptor that safe code still
//! holds: `terminate_sync` takes `&mut self`, which a prepared descriptor's
//! borrow of the channel excludes.

use crate::bindings::{
    dma_mapping::{Streaming, ToDevice},
    dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection},
};
use crate::Nop;
use kernel::prelude::*;

/// Prepares a descriptor, tries to terminate the channel, then submits it.
pub(crate) fn case(chan: &mut DmaChannel<Nop>, buf: Streaming<ToDevice>) -> Result {
    let desc = chan.prep_slave_single(buf, TransferDirection::MemToDev, PrepFlags::INTERRUPT)?;
    chan.terminate_sync()?; // compile_fail: E0502: cannot borrow `*chan` as mutable because it is also borrowed as immutable
    let transfer = desc.submit()?;
    let _buf = transfer.abort()?;
    chan.terminate_sync()
}
