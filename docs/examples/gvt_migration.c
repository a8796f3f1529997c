// SPDX-License-Identifier: MIT
/*
 * The migcompat attributes of a GVT-g-style mdev driver: the vendor guide's
 * example (docs/guides/vendor.rst shows it in pieces). Illustrative, not i915
 * code. It writes them with migcompat's kernel emitter helper, c/kernel/ of
 * the source tree, which a driver copies. tests/test_docs.py compiles it
 * against user-space stand-ins for the kernel headers (docs/examples/
 * kernel-stubs/ and c/kernel/test/include/) and runs it
 * (gvt_migration_harness.c): it must write examples/gvt-g/uuid1/ and
 * docs/examples/gvt-g-type/i915-GVTg_V5_8/ byte for byte.
 */
#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/sysfs.h>

#include "migcompat_emit.h"

/* doc: state */
#define GVT_INTERFACE_VERSION	3
#define GVT_MAX_AGGREGATE	8

/* Paravirtualisation modes; the helper writes a set's members in byte order. */
static const char *const gvt_pv_mode_names[] = { "ppgtt", "context" };
#define GVT_PV_ALL		(BIT(ARRAY_SIZE(gvt_pv_mode_names)) - 1)

struct gvt_gpu {
	u16 vendor, device;		/* PCI IDs the guest sees: 0x8086, 0x591d */
};

struct gvt_type {
	struct mdev_type type;		/* type.sysfs_name: "i915-GVTg_V5_4" */
	const struct gvt_gpu *gpu;
	unsigned int divisor;		/* a unit of the type is 1/divisor of the GPU */
};

struct gvt_vgpu {
	const struct gvt_type *type;
	unsigned int aggregate;		/* units of the type, chosen at creation */
	unsigned int pv_modes;		/* BIT(i): the guest uses gvt_pv_mode_names[i] */
};

/* Every type whose stream this driver loads, as the alternatives of a rule. */
static const struct migc_alt gvt_types[] = {
	MIGC_IS(MIGC_TOKEN("i915-GVTg_V5_1")), MIGC_IS(MIGC_TOKEN("i915-GVTg_V5_2")),
	MIGC_IS(MIGC_TOKEN("i915-GVTg_V5_4")), MIGC_IS(MIGC_TOKEN("i915-GVTg_V5_8")),
};
/* doc: end-state */

/* doc: helpers */
/* The set of the modes in mask: {context,ppgtt}, or {} for none. */
#define GVT_PV_MODES(mask) \
	MIGC_SET_OF(gvt_pv_mode_names, ARRAY_SIZE(gvt_pv_mode_names), (mask))

/* The PCI IDs the guest sees, as a pci_id token: 8086:591d. */
static const char *gvt_pci_id(char *id, size_t size, const struct gvt_gpu *gpu)
{
	snprintf(id, size, "%04x:%04x", gpu->vendor, gpu->device);
	return id;
}
/* doc: end-helpers */

/* doc: instance */
static ssize_t migration_version_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	const struct gvt_vgpu *vgpu = dev_get_drvdata(dev);
	char id[10];
	/* In any order: the helper sorts the keys (the canonical form, clause 6). */
	const struct migc_field fields[] = {
		MIGC_FIELD("type", MIGC_TOKEN(vgpu->type->type.sysfs_name)),
		MIGC_FIELD("aggregate", MIGC_INT(vgpu->aggregate)),
		/* reduced by the helper: 2 units of 1/4 are 1/2 */
		MIGC_FIELD("share", MIGC_RATIO(vgpu->aggregate, vgpu->type->divisor)),
		MIGC_FIELD("device_api", MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING)),
		MIGC_FIELD("driver", MIGC_TOKEN("i915")),
		MIGC_FIELD("gvt.interface_version", MIGC_INT(GVT_INTERFACE_VERSION)),
		MIGC_FIELD("gvt.pv_mode", GVT_PV_MODES(vgpu->pv_modes)),
		MIGC_FIELD("pci_id", MIGC_TOKEN(gvt_pci_id(id, sizeof(id), vgpu->type->gpu))),
		MIGC_FIELD("stream", MIGC_TOKEN("gvt-gen9")),
	};
	struct migc_emitter e;

	migc_version_begin(&e, buf, fields, ARRAY_SIZE(fields));
	return migc_end(&e);		/* the length, -EINVAL or -E2BIG */
}
static DEVICE_ATTR_RO(migration_version);		/* mode 0444, no store() */
/* doc: end-instance */

