// SPDX-License-Identifier: GPL-2.0

//! An SPI controller: the operations a driver implements ([`Controller`]),
//! what it supports ([`Limits`]), its DMA channels ([`SpiDma`]) and its
//! registration with the SPI core ([`Registration`]).

use super::super::{
    device::raw,
    dma_mapping::DmaBuffer,
    dmaengine::{
        consumer::{Callback, DmaChannel, ReusableKey},
        PrepFlags, TransferDirection,
    },
    ffi,
};
use super::{SpiDevice, Transfer};
use core::{cell::UnsafeCell, ffi::c_void, ptr::NonNull};
use kernel::{
    device,
    error::{to_result, VTABLE_DEFAULT_ERROR},
    prelude::*,
    time::{delay::fsleep, Delta},
};
use kernel::{ffi::c_int, types::Opaque};

/// The operations of an SPI controller driver, called by the SPI core
/// (`struct spi_controller`, `Documentation/spi/spi-summary.rst`). All of
/// them, and the drop of a device's data at cleanup, run under the core's
/// `io_mutex`: one at a time, in process context (they may sleep).
#[vtable]
pub(crate) trait Controller: Send + Sync + Sized + 'static {
    /// State per SPI device, from [`Self::setup`] until the device goes
    /// (`spi_controller.cleanup`, where it is dropped; may sleep there).
    type DeviceData: Send + Sync;
    /// The completion callback of the controller's DMA channels.
    type Callback: Callback;

    /// Drive native chip selects as GPIOs, as `bcm2835_spi_setup()` does,
    /// so that they stay asserted across the transfers of a message.
    const NATIVE_CS_AS_GPIO: bool = false;

    /// Transfers shorter than this (bytes) are never mapped for DMA:
    /// [`Self::can_dma`] is not asked about them. A constant, as the core
    /// asks about every transfer of every message.
    const DMA_MIN_LEN: usize = 0;

    /// Sets a device up, or again after its mode or clock changed
    /// (`spi_controller.setup`); `old` is its previous data, if any.
    ///
    /// # Errors
    ///
    /// The errno `spi_setup()` returns; the device then has no data (its
    /// messages fail with `EINVAL` until a setup succeeds).
    fn setup(
        &self,
        spi: &SpiDevice<'_>,
        dma: Option<&mut SpiDma<Self::Callback>>,
        old: Option<Self::DeviceData>,
    ) -> Result<Self::DeviceData>;

    /// The device goes (`spi_controller.cleanup`): its data is handed back
    /// to release what it holds on the channels; dropped by default.
    fn cleanup(&self, data: Self::DeviceData, _dma: Option<&mut SpiDma<Self::Callback>>) {
        drop(data);
    }

    /// Prepares the controller for a message to `spi`, before its chip
    /// select is asserted (`spi_controller.prepare_message`).
    fn prepare_message(&self, _spi: SpiDevice<'_>, _data: &Self::DeviceData) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Moves all of `xfer` before returning (`spi_controller.transfer_one`,
    /// completing synchronously); `dma` lends the controller's channels, if
    /// it has any ([`Transfer::dma`] runs a transfer mapped for them). `spi` and `xfer` are lent by value (each a pointer,
    /// passed in a register) for the call.
    ///
    /// # Errors
    ///
    /// An errno fails the message (`handle_err` runs next);
    /// [`Transfer::retry_without_dma`]'s has the core retry it unmapped.
    fn transfer_one(
        &self,
        spi: SpiDevice<'_>,
        data: &Self::DeviceData,
        xfer: Transfer<'_>,
        dma: DmaSlot<'_, Self::Callback>,
    ) -> Result;

    /// Recovers after a failed message (`spi_controller.handle_err`).
    fn handle_err(&self, _dma: Option<&mut SpiDma<Self::Callback>>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Whether `xfer` should go through DMA: the core then maps it for the
    /// channels before `transfer_one` (`spi_controller.can_dma`). Only
    /// asked of a controller registered with channels, about transfers of
    /// at least [`Self::DMA_MIN_LEN`] bytes.
    fn can_dma(
        &self,
        _spi: &SpiDevice<'_>,
        _data: &Self::DeviceData,
        _xfer: &Transfer<'_>,
    ) -> bool {
        false
    }
}

/// What a controller supports (fields of `struct spi_controller`).
pub(crate) struct Limits {
    /// The [`super::Mode`] bits it handles.
    pub(crate) mode_bits: u32,
    /// The word sizes it handles (bit `n - 1` for `n`-bit words,
    /// `SPI_BPW_MASK(n)`).
    pub(crate) bits_per_word_mask: u32,
    /// Chip selects, native or GPIO.
    pub(crate) num_chipselect: u16,
    /// Fastest clock in Hz.
    pub(crate) max_speed_hz: u32,
    /// Slowest clock in Hz.
    pub(crate) min_speed_hz: u32,
    /// Largest transfer in bytes, which the core splits longer ones at
    /// (`max_transfer_size`); `None` for no limit.
    pub(crate) max_transfer_size: Option<usize>,
}

/// A controller's DMA channels, lent to [`Controller::transfer_one`]: read
/// only when the driver asks, as most transfers are not mapped for them.
///
/// # Invariants
///
/// `cell` is the controller's `Inner::dma`, and the core's `io_mutex` is
/// held for `'a` (no other reference to its content is in use).
pub(crate) struct DmaSlot<'a, H: Callback> {
    cell: &'a UnsafeCell<Option<SpiDma<H>>>,
}

