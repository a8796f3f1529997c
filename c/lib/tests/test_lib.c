/* SPDX-License-Identifier: MIT */
/* make check: the library's own unit tests (the conformance cases run through mc-adapter from Python). */
#include <stdio.h>
#include <string.h>

#include "migcompat.h"

static struct mc_attr source, target, self_attr;
static struct mc_verdict verdict;
static int failures;

#define EXPECT(cond)                                                                 \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static int parse(struct mc_attr *a, enum mc_kind kind, const char *text)
{
	return mc_parse(a, kind, text, strlen(text), NULL);
}

static void expect_error(enum mc_kind kind, const char *text, const char *code, unsigned line, unsigned column)
{
	struct mc_error e;
	int rc = mc_parse(&source, kind, text, strlen(text), &e);

	EXPECT(rc == -1);
	if (strcmp(mc_code_name(e.code), code) != 0 || e.line != line || e.column != column) {
		fprintf(stderr, "%s: got %s at %u:%u, expected %s at %u:%u\n", text, mc_code_name(e.code), e.line,
			e.column, code, line, column);
		failures++;
	}
}

static enum mc_answer check(const char *s, const char *t, const char *own)
{
	parse(&source, MC_MIGRATION_VERSION, s);
	parse(&target, MC_COMPATIBLE_DEVICES, t);
	if (own)
		parse(&self_attr, MC_MIGRATION_VERSION, own);
	mc_check(&source, &target, own ? &self_attr : NULL, &verdict);
	return verdict.answer;
}

int main(void)
{
	int i;

	/* parsing: the model, sorted, with its numbers */
	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 z=1.10.2 a={b,a} ~m=1/2\n") == 0);
	EXPECT(source.nfixed == 3);
	EXPECT(memcmp(mc_text(&source, source.fields[0].key.off), "a", 1) == 0);
	EXPECT(source.fields[0].value.type == MC_SET && source.fields[0].value.count == 2);
	EXPECT(memcmp(mc_text(&source, source.members[source.fields[0].value.first].off), "a", 1) == 0);
	EXPECT(source.fields[1].critical == 0 && source.fields[1].value.type == MC_RATIO);
	i = mc_find_field(&source, "z", 1);
	EXPECT(i == 2 && mc_version_parts(&source, &source.fields[i].value) == 3);
	EXPECT(mc_version_part(&source, &source.fields[i].value, 1) == 10);
	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 a=18446744073709551615") == 0);
	EXPECT(mc_integer(&source, &source.fields[0].value) == 18446744073709551615ull);
	EXPECT(mc_detect("mc1\naccept", 10) == MC_COMPATIBLE_DEVICES);
	EXPECT(mc_detect("mc1 a=b", 7) == MC_MIGRATION_VERSION);

	/* errors: code, line and column (clause 7) */
	expect_error(MC_MIGRATION_VERSION, "", "empty", 1, 1);
	expect_error(MC_MIGRATION_VERSION, "mc2 a=b", "unsupported-version", 1, 1);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=b\r\n", "crlf", 1, 8);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=b  c=d", "whitespace", 1, 9);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=..", "syntax", 1, 7);
	expect_error(MC_COMPATIBLE_DEVICES, "mc1\naccept k=..1a", "syntax", 2, 13);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=1 b=01", "leading-zero", 1, 11);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=18446744073709551616", "int-overflow", 1, 7);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=2/4", "unreduced-ratio", 1, 7);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=b%2f", "bad-escape", 1, 8);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=1 a=2", "duplicate-key", 1, 9);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=1\nparam p=1\nparam p=1", "duplicate-param", 3, 9);
	expect_error(MC_MIGRATION_VERSION, "mc1 a=1\nparam p=1 q=1\nparam r=1 q=2", "param-conflict", 3, 11);
	expect_error(MC_COMPATIBLE_DEVICES, "mc1\naccept k=2..1", "empty-range", 2, 10);
	expect_error(MC_COMPATIBLE_DEVICES, "mc1\naccept k=1|1.0", "mixed-types", 2, 12);
	expect_error(MC_COMPATIBLE_DEVICES, "mc1\naccept k={a,b}|{b,a}", "duplicate-member", 2, 16);

	/* the verdict (clause 8) */
	EXPECT(check("mc1 k=1.0.0", "mc1\naccept k=1.0", NULL) == MC_COMPATIBLE);
	EXPECT(verdict.matched_rule == 0 && verdict.grade == MC_ACCEPTED);
	EXPECT(check("mc1 k=a", "mc1\naccept k=$", "mc1 k=a") == MC_COMPATIBLE && verdict.grade == MC_IDENTICAL);
	EXPECT(check("mc1 k=a", "mc1\naccept k=$", NULL) == MC_UNKNOWN);
	EXPECT(verdict.nreasons == 1 && verdict.reasons[0].code == MC_R_MISSING_SELF);
	EXPECT(check("mc1 k=5", "mc1\naccept k=1..2|7..9", NULL) == MC_INCOMPATIBLE);
	EXPECT(verdict.nreasons == 1 && verdict.reasons[0].code == MC_R_OUTSIDE_RANGES);
	EXPECT(check("mc1 k=a x=1", "mc1\naccept k=a", NULL) == MC_INCOMPATIBLE);
	EXPECT(verdict.reasons[0].code == MC_R_UNCONSTRAINED_CRITICAL);
	EXPECT(check("mc1 k=a", "mc1", NULL) == MC_INCOMPATIBLE && verdict.reasons[0].code == MC_R_NO_RULES);
	EXPECT(check("mc1 aggregate=2 share=1/4", "mc1\naccept aggregate=$ share=$",
		     "mc1 t=x\nparam aggregate=1 share=1/8\nparam aggregate=2 share=1/4") == MC_COMPATIBLE);
	EXPECT(verdict.nchoice == 1 && verdict.choice[0] == 1);
	mc_parse(&target, MC_COMPATIBLE_DEVICES, "mc7\n", 4, NULL);
	mc_check(&source, &target, NULL, &verdict);
	EXPECT(verdict.answer == MC_UNKNOWN && verdict.reasons[0].code == MC_R_UNSUPPORTED_VERSION);
	mc_check(NULL, &target, NULL, NULL);

	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	puts("test_lib: all passed");
	return 0;
}
