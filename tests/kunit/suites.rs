// SPDX-License-Identifier: GPL-2.0

//! KUnit suites for oxdma, run in the QEMU guest by `make check`.

use kernel::prelude::*;

mod bcm2835_consumer;
// Shared source: each module compiles all of it and uses a part.
#[allow(dead_code, unused_imports)]
#[path = "../../bindings/mod.rs"]
mod bindings;
#[path = "../../drivers/dma/bcm2835/cb.rs"]
mod cb;
mod softdma_consumer;
#[allow(dead_code)]
mod spi0;

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
    use super::cb::{
        cyclic_chain, dreq_from_cells, ignore_source, link, memcpy_chain, residue, slave_chain,
        slave_single, split_lengths, ti, transfer_info, Chain, ChannelKind, ControlBlock,
        Direction, Slave,
    };
    use kernel::prelude::*;

    const LITE: u32 = ChannelKind::Lite.max_cb_len();

    fn slave(dir: Direction, dreq: u32, fifo: u64) -> Slave {
        Slave { dir, dreq, fifo }
    }

    #[test]
    fn control_block_is_32_bytes_and_aligned() {
        assert_eq!(core::mem::size_of::<ControlBlock>(), 32);
        assert_eq!(core::mem::align_of::<ControlBlock>(), 32);
    }

    #[test]
    fn transfer_info_memcpy_increments_both_and_ignores_dreq() {
        assert_eq!(transfer_info(Direction::MemToMem, 13), 0x0000_0110);
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
    fn dt_specifier_is_one_dreq_cell() {
        assert!(dreq_from_cells(&[13]) == Ok(13));
        assert!(dreq_from_cells(&[0]) == Ok(0));
        assert!(dreq_from_cells(&[32]) == Err(EINVAL));
        assert!(dreq_from_cells(&[]) == Err(EINVAL));
        assert!(dreq_from_cells(&[13, 1]) == Err(EINVAL));
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
    fn full_maximum_fits_the_30_bit_xlength() {
        // XLENGTH is bits 0-29 of TXFR_LEN: 1 << 30 would wrap to 0.
        let max = ChannelKind::Full.max_cb_len();
        assert_eq!(max, (1 << 30) - 4);
        assert!(max < 1 << 30);
        assert_eq!(max % 4, 0);
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

    #[test]
    fn chain_holds_one_inline_and_grows_in_order() -> Result {
        let mut c = Chain::with_capacity(1)?;
        assert!(matches!(c, Chain::Empty) && c.is_empty());
        c.push(1u32)?;
        assert!(matches!(c, Chain::One(1)));
        c.push(2)?;
        c.push(3)?;
        c[1] = 5;
        assert!(matches!(c, Chain::Many(_)));
        assert_eq!(&c[..], &[1, 5, 3]);
        // A memcpy that fits one CB allocates no vector.
        let one = memcpy_chain(0x2000_0000, 0x1000_0000, 4093, LITE)?;
        assert!(matches!(one, Chain::One(_)));
        Ok(())
    }

    #[test]
    fn memcpy_chain_splits_advances_and_interrupts_last() -> Result {
        let cbs = memcpy_chain(0x2000_0000, 0x1000_0000, 2 * 65532 + 8, LITE)?;
        assert_eq!(cbs.len(), 3);
        assert_eq!(
            (cbs[1].source_ad, cbs[1].dest_ad, cbs[1].txfr_len),
            (0x1000_0000 + 65532, 0x2000_0000 + 65532, 65532)
        );
        assert_eq!(cbs[2].txfr_len, 8);
        assert_eq!(cbs[0].ti & ti::INTEN, 0);
        assert_eq!(cbs[1].ti & ti::INTEN, 0);
        assert_ne!(cbs[2].ti & ti::INTEN, 0);
        Ok(())
    }

    #[test]
    fn memcpy_waits_for_the_write_response_on_its_last_cb_only() -> Result {
        // bcm2835_dma_prep_dma_memcpy(): info = D_INC | S_INC on every CB,
        // finalextrainfo = INT_EN | WAIT_RESP on the last.
        let cbs = memcpy_chain(0x2000_0000, 0x1000_0000, 2 * 65532 + 8, LITE)?;
        assert_eq!(cbs[0].ti, ti::SRC_INC | ti::DEST_INC);
        assert_eq!(cbs[1].ti, ti::SRC_INC | ti::DEST_INC);
        assert_eq!(
            cbs[2].ti,
            ti::SRC_INC | ti::DEST_INC | ti::INTEN | ti::WAIT_RESP
        );
        Ok(())
    }

    #[test]
    fn residue_never_overflows_on_odd_positions() -> Result {
        // Five maximal full-channel CBs sum past u32; a position outside
        // its CB, or a CB whose end wraps the 32-bit bus, must not panic.
        let full = ChannelKind::Full.max_cb_len();
        let mut big = ControlBlock::default();
        big.source_ad = 0x1000;
        big.txfr_len = full;
        let cbs = [big; 5];
        assert_eq!(
            residue(cbs.iter().copied(), 0, Direction::MemToMem, 0x1000),
            u32::MAX
        );
        assert_eq!(
            residue(cbs.iter().copied(), 9, Direction::MemToMem, 0),
            u32::MAX
        );
        assert_eq!(
            residue(cbs.iter().copied(), 4, Direction::MemToMem, 0x1000 + full),
            0
        );
        // Before its start (modulo 2^32: far past it): all done.
        assert_eq!(
            residue(cbs.iter().copied(), 4, Direction::MemToMem, 0x0fff),
            0
        );
        let wrap = memcpy_chain(0x1000, 0xffff_f000, 0x2000, full)?;
        assert_eq!(
            residue(wrap.iter().copied(), 0, Direction::MemToMem, 0xffff_f800),
            0x1800
        );
        assert_eq!(
            residue(wrap.iter().copied(), 0, Direction::MemToMem, 0x0000_0800),
            0x800
        );
        Ok(())
    }

    #[test]
    fn chain_beyond_32_bit_bus_addresses_is_einval() {
        assert!(memcpy_chain(1 << 32, 0, 4, LITE).err() == Some(EINVAL));
    }

    #[test]
    fn slave_chain_fixes_the_fifo_side_per_direction() -> Result {
        let segs = [(0x1000u64, 4096usize), (0x8000, 100_000)];
        let tx = slave_chain(
            slave(Direction::MemToDev, 12, 0x7e20_1000),
            segs.iter().copied().map(Ok),
            LITE,
        )?;
        // 4096, then 100_000 split into 65532 + 34468.
        assert_eq!(tx.len(), 3);
        assert!(tx.iter().all(|cb| cb.dest_ad == 0x7e20_1000));
        assert_eq!(
            [tx[0].source_ad, tx[1].source_ad, tx[2].source_ad],
            [0x1000, 0x8000, 0x8000 + 65532]
        );
        assert_eq!(tx[2].txfr_len, 34468);
        let rx = slave_chain(
            slave(Direction::DevToMem, 13, 0x7e20_2040),
            segs.iter().copied().map(Ok),
            LITE,
        )?;
        assert!(rx.iter().all(|cb| cb.source_ad == 0x7e20_2040));
        assert_eq!(rx[0].ti >> 16 & 0x1f, 13);
        assert!(slave_chain(
            slave(Direction::MemToMem, 0, 0),
            segs.iter().copied().map(Ok),
            LITE
        )
        .is_err());
        Ok(())
    }

    #[test]
    fn slave_single_is_the_one_cb_of_slave_chain() -> Result {
        for (dir, fifo) in [
            (Direction::MemToDev, 0x7e20_4004u64),
            (Direction::DevToMem, 0x7e20_4004),
        ] {
            for len in [1usize, 3, 256, LITE as usize] {
                let s = slave(dir, 6, fifo);
                let chain = slave_chain(s, [Ok((0x1000u64, len))].into_iter(), LITE)?;
                assert_eq!(chain.len(), 1);
                assert_eq!(slave_single(s, 0x1000, len, LITE)?, chain[0]);
            }
        }
        let s = slave(Direction::MemToDev, 6, 0x7e20_4004);
        // No bytes, more than one CB, beyond 32 bits, no device side.
        assert!(slave_single(s, 0x1000, 0, LITE).err() == Some(EINVAL));
        assert!(slave_single(s, 0x1000, LITE as usize + 1, LITE).err() == Some(EINVAL));
        assert!(slave_single(s, 1 << 32, 4, LITE).err() == Some(EINVAL));
        let m = slave(Direction::MemToMem, 0, 0);
        assert!(slave_single(m, 0x1000, 4, LITE).err() == Some(EINVAL));
        Ok(())
    }

    #[test]
    fn zero_fill_ignores_its_source() -> Result {
        // bcm2835_dma_prep_dma_cyclic(): S_IGNORE (bit 11) from the zero page.
        let mut cbs = cyclic_chain(
            slave(Direction::MemToDev, 6, 0x7e20_4004),
            (0x1000, 8),
            8,
            false,
            LITE,
        )?;
        assert!(cbs.iter().all(|cb| cb.ti & ti::SRC_IGNORE == 0));
        ignore_source(&mut cbs);
        // WAIT_RESP | DEST_DREQ | SRC_INC | SRC_IGNORE | PERMAP 6.
        assert!(cbs.iter().all(|cb| cb.ti == 0x0006_0948));
        Ok(())
    }

    #[test]
    fn link_chains_and_cyclic_loops_back() -> Result {
        let addrs = [0x100u64, 0x140, 0x180];
        let mut cbs = [ControlBlock::default(); 3];
        link(&mut cbs, |i| addrs[i], false)?;
        assert_eq!(
            [cbs[0].nextconbk, cbs[1].nextconbk, cbs[2].nextconbk],
            [0x140, 0x180, 0]
        );
        link(&mut cbs, |i| addrs[i], true)?;
        assert_eq!(cbs[2].nextconbk, 0x100);
        assert!(link(&mut [], |i| addrs[i], false).is_err());
        assert!(link(&mut cbs, |_| 1 << 32, false).is_err());
        Ok(())
    }

    #[test]
    fn cyclic_chain_interrupts_at_each_period_end() -> Result {
        // 2 periods of 100_000 bytes on a lite channel: 65532 + 34468 each.
        let cbs = cyclic_chain(
            slave(Direction::MemToDev, 12, 0x7e20_1000),
            (0x10_0000, 200_000),
            100_000,
            true,
            LITE,
        )?;
        assert_eq!(cbs.len(), 4);
        let ints = cbs.iter().map(|cb| cb.ti & ti::INTEN != 0);
        assert!(ints.eq([false, true, false, true]));
        assert_eq!(cbs[2].source_ad, 0x10_0000 + 100_000);
        // Without DMA_PREP_INTERRUPT no CB interrupts.
        let quiet = cyclic_chain(
            slave(Direction::MemToDev, 12, 0),
            (0x10_0000, 8192),
            4096,
            false,
            LITE,
        )?;
        assert!(quiet.iter().all(|cb| cb.ti & ti::INTEN == 0));
        assert!(cyclic_chain(
            slave(Direction::DevToMem, 12, 0),
            (0, 8192),
            3000,
            true,
            LITE
        )
        .is_err());
        Ok(())
    }

    #[test]
    fn residue_from_register_positions() -> Result {
        let segs = [(0x1000u64, 4096usize), (0x8000, 4096)];
        let cbs = slave_chain(
            slave(Direction::DevToMem, 13, 0x7e20_2040),
            segs.into_iter().map(Ok),
            LITE,
        )?;
        // DEV_TO_MEM follows DEST_AD, in the CB CONBLK_AD names.
        assert_eq!(
            residue(cbs.iter().copied(), 0, Direction::DevToMem, 0x1000),
            8192
        );
        assert_eq!(
            residue(cbs.iter().copied(), 0, Direction::DevToMem, 0x1000 + 96),
            8096
        );
        assert_eq!(
            residue(cbs.iter().copied(), 1, Direction::DevToMem, 0x8000 + 4000),
            96
        );
        assert_eq!(
            residue(cbs.iter().copied(), 1, Direction::DevToMem, 0x8000 + 4096),
            0
        );
        // The same buffer twice in one list: the position alone cannot
        // tell the CBs apart, CONBLK_AD can.
        let twice = [(0x1000u64, 4096usize), (0x1000, 4096)];
        let cbs = slave_chain(
            slave(Direction::MemToDev, 6, 0x7e20_4004),
            twice.into_iter().map(Ok),
            LITE,
        )?;
        assert_eq!(
            residue(cbs.iter().copied(), 0, Direction::MemToDev, 0x1000 + 100),
            8092
        );
        assert_eq!(
            residue(cbs.iter().copied(), 1, Direction::MemToDev, 0x1000 + 100),
            3996
        );
        Ok(())
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
