// SPDX-License-Identifier: GPL-2.0

//! A completion that can be re-armed and waited on with a timeout
//! (`struct completion`: `reinit_completion()`, `complete()`,
//! `wait_for_completion_timeout()`), which `kernel::sync::Completion` does
//! not offer yet: one per DMA client, signalled from its callback.

use super::ffi;
use kernel::{bindings, prelude::*, time::msecs_to_jiffies, types::Opaque};

/// A `struct completion`.
#[pin_data]
pub(crate) struct Completion {
    #[pin]
    inner: Opaque<bindings::completion>,
}

// SAFETY: The C completion API may be called from any context and thread.
unsafe impl Send for Completion {}
// SAFETY: As above; concurrent calls are what it is for.
unsafe impl Sync for Completion {}

impl Completion {
    /// A completion not yet done (`init_completion()`).
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            inner <- Opaque::ffi_init(|slot: *mut bindings::completion| {
                // SAFETY: `slot` is valid for writes of a `struct completion`.
                unsafe { bindings::init_completion(slot) };
            }),
        })
    }

    /// Makes it not done again (`reinit_completion()`), before the work it
    /// waits for starts.
    pub(crate) fn reinit(&self) {
        // SAFETY: `inner` is an initialised completion.
        unsafe { ffi::oxdma_reinit_completion(self.inner.get()) };
    }

    /// Signals one waiter (`complete()`); callable from any context.
    pub(crate) fn complete(&self) {
        // SAFETY: `inner` is an initialised completion.
        unsafe { bindings::complete(self.inner.get()) };
    }

    /// Waits until done, at most `ms` milliseconds; may sleep. Returns
    /// whether it was done (`wait_for_completion_timeout()`).
    pub(crate) fn wait_timeout_ms(&self, ms: u32) -> bool {
        // SAFETY: `inner` is an initialised completion.
        unsafe {
            bindings::wait_for_completion_timeout(self.inner.get(), msecs_to_jiffies(ms)) != 0
        }
    }
}
