// SPDX-License-Identifier: GPL-2.0

//! BCM2835 DMA controller: a dmaengine provider for the `brcm,bcm2835-dma`
//! node of the board's own device tree, a drop-in for
//! `drivers/dma/bcm2835-dma.c`.
//!
//! Each transfer is a chain of control blocks (CBs) in coherent memory
//! (`bcm2835/cb.rs`), started by writing its first CB's bus address to
//! `CONBLK_AD` and `ACTIVE` to `CS`; the channel interrupts after the CBs
//! marked `INTEN`. The DT cell of a client's `dmas` specifier is the
//! peripheral's DREQ line, programmed into `PERMAP`.
//!
//! Beyond the C driver: pause/resume (clearing `CS.ACTIVE`, datasheet
//! 4.2.1.2), DMA errors from `DEBUG` reported as `DMA_TRANS_READ_FAILED`,
//! residue for queued slave_sg descriptors, the of_dma controller freed on
//! unbind, and a DT that lacks what probe needs refused with a message.
//!
//! Source: BCM2835 ARM Peripherals, chapter 4 (DMA Controller).

use kernel::{
    device::{self, Core},
    irq::{self, IrqReturn},
    of, platform,
    prelude::*,
    str::CString,
    sync::Arc,
};

// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;
#[path = "bcm2835/cb.rs"]
mod cb;
#[path = "bcm2835/regs.rs"]
mod regs;

use bindings::{
    dma_mapping::ZeroPage,
    dma_pool::{DmaPool, PoolBlock},
    dmaengine::{
        provider::{
            Active, Capability, Channel, ChannelGuard, ChannelOps, DeviceInfo, Fifo, MemRange,
            Registration, ResidueGranularity, SgList, Xlate,
        },
        BusWidth, Cookie, PrepFlags, SlaveConfig, TransferDirection, TxResult,
    },
    mmio::{MmioWindow, Regs},
    platform::{request_irq, set_dma_mask},
};
use cb::{Chain, ChannelKind, ControlBlock, Direction, Slave};
use regs::{cs, debug};

/// One channel's register block. Its channel keeps the controller's window
/// mapped (the channel may outlive the binding, held by a client); the
/// engine is not touched once `BcmState::removed` is set.
type ChanRegs = Regs<{ regs::CHAN_SIZE }>;

/// How long `terminate_all` polls for outstanding writes (loop iterations
/// with the channel lock held, as the C driver's `bcm2835_dma_abort()`).
const ABORT_POLLS: u32 = 10_000;

/// A prepared transfer: its CBs in pool blocks, chained, where the engine
/// reads them (and residue reads them back, as
/// `bcm2835_dma_desc_size_pos()` does).
struct BcmDesc {
    blocks: Chain<PoolBlock<ControlBlock>>,
    /// Bus address of the first CB, which `CONBLK_AD` is loaded with.
    first: u32,
    dir: Direction,
    cyclic: bool,
    len: usize,
}

/// The bus address of `blocks`' first CB (32 bits: the controller's DMA
/// mask).
///
/// # Errors
///
/// `EINVAL` for an empty chain or an address beyond 32 bits.
fn first_cb(blocks: &Chain<PoolBlock<ControlBlock>>) -> Result<u32> {
    let addr = blocks.first().ok_or(EINVAL)?.dma_address();
    u32::try_from(addr).map_err(|_| EINVAL)
}

/// One hardware channel.
struct BcmChan {
    regs: ChanRegs,
    pool: Arc<DmaPool<ControlBlock>>,
    /// Hardware channel number (0..=14).
    hw: u32,
    kind: ChannelKind,
    /// DMA address of the zero page, mapped for the controller.
    zero_page: u64,
}

/// Lock-protected channel state.
#[derive(Default)]
struct BcmState {
    /// The descriptor the engine runs (or ran last, until completed).
    active: Option<Active<BcmChan>>,
    /// Paused by the client: nothing may set `CS.ACTIVE` until resumed.
    paused: bool,
    /// The controller is being unbound: the engine stays stopped.
    removed: bool,
}

