// SPDX-License-Identifier: MIT
/*
 * migcompat_emit.c - write the migcompat attributes from a sysfs show()
 *
 * See migcompat_emit.h for the interface. Clause numbers are those of the
 * migcompat specification.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "migcompat_emit.h"

enum { MIGC_IDLE, MIGC_VERSION, MIGC_COMPATIBLE };

/* Every item of a line is at least 4 bytes: " k=1", " k<=$" */
#define MIGC_MAX_ITEMS		(MIGC_MAX_BYTES / 4)
/* Every alternative is at least 2 bytes: "|1" */
#define MIGC_MAX_ALTS		(MIGC_MAX_BYTES / 2)

static_assert(offsetof(struct migc_field, key) == 0, "migc_key() reads the key first");
static_assert(offsetof(struct migc_constraint, key) == 0, "migc_key() reads the key first");

static const char migc_hex[] = "0123456789ABCDEF";

/* The token alphabet of clause 5.3.1, without the dot. */
static bool migc_plain(u8 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '+' ||
	       c == '-';
}

/* ---- writing ---------------------------------------------------------- */

static void migc_fail(struct migc_emitter *e, int err)
{
	if (!e->err)
		e->err = err;
}

/* Append n bytes, or fail with -E2BIG when they do not all fit. */
static void migc_put(struct migc_emitter *e, const char *s, int n)
{
	if (e->err)
		return;
	if (n > e->limit - e->len) {
		e->err = -E2BIG;
		return;
	}
	if (sysfs_emit_at(e->buf, e->len, "%.*s", n, s) != n) {
		e->err = -E2BIG;	/* the page was too small after all */
		return;
	}
	e->len += n;
}

static void migc_puts(struct migc_emitter *e, const char *s)
{
	migc_put(e, s, strlen(s));
}

static void migc_put_u64(struct migc_emitter *e, u64 v)
{
	char digits[24];

	migc_put(e, digits, snprintf(digits, sizeof(digits), "%llu",
				     (unsigned long long)v));
}

/* A token or set member, %XX-escaped (clause 5.3.1). */
static void migc_put_text(struct migc_emitter *e, const char *s)
{
	char escape[3] = { '%' };
	const char *run = s;

	for (; *s; s++) {
		u8 c = *s;

		if (migc_plain(c) || c == '.')
			continue;
		migc_put(e, run, s - run);
		escape[1] = migc_hex[c >> 4];
		escape[2] = migc_hex[c & 15];
		migc_put(e, escape, 3);
		run = s + 1;
	}
	migc_put(e, run, s - run);
}

/* ---- values ----------------------------------------------------------- */

static u64 migc_gcd(u64 a, u64 b)
{
	u64 r;

	while (b) {
		div64_u64_rem(a, b, &r);
		a = b;
		b = r;
	}
	return a;
}

/* a/b against c/d (b, d not 0), as rational numbers, without overflow. */
static int migc_ratio_cmp(u64 a, u64 b, u64 c, u64 d)
{
	int sign = 1;
	u64 qa, qc, t;

	for (;;) {
		qa = div64_u64(a, b);
		qc = div64_u64(c, d);
		if (qa != qc)
			return qa < qc ? -sign : sign;
		a -= qa * b;
		c -= qc * d;
		if (!a || !c)
			return a == c ? 0 : (a ? sign : -sign);
		/* a/b < c/d, both below 1, when b/a > d/c */
		t = a;
		a = b;
		b = t;
		t = c;
		c = d;
		d = t;
		sign = -sign;
	}
}

/* One byte after another of a text as escaped: the order of clause 6.2. */
struct migc_cursor {
	const u8 *s;
	int step;
};

static int migc_next(struct migc_cursor *c)
{
	u8 b = *c->s;

	if (!b)
		return -1;
	if (migc_plain(b) || b == '.') {
		c->s++;
		return b;
	}
	switch (c->step++) {
	case 0:
		return '%';
	case 1:
		return migc_hex[b >> 4];
	}
	c->step = 0;
	c->s++;
	return migc_hex[b & 15];
}

