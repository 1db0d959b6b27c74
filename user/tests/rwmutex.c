// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: RWMutex. Go's HammerRWMutex (readers and writers checking mutual
 * exclusion through an activity counter), writer preference, EPERM for
 * unlocks without a lock, per-holder read locks, and dying holders.
 */
#include "sync_util.h"

static int dev;

/* ---- Go's HammerRWMutex ---- */

struct rwhammer {
	const char *name;
	int iterations;
	atomic_int activity;	/* readers inside + 10000 * writers inside */
	atomic_int errors;
	atomic_int first_error;
};

static void rw_error(struct rwhammer *h, int what)
{
	int zero = 0;

	atomic_fetch_add(&h->errors, 1);
	atomic_compare_exchange_strong(&h->first_error, &zero, what);
}

static void *rw_reader(void *p)
{
	struct rwhammer *h = p;
	int fd = reopen(dev, h->name);

	if (fd < 0) {
		rw_error(h, -1);
		return NULL;
	}
	for (int i = 0; i < h->iterations; i++) {
		int n;

		if (gosync_rwmutex_rlock(fd, -1) < 0) {
			rw_error(h, errno);
			continue;
		}
		n = atomic_fetch_add(&h->activity, 1) + 1;
		if (n < 1 || n >= 10000)
			rw_error(h, 1000000 + n);	/* a writer is inside */
		for (volatile int k = 0; k < 100; k++)
			;
		atomic_fetch_add(&h->activity, -1);
		if (gosync_rwmutex_runlock(fd) < 0)
			rw_error(h, errno);
	}
	close(fd);
	return NULL;
}

static void *rw_writer(void *p)
{
	struct rwhammer *h = p;
	int fd = reopen(dev, h->name);

	if (fd < 0) {
		rw_error(h, -1);
		return NULL;
	}
	for (int i = 0; i < h->iterations; i++) {
		int n;

		if (gosync_rwmutex_lock(fd, -1) < 0) {
			rw_error(h, errno);
			continue;
		}
		n = atomic_fetch_add(&h->activity, 10000) + 10000;
		if (n != 10000)
			rw_error(h, 2000000 + n);	/* someone else is inside */
		for (volatile int k = 0; k < 100; k++)
			;
		atomic_fetch_add(&h->activity, -10000);
		if (gosync_rwmutex_unlock(fd) < 0)
			rw_error(h, errno);
	}
	close(fd);
	return NULL;
}

static bool hammer(int readers, int iterations, unsigned int flags)
{
	char name[GOSYNC_NAME_MAX], tag[32];
	struct rwhammer h = { .name = name, .iterations = iterations };
	pthread_t t[2 + 64];
	struct gosync_info info;
	int n = 0, i, fd;

	snprintf(tag, sizeof(tag), "hammer-%d-%x", readers, flags);
	fd = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, tag), 0, flags));
	/* as Go: a writer, half the readers, a writer, the other half */
	CHECK(!pthread_create(&t[n++], NULL, rw_writer, &h), "pthread_create");
	for (i = 0; i < readers / 2; i++)
		CHECK(!pthread_create(&t[n++], NULL, rw_reader, &h), "pthread_create");
	CHECK(!pthread_create(&t[n++], NULL, rw_writer, &h), "pthread_create");
	for (; i < readers; i++)
		CHECK(!pthread_create(&t[n++], NULL, rw_reader, &h), "pthread_create");
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	CHECK(!atomic_load(&h.errors), "%d errors, first %d", atomic_load(&h.errors),
	      atomic_load(&h.first_error));
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_LOCKS], 2 * iterations);
	CHECK_EQ(info.stats[GOSYNC_STAT_RLOCKS], (int64_t)readers * iterations);
	CHECK_EQ(info.stats[GOSYNC_STAT_UNLOCKS], (int64_t)(2 + readers) * iterations);
	/* left unlocked */
	CHECK_RET(gosync_rwmutex_trylock(fd), 0);
	close(fd);
	return true;
}

/* ---- writer preference ---- */

static int wlock(void *arg)
{
	return gosync_rwmutex_lock(*(int *)arg, LIVENESS_NS);
}

static int rlock(void *arg)
{
	return gosync_rwmutex_rlock(*(int *)arg, LIVENESS_NS);
}

