// SPDX-License-Identifier: GPL-2.0

//! What a provider implements ([`ChannelOps`]) and declares ([`DeviceInfo`]).

use super::super::super::ffi;
use super::super::types::{Cookie, PrepFlags};
use super::super::{SlaveConfig, TransferDirection};
use super::{Channel, ChannelGuard, Fifo, MemRange, SgList};
use kernel::{build_error, error::VTABLE_DEFAULT_ERROR, prelude::*};

/// Operations a provider declares (`enum dma_transaction_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capability {
    /// `DMA_MEMCPY`: [`ChannelOps::prep_memcpy`].
    Memcpy,
    /// `DMA_SLAVE`: [`ChannelOps::prep_slave_sg`].
    Slave,
    /// `DMA_CYCLIC`: [`ChannelOps::prep_cyclic`].
    Cyclic,
    /// `DMA_PRIVATE`: channels are only handed out by request, never to
    /// generic `dma_find_channel()` users.
    Private,
}

impl Capability {
    /// This capability's bit number in a `dma_cap_mask_t`.
    pub(super) fn bit(self) -> u32 {
        match self {
            Self::Memcpy => ffi::dma_transaction_type_DMA_MEMCPY,
            Self::Slave => ffi::dma_transaction_type_DMA_SLAVE,
            Self::Cyclic => ffi::dma_transaction_type_DMA_CYCLIC,
            Self::Private => ffi::dma_transaction_type_DMA_PRIVATE,
        }
    }
}

/// How precisely the provider reports residue
/// (`enum dma_residue_granularity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResidueGranularity {
    /// Only per descriptor: done or not.
    Descriptor,
    /// After each completed segment (scatterlist entry or period).
    Segment,
    /// After each burst: the residue moves as data moves.
    Burst,
}

impl ResidueGranularity {
    /// The `enum dma_residue_granularity` value.
    pub(super) fn as_raw(self) -> ffi::dma_residue_granularity {
        match self {
            Self::Descriptor => ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_DESCRIPTOR,
            Self::Segment => ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_SEGMENT,
            Self::Burst => ffi::dma_residue_granularity_DMA_RESIDUE_GRANULARITY_BURST,
        }
    }
}

/// What a provider declares about its `dma_device`.
pub(crate) struct DeviceInfo {
    /// Operations offered.
    pub(crate) caps: &'static [Capability],
    /// Directions offered.
    pub(crate) directions: &'static [TransferDirection],
    /// Mask of supported slave bus widths (see
    /// [`BusWidth::mask_bit`](super::super::BusWidth::mask_bit)), for both
    /// source and destination.
    pub(crate) addr_widths: u32,
    /// Residue precision.
    pub(crate) residue_granularity: ResidueGranularity,
    /// Memcpy address and length alignment, as log2 of bytes
    /// (`enum dmaengine_alignment`; 2 means 4 bytes).
    pub(crate) copy_align_log2: u8,
    /// Largest burst, in words of the bus width.
    pub(crate) max_burst: u32,
    /// Largest scatterlist segment in bytes (`dma_set_max_seg_size()`).
    pub(crate) max_segment_size: u32,
    /// Whether clients may mark descriptors for reuse
    /// (`dma_device.descriptor_reuse`, `dmaengine_desc_set_reuse()`): a
    /// reused descriptor is re-submitted after it completes or is
    /// terminated, and freed only by `dmaengine_desc_free()`. virt-dma keeps
    /// such descriptors on its allocated list instead of freeing them
    /// (`vchan_vdesc_fini()`), so a driver's descriptor must stay valid to
    /// run again after completion or termination.
    pub(crate) descriptor_reuse: bool,
}

/// Which channel an of_dma specifier selects.
pub(crate) enum Xlate {
    /// The channel with this index in the registration.
    Index(usize),
    /// Any free channel (`dma_get_any_slave_channel()`).
    Any,
}

