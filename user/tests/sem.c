// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: Semaphore (x/sync's semaphore.Weighted). Ports of x/sync's tests:
 * TestWeighted (threads and processes taking random weights never hold more
 * than the size), TestWeightedPanic (release more than held), TestWeightedTry
 * Acquire, TestWeightedAcquire with deadlines, TestLargeAcquireDoesntStarve,
 * TestAllocCancelDoesntStarve; then what the kernel adds: a killed holder's
 * permits come back (robust) or stay taken (non-robust), poll, ACQUIRE cases
 * in GOSYNC_IOC_WAIT (select and wait-all; ntsync's test_wake_all, plain
 * and mapped: a wait-all reserves no permits while it waits for a Mutex),
 * argument checks and fdinfo.
 */
#include <poll.h>
#include <sys/ioctl.h>

#include "sync_util.h"

static int dev;

static uint64_t avail_of(int fd)
{
	uint64_t avail = ~0ULL;

	gosync_sem_load(fd, NULL, &avail, NULL);
	return avail;
}

static uint64_t held_by(int fd)
{
	uint64_t held = ~0ULL;

	gosync_sem_load(fd, NULL, NULL, &held);
	return held;
}

/* ---- x/sync's TestWeighted: random weights, never more than the size ---- */

#define HAMMER_SIZE	4
#define HAMMER_LOOPS	300

struct hammer {
	const char *name;
	atomic_long inuse;
	atomic_int over;	/* held more than the size, or a call failed */
};

static void hammer_loop(struct hammer *h, int fd, unsigned int seed)
{
	for (int i = 0; i < HAMMER_LOOPS; i++) {
		uint64_t n = rand_r(&seed) % HAMMER_SIZE + 1;

		if (gosync_sem_acquire(fd, n, LIVENESS_NS) < 0) {
			atomic_fetch_add(&h->over, 1);
			return;
		}
		if (atomic_fetch_add(&h->inuse, n) + n > HAMMER_SIZE)
			atomic_fetch_add(&h->over, 1);
		sched_yield();
		atomic_fetch_sub(&h->inuse, n);
		if (gosync_sem_release(fd, n) < 0)
			atomic_fetch_add(&h->over, 1);
	}
}

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	int fd = reopen(dev, h->name);

	if (fd < 0) {
		atomic_fetch_add(&h->over, 1);
		return NULL;
	}
	hammer_loop(h, fd, (unsigned int)(uintptr_t)pthread_self());
	close(fd);
	return NULL;
}

static bool t_weighted(bool procs)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_sem_create(dev, tap_name(name, procs ? "wp" : "wt"), 0,
					    HAMMER_SIZE, 0));
	struct hammer *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct gosync_info info;
	pthread_t t[4];
	pid_t pid[4];

	CHECK(h != MAP_FAILED, "mmap");
	h->name = name;
	for (int i = 0; i < 4; i++) {
		if (!procs) {
			CHECK(!pthread_create(&t[i], NULL, hammer_thread, h), "pthread_create");
			continue;
		}
		fflush(stdout);
		pid[i] = fork();
		if (!pid[i]) {
			int c = reopen(dev, name);

			if (c < 0)
				_exit(1);
			hammer_loop(h, c, (unsigned int)getpid());
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		if (procs)
			CHECK_EQ(reap(pid[i]), 0);
		else
			pthread_join(t[i], NULL);
	}
	CHECK_EQ(atomic_load(&h->over), 0);
	CHECK_EQ(avail_of(fd), HAMMER_SIZE);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_SEM);
	CHECK_EQ(info.stats[GOSYNC_STAT_SEM_ACQUIRES], 4 * HAMMER_LOOPS);
	CHECK_EQ(info.stats[GOSYNC_STAT_SEM_RELEASES], 4 * HAMMER_LOOPS);
	munmap(h, sizeof(*h));
	close(fd);
	return true;
}

