// SPDX-License-Identifier: GPL-2.0

//! The consumer API against the software DMA engine (`oxdma_softdma`), whose
//! channels the DT test client names "memcpy", "tx", "rx" and "error"
//! (`dts/bcm2837-rpi-3-b-oxdma.dts`). Pacing: 1024 bytes every 250 us.

use super::bindings::{
    dma_mapping::{FromDevice, SgMapping, Streaming, ToDevice},
    dmaengine::{
        consumer::{Callback, DmaChannel},
        Completion, PrepFlags, SlaveConfig, Status, TransferDirection, TxResult,
    },
    of_device,
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    device,
    dma::{Coherent, CoherentBox},
    io_read,
    prelude::*,
    sync::{aref::ARef, Arc},
    time::{delay::fsleep, Delta},
};

/// Records what the completion callback received.
struct Recorder {
    calls: AtomicU32,
    result: AtomicU32,
    residue: AtomicU32,
}

impl Callback for Recorder {
    fn complete(&self, c: Completion) {
        self.result.store(c.result.as_raw(), Ordering::Relaxed);
        self.residue.store(c.residue, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Release);
    }
}

impl Recorder {
    fn new() -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                calls: AtomicU32::new(0),
                result: AtomicU32::new(u32::MAX),
                residue: AtomicU32::new(u32::MAX),
            },
            GFP_KERNEL,
        )?)
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::Acquire)
    }

    fn last(&self) -> Completion {
        Completion {
            result: TxResult::from_raw(self.result.load(Ordering::Relaxed)),
            residue: self.residue.load(Ordering::Relaxed),
        }
    }
}

const FLAGS: PrepFlags = PrepFlags(PrepFlags::INTERRUPT.0 | PrepFlags::ACK.0);

fn client() -> Result<ARef<device::Device>> {
    of_device::find_by_compatible(c"oxdma,dma-test-client")
}

fn channel(name: &CStr) -> Result<DmaChannel<Recorder>> {
    let client = client()?;
    DmaChannel::request(&client, name, Recorder::new()?)
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

fn pattern(i: usize) -> u8 {
    (i * 7 + 3) as u8
}

/// A coherent buffer of `len` bytes holding `pattern`.
fn pattern_buf(dev: &device::Device<device::Bound>, len: usize) -> Result<Coherent<[u8]>> {
    let mut b = CoherentBox::<[u8]>::zeroed_slice(dev, len, GFP_KERNEL)?;
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = pattern(i);
    }
    Ok(b.into())
}

/// A one-word coherent "device FIFO" holding `value`.
fn fifo(dev: &device::Device<device::Bound>, value: u32) -> Result<Coherent<[u32]>> {
    Ok(CoherentBox::<[u32]>::from_slice(dev, &[value], GFP_KERNEL)?.into())
}

/// Channel `name` configured for `dir` against a one-word FIFO holding
/// `value`, and that FIFO.
fn slave_channel(
    name: &CStr,
    dir: TransferDirection,
    value: u32,
) -> Result<(DmaChannel<Recorder>, Coherent<[u32]>)> {
    let chan = channel(name)?;
    let fifo = fifo(chan.dma_device(), value)?;
    chan.config(&mut slave_config(dir, fifo.dma_address()))?;
    Ok((chan, fifo))
}

fn slave_config(dir: TransferDirection, addr: u64) -> SlaveConfig {
    let mut cfg = SlaveConfig::new();
    cfg.set_device(dir, addr, 4, 1);
    cfg
}

#[kunit_tests(oxdma_softdma_consumer)]
mod tests {
    use super::*;

