// SPDX-License-Identifier: GPL-2.0

//! oxdma software DMA engine: a dmaengine provider with no hardware, built
//! only on the safe abstractions in `bindings/`.
//!
//! Its channels make progress in time: a periodic high-resolution timer
//! moves up to `oxdma,bytes-per-tick` bytes of each busy channel every
//! `oxdma,tick-us` microseconds, with the CPU. It does memcpy, slave_sg and
//! cyclic transfers (looping, a callback per period), pause/resume,
//! terminate mid-transfer, residue per tick, and fails every slave or cyclic
//! transfer of the channels listed in `oxdma,error-channels` halfway with
//! `DMA_TRANS_READ_FAILED` (a failing peripheral; memcpy still works). It is how cyclic mode, pacing and error paths
//! are proven, which the emulated BCM2835 cannot model.
//!
//! A slave channel's "device" is a FIFO register at the slave config's
//! address, which for this engine must be memory mapped for its device. The
//! CPU copy (`bindings/dmaengine/cpu_copy.rs`) checks every address it
//! touches: a transfer whose memory is not linear-map memory of this
//! (`dma-coherent`) device fails with `DMA_TRANS_READ_FAILED` and a message.
//!
//! DT binding: `dts/bindings/dma/oxdma,soft-dma.yaml`.

use kernel::{
    device::{self, Core},
    of, platform,
    prelude::*,
    sync::{Arc, ArcBorrow},
    time::{
        hrtimer::{
            ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerPointer,
            HrTimerRestart, RelativeMode,
        },
        Delta, Monotonic,
    },
};

// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;

use bindings::dmaengine::{
    cpu_copy::{self, Side},
    provider::{
        Active, Capability, Channel, ChannelGuard, ChannelOps, DeviceInfo, Fifo, MemRange,
        Registration, ResidueGranularity, SgList, Xlate,
    },
    BusWidth, Cookie, PrepFlags, SlaveConfig, TransferDirection, TxResult,
};

const DEFAULT_CHANNELS: u32 = 4;
const MAX_CHANNELS: u32 = 16;
const DEFAULT_TICK_US: u32 = 250;
const DEFAULT_BYTES_PER_TICK: u32 = 1024;

/// What a descriptor moves.
enum Kind {
    Memcpy {
        dst: MemRange,
        src: MemRange,
    },
    Slave {
        dir: TransferDirection,
        fifo: Fifo,
        segs: KVec<MemRange>,
    },
    Cyclic {
        dir: TransferDirection,
        fifo: Fifo,
        buf: MemRange,
        period: usize,
    },
}

/// A prepared transfer of `len` bytes.
struct SoftDesc {
    kind: Kind,
    len: usize,
}

/// A software channel. `fails` marks an `oxdma,error-channels` channel.
struct SoftChan {
    fails: bool,
}

/// Lock-protected channel state.
#[derive(Default)]
struct SoftState {
    active: Option<Active<SoftChan>>,
    /// Bytes of the active descriptor moved in this pass (cyclic: since the
    /// buffer's start).
    done: usize,
    paused: bool,
}

impl SoftChan {
    /// Starts the next issued descriptor if the channel is idle.
    fn start_next(guard: &mut ChannelGuard<'_, Self>) {
        if guard.state().active.is_none() {
            let next = guard.take_next();
            let st = guard.state();
            st.active = next;
            st.done = 0;
        }
    }

    /// Moves up to `budget` bytes of the active descriptor; completes it, or
    /// reports a period, when a boundary is reached.
    fn tick(guard: &mut ChannelGuard<'_, Self>, budget: usize) {
        let chan = guard.chan();
        let st = guard.state();
        if st.paused {
            return;
        }
        let Some(active) = st.active.as_ref() else {
            return;
        };
        let len = active.len;
        let mut n = budget.min(len - st.done);
        if let Kind::Cyclic { period, .. } = active.kind {
            n = n.min(period - st.done % period);
        }
        let moved = move_bytes(active, st.done, n);
        st.done += n;
        let done = st.done;

        let slave = !matches!(active.kind, Kind::Memcpy { .. });
        if moved.is_err() || (chan.fails && slave && done * 2 >= len) {
            if moved.is_err() {
                dev_err!(
                    chan.device(),
                    "chan{}: transfer memory is not linear-map memory of this device\n",
                    chan.index()
                );
            }
            if let Some(active) = guard.state().active.take() {
                guard.complete(active, TxResult::ReadFailed, (len - done) as u32);
            }
            Self::start_next(guard);
            return;
        }
        match active.kind {
            Kind::Cyclic { period, .. } => {
                if done % period == 0 {
                    if let Some(active) = guard.state().active.take() {
                        guard.period_elapsed(&active, TxResult::Ok, (len - done) as u32);
                        let st = guard.state();
                        st.active = Some(active);
                        if done == len {
                            st.done = 0;
                        }
                    }
                }
            }
            _ if done == len => {
                if let Some(active) = guard.state().active.take() {
                    guard.complete(active, TxResult::Ok, 0);
                }
                Self::start_next(guard);
            }
            _ => {}
        }
    }
}

