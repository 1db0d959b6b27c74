// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the mapped RWMutex (kmod/rwmutex.c, gs_rwmutex_map()): the
 * word's protocol against kernel lockers, writer preference against
 * fast-path readers (the fence stops their RLocks), a writer woken by an
 * RUnlock that starts in userspace, a scribbled word; and a give-back that
 * must leave another's write lock alone (unmapped ones too).
 */
#include "gs_kunit.h"

#define READER		GOSYNC_RWMUTEX_READER
#define WAITERS		GOSYNC_RWMUTEX_WAITERS
#define BUSY		(GOSYNC_RWMUTEX_WRITER | GOSYNC_RWMUTEX_WAITERS)

/* What libgosync's fast path does to the word (one attempt each) */
static bool fast_rlock(u64 *word)
{
	u64 v = READ_ONCE(*word);

	if ((v & BUSY) || (v >> GOSYNC_RWMUTEX_READER_SHIFT) >= GOSYNC_RWMUTEX_MAX_READERS)
		return false;
	return atomic64_cmpxchg((atomic64_t *)word, v, v + READER) == v;
}

static bool fast_runlock(u64 *word)
{
	u64 v = READ_ONCE(*word);

	if ((v & BUSY) || !(v & GOSYNC_RWMUTEX_READERS))
		return false;
	return atomic64_cmpxchg((atomic64_t *)word, v, v - READER) == v;
}

static bool fast_lock(u64 *word, u32 token)
{
	return atomic64_cmpxchg((atomic64_t *)word, 0, token) == 0;
}

static bool fast_unlock(u64 *word, u32 token)
{
	return atomic64_cmpxchg((atomic64_t *)word, token, 0) == token;
}

static struct gs_rwmutex *mapped_rw(struct kunit *test, u64 **word)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(false);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	*word = kunit_kzalloc(test, sizeof(**word), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *word);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_map(rw, *word), 0);
	return rw;
}

/* Robust read locks are per description; fast-path ones are nobody's. */
static void mapped_rw_refuse_robust_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	u64 word = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_map(rw, &word), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, rw->word, NULL);
	gs_rwmutex_destroy(rw);
}

/* Fast-path and kernel lockers agree on the word; nobody waits: unfenced. */
/*
 * A wait-all's RLOCK case fences the word to look and takes its read lock
 * so: with nobody waiting or watching after it, the word goes back to the
 * fast path (READER, not READER | WAITERS, which sent every fast RLock and
 * RUnlock of every process to the kernel until its next call).
 */
static void mapped_rw_wait_all_settle_test(struct kunit *test)
{
	struct gs_holder h = { .token = 3 };
	struct gs_case c;
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	case_init(&c, &gs_rwmutex_type, rw, &h, GOSYNC_CASE_RLOCK);
	KUNIT_EXPECT_EQ(test, gs_wait_all(&c, 1, true, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), READER);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &h), 0);	/* anonymous */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	/* write-locked: a NONBLOCK RLOCK looks, fails, leaves it unfenced */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &h, true), 0);
	KUNIT_EXPECT_EQ(test, gs_wait_all(&c, 1, true, FOREVER), -EAGAIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word) & GOSYNC_RWMUTEX_WAITERS, 0ULL);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0ULL);
	gs_rwmutex_destroy(rw);
}

static void mapped_rw_word_test(struct kunit *test)
{
	struct gs_holder a = { .token = 1 }, b = { .token = 2 };
	struct gosync_state st = {};
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	KUNIT_EXPECT_TRUE(test, fast_rlock(word));
	KUNIT_EXPECT_TRUE(test, fast_rlock(word));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, true), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2 * READER);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &a, false, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 3 * READER);
	/* the word is the truth; read locks are anonymous */
	KUNIT_EXPECT_EQ(test, rw->readers, 0U);
	KUNIT_EXPECT_EQ(test, a.rlocks, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&rw->rholders));
	gs_rwmutex_state(rw, &st, NULL, 0, task_active_pid_ns(current));
	KUNIT_EXPECT_EQ(test, st.readers, 3U);
	/* the kernel releases fast-path read locks, the fast path the kernel's */
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &b), 0);
	KUNIT_EXPECT_TRUE(test, fast_runlock(word));
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), -EPERM);
	KUNIT_EXPECT_FALSE(test, fast_runlock(word));

	KUNIT_EXPECT_EQ(test, gs_rwmutex_lock(rw, &b, true, FOREVER), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, NULL);
	/* no task kept: its Unlock may never reach the kernel */
	KUNIT_EXPECT_PTR_EQ(test, rw->owner_task, NULL);
	KUNIT_EXPECT_FALSE(test, fast_rlock(word));
	KUNIT_EXPECT_FALSE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), -EBUSY);
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 2));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), -EPERM);
	/* a fast-path write lock, released by the kernel (Go: anyone may) */
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &b, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 1);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * Writer preference against fast-path readers: a queued writer fences the
 * word, so no fast-path RLock gets past it; the last RUnlock, sent to the
 * kernel by the fence, hands the lock to the writer, and its Unlock to the
 * reader that queued behind it.
 */