/// The operations of a provider's channel (the `device_*` members of
/// `struct dma_device`), implemented by the driver for its per-channel
/// data; every operation receives the [`Channel`] that holds it, or its
/// lock held ([`ChannelGuard`]).
///
/// Prep operations may be called in atomic context: they must not sleep and
/// must allocate with `GFP_NOWAIT`.
///
/// `pause` and `resume` are optional (`#[vtable]`): `device_pause` and
/// `device_resume` are only installed, and `cmd_pause`/`cmd_resume` only
/// reported to clients, when the driver implements them.
#[vtable]
pub(crate) trait ChannelOps: Send + Sync + Sized + 'static {
    /// One prepared transfer: whatever the engine needs to run it.
    type Desc: Send + 'static;
    /// Channel state protected by the channel lock (`vc.lock`): the running
    /// descriptor, ... Reached through [`ChannelGuard::state`].
    type State: Send + 'static;

    /// Prepares a memcpy of `dst.len()` bytes (equal to `src.len()`, never
    /// zero) from `src` to `dst` (`device_prep_dma_memcpy`).
    ///
    /// # Errors
    ///
    /// Any errno: the C core then returns NULL to the client.
    fn prep_memcpy(
        _chan: &Channel<Self>,
        _dst: MemRange,
        _src: MemRange,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Prepares a slave transfer over the segments of `sg`, in `dir`
    /// (`MemToDev` or `DevToMem`), to or from `fifo`, the device side of the
    /// last slave config this module accepted (`device_prep_slave_sg`).
    ///
    /// # Errors
    ///
    /// Any errno: the C core then returns NULL to the client.
    fn prep_slave_sg(
        _chan: &Channel<Self>,
        _sg: SgList<'_>,
        _dir: TransferDirection,
        _fifo: Fifo,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Prepares a cyclic transfer over `buf` (never empty) in periods of
    /// `period_len` bytes, in `dir` to or from `fifo`, looping until
    /// terminated (`device_prep_dma_cyclic`).
    ///
    /// # Errors
    ///
    /// Any errno: the C core then returns NULL to the client.
    fn prep_cyclic(
        _chan: &Channel<Self>,
        _buf: MemRange,
        _period_len: usize,
        _dir: TransferDirection,
        _fifo: Fifo,
        _flags: PrepFlags,
    ) -> Result<Self::Desc> {
        Err(EINVAL)
    }

    /// Checks a slave config (`device_config`). When this returns `Ok`,
    /// this module records the config's device sides and passes them to
    /// later slave and cyclic preps as their [`Fifo`].
    ///
    /// # Errors
    ///
    /// `EINVAL` (or any errno) to refuse it; the previous config stays.
    fn config(_guard: &mut ChannelGuard<'_, Self>, _config: &SlaveConfig) -> Result {
        Err(EINVAL)
    }

    /// Descriptors were issued: start the next one if the engine is idle
    /// (`device_issue_pending`).
    fn issue_pending(guard: &mut ChannelGuard<'_, Self>);

    /// Bytes left of the descriptor with `cookie` if it is the one running,
    /// read from the engine; `None` if it is not running.
    fn active_residue(guard: &mut ChannelGuard<'_, Self>, cookie: Cookie) -> Option<u32>;

    /// Bytes of a descriptor not started yet.
    fn desc_len(desc: &Self::Desc) -> u32;

    /// Pauses the running transfer (`device_pause`). Optional.
    ///
    /// # Errors
    ///
    /// Any errno, returned to the client.
    fn pause(_guard: &mut ChannelGuard<'_, Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Resumes a paused transfer (`device_resume`). Optional.
    ///
    /// # Errors
    ///
    /// Any errno, returned to the client.
    fn resume(_guard: &mut ChannelGuard<'_, Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Stops the engine and hands the running descriptor back with
    /// [`ChannelGuard::terminate`] (`device_terminate_all`). Queued
    /// descriptors are freed by this module afterwards.
    ///
    /// # Errors
    ///
    /// Any errno, returned to the client.
    fn terminate_all(guard: &mut ChannelGuard<'_, Self>) -> Result;

    /// Waits until the engine no longer touches terminated descriptors
    /// (`device_synchronize`); may sleep.
    fn synchronize(_chan: &Channel<Self>) {}

    /// Selects a channel for the cells of a DT `dmas` specifier
    /// (`of_dma_xlate`).
    ///
    /// # Errors
    ///
    /// `EINVAL` (or any errno) for a specifier this provider does not
    /// accept: the client gets no channel.
    fn xlate(_args: &[u32]) -> Result<Xlate> {
        Err(EINVAL)
    }
}
