/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C APIs oxdma binds that the kernel crate does not: bindgen reads this
 * header at build time (see bindings/Kbuild.include) against the kernel
 * being built for.
 */
#include <linux/dmaengine.h>
#include <linux/of_dma.h>
#include <linux/of_platform.h>
#include <linux/dmapool.h>
#include "virt-dma.h"		/* drivers/dma, private to dmaengine providers */

#include "shims.h"
#include "spi/shims.h"
