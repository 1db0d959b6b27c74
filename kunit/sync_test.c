// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of gosync's blocking primitives (kmod/mutex.c, rwmutex.c,
 * waitgroup.c, once.c), called directly: each state machine, the misuse
 * errors, starvation-mode handoff, writer preference, holder death, signals,
 * and kthreads for the concurrent cases (ports of Go's TestMutexFairness,
 * HammerRWMutex and TestOnce).
 */
#include "gs_kunit.h"

static int do_wg_wait(struct blocker *b)
{
	return gs_waitgroup_wait(b->obj, FOREVER);
}

/* @w runs a Wait on @wg, and is counted asleep in it before this returns. */
static void wg_wait_asleep(struct kunit *test, struct blocker *w, struct gs_waitgroup *wg)
{
	blocker_start(test, w, do_wg_wait, wg);
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(wg->waiters) == 1));
}

static int do_once(struct blocker *b)
{
	return gs_once_do(b->obj, &b->holder, FOREVER, &b->result);
}

static bool mutex_has_waiters(struct gs_mutex *m)
{
	return !nr_waiters_is(&m->lock, &m->waiters, 0);
}

/* ---- Mutex ---- */

static void mutex_basic_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), -EPERM);	/* unlock of unlocked */
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_FALSE(test, mutex_has_waiters(m));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);	/* any holder may */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, FOREVER), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &b);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), -EPERM);
	gs_mutex_destroy(m);
}

static void mutex_robust_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	gs_mutex_holder_gone(m, &b);		/* not the owner: nothing */
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &a);
	gs_mutex_holder_gone(m, &a);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EOWNERDEAD);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &b);	/* EOWNERDEAD still locks */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);	/* told once */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* A blocked waiter learns of the death too. */
static void mutex_robust_waiter_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {};
	struct blocker w = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	blocker_start(test, &w, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	gs_mutex_holder_gone(m, &a);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EOWNERDEAD);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &w.holder);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* The holder (its description closes, in mode 2) of the *_killed_then_* tests */
static struct gs_holder killed_holder;

static void holder_gone_then(struct kunit *test, void *m)
{
	gs_mutex_holder_gone(m, &killed_holder);
}

/*
 * A Lock killed while it sleeps, and an Unlock before it runs again: in
 * normal mode (0) its retry finds the Mutex free, in starvation mode (1)
 * the Unlock hands it over. Either way the dying task must not keep it (a
 * non-robust Mutex would stay locked for good): it is free afterwards.
 * (2) A robust Mutex whose holder dies instead: the Lock is handed it with
 * EOWNERDEAD and gives it back, and the next locker is told of the death.
 */
static void mutex_killed_then_unlocked_test(struct kunit *test)
{
	int mode;

	for (mode = 0; mode < 3; mode++) {
		struct gs_mutex *m = gs_mutex_create(mode == 2);
		struct blocker w = { .killable = true };
		bool ok;
		int ret;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
		killed_holder = (struct gs_holder){};
		KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &killed_holder, FOREVER), 0);
		blocker_start(test, &w, blocker_mutex_lock, m);
		ok = blocker_pin(test, &w) &&
		     expect_true(test, wait_until(mutex_has_waiters(m) &&
						  !READ_ONCE(w.task->on_rq)));
		/*
		 * w wakes past Go's 1 ms to find it taken again: starving. A
		 * slow guest may have got there already (w's Lock took over
		 * 1 ms to queue): then the Unlock would hand it to w.
		 */
		if (ok && mode == 1 && !READ_ONCE(m->starving)) {
			usleep_range(2000, 3000);
			sched_set_fifo(current);
			KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
			KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &killed_holder), 0);
			sched_set_normal(current, 0);
		}
		if (ok && mode == 1)
			ok = expect_true(test, wait_until(READ_ONCE(m->starving) &&
							  !READ_ONCE(w.task->on_rq)));
		ok = ok && blocker_kill(test, &w, mode == 2 ? holder_gone_then :
					then_mutex_unlock, m);
		blocker_unpin();
		if (!ok) {
			/* not killed: end its Lock; free the Mutex, whoever has it */
			blocker_cancel(&w);
			gs_mutex_unlock(m);
			gs_mutex_destroy(m);
			return;
		}
		KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
		ret = gs_mutex_trylock(m, &killed_holder);
		KUNIT_EXPECT_EQ_MSG(test, ret, mode == 2 ? -EOWNERDEAD : 0,
				    "mode %d: the killed Lock kept it", mode);
		gs_mutex_unlock(m);
		gs_mutex_destroy(m);
	}
}

static void mutex_nonrobust_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(false);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	gs_mutex_holder_gone(m, &a);		/* Go: stays locked */
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EBUSY);
	/* ...by no open description: not one at the closed one's address */
	spin_lock(&m->lock);
	KUNIT_EXPECT_FALSE(test, gs_mutex_holds_locked(m, &a));
	spin_unlock(&m->lock);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);	/* no EOWNERDEAD */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* In starvation mode Unlock hands the lock to the oldest waiter directly. */
static void mutex_starvation_handoff_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {};
	struct blocker w1 = {}, w2 = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	blocker_start(test, &w1, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	blocker_start(test, &w2, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)));
	usleep_range(2000, 3000);	/* both have waited over 1 ms */
	spin_lock(&m->lock);
	m->starving = true;		/* as a waiter past 1 ms would set it */
	spin_unlock(&m->lock);

	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* Handed off synchronously: a newcomer cannot barge */
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(m->owner), &w1.holder);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), -EBUSY);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), 0);

	/* w1 waited > 1 ms and w2 still waits: starvation mode stays */
	KUNIT_EXPECT_TRUE(test, m->starving);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(m->owner), &w2.holder);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w2), 0);
	/* The last waiter got it: back to normal mode */
	KUNIT_EXPECT_FALSE(test, m->starving);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* Starvation mode, as a waiter past 1 ms would set it */
static void mutex_set_starving(struct gs_mutex *m)
{
	spin_lock(&m->lock);
	m->starving = true;
	spin_unlock(&m->lock);
}

/*
 * Normal mode: an Unlock wakes the oldest Lock, past the selections' cases
 * queued before it (they are woken with the pollers); with only cases
 * queued, it wakes no Lock and the lock stays free.
 */
static void mutex_normal_wakes_lock_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_mutex_waiter w[3] = {};
	struct gs_holder a = {}, h = {};
	struct blocker l = {};
	struct gs_sel sel;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	gs_sel_init(&sel);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &h, &sel, i, &w[i]), -EAGAIN);
	blocker_start(test, &l, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 4)));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(m->starving));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&l), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &l.holder);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), GS_SEL_NONE);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);	/* no Lock left to wake */
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), GS_SEL_NONE);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &w[i]), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, list_empty(&m->lockers));
	gs_mutex_destroy(m);
}

/*
 * A selection's LOCK case queued in the FIFO (gs_mutex_arm()): in starvation
 * mode Unlock hands it the lock in its turn by claiming its selection, drops
 * it if the selection was decided elsewhere, passes it over while its owner
 * claims it for a channel case, and a queued case that leaves passes a free
 * lock on.
 */
static void mutex_sel_queue_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {}, h = {};
	struct gs_mutex_waiter w = {};
	struct blocker l1 = {}, l2 = {};
	struct gs_sel sel;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);

	/* Decided elsewhere: dropped from the queue, the Lock behind gets it. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &h, &sel, 0, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, m->nr_waiters, 0U);	/* Locks only */
	blocker_start(test, &l1, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)));
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&l1), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &l1.holder);
	KUNIT_EXPECT_TRUE(test, list_empty(&w.node));
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &w), -EAGAIN);

	/* Busy: passed over for the Lock behind; handed the lock next time. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &h, &sel, 3, &w), -EAGAIN);
	blocker_start(test, &l2, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)));
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sel));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&l2), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &l2.holder);
	KUNIT_EXPECT_FALSE(test, list_empty(&w.node));
	gs_sel_unclaim(&sel);
	mutex_set_starving(m);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 3);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &h);
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &w), 0);
	KUNIT_EXPECT_EQ(test, stat_of(m->stats, GOSYNC_STAT_LOCKS), 4);

	/*
	 * Passed over with no one else to take it, the lock stays free and a
	 * new Lock queues behind; the case then completes elsewhere and
	 * leaving, passes the lock to that Lock.
	 */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &h, &sel, 1, &w), -EAGAIN);
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sel));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), -EBUSY);	/* its turn */
	blocker_start(test, &l1, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)));
	gs_sel_commit(&sel, 2);
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, blocker_finish(&l1), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &l1.holder);

	/* Busy, then not: first in the queue, its own try takes the free lock. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &h, &sel, 0, &w), -EAGAIN);
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sel));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_sel_unclaim(&sel);
	KUNIT_EXPECT_EQ(test, gs_mutex_try_case(m, &a, NULL, 0, &(struct gs_mutex_waiter){}),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_mutex_try_case(m, &h, &sel, 0, &w), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &h);
	KUNIT_EXPECT_TRUE(test, list_empty(&m->waiters));
	KUNIT_EXPECT_FALSE(test, m->starving);		/* the last waiter took it */
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* A poller's (or a sleeping selection's) entry on an object's wait queue */
struct poll_entry {
	struct wait_queue_entry wqe;
	bool woken;
};

static int poll_entry_wake(struct wait_queue_entry *wqe, unsigned int mode, int flags,
			   void *key)
{
	WRITE_ONCE(container_of(wqe, struct poll_entry, wqe)->woken, true);
	return 0;
}

/*
 * Starvation mode, the lock free behind a case its owner was claiming for
 * a channel (B, passed over by Unlock), and a second case queued behind it
 * (A). B's selection completes elsewhere and B leaves while A is being
 * claimed too: A is passed over as well, and must hear of the free lock
 * from the pollers' wake-up, as from Unlock's; without one it slept first
 * in the queue with the lock free, and every Lock queued behind it.
 */
