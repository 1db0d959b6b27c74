// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of deadlock detection (kmod/deadlock.c and the self-deadlock
 * checks of mutex.c, rwmutex.c and wait.c), called directly: a holder that
 * relocks gets -EDEADLK from a robust lock and waits on a non-robust one;
 * kthreads that hold one lock and wait for another form the cycles; every
 * way a wait ends leaves the blocked table empty.
 */
#include "gs_kunit.h"

/* A short deadline: the wait must end by timing out, whatever the clock says. */
#define SOON(ms) (&(struct gs_deadline){ .t = ktime_add_ms(ktime_get(), ms), \
					  .clock = CLOCK_MONOTONIC })

/* A lock of either type that takes part: a Mutex, or an RWMutex's write lock. */
struct dl_lock {
	void *obj;
	bool rw;
};

static int dl_lock(struct dl_lock *l, struct gs_holder *h, const struct gs_deadline *dl)
{
	return l->rw ? gs_rwmutex_lock(l->obj, h, true, dl) : gs_mutex_lock(l->obj, h, dl);
}

static int dl_unlock(struct dl_lock *l)
{
	return l->rw ? gs_rwmutex_unlock(l->obj) : gs_mutex_unlock(l->obj);
}

static bool dl_has_waiters(struct dl_lock *l)
{
	struct gs_mutex *m = l->obj;
	struct gs_rwmutex *rw = l->obj;

	return l->rw ? !nr_waiters_is(&rw->lock, &rw->waiters, 0) :
		       !nr_waiters_is(&m->lock, &m->waiters, 0);
}

/* A kthread that locks @held, then waits for @want until @dl, then unlocks both. */
struct hold_wait {
	struct dl_lock *held;
	struct dl_lock *want;
	struct gs_deadline dl;
	struct gs_holder h1, h2;
	int held_ret;
	int ret;
	struct completion done;
	struct task_struct *task;
};

static int hold_wait_thread(void *arg)
{
	struct hold_wait *x = arg;

	allow_signal(SIGUSR1);
	x->held_ret = dl_lock(x->held, &x->h1, FOREVER);
	if (!x->held_ret) {
		x->ret = dl_lock(x->want, &x->h2, &x->dl);
		if (!x->ret)
			dl_unlock(x->want);
		dl_unlock(x->held);
	}
	complete(&x->done);
	return 0;
}

/*
 * Start @x and return once it waits for @x->want (@nr tasks blocked then).
 * Return: false (the test failed) if it did not, or did not start: the
 * caller ends it (hold_wait_cancel()), then waits for it as ever
 * (hold_wait_finish()); other threads may be running, so no assert.
 */
static bool hold_wait_start(struct kunit *test, struct hold_wait *x, struct dl_lock *held,
			    struct dl_lock *want, const struct gs_deadline *dl, unsigned int nr)
{
	struct task_struct *task;

	x->held = held;
	x->want = want;
	x->dl = *dl;
	init_completion(&x->done);
	task = kthread_run(hold_wait_thread, x, "gosync_holdwait");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		x->task = NULL;
		x->held_ret = PTR_ERR(task);
		x->ret = x->held_ret;
		complete(&x->done);
		return false;
	}
	x->task = get_task_struct(task);
	return expect_true(test, wait_until(gs_deadlock_nr_blocked() == nr &&
					    dl_has_waiters(want)));
}

/* A failed test's cleanup: end @x's Locks (SIGUSR1); then hold_wait_finish(). */
static void hold_wait_cancel(struct hold_wait *x)
{
	if (x->task)
		send_sig(SIGUSR1, x->task, 1);
}

static int hold_wait_finish(struct kunit *test, struct hold_wait *x)
{
	wait_done(&x->done);
	if (x->task)
		put_task_struct(x->task);
	KUNIT_EXPECT_EQ(test, x->held_ret, 0);
	return x->ret;
}

/* ---- self-deadlock ---- */