impl<H: Callback> DmaSlot<'_, H> {
    /// The channels, if the controller has any.
    pub(crate) fn get(&mut self) -> Option<&mut SpiDma<H>> {
        // `&mut self` makes the reference unique.
        // SAFETY: `io_mutex` is held, this slot the only way to the channels.
        unsafe { (*self.cell.get()).as_mut() }
    }
}

/// One of a controller's two DMA channels.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    /// Memory to the device.
    Tx,
    /// The device to memory.
    Rx,
}

/// A controller's DMA channels, TX (memory to the device) and RX, owned by
/// its [`Registration`]: the core maps transfers for them
/// (`spi_controller.dma_tx`, `dma_rx`) while it is registered, so they are
/// lent to operations and never handed out.
pub(crate) struct SpiDma<H: Callback> {
    tx: DmaChannel<H>,
    rx: DmaChannel<H>,
}

impl<H: Callback> SpiDma<H> {
    /// The channels, configured by the caller for the controller's FIFO.
    pub(crate) fn new(tx: DmaChannel<H>, rx: DmaChannel<H>) -> Self {
        Self { tx, rx }
    }

    /// The TX channel.
    pub(crate) fn tx(&self) -> &DmaChannel<H> {
        &self.tx
    }

    /// The RX channel.
    pub(crate) fn rx(&self) -> &DmaChannel<H> {
        &self.rx
    }

    fn chan_mut(&mut self, side: Side) -> &mut DmaChannel<H> {
        match side {
            Side::Tx => &mut self.tx,
            Side::Rx => &mut self.rx,
        }
    }

    /// [`DmaChannel::add_reusable_cyclic`] on the `side` channel.
    ///
    /// # Errors
    ///
    /// As [`DmaChannel::add_reusable_cyclic`].
    pub(crate) fn add_reusable_cyclic<B: DmaBuffer>(
        &mut self,
        side: Side,
        buf: B,
        period_len: usize,
        dir: TransferDirection,
        flags: PrepFlags,
    ) -> Result<ReusableKey> {
        self.chan_mut(side)
            .add_reusable_cyclic(buf, period_len, dir, flags)
    }

    /// [`DmaChannel::remove_reusable`] on the `side` channel.
    ///
    /// # Errors
    ///
    /// As [`DmaChannel::remove_reusable`].
    pub(crate) fn remove_reusable(&mut self, side: Side, key: ReusableKey) -> Result {
        self.chan_mut(side).remove_reusable(key)
    }

