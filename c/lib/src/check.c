/* SPDX-License-Identifier: MIT */
/*
 * The comparator (clause 8): a constraint's truth (8.1), a rule's (8.1 and
 * 8.2, with the defaults of 8.3 and the own values of 8.4), the verdict
 * against a device instance and against a device type (8.5), the grade and
 * the nearest rules with their reasons (8.8).
 *
 * Against a device type the verdict is decided per parameter, as the
 * specification's clause 8.5 describes and the Python reference
 * (semantics/templates.py) does: a constraint depends on the choice only
 * through $, and $ on key k only through the one parameter whose lines set
 * k; so each rule's $ constraints are grouped by parameter, each group is
 * evaluated for each of its parameter's values, and the best values
 * combine. The work is at most the number of constraints times the number
 * of param lines; no product of parameters is formed. The verdict, grade
 * and reasons are then those of the device D(c) of the chosen choice c.
 */
#include <string.h>

#include "internal.h"

enum truth { T_FALSE = 0, T_UNDECIDED = 1, T_TRUE = 2 };

/* ---- a device type's parameters -------------------------------------------------- */

struct setter {
	uint16_t off;
	uint16_t len;
	uint16_t param; /* the parameter (index in byte order of names) whose lines set the key */
};

struct tmpl {
	const struct mc_attr *t;
	size_t nparams;
	uint16_t lines[MC_CAP_PARAMS]; /* param line indices, grouped by parameter, each in line order */
	uint16_t start[MC_CAP_PARAMS];
	uint16_t count[MC_CAP_PARAMS];
	size_t nsetters;
	struct setter setters[MC_CAP_FIELDS + MC_CAP_PARAMS]; /* by key */
};

static int cmp_line(const void *x, const void *y, const void *ctx)
{
	const struct mc_attr *t = ctx;
	uint16_t i = *(const uint16_t *)x, j = *(const uint16_t *)y;
	const struct mc_span *a = &t->params[i].name, *b = &t->params[j].name;
	int c = mc_bytes_cmp(t->text + a->off, a->len, t->text + b->off, b->len);

	return c ? c : (i > j) - (i < j);
}

static int cmp_setter(const void *x, const void *y, const void *ctx)
{
	const char *text = ctx;
	const struct setter *a = x, *b = y;

	return mc_bytes_cmp(text + a->off, a->len, text + b->off, b->len);
}

static void add_setter(struct tmpl *tp, const struct mc_span *key, uint16_t param)
{
	struct setter *s = &tp->setters[tp->nsetters++];

	s->off = key->off;
	s->len = key->len;
	s->param = param;
}

static void tmpl_init(struct tmpl *tp, const struct mc_attr *t)
{
	size_t i, k;

	tp->t = t;
	tp->nparams = 0;
	tp->nsetters = 0;
	for (i = 0; i < t->nparams; i++)
		tp->lines[i] = (uint16_t)i;
	mc_sort(tp->lines, t->nparams, sizeof(tp->lines[0]), cmp_line, t);
	for (i = 0; i < t->nparams; i++) {
		const struct mc_param *p = &t->params[tp->lines[i]];

		if (i == 0 || !mc_bytes_eq(t->text + p->name.off, p->name.len,
					   t->text + t->params[tp->lines[i - 1]].name.off,
					   t->params[tp->lines[i - 1]].name.len)) {
			tp->start[tp->nparams] = (uint16_t)i;
			tp->count[tp->nparams] = 0;
			tp->nparams++;
		}
		tp->count[tp->nparams - 1]++;
		/* param-conflict makes every key's setter unique; a repeat entry is harmless */
		add_setter(tp, &p->name, (uint16_t)(tp->nparams - 1));
		for (k = 0; k < p->count; k++)
			add_setter(tp, &t->fields[p->first + k].key, (uint16_t)(tp->nparams - 1));
	}
	mc_sort(tp->setters, tp->nsetters, sizeof(tp->setters[0]), cmp_setter, t->text);
}

