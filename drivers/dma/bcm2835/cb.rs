// SPDX-License-Identifier: GPL-2.0

//! BCM2835 DMA control blocks (CBs): memory layout and `TI` encoding.
//!
//! Pure logic, no hardware access, so that KUnit can check every encoding.
//! Source: BCM2835 ARM Peripherals, section 4.2.1 (control block layout,
//! `TI` register bits) and `drivers/dma/bcm2835-dma.c`
//! (`bcm2835_dma_create_cb_chain()`, the `BCM2835_DMA_*` bit definitions).

/// Bits of the `TI` (transfer information) word of a control block.
pub(crate) mod ti {
    /// Wait for the AXI write response before the next write.
    pub(crate) const WAIT_RESP: u32 = 1 << 3;
    /// Increment the destination address after each write.
    pub(crate) const DEST_INC: u32 = 1 << 4;
    /// Gate destination writes by the peripheral's DREQ.
    pub(crate) const DEST_DREQ: u32 = 1 << 6;
    /// Increment the source address after each read.
    pub(crate) const SRC_INC: u32 = 1 << 8;
    /// Gate source reads by the peripheral's DREQ.
    pub(crate) const SRC_DREQ: u32 = 1 << 10;
    /// Shift of the 5-bit `PERMAP` field (peripheral DREQ number).
    pub(crate) const PERMAP_SHIFT: u32 = 16;
    /// Mask of the `PERMAP` field before shifting.
    pub(crate) const PERMAP_MASK: u32 = 0x1f;
}

/// One hardware control block, exactly as the DMA engine reads it from
/// memory: eight 32-bit words (32 bytes), 32-byte aligned (datasheet 4.2.1.1).
///
/// Addresses are bus addresses as the DMA engine sees them; `txfr_len` is in
/// bytes.
#[repr(C, align(32))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ControlBlock {
    /// Transfer information, see [`ti`].
    pub(crate) ti: u32,
    /// Source bus address.
    pub(crate) source_ad: u32,
    /// Destination bus address.
    pub(crate) dest_ad: u32,
    /// Transfer length in bytes.
    pub(crate) txfr_len: u32,
    /// 2D stride (unused: oxdma issues linear transfers only).
    pub(crate) stride: u32,
    /// Bus address of the next CB, or 0 to stop after this one.
    pub(crate) nextconbk: u32,
    reserved: [u32; 2],
}

/// Which way a transfer moves data, as `enum dma_transfer_direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Memory to memory (memcpy): both addresses increment, no DREQ.
    MemToMem,
    /// Memory to a peripheral FIFO: destination fixed and DREQ-paced.
    MemToDev,
    /// Peripheral FIFO to memory: source fixed and DREQ-paced.
    DevToMem,
}

/// Full or lite channel (datasheet 4.2.1.3: lite channels have a 16-bit
/// length field and no 2D mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChannelKind {
    /// Channels 0-6: 30-bit length field.
    Full,
    /// Channels 7-14: 16-bit length field.
    Lite,
}

impl ChannelKind {
    /// The longest transfer one CB of this channel may carry, in bytes.
    ///
    /// Both are multiples of 4, so splitting a length that is a multiple of
    /// 4 keeps every CB a multiple of 4 (the C driver's `MAX_DMA_LEN` and
    /// `MAX_LITE_DMA_LEN`).
    pub(crate) const fn max_cb_len(self) -> u32 {
        match self {
            ChannelKind::Full => 1 << 30,
            ChannelKind::Lite => (1 << 16) - 4,
        }
    }
}

/// The `TI` word for every CB of a transfer in `dir`, paced by peripheral
/// request line `dreq` (0 means unpaced, as for memcpy).
///
/// `WAIT_RESP` is always set, as in the C driver; the interrupt-enable bit
/// is the chain builder's business, per CB, not this word's.
pub(crate) fn transfer_info(dir: Direction, dreq: u32) -> u32 {
    let dir_bits = match dir {
        Direction::MemToMem => ti::SRC_INC | ti::DEST_INC,
        Direction::MemToDev => ti::SRC_INC | ti::DEST_DREQ,
        Direction::DevToMem => ti::SRC_DREQ | ti::DEST_INC,
    };
    let permap = if dir == Direction::MemToMem {
        0
    } else {
        (dreq & ti::PERMAP_MASK) << ti::PERMAP_SHIFT
    };
    ti::WAIT_RESP | dir_bits | permap
}

/// The CB lengths, in bytes, that carry a segment of `len` bytes when one CB
/// may carry at most `max` bytes: as many full `max` pieces as fit, then the
/// remainder. Yields nothing for `len == 0`.
///
/// Mirrors `bcm2835_dma_count_frames_for_sg()` and the splitting loop of
/// `bcm2835_dma_create_cb_chain()`.
pub(crate) fn split_lengths(len: usize, max: u32) -> impl Iterator<Item = u32> {
    let max = max as usize;
    let full = len / max;
    let rest = len % max;
    core::iter::repeat_n(max as u32, full).chain((rest != 0).then_some(rest as u32))
}
