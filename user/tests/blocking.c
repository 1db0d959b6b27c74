// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: what every blocking type shares. A signal a handler takes ends every
 * kind of wait (Lock, RLock, WaitGroup Wait, Once Do) with EINTR, even with
 * SA_RESTART, and leaves the object as if the call had not been made; one no
 * handler takes (ignored, a stop) does not end it. Commands of
 * another type are ENOTTY; bad flags, reserved fields, a timeout without
 * GOSYNC_WAIT_TIMEOUT and bad create attributes are EINVAL.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "sync_util.h"

static int dev;

static int m_lock(void *a) { return gosync_mutex_lock(*(int *)a, -1); }
static int m_lock_to(void *a) { return gosync_mutex_lock(*(int *)a, LIVENESS_NS); }
static int rw_lock(void *a) { return gosync_rwmutex_lock(*(int *)a, -1); }
static int rw_rlock(void *a) { return gosync_rwmutex_rlock(*(int *)a, -1); }
static int wg_wait(void *a) { return gosync_waitgroup_wait(*(int *)a, -1); }
static int once_do(void *a)
{
	unsigned int r;

	return gosync_once_do(*(int *)a, -1, &r);
}

/* Start @fn(@fd) in a thread, check it blocks, interrupt it: EINTR. */
#define INTERRUPT(fn, fd) do {						\
	struct bg _b;							\
	int _fd = (fd);							\
	CHECK_OK(bg_start(&_b, fn, &_fd));				\
	CHECK(bg_blocks(&_b, 30 * MS), #fn " did not block: %s",	\
	      errname(_b.err));						\
	CHECK(bg_interrupt(&_b), #fn " not interrupted by a signal");	\
	CHECK(_b.err == EINTR, #fn ": %s, expected EINTR",		\
	      errname(_b.err));						\
} while (0)

static bool t_mutex(bool restart)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, restart ? "m-r" : "m"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	struct gosync_info info;

	install_sigusr1(restart);
	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	INTERRUPT(m_lock, b);
	INTERRUPT(m_lock_to, b);
	/* still held by a; b is not queued: a's Unlock frees it for anyone */
	CHECK_RET(gosync_mutex_trylock(b), EBUSY);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK_RET(gosync_mutex_trylock(b), 0);
	CHECK_RET(gosync_mutex_unlock(b), 0);
	CHECK_RET(gosync_mutex_unlock(b), EPERM);
	CHECK_OK(gosync_info(a, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_INTERRUPTS], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_LOCKS], 2);
	close(a);
	close(b);
	return true;
}

static bool t_rwmutex(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "rw"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	struct gosync_info info;

	install_sigusr1(false);
	/* RLock and Lock behind a writer */
	CHECK_RET(gosync_rwmutex_lock(a, -1), 0);
	INTERRUPT(rw_rlock, b);
	INTERRUPT(rw_lock, b);
	CHECK_RET(gosync_rwmutex_runlock(b), EPERM);	/* the RLock took nothing */
	CHECK_RET(gosync_rwmutex_tryrlock(b), EBUSY);
	CHECK_RET(gosync_rwmutex_unlock(a), 0);
	/* Lock behind a reader: once interrupted, readers are welcome again */
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);
	INTERRUPT(rw_lock, b);
	CHECK_RET(gosync_rwmutex_tryrlock(b), 0);
	CHECK_RET(gosync_rwmutex_runlock(b), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), 0);
	CHECK_RET(gosync_rwmutex_trylock(b), 0);
	CHECK_RET(gosync_rwmutex_unlock(a), 0);
	CHECK_OK(gosync_info(a, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_INTERRUPTS], 3);
	close(a);
	close(b);
	return true;
}