/* The parameter whose lines set key, or -1. */
static int setter_of(const struct tmpl *tp, const char *key, size_t len)
{
	size_t lo = 0, hi = tp->nsetters;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct setter *s = &tp->setters[mid];
		int c = mc_bytes_cmp(tp->t->text + s->off, s->len, key, len);

		if (c == 0)
			return s->param;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- where values come from ------------------------------------------------------- */

enum own_mode {
	OWN_NONE,   /* no own values at all (8.4-SF4) */
	OWN_DEVICE, /* self's fixed fields, then the registry */
	OWN_LINE,   /* one param line of a template, then the registry (a key its parameter sets) */
	OWN_CHOICE  /* D(c): the fixed fields, the chosen lines, then the registry */
};

struct own {
	enum own_mode mode;
	const struct mc_attr *self;
	const struct mc_param *line;
	const struct tmpl *tp;
	const uint16_t *choice; /* per parameter: the chosen param line index */
};

/* A field of one param line: the parameter itself or a further field. Its critical mark in *critical. */
static int line_field(const struct mc_attr *t, const struct mc_param *p, const char *key, size_t len,
		      struct mc_val *out, uint8_t *critical)
{
	size_t k;

	if (mc_bytes_eq(t->text + p->name.off, p->name.len, key, len)) {
		*out = mc_val_of(t, &p->value);
		*critical = p->critical;
		return 1;
	}
	for (k = 0; k < p->count; k++) {
		const struct mc_field *f = &t->fields[p->first + k];

		if (mc_bytes_eq(t->text + f->key.off, f->key.len, key, len)) {
			*out = mc_val_of(t, &f->value);
			*critical = f->critical;
			return 1;
		}
	}
	return 0;
}

/* A field of the device the own context describes (no registry default); its mark in *critical. */
static int own_field(const struct own *o, const char *key, size_t len, struct mc_val *out, uint8_t *critical)
{
	int i, param;

	switch (o->mode) {
	case OWN_NONE:
		return 0;
	case OWN_LINE:
		return line_field(o->self, o->line, key, len, out, critical);
	case OWN_DEVICE:
	case OWN_CHOICE:
		break;
	}
	i = mc_find_field(o->self, key, len);
	if (i >= 0) {
		*out = mc_val_of(o->self, &o->self->fields[i].value);
		*critical = o->self->fields[i].critical;
		return 1;
	}
	if (o->mode != OWN_CHOICE)
		return 0;
	param = setter_of(o->tp, key, len);
	if (param < 0)
		return 0;
	return line_field(o->self, &o->self->params[o->choice[param]], key, len, out, critical);
}

/* The target's own value t of key (clause 8.4); 0 when it does not exist. */
static int own_value(const struct own *o, const char *key, size_t len, struct mc_val *out)
{
	uint8_t critical;

	if (o->mode == OWN_NONE)
		return 0;
	if (own_field(o, key, len, out, &critical))
		return 1;
	return mc_registry_default(key, len, out);
}

int mc_own_value_of(const struct mc_attr *self, const uint16_t *choice, size_t nchoice, const char *key, size_t len,
		    struct mc_val *out)
{
	uint8_t critical;
	size_t p;
	int i = mc_find_field(self, key, len);

	if (i >= 0) {
		*out = mc_val_of(self, &self->fields[i].value);
		return 1;
	}
	/* a key a parameter sets: param-conflict gives it to one parameter, whose chosen line holds it */
	for (p = 0; p < nchoice && self->nparams; p++)
		if (choice[p] < self->nparams && line_field(self, &self->params[choice[p]], key, len, out, &critical))
			return 1;
	return mc_registry_default(key, len, out);
}

/* The source value v of key (clause 8.3): the source's field, T's default, the registry's; 0 for none. */
static int source_value(const struct mc_attr *s, const struct mc_attr *r, const char *key, size_t len,
			struct mc_val *out)
{
	int i = mc_find_field(s, key, len);

	if (i >= 0) {
		*out = mc_val_of(s, &s->fields[i].value);
		return 1;
	}
	i = mc_find_field(r, key, len);
	if (i >= 0) {
		*out = mc_val_of(r, &r->fields[i].value);
		return 1;
	}
	return mc_registry_default(key, len, out);
}

/*
 * Is this field set aside when descriptions are compared (clause 8.2)? A
 * critical field whose value is its key's registry default says what its
 * absence says (row 8.2-CR7): it needs no rule, and two descriptions that
 * differ only in such fields describe the same configuration.
 */
static int set_aside(const char *key, size_t len, uint8_t critical, const struct mc_val *v)
{
	struct mc_val fallback;

	return critical && mc_registry_default(key, len, &fallback) && mc_val_matches(v, &fallback);
}

/* ---- one constraint (clause 8.1) ------------------------------------------------------ */

static int uses_self(const struct mc_attr *r, const struct mc_constraint *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		const struct mc_alternative *alt = &r->alternatives[c->first + i];

		if (alt->kind == MC_ALT_SELF || alt->kind == MC_ALT_PREFIX || alt->low.kind == MC_BOUND_SELF ||
		    alt->high.kind == MC_BOUND_SELF || alt->low.kind == MC_BOUND_PREFIX ||
		    alt->high.kind == MC_BOUND_PREFIX)
			return 1;
	}
	return 0;
}

/* The text of a version of at most MC_MAX_VERSION_PARTS components of at most 20 digits. */
#define VERSION_TEXT (MC_MAX_VERSION_PARTS * 21)

