// SPDX-License-Identifier: GPL-2.0

//! DMA mappings for consumers, with the direction in the type: a streaming
//! single mapping ([`Streaming`], `dma_map_single()`), a scatter-gather
//! mapping of separate buffers ([`SgMapping`], `dma_map_sgtable()`), and a
//! coherent buffer that remembers its device ([`CoherentBuf`], over
//! `kernel::dma::Coherent`).
//!
//! A transfer owns the mappings it uses ([`DmaBuffer`]) and hands them back
//! when it is over (`consumer::Transfer`), so the CPU reaches the bytes only
//! while no transfer can: `with_cpu` takes `&mut self` and syncs ownership
//! to the CPU and back (`Documentation/core-api/dma-api-howto.rst`, "DMA
//! Direction"); a `CoherentBuf`'s bytes are reached through
//! `kernel::dma::Coherent`'s own accessors.

use super::{device::raw, ffi};
use core::{marker::PhantomData, mem::ManuallyDrop};
use kernel::{
    bindings, device,
    dma::Coherent,
    error::to_result,
    prelude::*,
    sync::aref::ARef,
    task::might_sleep,
    transmute::{AsBytes, FromBytes},
    types::Opaque,
};

/// A DMA address (`dma_addr_t`), in bytes.
type DmaAddr = bindings::dma_addr_t;

/// Runs `release`, the unmap or free of memory mapped for `dev` (`what`
/// names it), with `dev` locked and still bound; if `dev` is no longer
/// bound, does not run it, says so, and returns `false`: the caller then
/// leaks the memory, which is never reused.
///
/// Unbinding tears down the device's DMA configuration
/// (`device_unbind_cleanup()` frees `dma_range_map`), so an unmap or free
/// after it translates addresses wrongly (seen: freeing a coherent buffer
/// after the DMA provider's unbind oopsed in `dma_direct_free()`), and the
/// engine of an unbound device may not have stopped. The device lock keeps
/// an unbind from running meanwhile. May sleep; must not run under
/// `dev`'s lock (`consumer::DmaChannel::with_dma_device`): it does not nest.
fn release_while_bound(dev: &device::Device, what: &str, release: impl FnOnce()) -> bool {
    might_sleep();
    // SAFETY: `dev` is a live device (referenced by the caller's mapping).
    if !unsafe { ffi::oxdma_device_lock_if_bound(raw(dev)) } {
        dev_warn!(
            dev,
            "{} released after its device was unbound: leaked\n",
            what
        );
        return false;
    }
    release();
    // SAFETY: Locked by `oxdma_device_lock_if_bound()` above.
    unsafe { ffi::oxdma_device_unlock(raw(dev)) };
    true
}

/// Memory mapped for one device, contiguous in its DMA address space, that
/// a DMA transfer may own for its duration (`consumer::DmaChannel`'s prep
/// operations take it by value).
///
/// # Safety
///
/// An implementor guarantees that, for as long as a value lives (moves
/// included), the [`Self::dma_len`] bytes at [`Self::dma_address`] are
/// mapped for [`Self::device`], for device reads if
/// [`Self::DEVICE_READS`] and device writes if [`Self::DEVICE_WRITES`], and
/// that safe code reaches the bytes with the CPU only through `&mut self`
/// (or through volatile accessors valid while a device writes).
pub(crate) unsafe trait DmaBuffer: Send + 'static {
    /// The mapping lets the device read the memory.
    const DEVICE_READS: bool;
    /// The mapping lets the device write the memory.
    const DEVICE_WRITES: bool;

    /// The device the memory is mapped for.
    fn device(&self) -> &device::Device;

    /// The DMA address of the first byte.
    fn dma_address(&self) -> DmaAddr;

    /// The length in bytes.
    fn dma_len(&self) -> usize;
}

/// A scatter-gather table mapped for one device, that a DMA transfer may
/// own for its duration (`consumer::DmaChannel::prep_slave_sg` takes it by
/// value).
///
/// # Safety
///
/// An implementor guarantees that, for as long as a value lives (moves
/// included), the [`Self::raw_entries`] are mapped for the device
/// [`Self::raw_device`], for device reads if [`Self::DEVICE_READS`] and
/// device writes if [`Self::DEVICE_WRITES`], and that safe code does not
/// reach the bytes with the CPU meanwhile. If a value is leaked (never
/// dropped), the memory either stays mapped for good, or is unmapped only
/// after every channel for which [`Self::usable_on`] holds was terminated
/// and synchronised.
pub(crate) unsafe trait DmaSgBuffer: Send {
    /// The mapping lets the device read the memory.
    const DEVICE_READS: bool;
    /// The mapping lets the device write the memory.
    const DEVICE_WRITES: bool;

