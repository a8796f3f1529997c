/* SPDX-License-Identifier: MIT */
/*
 * mc-adapter: libmigcompat behind the conformance test protocol (spec clause 12.5).
 *
 *   mc-adapter [serve]                   persistent: one JSON request per line in, one response per line out
 *   mc-adapter parse KIND < attribute    process per case: the JSON data model, or exit 1 with the error
 *   mc-adapter emit < model.json         process per case: the canonical text, or exit 1 with the error
 *   mc-adapter check < request.json      process per case: the verdict object
 *
 * It serves parse, emit and check requests. An emit request's JSON data
 * model is read and validated by jsonmodel.c (an invalid one is rejected
 * with invalid-model and a JSON Pointer to the offending member) and written
 * by mc_emit. It declines relate requests (the protocol lets a checker
 * reject them; their cases are then skipped). Exit status: 0 an answer,
 * 1 a rejection, 2 usage, 70 a failure of the adapter itself.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonmodel.h"
#include "migcompat.h"

#define MAX_LINE (4u << 20)
#define MAX_OUT (8u << 20)
#define INTERNAL_ERROR 70

static char line_buf[MAX_LINE + 1];
static char out_buf[MAX_OUT];
static unsigned char input_buf[MAX_LINE];
static struct mc_attr attrs[3];
static struct mc_verdict verdict;

/* ---- the data model as JSON (clause 5.8) ---- */

static void value_json(struct out *o, const struct mc_attr *a, const struct mc_value *v)
{
	static const char *const names[] = { "", "token", "integer", "version", "ratio", "set" };
	size_t i;

	out_str(o, "{\"type\":\"");
	out_str(o, names[v->type]);
	out_str(o, "\",\"value\":");
	if (v->type != MC_SET) {
		out_json_string(o, a->text + v->off, v->len);
	} else {
		out_str(o, "[");
		for (i = 0; i < v->count; i++) {
			const struct mc_span *m = &a->members[v->first + i];

			if (i)
				out_str(o, ",");
			out_json_string(o, a->text + m->off, m->len);
		}
		out_str(o, "]");
	}
	out_str(o, "}");
}

/* A value's canonical text: as written, a set with its members in byte order. */
static void value_text(struct out *o, const struct mc_attr *a, const struct mc_value *v)
{
	size_t i;

	if (v->type != MC_SET) {
		out_bytes(o, a->text + v->off, v->len);
		return;
	}
	out_str(o, "{");
	for (i = 0; i < v->count; i++) {
		if (i)
			out_str(o, ",");
		out_bytes(o, a->text + a->members[v->first + i].off, a->members[v->first + i].len);
	}
	out_str(o, "}");
}

static void fields_json(struct out *o, const struct mc_attr *a, size_t first, size_t count, int with_mark)
{
	size_t i;

	out_str(o, "{");
	for (i = 0; i < count; i++) {
		const struct mc_field *f = &a->fields[first + i];

		if (i)
			out_str(o, ",");
		out_json_string(o, a->text + f->key.off, f->key.len);
		if (with_mark) {
			out_str(o, f->critical ? ":{\"critical\":true,\"value\":" : ":{\"critical\":false,\"value\":");
			value_json(o, a, &f->value);
			out_str(o, "}");
		} else {
			out_str(o, ":");
			value_json(o, a, &f->value);
		}
	}
	out_str(o, "}");
}

static void prefix_json(struct out *o, unsigned length)
{
	out_str(o, "{\"length\":");
	out_uint(o, length);
	out_str(o, ",\"type\":\"self_prefix\"}");
}

static void bound_json(struct out *o, const struct mc_attr *a, const struct mc_bound *b)
{
	if (b->kind == MC_BOUND_PREFIX)
		prefix_json(o, b->prefix);
	else if (b->kind == MC_BOUND_NONE)
		out_str(o, "null");
	else if (b->kind == MC_BOUND_SELF)
		out_str(o, "{\"type\":\"self\"}");
	else
		value_json(o, a, &b->value);
}

