/* SPDX-License-Identifier: MIT */
/*
 * A hint for a syntax error (mc_syntax_hint): a port of the Python reference's
 * migcompat._hints.syntax_hint, slip by slip and in its order (_SLIPS), with
 * the same words. Python reads bytes as Latin-1, one character per byte; so
 * does this file, which works on the bytes: the items a hint quotes are the
 * text's bytes, cut as _shown() cuts them, and the one test of a character's
 * class beyond ASCII (str.isalpha() of the byte after a ~) is Latin-1's. Every
 * read is bounded by the line it is on, every write by the writer of emit.c.
 */
#include <string.h>

#include "internal.h"

#define SELF_TERMS "$ (the target's own value) and $1 to $7 (its own version cut to 1 to 7 components)"
#define SHOWN 40 /* at most this many bytes of an item quoted: the first SHOWN - 3 and "..." when longer */

/* The error's line: the header (line 1), a param, default or accept line, or any other. */
enum line_kind { LINE_HEADER, LINE_PARAM, LINE_DEFAULT, LINE_ACCEPT, LINE_OTHER };

/* Where the error is (Python's _Site): cur[0 .. curlen) is its line without the LF; item is cur[start .. end), the
 * space-separated item the error is in (for an error at a space or at the line's end, the one before it), offset
 * the error's place in it; previous is the item before it on the line (empty for none). */
struct site {
	enum mc_kind attribute;
	enum line_kind kind;
	const char *text; /* the whole text: the lines before the error's are text[0 .. line_start) */
	size_t line_start;
	const char *cur;
	size_t curlen;
	size_t index; /* the error's place in the line, at most curlen */
	size_t start;
	size_t end;
	size_t offset; /* index - start */
	const char *previous;
	size_t prevlen;
};

