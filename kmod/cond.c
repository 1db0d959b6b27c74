// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Cond: Go's sync.Cond bound to a gosync Mutex (its c.L).
 *
 * Wait queues itself, then unlocks the Mutex: a Signal that follows the
 * Unlock finds it queued, which is what makes the unlock-and-sleep atomic
 * (Go's runtime_notifyListAdd before c.L.Unlock). It sleeps until a Signal or
 * Broadcast dequeues it, or its deadline or a signal ends the wait, and then
 * locks the Mutex again before it returns, in every case. Signal wakes the
 * longest waiter, Broadcast all; a Wait that starts after a Signal is not
 * woken by it (TestCondSignalGenerations).
 *
 * The Cond holds a reference to the Mutex's object for its whole life, so
 * closing every fd of the Mutex while a Cond waits is safe. Lock order:
 * the Cond's lock is never held while the Mutex's is taken, nor the other
 * way round.
 */
#include <linux/export.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

struct gs_cond_waiter {
	struct list_head node;		/* in gs_cond.waiters, oldest first */
	struct task_struct *task;
	u64 ticket;			/* when it began waiting (gs_cond.tickets) */
	u64 upto;			/* with @woken: the Signal's last ticket; 0: Broadcast */
	bool woken;			/* a Signal or Broadcast dequeued us */
};

static unsigned int cond_wake(struct gs_cond *c, bool all, u64 upto);

/*
 * A Wait woken by a Signal that it cannot take (it is dying, or its Mutex
 * was not locked) passes the Signal on to the next Wait that began before
 * the Signal, as Go's would have woken that one. A Broadcast woke them all.
 */
static void cond_pass_on(struct gs_cond *c, const struct gs_cond_waiter *w)
{
	if (w->upto)
		cond_wake(c, false, w->upto);
}

/**
 * gs_cond_create() - a Cond bound to the Mutex of @mutex_obj
 * @mutex_obj: the object of the Mutex that is c.L; another type is -EINVAL
 *
 * Return: the Cond (holding a reference to @mutex_obj), or an ERR_PTR.
 */
struct gs_cond *gs_cond_create(struct gs_obj *mutex_obj)
{
	struct gs_cond *c;

	if (mutex_obj->type->id != GOSYNC_TYPE_MUTEX)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GOSYNC_GFP);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->stats = gs_stats_alloc();
	if (!c->stats) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->waiters);
	gs_obj_get(mutex_obj);
	c->mutex_obj = mutex_obj;
	c->mutex = mutex_obj->priv;
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(gs_cond_create);

void gs_cond_destroy(struct gs_cond *c)
{
	WARN_ON(!list_empty(&c->waiters));
	gs_obj_put(c->mutex_obj);
	free_percpu(c->stats);
	kfree(c);
}
EXPORT_SYMBOL_IF_KUNIT(gs_cond_destroy);

/**
 * gs_cond_wait() - Go's c.Wait()
 * @c: the Cond; its Mutex must be locked (Wait unlocks it)
 * @h: the holder that locks the Mutex again (the caller's description of it)
 * @dl: when to give up waiting (the Mutex is locked again regardless)
 *
 * Return: 0 (woken); -ETIMEDOUT or -EINTR (a signal; never restarted) (not woken; the
 * Mutex is locked again); -EOWNERDEAD (woken or not: the relock found its
 * last robust holder dead; locked); -EPERM if the Mutex was not locked
 * (nothing happened); or, for a fatal signal, -EINTR with the Mutex not
 * locked (the task is dying; a Signal it took is passed on).
 */
