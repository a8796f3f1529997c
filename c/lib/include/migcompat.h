/* SPDX-License-Identifier: MIT */
/*
 * libmigcompat: parse and check the migcompat sysfs attributes in C.
 *
 * migcompat specifies two read-only sysfs attributes of a VFIO device:
 * migration_version (what a device or device type is) and
 * migration_compatible_devices (which sources a target accepts). This
 * library parses both into a fixed-size data model, rejects invalid
 * attributes with the specification's error codes, lines and columns
 * (clause 7) and names the likely slip of a syntax error, writes a parsed
 * attribute's canonical text (clause 6), and decides whether a target
 * accepts a source (clause 8): the verdict, its
 * grade, the matched rule, the reasons of the nearest rules and, for a
 * target device type, a choice of creation parameters.
 *
 * Contract, for every function here:
 *  - C11 and libc only; no function allocates memory. A struct mc_attr has
 *    a fixed size (sizeof(struct mc_attr), about 105 KiB) that holds any
 *    attribute within the page limit; a struct mc_verdict has a fixed size.
 *    Allocate them where you like (static, heap, a large enough stack).
 *  - Every input within the specification's limits is answered in bounded
 *    time: parsing is linear in the input; mc_check is at most
 *    proportional to the size of the rule set times the number of param
 *    lines of a target device type (no product of parameters is formed).
 *  - Inputs of any length and content are safe: an attribute longer than
 *    the page limit is rejected with "too-long" after one pass over it.
 *  - A struct mc_attr refers to its own copy of the text by offsets, so it
 *    can be copied with memcpy. It does not point into the caller's buffer.
 *    A struct mc_verdict refers to the attributes by index and offset too
 *    (struct mc_reason's key_in and key_off); only mc_reason.key is a
 *    pointer, with the lifetime stated there.
 *  - Memory: keep struct mc_attr (about 105 KiB) and struct mc_verdict off
 *    small stacks: allocate them (malloc, g_new0) or make them static per
 *    thread. The functions' own stack use is bounded, as no function
 *    recurses and every buffer has a fixed size: plan for at most 32 KiB
 *    for mc_check and 12 KiB for mc_parse and every other function. Measured
 *    on x86-64 with gcc 12 at -O0 to -O2 (tests/threads.c, with a thread's
 *    own start-up included): mc_check against a device type (the deepest
 *    calls, through its parameters) 24 to 27 KiB, against a device 9 KiB,
 *    mc_parse 9 KiB; -fstack-usage gives the largest frames, decide_type
 *    with 17 KiB. A glibc thread also keeps its TLS and start-up (about
 *    4 KiB) in the stack given to pthread_attr_setstacksize(): with them,
 *    a check against a device type needed 30 to 31 KiB there at -O2 with
 *    the distribution's hardening flags (-fstack-protector-strong,
 *    -fstack-clash-protection, -fcf-protection, _FORTIFY_SOURCE), so give
 *    48 KiB, not less. Sanitizer
 *    builds use more (64 KiB under AddressSanitizer). A thread with musl's
 *    128 KiB default stack has room; a 16 KiB coroutine stack does not.
 *  - Threads: the library has no global or static mutable state. Calls may
 *    run concurrently in any number of threads when every object a call
 *    writes (the struct mc_attr of mc_parse, the struct mc_verdict of
 *    mc_check, the buffer of mc_emit, mc_reason_format or mc_syntax_hint)
 *    is that call's alone; the const inputs (a parsed rule set and own description checked
 *    against many sources at once, say) may be shared by any number of
 *    concurrent calls, which only read them. Only a call that writes an
 *    object races with another call that reads or writes it.
 *
 * The version of this header is MC_API_VERSION; the shared library's soname
 * is libmigcompat.so.MC_API_VERSION (the Makefile reads it from here), so
 * libmigcompat.so.2. Struct layouts are part of the ABI: a change to them
 * bumps MC_API_VERSION, and with it the soname, and the release's major
 * number; a function added without a layout change raises the release's
 * minor number. Every exported function carries the symbol version
 * MIGCOMPAT_x.y of the release that added it (c/lib/libmigcompat.map), and
 * every change to the API or ABI is listed in the C section of the toolkit
 * changelog (docs/changelog.rst). The library's release is
 * MC_VERSION_STRING at compile time and mc_version() at run time.
 */
#ifndef MIGCOMPAT_H
#define MIGCOMPAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Marks the library's API functions, the only symbols the shared and the
 * static library export: both are built with -fvisibility=hidden, and the
 * static library's hidden symbols are made local. A program that compiles
 * the sources into itself may define MC_API (even as nothing) first.
 */
