/* SPDX-License-Identifier: MIT */
/*
 * The canonical text of a parsed attribute (clause 6). mc_validate left the
 * model in canonical order -- keys of every line and each rule's constraints
 * sorted, set members sorted -- and every value but a set has one spelling,
 * so the text is the model written out item by item, as the Python emitter
 * (migcompat.emit) writes it.
 */
#include <string.h>

#include "internal.h"

/* snprintf-like: counts every byte, stores those that fit before the NUL. */
struct writer {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->len < w->size) {
		size_t room = w->size - 1 - w->len;

		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_span(struct writer *w, const struct mc_attr *a, const struct mc_span *span)
{
	put(w, a->text + span->off, span->len);
}

/* $N */
static void put_prefix(struct writer *w, unsigned prefix)
{
	char text[2] = { '$', (char)('0' + prefix) };

	put(w, text, 2);
}

static void put_value(struct writer *w, const struct mc_attr *a, const struct mc_value *v)
{
	size_t i;

	if (v->type != MC_SET) {
		put(w, a->text + v->off, v->len);
		return;
	}
	put_str(w, "{");
	for (i = 0; i < v->count; i++) {
		if (i)
			put_str(w, ",");
		put_span(w, a, &a->members[v->first + i]);
	}
	put_str(w, "}");
}

/* SP, the ~ of an ignorable field when marked, key=value */
static void put_field(struct writer *w, const struct mc_attr *a, const struct mc_field *f, int marked)
{
	put_str(w, marked && !f->critical ? " ~" : " ");
	put_span(w, a, &f->key);
	put_str(w, "=");
	put_value(w, a, &f->value);
}

static void put_bound(struct writer *w, const struct mc_attr *a, const struct mc_bound *b)
{
	if (b->kind == MC_BOUND_VALUE)
		put_value(w, a, &b->value);
	else if (b->kind == MC_BOUND_SELF)
		put_str(w, "$");
	else if (b->kind == MC_BOUND_PREFIX)
		put_prefix(w, b->prefix);
}

static void put_alternative(struct writer *w, const struct mc_attr *a, const struct mc_alternative *alt)
{
	switch (alt->kind) {
	case MC_ALT_VALUE:
		put_value(w, a, &alt->low.value);
		break;
	case MC_ALT_SELF:
		put_str(w, "$");
		break;
	case MC_ALT_PREFIX:
		put_prefix(w, alt->prefix);
		break;
	default:
		put_bound(w, a, &alt->low);
		put_str(w, "..");
		put_bound(w, a, &alt->high);
		break;
	}
}

static void put_constraint(struct writer *w, const struct mc_attr *a, const struct mc_constraint *c)
{
	size_t i;

	put_str(w, " ");
	put_span(w, a, &c->key);
	switch (c->op) {
	case MC_ANY:
		put_str(w, "=*");
		return;
	case MC_SUBSET:
		put_str(w, "<=");
		break;
	case MC_SUPERSET:
		put_str(w, ">=");
		break;
	default:
		put_str(w, "=");
		break;
	}
	for (i = 0; i < c->count; i++) {
		if (i)
			put_str(w, "|");
		put_alternative(w, a, &a->alternatives[c->first + i]);
	}
}

static void put_version(struct writer *w, const struct mc_attr *a)
{
	size_t i, j;

	put_str(w, MC_HEADER);
	for (i = 0; i < a->nfixed; i++)
		put_field(w, a, &a->fields[i], 1);
	for (i = 0; i < a->nparams; i++) {
		const struct mc_param *p = &a->params[i];

		put_str(w, p->critical ? "\nparam " : "\nparam ~");
		put_span(w, a, &p->name);
		put_str(w, "=");
		put_value(w, a, &p->value);
		for (j = 0; j < p->count; j++)
			put_field(w, a, &a->fields[p->first + j], 1);
	}
	put_str(w, "\n");
}

static void put_compatible(struct writer *w, const struct mc_attr *a)
{
	size_t i, j;

	put_str(w, MC_HEADER);
	if (a->ndefaults) {
		put_str(w, "\ndefault");
		for (i = 0; i < a->ndefaults; i++)
			put_field(w, a, &a->fields[i], 0);
	}
	for (i = 0; i < a->nrules; i++) {
		const struct mc_rule *r = &a->rules[i];

		put_str(w, "\naccept");
		for (j = 0; j < r->count; j++)
			put_constraint(w, a, &a->constraints[r->first + j]);
	}
	put_str(w, "\n");
}

int mc_emit(const struct mc_attr *attr, char *buf, size_t size)
{
	struct writer w = { buf, size, 0 };

	if (!buf && size)
		return -(int)MC_E_USAGE;
	if (size)
		buf[0] = '\0';
	if (!attr || attr->error.code != MC_OK ||
	    (attr->kind != MC_MIGRATION_VERSION && attr->kind != MC_COMPATIBLE_DEVICES))
		return -(int)MC_E_USAGE;
	if (attr->kind == MC_MIGRATION_VERSION)
		put_version(&w, attr);
	else
		put_compatible(&w, attr);
	if (size)
		buf[w.len < size ? w.len : size - 1] = '\0';
	return (int)w.len;
}