static void alternative_json(struct out *o, const struct mc_attr *a, const struct mc_alternative *alt)
{
	if (alt->kind == MC_ALT_SELF) {
		out_str(o, "{\"type\":\"self\"}");
	} else if (alt->kind == MC_ALT_PREFIX) {
		prefix_json(o, alt->prefix);
	} else if (alt->kind == MC_ALT_VALUE) {
		value_json(o, a, &alt->low.value);
	} else {
		out_str(o, "{\"max\":");
		bound_json(o, a, &alt->high);
		out_str(o, ",\"min\":");
		bound_json(o, a, &alt->low);
		out_str(o, ",\"type\":\"range\"}");
	}
}

static void model_json(struct out *o, const struct mc_attr *a)
{
	size_t i, j;

	if (a->kind == MC_MIGRATION_VERSION) {
		out_str(o, "{\"attribute\":\"migration_version\",\"fields\":");
		fields_json(o, a, 0, a->nfixed, 1);
		out_str(o, ",\"format\":1,\"params\":[");
		for (i = 0; i < a->nparams; i++) {
			const struct mc_param *p = &a->params[i];

			out_str(o, i ? ",{\"critical\":" : "{\"critical\":");
			out_str(o, p->critical ? "true" : "false");
			out_str(o, ",\"fields\":");
			fields_json(o, a, p->first, p->count, 1);
			out_str(o, ",\"name\":");
			out_json_string(o, a->text + p->name.off, p->name.len);
			out_str(o, ",\"value\":");
			value_json(o, a, &p->value);
			out_str(o, "}");
		}
		out_str(o, "]}");
		return;
	}
	out_str(o, "{\"attribute\":\"migration_compatible_devices\",\"defaults\":");
	fields_json(o, a, 0, a->ndefaults, 0);
	out_str(o, ",\"format\":1,\"rules\":[");
	for (i = 0; i < a->nrules; i++) {
		const struct mc_rule *r = &a->rules[i];

		out_str(o, i ? ",{\"constraints\":{" : "{\"constraints\":{");
		for (j = 0; j < r->count; j++) {
			const struct mc_constraint *c = &a->constraints[r->first + j];
			size_t k;

			if (j)
				out_str(o, ",");
			out_json_string(o, a->text + c->key.off, c->key.len);
			if (c->op == MC_ANY) {
				out_str(o, ":{\"op\":\"any\"}");
			} else if (c->op == MC_EQUALS) {
				out_str(o, ":{\"alternatives\":[");
				for (k = 0; k < c->count; k++) {
					if (k)
						out_str(o, ",");
					alternative_json(o, a, &a->alternatives[c->first + k]);
				}
				out_str(o, "],\"op\":\"equals\"}");
			} else {
				out_str(o, c->op == MC_SUBSET ? ":{\"op\":\"subset\",\"operand\":"
							      : ":{\"op\":\"superset\",\"operand\":");
				alternative_json(o, a, &a->alternatives[c->first]);
				out_str(o, "}");
			}
		}
		out_str(o, "}}");
	}
	out_str(o, "]}");
}

static void error_json(struct out *o, const struct mc_error *e)
{
	out_str(o, "{\"code\":\"");
	out_str(o, mc_code_name(e->code));
	out_str(o, "\",\"line\":");
	out_uint(o, e->line);
	out_str(o, ",\"column\":");
	out_uint(o, e->column);
	out_str(o, "}");
}

/* ---- the verdict as JSON (verdict.schema.json's members that the protocol reads, and more) ---- */

