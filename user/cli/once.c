// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync once VERB NAME ...`, Go's sync.Once across processes:
 * `once do NAME -- CMD` runs CMD in the first caller only; the others wait
 * for it to finish. `once value NAME -- CMD` is Go 1.21's OnceValue: CMD's
 * stdout is kept with the Once, and every caller prints it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *state_name(unsigned int result)
{
	if (!(result & GOSYNC_ONCE_DONE))
		return "not-done";
	return result & GOSYNC_ONCE_ABANDONED ? "abandoned" : "done";
}

/* --value-max BYTES, --max BYTES: 1 to GOSYNC_ONCE_VALUE_MAX; false after a usage message */
static bool opt_value_max(const struct cli_ctx *ctx, const char *opt, uint32_t *max)
{
	const char *s = cli_opt(ctx, opt);
	uint64_t v;

	if (!s)
		return true;
	if (opt_u64(s, 10, GOSYNC_ONCE_VALUE_MAX, &v) && v) {
		*max = (uint32_t)v;
		return true;
	}
	cli_usage(ctx, "--%s '%s' is not a number of bytes from 1 to %d", opt, s,
		  GOSYNC_ONCE_VALUE_MAX);
	return false;
}

static int once_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_ONCE };

	if (cli_opt(ctx, "retry"))
		c.once.flags = GOSYNC_ONCE_ATTR_RETRY;
	if (!opt_value_max(ctx, "value-max", &c.once.value_max))
		return CLI_EXIT_USAGE;
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
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, GOSYNC_TYPE_ONCE);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (cli_wait(fd, timeout, do_call, &result) < 0) {
		status = cli_wait_fail(ctx, name);
		close(fd);
		return status;
	}
	/*
	 * A signal that came as the Do made us the runner (too late to end
	 * the wait) ends the command all the same: CMD does not start, and
	 * close() without Complete gives the run up as a runner that died
	 * does (abandoned; with --retry the next caller runs CMD).
	 */
	if ((result & GOSYNC_ONCE_RUN) && cli_interrupted()) {
		close(fd);
		errno = EINTR;
		return cli_wait_fail(ctx, name);
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

/* A OnceValue's Do, with room for the longest value */
struct value_call {
	unsigned int result;
	char *buf;
	size_t len;
};

static int value_call(int fd, int64_t timeout_ns, void *arg)
{
	struct value_call *v = arg;

	return gosync_oncevalue_do(fd, timeout_ns, &v->result, v->buf,
				   GOSYNC_ONCE_VALUE_MAX, &v->len);
}

/*
 * Open the OnceValue @name, or create it: with --max's maximum, and retrying
 * (a failed command leaves it not done, so the next caller runs it again).
 */
static int value_open(struct cli_ctx *ctx, const char *name, uint32_t max)
{
	int dev = cli_dev(ctx), fd;

	if (dev < 0)
		return -1;
	/* With --owner, a name someone else took is refused, not used. */
	fd = gosync_open_owner(dev, name, GOSYNC_TYPE_ONCE, ctx->owner_uid, ctx->owner_gid);
	if (fd < 0 && errno == ENOENT) {
		fd = gosync_oncevalue_create(dev, name, 0, GOSYNC_ONCE_ATTR_RETRY, max);
		if (fd < 0 && errno != EEXIST) {
			/* ENOSPC, ENOMEM...: opening again would say ENOENT */
			cli_fail(ctx, name);
			return -1;
		}
		if (fd < 0)	/* another caller created it first */
			fd = gosync_open_owner(dev, name, GOSYNC_TYPE_ONCE, ctx->owner_uid,
					       ctx->owner_gid);
	}
	if (fd < 0)
		return cli_open(ctx, name, GOSYNC_TYPE_ONCE);	/* says why */
	return fd;
}

/*
 * Run CMD with its stdout into @v->buf: at most GOSYNC_ONCE_VALUE_MAX bytes
 * are kept, *@over is set if it wrote more (the rest is read and dropped,
 * so that CMD does not block on a full pipe).
 * Return: CMD's status as cli_run() reports it.
 */
static int value_run(struct cli_ctx *ctx, char **argv, struct value_call *v, bool *over)
{
	char drop[4096];
	int p[2], status;
	pid_t pid;
	ssize_t n;

	*over = false;
	v->len = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		cli_fail(ctx, argv[0]);
		return 126;
	}
	pid = cli_spawn(ctx, argv, NULL, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return 126;
	}
	for (;;) {
		bool room = v->len < GOSYNC_ONCE_VALUE_MAX;

		n = room ? read(p[0], v->buf + v->len, GOSYNC_ONCE_VALUE_MAX - v->len)
			 : read(p[0], drop, sizeof(drop));
		if (n < 0 && errno == EINTR)
			continue;	/* SIGTERM, passed on to CMD */
		if (n <= 0)
			break;
		if (room)
			v->len += (size_t)n;
		else
			*over = true;
	}
	close(p[0]);
	status = cli_reap(ctx, pid, argv[0]);
	return status;
}