/* x/sync's TestWeightedPanic and TestWeightedTryAcquire, and the limits */
static bool t_try_and_release(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_sem_create(dev, tap_name(name, "try"), 0, 2, 0));
	int b = CHECK_OK(reopen(dev, name));
	int d = CHECK_OK(dup(a));
	uint64_t size, avail, held;

	CHECK_RET(gosync_sem_tryacquire(a, 1), 0);
	CHECK_RET(gosync_sem_tryacquire(b, 1), 0);
	CHECK_RET(gosync_sem_tryacquire(a, 1), EBUSY);
	CHECK_RET(gosync_sem_release(b, 1), 0);
	CHECK_RET(gosync_sem_tryacquire(a, 1), 0);
	CHECK_RET(gosync_sem_tryacquire(b, 1), EBUSY);
	CHECK_RET(gosync_sem_load(a, &size, &avail, &held), 0);
	CHECK_EQ(size, 2);
	CHECK_EQ(avail, 0);
	CHECK_EQ(held, 2);
	CHECK_EQ(held_by(d), 2);	/* a dup is the same description */
	CHECK_EQ(held_by(b), 0);
	/* "semaphore: released more than held" */
	CHECK_RET(gosync_sem_release(b, 1), EPERM);
	CHECK_RET(gosync_sem_release(a, 3), EPERM);
	CHECK_RET(gosync_sem_release(d, 2), 0);
	CHECK_RET(gosync_sem_release(a, 1), EPERM);
	/* x/sync blocks forever on n > size (TestWeightedDoesntBlockIfTooBig): EINVAL */
	CHECK_RET(gosync_sem_acquire(a, 3, -1), EINVAL);
	CHECK_RET(gosync_sem_tryacquire(a, 3), EINVAL);
	CHECK_RET(gosync_sem_acquire(a, 0, -1), EINVAL);
	CHECK_RET(gosync_sem_release(a, 0), EINVAL);
	CHECK_EQ(avail_of(a), 2);
	close(d);
	close(b);
	close(a);
	return true;
}

/* TestWeightedAcquire: a deadline ends the wait and takes nothing */
static bool t_deadline(void)
{
	int fd = CHECK_OK(gosync_sem_create(dev, NULL, 0, 3, 0));
	int64_t t0;

	CHECK_RET(gosync_sem_acquire(fd, 3, 0), 0);
	t0 = now_ns();
	CHECK_RET(gosync_sem_acquire(fd, 1, 20 * MS), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 20 * MS, "returned before its deadline");
	CHECK_RET(gosync_sem_acquire(fd, 1, 0), ETIMEDOUT);
	CHECK_RET(gosync_sem_release(fd, 3), 0);
	CHECK_RET(gosync_sem_acquire(fd, 2, 0), 0);
	CHECK_EQ(avail_of(fd), 1);
	close(fd);
	return true;
}

/* ---- TestLargeAcquireDoesntStarve ---- */

/*
 * As x/sync: every churner holds a permit from before it starts (taken on
 * its own description here: permits belong to their holder), and loops
 * Release(1), Acquire(1), so that the whole semaphore is never free unless
 * a waiting Acquire(size) makes the churners' Acquires queue behind it.
 */
#define CHURNERS	2

struct churn {
	int fd;
	atomic_int stop;
	atomic_long rounds;	/* Release + Acquire pairs done */
	atomic_int errors;
};

static void *churn_thread(void *p)
{
	struct churn *c = p;

	while (!atomic_load(&c->stop)) {
		if (gosync_sem_release(c->fd, 1) < 0 ||
		    gosync_sem_acquire(c->fd, 1, LIVENESS_NS) < 0) {
			atomic_fetch_add(&c->errors, 1);
			break;
		}
		atomic_fetch_add(&c->rounds, 1);
	}
	/* x/sync's deferred Release */
	if (gosync_sem_release(c->fd, 1) < 0)
		atomic_fetch_add(&c->errors, 1);
	return NULL;
}

