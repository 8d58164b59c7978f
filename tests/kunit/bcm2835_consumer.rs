// SPDX-License-Identifier: GPL-2.0

//! The consumer API against the Rust BCM2835 DMA provider (`oxdma_bcm2835`)
//! on the emulator's DREQ-paced DMA model, through the DT test client
//! `oxdma,bcm2835-dma-test-client` (`dts/bcm2837-rpi-3-b-oxdma.dts`): its
//! channels "tx" (DREQ 6), "rx" (DREQ 7) and "unpaced" (DREQ 0), and two
//! register windows it reserves while a case runs.
//!
//! Pacing: SPI0, with no SPI driver bound, in DMA mode as a paced FIFO
//! (`spi0.rs`). A TX cyclic (MEM_TO_DEV to the FIFO)
//! and an RX cyclic (DEV_TO_MEM from it) run together; the case grants
//! bytes through DLEN, the way a shift clock would let them out, and every
//! byte granted goes TX ring -> TX FIFO -> RX FIFO -> RX ring. Once a grant
//! is used up, the RX ring holds every byte sent and the TX ring leads by
//! what the TX FIFO holds (36 bytes with the reset thresholds): both
//! channels are held by their DREQs at known positions, so residues and
//! callback counts are exact.
//!
//! The register window of DMA channel 15 (not one the provider drives)
//! accepts aligned 32-bit accesses only: a DMA read of the word at offset
//! 2 is rejected by the bus (DEBUG.READ_ERROR).
//!
//! Checks fail a case by returning an error (`ensure!`), so that the
//! transfers, channels and windows are dropped (terminated, released)
//! before the next case: a KUnit assertion would end the case without
//! running destructors, leaving transfers running on the SPI FIFO.

use super::bindings::{
    dma_mapping::{CoherentBuf, FromDevice, Streaming},
    dmaengine::{
        consumer::{Callback, DmaChannel, Transfer},
        Completion, PrepFlags, Status, TransferDirection, TxResult,
    },
    mmio::MmioWindow,
    of_device,
};
use super::spi0::{reg as spi, Spi};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    device, io_read, io_write,
    prelude::*,
    sync::{aref::ARef, Arc},
    time::{delay::fsleep, Delta},
};

/// Fails the case (returns `EINVAL`) with a message if `cond` is false.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            pr_err!(
                "bcm2835_consumer.rs:{}: `{}` failed: {}\n",
                line!(),
                stringify!($cond),
                ::core::format_args!($($arg)+)
            );
            return Err(EINVAL);
        }
    };
}

/// How many callback residues a [`Recorder`] keeps.
const KEPT: usize = 128;

/// Records what the completion callback received.
struct Recorder {
    calls: AtomicU32,
    /// Callbacks whose result was not `Ok`.
    failed: AtomicU32,
    result: AtomicU32,
    /// The residue of callback `n`, for the first [`KEPT`].
    residues: [AtomicU32; KEPT],
}

impl Callback for Recorder {
    fn complete(&self, c: Completion) {
        let n = self.calls.load(Ordering::Relaxed) as usize;
        if let Some(r) = self.residues.get(n) {
            r.store(c.residue, Ordering::Relaxed);
        }
        if c.result != TxResult::Ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.result.store(c.result.as_raw(), Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Release);
    }
}

impl Recorder {
    fn new() -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                calls: AtomicU32::new(0),
                failed: AtomicU32::new(0),
                result: AtomicU32::new(u32::MAX),
                residues: [const { AtomicU32::new(u32::MAX) }; KEPT],
            },
            GFP_KERNEL,
        )?)
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::Acquire)
    }

    fn failed(&self) -> u32 {
        self.failed.load(Ordering::Relaxed)
    }

    fn result(&self) -> TxResult {
        TxResult::from_raw(self.result.load(Ordering::Relaxed))
    }

    fn residue(&self, n: usize) -> u32 {
        self.residues
            .get(n)
            .map_or(u32::MAX, |r| r.load(Ordering::Relaxed))
    }
}

const FLAGS: PrepFlags = PrepFlags(PrepFlags::INTERRUPT.0 | PrepFlags::ACK.0);

type Chan = DmaChannel<Recorder>;
type Ring<'c> = Transfer<'c, Recorder, CoherentBuf<u8>>;

fn client() -> Result<ARef<device::Device>> {
    of_device::find_by_compatible(c"oxdma,bcm2835-dma-test-client")
}

