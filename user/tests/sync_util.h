/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sync_util.h: helpers for the e2e tests of the blocking types (mutex.c,
 * rwmutex.c, waitgroup.c, once.c, blocking.c): clocks, a thread that makes
 * one blocking call and can be interrupted by a signal or waited for until
 * the kernel has queued it, and errno names tap.h does not know.
 */
#ifndef GOSYNC_TESTS_SYNC_UTIL_H
#define GOSYNC_TESTS_SYNC_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define MS	1000000LL		/* ns */
#define SEC	1000000000LL		/* ns */
/* Liveness bound for anything that must happen "eventually" (TCG is slow) */
#define LIVENESS_NS	(30 * SEC)

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static inline void sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / SEC, .tv_nsec = ns % SEC };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* errno names, including the ones the blocking calls add */
static inline const char *errname(int e)
{
	switch (e) {
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOWNERDEAD: return "EOWNERDEAD";
	case EOVERFLOW: return "EOVERFLOW";
	default: return tap_errname(e);
	}
}

/* @call (returning 0 / -1 + errno) must give @want (0 or an errno). */
#define CHECK_RET(call, want) do {					\
	int _w = (want), _g;						\
	errno = 0;							\
	_g = (call) < 0 ? errno : 0;					\
	if (_g != _w)							\
		FAIL("%s: expected %s, got %s", #call, errname(_w),	\
		     errname(_g));					\
} while (0)

/*
 * A thread that makes one blocking call. bg_start() starts @fn(@arg); its
 * result (0 or errno) is in ->err once ->done is set.
 */
struct bg {
	pthread_t thread;
	int (*fn)(void *arg);	/* returns 0 or -1 with errno */
	void *arg;
	atomic_int started;
	atomic_int done;
	int err;
	int64_t elapsed_ns;
};

static void sync_util_noop(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts waits: a handler, with SA_RESTART if @restart. */
static inline void install_sigusr1(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sync_util_noop;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void *bg_main(void *p)
{
	struct bg *b = p;
	int64_t t0 = now_ns();

	atomic_store(&b->started, 1);
	b->err = b->fn(b->arg) < 0 ? errno : 0;
	b->elapsed_ns = now_ns() - t0;
	atomic_store(&b->done, 1);
	return NULL;
}

static inline int bg_start(struct bg *b, int (*fn)(void *), void *arg)
{
	memset(b, 0, sizeof(*b));
	b->fn = fn;
	b->arg = arg;
	return pthread_create(&b->thread, NULL, bg_main, b) ? -1 : 0;
}

/* Wait up to @ns for the call to return; true if it did. */
static inline bool bg_wait(struct bg *b, int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (!atomic_load(&b->done)) {
		if (now_ns() > end)
			return false;
		sleep_ns(MS);
	}
	pthread_join(b->thread, NULL);
	return true;
}

/* Is the call still blocked @ns after it started? (Checks it does block.) */
static inline bool bg_blocks(struct bg *b, int64_t ns)
{
	while (!atomic_load(&b->started))
		sleep_ns(MS);
	sleep_ns(ns);
	return !atomic_load(&b->done);
}

/*
 * Wait until at least @n tasks wait in @fd's object (struct gosync_state
 * .waiters): a call that bg_blocks() saw blocked may not have reached the
 * kernel's queue yet on a slow CPU, and what comes next must queue behind
 * it, not race it. False if that never happens within LIVENESS_NS.
 */
static inline bool wait_state_count(int fd, unsigned int n, bool receivers)
{
	int64_t end = now_ns() + LIVENESS_NS;
	struct gosync_state st;

	do {
		memset(&st, 0, sizeof(st));
		if (gosync_state(fd, &st, NULL, 0, NULL) < 0)
			return false;
		if ((receivers ? st.receivers : st.waiters) >= n)
			return true;
		sleep_ns(MS);
	} while (now_ns() < end);
	return false;
}

static inline bool wait_queued(int fd, unsigned int n)
{
	return wait_state_count(fd, n, false);
}

/*
 * Wait until thread @tid (of this process) sleeps interruptibly ('S' in
 * /proc/self/task/TID/stat): a thread about to poll, epoll_wait or wait
 * that shows 'S' is asleep in that call, which a wake must then reach (the
 * poll and epoll waiters, unlike selections, are not counted in
 * gosync_state's .waiters). False if it never does within LIVENESS_NS.
 */
static inline bool wait_thread_sleeps(pid_t tid)
{
	int64_t end = now_ns() + LIVENESS_NS;
	char path[64], buf[256];
	const char *s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	do {
		tap_read_file(path, buf, sizeof(buf));
		s = strrchr(buf, ')');	/* the name may hold spaces and ')' */
		if (s && s[1] == ' ' && s[2] == 'S')
			return true;
		sleep_ns(MS);
	} while (now_ns() < end);
	return false;
}

/* This thread's id, for wait_thread_sleeps() */
static inline pid_t this_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Waits on @fd a signal has interrupted so far (GOSYNC_STAT_INTERRUPTS) */
static inline uint64_t interrupts(int fd)
{
	struct gosync_info info;

	return gosync_info(fd, &info) ? ~0ULL : info.stats[GOSYNC_STAT_INTERRUPTS];
}

/* ... and a channel's receivers (.waiters counts its senders) */
static inline bool wait_receivers(int fd, unsigned int n)
{
	return wait_state_count(fd, n, true);
}

/*
 * Interrupt the call with SIGUSR1 until it returns (a signal that lands
 * before the thread sleeps in the kernel does not end the wait: resend).
 * True if it returned within LIVENESS_NS.
 */
static inline bool bg_interrupt(struct bg *b)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (!atomic_load(&b->done)) {
		if (now_ns() > end)
			return false;
		pthread_kill(b->thread, SIGUSR1);
		sleep_ns(20 * MS);
	}
	pthread_join(b->thread, NULL);
	return true;
}

/* A new open file description of the object @name: a holder of its own. */
static inline int reopen(int dev, const char *name)
{
	return gosync_open(dev, name, 0);
}

/*
 * Start @fn(@arg) as a thread on CPU 0, SCHED_FIFO at priority @prio (0:
 * the caller's policy): 0 or an errno. Real-time beside a normal thread
 * pinned there, it runs whenever it is ready.
 */
static inline int start_cpu0(pthread_t *t, int prio, void *(*fn)(void *), void *arg)
{
	struct sched_param sp = { .sched_priority = prio };
	pthread_attr_t a;
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	pthread_attr_init(&a);
	pthread_attr_setaffinity_np(&a, sizeof(set), &set);
	if (prio) {
		pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&a, SCHED_FIFO);
		pthread_attr_setschedparam(&a, &sp);
	}
	err = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return err;
}

