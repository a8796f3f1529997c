/* SPDX-License-Identifier: MIT */
/*
 * Reading the JSON data model (see jsonmodel.h): the document is walked as
 * the schema describes it, each value checked against the grammar's
 * terminal for its type and written into an attribute text, which mc_parse
 * then checks as any text. Each item written is anchored to the JSON value
 * it came from, so that a fault mc_parse finds at a line and column is
 * reported as a JSON Pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonmodel.h"

/*
 * A valid model has fewer than two JSON values per byte of its canonical
 * text (among the densest items, " k=$" is five values in four bytes), so
 * no valid model comes near this many values; a document with more is
 * rejected as too long before it is walked.
 */
#define MAX_NODES (16 * (MC_MAX_ATTRIBUTE + 1))
/*
 * About one anchor is set per byte written (" k=1": three in four bytes),
 * so they run out only in a text far beyond the page limit, whose fault is
 * reported for the document as a whole.
 */
#define MAX_ANCHORS (2 * (MC_MAX_ATTRIBUTE + 1))
/* A pointer longer than this names the deepest member whose pointer fits (a huge unknown member name). */
#define MAX_POINTER 1024

/* Value types by their schema tag, as bits; in the order of type_names. */
enum {
	T_TOKEN = 1 << 0,
	T_INTEGER = 1 << 1,
	T_VERSION = 1 << 2,
	T_RATIO = 1 << 3,
	T_SET = 1 << 4,
	T_RANGE = 1 << 5,
	T_SELF = 1 << 6,
	T_PREFIX = 1 << 7
};
#define VALUE_TYPES (T_TOKEN | T_INTEGER | T_VERSION | T_RATIO | T_SET)
#define BOUND_TYPES (T_INTEGER | T_VERSION | T_RATIO | T_SELF | T_PREFIX)
#define ALTERNATIVE_TYPES (VALUE_TYPES | T_RANGE | T_SELF | T_PREFIX)
#define OPERAND_TYPES (T_SET | T_SELF)

static const char *const type_names[] = { "token", "integer", "version", "ratio", "set",
					  "range", "self",    "self_prefix", NULL };
static const char *const value_members[] = { "type", "value", NULL };
static const char *const range_members[] = { "type", "min", "max", NULL };
static const char *const self_members[] = { "type", NULL };
static const char *const prefix_members[] = { "type", "length", NULL };
static const char *const *const typed_members[] = { value_members, value_members, value_members,
						    value_members, value_members, range_members,
						    self_members,  prefix_members };
static const char *const not_a[] = { "not a token",   "not an integer", "not a version",
				     "not a ratio",   "not a set member" };

static const char *const attributes[] = { "migration_version", "migration_compatible_devices", NULL };
static const char *const version_members[] = { "attribute", "format", "fields", "params", NULL };
static const char *const compatible_members[] = { "attribute", "format", "defaults", "rules", NULL };
static const char *const field_members[] = { "value", "critical", NULL };
static const char *const param_members[] = { "name", "value", "critical", "fields", NULL };
static const char *const rule_members[] = { "constraints", NULL };
static const char *const operators[] = { "equals", "subset", "superset", "any", NULL };
static const char *const equals_members[] = { "op", "alternatives", NULL };
static const char *const operand_members[] = { "op", "operand", NULL };
static const char *const any_members[] = { "op", NULL };

struct anchor {
	size_t off;
	int node;
};

struct reader {
	const struct json_node *n;
	struct out text;
	/* the text without its final LF: 4094 bytes at most when valid, so one more shows it too long */
	char buf[MC_MAX_ATTRIBUTE];
	struct anchor anchors[MAX_ANCHORS];
	size_t nanchors;
	enum mc_kind kind;
	int fault;           /* the offending node */
	const char *message; /* why */
	const char *name;    /* a member name the message names, or NULL */
};

static struct json_node nodes[MAX_NODES];
static struct reader reader;

static int fail(struct reader *r, int node, const char *message, const char *name)
{
	r->fault = node;
	r->message = message;
	r->name = name;
	return -1;
}

