// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Once: Go's sync.Once with the function run by the caller. Do tells
 * the first caller to run the function (GOSYNC_ONCE_RUN); it reports back
 * with Complete. Callers that arrive meanwhile sleep until it completes;
 * later callers get GOSYNC_ONCE_DONE at once. An fd of a Once polls readable
 * once it is done.
 *
 * If the runner's file description closes before Complete (the process died,
 * as a panicking f does in Go), the Once counts as done and is marked
 * abandoned, as Go's does; created with GOSYNC_ONCE_ATTR_RETRY it goes back
 * to not done instead, and the next caller runs the function.
 *
 * A mapped Once (gs_once_map()) also publishes its result in a word of a
 * page userspace shares: 0, then GOSYNC_ONCE_DONE[|ABANDONED], stored with
 * release when it becomes done, after which it never changes. A Do in
 * userspace that sees it done returns without the kernel; everything else
 * happens here as before. The kernel only writes the word, so whatever a
 * process writes there misleads only the Once's users.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

struct gs_once *gs_once_create(bool retry, u32 value_max)
{
	struct gs_once *o = kzalloc(sizeof(*o), GOSYNC_GFP);

	if (!o)
		return ERR_PTR(-ENOMEM);
	o->stats = gs_stats_alloc();
	if (!o->stats) {
		kfree(o);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&o->lock);
	init_waitqueue_head(&o->wq);
	gs_sleepers_init(&o->sleepers);
	o->retry = retry;
	o->value_max = value_max;
	return o;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_create);

void gs_once_destroy(struct gs_once *o)
{
	kvfree(o->value);
	free_percpu(o->stats);
	kfree(o);
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_destroy);

/**
 * gs_once_map() - publish @o's result in @word, a mapped object's state word
 * @o: the Once, just created
 * @word: naturally aligned (struct gosync_mapped.once)
 *
 * Before anyone else can see @o; @word is zero (not done).
 */
void gs_once_map(struct gs_once *o, u32 *word)
{
	o->word = word;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_map);

/* Current state as GOSYNC_ONCE_* result bits. */
static u32 gs_once_result_locked(struct gs_once *o)
{
	lockdep_assert_held(&o->lock);
	if (o->state != GOSYNC_ONCE_STATE_DONE)
		return 0;
	return GOSYNC_ONCE_DONE | (o->abandoned ? GOSYNC_ONCE_ABANDONED : 0);
}

/**
 * gs_once_do() - Go's Do, caller side
 * @o: the Once
 * @h: the caller's holder; if told to run, only it may Complete
 * @dl: when to stop waiting
 * @result: out: GOSYNC_ONCE_RUN (run the function, then Complete), or
 *	GOSYNC_ONCE_DONE, with GOSYNC_ONCE_ABANDONED if the runner died
 * Return: 0, -ETIMEDOUT, @dl->sig_ret, or -EINTR for a task being killed
 * (it is never made the runner).
 */
