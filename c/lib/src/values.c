/* SPDX-License-Identifier: MIT */
/*
 * Values: equality, matching and order (clauses 5.3 and 8.1), and the registry
 * defaults (clause 11). Numbers stay text: a valid integer has no leading zero,
 * so comparing lengths, then bytes, orders integers; ratios need one 128-bit
 * product each side, done in 32-bit halves.
 */
#include <string.h>

#include "internal.h"

struct mc_val mc_val_of(const struct mc_attr *attr, const struct mc_value *value)
{
	struct mc_val v;

	v.type = value->type;
	v.text = attr->text + value->off;
	v.len = value->len;
	v.base = attr->text;
	v.members = value->type == MC_SET ? attr->members + value->first : NULL;
	v.count = value->type == MC_SET ? value->count : 0;
	return v;
}

/* The registry defaults of specification 1.0, in one static text. */
static const char registry_text[] = "1{}";

int mc_registry_default(const char *key, size_t len, struct mc_val *out)
{
	memset(out, 0, sizeof(*out));
	out->base = registry_text;
	if (mc_bytes_eq(key, len, "aggregate", 9)) {
		out->type = MC_INTEGER;
		out->text = registry_text;
		out->len = 1;
		return 1;
	}
	if (mc_bytes_eq(key, len, "features", 8)) {
		out->type = MC_SET;
		out->text = registry_text + 1;
		out->len = 2;
		return 1;
	}
	return 0;
}

int mc_is_ordered(uint8_t type)
{
	return type == MC_INTEGER || type == MC_VERSION || type == MC_RATIO;
}

/* Two numerals without leading zeros, compared as numbers. */
static int numeral_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return mc_bytes_cmp(a, alen, b, blen);
}

/* The next component of a version at *pos, or "0" past its end (zero extension). */
static void next_part(const char *t, size_t len, size_t *pos, const char **part, size_t *plen)
{
	size_t s = *pos;

	if (s >= len) {
		*part = "0";
		*plen = 1;
		return;
	}
	while (*pos < len && t[*pos] != '.')
		(*pos)++;
	*part = t + s;
	*plen = *pos - s;
	if (*pos < len)
		(*pos)++; /* the dot */
}

static int version_cmp(const struct mc_val *a, const struct mc_val *b)
{
	size_t pa = 0, pb = 0;

	while (pa < a->len || pb < b->len) {
		const char *x, *y;
		size_t xl, yl;
		int c;

		next_part(a->text, a->len, &pa, &x, &xl);
		next_part(b->text, b->len, &pb, &y, &yl);
		c = numeral_cmp(x, xl, y, yl);
		if (c)
			return c;
	}
	return 0;
}

/* a * b as a 128-bit number in two halves. */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);

	*lo = (ll & 0xffffffffu) | (mid << 32);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static void ratio_terms(const struct mc_val *v, uint64_t *n, uint64_t *d)
{
	const char *slash = memchr(v->text, '/', v->len);
	size_t nl = (size_t)(slash - v->text);

	*n = mc_parse_u64(v->text, nl);
	*d = mc_parse_u64(slash + 1, v->len - nl - 1);
}

static int ratio_cmp(const struct mc_val *a, const struct mc_val *b)
{
	uint64_t an, ad, bn, bd, lh, ll, rh, rl;

	ratio_terms(a, &an, &ad);
	ratio_terms(b, &bn, &bd);
	mul64(an, bd, &lh, &ll);
	mul64(bn, ad, &rh, &rl);
	if (lh != rh)
		return lh < rh ? -1 : 1;
	if (ll != rl)
		return ll < rl ? -1 : 1;
	return 0;
}

int mc_val_compare(const struct mc_val *a, const struct mc_val *b)
{
	switch (a->type) {
	case MC_INTEGER:
		return numeral_cmp(a->text, a->len, b->text, b->len);
	case MC_VERSION:
		return version_cmp(a, b);
	default:
		return ratio_cmp(a, b);
	}
}

static int set_equal(const struct mc_val *a, const struct mc_val *b)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++) {
		const struct mc_span *x = &a->members[i], *y = &b->members[i];

		if (!mc_bytes_eq(a->base + x->off, x->len, b->base + y->off, y->len))
			return 0;
	}
	return 1;
}

int mc_val_identical(const struct mc_val *a, const struct mc_val *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == MC_SET)
		return set_equal(a, b);
	return mc_bytes_eq(a->text, a->len, b->text, b->len);
}

int mc_val_matches(const struct mc_val *a, const struct mc_val *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == MC_VERSION)
		return version_cmp(a, b) == 0;
	/* integers and ratios have one spelling (no leading zeros, lowest terms) */
	return mc_val_identical(a, b);
}

int mc_set_within(const struct mc_val *a, const struct mc_val *b)
{
	size_t i = 0, j = 0;

	while (i < a->count) {
		const struct mc_span *x = &a->members[i];
		int c;

		if (j >= b->count)
			return 0;
		c = mc_bytes_cmp(a->base + x->off, x->len, b->base + b->members[j].off, b->members[j].len);
		if (c < 0)
			return 0;
		if (c == 0)
			i++;
		j++;
	}
	return 1;
}