int gs_cond_wait(struct gs_cond *c, struct gs_holder *h, const struct gs_deadline *dl)
{
	struct gs_cond_waiter w = { .task = current };
	int ret, relock;
	bool woken;
	u64 start;

	spin_lock(&c->lock);
	w.ticket = ++c->tickets;
	list_add_tail(&w.node, &c->waiters);
	c->nr_waiters++;
	spin_unlock(&c->lock);
	ret = gs_mutex_unlock(c->mutex);
	if (ret) {
		/* A Signal may have dequeued us meanwhile: pass it on, as below. */
		spin_lock(&c->lock);
		woken = w.woken;
		if (!woken) {
			list_del(&w.node);
			c->nr_waiters--;
		}
		spin_unlock(&c->lock);
		if (woken)
			cond_pass_on(c, &w);
		return ret;
	}
	start = gs_trace_wait_begin(c->id, GOSYNC_TYPE_COND, GOSYNC_COND_WAIT);
	for (;;) {
		set_current_state(gs_sleep_state(dl));
		/* Pairs with smp_store_release() in gs_cond_signal(). */
		if (smp_load_acquire(&w.woken)) {
			__set_current_state(TASK_RUNNING);
			ret = 0;
			break;
		}
		ret = gs_sleep(dl);
		if (ret)
			break;
	}
	if (ret) {
		spin_lock(&c->lock);
		if (w.woken) {
			ret = 0;	/* a Signal came first: take it, not the timeout */
		} else {
			list_del(&w.node);
			c->nr_waiters--;
		}
		spin_unlock(&c->lock);
	}
	gs_trace_wait_end(c->id, GOSYNC_TYPE_COND, GOSYNC_COND_WAIT, start, ret);
	gs_stat_add(c->stats, ret ? GOSYNC_STAT_COND_TIMEOUTS : GOSYNC_STAT_COND_WAITS, 1);
	/*
	 * A dying task must not take the Mutex (it would die holding it), nor
	 * swallow a Signal meant for a waiter that lives: pass it on.
	 */
	if (fatal_signal_pending(current)) {
		if (!ret)
			cond_pass_on(c, &w);
		return -EINTR;
	}
	/*
	 * Never restarted, even with an absolute deadline or no handler: a
	 * restart would be a new Wait, which misses a Signal or Broadcast made
	 * while this one relocked. Interrupted, Wait returns as from a spurious
	 * wake-up, which Go's callers handle (they Wait in a loop).
	 */
	if (gs_restarts(ret))
		ret = -EINTR;
	/*
	 * Lock again before returning, whatever happened; only dying stops it
	 * (a task killed meanwhile does not keep it: gs_mutex_lock()). Killed
	 * after gs_mutex_lock() looked, it gives the Mutex back here, as above.
	 */
	relock = gs_mutex_lock(c->mutex, h, &GS_KILLABLE);
	if (fatal_signal_pending(current)) {
		if (gs_locked(relock))
			gs_mutex_give_back(c->mutex, h, relock == -EOWNERDEAD);
		if (!ret)
			cond_pass_on(c, &w);
		return -EINTR;
	}
	return relock ?: ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_cond_wait);

/*
 * Wake the longest-waiting Wait that began by ticket @upto (0: by now), or
 * with @all every one. Return: the number woken.
 */
static unsigned int cond_wake(struct gs_cond *c, bool all, u64 upto)
{
	struct gs_cond_waiter *w, *tmp;
	unsigned int n = 0;
	struct gs_wake wake = GS_WAKE_INIT;

again:
	spin_lock(&c->lock);
	/* Only the Waits that began before us, however many batches it takes. */
	if (!upto)
		upto = c->tickets;
	list_for_each_entry_safe(w, tmp, &c->waiters, node) {
		if (gs_wake_full(&wake) || w->ticket > upto)
			break;
		list_del(&w->node);
		c->nr_waiters--;
		gs_wake_add(&wake, w->task);
		w->upto = all ? 0 : upto;
		/* Last: the waiter may return as soon as it sees this. */
		smp_store_release(&w->woken, true);
		n++;
		if (!all)
			break;
	}
	/* Broadcast: more than one batch of waiters. */
	if (all && gs_wake_full(&wake)) {
		spin_unlock(&c->lock);
		gs_wake_up(&wake);
		goto again;
	}
	spin_unlock(&c->lock);
	gs_wake_up(&wake);
	return n;
}

/**
 * gs_cond_signal() - Go's c.Signal() (@all false) or c.Broadcast()
 * @c: the Cond
 * @all: wake every Wait that began before this call, not only the longest
 *	waiting one
 *
 * Return: the number of Waits woken.
 */
unsigned int gs_cond_signal(struct gs_cond *c, bool all)
{
	gs_stat_add(c->stats, all ? GOSYNC_STAT_COND_BROADCASTS : GOSYNC_STAT_COND_SIGNALS, 1);
	return cond_wake(c, all, 0);
}
EXPORT_SYMBOL_IF_KUNIT(gs_cond_signal);

unsigned int gs_cond_waiters(struct gs_cond *c)
{
	unsigned int n;

	spin_lock(&c->lock);
	n = c->nr_waiters;
	spin_unlock(&c->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gs_cond_waiters);
