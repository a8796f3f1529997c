// SPDX-License-Identifier: MIT
/*
 * An mdev vGPU driver that writes a device type's two attributes with its own
 * copy of the emitter helper. See drivers.h.
 */
#include <linux/kernel.h>

#include "migcompat_emit.h"
#include "drivers.h"

ssize_t acme_gpu_type_version_show(char *buf)
{
	const struct migc_field fields[] = {
		MIGC_FIELD("type", MIGC_TOKEN("acmegpu-4")),
		MIGC_FIELD("driver", MIGC_TOKEN("acmegpu")),
		MIGC_FIELD("device_api", MIGC_TOKEN("vfio-pci")),
		MIGC_IGNORABLE("name", MIGC_TOKEN("Acme GPU quarter")),
	};
	struct migc_emitter e;
	unsigned int aggregate;

	migc_version_begin(&e, buf, fields, ARRAY_SIZE(fields));
	for (aggregate = 1; aggregate <= 2; aggregate++) {
		const struct migc_field param = MIGC_FIELD("aggregate", MIGC_INT(aggregate));
		const struct migc_field given[] = {
			MIGC_FIELD("share", MIGC_RATIO(aggregate, 4)),
		};

		migc_version_param(&e, &param, given, ARRAY_SIZE(given));
	}
	return migc_end(&e);
}

static const struct migc_constraint acme_gpu_rule[] = {
	MIGC_EQUALS("type", MIGC_IS(MIGC_TOKEN("acmegpu-4"))),
	MIGC_EQUALS("driver", MIGC_IS(MIGC_TOKEN("acmegpu"))),
	MIGC_EQUALS("device_api", MIGC_IS(MIGC_TOKEN("vfio-pci"))),
	MIGC_EQUALS("aggregate", MIGC_SELF),
	MIGC_EQUALS("share", MIGC_SELF),
};

ssize_t acme_gpu_type_compatible_show(char *buf)
{
	struct migc_emitter e;

	migc_compatible_begin(&e, buf, NULL, 0);
	migc_compatible_rule(&e, acme_gpu_rule, ARRAY_SIZE(acme_gpu_rule));
	return migc_end(&e);
}
