// SPDX-License-Identifier: GPL-2.0

//! The CPU cannot reach an SPI transfer's buffers while its core-mapped
//! tables are lent to DMA: `Transfer::pio` and `Transfer::dma` both borrow
//! the transfer mutably, so a `Pio` cannot be alive across `dma`.

use crate::bindings::spi::{SpiDma, Transfer};
use crate::Nop;
use kernel::prelude::*;

/// Holds the buffers for the CPU while trying to run DMA on the tables.
pub(crate) fn case(xfer: &mut Transfer<'_>, dma: &mut SpiDma<Nop>) -> Result {
    let mut pio = xfer.pio()?;
    // control: let _ = dma;
    xfer.dma(dma, |_chans, _tx, _rx| {})?; // compile_fail: E0499: cannot borrow `*xfer` as mutable more than once at a time
    pio.push_rx(0);
    Ok(())
}