/* A range, $N or a range with $ or $N ends, its ends replaced by values (clause 8.1, rows RG and PX). */
struct resolved {
	int has_low;
	int has_high;
	int not_version; /* a $N whose target value is not a version: true for no value (8.1-PX3) */
	struct mc_val low;
	struct mc_val high;
	char low_text[VERSION_TEXT];
	char high_text[VERSION_TEXT];
};

/*
 * The lowest (high == 0) or highest member of the prefix class of $N for the
 * version own: own's first n components (missing ones read as zero), then a
 * zero component when n is 1 (lowest), or 8 - n components 2^64-1 (highest).
 */
static void prefix_member(unsigned n, const struct mc_val *own, int high, char *buf, struct mc_val *out)
{
	size_t p = 0, len = 0, i = 0;
	unsigned k;

	for (k = 0; k < MC_MAX_VERSION_PARTS; k++) {
		const char *part = "0";
		size_t plen = 1;

		if (k >= n) {
			if (high)
				part = "18446744073709551615", plen = 20;
			else if (k > 1 || n > 1)
				break;
		} else if (p < own->len) {
			i = p;
			while (i < own->len && own->text[i] != '.')
				i++;
			part = own->text + p;
			plen = i - p;
			p = i + 1;
		}
		if (k)
			buf[len++] = '.';
		memcpy(buf + len, part, plen);
		len += plen;
	}
	memset(out, 0, sizeof(*out));
	out->type = MC_VERSION;
	out->text = buf;
	out->len = len;
}

/* One end: 0 open, 1 a value in *out; -1 a $N end of a target value that is not a version. */
static int end_value(const struct mc_attr *r, const struct mc_bound *b, const struct mc_val *own, int high,
		     char *buf, struct mc_val *out)
{
	switch (b->kind) {
	case MC_BOUND_NONE:
		return 0;
	case MC_BOUND_SELF:
		*out = *own;
		return 1;
	case MC_BOUND_PREFIX:
		if (own->type != MC_VERSION)
			return -1;
		prefix_member(b->prefix, own, high, buf, out);
		return 1;
	default:
		*out = mc_val_of(r, &b->value);
		return 1;
	}
}

/* A range or $N alternative with $ and $N replaced by own (which must exist when they appear). */
static void resolve(const struct mc_attr *r, const struct mc_alternative *alt, const struct mc_val *own,
		    struct resolved *out)
{
	int low, high;

	if (alt->kind == MC_ALT_PREFIX) {
		out->not_version = own->type != MC_VERSION;
		out->has_low = out->has_high = !out->not_version;
		if (!out->not_version) {
			prefix_member(alt->prefix, own, 0, out->low_text, &out->low);
			prefix_member(alt->prefix, own, 1, out->high_text, &out->high);
		}
		return;
	}
	low = end_value(r, &alt->low, own, 0, out->low_text, &out->low);
	high = end_value(r, &alt->high, own, 1, out->high_text, &out->high);
	out->not_version = low < 0 || high < 0;
	out->has_low = low > 0;
	out->has_high = high > 0;
}

static int reads_own(const struct mc_alternative *alt)
{
	return alt->kind == MC_ALT_SELF || alt->kind == MC_ALT_PREFIX || alt->low.kind == MC_BOUND_SELF ||
	       alt->low.kind == MC_BOUND_PREFIX || alt->high.kind == MC_BOUND_SELF || alt->high.kind == MC_BOUND_PREFIX;
}

static enum truth in_range(const struct mc_val *v, const struct mc_val *lo, const struct mc_val *hi)
{
	if (!mc_is_ordered(v->type))
		return T_FALSE; /* 8.1-RG4 */
	if (lo && (lo->type != v->type || mc_val_compare(lo, v) > 0))
		return T_FALSE; /* 8.1-RG5, or below */
	if (hi && (hi->type != v->type || mc_val_compare(v, hi) > 0))
		return T_FALSE;
	return T_TRUE;
}

static enum truth alternative_holds(const struct mc_attr *r, const struct mc_alternative *alt,
				    const struct mc_val *v, const struct mc_val *own)
{
	struct resolved range;
	struct mc_val x;

	switch (alt->kind) {
	case MC_ALT_SELF:
		if (!own)
			return T_UNDECIDED; /* 8.1-SR1 */
		return mc_val_matches(v, own) ? T_TRUE : T_FALSE;
	case MC_ALT_RANGE:
	case MC_ALT_PREFIX:
		if (reads_own(alt) && !own)
			return T_UNDECIDED; /* 8.1-RG7, 8.1-PX1 */
		resolve(r, alt, own, &range);
		if (range.not_version)
			return T_FALSE; /* 8.1-PX3 */
		return in_range(v, range.has_low ? &range.low : NULL, range.has_high ? &range.high : NULL);
	default:
		x = mc_val_of(r, &alt->low.value);
		return mc_val_matches(v, &x) ? T_TRUE : T_FALSE;
	}
}

