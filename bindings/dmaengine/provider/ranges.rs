// SPDX-License-Identifier: GPL-2.0

//! The mapped scatterlist a slave prep operation receives ([`SgList`]).

use super::super::types::DmaAddr;
use core::marker::PhantomData;
use kernel::bindings;

/// One mapped scatterlist segment: DMA address and length in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// `sg_dma_address()`.
    pub(crate) addr: DmaAddr,
    /// `sg_dma_len()`, in bytes.
    pub(crate) len: u32,
}

/// The mapped scatterlist a prep operation receives, iterated as
/// [`Segment`]s.
///
/// # Invariants
///
/// `sg` points to `len` valid, DMA-mapped entries for the duration of `'a`.
pub(crate) struct SgList<'a> {
    sg: *mut bindings::scatterlist,
    len: u32,
    _p: PhantomData<&'a bindings::scatterlist>,
}

impl SgList<'_> {
    /// The list of `len` entries at `sg`.
    ///
    /// # Safety
    ///
    /// `sg` must point to `len` valid, DMA-mapped entries that stay valid
    /// while the returned list lives.
    pub(super) unsafe fn new(sg: *mut bindings::scatterlist, len: u32) -> Self {
        // INVARIANT: Per the function's safety requirements.
        Self {
            sg,
            len,
            _p: PhantomData,
        }
    }

    /// Number of segments.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no segments.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Iterator for SgList<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        if self.len == 0 || self.sg.is_null() {
            return None;
        }
        // SAFETY: `sg` is a valid mapped entry (type invariant).
        let seg = unsafe {
            Segment {
                addr: bindings::sg_dma_address(self.sg),
                len: bindings::sg_dma_len(self.sg),
            }
        };
        self.len -= 1;
        // SAFETY: As above; `sg_next()` follows chained lists.
        self.sg = unsafe { bindings::sg_next(self.sg) };
        Some(seg)
    }
}
