// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: deadlock detection. A robust lock relocked by the thread that holds
 * it through the same fd, an RLock behind a writer that waits for our own
 * read lock, and a wait-all on a lock we hold fail with EDEADLK; a
 * non-robust lock keeps Go's semantics (it just waits). Cycles of holders
 * across two and three processes: the one that closes the ring gets
 * EDEADLK, the others get their locks once it backs off; a ring broken by
 * a deadline; and no EDEADLK at all under HammerRWMutex-style load in a
 * consistent lock order.
 *
 * Who closes a ring depends on scheduling, so each ring test accepts every
 * order and checks what holds in all of them: exactly one EDEADLK, and
 * everyone else gets the lock.
 */
#include "sync_util.h"

static int dev;

/* ---- self-deadlock ---- */

static int lock_fd(void *p)
{
	return gosync_mutex_lock(*(int *)p, -1);
}

static int wlock_fd(void *p)
{
	return gosync_rwmutex_lock(*(int *)p, -1);
}

static bool t_self_mutex(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "self"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	int n = CHECK_OK(gosync_mutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	struct bg t;

	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	CHECK_RET(gosync_mutex_lock(a, -1), EDEADLK);
	CHECK_RET(gosync_mutex_lock(a, 20 * MS), EDEADLK);
	CHECK_RET(gosync_mutex_trylock(a), EBUSY);		/* TryLock just fails */
	/* another description is another holder, even in this thread */
	CHECK_RET(gosync_mutex_lock(b, 0), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	/* another thread through the same fd waits: we may unlock (Go) */
	CHECK_RET(gosync_mutex_lock(a, -1), 0);
	CHECK_OK(bg_start(&t, lock_fd, &a));
	CHECK(bg_blocks(&t, 20 * MS), "a second thread's Lock: %s", errname(t.err));
	/* it waits in the queue (no EDEADLK for another thread), for our Unlock */
	CHECK(wait_queued(a, 1), "a second thread's Lock never queued");
	CHECK_RET(gosync_mutex_unlock(a), 0);
	CHECK(bg_wait(&t, LIVENESS_NS), "second thread not woken");
	CHECK_EQ(t.err, 0);
	/* ... and now it is that thread's lock, not ours: we wait */
	CHECK_RET(gosync_mutex_lock(a, 0), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(a), 0);
	/* non-robust: Go's, anyone may unlock it: a relock waits */
	CHECK_RET(gosync_mutex_lock(n, -1), 0);
	CHECK_RET(gosync_mutex_lock(n, 20 * MS), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(n), 0);
	close(a);
	close(b);
	close(n);
	return true;
}

static bool t_self_rwmutex(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "selfrw"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	int n = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	struct bg w;

	CHECK_RET(gosync_rwmutex_lock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_lock(a, -1), EDEADLK);
	CHECK_RET(gosync_rwmutex_rlock(a, -1), EDEADLK);
	CHECK_RET(gosync_rwmutex_rlock(b, 0), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_unlock(a), 0);
	/* Lock while holding a read lock: it would wait for ourselves */
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);
	CHECK_RET(gosync_rwmutex_lock(a, -1), EDEADLK);
	CHECK_RET(gosync_rwmutex_rlock(a, -1), 0);	/* no writer waits: fine */
	/* a writer waits for our read locks; our RLock would queue behind it */
	CHECK_OK(bg_start(&w, wlock_fd, &b));
	CHECK(bg_blocks(&w, 20 * MS), "Lock beside a reader: %s", errname(w.err));
	CHECK(wait_queued(a, 1), "Lock beside a reader never queued");
	CHECK_RET(gosync_rwmutex_rlock(a, -1), EDEADLK);
	CHECK_RET(gosync_rwmutex_runlock(a), 0);
	CHECK_RET(gosync_rwmutex_runlock(a), 0);
	CHECK(bg_wait(&w, LIVENESS_NS), "writer not woken");
	CHECK_EQ(w.err, 0);
	CHECK_RET(gosync_rwmutex_unlock(b), 0);
	/* non-robust: Go's semantics, the relock waits */
	CHECK_RET(gosync_rwmutex_lock(n, -1), 0);
	CHECK_RET(gosync_rwmutex_lock(n, 20 * MS), ETIMEDOUT);
	CHECK_RET(gosync_rwmutex_unlock(n), 0);
	close(a);
	close(b);
	close(n);
	return true;
}

static bool t_self_wait_all(void)
{
	char name[GOSYNC_NAME_MAX];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "selfall"), 0, 0));
	int other = CHECK_OK(reopen(dev, name));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	struct gosync_wait_case cs[2] = {
		{ .fd = m, .op = GOSYNC_CASE_LOCK }, { .fd = rw, .op = GOSYNC_CASE_RLOCK },
	};

	CHECK_RET(gosync_mutex_lock(m, -1), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, -1, NULL), EDEADLK);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL | GOSYNC_WAIT_NONBLOCK, 0, NULL),
		  EAGAIN);
	CHECK_RET(gosync_rwmutex_rlock(rw, -1), 0);	/* the RLOCK case is ready */
	CHECK_RET(gosync_mutex_unlock(m), 0);
	/* held through another description: the wait-all just waits */
	CHECK_RET(gosync_mutex_lock(other, -1), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 10 * MS, NULL), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(other), 0);
	CHECK_OK(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, -1, NULL));
	CHECK_RET(gosync_mutex_unlock(m), 0);
	CHECK_RET(gosync_rwmutex_runlock(rw), 0);
	CHECK_RET(gosync_rwmutex_runlock(rw), 0);
	close(m);
	close(other);
	close(rw);
	return true;
}

