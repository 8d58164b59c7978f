// SPDX-License-Identifier: GPL-2.0

//! Probe-time helpers around the `kernel::platform` calls that the kernel
//! crate marks `unsafe`, so that drivers stay free of `unsafe`.

use kernel::{
    device::Core,
    dma::{self, Device as _},
    irq::{self, IrqRequest},
    platform,
    prelude::*,
};

/// Sets `pdev`'s streaming and coherent DMA masks to `bits` bits
/// (`dma_set_mask_and_coherent()`).
///
/// # Errors
///
/// `EIO` if the platform cannot address that much; `EINVAL` for `bits > 64`.
pub(crate) fn set_dma_mask(pdev: &platform::Device<Core<'_>>, bits: u32) -> Result {
    let mask = dma::DmaMask::try_new(bits)?;
    // SAFETY: Called from probe, before the driver allocates or maps any DMA
    // memory, so nothing uses the masks concurrently.
    unsafe { pdev.dma_set_mask_and_coherent(mask) }
}

/// Requests the interrupt `request` for `handler` (`request_irq()`), shared
/// if `shared`; freed when the returned registration is dropped.
///
/// # Errors
///
/// The errno of `request_irq()`; `ENOMEM`.
pub(crate) fn request_irq<'a, T: irq::Handler + 'static>(
    request: IrqRequest<'a>,
    shared: bool,
    name: &'static CStr,
    handler: T,
) -> Result<Pin<KBox<irq::Registration<'a, T>>>> {
    let flags = if shared {
        irq::Flags::SHARED
    } else {
        irq::Flags::TRIGGER_NONE
    };
    // SAFETY: The registration is returned pinned in a box, which frees the
    // interrupt when dropped; it is never leaked here.
    KBox::pin_init(
        unsafe { irq::Registration::new(request, flags, name, Ok::<T, Error>(handler)) },
        GFP_KERNEL,
    )
}