#ifndef MC_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define MC_API __attribute__((visibility("default")))
#else
#define MC_API
#endif
#endif

#define MC_API_VERSION 2

/*
 * The library's release, MAJOR.MINOR.PATCH. These three lines are the one
 * place it is written: c/lib/Makefile reads them for the shared library's
 * file name and for migcompat.pc, and mc_version() returns what they said
 * when the library was built. MC_VERSION_NUMBER is MAJOR * 10000 +
 * MINOR * 100 + PATCH (MINOR and PATCH stay below 100), for comparisons.
 */
#define MC_VERSION_MAJOR 2
#define MC_VERSION_MINOR 1
#define MC_VERSION_PATCH 0
#define MC_VERSION_NUMBER (MC_VERSION_MAJOR * 10000 + MC_VERSION_MINOR * 100 + MC_VERSION_PATCH)
#define MC_STRINGIFY_(x) #x
#define MC_STRINGIFY(x) MC_STRINGIFY_(x)
#define MC_VERSION_STRING \
	MC_STRINGIFY(MC_VERSION_MAJOR) "." MC_STRINGIFY(MC_VERSION_MINOR) "." MC_STRINGIFY(MC_VERSION_PATCH)

/*
 * The release of the library the program runs with, as the library was
 * built: its MC_VERSION_STRING and MC_VERSION_NUMBER ("2.1.0" and 20100
 * for release 2.1.0). Added in release 1.1. They may differ from the macros the program was
 * compiled with (a newer shared library of the same soname); a program that
 * needs a function of release x.y.z tests mc_version_number() >= its
 * number. They never fail; the string is static.
 */
MC_API const char *mc_version(void);
MC_API unsigned mc_version_number(void);

/* The format header this library implements, and the specification version. */
#define MC_HEADER "mc1"
#define MC_SPEC_VERSION "1.1"

/* ---- limits (specification clause 4.4) ----------------------------------- */

/* An attribute, counting one final LF whether or not present: what one
 * sysfs_emit() writes on a 4 KiB-page kernel (4096 in specification 1.0). */
#define MC_MAX_ATTRIBUTE 4095
#define MC_MAX_KEY 63
#define MC_MAX_TOKEN 255
#define MC_MAX_MEMBERS 64
#define MC_MIN_VERSION_PARTS 2
#define MC_MAX_VERSION_PARTS 8
#define MC_MAX_SELF_PREFIX 7 /* $1 to $7 */

/*
 * Capacities of a struct mc_attr. Each is at least the most items of its kind
 * that an attribute of 4096 bytes can hold (an item takes at least the
 * bytes counted in the comment), so a valid or invalid attribute within the
 * page limit never exceeds them.
 */
#define MC_CAP_FIELDS 1024      /* "k=v " : 4 bytes; fields, param fields and defaults */
#define MC_CAP_PARAMS 410       /* "param k=v\n" : 10 bytes */
#define MC_CAP_MEMBERS 2048     /* "x," : 2 bytes, over all sets */
#define MC_CAP_ALTERNATIVES 2048 /* "1|" : 2 bytes, operands of subset and superset included */
#define MC_CAP_CONSTRAINTS 1024 /* "k=v " : 4 bytes */
#define MC_CAP_RULES 586        /* "accept\n" : 7 bytes */

/* ---- error codes (clause 7.3) and reason codes (clause 8.8) ---------------- */