/// The (destination, source) sides of a slave transfer in `dir`.
fn sides<'a>(dir: TransferDirection, fifo: &'a Fifo, mem: &'a MemRange) -> (Side<'a>, Side<'a>) {
    match dir {
        TransferDirection::MemToDev => (Side::Fifo(fifo), Side::Memory(mem)),
        _ => (Side::Memory(mem), Side::Fifo(fifo)),
    }
}

/// Copies bytes `[offset, offset + n)` of `active`'s transfer.
fn move_bytes(active: &Active<SoftChan>, offset: usize, n: usize) -> Result {
    match &active.kind {
        Kind::Memcpy { dst, src } => {
            cpu_copy::copy(active, Side::Memory(dst), Side::Memory(src), offset, n)
        }
        Kind::Cyclic { dir, fifo, buf, .. } => {
            let (dst, src) = sides(*dir, fifo, buf);
            cpu_copy::copy(active, dst, src, offset, n)
        }
        Kind::Slave { dir, fifo, segs } => {
            // Walk the segments that overlap [offset, offset + n).
            let (mut start, end) = (offset, offset + n);
            let mut seg_start = 0;
            for seg in segs.iter() {
                let seg_end = seg_start + seg.len();
                if start < seg_end && start < end {
                    let chunk = end.min(seg_end) - start;
                    let (dst, src) = sides(*dir, fifo, seg);
                    cpu_copy::copy(active, dst, src, start - seg_start, chunk)?;
                    start += chunk;
                }
                seg_start = seg_end;
            }
            Ok(())
        }
    }
}

#[vtable]
impl ChannelOps for SoftChan {
    type Desc = SoftDesc;
    type State = SoftState;

    fn prep_memcpy(
        chan: &Channel<Self>,
        dst: MemRange,
        src: MemRange,
        _flags: PrepFlags,
    ) -> Result<SoftDesc> {
        let len = dst.len();
        chan.check_len("memcpy", len, 1)?;
        Ok(SoftDesc {
            kind: Kind::Memcpy { dst, src },
            len,
        })
    }

    fn prep_slave_sg(
        chan: &Channel<Self>,
        sg: SgList<'_>,
        dir: TransferDirection,
        fifo: Fifo,
        _flags: PrepFlags,
    ) -> Result<SoftDesc> {
        let mut segs = KVec::with_capacity(sg.len(), GFP_NOWAIT)?;
        let mut len = 0;
        for seg in sg {
            chan.check_len("slave segment", seg.len(), fifo.width())?;
            len += seg.len();
            segs.push(seg, GFP_NOWAIT)?;
        }
        chan.check_len("slave_sg", len, fifo.width())?;
        Ok(SoftDesc {
            kind: Kind::Slave { dir, fifo, segs },
            len,
        })
    }

    fn prep_cyclic(
        chan: &Channel<Self>,
        buf: MemRange,
        period_len: usize,
        dir: TransferDirection,
        fifo: Fifo,
        _flags: PrepFlags,
    ) -> Result<SoftDesc> {
        chan.check_len("cyclic period", period_len, fifo.width())?;
        chan.check_len("cyclic buffer", buf.len(), period_len)?;
        let len = buf.len();
        Ok(SoftDesc {
            kind: Kind::Cyclic {
                dir,
                fifo,
                buf,
                period: period_len,
            },
            len,
        })
    }

    fn config(guard: &mut ChannelGuard<'_, Self>, config: &SlaveConfig) -> Result {
        for dir in [TransferDirection::MemToDev, TransferDirection::DevToMem] {
            let width = config.device_width(dir);
            // Undefined (0): this direction is not configured.
            if width != 0 && BusWidth::from_raw(width).is_none() {
                dev_err!(
                    guard.chan().device(),
                    "chan{}: unsupported {} bus width {} bytes\n",
                    guard.chan().index(),
                    dir,
                    width
                );
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    fn issue_pending(guard: &mut ChannelGuard<'_, Self>) {
        Self::start_next(guard);
    }

    fn active_residue(guard: &mut ChannelGuard<'_, Self>, cookie: Cookie) -> Option<u32> {
        let st = guard.state();
        let active = st.active.as_ref().filter(|a| a.cookie() == cookie)?;
        Some((active.len - st.done) as u32)
    }

    fn desc_len(desc: &SoftDesc) -> u32 {
        desc.len as u32
    }

    fn pause(guard: &mut ChannelGuard<'_, Self>) -> Result {
        guard.state().paused = true;
        Ok(())
    }

    fn resume(guard: &mut ChannelGuard<'_, Self>) -> Result {
        guard.state().paused = false;
        Ok(())
    }

    fn terminate_all(guard: &mut ChannelGuard<'_, Self>) -> Result {
        let st = guard.state();
        st.paused = false;
        st.done = 0;
        // The engine is the timer callback, which runs under this lock: the
        // descriptor is not touched once it leaves `active`.
        if let Some(active) = st.active.take() {
            guard.terminate(active);
        }
        Ok(())
    }

    fn xlate(args: &[u32]) -> Result<Xlate> {
        match args {
            [index] => Ok(Xlate::Index(*index as usize)),
            _ => Err(EINVAL),
        }
    }
}

/// The timer that drives every channel.
#[pin_data]
struct Engine {
    #[pin]
    timer: HrTimer<Engine>,
    tick: Delta,
    bytes_per_tick: usize,
    channels: KVec<Arc<Channel<SoftChan>>>,
}

impl HrTimerCallback for Engine {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        for chan in this.channels.iter() {
            SoftChan::tick(&mut chan.lock(), this.bytes_per_tick);
        }
        ctx.forward_now(this.tick);
        HrTimerRestart::Restart
    }
}

kernel::impl_has_hr_timer! {
    impl HasHrTimer<Self> for Engine { mode: RelativeMode<Monotonic>, field: self.timer }
}

/// Driver data: the running timer, then the registration. Fields drop in
/// order: the timer stops before the device is unregistered.
struct SoftDma {
    _timer: ArcHrTimerHandle<Engine>,
    _reg: Registration<SoftChan>,
}

kernel::of_device_table!(
    OF_TABLE,
    <SoftDmaDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"oxdma,soft-dma"), ())]
);

