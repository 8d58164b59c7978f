// SPDX-License-Identifier: GPL-2.0

//! The transfer a controller is moving (`struct spi_transfer`), its buffers
//! for the CPU ([`Pio`]) and its core-mapped tables for DMA ([`DmaSg`]).

use super::super::{
    dma_mapping::{DmaSgBuffer, FromDevice, MapDirection, ToDevice},
    dmaengine::consumer::Callback,
    ffi,
};
use super::SpiDma;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, new_spinlock_irq, prelude::*, sync::SpinLockIrq};

/// The current transfer of a message, lent to
/// [`super::Controller::transfer_one`] (or, read-only, to
/// [`super::Controller::can_dma`]) until it returns: the operation moves
/// all of it before returning. Its fields are read in place.
///
/// # Invariants
///
/// `raw` is the current transfer of the controller, valid for `'a`, whose
/// fields the core does not change meanwhile; the `len` bytes at `tx_buf`
/// (if not null) are readable and at `rx_buf` (if not null) writable for
/// `'a` (the client's promise to the SPI core); `tx_sg` if `tx_sg_mapped`
/// (`rx_sg` if `rx_sg_mapped`) is the table the core mapped the buffer in
/// for the controller's DMA channels, and then the device owns that buffer.
pub(crate) struct Transfer<'a> {
    raw: *mut ffi::spi_transfer,
    _p: PhantomData<&'a mut ffi::spi_transfer>,
}