/* Each code's name is the specification's string: mc_code_name(). */
enum mc_code {
	MC_OK = 0,
	/* clause 7.1: whole-input checks */
	MC_E_EMPTY,
	MC_E_TOO_LONG,
	MC_E_NON_ASCII,
	MC_E_NUL,
	MC_E_CRLF,
	MC_E_CONTROL_CHAR,
	MC_E_WHITESPACE,
	MC_E_BAD_HEADER,
	MC_E_UNSUPPORTED_VERSION,
	/* clause 7.2 */
	MC_E_SYNTAX,
	/* clause 7.3: values and structure */
	MC_E_LEADING_ZERO,
	MC_E_INT_OVERFLOW,
	MC_E_KEY_TOO_LONG,
	MC_E_TOKEN_TOO_LONG,
	MC_E_BAD_ESCAPE,
	MC_E_VERSION_TOO_LONG,
	MC_E_TOO_MANY_MEMBERS,
	MC_E_ZERO_DENOMINATOR,
	MC_E_UNREDUCED_RATIO,
	MC_E_DUPLICATE_KEY,
	MC_E_DUPLICATE_MEMBER,
	MC_E_DUPLICATE_PARAM,
	MC_E_PARAM_CONFLICT,
	MC_E_MIXED_TYPES,
	MC_E_EMPTY_RANGE,
	MC_E_INVALID_MODEL, /* for the JSON encoding; this library never returns it */
	/* clause 8.8: reason codes */
	MC_R_NOT_EQUAL,
	MC_R_BELOW_RANGE,
	MC_R_ABOVE_RANGE,
	MC_R_OUTSIDE_RANGES,
	MC_R_NOT_SUBSET,
	MC_R_NOT_SUPERSET,
	MC_R_TYPE_MISMATCH,
	MC_R_UNCONSTRAINED_CRITICAL,
	MC_R_MISSING_FIELD,
	MC_R_MISSING_SELF,
	MC_R_NO_RULES,
	MC_R_SOURCE_IS_TEMPLATE,
	MC_R_UNSUPPORTED_VERSION,
	/* not a specification code: a bad argument to a library function */
	MC_E_USAGE,
	/* clause 8.8, specification 1.1: after MC_E_USAGE, so that the values above keep their numbers */
	MC_R_MISSING_ATTRIBUTE,
	MC_CODE_COUNT
};

/* The specification's name of a code ("syntax", "not-equal", ...); "?" if out of range. */
MC_API const char *mc_code_name(enum mc_code code);

/*
 * One sentence, in English and without a final period, that says what a
 * code means ("a ratio is not in lowest terms"): for a message to a user
 * beside mc_code_name(), the line and the column. "unknown code" if out of
 * range; never NULL; the string is static. The wording is this library's
 * and may differ from the Python reference's messages; programs match on
 * codes, never on this text. Added in release 2.0.
 */
MC_API const char *mc_error_message(enum mc_code code);

/* Where a parse failed: the code, and the 1-based line and byte column of clause 7.3. */
struct mc_error {
	enum mc_code code;
	unsigned line;
	unsigned column;
};

/* ---- the data model (clause 5) --------------------------------------------- */

enum mc_kind { MC_MIGRATION_VERSION = 1, MC_COMPATIBLE_DEVICES = 2 };

enum mc_type { MC_TOKEN = 1, MC_INTEGER, MC_VERSION, MC_RATIO, MC_SET };

/* A run of bytes of the attribute's text: attr->text[off .. off + len). */
struct mc_span {
	uint16_t off;
	uint16_t len;
};

/*
 * A value: its type and its text as written (a set from "{" to "}"). A set's
 * members are attr->members[first .. first + count), in ascending byte order.
 * Numbers are kept as text; mc_integer() and mc_version_part() read them.
 */
struct mc_value {
	uint8_t type;
	uint16_t off;
	uint16_t len;
	uint16_t first;
	uint16_t count;
};

/* A field key=value (critical) or ~key=value (ignorable); a default ignores critical. */
struct mc_field {
	struct mc_span key;
	struct mc_value value;
	uint8_t critical;
};

/* One param line: the parameter, its value and mark, and its further fields. */
struct mc_param {
	struct mc_span name;
	struct mc_value value;
	uint8_t critical;
	uint16_t first; /* further fields: attr->fields[first .. first + count), by key */
	uint16_t count;
};

enum mc_bound_kind {
	MC_BOUND_NONE = 0, /* an open end */
	MC_BOUND_VALUE,
	MC_BOUND_SELF,  /* $ */
	MC_BOUND_PREFIX /* $N: the target's own version cut to N components (specification 1.1) */
};

struct mc_bound {
	uint8_t kind;
	uint8_t prefix; /* MC_BOUND_PREFIX: N, 1 to 7 */
	struct mc_value value;
};

enum mc_alt_kind {
	MC_ALT_VALUE = 1, /* low.value is the value */
	MC_ALT_RANGE,     /* low..high; at least one end is not MC_BOUND_NONE */
	MC_ALT_SELF,      /* $ */
	MC_ALT_PREFIX     /* $N (specification 1.1): the versions whose first N components are the target's */
};

struct mc_alternative {
	uint8_t kind;
	uint8_t prefix; /* MC_ALT_PREFIX: N, 1 to 7 */
	struct mc_bound low;
	struct mc_bound high;
	uint16_t where; /* offset of the alternative's first byte in the text */
};

