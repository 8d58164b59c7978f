// SPDX-License-Identifier: GPL-2.0

//! Slave configs (`struct dma_slave_config`): what a consumer applies to a
//! channel and a provider's `device_config` checks.

use super::super::ffi;
use super::{DmaAddr, TransferDirection};

/// A slave config (`struct dma_slave_config`): the device side of slave
/// transfers, per direction.
///
/// A device address makes the engine read or write there; so setting one
/// from a raw address is `unsafe` ([`SlaveConfig::set_device`]). Consumers
/// that use memory as the device side (the software engine's tests) go
/// through `consumer::DmaChannel::config_memory_fifo`, which owns it.
pub(crate) struct SlaveConfig(ffi::dma_slave_config);

impl SlaveConfig {
    /// An empty config (all fields zero: widths undefined).
    pub(crate) fn new() -> Self {
        Self(ffi::dma_slave_config::default())
    }

    /// The config the C core passed to `device_config`.
    pub(super) fn from_raw(raw: ffi::dma_slave_config) -> Self {
        Self(raw)
    }

    /// The device FIFO address for `dir`: `dst_addr` for MEM_TO_DEV,
    /// `src_addr` for DEV_TO_MEM, 0 otherwise.
    pub(crate) fn device_addr(&self, dir: TransferDirection) -> DmaAddr {
        match dir {
            TransferDirection::MemToDev => self.0.dst_addr,
            TransferDirection::DevToMem => self.0.src_addr,
            TransferDirection::MemToMem => 0,
        }
    }

    /// The device-side bus width for `dir`, in bytes (0: undefined).
    pub(crate) fn device_width(&self, dir: TransferDirection) -> u32 {
        match dir {
            TransferDirection::MemToDev => self.0.dst_addr_width,
            TransferDirection::DevToMem => self.0.src_addr_width,
            TransferDirection::MemToMem => 0,
        }
    }

    /// Sets the device FIFO address and bus width (bytes) for `dir`, and the
    /// burst (words).
    ///
    /// # Safety
    ///
    /// `addr` must be a DMA address the provider's engine may read (for
    /// `MemToDev`) or write (for `DevToMem`) with width-sized accesses for as
    /// long as any transfer prepared with this config can run: a device
    /// FIFO register, or memory mapped for the provider's device and not
    /// accessed by the CPU meanwhile.
    pub(crate) unsafe fn set_device(
        &mut self,
        dir: TransferDirection,
        addr: DmaAddr,
        width: u32,
        maxburst: u32,
    ) -> &mut Self {
        self.set_device_unchecked(dir, addr, width, maxburst)
    }

    /// [`Self::set_device`] for the consumer abstraction, which owns the
    /// memory at `addr` itself.
    pub(super) fn set_device_unchecked(
        &mut self,
        dir: TransferDirection,
        addr: DmaAddr,
        width: u32,
        maxburst: u32,
    ) -> &mut Self {
        match dir {
            TransferDirection::MemToDev => {
                self.0.dst_addr = addr;
                self.0.dst_addr_width = width;
                self.0.dst_maxburst = maxburst;
            }
            TransferDirection::DevToMem => {
                self.0.src_addr = addr;
                self.0.src_addr_width = width;
                self.0.src_maxburst = maxburst;
            }
            TransferDirection::MemToMem => {}
        }
        self
    }

    /// The C struct, for `dmaengine_slave_config()`.
    pub(super) fn as_raw(&mut self) -> *mut ffi::dma_slave_config {
        &mut self.0
    }
}