fn direction(dir: TransferDirection) -> Direction {
    match dir {
        TransferDirection::MemToMem => Direction::MemToMem,
        TransferDirection::MemToDev => Direction::MemToDev,
        TransferDirection::DevToMem => Direction::DevToMem,
    }
}

impl BcmChan {
    /// Stores `cbs` in pool blocks, chained, as a descriptor.
    fn descriptor(
        &self,
        mut cbs: Chain<ControlBlock>,
        dir: Direction,
        cyclic: bool,
    ) -> Result<BcmDesc> {
        let mut blocks = Chain::with_capacity(cbs.len())?;
        for cb in cbs.iter() {
            blocks.push(self.pool.alloc(*cb)?)?;
        }
        // The builders leave `nextconbk` 0: only the CBs linked to another
        // one are written again.
        cb::link(&mut cbs, |i| blocks[i].dma_address(), cyclic)?;
        for (block, cb) in blocks.iter_mut().zip(cbs.iter()) {
            if cb.nextconbk != 0 {
                block.write(*cb);
            }
        }
        let len = cbs.iter().map(|cb| cb.txfr_len as usize).sum();
        Ok(BcmDesc {
            first: first_cb(&blocks)?,
            blocks,
            dir,
            cyclic,
            len,
        })
    }

    /// The chained CBs of a slave transfer over `segs`, split at `max`
    /// bytes, as a descriptor. Any segment length, as the C driver: the
    /// engine's length is in bytes. Out of line: its frame would slow the
    /// one-CB path of `prep_slave_sg`.
    #[inline(never)]
    fn slave_descriptor(
        chan: &Channel<Self>,
        slave: Slave,
        segs: impl Iterator<Item = MemRange>,
        max: u32,
    ) -> Result<BcmDesc> {
        let segs = segs.map(|seg| {
            chan.check_len("slave segment", seg.len(), 1)?;
            Ok((seg.addr(), seg.len()))
        });
        let cbs = cb::slave_chain(slave, segs, max)?;
        chan.descriptor(cbs, slave.dir, false)
    }

    /// Stores the one CB of a one-shot transfer (`nextconbk` 0) in a pool
    /// block, as a descriptor.
    fn single(&self, cb: ControlBlock, dir: Direction) -> Result<BcmDesc> {
        let blocks = Chain::One(self.pool.alloc(cb)?);
        Ok(BcmDesc {
            first: first_cb(&blocks)?,
            blocks,
            dir,
            cyclic: false,
            len: cb.txfr_len as usize,
        })
    }

    /// Starts the next issued descriptor if the channel is idle. Inlined
    /// into `issue_pending` and the interrupt, which call it per transfer.
    #[inline(always)]
    fn start_next(guard: &mut ChannelGuard<'_, Self>) {
        let state = guard.state();
        if state.active.is_some() || state.paused || state.removed {
            return;
        }
        let Some(next) = guard.take_next() else {
            return;
        };
        let regs = &guard.chan().regs;
        regs.write32(next.first, regs::CONBLK_AD);
        regs.write32(cs::ACTIVE, regs::CS);
        guard.state().active = Some(next);
    }

    /// The channel interrupt (`bcm2835_dma_callback()`), inlined with
    /// `ChanIrq::handle`.
    #[inline(always)]
    fn interrupt(chan: &Channel<Self>, shared: bool) -> IrqReturn {
        let regs = &chan.regs;
        if shared && regs.read32(regs::CS) & cs::INT == 0 {
            return IrqReturn::None;
        }
        let mut guard = chan.lock();
        // Acknowledge, keeping a cyclic chain running: unless the client
        // paused the channel meanwhile, which this write must not undo.
        let state = guard.state();
        let keep = if state.paused || state.removed {
            0
        } else {
            cs::ACTIVE
        };
        regs.write32(cs::INT | keep, regs::CS);
        let Some(active) = guard.state().active.take() else {
            return IrqReturn::Handled;
        };
        let result = Self::errors(chan);
        if active.cyclic {
            let residue = Self::position_residue(regs, &active);
            guard.period_elapsed(&active, result, residue);
            guard.state().active = Some(active);
        } else if regs.read32(regs::CONBLK_AD) == 0 {
            guard.complete(active, result, 0);
            Self::start_next(&mut guard);
        } else {
            guard.state().active = Some(active);
        }
        IrqReturn::Handled
    }

