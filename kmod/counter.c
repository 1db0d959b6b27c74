// SPDX-License-Identifier: GPL-2.0
/*
 * gosync counter: one 64-bit value behind one of six synchronization modes,
 * with Go's sync/atomic operations (Add, Load, Store, Swap, CompareAndSwap,
 * And, Or) plus Reset. The modes share one ops vector so callers are
 * written once.
 *
 * Values wrap modulo 2^64 in every mode (like atomic.AddInt64): arithmetic is
 * done in u64, where wrapping is defined.
 */
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/slab.h>

#include "internal.h"

/*
 * One mode. @reset may be NULL: Reset is then Swap(0). @exchange, @cas and
 * @and_or may be NULL: the mode does not support them (EOPNOTSUPP). Every op
 * returns 0 or a negative errno (-EINTR when a fatal signal interrupts a
 * sleeping lock).
 */
struct gs_counter_ops {
	int (*init)(struct gs_counter *c, s64 initial);
	void (*destroy)(struct gs_counter *c);
	int (*add)(struct gs_counter *c, s64 delta, bool approx, s64 *new);
	int (*load)(struct gs_counter *c, bool approx, s64 *val);
	int (*store)(struct gs_counter *c, s64 val);
	int (*exchange)(struct gs_counter *c, s64 val, s64 *old);
	int (*cas)(struct gs_counter *c, s64 old, s64 new, s64 *prev);
	int (*reset)(struct gs_counter *c, s64 *old);
	int (*and_or)(struct gs_counter *c, bool or, s64 mask, s64 *old);
};

static inline s64 wrap_add(s64 a, s64 b)
{
	return (s64)((u64)a + (u64)b);
}

/*
 * racy: an honest read-modify-write with nothing to make it atomic. Two
 * updaters that both read 42 both write 43: the lost update. The optional
 * delay only widens the window between the read and the write. The race is
 * intended, so the accesses are marked for KCSAN.
 */
static void ctr_racy_window(struct gs_counter *c)
{
	if (c->racy_delay_ns)
		ndelay(c->racy_delay_ns);
}

static int ctr_racy_init(struct gs_counter *c, s64 initial)
{
	c->racy = initial;
	return 0;
}

static int ctr_racy_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	/* data_race: the lost update is the point of this mode */
	s64 v = data_race(READ_ONCE(c->racy));

	ctr_racy_window(c);
	v = wrap_add(v, delta);
	WRITE_ONCE(c->racy, v);
	*new = v;
	return 0;
}

static int ctr_racy_load(struct gs_counter *c, bool approx, s64 *val)
{
	*val = data_race(READ_ONCE(c->racy)); /* racy by design */
	return 0;
}

static int ctr_racy_store(struct gs_counter *c, s64 val)
{
	WRITE_ONCE(c->racy, val);
	return 0;
}

static int ctr_racy_swap(struct gs_counter *c, s64 val, s64 *old)
{
	*old = data_race(READ_ONCE(c->racy)); /* racy by design */
	ctr_racy_window(c);
	WRITE_ONCE(c->racy, val);
	return 0;
}

static int ctr_racy_cas(struct gs_counter *c, s64 old, s64 new, s64 *prev)
{
	*prev = data_race(READ_ONCE(c->racy)); /* racy by design */
	ctr_racy_window(c);
	if (*prev == old)
		WRITE_ONCE(c->racy, new);
	return 0;
}

static int ctr_racy_and_or(struct gs_counter *c, bool or, s64 mask, s64 *old)
{
	*old = data_race(READ_ONCE(c->racy)); /* racy by design */
	ctr_racy_window(c);
	WRITE_ONCE(c->racy, or ? *old | mask : *old & mask);
	return 0;
}

/*
 * atomic: atomic64_t; every op is fully ordered, as Go's sync/atomic are
 * sequentially consistent. A mapped counter's word is in the page userspace
 * shares (gs_counter_map()), where its sequentially consistent atomics and
 * these order as one. atomic64_read() and _set() and a failed _cmpxchg()
 * are unordered (memory-barriers.txt): Load and a failed CompareAndSwap
 * take full barriers, and Store is an exchange.
 */
