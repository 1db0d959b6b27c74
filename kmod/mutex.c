// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Mutex: Go's sync.Mutex as a kernel sleeping lock that may be held
 * across returns to userspace and unlocked by anyone, which struct mutex
 * cannot do. A small spinlock guards the state; waiters sleep on their own
 * task in a FIFO list.
 *
 * Fairness is Go's: in normal mode Unlock frees the lock and wakes the
 * oldest waiter, which competes with newcomers (and usually loses to a
 * running one). A waiter that has waited more than 1 ms switches the mutex
 * to starvation mode, where Unlock hands the lock directly to the oldest
 * waiter and newcomers queue behind. A waiter that receives the lock leaves
 * starvation mode if it is the last waiter or waited less than 1 ms.
 *
 * Holders are struct gs_holder (one per open file description). A
 * robust mutex is released when its holder goes away, and the next locker
 * gets -EOWNERDEAD (with the lock held), as with robust futexes.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

#define GOSYNC_STARVATION_NS	NSEC_PER_MSEC

struct gs_mutex_waiter {
	struct list_head node;		/* in gs_mutex.waiters */
	struct task_struct *task;
	struct gs_holder *holder;
	bool granted;			/* Unlock handed us the lock */
};

struct gs_mutex *gs_mutex_create(bool robust)
{
	struct gs_mutex *m = kzalloc(sizeof(*m), GOSYNC_GFP);

	if (!m)
		return ERR_PTR(-ENOMEM);
	m->stats = gs_stats_alloc();
	if (!m->stats) {
		kfree(m);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&m->lock);
	INIT_LIST_HEAD(&m->waiters);
	m->robust = robust;
	return m;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_create);

void gs_mutex_destroy(struct gs_mutex *m)
{
	WARN_ON(!list_empty(&m->waiters));
	free_percpu(m->stats);
	kfree(m);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_destroy);

/* Take the free lock for @h; tell it whether the last holder died. */
static int gs_mutex_take_locked(struct gs_mutex *m, struct gs_holder *h)
{
	lockdep_assert_held(&m->lock);
	m->owner = h;
	if (!m->owner_died)
		return 0;
	m->owner_died = false;
	return -EOWNERDEAD;
}

static struct gs_mutex_waiter *gs_mutex_first_locked(struct gs_mutex *m)
{
	lockdep_assert_held(&m->lock);
	return list_first_entry_or_null(&m->waiters, struct gs_mutex_waiter, node);
}

/*
 * Unlock, or hand the lock to the oldest waiter in starvation mode, and wake
 * that waiter. Under m->lock the waiter cannot leave gs_mutex_lock(), so
 * its task and on-stack entry are alive for the wakeup.
 */
static void gs_mutex_unlock_locked(struct gs_mutex *m)
{
	struct gs_mutex_waiter *w = gs_mutex_first_locked(m);

	if (w && m->starving) {
		list_del(&w->node);
		w->granted = true;
		m->owner = w->holder;
	} else {
		m->owner = NULL;
	}
	if (w)
		wake_up_process(w->task);
}

static int mtx_try(struct gs_mutex *m, struct gs_holder *h)
{
	int ret = -EBUSY;

	spin_lock(&m->lock);
	if (!m->owner && list_empty(&m->waiters))
		m->starving = false;
	/* In starvation mode a free lock belongs to the oldest waiter */
	if (!m->owner && !m->starving)
		ret = gs_mutex_take_locked(m, h);
	spin_unlock(&m->lock);
	return ret;
}

/**
 * gs_mutex_trylock() - Go's TryLock
 * Return: 0, -EOWNERDEAD (locked; the previous holder died), or -EBUSY.
 */
int gs_mutex_trylock(struct gs_mutex *m, struct gs_holder *h)
{
	return gs_lock_counted(m->stats, mtx_try(m, h), GOSYNC_STAT_LOCKS);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_trylock);

