// SPDX-License-Identifier: GPL-2.0

//! The channel object ([`Channel`]), its lock held ([`ChannelGuard`]) and a
//! descriptor the driver runs ([`Active`]).

use super::super::super::ffi;
use super::super::types::{Cookie, DmaAddr, PrepFlags, TxResult};
use super::super::{SlaveConfig, TransferDirection};
use super::{ChannelOps, Fifo};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    ptr::{self, NonNull},
    sync::atomic::{fence, AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{
    bindings, device,
    prelude::*,
    sync::aref::ARef,
    task::might_sleep,
    types::{NotThreadSafe, Opaque},
};

/// A driver descriptor with the virt-dma descriptor the C core sees.
///
/// # Invariants
///
/// `vd` is first, so a `*mut virt_dma_desc` handed out by
/// [`Channel::prepare`] is a `*mut DescBox<C>` that it allocated with
/// `__kmalloc_noprof()`, to be dropped and `kfree()`d once.
/// `id` is the identity the descriptor's [`MemRange`](super::MemRange)s
/// and [`Fifo`] were stamped with.
#[repr(C)]
pub(super) struct DescBox<C: ChannelOps> {
    vd: Opaque<ffi::virt_dma_desc>,
    id: u64,
    pub(super) desc: C::Desc,
}

/// The device sides of the last accepted slave config, MEM_TO_DEV then
/// DEV_TO_MEM (address, width in bytes; width 0 for none). Every slave prep
/// reads them: without the channel lock, as a seqlock reader
/// (`include/linux/seqlock.h`), all fields atomic.
///
/// # Invariants
///
/// Written only with the channel lock held, `seq` odd meanwhile; a read
/// during which `seq` stayed even and unchanged saw one config's sides.
struct SlaveSides {
    seq: AtomicU32,
    addr: [AtomicU64; 2],
    width: [AtomicU32; 2],
}

impl SlaveSides {
    const fn new() -> Self {
        Self {
            seq: AtomicU32::new(0),
            addr: [AtomicU64::new(0), AtomicU64::new(0)],
            width: [AtomicU32::new(0), AtomicU32::new(0)],
        }
    }

    /// Side `i`'s address and width; waits out a write in progress.
    fn read(&self, i: usize) -> (DmaAddr, u32) {
        loop {
            let seq = self.seq.load(Ordering::Acquire);
            if seq % 2 == 0 {
                let side = (
                    self.addr[i].load(Ordering::Relaxed),
                    self.width[i].load(Ordering::Relaxed),
                );
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == seq {
                    return side;
                }
            }
            core::hint::spin_loop();
        }
    }

    /// Records both sides; the caller holds the channel lock (the only
    /// writer).
    fn write(&self, sides: [(DmaAddr, u32); 2]) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        for (i, (addr, width)) in sides.into_iter().enumerate() {
            self.addr[i].store(addr, Ordering::Relaxed);
            self.width[i].store(width, Ordering::Relaxed);
        }
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }
}

/// A provider channel: the C `struct virt_dma_chan`, the driver's data
/// (reached by `Deref`) and its lock-protected state.
///
/// # Invariants
///
/// - `vc` is first and was set up by `vchan_init()` with `desc_free` set to
///   the adapter's `desc_free::<C>`; `vc.chan` is on the channel list of
///   the registration's `dma_device`.
/// - `state` is only accessed with `vc.lock` held (through
///   [`ChannelGuard`]), `slave` only written so.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct Channel<C: ChannelOps> {
    #[pin]
    vc: Opaque<ffi::virt_dma_chan>,
    state: UnsafeCell<C::State>,
    /// Device sides of the last accepted slave config.
    slave: SlaveSides,
    request_line: AtomicU32,
    pub(super) paused: AtomicBool,
    /// The cookie of the last descriptor that completed with an error; 0
    /// for none (cookies start at 1).
    pub(super) failed_cookie: AtomicI32,
    /// Descriptors allocated and not yet freed, for the debugfs summary.
    pub(super) live_descs: AtomicUsize,
    /// Descriptors completed, for the debugfs summary; written under the
    /// channel lock.
    pub(super) completed: AtomicUsize,
    index: usize,
    dev: ARef<device::Device>,
    data: C,
}