enum mc_op { MC_EQUALS = 1, MC_SUBSET, MC_SUPERSET, MC_ANY /* key=*, specification 1.1 */ };

/*
 * A constraint on key: attr->alternatives[first .. first + count). An equals
 * constraint has its alternatives in written order; a subset or superset
 * constraint has one, its operand (MC_ALT_VALUE with a set, or MC_ALT_SELF);
 * key=* (MC_ANY) has none.
 */
struct mc_constraint {
	struct mc_span key;
	uint8_t op;
	uint16_t first;
	uint16_t count;
};

/* An accept line: attr->constraints[first .. first + count), by key. */
struct mc_rule {
	uint16_t first;
	uint16_t count;
};

/*
 * One parsed attribute. For a migration_version: nfields fixed fields
 * (fields[0 .. nfixed), by key), then the further fields of the param lines,
 * and nparams param lines in written order. For a
 * migration_compatible_devices: ndefaults defaults (fields[0 .. ndefaults),
 * by key) and nrules rules in written order. Read it; do not change it.
 * When mc_parse fails, error holds the error and the other members are
 * unspecified.
 */
struct mc_attr {
	uint32_t kind; /* enum mc_kind */
	struct mc_error error;
	uint16_t len; /* the text, without its final LF */
	char text[MC_MAX_ATTRIBUTE + 1];
	uint16_t nfixed;
	uint16_t nfields; /* fixed fields, defaults and param fields in all */
	uint16_t ndefaults;
	uint16_t nparams;
	uint16_t nmembers;
	uint16_t nalternatives;
	uint16_t nconstraints;
	uint16_t nrules;
	struct mc_field fields[MC_CAP_FIELDS];
	struct mc_param params[MC_CAP_PARAMS];
	struct mc_span members[MC_CAP_MEMBERS];
	struct mc_alternative alternatives[MC_CAP_ALTERNATIVES];
	struct mc_constraint constraints[MC_CAP_CONSTRAINTS];
	struct mc_rule rules[MC_CAP_RULES];
};

/*
 * Parse len bytes of text as an attribute of the given kind into *attr.
 * The one final LF is optional. Returns 0 for a valid attribute; otherwise
 * -1, with attr->error (and *error, when error is not NULL) set to the code,
 * line and column of clause 7. A NULL attr, a NULL text with len > 0 or an
 * unknown kind returns -1 with MC_E_USAGE, line and column 0.
 *
 * The input must not overlap *attr: mc_parse writes *attr while it reads
 * the input, so to parse an attribute's own text again (attr->text,
 * attr->len), copy the text or the struct first. An input that shares a
 * byte with *attr is a usage error found before anything is written: -1,
 * with MC_E_USAGE, line and column 0 in *error (when error is not NULL),
 * and *attr left as it was (attr->error is not set).
 */
MC_API int mc_parse(struct mc_attr *attr, enum mc_kind kind, const char *text, size_t len, struct mc_error *error);

/*
 * Write the canonical text (clause 6) of *attr, which mc_parse filled
 * successfully, into buf: the text the Python emitter (migcompat.emit)
 * writes for the same data model, final LF included -- keys, set members
 * and each rule's constraints in byte order, rules, param lines and
 * alternatives in the model's order, each value in its one spelling. Two
 * attributes have equal data models exactly when their canonical texts are
 * equal (clause 6.4).
 *
 * As snprintf: writes at most size bytes, the last of them a NUL when
 * size > 0, and returns the length of the whole text (without the NUL), so
 * the text was cut exactly when the result is >= size; mc_emit(attr, NULL, 0)
 * only measures. The text is at most MC_MAX_ATTRIBUTE bytes (it has the
 * bytes of the parsed text and one final LF), so a buffer of
 * MC_MAX_ATTRIBUTE + 1 bytes always holds it. Misuse returns -MC_E_USAGE:
 * a NULL buf with size > 0; a NULL attr, or one whose mc_parse failed or
 * that no mc_parse filled (kind 0, as in a zeroed struct), after writing an
 * empty string when size > 0; and a buf that shares a byte with *attr (such
 * as attr->text: emit into another buffer), before anything is written.
 */
MC_API int mc_emit(const struct mc_attr *attr, char *buf, size_t size);

/* Which attribute text is (clause 4.2): a first line that is "mc1" is a
 * migration_compatible_devices; anything else is read as a migration_version.
 * As the Python reference's detect(): only the first 64 bytes are looked at,
 * and a first line of "mc1" followed only by spaces, tabs or a CR (a file
 * saved with CRLF line ends) is taken for the rules too, whose parser then
 * says what is wrong with it (since release 2.1; before, such a line was
 * taken for a migration_version). */
