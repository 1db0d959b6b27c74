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
 *
 * A mapped WaitGroup (gs_waitgroup_map()) keeps its counter in a word of a
 * page userspace shares, in Go's layout (<linux/gosync.h>): the counter in
 * the high half, the kernel's bits in the low half. Userspace Adds by
 * compare-and-swap of the counter alone, and calls the kernel when its Add
 * leaves the counter zero with a low bit set: GOSYNC_WG_WAITERS counts the
 * Waits asleep here, GOSYNC_WG_POLLED says pollers or selections may watch
 * (until a kernel update finds none left).
 * A Wait registers in the word with the atomic that reads the counter, so a
 * Done is either before it (the Wait sees zero) or sees the waiter and
 * calls: no lost wake-up. Every kernel update of the word is a section under
 * wg->lock that fences it with one atomic_fetch_or() of GOSYNC_WG_KERNEL
 * (userspace then leaves it to the kernel: its CAS fails, and it calls) and
 * ends with one store. The fence also takes the zeros userspace reached
 * since the kernel last looked (@count, the counter it last saw, is not
 * zero): their Waits are released as if the kernel's own Add had reached
 * zero. A positive Add to a zero counter with a low bit set comes here too,
 * so a zero is always taken before the counter moves on, and Waits released
 * by it are never re-blocked. No retry loops: a process that scribbles on
 * the word gets garbage counts for this WaitGroup's users, nothing more.
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

/**
 * gs_waitgroup_map() - keep @wg's counter in @word, a mapped object's word
 * @wg: the WaitGroup, just created
 * @word: naturally aligned (struct gosync_mapped.waitgroup)
 *
 * Before anyone else can see @wg; @word is zero (counter 0, no waiters).
 * Return: 0, or -EINVAL where 64-bit atomics are not atomic against
 * userspace (lib/atomic64.c's spinlocks do not stop its CAS).
 */
int gs_waitgroup_map(struct gs_waitgroup *wg, u64 *word)
{
	if (IS_ENABLED(CONFIG_GENERIC_ATOMIC64))
		return -EINVAL;
	wg->word = word;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_map);

static atomic64_t *wg_atomic(struct gs_waitgroup *wg)
{
	return (atomic64_t *)wg->word;
}

static s64 wg_word_count(u64 v)
{
	return (s32)(v >> GOSYNC_WG_SHIFT);
}

/* The counter zero: release this generation's Waits; the caller wakes. */
static void wg_zero_locked(struct gs_waitgroup *wg, bool *wake)
{
	lockdep_assert_held(&wg->lock);
	/* They count down @waking as they return. */
	atomic_add(wg->waiters, &wg->waking);
	wg->waiters = 0;
	WRITE_ONCE(wg->gen, wg->gen + 1);
	*wake = true;
}

/*
 * Begin a kernel update of a mapped word (see the top of this file): fence
 * it, take its counter into @count, and release the Waits of a zero reached
 * in userspace that the kernel has not seen. No-op if not mapped.
 */
static void wg_fence_locked(struct gs_waitgroup *wg, bool *wake)
{
	s64 v;

	lockdep_assert_held(&wg->lock);
	if (!wg->word)
		return;
	v = wg_word_count(atomic64_fetch_or(GOSYNC_WG_KERNEL, wg_atomic(wg)));
	if (!v && wg->count)
		wg_zero_locked(wg, wake);
	wg->count = v;
}

/*
 * End it: store @count and the kernel's bits, which come from the kernel's
 * own state, never from the word. Release: what the caller of a kernel Add
 * did before it happens before a fast Wait that reads its zero.
 */