/* The JSON value the next bytes of the text come from. */
static void anchor(struct reader *r, int node)
{
	if (r->nanchors < MAX_ANCHORS) {
		r->anchors[r->nanchors].off = r->text.len;
		r->anchors[r->nanchors++].node = node;
	}
}

/* ---- the grammar's terminals, matched as a whole (migcompat.terminals) ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static int in_token_alphabet(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c == '+' || c == '-';
}

/* KEY: [a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)? */
static int is_key(const char *s, size_t n)
{
	size_t i;
	int dotted = 0;

	if (!n || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] == '.') {
			if (dotted++ || i + 1 >= n || !is_lower(s[i + 1]))
				return 0;
			i++;
		} else if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_') {
			return 0;
		}
	}
	return 1;
}

/*
 * Dot-separated segments, each one or more bytes of the token alphabet and
 * %XX escapes (hex of either case): TOKEN | INT | VERSION, the set member.
 * *other says whether a byte is not a digit (an escape's % counts), which
 * TOKEN asks for.
 */
static int is_segments(const char *s, size_t n, int *other)
{
	size_t i = 0, seg = 0;

	*other = 0;
	while (i < n) {
		if (s[i] == '.') {
			if (!seg)
				return 0;
			seg = 0;
			i++;
		} else if (s[i] == '%') {
			if (n - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return 0;
			*other = 1;
			seg++;
			i += 3;
		} else if (in_token_alphabet(s[i])) {
			*other |= !is_digit(s[i]);
			seg++;
			i++;
		} else {
			return 0;
		}
	}
	return seg > 0;
}

/* Digit groups joined by sep: at least groups of them, at most one when sep is '/'. */
static int is_numeral(const char *s, size_t n, char sep, size_t min_groups, size_t max_groups)
{
	size_t i, digits = 0, groups = 1;

	for (i = 0; i < n; i++) {
		if (s[i] == sep) {
			if (!digits || ++groups > max_groups)
				return 0;
			digits = 0;
		} else if (is_digit(s[i])) {
			digits++;
		} else {
			return 0;
		}
	}
	return digits > 0 && groups >= min_groups;
}

/* Whether s matches the terminal of a scalar type (T_TOKEN to T_RATIO), or of a set member (T_SET). */
static int matches(unsigned type, const char *s, size_t n)
{
	int other;

	switch (type) {
	case T_TOKEN:
		return is_segments(s, n, &other) && other;
	case T_INTEGER:
		return is_numeral(s, n, '.', 1, 1);
	case T_VERSION:
		return is_numeral(s, n, '.', 2, (size_t)-1);
	case T_RATIO:
		return is_numeral(s, n, '/', 2, 2);
	default:
		return is_segments(s, n, &other);
	}
}

/* ---- the document's shape ---- */

static int is_named(const struct json_node *x, const char *name)
{
	return x->name_len == strlen(name) && memcmp(x->name, name, x->name_len) == 0;
}

static int member(const struct reader *r, int object, const char *name)
{
	int m;

	for (m = r->n[object].first; m >= 0; m = r->n[m].next)
		if (is_named(&r->n[m], name))
			return m;
	return -1;
}

/* node is an object with exactly the members names (NULL-terminated), each once. */
static int exact(struct reader *r, int node, const char *const *names)
{
	const struct json_node *x = &r->n[node];
	size_t count, i;
	int m, k;

	if (x->type != JT_OBJECT)
		return fail(r, node, "expected an object", NULL);
	for (m = x->first; m >= 0; m = r->n[m].next) {
		for (i = 0; names[i] && !is_named(&r->n[m], names[i]); i++)
			;
		if (!names[i])
			return fail(r, m, "unknown member", NULL);
	}
	for (count = 0; names[count]; count++)
		if (member(r, node, names[count]) < 0)
			return fail(r, node, "missing member", names[count]);
	if (x->count == count)
		return 0;
	/* every name is known, so among the first count + 1 members one repeats an earlier */
	for (m = x->first; m >= 0; m = r->n[m].next)
		for (k = x->first; k != m; k = r->n[k].next)
			if (r->n[k].name_len == r->n[m].name_len && !memcmp(r->n[k].name, r->n[m].name, r->n[m].name_len))
				return fail(r, m, "this member appears twice in one object", NULL);
	return -1; /* not reached */
}

/* The member name of the object node, a string among choices: its index there, or -1. */
static int tag(struct reader *r, int node, const char *name, const char *const *choices, const char *message)
{
	int m, i;

	if (r->n[node].type != JT_OBJECT)
		return fail(r, node, "expected an object", NULL);
	m = member(r, node, name);
	if (m < 0)
		return fail(r, node, "missing member", name);
	if (r->n[m].type == JT_STRING)
		for (i = 0; choices[i]; i++)
			if (r->n[m].len == strlen(choices[i]) && memcmp(r->n[m].text, choices[i], r->n[m].len) == 0)
				return i;
	return fail(r, m, message, NULL);
}

static int boolean(struct reader *r, int node)
{
	if (r->n[node].type == JT_TRUE)
		return 1;
	if (r->n[node].type == JT_FALSE)
		return 0;
	return fail(r, node, "expected true or false", NULL);
}

static int expect_type(struct reader *r, int node, enum json_type type, const char *message)
{
	return r->n[node].type == type ? 0 : fail(r, node, message, NULL);
}

/* ---- values, written as the text has them ---- */

static int write_typed(struct reader *r, int node, unsigned allowed);

/* A string of the terminal of type (a set member for T_SET). */
static int write_lexeme(struct reader *r, int node, unsigned type, const char *message)
{
	const struct json_node *x = &r->n[node];

	if (x->type != JT_STRING)
		return fail(r, node, "expected a JSON string", NULL);
	if (!matches(type, x->text, x->len))
		return fail(r, node, message, NULL);
	anchor(r, node);
	out_bytes(&r->text, x->text, x->len);
	return 0;
}

static int write_set(struct reader *r, int node)
{
	int m;

	if (expect_type(r, node, JT_ARRAY, "expected an array"))
		return -1;
	out_str(&r->text, "{");
	for (m = r->n[node].first; m >= 0; m = r->n[m].next) {
		if (m != r->n[node].first)
			out_str(&r->text, ",");
		if (write_lexeme(r, m, T_SET, not_a[4]))
			return -1;
	}
	out_str(&r->text, "}");
	return 0;
}

/*
 * The integer a JSON number stands for by its exact decimal value (specification clause 2.4), however it is
 * written: 1, 1.0, 1e0 and 10E-1 are all 1. Sets *value and returns 0; returns -1 for anything else: not a
 * number (true), no integer (1.5, and 1.00000000000000000001, which is never rounded to a binary float), or an
 * integer of more than 18 digits, which no member of the data model holds. The number is as json_parse
 * scanned it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static int json_integer(const struct json_node *x, long long *value)
{
	const char *p = x->text, *end = x->text + x->len;
	const char *digits, *digits_end, *fraction = NULL;
	long long scale = 0, result = 0, exponent = 0;
	int negative = 0, exponent_negative = 0;
	size_t significant = 0;

	if (x->type != JT_NUMBER)
		return -1;
	if (p < end && *p == '-') {
		negative = 1;
		p++;
	}
	digits = p;
	while (p < end && (is_digit(*p) || *p == '.')) {
		if (*p == '.')
			fraction = p + 1;
		p++;
	}
	digits_end = p;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			exponent_negative = *p++ == '-';
		for (; p < end; p++)	/* saturated: a larger exponent is beyond every bound either way */
			if (exponent < 1000000)
				exponent = exponent * 10 + (*p - '0');
	}
	/* The value is the digits (the point left out) times 10 to the power scale. */
	scale = exponent_negative ? -exponent : exponent;
	if (fraction)
		scale -= digits_end - fraction;
	while (digits_end > digits && (digits_end[-1] == '0' || digits_end[-1] == '.')) {
		if (digits_end[-1] == '0')
			scale++;	/* a trailing zero: one more power of ten */
		digits_end--;
	}
	while (digits < digits_end && (*digits == '0' || *digits == '.'))
		digits++;
	if (digits == digits_end) {	/* every digit zero: 0, -0.0 and 0e5 included */
		*value = 0;
		return 0;
	}
	if (scale < 0)		/* its last digit, not zero, stands below the units */
		return -1;
	for (p = digits; p < digits_end; p++)
		if (*p != '.')
			significant++;
	if ((long long)significant + scale > 18)
		return -1;
	for (p = digits; p < digits_end; p++)
		if (*p != '.')
			result = result * 10 + (*p - '0');
	while (scale-- > 0)
		result *= 10;
	*value = negative ? -result : result;
	return 0;
}

