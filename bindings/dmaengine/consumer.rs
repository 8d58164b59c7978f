// SPDX-License-Identifier: GPL-2.0

//! dmaengine consumers: requesting a channel by DT `dma-names`, configuring
//! it, preparing, submitting and controlling transfers.
//!
//! Completion callbacks are a safe trait, [`Callback`], implemented once per
//! channel. The channel owns its callback object and, on drop, terminates
//! and synchronises (`dmaengine_terminate_sync()`) before releasing, so no
//! callback can run after the channel is gone.
//!
//! Documentation: `Documentation/driver-api/dmaengine/client.rst`.

use super::super::{device::raw, ffi};
use super::types::{Completion, Cookie, DmaAddr, PrepFlags, Status, TxResult};
use super::{SlaveConfig, TransferDirection};
use core::{
    ptr::NonNull,
    sync::atomic::{AtomicU32, Ordering},
};
use kernel::{
    bindings, device,
    error::{from_err_ptr, to_result},
    prelude::*,
    scatterlist::SGTable,
    sync::{aref::ARef, Arc},
};

/// A consumer's completion callback, called once per completed transfer
/// (per period for cyclic transfers) with its result, from the provider's
/// completion tasklet: it must not sleep.
pub(crate) trait Callback: Send + Sync + 'static {
    /// A transfer (or period) with `DMA_PREP_INTERRUPT` finished.
    fn complete(&self, completion: Completion);
}

/// A DMA channel held by a consumer, from `dma_request_chan()` until drop
/// (`dmaengine_terminate_sync()`, `dma_release_channel()`).
///
/// # Invariants
///
/// `chan` is a channel this consumer holds; `callback` lives at least as
/// long as any transfer submitted on it can call back.
pub(crate) struct DmaChannel<H: Callback> {
    chan: NonNull<ffi::dma_chan>,
    callback: Arc<H>,
    caps: Option<ffi::dma_slave_caps>,
    /// Configured device bus widths in bytes, MEM_TO_DEV then DEV_TO_MEM.
    widths: [AtomicU32; 2],
    client: ARef<device::Device>,
}

// SAFETY: The dmaengine consumer API may be called from any thread.
unsafe impl<H: Callback> Send for DmaChannel<H> {}
// SAFETY: As above; mutation goes through `&mut self`.
unsafe impl<H: Callback> Sync for DmaChannel<H> {}

impl<H: Callback> DmaChannel<H> {
    /// Requests the channel named `name` in `dev`'s DT `dma-names`
    /// (`dma_request_chan()`); `callback` receives its completions.
    ///
    /// # Errors
    ///
    /// The errno of `dma_request_chan()`: `ENODEV` when `dev` has no such
    /// channel, `EPROBE_DEFER` (passed through, without a message) when the
    /// provider has not probed yet.
    pub(crate) fn request(dev: &device::Device, name: &CStr, callback: Arc<H>) -> Result<Self> {
        // SAFETY: `dev` is a valid device and `name` a NUL-terminated string.
        let chan = from_err_ptr(unsafe { ffi::dma_request_chan(raw(dev), name.as_char_ptr()) })
            .inspect_err(|e| {
                if *e != EPROBE_DEFER {
                    dev_err!(dev, "dma channel '{}': {:?}\n", name, e);
                }
            })?;
        let chan = NonNull::new(chan).ok_or(ENODEV)?;
        let mut caps = ffi::dma_slave_caps::default();
        // SAFETY: `chan` is held; `caps` is valid for writes.
        let caps = match unsafe { ffi::dma_get_slave_caps(chan.as_ptr(), &mut caps) } {
            0 => Some(caps),
            // A memcpy-only provider has no slave caps.
            _ => None,
        };
        Ok(Self {
            chan,
            callback,
            caps,
            widths: [AtomicU32::new(0), AtomicU32::new(0)],
            client: dev.into(),
        })
    }

    /// The device to map transfer buffers for: the provider's
    /// (`dmaengine_get_dma_device()`).
    ///
    /// This relies on the dmaengine rule that a provider stays bound while
    /// clients hold its channels: the C core only warns when it is unbound
    /// under them (`dma_async_device_unregister()`), a gap the C API shares.
    pub(crate) fn dma_device(&self) -> &device::Device<device::Bound> {
        // SAFETY: The channel is held, so its provider is registered, and
        // bound per the rule above.
        unsafe {
            let dev = ffi::oxdma_dmaengine_get_dma_device(self.chan.as_ptr());
            device::Device::<device::Normal>::from_raw(dev).as_bound()
        }
    }

    /// The callback object, e.g. to read what it recorded.
    pub(crate) fn callback(&self) -> &H {
        &self.callback
    }

