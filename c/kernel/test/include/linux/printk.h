/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for <linux/printk.h>: pr_debug(), as the kernel's
 * without dynamic debug. It prints (to standard error) only when the file is
 * compiled with -DDEBUG; otherwise it checks its format and arguments and
 * does nothing, as no_printk() does.
 */
#ifndef MIGC_STUB_LINUX_PRINTK_H
#define MIGC_STUB_LINUX_PRINTK_H

#include <stdio.h>

#ifdef DEBUG
#define pr_debug(fmt, ...) fprintf(stderr, fmt, ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) ({ if (0) fprintf(stderr, fmt, ##__VA_ARGS__); 0; })
#endif

#endif
