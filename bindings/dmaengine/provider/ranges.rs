// SPDX-License-Identifier: GPL-2.0

//! The memory a prep operation receives: [`MemRange`]s the client mapped,
//! and the device side of a slave transfer, a [`Fifo`].
//!
//! Only this module creates them, from the arguments the C core passes to a
//! prep callback, and stamps each with the identity of the descriptor being
//! prepared. A provider whose engine is the CPU (`cpu_copy`) checks that
//! stamp against the descriptor it runs, so memory described for one
//! transfer is never touched for another.

use super::super::types::DmaAddr;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::bindings;

/// Identities of descriptors; 0 is never handed out.
static NEXT_DESC_ID: AtomicU64 = AtomicU64::new(1);

/// A new descriptor identity, unique in this module for its lifetime.
pub(super) fn next_desc_id() -> u64 {
    NEXT_DESC_ID.fetch_add(1, Ordering::Relaxed)
}

/// `len` bytes of memory at DMA address `addr`, which the client mapped for
/// the provider's device for the transfer being prepared.
///
/// Not `Clone`: the descriptor it is stored in owns it.
///
/// # Invariants
///
/// By the dmaengine client contract
/// (`Documentation/driver-api/dmaengine/client.rst`) the bytes stay mapped
/// for the provider's device until descriptor `desc` completes or is
/// terminated.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MemRange {
    addr: DmaAddr,
    len: usize,
    desc: u64,
}

impl MemRange {
    /// A range of the descriptor `desc`.
    ///
    /// # Safety
    ///
    /// The `len` bytes at `addr` must be mapped by the client for the
    /// provider's device until descriptor `desc` completes or is terminated.
    pub(super) unsafe fn new(addr: DmaAddr, len: usize, desc: u64) -> Self {
        // INVARIANT: Per the function's safety requirements.
        Self { addr, len, desc }
    }

    /// The DMA address of the first byte.
    pub(crate) fn addr(&self) -> DmaAddr {
        self.addr
    }

    /// The length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The identity of the descriptor this range was handed out for.
    pub(in crate::bindings::dmaengine) fn desc_id(&self) -> u64 {
        self.desc
    }
}

/// The device side of a slave transfer, from the last accepted slave
/// config: the FIFO register's DMA address and its width in bytes (1, 2, 4
/// or 8).
///
/// # Invariants
///
/// `width` is 1, 2, 4 or 8. By the dmaengine slave config contract, `addr`
/// is the device-side address the client configured on the channel for the
/// transfers it prepares until its next config, among them descriptor
/// `desc`: a device register, or for a CPU engine, memory the client mapped
/// for the provider's device for that long.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fifo {
    addr: DmaAddr,
    width: usize,
    desc: u64,
}

impl Fifo {
    /// The device side for descriptor `desc`; `None` for a width that is
    /// not 1, 2, 4 or 8 bytes.
    ///
    /// # Safety
    ///
    /// `addr` must be the device-side address of the slave config the
    /// client last applied to the channel `desc` is prepared on.
    pub(super) unsafe fn new(addr: DmaAddr, width: u32, desc: u64) -> Option<Self> {
        // INVARIANT: Per the function's safety requirements; width checked.
        matches!(width, 1 | 2 | 4 | 8).then_some(Self {
            addr,
            width: width as usize,
            desc,
        })
    }

    /// The FIFO register's DMA address.
    pub(crate) fn addr(&self) -> DmaAddr {
        self.addr
    }

    /// The FIFO width in bytes: 1, 2, 4 or 8.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The identity of the descriptor this FIFO was handed out for.
    pub(in crate::bindings::dmaengine) fn desc_id(&self) -> u64 {
        self.desc
    }
}

/// The mapped scatterlist a slave prep operation receives, iterated as
/// [`MemRange`]s of the descriptor being prepared.
///
/// # Invariants
///
/// `sg` points to `len` valid, DMA-mapped entries for the duration of `'a`,
/// mapped by the client for descriptor `desc` (see [`MemRange`]).
pub(crate) struct SgList<'a> {
    sg: *mut bindings::scatterlist,
    len: u32,
    desc: u64,
    _p: PhantomData<&'a bindings::scatterlist>,
}

impl SgList<'_> {
    /// The list of `len` entries at `sg`, for descriptor `desc`.
    ///
    /// # Safety
    ///
    /// `sg` must point to `len` valid entries, DMA-mapped by the client for
    /// the provider's device for the transfer being prepared, that stay
    /// valid while the returned list lives.
    pub(super) unsafe fn new(sg: *mut bindings::scatterlist, len: u32, desc: u64) -> Self {
        // INVARIANT: Per the function's safety requirements.
        Self {
            sg,
            len,
            desc,
            _p: PhantomData,
        }
    }

    /// Number of segments.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }
}

impl Iterator for SgList<'_> {
    type Item = MemRange;

    fn next(&mut self) -> Option<MemRange> {
        if self.len == 0 || self.sg.is_null() {
            return None;
        }
        // SAFETY: `sg` is a valid mapped entry (type invariant).
        let (addr, len) = unsafe {
            (
                bindings::sg_dma_address(self.sg),
                bindings::sg_dma_len(self.sg),
            )
        };
        self.len -= 1;
        if self.len != 0 {
            // SAFETY: As above; `sg_next()` follows chained lists.
            self.sg = unsafe { bindings::sg_next(self.sg) };
        }
        // SAFETY: The entry is mapped for descriptor `desc` (type invariant).
        Some(unsafe { MemRange::new(addr, len as usize, self.desc) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.sg.is_null() { 0 } else { self.len() };
        (n, Some(n))
    }
}
