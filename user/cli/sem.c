// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync sem VERB NAME ...`, golang.org/x/sync/semaphore.Weighted
 * across processes. `acquire NAME -n K -- CMD` runs CMD holding K permits, as
 * GNU `sem -j N` does; the permits come back when CMD exits, or when gosync
 * dies (a robust semaphore's permits belong to the open file that took them).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static bool is_robust(const struct gosync_info *info)
{
	return !(info->subtype & GOSYNC_SEM_ATTR_NONROBUST);
}

/* A permit count (SIZE, -n K): 1 to GOSYNC_SEM_MAX; false after a usage message. */
static bool arg_permits(const struct cli_ctx *ctx, const char *what, const char *s,
			uint64_t *n)
{
	if (opt_u64(s, 10, GOSYNC_SEM_MAX, n) && *n)
		return true;
	cli_usage(ctx, "%s '%s' is not a number of permits from 1 to %llu", what, s,
		  (unsigned long long)GOSYNC_SEM_MAX);
	return false;
}

/* -n K, default 1 */
static bool opt_permits(const struct cli_ctx *ctx, uint64_t *n)
{
	const char *s = cli_opt(ctx, "permits");

	*n = 1;
	return !s || arg_permits(ctx, "-n", s, n);
}

/* info's (and create's) state: the size, "size=N" */
static const char *sem_size_state(uint64_t size)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "size=%" PRIu64, size);
	return buf;
}

static int sem_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_SEM };
	uint64_t size;
	int64_t avail;

	if (!arg_permits(ctx, "SIZE", ctx->argv[1], &size))
		return CLI_EXIT_USAGE;
	if (cli_opt(ctx, "nonrobust"))
		c.sem.flags |= GOSYNC_SEM_ATTR_NONROBUST;
	c.sem.size = size;
	avail = (int64_t)size;
	return cli_create(ctx, &c, &avail, sem_size_state(size));
}

static int acquire_call(int fd, int64_t timeout_ns, void *arg)
{
	return gosync_sem_acquire(fd, *(uint64_t *)arg, timeout_ns);
}

/* Give back the @n permits @fd took. */
static void sem_give_back(const struct cli_ctx *ctx, const char *name, int fd, uint64_t n)
{
	if (gosync_sem_release(fd, n) < 0)
		fprintf(stderr, "gosync: %s %s: warning: release: %s (someone else released "
			"them)\n", ctx->cmdline, name, strerror(errno));
}

/*
 * acquire, tryacquire: take K permits; with a command after NAME, run it
 * holding them, release them and exit with its status. Without one, a
 * non-robust semaphore's permits stay taken (release them with `release`);
 * a robust one's belong to this command's open file, so they are released
 * again at once.
 */
static int sem_take(struct cli_ctx *ctx, bool try)
{
	const char *name = ctx->argv[0], *verb = try ? "tryacquire" : "acquire";
	char **cmd = ctx->argc > 1 ? ctx->argv + 1 : NULL;
	struct gosync_info info;
	int64_t timeout = -1;
	uint64_t n;
	int fd, ret, err, conflict, status = 0;

	if (!opt_permits(ctx, &n) || (!try && !cli_timeout(ctx, &timeout)) ||
	    !cli_conflict_code(ctx, &conflict))
		return CLI_EXIT_USAGE;
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, GOSYNC_TYPE_SEM);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_info(fd, &info) < 0) {
		status = cli_fail(ctx, name);
		close(fd);
		return status;
	}
	if (!cmd && is_robust(&info))
		fprintf(stderr, "gosync: %s %s: warning: %s is robust, so permits cannot "
			"outlive this command: they are released again at once; use "
			"'sem %s %s -- CMD', or a --nonrobust semaphore\n",
			ctx->cmdline, name, name, verb, name);
	ret = try ? gosync_sem_tryacquire(fd, n) : cli_wait(fd, timeout, acquire_call, &n);
	if (ret < 0) {
		err = errno;
		if (try && err == EBUSY)
			fprintf(stderr, "gosync: %s %s: not enough free permits (busy)\n",
				ctx->cmdline, name);
		else if (err == EINVAL)
			fprintf(stderr, "gosync: %s %s: %" PRIu64 " permits is more than the "
				"semaphore has (%s)\n", ctx->cmdline, name, n,
				strerror(err));
		else
			status = cli_wait_fail(ctx, name);
		close(fd);
		if ((try && err == EBUSY) || err == ETIMEDOUT)
			return conflict;
		return status ? status : CLI_EXIT_FAIL;
	}
	/*
	 * A signal that came as the permits were taken (too late to end the
	 * wait) ends the command all the same: CMD does not start, and the
	 * permits are given back.
	 */
	if (cmd && cli_interrupted()) {
		sem_give_back(ctx, name, fd, n);
		close(fd);
		errno = EINTR;
		return cli_wait_fail(ctx, name);
	}
	if (cmd)
		status = cli_run(ctx, cmd, NULL);
	/* Closing would return a robust holder's permits too, but counted abandoned. */
	if (cmd || is_robust(&info))
		sem_give_back(ctx, name, fd, n);
	close(fd);
	if (ctx->json) {
		json_head(name, verb);
		printf(",\"permits\":%" PRIu64, n);
		if (cmd)
			printf(",\"status\":%d", status);
		printf("}\n");
	}
	return status;
}

