// SPDX-License-Identifier: GPL-2.0

//! dmaengine providers: registering a `struct dma_device` whose channels are
//! C virt-dma channels (`drivers/dma/virt-dma.[ch]`) driven by a Rust
//! [`Channel`] implementation.
//!
//! The C core keeps cookies and the descriptor lists; this module makes the
//! descriptor lifecycle a matter of types:
//!
//! - a prep operation returns the driver's own descriptor (`Channel::Desc`),
//!   which this module boxes and hands to virt-dma (`vchan_tx_prep()`);
//! - only [`Guard::take_next`] moves an issued descriptor to the driver, as
//!   an [`Active`] handle that cannot be copied;
//! - an [`Active`] leaves the driver only by [`Guard::complete`] or
//!   [`Guard::terminate`], each consuming it, so a descriptor completes at
//!   most once and is never freed while the driver holds it;
//! - terminated descriptors are freed in `device_synchronize`, after the
//!   driver's [`Channel::synchronize`] has stopped the engine and virt-dma
//!   has killed its callback tasklet (`vchan_synchronize()`), so no callback
//!   runs after synchronize returns.
//!
//! Documentation: `Documentation/driver-api/dmaengine/provider.rst`.

use super::super::{device::raw, ffi};
use super::types::{Cookie, DmaAddr, PrepFlags, Status, TxResult};
use super::TransferDirection;
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{
    bindings, device,
    error::{from_result, to_result},
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    sync::{aref::ARef, Arc},
    types::Opaque,
};

/// Operations a provider declares (`enum dma_transaction_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capability {
    /// `DMA_MEMCPY`: [`Channel::prep_memcpy`].
    Memcpy,
    /// `DMA_SLAVE`: [`Channel::prep_slave_sg`].
    Slave,
    /// `DMA_CYCLIC`: [`Channel::prep_cyclic`].
    Cyclic,
    /// `DMA_PRIVATE`: channels are only handed out by request, never to
    /// generic `dma_find_channel()` users.
    Private,
}

impl Capability {
    fn bit(self) -> u32 {
        match self {
            Self::Memcpy => ffi::dma_transaction_type_DMA_MEMCPY,
            Self::Slave => ffi::dma_transaction_type_DMA_SLAVE,
            Self::Cyclic => ffi::dma_transaction_type_DMA_CYCLIC,
            Self::Private => ffi::dma_transaction_type_DMA_PRIVATE,
        }
    }
}

/// How precisely the provider reports residue
/// (`enum dma_residue_granularity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResidueGranularity {
    /// Only per descriptor: done or not.
    Descriptor,
    /// After each completed segment (scatterlist entry or period).
    Segment,
    /// After each burst: the residue moves as data moves.
    Burst,
}

/// What a provider declares about its `dma_device`.
pub(crate) struct DeviceInfo {
    /// Operations offered.
    pub(crate) caps: &'static [Capability],
    /// Directions offered.
    pub(crate) directions: &'static [TransferDirection],
    /// Mask of supported slave bus widths (see
    /// [`BusWidth::mask_bit`](super::BusWidth::mask_bit)), for both source
    /// and destination.
    pub(crate) addr_widths: u32,
    /// Residue precision.
    pub(crate) residue_granularity: ResidueGranularity,
    /// Memcpy address and length alignment, as log2 of bytes
    /// (`enum dmaengine_alignment`; 2 means 4 bytes).
    pub(crate) copy_align_log2: u8,
    /// Largest burst, in words of the bus width.
    pub(crate) max_burst: u32,
    /// Largest scatterlist segment in bytes (`dma_set_max_seg_size()`).
    pub(crate) max_segment_size: u32,
}

/// Which channel an of_dma specifier selects.
pub(crate) enum Xlate {
    /// The channel with this index in the registration.
    Index(usize),
    /// Any free channel (`dma_get_any_slave_channel()`).
    Any,
}