/*
 * The fairness tests' hog: pin the caller to CPU 0 (its affinity saved in
 * *@all, for the caller to restore) and start @fn(@arg) there, SCHED_FIFO.
 * Return: 0, or an errno (the caller's affinity then restored).
 */
static inline int start_hog_cpu0(pthread_t *t, cpu_set_t *all, void *(*fn)(void *),
				 void *arg)
{
	int err;

	if (sched_getaffinity(0, sizeof(*all), all))
		return errno;
	if (!tap_pin_cpu0())
		return errno;
	err = start_cpu0(t, 1, fn, arg);
	if (err)
		sched_setaffinity(0, sizeof(*all), all);
	return err;
}

/* fork() a child running @fn(@arg) without waiting; returns its pid. */
static inline pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(fn(arg));
	return pid;
}

/* waitpid() @pid: exit status, 128 + signal, or -1 */
static inline int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The value of @key in @fd's fdinfo (first line with it), or "" (a static buffer). */
static inline const char *fdinfo(int fd, const char *key)
{
	static char val[256];
	char path[64], line[512];
	size_t klen = strlen(key);
	FILE *f;

	val[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return val;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			char *v = line + klen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(val, sizeof(val), "%s", v);
			break;
		}
	fclose(f);
	return val;
}

/* Open @name (of @type) and map it for the fast path: the fd, or -1. */
static inline int fast_open_name(int dev, unsigned int type, const char *name,
				 struct gosync_fast *f)
{
	int fd = gosync_open(dev, name, type);

	if (fd < 0 || gosync_fast_open(fd, f) < 0)
		return -1;
	return fd;
}

/* Unmap @f, then close its fd: true if the close worked. */
static inline bool fast_close(struct gosync_fast *f)
{
	int fd = f->fd;

	gosync_fast_close(f);
	return close(fd) == 0;
}

#endif /* GOSYNC_TESTS_SYNC_UTIL_H */