static void mapped_rw_writer_preference_test(struct kunit *test)
{
	struct blocker w = { .writer = true, .holder.token = 11 }, r = { .holder.token = 12 };
	struct gs_holder a = { .token = 1 };
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	KUNIT_ASSERT_TRUE(test, fast_rlock(word));
	KUNIT_ASSERT_TRUE(test, fast_rlock(word));
	blocker_start(test, &w, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2 * READER | WAITERS);
	KUNIT_EXPECT_FALSE(test, fast_rlock(word));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &a, false), -EBUSY);
	blocker_start(test, &r, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 2)));

	KUNIT_EXPECT_FALSE(test, fast_runlock(word));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), READER | WAITERS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w.finished));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);	/* wakes the writer */
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 11 | WAITERS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(r.finished));

	KUNIT_EXPECT_FALSE(test, fast_unlock(word, 11));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), 0);
	/* nobody waits: the fast path works again */
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), READER);
	KUNIT_EXPECT_TRUE(test, fast_runlock(word));
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_TRUE(test, fast_unlock(word, 1));
	gs_rwmutex_destroy(rw);
}

/* A writer that gives up must not leave the word fenced for nobody. */
static void mapped_rw_writer_gives_up_test(struct kunit *test)
{
	struct blocker w = { .writer = true, .holder.token = 11 };
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	KUNIT_ASSERT_TRUE(test, fast_rlock(word));
	blocker_start(test, &w, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	KUNIT_EXPECT_FALSE(test, fast_rlock(word));
	blocker_signal(&w);
	KUNIT_EXPECT_EQ(test, blocker_finish(&w), -EINTR);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), READER);
	KUNIT_EXPECT_TRUE(test, fast_rlock(word));
	KUNIT_EXPECT_TRUE(test, fast_runlock(word));
	KUNIT_EXPECT_TRUE(test, fast_runlock(word));
	gs_rwmutex_destroy(rw);
}

/*
 * Garbage in the word: every call returns, nothing is corrupted (KASAN,
 * lockdep, no WARN), and a sleeper still leaves when an Unlock comes.
 */
static void mapped_rw_scribble_test(struct kunit *test)
{
	static const u64 junk[] = {
		~0ULL, WAITERS, 1ULL << 63, 1ULL << 31, GOSYNC_RWMUTEX_READERS,
		GOSYNC_RWMUTEX_READERS | 5, 0x123456789abcdefULL, READER | 7,
	};
	struct gs_holder a = { .token = 1 };
	struct blocker r = { .holder.token = 3 };
	struct gosync_state st;
	unsigned int i;
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		WRITE_ONCE(*word, junk[i]);
		gs_rwmutex_lock(rw, &a, true, PAST);
		gs_rwmutex_lock(rw, &a, false, PAST);
		gs_rwmutex_trylock(rw, &a, true);
		gs_rwmutex_trylock(rw, &a, false);
		spin_lock(&rw->lock);
		gs_rwmutex_ready_locked(rw, true);
		gs_rwmutex_ready_locked(rw, false);
		spin_unlock(&rw->lock);
		memset(&st, 0, sizeof(st));
		gs_rwmutex_state(rw, &st, NULL, 0, task_active_pid_ns(current));
		gs_rwmutex_holder_gone(rw, &a);
		gs_rwmutex_runlock(rw, &a);
		gs_rwmutex_unlock(rw);
		gs_rwmutex_unlock(rw);
		gs_rwmutex_runlock(rw, &a);
	}
	WRITE_ONCE(*word, 5);
	blocker_start(test, &r, do_rw_lock, rw);
	KUNIT_EXPECT_TRUE(test, wait_until(rw_has_waiters(rw, 1)));
	WRITE_ONCE(*word, 0xdeadbeefULL);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);	/* garbage has a writer */
	KUNIT_EXPECT_EQ(test, blocker_finish(&r), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &a), 0);
	WRITE_ONCE(*word, 0);
	KUNIT_EXPECT_TRUE(test, fast_lock(word, 1));
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	gs_rwmutex_destroy(rw);
}

/*
 * A write lock granted to a task being killed is given back only if its
 * holder k still has it: a third party may Unlock it first (Go: anyone
 * may) and y Lock it, and two writers would follow. Nor is the next locker
 * told of a death then. Robust, non-robust and mapped (k's token is
 * compared, and the fence taken to look is dropped again).
 */