static void mutex_sel_left_wakes_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {}, ha = {}, hb = {};
	struct gs_mutex_waiter wa = {}, wb = {};
	struct poll_entry p = {};
	struct gs_sel sa, sb;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	gs_sel_init(&sb);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &hb, &sb, 0, &wb), -EAGAIN);
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sb));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);		/* B passed over */
	gs_sel_init(&sa);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &ha, &sa, 0, &wa), -EAGAIN);	/* B's turn */
	init_waitqueue_func_entry(&p.wqe, poll_entry_wake);
	add_wait_queue(&m->wq, &p.wqe);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sa));
	gs_sel_commit(&sb, 2);					/* B won elsewhere */
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &wb), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);		/* A passed over too */
	remove_wait_queue(&m->wq, &p.wqe);
	KUNIT_EXPECT_TRUE_MSG(test, p.woken, "the passed-over case was not woken");
	/* A's claim fails; its owner, woken, tries again: first, it takes it */
	gs_sel_unclaim(&sa);
	KUNIT_EXPECT_EQ(test, gs_mutex_try_case(m, &ha, &sa, 0, &wa), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &ha);
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &wa), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/*
 * Starvation mode, the lock free behind the only queued case (B), passed
 * over while its owner claimed it for a channel: a poller (the Go
 * package's Lock, a wait-all) is kept out, it is B's turn. B's selection
 * completes elsewhere and B leaves the lock free with nobody queued: the
 * poller must be told (it slept on until someone else touched the lock),
 * and with nobody left to starve, starvation mode ends.
 */
static void mutex_sel_left_last_wakes_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {}, hb = {}, c = {};
	struct gs_mutex_waiter wb = {};
	struct poll_entry p = {};
	struct gs_sel sb;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	gs_sel_init(&sb);
	KUNIT_EXPECT_EQ(test, gs_mutex_arm(m, &hb, &sb, 0, &wb), -EAGAIN);
	mutex_set_starving(m);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sb));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);		/* B passed over */
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &c), -EBUSY);	/* B's turn */
	init_waitqueue_func_entry(&p.wqe, poll_entry_wake);
	add_wait_queue(&m->wq, &p.wqe);
	gs_sel_commit(&sb, 1);					/* B won elsewhere */
	KUNIT_EXPECT_EQ(test, gs_mutex_disarm(m, &wb), -EAGAIN);
	remove_wait_queue(&m->wq, &p.wqe);
	KUNIT_EXPECT_TRUE_MSG(test, p.woken, "the poller was not told of the free lock");
	KUNIT_EXPECT_FALSE(test, m->starving);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &c), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &c);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* ---- Mutex, mapped: the word shared with userspace (GOSYNC_CREATE_MAPPED) ---- */

/* What libgosync's fast path does to the word */
static bool fast_lock(u32 *word, u32 token)
{
	return cmpxchg(word, 0, token) == 0;
}

static bool fast_unlock(u32 *word, u32 token)
{
	return cmpxchg(word, token, 0) == token;
}

static struct gs_mutex *mapped_mutex(struct kunit *test, bool robust, u32 **word)
{
	struct gs_mutex *m = gs_mutex_create(robust);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	*word = kunit_kzalloc(test, sizeof(**word), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *word);
	gs_mutex_map(m, *word);
	return m;
}

/* Fast-path and kernel lockers agree on the word; the kernel fences it. */
static void mapped_mutex_word_test(struct kunit *test)
{
	struct gs_holder a = { .token = 1 }, b = { .token = 2 };
	struct blocker w = { .holder.token = 3 };
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, true, &word);

	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EBUSY);
	/* fenced to look, then not: nobody waits, the holder's Unlock is a CAS */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));
	/* with a Lock queued, a failed TryLock leaves the fence the waiter needs */
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	blocker_start(test, &w, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1 | GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_FALSE(test, fast_unlock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 3);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 3));
	/* the kernel's Unlock of a fast-path holder's lock: Go lets anyone */
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	/* Unlock fences before it looks; finding it free, it unfences */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), -EPERM);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	/* nobody else waits or watches: taken unfenced, back to the fast path */
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_FALSE(test, fast_lock(word, 1));
	spin_lock(&m->lock);
	KUNIT_EXPECT_TRUE(test, gs_mutex_holds_locked(m, &b));
	KUNIT_EXPECT_FALSE(test, gs_mutex_holds_locked(m, &a));
	spin_unlock(&m->lock);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);	/* the word is the truth */
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 2));
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	/* uncontended fast path: the kernel sees nothing */
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));
	/* the queued Lock, a Lock, a TryLock */
	KUNIT_EXPECT_EQ(test, stat_of(m->stats, GOSYNC_STAT_LOCKS), 3);
	gs_mutex_destroy(m);
}

/*
 * While a poller watches, an Unlock through the kernel leaves the word
 * fenced: a fast Lock that takes it before the poller looks must unlock
 * through the kernel, which wakes the poller again (edge-triggered epoll
 * hears of no other change). Unwatched, the word goes back to the fast path.
 */
static void mapped_mutex_watched_unlock_test(struct kunit *test)
{
	struct gs_holder b = { .token = 2 };
	struct wait_queue_entry wqe;
	struct gs_sel watch;
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, false, &word);

	gs_sel_init(&watch);
	init_waitqueue_func_entry(&wqe, gs_sel_wake);
	wqe.private = &watch;
	add_wait_queue(&m->wq, &wqe);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2 | GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&watch.woken), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_FALSE(test, fast_lock(word, 1));
	remove_wait_queue(&m->wq, &wqe);

	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 2));
	gs_mutex_destroy(m);
}

/*
 * Starvation mode against fast-path stealers: the waiters' fence keeps the
 * word the kernel's, so Unlock hands over and no CAS from 0 can barge.
 */
static void mapped_mutex_handoff_test(struct kunit *test)
{
	struct blocker w1 = { .holder.token = 11 }, w2 = { .holder.token = 12 };
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, true, &word);

	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	blocker_start(test, &w1, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	blocker_start(test, &w2, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)));
	usleep_range(2000, 3000);
	spin_lock(&m->lock);
	m->starving = true;
	spin_unlock(&m->lock);

	KUNIT_EXPECT_FALSE(test, fast_unlock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 11 | GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_FALSE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), 0);
	KUNIT_EXPECT_FALSE(test, fast_unlock(word, 11));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* the last waiter: handed over unfenced, its Unlock is a CAS */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 12);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w2), 0);
	KUNIT_EXPECT_FALSE(test, m->starving);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 12));
	/* no one waits: the fast path works again */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));
	gs_mutex_destroy(m);
}

/* A blocker's call: a select of one LOCK case, the struct gs_case @b->obj */
static int blocker_select(struct blocker *b)
{
	unsigned int index;

	return gs_wait_any(b->obj, 1, true, false, FOREVER, &index);
}

/*
 * A select's or wait-all's case fences a mapped word to look, and takes the
 * lock while it watches (so the word keeps WAITERS): once the wait watches
 * no more and nobody else waits, the word goes back to the fast path, and
 * the holder's Unlock is a CAS. It stayed fenced until the next call
 * through the kernel: a syscall for every Unlock after a Go Lock that waited.
 */
static void mapped_mutex_select_settle_test(struct kunit *test)
{
	struct blocker b = { .holder.token = 2 };
	struct gs_holder h = { .token = 3 };
	struct gs_case c, all[2];
	unsigned int index;
	u32 *word, *word2;
	bool ok;
	struct gs_mutex *m = mapped_mutex(test, false, &word);
	struct gs_mutex *m2 = mapped_mutex(test, false, &word2);

	/* ANY: waits for a fast-path holder, is handed the lock */
	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	case_init(&c, &gs_mutex_type, m, &b.holder, GOSYNC_CASE_LOCK);
	blocker_start(test, &b, blocker_select, &c);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1 | GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	KUNIT_EXPECT_EQ(test, c.result, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	ok = fast_unlock(word, 2);
	KUNIT_EXPECT_TRUE(test, ok);
	if (!ok)
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);

	/* ANY, NONBLOCK, and TryLock, on a held word: looked, not left fenced */
	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	case_init(&c, &gs_mutex_type, m, &h, GOSYNC_CASE_LOCK);
	KUNIT_EXPECT_EQ(test, gs_wait_any(&c, 1, true, true, FOREVER, &index), -EAGAIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &h), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));

	/* ALL, NONBLOCK: one free, one held; both looked, neither stays fenced */
	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	case_init(&all[0], &gs_mutex_type, m, &h, GOSYNC_CASE_LOCK);
	case_init(&all[1], &gs_mutex_type, m2, &h, GOSYNC_CASE_LOCK);
	KUNIT_EXPECT_EQ(test, gs_wait_all(all, 2, true, FOREVER), -EAGAIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word2), 0);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));
	/* ALL that takes both: bare tokens */
	KUNIT_EXPECT_EQ(test, gs_wait_all(all, 2, true, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 3);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word2), 3);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 3));
	KUNIT_EXPECT_TRUE(test, fast_unlock(word2, 3));
	gs_mutex_destroy(m2);
	gs_mutex_destroy(m);
}

/*
 * A lock taken for a task being killed is given back only if its holder k
 * still has it: a third party may Unlock it first (Go: anyone may) and y
 * Lock it; giving y's back would let two in. Checked and released in one
 * section. Robust, non-robust and mapped (k's token is compared; the word
 * stays y's, and a free one is not left fenced).
 */
