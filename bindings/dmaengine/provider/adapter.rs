// SPDX-License-Identifier: GPL-2.0

//! The C callbacks of a `struct dma_device` (`device_*`) and virt-dma's
//! `desc_free`, each calling the driver's [`ChannelOps`].
//!
//! Each `device_*` callback receives a `dma_chan` that is the `vc.chan` of a
//! live `Channel<C>`: the core only calls them for channels of a registered
//! device (invariants of `Registration` and `Channel`).

use super::super::super::ffi;
use super::super::types::{Cookie, DmaAddr, PrepFlags, Status};
use super::super::{SlaveConfig, TransferDirection};
use super::channel::DescBox;
use super::ranges::{next_desc_id, MemRange, SgList};
use super::{Channel, ChannelOps};
use core::{ptr, sync::atomic::Ordering};
use kernel::{bindings, error::from_result, prelude::*};

/// Installs the `device_*` callbacks in `d`: every mandatory one, and
/// `device_pause`/`device_resume` only if the driver implements them
/// (`#[vtable]`), so that clients see `cmd_pause`/`cmd_resume` only then.
pub(super) fn install<C: ChannelOps>(d: &mut ffi::dma_device) {
    d.device_alloc_chan_resources = Some(alloc_chan_resources);
    d.device_free_chan_resources = Some(free_chan_resources::<C>);
    d.device_prep_dma_memcpy = Some(prep_dma_memcpy::<C>);
    d.device_prep_slave_sg = Some(prep_slave_sg::<C>);
    d.device_prep_dma_cyclic = Some(prep_dma_cyclic::<C>);
    d.device_config = Some(config::<C>);
    d.device_pause = if C::HAS_PAUSE { Some(pause::<C>) } else { None };
    d.device_resume = if C::HAS_RESUME {
        Some(resume::<C>)
    } else {
        None
    };
    d.device_terminate_all = Some(terminate_all::<C>);
    d.device_synchronize = Some(synchronize::<C>);
    d.device_tx_status = Some(tx_status::<C>);
    d.device_issue_pending = Some(issue_pending::<C>);
}

/// `device_alloc_chan_resources`: nothing to allocate (descriptors are
/// allocated per prep).
///
/// # Safety
///
/// None beyond the `struct dma_device` callback contract.
unsafe extern "C" fn alloc_chan_resources(_chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    0
}

/// `device_free_chan_resources`: virt-dma frees the descriptors left
/// (`vchan_free_chan_resources()`), and the channel forgets the request line
/// its client's DT specifier gave it.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>` whose client
/// released it.
unsafe extern "C" fn free_chan_resources<C: ChannelOps>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    // SAFETY: The client released the channel; virt-dma frees what is left.
    unsafe { ffi::oxdma_vchan_free_chan_resources(c.vc()) };
    c.set_request_line(0);
}

/// Hands a prep result to virt-dma, or returns NULL (the C convention) after
/// a debug message.
fn prep_result<C: ChannelOps>(
    c: &Channel<C>,
    desc: Result<C::Desc>,
    id: u64,
    flags: PrepFlags,
) -> *mut ffi::dma_async_tx_descriptor {
    match desc.and_then(|d| c.prepare(d, id, flags)) {
        Ok(tx) => tx,
        Err(e) => {
            dev_dbg!(c.device(), "chan{}: prep failed: {:?}\n", c.index(), e);
            ptr::null_mut()
        }
    }
}

/// `device_prep_dma_memcpy`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`; `dst` and `src`
/// must be `len` bytes mapped by the client for the provider's device until
/// the descriptor completes or is terminated (dmaengine client contract).
unsafe extern "C" fn prep_dma_memcpy<C: ChannelOps>(
    chan: *mut ffi::dma_chan,
    dst: DmaAddr,
    src: DmaAddr,
    len: usize,
    flags: kernel::ffi::c_ulong,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    let id = next_desc_id();
    // SAFETY: Mapped for this descriptor (function safety requirements).
    let (dst, src) = unsafe { (MemRange::new(dst, len, id), MemRange::new(src, len, id)) };
    prep_result(c, C::prep_memcpy(c, dst, src, flags), id, flags)
}