static bool t_waitgroup(bool restart)
{
	int fd = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int64_t v;

	install_sigusr1(restart);
	CHECK_RET(gosync_waitgroup_add(fd, 2, NULL), 0);
	INTERRUPT(wg_wait, fd);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_RET(gosync_waitgroup_done(fd, &v), 0);
	CHECK_EQ(v, 1);
	INTERRUPT(wg_wait, fd);
	/* the interrupted waiter is gone: reaching zero and reusing is fine */
	CHECK_RET(gosync_waitgroup_done(fd, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_RET(gosync_waitgroup_add(fd, 1, NULL), 0);
	CHECK_RET(gosync_waitgroup_done(fd, NULL), 0);
	CHECK_RET(gosync_waitgroup_wait(fd, 0), 0);
	close(fd);
	return true;
}

static bool t_once(bool restart)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_once_create(dev, tap_name(name, restart ? "o-r" : "o"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	unsigned int r;

	install_sigusr1(restart);
	CHECK_RET(gosync_once_do(a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	INTERRUPT(once_do, b);
	/* a still runs it; b did not become the runner */
	CHECK_RET(gosync_once_complete(b), EPERM);
	CHECK_RET(gosync_once_load(b, &r), 0);
	CHECK_EQ(r, 0);
	CHECK_RET(gosync_once_complete(a), 0);
	CHECK_RET(gosync_once_do(b, 0, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	close(a);
	close(b);
	return true;
}

/* A signal to another process's waiter: a killed waiter leaves no trace. */
static const char *child_name;

static int child_lock(void *arg)
{
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, child_name, 0);
	return fd < 0 ? 10 : gosync_mutex_lock(fd, -1) < 0 ? 11 : 0;
}

static bool t_killed_waiter(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "kw"), 0, 0));
	bool queued;
	pid_t pid;

	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	child_name = name;
	pid = spawn(child_lock, NULL);
	/* kill it asleep in Lock, not before it got there; kill it either way */
	queued = wait_queued(a, 1);
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK(queued, "the child never waited in Lock");
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK_RET(gosync_mutex_trylock(a), 0);		/* not handed to the dead */
	CHECK_RET(gosync_mutex_unlock(a), 0);
	close(a);
	return true;
}

/* ---- signals no handler takes ---- */

/*
 * A signal that no handler takes does not end a wait, with no deadline or a
 * relative one: the wait sees it (the interrupts stat counts it), returns to
 * userspace for it, and the call is made again (as a futex or semtimedop()
 * wait). The ignored signal here is SIGWINCH sent to the process while its
 * main thread blocks it, so the kernel queues it for the waiting thread: the
 * way a child's SIGCHLD reaches a waiter while glibc's fork() or
 * pthread_create() has all signals blocked, which was a spurious EINTR.
 */
static bool ignored_signal(struct bg *b, int (*fn)(void *), int *fd)
{
	uint64_t before = interrupts(*fd);
	int64_t end = now_ns() + LIVENESS_NS;
	sigset_t winch;

	signal(SIGWINCH, SIG_DFL);
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	CHECK_OK(bg_start(b, fn, fd));		/* SIGWINCH unblocked there */
	CHECK(bg_blocks(b, 30 * MS), "did not block: %s", errname(b->err));
	CHECK(!pthread_sigmask(SIG_BLOCK, &winch, NULL), "pthread_sigmask");
	while (interrupts(*fd) == before && now_ns() < end) {
		kill(getpid(), SIGWINCH);
		sleep_ns(20 * MS);
	}
	CHECK(!pthread_sigmask(SIG_UNBLOCK, &winch, NULL), "pthread_sigmask");
	CHECK(interrupts(*fd) > before, "SIGWINCH never reached the wait");
	CHECK(bg_blocks(b, 30 * MS), "ended by an ignored signal: %s", errname(b->err));
	return true;
}

static bool t_ignored_signal(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "ign"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	struct bg w;

	/* Lock with no deadline, then with a relative one, behind a's */
	for (int i = 0; i < 2; i++) {
		CHECK_RET(gosync_mutex_lock(a, -1), 0);
		CHECK(ignored_signal(&w, i ? m_lock_to : m_lock, &b), "lock %d", i);
		/* the Lock made again queued again, and takes it now */
		CHECK_RET(gosync_mutex_unlock(a), 0);
		CHECK(bg_wait(&w, LIVENESS_NS), "lock %d not woken", i);
		CHECK_EQ(w.err, 0);
		CHECK_RET(gosync_mutex_unlock(b), 0);
	}
	close(a);
	close(b);
	return true;
}

/*
 * A stop and continue (^Z, fg) does not end the wait either: a child Locks
 * through its own description, we stop it (until the wait saw the stop) and
 * continue it; it takes the lock when we Unlock.
 */
static bool t_stop_continue(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "stop"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	int64_t end = now_ns() + LIVENESS_NS;
	uint64_t before;
	int status = 0;
	pid_t pid;

	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	before = interrupts(a);
	pid = spawn(m_lock_to, &b);
	CHECK(pid > 0, "fork");
	while (interrupts(a) == before && now_ns() < end) {
		sleep_ns(20 * MS);
		kill(pid, SIGSTOP);
		CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "not stopped");
		kill(pid, SIGCONT);
	}
	CHECK(interrupts(a) > before, "the stop never reached the wait");
	sleep_ns(30 * MS);
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "the wait ended: status %#x", status);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK_EQ(reap(pid), 0);
	CHECK_RET(gosync_mutex_unlock(b), 0);	/* b's description took it */
	close(a);
	close(b);
	return true;
}

/* A Lock that gives up after a second: exits 0 or its errno. */
static int m_lock_1s(void *a)
{
	return gosync_mutex_lock(*(int *)a, SEC) ? errno : 0;
}

/*
 * Stop and continue @pid every 20 ms until it exits, for up to LIVENESS_NS;
 * one still waiting then is killed. Return: whether it exited by itself,
 * its wait status in *@status.
 */
static bool stop_continue_until_exit(pid_t pid, int *status)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (now_ns() < end) {
		sleep_ns(20 * MS);
		kill(pid, SIGSTOP);
		if (waitpid(pid, status, WUNTRACED) != pid)
			break;
		if (!WIFSTOPPED(*status))
			return true;
		kill(pid, SIGCONT);
	}
	kill(pid, SIGKILL);
	reap(pid);
	return false;
}

