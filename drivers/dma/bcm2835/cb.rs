// SPDX-License-Identifier: GPL-2.0

//! BCM2835 DMA control blocks (CBs): memory layout and `TI` encoding.
//!
//! Pure logic, no hardware access, so that KUnit can check every encoding.
//! Source: BCM2835 ARM Peripherals, section 4.2.1 (control block layout,
//! `TI` register bits) and `drivers/dma/bcm2835-dma.c`
//! (`bcm2835_dma_create_cb_chain()`, the `BCM2835_DMA_*` bit definitions).

use core::ops::{Deref, DerefMut};
use kernel::prelude::*;

/// Bits of the `TI` (transfer information) word of a control block.
pub(crate) mod ti {
    /// Raise the channel interrupt when this CB completes.
    pub(crate) const INTEN: u32 = 1 << 0;
    /// Wait for the AXI write response before the next write.
    pub(crate) const WAIT_RESP: u32 = 1 << 3;
    /// Increment the destination address after each write.
    pub(crate) const DEST_INC: u32 = 1 << 4;
    /// Gate destination writes by the peripheral's DREQ.
    pub(crate) const DEST_DREQ: u32 = 1 << 6;
    /// Increment the source address after each read.
    pub(crate) const SRC_INC: u32 = 1 << 8;
    /// Gate source reads by the peripheral's DREQ.
    pub(crate) const SRC_DREQ: u32 = 1 << 10;
    /// Do not read the source: write zeroes (full channels only).
    pub(crate) const SRC_IGNORE: u32 = 1 << 11;
    /// Shift of the 5-bit `PERMAP` field (peripheral DREQ number).
    pub(crate) const PERMAP_SHIFT: u32 = 16;
    /// Mask of the `PERMAP` field before shifting.
    pub(crate) const PERMAP_MASK: u32 = 0x1f;
}

/// One hardware control block, exactly as the DMA engine reads it from
/// memory: eight 32-bit words (32 bytes), 32-byte aligned (datasheet 4.2.1.1).
///
/// Addresses are bus addresses as the DMA engine sees them; `txfr_len` is in
/// bytes.
#[repr(C, align(32))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ControlBlock {
    /// Transfer information, see [`ti`].
    pub(crate) ti: u32,
    /// Source bus address.
    pub(crate) source_ad: u32,
    /// Destination bus address.
    pub(crate) dest_ad: u32,
    /// Transfer length in bytes.
    pub(crate) txfr_len: u32,
    /// 2D stride (unused: oxdma issues linear transfers only).
    pub(crate) stride: u32,
    /// Bus address of the next CB, or 0 to stop after this one.
    pub(crate) nextconbk: u32,
    reserved: [u32; 2],
}

/// The CBs of one transfer (or anything kept per CB), in order: a vector
/// that holds a single element inline.
///
/// Most transfers are one CB (a memcpy up to 1 GiB, a one-segment slave
/// transfer), and each slab allocation in prep costs as much as the rest of
/// the prep in the debug kernel; so a one-CB chain allocates nothing, as the
/// C driver's descriptor holds its CB entries in its own allocation.
pub(crate) enum Chain<T> {
    /// No element.
    Empty,
    /// One element, inline.
    One(T),
    /// Any number, allocated.
    Many(KVec<T>),
}

impl<T> Chain<T> {
    /// An empty chain with room for `n` elements.
    ///
    /// # Errors
    ///
    /// `ENOMEM` (`GFP_NOWAIT`: prep may not sleep).
    pub(crate) fn with_capacity(n: usize) -> Result<Self> {
        Ok(match n {
            0 | 1 => Chain::Empty,
            n => Chain::Many(KVec::with_capacity(n, GFP_NOWAIT)?),
        })
    }

    /// Appends `value`.
    ///
    /// # Errors
    ///
    /// `ENOMEM` (`GFP_NOWAIT`) when the chain must grow into an allocation.
    pub(crate) fn push(&mut self, value: T) -> Result {
        match self {
            Chain::Empty => *self = Chain::One(value),
            Chain::One(_) => {
                let mut v = KVec::with_capacity(2, GFP_NOWAIT)?;
                if let Chain::One(first) = core::mem::replace(self, Chain::Empty) {
                    // Within the capacity just reserved: cannot fail.
                    v.push(first, GFP_NOWAIT)?;
                }
                v.push(value, GFP_NOWAIT)?;
                *self = Chain::Many(v);
            }
            Chain::Many(v) => v.push(value, GFP_NOWAIT)?,
        }
        Ok(())
    }
}

