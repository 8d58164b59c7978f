// SPDX-License-Identifier: GPL-2.0

//! Looking up the device the DT describes at a compatible string, for code
//! that is not that device's driver (the KUnit suites' DMA client).

use super::ffi;
use core::ptr::NonNull;
use kernel::{bindings, device, prelude::*, sync::aref::ARef};

/// The platform device populated from the first DT node compatible with
/// `compatible` (`of_find_compatible_node()`, `of_find_device_by_node()`).
///
/// # Errors
///
/// `ENODEV` if there is no such node or device.
pub(crate) fn find_by_compatible(compatible: &CStr) -> Result<ARef<device::Device>> {
    // SAFETY: `compatible` is NUL-terminated; null `from`/`type` search all.
    let np = unsafe {
        bindings::of_find_compatible_node(
            core::ptr::null_mut(),
            core::ptr::null(),
            compatible.as_char_ptr(),
        )
    };
    if np.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: `np` is a node reference we hold, dropped right after.
    let pdev = unsafe {
        let pdev = ffi::of_find_device_by_node(np);
        ffi::oxdma_of_node_put(np);
        pdev
    };
    if pdev.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: `of_find_device_by_node()` returned a reference to `pdev`'s
    // device, which the `ARef` takes over (released by `put_device()`).
    Ok(unsafe {
        ARef::from_raw(NonNull::new_unchecked(
            core::ptr::addr_of_mut!((*pdev).dev).cast(),
        ))
    })
}
