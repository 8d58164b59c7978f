// SPDX-License-Identifier: GPL-2.0

//! The consumer API against the software DMA engine (`oxdma_softdma`), whose
//! channels the DT test client names "memcpy", "tx", "rx" and "error"
//! (`dts/bcm2837-rpi-3-b-oxdma.dts`). Pacing: 1024 bytes every 250 us.

use super::bindings::{
    dma_mapping::{CoherentBuf, FromDevice, SgMapping, Streaming, ToDevice},
    dmaengine::{
        consumer::{Callback, DmaChannel},
        Completion, PrepFlags, Status, TransferDirection, TxResult,
    },
    of_device,
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    device, io_read,
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

type Chan = DmaChannel<Recorder>;

fn client() -> Result<ARef<device::Device>> {
    of_device::find_by_compatible(c"oxdma,dma-test-client")
}

fn channel(name: &CStr) -> Result<Chan> {
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

/// A coherent buffer of `len` bytes for `chan`'s DMA device, holding
/// `pattern`.
fn pattern_buf(chan: &Chan, len: usize) -> Result<CoherentBuf<u8>> {
    let mut bytes = KVec::with_capacity(len, GFP_KERNEL)?;
    for i in 0..len {
        bytes.push(pattern(i), GFP_KERNEL)?;
    }
    chan.with_dma_device(|dev| CoherentBuf::from_slice(dev, &bytes))?
}

/// A zeroed coherent buffer of `len` bytes for `chan`'s DMA device.
fn zeroed_buf(chan: &Chan, len: usize) -> Result<CoherentBuf<u8>> {
    chan.with_dma_device(|dev| CoherentBuf::zeroed(dev, len))?
}

/// A streaming mapping of `len` bytes of `value` for `chan`'s DMA device.
fn streaming<D: super::bindings::dma_mapping::MapDirection>(
    chan: &Chan,
    len: usize,
    value: u8,
) -> Result<Streaming<D>> {
    let bytes = KVec::from_elem(value, len, GFP_KERNEL)?;
    chan.with_dma_device(|dev| Streaming::<D>::new(dev, bytes))?
}

/// A one-word coherent "device FIFO" holding `value`.
fn fifo(chan: &Chan, value: u32) -> Result<CoherentBuf<u32>> {
    chan.with_dma_device(|dev| CoherentBuf::from_slice(dev, &[value]))?
}

/// Channel `name` configured for `dir` against a one-word memory FIFO
/// holding `value`, which the channel owns.
fn slave_channel(name: &CStr, dir: TransferDirection, value: u32) -> Result<Chan> {
    let mut chan = channel(name)?;
    let fifo = fifo(&chan, value)?;
    chan.config_memory_fifo(dir, fifo, 4, 1)?;
    Ok(chan)
}

#[kunit_tests(oxdma_softdma_consumer)]
mod tests {
    use super::*;

    #[test]
    fn memcpy_moves_the_data() -> Result {
        const LEN: usize = 16384;
        let chan = channel(c"memcpy")?;
        let src = pattern_buf(&chan, LEN)?;
        let dst = zeroed_buf(&chan, LEN)?;
        let transfer = chan.prep_memcpy(dst, src, LEN, FLAGS)?.submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(
            chan.callback().last(),
            Completion {
                result: TxResult::Ok,
                residue: 0
            }
        );
        assert_eq!(transfer.status(), (Status::Complete, 0));
        let Ok((dst, _src)) = transfer.finish() else {
            return Err(EBUSY);
        };
        let dst = dst.coherent();
        for i in 0..LEN {
            let b: u8 = io_read!(dst, [try: i]);
            assert_eq!(b, pattern(i));
        }
        Ok(())
    }

    #[test]
    fn slave_sg_of_three_entries_reaches_the_fifo() -> Result {
        let chan = slave_channel(c"tx", TransferDirection::MemToDev, 0)?;
        let mut chunks = KVec::new();
        for n in [1024usize, 4096, 512] {
            let mut chunk = KVec::with_capacity(n, GFP_KERNEL)?;
            for i in 0..n {
                chunk.push(pattern(i + n), GFP_KERNEL)?;
            }
            chunks.push(chunk, GFP_KERNEL)?;
        }
        let sg = chan.with_dma_device(|dev| SgMapping::<ToDevice>::new(dev, chunks))??;
        assert_eq!(sg.segments().count(), 3);
        let transfer = chan
            .prep_slave_sg(sg, TransferDirection::MemToDev, FLAGS)?
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
        let Ok(mut sg) = transfer.finish() else {
            return Err(EBUSY);
        };
        // The engine only read the chunks: the CPU sees them unchanged.
        let mut intact = true;
        sg.with_cpu(|_, chunk| {
            let n = chunk.len();
            intact &= chunk.iter().enumerate().all(|(i, &b)| b == pattern(i + n));
        });
        assert!(intact);
        // The FIFO holds the last word written: bytes 508..512 of the last chunk.
        let last = u32::from_le_bytes([
            pattern(508 + 512),
            pattern(509 + 512),
            pattern(510 + 512),
            pattern(511 + 512),
        ]);
        let fifo = chan
            .memory_fifo(TransferDirection::MemToDev)
            .ok_or(EINVAL)?
            .coherent();
        let word: u32 = io_read!(fifo, [try: 0]);
        assert_eq!(word, last);
        Ok(())
    }

    #[test]
    fn dev_to_mem_single_fills_the_buffer_from_the_fifo() -> Result {
        const LEN: usize = 8192;
        let chan = slave_channel(c"rx", TransferDirection::DevToMem, 0x5a5a_5a5a)?;
        let buf = streaming::<FromDevice>(&chan, LEN, 0)?;
        let transfer = chan
            .prep_slave_single(buf, TransferDirection::DevToMem, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        assert_eq!(chan.callback().last().result, TxResult::Ok);
        let Ok(mut buf) = transfer.finish() else {
            return Err(EBUSY);
        };
        assert!(buf.with_cpu(|b| b.iter().all(|&x| x == 0x5a)));
        Ok(())
    }

    #[test]
    fn cyclic_calls_back_every_period_with_monotonic_residue() -> Result {
        const PERIOD: usize = 4096;
        const LEN: usize = 4 * PERIOD;
        let chan = slave_channel(c"rx", TransferDirection::DevToMem, 0xa5a5_a5a5)?;
        let ring = zeroed_buf(&chan, LEN)?;
        let transfer = chan
            .prep_cyclic(ring, PERIOD, TransferDirection::DevToMem, FLAGS)?
            .submit()?;
        chan.issue_pending();

        // Sample the residue until 10 periods have called back.
        let (mut prev, mut rises, mut falls) = (LEN as u32, 0u32, 0u32);
        let done = wait_until(2000, || {
            let (status, residue) = transfer.status();
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
        let ring = transfer.abort()?;
        let ring = ring.coherent();
        for i in 0..LEN {
            let b: u8 = io_read!(ring, [try: i]);
            assert_eq!(b, 0xa5);
        }
        Ok(())
    }

    #[test]
    fn no_callback_after_terminate_sync_of_cyclic() -> Result {
        const PERIOD: usize = 1024;
        let mut chan = slave_channel(c"rx", TransferDirection::DevToMem, 1)?;
        let ring = zeroed_buf(&chan, 8 * PERIOD)?;
        let transfer = chan
            .prep_cyclic(ring, PERIOD, TransferDirection::DevToMem, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() >= 3));
        // Dropping the unfinished transfer terminates the channel.
        drop(transfer);
        let calls = chan.callback().calls();
        fsleep(Delta::from_millis(10)); // 40 ticks: 40 periods if still running
        assert_eq!(chan.callback().calls(), calls);
        chan.terminate_sync()?;
        Ok(())
    }

    #[test]
    fn pause_freezes_residue_and_resume_finishes() -> Result {
        const LEN: usize = 1024 * 1024; // 1024 ticks, about 256 ms
        let chan = channel(c"memcpy")?;
        let src = pattern_buf(&chan, LEN)?;
        let dst = zeroed_buf(&chan, LEN)?;
        let transfer = chan.prep_memcpy(dst, src, LEN, FLAGS)?.submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || transfer.status().1 < LEN as u32));
        chan.pause()?;
        let (status, frozen) = transfer.status();
        assert_eq!(status, Status::Paused);
        fsleep(Delta::from_millis(5));
        assert_eq!(transfer.status(), (Status::Paused, frozen));
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
        let Ok((dst, _src)) = transfer.finish() else {
            return Err(EBUSY);
        };
        let dst = dst.coherent();
        let last: u8 = io_read!(dst, [try: LEN - 1]);
        assert_eq!(last, pattern(LEN - 1));
        Ok(())
    }

    #[test]
    fn injected_error_reaches_the_callback() -> Result {
        const LEN: usize = 8192;
        let chan = slave_channel(c"error", TransferDirection::MemToDev, 0)?;
        let buf = streaming::<ToDevice>(&chan, LEN, 1)?;
        let transfer = chan
            .prep_slave_single(buf, TransferDirection::MemToDev, FLAGS)?
            .submit()?;
        chan.issue_pending();
        assert!(wait_until(2000, || chan.callback().calls() == 1));
        let last = chan.callback().last();
        assert_eq!(last.result, TxResult::ReadFailed);
        assert!(last.residue > 0 && (last.residue as usize) < LEN);
        assert_eq!(transfer.status().0, Status::Error);
        assert!(transfer.finish().is_ok());
        Ok(())
    }

    #[test]
    fn bad_requests_are_einval() -> Result {
        let mut chan = channel(c"tx")?;
        // Zero length.
        let (a, b) = (zeroed_buf(&chan, 4)?, zeroed_buf(&chan, 4)?);
        assert!(chan.prep_memcpy(a, b, 0, FLAGS).err() == Some(EINVAL));
        // Longer than the buffers.
        let (a, b) = (zeroed_buf(&chan, 4)?, zeroed_buf(&chan, 4)?);
        assert!(chan.prep_memcpy(a, b, 8, FLAGS).err() == Some(EINVAL));
        // Slave transfer before any slave config.
        let buf = streaming::<ToDevice>(&chan, 4, 0)?;
        assert!(
            chan.prep_slave_single(buf, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Unsupported bus width: 3 bytes.
        let fifo3 = fifo(&chan, 0)?;
        assert_eq!(
            chan.config_memory_fifo(TransferDirection::MemToDev, fifo3, 3, 1),
            Err(EINVAL)
        );
        let fifo4 = fifo(&chan, 0)?;
        chan.config_memory_fifo(TransferDirection::MemToDev, fifo4, 4, 1)?;
        // Unsupported direction for a slave transfer.
        let buf = streaming::<ToDevice>(&chan, 4, 0)?;
        assert!(
            chan.prep_slave_single(buf, TransferDirection::MemToMem, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // A buffer mapped for the device to write, for a device read.
        let buf = streaming::<FromDevice>(&chan, 4, 0)?;
        assert!(
            chan.prep_slave_single(buf, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Length not a multiple of the 4-byte width.
        let buf = streaming::<ToDevice>(&chan, 6, 0)?;
        assert!(
            chan.prep_slave_single(buf, TransferDirection::MemToDev, FLAGS)
                .err()
                == Some(EINVAL)
        );
        // Cyclic buffer not a multiple of the period.
        let ring = zeroed_buf(&chan, 12)?;
        assert!(
            chan.prep_cyclic(ring, 8, TransferDirection::MemToDev, FLAGS)
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
            let mut chan = channel(c"memcpy")?;
            // One submitted and issued, one prepared and dropped unsubmitted.
            let (a, b) = (zeroed_buf(&chan, 4096)?, zeroed_buf(&chan, 4096)?);
            let transfer = chan.prep_memcpy(a, b, 4096, FLAGS)?.submit()?;
            chan.issue_pending();
            let (c, d) = (zeroed_buf(&chan, 4096)?, zeroed_buf(&chan, 4096)?);
            let unsubmitted = chan.prep_memcpy(c, d, 4096, FLAGS)?;
            drop(unsubmitted);
            drop(transfer.abort()?);
            chan.terminate_sync()?;
        }
        Ok(())
    }
}
