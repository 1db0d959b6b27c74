// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of gosync's Semaphore (kmod/sem.c) and Cond (kmod/cond.c),
 * called directly. Semaphore: x/sync's rules (weighted, FIFO so a large
 * Acquire is not starved, a canceled front waiter lets the next ones in,
 * release of more than held), robustness (a closing holder's permits), and
 * a port of x/sync's TestWeighted hammer. Cond: ports of Go's TestCondSignal,
 * TestCondSignalGenerations and TestCondBroadcast, the relock after a
 * timeout or a signal, and Wait on an unlocked Mutex.
 */
#include "gs_kunit.h"

static void sem_basic_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(10, true);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_EXPECT_TRUE(test, IS_ERR(gs_sem_create(0, true)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(gs_sem_create(GOSYNC_SEM_MAX + 1, true)));
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 11), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_sem_acquire(s, &a, 11, PAST), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 3), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_acquire(s, &b, 7, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &b, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_sem_acquire(s, &b, 1, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_TRUE(test, sem_waiters_are(s, 0));
	KUNIT_EXPECT_EQ(test, a.permits, 3ULL);
	KUNIT_EXPECT_EQ(test, b.permits, 7ULL);
	/* x/sync: "semaphore: released more than held"; nothing changes */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 4), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 3), 0);
	KUNIT_EXPECT_EQ(test, sem_avail(s), 3ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b, 7), 0);
	KUNIT_EXPECT_EQ(test, sem_avail(s), 10ULL);
	gs_sem_destroy(s);
}

/* Non-robust: permits belong to nobody; anyone may release what is taken. */
static void sem_nonrobust_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(4, false);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 3), 0);
	KUNIT_EXPECT_EQ(test, a.permits, 0ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b, 4), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b, 2), 0);
	gs_sem_holder_gone(s, &a);	/* nothing to return */
	KUNIT_EXPECT_EQ(test, sem_avail(s), 3ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b, 1), 0);
	gs_sem_destroy(s);
}

/*
 * x/sync's TestLargeAcquireDoesntStarve: a waiting Acquire of the whole
 * semaphore is not overtaken by a stream of small ones that would fit.
 */
static void sem_large_acquire_doesnt_starve_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(2, true);
	struct gs_holder a = {}, c = {};
	struct blocker big = { .n = 2 };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &a, 1), 0);
	blocker_start(test, &big, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	/* one permit is free, but the big waiter is first */
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &c, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_sem_acquire(s, &c, 1, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(big.finished));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&big), 0);
	KUNIT_EXPECT_EQ(test, big.holder.permits, 2ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &big.holder, 2), 0);
	gs_sem_destroy(s);
}

/*
 * x/sync's TestAllocCancelDoesntStarve: when the large waiter at the front
 * gives up, the small ones behind it that fit are granted at once.
 */
static void sem_cancel_doesnt_starve_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(10, true);
	struct blocker big = { .n = 10 }, small = { .n = 1 };
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &a, 1), 0);
	blocker_start(test, &big, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	blocker_start(test, &small, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	blocker_signal(&big);
	KUNIT_EXPECT_EQ(test, blocker_finish(&big), -EINTR);
	KUNIT_EXPECT_EQ(test, big.holder.permits, 0ULL);
	KUNIT_EXPECT_EQ(test, blocker_finish(&small), 0);
	KUNIT_EXPECT_EQ(test, sem_avail(s), 8ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &small.holder, 1), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 1), 0);
	gs_sem_destroy(s);
}

/*
 * A selection's ACQUIRE case queued in the FIFO (gs_sem_arm()): Release
 * grants it in its turn by claiming its selection, before an Acquire queued
 * later; drops it once decided elsewhere, even at the front where it would
 * not fit; keeps its turn, granting none behind it, while its owner claims
 * it for a channel case; and a case that leaves the front, by its own try
 * or its disarm, lets the next in.
 */
