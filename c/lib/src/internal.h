/* SPDX-License-Identifier: MIT */
/* Internal helpers of libmigcompat, shared by its source files; not installed. */
#ifndef MC_INTERNAL_H
#define MC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "migcompat.h"

/* A value as the semantic core sees it: its type, text and members, from any attribute
 * (or from a registry default, which lives in a static string). */
struct mc_val {
	uint8_t type;
	const char *text;
	size_t len;
	const char *base;              /* the attribute text the member spans index */
	const struct mc_span *members; /* count spans, in ascending byte order */
	size_t count;
};

/* ---- util.c ---- */

/* Compare two byte strings in byte order (a proper prefix first): <0, 0, >0. */
int mc_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);
int mc_bytes_eq(const char *a, size_t alen, const char *b, size_t blen);

/* An in-place heapsort of n elements of the given size; cmp gets ctx. No allocation, O(n log n). */
typedef int (*mc_cmp_fn)(const void *a, const void *b, const void *ctx);
void mc_sort(void *base, size_t n, size_t size, mc_cmp_fn cmp, const void *ctx);

/* Whether the n bytes at p share a byte with the object of size bytes at obj (as addresses: they may be unrelated
 * objects); never for a NULL pointer or no bytes. */
int mc_overlaps(const void *obj, size_t size, const void *p, size_t n);

/* The 1-based line and column of byte offset in text (offset may equal len). */
void mc_locate(const char *text, size_t len, size_t offset, unsigned *line, unsigned *column);

/* A decimal numeral of at most 20 digits that is at most 2^64-1, as a number. */
uint64_t mc_parse_u64(const char *text, size_t len);

/* ---- emit.c: a bounded writer with snprintf's result (emit.c, message.c) ---- */

/* Counts every byte put; stores those that fit before the terminating NUL (buf may be NULL when size is 0). */
struct mc_writer {
	char *buf;
	size_t size;
	size_t len;
};

void mc_put(struct mc_writer *w, const char *s, size_t n);
void mc_put_str(struct mc_writer *w, const char *s);
void mc_put_uint(struct mc_writer *w, unsigned long v);
/* Terminate the text (when size > 0, cut to size - 1 bytes) and return its whole length, at most INT_MAX. */
int mc_writer_end(struct mc_writer *w);

/* ---- validate.c ---- */

/* The checks of clause 7.3 on a parsed attribute, in the reference order; then sorts keys and members.
 * Returns 0, or -1 with attr->error set. */
int mc_validate(struct mc_attr *attr);

/* ---- values.c ---- */

struct mc_val mc_val_of(const struct mc_attr *attr, const struct mc_value *value);
/* The registry default of a key (clause 11: features={} and aggregate=1); 0 when it has none. */
int mc_registry_default(const char *key, size_t len, struct mc_val *out);
/* The target's own value of key (clause 8.4) as mc_check took it: self's fixed field, else (a device type) the
 * field of a chosen param line (choice[p] for each of nchoice parameters), else the registry's default; 0 for
 * none. */
int mc_own_value_of(const struct mc_attr *self, const uint16_t *choice, size_t nchoice, const char *key, size_t len,
		    struct mc_val *out);
int mc_is_ordered(uint8_t type);
/* Data model equality (clause 5.3): same type and same value; versions by their components as written. */
int mc_val_identical(const struct mc_val *a, const struct mc_val *b);
/* Matching equality (rows 8.1-EQ1 to EQ6): as identical, but versions order-equivalent. */
int mc_val_matches(const struct mc_val *a, const struct mc_val *b);
/* Order of two values of one ordered type: <0, 0 (order-equivalent), >0. */
int mc_val_compare(const struct mc_val *a, const struct mc_val *b);
/* Whether every member of a is a member of b (both sets). */
int mc_set_within(const struct mc_val *a, const struct mc_val *b);

#endif
