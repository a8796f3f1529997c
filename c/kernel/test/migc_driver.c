// SPDX-License-Identifier: MIT
/*
 * A data-driven driver for migcompat_emit.c in user space: it reads
 * attributes described as records on standard input, builds each with the
 * helper exactly as a show() method would, and writes what show() returns.
 * tests/test_c_kernel.py generates the records from data models.
 *
 * Input: one record a line, words separated by one space.
 *
 *	version			the header line of a migration_version follows
 *	param KEY MARK VALUE	a param line follows, with this parameter
 *	field KEY MARK VALUE	a field of the line (MARK "=" or "~")
 *	compatible		a migration_compatible_devices; its default line
 *	default KEY VALUE	a field of the default line
 *	rule			an accept line follows
 *	eq KEY ALT...		a constraint of the accept line: key=ALT|ALT...
 *	sub KEY ALT		key<=ALT
 *	sup KEY ALT		key>=ALT
 *	any KEY			key=*
 *	end			emit the attribute: call the helper, line by line
 *	buffer SIZE		(before an attribute's first line) build it into a
 *				driver's buffer of SIZE bytes, not the page:
 *				migc_version_begin_buf(), migc_compatible_begin_buf()
 *	render SIZE		the same with one call at the end:
 *				migc_render_version() (no param line) or
 *				migc_render_compatible()
 *	publish SIZE		render SIZE into a scratch buffer, then, only
 *				when that worked, copy the text into the
 *				published one (the header's recommended
 *				pattern: a failed re-render keeps the text
 *				published before)
 *	show			(alone, between attributes) what the header's
 *				recommended show() returns for the published
 *				text: sysfs_emit() of it into the page, or
 *				-ENODATA when none was published
 *
 * VALUE is t:HEX (a token: its plain bytes in hex), i:N, v:N.N..., r:N/D,
 * m:N (MIGC_SET() of this program's table of N names: 0, 1 or 64),
 * or s:M,M,... (a set: each member in hex; a member written -HEX is in the
 * names table but not in the mask; S:M,M,... is the same set with every bit
 * above the table's names set in the mask too). ALT is $, $N, a VALUE, or a range
 * LO..HI whose ends are a VALUE, $, $N, or nothing.
 *
 * Output, for each end and each show: "ok LEN\n" and the LEN bytes of the
 * attribute, or "err -ERRNO\n". A malformed record ends the program with status 2, and so
 * does a helper that writes a byte past the attribute's NUL or past a
 * driver's buffer, or leaves anything but the empty string in a buffer on
 * an error. A driver's buffer is not aligned: it starts 3 bytes into an
 * arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <linux/sysfs.h>

#include "migcompat_emit.h"

#define MAX_ITEMS	8192
#define MAX_PARTS	8192
#define MAX_NAMES	8192
#define POOL_BYTES	(1 << 20)

enum line_kind { LINE_NONE, LINE_VERSION, LINE_PARAM, LINE_COMPATIBLE, LINE_RULE };

static struct migc_field fields[MAX_ITEMS];
static struct migc_field fixed[MAX_ITEMS];
static struct migc_field param;
static struct migc_constraint constraints[MAX_ITEMS];
static struct migc_rule rules[MAX_ITEMS];
static struct migc_alt alts[MAX_ITEMS];
static u64 parts[MAX_PARTS];
static const char *names[MAX_NAMES];
static char pool[POOL_BYTES];
static unsigned int nr_fields, nr_constraints, nr_alts, nr_parts, nr_names;
static unsigned int nr_rules, rule_start;	/* rules[]; the open rule's first constraint */
static struct migc_field defaults[MAX_ITEMS];
static unsigned int nr_defaults;
static enum line_kind header = LINE_NONE;	/* the attribute's first line */
static size_t pool_used;
static enum line_kind line = LINE_NONE;
static bool fresh = true;	/* no line of the next attribute seen yet */
static struct migc_emitter emitter;
static char page[PAGE_SIZE] __attribute__((aligned(4096)));