/// A provider's channel. Implemented by the driver for its per-channel data;
/// every operation receives the [`Chan`] that holds it.
///
/// Prep operations may be called in atomic context: they must not sleep and
/// must allocate with `GFP_NOWAIT`.
pub(crate) trait Channel: Send + Sync + Sized + 'static {
    /// One prepared transfer: whatever the engine needs to run it.
    type Desc: Send + 'static;
    /// Channel state protected by the channel lock (`vc.lock`): the running
    /// descriptor, the slave config, ... Reached through [`Guard`].
    type State: Send + 'static;

    /// Prepares a memcpy of `len` bytes from `src` to `dst`.
    fn prep_memcpy(
        _chan: &Chan<Self>,
        _dst: DmaAddr,
        _src: DmaAddr,
        _len: usize,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Prepares a slave transfer over the segments of `sg`, in `dir`, to or
    /// from the device address of the last slave config.
    fn prep_slave_sg(
        _chan: &Chan<Self>,
        _sg: SgList<'_>,
        _dir: TransferDirection,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Prepares a cyclic transfer over `buf_len` bytes at `buf`, in periods
    /// of `period_len` bytes, looping until terminated.
    fn prep_cyclic(
        _chan: &Chan<Self>,
        _buf: DmaAddr,
        _buf_len: usize,
        _period_len: usize,
        _dir: TransferDirection,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Applies a slave config (`device_config`).
    fn config(_guard: &mut Guard<'_, Self>, _config: &SlaveConfig) -> Result {
        Err(EINVAL)
    }

    /// Descriptors were issued: start the next one if the engine is idle
    /// (`device_issue_pending`).
    fn issue_pending(guard: &mut Guard<'_, Self>);

    /// Bytes left of the descriptor with `cookie` if it is the one running,
    /// read from the engine; `None` if it is not running.
    fn active_residue(guard: &mut Guard<'_, Self>, cookie: Cookie) -> Option<u32>;

    /// Bytes of a descriptor not started yet.
    fn desc_len(desc: &Self::Desc) -> u32;

    /// Pauses the running transfer (`device_pause`).
    fn pause(_guard: &mut Guard<'_, Self>) -> Result {
        Err(EINVAL)
    }

    /// Resumes a paused transfer (`device_resume`).
    fn resume(_guard: &mut Guard<'_, Self>) -> Result {
        Err(EINVAL)
    }

    /// Stops the engine and hands the running descriptor back with
    /// [`Guard::terminate`] (`device_terminate_all`). Queued descriptors are
    /// freed by this module afterwards.
    fn terminate_all(guard: &mut Guard<'_, Self>) -> Result;

    /// Waits until the engine no longer touches terminated descriptors
    /// (`device_synchronize`); may sleep.
    fn synchronize(_chan: &Chan<Self>) {}

    /// Selects a channel for the cells of a DT `dmas` specifier.
    fn xlate(_args: &[u32]) -> Result<Xlate> {
        Err(EINVAL)
    }
}

/// A driver descriptor with the virt-dma descriptor the C core sees.
///
/// # Invariants
///
/// `vd` is first, so a `*mut virt_dma_desc` handed out by
/// [`Chan::prepare`] is a `*mut DescBox<C>` of a `KBox` leaked there.
#[repr(C)]
struct DescBox<C: Channel> {
    vd: Opaque<ffi::virt_dma_desc>,
    desc: C::Desc,
}

/// A provider channel: the C `struct virt_dma_chan` and the driver's data.
///
/// # Invariants
///
/// - `vc` is first and was set up by `vchan_init()` with `desc_free` set to
///   [`desc_free::<C>`]; `vc.chan` is on the channel list of the
///   registration's `dma_device`.
/// - `state` is only accessed with `vc.lock` held (through [`Guard`]).
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct Chan<C: Channel> {
    #[pin]
    vc: Opaque<ffi::virt_dma_chan>,
    state: UnsafeCell<C::State>,
    request_line: AtomicU32,
    paused: AtomicBool,
    /// Descriptors allocated and not yet freed, for the debugfs summary.
    live_descs: AtomicUsize,
    /// Descriptors completed, for the debugfs summary.
    completed: AtomicUsize,
    index: usize,
    dev: ARef<device::Device>,
    data: C,
}

// SAFETY: `state` is only reached under `vc.lock` (type invariant); the C
// parts are synchronised by the C core; `C` is `Send + Sync`.
unsafe impl<C: Channel> Send for Chan<C> {}
// SAFETY: As above.
unsafe impl<C: Channel> Sync for Chan<C> {}

impl<C: Channel> Deref for Chan<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.data
    }
}

#[pinned_drop]
impl<C: Channel> PinnedDrop for Chan<C> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `vc` was initialised by `vchan_init()` (type invariant);
        // no callback can be scheduled any more, the device being released.
        unsafe { bindings::tasklet_kill(ptr::addr_of_mut!((*self.vc.get()).task).cast()) };
    }
}

impl<C: Channel> Chan<C> {
    /// This channel's index in its registration.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The first cell of the DT specifier this channel was last requested
    /// with (the peripheral request line, for example a DREQ), or 0.
    pub(crate) fn request_line(&self) -> u32 {
        self.request_line.load(Ordering::Relaxed)
    }

    /// The provider's device, for messages.
    pub(crate) fn device(&self) -> &device::Device {
        &self.dev
    }

    /// Checks that a transfer length (`what`: "memcpy", "slave segment",
    /// ...) of `len` bytes is a non-zero multiple of `align` bytes.
    ///
    /// # Errors
    ///
    /// `EINVAL`, with a message naming the channel, `what` and the sizes.
    pub(crate) fn check_len(&self, what: &str, len: usize, align: usize) -> Result {
        if len == 0 || len % align != 0 {
            dev_err!(
                self.dev,
                "chan{}: {} of {} bytes: must be a non-zero multiple of {}\n",
                self.index,
                what,
                len,
                align
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Takes the channel lock (`vc.lock`, interrupts off).
    pub(crate) fn lock(&self) -> Guard<'_, C> {
        // SAFETY: `vc` is initialised (type invariant).
        let flags = unsafe { ffi::oxdma_vchan_lock(self.vc.get()) };
        Guard { chan: self, flags }
    }

    fn vc(&self) -> *mut ffi::virt_dma_chan {
        self.vc.get()
    }

    fn raw_chan(&self) -> *mut ffi::dma_chan {
        // SAFETY: `vc` is valid; `chan` is a field of it.
        unsafe { ptr::addr_of_mut!((*self.vc.get()).chan) }
    }

    /// The channel of a `dma_chan` the C core passes to a callback.
    ///
    /// # Safety
    ///
    /// `chan` must be the `vc.chan` of a live `Chan<C>`.
    unsafe fn from_raw<'a>(chan: *mut ffi::dma_chan) -> &'a Self {
        // SAFETY: `chan` is the first field of `vc`, the first field of a
        // `#[repr(C)]` `Chan<C>` (type invariant), so the pointers are equal.
        unsafe { &*chan.cast::<Self>() }
    }

    /// Boxes `desc` and hands it to virt-dma (`vchan_tx_prep()`).
    fn prepare(
        &self,
        desc: C::Desc,
        flags: PrepFlags,
    ) -> Result<*mut ffi::dma_async_tx_descriptor> {
        let boxed = KBox::new(
            DescBox::<C> {
                vd: Opaque::zeroed(),
                desc,
            },
            GFP_NOWAIT,
        )?;
        let raw = KBox::into_raw(boxed);
        self.live_descs.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `raw` is a valid, zeroed `virt_dma_desc` that virt-dma owns
        // from now on; it is freed by `desc_free::<C>` (see `DescBox`).
        Ok(unsafe { ffi::oxdma_vchan_tx_prep(self.vc(), (*raw).vd.get(), flags.0) })
    }
}

/// The channel lock, held: access to the lock-protected state and the
/// descriptor lifecycle operations that virt-dma requires the lock for.
pub(crate) struct Guard<'a, C: Channel> {
    chan: &'a Chan<C>,
    flags: kernel::ffi::c_ulong,
}

impl<C: Channel> Drop for Guard<'_, C> {
    fn drop(&mut self) {
        // SAFETY: The lock was taken by `Chan::lock` with these flags.
        unsafe { ffi::oxdma_vchan_unlock(self.chan.vc(), self.flags) };
    }
}

impl<'a, C: Channel> Guard<'a, C> {
    /// The channel.
    pub(crate) fn chan(&self) -> &'a Chan<C> {
        self.chan
    }

    /// The lock-protected channel state.
    pub(crate) fn state(&mut self) -> &mut C::State {
        // SAFETY: The lock is held for as long as `self` lives, and `&mut
        // self` makes this the only reference (type invariant of `Chan`).
        unsafe { &mut *self.chan.state.get() }
    }

    /// Removes the first issued descriptor from virt-dma's issued list and
    /// gives it to the driver to run.
    pub(crate) fn take_next(&mut self) -> Option<Active<C>> {
        // SAFETY: The lock is held, as `vchan_next_desc()` requires.
        let vd = unsafe { ffi::oxdma_vchan_next_desc(self.chan.vc()) };
        let vd = NonNull::new(vd)?;
        // SAFETY: `vd` is on the issued list, under the lock; unlinking it
        // makes the driver its only user until it gives it back.
        unsafe { ffi::oxdma_vchan_desc_unlink(vd.as_ptr()) };
        Some(Active {
            desc: vd.cast(),
            _chan: PhantomData,
        })
    }

    /// Reports `active` finished with `result` and `residue` bytes left:
    /// virt-dma completes its cookie, then calls the client's callback and
    /// frees it from its tasklet (`vchan_cookie_complete()`).
    pub(crate) fn complete(&mut self, active: Active<C>, result: TxResult, residue: u32) {
        self.chan.completed.fetch_add(1, Ordering::Relaxed);
        let vd = active.into_vd();
        // SAFETY: The lock is held; `vd` is unlinked and owned by the caller
        // (type invariant of `Active`), and is handed to virt-dma here.
        unsafe {
            (*vd).tx_result.result = result.as_raw();
            (*vd).tx_result.residue = residue;
            ffi::oxdma_vchan_cookie_complete(vd);
        }
    }

    /// Reports a period of the cyclic `active` done: virt-dma calls the
    /// client's callback from its tasklet (`vchan_cyclic_callback()`).
    pub(crate) fn period_elapsed(&mut self, active: &Active<C>, residue: u32) {
        let vd = active.vd();
        // SAFETY: `vd` is alive while `active` is; the lock is held.
        unsafe {
            (*vd).tx_result.result = TxResult::Ok.as_raw();
            (*vd).tx_result.residue = residue;
            ffi::oxdma_vchan_cyclic_callback(vd);
        }
    }

    /// Hands back a descriptor the engine stopped: it is freed at the next
    /// `device_synchronize`, and its callback is not called
    /// (`vchan_terminate_vdesc()`).
    pub(crate) fn terminate(&mut self, active: Active<C>) {
        let vd = active.into_vd();
        // SAFETY: The lock is held; `vd` is unlinked and owned by the caller.
        unsafe { ffi::oxdma_vchan_terminate_vdesc(vd) };
    }
}

