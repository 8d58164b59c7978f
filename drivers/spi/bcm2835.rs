// SPDX-License-Identifier: GPL-2.0

//! BCM2835 SPI0 controller: an SPI controller driver for the
//! `brcm,bcm2835-spi` node, a drop-in for `drivers/spi/spi-bcm2835.c`, and
//! oxdma's dmaengine client. It requests its channels by DT `dma-names`
//! ("tx", "rx") and moves transfers as the C driver chooses: polling for
//! those shorter than 30 µs, DMA through the SPI core's scatter-gather
//! mappings from 96 bytes, interrupts otherwise. DMA-only words come from a
//! coherent buffer (the zeros sent by receive-only transfers) and from a
//! streaming mapping per device (the `CS` value that clears the RX FIFO
//! during send-only transfers).
//!
//! Unlike the C driver, `transfer_one` waits for its transfer itself: in
//! interrupt mode it lends the transfer's `Pio` (the SPI abstraction's
//! cursors over its buffers) to the handler through a `PioSlot` and takes
//! it back before returning, so no buffer outlives the call. A DMA-mapped
//! transfer whose first scatter-gather entry is not a multiple of 4 bytes
//! (a vmalloc'ed buffer starting mid-page) is retried by the core without
//! DMA, where the C driver sends a few bytes by PIO first.
//!
//! Source: BCM2835 ARM Peripherals, chapter 10 (SPI).

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    clk::Clk,
    debugfs::{Dir, File},
    device::{self, Core},
    irq::{self, IrqReturn},
    of, platform,
    prelude::*,
    str::CString,
    sync::Arc,
    time::{Instant, Monotonic},
};

// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;
#[path = "bcm2835/regs.rs"]
mod regs;

use bindings::{
    completion::Completion,
    dma_mapping::{sg_segments, CoherentBuf, FromDevice, Streaming, ToDevice},
    dmaengine::{
        consumer::{Callback, DmaChannel, ReusableKey},
        Completion as DmaCompletion, PrepFlags, TransferDirection, TxResult,
    },
    mmio::{MmioWindow, Regs},
    platform::request_irq,
    spi::{
        Controller, DmaSlot, Limits, Mode, Pio, PioSlot, Registration, Side, SpiDevice, SpiDma,
        Transfer,
    },
};
use regs::cs;

/// Transfers shorter than this run in polling mode (µs on the wire;
/// `polling_limit_us` of the C driver).
const POLLING_LIMIT_US: u32 = 30;
/// Longest transfer in bytes: DLEN is 16 bits, kept a multiple of 4.
const MAX_DMA_LEN: usize = 65532;
/// Added to a transfer's time on the wire before it times out (ms).
const TIMEOUT_SLACK_MS: u64 = 200;

/// Wakes `transfer_one` from a DMA completion callback or the interrupt.
#[pin_data]
struct Wake {
    #[pin]
    done: Completion,
    /// The last DMA completion failed.
    failed: core::sync::atomic::AtomicBool,
}

impl Wake {
    fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                done <- Completion::new(),
                failed: core::sync::atomic::AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )
    }

    fn arm(&self) {
        self.failed.store(false, Ordering::Relaxed);
        self.done.reinit();
    }
}

impl Callback for Wake {
    fn complete(&self, c: DmaCompletion) {
        if c.result != TxResult::Ok {
            self.failed.store(true, Ordering::Relaxed);
        }
        self.done.complete();
    }
}

/// Moves bytes between the FIFOs and `pio`: reads what the RX FIFO holds,
/// writes what the TX FIFO takes (`bcm2835_rd_fifo()`, `bcm2835_wr_fifo()`).
#[inline(always)]
fn pump_fifo(regs: &SpiRegs, pio: &mut Pio<'_>) {
    while pio.rx_left() > 0 && regs.read32(regs::CS) & cs::RXD != 0 {
        pio.push_rx(regs.read32(regs::FIFO) as u8);
    }
    while pio.tx_left() > 0 && regs.read32(regs::CS) & cs::TXD != 0 {
        regs.write32(pio.next_tx().unwrap_or(0).into(), regs::FIFO);
    }
}

/// SPI0's registers.
type SpiRegs = Regs<{ regs::WINDOW }>;