static void mutex_relock_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_mutex *n = gs_mutex_create(false);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, n);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), -EBUSY);	/* TryLock never */
	/* another description is another holder, even in this thread */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* non-robust: Go's, someone else may unlock it: the relock just waits */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(n, &a, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(n, &a, SOON(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(n), 0);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	gs_mutex_destroy(m);
	gs_mutex_destroy(n);
}

/* A Mutex that another task locked through our description: it may unlock. */

static void mutex_relock_other_task_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct blocker b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	blocker_start(test, &b, blocker_mutex_lock, m);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	/* b's thread is gone, its description (b.holder) still holds m */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b.holder, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

static int rlock_forever(struct blocker *b)
{
	return gs_rwmutex_lock(b->obj, &b->holder, b->writer, FOREVER);
}

static void rwmutex_relock_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {}, c = {};
	struct blocker w = { .writer = true }, r = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	/* write-locked by us: Lock and RLock through it wait for ourselves */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &c, false, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	/* read-locked by us: Lock (an upgrade) waits for our own read lock */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);	/* no writer */
	KUNIT_EXPECT_EQ(test, a.rlocks, 2U);
	/* a writer waits: our RLock would queue behind it, and it behind us */
	blocker_start(test, &w, rlock_forever, rw);
	if (!expect_true(test, wait_until(READ_ONCE(rw->writers_waiting) == 1)))
		goto cancel;
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), -EBUSY);
	/* another description of ours holds no read lock: it just waits */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &c, false, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);

	/* a read lock another thread took through our description: it may RUnlock */
	blocker_start(test, &r, rlock_forever, rw);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), 0);
	w = (struct blocker){ .writer = true };
	blocker_start(test, &w, rlock_forever, rw);
	if (!expect_true(test, wait_until(READ_ONCE(rw->writers_waiting) == 1)))
		goto cancel;
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &r.holder, false, PAST), -ETIMEDOUT);
	/* as that thread might have */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r.holder), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	gs_rwmutex_destroy(rw);
	return;
cancel:
	/* w is not queued as a writer: end it, and drop every lock held */
	blocker_cancel(&w);
	gs_rwmutex_holder_gone(rw, &a);
	gs_rwmutex_holder_gone(rw, &r.holder);
	gs_rwmutex_holder_gone(rw, &w.holder);
	gs_rwmutex_destroy(rw);
}

static void rwmutex_nonrobust_relock_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(false);
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, SOON(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, true, SOON(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	gs_rwmutex_destroy(rw);
}

/* ---- cycles ---- */

/* Each of @n locks (of type @rw_mask's bit) made, robust or not. */
static void dl_locks_make(struct kunit *test, struct dl_lock *l, unsigned int n,
			  unsigned int rw_mask, bool robust)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		l[i].rw = rw_mask & BIT(i);
		l[i].obj = l[i].rw ? (void *)gs_rwmutex_create(robust) :
				     (void *)gs_mutex_create(robust);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l[i].obj);
	}
}

static void dl_locks_free(struct dl_lock *l, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (l[i].rw)
			gs_rwmutex_destroy(l[i].obj);
		else
			gs_mutex_destroy(l[i].obj);
	}
}

#define RING_MAX	(GS_DEADLOCK_MAX_DEPTH + 1)

/*
 * n tasks in a ring: thread i holds lock i and waits for lock i + 1; we hold
 * the last and lock the first, closing the ring: only we get -EDEADLK, and
 * once we unlock, every thread gets its lock in turn. A ring longer than
 * the walk's bound is not seen: our Lock just waits (until a deadline).
 */
