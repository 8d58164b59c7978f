// SPDX-License-Identifier: GPL-2.0

//! A device's register window from its DT `reg`, and the registers in it.
//!
//! Unlike `kernel::io::mem::IoMem`, which a bound driver gets from its
//! platform device and which is revoked on unbind (an RCU read-side section
//! per access, and a bounds check per register), a window is mapped for as
//! long as it is referenced, and its registers at constant offsets are
//! reached as the C drivers reach them ([`Regs`]). For code that is not the
//! device's driver (the KUnit suites' DMA test clients, which use a
//! peripheral no driver is bound to as a DMA device side) it reserves the
//! window in the iomem resource tree itself (`request_mem_region()`), so
//! that no driver binds to the same registers while it lives ([`MmioWindow::request`]);
//! a driver whose registers may be referenced after its unbind maps it only
//! ([`MmioWindow::map`]). It refuses a window that is System RAM, so that
//! neither the CPU accessors nor a DMA channel pointed at it can reach
//! memory the kernel owns.

use super::{device::raw, dmaengine::DmaAddr, ffi};
use core::ptr::NonNull;
use kernel::{bindings, build_assert, device, error::from_err_ptr, prelude::*, sync::Arc};

/// A mapped register window (`reg` entry of a DT node), reserved or not.
///
/// # Invariants
///
/// `base` maps the `len` bytes of MMIO at CPU physical address `phys`,
/// none of them System RAM, until drop; reserved in the iomem resource tree
/// as `name` by this object until drop if `name` is not null; `bus` is the
/// window's untranslated `reg` address.
pub(crate) struct MmioWindow {
    base: NonNull<kernel::ffi::c_void>,
    name: *const kernel::ffi::c_char,
    phys: u64,
    len: usize,
    bus: u64,
}

// SAFETY: MMIO accessors may be called from any thread; the window is only
// unmapped on drop; `name` is null or a static string.
unsafe impl Send for MmioWindow {}
// SAFETY: `readl()`/`writel()` of a mapped window may run concurrently.
unsafe impl Sync for MmioWindow {}

impl MmioWindow {
    /// Reserves (as `name`) and maps entry `index` of `dev`'s DT `reg`.
    ///
    /// # Errors
    ///
    /// `ENODEV` without a DT node; `EINVAL` without such an entry, or if
    /// any byte of it is System RAM; `EBUSY` if a driver (or another
    /// window) holds the registers; `ENOMEM`.
    pub(crate) fn request(dev: &device::Device, index: u32, name: &'static CStr) -> Result<Self> {
        Self::new(dev, index, name.as_char_ptr())
    }

    /// Maps entry `index` of `dev`'s DT `reg` without reserving it, as
    /// `IoRequest::iomap_sized()` does: for a driver whose registers may
    /// stay referenced after it is unbound (a DMA channel a client still
    /// holds), so that it can bind again meanwhile.
    ///
    /// # Errors
    ///
    /// `ENODEV` without a DT node; `EINVAL` without such an entry, or if
    /// any byte of it is System RAM; `ENOMEM`.
    pub(crate) fn map(dev: &device::Device, index: u32) -> Result<Self> {
        Self::new(dev, index, core::ptr::null())
    }

    /// Maps entry `index`, reserved as `name` unless it is null.
    fn new(dev: &device::Device, index: u32, name: *const kernel::ffi::c_char) -> Result<Self> {
        let (mut bus, mut phys, mut len) = (0u64, 0u64, 0u64);
        // SAFETY: `dev` is valid; `name` is null or static (the resource
        // tree keeps the pointer); the out pointers are valid for writes.
        let base = from_err_ptr(unsafe {
            ffi::oxdma_mmio_window_request(raw(dev), index, name, &mut bus, &mut phys, &mut len)
        })?;
        let base = NonNull::new(base).ok_or(ENOMEM)?;
        // INVARIANT: The shim mapped `len` bytes at `phys` after checking
        // that none is System RAM, and reserved them if `name` is not null.
        Ok(Self {
            base,
            name,
            phys,
            len: usize::try_from(len)?,
            bus,
        })
    }

    /// Length of the window in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The pointer to the 32-bit register at `offset`, if it lies in the
    /// window and is aligned.
    fn reg(&self, offset: usize) -> Result<*mut kernel::ffi::c_void> {
        if offset % 4 != 0 || offset.checked_add(4).is_none_or(|end| end > self.len) {
            return Err(EINVAL);
        }
        // The window is mapped (type invariant): `offset` stays inside it.
        Ok(self.base.as_ptr().wrapping_byte_add(offset))
    }

    /// Reads the 32-bit register at `offset` (`readl()`).
    ///
    /// # Errors
    ///
    /// `EINVAL` if `offset` is unaligned or outside the window.
    pub(crate) fn read32(&self, offset: usize) -> Result<u32> {
        let reg = self.reg(offset)?;
        // SAFETY: `reg` is an aligned register in the mapped window.
        Ok(unsafe { bindings::readl(reg) })
    }

