// SPDX-License-Identifier: GPL-2.0
/*
 * gosync deadlock detection: a Lock or RLock that would wait forever for
 * what its caller holds fails at once with -EDEADLK, as fcntl record locks
 * do (fs/locks.c: posix_locks_deadlock(), blocked_hash).
 *
 * Self-deadlock (mutex.c, rwmutex.c, and ALL waits in wait.c): the lock is
 * held through the caller's own open file description by the calling task
 * itself (gs_mutex_self_deadlock(), gs_rwmutex_self_deadlock()).
 *
 * Cycles (here): a task about to sleep in a robust Mutex's Lock or a robust
 * RWMutex's Lock or RLock registers in gs_blocked_hash (task -> the lock it
 * waits for) and walks: the lock's holder task (a Mutex's owner_task, an
 * RWMutex's writer's), the lock that task waits for, its holder, ... at most
 * GS_DEADLOCK_MAX_DEPTH steps. Reaching the caller again closes a cycle:
 * the caller unregisters and gets -EDEADLK, the others keep waiting.
 *
 * Registrations and walks are serialized by gs_deadlock_lock, so of the
 * waits that close a cycle the last to register finds it. A walk takes one
 * object lock at a time inside gs_deadlock_lock, to read the holder; no path
 * takes gs_deadlock_lock under an object lock, so the order is one.
 *
 * Every task in a found cycle is registered, so sleeping in a lock call, and
 * holds the next lock: nothing in the cycle can release anything. Only a
 * third party can break it (an Unlock through another fd, as Go allows; a
 * close that drops a robust holder), or a deadline or signal of a waiter,
 * which is what fcntl accepts too. Not followed (the walk stops, so misses
 * a cycle through them but never reports a false one): non-robust locks (Go's:
 * anyone may unlock them), read-held RWMutexes (many holders), Semaphores,
 * and tasks waiting in GOSYNC_IOC_WAIT or a Cond's Wait.
 */
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/sched.h>

#include "internal.h"

#define GS_BLOCKED_HASH_BITS	7

/* Protects gs_blocked_hash and gs_nr_blocked; taken before any object lock. */
static DEFINE_SPINLOCK(gs_deadlock_lock);
static DEFINE_HASHTABLE(gs_blocked_hash, GS_BLOCKED_HASH_BITS);
static unsigned int gs_nr_blocked;

static struct gs_blocked *gs_blocked_find_locked(const struct task_struct *task)
{
	struct gs_blocked *b;

	lockdep_assert_held(&gs_deadlock_lock);
	hash_for_each_possible(gs_blocked_hash, b, node, (unsigned long)task)
		if (b->task == task)
			return b;
	return NULL;
}

/*
 * The holder task of @b's lock, if the walk follows it (see the top), and
 * what that task waits for: NULL if nothing. *@self: the holder is current.
 * The holder is compared only while the object's lock keeps it referenced.
 */
static struct gs_blocked *gs_blocked_next_locked(const struct gs_blocked *b, bool *self)
{
	struct task_struct *owner = NULL;
	struct gs_blocked *next = NULL;
	spinlock_t *lock;	/* the object's: guards its holder */

	lockdep_assert_held(&gs_deadlock_lock);
	/*
	 * spin_lock(), not a trylock that would end the walk: each task on
	 * the chain takes the lock it waits for just after registering, to
	 * queue, and a walk that gave up there would miss for good the cycle
	 * current closes: only the last to register looks. The wait is short:
	 * state() (INFO, LIST, fdinfo) copies a bounded number of holders and
	 * counts the rest instead of walking their lists.
	 */
	if (b->kind == GS_DL_MUTEX) {
		struct gs_mutex *m = b->lock;

		lock = &m->lock;
		spin_lock(lock);
		if (m->robust && m->owner)
			owner = m->owner_task;
	} else {
		struct gs_rwmutex *rw = b->lock;

		lock = &rw->lock;
		spin_lock(lock);
		if (rw->robust && rw->writer)
			owner = rw->owner_task;
	}
	*self = owner == current;
	if (owner && !*self)
		next = gs_blocked_find_locked(owner);
	spin_unlock(lock);
	return next;
}

/*
 * Does a chain of holders from @me's lock come back to current? The first
 * step does not count: a lock current holds through another description
 * is another holder's (a thread may act for several), and the caller
 * checked its own description already.
 */
static bool gs_deadlock_cycle_locked(const struct gs_blocked *me)
{
	const struct gs_blocked *b = me;
	unsigned int i;
	bool self;

	lockdep_assert_held(&gs_deadlock_lock);
	for (i = 0; i < GS_DEADLOCK_MAX_DEPTH && b; i++) {
		b = gs_blocked_next_locked(b, &self);
		if (self)
			return i > 0;
	}
	return false;
}

/**
 * gs_deadlock_enter() - current is about to sleep for @lock: register, and
 *	refuse if that closes a cycle
 * @b: the waiter's entry, on its stack; pass it to gs_deadlock_exit() after
 *	the wait however it ends
 * @kind: @lock's type
 * @lock: a robust struct gs_mutex or gs_rwmutex (others are not registered)
 *
 * Called with no object lock held. Return: 0 (registered), or -EDEADLK
 * (not registered).
 */
int gs_deadlock_enter(struct gs_blocked *b, enum gs_deadlock_kind kind, void *lock)
{
	int ret = 0;

	*b = (struct gs_blocked){ .task = current, .kind = kind, .lock = lock };
	spin_lock(&gs_deadlock_lock);
	if (WARN_ON_ONCE(gs_blocked_find_locked(current))) {
		spin_unlock(&gs_deadlock_lock);
		return 0;
	}
	if (gs_deadlock_cycle_locked(b)) {
		ret = -EDEADLK;
	} else {
		hash_add(gs_blocked_hash, &b->node, (unsigned long)current);
		b->registered = true;
		gs_nr_blocked++;
	}
	spin_unlock(&gs_deadlock_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_deadlock_enter);

/* The wait of @b ended (granted, timed out, interrupted, refused): unregister. */
void gs_deadlock_exit(struct gs_blocked *b)
{
	if (!b->registered)
		return;
	spin_lock(&gs_deadlock_lock);
	hash_del(&b->node);
	gs_nr_blocked--;
	spin_unlock(&gs_deadlock_lock);
	b->registered = false;
}
EXPORT_SYMBOL_IF_KUNIT(gs_deadlock_exit);

/* Tasks registered now: for KUnit's check that every wait unregisters. */
unsigned int gs_deadlock_nr_blocked(void)
{
	unsigned int n;

	spin_lock(&gs_deadlock_lock);
	n = gs_nr_blocked;
	spin_unlock(&gs_deadlock_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gs_deadlock_nr_blocked);