impl Transfer<'_> {
    /// # Safety
    ///
    /// `raw` must be the controller's current transfer, valid while the
    /// result lives, as the type invariant states.
    pub(super) unsafe fn from_raw(raw: *mut ffi::spi_transfer) -> Self {
        // INVARIANT: Per the safety requirements.
        Self {
            raw,
            _p: PhantomData,
        }
    }

    /// The transfer's fields.
    fn fields(&self) -> &ffi::spi_transfer {
        // SAFETY: `raw` is valid and its fields unchanged while `self`
        // lives (type invariant).
        unsafe { &*self.raw }
    }

    /// The length in bytes (both directions).
    pub(crate) fn len(&self) -> usize {
        self.fields().len as usize
    }

    /// Whether the transfer has no bytes (the core does not pass those).
    pub(crate) fn is_empty(&self) -> bool {
        self.fields().len == 0
    }

    /// The requested clock rate in Hz (the device's, or the transfer's
    /// own `speed_hz`).
    pub(crate) fn speed_hz(&self) -> u32 {
        self.fields().speed_hz
    }

    /// Whether the client sends data (else the controller sends zeros).
    pub(crate) fn has_tx(&self) -> bool {
        !self.fields().tx_buf.is_null()
    }

    /// Whether the client receives data (else it is discarded).
    pub(crate) fn has_rx(&self) -> bool {
        !self.fields().rx_buf.is_null()
    }

    /// Whether the core mapped the buffers for DMA (`can_dma` said so).
    pub(crate) fn is_dma_mapped(&self) -> bool {
        self.fields().tx_sg_mapped || self.fields().rx_sg_mapped
    }

    /// The core-mapped tables, (TX, RX), each null unless mapped.
    fn tables(&self) -> (*mut bindings::sg_table, *mut bindings::sg_table) {
        let f = self.fields();
        // SAFETY: `raw` is valid (type invariant): field addresses.
        unsafe {
            (
                if f.tx_sg_mapped {
                    &raw mut (*self.raw).tx_sg
                } else {
                    core::ptr::null_mut()
                },
                if f.rx_sg_mapped {
                    &raw mut (*self.raw).rx_sg
                } else {
                    core::ptr::null_mut()
                },
            )
        }
    }

    /// Records the clock rate in Hz the controller ran at
    /// (`effective_speed_hz`).
    pub(crate) fn set_effective_speed_hz(&mut self, hz: u32) {
        // SAFETY: `raw` is valid (type invariant) and lent mutably; the core
        // reads this field after the operation.
        unsafe { (*self.raw).effective_speed_hz = hz };
    }

    /// Asks the core to unmap this DMA-mapped transfer and call
    /// `transfer_one` again without DMA (`SPI_TRANS_FAIL_NO_START`), for a
    /// controller that could not start the DMA transfer. Return the errno
    /// this gives from `transfer_one`; nothing may have been sent.
    pub(crate) fn retry_without_dma(&mut self) -> Error {
        // SAFETY: `raw` is valid (type invariant) and lent mutably.
        unsafe { ffi::oxdma_spi_transfer_fail_no_start(self.raw) };
        EAGAIN
    }

    /// The buffers for the CPU.
    ///
    /// # Errors
    ///
    /// `EBUSY` if the transfer is mapped for DMA: the device owns its
    /// buffers (use [`Self::dma`], or [`Self::retry_without_dma`]).
    pub(crate) fn pio(&mut self) -> Result<Pio<'_>> {
        if self.is_dma_mapped() {
            return Err(EBUSY);
        }
        // INVARIANT: The buffers are the transfer's, not mapped (above),
        // reachable while `self` is borrowed.
        let f = self.fields();
        Ok(Pio {
            tx: f.tx_buf.cast(),
            rx: f.rx_buf.cast(),
            len: self.len(),
            tx_pos: 0,
            rx_pos: 0,
            _p: PhantomData,
        })
    }

    /// Runs `f` with the controller's channels and the core-mapped tables
    /// of the transfer (`tx_sg` if it sends, `rx_sg` if it receives), to
    /// prepare and run the DMA transfers that move it. `f` cannot keep the
    /// tables: they are handed to DMA transfers, and come back when those
    /// finish or are aborted. If one is still owned when `f` returns (a
    /// leaked transfer), both channels are terminated and synchronised
    /// before this returns, so the core never unmaps under the engine.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the transfer is not mapped for DMA.
    pub(crate) fn dma<H: Callback, R>(
        &mut self,
        dma: &mut SpiDma<H>,
        f: impl for<'s> FnOnce(
            &SpiDma<H>,
            Option<DmaSg<'s, ToDevice>>,
            Option<DmaSg<'s, FromDevice>>,
        ) -> R,
    ) -> Result<R> {
        if !self.is_dma_mapped() {
            return Err(EINVAL);
        }
        let chans = [dma.tx().as_raw(), dma.rx().as_raw()];
        let (tx_sg, rx_sg) = self.tables();
        let tx_returned = AtomicBool::new(tx_sg.is_null());
        let rx_returned = AtomicBool::new(rx_sg.is_null());
        // INVARIANT: The core mapped `tx_sg` for the TX channel's DMA device
        // and `rx_sg` for the RX channel's (`spi_map_msg()`), until the
        // message is finalised, which waits for `transfer_one` to return.
        let tx = (!tx_sg.is_null()).then(|| DmaSg {
            sgt: tx_sg,
            dev: dma.tx().raw_dma_device(),
            chans,
            returned: &tx_returned,
            _dir: PhantomData,
        });
        let rx = (!rx_sg.is_null()).then(|| DmaSg {
            sgt: rx_sg,
            dev: dma.rx().raw_dma_device(),
            chans,
            returned: &rx_returned,
            _dir: PhantomData,
        });
        let r = f(dma, tx, rx);
        if !tx_returned.load(Ordering::Acquire) || !rx_returned.load(Ordering::Acquire) {
            dma.stop_leaked();
        }
        Ok(r)
    }
}

/// A transfer's buffers for the CPU: bytes to send, in order (zeros if
/// the client sends none) and bytes received, in order (dropped if it
/// receives none). Raw accesses, no references: a client may pass the
/// same buffer to send from and receive into.
///
/// # Invariants
///
/// `tx` (if not null) is readable and `rx` (if not null) writable for `len`
/// bytes while `'a` lasts, and no device uses them meanwhile;
/// `tx_pos, rx_pos <= len`.
pub(crate) struct Pio<'a> {
    tx: *const u8,
    rx: *mut u8,
    len: usize,
    tx_pos: usize,
    rx_pos: usize,
    _p: PhantomData<&'a mut [u8]>,
}