static int ctr_atomic_init(struct gs_counter *c, s64 initial)
{
	atomic64_set(&c->atomic.value, initial);
	c->atomic.word = &c->atomic.value;
	return 0;
}

static int ctr_atomic_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	*new = atomic64_add_return(delta, c->atomic.word);
	return 0;
}

static int ctr_atomic_load(struct gs_counter *c, bool approx, s64 *val)
{
	smp_mb();	/* sequentially consistent: after what came before */
	*val = atomic64_read(c->atomic.word);
	smp_mb();	/* ...and before what comes after */
	return 0;
}

static int ctr_atomic_store(struct gs_counter *c, s64 val)
{
	atomic64_xchg(c->atomic.word, val);
	return 0;
}

static int ctr_atomic_swap(struct gs_counter *c, s64 val, s64 *old)
{
	*old = atomic64_xchg(c->atomic.word, val);
	return 0;
}

static int ctr_atomic_cas(struct gs_counter *c, s64 old, s64 new, s64 *prev)
{
	smp_mb();	/* a failed cmpxchg is a Load: ordered as ctr_atomic_load() */
	*prev = atomic64_cmpxchg(c->atomic.word, old, new);
	if (*prev != old)
		smp_mb();	/* the failed one's other side */
	return 0;
}

static int ctr_atomic_and_or(struct gs_counter *c, bool or, s64 mask, s64 *old)
{
	*old = or ? atomic64_fetch_or(mask, c->atomic.word) :
			 atomic64_fetch_and(mask, c->atomic.word);
	return 0;
}

/*
 * The three lock modes share their bodies: each op is a plain update of
 * *value between lock and unlock. The _locked helpers say which lock.
 */
static void value_add(s64 *value, s64 delta, s64 *new)
{
	*value = wrap_add(*value, delta);
	*new = *value;
}

static void value_cas(s64 *value, s64 old, s64 new, s64 *prev)
{
	*prev = *value;
	if (*prev == old)
		*value = new;
}

/* spinlock: Go's map+Mutex pattern with a kernel spinning lock. */
static int ctr_spin_init(struct gs_counter *c, s64 initial)
{
	spin_lock_init(&c->spin.lock);
	c->spin.value = initial;
	return 0;
}

static int ctr_spin_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	spin_lock(&c->spin.lock);
	value_add(&c->spin.value, delta, new);
	spin_unlock(&c->spin.lock);
	return 0;
}

static int ctr_spin_load(struct gs_counter *c, bool approx, s64 *val)
{
	spin_lock(&c->spin.lock);
	*val = c->spin.value;
	spin_unlock(&c->spin.lock);
	return 0;
}

static int ctr_spin_store(struct gs_counter *c, s64 val)
{
	spin_lock(&c->spin.lock);
	c->spin.value = val;
	spin_unlock(&c->spin.lock);
	return 0;
}

static int ctr_spin_swap(struct gs_counter *c, s64 val, s64 *old)
{
	spin_lock(&c->spin.lock);
	*old = c->spin.value;
	c->spin.value = val;
	spin_unlock(&c->spin.lock);
	return 0;
}

static int ctr_spin_cas(struct gs_counter *c, s64 old, s64 new, s64 *prev)
{
	spin_lock(&c->spin.lock);
	value_cas(&c->spin.value, old, new, prev);
	spin_unlock(&c->spin.lock);
	return 0;
}

static void value_and_or(s64 *v, bool or, s64 mask, s64 *old)
{
	*old = *v;
	*v = or ? *v | mask : *v & mask;
}

static int ctr_spin_and_or(struct gs_counter *c, bool or, s64 mask, s64 *old)
{
	spin_lock(&c->spin.lock);
	value_and_or(&c->spin.value, or, mask, old);
	spin_unlock(&c->spin.lock);
	return 0;
}

/*
 * mutex: a sleeping lock. The critical sections are a few instructions, but
 * waits still end on a fatal signal (killable) so a stuck holder cannot make
 * a dying task unkillable.
 */
static int ctr_mutex_init(struct gs_counter *c, s64 initial)
{
	mutex_init(&c->mutex.lock);
	c->mutex.value = initial;
	return 0;
}

static void ctr_mutex_destroy(struct gs_counter *c)
{
	mutex_destroy(&c->mutex.lock);
}