/// The controller interrupt (`bcm2835_spi_interrupt()`): moves the bytes
/// of the transfer lent to it; once all are received, or if none is lent,
/// masks the FIFO interrupts and wakes the transfer.
struct SpiIrq {
    regs: SpiRegs,
    wake: Arc<Wake>,
    pio: Arc<PioSlot>,
}

impl irq::Handler for SpiIrq {
    fn handle(&self) -> IrqReturn {
        let c = self.regs.read32(regs::CS);
        // Shared line: not ours unless our interrupts are enabled.
        if c & cs::INTR == 0 {
            return IrqReturn::None;
        }
        let more = self.pio.with(|pio| {
            // As `bcm2835_spi_interrupt()`: what CS says is there, without
            // asking byte by byte, then the rest.
            let ready = if c & cs::RXF != 0 {
                regs::FIFO_SIZE
            } else if c & cs::RXR != 0 {
                regs::FIFO_SIZE * 3 / 4
            } else {
                0
            };
            pio.receive(ready, || self.regs.read32(regs::FIFO) as u8);
            if c & cs::DONE != 0 {
                pio.send(regs::FIFO_SIZE, |b| self.regs.write32(b.into(), regs::FIFO));
            }
            pump_fifo(&self.regs, pio);
            pio.rx_left() > 0
        });
        if more != Some(true) {
            self.regs
                .write32(c & cs::CONTROL & !(cs::INTR | cs::INTD), regs::CS);
            self.wake.done.complete();
        }
        IrqReturn::Handled
    }
}

/// A busy-wait's clock, read every 64 rounds from the 64th on: reading it
/// costs more than a round, and most waits end before.
#[derive(Default)]
struct Lazy {
    rounds: u32,
    start: Option<Instant<Monotonic>>,
}

impl Lazy {
    /// Counts a round; whether more than `us` µs passed since the 64th.
    fn micros_past(&mut self, us: i64) -> bool {
        self.rounds = self.rounds.wrapping_add(1);
        if self.rounds % 64 != 0 {
            return false;
        }
        let start = *self.start.get_or_insert_with(Instant::now);
        start.elapsed().as_micros_ceil() > us
    }
}

/// Per-mode transfer counts, in debugfs as the C driver's.
struct Counters {
    _dir: Dir,
    polling: Pin<KBox<File<AtomicU64>>>,
    irq: Pin<KBox<File<AtomicU64>>>,
    irq_after_polling: Pin<KBox<File<AtomicU64>>>,
    dma: Pin<KBox<File<AtomicU64>>>,
}

impl Counters {
    fn new(name: &CStr) -> Result<Self> {
        let dir = Dir::new(name);
        let file = |n| KBox::pin_init(dir.read_only_file(n, AtomicU64::new(0)), GFP_KERNEL);
        Ok(Self {
            polling: file(c"count_transfer_polling")?,
            irq: file(c"count_transfer_irq")?,
            irq_after_polling: file(c"count_transfer_irq_after_polling")?,
            dma: file(c"count_transfer_dma")?,
            _dir: dir,
        })
    }
}

