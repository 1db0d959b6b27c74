// SPDX-License-Identifier: GPL-2.0
/*
 * gosync map backend rcu: sync.Map's role. Readers (Load, Range, Len) take
 * no lock: they look keys up in an rhashtable under rcu_read_lock() and take
 * a reference on the immutable value they find. Writers serialize on one
 * spinlock (as sync.Map's writers do on its mutex), so compound ops like
 * CompareAndSwap and LoadAndDelete stay atomic and the Range index stays in
 * step with the table, but a writer never blocks or delays a reader.
 *
 * The rhashtable brings RCU-safe lookups during its own resizing: it grows
 * and shrinks (automatic_shrinking) in a worker, moving entries bucket by
 * bucket under its per-bucket locks while lookups keep finding them. Nodes
 * and values are freed only after a grace period (kfree_rcu, kvfree_rcu).
 */
#include <linux/jhash.h>
#include <linux/lockdep.h>
#include <linux/rhashtable.h>

#include "internal.h"

/* rhashtable hooks: the lookup key is a struct gs_map_key. */
static u32 rcumap_key_hash(const void *data, u32 len, u32 seed)
{
	const struct gs_map_key *key = data;

	return jhash(key->data, key->len, seed);
}

static u32 rcumap_node_hash(const void *data, u32 len, u32 seed)
{
	const struct gs_map_node *n = data;

	return jhash(n->key, n->key_len, seed);
}

static int rcumap_node_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct gs_map_key *key = arg->key;
	const struct gs_map_node *n = obj;

	return n->key_len != key->len || memcmp(n->key, key->data, key->len);
}

static const struct rhashtable_params rcumap_params = {
	.head_offset = offsetof(struct gs_map_node, rhash),
	.hashfn = rcumap_key_hash,
	.obj_hashfn = rcumap_node_hash,
	.obj_cmpfn = rcumap_node_cmp,
	.automatic_shrinking = true,
};

/* The rhashtable's current bucket count. */
static unsigned int rcumap_table_size(struct gs_map *m)
{
	unsigned int size;

	rcu_read_lock();
	size = rht_dereference_rcu(m->rcu.ht.tbl, &m->rcu.ht)->size;
	rcu_read_unlock();
	return size;
}

static int rcumap_init(struct gs_map *m)
{
	int ret;

	spin_lock_init(&m->rcu.wlock);
	ret = rhashtable_init(&m->rcu.ht, &rcumap_params);
	if (ret)
		return ret;
	m->rcu.last_size = rcumap_table_size(m);
	return 0;
}

static void rcumap_destroy(struct gs_map *m)
{
	rhashtable_destroy(&m->rcu.ht);
}

static int rcumap_read_begin(struct gs_map *m)
	__acquires(RCU)
{
	rcu_read_lock();
	return 0;
}

static void rcumap_read_end(struct gs_map *m)
	__releases(RCU)
{
	rcu_read_unlock();
}

/*
 * Writers are RCU readers too, so that rcumap_lookup() always runs under
 * rcu_read_lock() (what rhashtable_lookup() asks for against the resizer),
 * and readers enter RCU once per Load instead of once per level.
 */
static void rcumap_write_lock(struct gs_map *m)
	__acquires(&m->rcu.wlock) __acquires(RCU)
{
	spin_lock(&m->rcu.wlock);
	rcu_read_lock();
}

static int rcumap_write_begin(struct gs_map *m)
	__acquires(&m->rcu.wlock) __acquires(RCU)
{
	rcumap_write_lock(m);
	return 0;
}

static void rcumap_write_end(struct gs_map *m)
	__releases(&m->rcu.wlock) __releases(RCU)
{
	rcu_read_unlock();
	spin_unlock(&m->rcu.wlock);
}

static bool rcumap_write_held(struct gs_map *m)
{
	/* lockdep_is_held() exists only with lockdep; without, claim "held". */
	return !IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(&m->rcu.wlock);
}

/* Writers are readers too (rcumap_write_lock()) */
static bool rcumap_read_held(struct gs_map *m)
{
	return rcu_read_lock_held();
}

/*
 * Under rcu_read_lock(), which readers (rcumap_read_begin()) and writers
 * (rcumap_write_lock()) both hold; nodes leave the table only under wlock.
 */
static struct gs_map_node *rcumap_lookup(struct gs_map *m,
					 const struct gs_map_key *key)
{
	return rhashtable_lookup(&m->rcu.ht, key, rcumap_params);
}

/*
 * The resize worker does not tell us when it runs: count the size changes
 * that writers see. A grow and a shrink between two writes count as none.
 */
static void rcumap_note_resize_locked(struct gs_map *m)
{
	unsigned int size = rcumap_table_size(m);

	lockdep_assert_held(&m->rcu.wlock);
	if (size != m->rcu.last_size) {
		m->rcu.last_size = size;
		gs_stat_add(m->stats, GOSYNC_MAP_STAT_RESIZES, 1);
	}
}

static int rcumap_insert(struct gs_map *m, struct gs_map_node *n)
{
	int ret;

	lockdep_assert_held(&m->rcu.wlock);
	rcumap_note_resize_locked(m);
	/*
	 * The key is absent (checked under wlock), so the plain insert is
	 * right. It fails to allocate (-ENOMEM: GFP_ATOMIC, for a nested table
	 * during a resize), past the table's maximum size (-E2BIG), or when a
	 * chain is too long while a resize is already under way (-EBUSY: the
	 * worker will fix that; the caller may retry).
	 */
	ret = rhashtable_insert_fast(&m->rcu.ht, &n->rhash, rcumap_params);
	switch (ret) {
	case 0:
	case -ENOMEM:
		return ret;
	case -E2BIG:
		return -ENOSPC;
	case -EBUSY:
		return -EAGAIN;
	default:
		WARN_ONCE(1, "gosync: rhashtable_insert_fast: %d\n", ret);
		return -ENOMEM;
	}
}

static void rcumap_remove(struct gs_map *m, struct gs_map_node *n)
{
	lockdep_assert_held(&m->rcu.wlock);
	rcumap_note_resize_locked(m);
	/* Only writers remove, under wlock: it is there. */
	WARN_ON_ONCE(rhashtable_remove_fast(&m->rcu.ht, &n->rhash, rcumap_params));
}

const struct gs_map_backend_ops gs_map_rcu_ops = {
	.init = rcumap_init,
	.destroy = rcumap_destroy,
	.read_begin = rcumap_read_begin,
	.read_end = rcumap_read_end,
	.write_begin = rcumap_write_begin,
	.write_begin_nointr = rcumap_write_lock,
	.write_end = rcumap_write_end,
	.write_held = rcumap_write_held,
	.read_held = rcumap_read_held,
	.lookup = rcumap_lookup,
	.insert = rcumap_insert,
	.remove = rcumap_remove,
	/*
	 * Index: an xa_node of 64 slots per 64 dense seqs, doubled for slack.
	 * Table: rhashtable keeps 30%..75% load, so at most 1/0.3 bucket
	 * pointers per entry, more while a resize holds two tables.
	 */
	.slot_cost = 16 + 32,
	.lockless_reads = true,
};