/* The operand of a subset or superset constraint, $ replaced; 0 when $ has no value. */
static int operand_value(const struct mc_attr *r, const struct mc_constraint *c, const struct mc_val *own,
			 struct mc_val *out)
{
	const struct mc_alternative *alt = &r->alternatives[c->first];

	if (alt->kind == MC_ALT_SELF) {
		if (!own)
			return 0;
		*out = *own;
		return 1;
	}
	*out = mc_val_of(r, &alt->low.value);
	return 1;
}

static enum truth holds(const struct mc_attr *r, const struct mc_constraint *c, const struct mc_val *v,
			const struct mc_val *own)
{
	struct mc_val x;
	size_t i;
	int undecided = 0;

	if (c->op == MC_ANY)
		return T_TRUE; /* 8.1-AN1 */
	if (c->op == MC_EQUALS) {
		for (i = 0; i < c->count; i++) {
			enum truth t = alternative_holds(r, &r->alternatives[c->first + i], v, own);

			if (t == T_TRUE)
				return T_TRUE;
			undecided |= t == T_UNDECIDED;
		}
		return undecided ? T_UNDECIDED : T_FALSE; /* 8.1-ALT1 to ALT3 */
	}
	if (!operand_value(r, c, own, &x))
		return T_UNDECIDED; /* 8.1-SB4, SP4 */
	if (v->type != MC_SET || x.type != MC_SET)
		return T_FALSE;
	if (c->op == MC_SUBSET)
		return mc_set_within(v, &x) ? T_TRUE : T_FALSE;
	return mc_set_within(&x, v) ? T_TRUE : T_FALSE;
}

/* Can a resolved alternative hold for a value of v's type at all? (the reason table of 8.8) */
static int fits(const struct mc_alternative *alt, const struct resolved *range, const struct mc_val *v,
		const struct mc_val *own)
{
	if (alt->kind == MC_ALT_SELF)
		return own->type == v->type;
	if (alt->kind == MC_ALT_VALUE)
		return alt->low.value.type == v->type;
	if (range->not_version || !mc_is_ordered(v->type))
		return 0;
	return (!range->has_low || range->low.type == v->type) && (!range->has_high || range->high.type == v->type);
}

/* Why a constraint is false for v (call only when holds() says false): rows 8.8-RC1 to RC7. */
static enum mc_code failure(const struct mc_attr *r, const struct mc_constraint *c, const struct mc_val *v,
			    const struct mc_val *own)
{
	size_t i, usable = 0, ranges = 0;
	int below = 1, above = 1;

	if (c->op != MC_EQUALS) {
		struct mc_val x;

		if (!operand_value(r, c, own, &x) || v->type != MC_SET || x.type != MC_SET)
			return MC_R_TYPE_MISMATCH;
		return c->op == MC_SUBSET ? MC_R_NOT_SUBSET : MC_R_NOT_SUPERSET;
	}
	for (i = 0; i < c->count; i++) {
		const struct mc_alternative *alt = &r->alternatives[c->first + i];
		int is_range = alt->kind == MC_ALT_RANGE || alt->kind == MC_ALT_PREFIX;
		struct resolved range;

		if (is_range)
			resolve(r, alt, own, &range);
		if (!fits(alt, &range, v, own))
			continue;
		usable++;
		if (!is_range)
			continue;
		ranges++;
		if (!range.has_low || mc_val_compare(v, &range.low) >= 0)
			below = 0;
		if (!range.has_high || mc_val_compare(v, &range.high) <= 0)
			above = 0;
	}
	if (!usable)
		return MC_R_TYPE_MISMATCH;
	if (usable == c->count && ranges == c->count)
		return below ? MC_R_BELOW_RANGE : above ? MC_R_ABOVE_RANGE : MC_R_OUTSIDE_RANGES;
	return MC_R_NOT_EQUAL;
}

/* The truth of constraint c for the source, with the own context o; *code says why when not true. */
static enum truth judge(const struct mc_attr *s, const struct mc_attr *r, const struct mc_constraint *c,
			const struct own *o, enum mc_code *code)
{
	const char *key = r->text + c->key.off;
	struct mc_val v, own;
	int has_own;
	enum truth t;

	if (!source_value(s, r, key, c->key.len, &v)) {
		if (c->op == MC_ANY)
			return T_TRUE; /* 8.1-AN1: with no value too */
		*code = MC_R_MISSING_FIELD; /* 8.3-AB4 */
		return T_UNDECIDED;
	}
	has_own = own_value(o, key, c->key.len, &own);
	t = holds(r, c, &v, has_own ? &own : NULL);
	if (t == T_UNDECIDED)
		*code = MC_R_MISSING_SELF;
	else if (t == T_FALSE)
		*code = failure(r, c, &v, has_own ? &own : NULL);
	return t;
}