static void mutex_give_back_test(struct kunit *test)
{
	struct gs_holder k = { .token = 1 }, y = { .token = 2 }, z = { .token = 3 };
	struct gs_mutex *m;
	u32 *word = NULL;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		m = mode == 2 ? mapped_mutex(test, true, &word) : gs_mutex_create(mode == 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &k), 0);
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);	/* a third party's */
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &y), 0);
		gs_mutex_give_back(m, &k, mode != 1);
		KUNIT_EXPECT_EQ_MSG(test, gs_mutex_trylock(m, &z), -EBUSY,
				    "mode %d: y's lock was given back for k", mode);
		if (mode == 2)
			KUNIT_EXPECT_EQ(test, READ_ONCE(*word) & GOSYNC_MUTEX_TOKEN, 2);
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);	/* y's */
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &z), 0);	/* no death told */
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
		/* k's own is given back; a robust one tells the next locker */
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &k), 0);
		gs_mutex_give_back(m, &k, mode != 1);
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &z), mode != 1 ? -EOWNERDEAD : 0);
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
		/* nothing held: nothing done, and the word is not left fenced */
		gs_mutex_give_back(m, &k, false);
		if (mode == 2)
			KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
		KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &z), 0);
		KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
		gs_mutex_destroy(m);
	}
}

/* A description that closes holding the lock in userspace: EOWNERDEAD. */
static void mapped_mutex_holder_gone_test(struct kunit *test)
{
	struct gs_holder a = { .token = 1 }, b = { .token = 2 };
	struct blocker w = { .holder.token = 3 };
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, true, &word);

	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	gs_mutex_holder_gone(m, &b);			/* not the holder: nothing */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	gs_mutex_holder_gone(m, &a);			/* no waiter: fenced, free */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_FALSE(test, fast_lock(word, 2));
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, FOREVER), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	/* and with a sleeper */
	KUNIT_ASSERT_TRUE(test, fast_lock(word, 1));
	blocker_start(test, &w, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	gs_mutex_holder_gone(m, &a);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 3);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/*
 * GOSYNC_MUTEX_SPINNING is userspace's: the kernel reads a word without a
 * token as free (a reservation whose spinner left) and drops the bit
 * whenever it writes the word.
 */
static void mapped_mutex_spinning_test(struct kunit *test)
{
	struct gs_holder a = { .token = 1 }, b = { .token = 2 };
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, true, &word);

	WRITE_ONCE(*word, GOSYNC_MUTEX_SPINNING);	/* free, reserved */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 2));
	/* held, a spinner announced: held for the kernel too */
	WRITE_ONCE(*word, 1 | GOSYNC_MUTEX_SPINNING);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &b), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1 | GOSYNC_MUTEX_SPINNING);
	spin_lock(&m->lock);
	KUNIT_EXPECT_TRUE(test, gs_mutex_holds_locked(m, &a));
	spin_unlock(&m->lock);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	/* a robust holder's death with a spinner announced */
	WRITE_ONCE(*word, 1 | GOSYNC_MUTEX_SPINNING);
	gs_mutex_holder_gone(m, &a);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), GOSYNC_MUTEX_WAITERS);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(m, &b, FOREVER), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	gs_mutex_destroy(m);
}

/*
 * Garbage in the word: every call returns, nothing is corrupted (KASAN,
 * lockdep, no WARN), and a sleeper still leaves when its Unlock comes.
 */
static void mapped_mutex_scribble_test(struct kunit *test)
{
	static const u32 junk[] = { 0xffffffff, GOSYNC_MUTEX_WAITERS, 0x80000000,
				    GOSYNC_MUTEX_TOKEN, 0x12345678, 7 };
	struct gs_holder a = { .token = 1 };
	struct blocker w = { .holder.token = 3 };
	struct gosync_state st;
	unsigned int i;
	u32 *word;
	struct gs_mutex *m = mapped_mutex(test, true, &word);
	int ret;

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		WRITE_ONCE(*word, junk[i]);
		gs_mutex_lock(m, &a, PAST);
		gs_mutex_trylock(m, &a);
		memset(&st, 0, sizeof(st));
		gs_mutex_state(m, &st, NULL, 0, task_active_pid_ns(current));
		gs_mutex_holder_gone(m, &a);
		gs_mutex_unlock(m);
		gs_mutex_unlock(m);
	}
	WRITE_ONCE(*word, 5);
	blocker_start(test, &w, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	WRITE_ONCE(*word, 0xdeadbeef);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);	/* garbage has a token */
	/* the loop's holder_gone() may have left a death to tell */
	ret = blocker_finish(&w);
	KUNIT_EXPECT_TRUE(test, ret == 0 || ret == -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	gs_mutex_destroy(m);
}

static struct gs_deadline signal_dl;

static int do_mutex_lock_dl(struct blocker *b)
{
	return gs_mutex_lock(b->obj, &b->holder, &signal_dl);
}

/*
 * What a signal returns, by deadline: a restart that a handler stops
 * (-ERESTARTNOHAND) for none or a relative one, a restart even after an
 * SA_RESTART handler (-ERESTARTSYS) for an absolute one. A wait returns it
 * and leaves the mutex as it was.
 */
static void deadline_signal_test(struct kunit *test)
{
	static const struct { u32 flags; u64 timeout_ns; int sig_ret; } c[] = {
		{ 0, 0, -ERESTARTNOHAND },
		{ GOSYNC_WAIT_TIMEOUT, NSEC_PER_SEC * 60, -ERESTARTNOHAND },
		{ GOSYNC_WAIT_ABSTIME, ~0ULL, -ERESTARTSYS },
		{ GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME, ~0ULL, -ERESTARTSYS },
	};
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct blocker w = {};

		KUNIT_ASSERT_EQ(test, gs_deadline(c[i].flags, c[i].timeout_ns, &signal_dl), 0);
		KUNIT_EXPECT_EQ(test, signal_dl.sig_ret, c[i].sig_ret);
		blocker_start(test, &w, do_mutex_lock_dl, m);
		KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
		blocker_signal(&w);
		KUNIT_EXPECT_EQ(test, blocker_finish(&w), c[i].sig_ret);
		KUNIT_EXPECT_FALSE(test, mutex_has_waiters(m));
	}
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &a);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* A signal ends the wait with EINTR and leaves the mutex as it was. */
static void mutex_signal_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder a = {};
	struct blocker w = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	blocker_start(test, &w, blocker_mutex_lock, m);
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_has_waiters(m)));
	blocker_signal(&w);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	KUNIT_EXPECT_FALSE(test, mutex_has_waiters(m));
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &a);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/*
 * A lock outlives the thread that took it: a Lock that then spins must not
 * read the exited (and freed) task. Under KASAN this failed before
 * owner_task held a reference. The holder's thread is a kthread that exits.
 */
struct lock_and_exit {
	struct gs_mutex *m;
	struct gs_rwmutex *rw;
	struct gs_holder h;
	int ret;
	struct completion locked;
};

static int lock_and_exit(void *arg)
{
	struct lock_and_exit *x = arg;

	x->ret = gs_mutex_lock(x->m, &x->h, FOREVER) ?:
		 gs_rwmutex_lock(x->rw, &x->h, true, FOREVER);
	complete(&x->locked);
	return 0;
}

static void lock_holder_exited_test(struct kunit *test)
{
	struct lock_and_exit x = { .m = gs_mutex_create(true), .rw = gs_rwmutex_create(true) };
	struct gs_deadline soon = { .clock = CLOCK_MONOTONIC };
	struct gs_holder b = {};
	struct task_struct *t;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, x.m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, x.rw);
	init_completion(&x.locked);
	t = kthread_create(lock_and_exit, &x, "gosync_lockexit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wake_up_process(t);
	wait_done(&x.locked);
	KUNIT_EXPECT_EQ(test, x.ret, 0);
	kthread_stop(t);	/* it has returned, or is about to */
	put_task_struct(t);
	/* let an exited task's RCU-deferred free happen */
	synchronize_rcu();
	rcu_barrier();
	KUNIT_EXPECT_PTR_EQ(test, x.m->owner, &x.h);
	soon.t = ktime_add_ms(ktime_get(), 20);
	KUNIT_EXPECT_EQ(test, gs_mutex_lock(x.m, &b, &soon), -ETIMEDOUT);
	soon.t = ktime_add_ms(ktime_get(), 20);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(x.rw, &b, false, &soon), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(x.m), 0);
	gs_rwmutex_holder_gone(x.rw, &x.h);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(x.m, &b), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(x.m), 0);
	gs_mutex_destroy(x.m);
	gs_rwmutex_destroy(x.rw);
}

/*
 * Go's TestMutexFairness: a thread that relocks in a loop cannot starve
 * another. As the Go package's port does, the hog looks at the Mutex each
 * time it holds it, and the test Locks on until the hog has seen starvation
 * mode: only the test can be queued then (the hog holds the lock), so its
 * Lock lost for over 1 ms and the next Unlock must hand it the lock. A
 * Lock that always got the lock without it would not show that; never
 * seen, the test fails at the liveness bound, saying so.
 */
struct fairness {
	struct gs_mutex *m;
	bool stop;
	bool starving;		/* seen by the hog, holding the lock */
	struct completion done;
};

static int fairness_hog(void *arg)
{
	struct fairness *f = arg;
	struct gs_holder h = {};

	while (!READ_ONCE(f->stop)) {
		if (gs_mutex_lock(f->m, &h, FOREVER))
			break;
		usleep_range(100, 200);
		if (READ_ONCE(f->m->starving))
			WRITE_ONCE(f->starving, true);
		gs_mutex_unlock(f->m);
	}
	complete(&f->done);
	return 0;
}

static void mutex_fairness_test(struct kunit *test)
{
	struct fairness f = { .m = gs_mutex_create(true) };
	struct gs_deadline dl = { .clock = CLOCK_MONOTONIC };
	struct gs_holder h = {};
	struct task_struct *t;
	int i, ret = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f.m);
	init_completion(&f.done);
	t = kthread_run(fairness_hog, &f, "gosync_hog");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* every Lock, and the search for starvation mode, within the bound */
	dl.t = ktime_add_ms(ktime_get(), LIVENESS_MS);
	for (i = 0; (i < 10 || !READ_ONCE(f.starving)) && !ret; i++) {
		if (ktime_after(ktime_get(), dl.t))
			break;
		usleep_range(100, 200);
		ret = gs_mutex_lock(f.m, &h, &dl);
		if (!ret)
			ret = gs_mutex_unlock(f.m);
	}
	WRITE_ONCE(f.stop, true);
	wait_done(&f.done);
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "after %d Locks beside the hog", i);
	KUNIT_EXPECT_TRUE_MSG(test, READ_ONCE(f.starving),
			      "no starvation mode in %d Locks beside the hog", i);
	KUNIT_EXPECT_GE(test, i, 10);
	gs_mutex_destroy(f.m);
}

