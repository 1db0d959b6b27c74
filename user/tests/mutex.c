// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: Mutex. Ports of Go's sync tests (TestMutexFairness, HammerMutex) plus
 * the kernel object's own contract: Unlock by anyone, EPERM, timeouts, and
 * robust holders (open file descriptions) that die holding the lock.
 */
#include "sync_util.h"

static int dev;

static bool t_basic(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "basic"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));

	CHECK_OK(gosync_info(a, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_MUTEX);
	CHECK_EQ(info.subtype, 0);
	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	CHECK_RET(gosync_mutex_trylock(b), EBUSY);
	CHECK_RET(gosync_mutex_trylock(a), EBUSY);	/* not reentrant, as in Go */
	/* Go: "A locked Mutex is not associated with a particular goroutine" */
	CHECK_RET(gosync_mutex_unlock(b), 0);
	CHECK_RET(gosync_mutex_unlock(b), EPERM);	/* unlock of unlocked mutex */
	CHECK_RET(gosync_mutex_unlock(a), EPERM);
	CHECK_RET(gosync_mutex_trylock(b), 0);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK_OK(gosync_info(a, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_LOCKS], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_UNLOCKS], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_BUSY], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_RLOCKS], 0);
	close(a);
	close(b);
	return true;
}

static bool t_timeout(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "timeout"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	int64_t t0;

	CHECK_RET(gosync_mutex_lock(a, 0), 0);		/* free: 0 ns is enough */
	t0 = now_ns();
	CHECK_RET(gosync_mutex_lock(b, 50 * MS), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 50 * MS, "gave up after %" PRId64 " ns", now_ns() - t0);
	CHECK_RET(gosync_mutex_lock(b, 0), ETIMEDOUT);
	CHECK_OK(gosync_info(a, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_TIMEOUTS], 2);
	/* still held by a, and a timed-out waiter left no trace */
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK_RET(gosync_mutex_lock(b, 50 * MS), 0);
	CHECK_RET(gosync_mutex_unlock(b), 0);
	close(a);
	close(b);
	return true;
}

/*
 * Go's TestMutexFairness: a hog that holds the lock 100 us at a time and
 * relocks at once does not starve a waiter, because the waiter switches
 * the Mutex to starvation mode and Unlock then hands it the lock.
 *
 * Made deterministic: both threads run on CPU 0, the hog real-time, so the
 * waiter never runs between the hog's Unlock and its relock: a waiter the
 * Unlock woke always finds the lock taken again, and its Lock can succeed
 * only through a handoff. The waiter runs only while the hog sleeps
 * holding the lock: woken and losing after waiting over 1 ms (Go's
 * threshold), it switches the Mutex to starvation mode then, so the hog,
 * sampling the state at the end of each hold, sees GOSYNC_STATE_STARVING
 * before every handoff; right after that hold's Unlock the Mutex is locked
 * again, before the waiter ran: handed over.
 */
struct fair {
	int fd;
	atomic_int stop;
	int err;
	int starving;		/* holds that ended in starvation mode */
	int handoffs;		/* ... whose Unlock left it locked: handed over */
};

static void *fair_hog(void *p)
{
	struct fair *f = p;
	struct gosync_state st;
	bool starving;

	while (!atomic_load(&f->stop)) {
		if (gosync_mutex_lock(f->fd, -1) < 0) {
			f->err = errno;
			break;
		}
		sleep_ns(100000);		/* 100 us */
		if (gosync_state(f->fd, &st, NULL, 0, NULL) < 0) {
			f->err = errno;
			break;
		}
		starving = st.flags & GOSYNC_STATE_STARVING;
		f->starving += starving;
		if (gosync_mutex_unlock(f->fd) < 0) {
			f->err = errno;
			break;
		}
		if (starving) {
			if (gosync_state(f->fd, &st, NULL, 0, NULL) < 0) {
				f->err = errno;
				break;
			}
			f->handoffs += !!(st.flags & GOSYNC_STATE_LOCKED);
		}
	}
	return NULL;
}

