// SPDX-License-Identifier: GPL-2.0

//! dmaengine consumers: requesting a channel by DT `dma-names`, configuring
//! it, preparing, submitting and controlling transfers.
//!
//! Memory safety by construction:
//!
//! - a transfer owns the mappings it uses: the prep operations take them by
//!   value ([`DmaBuffer`], [`DmaSgBuffer`]) and check that they are mapped for
//!   the channel's DMA device, in the right direction, and long enough; the
//!   [`Transfer`] hands them back once the transfer is complete or the
//!   channel was terminated ([`Transfer::finish`], [`Transfer::abort`]).
//!   A transfer that is dropped unfinished terminates the channel first; one
//!   that is leaked (`mem::forget`) leaks its mappings with it, so its
//!   memory is never freed under the engine. Variants that take raw DMA
//!   addresses are `unsafe`;
//! - the CPU reaches a mapping's bytes only through `&mut` (or volatile
//!   coherent accessors), which it cannot have while a transfer owns it;
//! - safe code never holds a C descriptor: [`Descriptor`] records the
//!   request, and [`Descriptor::submit`] prepares and submits it in one
//!   step; [`DmaChannel::terminate_sync`] takes `&mut self`, so no prepared
//!   [`Descriptor`] can be outstanding either;
//! - a consumer never invents a `Device<Bound>`: the DMA device is lent
//!   under its device lock, if bound ([`DmaChannel::with_dma_device`]).
//!
//! Completion callbacks are a safe trait, [`Callback`], implemented once per
//! channel. The channel owns its callback object and, on drop, terminates
//! and synchronises (`dmaengine_terminate_sync()`) before releasing, so no
//! callback can run after the channel is gone.
//!
//! Documentation: `Documentation/driver-api/dmaengine/client.rst`.

use super::super::{
    device::raw,
    dma_mapping::{sg_segments, CoherentBuf, DmaBuffer, DmaSgBuffer},
    ffi,
    mmio::MmioWindow,
};
use super::types::{Completion, Cookie, DmaAddr, PrepFlags, Status, TxResult};
use super::{SlaveConfig, TransferDirection};
use core::{cell::Cell, mem, ptr::NonNull};
use kernel::{
    bindings, device,
    error::{self, from_err_ptr},
    prelude::*,
    sync::{aref::ARef, Arc},
    task::might_sleep,
};

/// `kernel::error::to_result`, with the success test inlined: the C
/// dmaengine calls on a transfer's path mostly succeed.
#[inline]
fn to_result(ret: kernel::ffi::c_int) -> Result {
    if ret >= 0 {
        Ok(())
    } else {
        error::to_result(ret)
    }
}

/// A consumer's completion callback, called once per completed transfer
/// (per period for cyclic transfers) with its result, from the provider's
/// completion tasklet: it must not sleep.
pub(crate) trait Callback: Send + Sync + 'static {
    /// A transfer (or period) with `DMA_PREP_INTERRUPT` finished.
    fn complete(&self, completion: Completion);
}

/// What a [`DmaChannel`] holds as the device side of one direction: memory
/// it owns ([`DmaChannel::config_memory_fifo`]) or a register in a window
/// it keeps reserved ([`DmaChannel::config_device_register`]).
enum DeviceSide {
    Memory(CoherentBuf<u32>),
    Register {
        _window: Arc<MmioWindow>,
        addr: DmaAddr,
    },
}

/// A configured device side, with its access width in bytes and burst in
/// words.
struct DeviceFifo {
    side: DeviceSide,
    width: u32,
    maxburst: u32,
}

impl DeviceFifo {
    fn addr(&self) -> DmaAddr {
        match &self.side {
            DeviceSide::Memory(buf) => buf.dma_address(),
            DeviceSide::Register { addr, .. } => *addr,
        }
    }
}

/// A DMA channel held by a consumer, from `dma_request_chan()` until drop
/// (`dmaengine_terminate_sync()`, `dma_release_channel()`).
///
/// Not `Sync`: its transfers borrow it, and one of them may terminate it;
/// share it behind a lock.
///
/// # Invariants
///
/// `chan` is a channel this consumer holds, `dma_dev` its
/// `dmaengine_get_dma_device()`; `callback` lives at least as
/// long as any transfer submitted on it can call back. A device side in
/// `fifos` is configured on the channel, or was until a terminate.
pub(crate) struct DmaChannel<H: Callback> {
    chan: NonNull<ffi::dma_chan>,
    /// `dmaengine_get_dma_device()` of `chan`, fixed while it is held: the
    /// transfers check their mappings against it.
    dma_dev: *mut bindings::device,
    callback: Arc<H>,
    caps: Option<ffi::dma_slave_caps>,
    /// Configured device bus widths in bytes, MEM_TO_DEV then DEV_TO_MEM.
    widths: [u32; 2],
    /// The device side held for each direction, MEM_TO_DEV then DEV_TO_MEM.
    fifos: [Option<DeviceFifo>; 2],
    /// Transfers prepared once and run again and again.
    reusable: KVec<Reusable>,
    next_key: u32,
    client: ARef<device::Device>,
}