/* $N: N an integer from 1 to 7 by its exact value (2, 2.00 and 20E-1 are $2), written as one digit */
static int write_prefix(struct reader *r, int node)
{
	long long length;
	char digit;

	if (json_integer(&r->n[node], &length) || length < 1 || length > MC_MAX_SELF_PREFIX)
		return fail(r, node, "length must be an integer from 1 to 7", NULL);
	digit = (char)('0' + length);
	out_str(&r->text, "$");
	out_bytes(&r->text, &digit, 1);
	return 0;
}

static int write_range(struct reader *r, int node)
{
	int low = member(r, node, "min"), high = member(r, node, "max");

	if (r->n[low].type == JT_NULL && r->n[high].type == JT_NULL)
		return fail(r, high, "a range needs at least one end; min and max are both null", NULL);
	if (r->n[low].type != JT_NULL && write_typed(r, low, BOUND_TYPES))
		return -1;
	out_str(&r->text, "..");
	return r->n[high].type != JT_NULL ? write_typed(r, high, BOUND_TYPES) : 0;
}

/* A tagged object {"type": ...} of one of the allowed types. */
static int write_typed(struct reader *r, int node, unsigned allowed)
{
	int kind = tag(r, node, "type", type_names, "type is not one of the types of the schema");
	unsigned type;

	if (kind < 0)
		return -1;
	type = 1u << kind;
	if (!(allowed & type))
		return fail(r, member(r, node, "type"), "a value of this type is not allowed here", NULL);
	if (exact(r, node, typed_members[kind]))
		return -1;
	anchor(r, node);
	switch (type) {
	case T_SELF:
		out_str(&r->text, "$");
		return 0;
	case T_PREFIX:
		return write_prefix(r, member(r, node, "length"));
	case T_RANGE:
		return write_range(r, node);
	case T_SET:
		return write_set(r, member(r, node, "value"));
	default:
		return write_lexeme(r, member(r, node, "value"), type, not_a[kind]);
	}
}

