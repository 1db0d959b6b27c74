// SPDX-License-Identifier: GPL-2.0
/*
 * gosync-stress output: rows of typed columns, printed as an aligned table
 * (buffered per section), JSON lines (every column) or CSV (every column, a
 * header whenever the set of keys changes).
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"

struct stress_out {
	FILE *f;
	enum stress_format fmt;
	char *title;			/* table: the pending section's title */
	struct stress_row *rows;	/* table: the pending section's rows */
	unsigned int nrows, cap;
	char csv_keys[1024];		/* csv: keys of the last header */
};

struct stress_out *stress_out_new(FILE *f, enum stress_format fmt)
{
	struct stress_out *o = calloc(1, sizeof(*o));

	if (!o)
		abort();
	o->f = f;
	o->fmt = fmt;
	return o;
}

enum stress_format stress_out_format(const struct stress_out *o)
{
	return o->fmt;
}

static struct stress_col *row_add(struct stress_row *r, const char *key,
				  const char *label, enum stress_col_type t)
{
	struct stress_col *c;

	if (r->n == STRESS_MAX_COLS)
		abort();
	c = &r->col[r->n++];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->label = label;
	c->type = t;
	return c;
}

struct stress_col *row_str(struct stress_row *r, const char *key,
			   const char *label, const char *v)
{
	struct stress_col *c = row_add(r, key, label, STRESS_STR);

	c->s = v ? v : "";
	return c;
}

struct stress_col *row_int(struct stress_row *r, const char *key,
			   const char *label, long long v)
{
	struct stress_col *c = row_add(r, key, label, STRESS_INT);

	c->i = v;
	return c;
}

struct stress_col *row_uint(struct stress_row *r, const char *key,
			    const char *label, unsigned long long v)
{
	struct stress_col *c = row_add(r, key, label, STRESS_UINT);

	c->u = v;
	return c;
}

struct stress_col *row_num(struct stress_row *r, const char *key,
			   const char *label, double v)
{
	struct stress_col *c = row_add(r, key, label, STRESS_NUM);

	c->d = v;
	return c;
}

struct stress_col *row_bool(struct stress_row *r, const char *key,
			    const char *label, bool v)
{
	struct stress_col *c = row_add(r, key, label, STRESS_BOOL);

	c->b = v;
	return c;
}

/* Human text of a column for the table. */
static const char *col_text(const struct stress_col *c, char *buf, size_t len)
{
	double a;

	if (c->text[0])
		return c->text;
	switch (c->type) {
	case STRESS_STR:
		return c->s;
	case STRESS_INT:
		snprintf(buf, len, "%lld", c->i);
		break;
	case STRESS_UINT:
		snprintf(buf, len, "%llu", c->u);
		break;
	case STRESS_BOOL:
		return c->b ? "yes" : "no";
	case STRESS_NUM:
		a = fabs(c->d);
		if (!isfinite(c->d))
			snprintf(buf, len, "-");
		else if (a >= 100 || a == 0)
			snprintf(buf, len, "%.0f", c->d);
		else if (a >= 1)
			snprintf(buf, len, "%.2f", c->d);
		else
			snprintf(buf, len, "%.3g", c->d);
		break;
	}
	return buf;
}

static void json_row(FILE *f, const struct stress_row *r)
{
	fputc('{', f);
	for (unsigned int i = 0; i < r->n; i++) {
		const struct stress_col *c = &r->col[i];

		if (i)
			fputs(", ", f);
		json_str(f, c->key);
		fputs(": ", f);
		switch (c->type) {
		case STRESS_STR:
			json_str(f, c->s);
			break;
		case STRESS_INT:
			fprintf(f, "%lld", c->i);
			break;
		case STRESS_UINT:
			fprintf(f, "%llu", c->u);
			break;
		case STRESS_BOOL:
			fputs(c->b ? "true" : "false", f);
			break;
		case STRESS_NUM:
			if (isfinite(c->d))
				fprintf(f, "%.10g", c->d);
			else
				fputs("null", f);
			break;
		}
	}
	fputs("}\n", f);
}

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_row(struct stress_out *o, const struct stress_row *r)
{
	char keys[sizeof(o->csv_keys)] = "";

	for (unsigned int i = 0; i < r->n; i++) {
		strncat(keys, r->col[i].key, sizeof(keys) - strlen(keys) - 2);
		strcat(keys, i + 1 < r->n ? "," : "");
	}
	if (strcmp(keys, o->csv_keys)) {
		strcpy(o->csv_keys, keys);
		fprintf(o->f, "%s\n", keys);
	}
	for (unsigned int i = 0; i < r->n; i++) {
		const struct stress_col *c = &r->col[i];

		if (c->type == STRESS_NUM && isfinite(c->d))
			fprintf(o->f, "%.10g", c->d);
		else if (c->type == STRESS_BOOL)
			fputs(c->b ? "true" : "false", o->f);
		else if (c->type == STRESS_INT)
			fprintf(o->f, "%lld", c->i);
		else if (c->type == STRESS_UINT)
			fprintf(o->f, "%llu", c->u);
		else if (c->type == STRESS_STR)
			csv_str(o->f, c->s);
		fputc(i + 1 < r->n ? ',' : '\n', o->f);
	}
}