static void sem_sel_queue_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(2, true);
	struct gs_holder a = {}, h = {};
	struct gs_sem_waiter w = {};
	struct blocker b = { .n = 1 }, c = { .n = 1 };
	struct gs_sel sel;
	bool granted;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_acquire(s, &a, 2, FOREVER), 0);

	/* Its turn: granted before the Acquire behind it. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_sem_arm(s, &h, 1, &sel, 2, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, s->nr_waiters, 0U);	/* Acquires only */
	blocker_start(test, &b, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 2);
	KUNIT_EXPECT_EQ(test, h.permits, 1ULL);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(b.finished));
	KUNIT_EXPECT_EQ(test, gs_sem_disarm(s, &w), 0);
	KUNIT_EXPECT_EQ(test, stat_of(s->stats, GOSYNC_STAT_SEM_ACQUIRES), 2);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);

	/* Decided elsewhere: dropped; the Acquire behind it fits. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_sem_arm(s, &h, 2, &sel, 0, &w), -EAGAIN);
	blocker_start(test, &b, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &h, 1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&w.node));
	KUNIT_EXPECT_EQ(test, gs_sem_disarm(s, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, b.holder.permits, 2ULL);

	/*
	 * Busy: its turn is kept, none behind it is granted; its own try
	 * takes, and the Acquire behind it gets what is left, with no Release.
	 */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_sem_arm(s, &h, 1, &sel, 0, &w), -EAGAIN);
	blocker_start(test, &c, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sel));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b.holder, 2), 0);
	KUNIT_EXPECT_FALSE(test, list_empty(&w.node));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(c.finished));		/* not past it */
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 1), -EBUSY);	/* FIFO */
	gs_sel_unclaim(&sel);
	KUNIT_EXPECT_EQ(test, gs_sem_try_case(s, &a, 1, NULL, 0, &(struct gs_sem_waiter){}),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_sem_try_case(s, &h, 1, &sel, 0, &w), 0);
	KUNIT_EXPECT_EQ(test, h.permits, 1ULL);
	/* that try granted it, or nothing will: interrupt it, so that the test ends */
	granted = sem_waiters_are(s, 0);
	KUNIT_EXPECT_TRUE_MSG(test, granted, "the Acquire behind the case waits, a permit free");
	if (!granted)
		blocker_signal(&c);
	KUNIT_EXPECT_EQ(test, blocker_finish(&c), 0);
	KUNIT_EXPECT_EQ(test, c.holder.permits, 1ULL);
	KUNIT_EXPECT_EQ(test, sem_avail(s), 0ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_disarm(s, &w), -EAGAIN);
	/* back as the next part expects: one permit each to h and b */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &c.holder, 1), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &b.holder, 1), 0);

	/* Leaving the front lets the Acquire behind it in. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_sem_arm(s, &a, 2, &sel, 0, &w), -EAGAIN);
	blocker_start(test, &b, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &h, 1), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(b.finished));	/* behind one that does not fit */
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));
	KUNIT_EXPECT_EQ(test, gs_sem_disarm(s, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	KUNIT_EXPECT_EQ(test, a.permits, 0ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &b.holder, 2), 0);
	gs_sem_destroy(s);
}

/* A closing holder's permits return and are granted to the waiters. */
static void sem_holder_gone_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(5, true);
	struct blocker w = { .n = 5 };
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &a, 2), 0);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &a, 1), 0);
	blocker_start(test, &w, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	gs_sem_holder_gone(s, &a);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, a.permits, 0ULL);
	KUNIT_EXPECT_EQ(test, stat_of(s->stats, GOSYNC_STAT_SEM_ABANDONED), 3ULL);
	gs_sem_holder_gone(s, &w.holder);
	KUNIT_EXPECT_EQ(test, sem_avail(s), 5ULL);
	gs_sem_destroy(s);
}

static unsigned int nr_finished(struct blocker *b, unsigned int n)
{
	unsigned int i, done = 0;

	for (i = 0; i < n; i++)
		done += READ_ONCE(b[i].finished);
	return done;
}

/* How MANY_SLEEPERS waiters of @s get their permits: */
enum sem_grant_by {
	SEM_BY_RELEASE,		/* a Release of every permit */
	SEM_BY_CLOSE,		/* the holder of every permit closes */
	SEM_BY_CANCEL,		/* the waiter for all of them in front gives up */
};

/*
 * More waiters than one wake batch, all granted by one event: nothing else
 * would grant those left queued (the hang this test was written for).
 * Return: true if all were.
 */
