/* SPDX-License-Identifier: MIT */
/*
 * migcompat_emit.h - write the migcompat attributes from a sysfs show()
 *
 * A driver copies migcompat_emit.h and migcompat_emit.c into its source tree
 * (or, one day, finds them in the VFIO core) and writes migration_version and
 * migration_compatible_devices (specification clause 10.5) with them:
 *
 *	struct migc_emitter e;
 *	const struct migc_field fields[] = {
 *		MIGC_FIELD("driver", MIGC_TOKEN("foo")),
 *		MIGC_FIELD("device_api", MIGC_TOKEN("vfio-pci")),
 *		MIGC_IGNORABLE("name", MIGC_TOKEN("Foo 2 ports")),
 *		MIGC_FIELD("share", MIGC_RATIO(2, 8)),
 *	};
 *
 *	migc_version_begin(&e, buf, fields, ARRAY_SIZE(fields));
 *	return migc_end(&e);
 *
 * writes "mc1 device_api=vfio-pci driver=foo ~name=Foo%202%20ports
 * share=1/4\n". The helper does what every driver would otherwise do by hand:
 *
 *  - canonical form (clause 6): keys in byte order on every line, set members
 *    in byte order, one SP between items, one LF after every line; the
 *    alternatives of a constraint, the param lines and the rules stay in the
 *    order the driver gives;
 *  - values (clause 5.3): tokens and set members are given as plain C strings
 *    and written with %XX escapes (5.3.1); ratios are reduced (5.3.4);
 *  - validity: a key, token, set, version, range or constraint that no valid
 *    attribute can hold, a key twice on a line, a param line's key that is
 *    also a fixed field, gives -EINVAL;
 *  - the page: an attribute longer than MIGC_MAX_BYTES, or than the page less
 *    the byte sysfs_emit() keeps for its NUL, gives -E2BIG. show() never hands
 *    out a cut attribute.
 *
 * Nothing is allocated: the driver describes each line in arrays (on its
 * stack or in its state) and struct migc_emitter holds the rest. Errors are
 * sticky: after the first, every call does nothing and migc_end() returns it.
 * A line costs time linear in its length when the driver gives its keys in
 * byte order, and quadratic in its number of keys otherwise (at most about a
 * thousand fit in a page); the members of a set (at most 64) and the
 * alternatives of a constraint are compared pairwise, for order and for
 * duplicates.
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

#include <linux/kernel.h>	/* ARRAY_SIZE() for MIGC_SET() */
#include <linux/types.h>

/*
 * The largest attribute, its final LF included: what sysfs_emit() can
 * deliver from a 4096-byte page (specification 1.1, clause 4.4).
 */
#define MIGC_MAX_BYTES		4095
#define MIGC_MAX_KEY		63	/* bytes of a key, namespace and dot included */
#define MIGC_MAX_TOKEN		255	/* bytes of a token or set member, as escaped */
#define MIGC_MAX_MEMBERS	64	/* members of a set: one bit each of a u64 */
#define MIGC_MIN_PARTS		2	/* components of a version */
#define MIGC_MAX_PARTS		8

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
 * @ignorable: written ~key=value (clause 5.4); never on a default line
 */
struct migc_field {
	const char *key;
	struct migc_value value;
	bool ignorable;
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
 * struct migc_emitter - the state of one attribute being written
 *
 * Set up by migc_version_begin() or migc_compatible_begin(); its members are
 * the helper's.
 */
struct migc_emitter {
	char *buf;
	int len;
	int limit;
	int err;
	int state;
	const struct migc_field *fixed;
	unsigned int nr_fixed;
};

/*
 * Initializers. A macro that takes one value takes it as its last argument,
 * "...", because an expanded value holds commas: MIGC_FROM(MIGC_VERSION(1, 0)).
 */

/* Values: .value = MIGC_INT(4) */
#define MIGC_TOKEN(s)		{ .type = MIGC_TYPE_TOKEN, .token = (s) }
#define MIGC_INT(n)		{ .type = MIGC_TYPE_INT, .integer = (n) }
#define MIGC_RATIO(n, d)	{ .type = MIGC_TYPE_RATIO, .ratio = { (n), (d) } }
/* A version from its components: MIGC_VERSION(1, 0) is 1.0. */
#define MIGC_VERSION(...)						\
	MIGC_VERSION_OF(((const u64[]){ __VA_ARGS__ }),			\
			sizeof((const u64[]){ __VA_ARGS__ }) / sizeof(u64))
#define MIGC_VERSION_OF(p, n)	{ .type = MIGC_TYPE_VERSION, .version = { (p), (n) } }
/* The members names[i] of a table of count names whose bit i is set in mask. */
#define MIGC_SET_OF(names, count, mask)					\
	{ .type = MIGC_TYPE_SET, .set = { (names), (count), (mask) } }
/* Every member of a table of names. */
#define MIGC_SET(names)		MIGC_SET_OF(names, ARRAY_SIZE(names), ~0ULL)
#define MIGC_EMPTY_SET		MIGC_SET_OF(NULL, 0, 0)

/* Fields: MIGC_FIELD("aggregate", MIGC_INT(2)) */
#define MIGC_FIELD(k, ...)	{ .key = (k), .value = __VA_ARGS__ }
#define MIGC_IGNORABLE(k, ...)	{ .key = (k), .ignorable = true, .value = __VA_ARGS__ }

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
 * migration_version: the header line with the fixed fields (at least one),
 * then any number of param lines (a device type's template, clause 5.5).
 * @fields must stay valid until migc_end(): param lines are checked against
 * them.
 */
void migc_version_begin(struct migc_emitter *e, char *buf,
			const struct migc_field *fields, unsigned int nr);
void migc_version_param(struct migc_emitter *e, const struct migc_field *param,
			const struct migc_field *fields, unsigned int nr);

/*
 * migration_compatible_devices: the header line and the default line (none
 * when @nr is 0), then one accept line per migc_compatible_rule() call.
 */
void migc_compatible_begin(struct migc_emitter *e, char *buf,
			   const struct migc_field *defaults, unsigned int nr);
void migc_compatible_rule(struct migc_emitter *e,
			  const struct migc_constraint *constraints,
			  unsigned int nr);

/*
 * What show() returns: the attribute's length in bytes, or the first error:
 * -EINVAL for a value, key or call sequence no valid attribute can hold,
 * -E2BIG when the attribute does not fit (MIGC_MAX_BYTES, PAGE_SIZE - 1).
 */
ssize_t migc_end(struct migc_emitter *e);

#endif /* _MIGCOMPAT_EMIT_H */