// SAFETY: `state` is only reached under `vc.lock` (type invariant); the C parts are synchronised by the C core; `C` is
// `Send + Sync` and `C::State: Send`.
unsafe impl<C: ChannelOps> Send for Channel<C> {}
// SAFETY: As above.
unsafe impl<C: ChannelOps> Sync for Channel<C> {}

impl<C: ChannelOps> Deref for Channel<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.data
    }
}

#[pinned_drop]
impl<C: ChannelOps> PinnedDrop for Channel<C> {
    /// Kills the callback tasklet (`tasklet_kill()`); may sleep.
    fn drop(self: Pin<&mut Self>) {
        might_sleep();
        // SAFETY: `vc` was initialised by `vchan_init()` (type invariant);
        // no callback can be scheduled any more, the device being released.
        unsafe { bindings::tasklet_kill(ptr::addr_of_mut!((*self.vc.get()).task).cast()) };
    }
}

impl<C: ChannelOps> Channel<C> {
    /// A channel with index `index` of the `dma_device` at `dma`, for
    /// `dev`, with the driver's `data` and initial `state`.
    ///
    /// # Safety
    ///
    /// `dma` must be a valid `dma_device` whose channel list is initialised
    /// and that outlives the channel.
    pub(super) unsafe fn new(
        dma: *mut ffi::dma_device,
        dev: ARef<device::Device>,
        index: usize,
        data: C,
        state: C::State,
        desc_free: unsafe extern "C" fn(*mut ffi::virt_dma_desc),
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            vc <- Opaque::ffi_init(move |vc: *mut ffi::virt_dma_chan| {
                // `vchan_init()` leaves fields it does not set (such as
                // `cyclic`) as they are: C drivers pass zeroed memory, and so
                // does this.
                // SAFETY: `vc` is valid for writes; `dma` is a valid
                // `dma_device` whose channel list is initialised (function
                // safety requirements).
                unsafe {
                    ptr::write_bytes(vc, 0, 1);
                    ffi::vchan_init(vc, dma);
                    (*vc).desc_free = Some(desc_free);
                }
            }),
            state: UnsafeCell::new(state),
            slave: SlaveSides::new(),
            request_line: AtomicU32::new(0),
            paused: AtomicBool::new(false),
            failed_cookie: AtomicI32::new(0),
            live_descs: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            index,
            dev,
            data,
        })
    }

    /// This channel's index in its registration.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The first cell of the DT specifier this channel was last requested
    /// with (the peripheral request line, for example a DREQ), or 0.
    pub(crate) fn request_line(&self) -> u32 {
        self.request_line.load(Ordering::Relaxed)
    }

    /// Records the first cell of the DT specifier the channel was handed out
    /// for.
    pub(super) fn set_request_line(&self, line: u32) {
        self.request_line.store(line, Ordering::Relaxed);
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

    /// Takes the channel lock (`vc.lock`, `spin_lock_irqsave()`).
    pub(crate) fn lock(&self) -> ChannelGuard<'_, C> {
        // SAFETY: `vc` is initialised (type invariant).
        let flags = unsafe { ffi::oxdma_vchan_lock(self.vc.get()) };
        // INVARIANT: The lock was just taken with `flags`.
        ChannelGuard {
            chan: self,
            flags,
            _not_send: PhantomData,
        }
    }

    /// The C `struct virt_dma_chan`.
    pub(super) fn vc(&self) -> *mut ffi::virt_dma_chan {
        self.vc.get()
    }

    /// The C `struct dma_chan`.
    pub(super) fn raw_chan(&self) -> *mut ffi::dma_chan {
        // SAFETY: `vc` is valid; `chan` is a field of it.
        unsafe { ptr::addr_of_mut!((*self.vc.get()).chan) }
    }

    /// The channel of a `dma_chan` the C core passes to a callback.
    ///
    /// # Safety
    ///
    /// `chan` must be the `vc.chan` of a live `Channel<C>`, alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(chan: *mut ffi::dma_chan) -> &'a Self {
        // SAFETY: `chan` is the first field of `vc`, the first field of a
        // `#[repr(C)]` `Channel<C>` (type invariant), so the pointers are
        // equal.
        unsafe { &*chan.cast::<Self>() }
    }

    /// The device side for `dir` of the last accepted slave config, for the
    /// descriptor `id` being prepared.
    ///
    /// # Errors
    ///
    /// `EINVAL` with a message if `dir` is not a slave direction or has no
    /// config.
    pub(super) fn fifo(&self, dir: TransferDirection, id: u64) -> Result<Fifo> {
        let i = match dir {
            TransferDirection::MemToDev => Some(0),
            TransferDirection::DevToMem => Some(1),
            TransferDirection::MemToMem => None,
        };
        let fifo = i.and_then(|i| {
            let (addr, width) = self.slave.read(i);
            // SAFETY: `addr` is the device side the client configured last
            // on this channel (`accept_config`); width 0 gives `None`.
            unsafe { Fifo::new(addr, width, id) }
        });
        fifo.ok_or_else(|| {
            dev_err!(
                self.dev,
                "chan{}: {} slave transfer without a slave config for it\n",
                self.index,
                dir
            );
            EINVAL
        })
    }

    /// Boxes `desc`, prepared with identity `id`, and hands it to virt-dma
    /// (`vchan_tx_prep()`).
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(super) fn prepare(
        &self,
        desc: C::Desc,
        id: u64,
        flags: PrepFlags,
    ) -> Result<*mut ffi::dma_async_tx_descriptor> {
        // Zeroed by the allocator, as C drivers kzalloc() theirs, with the
        // call `kzalloc()` makes (`KBox` would go through `krealloc()`): the
        // virt-dma part starts all-zero, and the rest is written in place
        // (no copy of the whole descriptor through the stack).
        const {
            assert!(core::mem::align_of::<DescBox<C>>() <= bindings::ARCH_KMALLOC_MINALIGN);
        }
        // SAFETY: Any size may be asked for; freed by `desc_free::<C>`.
        let raw = unsafe {
            bindings::__kmalloc_noprof(
                core::mem::size_of::<DescBox<C>>(),
                bindings::GFP_NOWAIT | bindings::__GFP_ZERO,
            )
        }
        .cast::<DescBox<C>>();
        if raw.is_null() {
            return Err(ENOMEM);
        }
        // All-zero bytes are a valid `Opaque<virt_dma_desc>`: once `id` and
        // `desc` are written, every field is initialised.
        // SAFETY: `raw` is valid for writes of a `DescBox<C>`, and aligned
        // (kmalloc's minimum alignment, checked above).
        unsafe {
            ptr::addr_of_mut!((*raw).id).write(id);
            ptr::addr_of_mut!((*raw).desc).write(desc);
        }
        self.live_descs.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `raw` is a valid, zeroed `virt_dma_desc` that virt-dma owns
        // from now on; it is freed by `desc_free::<C>` (see `DescBox`).
        Ok(unsafe { ffi::oxdma_vchan_tx_prep(self.vc(), (*raw).vd.get(), flags.0) })
    }
}

