// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync mutex VERB NAME ...` and `gosync rwmutex VERB NAME ...`,
 * Go's sync.Mutex and sync.RWMutex. `lock NAME -- CMD` runs CMD holding the
 * lock; the lock is released when CMD is done.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static unsigned long lock_ioc(unsigned int type)
{
	return type == GOSYNC_TYPE_MUTEX ? GOSYNC_IOC_MUTEX : GOSYNC_IOC_RWMUTEX;
}

static const char *type_word(unsigned int type)
{
	return type == GOSYNC_TYPE_MUTEX ? "mutex" : "rwmutex";
}

static int lock_create(struct cli_ctx *ctx, unsigned int type)
{
	struct gosync_create c = { .type = type };

	if (cli_opt(ctx, "nonrobust"))
		c.lock.flags |= GOSYNC_LOCK_ATTR_NONROBUST;
	return cli_create(ctx, &c, NULL, NULL);
}

struct lock_call {
	unsigned long ioc;
	unsigned int op;
};

static int lock_call(int fd, int64_t timeout_ns, void *arg)
{
	const struct lock_call *l = arg;

	return gosync_lock_op(fd, l->ioc, l->op, timeout_ns);
}

/*
 * A --mapped RWMutex's read locks belong to no open file: the fast path
 * takes them in the shared page, and the kernel counts them there too, not
 * per open file (kmod/rwmutex.c), so it cannot tell whose one is. One that
 * gosync took would stay taken if gosync were killed, and an RUnlock would
 * release any reader's. So the CLI neither takes nor releases them.
 * Return: true, after saying so, if @info is such an RWMutex.
 */
static bool mapped_readers(const struct cli_ctx *ctx, const char *name,
			   const struct gosync_info *info, bool release)
{
	if (!(info->flags & GOSYNC_INFO_MAPPED))
		return false;
	if (release)
		fprintf(stderr, "gosync: %s %s: %s is --mapped: its read locks belong "
			"to no open file, so this would release another process's "
			"one; refused\n", ctx->cmdline, name, name);
	else
		fprintf(stderr, "gosync: %s %s: %s is --mapped: its read locks belong "
			"to no open file, so nothing would release one if gosync were "
			"killed; refused (use 'rwmutex lock %s -- CMD', or an rwmutex "
			"created without --mapped)\n", ctx->cmdline, name, name, name);
	return true;
}

/* Release the lock @fd took: a read lock is ours alone (RUnlock), a write lock is not. */
static void lock_give_back(const struct cli_ctx *ctx, const char *name, int fd,
			   unsigned long ioc, bool reader)
{
	if (gosync_lock_op(fd, ioc, reader ? GOSYNC_LOCK_RUNLOCK : GOSYNC_LOCK_UNLOCK,
			   -1) < 0) {
		/* Someone else unlocked it meanwhile (allowed, as in Go) */
		fprintf(stderr, "gosync: %s %s: warning: unlock: %s (someone "
			"else unlocked it)\n", ctx->cmdline, name, strerror(errno));
	}
}

/*
 * lock, trylock, rlock, tryrlock: take the lock; with a command after NAME,
 * run it holding the lock, release the lock and exit with its status.
 */
