// SPDX-License-Identifier: GPL-2.0
/*
 * gosync RWMutex: Go's sync.RWMutex as a kernel sleeping lock of gosync's
 * own (a rw_semaphore may not be held across a return to userspace).
 *
 * Go's writer preference: once a writer waits, new readers block, so a
 * stream of readers cannot starve writers. When a writer unlocks, every
 * reader that queued meanwhile is admitted before the next writer, so
 * writers cannot starve readers either. Waiters sleep in one FIFO list; the
 * unlocker grants the lock to them (handoff) and wakes them, so a woken
 * waiter never has to compete again. A selection's LOCK or RLOCK case
 * (GOSYNC_IOC_WAIT, wait.c) takes its place in the same FIFO once armed
 * (gs_rwmutex_arm()), and is granted in its turn by claiming its selection
 * for the case, as a channel counterpart does.
 *
 * Read locks are counted per holder (open file description), so a robust
 * RWMutex can drop a dying holder's read locks; RUnlock must come through a
 * holder that has a read lock. Lock and Unlock are Go's: any holder may
 * unlock a write lock.
 *
 * A mapped RWMutex (gs_rwmutex_map(), non-robust only) keeps the writer's
 * token and the number of read locks in a word of a page that userspace
 * shares, with GOSYNC_RWMUTEX_WAITERS; read locks are then anonymous
 * (@rholders stays empty). Userspace takes and releases an uncontended
 * lock by compare-and-swap (<linux/gosync.h>), every one of which needs
 * WAITERS clear. Under rw->lock the kernel first sets WAITERS (one atomic
 * OR, gs_rwmutex_fence_locked(): no retry loop a process could keep
 * failing), after which userspace cannot change the word, and every
 * release comes here. The bit stays set while anyone waits (a queued
 * writer so stops new fast-path readers: writer preference), and while
 * pollers or selections watch; gs_rwmutex_unfence_locked() clears it
 * when nobody does. FIFO order and handoff then work as unmapped. The
 * kernel trusts the word for nothing but this object's state: garbage
 * there confuses only its users.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

struct gs_rwmutex *gs_rwmutex_create(bool robust)
{
	struct gs_rwmutex *rw = kzalloc(sizeof(*rw), GOSYNC_GFP);

	if (!rw)
		return ERR_PTR(-ENOMEM);
	rw->stats = gs_stats_alloc();
	if (!rw->stats) {
		kfree(rw);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&rw->lock);
	INIT_LIST_HEAD(&rw->waiters);
	INIT_LIST_HEAD(&rw->rholders);
	init_waitqueue_head(&rw->wq);
	rw->robust = robust;
	return rw;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_create);

void gs_rwmutex_destroy(struct gs_rwmutex *rw)
{
	WARN_ON(!list_empty(&rw->waiters));
	gs_owner_task_set(&rw->owner_task, NULL);	/* destroyed while locked */
	gs_who_clear(&rw->who);
	free_percpu(rw->stats);
	kfree(rw);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_destroy);

/**
 * gs_rwmutex_map() - keep @rw's state in @word, a mapped object's shared word
 * @rw: the lock, just created
 * @word: naturally aligned (struct gosync_mapped.rwmutex)
 *
 * Before anyone else can see @rw; @word is zero (unlocked).
 * Return: 0, or -EINVAL for a robust RWMutex, whose read locks must be
 * counted per description (released when it closes), which fast-path
 * read locks are not; or where 64-bit atomics are not atomic against
 * userspace (lib/atomic64.c's spinlocks do not stop its CAS).
 */
int gs_rwmutex_map(struct gs_rwmutex *rw, u64 *word)
{
	if (rw->robust || IS_ENABLED(CONFIG_GENERIC_ATOMIC64))
		return -EINVAL;
	rw->word = (atomic64_t *)word;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_map);

/* The token @h writes in a mapped word; a holder without one is nobody's. */
static u64 gs_rwmutex_token(const struct gs_holder *h)
{
	return h->token ?: GOSYNC_RWMUTEX_WRITER;
}

/*
 * Fence a mapped word and return it: with WAITERS set every userspace CAS
 * fails, so it changes only under rw->lock until unfenced. Fully ordered:
 * acquires what a fast-path release before it did.
 */
static u64 gs_rwmutex_fence_locked(struct gs_rwmutex *rw)
{
	lockdep_assert_held(&rw->lock);
	return atomic64_fetch_or(GOSYNC_RWMUTEX_WAITERS, rw->word) | GOSYNC_RWMUTEX_WAITERS;
}

/* Read locks held; a mapped word is fenced first, so the count is stable. */
static unsigned int gs_rwmutex_readers_locked(struct gs_rwmutex *rw)
{
	lockdep_assert_held(&rw->lock);
	if (rw->word)
		return (gs_rwmutex_fence_locked(rw) & GOSYNC_RWMUTEX_READERS) >>
		       GOSYNC_RWMUTEX_READER_SHIFT;
	return rw->readers;
}