// SAFETY: The dmaengine consumer API may be called from any thread; the
// callback object is `Send + Sync`.
unsafe impl<H: Callback> Send for DmaChannel<H> {}

/// The index of `dir` in per-direction arrays (MEM_TO_DEV, DEV_TO_MEM).
fn slot(dir: TransferDirection) -> Option<usize> {
    match dir {
        TransferDirection::MemToDev => Some(0),
        TransferDirection::DevToMem => Some(1),
        TransferDirection::MemToMem => None,
    }
}

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
                // The caller decides what a missing channel means.
                if *e != EPROBE_DEFER && *e != ENODEV {
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
        // SAFETY: `chan` is held.
        let dma_dev = unsafe { ffi::oxdma_dmaengine_get_dma_device(chan.as_ptr()) };
        // INVARIANT: `chan` was just requested; no memory FIFO yet.
        Ok(Self {
            chan,
            dma_dev,
            callback,
            caps,
            widths: [0, 0],
            fifos: [None, None],
            reusable: KVec::new(),
            next_key: 0,
            client: dev.into(),
        })
    }

    /// The C channel (`struct dma_chan *`), for the C API of a framework
    /// that uses the channel on the consumer's behalf (the SPI core maps
    /// transfers for `spi_controller.dma_tx`).
    pub(crate) fn as_raw(&self) -> *mut ffi::dma_chan {
        self.chan.as_ptr()
    }

    /// Links `consumer`, whose driver holds this channel and is probing, to
    /// the channel's provider with a managed device link
    /// (`device_link_add()`, `DL_FLAG_AUTOPROBE_CONSUMER`;
    /// `Documentation/driver-api/device_link.rst`): the driver core then
    /// unbinds the consumer's driver before the provider's, so the channel
    /// is released while its provider is bound, and probes the consumer
    /// again once the provider is bound again. The link stays for the
    /// devices' lifetime (a later probe finds it).
    ///
    /// # Errors
    ///
    /// `EINVAL` if the driver core refused the link (e.g. it would make a
    /// cycle).
    pub(crate) fn link_provider(&self, consumer: &device::Device<device::Bound>) -> Result {
        // AUTOPROBE_CONSUMER (bit 5): include/linux/device.h.
        const DL_FLAG_AUTOPROBE_CONSUMER: u32 = 1 << 5;
        // SAFETY: Both devices are live: `consumer` is bound, the provider's
        // is referenced by the held channel.
        let link = unsafe {
            bindings::device_link_add(
                raw(consumer),
                self.raw_dma_device(),
                DL_FLAG_AUTOPROBE_CONSUMER,
            )
        };
        if link.is_null() {
            dev_err!(consumer, "no device link to the DMA provider\n");
            return Err(EINVAL);
        }
        Ok(())
    }

    /// The provider's `struct device`, which transfer memory must be mapped
    /// for (`dmaengine_get_dma_device()`).
    pub(crate) fn raw_dma_device(&self) -> *mut bindings::device {
        self.dma_dev
    }

    /// Calls `f` with the device to map transfer memory for (the provider's,
    /// `dmaengine_get_dma_device()`), under its device lock
    /// (`device_lock()`), so that it stays bound while `f` runs; may sleep.
    /// `f` must not call this again (the lock does not nest: it would
    /// deadlock).
    ///
    /// # Errors
    ///
    /// `ENODEV` if the DMA device is not bound to a driver.
    pub(crate) fn with_dma_device<R>(
        &self,
        f: impl FnOnce(&device::Device<device::Bound>) -> R,
    ) -> Result<R> {
        let dev = self.raw_dma_device();
        // SAFETY: The channel is held, so its provider's device is
        // registered and referenced by the dmaengine core.
        if !unsafe { ffi::oxdma_device_lock_if_bound(dev) } {
            return Err(ENODEV);
        }
        // SAFETY: The device is referenced (above) and bound; its lock,
        // held until after `f` returns, keeps it bound, and the reference
        // given to `f` cannot outlive the call.
        let r = f(unsafe { device::Device::<device::Normal>::from_raw(dev).as_bound() });
        // SAFETY: Locked by `oxdma_device_lock_if_bound()` above.
        unsafe { ffi::oxdma_device_unlock(dev) };
        Ok(r)
    }

    /// The callback object, e.g. to read what it recorded.
    pub(crate) fn callback(&self) -> &H {
        &self.callback
    }

    /// Checks that `buf` (`what`: "source", ...) is mapped for the channel's
    /// DMA device, for device reads if `reads` and writes if `writes`.
    fn check_buffer<B: DmaBuffer>(&self, buf: &B, what: &str, reads: bool, writes: bool) -> Result {
        let reason = if raw(buf.device()) != self.raw_dma_device() {
            "mapped for another device than the channel's"
        } else if reads && !B::DEVICE_READS {
            "not mapped for the device to read"
        } else if writes && !B::DEVICE_WRITES {
            "not mapped for the device to write"
        } else {
            return Ok(());
        };
        dev_err!(self.client, "DMA {} buffer: {}\n", what, reason);
        Err(EINVAL)
    }

    /// Checks `config`'s bus widths against the provider's and applies it
    /// (`dmaengine_slave_config()`).
    fn apply_config(&mut self, config: &mut SlaveConfig) -> Result {
        let mut widths = [0; 2];
        for dir in [TransferDirection::MemToDev, TransferDirection::DevToMem] {
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
            if let Some(i) = slot(dir) {
                widths[i] = width;
            }
        }
        // SAFETY: `chan` is held; `config` is valid for the call.
        to_result(unsafe {
            ffi::oxdma_dmaengine_slave_config(self.chan.as_ptr(), config.as_raw())
        })?;
        self.widths = widths;
        Ok(())
    }

    /// Applies `config` (`dmaengine_slave_config()`). Its device addresses
    /// were set with the `unsafe` [`SlaveConfig::set_device`]. Device sides
    /// configured before are dropped, after a terminate.
    ///
    /// # Errors
    ///
    /// `EINVAL` if a configured device bus width is not one the provider
    /// supports (`dma_slave_caps`); the provider's errno otherwise.
    pub(crate) fn config(&mut self, config: &mut SlaveConfig) -> Result {
        self.no_reusable()?;
        if self.fifos.iter().any(Option::is_some) {
            // Only leaked transfers can still use them (`&mut self`).
            self.terminate()?;
        }
        self.apply_config(config)?;
        // INVARIANT: No device side is configured any more.
        self.fifos = [None, None];
        Ok(())
    }

    /// Configures `side` as the device side of the direction in slot `i`,
    /// keeping the other direction's; terminates first if slot `i` had one.
    fn config_device_side(&mut self, i: usize, side: DeviceFifo) -> Result {
        self.no_reusable()?;
        if self.fifos[i].is_some() {
            // Only leaked transfers can still use it (`&mut self`).
            self.terminate()?;
        }
        let mut config = SlaveConfig::new();
        for (j, d) in [TransferDirection::MemToDev, TransferDirection::DevToMem]
            .into_iter()
            .enumerate()
        {
            let f = if j == i {
                Some(&side)
            } else {
                self.fifos[j].as_ref()
            };
            if let Some(f) = f {
                config.set_device_unchecked(d, f.addr(), f.width, f.maxburst);
            }
        }
        self.apply_config(&mut config)?;
        // INVARIANT: `side` is configured for slot `i`; the old one was only
        // used by transfers terminated above.
        self.fifos[i] = Some(side);
        Ok(())
    }

    /// Configures `fifo`, memory mapped for the channel's DMA device, as
    /// the device side of `dir` with `width`-byte accesses (the FIFO's first
    /// `width` bytes) and bursts of `maxburst` words: a stand-in for a
    /// device register, for a provider whose engine is the CPU. The channel
    /// owns `fifo` from now on ([`Self::memory_fifo`]); the other
    /// direction's memory FIFO, if any, stays configured. If one is
    /// replaced, the channel is terminated first.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `dir` is not a slave direction, `fifo` is not mapped for
    /// the DMA device or is shorter than `width`, or the width is not
    /// supported; the provider's errno.
    pub(crate) fn config_memory_fifo(
        &mut self,
        dir: TransferDirection,
        fifo: CoherentBuf<u32>,
        width: u32,
        maxburst: u32,
    ) -> Result {
        let i = slot(dir).ok_or(EINVAL)?;
        self.check_buffer(&fifo, "FIFO", true, true)?;
        if (fifo.dma_len() as u64) < width.into() {
            dev_err!(
                self.client,
                "{}: FIFO of {} bytes for a {}-byte width\n",
                dir,
                fifo.dma_len(),
                width
            );
            return Err(EINVAL);
        }
        let side = DeviceFifo {
            side: DeviceSide::Memory(fifo),
            width,
            maxburst,
        };
        self.config_device_side(i, side)
    }

    /// Configures the `width`-byte register at `offset` in `window` as the
    /// device side of `dir`, with bursts of `maxburst` words, at the bus
    /// address the window gives the channel's DMA device
    /// ([`MmioWindow::dma_address`]). The channel keeps the window reserved
    /// from now on; the other direction's device side, if any, stays
    /// configured. If one is replaced, the channel is terminated first.
    ///
    /// Safe: the window is MMIO that no driver holds and that is not System
    /// RAM, in the CPU's view and in the DMA device's, so the engine
    /// reading or writing it cannot touch memory the kernel owns.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `dir` is not a slave direction, the register is not in
    /// the window, the DMA device would reach RAM there, or the width is
    /// not supported; the provider's errno.
    pub(crate) fn config_device_register(
        &mut self,
        dir: TransferDirection,
        window: Arc<MmioWindow>,
        offset: usize,
        width: u32,
        maxburst: u32,
    ) -> Result {
        let i = slot(dir).ok_or(EINVAL)?;
        // SAFETY: The channel is held, so its DMA device is valid.
        let addr = unsafe { window.dma_address(self.raw_dma_device(), offset, width as usize) }
            .inspect_err(|_| {
                dev_err!(
                    self.client,
                    "{}: register at {:#x} ({} bytes): not in the window, or RAM for the DMA device\n",
                    dir,
                    offset,
                    width
                );
            })?;
        let side = DeviceFifo {
            side: DeviceSide::Register {
                _window: window,
                addr,
            },
            width,
            maxburst,
        };
        self.config_device_side(i, side)
    }

    /// The memory FIFO configured for `dir`, to read what the engine wrote
    /// there (through `kernel::dma::Coherent`'s volatile accessors).
    pub(crate) fn memory_fifo(&self, dir: TransferDirection) -> Option<&CoherentBuf<u32>> {
        slot(dir).and_then(|i| match self.fifos[i].as_ref().map(|f| &f.side) {
            Some(DeviceSide::Memory(buf)) => Some(buf),
            _ => None,
        })
    }

    /// Checks a slave transfer request: direction offered, configured, and
    /// `len` a non-zero multiple of the configured width.
    /// Inlined: on every slave prep's path; its messages are not.
    #[inline(always)]
    fn check_slave(&self, dir: TransferDirection, len: usize) -> Result {
        let offered = self
            .caps
            .as_ref()
            .is_some_and(|c| c.directions & (1 << dir.as_raw()) != 0);
        let width = slot(dir).map_or(0, |i| self.widths[i]) as usize;
        if offered && width != 0 && len != 0 && len % width == 0 {
            return Ok(());
        }
        Err(self.slave_refused(dir, len))
    }

    /// Says why [`Self::check_slave`] refused a request; `EINVAL`.
    #[cold]
    fn slave_refused(&self, dir: TransferDirection, len: usize) -> Error {
        let offered = self
            .caps
            .as_ref()
            .is_some_and(|c| c.directions & (1 << dir.as_raw()) != 0);
        let width = slot(dir).map_or(0, |i| self.widths[i]);
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
        } else {
            dev_err!(
                self.client,
                "{} slave transfer of {} bytes: not a non-zero multiple of the {}-byte bus width\n",
                dir,
                len,
                width
            );
        }
        EINVAL
    }

    /// Checks the memory side of a slave transfer in `dir`.
    fn check_slave_buffer<B: DmaBuffer>(&self, buf: &B, dir: TransferDirection) -> Result {
        let to_dev = dir == TransferDirection::MemToDev;
        self.check_buffer(buf, "slave", to_dev, !to_dev)
    }

    fn descriptor<B>(&self, op: Op, buffers: B, flags: PrepFlags) -> Descriptor<'_, H, B> {
        Descriptor {
            chan: self,
            op,
            buffers,
            flags,
        }
    }

    /// Prepares a memcpy of the first `len` bytes of `src` to `dst`; the
    /// transfer owns both.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a zero length, a length beyond either buffer, addresses
    /// or length not aligned to the provider's `copy_align`, or a buffer not
    /// mapped for the channel's DMA device in the right direction.
    pub(crate) fn prep_memcpy<D: DmaBuffer, S: DmaBuffer>(
        &self,
        dst: D,
        src: S,
        len: usize,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H, (D, S)>> {
        self.check_buffer(&dst, "destination", false, true)?;
        self.check_buffer(&src, "source", true, false)?;
        // SAFETY: The channel is held, so its `device` is valid.
        let align = 1u64 << unsafe { (*(*self.chan.as_ptr()).device).copy_align };
        let (d, s) = (dst.dma_address(), src.dma_address());
        if len == 0
            || len > dst.dma_len()
            || len > src.dma_len()
            || (len as u64 | d | s) % align != 0
        {
            dev_err!(
                self.client,
                "memcpy of {} bytes: must be a non-zero multiple of {} bytes, aligned, within both buffers\n",
                len,
                align
            );
            return Err(EINVAL);
        }
        let op = Op::Memcpy {
            dst: d,
            src: s,
            len,
        };
        Ok(self.descriptor(op, (dst, src), flags))
    }

    /// Prepares a slave transfer of all of `buf` in `dir`; the transfer
    /// owns `buf`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a direction not offered or not configured, a length
    /// that is not a multiple of the bus width, or a buffer not mapped for
    /// the channel's DMA device in the right direction.
    pub(crate) fn prep_slave_single<B: DmaBuffer>(
        &self,
        buf: B,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H, B>> {
        self.check_slave(dir, buf.dma_len())?;
        self.check_slave_buffer(&buf, dir)?;
        let op = Op::Single {
            buf: buf.dma_address(),
            len: buf.dma_len(),
            dir,
        };
        Ok(self.descriptor(op, buf, flags))
    }

    /// Prepares a slave transfer of `len` bytes at DMA address `buf`, which
    /// the caller mapped itself.
    ///
    /// # Errors
    ///
    /// As [`Self::prep_slave_single`].
    ///
    /// # Safety
    ///
    /// The `len` bytes at `buf` must be mapped for the channel's DMA device
    /// (in the direction of `dir`), and neither unmapped nor accessed by the
    /// CPU, from the submit until the transfer completes or the channel is
    /// terminated and synchronised.
    pub(crate) unsafe fn prep_slave_single_raw(
        &self,
        buf: DmaAddr,
        len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H, ()>> {
        self.check_slave(dir, len)?;
        Ok(self.descriptor(Op::Single { buf, len, dir }, (), flags))
    }

    /// Prepares a slave transfer over the mapped segments of `sg` in `dir`;
    /// the transfer owns `sg`. Every segment but the last is a multiple of
    /// the bus width (the engine moves whole words to and from the FIFO);
    /// the last may end in a partial word if the provider allows it.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a direction not offered or not configured, an empty
    /// table or segment, a segment other than the last that is not a
    /// multiple of the bus width, a table mapped for another device or in
    /// the other direction, or one that may not run on this channel.
    pub(crate) fn prep_slave_sg<S: DmaSgBuffer>(
        &self,
        sg: S,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H, S>> {
        let (sgl, nents) = sg.raw_entries();
        let width = slot(dir).map_or(0, |i| self.widths[i] as usize);
        for (i, (_, len)) in sg_segments(&sg).enumerate() {
            // The last segment may end in a partial word.
            let whole = if i + 1 == nents as usize && width != 0 {
                len.next_multiple_of(width)
            } else {
                len
            };
            self.check_slave(dir, whole)?;
        }
        if nents == 0 {
            return self.check_slave(dir, 0).map(|()| unreachable!());
        }
        let to_dev = dir == TransferDirection::MemToDev;
        let reason = if sg.raw_device() != self.raw_dma_device() {
            Some("mapped for another device than the channel's")
        } else if (to_dev && !S::DEVICE_READS) || (!to_dev && !S::DEVICE_WRITES) {
            Some("mapped in the other direction")
        } else if !sg.usable_on(self.chan.as_ptr()) {
            Some("not for this channel")
        } else {
            None
        };
        if let Some(reason) = reason {
            dev_err!(self.client, "DMA scatterlist: {}\n", reason);
            return Err(EINVAL);
        }
        Ok(self.descriptor(Op::Sg { sgl, nents, dir }, sg, flags))
    }

    /// Prepares a cyclic transfer over all of `buf`, in periods of
    /// `period_len` bytes, until terminated; the transfer owns `buf`.
    ///
    /// # Errors
    ///
    /// `EINVAL` as [`Self::prep_slave_single`] for the period, or if the
    /// buffer's length is not a multiple of `period_len`.
    pub(crate) fn prep_cyclic<B: DmaBuffer>(
        &self,
        buf: B,
        period_len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<Descriptor<'_, H, B>> {
        self.check_slave(dir, period_len)?;
        self.check_slave_buffer(&buf, dir)?;
        let len = buf.dma_len();
        if len % period_len != 0 {
            dev_err!(
                self.client,
                "cyclic buffer of {} bytes: not a multiple of the {}-byte period\n",
                len,
                period_len
            );
            return Err(EINVAL);
        }
        let op = Op::Cyclic {
            buf: buf.dma_address(),
            len,
            period: period_len,
            dir,
        };
        Ok(self.descriptor(op, buf, flags))
    }

    /// `EBUSY` if the channel holds reusable transfers, which were prepared
    /// for its current configuration.
    fn no_reusable(&self) -> Result {
        if self.reusable.is_empty() {
            return Ok(());
        }
        dev_err!(
            self.client,
            "slave config change with {} reusable transfers prepared\n",
            self.reusable.len()
        );
        Err(EBUSY)
    }

    /// Prepares a cyclic transfer over all of `buf`, in periods of
    /// `period_len` bytes, that the channel keeps and that
    /// [`Self::run_reusable`] runs again and again without a prep
    /// (`dmaengine_desc_set_reuse()`), as spi-bcm2835 runs its zero-fill
    /// and clear-RX words. The channel owns `buf` until
    /// [`Self::remove_reusable`] or its drop (after the release). While the
    /// channel holds reusable transfers its slave config cannot change.
    ///
    /// # Errors
    ///
    /// As [`Self::prep_cyclic`]; `EINVAL` if the provider does not reuse
    /// descriptors (`dma_slave_caps.descriptor_reuse`); `EIO` if it refused
    /// the transfer; `ENOMEM`.
    pub(crate) fn add_reusable_cyclic<B: DmaBuffer>(
        &mut self,
        buf: B,
        period_len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<ReusableKey> {
        if !self.caps.as_ref().is_some_and(|c| c.descriptor_reuse) {
            dev_err!(self.client, "the DMA provider does not reuse descriptors\n");
            return Err(EINVAL);
        }
        self.reusable.reserve(1, GFP_KERNEL)?;
        let (tx, buf) = self.prep_cyclic(buf, period_len, dir, flags)?.prepare()?;
        // The channel keeps the memory mapped while it holds the descriptor.
        let buffers: KBox<dyn Send> = match KBox::new(buf, GFP_KERNEL) {
            Ok(b) => b,
            Err(e) => {
                // A prepared, unsubmitted descriptor is freed by a terminate.
                let _ = self.terminate();
                return Err(e.into());
            }
        };
        // SAFETY: `tx` was just prepared on this channel and is not
        // submitted. The provider reuses descriptors (checked above).
        if let Err(e) = to_result(unsafe { ffi::oxdma_dmaengine_desc_set_reuse(tx.as_ptr()) }) {
            let _ = self.terminate();
            return Err(e);
        }
        let key = self.next_key;
        self.next_key = self.next_key.wrapping_add(1);
        self.reusable.push(
            Reusable {
                key,
                desc: tx,
                running: Cell::new(false),
                _buffers: buffers,
            },
            GFP_KERNEL,
        )?;
        Ok(ReusableKey(key))
    }

    /// Submits the reusable transfer `key` (`dmaengine_submit()`): it starts
    /// at the next [`Self::issue_pending`] and runs until the returned
    /// [`ReusableRun`] is dropped.
    ///
    /// # Errors
    ///
    /// `ENOENT` for a key the channel does not hold; `EBUSY` if it runs
    /// already; the errno of `dmaengine_submit()`.
    pub(crate) fn run_reusable(&self, key: ReusableKey) -> Result<ReusableRun<'_, H>> {
        let r = self
            .reusable
            .iter()
            .find(|r| r.key == key.0)
            .ok_or(ENOENT)?;
        if r.running.get() {
            return Err(EBUSY);
        }
        // SAFETY: The descriptor is prepared for reuse on this channel and
        // not submitted (`running` is false: never, or terminated since).
        let cookie = unsafe { ffi::oxdma_dmaengine_submit(r.desc.as_ptr()) };
        to_result(cookie)?;
        r.running.set(true);
        Ok(ReusableRun {
            chan: self,
            running: &r.running,
            cookie: Cookie(cookie),
        })
    }

    /// Frees the reusable transfer `key` and its memory; may sleep.
    ///
    /// # Errors
    ///
    /// `ENOENT` for a key the channel does not hold.
    pub(crate) fn remove_reusable(&mut self, key: ReusableKey) -> Result {
        let index = self
            .reusable
            .iter()
            .position(|r| r.key == key.0)
            .ok_or(ENOENT)?;
        // `&mut self`: it does not run (no `ReusableRun` borrows the
        // channel), unless a run was leaked; and a run may have ended with
        // an asynchronous terminate: stop and wait before freeing.
        self.terminate()?;
        let r = self.reusable.remove(index)?;
        // SAFETY: Prepared for reuse on this channel; not submitted (above).
        unsafe { ffi::oxdma_dmaengine_desc_free(r.desc.as_ptr()) };
        Ok(())
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
        let chan = self.chan.as_ptr();
        // SAFETY: `chan` is held; `state` is valid for writes.
        let status = unsafe { ffi::oxdma_dmaengine_tx_status(chan, cookie.0, &mut state) };
        (Status::from_raw(status), state.residue)
    }

    /// Pauses the channel (`dmaengine_pause()`).
    ///
    /// # Errors
    ///
    /// `ENOSYS` if the provider has no `device_pause`; its errno.
    pub(crate) fn pause(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_pause(self.chan.as_ptr()) })
    }

    /// Resumes the channel (`dmaengine_resume()`).
    ///
    /// # Errors
    ///
    /// `ENOSYS` if the provider has no `device_resume`; its errno.
    pub(crate) fn resume(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_resume(self.chan.as_ptr()) })
    }

    /// `dmaengine_terminate_sync()`, for this module: sound at any time,
    /// as no C descriptor is held outside [`Descriptor::submit`].
    fn terminate(&self) -> Result {
        // SAFETY: `chan` is held.
        to_result(unsafe { ffi::oxdma_dmaengine_terminate_sync(self.chan.as_ptr()) })
    }

    /// Aborts every transfer and waits until no callback runs any more
    /// (`dmaengine_terminate_sync()`); may sleep. `&mut self`: no
    /// [`Descriptor`] or [`Transfer`] of this channel is alive, so the
    /// mappings of every terminated transfer were leaked, never freed.
    ///
    /// # Errors
    ///
    /// The provider's errno.
    pub(crate) fn terminate_sync(&mut self) -> Result {
        self.terminate()
    }
}