static bool t_fairness(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "fair"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	struct fair f = { .fd = a };
	int64_t end = now_ns() + LIVENESS_NS;
	pthread_t hog;
	cpu_set_t all;
	int err = 0, i;

	err = start_hog_cpu0(&hog, &all, fair_hog, &f);
	CHECK(!err, "a SCHED_FIFO hog on CPU 0: %s", errname(err));
	for (i = 0; i < 10 && !err; i++) {
		int64_t left = end - now_ns();

		sleep_ns(100000);
		if (left < 0 || gosync_mutex_lock(b, left < 0 ? 0 : left) < 0)
			err = left < 0 ? ETIMEDOUT : errno;
		else if (gosync_mutex_unlock(b) < 0)
			err = errno;
	}
	atomic_store(&f.stop, 1);
	pthread_join(hog, NULL);
	sched_setaffinity(0, sizeof(all), &all);
	close(a);
	close(b);
	CHECK(!f.err, "hog: %s", errname(f.err));
	CHECK(!err, "starved: lock %d of 10 failed with %s (bound %llds)", i, errname(err),
	      LIVENESS_NS / SEC);
	CHECK(f.starving >= 1, "the hog never saw starvation mode");
	/* the waiter never ran with the lock free: each of its Locks was handed over */
	CHECK(f.handoffs == 10, "%d handoffs (starvation mode seen %d times) for %d Locks",
	      f.handoffs, f.starving, 10);
	printf("# mutex fairness: starvation mode seen %d times, %d handoffs\n", f.starving,
	       f.handoffs);
	return true;
}

/* Go's HammerMutex: threads lock, check exclusion, unlock */
#define HAMMER_THREADS	6
#define HAMMER_LOOPS	1000

struct hammer {
	const char *name;
	int inside;		/* plain int on purpose: the mutex guards it */
	long total;
	atomic_int errors;
};

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	int fd = reopen(dev, h->name);

	if (fd < 0) {
		atomic_fetch_add(&h->errors, 1);
		return NULL;
	}
	for (int i = 0; i < HAMMER_LOOPS; i++) {
		int r = i % 3 ? gosync_mutex_lock(fd, -1) : gosync_mutex_trylock(fd);

		if (r < 0) {
			if (errno != EBUSY)
				atomic_fetch_add(&h->errors, 1);
			continue;
		}
		if (h->inside++ != 0)
			atomic_fetch_add(&h->errors, 1);
		h->total++;
		if (--h->inside != 0)
			atomic_fetch_add(&h->errors, 1);
		if (gosync_mutex_unlock(fd) < 0)
			atomic_fetch_add(&h->errors, 1);
	}
	close(fd);
	return NULL;
}

static bool t_hammer(unsigned int flags)
{
	char name[GOSYNC_NAME_MAX];
	struct hammer h = { .name = name };
	pthread_t t[HAMMER_THREADS];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, flags ? "hammer-nr" : "hammer"),
					      0, flags));

	for (int i = 0; i < HAMMER_THREADS; i++)
		CHECK(!pthread_create(&t[i], NULL, hammer_thread, &h), "pthread_create");
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&h.errors), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_LOCKS], h.total);
	CHECK_EQ(info.stats[GOSYNC_STAT_UNLOCKS], h.total);
	CHECK_EQ(info.stats[GOSYNC_STAT_LOCKS] + info.stats[GOSYNC_STAT_BUSY],
		 HAMMER_THREADS * HAMMER_LOOPS);
	CHECK_RET(gosync_mutex_trylock(fd), 0);
	close(fd);
	return true;
}

/* ---- holders that die ---- */

static const char *child_name;
static int child_pipe[2];

/* Open by name (a holder of its own), lock, report, then wait to be killed. */
static int child_lock_and_hang(void *arg)
{
	int d = gosync_dev_open(), fd;
	char c = 'L';

	(void)arg;
	fd = gosync_open(d, child_name, 0);
	if (fd < 0 || gosync_mutex_lock(fd, -1) < 0)
		c = 'E';
	if (write(child_pipe[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

/* Open by name, lock, exit (closing the fd). */
static int child_lock_and_exit(void *arg)
{
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, child_name, 0);
	if (fd < 0)
		return 10;
	return gosync_mutex_lock(fd, -1) < 0 ? 11 : 0;
}

static int lock_forever(void *arg)
{
	return gosync_mutex_lock(*(int *)arg, -1);
}

static bool t_robust_killed(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "killed"), 0, 0));
	struct bg waiter;
	bool queued;
	pid_t pid;
	char c = 0;

	child_name = name;
	CHECK_OK(pipe(child_pipe));
	pid = spawn(child_lock_and_hang, NULL);
	CHECK(pid > 0, "fork");
	CHECK(read(child_pipe[0], &c, 1) == 1 && c == 'L', "child did not lock ('%c')", c);
	CHECK_RET(gosync_mutex_trylock(fd), EBUSY);
	/* a waiter sleeping in Lock is woken by the holder's death */
	CHECK_OK(bg_start(&waiter, lock_forever, &fd));
	CHECK(bg_blocks(&waiter, 50 * MS), "Lock did not wait: %s", errname(waiter.err));
	/* asleep in the kernel's queue, or it would find the holder dead, not be woken */
	queued = wait_queued(fd, 1);
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK(queued, "Lock never queued");
	CHECK(bg_wait(&waiter, LIVENESS_NS), "Lock not woken by the holder's death");
	CHECK(waiter.err == EOWNERDEAD, "Lock after the holder died: %s, expected EOWNERDEAD",
	      errname(waiter.err));
	/* EOWNERDEAD means we hold it; and only the first locker is told */
	CHECK_RET(gosync_mutex_trylock(fd), EBUSY);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	CHECK_RET(gosync_mutex_lock(fd, 0), 0);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_OWNER_DEAD], 1);
	close(child_pipe[0]);
	close(child_pipe[1]);
	close(fd);
	return true;
}