/* ---- RWMutex ---- */

static void rwmutex_basic_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {}, b = {}, c = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, false), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 3U);
	KUNIT_EXPECT_EQ(test, a.rlocks, 2U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, true), -EBUSY);
	/* b's own read lock: a Lock through b waits for itself (deadlock_test.c) */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &b, true, PAST), -EDEADLK);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &c, true, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 0U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), -EPERM);	/* b has none */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, true), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), -EPERM);
	gs_rwmutex_destroy(rw);
}

/*
 * Read locks are capped at GOSYNC_RWMUTEX_MAX_READERS (EAGAIN beyond), so the
 * count can never wrap to look unlocked and let a writer in beside readers.
 * 2^30 RLocks would take too long: start the count just below the cap.
 */
static void rwmutex_max_readers_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder many = {}, a = {}, b = {};
	struct blocker w = {}, r1 = {}, r2 = {}, *first, *second;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	rw->readers = GOSYNC_RWMUTEX_MAX_READERS - 1;
	many.rlocks = rw->readers;
	list_add(&many.node, &rw->rholders);	/* as gs_rwmutex_rlock_locked() */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, GOSYNC_RWMUTEX_MAX_READERS);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &b, false, FOREVER), -EAGAIN);
	KUNIT_EXPECT_EQ(test, b.rlocks, 0U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, true), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, false), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), 0);

	/*
	 * Readers that queued under the limit behind a writer that then gave
	 * up are granted up to it, not past it: the rest wait for an RUnlock.
	 */
	w.writer = true;
	blocker_start(test, &w, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	blocker_start(test, &r1, do_rw_lock, rw);
	blocker_start(test, &r2, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 3)));
	blocker_signal(&w);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	KUNIT_EXPECT_EQ(test, rw->readers, GOSYNC_RWMUTEX_MAX_READERS);
	spin_lock(&rw->lock);			/* granted under it */
	first = r1.holder.rlocks ? &r1 : &r2;
	spin_unlock(&rw->lock);
	second = first == &r1 ? &r2 : &r1;
	KUNIT_EXPECT_EQ(test, blocker_finish(first), 0);
	KUNIT_EXPECT_EQ(test, second->holder.rlocks, 0U);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(second->finished));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &many), 0);	/* one of the many */
	KUNIT_EXPECT_EQ(test, blocker_finish(second), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, GOSYNC_RWMUTEX_MAX_READERS);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r1.holder), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r2.holder), 0);

	/* The holder of the many goes away: the lock is free again. */
	gs_rwmutex_holder_gone(rw, &many);
	KUNIT_EXPECT_EQ(test, rw->readers, 0U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, true), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * Writer preference: a waiting writer blocks new readers; readers that queued
 * behind a writer go before the next writer.
 */
static void rwmutex_writer_preference_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder r1 = {}, r2 = {};
	struct blocker w1 = { .writer = true }, r3 = {}, w2 = { .writer = true };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &r1, false, FOREVER), 0);
	blocker_start(test, &w1, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &r2, false), -EBUSY);

	blocker_start(test, &r3, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	blocker_start(test, &w2, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 3)));

	/* The last reader leaves: the first writer gets it. */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), 0);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, &w1.holder);

	/* It leaves: the queued reader goes before the queued writer. */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r3), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 1U);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w2.finished));

	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r3.holder), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w2), 0);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, &w2.holder);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * A queued writer that gives up lets in the readers queued behind it that
 * no other writer is ahead of: R2 queued behind W1 only, and W3 came after
 * R2. R2 waited on for W3, which came after it, until R0's RUnlock and W3's
 * Lock and Unlock (and if R0's release waited for R2, for ever).
 */
static void rwmutex_writer_gives_up_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct blocker w1 = { .writer = true }, r2 = {}, w3 = { .writer = true };
	struct gs_holder r0 = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &r0, false, FOREVER), 0);
	blocker_start(test, &w1, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	blocker_start(test, &r2, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	blocker_start(test, &w3, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 3)));

	blocker_signal(&w1);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), -EINTR);
	/* R2 shares the lock with R0; W3 still waits for both */
	expect_true(test, wait_until(READ_ONCE(r2.finished)));
	KUNIT_EXPECT_EQ(test, blocker_finish(&r2), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 2U);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w3.finished));

	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r2.holder), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w3.finished));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r0), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w3), 0);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, &w3.holder);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * Selections' LOCK and RLOCK cases queued in the FIFO (gs_rwmutex_arm()): a
 * writer's case gets its turn before a Lock queued later and holds new
 * readers back; a reader's case queued during a write lock is due when it
 * ends; a busy case is passed over in its place and its own try takes its
 * turn; one decided elsewhere is dropped; one that leaves lets readers in.
 */
static void rwmutex_sel_queue_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {}, h = {};
	struct gs_rwmutex_waiter w = {}, r = {};
	struct blocker w1 = { .writer = true }, r1 = {};
	struct gs_sel sel, rsel;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);

	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &h, true, &sel, 1, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 1U);
	KUNIT_EXPECT_EQ(test, rw->nr_waiters, 0U);	/* Locks and RLocks only */
	blocker_start(test, &w1, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 1);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, &h);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w1.finished));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_try_case(rw, &h, true, &sel, 1, &w), -EALREADY);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &w), 0);

	/* A reader's case, queued after the Lock: due when the write lock ends. */
	gs_sel_init(&rsel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &a, false, &rsel, 0, &r), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rsel.winner), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 1U);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w1.finished));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &r), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), 0);

	/* Busy: passed over, readers still held back; its own try takes it. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &h, true, &sel, 0, &w), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim_busy(&sel));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, NULL);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), -EBUSY);
	gs_sel_unclaim(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_try_case(rw, &h, true, &sel, 0, &w), -EALREADY);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 0);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, &h);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &w), 0);

	/* Decided elsewhere: dropped at the unlock, readers come in. */
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &a, true, &sel, 0, &w), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&w.node));
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 0U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &w), -EAGAIN);

	/* A writer's case that leaves lets the reader behind it in. */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), 0);
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &h, true, &sel, 0, &w), -EAGAIN);
	blocker_start(test, &r1, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r1), 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 2U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r1.holder), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * A queued case's own try grants what an unlock would: here it drops a
 * writer's case decided elsewhere, which held readers back, and takes its
 * read lock. Pollers and watching selections must hear of it (a TryRLock
 * would now succeed), as they do after an unlock: they were left asleep.
 */
static void rwmutex_sel_try_wakes_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {}, h = {}, hr = {};
	struct gs_rwmutex_waiter w = {}, r = {};
	struct gs_sel sel, rsel, watch;
	struct wait_queue_entry wqe;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_trylock(rw, &a, false), 0);
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &h, true, &sel, 0, &w), -EAGAIN);
	gs_sel_init(&rsel);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_arm(rw, &hr, false, &rsel, 0, &r), -EAGAIN);
	/* a poller, or a selection watching without a queued case */
	gs_sel_init(&watch);
	init_waitqueue_func_entry(&wqe, gs_sel_wake);
	wqe.private = &watch;
	add_wait_queue(&rw->wq, &wqe);

	/* a try that changes nothing wakes nobody (its own watch would loop) */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_try_case(rw, &hr, false, &rsel, 0, &r), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&watch.woken), 0);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, GS_SEL_CANCELED));	/* decided */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_try_case(rw, &hr, false, &rsel, 0, &r), -EALREADY);
	KUNIT_EXPECT_EQ(test, rw->readers, 2U);
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&watch.woken), 1);	/* told */

	remove_wait_queue(&rw->wq, &wqe);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &r), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_disarm(rw, &w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &hr), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	gs_rwmutex_destroy(rw);
}

/* A writer that gives up (signal) must not leave readers blocked behind it. */
static void rwmutex_signal_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder r1 = {};
	struct blocker w = { .writer = true }, r2 = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &r1, false, FOREVER), 0);
	blocker_start(test, &w, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	blocker_start(test, &r2, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	blocker_signal(&w);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r2), 0);	/* admitted when w left */
	KUNIT_EXPECT_EQ(test, rw->readers, 2U);
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 0U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r1), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r2.holder), 0);
	gs_rwmutex_destroy(rw);
}

static void rw_holder_gone_then(struct kunit *test, void *rw)
{
	gs_rwmutex_holder_gone(rw, &killed_holder);
}

/*
 * An RLock killed while it waits for a writer, and the writer's Unlock
 * before it runs again: the Unlock grants it the read lock, which the
 * dying task must give back (a non-robust RWMutex would stay read-locked,
 * and every writer blocked, for good). With @dead, a robust RWMutex whose
 * writer dies instead: the read lock comes with EOWNERDEAD, and the next
 * locker is told of the death (the read lock's own close tells nobody).
 */