impl<T> Deref for Chain<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Chain::Empty => &[],
            Chain::One(value) => core::slice::from_ref(value),
            Chain::Many(v) => v,
        }
    }
}

impl<T> DerefMut for Chain<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Chain::Empty => &mut [],
            Chain::One(value) => core::slice::from_mut(value),
            Chain::Many(v) => v,
        }
    }
}

/// Which way a transfer moves data, as `enum dma_transfer_direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Memory to memory (memcpy): both addresses increment, no DREQ.
    MemToMem,
    /// Memory to a peripheral FIFO: destination fixed and DREQ-paced.
    MemToDev,
    /// Peripheral FIFO to memory: source fixed and DREQ-paced.
    DevToMem,
}

/// Full or lite channel (datasheet 4.2.1.3: lite channels have a 16-bit
/// length field and no 2D mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChannelKind {
    /// Channels 0-6: 30-bit length field.
    Full,
    /// Channels 7-14: 16-bit length field.
    Lite,
}

impl ChannelKind {
    /// The longest transfer one CB of this channel may carry, in bytes.
    ///
    /// Both are the largest multiples of 4 that fit the channel's
    /// `TXFR_LEN.XLENGTH` field (30 bits on full channels, 16 on lite ones),
    /// so splitting a length that is a multiple of 4 keeps every CB a
    /// multiple of 4. The C driver's `MAX_DMA_LEN` is `SZ_1G` (`1 << 30`),
    /// which does not fit 30 bits and would program a length of 0; this is
    /// `(1 << 30) - 4` instead. `MAX_LITE_DMA_LEN` is `(1 << 16) - 4`.
    pub(crate) const fn max_cb_len(self) -> u32 {
        match self {
            ChannelKind::Full => (1 << 30) - 4,
            ChannelKind::Lite => (1 << 16) - 4,
        }
    }
}

/// The DREQ line a client's DT `dmas` specifier names: its one cell
/// (`#dma-cells = <1>`), 0 to 31 (`PERMAP`; 0 means unpaced).
///
/// # Errors
///
/// `EINVAL` for another number of cells or a line above 31.
pub(crate) fn dreq_from_cells(cells: &[u32]) -> Result<u32> {
    match cells {
        [dreq] if *dreq <= ti::PERMAP_MASK => Ok(*dreq),
        _ => Err(EINVAL),
    }
}

/// The `TI` word for every CB of a transfer in `dir`, paced by peripheral
/// request line `dreq` (0 means unpaced, as for memcpy).
///
/// `WAIT_RESP` is set for slave transfers (every CB of
/// `bcm2835_dma_prep_slave_sg()` and `bcm2835_dma_prep_dma_cyclic()`), not
/// for memcpy, whose C prep adds it to the last CB only ([`memcpy_chain`]);
/// `INTEN` is set per CB by the chain builders below.
pub(crate) fn transfer_info(dir: Direction, dreq: u32) -> u32 {
    let dir_bits = match dir {
        Direction::MemToMem => ti::SRC_INC | ti::DEST_INC,
        Direction::MemToDev => ti::SRC_INC | ti::DEST_DREQ,
        Direction::DevToMem => ti::SRC_DREQ | ti::DEST_INC,
    };
    let permap = if dir == Direction::MemToMem {
        0
    } else {
        (dreq & ti::PERMAP_MASK) << ti::PERMAP_SHIFT
    };
    let wait = if dir == Direction::MemToMem {
        0
    } else {
        ti::WAIT_RESP
    };
    wait | dir_bits | permap
}

/// The CB lengths, in bytes, that carry a segment of `len` bytes when one CB
/// may carry at most `max` bytes: as many full `max` pieces as fit, then the
/// remainder. Yields nothing for `len == 0`.
///
/// Mirrors `bcm2835_dma_count_frames_for_sg()` and the splitting loop of
/// `bcm2835_dma_create_cb_chain()`.
pub(crate) fn split_lengths(len: usize, max: u32) -> impl Iterator<Item = u32> {
    let max = max as usize;
    let full = len / max;
    let rest = len % max;
    Iterator::chain(
        core::iter::repeat_n(max as u32, full),
        (rest != 0).then_some(rest as u32),
    )
}

/// A bus address as the DMA engine sees it: 32 bits (the device's DMA mask).
fn bus(addr: u64) -> Result<u32> {
    u32::try_from(addr).map_err(|_| EINVAL)
}

fn cb(ti: u32, source_ad: u32, dest_ad: u32, txfr_len: u32) -> ControlBlock {
    ControlBlock {
        ti,
        source_ad,
        dest_ad,
        txfr_len,
        ..ControlBlock::default()
    }
}