/// A descriptor the driver is running, taken by [`Guard::take_next`].
///
/// # Invariants
///
/// `desc` points to a live `DescBox<C>` that is on no virt-dma list; this
/// handle is its only owner until [`Guard::complete`] or
/// [`Guard::terminate`] gives it back.
pub(crate) struct Active<C: Channel> {
    desc: NonNull<DescBox<C>>,
    _chan: PhantomData<C::Desc>,
}

// SAFETY: `Active` owns its descriptor (type invariant); `C::Desc: Send`.
unsafe impl<C: Channel> Send for Active<C> {}

impl<C: Channel> Active<C> {
    /// The cookie the C core gave this descriptor at submit.
    pub(crate) fn cookie(&self) -> Cookie {
        // SAFETY: `vd` is alive (type invariant); the cookie was written at
        // submit, before the descriptor was issued.
        Cookie(unsafe { (*self.vd()).tx.cookie })
    }

    fn vd(&self) -> *mut ffi::virt_dma_desc {
        // SAFETY: `desc` is alive (type invariant).
        unsafe { (*self.desc.as_ptr()).vd.get() }
    }

    fn into_vd(self) -> *mut ffi::virt_dma_desc {
        let this = ManuallyDrop::new(self);
        this.vd()
    }
}

impl<C: Channel> Deref for Active<C> {
    type Target = C::Desc;

