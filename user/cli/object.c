// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: what every object type shares, written once over struct
 * cli_type: the create verb's name and --perm, the info verb, and an
 * object's description for ls, info and create --json (see cli.h).
 */
#include <inttypes.h>
#include <string.h>
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

/* Types with a state: all but counters and maps */
static bool has_state(unsigned int type)
{
	return type != GOSYNC_TYPE_COUNTER && type != GOSYNC_TYPE_MAP;
}

/* Types that have holders, waiters with ages, and contention counts */
static bool is_lock(unsigned int type)
{
	return type == GOSYNC_TYPE_MUTEX || type == GOSYNC_TYPE_RWMUTEX ||
	       type == GOSYNC_TYPE_SEM;
}

void cli_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	static const struct { const char *unit; double div; } u[] = {
		{ "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if ((double)ns >= u[i].div) {
			snprintf(buf, len, "%.3g%s", (double)ns / u[i].div, u[i].unit);
			return;
		}
	snprintf(buf, len, "%" PRIu64 "ns", ns);
}

/* ls's STATE column: what the object is doing, in a word */
static void state_word(char *buf, size_t len, unsigned int type, const struct gosync_state *st)
{
	switch (type) {
	case GOSYNC_TYPE_MUTEX:
		snprintf(buf, len, "%s", st->flags & GOSYNC_STATE_LOCKED ?
			 (st->flags & GOSYNC_STATE_STARVING ? "locked,starving" : "locked") :
			 "free");
		break;
	case GOSYNC_TYPE_RWMUTEX:
		if (st->flags & GOSYNC_STATE_LOCKED)
			snprintf(buf, len, "write");
		else if (st->readers)
			snprintf(buf, len, "read:%" PRIu64, (uint64_t)st->readers);
		else
			snprintf(buf, len, "free");
		break;
	case GOSYNC_TYPE_SEM:
	case GOSYNC_TYPE_CHAN:
		snprintf(buf, len, "%" PRId64 "/%" PRIu64 "%s", (int64_t)st->value,
			 (uint64_t)st->limit, st->flags & GOSYNC_STATE_CLOSED ? ",closed" : "");
		break;
	case GOSYNC_TYPE_WAITGROUP:
		snprintf(buf, len, "%" PRId64, (int64_t)st->value);
		break;
	case GOSYNC_TYPE_ONCE:
		snprintf(buf, len, "%s", st->flags & GOSYNC_STATE_DONE ? "done" : "-");
		break;
	default:
		snprintf(buf, len, "-");
	}
}

/*
 * A holder's comm for a text line: its process chose it (PR_SET_NAME), so
 * blanks and control bytes, which would split a column or forge a line,
 * print as '?' (as ps does).
 */
static const char *comm_text(const struct gosync_holder *h, char *buf)
{
	size_t i;

	for (i = 0; i < sizeof(h->comm) && h->comm[i]; i++)
		buf[i] = h->comm[i] > ' ' && h->comm[i] < 0x7f ? h->comm[i] : '?';
	buf[i] = '\0';
	return buf;
}

/*
 * ls's HOLDERS column: "PID:COMM" (xCOUNT if more than one), comma-separated;
 * "PID:COMM*" for a lock taken in userspace through a description PID opened.
 */
static void holders_word(char *buf, size_t len, const struct gosync_state *st)
{
	unsigned int n = st->nr_holders < GOSYNC_STATE_HOLDERS ? st->nr_holders :
			 GOSYNC_STATE_HOLDERS;
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && off < len; i++) {
		const struct gosync_holder *h = &st->holders[i];
		char comm[sizeof(h->comm) + 1];

		off += snprintf(buf + off, len - off, "%s%d:%s%s%s", i ? "," : "", h->pid,
				comm_text(h, comm), h->flags & GOSYNC_HOLDER_OPENER ? "*" : "",
				h->flags & GOSYNC_HOLDER_EXITED ? "(exited)" : "");
		if (h->count > 1 && off < len)
			off += snprintf(buf + off, len - off, "x%" PRIu64, (uint64_t)h->count);
	}
	if (st->nr_holders > n && off < len)
		snprintf(buf + off, len - off, ",+%u", st->nr_holders - n);
	if (!n)
		snprintf(buf, len, "-");
}

static void json_holder(const struct gosync_holder *h)
{
	char comm[sizeof(h->comm) + 1];

	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(h->comm), h->comm);
	printf("{\"pid\":%d,\"comm\":", h->pid);
	json_str(stdout, comm);
	printf(",\"held\":%" PRIu64 ",\"write\":%s,\"opener\":%s,\"exited\":%s}",
	       (uint64_t)h->count, h->flags & GOSYNC_HOLDER_WRITE ? "true" : "false",
	       h->flags & GOSYNC_HOLDER_OPENER ? "true" : "false",
	       h->flags & GOSYNC_HOLDER_EXITED ? "true" : "false");
}

