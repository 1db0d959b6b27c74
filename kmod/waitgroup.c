// SPDX-License-Identifier: GPL-2.0
/*
 * gosync WaitGroup: Go's sync.WaitGroup. Add and Done move a counter; Wait
 * sleeps until it is zero. An fd of a WaitGroup polls readable while the
 * counter is zero.
 *
 * Go's misuse errors: a negative counter (-EINVAL, and the counter is left
 * as it was), and Add of a positive delta to a zero counter while waiters
 * released by the last zero have not yet returned (-EBUSY: "Add called
 * concurrently with Wait"; new Adds must come after earlier Waits return).
 *
 * Each time the counter reaches zero with waiters, a new generation starts:
 * those waiters wait for the generation to change, so a quick reuse of the
 * WaitGroup cannot strand them.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "internal.h"

struct gs_waitgroup *gs_waitgroup_create(void)
{
	struct gs_waitgroup *wg = kzalloc(sizeof(*wg), GOSYNC_GFP);

	if (!wg)
		return ERR_PTR(-ENOMEM);
	wg->stats = gs_stats_alloc();
	if (!wg->stats) {
		kfree(wg);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&wg->lock);
	init_waitqueue_head(&wg->wq);
	gs_sleepers_init(&wg->sleepers);
	atomic_set(&wg->waking, 0);
	return wg;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_create);

void gs_waitgroup_destroy(struct gs_waitgroup *wg)
{
	free_percpu(wg->stats);
	kfree(wg);
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_destroy);

/*
 * Move the counter by @delta, waking the waiters when it reaches zero. The
 * caller wakes them (@wake) after unlocking. Return as gs_waitgroup_add().
 */
static int wg_add_locked(struct gs_waitgroup *wg, s64 delta, bool *wake)
{
	s64 v;
	int ret = 0;

	lockdep_assert_held(&wg->lock);
	if (check_add_overflow(wg->count, delta, &v))
		ret = -EOVERFLOW;
	else if (v < 0)
		ret = -EINVAL;
	else if (delta > 0 && wg->count == 0 && atomic_read(&wg->waking))
		ret = -EBUSY;
	if (!ret) {
		/* Read locklessly by poll: see gs_waitgroup_poll(). */
		smp_store_release(&wg->count, v);
		if (v == 0 && delta) {
			/* Release this generation's waiters; they count down @waking. */
			atomic_add(wg->waiters, &wg->waking);
			wg->waiters = 0;
			WRITE_ONCE(wg->gen, wg->gen + 1);
			*wake = true;
		}
	}
	return ret;
}

/*
 * Drop the lock; if the counter reached zero, wake the released Waits (after
 * the lock is dropped: none of them needs it to return), then pollers and
 * selections (wake_up_all() orders our store of the counter before their
 * recheck, see gs_waitgroup_poll()).
 */
static void wg_unlock_wake(struct gs_waitgroup *wg, bool wake)
	__releases(&wg->lock)
{
	if (!wake) {
		spin_unlock(&wg->lock);
		return;
	}
	gs_sleepers_unlock_wake(&wg->sleepers, &wg->lock, true);
	wake_up_all(&wg->wq);
}

/**
 * gs_waitgroup_add() - Go's Add (Done is Add(-1))
 * @h: the caller's holder
 * @hold: GOSYNC_WG_F_HOLD: @h holds this (positive) Add until its Done
 * @counter: out: the counter after the Add
 *
 * A Done (@delta < 0) through @h settles @h's held Adds first.
 * Return: 0; -EINVAL if the counter would go negative (or @hold with a
 * delta not positive); -EBUSY for an Add racing with returning waiters;
 * -EOVERFLOW past S64_MAX.
 */
int gs_waitgroup_add(struct gs_waitgroup *wg, struct gs_holder *h, s64 delta, bool hold,
		     s64 *counter)
{
	bool wake = false;
	int ret;

	if (hold && delta <= 0)
		return -EINVAL;
	spin_lock(&wg->lock);
	ret = wg_add_locked(wg, delta, &wake);
	if (!ret && hold)
		h->wg_held += delta;
	else if (!ret && delta < 0)
		h->wg_held -= min(h->wg_held, -delta);
	*counter = wg->count;
	wg_unlock_wake(wg, wake);
	if (!ret)
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_ADDS, 1);
	else if (ret == -EINVAL || ret == -EBUSY)
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_MISUSE, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_add);

/**
 * gs_waitgroup_holder_gone() - @h's description is closing: the Adds it
 * still holds (GOSYNC_WG_F_HOLD) are done for it, and counted abandoned.
 */
void gs_waitgroup_holder_gone(struct gs_waitgroup *wg, struct gs_holder *h)
{
	bool wake = false;
	s64 n;

	spin_lock(&wg->lock);
	/* Dones through other fds (misuse) may have taken the counter lower */
	n = min(h->wg_held, wg->count);
	h->wg_held = 0;
	if (n)
		WARN_ON_ONCE(wg_add_locked(wg, -n, &wake));
	wg_unlock_wake(wg, wake);
	if (n)
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_ABANDONED, n);
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_holder_gone);