static bool t_large_doesnt_starve(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_sem_create(dev, tap_name(name, "starve"), 0, CHURNERS, 0));
	struct churn c[CHURNERS];
	pthread_t t[CHURNERS];
	struct gosync_info info;
	uint64_t acquires, moved = 0, held = 0;
	bool ran = true;
	int64_t end;
	int rc = -1, err = 0, rel = 0, i;

	for (i = 0; i < CHURNERS; i++) {
		c[i] = (struct churn){ .fd = CHECK_OK(reopen(dev, name)) };
		CHECK_RET(gosync_sem_acquire(c[i].fd, 1, 0), 0);
	}
	CHECK_EQ(avail_of(fd), 0);
	CHECK_OK(gosync_info(fd, &info));
	acquires = info.stats[GOSYNC_STAT_SEM_ACQUIRES];
	for (i = 0; i < CHURNERS; i++)
		CHECK(!pthread_create(&t[i], NULL, churn_thread, &c[i]), "pthread_create");
	/* the churn runs: every churner went round, and the kernel saw it */
	end = now_ns() + LIVENESS_NS;
	for (i = 0; i < CHURNERS; i++) {
		while (atomic_load(&c[i].rounds) < 1 && !atomic_load(&c[i].errors) &&
		       now_ns() < end)
			sleep_ns(MS);
		ran = ran && atomic_load(&c[i].rounds) >= 1;
	}
	if (!gosync_info(fd, &info))
		moved = info.stats[GOSYNC_STAT_SEM_ACQUIRES] - acquires;
	/* The whole semaphore, while the churners keep taking one permit each */
	if (ran) {
		rc = gosync_sem_acquire(fd, CHURNERS, LIVENESS_NS);
		err = rc < 0 ? errno : 0;
		held = held_by(fd);
	}
	for (i = 0; i < CHURNERS; i++)
		atomic_store(&c[i].stop, 1);
	if (!rc)
		rel = gosync_sem_release(fd, CHURNERS) < 0 ? errno : 0;
	for (i = 0; i < CHURNERS; i++)
		pthread_join(t[i], NULL);
	CHECK(ran, "a churner never went round (errors %d, %d)", atomic_load(&c[0].errors),
	      atomic_load(&c[1].errors));
	CHECK(moved >= CHURNERS, "SEM_ACQUIRES moved by %" PRIu64 " while churning", moved);
	CHECK(rc == 0, "Acquire(%d) starved: %s", CHURNERS, errname(err));
	CHECK_EQ(held, CHURNERS);
	CHECK(!rel, "Release(%d): %s", CHURNERS, errname(rel));
	for (i = 0; i < CHURNERS; i++) {
		CHECK_EQ(atomic_load(&c[i].errors), 0);
		CHECK_EQ(held_by(c[i].fd), 0);
		close(c[i].fd);
	}
	CHECK_EQ(avail_of(fd), CHURNERS);
	close(fd);
	return true;
}

/* ---- TestAllocCancelDoesntStarve ---- */

struct acq {
	int fd;
	uint64_t n;
	int64_t timeout;
};

static int do_acquire(void *p)
{
	struct acq *a = p;

	return gosync_sem_acquire(a->fd, a->n, a->timeout);
}

static bool t_cancel_doesnt_starve(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_sem_create(dev, tap_name(name, "cancel"), 0, 10, 0));
	struct acq big = { .fd = CHECK_OK(reopen(dev, name)), .n = 10, .timeout = -1 };
	struct acq small = { .fd = CHECK_OK(reopen(dev, name)), .n = 1, .timeout = LIVENESS_NS };
	struct bg bbig, bsmall;

	install_sigusr1(false);
	CHECK_RET(gosync_sem_acquire(fd, 1, -1), 0);
	CHECK_OK(bg_start(&bbig, do_acquire, &big));
	CHECK(bg_blocks(&bbig, 30 * MS), "Acquire(10) did not wait");
	CHECK(wait_queued(fd, 1), "Acquire(10) never queued");
	CHECK_OK(bg_start(&bsmall, do_acquire, &small));
	/* FIFO: the small one waits behind the big one though 9 are free */
	CHECK(bg_blocks(&bsmall, 30 * MS), "Acquire(1) overtook a waiting Acquire(10)");
	CHECK(wait_queued(fd, 2), "Acquire(1) never queued behind Acquire(10)");
	CHECK(bg_interrupt(&bbig), "Acquire(10) not interrupted");
	CHECK_EQ(bbig.err, EINTR);
	CHECK(bg_wait(&bsmall, LIVENESS_NS), "Acquire(1) starved after the big one left");
	CHECK_EQ(bsmall.err, 0);
	CHECK_EQ(held_by(small.fd), 1);
	CHECK_EQ(held_by(big.fd), 0);
	CHECK_EQ(avail_of(fd), 8);
	close(small.fd);		/* robust: its permit comes back */
	close(big.fd);
	CHECK_EQ(avail_of(fd), 9);
	close(fd);
	return true;
}

/* ---- a holder dies ---- */

static const char *child_name;