MC_API enum mc_kind mc_detect(const char *text, size_t len);

/*
 * Bytes that always hold a hint of mc_syntax_hint() and its NUL for a text
 * of at most MC_MAX_ATTRIBUTE bytes (every text mc_parse can find a syntax
 * error in): a hint quotes at most 40 bytes of each item it names, but the
 * operator it writes after a key (the "=x" of "type =x") is that item of
 * the text whole, so it can be as long as its line.
 */
#define MC_HINT_MAX (MC_MAX_ATTRIBUTE + 256)

/*
 * A one-line hint for a syntax error (MC_E_SYNTAX) of mc_parse, for a
 * message to a user after the error: when the text around the error shows
 * one of the slips drivers' authors make most, a line of English that names
 * it and says what to write instead, e.g.
 *   the operand of <= is a set or $ alone, never $N (clause 5.6)
 * kind, text and len are what mc_parse was given, line and column the
 * error's (struct mc_error); the code's position is left as it is. The
 * slips, tried in this order, the first that the text shows giving the
 * hint: $ outside an accept rule, ~ in a rule or the default line, $N as the
 * operand of <= or >=, an unknown $-form ($8, $x), an upper-case key, a
 * space inside a set, a space inside a value (or before an operator, or
 * before a param, default or accept that starts no line), a default line
 * after an accept line or a second default line. Only a syntax error's
 * position means anything here: the other codes name their fault already
 * (the Python reference gives them no hint), so call it for MC_E_SYNTAX.
 *
 * The hint is the Python reference's, byte for byte: what
 * migcompat._hints.syntax_hint(text, attribute, line, column) returns
 * (None for no hint), which ParseError.hint gives unless the text is the
 * other attribute -- then parse_version() and parse_compatible() say
 * instead which parser to use, which a C program asks mc_detect(). It
 * quotes items of the text (at most 40 bytes of each, the first 37 and
 * "..." when longer) as their bytes are. mc_parse finds a syntax error only
 * in text of printable ASCII, single spaces and LF (clause 7.1's checks
 * come first), so the hint of its error is printable ASCII. Other bytes
 * are read as Python reads bytes, as Latin-1, a character per byte: the
 * hint is then the Latin-1 encoding of Python's (whose one test beyond
 * ASCII, whether the byte after a ~ is a letter, is Latin-1's: ª, µ, º and
 * À to ÿ but for × and ÷ are letters).
 *
 * As snprintf: writes at most size bytes, the last a NUL when size > 0, and
 * returns the length of the whole hint (no LF, no NUL), so it was cut
 * exactly when the result is >= size; buf may be NULL when size is 0, to
 * measure. A buffer of MC_HINT_MAX bytes holds any hint for a text of at
 * most MC_MAX_ATTRIBUTE bytes. Returns 0, with the empty string, when the
 * text shows no slip there, and for a position that is not in the text:
 * line 0 or past the last line (the text's LF count plus one, the text
 * after its final LF counting as a line), column 0 or past the line's
 * length plus 1 (Python's syntax_hint reads such a column as the nearest
 * end of the line; mc_parse never gives one). Any bytes and any len are
 * safe: only text[0 .. len) is read, in time linear in len. An unknown
 * kind, a NULL text with len > 0 or a NULL buf with size > 0 returns
 * -MC_E_USAGE (after writing an empty string when it can), as does a buf
 * that shares a byte with the text (before anything is written).
 * Allocates nothing; safe from any thread. Added in release 2.1.
 */
MC_API int mc_syntax_hint(enum mc_kind kind, const char *text, size_t len, unsigned line, unsigned column, char *buf,
			  size_t size);

/* The bytes of a span, a key or a value's text (not NUL-terminated). */
static inline const char *mc_text(const struct mc_attr *attr, uint16_t off)
{
	return attr->text + off;
}

/*
 * Readers of the numbers of a value of attr, which mc_parse filled
 * successfully (a field's, a param line's, a default's or a bound's value).
 * Each requires one type (value->type); on a value of another type, or a
 * NULL attr or value, it returns a fixed result and reads no text.
 */

/* The number of an MC_INTEGER value (0 to 2^64-1). Any other type gives 0,
 * which a valid integer may also be: test value->type first. */
MC_API uint64_t mc_integer(const struct mc_attr *attr, const struct mc_value *value);
/* How many components an MC_VERSION value has (MC_MIN_VERSION_PARTS to
 * MC_MAX_VERSION_PARTS). Any other type gives 0, which no version has. */