static bool sem_grant_many(struct kunit *test, struct gs_sem *s, enum sem_grant_by by)
{
	struct blocker *b = kunit_kcalloc(test, MANY_SLEEPERS, sizeof(*b), GFP_KERNEL);
	unsigned int i, granted = 0, queued = MANY_SLEEPERS;
	struct blocker big = { .n = s->size };
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_NULL(test, b);
	/* every permit; or one, and a waiter in front wants them all */
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &a, by == SEM_BY_CANCEL ? 1 : s->size), 0);
	if (by == SEM_BY_CANCEL) {
		blocker_start(test, &big, do_sem_acquire, s);
		KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
		queued++;
	}
	for (i = 0; i < MANY_SLEEPERS; i++) {
		b[i].n = 1;
		blocker_start(test, &b[i], do_sem_acquire, s);
	}
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, queued)));
	switch (by) {
	case SEM_BY_RELEASE:
		KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, s->size), 0);
		break;
	case SEM_BY_CLOSE:
		gs_sem_holder_gone(s, &a);
		break;
	case SEM_BY_CANCEL:
		blocker_signal(&big);
		KUNIT_EXPECT_EQ(test, blocker_finish(&big), -EINTR);
		break;
	}
	wait_until(nr_finished(b, MANY_SLEEPERS) == MANY_SLEEPERS);
	/* Any left were not granted: interrupt them, so that the test ends. */
	for (i = 0; i < MANY_SLEEPERS; i++)
		if (!READ_ONCE(b[i].finished))
			blocker_signal(&b[i]);
	for (i = 0; i < MANY_SLEEPERS; i++) {
		granted += !blocker_finish(&b[i]);
		gs_sem_holder_gone(s, &b[i].holder);
	}
	gs_sem_holder_gone(s, &a);
	KUNIT_EXPECT_EQ(test, granted, (unsigned int)MANY_SLEEPERS);
	KUNIT_EXPECT_TRUE(test, sem_waiters_are(s, 0));
	KUNIT_EXPECT_EQ(test, sem_avail(s), s->size);
	return granted == MANY_SLEEPERS;
}

static void sem_many_waiters_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(MANY_SLEEPERS + 1, true);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	/* A failed round leaves a 512-byte KUnit log no room for more. */
	if (sem_grant_many(test, s, SEM_BY_RELEASE) &&
	    sem_grant_many(test, s, SEM_BY_CLOSE))
		sem_grant_many(test, s, SEM_BY_CANCEL);
	gs_sem_destroy(s);
}

/* x/sync's TestWeighted: threads take random weights; never more than size. */
struct sem_hammer {
	struct gs_sem *s;
	atomic64_t inuse;
	atomic_t over;
	unsigned int loops;
	struct completion done[4];
};

struct sem_hammer_thread {
	struct sem_hammer *h;
	int i;
};

static int sem_hammer_fn(void *arg)
{
	struct sem_hammer_thread *t = arg;
	struct sem_hammer *h = t->h;
	struct gs_holder me = {};
	unsigned int i;

	for (i = 0; i < h->loops; i++) {
		u64 n = get_random_u32_below(h->s->size) + 1;

		if (gs_sem_acquire(h->s, &me, n, FOREVER)) {
			atomic_inc(&h->over);
			break;
		}
		if (atomic64_add_return(n, &h->inuse) > h->s->size)
			atomic_inc(&h->over);
		cond_resched();
		atomic64_sub(n, &h->inuse);
		if (gs_sem_release(h->s, &me, n))
			atomic_inc(&h->over);
	}
	complete(&h->done[t->i]);
	return 0;
}

static void sem_hammer_test(struct kunit *test)
{
	struct sem_hammer h = { .loops = 2000 };
	struct sem_hammer_thread t[ARRAY_SIZE(h.done)];
	struct task_struct *task;
	unsigned int i, started;

	h.s = gs_sem_create(4, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h.s);
	for (started = 0; started < ARRAY_SIZE(t); started++) {
		t[started] = (struct sem_hammer_thread){ .h = &h, .i = started };
		init_completion(&h.done[started]);
		task = kthread_run(sem_hammer_fn, &t[started], "gosync_sem%u", started);
		if (IS_ERR(task))
			break;
	}
	/* (the threads use h, on this stack: wait for those that started) */
	for (i = 0; i < started; i++)
		wait_done(&h.done[i]);
	KUNIT_EXPECT_EQ(test, started, (unsigned int)ARRAY_SIZE(t));
	KUNIT_EXPECT_EQ(test, atomic_read(&h.over), 0);
	KUNIT_EXPECT_EQ(test, sem_avail(h.s), 4ULL);
	gs_sem_destroy(h.s);
}

/* ---- Cond ---- */

struct cond_fixture {
	struct gs_obj *mobj;
	struct gs_mutex *m;
	struct gs_cond *c;
};

static void cond_setup(struct kunit *test, struct cond_fixture *f)
{
	struct gs_mutex *m = gs_mutex_create(true);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	f->mobj = gs_obj_new(&gs_mutex_type, m, 0600);
	if (IS_ERR(f->mobj))
		gs_mutex_destroy(m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->mobj);
	f->m = m;
	f->c = gs_cond_create(f->mobj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->c);
	/* the Cond's reference keeps the Mutex: drop the test's */
	gs_obj_put(f->mobj);
}

