// SPDX-License-Identifier: GPL-2.0
/*
 * gosync map backends spin and rwsem: Go's map guarded by a sync.Mutex or a
 * sync.RWMutex. Both are the same chained hash table and differ only in the
 * lock around it, so they share this file: spin takes one spinlock_t for
 * every operation; rwsem takes an rw_semaphore, shared for Load, Range and
 * Len, exclusive for writers (killable, so a dying task never waits on it).
 *
 * The table doubles when it holds as many entries as buckets (load factor
 * 1), like Go's map grows; it never shrinks. If it cannot (the user's
 * limit, no memory), or is as big as it gets (MAP_LOCKED_MAX_SHIFT), it
 * takes entries up to load factor 4 and then refuses new keys (with that
 * error, or -ENOSPC), so chains walked under the lock stay short.
 * Doubling never runs under the
 * lock for longer than a bounded chunk: the new bucket array is allocated
 * (and charged) before the lock is taken, installed under it, and the old
 * buckets are then moved a chunk per hold of the lock. Meanwhile every
 * operation finds a key's bucket in the old array if that bucket has not
 * moved yet, else in the new one (locked_bucket()); and should the mover
 * be kept off the CPU, new keys past the old array's load limit move
 * chunks themselves (locked_insert()). Readers hold the lock, so plain
 * hlists suffice.
 */
#include <linux/jhash.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

#define MAP_LOCKED_MIN_SHIFT	4
#define MAP_LOCKED_MAX_SHIFT	24
/* Old buckets moved per hold of the write lock while the table doubles */
#define MAP_LOCKED_MOVE_CHUNK	256
/* Load factor past which a table that failed to double refuses new keys */
#define MAP_LOCKED_MAX_LOAD	4U

static u32 locked_hash(struct gs_map *m, const u8 *key, u32 len)
{
	return jhash(key, len, m->locked.seed);
}

/* A key's bucket; under the read or the write lock. */
static struct hlist_head *locked_bucket(struct gs_map *m, u32 hash)
{
	if (m->locked.old) {
		u32 i = hash & ((1U << m->locked.old_shift) - 1);

		if (i >= m->locked.migrated)
			return &m->locked.old[i];
	}
	return &m->locked.buckets[hash & ((1U << m->locked.shift) - 1)];
}

static size_t locked_table_bytes(unsigned int shift)
{
	return kmalloc_size_roundup(sizeof(struct hlist_head) << shift);
}

static int locked_alloc(struct gs_map *m)
{
	m->locked.shift = MAP_LOCKED_MIN_SHIFT;
	m->locked.seed = get_random_u32();
	m->locked.buckets = kvcalloc(1U << m->locked.shift, sizeof(struct hlist_head), GOSYNC_GFP);
	if (!m->locked.buckets)
		return -ENOMEM;
	/* The first table is part of the map's own cost (gs_map_cost()). */
	return 0;
}

static void locked_destroy(struct gs_map *m)
{
	WARN_ON(m->locked.old);
	if (m->locked.shift > MAP_LOCKED_MIN_SHIFT) {
		unsigned long bytes = locked_table_bytes(m->locked.shift);

		m->charged -= bytes;
		gs_user_uncharge(m->user, 0, bytes);
	}
	kvfree(m->locked.buckets);
}

/* Under the read or the write lock. */
static struct gs_map_node *locked_lookup(struct gs_map *m,
					 const struct gs_map_key *key)
{
	u32 hash = locked_hash(m, key->data, key->len);
	struct gs_map_node *n;

	hlist_for_each_entry(n, locked_bucket(m, hash), hnode)
		if (n->hash == hash && n->key_len == key->len &&
		    !memcmp(n->key, key->data, key->len))
			return n;
	return NULL;
}

static void locked_move_locked(struct gs_map *m);

static int locked_insert(struct gs_map *m, struct gs_map_node *n)
{
	lockdep_assert(m->ops->write_held(m));
	/*
	 * Doubling failed (locked_prepare_insert()), or the table is as big as
	 * it gets: refuse, do not let the chains grow.
	 */
	if (unlikely(m->nr >= MAP_LOCKED_MAX_LOAD << m->locked.shift)) {
		int err = READ_ONCE(m->locked.grow_err);

		if (m->locked.shift >= MAP_LOCKED_MAX_SHIFT)
			return -ENOSPC;
		if (err)
			return err;
	}
	/*
	 * A doubling whose mover is kept off the CPU: keys whose bucket has
	 * not moved yet still go into the old array, half the size. Past the
	 * load limit there, each new key moves a chunk first (as Go's map
	 * moves buckets on writes), so the chains stay short whoever runs.
	 */
	if (unlikely(m->locked.old) && m->nr >= MAP_LOCKED_MAX_LOAD << m->locked.old_shift)
		locked_move_locked(m);
	n->hash = locked_hash(m, n->key, n->key_len);
	hlist_add_head(&n->hnode, locked_bucket(m, n->hash));
	return 0;
}