/* ---- rings of processes ---- */

/*
 * A ring member, in a child: lock @held, say so on @ready, wait for a byte
 * on @go, lock @want (no deadline unless @timeout_ns), then unlock what it
 * holds. Exits with 0 or the errno of its Lock of @want; 100+ for a setup
 * failure.
 */
struct member {
	const char *held;
	const char *want;
	int64_t timeout_ns;
	int ready[2];
	int go[2];
	pid_t pid;
};

static int member_main(void *p)
{
	struct member *m = p;
	int h = reopen(dev, m->held), w = reopen(dev, m->want);
	char c = 0;
	int err = 0;

	if (h < 0 || w < 0 || gosync_mutex_lock(h, -1) < 0)
		return 100;
	if (write(m->ready[1], &c, 1) != 1 || read(m->go[0], &c, 1) != 1)
		return 101;
	if (gosync_mutex_lock(w, m->timeout_ns) < 0)
		err = errno;
	else if (gosync_mutex_unlock(w) < 0)
		return 102;
	if (gosync_mutex_unlock(h) < 0)
		return 103;
	return err;
}

static bool member_start(struct member *m, const char *held, const char *want,
			 int64_t timeout_ns)
{
	char c;

	m->held = held;
	m->want = want;
	m->timeout_ns = timeout_ns;
	CHECK_OK(pipe(m->ready));
	CHECK_OK(pipe(m->go));
	m->pid = CHECK_OK(spawn(member_main, m));
	CHECK_EQ(read(m->ready[0], &c, 1), 1);		/* it holds @held */
	return true;
}

static bool member_go(struct member *m)
{
	char c = 0;

	CHECK_EQ(write(m->go[1], &c, 1), 1);
	return true;
}

static void member_close(struct member *m)
{
	close(m->ready[0]);
	close(m->ready[1]);
	close(m->go[0]);
	close(m->go[1]);
}

/*
 * @n processes in a ring over @n mutexes: child i holds lock i and waits
 * for lock i + 1; we hold the last and, once they all wait, lock the first.
 * We close the ring, so we get EDEADLK (and no member does); we let our
 * lock go, and everyone else gets the lock it waited for.
 */
static bool t_ring(int n)
{
	char names[3][GOSYNC_NAME_MAX], tag[16];
	struct member mb[2] = {};
	int fds[3], first, i, err = 0;

	for (i = 0; i < n; i++) {
		snprintf(tag, sizeof(tag), "ring%d-%d", n, i);
		fds[i] = CHECK_OK(gosync_mutex_create(dev, tap_name(names[i], tag), 0, 0));
	}
	CHECK_RET(gosync_mutex_lock(fds[n - 1], -1), 0);
	for (i = 0; i < n - 1; i++)
		CHECK(member_start(&mb[i], names[i], names[i + 1], -1), "member %d", i);
	for (i = 0; i < n - 1; i++)
		CHECK(member_go(&mb[i]), "go %d", i);
	/* Let them reach their waits: then ours closes the ring. */
	for (i = 0; i < n - 1; i++)
		CHECK(wait_queued(fds[i + 1], 1), "member %d never waited", i);
	first = CHECK_OK(reopen(dev, names[0]));
	if (gosync_mutex_lock(first, -1) < 0)
		err = errno;
	CHECK_EQ(err, EDEADLK);
	CHECK_RET(gosync_mutex_unlock(fds[n - 1]), 0);	/* back off */
	for (i = 0; i < n - 1; i++) {
		int rc = reap(mb[i].pid);

		member_close(&mb[i]);
		CHECK(rc == 0, "member %d exited %d (%s)", i, rc, errname(rc));
	}
	/* all free, nothing left behind */
	for (i = 0; i < n; i++) {
		CHECK_RET(gosync_mutex_trylock(fds[i]), 0);
		CHECK_RET(gosync_mutex_unlock(fds[i]), 0);
		close(fds[i]);
	}
	close(first);
	return true;
}

/*
 * A ring one of whose waiters has a deadline: the child holds A and waits
 * for B for 50 ms; we hold B and lock A with no deadline. Either we close
 * the ring while it waits (we get EDEADLK, it times out), or it timed out
 * first and let A go (we get A), or it closed the ring itself (EDEADLK for
 * it, A for us). Never both EDEADLK, and A is ours in the end.
 */