/* ---- lines ---- */

/* A member name that is a key, written after SP and the mark of an ignorable field. */
static int write_key(struct reader *r, int node, const char *before)
{
	const struct json_node *x = &r->n[node];

	if (!is_key(x->name, x->name_len))
		return fail(r, node, "a key is [a-z][a-z0-9_]*, with at most one dot before another such name", NULL);
	anchor(r, node);
	out_str(&r->text, before);
	out_bytes(&r->text, x->name, x->name_len);
	return 0;
}

/* An object of fields by key: {"critical": ..., "value": ...} each when marked, else a value each (defaults). */
static int write_fields(struct reader *r, int node, int marked)
{
	int m;

	if (expect_type(r, node, JT_OBJECT, "expected an object"))
		return -1;
	for (m = r->n[node].first; m >= 0; m = r->n[m].next) {
		int critical = 1, value = m;

		if (marked) {
			if (exact(r, m, field_members) || (critical = boolean(r, member(r, m, "critical"))) < 0)
				return -1;
			value = member(r, m, "value");
		}
		if (write_key(r, m, critical ? " " : " ~"))
			return -1;
		out_str(&r->text, "=");
		if (write_typed(r, value, VALUE_TYPES))
			return -1;
	}
	return 0;
}

static int write_params(struct reader *r, int node)
{
	int p;

	if (expect_type(r, node, JT_ARRAY, "expected an array"))
		return -1;
	for (p = r->n[node].first; p >= 0; p = r->n[p].next) {
		int name, critical;

		if (exact(r, p, param_members))
			return -1;
		name = member(r, p, "name");
		critical = boolean(r, member(r, p, "critical"));
		if (critical < 0)
			return -1;
		if (expect_type(r, name, JT_STRING, "expected a JSON string"))
			return -1;
		if (!is_key(r->n[name].text, r->n[name].len))
			return fail(r, name, "a key is [a-z][a-z0-9_]*, with at most one dot before another such name",
				    NULL);
		anchor(r, name);
		out_str(&r->text, critical ? "\nparam " : "\nparam ~");
		out_bytes(&r->text, r->n[name].text, r->n[name].len);
		out_str(&r->text, "=");
		if (write_typed(r, member(r, p, "value"), VALUE_TYPES) || write_fields(r, member(r, p, "fields"), 1))
			return -1;
	}
	return 0;
}