/* Compare two texts by the bytes of their escaped forms. */
static int migc_text_cmp(const char *a, const char *b)
{
	struct migc_cursor x = { (const u8 *)a, 0 };
	struct migc_cursor y = { (const u8 *)b, 0 };
	int p, q;

	do {
		p = migc_next(&x);
		q = migc_next(&y);
	} while (p == q && p >= 0);
	return p - q;
}

/*
 * Whether a text can be written as a token (a set member when member is
 * true): printable ASCII, dots between non-empty segments, at most
 * MIGC_MAX_TOKEN bytes escaped; a token also has a byte other than a digit
 * or a dot.
 */
static bool migc_text_ok(const char *s, bool member)
{
	bool other = member;
	int len = 0;
	const char *p;

	if (!s || !*s || *s == '.')
		return false;
	for (p = s; *p; p++) {
		u8 c = *p;

		if (c < 0x20 || c > 0x7e)
			return false;
		if (c == '.' && (p[1] == '.' || !p[1]))
			return false;
		if (c != '.' && (c < '0' || c > '9'))
			other = true;
		len += migc_plain(c) || c == '.' ? 1 : 3;
		if (len > MIGC_MAX_TOKEN)
			return false;
	}
	return other;
}

/* One or two names joined by a dot, at most MIGC_MAX_KEY bytes (5.2). */
static bool migc_key_ok(const char *k)
{
	bool start = true;
	int names = 0;
	int i;

	if (!k)
		return false;
	for (i = 0; k[i]; i++) {
		char c = k[i];

		if (i >= MIGC_MAX_KEY)
			return false;
		if (start) {
			if (c < 'a' || c > 'z')
				return false;
			start = false;
			names++;
		} else if (c == '.') {
			if (names > 1)
				return false;
			start = true;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     c == '_')) {
			return false;
		}
	}
	return i && !start;
}

static bool migc_member(const struct migc_value *v, unsigned int i)
{
	return (v->set.mask >> i) & 1;
}

static bool migc_has_member(const struct migc_value *v, const char *name)
{
	unsigned int i;

	for (i = 0; i < v->set.count; i++)
		if (migc_member(v, i) && !strcmp(v->set.names[i], name))
			return true;
	return false;
}

