// SPDX-License-Identifier: GPL-2.0

//! Registering the `dma_device` ([`Registration`]), its of_dma controller
//! and its line in the dmaengine debugfs summary.

use super::super::super::{device::raw, ffi};
use super::{adapter, Channel, ChannelOps, DeviceInfo, Xlate};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    bindings, device,
    error::to_result,
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    sync::{aref::ARef, Arc},
    task::might_sleep,
    types::Opaque,
};

/// The `dma_device` and its channels, as the C core holds them.
///
/// # Invariants
///
/// `dma` is first; its `device_release` frees this allocation (a leaked
/// `KBox`), which the C core calls once the device is unregistered and the
/// last channel reference is gone, unless `keep` is set. `channels` is not
/// changed once the device is registered.
#[repr(C)]
pub(super) struct DeviceInner<C: ChannelOps> {
    pub(super) dma: Opaque<ffi::dma_device>,
    pub(super) channels: KVec<Arc<Channel<C>>>,
    /// Never freed: unregistered while clients held channels (see
    /// [`Registration`]'s `Drop`).
    keep: AtomicBool,
}

/// A registered dmaengine provider, from `dma_async_device_register()`
/// until dropped (`dma_async_device_unregister()`, `of_dma_controller_free()`).
///
/// Memory the C core may still reach (the `dma_device`, the channels) lives
/// until the core releases the device, even if clients still hold channels
/// when this is dropped (`device_release`).
///
/// # Invariants
///
/// `inner` is registered with the C core; `of_node` is the DT node an of_dma
/// controller was registered for, or null.
pub(crate) struct Registration<C: ChannelOps> {
    inner: NonNull<DeviceInner<C>>,
    of_node: *mut bindings::device_node,
}

// SAFETY: The registration only calls thread-safe C functions on drop.
unsafe impl<C: ChannelOps> Send for Registration<C> {}
// SAFETY: Shared access only reads the channel list.
unsafe impl<C: ChannelOps> Sync for Registration<C> {}

impl<C: ChannelOps> Registration<C> {
    /// Registers a `dma_device` for `dev` with one channel per element of
    /// `channels` (driver data, initial lock-protected state), and an of_dma
    /// controller for `dev`'s DT node if it has one
    /// (`dma_async_device_register()`, `of_dma_controller_register()`).
    ///
    /// # Errors
    ///
    /// `EINVAL` for no channels; `ENOMEM`; the errno of
    /// `dma_async_device_register()` or `of_dma_controller_register()`.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        info: &DeviceInfo,
        channels: KVec<(C, C::State)>,
    ) -> Result<Self> {
        if channels.is_empty() {
            return Err(EINVAL);
        }
        let inner = KBox::new(
            DeviceInner::<C> {
                dma: Opaque::zeroed(),
                channels: KVec::with_capacity(channels.len(), GFP_KERNEL)?,
                keep: AtomicBool::new(false),
            },
            GFP_KERNEL,
        )?;
        let inner = NonNull::from(KBox::leak(inner));
        // SAFETY: `inner` is a valid, unregistered, zeroed `dma_device`.
        unsafe { fill_dma_device::<C>(inner_dma(inner), dev, info) };
        // Until registered, this guard frees `inner` on error.
        let guard = ScopeGuard(inner);

        for (index, (data, state)) in channels.into_iter().enumerate() {
            // SAFETY: `inner_dma(inner)` is a `dma_device` whose channel list
            // was initialised above; it outlives its channels (they are
            // dropped with it in `device_release`).
            let init = unsafe {
                Channel::new(
                    inner_dma(inner),
                    ARef::from(&**dev),
                    index,
                    data,
                    state,
                    adapter::desc_free::<C>,
                )
            };
            let chan = Arc::pin_init(init, GFP_KERNEL)?;
            // SAFETY: `inner` is valid and not shared yet.
            unsafe { (*inner.as_ptr()).channels.push(chan, GFP_KERNEL)? };
        }

        // SAFETY: `dma` is fully set up; `inner` outlives the registration
        // (freed by `device_release` only).
        to_result(unsafe { ffi::dma_async_device_register(inner_dma(inner)) })?;
        core::mem::forget(guard);
        // INVARIANT: `inner` is registered; no of_dma controller yet.
        let mut reg = Self {
            inner,
            of_node: ptr::null_mut(),
        };

        // SAFETY: `dev` is a valid device.
        let of_node = unsafe { (*raw(dev)).of_node };
        if !of_node.is_null() {
            // SAFETY: `of_node` is `dev`'s node; `inner` lives until
            // `device_release`, after `of_dma_controller_free()` in `drop`.
            to_result(unsafe {
                ffi::of_dma_controller_register(of_node, Some(of_xlate::<C>), inner.as_ptr().cast())
            })?;
            reg.of_node = of_node;
        }
        Ok(reg)
    }

    /// The channels, in registration order.
    pub(crate) fn channels(&self) -> &[Arc<Channel<C>>] {
        // SAFETY: `inner` is alive while registered; the list is not
        // changed after `new` (invariant of `DeviceInner`).
        unsafe { &(*self.inner.as_ptr()).channels }
    }
}