int gs_once_do(struct gs_once *o, struct gs_holder *h, const struct gs_deadline *dl,
	       u32 *result)
{
	return gs_once_do_run(o, h, dl, result, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_do);

/**
 * gs_once_do_run() - gs_once_do(), and which run it was told to make
 * @o: the Once
 * @h: the caller's holder
 * @dl: when to stop waiting
 * @result: out, as gs_once_do()'s
 * @run: out (may be NULL): with GOSYNC_ONCE_RUN, the run's number, for
 *	gs_once_unrun()
 * Return: as gs_once_do().
 */
int gs_once_do_run(struct gs_once *o, struct gs_holder *h, const struct gs_deadline *dl,
		   u32 *result, u64 *run)
{
	struct gs_sleeper w = { .task = current };
	bool waited = false;
	u64 start = 0, gen, my_run = 0;
	int ret = 0;

	spin_lock(&o->lock);
	for (;;) {
		if (o->state == GOSYNC_ONCE_STATE_NEW) {
			o->state = GOSYNC_ONCE_STATE_RUNNING;
			o->runner = h;
			my_run = ++o->runs;
			*result = GOSYNC_ONCE_RUN;
		} else {
			*result = gs_once_result_locked(o);
		}
		if (*result || ret)
			break;

		/* Running elsewhere: sleep until it is done or reset. */
		if (!waited)
			start = gs_trace_wait_begin(o->id, GOSYNC_TYPE_ONCE, GOSYNC_ONCE_DO);
		waited = true;
		w.woken = false;
		list_add_tail(&w.node, &o->sleepers.waiting);
		o->nr_waiting++;
		gen = o->releases;
		ret = gs_sleeper_sleep(&w, &o->lock, dl);
		spin_lock(&o->lock);
		if (!w.woken) {
			list_del(&w.node);
			/* Released since (on a later wake batch): no longer counted. */
			if (o->releases == gen)
				o->nr_waiting--;
		}
		if (ret == 1)
			ret = 0;
	}
	spin_unlock(&o->lock);
	/*
	 * A task being killed never returns to run the function: a run it took
	 * (the Once was new, or a failed run made it new again after the kill
	 * woke it) would stay RUNNING until its description closes, which a
	 * fork or SCM_RIGHTS may share, and a Once without RETRY would then be
	 * abandoned for good. Give the run back, as Lock gives back a lock.
	 */
	if ((*result & GOSYNC_ONCE_RUN) && fatal_signal_pending(current)) {
		gs_once_unrun(o, h, my_run);
		*result = 0;
		ret = -EINTR;
	}
	if (waited)
		gs_trace_wait_end(o->id, GOSYNC_TYPE_ONCE, GOSYNC_ONCE_DO, start,
				  *result ? 0 : ret);
	if (!*result)
		return ret;
	gs_stat_add(o->stats, GOSYNC_STAT_ONCE_DOS, 1);
	if (*result & GOSYNC_ONCE_RUN) {
		gs_stat_add(o->stats, GOSYNC_STAT_ONCE_RUNS, 1);
		if (run)
			*run = my_run;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_do_run);

/**
 * gs_once_fill_state() - INFO's state: done or not, and the waiting Dos
 * @o: the Once
 * @st: zeroed by the caller
 *
 * One section under the lock, so a state never shows it done with Dos
 * still waiting for the runner.
 */
void gs_once_fill_state(struct gs_once *o, struct gosync_state *st)
{
	spin_lock(&o->lock);
	if (o->state == GOSYNC_ONCE_STATE_DONE)
		st->flags |= GOSYNC_STATE_DONE;
	st->waiters = o->nr_waiting;
	spin_unlock(&o->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_fill_state);

/* Leave the running state; the caller wakes sleepers and pollers after unlocking. */
static void gs_once_finish_locked(struct gs_once *o, u32 state, bool abandoned)
{
	lockdep_assert_held(&o->lock);
	o->runner = NULL;
	o->abandoned = abandoned;
	/* Pairs with the acquire in gs_once_poll(); Dos look under the lock. */
	smp_store_release(&o->state, state);
	if (o->word && state == GOSYNC_ONCE_STATE_DONE)
		/*
		 * Pairs with userspace's acquire load of the word: a Do that
		 * returns on the word alone sees the runner's writes (ordered
		 * before its Complete took our lock) and the value.
		 */
		smp_store_release(o->word, gs_once_result_locked(o));
}

/*
 * Drop the lock; if the Once settled, wake the waiting Dos after that (they
 * retake the lock to look, and must not find it held by their waker), then
 * pollers and selections.
 */
static void gs_once_unlock_wake(struct gs_once *o, bool settled)
	__releases(&o->lock)
{
	if (!settled) {
		spin_unlock(&o->lock);
		return;
	}
	/* Every waiting Do is released now, in one go under the lock. */
	o->nr_waiting = 0;
	o->releases++;
	gs_sleepers_unlock_wake(&o->sleepers, &o->lock, true);
	wake_up_all(&o->wq);
}

/**
 * gs_once_complete() - the runner reports that the function returned
 * @o: the Once
 * @h: the caller's holder: the runner gs_once_do() chose
 * @value: OnceValue: the value (kvmalloc()ed; the Once owns it on success),
 *	or NULL
 * @len: its length, at most the Once's value_max
 *
 * The value is stored before the Once is done, and never changes after, so
 * a caller that saw it done may read it without the lock.
 * Return: 0, -EPERM if @h is not the runner, or -EMSGSIZE.
 */
int gs_once_complete(struct gs_once *o, struct gs_holder *h, u8 *value, u32 len)
{
	int ret = -EPERM;

	if (len > o->value_max)
		return -EMSGSIZE;
	spin_lock(&o->lock);
	if (o->state == GOSYNC_ONCE_STATE_RUNNING && o->runner == h) {
		o->value = value;
		o->value_len = len;
		gs_once_finish_locked(o, GOSYNC_ONCE_STATE_DONE, false);
		ret = 0;
	}
	gs_once_unlock_wake(o, !ret);
	if (!ret)
		gs_stat_add(o->stats, GOSYNC_STAT_ONCE_COMPLETES, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_complete);

/**
 * gs_once_try_case() - a GOSYNC_IOC_WAIT ONCE_DONE case's attempt
 * @o: the Once
 * @sel: the caller's selection, claimed if the Once is done
 * @index: the case's index in @sel
 *
 * Return: 0 once done, -EAGAIN, or -EALREADY.
 */
int gs_once_try_case(struct gs_once *o, struct gs_sel *sel, int index)
{
	int ret = -EAGAIN;

	spin_lock(&o->lock);
	if (o->state == GOSYNC_ONCE_STATE_DONE)
		ret = gs_sel_claim(sel, index) ? 0 : -EALREADY;
	spin_unlock(&o->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_try_case);

/* Is it done? Under the lock (GOSYNC_WAIT_ALL). */
bool gs_once_done_locked(struct gs_once *o)
{
	lockdep_assert_held(&o->lock);
	return o->state == GOSYNC_ONCE_STATE_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_done_locked);

/** gs_once_state() - GOSYNC_ONCE_* bits now: 0 if not done */
u32 gs_once_state(struct gs_once *o)
{
	u32 r;

	spin_lock(&o->lock);
	r = gs_once_result_locked(o);
	spin_unlock(&o->lock);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_state);

/*
 * The run through @h (@run: that one only; 0: any) ends without the
 * function's result, in @state (NEW or DONE). Waiting Dos are woken; back
 * to NEW, the first to retake the lock runs the function and the others
 * wait again. Return: whether it was that run.
 */
static bool gs_once_end_run(struct gs_once *o, struct gs_holder *h, u64 run, u32 state,
			    bool abandoned)
{
	bool runner;

	spin_lock(&o->lock);
	runner = o->state == GOSYNC_ONCE_STATE_RUNNING && o->runner == h &&
		 (!run || o->runs == run);
	if (runner)
		gs_once_finish_locked(o, state, abandoned);
	gs_once_unlock_wake(o, runner);
	return runner;
}

/* Without a result: done|abandoned, or new again (RETRY) */
static bool gs_once_abandon(struct gs_once *o, struct gs_holder *h)
{
	return gs_once_end_run(o, h, 0, o->retry ? GOSYNC_ONCE_STATE_NEW :
			       GOSYNC_ONCE_STATE_DONE, !o->retry);
}

/**
 * gs_once_unrun() - take back a Do that made @h the runner, when its caller
 *	cannot be told so (the write-back of its result failed, or it is
 *	being killed)
 * @o: the Once
 * @h: the holder gs_once_do_run() chose
 * @run: the run it was told to make: if that run ended and another began
 *	meanwhile (threads sharing @h's description), nothing is done
 *
 * Nobody would ever run the function or Complete, and every Do would wait
 * until @h's description closes, its own retries too. The function never
 * ran, so the Once is new again, not abandoned, whatever its RETRY. After
 * a failed write-back the Do stays counted (its caller was told, but could
 * not read it): the per-CPU stats only grow. A Do being killed is taken
 * back before it is counted.
 */
void gs_once_unrun(struct gs_once *o, struct gs_holder *h, u64 run)
{
	gs_once_end_run(o, h, run, GOSYNC_ONCE_STATE_NEW, false);
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_unrun);

/** gs_once_holder_gone() - @h's file description is closing */
void gs_once_holder_gone(struct gs_once *o, struct gs_holder *h)
{
	gs_once_abandon(o, h);
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_holder_gone);

/**
 * gs_once_fail() - the runner reports that the function failed
 * @o: the Once
 * @h: the caller's holder: the runner gs_once_do() chose
 *
 * A panic, or a value the runner could not give: the Once settles as when
 * its runner dies, so that the others learn it has no result (Go 1.21's
 * OnceValue panics in every caller then).
 * Return: 0, or -EPERM if @h is not the runner.
 */
int gs_once_fail(struct gs_once *o, struct gs_holder *h)
{
	return gs_once_abandon(o, h) ? 0 : -EPERM;
}
EXPORT_SYMBOL_IF_KUNIT(gs_once_fail);

/* Readable once done. */
__poll_t gs_once_poll(struct gs_once *o, struct file *file, poll_table *pt)
{
	poll_wait(file, &o->wq, pt);
	/* As gs_waitgroup_poll(): no lost wake-up; the runner's writes are seen. */
	return smp_load_acquire(&o->state) == GOSYNC_ONCE_STATE_DONE ? EPOLLIN | EPOLLRDNORM : 0;
}