/// `device_prep_slave_sg`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`; `sgl` must hold
/// `sg_len` entries mapped by the client for the provider's device until
/// the descriptor completes or is terminated, valid during the call
/// (dmaengine client contract).
unsafe extern "C" fn prep_slave_sg<C: ChannelOps>(
    chan: *mut ffi::dma_chan,
    sgl: *mut bindings::scatterlist,
    sg_len: kernel::ffi::c_uint,
    dir: ffi::dma_transfer_direction,
    flags: kernel::ffi::c_ulong,
    _context: *mut kernel::ffi::c_void,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    let id = next_desc_id();
    // SAFETY: Per the function's safety requirements; the list lives for
    // this call only.
    let sg = unsafe { SgList::new(sgl, sg_len, id) };
    let desc = TransferDirection::from_raw(dir).and_then(|d| {
        let fifo = c.fifo(d, id)?;
        C::prep_slave_sg(c, sg, d, fifo, flags)
    });
    prep_result(c, desc, id, flags)
}

/// `device_prep_dma_cyclic`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`; `buf` must be
/// `buf_len` bytes mapped by the client for the provider's device until
/// the descriptor is terminated (dmaengine client contract).
unsafe extern "C" fn prep_dma_cyclic<C: ChannelOps>(
    chan: *mut ffi::dma_chan,
    buf: DmaAddr,
    buf_len: usize,
    period_len: usize,
    dir: ffi::dma_transfer_direction,
    flags: kernel::ffi::c_ulong,
) -> *mut ffi::dma_async_tx_descriptor {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    let flags = PrepFlags(flags);
    let id = next_desc_id();
    // SAFETY: Mapped for this descriptor (function safety requirements).
    let buf = unsafe { MemRange::new(buf, buf_len, id) };
    let desc = TransferDirection::from_raw(dir).and_then(|d| {
        let fifo = c.fifo(d, id)?;
        C::prep_cyclic(c, buf, period_len, d, fifo, flags)
    });
    prep_result(c, desc, id, flags)
}

/// `device_config`: the driver checks the config; once it accepts it, its
/// device sides are recorded for later slave and cyclic preps.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`; `cfg` must be valid
/// for the call.
unsafe extern "C" fn config<C: ChannelOps>(
    chan: *mut ffi::dma_chan,
    cfg: *mut ffi::dma_slave_config,
) -> kernel::ffi::c_int {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    // SAFETY: The core passes a valid config for the duration of the call.
    let cfg = SlaveConfig::from_raw(unsafe { ptr::read(cfg) });
    from_result(|| {
        let mut guard = c.lock();
        C::config(&mut guard, &cfg)?;
        guard.accept_config(&cfg);
        Ok(0)
    })
}

/// `device_pause`, installed only if the driver implements `pause`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`.
unsafe extern "C" fn pause<C: ChannelOps>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    from_result(|| {
        let mut guard = c.lock();
        C::pause(&mut guard)?;
        c.paused.store(true, Ordering::Relaxed);
        Ok(0)
    })
}

/// `device_resume`, installed only if the driver implements `resume`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`.
unsafe extern "C" fn resume<C: ChannelOps>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    from_result(|| {
        let mut guard = c.lock();
        C::resume(&mut guard)?;
        c.paused.store(false, Ordering::Relaxed);
        Ok(0)
    })
}

/// `device_terminate_all`: the driver stops the engine and hands back the
/// running descriptor; the submitted, issued and completed (callback not
/// yet run) descriptors are freed here, the terminated ones at
/// `device_synchronize`. Prepared, unsubmitted ones stay for their client
/// (`dmaengine_terminate_async()` aborts what was submitted; reusable ones
/// among them would only be put back), until `free_chan_resources`.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`.
unsafe extern "C" fn terminate_all<C: ChannelOps>(chan: *mut ffi::dma_chan) -> kernel::ffi::c_int {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    let mut head = bindings::list_head::default();
    let list = ptr::addr_of_mut!(head);
    // SAFETY: `list` is valid for writes.
    unsafe { bindings::INIT_LIST_HEAD(list) };
    let (ret, queued) = {
        let mut guard = c.lock();
        let ret = C::terminate_all(&mut guard);
        c.paused.store(false, Ordering::Relaxed);
        // SAFETY: The lock is held. The terminated descriptors stay on their
        // list: `synchronize` frees them, once the engine has stopped.
        let queued = unsafe { ffi::oxdma_vchan_get_queued_descriptors(c.vc(), list.cast()) };
        (ret, queued)
    };
    if queued {
        // SAFETY: `head` holds descriptors no longer on any channel list and
        // never given to the engine (or completed by it).
        unsafe { ffi::vchan_dma_desc_free_list(c.vc(), list.cast()) };
    }
    from_result(|| ret.map(|()| 0))
}