/// Counts a transfer. Transfers are serialised (the core's `io_mutex`), so
/// a load and a store do, wrapping as the C driver's plain increments.
fn count(c: &Pin<KBox<File<AtomicU64>>>) {
    c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// The serial clock for a requested rate: what `bcm2835_spi_transfer_one()`
/// computes for each transfer.
#[derive(Clone, Copy)]
struct SpiClock {
    /// The rate asked for, in Hz.
    hz: u32,
    /// `CLK.CDIV`: the core clock divided by it, or 0 for 65536.
    cdiv: u32,
    /// The rate it gives, in Hz.
    rate: u32,
    /// Transfers shorter than this many bytes are polled.
    polling_bytes: usize,
}

/// Per-device state (`struct bcm2835_spidev`).
struct SpiDev {
    /// The clock at the device's `max_speed_hz`, which most of its
    /// transfers ask for: computed at setup, not per transfer.
    clock: SpiClock,
    /// `CS` for its messages: mode and chip select, not yet active.
    prepare_cs: u32,
    /// Data in and out on one line (`SPI_3WIRE`).
    three_wire: bool,
    /// The RX channel's reusable loop that writes the device's clear-RX
    /// `CS` word (a streaming mapping) during send-only DMA transfers.
    clear_rx: Option<ReusableKey>,
}

/// The controller (`struct bcm2835_spi`).
struct Bcm2835Spi {
    regs: SpiRegs,
    wake: Arc<Wake>,
    /// The interrupt-mode transfer's buffers, lent to the handler.
    pio: Arc<PioSlot>,
    /// Core clock in Hz, divided for the serial clock.
    clk_hz: u32,
    /// The TX channel's reusable loop that sends zeros (a coherent word)
    /// during receive-only DMA transfers.
    fill: Option<ReusableKey>,
    counters: Counters,
}

impl Bcm2835Spi {
    /// `bcm2835_spi_reset_hw()`: interrupts, DMA and the transfer off,
    /// FIFOs cleared, DONE written (erratum), DLEN 0.
    fn reset_hw(&self) {
        let c = self.regs.read32(regs::CS) & cs::CONTROL;
        let c = (c & !(cs::INTR | cs::INTD | cs::DMAEN | cs::TA))
            | cs::DONE
            | cs::CLEAR_RX
            | cs::CLEAR_TX;
        self.regs.write32(c, regs::CS);
        self.regs.write32(0, regs::DLEN);
    }

    /// The clock for `hz` (`CDIV` even, rounded up, as the C driver).
    fn clock(&self, hz: u32) -> SpiClock {
        let clk = u64::from(self.clk_hz);
        let cdiv = if hz >= self.clk_hz / 2 {
            2
        } else if hz != 0 {
            // At most `clk_hz`: no overflow in 64 bits.
            let d = clk.div_ceil(u64::from(hz));
            let d = d + d % 2;
            if d >= 65536 {
                0
            } else {
                d
            }
        } else {
            0
        };
        let rate = clk.checked_div(cdiv).unwrap_or(clk / 65536) as u32;
        // 9 bit times per byte on the wire.
        let hz_per_byte = 9 * 1_000_000 / POLLING_LIMIT_US;
        SpiClock {
            hz,
            cdiv: cdiv as u32,
            rate,
            polling_bytes: (rate / hz_per_byte) as usize,
        }
    }

    /// The clock of a transfer of `dev` at `hz`.
    fn clock_for(&self, dev: &SpiDev, hz: u32) -> SpiClock {
        if hz == dev.clock.hz {
            dev.clock
        } else {
            self.clock(hz)
        }
    }

    /// How long `len` bytes at `rate` Hz may take, in ms.
    fn timeout_ms(len: usize, rate: u32) -> u32 {
        let wire = 2 * 8 * 1000 * len as u64 / u64::from(rate.max(1));
        (wire + TIMEOUT_SLACK_MS).min(u64::from(u32::MAX)) as u32
    }

    /// Polling mode (`bcm2835_spi_transfer_one_poll()`), falling back to
    /// interrupts after 20 ms (2 jiffies at HZ=100, the C driver's least).
    fn transfer_poll(&self, xfer: &mut Transfer<'_>, c: u32, rate: u32) -> Result {
        count(&self.counters.polling);
        let len = xfer.len();
        let mut pio = xfer.pio()?;
        self.regs.write32(c | cs::TA, regs::CS);
        // The FIFO is empty after a reset: fill it without asking.
        pio.send(regs::FIFO_SIZE, |b| self.regs.write32(b.into(), regs::FIFO));
        let limit_us = i64::from(POLLING_LIMIT_US) + 20_000;
        let mut clock = Lazy::default();
        while pio.rx_left() > 0 {
            pump_fifo(&self.regs, &mut pio);
            if pio.rx_left() > 0 && clock.micros_past(limit_us) {
                count(&self.counters.irq_after_polling);
                return self.transfer_irq(&mut pio, c, len, rate);
            }
        }
        self.reset_hw();
        Ok(())
    }

    /// Interrupt mode (`bcm2835_spi_transfer_one_irq()`): the handler
    /// wakes this thread, which moves the bytes.
    fn transfer_irq(&self, pio: &mut Pio<'_>, c: u32, len: usize, rate: u32) -> Result {
        count(&self.counters.irq);
        let timeout = Self::timeout_ms(len, rate);
        // The FIFO filled with interrupts off, then the handler moves the
        // rest.
        self.regs.write32(c | cs::TA, regs::CS);
        pump_fifo(&self.regs, pio);
        if pio.rx_left() > 0 {
            let woken = pio.lend(&self.pio, || {
                self.wake.arm();
                self.regs
                    .write32(c | cs::TA | cs::INTR | cs::INTD, regs::CS);
                self.wake.done.wait_timeout_ms(timeout)
            })?;
            if !woken || pio.rx_left() > 0 {
                self.reset_hw();
                pr_err!(
                    "oxdma_spi: transfer of {} bytes timed out in interrupt mode ({} left)\n",
                    len,
                    pio.rx_left()
                );
                return Err(ETIMEDOUT);
            }
        }
        self.reset_hw();
        Ok(())
    }

    /// DMA mode (`bcm2835_spi_transfer_one_dma()`), on the core-mapped
    /// tables.
    fn transfer_dma(
        &self,
        spi: &SpiDevice<'_>,
        dev: &SpiDev,
        xfer: &mut Transfer<'_>,
        dma: &mut SpiDma<Wake>,
        c: u32,
        rate: u32,
    ) -> Result {
        let len = xfer.len();
        let r = xfer.dma(dma, |chans, tx, rx| -> Result<bool> {
            // The engine moves whole words per entry: only the last entry
            // may end mid-word.
            let words = |segs: &mut dyn Iterator<Item = usize>| {
                let mut prev_odd = false;
                for l in segs {
                    if prev_odd {
                        return false;
                    }
                    prev_odd = l % 4 != 0;
                }
                true
            };
            let tx_ok = tx
                .as_ref()
                .is_none_or(|s| words(&mut sg_segments(s).map(|(_, l)| l)));
            let rx_ok = rx
                .as_ref()
                .is_none_or(|s| words(&mut sg_segments(s).map(|(_, l)| l)));
            if !tx_ok || !rx_ok {
                return Ok(false);
            }
            count(&self.counters.dma);
            let r = self.run_dma(spi, dev, chans, tx, rx, c, len, rate);
            self.reset_hw();
            r?;
            Ok(true)
        })??;
        if !r {
            return Err(xfer.retry_without_dma());
        }
        Ok(())
    }

    /// Runs the DMA transfers of one SPI transfer and waits for them; the
    /// caller resets the block after.
    #[allow(clippy::too_many_arguments)]
    fn run_dma(
        &self,
        spi: &SpiDevice<'_>,
        dev: &SpiDev,
        chans: &SpiDma<Wake>,
        tx: Option<bindings::spi::DmaSg<'_, ToDevice>>,
        rx: Option<bindings::spi::DmaSg<'_, FromDevice>>,
        c: u32,
        len: usize,
        rate: u32,
    ) -> Result {
        let has_rx = rx.is_some();
        let (Some(fill), Some(clear)) = (self.fill, dev.clear_rx) else {
            return Err(ENODEV);
        };
        let waiter = if has_rx {
            chans.rx().callback()
        } else {
            chans.tx().callback()
        };
        waiter.arm();

        // TX first, as `bcm2835_spi_transfer_one_dma()`: data, or zeros for
        // a receive-only transfer; the engine starts on it while the RX
        // side is set up.
        let (_tx_data, _tx_fill) = match tx {
            Some(sg) => {
                let flags = if has_rx {
                    PrepFlags(0)
                } else {
                    PrepFlags::INTERRUPT
                };
                let t = chans
                    .tx()
                    .prep_slave_sg(sg, TransferDirection::MemToDev, flags)?
                    .submit()?;
                (Some(t), None)
            }
            None => (None, Some(chans.tx().run_reusable(fill)?)),
        };
        self.regs.write32(len as u32, regs::DLEN);
        self.regs.write32(c | cs::TA | cs::DMAEN, regs::CS);
        chans.tx().issue_pending();

        // Then RX: data, or the CS word that discards it. Until it runs the
        // FIFOs fill and the block waits. On failure the TX side stops as
        // it drops.
        let (_rx_data, _rx_clear) = match rx {
            Some(sg) => {
                let t = chans
                    .rx()
                    .prep_slave_sg(
                        sg,
                        TransferDirection::DevToMem,
                        PrepFlags::INTERRUPT | PrepFlags::ACK,
                    )?
                    .submit()?;
                (Some(t), None)
            }
            None => (None, Some(chans.rx().run_reusable(clear)?)),
        };
        chans.rx().issue_pending();

        let timeout = Self::timeout_ms(len, rate);
        let mut result = if waiter.done.wait_timeout_ms(timeout) {
            if waiter.failed.load(Ordering::Relaxed) {
                dev_err!(spi.device(), "DMA transfer of {} bytes failed\n", len);
                Err(EIO)
            } else {
                Ok(())
            }
        } else {
            dev_err!(spi.device(), "DMA transfer of {} bytes timed out\n", len);
            Err(ETIMEDOUT)
        };
        if result.is_ok() && !has_rx {
            // `bcm2835_spi_dma_tx_done()`: the TX DMA is done, the FIFO
            // may not be; keep clearing RX until the block is idle.
            let mut clock = Lazy::default();
            while self.regs.read32(regs::CS) & cs::DONE == 0 {
                self.regs.write32(clear_rx_cs(c), regs::CS);
                if clock.micros_past(i64::from(timeout) * 1000) {
                    dev_err!(
                        spi.device(),
                        "TX FIFO of a {}-byte transfer did not drain\n",
                        len
                    );
                    result = Err(ETIMEDOUT);
                    break;
                }
            }
        }
        // Returning drops the RX side, then the TX side: what still runs
        // (the zero-fill or clear-RX loop, or everything after an error)
        // stops, as dropping a run or an unfinished transfer terminates its
        // channel.
        result
    }
}

/// The clear-RX `CS` word of a device whose `CS` is `c`, mapped for `dev`
/// (`bcm2835_spi_setup_dma()`'s `dma_map_single()`).
fn clear_rx_word(dev: &device::Device<device::Bound>, c: u32) -> Result<Streaming<ToDevice>> {
    let mut v = KVec::with_capacity(4, GFP_KERNEL)?;
    v.extend_from_slice(&clear_rx_cs(c).to_le_bytes(), GFP_KERNEL)?;
    Streaming::new(dev, v)
}

/// The `CS` word that clears the RX FIFO during a send-only DMA transfer,
/// for a device whose `CS` is `c`.
fn clear_rx_cs(c: u32) -> u32 {
    c | cs::TA | cs::DMAEN | cs::CLEAR_RX
}

#[vtable]
impl Controller for Bcm2835Spi {
    type DeviceData = SpiDev;
    type Callback = Wake;
    const NATIVE_CS_AS_GPIO: bool = true;
    /// `BCM2835_SPI_DMA_MIN_LENGTH`.
    const DMA_MIN_LEN: usize = 96;

    fn setup(
        &self,
        spi: &SpiDevice<'_>,
        dma: Option<&mut SpiDma<Wake>>,
        old: Option<SpiDev>,
    ) -> Result<SpiDev> {
        let mode = spi.mode();
        let mut c = if spi.has_cs_gpio() || mode.contains(Mode::NO_CS) {
            // The core drives the chip select: park the native one.
            cs::CS_MASK
        } else {
            let n = spi.chip_select();
            let mut c = u32::from(n) & cs::CS_MASK;
            if mode.contains(Mode::CS_HIGH) {
                c |= cs::CSPOL | cs::cspol(n);
            }
            c
        };
        if mode.contains(Mode::CPOL) {
            c |= cs::CPOL;
        }
        if mode.contains(Mode::CPHA) {
            c |= cs::CPHA;
        }
        // The clear-RX loop for this mode: the old one goes.
        let clear_rx = match dma {
            None => None,
            Some(dma) => {
                if let Some(key) = old.and_then(|o| o.clear_rx) {
                    dma.remove_reusable(Side::Rx, key)?;
                }
                let word = dma.rx().with_dma_device(|d| clear_rx_word(d, c))??;
                Some(dma.add_reusable_cyclic(
                    Side::Rx,
                    word,
                    4,
                    TransferDirection::MemToDev,
                    PrepFlags(0),
                )?)
            }
        };
        Ok(SpiDev {
            clock: self.clock(spi.max_speed_hz()),
            prepare_cs: c,
            three_wire: mode.contains(Mode::THREE_WIRE),
            clear_rx,
        })
    }

    fn cleanup(&self, dev: SpiDev, dma: Option<&mut SpiDma<Wake>>) {
        if let (Some(dma), Some(key)) = (dma, dev.clear_rx) {
            let _ = dma.remove_reusable(Side::Rx, key);
        }
    }

    fn prepare_message(&self, _spi: SpiDevice<'_>, dev: &SpiDev) -> Result {
        // Clock polarity before the core asserts chip select.
        self.regs.write32(dev.prepare_cs, regs::CS);
        Ok(())
    }

    fn transfer_one(
        &self,
        spi: SpiDevice<'_>,
        dev: &SpiDev,
        mut xfer: Transfer<'_>,
        mut dma: DmaSlot<'_, Wake>,
    ) -> Result {
        let SpiClock {
            cdiv,
            rate,
            polling_bytes,
            ..
        } = self.clock_for(dev, xfer.speed_hz());
        xfer.set_effective_speed_hz(rate);
        self.regs.write32(cdiv, regs::CLK);
        let mut c = dev.prepare_cs;
        if dev.three_wire && xfer.has_rx() {
            c |= cs::REN;
        }
        if xfer.is_dma_mapped() {
            if let Some(dma) = dma.get() {
                return self.transfer_dma(&spi, dev, &mut xfer, dma, c, rate);
            }
        }
        if xfer.len() < polling_bytes {
            return self.transfer_poll(&mut xfer, c, rate);
        }
        let len = xfer.len();
        let mut pio = xfer.pio()?;
        self.transfer_irq(&mut pio, c, len, rate)
    }

    fn handle_err(&self, dma: Option<&mut SpiDma<Wake>>) {
        if let Some(dma) = dma {
            let _ = dma.terminate();
        }
        self.reset_hw();
    }

    fn can_dma(&self, _spi: &SpiDevice<'_>, dev: &SpiDev, xfer: &Transfer<'_>) -> bool {
        // At least `DMA_MIN_LEN` bytes (asked of no shorter one), and not
        // polled (the C driver maps those, then polls).
        dev.clear_rx.is_some() && xfer.len() >= self.clock_for(dev, xfer.speed_hz()).polling_bytes
    }
}

kernel::of_device_table!(
    OF_TABLE,
    <Bcm2835SpiDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"brcm,bcm2835-spi"), ())]
);