/* 0 when no valid attribute can hold the value, else -EINVAL. */
static int migc_value_check(const struct migc_value *v)
{
	unsigned int i, j;

	switch (v->type) {
	case MIGC_TYPE_TOKEN:
		return migc_text_ok(v->token, false) ? 0 : -EINVAL;
	case MIGC_TYPE_INT:
		return 0;
	case MIGC_TYPE_VERSION:
		return v->version.parts && v->version.count >= MIGC_MIN_PARTS &&
		       v->version.count <= MIGC_MAX_PARTS ? 0 : -EINVAL;
	case MIGC_TYPE_RATIO:
		return v->ratio.den ? 0 : -EINVAL;
	case MIGC_TYPE_SET:
		if (v->set.count > MIGC_MAX_MEMBERS ||
		    (v->set.count && !v->set.names))
			return -EINVAL;
		for (i = 0; i < v->set.count; i++) {
			if (!migc_member(v, i))
				continue;
			if (!migc_text_ok(v->set.names[i], true))
				return -EINVAL;
			for (j = 0; j < i; j++)
				if (migc_member(v, j) &&
				    !strcmp(v->set.names[i], v->set.names[j]))
					return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

/* Equal as data model values (clause 5.1): of one type, and equal. */
static bool migc_value_eq(const struct migc_value *a, const struct migc_value *b)
{
	unsigned int i;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case MIGC_TYPE_TOKEN:
		return !strcmp(a->token, b->token);
	case MIGC_TYPE_INT:
		return a->integer == b->integer;
	case MIGC_TYPE_VERSION:
		if (a->version.count != b->version.count)
			return false;
		for (i = 0; i < a->version.count; i++)
			if (a->version.parts[i] != b->version.parts[i])
				return false;
		return true;
	case MIGC_TYPE_RATIO:
		return !migc_ratio_cmp(a->ratio.num, a->ratio.den,
				       b->ratio.num, b->ratio.den);
	case MIGC_TYPE_SET:
		for (i = 0; i < a->set.count; i++)
			if (migc_member(a, i) &&
			    !migc_has_member(b, a->set.names[i]))
				return false;
		for (i = 0; i < b->set.count; i++)
			if (migc_member(b, i) &&
			    !migc_has_member(a, b->set.names[i]))
				return false;
		return true;
	}
	return false;
}

static bool migc_ordered(enum migc_type type)
{
	return type == MIGC_TYPE_INT || type == MIGC_TYPE_VERSION ||
	       type == MIGC_TYPE_RATIO;
}

/* a against b, of one ordered type (clauses 5.3.2 to 5.3.4). */
static int migc_order(const struct migc_value *a, const struct migc_value *b)
{
	unsigned int i;
	u64 x, y;

	switch (a->type) {
	case MIGC_TYPE_INT:
		return a->integer < b->integer ? -1 : a->integer > b->integer;
	case MIGC_TYPE_VERSION:
		for (i = 0; i < MIGC_MAX_PARTS; i++) {
			x = i < a->version.count ? a->version.parts[i] : 0;
			y = i < b->version.count ? b->version.parts[i] : 0;
			if (x != y)
				return x < y ? -1 : 1;
		}
		return 0;
	case MIGC_TYPE_RATIO:
		return migc_ratio_cmp(a->ratio.num, a->ratio.den,
				      b->ratio.num, b->ratio.den);
	default:
		return 0;
	}
}

static void migc_put_set(struct migc_emitter *e, const struct migc_value *v)
{
	const char *prev = NULL, *next, *name;
	unsigned int i, n;

	migc_put(e, "{", 1);
	for (n = 0; ; n++) {
		next = NULL;
		for (i = 0; i < v->set.count; i++) {
			name = v->set.names[i];
			if (!migc_member(v, i) ||
			    (prev && migc_text_cmp(name, prev) <= 0))
				continue;
			if (!next || migc_text_cmp(name, next) < 0)
				next = name;
		}
		if (!next)
			break;
		if (n)
			migc_put(e, ",", 1);
		migc_put_text(e, next);
		prev = next;
	}
	migc_put(e, "}", 1);
}

static void migc_put_value(struct migc_emitter *e, const struct migc_value *v)
{
	unsigned int i;
	u64 g;

	switch (v->type) {
	case MIGC_TYPE_TOKEN:
		migc_put_text(e, v->token);
		break;
	case MIGC_TYPE_INT:
		migc_put_u64(e, v->integer);
		break;
	case MIGC_TYPE_VERSION:
		for (i = 0; i < v->version.count; i++) {
			if (i)
				migc_put(e, ".", 1);
			migc_put_u64(e, v->version.parts[i]);
		}
		break;
	case MIGC_TYPE_RATIO:
		g = migc_gcd(v->ratio.num, v->ratio.den);
		migc_put_u64(e, div64_u64(v->ratio.num, g));
		migc_put(e, "/", 1);
		migc_put_u64(e, div64_u64(v->ratio.den, g));
		break;
	case MIGC_TYPE_SET:
		migc_put_set(e, v);
		break;
	}
}

/* ---- lines ------------------------------------------------------------ */

/* The key of item i of an array of fields or constraints (key first). */
static const char *migc_key(const void *items, size_t size, unsigned int i)
{
	return *(const char *const *)((const char *)items + i * size);
}

/*
 * Check the keys of a line: valid and distinct. 1 when they are in byte
 * order already, 0 when not, or -EINVAL.
 */
static int migc_keys_check(const void *items, size_t size, unsigned int n)
{
	unsigned int i, j;
	int sorted = 1;

	for (i = 0; i < n; i++) {
		if (!migc_key_ok(migc_key(items, size, i)))
			return -EINVAL;
		if (i && strcmp(migc_key(items, size, i - 1),
				migc_key(items, size, i)) >= 0)
			sorted = 0;
	}
	for (i = 0; !sorted && i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(migc_key(items, size, i),
				    migc_key(items, size, j)))
				return -EINVAL;
	return sorted;
}

/* The item with the least key above prev (the least key when prev is NULL). */
static unsigned int migc_next_key(const void *items, size_t size,
				  unsigned int n, const char *prev)
{
	unsigned int i, best = n;
	const char *key;

	for (i = 0; i < n; i++) {
		key = migc_key(items, size, i);
		if (prev && strcmp(key, prev) <= 0)
			continue;
		if (best == n || strcmp(key, migc_key(items, size, best)) < 0)
			best = i;
	}
	return best;
}

/* Check a line's fields; 1 or 0 as migc_keys_check(), or an error. */
static int migc_fields_check(const struct migc_field *f, unsigned int n,
			     bool marks)
{
	unsigned int i;

	if (n && !f)
		return -EINVAL;
	if (n > MIGC_MAX_ITEMS)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (migc_value_check(&f[i].value) || (f[i].ignorable && !marks))
			return -EINVAL;
	return migc_keys_check(f, sizeof(*f), n);
}

static void migc_put_field(struct migc_emitter *e, const struct migc_field *f)
{
	migc_put(e, f->ignorable ? " ~" : " ", f->ignorable ? 2 : 1);
	migc_puts(e, f->key);
	migc_put(e, "=", 1);
	migc_put_value(e, &f->value);
}

static void migc_put_fields(struct migc_emitter *e, const struct migc_field *f,
			    unsigned int n, bool sorted)
{
	const char *prev = NULL;
	unsigned int k, i;

	for (k = 0; k < n; k++) {
		i = sorted ? k : migc_next_key(f, sizeof(*f), n, prev);
		migc_put_field(e, &f[i]);
		prev = f[i].key;
	}
}

static bool migc_is_fixed(const struct migc_emitter *e, const char *key)
{
	unsigned int i;

	for (i = 0; i < e->nr_fixed; i++)
		if (!strcmp(e->fixed[i].key, key))
			return true;
	return false;
}

/* Record type as the constraint's type, or say it differs from it. */
static bool migc_same_type(enum migc_type *type, enum migc_type t)
{
	if (!*type)
		*type = t;
	return *type == t;
}

static bool migc_prefix_ok(unsigned int n)
{
	return n >= 1 && n < MIGC_MAX_PARTS;
}

/* A range end: a value of an ordered type and of the constraint's, $ or $N. */
static bool migc_bound_ok(const struct migc_bound *b, enum migc_type *type)
{
	switch (b->end) {
	case MIGC_END_OPEN:
	case MIGC_END_SELF:
		return true;
	case MIGC_END_SELF_PREFIX:	/* a version: the target's, cut */
		return migc_prefix_ok(b->prefix) &&
		       migc_same_type(type, MIGC_TYPE_VERSION);
	case MIGC_END_VALUE:
		return !migc_value_check(&b->value) &&
		       migc_ordered(b->value.type) &&
		       migc_same_type(type, b->value.type);
	}
	return false;
}

static bool migc_bound_eq(const struct migc_bound *a, const struct migc_bound *b)
{
	if (a->end != b->end)
		return false;
	if (a->end == MIGC_END_VALUE)
		return migc_value_eq(&a->value, &b->value);
	return a->end != MIGC_END_SELF_PREFIX || a->prefix == b->prefix;
}

static bool migc_alt_eq(const struct migc_alt *a, const struct migc_alt *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case MIGC_ALT_VALUE:
		return migc_value_eq(&a->value, &b->value);
	case MIGC_ALT_SELF_PREFIX:
		return a->prefix == b->prefix;
	case MIGC_ALT_RANGE:
		return migc_bound_eq(&a->lo, &b->lo) &&
		       migc_bound_eq(&a->hi, &b->hi);
	default:
		return true;
	}
}

/* One alternative of an equals constraint (clause 5.6). */
static bool migc_alt_ok(const struct migc_alt *a, enum migc_type *type)
{
	switch (a->kind) {
	case MIGC_ALT_VALUE:
		return !migc_value_check(&a->value) &&
		       migc_same_type(type, a->value.type);
	case MIGC_ALT_SELF:
		return true;
	case MIGC_ALT_SELF_PREFIX:
		return migc_prefix_ok(a->prefix) &&
		       migc_same_type(type, MIGC_TYPE_VERSION);
	case MIGC_ALT_RANGE:
		if (a->lo.end == MIGC_END_OPEN && a->hi.end == MIGC_END_OPEN)
			return false;
		if (!migc_bound_ok(&a->lo, type) || !migc_bound_ok(&a->hi, type))
			return false;
		/* Written ranges are not empty (empty-range). */
		return a->lo.end != MIGC_END_VALUE || a->hi.end != MIGC_END_VALUE ||
		       migc_order(&a->lo.value, &a->hi.value) <= 0;
	}
	return false;
}

/* The alternatives of an equals constraint: valid, of one type, distinct. */
static int migc_alts_check(const struct migc_alt *alts, unsigned int n)
{
	enum migc_type type = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!migc_alt_ok(&alts[i], &type))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (migc_alt_eq(&alts[j], &alts[i]))
				return -EINVAL;
	}
	return 0;
}