/// Polls `cond` every 100 us for up to `ms` milliseconds.
fn wait_until(ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..ms * 10 {
        if cond() {
            return true;
        }
        fsleep(Delta::from_micros(100));
    }
    cond()
}

/// A coherent buffer of `len` bytes of `value` for `chan`'s DMA device.
fn filled(chan: &Chan, len: usize, value: u8) -> Result<CoherentBuf<u8>> {
    let bytes = KVec::from_elem(value, len, GFP_KERNEL)?;
    chan.with_dma_device(|dev| CoherentBuf::from_slice(dev, &bytes))?
}

/// Whether every byte of `buf` is `value`; the first that is not.
fn all_bytes(buf: &CoherentBuf<u8>, value: u8) -> Result<Option<usize>> {
    let mem = buf.coherent();
    for i in 0..buf_len(buf) {
        let b: u8 = io_read!(mem, [try: i]);
        if b != value {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn buf_len(buf: &CoherentBuf<u8>) -> usize {
    buf.coherent().size()
}

/// Fills `buf` with `value` through the CPU.
fn fill(buf: &CoherentBuf<u8>, value: u8) -> Result {
    let mem = buf.coherent();
    for i in 0..buf_len(buf) {
        io_write!(mem, [try: i], value);
    }
    Ok(())
}

/// The test client's "tx" and "rx" channels, with SPI0's FIFO as their
/// device side, and SPI0 in DMA mode.
struct Rig {
    tx: Chan,
    rx: Chan,
    // Dropped last (fields drop in order): SPI0 idles once the channels
    // are released.
    spi: Spi,
}

fn rig() -> Result<Rig> {
    let client = client()?;
    let spi = Spi::new(&client, 0, c"oxdma-kunit-spi0")?;
    let mut tx = DmaChannel::request(&client, c"tx", Recorder::new()?)?;
    tx.config_device_register(TransferDirection::MemToDev, spi.0.clone(), spi::FIFO, 4, 4)?;
    let mut rx = DmaChannel::request(&client, c"rx", Recorder::new()?)?;
    rx.config_device_register(TransferDirection::DevToMem, spi.0.clone(), spi::FIFO, 4, 4)?;
    spi.start()?;
    Ok(Rig { tx, rx, spi })
}

/// The ring offset a cyclic transfer has reached, from its residue.
fn position(t: &Ring<'_>, len: usize) -> (Status, usize) {
    let (status, residue) = t.status();
    (status, (len - (residue as usize).min(len)) % len)
}

/// Starts an RX and a TX cyclic of `len`-byte rings in `period`-byte
/// periods, with a callback per period; the RX ring starts as 0xa5.
fn start_cyclics(rig: &Rig, len: usize, period: usize) -> Result<(Ring<'_>, Ring<'_>)> {
    let tx_ring = filled(&rig.tx, len, 0)?;
    let rx_ring = filled(&rig.rx, len, 0xa5)?;
    let rx = rig
        .rx
        .prep_cyclic(rx_ring, period, TransferDirection::DevToMem, FLAGS)?
        .submit()?;
    let tx = rig
        .tx
        .prep_cyclic(tx_ring, period, TransferDirection::MemToDev, FLAGS)?
        .submit()?;
    rig.rx.issue_pending();
    rig.tx.issue_pending();
    Ok((tx, rx))
}

/// Grants `bytes` and waits until they are out and the RX ring reached
/// `rx_at`: both channels then wait on their DREQs.
fn step(rig: &Rig, rx: &Ring<'_>, len: usize, bytes: usize, rx_at: usize) -> Result {
    rig.spi.grant(bytes)?;
    let done = wait_until(1000, || {
        rig.spi.dlen() == 0 && position(rx, len) == (Status::InProgress, rx_at)
    });
    ensure!(
        done,
        "grant of {} bytes: DLEN {}, RX at {:?}, want {}",
        bytes,
        rig.spi.dlen(),
        position(rx, len),
        rx_at
    );
    Ok(())
}

/// Offset `b` is `a` plus the TX FIFO's lead, on a `len`-byte ring.
fn leads_by_fifo(a: usize, b: usize, len: usize) -> bool {
    (b + len - a) % len == spi::TX_LEAD
}

#[kunit_tests(oxdma_bcm2835_consumer)]
mod tests {
    use super::*;

    /// 60 periods of a TX and an RX cyclic on SPI0's DREQs, granted half a
    /// period at a time: after each half, the RX residue is exactly where
    /// the bytes are, the TX residue leads by the TX FIFO, and every period
    /// called back once on each channel, with a residue at the period's
    /// end.
    #[test]
    fn cyclic_on_spi0_dreqs_calls_back_once_per_period() -> Result {
        const PERIOD: usize = 1024;
        const LEN: usize = 4 * PERIOD;
        const PERIODS: usize = 60;
        let rig = rig()?;
        let (tx, rx) = start_cyclics(&rig, LEN, PERIOD)?;
        // Before any grant the TX FIFO fills, nothing goes out.
        ensure!(
            wait_until(1000, || position(&tx, LEN).1 == spi::TX_LEAD),
            "TX at {:?} before the first grant",
            position(&tx, LEN)
        );
        ensure!(
            position(&rx, LEN) == (Status::InProgress, 0),
            "RX at {:?} before the first grant",
            position(&rx, LEN)
        );
        for k in 0..PERIODS {
            let start = k * PERIOD % LEN;
            let mid = start + PERIOD / 2;
            step(&rig, &rx, LEN, PERIOD / 2, mid)?;
            let (tx_status, tx_at) = position(&tx, LEN);
            ensure!(
                tx_status == Status::InProgress && leads_by_fifo(mid, tx_at, LEN),
                "period {}: TX at {} ({:?}), RX at {}",
                k,
                tx_at,
                tx_status,
                mid
            );
            let (tx_calls, rx_calls) = (rig.tx.callback().calls(), rig.rx.callback().calls());
            ensure!(
                tx_calls as usize == k && rx_calls as usize == k,
                "mid-period {}: {} TX and {} RX callbacks",
                k,
                tx_calls,
                rx_calls
            );
            let end = (k + 1) * PERIOD % LEN;
            step(&rig, &rx, LEN, PERIOD / 2, end)?;
            let called = wait_until(1000, || {
                rig.tx.callback().calls() as usize == k + 1
                    && rig.rx.callback().calls() as usize == k + 1
            });
            ensure!(
                called,
                "period {}: {} TX and {} RX callbacks",
                k,
                rig.tx.callback().calls(),
                rig.rx.callback().calls()
            );
            ensure!(
                leads_by_fifo(end, position(&tx, LEN).1, LEN),
                "period {}: TX at {:?}",
                k,
                position(&tx, LEN)
            );
        }
        // No callback without a period.
        fsleep(Delta::from_millis(20));
        let (tx_calls, rx_calls) = (rig.tx.callback().calls(), rig.rx.callback().calls());
        ensure!(
            tx_calls as usize == PERIODS && rx_calls as usize == PERIODS,
            "{} TX and {} RX callbacks for {} periods",
            tx_calls,
            rx_calls,
            PERIODS
        );
        ensure!(
            rig.tx.callback().failed() == 0 && rig.rx.callback().failed() == 0,
            "callbacks with a failed result"
        );
        // Each RX callback's residue is its period's end (the ring's end
        // reads 0 or the whole ring).
        for n in 0..PERIODS {
            let r = rig.rx.callback().residue(n) as usize;
            let want = LEN - (n + 1) * PERIOD % LEN;
            ensure!(
                r == want || (want == LEN && r == 0),
                "RX callback {}: residue {}, want {}",
                n,
                r,
                want
            );
        }
        pr_info!(
            "bcm2835 cyclic: {} periods of {} bytes, {} TX and {} RX callbacks\n",
            PERIODS,
            PERIOD,
            tx_calls,
            rx_calls
        );
        let rx_ring = rx.abort()?;
        drop(tx.abort()?);
        // Every byte of the RX ring was received (the bus returns zeroes).
        let first = all_bytes(&rx_ring, 0)?;
        ensure!(first.is_none(), "RX ring byte {:?} not written", first);
        Ok(())
    }

    /// Paused mid-period with bytes on offer, the RX channel leaves its
    /// residue and the SPI FIFO alone; resumed, it takes the rest.
    #[test]
    fn pause_freezes_residue_and_resume_continues() -> Result {
        const PERIOD: usize = 1024;
        const LEN: usize = 4 * PERIOD;
        let rig = rig()?;
        let (tx, rx) = start_cyclics(&rig, LEN, PERIOD)?;
        step(&rig, &rx, LEN, PERIOD / 2, PERIOD / 2)?;
        rig.rx.pause()?;
        let frozen = rx.status();
        ensure!(
            frozen == (Status::Paused, (LEN - PERIOD / 2) as u32),
            "paused: {:?}",
            frozen
        );
        // A period's worth on offer: only the RX FIFO's depth goes out.
        rig.spi.grant(PERIOD)?;
        fsleep(Delta::from_millis(20));
        let (after, dlen, cs) = (rx.status(), rig.spi.dlen(), rig.spi.cs());
        ensure!(after == frozen, "paused: {:?}, then {:?}", frozen, after);
        ensure!(
            dlen as usize == PERIOD - spi::FIFO_BYTES && cs & spi::RXF != 0,
            "paused: DLEN {}, CS {:#x}: the RX FIFO should be full",
            dlen,
            cs
        );
        ensure!(rig.rx.callback().calls() == 0, "callback while paused");
        rig.rx.resume()?;
        let resumed = wait_until(1000, || {
            rig.spi.dlen() == 0 && position(&rx, LEN) == (Status::InProgress, PERIOD / 2 + PERIOD)
        });
        ensure!(
            resumed,
            "resumed: DLEN {}, RX at {:?}",
            rig.spi.dlen(),
            position(&rx, LEN)
        );
        ensure!(
            wait_until(1000, || rig.rx.callback().calls() == 1),
            "resumed: {} RX callbacks, want 1",
            rig.rx.callback().calls()
        );
        drop(rx.abort()?);
        drop(tx.abort()?);
        Ok(())
    }

    /// Pauses of a free-running RX cyclic with a period every 64 bytes, so
    /// that a period interrupt is often pending when the pause comes: the
    /// paused residue must not move (the interrupt handler must not
    /// restart a paused channel).
    #[test]
    fn pause_holds_with_a_period_interrupt_pending() -> Result {
        const PERIOD: usize = 64;
        const LEN: usize = 16 * PERIOD;
        const ROUNDS: usize = 40;
        let rig = rig()?;
        let (tx, rx) = start_cyclics(&rig, LEN, PERIOD)?;
        let mut moved = 0;
        for round in 0..ROUNDS {
            rig.spi.grant(65532)?;
            fsleep(Delta::from_micros(200 + 50 * (round as i64 % 7)));
            rig.rx.pause()?;
            let frozen = rx.status();
            fsleep(Delta::from_millis(2));
            let after = rx.status();
            if after != frozen || frozen.0 != Status::Paused {
                moved += 1;
            }
            rig.rx.resume()?;
        }
        rig.spi.grant(0)?;
        drop(rx.abort()?);
        drop(tx.abort()?);
        ensure!(
            moved == 0,
            "the residue moved while paused in {} of {} pauses",
            moved,
            ROUNDS
        );
        Ok(())
    }

    /// Terminated mid-period with bytes on offer, the RX channel calls
    /// back no more and writes its ring no more: the CPU's pattern stays,
    /// and the RX FIFO stays full.
    #[test]
    fn terminate_mid_period_then_no_callback_and_no_write() -> Result {
        const PERIOD: usize = 1024;
        const LEN: usize = 4 * PERIOD;
        let rig = rig()?;
        let (tx, rx) = start_cyclics(&rig, LEN, PERIOD)?;
        step(&rig, &rx, LEN, PERIOD + PERIOD / 2, PERIOD + PERIOD / 2)?;
        ensure!(
            wait_until(1000, || rig.rx.callback().calls() == 1),
            "{} RX callbacks before terminate",
            rig.rx.callback().calls()
        );
        // terminate_sync (the transfer is not complete), ring handed back.
        let rx_ring = rx.abort()?;
        let calls = rig.rx.callback().calls();
        fill(&rx_ring, 0x5a)?;
        // The TX channel goes on: the RX FIFO fills, its DREQ is up.
        rig.spi.grant(LEN)?;
        fsleep(Delta::from_millis(50));
        let (dlen, cs) = (rig.spi.dlen(), rig.spi.cs());
        let first = all_bytes(&rx_ring, 0x5a)?;
        let calls_after = rig.rx.callback().calls();
        drop(tx.abort()?);
        ensure!(
            first.is_none(),
            "RX ring byte {:?} written after terminate",
            first
        );
        ensure!(
            calls_after == calls,
            "{} callbacks after terminate",
            calls_after - calls
        );
        ensure!(
            dlen as usize == LEN - spi::FIFO_BYTES && cs & spi::RXF != 0,
            "after terminate: DLEN {}, CS {:#x}: the RX FIFO should be full",
            dlen,
            cs
        );
        Ok(())
    }

    /// A slave transfer whose device side the bus rejects completes as
    /// failed (the provider also logs its DEBUG bits; the host checks).
    #[test]
    fn bus_error_completes_the_transfer_as_read_failed() -> Result {
        const LEN: usize = 4096;
        let client = client()?;
        let bad = Arc::new(
            MmioWindow::request(&client, 1, c"oxdma-kunit-bus-error")?,
            GFP_KERNEL,
        )?;
        let mut chan = DmaChannel::request(&client, c"unpaced", Recorder::new()?)?;
        chan.config_device_register(TransferDirection::DevToMem, bad, 2, 4, 1)?;
        let bytes = KVec::from_elem(0xa5u8, LEN, GFP_KERNEL)?;
        let buf = chan.with_dma_device(|dev| Streaming::<FromDevice>::new(dev, bytes))??;
        let transfer = chan
            .prep_slave_single(buf, TransferDirection::DevToMem, FLAGS)?
            .submit()?;
        chan.issue_pending();
        let called = wait_until(2000, || chan.callback().calls() == 1);
        let (result, status) = (chan.callback().result(), transfer.status());
        ensure!(called, "no callback");
        ensure!(result == TxResult::ReadFailed, "result {:?}", result);
        ensure!(status.0 == Status::Error, "status {:?}", status);
        ensure!(transfer.finish().is_ok(), "not over");
        Ok(())
    }

    /// The same bus error in a cyclic transfer reaches its callback.
    #[test]
    fn bus_error_in_a_cyclic_transfer_reaches_the_callback() -> Result {
        const PERIOD: usize = 1024;
        let client = client()?;
        let bad = Arc::new(
            MmioWindow::request(&client, 1, c"oxdma-kunit-bus-error")?,
            GFP_KERNEL,
        )?;
        let mut chan = DmaChannel::request(&client, c"unpaced", Recorder::new()?)?;
        chan.config_device_register(TransferDirection::DevToMem, bad, 2, 4, 1)?;
        let ring = filled(&chan, 4 * PERIOD, 0xa5)?;
        let transfer = chan
            .prep_cyclic(ring, PERIOD, TransferDirection::DevToMem, FLAGS)?
            .submit()?;
        chan.issue_pending();
        let reported = wait_until(500, || {
            chan.callback().failed() > 0 || transfer.status().0 == Status::Error
        });
        let (calls, failed, status) = (
            chan.callback().calls(),
            chan.callback().failed(),
            transfer.status(),
        );
        drop(transfer.abort()?);
        ensure!(
            reported,
            "{} callbacks, {} failed, status {:?}",
            calls,
            failed,
            status
        );
        Ok(())
    }

    /// A device register must lie in its window.
    #[test]
    fn register_outside_the_window_is_einval() -> Result {
        let client = client()?;
        let spi = Arc::new(
            MmioWindow::request(&client, 0, c"oxdma-kunit-spi0")?,
            GFP_KERNEL,
        )?;
        let len = spi.len();
        ensure!(len == 0x200, "window of {} bytes", len);
        // Held: a second reservation of the same registers is refused.
        let again = MmioWindow::request(&client, 0, c"oxdma-kunit-spi0");
        ensure!(again.err() == Some(EBUSY), "second reservation");
        ensure!(
            MmioWindow::request(&client, 2, c"oxdma-kunit-none").err() == Some(EINVAL),
            "a third reg entry"
        );
        ensure!(spi.read32(len).err() == Some(EINVAL), "read past the end");
        ensure!(spi.read32(2).err() == Some(EINVAL), "unaligned read");
        let mut chan = DmaChannel::request(&client, c"tx", Recorder::new()?)?;
        let r =
            chan.config_device_register(TransferDirection::MemToDev, spi.clone(), len - 2, 4, 1);
        ensure!(r == Err(EINVAL), "register past the end: {:?}", r);
        let r = chan.config_device_register(TransferDirection::MemToMem, spi.clone(), 4, 4, 1);
        ensure!(r == Err(EINVAL), "MEM_TO_MEM: {:?}", r);
        let r = chan.config_device_register(TransferDirection::MemToDev, spi, 4, 2, 1);
        ensure!(r == Err(EINVAL), "2-byte width: {:?}", r);
        Ok(())
    }
}