    /// Writes the 32-bit register at `offset` (`writel()`).
    ///
    /// # Errors
    ///
    /// `EINVAL` if `offset` is unaligned or outside the window.
    pub(crate) fn write32(&self, value: u32, offset: usize) -> Result {
        let reg = self.reg(offset)?;
        // SAFETY: `reg` is an aligned register in the mapped window.
        unsafe { bindings::writel(value, reg) };
        Ok(())
    }

    /// The bus address at which the DMA device `dma_dev` reaches the
    /// `width` bytes at `offset` in the window: the untranslated `reg`
    /// address plus `offset`, which is how the in-tree BCM2835 DMA clients
    /// (spi-bcm2835, sdhost) address their registers (the DMA engine
    /// masters the bus the node's parent describes). `offset` need not be
    /// aligned: what an unaligned access does is the bus's business.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the bytes are not in the window, or if `dma_dev` would
    /// reach System RAM at that address (its `dma-ranges` translate it to
    /// memory): a DT whose bus view does not match this assumption.
    ///
    /// # Safety
    ///
    /// `dma_dev` must be a valid device.
    pub(in crate::bindings) unsafe fn dma_address(
        &self,
        dma_dev: *mut bindings::device,
        offset: usize,
        width: usize,
    ) -> Result<DmaAddr> {
        if width == 0 || offset.checked_add(width).is_none_or(|end| end > self.len) {
            return Err(EINVAL);
        }
        let addr = self.bus.checked_add(offset as u64).ok_or(EINVAL)?;
        // SAFETY: `dma_dev` is valid (the function's safety requirement).
        if unsafe { ffi::oxdma_dma_addr_hits_ram(dma_dev, addr, width) } {
            return Err(EINVAL);
        }
        Ok(addr)
    }
}

/// `SIZE` bytes of registers in a window (all of it, or one block of a
/// controller that has several, such as a DMA channel's), checked once to
/// lie inside it, whose registers at constant offsets are then reached
/// without a run-time check (a driver's hot path: `readl()`/`writel()` as
/// the C drivers inline them, next to a bounds check per access). Keeps the
/// window mapped.
///
/// # Invariants
///
/// `base` is `window`'s mapping plus a 4-byte aligned offset `o` with
/// `o + SIZE <= window.len()`.
pub(crate) struct Regs<const SIZE: usize> {
    base: NonNull<kernel::ffi::c_void>,
    window: Arc<MmioWindow>,
}

// SAFETY: As `MmioWindow` (`base` is its mapping, kept by `window`).
unsafe impl<const SIZE: usize> Send for Regs<SIZE> {}
// SAFETY: As `MmioWindow`.
unsafe impl<const SIZE: usize> Sync for Regs<SIZE> {}

impl<const SIZE: usize> Regs<SIZE> {
    /// The registers at the start of `window`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the window is shorter than `SIZE` bytes.
    pub(crate) fn new(window: Arc<MmioWindow>) -> Result<Self> {
        Self::at(window, 0)
    }

    /// The `SIZE` bytes of registers at byte `offset` in `window`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `offset` is not a multiple of 4 or the block does not fit
    /// in the window.
    pub(crate) fn at(window: Arc<MmioWindow>, offset: usize) -> Result<Self> {
        let end = offset.checked_add(SIZE).ok_or(EINVAL)?;
        if offset % 4 != 0 || end > window.len {
            return Err(EINVAL);
        }
        // In the mapping: `offset < end <= len`.
        let base = NonNull::new(window.base.as_ptr().wrapping_byte_add(offset)).ok_or(EINVAL)?;
        // INVARIANT: Checked above.
        Ok(Self { base, window })
    }

    /// The window, e.g. for a DMA channel's device side.
    pub(crate) fn window(&self) -> &Arc<MmioWindow> {
        &self.window
    }

    /// The register at `offset`, which the compiler must see is aligned and
    /// inside `SIZE` (a build error otherwise).
    #[inline(always)]
    fn reg(&self, offset: usize) -> *mut kernel::ffi::c_void {
        build_assert!(offset % 4 == 0 && offset + 4 <= SIZE);
        // In the mapped window: `o + offset + 4 <= o + SIZE <= len` (type
        // invariant).
        self.base.as_ptr().wrapping_byte_add(offset)
    }

    /// Reads the 32-bit register at `offset` (`readl()`).
    #[inline(always)]
    pub(crate) fn read32(&self, offset: usize) -> u32 {
        let reg = self.reg(offset);
        // SAFETY: `reg` is an aligned register in the mapped window.
        unsafe { bindings::readl(reg) }
    }

    /// Writes the 32-bit register at `offset` (`writel()`).
    #[inline(always)]
    pub(crate) fn write32(&self, value: u32, offset: usize) {
        let reg = self.reg(offset);
        // SAFETY: `reg` is an aligned register in the mapped window.
        unsafe { bindings::writel(value, reg) };
    }
}

impl Drop for MmioWindow {
    fn drop(&mut self) {
        // SAFETY: Mapped, and reserved as `name` if not null (type
        // invariant), released once, here.
        unsafe {
            ffi::oxdma_mmio_window_release(
                self.base.as_ptr(),
                self.name,
                self.phys,
                self.len as u64,
            )
        };
    }
}
