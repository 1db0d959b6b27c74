// SPDX-License-Identifier: GPL-2.0
/* gosync CLI: `gosync counter VERB NAME [ARGS]`, Go's sync/atomic on an int64. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static unsigned int approx_flag(const struct cli_ctx *ctx)
{
	return cli_opt(ctx, "approx") ? GOSYNC_OP_F_APPROX : 0;
}

/*
 * Open the counter argv[0] and run one op on it.
 * Return: 0, or the exit status after printing why.
 */
static int counter_do(struct cli_ctx *ctx, unsigned int op, unsigned int flags,
		      int64_t arg, int64_t expected, int64_t *result)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_COUNTER);
	int ret = 0;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_counter_op(fd, op, flags, arg, expected, result) < 0)
		ret = cli_fail(ctx, name);
	close(fd);
	return ret;
}

static int counter_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_COUNTER };
	int64_t initial = 0;
	uint64_t u;
	int mode = GOSYNC_COUNTER_ATOMIC;
	const char *s;

	if ((s = cli_opt(ctx, "mode"))) {
		mode = gosync_counter_mode_parse(s);
		if (mode < 0)
			return cli_usage(ctx, "unknown mode '%s' (racy, atomic, "
					 "spinlock, mutex, rwsem or percpu)", s);
	}
	if ((s = cli_opt(ctx, "initial")) && !cli_i64(ctx, "--initial", s, &initial))
		return CLI_EXIT_USAGE;
	if ((s = cli_opt(ctx, "racy-delay"))) {
		/* The kernel refuses a delay in another mode: EINVAL, exit 1. */
		if (mode != GOSYNC_COUNTER_RACY)
			return cli_usage(ctx, "--racy-delay needs --mode racy");
		if (!opt_u64(s, 10, GOSYNC_RACY_DELAY_MAX, &u))
			return cli_usage(ctx, "--racy-delay '%s' is not a number "
					 "of nanoseconds from 0 to %d", s,
					 GOSYNC_RACY_DELAY_MAX);
		c.counter.racy_delay_ns = (uint32_t)u;
	}
	c.counter.mode = (uint32_t)mode;
	c.counter.initial = initial;
	return cli_create(ctx, &c, &initial, NULL);
}

static int counter_add(struct cli_ctx *ctx)
{
	int64_t delta, v;
	int ret;

	if (!cli_i64(ctx, "DELTA", ctx->argv[1], &delta))
		return CLI_EXIT_USAGE;
	if ((ret = counter_do(ctx, GOSYNC_OP_ADD, approx_flag(ctx), delta, 0, &v)))
		return ret;
	if (ctx->json) {
		json_head(ctx->argv[0], "add");
		printf(",\"delta\":%" PRId64 ",\"value\":%" PRId64 "}\n", delta, v);
	} else {
		printf("%" PRId64 "\n", v);
	}
	return 0;
}

static int counter_load(struct cli_ctx *ctx)
{
	int64_t v;
	int ret;

	if ((ret = counter_do(ctx, GOSYNC_OP_LOAD, approx_flag(ctx), 0, 0, &v)))
		return ret;
	if (ctx->json) {
		json_head(ctx->argv[0], "load");
		printf(",\"value\":%" PRId64 "}\n", v);
	} else {
		printf("%" PRId64 "\n", v);
	}
	return 0;
}

static int counter_store(struct cli_ctx *ctx)
{
	int64_t v;
	int ret;

	if (!cli_i64(ctx, "VALUE", ctx->argv[1], &v))
		return CLI_EXIT_USAGE;
	if ((ret = counter_do(ctx, GOSYNC_OP_STORE, 0, v, 0, NULL)))
		return ret;
	if (ctx->json) {
		json_head(ctx->argv[0], "store");
		printf(",\"value\":%" PRId64 "}\n", v);
	}
	return 0;
}

static int counter_swap(struct cli_ctx *ctx)
{
	int64_t v, old;
	int ret;

	if (!cli_i64(ctx, "VALUE", ctx->argv[1], &v))
		return CLI_EXIT_USAGE;
	if ((ret = counter_do(ctx, GOSYNC_OP_SWAP, 0, v, 0, &old)))
		return ret;
	if (ctx->json) {
		json_head(ctx->argv[0], "swap");
		printf(",\"old\":%" PRId64 ",\"new\":%" PRId64 "}\n", old, v);
	} else {
		printf("%" PRId64 "\n", old);
	}
	return 0;
}

static int counter_cas(struct cli_ctx *ctx)
{
	int64_t expected, v, old;
	bool swapped;
	int ret;

	if (!cli_i64(ctx, "OLD", ctx->argv[1], &expected) ||
	    !cli_i64(ctx, "NEW", ctx->argv[2], &v))
		return CLI_EXIT_USAGE;
	if ((ret = counter_do(ctx, GOSYNC_OP_CAS, 0, v, expected, &old)))
		return ret;
	swapped = old == expected;
	if (ctx->json) {
		json_head(ctx->argv[0], "cas");
		printf(",\"expected\":%" PRId64 ",\"new\":%" PRId64
		       ",\"old\":%" PRId64 ",\"swapped\":%s}\n",
		       expected, v, old, swapped ? "true" : "false");
	} else {
		printf("%s\n", swapped ? "true" : "false");
	}
	return swapped ? 0 : CLI_EXIT_FAIL;
}

