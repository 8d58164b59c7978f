// SPDX-License-Identifier: GPL-2.0

//! A transfer cannot outlive, or run on, memory that is not mapped for it:
//! the transfer owns the mapping, so the buffer cannot be dropped (unmapped
//! and freed) while the transfer may run.

use crate::bindings::{
    dma_mapping::{Streaming, ToDevice},
    dmaengine::{consumer::DmaChannel, PrepFlags, TransferDirection},
};
use crate::Nop;
use kernel::prelude::*;

/// Submits a transfer of `buf`, then tries to drop `buf`.
pub(crate) fn case(chan: &DmaChannel<Nop>, buf: Streaming<ToDevice>) -> Result {
    let transfer = chan
        .prep_slave_single(buf, TransferDirection::MemToDev, PrepFlags::INTERRUPT)?
        .submit()?;
    drop(buf); // compile_fail: E0382: use of moved value: `buf`
    let _buf = transfer.abort()?;
    Ok(())
}