    /// Terminates both channels and waits for their callbacks
    /// (`dmaengine_terminate_sync()`), as `bcm2835_spi_handle_err()` does.
    ///
    /// # Errors
    ///
    /// The provider's errno (the first one).
    pub(crate) fn terminate(&mut self) -> Result {
        let tx = self.tx.terminate_sync();
        let rx = self.rx.terminate_sync();
        tx.and(rx)
    }

    /// Terminates both channels for a table a leaked transfer still owns:
    /// retried until the provider succeeds, as the core unmaps the table
    /// once this returns.
    pub(super) fn stop_leaked(&mut self) {
        let mut tries = 0u32;
        while let Err(e) = self.terminate() {
            if tries == 0 {
                pr_err!(
                    "spi: DMA terminate failed ({:?}) under a mapped transfer: retrying\n",
                    e
                );
            }
            tries = tries.wrapping_add(1);
            fsleep(Delta::from_millis(10));
        }
    }
}

/// Per-device state behind `spi_device.controller_state`, there only
/// while the device is set up: a failed setup releases it, as
/// `bcm2835_spi_setup()`'s error path does (the device's messages then fail
/// with `EINVAL` until a setup succeeds).
struct DeviceState<T: Controller> {
    data: T::DeviceData,
    /// The registration made a native chip select a GPIO, to give back.
    native_cs_gpio: bool,
}

/// What the C callbacks reach through their `data` pointer.
///
/// # Invariants
///
/// `ops` is the table the controller calls back through, with `data` a
/// pointer to this value (to `head`, its first field), which does not move
/// (pinned in a box) and lives until the controller is unregistered; the
/// controller's devdata points to it too. `dma` is only reached by those
/// callbacks, each with the core's `io_mutex` held (as the device states
/// are): the mutex that serialises them is its lock, without a second one
/// per DMA transfer.
#[repr(C)]
#[pin_data]
struct Inner<T: Controller> {
    /// What the C trampolines read (`struct oxdma_spi_head`), written by
    /// `oxdma_spi_alloc_host()`.
    head: Opaque<ffi::oxdma_spi_head>,
    driver: T,
    dma: UnsafeCell<Option<SpiDma<T::Callback>>>,
    ops: ffi::oxdma_spi_ops,
}

/// A registered SPI controller, from `spi_register_controller()` until drop
/// (`spi_unregister_controller()`, which cleans every device up first);
/// may sleep.
///
/// # Invariants
///
/// `ctlr` is registered, and calls back into `inner`.
pub(crate) struct Registration<T: Controller> {
    ctlr: NonNull<ffi::spi_controller>,
    inner: Pin<KBox<Inner<T>>>,
}

// SAFETY: The SPI core's API may be called from any thread; `T` is `Send`.
unsafe impl<T: Controller> Send for Registration<T> {}
// SAFETY: `&Registration` gives only `&T`, which is `Sync`.
unsafe impl<T: Controller> Sync for Registration<T> {}

