/* SPDX-License-Identifier: MIT */
/* make check: the library's own unit tests (the conformance cases run through mc-adapter from Python). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo, symlink: the files mc_read_attribute() is tried on */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
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

/* ---- emitting (clause 6) ---- */

static struct mc_attr again;
static char emitted[MC_MAX_ATTRIBUTE + 1], emitted_again[MC_MAX_ATTRIBUTE + 1];

static int same_value(const struct mc_attr *a, const struct mc_value *x, const struct mc_attr *b,
		      const struct mc_value *y)
{
	size_t i;

	if (x->type != y->type)
		return 0;
	if (x->type != MC_SET)
		return x->len == y->len && memcmp(mc_text(a, x->off), mc_text(b, y->off), x->len) == 0;
	if (x->count != y->count)
		return 0;
	for (i = 0; i < x->count; i++) {
		const struct mc_span *m = &a->members[x->first + i], *n = &b->members[y->first + i];

		if (m->len != n->len || memcmp(mc_text(a, m->off), mc_text(b, n->off), m->len) != 0)
			return 0;
	}
	return 1;
}

static int same_span(const struct mc_attr *a, const struct mc_span *x, const struct mc_attr *b,
		     const struct mc_span *y)
{
	return x->len == y->len && memcmp(mc_text(a, x->off), mc_text(b, y->off), x->len) == 0;
}

static int same_fields(const struct mc_attr *a, size_t i, const struct mc_attr *b, size_t j, size_t count)
{
	for (; count--; i++, j++)
		if (!same_span(a, &a->fields[i].key, b, &b->fields[j].key) ||
		    a->fields[i].critical != b->fields[j].critical ||
		    !same_value(a, &a->fields[i].value, b, &b->fields[j].value))
			return 0;
	return 1;
}

static int same_bound(const struct mc_attr *a, const struct mc_bound *x, const struct mc_attr *b,
		      const struct mc_bound *y)
{
	return x->kind == y->kind && x->prefix == y->prefix &&
	       (x->kind != MC_BOUND_VALUE || same_value(a, &x->value, b, &y->value));
}

/* Equal data models (clause 5.1), item by item: the test does not take mc_emit's word for it. */
static int same_model(const struct mc_attr *a, const struct mc_attr *b)
{
	size_t i, j, k;

	if (a->kind != b->kind || a->nfixed != b->nfixed || a->nparams != b->nparams ||
	    a->ndefaults != b->ndefaults || a->nrules != b->nrules ||
	    !same_fields(a, 0, b, 0, a->kind == MC_MIGRATION_VERSION ? a->nfixed : a->ndefaults))
		return 0;
	for (i = 0; i < a->nparams; i++) {
		const struct mc_param *p = &a->params[i], *q = &b->params[i];

		if (!same_span(a, &p->name, b, &q->name) || p->critical != q->critical ||
		    !same_value(a, &p->value, b, &q->value) || p->count != q->count ||
		    !same_fields(a, p->first, b, q->first, p->count))
			return 0;
	}
	for (i = 0; i < a->nrules; i++) {
		if (a->rules[i].count != b->rules[i].count)
			return 0;
		for (j = 0; j < a->rules[i].count; j++) {
			const struct mc_constraint *c = &a->constraints[a->rules[i].first + j];
			const struct mc_constraint *d = &b->constraints[b->rules[i].first + j];

			if (!same_span(a, &c->key, b, &d->key) || c->op != d->op || c->count != d->count)
				return 0;
			for (k = 0; k < c->count; k++) {
				const struct mc_alternative *x = &a->alternatives[c->first + k];
				const struct mc_alternative *y = &b->alternatives[d->first + k];

				if (x->kind != y->kind || x->prefix != y->prefix || !same_bound(a, &x->low, b, &y->low) ||
				    !same_bound(a, &x->high, b, &y->high))
					return 0;
			}
		}
	}
	return 1;
}

/*
 * text parses; its canonical text is canonical (text itself when NULL), and
 * that parses to an equal model whose canonical text is the same.
 */
static void expect_emit(enum mc_kind kind, const char *text, const char *canonical)
{
	int n;

	if (!canonical)
		canonical = text;
	if (parse(&source, kind, text) != 0) {
		fprintf(stderr, "%s: does not parse\n", text);
		failures++;
		return;
	}
	n = mc_emit(&source, emitted, sizeof(emitted));
	if (n != (int)strlen(canonical) || strcmp(emitted, canonical) != 0) {
		fprintf(stderr, "%s: emitted (%d) %s, expected %s\n", text, n, emitted, canonical);
		failures++;
	}
	EXPECT(mc_emit(&source, NULL, 0) == n);
	EXPECT(parse(&again, kind, emitted) == 0 && same_model(&source, &again));
	EXPECT(mc_emit(&again, emitted_again, sizeof(emitted_again)) == n && strcmp(emitted_again, emitted) == 0);
}

