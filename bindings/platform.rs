// SPDX-License-Identifier: GPL-2.0

//! Probe-time helpers around the `kernel::platform` calls that the kernel
//! crate marks `unsafe`, so that drivers stay free of `unsafe`.

use kernel::{
    device::{self, Core},
    devres,
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

/// Requests the interrupt `request` of `dev` for `handler`
/// (`request_irq()`), shared if `shared`; the interrupt is freed when `dev`
/// is unbound, after the driver's data is dropped (device-managed, as
/// `devm_request_irq()`), so no safe code can leak it past the module.
///
/// # Errors
///
/// The errno of `request_irq()`; `ENOMEM`.
pub(crate) fn request_irq<T: irq::Handler + Send + 'static>(
    dev: &device::Device<device::Bound>,
    request: IrqRequest<'_>,
    shared: bool,
    name: &'static CStr,
    handler: T,
) -> Result {
    let flags = if shared {
        irq::Flags::SHARED
    } else {
        irq::Flags::TRIGGER_NONE
    };
    // SAFETY: The registration goes to devres below, which drops it when
    // `dev` is unbound; nothing can leak it.
    let init = unsafe { irq::Registration::new(request, flags, name, Ok::<T, Error>(handler)) };
    // SAFETY: Lifetimes do not change the layout. The request's lifetime
    // stands for `dev`'s bound scope, which the devres release ends within.
    let init = unsafe {
        pin_init::cast_pin_init::<irq::Registration<'_, T>, irq::Registration<'static, T>, Error>(
            init,
        )
    };
    devres::register(dev, init, GFP_KERNEL)
}
