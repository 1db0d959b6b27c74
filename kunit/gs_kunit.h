/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What gosync's KUnit suites share: deadlines, a liveness bound, and a
 * kthread that runs one blocking call (a "blocker") that a test can signal.
 */
#ifndef _GOSYNC_KUNIT_H
#define _GOSYNC_KUNIT_H

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "internal.h"

/* Liveness bound for waits in these tests: generous, never a timing claim. */
#define LIVENESS_MS	30000

/* More sleepers than two wake batches (GS_WAKE_MAX), and a partial third */
#define MANY_SLEEPERS	(2 * GS_WAKE_MAX + 3)

/* Deadlines: none, and one already passed. */
#define FOREVER (&GS_FOREVER)
#define PAST (&(struct gs_deadline){ .t = ktime_sub_ns(ktime_get(), 1), \
				       .clock = CLOCK_MONOTONIC })

/* Poll @cond until true or LIVENESS_MS pass. */
#define wait_until(cond) ({					\
	unsigned int __ms = 0;					\
	bool __ok;						\
	while (!(__ok = (cond)) && __ms++ < LIVENESS_MS)	\
		usleep_range(1000, 1100);			\
	__ok;							\
})

/*
 * KUNIT_EXPECT_TRUE() that gives @cond back. Once a test has started a
 * thread it must not KUNIT_ASSERT: a failed assert ends the test at once,
 * with the thread still running on the test's stack or kunit memory (a
 * use-after-free, or a hang, instead of a named failure). It checks with
 * this instead, and on false ends its threads before it returns.
 */
#define expect_true(test, cond) ({				\
	bool __cond = (cond);					\
	KUNIT_EXPECT_TRUE_MSG(test, __cond, "%s", #cond);	\
	__cond;							\
})

/* One of a primitive's counts (struct gosync_info.stats[@i]). */
static inline u64 stat_of(struct gs_stats __percpu *stats, unsigned int i)
{
	u64 sum[GOSYNC_NR_STATS] = {};	/* gs_stats_sum() adds into it */

	gs_stats_sum(stats, sum);
	return sum[i];
}

/* ---- a kthread running one blocking call, interruptible by SIGUSR1 ---- */

struct blocker {
	int (*fn)(struct blocker *b);
	void *obj;
	struct gs_holder holder;
	bool writer;
	bool killable;	/* SIGKILL ends its call too (blocker_kill()) */
	u64 n;
	u32 result;
	int ret;
	bool finished;
	struct completion done;
	struct task_struct *task;
};

static inline int blocker_thread(void *arg)
{
	struct blocker *b = arg;

	allow_signal(SIGUSR1);
	if (b->killable)
		allow_signal(SIGKILL);
	b->ret = b->fn(b);
	WRITE_ONCE(b->finished, true);
	complete(&b->done);
	return 0;
}

static inline void blocker_start(struct kunit *test, struct blocker *b,
				 int (*fn)(struct blocker *b), void *obj)
{
	b->fn = fn;
	b->obj = obj;
	b->finished = false;	/* a blocker may run again */
	init_completion(&b->done);
	b->task = kthread_run(blocker_thread, b, "gosync_blocker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b->task));
	get_task_struct(b->task);
}

static inline void blocker_signal(struct blocker *b)
{
	send_sig(SIGUSR1, b->task, 1);
}

/*
 * Wait for a test's thread to finish: a thread still running after the
 * liveness bound (a lost wake-up) fails the test, named, and is then waited
 * for all the same: it uses the test's stack. Without the bound, KUnit's
 * own timeout could not stop the test either, and the boot would hang with
 * no test named.
 */
static inline bool wait_done(struct completion *done)
{
	if (wait_for_completion_timeout(done, msecs_to_jiffies(LIVENESS_MS)))
		return true;
	kunit_fail_current_test("a test thread is still blocked after %d ms", LIVENESS_MS);
	wait_for_completion(done);
	return false;
}

/* A blocker still blocked after the liveness bound fails the test and is signalled. */
static inline int blocker_finish(struct blocker *b)
{
	if (!wait_for_completion_timeout(&b->done, msecs_to_jiffies(LIVENESS_MS))) {
		kunit_fail_current_test("blocker still blocked after %d ms: signalled",
					LIVENESS_MS);
		blocker_signal(b);
		wait_done(&b->done);
	}
	put_task_struct(b->task);
	return b->ret;
}

/* A failed test's cleanup: end @b's call (SIGUSR1) and wait for it. */
static inline int blocker_cancel(struct blocker *b)
{
	blocker_signal(b);
	return blocker_finish(b);
}

/*
 * A blocker killed in its wait while the test holds its CPU: blocker_pin()
 * puts @b and the test on one CPU; blocker_kill() waits until @b sleeps
 * (off its run queue), then, real-time there, sends SIGKILL and calls
 * @then(@arg) (an Unlock, a Release) before @b can run again: @b wakes to
 * find both. blocker_unpin() undoes blocker_pin(). @b->killable must be set
 * before blocker_start(). blocker_race() does the same with another signal
 * (SIGUSR1, which ends a wait that nothing granted).
 * blocker_pin() and blocker_race() (and blocker_kill()) return false, the
 * test failed, if they could not: the caller then ends @b itself
 * (blocker_cancel()), and undoes what @then would have.
 */
static inline bool blocker_pin(struct kunit *test, struct blocker *b)
{
	unsigned int cpu = raw_smp_processor_id();
	int ret;

	ret = set_cpus_allowed_ptr(b->task, cpumask_of(cpu));
	if (!ret)
		ret = set_cpus_allowed_ptr(current, cpumask_of(cpu));
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "cannot pin the blocker and the test to CPU %u", cpu);
	return !ret;
}