static void verdict_json(struct out *o, const struct mc_verdict *v, const struct mc_attr *self)
{
	static const char *const which[] = { "", "source", "target", "target_self" };
	unsigned i, more = 0;

	out_str(o, "{\"verdict\":\"");
	out_str(o, mc_answer_name(v->answer));
	out_str(o, "\",\"grade\":");
	if (v->grade != MC_GRADE_NONE) {
		out_str(o, "\"");
		out_str(o, mc_grade_name(v->grade));
		out_str(o, "\"");
	} else {
		out_str(o, "null");
	}
	out_str(o, ",\"matched_rule\":");
	if (v->matched_rule >= 0)
		out_uint(o, (unsigned)v->matched_rule);
	else
		out_str(o, "null");
	out_str(o, ",\"nearest\":[");
	for (i = 0; i < v->nnearest; i++) {
		if (i)
			out_str(o, ",");
		out_uint(o, (unsigned)v->nearest[i]);
	}
	out_str(o, "],\"also_near\":");
	out_uint(o, v->also_near);
	/* the reasons mc_check left out (at most MC_RULE_REASONS are kept per rule), as the cases runner reads them */
	for (i = 0; i < v->nnearest; i++)
		more += v->more_reasons[i];
	out_str(o, ",\"more_reasons\":");
	out_uint(o, more);
	out_str(o, ",\"reasons\":[");
	for (i = 0; i < v->nreasons; i++) {
		const struct mc_reason *r = &v->reasons[i];

		out_str(o, i ? ",{\"code\":\"" : "{\"code\":\"");
		out_str(o, mc_code_name(r->code));
		out_str(o, "\",\"field\":");
		if (r->key)
			out_json_string(o, r->key, r->key_len);
		else
			out_str(o, "null");
		out_str(o, ",\"rule\":");
		if (r->rule >= 0)
			out_uint(o, (unsigned)r->rule);
		else
			out_str(o, "null");
		if (r->code == MC_R_UNSUPPORTED_VERSION || r->code == MC_R_MISSING_ATTRIBUTE) {
			out_str(o, ",\"attribute\":\"");
			out_str(o, which[r->attribute]);
			out_str(o, "\"");
		}
		out_str(o, "}");
	}
	out_str(o, "],\"choice\":");
	if (!v->nchoice) {
		out_str(o, "null}");
		return;
	}
	out_str(o, "{");
	for (i = 0; i < v->nchoice; i++) {
		const struct mc_param *p = &self->params[v->choice[i]];
		struct out text = { NULL, 0, 0, 0 };
		char buf[MC_MAX_ATTRIBUTE + 8];

		if (i)
			out_str(o, ",");
		out_json_string(o, self->text + p->name.off, p->name.len);
		out_str(o, ":");
		text.buf = buf;
		text.cap = sizeof(buf);
		value_text(&text, self, &p->value);
		out_json_string(o, buf, text.len);
	}
	out_str(o, "}}");
}

/* ---- requests ---- */

enum outcome { ANSWER, REJECT };

/* Is member a string of exactly these bytes? (by its length: "parse\u0000x" is not "parse") */
static int is_string(const struct json_member *member, const char *word)
{
	return member && member->kind == JSON_STRING && member->str_len == strlen(word) &&
	       memcmp(member->str, word, member->str_len) == 0;
}

static enum mc_kind kind_of(const char *name)
{
	if (strcmp(name, "migration_version") == 0)
		return MC_MIGRATION_VERSION;
	if (strcmp(name, "migration_compatible_devices") == 0)
		return MC_COMPATIBLE_DEVICES;
	return 0;
}

static enum mc_kind kind_of_member(const struct json_member *member)
{
	if (is_string(member, "migration_version"))
		return MC_MIGRATION_VERSION;
	if (is_string(member, "migration_compatible_devices"))
		return MC_COMPATIBLE_DEVICES;
	return 0;
}

static enum outcome do_parse(struct out *o, enum mc_kind kind, const char *data, size_t len)
{
	struct mc_error error;

	if (mc_parse(&attrs[0], kind, data, len, &error)) {
		error_json(o, &error);
		return REJECT;
	}
	model_json(o, &attrs[0]);
	return ANSWER;
}

