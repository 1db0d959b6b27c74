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
 * starvation mode if it is the last waiter or waited less than 1 ms; so does
 * a last waiter that leaves without it.
 *
 * A selection's LOCK case (GOSYNC_IOC_WAIT, wait.c) takes its place in the
 * same FIFO once armed (gs_mutex_arm()), so that in starvation mode a
 * stream of Locks cannot keep it waiting: the handoff claims its selection
 * for the case, as a channel counterpart does (gs_mutex_pass_locked()).
 *
 * Holders are struct gs_holder (one per open file description). A
 * robust mutex is released when its holder goes away, and the next locker
 * gets -EOWNERDEAD (with the lock held), as with robust futexes.
 *
 * A mapped mutex (gs_mutex_map()) keeps who holds it in a word of a page
 * that userspace shares: the holder's token (struct gs_holder.token) and
 * GOSYNC_MUTEX_WAITERS. Userspace locks and unlocks an uncontended mutex
 * by compare-and-swap from 0 to its token and back, without the kernel;
 * any other value sends it here. Under m->lock the kernel first sets
 * WAITERS (gs_mutex_free_locked()), after which userspace cannot change the
 * word: a CAS from 0 fails on a free word, and the holder's CAS back to 0
 * fails on a held one, so its Unlock comes here and wakes whoever waits.
 * The kernel clears WAITERS when it frees the word with nobody waiting or
 * watching, and when it gives the word to a locker with nobody else so
 * (gs_mutex_watched_locked()): that holder's Unlock is a CAS again, so the
 * mutex returns to the fast path at once instead of after an Unlock that
 * finds the queue empty, which two contending lockers rarely do. Starvation
 * mode, handoff and EOWNERDEAD then work as for an unmapped
 * mutex. GOSYNC_MUTEX_SPINNING is userspace's own handoff between spinners
 * (the uapi header): the kernel reads a word without a token as free,
 * whatever that bit says, and drops it whenever it writes the word. The
 * kernel never trusts the word for anything but this object's
 * state: a process that writes garbage there confuses only its users.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

#define GOSYNC_STARVATION_NS	NSEC_PER_MSEC

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
	INIT_LIST_HEAD(&m->lockers);
	init_waitqueue_head(&m->wq);
	m->robust = robust;
	return m;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_create);

void gs_mutex_destroy(struct gs_mutex *m)
{
	WARN_ON(!list_empty(&m->waiters));
	gs_owner_task_set(&m->owner_task, NULL);	/* destroyed while locked */
	gs_who_clear(&m->who);
	free_percpu(m->stats);
	kfree(m);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_destroy);

/**
 * gs_mutex_map() - keep @m's state in @word, a mapped object's shared word
 * @m: the mutex, just created
 * @word: naturally aligned (struct gosync_mapped.mutex)
 *
 * Before anyone else can see @m; @word is zero (unlocked).
 */
void gs_mutex_map(struct gs_mutex *m, u32 *word)
{
	m->word = word;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_map);

static atomic_t *gs_mutex_atomic(struct gs_mutex *m)
{
	return (atomic_t *)m->word;
}

/* The token @h writes in a mapped word; a holder without one is nobody's. */
static u32 gs_mutex_token(const struct gs_holder *h)
{
	return h->token ?: GOSYNC_MUTEX_TOKEN;
}

/*
 * Is it free for the kernel's lockers? A mapped mutex is fenced first:
 * with WAITERS set, its word changes only here until m->lock is dropped
 * (see the top of this file), and if it is held its Unlock will come here.
 * One atomic OR, no retry loop a process could keep failing.
 */
static bool gs_mutex_free_locked(struct gs_mutex *m)
{
	lockdep_assert_held(&m->lock);
	if (m->word)
		return !(atomic_fetch_or(GOSYNC_MUTEX_WAITERS, gs_mutex_atomic(m)) &
			 GOSYNC_MUTEX_TOKEN);
	return !m->owner;
}

/*
 * Must a mapped word stay fenced? While anyone waits, or a poller or
 * selection watches (they join m->wq before they take m->lock to look: one
 * this misses looks later, and fences the word again), its Unlock must come
 * here. Else the word goes back to the fast path.
 */