/*
 * The first caller runs CMD and completes the OnceValue with its stdout if
 * it exits 0; every caller (the runner too) then prints that value. A failed
 * CMD (nonzero status, killed, not found, or more output than the value may
 * hold) does not complete it: its output is dropped, the runner exits with
 * its status (1 for too much output), and the Once behaves as for `once do`
 * (retried by the next caller if it retries, as a OnceValue that `value`
 * created does; else abandoned).
 */
static int once_value(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	struct value_call v = { 0 };
	bool ran = false, completed = false, over = false;
	uint32_t max = GOSYNC_ONCE_VALUE_MAX;
	int64_t timeout;
	int fd, status = 0;

	if (!cli_timeout(ctx, &timeout) || !opt_value_max(ctx, "max", &max))
		return CLI_EXIT_USAGE;
	v.buf = malloc(GOSYNC_ONCE_VALUE_MAX);
	if (!v.buf)
		return cli_fail(ctx, name);
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = value_open(ctx, name, max);
	if (fd < 0) {
		free(v.buf);
		return CLI_EXIT_FAIL;
	}
	if (cli_wait(fd, timeout, value_call, &v) < 0) {
		if (errno == EINVAL)
			fprintf(stderr, "gosync: %s %s: %s is a Once without a value (made "
				"by 'once create' without --value-max): use 'once do'\n",
				ctx->cmdline, name, name);
		else
			status = cli_wait_fail(ctx, name);
		status = status ? status : CLI_EXIT_FAIL;
		goto out;
	}
	/* As in once do: a signal as we became the runner gives the run up. */
	if ((v.result & GOSYNC_ONCE_RUN) && cli_interrupted()) {
		errno = EINTR;
		status = cli_wait_fail(ctx, name);
		goto out;
	}
	if (v.result & GOSYNC_ONCE_RUN) {
		ran = true;
		status = value_run(ctx, ctx->argv + 1, &v, &over);
		if (!status && over) {
			fprintf(stderr, "gosync: %s %s: the command wrote more than %d bytes\n",
				ctx->cmdline, name, GOSYNC_ONCE_VALUE_MAX);
			status = CLI_EXIT_FAIL;
		} else if (!status && gosync_oncevalue_complete(fd, v.buf, v.len) < 0) {
			if (errno == EMSGSIZE)
				fprintf(stderr, "gosync: %s %s: the command's output (%zu bytes) "
					"is longer than the value may be (%s)\n", ctx->cmdline,
					name, v.len, strerror(errno));
			else
				cli_fail(ctx, name);
			status = CLI_EXIT_FAIL;
		} else if (!status) {
			completed = true;
		}
		if (!completed)
			fprintf(stderr, "gosync: %s %s: the command failed (status %d): its "
				"output is dropped and the value not set\n", ctx->cmdline,
				name, status);
	} else if (v.result & GOSYNC_ONCE_ABANDONED) {
		fprintf(stderr, "gosync: %s %s: abandoned: the command ran but failed, "
			"or its runner died, before completing\n", ctx->cmdline, name);
		status = CLI_EXIT_FAIL;
	} else {
		completed = true;
	}
	if (ctx->json) {
		json_head(name, "value");
		printf(",\"ran\":%s", ran ? "true" : "false");
		if (ran)
			printf(",\"status\":%d", status);
		printf(",\"completed\":%s,\"value\":", completed ? "true" : "false");
		if (completed)
			json_mem(stdout, v.buf, v.len);
		else
			printf("null");
		printf("}\n");
	} else if (completed) {
		fwrite(v.buf, 1, v.len, stdout);
	}
out:
	close(fd);
	free(v.buf);
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
	{ "value-max", 0, "BYTES", "a OnceValue, for 'once value': keeps up to BYTES "
	  "of output" },
	CLI_OPT_PERM,
	CLI_OPT_MAPPED,
	{ NULL },
};

static const struct cli_opt value_opts[] = {
	{ "max", 0, "BYTES", "if NAME does not exist, create it keeping up to BYTES "
	  "(default 65536)" },
	{ "timeout", 't', "SEC", "give up waiting for another runner after SEC seconds" },
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
	  "not done again and the next 'once do' runs its command. With\n"
	  "--value-max it is a OnceValue (Go 1.21) for 'once value', which keeps\n"
	  "up to BYTES (at most 65536) of its command's output. Prints nothing\n"
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
	{ "value", "NAME -- CMD ARGS...", "run CMD once; every caller prints its output",
	  "Go's OnceValue: the first caller runs CMD and keeps its stdout with the\n"
	  "Once; callers that come meanwhile wait for it, and every caller, then\n"
	  "and later, prints that output (byte for byte) and exits 0, without\n"
	  "running CMD. If NAME does not exist it is created (a OnceValue of --max\n"
	  "bytes that retries). If CMD fails (nonzero status, killed, or more\n"
	  "output than the value may hold) the value is not set: the runner prints\n"
	  "nothing and exits with CMD's status (1 for too much output), and the\n"
	  "next caller (or a waiting one) runs CMD again; a OnceValue created\n"
	  "without --retry is abandoned instead (later callers exit 1). Exit status\n"
	  "1 on --timeout, 128+N if signal N interrupted the wait.",
	  value_opts, 2, -1, once_value },
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
