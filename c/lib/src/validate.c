/* SPDX-License-Identifier: MIT */
/*
 * The checks of clause 7.3 on an attribute the grammar derives: lengths,
 * numbers, escapes (each lexeme, in written order), then the structure
 * (duplicates, parameters, alternatives). When an attribute breaks several
 * conditions, the specification lets a parser report any one; this one
 * reports the one the Python reference parser reports, so that the two can
 * be compared on every input: every lexeme of a migration_version is checked
 * before its structure; a migration_compatible_devices is checked line by
 * line, each accept line's lexemes then its structure, and the default
 * line's duplicate keys last.
 */
#include <string.h>

#include "internal.h"

static int fail(struct mc_attr *a, enum mc_code code, size_t offset)
{
	a->error.code = code;
	mc_locate(a->text, a->len, offset, &a->error.line, &a->error.column);
	return -1;
}

/* ---- lexemes ---------------------------------------------------------------- */

static int check_key(struct mc_attr *a, const struct mc_span *key)
{
	return key->len > MC_MAX_KEY ? fail(a, MC_E_KEY_TOO_LONG, key->off + MC_MAX_KEY) : 0;
}

static int is_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
	return c <= '9' ? c - '0' : c - 'A' + 10;
}

static int in_token_alphabet(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' ||
	       c == ':' || c == '+' || c == '-';
}

/* A token or set member: at most 255 bytes, and each %XX escape upper-case, printable, needed. */
static int check_token(struct mc_attr *a, size_t off, size_t len)
{
	const char *t = a->text + off;
	size_t i;

	if (len > MC_MAX_TOKEN)
		return fail(a, MC_E_TOKEN_TOO_LONG, off + MC_MAX_TOKEN);
	for (i = 0; i < len; i++) {
		int c;

		if (t[i] != '%')
			continue;
		/* the grammar guarantees two hex digits follow */
		if (!is_upper_hex(t[i + 1]) || !is_upper_hex(t[i + 2]))
			return fail(a, MC_E_BAD_ESCAPE, off + i);
		c = hex_value(t[i + 1]) * 16 + hex_value(t[i + 2]);
		if (c < 0x20 || c > 0x7e || in_token_alphabet(c))
			return fail(a, MC_E_BAD_ESCAPE, off + i);
		i += 2;
	}
	return 0;
}

/* An integer, version component or ratio term: no leading zero, at most 2^64-1. */
static int check_integer(struct mc_attr *a, size_t off, size_t len)
{
	const char *t = a->text + off;

	if (len > 1 && t[0] == '0')
		return fail(a, MC_E_LEADING_ZERO, off);
	if (len > 20 || (len == 20 && memcmp(t, "18446744073709551615", 20) > 0))
		return fail(a, MC_E_INT_OVERFLOW, off);
	return 0;
}

static uint64_t gcd(uint64_t x, uint64_t y)
{
	while (y) {
		uint64_t r = x % y;

		x = y;
		y = r;
	}
	return x;
}

static int check_ratio(struct mc_attr *a, const struct mc_value *v)
{
	const char *t = a->text + v->off;
	size_t top = (size_t)((const char *)memchr(t, '/', v->len) - t);
	size_t bottom = v->len - top - 1;
	uint64_t n, d;

	if (check_integer(a, v->off, top) || check_integer(a, v->off + top + 1, bottom))
		return -1;
	n = mc_parse_u64(t, top);
	d = mc_parse_u64(t + top + 1, bottom);
	if (d == 0)
		return fail(a, MC_E_ZERO_DENOMINATOR, v->off + top + 1);
	if (gcd(n, d) != 1)
		return fail(a, MC_E_UNREDUCED_RATIO, v->off);
	return 0;
}

static int check_version(struct mc_attr *a, const struct mc_value *v)
{
	const char *t = a->text + v->off;
	size_t i, start = 0, parts = 1;

	for (i = 0; i < v->len; i++)
		parts += t[i] == '.';
	if (parts > MC_MAX_VERSION_PARTS)
		return fail(a, MC_E_VERSION_TOO_LONG, v->off);
	for (i = 0; i <= v->len; i++) {
		if (i < v->len && t[i] != '.')
			continue;
		if (check_integer(a, v->off + start, i - start))
			return -1;
		start = i + 1;
	}
	return 0;
}