static int write_constraint(struct reader *r, int node)
{
	int op = tag(r, node, "op", operators, "op is not equals, subset, superset or any"), m;

	if (op < 0)
		return -1;
	if (op == 3) {
		if (exact(r, node, any_members))
			return -1;
		out_str(&r->text, "=*");
		return 0;
	}
	if (op != 0) {
		if (exact(r, node, operand_members))
			return -1;
		out_str(&r->text, op == 1 ? "<=" : ">=");
		return write_typed(r, member(r, node, "operand"), OPERAND_TYPES);
	}
	if (exact(r, node, equals_members))
		return -1;
	node = member(r, node, "alternatives");
	if (expect_type(r, node, JT_ARRAY, "expected an array"))
		return -1;
	if (!r->n[node].count)
		return fail(r, node, "an equals constraint has at least one alternative", NULL);
	out_str(&r->text, "=");
	for (m = r->n[node].first; m >= 0; m = r->n[m].next) {
		if (m != r->n[node].first)
			out_str(&r->text, "|");
		if (write_typed(r, m, ALTERNATIVE_TYPES))
			return -1;
	}
	return 0;
}

static int write_rules(struct reader *r, int node)
{
	int rule, c;

	if (expect_type(r, node, JT_ARRAY, "expected an array"))
		return -1;
	for (rule = r->n[node].first; rule >= 0; rule = r->n[rule].next) {
		if (exact(r, rule, rule_members))
			return -1;
		c = member(r, rule, "constraints");
		if (expect_type(r, c, JT_OBJECT, "expected an object"))
			return -1;
		anchor(r, rule);
		out_str(&r->text, "\naccept");
		for (c = r->n[c].first; c >= 0; c = r->n[c].next)
			if (write_key(r, c, " ") || write_constraint(r, c))
				return -1;
	}
	return 0;
}

/* format: the integer 1 by its exact value, however written (1, 1.0, 1e0, 10E-1; not 1.00000000000000000001) */
static int check_format(struct reader *r, int node)
{
	long long format;

	if (json_integer(&r->n[node], &format) || format != 1)
		return fail(r, node, "format must be 1 (this library implements format mc1)", NULL);
	return 0;
}

static int write_model(struct reader *r)
{
	int kind = tag(r, 0, "attribute", attributes,
		       "attribute must be migration_version or migration_compatible_devices");

	if (kind < 0 || exact(r, 0, kind == 0 ? version_members : compatible_members) ||
	    check_format(r, member(r, 0, "format")))
		return -1;
	r->kind = kind == 0 ? MC_MIGRATION_VERSION : MC_COMPATIBLE_DEVICES;
	out_str(&r->text, MC_HEADER);
	if (kind == 0) {
		int fields = member(r, 0, "fields");

		if (expect_type(r, fields, JT_OBJECT, "expected an object"))
			return -1;
		if (!r->n[fields].count)
			return fail(r, fields, "a migration_version has at least one field", NULL);
		return write_fields(r, fields, 1) || write_params(r, member(r, 0, "params")) ? -1 : 0;
	}
	if (expect_type(r, member(r, 0, "defaults"), JT_OBJECT, "expected an object"))
		return -1;
	if (r->n[member(r, 0, "defaults")].count)
		out_str(&r->text, "\ndefault");
	return write_fields(r, member(r, 0, "defaults"), 0) || write_rules(r, member(r, 0, "rules")) ? -1 : 0;
}

