/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for <linux/types.h>: the kernel's fixed-size integer
 * types, bool and ssize_t. The stand-ins in this directory give the kernel
 * API that migcompat_emit.c uses, for its tests (c/kernel/test/) and the
 * documentation's driver example; each mimics the kernel's for that use only.
 */
#ifndef MIGC_STUB_LINUX_TYPES_H
#define MIGC_STUB_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#endif