static int child_take_and_hang(void *arg)
{
	int d = gosync_dev_open(), fd, *p = arg;
	char c = 'T';

	fd = gosync_open(d, child_name, GOSYNC_TYPE_SEM);
	if (fd < 0 || gosync_sem_acquire(fd, 3, -1) < 0)
		c = 'E';
	if (write(p[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static bool holder_dies(bool robust)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_sem_create(dev, tap_name(name, robust ? "dies" : "dies-nr"),
					    0, 4, robust ? 0 : GOSYNC_SEM_ATTR_NONROBUST));
	struct acq all = { .fd = fd, .n = 4, .timeout = LIVENESS_NS };
	struct gosync_info info;
	struct bg waiter;
	char c = 0;
	int p[2];
	pid_t pid;

	CHECK_OK(pipe(p));
	child_name = name;
	pid = spawn(child_take_and_hang, p);
	CHECK(read(p[0], &c, 1) == 1 && c == 'T', "child did not take its permits");
	CHECK_EQ(avail_of(fd), 1);
	if (robust) {
		CHECK_OK(bg_start(&waiter, do_acquire, &all));
		CHECK(bg_blocks(&waiter, 30 * MS), "Acquire(4) did not wait");
		/* queued: the holder's death must wake it */
		CHECK(wait_queued(fd, 1), "Acquire(4) never queued");
	}
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK_OK(gosync_info(fd, &info));
	if (robust) {
		CHECK(bg_wait(&waiter, LIVENESS_NS), "the dead holder's permits never came back");
		CHECK_EQ(waiter.err, 0);
		CHECK_EQ(held_by(fd), 4);
		CHECK_OK(gosync_info(fd, &info));
		CHECK_EQ(info.stats[GOSYNC_STAT_SEM_ABANDONED], 3);
		CHECK_RET(gosync_sem_release(fd, 4), 0);
	} else {
		/* POSIX sem_t: nobody owns them; anyone gives them back */
		CHECK_EQ(avail_of(fd), 1);
		CHECK_EQ(info.stats[GOSYNC_STAT_SEM_ABANDONED], 0);
		CHECK_RET(gosync_sem_release(fd, 4), EPERM);
		CHECK_RET(gosync_sem_release(fd, 3), 0);
	}
	CHECK_EQ(avail_of(fd), 4);
	close(p[0]);
	close(p[1]);
	close(fd);
	return true;
}

/* ---- poll and GOSYNC_IOC_WAIT ---- */

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static bool t_poll(void)
{
	int fd = CHECK_OK(gosync_sem_create(dev, NULL, 0, 2, 0));

	CHECK_EQ(revents(fd), POLLIN);
	CHECK_RET(gosync_sem_acquire(fd, 2, -1), 0);
	CHECK_EQ(revents(fd), 0);
	CHECK_RET(gosync_sem_release(fd, 1), 0);
	CHECK_EQ(revents(fd), POLLIN);
	close(fd);
	return true;
}

static struct gosync_wait_case acquire_case(int fd, uint32_t n)
{
	return (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_ACQUIRE, .len = n };
}

static bool t_wait_cases(void)
{
	int s1 = CHECK_OK(gosync_sem_create(dev, NULL, 0, 2, 0));
	int s2 = CHECK_OK(gosync_sem_create(dev, NULL, 0, 3, 0));
	struct gosync_wait_case cs[2] = { acquire_case(s1, 2), acquire_case(s2, 3) };
	unsigned int index = 9;

	/* select: the first ready case wins, and takes its permits for this fd */
	CHECK_RET(gosync_sem_acquire(s1, 1, -1), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, 0, 0, &index), 0);
	CHECK_EQ(index, 1);
	CHECK_EQ(cs[1].error, 0);
	CHECK_EQ(held_by(s2), 3);
	CHECK_RET(gosync_wait(dev, cs, 2, 0, 10 * MS, &index), ETIMEDOUT);
	/* wait-all: both or neither */
	CHECK_RET(gosync_sem_release(s2, 3), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 10 * MS, NULL), ETIMEDOUT);
	CHECK_EQ(avail_of(s2), 3);
	CHECK_RET(gosync_sem_release(s1, 1), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 0, NULL), 0);
	CHECK_EQ(held_by(s1), 2);
	CHECK_EQ(held_by(s2), 3);
	CHECK_RET(gosync_sem_release(s1, 2), 0);
	CHECK_RET(gosync_sem_release(s2, 3), 0);
	/* an ACQUIRE case needs permits, no buffer, and no more than the size */
	cs[0] = acquire_case(s1, 0);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);
	cs[0] = acquire_case(s1, 1);
	cs[0].buf = 8;
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);
	cs[0] = acquire_case(s1, 3);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);
	close(s1);
	close(s2);
	return true;
}

