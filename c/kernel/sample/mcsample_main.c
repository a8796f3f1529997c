// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * mcsample: an mdev parent whose devices migrate (STOP_COPY of a tiny
 * state) and publish the migcompat attributes, written once at probe with
 * the header-only helper migcompat_emit.h.
 *
 * What it is, and what it is not. It demonstrates the attributes and the
 * helper's recommended use in a module that builds against real kernel
 * headers; tests/test_c_kernel.py builds it, nothing loads it. It would not
 * be submitted upstream:
 *
 *  - its VFIO devices have no regions and no interrupts, so no VMM can
 *    drive one (it reports VFIO_DEVICE_FLAGS_PCI with zero regions). Its
 *    migration works on the VFIO uAPI only: the state is a 48-byte record
 *    that the saving side writes and the resuming side checks. The upstream
 *    form is the kernel's mtty sample (samples/vfio-mdev/mtty.c), which
 *    migrates a device a guest uses, extended with these attributes;
 *  - it is written against the Linux 6.1 API (the headers the tests build
 *    against): its @release calls vfio_free_device(), which later kernels
 *    removed when the core began to free the device itself, and its file
 *    operations name no_llseek, which 6.12 removed. An in-tree
 *    sample targets the tree it is in, so it carries no version checks;
 *  - the attributes sit on the VFIO device (vfio-dev/vfioN) through
 *    vdev->device.groups, which VFIO core initialises and should own: the
 *    core patch this wants (specification clause 10.5) is a vfio_device
 *    attribute group created in vfio_device_add() (vfio_register_group_dev()
 *    in 6.1), visible when vdev->mig_ops is set and has the optional
 *    migration_compat operation, which then replaces this file's show()s;
 *  - a device *type*'s directory gets no attributes: since Linux 6.1 the
 *    mdev core fills it and offers a driver no hook, and adding files to
 *    the core's kobject means copying its private struct
 *    mdev_type_attribute. The core patch that would be needed is in
 *    drivers/vfio/mdev/mdev_sysfs.c: optional show callbacks in struct
 *    mdev_driver and a type attribute group whose is_visible keys on them.
 *
 * The parent is a root device "mcsample" with two types, mcsample-1 and
 * mcsample-2, of one and two ports. A device of type mcsample-2 publishes,
 * in /sys/bus/mdev/devices/<uuid>/vfio-dev/vfioN/:
 *
 *   migration_version
 *   mc1 device_api=vfio-pci driver=mcsample features={pre_copy}
 *       mcsample.ports=2 ~name=Dual%20port stream=mcsample
 *       stream_version=1.0 type=mcsample-2
 *
 * (one line), and
 *
 *   migration_compatible_devices
 *   mc1
 *   accept device_api=vfio-pci driver=mcsample features<=$ mcsample.ports=$
 *       stream=mcsample stream_version=1.0..$ type=$
 *
 * The rule says no more than the resuming side checks (mcs_load()): the
 * stream's magic and major version, a minor version up to its own, the
 * same port count (and so the same type), features it has. The text is
 * fixed for the device's lifetime: it is rendered at probe, before the
 * device is registered, from the features parameter, which is read-only
 * once the module is loaded.
 */
#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "migcompat_emit.h"

#define MCS_NAME		"mcsample"
#define MCS_STREAM_MAJOR	1
#define MCS_STREAM_MINOR	0
#define MCS_MAGIC		0x6d637331	/* "mcs1" */

/* Optional capabilities of the stream, in any order: the helper sorts them. */
static const char *const mcs_feature_names[] = { "pre_copy", "dirty_log" };
#define MCS_ALL_FEATURES	(BIT(ARRAY_SIZE(mcs_feature_names)) - 1)

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

/* The migration stream: one record, little endian. */
struct mcs_record {
	__le32 magic;
	__le16 major;
	__le16 minor;
	__le32 ports;
	__le32 features;	/* BIT(i): mcs_feature_names[i] */
	u8 regs[32];		/* the device's state: what a guest would have set */
};