/* Where the attribute goes: the page of a show(), or a driver's buffer. */
enum target { TO_PAGE, TO_BUFFER, TO_RENDER, TO_PUBLISH };
#define ARENA_BYTES	(3 * 8192)
#define BUFFER_OFFSET	3
static enum target target = TO_PAGE;
static size_t buffer_size;
static char arena[ARENA_BYTES];
static char published[ARENA_BYTES];	/* what show() reads; "" until published */

static void __attribute__((noreturn)) bad(const char *what, const char *word)
{
	fprintf(stderr, "migc_driver: %s: %s\n", what, word ? word : "(missing)");
	exit(2);
}

static char *pool_take(size_t n)
{
	char *p = pool + pool_used;

	if (n > POOL_BYTES - pool_used)
		bad("out of string space", NULL);
	pool_used += n;
	return p;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes that len hex digits at s spell, NUL-terminated, in the pool. */
static const char *unhex(const char *s, size_t len)
{
	char *out = pool_take(len / 2 + 1);
	size_t i;

	if (len % 2)
		bad("odd hex text", s);
	for (i = 0; i < len; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			bad("bad hex text", s);
		out[i / 2] = (char)(hi * 16 + lo);
	}
	out[len / 2] = 0;
	return out;
}

static u64 number(const char *s, const char **end)
{
	char *stop;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		bad("bad number", s);
	v = strtoull(s, &stop, 10);
	*end = stop;
	return v;
}

/* Tables for MIGC_SET(): one left empty by the configuration, one of a name, one of 64. */
static const char *const no_names[] = {};
static const char *const one_name[] = { "only" };
static const char *const names_64[] = {
	"m00", "m01", "m02", "m03", "m04", "m05", "m06", "m07",
	"m08", "m09", "m10", "m11", "m12", "m13", "m14", "m15",
	"m16", "m17", "m18", "m19", "m20", "m21", "m22", "m23",
	"m24", "m25", "m26", "m27", "m28", "m29", "m30", "m31",
	"m32", "m33", "m34", "m35", "m36", "m37", "m38", "m39",
	"m40", "m41", "m42", "m43", "m44", "m45", "m46", "m47",
	"m48", "m49", "m50", "m51", "m52", "m53", "m54", "m55",
	"m56", "m57", "m58", "m59", "m60", "m61", "m62", "m63",
};

/* The value that text (len bytes) encodes. */
static struct migc_value value(const char *text, size_t len)
{
	struct migc_value v = { 0 };
	const char *end = text + len, *p, *stop;

	if (len < 2 || text[1] != ':')
		bad("bad value", text);
	p = text + 2;
	switch (text[0]) {
	case 't':
		v.type = MIGC_TYPE_TOKEN;
		v.token = unhex(p, end - p);
		return v;
	case 'm':
		switch (number(p, &stop)) {
		case 0:
			v = (struct migc_value)MIGC_SET(no_names);
			break;
		case 1:
			v = (struct migc_value)MIGC_SET(one_name);
			break;
		case 64:
			v = (struct migc_value)MIGC_SET(names_64);
			break;
		default:
			bad("no MIGC_SET() table of that size", text);
		}
		break;
	case 'i':
		v.type = MIGC_TYPE_INT;
		v.integer = number(p, &stop);
		break;
	case 'v':
		v.type = MIGC_TYPE_VERSION;
		v.version.parts = parts + nr_parts;
		for (stop = p; stop < end; p = stop + 1) {
			if (nr_parts == MAX_PARTS)
				bad("too many version parts", text);
			parts[nr_parts++] = number(p, &stop);
			v.version.count++;
			if (stop < end && *stop != '.')
				bad("bad version", text);
		}
		break;
	case 'r':
		v.type = MIGC_TYPE_RATIO;
		v.ratio.num = number(p, &stop);
		if (*stop != '/')
			bad("bad ratio", text);
		v.ratio.den = number(stop + 1, &stop);
		break;
	case 's':
	case 'S':
		v.type = MIGC_TYPE_SET;
		v.set.names = names + nr_names;
		v.set.mask = ~0ULL;
		/* "s:" is the empty set; "s:78," has two members, "x" and "". */
		for (stop = p; p < end || stop < end; p = stop + 1) {
			bool skip = p < end && *p == '-';

			stop = memchr(p, ',', end - p);
			if (!stop)
				stop = end;
			if (nr_names == MAX_NAMES)
				bad("too many set members", text);
			if (skip && v.set.count < 64)
				v.set.mask &= ~(1ULL << v.set.count);
			names[nr_names++] = unhex(p + skip, stop - p - skip);
			v.set.count++;
		}
		if (text[0] == 's' && v.set.count < 64)
			v.set.mask &= (1ULL << v.set.count) - 1;
		return v;
	default:
		bad("bad value type", text);
	}
	if (stop != end)
		bad("bad value", text);
	return v;
}

/* A range end: nothing (open), $, $N or a value, len bytes at text. */
static struct migc_bound bound(const char *text, size_t len)
{
	struct migc_bound b = { 0 };

	if (!len) {
		b.end = MIGC_END_OPEN;
	} else if (len == 1 && text[0] == '$') {
		b.end = MIGC_END_SELF;
	} else if (len == 2 && text[0] == '$') {
		b.end = MIGC_END_SELF_PREFIX;
		b.prefix = text[1] - '0';
	} else {
		b.end = MIGC_END_VALUE;
		b.value = value(text, len);
	}
	return b;
}

static struct migc_alt alternative(const char *text)
{
	struct migc_alt a = { 0 };
	const char *dots = strstr(text, "..");
	struct migc_bound b;

	if (dots) {
		a.kind = MIGC_ALT_RANGE;
		a.lo = bound(text, dots - text);
		a.hi = bound(dots + 2, strlen(dots + 2));
		return a;
	}
	b = bound(text, strlen(text));
	a.kind = b.end == MIGC_END_SELF ? MIGC_ALT_SELF :
		 b.end == MIGC_END_SELF_PREFIX ? MIGC_ALT_SELF_PREFIX : MIGC_ALT_VALUE;
	a.prefix = b.prefix;
	a.value = b.value;
	return a;
}

/* Hand the line collected so far to the helper. */
static void flush(void)
{
	switch (line) {
	case LINE_VERSION:
		header = LINE_VERSION;
		memcpy(fixed, fields, nr_fields * sizeof(*fields));
		nr_defaults = nr_fields;	/* the number of fixed fields */
		if (target == TO_PAGE)
			migc_version_begin(&emitter, page, fixed, nr_fields);
		else if (target == TO_BUFFER)
			migc_version_begin_buf(&emitter, arena + BUFFER_OFFSET,
					       buffer_size, fixed, nr_fields);
		break;
	case LINE_PARAM:
		if (target == TO_RENDER || target == TO_PUBLISH)
			bad("no param line with render or publish", NULL);
		migc_version_param(&emitter, &param, fields, nr_fields);
		break;
	case LINE_COMPATIBLE:
		header = LINE_COMPATIBLE;
		memcpy(defaults, fields, nr_fields * sizeof(*fields));
		nr_defaults = nr_fields;
		if (target == TO_PAGE)
			migc_compatible_begin(&emitter, page, defaults, nr_fields);
		else if (target == TO_BUFFER)
			migc_compatible_begin_buf(&emitter, arena + BUFFER_OFFSET,
						  buffer_size, defaults, nr_fields);
		break;
	case LINE_RULE:
		if (nr_rules == MAX_ITEMS)
			bad("too many rules", NULL);
		rules[nr_rules].constraints = constraints + rule_start;
		rules[nr_rules].nr = nr_constraints - rule_start;
		if (target != TO_RENDER && target != TO_PUBLISH)
			migc_compatible_rule(&emitter, rules[nr_rules].constraints,
					     rules[nr_rules].nr);
		nr_rules++;
		rule_start = nr_constraints;
		break;
	case LINE_NONE:
		break;
	}
	nr_fields = 0;
}

/* The page and the arena start filled with a marker, to see what the helper writes. */
static void begin_attribute(void)
{
	if (fresh) {
		memset(page, 0x7f, sizeof(page));
		memset(arena, 0x7f, sizeof(arena));
	}
	fresh = false;
}

/*
 * What the helper wrote into buf, size bytes inside all: the text (len bytes)
 * and its NUL; on an error (len < 0) the empty string when the helper was
 * given the buffer (given), what was written before the error aside. Never
 * anything outside buf's size bytes.
 */
static void check_written(const char *buf, size_t size, const char *all, size_t all_size,
			  ssize_t len, bool given)
{
	size_t at = buf - all, i;

	if (len >= 0 && ((size_t)len >= size || buf[len]))
		bad("no NUL after the attribute, or not within the buffer", NULL);
	if (len < 0 && given && size && buf[0])
		bad("an error left text in the buffer", NULL);
	for (i = 0; i < all_size; i++) {
		if (i >= at && i < at + (len >= 0 ? (size_t)len + 1 : size))
			continue;
		if (all[i] != 0x7f)
			bad("a byte past the attribute or its buffer was written", NULL);
	}
}

static void start(enum line_kind kind)
{
	begin_attribute();
	flush();
	line = kind;
}

static void finish(void)
{
	char *buf = target == TO_PAGE ? page : arena + BUFFER_OFFSET;
	bool given;
	ssize_t len;

	begin_attribute();
	flush();
	if (target == TO_RENDER || target == TO_PUBLISH) {
		given = buffer_size > 0;
		if (header == LINE_VERSION)
			len = migc_render_version(buf, buffer_size, fixed, nr_defaults);
		else if (header == LINE_COMPATIBLE)
			len = migc_render_compatible(buf, buffer_size, defaults,
						     nr_defaults, rules, nr_rules);
		else
			bad("render without a header line", NULL);
	} else {
		given = emitter.buf != NULL;
		len = migc_end(&emitter);
	}
	if (target == TO_PAGE)
		/* sysfs_emit() ends the text with a NUL; nothing past it is touched. */
		check_written(page, sizeof(page), page, sizeof(page), len, given);
	else
		check_written(buf, buffer_size, arena, sizeof(arena), len, given);
	/* Publish only what rendered (under show()'s lock, in a driver). */
	if (target == TO_PUBLISH && len >= 0)
		memcpy(published, buf, len + 1);
	if (len < 0) {
		printf("err %zd\n", len);
	} else {
		printf("ok %zd\n", len);
		fwrite(buf, 1, len, stdout);
	}
	fflush(stdout);
	line = LINE_NONE;
	header = LINE_NONE;
	fresh = true;
	target = TO_PAGE;
	memset(&emitter, 0, sizeof(emitter));
	nr_constraints = 0;
	nr_rules = 0;
	rule_start = 0;
	nr_defaults = 0;
	nr_alts = 0;
	nr_parts = 0;
	nr_names = 0;
	pool_used = 0;
}

/* The recommended show(): the published text, whole, or -ENODATA. */
static void show(void)
{
	ssize_t len;

	memset(page, 0x7f, sizeof(page));
	len = published[0] ? sysfs_emit(page, "%s", published) : -ENODATA;
	if (len < 0) {
		printf("err %zd\n", len);
	} else {
		if ((size_t)len != strlen(published))
			bad("show() cut the published text", NULL);
		printf("ok %zd\n", len);
		fwrite(page, 1, len, stdout);
	}
	fflush(stdout);
}

static struct migc_field *next_field(void)
{
	if (nr_fields == MAX_ITEMS)
		bad("too many fields", NULL);
	return &fields[nr_fields++];
}

static void record(char *text)
{
	char *words[MAX_ITEMS + 2];
	unsigned int n = 0, i;
	struct migc_constraint *c;
	struct migc_field *f;
	const char *end;
	char *p;

	for (p = strtok(text, " "); p; p = strtok(NULL, " ")) {
		if (n == MAX_ITEMS + 2)
			bad("too many words", NULL);
		words[n++] = p;
	}
	if (!n)
		bad("empty record", NULL);
	if (!strcmp(words[0], "version") || !strcmp(words[0], "compatible") ||
	    !strcmp(words[0], "rule") || !strcmp(words[0], "end")) {
		if (n != 1)
			bad("extra words", words[0]);
		if (words[0][0] == 'e')
			finish();
		else
			start(words[0][0] == 'v' ? LINE_VERSION :
			      words[0][0] == 'c' ? LINE_COMPATIBLE : LINE_RULE);
	} else if (!strcmp(words[0], "show")) {
		if (n != 1 || !fresh || target != TO_PAGE)
			bad("show inside an attribute", words[0]);
		show();
	} else if (!strcmp(words[0], "buffer") || !strcmp(words[0], "render") ||
		   !strcmp(words[0], "publish")) {
		if (n != 2 || !fresh || target != TO_PAGE)
			bad("buffer or render after the attribute's first line", words[0]);
		buffer_size = number(words[1], &end);
		if (*end || buffer_size > ARENA_BYTES - 2 * BUFFER_OFFSET)
			bad("bad buffer size", words[1]);
		target = words[0][0] == 'b' ? TO_BUFFER :
			 words[0][0] == 'r' ? TO_RENDER : TO_PUBLISH;
	} else if (!strcmp(words[0], "param") || !strcmp(words[0], "field")) {
		if (n != 4 || (strcmp(words[2], "=") && strcmp(words[2], "~")))
			bad("bad field", words[0]);
		if (words[0][0] == 'p') {
			start(LINE_PARAM);
			f = &param;
		} else {
			f = next_field();
		}
		f->key = strcpy(pool_take(strlen(words[1]) + 1), words[1]);
		f->ignorable = words[2][0] == '~';
		f->value = value(words[3], strlen(words[3]));
	} else if (!strcmp(words[0], "default")) {
		if (n != 3)
			bad("bad default", words[1]);
		f = next_field();
		f->key = strcpy(pool_take(strlen(words[1]) + 1), words[1]);
		f->ignorable = false;
		f->value = value(words[2], strlen(words[2]));
	} else if (!strcmp(words[0], "eq") || !strcmp(words[0], "sub") ||
		   !strcmp(words[0], "sup") || !strcmp(words[0], "any")) {
		if (n < 2 || nr_constraints == MAX_ITEMS)
			bad("bad constraint", words[0]);
		c = &constraints[nr_constraints++];
		c->key = strcpy(pool_take(strlen(words[1]) + 1), words[1]);
		c->op = !strcmp(words[0], "eq") ? MIGC_OP_EQUALS :
			!strcmp(words[0], "sub") ? MIGC_OP_SUBSET :
			!strcmp(words[0], "sup") ? MIGC_OP_SUPERSET : MIGC_OP_ANY;
		c->alts = alts + nr_alts;
		c->nr_alts = n - 2;
		for (i = 2; i < n; i++) {
			if (nr_alts == MAX_ITEMS)
				bad("too many alternatives", NULL);
			alts[nr_alts++] = alternative(words[i]);
		}
	} else {
		bad("unknown record", words[0]);
	}
}

int main(void)
{
	char *text = NULL;
	size_t size = 0;
	ssize_t got;

	while ((got = getline(&text, &size, stdin)) > 0) {
		if (text[got - 1] == '\n')
			text[got - 1] = 0;
		record(text);
	}
	free(text);
	return 0;
}
