// SPDX-License-Identifier: GPL-2.0

//! A provider channel's lock guard is not `Send`: the lock is released on
//! the CPU that took it, with the interrupt state it saved.

use crate::bindings::dmaengine::provider::{Channel, ChannelOps};

fn assert_send<T: Send>(_value: T) {}

/// Takes `chan`'s lock and tries to treat the guard as `Send`.
pub(crate) fn case<C: ChannelOps>(chan: &Channel<C>) {
    let guard = chan.lock();
    // control: assert_send(guard.chan().index());
    assert_send(guard); // compile_fail: E0277: `*mut ()` cannot be sent between threads safely
}