/* The canonical text of a JSON data model: as a JSON string (persistent mode) or as is. */
static enum outcome do_emit(struct out *o, char *model, size_t len, int as_string)
{
	char path_buf[2048], message_buf[256], text[MC_MAX_ATTRIBUTE + 1];
	struct out path = { path_buf, sizeof(path_buf), 0, 0 };
	struct out message = { message_buf, sizeof(message_buf), 0, 0 };
	int n;

	if (model_read(model, len, &attrs[0], &path, &message)) {
		out_str(o, "{\"code\":\"invalid-model\",\"path\":");
		out_json_string(o, path.buf, path.len);
		out_str(o, ",\"message\":");
		out_json_string(o, message.buf, message.len);
		out_str(o, "}");
		return REJECT;
	}
	n = mc_emit(&attrs[0], text, sizeof(text));
	if (n < 0 || (size_t)n >= sizeof(text)) {
		/* mc_parse accepted the model, so this cannot be: the adapter's own failure */
		o->overflow = 1;
		return REJECT;
	}
	if (as_string)
		out_json_string(o, text, (size_t)n);
	else
		out_bytes(o, text, (size_t)n);
	return ANSWER;
}

static enum outcome do_check(struct out *o, const struct json_member *m, int count)
{
	static const char *const names[3] = { "source", "target", "target_self" };
	static const enum mc_kind kinds[3] = { MC_MIGRATION_VERSION, MC_COMPATIBLE_DEVICES, MC_MIGRATION_VERSION };
	const struct mc_attr *given[3] = { NULL, NULL, NULL };
	int i;

	for (i = 0; i < 3; i++) {
		const struct json_member *text = json_get(m, count, names[i]);

		if (!text || text->kind == JSON_NULL)
			continue;
		if (text->kind != JSON_STRING) {
			out_str(o, "{\"code\":\"bad-request\"}");
			return REJECT;
		}
		mc_parse(&attrs[i], kinds[i], text->str, text->str_len, NULL);
		given[i] = &attrs[i];
	}
	mc_check(given[0], given[1], given[2], &verdict);
	verdict_json(o, &verdict, given[2]);
	return ANSWER;
}

static enum outcome do_request(struct out *o, const struct json_member *m, int count)
{
	const struct json_member *request = json_get(m, count, "request");

	if (is_string(request, "parse")) {
		const struct json_member *attribute = json_get(m, count, "attribute");
		const struct json_member *data = json_get(m, count, "input_base64");
		enum mc_kind kind = kind_of_member(attribute);
		long len = data && data->kind == JSON_STRING
				   ? base64_decode(data->str, data->str_len, input_buf, sizeof(input_buf))
				   : -1;

		if (!kind || len < 0) {
			out_str(o, "{\"code\":\"bad-request\"}");
			return REJECT;
		}
		return do_parse(o, kind, (const char *)input_buf, (size_t)len);
	}
	if (is_string(request, "emit")) {
		const struct json_member *model = json_get(m, count, "model");

		if (!model) {
			out_str(o, "{\"code\":\"bad-request\"}");
			return REJECT;
		}
		if (model->kind != JSON_OTHER) {
			out_str(o, "{\"code\":\"invalid-model\",\"path\":\"\",\"message\":\"expected an object\"}");
			return REJECT;
		}
		return do_emit(o, model->raw, model->raw_len, 1);
	}
	if (is_string(request, "check"))
		return do_check(o, m, count);
	if (is_string(request, "relate")) {
		out_str(o, "{\"code\":\"declined\",\"message\":\"libmigcompat does not compute rule-set relations\"}");
		return REJECT;
	}
	out_str(o, "{\"code\":\"bad-request\"}");
	return REJECT;
}

/* ---- the persistent mode ---- */

