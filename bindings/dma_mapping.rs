// SPDX-License-Identifier: GPL-2.0

//! DMA mappings for consumers, with the direction in the type: a streaming
//! single mapping ([`Streaming`], `dma_map_single()`) and a scatter-gather
//! mapping of separate buffers ([`SgMapping`], `dma_map_sgtable()`) that is
//! handed to dmaengine as a `kernel::scatterlist::SGTable`. Coherent rings
//! use `kernel::dma::Coherent` directly.
//!
//! Both give the CPU access to the bytes only through `with_cpu`, which
//! syncs ownership to the CPU and back
//! (`Documentation/core-api/dma-api-howto.rst`, "DMA Direction").

use super::{device::raw, ffi};
use core::marker::PhantomData;
use kernel::{
    bindings, device, error::to_result, prelude::*, scatterlist::SGTable, sync::aref::ARef,
    types::Opaque,
};

/// A DMA address (`dma_addr_t`), in bytes.
type DmaAddr = bindings::dma_addr_t;

/// Direction of a streaming mapping, as a type (see [`Streaming`]).
pub(crate) trait MapDirection {
    /// The `enum dma_data_direction`.
    const RAW: bindings::dma_data_direction;
}

/// Memory the device reads (`DMA_TO_DEVICE`).
pub(crate) struct ToDevice;
/// Memory the device writes (`DMA_FROM_DEVICE`).
pub(crate) struct FromDevice;

impl MapDirection for ToDevice {
    const RAW: bindings::dma_data_direction = bindings::dma_data_direction::DMA_TO_DEVICE;
}

impl MapDirection for FromDevice {
    const RAW: bindings::dma_data_direction = bindings::dma_data_direction::DMA_FROM_DEVICE;
}

/// A kmalloc'd buffer with a streaming DMA mapping (`dma_map_single()`)
/// for one device and direction `D`, unmapped on drop.
///
/// The CPU reaches the bytes only through [`Streaming::with_cpu`], which
/// hands ownership to the CPU and back (`dma_sync_single_for_cpu()`,
/// `dma_sync_single_for_device()`).
///
/// # Invariants
///
/// `addr` maps all of `buf` for `dev` in direction `D`.
pub(crate) struct Streaming<D: MapDirection> {
    dev: ARef<device::Device>,
    buf: KVec<u8>,
    addr: DmaAddr,
    _dir: PhantomData<D>,
}

impl<D: MapDirection> Streaming<D> {
    /// Maps `buf` for `dev`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty buffer; `ENOMEM` if the mapping failed
    /// (`dma_mapping_error()`).
    pub(crate) fn new(dev: &device::Device<device::Bound>, mut buf: KVec<u8>) -> Result<Self> {
        if buf.is_empty() {
            return Err(EINVAL);
        }
        // SAFETY: `buf` is a live kmalloc buffer of `len` bytes, owned by the
        // mapping until it is unmapped in `drop`.
        let addr = unsafe {
            ffi::oxdma_dma_map_single(raw(dev), buf.as_mut_ptr().cast(), buf.len(), D::RAW.0)
        };
        // SAFETY: `addr` was just returned for `dev`.
        if unsafe { ffi::oxdma_dma_mapping_error(raw(dev), addr) } != 0 {
            dev_err!(dev, "dma_map_single of {} bytes failed\n", buf.len());
            return Err(ENOMEM);
        }
        Ok(Self {
            dev: ARef::from(&**dev),
            buf,
            addr,
            _dir: PhantomData,
        })
    }

    /// The DMA address of the first byte.
    pub(crate) fn dma_address(&self) -> DmaAddr {
        self.addr
    }

    /// The length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Gives the buffer to the CPU for `f`, then back to the device. No
    /// transfer may use the mapping meanwhile.
    pub(crate) fn with_cpu<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let dev = raw(&*self.dev);
        // SAFETY: `addr` maps `buf` for `dev` in `D` (type invariant).
        unsafe { ffi::oxdma_dma_sync_single_for_cpu(dev, self.addr, self.buf.len(), D::RAW.0) };
        let r = f(&mut self.buf);
        // SAFETY: As above.
        unsafe { ffi::oxdma_dma_sync_single_for_device(dev, self.addr, self.buf.len(), D::RAW.0) };
        r
    }
}