/* Is it write-locked? A mapped word is fenced first (stable). */
static bool gs_rwmutex_wlocked_locked(struct gs_rwmutex *rw)
{
	lockdep_assert_held(&rw->lock);
	if (rw->word)
		return gs_rwmutex_fence_locked(rw) & GOSYNC_RWMUTEX_WRITER;
	return rw->writer;
}

/*
 * Give a mapped word back to the fast path if nobody in the kernel needs to
 * hear of its changes: no waiter, and no poller or selection on rw->wq.
 * Those join rw->wq before they take rw->lock to look: one this check
 * misses looks after this section, and fences the word again. Release:
 * this critical section (an Unlock, an RUnlock) happens before the next
 * fast-path CAS that sees the bit clear. A bit left set is always safe,
 * only slow.
 */
static void gs_rwmutex_unfence_locked(struct gs_rwmutex *rw)
{
	lockdep_assert_held(&rw->lock);
	if (rw->word && list_empty(&rw->waiters) && !wq_has_sleeper(&rw->wq))
		atomic64_fetch_andnot_release(GOSYNC_RWMUTEX_WAITERS, rw->word);
}

/* Is @task the one task that took every read lock @h holds? */
static bool gs_holder_rtask_is(const struct gs_holder *h, const struct task_struct *task)
{
	return h->rtask == task && h->rtask_start == task->start_time;
}

/*
 * @h takes a read lock, @task acquiring through it: list it as a reader, and
 * remember the task while it is the only one that took @h's read locks.
 */
static void gs_rwmutex_rlock_locked(struct gs_rwmutex *rw, struct gs_holder *h,
				    struct task_struct *task)
{
	lockdep_assert_held(&rw->lock);
	if (rw->word) {
		/* Fenced by the caller's check; anonymous (see the top). */
		atomic64_add(GOSYNC_RWMUTEX_READER, rw->word);
		return;
	}
	rw->readers++;
	if (!h->rlocks++) {
		list_add_tail(&h->node, &rw->rholders);
		rw->nr_rholders++;
		h->rtask = task;
		h->rtask_start = task->start_time;
	} else if (!gs_holder_rtask_is(h, task)) {
		h->rtask = NULL;
	}
	gs_who_set(&h->who, task);
}

/* @h drops @n of its read locks; with the last it is no longer a reader. */
static void gs_rwmutex_runlock_locked(struct gs_rwmutex *rw, struct gs_holder *h,
				      unsigned int n)
{
	lockdep_assert_held(&rw->lock);
	if (!n)
		return;
	if (rw->word) {
		/* Fenced; the caller saw at least @n readers: no borrow. */
		atomic64_sub(n * GOSYNC_RWMUTEX_READER, rw->word);
		return;
	}
	rw->readers -= n;
	h->rlocks -= n;
	/*
	 * The last reader to lock leaves while others may still read: it is
	 * no longer the spinners' hint, and its task_struct must not stay
	 * pinned by another user's read lock after it exits.
	 */
	if (rw->owner_task == current)
		gs_owner_task_set(&rw->owner_task, NULL);
	if (!h->rlocks) {
		list_del(&h->node);
		rw->nr_rholders--;
		gs_who_clear(&h->who);
	}
}

/* The write lock goes to @h, @task acquiring through it. */
static void gs_rwmutex_wlock_locked(struct gs_rwmutex *rw, struct gs_holder *h,
				    struct task_struct *task)
{
	lockdep_assert_held(&rw->lock);
	if (rw->word) {
		/* Fenced, and the caller saw no writer: the field is zero. */
		rw->who_token = gs_rwmutex_token(h);
		atomic64_or(rw->who_token, rw->word);
	} else {
		rw->writer = h;
	}
	gs_who_set(&rw->who, task);
}

static int gs_rwmutex_died_locked(struct gs_rwmutex *rw)
{
	lockdep_assert_held(&rw->lock);
	if (!rw->owner_died)
		return 0;
	rw->owner_died = false;
	return -EOWNERDEAD;
}

/*
 * The task that took it: the spinners' hint and deadlock detection's holder.
 * A mapped RWMutex has neither (it is never robust, its holders come and go
 * in userspace), and a reference kept there would pin an exited task until
 * the kernel next saw the lock: none is kept.
 */
static void gs_rwmutex_owner_set_locked(struct gs_rwmutex *rw, struct task_struct *task)
{
	lockdep_assert_held(&rw->lock);
	gs_owner_task_set(&rw->owner_task, rw->word ? NULL : task);
}

/* Queue @w last; a queued writer (a selection's too) holds new readers back. */
static void gs_rwmutex_enqueue_locked(struct gs_rwmutex *rw, struct gs_rwmutex_waiter *w)
{
	lockdep_assert_held(&rw->lock);
	w->seq = ++rw->qseq;
	list_add_tail(&w->node, &rw->waiters);
	if (w->sel)
		rw->nr_sel_waiting++;
	else
		rw->nr_waiters++;
	if (w->writer)
		rw->writers_waiting++;
}