struct Bcm2835SpiDriver;

/// Driver data: the registration goes first on unbind (the core stops
/// using the controller), then the clock is stopped.
struct Driver {
    reg: Registration<Bcm2835Spi>,
    clk: Clk,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let ctl = self.reg.driver();
        // Clear the FIFOs and leave the block idle, as the C remove.
        ctl.regs.write32(cs::CLEAR_RX | cs::CLEAR_TX, regs::CS);
        self.clk.disable_unprepare();
    }
}

/// The channel named `name`, configured for the FIFO; `Ok(None)` (PIO)
/// if the DT has none or the provider refuses, with the reason.
fn request_dma(
    dev: &device::Device<device::Bound>,
    regs: &Arc<MmioWindow>,
) -> Result<Option<(SpiDma<Wake>, ReusableKey)>> {
    let setup = || -> Result<(SpiDma<Wake>, ReusableKey)> {
        let mut tx = DmaChannel::request(dev, c"tx", Wake::new()?)?;
        let mut rx = DmaChannel::request(dev, c"rx", Wake::new()?)?;
        // Unbound before the provider, probed again after it.
        tx.link_provider(dev)?;
        rx.link_provider(dev)?;
        tx.config_device_register(TransferDirection::MemToDev, regs.clone(), regs::FIFO, 4, 0)?;
        rx.config_device_register(TransferDirection::DevToMem, regs.clone(), regs::FIFO, 4, 0)?;
        // The RX channel also writes CS, to clear the RX FIFO.
        rx.config_device_register(TransferDirection::MemToDev, regs.clone(), regs::CS, 4, 0)?;
        // The zeros of receive-only transfers, sent again and again.
        let zero = tx.with_dma_device(|d| CoherentBuf::<u32>::zeroed(d, 1))??;
        let fill = tx.add_reusable_cyclic(zero, 4, TransferDirection::MemToDev, PrepFlags(0))?;
        Ok((SpiDma::new(tx, rx), fill))
    };
    match setup() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e == EPROBE_DEFER => Err(e),
        Err(e) if e == ENODEV => {
            dev_info!(
                dev,
                "no DMA channels in the DT (dmas): not using DMA mode\n"
            );
            Ok(None)
        }
        Err(e) => {
            dev_info!(dev, "DMA channels unusable ({:?}): not using DMA mode\n", e);
            Ok(None)
        }
    }
}