struct SoftDmaDriver;

const INFO: DeviceInfo = DeviceInfo {
    caps: &[Capability::Memcpy, Capability::Slave, Capability::Cyclic],
    directions: &[
        TransferDirection::MemToMem,
        TransferDirection::MemToDev,
        TransferDirection::DevToMem,
    ],
    addr_widths: BusWidth::Bytes1.mask_bit()
        | BusWidth::Bytes2.mask_bit()
        | BusWidth::Bytes4.mask_bit()
        | BusWidth::Bytes8.mask_bit(),
    residue_granularity: ResidueGranularity::Burst,
    copy_align_log2: 0,
    max_burst: 16,
    max_segment_size: u32::MAX,
    descriptor_reuse: false,
};

fn read_u32(dev: &device::Device, name: &CStr, default: u32, max: u32) -> Result<u32> {
    let fw = dev.fwnode().ok_or(ENODEV)?;
    let v = fw.property_read::<u32>(name).or(default);
    if v == 0 || v > max {
        dev_err!(dev, "{}: {} is out of range 1..={}\n", name, v, max);
        return Err(EINVAL);
    }
    Ok(v)
}

impl platform::Driver for SoftDmaDriver {
    type IdInfo = ();
    type Data<'bound> = SoftDma;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound ()>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let dev: &device::Device<device::Bound> = pdev.as_ref();
        let probe = || -> Result<SoftDma> {
            let nchan = read_u32(dev, c"dma-channels", DEFAULT_CHANNELS, MAX_CHANNELS)?;
            let tick_us = read_u32(dev, c"oxdma,tick-us", DEFAULT_TICK_US, 1_000_000)?;
            let bytes = read_u32(
                dev,
                c"oxdma,bytes-per-tick",
                DEFAULT_BYTES_PER_TICK,
                1 << 20,
            )?;
            let fw = dev.fwnode().ok_or(ENODEV)?;
            let nerr = fw
                .property_count_elem::<u32>(c"oxdma,error-channels")
                .unwrap_or(0);
            let errors: KVec<u32> = if nerr > 0 {
                fw.property_read_array_vec(c"oxdma,error-channels", nerr)?
                    .required_by(dev)?
            } else {
                KVec::new()
            };
            if let Some(bad) = errors.iter().find(|&&c| c >= nchan) {
                dev_err!(
                    dev,
                    "oxdma,error-channels: no channel {} (dma-channels = {})\n",
                    bad,
                    nchan
                );
                return Err(EINVAL);
            }

            let mut chans = KVec::with_capacity(nchan as usize, GFP_KERNEL)?;
            for i in 0..nchan {
                let chan = SoftChan {
                    fails: errors.contains(&i),
                };
                chans.push((chan, SoftState::default()), GFP_KERNEL)?;
            }
            let reg = Registration::new(dev, &INFO, chans)?;
            let mut channels = KVec::with_capacity(nchan as usize, GFP_KERNEL)?;
            for chan in reg.channels() {
                channels.push(chan.clone(), GFP_KERNEL)?;
            }
            let tick = Delta::from_micros(tick_us.into());
            let engine = Arc::pin_init(
                pin_init!(Engine {
                    timer <- HrTimer::new(),
                    tick,
                    bytes_per_tick: bytes as usize,
                    channels,
                }),
                GFP_KERNEL,
            )?;
            let handle = engine.start(tick);
            dev_info!(
                dev,
                "{} channels, {} bytes every {} us\n",
                nchan,
                bytes,
                tick_us
            );
            Ok(SoftDma {
                _timer: handle,
                _reg: reg,
            })
        };
        probe()
    }
}

kernel::module_platform_driver! {
    type: SoftDmaDriver,
    name: "oxdma_softdma",
    authors: ["oxdma developers"],
    description: "oxdma software DMA engine (timer-paced dmaengine provider)",
    license: "GPL",
}