MC_API unsigned mc_version_parts(const struct mc_attr *attr, const struct mc_value *value);
/* Component index (0-based) of an MC_VERSION value, as a number, for index
 * below mc_version_parts(). An index past the end gives 0, the component
 * that version comparison reads there (zero extension, clause 5.3.3); any
 * other type gives 0 too. A component may itself be 0, so neither case can
 * be told from a result: test the type and mc_version_parts() first. */
MC_API uint64_t mc_version_part(const struct mc_attr *attr, const struct mc_value *value, unsigned index);
/* The numerator and denominator of an MC_RATIO value (the denominator is at
 * least 1). Any other type sets both to 0, which a valid ratio's denominator
 * never is. A NULL numerator or denominator is not written. */
MC_API void mc_ratio(const struct mc_attr *attr, const struct mc_value *value, uint64_t *numerator, uint64_t *denominator);

/* The index of the fixed field (or default) with this key, or -1; -1 also
 * for a NULL attr, a NULL key with key_len > 0, and an attr that no
 * mc_parse filled (kind 0). A NULL key with key_len 0 is the empty key. */
MC_API int mc_find_field(const struct mc_attr *attr, const char *key, size_t key_len);

/* ---- the verdict (clause 8) ------------------------------------------------ */

enum mc_answer { MC_COMPATIBLE = 1, MC_INCOMPATIBLE, MC_UNKNOWN };
enum mc_grade { MC_GRADE_NONE = 0, MC_IDENTICAL, MC_ACCEPTED };
enum mc_which { MC_SOURCE = 1, MC_TARGET, MC_TARGET_SELF };

/* At most this many nearest rules are explained, with at most MC_RULE_REASONS reasons each. */
#define MC_NEAREST 3
#define MC_RULE_REASONS 16
/*
 * Bytes that always hold a whole line of mc_reason_format() with its NUL:
 * two attributes' worth (the source's value and the target's constraint,
 * each written no longer than in its attribute) and the line's fixed words.
 */
#define MC_REASON_LINE_MAX (2 * MC_MAX_ATTRIBUTE + 256)
/*
 * Bytes that always hold a whole line of mc_reason_format_own() with its
 * NUL: a third attribute's worth more, the target's own value (added in
 * release 2.1).
 */
#define MC_REASON_OWN_LINE_MAX (3 * MC_MAX_ATTRIBUTE + 256)

/*
 * One reason (clause 8.8): its code, the rule it belongs to (-1 for none),
 * and the key it concerns, key_len bytes (not NUL-terminated). The key is
 * found by key_in and key_off, which never dangle: it is
 * mc_text(a, key_off) of the attribute a that key_in names -- MC_TARGET
 * (the rule set given to mc_check) for a constraint's key, MC_SOURCE for
 * unconstrained-critical's source field -- or of any copy of it (memcpy,
 * or the same text parsed again); key_in is 0 when the reason has no key.
 * key is the same bytes as a pointer, NULL for none: it points into that
 * struct mc_attr as it was given to mc_check, so it is valid only while that
 * struct stays where it was and is not written (parsed into, freed, reused
 * for the next candidate); a verdict kept or moved past that reads the key
 * through key_in and key_off. For unsupported-version, attribute says which
 * attribute has the newer format; for missing-attribute, which attribute is
 * missing or invalid (MC_SOURCE or MC_TARGET); for every other code it is 0.
 */
struct mc_reason {
	enum mc_code code;
	int rule;
	const char *key;
	size_t key_len;
	enum mc_which attribute;
	enum mc_which key_in; /* MC_SOURCE or MC_TARGET; 0 for no key */
	uint16_t key_off;
};

/*
 * The answer of mc_check. matched_rule is the first rule that matches (for
 * a device type: that matches the device of the choice), or -1. nearest
 * lists the explained nearest rules, in rule order; also_near counts the
 * rules exactly as near that are not explained. reasons are theirs, rule by
 * rule, each rule's in key order. Of a rule's reasons mc_check keeps at
 * most MC_RULE_REASONS (16), the first in key order, and more_reasons[k]
 * counts those left out; when the rule failed, a failing reason (one that
 * is not missing-field or missing-self) is among the kept ones: if the
 * first 16 have none, the 16th gives way to the first failing one after
 * them. For a target device type, choice[i] is, for the
 * i-th parameter in byte order of its name, the index in the template's
 * params of the chosen param line; nchoice is 0 for a device instance.
 * That line's value is as the template writes it: the canonical text the
 * reference prints for the choice (clause 6) differs only for a set, whose
 * members it lists in byte order -- the order of the value's spans in the
 * template's members array, so a caller writes them from there.
 */