static int sem_acquire(struct cli_ctx *ctx)
{
	return sem_take(ctx, false);
}

static int sem_tryacquire(struct cli_ctx *ctx)
{
	return sem_take(ctx, true);
}

static int sem_release(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	struct gosync_info info;
	uint64_t n;
	int fd, ret, err;

	if (!opt_permits(ctx, &n))
		return CLI_EXIT_USAGE;
	fd = cli_open(ctx, name, GOSYNC_TYPE_SEM);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	ret = gosync_sem_release(fd, n);
	err = errno;
	if (!ret) {
		if (ctx->json) {
			json_head(name, "release");
			printf(",\"permits\":%" PRIu64 "}\n", n);
		}
	} else if (err == EPERM && !gosync_info(fd, &info)) {
		if (is_robust(&info))
			fprintf(stderr, "gosync: %s %s: %s is robust: permits belong to the "
				"open file that acquired them, and this command holds none "
				"(%s); use 'sem acquire %s -- CMD', or a --nonrobust "
				"semaphore\n", ctx->cmdline, name, name, strerror(EPERM),
				name);
		else
			fprintf(stderr, "gosync: %s %s: fewer than %" PRIu64 " permits are "
				"taken (%s)\n", ctx->cmdline, name, n, strerror(EPERM));
		ret = CLI_EXIT_FAIL;
	} else {
		errno = err;	/* the Release's, not that of an INFO that failed */
		ret = cli_fail(ctx, name);
	}
	close(fd);
	return ret;
}

static int sem_load(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_SEM), ret = 0;
	uint64_t size, avail;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_sem_load(fd, &size, &avail, NULL) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "load");
		printf(",\"size\":%" PRIu64 ",\"avail\":%" PRIu64 ",\"taken\":%" PRIu64 "}\n",
		       size, avail, size - avail);
	} else {
		printf("%" PRIu64 " %" PRIu64 "\n", avail, size);
	}
	close(fd);
	return ret;
}

/* info's value: the free permits */
static int sem_info_avail(int fd, int64_t *v)
{
	uint64_t avail;

	if (gosync_sem_load(fd, NULL, &avail, NULL) < 0)
		return -1;
	*v = (int64_t)avail;
	return 0;
}

static const char *sem_info_size(int fd)
{
	uint64_t size;

	return gosync_sem_load(fd, &size, NULL, NULL) < 0 ? NULL : sem_size_state(size);
}

static const char *sem_subtype(unsigned int flags)
{
	if (flags == 0)
		return "robust";
	if (flags == GOSYNC_SEM_ATTR_NONROBUST)
		return "nonrobust";
	return NULL;
}

static const struct cli_opt create_opts[] = {
	{ "nonrobust", 0, NULL, "permits belong to nobody (POSIX sem_t): they stay "
	  "taken after their taker exits" },
	CLI_OPT_PERM,
	CLI_OPT_MAPPED,
	{ NULL },
};

static const struct cli_opt acquire_opts[] = {
	{ "permits", 'n', "K", "take K permits (default 1)" },
	CLI_OPT_TIMEOUT,
	CLI_OPT_CONFLICT,
	{ NULL },
};