static void gs_rwmutex_dequeue_locked(struct gs_rwmutex *rw, struct gs_rwmutex_waiter *w)
{
	lockdep_assert_held(&rw->lock);
	list_del_init(&w->node);
	if (w->sel)
		rw->nr_sel_waiting--;
	else
		rw->nr_waiters--;
	if (w->writer)
		rw->writers_waiting--;
}

/* Is @w in the queue? */
static bool gs_rwmutex_queued(const struct gs_rwmutex_waiter *w)
{
	return !list_empty(&w->node);
}

/*
 * Give @w the lock, and queue it to be woken after rw->lock is dropped. The
 * store-release of w->granted is the last access to a Lock's on-stack
 * entry: the waiter may return as soon as it sees it (gs_wake_add()
 * referenced its task). A selection reads it in gs_rwmutex_disarm(), under
 * rw->lock. Return: false if @w is a selection's case that cannot be
 * claimed (its owner is claiming it for a channel case, GS_SEL_BUSY, or it
 * was decided meanwhile): passed over, in its place.
 */
static bool gs_rwmutex_grant_locked(struct gs_rwmutex *rw,
				    struct gs_rwmutex_waiter *w, struct gs_wake *wake)
{
	lockdep_assert_held(&rw->lock);
	if (w->sel && !gs_sel_claim(w->sel, w->index))
		return false;
	gs_rwmutex_dequeue_locked(rw, w);
	if (w->writer)
		gs_rwmutex_wlock_locked(rw, w->holder, w->task);
	else
		gs_rwmutex_rlock_locked(rw, w->holder, w->task);
	gs_rwmutex_owner_set_locked(rw, w->task);
	w->ret = gs_rwmutex_died_locked(rw);
	gs_wake_add(wake, w->task);
	/* Pairs with smp_load_acquire() in rw_lock_sleep(). */
	smp_store_release(&w->granted, true);
	return true;
}

/*
 * A selection's case decided elsewhere leaves the queue when a grant walk
 * comes to it (its owner disarms it later): a writer among them must not
 * hold readers back. Only where the walk goes: a walk of the whole queue
 * on every try let one user's thousands of queued cases keep the lock, and
 * the deadlock detector's global lock waiting for it, busy.
 */
static bool gs_rwmutex_drop_decided_locked(struct gs_rwmutex *rw, struct gs_rwmutex_waiter *w)
{
	lockdep_assert_held(&rw->lock);
	if (!w->sel || !gs_sel_decided(w->sel))
		return false;
	gs_rwmutex_dequeue_locked(rw, w);
	return true;
}

/*
 * Hand the free lock to waiters: readers while no writer waits, and the
 * readers queued when a writer last unlocked even if one does (Go's
 * RWMutex.Unlock releases the readers blocked then, and only those: the
 * ones queued since wait for the writers), and the readers no queued
 * writer is ahead of (the writer they queued behind gave up); else the
 * first writer.
 * Return: true if @wake filled up before every reader due was granted; the
 * caller wakes those, retakes the lock and calls again.
 */
static bool gs_rwmutex_wake_locked(struct gs_rwmutex *rw, struct gs_wake *wake)
{
	struct gs_rwmutex_waiter *w, *tmp;
	bool writer_ahead = false;

	lockdep_assert_held(&rw->lock);
	/* Nothing to grant: decided cases can wait for a walk that can. */
	if (gs_rwmutex_wlocked_locked(rw))
		return false;
	if (!gs_rwmutex_readers_locked(rw))
		gs_owner_task_set(&rw->owner_task, NULL);
	list_for_each_entry_safe(w, tmp, &rw->waiters, node) {
		if (gs_rwmutex_drop_decided_locked(rw, w))
			continue;
		/*
		 * FIFO: past a writer not due, the rest came later and wait
		 * for it. Checked before the writers are passed over: each
		 * RUnlock comes here, and must not walk every writer queued
		 * behind the readers that hold it.
		 */
		if (w->seq > rw->readers_due && (w->writer || writer_ahead))
			break;
		if (w->writer) {
			writer_ahead = true;
			continue;
		}
		/*
		 * Go's limit holds for grants too: readers that queued under
		 * it (behind a writer that then gave up) wait for an RUnlock,
		 * which comes back here.
		 */
		if (gs_rwmutex_readers_locked(rw) >= GOSYNC_RWMUTEX_MAX_READERS)
			break;
		if (gs_wake_full(wake))
			return true;
		gs_rwmutex_grant_locked(rw, w, wake);
	}
	if (gs_rwmutex_readers_locked(rw))
		return false;
	list_for_each_entry_safe(w, tmp, &rw->waiters, node) {
		if (gs_rwmutex_drop_decided_locked(rw, w) || !w->writer)
			continue;
		if (gs_wake_full(wake))
			return true;
		if (gs_rwmutex_grant_locked(rw, w, wake))
			return false;
	}
	return false;
}

/*
 * Grant what the state allows, waking each full batch of grantees with
 * rw->lock dropped meanwhile; the last batch is left in @wake.
 */
