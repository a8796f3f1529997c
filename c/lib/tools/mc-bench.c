/* SPDX-License-Identifier: MIT */
/*
 * mc-bench: libmigcompat's throughput on a corpus, for benchmarks/bench_c.py.
 *
 *   mc-bench parse FILE REPEAT   FILE: attributes separated by NUL bytes
 *   mc-bench check FILE REPEAT   FILE: (source, target, target_self) triples, NUL-separated;
 *                                an empty target_self stands for none
 *
 * Prints one JSON object: the best rate of REPEAT passes (items per second)
 * and how many items were valid or compatible (so the caller can check that
 * both implementations did the same work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migcompat.h"

static double now(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			char *bigger = realloc(buf, cap * 2 + 65536);

			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
			cap = cap * 2 + 65536;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Split buf at NUL bytes; the number of records (a final empty one is dropped). */
static size_t split(char *buf, size_t len, const char ***starts, size_t **lens)
{
	size_t count = 0, i, k = 0, start = 0;

	for (i = 0; i < len; i++)
		count += buf[i] == '\0';
	if (len && buf[len - 1] != '\0')
		count++;
	*starts = malloc((count + 1) * sizeof(**starts));
	*lens = malloc((count + 1) * sizeof(**lens));
	if (!*starts || !*lens)
		return 0;
	for (i = 0; i <= len && k < count; i++) {
		if (i == len || buf[i] == '\0') {
			(*starts)[k] = buf + start;
			(*lens)[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

int main(int argc, char **argv)
{
	static struct mc_attr a[3];
	static struct mc_verdict v;
	const char **starts;
	size_t *lens, len, n, i;
	char *buf;
	int repeat, r, check;
	double best = 1e30, best_check = 1e30;
	unsigned long good = 0;

	if (argc != 4 || (strcmp(argv[1], "parse") && strcmp(argv[1], "check"))) {
		fputs("usage: mc-bench parse|check FILE REPEAT\n", stderr);
		return 2;
	}
	check = strcmp(argv[1], "check") == 0;
	repeat = atoi(argv[3]);
	buf = slurp(argv[2], &len);
	if (!buf) {
		perror(argv[2]);
		return 1;
	}
	n = split(buf, len, &starts, &lens);
	if (check)
		n -= n % 3;
	for (r = 0; r < (repeat > 0 ? repeat : 1); r++) {
		double start = now(), checking = 0;

		good = 0;
		if (!check) {
			for (i = 0; i < n; i++)
				good += mc_parse(&a[0], mc_detect(starts[i], lens[i]), starts[i], lens[i], NULL) == 0;
		} else {
			for (i = 0; i < n; i += 3) {
				double t0;

				mc_parse(&a[0], MC_MIGRATION_VERSION, starts[i], lens[i], NULL);
				mc_parse(&a[1], MC_COMPATIBLE_DEVICES, starts[i + 1], lens[i + 1], NULL);
				if (lens[i + 2])
					mc_parse(&a[2], MC_MIGRATION_VERSION, starts[i + 2], lens[i + 2], NULL);
				t0 = now();
				mc_check(&a[0], &a[1], lens[i + 2] ? &a[2] : NULL, &v);
				checking += now() - t0;
				good += v.answer == MC_COMPATIBLE;
			}
		}
		if (now() - start < best)
			best = now() - start;
		if (checking < best_check)
			best_check = checking;
	}
	if (!check)
		printf("{\"items\": %lu, \"valid\": %lu, \"per_second\": %.1f}\n", (unsigned long)n, good,
		       (double)n / best);
	else
		printf("{\"items\": %lu, \"compatible\": %lu, \"per_second\": %.1f, \"check_only_per_second\": %.1f}\n",
		       (unsigned long)(n / 3), good, (double)(n / 3) / best,
		       best_check > 0 ? (double)(n / 3) / best_check : 0.0);
	free(starts);
	free(lens);
	free(buf);
	return 0;
}
