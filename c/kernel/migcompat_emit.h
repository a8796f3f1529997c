/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * migcompat_emit.h - write the migcompat attributes of a VFIO device
 *
 * A driver copies this header into its source tree (or, one day, finds the
 * helper in the VFIO core) and writes migration_version and
 * migration_compatible_devices (specification clause 10.5) with it.
 *
 * Recommended: build the text when the device is registered or
 * reconfigured, into a scratch buffer, and publish it, copied into the
 * buffer show() reads, under the lock show() takes, only when the render
 * worked. A render that fails (a driver bug: a text that does not fit or is
 * not valid) is then found there, once, where the driver can fail the
 * registration or dev_warn_once(), and it leaves the text published before
 * (or none) in place, never an empty or cut one. The files are present
 * whenever the device has mig_ops; show() fails with -ENODATA while the
 * driver has no text (specification clause 10.5):
 *
 *	struct foo_state {
 *		...
 *		struct mutex text_lock;		// the texts, and nothing else
 *		char mig_version[MIGC_BUF_SIZE];	// published; or kmalloc()ed
 *		char mig_scratch[MIGC_BUF_SIZE];	// rendered, under text_lock
 *	};
 *
 *	static int foo_render_migration(struct foo_state *foo)
 *	{
 *		const struct migc_field fields[] = {
 *			MIGC_FIELD("driver", MIGC_TOKEN("foo")),
 *			MIGC_FIELD("device_api", MIGC_TOKEN("vfio-pci")),
 *			MIGC_IGNORABLE("name", MIGC_TOKEN("Foo 2 ports")),
 *			MIGC_FIELD("share", MIGC_RATIO(2, 8)),
 *		};
 *		ssize_t len;
 *
 *		mutex_lock(&foo->text_lock);
 *		len = migc_render_version(foo->mig_scratch,
 *					  sizeof(foo->mig_scratch),
 *					  fields, ARRAY_SIZE(fields));
 *		if (len >= 0)
 *			memcpy(foo->mig_version, foo->mig_scratch, len + 1);
 *		mutex_unlock(&foo->text_lock);
 *		if (len < 0)
 *			dev_warn(foo->dev, "migration_version: %zd\n", len);
 *		return len < 0 ? len : 0;
 *	}
 *
 *	static ssize_t migration_version_show(struct device *dev,
 *					      struct device_attribute *attr,
 *					      char *buf)
 *	{
 *		struct foo_state *foo = to_foo(dev);
 *		ssize_t ret;
 *
 *		mutex_lock(&foo->text_lock);
 *		ret = foo->mig_version[0] ?
 *		      sysfs_emit(buf, "%s", foo->mig_version) : -ENODATA;
 *		mutex_unlock(&foo->text_lock);
 *		return ret;
 *	}
 *
 * writes "mc1 device_api=vfio-pci driver=foo ~name=Foo%202%20ports
 * share=1/4\n" into foo->mig_version. The texts have a lock of their own,
 * not the driver's migration state lock: a driver holds that one across
 * device commands (saving state, a firmware call), which a read would then
 * wait for, and some drivers release it only through a helper of their own
 * (mlx5's runs a reset deferred while it was held), which a show() taking
 * it would have to call. migc_render_compatible() does the
 * same for migration_compatible_devices, from an array of struct migc_rule.
 * A driver whose text changes after registration calls the same function
 * again, then emits KOBJ_CHANGE on the VFIO device. The functions return
 * the length written, or a negative errno, and never write past @size: the
 * text and one terminating NUL, as sysfs_emit() writes; on an error they
 * leave the empty string in the buffer they were given, which is why the
 * render goes to a scratch buffer. -EOVERFLOW says the text is valid and
 * within MIGC_MAX_BYTES but the driver's buffer is smaller; a buffer of
 * MIGC_BUF_SIZE bytes holds every attribute.
 *
 * The show()-time form, which builds the text into sysfs's page on every
 * read, stays available (migc_version_begin(..., buf, ...), then migc_end()
 * as show()'s return value); migc_version_begin_buf() and
 * migc_compatible_begin_buf() are the step-by-step forms for a driver's
 * buffer, for param lines or rules built in a loop.
 *
 * The helper does what every driver would otherwise do by hand:
 *
 *  - canonical form (clause 6): keys in byte order on every line, set members
 *    in byte order, one SP between items, one LF after every line; the
 *    alternatives of a constraint, the param lines and the rules stay in the
 *    order the driver gives;
 *  - values (clause 5.3): tokens and set members are given as plain C strings
 *    and written with %XX escapes (5.3.1); ratios are reduced (5.3.4);
 *  - validity: a key, token, set, version, range or constraint that no valid
 *    attribute can hold, a key twice on a line, a param line's key that is
 *    also a fixed field, gives -EINVAL, however many bytes the text already
 *    has. Two count limits come first, and give -E2BIG before the line's
 *    content is checked: a line of more than MIGC_MAX_ITEMS fields or
 *    constraints, a constraint of more than MIGC_MAX_ALTS alternatives (no
 *    valid attribute has that many). Errors are sticky, so the first error
 *    in call order is the one returned, and lines after it are not checked;
 *  - the size: an attribute longer than MIGC_MAX_BYTES gives -E2BIG. The
 *    show()-time forms (migc_*_begin(), into the page) also give -E2BIG for
 *    one longer than PAGE_SIZE - 1, the byte sysfs_emit() keeps for its NUL.
 *    The buffer forms (migc_*_begin_buf(), migc_render_*()) hold at most
 *    min(@size, MIGC_BUF_SIZE) - 1 bytes of text, and give -EOVERFLOW for a
 *    valid text within MIGC_MAX_BYTES that @size cannot hold; they do not
 *    look at PAGE_SIZE, so on a kernel whose page is smaller than 4 KiB
 *    (none today) a driver gives them @size <= PAGE_SIZE, or show() would
 *    cut the text. Nothing is ever cut by the helper: on an error the buffer
 *    holds the empty string.
 *
 * Writing is a bounded memcpy() into the buffer, with the NUL after it; the
 * only formatting is of integers (snprintf() with "%llu", into a local
 * buffer), never of the driver's strings.
 *
 * Header only, every function static: the helper defines no global symbol,
 * so any number of drivers that each copy it (of one version of the helper
 * or of several) link into one kernel, built in (=y) or as modules, and a
 * driver's copy never binds to another's. Each source file that calls it
 * gets its own copy of the code it calls (on x86-64 at -O2, about 8 KiB of
 * text for migc_render_version() alone and 17 KiB with
 * migc_render_compatible()); a driver keeps its calls in one file to have
 * one. The names migc_* and MIGC_* are the
 * helper's. When the helper moves into the VFIO core, these functions
 * become exported ones of the same names, and the calls that render stay;
 * what changes is how the text reaches sysfs (specification clause 10.5):
 * VFIO core creates the files, and the driver drops its DEVICE_ATTR show()s
 * and vdev->device.groups and implements vfio_migration_ops.migration_compat
 * (vdev, attr, buf) instead, with the body its show()s had: copy the
 * published text under the lock, or return -ENODATA.
 * migcompat_emit.c is a shim that holds nothing, for a Makefile that lists
 * migcompat_emit.o.
 *
 * Nothing is allocated: the driver describes each line in arrays and struct
 * migc_emitter holds the rest. On 64-bit machines struct migc_field is 48
 * bytes and struct migc_alt 120, and every MIGC_IS(), MIGC_SELF or range is
 * one struct migc_alt: a rule of nine constraints built on the stack takes
 * about 1.3 KiB of the frame, and two such rules go over the 2048 bytes of
 * a distribution's CONFIG_FRAME_WARN. Rules read the device's own values
 * through $, so they are usually the same for every device: make them
 * static const (as the sample module does), or pass one rule at a time to
 * migc_compatible_rule(), each built in a function of its own. Errors
 * are sticky: after the first, every call does nothing and migc_end()
 * returns it. The errno says what kind of fault; which one, pr_debug() says
 * as the helper records it: the line (its number from 1, and param,
 * default, accept...), the item (from 1) with its key, and the fault, as in
 * "migcompat_emit: line 3 (accept), item 1 (stream_version): an empty range:
 * its low end is above its high end (-22)". It costs nothing unless the
 * driver's file is built with DEBUG or dynamic debug turns it on:
 *
 *	echo 'module foo +p' > /sys/kernel/debug/dynamic_debug/control
 *
 * A line costs time linear in its length when the driver gives
 * its keys in byte order, and quadratic in its number of keys otherwise (at
 * most about a thousand fit in a page); the members of a set (at most 64)
 * and the alternatives of a constraint are compared pairwise, for order and
 * for duplicates.
 *
 * The forms are those of specification 1.0, and the two of 1.1: $1 to $7
 * (the target's own version cut to its first N components) and key=*.
 *
 * Cross-line rules of a template (a parameter value declared twice, a key set
 * by two parameters, one parameter's values of two types: clause 5.5) are
 * the driver's to keep; "migcompat lint" checks them.
 */
#ifndef _MIGCOMPAT_EMIT_H
#define _MIGCOMPAT_EMIT_H

#include <asm/page.h>		/* PAGE_SIZE */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>	/* ARRAY_SIZE() for MIGC_SET() */
#include <linux/math64.h>
#include <linux/printk.h>	/* pr_debug(): why a render failed */
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

/*
 * The largest attribute, its final LF included: what sysfs_emit() can
 * deliver from a 4096-byte page (specification 1.1, clause 4.4).
 */
#define MIGC_MAX_BYTES		4095
/* A driver's buffer that holds every attribute: MIGC_MAX_BYTES and a NUL. */
#define MIGC_BUF_SIZE		(MIGC_MAX_BYTES + 1)
#define MIGC_MAX_KEY		63	/* bytes of a key, namespace and dot included */
#define MIGC_MAX_TOKEN		255	/* bytes of a token or set member, as escaped */
#define MIGC_MAX_MEMBERS	64	/* members of a set: one bit each of a u64 */
#define MIGC_MIN_PARTS		2	/* components of a version */
#define MIGC_MAX_PARTS		8
/* Items of a line: every field or constraint is at least 4 bytes, " k=1", " k<=$" */
#define MIGC_MAX_ITEMS		(MIGC_MAX_BYTES / 4)
/* Alternatives of a constraint: every one is at least 2 bytes, "|1" */
#define MIGC_MAX_ALTS		(MIGC_MAX_BYTES / 2)

/* The five value types of clause 5.3; 0 is no value. */
enum migc_type {
	MIGC_TYPE_TOKEN = 1,
	MIGC_TYPE_INT,
	MIGC_TYPE_VERSION,
	MIGC_TYPE_RATIO,
	MIGC_TYPE_SET,
};

/**
 * struct migc_value - one value
 * @type: which member of the union holds it
 * @token: a token, as plain text: printable ASCII, dots only between
 *	segments, not digits and dots alone; bytes outside the token alphabet
 *	are written %XX
 * @integer: an integer
 * @version: a version: @version.count (2 to 8) components at @version.parts
 * @ratio: a ratio @ratio.num / @ratio.den, @ratio.den not 0; written reduced
 * @set: a set: the member @set.names[i] for each bit i of @set.mask below
 *	@set.count (at most 64); members are plain text as tokens are, and may
 *	be digits and dots alone
 */
struct migc_value {
	enum migc_type type;
	union {
		const char *token;
		u64 integer;
		struct {
			const u64 *parts;
			unsigned int count;
		} version;
		struct {
			u64 num;
			u64 den;
		} ratio;
		struct {
			const char *const *names;
			unsigned int count;
			u64 mask;
		} set;
	};
};

/**
 * struct migc_field - a key=value of a migration_version, or of a default line
 * @key: the key, one or two names joined by a dot (clause 5.2)
 * @value: its value
 * @ignorable: 1: written ~key=value (clause 5.4); never on a default line
 */
struct migc_field {
	const char *key;
	struct migc_value value;
	u8 ignorable;
};

/* An alternative of an equals constraint, or the operand of <= and >=. */
enum migc_alt_kind {
	MIGC_ALT_VALUE = 1,	/* a value */
	MIGC_ALT_SELF,		/* $ */
	MIGC_ALT_SELF_PREFIX,	/* $1 to $7 (spec 1.1) */
	MIGC_ALT_RANGE,		/* lo..hi, lo.., ..hi */
};

/* What one end of a range is. */
enum migc_end {
	MIGC_END_OPEN,
	MIGC_END_VALUE,
	MIGC_END_SELF,		/* $ */
	MIGC_END_SELF_PREFIX,	/* $1 to $7 */
};

/**
 * struct migc_bound - one end of a range
 * @end: open, a value, $ or $N
 * @prefix: N of $N: the target's own version cut to its first N (1 to 7)
 *	components
 * @value: the value
 */
struct migc_bound {
	enum migc_end end;
	unsigned int prefix;
	struct migc_value value;
};

/**
 * struct migc_alt - one alternative (clause 5.6)
 * @kind: a value, $, $N or a range
 * @prefix: N of $N
 * @value: the value
 * @lo: the low end of a range
 * @hi: its high end; the two are not both open
 */
struct migc_alt {
	enum migc_alt_kind kind;
	unsigned int prefix;
	struct migc_value value;
	struct migc_bound lo;
	struct migc_bound hi;
};

enum migc_op {
	MIGC_OP_EQUALS = 1,	/* key=A1|A2|... */
	MIGC_OP_SUBSET,		/* key<=X, X a set or $ */
	MIGC_OP_SUPERSET,	/* key>=X */
	MIGC_OP_ANY,		/* key=*: any value, the key understood (spec 1.1) */
};

/**
 * struct migc_constraint - one constraint of an accept line
 * @key: the constrained key
 * @op: the form
 * @alts: the alternatives of an equals constraint, in the order to write;
 *	for subset and superset the one operand, a set value or $; none for
 *	key=*
 * @nr_alts: how many
 */
struct migc_constraint {
	const char *key;
	enum migc_op op;
	const struct migc_alt *alts;
	unsigned int nr_alts;
};

/**
 * struct migc_rule - an accept line: its constraints, in any order
 * @constraints: the constraints
 * @nr: how many
 */
struct migc_rule {
	const struct migc_constraint *constraints;
	unsigned int nr;
};

/**
 * struct migc_emitter - the state of one attribute being written
 *
 * Set up by migc_version_begin(), migc_compatible_begin() or their _buf()
 * forms; its members are the helper's.
 */
struct migc_emitter {
	/* private: */
	char *buf;
	int len;		/* the attribute's length so far, written or not */
	int limit;		/* the longest text the buffer holds before its NUL */
	int short_err;		/* longer than limit, not than MIGC_MAX_BYTES */
	int err;
	int state;
	unsigned int line;	/* the line being written, from 1: for pr_debug() */
	const struct migc_field *fixed;
	unsigned int nr_fixed;
};

/*
 * Initializers. A macro that takes one value takes it as its last argument,
 * "...", because an expanded value holds commas: MIGC_FROM(MIGC_VERSION(1, 0)).
 */

/*
 * Values: .value = MIGC_INT(4). Integers and version components are u64, as
 * clause 5.3 has no negative numbers: a negative int converts, as C converts
 * it, to a huge valid value (-1 is written 18446744073709551615), which no
 * tool can tell from an intended one. Pass only values that are never
 * negative, or check them first.
 */
#define MIGC_TOKEN(s)		{ .type = MIGC_TYPE_TOKEN, .token = (s) }
#define MIGC_INT(n)		{ .type = MIGC_TYPE_INT, .integer = (n) }
#define MIGC_RATIO(n, d)	{ .type = MIGC_TYPE_RATIO, .ratio = { (n), (d) } }
/* A version from its components: MIGC_VERSION(1, 0) is 1.0. */
#define MIGC_VERSION(...)						\
	MIGC_VERSION_OF(((const u64[]){ __VA_ARGS__ }),			\
			sizeof((const u64[]){ __VA_ARGS__ }) / sizeof(u64))
#define MIGC_VERSION_OF(p, n)	{ .type = MIGC_TYPE_VERSION, .version = { (p), (n) } }
/*
 * The members names[i] of a table of count names whose bit i is set in mask.
 * A bit at or above count names no member and is refused (-EINVAL): a
 * capability the table cannot name would be left out of the set, and a
 * target would accept a stream that uses it. Clear such bits where leaving
 * them out is meant: mask & MIGC_NAMES_MASK(count).
 */
#define MIGC_SET_OF(names, count, mask)					\
	{ .type = MIGC_TYPE_SET, .set = { (names), (count), (mask) } }
/* The bits of the first count names of a table: 0 for none, every bit for 64 or more. */
#define MIGC_NAMES_MASK(count)						\
	((count) >= 64 ? ~0ULL : (1ULL << ((count) & 63)) - 1)
/*
 * Every member of a table of names. ARRAY_SIZE() reads only the type of
 * names (sizeof), so names is evaluated once; and it refuses a pointer.
 */
#define MIGC_SET(names)							\
	MIGC_SET_OF(names, ARRAY_SIZE(names), MIGC_NAMES_MASK(ARRAY_SIZE(names)))
#define MIGC_EMPTY_SET		MIGC_SET_OF(NULL, 0, 0)

/* Fields: MIGC_FIELD("aggregate", MIGC_INT(2)) */
#define MIGC_FIELD(k, ...)	{ .key = (k), .value = __VA_ARGS__ }
#define MIGC_IGNORABLE(k, ...)	{ .key = (k), .ignorable = 1, .value = __VA_ARGS__ }

/* Range ends */
#define MIGC_OPEN		{ .end = MIGC_END_OPEN }
#define MIGC_AT(...)		{ .end = MIGC_END_VALUE, .value = __VA_ARGS__ }
#define MIGC_AT_SELF		{ .end = MIGC_END_SELF }
#define MIGC_AT_PREFIX(n)	{ .end = MIGC_END_SELF_PREFIX, .prefix = (n) }

/* Alternatives */
#define MIGC_IS(...)		{ .kind = MIGC_ALT_VALUE, .value = __VA_ARGS__ }
#define MIGC_SELF		{ .kind = MIGC_ALT_SELF }
#define MIGC_SELF_PREFIX(n)	{ .kind = MIGC_ALT_SELF_PREFIX, .prefix = (n) }
/* A range from two bounds: MIGC_RANGE_OF(MIGC_AT_PREFIX(1), MIGC_AT_PREFIX(2)) is $1..$2 */
#define MIGC_RANGE_OF(l, h)	{ .kind = MIGC_ALT_RANGE, .lo = l, .hi = h }
#define MIGC_RANGE(l, h)	MIGC_RANGE_OF(MIGC_AT(l), MIGC_AT(h))
#define MIGC_FROM(...)		MIGC_RANGE_OF(MIGC_AT(__VA_ARGS__), MIGC_OPEN)
#define MIGC_UPTO(...)		MIGC_RANGE_OF(MIGC_OPEN, MIGC_AT(__VA_ARGS__))
#define MIGC_FROM_UPTO_SELF(...) MIGC_RANGE_OF(MIGC_AT(__VA_ARGS__), MIGC_AT_SELF)
#define MIGC_UPTO_SELF		MIGC_RANGE_OF(MIGC_OPEN, MIGC_AT_SELF)

/* An accept line from an array of constraints: MIGC_RULE(foo_rule) */
#define MIGC_RULE(array)	{ .constraints = (array), .nr = ARRAY_SIZE(array) }

/* Constraints: MIGC_EQUALS("type", MIGC_IS(MIGC_TOKEN("a")), MIGC_SELF) */
#define MIGC_ALTS(...)							\
	.alts = (const struct migc_alt[]){ __VA_ARGS__ },		\
	.nr_alts = sizeof((const struct migc_alt[]){ __VA_ARGS__ }) /	\
		   sizeof(struct migc_alt)
#define MIGC_EQUALS(k, ...)	{ .key = (k), .op = MIGC_OP_EQUALS, MIGC_ALTS(__VA_ARGS__) }
/* key=A1|A2|... from an array of n alternatives */
#define MIGC_EQUALS_OF(k, array, n)					\
	{ .key = (k), .op = MIGC_OP_EQUALS, .alts = (array), .nr_alts = (n) }
#define MIGC_SUBSET(k, x)	{ .key = (k), .op = MIGC_OP_SUBSET, MIGC_ALTS(x) }
#define MIGC_SUPERSET(k, x)	{ .key = (k), .op = MIGC_OP_SUPERSET, MIGC_ALTS(x) }
#define MIGC_ANY(k)		{ .key = (k), .op = MIGC_OP_ANY }

/*
 * ---- the implementation ----------------------------------------------------
 *
 * Static functions only (see the top of this file); they are the helper's,
 * not an interface. Clause numbers are those of the migcompat specification.
 */

enum { MIGC_STATE_IDLE, MIGC_STATE_VERSION, MIGC_STATE_COMPATIBLE };

/* Why an item is refused, as pr_debug() says it (migc_fail_at()). */
#define MIGC_WHY_KEY	"not a key: one or two lower-case names joined by a dot, at most 63 bytes (clause 5.2)"
#define MIGC_WHY_TWICE	"a key given twice on the line"
#define MIGC_WHY_TYPES	"alternatives or range ends of two types (clause 5.6)"
#define MIGC_WHY_PREFIX	"$N with N outside 1 to 7"
#define MIGC_WHY_NO_ARRAY "a count without an array (NULL)"

static_assert(offsetof(struct migc_field, key) == 0, "migc_key() reads the key first");
static_assert(offsetof(struct migc_constraint, key) == 0, "migc_key() reads the key first");

/* The upper-case hex digit of d (0 to 15): %XX escapes (clause 5.3.1). */
static inline char migc_hex(unsigned int d)
{
	return "0123456789ABCDEF"[d & 15];
}

/* The token alphabet of clause 5.3.1, without the dot. */
static inline bool migc_plain(u8 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '+' ||
	       c == '-';
}

/* ---- writing ---------------------------------------------------------- */

/*
 * Append n bytes, and a NUL after them as sysfs_emit() writes, when the text
 * so far and they fit the buffer; count them either way, so that migc_end()
 * tells a text too long for the buffer (short_err) from one too long for any
 * (-E2BIG). Once a text is too long, nothing more is written, and nothing
 * more is counted past MIGC_MAX_BYTES.
 */
static inline void migc_put(struct migc_emitter *e, const char *s, int n)
{
	if (e->err || e->len > MIGC_MAX_BYTES)
		return;
	if (n <= e->limit - e->len) {
		memcpy(e->buf + e->len, s, n);
		e->buf[e->len + n] = '\0';
	}
	e->len += n;
}

static inline void migc_puts(struct migc_emitter *e, const char *s)
{
	migc_put(e, s, strlen(s));
}

static inline void migc_put_u64(struct migc_emitter *e, u64 v)
{
	char digits[24];

	migc_put(e, digits, snprintf(digits, sizeof(digits), "%llu",
				     (unsigned long long)v));
}

/* A token or set member, %XX-escaped (clause 5.3.1). */
static inline void migc_put_text(struct migc_emitter *e, const char *s)
{
	char escape[3] = { '%' };
	const char *run = s;

	for (; *s; s++) {
		u8 c = *s;

		if (migc_plain(c) || c == '.')
			continue;
		migc_put(e, run, s - run);
		escape[1] = migc_hex(c >> 4);
		escape[2] = migc_hex(c);
		migc_put(e, escape, 3);
		run = s + 1;
	}
	migc_put(e, run, s - run);
}

/* ---- values ----------------------------------------------------------- */

static inline u64 migc_gcd(u64 a, u64 b)
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
static inline int migc_ratio_cmp(u64 a, u64 b, u64 c, u64 d)
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

static inline int migc_next(struct migc_cursor *c)
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
		return migc_hex(b >> 4);
	}
	c->step = 0;
	c->s++;
	return migc_hex(b);
}

/* Compare two texts by the bytes of their escaped forms. */
static inline int migc_text_cmp(const char *a, const char *b)
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
static inline bool migc_text_ok(const char *s, bool member)
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
static inline bool migc_key_ok(const char *k)
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

static inline bool migc_member(const struct migc_value *v, unsigned int i)
{
	return (v->set.mask >> i) & 1;
}

static inline bool migc_has_member(const struct migc_value *v, const char *name)
{
	unsigned int i;

	for (i = 0; i < v->set.count; i++)
		if (migc_member(v, i) && !strcmp(v->set.names[i], name))
			return true;
	return false;
}

/* NULL when a valid attribute can hold the value; else why none can. */
static inline const char *migc_value_fault(const struct migc_value *v)
{
	unsigned int i, j;

	switch (v->type) {
	case MIGC_TYPE_TOKEN:
		return migc_text_ok(v->token, false) ? NULL :
		       "not a token: printable ASCII, dots between segments, not digits and dots alone, at most 255 bytes written (clause 5.3.1)";
	case MIGC_TYPE_INT:
		return NULL;
	case MIGC_TYPE_VERSION:
		return v->version.parts && v->version.count >= MIGC_MIN_PARTS &&
		       v->version.count <= MIGC_MAX_PARTS ? NULL :
		       "a version has 2 to 8 components (clause 5.3.3)";
	case MIGC_TYPE_RATIO:
		return v->ratio.den ? NULL : "a ratio's denominator is 0";
	case MIGC_TYPE_SET:
		if (v->set.count > MIGC_MAX_MEMBERS)
			return "a set's names table has more than 64 entries";
		if (v->set.count && !v->set.names)
			return "a set's names table is NULL";
		if (v->set.count < MIGC_MAX_MEMBERS && v->set.mask >> v->set.count)
			return "a set's mask has a bit at or above its table's count: a member with no name";
		for (i = 0; i < v->set.count; i++) {
			if (!migc_member(v, i))
				continue;
			if (!migc_text_ok(v->set.names[i], true))
				return "a set member that is not a token's text (clause 5.3.5)";
			for (j = 0; j < i; j++)
				if (migc_member(v, j) &&
				    !strcmp(v->set.names[i], v->set.names[j]))
					return "a set member given twice";
		}
		return NULL;
	}
	return "no value type (MIGC_TYPE_...)";
}

/* 0 when a valid attribute can hold the value, -EINVAL when none can. */
static inline int migc_value_check(const struct migc_value *v)
{
	return migc_value_fault(v) ? -EINVAL : 0;
}

/* Equal as data model values (clause 5.1): of one type, and equal. */
static inline bool migc_value_eq(const struct migc_value *a, const struct migc_value *b)
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

static inline bool migc_ordered(enum migc_type type)
{
	return type == MIGC_TYPE_INT || type == MIGC_TYPE_VERSION ||
	       type == MIGC_TYPE_RATIO;
}

/* a against b, of one ordered type (clauses 5.3.2 to 5.3.4). */
static inline int migc_order(const struct migc_value *a, const struct migc_value *b)
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

static inline void migc_put_set(struct migc_emitter *e, const struct migc_value *v)
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

static inline void migc_put_value(struct migc_emitter *e, const struct migc_value *v)
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

/*
 * Record the first error, and say why with pr_debug(): the line (its number
 * and what it is; for a fault of no line, line 0, what the call is), the
 * item at fault (from 1; 0 for the line as a whole) with its key when the
 * key is valid, the fault and the errno. pr_debug() is
 * compiled out unless the driver's file is built with DEBUG, or is turned on
 * by dynamic debug ("module foo +p" in
 * /sys/kernel/debug/dynamic_debug/control; the call sites are this
 * header's, so "file migcompat_emit.h +p" turns on those of every driver
 * that copied it, and "file foo_main.c +p" none); the errno stays the answer.
 */
static inline void migc_fail_at(struct migc_emitter *e, int err, const char *what,
				unsigned int item, const char *key, const char *why)
{
	bool named = key && migc_key_ok(key);

	if (e->err)
		return;
	e->err = err;
	if (!e->line)
		pr_debug("migcompat_emit: %s: %s (%d)\n", what, why, err);
	else if (item)
		pr_debug("migcompat_emit: line %u (%s), item %u%s%s%s: %s (%d)\n",
			 e->line, what, item, named ? " (" : "", named ? key : "",
			 named ? ")" : "", why, err);
	else
		pr_debug("migcompat_emit: line %u (%s): %s (%d)\n", e->line, what, why, err);
}

/* The key of item i of an array of fields or constraints (key first). */
static inline const char *migc_key(const void *items, size_t size, unsigned int i)
{
	return *(const char *const *)((const char *)items + i * size);
}

/*
 * Check the keys of a line: valid and distinct. 1 when they are in byte
 * order already, 0 when not, or -EINVAL with the item at fault in *at
 * (its key is not valid, or an earlier item has it).
 */
static inline int migc_keys_check(const void *items, size_t size, unsigned int n,
				  unsigned int *at)
{
	unsigned int i, j;
	int sorted = 1;

	for (i = 0; i < n; i++) {
		*at = i;
		if (!migc_key_ok(migc_key(items, size, i)))
			return -EINVAL;
		if (i && strcmp(migc_key(items, size, i - 1),
				migc_key(items, size, i)) >= 0)
			sorted = 0;
	}
	for (i = 0; !sorted && i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(migc_key(items, size, i),
				    migc_key(items, size, j))) {
				*at = i;
				return -EINVAL;
			}
	return sorted;
}

/* Why migc_keys_check() refused item at. */
static inline const char *migc_keys_fault(const void *items, size_t size, unsigned int at)
{
	return migc_key_ok(migc_key(items, size, at)) ? MIGC_WHY_TWICE : MIGC_WHY_KEY;
}

/* The item with the least key above prev (the least key when prev is NULL). */
static inline unsigned int migc_next_key(const void *items, size_t size,
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

/*
 * Check a line's fields; 1 or 0 as migc_keys_check(), or an error with why
 * in *why and the field at fault in *at (0 for the line as a whole, else
 * from 1).
 */
static inline int migc_fields_check(const struct migc_field *f, unsigned int n,
				    bool marks, unsigned int *at, const char **why)
{
	unsigned int i;
	int sorted;

	*at = 0;
	if (n && !f) {
		*why = MIGC_WHY_NO_ARRAY;
		return -EINVAL;
	}
	if (n > MIGC_MAX_ITEMS) {
		*why = "more fields than MIGC_MAX_ITEMS";
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		*why = migc_value_fault(&f[i].value);
		if (!*why && f[i].ignorable && !marks)
			*why = "~ on a default line: its keys carry no mark (clause 5.4)";
		if (*why) {
			*at = i + 1;
			return -EINVAL;
		}
	}
	sorted = migc_keys_check(f, sizeof(*f), n, &i);
	if (sorted < 0) {
		*at = i + 1;
		*why = migc_keys_fault(f, sizeof(*f), i);
	}
	return sorted;
}

static inline void migc_put_field(struct migc_emitter *e, const struct migc_field *f)
{
	migc_put(e, f->ignorable ? " ~" : " ", f->ignorable ? 2 : 1);
	migc_puts(e, f->key);
	migc_put(e, "=", 1);
	migc_put_value(e, &f->value);
}

static inline void migc_put_fields(struct migc_emitter *e, const struct migc_field *f,
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

static inline bool migc_is_fixed(const struct migc_emitter *e, const char *key)
{
	unsigned int i;

	for (i = 0; i < e->nr_fixed; i++)
		if (!strcmp(e->fixed[i].key, key))
			return true;
	return false;
}

/* Record type as the constraint's type, or say it differs from it. */
static inline bool migc_same_type(enum migc_type *type, enum migc_type t)
{
	if (!*type)
		*type = t;
	return *type == t;
}

static inline bool migc_prefix_ok(unsigned int n)
{
	return n >= 1 && n < MIGC_MAX_PARTS;
}

/*
 * A range end: a value of an ordered type and of the constraint's, $ or $N.
 * NULL when it is one, else why not.
 */
static inline const char *migc_bound_fault(const struct migc_bound *b, enum migc_type *type)
{
	const char *why;

	switch (b->end) {
	case MIGC_END_OPEN:
	case MIGC_END_SELF:
		return NULL;
	case MIGC_END_SELF_PREFIX:	/* a version: the target's, cut */
		if (!migc_prefix_ok(b->prefix))
			return MIGC_WHY_PREFIX;
		return migc_same_type(type, MIGC_TYPE_VERSION) ? NULL : MIGC_WHY_TYPES;
	case MIGC_END_VALUE:
		why = migc_value_fault(&b->value);
		if (why)
			return why;
		if (!migc_ordered(b->value.type))
			return "a range end is an integer, a version or a ratio";
		return migc_same_type(type, b->value.type) ? NULL : MIGC_WHY_TYPES;
	}
	return "a range end is open, a value, $ or $N (MIGC_END_...)";
}

static inline bool migc_bound_eq(const struct migc_bound *a, const struct migc_bound *b)
{
	if (a->end != b->end)
		return false;
	if (a->end == MIGC_END_VALUE)
		return migc_value_eq(&a->value, &b->value);
	return a->end != MIGC_END_SELF_PREFIX || a->prefix == b->prefix;
}

static inline bool migc_alt_eq(const struct migc_alt *a, const struct migc_alt *b)
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

/* One alternative of an equals constraint (clause 5.6): NULL, or why it is not one. */
static inline const char *migc_alt_fault(const struct migc_alt *a, enum migc_type *type)
{
	const char *why;

	switch (a->kind) {
	case MIGC_ALT_VALUE:
		why = migc_value_fault(&a->value);
		if (why)
			return why;
		return migc_same_type(type, a->value.type) ? NULL : MIGC_WHY_TYPES;
	case MIGC_ALT_SELF:
		return NULL;
	case MIGC_ALT_SELF_PREFIX:
		if (!migc_prefix_ok(a->prefix))
			return MIGC_WHY_PREFIX;
		return migc_same_type(type, MIGC_TYPE_VERSION) ? NULL : MIGC_WHY_TYPES;
	case MIGC_ALT_RANGE:
		if (a->lo.end == MIGC_END_OPEN && a->hi.end == MIGC_END_OPEN)
			return "a range open at both ends";
		why = migc_bound_fault(&a->lo, type);
		if (!why)
			why = migc_bound_fault(&a->hi, type);
		if (why)
			return why;
		/* Written ranges are not empty (empty-range). */
		if (a->lo.end == MIGC_END_VALUE && a->hi.end == MIGC_END_VALUE &&
		    migc_order(&a->lo.value, &a->hi.value) > 0)
			return "an empty range: its low end is above its high end";
		return NULL;
	}
	return "an alternative is a value, $, $N or a range (MIGC_ALT_...)";
}

/* The alternatives of an equals constraint: valid, of one type, distinct. */
static inline const char *migc_alts_fault(const struct migc_alt *alts, unsigned int n)
{
	enum migc_type type = 0;
	const char *why;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		why = migc_alt_fault(&alts[i], &type);
		if (why)
			return why;
		for (j = 0; j < i; j++)
			if (migc_alt_eq(&alts[j], &alts[i]))
				return "an alternative given twice";
	}
	return NULL;
}

/*
 * NULL when a valid attribute can hold the constraint; else why not, and
 * the errno in *err: -E2BIG for more alternatives than MIGC_MAX_ALTS, found
 * before they are checked, -EINVAL for the rest.
 */
static inline const char *migc_constraint_fault(const struct migc_constraint *c, int *err)
{
	const struct migc_alt *x = c->alts;

	*err = -EINVAL;
	if (!migc_key_ok(c->key))
		return MIGC_WHY_KEY;
	if (c->op == MIGC_OP_ANY)
		return c->nr_alts ? "key=* has no alternatives" : NULL;
	if (!x || !c->nr_alts)
		return "a constraint without alternatives";
	if (c->nr_alts > MIGC_MAX_ALTS) {
		*err = -E2BIG;
		return "more alternatives than MIGC_MAX_ALTS";
	}
	if (c->op == MIGC_OP_EQUALS)
		return migc_alts_fault(x, c->nr_alts);
	if (c->op != MIGC_OP_SUBSET && c->op != MIGC_OP_SUPERSET)
		return "not a constraint's form (MIGC_OP_...)";
	if (c->nr_alts != 1)
		return "<= and >= take one operand";
	if (x->kind == MIGC_ALT_SELF)
		return NULL;
	if (x->kind == MIGC_ALT_VALUE && x->value.type == MIGC_TYPE_SET)
		return migc_value_fault(&x->value);
	return "the operand of <= and >= is a set or $, never $N (clause 5.6)";
}

static inline void migc_put_prefix(struct migc_emitter *e, unsigned int n)
{
	char text[2] = { '$', '0' + n };

	migc_put(e, text, 2);
}

static inline void migc_put_bound(struct migc_emitter *e, const struct migc_bound *b)
{
	if (b->end == MIGC_END_VALUE)
		migc_put_value(e, &b->value);
	else if (b->end == MIGC_END_SELF)
		migc_put(e, "$", 1);
	else if (b->end == MIGC_END_SELF_PREFIX)
		migc_put_prefix(e, b->prefix);
}

static inline void migc_put_constraint(struct migc_emitter *e,
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

/* ---- starting a line -------------------------------------------------- */

/*
 * Start an attribute in buf, of size bytes: at most size - 1 of text (and
 * MIGC_MAX_BYTES), then a NUL. A text longer than that, but not than
 * MIGC_MAX_BYTES, gives short_err.
 */
static inline void migc_begin(struct migc_emitter *e, char *buf, size_t size,
			      int short_err, int state)
{
	e->buf = size ? buf : NULL;	/* not even room for the NUL: no buffer */
	e->len = 0;
	e->limit = size && size - 1 < MIGC_MAX_BYTES ? size - 1 : MIGC_MAX_BYTES;
	e->short_err = short_err;
	e->err = 0;
	e->state = state;
	e->line = 0;
	e->fixed = NULL;
	e->nr_fixed = 0;
	if (buf && size)
		buf[0] = '\0';
	else
		migc_fail_at(e, -EINVAL, "migc_*_begin()", 0, NULL, "the buffer is NULL or its size is 0");
}

/* The page of a show(): PAGE_SIZE bytes, which sysfs_emit() fills but one. */
static inline void migc_begin_page(struct migc_emitter *e, char *buf, int state)
{
	migc_begin(e, buf, PAGE_SIZE, -E2BIG, state);
}

static inline void migc_version_start(struct migc_emitter *e,
				      const struct migc_field *fields, unsigned int nr)
{
	const char *why = "no field: a migration_version has at least one (clause 4.2)";
	unsigned int at = 0;
	int sorted;

	if (e->err)
		return;
	e->line = 1;
	sorted = nr ? migc_fields_check(fields, nr, true, &at, &why) : -EINVAL;
	if (sorted < 0) {
		migc_fail_at(e, sorted, "migration_version", at,
			     at ? fields[at - 1].key : NULL, why);
		return;
	}
	e->fixed = fields;
	e->nr_fixed = nr;
	migc_put(e, "mc1", 3);
	migc_put_fields(e, fields, nr, sorted);
	migc_put(e, "\n", 1);
}

static inline void migc_compatible_start(struct migc_emitter *e,
					 const struct migc_field *defaults,
					 unsigned int nr)
{
	unsigned int at;
	const char *why;
	int sorted;

	if (e->err)
		return;
	e->line = 2;
	sorted = migc_fields_check(defaults, nr, false, &at, &why);
	if (sorted < 0) {
		migc_fail_at(e, sorted, "default", at, at ? defaults[at - 1].key : NULL, why);
		return;
	}
	e->line = nr ? 2 : 1;
	migc_put(e, "mc1\n", 4);
	if (!nr)
		return;
	migc_put(e, "default", 7);
	migc_put_fields(e, defaults, nr, sorted);
	migc_put(e, "\n", 1);
}

/* ---- the interface: what a driver calls ------------------------------- */

/*
 * migration_version: the header line with the fixed fields (at least one),
 * then any number of param lines (a device type's template, clause 5.5).
 * @fields must stay valid until migc_end(): param lines are checked against
 * them. migc_version_begin() writes into @buf, the page of a show();
 * migc_version_begin_buf() into a buffer of @size bytes that the driver owns
 * (the text and a NUL; see the top of this file).
 */
static inline void migc_version_begin(struct migc_emitter *e, char *buf,
				      const struct migc_field *fields, unsigned int nr)
{
	migc_begin_page(e, buf, MIGC_STATE_VERSION);
	migc_version_start(e, fields, nr);
}

static inline void migc_version_begin_buf(struct migc_emitter *e, char *buf, size_t size,
					  const struct migc_field *fields, unsigned int nr)
{
	migc_begin(e, buf, size, -EOVERFLOW, MIGC_STATE_VERSION);
	migc_version_start(e, fields, nr);
}

/* A param line: the parameter's value @param and the fields it gives. */
static inline void migc_version_param(struct migc_emitter *e, const struct migc_field *param,
				      const struct migc_field *fields, unsigned int nr)
{
	const char *why = NULL;
	unsigned int i, at;
	int sorted;

	if (e->err)
		return;
	e->line++;
	if (e->state != MIGC_STATE_VERSION || !param) {
		migc_fail_at(e, -EINVAL, "param", 0, NULL,
			     param ? "migc_version_param() outside a migration_version" :
			     "the parameter is NULL");
		return;
	}
	/* The parameter is item 1, the fields it sets items 2 on. */
	sorted = migc_fields_check(fields, nr, true, &at, &why);
	if (sorted < 0) {
		migc_fail_at(e, sorted, "param", at ? at + 1 : 0,
			     at ? fields[at - 1].key : NULL, why);
		return;
	}
	at = 1;
	why = migc_key_ok(param->key) ? migc_value_fault(&param->value) : MIGC_WHY_KEY;
	if (!why && migc_is_fixed(e, param->key))
		why = "a key of the header line (clause 5.5)";
	for (i = 0; !why && i < nr; i++) {
		at = i + 2;
		if (!strcmp(fields[i].key, param->key))
			why = "the parameter's key, set again";
		else if (migc_is_fixed(e, fields[i].key))
			why = "a key of the header line (clause 5.5)";
	}
	if (why) {
		migc_fail_at(e, -EINVAL, "param", at,
			     at == 1 ? param->key : fields[at - 2].key, why);
		return;
	}
	migc_put(e, "param", 5);
	migc_put_field(e, param);
	migc_put_fields(e, fields, nr, sorted);
	migc_put(e, "\n", 1);
}

/*
 * migration_compatible_devices: the header line and the default line (none
 * when @nr is 0), then one accept line per migc_compatible_rule() call.
 * migc_compatible_begin() writes into @buf, the page of a show();
 * migc_compatible_begin_buf() into a buffer of @size bytes that the driver
 * owns.
 */
static inline void migc_compatible_begin(struct migc_emitter *e, char *buf,
					 const struct migc_field *defaults, unsigned int nr)
{
	migc_begin_page(e, buf, MIGC_STATE_COMPATIBLE);
	migc_compatible_start(e, defaults, nr);
}

static inline void migc_compatible_begin_buf(struct migc_emitter *e, char *buf,
					     size_t size,
					     const struct migc_field *defaults,
					     unsigned int nr)
{
	migc_begin(e, buf, size, -EOVERFLOW, MIGC_STATE_COMPATIBLE);
	migc_compatible_start(e, defaults, nr);
}

/* An accept line: the constraints of one rule, in any order. */
static inline void migc_compatible_rule(struct migc_emitter *e,
					const struct migc_constraint *constraints,
					unsigned int nr)
{
	const char *prev = NULL, *why = NULL;
	unsigned int i, k, at = 0;
	int sorted = 0;

	if (e->err)
		return;
	e->line++;
	if (e->state != MIGC_STATE_COMPATIBLE) {
		why = "migc_compatible_rule() outside a migration_compatible_devices";
		sorted = -EINVAL;
	} else if (nr && !constraints) {
		why = MIGC_WHY_NO_ARRAY;
		sorted = -EINVAL;
	} else if (nr > MIGC_MAX_ITEMS) {
		why = "more constraints than MIGC_MAX_ITEMS";
		sorted = -E2BIG;
	}
	/* The count limits come before any constraint's content (-E2BIG, as documented). */
	for (i = 0; !why && i < nr; i++) {
		if (constraints[i].nr_alts > MIGC_MAX_ALTS) {
			why = "more alternatives than MIGC_MAX_ALTS";
			sorted = -E2BIG;
			at = i + 1;
		}
	}
	for (i = 0; !why && i < nr; i++) {
		why = migc_constraint_fault(&constraints[i], &sorted);
		at = i + 1;
	}
	if (!why) {
		sorted = migc_keys_check(constraints, sizeof(*constraints), nr, &i);
		if (sorted < 0) {
			at = i + 1;
			why = migc_keys_fault(constraints, sizeof(*constraints), i);
		}
	}
	if (why) {
		migc_fail_at(e, sorted, "accept", at, at ? constraints[at - 1].key : NULL, why);
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

/*
 * The end of an attribute, and in the show()-time form what show() returns:
 * the attribute's length in bytes, or the first error:
 * -EINVAL for a value, key or call sequence no valid attribute can hold (or
 * no buffer), -E2BIG when the attribute is longer than MIGC_MAX_BYTES or,
 * from migc_*_begin(), than PAGE_SIZE - 1, or when a line or constraint has
 * more items than MIGC_MAX_ITEMS or MIGC_MAX_ALTS (found before the line's
 * content is checked); from migc_*_begin_buf(), -EOVERFLOW when the text is
 * valid and within MIGC_MAX_BYTES but longer than the buffer's size less
 * one. On an error the buffer holds the empty string: a driver renders into
 * a scratch buffer and publishes only a text that rendered. Called on an
 * emitter that no migc_*_begin() set up, it returns -EINVAL only if the
 * emitter was zero-initialised (struct migc_emitter e = {}); one left
 * uninitialised is undefined behaviour, as for any C object.
 */
static inline ssize_t migc_end(struct migc_emitter *e)
{
	if (!e->err)
		e->line = 0;	/* what is left is the attribute's, not a line's */
	if (!e->err && e->state != MIGC_STATE_VERSION &&
	    e->state != MIGC_STATE_COMPATIBLE)
		migc_fail_at(e, -EINVAL, "migc_end()", 0, NULL, "migc_end() without a migc_*_begin()");
	else if (!e->err && e->len > MIGC_MAX_BYTES)
		migc_fail_at(e, -E2BIG, "migc_end()", 0, NULL,
			     "the attribute is longer than MIGC_MAX_BYTES (4095 with its final LF)");
	else if (!e->err && e->len > e->limit)
		migc_fail_at(e, e->short_err, "migc_end()", 0, NULL,
			     e->short_err == -E2BIG ? "the attribute is longer than PAGE_SIZE - 1" :
			     "the buffer is too small for the text and its NUL");
	if (!e->err)
		return e->len;
	if (e->buf)
		e->buf[0] = '\0';
	return e->err;
}

/**
 * migc_render_version() - build a migration_version of one line
 * @buf: the driver's buffer
 * @size: its size in bytes; MIGC_BUF_SIZE holds every attribute
 * @fields: the fields, in any order (at least one)
 * @nr: how many
 *
 * For registration and reconfiguration: the text and a NUL go into @buf, a
 * scratch buffer the driver then copies into the one show() reads, under
 * show()'s lock, only on success (see the top of this file); show() is
 * sysfs_emit(buf, "%s", text), or -ENODATA while there is no text. Never
 * writes past @size, and looks at MIGC_MAX_BYTES, not PAGE_SIZE.
 *
 * Return: the text's length, or -EINVAL, -E2BIG or -EOVERFLOW as migc_end().
 */
static inline ssize_t migc_render_version(char *buf, size_t size,
					  const struct migc_field *fields,
					  unsigned int nr)
{
	struct migc_emitter e;

	migc_version_begin_buf(&e, buf, size, fields, nr);
	return migc_end(&e);
}

/**
 * migc_render_compatible() - build a migration_compatible_devices
 * @buf: the driver's buffer
 * @size: its size in bytes; MIGC_BUF_SIZE holds every attribute
 * @defaults: the fields of the default line, in any order
 * @nr_defaults: how many (0: no default line)
 * @rules: the accept lines, in the order to write (MIGC_RULE(array) each)
 * @nr_rules: how many
 *
 * As migc_render_version().
 *
 * Return: the text's length, or -EINVAL, -E2BIG or -EOVERFLOW as migc_end().
 */
static inline ssize_t migc_render_compatible(char *buf, size_t size,
					     const struct migc_field *defaults,
					     unsigned int nr_defaults,
					     const struct migc_rule *rules,
					     unsigned int nr_rules)
{
	struct migc_emitter e;
	unsigned int i;

	migc_compatible_begin_buf(&e, buf, size, defaults, nr_defaults);
	if (nr_rules && !rules && !e.err) {
		e.line = 0;
		migc_fail_at(&e, -EINVAL, "migc_render_compatible()", 0, NULL,
			     "rules: " MIGC_WHY_NO_ARRAY);
	}
	for (i = 0; i < nr_rules && !e.err; i++)
		migc_compatible_rule(&e, rules[i].constraints, rules[i].nr);
	return migc_end(&e);
}

#endif /* _MIGCOMPAT_EMIT_H */