static void gs_rwmutex_grant_all_locked(struct gs_rwmutex *rw, struct gs_wake *wake)
	__must_hold(&rw->lock)
{
	while (gs_rwmutex_wake_locked(rw, wake)) {
		spin_unlock(&rw->lock);
		gs_wake_up(wake);
		spin_lock(&rw->lock);
	}
}

/* Pollers' key: every bit gs_rwmutex_poll() may report (epoll drops a miss). */
#define GS_RWMUTEX_WAKE_KEY (EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM)

/*
 * Grant what the state allows, drop rw->lock, and wake the grantees, in
 * batches of GS_WAKE_MAX; then tell pollers and waiting selections.
 * @after_writer: a writer just left: every reader queued now is due.
 */
static void gs_rwmutex_unlock_wake(struct gs_rwmutex *rw, bool after_writer)
	__releases(&rw->lock)
{
	struct gs_wake wake = GS_WAKE_INIT;

	if (after_writer)
		rw->readers_due = rw->qseq;
	gs_rwmutex_grant_all_locked(rw, &wake);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	gs_wake_up(&wake);
	if (wq_has_sleeper(&rw->wq))
		wake_up_interruptible_poll(&rw->wq, GS_RWMUTEX_WAKE_KEY);
}

static bool gs_rwmutex_can_lock_locked(struct gs_rwmutex *rw, bool writer)
{
	lockdep_assert_held(&rw->lock);
	if (rw->writers_waiting || gs_rwmutex_wlocked_locked(rw))
		return false;
	return !writer || !gs_rwmutex_readers_locked(rw);
}

/* Go's rwmutexMaxReaders: a count that can never wrap to look unlocked. */
static int gs_rwmutex_check_readers_locked(struct gs_rwmutex *rw, bool writer)
{
	lockdep_assert_held(&rw->lock);
	return !writer && gs_rwmutex_readers_locked(rw) >= GOSYNC_RWMUTEX_MAX_READERS ?
	       -EAGAIN : 0;
}

static void gs_rwmutex_take_locked(struct gs_rwmutex *rw, struct gs_holder *h,
				   bool writer)
{
	lockdep_assert_held(&rw->lock);
	if (writer)
		gs_rwmutex_wlock_locked(rw, h, current);
	else
		gs_rwmutex_rlock_locked(rw, h, current);
	gs_rwmutex_owner_set_locked(rw, current);
}

/* Would a TryLock (@writer) or TryRLock succeed now? */
bool gs_rwmutex_ready_locked(struct gs_rwmutex *rw, bool writer)
{
	return !gs_rwmutex_check_readers_locked(rw, writer) &&
	       gs_rwmutex_can_lock_locked(rw, writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_ready_locked);

/* Take the lock if it is free, for @sel's case @index (see struct gs_sel). */
int gs_rwmutex_take_ready_locked(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
				 struct gs_sel *sel, int index)
{
	int ret;

	lockdep_assert_held(&rw->lock);
	ret = gs_rwmutex_check_readers_locked(rw, writer);
	if (ret)
		return ret;
	if (!gs_rwmutex_can_lock_locked(rw, writer))
		return -EBUSY;
	if (!gs_sel_claim(sel, index))
		return -EALREADY;
	gs_rwmutex_take_locked(rw, h, writer);
	return gs_rwmutex_died_locked(rw);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_take_ready_locked);

static int rw_try(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
		  struct gs_sel *sel, int index)
{
	int ret;

	spin_lock(&rw->lock);
	ret = gs_rwmutex_take_ready_locked(rw, h, writer, sel, index);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	return ret;
}

/*
 * An armed case's try. Queued, it grants what the state allows, as an
 * unlock does, which gives the case its turn if an unlock passed it over
 * while its owner was busy; the grant is its owner's claim: -EALREADY once
 * granted (the result comes from gs_rwmutex_disarm()), -EBUSY while it
 * waits. Not queued (too many readers to queue), a plain try.
 */
static int rw_try_armed(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			struct gs_sel *sel, int index, struct gs_rwmutex_waiter *w)
{
	struct gs_wake wake = GS_WAKE_INIT;
	bool changed = false;
	int ret;

	spin_lock(&rw->lock);
	if (gs_rwmutex_queued(w)) {
		unsigned int queue = rw->nr_waiters + rw->nr_sel_waiting;

		gs_rwmutex_grant_all_locked(rw, &wake);
		/*
		 * It granted, or dropped decided cases (a writer among them
		 * held readers back): tell pollers and the selections that
		 * watch, among them one passed over while busy, as an unlock
		 * would. Only after a change: a selection's own try must not
		 * wake it again for nothing.
		 */
		changed = queue != rw->nr_waiters + rw->nr_sel_waiting;
	}
	if (w->granted)
		ret = -EALREADY;
	else if (gs_rwmutex_queued(w))
		ret = -EBUSY;
	else
		ret = gs_rwmutex_take_ready_locked(rw, h, writer, sel, index);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	gs_wake_up(&wake);
	if (changed && wq_has_sleeper(&rw->wq))
		wake_up_interruptible_poll(&rw->wq, GS_RWMUTEX_WAKE_KEY);
	return ret;
}

/**
 * gs_rwmutex_trylock() - Go's TryLock (@writer) or TryRLock
 * @rw: the lock
 * @h: the holder to record
 * @writer: exclusive (TryLock) or shared (TryRLock)
 *
 * Return: 0, -EOWNERDEAD (locked; a writer died holding it), -EBUSY, or
 * -EAGAIN for a read lock past GOSYNC_RWMUTEX_MAX_READERS.
 */
int gs_rwmutex_trylock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer)
{
	int ret = rw_try(rw, h, writer, NULL, 0);

	gs_trace_acquired(rw->id, GOSYNC_TYPE_RWMUTEX,
			  writer ? GOSYNC_LOCK_TRYLOCK : GOSYNC_LOCK_TRYRLOCK, 1, 0, ret);
	return gs_lock_counted(rw->stats, ret, writer ? GOSYNC_STAT_LOCKS : GOSYNC_STAT_RLOCKS);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_trylock);