    #[test]
    fn memcpy_moves_the_data() -> Result {
        const LEN: usize = 16384;
        let chan = channel(c"memcpy")?;
        let dev = chan.dma_device();
        let src = pattern_buf(dev, LEN)?;
        let dst = Coherent::<u8>::zeroed_slice(dev, LEN, GFP_KERNEL)?;
        let cookie = chan
            .prep_memcpy(dst.dma_address(), src.dma_address(), LEN, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(
            chan.callback().last(),
            Completion {
                result: TxResult::Ok,
                residue: 0
            }
        );
        assert_eq!(chan.tx_status(cookie), (Status::Complete, 0));
        for i in 0..LEN {
            let b: u8 = io_read!(dst, [try: i]);
            assert_eq!(b, pattern(i));
        }
        Ok(())
    }

    #[test]
    fn slave_sg_of_three_entries_reaches_the_fifo() -> Result {
        let (chan, fifo) = slave_channel(c"tx", TransferDirection::MemToDev, 0)?;
        let dev = chan.dma_device();
        let mut chunks = KVec::new();
        for n in [1024usize, 4096, 512] {
            let mut chunk = KVec::with_capacity(n, GFP_KERNEL)?;
            for i in 0..n {
                chunk.push(pattern(i + n), GFP_KERNEL)?;
            }
            chunks.push(chunk, GFP_KERNEL)?;
        }
        let sg = SgMapping::<ToDevice>::new(dev, chunks)?;
        assert_eq!(sg.table().iter().count(), 3);
        chan.prep_slave_sg(sg.table(), TransferDirection::MemToDev, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(
            chan.callback().last(),
            Completion {
                result: TxResult::Ok,
                residue: 0
            }
        );
        // The FIFO holds the last word written: bytes 508..512 of the last chunk.
        let last = u32::from_le_bytes([
            pattern(508 + 512),
            pattern(509 + 512),
            pattern(510 + 512),
            pattern(511 + 512),
        ]);
        let word: u32 = io_read!(fifo, [try: 0]);
        assert_eq!(word, last);
        Ok(())
    }

    #[test]
    fn dev_to_mem_single_fills_the_buffer_from_the_fifo() -> Result {
        const LEN: usize = 8192;
        let (chan, _fifo) = slave_channel(c"rx", TransferDirection::DevToMem, 0x5a5a_5a5a)?;
        let dev = chan.dma_device();
        let mut buf = Streaming::<FromDevice>::new(dev, KVec::from_elem(0u8, LEN, GFP_KERNEL)?)?;
        chan.prep_slave_single(
            buf.dma_address(),
            buf.len(),
            TransferDirection::DevToMem,
            FLAGS,
        )?
        .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(chan.callback().last().result, TxResult::Ok);
        assert!(buf.with_cpu(|b| b.iter().all(|&x| x == 0x5a)));
        Ok(())
    }

    #[test]
    fn cyclic_calls_back_every_period_with_monotonic_residue() -> Result {
        const PERIOD: usize = 4096;
        const LEN: usize = 4 * PERIOD;
        let (chan, _fifo) = slave_channel(c"rx", TransferDirection::DevToMem, 0xa5a5_a5a5)?;
        let dev = chan.dma_device();
        let ring = Coherent::<u8>::zeroed_slice(dev, LEN, GFP_KERNEL)?;
        let cookie = chan
            .prep_cyclic(
                ring.dma_address(),
                LEN,
                PERIOD,
                TransferDirection::DevToMem,
                FLAGS,
            )?
            .submit()?;
        chan.issue_pending();

        // Sample the residue until 10 periods have called back.
        let (mut prev, mut rises, mut falls) = (LEN as u32, 0u32, 0u32);
        let done = wait_until(2000, || {
            let (status, residue) = chan.tx_status(cookie);
            if status == Status::InProgress && residue as usize <= LEN {
                if residue > prev {
                    rises += 1;
                } else if residue < prev {
                    falls += 1;
                }
                prev = residue;
            }
            chan.callback().calls() >= 10
        });
        assert!(done);
        assert_eq!(chan.callback().last().result, TxResult::Ok);
        // The residue only rises when the buffer wraps: at most once per
        // 4 periods, and it moves in between.
        assert!(rises <= chan.callback().calls() / 4 + 1);
        assert!(falls >= rises);
        chan.terminate_sync()?;
        for i in 0..LEN {
            let b: u8 = io_read!(ring, [try: i]);
            assert_eq!(b, 0xa5);
        }
        Ok(())
    }

    #[test]
    fn no_callback_after_terminate_sync_of_cyclic() -> Result {
        const PERIOD: usize = 1024;
        let (chan, _fifo) = slave_channel(c"rx", TransferDirection::DevToMem, 1)?;
        let dev = chan.dma_device();
        let ring = Coherent::<u8>::zeroed_slice(dev, 8 * PERIOD, GFP_KERNEL)?;
        chan.prep_cyclic(
            ring.dma_address(),
            8 * PERIOD,
            PERIOD,
            TransferDirection::DevToMem,
            FLAGS,
        )?
        .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() >= 3));
        chan.terminate_sync()?;
        let calls = chan.callback().calls();
        fsleep(Delta::from_millis(10)); // 40 ticks: 40 periods if still running
        assert_eq!(chan.callback().calls(), calls);
        Ok(())
    }