static void rw_give_back_test(struct kunit *test)
{
	struct gs_holder k = { .token = 1 }, y = { .token = 2 }, z = { .token = 3 };
	struct gs_rwmutex *rw;
	int mode;
	u64 *word;

	for (mode = 0; mode < 3; mode++) {
		rw = mode == 2 ? mapped_rw(test, &word) : gs_rwmutex_create(mode == 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &k, true), 0);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);	/* a third party's */
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &y, true), 0);
		gs_rwmutex_give_back(rw, &k, true, mode == 0);
		KUNIT_EXPECT_EQ_MSG(test, gs_rwmutex_trylock(rw, &z, true), -EBUSY,
				    "mode %d: y's write lock was given back for k", mode);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &z, false), -EBUSY);
		if (mode == 2)
			KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 2);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);	/* y's */
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &z, true), 0);	/* no death */
		KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
		/* k's own is given back */
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &k, true), 0);
		gs_rwmutex_give_back(rw, &k, true, false);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &z, true), 0);
		KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
		/* A read give-back drops the holder's own; mapped, any is k's. */
		if (mode != 2) {
			KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &y, false), 0);
			gs_rwmutex_give_back(rw, &k, false, false);
			KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &z, true), -EBUSY);
			gs_rwmutex_give_back(rw, &y, false, false);
			KUNIT_EXPECT_EQ(test, gs_rwmutex_trylock(rw, &z, true), 0);
			KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
		}
		gs_rwmutex_destroy(rw);
	}
}

/*
 * HammerRWMutex with libgosync's logic in kthreads (a CAS first, the kernel
 * if the word says so) beside kernel-only lockers: readers never overlap a
 * writer, writers never overlap, and the word ends free and unfenced.
 */
#define HAMMER_THREADS	4
#define HAMMER_ITERS	2000

struct hammer_rw {
	struct gs_rwmutex *rw;
	u64 *word;
	atomic_t *activity;
	int id;
	int errors;
	struct completion done;
};

static int hammer_rw_thread(void *arg)
{
	struct hammer_rw *h = arg;
	struct gs_holder me = { .token = h->id + 1 };
	int i, n;

	for (i = 0; i < HAMMER_ITERS; i++) {
		bool writer = i % 4 == h->id, fast = (h->id + i) % 2;

		if (writer) {
			if (!(fast && fast_lock(h->word, me.token)) &&
			    gs_rwmutex_lock(h->rw, &me, true, FOREVER)) {
				h->errors++;
				continue;
			}
			n = atomic_add_return(10000, h->activity);
			h->errors += n != 10000;
			cpu_relax();
			atomic_sub(10000, h->activity);
			if (!(fast && fast_unlock(h->word, me.token)))
				h->errors += !!gs_rwmutex_unlock(h->rw);
		} else {
			if (!(fast && fast_rlock(h->word)) &&
			    gs_rwmutex_lock(h->rw, &me, false, FOREVER)) {
				h->errors++;
				continue;
			}
			n = atomic_inc_return(h->activity);
			h->errors += n < 1 || n >= 10000;
			cpu_relax();
			atomic_dec(h->activity);
			if (!(fast && fast_runlock(h->word)))
				h->errors += !!gs_rwmutex_runlock(h->rw, &me);
		}
	}
	complete(&h->done);
	return 0;
}

static void mapped_rw_hammer_test(struct kunit *test)
{
	struct hammer_rw h[HAMMER_THREADS];
	atomic_t activity = ATOMIC_INIT(0);
	int i, started, errors = 0;
	u64 *word;
	struct gs_rwmutex *rw = mapped_rw(test, &word);

	for (started = 0; started < HAMMER_THREADS; started++) {
		struct task_struct *t;

		h[started] = (struct hammer_rw){
			.rw = rw, .word = word, .activity = &activity, .id = started,
		};
		init_completion(&h[started].done);
		t = kthread_run(hammer_rw_thread, &h[started], "gosync_frwh/%d", started);
		if (IS_ERR(t))
			break;
	}
	for (i = 0; i < started; i++) {
		wait_done(&h[i].done);
		errors += h[i].errors;
	}
	KUNIT_EXPECT_EQ(test, started, HAMMER_THREADS);
	KUNIT_EXPECT_EQ(test, errors, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&rw->waiters));
	gs_rwmutex_destroy(rw);
}

static struct kunit_case gs_fast_rw_cases[] = {
	KUNIT_CASE(mapped_rw_refuse_robust_test),
	KUNIT_CASE(mapped_rw_word_test),
	KUNIT_CASE(mapped_rw_wait_all_settle_test),
	KUNIT_CASE(mapped_rw_writer_preference_test),
	KUNIT_CASE(mapped_rw_writer_gives_up_test),
	KUNIT_CASE(mapped_rw_hammer_test),
	KUNIT_CASE(mapped_rw_scribble_test),
	KUNIT_CASE(rw_give_back_test),
	{}
};

static struct kunit_suite gs_fast_rw_suite = {
	.name = "gosync_fast_rwmutex",
	.test_cases = gs_fast_rw_cases,
};

kunit_test_suite(gs_fast_rw_suite);