/* ---- one rule (8.1-RU1 to RU4, with the reasons of 8.8) ------------------------------ */

/*
 * Must a rule constrain this field of the source to match? (clause 8.2) A
 * critical field must be understood, unless its value is its key's registry
 * default (row 8.2-CR7, specification 1.1).
 */
static int must_understand(const struct mc_attr *s, const struct mc_field *f)
{
	struct mc_val v = mc_val_of(s, &f->value);

	return f->critical && !set_aside(s->text + f->key.off, f->key.len, f->critical, &v);
}

struct tally {
	unsigned failed;
	unsigned undecided;
};

/* Collects one rule's reasons, at most MC_RULE_REASONS, a failing one among them when the rule failed. */
struct collector {
	struct mc_reason kept[MC_RULE_REASONS];
	unsigned nkept;
	unsigned total;
	struct mc_reason late_failure; /* the first failing reason past the kept ones */
	int has_late_failure;
};

static int is_undecided_code(enum mc_code code)
{
	return code == MC_R_MISSING_FIELD || code == MC_R_MISSING_SELF;
}

/* A reason about the key at span key of attribute a, which is the source or the rule set (in). */
static void collect(struct collector *col, int rule, enum mc_code code, const struct mc_attr *a,
		    const struct mc_span *key, enum mc_which in)
{
	struct mc_reason reason;

	if (!col)
		return;
	reason.code = code;
	reason.rule = rule;
	reason.key = a->text + key->off;
	reason.key_len = key->len;
	reason.attribute = 0;
	reason.key_in = in;
	reason.key_off = key->off;
	if (col->nkept < MC_RULE_REASONS)
		col->kept[col->nkept++] = reason;
	else if (!col->has_late_failure && !is_undecided_code(code)) {
		col->late_failure = reason;
		col->has_late_failure = 1;
	}
	col->total++;
}

/* Every constraint of rule against the source, in key order, with the critical fields it leaves out. */
static struct tally evaluate_rule(const struct mc_attr *s, const struct mc_attr *r, int index, const struct own *o,
				  struct collector *col)
{
	const struct mc_rule *rule = &r->rules[index];
	struct tally t = { 0, 0 };
	size_t i = 0, j = 0;

	while (i < s->nfixed || j < rule->count) {
		const struct mc_field *f = i < s->nfixed ? &s->fields[i] : NULL;
		const struct mc_constraint *c = j < rule->count ? &r->constraints[rule->first + j] : NULL;
		int order;
		enum mc_code code = MC_OK;

		if (!f)
			order = 1;
		else if (!c)
			order = -1;
		else
			order = mc_bytes_cmp(s->text + f->key.off, f->key.len, r->text + c->key.off, c->key.len);
		if (order < 0) {
			if (must_understand(s, f)) {
				t.failed++; /* 8.1-RU1, 8.2-CR2 */
				collect(col, index, MC_R_UNCONSTRAINED_CRITICAL, s, &f->key, MC_SOURCE);
			}
			i++;
			continue;
		}
		switch (judge(s, r, c, o, &code)) {
		case T_FALSE:
			t.failed++;
			collect(col, index, code, r, &c->key, MC_TARGET);
			break;
		case T_UNDECIDED:
			t.undecided++;
			collect(col, index, code, r, &c->key, MC_TARGET);
			break;
		case T_TRUE:
			break;
		}
		i += order == 0;
		j++;
	}
	return t;
}

/* ---- the verdict ------------------------------------------------------------------------- */

static void add_reason(struct mc_verdict *v, enum mc_code code, enum mc_which which)
{
	struct mc_reason *reason = &v->reasons[v->nreasons++];

	reason->code = code;
	reason->rule = -1;
	reason->key = NULL;
	reason->key_len = 0;
	reason->attribute = which;
	reason->key_in = 0;
	reason->key_off = 0;
}

/* How many fields of the device o describes are not set aside (fixed fields, then each chosen line's). */
static size_t kept_fields(const struct own *o)
{
	const struct mc_attr *t = o->self;
	size_t i, k, kept = 0;

	for (i = 0; i < t->nfixed; i++) {
		struct mc_val v = mc_val_of(t, &t->fields[i].value);

		kept += !set_aside(t->text + t->fields[i].key.off, t->fields[i].key.len, t->fields[i].critical, &v);
	}
	if (o->mode != OWN_CHOICE)
		return kept;
	for (i = 0; i < o->tp->nparams; i++) {
		const struct mc_param *p = &t->params[o->choice[i]];
		struct mc_val v = mc_val_of(t, &p->value);

		kept += !set_aside(t->text + p->name.off, p->name.len, p->critical, &v);
		for (k = 0; k < p->count; k++) {
			const struct mc_field *f = &t->fields[p->first + k];

			v = mc_val_of(t, &f->value);
			kept += !set_aside(t->text + f->key.off, f->key.len, f->critical, &v);
		}
	}
	return kept;
}