impl<T: Controller> Registration<T> {
    /// Registers a controller for `dev` (the platform device, whose DT
    /// node holds the SPI devices) with `driver` and `limits`, and `dma`
    /// for transfers that [`Controller::can_dma`] accepts.
    ///
    /// # Errors
    ///
    /// `ENOMEM`; the errno of `spi_register_controller()`.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        driver: T,
        limits: &Limits,
        dma: Option<SpiDma<T::Callback>>,
    ) -> Result<Self> {
        let chans = dma
            .as_ref()
            .map_or((core::ptr::null_mut(), core::ptr::null_mut()), |d| {
                (d.tx.as_raw(), d.rx.as_raw())
            });
        let inner = KBox::pin_init(
            pin_init!(Inner {
                head: Opaque::zeroed(),
                driver,
                dma: UnsafeCell::new(dma),
                ops: ffi::oxdma_spi_ops {
                    setup: Some(setup_callback::<T>),
                    cleanup: Some(cleanup_callback::<T>),
                    prepare_message: Some(prepare_message_callback::<T>),
                    transfer_one: Some(transfer_one_callback::<T>),
                    handle_err: Some(handle_err_callback::<T>),
                    can_dma: Some(can_dma_callback::<T>),
                },
            }),
            GFP_KERNEL,
        )?;
        let c_limits = ffi::oxdma_spi_limits {
            mode_bits: limits.mode_bits,
            bits_per_word_mask: limits.bits_per_word_mask,
            num_chipselect: limits.num_chipselect,
            max_speed_hz: limits.max_speed_hz,
            min_speed_hz: limits.min_speed_hz,
            max_transfer_size: limits.max_transfer_size.unwrap_or(0),
        };
        // `data` is the address of `inner`: `head` is the first field of a
        // `repr(C)` struct. C only writes `head`, before any callback; the
        // channels (if any) are owned by `inner`.
        let data = inner.head.get();
        // SAFETY: `dev` is bound; `inner` lives until after unregistration.
        let ctlr = unsafe {
            ffi::oxdma_spi_alloc_host(raw(dev), &inner.ops, data, &c_limits, chans.0, chans.1)
        };
        let ctlr = NonNull::new(ctlr).ok_or(ENOMEM)?;
        // SAFETY: `ctlr` was allocated above and not registered.
        if let Err(e) = to_result(unsafe { ffi::spi_register_controller(ctlr.as_ptr()) }) {
            dev_err!(dev, "could not register SPI controller: {:?}\n", e);
            // SAFETY: Not registered; the reference from allocation.
            unsafe { ffi::oxdma_spi_controller_put(ctlr.as_ptr()) };
            return Err(e);
        }
        // INVARIANT: Registered above, calling back into `inner`.
        Ok(Self { ctlr, inner })
    }

    /// The driver's data.
    pub(crate) fn driver(&self) -> &T {
        &self.inner.driver
    }
}

impl<T: Controller> Drop for Registration<T> {
    fn drop(&mut self) {
        // This drops the allocation's reference too (not devm-allocated); no
        // callback runs after it returns, so `inner` may go.
        // SAFETY: Registered (type invariant).
        unsafe { ffi::spi_unregister_controller(self.ctlr.as_ptr()) };
    }
}

/// # Safety
///
/// `data` must be the `Inner<T>` of a registered controller.
unsafe fn inner<'a, T: Controller>(data: *mut c_void) -> &'a Inner<T> {
    // SAFETY: Per the function's safety requirements.
    unsafe { &*data.cast::<Inner<T>>() }
}

/// The `Inner<T>` registered with `ctlr`.
///
/// # Safety
///
/// `ctlr` must be a controller [`Registration::new`] allocated for `T`,
/// registered.
unsafe fn controller_inner<'a, T: Controller>(ctlr: *mut ffi::spi_controller) -> &'a Inner<T> {
    // SAFETY: `ctlr` is valid and its data is the `Inner<T>` given to
    // `oxdma_spi_alloc_host()`, alive while it is registered (caller).
    unsafe { inner::<T>(ffi::oxdma_spi_controller_data(ctlr)) }
}

/// The device state of `spi`, if set up.
///
/// # Safety
///
/// `spi` must be a device of the controller whose `Inner<T>` this is, and
/// the caller must hold the core's `io_mutex`, which serialises every
/// access to the state.
unsafe fn state<'a, T: Controller>(
    spi: *mut ffi::spi_device,
) -> Option<&'a UnsafeCell<DeviceState<T>>> {
    // SAFETY: `spi` is valid (caller).
    let p = unsafe { ffi::oxdma_spi_get_ctldata(spi) };
    // Only `Inner::install` sets it, to a leaked box, until
    // `cleanup_callback::<T>` or the next setup takes it back.
    // SAFETY: As above; the rest per the caller.
    NonNull::new(p.cast::<UnsafeCell<DeviceState<T>>>()).map(|p| unsafe { p.as_ref() })
}

