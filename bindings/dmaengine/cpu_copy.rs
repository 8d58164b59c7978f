// SPDX-License-Identifier: GPL-2.0

//! Moving a transfer's bytes with the CPU, for a provider whose engine is
//! the CPU itself (the software DMA engine).
//!
//! The copy derives every address itself, from what the provider
//! abstraction handed the driver's prep operation for the descriptor that
//! is running, and checks it:
//!
//! - a [`MemRange`] or [`Fifo`] must carry the identity of the running
//!   [`Active`] descriptor (ranges of finished or other descriptors are
//!   refused);
//! - the bytes copied must lie inside the range (a FIFO: inside its width);
//! - the provider's device must be `dma-coherent` (no cache maintenance is
//!   due) and the bytes must translate (`dma_to_phys()`) to memory of the
//!   kernel's linear map.
//!
//! What it cannot check is that the client keeps the memory mapped for the
//! transfer: that is the dmaengine client contract, taken on where the C
//! core calls the prep callback (`provider/adapter.rs`, `unsafe`), and made
//! to hold by construction for Rust clients (`consumer`).

use super::super::ffi;
use super::provider::{Active, ChannelOps, Fifo, MemRange};
use kernel::prelude::*;

/// One side of a copy.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Side<'a> {
    /// Memory: the address advances with each byte.
    Memory(&'a MemRange),
    /// A FIFO register standing in memory: the same `width` bytes are read
    /// or written again and again.
    Fifo(&'a Fifo),
}

/// A side resolved to CPU addresses: the first byte and, for a FIFO, its
/// width.
struct Resolved {
    base: *mut u8,
    wrap: Option<usize>,
}

impl Side<'_> {
    /// The CPU address of byte `offset` of this side for a copy of `len`
    /// bytes of descriptor `active`.
    fn resolve<C: ChannelOps>(
        self,
        active: &Active<C>,
        offset: usize,
        len: usize,
    ) -> Result<Resolved> {
        let (desc, addr, span, wrap) = match self {
            Side::Memory(r) => {
                let end = offset.checked_add(len).ok_or(EFAULT)?;
                if end > r.len() {
                    return Err(EFAULT);
                }
                let addr = r.addr().checked_add(offset as u64).ok_or(EFAULT)?;
                (r.desc_id(), addr, len, None)
            }
            Side::Fifo(f) => (f.desc_id(), f.addr(), f.width(), Some(f.width())),
        };
        if desc != active.id() {
            return Err(EFAULT);
        }
        // SAFETY: `raw_device()` is the provider's live device; the shim only
        // computes and checks an address.
        let base = unsafe { ffi::oxdma_dma_to_lm_virt(active.raw_device(), addr, span) };
        if base.is_null() {
            return Err(EFAULT);
        }
        Ok(Resolved {
            base: base.cast(),
            wrap,
        })
    }
}

impl Resolved {
    /// The CPU address of byte `i` of the copy.
    ///
    /// # Safety
    ///
    /// `i` must be below the length the side was resolved for.
    unsafe fn at(&self, offset: usize, i: usize) -> *mut u8 {
        let off = match self.wrap {
            Some(width) => (offset + i) % width,
            None => i,
        };
        // SAFETY: `off` is below the resolved span (`i < len`, or the
        // remainder of a division by the width).
        unsafe { self.base.add(off) }
    }
}

/// Copies `len` bytes from `src` to `dst`, `offset` bytes into the
/// transfer of the running descriptor `active` (the offset advances memory
/// sides; a FIFO side always starts at its first byte, `offset` being a
/// multiple of its width).
///
/// # Errors
///
/// `EFAULT` if a side was not handed out for `active`, the bytes do not lie
/// in its range, or they are not linear-map memory of a `dma-coherent`
/// provider; nothing is copied then.
pub(crate) fn copy<C: ChannelOps>(
    active: &Active<C>,
    dst: Side<'_>,
    src: Side<'_>,
    offset: usize,
    len: usize,
) -> Result {
    if len == 0 {
        return Ok(());
    }
    let d = dst.resolve(active, offset, len)?;
    let s = src.resolve(active, offset, len)?;
    for i in 0..len {
        // Volatile: the memory is shared with the client, which may map it
        // again or look at it through a coherent mapping. Both addresses lie
        // in linear-map memory the client mapped for the provider's device
        // for the running descriptor `active` (checked in `resolve`, and the
        // contract of `MemRange`/`Fifo`).
        // SAFETY: Both addresses are mapped for `active`, as above; `i < len`.
        unsafe {
            d.at(offset, i)
                .write_volatile(s.at(offset, i).read_volatile())
        };
    }
    Ok(())
}