/* A case's answer: -EAGAIN for not free; a lock taken is counted. */
static int gs_rwmutex_case_ret(struct gs_rwmutex *rw, int ret, bool writer)
{
	if (ret == -EBUSY)
		return -EAGAIN;
	return ret == -EALREADY || ret == -EAGAIN ? ret :
	       gs_lock_counted(rw->stats, ret, writer ? GOSYNC_STAT_LOCKS : GOSYNC_STAT_RLOCKS);
}

/**
 * gs_rwmutex_try_case() - a GOSYNC_IOC_WAIT case's attempt, for @sel
 * @rw: the lock
 * @h: the holder to record
 * @writer: exclusive (LOCK) or shared (RLOCK)
 * @sel: the caller's selection, claimed if the lock is taken
 * @index: the case's index in @sel
 * @w: the case's place in the queue once gs_rwmutex_arm() queued it
 *	(zeroed before: not queued)
 *
 * Return: 0, -EOWNERDEAD, -EAGAIN (not free, or too many readers),
 * -EALREADY (@sel won elsewhere, or the case was granted).
 */
int gs_rwmutex_try_case(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			struct gs_sel *sel, int index, struct gs_rwmutex_waiter *w)
{
	/* @w->sel is set by our own gs_rwmutex_arm(); the rest is read under the lock. */
	if (w->sel)
		return gs_rwmutex_case_ret(rw, rw_try_armed(rw, h, writer, sel, index, w), writer);
	return gs_rwmutex_case_ret(rw, rw_try(rw, h, writer, sel, index), writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_try_case);

/**
 * gs_rwmutex_arm() - try a case once more and, if it would wait, queue it
 * @rw: the lock
 * @h: the holder to record
 * @writer: exclusive (LOCK) or shared (RLOCK)
 * @sel: the caller's selection
 * @index: the case's index in @sel
 * @w: the case's place in the queue; gs_rwmutex_disarm() takes it out
 *
 * Queued, the case waits its turn in the FIFO with Lock and RLock callers
 * (a writer holds new readers back, as a Lock does), and an unlock grants
 * it by claiming @sel for @index. An RLOCK past the most readers is not
 * queued: it tries again when woken.
 * Return: as gs_rwmutex_try_case(); -EAGAIN: queued, or to try again.
 */
int gs_rwmutex_arm(struct gs_rwmutex *rw, struct gs_holder *h, bool writer, struct gs_sel *sel,
		   int index, struct gs_rwmutex_waiter *w)
{
	int ret;

	*w = (struct gs_rwmutex_waiter){ .task = current, .holder = h, .sel = sel,
					 .index = index, .start = ktime_get(),
					 .writer = writer };
	INIT_LIST_HEAD(&w->node);
	spin_lock(&rw->lock);
	ret = gs_rwmutex_take_ready_locked(rw, h, writer, sel, index);
	if (ret == -EBUSY)
		gs_rwmutex_enqueue_locked(rw, w);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	return gs_rwmutex_case_ret(rw, ret, writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_arm);

/**
 * gs_rwmutex_disarm() - take an armed case out of the queue, and say how it ended
 * @rw: the lock gs_rwmutex_arm() ran on
 * @w: the case's place
 *
 * A writer's case that leaves may let readers in, as a Lock that gives up.
 * Return: the case's result if an unlock granted it the lock, else -EAGAIN.
 */
int gs_rwmutex_disarm(struct gs_rwmutex *rw, struct gs_rwmutex_waiter *w)
{
	int ret = -EAGAIN;

	spin_lock(&rw->lock);
	if (gs_rwmutex_queued(w)) {
		gs_rwmutex_dequeue_locked(rw, w);
		gs_rwmutex_unlock_wake(rw, false);
		return ret;
	}
	if (w->granted)
		ret = w->ret;
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	return ret == -EAGAIN ? ret : gs_rwmutex_case_ret(rw, ret, w->writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_disarm);

/**
 * gs_rwmutex_self_deadlock() - would current's Lock (@writer) or RLock
 *	through @h wait for itself?
 * @rw: the lock current would take
 * @h: the holder it would lock through
 * @writer: exclusive (Lock) or shared (RLock)
 *
 * On a robust RWMutex: @h holds the write lock, taken by this task; or @h
 * holds read locks all taken by this task, and this is a Lock (it waits for
 * them) or an RLock while a writer waits (Go's writer preference: it waits
 * behind the writer, which waits for them). Only a third party's unlock, or
 * a waiting writer's deadline, could end such a wait (see deadlock.c). A
 * non-robust RWMutex is Go's: never.
 */
bool gs_rwmutex_self_deadlock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer)
{
	bool ret = false;

	spin_lock(&rw->lock);
	if (!rw->robust)
		ret = false;
	else if (rw->writer)
		ret = rw->writer == h && rw->owner_task == current;
	else if (h->rlocks && gs_holder_rtask_is(h, current))
		ret = writer || rw->writers_waiting;
	spin_unlock(&rw->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_self_deadlock);

static int rw_lock_sleep(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			 const struct gs_deadline *dl, ktime_t start);

static int rw_lock_wait(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			const struct gs_deadline *dl)
{
	ktime_t start = ktime_get(), spin_until = ktime_add_ns(start, GS_SPIN_NS);
	struct gs_blocked blocked = {};
	int ret;

	ret = rw_try(rw, h, writer, NULL, 0);
	/*
	 * A running holder will likely unlock before we could sleep and wake.
	 * A mapped RWMutex's holders are not known: userspace spun already.
	 */
	while (ret == -EBUSY && !rw->word &&
	       gs_spin_on_owner(&rw->lock, &rw->owner_task, spin_until))
		ret = rw_try(rw, h, writer, NULL, 0);
	if (ret != -EBUSY)
		return ret;

	if (gs_rwmutex_self_deadlock(rw, h, writer))
		return -EDEADLK;
	if (rw->robust) {
		ret = gs_deadlock_enter(&blocked, GS_DL_RWMUTEX, rw);
		if (ret)
			return ret;
	}
	ret = rw_lock_sleep(rw, h, writer, dl, start);
	gs_deadlock_exit(&blocked);
	return ret;
}

static int rw_lock_sleep(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			 const struct gs_deadline *dl, ktime_t start)
{
	struct gs_rwmutex_waiter w = { .task = current, .holder = h, .writer = writer,
				       .start = start };
	int ret;

	spin_lock(&rw->lock);
	ret = gs_rwmutex_check_readers_locked(rw, writer);
	if (ret) {
		gs_rwmutex_unfence_locked(rw);
		spin_unlock(&rw->lock);
		return ret;
	}
	if (gs_rwmutex_can_lock_locked(rw, writer)) {
		gs_rwmutex_take_locked(rw, h, writer);
		goto out;
	}
	gs_rwmutex_enqueue_locked(rw, &w);
	for (;;) {
		/* Set our state before unlocking: a grant after that wakes us. */
		set_current_state(gs_sleep_state(dl));
		spin_unlock(&rw->lock);
		/* A grant needs no lock to be seen: the granter unqueued us. */
		if (smp_load_acquire(&w.granted)) {
			__set_current_state(TASK_RUNNING);
			return w.ret;
		}
		ret = gs_sleep(dl);
		/* Pairs with the granter's smp_store_release(). */
		if (smp_load_acquire(&w.granted))
			return w.ret;
		spin_lock(&rw->lock);
		if (w.granted) {
			spin_unlock(&rw->lock);
			return w.ret;
		}
		if (ret) {
			gs_rwmutex_dequeue_locked(rw, &w);
			/* A departing writer may unblock queued readers, or vice versa. */
			gs_rwmutex_unlock_wake(rw, false);
			return ret;
		}
	}
out:
	ret = gs_rwmutex_died_locked(rw);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	return ret;
}

/*
 * Does @h hold the write lock (@writer), or a read lock? Read locks are
 * counted per holder, but a mapped word's are anonymous: any is @h's.
 * Fences a mapped word.
 */
static bool gs_rwmutex_holds_locked(struct gs_rwmutex *rw, struct gs_holder *h, bool writer)
{
	lockdep_assert_held(&rw->lock);
	if (!writer)
		return rw->word ? gs_rwmutex_readers_locked(rw) : h->rlocks;
	if (rw->word)
		return (gs_rwmutex_fence_locked(rw) & GOSYNC_RWMUTEX_WRITER) ==
		       gs_rwmutex_token(h);
	return rw->writer == h;
}

/*
 * Release the write lock (@writer) or one of @h's read locks, held (the
 * caller checked); drop rw->lock and wake whom that lets in.
 */
static void gs_rwmutex_release_locked(struct gs_rwmutex *rw, struct gs_holder *h, bool writer)
	__releases(&rw->lock)
{
	lockdep_assert_held(&rw->lock);
	if (writer) {
		/* Fenced: the release is gs_rwmutex_unfence_locked()'s, or a handoff's. */
		if (rw->word)
			atomic64_andnot(GOSYNC_RWMUTEX_WRITER, rw->word);
		rw->writer = NULL;
		/* rw->who is kept, reported only while write-locked (gs_mutex_unlock_locked()) */
	} else {
		gs_rwmutex_runlock_locked(rw, h, 1);
	}
	/* Before the wake-up: traces show the release before the next acquire. */
	gs_trace_released(rw->id, GOSYNC_TYPE_RWMUTEX,
			  writer ? GOSYNC_LOCK_UNLOCK : GOSYNC_LOCK_RUNLOCK, 1, 0);
	gs_rwmutex_unlock_wake(rw, writer);
	gs_stat_add(rw->stats, GOSYNC_STAT_UNLOCKS, 1);
}

/**
 * gs_rwmutex_give_back() - Unlock or RUnlock what @h just took for a task
 *	being killed
 * @rw: the lock
 * @h: the holder it was taken for; if @h no longer holds it (anyone may
 *	Unlock, and another Lock since), nothing is done
 * @writer: a write lock (else a read lock)
 * @died: it was taken with -EOWNERDEAD: the next locker is told instead (a
 *	reader that comes meanwhile shares the lock, and may be that one)
 */
void gs_rwmutex_give_back(struct gs_rwmutex *rw, struct gs_holder *h, bool writer, bool died)
{
	spin_lock(&rw->lock);
	/* Checked and released in one section: no Unlock and Lock between. */
	if (!gs_rwmutex_holds_locked(rw, h, writer)) {
		gs_rwmutex_unfence_locked(rw);
		spin_unlock(&rw->lock);
		return;
	}
	if (died)
		rw->owner_died = true;
	gs_rwmutex_release_locked(rw, h, writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_give_back);

/**
 * gs_rwmutex_settle() - a wait's case has stopped watching @rw: a mapped
 *	word fenced only for it goes back to the fast path
 * @rw: the lock
 *
 * As gs_mutex_settle(): a select's or wait-all's case fences the word to
 * look (and a wait-all's take leaves it so); with nobody waiting or
 * watching now, fast-path RLocks and RUnlocks need no syscall again.
 */
void gs_rwmutex_settle(struct gs_rwmutex *rw)
{
	spin_lock(&rw->lock);
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_settle);

/**
 * gs_rwmutex_lock() - Go's Lock (@writer) or RLock
 * @rw: the lock
 * @h: the holder to record
 * @writer: exclusive (Lock) or shared (RLock)
 * @dl: when to give up
 *
 * Return: 0; -EOWNERDEAD (locked; a writer died holding it); -ETIMEDOUT;
 * @dl->sig_ret if a signal arrived first (not locked); -EINTR for a task
 * being killed (not locked); -EAGAIN
 * for a read lock past GOSYNC_RWMUTEX_MAX_READERS; -EDEADLK if it would
 * wait for current itself (deadlock.c).
 */
int gs_rwmutex_lock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
		    const struct gs_deadline *dl)
{
	u32 op = writer ? GOSYNC_LOCK_LOCK : GOSYNC_LOCK_RLOCK;
	int ret = rw_try(rw, h, writer, NULL, 0);
	u64 start, waited = 0;

	/* Contended: time the wait (the fast path above reads no clock). */
	if (ret == -EBUSY) {
		start = gs_contended_begin(rw->id, GOSYNC_TYPE_RWMUTEX, op, 1);
		ret = rw_lock_wait(rw, h, writer, dl);
		waited = gs_contended_end(&rw->lockstat, rw->id, GOSYNC_TYPE_RWMUTEX, op, 1,
					  start, ret);
	}
	gs_trace_acquired(rw->id, GOSYNC_TYPE_RWMUTEX, op, 1, waited, ret);
	ret = gs_lock_counted(rw->stats, ret, writer ? GOSYNC_STAT_LOCKS : GOSYNC_STAT_RLOCKS);
	/* Not for a task being killed: as gs_mutex_lock(). */
	if (gs_locked(ret) && fatal_signal_pending(current)) {
		gs_rwmutex_give_back(rw, h, writer, ret == -EOWNERDEAD);
		ret = -EINTR;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_lock);

/**
 * gs_rwmutex_unlock() - Go's Unlock: release the write lock
 * @rw: the lock; any holder may unlock it, as in Go
 *
 * Return: 0, or -EPERM if it is not write-locked.
 */
int gs_rwmutex_unlock(struct gs_rwmutex *rw)
{
	spin_lock(&rw->lock);
	if (!gs_rwmutex_wlocked_locked(rw)) {
		gs_rwmutex_unfence_locked(rw);
		spin_unlock(&rw->lock);
		return -EPERM;
	}
	gs_rwmutex_release_locked(rw, NULL, true);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_unlock);

/**
 * gs_rwmutex_runlock() - Go's RUnlock: release one of @h's read locks
 * @rw: the lock
 * @h: the caller's holder
 *
 * Return: 0, or -EPERM if @h holds no read lock; on a mapped RWMutex,
 * whose read locks are anonymous, if none is held at all.
 */
int gs_rwmutex_runlock(struct gs_rwmutex *rw, struct gs_holder *h)
{
	spin_lock(&rw->lock);
	if (!gs_rwmutex_holds_locked(rw, h, false)) {
		gs_rwmutex_unfence_locked(rw);
		spin_unlock(&rw->lock);
		return -EPERM;
	}
	gs_rwmutex_release_locked(rw, h, false);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_runlock);

/**
 * gs_rwmutex_holder_gone() - @h's file description is closing
 * @rw: a lock the description has open
 * @h: the description's holder
 *
 * Its read locks are always dropped (they are counted per holder). A robust
 * RWMutex write-locked by @h is released, and the next locker gets
 * -EOWNERDEAD; a non-robust one stays write-locked until someone unlocks it.
 */
void gs_rwmutex_holder_gone(struct gs_rwmutex *rw, struct gs_holder *h)
{
	bool after_writer = false;

	spin_lock(&rw->lock);
	if (h->rlocks)
		gs_trace_owner_dead(rw->id, GOSYNC_TYPE_RWMUTEX, gs_who_nr(&h->who), h->rlocks);
	gs_rwmutex_runlock_locked(rw, h, h->rlocks);
	if (rw->robust && rw->writer == h) {
		gs_trace_owner_dead(rw->id, GOSYNC_TYPE_RWMUTEX, gs_who_nr(&rw->who), 1);
		rw->writer = NULL;
		gs_who_clear(&rw->who);
		rw->owner_died = true;
		after_writer = true;
	} else if (rw->writer == h) {
		rw->writer = &gs_holder_closed;
	}
	gs_rwmutex_unlock_wake(rw, after_writer);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_holder_gone);

/**
 * gs_rwmutex_state() - for INFO: the writer, the readers by holder,
 *	waiters, contention
 * @rw: the lock
 * @st: zeroed by the caller; filled
 * @hs: room for @cap holders, or NULL
 * @cap: entries in @hs
 * @ns: the pid namespace holders' pids are given in
 */
void gs_rwmutex_state(struct gs_rwmutex *rw, struct gosync_state *st,
		      struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns)
{
	struct gs_rwmutex_waiter *w;
	unsigned int nr_writer;		/* the writer's record, reported first */
	struct gs_holder *h;

	spin_lock(&rw->lock);
	if (rw->word) {
		/* A snapshot, unfenced: only a report. */
		u64 v = atomic64_read(rw->word);
		u64 token = v & GOSYNC_RWMUTEX_WRITER;

		if (token)
			st->flags |= GOSYNC_STATE_LOCKED;
		/* Taken in userspace, only its description's token says who. */
		if (token && token == rw->who_token)
			gs_who_report(&rw->who, GOSYNC_HOLDER_WRITE, 1, st, hs, cap, ns);
		else if (token)
			gs_token_report(token, rw->id, GOSYNC_HOLDER_WRITE, st, hs, cap, ns);
		st->readers = (v & GOSYNC_RWMUTEX_READERS) >> GOSYNC_RWMUTEX_READER_SHIFT;
	} else {
		if (rw->writer) {
			st->flags |= GOSYNC_STATE_LOCKED;
			gs_who_report(&rw->who, GOSYNC_HOLDER_WRITE, 1, st, hs, cap, ns);
		}
		st->readers = rw->readers;
	}
	nr_writer = st->nr_holders;
	list_for_each_entry(h, &rw->rholders, node) {
		if (!gs_who_room(st, cap))
			break;
		gs_who_report(&h->who, 0, h->rlocks, st, hs, cap, ns);
	}
	st->nr_holders = nr_writer + rw->nr_rholders;
	st->waiters = rw->nr_waiters;
	w = list_first_entry_or_null(&rw->waiters, struct gs_rwmutex_waiter, node);
	if (w)
		st->oldest_wait_ns = ktime_to_ns(ktime_sub(ktime_get(), w->start));
	spin_unlock(&rw->lock);
	gs_lockstat_read(&rw->lockstat, st);
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_state);

/*
 * Readable while an RLock would not wait, writable while a Lock would not;
 * computed under the lock after poll_wait(), as gs_mutex_poll().
 */
__poll_t gs_rwmutex_poll(struct gs_rwmutex *rw, struct file *file, poll_table *pt)
{
	__poll_t mask = 0;

	poll_wait(file, &rw->wq, pt);
	spin_lock(&rw->lock);
	if (gs_rwmutex_ready_locked(rw, false))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (gs_rwmutex_ready_locked(rw, true))
		mask |= EPOLLOUT | EPOLLWRNORM;
	/* Kept fenced while we are on rw->wq: a fast-path release must wake us. */
	gs_rwmutex_unfence_locked(rw);
	spin_unlock(&rw->lock);
	return mask;
}
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_poll);
