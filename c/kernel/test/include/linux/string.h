/* SPDX-License-Identifier: MIT */
/* User-space stand-in for <linux/string.h>: see types.h. */
#include <string.h>
