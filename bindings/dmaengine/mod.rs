// SPDX-License-Identifier: GPL-2.0

//! Safe dmaengine abstractions shared by providers and consumers.
//!
//! C header: `include/linux/dmaengine.h`; documentation:
//! `Documentation/driver-api/dmaengine/`.

mod direction;

pub(crate) use direction::TransferDirection;