/* The "activity" member of an object's JSON */
static void json_state(const struct gosync_state *st, const struct gosync_holder *hs,
		       unsigned int nr)
{
	unsigned int n = hs ? nr : (st->nr_holders < GOSYNC_STATE_HOLDERS ?
				    st->nr_holders : GOSYNC_STATE_HOLDERS);

	printf(",\"activity\":{\"locked\":%s,\"starving\":%s,\"closed\":%s,"
	       "\"done\":%s,\"nr_holders\":%u,\"holders\":[",
	       st->flags & GOSYNC_STATE_LOCKED ? "true" : "false",
	       st->flags & GOSYNC_STATE_STARVING ? "true" : "false",
	       st->flags & GOSYNC_STATE_CLOSED ? "true" : "false",
	       st->flags & GOSYNC_STATE_DONE ? "true" : "false", st->nr_holders);
	for (unsigned int i = 0; i < n; i++) {
		printf("%s", i ? "," : "");
		json_holder(hs ? &hs[i] : &st->holders[i]);
	}
	printf("],\"readers\":%" PRIu64 ",\"current\":%" PRId64 ",\"limit\":%" PRIu64
	       ",\"waiters\":%u,\"receivers\":%u,\"oldest_wait_ns\":%" PRIu64
	       ",\"contended\":%" PRIu64 ",\"wait_ns\":%" PRIu64 ",\"wait_hist\":[",
	       (uint64_t)st->readers, (int64_t)st->value, (uint64_t)st->limit, st->waiters,
	       st->receivers, (uint64_t)st->oldest_wait_ns, (uint64_t)st->contended,
	       (uint64_t)st->wait_ns);
	for (int i = 0; i < GOSYNC_WAIT_HIST; i++)
		printf("%s%" PRIu64, i ? "," : "", (uint64_t)st->wait_hist[i]);
	printf("]}");
}

/* info's lines for the state: holders, waiters, contention, histogram */
static void text_state(unsigned int type, const struct gosync_state *st,
		       const struct gosync_holder *hs, unsigned int nr)
{
	char a[32], b[32], comm[sizeof(hs->comm) + 1];
	uint64_t max = 0;

	state_word(a, sizeof(a), type, st);
	printf("now: %s\n", a);
	if (type == GOSYNC_TYPE_CHAN) {
		printf("senders_waiting: %u\nreceivers_waiting: %u\n", st->waiters,
		       st->receivers);
		return;
	}
	printf("waiters: %u\n", st->waiters);
	if (!is_lock(type))
		return;
	printf("holders: %u\n", st->nr_holders);
	for (unsigned int i = 0; i < nr; i++)
		printf("holder: pid=%d comm=%s %s=%" PRIu64 "%s%s\n", hs[i].pid,
		       comm_text(&hs[i], comm),
		       hs[i].flags & GOSYNC_HOLDER_WRITE ? "write" :
		       type == GOSYNC_TYPE_SEM ? "permits" : "read",
		       (uint64_t)hs[i].count,
		       hs[i].flags & GOSYNC_HOLDER_OPENER ?
		       " (in userspace, through a description this process opened)" : "",
		       hs[i].flags & GOSYNC_HOLDER_EXITED ?
		       " (exited: the pid may be another process's now)" : "");
	if (nr < st->nr_holders)
		printf("holder: ... %u more\n", st->nr_holders - nr);
	cli_fmt_ns(a, sizeof(a), st->oldest_wait_ns);
	printf("oldest_wait: %s\n", st->oldest_wait_ns ? a : "-");
	cli_fmt_ns(a, sizeof(a), st->wait_ns);
	printf("contended: %" PRIu64 "\nwait_total: %s\n", (uint64_t)st->contended, a);
	if (!st->contended)
		return;
	printf("wait_hist:\n");
	for (int i = 0; i < GOSYNC_WAIT_HIST; i++)
		if (st->wait_hist[i] > max)
			max = st->wait_hist[i];
	for (int i = 0; i < GOSYNC_WAIT_HIST; i++) {
		int bar;

		if (!st->wait_hist[i])
			continue;
		cli_fmt_ns(a, sizeof(a), i ? 1ULL << (i + 9) : 0);
		if (i == GOSYNC_WAIT_HIST - 1)
			snprintf(b, sizeof(b), "inf");
		else
			cli_fmt_ns(b, sizeof(b), 1ULL << (i + 10));
		bar = (int)((st->wait_hist[i] * 40 + max - 1) / max);
		printf("  %8s .. %-8s %10" PRIu64 " %.*s\n", i ? a : "0", b,
		       (uint64_t)st->wait_hist[i], bar,
		       "########################################");
	}
}