fn errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

impl<T: Controller> Inner<T> {
    fn setup(&self, raw_spi: *mut ffi::spi_device) -> Result {
        // SAFETY: The core calls `setup` with `io_mutex` held, for a device
        // of this controller.
        let (existing, spi) = unsafe { (state::<T>(raw_spi), SpiDevice::from_raw(raw_spi)) };
        let Some(existing) = existing else {
            return self.first_setup(&spi);
        };
        // The state leaves the device while the driver sets it up again.
        // SAFETY: `raw_spi` is valid; `io_mutex` is held.
        unsafe { ffi::oxdma_spi_set_ctldata(raw_spi, core::ptr::null_mut()) };
        // SAFETY: The box `install` leaked, no longer reachable from the
        // device (above); `io_mutex` is held, so no reference to it is in use.
        let state = unsafe { KBox::from_raw(core::ptr::from_ref(existing).cast_mut()) };
        let DeviceState {
            data,
            native_cs_gpio: native,
        } = KBox::into_inner(state).into_inner();
        // SAFETY: `io_mutex` is held: no other reference is in use (type
        // invariant).
        let dma = unsafe { &mut *self.dma.get() };
        let r = self
            .driver
            .setup(&spi, dma.as_mut(), Some(data))
            .and_then(|data| self.install(&spi, data, native));
        if r.is_err() && native {
            // SAFETY: Set by `native_cs_gpio` at the first setup, given
            // back once: the device has no state any more.
            unsafe { ffi::oxdma_spi_put_native_cs_gpio(raw_spi) };
        }
        r
    }

    /// Gives `spi` its state; if that cannot be allocated, the driver
    /// cleans `data` up. With `io_mutex` held.
    fn install(&self, spi: &SpiDevice<'_>, data: T::DeviceData, native: bool) -> Result {
        let slot = match KBox::<UnsafeCell<DeviceState<T>>>::new_uninit(GFP_KERNEL) {
            Ok(slot) => slot,
            Err(e) => {
                // SAFETY: `io_mutex` is held: no other reference is in use
                // (type invariant).
                let dma = unsafe { &mut *self.dma.get() };
                self.driver.cleanup(data, dma.as_mut());
                return Err(e.into());
            }
        };
        let state = KBox::write(
            slot,
            UnsafeCell::new(DeviceState {
                data,
                native_cs_gpio: native,
            }),
        );
        // SAFETY: `spi` is valid; `cleanup_callback` or the next `setup`
        // takes the box back.
        unsafe { ffi::oxdma_spi_set_ctldata(spi.as_raw(), KBox::into_raw(state).cast()) };
        Ok(())
    }

    fn first_setup(&self, spi: &SpiDevice<'_>) -> Result {
        let native = self.native_cs_gpio(spi)?;
        let r = (|| {
            // Read again: the chip select may be a GPIO now.
            // SAFETY: `spi` is the valid device of this call.
            let spi = unsafe { SpiDevice::from_raw(spi.as_raw()) };
            // SAFETY: `setup` holds `io_mutex`: no other reference is in
            // use (type invariant).
            let dma = unsafe { &mut *self.dma.get() };
            let data = self.driver.setup(&spi, dma.as_mut(), None)?;
            self.install(&spi, data, native)
        })();
        if r.is_err() && native {
            // SAFETY: Set by `native_cs_gpio` above, given back once.
            unsafe { ffi::oxdma_spi_put_native_cs_gpio(spi.as_raw()) };
        }
        r
    }