static int migc_constraint_check(const struct migc_constraint *c)
{
	const struct migc_alt *x = c->alts;

	if (!migc_key_ok(c->key))
		return -EINVAL;
	if (c->op == MIGC_OP_ANY)
		return c->nr_alts ? -EINVAL : 0;
	if (!x || !c->nr_alts)
		return -EINVAL;
	if (c->nr_alts > MIGC_MAX_ALTS)
		return -E2BIG;
	if (c->op == MIGC_OP_EQUALS)
		return migc_alts_check(x, c->nr_alts);
	if ((c->op != MIGC_OP_SUBSET && c->op != MIGC_OP_SUPERSET) ||
	    c->nr_alts != 1)
		return -EINVAL;
	if (x->kind == MIGC_ALT_SELF)
		return 0;
	if (x->kind == MIGC_ALT_VALUE && x->value.type == MIGC_TYPE_SET)
		return migc_value_check(&x->value);
	return -EINVAL;
}

static void migc_put_prefix(struct migc_emitter *e, unsigned int n)
{
	char text[2] = { '$', '0' + n };

	migc_put(e, text, 2);
}

static void migc_put_bound(struct migc_emitter *e, const struct migc_bound *b)
{
	if (b->end == MIGC_END_VALUE)
		migc_put_value(e, &b->value);
	else if (b->end == MIGC_END_SELF)
		migc_put(e, "$", 1);
	else if (b->end == MIGC_END_SELF_PREFIX)
		migc_put_prefix(e, b->prefix);
}