/* Go's waiter: lock, wait, note the order it woke in, unlock. */
static atomic_t cond_woken_order;

static int do_cond_wait(struct blocker *b)
{
	struct gs_cond *c = b->obj;
	int ret;

	ret = gs_mutex_lock(c->mutex, &b->holder, FOREVER);
	if (ret)
		return ret;
	ret = gs_cond_wait(c, &b->holder, FOREVER);
	b->result = atomic_inc_return(&cond_woken_order);
	gs_mutex_unlock(c->mutex);
	return ret;
}

static bool cond_waiters_are(struct gs_cond *c, unsigned int n)
{
	return gs_cond_waiters(c) == n;
}

/* Go's TestCondSignal and TestCondSignalGenerations: one each, oldest first. */
static void cond_signal_test(struct kunit *test)
{
	struct cond_fixture f;
	struct blocker b[4] = {};
	int i;

	cond_setup(test, &f);
	atomic_set(&cond_woken_order, 0);
	KUNIT_EXPECT_EQ(test, gs_cond_signal(f.c, false), 0U);	/* lost, as in Go */
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		blocker_start(test, &b[i], do_cond_wait, f.c);
		KUNIT_EXPECT_TRUE(test, wait_until(cond_waiters_are(f.c, i + 1)));
	}
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		KUNIT_EXPECT_EQ(test, gs_cond_signal(f.c, false), 1U);
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
		KUNIT_EXPECT_EQ(test, b[i].result, (u32)i + 1);
		KUNIT_EXPECT_EQ(test, nr_finished(b, ARRAY_SIZE(b)), (unsigned int)i + 1);
	}
	gs_cond_destroy(f.c);
}

/* Go's TestCondBroadcast: every Wait that began before it, none after. */
static void cond_broadcast_test(struct kunit *test)
{
	struct cond_fixture f;
	struct blocker b[5] = {}, late = {};
	int i;

	cond_setup(test, &f);
	for (i = 0; i < ARRAY_SIZE(b); i++)
		blocker_start(test, &b[i], do_cond_wait, f.c);
	KUNIT_EXPECT_TRUE(test, wait_until(cond_waiters_are(f.c, ARRAY_SIZE(b))));
	KUNIT_EXPECT_EQ(test, gs_cond_signal(f.c, true), (unsigned int)ARRAY_SIZE(b));
	for (i = 0; i < ARRAY_SIZE(b); i++)
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
	blocker_start(test, &late, do_cond_wait, f.c);
	KUNIT_EXPECT_TRUE(test, wait_until(cond_waiters_are(f.c, 1)));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(late.finished));
	KUNIT_EXPECT_EQ(test, gs_cond_signal(f.c, true), 1U);
	KUNIT_EXPECT_EQ(test, blocker_finish(&late), 0);
	gs_cond_destroy(f.c);
}

/* Timeouts and signals end the wait with the Mutex locked again. */
static void cond_relock_test(struct kunit *test)
{
	struct gs_holder a = {};
	struct cond_fixture f;
	struct blocker b = {};

	cond_setup(test, &f);
	/* Go: "sync: unlock of unlocked mutex" */
	KUNIT_EXPECT_EQ(test, gs_cond_wait(f.c, &a, FOREVER), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_cond_waiters(f.c), 0U);

	KUNIT_ASSERT_EQ(test, gs_mutex_lock(f.m, &a, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_cond_wait(f.c, &a, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(f.m->owner), &a);
	KUNIT_EXPECT_EQ(test, gs_cond_waiters(f.c), 0U);

	/* a waiter interrupted while we hold the Mutex relocks after us */
	blocker_start(test, &b, do_cond_wait, f.c);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(f.m), 0);
	KUNIT_EXPECT_TRUE(test, wait_until(cond_waiters_are(f.c, 1)));
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(f.m, &a, FOREVER), 0);
	blocker_signal(&b);
	KUNIT_EXPECT_TRUE(test, wait_until(cond_waiters_are(f.c, 0)));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(b.finished));	/* waits for the Mutex */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(f.m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EINTR);
	KUNIT_EXPECT_EQ(test, stat_of(f.c->stats, GOSYNC_STAT_COND_TIMEOUTS), 2ULL);
	gs_cond_destroy(f.c);
}