/** gs_waitgroup_load() - the counter now */
s64 gs_waitgroup_load(struct gs_waitgroup *wg)
{
	s64 v;

	spin_lock(&wg->lock);
	v = wg->count;
	spin_unlock(&wg->lock);
	return v;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_load);

/**
 * gs_waitgroup_wait() - Go's Wait: sleep until the counter is zero
 * @dl: when to give up
 * Return: 0, -ETIMEDOUT, -EINTR or -ERESTARTSYS.
 */
int gs_waitgroup_wait(struct gs_waitgroup *wg, const struct gs_deadline *dl)
{
	struct gs_sleeper w = { .task = current };
	u64 gen, start;
	int ret;

	spin_lock(&wg->lock);
	if (!wg->count) {
		spin_unlock(&wg->lock);
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
		return 0;
	}
	wg->waiters++;
	gen = wg->gen;
	list_add_tail(&w.node, &wg->sleepers.waiting);
	start = gs_trace_wait_begin(wg->id, GOSYNC_TYPE_WAITGROUP, GOSYNC_WG_WAIT);
	for (;;) {
		ret = gs_sleeper_sleep(&w, &wg->lock, dl);
		if (ret == 1)
			break;
		spin_lock(&wg->lock);
		if (w.woken) {
			spin_unlock(&wg->lock);
			break;
		}
		if (wg->gen != gen) {
			/* Released, not yet woken (a later batch): leave by ourselves. */
			list_del(&w.node);
			spin_unlock(&wg->lock);
			break;
		}
		if (ret) {
			list_del(&w.node);
			wg->waiters--;
			spin_unlock(&wg->lock);
			gs_trace_wait_end(wg->id, GOSYNC_TYPE_WAITGROUP, GOSYNC_WG_WAIT, start,
					  ret);
			return ret;
		}
	}
	/* Released, whatever else happened: we were counted in @waking. */
	atomic_dec(&wg->waking);
	gs_trace_wait_end(wg->id, GOSYNC_TYPE_WAITGROUP, GOSYNC_WG_WAIT, start, 0);
	gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_wait);

/**
 * gs_waitgroup_try_case() - a GOSYNC_IOC_WAIT WG_ZERO case's attempt
 * @gen: in/out: the generation the case first saw not zero (~0: none yet)
 *
 * Like Wait, the case is ready once the counter is zero or has been zero
 * since the case first looked (a new generation), so a quick reuse of the
 * WaitGroup does not strand it. Return: 0, -EAGAIN, or -EALREADY.
 */
int gs_waitgroup_try_case(struct gs_waitgroup *wg, u64 *gen, struct gs_sel *sel, int index)
{
	int ret = -EAGAIN;

	spin_lock(&wg->lock);
	if (!wg->count || (*gen != ~0ULL && wg->gen != *gen))
		ret = gs_sel_claim(sel, index) ? 0 : -EALREADY;
	else if (*gen == ~0ULL)
		*gen = wg->gen;
	spin_unlock(&wg->lock);
	if (!ret)
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_try_case);

/* Is the counter zero? Under the lock (GOSYNC_WAIT_ALL). */
bool gs_waitgroup_zero_locked(struct gs_waitgroup *wg)
{
	lockdep_assert_held(&wg->lock);
	return !wg->count;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_zero_locked);

/*
 * Readable while the counter is zero. The lockless read cannot miss a
 * wake-up (as in eventfd_poll()): Add stores the counter, then wake_up_all()
 * takes the queue lock; we add ourselves to the queue under that lock, then
 * read. Either Add's wake_up_all() came after our poll_wait() and wakes us,
 * or it ran first, and taking the queue lock in poll_wait() after it makes
 * its store visible to our read:
 *
 *   poll                                  Add (counter reaches 0)
 *   ----                                  ---
 *   poll_wait() (queue lock)
 *                                         store counter = 0
 *                                         wake_up_all(): sees us, wakes us
 *   read counter: maybe the old value
 * or
 *                                         store counter = 0
 *                                         wake_up_all(): queue empty
 *   poll_wait() (queue lock, after it)
 *   read counter: 0
 *
 * The acquire pairs with the release in gs_waitgroup_add(): what the Done's
 * caller wrote before it is visible to whoever sees the fd readable.
 */
__poll_t gs_waitgroup_poll(struct gs_waitgroup *wg, struct file *file, poll_table *pt)
{
	poll_wait(file, &wg->wq, pt);
	/* Pairs with smp_store_release() in gs_waitgroup_add(). */
	return smp_load_acquire(&wg->count) ? 0 : EPOLLIN | EPOLLRDNORM;
}