/*
 * A child Locks through its own description (@lock: exits 0 or its errno)
 * behind our lock, and we stop and continue it every 20 ms until it exits:
 * with @want, after the stops reached its wait.
 */
static bool stopped_lock_exits(const char *tag, int (*lock)(void *), int want)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, tag), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	uint64_t before;
	int status = 0;
	bool exited;
	pid_t pid;

	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	before = interrupts(a);
	pid = spawn(lock, &b);
	CHECK(pid > 0, "fork");
	exited = stop_continue_until_exit(pid, &status);
	CHECK(exited, "still waiting after %lld s of stops (%llu seen)",
	      (long long)(LIVENESS_NS / SEC), (unsigned long long)(interrupts(a) - before));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == want,
	      "status %#x, expected exit %s", status, errname(want));
	CHECK(interrupts(a) > before, "the stops never reached the wait");
	CHECK_RET(gosync_mutex_unlock(a), 0);
	close(a);
	close(b);
	return true;
}

/*
 * Nor does a stop and continue stretch a relative timeout: the kernel writes
 * back what is left of it before the call is made again. A child Locks for
 * a second behind our lock and we stop and continue it every 20 ms: it must
 * still time out (when each restart counted a whole second again, it waited
 * for as long as the stops went on).
 */
static bool t_stop_continue_timeout(void)
{
	return stopped_lock_exits("stop-to", m_lock_1s, ETIMEDOUT);
}

/*
 * EINTR leaves what is left of a relative timeout in the command, as
 * select() does; a call without a timeout is left as it was.
 */
static struct gosync_lock_cmd left_cmd;

