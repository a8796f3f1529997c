/* SPDX-License-Identifier: MIT */
/* User-space stand-in for <linux/stddef.h>: see types.h. */
#include <stddef.h>