static int read_line(size_t *len, int *too_long)
{
	size_t n = 0;
	int ch;

	*too_long = 0;
	while ((ch = getchar()) != EOF && ch != '\n') {
		if (n < MAX_LINE)
			line_buf[n++] = (char)ch;
		else
			*too_long = 1;
	}
	if (ch == EOF && n == 0)
		return 0;
	line_buf[n] = '\0';
	*len = n;
	return 1;
}

static int serve(void)
{
	struct json_member members[32];
	size_t len;
	int too_long;

	while (read_line(&len, &too_long)) {
		struct out body = { out_buf, sizeof(out_buf) / 2, 0, 0 };
		const struct json_member *id;
		enum outcome outcome;
		int count = too_long ? -1 : json_read_object(line_buf, len, members, 32);

		if (count < 0) {
			fputs("{\"id\":null,\"status\":\"rejected\",\"error\":{\"code\":\"bad-request\"}}\n", stdout);
			fflush(stdout);
			continue;
		}
		outcome = do_request(&body, members, count);
		if (body.overflow) {
			fputs("mc-adapter: a response exceeded its buffer\n", stderr);
			return INTERNAL_ERROR;
		}
		id = json_get(members, count, "id");
		fputs("{\"id\":", stdout);
		if (id && id->kind == JSON_STRING) {
			struct out idout = { out_buf + sizeof(out_buf) / 2, sizeof(out_buf) / 2, 0, 0 };

			out_json_string(&idout, id->str, id->str_len);
			fwrite(idout.buf, 1, idout.len, stdout);
		} else {
			fputs("null", stdout);
		}
		fputs(outcome == ANSWER ? ",\"status\":\"ok\",\"result\":" : ",\"status\":\"rejected\",\"error\":",
		      stdout);
		fwrite(body.buf, 1, body.len, stdout);
		fputs("}\n", stdout);
		fflush(stdout);
	}
	return 0;
}

/* ---- process per case ---- */

static long read_all(char *buf, size_t cap)
{
	size_t n = fread(buf, 1, cap, stdin);

	if (n == cap && getchar() != EOF)
		return -1;
	return (long)n;
}

int main(int argc, char **argv)
{
	struct out o = { out_buf, sizeof(out_buf), 0, 0 };
	enum outcome outcome;
	long len;

	if (argc < 2 || strcmp(argv[1], "serve") == 0)
		return serve();
	if (strcmp(argv[1], "parse") == 0 && argc == 3 && kind_of(argv[2])) {
		len = read_all(line_buf, MAX_LINE);
		if (len < 0)
			return INTERNAL_ERROR;
		outcome = do_parse(&o, kind_of(argv[2]), line_buf, (size_t)len);
	} else if (strcmp(argv[1], "emit") == 0 && argc == 2) {
		size_t bom;

		len = read_all(line_buf, MAX_LINE);
		if (len < 0)
			return INTERNAL_ERROR;
		bom = len >= 3 && memcmp(line_buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
		outcome = do_emit(&o, line_buf + bom, (size_t)len - bom, 0);
		if (o.overflow)
			return INTERNAL_ERROR;
		if (outcome == REJECT)
			out_str(&o, "\n");
		fwrite(o.buf, 1, o.len, stdout);
		return outcome == ANSWER ? 0 : 1;
	} else if (strcmp(argv[1], "check") == 0 && argc == 2) {
		struct json_member members[32];
		int count;

		len = read_all(line_buf, MAX_LINE);
		count = len < 0 ? -1 : json_read_object(line_buf, (size_t)len, members, 32);
		if (count < 0) {
			puts("{\"code\":\"bad-request\"}");
			return 1;
		}
		outcome = do_request(&o, members, count);
	} else {
		fputs("usage: mc-adapter [serve] | parse migration_version|migration_compatible_devices | emit | check\n",
		      stderr);
		return 2;
	}
	if (o.overflow)
		return INTERNAL_ERROR;
	out_str(&o, "\n");
	fwrite(o.buf, 1, o.len, stdout);
	return outcome == ANSWER ? 0 : 1;
}
