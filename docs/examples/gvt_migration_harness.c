// SPDX-License-Identifier: MIT
/*
 * Runs the vendor guide's driver example in user space: prints the attributes
 * of the vGPU UUID1 (i915-GVTg_V5_2, not aggregated, both paravirtualisation
 * modes in use) and of the type i915-GVTg_V5_8, each after a "== name" line.
 * Built by tests/test_docs.py with -I docs/examples/kernel-stubs
 * -I c/kernel/test/include -I c/kernel.
 */
#include "gvt_migration.c"

static void print_attribute(const char *name, ssize_t len, const char *buf)
{
	if (len < 0)
		printf("== %s: error %zd\n", name, len);
	else
		printf("== %s\n%.*s", name, (int)len, buf);
}

int main(void)
{
	static char buf[PAGE_SIZE];
	static const struct gvt_gpu igd = { 0x8086, 0x591d };
	static struct gvt_type v5_2 = { { "i915-GVTg_V5_2", "GVTg_V5_2" }, &igd, 2 };
	static struct gvt_type v5_8 = { { "i915-GVTg_V5_8", "GVTg_V5_8" }, &igd, 8 };
	struct gvt_vgpu uuid1 = { &v5_2, 1, BIT(0) | BIT(1) };
	struct vfio_device vdev = { 0 };
	struct device *dev = &vdev.device;

	if (gvt_vgpu_publish(&vdev, &uuid1))
		return 1;
	print_attribute("uuid1/migration_version", dev_attr_migration_version.show(dev, NULL, buf), buf);
	print_attribute("uuid1/migration_compatible_devices",
			dev_attr_migration_compatible_devices.show(dev, NULL, buf), buf);
	print_attribute("i915-GVTg_V5_8/migration_version",
			gvt_mdev_driver.show_migration_version(&v5_8.type, buf), buf);
	print_attribute("i915-GVTg_V5_8/migration_compatible_devices",
			gvt_mdev_driver.show_migration_compatible_devices(&v5_8.type, buf), buf);
	return 0;
}
