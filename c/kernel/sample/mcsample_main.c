// SPDX-License-Identifier: MIT
/*
 * mcsample: an mdev parent whose device types and devices expose the
 * migcompat attributes, written with the header-only helper migcompat_emit.h.
 *
 * In the spirit of the kernel's mtty sample (samples/vfio-mdev/mtty.c): a
 * parent device "mcsample" under its own class, with two types, mcsample-1
 * and mcsample-2, of one and two ports. Unlike mtty it emulates no device:
 * its VFIO devices have no regions and no interrupts, so QEMU cannot use
 * them. It exists to show both attributes, on the types and on the devices,
 * in a module that builds against real kernel headers (Linux 6.1 or later):
 * tests/test_c_kernel.py builds it; nothing loads it.
 *
 *   /sys/class/mdev_bus/mcsample/mdev_supported_types/mcsample-2/migration_version
 *   mc1 device_api=vfio-pci driver=mcsample features={pre_copy} mcsample.ports=2
 *       ~name=Dual%20port stream=mcsample stream_version=1.0 type=mcsample-2
 *
 * (one line), and for the type and every device created from it:
 *
 *   mc1
 *   accept device_api=vfio-pci driver=mcsample features<=$ mcsample.ports=$
 *       stream=mcsample stream_version=1.0..$ type=$
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vfio.h>

#include "migcompat_emit.h"

#define MCS_NAME		"mcsample"
#define MCS_STREAM_MAJOR	1
#define MCS_STREAM_MINOR	0

/* Optional capabilities of the stream, in any order: the helper sorts them. */
static const char *const mcs_feature_names[] = { "pre_copy", "dirty_log" };

static unsigned int features = BIT(0);
module_param(features, uint, 0444);
MODULE_PARM_DESC(features,
		 "capabilities the streams use: bit 0 pre_copy, bit 1 dirty_log");

struct mcs_type {
	struct mdev_type type;
	unsigned int ports;
};

static struct mcs_type mcs_types[] = {
	{ .type = { .sysfs_name = "1", .pretty_name = "Single port" }, .ports = 1 },
	{ .type = { .sysfs_name = "2", .pretty_name = "Dual port" }, .ports = 2 },
};

static struct mdev_type *mcs_mdev_types[] = {
	&mcs_types[0].type,
	&mcs_types[1].type,
};

struct mcs_state {
	struct vfio_device vdev;
	const struct mcs_type *type;
	const char *type_name;		/* mcsample-1: the type's directory */
	unsigned int features;		/* BIT(i): the stream uses mcs_feature_names[i] */
};

static const struct mcs_type *to_mcs_type(struct mdev_type *mtype)
{
	return container_of(mtype, struct mcs_type, type);
}

/* ---- the attributes ------------------------------------------------------ */

/*
 * A device's migration_version, and its type's template: the type has no
 * creation-time parameters, so the two are the same line.
 */
static ssize_t mcs_version(char *buf, const struct mcs_type *type,
			   const char *type_name, unsigned int mask)
{
	const struct migc_field fields[] = {
		MIGC_FIELD("type", MIGC_TOKEN(type_name)),
		MIGC_FIELD("driver", MIGC_TOKEN(MCS_NAME)),
		MIGC_FIELD("device_api", MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING)),
		MIGC_FIELD("mcsample.ports", MIGC_INT(type->ports)),
		MIGC_IGNORABLE("name", MIGC_TOKEN(type->type.pretty_name)),
		MIGC_FIELD("stream", MIGC_TOKEN(MCS_NAME)),
		MIGC_FIELD("stream_version",
			   MIGC_VERSION(MCS_STREAM_MAJOR, MCS_STREAM_MINOR)),
		/* Last, so that it can be left out: no features is the default. */
		MIGC_FIELD("features", MIGC_SET_OF(mcs_feature_names,
						   ARRAY_SIZE(mcs_feature_names),
						   mask)),
	};
	struct migc_emitter e;

	migc_version_begin(&e, buf, fields,
			   ARRAY_SIZE(fields) - (mask ? 0 : 1));
	return migc_end(&e);
}