    fn deref(&self) -> &C::Desc {
        // SAFETY: `desc` is alive and only read through this handle.
        unsafe { &(*self.desc.as_ptr()).desc }
    }
}

impl<C: Channel> Drop for Active<C> {
    fn drop(&mut self) {
        // Dropped without being completed or terminated: the engine may still
        // use it, so it cannot be freed. Leak it, loudly.
        pr_warn!("oxdma: running descriptor dropped without complete/terminate; leaked\n");
    }
}

/// A slave config (`struct dma_slave_config`) passed to
/// [`Channel::config`].
pub(crate) struct SlaveConfig(ffi::dma_slave_config);

impl SlaveConfig {
    /// An empty config (all fields zero: widths undefined).
    pub(crate) fn new() -> Self {
        Self(ffi::dma_slave_config::default())
    }

    /// The device FIFO address for `dir`: `dst_addr` for MEM_TO_DEV,
    /// `src_addr` for DEV_TO_MEM, 0 otherwise.
    pub(crate) fn device_addr(&self, dir: TransferDirection) -> DmaAddr {
        match dir {
            TransferDirection::MemToDev => self.0.dst_addr,
            TransferDirection::DevToMem => self.0.src_addr,
            TransferDirection::MemToMem => 0,
        }
    }

    /// The device-side bus width for `dir`, in bytes (0: undefined).
    pub(crate) fn device_width(&self, dir: TransferDirection) -> u32 {
        match dir {
            TransferDirection::MemToDev => self.0.dst_addr_width,
            TransferDirection::DevToMem => self.0.src_addr_width,
            TransferDirection::MemToMem => 0,
        }
    }