static int m_lock_raw(void *a)
{
	return ioctl(*(int *)a, GOSYNC_IOC_MUTEX, &left_cmd);
}

static bool t_timeout_left(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "left"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));

	install_sigusr1(false);
	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	left_cmd = (struct gosync_lock_cmd){ .size = sizeof(left_cmd), .op = GOSYNC_LOCK_LOCK,
					     .flags = GOSYNC_WAIT_TIMEOUT,
					     .timeout_ns = LIVENESS_NS };
	INTERRUPT(m_lock_raw, b);
	CHECK(left_cmd.timeout_ns > 0 && left_cmd.timeout_ns < LIVENESS_NS,
	      "timeout_ns %llu after EINTR", (unsigned long long)left_cmd.timeout_ns);
	left_cmd.flags = 0;
	left_cmd.timeout_ns = 0;
	INTERRUPT(m_lock_raw, b);
	CHECK_EQ(left_cmd.timeout_ns, 0);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	close(a);
	close(b);
	return true;
}

/* A Lock for LIVENESS_NS from a read-only command: exits 0 or its errno. */
static int m_lock_readonly(void *a)
{
	struct gosync_lock_cmd *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (c == MAP_FAILED)
		return 100;
	*c = (struct gosync_lock_cmd){ .size = sizeof(*c), .op = GOSYNC_LOCK_LOCK,
				       .flags = GOSYNC_WAIT_TIMEOUT, .timeout_ns = LIVENESS_NS };
	if (mprotect(c, 4096, PROT_READ))
		return 101;
	return ioctl(*(int *)a, GOSYNC_IOC_MUTEX, c) ? errno : 0;
}

/*
 * A command the kernel cannot write what is left of its timeout back to
 * (read-only memory) cannot be made again after a stop: EINTR, as select()
 * gives for a read-only timeval, not EFAULT for a wait that faulted nowhere.
 */
static bool t_timeout_left_readonly(void)
{
	return stopped_lock_exits("left-ro", m_lock_readonly, EINTR);
}

/* ---- timeouts ---- */

static bool t_timeouts(void)
{
	char name[GOSYNC_NAME_MAX];
	/* non-robust: a robust one relocked by its holder is EDEADLK (deadlock.c) */
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "to"), 0, 0));
	int rw2 = CHECK_OK(reopen(dev, name));
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int o = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	int o2 = CHECK_OK(dup(o));
	unsigned int r;

	CHECK_RET(gosync_mutex_lock(m, -1), 0);
	CHECK_RET(gosync_mutex_lock(m, 10 * MS), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_lock(rw, -1), 0);
	CHECK_RET(gosync_rwmutex_lock(rw2, 10 * MS), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_rlock(rw2, 10 * MS), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_rlock(rw2, 0), ETIMEDOUT);
	CHECK_RET(gosync_waitgroup_add(wg, 1, NULL), 0);
	CHECK_RET(gosync_waitgroup_wait(wg, 10 * MS), ETIMEDOUT);
	CHECK_RET(gosync_once_do(o, -1, &r), 0);
	/* Do on the runner's own description waits for itself, as in Go */
	CHECK_RET(gosync_once_do(o2, 10 * MS, &r), ETIMEDOUT);
	/* a huge timeout is "forever", not an overflow into the past */
	CHECK_RET(gosync_mutex_unlock(m), 0);
	CHECK_RET(gosync_mutex_lock(m, INT64_MAX), 0);
	close(m);
	close(rw);
	close(rw2);
	close(wg);
	close(o);
	close(o2);
	return true;
}

/* ---- ENOTTY and EINVAL ---- */

