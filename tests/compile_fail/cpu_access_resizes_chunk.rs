// SPDX-License-Identifier: GPL-2.0

//! The CPU's access to a scatter-gather mapping cannot reallocate or free a
//! mapped chunk: the closure sees each chunk as a slice.

use crate::bindings::dma_mapping::{SgMapping, ToDevice};

/// Writes every chunk of `sg`, and tries to grow one.
pub(crate) fn case(sg: &mut SgMapping<ToDevice>) {
    sg.with_cpu(|i, chunk| {
        chunk.fill(i as u8);
        chunk.push(0); // compile_fail: E0599: no method named `push` found
    });
}
