// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: what every object type shares, written once over struct
 * cli_type: the create verb's name and --perm, the info verb, and an
 * object's description for ls, info and create --json (see cli.h).
 */
#include <inttypes.h>
#include <unistd.h>

#include "cli.h"

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

void cli_print_info(const struct cli_ctx *ctx, const struct cli_type *t,
		    const struct gosync_info *info, bool long_form,
		    const int64_t *value, const char *state)
{
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

int cli_create(struct cli_ctx *ctx, struct gosync_create *c, const int64_t *value,
	       const char *state)
{
	const char *name = ctx->argv[0], *s;
	struct gosync_info info;
	uint64_t perm;
	int dev, fd, ret = 0;

	if ((s = cli_opt(ctx, "perm"))) {
		if (!opt_u64(s, 8, 0777, &perm))
			return cli_usage(ctx, "--perm '%s' is not an octal mode "
					 "from 0 to 0777", s);
		c->perm = (uint32_t)perm;
	}
	c->name = (uintptr_t)name;
	if ((dev = cli_dev(ctx)) < 0)
		return CLI_EXIT_FAIL;
	fd = gosync_create(dev, c);
	if (fd < 0)
		return cli_fail(ctx, name);
	if (ctx->json) {
		if (gosync_info(fd, &info) < 0) {
			ret = cli_fail(ctx, name);
		} else {
			cli_print_info(ctx, ctx->type, &info, true, value, state);
			putchar('\n');
		}
	}
	close(fd);
	return ret;
}

int cli_info(struct cli_ctx *ctx)
{
	const struct cli_type *t = ctx->type;
	const char *name = ctx->argv[0], *state = NULL;
	struct gosync_info info;
	int64_t v;
	int fd = cli_open(ctx, name, t->type), ret = 0;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	/* INFO first, so the counts do not include our own read. */
	if (gosync_info(fd, &info) < 0 ||
	    (t->info_value && t->info_value(fd, &v) < 0) ||
	    (t->info_state && !(state = t->info_state(fd)))) {
		ret = cli_fail(ctx, name);
	} else {
		cli_print_info(ctx, t, &info, true, t->info_value ? &v : NULL, state);
		if (ctx->json)
			putchar('\n');
	}
	close(fd);
	return ret;
}
