// SPDX-License-Identifier: MIT
/*
 * The emitter helper, ../migcompat_emit.c, built into this module. A driver
 * outside this tree copies migcompat_emit.c and migcompat_emit.h instead.
 */
#include "../migcompat_emit.c"
