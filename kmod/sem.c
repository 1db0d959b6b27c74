// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Semaphore: golang.org/x/sync/semaphore.Weighted across processes.
 *
 * @size permits; Acquire(n) takes n once they are free, in FIFO order: a
 * waiter queues behind earlier ones even if its n would fit, so a large
 * waiter is not starved by smaller ones behind it (x/sync's rule). Release
 * returns permits and grants them to the front of the queue while it fits,
 * handing them over directly (the waiter does not compete again).
 *
 * A selection's ACQUIRE case (GOSYNC_IOC_WAIT, wait.c) takes its place in
 * the same FIFO once armed (gs_sem_arm()): Release grants it in its turn by
 * claiming its selection for the case, as a channel counterpart does, so a
 * stream of Acquires that keeps the queue busy cannot keep it waiting.
 *
 * Robust (the default): permits are held by an open file description (a
 * holder), like SysV's SEM_UNDO without its pitfalls: those a holder still
 * has when its last fd closes are released for it, so a crashed worker
 * never leaks a slot, and a Release of more than the holder has is an
 * error. Non-robust: permits belong to nobody (POSIX sem_t); Release of more
 * than are taken is the error.
 *
 * A mapped semaphore (gs_sem_map(), non-robust only) keeps its free permits
 * in a word of a page userspace shares, with GOSYNC_SEM_KERNEL. While that
 * bit is clear, userspace acquires and releases by compare-and-swap of the
 * count, without the kernel; the bit sends it here. Under s->lock the
 * kernel first fences the word (gs_sem_fence_locked()): one atomic OR of
 * the bit, after which userspace cannot change it, so s->cur, loaded from
 * it, stays the truth until the kernel clears the bit again; every change
 * of s->cur is written through. The bit is cleared only with no waiter
 * queued and no poller or selection on s->wq (gs_sem_unfence_locked()):
 * those wait for a Release, which must then come here to wake them, and a
 * large waiter at the front must stop small Acquires (FIFO). No retry
 * loops: whatever a process writes into the word is taken as the count
 * (clamped to the size), which misleads only this semaphore's users.
 */
#include <linux/export.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * gs_sem_create() - a Semaphore of @size permits
 * @size: the permits, 1..GOSYNC_SEM_MAX
 * @robust: count permits per holder: Release is checked against what the
 *	holder took, and a closing holder's permits come back
 *
 * Return: the semaphore, or ERR_PTR(-EINVAL) for size 0, or -ENOMEM.
 */
struct gs_sem *gs_sem_create(u64 size, bool robust)
{
	struct gs_sem *s;

	if (!size || size > GOSYNC_SEM_MAX)
		return ERR_PTR(-EINVAL);
	s = kzalloc(sizeof(*s), GOSYNC_GFP);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->stats = gs_stats_alloc();
	if (!s->stats) {
		kfree(s);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->waiters);
	INIT_LIST_HEAD(&s->holders);
	init_waitqueue_head(&s->wq);
	s->size = size;
	s->robust = robust;
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_create);

void gs_sem_destroy(struct gs_sem *s)
{
	WARN_ON(!list_empty(&s->waiters));
	free_percpu(s->stats);
	kfree(s);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_destroy);

/**
 * gs_sem_map() - keep @s's free permits in @words, a mapped object's page
 * @s: the semaphore, just created
 * @words: the page: ->sem gets the free permits, ->sem_size the size
 *
 * Before anyone else can see @s; the rest of @words stays zero.
 * Return: 0, or -EINVAL for a robust semaphore (the kernel must know who
 * holds its permits), or where atomic64_t is not a hardware atomic.
 */
int gs_sem_map(struct gs_sem *s, struct gosync_mapped *words)
{
	if (s->robust || IS_ENABLED(CONFIG_GENERIC_ATOMIC64))
		return -EINVAL;
	words->sem = s->size;
	words->sem_size = s->size;
	s->word = &words->sem;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_map);

static atomic64_t *gs_sem_atomic(struct gs_sem *s)
{
	return (atomic64_t *)s->word;
}

/*
 * Take a mapped word over: after the OR only the kernel changes it (see the
 * top of this file), so s->cur is loaded from it and kept equal. Fully
 * ordered: a userspace Release's critical section happens before ours.
 * Idempotent while fenced. Garbage is clamped, never trusted.
 */
static void gs_sem_fence_locked(struct gs_sem *s)
{
	u64 free;

	lockdep_assert_held(&s->lock);
	if (!s->word)
		return;
	free = atomic64_fetch_or((s64)GOSYNC_SEM_KERNEL, gs_sem_atomic(s)) & GOSYNC_SEM_FREE;
	s->cur = s->size - min(free, s->size);
}

/* s->cur changed: write it through to a fenced word. */
static void gs_sem_store_locked(struct gs_sem *s)
{
	lockdep_assert_held(&s->lock);
	if (s->word)
		atomic64_set(gs_sem_atomic(s), (s64)((s->size - s->cur) | GOSYNC_SEM_KERNEL));
}

/*
 * Hand a word fenced in this critical section back to userspace if no one
 * here waits for a Release: no waiter queued, no poller or selection on
 * s->wq. Release: what this critical section did happens before a
 * userspace Acquire that sees the word.
 */
static void gs_sem_unfence_locked(struct gs_sem *s)
{
	lockdep_assert_held(&s->lock);
	if (!s->word || !list_empty(&s->waiters))
		return;
	/*
	 * No barrier: pollers and selections add themselves to s->wq before
	 * they look (and fence) under s->lock, so one that may sleep is seen
	 * here; one that comes later fences the word itself.
	 */
	if (!waitqueue_active(&s->wq))
		atomic64_set_release(gs_sem_atomic(s), (s64)(s->size - s->cur));
}

/* Permits taken, for reports: a mapped word's snapshot, unfenced. */
static u64 gs_sem_cur_locked(struct gs_sem *s)
{
	u64 free;

	lockdep_assert_held(&s->lock);
	if (!s->word)
		return s->cur;
	free = (u64)atomic64_read(gs_sem_atomic(s)) & GOSYNC_SEM_FREE;
	return s->size - min(free, s->size);
}

/* @task takes @n permits through @h: robust, @h holds them (s->holders). */
static void gs_sem_take_locked(struct gs_sem *s, struct gs_holder *h, u64 n,
			       struct task_struct *task)
{
	lockdep_assert_held(&s->lock);
	s->cur += n;
	gs_sem_store_locked(s);
	if (!s->robust)
		return;
	if (!h->permits) {
		list_add_tail(&h->node, &s->holders);
		s->nr_holders++;
	}
	h->permits += n;
	gs_who_set(&h->who, task);
}

/* Robust: @h returns @n of its permits; with the last it holds none. */
static void gs_sem_put_locked(struct gs_sem *s, struct gs_holder *h, u64 n)
{
	lockdep_assert_held(&s->lock);
	s->cur -= n;
	gs_sem_store_locked(s);
	if (!s->robust)
		return;
	h->permits -= n;
	if (!h->permits) {
		list_del(&h->node);
		s->nr_holders--;
		gs_who_clear(&h->who);
	}
}

static void gs_sem_enqueue_locked(struct gs_sem *s, struct gs_sem_waiter *w)
{
	lockdep_assert_held(&s->lock);
	list_add_tail(&w->node, &s->waiters);
	if (!w->sel)
		s->nr_waiters++;
}

static void gs_sem_dequeue_locked(struct gs_sem *s, struct gs_sem_waiter *w)
{
	lockdep_assert_held(&s->lock);
	list_del_init(&w->node);
	if (!w->sel)
		s->nr_waiters--;
}

/*
 * Grant the front waiters while their n fits; wake them after unlocking.
 * A selection's case is granted by claiming its selection for it: one
 * decided elsewhere leaves the queue (its owner disarms it later); one
 * whose owner is claiming it for a channel case (GS_SEL_BUSY) keeps its
 * turn, and nothing behind it is granted (x/sync's FIFO): if that claim
 * succeeds, its disarm grants again; if it fails, the owner tries again,
 * woken with the pollers (gs_sem_unlock_wake()), as the first waiter, and
 * grants again if it takes (sem_try()).
 * Return: true if @wake filled up before every waiter that fits was
 * granted; the caller wakes those, retakes the lock and calls again.
 */
static bool gs_sem_grant_locked(struct gs_sem *s, struct gs_wake *wake)
{
	struct gs_sem_waiter *w, *tmp;

	lockdep_assert_held(&s->lock);
	gs_sem_fence_locked(s);
	list_for_each_entry_safe(w, tmp, &s->waiters, node) {
		if (w->sel && gs_sel_decided(w->sel)) {
			gs_sem_dequeue_locked(s, w);
			continue;
		}
		if (s->size - s->cur < w->n)
			break;
		if (gs_wake_full(wake))
			return true;
		if (w->sel && !gs_sel_claim(w->sel, w->index)) {
			if (!gs_sel_decided(w->sel))
				break;		/* busy: its turn is kept */
			gs_sem_dequeue_locked(s, w);
			continue;
		}
		gs_sem_dequeue_locked(s, w);
		gs_sem_take_locked(s, w->holder, w->n, w->task);
		gs_wake_add(wake, w->task);
		/*
		 * Last: an Acquire may return as soon as it sees this. Pairs
		 * with smp_load_acquire() in sem_acquire_wait(); a selection
		 * reads it in gs_sem_disarm(), under s->lock.
		 */
		smp_store_release(&w->granted, true);
	}
	return false;
}

/*
 * Permits may be free: grant them, drop s->lock and wake the grantees, in
 * batches of GS_WAKE_MAX; then tell pollers and selections.
 */
static void gs_sem_unlock_wake(struct gs_sem *s)
	__releases(&s->lock)
{
	struct gs_wake wake = GS_WAKE_INIT;

	lockdep_assert_held(&s->lock);
	while (gs_sem_grant_locked(s, &wake)) {
		spin_unlock(&s->lock);
		gs_wake_up(&wake);
		spin_lock(&s->lock);
	}
	gs_sem_unfence_locked(s);
	spin_unlock(&s->lock);
	gs_wake_up(&wake);
	if (wq_has_sleeper(&s->wq))
		wake_up_interruptible_poll(&s->wq, EPOLLIN | EPOLLRDNORM);
}

/* Is @w (NULL: not queued) in the queue? */
static bool gs_sem_queued(const struct gs_sem_waiter *w)
{
	return w && !list_empty(&w->node);
}

/*
 * Would Acquire(@n) by @w's owner (@w NULL: one not queued) succeed now?
 * Not past waiters (FIFO): only the front one may take. Fences a mapped word.
 */
static bool gs_sem_ready_for_locked(struct gs_sem *s, u64 n, struct gs_sem_waiter *w)
{
	gs_sem_fence_locked(s);
	if (s->size - s->cur < n)
		return false;
	return list_empty(&s->waiters) ||
	       (gs_sem_queued(w) &&
		list_first_entry(&s->waiters, struct gs_sem_waiter, node) == w);
}

/* Would Acquire(@n) succeed now? */
bool gs_sem_ready_locked(struct gs_sem *s, u64 n)
{
	return gs_sem_ready_for_locked(s, n, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_ready_locked);

/* Take @n if free for @w (NULL: not queued), for @sel's case @index (struct gs_sel). */
static int gs_sem_take_for_locked(struct gs_sem *s, struct gs_holder *h, u64 n,
				  struct gs_sel *sel, int index, struct gs_sem_waiter *w)
{
	lockdep_assert_held(&s->lock);
	if (!gs_sem_ready_for_locked(s, n, w))
		return -EBUSY;
	if (!gs_sel_claim(sel, index))
		return -EALREADY;
	if (gs_sem_queued(w))
		gs_sem_dequeue_locked(s, w);
	gs_sem_take_locked(s, h, n, current);
	return 0;
}

/* Take @n if free, for @sel's case @index (see struct gs_sel). */
int gs_sem_take_ready_locked(struct gs_sem *s, struct gs_holder *h, u64 n,
			     struct gs_sel *sel, int index)
{
	return gs_sem_take_for_locked(s, h, n, sel, index, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_take_ready_locked);

static int sem_try(struct gs_sem *s, struct gs_holder *h, u64 n, struct gs_sel *sel, int index,
		   struct gs_sem_waiter *w)
{
	bool queued;
	int ret;

	if (!n || n > s->size)
		return -EINVAL;
	spin_lock(&s->lock);
	queued = gs_sem_queued(w);
	ret = gs_sem_take_for_locked(s, h, n, sel, index, w);
	if (queued && !ret) {
		/*
		 * It took from the front, where a Release found it busy and
		 * granted none behind it: they get what is left now.
		 */
		gs_sem_unlock_wake(s);
		return ret;
	}
	gs_sem_unfence_locked(s);
	spin_unlock(&s->lock);
	return ret;
}

/* Count an acquire's outcome (enum gosync_sem_stat) and pass it on. */
static int sem_counted(struct gs_sem *s, int ret, u64 n)
{
	switch (ret) {
	case 0:
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_ACQUIRES, 1);
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_PERMITS_ACQUIRED, n);
		break;
	case -EBUSY:
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_BUSY, 1);
		break;
	case -ETIMEDOUT:
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_TIMEOUTS, 1);
		break;
	}
	return ret;
}