static void migc_put_constraint(struct migc_emitter *e,
				const struct migc_constraint *c)
{
	const struct migc_alt *a;
	unsigned int i;

	migc_put(e, " ", 1);
	migc_puts(e, c->key);
	switch (c->op) {
	case MIGC_OP_SUBSET:
		migc_put(e, "<=", 2);
		break;
	case MIGC_OP_SUPERSET:
		migc_put(e, ">=", 2);
		break;
	case MIGC_OP_ANY:
		migc_put(e, "=*", 2);
		return;
	default:
		migc_put(e, "=", 1);
	}
	for (i = 0; i < c->nr_alts; i++) {
		a = &c->alts[i];
		if (i)
			migc_put(e, "|", 1);
		switch (a->kind) {
		case MIGC_ALT_VALUE:
			migc_put_value(e, &a->value);
			break;
		case MIGC_ALT_SELF:
			migc_put(e, "$", 1);
			break;
		case MIGC_ALT_SELF_PREFIX:
			migc_put_prefix(e, a->prefix);
			break;
		case MIGC_ALT_RANGE:
			migc_put_bound(e, &a->lo);
			migc_put(e, "..", 2);
			migc_put_bound(e, &a->hi);
			break;
		}
	}
}

/* ---- the interface ---------------------------------------------------- */

