/* SPDX-License-Identifier: MIT */
/* User-space stand-in for <linux/build_bug.h>: static_assert(), see types.h. */
#include <assert.h>