static void locked_remove(struct gs_map *m, struct gs_map_node *n)
{
	lockdep_assert(m->ops->write_held(m));
	hlist_del(&n->hnode);
}

/*
 * Move up to MAP_LOCKED_MOVE_CHUNK old buckets to the new array. The last
 * chunk ends the doubling: @old is NULL again, and the doubling's mover
 * (locked_grow_finish()) frees the old array after unlocking.
 */
static void locked_move_locked(struct gs_map *m)
{
	unsigned int nr_old = 1U << m->locked.old_shift;
	unsigned int end = min(m->locked.migrated + MAP_LOCKED_MOVE_CHUNK, nr_old);
	u32 mask = (1U << m->locked.shift) - 1;
	struct hlist_head *ob = m->locked.old;
	struct gs_map_node *n;
	struct hlist_node *tmp;

	lockdep_assert(m->ops->write_held(m));
	for (; m->locked.migrated < end; m->locked.migrated++)
		hlist_for_each_entry_safe(n, tmp, &ob[m->locked.migrated], hnode) {
			hlist_del(&n->hnode);
			hlist_add_head(&n->hnode, &m->locked.buckets[n->hash & mask]);
		}
	if (m->locked.migrated < nr_old)
		return;
	WRITE_ONCE(m->locked.old, NULL);	/* read unlocked as a hint */
	/* The first table is part of the map's base cost. */
	if (m->locked.old_shift > MAP_LOCKED_MIN_SHIFT)
		m->charged -= locked_table_bytes(m->locked.old_shift);
}

/*
 * Start doubling a table of 1 << @shift buckets: allocate (and charge) the
 * new array unlocked, install it under the write lock. Return the old
 * array, which the caller must pass to locked_grow_finish(); NULL if
 * another task doubled it meanwhile, or if it cannot (the reason kept in
 * grow_err); ERR_PTR(-EINTR) for a fatal signal before anything changed.
 */
static struct hlist_head *locked_grow_start(struct gs_map *m, unsigned int shift)
{
	unsigned long bytes = locked_table_bytes(shift + 1);
	struct hlist_head *nb, *ob;
	int ret;

	ret = gs_user_charge(m->user, 0, bytes);
	if (ret)
		goto fail;
	nb = kvcalloc(2U << shift, sizeof(*nb), GOSYNC_GFP | __GFP_NOWARN);
	if (!nb) {
		gs_user_uncharge(m->user, 0, bytes);
		ret = -ENOMEM;
		goto fail;
	}
	ret = m->ops->write_begin(m);
	if (ret) {
		kvfree(nb);
		gs_user_uncharge(m->user, 0, bytes);
		return ERR_PTR(ret);
	}
	if (m->locked.shift != shift || m->locked.old) {
		/* someone else grew it meanwhile */
		m->ops->write_end(m);
		kvfree(nb);
		gs_user_uncharge(m->user, 0, bytes);
		return NULL;
	}
	ob = m->locked.buckets;
	WRITE_ONCE(m->locked.old, ob);
	m->locked.old_shift = shift;
	m->locked.migrated = 0;
	m->locked.buckets = nb;
	WRITE_ONCE(m->locked.shift, shift + 1);
	WRITE_ONCE(m->locked.grow_err, 0);
	m->charged += bytes;
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_RESIZES, 1);
	m->ops->write_end(m);
	return ob;

fail:
	/* Unlocked: only a hint, as locked_insert() also checks the load. */
	WRITE_ONCE(m->locked.grow_err, ret);
	return NULL;
}

/*
 * Move the rest of the doubling locked_grow_start() began, a chunk per hold
 * of the lock, even if a signal comes; inserts past the load limit move
 * chunks too, and may end it first. Then free its old array @ob, which
 * only this task does, so @ob cannot be another doubling's old array.
 */
static void locked_grow_finish(struct gs_map *m, struct hlist_head *ob, unsigned int old_shift)
{
	bool done;

	do {
		cond_resched();
		m->ops->write_begin_nointr(m);
		if (m->locked.old == ob)
			locked_move_locked(m);
		done = m->locked.old != ob;
		m->ops->write_end(m);
	} while (!done);
	kvfree(ob);
	if (old_shift > MAP_LOCKED_MIN_SHIFT)
		gs_user_uncharge(m->user, 0, locked_table_bytes(old_shift));
}

/*
 * Before an insert: if the next entry would push the load factor past 1,
 * double the table. The check outside the lock is a hint; the decision is
 * taken again under the write lock. Failure to grow (no memory, the user's
 * limit) is kept in grow_err for locked_insert(), which refuses new keys
 * once the table is overloaded; not here, as the Store may only replace a
 * value. Return: 0, or -EINTR for a fatal signal before anything changed.
 */