/*
 * The sources a device loads: its own type and port count, the capabilities
 * it has, stream versions from 1.0 up to its own.
 */
static const struct migc_constraint mcs_rule[] = {
	MIGC_EQUALS("device_api", MIGC_IS(MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING))),
	MIGC_EQUALS("driver", MIGC_IS(MIGC_TOKEN(MCS_NAME))),
	MIGC_SUBSET("features", MIGC_SELF),
	MIGC_EQUALS("mcsample.ports", MIGC_SELF),
	MIGC_EQUALS("stream", MIGC_IS(MIGC_TOKEN(MCS_NAME))),
	MIGC_EQUALS("stream_version", MIGC_FROM_UPTO_SELF(MIGC_VERSION(1, 0))),
	MIGC_EQUALS("type", MIGC_SELF),
};

static ssize_t mcs_compatible(char *buf)
{
	struct migc_emitter e;

	migc_compatible_begin(&e, buf, NULL, 0);
	migc_compatible_rule(&e, mcs_rule, ARRAY_SIZE(mcs_rule));
	return migc_end(&e);
}

/*
 * /sys/bus/mdev/devices/<uuid>/vfio-dev/vfioN/ (specification 1.1, clause
 * 10.2): the files belong to the VFIO device VFIO core registers, so dev is
 * &vdev->device, not the mdev.
 */
static struct mcs_state *mcs_of_vfio_dev(struct device *dev)
{
	return container_of(container_of(dev, struct vfio_device, device),
			    struct mcs_state, vdev);
}

static ssize_t migration_version_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	const struct mcs_state *s = mcs_of_vfio_dev(dev);

	return mcs_version(buf, s->type, s->type_name, s->features);
}
static DEVICE_ATTR_RO(migration_version);

static ssize_t migration_compatible_devices_show(struct device *dev,
						 struct device_attribute *attr,
						 char *buf)
{
	return mcs_compatible(buf);
}
static DEVICE_ATTR_RO(migration_compatible_devices);

static struct attribute *mcs_dev_attrs[] = {
	&dev_attr_migration_version.attr,
	&dev_attr_migration_compatible_devices.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mcs_dev);

/*
 * .../mdev_supported_types/<type>/: since Linux 6.1 the mdev core fills a
 * type's directory itself and gives drivers no hook to add to it. The files
 * are added to the type's kobject, which the core's sysfs_ops serve through
 * its (private) struct mdev_type_attribute: this struct has its layout. A
 * proposal for the VFIO core would give struct mdev_driver the attribute
 * groups of a type instead.
 */
struct mcs_type_attribute {
	struct attribute attr;
	ssize_t (*show)(struct mdev_type *mtype,
			struct mcs_type_attribute *attr, char *buf);
	ssize_t (*store)(struct mdev_type *mtype,
			 struct mcs_type_attribute *attr, const char *buf,
			 size_t count);
};

static ssize_t type_migration_version_show(struct mdev_type *mtype,
					   struct mcs_type_attribute *attr,
					   char *buf)
{
	return mcs_version(buf, to_mcs_type(mtype), kobject_name(&mtype->kobj),
			   features);
}

static ssize_t type_migration_compatible_devices_show(struct mdev_type *mtype,
						      struct mcs_type_attribute *attr,
						      char *buf)
{
	return mcs_compatible(buf);
}

static struct mcs_type_attribute mcs_type_version =
	__ATTR(migration_version, 0444, type_migration_version_show, NULL);
static struct mcs_type_attribute mcs_type_compatible =
	__ATTR(migration_compatible_devices, 0444,
	       type_migration_compatible_devices_show, NULL);

static const struct attribute *mcs_type_attrs[] = {
	&mcs_type_version.attr,
	&mcs_type_compatible.attr,
	NULL,
};