static int cmp_span(const void *x, const void *y, const void *ctx)
{
	const struct mc_span *a = x, *b = y;
	const char *text = ctx;

	return mc_bytes_cmp(text + a->off, a->len, text + b->off, b->len);
}

/* Items given by index, compared for first_duplicate. */
struct dup_ctx {
	const struct mc_attr *attr;
	const struct mc_span *spans; /* with stride */
	size_t stride;
};

static const struct mc_span *span_at(const struct dup_ctx *d, uint16_t i)
{
	return (const struct mc_span *)(const void *)((const char *)d->spans + (size_t)i * d->stride);
}

static int cmp_index(const void *x, const void *y, const void *ctx)
{
	const struct dup_ctx *d = ctx;
	uint16_t i = *(const uint16_t *)x, j = *(const uint16_t *)y;
	int c = cmp_span(span_at(d, i), span_at(d, j), d->attr->text);

	return c ? c : (i > j) - (i < j);
}

/*
 * The first item, in written order, whose bytes an earlier item has: its
 * index, or -1. n spans at stride bytes apart; O(n log n), no allocation.
 */
static int first_duplicate(const struct mc_attr *a, const struct mc_span *spans, size_t stride, size_t n)
{
	uint16_t order[MC_CAP_MEMBERS > MC_CAP_FIELDS ? MC_CAP_MEMBERS : MC_CAP_FIELDS];
	struct dup_ctx d = { a, spans, stride };
	size_t i;
	int found = -1;

	for (i = 0; i < n; i++)
		order[i] = (uint16_t)i;
	mc_sort(order, n, sizeof(order[0]), cmp_index, &d);
	for (i = 1; i < n; i++) {
		/* the second of a run of equal items is the earliest repeat of that item */
		if (cmp_span(span_at(&d, order[i - 1]), span_at(&d, order[i]), a->text) == 0 &&
		    (i < 2 || cmp_span(span_at(&d, order[i - 2]), span_at(&d, order[i]), a->text) != 0) &&
		    (found < 0 || order[i] < found))
			found = order[i];
	}
	return found;
}

static int check_value(struct mc_attr *a, struct mc_value *v)
{
	struct mc_span *members;
	size_t i;
	int dup;

	switch (v->type) {
	case MC_TOKEN:
		return check_token(a, v->off, v->len);
	case MC_INTEGER:
		return check_integer(a, v->off, v->len);
	case MC_VERSION:
		return check_version(a, v);
	case MC_RATIO:
		return check_ratio(a, v);
	default:
		break;
	}
	members = a->members + v->first;
	for (i = 0; i < v->count; i++)
		if (check_token(a, members[i].off, members[i].len))
			return -1;
	dup = first_duplicate(a, members, sizeof(*members), v->count);
	if (dup >= 0)
		return fail(a, MC_E_DUPLICATE_MEMBER, members[dup].off);
	if (v->count > MC_MAX_MEMBERS)
		return fail(a, MC_E_TOO_MANY_MEMBERS, members[MC_MAX_MEMBERS].off);
	mc_sort(members, v->count, sizeof(*members), cmp_span, a->text);
	return 0;
}

static int check_field(struct mc_attr *a, struct mc_field *f)
{
	return check_key(a, &f->key) || check_value(a, &f->value) ? -1 : 0;
}

/* ---- structure ------------------------------------------------------------------ */

static int span_eq(const struct mc_attr *a, const struct mc_span *x, const struct mc_span *y)
{
	return mc_bytes_eq(a->text + x->off, x->len, a->text + y->off, y->len);
}

static int value_identical(const struct mc_attr *a, const struct mc_value *x, const struct mc_value *y)
{
	struct mc_val vx = mc_val_of(a, x), vy = mc_val_of(a, y);

	return mc_val_identical(&vx, &vy);
}

static int cmp_field(const void *x, const void *y, const void *ctx)
{
	return cmp_span(&((const struct mc_field *)x)->key, &((const struct mc_field *)y)->key, ctx);
}

