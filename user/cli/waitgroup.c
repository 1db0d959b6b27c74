// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync wg VERB NAME ...`, Go's sync.WaitGroup across processes.
 * `wg go NAME -- CMD` is Go 1.25's WaitGroup.Go: Add(1), then CMD and Done
 * in a worker; the Add is held by its open file, so the kernel does the Done
 * if the worker dies.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int wg_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_WAITGROUP };
	int64_t zero = 0;

	return cli_create(ctx, &c, &zero, NULL);
}

/* Report a refused Add (errno) on @name; closes @fd. Return: CLI_EXIT_FAIL. */
static int add_fail(const struct cli_ctx *ctx, const char *name, int fd)
{
	if (errno == EINVAL)
		fprintf(stderr, "gosync: %s %s: the counter would go negative "
			"(%s)\n", ctx->cmdline, name, strerror(errno));
	else if (errno == EBUSY)
		fprintf(stderr, "gosync: %s %s: Add called concurrently with "
			"Wait: waiters released by the last zero have not all "
			"returned; retry (%s)\n", ctx->cmdline, name,
			strerror(errno));
	else
		cli_fail(ctx, name);
	close(fd);
	return CLI_EXIT_FAIL;
}

/* add and done: print the new counter */
static int wg_add_common(struct cli_ctx *ctx, bool done)
{
	const char *name = ctx->argv[0];
	int64_t delta = -1, v;
	int fd, ret;

	if (!done && !cli_i64(ctx, "N", ctx->argv[1], &delta))
		return CLI_EXIT_USAGE;
	fd = cli_open(ctx, name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	ret = done ? gosync_waitgroup_done(fd, &v) : gosync_waitgroup_add(fd, delta, &v);
	if (ret < 0)
		return add_fail(ctx, name, fd);
	close(fd);
	if (ctx->json) {
		json_head(name, done ? "done" : "add");
		if (!done)
			printf(",\"delta\":%" PRId64, delta);
		printf(",\"counter\":%" PRId64 "}\n", v);
	} else {
		printf("%" PRId64 "\n", v);
	}
	return 0;
}

static int wg_add(struct cli_ctx *ctx)
{
	return wg_add_common(ctx, false);
}

static int wg_done(struct cli_ctx *ctx)
{
	return wg_add_common(ctx, true);
}

/* The worker's half of go: CMD, then the Done through the held description. */
static int go_run(struct cli_ctx *ctx, int fd, int64_t *v)
{
	int status = cli_run(ctx, ctx->argv + 1, NULL);

	if (gosync_waitgroup_done(fd, v) < 0) {
		/* cannot happen: our held Add keeps the counter above zero */
		cli_fail(ctx, ctx->argv[0]);
		if (!status)
			status = CLI_EXIT_FAIL;
	}
	close(fd);
	return status;
}

/*
 * go: a held Add(1), then CMD and the Done through the same open file
 * description, in a worker process that this command forks, as Go's
 * wg.Go(f) returns once f is started: the Add is made before we return, so
 * a 'wg wait' after the loop that starts the workers cannot miss one. With
 * --wait we are the worker. If the worker is killed the kernel does the
 * Done (counted abandoned), and CMD is killed too.
 */
static int wg_go(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	bool wait = cli_opt(ctx, "wait");
	int64_t v;
	int fd, status = 0;
	pid_t pid = 0;

	fd = cli_open(ctx, name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_waitgroup_add_held(fd, 1, &v) < 0)
		return add_fail(ctx, name, fd);
	if (wait) {
		status = go_run(ctx, fd, &v);
	} else {
		fflush(NULL);
		pid = fork();
		if (!pid)
			_exit(go_run(ctx, fd, &v));
		if (pid < 0) {
			status = cli_fail(ctx, name);
			gosync_waitgroup_done(fd, &v);
		}
		close(fd);	/* the worker keeps the description, and the Add */
	}
	if (ctx->json && (wait || !status)) {
		json_head(name, "go");
		if (wait)
			printf(",\"status\":%d,\"counter\":%" PRId64 "}\n", status, v);
		else
			printf(",\"counter\":%" PRId64 ",\"pid\":%d}\n", v, (int)pid);
	}
	return status;
}

static int wait_call(int fd, int64_t timeout_ns, void *arg)
{
	(void)arg;
	return gosync_waitgroup_wait(fd, timeout_ns);
}

static int wg_wait(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int64_t timeout;
	int fd, ret = 0;

	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (cli_wait(fd, timeout, wait_call, NULL) < 0)
		ret = cli_wait_fail(ctx, name);
	else if (ctx->json) {
		json_head(name, "wait");
		printf("}\n");
	}
	close(fd);
	return ret;
}

static int wg_load(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_WAITGROUP), ret = 0;
	int64_t v;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_waitgroup_load(fd, &v) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "load");
		printf(",\"counter\":%" PRId64 "}\n", v);
	} else {
		printf("%" PRId64 "\n", v);
	}
	close(fd);
	return ret;
}

