// SPDX-License-Identifier: GPL-2.0

//! SPI0, with no SPI driver bound, as a DREQ-paced FIFO for DMA tests of
//! the BCM2835 provider (shared by the KUnit suite and test modules).
//!
//! In DMA mode (CS = DMAEN | TA; chip select 2, where no device is
//! attached, so the bus returns zeroes) its TX DREQ is asserted while the
//! TX FIFO holds at most DC.TDREQ bytes, its RX DREQ while the RX FIFO
//! holds more than DC.RDREQ bytes, or holds any once DLEN bytes went out.
//! DLEN grants bytes the way a shift clock lets them out.

use crate::bindings::mmio::MmioWindow;
use kernel::{device, prelude::*, sync::Arc};

/// SPI0 registers and bits (BCM2835 ARM Peripherals, 10.5).
pub(crate) mod reg {
    pub(crate) const CS: usize = 0x00;
    pub(crate) const FIFO: usize = 0x04;
    pub(crate) const CLK: usize = 0x08;
    pub(crate) const DLEN: usize = 0x0c;
    pub(crate) const DC: usize = 0x14;
    /// Chip select 2: no device is attached there.
    pub(crate) const CS2: u32 = 2;
    pub(crate) const CLEAR_TX: u32 = 1 << 4;
    pub(crate) const CLEAR_RX: u32 = 1 << 5;
    pub(crate) const TA: u32 = 1 << 7;
    pub(crate) const DMAEN: u32 = 1 << 8;
    pub(crate) const RXF: u32 = 1 << 20;
    /// Reset DC: TX DREQ while at most 0x20 bytes are queued, RX DREQ
    /// while more than 0x20 are received.
    pub(crate) const DC_RESET: u32 = 0x3020_1020;
    /// FIFO depth in bytes.
    pub(crate) const FIFO_BYTES: usize = 64;
    /// What the TX FIFO holds once a TX channel stops on its DREQ: words
    /// are queued while at most 0x20 bytes are.
    pub(crate) const TX_LEAD: usize = 36;
}

/// SPI0's register window (entry `index` of `client`'s `reg`), reserved
/// while this lives; idle again on drop.
pub(crate) struct Spi(pub(crate) Arc<MmioWindow>);

impl Spi {
    pub(crate) fn new(client: &device::Device, index: u32, name: &'static CStr) -> Result<Self> {
        let window = MmioWindow::request(client, index, name)?;
        let spi = Self(Arc::new(window, GFP_KERNEL)?);
        spi.idle()?;
        Ok(spi)
    }

    /// TA and DMAEN clear, FIFOs empty, nothing granted: both DREQs low.
    pub(crate) fn idle(&self) -> Result {
        self.0.write32(reg::CLEAR_TX | reg::CLEAR_RX, reg::CS)?;
        self.0.write32(0, reg::DLEN)?;
        self.0.write32(reg::DC_RESET, reg::DC)
    }

    /// DMA mode with nothing granted: the TX DREQ rises (empty TX FIFO).
    pub(crate) fn start(&self) -> Result {
        self.0.write32(reg::DMAEN | reg::TA | reg::CS2, reg::CS)
    }

    /// Lets `bytes` more bytes go out (DLEN).
    pub(crate) fn grant(&self, bytes: usize) -> Result {
        self.0.write32(bytes as u32, reg::DLEN)
    }

    pub(crate) fn dlen(&self) -> u32 {
        self.0.read32(reg::DLEN).unwrap_or(u32::MAX)
    }

    pub(crate) fn cs(&self) -> u32 {
        self.0.read32(reg::CS).unwrap_or(0)
    }
}

impl Drop for Spi {
    fn drop(&mut self) {
        let _ = self.idle();
    }
}
