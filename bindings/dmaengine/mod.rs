// SPDX-License-Identifier: GPL-2.0

//! Safe dmaengine abstractions shared by providers and consumers.
//!
//! C header: `include/linux/dmaengine.h`; documentation:
//! `Documentation/driver-api/dmaengine/`.

pub(crate) mod consumer;
pub(crate) mod cpu_copy;
mod direction;
pub(crate) mod provider;
mod slave_config;
mod types;

pub(crate) use direction::TransferDirection;
pub(crate) use slave_config::SlaveConfig;
pub(crate) use types::{BusWidth, Completion, Cookie, DmaAddr, PrepFlags, Status, TxResult};
