// SPDX-License-Identifier: GPL-2.0
/*
 * gosync map backends spin and rwsem: Go's map guarded by a sync.Mutex or a
 * sync.RWMutex. Both are the same chained hash table and differ only in the
 * lock around it, so they share this file: spin takes one spinlock_t for
 * every operation; rwsem takes an rw_semaphore, shared for Load, Range and
 * Len, exclusive for writers (killable, so a dying task never waits on it).
 *
 * The table doubles when it holds as many entries as buckets (load factor
 * 1), like Go's map grows; it never shrinks. The new bucket array is
 * allocated before the write lock is taken, then the nodes are moved under
 * it, so no allocation happens under the spinlock. Readers hold the lock, so
 * plain hlists suffice.
 */
#include <linux/jhash.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "gosync.h"

#define MAP_LOCKED_MIN_SHIFT	4
#define MAP_LOCKED_MAX_SHIFT	24

static u32 locked_hash(struct gosync_map *m, const u8 *key, u32 len)
{
	return jhash(key, len, m->locked.seed);
}

static struct hlist_head *locked_bucket(struct gosync_map *m, u32 hash)
{
	return &m->locked.buckets[hash & ((1U << m->locked.shift) - 1)];
}

static int locked_alloc(struct gosync_map *m)
{
	m->locked.shift = MAP_LOCKED_MIN_SHIFT;
	m->locked.seed = get_random_u32();
	m->locked.buckets = kvcalloc(1U << m->locked.shift, sizeof(struct hlist_head), GOSYNC_GFP);
	return m->locked.buckets ? 0 : -ENOMEM;
}

static void locked_destroy(struct gosync_map *m)
{
	kvfree(m->locked.buckets);
}

/* Under the read or the write lock. */
static struct gosync_map_node *locked_lookup(struct gosync_map *m,
					     const struct gosync_map_key *key)
{
	u32 hash = locked_hash(m, key->data, key->len);
	struct gosync_map_node *n;

	hlist_for_each_entry(n, locked_bucket(m, hash), hnode)
		if (n->hash == hash && n->key_len == key->len &&
		    !memcmp(n->key, key->data, key->len))
			return n;
	return NULL;
}

static int locked_insert(struct gosync_map *m, struct gosync_map_node *n)
{
	lockdep_assert(m->ops->write_held(m));
	n->hash = locked_hash(m, n->key, n->key_len);
	hlist_add_head(&n->hnode, locked_bucket(m, n->hash));
	return 0;
}

static void locked_remove(struct gosync_map *m, struct gosync_map_node *n)
{
	lockdep_assert(m->ops->write_held(m));
	hlist_del(&n->hnode);
}

/*
 * Before an insert: if the next entry would push the load factor past 1,
 * double the table. The check outside the lock is a hint; the decision is
 * taken again under the write lock. Failure to grow is not an error: the
 * table only gets slower.
 */
static int locked_prepare_insert(struct gosync_map *m)
{
	unsigned int shift = READ_ONCE(m->locked.shift);
	struct hlist_head *nb, *ob;
	struct gosync_map_node *n;
	struct hlist_node *tmp;
	unsigned int i;
	int ret;

	if (READ_ONCE(m->nr) < (1U << shift) || shift >= MAP_LOCKED_MAX_SHIFT)
		return 0;
	nb = kvcalloc(2U << shift, sizeof(*nb), GOSYNC_GFP | __GFP_NOWARN);
	if (!nb)
		return 0;
	ret = m->ops->write_begin(m);
	if (ret) {
		kvfree(nb);
		return ret;
	}
	if (m->locked.shift != shift) {
		/* someone else grew it meanwhile */
		m->ops->write_end(m);
		kvfree(nb);
		return 0;
	}
	ob = m->locked.buckets;
	for (i = 0; i < (1U << shift); i++)
		hlist_for_each_entry_safe(n, tmp, &ob[i], hnode) {
			hlist_del(&n->hnode);
			hlist_add_head(&n->hnode, &nb[n->hash & ((2U << shift) - 1)]);
		}
	m->locked.buckets = nb;
	WRITE_ONCE(m->locked.shift, shift + 1);
	gosync_map_stat_add(m, GOSYNC_MAP_STAT_RESIZES, 1);
	m->ops->write_end(m);
	kvfree(ob);
	return 0;
}

/* spin: one spinlock_t for readers and writers alike */
static int spin_init(struct gosync_map *m)
{
	spin_lock_init(&m->locked.spin);
	return locked_alloc(m);
}

static int spin_begin(struct gosync_map *m)
	__acquires(&m->locked.spin)
{
	spin_lock(&m->locked.spin);
	return 0;
}

static void spin_end(struct gosync_map *m)
	__releases(&m->locked.spin)
{
	spin_unlock(&m->locked.spin);
}

static bool spin_held(struct gosync_map *m)
{
	/* lockdep_is_held() exists only with lockdep; without, claim "held". */
	return !IS_ENABLED(CONFIG_LOCKDEP) || lockdep_is_held(&m->locked.spin);
}

const struct gosync_map_backend_ops gosync_map_spin_ops = {
	.init = spin_init,
	.destroy = locked_destroy,
	.read_begin = spin_begin,
	.read_end = spin_end,
	.write_begin = spin_begin,
	.write_end = spin_end,
	.write_held = spin_held,
	.lookup = locked_lookup,
	.prepare_insert = locked_prepare_insert,
	.insert = locked_insert,
	.remove = locked_remove,
};

/* rwsem: lookups shared, writers exclusive */
static int rwsem_init_(struct gosync_map *m)
{
	init_rwsem(&m->locked.sem);
	return locked_alloc(m);
}

static int rwsem_read_begin(struct gosync_map *m)
{
	return down_read_killable(&m->locked.sem) ? -EINTR : 0;
}

static void rwsem_read_end(struct gosync_map *m)
{
	up_read(&m->locked.sem);
}

static int rwsem_write_begin(struct gosync_map *m)
{
	return down_write_killable(&m->locked.sem) ? -EINTR : 0;
}

static void rwsem_write_end(struct gosync_map *m)
{
	up_write(&m->locked.sem);
}

static bool rwsem_write_held(struct gosync_map *m)
{
	return lockdep_is_held_type(&m->locked.sem, 0);
}

const struct gosync_map_backend_ops gosync_map_rwsem_ops = {
	.init = rwsem_init_,
	.destroy = locked_destroy,
	.read_begin = rwsem_read_begin,
	.read_end = rwsem_read_end,
	.write_begin = rwsem_write_begin,
	.write_end = rwsem_write_end,
	.write_held = rwsem_write_held,
	.lookup = locked_lookup,
	.prepare_insert = locked_prepare_insert,
	.insert = locked_insert,
	.remove = locked_remove,
};
