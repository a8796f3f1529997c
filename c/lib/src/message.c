/* SPDX-License-Identifier: MIT */
/* Text for people: one line for a reason (mc_reason_format); each code's sentence is in api.c (mc_error_message). */
#include <string.h>

#include "internal.h"

/* The text of a value as written; a registry default's text (its own static string) too. */
static void put_val(struct mc_writer *l, const struct mc_val *v)
{
	mc_put(l, v->text, v->len);
}

static const char *which_name(enum mc_which which)
{
	switch (which) {
	case MC_SOURCE:
		return "the source's migration_version";
	case MC_TARGET:
		return "the target's migration_compatible_devices";
	case MC_TARGET_SELF:
		return "the target's migration_version";
	}
	return NULL;
}

/* After a constraint that reads the target's own value: " (the target's own key=value)", as mc_check took it. */
static void put_own(struct mc_writer *l, const struct mc_attr *self, const struct mc_verdict *verdict,
		    const char *constraint, size_t constraint_len, const char *key, size_t key_len)
{
	struct mc_val v;
	size_t nchoice = verdict && verdict->nchoice <= MC_CAP_PARAMS ? verdict->nchoice : 0;

	if (!self || !memchr(constraint, '$', constraint_len) ||
	    !mc_own_value_of(self, verdict ? verdict->choice : NULL, nchoice, key, key_len, &v))
		return;
	mc_put_str(l, " (the target's own ");
	mc_put(l, key, key_len);
	mc_put_str(l, "=");
	put_val(l, &v);
	mc_put_str(l, ")");
}

/* mc_reason_format(), and with target_self the target's own value after a constraint that reads it. */
static int format_reason(const struct mc_attr *source, const struct mc_attr *target, const struct mc_attr *target_self,
			 const struct mc_verdict *verdict, const struct mc_reason *reason, char *buf, size_t size)
{
	struct mc_writer l = { buf, size, 0 };
	const struct mc_attr *in;
	const char *key;
	int source_ok = source && source->kind == MC_MIGRATION_VERSION && source->error.code == MC_OK;
	int target_ok = target && target->kind == MC_COMPATIBLE_DEVICES && target->error.code == MC_OK;
	size_t key_len, end;

	if (mc_overlaps(source, sizeof(*source), buf, size) || mc_overlaps(target, sizeof(*target), buf, size) ||
	    mc_overlaps(reason, sizeof(*reason), buf, size) ||
	    mc_overlaps(target_self, sizeof(*target_self), buf, size) || mc_overlaps(verdict, sizeof(*verdict), buf, size))
		return -MC_E_USAGE; /* nothing written: an overlapping buf would be read while it is written */
	if (target_self && (target_self->kind != MC_MIGRATION_VERSION || target_self->error.code != MC_OK))
		target_self = NULL;
	if (buf && size > 0)
		buf[0] = '\0';
	if ((!buf && size > 0) || !reason)
		return -MC_E_USAGE;
	if (reason->rule >= 0) {
		mc_put_str(&l, "rule ");
		mc_put_uint(&l, (unsigned long)reason->rule);
		mc_put_str(&l, ": ");
	}
	in = reason->key_in == MC_SOURCE && source_ok ? source : reason->key_in == MC_TARGET && target_ok ? target : NULL;
	/* Written so that it cannot wrap: a reason made by hand or kept past its attributes may hold any key_len. */
	if (!in || reason->key_len > MC_MAX_KEY || reason->key_len > in->len ||
	    (size_t)reason->key_off > in->len - reason->key_len) {
		/* no key, a key that is not one, or its attribute was not given: the code's sentence */
		mc_put_str(&l, mc_error_message(reason->code));
		if (which_name(reason->attribute)) {
			mc_put_str(&l, ": ");
			mc_put_str(&l, which_name(reason->attribute));
		}
		goto done;
	}
	key = in->text + reason->key_off;
	key_len = reason->key_len;
	if (reason->code == MC_R_UNCONSTRAINED_CRITICAL) {
		int i = mc_find_field(source, key, key_len);

		mc_put_str(&l, "the source's critical field ");
		mc_put(&l, key, key_len);
		if (i >= 0) {
			struct mc_val v = mc_val_of(source, &source->fields[i].value);

			mc_put_str(&l, "=");
			put_val(&l, &v);
		}
		mc_put_str(&l, " has no constraint in the rule");
		goto done;
	}
	/* the constraint as written: from its key to the next space or line end */
	for (end = reason->key_off; end < in->len && in->text[end] != ' ' && in->text[end] != '\n'; end++)
		;
	if (reason->code == MC_R_MISSING_SELF) {
		mc_put(&l, in->text + reason->key_off, end - reason->key_off);
		mc_put_str(&l, " reads the target's own ");
		mc_put(&l, key, key_len);
		mc_put_str(&l, ", which the target does not have");
		goto done;
	}
	if (reason->code == MC_R_MISSING_FIELD) {
		mc_put_str(&l, "the source has no ");
		mc_put(&l, key, key_len);
		mc_put_str(&l, " and no default gives one, so ");
		mc_put(&l, in->text + reason->key_off, end - reason->key_off);
		mc_put_str(&l, " is undecided");
		goto done;
	}
	{
		struct mc_val v;
		int i = source_ok ? mc_find_field(source, key, key_len) : -1, found = 1;
		const char *from = "";

		if (i >= 0) {
			v = mc_val_of(source, &source->fields[i].value);
		} else if (target_ok && (i = mc_find_field(target, key, key_len)) >= 0) {
			v = mc_val_of(target, &target->fields[i].value);
			from = " (the rule set's default)";
		} else if (mc_registry_default(key, key_len, &v)) {
			from = " (the registry's default)";
		} else {
			found = 0;
		}
		mc_put_str(&l, "the source's ");
		mc_put(&l, key, key_len);
		if (found) {
			mc_put_str(&l, "=");
			put_val(&l, &v);
		}
		mc_put_str(&l, from);
		mc_put_str(&l, " does not satisfy ");
		mc_put(&l, in->text + reason->key_off, end - reason->key_off);
		put_own(&l, target_self, verdict, in->text + reason->key_off, end - reason->key_off, key, key_len);
	}
done:
	mc_put_str(&l, " [");
	mc_put_str(&l, mc_code_name(reason->code));
	mc_put_str(&l, "]");
	return mc_writer_end(&l);
}

int mc_reason_format(const struct mc_attr *source, const struct mc_attr *target, const struct mc_reason *reason,
		     char *buf, size_t size)
{
	return format_reason(source, target, NULL, NULL, reason, buf, size);
}

int mc_reason_format_own(const struct mc_attr *source, const struct mc_attr *target,
			 const struct mc_attr *target_self, const struct mc_verdict *verdict,
			 const struct mc_reason *reason, char *buf, size_t size)
{
	return format_reason(source, target, target_self, verdict, reason, buf, size);
}
