// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the state INFO reports (lockstat.c and the primitives' _state()):
 * the wait-time histogram's buckets, holder records (pid and comm of the
 * acquiring task, per holder, cut at the caller's room), waiters and the
 * oldest wait, and contended acquisitions counted exactly.
 */
#include <linux/pid.h>
#include <linux/slab.h>

#include "gs_kunit.h"

static void hist_bucket_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(1023), 0U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(1024), 1U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(2047), 1U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(2048), 2U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(NSEC_PER_MSEC), 10U);	/* 2^19 <= 1e6 < 2^20 */
	KUNIT_EXPECT_EQ(test, gs_hist_bucket((1ULL << 40) - 1), 30U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(1ULL << 40), 31U);
	KUNIT_EXPECT_EQ(test, gs_hist_bucket(U64_MAX), 31U);
}

/* Every bucket's lower bound lands in it, and one less in the one before. */
static void hist_bounds_test(struct kunit *test)
{
	unsigned int i;

	for (i = 1; i < GOSYNC_WAIT_HIST; i++) {
		KUNIT_EXPECT_EQ(test, gs_hist_bucket(1ULL << (i + 9)), i);
		KUNIT_EXPECT_EQ(test, gs_hist_bucket((1ULL << (i + 9)) - 1), i - 1);
	}
}

static void lockstat_sum_test(struct kunit *test)
{
	struct gs_lockstat *ls = kunit_kzalloc(test, sizeof(*ls), GFP_KERNEL);
	struct gosync_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	static const u64 waits[] = { 0, 500, 1500, 3000, 1000000, 1ULL << 45 };
	u64 total = 0, n = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ls);
	KUNIT_ASSERT_NOT_NULL(test, st);
	for (i = 0; i < ARRAY_SIZE(waits); i++) {
		gs_lockstat_add(ls, waits[i]);
		total += waits[i];
	}
	gs_lockstat_read(ls, st);
	KUNIT_EXPECT_EQ(test, st->contended, (u64)ARRAY_SIZE(waits));
	KUNIT_EXPECT_EQ(test, st->wait_ns, total);
	for (i = 0; i < GOSYNC_WAIT_HIST; i++)
		n += st->wait_hist[i];
	KUNIT_EXPECT_EQ(test, n, (u64)ARRAY_SIZE(waits));
	KUNIT_EXPECT_EQ(test, st->wait_hist[0], 2ULL);
	KUNIT_EXPECT_EQ(test, st->wait_hist[1], 1ULL);
	KUNIT_EXPECT_EQ(test, st->wait_hist[2], 1ULL);
	KUNIT_EXPECT_EQ(test, st->wait_hist[10], 1ULL);
	KUNIT_EXPECT_EQ(test, st->wait_hist[31], 1ULL);
}

static struct gosync_state *state_alloc(struct kunit *test)
{
	struct gosync_state *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	return st;
}

/* Is @h the current task, holding @count with @flags? */
static bool is_me(const struct gosync_holder *h, u32 flags, u64 count)
{
	return h->pid == task_tgid_vnr(current) && !strcmp(h->comm, current->comm) &&
	       h->flags == flags && h->count == count;
}

static void mutex_holder_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gosync_state *st = state_alloc(test);
	struct gosync_holder hs[2] = {};
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	gs_mutex_state(m, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	KUNIT_EXPECT_EQ(test, st->flags, 0U);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	memset(st, 0, sizeof(*st));
	gs_mutex_state(m, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->flags, (u32)GOSYNC_STATE_LOCKED);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], GOSYNC_HOLDER_WRITE, 1));
	KUNIT_EXPECT_TRUE(test, is_me(&st->holders[0], GOSYNC_HOLDER_WRITE, 1));
	KUNIT_EXPECT_EQ(test, st->contended, 0ULL);	/* it was free */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	memset(st, 0, sizeof(*st));
	gs_mutex_state(m, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	/* The record stays for the next Lock (no refcount churn); destroy drops it. */
	KUNIT_EXPECT_PTR_EQ(test, m->who.pid, task_tgid(current));
	gs_mutex_destroy(m);
}