/* A Wait that may be killed (@b->killable): its Mutex is not locked then. */
static int do_cond_wait_killable(struct blocker *b)
{
	struct gs_cond *c = b->obj;
	int ret;

	ret = gs_mutex_lock(c->mutex, &b->holder, FOREVER);
	if (ret)
		return ret;
	ret = gs_cond_wait(c, &b->holder, FOREVER);
	if (!fatal_signal_pending(current))
		gs_mutex_unlock(c->mutex);
	return ret;
}

/*
 * A Wait that a Signal woke and that is killed while it relocks the Mutex
 * (the Signal's caller holds it) passes the Signal on to the next Wait, as
 * one killed before it relocks does: the Signal is not lost. With @woken,
 * the Mutex is unlocked after the kill and before the Wait runs again, so
 * its retry finds the Mutex free and takes it, signal or not: it must not
 * keep it (the task never returns to Unlock) nor the Signal.
 */
static void cond_killed_relock_test(struct kunit *test)
{
	int woken;

	for (woken = 0; woken < 2; woken++) {
		struct gs_holder a = {};
		struct cond_fixture f;
		struct blocker w1 = { .killable = true }, w2 = {};
		bool passed, ok, locked = false;

		cond_setup(test, &f);
		blocker_start(test, &w1, do_cond_wait_killable, f.c);
		ok = (!woken || blocker_pin(test, &w1)) &&
		     expect_true(test, wait_until(cond_waiters_are(f.c, 1)));
		blocker_start(test, &w2, do_cond_wait, f.c);
		ok = ok && expect_true(test, wait_until(cond_waiters_are(f.c, 2)));
		if (ok) {
			locked = expect_true(test, !gs_mutex_lock(f.m, &a, FOREVER));
			ok = locked;
		}
		if (ok) {
			KUNIT_EXPECT_EQ(test, gs_cond_signal(f.c, false), 1U);	/* wakes w1 */
			ok = expect_true(test, wait_until(nr_waiters_is(&f.m->lock,
									&f.m->waiters, 1)));
		}
		if (ok && woken)
			ok = blocker_kill(test, &w1, then_mutex_unlock, f.m);
		else if (ok)
			send_sig(SIGKILL, w1.task, 1);
		if (woken)
			blocker_unpin();
		if (!ok) {
			/* end both Waits: they relock the Mutex, once we let it go */
			blocker_signal(&w1);
			blocker_signal(&w2);
			if (locked)
				gs_mutex_unlock(f.m);
			blocker_finish(&w1);
			blocker_finish(&w2);
			gs_cond_destroy(f.c);
			return;
		}
		KUNIT_EXPECT_EQ(test, blocker_finish(&w1), -EINTR);
		passed = wait_until(cond_waiters_are(f.c, 0));
		KUNIT_EXPECT_TRUE_MSG(test, passed, "woken %d: the Signal was lost", woken);
		if (!passed) {
			/* the old module: end w2 (with @woken, w1 kept the Mutex too) */
			if (woken)
				gs_mutex_unlock(f.m);
			gs_cond_signal(f.c, false);
		}
		if (!woken)
			KUNIT_EXPECT_EQ(test, gs_mutex_unlock(f.m), 0);
		KUNIT_EXPECT_EQ(test, blocker_finish(&w2), 0);
		if (woken)	/* w2 unlocked it */
			KUNIT_EXPECT_EQ(test, gs_mutex_unlock(f.m), -EPERM);
		KUNIT_EXPECT_EQ(test, stat_of(f.c->stats, GOSYNC_STAT_COND_SIGNALS),
				passed ? 1ULL : 2ULL);
		gs_cond_destroy(f.c);
	}
}

/* Non-robust: any holder may release what is taken. */
static void release_then(struct kunit *test, void *s)
{
	struct gs_holder other = {};

	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &other, 1), 0);
}

/*
 * An Acquire killed while it waits, and a Release before it runs again:
 * the Release grants it the permit (it is still queued), and it must give
 * the permit back, not die with it (x/sync: an Acquire whose context ends
 * as the permits come puts them back).
 */