impl Pio<'_> {
    // The positions never pass `len` (type invariant): the arithmetic on
    // them cannot wrap, and is written without the overflow checks the
    // compiler cannot drop itself (a byte loop's hot path).

    /// Bytes still to send.
    pub(crate) fn tx_left(&self) -> usize {
        self.len.wrapping_sub(self.tx_pos)
    }

    /// Bytes still to receive.
    pub(crate) fn rx_left(&self) -> usize {
        self.len.wrapping_sub(self.rx_pos)
    }

    /// The next byte to send; `None` once all are sent.
    pub(crate) fn next_tx(&mut self) -> Option<u8> {
        if self.tx_pos == self.len {
            return None;
        }
        let b = if self.tx.is_null() {
            0
        } else {
            // SAFETY: `tx_pos < len`; `tx` is readable for `len` bytes
            // (type invariant).
            unsafe { self.tx.add(self.tx_pos).read() }
        };
        self.tx_pos = self.tx_pos.wrapping_add(1);
        Some(b)
    }

    /// Sends the next `n` bytes (at most those left) through `put`, called
    /// once per byte in order: a FIFO filled without asking how much room
    /// it has (`bcm2835_wr_fifo_blind()`).
    #[inline(always)]
    pub(crate) fn send(&mut self, n: usize, mut put: impl FnMut(u8)) {
        let n = n.min(self.tx_left());
        if self.tx.is_null() {
            for _ in 0..n {
                put(0);
            }
        } else {
            // SAFETY: `tx_pos + n <= len`; `tx` is readable for `len` bytes
            // (type invariant).
            let src = unsafe { self.tx.add(self.tx_pos) };
            for i in 0..n {
                // SAFETY: `i < n`, within the bytes above. A raw read, no
                // reference: `rx` may be the same buffer.
                put(unsafe { src.add(i).read() });
            }
        }
        self.tx_pos += n;
    }

    /// Receives the next `n` bytes (at most those left) from `get`, called
    /// once per byte in order: a FIFO read without asking how much it holds
    /// (`bcm2835_rd_fifo_blind()`).
    #[inline(always)]
    pub(crate) fn receive(&mut self, n: usize, mut get: impl FnMut() -> u8) {
        let n = n.min(self.rx_left());
        if self.rx.is_null() {
            for _ in 0..n {
                get();
            }
        } else {
            // SAFETY: `rx_pos + n <= len`; `rx` is writable for `len` bytes
            // (type invariant).
            let dst = unsafe { self.rx.add(self.rx_pos) };
            for i in 0..n {
                // SAFETY: `i < n`, within the bytes above. A raw write, no
                // reference: `tx` may be the same buffer.
                unsafe { dst.add(i).write(get()) };
            }
        }
        self.rx_pos += n;
    }

    /// Lends the buffers to `slot` while `wait` runs (e.g. until the
    /// interrupt handler moved the rest, [`PioSlot::with`]), then takes them
    /// back with the progress made: once this returns, no handler reaches
    /// them.
    ///
    /// # Errors
    ///
    /// `EBUSY` if `slot` holds another transfer's buffers.
    pub(crate) fn lend<R>(&mut self, slot: &PioSlot, wait: impl FnOnce() -> R) -> Result<R> {
        {
            let mut lent = slot.lent.lock();
            if lent.is_some() {
                return Err(EBUSY);
            }
            // INVARIANT: `self` stays borrowed until taken back below.
            *lent = Some(RawPio {
                tx: self.tx,
                rx: self.rx,
                len: self.len,
                tx_pos: self.tx_pos,
                rx_pos: self.rx_pos,
            });
        }
        let r = wait();
        if let Some(raw) = slot.lent.lock().take() {
            self.tx_pos = raw.tx_pos;
            self.rx_pos = raw.rx_pos;
        }
        Ok(r)
    }

    /// Records the next received byte; ignored once all are received.
    pub(crate) fn push_rx(&mut self, b: u8) {
        if self.rx_pos == self.len {
            return;
        }
        if !self.rx.is_null() {
            // SAFETY: `rx_pos < len`; `rx` is writable for `len` bytes
            // (type invariant).
            unsafe { self.rx.add(self.rx_pos).write(b) };
        }
        self.rx_pos = self.rx_pos.wrapping_add(1);
    }
}

