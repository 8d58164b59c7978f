// SPDX-License-Identifier: GPL-2.0

//! KUnit suites for oxdma, run in the QEMU guest by `make check`.

use kernel::prelude::*;

// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;
#[path = "../../drivers/dma/bcm2835/cb.rs"]
mod cb;
mod softdma_consumer;

#[kunit_tests(oxdma_dmaengine_direction)]
mod dmaengine_direction {
    use super::bindings::dmaengine::TransferDirection;
    use kernel::prelude::*;
    use kernel::str::CString;

    const ALL: [TransferDirection; 3] = [
        TransferDirection::MemToMem,
        TransferDirection::MemToDev,
        TransferDirection::DevToMem,
    ];

    #[test]
    fn raw_value_round_trips() {
        for dir in ALL {
            assert_eq!(TransferDirection::from_raw(dir.as_raw()), Ok(dir));
        }
    }

    #[test]
    fn unsupported_raw_values_are_einval() {
        // DMA_DEV_TO_DEV (3), DMA_TRANS_NONE (4) and out-of-range values.
        for raw in [3, 4, 99] {
            assert_eq!(TransferDirection::from_raw(raw), Err(EINVAL));
        }
    }

    #[test]
    fn display_uses_the_c_core_names() {
        // Formatted by the C shim over dmaengine_get_direction_text().
        let mut text = KVec::<u8>::new();
        for dir in ALL {
            let name = CString::try_from_fmt(fmt!("{dir}")).expect("allocation");
            text.extend_from_slice(name.to_bytes(), GFP_KERNEL)
                .expect("allocation");
            text.push(b' ', GFP_KERNEL).expect("allocation");
        }
        assert_eq!(&text[..], b"MEM_TO_MEM MEM_TO_DEV DEV_TO_MEM ");
    }
}

#[kunit_tests(oxdma_bcm2835_cb)]
mod bcm2835_cb {
    use super::cb::{split_lengths, ti, transfer_info, ChannelKind, ControlBlock, Direction};

    #[test]
    fn control_block_is_32_bytes_and_aligned() {
        assert_eq!(core::mem::size_of::<ControlBlock>(), 32);
        assert_eq!(core::mem::align_of::<ControlBlock>(), 32);
    }

    #[test]
    fn transfer_info_memcpy_increments_both_and_ignores_dreq() {
        assert_eq!(transfer_info(Direction::MemToMem, 13), 0x0000_0118);
    }

    #[test]
    fn transfer_info_mem_to_dev_paces_destination() {
        // DREQ 12 (PL011 TX): PERMAP = 12, DEST_DREQ, SRC_INC, WAIT_RESP.
        let info = transfer_info(Direction::MemToDev, 12);
        assert_eq!(
            info,
            (12 << 16) | ti::SRC_INC | ti::DEST_DREQ | ti::WAIT_RESP
        );
        assert_eq!(info & ti::DEST_INC, 0);
    }

    #[test]
    fn transfer_info_dev_to_mem_paces_source() {
        // DREQ 13 (SD host): PERMAP = 13, SRC_DREQ, DEST_INC, WAIT_RESP.
        let info = transfer_info(Direction::DevToMem, 13);
        assert_eq!(
            info,
            (13 << 16) | ti::SRC_DREQ | ti::DEST_INC | ti::WAIT_RESP
        );
        assert_eq!(info & ti::SRC_INC, 0);
    }

    #[test]
    fn transfer_info_masks_permap_to_five_bits() {
        assert_eq!(transfer_info(Direction::DevToMem, 0x21) >> 16 & 0x1f, 1);
    }

    #[test]
    fn split_at_lite_maximum() {
        let max = ChannelKind::Lite.max_cb_len();
        assert_eq!(max, 65532);
        let mut it = split_lengths(2 * 65532 + 8, max);
        assert_eq!(it.next(), Some(65532));
        assert_eq!(it.next(), Some(65532));
        assert_eq!(it.next(), Some(8));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn split_exact_multiple_has_no_empty_tail() {
        assert_eq!(split_lengths(4096, 1024).count(), 4);
        assert!(split_lengths(4096, 1024).all(|l| l == 1024));
    }

    #[test]
    fn split_of_zero_is_empty() {
        assert_eq!(split_lengths(0, ChannelKind::Full.max_cb_len()).count(), 0);
    }
}

module! {
    type: OxdmaKunit,
    name: "oxdma_kunit",
    authors: ["oxdma developers"],
    description: "KUnit suites for oxdma",
    license: "GPL",
}

struct OxdmaKunit;

impl kernel::Module for OxdmaKunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(OxdmaKunit)
    }
}
