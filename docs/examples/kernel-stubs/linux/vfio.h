/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/vfio.h>: see ../kstub.h. */
#include "../kstub.h"