fn probe(pdev: &platform::Device<Core<'_>>) -> Result<Driver> {
    let dev: &device::Device<device::Bound> = pdev.as_ref();
    let window = Arc::new(MmioWindow::request(dev, 0, c"oxdma_spi")?, GFP_KERNEL)?;
    let len = window.len();
    let regs = SpiRegs::new(window.clone())
        .inspect_err(|_| dev_err!(dev, "reg: window of {} bytes, need {}\n", len, regs::WINDOW))?;
    let clk = Clk::get(dev, None).inspect_err(|e| dev_err!(dev, "could not get clk: {:?}\n", e))?;
    clk.prepare_enable()?;
    let clk_hz = u32::try_from(clk.rate().as_hz()).unwrap_or(u32::MAX);
    if clk_hz == 0 {
        clk.disable_unprepare();
        dev_err!(dev, "core clock rate is 0\n");
        return Err(EINVAL);
    }
    let r = (|| {
        let irq = pdev.irq_by_index(0)?;
        let dma = request_dma(dev, &window)?;
        let wake = Wake::new()?;
        let pio = Arc::pin_init(PioSlot::new(), GFP_KERNEL)?;
        let name = CString::try_from_fmt(fmt!("oxdma_spi-{}", dev.name()))?;
        let (dma, fill) = match dma {
            Some((d, f)) => (Some(d), Some(f)),
            None => (None, None),
        };
        let ctl = Bcm2835Spi {
            regs,
            wake: wake.clone(),
            pio: pio.clone(),
            clk_hz,
            fill,
            counters: Counters::new(&name)?,
        };
        // Initialise the block with the default polarities.
        ctl.regs.write32(cs::CLEAR_RX | cs::CLEAR_TX, regs::CS);
        request_irq(
            dev,
            irq,
            true,
            c"oxdma_spi",
            SpiIrq {
                regs: SpiRegs::new(window.clone())?,
                wake,
                pio,
            },
        )?;
        let limits = Limits {
            mode_bits: (Mode::CPOL | Mode::CPHA | Mode::CS_HIGH | Mode::NO_CS | Mode::THREE_WIRE)
                .bits(),
            bits_per_word_mask: 1 << (8 - 1),
            num_chipselect: 3,
            max_speed_hz: clk_hz / 2,
            min_speed_hz: 0,
            max_transfer_size: dma.as_ref().map(|_| MAX_DMA_LEN),
        };
        let with_dma = dma.is_some();
        let reg = Registration::new(dev, ctl, &limits, dma)?;
        dev_info!(
            dev,
            "SPI0 at {} Hz core clock, {}\n",
            clk_hz,
            if with_dma {
                "DMA mode from 96 bytes"
            } else {
                "PIO only"
            }
        );
        Ok(reg)
    })();
    match r {
        Ok(reg) => Ok(Driver { reg, clk }),
        Err(e) => {
            clk.disable_unprepare();
            Err(e)
        }
    }
}

impl platform::Driver for Bcm2835SpiDriver {
    type IdInfo = ();
    type Data<'bound> = Driver;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound ()>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev)
    }
}

kernel::module_platform_driver! {
    type: Bcm2835SpiDriver,
    name: "oxdma_spi",
    authors: ["oxdma developers"],
    description: "BCM2835 SPI0 controller (Rust, dmaengine client)",
    license: "GPL",
}