static void test_emit(void)
{
	static char big[MC_MAX_ATTRIBUTE + 8], reversed[MC_MAX_ATTRIBUTE + 8];
	char small[16];
	size_t len, i;
	int n;

	/* canonical texts come back as they are */
	expect_emit(MC_MIGRATION_VERSION,
		    "mc1 device_api=vfio-pci driver=mtty mtty.ports=2 ~name=Dual%20port%20serial stream=mtty "
		    "stream_version=1.0 type=mtty-2\n",
		    NULL);
	expect_emit(MC_MIGRATION_VERSION, "mc1 a=18446744073709551615 b=0/1 c={} d={1,1.0,a} e=1.0.0\n", NULL);
	expect_emit(MC_MIGRATION_VERSION, "mc1 driver=i915\nparam share=1/8 aggregate=1\nparam ~mode=x\n", NULL);
	expect_emit(MC_COMPATIBLE_DEVICES, "mc1\n", NULL);
	expect_emit(MC_COMPATIBLE_DEVICES,
		    "mc1\ndefault gvt.pv_mode={} x=1.0.0\naccept a=3|1..2|$|..0 b<={a,b} c>=$ d=* e=$1..$2|$3 "
		    "f=1/2.. g=..$ h={x}|{}\naccept\n",
		    NULL);
	/* other texts of the same models: sorted keys, members and constraints; the final LF */
	expect_emit(MC_MIGRATION_VERSION, "mc1 z=1 a={b,a} ~m=1/2", "mc1 a={a,b} ~m=1/2 z=1\n");
	expect_emit(MC_MIGRATION_VERSION, "mc1 gvtx=3 gvt_x=2 gvt9=1 gvt.pv_mode={}",
		    "mc1 gvt.pv_mode={} gvt9=1 gvt_x=2 gvtx=3\n");
	expect_emit(MC_MIGRATION_VERSION, "mc1 t=x\nparam p=1 z=2 ~b={y,x}\nparam p=2",
		    "mc1 t=x\nparam p=1 ~b={x,y} z=2\nparam p=2\n");
	expect_emit(MC_COMPATIBLE_DEVICES, "mc1\ndefault z=1 a={y,x}\naccept z=1 b=2|1 a<={q,p}\naccept y=*",
		    "mc1\ndefault a={x,y} z=1\naccept a<={p,q} b=2|1 z=1\naccept y=*\n");

	/* snprintf's contract: the whole length, at most size bytes written, the last a NUL */
	parse(&source, MC_MIGRATION_VERSION, "mc1 b=2 a=1");
	memset(small, 'X', sizeof(small));
	EXPECT(mc_emit(&source, small, 5) == 12 && strcmp(small, "mc1 ") == 0 && small[5] == 'X');
	EXPECT(mc_emit(&source, small, 12) == 12 && strcmp(small, "mc1 a=1 b=2") == 0);
	EXPECT(mc_emit(&source, small, 13) == 12 && strcmp(small, "mc1 a=1 b=2\n") == 0 && small[13] == 'X');
	memset(small, 'X', sizeof(small));
	EXPECT(mc_emit(&source, small, 1) == 12 && small[0] == '\0' && small[1] == 'X');
	EXPECT(mc_emit(&source, NULL, 0) == 12);

	/* misuse: no attribute, a failed parse, a zeroed struct, a NULL buffer with a size */
	EXPECT(mc_emit(NULL, small, sizeof(small)) == -(int)MC_E_USAGE && small[0] == '\0');
	EXPECT(mc_emit(&source, NULL, 4) == -(int)MC_E_USAGE);
	parse(&again, MC_MIGRATION_VERSION, "mc1 a=01");
	EXPECT(mc_emit(&again, small, sizeof(small)) == -(int)MC_E_USAGE);
	memset(&again, 0, sizeof(again));
	EXPECT(mc_emit(&again, small, sizeof(small)) == -(int)MC_E_USAGE);

	/* the page limit: 4094 bytes and an LF fill MC_MAX_ATTRIBUTE + 1 bytes with the NUL, in any order */
	len = (size_t)sprintf(big, "mc1");
	for (i = 0; len < MC_MAX_ATTRIBUTE - 1; i++) {
		size_t tokens = MC_MAX_ATTRIBUTE - 1 - len - 6 < 250 ? MC_MAX_ATTRIBUTE - 1 - len - 6 : 250;

		len += (size_t)sprintf(big + len, " f%03u=", (unsigned)i);
		memset(big + len, 't', tokens);
		len += tokens;
	}
	memcpy(big + len, "\n", 2);
	EXPECT(len == MC_MAX_ATTRIBUTE - 1);
	expect_emit(MC_MIGRATION_VERSION, big, NULL);
	EXPECT(mc_emit(&source, emitted, sizeof(emitted)) == MC_MAX_ATTRIBUTE);
	/* the same fields, last first, without the final LF */
	n = sprintf(reversed, "mc1");
	for (i = len; i > 3; i--)
		if (big[i - 1] == ' ')
			n += sprintf(reversed + n, " %.*s", (int)strcspn(big + i, " \n"), big + i);
	EXPECT(n == (int)len && strncmp(reversed, big, len) != 0);
	expect_emit(MC_MIGRATION_VERSION, reversed, big);
}

/* ---- misuse: an input inside the struct; readers on a value of another type ---- */

/* An attribute with bytes before it, so that an input can start outside it and end inside. */
static struct box {
	char before[8];
	struct mc_attr attr;
} boxed;

static void test_overlap(void)
{
	struct mc_error e = { MC_OK, 9, 9 };

	/* the struct's own text: refused before anything is written, so source stays as parsed */
	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 a=1 b=x") == 0);
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, source.text, source.len, &e) == -1);
	EXPECT(e.code == MC_E_USAGE && e.line == 0 && e.column == 0);
	EXPECT(source.error.code == MC_OK && source.len == 11 && source.nfixed == 2);
	EXPECT(strcmp(source.text, "mc1 a=1 b=x") == 0);
	/* any byte in common counts: the last byte of the struct, or a range that ends in its first */
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, (const char *)(&source + 1) - 1, 1, NULL) == -1);
	EXPECT(source.error.code == MC_OK && source.nfixed == 2);
	memcpy(boxed.before, "mc1 a=1", 8);
	EXPECT(mc_parse(&boxed.attr, MC_MIGRATION_VERSION, boxed.before, offsetof(struct box, attr) + 1, &e) == -1);
	EXPECT(e.code == MC_E_USAGE && boxed.attr.kind == 0);
	EXPECT(mc_parse(&boxed.attr, MC_MIGRATION_VERSION, boxed.before, 7, &e) == 0 && boxed.attr.nfixed == 1);
	/* a copy elsewhere parses; no byte in common and nothing to read are not misuse */
	memcpy(&again, &source, sizeof(source));
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, again.text, again.len, &e) == 0 && e.code == MC_OK);
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, source.text, 0, &e) == -1 && e.code == MC_E_EMPTY);

	/* emitting into the attribute's own text would read what it writes: refused, nothing written */
	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 zz=1 driver=foo device_api=vfio-pci features={msix,ats}") == 0);
	EXPECT(mc_emit(&source, source.text, sizeof(source.text)) == -(int)MC_E_USAGE);
	EXPECT(strcmp(source.text, "mc1 zz=1 driver=foo device_api=vfio-pci features={msix,ats}") == 0);
	EXPECT(mc_emit(&source, (char *)(&source + 1) - 1, 1) == -(int)MC_E_USAGE);
	EXPECT(mc_emit(&boxed.attr, boxed.before, offsetof(struct box, attr) + 1) == -(int)MC_E_USAGE);
	EXPECT(mc_emit(&boxed.attr, boxed.before, offsetof(struct box, attr)) == 8); /* cut to fit, as snprintf */
	EXPECT(strncmp(boxed.before, "mc1 a=1\n", offsetof(struct box, attr) - 1) == 0);
	/* a reason's line written over an attribute or the reason itself: refused the same way */
	EXPECT(parse(&target, MC_COMPATIBLE_DEVICES, "mc1\naccept driver=bar") == 0);
	mc_check(&source, &target, NULL, &verdict);
	EXPECT(verdict.answer == MC_INCOMPATIBLE && verdict.nreasons > 0);
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], target.text, 64) == -MC_E_USAGE);
	EXPECT(strcmp(target.text, "mc1\naccept driver=bar") == 0);
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], source.text, 64) == -MC_E_USAGE);
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], (char *)&verdict.reasons[0], 8) == -MC_E_USAGE);
}