static void rwmutex_killed_then_granted_test(struct kunit *test)
{
	int dead;

	for (dead = 0; dead < 2; dead++) {
		struct gs_rwmutex *rw = gs_rwmutex_create(dead);
		struct blocker r = { .killable = true };
		bool ok;
		int ret;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
		killed_holder = (struct gs_holder){};
		KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &killed_holder, true, FOREVER), 0);
		blocker_start(test, &r, do_rw_lock, rw);
		ok = blocker_pin(test, &r) &&
		     expect_true(test, wait_until(rw_has_waiters(rw, 1))) &&
		     blocker_kill(test, &r, dead ? rw_holder_gone_then : then_rwmutex_unlock, rw);
		blocker_unpin();
		if (!ok) {
			/* not killed: end its RLock (and drop one it got) */
			if (!blocker_cancel(&r))
				gs_rwmutex_runlock(rw, &r.holder);
			gs_rwmutex_unlock(rw);
			gs_rwmutex_destroy(rw);
			return;
		}
		KUNIT_EXPECT_EQ(test, blocker_finish(&r), -EINTR);
		ret = gs_rwmutex_trylock(rw, &killed_holder, true);
		KUNIT_EXPECT_EQ_MSG(test, ret, dead ? -EOWNERDEAD : 0,
				    "dead %d: the killed RLock kept its read lock", dead);
		if (!ret || ret == -EOWNERDEAD)
			gs_rwmutex_unlock(rw);
		gs_rwmutex_destroy(rw);
	}
}

/*
 * A Lock or RLock that a signal interrupts as an Unlock hands it the lock
 * (a starvation-mode handoff; an RWMutex grant): the grant wins, the call
 * returns 0 holding it (docs/uapi.md, "Waits").
 */
static void lock_granted_beats_signal_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct blocker w = {}, r = {};
	struct gs_holder a = {};
	bool ok;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	blocker_start(test, &w, blocker_mutex_lock, m);
	ok = blocker_pin(test, &w) && expect_true(test, wait_until(mutex_has_waiters(m)));
	if (ok) {
		mutex_set_starving(m);			/* Unlock hands it over */
		ok = blocker_race(test, &w, SIGUSR1, then_mutex_unlock, m);
	}
	blocker_unpin();
	if (!ok) {
		blocker_cancel(&w);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_trylock(m, &a), -EBUSY);	/* w's */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);

	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	blocker_start(test, &r, do_rw_lock, rw);
	ok = blocker_pin(test, &r) &&
	     expect_true(test, wait_until(rw_has_waiters(rw, 1))) &&
	     blocker_race(test, &r, SIGUSR1, then_rwmutex_unlock, rw);
	blocker_unpin();
	if (!ok) {
		if (!blocker_cancel(&r))
			gs_rwmutex_runlock(rw, &r.holder);
		gs_rwmutex_unlock(rw);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, true), -EBUSY);	/* r reads */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &r.holder), 0);
out:
	gs_mutex_destroy(m);
	gs_rwmutex_destroy(rw);
}

static void rwmutex_holder_gone_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_rwmutex *nr = gs_rwmutex_create(false);
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nr);
	/* A dead reader's read locks are dropped */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), 0);
	gs_rwmutex_holder_gone(rw, &a);
	KUNIT_EXPECT_EQ(test, rw->readers, 0U);
	KUNIT_EXPECT_EQ(test, a.rlocks, 0U);
	/* A dead writer's lock is released; the next locker is told */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, true), 0);
	gs_rwmutex_holder_gone(rw, &a);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, false), -EOWNERDEAD);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), 0);
	/* Not robust: the write lock outlives its holder */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(nr, &a, true), 0);
	gs_rwmutex_holder_gone(nr, &a);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(nr, &b, false), -EBUSY);
	KUNIT_EXPECT_PTR_NE(test, READ_ONCE(nr->writer), &a);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(nr), 0);
	gs_rwmutex_destroy(rw);
	gs_rwmutex_destroy(nr);
}

/*
 * Go's HammerRWMutex: readers never overlap a writer, writers never
 * overlap. As Go, two writers: a writer, half the readers, a writer, the
 * other half.
 */
#define HAMMER_READERS	4
#define HAMMER_THREADS	(2 + HAMMER_READERS)
#define HAMMER_ITERS	2000

struct hammer_rw {
	struct gs_rwmutex *rw;
	atomic_t *activity;
	bool writer;
	int errors;
	struct completion done;
};

static int hammer_rw_thread(void *arg)
{
	struct hammer_rw *h = arg;
	struct gs_holder me = {};
	int i, n;

	for (i = 0; i < HAMMER_ITERS; i++) {
		if (gs_rwmutex_lock(h->rw, &me, h->writer, FOREVER)) {
			h->errors++;
			continue;
		}
		if (h->writer) {
			n = atomic_add_return(10000, h->activity);
			h->errors += n != 10000;
			cpu_relax();
			atomic_sub(10000, h->activity);
			h->errors += !!gs_rwmutex_unlock(h->rw);
		} else {
			n = atomic_inc_return(h->activity);
			h->errors += n < 1 || n >= 10000;
			cpu_relax();
			atomic_dec(h->activity);
			h->errors += !!gs_rwmutex_runlock(h->rw, &me);
		}
	}
	complete(&h->done);
	return 0;
}

static void rwmutex_hammer_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct hammer_rw h[HAMMER_THREADS];
	atomic_t activity = ATOMIC_INIT(0);
	int i, started, errors = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	for (started = 0; started < HAMMER_THREADS; started++) {
		struct task_struct *t;

		h[started] = (struct hammer_rw){
			.rw = rw, .activity = &activity,
			.writer = started == 0 || started == 1 + HAMMER_READERS / 2,
		};
		init_completion(&h[started].done);
		t = kthread_run(hammer_rw_thread, &h[started], "gosync_rwh/%d", started);
		if (IS_ERR(t))
			break;
	}
	for (i = 0; i < started; i++) {
		wait_done(&h[i].done);
		errors += h[i].errors;
	}
	KUNIT_EXPECT_EQ(test, started, HAMMER_THREADS);
	KUNIT_EXPECT_EQ(test, errors, 0);
	KUNIT_EXPECT_EQ(test, rw->readers, 0U);
	KUNIT_EXPECT_NULL(test, rw->writer);
	if (started == HAMMER_THREADS) {
		KUNIT_EXPECT_EQ(test, stat_of(rw->stats, GOSYNC_STAT_LOCKS), 2ULL * HAMMER_ITERS);
		KUNIT_EXPECT_EQ(test, stat_of(rw->stats, GOSYNC_STAT_RLOCKS),
				(u64)HAMMER_READERS * HAMMER_ITERS);
	}
	gs_rwmutex_destroy(rw);
}

/* ---- WaitGroup ---- */

static void waitgroup_basic_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder wh = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_wait(wg, FOREVER), 0);	/* zero: at once */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 2);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1);
	/* Go: "sync: negative WaitGroup counter"; nothing changes */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -2, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, 1);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, S64_MAX, 0, &v), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_wait(wg, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, wg->waiters, 0U);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), 0);
	gs_waitgroup_destroy(wg);
}

static void waitgroup_wait_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct blocker w1 = {}, w2 = {}, w3 = {};
	struct gs_holder wh = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_ASSERT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	blocker_start(test, &w1, do_wg_wait, wg);
	blocker_start(test, &w2, do_wg_wait, wg);
	blocker_start(test, &w3, do_wg_wait, wg);
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(wg->waiters) == 3));
	blocker_signal(&w3);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w3), -EINTR);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w1.finished));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&wg->waking), 0);
	/* Reuse after every Wait returned is fine */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	gs_waitgroup_destroy(wg);
}

/* As if the last zero released @n Waits that have not returned yet */
static void wg_set_waking(struct gs_waitgroup *wg, int n)
{
	spin_lock(&wg->lock);
	atomic_set(&wg->waking, n);
	spin_unlock(&wg->lock);
}

/* Go: "WaitGroup misuse: Add called concurrently with Wait" */
static void waitgroup_misuse_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder wh = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	wg_set_waking(wg, 1);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), -EBUSY);
	KUNIT_EXPECT_EQ(test, v, 0);
	wg_set_waking(wg, 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	gs_waitgroup_destroy(wg);
}

/*
 * Held Adds (Go 1.25's WaitGroup.Go across processes): a Done through the
 * holder settles its held Adds; those left when it closes are done for it.
 */
static void waitgroup_hold_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder a = {}, b = {}, c = {};
	struct blocker w = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 0, GOSYNC_WG_F_HOLD, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, -1, GOSYNC_WG_F_HOLD, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 2, GOSYNC_WG_F_HOLD, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &b, 1, GOSYNC_WG_F_HOLD, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &c, 1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, a.wg_held, 1);
	wg_wait_asleep(test, &w, wg);
	gs_waitgroup_holder_gone(wg, &a);	/* a died holding one */
	gs_waitgroup_holder_gone(wg, &c);	/* c held nothing */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), 2);
	gs_waitgroup_holder_gone(wg, &b);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.finished));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &c, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, stat_of(wg->stats, GOSYNC_STAT_WG_ABANDONED), 2ULL);
	KUNIT_EXPECT_EQ(test, a.wg_held + b.wg_held + c.wg_held, 0);
	gs_waitgroup_destroy(wg);
}

/*
 * A description that holds an Add (WaitGroup.Go) and makes a plain one too:
 * the plain Done (GOSYNC_WG_F_UNHELD) leaves the held Add held, so its close
 * still does it. UNHELD goes with a Done only, HOLD with an Add only.
 */
static void waitgroup_unheld_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder a = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 1, GOSYNC_WG_F_UNHELD, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 0, GOSYNC_WG_F_UNHELD, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, -1, GOSYNC_WG_F_HOLD | GOSYNC_WG_F_UNHELD,
					       &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 1, GOSYNC_WG_F_HOLD, &v), 0);	/* Go(f) */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 1, 0, &v), 0);			/* Add(1) */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, -1, GOSYNC_WG_F_UNHELD, &v), 0); /* Done */
	KUNIT_EXPECT_EQ(test, v, 1);
	KUNIT_EXPECT_EQ(test, a.wg_held, 1);
	gs_waitgroup_holder_gone(wg, &a);	/* dies while f runs */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), 0);
	gs_waitgroup_destroy(wg);
}

/*
 * Held Adds through one description, Dones through another (misuse): what
 * the first holds stays within the counter, so its close neither wraps nor
 * warns (it held S64_MAX, then one more, and its close took S64_MIN).
 */
