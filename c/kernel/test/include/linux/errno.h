/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for <linux/errno.h>: see types.h. The C library's
 * <errno.h> includes <linux/errno.h> itself, so this passes on to the next
 * one in the search path, the system's, which defines the codes.
 */
#include_next <linux/errno.h>