/*
 * Do the source and the device o describes describe the same configuration
 * (clause 8.2; the grade of 8.8-GR1, the choice of 8.5-CH1)? Their fields are
 * equal, as data model values and marks, once the fields set aside are.
 * Each kept source field is found in the device with the same mark and value,
 * so it is a kept field of the device too; the counts then tell whether the
 * device has more.
 */
static int same_fields_as_device(const struct mc_attr *s, const struct own *o)
{
	size_t i, kept = 0;

	if (o->mode == OWN_NONE)
		return 0;
	for (i = 0; i < s->nfixed; i++) {
		const struct mc_field *f = &s->fields[i];
		struct mc_val mine = mc_val_of(s, &f->value), theirs;
		uint8_t critical;

		if (set_aside(s->text + f->key.off, f->key.len, f->critical, &mine))
			continue;
		kept++;
		if (!own_field(o, s->text + f->key.off, f->key.len, &theirs, &critical))
			return 0;
		if (critical != f->critical || !mc_val_identical(&mine, &theirs))
			return 0;
	}
	return kept == kept_fields(o);
}

/* The verdict against a device instance whose own values o describes (rows 8.5-VD4 to VD7, 8.8). */
static void decide_device(const struct mc_attr *s, const struct mc_attr *r, const struct own *o,
			  struct mc_verdict *v)
{
	uint16_t failed[MC_CAP_RULES], undecided[MC_CAP_RULES];
	unsigned best = ~0u, nearest = 0, k;
	int clean = 0, i;

	if (r->nrules == 0) {
		v->answer = MC_INCOMPATIBLE;
		add_reason(v, MC_R_NO_RULES, 0);
		return;
	}
	for (i = 0; i < r->nrules; i++) {
		struct tally t = evaluate_rule(s, r, i, o, NULL);

		if (!t.failed && !t.undecided) {
			v->answer = MC_COMPATIBLE;
			v->matched_rule = i;
			v->grade = same_fields_as_device(s, o) ? MC_IDENTICAL : MC_ACCEPTED;
			return;
		}
		failed[i] = (uint16_t)t.failed;
		undecided[i] = (uint16_t)t.undecided;
		clean |= !t.failed;
	}
	/* 8.5-VD5/VD6 and 8.8-NR1/NR2: the rules with the fewest failures, or undecided constraints */
	v->answer = clean ? MC_UNKNOWN : MC_INCOMPATIBLE;
	for (i = 0; i < r->nrules; i++) {
		unsigned score = clean ? (failed[i] ? ~0u : undecided[i]) : failed[i];

		if (score < best) {
			best = score;
			nearest = 0;
		}
		if (score == best) {
			if (nearest < MC_NEAREST)
				v->nearest[nearest] = i;
			nearest++;
		}
	}
	v->nnearest = nearest < MC_NEAREST ? nearest : MC_NEAREST;
	v->also_near = nearest - v->nnearest;
	for (k = 0; k < v->nnearest; k++) {
		struct collector col;
		unsigned n;

		memset(&col, 0, sizeof(col));
		evaluate_rule(s, r, v->nearest[k], o, &col);
		if (col.has_late_failure) {
			int all_undecided = 1;

			for (n = 0; n < col.nkept; n++)
				all_undecided &= is_undecided_code(col.kept[n].code);
			if (all_undecided)
				col.kept[col.nkept - 1] = col.late_failure;
		}
		for (n = 0; n < col.nkept; n++)
			v->reasons[v->nreasons++] = col.kept[n];
		v->more_reasons[k] = col.total - col.nkept;
	}
}

/* ---- a device type (rows 8.5-TY1 to TY4) ------------------------------------------------ */

struct grouped {
	uint16_t param;
	uint16_t constraint; /* index in the rule */
};

static int cmp_grouped(const void *x, const void *y, const void *ctx)
{
	const struct grouped *a = x, *b = y;

	(void)ctx;
	if (a->param != b->param)
		return a->param < b->param ? -1 : 1;
	return (a->constraint > b->constraint) - (a->constraint < b->constraint);
}

struct options {
	enum truth truth;
	unsigned failed;
	unsigned undecided;
};

/*
 * Rule index over every choice: its best truth, and per parameter the
 * first value index under which its $ constraints on that parameter's keys
 * all hold (work; 0 when none or when the rule reads none) and the value
 * index with the fewest failing, then undecided, of them (best).
 */