    /// The device-side maximum burst for `dir`, in words of the bus width.
    pub(crate) fn device_maxburst(&self, dir: TransferDirection) -> u32 {
        match dir {
            TransferDirection::MemToDev => self.0.dst_maxburst,
            TransferDirection::DevToMem => self.0.src_maxburst,
            TransferDirection::MemToMem => 0,
        }
    }

    /// Sets the device FIFO address and bus width (bytes) for `dir`, and the
    /// burst (words).
    pub(crate) fn set_device(
        &mut self,
        dir: TransferDirection,
        addr: DmaAddr,
        width: u32,
        maxburst: u32,
    ) -> &mut Self {
        match dir {
            TransferDirection::MemToDev => {
                self.0.dst_addr = addr;
                self.0.dst_addr_width = width;
                self.0.dst_maxburst = maxburst;
            }
            TransferDirection::DevToMem => {
                self.0.src_addr = addr;
                self.0.src_addr_width = width;
                self.0.src_maxburst = maxburst;
            }
            TransferDirection::MemToMem => {}
        }
        self
    }

    pub(crate) fn as_raw(&mut self) -> *mut ffi::dma_slave_config {
        &mut self.0
    }
}

/// One mapped scatterlist segment: DMA address and length in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// `sg_dma_address()`.
    pub(crate) addr: DmaAddr,
    /// `sg_dma_len()`, in bytes.
    pub(crate) len: u32,
}

/// The mapped scatterlist a prep operation receives, iterated as
/// [`Segment`]s.
///
/// # Invariants
///
/// `sg` points to `len` valid, DMA-mapped entries for the duration of `'a`.
pub(crate) struct SgList<'a> {
    sg: *mut bindings::scatterlist,
    len: u32,
    _p: PhantomData<&'a bindings::scatterlist>,
}

impl SgList<'_> {
    /// Number of segments.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no segments.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Iterator for SgList<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        if self.len == 0 || self.sg.is_null() {
            return None;
        }
        // SAFETY: `sg` is a valid mapped entry (type invariant).
        let seg = unsafe {
            Segment {
                addr: bindings::sg_dma_address(self.sg),
                len: bindings::sg_dma_len(self.sg),
            }
        };
        self.len -= 1;
        // SAFETY: As above; `sg_next()` follows chained lists.
        self.sg = unsafe { bindings::sg_next(self.sg) };
        Some(seg)
    }
}

