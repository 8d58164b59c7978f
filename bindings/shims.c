// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line wrappers for static inline functions (see shims.h). Each
 * module compiles this file once, through a one-line wrapper in its own
 * directory, because Kbuild links an object into one module only.
 */
#include "shims.h"

const char *oxdma_dmaengine_get_direction_text(enum dma_transfer_direction dir)
{
	return dmaengine_get_direction_text(dir);
}
