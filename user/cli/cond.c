// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync cond VERB NAME ...`, Go's sync.Cond bound to a gosync
 * Mutex. A Wait must hold the Mutex through the same open file as the Wait
 * itself, so the shell cannot lock and wait in separate commands; instead
 * `cond wait NAME -- CMD` is Go's loop in one command:
 *
 *	mu.Lock(); for !cmd() { c.Wait() }; mu.Unlock()
 *
 * CMD checks the condition (and may act on it) under the Mutex, and
 * `cond broadcast NAME -- CMD` changes it under the Mutex and wakes them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The Mutex a Cond fd is bound to, from its fdinfo; 0 if unknown. */
static uint64_t bound_mutex_id(int fd)
{
	unsigned long long id = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cond-mutex-id: %llu", &id) == 1)
			break;
	fclose(f);
	return id;
}

/* The name of the live object @id into @name, or false if it has none. */
static bool name_of(int dev, uint64_t id, char name[GOSYNC_NAME_MAX])
{
	struct gosync_info buf[32];
	uint64_t cursor = 0;
	int n;

	do {
		n = gosync_list(dev, buf, 32, &cursor, NULL);
		for (int i = 0; i < n; i++) {
			if (buf[i].id != id)
				continue;
			if (!(buf[i].flags & GOSYNC_INFO_NAMED))
				return false;
			snprintf(name, GOSYNC_NAME_MAX, "%.*s", GOSYNC_NAME_MAX - 1,
				 buf[i].name);
			return true;
		}
	} while (n > 0 && cursor);
	return false;
}

/*
 * Open the Mutex the Cond @fd (named @name) is bound to: found by the id its
 * fdinfo shows, then by that Mutex's name. Return: its fd, or -1 after
 * printing why.
 */
static int cond_mutex_open(struct cli_ctx *ctx, int fd, const char *name)
{
	uint64_t id = bound_mutex_id(fd);
	char mname[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int mfd;

	if (!id) {
		fprintf(stderr, "gosync: %s %s: cannot read its mutex from "
			"/proc/self/fdinfo (is /proc mounted?)\n", ctx->cmdline, name);
		return -1;
	}
	if (!name_of(cli_dev(ctx), id, mname)) {
		fprintf(stderr, "gosync: %s %s: its mutex (id %" PRIu64 ") has no name "
			"any more ('gosync rm'): the shell cannot lock it\n",
			ctx->cmdline, name, id);
		return -1;
	}
	mfd = cli_open(ctx, mname, GOSYNC_TYPE_MUTEX);
	if (mfd >= 0 && (gosync_info(mfd, &info) < 0 || info.id != id)) {
		fprintf(stderr, "gosync: %s %s: its mutex's name %s was reused meanwhile\n",
			ctx->cmdline, name, mname);
		close(mfd);
		return -1;
	}
	return mfd;
}

static int cond_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_COND };
	const char *m = cli_opt(ctx, "mutex");
	int mfd, ret;

	if (!m)
		return cli_usage(ctx, "--mutex MUTEX is required");
	mfd = cli_open(ctx, m, GOSYNC_TYPE_MUTEX);
	if (mfd < 0)
		return CLI_EXIT_FAIL;
	c.cond.mutex_fd = mfd;
	ret = cli_create(ctx, &c, NULL, NULL);
	close(mfd);
	return ret;
}

