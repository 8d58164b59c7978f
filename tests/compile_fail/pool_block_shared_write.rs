// SPDX-License-Identifier: GPL-2.0

//! Writing a DMA pool block needs `&mut`: one writer at a time.

use crate::bindings::dma_pool::PoolBlock;

/// Tries to write `block` through a shared reference.
pub(crate) fn case(block: &PoolBlock<u32>) {
    // control: let _ = block.dma_address();
    block.write(1); // compile_fail: E0596: cannot borrow `*block` as mutable, as it is behind a `&` reference
}