static bool t_writer_preference(void)
{
	char name[GOSYNC_NAME_MAX];
	int r1 = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "pref"), 0, 0));
	int w = CHECK_OK(reopen(dev, name));
	int r2 = CHECK_OK(reopen(dev, name));
	struct bg writer, reader;

	/* readers share */
	CHECK_RET(gosync_rwmutex_rlock(r1, -1), 0);
	CHECK_RET(gosync_rwmutex_tryrlock(r2), 0);
	CHECK_RET(gosync_rwmutex_trylock(w), EBUSY);
	CHECK_RET(gosync_rwmutex_runlock(r2), 0);
	/* a writer waits for the reader ... */
	CHECK_OK(bg_start(&writer, wlock, &w));
	CHECK(bg_blocks(&writer, 50 * MS), "Lock beside a reader: %s", errname(writer.err));
	CHECK(wait_queued(r1, 1), "Lock beside a reader never queued");
	/* ... and from then on new readers wait too: no writer starvation */
	CHECK_RET(gosync_rwmutex_tryrlock(r2), EBUSY);
	CHECK_RET(gosync_rwmutex_rlock(r2, 20 * MS), ETIMEDOUT);
	CHECK_OK(bg_start(&reader, rlock, &r2));
	CHECK(bg_blocks(&reader, 50 * MS), "RLock passed a waiting writer");
	/* queued behind the writer: the RUnlock below must wake both in turn */
	CHECK(wait_queued(r1, 2), "RLock behind a waiting writer never queued");
	/* the reader leaves: the writer, then the queued reader */
	CHECK_RET(gosync_rwmutex_runlock(r1), 0);
	CHECK(bg_wait(&writer, LIVENESS_NS), "writer not woken");
	CHECK_EQ(writer.err, 0);
	CHECK(bg_blocks(&reader, 20 * MS), "RLock beside a writer");
	CHECK_RET(gosync_rwmutex_tryrlock(r1), EBUSY);
	CHECK_RET(gosync_rwmutex_unlock(w), 0);
	CHECK(bg_wait(&reader, LIVENESS_NS), "reader not woken by Unlock");
	CHECK_EQ(reader.err, 0);
	/* and a writer that gives up lets readers in again */
	CHECK_RET(gosync_rwmutex_lock(w, 20 * MS), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_tryrlock(r1), 0);
	CHECK_RET(gosync_rwmutex_runlock(r1), 0);
	CHECK_RET(gosync_rwmutex_runlock(r2), 0);
	CHECK_RET(gosync_rwmutex_trylock(w), 0);
	close(r1);
	close(r2);
	close(w);
	return true;
}

/* Go's RWMutex.Unlock admits every reader that queued before the next writer. */
static bool t_readers_after_writer(void)
{
	char name[GOSYNC_NAME_MAX];
	int w = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "batch"), 0, 0));
	int w2 = CHECK_OK(reopen(dev, name));
	int r[3];
	struct bg rb[3], wb;

	CHECK_RET(gosync_rwmutex_lock(w, -1), 0);
	for (int i = 0; i < 3; i++) {
		r[i] = CHECK_OK(reopen(dev, name));
		CHECK_OK(bg_start(&rb[i], rlock, &r[i]));
		CHECK(bg_blocks(&rb[i], 20 * MS), "RLock beside a writer");
		/* queued in order, all before the next writer */
		CHECK(wait_queued(w, i + 1), "RLock %d never queued", i);
	}
	CHECK_OK(bg_start(&wb, wlock, &w2));
	CHECK(bg_blocks(&wb, 20 * MS), "Lock beside a writer");
	CHECK(wait_queued(w, 4), "Lock beside a writer never queued");
	CHECK_RET(gosync_rwmutex_unlock(w), 0);
	for (int i = 0; i < 3; i++) {
		CHECK(bg_wait(&rb[i], LIVENESS_NS), "queued reader %d not admitted", i);
		CHECK_EQ(rb[i].err, 0);
	}
	CHECK(bg_blocks(&wb, 20 * MS), "second writer beside readers");
	for (int i = 0; i < 3; i++)
		CHECK_RET(gosync_rwmutex_runlock(r[i]), 0);
	CHECK(bg_wait(&wb, LIVENESS_NS), "writer not woken by the last RUnlock");
	CHECK_EQ(wb.err, 0);
	CHECK_RET(gosync_rwmutex_unlock(w2), 0);
	for (int i = 0; i < 3; i++)
		close(r[i]);
	close(w);
	close(w2);
	return true;
}

static bool t_eperm(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "eperm"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	int d;

	CHECK_RET(gosync_rwmutex_unlock(a), EPERM);	/* Unlock of unlocked RWMutex */
	CHECK_RET(gosync_rwmutex_runlock(a), EPERM);	/* RUnlock of unlocked RWMutex */
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_unlock(a), EPERM);	/* read-locked, not write-locked */
	CHECK_RET(gosync_rwmutex_runlock(b), EPERM);	/* b holds no read lock */
	/* a dup shares the description, so it shares the read lock */
	d = CHECK_OK(dup(a));
	CHECK_RET(gosync_rwmutex_runlock(d), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), EPERM);
	/* read locks are counted per holder */
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), 0);
	CHECK_RET(gosync_rwmutex_trylock(b), EBUSY);
	CHECK_RET(gosync_rwmutex_runlock(a), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), EPERM);
	/* write lock: anyone unlocks (Go) */
	CHECK_RET(gosync_rwmutex_lock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), EPERM);
	CHECK_RET(gosync_rwmutex_unlock(b), 0);
	CHECK_RET(gosync_rwmutex_unlock(b), EPERM);
	close(d);
	close(a);
	close(b);
	return true;
}

