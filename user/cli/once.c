// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync once VERB NAME ...`, Go's sync.Once across processes:
 * `once do NAME -- CMD` runs CMD in the first caller only; the others wait
 * for it to finish.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *state_name(unsigned int result)
{
	if (!(result & GOSYNC_ONCE_DONE))
		return "not-done";
	return result & GOSYNC_ONCE_ABANDONED ? "abandoned" : "done";
}

static int once_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_ONCE };

	if (cli_opt(ctx, "retry"))
		c.once.flags = GOSYNC_ONCE_ATTR_RETRY;
	return cli_create(ctx, &c, NULL, "not-done");
}

static int do_call(int fd, int64_t timeout_ns, void *arg)
{
	return gosync_once_do(fd, timeout_ns, arg);
}

/*
 * The first caller runs CMD; it completes the Once only if CMD succeeds.
 * If CMD fails, it exits without Complete, so the kernel treats it as a
 * runner that died: the Once becomes done and abandoned (later callers exit
 * 1), or with --retry goes back to not done (the next caller runs CMD).
 */
static int once_do(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	struct gosync_info info;
	unsigned int result = 0;
	bool completed = false;
	int64_t timeout;
	int fd, status = 0;

	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	fd = cli_open(ctx, name, GOSYNC_TYPE_ONCE);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	cli_catch_signals();
	if (cli_wait(fd, timeout, do_call, &result) < 0) {
		status = cli_wait_fail(ctx, name);
		close(fd);
		return status;
	}
	if (result & GOSYNC_ONCE_RUN) {
		status = cli_run(ctx, ctx->argv + 1, NULL);
		if (!status) {
			if (gosync_once_complete(fd) < 0) {
				status = cli_fail(ctx, name);
				close(fd);
				return status;
			}
			completed = true;
		} else {
			bool retry = !gosync_info(fd, &info) &&
				     (info.subtype & GOSYNC_ONCE_ATTR_RETRY);

			fprintf(stderr, "gosync: %s %s: the command failed (status %d): "
				"%s\n", ctx->cmdline, name, status,
				retry ? "not done, the next 'once do' runs it again"
				      : "the once is done but marked abandoned");
		}
	} else if (result & GOSYNC_ONCE_ABANDONED) {
		fprintf(stderr, "gosync: %s %s: abandoned: the command ran but failed, "
			"or its runner died, before completing\n", ctx->cmdline, name);
		status = CLI_EXIT_FAIL;
	}
	close(fd);
	if (ctx->json) {
		json_head(name, "do");
		if (result & GOSYNC_ONCE_RUN)
			printf(",\"ran\":true,\"status\":%d,\"completed\":%s}\n", status,
			       completed ? "true" : "false");
		else
			printf(",\"ran\":false,\"state\":\"%s\"}\n", state_name(result));
	}
	return status;
}

static int once_load(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_ONCE), ret = 0;
	unsigned int r;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_once_load(fd, &r) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "load");
		printf(",\"state\":\"%s\",\"done\":%s,\"abandoned\":%s}\n", state_name(r),
		       r & GOSYNC_ONCE_DONE ? "true" : "false",
		       r & GOSYNC_ONCE_ABANDONED ? "true" : "false");
	} else {
		printf("%s\n", state_name(r));
	}
	close(fd);
	return ret;
}

/* info's state: not-done, done or abandoned */
static const char *once_state(int fd)
{
	unsigned int r;

	return gosync_once_load(fd, &r) < 0 ? NULL : state_name(r);
}

static const char *once_subtype(unsigned int flags)
{
	if (flags == 0)
		return "-";
	if (flags == GOSYNC_ONCE_ATTR_RETRY)
		return "retry";
	return NULL;
}

static const struct cli_opt create_opts[] = {
	{ "retry", 0, NULL, "a failed or dead runner makes the next 'do' run again" },
	CLI_OPT_PERM,
	{ NULL },
};

static const struct cli_opt do_opts[] = {
	{ "timeout", 't', "SEC", "give up waiting for another runner after SEC seconds" },
	{ NULL },
};

static const struct cli_cmd once_cmds[] = {
	{ "create", "NAME", "create a named Once",
	  "It lives until 'gosync rm NAME'. If the command of 'once do' fails or\n"
	  "its runner dies, the Once is done but abandoned; with --retry it is\n"
	  "not done again and the next 'once do' runs its command. Prints nothing\n"
	  "(with --json: the new object).", create_opts, 1, 1, once_create },
	{ "do", "NAME -- CMD ARGS...", "run CMD if nobody has; else wait for it to be done",
	  "The first caller runs CMD; callers that come meanwhile wait for it and\n"
	  "later ones return at once, without running CMD. If CMD exits 0 the Once\n"
	  "is done: later callers exit 0. If CMD fails (or gosync is killed) it is\n"
	  "not completed: the runner exits with CMD's status and the Once is\n"
	  "'abandoned', so later callers exit 1 with a message (with --retry: not\n"
	  "done, the next caller runs CMD again). Exit status 1 on --timeout,\n"
	  "128+N if signal N interrupted the wait.",
	  do_opts, 2, -1, once_do },
	{ "load", "NAME", "print the state: not-done, done or abandoned",
	  "Never waits. not-done includes a command running now.",
	  NULL, 1, 1, once_load },
	{ "info", "NAME", "show the Once: owner, retry or not, open fds, op counts, state",
	  "ops: do calls that returned, runs started, completions.",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

static const char *const once_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_ONCE_DOS] = "dos",
	[GOSYNC_STAT_ONCE_RUNS] = "runs",
	[GOSYNC_STAT_ONCE_COMPLETES] = "completes",
};

const struct cli_type cli_once = {
	.name = "once",
	.type = GOSYNC_TYPE_ONCE,
	.summary = "Go's sync.Once: run a command once, whoever asks first",
	.cmds = once_cmds,
	.subtype_name = once_subtype,
	.stat_names = once_stats,
	.info_state = once_state,
};