/* Print the pending table: labelled columns, in order of first appearance. */
static void table_flush(struct stress_out *o)
{
	const char *labels[STRESS_MAX_COLS];
	const char *keys[STRESS_MAX_COLS];
	int width[STRESS_MAX_COLS];
	bool left[STRESS_MAX_COLS];
	unsigned int ncol = 0;
	char buf[64];

	if (o->title && (o->nrows || o->fmt == STRESS_TABLE))
		fprintf(o->f, "\n%s\n", o->title);
	for (unsigned int r = 0; r < o->nrows; r++) {
		for (unsigned int i = 0; i < o->rows[r].n; i++) {
			const struct stress_col *c = &o->rows[r].col[i];
			unsigned int k;

			if (!c->label)
				continue;
			for (k = 0; k < ncol && strcmp(keys[k], c->key); k++)
				;
			if (k == ncol) {
				keys[k] = c->key;
				labels[k] = c->label;
				width[k] = (int)strlen(c->label);
				left[k] = c->type == STRESS_STR;
				ncol++;
			}
			int w = (int)strlen(col_text(c, buf, sizeof(buf)));

			if (w > width[k])
				width[k] = w;
		}
	}
	for (unsigned int k = 0; k < ncol && o->nrows; k++)
		fprintf(o->f, "%s%*s", k ? "  " : "", left[k] ?
			(k + 1 == ncol ? 0 : -width[k]) : width[k], labels[k]);
	if (ncol && o->nrows)
		fputc('\n', o->f);
	for (unsigned int r = 0; r < o->nrows; r++) {
		for (unsigned int k = 0; k < ncol; k++) {
			const char *t = "";

			for (unsigned int i = 0; i < o->rows[r].n; i++)
				if (!strcmp(o->rows[r].col[i].key, keys[k]))
					t = col_text(&o->rows[r].col[i], buf,
						     sizeof(buf));
			/* no padding after the last column */
			fprintf(o->f, "%s%*s", k ? "  " : "", left[k] ?
				(k + 1 == ncol ? 0 : -width[k]) : width[k], t);
		}
		fputc('\n', o->f);
	}
	free(o->title);
	o->title = NULL;
	o->nrows = 0;
	fflush(o->f);
}

void stress_out_section(struct stress_out *o, const char *title)
{
	if (o->fmt != STRESS_TABLE)
		return;
	table_flush(o);
	o->title = title ? strdup(title) : NULL;
}

void stress_out_row(struct stress_out *o, const struct stress_row *r)
{
	switch (o->fmt) {
	case STRESS_JSON:
		json_row(o->f, r);
		fflush(o->f);
		return;
	case STRESS_CSV:
		csv_row(o, r);
		fflush(o->f);
		return;
	case STRESS_TABLE:
		break;
	}
	if (o->nrows == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 16;
		o->rows = realloc(o->rows, o->cap * sizeof(*o->rows));
		if (!o->rows)
			abort();
	}
	o->rows[o->nrows++] = *r;
	/* string columns point into the caller's memory: copy them into text */
	struct stress_row *copy = &o->rows[o->nrows - 1];

	for (unsigned int i = 0; i < copy->n; i++)
		if (copy->col[i].type == STRESS_STR && !copy->col[i].text[0])
			snprintf(copy->col[i].text, sizeof(copy->col[i].text),
				 "%s", copy->col[i].s);
}

void stress_out_note(struct stress_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->fmt != STRESS_TABLE)
		return;
	table_flush(o);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
	fflush(o->f);
}

void stress_out_free(struct stress_out *o)
{
	if (o->fmt == STRESS_TABLE)
		table_flush(o);
	fflush(o->f);
	free(o->rows);
	free(o->title);
	free(o);
}