/**
 * gs_sem_tryacquire() - x/sync's TryAcquire(@n)
 * @s: the semaphore
 * @h: the holder the permits are recorded for (robust)
 * @n: the permits to take; busy while anyone waits (FIFO)
 *
 * Return: 0, -EBUSY, or -EINVAL for n 0 or larger than the semaphore.
 */
int gs_sem_tryacquire(struct gs_sem *s, struct gs_holder *h, u64 n)
{
	int ret = sem_try(s, h, n, NULL, 0, NULL);

	gs_trace_acquired(s->id, GOSYNC_TYPE_SEM, GOSYNC_SEM_TRYACQUIRE, n, 0, ret);
	return sem_counted(s, ret, n);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_tryacquire);

/* A case's answer: -EAGAIN for not free; permits taken are counted. */
static int gs_sem_case_ret(struct gs_sem *s, int ret, u64 n)
{
	if (ret == -EBUSY)
		return -EAGAIN;
	return ret == -EALREADY ? ret : sem_counted(s, ret, n);
}

/**
 * gs_sem_try_case() - a GOSYNC_IOC_WAIT ACQUIRE case's attempt, for @sel
 * @s: the semaphore
 * @h: the holder the permits are recorded for (robust)
 * @n: the permits to take
 * @sel: the caller's selection, claimed if the permits are taken
 * @index: the case's index in @sel
 * @w: the case's place in the queue once gs_sem_arm() ran (zeroed before:
 *	not queued)
 *
 * Return: 0, -EAGAIN (not free), -EALREADY, or -EINVAL.
 */