static int cmp_constraint(const void *x, const void *y, const void *ctx)
{
	return cmp_span(&((const struct mc_constraint *)x)->key, &((const struct mc_constraint *)y)->key, ctx);
}

static int is_fixed_key(const struct mc_attr *a, const struct mc_span *key)
{
	return mc_find_field(a, a->text + key->off, key->len) >= 0;
}

/* Does a param line before line `before` set key (as its parameter or a further field)? Its index, or -1. */
static int earlier_setter(const struct mc_attr *a, size_t before, const struct mc_span *key)
{
	size_t j, k;

	for (j = 0; j < before; j++) {
		const struct mc_param *q = &a->params[j];

		if (span_eq(a, &q->name, key))
			return (int)j;
		for (k = 0; k < q->count; k++)
			if (span_eq(a, &a->fields[q->first + k].key, key))
				return (int)j;
	}
	return -1;
}

static int check_param(struct mc_attr *a, size_t index)
{
	const struct mc_param *p = &a->params[index];
	const struct mc_field *extra = a->fields + p->first;
	size_t j, k;
	int first_of_name = -1, setter;

	if (is_fixed_key(a, &p->name))
		return fail(a, MC_E_DUPLICATE_KEY, p->name.off);
	for (j = 0; j < index; j++) {
		const struct mc_param *q = &a->params[j];

		if (!span_eq(a, &q->name, &p->name))
			continue;
		if (first_of_name < 0)
			first_of_name = (int)j;
		if (value_identical(a, &q->value, &p->value))
			return fail(a, MC_E_DUPLICATE_PARAM, p->value.off);
	}
	if (first_of_name >= 0 && a->params[first_of_name].value.type != p->value.type)
		return fail(a, MC_E_MIXED_TYPES, p->value.off);
	for (k = 0; k < p->count; k++) {
		for (j = 0; j < k; j++)
			if (span_eq(a, &extra[j].key, &extra[k].key))
				return fail(a, MC_E_DUPLICATE_KEY, extra[k].key.off);
		if (is_fixed_key(a, &extra[k].key))
			return fail(a, MC_E_DUPLICATE_KEY, extra[k].key.off);
	}
	for (k = 0; k < p->count; k++)
		if (span_eq(a, &extra[k].key, &p->name))
			return fail(a, MC_E_DUPLICATE_KEY, extra[k].key.off);
	setter = earlier_setter(a, index, &p->name);
	if (setter >= 0 && !span_eq(a, &a->params[setter].name, &p->name))
		return fail(a, MC_E_PARAM_CONFLICT, p->name.off);
	for (k = 0; k < p->count; k++) {
		setter = earlier_setter(a, index, &extra[k].key);
		if (setter >= 0 && !span_eq(a, &a->params[setter].name, &p->name))
			return fail(a, MC_E_PARAM_CONFLICT, extra[k].key.off);
	}
	return 0;
}

static int validate_version(struct mc_attr *a)
{
	size_t i, k;
	int dup;

	for (i = 0; i < a->nfixed; i++)
		if (check_field(a, &a->fields[i]))
			return -1;
	for (i = 0; i < a->nparams; i++) {
		struct mc_param *p = &a->params[i];

		if (check_key(a, &p->name) || check_value(a, &p->value))
			return -1;
		for (k = 0; k < p->count; k++)
			if (check_field(a, &a->fields[p->first + k]))
				return -1;
	}
	dup = first_duplicate(a, &a->fields[0].key, sizeof(struct mc_field), a->nfixed);
	if (dup >= 0)
		return fail(a, MC_E_DUPLICATE_KEY, a->fields[dup].key.off);
	mc_sort(a->fields, a->nfixed, sizeof(struct mc_field), cmp_field, a->text);
	for (i = 0; i < a->nparams; i++)
		if (check_param(a, i))
			return -1;
	for (i = 0; i < a->nparams; i++)
		mc_sort(a->fields + a->params[i].first, a->params[i].count, sizeof(struct mc_field), cmp_field, a->text);
	return 0;
}

static int bound_identical(const struct mc_attr *a, const struct mc_bound *x, const struct mc_bound *y)
{
	return x->kind == y->kind && x->prefix == y->prefix &&
	       (x->kind != MC_BOUND_VALUE || value_identical(a, &x->value, &y->value));
}