impl<C: ChannelOps> Drop for Registration<C> {
    /// Frees the of_dma controller and unregisters the device; may sleep.
    ///
    /// Unregistering while clients still hold channels (an unbind through
    /// sysfs) is something the C core does not fully support: a client's
    /// later `dma_release_channel()` uses its channel's `struct dma_chan`
    /// after the core released the device (through `device_release`), and
    /// the channel's `chan->dev` after the unregister freed it. So the memory
    /// of such channels is kept for good: a reference on each `chan->dev`,
    /// and the `DeviceInner` with the channels is never freed. (The core
    /// still warns then that the channel's "slave" sysfs link has no
    /// directory left.) The driver stops its engines before this.
    fn drop(&mut self) {
        might_sleep();
        if !self.of_node.is_null() {
            // SAFETY: An of_dma controller was registered for `of_node`.
            unsafe { ffi::of_dma_controller_free(self.of_node) };
        }
        let held = self
            .channels()
            .iter()
            // SAFETY: The channel is registered, so valid; `client_count`
            // is read without the core's list lock: an unbind that races
            // with a client's request or release is not supported anyway.
            .filter(|c| unsafe { (*c.raw_chan()).client_count } > 0)
            .inspect(|c| {
                // SAFETY: The channel is registered, so `chan->dev` is a
                // live channel device; the reference is never dropped.
                unsafe { ffi::oxdma_dma_chan_dev_get(c.raw_chan()) }
            })
            .count();
        if held > 0 {
            // SAFETY: `inner` is alive (type invariant).
            unsafe { (*self.inner.as_ptr()).keep.store(true, Ordering::Relaxed) };
            if let Some(c) = self.channels().first() {
                dev_warn!(
                    c.device(),
                    "unbound while clients hold {} channels: their memory is kept for the dmaengine core\n",
                    held
                );
            }
        }
        // SAFETY: `inner` is registered (type invariant); the C core frees
        // it through `device_release` once no client holds a channel.
        unsafe { ffi::dma_async_device_unregister(inner_dma(self.inner)) };
    }
}

/// Fills in what `info` declares, the callbacks and `device_release`.
///
/// # Safety
///
/// `dma` must be a valid, zeroed, unregistered `dma_device`.
unsafe fn fill_dma_device<C: ChannelOps>(
    dma: *mut ffi::dma_device,
    dev: &device::Device<device::Bound>,
    info: &DeviceInfo,
) {
    // SAFETY: Per the function's safety requirements, `dma` is ours to
    // write; `dev` is a valid bound device.
    unsafe {
        let d = &mut *dma;
        bindings::INIT_LIST_HEAD(ptr::addr_of_mut!(d.channels).cast());
        for cap in info.caps {
            let bit = cap.bit() as usize;
            d.cap_mask.bits[bit / 64] |= 1 << (bit % 64);
        }
        for dir in info.directions {
            d.directions |= 1 << dir.as_raw();
        }
        d.src_addr_widths = info.addr_widths;
        d.dst_addr_widths = info.addr_widths;
        d.residue_granularity = info.residue_granularity.as_raw();
        d.copy_align = info.copy_align_log2.into();
        d.max_burst = info.max_burst;
        d.descriptor_reuse = info.descriptor_reuse;
        d.dev = raw(dev);
        adapter::install::<C>(d);
        d.device_release = Some(release::<C>);
        d.dbg_summary_show = Some(dbg_summary_show::<C>);
        ffi::oxdma_dma_set_max_seg_size(raw(dev), info.max_segment_size);
    }
}

