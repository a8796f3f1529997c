// SPDX-License-Identifier: MIT
/*
 * The migcompat attributes of a GVT-g-style mdev driver: the vendor guide's
 * example (docs/guides/vendor.rst shows it in pieces). Illustrative, not i915
 * code. tests/test_docs.py compiles it against docs/examples/kernel-stubs/
 * and runs it (gvt_migration_harness.c): it must write examples/gvt-g/uuid1/
 * and docs/examples/gvt-g-type/i915-GVTg_V5_8/ byte for byte.
 */
#include <linux/device.h>
#include <linux/gcd.h>
#include <linux/mdev.h>
#include <linux/sysfs.h>

/* doc: state */
#define GVT_INTERFACE_VERSION	3
#define GVT_MAX_AGGREGATE	8
#define MC_MAX_BYTES		4096	/* migcompat clause 4.4, whatever the PAGE_SIZE */

/* Paravirtualisation modes, by name in byte order: a canonical set is sorted. */
static const char *const gvt_pv_mode_names[] = { "context", "ppgtt" };
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

static const char *const gvt_type_names[] = {
	"i915-GVTg_V5_1", "i915-GVTg_V5_2", "i915-GVTg_V5_4", "i915-GVTg_V5_8",
};
/* doc: end-state */

/* doc: helpers */
/* " key={a,b}" for the modes in mask; "{}" when there are none. */
static int emit_pv_modes(char *buf, int at, const char *op, unsigned int mask)
{
	const char *sep = "";
	int len = sysfs_emit_at(buf, at, " gvt.pv_mode%s{", op);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gvt_pv_mode_names); i++) {
		if (mask & BIT(i)) {
			len += sysfs_emit_at(buf, at + len, "%s%s", sep, gvt_pv_mode_names[i]);
			sep = ",";
		}
	}
	return len + sysfs_emit_at(buf, at + len, "}");
}

/* " type=a|b|c": every type whose stream this driver loads. */
static int emit_types(char *buf, int at)
{
	int len = sysfs_emit_at(buf, at, " type=");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gvt_type_names); i++)
		len += sysfs_emit_at(buf, at + len, "%s%s", i ? "|" : "", gvt_type_names[i]);
	return len;
}

/*
 * sysfs_emit_at() stops silently one byte short of PAGE_SIZE, and PAGE_SIZE
 * can be 64 KiB while the specification allows 4096 bytes. Never hand out a
 * cut attribute: a reader would miss rules, or fail to parse it.
 */
static ssize_t mc_done(int len)
{
	if (WARN_ON_ONCE(len > MC_MAX_BYTES || len >= PAGE_SIZE - 1))
		return -EOVERFLOW;
	return len;
}
/* doc: end-helpers */

/* doc: instance */
static ssize_t migration_version_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	const struct gvt_vgpu *vgpu = dev_get_drvdata(dev);
	unsigned int g = gcd(vgpu->aggregate, vgpu->type->divisor);
	int len;

	/* Fields in byte order of their keys: the canonical form (clause 6). */
	len = sysfs_emit(buf, "mc1 aggregate=%u device_api=vfio-pci driver=i915 gvt.interface_version=%u",
			 vgpu->aggregate, GVT_INTERFACE_VERSION);
	len += emit_pv_modes(buf, len, "=", vgpu->pv_modes);
	len += sysfs_emit_at(buf, len, " pci_id=%04x:%04x share=%u/%u stream=gvt-gen9 type=%s\n",
			     vgpu->type->gpu->vendor, vgpu->type->gpu->device, vgpu->aggregate / g,
			     vgpu->type->divisor / g, vgpu->type->type.sysfs_name);
	return mc_done(len);
}
static DEVICE_ATTR_RO(migration_version);		/* mode 0444, no store() */
/* doc: end-instance */

/* doc: rules */
/*
 * One accept line. share is the target's own share on an instance, "$" on a
 * type; the gvt.pv_mode constraint is pv_op and the modes in pv_mask, or
 * pv_self ("<=$") verbatim.
 */
static int emit_rule(char *buf, int at, const struct gvt_gpu *gpu, const char *interfaces,
		     const char *pv_op, unsigned int pv_mask, const char *pv_self, const char *share)
{
	int len = sysfs_emit_at(buf, at,
				"accept aggregate=1..%u device_api=vfio-pci driver=i915 gvt.interface_version=%s",
				GVT_MAX_AGGREGATE, interfaces);

	if (pv_self)
		len += sysfs_emit_at(buf, at + len, " gvt.pv_mode%s", pv_self);
	else
		len += emit_pv_modes(buf, at + len, pv_op, pv_mask);
	len += sysfs_emit_at(buf, at + len, " pci_id=%04x:%04x share=%s stream=gvt-gen9",
			     gpu->vendor, gpu->device, share);
	len += emit_types(buf, at + len);
	return len + sysfs_emit_at(buf, at + len, "\n");
}

