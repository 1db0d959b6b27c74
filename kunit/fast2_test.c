// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the mapped fast path of the Once (kmod/once.c) and the
 * Semaphore (kmod/sem.c), called directly on a state page of the test's
 * own: the kernel's side of each word's protocol (<linux/gosync.h>), with
 * the userspace side done here by the same compare-and-swaps; FIFO against
 * userspace Acquires; and garbage in the words, which may confuse only the
 * object, never make the kernel warn, crash or loop.
 */
#include "gs_kunit.h"

static struct gosync_mapped *words_new(struct kunit *test)
{
	struct gosync_mapped *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	return w;
}

static u64 sem_word(struct gosync_mapped *w)
{
	return READ_ONCE(w->sem);
}

/* libgosync's Acquire(n) fast path: false means "ask the kernel". */
static bool user_sem_take(struct gosync_mapped *w, u64 n)
{
	u64 v = READ_ONCE(w->sem);

	if ((v & GOSYNC_SEM_KERNEL) || v < n)
		return false;
	return cmpxchg64(&w->sem, v, v - n) == v;
}

/* libgosync's Release(n) fast path */
static bool user_sem_put(struct gosync_mapped *w, u64 n)
{
	u64 v = READ_ONCE(w->sem);

	if ((v & GOSYNC_SEM_KERNEL) || v > READ_ONCE(w->sem_size) - n)
		return false;
	return cmpxchg64(&w->sem, v, v + n) == v;
}

/* The word starts as the free permits; robust Semaphores are not mapped. */
static void fast_sem_map_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_sem *s = gs_sem_create(5, true);
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_EXPECT_EQ(test, gs_sem_map(s, w), -EINVAL);
	gs_sem_destroy(s);

	s = gs_sem_create(5, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_map(s, w), 0);
	KUNIT_EXPECT_EQ(test, sem_word(w), 5ULL);
	KUNIT_EXPECT_EQ(test, w->sem_size, 5ULL);

	/* Userspace takes 3: the kernel sees them taken, and hands the word back. */
	KUNIT_EXPECT_TRUE(test, user_sem_take(w, 3));
	KUNIT_EXPECT_EQ(test, sem_avail(s), 2ULL);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 3), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 2), 0);
	KUNIT_EXPECT_EQ(test, sem_word(w), 0ULL);
	KUNIT_EXPECT_FALSE(test, user_sem_take(w, 1));
	/* Released by the kernel, taken back by userspace, and vice versa. */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 4), 0);
	KUNIT_EXPECT_EQ(test, sem_word(w), 4ULL);
	KUNIT_EXPECT_TRUE(test, user_sem_put(w, 1));
	KUNIT_EXPECT_FALSE(test, user_sem_put(w, 1));	/* more than taken */
	/* x/sync's "released more than held": EPERM, the word as it was */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &a, 1), -EPERM);
	KUNIT_EXPECT_EQ(test, sem_word(w), 5ULL);
	gs_sem_destroy(s);
}

/*
 * A select's case that stops watching settles the word: only a fenced one
 * goes back to userspace, with the kernel's count. An unfenced word is
 * userspace's, with Acquires and Releases the kernel never saw: writing its
 * stale count back undid them (permits counted twice, or leaked).
 */
static void fast_sem_settle_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_sem *s = gs_sem_create(2, false);
	struct gs_holder a = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_map(s, w), 0);
	KUNIT_ASSERT_TRUE(test, user_sem_take(w, 1));
	gs_sem_settle(s);
	KUNIT_EXPECT_EQ(test, sem_word(w), 1ULL);
	KUNIT_ASSERT_TRUE(test, user_sem_put(w, 1));
	/* the kernel's own count, fenced, goes back too */
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &a, 2), 0);
	gs_sem_settle(s);
	KUNIT_EXPECT_EQ(test, sem_word(w), 0ULL);
	KUNIT_EXPECT_TRUE(test, user_sem_put(w, 2));
	gs_sem_settle(s);
	KUNIT_EXPECT_EQ(test, sem_word(w), 2ULL);
	gs_sem_destroy(s);
}

/*
 * x/sync's TestLargeAcquireDoesntStarve against the fast path: a queued
 * large Acquire sets GOSYNC_SEM_KERNEL, so a small userspace Acquire can no
 * longer take the free permit past it, nor a userspace Release skip its
 * wake-up.
 */
static void fast_sem_fifo_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_sem *s = gs_sem_create(2, false);
	struct blocker big = { .n = 2 };
	struct gs_holder c = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_map(s, w), 0);
	KUNIT_ASSERT_TRUE(test, user_sem_take(w, 1));
	blocker_start(test, &big, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	KUNIT_EXPECT_EQ(test, sem_word(w), 1ULL | GOSYNC_SEM_KERNEL);
	KUNIT_EXPECT_FALSE(test, user_sem_take(w, 1));
	KUNIT_EXPECT_EQ(test, gs_sem_tryacquire(s, &c, 1), -EBUSY);
	KUNIT_EXPECT_FALSE(test, user_sem_put(w, 1));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(big.finished));
	/* The Release comes to the kernel, which grants and hands the word back. */
	KUNIT_EXPECT_EQ(test, gs_sem_release(s, &c, 1), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&big), 0);
	KUNIT_EXPECT_EQ(test, sem_word(w), 0ULL);
	KUNIT_EXPECT_TRUE(test, user_sem_put(w, 2));
	KUNIT_EXPECT_EQ(test, sem_avail(s), 2ULL);
	gs_sem_destroy(s);
}