static int ctr_mutex_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	value_add(&c->mutex.value, delta, new);
	mutex_unlock(&c->mutex.lock);
	return 0;
}

static int ctr_mutex_load(struct gs_counter *c, bool approx, s64 *val)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	*val = c->mutex.value;
	mutex_unlock(&c->mutex.lock);
	return 0;
}

static int ctr_mutex_store(struct gs_counter *c, s64 val)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	c->mutex.value = val;
	mutex_unlock(&c->mutex.lock);
	return 0;
}

static int ctr_mutex_swap(struct gs_counter *c, s64 val, s64 *old)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	*old = c->mutex.value;
	c->mutex.value = val;
	mutex_unlock(&c->mutex.lock);
	return 0;
}

static int ctr_mutex_cas(struct gs_counter *c, s64 old, s64 new, s64 *prev)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	value_cas(&c->mutex.value, old, new, prev);
	mutex_unlock(&c->mutex.lock);
	return 0;
}

static int ctr_mutex_and_or(struct gs_counter *c, bool or, s64 mask, s64 *old)
{
	if (mutex_lock_killable(&c->mutex.lock))
		return -EINTR;
	value_and_or(&c->mutex.value, or, mask, old);
	mutex_unlock(&c->mutex.lock);
	return 0;
}

/* rwsem: writers exclusive, Load shared (Go's RWMutex pattern). */
static int ctr_rwsem_init(struct gs_counter *c, s64 initial)
{
	init_rwsem(&c->rwsem.sem);
	c->rwsem.value = initial;
	return 0;
}

static int ctr_rwsem_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	if (down_write_killable(&c->rwsem.sem))
		return -EINTR;
	value_add(&c->rwsem.value, delta, new);
	up_write(&c->rwsem.sem);
	return 0;
}

static int ctr_rwsem_load(struct gs_counter *c, bool approx, s64 *val)
{
	if (down_read_killable(&c->rwsem.sem))
		return -EINTR;
	*val = c->rwsem.value;
	up_read(&c->rwsem.sem);
	return 0;
}

static int ctr_rwsem_store(struct gs_counter *c, s64 val)
{
	if (down_write_killable(&c->rwsem.sem))
		return -EINTR;
	c->rwsem.value = val;
	up_write(&c->rwsem.sem);
	return 0;
}

static int ctr_rwsem_swap(struct gs_counter *c, s64 val, s64 *old)
{
	if (down_write_killable(&c->rwsem.sem))
		return -EINTR;
	*old = c->rwsem.value;
	c->rwsem.value = val;
	up_write(&c->rwsem.sem);
	return 0;
}

static int ctr_rwsem_cas(struct gs_counter *c, s64 old, s64 new, s64 *prev)
{
	if (down_write_killable(&c->rwsem.sem))
		return -EINTR;
	value_cas(&c->rwsem.value, old, new, prev);
	up_write(&c->rwsem.sem);
	return 0;
}

static int ctr_rwsem_and_or(struct gs_counter *c, bool or, s64 mask, s64 *old)
{
	if (down_write_killable(&c->rwsem.sem))
		return -EINTR;
	value_and_or(&c->rwsem.value, or, mask, old);
	up_write(&c->rwsem.sem);
	return 0;
}

/*
 * percpu: percpu_counter, the rate-limiter counter. Add touches only this
 * CPU's slot until it exceeds the batch, then folds it under the counter's
 * lock, so Add scales with CPUs and never loses an update.
 *  - Load, and Add's result, sum every CPU under the lock: exact when no
 *    Add runs at the same time. Adds on other CPUs do not take the lock,
 *    and the slots are read one at a time, so the sum has some of the
 *    concurrent Adds and not others: between the values before and after
 *    them only if they all have the same sign (a +5 seen, a -5 missed is
 *    outside). A delta past 2^62 goes straight into the total, under
 *    the lock (ctr_pcpu_add_delta()): a sum sees all of it or none. A
 *    sum costs O(nr_cpus) and the lock, so callers that scale pass
 *    GOSYNC_OP_F_APPROX and get percpu_counter_read() instead: off by at
 *    most batch * nr_cpus.
 *  - Store and Reset add the difference between the new value and a sum,
 *    one at a time (set_lock): percpu_counter_set() would zero the other
 *    CPUs' slots under their Adds, and two Resets could both return one
 *    sum. So no Add is lost: one the sum missed lands after them, and
 *    Resets that race return between them each Add once.
 *  - Swap, CompareAndSwap, And, Or would each need every CPU's slot frozen:
 *    refused with EOPNOTSUPP rather than made silently inexact.
 */
