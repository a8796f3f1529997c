// SPDX-License-Identifier: MIT
/*
 * Calls the show() methods of the two drivers of drivers.h, linked into one
 * program as two built-in drivers are linked into one kernel, and checks what
 * each writes. Prints every attribute after a "== name" line, then
 * "two drivers: ok"; exits 1 on the first attribute that differs.
 */
#include <stdio.h>
#include <string.h>

#include <asm/page.h>

#include "drivers.h"

static char page[PAGE_SIZE];

static int check(const char *name, ssize_t (*show)(char *buf), const char *expected)
{
	ssize_t len;

	memset(page, 0, sizeof(page));
	len = show(page);
	if (len < 0) {
		printf("== %s: error %zd\n", name, len);
		return 1;
	}
	printf("== %s\n%.*s", name, (int)len, page);
	if ((size_t)len != strlen(expected) || memcmp(page, expected, len)) {
		printf("!= %s: expected\n%s", name, expected);
		return 1;
	}
	return 0;
}

int main(void)
{
	int failed = 0;

	failed |= check("acme_nic/migration_version", acme_nic_version_show,
			"mc1 acme.queues=16 device_api=vfio-pci driver=acme_nic"
			" features={csum,tso} stream_version=1.0\n");
	failed |= check("acme_nic/migration_compatible_devices", acme_nic_compatible_show,
			"mc1\naccept acme.queues=..$ device_api=vfio-pci driver=acme_nic"
			" features<=$ stream_version=1.0..$\n");
	failed |= check("acme_gpu/migration_version", acme_gpu_type_version_show,
			"mc1 device_api=vfio-pci driver=acmegpu ~name=Acme%20GPU%20quarter"
			" type=acmegpu-4\nparam aggregate=1 share=1/4\n"
			"param aggregate=2 share=1/2\n");
	failed |= check("acme_gpu/migration_compatible_devices",
			acme_gpu_type_compatible_show,
			"mc1\naccept aggregate=$ device_api=vfio-pci driver=acmegpu"
			" share=$ type=acmegpu-4\n");
	if (failed)
		return 1;
	printf("two drivers: ok\n");
	return 0;
}