static ssize_t migration_compatible_devices_show(struct device *dev,
						 struct device_attribute *attr, char *buf)
{
	const struct gvt_vgpu *vgpu = dev_get_drvdata(dev);
	unsigned int g = gcd(vgpu->aggregate, vgpu->type->divisor);
	char share[24];
	int len;

	snprintf(share, sizeof(share), "%u/%u", vgpu->aggregate / g, vgpu->type->divisor / g);
	/* Drivers before interface 2 have no gvt.pv_mode: they use none. */
	len = sysfs_emit(buf, "mc1\ndefault gvt.pv_mode={}\n");
	/* Interfaces 2 and 3, with the modes this driver supports. */
	len += emit_rule(buf, len, vgpu->type->gpu, "2..3", "<=", GVT_PV_ALL, NULL, share);
	/* Interface 1, which never uses a mode. */
	len += emit_rule(buf, len, vgpu->type->gpu, "1", "=", 0, NULL, share);
	return mc_done(len);
}
static DEVICE_ATTR_RO(migration_compatible_devices);
/* doc: end-rules */

/* doc: type */
/* mdev_supported_types/<type>/migration_version: a template (clause 5.5). */
static ssize_t migration_version_type_show(struct mdev_type *mtype,
					   struct mdev_type_attribute *attr, char *buf)
{
	const struct gvt_type *type = container_of(mtype, struct gvt_type, type);
	unsigned int k, g;
	int len;

	len = sysfs_emit(buf, "mc1 device_api=vfio-pci driver=i915 gvt.interface_version=%u",
			 GVT_INTERFACE_VERSION);
	len += emit_pv_modes(buf, len, "=", GVT_PV_ALL);
	len += sysfs_emit_at(buf, len, " pci_id=%04x:%04x stream=gvt-gen9 type=%s\n",
			     type->gpu->vendor, type->gpu->device, mtype->sysfs_name);
	/* One line per creation-time value: linear, not every combination (R10). */
	for (k = 1; k <= GVT_MAX_AGGREGATE && k <= type->divisor; k++) {
		g = gcd(k, type->divisor);
		len += sysfs_emit_at(buf, len, "param aggregate=%u share=%u/%u\n",
				     k, k / g, type->divisor / g);
	}
	return mc_done(len);
}

/* The rules of a device yet to be created: $ is that device's own value (clause 8.4). */
static ssize_t migration_compatible_devices_type_show(struct mdev_type *mtype,
						      struct mdev_type_attribute *attr, char *buf)
{
	const struct gvt_type *type = container_of(mtype, struct gvt_type, type);
	int len;

	len = sysfs_emit(buf, "mc1\ndefault gvt.pv_mode={}\n");
	len += emit_rule(buf, len, type->gpu, "2..3", NULL, 0, "<=$", "$");
	len += emit_rule(buf, len, type->gpu, "1", "=", 0, NULL, "$");
	return mc_done(len);
}

static struct mdev_type_attribute mdev_type_attr_migration_version =
	__ATTR(migration_version, 0444, migration_version_type_show, NULL);
static struct mdev_type_attribute mdev_type_attr_migration_compatible_devices =
	__ATTR(migration_compatible_devices, 0444, migration_compatible_devices_type_show, NULL);
/* doc: end-type */

/* doc: register */
static struct attribute *gvt_vgpu_attrs[] = {
	&dev_attr_migration_version.attr,
	&dev_attr_migration_compatible_devices.attr,
	NULL,
};
ATTRIBUTE_GROUPS(gvt_vgpu);

static const struct attribute *gvt_type_attrs[] = {
	&mdev_type_attr_migration_version.attr,
	&mdev_type_attr_migration_compatible_devices.attr,
	NULL,
};

static struct mdev_driver gvt_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "gvt_vgpu_mdev",
		.dev_groups = gvt_vgpu_groups,	/* /sys/bus/mdev/devices/<uuid>/ */
	},
	.types_attrs = gvt_type_attrs,		/* .../mdev_supported_types/<type>/ */
};
/* doc: end-register */