/// The channel lock, held: access to the lock-protected state and the
/// descriptor lifecycle operations that virt-dma requires the lock for.
///
/// Not `Send`: the lock is released on the CPU that took it, with the
/// interrupt state it saved.
///
/// # Invariants
///
/// `chan`'s `vc.lock` is held, taken with `spin_lock_irqsave()` which
/// returned `flags`.
pub(crate) struct ChannelGuard<'a, C: ChannelOps> {
    chan: &'a Channel<C>,
    flags: kernel::ffi::c_ulong,
    _not_send: NotThreadSafe,
}

impl<C: ChannelOps> Drop for ChannelGuard<'_, C> {
    fn drop(&mut self) {
        // SAFETY: The lock was taken by `Channel::lock` with these flags
        // (type invariant).
        unsafe { ffi::oxdma_vchan_unlock(self.chan.vc(), self.flags) };
    }
}

impl<'a, C: ChannelOps> ChannelGuard<'a, C> {
    /// The channel.
    pub(crate) fn chan(&self) -> &'a Channel<C> {
        self.chan
    }

    /// The lock-protected channel state.
    pub(crate) fn state(&mut self) -> &mut C::State {
        // SAFETY: The lock is held for as long as `self` lives, and `&mut
        // self` makes this the only reference (type invariant of `Channel`).
        unsafe { &mut *self.chan.state.get() }
    }

    /// Records the device sides of a config the driver accepted.
    pub(super) fn accept_config(&mut self, config: &SlaveConfig) {
        let side = |dir| (config.device_addr(dir), config.device_width(dir));
        // The lock is held: the only writer.
        self.chan.slave.write([
            side(TransferDirection::MemToDev),
            side(TransferDirection::DevToMem),
        ]);
    }

    /// Whether `active` is a descriptor of this guard's channel; if not,
    /// says so. `what` names the operation refused.
    fn owns(&self, active: &Active<C>, what: &str) -> bool {
        if active.raw_chan() == self.chan.raw_chan() {
            return true;
        }
        self.refuse(what);
        false
    }

    /// Says that `what` was refused for another channel's descriptor. Out
    /// of line: the paths that check ownership stay small.
    #[cold]
    fn refuse(&self, what: &str) {
        dev_err!(
            self.chan.dev,
            "chan{}: {} of another channel's descriptor refused\n",
            self.chan.index,
            what
        );
    }

    /// Removes the first issued descriptor from virt-dma's issued list and
    /// gives it to the driver to run (`vchan_next_desc()`, `list_del()`).
    pub(crate) fn take_next(&mut self) -> Option<Active<C>> {
        // SAFETY: The lock is held, as `vchan_next_desc()` requires.
        let vd = unsafe { ffi::oxdma_vchan_next_desc(self.chan.vc()) };
        let vd = NonNull::new(vd)?;
        // SAFETY: `vd` is on the issued list, under the lock; unlinking it
        // makes the driver its only user until it gives it back.
        unsafe { ffi::oxdma_vchan_desc_unlink(vd.as_ptr()) };
        // INVARIANT: `vd` is a live `DescBox<C>` of this channel, unlinked.
        Some(Active {
            desc: vd.cast(),
            _chan: PhantomData,
        })
    }

    /// Reports `active` finished with `result` and `residue` bytes left:
    /// virt-dma completes its cookie, then calls the client's callback and
    /// frees it from its tasklet (`vchan_cookie_complete()`).
    ///
    /// A descriptor of another channel is refused with a message and leaked:
    /// only its own channel's lock protects it.
    pub(crate) fn complete(&mut self, active: Active<C>, result: TxResult, residue: u32) {
        if !self.owns(&active, "completion") {
            return;
        }
        // The lock serialises the writers: no read-modify-write needed.
        let completed = &self.chan.completed;
        completed.store(
            completed.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
        if result != TxResult::Ok {
            self.chan
                .failed_cookie
                .store(active.cookie().0, Ordering::Relaxed);
        }
        let vd = active.into_vd();
        // SAFETY: The lock of `vd`'s channel is held (checked above); `vd` is
        // unlinked and owned by the caller (type invariant of `Active`), and
        // is handed to virt-dma here.
        unsafe {
            (*vd).tx_result.result = result.as_raw();
            (*vd).tx_result.residue = residue;
            ffi::oxdma_vchan_cookie_complete(vd);
        }
    }

    /// Reports a period of the cyclic `active` done with `result` and
    /// `residue` bytes left to the end of its buffer: virt-dma calls the
    /// client's callback from its tasklet (`vchan_cyclic_callback()`).
    ///
    /// A descriptor of another channel is refused with a message.
    pub(crate) fn period_elapsed(&mut self, active: &Active<C>, result: TxResult, residue: u32) {
        if !self.owns(active, "period report") {
            return;
        }
        if result != TxResult::Ok {
            self.chan
                .failed_cookie
                .store(active.cookie().0, Ordering::Relaxed);
        }
        let vd = active.vd();
        // SAFETY: `vd` is alive while `active` is; its channel's lock is held
        // (checked above).
        unsafe {
            (*vd).tx_result.result = result.as_raw();
            (*vd).tx_result.residue = residue;
            ffi::oxdma_vchan_cyclic_callback(vd);
        }
    }

    /// Hands back a descriptor the engine stopped: it is freed at the next
    /// `device_synchronize`, and its callback is not called
    /// (`vchan_terminate_vdesc()`).
    ///
    /// A descriptor of another channel is refused with a message and leaked.
    pub(crate) fn terminate(&mut self, active: Active<C>) {
        if !self.owns(&active, "termination") {
            return;
        }
        let vd = active.into_vd();
        // SAFETY: The lock of `vd`'s channel is held (checked above); `vd` is
        // unlinked and owned by the caller.
        unsafe { ffi::oxdma_vchan_terminate_vdesc(vd) };
    }
}