static int lock_take(struct cli_ctx *ctx, unsigned int type, unsigned int op,
		     const char *verb)
{
	const char *name = ctx->argv[0];
	bool reader = op == GOSYNC_LOCK_RLOCK || op == GOSYNC_LOCK_TRYRLOCK;
	bool try = op == GOSYNC_LOCK_TRYLOCK || op == GOSYNC_LOCK_TRYRLOCK;
	struct lock_call call = { .ioc = lock_ioc(type), .op = op };
	char **cmd = ctx->argc > 1 ? ctx->argv + 1 : NULL;
	bool died = false;
	struct gosync_info info;
	int64_t timeout = -1;
	int fd, status = 0, ret, err, conflict;

	if ((!try && !cli_timeout(ctx, &timeout)) || !cli_conflict_code(ctx, &conflict))
		return CLI_EXIT_USAGE;
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, type);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_info(fd, &info) < 0) {
		status = cli_fail(ctx, name);
		close(fd);
		return status;
	}
	if (reader && mapped_readers(ctx, name, &info, false)) {
		close(fd);
		return CLI_EXIT_FAIL;
	}
	if (!cmd) {
		if (reader)
			fprintf(stderr, "gosync: %s %s: warning: a read lock belongs to "
				"this command's open file, so it is released again "
				"at once; use '%s %s %s -- CMD' to run CMD under it\n",
				ctx->cmdline, name, type_word(type), verb, name);
		else if (!(info.subtype & GOSYNC_LOCK_ATTR_NONROBUST))
			fprintf(stderr, "gosync: %s %s: warning: %s is robust, so a "
				"lock cannot outlive this command: it is released "
				"again at once; use '%s %s %s -- CMD', or a "
				"--nonrobust %s\n",
				ctx->cmdline, name, name, type_word(type), verb, name,
				type_word(type));
	}
	ret = cli_wait(fd, timeout, lock_call, &call);
	if (ret < 0 && errno == EOWNERDEAD) {
		died = true;
		fprintf(stderr, "gosync: %s %s: warning: previous holder died while "
			"holding the lock; the lock is now held\n", ctx->cmdline, name);
	} else if (ret < 0) {
		err = errno;
		if (try && err == EBUSY)
			fprintf(stderr, "gosync: %s %s: locked (busy)\n", ctx->cmdline, name);
		else
			status = cli_wait_fail(ctx, name);
		close(fd);
		if ((try && err == EBUSY) || err == ETIMEDOUT)
			return conflict;
		return status ? status : CLI_EXIT_FAIL;
	}
	/*
	 * A signal that came as the lock was taken (too late to end the
	 * wait) ends the command all the same, as cond wait does: CMD does
	 * not start and the lock is given back. A write lock taken from a
	 * dead holder is given back by close(), so that the next locker is
	 * told of the death, as if we had not come.
	 */
	if (cmd && cli_interrupted()) {
		if (reader || !died)
			lock_give_back(ctx, name, fd, call.ioc, reader);
		close(fd);
		errno = EINTR;
		return cli_wait_fail(ctx, name);
	}
	if (cmd)
		status = cli_run(ctx, cmd, CLI_ENV_OWNER_DEAD(died));
	/*
	 * Release the lock, unless it is a write lock of a non-robust lock
	 * taken without CMD, which is meant to outlive us. Closing would
	 * release the others too, but a robust write lock released by close
	 * tells the next locker that its holder died.
	 */
	if (cmd || reader || !(info.subtype & GOSYNC_LOCK_ATTR_NONROBUST))
		lock_give_back(ctx, name, fd, call.ioc, reader);
	close(fd);
	if (ctx->json) {
		json_head(name, verb);
		printf(",\"owner_died\":%s", died ? "true" : "false");
		if (cmd)
			printf(",\"status\":%d", status);
		printf("}\n");
	}
	return status;
}

static int lock_release(struct cli_ctx *ctx, unsigned int type, unsigned int op,
			const char *verb)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, type), ret = 0;
	struct gosync_info info;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (op == GOSYNC_LOCK_RUNLOCK) {
		if (gosync_info(fd, &info) < 0)
			ret = cli_fail(ctx, name);
		else if (mapped_readers(ctx, name, &info, true))
			ret = CLI_EXIT_FAIL;
		if (ret) {
			close(fd);
			return ret;
		}
	}
	if (gosync_lock_op(fd, lock_ioc(type), op, -1) < 0) {
		if (errno == EPERM && op == GOSYNC_LOCK_RUNLOCK)
			fprintf(stderr, "gosync: %s %s: no read lock held through this "
				"command's open file (%s)\n", ctx->cmdline, name,
				strerror(errno));
		else if (errno == EPERM)
			fprintf(stderr, "gosync: %s %s: not locked (%s)\n", ctx->cmdline,
				name, strerror(errno));
		else
			cli_fail(ctx, name);
		ret = CLI_EXIT_FAIL;
	} else if (ctx->json) {
		json_head(name, verb);
		printf("}\n");
	}
	close(fd);
	return ret;
}

static const char *lock_subtype(unsigned int flags)
{
	if (flags == 0)
		return "robust";
	if (flags == GOSYNC_LOCK_ATTR_NONROBUST)
		return "nonrobust";
	return NULL;
}