static struct options rule_options(const struct mc_attr *s, const struct mc_attr *r, int index,
				   const struct tmpl *tp, uint16_t *work, uint16_t *best)
{
	const struct mc_rule *rule = &r->rules[index];
	const struct mc_attr *t = tp->t;
	struct grouped groups[MC_CAP_CONSTRAINTS];
	struct own fixed = { OWN_DEVICE, t, NULL, NULL, NULL };
	struct options out = { T_FALSE, 0, 0 };
	size_t ngroups = 0, i, j, g;

	memset(work, 0, tp->nparams * sizeof(*work));
	memset(best, 0, tp->nparams * sizeof(*best));
	/* critical fields the rule leaves unconstrained */
	for (i = 0, j = 0; i < s->nfixed; i++) {
		const struct mc_field *f = &s->fields[i];
		int c = 1;

		while (j < rule->count) {
			const struct mc_constraint *k = &r->constraints[rule->first + j];

			c = mc_bytes_cmp(r->text + k->key.off, k->key.len, s->text + f->key.off, f->key.len);
			if (c >= 0)
				break;
			j++;
		}
		if (must_understand(s, f) && (j >= rule->count || c != 0))
			out.failed++;
	}
	for (i = 0; i < rule->count; i++) {
		const struct mc_constraint *c = &r->constraints[rule->first + i];
		int param = setter_of(tp, r->text + c->key.off, c->key.len);
		enum mc_code code;

		if (param >= 0 && uses_self(r, c)) {
			groups[ngroups].param = (uint16_t)param;
			groups[ngroups].constraint = (uint16_t)i;
			ngroups++;
			continue;
		}
		switch (judge(s, r, c, &fixed, &code)) {
		case T_FALSE:
			out.failed++;
			break;
		case T_UNDECIDED:
			out.undecided++;
			break;
		case T_TRUE:
			break;
		}
	}
	mc_sort(groups, ngroups, sizeof(groups[0]), cmp_grouped, NULL);
	for (g = 0; g < ngroups;) {
		uint16_t param = groups[g].param;
		size_t end = g, line;
		unsigned best_failed = ~0u, best_undecided = ~0u;
		int found_work = 0;

		while (end < ngroups && groups[end].param == param)
			end++;
		for (line = 0; line < tp->count[param]; line++) {
			struct own o = { OWN_LINE, t, &t->params[tp->lines[tp->start[param] + line]], NULL, NULL };
			unsigned f = 0, u = 0;
			enum mc_code code;

			for (j = g; j < end; j++) {
				switch (judge(s, r, &r->constraints[rule->first + groups[j].constraint], &o, &code)) {
				case T_FALSE:
					f++;
					break;
				case T_UNDECIDED:
					u++;
					break;
				case T_TRUE:
					break;
				}
			}
			if (!f && !u && !found_work) {
				work[param] = (uint16_t)line;
				found_work = 1;
			}
			if (f < best_failed || (f == best_failed && u < best_undecided)) {
				best_failed = f;
				best_undecided = u;
				best[param] = (uint16_t)line;
			}
		}
		out.failed += best_failed;
		out.undecided += best_undecided;
		g = end;
	}
	out.truth = out.failed ? T_FALSE : out.undecided ? T_UNDECIDED : T_TRUE;
	return out;
}

/*
 * The choice whose device D(c) describes the source's configuration, if
 * there is one: each parameter's value read off the source (a source without
 * the parameter's key fits the critical line with the registry default). When it differs from the
 * chosen one and D(c) accepts the source, the identical configuration wins
 * (row 8.5-CH2, specification 1.1). Linear in the template's size.
 */
static void prefer_identical(const struct mc_attr *s, const struct mc_attr *r, const struct tmpl *tp,
			     struct mc_verdict *v)
{
	uint16_t choice[MC_CAP_PARAMS];
	struct mc_verdict trial;
	struct own o = { OWN_CHOICE, tp->t, NULL, tp, choice };
	size_t p, k;
	int differs = 0;

	for (p = 0; p < tp->nparams; p++) {
		const struct mc_param *first = &tp->t->params[tp->lines[tp->start[p]]];
		int i = mc_find_field(s, tp->t->text + first->name.off, first->name.len);
		struct mc_val mine = { 0 };

		if (i >= 0)
			mine = mc_val_of(s, &s->fields[i].value);
		for (k = 0; k < tp->count[p]; k++) {
			const struct mc_param *line = &tp->t->params[tp->lines[tp->start[p] + k]];
			struct mc_val theirs = mc_val_of(tp->t, &line->value);

			/* a source without the key fits the line that is set aside */
			if (i >= 0 ? mc_val_identical(&mine, &theirs)
				   : set_aside(tp->t->text + line->name.off, line->name.len, line->critical, &theirs))
				break;
		}
		if (k == tp->count[p])
			return;
		choice[p] = tp->lines[tp->start[p] + k];
		differs |= choice[p] != v->choice[p];
	}
	if (!differs || !same_fields_as_device(s, &o))
		return;
	memset(&trial, 0, offsetof(struct mc_verdict, reasons));
	trial.matched_rule = -1;
	decide_device(s, r, &o, &trial);
	if (trial.answer != MC_COMPATIBLE)
		return;
	v->grade = trial.grade;
	v->matched_rule = trial.matched_rule;
	memcpy(v->choice, choice, tp->nparams * sizeof(choice[0]));
}