struct mcs_migf;

#define MCS_TEXT_SIZE	256	/* a published text and its NUL */

struct mcs_state {
	struct vfio_device vdev;
	const struct mcs_type *type;
	unsigned int features;		/* BIT(i): the stream uses mcs_feature_names[i] */
	u8 regs[32];

	struct mutex state_mutex;	/* the migration state and files */
	struct mutex text_lock;		/* the published texts, and only them */
	enum vfio_device_mig_state mig_state;
	struct mcs_migf *saving;
	struct mcs_migf *resuming;

	/*
	 * The attributes, published under text_lock: rendered at probe
	 * into a scratch buffer and copied here only when the render worked
	 * (mcs_render()); an empty text makes show() fail with -ENODATA.
	 * 256 bytes hold this driver's texts (about 150); were they to grow
	 * past, migc_render_*() would return -EOVERFLOW at probe, never a cut
	 * text. MIGC_BUF_SIZE holds any attribute.
	 */
	char mig_version[MCS_TEXT_SIZE];
	char mig_compatible[MCS_TEXT_SIZE];
};

static const struct mcs_type *to_mcs_type(struct mdev_type *mtype)
{
	return container_of(mtype, struct mcs_type, type);
}

/* ---- the attributes ------------------------------------------------------ */

static ssize_t mcs_render_version(const struct mcs_state *s, const char *type_name,
				  char *buf, size_t size)
{
	struct migc_field fields[8] = {
		MIGC_FIELD("type", MIGC_TOKEN(type_name)),
		MIGC_FIELD("driver", MIGC_TOKEN(MCS_NAME)),
		MIGC_FIELD("device_api", MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING)),
		MIGC_FIELD("mcsample.ports", MIGC_INT(s->type->ports)),
		MIGC_IGNORABLE("name", MIGC_TOKEN(s->type->type.pretty_name)),
		MIGC_FIELD("stream", MIGC_TOKEN(MCS_NAME)),
		MIGC_FIELD("stream_version",
			   MIGC_VERSION(MCS_STREAM_MAJOR, MCS_STREAM_MINOR)),
	};
	unsigned int n = 7;

	/* A registry default is left out (S2): no features is features={}. */
	if (s->features)
		fields[n++] = (struct migc_field)MIGC_FIELD("features",
				MIGC_SET_OF(mcs_feature_names,
					    ARRAY_SIZE(mcs_feature_names),
					    s->features));
	return migc_render_version(buf, size, fields, n);
}

/*
 * The sources a device loads: what mcs_load() accepts. Static: it does not
 * depend on the device ($ stands for the device's own value).
 */
static const struct migc_constraint mcs_rule[] = {
	MIGC_EQUALS("device_api", MIGC_IS(MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING))),
	MIGC_EQUALS("driver", MIGC_IS(MIGC_TOKEN(MCS_NAME))),
	MIGC_SUBSET("features", MIGC_SELF),
	MIGC_EQUALS("mcsample.ports", MIGC_SELF),
	MIGC_EQUALS("stream", MIGC_IS(MIGC_TOKEN(MCS_NAME))),
	MIGC_EQUALS("stream_version",
		    MIGC_FROM_UPTO_SELF(MIGC_VERSION(MCS_STREAM_MAJOR, 0))),
	MIGC_EQUALS("type", MIGC_SELF),
};

static const struct migc_rule mcs_rules[] = { MIGC_RULE(mcs_rule) };

/*
 * Render both texts, each into a scratch buffer, and publish each under
 * text_lock only when its render worked: a failed render (a driver bug,
 * warned once) leaves the text published before, or none, never a cut or
 * empty one. With no text, a read fails with -ENODATA (clause 10.5); the
 * files are there whenever the device migrates. The device still works and
 * migrates. Called at probe; a driver whose texts change on reconfiguration
 * calls the same, then emits KOBJ_CHANGE on vdev->device.
 */
