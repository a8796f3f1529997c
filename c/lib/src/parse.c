/* SPDX-License-Identifier: MIT */
/*
 * Parsing: the whole-input checks of clause 7.1, then the grammar of clause
 * 4.3 (clause 7.2), then the value and structure checks of clause 7.3
 * (validate.c). The grammar is parsed by hand, one function per rule, with the
 * normative grammar's tokens: at each position only the terminals the
 * grammar allows there are tried (as the reference LALR parser's contextual
 * lexer does), each by longest match, and a syntax error is reported at the
 * first byte of the first token that no derivation continues with.
 */
#include <string.h>

#include "internal.h"

/* ---- clause 7.1 ------------------------------------------------------------ */

static int fail_at(struct mc_attr *a, enum mc_code code, const char *text, size_t len, size_t offset)
{
	a->error.code = code;
	mc_locate(text, len, offset, &a->error.line, &a->error.column);
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d);
}

/* The first line's first word: mc1, mcN (N a numeral without leading zeros) or anything else. */
static enum mc_code header_code(const char *t, size_t n)
{
	size_t w = 0, i;

	while (w < n && t[w] != ' ' && t[w] != '\n')
		w++;
	if (w == 3 && memcmp(t, MC_HEADER, 3) == 0)
		return MC_OK;
	if (w < 3 || t[0] != 'm' || t[1] != 'c')
		return MC_E_BAD_HEADER;
	for (i = 2; i < w; i++)
		if (t[i] < '0' || t[i] > '9')
			return MC_E_BAD_HEADER;
	if (t[2] == '0' && w > 3)
		return MC_E_BAD_HEADER;
	return MC_E_UNSUPPORTED_VERSION;
}

/* The whitespace check of 7.1 item 4 on the text without its final LF; -1 with the error, 0 if clean. */
static int whitespace(struct mc_attr *a, const char *t, size_t n)
{
	size_t start = 0;

	for (;;) {
		size_t end = start, i;

		while (end < n && t[end] != '\n')
			end++;
		if (end == start)
			return fail_at(a, MC_E_WHITESPACE, t, n, start);
		if (t[start] == ' ')
			return fail_at(a, MC_E_WHITESPACE, t, n, start);
		/* of several faults on a line, the first byte's: a doubled SP before a trailing one */
		for (i = start; i + 1 < end; i++)
			if (t[i] == ' ' && t[i + 1] == ' ')
				return fail_at(a, MC_E_WHITESPACE, t, n, i + 1);
		if (t[end - 1] == ' ')
			return fail_at(a, MC_E_WHITESPACE, t, n, end - 1);
		if (end >= n)
			return 0;
		start = end + 1;
	}
}

/*
 * Checks 0 and 1 of clause 7.1 look at the first HEAD_BYTES bytes of the
 * attribute (4096, one more than the limit) and no more, so that a reader
 * that stops there (clause 13.1) reports what a reader of the whole attribute
 * reports: a numeral that reaches byte 4096 ends there, and an attribute
 * whose first 4096 bytes are white space is empty whatever follows them.
 */
#define HEAD_BYTES ((size_t)MC_MAX_ATTRIBUTE + 1)

/*
 * Check 0 of clause 7.1 (specification 1.1): the header of another format
 * version, "mc" and a numeral without leading zeros other than 1, not
 * followed by a letter or digit (or by nothing among the first 4096 bytes),
 * is recognised before any lexical rule. len is at most HEAD_BYTES.
 */