    /// The `struct device *` the table is mapped for.
    fn raw_device(&self) -> *mut bindings::device;

    /// The first mapped entry and the number of mapped entries
    /// (`sgt.nents`), for `dmaengine_prep_slave_sg()`.
    fn raw_entries(&self) -> (*mut bindings::scatterlist, u32);

    /// Whether a transfer on `chan` may use the table.
    fn usable_on(&self, _chan: *mut ffi::dma_chan) -> bool {
        true
    }
}

/// The `(dma_address, dma_len)` in bytes of the mapped entries of `sg`.
pub(crate) fn sg_segments<S: DmaSgBuffer + ?Sized>(
    sg: &S,
) -> impl Iterator<Item = (DmaAddr, usize)> + '_ {
    let (mut sgl, mut nents) = sg.raw_entries();
    core::iter::from_fn(move || {
        if nents == 0 || sgl.is_null() {
            return None;
        }
        // SAFETY: `sgl` is a mapped entry of `sg`'s table, which stays
        // mapped while `sg` is borrowed (`DmaSgBuffer`).
        let seg = unsafe {
            (
                bindings::sg_dma_address(sgl),
                bindings::sg_dma_len(sgl) as usize,
            )
        };
        nents -= 1;
        if nents != 0 {
            // SAFETY: As above.
            sgl = unsafe { bindings::sg_next(sgl) };
        }
        Some(seg)
    })
}

/// Direction of a streaming mapping, as a type (see [`Streaming`]).
pub(crate) trait MapDirection: Send + 'static {
    /// The `enum dma_data_direction`.
    const RAW: bindings::dma_data_direction;
    /// The device reads the memory.
    const DEVICE_READS: bool;
    /// The device writes the memory.
    const DEVICE_WRITES: bool;
}

/// Memory the device reads (`DMA_TO_DEVICE`).
pub(crate) struct ToDevice;
/// Memory the device writes (`DMA_FROM_DEVICE`).
pub(crate) struct FromDevice;

impl MapDirection for ToDevice {
    const RAW: bindings::dma_data_direction = bindings::dma_data_direction::DMA_TO_DEVICE;
    const DEVICE_READS: bool = true;
    const DEVICE_WRITES: bool = false;
}

impl MapDirection for FromDevice {
    const RAW: bindings::dma_data_direction = bindings::dma_data_direction::DMA_FROM_DEVICE;
    const DEVICE_READS: bool = false;
    const DEVICE_WRITES: bool = true;
}

/// A kmalloc'd buffer with a streaming DMA mapping (`dma_map_single()`)
/// for one device and direction `D`, unmapped on drop.
///
/// The CPU reaches the bytes only through [`Streaming::with_cpu`], which
/// hands ownership to the CPU and back (`dma_sync_single_for_cpu()`,
/// `dma_sync_single_for_device()`); a transfer that uses the mapping owns
/// it, so `&mut self` proves that no transfer runs on it.
///
/// # Invariants
///
/// `addr` maps all of `buf` for `dev` in direction `D`; `buf` is neither
/// resized nor freed while mapped.
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

    /// Gives the buffer to the CPU for `f`, then back to the device
    /// (`dma_sync_single_for_cpu()`, `dma_sync_single_for_device()`). `&mut
    /// self`: no transfer owns the mapping meanwhile; `f` sees a slice, so
    /// it cannot resize or free the buffer.
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

// SAFETY: `addr` maps the heap buffer `buf`, which moves do not move, for
// `dev` in `D` until drop (type invariant); the CPU reaches it only through
// `with_cpu(&mut self)`.
unsafe impl<D: MapDirection> DmaBuffer for Streaming<D> {
    const DEVICE_READS: bool = D::DEVICE_READS;
    const DEVICE_WRITES: bool = D::DEVICE_WRITES;

    fn device(&self) -> &device::Device {
        &self.dev
    }

    fn dma_address(&self) -> DmaAddr {
        self.addr
    }

    fn dma_len(&self) -> usize {
        self.buf.len()
    }
}