    /// Applies `config` (`dmaengine_slave_config()`).
    ///
    /// # Errors
    ///
    /// `EINVAL` if a configured device bus width is not one the provider
    /// supports (`dma_slave_caps`); the provider's errno otherwise.
    pub(crate) fn config(&self, config: &mut SlaveConfig) -> Result {
        for (i, dir) in [TransferDirection::MemToDev, TransferDirection::DevToMem]
            .into_iter()
            .enumerate()
        {
            let width = config.device_width(dir);
            if width == 0 {
                continue;
            }
            let mask = match (&self.caps, dir) {
                (Some(c), TransferDirection::MemToDev) => c.dst_addr_widths,
                (Some(c), _) => c.src_addr_widths,
                (None, _) => 0,
            };
            if width >= 32 || mask & (1 << width) == 0 {
                dev_err!(
                    self.client,
                    "{}: bus width of {} bytes not supported\n",
                    dir,
                    width
                );
                return Err(EINVAL);
            }
            self.widths[i].store(width, Ordering::Relaxed);
        }
        // SAFETY: `chan` is held; `config` is valid for the call.
        to_result(unsafe { ffi::oxdma_dmaengine_slave_config(self.chan.as_ptr(), config.as_raw()) })
    }

    /// Checks a slave transfer request: direction offered, configured, and
    /// `len` a non-zero multiple of the configured width.
    fn check_slave(&self, dir: TransferDirection, len: usize) -> Result {
        let offered = self
            .caps
            .as_ref()
            .is_some_and(|c| c.directions & (1 << dir.as_raw()) != 0);
        let width = match dir {
            TransferDirection::MemToDev => self.widths[0].load(Ordering::Relaxed),
            TransferDirection::DevToMem => self.widths[1].load(Ordering::Relaxed),
            TransferDirection::MemToMem => 0,
        };
        if !offered || width == 0 {
            dev_err!(
                self.client,
                "{} slave transfer: direction {}\n",
                dir,
                if offered {
                    "not configured"
                } else {
                    "not supported"
                }
            );
            return Err(EINVAL);
        }
        if len == 0 || len % width as usize != 0 {
            dev_err!(
                self.client,
                "{} slave transfer of {} bytes: not a non-zero multiple of the {}-byte bus width\n",
                dir,
                len,
                width
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    fn prepared(&self, tx: *mut ffi::dma_async_tx_descriptor) -> Result<Descriptor<'_, H>> {
        match NonNull::new(tx) {
            Some(tx) => Ok(Descriptor { tx, chan: self }),
            None => {
                dev_err!(self.client, "the DMA provider refused the transfer\n");
                Err(EIO)
            }
        }
    }

    /// Prepares a memcpy of `len` bytes from `src` to `dst`, DMA addresses
    /// mapped for [`Self::dma_device`].
    ///
    /// # Errors
    ///
    /// `EINVAL` for a zero length or addresses/length not aligned to the
    /// provider's `copy_align`; `EIO` if the provider refused.
    pub(crate) fn prep_memcpy(
        &self,
        dst: DmaAddr,
        src: DmaAddr,
        len: usize,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H>> {
        // SAFETY: The channel is held, so its `device` is valid.
        let align = 1usize << unsafe { (*(*self.chan.as_ptr()).device).copy_align };
        if len == 0 || (len | dst as usize | src as usize) % align != 0 {
            dev_err!(
                self.client,
                "memcpy of {} bytes: must be a non-zero multiple of {} bytes, aligned\n",
                len,
                align
            );
            return Err(EINVAL);
        }
        // SAFETY: `chan` is held.
        self.prepared(unsafe {
            ffi::oxdma_dmaengine_prep_dma_memcpy(self.chan.as_ptr(), dst, src, len, flags.0)
        })
    }

    /// Prepares a slave transfer of one buffer of `len` bytes at `buf`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a direction not offered or not configured, or a length
    /// that is zero or not a multiple of the bus width; `EIO` if the
    /// provider refused.
    pub(crate) fn prep_slave_single(
        &self,
        buf: DmaAddr,
        len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H>> {
        self.check_slave(dir, len)?;
        // SAFETY: `chan` is held.
        self.prepared(unsafe {
            ffi::oxdma_dmaengine_prep_slave_single(
                self.chan.as_ptr(),
                buf,
                len,
                dir.as_raw(),
                flags.0,
            )
        })
    }

    /// Prepares a slave transfer over the mapped segments of `sgt`.
    ///
    /// # Errors
    ///
    /// As [`Self::prep_slave_single`], for every segment.
    pub(crate) fn prep_slave_sg(
        &self,
        sgt: &SGTable,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H>> {
        let mut n = 0;
        for entry in sgt.iter() {
            self.check_slave(dir, entry.dma_len() as usize)?;
            n += 1;
        }
        if n == 0 {
            return self.check_slave(dir, 0).map(|()| unreachable!());
        }
        // `SGTable` is `#[repr(transparent)]` over `struct sg_table`
        // (rust/kernel/scatterlist.rs), so the addresses are equal.
        let raw_sgt = core::ptr::from_ref(sgt)
            .cast_mut()
            .cast::<bindings::sg_table>();
        // SAFETY: `chan` is held; `raw_sgt` is a valid mapped table whose
        // `n` DMA entries the provider reads during the call.
        self.prepared(unsafe {
            ffi::oxdma_dmaengine_prep_slave_sg(
                self.chan.as_ptr(),
                (*raw_sgt).sgl,
                n,
                dir.as_raw(),
                flags.0,
            )
        })
    }

    /// Prepares a cyclic transfer over `buf_len` bytes at `buf`, in periods
    /// of `period_len` bytes, until terminated.
    ///
    /// # Errors
    ///
    /// `EINVAL` as [`Self::prep_slave_single`] for the period, or if
    /// `buf_len` is not a non-zero multiple of `period_len`; `EIO` if the
    /// provider refused.
    pub(crate) fn prep_cyclic(
        &self,
        buf: DmaAddr,
        buf_len: usize,
        period_len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H>> {
        self.check_slave(dir, period_len)?;
        if buf_len == 0 || buf_len % period_len != 0 {
            dev_err!(
                self.client,
                "cyclic buffer of {} bytes: not a multiple of the {}-byte period\n",
                buf_len,
                period_len
            );
            return Err(EINVAL);
        }
        // SAFETY: `chan` is held.
        self.prepared(unsafe {
            ffi::oxdma_dmaengine_prep_dma_cyclic(
                self.chan.as_ptr(),
                buf,
                buf_len,
                period_len,
                dir.as_raw(),
                flags.0,
            )
        })
    }

    /// Starts the submitted transfers (`dma_async_issue_pending()`).
    pub(crate) fn issue_pending(&self) {
        // SAFETY: `chan` is held.
        unsafe { ffi::oxdma_dma_async_issue_pending(self.chan.as_ptr()) };
    }

    /// The state of the transfer with `cookie`, and its residue in bytes
    /// (`dmaengine_tx_status()`).
    pub(crate) fn tx_status(&self, cookie: Cookie) -> (Status, u32) {
        let mut state = ffi::dma_tx_state::default();
        // SAFETY: `chan` is held; `state` is valid for writes.
        let status =
            unsafe { ffi::oxdma_dmaengine_tx_status(self.chan.as_ptr(), cookie.0, &mut state) };
        (Status::from_raw(status), state.residue)
    }

    /// Pauses the channel (`dmaengine_pause()`).
    pub(crate) fn pause(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_pause(self.chan.as_ptr()) })
    }

    /// Resumes the channel (`dmaengine_resume()`).
    pub(crate) fn resume(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_resume(self.chan.as_ptr()) })
    }

    /// Aborts every transfer and waits until no callback runs any more
    /// (`dmaengine_terminate_sync()`); may sleep.
    pub(crate) fn terminate_sync(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_terminate_sync(self.chan.as_ptr()) })
    }
}