/*
 * ntsync's test_wake_all with a Semaphore: s (3 permits) all taken through
 * another description, a Mutex held through another; a thread waits ALL
 * {ACQUIRE s 2, LOCK m}. Two permits come back: the wait-all still waits
 * for m and reserves nothing (ALL is in no FIFO), so a third description's
 * TryAcquire(1) takes one, and gives it back. The Unlock of m completes the
 * wait-all: the case's description holds 2 permits (robust), the Mutex is
 * held. Then the other order: m free, the Release is what completes it.
 * Mapped (non-robust), the Releases and the TryAcquire are the fast path's,
 * which must reach the kernel while a wait-all watches the word. Fails if
 * a wait-all takes the permits before the Mutex is free, queues for them
 * (TryAcquire EBUSY), takes the wrong count or for the wrong description,
 * or is not woken by the Unlock or by a (fast-path) Release.
 */
static int wake_all_bg(void *cs)
{
	return gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, LIVENESS_NS, NULL);
}

/* Acquire (try) or release @n through @fd, or its mapping @f when mapped. */
static int sem_take(int fd, struct gosync_fast *f, uint64_t n, bool try)
{
	if (f)
		return try ? gosync_fast_sem_tryacquire(f, n) : gosync_fast_sem_acquire(f, n, -1);
	return try ? gosync_sem_tryacquire(fd, n) : gosync_sem_acquire(fd, n, -1);
}

static int sem_give(int fd, struct gosync_fast *f, uint64_t n)
{
	return f ? gosync_fast_sem_release(f, n) : gosync_sem_release(fd, n);
}

static bool t_wake_all(bool mapped)
{
	char ns[GOSYNC_NAME_MAX], nm[GOSYNC_NAME_MAX];
	struct gosync_fast fs, fo, ft;
	int s = mapped ? gosync_fast_sem_create(dev, tap_name(ns, "wakeall-sem-mapped"), 0, 3,
						GOSYNC_SEM_ATTR_NONROBUST, &fs) :
			 gosync_sem_create(dev, tap_name(ns, "wakeall-sem"), 0, 3, 0);
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(nm, mapped ? "wakeall-mutex-mapped" :
							   "wakeall-mutex"), 0, 0));
	int mo = CHECK_OK(reopen(dev, nm));
	int so = mapped ? fast_open_name(dev, GOSYNC_TYPE_SEM, ns, &fo) : reopen(dev, ns);
	int st = mapped ? fast_open_name(dev, GOSYNC_TYPE_SEM, ns, &ft) : reopen(dev, ns);
	struct gosync_fast *pfs = mapped ? &fs : NULL, *pfo = mapped ? &fo : NULL;
	struct gosync_fast *pft = mapped ? &ft : NULL;
	struct gosync_wait_case cs[2];
	struct bg b;

	CHECK(s >= 0 && so >= 0 && st >= 0, "create or open: %s", errname(errno));
	for (int unlock_last = 1; unlock_last >= 0; unlock_last--) {
		cs[0] = acquire_case(s, 2);
		cs[1] = (struct gosync_wait_case){ .fd = m, .op = GOSYNC_CASE_LOCK };
		CHECK_RET(sem_take(so, pfo, 3, false), 0);
		if (unlock_last)
			CHECK_OK(gosync_mutex_lock(mo, -1));
		CHECK_OK(bg_start(&b, wake_all_bg, cs));
		CHECK(wait_queued(s, 1), "wait-all never waited on the Semaphore");
		if (unlock_last) {
			CHECK(wait_queued(m, 1), "wait-all never waited on the Mutex");
			CHECK_RET(sem_give(so, pfo, 2), 0);
			CHECK(bg_blocks(&b, 20 * MS), "wait-all took the permits, Mutex held");
			CHECK_EQ(avail_of(s), 2);
			/* ALL reserves nothing */
			CHECK_RET(sem_take(st, pft, 1, true), 0);
			CHECK_EQ(avail_of(s), 1);
			CHECK_RET(sem_give(st, pft, 1), 0);
			CHECK(!atomic_load(&b.done), "wait-all returned (%s), Mutex held",
			      errname(b.err));
			CHECK_OK(gosync_mutex_unlock(mo));
		} else {
			CHECK(bg_blocks(&b, 20 * MS), "wait-all took the Mutex, no permits");
			CHECK_OK(gosync_mutex_trylock(mo));	/* ALL took nothing */
			CHECK_OK(gosync_mutex_unlock(mo));
			CHECK_RET(sem_give(so, pfo, 2), 0);
		}
		CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "wait-all: %s", errname(b.err));
		CHECK(!cs[0].error && !cs[1].error, "case errors %d, %d", cs[0].error, cs[1].error);
		CHECK_EQ(avail_of(s), 0);
		if (!mapped) {
			CHECK_EQ(held_by(s), 2);
			CHECK_EQ(held_by(so), 1);
			CHECK_EQ(held_by(st), 0);
		}
		CHECK_RET(gosync_mutex_trylock(mo), EBUSY);
		CHECK_OK(gosync_mutex_unlock(m));
		CHECK_RET(sem_give(s, pfs, 2), 0);
		CHECK_RET(sem_give(so, pfo, 1), 0);
		CHECK_EQ(avail_of(s), 3);
	}
	if (mapped) {
		CHECK(fast_close(&fo) && fast_close(&ft) && fast_close(&fs), "close");
	} else {
		close(so);
		close(st);
		close(s);
	}
	close(mo);
	close(m);
	return true;
}