static void waitgroup_hold_overflow_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder a = {}, b = {};
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, S64_MAX, GOSYNC_WG_F_HOLD, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &b, -S64_MAX, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, 1, GOSYNC_WG_F_HOLD, &v), 0);
	KUNIT_EXPECT_EQ(test, a.wg_held, 1);
	gs_waitgroup_holder_gone(wg, &a);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), 0);
	KUNIT_EXPECT_EQ(test, stat_of(wg->stats, GOSYNC_STAT_WG_ABANDONED), 1ULL);
	gs_waitgroup_destroy(wg);
}

/* ---- a mapped WaitGroup: the word in a page userspace shares ---- */

#define WG_ONE	BIT_ULL(GOSYNC_WG_SHIFT)

static s64 word_count(u64 *word)
{
	return (s32)(READ_ONCE(*word) >> GOSYNC_WG_SHIFT);
}

static struct gs_waitgroup *mapped_wg(struct kunit *test, u64 **word)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();

	*word = kunit_kzalloc(test, sizeof(**word), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_ASSERT_NOT_NULL(test, *word);
	KUNIT_ASSERT_EQ(test, gs_waitgroup_map(wg, *word), 0);
	return wg;
}

/*
 * Kernel Adds move the word's counter; a Wait registers in it; a "userspace"
 * Done (an atomic on the word) to zero, then its call (Add 0), wakes it.
 */
static void waitgroup_mapped_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct blocker w = {};
	struct gs_waitgroup *wg;
	u64 *word;
	s64 v;

	wg = mapped_wg(test, &word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_wait(wg, FOREVER), 0);	/* zero */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2 * WG_ONE);
	atomic64_add(WG_ONE, (atomic64_t *)word);			/* fast Add */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), 3);
	blocker_start(test, &w, do_wg_wait, wg);
	KUNIT_EXPECT_TRUE(test, wait_until((READ_ONCE(*word) & GOSYNC_WG_WAITERS) == 1));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -2, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), WG_ONE | 1);	/* still registered */
	atomic64_sub(WG_ONE, (atomic64_t *)word);			/* fast Done: 0 */
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.finished));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 0, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	/* The word's counter has 32 bits; a refused Add leaves it alone */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, S32_MAX, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -S32_MAX - 1, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, word_count(word), S32_MAX);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -S32_MAX, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	/* Add(0) is the fast path's call: not counted as an Add */
	KUNIT_EXPECT_EQ(test, stat_of(wg->stats, GOSYNC_STAT_WG_ADDS), 4ULL);
	gs_waitgroup_destroy(wg);
}

/*
 * A fast-path Done after a Wait counted itself: under the lock only so it
 * lands after the Wait's own update of the word (it counts itself, then
 * unfences with a plain store, in one hold; the real fast path's CAS would
 * fail and retry instead).
 */
static void fast_done_after_wait(struct gs_waitgroup *wg, u64 *word)
{
	spin_lock(&wg->lock);
	atomic64_sub(WG_ONE, (atomic64_t *)word);
	spin_unlock(&wg->lock);
}

/*
 * A zero reached in userspace whose Done has not called yet: the next kernel
 * update takes it first. An Add then finds the Wait it released not yet
 * returned (Go's misuse, EBUSY) and never blocks it again; a Wait that a
 * signal wakes meanwhile returns 0, released, not -EINTR.
 */
static void waitgroup_mapped_unseen_zero_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct blocker w = {};
	struct gs_waitgroup *wg;
	u64 *word;
	s64 v;

	wg = mapped_wg(test, &word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	wg_wait_asleep(test, &w, wg);
	fast_done_after_wait(wg, word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), -EBUSY);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);

	wg_wait_asleep(test, &w, wg);
	fast_done_after_wait(wg, word);
	blocker_signal(&w);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&wg->waking), 0);
	gs_waitgroup_destroy(wg);
}

/*
 * A process killed between a fast Done to zero and its call: when its
 * mapping goes away, gs_waitgroup_unmapped() takes that zero and wakes the
 * Wait. With no zero to take it changes nothing.
 */
static void waitgroup_mapped_unmapped_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct blocker w = {};
	struct gs_waitgroup *wg;
	u64 *word;
	s64 v;

	wg = mapped_wg(test, &word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	wg_wait_asleep(test, &w, wg);
	fast_done_after_wait(wg, word);
	gs_waitgroup_unmapped(wg);			/* 1: nothing to take */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), WG_ONE | 1);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.finished));
	fast_done_after_wait(wg, word);			/* 0, and no call */
	gs_waitgroup_unmapped(wg);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&wg->waking), 0);
	gs_waitgroup_destroy(wg);
}

/*
 * Waits a zero released count in the word's low bits until they return, so
 * a fast Add to that zero calls and gets Go's misuse error (EBUSY) as an
 * ioctl Add does; the last of them to return clears the bits.
 */
static void waitgroup_mapped_waking_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct blocker w = {};
	struct gs_waitgroup *wg;
	u64 *word;
	s64 v;

	wg = mapped_wg(test, &word);
	wg_set_waking(wg, 1);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 0, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1ULL);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1ULL);
	wg_set_waking(wg, 0);

	/* A real one: its return leaves the word clean */
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), WG_ONE);
	wg_wait_asleep(test, &w, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&wg->waking), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	gs_waitgroup_destroy(wg);
}

/*
 * A select's WG_ZERO case is owed a zero reached and left between its
 * tries (Done to 0, then Add), as a Wait is: the counter's generation moved.
 */
static void waitgroup_select_brief_zero_test(struct kunit *test)
{
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_holder wh = {};
	u64 gen = ~0ULL;
	struct gs_sel sel;
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -2, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), 0);
	/* A case that first looks now is owed nothing yet. */
	gen = ~0ULL;
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, -1, 0, &v), 0);
	gs_waitgroup_destroy(wg);
}

/*
 * A select's WG_ZERO case marks a mapped word (POLLED) on its first try,
 * before it joins the queue: a kernel update meanwhile (another process's
 * call) must keep the mark while the counter is not zero, or a zero
 * reached and left in userspace (Done to 0, then Add) never reaches the
 * kernel, and the case, owed that zero, sleeps on.
 */
static void waitgroup_mapped_select_mark_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct gs_waitgroup *wg;
	u64 *word, gen = ~0ULL, old;
	struct gs_sel sel;
	s64 v;

	wg = mapped_wg(test, &word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 2, 0, &v), 0);
	gs_sel_init(&sel);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 0, 0, &v), 0);
	KUNIT_EXPECT_NE(test, READ_ONCE(*word) & GOSYNC_WG_POLLED, 0ULL);
	/* userspace: Done twice, calling the kernel at zero only if marked; Add */
	old = atomic64_fetch_sub(2 * WG_ONE, (atomic64_t *)word);
	if (old & GOSYNC_WG_POLLED)
		KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 0, 0, &v), 0);
	atomic64_add(2 * WG_ONE, (atomic64_t *)word);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_try_case(wg, &gen, &sel, 0), 0);
	gs_waitgroup_destroy(wg);
}

/* Userspace's Add (gosync_fast_waitgroup_add()): false where it calls the kernel. */
static bool fast_wg_add(u64 *word, s32 delta)
{
	u64 v = READ_ONCE(*word), add = (u64)(s64)delta << GOSYNC_WG_SHIFT;
	s32 c = v >> GOSYNC_WG_SHIFT;

	if ((v & GOSYNC_WG_KERNEL) || (delta > 0 && !c && (v & (WG_ONE - 1))))
		return false;
	return atomic64_cmpxchg((atomic64_t *)word, v, v + add) == v;
}

/*
 * A wait-all's look at a mapped WaitGroup at zero holds the zero while ALL
 * holds the lock to complete its other cases: a fast Add from zero calls
 * the kernel (which waits for the lock) instead of moving it. Once the
 * kernel has updated the word with nobody watching, the fast path is back.
 */
static void waitgroup_mapped_all_holds_zero_test(struct kunit *test)
{
	struct gs_holder wh = {};
	struct gs_waitgroup *wg;
	bool zero, moved;
	u64 *word, w;
	s64 v;

	wg = mapped_wg(test, &word);
	KUNIT_EXPECT_TRUE(test, fast_wg_add(word, 1));
	KUNIT_EXPECT_TRUE(test, fast_wg_add(word, -1));
	/* (expectations after the unlock: a failed one allocates) */
	spin_lock(&wg->lock);
	zero = gs_waitgroup_zero_locked(wg);
	moved = fast_wg_add(word, 1);
	spin_unlock(&wg->lock);
	KUNIT_EXPECT_TRUE(test, zero);
	KUNIT_EXPECT_FALSE(test, moved);
	KUNIT_EXPECT_EQ(test, word_count(word), 0);
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 1, 0, &v), 0);
	KUNIT_EXPECT_TRUE(test, fast_wg_add(word, -1));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &wh, 0, 0, &v), 0);	/* its call */
	w = READ_ONCE(*word);
	KUNIT_EXPECT_EQ(test, w, 0ULL);
	KUNIT_EXPECT_TRUE(test, fast_wg_add(word, 1));
	gs_waitgroup_destroy(wg);
}