static void mcs_publish(struct mcs_state *s, char *text, const char *scratch, ssize_t len)
{
	if (len < 0)
		return;
	mutex_lock(&s->text_lock);
	memcpy(text, scratch, len + 1);
	mutex_unlock(&s->text_lock);
}

static void mcs_render(struct mcs_state *s, const char *type_name)
{
	char scratch[MCS_TEXT_SIZE];
	ssize_t v, c;

	v = mcs_render_version(s, type_name, scratch, sizeof(scratch));
	mcs_publish(s, s->mig_version, scratch, v);
	c = migc_render_compatible(scratch, sizeof(scratch), NULL, 0,
				   mcs_rules, ARRAY_SIZE(mcs_rules));
	mcs_publish(s, s->mig_compatible, scratch, c);
	if (v < 0 || c < 0)
		dev_warn(s->vdev.dev,
			      "migration attributes not rendered: version %zd, compatible %zd\n",
			      v, c);
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

/* A published text, whole, under the lock that replaces it; -ENODATA: none. */
static ssize_t mcs_show_text(struct mcs_state *s, const char *text, char *buf)
{
	ssize_t ret;

	mutex_lock(&s->text_lock);
	ret = text[0] ? sysfs_emit(buf, "%s", text) : -ENODATA;
	mutex_unlock(&s->text_lock);
	return ret;
}

static ssize_t migration_version_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct mcs_state *s = mcs_of_vfio_dev(dev);

	return mcs_show_text(s, s->mig_version, buf);
}
static DEVICE_ATTR_RO(migration_version);

static ssize_t migration_compatible_devices_show(struct device *dev,
						 struct device_attribute *attr,
						 char *buf)
{
	struct mcs_state *s = mcs_of_vfio_dev(dev);

	return mcs_show_text(s, s->mig_compatible, buf);
}
static DEVICE_ATTR_RO(migration_compatible_devices);

static struct attribute *mcs_dev_attrs[] = {
	&dev_attr_migration_version.attr,
	&dev_attr_migration_compatible_devices.attr,
	NULL,
};

/* Every device of this driver migrates (mcs_init_dev()): no is_visible. */
static const struct attribute_group mcs_dev_group = {
	.attrs = mcs_dev_attrs,
};

static const struct attribute_group *mcs_dev_groups[] = {
	&mcs_dev_group,
	NULL,
};

/* ---- migration: STOP_COPY of one record ------------------------------------ */

/* A migration file: the record saved, or the bytes of the one being loaded. */
struct mcs_migf {
	struct file *filp;
	struct mutex lock;	/* record, filled, disabled */
	struct mcs_record record;
	size_t filled;
	bool disabled;		/* the state machine left the file's state */
};

static void mcs_migf_free(struct mcs_migf *migf)
{
	mutex_destroy(&migf->lock);
	kfree(migf);
}

static int mcs_migf_release(struct inode *inode, struct file *filp)
{
	mcs_migf_free(filp->private_data);
	return 0;
}