static int locked_prepare_insert(struct gs_map *m)
{
	unsigned int shift = READ_ONCE(m->locked.shift);
	struct hlist_head *ob;

	if (READ_ONCE(m->nr) < (1U << shift) || shift >= MAP_LOCKED_MAX_SHIFT ||
	    READ_ONCE(m->locked.old))
		return 0;
	ob = locked_grow_start(m, shift);
	if (IS_ERR_OR_NULL(ob))
		return PTR_ERR_OR_ZERO(ob);
	locked_grow_finish(m, ob, shift);
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * KUnit: begin doubling @m's table and stop there, as a mover kept off the
 * CPU would; gs_map_locked_grow_finish() ends it. Return the old array,
 * NULL if the table cannot double now, or an ERR_PTR.
 */
struct hlist_head *gs_map_locked_grow_start(struct gs_map *m)
{
	return locked_grow_start(m, READ_ONCE(m->locked.shift));
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_locked_grow_start);

void gs_map_locked_grow_finish(struct gs_map *m, struct hlist_head *ob, unsigned int old_shift)
{
	locked_grow_finish(m, ob, old_shift);
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_locked_grow_finish);
#endif

/* spin: one spinlock_t for readers and writers alike */
static int lmap_spin_init(struct gs_map *m)
{
	spin_lock_init(&m->locked.spin);
	return locked_alloc(m);
}

static int lmap_spin_begin(struct gs_map *m)
	__acquires(&m->locked.spin)
{
	spin_lock(&m->locked.spin);
	return 0;
}

static void lmap_spin_lock(struct gs_map *m)
	__acquires(&m->locked.spin)
{
	spin_lock(&m->locked.spin);
}

static void lmap_spin_end(struct gs_map *m)
	__releases(&m->locked.spin)
{
	spin_unlock(&m->locked.spin);
}

static bool lmap_spin_held(struct gs_map *m)
{
	/* lockdep_is_held() exists only with lockdep; without, claim "held". */
	return !IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(&m->locked.spin);
}

/* the spinlock is both sides */
const struct gs_map_backend_ops gs_map_spin_ops = {
	.init = lmap_spin_init,
	.destroy = locked_destroy,
	.read_begin = lmap_spin_begin,
	.read_end = lmap_spin_end,
	.write_begin = lmap_spin_begin,
	.write_begin_nointr = lmap_spin_lock,
	.write_end = lmap_spin_end,
	.write_held = lmap_spin_held,
	.read_held = lmap_spin_held,
	.lookup = locked_lookup,
	.prepare_insert = locked_prepare_insert,
	.insert = locked_insert,
	.remove = locked_remove,
	/* the Range index (see gs_map_rcu_ops); tables are charged as they grow */
	.slot_cost = 16,
};

/* rwsem: lookups shared, writers exclusive */
static int lmap_rwsem_init(struct gs_map *m)
{
	init_rwsem(&m->locked.sem);
	return locked_alloc(m);
}

static int lmap_rwsem_read_begin(struct gs_map *m)
{
	return down_read_killable(&m->locked.sem) ? -EINTR : 0;
}

static void lmap_rwsem_read_end(struct gs_map *m)
{
	up_read(&m->locked.sem);
}

static int lmap_rwsem_write_begin(struct gs_map *m)
{
	return down_write_killable(&m->locked.sem) ? -EINTR : 0;
}

static void lmap_rwsem_write_lock(struct gs_map *m)
{
	down_write(&m->locked.sem);
}

static void lmap_rwsem_write_end(struct gs_map *m)
{
	up_write(&m->locked.sem);
}

static bool lmap_rwsem_write_held(struct gs_map *m)
{
	return lockdep_is_held_type(&m->locked.sem, 0);
}

static bool lmap_rwsem_held(struct gs_map *m)
{
	return lockdep_is_held_type(&m->locked.sem, -1);	/* shared or not */
}

const struct gs_map_backend_ops gs_map_rwsem_ops = {
	.init = lmap_rwsem_init,
	.destroy = locked_destroy,
	.read_begin = lmap_rwsem_read_begin,
	.read_end = lmap_rwsem_read_end,
	.write_begin = lmap_rwsem_write_begin,
	.write_begin_nointr = lmap_rwsem_write_lock,
	.write_end = lmap_rwsem_write_end,
	.write_held = lmap_rwsem_write_held,
	.read_held = lmap_rwsem_held,
	.lookup = locked_lookup,
	.prepare_insert = locked_prepare_insert,
	.insert = locked_insert,
	.remove = locked_remove,
	.slot_cost = 16,
};
