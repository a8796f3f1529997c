/* SPDX-License-Identifier: MIT */
/*
 * Just enough of the kernel's API, in user space, to compile and run the
 * documentation's driver examples (tests/test_docs.py does both).
 * Not kernel code: each definition mimics the kernel's for these examples only.
 */
#ifndef MIGCOMPAT_DOCS_KSTUB_H
#define MIGCOMPAT_DOCS_KSTUB_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef unsigned short u16;
typedef unsigned int u32;

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1U << (n))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define WARN_ON_ONCE(condition) (!!(condition))

struct attribute {
	const char *name;
	unsigned short mode;
};

struct device {
	void *driver_data;
};

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

struct device_attribute {
	struct attribute attr;
	ssize_t (*show)(struct device *dev, struct device_attribute *attr, char *buf);
	ssize_t (*store)(struct device *dev, struct device_attribute *attr, const char *buf, size_t count);
};

#define __ATTR(_name, _mode, _show, _store) \
	{ .attr = { .name = #_name, .mode = _mode }, .show = _show, .store = _store }
#define __ATTR_RO(_name) __ATTR(_name, 0444, _name##_show, NULL)
#define DEVICE_ATTR_RO(_name) struct device_attribute dev_attr_##_name = __ATTR_RO(_name)

struct attribute_group {
	const char *name;
	struct attribute **attrs;
};

#define ATTRIBUTE_GROUPS(_name) \
	static const struct attribute_group _name##_group = { .attrs = _name##_attrs }; \
	static const struct attribute_group *_name##_groups[] = { &_name##_group, NULL }

struct device_driver {
	const char *name;
	const struct attribute_group **dev_groups;
};

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

/* As in fs/sysfs/file.c: write at offset at of a PAGE_SIZE buffer, never past its end. */
static inline int sysfs_emit_at(char *buf, int at, const char *fmt, ...)
{
	va_list args;
	int len;

	if (at < 0 || at >= PAGE_SIZE)
		return 0;
	va_start(args, fmt);
	len = vscnprintf(buf + at, PAGE_SIZE - at, fmt, args);
	va_end(args);
	return len;
}

static inline int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list args;
	int len;

	va_start(args, fmt);
	len = vscnprintf(buf, PAGE_SIZE, fmt, args);
	va_end(args);
	return len;
}

static inline unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* include/linux/mdev.h (Linux 6.1 and later) */
struct mdev_type {
	const char *sysfs_name;
	const char *pretty_name;
};

struct mdev_type_attribute {
	struct attribute attr;
	ssize_t (*show)(struct mdev_type *mtype, struct mdev_type_attribute *attr, char *buf);
	ssize_t (*store)(struct mdev_type *mtype, struct mdev_type_attribute *attr, const char *buf,
			 size_t count);
};

#define MDEV_TYPE_ATTR_RO(_name) struct mdev_type_attribute mdev_type_attr_##_name = __ATTR_RO(_name)

struct mdev_driver {
	const char *device_api;
	struct device_driver driver;
	const struct attribute *const *types_attrs;
};

/* include/uapi/linux/vfio.h */
#define VFIO_DEVICE_API_PCI_STRING "vfio-pci"

#endif
