/* SPDX-License-Identifier: MIT */
/* Stand-in for <linux/mutex.h>: see ../kstub.h. */
#include "../kstub.h"