/* doc: rules */
/* Drivers before interface 2 write no gvt.pv_mode: they use none. */
static const struct migc_field gvt_defaults[] = {
	MIGC_FIELD("gvt.pv_mode", MIGC_EMPTY_SET),
};

/* Interfaces 2 and 3, with the modes this driver supports ... */
static const struct migc_constraint gvt_interfaces_2_3 =
	MIGC_EQUALS("gvt.interface_version", MIGC_RANGE(MIGC_INT(2), MIGC_INT(3)));
static const struct migc_constraint gvt_pv_supported =
	MIGC_SUBSET("gvt.pv_mode", MIGC_IS(GVT_PV_MODES(GVT_PV_ALL)));
/* ... and interface 1, which never uses a mode. */
static const struct migc_constraint gvt_interface_1 =
	MIGC_EQUALS("gvt.interface_version", MIGC_IS(MIGC_INT(1)));
static const struct migc_constraint gvt_pv_none =
	MIGC_EQUALS("gvt.pv_mode", MIGC_IS(MIGC_EMPTY_SET));

/* One accept line: what every rule says, and the two constraints that differ. */
static void gvt_rule(struct migc_emitter *e, const struct gvt_gpu *gpu,
		     const struct migc_alt *share,
		     const struct migc_constraint *interfaces,
		     const struct migc_constraint *pv_mode)
{
	char id[10];
	const struct migc_constraint rule[] = {
		*interfaces,
		*pv_mode,
		MIGC_EQUALS("aggregate", MIGC_RANGE(MIGC_INT(1), MIGC_INT(GVT_MAX_AGGREGATE))),
		MIGC_EQUALS("device_api", MIGC_IS(MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING))),
		MIGC_EQUALS("driver", MIGC_IS(MIGC_TOKEN("i915"))),
		MIGC_EQUALS("pci_id", MIGC_IS(MIGC_TOKEN(gvt_pci_id(id, sizeof(id), gpu)))),
		MIGC_EQUALS_OF("share", share, 1),
		MIGC_EQUALS("stream", MIGC_IS(MIGC_TOKEN("gvt-gen9"))),
		MIGC_EQUALS_OF("type", gvt_types, ARRAY_SIZE(gvt_types)),
	};

	migc_compatible_rule(e, rule, ARRAY_SIZE(rule));
}

static ssize_t migration_compatible_devices_show(struct device *dev,
						 struct device_attribute *attr, char *buf)
{
	const struct gvt_vgpu *vgpu = dev_get_drvdata(dev);
	const struct migc_alt share =
		MIGC_IS(MIGC_RATIO(vgpu->aggregate, vgpu->type->divisor));
	struct migc_emitter e;

	migc_compatible_begin(&e, buf, gvt_defaults, ARRAY_SIZE(gvt_defaults));
	gvt_rule(&e, vgpu->type->gpu, &share, &gvt_interfaces_2_3, &gvt_pv_supported);
	gvt_rule(&e, vgpu->type->gpu, &share, &gvt_interface_1, &gvt_pv_none);
	return migc_end(&e);
}
static DEVICE_ATTR_RO(migration_compatible_devices);
/* doc: end-rules */