static bool t_ring_timeout(void)
{
	char a[GOSYNC_NAME_MAX], b[GOSYNC_NAME_MAX];
	int fa = CHECK_OK(gosync_mutex_create(dev, tap_name(a, "rto-a"), 0, 0));
	int fb = CHECK_OK(gosync_mutex_create(dev, tap_name(b, "rto-b"), 0, 0));
	struct member mb = {};
	int err = 0, rc;

	CHECK_RET(gosync_mutex_lock(fb, -1), 0);
	CHECK(member_start(&mb, a, b, 50 * MS), "member");
	CHECK(member_go(&mb), "go");
	if (gosync_mutex_lock(fa, -1) < 0)
		err = errno;
	rc = reap(mb.pid);
	member_close(&mb);
	if (err == EDEADLK) {
		CHECK(rc == ETIMEDOUT, "child: %d (%s)", rc, errname(rc));
		CHECK_RET(gosync_mutex_lock(fa, -1), 0);	/* it let A go */
	} else {
		CHECK_EQ(err, 0);
		CHECK(rc == ETIMEDOUT || rc == EDEADLK, "child: %d (%s)", rc, errname(rc));
	}
	CHECK_RET(gosync_mutex_unlock(fa), 0);
	CHECK_RET(gosync_mutex_unlock(fb), 0);
	close(fa);
	close(fb);
	return true;
}

/* ---- no false positives ---- */

/*
 * HammerRWMutex's shape: processes, each with two threads sharing the
 * process's fds (one description per process), take the RWMutex (a quarter
 * of the time as writers) and then the Mutex, always in that order, for a
 * fixed number of iterations. Nothing is ever a deadlock.
 */
struct hammer {
	int rw, m;
	int iterations;
	int seed;
	atomic_int deadlocks;
	atomic_int errors;
};

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	unsigned int seed = (unsigned int)h->seed ^ (unsigned int)pthread_self();

	for (int i = 0; i < h->iterations; i++) {
		bool writer = rand_r(&seed) % 4 == 0;
		int r = writer ? gosync_rwmutex_lock(h->rw, -1) : gosync_rwmutex_rlock(h->rw, -1);

		if (!r) {
			r = gosync_mutex_lock(h->m, -1);
			if (!r && gosync_mutex_unlock(h->m) < 0)
				atomic_fetch_add(&h->errors, 1);
			if ((writer ? gosync_rwmutex_unlock(h->rw) :
				      gosync_rwmutex_runlock(h->rw)) < 0)
				atomic_fetch_add(&h->errors, 1);
		}
		if (r < 0)
			atomic_fetch_add(errno == EDEADLK ? &h->deadlocks : &h->errors, 1);
	}
	return NULL;
}

static const char *hammer_rw, *hammer_m;

static int hammer_process(void *arg)
{
	struct hammer h = { .iterations = (int)(long)arg, .seed = getpid() };
	pthread_t t[2];

	h.rw = reopen(dev, hammer_rw);
	h.m = reopen(dev, hammer_m);
	if (h.rw < 0 || h.m < 0)
		return 100;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, hammer_thread, &h))
			return 101;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&h.deadlocks))
		return 1;
	return atomic_load(&h.errors) ? 2 : 0;
}

static bool t_hammer(void)
{
	char rwn[GOSYNC_NAME_MAX], mn[GOSYNC_NAME_MAX];
	int rw = CHECK_OK(gosync_rwmutex_create(dev, tap_name(rwn, "hammer-rw"), 0, 0));
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(mn, "hammer-m"), 0, 0));
	pid_t pids[4];
	int i, bad = 0;

	hammer_rw = rwn;
	hammer_m = mn;
	for (i = 0; i < 4; i++)
		pids[i] = CHECK_OK(spawn(hammer_process, (void *)2000L));
	for (i = 0; i < 4; i++) {
		int rc = reap(pids[i]);

		if (rc)
			bad = bad ?: rc;
	}
	CHECK(bad == 0, "a process exited %d (1: EDEADLK seen, 2: other errors)", bad);
	CHECK_RET(gosync_rwmutex_trylock(rw), 0);
	CHECK_RET(gosync_mutex_trylock(m), 0);
	close(rw);
	close(m);
	return true;
}

int main(void)
{
	dev = tap_dev("deadlock");
	tap_report(t_self_mutex(), "deadlock-self-mutex");
	tap_report(t_self_rwmutex(), "deadlock-self-rwmutex");
	tap_report(t_self_wait_all(), "deadlock-self-wait-all");
	tap_report(t_ring(2), "deadlock-abba");
	tap_report(t_ring(3), "deadlock-abc");
	tap_report(t_ring_timeout(), "deadlock-ring-timeout");
	tap_report(t_hammer(), "deadlock-no-false-positive");
	return tap_done(dev, "deadlock");
}