/// The `dma_device` and its channels, as the C core holds them.
///
/// # Invariants
///
/// `dma` is first; its `device_release` frees this allocation (a leaked
/// `KBox`), which the C core calls once the device is unregistered and the
/// last channel reference is gone.
#[repr(C)]
struct DeviceInner<C: Channel> {
    dma: Opaque<ffi::dma_device>,
    channels: KVec<Arc<Chan<C>>>,
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
pub(crate) struct Registration<C: Channel> {
    inner: NonNull<DeviceInner<C>>,
    of_node: *mut bindings::device_node,
}

// SAFETY: The registration only calls thread-safe C functions on drop.
unsafe impl<C: Channel> Send for Registration<C> {}
// SAFETY: Shared access only reads the channel list.
unsafe impl<C: Channel> Sync for Registration<C> {}

impl<C: Channel> Registration<C> {
    /// Registers a `dma_device` for `dev` with one channel per element of
    /// `channels` (driver data, initial lock-protected state), and an of_dma
    /// controller for `dev`'s DT node if it has one.
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
            },
            GFP_KERNEL,
        )?;
        let inner = NonNull::from(KBox::leak(inner));
        // SAFETY: `inner` is a valid, unregistered, zeroed `dma_device`.
        unsafe { Self::fill_dma_device(inner.as_ref().dma.get(), dev, info) };
        // Until registered, this guard frees `inner` on error.
        let guard = ScopeGuard(inner);

        for (index, (data, state)) in channels.into_iter().enumerate() {
            let dma = inner_dma(inner);
            let chan = Arc::pin_init(
                pin_init!(Chan::<C> {
                    vc <- Opaque::ffi_init(move |vc: *mut ffi::virt_dma_chan| {
                        // `vchan_init()` leaves fields it does not set (such
                        // as `cyclic`) as they are: C drivers pass zeroed
                        // memory, and so does this.
                        // SAFETY: `vc` is valid for writes; `dma` is a valid
                        // `dma_device` whose channel list is initialised.
                        unsafe {
                            ptr::write_bytes(vc, 0, 1);
                            ffi::vchan_init(vc, dma);
                            (*vc).desc_free = Some(desc_free::<C>);
                        }
                    }),
                    state: UnsafeCell::new(state),
                    request_line: AtomicU32::new(0),
                    paused: AtomicBool::new(false),
                    live_descs: AtomicUsize::new(0),
                    completed: AtomicUsize::new(0),
                    index,
                    dev: dev.into(),
                    data,
                }),
                GFP_KERNEL,
            )?;
            // SAFETY: `inner` is valid and not shared yet.
            unsafe { (*inner.as_ptr()).channels.push(chan, GFP_KERNEL)? };
        }

        // SAFETY: `dma` is fully set up; `inner` outlives the registration
        // (freed by `device_release` only).
        to_result(unsafe { ffi::dma_async_device_register(inner_dma(inner)) })?;
        core::mem::forget(guard);
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
    pub(crate) fn channels(&self) -> &[Arc<Chan<C>>] {
        // SAFETY: `inner` is alive while registered; the list is not
        // changed after `new`.
        unsafe { &(*self.inner.as_ptr()).channels }
    }

    /// # Safety
    ///
    /// `dma` must be a valid, zeroed, unregistered `dma_device`.
    unsafe fn fill_dma_device(
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
            d.residue_granularity = match info.residue_granularity {
                ResidueGranularity::Descriptor => {
                    ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_DESCRIPTOR
                }
                ResidueGranularity::Segment => {
                    ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_SEGMENT
                }
                ResidueGranularity::Burst => {
                    ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_BURST
                }
            };
            d.copy_align = info.copy_align_log2.into();
            d.max_burst = info.max_burst;
            d.dev = raw(dev);
            d.device_alloc_chan_resources = Some(alloc_chan_resources);
            d.device_free_chan_resources = Some(free_chan_resources::<C>);
            d.device_prep_dma_memcpy = Some(prep_dma_memcpy::<C>);
            d.device_prep_slave_sg = Some(prep_slave_sg::<C>);
            d.device_prep_dma_cyclic = Some(prep_dma_cyclic::<C>);
            d.device_config = Some(config::<C>);
            d.device_pause = Some(pause::<C>);
            d.device_resume = Some(resume::<C>);
            d.device_terminate_all = Some(terminate_all::<C>);
            d.device_synchronize = Some(synchronize::<C>);
            d.device_tx_status = Some(tx_status::<C>);
            d.device_issue_pending = Some(issue_pending::<C>);
            d.device_release = Some(release::<C>);
            d.dbg_summary_show = Some(dbg_summary_show::<C>);
            ffi::oxdma_dma_set_max_seg_size(raw(dev), info.max_segment_size);
        }
    }
}

impl<C: Channel> Drop for Registration<C> {
    fn drop(&mut self) {
        if !self.of_node.is_null() {
            // SAFETY: An of_dma controller was registered for `of_node`.
            unsafe { ffi::of_dma_controller_free(self.of_node) };
        }
        // SAFETY: `inner` is registered (type invariant); the C core frees
        // it through `device_release` once no client holds a channel.
        unsafe { ffi::dma_async_device_unregister(inner_dma(self.inner)) };
    }
}

fn inner_dma<C: Channel>(inner: NonNull<DeviceInner<C>>) -> *mut ffi::dma_device {
    // SAFETY: `inner` is valid; `dma` is a field of it.
    unsafe { (*inner.as_ptr()).dma.get() }
}

/// Frees an unregistered `DeviceInner` on an error path of
/// [`Registration::new`].
struct ScopeGuard<C: Channel>(NonNull<DeviceInner<C>>);

impl<C: Channel> Drop for ScopeGuard<C> {
    fn drop(&mut self) {
        // SAFETY: The allocation was leaked by `Registration::new` and never
        // registered, so nothing else refers to it.
        drop(unsafe { KBox::from_raw(self.0.as_ptr()) });
    }
}

