// SPDX-License-Identifier: GPL-2.0
/*
 * gosync wait: Go's select (wait for any of several cases and complete
 * exactly one) and ntsync's wait-all (complete every case at once), over the
 * cases of any object types that have struct gs_case_ops.
 *
 * ANY. A selection (struct gs_sel) is claimed by whoever completes one of
 * its cases, with one atomic compare-and-exchange: the waiting task itself
 * when a case's try succeeds, or a counterpart that completes a queued
 * case (a channel's party, or an unlock's handoff). The engine tries every
 * case (in a random order, as Go's selectgo does, or in index order), then
 * arms them in that order: channel cases are queued on their channel where
 * counterparts find them, LOCK, RLOCK and ACQUIRE cases in their object's
 * FIFO, where an unlock or release claims them; every case also puts an
 * entry on its object's wait queue, which any state change wakes. Then it
 * sleeps until the selection is claimed, or a watched object changed (it
 * tries again), or the deadline or a signal ends the wait; the task claims
 * its own selection to cancel it, and a counterpart that claimed it first
 * wins instead. A woken-flag in the selection closes the window between a
 * failed try and the sleep.
 *
 * ALL. Every case must be ready at the same moment. The engine takes
 * gs_wait_all_lock, then every object's lock in one order (by type, then
 * id: lockdep sees one nesting, and no two waits deadlock), checks that all
 * cases are ready, completes them all, and drops the locks. Otherwise it
 * sleeps on all the objects' wait queues and tries again. Only one object's
 * lock is ever held outside of this, so this order is the only one.
 */
#include <linux/export.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sort.h>

#include "internal.h"

/* Serializes ALL's check-and-take; the outer lock for lockdep's nesting. */
static DEFINE_MUTEX(gs_wait_all_lock);

/* A watched object changed: note it and wake the selection's task. */
int gs_sel_wake(struct wait_queue_entry *wqe, unsigned int mode, int sync, void *key)
{
	struct gs_sel *s = wqe->private;

	atomic_set(&s->woken, 1);
	return wake_up_process(s->task);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sel_wake);

/**
 * gs_spin_on_owner() - spin while the lock's holder runs on another CPU
 * @lock: the lock's spinlock, which protects *@ownerp
 * @ownerp: the lock's owner_task (gs_owner_task_set())
 * @until: give up at this time (GS_SPIN_NS after the first try)
 *
 * Return: true if the owner changed (or there is none): try the lock again;
 * false if spinning is not worth it (the owner sleeps or its vCPU was
 * preempted, we should reschedule, or time is up): queue and sleep.
 * The owner is referenced under @lock, then only compared with *@ownerp:
 * unlike a kernel mutex's, it may have exited while the lock stays held
 * by its open file description.
 */
bool gs_spin_on_owner(spinlock_t *lock, struct task_struct **ownerp, ktime_t until)
{
	struct task_struct *owner;
	bool retry = true;

	if (num_online_cpus() < 2 || ktime_after(ktime_get(), until))
		return false;
	spin_lock(lock);
	owner = *ownerp;
	if (owner)
		get_task_struct(owner);
	spin_unlock(lock);
	if (!owner)
		return true;
	while (READ_ONCE(*ownerp) == owner) {
		if (!READ_ONCE(owner->on_cpu) || vcpu_is_preempted(task_cpu(owner)) ||
		    owner == current || need_resched() || ktime_after(ktime_get(), until)) {
			retry = false;
			break;
		}
		cpu_relax();
	}
	put_task_struct(owner);
	return retry;
}
EXPORT_SYMBOL_IF_KUNIT(gs_spin_on_owner);

/**
 * gs_sleepers_wake_locked() - dequeue released sleepers into @wake
 * @s: the object's sleepers, under its lock
 * @release: first release every waiting sleeper
 * @wake: the batch to add them to, woken by the caller after unlocking
 *
 * Each dequeued sleeper's entry is not touched after its store-release of
 * ->woken: it may return at once (gs_wake_add() referenced its task).
 * Return: true if released sleepers remain (@wake is full): wake those,
 * retake the lock and call again.
 */