    #[test]
    fn pause_freezes_residue_and_resume_finishes() -> Result {
        const LEN: usize = 1024 * 1024; // 1024 ticks, about 256 ms
        let chan = channel(c"memcpy")?;
        let dev = chan.dma_device();
        let src = pattern_buf(dev, LEN)?;
        let dst = Coherent::<u8>::zeroed_slice(dev, LEN, GFP_KERNEL)?;
        let cookie = chan
            .prep_memcpy(dst.dma_address(), src.dma_address(), LEN, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.tx_status(cookie).1 < LEN as u32));
        chan.pause()?;
        let (status, frozen) = chan.tx_status(cookie);
        assert_eq!(status, Status::Paused);
        fsleep(Delta::from_millis(5));
        assert_eq!(chan.tx_status(cookie), (Status::Paused, frozen));
        assert!(frozen > 0);
        chan.resume()?;
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(
            chan.callback().last(),
            Completion {
                result: TxResult::Ok,
                residue: 0
            }
        );
        let last: u8 = io_read!(dst, [try: LEN - 1]);
        assert_eq!(last, pattern(LEN - 1));
        Ok(())
    }

    #[test]
    fn injected_error_reaches_the_callback() -> Result {
        const LEN: usize = 8192;
        let (chan, _fifo) = slave_channel(c"error", TransferDirection::MemToDev, 0)?;
        let dev = chan.dma_device();
        let buf = Streaming::<ToDevice>::new(dev, KVec::from_elem(1u8, LEN, GFP_KERNEL)?)?;
        chan.prep_slave_single(buf.dma_address(), LEN, TransferDirection::MemToDev, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        let last = chan.callback().last();
        assert_eq!(last.result, TxResult::ReadFailed);
        assert!(last.residue > 0 && (last.residue as usize) < LEN);
        Ok(())
    }

    #[test]
    fn bad_requests_are_einval() -> Result {
        let chan = channel(c"tx")?;
        let dev = chan.dma_device();
        let fifo = fifo(dev, 0)?;
        let buf = fifo.dma_address();
        // Zero length.
        assert!(chan.prep_memcpy(buf, buf, 0, FLAGS).err() == Some(EINVAL));
        // Slave transfer before any slave config.
        assert!(
            chan.prep_slave_single(buf, 4, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Unsupported bus width: 3 bytes.
        let mut cfg = SlaveConfig::new();
        cfg.set_device(TransferDirection::MemToDev, buf, 3, 1);
        assert_eq!(chan.config(&mut cfg), Err(EINVAL));
        chan.config(&mut slave_config(TransferDirection::MemToDev, buf))?;
        // Unsupported direction for a slave transfer.
        assert!(
            chan.prep_slave_single(buf, 4, TransferDirection::MemToMem, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Length not a multiple of the 4-byte width.
        assert!(
            chan.prep_slave_single(buf, 6, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Cyclic buffer not a multiple of the period.
        assert!(
            chan.prep_cyclic(buf, 12, 8, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        Ok(())
    }

    #[test]
    fn unknown_dma_name_is_enodev() -> Result {
        assert!(channel(c"no-such-channel").err() == Some(ENODEV));
        Ok(())
    }

    #[test]
    fn repeated_request_prepare_terminate_release() -> Result {
        // Leaks would show as live descriptors in the dmaengine debugfs
        // summary, which the host checks after this suite.
        for _ in 0..50 {
            let chan = channel(c"memcpy")?;
            let dev = chan.dma_device();
            let buf = Coherent::<u8>::zeroed_slice(dev, 4096, GFP_KERNEL)?;
            // One submitted and issued, one prepared and dropped unsubmitted.
            chan.prep_memcpy(buf.dma_address(), buf.dma_address(), 4096, FLAGS)?
                .submit()?;
            chan.issue_pending();
            let _unsubmitted =
                chan.prep_memcpy(buf.dma_address(), buf.dma_address(), 4096, FLAGS)?;
            chan.terminate_sync()?;
        }
        Ok(())
    }
}