static bool gs_mutex_watched_locked(struct gs_mutex *m)
{
	lockdep_assert_held(&m->lock);
	return !list_empty(&m->waiters) || wq_has_sleeper(&m->wq);
}

/* May a fenced mapped word go back to the fast path: nobody needs the fence? */
static bool gs_mutex_fence_unneeded_locked(struct gs_mutex *m)
{
	lockdep_assert_held(&m->lock);
	return m->word && !gs_mutex_watched_locked(m) && !m->owner_died;
}

/*
 * Unlock of a free mutex: -EPERM (Go's "unlock of unlocked mutex"). A word
 * fenced to find that out goes back to the fast path if nobody needs the
 * fence: free and fenced, userspace cannot change it meanwhile.
 */
static int gs_mutex_unfence_free_locked(struct gs_mutex *m)
{
	lockdep_assert_held(&m->lock);
	if (gs_mutex_fence_unneeded_locked(m))
		atomic_set_release(gs_mutex_atomic(m), 0);
	return -EPERM;
}

/*
 * Take the lock, free (and fenced, if mapped), for @h, run by @task; tell it
 * whether the last holder died. A mapped word keeps WAITERS while someone
 * waits or watches, so this holder's Unlock comes to the kernel, which wakes
 * them; else it is left unfenced (a bit left set would only be slow).
 */
