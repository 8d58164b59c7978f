// SPDX-License-Identifier: GPL-2.0

//! The raw `struct device` behind a `kernel::device::Device`, which the C
//! dmaengine APIs take; `Device::as_raw()` is private to the kernel crate.

use kernel::{bindings, device};

/// The `struct device *` of `dev`.
pub(crate) fn raw<Ctx: device::DeviceContext>(dev: &device::Device<Ctx>) -> *mut bindings::device {
    // `Device` is `#[repr(transparent)]` over `Opaque<bindings::device>`,
    // itself `#[repr(transparent)]` over the C struct, so the addresses are
    // equal (rust/kernel/device.rs, rust/kernel/types.rs).
    core::ptr::from_ref(dev).cast_mut().cast()
}
