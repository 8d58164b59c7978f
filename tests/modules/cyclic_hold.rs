// SPDX-License-Identifier: GPL-2.0

//! A test module that leaves cyclic transfers of the BCM2835 DMA provider
//! running from insmod to rmmod, so that a guest scenario can unbind the
//! provider under them; on rmmod it reports whether the engine still
//! served DMA requests and still wrote memory after that.
//!
//! Through the DT test client `oxdma,bcm2835-dma-test-client`:
//!
//! - "unpaced" (DREQ 0, always asserted): a DEV_TO_MEM cyclic from SPI0's
//!   CLK register (a plain register, set to [`CLK_VALUE`]) into a ring
//!   filled with [`FILL`]: it runs, writing memory, until stopped;
//! - "tx"/"rx" (DREQ 6/7): a MEM_TO_DEV and a DEV_TO_MEM cyclic on SPI0's
//!   FIFO in DMA mode (`tests/kunit/spi0.rs`), fed through DLEN grants.
//!
//! On rmmod (after the unbind), before terminating: SPI0 is granted
//! [`PROBE`] bytes; with the engine stopped only what the TX FIFO holds
//! goes out, and no callback comes. Then every transfer is terminated, the unpaced ring refilled
//! by the CPU and checked unchanged 50 ms later. Results are kernel log
//! lines "oxdma_cyclic_hold: result NAME ok|fail DETAIL".

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    io_read, io_write,
    prelude::*,
    sync::{Arc, Completion},
    time::{delay::fsleep, Delta},
    workqueue,
};

// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;
#[allow(dead_code)]
#[path = "../kunit/spi0.rs"]
mod spi0;

use bindings::{
    dma_mapping::CoherentBuf,
    dmaengine::{
        consumer::{Callback, DmaChannel},
        Completion as DmaCompletion, PrepFlags, TransferDirection,
    },
    of_device,
};
use spi0::{reg, Spi};

/// What the unpaced channel copies: SPI0's CLK register (16 bits).
const CLK_VALUE: u32 = 0x2835;
/// What the CPU fills the unpaced ring with.
const FILL: u8 = 0x5a;
const PERIOD: usize = 4096;
const RING: usize = 4 * PERIOD;
/// Bytes granted to SPI0 at rmmod, to see whether DREQs are served.
const PROBE: usize = 4096;
/// Periods the SPI0-paced transfers must be seen to complete at insmod.
const GRANTS: usize = 2;

const FLAGS: PrepFlags = PrepFlags(PrepFlags::INTERRUPT.0 | PrepFlags::ACK.0);

/// Counts callbacks.
struct Counter(AtomicU32);