    /// Makes a native chip select a GPIO if the driver asks for it, as
    /// `bcm2835_spi_setup()`; whether it did.
    fn native_cs_gpio(&self, spi: &SpiDevice<'_>) -> Result<bool> {
        if !T::NATIVE_CS_AS_GPIO || spi.mode().contains(super::Mode::NO_CS) || spi.has_cs_gpio() {
            return Ok(false);
        }
        if spi.chip_select() > 1 {
            dev_err!(
                spi.device(),
                "setup: only two native chip-selects are supported (reg = <{}>)\n",
                spi.chip_select()
            );
            return Err(EINVAL);
        }
        // SAFETY: `spi` is valid, being set up under `io_mutex`.
        let r = unsafe {
            ffi::oxdma_spi_get_native_cs_gpio(
                spi.as_raw(),
                spi.mode().contains(super::Mode::CS_HIGH),
            )
        };
        if r < 0 {
            let e = Error::from_errno(r);
            dev_err!(
                spi.device(),
                "setup: native chip select {} as GPIO: {:?}\n",
                spi.chip_select(),
                e
            );
            return Err(e);
        }
        if r > 0 {
            dev_info!(
                spi.device(),
                "setting up native-CS{} to use GPIO\n",
                spi.chip_select()
            );
        }
        Ok(r > 0)
    }
}

/// `oxdma_spi_ops.setup`.
///
/// # Safety
///
/// Called by the SPI core with the registered `data` and a device of the
/// controller, under `io_mutex`.
unsafe extern "C" fn setup_callback<T: Controller>(
    data: *mut c_void,
    spi: *mut ffi::spi_device,
) -> c_int {
    // SAFETY: The core calls back with the registered `data` and a device
    // of the controller, under `io_mutex`.
    errno(unsafe { inner::<T>(data) }.setup(spi))
}

/// `oxdma_spi_ops.cleanup`.
///
/// # Safety
///
/// Called by the C shim under `io_mutex`, with the registered `data` and a
/// device of the controller.
unsafe extern "C" fn cleanup_callback<T: Controller>(data: *mut c_void, spi: *mut ffi::spi_device) {
    // SAFETY: The C shim holds `io_mutex` around this call; `spi` is valid.
    let Some(s) = (unsafe { state::<T>(spi) }) else {
        return;
    };
    // SAFETY: `spi` is valid; the state is taken back from it here, once.
    unsafe { ffi::oxdma_spi_set_ctldata(spi, core::ptr::null_mut()) };
    // SAFETY: The box `Inner::install` leaked; no reference to it remains.
    let state = unsafe { KBox::from_raw(core::ptr::from_ref(s).cast_mut()) };
    let state = KBox::into_inner(state).into_inner();
    let native = state.native_cs_gpio;
    // The device's data goes first (it may sleep), then its GPIO.
    // SAFETY: The core calls back with the registered `data`.
    let inner = unsafe { inner::<T>(data) };
    // SAFETY: `io_mutex` is held: no other reference is in use (type
    // invariant of `Inner`).
    let dma = unsafe { &mut *inner.dma.get() };
    inner.driver.cleanup(state.data, dma.as_mut());
    if native {
        // SAFETY: Set by `native_cs_gpio`, given back once.
        unsafe { ffi::oxdma_spi_put_native_cs_gpio(spi) };
    }
}

/// `oxdma_spi_ops.prepare_message`, the controller's own.
///
/// # Safety
///
/// Called by the SPI core for a registered controller of
/// [`Registration::new`], with a message for one of its devices, under
/// `io_mutex`.
unsafe extern "C" fn prepare_message_callback<T: Controller>(
    ctlr: *mut ffi::spi_controller,
    msg: *mut ffi::spi_message,
) -> c_int {
    if !T::HAS_PREPARE_MESSAGE {
        return 0;
    }
    // SAFETY: Per the function's safety requirements: `msg` is valid, its
    // device one of `ctlr`'s, and `io_mutex` is held.
    let (inner, spi, s) = unsafe {
        let spi = ffi::oxdma_spi_message_device(msg);
        (
            controller_inner::<T>(ctlr),
            SpiDevice::from_raw(spi),
            state::<T>(spi),
        )
    };
    let Some(s) = s else {
        return EINVAL.to_errno();
    };
    // SAFETY: `io_mutex` is held: only shared references meanwhile.
    let d = unsafe { &(*s.get()).data };
    errno(inner.driver.prepare_message(spi, d))
}