impl<H: Callback> Drop for DmaChannel<H> {
    /// Terminates and synchronises, then releases the channel; may sleep.
    fn drop(&mut self) {
        might_sleep();
        // Nothing may call back into `callback` once it is dropped; device
        // sides are dropped after this.
        let _ = self.terminate();
        let reusable = mem::take(&mut self.reusable);
        for r in reusable.iter() {
            // SAFETY: Prepared on `chan` for reuse; terminated and
            // synchronised above, so not in use; freed once, here.
            unsafe { ffi::oxdma_dmaengine_desc_free(r.desc.as_ptr()) };
        }
        // SAFETY: `chan` is held and released once, here.
        unsafe { ffi::dma_release_channel(self.chan.as_ptr()) };
        // Their memory goes after the channel.
        drop(reusable);
    }
}

/// What a [`Descriptor`] prepares, in the C prep call's terms.
enum Op {
    Memcpy {
        dst: DmaAddr,
        src: DmaAddr,
        len: usize,
    },
    Single {
        buf: DmaAddr,
        len: usize,
        dir: TransferDirection,
    },
    Sg {
        sgl: *mut bindings::scatterlist,
        nents: u32,
        dir: TransferDirection,
    },
    Cyclic {
        buf: DmaAddr,
        len: usize,
        period: usize,
        dir: TransferDirection,
    },
}