static void test_readers(void)
{
	uint64_t n = 7, d = 7;
	const struct mc_value *token, *integer, *version, *ratio;

	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 i=42 r=3/4 t=abc v=0.2.3") == 0);
	integer = &source.fields[0].value;
	ratio = &source.fields[1].value;
	token = &source.fields[2].value;
	version = &source.fields[3].value;
	EXPECT(mc_integer(&source, integer) == 42);
	EXPECT(mc_integer(&source, token) == 0 && mc_integer(&source, version) == 0);
	EXPECT(mc_integer(&source, ratio) == 0 && mc_integer(NULL, integer) == 0 && mc_integer(&source, NULL) == 0);

	EXPECT(mc_version_parts(&source, version) == 3);
	EXPECT(mc_version_parts(&source, integer) == 0 && mc_version_parts(&source, token) == 0);
	EXPECT(mc_version_part(&source, version, 0) == 0 && mc_version_part(&source, version, 2) == 3);
	EXPECT(mc_version_part(&source, version, 3) == 0 && mc_version_part(&source, version, 100) == 0);
	EXPECT(mc_version_part(&source, integer, 0) == 0 && mc_version_part(&source, token, 0) == 0);

	mc_ratio(&source, ratio, &n, &d);
	EXPECT(n == 3 && d == 4);
	mc_ratio(&source, integer, &n, &d);
	EXPECT(n == 0 && d == 0);
	n = d = 7;
	mc_ratio(&source, token, &n, &d);
	EXPECT(n == 0 && d == 0);
	mc_ratio(&source, ratio, NULL, &d);
	EXPECT(d == 4);
	mc_ratio(NULL, ratio, &n, NULL);
	EXPECT(n == 0);
}

/* ---- reading an attribute file as the Python reader does (mc_read_attribute) ---- */

static void put(int dir, const char *name, const char *text, size_t len)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, 0444);

	EXPECT(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

/* A new directory made from *template* (mkdtemp's, which it fills in), open; -1 when it cannot be made. */
static int temp_dir(char *template)
{
	int dir;

	EXPECT(mkdtemp(template) != NULL);
	dir = open(template, O_RDONLY | O_DIRECTORY);
	EXPECT(dir >= 0);
	return dir;
}

static void test_read_attribute(void)
{
	char path[] = "/tmp/mc-read-XXXXXX";
	static char buf[MC_READ_SIZE], big[MC_READ_SIZE + 100];
	char small[9];
	int dir = temp_dir(path);

	if (dir < 0)
		return;
	put(dir, "migration_version", "mc1 a=b\n", 8);
	EXPECT(mc_read_attribute(dir, "migration_version", buf, sizeof(buf)) == 8 && strcmp(buf, "mc1 a=b\n") == 0);
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, buf, 8, NULL) == 0);
	/* a buffer smaller than MC_READ_SIZE: a file that fits is read, one that does not is never cut */
	EXPECT(mc_read_attribute(dir, "migration_version", small, 9) == 8 && strcmp(small, "mc1 a=b\n") == 0);
	strcpy(small, "stale");
	EXPECT(mc_read_attribute(dir, "migration_version", small, 8) == -EOVERFLOW && small[0] == 0);
	EXPECT(mc_read_attribute(dir, "migration_compatible_devices", buf, sizeof(buf)) == -ENOENT && buf[0] == 0);

	/* a file longer than an attribute (a copied tree): MC_READ_SIZE - 1 bytes, which mc_parse calls too-long */
	memset(big, 'a', sizeof(big));
	memcpy(big, "mc1 a=", 6);
	put(dir, "long", big, sizeof(big));
	EXPECT(mc_read_attribute(dir, "long", buf, sizeof(buf)) == MC_READ_SIZE - 1);
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, buf, MC_READ_SIZE - 1, NULL) == -1);
	EXPECT(strcmp(mc_code_name(source.error.code), "too-long") == 0);

	/* what is not a regular file is refused unopened; a final link is not followed */
	EXPECT(symlinkat("migration_version", dir, "link") == 0);
	EXPECT(mkfifoat(dir, "fifo", 0600) == 0);
	EXPECT(mkdirat(dir, "sub", 0700) == 0);
	EXPECT(mc_read_attribute(dir, "link", buf, sizeof(buf)) == -ELOOP);
	EXPECT(mc_read_attribute(dir, "fifo", buf, sizeof(buf)) == -EINVAL);  /* a FIFO would wait for a writer */
	EXPECT(mc_read_attribute(dir, "sub", buf, sizeof(buf)) == -EINVAL);
	EXPECT(mc_read_attribute(AT_FDCWD, "/dev/zero", buf, sizeof(buf)) == -EINVAL);  /* never read without end */
	strcpy(buf, "stale");
	EXPECT(mc_read_attribute(dir, "", buf, sizeof(buf)) == -EINVAL && buf[0] == 0);
	strcpy(buf, "stale");
	EXPECT(mc_read_attribute(dir, NULL, buf, sizeof(buf)) == -EINVAL && buf[0] == 0);
	EXPECT(mc_read_attribute(dir, "migration_version", NULL, 10) == -EINVAL);
	EXPECT(mc_read_attribute(dir, "migration_version", buf, 0) == -EINVAL);

	/* AT_FDCWD and a path */
	{
		char full[64];

		EXPECT(snprintf(full, sizeof(full), "%s/migration_version", path) < (int)sizeof(full));
		EXPECT(mc_read_attribute(AT_FDCWD, full, buf, sizeof(buf)) == 8);
	}
	unlinkat(dir, "migration_version", 0);
	unlinkat(dir, "long", 0);
	unlinkat(dir, "link", 0);
	unlinkat(dir, "fifo", 0);
	unlinkat(dir, "sub", AT_REMOVEDIR);
	close(dir);
	rmdir(path);
}

/* ---- finding the directory of a device's attributes (mc_open_placement) ---- */

