// SPDX-License-Identifier: GPL-2.0

//! A core-mapped table of an SPI transfer cannot leave `Transfer::dma`:
//! the SPI core unmaps it once `transfer_one` returns, so neither the table
//! nor a DMA transfer owning it may outlive the closure.

use crate::bindings::{
    dma_mapping::FromDevice,
    spi::{DmaSg, SpiDma, Transfer},
};
use crate::Nop;
use kernel::prelude::*;

/// Tries to keep the RX table after the closure.
pub(crate) fn case(xfer: &mut Transfer<'_>, dma: &mut SpiDma<Nop>) -> Result {
    let mut kept: Option<DmaSg<'_, FromDevice>> = None;
    xfer.dma(dma, |_chans, _tx, rx| {
        // control: let _ = (rx, &mut kept);
        kept = rx; // compile_fail: E0521: borrowed data escapes outside of closure
    })?;
    drop(kept);
    Ok(())
}