bool gs_sleepers_wake_locked(struct gs_sleepers *s, bool release, struct gs_wake *wake)
{
	struct gs_sleeper *w, *tmp;

	if (release)
		list_splice_tail_init(&s->waiting, &s->released);
	list_for_each_entry_safe(w, tmp, &s->released, node) {
		if (gs_wake_full(wake))
			return true;
		list_del_init(&w->node);
		gs_wake_add(wake, w->task);
		/* Pairs with smp_load_acquire() in gs_sleeper_sleep(). */
		smp_store_release(&w->woken, true);
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sleepers_wake_locked);

/**
 * gs_sleepers_unlock_wake() - release (if @release) and wake every released
 *	sleeper, each after @lock is dropped; returns with @lock dropped
 * @s: the object's sleepers
 * @lock: the object's lock, which protects @s; held on entry
 * @release: first release every waiting sleeper
 */
void gs_sleepers_unlock_wake(struct gs_sleepers *s, spinlock_t *lock, bool release)
	__releases(lock)
{
	struct gs_wake wake = GS_WAKE_INIT;

	lockdep_assert_held(lock);
	while (gs_sleepers_wake_locked(s, release, &wake)) {
		release = false;
		spin_unlock(lock);
		gs_wake_up(&wake);
		spin_lock(lock);
	}
	spin_unlock(lock);
	gs_wake_up(&wake);
}
EXPORT_SYMBOL_IF_KUNIT(gs_sleepers_unlock_wake);

/**
 * gs_sleeper_sleep() - drop @lock and sleep once on a queued struct gs_sleeper
 * @w: the caller's sleeper, queued under @lock
 * @lock: the object's lock, held on entry, dropped on return
 * @dl: when to give up
 *
 * Return: 1 if woken (@w is dequeued); else 0 (check again), -ETIMEDOUT,
 * @dl->sig_ret, and the caller retakes @lock and checks @w->woken
 * before anything else (a waker may have dequeued it meanwhile). A woken
 * sleeper never needs the lock to learn it.
 */
int gs_sleeper_sleep(struct gs_sleeper *w, spinlock_t *lock, const struct gs_deadline *dl)
	__releases(lock)
{
	int ret;

	lockdep_assert_held(lock);
	/* Set our state before unlocking: a wake-up after that is not lost. */
	set_current_state(gs_sleep_state(dl));
	spin_unlock(lock);
	/* Woken already? Pairs with the waker's smp_store_release(). */
	if (smp_load_acquire(&w->woken)) {
		__set_current_state(TASK_RUNNING);
		return 1;
	}
	ret = gs_sleep(dl);
	/* As above: a wake-up that raced with a signal or the deadline wins. */
	return smp_load_acquire(&w->woken) ? 1 : ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sleeper_sleep);

/**
 * gs_sel_sleep() - sleep until @s is claimed, a watched object changes, or @dl
 * @s: the caller's selection
 * @dl: when to give up
 *
 * Return: 0 if @s was claimed (by a counterpart, or by our own cancel that
 * lost to one), 1 if a watched object changed (try again), or the reason
 * the wait ended: -ETIMEDOUT, @dl->sig_ret; then @s is claimed as
 * GS_SEL_CANCELED and no case completed.
 */
int gs_sel_sleep(struct gs_sel *s, const struct gs_deadline *dl)
{
	int ret;

	for (;;) {
		set_current_state(gs_sleep_state(dl));
		if (atomic_read(&s->winner) != GS_SEL_NONE) {
			__set_current_state(TASK_RUNNING);
			return 0;
		}
		if (atomic_xchg(&s->woken, 0)) {
			__set_current_state(TASK_RUNNING);
			/*
			 * Not a sleep: a watched object that keeps changing
			 * (a Recv that queues and times out, over and over)
			 * must not keep us from our deadline, our signals or
			 * the CPU's other tasks.
			 */
			ret = gs_wait_over(dl);
			if (ret)
				break;
			cond_resched();
			return 1;
		}
		ret = gs_sleep(dl);
		if (ret)
			break;
	}
	return gs_sel_claim(s, GS_SEL_CANCELED) ? ret : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sel_sleep);

/* The order cases are tried in: a random permutation, as Go's pollorder. */
static void gs_case_order(u8 *order, unsigned int n, bool ordered)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		order[i] = i;
	if (ordered)
		return;
	for (i = n - 1; i > 0; i--) {
		j = get_random_u32_below(i + 1);
		swap(order[i], order[j]);
	}
}