    /// The channel's DMA errors (`DEBUG`, datasheet 4.2.1.3), reported and
    /// cleared: `ReadFailed` if there were any.
    fn errors(chan: &Channel<Self>) -> TxResult {
        let errors = chan.regs.read32(regs::DEBUG) & debug::ERRORS;
        if errors == 0 {
            return TxResult::Ok;
        }
        Self::report_errors(chan, errors)
    }

    /// Reports and clears the `DEBUG` error bits `errors`: `ReadFailed`.
    /// Out of line: the interrupt's frame stays small without it.
    #[cold]
    fn report_errors(chan: &Channel<Self>, errors: u32) -> TxResult {
        dev_err!(
            chan.device(),
            "chan{}: DMA error, DEBUG = {:#x}\n",
            chan.hw,
            errors
        );
        chan.regs.write32(errors, regs::DEBUG);
        TxResult::ReadFailed
    }

    /// Bytes left of the running `active`: the rest of the CB `CONBLK_AD`
    /// names, from the engine's current address, and the CBs after it.
    fn position_residue(regs: &ChanRegs, active: &Active<Self>) -> u32 {
        let conblk = u64::from(regs.read32(regs::CONBLK_AD));
        let pos = match active.dir {
            Direction::DevToMem => regs.read32(regs::DEST_AD),
            _ => regs.read32(regs::SOURCE_AD),
        };
        match active.blocks.iter().position(|b| b.dma_address() == conblk) {
            Some(current) => cb::residue(
                active.blocks.iter().map(PoolBlock::read),
                current,
                active.dir,
                pos,
            ),
            // Finished: the engine cleared CONBLK_AD after the last CB.
            None if conblk == 0 => 0,
            // Not started.
            None => active.len as u32,
        }
    }

    /// Stops every channel for good, before the controller goes away: the
    /// engine must not run on after its control blocks and its clients'
    /// memory are released (the C driver does not stop it).
    fn quiesce(chan: &Channel<Self>) {
        let mut guard = chan.lock();
        guard.state().removed = true;
        if let Some(active) = guard.state().active.take() {
            Self::abort(chan);
            guard.terminate(active);
        }
    }

    /// Stops the engine: pause, let outstanding writes drain, reset
    /// (`bcm2835_dma_abort()`). With the channel lock held.
    fn abort(chan: &Channel<Self>) {
        let regs = &chan.regs;
        if regs.read32(regs::CONBLK_AD) == 0 {
            return;
        }
        regs.write32(0, regs::CS);
        let mut polls = ABORT_POLLS;
        while regs.read32(regs::CS) & cs::WAITING_FOR_WRITES != 0 && polls > 0 {
            polls -= 1;
            core::hint::spin_loop();
        }
        if polls == 0 {
            dev_err!(
                chan.device(),
                "chan{}: outstanding writes did not complete\n",
                chan.hw
            );
        }
        regs.write32(cs::RESET, regs::CS);
    }
}

#[vtable]
impl ChannelOps for BcmChan {
    type Desc = BcmDesc;
    type State = BcmState;

    fn prep_memcpy(
        chan: &Channel<Self>,
        dst: MemRange,
        src: MemRange,
        _flags: PrepFlags,
    ) -> Result<BcmDesc> {
        let len = dst.len();
        // Any length: TXFR_LEN counts bytes (datasheet 4.2.1.1); the C
        // driver sets no copy_align.
        chan.check_len("memcpy", len, 1)?;
        let cbs = cb::memcpy_chain(dst.addr(), src.addr(), len, chan.kind.max_cb_len())?;
        chan.descriptor(cbs, Direction::MemToMem, false)
    }

