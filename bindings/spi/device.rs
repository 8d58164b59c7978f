// SPDX-License-Identifier: GPL-2.0

//! An SPI device (`struct spi_device`) as its controller sees it.

use super::super::ffi;
use core::marker::PhantomData;
use kernel::device;

/// SPI mode bits (`spi->mode`, `include/uapi/linux/spi/spi.h`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Mode(u32);

impl Mode {
    /// Clock phase: sample on the trailing edge (`SPI_CPHA`).
    pub(crate) const CPHA: Self = Self(1 << 0);
    /// Clock polarity: idle high (`SPI_CPOL`).
    pub(crate) const CPOL: Self = Self(1 << 1);
    /// Chip select active high (`SPI_CS_HIGH`).
    pub(crate) const CS_HIGH: Self = Self(1 << 2);
    /// Data in and out on one line (`SPI_3WIRE`).
    pub(crate) const THREE_WIRE: Self = Self(1 << 4);
    /// No chip select (`SPI_NO_CS`).
    pub(crate) const NO_CS: Self = Self(1 << 6);

    /// The raw bits.
    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub(crate) const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Mode {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// An SPI device on the controller, lent to a [`super::Controller`]
/// operation for its duration. Its fields are read when asked for (the
/// per-transfer operations need none).
///
/// # Invariants
///
/// `raw` is a registered `spi_device` of the controller, valid for `'a`.
pub(crate) struct SpiDevice<'a> {
    raw: *mut ffi::spi_device,
    _p: PhantomData<&'a ffi::spi_device>,
}

impl SpiDevice<'_> {
    /// # Safety
    ///
    /// `raw` must be a registered `spi_device`, valid while the result
    /// lives.
    pub(super) unsafe fn from_raw(raw: *mut ffi::spi_device) -> Self {
        // INVARIANT: Per the safety requirements.
        Self {
            raw,
            _p: PhantomData,
        }
    }

    pub(super) fn as_raw(&self) -> *mut ffi::spi_device {
        self.raw
    }

    fn info(&self) -> ffi::oxdma_spi_device_info {
        let mut info = ffi::oxdma_spi_device_info::default();
        // SAFETY: `raw` is valid (type invariant); `info` is valid for
        // writes.
        unsafe { ffi::oxdma_spi_device_info(self.raw, &mut info) };
        info
    }

    /// The device, for messages and its DT node.
    pub(crate) fn device(&self) -> &device::Device {
        // SAFETY: `raw` is valid (type invariant); its `dev` lives as long.
        unsafe { device::Device::from_raw(ffi::oxdma_spi_device_dev(self.raw)) }
    }

    /// Its mode bits.
    pub(crate) fn mode(&self) -> Mode {
        Mode(self.info().mode)
    }

    /// Its maximum clock rate in Hz (`spi-max-frequency`, capped by the
    /// controller's).
    pub(crate) fn max_speed_hz(&self) -> u32 {
        self.info().max_speed_hz
    }

    /// Its first chip select (`reg`).
    pub(crate) fn chip_select(&self) -> u8 {
        self.info().chip_select
    }

    /// Whether the core drives its chip select as a GPIO (`cs-gpios`, or a
    /// native one converted by the registration).
    pub(crate) fn has_cs_gpio(&self) -> bool {
        self.info().cs_gpio
    }
}