static int counter_reset(struct cli_ctx *ctx)
{
	int64_t old;
	int ret;

	if ((ret = counter_do(ctx, GOSYNC_OP_RESET, 0, 0, 0, &old)))
		return ret;
	if (ctx->json) {
		json_head(ctx->argv[0], "reset");
		printf(",\"old\":%" PRId64 "}\n", old);
	} else {
		printf("%" PRId64 "\n", old);
	}
	return 0;
}

/* MASK: a signed decimal number, or 0x and up to 16 hex digits (the bits) */
static bool arg_mask(const struct cli_ctx *ctx, const char *s, int64_t *mask)
{
	uint64_t u;

	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		if (opt_u64(s + 2, 16, UINT64_MAX, &u)) {
			*mask = (int64_t)u;
			return true;
		}
		cli_usage(ctx, "MASK '%s' is not a 64-bit hex number", s);
		return false;
	}
	return cli_i64(ctx, "MASK", s, mask);
}

/* and, or (Go 1.23): apply MASK, print the old value */
static int counter_bits(struct cli_ctx *ctx, unsigned int op, const char *verb)
{
	int64_t mask, old, v;
	int ret;

	if (!arg_mask(ctx, ctx->argv[1], &mask))
		return CLI_EXIT_USAGE;
	if ((ret = counter_do(ctx, op, 0, mask, 0, &old)))
		return ret;
	v = op == GOSYNC_OP_AND ? old & mask : old | mask;
	if (ctx->json) {
		json_head(ctx->argv[0], verb);
		printf(",\"mask\":%" PRId64 ",\"old\":%" PRId64 ",\"new\":%" PRId64 "}\n",
		       mask, old, v);
	} else {
		printf("%" PRId64 "\n", old);
	}
	return 0;
}

static int counter_and(struct cli_ctx *ctx)
{
	return counter_bits(ctx, GOSYNC_OP_AND, "and");
}

static int counter_or(struct cli_ctx *ctx)
{
	return counter_bits(ctx, GOSYNC_OP_OR, "or");
}

static const char *const counter_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_ADD] = "add",
	[GOSYNC_STAT_LOAD] = "load",
	[GOSYNC_STAT_STORE] = "store",
	[GOSYNC_STAT_SWAP] = "swap",
	[GOSYNC_STAT_CAS] = "cas",
	[GOSYNC_STAT_CAS_FAILED] = "cas_failed",
	[GOSYNC_STAT_RESET] = "reset",
	[GOSYNC_STAT_AND_OR] = "and_or",
};

static const struct cli_opt create_opts[] = {
	{ "mode", 0, "MODE", "racy, atomic (default), spinlock, mutex, rwsem, percpu" },
	{ "initial", 0, "N", "initial value (default 0)" },
	CLI_OPT_PERM,
	CLI_OPT_MAPPED,
	{ "racy-delay", 0, "NS", "with --mode racy: spin NS ns inside each update" },
	{ NULL },
};

static const struct cli_opt approx_opts[] = {
	{ "approx", 0, NULL, "a cheap approximate value is enough (percpu mode)" },
	{ NULL },
};

static const struct cli_cmd counter_cmds[] = {
	{ "create", "NAME", "create a named counter",
	  "The counter lives until 'gosync rm NAME', even after this command exits.\n"
	  "Its owner is the caller; others need read and write permission in\n"
	  "--perm to use it. Prints nothing (with --json: the new object).",
	  create_opts, 1, 1, counter_create },
	{ "add", "NAME DELTA", "add DELTA (may be negative); print the new value",
	  "Values wrap modulo 2^64.", approx_opts, 2, 2, counter_add },
	{ "load", "NAME", "print the value", NULL, approx_opts, 1, 1, counter_load },
	{ "store", "NAME VALUE", "set the value; print nothing", NULL, NULL, 2, 2,
	  counter_store },
	{ "swap", "NAME VALUE", "set the value; print the old one",
	  "Not supported by percpu counters.", NULL, 2, 2, counter_swap },
	{ "cas", "NAME OLD NEW", "compare and swap; print true or false",
	  "If the value is OLD, set it to NEW. Prints true and exits 0 if it\n"
	  "swapped, prints false and exits 1 if not (like test(1)); an error\n"
	  "prints no true/false. Not supported by percpu counters.",
	  NULL, 3, 3, counter_cas },
	{ "reset", "NAME", "set the value to 0; print the old one", NULL, NULL,
	  1, 1, counter_reset },
	{ "and", "NAME MASK", "value &= MASK; print the old value",
	  "Go 1.23's atomic.AndInt64. MASK is a signed decimal number, or 0x and\n"
	  "hex digits for the bits (0xfffffffffffffffe clears bit 0). Not\n"
	  "supported by percpu counters.", NULL, 2, 2, counter_and },
	{ "or", "NAME MASK", "value |= MASK; print the old value",
	  "Go 1.23's atomic.OrInt64; MASK as for 'and' (0x4 sets bit 2). Not\n"
	  "supported by percpu counters.", NULL, 2, 2, counter_or },
	{ "info", "NAME", "show the counter: owner, mode, open fds, op counts, value",
	  "fds counts this command's own open file. The op counts are read before\n"
	  "the value, so they do not include this command's load.",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

const struct cli_type cli_counter = {
	.name = "counter",
	.type = GOSYNC_TYPE_COUNTER,
	.summary = "a 64-bit integer with Go's sync/atomic operations",
	.cmds = counter_cmds,
	.subtype_name = gosync_counter_mode_name,
	.stat_names = counter_stats,
	.info_value = gosync_counter_load,
};
