/* SPDX-License-Identifier: MIT */
/*
 * User-space stand-in for the sysfs_emit() and sysfs_emit_at() of
 * <linux/sysfs.h> (fs/sysfs/file.c): they write into a buffer of PAGE_SIZE
 * bytes and stop, silently, one byte short of its end. As the kernel's, they
 * take only a page-aligned buffer (sysfs's page): given any other, they
 * warn and write nothing. See types.h.
 */
#ifndef MIGC_STUB_LINUX_SYSFS_H
#define MIGC_STUB_LINUX_SYSFS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <asm/page.h>
#include <linux/types.h>

/* vscnprintf(): the number of characters written, never more than size - 1. */
static inline int vscnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	int written;

	if (size == 0)
		return 0;
	written = vsnprintf(buf, size, fmt, args);
	if (written < 0)
		return 0;
	return (size_t)written < size ? written : (int)(size - 1);
}

__attribute__((format(printf, 3, 4)))
static inline int sysfs_emit_at(char *buf, int at, const char *fmt, ...)
{
	va_list args;
	int len;

	if (!buf || (uintptr_t)buf % PAGE_SIZE || at < 0 || (size_t)at >= PAGE_SIZE) {
		fprintf(stderr, "WARNING: invalid sysfs_emit_at: buf:%p at:%d\n", (void *)buf, at);
		return 0;
	}
	va_start(args, fmt);
	len = vscnprintf(buf + at, PAGE_SIZE - at, fmt, args);
	va_end(args);
	return len;
}

__attribute__((format(printf, 2, 3)))
static inline int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list args;
	int len;

	if (!buf || (uintptr_t)buf % PAGE_SIZE) {
		fprintf(stderr, "WARNING: invalid sysfs_emit: buf:%p\n", (void *)buf);
		return 0;
	}
	va_start(args, fmt);
	len = vscnprintf(buf, PAGE_SIZE, fmt, args);
	va_end(args);
	return len;
}

#endif
