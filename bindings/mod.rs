// SPDX-License-Identifier: GPL-2.0

//! The Rust layer oxdma's modules share: FFI generated at build time for the
//! C APIs the `kernel` crate does not bind yet (dmaengine, of_dma, virt-dma,
//! the SPI core),
//! and safe abstractions on top.
//!
//! Each module crate includes this tree with
//! `#[path = ".../bindings/mod.rs"] mod bindings;` and links
//! `bindings/shims.c` through a one-line C file of its own.

pub(crate) mod completion;
mod device;
pub(crate) mod dma_mapping;
pub(crate) mod dma_pool;
pub(crate) mod dmaengine;
mod ffi;
pub(crate) mod mmio;
pub(crate) mod of_device;
pub(crate) mod platform;
pub(crate) mod spi;
