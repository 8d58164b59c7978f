// SPDX-License-Identifier: GPL-2.0

//! Transfer directions (`enum dma_transfer_direction`).

use super::super::ffi;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::{CStr, CStrExt};

/// The direction of a transfer, as `enum dma_transfer_direction`, limited to
/// the three the BCM2835 engine can do (no `DMA_DEV_TO_DEV`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransferDirection {
    /// `DMA_MEM_TO_MEM`: memcpy.
    MemToMem,
    /// `DMA_MEM_TO_DEV`: memory to a peripheral FIFO (slave TX).
    MemToDev,
    /// `DMA_DEV_TO_MEM`: a peripheral FIFO to memory (slave RX).
    DevToMem,
}

impl TransferDirection {
    /// The C enum value.
    pub(crate) fn as_raw(self) -> ffi::dma_transfer_direction {
        match self {
            Self::MemToMem => ffi::dma_transfer_direction_DMA_MEM_TO_MEM,
            Self::MemToDev => ffi::dma_transfer_direction_DMA_MEM_TO_DEV,
            Self::DevToMem => ffi::dma_transfer_direction_DMA_DEV_TO_MEM,
        }
    }

    /// The direction named by a C enum value.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `DMA_DEV_TO_DEV`, `DMA_TRANS_NONE` and values outside the
    /// enum: no BCM2835 channel can do them.
    pub(crate) fn from_raw(raw: ffi::dma_transfer_direction) -> Result<Self> {
        match raw {
            ffi::dma_transfer_direction_DMA_MEM_TO_MEM => Ok(Self::MemToMem),
            ffi::dma_transfer_direction_DMA_MEM_TO_DEV => Ok(Self::MemToDev),
            ffi::dma_transfer_direction_DMA_DEV_TO_MEM => Ok(Self::DevToMem),
            _ => Err(EINVAL),
        }
    }
}

/// The C core's own name for the direction ("MEM_TO_DEV", ...), from
/// `dmaengine_get_direction_text()`, so messages match the C drivers'.
impl fmt::Display for TransferDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: `dmaengine_get_direction_text()` accepts any value.
        let ptr = unsafe { ffi::oxdma_dmaengine_get_direction_text(self.as_raw()) };
        // SAFETY: `ptr` points to a NUL-terminated string literal, valid and
        // unchanged for the kernel's lifetime.
        let text = unsafe { CStr::from_char_ptr(ptr) };
        f.write_str(text.to_str().map_err(|_| fmt::Error)?)
    }
}