static void cycle_test_n(struct kunit *test, unsigned int n, unsigned int rw_mask)
{
	struct hold_wait *x = kunit_kcalloc(test, RING_MAX, sizeof(*x), GFP_KERNEL);
	struct dl_lock l[RING_MAX];
	struct gs_holder h = {};
	bool seen = n <= GS_DEADLOCK_MAX_DEPTH, ok = true;
	unsigned int i, lo;

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_LE(test, n, RING_MAX);
	dl_locks_make(test, l, n, rw_mask, true);
	KUNIT_ASSERT_EQ(test, dl_lock(&l[n - 1], &h, FOREVER), 0);
	/* x[lo] to x[n - 2] started */
	lo = n - 1;
	while (ok && lo > 0) {
		lo--;
		ok = hold_wait_start(test, &x[lo], &l[lo], &l[lo + 1], FOREVER, n - 1 - lo);
	}
	if (!ok) {
		/* end them all; ours was the lock the last one wanted */
		for (i = lo; i < n - 1; i++)
			hold_wait_cancel(&x[i]);
		dl_unlock(&l[n - 1]);
		for (i = lo; i < n - 1; i++)
			hold_wait_finish(test, &x[i]);
		dl_locks_free(l, n);
		return;
	}
	KUNIT_EXPECT_EQ(test, dl_lock(&l[0], &h, seen ? FOREVER : SOON(20)),
			seen ? -EDEADLK : -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), n - 1);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[n - 1]), 0);
	for (i = n - 1; i-- > 0;)
		KUNIT_EXPECT_EQ(test, hold_wait_finish(test, &x[i]), 0);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	/* all free again */
	KUNIT_EXPECT_EQ(test, dl_lock(&l[0], &h, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[0]), 0);
	dl_locks_free(l, n);
}

static void cycle_abba_test(struct kunit *test)
{
	cycle_test_n(test, 2, 0);
}

static void cycle_abba_rwmutex_test(struct kunit *test)
{
	cycle_test_n(test, 2, BIT(1));
}

static void cycle_abc_test(struct kunit *test)
{
	cycle_test_n(test, 3, BIT(0));
}

/* The walk follows GS_DEADLOCK_MAX_DEPTH holders: a ring of 10 is seen, 11 not. */
static void cycle_bound_test(struct kunit *test)
{
	cycle_test_n(test, GS_DEADLOCK_MAX_DEPTH, 0x155);
	cycle_test_n(test, GS_DEADLOCK_MAX_DEPTH + 1, 0);
}

/* A registered waiter handed the lock by a dying robust holder unregisters. */
static void owner_dead_handoff_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct blocker b = {}, r = {};
	struct gs_holder h = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &h, FOREVER), 0);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &h, true, FOREVER), 0);
	blocker_start(test, &b, blocker_mutex_lock, m);
	blocker_start(test, &r, rlock_forever, rw);
	/* (the deaths below end their Locks, queued yet or not) */
	KUNIT_EXPECT_TRUE(test, wait_until(gs_deadlock_nr_blocked() == 2));
	gs_mutex_holder_gone(m, &h);
	gs_rwmutex_holder_gone(rw, &h);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r.holder), 0);
	gs_mutex_destroy(m);
	gs_rwmutex_destroy(rw);
}

/* Non-robust locks are Go's: anyone may unlock, so no cycle is claimed. */
static void cycle_nonrobust_test(struct kunit *test)
{
	struct hold_wait x = {};
	struct dl_lock l[2];
	struct gs_holder h = {};

	dl_locks_make(test, l, 2, 0, false);
	KUNIT_ASSERT_EQ(test, dl_lock(&l[1], &h, FOREVER), 0);
	x.held = &l[0];
	x.want = &l[1];
	x.dl = GS_FOREVER;
	init_completion(&x.done);
	x.task = kthread_run(hold_wait_thread, &x, "gosync_holdwait");
	KUNIT_ASSERT_FALSE(test, IS_ERR(x.task));
	get_task_struct(x.task);
	/* (its Lock ends below however far it got: ours times out, then Unlock) */
	KUNIT_EXPECT_TRUE(test, wait_until(dl_has_waiters(&l[1])));
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	KUNIT_EXPECT_EQ(test, dl_lock(&l[0], &h, SOON(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[1]), 0);
	KUNIT_EXPECT_EQ(test, hold_wait_finish(test, &x), 0);
	dl_locks_free(l, 2);
}

/* A waiter in the ring gives up on a signal: its entry goes, the ring is open. */
static void cycle_signal_test(struct kunit *test)
{
	struct hold_wait x = {};
	struct dl_lock l[2];
	struct gs_holder h = {};

	dl_locks_make(test, l, 2, 0, true);
	KUNIT_ASSERT_EQ(test, dl_lock(&l[1], &h, FOREVER), 0);
	hold_wait_start(test, &x, &l[0], &l[1], FOREVER, 1);	/* failed or not: */
	hold_wait_cancel(&x);
	KUNIT_EXPECT_EQ(test, hold_wait_finish(test, &x), -EINTR);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	/* the thread let l[0] go: ours now, no cycle */
	KUNIT_EXPECT_EQ(test, dl_lock(&l[0], &h, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[0]), 0);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[1]), 0);
	dl_locks_free(l, 2);
}