static void wg_unfence_locked(struct gs_waitgroup *wg)
{
	u64 low;

	lockdep_assert_held(&wg->lock);
	if (!wg->word)
		return;
	/*
	 * Released Waits not yet returned count too: a positive fast Add to
	 * the zero then calls, and gets Go's misuse error (EBUSY) as an ioctl
	 * Add would. The last of them to return stores the word again
	 * (wg_wait_returned()).
	 */
	low = min_t(u64, (u64)wg->waiters + atomic_read(&wg->waking), GOSYNC_WG_WAITERS);
	/*
	 * No poller, epoll set or selection on @wq, and the counter zero: the
	 * mark goes, and a zero reached in userspace stays there. One that
	 * queues after this check marks the word again under wg->lock, after
	 * our store, and reads the counter in the same atomic
	 * (wg_watch_locked()): nothing is missed. Not while the counter is
	 * not zero: a select's WG_ZERO case marks the word on its first try,
	 * before it joins @wq, and must hear of the next zero even if it is
	 * left in userspace (Done to 0, then Add) before it joins.
	 */
	if (wg->polled && !wg->count && !wq_has_sleeper(&wg->wq))
		wg->polled = false;
	if (wg->polled)
		low |= GOSYNC_WG_POLLED;
	atomic64_set_release(wg_atomic(wg), (u64)(u32)wg->count << GOSYNC_WG_SHIFT | low);
}

/*
 * A poll, selection or wait-all looks at the counter. If mapped, from now on
 * an Add that leaves it zero calls the kernel, which wakes @wq: one fully
 * ordered atomic, no fence (userspace never writes the bit). A zero read here
 * but not yet taken is left to the next fence. Return: the counter.
 */
static s64 wg_watch_locked(struct gs_waitgroup *wg)
{
	s64 v;

	lockdep_assert_held(&wg->lock);
	if (!wg->word)
		return wg->count;
	wg->polled = true;
	v = wg_word_count(atomic64_fetch_or(GOSYNC_WG_POLLED, wg_atomic(wg)));
	/* Not zero: the fence that takes its next zero must know it moved. */
	if (v)
		wg->count = v;
	return v;
}

/**
 * gs_waitgroup_count_locked() - the counter now (mapped: the word's)
 * @wg: the WaitGroup, under its lock
 *
 * Acquire: a fast-path Done moves the word without wg->lock, so the lock
 * orders nothing with it; a LOAD that reads its zero (Go's Wait asks it)
 * must order the caller's later reads after that Done's release CAS, as the
 * fence's fully ordered fetch_or does for WAIT.
 */
s64 gs_waitgroup_count_locked(struct gs_waitgroup *wg)
{
	lockdep_assert_held(&wg->lock);
	if (wg->word)
		return wg_word_count(atomic64_read_acquire(wg_atomic(wg)));
	return wg->count;
}

/*
 * Move the counter by @delta, waking the waiters when it reaches zero. The
 * caller wakes them (@wake) after unlocking. Return as gs_waitgroup_add().
 */