/// `oxdma_spi_ops.transfer_one`, the controller's own.
///
/// # Safety
///
/// Called by the SPI core for a registered controller of
/// [`Registration::new`], with one of its devices and that device's current
/// transfer, under `io_mutex`.
unsafe extern "C" fn transfer_one_callback<T: Controller>(
    ctlr: *mut ffi::spi_controller,
    spi: *mut ffi::spi_device,
    xfer: *mut ffi::spi_transfer,
) -> c_int {
    // SAFETY: Per the function's safety requirements; the core completes
    // the transfer when this returns 0 (or fails it).
    let (inner, s, spi, xfer) = unsafe {
        (
            controller_inner::<T>(ctlr),
            state::<T>(spi),
            SpiDevice::from_raw(spi),
            Transfer::from_raw(xfer),
        )
    };
    let Some(s) = s else {
        return EINVAL.to_errno();
    };
    // SAFETY: `io_mutex` is held: only shared references meanwhile.
    let d = unsafe { &(*s.get()).data };
    // INVARIANT: `io_mutex` is held for the call, in which nothing else
    // reaches `dma` (type invariant of `Inner`).
    let dma = DmaSlot { cell: &inner.dma };
    errno(inner.driver.transfer_one(spi, d, xfer, dma))
}

/// `oxdma_spi_ops.handle_err`.
///
/// # Safety
///
/// Called by the SPI core with the registered `data`, under `io_mutex`.
unsafe extern "C" fn handle_err_callback<T: Controller>(
    data: *mut c_void,
    _msg: *mut ffi::spi_message,
) {
    if !T::HAS_HANDLE_ERR {
        return;
    }
    // SAFETY: The core calls back with the registered `data`.
    let inner = unsafe { inner::<T>(data) };
    // SAFETY: `io_mutex` is held: no other reference is in use (type
    // invariant of `Inner`).
    let dma = unsafe { &mut *inner.dma.get() };
    inner.driver.handle_err(dma.as_mut());
}

/// `oxdma_spi_ops.can_dma`, the controller's own.
///
/// # Safety
///
/// Called by the SPI core for a registered controller of
/// [`Registration::new`] with channels, with one of its devices and a
/// transfer of the message it maps, under `io_mutex`.
unsafe extern "C" fn can_dma_callback<T: Controller>(
    ctlr: *mut ffi::spi_controller,
    spi: *mut ffi::spi_device,
    xfer: *mut ffi::spi_transfer,
) -> bool {
    // The core asks for every transfer of every message: the short ones
    // are refused here, before the device's state is looked up.
    // SAFETY: `xfer` is valid (function safety requirements).
    if unsafe { Transfer::from_raw(xfer) }.len() < T::DMA_MIN_LEN {
        return false;
    }
    // SAFETY: Per the function's safety requirements.
    unsafe { can_dma_asked(controller_inner::<T>(ctlr), spi, xfer) }
}

/// The driver's answer to `can_dma` for a transfer that is long enough.
///
/// # Safety
///
/// As [`can_dma_callback`], for `inner`'s controller.
unsafe fn can_dma_asked<T: Controller>(
    inner: &Inner<T>,
    spi: *mut ffi::spi_device,
    xfer: *mut ffi::spi_transfer,
) -> bool {
    // SAFETY: Per the function's safety requirements.
    let (spi, xfer, s) = unsafe {
        (
            SpiDevice::from_raw(spi),
            Transfer::from_raw(xfer),
            state::<T>(spi),
        )
    };
    let Some(s) = s else {
        return false;
    };
    // SAFETY: `io_mutex` is held: only shared references meanwhile.
    let data = unsafe { &(*s.get()).data };
    inner.driver.can_dma(&spi, data, &xfer)
}