/// The CBs of a memcpy of `len` bytes from `src` to `dst`, split at `max`
/// bytes per CB; the last one interrupts and waits for the write response
/// (`bcm2835_dma_prep_dma_memcpy()`: `finalextrainfo = INT_EN | WAIT_RESP`).
///
/// # Errors
///
/// `EINVAL` for a zero length or addresses beyond 32 bits; `ENOMEM`.
pub(crate) fn memcpy_chain(
    dst: u64,
    src: u64,
    len: usize,
    max: u32,
) -> Result<Chain<ControlBlock>> {
    let (dst, src) = (bus(dst)?, bus(src)?);
    let ti = transfer_info(Direction::MemToMem, 0);
    let mut cbs = Chain::with_capacity(split_lengths(len, max).count())?;
    let mut off = 0u32;
    for l in split_lengths(len, max) {
        cbs.push(cb(ti, src.wrapping_add(off), dst.wrapping_add(off), l))?;
        off = off.wrapping_add(l);
    }
    let mut cbs = finish(cbs)?;
    if let Some(last) = cbs.last_mut() {
        last.ti |= ti::WAIT_RESP;
    }
    Ok(cbs)
}

/// The peripheral side of a slave transfer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slave {
    /// `MemToDev` or `DevToMem`.
    pub(crate) dir: Direction,
    /// The peripheral's DREQ line (`PERMAP`).
    pub(crate) dreq: u32,
    /// Bus address of the peripheral's FIFO register.
    pub(crate) fifo: u64,
}

/// The CBs of a slave transfer between `slave` and memory `segments` (bus
/// address, length in bytes, or the error that ends the walk), split at
/// `max`; the last one interrupts (`bcm2835_dma_prep_slave_sg()`). Room is
/// made for one CB per segment the iterator announces (`size_hint`).
///
/// # Errors
///
/// The first error of `segments`; `EINVAL` for no bytes, `MemToMem`, or
/// addresses beyond 32 bits; `ENOMEM`.
pub(crate) fn slave_chain(
    slave: Slave,
    segments: impl Iterator<Item = Result<(u64, usize)>>,
    max: u32,
) -> Result<Chain<ControlBlock>> {
    let Slave { dir, dreq, fifo } = slave;
    let fifo = bus(fifo)?;
    let ti = transfer_info(dir, dreq);
    let mut cbs = Chain::with_capacity(segments.size_hint().0)?;
    for seg in segments {
        let (addr, len) = seg?;
        push_slave(&mut cbs, dir, ti, fifo, bus(addr)?, len, max)?;
    }
    finish(cbs)
}

/// The one CB of a slave transfer of a single segment, `len` bytes at bus
/// address `mem`, that needs no split: what [`slave_chain`] builds for it,
/// without a [`Chain`] (each spi-bcm2835 DMA transfer is such a segment).
///
/// # Errors
///
/// `EINVAL` for no bytes, more than `max`, `MemToMem`, or addresses beyond
/// 32 bits.
pub(crate) fn slave_single(slave: Slave, mem: u64, len: usize, max: u32) -> Result<ControlBlock> {
    if len == 0 || len > max as usize {
        return Err(EINVAL);
    }
    let Slave { dir, dreq, fifo } = slave;
    let mut cb = slave_cb(
        dir,
        transfer_info(dir, dreq),
        bus(fifo)?,
        bus(mem)?,
        len as u32,
    )?;
    cb.ti |= ti::INTEN;
    Ok(cb)
}

/// Appends the CBs of `len` bytes of memory at `mem`, split at `max`, to or
/// from `fifo`.
fn push_slave(
    cbs: &mut Chain<ControlBlock>,
    dir: Direction,
    ti: u32,
    fifo: u32,
    mem: u32,
    len: usize,
    max: u32,
) -> Result {
    let mut off = 0u32;
    for l in split_lengths(len, max) {
        cbs.push(slave_cb(dir, ti, fifo, mem.wrapping_add(off), l)?)?;
        off = off.wrapping_add(l);
    }
    Ok(())
}

fn slave_cb(dir: Direction, ti: u32, fifo: u32, mem: u32, len: u32) -> Result<ControlBlock> {
    match dir {
        Direction::MemToDev => Ok(cb(ti, mem, fifo, len)),
        Direction::DevToMem => Ok(cb(ti, fifo, mem, len)),
        Direction::MemToMem => Err(EINVAL),
    }
}

/// Sets `INTEN` on the last CB of a one-shot chain.
fn finish(mut cbs: Chain<ControlBlock>) -> Result<Chain<ControlBlock>> {
    let last = cbs.last_mut().ok_or(EINVAL)?;
    last.ti |= ti::INTEN;
    Ok(cbs)
}