void cli_print_info(const struct cli_ctx *ctx, const struct cli_type *t,
		    const struct gosync_info *info, bool long_form,
		    const int64_t *value, const char *state)
{
	cli_print_info_state(ctx, t, info, long_form, value, state, NULL, NULL, 0);
}

void cli_print_info_state(const struct cli_ctx *ctx, const struct cli_type *t,
			  const struct gosync_info *info, bool long_form,
			  const int64_t *value, const char *state,
			  const struct gosync_state *st, const struct gosync_holder *hs,
			  unsigned int nr)
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
		printf(",\"named\":%s,\"mapped\":%s,\"uid\":%u,\"gid\":%u,"
		       "\"perm\":\"%04o\",\"fds\":%u,\"stats\":",
		       info->flags & GOSYNC_INFO_NAMED ? "true" : "false",
		       info->flags & GOSYNC_INFO_MAPPED ? "true" : "false",
		       info->uid, info->gid, info->perm, info->nr_files);
		print_stats(ctx, t, info);
		if (value)
			printf(",\"value\":%" PRId64, *value);
		if (state) {
			printf(",\"state\":");
			json_str(stdout, state);
		}
		if (st && has_state(info->type))
			json_state(st, hs, nr);
		putchar('}');
	} else if (long_form) {
		printf("name: %s\nid: %" PRIu64 "\ntype: %s\nmode: %s\n"
		       "uid: %u\ngid: %u\nperm: %04o\nfds: %u\nops: ",
		       name, (uint64_t)info->id, type, subtype,
		       info->uid, info->gid, info->perm, info->nr_files);
		print_stats(ctx, t, info);
		putchar('\n');
		if (info->flags & GOSYNC_INFO_MAPPED)
			puts("mapped: yes (the kernel counts only what reaches it)");
		if (value)
			printf("value: %" PRId64 "\n", *value);
		if (state)
			printf("state: %s\n", state);
		if (st && has_state(info->type))
			text_state(info->type, st, hs, nr);
	} else {
		printf("%-5" PRIu64 " %-8s %-9s %-24s %5u %5u %04o %4u ",
		       (uint64_t)info->id, type, subtype, name[0] ? name : "-",
		       info->uid, info->gid, info->perm, info->nr_files);
		if (st) {
			char now[32], wait[24], oldest[16], cont[24], holders[128];

			state_word(now, sizeof(now), info->type, st);
			if (info->type == GOSYNC_TYPE_CHAN)
				snprintf(wait, sizeof(wait), "%u/%u", st->waiters, st->receivers);
			else
				snprintf(wait, sizeof(wait), "%u", st->waiters);
			cli_fmt_ns(oldest, sizeof(oldest), st->oldest_wait_ns);
			snprintf(cont, sizeof(cont), "%" PRIu64, (uint64_t)st->contended);
			holders_word(holders, sizeof(holders), st);
			printf("%-10s %5s %7s %6s %-20s ", now, wait,
			       st->oldest_wait_ns ? oldest : "-",
			       is_lock(info->type) ? cont : "-", holders);
		}
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
		/* The kernel reads 0 as "the default" (0600): refuse it. */
		if (!opt_u64(s, 8, 0777, &perm) || !perm)
			return cli_usage(ctx, "--perm '%s' is not an octal mode "
					 "from 1 to 0777 (0 would be the default, 0600)", s);
		c->perm = (uint32_t)perm;
	}
	c->name = (uintptr_t)name;
	if (cli_opt(ctx, "mapped"))
		c->flags |= GOSYNC_CREATE_MAPPED;
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
	struct gosync_holder hs[64];
	struct gosync_state st;
	struct gosync_info info;
	unsigned int nr = 0;
	int64_t v;
	int fd = cli_open(ctx, name, t->type), ret = 0;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	/* INFO first, so the counts do not include our own read. */
	if (gosync_info(fd, &info) < 0 || gosync_state(fd, &st, hs, 64, &nr) < 0 ||
	    (t->info_value && t->info_value(fd, &v) < 0) ||
	    (t->info_state && !(state = t->info_state(fd)))) {
		ret = cli_fail(ctx, name);
	} else {
		cli_print_info_state(ctx, t, &info, true, t->info_value ? &v : NULL, state,
				     &st, hs, nr < 64 ? nr : 64);
		if (ctx->json)
			putchar('\n');
	}
	close(fd);
	return ret;
}