/* The attributes' text read through mc_open_placement(dir, name), or an errno as "-N". */
static const char *placement_text(int dir, const char *name)
{
	static char buf[MC_READ_SIZE];
	int fd = mc_open_placement(dir, name);
	long len;

	if (fd < 0) {
		snprintf(buf, sizeof(buf), "%d", fd);
		return buf;
	}
	len = mc_read_attribute(fd, "migration_version", buf, sizeof(buf));
	close(fd);
	if (len < 0)
		snprintf(buf, sizeof(buf), "%ld", len);
	return buf;
}

static void test_open_placement(void)
{
	char path[] = "/tmp/mc-placement-XXXXXX", expected[16];
	int dir = temp_dir(path);

	if (dir < 0)
		return;
	/* a type's directory, or a device that writes its attributes itself */
	EXPECT(mkdirat(dir, "type", 0700) == 0);
	put(dir, "type/migration_version", "mc1 t=1\n", 8);
	EXPECT(strcmp(placement_text(dir, "type"), "mc1 t=1\n") == 0);
	/* a vfio-pci variant driver's device: vfio-dev/vfioN; the caller's own path may be a link */
	EXPECT(mkdirat(dir, "dev", 0700) == 0 && mkdirat(dir, "dev/vfio-dev", 0700) == 0);
	EXPECT(mkdirat(dir, "dev/vfio-dev/vfio3", 0700) == 0);
	put(dir, "dev/vfio-dev/vfio3/migration_version", "mc1 d=1\n", 8);
	EXPECT(strcmp(placement_text(dir, "dev"), "mc1 d=1\n") == 0);
	EXPECT(symlinkat("dev", dir, "link-to-dev") == 0);
	EXPECT(strcmp(placement_text(dir, "link-to-dev"), "mc1 d=1\n") == 0);
	/* two vfio devices: which is meant is the caller's to say */
	EXPECT(mkdirat(dir, "dev/vfio-dev/vfio4", 0700) == 0);
	snprintf(expected, sizeof(expected), "%d", -EEXIST);
	EXPECT(strcmp(placement_text(dir, "dev"), expected) == 0);
	/* links under the device are never followed */
	EXPECT(mkdirat(dir, "linked", 0700) == 0 && symlinkat("../dev/vfio-dev", dir, "linked/vfio-dev") == 0);
	snprintf(expected, sizeof(expected), "%d", -ELOOP);
	EXPECT(strcmp(placement_text(dir, "linked"), expected) == 0);
	EXPECT(mkdirat(dir, "inner", 0700) == 0 && mkdirat(dir, "inner/vfio-dev", 0700) == 0);
	EXPECT(symlinkat("../../dev/vfio-dev/vfio3", dir, "inner/vfio-dev/vfio0") == 0);
	EXPECT(strcmp(placement_text(dir, "inner"), expected) == 0);
	/* a vfioN that is a file, not a link: not a directory (as the Python reader says), not -ELOOP */
	EXPECT(mkdirat(dir, "flat", 0700) == 0 && mkdirat(dir, "flat/vfio-dev", 0700) == 0);
	put(dir, "flat/vfio-dev/vfio0", "x", 1);
	snprintf(expected, sizeof(expected), "%d", -ENOTDIR);
	EXPECT(strcmp(placement_text(dir, "flat"), expected) == 0);
	/* a device of no vfio device and no attribute: the attribute reads as absent */
	EXPECT(mkdirat(dir, "bare", 0700) == 0);
	snprintf(expected, sizeof(expected), "%d", -ENOENT);
	EXPECT(strcmp(placement_text(dir, "bare"), expected) == 0);
	EXPECT(strcmp(placement_text(dir, "missing"), expected) == 0);
	EXPECT(mc_open_placement(dir, "") == -EINVAL && mc_open_placement(dir, NULL) == -EINVAL);
	close(dir);
	{
		char command[64];

		EXPECT(snprintf(command, sizeof(command), "rm -rf %s", path) < (int)sizeof(command));
		EXPECT(system(command) == 0);
	}
}

/* ---- the release: the header's macros, mc_version(), the Makefile's VERSION and migcompat.pc agree ---- */

static void test_version(const char *pc)
{
	char line[256], expected[64];
	int versions = 0, same = 0;
	FILE *f;

	snprintf(expected, sizeof(expected), "%d.%d.%d", MC_VERSION_MAJOR, MC_VERSION_MINOR, MC_VERSION_PATCH);
	EXPECT(strcmp(MC_VERSION_STRING, expected) == 0);
	EXPECT(strcmp(mc_version(), MC_VERSION_STRING) == 0);
	EXPECT(mc_version_number() == MC_VERSION_NUMBER);
	EXPECT(MC_VERSION_MINOR < 100 && MC_VERSION_PATCH < 100);
	EXPECT(mc_version_number() == 10000u * MC_VERSION_MAJOR + 100u * MC_VERSION_MINOR + MC_VERSION_PATCH);
#ifdef MC_MAKE_VERSION /* the Makefile's VERSION, which names the shared library's file */
	EXPECT(strcmp(mc_version(), MC_MAKE_VERSION) == 0);
#endif
	if (!pc)
		return;
	f = fopen(pc, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot be read\n", pc);
		failures++;
		return;
	}
	snprintf(expected, sizeof(expected), "Version: %s\n", mc_version());
	while (fgets(line, sizeof(line), f)) {
		versions += strncmp(line, "Version:", 8) == 0;
		same += strcmp(line, expected) == 0;
	}
	fclose(f);
	if (versions != 1 || same != 1) {
		fprintf(stderr, "%s: no one line \"Version: %s\"\n", pc, mc_version());
		failures++;
	}
}

/* ---- review r5: NULL arguments, names never NULL, reasons that outlive their attributes, text ---- */

static char line[512];

static void test_find_field_arguments(void)
{
	static struct mc_attr zero;

	EXPECT(parse(&source, MC_MIGRATION_VERSION, "mc1 a=1 b=2") == 0);
	EXPECT(mc_find_field(NULL, "a", 1) == -1);
	EXPECT(mc_find_field(&source, NULL, 1) == -1);
	EXPECT(mc_find_field(&source, NULL, 0) == -1); /* the empty key, which no field has */
	EXPECT(mc_find_field(&zero, "a", 1) == -1);
	EXPECT(mc_find_field(&source, "b", 1) == 1);
}