/// A [`Pio`] while lent to an interrupt handler ([`Pio::lend`]).
struct RawPio {
    tx: *const u8,
    rx: *mut u8,
    len: usize,
    tx_pos: usize,
    rx_pos: usize,
}

// SAFETY: Only the buffer pointers, which `Pio::lend` keeps valid while the
// value is in its slot, whichever CPU the handler runs on.
unsafe impl Send for RawPio {}

/// Where a transfer's buffers are lent to the controller's interrupt
/// handler while the transfer waits for it ([`Pio::lend`]), as
/// `bcm2835_spi_interrupt()` moves the bytes in the handler.
///
/// # Invariants
///
/// A value in `lent` is the state of a [`Pio`] that [`Pio::lend`] borrows
/// mutably until it takes the value back.
#[pin_data]
pub(crate) struct PioSlot {
    #[pin]
    lent: SpinLockIrq<Option<RawPio>>,
}

impl PioSlot {
    /// An empty slot.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            lent <- new_spinlock_irq!(None, "PioSlot::lent"),
        })
    }

    /// Runs `f` with the buffers lent now, if any (from the interrupt
    /// handler; interrupts off, under the slot's lock).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Pio<'_>) -> R) -> Option<R> {
        let mut lent = self.lent.lock();
        let raw = Option::as_mut(&mut *lent)?;
        // INVARIANT: The lent buffers are valid until `Pio::lend` takes them
        // back, which needs the lock held here; the `Pio` ends with `f`.
        let mut pio = Pio {
            tx: raw.tx,
            rx: raw.rx,
            len: raw.len,
            tx_pos: raw.tx_pos,
            rx_pos: raw.rx_pos,
            _p: PhantomData,
        };
        let r = f(&mut pio);
        raw.tx_pos = pio.tx_pos;
        raw.rx_pos = pio.rx_pos;
        Some(r)
    }
}

/// A core-mapped table of the current transfer, in direction `D`, which a
/// DMA transfer on one of the controller's two channels may own
/// ([`super::super::dmaengine::consumer::DmaChannel::prep_slave_sg`]).
/// Exists only inside [`Transfer::dma`].
///
/// # Invariants
///
/// `sgt` is mapped for `dev` in `D` until the closure of [`Transfer::dma`]
/// returns and, if this value is leaked, until the channels `chans` are
/// terminated (which `Transfer::dma` does); `returned` is set on drop.
pub(crate) struct DmaSg<'s, D: MapDirection> {
    sgt: *mut bindings::sg_table,
    dev: *mut bindings::device,
    chans: [*mut ffi::dma_chan; 2],
    returned: &'s AtomicBool,
    _dir: PhantomData<D>,
}

// SAFETY: The pointers are to C objects usable from any thread; the flag is
// atomic.
unsafe impl<D: MapDirection> Send for DmaSg<'_, D> {}

impl<D: MapDirection> Drop for DmaSg<'_, D> {
    fn drop(&mut self) {
        self.returned.store(true, Ordering::Release);
    }
}

// SAFETY: Per the type invariant: mapped while it lives; if leaked,
// `Transfer::dma` terminates the channels it is usable on before the core
// unmaps it. The CPU does not reach the buffer while it is mapped
// (`Transfer::pio` refuses).
unsafe impl<D: MapDirection> DmaSgBuffer for DmaSg<'_, D> {
    const DEVICE_READS: bool = D::DEVICE_READS;
    const DEVICE_WRITES: bool = D::DEVICE_WRITES;

    fn raw_device(&self) -> *mut bindings::device {
        self.dev
    }

    fn raw_entries(&self) -> (*mut bindings::scatterlist, u32) {
        // SAFETY: `sgt` is a mapped table (type invariant).
        unsafe { ((*self.sgt).sgl, (*self.sgt).nents) }
    }

    fn usable_on(&self, chan: *mut ffi::dma_chan) -> bool {
        self.chans.contains(&chan)
    }
}