static void gs_case_watch(struct gs_case *c, struct gs_sel *sel)
{
	init_waitqueue_func_entry(&c->wqe, gs_sel_wake);
	c->wqe.private = sel;
	add_wait_queue(c->ops->wq(c), &c->wqe);
	if (c->ops->watchers)
		atomic_inc(c->ops->watchers(c));
}

static void gs_case_unwatch(struct gs_case *c)
{
	if (c->ops->watchers)
		atomic_dec(c->ops->watchers(c));
	remove_wait_queue(c->ops->wq(c), &c->wqe);
}

/*
 * A case that took a lock or permits is traced as the Lock, RLock or Acquire
 * it stands for (gosync_acquired; the matching Unlock is traced as any):
 * wait_ns from when the wait began to watch (@waited), 0 if its first round
 * of tries completed it. A wait-any's case that waited is counted in the
 * object's contention statistics as a contended Lock is (@count): the Go
 * package's Lock waits this way. A wait-all's are not: it waited for the
 * set, which says nothing about any one of its objects.
 */
static void gs_case_acquired(const struct gs_case *c, u64 waited, bool count)
{
	static const u32 ops[] = {
		[GOSYNC_CASE_LOCK] = GOSYNC_LOCK_LOCK,
		[GOSYNC_CASE_RLOCK] = GOSYNC_LOCK_RLOCK,
		[GOSYNC_CASE_ACQUIRE] = GOSYNC_SEM_ACQUIRE,
	};
	u64 ns;

	if (c->op >= ARRAY_SIZE(ops) || !ops[c->op])
		return;
	ns = waited ? ktime_get_ns() - waited : 0;
	if (count && waited && c->ops->lockstat && gs_locked(c->result))
		gs_lockstat_add(c->ops->lockstat(c), ns);
	gs_trace_acquired(c->id, c->type, ops[c->op],
			  c->op == GOSYNC_CASE_ACQUIRE ? c->n : 1, ns, c->result);
}

/*
 * The cases watch their objects no more: a mapped word fenced only for
 * them (to look, or a lock taken while watching) goes back to the fast path.
 */
static void gs_cases_settle(struct gs_case **cases, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (cases[i]->ops->settle)
			cases[i]->ops->settle(cases[i]);
}

/*
 * A task being killed never returns to use what its completed cases took:
 * give back their locks and permits, as gs_mutex_lock() does. Return:
 * -EINTR if it gave any back; else 0 (what completed is reported: a
 * message sent or received, a WaitGroup at zero).
 */
static int gs_cases_dying(struct gs_case *cases, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	if (!fatal_signal_pending(current))
		return 0;
	for (i = 0; i < n; i++) {
		if (!cases[i].ops->release || !gs_locked(cases[i].result))
			continue;
		cases[i].ops->release(&cases[i]);
		ret = -EINTR;
	}
	return ret;
}

/**
 * gs_wait_any() - Go's select over @cases
 * @cases: the cases, resolved by the caller
 * @n: the number of @cases, 1..GOSYNC_WAIT_MAX
 * @ordered: try the cases in index order (else a random order each round)
 * @nonblock: do not wait (select with a default case): -EAGAIN
 * @dl: when to give up
 * @index: out: the case that completed; its ->result says how
 *
 * Return: 0, -EAGAIN, -ETIMEDOUT, @dl->sig_ret; -EINTR for a task being
 * killed (a lock or permits the case took are given back).
 */
