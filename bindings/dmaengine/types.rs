// SPDX-License-Identifier: GPL-2.0

//! Value types shared by the provider and consumer sides of dmaengine.
//!
//! C header: `include/linux/dmaengine.h`.

use super::super::ffi;
use kernel::bindings;

/// A DMA address as the DMA engine sees it (`dma_addr_t`), in bytes.
pub(crate) type DmaAddr = bindings::dma_addr_t;

/// A transaction cookie (`dma_cookie_t`): the C core's sequence number of a
/// submitted descriptor on its channel; always positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cookie(pub(crate) ffi::dma_cookie_t);

/// How a transfer ended, as `enum dmaengine_tx_result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxResult {
    /// `DMA_TRANS_NOERROR`.
    Ok,
    /// `DMA_TRANS_READ_FAILED`: the engine could not read the source.
    ReadFailed,
    /// `DMA_TRANS_WRITE_FAILED`: the engine could not write the destination.
    WriteFailed,
    /// `DMA_TRANS_ABORTED`: terminated before it completed.
    Aborted,
}

impl TxResult {
    /// The `enum dmaengine_tx_result` value.
    pub(crate) fn as_raw(self) -> ffi::dmaengine_tx_result {
        match self {
            Self::Ok => ffi::dmaengine_tx_result_DMA_TRANS_NOERROR,
            Self::ReadFailed => ffi::dmaengine_tx_result_DMA_TRANS_READ_FAILED,
            Self::WriteFailed => ffi::dmaengine_tx_result_DMA_TRANS_WRITE_FAILED,
            Self::Aborted => ffi::dmaengine_tx_result_DMA_TRANS_ABORTED,
        }
    }

    /// The result for an `enum dmaengine_tx_result` value; unknown values
    /// read as [`TxResult::Aborted`].
    pub(crate) fn from_raw(raw: ffi::dmaengine_tx_result) -> Self {
        match raw {
            ffi::dmaengine_tx_result_DMA_TRANS_NOERROR => Self::Ok,
            ffi::dmaengine_tx_result_DMA_TRANS_READ_FAILED => Self::ReadFailed,
            ffi::dmaengine_tx_result_DMA_TRANS_WRITE_FAILED => Self::WriteFailed,
            _ => Self::Aborted,
        }
    }
}

/// What a completion callback receives (`struct dmaengine_result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Completion {
    /// How the transfer (or, for cyclic transfers, the period) ended.
    pub(crate) result: TxResult,
    /// Bytes not transferred, as the provider reported them.
    pub(crate) residue: u32,
}

/// The state of a transaction (`enum dma_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// `DMA_COMPLETE`.
    Complete,
    /// `DMA_IN_PROGRESS`: submitted, queued or running.
    InProgress,
    /// `DMA_PAUSED`.
    Paused,
    /// `DMA_ERROR`.
    Error,
}

impl Status {
    /// The `enum dma_status` value.
    pub(crate) fn as_raw(self) -> ffi::dma_status {
        match self {
            Self::Complete => ffi::dma_status_DMA_COMPLETE,
            Self::InProgress => ffi::dma_status_DMA_IN_PROGRESS,
            Self::Paused => ffi::dma_status_DMA_PAUSED,
            Self::Error => ffi::dma_status_DMA_ERROR,
        }
    }

    /// The status for an `enum dma_status` value; unknown values read as
    /// [`Status::Error`].
    pub(crate) fn from_raw(raw: ffi::dma_status) -> Self {
        match raw {
            ffi::dma_status_DMA_COMPLETE => Self::Complete,
            ffi::dma_status_DMA_IN_PROGRESS => Self::InProgress,
            ffi::dma_status_DMA_PAUSED => Self::Paused,
            _ => Self::Error,
        }
    }
}

/// Slave bus widths (`enum dma_slave_buswidth`), in bytes per beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BusWidth {
    /// 1 byte.
    Bytes1 = 1,
    /// 2 bytes.
    Bytes2 = 2,
    /// 4 bytes.
    Bytes4 = 4,
    /// 8 bytes.
    Bytes8 = 8,
}

impl BusWidth {
    /// The width for a `dma_slave_config` value; `None` for
    /// `DMA_SLAVE_BUSWIDTH_UNDEFINED` and widths oxdma does not use.
    pub(crate) fn from_raw(raw: ffi::dma_slave_buswidth) -> Option<Self> {
        match raw {
            1 => Some(Self::Bytes1),
            2 => Some(Self::Bytes2),
            4 => Some(Self::Bytes4),
            8 => Some(Self::Bytes8),
            _ => None,
        }
    }

    /// This width's bit in a `src_addr_widths`/`dst_addr_widths` mask.
    pub(crate) const fn mask_bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// Flags passed to a prep operation (`enum dma_ctrl_flags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrepFlags(pub(crate) kernel::ffi::c_ulong);

impl PrepFlags {
    /// `DMA_PREP_INTERRUPT`: call the completion callback (per period for
    /// cyclic transfers).
    pub(crate) const INTERRUPT: Self =
        Self(ffi::dma_ctrl_flags_DMA_PREP_INTERRUPT as kernel::ffi::c_ulong);
    /// `DMA_CTRL_ACK`: the client does not reuse the descriptor.
    pub(crate) const ACK: Self = Self(ffi::dma_ctrl_flags_DMA_CTRL_ACK as kernel::ffi::c_ulong);

    /// Whether all of `other`'s flags are set.
    pub(crate) fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for PrepFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}