static bool t_wrong_type(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int o = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	int c = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	struct gosync_lock_cmd l = { .size = sizeof(l), .op = GOSYNC_LOCK_LOCK };
	struct gosync_waitgroup_cmd w = { .size = sizeof(w), .op = GOSYNC_WG_LOAD };
	struct gosync_once_cmd oc = { .size = sizeof(oc), .op = GOSYNC_ONCE_LOAD };
	struct gosync_version v = { .size = sizeof(v) };

	CHECK_ERRNO(ioctl(wg, GOSYNC_IOC_MUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_RWMUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(rw, GOSYNC_IOC_MUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(o, GOSYNC_IOC_MUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(c, GOSYNC_IOC_RWMUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_WAITGROUP, &w), ENOTTY, false);
	CHECK_ERRNO(ioctl(o, GOSYNC_IOC_WAITGROUP, &w), ENOTTY, false);
	CHECK_ERRNO(ioctl(wg, GOSYNC_IOC_ONCE, &oc), ENOTTY, false);
	CHECK_ERRNO(ioctl(rw, GOSYNC_IOC_ONCE, &oc), ENOTTY, false);
	CHECK_ERRNO(gosync_counter_load(m, NULL), ENOTTY, false);
	CHECK_ERRNO(gosync_counter_load(wg, NULL), ENOTTY, false);
	CHECK_ERRNO(ioctl(o, GOSYNC_IOC_VERSION, &v), ENOTTY, false);
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_MUTEX, &l), ENOTTY, false);
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_WAITGROUP, &w), ENOTTY, false);
	/* none of that took the lock */
	CHECK_RET(gosync_mutex_trylock(m), 0);
	close(m);
	close(rw);
	close(wg);
	close(o);
	close(c);
	return true;
}

static int lock_ioctl(int fd, unsigned long ioc, uint32_t flags, uint32_t op,
		      uint32_t reserved, uint64_t timeout)
{
	struct gosync_lock_cmd l = {
		.size = sizeof(l), .flags = flags, .op = op,
		.__reserved = reserved, .timeout_ns = timeout,
	};

	return ioctl(fd, ioc, &l);
}

static int wg_ioctl(int fd, uint32_t flags, uint32_t op, uint32_t reserved, int64_t delta,
		    uint64_t timeout)
{
	struct gosync_waitgroup_cmd w = {
		.size = sizeof(w), .flags = flags, .op = op, .__reserved = reserved,
		.delta = delta, .timeout_ns = timeout,
	};

	return ioctl(fd, GOSYNC_IOC_WAITGROUP, &w);
}

static int once_ioctl(int fd, uint32_t flags, uint32_t op, uint64_t timeout)
{
	struct gosync_once_cmd o = {
		.size = sizeof(o), .flags = flags, .op = op, .timeout_ns = timeout,
	};

	return ioctl(fd, GOSYNC_IOC_ONCE, &o);
}

#define TO GOSYNC_WAIT_TIMEOUT

