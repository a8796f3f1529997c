/* SPDX-License-Identifier: MIT */
/* The library's version; names of codes, answers and grades; reading numbers and finding fields in a parsed
 * attribute. */
#include <string.h>

#include "internal.h"

/* The header's release as this file was compiled: what the library was built as. */
const char *mc_version(void)
{
	return MC_VERSION_STRING;
}

unsigned mc_version_number(void)
{
	return MC_VERSION_NUMBER;
}

static const char *const code_names[MC_CODE_COUNT] = {
	[MC_OK] = "ok",
	[MC_E_EMPTY] = "empty",
	[MC_E_TOO_LONG] = "too-long",
	[MC_E_NON_ASCII] = "non-ascii",
	[MC_E_NUL] = "nul",
	[MC_E_CRLF] = "crlf",
	[MC_E_CONTROL_CHAR] = "control-char",
	[MC_E_WHITESPACE] = "whitespace",
	[MC_E_BAD_HEADER] = "bad-header",
	[MC_E_UNSUPPORTED_VERSION] = "unsupported-version",
	[MC_E_SYNTAX] = "syntax",
	[MC_E_LEADING_ZERO] = "leading-zero",
	[MC_E_INT_OVERFLOW] = "int-overflow",
	[MC_E_KEY_TOO_LONG] = "key-too-long",
	[MC_E_TOKEN_TOO_LONG] = "token-too-long",
	[MC_E_BAD_ESCAPE] = "bad-escape",
	[MC_E_VERSION_TOO_LONG] = "version-too-long",
	[MC_E_TOO_MANY_MEMBERS] = "too-many-members",
	[MC_E_ZERO_DENOMINATOR] = "zero-denominator",
	[MC_E_UNREDUCED_RATIO] = "unreduced-ratio",
	[MC_E_DUPLICATE_KEY] = "duplicate-key",
	[MC_E_DUPLICATE_MEMBER] = "duplicate-member",
	[MC_E_DUPLICATE_PARAM] = "duplicate-param",
	[MC_E_PARAM_CONFLICT] = "param-conflict",
	[MC_E_MIXED_TYPES] = "mixed-types",
	[MC_E_EMPTY_RANGE] = "empty-range",
	[MC_E_INVALID_MODEL] = "invalid-model",
	[MC_R_NOT_EQUAL] = "not-equal",
	[MC_R_BELOW_RANGE] = "below-range",
	[MC_R_ABOVE_RANGE] = "above-range",
	[MC_R_OUTSIDE_RANGES] = "outside-ranges",
	[MC_R_NOT_SUBSET] = "not-subset",
	[MC_R_NOT_SUPERSET] = "not-superset",
	[MC_R_TYPE_MISMATCH] = "type-mismatch",
	[MC_R_UNCONSTRAINED_CRITICAL] = "unconstrained-critical",
	[MC_R_MISSING_FIELD] = "missing-field",
	[MC_R_MISSING_SELF] = "missing-self",
	[MC_R_NO_RULES] = "no-rules",
	[MC_R_SOURCE_IS_TEMPLATE] = "source-is-template",
	[MC_R_UNSUPPORTED_VERSION] = "unsupported-version",
	[MC_E_USAGE] = "usage",
	[MC_R_MISSING_ATTRIBUTE] = "missing-attribute",
};

const char *mc_code_name(enum mc_code code)
{
	if ((int)code < 0 || code >= MC_CODE_COUNT || !code_names[code])
		return "?";
	return code_names[code];
}

const char *mc_answer_name(enum mc_answer answer)
{
	switch (answer) {
	case MC_COMPATIBLE:
		return "compatible";
	case MC_INCOMPATIBLE:
		return "incompatible";
	case MC_UNKNOWN:
		return "unknown";
	}
	return "?";
}

const char *mc_grade_name(enum mc_grade grade)
{
	switch (grade) {
	case MC_IDENTICAL:
		return "identical";
	case MC_ACCEPTED:
		return "accepted";
	case MC_GRADE_NONE:
		return "none";
	}
	return "?";
}

/* The readers answer a value of another type (or past a version's end) with a fixed result, never
 * by reading its text as something it is not; the header says which result. */
uint64_t mc_integer(const struct mc_attr *attr, const struct mc_value *value)
{
	if (!attr || !value || value->type != MC_INTEGER)
		return 0;
	return mc_parse_u64(attr->text + value->off, value->len);
}

unsigned mc_version_parts(const struct mc_attr *attr, const struct mc_value *value)
{
	unsigned parts = 1;
	size_t i;

	if (!attr || !value || value->type != MC_VERSION)
		return 0;
	for (i = 0; i < value->len; i++)
		parts += attr->text[value->off + i] == '.';
	return parts;
}

uint64_t mc_version_part(const struct mc_attr *attr, const struct mc_value *value, unsigned index)
{
	const char *t;
	size_t i = 0, start;

	if (!attr || !value || value->type != MC_VERSION)
		return 0;
	t = attr->text + value->off;
	while (index > 0 && i < value->len) {
		if (t[i++] == '.')
			index--;
	}
	if (index > 0 || i >= value->len)
		return 0;
	start = i;
	while (i < value->len && t[i] != '.')
		i++;
	return mc_parse_u64(t + start, i - start);
}

void mc_ratio(const struct mc_attr *attr, const struct mc_value *value, uint64_t *numerator, uint64_t *denominator)
{
	uint64_t n = 0, d = 0;

	if (attr && value && value->type == MC_RATIO) {
		const char *t = attr->text + value->off;
		const char *slash = memchr(t, '/', value->len);

		if (slash) {
			size_t top = (size_t)(slash - t);

			n = mc_parse_u64(t, top);
			d = mc_parse_u64(slash + 1, value->len - top - 1);
		}
	}
	if (numerator)
		*numerator = n;
	if (denominator)
		*denominator = d;
}

int mc_find_field(const struct mc_attr *attr, const char *key, size_t key_len)
{
	size_t lo = 0, hi;

	if (!attr || (!key && key_len > 0))
		return -1;
	hi = attr->kind == MC_MIGRATION_VERSION ? attr->nfixed : attr->kind == MC_COMPATIBLE_DEVICES ? attr->ndefaults : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mc_span *k = &attr->fields[mid].key;
		int c = mc_bytes_cmp(attr->text + k->off, k->len, key, key_len);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