static int foreign_header(const char *t, size_t len)
{
	size_t i = 2;

	if (len < 3 || t[0] != 'm' || t[1] != 'c')
		return 0;
	while (i < len && t[i] >= '0' && t[i] <= '9')
		i++;
	if (i == 2 || (t[2] == '0' && i > 3))
		return 0;
	if (i < len && ((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
		return 0;
	return !(i == 3 && t[2] == '1');
}

/* Clause 7.1 in its order; on success *n is the length without the final LF. */
static int whole_input(struct mc_attr *a, const char *t, size_t len, size_t *n)
{
	size_t i, size, head = len < HEAD_BYTES ? len : HEAD_BYTES;
	enum mc_code code;

	if (foreign_header(t, head))
		return fail_at(a, MC_E_UNSUPPORTED_VERSION, t, len, 0);
	for (i = 0; i < head && is_space((unsigned char)t[i]); i++)
		;
	if (i == head)
		return fail_at(a, MC_E_EMPTY, t, len, 0);
	size = len + (t[len - 1] != '\n');
	if (size > MC_MAX_ATTRIBUTE)
		return fail_at(a, MC_E_TOO_LONG, t, len, MC_MAX_ATTRIBUTE);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\n' || (c >= 0x20 && c <= 0x7e))
			continue;
		code = c == 0 ? MC_E_NUL : c == '\r' ? MC_E_CRLF : c >= 0x80 ? MC_E_NON_ASCII : MC_E_CONTROL_CHAR;
		return fail_at(a, code, t, len, i);
	}
	*n = t[len - 1] == '\n' ? len - 1 : len;
	if (whitespace(a, t, *n))
		return -1;
	code = header_code(t, *n);
	if (code != MC_OK)
		return fail_at(a, code, t, *n, 0);
	return 0;
}

/* ---- lexemes ---------------------------------------------------------------- */

struct parser {
	struct mc_attr *a;
	const char *s;
	size_t n;
	size_t p;
};

static int at(const struct parser *ps, size_t i)
{
	return i < ps->n ? (unsigned char)ps->s[i] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static int is_token_char(int c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || is_lower(c) || c == '_' || c == ':' || c == '+' || c == '-';
}

/* KEY: [a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)? */
static size_t lex_key(const struct parser *ps, size_t p)
{
	size_t q = p;

	if (!is_lower(at(ps, q)))
		return 0;
	q++;
	while (is_lower(at(ps, q)) || is_digit(at(ps, q)) || at(ps, q) == '_')
		q++;
	if (at(ps, q) == '.' && is_lower(at(ps, q + 1))) {
		q += 2;
		while (is_lower(at(ps, q)) || is_digit(at(ps, q)) || at(ps, q) == '_')
			q++;
	}
	return q - p;
}

/*
 * TOKEN: dot-separated segments of [A-Za-z0-9_:+-] and %XX (any-case hex),
 * at least one byte of which is not a digit; the longest such run.
 */
static size_t lex_token(const struct parser *ps, size_t p)
{
	size_t q = p, end = p;
	int other = 0;

	for (;;) {
		size_t seg = q;
		int seg_other = 0;

		for (;;) {
			int c = at(ps, q);

			if (is_token_char(c)) {
				if (!is_digit(c))
					seg_other = 1;
				q++;
			} else if (c == '%' && is_hex(at(ps, q + 1)) && is_hex(at(ps, q + 2))) {
				seg_other = 1;
				q += 3;
			} else {
				break;
			}
		}
		if (q == seg)
			break;
		end = q;
		other |= seg_other;
		if (at(ps, q) != '.')
			break;
		q++;
	}
	return other ? end - p : 0;
}

static size_t digits(const struct parser *ps, size_t p)
{
	size_t q = p;

	while (is_digit(at(ps, q)))
		q++;
	return q - p;
}

/* VERSION: [0-9]+(\.[0-9]+)+ */
static size_t lex_version(const struct parser *ps, size_t p)
{
	size_t q = p + digits(ps, p), parts = 1;

	if (q == p)
		return 0;
	while (at(ps, q) == '.' && is_digit(at(ps, q + 1))) {
		q += 1 + digits(ps, q + 1);
		parts++;
	}
	return parts > 1 ? q - p : 0;
}

/* RATIO: [0-9]+/[0-9]+ */
static size_t lex_ratio(const struct parser *ps, size_t p)
{
	size_t d = digits(ps, p), e;

	if (!d || at(ps, p + d) != '/')
		return 0;
	e = digits(ps, p + d + 1);
	return e ? d + 1 + e : 0;
}

/* Which value terminals a position allows (the grammar's contexts). */
enum { LEX_TOKEN = 1, LEX_VERSION = 2, LEX_RATIO = 4, LEX_INT = 8 };
#define LEX_VALUE (LEX_TOKEN | LEX_VERSION | LEX_RATIO | LEX_INT)
#define LEX_BOUND (LEX_VERSION | LEX_RATIO | LEX_INT)
#define LEX_MEMBER (LEX_TOKEN | LEX_VERSION | LEX_INT)

/* The value terminal at p among those allowed: its type (0 for none) and length. */
static uint8_t lex_value(const struct parser *ps, size_t p, int allowed, size_t *len)
{
	if ((allowed & LEX_TOKEN) && (*len = lex_token(ps, p)) != 0)
		return MC_TOKEN;
	if ((allowed & LEX_VERSION) && (*len = lex_version(ps, p)) != 0)
		return MC_VERSION;
	if ((allowed & LEX_RATIO) && (*len = lex_ratio(ps, p)) != 0)
		return MC_RATIO;
	if ((allowed & LEX_INT) && (*len = digits(ps, p)) != 0)
		return MC_INTEGER;
	*len = 0;
	return 0;
}

/* ---- the grammar ---------------------------------------------------------------- */

static int syntax_error(struct parser *ps)
{
	return fail_at(ps->a, MC_E_SYNTAX, ps->s, ps->n, ps->p);
}

static int capacity_error(struct parser *ps)
{
	/* Unreachable within the page limit (see MC_CAP_*); reported, never overflowed. */
	return fail_at(ps->a, MC_E_TOO_LONG, ps->s, ps->n, ps->p);
}

static int starts(const struct parser *ps, const char *word)
{
	size_t len = strlen(word);

	return ps->n - ps->p >= len && memcmp(ps->s + ps->p, word, len) == 0;
}

static int end_of_item(const struct parser *ps)
{
	int c = at(ps, ps->p);

	return c == -1 || c == ' ' || c == '\n';
}

/* set: "{" [member ("," member)*] "}" */
static int parse_set(struct parser *ps, struct mc_value *v)
{
	struct mc_attr *a = ps->a;

	v->type = MC_SET;
	v->off = (uint16_t)ps->p;
	v->first = a->nmembers;
	v->count = 0;
	ps->p++;
	if (at(ps, ps->p) != '}') {
		for (;;) {
			size_t len;

			if (!lex_value(ps, ps->p, LEX_MEMBER, &len))
				return syntax_error(ps);
			if (a->nmembers >= MC_CAP_MEMBERS)
				return capacity_error(ps);
			a->members[a->nmembers].off = (uint16_t)ps->p;
			a->members[a->nmembers].len = (uint16_t)len;
			a->nmembers++;
			v->count++;
			ps->p += len;
			if (at(ps, ps->p) == ',') {
				ps->p++;
				continue;
			}
			if (at(ps, ps->p) == '}')
				break;
			return syntax_error(ps);
		}
	}
	ps->p++;
	v->len = (uint16_t)(ps->p - v->off);
	return 0;
}

/* value: a scalar, a token or a set, of the terminals allowed */
static int parse_value(struct parser *ps, struct mc_value *v, int allowed)
{
	size_t len;

	memset(v, 0, sizeof(*v));
	if (at(ps, ps->p) == '{' && (allowed & LEX_TOKEN))
		return parse_set(ps, v);
	v->type = lex_value(ps, ps->p, allowed, &len);
	if (!v->type)
		return syntax_error(ps);
	v->off = (uint16_t)ps->p;
	v->len = (uint16_t)len;
	ps->p += len;
	return 0;
}

static int parse_key(struct parser *ps, struct mc_span *key)
{
	size_t len = lex_key(ps, ps->p);

	if (!len)
		return syntax_error(ps);
	key->off = (uint16_t)ps->p;
	key->len = (uint16_t)len;
	ps->p += len;
	return 0;
}

/* field: IGNORABLE? KEY "=" value   (default: KEY "=" value, when ignorable is 0) */
static int parse_field(struct parser *ps, int ignorable, struct mc_span *key, struct mc_value *value,
		       uint8_t *critical)
{
	*critical = 1;
	if (ignorable && at(ps, ps->p) == '~') {
		*critical = 0;
		ps->p++;
	}
	if (parse_key(ps, key))
		return -1;
	if (at(ps, ps->p) != '=')
		return syntax_error(ps);
	ps->p++;
	return parse_value(ps, value, LEX_VALUE);
}

static int new_field(struct parser *ps, struct mc_field **f)
{
	if (ps->a->nfields >= MC_CAP_FIELDS)
		return capacity_error(ps);
	*f = &ps->a->fields[ps->a->nfields++];
	memset(*f, 0, sizeof(**f));
	return 0;
}

/* (SP field)+ up to the end of the line */
static int parse_fields(struct parser *ps, int ignorable)
{
	do {
		struct mc_field *f = NULL;

		if (at(ps, ps->p) != ' ')
			return syntax_error(ps);
		ps->p++;
		if (new_field(ps, &f) || parse_field(ps, ignorable, &f->key, &f->value, &f->critical))
			return -1;
		if (!end_of_item(ps))
			return syntax_error(ps);
	} while (at(ps, ps->p) == ' ');
	return 0;
}

/* version_attribute: HEADER (SP field)+ (NL param_line)* */
static int parse_version(struct parser *ps)
{
	struct mc_attr *a = ps->a;

	ps->p = 3;
	if (parse_fields(ps, 1))
		return -1;
	a->nfixed = a->nfields;
	while (at(ps, ps->p) == '\n') {
		struct mc_param *param;

		ps->p++;
		if (!starts(ps, "param"))
			return syntax_error(ps);
		ps->p += 5;
		if (at(ps, ps->p) != ' ')
			return syntax_error(ps);
		ps->p++;
		if (a->nparams >= MC_CAP_PARAMS)
			return capacity_error(ps);
		param = &a->params[a->nparams++];
		memset(param, 0, sizeof(*param));
		if (parse_field(ps, 1, &param->name, &param->value, &param->critical))
			return -1;
		param->first = a->nfields;
		if (at(ps, ps->p) == ' ' && parse_fields(ps, 1))
			return -1;
		if (!end_of_item(ps))
			return syntax_error(ps);
		param->count = (uint16_t)(a->nfields - param->first);
	}
	return 0;
}

/* SELF_PREFIX: $1 to $7 (tried before "$", as the longer terminal); its N, or 0. */
static uint8_t lex_prefix(const struct parser *ps)
{
	int c = at(ps, ps->p + 1);

	return at(ps, ps->p) == '$' && c >= '1' && c <= '0' + MC_MAX_SELF_PREFIX ? (uint8_t)(c - '0') : 0;
}

/* bound: scalar | "$" | SELF_PREFIX, of the terminals of a range end; 0 with kind NONE when none is there */
static int parse_bound(struct parser *ps, struct mc_bound *b, int required)
{
	size_t len;

	memset(b, 0, sizeof(*b));
	b->prefix = lex_prefix(ps);
	if (b->prefix) {
		b->kind = MC_BOUND_PREFIX;
		ps->p += 2;
		return 0;
	}
	if (at(ps, ps->p) == '$') {
		b->kind = MC_BOUND_SELF;
		ps->p++;
		return 0;
	}
	b->value.type = lex_value(ps, ps->p, LEX_BOUND, &len);
	if (!b->value.type)
		return required ? syntax_error(ps) : 0;
	b->kind = MC_BOUND_VALUE;
	b->value.off = (uint16_t)ps->p;
	b->value.len = (uint16_t)len;
	ps->p += len;
	return 0;
}

static int new_alternative(struct parser *ps, struct mc_alternative **alt)
{
	if (ps->a->nalternatives >= MC_CAP_ALTERNATIVES)
		return capacity_error(ps);
	*alt = &ps->a->alternatives[ps->a->nalternatives++];
	memset(*alt, 0, sizeof(**alt));
	(*alt)->where = (uint16_t)ps->p;
	return 0;
}

/* alternative: value | range | "$" | SELF_PREFIX */
static int parse_alternative(struct parser *ps)
{
	struct mc_alternative *alt = NULL;
	uint8_t prefix = lex_prefix(ps);

	if (new_alternative(ps, &alt))
		return -1;
	if (starts(ps, "..")) {
		ps->p += 2;
		alt->kind = MC_ALT_RANGE;
		return parse_bound(ps, &alt->high, 1);
	}
	if (prefix) {
		ps->p += 2;
		alt->kind = MC_ALT_PREFIX;
		alt->prefix = prefix;
		if (!starts(ps, ".."))
			return 0;
		alt->prefix = 0;
		alt->low.kind = MC_BOUND_PREFIX;
		alt->low.prefix = prefix;
	} else if (at(ps, ps->p) == '$') {
		ps->p++;
		alt->kind = MC_ALT_SELF;
		if (!starts(ps, ".."))
			return 0;
		alt->low.kind = MC_BOUND_SELF;
	} else {
		alt->kind = MC_ALT_VALUE;
		alt->low.kind = MC_BOUND_VALUE;
		if (parse_value(ps, &alt->low.value, LEX_VALUE))
			return -1;
		if (!mc_is_ordered(alt->low.value.type) || !starts(ps, ".."))
			return 0;
	}
	ps->p += 2;
	alt->kind = MC_ALT_RANGE;
	return parse_bound(ps, &alt->high, 0);
}

/* constraint: KEY "=" alternative ("|" alternative)* | KEY "=" "*" | KEY "<=" operand | KEY ">=" operand */
static int parse_constraint(struct parser *ps)
{
	struct mc_attr *a = ps->a;
	struct mc_constraint *c;

	if (a->nconstraints >= MC_CAP_CONSTRAINTS)
		return capacity_error(ps);
	c = &a->constraints[a->nconstraints++];
	memset(c, 0, sizeof(*c));
	if (parse_key(ps, &c->key))
		return -1;
	c->first = a->nalternatives;
	if (starts(ps, "=*")) {
		c->op = MC_ANY;
		ps->p += 2;
	} else if (at(ps, ps->p) == '=') {
		c->op = MC_EQUALS;
		ps->p++;
		for (;;) {
			if (parse_alternative(ps))
				return -1;
			if (at(ps, ps->p) != '|')
				break;
			ps->p++;
		}
	} else if (starts(ps, "<=") || starts(ps, ">=")) {
		struct mc_alternative *alt = NULL;

		c->op = at(ps, ps->p) == '<' ? MC_SUBSET : MC_SUPERSET;
		ps->p += 2;
		if (new_alternative(ps, &alt))
			return -1;
		if (at(ps, ps->p) == '$') {
			alt->kind = MC_ALT_SELF;
			ps->p++;
		} else if (at(ps, ps->p) == '{') {
			alt->kind = MC_ALT_VALUE;
			alt->low.kind = MC_BOUND_VALUE;
			if (parse_set(ps, &alt->low.value))
				return -1;
		} else {
			return syntax_error(ps);
		}
	} else {
		return syntax_error(ps);
	}
	c->count = (uint16_t)(a->nalternatives - c->first);
	return end_of_item(ps) ? 0 : syntax_error(ps);
}

/* compatible_attribute: HEADER (NL default_line)? (NL accept_line)* */
static int parse_compatible(struct parser *ps)
{
	struct mc_attr *a = ps->a;
	int lines = 0;

	ps->p = 3;
	while (at(ps, ps->p) == '\n') {
		ps->p++;
		if (!lines && starts(ps, "default")) {
			ps->p += 7;
			if (parse_fields(ps, 0))
				return -1;
			a->ndefaults = a->nfields;
		} else if (starts(ps, "accept")) {
			struct mc_rule *rule;

			ps->p += 6;
			if (a->nrules >= MC_CAP_RULES)
				return capacity_error(ps);
			rule = &a->rules[a->nrules++];
			rule->first = a->nconstraints;
			while (at(ps, ps->p) == ' ') {
				ps->p++;
				if (parse_constraint(ps))
					return -1;
			}
			rule->count = (uint16_t)(a->nconstraints - rule->first);
		} else {
			return syntax_error(ps);
		}
		lines++;
		if (at(ps, ps->p) != '\n' && at(ps, ps->p) != -1)
			return syntax_error(ps);
	}
	return at(ps, ps->p) == -1 ? 0 : syntax_error(ps);
}

/* ---- the entry points -------------------------------------------------------------- */

int mc_parse(struct mc_attr *attr, enum mc_kind kind, const char *text, size_t len, struct mc_error *error)
{
	struct parser ps;
	size_t n = 0;
	int rc;

	if (!attr || mc_overlaps(attr, sizeof(*attr), text, len)) {
		if (error) {
			error->code = MC_E_USAGE;
			error->line = error->column = 0;
		}
		return -1;
	}
	memset(attr, 0, offsetof(struct mc_attr, fields));
	attr->kind = (uint32_t)kind;
	if ((!text && len) || (kind != MC_MIGRATION_VERSION && kind != MC_COMPATIBLE_DEVICES)) {
		attr->error.code = MC_E_USAGE;
		rc = -1;
	} else if (whole_input(attr, text ? text : "", len, &n)) {
		rc = -1;
	} else {
		memcpy(attr->text, text, n);
		attr->text[n] = '\0';
		attr->len = (uint16_t)n;
		ps.a = attr;
		ps.s = attr->text;
		ps.n = n;
		ps.p = 0;
		rc = kind == MC_MIGRATION_VERSION ? parse_version(&ps) : parse_compatible(&ps);
		if (!rc)
			rc = mc_validate(attr);
	}
	if (rc)
		attr->nfixed = attr->nfields = attr->ndefaults = attr->nparams = attr->nrules = 0;
	if (error)
		*error = attr->error;
	return rc;
}

/* How much of a text mc_detect() looks at: its header line, with some blanks after it (Python's _DETECT_BYTES). */
#define DETECT_BYTES 64

enum mc_kind mc_detect(const char *text, size_t len)
{
	/* As the Python reference's detect(): the first 64 bytes are looked at; a first line within them that is
	 * the header and then only spaces, tabs or a CR (a CRLF file) is the rules', whose parser says what is
	 * wrong with the blanks. */
	size_t seen = len < DETECT_BYTES ? len : DETECT_BYTES, end = 0;

	if (!text)
		return MC_MIGRATION_VERSION;
	while (end < seen && text[end] != '\n')
		end++;
	if (end == DETECT_BYTES)
		return MC_MIGRATION_VERSION; /* no line end in the bytes looked at */
	while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r'))
		end--;
	return end == 3 && memcmp(text, MC_HEADER, 3) == 0 ? MC_COMPATIBLE_DEVICES : MC_MIGRATION_VERSION;
}
