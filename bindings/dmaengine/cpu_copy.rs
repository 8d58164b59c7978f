// SPDX-License-Identifier: GPL-2.0

//! Moving a transfer's bytes with the CPU, for a provider whose engine is
//! the CPU itself (the software DMA engine).
//!
//! The addresses are DMA addresses a consumer gave the provider's channel in
//! a prep call or slave config. The dmaengine contract (`Documentation/
//! driver-api/dmaengine/client.rst`) makes the consumer keep that memory
//! mapped for the provider's device until the transfer completes or is
//! terminated; [`Active`] is the proof that it has not. The provider's
//! device must be `dma-coherent` with a direct mapping, so that a DMA
//! address is a linear-map address after `dma_to_phys()` and no cache
//! maintenance is due.

use super::super::{device::raw, ffi};
use super::provider::{Active, ChannelOps};
use super::DmaAddr;
use kernel::device;

/// One side of a copy: where it starts and whether it advances.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Side {
    /// Memory: the address advances with each byte.
    Incrementing(DmaAddr),
    /// A device FIFO register: the same `width` bytes at the address are
    /// read or written again and again (`width` is 1, 2, 4 or 8).
    Fixed(DmaAddr, usize),
}

/// Copies `len` bytes from `src` to `dst`, `offset` bytes into the
/// transfer (the offset advances incrementing sides; a fixed side always
/// starts at its FIFO's first byte, `offset` being a multiple of its width).
///
/// `active` must be the descriptor the addresses came from.
pub(crate) fn copy<C: ChannelOps>(
    dev: &device::Device,
    _active: &Active<C>,
    dst: Side,
    src: Side,
    offset: usize,
    len: usize,
) {
    let dev = raw(dev);
    let addr = |side: Side, i: usize| -> *mut u8 {
        let (base, off) = match side {
            Side::Incrementing(a) => (a, offset + i),
            Side::Fixed(a, width) => (a, (offset + i) % width),
        };
        // SAFETY: `dev` is the provider's device and `base` a DMA address
        // mapped for it by the consumer for the live descriptor `_active`
        // (module documentation); `dma_to_virt` only computes an address.
        unsafe { ffi::oxdma_dma_to_virt(dev, base).cast::<u8>().add(off) }
    };
    for i in 0..len {
        // Volatile: the consumer may look at the memory concurrently.
        // SAFETY: Both addresses lie in memory the consumer mapped for this
        // transfer (`offset + i` is below its length, or the FIFO width).
        unsafe { addr(dst, i).write_volatile(addr(src, i).read_volatile()) };
    }
}