/// A checked transfer request on a channel, owning the mappings `B` it
/// uses, until [`Descriptor::submit`]. Dropping it drops the mappings; the
/// provider never saw it.
///
/// # Invariants
///
/// The addresses in `op` lie in `buffers` (or, for `B = ()`, were promised
/// by the caller of an `unsafe` prep variant), checked against `chan`.
pub(crate) struct Descriptor<'c, H: Callback, B> {
    chan: &'c DmaChannel<H>,
    op: Op,
    buffers: B,
    flags: PrepFlags,
}

impl<'c, H: Callback, B> Descriptor<'c, H, B> {
    /// Prepares the transfer with the provider (`dmaengine_prep_*()`) and
    /// queues it with the channel's callback (`dmaengine_submit()`); it
    /// starts at the next [`DmaChannel::issue_pending`].
    ///
    /// # Errors
    ///
    /// `EIO` if the provider refused the transfer; its errno if it could
    /// not queue it. The mappings are dropped then: the engine never ran on
    /// them.
    pub(crate) fn submit(self) -> Result<Transfer<'c, H, B>> {
        let chan = self.chan;
        let (tx, buffers) = self.prepare()?;
        // SAFETY: `tx` was just prepared and is not submitted; no terminate
        // can free it meanwhile (the channel is not `Sync`, and this thread
        // is here).
        let cookie = unsafe { ffi::oxdma_dmaengine_submit(tx.as_ptr()) };
        to_result(cookie)?;
        Ok(Transfer {
            chan,
            cookie: Cookie(cookie),
            buffers: Some(buffers),
        })
    }

    /// Prepares the transfer with the provider (`dmaengine_prep_*()`) and
    /// gives it the channel's callback; the C descriptor is not submitted.
    ///
    /// # Errors
    ///
    /// `EIO` if the provider refused the transfer.
    fn prepare(self) -> Result<(NonNull<ffi::dma_async_tx_descriptor>, B)> {
        let chan = self.chan.chan.as_ptr();
        let flags = self.flags.0;
        // SAFETY: `chan` is held; the memory of `op` is mapped for the
        // channel's DMA device and stays so while `buffers` lives (type
        // invariant), which the caller keeps until the transfer is over.
        let tx = unsafe {
            match self.op {
                Op::Memcpy { dst, src, len } => {
                    ffi::oxdma_dmaengine_prep_dma_memcpy(chan, dst, src, len, flags)
                }
                Op::Single { buf, len, dir } => {
                    ffi::oxdma_dmaengine_prep_slave_single(chan, buf, len, dir.as_raw(), flags)
                }
                Op::Sg { sgl, nents, dir } => {
                    ffi::oxdma_dmaengine_prep_slave_sg(chan, sgl, nents, dir.as_raw(), flags)
                }
                Op::Cyclic {
                    buf,
                    len,
                    period,
                    dir,
                } => ffi::oxdma_dmaengine_prep_dma_cyclic(
                    chan,
                    buf,
                    len,
                    period,
                    dir.as_raw(),
                    flags,
                ),
            }
        };
        let Some(tx) = NonNull::new(tx) else {
            dev_err!(self.chan.client, "the DMA provider refused the transfer\n");
            return Err(EIO);
        };
        // SAFETY: `tx` was just prepared and is not submitted, so nothing
        // else uses it. The callback object outlives every callback
        // (invariant of `DmaChannel`).
        unsafe {
            let t = tx.as_ptr();
            (*t).callback_result = Some(callback_trampoline::<H>);
            (*t).callback_param = Arc::as_ptr(&self.chan.callback).cast_mut().cast();
        }
        Ok((tx, self.buffers))
    }
}