static int alternative_identical(const struct mc_attr *a, const struct mc_alternative *x,
				 const struct mc_alternative *y)
{
	return x->kind == y->kind && x->prefix == y->prefix && bound_identical(a, &x->low, &y->low) &&
	       bound_identical(a, &x->high, &y->high);
}

/* The alternatives of one equals constraint: no repeat, one type, no empty written range. */
static int check_alternatives(struct mc_attr *a, const struct mc_constraint *c)
{
	const struct mc_alternative *alts = a->alternatives + c->first;
	uint8_t kind = 0;
	size_t i, j;

	for (i = 0; i < c->count; i++) {
		const struct mc_alternative *alt = &alts[i];
		const struct mc_bound *ends[2] = { &alt->low, &alt->high };

		for (j = 0; j < i; j++)
			if (alternative_identical(a, &alts[j], alt))
				return fail(a, MC_E_DUPLICATE_MEMBER, alt->where);
		/* the types an alternative names: a value's; $N's and a $N end's, version; $ none */
		for (j = 0; j < 2; j++) {
			uint8_t type;

			if (alt->kind == MC_ALT_PREFIX)
				type = j == 0 ? MC_VERSION : 0;
			else if (ends[j]->kind == MC_BOUND_VALUE)
				type = ends[j]->value.type;
			else
				type = ends[j]->kind == MC_BOUND_PREFIX ? MC_VERSION : 0;
			if (!type)
				continue;
			if (!kind)
				kind = type;
			else if (type != kind)
				return fail(a, MC_E_MIXED_TYPES, alt->where);
		}
		if (alt->kind == MC_ALT_RANGE && alt->low.kind == MC_BOUND_VALUE && alt->high.kind == MC_BOUND_VALUE) {
			struct mc_val lo = mc_val_of(a, &alt->low.value), hi = mc_val_of(a, &alt->high.value);

			if (mc_val_compare(&lo, &hi) > 0)
				return fail(a, MC_E_EMPTY_RANGE, alt->where);
		}
	}
	return 0;
}

static int check_rule(struct mc_attr *a, const struct mc_rule *r)
{
	size_t i, j;

	for (i = 0; i < r->count; i++) {
		struct mc_constraint *c = &a->constraints[r->first + i];

		if (check_key(a, &c->key))
			return -1;
		for (j = 0; j < c->count; j++) {
			struct mc_alternative *alt = &a->alternatives[c->first + j];

			if (alt->low.kind == MC_BOUND_VALUE && check_value(a, &alt->low.value))
				return -1;
			if (alt->high.kind == MC_BOUND_VALUE && check_value(a, &alt->high.value))
				return -1;
		}
	}
	for (i = 0; i < r->count; i++) {
		const struct mc_constraint *c = &a->constraints[r->first + i];

		for (j = 0; j < i; j++)
			if (span_eq(a, &a->constraints[r->first + j].key, &c->key))
				return fail(a, MC_E_DUPLICATE_KEY, c->key.off);
		if (c->op == MC_EQUALS && check_alternatives(a, c))
			return -1;
	}
	return 0;
}

static int validate_compatible(struct mc_attr *a)
{
	size_t i;
	int dup;

	for (i = 0; i < a->ndefaults; i++)
		if (check_field(a, &a->fields[i]))
			return -1;
	for (i = 0; i < a->nrules; i++)
		if (check_rule(a, &a->rules[i]))
			return -1;
	dup = first_duplicate(a, &a->fields[0].key, sizeof(struct mc_field), a->ndefaults);
	if (dup >= 0)
		return fail(a, MC_E_DUPLICATE_KEY, a->fields[dup].key.off);
	mc_sort(a->fields, a->ndefaults, sizeof(struct mc_field), cmp_field, a->text);
	for (i = 0; i < a->nrules; i++)
		mc_sort(a->constraints + a->rules[i].first, a->rules[i].count, sizeof(struct mc_constraint),
			cmp_constraint, a->text);
	return 0;
}

int mc_validate(struct mc_attr *a)
{
	return a->kind == MC_MIGRATION_VERSION ? validate_version(a) : validate_compatible(a);
}
