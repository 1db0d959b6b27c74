// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: what the blocking types (mutex, rwmutex, wg, once, chan) share:
 * --timeout, signals that interrupt a wait, running a command (see cli.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const struct cli_opt cli_timeout_opts[] = {
	CLI_OPT_TIMEOUT,
	{ NULL },
};

const struct cli_opt cli_lock_opts[] = {
	CLI_OPT_TIMEOUT,
	CLI_OPT_CONFLICT,
	{ NULL },
};

const struct cli_opt cli_trylock_opts[] = {
	CLI_OPT_CONFLICT,
	{ NULL },
};

static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NR_CAUGHT	(int)(sizeof(caught_signals) / sizeof(caught_signals[0]))

/* The dispositions we found, restored in a command's child before exec */
static struct sigaction saved[NR_CAUGHT], saved_alarm, saved_chld;
static bool installed;
/* The first signal that arrived, and the child to pass SIGTERM/SIGHUP to */
static volatile sig_atomic_t caught;
static volatile pid_t child;
/* In cli_wait(): a signal must end the wait even if it came just before it */
static volatile sig_atomic_t waiting;

/* A 10 ms SIGALRM, again and again until cli_wait() returns: see there. */
static void alarm_every_10ms(bool on)
{
	struct itimerval it = { .it_interval = { 0, on ? 10000 : 0 },
				.it_value = { 0, on ? 10000 : 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
	if (child > 0 && (sig == SIGTERM || sig == SIGHUP))
		kill(child, sig);
	if (waiting)
		alarm_every_10ms(true);
}

void cli_catch_signals(void)
{
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits end with EINTR */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NR_CAUGHT; i++) {
		sigaction(caught_signals[i], NULL, &saved[i]);
		/* A background job of a script ignores SIGINT: keep it so. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(caught_signals[i], &sa, NULL);
	}
	/* SIGALRM only interrupts a wait: on_signal() leaves @caught alone */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &saved_alarm);
	/*
	 * A SIGCHLD ignored by whoever exec'd us (kept across exec) would have
	 * the kernel reap CMD: waitpid() would fail with ECHILD and lose its
	 * status. Default it here; CMD gets it back as it was.
	 */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, &saved_chld);
	installed = true;
}

bool cli_timeout(const struct cli_ctx *ctx, int64_t *timeout_ns)
{
	const char *s = cli_opt(ctx, "timeout");
	double sec;

	*timeout_ns = -1;
	if (!s)
		return true;
	if (!opt_double(s, &sec)) {
		cli_usage(ctx, "--timeout '%s' is not a number of seconds", s);
		return false;
	}
	*timeout_ns = sec >= 9e9 ? INT64_MAX : (int64_t)(sec * 1e9);
	return true;
}

bool cli_conflict_code(const struct cli_ctx *ctx, int *code)
{
	const char *s = cli_opt(ctx, "conflict-exit-code");
	uint64_t n;

	*code = CLI_EXIT_FAIL;
	if (!s)
		return true;
	if (!opt_u64(s, 10, 255, &n)) {
		cli_usage(ctx, "-E '%s' is not an exit status from 0 to 255", s);
		return false;
	}
	*code = (int)n;
	return true;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cli_wait(int fd, int64_t timeout_ns, int (*fn)(int fd, int64_t timeout_ns, void *arg),
	     void *arg)
{
	int64_t deadline = -1, left = timeout_ns;
	int ret;

	if (timeout_ns >= 0 && timeout_ns < INT64_MAX - now_ns())
		deadline = now_ns() + timeout_ns;
	/*
	 * A signal caught before the call (since cli_catch_signals(), or while
	 * a CMD ran) would not end the wait: it came already, so @caught is
	 * checked first. One that comes after that check but before the
	 * ioctl sleeps would not end it either; so while @waiting its handler
	 * also starts a 10 ms SIGALRM, which interrupts the sleep that follows
	 * (no SA_RESTART), and the loop then sees @caught.
	 */
	waiting = 1;
	for (;;) {
		if (caught) {
			errno = EINTR;
			ret = -1;
			break;
		}
		ret = fn(fd, left, arg);
		/*
		 * Only a handler ends a wait with EINTR (a stop and continue,
		 * or an ignored signal, restarts it in the kernel); ours set
		 * @caught. Go on after any other, keeping the deadline.
		 */
		if (ret >= 0 || errno != EINTR || caught)
			break;
		if (deadline >= 0) {
			left = deadline - now_ns();
			if (left < 0)
				left = 0;
		}
	}
	waiting = 0;
	if (caught) {
		int e = errno;

		alarm_every_10ms(false);
		errno = e;
	}
	return ret;
}

int cli_interrupted(void)
{
	return caught;
}

int cli_wait_fail(const struct cli_ctx *ctx, const char *name)
{
	if (errno == EINTR && caught) {
		fprintf(stderr, "gosync: %s %s: interrupted by %s\n", ctx->cmdline, name,
			strsignal(caught));
		return CLI_EXIT_SIGNAL + caught;
	}
	if (errno == ETIMEDOUT) {
		fprintf(stderr, "gosync: %s %s: timed out\n", ctx->cmdline, name);
		return CLI_EXIT_FAIL;
	}
	return cli_fail(ctx, name);
}

pid_t cli_spawn(const struct cli_ctx *ctx, char **argv, const char *env, int out_fd)
{
	pid_t parent = getpid(), pid;
	sigset_t block, old;
	int err, early;

	cli_catch_signals();
	fflush(stdout);
	fflush(stderr);
	/*
	 * Until @child is set, a SIGTERM or SIGHUP could not be passed on:
	 * hold them (the child restores the mask), and pass on one that came
	 * before (since the wait for the lock returned, say) ourselves.
	 */
	sigemptyset(&block);
	for (int i = 0; i < NR_CAUGHT; i++)
		sigaddset(&block, caught_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	early = caught;
	pid = fork();
	if (pid < 0) {
		err = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = err;
		cli_fail(ctx, argv[0]);
		return -1;
	}
	if (!pid) {
		for (int i = 0; i < NR_CAUGHT; i++)
			sigaction(caught_signals[i], &saved[i], NULL);
		sigaction(SIGALRM, &saved_alarm, NULL);
		sigaction(SIGCHLD, &saved_chld, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* If gosync dies (and so unlocks), do not run on unprotected. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(CLI_EXIT_SIGNAL + SIGKILL);
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(126);
		if (env && strchr(env, '='))
			putenv((char *)env);
		else if (env)
			unsetenv(env);
		execvp(argv[0], argv);
		err = errno;
		fprintf(stderr, "gosync: %s: %s: %s\n", ctx->cmdline, argv[0], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (early == SIGTERM || early == SIGHUP)
		kill(pid, early);
	return pid;
}

int cli_reap(const struct cli_ctx *ctx, pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			child = 0;
			cli_fail(ctx, what);
			return 126;
		}
	}
	child = 0;
	if (WIFSIGNALED(status))
		return CLI_EXIT_SIGNAL + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cli_run(const struct cli_ctx *ctx, char **argv, const char *env)
{
	pid_t pid = cli_spawn(ctx, argv, env, -1);

	return pid < 0 ? 126 : cli_reap(ctx, pid, argv[0]);
}
