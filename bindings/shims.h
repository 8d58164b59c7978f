/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers for static inline functions and macros of the C
 * APIs in ffi.h, which bindgen cannot link to. One line each; no logic.
 */
#ifndef OXDMA_SHIMS_H
#define OXDMA_SHIMS_H

#include <linux/dmaengine.h>

const char *oxdma_dmaengine_get_direction_text(enum dma_transfer_direction dir);

#endif