/* ---- the devices ----------------------------------------------------------- */

static long mcs_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);

	if (cmd != VFIO_DEVICE_GET_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = 0;
	info.num_irqs = 0;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static const struct vfio_device_ops mcs_dev_ops = {
	.name = MCS_NAME,
	.ioctl = mcs_ioctl,
};

static int mcs_probe(struct mdev_device *mdev)
{
	struct mcs_state *s;
	int ret;

	s = vfio_alloc_device(mcs_state, vdev, &mdev->dev, &mcs_dev_ops);
	if (IS_ERR(s))
		return PTR_ERR(s);
	s->type = to_mcs_type(mdev->type);
	s->type_name = kobject_name(&mdev->type->kobj);
	s->features = features;
	dev_set_drvdata(&mdev->dev, s);
	/*
	 * Until VFIO core owns them (clause 10.5), the driver gives the files:
	 * set before registering, the driver core creates them before the
	 * uevent that announces the device, and removes them with it.
	 */
	s->vdev.device.groups = mcs_dev_groups;
	ret = vfio_register_emulated_iommu_dev(&s->vdev);
	if (ret)
		goto put;
	return 0;

put:
	vfio_put_device(&s->vdev);
	return ret;
}

static void mcs_remove(struct mdev_device *mdev)
{
	struct mcs_state *s = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&s->vdev);
	vfio_put_device(&s->vdev);
}

static struct mdev_driver mcs_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 4,
	.driver = {
		.name = MCS_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mcs_probe,
	.remove = mcs_remove,
};

/* ---- the parent ------------------------------------------------------------ */

static struct class *mcs_class;
static struct device mcs_dev;
static struct mdev_parent mcs_parent;

static void mcs_dev_release(struct device *dev)
{
}

static void mcs_remove_type_files(unsigned int n)
{
	while (n--)
		sysfs_remove_files(&mcs_mdev_types[n]->kobj, mcs_type_attrs);
}

static int __init mcs_init(void)
{
	unsigned int i;
	int ret;

	ret = mdev_register_driver(&mcs_driver);
	if (ret)
		return ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	mcs_class = class_create(MCS_NAME);
#else
	mcs_class = class_create(THIS_MODULE, MCS_NAME);
#endif
	if (IS_ERR(mcs_class)) {
		ret = PTR_ERR(mcs_class);
		goto err_driver;
	}
	mcs_dev.class = mcs_class;
	mcs_dev.release = mcs_dev_release;
	dev_set_name(&mcs_dev, "%s", MCS_NAME);
	ret = device_register(&mcs_dev);
	if (ret)
		goto err_put;
	ret = mdev_register_parent(&mcs_parent, &mcs_dev, &mcs_driver,
				   mcs_mdev_types, ARRAY_SIZE(mcs_mdev_types));
	if (ret)
		goto err_device;
	for (i = 0; i < ARRAY_SIZE(mcs_mdev_types); i++) {
		ret = sysfs_create_files(&mcs_mdev_types[i]->kobj, mcs_type_attrs);
		if (ret)
			goto err_files;
	}
	return 0;

err_files:
	mcs_remove_type_files(i);
	mdev_unregister_parent(&mcs_parent);
err_device:
	device_del(&mcs_dev);
err_put:
	put_device(&mcs_dev);
	class_destroy(mcs_class);
err_driver:
	mdev_unregister_driver(&mcs_driver);
	return ret;
}

static void __exit mcs_exit(void)
{
	mcs_remove_type_files(ARRAY_SIZE(mcs_mdev_types));
	mdev_unregister_parent(&mcs_parent);
	device_unregister(&mcs_dev);
	class_destroy(mcs_class);
	mdev_unregister_driver(&mcs_driver);
}

module_init(mcs_init);
module_exit(mcs_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("migcompat sample: the migcompat attributes on mdev types and devices");
MODULE_AUTHOR("The migcompat developers");