/* Garbage in the word: garbage counts for this WaitGroup, no WARN, no hang. */
static void waitgroup_mapped_scribble_test(struct kunit *test)
{
	static const u64 junk[] = {
		0xffffffff00000000ULL, 0x7fffffffffffffffULL, GOSYNC_WG_KERNEL,
		0x00000001ffffffffULL, 0xdeadbeefcafef00dULL, 0x80000000ffffffffULL,
		0x0000000080000000ULL, ~0ULL,
	};
	struct gs_holder wh = {}, held = {};
	struct gs_waitgroup *wg;
	struct blocker w = {};
	unsigned int i;
	u64 *word;
	s64 v;

	wg = mapped_wg(test, &word);
	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &held, 2, GOSYNC_WG_F_HOLD, &v), 0);
		wg_wait_asleep(test, &w, wg);
		/* Under the lock: after the waiter's update (fast_done_after_wait()) */
		spin_lock(&wg->lock);
		WRITE_ONCE(*word, junk[i]);
		spin_unlock(&wg->lock);
		KUNIT_EXPECT_EQ(test, gs_waitgroup_load(wg), (s64)(s32)(junk[i] >> 32));
		gs_waitgroup_add(wg, &wh, 1, 0, &v);
		gs_waitgroup_add(wg, &wh, 0, 0, &v);
		gs_waitgroup_add(wg, &wh, -1, 0, &v);
		gs_waitgroup_wait(wg, PAST);
		spin_lock(&wg->lock);
		gs_waitgroup_zero_locked(wg);
		spin_unlock(&wg->lock);
		gs_waitgroup_holder_gone(wg, &held);
		/* The waiter leaves, one way or the other. */
		blocker_signal(&w);
		blocker_finish(&w);
		WRITE_ONCE(*word, 0);
		gs_waitgroup_add(wg, &wh, 0, 0, &v);
	}
	gs_waitgroup_destroy(wg);
}

/* ---- Once ---- */

static void once_basic_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_holder a = {}, b = {};
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), 0U);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, PAST, &r), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &b, NULL, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_DONE);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), (u32)GOSYNC_ONCE_DONE);
	gs_once_destroy(o);
}

/*
 * A runner whose function failed (COMPLETE with GOSYNC_ONCE_F_FAILED): the
 * Once settles as when a runner dies, done|abandoned; with RETRY, new
 * again, and the next Do runs. Only the runner may say so.
 */
static void once_fail_test(struct kunit *test)
{
	struct gs_holder a = {}, b = {};
	int retry;
	u32 r;

	for (retry = 0; retry < 2; retry++) {
		struct gs_once *o = gs_once_create(retry, 0);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
		KUNIT_EXPECT_EQ(test, gs_once_fail(o, &a), -EPERM);	/* not running */
		KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
		KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
		KUNIT_EXPECT_EQ(test, gs_once_fail(o, &b), -EPERM);	/* not the runner */
		KUNIT_EXPECT_EQ(test, gs_once_fail(o, &a), 0);
		KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), -EPERM);
		KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, FOREVER, &r), 0);
		KUNIT_EXPECT_EQ(test, r, retry ? (u32)GOSYNC_ONCE_RUN :
				(u32)(GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED));
		if (retry)
			KUNIT_EXPECT_EQ(test, gs_once_complete(o, &b, NULL, 0), 0);
		KUNIT_EXPECT_EQ(test, gs_once_state(o), retry ? (u32)GOSYNC_ONCE_DONE :
				(u32)(GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED));
		gs_once_destroy(o);
	}
}

/* Go's TestOnce: many callers, the function runs once, all return after it. */
static void once_many_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(false, 0);
	struct blocker b[6] = {};
	struct gs_holder *runner = NULL;
	int i, runs = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	for (i = 0; i < ARRAY_SIZE(b); i++)
		blocker_start(test, &b[i], do_once, o);
	KUNIT_EXPECT_TRUE(test,
			  wait_until(READ_ONCE(o->state) == GOSYNC_ONCE_STATE_RUNNING));
	/* All but the runner asleep in Do: none returns before it completes */
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&o->lock, &o->sleepers.waiting,
							 ARRAY_SIZE(b) - 1)));
	for (i = 0; i < ARRAY_SIZE(b); i++)
		KUNIT_EXPECT_FALSE(test, READ_ONCE(b[i].finished) &&
				   b[i].result != GOSYNC_ONCE_RUN);
	spin_lock(&o->lock);
	runner = o->runner;
	spin_unlock(&o->lock);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, runner, NULL, 0), 0);
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
		runs += b[i].result == GOSYNC_ONCE_RUN;
		KUNIT_EXPECT_TRUE(test, b[i].result == GOSYNC_ONCE_RUN ||
				  b[i].result == GOSYNC_ONCE_DONE);
	}
	KUNIT_EXPECT_EQ(test, runs, 1);
	gs_once_destroy(o);
}

/* INFO's waiters of a Once */
static unsigned int once_waiters(struct gs_once *o)
{
	struct gosync_state st = {};

	gs_once_fill_state(o, &st);
	return st.waiters;
}

/* TestOncePanic's analogue: the runner goes away before completing. */
static void once_runner_gone_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_once *retry = gs_once_create(true, 0);
	struct gs_holder a = {};
	struct blocker w = {}, wr = {};
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, retry);

	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	blocker_start(test, &w, do_once, o);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&o->lock, &o->sleepers.waiting, 1)));
	KUNIT_EXPECT_EQ(test, once_waiters(o), 1U);		/* INFO's waiters */
	gs_once_holder_gone(o, &a);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, w.result, (u32)(GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED));

	KUNIT_EXPECT_EQ(test, gs_once_do(retry, &a, FOREVER, &r), 0);
	blocker_start(test, &wr, do_once, retry);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&retry->lock,
							 &retry->sleepers.waiting, 1)));
	gs_once_holder_gone(retry, &a);
	KUNIT_EXPECT_EQ(test, blocker_finish(&wr), 0);
	KUNIT_EXPECT_EQ(test, wr.result, (u32)GOSYNC_ONCE_RUN);	/* it runs it now */
	KUNIT_EXPECT_EQ(test, gs_once_complete(retry, &wr.holder, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, gs_once_state(retry), (u32)GOSYNC_ONCE_DONE);
	gs_once_destroy(o);
	gs_once_destroy(retry);
}

/* Go 1.21's OnceValue: the runner's value is kept with the Once. */
static void once_value_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(false, 8);
	struct gs_holder a = {};
	u8 *v = kvmalloc(4, GFP_KERNEL);
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, v);
	memcpy(v, "1234", 4);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, v, 9), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), 0U);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, v, 4), 0);	/* o owns v */
	KUNIT_EXPECT_EQ(test, gs_once_state(o), (u32)GOSYNC_ONCE_DONE);
	KUNIT_EXPECT_EQ(test, o->value_len, 4U);
	KUNIT_EXPECT_EQ(test, memcmp(o->value, "1234", 4), 0);
	gs_once_destroy(o);	/* frees v: kmemleak would tell */
}

/* A Once's count of @stat */
static u64 once_stat(struct gs_once *o, unsigned int stat)
{
	u64 sum[GOSYNC_NR_STATS] = {};

	gs_stats_sum(o->stats, sum);
	return sum[stat];
}

/*
 * A Do that made its caller the runner, taken back because the caller
 * could not be told (the uapi's write-back failed): new again, not
 * abandoned; the same holder's next Do runs, and a waiting Do is woken to
 * run. Only that run of the runner's holder is taken back: threads sharing
 * a description may have ended it and begun another meanwhile. The Dos
 * stay counted (the stats only grow).
 */
static void once_unrun_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_holder a = {}, b = {};
	struct blocker w = {};
	u64 run = 0, run2 = 0;
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	gs_once_unrun(o, &a, 1);				/* not running */
	KUNIT_EXPECT_EQ(test, gs_once_do_run(o, &a, FOREVER, &r, &run), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	gs_once_unrun(o, &b, run);				/* not the runner */
	gs_once_unrun(o, &a, run + 1);				/* not that run */
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, PAST, &r), -ETIMEDOUT);
	gs_once_unrun(o, &a, run);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), 0U);
	/* no wait for itself */
	KUNIT_EXPECT_EQ(test, gs_once_do_run(o, &a, PAST, &r, &run2), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_NE(test, run2, run);
	gs_once_unrun(o, &a, run);			/* the old run: this one stays */
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, PAST, &r), -ETIMEDOUT);

	blocker_start(test, &w, do_once, o);
	KUNIT_EXPECT_TRUE(test, wait_until(once_waiters(o) == 1));
	gs_once_unrun(o, &a, run2);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, w.result, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), -EPERM);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &w.holder, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), (u32)GOSYNC_ONCE_DONE);
	gs_once_unrun(o, &w.holder, run2 + 1);			/* done: stays done */
	KUNIT_EXPECT_EQ(test, gs_once_state(o), (u32)GOSYNC_ONCE_DONE);
	KUNIT_EXPECT_EQ(test, once_stat(o, GOSYNC_STAT_ONCE_DOS), 3ULL);
	KUNIT_EXPECT_EQ(test, once_stat(o, GOSYNC_STAT_ONCE_RUNS), 3ULL);
	gs_once_destroy(o);
}

/*
 * blocker_kill()'s @then: the runner of the Once @o fails. (The runner is the
 * test's killed_holder; the task killed is the blocker waiting in its Do.)
 */
static void then_once_fail(struct kunit *test, void *o)
{
	KUNIT_EXPECT_EQ(test, gs_once_fail(o, &killed_holder), 0);
}

/*
 * A Do killed while it waits, and then woken to find a RETRY Once new again
 * (the runner failed): it must not take the run, which nobody would make
 * (the Once would stay running until the killed Do's description, which
 * others may share, closes). The next Do runs it.
 */
static void once_killed_test(struct kunit *test)
{
	struct gs_once *o = gs_once_create(true, 0);
	struct blocker w = { .killable = true };
	struct gs_holder b = {};
	u32 r, state;
	bool ok;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	killed_holder = (struct gs_holder){};
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &killed_holder, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	blocker_start(test, &w, do_once, o);
	ok = blocker_pin(test, &w) && expect_true(test, wait_until(once_waiters(o) == 1));
	ok = ok && blocker_kill(test, &w, then_once_fail, o);
	blocker_unpin();
	if (!ok) {
		blocker_cancel(&w);
		gs_once_destroy(o);
		return;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	KUNIT_EXPECT_EQ(test, w.result, 0U);
	state = READ_ONCE(o->state);
	KUNIT_EXPECT_EQ_MSG(test, state, (u32)GOSYNC_ONCE_STATE_NEW, "the killed Do kept the run");
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, PAST, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &b, NULL, 0), 0);
	gs_once_destroy(o);
}