/// A submitted transfer, owning the mappings `B` it uses until it is over.
///
/// Dropping it unfinished terminates the channel (every transfer on it,
/// `dmaengine_terminate_sync()`: dmaengine has no per-transfer abort) and
/// may sleep; leaking it leaks the mappings.
///
/// # Invariants
///
/// `buffers` is `Some` until handed back; while it is, the engine may use
/// them for the transfer with `cookie` on `chan`.
pub(crate) struct Transfer<'c, H: Callback, B> {
    chan: &'c DmaChannel<H>,
    cookie: Cookie,
    buffers: Option<B>,
}

impl<H: Callback, B> Transfer<'_, H, B> {
    /// The state of the transfer and its residue in bytes
    /// (`dmaengine_tx_status()`).
    pub(crate) fn status(&self) -> (Status, u32) {
        self.chan.tx_status(self.cookie)
    }

    /// Hands the mappings back if the transfer is over, complete or failed
    /// (`DMA_COMPLETE`, `DMA_ERROR`: the engine no longer uses them), or
    /// returns the transfer. Over means the cookie is
    /// (`dma_cookie_status()`): providers complete in cookie order, as the
    /// dmaengine cookie API assumes.
    ///
    /// # Errors
    ///
    /// The transfer itself while it is not over.
    pub(crate) fn finish(mut self) -> Result<B, Self> {
        if !self.is_over() {
            return Err(self);
        }
        self.buffers.take().ok_or(self)
    }

    fn is_over(&self) -> bool {
        // SAFETY: `chan` is held (type invariant of `DmaChannel`).
        let done = unsafe { ffi::oxdma_dma_cookie_done(self.chan.chan.as_ptr(), self.cookie.0) };
        // The channel's cookies say complete as the provider's `tx_status`
        // would (`dma_cookie_status()`), without its call; it may also know
        // of a failure, which is over too.
        done || matches!(self.status().0, Status::Complete | Status::Error)
    }

    /// Terminates the channel unless the transfer is over
    /// (`dmaengine_terminate_sync()`: every transfer on the channel stops),
    /// then hands the mappings back; may sleep.
    ///
    /// # Errors
    ///
    /// The provider's errno if it could not terminate: the mappings are
    /// leaked then, as the engine may still use them.
    pub(crate) fn abort(mut self) -> Result<B> {
        let buffers = self.buffers.take().ok_or(EINVAL)?;
        if !self.is_over() {
            if let Err(e) = self.chan.terminate() {
                dev_err!(
                    self.chan.client,
                    "DMA terminate failed ({:?}): transfer buffers leaked\n",
                    e
                );
                mem::forget(buffers);
                return Err(e);
            }
        }
        Ok(buffers)
    }
}

