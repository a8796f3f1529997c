// SPDX-License-Identifier: MIT
/*
 * A vfio-pci variant driver that writes its VF's two attributes with its own
 * copy of the emitter helper. See drivers.h.
 */
#include <linux/kernel.h>

#include "migcompat_emit.h"
#include "drivers.h"

static const char *const acme_nic_features[] = { "tso", "rss", "csum" };

ssize_t acme_nic_version_show(char *buf)
{
	const struct migc_field fields[] = {
		MIGC_FIELD("driver", MIGC_TOKEN("acme_nic")),
		MIGC_FIELD("device_api", MIGC_TOKEN("vfio-pci")),
		MIGC_FIELD("acme.queues", MIGC_INT(16)),
		MIGC_FIELD("features", MIGC_SET_OF(acme_nic_features,
						   ARRAY_SIZE(acme_nic_features),
						   BIT(0) | BIT(2))),
		MIGC_FIELD("stream_version", MIGC_VERSION(1, 0)),
	};
	struct migc_emitter e;

	migc_version_begin(&e, buf, fields, ARRAY_SIZE(fields));
	return migc_end(&e);
}

static const struct migc_constraint acme_nic_rule[] = {
	MIGC_EQUALS("driver", MIGC_IS(MIGC_TOKEN("acme_nic"))),
	MIGC_EQUALS("device_api", MIGC_IS(MIGC_TOKEN("vfio-pci"))),
	MIGC_EQUALS("acme.queues", MIGC_UPTO_SELF),
	MIGC_SUBSET("features", MIGC_SELF),
	MIGC_EQUALS("stream_version", MIGC_FROM_UPTO_SELF(MIGC_VERSION(1, 0))),
};

ssize_t acme_nic_compatible_show(char *buf)
{
	struct migc_emitter e;

	migc_compatible_begin(&e, buf, NULL, 0);
	migc_compatible_rule(&e, acme_nic_rule, ARRAY_SIZE(acme_nic_rule));
	return migc_end(&e);
}