/* Read holders are listed one per holder, with their counts; cut at @cap. */
static void rwmutex_holders_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gosync_state *st = state_alloc(test);
	struct gosync_holder hs[2] = {};
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_trylock(rw, &b, false), 0);
	gs_rwmutex_state(rw, st, hs, 1, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 2U);
	KUNIT_EXPECT_EQ(test, st->readers, 3ULL);
	KUNIT_EXPECT_EQ(test, st->flags, 0U);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], 0, 2));	/* a, first to hold */
	KUNIT_EXPECT_EQ(test, hs[1].pid, 0);		/* no room: not written */
	KUNIT_EXPECT_TRUE(test, is_me(&st->holders[1], 0, 1));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], 0, 1));
	KUNIT_EXPECT_PTR_EQ(test, a.who.pid, (struct pid *)NULL);
	gs_rwmutex_holder_gone(rw, &b);
	KUNIT_EXPECT_PTR_EQ(test, b.who.pid, (struct pid *)NULL);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->flags, (u32)GOSYNC_STATE_LOCKED);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], GOSYNC_HOLDER_WRITE, 1));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	gs_rwmutex_destroy(rw);
}

/* Robust: holders with their permits; non-robust: permits without holders. */
static void sem_holders_test(struct kunit *test)
{
	struct gs_sem *s = gs_sem_create(10, true), *n = gs_sem_create(10, false);
	struct gosync_state *st = state_alloc(test);
	struct gosync_holder hs[2] = {};
	struct gs_holder a = {}, b = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, n);
	KUNIT_ASSERT_EQ(test, gs_sem_acquire(s, &a, 3, FOREVER), 0);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &b, 4), 0);
	gs_sem_fill_state(s, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 2U);
	KUNIT_EXPECT_EQ(test, st->value, 7LL);
	KUNIT_EXPECT_EQ(test, st->limit, 10ULL);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], 0, 3));
	KUNIT_EXPECT_TRUE(test, is_me(&hs[1], 0, 4));
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 3), 0);
	gs_sem_holder_gone(s, &b);
	memset(st, 0, sizeof(*st));
	gs_sem_fill_state(s, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	KUNIT_EXPECT_EQ(test, st->value, 0LL);

	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(n, &a, 2), 0);
	memset(st, 0, sizeof(*st));
	gs_sem_fill_state(n, st, hs, 2, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	KUNIT_EXPECT_EQ(test, st->value, 2LL);
	KUNIT_EXPECT_EQ(test, gs_sem_release(n, &b, 2), 0);
	gs_sem_destroy(s);
	gs_sem_destroy(n);
}

static bool mutex_waiters_are(struct gs_mutex *m, u32 n)
{
	struct gosync_state st = {};

	gs_mutex_state(m, &st, NULL, 0, task_active_pid_ns(current));
	return st.waiters == n;
}

/*
 * A kthread blocks in Lock: one waiter, an oldest wait; granted, it holds
 * the lock as itself, and one contended acquisition is in the histogram.
 */