struct mc_verdict {
	enum mc_answer answer;
	enum mc_grade grade;
	int matched_rule;
	unsigned nnearest;
	int nearest[MC_NEAREST];
	unsigned also_near;
	unsigned more_reasons[MC_NEAREST];
	unsigned nreasons;
	struct mc_reason reasons[MC_NEAREST * MC_RULE_REASONS];
	unsigned nchoice;
	uint16_t choice[MC_CAP_PARAMS];
};

/*
 * Does target accept source? (clause 8.5). Each argument is a struct
 * mc_attr that mc_parse filled (valid or not), or NULL for an attribute
 * that could not be read; target_self is the target's own
 * migration_version, which $ reads, or NULL. The verdict follows the
 * table of clause 8.5: unknown with reason unsupported-version when an
 * attribute has a newer format, unknown with one reason missing-attribute
 * for each of source and target that is missing or invalid (source first),
 * unknown with source-is-template for a source with param
 * lines; an invalid target_self counts as missing. A target_self with
 * param lines is a device type: the verdict is over every choice, decided
 * per parameter. Never fails; a NULL verdict is ignored.
 *
 * Kinds are not checked as usage errors: an argument of the wrong kind
 * (source and target swapped, a migration_compatible_devices given as
 * target_self) is treated exactly as a missing one -- missing-attribute for
 * source or target, no own values for target_self (so a rule with $ gives
 * missing-self) -- since a verdict cannot tell a caller's mistake from an
 * unreadable attribute. Callers that need to tell them apart test kind
 * first: source->kind == MC_MIGRATION_VERSION, target->kind ==
 * MC_COMPATIBLE_DEVICES, target_self->kind == MC_MIGRATION_VERSION.
 *
 * The verdict refers to the attributes only as struct mc_reason says; it
 * is the caller's (see the thread contract at the top).
 */
MC_API void mc_check(const struct mc_attr *source, const struct mc_attr *target, const struct mc_attr *target_self,
	      struct mc_verdict *verdict);

/*
 * The names of answers and grades: "compatible", "incompatible", "unknown";
 * "identical", "accepted", and "none" for MC_GRADE_NONE (the grade of a
 * verdict that is not compatible; JSON writes it null). Like
 * mc_code_name(), each returns "?" for a value out of range and never NULL,
 * so the result can always be printed. (Before release 2.0,
 * mc_grade_name(MC_GRADE_NONE) and an out-of-range grade returned NULL.)
 */
MC_API const char *mc_answer_name(enum mc_answer answer);
MC_API const char *mc_grade_name(enum mc_grade grade);

/*
 * One reason of a verdict as one line of English, for a log or an error
 * report: the rule, the key, the source's value as written (or the default
 * it takes, saying whose) and the constraint as written, then the code in
 * brackets, e.g.
 *   rule 0: the source's stream_version=1.2 does not satisfy stream_version=1.0..1.1 [above-range]
 * source and target are the attributes the verdict was decided on (or
 * copies of them); a reason without a key, or one whose attribute is not
 * given (NULL) or not valid, gives the code's mc_error_message() sentence
 * and, for unsupported-version and missing-attribute, which attribute. As
 * snprintf: writes at most size bytes, the last a NUL when size > 0, and
 * returns the length of the whole line (no LF, no NUL), so it was cut
 * exactly when the result is >= size; buf may be NULL when size is 0. A
 * line holds a key, a value of the source and a constraint of the target,
 * each from an attribute of at most MC_MAX_ATTRIBUTE bytes, so it can be
 * over 8 KiB long: a buffer of MC_REASON_LINE_MAX bytes always holds a
 * whole line and its NUL. A NULL reason, or a NULL buf with size > 0, returns
 * -MC_E_USAGE (after writing an empty string when it can), as does a buf
 * that shares a byte with *source, *target or *reason (before anything is
 * written). The wording is
 * this library's and may differ from the Python reference's messages
 * (Verdict.explain()); programs match on codes. Added in release 2.0.
 */
MC_API int mc_reason_format(const struct mc_attr *source, const struct mc_attr *target,
			    const struct mc_reason *reason, char *buf, size_t size);