/* Do INFO's waiters of @o, its count, and its list of waiting Dos both say @n? */
static bool once_waiters_are(struct gs_once *o, unsigned int n)
{
	return once_waiters(o) == n && nr_waiters_is(&o->lock, &o->sleepers.waiting, n);
}

/*
 * A Once's waiters are a count kept beside its list of sleepers: it follows
 * the list as Dos queue, give up, are released and queue again (RETRY), and
 * the state reads it with done in one section (gs_once_fill_state()).
 */
static void once_waiters_count_test(struct kunit *test)
{
	struct blocker *b = kunit_kcalloc(test, MANY_SLEEPERS, sizeof(*b), GFP_KERNEL);
	struct gs_once *o = gs_once_create(true, 0);
	struct gosync_state st = {};
	struct gs_holder a = {}, *runner;
	int i, runs = 0;
	u32 r;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	KUNIT_ASSERT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	for (i = 0; i < MANY_SLEEPERS; i++)
		blocker_start(test, &b[i], do_once, o);
	KUNIT_EXPECT_TRUE(test, wait_until(once_waiters_are(o, MANY_SLEEPERS)));
	blocker_signal(&b[0]);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b[0]), -EINTR);
	KUNIT_EXPECT_TRUE(test, once_waiters_are(o, MANY_SLEEPERS - 1));
	gs_once_fill_state(o, &st);
	KUNIT_EXPECT_EQ(test, st.flags, 0U);
	KUNIT_EXPECT_EQ(test, st.waiters, (u32)MANY_SLEEPERS - 1);

	/* RETRY: all released; one runs, the others wait again */
	gs_once_holder_gone(o, &a);
	KUNIT_EXPECT_TRUE(test, wait_until(once_waiters_are(o, MANY_SLEEPERS - 2)));
	spin_lock(&o->lock);
	runner = o->runner;
	spin_unlock(&o->lock);
	KUNIT_EXPECT_NOT_NULL(test, runner);
	if (runner)
		KUNIT_EXPECT_EQ(test, gs_once_complete(o, runner, NULL, 0), 0);
	else	/* nobody runs it: end the waits */
		for (i = 1; i < MANY_SLEEPERS; i++)
			blocker_signal(&b[i]);
	memset(&st, 0, sizeof(st));
	gs_once_fill_state(o, &st);
	KUNIT_EXPECT_EQ(test, st.flags, (u32)GOSYNC_STATE_DONE);
	KUNIT_EXPECT_EQ(test, st.waiters, 0U);
	for (i = 1; i < MANY_SLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
		runs += b[i].result == GOSYNC_ONCE_RUN;
	}
	KUNIT_EXPECT_EQ(test, runs, 1);
	KUNIT_EXPECT_TRUE(test, once_waiters_are(o, 0));
	gs_once_destroy(o);
}

/*
 * More sleepers than one wake batch: a WaitGroup's zero, an RWMutex
 * writer's unlock and a Once's Complete release every one of them, woken
 * after the lock is dropped, batch by batch.
 */
static int do_rlock(struct blocker *b)
{
	return gs_rwmutex_lock(b->obj, &b->holder, false, FOREVER);
}

static int do_rlock_runlock(struct blocker *b)
{
	return gs_rwmutex_lock(b->obj, &b->holder, false, FOREVER) ?:
	       gs_rwmutex_runlock(b->obj, &b->holder);
}

/*
 * A reader that RLocks and RUnlocks while another holds a read lock leaves
 * no reference to its task behind: one kept as the spinners' hint pinned
 * its task_struct after it exited, for as long as another user's read
 * lock lasted.
 */
static void rwmutex_runlock_unpins_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder a = {};
	struct blocker b = {};
	bool pinned;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	blocker_start(test, &b, do_rlock_runlock, rw);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	spin_lock(&rw->lock);
	pinned = rw->owner_task == b.task;	/* compared only: b.task may be gone */
	spin_unlock(&rw->lock);
	KUNIT_EXPECT_FALSE(test, pinned);
	KUNIT_EXPECT_EQ(test, rw->readers, 1U);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	gs_rwmutex_destroy(rw);
}

static void wake_batches_test(struct kunit *test)
{
	struct blocker *b = kunit_kcalloc(test, MANY_SLEEPERS, sizeof(*b), GFP_KERNEL);
	struct gs_waitgroup *wg = gs_waitgroup_create();
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_holder a = {};
	int i;
	s64 v;
	u32 r;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);

	KUNIT_ASSERT_EQ(test, gs_waitgroup_add(wg, &a, 1, 0, &v), 0);
	for (i = 0; i < MANY_SLEEPERS; i++)
		blocker_start(test, &b[i], do_wg_wait, wg);
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(wg->waiters) == MANY_SLEEPERS));
	KUNIT_EXPECT_EQ(test, gs_waitgroup_add(wg, &a, -1, 0, &v), 0);
	for (i = 0; i < MANY_SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&wg->waking), 0);

	memset(b, 0, MANY_SLEEPERS * sizeof(*b));
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	for (i = 0; i < MANY_SLEEPERS; i++)
		blocker_start(test, &b[i], do_rlock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, MANY_SLEEPERS)));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	for (i = 0; i < MANY_SLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
		KUNIT_EXPECT_EQ(test, b[i].holder.rlocks, 1U);
	}
	KUNIT_EXPECT_EQ(test, rw->readers, (unsigned int)MANY_SLEEPERS);
	for (i = 0; i < MANY_SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b[i].holder), 0);

	memset(b, 0, MANY_SLEEPERS * sizeof(*b));
	KUNIT_ASSERT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	for (i = 0; i < MANY_SLEEPERS; i++)
		blocker_start(test, &b[i], do_once, o);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&o->lock, &o->sleepers.waiting,
							 MANY_SLEEPERS)));
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), 0);
	for (i = 0; i < MANY_SLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
		KUNIT_EXPECT_EQ(test, b[i].result, (u32)GOSYNC_ONCE_DONE);
	}
	gs_waitgroup_destroy(wg);
	gs_rwmutex_destroy(rw);
	gs_once_destroy(o);
}

static struct kunit_case gs_sync_cases[] = {
	KUNIT_CASE(mutex_basic_test),
	KUNIT_CASE(mutex_robust_test),
	KUNIT_CASE(mutex_robust_waiter_test),
	KUNIT_CASE(mutex_killed_then_unlocked_test),
	KUNIT_CASE(mutex_nonrobust_test),
	KUNIT_CASE(mutex_starvation_handoff_test),
	KUNIT_CASE(mutex_normal_wakes_lock_test),
	KUNIT_CASE(mutex_sel_queue_test),
	KUNIT_CASE(mutex_sel_left_wakes_test),
	KUNIT_CASE(mutex_sel_left_last_wakes_test),
	KUNIT_CASE(mapped_mutex_word_test),
	KUNIT_CASE(mapped_mutex_watched_unlock_test),
	KUNIT_CASE(mapped_mutex_spinning_test),
	KUNIT_CASE(mapped_mutex_handoff_test),
	KUNIT_CASE(mapped_mutex_select_settle_test),
	KUNIT_CASE(mapped_mutex_holder_gone_test),
	KUNIT_CASE(mutex_give_back_test),
	KUNIT_CASE(mapped_mutex_scribble_test),
	KUNIT_CASE(mutex_signal_test),
	KUNIT_CASE(deadline_signal_test),
	KUNIT_CASE(lock_holder_exited_test),
	KUNIT_CASE(mutex_fairness_test),
	KUNIT_CASE(rwmutex_basic_test),
	KUNIT_CASE(rwmutex_max_readers_test),
	KUNIT_CASE(rwmutex_writer_preference_test),
	KUNIT_CASE(rwmutex_writer_gives_up_test),
	KUNIT_CASE(rwmutex_runlock_unpins_test),
	KUNIT_CASE(rwmutex_sel_queue_test),
	KUNIT_CASE(rwmutex_sel_try_wakes_test),
	KUNIT_CASE(rwmutex_signal_test),
	KUNIT_CASE(rwmutex_killed_then_granted_test),
	KUNIT_CASE(lock_granted_beats_signal_test),
	KUNIT_CASE(rwmutex_holder_gone_test),
	KUNIT_CASE(rwmutex_hammer_test),
	KUNIT_CASE(waitgroup_basic_test),
	KUNIT_CASE(waitgroup_wait_test),
	KUNIT_CASE(waitgroup_misuse_test),
	KUNIT_CASE(waitgroup_hold_test),
	KUNIT_CASE(waitgroup_unheld_test),
	KUNIT_CASE(waitgroup_hold_overflow_test),
	KUNIT_CASE(waitgroup_mapped_test),
	KUNIT_CASE(waitgroup_mapped_unseen_zero_test),
	KUNIT_CASE(waitgroup_mapped_unmapped_test),
	KUNIT_CASE(waitgroup_mapped_waking_test),
	KUNIT_CASE(waitgroup_select_brief_zero_test),
	KUNIT_CASE(waitgroup_mapped_select_mark_test),
	KUNIT_CASE(waitgroup_mapped_all_holds_zero_test),
	KUNIT_CASE(waitgroup_mapped_scribble_test),
	KUNIT_CASE(once_basic_test),
	KUNIT_CASE(once_fail_test),
	KUNIT_CASE(once_many_test),
	KUNIT_CASE(once_runner_gone_test),
	KUNIT_CASE(once_value_test),
	KUNIT_CASE(once_unrun_test),
	KUNIT_CASE(once_killed_test),
	KUNIT_CASE(once_waiters_count_test),
	KUNIT_CASE(wake_batches_test),
	{}
};

static struct kunit_suite gs_sync_suite = {
	.name = "gosync_sync",
	.test_cases = gs_sync_cases,
};

kunit_test_suite(gs_sync_suite);