int gs_sem_try_case(struct gs_sem *s, struct gs_holder *h, u64 n, struct gs_sel *sel,
		    int index, struct gs_sem_waiter *w)
{
	return gs_sem_case_ret(s, sem_try(s, h, n, sel, index, w->sel ? w : NULL), n);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_try_case);

/**
 * gs_sem_arm() - try a case once more and, if it would wait, queue it
 * @s: the semaphore
 * @h: the holder the permits are recorded for (robust)
 * @n: the permits to take, 1..size (gs_sem_try_case() checked)
 * @sel: the caller's selection
 * @index: the case's index in @sel
 * @w: the case's place in the queue; gs_sem_disarm() takes it out
 *
 * Queued, the case waits its turn in the FIFO with Acquire callers, and a
 * Release grants it by claiming @sel for @index. A mapped word stays
 * fenced while it is queued. Return: as gs_sem_try_case(); -EAGAIN: queued.
 */
int gs_sem_arm(struct gs_sem *s, struct gs_holder *h, u64 n, struct gs_sel *sel, int index,
	       struct gs_sem_waiter *w)
{
	int ret;

	*w = (struct gs_sem_waiter){ .task = current, .holder = h, .n = n, .sel = sel,
				     .index = index, .start = ktime_get() };
	INIT_LIST_HEAD(&w->node);
	spin_lock(&s->lock);
	ret = gs_sem_take_for_locked(s, h, n, sel, index, NULL);
	if (ret == -EBUSY)
		gs_sem_enqueue_locked(s, w);
	gs_sem_unfence_locked(s);
	spin_unlock(&s->lock);
	return gs_sem_case_ret(s, ret, n);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_arm);