/* The choice c (value index per parameter) of clause 8.5, then the verdict for D(c). */
static void decide_type(const struct mc_attr *s, const struct mc_attr *r, const struct mc_attr *t,
			struct mc_verdict *v)
{
	static const struct options none = { T_FALSE, ~0u, ~0u };
	struct tmpl tp;
	uint16_t work[MC_CAP_PARAMS], best[MC_CAP_PARAMS], pick[MC_CAP_PARAMS];
	struct options nearest = none;
	int accepting = 0, nearest_rule = -1, i;
	size_t p;
	struct own o;

	tmpl_init(&tp, t);
	memset(pick, 0, sizeof(pick));
	for (i = 0; i < r->nrules; i++) {
		struct options opt = rule_options(s, r, i, &tp, work, best);

		if (opt.truth == T_TRUE) {
			/* the first accepting choice in the order of clause 8.6: the least tuple */
			int less = !accepting;

			for (p = 0; p < tp.nparams && !less; p++) {
				if (work[p] != pick[p]) {
					less = work[p] < pick[p];
					break;
				}
			}
			if (less)
				memcpy(pick, work, tp.nparams * sizeof(pick[0]));
			accepting = 1;
		} else if (!accepting) {
			/* the nearest rule: undecided before false, then fewest undecided or failed, then first */
			int better;

			if (opt.truth == T_UNDECIDED)
				better = nearest.truth != T_UNDECIDED || opt.undecided < nearest.undecided;
			else
				better = nearest.truth == T_FALSE && opt.failed < nearest.failed;
			if (better) {
				nearest = opt;
				nearest_rule = i;
			}
		}
	}
	if (!accepting && nearest_rule >= 0) {
		rule_options(s, r, nearest_rule, &tp, work, best);
		memcpy(pick, best, tp.nparams * sizeof(pick[0]));
	}
	v->nchoice = (unsigned)tp.nparams;
	for (p = 0; p < tp.nparams; p++)
		v->choice[p] = tp.lines[tp.start[p] + pick[p]];
	o.mode = OWN_CHOICE;
	o.self = t;
	o.line = NULL;
	o.tp = &tp;
	o.choice = v->choice;
	decide_device(s, r, &o, v);
	if (v->answer == MC_COMPATIBLE)
		prefer_identical(s, r, &tp, v);
}

void mc_check(const struct mc_attr *source, const struct mc_attr *target, const struct mc_attr *target_self,
	      struct mc_verdict *verdict)
{
	const struct mc_attr *given[3] = { source, target, target_self };
	struct own o = { OWN_NONE, NULL, NULL, NULL, NULL };
	int i;

	if (!verdict)
		return;
	memset(verdict, 0, offsetof(struct mc_verdict, reasons));
	verdict->nreasons = 0;
	verdict->nchoice = 0;
	verdict->matched_rule = -1;
	verdict->answer = MC_UNKNOWN;
	verdict->grade = MC_GRADE_NONE;
	for (i = 0; i < 3; i++) /* 8.5-VD1 */
		if (given[i] && given[i]->error.code == MC_E_UNSUPPORTED_VERSION)
			add_reason(verdict, MC_R_UNSUPPORTED_VERSION, (enum mc_which)(i + 1));
	if (verdict->nreasons)
		return;
	/* 8.5-VD2: a missing or invalid source or rule set, one missing-attribute reason each (8.8-NR5); an invalid
	 * own description counts as missing */
	if (!source || source->error.code != MC_OK || source->kind != MC_MIGRATION_VERSION)
		add_reason(verdict, MC_R_MISSING_ATTRIBUTE, MC_SOURCE);
	if (!target || target->error.code != MC_OK || target->kind != MC_COMPATIBLE_DEVICES)
		add_reason(verdict, MC_R_MISSING_ATTRIBUTE, MC_TARGET);
	if (verdict->nreasons)
		return;
	if (target_self && (target_self->error.code != MC_OK || target_self->kind != MC_MIGRATION_VERSION))
		target_self = NULL;
	if (source->nparams) { /* 8.5-VD3 */
		add_reason(verdict, MC_R_SOURCE_IS_TEMPLATE, 0);
		return;
	}
	if (target_self && target_self->nparams) {
		decide_type(source, target, target_self, verdict);
		return;
	}
	if (target_self) {
		o.mode = OWN_DEVICE;
		o.self = target_self;
	}
	decide_device(source, target, &o, verdict);
}