impl Callback for Counter {
    fn complete(&self, _c: DmaCompletion) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counter {
    fn new() -> Result<Arc<Self>> {
        Ok(Arc::new(Self(AtomicU32::new(0)), GFP_KERNEL)?)
    }
}

fn calls(chan: &DmaChannel<Counter>) -> u32 {
    chan.callback().0.load(Ordering::Relaxed)
}

/// Whether `cond` holds within about 5 s (polled every 1 ms).
fn wait_for(cond: impl Fn() -> bool) -> bool {
    for _ in 0..5000 {
        if cond() {
            return true;
        }
        fsleep(Delta::from_millis(1));
    }
    cond()
}

/// Between the module and its worker, which owns the transfers.
#[pin_data]
struct Shared {
    #[pin]
    started: Completion,
    #[pin]
    stop: Completion,
    #[pin]
    done: Completion,
    running: AtomicBool,
}

fn result(name: &str, ok: bool, detail: core::fmt::Arguments<'_>) {
    let verdict = if ok { "ok" } else { "fail" };
    pr_info!("result {} {} {}\n", name, verdict, detail);
}

fn filled(chan: &DmaChannel<Counter>, len: usize, value: u8) -> Result<CoherentBuf<u8>> {
    let bytes = KVec::from_elem(value, len, GFP_KERNEL)?;
    chan.with_dma_device(|dev| CoherentBuf::from_slice(dev, &bytes))?
}

/// The worker: starts the transfers, waits for rmmod, checks, stops.
fn hold(shared: &Shared) -> Result {
    let client = of_device::find_by_compatible(c"oxdma,bcm2835-dma-test-client")?;
    let spi = Spi::new(&client, 0, c"oxdma-cyclic-hold-spi0")?;
    spi.0.write32(CLK_VALUE, reg::CLK)?;
    let mut unpaced = DmaChannel::request(&client, c"unpaced", Counter::new()?)?;
    unpaced.config_device_register(TransferDirection::DevToMem, spi.0.clone(), reg::CLK, 4, 1)?;
    let mut tx = DmaChannel::request(&client, c"tx", Counter::new()?)?;
    tx.config_device_register(TransferDirection::MemToDev, spi.0.clone(), reg::FIFO, 4, 4)?;
    let mut rx = DmaChannel::request(&client, c"rx", Counter::new()?)?;
    rx.config_device_register(TransferDirection::DevToMem, spi.0.clone(), reg::FIFO, 4, 4)?;
    spi.start()?;

    let ring = filled(&unpaced, RING, FILL)?;
    let t_unpaced = unpaced
        .prep_cyclic(ring, PERIOD, TransferDirection::DevToMem, FLAGS)?
        .submit()?;
    let t_rx = rx
        .prep_cyclic(
            filled(&rx, RING, 0)?,
            PERIOD,
            TransferDirection::DevToMem,
            FLAGS,
        )?
        .submit()?;
    let t_tx = tx
        .prep_cyclic(
            filled(&tx, RING, 0)?,
            PERIOD,
            TransferDirection::MemToDev,
            FLAGS,
        )?
        .submit()?;
    unpaced.issue_pending();
    rx.issue_pending();
    tx.issue_pending();
    // Running: the unpaced ring wraps, and each SPI0-paced transfer calls
    // back for every period granted. One period is granted at a time, once
    // the previous one was called back: virt-dma calls a cyclic callback
    // once for all the periods that elapsed before its tasklet ran, and
    // under host load a grant of several periods can all go out meanwhile.
    let mut running = wait_for(|| calls(&unpaced) >= 4);
    for _ in 0..GRANTS {
        if !running {
            break;
        }
        let before = (calls(&tx), calls(&rx));
        spi.grant(PERIOD)?;
        running = wait_for(|| calls(&tx) > before.0 && calls(&rx) > before.1);
    }
    pr_info!(
        "cyclic transfers {}: unpaced {} periods, tx {}, rx {}\n",
        if running { "running" } else { "NOT running" },
        calls(&unpaced),
        calls(&tx),
        calls(&rx)
    );
    if !running {
        // Where the SPI0-paced transfers stand: DLEN left of the last
        // grant, SPI0's CS (FIFO flags), each transfer's state and residue.
        pr_info!(
            "SPI0 DLEN {} CS {:#x}; tx {:?}, rx {:?}\n",
            spi.dlen(),
            spi.cs(),
            t_tx.status(),
            t_rx.status()
        );
    }
    shared.running.store(running, Ordering::Relaxed);
    shared.started.complete_all();
    if running {
        shared.stop.wait_for_completion();
    }

    // Does the engine still serve SPI0's DREQs? With no channel running,
    // only what the TX FIFO holds (at most TX_LEAD bytes) goes out.
    let before = (calls(&unpaced), calls(&tx), calls(&rx));
    spi.grant(PROBE)?;
    fsleep(Delta::from_millis(100));
    let sent = PROBE.saturating_sub(spi.dlen() as usize);
    result(
        "no-dreq-served-after-stop",
        sent <= reg::TX_LEAD,
        format_args!(
            "({} of {} bytes granted went out, at most {} if nothing serves the DREQs)",
            sent,
            PROBE,
            reg::TX_LEAD
        ),
    );
    let after = (calls(&unpaced), calls(&tx), calls(&rx));
    result(
        "no-callback-after-stop",
        before == after,
        format_args!(
            "(callbacks {:?} at rmmod, {:?} 100 ms later)",
            before, after
        ),
    );

    // Terminate, then does the engine still write the unpaced ring?
    drop(t_tx.abort());
    drop(t_rx.abort());
    match t_unpaced.abort() {
        Ok(ring) => {
            let mem = ring.coherent();
            for i in 0..RING {
                io_write!(mem, [try: i], FILL);
            }
            fsleep(Delta::from_millis(50));
            let mut written = None;
            for i in 0..RING {
                let b: u8 = io_read!(mem, [try: i]);
                if b != FILL {
                    written = Some(i);
                    break;
                }
            }
            result(
                "ring-unwritten-after-terminate",
                written.is_none(),
                format_args!("(first byte written: {:?})", written),
            );
            if written.is_some() {
                // The engine still writes it: never free it.
                core::mem::forget(ring);
            }
        }
        Err(e) => result(
            "ring-unwritten-after-terminate",
            false,
            format_args!("(terminate failed: {:?}; ring leaked)", e),
        ),
    }
    Ok(())
}

struct CyclicHold {
    shared: Arc<Shared>,
}

impl kernel::Module for CyclicHold {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let shared = Arc::pin_init(
            pin_init!(Shared {
                started <- Completion::new(),
                stop <- Completion::new(),
                done <- Completion::new(),
                running: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )?;
        let worker = shared.clone();
        workqueue::system_long().try_spawn(GFP_KERNEL, move || {
            if let Err(e) = hold(&worker) {
                pr_err!("setup failed: {:?}\n", e);
            }
            worker.started.complete_all();
            worker.done.complete_all();
        })?;
        shared.started.wait_for_completion();
        if !shared.running.load(Ordering::Relaxed) {
            shared.done.wait_for_completion();
            return Err(EIO);
        }
        Ok(Self { shared })
    }
}

impl Drop for CyclicHold {
    fn drop(&mut self) {
        self.shared.stop.complete_all();
        self.shared.done.wait_for_completion();
    }
}

module! {
    type: CyclicHold,
    name: "oxdma_cyclic_hold",
    authors: ["oxdma developers"],
    description: "Leaves BCM2835 cyclic DMA transfers running until removed (tests)",
    license: "GPL",
}