/*
 * Garbage in the word: the kernel takes it as a count, clamped, and goes on;
 * no warning, no loop. A waiter whose KERNEL bit was scribbled away still
 * leaves on a signal.
 */
static void fast_sem_scribble_test(struct kunit *test)
{
	static const u64 junk[] = {
		U64_MAX, GOSYNC_SEM_KERNEL, GOSYNC_SEM_FREE, 7 | GOSYNC_SEM_KERNEL, 1000,
	};
	struct gosync_mapped *w = words_new(test);
	struct gs_sem *s = gs_sem_create(3, false);
	struct blocker big = { .n = 3 };
	struct gs_holder a = {};
	unsigned int i;
	int ret;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_EQ(test, gs_sem_map(s, w), 0);
	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		WRITE_ONCE(w->sem, junk[i]);
		WRITE_ONCE(w->sem_size, junk[i]);
		KUNIT_EXPECT_LE(test, sem_avail(s), 3ULL);
		ret = gs_sem_tryacquire(s, &a, 1);
		KUNIT_EXPECT_TRUE(test, ret == 0 || ret == -EBUSY);
		KUNIT_EXPECT_EQ(test, gs_sem_acquire(s, &a, 4, PAST), -EINVAL);
		ret = gs_sem_release(s, &a, 2);
		KUNIT_EXPECT_TRUE(test, ret == 0 || ret == -EPERM);
		KUNIT_EXPECT_LE(test, sem_word(w) & GOSYNC_SEM_FREE, 3ULL);
	}

	WRITE_ONCE(w->sem, 0);
	blocker_start(test, &big, do_sem_acquire, s);
	KUNIT_EXPECT_TRUE(test, wait_until(sem_waiters_are(s, 1)));
	WRITE_ONCE(w->sem, 2);		/* the KERNEL bit gone, permits made up */
	user_sem_take(w, 1);		/* and a fast Acquire on that garbage */
	blocker_signal(&big);
	KUNIT_EXPECT_EQ(test, blocker_finish(&big), -EINTR);
	KUNIT_EXPECT_TRUE(test, sem_waiters_are(s, 0));
	gs_sem_destroy(s);
}

static int do_once(struct blocker *b)
{
	return gs_once_do(b->obj, &b->holder, FOREVER, &b->result);
}

/* The word says done only when it is, and then what gs_once_state() says. */
static void fast_once_word_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_once *o = gs_once_create(false, 0);
	struct blocker waiter = {};
	struct gs_holder a = {};
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	gs_once_map(o, &w->once);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), 0U);
	blocker_start(test, &waiter, do_once, o);
	KUNIT_EXPECT_TRUE(test, wait_until(nr_waiters_is(&o->lock, &o->sleepers.waiting, 1)));
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), 0U);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), (u32)GOSYNC_ONCE_DONE);
	KUNIT_EXPECT_EQ(test, blocker_finish(&waiter), 0);
	KUNIT_EXPECT_EQ(test, waiter.result, (u32)GOSYNC_ONCE_DONE);
	gs_once_destroy(o);
}

/* A runner gone: abandoned (done) in the word, or, RETRY, still not done. */
static void fast_once_abandon_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_holder a = {}, b = {};
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	gs_once_map(o, &w->once);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	gs_once_holder_gone(o, &a);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once),
			(u32)(GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED));
	gs_once_destroy(o);

	memset(w, 0, sizeof(*w));
	o = gs_once_create(true, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	gs_once_map(o, &w->once);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	gs_once_holder_gone(o, &a);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), 0U);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &b, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &b, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), (u32)GOSYNC_ONCE_DONE);
	gs_once_destroy(o);
}

/* The kernel never reads the word: garbage there changes nothing it does. */
static void fast_once_scribble_test(struct kunit *test)
{
	struct gosync_mapped *w = words_new(test);
	struct gs_once *o = gs_once_create(false, 0);
	struct gs_holder a = {};
	u32 r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, o);
	gs_once_map(o, &w->once);
	WRITE_ONCE(w->once, U32_MAX);
	KUNIT_EXPECT_EQ(test, gs_once_state(o), 0U);
	KUNIT_EXPECT_EQ(test, gs_once_do(o, &a, FOREVER, &r), 0);
	KUNIT_EXPECT_EQ(test, r, (u32)GOSYNC_ONCE_RUN);
	KUNIT_EXPECT_EQ(test, gs_once_complete(o, &a, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->once), (u32)GOSYNC_ONCE_DONE);
	gs_once_destroy(o);
}

static struct kunit_case gs_fast2_cases[] = {
	KUNIT_CASE(fast_sem_map_test),
	KUNIT_CASE(fast_sem_fifo_test),
	KUNIT_CASE(fast_sem_settle_test),
	KUNIT_CASE(fast_sem_scribble_test),
	KUNIT_CASE(fast_once_word_test),
	KUNIT_CASE(fast_once_abandon_test),
	KUNIT_CASE(fast_once_scribble_test),
	{}
};

static struct kunit_suite gs_fast2_suite = {
	.name = "gosync_fast_once_sem",
	.test_cases = gs_fast2_cases,
};

kunit_test_suite(gs_fast2_suite);