/**
 * gs_sem_disarm() - take an armed case out of the queue, and say how it ended
 * @s: the semaphore gs_sem_arm() ran on
 * @w: the case's place
 *
 * A case that leaves the front of the queue may let the next ones in, as
 * an Acquire that gives up does.
 * Return: 0 if Release granted it its permits, else -EAGAIN.
 */
int gs_sem_disarm(struct gs_sem *s, struct gs_sem_waiter *w)
{
	bool granted;

	spin_lock(&s->lock);
	if (gs_sem_queued(w)) {
		gs_sem_dequeue_locked(s, w);
		gs_sem_unlock_wake(s);
		return -EAGAIN;
	}
	granted = w->granted;
	/* The engine stopped watching first: the word may go back now. */
	gs_sem_fence_locked(s);
	gs_sem_unfence_locked(s);
	spin_unlock(&s->lock);
	return granted ? sem_counted(s, 0, w->n) : -EAGAIN;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_disarm);

static int sem_acquire_wait(struct gs_sem *s, struct gs_holder *h, u64 n,
			    const struct gs_deadline *dl)
{
	struct gs_sem_waiter w = { .task = current, .holder = h, .n = n, .start = ktime_get() };
	int ret;

	ret = sem_try(s, h, n, NULL, 0, NULL);
	if (ret != -EBUSY)
		return ret;
	spin_lock(&s->lock);
	if (gs_sem_ready_locked(s, n)) {
		gs_sem_take_locked(s, h, n, current);
		gs_sem_unfence_locked(s);
		spin_unlock(&s->lock);
		return 0;
	}
	gs_sem_enqueue_locked(s, &w);
	for (;;) {
		set_current_state(gs_sleep_state(dl));
		spin_unlock(&s->lock);
		/* A grant needs no lock to be seen: the granter unqueued us. */
		if (smp_load_acquire(&w.granted)) {
			__set_current_state(TASK_RUNNING);
			return 0;
		}
		ret = gs_sleep(dl);
		/* Pairs with the granter's smp_store_release(). */
		if (smp_load_acquire(&w.granted))
			return 0;
		spin_lock(&s->lock);
		if (w.granted) {
			spin_unlock(&s->lock);
			return 0;
		}
		if (ret) {
			/* x/sync: a departing front waiter may let the next ones in */
			gs_sem_dequeue_locked(s, &w);
			gs_sem_unlock_wake(s);
			return ret;
		}
	}
}

