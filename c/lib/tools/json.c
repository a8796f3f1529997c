/* SPDX-License-Identifier: MIT */
/* A minimal JSON reader and writer for the adapter (see json.h). Iterative: no recursion. */
#include <string.h>

#include "json.h"

struct cursor {
	char *s;
	size_t n;
	size_t p;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->n && (c->s[c->p] == ' ' || c->s[c->p] == '\t' || c->s[c->p] == '\n' || c->s[c->p] == '\r'))
		c->p++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* UTF-8 of one code point (a lone surrogate as its three bytes, as Python's surrogatepass does). */
static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A string at c->p (the opening quote). With decode, it is decoded in place
 * (NUL-terminated) and *out, *out_len say where; without, it is only
 * checked and skipped, and the text is left as it was.
 */
static int scan_string(struct cursor *c, int decode, char **out, size_t *out_len)
{
	char *start, *d;
	size_t decoded = 0;

	if (c->p >= c->n || c->s[c->p] != '"')
		return -1;
	c->p++;
	start = d = c->s + c->p;
	while (c->p < c->n) {
		unsigned char ch = (unsigned char)c->s[c->p++];
		char bytes[4];
		size_t n = 1;
		unsigned cp, low;

		if (ch == '"') {
			if (decode) {
				*out = start;
				*out_len = decoded;
				*d = '\0'; /* the closing quote's place, at or before it */
			}
			return 0;
		}
		if (ch < 0x20)
			return -1;
		bytes[0] = (char)ch;
		if (ch == '\\') {
			if (c->p >= c->n)
				return -1;
			ch = (unsigned char)c->s[c->p++];
			switch (ch) {
			case '"':
			case '\\':
			case '/':
				bytes[0] = (char)ch;
				break;
			case 'b':
				bytes[0] = '\b';
				break;
			case 'f':
				bytes[0] = '\f';
				break;
			case 'n':
				bytes[0] = '\n';
				break;
			case 'r':
				bytes[0] = '\r';
				break;
			case 't':
				bytes[0] = '\t';
				break;
			case 'u':
				if (c->n - c->p < 4 || hex4(c->s + c->p, &cp))
					return -1;
				c->p += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && c->n - c->p >= 6 && c->s[c->p] == '\\' &&
				    c->s[c->p + 1] == 'u' && !hex4(c->s + c->p + 2, &low) && low >= 0xdc00 &&
				    low < 0xe000) {
					c->p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				}
				n = put_utf8(bytes, cp);
				break;
			default:
				return -1;
			}
		}
		if (decode) {
			memcpy(d, bytes, n);
			d += n;
		}
		decoded += n;
	}
	return -1;
}

/* A string at c->p (the opening quote), decoded in place; NUL-terminated. */
static int read_string(struct cursor *c, char **out, size_t *out_len)
{
	return scan_string(c, 1, out, out_len);
}

static int scan_number(struct cursor *c);
static int scan_literal(struct cursor *c, const char *word);

/*
 * Skip any JSON value (nesting counted, not recursed), leaving its text as it
 * was; -1 when it is malformed at this level.
 */
static int skip_value(struct cursor *c)
{
	size_t depth = 0;

	do {
		skip_ws(c);
		if (c->p >= c->n)
			return -1;
		switch (c->s[c->p]) {
		case '"':
			if (scan_string(c, 0, NULL, NULL))
				return -1;
			break;
		case '{':
		case '[':
			depth++;
			c->p++;
			break;
		case '}':
		case ']':
			if (!depth)
				return -1;
			depth--;
			c->p++;
			break;
		case ',':
		case ':':
			/* a separator inside a nested value */
			if (!depth)
				return -1;
			c->p++;
			break;
		case 't':
			if (scan_literal(c, "true"))
				return -1;
			break;
		case 'f':
			if (scan_literal(c, "false"))
				return -1;
			break;
		case 'n':
			if (scan_literal(c, "null"))
				return -1;
			break;
		default:
			/* a number; anything else (a NUL byte, a control character, a stray letter) is malformed, and
			 * every branch above consumes at least one byte, so the loop always advances */
			if (scan_number(c))
				return -1;
			break;
		}
	} while (depth);
	return 0;
}

int json_read_object(char *text, size_t len, struct json_member *members, size_t max)
{
	struct cursor c = { text, len, 0 };
	int count = 0;

	skip_ws(&c);
	if (c.p >= c.n || c.s[c.p] != '{')
		return -1;
	c.p++;
	skip_ws(&c);
	if (c.p < c.n && c.s[c.p] == '}') {
		c.p++;
	} else {
		for (;;) {
			struct json_member m;
			char *key;
			size_t key_len;

			skip_ws(&c);
			if (read_string(&c, &key, &key_len))
				return -1;
			m.key = key;
			m.key_len = key_len;
			m.str = NULL;
			m.str_len = 0;
			m.raw = NULL;
			m.raw_len = 0;
			skip_ws(&c);
			if (c.p >= c.n || c.s[c.p] != ':')
				return -1;
			c.p++;
			skip_ws(&c);
			if (c.p < c.n && c.s[c.p] == '"') {
				m.kind = JSON_STRING;
				if (read_string(&c, &m.str, &m.str_len))
					return -1;
			} else if (c.n - c.p >= 4 && memcmp(c.s + c.p, "null", 4) == 0) {
				m.kind = JSON_NULL;
				c.p += 4;
			} else {
				m.kind = JSON_OTHER;
				m.raw = c.s + c.p;
				if (skip_value(&c))
					return -1;
				m.raw_len = (size_t)(c.s + c.p - m.raw);
			}
			if ((size_t)count < max)
				members[count++] = m;
			skip_ws(&c);
			if (c.p < c.n && c.s[c.p] == ',') {
				c.p++;
				continue;
			}
			if (c.p < c.n && c.s[c.p] == '}') {
				c.p++;
				break;
			}
			return -1;
		}
	}
	skip_ws(&c);
	return c.p == c.n ? count : -1;
}