static int ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ascii_word(unsigned char c)
{
	return ascii_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Python's str.isalpha() of the Latin-1 character c: the ASCII letters, ª µ º, and À to ÿ but for × and ÷. */
static int latin1_alpha(unsigned char c)
{
	if (c < 0x80)
		return ascii_alpha(c);
	return c == 0xaa || c == 0xb5 || c == 0xba || (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

static int equals(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* = or <= or >= at s[i] (s has n bytes): its length, else 0. */
static size_t operator_at(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == '=')
		return 1;
	if (i + 1 < n && (s[i] == '<' || s[i] == '>') && s[i + 1] == '=')
		return 2;
	return 0;
}

/* _shown(): n bytes of s, or the first SHOWN - 3 of them and "..." when there are more than SHOWN; lower case
 * (ASCII) when lower. */
static void put_shown(struct mc_writer *w, const char *s, size_t n, int lower)
{
	size_t i, count = n <= SHOWN ? n : SHOWN - 3;

	if (!lower) {
		mc_put(w, s, count);
	} else {
		for (i = 0; i < count; i++) {
			char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];

			mc_put(w, &c, 1);
		}
	}
	if (count < n)
		mc_put_str(w, "...");
}

static const char *kind_name(enum line_kind kind)
{
	return kind == LINE_ACCEPT ? "accept" : "default";
}

/* Each slip (a row of Python's _SLIPS): when the site shows it, writes its hint and returns 1; else writes nothing
 * and returns 0. */

/* $ outside an accept rule */
static int self_outside_rules(const struct site *s, struct mc_writer *w)
{
	if (s->index >= s->curlen || s->cur[s->index] != '$' ||
	    (s->kind != LINE_HEADER && s->kind != LINE_PARAM && s->kind != LINE_DEFAULT))
		return 0;
	mc_put_str(w, SELF_TERMS " are allowed only in the accept rules of a migration_compatible_devices; ");
	mc_put_str(w, s->attribute == MC_MIGRATION_VERSION ? "a migration_version gives each field a literal value"
							   : "a default line gives each key a literal value (clause 5.7)");
	return 1;
}

/* ~ in a rule or the default line */
static int mark_in_rules(const struct site *s, struct mc_writer *w)
{
	const char *item = s->cur + s->start;
	size_t n = s->end - s->start, p = 0;

	if (s->attribute != MC_COMPATIBLE_DEVICES || (s->kind != LINE_ACCEPT && s->kind != LINE_DEFAULT) ||
	    s->index >= s->curlen || s->cur[s->index] != '~')
		return 0;
	if (s->offset != 0) /* a ~ inside a key or a value: not the mark */
		return 0;
	while (p < n && item[p] == '~')
		p++;
	mc_put_str(w, "the ignorable mark ~ belongs on a field of the migration_version; keys in ");
	mc_put_str(w, kind_name(s->kind));
	mc_put_str(w, " lines carry no mark (clause 5.4)");
	if (p < n && latin1_alpha((unsigned char)item[p])) {
		mc_put_str(w, ": write ");
		put_shown(w, item + p, n - p, 0);
	}
	return 1;
}

/* $N as the operand of <= or >=: the item matches ~?[A-Za-z0-9_.]*(<=|>=)\$[^ ] and the error is past the operator */
static int self_operand(const struct site *s, struct mc_writer *w)
{
	const char *item = s->cur + s->start;
	size_t n = s->end - s->start, p = n > 0 && item[0] == '~';

	if (s->kind != LINE_ACCEPT)
		return 0;
	while (p < n && (ascii_word((unsigned char)item[p]) || item[p] == '.'))
		p++;
	if (p + 3 >= n || (item[p] != '<' && item[p] != '>') || item[p + 1] != '=' || item[p + 2] != '$' ||
	    item[p + 3] == ' ')
		return 0;
	if (s->offset <= p + 2)
		return 0;
	mc_put_str(w, "the operand of ");
	mc_put(w, item + p, 2);
	mc_put_str(w, " is a set or $ alone, never $N (clause 5.6)");
	return 1;
}

/* an unknown $-form: the last $ of the item before the error, and what follows it of [A-Za-z0-9_:+$-] */
static int unknown_self_form(const struct site *s, struct mc_writer *w)
{
	const char *item = s->cur + s->start;
	size_t n = s->end - s->start, dollar = s->offset, e;

	if (s->kind != LINE_ACCEPT)
		return 0;
	while (dollar > 0 && item[dollar - 1] != '$')
		dollar--;
	if (dollar == 0)
		return 0;
	dollar--;
	for (e = dollar + 1; e < n && (ascii_word((unsigned char)item[e]) || item[e] == ':' || item[e] == '+' ||
				       item[e] == '$' || item[e] == '-');
	     e++)
		;
	if (e - dollar == 1 || (e - dollar == 2 && item[dollar + 1] >= '1' && item[dollar + 1] <= '7') ||
	    e <= s->offset)
		return 0; /* a valid form, with the error after it */
	put_shown(w, item + dollar, e - dollar, 0);
	mc_put_str(w, " is not a self-reference: the forms are " SELF_TERMS " (clause 5.6)");
	return 1;
}

/* an upper-case key: the item matches ~?([A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?)(=|<=|>=), the error is in
 * the key, and the key has an upper-case letter */
static int upper_case_key(const struct site *s, struct mc_writer *w)
{
	const char *item = s->cur + s->start;
	size_t n = s->end - s->start, key = n > 0 && item[0] == '~', p = key, i;
	int upper = 0;

	if (p >= n || !ascii_alpha((unsigned char)item[p]))
		return 0;
	for (p++; p < n && ascii_word((unsigned char)item[p]); p++)
		;
	if (p + 1 < n && item[p] == '.' && ascii_alpha((unsigned char)item[p + 1]))
		for (p += 2; p < n && ascii_word((unsigned char)item[p]); p++)
			;
	if (!operator_at(item, n, p) || s->offset >= p)
		return 0;
	for (i = key; i < p; i++)
		upper |= item[i] >= 'A' && item[i] <= 'Z';
	if (!upper)
		return 0;
	mc_put_str(w, "keys are lower case (a lower-case letter, then lower-case letters, digits and _; clause 5.2):"
		      " write ");
	if (key && (s->kind == LINE_HEADER || s->kind == LINE_PARAM))
		mc_put_str(w, "~");
	put_shown(w, item + key, p - key, 1);
	return 1;
}

/* a space inside a set: the error at a space, with more { than } in the item before it */
static int space_in_set(const struct site *s, struct mc_writer *w)
{
	size_t i, open = 0, close = 0;

	if (s->index >= s->curlen || s->cur[s->index] != ' ')
		return 0;
	for (i = s->start; i < s->end; i++) {
		open += s->cur[i] == '{';
		close += s->cur[i] == '}';
	}
	if (open <= close)
		return 0;
	mc_put_str(w, "a set's members are separated by a comma alone ({a,b}); a space inside a value must be escaped as"
		      " %20");
	return 1;
}

/* a space inside a value: an item without = after a key=value */
static int space_in_value(const struct site *s, struct mc_writer *w)
{
	const char *item = s->cur + s->start, *eq, *value;
	size_t n = s->end - s->start, after = s->end, word, vlen, i;

	if (n == 0 || memchr(item, '=', n) || !s->prevlen || !(eq = memchr(s->previous, '=', s->prevlen)))
		return 0;
	if (equals(item, n, "param") || equals(item, n, "default") || equals(item, n, "accept")) {
		mc_put(w, item, n);
		mc_put_str(w, " starts a line: begin a new line before it (clause 4.2)");
		return 1;
	}
	while (after < s->curlen && s->cur[after] == ' ')
		after++;
	if (operator_at(s->cur, s->curlen, after)) {
		for (word = after; word < s->curlen && s->cur[word] != ' '; word++)
			;
		mc_put_str(w, "no space between a key and its operator: write ");
		put_shown(w, item, n, 0);
		mc_put(w, s->cur + after, word - after);
		return 1;
	}
	value = eq + 1;
	vlen = s->prevlen - (size_t)(value - s->previous);
	if (vlen == 0 || value[vlen - 1] == '}' || value[vlen - 1] == '$' || memchr(value, '|', vlen))
		return 0; /* a set, a range, $ or alternatives before it: a space there is no escaped space */
	for (i = 0; i + 1 < vlen; i++)
		if (value[i] == '.' && value[i + 1] == '.')
			return 0;
	put_shown(w, item, n, 0);
	mc_put_str(w, " is not a key=value: a value cannot hold a space; if it belongs to the value before it, escape the"
		      " space as %20 (");
	put_shown(w, s->previous, s->prevlen, 0);
	mc_put_str(w, "%20");
	put_shown(w, item, n, 0);
	mc_put_str(w, ")");
	return 1;
}

/* a default line after an accept line, or a second default line */
static int default_after_accept(const struct site *s, struct mc_writer *w)
{
	const char *first_lf;
	size_t p, e;
	int accept = 0, defaults = 0;

	if (s->attribute != MC_COMPATIBLE_DEVICES || s->kind != LINE_DEFAULT || s->index != 0)
		return 0;
	/* the lines after the header and before the error's: text[after the first LF .. line_start - 1), each
	 * ended by its LF (the error's line is not line 1, so line_start > 0 and text[line_start - 1] is an LF) */
	first_lf = memchr(s->text, '\n', s->line_start);
	for (p = first_lf ? (size_t)(first_lf - s->text) + 1 : s->line_start; p < s->line_start; p = e + 1) {
		const char *lf = memchr(s->text + p, '\n', s->line_start - p);

		e = lf ? (size_t)(lf - s->text) : s->line_start;
		accept |= starts_with(s->text + p, e - p, "accept");
		defaults |= starts_with(s->text + p, e - p, "default");
	}
	if (accept)
		mc_put_str(w, "the default line comes before every accept line (clause 4.2): move it to just after the header");
	else if (defaults)
		mc_put_str(w, "there is at most one default line (clause 4.2): give every default on it");
	return accept || defaults;
}

static int (*const slips[])(const struct site *, struct mc_writer *) = {
	self_outside_rules, mark_in_rules,  self_operand,   unknown_self_form,
	upper_case_key,     space_in_set,   space_in_value, default_after_accept,
};

/* Fills *s for the error at line, column of text; 0 when that is no position of the text. */
static int find_site(struct site *s, const char *text, size_t len, unsigned line, unsigned column)
{
	const char *lf;
	size_t space, first;
	unsigned n;
	int at_gap;

	if (line == 0 || column == 0)
		return 0;
	s->line_start = 0;
	for (n = 1; n < line; n++) {
		lf = memchr(text + s->line_start, '\n', len - s->line_start);
		if (!lf)
			return 0;
		s->line_start = (size_t)(lf - text) + 1;
	}
	s->text = text;
	s->cur = text + s->line_start;
	lf = memchr(s->cur, '\n', len - s->line_start);
	s->curlen = lf ? (size_t)(lf - s->cur) : len - s->line_start;
	if (column - 1 > s->curlen)
		return 0;
	s->index = column - 1;
	at_gap = s->index >= s->curlen || s->cur[s->index] == ' ';
	for (s->start = s->index; s->start > 0 && s->cur[s->start - 1] != ' '; s->start--)
		;
	if (at_gap)
		s->end = s->index;
	else
		for (s->end = s->index; s->end < s->curlen && s->cur[s->end] != ' '; s->end++)
			;
	s->offset = s->index - s->start;
	/* previous: the item that ends before the space before item */
	s->prevlen = 0;
	s->previous = s->cur;
	if (s->start > 1) {
		for (space = s->start - 1; space > 0 && s->cur[space - 1] != ' '; space--)
			;
		s->previous = s->cur + space;
		s->prevlen = s->start - 1 - space;
	}
	for (first = 0; first < s->curlen && s->cur[first] != ' '; first++)
		;
	s->kind = line == 1			     ? LINE_HEADER
		  : equals(s->cur, first, "param")   ? LINE_PARAM
		  : equals(s->cur, first, "default") ? LINE_DEFAULT
		  : equals(s->cur, first, "accept")  ? LINE_ACCEPT
						     : LINE_OTHER;
	return 1;
}

int mc_syntax_hint(enum mc_kind kind, const char *text, size_t len, unsigned line, unsigned column, char *buf,
		   size_t size)
{
	struct mc_writer w = { buf, size, 0 };
	struct site s;
	size_t i;

	if (mc_overlaps(text, len, buf, size))
		return -MC_E_USAGE; /* nothing written: the text would be read while it is written */
	if (buf && size > 0)
		buf[0] = '\0';
	if ((!buf && size > 0) || (!text && len > 0) || (kind != MC_MIGRATION_VERSION && kind != MC_COMPATIBLE_DEVICES))
		return -MC_E_USAGE;
	if (!text)
		text = "";
	s.attribute = kind;
	if (!find_site(&s, text, len, line, column))
		return 0;
	for (i = 0; i < sizeof(slips) / sizeof(slips[0]); i++)
		if (slips[i](&s, &w))
			break;
	return mc_writer_end(&w);
}
