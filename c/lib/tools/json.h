/* SPDX-License-Identifier: MIT */
/*
 * The little JSON the adapter needs, libc only: read the members of one flat
 * request object (strings and null kept, anything else skipped), decode
 * base64, and write JSON into a fixed buffer.
 */
#ifndef MC_TOOLS_JSON_H
#define MC_TOOLS_JSON_H

#include <stddef.h>

enum json_kind { JSON_STRING = 1, JSON_NULL, JSON_OTHER };

struct json_member {
	const char *key; /* decoded, NUL-terminated */
	enum json_kind kind;
	char *str; /* JSON_STRING: decoded bytes (UTF-8), NUL-terminated; str_len bytes */
	size_t str_len;
};

/*
 * Read one JSON object from text[0 .. len) (modified in place: strings are
 * decoded where they stand). At most max members are kept. Returns the
 * number of members, or -1 when text is not one JSON object.
 */
int json_read_object(char *text, size_t len, struct json_member *members, size_t max);

/* The member named key, or NULL. */
const struct json_member *json_get(const struct json_member *members, int count, const char *key);

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