/*
 * A waiter in the ring has a deadline. We close the ring with no deadline
 * either while it waits (we get -EDEADLK, it times out), or after it timed
 * out and let its lock go (we get it), or while it is still on its way to
 * sleep (it closes the ring itself: -EDEADLK for it, its lock for us).
 * Whichever happens, exactly one ring closer is refused, and we end up with
 * the lock.
 */
static void cycle_timeout_test(struct kunit *test)
{
	struct hold_wait x = {};
	struct dl_lock l[2];
	struct gs_holder h = {};
	struct gs_mutex *m0;
	int ret, xret;

	dl_locks_make(test, l, 2, 0, true);
	m0 = l[0].obj;
	KUNIT_ASSERT_EQ(test, dl_lock(&l[1], &h, FOREVER), 0);
	x.held = &l[0];
	x.want = &l[1];
	x.dl = *SOON(20);
	init_completion(&x.done);
	x.task = kthread_run(hold_wait_thread, &x, "gosync_holdwait");
	KUNIT_ASSERT_FALSE(test, IS_ERR(x.task));
	get_task_struct(x.task);
	if (!expect_true(test, wait_until(READ_ONCE(m0->owner) == &x.h1 ||
					  completion_done(&x.done)))) {
		hold_wait_cancel(&x);
		dl_unlock(&l[1]);
		hold_wait_finish(test, &x);
		dl_locks_free(l, 2);
		return;
	}
	ret = dl_lock(&l[0], &h, FOREVER);
	if (ret == -EDEADLK) {
		KUNIT_EXPECT_EQ(test, hold_wait_finish(test, &x), -ETIMEDOUT);
		ret = dl_lock(&l[0], &h, FOREVER);
		KUNIT_EXPECT_EQ(test, ret, 0);
	} else {
		KUNIT_EXPECT_EQ(test, ret, 0);
		xret = hold_wait_finish(test, &x);
		KUNIT_EXPECT_TRUE(test, xret == -ETIMEDOUT || xret == -EDEADLK);
	}
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	if (!ret)
		KUNIT_EXPECT_EQ(test, dl_unlock(&l[0]), 0);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[1]), 0);
	dl_locks_free(l, 2);
}

/* A holder that is not blocked is no cycle: the lock just waits for it. */
static void no_cycle_test(struct kunit *test)
{
	struct dl_lock l[2];
	struct blocker b = {};
	struct gs_holder h = {};

	dl_locks_make(test, l, 2, 0, true);
	blocker_start(test, &b, blocker_mutex_lock, l[0].obj);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);	/* l[0] held, its thread gone */
	KUNIT_EXPECT_EQ(test, dl_lock(&l[1], &h, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, dl_lock(&l[0], &h, SOON(20)), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[0]), 0);
	KUNIT_EXPECT_EQ(test, dl_unlock(&l[1]), 0);
	dl_locks_free(l, 2);
}

/* ---- ALL waits ---- */