static int gs_mutex_take_locked(struct gs_mutex *m, struct gs_holder *h,
				struct task_struct *task)
{
	lockdep_assert_held(&m->lock);
	if (m->word) {
		/*
		 * No barrier: the fence's fully ordered atomic_fetch_or() read
		 * the release of the Unlock that freed it (or a handoff's
		 * unlocker holds m->lock, which the woken waiter then takes or
		 * reads w->granted with acquire).
		 */
		m->who_token = gs_mutex_token(h);
		atomic_set(gs_mutex_atomic(m), m->who_token |
			   (gs_mutex_watched_locked(m) ? GOSYNC_MUTEX_WAITERS : 0));
	} else {
		m->owner = h;
		gs_owner_task_set(&m->owner_task, task);
	}
	gs_who_set(&m->who, task);
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

static void gs_mutex_enqueue_locked(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	lockdep_assert_held(&m->lock);
	list_add_tail(&w->node, &m->waiters);
	if (!w->sel) {
		list_add_tail(&w->lnode, &m->lockers);
		m->nr_waiters++;
	}
}

static void gs_mutex_dequeue_locked(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	lockdep_assert_held(&m->lock);
	list_del_init(&w->node);
	if (!w->sel) {
		list_del(&w->lnode);
		m->nr_waiters--;
	}
	/*
	 * Go: starvation mode lasts while someone waits. A last waiter that
	 * leaves without the lock (a timeout, a signal, a selection won
	 * elsewhere) leaves nobody to starve, nor anyone a Lock passed.
	 */
	if (list_empty(&m->waiters)) {
		WRITE_ONCE(m->starving, false);
		m->barged = 0;
	}
}

/*
 * Go: a waiter that lost the lock after waiting over 1 ms switches to
 * starvation mode. Mapped, also once a Lock took it past a waiter: its
 * holder's next Lock is a CAS in userspace or one system call, against a
 * waiter's wake-up, so in 1 ms it would pass the waiter a hundred times.
 */
static void gs_mutex_starve_locked(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	lockdep_assert_held(&m->lock);
	if (ktime_to_ns(ktime_sub(ktime_get(), w->start)) > GOSYNC_STARVATION_NS ||
	    (m->word && m->barged))
		WRITE_ONCE(m->starving, true);
}

/* Go: leave starvation mode when no one else waits, or @w barely waited. */
static void gs_mutex_end_starving_locked(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	lockdep_assert_held(&m->lock);
	if (m->starving && (list_empty(&m->waiters) ||
			    ktime_to_ns(ktime_sub(ktime_get(), w->start)) < GOSYNC_STARVATION_NS))
		WRITE_ONCE(m->starving, false);
}

/*
 * The lock is free (and fenced, if mapped) and waiters may be queued. In
 * starvation mode it goes to the oldest that can take it: a Lock, or a
 * selection's case whose selection we claim for it. One decided elsewhere
 * leaves the queue (its owner disarms it later); one whose owner is
 * claiming it for a channel case (GS_SEL_BUSY) is passed over: if that
 * claim fails, the owner tries again, woken with the pollers
 * (gs_mutex_wake_pollers()), and finds the lock free and itself first, or
 * handed to it. In normal mode the oldest Lock is woken to compete
 * (selections are woken with the pollers), found in m->lockers: not by
 * walking past every selection's queued case on each Unlock. Either way
 * the task is woken after the caller drops m->lock (@wake), so it never
 * spins on the lock its waker holds. A granted Lock learns it from
 * w->granted alone: the store-release below is the last access to its
 * on-stack entry, and gs_wake_add() has referenced its task; a selection
 * reads it in gs_mutex_disarm(), under m->lock.
 */
static void gs_mutex_pass_locked(struct gs_mutex *m, struct gs_wake *wake)
{
	struct gs_mutex_waiter *w, *tmp;

	lockdep_assert_held(&m->lock);
	if (!m->starving) {
		w = list_first_entry_or_null(&m->lockers, struct gs_mutex_waiter, lnode);
		if (w)
			gs_wake_add(wake, w->task);
		return;
	}
	list_for_each_entry_safe(w, tmp, &m->waiters, node) {
		if (w->sel && !gs_sel_claim(w->sel, w->index)) {
			if (gs_sel_decided(w->sel))
				gs_mutex_dequeue_locked(m, w);
			continue;
		}
		gs_mutex_dequeue_locked(m, w);
		m->barged = 0;
		w->ret = gs_mutex_take_locked(m, w->holder, w->task);
		gs_mutex_end_starving_locked(m, w);
		gs_wake_add(wake, w->task);
		/* Pairs with smp_load_acquire() in mtx_lock_sleep(). */
		smp_store_release(&w->granted, true);
		return;
	}
}

/* Unlock, or hand the lock to the oldest waiter in starvation mode. */
static void gs_mutex_unlock_locked(struct gs_mutex *m, struct gs_wake *wake)
{
	lockdep_assert_held(&m->lock);
	if (m->word) {
		/*
		 * Free, but fenced while anyone waits or watches, or a death
		 * is to be told; a handoff below overwrites it. A watcher told
		 * "free" without polling again (io_uring's poll takes the
		 * wake-up's mask) may find it taken by a fast Lock, and is not
		 * told again unless that holder's Unlock comes here. Release:
		 * the critical section happens before the next holder's.
		 */
		atomic_set_release(gs_mutex_atomic(m),
				   gs_mutex_watched_locked(m) || m->owner_died ?
				   GOSYNC_MUTEX_WAITERS : 0);
	} else {
		m->owner = NULL;
		gs_owner_task_set(&m->owner_task, NULL);
	}
	/*
	 * m->who is kept, reported only while owned: a next Lock by the same
	 * process then takes no new pid reference (gs_who_set()).
	 */
	gs_mutex_pass_locked(m, wake);
}

/* The lock may be free now: tell pollers and waiting selections. */
static void gs_mutex_wake_pollers(struct gs_mutex *m)
{
	if (wq_has_sleeper(&m->wq))
		wake_up_interruptible_poll(&m->wq, EPOLLIN | EPOLLRDNORM);
}

/*
 * A waiter left the queue without the lock: if the lock is free, pass it
 * on as Unlock would have (Unlock may have woken the waiter, or passed it
 * over). Return: true if it was free: then the caller wakes the pollers
 * after dropping m->lock, as Unlock does, for the selections it passed over
 * (GS_SEL_BUSY) to try again, and, with the queue now empty, for the
 * pollers and wait-alls that the waiter's turn in starvation mode kept out.
 */
static bool gs_mutex_left_locked(struct gs_mutex *m, struct gs_wake *wake)
{
	lockdep_assert_held(&m->lock);
	if (!gs_mutex_free_locked(m))
		return false;
	gs_mutex_pass_locked(m, wake);
	return true;
}

/* Is @w (NULL: not queued) in the queue? */
static bool gs_mutex_queued(const struct gs_mutex_waiter *w)
{
	return w && !list_empty(&w->node);
}

/*
 * Could @w's locker (@w NULL: one not queued) take the lock now? In
 * starvation mode a free lock belongs to the oldest waiter (and starvation
 * ends when no one waits).
 */
static bool gs_mutex_ready_for_locked(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	lockdep_assert_held(&m->lock);
	if (!gs_mutex_free_locked(m))
		return false;
	if (!m->starving || list_empty(&m->waiters))
		return true;
	return gs_mutex_queued(w) && gs_mutex_first_locked(m) == w;
}

/* Would a TryLock succeed now? */
bool gs_mutex_ready_locked(struct gs_mutex *m)
{
	return gs_mutex_ready_for_locked(m, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_ready_locked);

/*
 * Take the lock if it is ready for @w's locker (@w NULL: one not queued),
 * for @sel's case @index (see struct gs_sel), run by current.
 */
static int gs_mutex_take_for_locked(struct gs_mutex *m, struct gs_holder *h,
				    struct gs_sel *sel, int index, struct gs_mutex_waiter *w)
{
	int ret;

	lockdep_assert_held(&m->lock);
	if (!gs_mutex_ready_for_locked(m, w))
		return -EBUSY;
	if (!gs_sel_claim(sel, index))
		return -EALREADY;
	if (!gs_mutex_queued(w)) {
		WRITE_ONCE(m->starving, false);
		if (m->word && !list_empty(&m->waiters))
			m->barged++;
		return gs_mutex_take_locked(m, h, current);
	}
	gs_mutex_dequeue_locked(m, w);
	m->barged = 0;
	ret = gs_mutex_take_locked(m, h, current);
	gs_mutex_end_starving_locked(m, w);
	return ret;
}

/* Take the lock if it is ready, for @sel's case @index (see struct gs_sel). */
int gs_mutex_take_ready_locked(struct gs_mutex *m, struct gs_holder *h,
			       struct gs_sel *sel, int index)
{
	return gs_mutex_take_for_locked(m, h, sel, index, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_take_ready_locked);

/*
 * A try; a queued @w that could not take it may switch to starvation mode.
 * A held word fenced only to look goes back to the fast path, or a TryLock
 * or a select's case that only looked would cost the holder's Unlock a
 * syscall.
 */
static int mtx_try(struct gs_mutex *m, struct gs_holder *h, struct gs_sel *sel, int index,
		   struct gs_mutex_waiter *w)
{
	int ret;

	spin_lock(&m->lock);
	ret = gs_mutex_take_for_locked(m, h, sel, index, w);
	if (ret == -EBUSY && gs_mutex_queued(w))
		gs_mutex_starve_locked(m, w);
	else if (ret == -EBUSY && gs_mutex_fence_unneeded_locked(m))
		atomic_andnot(GOSYNC_MUTEX_WAITERS, gs_mutex_atomic(m));
	spin_unlock(&m->lock);
	return ret;
}

/**
 * gs_mutex_trylock() - Go's TryLock
 * @m: the mutex
 * @h: the holder to record
 *
 * Return: 0, -EOWNERDEAD (locked; the previous holder died), or -EBUSY.
 */
int gs_mutex_trylock(struct gs_mutex *m, struct gs_holder *h)
{
	int ret = mtx_try(m, h, NULL, 0, NULL);

	gs_trace_acquired(m->id, GOSYNC_TYPE_MUTEX, GOSYNC_LOCK_TRYLOCK, 1, 0, ret);
	return gs_lock_counted(m->stats, ret, GOSYNC_STAT_LOCKS);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_trylock);

/* A case's answer: -EAGAIN for not free; a lock taken is counted. */
static int gs_mutex_case_ret(struct gs_mutex *m, int ret)
{
	if (ret == -EBUSY)
		return -EAGAIN;
	return ret == -EALREADY ? ret : gs_lock_counted(m->stats, ret, GOSYNC_STAT_LOCKS);
}

/**
 * gs_mutex_try_case() - a GOSYNC_IOC_WAIT case's attempt: TryLock for @sel
 * @m: the mutex
 * @h: the holder to record
 * @sel: the caller's selection, claimed if the lock is taken
 * @index: the case's index in @sel
 * @w: the case's place in the queue once gs_mutex_arm() ran (zeroed
 *	before: not queued)
 *
 * Return: 0, -EOWNERDEAD, -EAGAIN (not free), -EALREADY (@sel won elsewhere).
 */
int gs_mutex_try_case(struct gs_mutex *m, struct gs_holder *h, struct gs_sel *sel, int index,
		      struct gs_mutex_waiter *w)
{
	return gs_mutex_case_ret(m, mtx_try(m, h, sel, index, w->sel ? w : NULL));
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_try_case);

/**
 * gs_mutex_arm() - try a case once more and, if it would wait, queue it
 * @m: the mutex
 * @h: the holder to record
 * @sel: the caller's selection
 * @index: the case's index in @sel
 * @w: the case's place in the queue; gs_mutex_disarm() takes it out
 *
 * Queued, the case waits its turn in the FIFO with Lock callers: in
 * starvation mode Unlock hands it the lock by claiming @sel for @index.
 * Return: as gs_mutex_try_case(); -EAGAIN: queued.
 */
int gs_mutex_arm(struct gs_mutex *m, struct gs_holder *h, struct gs_sel *sel, int index,
		 struct gs_mutex_waiter *w)
{
	int ret;

	*w = (struct gs_mutex_waiter){ .task = current, .holder = h, .sel = sel,
				       .index = index, .start = ktime_get() };
	INIT_LIST_HEAD(&w->node);
	spin_lock(&m->lock);
	ret = gs_mutex_take_for_locked(m, h, sel, index, NULL);
	if (ret == -EBUSY)
		gs_mutex_enqueue_locked(m, w);
	spin_unlock(&m->lock);
	return gs_mutex_case_ret(m, ret);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_arm);

/**
 * gs_mutex_disarm() - take an armed case out of the queue, and say how it ended
 * @m: the mutex gs_mutex_arm() ran on
 * @w: the case's place
 *
 * A lock left free while @w was queued is passed on: Unlock may have
 * passed @w over while its owner was claiming its selection elsewhere.
 * Return: the case's result if Unlock handed it the lock, else -EAGAIN.
 */
int gs_mutex_disarm(struct gs_mutex *m, struct gs_mutex_waiter *w)
{
	struct gs_wake wake = GS_WAKE_INIT;
	int ret = -EAGAIN;
	bool free = false;

	spin_lock(&m->lock);
	if (w->granted) {
		ret = w->ret;
	} else if (gs_mutex_queued(w)) {
		gs_mutex_dequeue_locked(m, w);
		free = gs_mutex_left_locked(m, &wake);
	}
	spin_unlock(&m->lock);
	gs_wake_up(&wake);
	if (free)
		gs_mutex_wake_pollers(m);
	return ret == -EAGAIN ? ret : gs_lock_counted(m->stats, ret, GOSYNC_STAT_LOCKS);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_disarm);

/**
 * gs_mutex_self_deadlock() - would current's Lock through @h wait for itself?
 * @m: the mutex current would lock
 * @h: the holder it would lock through
 *
 * A robust mutex that @h holds, locked by this very task: only a third
 * party's Unlock could end the wait (see deadlock.c). A non-robust mutex is
 * Go's, which anyone may unlock: never.
 */
bool gs_mutex_self_deadlock(struct gs_mutex *m, struct gs_holder *h)
{
	bool ret;

	/* A mapped mutex's owner task is unknown: never (deadlock.c). */
	spin_lock(&m->lock);
	ret = m->robust && m->owner && m->owner == h && m->owner_task == current;
	spin_unlock(&m->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_self_deadlock);

static int mtx_lock_sleep(struct gs_mutex *m, struct gs_holder *h,
			  const struct gs_deadline *dl);

static int mtx_lock_wait(struct gs_mutex *m, struct gs_holder *h, const struct gs_deadline *dl)
{
	ktime_t spin_until = ktime_add_ns(ktime_get(), GS_SPIN_NS);
	struct gs_blocked blocked = {};
	int ret;

	ret = mtx_try(m, h, NULL, 0, NULL);
	/*
	 * A running holder will likely unlock before we could sleep and wake.
	 * A mapped mutex's holder is not known: userspace spun already. In
	 * starvation mode the lock is handed to the oldest waiter (Go does not
	 * spin then either): spinning could only fail, up to GS_SPIN_NS, with
	 * the unlock often free and no owner to watch. The lockless read is a
	 * hint; mtx_try() decides under the lock.
	 */
	while (ret == -EBUSY && !m->word && !READ_ONCE(m->starving) &&
	       gs_spin_on_owner(&m->lock, &m->owner_task, spin_until))
		ret = mtx_try(m, h, NULL, 0, NULL);
	if (ret != -EBUSY)
		return ret;

	/* A killable wait must end locked (a Cond's relock): it never refuses. */
	if (!dl->killable && gs_mutex_self_deadlock(m, h))
		return -EDEADLK;
	if (m->robust && !dl->killable) {
		ret = gs_deadlock_enter(&blocked, GS_DL_MUTEX, m);
		if (ret)
			return ret;
	}
	ret = mtx_lock_sleep(m, h, dl);
	gs_deadlock_exit(&blocked);
	return ret;
}

/*
 * Queue and sleep. The wait that can switch to starvation mode starts here,
 * after the spin, as Go's waitStartTime does: a Lock delayed before it
 * queued (preempted, or slowed by KCSAN) has lost no race to anyone.
 */
static int mtx_lock_sleep(struct gs_mutex *m, struct gs_holder *h,
			  const struct gs_deadline *dl)
{
	struct gs_mutex_waiter w = { .task = current, .holder = h, .start = ktime_get() };
	struct gs_wake wake = GS_WAKE_INIT;
	int ret;

	spin_lock(&m->lock);
	gs_mutex_enqueue_locked(m, &w);
	for (;;) {
		ret = gs_mutex_take_for_locked(m, h, NULL, 0, &w);
		if (ret != -EBUSY) {
			spin_unlock(&m->lock);
			return ret;
		}
		gs_mutex_starve_locked(m, &w);
		/*
		 * Set our state before dropping the lock: a wake-up by Unlock
		 * after that makes gs_sleep() return at once.
		 */
		set_current_state(gs_sleep_state(dl));
		spin_unlock(&m->lock);
		/* A handoff needs no lock to be seen: Unlock unqueued us. */
		if (smp_load_acquire(&w.granted)) {
			__set_current_state(TASK_RUNNING);
			return w.ret;
		}
		ret = gs_sleep(dl);
		/* Pairs with the granter's smp_store_release(). */
		if (smp_load_acquire(&w.granted))
			return w.ret;
		spin_lock(&m->lock);
		if (w.granted) {
			spin_unlock(&m->lock);
			return w.ret;
		}
		if (ret) {
			bool free;

			gs_mutex_dequeue_locked(m, &w);
			/* We may have been the waiter Unlock woke: pass it on */
			free = gs_mutex_left_locked(m, &wake);
			spin_unlock(&m->lock);
			gs_wake_up(&wake);
			if (free)
				gs_mutex_wake_pollers(m);
			return ret;
		}
	}
}

/**
 * gs_mutex_lock() - Go's Lock, interruptible and with an optional deadline
 * @m: the mutex
 * @h: the holder to record
 * @dl: when to give up
 *
 * Return: 0; -EOWNERDEAD (locked; the previous holder died); -ETIMEDOUT;
 * @dl->sig_ret if a signal arrived first (the lock is not held); -EINTR
 * for a task being killed (not held); -EDEADLK if it would wait for
 * current itself (deadlock.c).
 */
int gs_mutex_lock(struct gs_mutex *m, struct gs_holder *h, const struct gs_deadline *dl)
{
	int ret = mtx_try(m, h, NULL, 0, NULL);
	u64 start, waited = 0;

	/* Contended: time the wait (the fast path above reads no clock). */
	if (ret == -EBUSY) {
		start = gs_contended_begin(m->id, GOSYNC_TYPE_MUTEX, GOSYNC_LOCK_LOCK, 1);
		ret = mtx_lock_wait(m, h, dl);
		waited = gs_contended_end(&m->lockstat, m->id, GOSYNC_TYPE_MUTEX,
					  GOSYNC_LOCK_LOCK, 1, start, ret);
	}
	gs_trace_acquired(m->id, GOSYNC_TYPE_MUTEX, GOSYNC_LOCK_LOCK, 1, waited, ret);
	ret = gs_lock_counted(m->stats, ret, GOSYNC_STAT_LOCKS);
	/*
	 * A task being killed never returns to use the lock: one handed to
	 * it after the kill woke it (a handoff, or a retry that found the
	 * lock free) would die with it, held. Pass it on (an Unlock, counted).
	 */
	if (gs_locked(ret) && fatal_signal_pending(current)) {
		gs_mutex_give_back(m, h, ret == -EOWNERDEAD);
		ret = -EINTR;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_lock);

/*
 * Unlock @m, if @h (NULL: anyone) holds it; @died: tell the next locker.
 * Checked and released in one section: a give-back's holder test sees no
 * Unlock and Lock by others between. A mapped word is fenced before it is
 * read (gs_mutex_free_locked()): a holder's fast Unlock between an unfenced
 * read and our write would make both Unlocks succeed, and our write could
 * erase a fast Lock made since. Held by another than @h, it stays fenced:
 * that holder's Unlock comes here, which only costs it a syscall.
 */
static int gs_mutex_release(struct gs_mutex *m, struct gs_holder *h, bool died)
{
	struct gs_wake wake = GS_WAKE_INIT;
	int ret = 0;
	bool free;

	spin_lock(&m->lock);
	free = gs_mutex_free_locked(m);
	if (h && (free || !gs_mutex_holds_locked(m, h))) {
		/* Not @h's: nothing to give back, nothing traced */
		if (free)
			gs_mutex_unfence_free_locked(m);
		spin_unlock(&m->lock);
		return -EPERM;
	}
	if (free)
		ret = gs_mutex_unfence_free_locked(m);
	/*
	 * Before the handoff: a waiter granted the lock (starvation mode) may
	 * return without m->lock and trace its acquire at once.
	 */
	gs_trace_released(m->id, GOSYNC_TYPE_MUTEX, GOSYNC_LOCK_UNLOCK, 1, ret);
	if (!free) {
		m->owner_died |= died;
		gs_mutex_unlock_locked(m, &wake);
	}
	spin_unlock(&m->lock);
	gs_wake_up(&wake);
	if (!ret) {
		gs_stat_add(m->stats, GOSYNC_STAT_UNLOCKS, 1);
		gs_mutex_wake_pollers(m);
	}
	return ret;
}

/**
 * gs_mutex_unlock() - Go's Unlock: any holder may unlock
 * @m: the mutex
 *
 * Return: 0, or -EPERM if the mutex is not locked.
 */
int gs_mutex_unlock(struct gs_mutex *m)
{
	return gs_mutex_release(m, NULL, false);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_unlock);

/**
 * gs_mutex_give_back() - Unlock what @h just took for a task being killed
 * @m: the mutex
 * @h: the holder it was taken for; if @h no longer holds it (anyone may
 *	Unlock, and another Lock since), nothing is done
 * @died: it was taken with -EOWNERDEAD: the next locker is told instead
 */
void gs_mutex_give_back(struct gs_mutex *m, struct gs_holder *h, bool died)
{
	gs_mutex_release(m, h, died);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_give_back);

/**
 * gs_mutex_settle() - a wait's case has stopped watching @m: a mapped word
 *	fenced only for it goes back to the fast path
 * @m: the mutex
 *
 * A select or wait-all case watches its Mutex while it tries, fences the
 * word to look, and if it takes the lock, takes it watched (WAITERS kept:
 * gs_mutex_take_locked()). With nobody waiting or watching now, the
 * holder's Unlock, or the next Lock, may be the fast path's CAS again. A
 * fenced word does not change under m->lock; an unfenced one loses nothing.
 */
void gs_mutex_settle(struct gs_mutex *m)
{
	spin_lock(&m->lock);
	if (gs_mutex_fence_unneeded_locked(m))
		atomic_andnot(GOSYNC_MUTEX_WAITERS, gs_mutex_atomic(m));
	spin_unlock(&m->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_settle);

struct gs_holder gs_holder_closed;
EXPORT_SYMBOL_IF_KUNIT(gs_holder_closed);

/** gs_mutex_holds_locked() - does @h hold @m? */
bool gs_mutex_holds_locked(struct gs_mutex *m, struct gs_holder *h)
{
	lockdep_assert_held(&m->lock);
	if (m->word)
		return (atomic_read(gs_mutex_atomic(m)) & GOSYNC_MUTEX_TOKEN) ==
			gs_mutex_token(h);
	return m->owner == h;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_holds_locked);

/**
 * gs_mutex_holder_gone() - @h's file description is closing
 * @m: a mutex the description has open
 * @h: the description's holder
 *
 * A robust mutex held by @h is released and marked so the next locker gets
 * -EOWNERDEAD. A non-robust one stays locked (Go: a Mutex is not tied to
 * whoever locked it) until someone unlocks it.
 */
void gs_mutex_holder_gone(struct gs_mutex *m, struct gs_holder *h)
{
	bool released = false;
	struct gs_wake wake = GS_WAKE_INIT;

	spin_lock(&m->lock);
	if (m->robust && gs_mutex_holds_locked(m, h)) {
		/* Locked in userspace: the kernel never saw who (pid 0), as INFO */
		gs_trace_owner_dead(m->id, GOSYNC_TYPE_MUTEX,
				    m->word && m->who_token != gs_mutex_token(h) ? 0 :
				    gs_who_nr(&m->who), 1);
		m->owner_died = true;
		gs_mutex_unlock_locked(m, &wake);
		released = true;
	} else if (!m->word && m->owner == h) {
		m->owner = &gs_holder_closed;
	}
	spin_unlock(&m->lock);
	gs_wake_up(&wake);
	if (released)
		gs_mutex_wake_pollers(m);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_holder_gone);

/**
 * gs_mutex_state() - for INFO: held, by whom, waiters, contention
 * @m: the mutex
 * @st: zeroed by the caller; filled
 * @hs: room for @cap holders, or NULL
 * @cap: entries in @hs
 * @ns: the pid namespace holders' pids are given in
 */
void gs_mutex_state(struct gs_mutex *m, struct gosync_state *st, struct gosync_holder *hs,
		    unsigned int cap, struct pid_namespace *ns)
{
	struct gs_mutex_waiter *w;
	u32 token;

	spin_lock(&m->lock);
	/* One read of a mapped word: held, and by whom, from the same value. */
	token = m->word ? atomic_read(gs_mutex_atomic(m)) & GOSYNC_MUTEX_TOKEN : 0;
	if (token || (!m->word && m->owner)) {
		st->flags |= GOSYNC_STATE_LOCKED;
		/* Locked in userspace, only its description's token says who. */
		if (!m->word || token == m->who_token)
			gs_who_report(&m->who, GOSYNC_HOLDER_WRITE, 1, st, hs, cap, ns);
		else
			gs_token_report(token, m->id, GOSYNC_HOLDER_WRITE, st, hs, cap, ns);
	}
	if (m->starving)
		st->flags |= GOSYNC_STATE_STARVING;
	st->waiters = m->nr_waiters;
	w = gs_mutex_first_locked(m);
	if (w)
		st->oldest_wait_ns = ktime_to_ns(ktime_sub(ktime_get(), w->start));
	spin_unlock(&m->lock);
	gs_lockstat_read(&m->lockstat, st);
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_state);

/*
 * Readable while a TryLock would succeed. Computed under the lock after
 * poll_wait(); Unlock wakes the queue after changing the state, so no
 * change is missed (the queue's lock orders the two, as in eventfd_poll()).
 */
__poll_t gs_mutex_poll(struct gs_mutex *m, struct file *file, poll_table *pt)
{
	bool ready;

	poll_wait(file, &m->wq, pt);
	spin_lock(&m->lock);
	ready = gs_mutex_ready_locked(m);
	spin_unlock(&m->lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_poll);