fn inner_dma<C: ChannelOps>(inner: NonNull<DeviceInner<C>>) -> *mut ffi::dma_device {
    // SAFETY: `inner` is valid; `dma` is a field of it.
    unsafe { (*inner.as_ptr()).dma.get() }
}

/// Frees an unregistered `DeviceInner` on an error path of
/// [`Registration::new`].
struct ScopeGuard<C: ChannelOps>(NonNull<DeviceInner<C>>);

impl<C: ChannelOps> Drop for ScopeGuard<C> {
    fn drop(&mut self) {
        // SAFETY: The allocation was leaked by `Registration::new` and never
        // registered, so nothing else refers to it.
        drop(unsafe { KBox::from_raw(self.0.as_ptr()) });
    }
}

/// `device_release` callback: frees the `DeviceInner`.
///
/// # Safety
///
/// `dma` must be the `dma_device` of a `DeviceInner<C>`; the core calls
/// this once, after the last reference is gone.
unsafe extern "C" fn release<C: ChannelOps>(dma: *mut ffi::dma_device) {
    // SAFETY: `dma` is the first field of a leaked `KBox<DeviceInner<C>>`
    // (invariant of `DeviceInner`); the core calls this once, last.
    let inner = unsafe { KBox::from_raw(dma.cast::<DeviceInner<C>>()) };
    if inner.keep.load(Ordering::Relaxed) {
        KBox::leak(inner);
    }
}

/// `dbg_summary_show` callback: one line per channel in
/// `/sys/kernel/debug/dmaengine/summary`.
///
/// # Safety
///
/// `s` must be a valid seq_file and `dma` the `dma_device` of a
/// `DeviceInner<C>`, as the dmaengine core passes them.
unsafe extern "C" fn dbg_summary_show<C: ChannelOps>(
    s: *mut bindings::seq_file,
    dma: *mut ffi::dma_device,
) {
    // SAFETY: Per the function's safety requirements; the core holds its
    // device list lock, so the device is not released meanwhile.
    let (m, inner) = unsafe { (SeqFile::from_raw(s), &*dma.cast::<DeviceInner<C>>()) };
    for chan in inner.channels.iter() {
        // SAFETY: `raw_chan()` is valid while the device is.
        let clients = unsafe { (*chan.raw_chan()).client_count };
        seq_print!(
            m,
            " chan{:<2} | {} | request line {} | descriptors live {} | completed {}\n",
            chan.index(),
            if clients > 0 { "in-use" } else { "free  " },
            chan.request_line(),
            chan.live_descs.load(Ordering::Relaxed),
            chan.completed.load(Ordering::Relaxed)
        );
    }
}

/// of_dma translation callback (`of_dma_xlate`).
///
/// # Safety
///
/// `spec` and `ofdma` must be valid; `ofdma` must be registered by
/// `Registration::new` for a `DeviceInner<C>`.
unsafe extern "C" fn of_xlate<C: ChannelOps>(
    spec: *mut bindings::of_phandle_args,
    ofdma: *mut ffi::of_dma,
) -> *mut ffi::dma_chan {
    // SAFETY: The of_dma core passes valid arguments; `of_dma_data` is the
    // `DeviceInner<C>` registered in `Registration::new`, alive until
    // `of_dma_controller_free()`.
    let (args, inner) = unsafe {
        let spec = &*spec;
        let count = (spec.args_count as usize).min(spec.args.len());
        (
            &spec.args[..count],
            &*(*ofdma).of_dma_data.cast::<DeviceInner<C>>(),
        )
    };
    let raw = match C::xlate(args) {
        Ok(Xlate::Index(i)) => match inner.channels.get(i) {
            // SAFETY: `raw_chan()` is a channel of this registered device.
            Some(chan) => unsafe { ffi::dma_get_slave_channel(chan.raw_chan()) },
            None => ptr::null_mut(),
        },
        // SAFETY: `dma` is registered.
        Ok(Xlate::Any) => unsafe { ffi::dma_get_any_slave_channel(inner.dma.get()) },
        Err(_) => ptr::null_mut(),
    };
    if !raw.is_null() {
        // SAFETY: `raw` is a channel of this device, alive while it is.
        let chan = unsafe { Channel::<C>::from_raw(raw) };
        chan.set_request_line(args.first().copied().unwrap_or(0));
    }
    raw
}