/// A descriptor the driver is running, taken by [`ChannelGuard::take_next`].
///
/// # Invariants
///
/// `desc` points to a live `DescBox<C>` that is on no virt-dma list; this
/// handle is its only owner until [`ChannelGuard::complete`] or
/// [`ChannelGuard::terminate`] gives it back.
pub(crate) struct Active<C: ChannelOps> {
    desc: NonNull<DescBox<C>>,
    _chan: PhantomData<C::Desc>,
}

// SAFETY: `Active` owns its descriptor (type invariant); `C::Desc: Send`.
unsafe impl<C: ChannelOps> Send for Active<C> {}

impl<C: ChannelOps> Active<C> {
    /// The cookie the C core gave this descriptor at submit.
    pub(crate) fn cookie(&self) -> Cookie {
        // SAFETY: `vd` is alive (type invariant); the cookie was written at
        // submit, before the descriptor was issued.
        Cookie(unsafe { (*self.vd()).tx.cookie })
    }

    /// The identity its ranges were stamped with at prep.
    pub(in crate::bindings::dmaengine) fn id(&self) -> u64 {
        // SAFETY: `desc` is alive (type invariant); `id` is never written
        // after prep.
        unsafe { (*self.desc.as_ptr()).id }
    }

    /// The provider's `struct device` (the channel's `dma_device.dev`).
    pub(in crate::bindings::dmaengine) fn raw_device(&self) -> *mut bindings::device {
        // SAFETY: The descriptor's channel and its `dma_device` outlive it;
        // `dev` was set before registration.
        unsafe { (*(*self.raw_chan()).device).dev }
    }

    fn raw_chan(&self) -> *mut ffi::dma_chan {
        // SAFETY: `vd` is alive (type invariant); `tx.chan` was set by
        // `vchan_tx_prep()` and is not changed.
        unsafe { (*self.vd()).tx.chan }
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

impl<C: ChannelOps> Deref for Active<C> {
    type Target = C::Desc;

    fn deref(&self) -> &C::Desc {
        // SAFETY: `desc` is alive and only read through this handle.
        unsafe { &(*self.desc.as_ptr()).desc }
    }
}

impl<C: ChannelOps> Drop for Active<C> {
    fn drop(&mut self) {
        // Dropped without being completed or terminated: the engine may still
        // use it, so it cannot be freed. Leak it, loudly.
        leaked();
    }
}

/// Says that a running descriptor was leaked. Out of line: the paths that
/// store an [`Active`] stay small.
#[cold]
fn leaked() {
    pr_warn!("oxdma: running descriptor dropped without complete/terminate; leaked\n");
}
