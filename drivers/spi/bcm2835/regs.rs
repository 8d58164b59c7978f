// SPDX-License-Identifier: GPL-2.0

//! SPI0 registers (BCM2835 ARM Peripherals, 10.5; `spi-bcm2835.c`).

/// Bytes of the register window.
pub(crate) const WINDOW: usize = 0x18;

/// Control and status.
pub(crate) const CS: usize = 0x00;
/// TX and RX FIFOs (8-bit accesses, 32-bit with `CS.DMAEN`).
pub(crate) const FIFO: usize = 0x04;
/// Clock divider.
pub(crate) const CLK: usize = 0x08;
/// Data length in bytes, in DMA mode.
pub(crate) const DLEN: usize = 0x0c;

/// FIFO depth in bytes.
pub(crate) const FIFO_SIZE: usize = 64;

/// `CS` bits.
pub(crate) mod cs {
    /// RX FIFO full.
    pub(crate) const RXF: u32 = 1 << 20;
    /// RX FIFO needs reading (3/4 full).
    pub(crate) const RXR: u32 = 1 << 19;
    /// TX FIFO can accept data.
    pub(crate) const TXD: u32 = 1 << 18;
    /// RX FIFO contains data.
    pub(crate) const RXD: u32 = 1 << 17;
    /// Transfer done (TX FIFO empty and idle); written 1 at every reset
    /// (`bcm2835_spi_reset_hw()`: an erratum).
    pub(crate) const DONE: u32 = 1 << 16;
    /// Read enable (3-wire: the line turns around to receive).
    pub(crate) const REN: u32 = 1 << 12;
    /// Interrupt on RXR.
    pub(crate) const INTR: u32 = 1 << 10;
    /// Interrupt on DONE.
    pub(crate) const INTD: u32 = 1 << 9;
    /// DMA mode.
    pub(crate) const DMAEN: u32 = 1 << 8;
    /// Transfer active.
    pub(crate) const TA: u32 = 1 << 7;
    /// Chip select polarity of native chip selects: active high.
    pub(crate) const CSPOL: u32 = 1 << 6;
    /// Clear the RX FIFO.
    pub(crate) const CLEAR_RX: u32 = 1 << 5;
    /// Clear the TX FIFO.
    pub(crate) const CLEAR_TX: u32 = 1 << 4;
    /// Clock polarity.
    pub(crate) const CPOL: u32 = 1 << 3;
    /// Clock phase.
    pub(crate) const CPHA: u32 = 1 << 2;
    /// Native chip select field (3: none).
    pub(crate) const CS_MASK: u32 = 3;
    /// Per-chip-select polarity bit of native chip select `n` (0..=2).
    pub(crate) const fn cspol(n: u8) -> u32 {
        1 << (21 + n as u32)
    }
    /// The control bits (those `CS` reads back as written).
    pub(crate) const CONTROL: u32 = 0x03e0_3fcf;
}