// The callbacks the C core calls. Each receives a `dma_chan` that is the
// `vc.chan` of a live `Chan<C>`: the core only calls them for channels of a
// registered device (invariants of `Registration` and `Chan`).

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn alloc_chan_resources(_chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    0
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn free_chan_resources<C: Channel>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    // SAFETY: The client released the channel; virt-dma frees what is left.
    unsafe { ffi::oxdma_vchan_free_chan_resources(c.vc()) };
}

/// Hands a prep result to virt-dma, or returns NULL (the C convention) after
/// a debug message.
fn prep_result<C: Channel>(
    c: &Chan<C>,
    desc: Result<C::Desc>,
    flags: PrepFlags,
) -> *mut ffi::dma_async_tx_descriptor {
    match desc.and_then(|d| c.prepare(d, flags)) {
        Ok(tx) => tx,
        Err(e) => {
            dev_dbg!(c.device(), "chan{}: prep failed: {:?}\n", c.index, e);
            ptr::null_mut()
        }
    }
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn prep_dma_memcpy<C: Channel>(
    chan: *mut ffi::dma_chan,
    dst: DmaAddr,
    src: DmaAddr,
    len: usize,
    flags: kernel::ffi::c_ulong,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    prep_result(c, C::prep_memcpy(c, dst, src, len, flags), flags)
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn prep_slave_sg<C: Channel>(
    chan: *mut ffi::dma_chan,
    sgl: *mut bindings::scatterlist,
    sg_len: kernel::ffi::c_uint,
    dir: ffi::dma_transfer_direction,
    flags: kernel::ffi::c_ulong,
    _context: *mut kernel::ffi::c_void,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    // INVARIANT: The client passes `sg_len` mapped entries that stay valid
    // during this call (dmaengine_prep_slave_sg() contract).
    let sg = SgList {
        sg: sgl,
        len: sg_len,
        _p: PhantomData,
    };
    let desc = TransferDirection::from_raw(dir).and_then(|d| C::prep_slave_sg(c, sg, d, flags));
    prep_result(c, desc, flags)
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn prep_dma_cyclic<C: Channel>(
    chan: *mut ffi::dma_chan,
    buf: DmaAddr,
    buf_len: usize,
    period_len: usize,
    dir: ffi::dma_transfer_direction,
    flags: kernel::ffi::c_ulong,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    let desc = TransferDirection::from_raw(dir)
        .and_then(|d| C::prep_cyclic(c, buf, buf_len, period_len, d, flags));
    prep_result(c, desc, flags)
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn config<C: Channel>(
    chan: *mut ffi::dma_chan,
    cfg: *mut ffi::dma_slave_config,
) -> kernel::ffi::c_int {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    // SAFETY: The core passes a valid config for the duration of the call.
    let cfg = SlaveConfig(unsafe { ptr::read(cfg) });
    from_result(|| C::config(&mut c.lock(), &cfg).map(|()| 0))
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn pause<C: Channel>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    from_result(|| {
        C::pause(&mut c.lock())?;
        c.paused.store(true, Ordering::Relaxed);
        Ok(0)
    })
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn resume<C: Channel>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    from_result(|| {
        C::resume(&mut c.lock())?;
        c.paused.store(false, Ordering::Relaxed);
        Ok(0)
    })
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn terminate_all<C: Channel>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    let mut head = bindings::list_head::default();
    let list = ptr::addr_of_mut!(head);
    // SAFETY: `list` is valid for writes.
    unsafe { bindings::INIT_LIST_HEAD(list) };
    let ret = {
        let mut guard = c.lock();
        let ret = C::terminate_all(&mut guard);
        c.paused.store(false, Ordering::Relaxed);
        // SAFETY: The lock is held. The terminated list is spliced back
        // below: it is freed by `synchronize`, once the engine has stopped.
        unsafe {
            let terminated = ptr::addr_of_mut!((*c.vc()).desc_terminated);
            let mut keep = bindings::list_head::default();
            let keep_ptr = ptr::addr_of_mut!(keep);
            bindings::INIT_LIST_HEAD(keep_ptr);
            ffi::oxdma_list_splice_tail_init(terminated.cast(), keep_ptr);
            ffi::oxdma_vchan_get_all_descriptors(c.vc(), list.cast());
            ffi::oxdma_list_splice_tail_init(keep_ptr, terminated.cast());
        }
        ret
    };
    // SAFETY: `head` holds descriptors no longer on any channel list and
    // never given to the engine (or completed by it).
    unsafe { ffi::vchan_dma_desc_free_list(c.vc(), list.cast()) };
    from_result(|| ret.map(|()| 0))
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn synchronize<C: Channel>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    C::synchronize(c);
    // SAFETY: The engine no longer uses terminated descriptors; this kills
    // the callback tasklet and frees them.
    unsafe { ffi::oxdma_vchan_synchronize(c.vc()) };
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn tx_status<C: Channel>(
    chan: *mut ffi::dma_chan,
    cookie: ffi::dma_cookie_t,
    state: *mut ffi::dma_tx_state,
) -> ffi::dma_status {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    // SAFETY: `state` is null or valid, as `dma_cookie_status()` accepts.
    let status = Status::from_raw(unsafe { ffi::oxdma_dma_cookie_status(chan, cookie, state) });
    if status == Status::Complete || state.is_null() {
        return status.as_raw();
    }
    let residue = {
        let mut guard = c.lock();
        // SAFETY: The lock is held, as `vchan_find_desc()` requires.
        let vd = unsafe { ffi::vchan_find_desc(c.vc(), cookie) };
        if vd.is_null() {
            C::active_residue(&mut guard, Cookie(cookie)).unwrap_or(0)
        } else {
            // SAFETY: `vd` is a queued `DescBox<C>` (invariant of `DescBox`),
            // kept alive by the lock.
            C::desc_len(unsafe { &(*vd.cast::<DescBox<C>>()).desc })
        }
    };
    // SAFETY: `state` is valid (checked above).
    unsafe { ffi::oxdma_dma_set_residue(state, residue) };
    if c.paused.load(Ordering::Relaxed) {
        Status::Paused.as_raw()
    } else {
        status.as_raw()
    }
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Chan<C>` (the C core only
/// calls this for channels of a registered device); other pointers must
/// be valid as the `struct dma_device` callback contract states.
unsafe extern "C" fn issue_pending<C: Channel>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the comment above the callbacks.
    let c = unsafe { Chan::<C>::from_raw(chan) };
    let mut guard = c.lock();
    // SAFETY: The lock is held, as `vchan_issue_pending()` requires.
    if unsafe { ffi::oxdma_vchan_issue_pending(c.vc()) } {
        C::issue_pending(&mut guard);
    }
}

/// virt-dma `desc_free` callback.
///
/// # Safety
///
/// `vd` must be a descriptor of a `Chan<C>`, freed once, by virt-dma.
unsafe extern "C" fn desc_free<C: Channel>(vd: *mut ffi::virt_dma_desc) {
    // SAFETY: virt-dma frees each descriptor once, and every descriptor of
    // this channel is a leaked `KBox<DescBox<C>>` (invariant of `DescBox`)
    // whose `tx.chan` is its channel.
    let chan = unsafe {
        let chan = (*vd).tx.chan;
        drop(KBox::from_raw(vd.cast::<DescBox<C>>()));
        Chan::<C>::from_raw(chan)
    };
    chan.live_descs.fetch_sub(1, Ordering::Relaxed);
}

/// `dbg_summary_show` callback: one line per channel in
/// `/sys/kernel/debug/dmaengine/summary`.
///
/// # Safety
///
/// `s` must be a valid seq_file and `dma` the `dma_device` of a
/// `DeviceInner<C>`, as the dmaengine core passes them.
unsafe extern "C" fn dbg_summary_show<C: Channel>(
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
            chan.index,
            if clients > 0 { "in-use" } else { "free  " },
            chan.request_line(),
            chan.live_descs.load(Ordering::Relaxed),
            chan.completed.load(Ordering::Relaxed)
        );
    }
}

/// `device_*` callback (C core).
///
/// # Safety
///
/// `dma` must be the `dma_device` of a `DeviceInner<C>`; the core calls
/// this once, after the last reference is gone.
unsafe extern "C" fn release<C: Channel>(dma: *mut ffi::dma_device) {
    // SAFETY: `dma` is the first field of a leaked `KBox<DeviceInner<C>>`
    // (invariant of `DeviceInner`); the core calls this once, last.
    drop(unsafe { KBox::from_raw(dma.cast::<DeviceInner<C>>()) });
}

/// of_dma translation callback.
///
/// # Safety
///
/// `spec` and `ofdma` must be valid; `ofdma` must be registered by
/// `Registration::new` for a `DeviceInner<C>`.
unsafe extern "C" fn of_xlate<C: Channel>(
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
        // SAFETY: `raw` is a channel of this device.
        let chan = unsafe { Chan::<C>::from_raw(raw) };
        chan.request_line
            .store(args.first().copied().unwrap_or(0), Ordering::Relaxed);
    }
    raw
}
