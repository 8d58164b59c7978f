// SPDX-License-Identifier: GPL-2.0

//! dmaengine providers: registering a `struct dma_device` whose channels are
//! C virt-dma channels (`drivers/dma/virt-dma.[ch]`), each driven by a
//! driver's [`ChannelOps`] implementation.
//!
//! Names: [`ChannelOps`] is the trait a driver implements for its
//! per-channel data; [`Channel`] is the channel object this module owns (the
//! C `virt_dma_chan`, the driver's data and its lock-protected state);
//! [`ChannelGuard`] is that channel's lock, held; [`Active`] is a descriptor
//! the driver runs. A consumer's handle on a channel is
//! `consumer::DmaChannel`.
//!
//! The C core keeps cookies and the descriptor lists; this module makes the
//! descriptor lifecycle a matter of types:
//!
//! - a prep operation receives the memory the client mapped for the
//!   transfer as [`MemRange`]s (and the device side as a [`Fifo`]), which
//!   only this module creates, and returns the driver's own descriptor
//!   (`ChannelOps::Desc`), which this module boxes and hands to virt-dma
//!   (`vchan_tx_prep()`);
//! - only [`ChannelGuard::take_next`] moves an issued descriptor to the
//!   driver, as an [`Active`] handle that cannot be copied;
//! - an [`Active`] leaves the driver only by [`ChannelGuard::complete`] or
//!   [`ChannelGuard::terminate`] under its own channel's lock, each
//!   consuming it, so a descriptor completes at most once and is never freed
//!   while the driver holds it;
//! - terminated descriptors are freed in `device_synchronize`, after the
//!   driver's [`ChannelOps::synchronize`] has stopped the engine and virt-dma
//!   has killed its callback tasklet (`vchan_synchronize()`), so no callback
//!   runs after synchronize returns.
//!
//! Files: `ops.rs` (the trait and what a provider declares), `ranges.rs`
//! (the memory a prep operation receives), `channel.rs` (channel, guard,
//! active descriptor), `registration.rs` (`dma_device`, of_dma, debugfs),
//! `adapter.rs` (the C callbacks).
//!
//! Documentation: `Documentation/driver-api/dmaengine/provider.rst`.

mod adapter;
mod channel;
mod ops;
mod ranges;
mod registration;

pub(crate) use channel::{Active, Channel, ChannelGuard};
pub(crate) use ops::{Capability, ChannelOps, DeviceInfo, ResidueGranularity, Xlate};
pub(crate) use ranges::{Fifo, MemRange, SgList};
pub(crate) use registration::Registration;
