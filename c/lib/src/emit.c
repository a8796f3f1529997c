/* SPDX-License-Identifier: MIT */
/*
 * The canonical text of a parsed attribute (clause 6). mc_validate left the
 * model in canonical order -- keys of every line and each rule's constraints
 * sorted, set members sorted -- and every value but a set has one spelling,
 * so the text is the model written out item by item, as the Python emitter
 * (migcompat.emit) writes it.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"

void mc_put(struct mc_writer *w, const char *s, size_t n)
{
	if (w->len < w->size) {
		size_t room = w->size - 1 - w->len;

		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len = n > SIZE_MAX - w->len ? SIZE_MAX : w->len + n; /* saturates: mc_writer_end caps it at INT_MAX */
}

void mc_put_str(struct mc_writer *w, const char *s)
{
	mc_put(w, s, strlen(s));
}

int mc_writer_end(struct mc_writer *w)
{
	if (w->size)
		w->buf[w->len < w->size ? w->len : w->size - 1] = '\0';
	return w->len > (size_t)0x7fffffff ? 0x7fffffff : (int)w->len;
}

void mc_put_uint(struct mc_writer *w, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mc_put(w, tmp + i, sizeof(tmp) - i);
}

static void put_span(struct mc_writer *w, const struct mc_attr *a, const struct mc_span *span)
{
	mc_put(w, a->text + span->off, span->len);
}

/* $N */
static void put_prefix(struct mc_writer *w, unsigned prefix)
{
	char text[2] = { '$', (char)('0' + prefix) };

	mc_put(w, text, 2);
}

static void put_value(struct mc_writer *w, const struct mc_attr *a, const struct mc_value *v)
{
	size_t i;

	if (v->type != MC_SET) {
		mc_put(w, a->text + v->off, v->len);
		return;
	}
	mc_put_str(w, "{");
	for (i = 0; i < v->count; i++) {
		if (i)
			mc_put_str(w, ",");
		put_span(w, a, &a->members[v->first + i]);
	}
	mc_put_str(w, "}");
}

/* SP, the ~ of an ignorable field when marked, key=value */
static void put_field(struct mc_writer *w, const struct mc_attr *a, const struct mc_field *f, int marked)
{
	mc_put_str(w, marked && !f->critical ? " ~" : " ");
	put_span(w, a, &f->key);
	mc_put_str(w, "=");
	put_value(w, a, &f->value);
}

static void put_bound(struct mc_writer *w, const struct mc_attr *a, const struct mc_bound *b)
{
	if (b->kind == MC_BOUND_VALUE)
		put_value(w, a, &b->value);
	else if (b->kind == MC_BOUND_SELF)
		mc_put_str(w, "$");
	else if (b->kind == MC_BOUND_PREFIX)
		put_prefix(w, b->prefix);
}

static void put_alternative(struct mc_writer *w, const struct mc_attr *a, const struct mc_alternative *alt)
{
	switch (alt->kind) {
	case MC_ALT_VALUE:
		put_value(w, a, &alt->low.value);
		break;
	case MC_ALT_SELF:
		mc_put_str(w, "$");
		break;
	case MC_ALT_PREFIX:
		put_prefix(w, alt->prefix);
		break;
	default:
		put_bound(w, a, &alt->low);
		mc_put_str(w, "..");
		put_bound(w, a, &alt->high);
		break;
	}
}

static void put_constraint(struct mc_writer *w, const struct mc_attr *a, const struct mc_constraint *c)
{
	size_t i;

	mc_put_str(w, " ");
	put_span(w, a, &c->key);
	switch (c->op) {
	case MC_ANY:
		mc_put_str(w, "=*");
		return;
	case MC_SUBSET:
		mc_put_str(w, "<=");
		break;
	case MC_SUPERSET:
		mc_put_str(w, ">=");
		break;
	default:
		mc_put_str(w, "=");
		break;
	}
	for (i = 0; i < c->count; i++) {
		if (i)
			mc_put_str(w, "|");
		put_alternative(w, a, &a->alternatives[c->first + i]);
	}
}

static void put_version(struct mc_writer *w, const struct mc_attr *a)
{
	size_t i, j;

	mc_put_str(w, MC_HEADER);
	for (i = 0; i < a->nfixed; i++)
		put_field(w, a, &a->fields[i], 1);
	for (i = 0; i < a->nparams; i++) {
		const struct mc_param *p = &a->params[i];

		mc_put_str(w, p->critical ? "\nparam " : "\nparam ~");
		put_span(w, a, &p->name);
		mc_put_str(w, "=");
		put_value(w, a, &p->value);
		for (j = 0; j < p->count; j++)
			put_field(w, a, &a->fields[p->first + j], 1);
	}
	mc_put_str(w, "\n");
}

static void put_compatible(struct mc_writer *w, const struct mc_attr *a)
{
	size_t i, j;

	mc_put_str(w, MC_HEADER);
	if (a->ndefaults) {
		mc_put_str(w, "\ndefault");
		for (i = 0; i < a->ndefaults; i++)
			put_field(w, a, &a->fields[i], 0);
	}
	for (i = 0; i < a->nrules; i++) {
		const struct mc_rule *r = &a->rules[i];

		mc_put_str(w, "\naccept");
		for (j = 0; j < r->count; j++)
			put_constraint(w, a, &a->constraints[r->first + j]);
	}
	mc_put_str(w, "\n");
}

int mc_emit(const struct mc_attr *attr, char *buf, size_t size)
{
	struct mc_writer w = { buf, size, 0 };

	if ((!buf && size) || mc_overlaps(attr, sizeof(*attr), buf, size))
		return -(int)MC_E_USAGE; /* nothing written: an overlapping buf would be read while it is written */
	if (size)
		buf[0] = '\0';
	if (!attr || attr->error.code != MC_OK ||
	    (attr->kind != MC_MIGRATION_VERSION && attr->kind != MC_COMPATIBLE_DEVICES))
		return -(int)MC_E_USAGE;
	if (attr->kind == MC_MIGRATION_VERSION)
		put_version(&w, attr);
	else
		put_compatible(&w, attr);
	return mc_writer_end(&w);
}