static void sem_killed_then_granted_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(1, false);
	struct gs_holder a = {};
	struct blocker w = { .n = 1, .killable = true };
	bool got, ok;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_acquire(s, &a, 1, FOREVER), 0);
	blocker_start(test, &w, do_sem_acquire, s);
	ok = blocker_pin(test, &w) && expect_true(test, wait_until(sem_waiters_are(s, 1))) &&
	     blocker_kill(test, &w, release_then, s);
	blocker_unpin();
	if (!ok) {
		blocker_cancel(&w);
		gs_sem_destroy(s);
		return;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	/* a's Acquire, then w's grant and its give-back: counted, both */
	KUNIT_EXPECT_EQ(test, stat_of(s->stats, GOSYNC_STAT_SEM_ACQUIRES), 2ULL);
	KUNIT_EXPECT_EQ(test, stat_of(s->stats, GOSYNC_STAT_SEM_RELEASES), 2ULL);
	got = !gs_sem_tryacquire(s, &a, 1);
	KUNIT_EXPECT_TRUE(test, got);	/* the permit is free again */
	if (got)
		gs_sem_release(s, &a, 1);
	gs_sem_destroy(s);
}

/*
 * An Acquire that a signal interrupts as a Release grants it the permit:
 * the grant wins, it returns 0 holding the permit (docs/uapi.md, "Waits"),
 * and nothing is lost or taken twice.
 */
static void sem_granted_beats_signal_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(1, false);
	struct gs_holder a = {};
	struct blocker w = { .n = 1 };
	bool ok;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_acquire(s, &a, 1, FOREVER), 0);
	blocker_start(test, &w, do_sem_acquire, s);
	ok = blocker_pin(test, &w) && expect_true(test, wait_until(sem_waiters_are(s, 1))) &&
	     blocker_race(test, &w, SIGUSR1, release_then, s);
	blocker_unpin();
	if (!ok) {
		blocker_cancel(&w);
		gs_sem_destroy(s);
		return;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 1), -EBUSY);	/* w's */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &w.holder, 1), 0);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 1), 0);
	gs_sem_release(s, &a, 1);
	gs_sem_destroy(s);
}

/* Signal as fast as it can until told to stop; b->n: the Waits it woke */
static bool cond_signal_stop;

static int do_cond_signal_loop(struct blocker *b)
{
	while (!READ_ONCE(cond_signal_stop)) {
		b->n += gs_cond_signal(b->obj, false);
		cond_resched();
	}
	return 0;
}

/*
 * A Wait on an unlocked Mutex is queued until its Unlock fails: a Signal
 * that dequeues it meanwhile must not be dequeued again (it was a double
 * list_del, which the debug kernel's list checks report). Every Wait must
 * fail with EPERM and leave nothing queued; how often a Signal found one
 * queued is only logged (the race may not happen in a given run).
 */
static void cond_eperm_vs_signal_test(struct kunit *test)
{
	struct gs_holder a = {};
	struct cond_fixture f;
	struct blocker sig = {};
	int i, eperm = 0;

	cond_setup(test, &f);
	WRITE_ONCE(cond_signal_stop, false);
	blocker_start(test, &sig, do_cond_signal_loop, f.c);
	for (i = 0; i < 20000; i++)
		eperm += gs_cond_wait(f.c, &a, FOREVER) == -EPERM;
	WRITE_ONCE(cond_signal_stop, true);
	KUNIT_EXPECT_EQ(test, blocker_finish(&sig), 0);
	KUNIT_EXPECT_EQ(test, eperm, 20000);
	KUNIT_EXPECT_EQ(test, gs_cond_waiters(f.c), 0U);
	kunit_info(test, "Signals that found a failing Wait queued: %llu\n", sig.n);
	gs_cond_destroy(f.c);
}

static struct kunit_case gs_sem_cond_cases[] = {
	KUNIT_CASE(sem_basic_test),
	KUNIT_CASE(sem_nonrobust_test),
	KUNIT_CASE(sem_large_acquire_doesnt_starve_test),
	KUNIT_CASE(sem_cancel_doesnt_starve_test),
	KUNIT_CASE(sem_sel_queue_test),
	KUNIT_CASE(sem_holder_gone_test),
	KUNIT_CASE(sem_many_waiters_test),
	KUNIT_CASE(sem_hammer_test),
	KUNIT_CASE(cond_signal_test),
	KUNIT_CASE(cond_broadcast_test),
	KUNIT_CASE(cond_relock_test),
	KUNIT_CASE(cond_killed_relock_test),
	KUNIT_CASE(sem_killed_then_granted_test),
	KUNIT_CASE(sem_granted_beats_signal_test),
	KUNIT_CASE(cond_eperm_vs_signal_test),
	{}
};

static struct kunit_suite gs_sem_cond_suite = {
	.name = "gosync_sem_cond",
	.test_cases = gs_sem_cond_cases,
};

kunit_test_suite(gs_sem_cond_suite);