impl<H: Callback, B> Drop for Transfer<'_, H, B> {
    /// Terminates the channel if the transfer is not over, then drops the
    /// mappings; may sleep.
    fn drop(&mut self) {
        let Some(buffers) = self.buffers.take() else {
            return;
        };
        if self.is_over() {
            return;
        }
        self.stop(buffers);
    }
}

impl<H: Callback, B> Transfer<'_, H, B> {
    /// Terminates the channel under an unfinished transfer, then drops its
    /// `buffers` (leaks them if the provider could not terminate); may
    /// sleep. Out of line: a finished transfer's drop does not come here.
    #[cold]
    fn stop(&self, buffers: B) {
        might_sleep();
        if let Err(e) = self.chan.terminate() {
            dev_err!(
                self.chan.client,
                "DMA terminate failed ({:?}): transfer buffers leaked\n",
                e
            );
            mem::forget(buffers);
        }
    }
}

/// A transfer a channel holds for reuse ([`DmaChannel::add_reusable_cyclic`]).
///
/// # Invariants
///
/// `desc` was prepared on the channel with `DMA_CTRL_REUSE`, over memory
/// `_buffers` keeps mapped; it is submitted iff `running`.
struct Reusable {
    key: u32,
    desc: NonNull<ffi::dma_async_tx_descriptor>,
    running: Cell<bool>,
    _buffers: KBox<dyn Send>,
}