static int ctr_pcpu_init(struct gs_counter *c, s64 initial)
{
	mutex_init(&c->pcpu.set_lock);
	return percpu_counter_init(&c->pcpu.counter, initial, GOSYNC_GFP);
}

static void ctr_pcpu_destroy(struct gs_counter *c)
{
	percpu_counter_destroy(&c->pcpu.counter);
	mutex_destroy(&c->pcpu.set_lock);
}

static int ctr_pcpu_load(struct gs_counter *c, bool approx, s64 *val)
{
	if (approx)	/* a plain read of the total other CPUs fold into: racy by design */
		*val = data_race(percpu_counter_read(&c->pcpu.counter));
	else
		*val = percpu_counter_sum(&c->pcpu.counter);
	return 0;
}

static void ctr_pcpu_add_delta(struct gs_counter *c, s64 delta)
{
	struct percpu_counter *fbc = &c->pcpu.counter;

	/*
	 * percpu_counter_add_batch() compares abs(slot + delta) with the batch;
	 * abs(S64_MIN) is negative, which would truncate the sum into the s32
	 * slot. A delta beyond 2^62 goes straight into the total instead,
	 * under the lock every sum takes, as percpu_counter_set() writes it:
	 * a sum sees all of it or none (two halves through the slot path
	 * showed a sum the first alone, a value never stored). Wrapping, as
	 * Add does.
	 */
#ifdef CONFIG_SMP	/* else there is no slot, only the total: no abs() */
	if (delta > S64_MAX / 2 || delta < S64_MIN / 2) {
		unsigned long flags;

		raw_spin_lock_irqsave(&fbc->lock, flags);
		WRITE_ONCE(fbc->count, (s64)((u64)fbc->count + (u64)delta));
		raw_spin_unlock_irqrestore(&fbc->lock, flags);
		return;
	}
#endif
	percpu_counter_add(fbc, delta);
}

static int ctr_pcpu_add(struct gs_counter *c, s64 delta, bool approx, s64 *new)
{
	ctr_pcpu_add_delta(c, delta);
	return ctr_pcpu_load(c, approx, new);
}

/* Make the value @val; return the one it replaced (wrapping, as Add does). */
static s64 ctr_pcpu_set(struct gs_counter *c, s64 val)
{
	s64 old;

	mutex_lock(&c->pcpu.set_lock);
	old = percpu_counter_sum(&c->pcpu.counter);
	ctr_pcpu_add_delta(c, (s64)((u64)val - (u64)old));
	mutex_unlock(&c->pcpu.set_lock);
	return old;
}

static int ctr_pcpu_store(struct gs_counter *c, s64 val)
{
	ctr_pcpu_set(c, val);
	return 0;
}

static int ctr_pcpu_reset(struct gs_counter *c, s64 *old)
{
	*old = ctr_pcpu_set(c, 0);
	return 0;
}

static const struct gs_counter_ops counter_ops[] = {
	[GOSYNC_COUNTER_RACY] = {
		.init = ctr_racy_init, .add = ctr_racy_add, .load = ctr_racy_load,
		.store = ctr_racy_store, .exchange = ctr_racy_swap, .cas = ctr_racy_cas,
		.and_or = ctr_racy_and_or,
	},
	[GOSYNC_COUNTER_ATOMIC] = {
		.init = ctr_atomic_init, .add = ctr_atomic_add, .load = ctr_atomic_load,
		.store = ctr_atomic_store, .exchange = ctr_atomic_swap, .cas = ctr_atomic_cas,
		.and_or = ctr_atomic_and_or,
	},
	[GOSYNC_COUNTER_SPINLOCK] = {
		.init = ctr_spin_init, .add = ctr_spin_add, .load = ctr_spin_load,
		.store = ctr_spin_store, .exchange = ctr_spin_swap, .cas = ctr_spin_cas,
		.and_or = ctr_spin_and_or,
	},
	[GOSYNC_COUNTER_MUTEX] = {
		.init = ctr_mutex_init, .destroy = ctr_mutex_destroy, .add = ctr_mutex_add,
		.load = ctr_mutex_load, .store = ctr_mutex_store, .exchange = ctr_mutex_swap,
		.cas = ctr_mutex_cas, .and_or = ctr_mutex_and_or,
	},
	[GOSYNC_COUNTER_RWSEM] = {
		.init = ctr_rwsem_init, .add = ctr_rwsem_add, .load = ctr_rwsem_load,
		.store = ctr_rwsem_store, .exchange = ctr_rwsem_swap, .cas = ctr_rwsem_cas,
		.and_or = ctr_rwsem_and_or,
	},
	[GOSYNC_COUNTER_PERCPU] = {
		.init = ctr_pcpu_init, .destroy = ctr_pcpu_destroy, .add = ctr_pcpu_add,
		.load = ctr_pcpu_load, .store = ctr_pcpu_store, .reset = ctr_pcpu_reset,
	},
};

