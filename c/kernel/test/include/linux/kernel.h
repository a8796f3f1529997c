/* SPDX-License-Identifier: MIT */
/* User-space stand-in for <linux/kernel.h>: snprintf(), ARRAY_SIZE(), BIT(); see types.h. */
#ifndef MIGC_STUB_LINUX_KERNEL_H
#define MIGC_STUB_LINUX_KERNEL_H

#include <stdio.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1UL << (n))

#endif