static int wg_add_locked(struct gs_waitgroup *wg, s64 delta, bool *wake)
{
	s64 v;
	int ret = 0;

	lockdep_assert_held(&wg->lock);
	/* A mapped counter has 32 bits (the word's high half). */
	if (check_add_overflow(wg->count, delta, &v) || (wg->word && v > S32_MAX))
		ret = -EOVERFLOW;
	else if (v < 0)
		ret = -EINVAL;
	else if (delta > 0 && wg->count == 0 && atomic_read(&wg->waking))
		ret = -EBUSY;
	if (!ret) {
		/* Read locklessly by poll: see gs_waitgroup_poll(). */
		smp_store_release(&wg->count, v);
		if (v == 0 && delta)
			wg_zero_locked(wg, wake);
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
 * @wg: the WaitGroup
 * @h: the caller's holder
 * @delta: what to add to the counter
 * @flags: GOSYNC_WG_F_HOLD: @h holds this (positive) Add until its Done;
 *	GOSYNC_WG_F_UNHELD: this Done (@delta < 0) is of no held Add
 * @counter: out: the counter after the Add
 *
 * A Done (@delta < 0) through @h settles @h's held Adds first, unless
 * GOSYNC_WG_F_UNHELD. On a mapped WaitGroup, Add(0) is the fast path's call
 * after its Add reached zero: it releases that zero's Waits (the fence
 * does), and is not counted.
 * Return: 0; -EINVAL if the counter would go negative (or HOLD with a delta
 * not positive, UNHELD with one not negative); -EBUSY for an Add racing with
 * returning waiters; -EOVERFLOW past S64_MAX (S32_MAX mapped: the word holds
 * 32 bits).
 */
int gs_waitgroup_add(struct gs_waitgroup *wg, struct gs_holder *h, s64 delta, u32 flags,
		     s64 *counter)
{
	bool hold = flags & GOSYNC_WG_F_HOLD;
	bool wake = false;
	int ret;

	if ((hold && delta <= 0) || ((flags & GOSYNC_WG_F_UNHELD) && delta >= 0) ||
	    (flags & ~(GOSYNC_WG_F_HOLD | GOSYNC_WG_F_UNHELD)))
		return -EINVAL;
	spin_lock(&wg->lock);
	wg_fence_locked(wg, &wake);
	ret = wg_add_locked(wg, delta, &wake);
	/*
	 * A description never holds more than the counter had: Dones through
	 * other descriptions (misuse) may have taken it below what @h holds,
	 * and @h's total would otherwise grow past S64_MAX.
	 */
	if (!ret && hold)
		h->wg_held = clamp(h->wg_held, 0LL, wg->count - delta) + delta;
	else if (!ret && delta < 0 && !(flags & GOSYNC_WG_F_UNHELD))
		h->wg_held -= min(h->wg_held, -delta);
	*counter = wg->count;
	wg_unfence_locked(wg);
	wg_unlock_wake(wg, wake);
	if (!ret && !delta && wg->word)
		return 0;
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
 * @wg: a WaitGroup the description has open
 * @h: the description's holder
 */
void gs_waitgroup_holder_gone(struct gs_waitgroup *wg, struct gs_holder *h)
{
	bool wake = false;
	s64 n;

	spin_lock(&wg->lock);
	wg_fence_locked(wg, &wake);
	/*
	 * Dones through other fds (misuse) may have taken the counter lower,
	 * or a process scribbled a mapped one below zero.
	 */
	n = min(h->wg_held, max(wg->count, 0LL));
	h->wg_held = 0;
	if (n)
		WARN_ON_ONCE(wg_add_locked(wg, -n, &wake));
	wg_unfence_locked(wg);
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
	v = gs_waitgroup_count_locked(wg);
	spin_unlock(&wg->lock);
	return v;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_load);

/* A kernel update of a mapped word that changes nothing but what it takes. */
static void wg_sync(struct gs_waitgroup *wg)
{
	bool wake = false;

	spin_lock(&wg->lock);
	wg_fence_locked(wg, &wake);
	wg_unfence_locked(wg);
	wg_unlock_wake(wg, wake);
}

/*
 * A released Wait returns: uncount it from @waking. The last one updates a
 * mapped word, whose low bits counted it, so fast Adds need no call again.
 */
static void wg_wait_returned(struct gs_waitgroup *wg)
{
	if (atomic_dec_and_test(&wg->waking) && wg->word)
		wg_sync(wg);
}

/**
 * gs_waitgroup_unmapped() - a mapping of the word went away
 * @wg: the WaitGroup, mapped
 *
 * Its process may have died between a Done that took the counter to zero in
 * userspace and that Done's call (Add 0). If the description lives on (a
 * forked worker shares its parent's), no close would take that zero, and a
 * Wait without a deadline would sleep for good: take it now, as the Done's
 * call would have. Called from the mapping's vm_ops->close: under the
 * mm's mmap_lock, which no holder of wg->lock (a spinlock) ever takes.
 */
void gs_waitgroup_unmapped(struct gs_waitgroup *wg)
{
	wg_sync(wg);
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_unmapped);

/**
 * gs_waitgroup_wait() - Go's Wait: sleep until the counter is zero
 * @wg: the WaitGroup
 * @dl: when to give up
 *
 * Return: 0, -ETIMEDOUT, @dl->sig_ret.
 */
int gs_waitgroup_wait(struct gs_waitgroup *wg, const struct gs_deadline *dl)
{
	struct gs_sleeper w = { .task = current };
	bool wake = false;
	u64 gen, start;
	int ret;

	spin_lock(&wg->lock);
	wg_fence_locked(wg, &wake);
	if (!wg->count) {
		wg_unfence_locked(wg);
		wg_unlock_wake(wg, wake);
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
		return 0;
	}
	/* Mapped: in GOSYNC_WG_WAITERS, so the Done that reaches zero calls. */
	wg->waiters++;
	wg_unfence_locked(wg);
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
		/* Mapped: a zero whose Done has not called yet releases us now. */
		wake = false;
		wg_fence_locked(wg, &wake);
		if (wg->gen != gen) {
			/* Released, not yet woken (a later batch): leave by ourselves. */
			list_del(&w.node);
			wg_unfence_locked(wg);
			wg_unlock_wake(wg, wake);
			break;
		}
		if (ret) {
			list_del(&w.node);
			wg->waiters--;
			wg_unfence_locked(wg);
			spin_unlock(&wg->lock);
			gs_trace_wait_end(wg->id, GOSYNC_TYPE_WAITGROUP, GOSYNC_WG_WAIT, start,
					  ret);
			return ret;
		}
		wg_unfence_locked(wg);
	}
	/* Released, whatever else happened: we were counted in @waking. */
	wg_wait_returned(wg);
	gs_trace_wait_end(wg->id, GOSYNC_TYPE_WAITGROUP, GOSYNC_WG_WAIT, start, 0);
	gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_wait);

/**
 * gs_waitgroup_try_case() - a GOSYNC_IOC_WAIT WG_ZERO case's attempt
 * @wg: the WaitGroup
 * @gen: in/out: the generation the case first saw not zero (~0: none yet)
 * @sel: the caller's selection, claimed if the case is ready
 * @index: the case's index in @sel
 *
 * Like Wait, the case is ready once the counter is zero or has been zero
 * since the case first looked (a new generation), so a quick reuse of the
 * WaitGroup does not strand it. Return: 0, -EAGAIN, or -EALREADY.
 */
int gs_waitgroup_try_case(struct gs_waitgroup *wg, u64 *gen, struct gs_sel *sel, int index)
{
	int ret = -EAGAIN;

	spin_lock(&wg->lock);
	if (!wg_watch_locked(wg) || (*gen != ~0ULL && wg->gen != *gen))
		ret = gs_sel_claim(sel, index) ? 0 : -EALREADY;
	else if (*gen == ~0ULL)
		*gen = wg->gen;
	spin_unlock(&wg->lock);
	if (!ret)
		gs_stat_add(wg->stats, GOSYNC_STAT_WG_WAITS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_waitgroup_try_case);

/*
 * Is the counter zero? Under the lock (GOSYNC_WAIT_ALL). A mapped zero read
 * here holds while ALL holds wg->lock to complete its other cases: only a
 * positive Add moves a zero, and one that finds GOSYNC_WG_POLLED (set by
 * the atomic that read the zero) calls the kernel, which waits for the lock.
 */
bool gs_waitgroup_zero_locked(struct gs_waitgroup *wg)
{
	return !wg_watch_locked(wg);
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
	s64 v;

	poll_wait(file, &wg->wq, pt);
	/*
	 * Mapped: the same argument, with the word's atomics for the lock: we
	 * are queued before wg_watch_locked()'s atomic; an Add that reaches
	 * zero after it sees GOSYNC_WG_POLLED and calls the kernel to wake us.
	 */
	if (wg->word) {
		spin_lock(&wg->lock);
		v = wg_watch_locked(wg);
		spin_unlock(&wg->lock);
		return v ? 0 : EPOLLIN | EPOLLRDNORM;
	}
	/* Pairs with smp_store_release() in gs_waitgroup_add(). */
	return smp_load_acquire(&wg->count) ? 0 : EPOLLIN | EPOLLRDNORM;
}
