// SPDX-License-Identifier: GPL-2.0

//! SPI controller drivers over the C SPI core (`drivers/spi/spi.c`): the
//! core queues messages, drives GPIO chip selects, splits transfers at the
//! controller's limit and maps them for DMA; a driver implements
//! [`Controller`] and moves one transfer at a time.
//!
//! Memory safety by construction:
//!
//! - a transfer's buffers are reached by the CPU only through [`Pio`],
//!   while the transfer is the current one and not mapped for DMA, and by
//!   an interrupt handler only while [`Pio::lend`] lends them;
//! - the core-mapped tables of a DMA transfer ([`DmaSg`]) exist only
//!   inside [`Transfer::dma`], for the controller's own channels; if one is
//!   still owned by a DMA transfer when the closure returns (leaked), both
//!   channels are terminated before the core may unmap it;
//! - the controller's DMA channels ([`SpiDma`]) are owned by the
//!   registration, which the core uses through `dma_tx`/`dma_rx` until the
//!   controller is unregistered;
//! - per-device data lives from `setup` to `cleanup`, both serialised with
//!   transfers by the core's `io_mutex`.
//!
//! Documentation: `Documentation/spi/spi-summary.rst`.

mod controller;
mod device;
mod transfer;

pub(crate) use controller::{Controller, DmaSlot, Limits, Registration, Side, SpiDma};
pub(crate) use device::{Mode, SpiDevice};
pub(crate) use transfer::{DmaSg, Pio, PioSlot, Transfer};