static bool t_robust_exit(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "exit"), 0, 0));

	child_name = name;
	CHECK_EQ(tap_fork(child_lock_and_exit, NULL), 0);
	CHECK_RET(gosync_mutex_trylock(fd), EOWNERDEAD);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	CHECK_RET(gosync_mutex_trylock(fd), 0);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	close(fd);
	return true;
}

/* The holder is the open file description: a child sharing ours is us. */
static int child_lock_inherited(void *arg)
{
	return gosync_mutex_lock(*(int *)arg, -1) < 0 ? 1 : 0;
}

static bool t_robust_inherited(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "inh"), 0, 0));
	int other = CHECK_OK(reopen(dev, name));

	CHECK_EQ(tap_fork(child_lock_inherited, &fd), 0);
	/* the child's exit closed a reference, not the description */
	CHECK_RET(gosync_mutex_trylock(other), EBUSY);
	close(fd);
	CHECK_RET(gosync_mutex_trylock(other), EOWNERDEAD);
	CHECK_RET(gosync_mutex_unlock(other), 0);
	close(other);
	return true;
}

static bool t_nonrobust_exit(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "nonrobust"), 0,
					      GOSYNC_LOCK_ATTR_NONROBUST));

	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.subtype, GOSYNC_LOCK_ATTR_NONROBUST);
	child_name = name;
	CHECK_EQ(tap_fork(child_lock_and_exit, NULL), 0);
	/* Go: stays locked; another process may unlock it; nobody is told */
	CHECK_RET(gosync_mutex_trylock(fd), EBUSY);
	CHECK_RET(gosync_mutex_lock(fd, 20 * MS), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	CHECK_RET(gosync_mutex_trylock(fd), 0);
	CHECK_RET(gosync_mutex_unlock(fd), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_OWNER_DEAD], 0);
	close(fd);
	return true;
}

/* Robust: an unlocked mutex whose last locker's fd closes is not "dead". */
static bool t_robust_clean_close(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "clean"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));

	CHECK_RET(gosync_mutex_lock(b, -1), 0);
	CHECK_RET(gosync_mutex_unlock(b), 0);
	close(b);
	CHECK_RET(gosync_mutex_trylock(fd), 0);
	/* Unlock through another fd than the locker's, then the locker closes */
	b = CHECK_OK(reopen(dev, name));
	CHECK_RET(gosync_mutex_unlock(b), 0);
	close(b);
	CHECK_RET(gosync_mutex_lock(b = CHECK_OK(reopen(dev, name)), 0), 0);
	CHECK_RET(gosync_mutex_unlock(fd), 0);	/* fd unlocks b's lock */
	close(b);				/* b holds nothing now */
	CHECK_RET(gosync_mutex_trylock(fd), 0);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("mutex");
	tap_report(t_basic(), "mutex-basic");
	tap_report(t_timeout(), "mutex-timeout");
	tap_report(t_fairness(), "mutex-fairness");
	tap_report(t_hammer(0), "mutex-hammer");
	tap_report(t_hammer(GOSYNC_LOCK_ATTR_NONROBUST), "mutex-hammer-nonrobust");
	tap_report(t_robust_killed(), "mutex-robust-holder-killed");
	tap_report(t_robust_exit(), "mutex-robust-holder-exits");
	tap_report(t_robust_inherited(), "mutex-robust-holder-is-description");
	tap_report(t_robust_clean_close(), "mutex-robust-clean-close");
	tap_report(t_nonrobust_exit(), "mutex-nonrobust-holder-exits");
	return tap_done(dev, "mutex");
}