static int lock_call(int fd, int64_t timeout_ns, void *arg)
{
	(void)arg;
	return gosync_mutex_lock(fd, timeout_ns);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Lock @mfd (the Mutex of the Cond @name) for the rest of @timeout_ns.
 * Return: 0 (*@died if its robust holder had died), or the exit status
 * after printing why.
 */
static int cond_lock(struct cli_ctx *ctx, int mfd, const char *name, int64_t timeout_ns,
		     bool *died)
{
	if (cli_wait(mfd, timeout_ns, lock_call, NULL) == 0)
		return 0;
	if (errno != EOWNERDEAD)
		return cli_wait_fail(ctx, name);
	fprintf(stderr, "gosync: %s %s: warning: the previous holder of its mutex died "
		"while holding it; the mutex is now held\n", ctx->cmdline, name);
	*died = true;
	return 0;
}

/*
 * Unlock the Cond @name's mutex @mfd, unless @died: its holder died and no
 * CMD has run since to repair what it left, so the caller's close() is to
 * release it, and tell the next locker again.
 */
static void cond_unlock(const struct cli_ctx *ctx, int mfd, const char *name, bool died)
{
	if (!died && gosync_mutex_unlock(mfd) < 0)
		fprintf(stderr, "gosync: %s %s: warning: unlock: %s (someone else unlocked "
			"its mutex)\n", ctx->cmdline, name, strerror(errno));
}

/*
 * Open the Cond @name in *@fd and, if @mfd, its Mutex in *@mfd, locked
 * within @timeout_ns (*@died as for cond_lock()).
 * Return: 0, or the exit status after printing why (nothing left open).
 */
static int cond_open(struct cli_ctx *ctx, const char *name, int64_t timeout_ns, int *fd,
		     int *mfd, bool *died)
{
	int status;

	cli_catch_signals();	/* before the fd exists (cli.h) */
	*fd = cli_open(ctx, name, GOSYNC_TYPE_COND);
	if (*fd < 0)
		return CLI_EXIT_FAIL;
	if (!mfd)
		return 0;
	*mfd = cond_mutex_open(ctx, *fd, name);
	if (*mfd < 0) {
		close(*fd);
		return CLI_EXIT_FAIL;
	}
	status = cond_lock(ctx, *mfd, name, timeout_ns, died);
	if (status) {
		close(*mfd);
		close(*fd);
	}
	return status;
}

/*
 * cli_wait()'s call: Wait on the Cond, the Mutex *@arg ours again after.
 * The kernel ends a Wait with EINTR for a stop and continue too (a restart
 * would be a new Wait, which could miss a Signal): that is a spurious
 * wake-up, so CMD runs again (0), not a Wait again (cli_wait() retries
 * the EINTRs it did not cause).
 */
static int cond_wait_call(int fd, int64_t timeout_ns, void *arg)
{
	int ret = gosync_cond_wait(fd, *(int *)arg, timeout_ns);

	if (ret < 0 && errno == EINTR && !cli_interrupted())
		return 0;
	return ret;
}

/*
 * wait: lock, then run CMD until it exits 0 (1: not yet: Wait, which
 * unlocks while it sleeps and locks again before returning), then unlock.
 */
static int cond_wait(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	bool died = false, timed_out = false, failed = true;
	int64_t timeout, deadline = -1;
	int fd, mfd = -1, status, runs = 0;

	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	if (timeout >= 0 && timeout < INT64_MAX - now_ns())
		deadline = now_ns() + timeout;
	status = cond_open(ctx, name, timeout, &fd, &mfd, &died);
	if (status)
		return status;
	for (;;) {
		int64_t left;

		/* Not CMD again once a signal came (during the Wait or CMD) */
		if (!cli_interrupted()) {
			status = cli_run(ctx, ctx->argv + 1, CLI_ENV_OWNER_DEAD(died));
			died = false;
			runs++;
		}
		/* CMD exited 0 (it took what it waited for) before a signal: done */
		if (cli_interrupted() && !(runs && !status)) {
			errno = EINTR;
			status = cli_wait_fail(ctx, name);
			break;
		}
		if (status != 1) {
			failed = false;	/* 0: it holds; 2 and up: CMD's error */
			break;
		}
		if (timed_out) {
			errno = ETIMEDOUT;
			status = cli_wait_fail(ctx, name);
			break;
		}
		/* What is left after CMD ran; 0 past the deadline (-1: none) */
		left = deadline < 0 ? -1 : deadline - now_ns();
		if (deadline >= 0 && left < 0)
			left = 0;
		/*
		 * The Mutex is ours again after every return, also a failed
		 * one. cli_wait(): a signal that comes as the Wait enters the
		 * kernel ends it too.
		 */
		if (cli_wait(fd, left, cond_wait_call, &mfd) == 0)
			continue;
		if (errno == ETIMEDOUT) {
			timed_out = true;	/* as Go: check once more */
		} else if (errno == EOWNERDEAD) {
			fprintf(stderr, "gosync: %s %s: warning: the previous holder of "
				"its mutex died while holding it; the mutex is now held\n",
				ctx->cmdline, name);
			died = true;
		} else if (errno != EINTR) {
			status = cli_fail(ctx, name);
			break;
		} else if (cli_interrupted()) {
			status = cli_wait_fail(ctx, name);
			break;
		}
	}
	cond_unlock(ctx, mfd, name, died);
	/* CMD's outcome; a wait that failed (timeout, signal) prints nothing */
	if (ctx->json && !failed) {
		json_head(name, "wait");
		printf(",\"status\":%d,\"runs\":%d}\n", status, runs);
	}
	close(mfd);
	close(fd);
	return status;
}

/* signal, broadcast: with CMD, run it under the Mutex first. */
static int cond_wake(struct cli_ctx *ctx, bool all)
{
	const char *name = ctx->argv[0], *verb = all ? "broadcast" : "signal";
	char **cmd = ctx->argc > 1 ? ctx->argv + 1 : NULL;
	bool died = false, woke = true;
	int64_t timeout;
	int fd, mfd = -1, status = 0;

	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	status = cond_open(ctx, name, timeout, &fd, cmd ? &mfd : NULL, &died);
	if (status)
		return status;
	/*
	 * As in wait: a signal that came as the mutex was locked ends the
	 * command, with neither CMD nor a wake-up; the mutex is unlocked
	 * (closed if its holder died: the next locker is told).
	 */
	if (cmd && cli_interrupted()) {
		cond_unlock(ctx, mfd, name, died);
		close(mfd);
		close(fd);
		errno = EINTR;
		return cli_wait_fail(ctx, name);
	}
	if (cmd)
		status = cli_run(ctx, cmd, CLI_ENV_OWNER_DEAD(died));
	/* Go allows either; waking under the Mutex is what makes it safe anyway. */
	if ((all ? gosync_cond_broadcast(fd) : gosync_cond_signal(fd)) < 0) {
		cli_fail(ctx, name);
		status = status ? status : CLI_EXIT_FAIL;
		woke = false;
	}
	if (cmd)
		cond_unlock(ctx, mfd, name, false);
	if (ctx->json && woke) {	/* a failure prints nothing on stdout */
		json_head(name, verb);
		if (cmd)
			printf(",\"status\":%d", status);
		printf("}\n");
	}
	if (mfd >= 0)
		close(mfd);
	close(fd);
	return status;
}

static int cond_signal(struct cli_ctx *ctx)
{
	return cond_wake(ctx, false);
}

static int cond_broadcast(struct cli_ctx *ctx)
{
	return cond_wake(ctx, true);
}

static const char *cond_subtype(unsigned int subtype)
{
	return subtype ? NULL : "-";
}

static const struct cli_opt create_opts[] = {
	{ "mutex", 0, "MUTEX", "the gosync mutex it is bound to (Go's c.L); required" },
	CLI_OPT_PERM,
	{ NULL },
};

static const struct cli_opt wake_opts[] = {
	{ "timeout", 't', "SEC", "with CMD: give up locking the mutex after SEC seconds" },
	{ NULL },
};

static const struct cli_cmd cond_cmds[] = {
	{ "create", "NAME --mutex MUTEX", "create a named Cond bound to a mutex",
	  "Go's sync.Cond with L = the gosync mutex MUTEX (robust or not), which\n"
	  "the Cond keeps alive. 'wait' and 'signal -- CMD' find the mutex by its\n"
	  "name, so keep it named. It lives until 'gosync rm NAME'. Prints nothing\n"
	  "(with --json: the new object).",
	  create_opts, 1, 1, cond_create },
	{ "wait", "NAME -- CMD ARGS...", "lock; run CMD until it exits 0, waiting between",
	  "Go's 'mu.Lock(); for !cond() { c.Wait() }; mu.Unlock()' in one command:\n"
	  "lock the Cond's mutex and run CMD under it. CMD is the condition: exit\n"
	  "0 if it holds (it may also act on it, still under the mutex), 1 if\n"
	  "not yet: then Wait (unlock, sleep until a signal or broadcast after\n"
	  "this Wait began, lock again) and run CMD again. Exit status 0 when CMD\n"
	  "exited 0; CMD's status if it was 2 or more (an error: no retry); 1 on\n"
	  "--timeout (CMD is run once more after it, as Go rechecks); 128+N if\n"
	  "signal N interrupted it. The mutex is unlocked before gosync exits,\n"
	  "and if gosync is killed a robust mutex is released and CMD killed.",
	  cli_timeout_opts, 2, -1, cond_wait },
	{ "signal", "NAME [-- CMD...]",
	  "wake one waiter; with CMD, run it under the mutex first",
	  "Go's Signal: wake the longest waiting 'wait', if any (a signal with\n"
	  "nobody waiting is lost, as in Go). With CMD: lock the mutex, run CMD\n"
	  "(the change of state the waiters check for), signal, unlock, and exit\n"
	  "with CMD's status; change the state only under the mutex, or a waiter\n"
	  "may miss it.",
	  wake_opts, 1, -1, cond_signal },
	{ "broadcast", "NAME [-- CMD...]",
	  "wake every waiter; with CMD, run it under the mutex first",
	  "Go's Broadcast: wake every 'wait'. CMD as for 'signal'.",
	  wake_opts, 1, -1, cond_broadcast },
	{ "info", "NAME", "show the Cond: owner, open fds, op counts",
	  "ops: waits that were woken, signals, broadcasts, waits that timed out\n"
	  "or were interrupted.",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

static const char *const cond_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_COND_WAITS] = "waits",
	[GOSYNC_STAT_COND_SIGNALS] = "signals",
	[GOSYNC_STAT_COND_BROADCASTS] = "broadcasts",
	[GOSYNC_STAT_COND_TIMEOUTS] = "timeouts",
};

const struct cli_type cli_cond = {
	.name = "cond",
	.type = GOSYNC_TYPE_COND,
	.summary = "Go's sync.Cond on a gosync mutex; 'wait NAME -- CMD' loops on CMD",
	.cmds = cond_cmds,
	.subtype_name = cond_subtype,
	.stat_names = cond_stats,
};