bool gs_counter_mode_valid(u32 mode)
{
	return mode < ARRAY_SIZE(counter_ops) && counter_ops[mode].init;
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_mode_valid);

/**
 * gs_counter_create() - allocate a counter
 * @mode: enum gosync_counter_mode
 * @initial: the first value
 * @racy_delay_ns: racy mode's read-to-write delay; must be 0 in other modes
 *
 * Return: the counter, or ERR_PTR(-EINVAL) for a bad mode or delay, or
 * ERR_PTR(-ENOMEM). Memory is charged to the caller's memory cgroup.
 */
struct gs_counter *gs_counter_create(u32 mode, s64 initial,
				     u32 racy_delay_ns)
{
	struct gs_counter *c;
	int ret;

	if (!gs_counter_mode_valid(mode) ||
	    racy_delay_ns > GOSYNC_RACY_DELAY_MAX ||
	    (racy_delay_ns && mode != GOSYNC_COUNTER_RACY))
		return ERR_PTR(-EINVAL);

	c = kzalloc(sizeof(*c), GOSYNC_GFP);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->stats = gs_stats_alloc();
	if (!c->stats) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	c->ops = &counter_ops[mode];
	c->mode = mode;
	c->racy_delay_ns = racy_delay_ns;
	ret = c->ops->init(c, initial);
	if (ret) {
		free_percpu(c->stats);
		kfree(c);
		return ERR_PTR(ret);
	}
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_create);

/**
 * gs_counter_map() - keep @c's value in @word, a mapped object's shared word
 * @c: the counter, just created; its value so far is copied into @word
 * @word: naturally aligned (struct gosync_mapped.counter)
 *
 * Before anyone else can see @c. Only the atomic mode maps: the others show
 * what a kernel primitive costs, which a word userspace shares would not.
 * Return: 0, or -EINVAL for another mode, or where 64-bit atomics are not
 * atomic against userspace (lib/atomic64.c's spinlocks).
 */
int gs_counter_map(struct gs_counter *c, s64 *word)
{
	if (c->mode != GOSYNC_COUNTER_ATOMIC || IS_ENABLED(CONFIG_GENERIC_ATOMIC64))
		return -EINVAL;
	c->atomic.word = (atomic64_t *)word;
	atomic64_set(c->atomic.word, atomic64_read(&c->atomic.value));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_map);

void gs_counter_destroy(struct gs_counter *c)
{
	if (c->ops->destroy)
		c->ops->destroy(c);
	free_percpu(c->stats);
	kfree(c);
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_destroy);

/** gs_counter_cost() - bytes of kernel memory @c holds */
unsigned long gs_counter_cost(struct gs_counter *c)
{
	unsigned long bytes = gs_obj_charge(sizeof(*c));

	if (c->mode == GOSYNC_COUNTER_PERCPU)
		bytes += num_possible_cpus() * sizeof(s32);
	return bytes;
}

/**
 * gs_counter_check_op() - validate an op before running it
 * @op: enum gosync_op_code
 * @flags: GOSYNC_OP_F_*; only Load and Add take APPROX
 * @arg: delta or new value; Load and Reset take none (0)
 * @expected: CAS's comparand; 0 for every other op
 *
 * Return: 0, or -EINVAL for an unknown op, unknown flags, APPROX on an op
 * other than Load/Add, or a nonzero operand the op does not take.
 */