    // Inlined into the adapter's prep: once per slave transfer.
    #[inline(always)]
    fn prep_slave_sg(
        chan: &Channel<Self>,
        mut sg: SgList<'_>,
        dir: TransferDirection,
        fifo: Fifo,
        _flags: PrepFlags,
    ) -> Result<BcmDesc> {
        let slave = Slave {
            dir: direction(dir),
            dreq: chan.request_line(),
            fifo: fifo.addr(),
        };
        let max = chan.kind.max_cb_len();
        if sg.len() == 1 {
            // One segment that fits one CB, as each spi-bcm2835 DMA
            // transfer: its CB goes straight into its pool block.
            if let Some(seg) = sg.next() {
                if seg.len() != 0 && seg.len() <= max as usize {
                    let cb = cb::slave_single(slave, seg.addr(), seg.len(), max)?;
                    return chan.single(cb, slave.dir);
                }
                return Self::slave_descriptor(chan, slave, core::iter::once(seg), max);
            }
        }
        Self::slave_descriptor(chan, slave, sg, max)
    }

    fn prep_cyclic(
        chan: &Channel<Self>,
        buf: MemRange,
        period_len: usize,
        dir: TransferDirection,
        fifo: Fifo,
        flags: PrepFlags,
    ) -> Result<BcmDesc> {
        let interrupt = flags.contains(PrepFlags::INTERRUPT);
        // Without DMA_PREP_INTERRUPT no period is reported: the whole buffer
        // is one period, whatever `period_len` says (spi-bcm2835 passes 0),
        // as in `bcm2835_dma_prep_dma_cyclic()`.
        let period_len = if interrupt { period_len } else { buf.len() };
        chan.check_len("cyclic period", period_len, 4)?;
        chan.check_len("cyclic buffer", buf.len(), period_len)?;
        let slave = Slave {
            dir: direction(dir),
            dreq: chan.request_line(),
            fifo: fifo.addr(),
        };
        let mut cbs = cb::cyclic_chain(
            slave,
            (buf.addr(), buf.len()),
            period_len,
            interrupt,
            chan.kind.max_cb_len(),
        )?;
        // Zeroes to a device need no memory reads on a full channel.
        if slave.dir == Direction::MemToDev
            && buf.addr() == chan.zero_page
            && chan.kind == ChannelKind::Full
        {
            cb::ignore_source(&mut cbs);
        }
        chan.descriptor(cbs, slave.dir, true)
    }

    fn config(guard: &mut ChannelGuard<'_, Self>, config: &SlaveConfig) -> Result {
        let chan = guard.chan();
        for dir in [TransferDirection::MemToDev, TransferDirection::DevToMem] {
            match config.device_width(dir) {
                0 | 4 => {}
                w => {
                    dev_err!(
                        chan.device(),
                        "chan{}: {} bus width of {} bytes: only 4 is supported\n",
                        chan.hw,
                        dir,
                        w
                    );
                    return Err(EINVAL);
                }
            }
        }
        Ok(())
    }

    #[inline]
    fn issue_pending(guard: &mut ChannelGuard<'_, Self>) {
        Self::start_next(guard);
    }

    fn active_residue(guard: &mut ChannelGuard<'_, Self>, cookie: Cookie) -> Option<u32> {
        let chan = guard.chan();
        let active = guard
            .state()
            .active
            .as_ref()
            .filter(|a| a.cookie() == cookie)?;
        Some(Self::position_residue(&chan.regs, active))
    }

    fn desc_len(desc: &BcmDesc) -> u32 {
        desc.len as u32
    }

    fn pause(guard: &mut ChannelGuard<'_, Self>) -> Result {
        let chan = guard.chan();
        guard.state().paused = true;
        if guard.state().active.is_none() {
            return Ok(());
        }
        let regs = &chan.regs;
        // Clearing ACTIVE pauses after the current beat (datasheet
        // 4.2.1.2): wait until the engine says so, or has finished.
        regs.write32(0, regs::CS);
        let mut polls = ABORT_POLLS;
        while regs.read32(regs::CS) & cs::PAUSED == 0 && regs.read32(regs::CONBLK_AD) != 0 {
            if polls == 0 {
                dev_err!(chan.device(), "chan{}: did not pause\n", chan.hw);
                return Err(ETIMEDOUT);
            }
            polls -= 1;
            core::hint::spin_loop();
        }
        Ok(())
    }