impl<H: Callback> Drop for DmaChannel<H> {
    fn drop(&mut self) {
        // Nothing may call back into `callback` once it is dropped.
        let _ = self.terminate_sync();
        // SAFETY: `chan` is held and released once, here.
        unsafe { ffi::dma_release_channel(self.chan.as_ptr()) };
    }
}

/// A prepared transfer, until [`Descriptor::submit`]. One that is dropped
/// unsubmitted is freed by the provider at the next terminate or when the
/// channel is released.
pub(crate) struct Descriptor<'a, H: Callback> {
    tx: NonNull<ffi::dma_async_tx_descriptor>,
    chan: &'a DmaChannel<H>,
}

impl<H: Callback> Descriptor<'_, H> {
    /// Queues the transfer with the channel's callback
    /// (`dmaengine_submit()`); it starts at the next
    /// [`DmaChannel::issue_pending`].
    ///
    /// # Errors
    ///
    /// The provider's errno if it could not queue it.
    pub(crate) fn submit(self) -> Result<Cookie> {
        let tx = self.tx.as_ptr();
        // SAFETY: `tx` is a prepared, unsubmitted descriptor; the callback
        // object outlives every callback (invariant of `DmaChannel`).
        let cookie = unsafe {
            (*tx).callback_result = Some(callback_trampoline::<H>);
            (*tx).callback_param = Arc::as_ptr(&self.chan.callback).cast_mut().cast();
            ffi::oxdma_dmaengine_submit(tx)
        };
        to_result(cookie)?;
        Ok(Cookie(cookie))
    }
}

/// `callback_result` of every descriptor submitted through [`Descriptor`].
///
/// # Safety
///
/// `param` must be the `H` of a live [`DmaChannel<H>`]; `result` valid.
unsafe extern "C" fn callback_trampoline<H: Callback>(
    param: *mut kernel::ffi::c_void,
    result: *const ffi::dmaengine_result,
) {
    // SAFETY: Per the function's safety requirements.
    let (h, r) = unsafe { (&*param.cast::<H>(), &*result) };
    h.complete(Completion {
        result: TxResult::from_raw(r.result),
        residue: r.residue,
    });
}
