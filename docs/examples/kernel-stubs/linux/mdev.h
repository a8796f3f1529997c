/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/mdev.h>: see ../kstub.h. */
#include "../kstub.h"
