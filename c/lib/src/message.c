/* SPDX-License-Identifier: MIT */
/* Text for people: a sentence for each code (mc_error_message) and one line for a reason (mc_reason_format). */
#include <string.h>

#include "internal.h"

static const char *const messages[MC_CODE_COUNT] = {
	[MC_OK] = "no error",
	[MC_E_EMPTY] = "the attribute is empty",
	[MC_E_TOO_LONG] = "the attribute is longer than the page limit of 4095 bytes",
	[MC_E_NON_ASCII] = "the attribute has a byte outside ASCII",
	[MC_E_NUL] = "the attribute has a NUL byte",
	[MC_E_CRLF] = "the attribute has a CR LF line end",
	[MC_E_CONTROL_CHAR] = "the attribute has a control character",
	[MC_E_WHITESPACE] = "the attribute has white space where none is allowed",
	[MC_E_BAD_HEADER] = "the attribute does not begin with the format header mc1",
	[MC_E_UNSUPPORTED_VERSION] = "the attribute is of a newer format version than mc1",
	[MC_E_SYNTAX] = "the attribute does not follow the grammar",
	[MC_E_LEADING_ZERO] = "a number is written with a leading zero",
	[MC_E_INT_OVERFLOW] = "an integer is above 2^64-1",
	[MC_E_KEY_TOO_LONG] = "a key is longer than 63 bytes",
	[MC_E_TOKEN_TOO_LONG] = "a token is longer than 255 bytes",
	[MC_E_BAD_ESCAPE] = "a %XX escape is malformed or escapes a byte that needs none",
	[MC_E_VERSION_TOO_LONG] = "a version has more than 8 components",
	[MC_E_TOO_MANY_MEMBERS] = "a set has more than 64 members",
	[MC_E_ZERO_DENOMINATOR] = "a ratio has the denominator 0",
	[MC_E_UNREDUCED_RATIO] = "a ratio is not in lowest terms",
	[MC_E_DUPLICATE_KEY] = "a key is given twice on one line",
	[MC_E_DUPLICATE_MEMBER] = "a set has a member twice",
	[MC_E_DUPLICATE_PARAM] = "a parameter value is declared on two param lines",
	[MC_E_PARAM_CONFLICT] = "a key is set by two parameters or by a parameter and a fixed field",
	[MC_E_MIXED_TYPES] = "a constraint mixes values of different types",
	[MC_E_EMPTY_RANGE] = "a range has its low end above its high end",
	[MC_E_INVALID_MODEL] = "the JSON data model is invalid",
	[MC_R_NOT_EQUAL] = "the source's value is none of the values the rule accepts",
	[MC_R_BELOW_RANGE] = "the source's value is below the range the rule accepts",
	[MC_R_ABOVE_RANGE] = "the source's value is above the range the rule accepts",
	[MC_R_OUTSIDE_RANGES] = "the source's value is outside every range the rule accepts",
	[MC_R_NOT_SUBSET] = "the source's set has a member the rule does not allow",
	[MC_R_NOT_SUPERSET] = "the source's set lacks a member the rule requires",
	[MC_R_TYPE_MISMATCH] = "the source's value is of another type than the rule's",
	[MC_R_UNCONSTRAINED_CRITICAL] = "the source has a critical field that the rule does not constrain",
	[MC_R_MISSING_FIELD] = "the source has no value for a key the rule constrains, and no default gives one",
	[MC_R_MISSING_SELF] = "the rule compares with the target's own value, which the target does not have",
	[MC_R_NO_RULES] = "the target's rule set has no accept rule",
	[MC_R_SOURCE_IS_TEMPLATE] = "the source is a device type (it has param lines), not a device",
	[MC_R_UNSUPPORTED_VERSION] = "an attribute is of a newer format version than this library reads",
	[MC_E_USAGE] = "a library function was given a bad argument",
	[MC_R_MISSING_ATTRIBUTE] = "an attribute is missing or invalid",
};

const char *mc_error_message(enum mc_code code)
{
	if ((int)code < 0 || code >= MC_CODE_COUNT || !messages[code])
		return "unknown code";
	return messages[code];
}

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

int mc_reason_format(const struct mc_attr *source, const struct mc_attr *target, const struct mc_reason *reason,
		     char *buf, size_t size)
{
	struct mc_writer l = { buf, size, 0 };
	const struct mc_attr *in;
	const char *key;
	int source_ok = source && source->kind == MC_MIGRATION_VERSION && source->error.code == MC_OK;
	int target_ok = target && target->kind == MC_COMPATIBLE_DEVICES && target->error.code == MC_OK;
	size_t key_len, end;

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
	if (!in || (size_t)reason->key_off + reason->key_len > in->len) {
		/* no key, or its attribute was not given: the code's sentence */
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
	}
done:
	mc_put_str(&l, " [");
	mc_put_str(&l, mc_code_name(reason->code));
	mc_put_str(&l, "]");
	if (size > 0)
		buf[l.len < size ? l.len : size - 1] = '\0';
	return l.len > (size_t)0x7fffffff ? 0x7fffffff : (int)l.len;
}