static void test_names(void)
{
	EXPECT(strcmp(mc_grade_name(MC_GRADE_NONE), "none") == 0);
	EXPECT(strcmp(mc_grade_name(MC_IDENTICAL), "identical") == 0);
	EXPECT(strcmp(mc_grade_name(MC_ACCEPTED), "accepted") == 0);
	EXPECT(strcmp(mc_grade_name((enum mc_grade)7), "?") == 0);
	EXPECT(strcmp(mc_grade_name((enum mc_grade)-1), "?") == 0);
	EXPECT(strcmp(mc_answer_name((enum mc_answer)0), "?") == 0);
	EXPECT(strcmp(mc_code_name((enum mc_code)1000), "?") == 0);
}

/* A verdict kept after its attributes are parsed again: key_in and key_off still find the key in copies. */
static void test_reason_keys(void)
{
	static struct mc_attr kept_source, kept_target;
	static struct mc_verdict kept;
	const struct mc_reason *r;

	EXPECT(check("mc1 x=1 zeta=2", "mc1\naccept zeta=3", NULL) == MC_INCOMPATIBLE && verdict.nreasons == 2);
	memcpy(&kept_source, &source, sizeof(source));
	memcpy(&kept_target, &target, sizeof(target));
	memcpy(&kept, &verdict, sizeof(verdict));
	/* the natural loop: the same structs parsed for the next candidate */
	EXPECT(check("mc1 q=1", "mc1\naccept q=1", NULL) == MC_COMPATIBLE);
	r = &kept.reasons[0];
	EXPECT(r->code == MC_R_UNCONSTRAINED_CRITICAL && r->key_in == MC_SOURCE && r->key_len == 1);
	EXPECT(memcmp(mc_text(&kept_source, r->key_off), "x", 1) == 0);
	r = &kept.reasons[1];
	EXPECT(r->code == MC_R_NOT_EQUAL && r->key_in == MC_TARGET && r->key_len == 4);
	EXPECT(memcmp(mc_text(&kept_target, r->key_off), "zeta", 4) == 0);
	EXPECT(check("mc1 a=1", "mc1", NULL) == MC_INCOMPATIBLE && verdict.reasons[0].key_in == 0);
}

static void test_messages(void)
{
	int code, n;

	for (code = 0; code < MC_CODE_COUNT; code++) {
		const char *m = mc_error_message((enum mc_code)code);

		EXPECT(m && *m && strcmp(m, "unknown code") != 0 && m[strlen(m) - 1] != '.');
	}
	EXPECT(strcmp(mc_error_message((enum mc_code)1000), "unknown code") == 0);
	EXPECT(strcmp(mc_error_message((enum mc_code)-1), "unknown code") == 0);

	EXPECT(check("mc1 stream_version=1.2", "mc1\naccept stream_version=1.0..1.1", NULL) ==
	       MC_INCOMPATIBLE);
	EXPECT(verdict.nnearest == 1 && verdict.nreasons == 1);
	n = mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(n == (int)strlen(line));
	EXPECT(strcmp(line, "rule 0: the source's stream_version=1.2 does not satisfy stream_version=1.0..1.1 "
			    "[above-range]") == 0);
	/* snprintf semantics: measured, cut, terminated */
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], NULL, 0) == n);
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], line, 8) == n && strcmp(line, "rule 0:") == 0);
	EXPECT(mc_reason_format(&source, &target, NULL, line, sizeof(line)) == -MC_E_USAGE && line[0] == '\0');
	EXPECT(mc_reason_format(&source, &target, &verdict.reasons[0], NULL, 4) == -MC_E_USAGE);
	/* without the attributes: the code's sentence */
	mc_reason_format(NULL, NULL, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's value is above the range the rule accepts [above-range]") == 0);
	/* a reason whose key does not fit its attribute (made by hand, or kept past it): the code's sentence, no read
	 * outside the attribute, even where key_off + key_len wraps */
	{
		struct mc_reason forged = verdict.reasons[0];

		forged.key_len = SIZE_MAX - 1;
		forged.key_off = 2;
		mc_reason_format(&source, &target, &forged, line, sizeof(line));
		EXPECT(strcmp(line, "rule 0: the source's value is above the range the rule accepts [above-range]") == 0);
		forged.key_len = MC_MAX_KEY + 1;
		forged.key_off = 0;
		mc_reason_format(&source, &target, &forged, line, sizeof(line));
		EXPECT(strcmp(line, "rule 0: the source's value is above the range the rule accepts [above-range]") == 0);
	}

	/* the longest lines: a set filling the source against a subset filling the target, a 63-byte key in both */
	{
		static char s[MC_MAX_ATTRIBUTE + 1], t[MC_MAX_ATTRIBUTE + 1], whole[MC_REASON_LINE_MAX];
		static const char key[] = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
		int i, ns, nt;

		EXPECT(sizeof(key) - 1 == MC_MAX_KEY);
		ns = sprintf(s, "mc1 %s={", key);
		nt = sprintf(t, "mc1\naccept %s<={", key);
		for (i = 0; i < MC_MAX_MEMBERS; i++) {
			ns += sprintf(s + ns, "%sm%02d%.*s", i ? "," : "", i, 55, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			nt += sprintf(t + nt, "%sn%02d%.*s", i ? "," : "", i, 55, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		}
		sprintf(s + ns, "}");
		sprintf(t + nt, "}");
		EXPECT(check(s, t, NULL) == MC_INCOMPATIBLE && verdict.nreasons == 1);
		n = mc_reason_format(&source, &target, &verdict.reasons[0], whole, sizeof(whole));
		EXPECT(n > 2 * (MC_MAX_ATTRIBUTE - 300) && n < MC_REASON_LINE_MAX && n == (int)strlen(whole));
		EXPECT(strstr(whole, "[not-subset]") == whole + n - strlen("[not-subset]"));
	}

	EXPECT(check("mc1 k=a", "mc1\ndefault pv={}\naccept k=a pv={x}", NULL) == MC_INCOMPATIBLE);
	mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's pv={} (the rule set's default) does not satisfy pv={x} [not-equal]") ==
	       0);
	EXPECT(check("mc1 k=a", "mc1\naccept k=a features<={x}", NULL) == MC_COMPATIBLE);
	EXPECT(check("mc1 k=a", "mc1\naccept k=b features>={x}", NULL) == MC_INCOMPATIBLE);
	mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's features={} (the registry's default) does not satisfy features>={x} "
			    "[not-superset]") == 0);
	EXPECT(check("mc1 k=a x=1", "mc1\naccept k=a", NULL) == MC_INCOMPATIBLE);
	mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's critical field x=1 has no constraint in the rule "
			    "[unconstrained-critical]") == 0);
	EXPECT(check("mc1 k=a", "mc1\naccept k=a m=1", NULL) == MC_UNKNOWN);
	mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source has no m and no default gives one, so m=1 is undecided [missing-field]") ==
	       0);
	EXPECT(check("mc1 k=a", "mc1\naccept k=$", NULL) == MC_UNKNOWN);
	mc_reason_format(&source, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: k=$ reads the target's own k, which the target does not have [missing-self]") == 0);

	/* mc_reason_format_own: what $ and $N were, from the target's own description or the type's choice */
	EXPECT(check("mc1 a=1 v=1.5 s={x,y}", "mc1\naccept a=$ s<=$ v=$1..$", "mc1 a=2 s={x} v=1.4") == MC_INCOMPATIBLE);
	EXPECT(verdict.nreasons == 3);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's a=1 does not satisfy a=$ (the target's own a=2) [not-equal]") == 0);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[1], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's s={x,y} does not satisfy s<=$ (the target's own s={x}) [not-subset]") ==
	       0);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[2], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's v=1.5 does not satisfy v=$1..$ (the target's own v=1.4) "
			    "[above-range]") == 0);
	mc_reason_format_own(&source, &target, NULL, &verdict, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's a=1 does not satisfy a=$ [not-equal]") == 0); /* no own: as before */
	EXPECT(mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0], (char *)&verdict,
				    16) == -MC_E_USAGE);
	EXPECT(mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0],
				    self_attr.text + 2, 16) == -MC_E_USAGE);
	/* a constraint without $ gains nothing, even where the target has its own value */
	EXPECT(check("mc1 a=1", "mc1\naccept a=3", "mc1 a=2") == MC_INCOMPATIBLE);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's a=1 does not satisfy a=3 [not-equal]") == 0);
	/* a device type: the value of the param line the verdict chose */
	EXPECT(check("mc1 a=2 p=5", "mc1\naccept a=2 p=..$", "mc1 a=2\nparam p=1\nparam p=2") == MC_INCOMPATIBLE);
	EXPECT(verdict.nchoice == 1);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's p=5 does not satisfy p=..$ (the target's own p=1) [above-range]") == 0);
	EXPECT(check("mc1 a=2 p=2 q=9", "mc1\naccept a=2 p=2 q=..$", "mc1 a=2\nparam p=1 q=3\nparam p=2 q=4") ==
	       MC_INCOMPATIBLE);
	mc_reason_format_own(&source, &target, &self_attr, &verdict, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "rule 0: the source's q=9 does not satisfy q=..$ (the target's own q=3) [above-range]") == 0);
	mc_check(NULL, &target, NULL, &verdict);
	mc_reason_format(NULL, &target, &verdict.reasons[0], line, sizeof(line));
	EXPECT(strcmp(line, "an attribute is missing or invalid: the source's migration_version [missing-attribute]") ==
	       0);
}