static void mutex_contended_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gosync_state *st = state_alloc(test);
	struct gosync_holder hs[1] = {};
	struct gs_holder a = {};
	struct blocker b = {};
	pid_t bpid;
	u64 lo, hi;
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	blocker_start(test, &b, blocker_mutex_lock, m);
	bpid = task_tgid_vnr(b.task);
	/* (the Unlock below ends its Lock, queued yet or not) */
	KUNIT_EXPECT_TRUE(test, wait_until(mutex_waiters_are(m, 1)));
	usleep_range(1000, 1100);
	gs_mutex_state(m, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_GT(test, st->oldest_wait_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	memset(st, 0, sizeof(*st));
	gs_mutex_state(m, st, hs, 1, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, hs[0].pid, bpid);
	KUNIT_EXPECT_STREQ(test, hs[0].comm, "gosync_blocker");
	KUNIT_EXPECT_EQ(test, st->waiters, 0U);
	KUNIT_EXPECT_EQ(test, st->oldest_wait_ns, 0ULL);
	KUNIT_EXPECT_EQ(test, st->contended, 1ULL);
	/*
	 * Its wait began before it queued and ended after the Unlock that
	 * followed our 1 ms sleep: at least that long. And the one bucket
	 * counted is the one that holds it (uapi: bucket 0 below 1024 ns,
	 * bucket i from 2^(i+9) ns up to 2^(i+10), the last one unbounded).
	 */
	KUNIT_EXPECT_GE(test, st->wait_ns, (u64)NSEC_PER_MSEC);
	for (i = 0; i < GOSYNC_WAIT_HIST - 1 && !st->wait_hist[i]; i++)
		;
	KUNIT_EXPECT_EQ(test, st->wait_hist[i], 1ULL);
	lo = i ? 1ULL << (i + 9) : 0;
	hi = i < GOSYNC_WAIT_HIST - 1 ? 1ULL << (i + 10) : U64_MAX;
	KUNIT_EXPECT_TRUE_MSG(test, st->wait_ns >= lo && st->wait_ns < hi,
			      "a wait of %llu ns counted in bucket %u", st->wait_ns, i);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/*
 * nr_holders and waiters are counts kept beside the lists, not walks of
 * them: after every change they must match the lists, and holders past
 * the caller's room and GOSYNC_STATE_HOLDERS are counted, not copied.
 */
#define MANY_HOLDERS	(2 * GOSYNC_STATE_HOLDERS + 3)

/* Do @st's counts match @rw's lists (the writer adds one holder)? */
static bool rw_counts_match(struct gs_rwmutex *rw, const struct gosync_state *st)
{
	unsigned int writer = !!(st->flags & GOSYNC_STATE_LOCKED);

	return nr_waiters_is(&rw->lock, &rw->rholders, st->nr_holders - writer) &&
	       nr_waiters_is(&rw->lock, &rw->waiters, st->waiters);
}

static void rwmutex_counts_test(struct kunit *test)
{
	struct gs_holder *h = kunit_kcalloc(test, MANY_HOLDERS, sizeof(*h), GFP_KERNEL);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gosync_state *st = state_alloc(test);
	struct blocker w = { .writer = true }, r = {};
	struct gosync_holder hs[2] = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	for (i = 0; i < MANY_HOLDERS; i++)
		KUNIT_ASSERT_EQ(test, gs_rwmutex_trylock(rw, &h[i], false), 0);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_trylock(rw, &h[0], false), 0);	/* no new holder */
	/* (h[0]'s close and the Unlock below end their Locks, failed or not) */
	blocker_start(test, &w, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	blocker_start(test, &r, do_rw_lock, rw);	/* behind the writer */
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));
	gs_rwmutex_state(rw, st, hs, 1, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, (u32)MANY_HOLDERS);
	KUNIT_EXPECT_EQ(test, st->readers, (u64)MANY_HOLDERS + 1);
	KUNIT_EXPECT_EQ(test, st->waiters, 2U);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], 0, 2));
	KUNIT_EXPECT_EQ(test, hs[1].pid, 0);		/* no room: not written */
	KUNIT_EXPECT_TRUE(test, is_me(&st->holders[GOSYNC_STATE_HOLDERS - 1], 0, 1));
	KUNIT_EXPECT_TRUE(test, rw_counts_match(rw, st));

	for (i = 1; i < MANY_HOLDERS; i++)
		KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &h[i]), 0);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->waiters, 2U);
	KUNIT_EXPECT_TRUE(test, rw_counts_match(rw, st));

	/* h[0]'s close grants the writer; the reader waits on */
	gs_rwmutex_holder_gone(rw, &h[0]);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->flags, (u32)GOSYNC_STATE_LOCKED);
	KUNIT_EXPECT_EQ(test, st->waiters, 1U);
	KUNIT_EXPECT_TRUE(test, rw_counts_match(rw, st));

	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), 0);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->waiters, 0U);
	KUNIT_EXPECT_TRUE(test, rw_counts_match(rw, st));
	gs_rwmutex_holder_gone(rw, &r.holder);
	memset(st, 0, sizeof(*st));
	gs_rwmutex_state(rw, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	KUNIT_EXPECT_TRUE(test, rw_counts_match(rw, st));
	gs_rwmutex_destroy(rw);
}