static const struct cli_opt tryacquire_opts[] = {
	{ "permits", 'n', "K", "take K permits (default 1)" },
	CLI_OPT_CONFLICT,
	{ NULL },
};

static const struct cli_opt permits_opts[] = {
	{ "permits", 'n', "K", "K permits (default 1)" },
	{ NULL },
};

#define TAKE_HELP								\
	"With CMD (after NAME, best after '--'): run CMD holding the permits,\n" \
	"release them and exit with CMD's status (128+N if signal N killed it;\n" \
	"127: CMD not found), as GNU 'sem -j N' does. If gosync is killed, a\n"	\
	"robust semaphore's permits come back and CMD is killed too. SIGTERM and\n" \
	"SIGHUP are passed on to CMD.\n"					\
	"Without CMD: take the permits and exit. Only meaningful for a\n"	\
	"--nonrobust semaphore (release them later with 'release'): a robust\n"	\
	"one's permits cannot outlive this command, so they are released again\n" \
	"at once (the command only waited for them), and a warning says so.\n"	\
	"Exit status 1 if K is more than the semaphore's size"

static const struct cli_cmd sem_cmds[] = {
	{ "create", "NAME SIZE", "create a named semaphore of SIZE permits",
	  "x/sync's semaphore.Weighted: 'acquire -n K' waits until K permits are\n"
	  "free, first come first served (a large acquire is not starved by small\n"
	  "ones behind it). By default it is robust: permits belong to the open\n"
	  "file of the command that took them and come back when it exits or\n"
	  "dies. --nonrobust makes them POSIX sem_t's: they stay taken until\n"
	  "someone releases them, from any process, so 'acquire' and 'release'\n"
	  "can be separate commands. It lives until 'gosync rm NAME'. Prints\n"
	  "nothing (with --json: the new object).",
	  create_opts, 2, 2, sem_create },
	{ "acquire", "NAME [-- CMD...]", "take K permits; run CMD holding them",
	  TAKE_HELP "; 1 (or -E's N)\non --timeout; 128+N if signal N interrupted the wait.",
	  acquire_opts, 1, -1, sem_acquire },
	{ "tryacquire", "NAME [-- CMD...]", "take K permits if free, else exit 1 at once",
	  TAKE_HELP ", or if the\npermits are not free (busy), without running CMD. "
	  "It does not jump\nthe queue: while anyone waits, it is busy. -E N: exit N, not 1,\n"
	  "when busy.",
	  tryacquire_opts, 1, -1, sem_tryacquire },
	{ "release", "NAME", "return K permits (--nonrobust semaphores)",
	  "Exit status 1 if fewer than K are taken (x/sync: 'released more than\n"
	  "held'). On a robust semaphore only the open file that took permits may\n"
	  "release them, and each gosync command opens its own: from the shell\n"
	  "this always fails there; use 'acquire NAME -- CMD'.",
	  permits_opts, 1, 1, sem_release },
	{ "load", "NAME", "print the free permits and the size: AVAIL SIZE",
	  "Never waits. A snapshot: others may take or return permits meanwhile.",
	  NULL, 1, 1, sem_load },
	{ "info", "NAME", "show the semaphore: owner, robust or not, open fds, op counts",
	  "value is the free permits, state its size. ops: acquires that took\n"
	  "permits (and tryacquires), the permits they took, releases, busy\n"
	  "tryacquires, timeouts, permits returned for a holder that exited\n"
	  "without releasing them (abandoned).",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

static const char *const sem_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_SEM_ACQUIRES] = "acquires",
	[GOSYNC_STAT_SEM_PERMITS_ACQUIRED] = "permits",
	[GOSYNC_STAT_SEM_RELEASES] = "releases",
	[GOSYNC_STAT_SEM_BUSY] = "busy",
	[GOSYNC_STAT_SEM_TIMEOUTS] = "timeouts",
	[GOSYNC_STAT_SEM_ABANDONED] = "abandoned",
};

const struct cli_type cli_sem = {
	.name = "sem",
	.type = GOSYNC_TYPE_SEM,
	.summary = "Go's x/sync semaphore.Weighted; 'acquire NAME -- CMD' as sem -j N",
	.cmds = sem_cmds,
	.subtype_name = sem_subtype,
	.stat_names = sem_stats,
	.info_value = sem_info_avail,
	.info_state = sem_info_size,
};