/* ---- hints for syntax errors (mc_syntax_hint): the Python reference's syntax_hint, byte for byte ---- */

static char hint[MC_HINT_MAX];

/* text fails to parse with syntax at at_line:column, and its hint is expected (NULL: none): measured, and written
 * whole into a buffer of MC_HINT_MAX bytes. */
static void expect_hint(enum mc_kind kind, const char *text, unsigned at_line, unsigned column, const char *expected)
{
	struct mc_error e;
	size_t len = strlen(text);
	int n;

	EXPECT(mc_parse(&source, kind, text, len, &e) == -1);
	if (e.code != MC_E_SYNTAX || e.line != at_line || e.column != column) {
		fprintf(stderr, "%s: got %s at %u:%u, expected syntax at %u:%u\n", text, mc_code_name(e.code), e.line,
			e.column, at_line, column);
		failures++;
		return;
	}
	if (!expected)
		expected = "";
	memset(hint, 'X', sizeof(hint));
	n = mc_syntax_hint(kind, text, len, e.line, e.column, hint, sizeof(hint));
	if (n != (int)strlen(expected) || strcmp(hint, expected) != 0) {
		fprintf(stderr, "%s: hint (%d) \"%s\", expected \"%s\"\n", text, n, hint, expected);
		failures++;
	}
	EXPECT(mc_syntax_hint(kind, text, len, at_line, column, NULL, 0) == n);
}

#define SELF_TERMS "$ (the target's own value) and $1 to $7 (its own version cut to 1 to 7 components)"
#define LOWER_CASE "keys are lower case (a lower-case letter, then lower-case letters, digits and _; clause 5.2): write "
#define MARK "the ignorable mark ~ belongs on a field of the migration_version; keys in "