static inline void blocker_unpin(void)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static inline bool blocker_race(struct kunit *test, struct blocker *b, int sig,
				void (*then)(struct kunit *test, void *arg), void *arg)
{
	if (!expect_true(test, wait_until(!READ_ONCE(b->task->on_rq))))
		return false;
	sched_set_fifo(current);
	send_sig(sig, b->task, 1);
	then(test, arg);
	sched_set_normal(current, 0);
	return true;
}

static inline bool blocker_kill(struct kunit *test, struct blocker *b,
				void (*then)(struct kunit *test, void *arg), void *arg)
{
	return blocker_race(test, b, SIGKILL, then, arg);
}

/* blocker_kill()'s @then: Unlock the Mutex, or the RWMutex's write lock, @m */
static inline void then_mutex_unlock(struct kunit *test, void *m)
{
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
}

static inline void then_rwmutex_unlock(struct kunit *test, void *rw)
{
	KUNIT_EXPECT_EQ(test, gs_rwmutex_unlock(rw), 0);
}

/* A blocker's call: Lock the Mutex @b->obj for @b->holder, no deadline. */
static inline int blocker_mutex_lock(struct blocker *b)
{
	return gs_mutex_lock(b->obj, &b->holder, FOREVER);
}

/* A wait case @op on @priv, of type @t, for @h, as the uapi layer resolves one. */
static inline void case_init(struct gs_case *c, const struct gs_type *t, void *priv,
			     struct gs_holder *h, u32 op)
{
	memset(c, 0, sizeof(*c));
	c->priv = priv;
	c->ops = t->cases;
	c->op = op;
	c->holder = h;
	c->type = t->id;
	c->id = (unsigned long)priv;
	c->gen = ~0ULL;
	INIT_LIST_HEAD(&c->cw.node);
}

/* Does @waiters, guarded by @lock, hold exactly @n entries? */
static inline bool nr_waiters_is(spinlock_t *lock, struct list_head *waiters, unsigned int n)
{
	struct list_head *pos;
	unsigned int count = 0;

	spin_lock(lock);
	list_for_each(pos, waiters)
		count++;
	spin_unlock(lock);
	return count == n;
}

/* RWMutexes (sync_test.c, fast_rw_test.c, lockstat_test.c) */
static inline int do_rw_lock(struct blocker *b)
{
	return gs_rwmutex_lock(b->obj, &b->holder, b->writer, FOREVER);
}

static inline bool rw_has_waiters(struct gs_rwmutex *rw, unsigned int n)
{
	return nr_waiters_is(&rw->lock, &rw->waiters, n);
}

/* Semaphores (sem_test.c, fast2_test.c) */
static inline int do_sem_acquire(struct blocker *b)
{
	return gs_sem_acquire(b->obj, &b->holder, b->n, FOREVER);
}

static inline bool sem_waiters_are(struct gs_sem *s, unsigned int n)
{
	return nr_waiters_is(&s->lock, &s->waiters, n);
}

static inline u64 sem_avail(struct gs_sem *s)
{
	u64 size, avail, held;
	u32 waiters;

	gs_sem_state(s, NULL, &size, &avail, &held, &waiters);
	return avail;
}

#endif /* _GOSYNC_KUNIT_H */