/// Unmaps and frees the buffer; may sleep (see [`release_while_bound`]: if
/// the device was unbound meanwhile, the buffer is leaked instead).
impl<D: MapDirection> Drop for Streaming<D> {
    fn drop(&mut self) {
        let (dev, addr, len) = (raw(&*self.dev), self.addr, self.buf.len());
        let unmapped = release_while_bound(&self.dev, "streaming mapping", || {
            // SAFETY: `addr` maps `buf` for `dev` in `D` (type invariant);
            // `dev` is bound.
            unsafe { ffi::oxdma_dma_unmap_single(dev, addr, len, D::RAW.0) };
        });
        if !unmapped {
            core::mem::forget(core::mem::take(&mut self.buf));
        }
    }
}

/// Separate kmalloc buffers ("chunks") mapped for one device and direction
/// `D` as one scatter-gather table, one entry per chunk, unmapped and freed
/// on drop.
///
/// # Invariants
///
/// `table` is an allocated `sg_table` with one entry per chunk, mapped for
/// `dev` in `D` (`dma_map_sgtable()`); the chunks are neither resized nor
/// freed while mapped.
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

// SAFETY: The table stays mapped for `dev` in `D` until `Self` drops; a
// leaked `SgMapping` is never unmapped. The CPU reaches the chunks only
// through `with_cpu(&mut self)`.
unsafe impl<D: MapDirection> DmaSgBuffer for SgMapping<D> {
    const DEVICE_READS: bool = D::DEVICE_READS;
    const DEVICE_WRITES: bool = D::DEVICE_WRITES;

    fn raw_device(&self) -> *mut bindings::device {
        raw(&*self.dev)
    }

    fn raw_entries(&self) -> (*mut bindings::scatterlist, u32) {
        let t = self.table.get();
        // SAFETY: `table` is a valid, mapped table (type invariant).
        unsafe { ((*t).sgl, (*t).nents) }
    }
}

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

    /// The device the table is mapped for.
    pub(crate) fn device(&self) -> &device::Device {
        &self.dev
    }

    /// The `(dma_address, dma_len)` of each mapped entry, in bytes.
    pub(crate) fn segments(&self) -> impl Iterator<Item = (DmaAddr, usize)> + '_ {
        sg_segments(self)
    }

    /// Gives the chunks to the CPU, then back to the device
    /// (`dma_sync_sgtable_for_cpu()`, `dma_sync_sgtable_for_device()`),
    /// calling `f` with each chunk's index and bytes. `&mut self`: no
    /// transfer owns the mapping meanwhile; `f` sees slices, so it cannot
    /// resize or free a chunk.
    pub(crate) fn with_cpu(&mut self, mut f: impl FnMut(usize, &mut [u8])) {
        let dev = raw(&*self.dev);
        // SAFETY: The table is mapped for `dev` in `D` (type invariant).
        unsafe { ffi::oxdma_dma_sync_sgtable_for_cpu(dev, self.table.get().cast(), D::RAW.0) };
        for (i, chunk) in self.chunks.iter_mut().enumerate() {
            f(i, chunk);
        }
        // SAFETY: As above.
        unsafe { ffi::oxdma_dma_sync_sgtable_for_device(dev, self.table.get().cast(), D::RAW.0) };
    }
}

/// Unmaps and frees the table and the chunks; may sleep (see
/// [`release_while_bound`]: if the device was unbound meanwhile, they are
/// leaked instead).
impl<D: MapDirection> Drop for SgMapping<D> {
    fn drop(&mut self) {
        let (dev, t) = (raw(&*self.dev), self.table.get());
        let unmapped = release_while_bound(&self.dev, "scatter-gather mapping", || {
            // SAFETY: The table is mapped for `dev` in `D` and allocated
            // (type invariant); `dev` is bound; the chunks are freed after.
            unsafe {
                bindings::dma_unmap_sgtable(dev, t, D::RAW, 0);
                bindings::sg_free_table(t);
            }
        });
        if !unmapped {
            core::mem::forget(core::mem::take(&mut self.chunks));
        }
    }
}