static void test_syntax_hints(void)
{
	static const char upper[] = "mc1 device_API=vfio-pci\n";
	static const char want[] = LOWER_CASE "device_api";
	static char text[MC_MAX_ATTRIBUTE + 1], shared[64];
	const size_t len = sizeof(upper) - 1, n = sizeof(want) - 1;
	char small[16];
	size_t i, k;
	int got;

	/* each slip of the reference's table, in its order, and its wording (tests/test_syntax_hints.py has more) */
	/* $ outside an accept rule */
	expect_hint(MC_MIGRATION_VERSION, "mc1 driver=d stream_version=$\n", 1, 29,
		    SELF_TERMS " are allowed only in the accept rules of a migration_compatible_devices; a "
			       "migration_version gives each field a literal value");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\ndefault gvt.pv_mode=$\n", 2, 21,
		    SELF_TERMS " are allowed only in the accept rules of a migration_compatible_devices; a default "
			       "line gives each key a literal value (clause 5.7)");
	/* ~ in a rule or the default line; the key to write only when a letter follows the marks */
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept ~name=x\n", 2, 8,
		    MARK "accept lines carry no mark (clause 5.4): write name=x");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\ndefault ~a.b=1\n", 2, 9,
		    MARK "default lines carry no mark (clause 5.4): write a.b=1");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept ~~1=x\n", 2, 8, MARK "accept lines carry no mark (clause 5.4)");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\ndefault feature~s={}\n", 2, 16, NULL); /* a ~ inside a key */
	/* $N as the operand of <= or >= */
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept features<=$1\n", 2, 19,
		    "the operand of <= is a set or $ alone, never $N (clause 5.6)");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept features>=$7\n", 2, 19,
		    "the operand of >= is a set or $ alone, never $N (clause 5.6)");
	/* an unknown $-form */
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept stream_version=$8\n", 2, 24,
		    "$8 is not a self-reference: the forms are " SELF_TERMS " (clause 5.6)");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept a=$x\n", 2, 11,
		    "$x is not a self-reference: the forms are " SELF_TERMS " (clause 5.6)");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept a=$1x..2\n", 2, 12,
		    "$1x is not a self-reference: the forms are " SELF_TERMS " (clause 5.6)");
	/* an upper-case key; the mark kept where it belongs */
	expect_hint(MC_MIGRATION_VERSION, upper, 1, 12, want);
	expect_hint(MC_MIGRATION_VERSION, "mc1 ~Name=x\n", 1, 6, LOWER_CASE "~name");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept nvidia.Vgpu_mgr=1\n", 2, 14, LOWER_CASE "nvidia.vgpu_mgr");
	/* a space inside a set */
	expect_hint(MC_MIGRATION_VERSION, "mc1 features={a, b}\n", 1, 17,
		    "a set's members are separated by a comma alone ({a,b}); a space inside a value must be escaped as %20");
	/* a space inside a value, before an operator, before a keyword */
	expect_hint(MC_MIGRATION_VERSION, "mc1 driver=nvidia type=GRID T4-2Q\n", 1, 29,
		    "T4-2Q is not a key=value: a value cannot hold a space; if it belongs to the value before it, escape "
		    "the space as %20 (type=GRID%20T4-2Q)");
	expect_hint(MC_MIGRATION_VERSION, "mc1 driver=foo type =x\n", 1, 20,
		    "no space between a key and its operator: write type=x");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept a=1 accept b=2\n", 2, 18,
		    "accept starts a line: begin a new line before it (clause 4.2)");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept a={x,y} z\n", 2, 17, NULL); /* no %20 joins a set and a word */
	/* a default line after an accept line, or a second one */
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept driver=d\ndefault a.b=1\n", 3, 1,
		    "the default line comes before every accept line (clause 4.2): move it to just after the header");
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\ndefault a.b=1\ndefault a.c=1\n", 3, 1,
		    "there is at most one default line (clause 4.2): give every default on it");
	/* no slip to name */
	expect_hint(MC_MIGRATION_VERSION, "mc1 a\n", 1, 6, NULL);
	expect_hint(MC_COMPATIBLE_DEVICES, "mc1\nacept a=1\n", 2, 1, NULL);

	/* snprintf's contract: the whole length, at most size bytes written, the last a NUL */
	memset(small, 'X', sizeof(small));
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, NULL, 0) == (int)n);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, small, 0) == (int)n && small[0] == 'X');
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, small, 1) == (int)n && small[0] == '\0' &&
	       small[1] == 'X');
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, small, 8) == (int)n &&
	       strcmp(small, "keys ar") == 0 && small[8] == 'X');
	/* exact fit: n + 1 bytes hold the hint and its NUL; n bytes lose its last byte */
	memset(hint, 'X', sizeof(hint));
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, hint, n + 1) == (int)n &&
	       strcmp(hint, want) == 0 && hint[n + 1] == 'X');
	memset(hint, 'X', sizeof(hint));
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, hint, n) == (int)n &&
	       strncmp(hint, want, n - 1) == 0 && hint[n - 1] == '\0' && hint[n] == 'X');
	/* no hint: 0 and the empty string */
	memset(small, 'X', sizeof(small));
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, "mc1 a\n", 6, 1, 6, small, sizeof(small)) == 0 && small[0] == '\0');

	/* positions outside the text: line 0, past the last line (after the final LF is a line, empty), column 0,
	 * past the line's end + 1 */
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 0, 12, small, sizeof(small)) == 0 && small[0] == '\0');
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 2, 1, small, sizeof(small)) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 3, 1, small, sizeof(small)) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len - 1, 2, 1, small, sizeof(small)) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 0, small, sizeof(small)) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, (unsigned)len + 1, small, sizeof(small)) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, (unsigned)len, NULL, 0) == 0); /* at the line's end */
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 100000, 4000000000u, NULL, 0) == 0);
	/* the text is read to len only: the same hint from the first line alone, none when cut inside the key */
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, 15, 1, 12, NULL, 0) == (int)n);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, 14, 1, 12, NULL, 0) == 0);

	/* misuse: an unknown kind, a NULL text with a length, a NULL buffer with a size */
	memset(small, 'X', sizeof(small));
	EXPECT(mc_syntax_hint((enum mc_kind)0, upper, len, 1, 12, small, sizeof(small)) == -(int)MC_E_USAGE &&
	       small[0] == '\0');
	EXPECT(mc_syntax_hint((enum mc_kind)3, upper, len, 1, 12, NULL, 0) == -(int)MC_E_USAGE);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, NULL, 4, 1, 1, small, sizeof(small)) == -(int)MC_E_USAGE);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, upper, len, 1, 12, NULL, 4) == -(int)MC_E_USAGE);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, NULL, 0, 1, 1, small, sizeof(small)) == 0 && small[0] == '\0');
	/* a buffer that shares a byte with the text: refused before anything is written; just after it is not */
	memcpy(shared, upper, sizeof(upper));
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, shared, len, 1, 12, shared, sizeof(shared)) == -(int)MC_E_USAGE);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, shared, len, 1, 12, shared + len - 1, 8) == -(int)MC_E_USAGE);
	EXPECT(strcmp(shared, upper) == 0);
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, shared, len, 1, 12, shared + len, sizeof(shared) - len) == (int)n);
	EXPECT(memcmp(shared, upper, len) == 0 && strncmp(shared + len, want, sizeof(shared) - len - 1) == 0);

	/* at most 40 bytes of an item quoted: 40 whole, 41 as its first 37 and "..." */
	k = (size_t)sprintf(text, "mc1\naccept a=$");
	memset(text + k, 'y', 39);
	strcpy(text + k + 39, "\n");
	expect_hint(MC_COMPATIBLE_DEVICES, text, 2, 11,
		    "$yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy is not a self-reference: the forms are " SELF_TERMS
		    " (clause 5.6)");
	strcpy(text + k + 39, "y\n");
	expect_hint(MC_COMPATIBLE_DEVICES, text, 2, 11,
		    "$yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy... is not a self-reference: the forms are " SELF_TERMS
		    " (clause 5.6)");
	/* the longest hint: a key written whole after "write " is cut to 40 bytes, its operator's item never is; it
	 * fits MC_HINT_MAX for a text at the page limit */
	k = (size_t)sprintf(text, "mc1 driver=foo ");
	memset(text + k, 'k', 60);
	k += 60;
	k += (size_t)sprintf(text + k, " =");
	memset(text + k, 'x', MC_MAX_ATTRIBUTE - 1 - k);
	strcpy(text + MC_MAX_ATTRIBUTE - 1, "\n");
	EXPECT(strlen(text) == MC_MAX_ATTRIBUTE);
	EXPECT(mc_parse(&source, MC_MIGRATION_VERSION, text, MC_MAX_ATTRIBUTE, NULL) == -1);
	EXPECT(source.error.code == MC_E_SYNTAX && source.error.line == 1 && source.error.column == 76);
	got = mc_syntax_hint(MC_MIGRATION_VERSION, text, MC_MAX_ATTRIBUTE, 1, 76, hint, sizeof(hint));
	EXPECT(got > MC_MAX_ATTRIBUTE - 100 && got < MC_HINT_MAX && got == (int)strlen(hint));
	EXPECT(strncmp(hint, "no space between a key and its operator: write kkkk", 51) == 0);
	EXPECT(strstr(hint, "kkk...=xxx") != NULL && hint[got - 1] == 'x');
	/* a $ repeated to the page limit: linear, and cut */
	k = (size_t)sprintf(text, "mc1\naccept a=");
	memset(text + k, '$', 4000);
	strcpy(text + k + 4000, "\n");
	got = mc_syntax_hint(MC_COMPATIBLE_DEVICES, text, strlen(text), 2, 11, hint, sizeof(hint));
	EXPECT(got > 0 && got < 200 && strncmp(hint, "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$... is", 43) == 0);

	/* bytes outside ASCII (never in a text mc_parse finds a syntax error in) are read as Latin-1, as Python reads
	 * bytes: a letter after ~ is named (é), a sign is not (×); the bytes quoted as they are */
	EXPECT(mc_syntax_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept ~\xe9=x\n", 15, 2, 8, hint, sizeof(hint)) > 0);
	EXPECT(strcmp(hint, MARK "accept lines carry no mark (clause 5.4): write \xe9=x") == 0);
	EXPECT(mc_syntax_hint(MC_COMPATIBLE_DEVICES, "mc1\naccept ~\xd7=x\n", 15, 2, 8, hint, sizeof(hint)) > 0);
	EXPECT(strcmp(hint, MARK "accept lines carry no mark (clause 5.4)") == 0);
	for (i = 0x80; i < 0x100; i++) {
		char mark[] = "mc1\naccept ~?=x\n";
		int letter = i == 0xaa || i == 0xb5 || i == 0xba || (i >= 0xc0 && i != 0xd7 && i != 0xf7);

		mark[12] = (char)i;
		got = mc_syntax_hint(MC_COMPATIBLE_DEVICES, mark, sizeof(mark) - 1, 2, 8, hint, sizeof(hint));
		EXPECT(got == (int)strlen(hint) && (strstr(hint, ": write ") != NULL) == letter);
	}
	/* NUL bytes are bytes too */
	EXPECT(mc_syntax_hint(MC_MIGRATION_VERSION, "mc1 a=$\0\n", 9, 1, 7, hint, sizeof(hint)) > 0 && hint[0] == '$');
}