const struct json_member *json_get(const struct json_member *members, int count, const char *key)
{
	int i;

	for (i = 0; i < count; i++)
		if (members[i].key_len == strlen(key) && memcmp(members[i].key, key, members[i].key_len) == 0)
			return &members[i];
	return NULL;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A number at c->p: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct cursor *c)
{
	size_t p = c->p;

	if (p < c->n && c->s[p] == '-')
		p++;
	if (p < c->n && c->s[p] == '0')
		p++;
	else if (p < c->n && is_digit(c->s[p]))
		while (p < c->n && is_digit(c->s[p]))
			p++;
	else
		return -1;
	if (p < c->n && c->s[p] == '.') {
		if (++p >= c->n || !is_digit(c->s[p]))
			return -1;
		while (p < c->n && is_digit(c->s[p]))
			p++;
	}
	if (p < c->n && (c->s[p] == 'e' || c->s[p] == 'E')) {
		p++;
		if (p < c->n && (c->s[p] == '+' || c->s[p] == '-'))
			p++;
		if (p >= c->n || !is_digit(c->s[p]))
			return -1;
		while (p < c->n && is_digit(c->s[p]))
			p++;
	}
	c->p = p;
	return 0;
}

static int scan_literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if (c->n - c->p < n || memcmp(c->s + c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* A member's name and its colon, at c->p. */
static int scan_name(struct cursor *c, struct json_node *node)
{
	char *name;

	skip_ws(c);
	if (read_string(c, &name, &node->name_len))
		return -1;
	node->name = name;
	skip_ws(c);
	if (c->p >= c->n || c->s[c->p] != ':')
		return -1;
	c->p++;
	return 0;
}

int json_parse(char *text, size_t len, struct json_node *nodes, size_t cap)
{
	struct cursor c = { text, len, 0 };
	int open[JSON_MAX_DEPTH], last[JSON_MAX_DEPTH];
	size_t depth = 0, n = 0;
	struct json_node pending; /* the name of the next member, when the parent is an object */

	memset(&pending, 0, sizeof(pending));

	for (;;) {
		struct json_node *node;
		int at = (int)n;

		if (n >= cap)
			return JSON_TOO_BIG;
		node = &nodes[n++];
		*node = pending;
		node->parent = depth ? open[depth - 1] : -1;
		node->first = node->next = -1;
		node->count = 0;
		if (depth) {
			struct json_node *parent = &nodes[open[depth - 1]];

			if (last[depth - 1] >= 0)
				nodes[last[depth - 1]].next = at;
			else
				parent->first = at;
			last[depth - 1] = at;
			node->index = parent->count++;
		}
		skip_ws(&c);
		if (c.p >= c.n)
			return JSON_BAD;
		node->text = c.s + c.p;
		switch (c.s[c.p]) {
		case '{':
		case '[':
			node->type = c.s[c.p] == '{' ? JT_OBJECT : JT_ARRAY;
			c.p++;
			skip_ws(&c);
			if (c.p < c.n && c.s[c.p] == (node->type == JT_OBJECT ? '}' : ']')) {
				c.p++;
				break;
			}
			if (depth == JSON_MAX_DEPTH)
				return JSON_TOO_DEEP;
			open[depth] = at;
			last[depth++] = -1;
			memset(&pending, 0, sizeof(pending));
			if (node->type == JT_OBJECT && scan_name(&c, &pending))
				return JSON_BAD;
			continue;
		case '"': {
			char *decoded;

			node->type = JT_STRING;
			if (read_string(&c, &decoded, &node->len))
				return JSON_BAD;
			node->text = decoded;
			break;
		}
		case 't':
			node->type = JT_TRUE;
			if (scan_literal(&c, "true"))
				return JSON_BAD;
			break;
		case 'f':
			node->type = JT_FALSE;
			if (scan_literal(&c, "false"))
				return JSON_BAD;
			break;
		case 'n':
			node->type = JT_NULL;
			if (scan_literal(&c, "null"))
				return JSON_BAD;
			break;
		default:
			node->type = JT_NUMBER;
			if (scan_number(&c))
				return JSON_BAD;
			node->len = (size_t)(c.s + c.p - node->text);
			break;
		}
		/* after a value: close what ends here, then find the next value, or the end */
		memset(&pending, 0, sizeof(pending));
		for (;;) {
			enum json_type open_type;

			skip_ws(&c);
			if (!depth)
				return c.p == c.n ? (int)n : JSON_BAD;
			open_type = nodes[open[depth - 1]].type;
			if (c.p < c.n && c.s[c.p] == ',') {
				c.p++;
				if (open_type == JT_OBJECT && scan_name(&c, &pending))
					return JSON_BAD;
				break;
			}
			if (c.p < c.n && c.s[c.p] == (open_type == JT_OBJECT ? '}' : ']')) {
				c.p++;
				depth--;
				continue;
			}
			return JSON_BAD;
		}
	}
}

static int b64(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

long base64_decode(const char *text, size_t len, unsigned char *out, size_t cap)
{
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0;

	while (len && text[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		int v = b64((unsigned char)text[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	return (long)n;
}

void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->overflow || o->cap - o->len < n) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

void out_uint(struct out *o, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_bytes(o, tmp + i, sizeof(tmp) - i);
}

void out_json_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	out_bytes(o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };

			out_bytes(o, esc, 2);
		} else if (ch < 0x20 || ch >= 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };

			out_bytes(o, esc, 6);
		} else {
			out_bytes(o, (const char *)&ch, 1);
		}
	}
	out_bytes(o, "\"", 1);
}