/// A coherent buffer of `T`s (`dma_alloc_coherent()`, through
/// `kernel::dma::Coherent`) that remembers the device it was allocated for,
/// so that a transfer can check it runs on that device.
///
/// The CPU reaches the bytes through [`CoherentBuf::coherent`] and the
/// kernel crate's accessors (`io_read!`, `io_write!`: volatile, valid while
/// a device accesses the memory); a transfer owns the buffer while it runs.
///
/// Freed on drop, which may sleep (see [`release_while_bound`]: if the
/// device was unbound meanwhile, the buffer is leaked instead).
///
/// # Invariants
///
/// `mem` was allocated for `dev`, and is dropped only by `Drop`.
pub(crate) struct CoherentBuf<T: AsBytes + FromBytes> {
    dev: ARef<device::Device>,
    mem: ManuallyDrop<Coherent<[T]>>,
}

impl<T: AsBytes + FromBytes> Drop for CoherentBuf<T> {
    fn drop(&mut self) {
        let mem = &mut self.mem;
        release_while_bound(&self.dev, "coherent buffer", || {
            // SAFETY: `mem` is dropped only here (type invariant), once;
            // `dev` is bound.
            unsafe { ManuallyDrop::drop(mem) };
        });
    }
}

impl<T: AsBytes + FromBytes> CoherentBuf<T> {
    /// `len` zeroed `T`s for `dev`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`; `EINVAL` for `len == 0`.
    pub(crate) fn zeroed(dev: &device::Device<device::Bound>, len: usize) -> Result<Self> {
        if len == 0 {
            return Err(EINVAL);
        }
        Ok(Self {
            dev: ARef::from(&**dev),
            mem: ManuallyDrop::new(Coherent::<T>::zeroed_slice(dev, len, GFP_KERNEL)?),
        })
    }

    /// A copy of `values` for `dev`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`; `EINVAL` for an empty slice.
    pub(crate) fn from_slice(dev: &device::Device<device::Bound>, values: &[T]) -> Result<Self>
    where
        T: Copy,
    {
        if values.is_empty() {
            return Err(EINVAL);
        }
        Ok(Self {
            dev: ARef::from(&**dev),
            mem: ManuallyDrop::new(Coherent::<T>::from_slice(dev, values, GFP_KERNEL)?),
        })
    }

    /// The coherent allocation, for the kernel crate's accessors.
    pub(crate) fn coherent(&self) -> &Coherent<[T]> {
        &self.mem
    }
}

// SAFETY: `mem` is a coherent allocation for `dev` (type invariant), mapped
// for both directions until drop; a move does not move it; the CPU reaches
// it only through `Coherent`'s volatile accessors.
unsafe impl<T: AsBytes + FromBytes + Send + 'static> DmaBuffer for CoherentBuf<T> {
    const DEVICE_READS: bool = true;
    const DEVICE_WRITES: bool = true;

    fn device(&self) -> &device::Device {
        &self.dev
    }

    fn dma_address(&self) -> DmaAddr {
        self.mem.dma_address()
    }

    fn dma_len(&self) -> usize {
        self.mem.size()
    }
}

/// The kernel's zero page mapped for a device to read, for as long as the
/// device is bound (`'bound`): the provider recognises transfers from it
/// (`dma_map_page_attrs(ZERO_PAGE(0), DMA_TO_DEVICE,
/// DMA_ATTR_SKIP_CPU_SYNC)`, as `bcm2835_dma_probe()` maps it).
///
/// # Invariants
///
/// `addr` maps the zero page for `dev` until drop.
pub(crate) struct ZeroPage<'bound> {
    dev: &'bound device::Device<device::Bound>,
    addr: DmaAddr,
}

impl<'bound> ZeroPage<'bound> {
    /// Maps the zero page for `dev`.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the mapping failed (`dma_mapping_error()`).
    pub(crate) fn map(dev: &'bound device::Device<device::Bound>) -> Result<Self> {
        // SAFETY: `dev` is a bound device; the zero page is never freed.
        let addr = unsafe { ffi::oxdma_dma_map_zero_page(raw(dev)) };
        // SAFETY: `addr` was just returned for `dev`.
        if unsafe { ffi::oxdma_dma_mapping_error(raw(dev), addr) } != 0 {
            dev_err!(dev, "cannot map the zero page\n");
            return Err(ENOMEM);
        }
        Ok(Self { dev, addr })
    }

    /// Its DMA address.
    pub(crate) fn dma_address(&self) -> DmaAddr {
        self.addr
    }
}

impl Drop for ZeroPage<'_> {
    fn drop(&mut self) {
        // SAFETY: `addr` maps the zero page for `dev` (type invariant),
        // which is still bound (`'bound`).
        unsafe { ffi::oxdma_dma_unmap_zero_page(raw(self.dev), self.addr) };
    }
}