#define M GOSYNC_TYPE_MUTEX
#define RW GOSYNC_TYPE_RWMUTEX
static int m_create(struct cli_ctx *c) { return lock_create(c, M); }
static int m_lock(struct cli_ctx *c) { return lock_take(c, M, GOSYNC_LOCK_LOCK, "lock"); }
static int m_trylock(struct cli_ctx *c) { return lock_take(c, M, GOSYNC_LOCK_TRYLOCK, "trylock"); }
static int m_unlock(struct cli_ctx *c) { return lock_release(c, M, GOSYNC_LOCK_UNLOCK, "unlock"); }
static int rw_create(struct cli_ctx *c) { return lock_create(c, RW); }
static int rw_lock(struct cli_ctx *c) { return lock_take(c, RW, GOSYNC_LOCK_LOCK, "lock"); }
static int rw_trylock(struct cli_ctx *c) { return lock_take(c, RW, GOSYNC_LOCK_TRYLOCK, "trylock"); }
static int rw_unlock(struct cli_ctx *c) { return lock_release(c, RW, GOSYNC_LOCK_UNLOCK, "unlock"); }
static int rw_rlock(struct cli_ctx *c) { return lock_take(c, RW, GOSYNC_LOCK_RLOCK, "rlock"); }
static int rw_tryrlock(struct cli_ctx *c) { return lock_take(c, RW, GOSYNC_LOCK_TRYRLOCK, "tryrlock"); }
static int rw_runlock(struct cli_ctx *c) { return lock_release(c, RW, GOSYNC_LOCK_RUNLOCK, "runlock"); }
#undef M
#undef RW

static const struct cli_opt create_opts[] = {
	{ "nonrobust", 0, NULL, "Go semantics: stays locked when its holder exits" },
	CLI_OPT_PERM,
	CLI_OPT_MAPPED,
	{ NULL },
};

#define CREATE_HELP(what)							\
	"The " what " lives until 'gosync rm NAME'. By default it is robust: a\n" \
	"lock is released when the open file of the process holding it closes\n" \
	"(the process exits or dies) and the next locker is told the previous\n" \
	"holder died. --nonrobust makes it Go's: the lock stays held until\n"	\
	"someone unlocks it, from any process, so 'lock' and 'unlock' can be\n"	\
	"separate commands. Prints nothing (with --json: the new object)."

#define LOCK_HELP(what, unlock)							\
	"With CMD (after NAME, best after '--'): run CMD holding the lock, then\n" \
	unlock " and exit with CMD's status (128+N if signal N killed it; 127:\n" \
	"CMD not found). CMD gets GOSYNC_OWNER_DEAD=1 in its environment when\n" \
	"the previous holder died holding the lock (a warning is printed), so it\n" \
	"can repair what that holder left half done; else it has none (one\n"	\
	"gosync inherited, from an outer lock, is taken out). If gosync is\n"	\
	"killed, CMD is killed too. SIGTERM and SIGHUP are passed on to CMD.\n" \
	"Without CMD: take the lock and exit. " what "\n"				\
	"Exit status 1 (or -E's N) on --timeout; 128+N if signal N interrupted\n" \
	"the wait."