    fn resume(guard: &mut ChannelGuard<'_, Self>) -> Result {
        guard.state().paused = false;
        if guard.state().active.is_none() {
            // What completed while paused did not start the next one.
            Self::start_next(guard);
        } else {
            guard.chan().regs.write32(cs::ACTIVE, regs::CS);
        }
        Ok(())
    }

    fn terminate_all(guard: &mut ChannelGuard<'_, Self>) -> Result {
        let chan = guard.chan();
        guard.state().paused = false;
        if let Some(active) = guard.state().active.take() {
            Self::abort(chan);
            guard.terminate(active);
        }
        Ok(())
    }

    fn xlate(args: &[u32]) -> Result<Xlate> {
        // Any free channel; the provider abstraction records the cell as
        // the channel's request line.
        cb::dreq_from_cells(args).map(|_| Xlate::Any)
    }
}

/// A channel's interrupt handler.
struct ChanIrq {
    chan: Arc<Channel<BcmChan>>,
    shared: bool,
}

impl irq::Handler for ChanIrq {
    // Inlined into the kernel's trampoline: one frame per interrupt.
    #[inline(always)]
    fn handle(&self) -> IrqReturn {
        BcmChan::interrupt(&self.chan, self.shared)
    }
}

/// Driver data. On unbind every channel is stopped first (`Drop`), then
/// the device is unregistered; the interrupts, device-managed, are freed
/// after that (a late one finds no running descriptor).
struct Bcm2835Dma<'bound> {
    reg: Registration<BcmChan>,
    _zero_page: ZeroPage<'bound>,
}

impl Drop for Bcm2835Dma<'_> {
    fn drop(&mut self) {
        for chan in self.reg.channels() {
            BcmChan::quiesce(chan);
        }
    }
}

const INFO: DeviceInfo = DeviceInfo {
    caps: &[
        Capability::Memcpy,
        Capability::Slave,
        Capability::Cyclic,
        Capability::Private,
    ],
    directions: &[
        TransferDirection::MemToMem,
        TransferDirection::MemToDev,
        TransferDirection::DevToMem,
    ],
    addr_widths: BusWidth::Bytes4.mask_bit(),
    residue_granularity: ResidueGranularity::Burst,
    // No alignment, as the C driver (which sets none): TXFR_LEN and the
    // addresses are byte-granular; only the FIFO side is 32-bit wide.
    copy_align_log2: 0,
    max_burst: 16,
    max_segment_size: 0x3fff_ffff,
    // spi-bcm2835 re-submits its cyclic zero-fill descriptors (C driver:
    // `descriptor_reuse = true`); a descriptor's CBs are never changed by
    // running it, so it can run again.
    descriptor_reuse: true,
};

kernel::of_device_table!(
    OF_TABLE,
    <Bcm2835DmaDriver as platform::Driver>::IdInfo,
    [(of::DeviceId::new(c"brcm,bcm2835-dma"), ())]
);

struct Bcm2835DmaDriver;