/* Do @st's counts match @s's lists? */
static bool sem_counts_match(struct gs_sem *s, const struct gosync_state *st)
{
	return nr_waiters_is(&s->lock, &s->holders, st->nr_holders) &&
	       nr_waiters_is(&s->lock, &s->waiters, st->waiters);
}

static void sem_counts_test(struct kunit *test)
{
	struct gs_holder *h = kunit_kcalloc(test, MANY_HOLDERS, sizeof(*h), GFP_KERNEL);
	struct gs_sem *s = gs_sem_create(MANY_HOLDERS + 1, true);
	struct gosync_state *st = state_alloc(test);
	struct blocker big = { .n = 2 }, small = { .n = 1 };
	struct gosync_holder hs[2] = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (i = 0; i < MANY_HOLDERS; i++)
		KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &h[i], 1), 0);
	KUNIT_ASSERT_EQ(test, gs_sem_tryacquire(s, &h[0], 1), 0);	/* no new holder */
	/* (h[0]'s close and the signal below end their Acquires, failed or not) */
	blocker_start(test, &big, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	blocker_start(test, &small, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 2)));
	gs_sem_fill_state(s, st, hs, 1, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, (u32)MANY_HOLDERS);
	KUNIT_EXPECT_EQ(test, st->waiters, 2U);
	KUNIT_EXPECT_TRUE(test, is_me(&hs[0], 0, 2));
	KUNIT_EXPECT_EQ(test, hs[1].pid, 0);		/* no room: not written */
	KUNIT_EXPECT_TRUE(test, is_me(&st->holders[GOSYNC_STATE_HOLDERS - 1], 0, 1));
	KUNIT_EXPECT_TRUE(test, sem_counts_match(s, st));

	/* h[0] closes: 2 permits free, the front waiter's */
	gs_sem_holder_gone(s, &h[0]);
	KUNIT_EXPECT_EQ(test, blocker_finish(&big), 0);
	memset(st, 0, sizeof(*st));
	gs_sem_fill_state(s, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, (u32)MANY_HOLDERS);	/* big took h[0]'s place */
	KUNIT_EXPECT_EQ(test, st->waiters, 1U);
	KUNIT_EXPECT_TRUE(test, sem_counts_match(s, st));

	blocker_signal(&small);
	KUNIT_EXPECT_EQ(test, blocker_finish(&small), -EINTR);
	for (i = 1; i < MANY_HOLDERS; i++)
		KUNIT_EXPECT_EQ(test, gs_sem_release(s, &h[i], 1), 0);
	memset(st, 0, sizeof(*st));
	gs_sem_fill_state(s, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 1U);
	KUNIT_EXPECT_EQ(test, st->waiters, 0U);
	KUNIT_EXPECT_TRUE(test, sem_counts_match(s, st));
	gs_sem_holder_gone(s, &big.holder);
	memset(st, 0, sizeof(*st));
	gs_sem_fill_state(s, st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st->nr_holders, 0U);
	KUNIT_EXPECT_TRUE(test, sem_counts_match(s, st));
	gs_sem_destroy(s);
}

/* A Mutex's waiters: queued, given up, granted by Unlock. */
static void mutex_counts_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct blocker b[3] = {};
	struct gs_holder a = {};
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &a, FOREVER), 0);
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		blocker_start(test, &b[i], blocker_mutex_lock, m);
		KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, i + 1)));
		KUNIT_EXPECT_TRUE(test, mutex_waiters_are(m, i + 1));
	}
	blocker_signal(&b[1]);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b[1]), -EINTR);
	KUNIT_EXPECT_TRUE(test, mutex_waiters_are(m, 2));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b[0]), 0);
	KUNIT_EXPECT_TRUE(test, mutex_waiters_are(m, 1));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b[2]), 0);
	KUNIT_EXPECT_TRUE(test, mutex_waiters_are(m, 0));
	KUNIT_EXPECT_TRUE(test, nr_waiters_is(&m->lock, &m->waiters, 0));
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/* Waits each of two kthreads records while the test reads */
#define HAMMER_ADDS	100000
#define HAMMER_READS	100000

static int hammer_lockstat(struct blocker *b)
{
	unsigned int i;

	/* waits of 1 ns to 2^40 ns: every bucket */
	for (i = 0; i < HAMMER_ADDS; i++)
		gs_lockstat_add(b->obj, 1ULL << (i % 41));
	return 0;
}

