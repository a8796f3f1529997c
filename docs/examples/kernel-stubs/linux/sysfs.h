/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/sysfs.h>: see ../kstub.h. */
#include "../kstub.h"
