/* SPDX-License-Identifier: MIT */
/*
 * The thread and stack contract of migcompat.h, run by tests/test_c_lib_review.py:
 *
 *   threads            4 threads check one shared (const) source, rule set and device type concurrently, each
 *                      into its own heap verdict, and emit and read the shared attributes; every verdict must
 *                      equal the one computed alone (built with -fsanitize=thread, a race is a report)
 *   stack              mc_check of a device type and of a device, and mc_parse, each on a thread whose stack
 *                      was painted: prints the bytes each used ("check-type N", "check-device N", "parse N")
 */
#define _POSIX_C_SOURCE 200809L /* pthread_attr_setstack */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migcompat.h"

static const char source_text[] = "mc1 aggregate=2 driver=i915 f={x} stream=1.2.3 zz=1";
static const char rules_text[] = "mc1\ndefault g={}\n"
				 "accept aggregate=$ driver=i915 f<=$ stream=$2 zz=1\n"
				 "accept aggregate=1..8 driver=i915 f<={x,y} g={} stream=1.0..$ zz=2\n"
				 "accept driver=x\n";
static const char own_text[] = "mc1 driver=i915 f={x,y} stream=1.2.9 zz=1\n"
			       "param aggregate=1 share=1/8\nparam aggregate=2 share=1/4\nparam aggregate=4 share=1/2";

static struct mc_attr *source, *rules, *own;
static struct mc_verdict *alone;

static int same_verdict(const struct mc_verdict *a, const struct mc_verdict *b)
{
	unsigned i;

	if (a->answer != b->answer || a->grade != b->grade || a->matched_rule != b->matched_rule ||
	    a->nreasons != b->nreasons || a->nchoice != b->nchoice || a->nnearest != b->nnearest)
		return 0;
	for (i = 0; i < a->nreasons; i++)
		if (a->reasons[i].code != b->reasons[i].code || a->reasons[i].key_off != b->reasons[i].key_off ||
		    a->reasons[i].key_in != b->reasons[i].key_in)
			return 0;
	return memcmp(a->choice, b->choice, a->nchoice * sizeof(a->choice[0])) == 0;
}

static void *worker(void *arg)
{
	struct mc_verdict *v = malloc(sizeof(*v));
	char *buf = malloc(MC_MAX_ATTRIBUTE + 1);
	long bad = 0;
	int i;

	(void)arg;
	if (!v || !buf)
		abort();
	for (i = 0; i < 500; i++) {
		mc_check(source, rules, own, v);
		bad += !same_verdict(v, alone);
		mc_check(source, rules, NULL, v);
		bad += mc_emit(rules, buf, MC_MAX_ATTRIBUTE + 1) < 0;
		bad += mc_find_field(source, "driver", 6) < 0;
		bad += mc_reason_format(source, rules, &v->reasons[0], buf, 256) < 0;
	}
	free(buf);
	free(v);
	return (void *)bad;
}

static int threads(void)
{
	pthread_t t[4];
	long bad = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += (long)r;
	}
	printf("threads %ld\n", bad);
	return bad != 0;
}

#define STACK (256u << 10)
#define PAINT 0xa5

static int what;

static void *run(void *arg)
{
	struct mc_verdict *v = arg;
	static struct mc_attr scratch;

	if (what == 0)
		mc_check(source, rules, own, v);
	else if (what == 1)
		mc_check(source, rules, NULL, v);
	else
		mc_parse(&scratch, MC_COMPATIBLE_DEVICES, rules_text, sizeof(rules_text) - 1, NULL);
	return NULL;
}

/* The bytes of a painted stack that a call on it wrote (stacks grow down on every target this runs on). */
static size_t used(void)
{
	unsigned char *stack = malloc(STACK);
	struct mc_verdict *v = malloc(sizeof(*v));
	pthread_attr_t attr;
	pthread_t t;
	size_t i = 0;

	if (!stack || !v)
		abort();
	memset(stack, PAINT, STACK);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, STACK);
	if (pthread_create(&t, &attr, run, v) || pthread_join(t, NULL))
		abort();
	while (i < STACK && stack[i] == PAINT)
		i++;
	free(stack);
	free(v);
	return STACK - i;
}

int main(int argc, char **argv)
{
	source = malloc(sizeof(*source));
	rules = malloc(sizeof(*rules));
	own = malloc(sizeof(*own));
	alone = malloc(sizeof(*alone));
	if (!source || !rules || !own || !alone)
		return 1;
	if (mc_parse(source, MC_MIGRATION_VERSION, source_text, sizeof(source_text) - 1, NULL) ||
	    mc_parse(rules, MC_COMPATIBLE_DEVICES, rules_text, sizeof(rules_text) - 1, NULL) ||
	    mc_parse(own, MC_MIGRATION_VERSION, own_text, sizeof(own_text) - 1, NULL))
		return 1;
	mc_check(source, rules, own, alone);
	if (argc == 2 && strcmp(argv[1], "threads") == 0)
		return threads();
	if (argc == 2 && strcmp(argv[1], "stack") == 0) {
		what = 0;
		printf("check-type %zu\n", used());
		what = 1;
		printf("check-device %zu\n", used());
		what = 2;
		printf("parse %zu\n", used());
		printf("verdict %s %u\n", mc_answer_name(alone->answer), alone->nchoice);
		return 0;
	}
	fputs("usage: threads threads|stack\n", stderr);
	return 2;
}
