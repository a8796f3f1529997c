/* SPDX-License-Identifier: MIT */
/*
 * Just enough of the kernel's driver model, in user space, to compile and run
 * the documentation's driver examples (tests/test_docs.py does both), beside
 * the stand-ins of c/kernel/test/include/ for what the emitter helper uses.
 * Not kernel code: each definition mimics the kernel's for these examples only.
 */
#ifndef MIGCOMPAT_DOCS_KSTUB_H
#define MIGCOMPAT_DOCS_KSTUB_H

/* The kernel API the emitter helper uses: c/kernel/test/include/ of the source tree. */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <linux/types.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct attribute {
	const char *name;
	unsigned short mode;
};

struct attribute_group;

typedef unsigned short umode_t;

struct kobject {
	const char *name;
};

struct device {
	void *driver_data;
	const struct attribute_group **groups;
	struct kobject kobj;
};

static inline struct device *kobj_to_dev(struct kobject *kobj)
{
	return container_of(kobj, struct device, kobj);
}

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
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
	umode_t (*is_visible)(struct kobject *kobj, struct attribute *attr, int n);
	struct attribute **attrs;
};

#define ATTRIBUTE_GROUPS(_name) \
	static const struct attribute_group _name##_group = { .attrs = _name##_attrs }; \
	static const struct attribute_group *_name##_groups[] = { &_name##_group, NULL }

/* include/linux/vfio.h: the VFIO device VFIO core registers (vfio-dev/vfioN, Linux 6.1 and later) */
struct vfio_migration_ops;

struct vfio_device {
	struct device device;
	const struct vfio_migration_ops *mig_ops;	/* set by drivers whose devices migrate */
};

struct device_driver {
	const char *name;
	const struct attribute_group **dev_groups;
};

/*
 * include/linux/mdev.h of Linux 6.1, and two proposed optional callbacks no
 * kernel has, in the manner of show_description (specification clause 10.1,
 * the ABI entry sysfs-bus-vfio-mdev; see the vendor guide).
 */
struct mdev_type {
	const char *sysfs_name;
	const char *pretty_name;
};

struct mdev_driver {
	const char *device_api;
	ssize_t (*show_description)(struct mdev_type *mtype, char *buf);
	/* proposed: mdev_supported_types/<type>/migration_version */
	ssize_t (*show_migration_version)(struct mdev_type *mtype, char *buf);
	/* proposed: mdev_supported_types/<type>/migration_compatible_devices */
	ssize_t (*show_migration_compatible_devices)(struct mdev_type *mtype, char *buf);
	struct device_driver driver;
};

/* A mutex, for the snippets: user space has one thread here. */
struct mutex {
	int held;
};

static inline void mutex_lock(struct mutex *lock)
{
	lock->held = 1;
}

static inline void mutex_unlock(struct mutex *lock)
{
	lock->held = 0;
}

/* include/uapi/linux/vfio.h */
#define VFIO_DEVICE_API_PCI_STRING "vfio-pci"

#endif