static int mtx_lock_wait(struct gs_mutex *m, struct gs_holder *h, ktime_t deadline)
{
	struct gs_mutex_waiter w = { .task = current, .holder = h };
	ktime_t start = ktime_get();
	int ret;

	ret = mtx_try(m, h);
	if (ret != -EBUSY)
		return ret;

	spin_lock(&m->lock);
	list_add_tail(&w.node, &m->waiters);
	for (;;) {
		if (w.granted) {
			/* Unlock made us the owner and unlinked us */
			ret = 0;
			if (m->owner_died) {
				m->owner_died = false;
				ret = -EOWNERDEAD;
			}
			break;
		}
		if (!m->owner && (!m->starving || gs_mutex_first_locked(m) == &w)) {
			list_del(&w.node);
			ret = gs_mutex_take_locked(m, h);
			break;
		}
		/* Go: lost the lock after waiting over 1 ms: starvation mode */
		if (ktime_to_ns(ktime_sub(ktime_get(), start)) > GOSYNC_STARVATION_NS)
			m->starving = true;
		if (signal_pending(current))
			ret = -EINTR;
		else if (deadline != KTIME_MAX && ktime_after(ktime_get(), deadline))
			ret = -ETIMEDOUT;
		if (ret == -EINTR || ret == -ETIMEDOUT) {
			list_del(&w.node);
			/* We may have been the waiter Unlock woke: pass it on */
			if (!m->owner && gs_mutex_first_locked(m))
				wake_up_process(gs_mutex_first_locked(m)->task);
			spin_unlock(&m->lock);
			return ret;
		}
		/*
		 * Set our state before dropping the lock: a wake_up_process()
		 * by Unlock after that makes schedule() return at once.
		 */
		set_current_state(TASK_INTERRUPTIBLE);
		spin_unlock(&m->lock);
		if (deadline == KTIME_MAX)
			schedule();
		else
			schedule_hrtimeout_range(&deadline, 0, HRTIMER_MODE_ABS);
		spin_lock(&m->lock);
	}
	/* Go: leave starvation mode when the queue is empty or we barely waited */
	if (m->starving && (list_empty(&m->waiters) ||
			    ktime_to_ns(ktime_sub(ktime_get(), start)) < GOSYNC_STARVATION_NS))
		m->starving = false;
	spin_unlock(&m->lock);
	return ret;
}

/**
 * gs_mutex_lock() - Go's Lock, interruptible and with an optional deadline
 * @m: the mutex
 * @h: the holder to record
 * @deadline: absolute CLOCK_MONOTONIC time to give up at, or KTIME_MAX
 *
 * Return: 0; -EOWNERDEAD (locked; the previous holder died); -ETIMEDOUT;
 * -EINTR if a signal arrived first (the lock is not held).
 */
int gs_mutex_lock(struct gs_mutex *m, struct gs_holder *h, ktime_t deadline)
{
	return gs_lock_counted(m->stats, mtx_lock_wait(m, h, deadline), GOSYNC_STAT_LOCKS);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_lock);

/**
 * gs_mutex_unlock() - Go's Unlock: any holder may unlock
 * Return: 0, or -EPERM if the mutex is not locked.
 */
int gs_mutex_unlock(struct gs_mutex *m)
{
	int ret = 0;

	spin_lock(&m->lock);
	if (m->owner)
		gs_mutex_unlock_locked(m);
	else
		ret = -EPERM;
	spin_unlock(&m->lock);
	if (!ret)
		gs_stat_add(m->stats, GOSYNC_STAT_UNLOCKS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_unlock);

/**
 * gs_mutex_holder_gone() - @h's file description is closing
 *
 * A robust mutex held by @h is released and marked so the next locker gets
 * -EOWNERDEAD. A non-robust one stays locked (Go: a Mutex is not tied to
 * whoever locked it) until someone unlocks it.
 */
void gs_mutex_holder_gone(struct gs_mutex *m, struct gs_holder *h)
{
	spin_lock(&m->lock);
	if (m->robust && m->owner == h) {
		m->owner_died = true;
		gs_mutex_unlock_locked(m);
	}
	spin_unlock(&m->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_holder_gone);