impl<D: MapDirection> Drop for Streaming<D> {
    fn drop(&mut self) {
        // SAFETY: `addr` maps `buf` for `dev` in `D` (type invariant).
        unsafe {
            ffi::oxdma_dma_unmap_single(raw(&*self.dev), self.addr, self.buf.len(), D::RAW.0)
        };
    }
}

/// Separate kmalloc buffers ("chunks") mapped for one device and direction
/// `D` as one scatter-gather table, one entry per chunk, unmapped and freed
/// on drop.
///
/// # Invariants
///
/// `table` is an allocated `sg_table` with one entry per chunk, mapped for
/// `dev` in `D` (`dma_map_sgtable()`).
pub(crate) struct SgMapping<D: MapDirection> {
    dev: ARef<device::Device>,
    chunks: KVec<KVec<u8>>,
    table: KBox<Opaque<bindings::sg_table>>,
    _dir: PhantomData<D>,
}

// SAFETY: The table and chunks are owned; the C functions used on them may
// be called from any thread.
unsafe impl<D: MapDirection> Send for SgMapping<D> {}
// SAFETY: Shared access only reads the table.
unsafe impl<D: MapDirection> Sync for SgMapping<D> {}

impl<D: MapDirection> SgMapping<D> {
    /// Maps `chunks` for `dev`, one entry each.
    ///
    /// # Errors
    ///
    /// `EINVAL` if there is no chunk or an empty one; `ENOMEM`; the errno of
    /// `dma_map_sgtable()`.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        mut chunks: KVec<KVec<u8>>,
    ) -> Result<Self> {
        if chunks.is_empty() || chunks.iter().any(|c| c.is_empty()) {
            return Err(EINVAL);
        }
        let n = u32::try_from(chunks.len())?;
        let table = KBox::new(Opaque::<bindings::sg_table>::zeroed(), GFP_KERNEL)?;
        let t = table.get();
        // SAFETY: `t` is a zeroed `sg_table` we own.
        to_result(unsafe { bindings::sg_alloc_table(t, n, bindings::GFP_KERNEL) })?;
        // SAFETY: `t` has `n` entries, chained by `sg_next()`; each chunk is
        // a live kmalloc buffer owned by `Self` until the table is freed.
        unsafe {
            let mut sg = (*t).sgl;
            for chunk in chunks.iter_mut() {
                ffi::oxdma_sg_set_buf(sg.cast(), chunk.as_mut_ptr().cast(), chunk.len() as u32);
                sg = bindings::sg_next(sg);
            }
        }
        // SAFETY: `t` is a filled table; `dev` a bound device.
        if let Err(e) = to_result(unsafe { bindings::dma_map_sgtable(raw(dev), t, D::RAW, 0) }) {
            // SAFETY: `t` was allocated above and is not mapped.
            unsafe { bindings::sg_free_table(t) };
            dev_err!(dev, "dma_map_sgtable of {} chunks failed: {:?}\n", n, e);
            return Err(e);
        }
        Ok(Self {
            dev: ARef::from(&**dev),
            chunks,
            table,
            _dir: PhantomData,
        })
    }

    /// The mapped table, for `DmaChannel::prep_slave_sg`.
    pub(crate) fn table(&self) -> &SGTable {
        // SAFETY: `table` is a valid, mapped table that is neither changed
        // nor freed while `self` is borrowed.
        unsafe { SGTable::from_raw(self.table.get()) }
    }

    /// Gives the chunks to the CPU for `f`, then back to the device. No
    /// transfer may use the mapping meanwhile.
    pub(crate) fn with_cpu<R>(&mut self, f: impl FnOnce(&mut [KVec<u8>]) -> R) -> R {
        let dev = raw(&*self.dev);
        // SAFETY: The table is mapped for `dev` in `D` (type invariant).
        unsafe { ffi::oxdma_dma_sync_sgtable_for_cpu(dev, self.table.get().cast(), D::RAW.0) };
        let r = f(&mut self.chunks);
        // SAFETY: As above.
        unsafe { ffi::oxdma_dma_sync_sgtable_for_device(dev, self.table.get().cast(), D::RAW.0) };
        r
    }
}

impl<D: MapDirection> Drop for SgMapping<D> {
    fn drop(&mut self) {
        let t = self.table.get();
        // SAFETY: The table is mapped for `dev` in `D` and allocated (type
        // invariant); the chunks are freed after it.
        unsafe {
            bindings::dma_unmap_sgtable(raw(&*self.dev), t, D::RAW, 0);
            bindings::sg_free_table(t);
        }
    }
}