/* ---- faults ---- */

/*
 * The JSON value the byte at the error's line and column was written from.
 * Where values nest (an alternative, its value object, its string), a fault
 * of a lexeme is the innermost's and a fault of structure the outermost's:
 * a leading zero is in ".../alternatives/1/value", a repeated alternative is
 * ".../alternatives/1", as migcompat.from_json reports them.
 */
static int anchored(const struct reader *r, const struct mc_error *e)
{
	int outermost = e->code == MC_E_DUPLICATE_KEY || e->code == MC_E_DUPLICATE_MEMBER ||
			e->code == MC_E_DUPLICATE_PARAM || e->code == MC_E_PARAM_CONFLICT ||
			e->code == MC_E_MIXED_TYPES || e->code == MC_E_EMPTY_RANGE;
	size_t off = 0, i;
	unsigned line = 1;
	int node = 0;

	for (i = 0; i < r->text.len && line < e->line; i++)
		if (r->buf[i] == '\n') {
			line++;
			off = i + 1;
		}
	off += e->column ? e->column - 1 : 0;
	for (i = 0; i < r->nanchors && r->anchors[i].off <= off; i++)
		if (!outermost || !i || r->anchors[i].off != r->anchors[i - 1].off)
			node = r->anchors[i].node;
	return node;
}

static void pointer_step(struct out *o, const struct json_node *x, const struct json_node *parent)
{
	size_t i;

	out_str(o, "/");
	if (parent->type == JT_ARRAY) {
		out_uint(o, x->index);
		return;
	}
	for (i = 0; i < x->name_len; i++) {
		if (x->name[i] == '~')
			out_str(o, "~0");
		else if (x->name[i] == '/')
			out_str(o, "~1");
		else
			out_bytes(o, &x->name[i], 1);
	}
}

/* The JSON Pointer of node, cut before the first step that would pass MAX_POINTER bytes. */
static void pointer(struct out *o, const struct json_node *n, int node)
{
	int chain[JSON_MAX_DEPTH + 1];
	size_t k = 0, used = 0;

	for (; node > 0 && k < sizeof(chain) / sizeof(chain[0]); node = n[node].parent)
		chain[k++] = node;
	while (k--) {
		const struct json_node *x = &n[chain[k]];
		char step[MAX_POINTER + 2];
		struct out s = { step, sizeof(step), 0, 0 };

		pointer_step(&s, x, &n[x->parent]);
		if (s.overflow || used + s.len > MAX_POINTER)
			return;
		out_bytes(o, step, s.len);
		used += s.len;
	}
}

int model_read(char *text, size_t len, struct mc_attr *attr, struct out *path, struct out *message)
{
	struct reader *r = &reader;
	struct mc_error error;
	int count = json_parse(text, len, nodes, MAX_NODES);

	r->n = nodes;
	r->text.buf = r->buf;
	r->text.cap = sizeof(r->buf);
	r->text.len = 0;
	r->text.overflow = 0;
	r->nanchors = 0;
	r->name = NULL;
	if (count == JSON_TOO_BIG) {
		out_str(message, "more JSON values than any data model within the page limit has [too-long]");
		return -1;
	}
	if (count < 0) {
		out_str(message, count == JSON_TOO_DEEP ? "invalid JSON: arrays or objects nested more than 64 deep"
							: "invalid JSON: not one JSON document");
		return -1;
	}
	if (write_model(r)) {
		pointer(path, r->n, r->fault);
		out_str(message, r->message);
		if (r->name) {
			out_str(message, " \"");
			out_str(message, r->name);
			out_str(message, "\"");
		}
		return -1;
	}
	if (r->text.overflow) {
		out_str(message, "the attribute's canonical text is more than 4095 bytes [too-long]");
		return -1;
	}
	if (mc_parse(attr, r->kind, r->buf, r->text.len, &error)) {
		if (error.code != MC_E_TOO_LONG)
			pointer(path, r->n, anchored(r, &error));
		out_str(message, "the model breaks a rule of the attribute text [");
		out_str(message, mc_code_name(error.code));
		out_str(message, "]");
		return -1;
	}
	return 0;
}