/* ---- dying holders ---- */

static const char *child_name;
static int child_op;

static int child_lock_exit(void *arg)
{
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, child_name, 0);
	if (fd < 0)
		return 10;
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, child_op, -1) < 0 ? 11 : 0;
}

static bool t_dead_holders(void)
{
	char name[GOSYNC_NAME_MAX], nr[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "dead"), 0, 0));
	int nfd = CHECK_OK(gosync_rwmutex_create(dev, tap_name(nr, "dead-nr"), 0,
						 GOSYNC_LOCK_ATTR_NONROBUST));

	/* robust, write lock: released, next locker told */
	child_name = name;
	child_op = GOSYNC_LOCK_LOCK;
	CHECK_EQ(tap_fork(child_lock_exit, NULL), 0);
	CHECK_RET(gosync_rwmutex_rlock(fd, 0), EOWNERDEAD);
	CHECK_RET(gosync_rwmutex_runlock(fd), 0);
	CHECK_RET(gosync_rwmutex_trylock(fd), 0);
	CHECK_RET(gosync_rwmutex_unlock(fd), 0);
	/* read locks die with their holder, robust or not, silently */
	child_op = GOSYNC_LOCK_RLOCK;
	CHECK_EQ(tap_fork(child_lock_exit, NULL), 0);
	CHECK_RET(gosync_rwmutex_trylock(fd), 0);
	CHECK_RET(gosync_rwmutex_unlock(fd), 0);
	child_name = nr;
	CHECK_EQ(tap_fork(child_lock_exit, NULL), 0);
	CHECK_RET(gosync_rwmutex_trylock(nfd), 0);
	CHECK_RET(gosync_rwmutex_unlock(nfd), 0);
	/* non-robust write lock: stays locked; anyone unlocks */
	child_op = GOSYNC_LOCK_LOCK;
	CHECK_EQ(tap_fork(child_lock_exit, NULL), 0);
	CHECK_RET(gosync_rwmutex_tryrlock(nfd), EBUSY);
	CHECK_RET(gosync_rwmutex_unlock(nfd), 0);
	CHECK_RET(gosync_rwmutex_tryrlock(nfd), 0);
	close(fd);
	close(nfd);
	return true;
}

/* A writer waiting behind a reader that dies gets the lock, without EOWNERDEAD. */
static int child_rlock_wait(void *arg)
{
	int d = gosync_dev_open(), fd, *p = arg;
	char c = 'R';

	fd = gosync_open(d, child_name, 0);
	if (fd < 0 || gosync_rwmutex_rlock(fd, -1) < 0)
		c = 'E';
	if (write(p[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static bool t_dead_reader_wakes_writer(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "deadr"), 0, 0));
	int p[2];
	struct bg writer;
	pid_t pid;
	char c = 0;

	CHECK_OK(pipe(p));
	child_name = name;
	pid = spawn(child_rlock_wait, p);
	CHECK(read(p[0], &c, 1) == 1 && c == 'R', "child did not rlock");
	CHECK_OK(bg_start(&writer, wlock, &fd));
	CHECK(bg_blocks(&writer, 50 * MS), "Lock beside a reader");
	/* queued: the death, not a free lock, is what lets it in */
	CHECK(wait_queued(fd, 1), "Lock beside a reader never queued");
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK(bg_wait(&writer, LIVENESS_NS), "writer not woken by the reader's death");
	CHECK_EQ(writer.err, 0);
	CHECK_RET(gosync_rwmutex_unlock(fd), 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("rwmutex");
	/* Go's TestRWMutex runs HammerRWMutex with 1, 3 and 10 readers */
	tap_report(hammer(1, 500, 0), "rwmutex-hammer-1-reader");
	tap_report(hammer(3, 500, 0), "rwmutex-hammer-3-readers");
	tap_report(hammer(10, 300, 0), "rwmutex-hammer-10-readers");
	tap_report(hammer(10, 300, GOSYNC_LOCK_ATTR_NONROBUST), "rwmutex-hammer-nonrobust");
	tap_report(t_writer_preference(), "rwmutex-writer-preference");
	tap_report(t_readers_after_writer(), "rwmutex-readers-admitted-after-writer");
	tap_report(t_eperm(), "rwmutex-unlock-eperm");
	tap_report(t_dead_holders(), "rwmutex-dead-holders");
	tap_report(t_dead_reader_wakes_writer(), "rwmutex-dead-reader-wakes-writer");
	return tap_done(dev, "rwmutex");
}
