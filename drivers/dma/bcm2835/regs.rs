// SPDX-License-Identifier: GPL-2.0

//! BCM2835 DMA channel registers.
//!
//! Source: BCM2835 ARM Peripherals, section 4.2.1.2 (register map), and the
//! `BCM2835_DMA_*` definitions of `drivers/dma/bcm2835-dma.c`.

/// Highest channel number the window holds (channel 15 lives elsewhere).
pub(crate) const MAX_CHANNEL: u32 = 14;

/// Size of one channel's register block, in bytes.
pub(crate) const CHAN_SIZE: usize = 0x100;

/// Byte offset of channel `ch`'s registers in the window.
pub(crate) const fn chan_base(ch: u32) -> usize {
    ch as usize * CHAN_SIZE
}

/// Control and status.
pub(crate) const CS: usize = 0x00;
/// Bus address of the control block being run (0 when idle).
pub(crate) const CONBLK_AD: usize = 0x04;
/// Current source address.
pub(crate) const SOURCE_AD: usize = 0x0c;
/// Current destination address.
pub(crate) const DEST_AD: usize = 0x10;
/// Debug and error status.
pub(crate) const DEBUG: usize = 0x20;

/// `CS` bits.
pub(crate) mod cs {
    /// Run (write 1); clearing it pauses the channel.
    pub(crate) const ACTIVE: u32 = 1 << 0;
    /// Interrupt status; write 1 to clear.
    pub(crate) const INT: u32 = 1 << 2;
    /// The channel is paused (`ACTIVE` cleared, or waiting) and moves no
    /// data.
    pub(crate) const PAUSED: u32 = 1 << 4;
    /// The channel still waits for outstanding AXI writes.
    pub(crate) const WAITING_FOR_WRITES: u32 = 1 << 6;
    /// Reset the channel (self-clearing).
    pub(crate) const RESET: u32 = 1 << 31;
}

/// `DEBUG` bits.
pub(crate) mod debug {
    /// AXI read: last signal not set where expected; write 1 to clear.
    pub(crate) const READ_LAST_NOT_SET: u32 = 1 << 0;
    /// FIFO error; write 1 to clear.
    pub(crate) const FIFO: u32 = 1 << 1;
    /// AXI read response error; write 1 to clear.
    pub(crate) const READ: u32 = 1 << 2;
    /// All error bits.
    pub(crate) const ERRORS: u32 = READ_LAST_NOT_SET | FIFO | READ;
    /// The channel is a lite channel.
    pub(crate) const LITE: u32 = 1 << 28;
}