static bool t_einval(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int o = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	struct gosync_lock_cmd small = { .size = 8, .op = GOSYNC_LOCK_TRYLOCK };
	unsigned int r;
	int64_t v;

	/* locks */
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 1u << 20, GOSYNC_LOCK_LOCK, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, TO | GOSYNC_WAIT_ABSTIME, GOSYNC_LOCK_LOCK, 0, 0),
		    EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 0, GOSYNC_LOCK_LOCK, 1, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 0, GOSYNC_LOCK_LOCK, 0, 5), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, TO, GOSYNC_LOCK_TRYLOCK, 0, 5), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, TO, GOSYNC_LOCK_UNLOCK, 0, 5), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 0, 0, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 0, GOSYNC_LOCK_RLOCK, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(m, GOSYNC_IOC_MUTEX, 0, GOSYNC_LOCK_RUNLOCK, 0, 0), EINVAL, false);
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_MUTEX, &small), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, 0, 7, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, 0, 0, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, TO, GOSYNC_LOCK_TRYRLOCK, 0, 1), EINVAL,
		    false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, TO, GOSYNC_LOCK_RUNLOCK, 0, 1), EINVAL,
		    false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, 0, GOSYNC_LOCK_RLOCK, 0, 1), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, 4, GOSYNC_LOCK_RLOCK, 0, 0), EINVAL, false);
	CHECK_ERRNO(lock_ioctl(rw, GOSYNC_IOC_RWMUTEX, 0, GOSYNC_LOCK_LOCK, 9, 0), EINVAL, false);
	/* nothing was locked by the rejected calls */
	CHECK_RET(gosync_mutex_unlock(m), EPERM);
	CHECK_RET(gosync_rwmutex_unlock(rw), EPERM);
	CHECK_RET(gosync_rwmutex_runlock(rw), EPERM);

	/* WaitGroup */
	CHECK_ERRNO(wg_ioctl(wg, 0, GOSYNC_WG_DONE, 0, 1, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, GOSYNC_WG_LOAD, 0, 1, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, GOSYNC_WG_WAIT, 0, 1, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, TO, GOSYNC_WG_ADD, 0, 1, 1), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, GOSYNC_WG_WAIT, 0, 0, 1), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 1u << 20, GOSYNC_WG_WAIT, 0, 0, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, GOSYNC_WG_ADD, 1, 1, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, 0, 0, 0, 0), EINVAL, false);
	CHECK_ERRNO(wg_ioctl(wg, 0, 5, 0, 0, 0), EINVAL, false);
	CHECK_RET(gosync_waitgroup_load(wg, &v), 0);
	CHECK_EQ(v, 0);

	/* Once */
	CHECK_ERRNO(once_ioctl(o, 0, GOSYNC_ONCE_DO, 1), EINVAL, false);
	CHECK_ERRNO(once_ioctl(o, 1u << 20, GOSYNC_ONCE_DO, 0), EINVAL, false);
	CHECK_ERRNO(once_ioctl(o, TO, GOSYNC_ONCE_LOAD, 1), EINVAL, false);
	CHECK_ERRNO(once_ioctl(o, TO, GOSYNC_ONCE_COMPLETE, 1), EINVAL, false);
	CHECK_ERRNO(once_ioctl(o, 0, 0, 0), EINVAL, false);
	CHECK_ERRNO(once_ioctl(o, 0, 4, 0), EINVAL, false);
	CHECK_RET(gosync_once_load(o, &r), 0);
	CHECK_EQ(r, 0);					/* nobody was told to run */
	close(m);
	close(rw);
	close(wg);
	close(o);
	return true;
}

/*
 * An absolute deadline at or past 2^63 ns, not only ~0, means "never"
 * (deadlines are ktime_t, clamped to KTIME_MAX): not wrapped into the past
 * (ETIMEDOUT) nor refused (EINVAL). A Lock of a held Mutex with one waits
 * until another thread unlocks; on either clock. One of 1 ns, long past,
 * times out (so the deadline is not just ignored).
 */
static uint32_t far_flags;
static uint64_t far_deadline;

static int m_lock_far(void *a)
{
	return lock_ioctl(*(int *)a, GOSYNC_IOC_MUTEX, far_flags, GOSYNC_LOCK_LOCK, 0,
			  far_deadline);
}

static bool t_far_deadline(void)
{
	static const uint64_t when[] = { 1ULL << 63, (1ULL << 63) + 1, ~0ULL - 1 };
	static const uint32_t clocks[] = {
		GOSYNC_WAIT_ABSTIME, GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME,
	};
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "far"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	struct bg w;

	for (size_t c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		CHECK_RET(gosync_mutex_lock(a, -1), 0);
		CHECK_ERRNO(lock_ioctl(b, GOSYNC_IOC_MUTEX, clocks[c], GOSYNC_LOCK_LOCK, 0, 1),
			    ETIMEDOUT, false);
		for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
			far_flags = clocks[c];
			far_deadline = when[i];
			CHECK_OK(bg_start(&w, m_lock_far, &b));
			CHECK(bg_blocks(&w, 30 * MS), "flags %#x, deadline %#llx: %s, expected a wait",
			      clocks[c], (unsigned long long)when[i], errname(w.err));
			CHECK(wait_queued(a, 1), "flags %#x, deadline %#llx: never queued",
			      clocks[c], (unsigned long long)when[i]);
			CHECK_RET(gosync_mutex_unlock(a), 0);
			CHECK(bg_wait(&w, LIVENESS_NS), "not woken by the unlock");
			CHECK(w.err == 0, "flags %#x, deadline %#llx: %s after the unlock", clocks[c],
			      (unsigned long long)when[i], errname(w.err));
			/* b holds it now; hand it back to a */
			CHECK_RET(gosync_mutex_trylock(a), EBUSY);
			CHECK_RET(gosync_mutex_unlock(b), 0);
			CHECK_RET(gosync_mutex_lock(a, -1), 0);
		}
		CHECK_RET(gosync_mutex_unlock(a), 0);
	}
	close(a);
	close(b);
	return true;
}