static void wait_all_self_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {}, b = {};
	struct gs_case cs[2];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	case_init(&cs[0], &gs_mutex_type, m, &a, GOSYNC_CASE_LOCK);
	case_init(&cs[1], &gs_rwmutex_type, rw, &a, GOSYNC_CASE_LOCK);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cs, 2, false, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cs, 2, true, FOREVER), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* held through another description: it waits */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cs, 2, false, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* our read lock under an ALL that write-locks */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cs, 2, false, FOREVER), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cs, 2, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	gs_mutex_destroy(m);
	gs_rwmutex_destroy(rw);
}

/* ---- no false positives: HammerRWMutex's shape, with a Mutex inside ---- */

struct hammer {
	struct gs_rwmutex *rw;
	struct gs_mutex *m;
	unsigned int iters;
	atomic_t deadlocks;
	atomic_t errors;
	struct completion done;
	atomic_t running;
};

static int hammer_thread(void *arg)
{
	struct hammer *hm = arg;
	struct gs_holder h = {};	/* one description per thread, as a process */
	unsigned int i;
	int ret;

	for (i = 0; i < hm->iters; i++) {
		bool writer = (i + (unsigned long)current->pid) % 4 == 0;

		ret = gs_rwmutex_lock(hm->rw, &h, writer, FOREVER);
		if (!ret) {
			ret = gs_mutex_lock(hm->m, &h, FOREVER);
			if (!ret)
				gs_mutex_unlock(hm->m);
			if (writer)
				gs_rwmutex_unlock(hm->rw);
			else
				gs_rwmutex_runlock(hm->rw, &h);
		}
		if (ret == -EDEADLK)
			atomic_inc(&hm->deadlocks);
		else if (ret)
			atomic_inc(&hm->errors);
		if (!(i % 64))
			cond_resched();
	}
	if (atomic_dec_and_test(&hm->running))
		complete(&hm->done);
	return 0;
}

static void hammer_no_false_positive_test(struct kunit *test)
{
	struct hammer hm = { .rw = gs_rwmutex_create(true), .m = gs_mutex_create(true),
			     .iters = 2000 };
	unsigned int started, n = 4;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hm.rw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hm.m);
	init_completion(&hm.done);
	atomic_set(&hm.running, n);
	for (started = 0; started < n; started++)
		if (IS_ERR(kthread_run(hammer_thread, &hm, "gosync_dlhammer")))
			break;
	KUNIT_EXPECT_EQ(test, started, n);
	/* (they use hm, on this stack: the last of those that started completes) */
	if (started < n && atomic_sub_and_test(n - started, &hm.running))
		complete(&hm.done);
	wait_done(&hm.done);
	KUNIT_EXPECT_EQ(test, atomic_read(&hm.deadlocks), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&hm.errors), 0);
	KUNIT_EXPECT_EQ(test, gs_deadlock_nr_blocked(), 0U);
	gs_rwmutex_destroy(hm.rw);
	gs_mutex_destroy(hm.m);
}

static struct kunit_case gs_deadlock_cases[] = {
	KUNIT_CASE(mutex_relock_test),
	KUNIT_CASE(mutex_relock_other_task_test),
	KUNIT_CASE(rwmutex_relock_test),
	KUNIT_CASE(rwmutex_nonrobust_relock_test),
	KUNIT_CASE(cycle_abba_test),
	KUNIT_CASE(cycle_abba_rwmutex_test),
	KUNIT_CASE(cycle_abc_test),
	KUNIT_CASE(cycle_bound_test),
	KUNIT_CASE(owner_dead_handoff_test),
	KUNIT_CASE(cycle_nonrobust_test),
	KUNIT_CASE(cycle_timeout_test),
	KUNIT_CASE(cycle_signal_test),
	KUNIT_CASE(no_cycle_test),
	KUNIT_CASE(wait_all_self_test),
	KUNIT_CASE(hammer_no_false_positive_test),
	{}
};

static struct kunit_suite gs_deadlock_suite = {
	.name = "gosync_deadlock",
	.test_cases = gs_deadlock_cases,
};

kunit_test_suite(gs_deadlock_suite);
