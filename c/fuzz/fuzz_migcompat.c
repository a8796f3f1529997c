/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for libmigcompat: every input is parsed as both
 * attributes, and a valid one emitted and its canonical text parsed again;
 * an input with NUL bytes is also split at them into a source, a rule set
 * and an own description and checked. Built with
 * -fsanitize=fuzzer,address,undefined (see Makefile); a crash, a sanitizer
 * report or a broken invariant below is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migcompat.h"

static struct mc_attr attrs[3];
static struct mc_verdict verdict;

static void invariant(int ok)
{
	if (!ok)
		abort();
}

static struct mc_attr reparsed;
static char text[MC_MAX_ATTRIBUTE + 1], text_again[MC_MAX_ATTRIBUTE + 1];

/*
 * Parse; a valid attribute's items stay inside its text and arrays, and its
 * canonical text has its bytes and one LF, parses, and is its own canonical text.
 */
static void parse(struct mc_attr *a, enum mc_kind kind, const uint8_t *data, size_t size)
{
	size_t i;
	int n;

	if (mc_parse(a, kind, (const char *)data, size, NULL)) {
		invariant(a->error.code != MC_OK && a->error.line >= 1 && a->error.column >= 1);
		return;
	}
	invariant(a->len <= MC_MAX_ATTRIBUTE && a->nfields <= MC_CAP_FIELDS);
	for (i = 0; i < a->nfields; i++)
		invariant(a->fields[i].key.off + a->fields[i].key.len <= a->len);
	for (i = 0; i < a->nmembers; i++)
		invariant(a->members[i].off + a->members[i].len <= a->len);
	n = mc_emit(a, text, sizeof(text));
	invariant(n == a->len + 1 && text[n - 1] == '\n');
	invariant(mc_parse(&reparsed, kind, text, (size_t)n, NULL) == 0);
	invariant(mc_emit(&reparsed, text_again, sizeof(text_again)) == n && memcmp(text, text_again, (size_t)n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3] = { data, NULL, NULL };
	size_t len[3] = { size, 0, 0 }, i, k = 0;

	parse(&attrs[0], MC_MIGRATION_VERSION, data, size);
	parse(&attrs[1], MC_COMPATIBLE_DEVICES, data, size);
	for (i = 0; i < size && k < 2; i++) {
		if (data[i] == 0) {
			len[k] = i - (size_t)(part[k] - data);
			part[++k] = data + i + 1;
			len[k] = size - i - 1;
		}
	}
	if (k == 0)
		return 0;
	parse(&attrs[0], MC_MIGRATION_VERSION, part[0], len[0]);
	parse(&attrs[1], MC_COMPATIBLE_DEVICES, part[1], len[1]);
	if (k == 2)
		parse(&attrs[2], MC_MIGRATION_VERSION, part[2], len[2]);
	mc_check(&attrs[0], &attrs[1], k == 2 ? &attrs[2] : NULL, &verdict);
	invariant(verdict.answer == MC_COMPATIBLE || verdict.answer == MC_INCOMPATIBLE || verdict.answer == MC_UNKNOWN);
	invariant(verdict.answer != MC_COMPATIBLE || verdict.matched_rule >= 0);
	invariant(verdict.nreasons <= MC_NEAREST * MC_RULE_REASONS);
	return 0;
}