/*
 * mc_reason_format()'s line, and after a constraint that reads the target's
 * own value ($, $N, <=$...) what that value was, as mc_check took it from
 * target_self -- for a device type, from the param lines of the verdict's
 * choice -- e.g.
 *   rule 0: the source's stream_version=1.2 does not satisfy stream_version=1.0..$ (the target's own stream_version=1.1) [above-range]
 * so that a log says why without the reader resolving $. Give the
 * target_self and the verdict that mc_check was given and returned (either
 * may be NULL: with no target_self, or an own value that does not exist,
 * the line is mc_reason_format()'s). As mc_reason_format() otherwise,
 * including -MC_E_USAGE for a buf that shares a byte with *target_self or
 * *verdict; a buffer of MC_REASON_OWN_LINE_MAX bytes always holds a whole
 * line. Added in release 2.1.
 */
MC_API int mc_reason_format_own(const struct mc_attr *source, const struct mc_attr *target,
				const struct mc_attr *target_self, const struct mc_verdict *verdict,
				const struct mc_reason *reason, char *buf, size_t size);

/*
 * Bytes of a buffer for mc_read_attribute(): one more than any valid
 * attribute and its NUL, so that a file longer than an attribute may be (a
 * copy of a tree, not sysfs, which never gives more than a page less one)
 * reads as MC_MAX_ATTRIBUTE + 1 bytes, which mc_parse() reports too-long,
 * never cut into a shorter, valid text.
 */
#define MC_READ_SIZE (MC_MAX_ATTRIBUTE + 2)

/*
 * Read the attribute file *name* ("migration_version") of the directory
 * open as *dirfd* (AT_FDCWD: the working directory, *name* then a path)
 * into *buf*, as migcompat's Python reader reads one: the name is looked at
 * first, so that a FIFO, a socket, a device or a directory is refused
 * without being opened; a final symbolic link is never followed; the file
 * is opened O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, and its
 * descriptor is checked again (a name replaced meanwhile is refused all the
 * same). At most size - 1 bytes are read, and a NUL written after them.
 * Returns the number of bytes read (the text is then given to mc_parse()
 * as it is), or a negative errno, *buf* the empty string:
 *   -ENOENT   no such file: the device has no such attribute (its driver
 *             does not write migcompat's attributes);
 *   -ELOOP    a symbolic link, not followed;
 *   -EINVAL   not a regular file, or a NULL or empty name, a NULL buffer or
 *             a size of 0;
 *   -EOVERFLOW  a size below MC_READ_SIZE and a file longer than size - 1
 *             bytes: what fits could be a valid text cut from a longer one
 *             (since release 2.1; before, the cut text was returned);
 *   -EAGAIN   a file that waits for data to be written to it (it only
 *             looks regular, as /proc/kmsg does): never a wait;
 *   another   what open or read said (-EACCES, -EIO...): the attribute is
 *             there but cannot be read, a fault to report, not an absent
 *             attribute.
 * Give size MC_READ_SIZE. Safe from any thread; *buf* is the caller's.
 * Added in release 2.0.0; POSIX (openat, fstatat), as the rest is C11.
 */
MC_API long mc_read_attribute(int dirfd, const char *name, char *buf, size_t size);

/*
 * Open the directory that holds the attributes of the device (or mdev
 * type) at *path* (relative to *dirfd*, or absolute; AT_FDCWD as for
 * openat), as the migcompat command finds it: *path* itself when it holds
 * either attribute as a regular file, else the one directory vfio-dev/vfioN
 * under it (a vfio-pci variant driver's device, an mdev), else *path* (its
 * attributes then read as absent, -ENOENT). *path* is followed when it is
 * a symbolic link (/sys/bus/pci/devices/ADDR is one); vfio-dev and vfioN
 * never are. Returns a descriptor to give mc_read_attribute(), which the
 * caller closes, or a negative errno:
 *   -ELOOP    vfio-dev or its vfioN is a symbolic link, not followed;
 *   -ENOTDIR  vfio-dev's vfioN is not a directory (since release 2.1;
 *             before, -ELOOP);
 *   -EEXIST   vfio-dev holds several vfio devices, where the kernel makes
 *             one: which is meant is the caller's to say;
 *   -EINVAL   a NULL or empty path;
 *   another   what openat() or reading vfio-dev said (-ENOENT, -ENOTDIR
 *             for *path*, -EACCES for an unreadable vfio-dev).
 * Safe from any thread. Added in release 2.0.0; POSIX, as mc_read_attribute.
 */
MC_API int mc_open_placement(int dirfd, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* MIGCOMPAT_H */