/**
 * gs_sem_acquire() - x/sync's Acquire(ctx, @n), with a deadline for the context
 * @s: the semaphore
 * @h: the holder the permits are recorded for (robust)
 * @n: the permits to take, all at once
 * @dl: when to give up
 *
 * Return: 0; -EINVAL for n 0 or larger than the semaphore (x/sync would
 * wait forever); -ETIMEDOUT; @dl->sig_ret, or -EINTR for a task being
 * killed (nothing taken).
 */
int gs_sem_acquire(struct gs_sem *s, struct gs_holder *h, u64 n, const struct gs_deadline *dl)
{
	int ret = sem_try(s, h, n, NULL, 0, NULL);
	u64 start, waited = 0;

	/* Contended: time the wait (the fast path above reads no clock). */
	if (ret == -EBUSY) {
		start = gs_contended_begin(s->id, GOSYNC_TYPE_SEM, GOSYNC_SEM_ACQUIRE, n);
		ret = sem_acquire_wait(s, h, n, dl);
		waited = gs_contended_end(&s->lockstat, s->id, GOSYNC_TYPE_SEM,
					  GOSYNC_SEM_ACQUIRE, n, start, ret);
	}
	gs_trace_acquired(s->id, GOSYNC_TYPE_SEM, GOSYNC_SEM_ACQUIRE, n, waited, ret);
	ret = sem_counted(s, ret, n);
	/* Not for a task being killed: as gs_mutex_lock() (a Release, counted). */
	if (!ret && fatal_signal_pending(current)) {
		gs_sem_release(s, h, n);
		ret = -EINTR;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_acquire);

/**
 * gs_sem_release() - x/sync's Release(@n)
 * @s: the semaphore
 * @h: the caller's holder
 * @n: the permits to return
 *
 * Robust: @h must hold @n permits (EPERM otherwise, x/sync's "released
 * more than held"); non-robust: @n must not exceed the permits taken.
 * Return: 0, -EPERM, or -EINVAL for n 0.
 */
int gs_sem_release(struct gs_sem *s, struct gs_holder *h, u64 n)
{
	if (!n)
		return -EINVAL;
	spin_lock(&s->lock);
	gs_sem_fence_locked(s);
	if (s->robust ? h->permits < n : s->cur < n) {
		/* Nothing changed: a fenced word goes back as it was. */
		gs_sem_unfence_locked(s);
		spin_unlock(&s->lock);
		return -EPERM;
	}
	gs_sem_put_locked(s, h, n);
	/* Before the wake-up: traces show the release before the next acquire. */
	gs_trace_released(s->id, GOSYNC_TYPE_SEM, GOSYNC_SEM_RELEASE, n, 0);
	gs_sem_unlock_wake(s);
	gs_stat_add(s->stats, GOSYNC_STAT_SEM_RELEASES, 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_release);

/** gs_sem_holder_gone() - @h's description is closing: return its permits (robust) */
void gs_sem_holder_gone(struct gs_sem *s, struct gs_holder *h)
{
	u64 n;

	spin_lock(&s->lock);
	n = h->permits;
	if (!s->robust || !n) {
		spin_unlock(&s->lock);
		return;
	}
	gs_trace_owner_dead(s->id, GOSYNC_TYPE_SEM, gs_who_nr(&h->who), n);
	gs_sem_put_locked(s, h, n);
	gs_sem_unlock_wake(s);
	gs_stat_add(s->stats, GOSYNC_STAT_SEM_ABANDONED, n);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_holder_gone);

/** gs_sem_state() - size, free permits, this holder's, waiters */
void gs_sem_state(struct gs_sem *s, struct gs_holder *h, u64 *size, u64 *avail, u64 *held,
		  u32 *waiters)
{
	spin_lock(&s->lock);
	*size = s->size;
	*avail = s->size - gs_sem_cur_locked(s);
	*held = h ? h->permits : 0;
	*waiters = s->nr_waiters;
	spin_unlock(&s->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_state);

/**
 * gs_sem_fill_state() - for INFO: permits taken, by whom (robust), waiters,
 *	contention
 * @s: the semaphore
 * @st: zeroed by the caller; filled
 * @hs: room for @cap holders, or NULL
 * @cap: entries in @hs
 * @ns: the pid namespace holders' pids are given in
 */
void gs_sem_fill_state(struct gs_sem *s, struct gosync_state *st, struct gosync_holder *hs,
		       unsigned int cap, struct pid_namespace *ns)
{
	struct gs_sem_waiter *w;
	struct gs_holder *h;

	spin_lock(&s->lock);
	st->value = gs_sem_cur_locked(s);
	st->limit = s->size;
	list_for_each_entry(h, &s->holders, node) {
		if (!gs_who_room(st, cap))
			break;
		gs_who_report(&h->who, 0, h->permits, st, hs, cap, ns);
	}
	st->nr_holders = s->nr_holders;
	st->waiters = s->nr_waiters;
	w = list_first_entry_or_null(&s->waiters, struct gs_sem_waiter, node);
	if (w)
		st->oldest_wait_ns = ktime_to_ns(ktime_sub(ktime_get(), w->start));
	spin_unlock(&s->lock);
	gs_lockstat_read(&s->lockstat, st);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_fill_state);

/* Readable while an Acquire(1) would not wait; as gs_mutex_poll(). */
/**
 * gs_sem_settle() - a wait's case has stopped watching @s: a mapped word
 *	fenced only for it goes back to the fast path (as gs_mutex_settle())
 * @s: the semaphore
 */
void gs_sem_settle(struct gs_sem *s)
{
	spin_lock(&s->lock);
	/*
	 * Fence first: unfencing writes s->cur back, which is current only
	 * under a fence. The word may be userspace's again already (another
	 * call unfenced it), with Acquires and Releases s->cur never saw.
	 */
	gs_sem_fence_locked(s);
	gs_sem_unfence_locked(s);
	spin_unlock(&s->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_settle);

__poll_t gs_sem_poll(struct gs_sem *s, struct file *file, poll_table *pt)
{
	bool ready;

	poll_wait(file, &s->wq, pt);
	spin_lock(&s->lock);
	ready = gs_sem_ready_locked(s, 1);
	spin_unlock(&s->lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sem_poll);
