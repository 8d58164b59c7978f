// SPDX-License-Identifier: GPL-2.0

//! Small coherent DMA blocks from a `struct dma_pool` (`mm/dmapool.c`), as
//! the C BCM2835 driver allocates its control blocks: cheaper than one
//! `dma_alloc_coherent()` page per block, and usable in atomic context.

use super::{device::raw, ffi};
use core::{marker::PhantomData, mem, ptr::NonNull};
use kernel::{
    bindings, device,
    prelude::*,
    sync::{aref::ARef, Arc},
    task::might_sleep,
};

/// A pool of coherent blocks holding one `T` each, `align`-byte aligned.
///
/// # Invariants
///
/// `pool` was created for `dev` with blocks of `size_of::<T>()` bytes; it is
/// destroyed on drop, after every [`PoolBlock`] (each holds an `Arc`).
pub(crate) struct DmaPool<T: Copy> {
    pool: NonNull<ffi::dma_pool>,
    _dev: ARef<device::Device>,
    _t: PhantomData<T>,
}

// SAFETY: `dma_pool_alloc()`/`dma_pool_free()` lock internally.
unsafe impl<T: Copy + Send> Send for DmaPool<T> {}
// SAFETY: As above.
unsafe impl<T: Copy + Send> Sync for DmaPool<T> {}

impl<T: Copy> DmaPool<T> {
    /// Creates a pool named `name` for `dev` (`dma_pool_create()`).
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the pool could not be created.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        name: &'static CStr,
        align: usize,
    ) -> Result<Arc<Self>> {
        // SAFETY: `dev` is bound; `name` is a static NUL-terminated string.
        // `dma_pool_create()` is this with no NUMA node preference.
        let pool = unsafe {
            ffi::dma_pool_create_node(
                name.as_char_ptr(),
                raw(dev),
                mem::size_of::<T>(),
                align,
                0,
                bindings::NUMA_NO_NODE,
            )
        };
        let pool = NonNull::new(pool).ok_or(ENOMEM)?;
        Ok(Arc::new(
            Self {
                pool,
                _dev: ARef::from(&**dev),
                _t: PhantomData,
            },
            GFP_KERNEL,
        )?)
    }

    /// A block holding `value` (`dma_pool_alloc()` with `GFP_NOWAIT`: prep
    /// operations may run in atomic context).
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) fn alloc(self: &Arc<Self>, value: T) -> Result<PoolBlock<T>> {
        let mut dma: bindings::dma_addr_t = 0;
        let pool = self.pool.as_ptr();
        // SAFETY: `pool` is live (type invariant); `dma` is valid for writes.
        let vaddr = unsafe { ffi::dma_pool_alloc(pool, bindings::GFP_NOWAIT, &mut dma) };
        let vaddr = NonNull::new(vaddr.cast::<T>()).ok_or(ENOMEM)?;
        let mut block = PoolBlock {
            pool: self.clone(),
            vaddr,
            dma,
        };
        block.write(value);
        Ok(block)
    }
}

impl<T: Copy> Drop for DmaPool<T> {
    /// Destroys the pool (`dma_pool_destroy()`); may sleep.
    fn drop(&mut self) {
        might_sleep();
        // SAFETY: No block is left: each holds an `Arc` to the pool.
        unsafe { ffi::dma_pool_destroy(self.pool.as_ptr()) };
    }
}

/// One block of a [`DmaPool`], returned to it on drop.
///
/// # Invariants
///
/// `vaddr`/`dma` are a block of `pool`, owned by this handle, holding a `T`
/// (written at allocation).
pub(crate) struct PoolBlock<T: Copy> {
    pool: Arc<DmaPool<T>>,
    vaddr: NonNull<T>,
    dma: bindings::dma_addr_t,
}

// SAFETY: The block is owned; see `DmaPool`.
unsafe impl<T: Copy + Send> Send for PoolBlock<T> {}
// SAFETY: Shared access only reads the DMA address; writes need `&mut`.
unsafe impl<T: Copy + Send> Sync for PoolBlock<T> {}

impl<T: Copy> PoolBlock<T> {
    /// The block's DMA address.
    pub(crate) fn dma_address(&self) -> bindings::dma_addr_t {
        self.dma
    }

    /// Stores `value` where the device reads it (coherent memory: visible
    /// to the device without a sync). `&mut self`: one writer at a time.
    pub(crate) fn write(&mut self, value: T) {
        // SAFETY: `vaddr` is a live, aligned block of `size_of::<T>()` bytes
        // (type invariant); volatile, as the device may read it.
        unsafe { self.vaddr.as_ptr().write_volatile(value) };
    }

    /// What the block holds (the last value written: the device only reads
    /// it).
    pub(crate) fn read(&self) -> T {
        // Volatile, as for `write`.
        // SAFETY: `vaddr` is a live, aligned block holding a `T` written by
        // `DmaPool::alloc` or `write` (type invariant).
        unsafe { self.vaddr.as_ptr().read_volatile() }
    }
}

impl<T: Copy> Drop for PoolBlock<T> {
    fn drop(&mut self) {
        // SAFETY: The block belongs to `pool` and is freed once, here.
        unsafe {
            ffi::dma_pool_free(
                self.pool.pool.as_ptr(),
                self.vaddr.as_ptr().cast(),
                self.dma,
            )
        };
    }
}
