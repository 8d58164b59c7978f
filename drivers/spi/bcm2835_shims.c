// SPDX-License-Identifier: GPL-2.0
/* This module's copy of the oxdma C shims (see bindings/shims.c). */
#include "../../bindings/shims.c"
