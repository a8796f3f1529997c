/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/gcd.h>: see ../kstub.h. */
#include "../kstub.h"