int gs_counter_check_op(u32 op, u32 flags, s64 arg, s64 expected)
{
	if (flags & ~GOSYNC_OP_F_APPROX)
		return -EINVAL;
	if ((flags & GOSYNC_OP_F_APPROX) && op != GOSYNC_OP_LOAD && op != GOSYNC_OP_ADD)
		return -EINVAL;
	if (expected && op != GOSYNC_OP_CAS)
		return -EINVAL;
	switch (op) {
	case GOSYNC_OP_LOAD:
	case GOSYNC_OP_RESET:
		return arg ? -EINVAL : 0;
	case GOSYNC_OP_ADD:
	case GOSYNC_OP_STORE:
	case GOSYNC_OP_SWAP:
	case GOSYNC_OP_CAS:
	case GOSYNC_OP_AND:
	case GOSYNC_OP_OR:
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_check_op);

/**
 * gs_counter_value() - the exact value, for fdinfo: not counted as a Load
 * @c: the counter
 * @val: out
 *
 * Return: 0, or -EINTR if a fatal signal interrupted a sleeping lock.
 */
int gs_counter_value(struct gs_counter *c, s64 *val)
{
	return c->ops->load(c, false, val);
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_value);

/**
 * gs_counter_do() - run one operation
 * @c: the counter
 * @op: enum gosync_op_code
 * @flags: GOSYNC_OP_F_*
 * @arg: delta or new value
 * @expected: CAS's comparand
 * @result: out: see enum gosync_op_code; 0 for Store
 *
 * Return: 0; -EINVAL (see gs_counter_check_op()); -EOPNOTSUPP if the mode
 * lacks the op; -EINTR if a fatal signal interrupted a sleeping lock.
 */
int gs_counter_do(struct gs_counter *c, u32 op, u32 flags, s64 arg,
		  s64 expected, s64 *result)
{
	static const u8 stat[] = {
		[GOSYNC_OP_ADD] = GOSYNC_STAT_ADD,
		[GOSYNC_OP_LOAD] = GOSYNC_STAT_LOAD,
		[GOSYNC_OP_STORE] = GOSYNC_STAT_STORE,
		[GOSYNC_OP_SWAP] = GOSYNC_STAT_SWAP,
		[GOSYNC_OP_CAS] = GOSYNC_STAT_CAS,
		[GOSYNC_OP_RESET] = GOSYNC_STAT_RESET,
		[GOSYNC_OP_AND] = GOSYNC_STAT_AND_OR,
		[GOSYNC_OP_OR] = GOSYNC_STAT_AND_OR,
	};
	const struct gs_counter_ops *ops = c->ops;
	bool approx = flags & GOSYNC_OP_F_APPROX;
	int ret;

	ret = gs_counter_check_op(op, flags, arg, expected);
	if (ret)
		return ret;

	*result = 0;
	switch (op) {
	case GOSYNC_OP_ADD:
		ret = ops->add(c, arg, approx, result);
		break;
	case GOSYNC_OP_LOAD:
		ret = ops->load(c, approx, result);
		break;
	case GOSYNC_OP_STORE:
		ret = ops->store(c, arg);
		break;
	case GOSYNC_OP_SWAP:
		ret = ops->exchange ? ops->exchange(c, arg, result) : -EOPNOTSUPP;
		break;
	case GOSYNC_OP_CAS:
		ret = ops->cas ? ops->cas(c, expected, arg, result) : -EOPNOTSUPP;
		break;
	case GOSYNC_OP_RESET:
		ret = ops->reset ? ops->reset(c, result) : ops->exchange(c, 0, result);
		break;
	case GOSYNC_OP_AND:
	case GOSYNC_OP_OR:
		ret = ops->and_or ? ops->and_or(c, op == GOSYNC_OP_OR, arg, result) : -EOPNOTSUPP;
		break;
	}
	if (ret)
		return ret;
	gs_stat_add(c->stats, stat[op], 1);
	if (op == GOSYNC_OP_CAS && *result != expected)
		gs_stat_add(c->stats, GOSYNC_STAT_CAS_FAILED, 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_counter_do);