/*
 * A granted waiter records its wait without the object's lock, so a read
 * races with adds. What a racing read can get wrong: a count that goes
 * down from one read to the next (each bucket, contended, wait_ns), or one
 * above what is ever added; and once the adds are done, the totals must be
 * exactly those added, none lost.
 */
static bool lockstat_read_ok(const struct gosync_state *st, const struct gosync_state *prev,
			     const u64 *final_hist, u64 final_ns)
{
	unsigned int i;

	if (st->contended < prev->contended || st->contended > 2ULL * HAMMER_ADDS ||
	    st->wait_ns < prev->wait_ns || st->wait_ns > final_ns)
		return false;
	for (i = 0; i < GOSYNC_WAIT_HIST; i++)
		if (st->wait_hist[i] < prev->wait_hist[i] || st->wait_hist[i] > final_hist[i])
			return false;
	return true;
}

static void lockstat_concurrent_sum_test(struct kunit *test)
{
	struct gs_lockstat *ls = kunit_kzalloc(test, sizeof(*ls), GFP_KERNEL);
	struct gosync_state *st = state_alloc(test), *prev = state_alloc(test);
	struct blocker b[2] = {};
	unsigned int i, k, bad = 0, first_bad = 0;
	u64 hist[GOSYNC_WAIT_HIST] = {}, ns = 0;

	KUNIT_ASSERT_NOT_NULL(test, ls);
	/*
	 * By hand: each thread adds 2^k ns for k = i % 41, so k appears
	 * HAMMER_ADDS / 41 times, once more if below HAMMER_ADDS % 41. 2^k
	 * is under 1024 for k < 10 (bucket 0); else it is the lower bound of
	 * bucket k - 9 (2^(i+9) for bucket i), up to 2^40 in the last, 31.
	 */
	BUILD_BUG_ON(40 - 9 != GOSYNC_WAIT_HIST - 1);
	for (k = 0; k <= 40; k++) {
		u64 times = ARRAY_SIZE(b) * (HAMMER_ADDS / 41 + (k < HAMMER_ADDS % 41));

		hist[k < 10 ? 0 : k - 9] += times;
		ns += times << k;
	}
	for (i = 0; i < ARRAY_SIZE(b); i++)
		blocker_start(test, &b[i], hammer_lockstat, ls);
	for (i = 0; i < HAMMER_READS; i++) {
		if (READ_ONCE(b[0].finished) && READ_ONCE(b[1].finished))
			break;
		gs_lockstat_read(ls, st);
		if (!lockstat_read_ok(st, prev, hist, ns) && !bad++)
			first_bad = i + 1;
		swap(st, prev);
		cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(b); i++)
		KUNIT_EXPECT_EQ(test, blocker_finish(&b[i]), 0);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "first at read %u", first_bad);
	gs_lockstat_read(ls, st);
	KUNIT_EXPECT_EQ(test, st->contended, 2ULL * HAMMER_ADDS);
	KUNIT_EXPECT_EQ(test, st->wait_ns, ns);
	for (i = 0; i < GOSYNC_WAIT_HIST; i++)
		KUNIT_EXPECT_EQ_MSG(test, st->wait_hist[i], hist[i], "bucket %u", i);
}

static struct kunit_case gs_lockstat_cases[] = {
	KUNIT_CASE(hist_bucket_test),
	KUNIT_CASE(hist_bounds_test),
	KUNIT_CASE(lockstat_sum_test),
	KUNIT_CASE(lockstat_concurrent_sum_test),
	KUNIT_CASE(mutex_holder_test),
	KUNIT_CASE(rwmutex_holders_test),
	KUNIT_CASE(sem_holders_test),
	KUNIT_CASE(mutex_contended_test),
	KUNIT_CASE(rwmutex_counts_test),
	KUNIT_CASE(sem_counts_test),
	KUNIT_CASE(mutex_counts_test),
	{}
};

static struct kunit_suite gs_lockstat_suite = {
	.name = "gosync_lockstat",
	.test_cases = gs_lockstat_cases,
};

kunit_test_suite(gs_lockstat_suite);