static void migc_begin(struct migc_emitter *e, char *buf, int state)
{
	e->buf = buf;
	e->len = 0;
	e->limit = PAGE_SIZE - 1 < MIGC_MAX_BYTES ? PAGE_SIZE - 1 : MIGC_MAX_BYTES;
	e->err = buf ? 0 : -EINVAL;
	e->state = state;
	e->fixed = NULL;
	e->nr_fixed = 0;
}

void migc_version_begin(struct migc_emitter *e, char *buf,
			const struct migc_field *fields, unsigned int nr)
{
	int sorted;

	migc_begin(e, buf, MIGC_VERSION);
	sorted = nr ? migc_fields_check(fields, nr, true) : -EINVAL;
	if (sorted < 0) {
		migc_fail(e, sorted);
		return;
	}
	e->fixed = fields;
	e->nr_fixed = nr;
	migc_put(e, "mc1", 3);
	migc_put_fields(e, fields, nr, sorted);
	migc_put(e, "\n", 1);
}

void migc_version_param(struct migc_emitter *e, const struct migc_field *param,
			const struct migc_field *fields, unsigned int nr)
{
	unsigned int i;
	int sorted;

	if (e->err)
		return;
	if (e->state != MIGC_VERSION || !param) {
		migc_fail(e, -EINVAL);
		return;
	}
	sorted = migc_fields_check(fields, nr, true);
	if (sorted >= 0 && (!migc_key_ok(param->key) ||
			    migc_value_check(&param->value) ||
			    migc_is_fixed(e, param->key)))
		sorted = -EINVAL;
	for (i = 0; sorted >= 0 && i < nr; i++)
		if (!strcmp(fields[i].key, param->key) ||
		    migc_is_fixed(e, fields[i].key))
			sorted = -EINVAL;
	if (sorted < 0) {
		migc_fail(e, sorted);
		return;
	}
	migc_put(e, "param", 5);
	migc_put_field(e, param);
	migc_put_fields(e, fields, nr, sorted);
	migc_put(e, "\n", 1);
}

void migc_compatible_begin(struct migc_emitter *e, char *buf,
			   const struct migc_field *defaults, unsigned int nr)
{
	int sorted;

	migc_begin(e, buf, MIGC_COMPATIBLE);
	sorted = migc_fields_check(defaults, nr, false);
	if (sorted < 0) {
		migc_fail(e, sorted);
		return;
	}
	migc_put(e, "mc1\n", 4);
	if (!nr)
		return;
	migc_put(e, "default", 7);
	migc_put_fields(e, defaults, nr, sorted);
	migc_put(e, "\n", 1);
}

void migc_compatible_rule(struct migc_emitter *e,
			  const struct migc_constraint *constraints,
			  unsigned int nr)
{
	const char *prev = NULL;
	unsigned int i, k;
	int sorted = 0;

	if (e->err)
		return;
	if (e->state != MIGC_COMPATIBLE || (nr && !constraints))
		sorted = -EINVAL;
	else if (nr > MIGC_MAX_ITEMS)
		sorted = -E2BIG;
	for (i = 0; !sorted && i < nr; i++)
		sorted = migc_constraint_check(&constraints[i]);
	if (!sorted)
		sorted = migc_keys_check(constraints, sizeof(*constraints), nr);
	if (sorted < 0) {
		migc_fail(e, sorted);
		return;
	}
	migc_put(e, "accept", 6);
	for (k = 0; k < nr; k++) {
		i = sorted ? k : migc_next_key(constraints, sizeof(*constraints),
					       nr, prev);
		migc_put_constraint(e, &constraints[i]);
		prev = constraints[i].key;
	}
	migc_put(e, "\n", 1);
}

ssize_t migc_end(struct migc_emitter *e)
{
	if (e->err)
		return e->err;
	if (e->state != MIGC_VERSION && e->state != MIGC_COMPATIBLE)
		return -EINVAL;
	return e->len;
}