/* make check passes the pkg-config file it built as the one argument. */
int main(int argc, char **argv)
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
	/* 8.5-VD2: one missing-attribute reason per missing or invalid attribute, naming it (8.8-NR5) */
	EXPECT(MC_R_MISSING_ATTRIBUTE == MC_E_USAGE + 1 && MC_CODE_COUNT == MC_R_MISSING_ATTRIBUTE + 1);
	EXPECT(strcmp(mc_code_name(MC_R_MISSING_ATTRIBUTE), "missing-attribute") == 0);
	EXPECT(strcmp(mc_code_name(MC_E_USAGE), "usage") == 0);
	parse(&target, MC_COMPATIBLE_DEVICES, "mc1\naccept a=1");
	mc_check(NULL, &target, NULL, &verdict);
	EXPECT(verdict.answer == MC_UNKNOWN && verdict.nreasons == 1 && verdict.nnearest == 0);
	EXPECT(verdict.reasons[0].code == MC_R_MISSING_ATTRIBUTE && verdict.reasons[0].attribute == MC_SOURCE);
	EXPECT(verdict.reasons[0].rule == -1 && verdict.reasons[0].key == NULL);
	parse(&source, MC_MIGRATION_VERSION, "mc1 a=1");
	mc_check(&source, NULL, &source, &verdict);
	EXPECT(verdict.answer == MC_UNKNOWN && verdict.nreasons == 1);
	EXPECT(verdict.reasons[0].code == MC_R_MISSING_ATTRIBUTE && verdict.reasons[0].attribute == MC_TARGET);
	EXPECT(check("mc1 a=01", "mc1\naccept a=1 a=1", NULL) == MC_UNKNOWN && verdict.nreasons == 2);
	EXPECT(verdict.reasons[0].code == MC_R_MISSING_ATTRIBUTE && verdict.reasons[0].attribute == MC_SOURCE);
	EXPECT(verdict.reasons[1].code == MC_R_MISSING_ATTRIBUTE && verdict.reasons[1].attribute == MC_TARGET);
	EXPECT(check("mc1\naccept a=1", "mc1\naccept a=1", NULL) == MC_UNKNOWN && verdict.nreasons == 1);
	EXPECT(verdict.reasons[0].attribute == MC_SOURCE); /* rules where a migration_version belongs */
	EXPECT(check("mc2 a=1", "mc1\naccept a=01", NULL) == MC_UNKNOWN && verdict.nreasons == 1);
	EXPECT(verdict.reasons[0].code == MC_R_UNSUPPORTED_VERSION); /* 8.5-VD1 comes first */
	EXPECT(check("mc1 a=1", "mc1\naccept a=1", "mc1 a=01") == MC_COMPATIBLE && verdict.nreasons == 0);

	test_emit();
	test_overlap();
	test_readers();
	test_read_attribute();
	test_open_placement();
	test_version(argc > 1 ? argv[1] : NULL);
	test_find_field_arguments();
	test_names();
	test_reason_keys();
	test_messages();
	test_syntax_hints();

	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("test_lib (libmigcompat %s): all passed\n", mc_version());
	return 0;
}
