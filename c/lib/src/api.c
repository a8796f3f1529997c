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

/* Each code's name (mc_code_name) and its sentence for people (mc_error_message): one entry per code. */
static const struct {
	const char *name;
	const char *message;
} codes[MC_CODE_COUNT] = {
	[MC_OK] = { "ok", "no error" },
	[MC_E_EMPTY] = { "empty", "the attribute is empty" },
	[MC_E_TOO_LONG] = { "too-long", "the attribute is longer than the page limit of 4095 bytes" },
	[MC_E_NON_ASCII] = { "non-ascii", "the attribute has a byte outside ASCII" },
	[MC_E_NUL] = { "nul", "the attribute has a NUL byte" },
	[MC_E_CRLF] = { "crlf", "the attribute has a CR LF line end" },
	[MC_E_CONTROL_CHAR] = { "control-char", "the attribute has a control character" },
	[MC_E_WHITESPACE] = { "whitespace", "the attribute has white space where none is allowed" },
	[MC_E_BAD_HEADER] = { "bad-header", "the attribute does not begin with the format header mc1" },
	[MC_E_UNSUPPORTED_VERSION] = { "unsupported-version", "the attribute is of a newer format version than mc1" },
	[MC_E_SYNTAX] = { "syntax", "the attribute does not follow the grammar" },
	[MC_E_LEADING_ZERO] = { "leading-zero", "a number is written with a leading zero" },
	[MC_E_INT_OVERFLOW] = { "int-overflow", "an integer is above 2^64-1" },
	[MC_E_KEY_TOO_LONG] = { "key-too-long", "a key is longer than 63 bytes" },
	[MC_E_TOKEN_TOO_LONG] = { "token-too-long", "a token is longer than 255 bytes" },
	[MC_E_BAD_ESCAPE] = { "bad-escape", "a %XX escape is malformed or escapes a byte that needs none" },
	[MC_E_VERSION_TOO_LONG] = { "version-too-long", "a version has more than 8 components" },
	[MC_E_TOO_MANY_MEMBERS] = { "too-many-members", "a set has more than 64 members" },
	[MC_E_ZERO_DENOMINATOR] = { "zero-denominator", "a ratio has the denominator 0" },
	[MC_E_UNREDUCED_RATIO] = { "unreduced-ratio", "a ratio is not in lowest terms" },
	[MC_E_DUPLICATE_KEY] = { "duplicate-key", "a key is given twice on one line" },
	[MC_E_DUPLICATE_MEMBER] = { "duplicate-member", "a set has a member twice" },
	[MC_E_DUPLICATE_PARAM] = { "duplicate-param", "a parameter value is declared on two param lines" },
	[MC_E_PARAM_CONFLICT] = { "param-conflict", "a key is set by two parameters or by a parameter and a fixed field" },
	[MC_E_MIXED_TYPES] = { "mixed-types", "a constraint mixes values of different types" },
	[MC_E_EMPTY_RANGE] = { "empty-range", "a range has its low end above its high end" },
	[MC_E_INVALID_MODEL] = { "invalid-model", "the JSON data model is invalid" },
	[MC_R_NOT_EQUAL] = { "not-equal", "the source's value is none of the values the rule accepts" },
	[MC_R_BELOW_RANGE] = { "below-range", "the source's value is below the range the rule accepts" },
	[MC_R_ABOVE_RANGE] = { "above-range", "the source's value is above the range the rule accepts" },
	[MC_R_OUTSIDE_RANGES] = { "outside-ranges", "the source's value is outside every range the rule accepts" },
	[MC_R_NOT_SUBSET] = { "not-subset", "the source's set has a member the rule does not allow" },
	[MC_R_NOT_SUPERSET] = { "not-superset", "the source's set lacks a member the rule requires" },
	[MC_R_TYPE_MISMATCH] = { "type-mismatch", "the source's value is of another type than the rule's" },
	[MC_R_UNCONSTRAINED_CRITICAL] = { "unconstrained-critical", "the source has a critical field that the rule does not constrain" },
	[MC_R_MISSING_FIELD] = { "missing-field", "the source has no value for a key the rule constrains, and no default gives one" },
	[MC_R_MISSING_SELF] = { "missing-self", "the rule compares with the target's own value, which the target does not have" },
	[MC_R_NO_RULES] = { "no-rules", "the target's rule set has no accept rule" },
	[MC_R_SOURCE_IS_TEMPLATE] = { "source-is-template", "the source is a device type (it has param lines), not a device" },
	[MC_R_UNSUPPORTED_VERSION] = { "unsupported-version", "an attribute is of a newer format version than this library reads" },
	[MC_E_USAGE] = { "usage", "a library function was given a bad argument" },
	[MC_R_MISSING_ATTRIBUTE] = { "missing-attribute", "an attribute is missing or invalid" },
};

const char *mc_code_name(enum mc_code code)
{
	if ((int)code < 0 || code >= MC_CODE_COUNT || !codes[code].name)
		return "?";
	return codes[code].name;
}

const char *mc_error_message(enum mc_code code)
{
	if ((int)code < 0 || code >= MC_CODE_COUNT || !codes[code].message)
		return "unknown code";
	return codes[code].message;
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