/* ---- argument checks and fdinfo ---- */

static bool t_einval(void)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_SEM };
	struct gosync_sem_cmd cmd;
	int fd;

	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);	/* size 0 */
	c.sem.size = GOSYNC_SEM_MAX + 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.sem.size = GOSYNC_SEM_MAX;
	c.sem.flags = 2;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.sem.flags = 0;
	c.sem.__reserved = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.sem.__reserved = 0;
	c.__attr[2] = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.__attr[2] = 0;
	fd = CHECK_OK(gosync_create(dev, &c));
	CHECK_EQ(avail_of(fd), GOSYNC_SEM_MAX);

	cmd = (struct gosync_sem_cmd){ .size = sizeof(cmd), .op = GOSYNC_SEM_LOAD, .n = 1 };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_SEM, &cmd), EINVAL, false);
	cmd = (struct gosync_sem_cmd){ .size = sizeof(cmd), .op = GOSYNC_SEM_RELEASE, .n = 1,
				       .flags = GOSYNC_WAIT_TIMEOUT };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_SEM, &cmd), EINVAL, false);
	cmd = (struct gosync_sem_cmd){ .size = sizeof(cmd), .op = 5 };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_SEM, &cmd), EINVAL, false);
	cmd = (struct gosync_sem_cmd){ .size = sizeof(cmd), .op = GOSYNC_SEM_LOAD,
				       .__reserved = 1 };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_SEM, &cmd), EINVAL, false);
	cmd = (struct gosync_sem_cmd){ .size = sizeof(cmd), .op = GOSYNC_SEM_ACQUIRE, .n = 1,
				       .timeout_ns = 5 };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_SEM, &cmd), EINVAL, false);
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_MUTEX, &cmd), ENOTTY, false);
	close(fd);
	return true;
}

static bool t_fdinfo(void)
{
	int fd = CHECK_OK(gosync_sem_create(dev, NULL, 0, 5, 0));
	char path[64], buf[1024];
	ssize_t n;
	int f;

	CHECK_RET(gosync_sem_acquire(fd, 2, -1), 0);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = CHECK_OK(open(path, O_RDONLY));
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	CHECK(n > 0, "read fdinfo");
	buf[n] = 0;
	CHECK(strstr(buf, "sem-size:\t5\n") && strstr(buf, "sem-avail:\t3\n") &&
	      strstr(buf, "sem-held:\t2\n") && strstr(buf, "sem-waiters:\t0\n"),
	      "fdinfo: %s", buf);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("sem");
	tap_report(t_weighted(false), "sem-weighted-threads");
	tap_report(t_weighted(true), "sem-weighted-processes");
	tap_report(t_try_and_release(), "sem-tryacquire-release-more-than-held");
	tap_report(t_deadline(), "sem-acquire-deadline");
	tap_report(t_large_doesnt_starve(), "sem-large-acquire-doesnt-starve");
	tap_report(t_cancel_doesnt_starve(), "sem-cancel-doesnt-starve");
	tap_report(holder_dies(true), "sem-holder-dies-robust");
	tap_report(holder_dies(false), "sem-holder-dies-nonrobust");
	tap_report(t_poll(), "sem-poll");
	tap_report(t_wait_cases(), "sem-wait-select-and-all");
	tap_report(t_wake_all(false), "sem-ntsync-wake-all");
	tap_report(t_wake_all(true), "sem-ntsync-wake-all-mapped");
	tap_report(t_einval(), "sem-einval");
	tap_report(t_fdinfo(), "sem-fdinfo");
	return tap_done(dev, "sem");
}