int gs_wait_any(struct gs_case *cases, unsigned int n, bool ordered, bool nonblock,
		const struct gs_deadline *dl, unsigned int *index)
{
	u8 order[GOSYNC_WAIT_MAX], queued[GOSYNC_WAIT_MAX];
	unsigned int i, armed = 0;
	struct gs_sel sel;
	int ret = 0, winner;
	u64 waited = 0;

	if (WARN_ON(!n || n > GOSYNC_WAIT_MAX))
		return -EINVAL;
	gs_sel_init(&sel);
	for (i = 0; i < n; i++) {
		cases[i].cw.sel = &sel;
		cases[i].cw.index = i;
	}

	for (;;) {
		/* Try every case; once armed, a counterpart may have won (-EALREADY). */
		gs_case_order(order, n, ordered);
		for (i = 0; i < n; i++) {
			struct gs_case *c = &cases[order[i]];
			int r;

			/* A counterpart completed a queued case: stop trying. */
			if (atomic_read(&sel.winner) != GS_SEL_NONE)
				break;
			r = c->ops->try(c, &sel, order[i]);

			if (r == -EALREADY)
				break;
			if (r != -EAGAIN) {
				c->result = r;
				break;
			}
			/*
			 * A try may walk a long queue under its object's lock
			 * (another user's selections): 64 of them in a row
			 * must not keep a non-preemptible kernel's CPU.
			 */
			cond_resched();
		}
		if (i < n || nonblock)
			break;
		waited = waited ?: ktime_get_ns();
		if (!armed) {
			/*
			 * Watch every object, queue the cases that queue; try
			 * again. Queue in the order just tried: a counterpart
			 * takes the first queued of two cases on one channel,
			 * so which one is random, as with Go's lockorder.
			 */
			memcpy(queued, order, n);
			for (; armed < n; armed++) {
				struct gs_case *c = &cases[queued[armed]];
				int r;

				gs_case_watch(c, &sel);
				if (!c->ops->arm)
					continue;
				r = c->ops->arm(c);
				if (r == -EAGAIN)
					continue;
				if (r != -EALREADY)
					c->result = r;
				armed++;
				break;
			}
			if (atomic_read(&sel.winner) != GS_SEL_NONE)
				break;
			continue;
		}
		ret = gs_sel_sleep(&sel, dl);
		if (ret != 1)
			break;
	}

	/* Unarm: a counterpart's result is read under the object's lock. */
	for (i = 0; i < armed; i++) {
		struct gs_case *c = &cases[queued[i]];
		int r;

		gs_case_unwatch(c);
		if (!c->ops->arm)
			continue;
		r = c->ops->disarm(c);
		if (r != -EAGAIN)
			c->result = r;
	}
	/* Then, none watching: a fence kept only for them goes. */
	for (i = 0; i < armed; i++)
		if (cases[queued[i]].ops->settle)
			cases[queued[i]].ops->settle(&cases[queued[i]]);
	winner = atomic_read(&sel.winner);
	if (winner == GS_SEL_NONE)
		return -EAGAIN;		/* @nonblock, nothing ready */
	if (winner == GS_SEL_CANCELED)
		return ret;
	*index = winner;
	gs_case_acquired(&cases[winner], waited, true);
	return gs_cases_dying(&cases[winner], 1);
}
EXPORT_SYMBOL_IF_KUNIT(gs_wait_any);

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit only: take (@hold) or give back ALL's turn, as a long ALL holds it. */
void gs_wait_all_turn(bool hold)
{
	if (hold)
		mutex_lock(&gs_wait_all_lock);
	else
		mutex_unlock(&gs_wait_all_lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_wait_all_turn);
#endif

static int gs_case_cmp(const void *a, const void *b)
{
	const struct gs_case *x = *(const struct gs_case * const *)a;
	const struct gs_case *y = *(const struct gs_case * const *)b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Does each case look ready, each under its own lock alone? Only a filter
 * before the turn: an ALL that an object's change woke while another case
 * stays unready goes back to sleep without queueing for gs_wait_all_lock,
 * so a flood of wake-ups on one user's objects does not make every other
 * ALL on the system wait. (A case that becomes ready after it was looked
 * at wakes the caller, which watches every object before it tries.)
 */
static bool gs_wait_all_may_be_ready(struct gs_case **sorted, unsigned int n)
{
	unsigned int i;
	bool ready = true;

	for (i = 0; i < n && ready; i++) {
		spinlock_t *lock = sorted[i]->ops->lock(sorted[i]);

		spin_lock(lock);
		ready = sorted[i]->ops->ready_locked(sorted[i]);
		spin_unlock(lock);
	}
	return ready;
}

/*
 * Take every object's lock in order, and complete all cases if all are
 * ready. Return: 1 if they completed (each ->result set), 0 if not; a
 * signal (@dl's kind) while waiting for another ALL's turn: @dl's error.
 */
static int gs_wait_all_try(struct gs_case **sorted, unsigned int n, const struct gs_deadline *dl)
{
	unsigned int i;
	bool ready = true;

	if (!gs_wait_all_may_be_ready(sorted, n))
		return 0;

	/*
	 * Another ALL's turn is short, but a flood of them (or objects whose
	 * locks are busy) can make the queue long: wait as the caller would.
	 */
	if (dl->killable ? mutex_lock_killable(&gs_wait_all_lock) :
			   mutex_lock_interruptible(&gs_wait_all_lock))
		return gs_wait_over(dl) ?: -EINTR;
	/* sparse cannot count locks taken in a loop: __release()/__acquire() */
	for (i = 0; i < n; i++) {
		spin_lock_nest_lock(sorted[i]->ops->lock(sorted[i]), &gs_wait_all_lock);
		__release(sorted[i]->ops->lock(sorted[i]));
	}
	for (i = 0; i < n && ready; i++)
		ready = sorted[i]->ops->ready_locked(sorted[i]);
	for (i = 0; i < n && ready; i++)
		sorted[i]->result = sorted[i]->ops->take_locked(sorted[i]);
	for (i = n; i-- > 0;) {
		__acquire(sorted[i]->ops->lock(sorted[i]));
		spin_unlock(sorted[i]->ops->lock(sorted[i]));
	}
	mutex_unlock(&gs_wait_all_lock);
	return ready;
}

/**
 * gs_wait_all() - complete every case of @cases at once, or none
 * @cases: the cases, resolved by the caller
 * @n: the number of @cases, 1..GOSYNC_WAIT_MAX
 * @nonblock: do not wait: -EAGAIN unless every case is ready now
 * @dl: when to give up
 *
 * The cases are of types with @lock, @ready_locked and @take_locked, each
 * object once (the caller checks). Return: 0 (every ->result set),
 * -EAGAIN (@nonblock), -ETIMEDOUT, @dl->sig_ret; -EDEADLK if a
 * case's lock is held by the caller itself (@self_deadlock); -EINTR for a
 * task being killed (what the cases took is given back).
 */
int gs_wait_all(struct gs_case *cases, unsigned int n, bool nonblock,
		const struct gs_deadline *dl)
{
	struct gs_case *sorted[GOSYNC_WAIT_MAX];
	struct gs_sel sel;
	unsigned int i;
	u64 waited;
	int ret = 0;

	if (WARN_ON(!n || n > GOSYNC_WAIT_MAX))
		return -EINVAL;
	for (i = 0; i < n; i++)
		sorted[i] = &cases[i];
	sort(sorted, n, sizeof(sorted[0]), gs_case_cmp, NULL);
	ret = gs_wait_all_try(sorted, n, dl);
	if (ret < 0)
		goto settle;
	if (ret) {
		for (i = 0; i < n; i++)
			gs_case_acquired(&cases[i], 0, false);
		ret = gs_cases_dying(cases, n);
		goto settle;
	}
	ret = -EAGAIN;
	if (nonblock)
		goto settle;
	/* A case that waits for the caller itself can never be ready. */
	ret = -EDEADLK;
	for (i = 0; i < n; i++)
		if (cases[i].ops->self_deadlock && cases[i].ops->self_deadlock(&cases[i]))
			goto settle;

	gs_sel_init(&sel);
	waited = ktime_get_ns();
	for (i = 0; i < n; i++)
		gs_case_watch(&cases[i], &sel);
	for (;;) {
		ret = gs_wait_all_try(sorted, n, dl);
		if (ret) {
			ret = ret < 0 ? ret : 0;
			break;
		}
		/* Only the woken flag matters here: nothing claims @sel. */
		ret = gs_sel_sleep(&sel, dl);
		if (ret != 1)
			break;
	}
	for (i = 0; i < n; i++) {
		gs_case_unwatch(&cases[i]);
		if (!ret)
			gs_case_acquired(&cases[i], waited, false);
	}
	ret = ret ?: gs_cases_dying(cases, n);
settle:
	/* Fenced to look, or taken fenced: the fast path's again if nobody waits. */
	gs_cases_settle(sorted, n);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_wait_all);