static const struct cli_cmd mutex_cmds[] = {
	{ "create", "NAME", "create a named mutex", CREATE_HELP("mutex"),
	  create_opts, 1, 1, m_create },
	{ "lock", "NAME [-- CMD...]", "lock; run CMD holding it, or just lock",
	  LOCK_HELP("Only meaningful for a --nonrobust\n"
		    "mutex (unlock it later with 'unlock'): a robust mutex cannot stay\n"
		    "locked after this command, so it is unlocked again at once (the\n"
		    "command only waited for it to be free), and a warning says so.",
		    "unlock"),
	  cli_lock_opts, 1, -1, m_lock },
	{ "trylock", "NAME [-- CMD...]", "lock if free, else exit 1 at once",
	  "As lock, but never waits: if the mutex is locked, exit 1 (the message\n"
	  "says 'busy') without running CMD; -E N: exit N instead.",
	  cli_trylock_opts, 1, -1, m_trylock },
	{ "unlock", "NAME", "unlock (whoever locked it)",
	  "As Go's Unlock, any process may unlock a locked mutex. Exit status 1\n"
	  "if it is not locked ('sync: unlock of unlocked mutex').",
	  NULL, 1, 1, m_unlock },
	{ "info", "NAME", "show the mutex: owner, robust or not, open fds, op counts",
	  "The mode is robust or nonrobust. ops: locks taken, unlocks, busy\n"
	  "trylocks, timeouts, interrupted waits, locks taken from a dead holder.",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

static const struct cli_cmd rwmutex_cmds[] = {
	{ "create", "NAME", "create a named rwmutex", CREATE_HELP("rwmutex"),
	  create_opts, 1, 1, rw_create },
	{ "lock", "NAME [-- CMD...]", "write-lock; run CMD holding it, or just lock",
	  LOCK_HELP("Only meaningful for a --nonrobust\n"
		    "rwmutex (unlock it later with 'unlock'): a robust one is unlocked\n"
		    "again at once (the command only waited for it), with a warning.",
		    "unlock"),
	  cli_lock_opts, 1, -1, rw_lock },
	{ "trylock", "NAME [-- CMD...]", "write-lock if free, else exit 1 at once",
	  "As lock, but never waits: exit 1 (or -E's N) if it is locked.",
	  cli_trylock_opts, 1, -1, rw_trylock },
	{ "unlock", "NAME", "release the write lock (whoever took it)",
	  "Exit status 1 if it is not write-locked.", NULL, 1, 1, rw_unlock },
	{ "rlock", "NAME [-- CMD...]", "read-lock; run CMD holding it",
	  LOCK_HELP("A read lock belongs to the\n"
		    "open file that took it, robust or not, so it cannot outlive this\n"
		    "command: without CMD, rlock only waits until a read lock can be had\n"
		    "(no writer holds or waits for the lock), releases it, and warns.\n"
		    "A --mapped rwmutex's read locks belong to no open file (they are\n"
		    "counted in its shared page, not per open file), so nothing would\n"
		    "release one a killed gosync held: rlock refuses it (exit 1).",
		    "runlock"),
	  cli_lock_opts, 1, -1, rw_rlock },
	{ "tryrlock", "NAME [-- CMD...]", "read-lock if possible, else exit 1 at once",
	  "Fails (busy) while a writer holds the lock or waits for it (Go's\n"
	  "writer preference): exit 1, or -E's N. Refused on a --mapped\n"
	  "rwmutex, as rlock is.",
	  cli_trylock_opts, 1, -1, rw_tryrlock },
	{ "runlock", "NAME", "release a read lock: always fails from the shell",
	  "Read locks belong to the open file that took them, and each gosync\n"
	  "command opens its own, so from the shell this always exits 1 with\n"
	  "'Operation not permitted' (Go: 'RUnlock of unlocked RWMutex'). A\n"
	  "--mapped rwmutex's read locks belong to no open file, so there it\n"
	  "would release another process's: it is refused (exit 1). Use 'rlock\n"
	  "NAME -- CMD' instead. Here for completeness.",
	  NULL, 1, 1, rw_runlock },
	{ "info", "NAME", "show the rwmutex: owner, robust or not, open fds, op counts",
	  NULL, NULL, 1, 1, cli_info },
	{ NULL },
};

static const char *const mutex_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_LOCKS] = "locks",
	[GOSYNC_STAT_UNLOCKS] = "unlocks",
	[GOSYNC_STAT_BUSY] = "busy",
	[GOSYNC_STAT_TIMEOUTS] = "timeouts",
	[GOSYNC_STAT_INTERRUPTS] = "interrupts",
	[GOSYNC_STAT_OWNER_DEAD] = "owner_dead",
};

static const char *const rwmutex_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_LOCKS] = "locks",
	[GOSYNC_STAT_RLOCKS] = "rlocks",
	[GOSYNC_STAT_UNLOCKS] = "unlocks",
	[GOSYNC_STAT_BUSY] = "busy",
	[GOSYNC_STAT_TIMEOUTS] = "timeouts",
	[GOSYNC_STAT_INTERRUPTS] = "interrupts",
	[GOSYNC_STAT_OWNER_DEAD] = "owner_dead",
};

const struct cli_type cli_mutex = {
	.name = "mutex",
	.type = GOSYNC_TYPE_MUTEX,
	.summary = "Go's sync.Mutex; 'lock NAME -- CMD' runs CMD holding it",
	.cmds = mutex_cmds,
	.subtype_name = lock_subtype,
	.stat_names = mutex_stats,
};

const struct cli_type cli_rwmutex = {
	.name = "rwmutex",
	.type = GOSYNC_TYPE_RWMUTEX,
	.summary = "Go's sync.RWMutex: one writer or many readers",
	.cmds = rwmutex_cmds,
	.subtype_name = lock_subtype,
	.stat_names = rwmutex_stats,
};
