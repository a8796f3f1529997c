/* SPDX-License-Identifier: MIT */
/*
 * The little JSON the adapter needs, libc only: read the members of one flat
 * request object (strings and null kept, anything else skipped), parse a
 * whole document (a data model) into a tree, decode base64, and write JSON
 * into a fixed buffer.
 */
#ifndef MC_TOOLS_JSON_H
#define MC_TOOLS_JSON_H

#include <stddef.h>

enum json_kind { JSON_STRING = 1, JSON_NULL, JSON_OTHER };

struct json_member {
	const char *key; /* decoded, NUL-terminated; key_len bytes (a \u0000 escape may put a NUL inside) */
	size_t key_len;
	enum json_kind kind;
	char *str; /* JSON_STRING: decoded bytes (UTF-8), NUL-terminated; str_len bytes */
	size_t str_len;
	char *raw; /* JSON_OTHER: the value's text as written, raw_len bytes (for json_parse) */
	size_t raw_len;
};

/*
 * Read one JSON object from text[0 .. len) (modified in place: strings are
 * decoded where they stand). At most max members are kept. Returns the
 * number of members, or -1 when text is not one JSON object. The text is
 * read by its length, never up to a NUL: a NUL byte outside a string, at
 * any depth, makes it not JSON (-1), and one inside a string is a control
 * character, also -1.
 */
int json_read_object(char *text, size_t len, struct json_member *members, size_t max);

/* The member named exactly key (all key_len bytes of its name, so "a\u0000b" is not "a"), or NULL. */
const struct json_member *json_get(const struct json_member *members, int count, const char *key);

/* ---- a whole document as a tree ---- */

enum json_type { JT_NULL = 1, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT };

/* One value of a document; the nodes of a document refer to each other by index (-1 for none). */
struct json_node {
	enum json_type type;
	const char *text; /* JT_STRING: decoded, NUL-terminated; JT_NUMBER: as written (not terminated) */
	size_t len;
	const char *name; /* a member of an object: its name, decoded, NUL-terminated */
	size_t name_len;
	int parent;
	size_t index; /* its place among its parent's members or items, from 0 */
	int first;    /* JT_ARRAY, JT_OBJECT: the first member or item */
	int next;     /* the next member or item of its parent */
	size_t count; /* JT_ARRAY, JT_OBJECT: how many members or items */
};

/* As Python's decoder of JSON documents (migcompat.jsonmodel.MAX_JSON_DEPTH). */
#define JSON_MAX_DEPTH 64

enum { JSON_BAD = -1, JSON_TOO_DEEP = -2, JSON_TOO_BIG = -3 };

/*
 * Parse text[0 .. len) as exactly one JSON document (RFC 8259, surrounded by
 * white space at most) into nodes[0 .. cap); node 0 is the root, and the
 * members of an object keep their written order (a name given twice is
 * kept twice). Strings are decoded in place, so text is modified. Returns
 * the number of nodes; JSON_BAD for text that is not one JSON document,
 * JSON_TOO_DEEP for arrays and objects nested deeper than JSON_MAX_DEPTH,
 * JSON_TOO_BIG for more than cap values. Iterative: no recursion.
 */
int json_parse(char *text, size_t len, struct json_node *nodes, size_t cap);

/* Decode base64 text into out (at most cap bytes); the decoded length, or -1 for bad input. */
long base64_decode(const char *text, size_t len, unsigned char *out, size_t cap);

/* A bounded output buffer: writes past cap set overflow and are dropped. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

void out_bytes(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
void out_uint(struct out *o, unsigned long long v);
/* A JSON string literal of n bytes (escaped). */
void out_json_string(struct out *o, const char *s, size_t n);

#endif