/* doc: type */
/*
 * mdev_supported_types/<type>/migration_version: a template (clause 5.5).
 * The proposed mdev core callback (clause 10.1), shaped as show_description:
 * the mdev core calls it from its own type attribute's show().
 */
static ssize_t gvt_type_migration_version(struct mdev_type *mtype, char *buf)
{
	const struct gvt_type *type = container_of(mtype, struct gvt_type, type);
	char id[10];
	const struct migc_field fields[] = {
		MIGC_FIELD("device_api", MIGC_TOKEN(VFIO_DEVICE_API_PCI_STRING)),
		MIGC_FIELD("driver", MIGC_TOKEN("i915")),
		MIGC_FIELD("gvt.interface_version", MIGC_INT(GVT_INTERFACE_VERSION)),
		MIGC_FIELD("gvt.pv_mode", GVT_PV_MODES(GVT_PV_ALL)),
		MIGC_FIELD("pci_id", MIGC_TOKEN(gvt_pci_id(id, sizeof(id), type->gpu))),
		MIGC_FIELD("stream", MIGC_TOKEN("gvt-gen9")),
		MIGC_FIELD("type", MIGC_TOKEN(mtype->sysfs_name)),
	};
	struct migc_emitter e;
	unsigned int k;

	migc_version_begin(&e, buf, fields, ARRAY_SIZE(fields));
	/* One line per creation-time value: linear, not every combination (R10). */
	for (k = 1; k <= GVT_MAX_AGGREGATE && k <= type->divisor; k++) {
		const struct migc_field aggregate = MIGC_FIELD("aggregate", MIGC_INT(k));
		const struct migc_field share = MIGC_FIELD("share", MIGC_RATIO(k, type->divisor));

		migc_version_param(&e, &aggregate, &share, 1);
	}
	return migc_end(&e);
}

/* The rules of a device yet to be created: $ is that device's own value (clause 8.4). */
static const struct migc_constraint gvt_pv_own = MIGC_SUBSET("gvt.pv_mode", MIGC_SELF);

static ssize_t gvt_type_migration_compatible_devices(struct mdev_type *mtype, char *buf)
{
	const struct gvt_type *type = container_of(mtype, struct gvt_type, type);
	const struct migc_alt share = MIGC_SELF;
	struct migc_emitter e;

	migc_compatible_begin(&e, buf, gvt_defaults, ARRAY_SIZE(gvt_defaults));
	gvt_rule(&e, type->gpu, &share, &gvt_interfaces_2_3, &gvt_pv_own);
	gvt_rule(&e, type->gpu, &share, &gvt_interface_1, &gvt_pv_none);
	return migc_end(&e);
}
/* doc: end-type */

/* doc: register */
static struct attribute *gvt_vgpu_attrs[] = {
	&dev_attr_migration_version.attr,
	&dev_attr_migration_compatible_devices.attr,
	NULL,
};

ATTRIBUTE_GROUPS(gvt_vgpu);

/*
 * From the mdev driver's probe(), after vfio_alloc_device() and before
 * vfio_register_emulated_iommu_dev(): the driver core creates the files in
 * .../<uuid>/vfio-dev/vfioN/ (clause 10.2) when it adds the device, before
 * the uevent that announces it, so no reader can find the device without them.
 */
static int gvt_vgpu_publish(struct vfio_device *vdev, struct gvt_vgpu *vgpu)
{
	dev_set_drvdata(&vdev->device, vgpu);
	vdev->device.groups = gvt_vgpu_groups;
	return 0;
}

/*
 * The type attributes, .../mdev_supported_types/<type>/: the two proposed
 * optional callbacks of struct mdev_driver (clause 10.1); the mdev core shows
 * both files, through a type attribute group whose is_visible tests for them.
 */
static struct mdev_driver gvt_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "gvt_vgpu_mdev",
	},
	.show_migration_version = gvt_type_migration_version,
	.show_migration_compatible_devices = gvt_type_migration_compatible_devices,
};
/* doc: end-register */

