/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/device.h>: see ../kstub.h. */
#include "../kstub.h"
