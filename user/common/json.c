// SPDX-License-Identifier: GPL-2.0
/* JSON string literals and a small JSON object checker (see json.h). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "json.h"

/*
 * The length of the well-formed UTF-8 sequence at @p (at most @n bytes), or
 * 0 if it is not one (RFC 3629: no overlong form, surrogate or code point
 * past U+10FFFF). The bytes are read in order and the first bad one ends it,
 * so a NUL-terminated @p is never read past its NUL.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (!n)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* the second byte's range rules out the overlong forms and surrogates */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
		if (i >= n || p[i] < lo || p[i] > hi)
			return 0;
	return len;
}

void json_mem(FILE *f, const void *s, size_t n)
{
	const unsigned char *p = s;

	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			/* JSON is UTF-8: each byte that is not part of it is U+FFFD */
			size_t len = utf8_len(p + i, n - i);

			if (len)
				fwrite(p + i, 1, len, f);
			else
				fputs("\\ufffd", f);
			i += len ? len - 1 : 0;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

void json_str(FILE *f, const char *s)
{
	json_mem(f, s, strlen(s));
}

/* ---- the checker: RFC 8259 syntax, and the keys of the top-level object ---- */

#define JSON_MAX_KEYS	96	/* top-level keys remembered; more are not */

struct json {
	const char *s;
	const char *keys[JSON_MAX_KEYS];	/* into the line */
	size_t klen[JSON_MAX_KEYS];
	unsigned int nkeys;
	int depth;
};

static bool j_value(struct json *j);

static void j_ws(struct json *j)
{
	while (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r')
		j->s++;
}

static bool j_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(j->s, lit, n))
		return false;
	j->s += n;
	return true;
}

static bool j_string(struct json *j)
{
	if (*j->s++ != '"')
		return false;
	while (*j->s != '"') {
		unsigned char c = (unsigned char)*j->s++;

		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			size_t len = utf8_len((const unsigned char *)j->s - 1, 4);

			if (!len)
				return false;
			j->s += len - 1;
			continue;
		}
		if (c != '\\')
			continue;
		c = (unsigned char)*j->s++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++)
				if (!isxdigit((unsigned char)*j->s++))
					return false;
		} else if (!c || !strchr("\"\\/bfnrt", c)) {
			return false;
		}
	}
	j->s++;
	return true;
}

static bool j_number(struct json *j)
{
	const char *start = j->s;

	if (*j->s == '-')
		j->s++;
	if (*j->s == '0')
		j->s++;
	else if (isdigit((unsigned char)*j->s))
		while (isdigit((unsigned char)*j->s))
			j->s++;
	else
		return false;
	if (*j->s == '.') {
		j->s++;
		if (!isdigit((unsigned char)*j->s))
			return false;
		while (isdigit((unsigned char)*j->s))
			j->s++;
	}
	if (*j->s == 'e' || *j->s == 'E') {
		j->s++;
		if (*j->s == '+' || *j->s == '-')
			j->s++;
		if (!isdigit((unsigned char)*j->s))
			return false;
		while (isdigit((unsigned char)*j->s))
			j->s++;
	}
	return j->s > start;
}

static bool j_container(struct json *j, char open, char close)
{
	bool top = j->depth == 0 && open == '{';

	if (*j->s++ != open || ++j->depth > 64)
		return false;
	j_ws(j);
	if (*j->s == close) {
		j->s++;
		j->depth--;
		return true;
	}
	for (;;) {
		j_ws(j);
		if (open == '{') {
			const char *key = j->s + 1;

			if (!j_string(j))
				return false;
			if (top && j->nkeys < JSON_MAX_KEYS) {
				j->keys[j->nkeys] = key;
				j->klen[j->nkeys++] = (size_t)(j->s - 1 - key);
			}
			j_ws(j);
			if (*j->s++ != ':')
				return false;
			j_ws(j);
		}
		if (!j_value(j))
			return false;
		j_ws(j);
		if (*j->s == ',') {
			j->s++;
			continue;
		}
		if (*j->s++ != close)
			return false;
		j->depth--;
		return true;
	}
}

static bool j_value(struct json *j)
{
	switch (*j->s) {
	case '{':
		return j_container(j, '{', '}');
	case '[':
		return j_container(j, '[', ']');
	case '"':
		return j_string(j);
	case 't':
		return j_lit(j, "true");
	case 'f':
		return j_lit(j, "false");
	case 'n':
		return j_lit(j, "null");
	default:
		return j_number(j);
	}
}

static bool j_has(const struct json *j, const char *key)
{
	for (unsigned int i = 0; i < j->nkeys; i++)
		if (j->klen[i] == strlen(key) && !strncmp(j->keys[i], key, j->klen[i]))
			return true;
	return false;
}

int json_check(const char *line, const char *const *keys, char *why, size_t whylen)
{
	struct json j = { .s = line };

	j_ws(&j);
	if (*j.s != '{' || !j_value(&j)) {
		snprintf(why, whylen, "not a JSON object near offset %zu",
			 (size_t)(j.s - line));
		return -1;
	}
	j_ws(&j);
	if (*j.s) {
		snprintf(why, whylen, "trailing text after the object");
		return -1;
	}
	for (; keys && *keys; keys++) {
		if (!j_has(&j, *keys)) {
			snprintf(why, whylen, "no key \"%s\"", *keys);
			return -1;
		}
	}
	return 0;
}
