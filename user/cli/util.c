// SPDX-License-Identifier: GPL-2.0
/* gosync CLI: helpers shared by every command (see cli.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_opt(const struct cli_ctx *ctx, const char *name)
{
	const struct cli_opt *o = ctx->cmd->opts;

	for (int i = 0; o && o[i].name; i++)
		if (!strcmp(o[i].name, name))
			return ctx->optval[i];
	return NULL;
}

int cli_dev(struct cli_ctx *ctx)
{
	if (ctx->dev >= 0)
		return ctx->dev;
	ctx->dev = gosync_dev_open();
	if (ctx->dev < 0)
		fprintf(stderr, "gosync: %s: %s%s\n", GOSYNC_DEVICE,
			strerror(errno),
			errno == ENOENT ? " (is the gosync module loaded?)" : "");
	return ctx->dev;
}

int cli_open(struct cli_ctx *ctx, const char *name, unsigned int type)
{
	struct gosync_info info;
	int dev = cli_dev(ctx);
	int fd, err;

	if (dev < 0)
		return -1;
	fd = gosync_open(dev, name, type);
	if (fd >= 0)
		return fd;
	err = errno;
	/* EINVAL for a well-formed name: say which type the object has. */
	if (err == EINVAL && type) {
		int any = gosync_open(dev, name, 0);

		if (any >= 0 && !gosync_info(any, &info)) {
			const char *t = gosync_type_name(info.type);

			fprintf(stderr, "gosync: %s %s: is a %s, not a %s\n",
				ctx->cmdline, name, t ? t : "object of unknown type",
				gosync_type_name(type));
			close(any);
			errno = err;
			return -1;
		}
		if (any >= 0)
			close(any);
	}
	errno = err;
	cli_fail(ctx, name);
	return -1;
}

int cli_fail(const struct cli_ctx *ctx, const char *what)
{
	int err = errno;

	if (what)
		fprintf(stderr, "gosync: %s %s: %s\n", ctx->cmdline, what,
			strerror(err));
	else
		fprintf(stderr, "gosync: %s: %s\n", ctx->cmdline, strerror(err));
	return CLI_EXIT_FAIL;
}

int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gosync: %s%s", ctx->cmdline,
		ctx->cmdline[0] ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gosync%s%s --help'.\n",
		ctx->cmdline[0] ? " " : "", ctx->cmdline);
	return CLI_EXIT_USAGE;
}

bool cli_parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return false;
	*v = x;
	return true;
}

bool cli_parse_u32(const char *s, bool octal, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long long x;

	/* strtoull accepts a sign; a value never has one. */
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, octal ? 8 : 10);
	if (*end || errno || x > max)
		return false;
	*v = (uint32_t)x;
	return true;
}

void json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

/* The stats of @info as "add=1 load=2" (text) or {"add":1,"load":2} (JSON). */
static void print_stats(const struct cli_ctx *ctx, const struct cli_type *t,
			const struct gosync_info *info)
{
	bool first = true;

	if (ctx->json)
		putchar('{');
	for (int i = 0; t && i < GOSYNC_NR_STATS; i++) {
		if (!t->stat_names[i])
			continue;
		if (ctx->json) {
			printf("%s", first ? "" : ",");
			json_str(stdout, t->stat_names[i]);
			printf(":%" PRIu64, (uint64_t)info->stats[i]);
		} else {
			printf("%s%s=%" PRIu64, first ? "" : " ",
			       t->stat_names[i], (uint64_t)info->stats[i]);
		}
		first = false;
	}
	if (ctx->json)
		putchar('}');
	else if (first)
		putchar('-');
}

void cli_print_info(const struct cli_ctx *ctx, const struct gosync_info *info,
		    bool long_form, const int64_t *value)
{
	cli_print_info_state(ctx, info, long_form, value, NULL);
}

void cli_print_info_state(const struct cli_ctx *ctx, const struct gosync_info *info,
			  bool long_form, const int64_t *value, const char *state)
{
	const struct cli_type *t = cli_type_find(info->type);
	const char *sub = t && t->subtype_name ? t->subtype_name(info->subtype) : NULL;
	char type[16], subtype[16], name[GOSYNC_NAME_MAX];

	snprintf(type, sizeof(type), "%s", t ? t->name : "");
	if (!t)
		snprintf(type, sizeof(type), "%u", info->type);
	snprintf(subtype, sizeof(subtype), "%s", sub ? sub : "");
	if (!sub)
		snprintf(subtype, sizeof(subtype), "%u", info->subtype);
	snprintf(name, sizeof(name), "%.*s", GOSYNC_NAME_MAX - 1, info->name);

	if (ctx->json) {
		printf("{\"id\":%" PRIu64 ",\"type\":", (uint64_t)info->id);
		json_str(stdout, type);
		printf(",\"mode\":");
		json_str(stdout, subtype);
		printf(",\"name\":");
		json_str(stdout, name);
		printf(",\"named\":%s,\"uid\":%u,\"gid\":%u,\"perm\":\"%04o\","
		       "\"fds\":%u,\"stats\":",
		       info->flags & GOSYNC_INFO_NAMED ? "true" : "false",
		       info->uid, info->gid, info->perm, info->nr_files);
		print_stats(ctx, t, info);
		if (value)
			printf(",\"value\":%" PRId64, *value);
		if (state) {
			printf(",\"state\":");
			json_str(stdout, state);
		}
		putchar('}');
	} else if (long_form) {
		printf("name: %s\nid: %" PRIu64 "\ntype: %s\nmode: %s\n"
		       "uid: %u\ngid: %u\nperm: %04o\nfds: %u\nops: ",
		       name, (uint64_t)info->id, type, subtype,
		       info->uid, info->gid, info->perm, info->nr_files);
		print_stats(ctx, t, info);
		putchar('\n');
		if (value)
			printf("value: %" PRId64 "\n", *value);
		if (state)
			printf("state: %s\n", state);
	} else {
		printf("%-5" PRIu64 " %-8s %-9s %-24s %5u %5u %04o %4u ",
		       (uint64_t)info->id, type, subtype, name[0] ? name : "-",
		       info->uid, info->gid, info->perm, info->nr_files);
		print_stats(ctx, t, info);
		putchar('\n');
	}
}

void json_head(const char *name, const char *op)
{
	printf("{\"name\":");
	json_str(stdout, name);
	printf(",\"op\":\"%s\"", op);
}

int cli_created(struct cli_ctx *ctx, const char *name, int fd, const int64_t *value,
		const char *state)
{
	struct gosync_info info;
	int ret = 0;

	if (fd < 0)
		return cli_fail(ctx, name);
	if (ctx->json) {
		if (gosync_info(fd, &info) < 0) {
			ret = cli_fail(ctx, name);
		} else {
			cli_print_info_state(ctx, &info, true, value, state);
			putchar('\n');
		}
	}
	close(fd);
	return ret;
}