/// The CBs of a cyclic transfer between `slave` and `buf_len` bytes at `buf`
/// in periods of `period` bytes: each period is split at `max`, and with
/// `interrupt` the CB that ends each period interrupts
/// (`bcm2835_dma_prep_dma_cyclic()`). [`link`] with `cyclic` closes the loop.
///
/// # Errors
///
/// `EINVAL` unless `buf_len` is a non-zero multiple of a non-zero `period`,
/// for `MemToMem`, or for addresses beyond 32 bits; `ENOMEM`.
pub(crate) fn cyclic_chain(
    slave: Slave,
    (buf, buf_len): (u64, usize),
    period: usize,
    interrupt: bool,
    max: u32,
) -> Result<Chain<ControlBlock>> {
    if period == 0 || buf_len == 0 || buf_len % period != 0 {
        return Err(EINVAL);
    }
    let Slave { dir, dreq, fifo } = slave;
    let (fifo, buf) = (bus(fifo)?, bus(buf)?);
    let ti = transfer_info(dir, dreq);
    let periods = buf_len / period;
    let mut cbs = Chain::with_capacity(periods * split_lengths(period, max).count())?;
    for p in 0..periods {
        let start = buf.wrapping_add((p * period) as u32);
        push_slave(&mut cbs, dir, ti, fifo, start, period, max)?;
        if interrupt {
            if let Some(end) = cbs.last_mut() {
                end.ti |= ti::INTEN;
            }
        }
    }
    Ok(cbs)
}

/// Makes `cbs` write zeroes without reading their source (`SRC_IGNORE`,
/// datasheet 4.2.1.2): for a source that is the zero page, on a full
/// channel (lite channels lack the bit), as `bcm2835_dma_prep_dma_cyclic()`
/// does for spi-bcm2835's zero-fill.
pub(crate) fn ignore_source(cbs: &mut [ControlBlock]) {
    for cb in cbs {
        cb.ti |= ti::SRC_IGNORE;
    }
}

/// Chains `cbs` through `NEXTCONBK`: CB `i` points at `addr(i + 1)` (the bus
/// address CB `i + 1` is stored at); the last points at the first when
/// `cyclic`, else 0 (stop).
///
/// # Errors
///
/// `EINVAL` for no CB or an address beyond 32 bits.
pub(crate) fn link(cbs: &mut [ControlBlock], addr: impl Fn(usize) -> u64, cyclic: bool) -> Result {
    let n = cbs.len();
    if n == 0 {
        return Err(EINVAL);
    }
    for (i, cb) in cbs.iter_mut().enumerate() {
        cb.nextconbk = match i + 1 {
            next if next < n => bus(addr(next))?,
            _ if cyclic => bus(addr(0))?,
            _ => 0,
        };
    }
    Ok(())
}

/// Bytes left of a chain (its CBs, in order) whose engine runs CB `current`
/// (the one whose bus address `CONBLK_AD` holds) and reads at (`MemToDev`,
/// `MemToMem`: `SOURCE_AD`) or writes at (`DevToMem`: `DEST_AD`) bus
/// address `pos`: the rest of CB `current` plus every later CB (for a
/// cyclic chain, to the end of the buffer). All of them for a `current`
/// past the end.
///
/// Knowing the CB from `CONBLK_AD`, unlike the C driver's
/// `bcm2835_dma_desc_size_pos()` which looks for the CB that holds `pos`,
/// stays right when CBs share addresses (a scatterlist that names the same
/// buffer twice). The arithmetic cannot overflow:
/// `pos - start` is taken modulo 2^32 (a CB that ends past the top of the
/// bus), a position outside the CB counts as nothing done or all done, and
/// the sum saturates at `u32::MAX` bytes (a chain longer than 4 GiB).
pub(crate) fn residue(
    cbs: impl IntoIterator<Item = ControlBlock>,
    current: usize,
    dir: Direction,
    pos: u32,
) -> u32 {
    // Bytes of the CBs before `current`, and left from `current` on.
    let mut before = 0u32;
    let mut left = None;
    for (i, cb) in cbs.into_iter().enumerate() {
        left = match left {
            Some(sum) => Some(cb.txfr_len.saturating_add(sum)),
            None if i == current => {
                let start = match dir {
                    Direction::DevToMem => cb.dest_ad,
                    _ => cb.source_ad,
                };
                let done = pos.wrapping_sub(start).min(cb.txfr_len);
                Some(cb.txfr_len - done)
            }
            None => {
                before = before.saturating_add(cb.txfr_len);
                None
            }
        };
    }
    left.unwrap_or(before)
}