/// Names a reusable transfer of one channel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ReusableKey(u32);

/// A running reusable transfer: dropping it terminates the channel (every
/// transfer on it) without waiting for the provider to wind down
/// (`dmaengine_terminate_async()`, as spi-bcm2835 stops its fill loops),
/// after which the transfer can run again. Nothing is freed meanwhile: the
/// memory of a reusable transfer stays with the channel, and every path
/// that frees memory a transfer used ([`DmaChannel::remove_reusable`], the
/// channel's drop, an unfinished [`Transfer`]'s abort or drop) terminates
/// synchronously first.
pub(crate) struct ReusableRun<'c, H: Callback> {
    chan: &'c DmaChannel<H>,
    /// The transfer's `running` flag.
    running: &'c Cell<bool>,
    cookie: Cookie,
}

impl<H: Callback> ReusableRun<'_, H> {
    /// Its state and residue in bytes (`dmaengine_tx_status()`).
    pub(crate) fn status(&self) -> (Status, u32) {
        self.chan.tx_status(self.cookie)
    }
}

impl<H: Callback> Drop for ReusableRun<'_, H> {
    fn drop(&mut self) {
        let chan = self.chan.chan.as_ptr();
        // SAFETY: `chan` is held.
        let stopped = to_result(unsafe { ffi::oxdma_dmaengine_terminate_async(chan) });
        match stopped {
            // Back with the provider's allocated descriptors.
            Ok(()) => self.running.set(false),
            Err(e) => dev_err!(
                self.chan.client,
                "DMA terminate failed ({:?}): reusable transfer kept running\n",
                e
            ),
        }
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