static const char *wg_subtype(unsigned int subtype)
{
	return subtype ? NULL : "-";
}

static const struct cli_opt create_opts[] = {
	CLI_OPT_PERM,
	CLI_OPT_MAPPED,
	{ NULL },
};

static const struct cli_opt go_opts[] = {
	{ "wait", 'w', NULL, "run CMD here, not in a worker: exit with its status" },
	{ NULL },
};

static const struct cli_cmd wg_cmds[] = {
	{ "create", "NAME", "create a named WaitGroup (counter 0)",
	  "It lives until 'gosync rm NAME'. Prints nothing (with --json: the new\n"
	  "object).", create_opts, 1, 1, wg_create },
	{ "add", "NAME N", "add N (may be negative) to the counter; print it",
	  "Exit status 1 if the counter would go negative (it is left as it\n"
	  "was: Go's 'negative WaitGroup counter'), or for a positive N on a zero\n"
	  "counter while waits released by the last zero are still returning\n"
	  "(Go's 'Add called concurrently with Wait': retry).",
	  NULL, 2, 2, wg_add },
	{ "done", "NAME", "subtract 1 from the counter; print it",
	  "Exit status 1 if the counter is already 0.", NULL, 1, 1, wg_done },
	{ "go", "NAME -- CMD ARGS...", "add 1 and start CMD; done when it exits",
	  "Go 1.25's WaitGroup.Go: add 1, start CMD in a worker process and\n"
	  "return at once, as wg.Go(f) does: run the loop that starts the workers\n"
	  "without '&', and a 'wait' after it cannot miss one. The worker does the\n"
	  "Done when CMD exits, whatever its status. The Add belongs to the\n"
	  "worker's open file, so if the worker is killed the kernel does its\n"
	  "Done (counted abandoned) and CMD is killed too: a dead worker never\n"
	  "leaves 'wait' hanging. CMD's output goes where gosync's goes. With\n"
	  "--wait: be the worker, and exit with CMD's status (128+N if signal N\n"
	  "killed it; 127: not found); SIGTERM and SIGHUP are passed on to CMD.\n"
	  "Exit status 1 if the Add was refused (as for 'add'), without running\n"
	  "CMD.",
	  go_opts, 2, -1, wg_go },
	{ "wait", "NAME", "wait until the counter is 0",
	  "Returns at once if it is 0. A worker started with 'wg go' that dies\n"
	  "is done for by the kernel; nothing notices one that used 'add' and\n"
	  "dies without its 'done': use 'wg go', or --timeout if that can happen.\n"
	  "Exit status 1 on timeout, 128+N if signal N interrupted the wait.",
	  cli_timeout_opts, 1, 1, wg_wait },
	{ "load", "NAME", "print the counter", NULL, NULL, 1, 1, wg_load },
	{ "info", "NAME", "show the WaitGroup: owner, open fds, op counts, counter",
	  "ops: adds (and dones), waits that returned, misuse (refused adds),\n"
	  "abandoned ('wg go' Adds done by the kernel for a worker that died).",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

static const char *const wg_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_WG_ADDS] = "adds",
	[GOSYNC_STAT_WG_WAITS] = "waits",
	[GOSYNC_STAT_WG_MISUSE] = "misuse",
	[GOSYNC_STAT_WG_ABANDONED] = "abandoned",
};

const struct cli_type cli_wg = {
	.name = "wg",
	.type = GOSYNC_TYPE_WAITGROUP,
	.summary = "Go's sync.WaitGroup: wait for a counter of jobs to reach 0",
	.cmds = wg_cmds,
	.subtype_name = wg_subtype,
	.stat_names = wg_stats,
	.info_value = gosync_waitgroup_load,
};