/// `device_synchronize`: the driver waits for its engine, then virt-dma
/// kills the callback tasklet and frees the terminated descriptors
/// (`vchan_synchronize()`); may sleep.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`.
unsafe extern "C" fn synchronize<C: ChannelOps>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    C::synchronize(c);
    // SAFETY: The engine no longer uses terminated descriptors; this kills
    // the callback tasklet and frees them.
    unsafe { ffi::oxdma_vchan_synchronize(c.vc()) };
}

/// `device_tx_status`: the cookie's state (`dma_cookie_status()`; `DMA_ERROR`
/// for the last cookie that completed with an error, `DMA_PAUSED` for the
/// running one of a paused channel), and its residue
/// in bytes: the driver's for the running descriptor, the whole length for
/// a submitted or issued one.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`; `state` null or
/// valid for writes.
unsafe extern "C" fn tx_status<C: ChannelOps>(
    chan: *mut ffi::dma_chan,
    cookie: ffi::dma_cookie_t,
    state: *mut ffi::dma_tx_state,
) -> ffi::dma_status {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    // SAFETY: `state` is null or valid, as `dma_cookie_status()` accepts.
    let status = Status::from_raw(unsafe { ffi::oxdma_dma_cookie_status(chan, cookie, state) });
    if status == Status::Complete && c.failed_cookie.load(Ordering::Relaxed) == cookie {
        return Status::Error.as_raw();
    }
    if status == Status::Complete || state.is_null() {
        return status.as_raw();
    }
    let mut guard = c.lock();
    // SAFETY: The lock is held, as walking virt-dma's lists requires.
    let vd = unsafe { ffi::oxdma_vchan_find_queued(c.vc(), cookie) };
    let (residue, running) = if vd.is_null() {
        match C::active_residue(&mut guard, Cookie(cookie)) {
            Some(residue) => (residue, true),
            None => (0, false),
        }
    } else {
        // Submitted or issued, not started: all of it is left.
        // SAFETY: `vd` is a queued `DescBox<C>` (invariant of `DescBox`),
        // kept alive by the lock.
        let desc = unsafe { &(*vd.cast::<DescBox<C>>()).desc };
        (C::desc_len(desc), false)
    };
    let paused = running && c.paused.load(Ordering::Relaxed);
    drop(guard);
    // SAFETY: `state` is valid (checked above).
    unsafe { ffi::oxdma_dma_set_residue(state, residue) };
    if paused {
        // Only the transfer the engine holds is paused; the queued ones
        // wait as they would anyway.
        Status::Paused.as_raw()
    } else {
        status.as_raw()
    }
}

/// `device_issue_pending`: moves submitted descriptors to the issued list
/// (`vchan_issue_pending()`) and lets the driver start one.
///
/// # Safety
///
/// `chan` must be the `vc.chan` of a live `Channel<C>`.
unsafe extern "C" fn issue_pending<C: ChannelOps>(chan: *mut ffi::dma_chan) {
    // SAFETY: See the module documentation.
    let c = unsafe { Channel::<C>::from_raw(chan) };
    let mut guard = c.lock();
    // SAFETY: The lock is held, as `vchan_issue_pending()` requires.
    if unsafe { ffi::oxdma_vchan_issue_pending(c.vc()) } {
        C::issue_pending(&mut guard);
    }
}

/// virt-dma `desc_free` callback: drops the driver's descriptor.
///
/// # Safety
///
/// `vd` must be a descriptor of a `Channel<C>`, freed once, by virt-dma.
pub(super) unsafe extern "C" fn desc_free<C: ChannelOps>(vd: *mut ffi::virt_dma_desc) {
    // Every descriptor of this channel is a `DescBox<C>` of `Channel::prepare`
    // whose `tx.chan` is its channel, to be dropped and freed once.
    // SAFETY: As above (invariant of `DescBox`); virt-dma frees it once.
    let chan = unsafe {
        let chan = (*vd).tx.chan;
        let desc = vd.cast::<DescBox<C>>();
        ptr::drop_in_place(desc);
        bindings::kfree(desc.cast());
        Channel::<C>::from_raw(chan)
    };
    chan.live_descs.fetch_sub(1, Ordering::Relaxed);
}
