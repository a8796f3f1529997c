/* SPDX-License-Identifier: MIT */
/* Byte strings, sorting, positions and numerals: the small helpers every part uses. */
#include <stdint.h>
#include <string.h>

#include "internal.h"

int mc_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

int mc_bytes_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

int mc_overlaps(const void *obj, size_t size, const void *p, size_t n)
{
	uintptr_t o = (uintptr_t)obj, q = (uintptr_t)p;

	if (!obj || !p || !size || !n)
		return 0;
	return q >= o ? q - o < size : o - q < n;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift_down(unsigned char *base, size_t start, size_t end, size_t size, mc_cmp_fn cmp, const void *ctx)
{
	size_t root = start;

	for (;;) {
		size_t child = 2 * root + 1;
		size_t top = root;

		if (child >= end)
			return;
		if (cmp(base + top * size, base + child * size, ctx) < 0)
			top = child;
		if (child + 1 < end && cmp(base + top * size, base + (child + 1) * size, ctx) < 0)
			top = child + 1;
		if (top == root)
			return;
		swap_bytes(base + root * size, base + top * size, size);
		root = top;
	}
}

void mc_sort(void *base, size_t n, size_t size, mc_cmp_fn cmp, const void *ctx)
{
	unsigned char *b = base;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp, ctx);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp, ctx);
	}
}

void mc_locate(const char *text, size_t len, size_t offset, unsigned *line, unsigned *column)
{
	size_t i, start = 0;
	unsigned l = 1;

	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*column = (unsigned)(offset - start + 1);
}

uint64_t mc_parse_u64(const char *text, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(text[i] - '0');
	return v;
}