static ssize_t mcs_save_read(struct file *filp, char __user *buf, size_t len,
			     loff_t *pos)
{
	struct mcs_migf *migf = filp->private_data;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else
		ret = simple_read_from_buffer(buf, len, &filp->f_pos,
					      &migf->record, sizeof(migf->record));
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t mcs_resume_write(struct file *filp, const char __user *buf,
				size_t len, loff_t *pos)
{
	struct mcs_migf *migf = filp->private_data;
	ssize_t ret;

	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else if (filp->f_pos < 0 || len > sizeof(migf->record) - filp->f_pos)
		ret = -EFBIG;	/* longer than a record: not this driver's stream */
	else
		ret = simple_write_to_buffer(&migf->record, sizeof(migf->record),
					     &filp->f_pos, buf, len);
	if (ret > 0)
		migf->filled = filp->f_pos;
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations mcs_save_fops = {
	.owner = THIS_MODULE,
	.read = mcs_save_read,
	.release = mcs_migf_release,
	.llseek = no_llseek,
};

static const struct file_operations mcs_resume_fops = {
	.owner = THIS_MODULE,
	.write = mcs_resume_write,
	.release = mcs_migf_release,
	.llseek = no_llseek,
};

static struct mcs_migf *mcs_migf_create(struct mcs_state *s, bool save)
{
	struct mcs_migf *migf;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	if (save) {
		migf->record.magic = cpu_to_le32(MCS_MAGIC);
		migf->record.major = cpu_to_le16(MCS_STREAM_MAJOR);
		migf->record.minor = cpu_to_le16(MCS_STREAM_MINOR);
		migf->record.ports = cpu_to_le32(s->type->ports);
		migf->record.features = cpu_to_le32(s->features);
		memcpy(migf->record.regs, s->regs, sizeof(s->regs));
	}
	migf->filp = anon_inode_getfile(save ? "mcs_save" : "mcs_resume",
					save ? &mcs_save_fops : &mcs_resume_fops,
					migf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(migf->filp)) {
		struct file *err = migf->filp;

		mcs_migf_free(migf);
		return ERR_CAST(err);
	}
	stream_open(migf->filp->f_inode, migf->filp);
	return migf;
}

/* The state machine leaves the file's state: the file reads or writes no more. */
static void mcs_migf_disable(struct mcs_migf **slot)
{
	struct mcs_migf *migf = *slot;

	if (!migf)
		return;
	mutex_lock(&migf->lock);
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	fput(migf->filp);
	*slot = NULL;
}

/*
 * RESUMING to STOP: load the record. The checks are those the rule of
 * migration_compatible_devices states, no more.
 */
static int mcs_load(struct mcs_state *s, struct mcs_migf *migf)
{
	const struct mcs_record *r;
	int ret = -EINVAL;

	if (WARN_ON(!migf))	/* RESUMING always has its file (mcs_step()) */
		return -EINVAL;
	r = &migf->record;
	mutex_lock(&migf->lock);
	if (migf->filled == sizeof(*r) &&
	    le32_to_cpu(r->magic) == MCS_MAGIC &&
	    le16_to_cpu(r->major) == MCS_STREAM_MAJOR &&
	    le16_to_cpu(r->minor) <= MCS_STREAM_MINOR &&
	    le32_to_cpu(r->ports) == s->type->ports &&
	    !(le32_to_cpu(r->features) & ~s->features)) {
		memcpy(s->regs, r->regs, sizeof(s->regs));
		ret = 0;
	}
	mutex_unlock(&migf->lock);
	return ret;
}

/* One arc of the state machine (VFIO_MIGRATION_STOP_COPY only). */
static struct file *mcs_step(struct mcs_state *s, enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = s->mig_state;
	struct mcs_migf *migf;
	int ret;

	if ((cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RUNNING))
		return NULL;	/* nothing runs */
	if (cur == VFIO_DEVICE_STATE_STOP && !s->saving && !s->resuming &&
	    (next == VFIO_DEVICE_STATE_STOP_COPY || next == VFIO_DEVICE_STATE_RESUMING)) {
		migf = mcs_migf_create(s, next == VFIO_DEVICE_STATE_STOP_COPY);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		if (next == VFIO_DEVICE_STATE_STOP_COPY)
			s->saving = migf;
		else
			s->resuming = migf;
		get_file(migf->filp);	/* one for the user, one for us */
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) {
		mcs_migf_disable(&s->saving);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING && next == VFIO_DEVICE_STATE_STOP) {
		/*
		 * A record that does not load fails the arc and leaves the
		 * device in RESUMING with its file, as it was: VFIO core does
		 * not move it to ERROR, so userspace may write the rest and
		 * ask again, or close the device (mcs_close_device()). The
		 * file ends only with the state it belongs to.
		 */
		ret = mcs_load(s, s->resuming);
		if (ret)
			return ERR_PTR(ret);
		mcs_migf_disable(&s->resuming);
		return NULL;
	}
	return ERR_PTR(-EINVAL);	/* vfio_mig_get_next_state() gives no other */
}

static struct file *mcs_set_state(struct vfio_device *vdev,
				  enum vfio_device_mig_state new_state)
{
	struct mcs_state *s = container_of(vdev, struct mcs_state, vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&s->state_mutex);
	while (s->mig_state != new_state) {
		ret = vfio_mig_get_next_state(vdev, s->mig_state, new_state, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = mcs_step(s, next);
		if (IS_ERR(res))
			break;
		s->mig_state = next;
		if (WARN_ON(res && next != new_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&s->state_mutex);
	return res;
}

static int mcs_get_state(struct vfio_device *vdev,
			 enum vfio_device_mig_state *state)
{
	struct mcs_state *s = container_of(vdev, struct mcs_state, vdev);

	mutex_lock(&s->state_mutex);
	*state = s->mig_state;
	mutex_unlock(&s->state_mutex);
	return 0;
}

static const struct vfio_migration_ops mcs_mig_ops = {
	.migration_set_state = mcs_set_state,
	.migration_get_state = mcs_get_state,
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

/* The last file descriptor closed: back to RUNNING, the migration files ended. */
static void mcs_close_device(struct vfio_device *vdev)
{
	struct mcs_state *s = container_of(vdev, struct mcs_state, vdev);

	mutex_lock(&s->state_mutex);
	mcs_migf_disable(&s->saving);
	mcs_migf_disable(&s->resuming);
	s->mig_state = VFIO_DEVICE_STATE_RUNNING;
	mutex_unlock(&s->state_mutex);
}

static int mcs_init_dev(struct vfio_device *vdev)
{
	struct mcs_state *s = container_of(vdev, struct mcs_state, vdev);

	mutex_init(&s->state_mutex);
	mutex_init(&s->text_lock);
	s->mig_state = VFIO_DEVICE_STATE_RUNNING;
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;
	vdev->mig_ops = &mcs_mig_ops;
	return 0;
}

/* Linux 6.1: the driver's release frees the device (see the top of the file). */
static void mcs_release_dev(struct vfio_device *vdev)
{
	struct mcs_state *s = container_of(vdev, struct mcs_state, vdev);

	mutex_destroy(&s->state_mutex);
	mutex_destroy(&s->text_lock);
	vfio_free_device(vdev);
}

static const struct vfio_device_ops mcs_dev_ops = {
	.name = MCS_NAME,
	.init = mcs_init_dev,
	.release = mcs_release_dev,
	.close_device = mcs_close_device,
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
	s->features = features & MCS_ALL_FEATURES;
	dev_set_drvdata(&mdev->dev, s);
	/* Once, before the files exist: show() copies the texts. */
	mcs_render(s, kobject_name(&mdev->type->kobj));
	/*
	 * Until VFIO core owns them (see the top of the file), the driver gives
	 * the files: set before registering, the driver core creates them
	 * before the uevent that announces the device, and removes them with it.
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

static struct device *mcs_dev;
static struct mdev_parent mcs_parent;

static int __init mcs_init(void)
{
	int ret;

	ret = mdev_register_driver(&mcs_driver);
	if (ret)
		return ret;
	mcs_dev = root_device_register(MCS_NAME);
	if (IS_ERR(mcs_dev)) {
		ret = PTR_ERR(mcs_dev);
		goto err_driver;
	}
	ret = mdev_register_parent(&mcs_parent, mcs_dev, &mcs_driver,
				   mcs_mdev_types, ARRAY_SIZE(mcs_mdev_types));
	if (ret)
		goto err_device;
	return 0;

err_device:
	root_device_unregister(mcs_dev);
err_driver:
	mdev_unregister_driver(&mcs_driver);
	return ret;
}

static void __exit mcs_exit(void)
{
	mdev_unregister_parent(&mcs_parent);
	root_device_unregister(mcs_dev);
	mdev_unregister_driver(&mcs_driver);
}

module_init(mcs_init);
module_exit(mcs_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("migcompat sample: the migcompat attributes on migrating mdev devices");
MODULE_AUTHOR("The migcompat developers");