static bool t_create_einval(void)
{
	struct gosync_create c;
	unsigned int lock_types[] = { GOSYNC_TYPE_MUTEX, GOSYNC_TYPE_RWMUTEX };

	for (int i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.type = lock_types[i];
		c.lock.flags = 2;
		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
		c.lock.flags = 0;
		c.lock.__reserved = 1;
		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
		c.lock.__reserved = 0;
		c.__attr[1] = 1;
		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
		c.__attr[1] = 0;
		c.__attr[7] = 1;
		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	}
	memset(&c, 0, sizeof(c));
	c.type = GOSYNC_TYPE_ONCE;
	c.once.flags = 2;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.once.flags = 0;
	c.once.value_max = GOSYNC_ONCE_VALUE_MAX + 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.once.value_max = 0;
	c.__attr[3] = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	/* a WaitGroup has no attributes */
	memset(&c, 0, sizeof(c));
	c.type = GOSYNC_TYPE_WAITGROUP;
	c.__attr[0] = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.__attr[0] = 0;
	c.__attr[5] = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	/* wrong expected type on open */
	{
		char name[GOSYNC_NAME_MAX];
		int fd = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "open"), 0));

		CHECK_ERRNO(gosync_open(dev, name, GOSYNC_TYPE_MUTEX), EINVAL, true);
		CHECK_ERRNO(gosync_open(dev, name, GOSYNC_TYPE_ONCE), EINVAL, true);
		close(CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_WAITGROUP)));
		close(fd);
	}
	return true;
}

int main(void)
{
	dev = tap_dev("blocking");
	tap_report(t_mutex(false), "blocking-eintr-mutex-lock");
	tap_report(t_mutex(true), "blocking-eintr-mutex-lock-sa-restart");
	tap_report(t_rwmutex(), "blocking-eintr-rwmutex");
	tap_report(t_waitgroup(false), "blocking-eintr-waitgroup-wait");
	tap_report(t_waitgroup(true), "blocking-eintr-waitgroup-wait-sa-restart");
	tap_report(t_once(false), "blocking-eintr-once-do");
	tap_report(t_once(true), "blocking-eintr-once-do-sa-restart");
	tap_report(t_killed_waiter(), "blocking-killed-waiter");
	tap_report(t_ignored_signal(), "blocking-ignored-signal-restarts-wait");
	tap_report(t_stop_continue(), "blocking-stop-continue-restarts-wait");
	tap_report(t_stop_continue_timeout(), "blocking-stop-continue-keeps-timeout");
	tap_report(t_timeout_left(), "blocking-eintr-writes-back-timeout-left");
	tap_report(t_timeout_left_readonly(), "blocking-timeout-left-readonly-eintr");
	tap_report(t_timeouts(), "blocking-timeouts");
	tap_report(t_far_deadline(), "blocking-abstime-past-2-63-is-never");
	tap_report(t_wrong_type(), "blocking-wrong-type-enotty");
	tap_report(t_einval(), "blocking-bad-commands-einval");
	tap_report(t_create_einval(), "blocking-bad-create-einval");
	return tap_done(dev, "blocking");
}