fn probe<'bound>(pdev: &'bound platform::Device<Core<'_>>) -> Result<Bcm2835Dma<'bound>> {
    let dev: &device::Device<device::Bound> = pdev.as_ref();
    let fw = dev.fwnode().ok_or(ENODEV)?;
    let cells: u32 = fw.property_read(c"#dma-cells").required_by(dev)?;
    if cells != 1 {
        dev_err!(dev, "#dma-cells = <{}>: must be 1 (the DREQ line)\n", cells);
        return Err(EINVAL);
    }
    let mask: u32 = fw
        .property_read(c"brcm,dma-channel-mask")
        .required_by(dev)?;
    let usable = mask & ((1 << (regs::MAX_CHANNEL + 1)) - 1);
    if usable == 0 {
        dev_err!(
            dev,
            "brcm,dma-channel-mask = <{:#x}>: no usable channel 0-14\n",
            mask
        );
        return Err(EINVAL);
    }
    set_dma_mask(pdev, 32)?;
    // Mapped, not reserved: channels that clients hold past an unbind keep
    // it mapped, and the controller can bind again meanwhile.
    let window = Arc::new(MmioWindow::map(dev, 0)?, GFP_KERNEL)?;
    let pool = DmaPool::new(
        dev,
        c"oxdma_bcm2835_cb",
        core::mem::align_of::<ControlBlock>(),
    )?;
    let zero_page = ZeroPage::map(dev)?;

    // Channels and their interrupts ("dma<N>" in interrupt-names).
    let mut chans = KVec::new();
    let mut irqs = KVec::new();
    for hw in (0..=regs::MAX_CHANNEL).filter(|ch| usable & (1 << ch) != 0) {
        let name = CString::try_from_fmt(fmt!("dma{}", hw))?;
        // A DT without the channel's interrupt is wrong: EINVAL, which the
        // driver core reports (it is silent about ENXIO).
        let request = pdev.irq_by_name(&name).map_err(|e| {
            dev_err!(
                dev,
                "interrupt-names: no \"{}\" for channel {} (errno {})\n",
                &*name,
                hw,
                e.to_errno()
            );
            EINVAL
        })?;
        let chan_regs = ChanRegs::at(window.clone(), regs::chan_base(hw)).inspect_err(|_| {
            dev_err!(
                dev,
                "reg: {} bytes, too small for channel {}\n",
                window.len(),
                hw
            );
        })?;
        let lite = chan_regs.read32(regs::DEBUG) & debug::LITE != 0;
        let kind = if lite {
            ChannelKind::Lite
        } else {
            ChannelKind::Full
        };
        let chan = BcmChan {
            regs: chan_regs,
            pool: pool.clone(),
            hw,
            kind,
            zero_page: zero_page.dma_address(),
        };
        chans.push((chan, BcmState::default()), GFP_KERNEL)?;
        irqs.push(request, GFP_KERNEL)?;
    }
    let reg = Registration::new(dev, &INFO, chans)?;

    // Channels 11-14 share one line: request those IRQF_SHARED.
    let numbers: KVec<u32> = {
        let mut v = KVec::with_capacity(irqs.len(), GFP_KERNEL)?;
        for r in irqs.iter() {
            v.push(r.irq(), GFP_KERNEL)?;
        }
        v
    };
    for (i, (request, chan)) in irqs.into_iter().zip(reg.channels().iter()).enumerate() {
        let shared = numbers.iter().filter(|&&n| n == numbers[i]).count() > 1;
        let handler = ChanIrq {
            chan: chan.clone(),
            shared,
        };
        request_irq(dev, request, shared, c"oxdma_bcm2835", handler)?;
    }
    let lite = reg
        .channels()
        .iter()
        .filter(|c| c.kind == ChannelKind::Lite)
        .count();
    dev_info!(
        dev,
        "{} channels (mask {:#06x}, {} lite)\n",
        reg.channels().len(),
        usable,
        lite
    );
    Ok(Bcm2835Dma {
        reg,
        _zero_page: zero_page,
    })
}

impl platform::Driver for Bcm2835DmaDriver {
    type IdInfo = ();
    type Data<'bound> = Bcm2835Dma<'bound>;
    const OF_ID_TABLE: Option<of::IdTable<Self::IdInfo>> = Some(&OF_TABLE);

    fn probe<'bound>(
        pdev: &'bound platform::Device<Core<'_>>,
        _info: Option<&'bound ()>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev)
    }
}

kernel::module_platform_driver! {
    type: Bcm2835DmaDriver,
    name: "oxdma_bcm2835",
    authors: ["oxdma developers"],
    description: "BCM2835 DMA controller (dmaengine provider, Rust)",
    license: "GPL",
}
