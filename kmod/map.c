// SPDX-License-Identifier: GPL-2.0
/*
 * gosync map: Go's sync.Map over byte-string keys and values, written once
 * against a backend ops vector (map_locked.c: spin, rwsem; map_rcu.c: rcu).
 *
 * Data model:
 *  - A key's incarnation is a struct gs_map_node, from the Store that
 *    inserts it to the Delete that removes it. Its value is an immutable,
 *    refcounted struct gs_map_val; Store on a present key installs a new
 *    value in the same node. So a reader takes a reference on the value
 *    under the backend's read lock (or RCU) and copies it out after dropping
 *    the lock. A Load copies a small value (or any, under RCU) in its read
 *    section instead, with page faults disabled (map_copy_live()).
 *  - Every node gets a sequence number from map->seq when it is inserted,
 *    and sits in map->index (an xarray, seq -> node) while live. Range walks
 *    the index in seq order; see gs_map_range_start().
 *  - Writers hold the backend's write lock for the whole operation, which
 *    makes every op atomic per map (LoadOrStore, Swap, CompareAndSwap, ...).
 *    With the rcu backend that lock excludes only other writers: readers
 *    (Load, Range) take no lock and are never blocked by writers, which is
 *    sync.Map's design (its writers serialize on one mutex too).
 *  - Clear is one step for every observer: under the write lock it raises
 *    map->cleared to map->seq, which deletes every node at once (readers
 *    and writers treat a node with seq <= cleared as absent), then frees
 *    the nodes in bounded chunks, dropping the lock between chunks. A
 *    writer that meets such a stale node in the table drops it first.
 *  - Len reads nr under the read lock, or the write lock on the rcu
 *    backend, whose readers otherwise hold none: so it is linearizable.
 *  - Every entry's real cost (node, value, index slot, table share) is
 *    charged to the map's user as it is stored, and uncharged as it goes.
 *
 * Memory is allocated with GOSYNC_GFP before any spinlock is taken,
 * except xarray nodes, which use the xas_nomem() retry loop, and the rcu
 * backend's bucket tables, which rhashtable allocates itself (GFP_KERNEL in
 * its worker, GFP_ATOMIC under the writers' lock when it must grow at once;
 * not memcg-charged, but in the per-entry charge). No loop whose length a
 * user controls runs under a spinlock.
 */
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

static const struct gs_map_backend_ops *const map_backends[] = {
	[GOSYNC_MAP_SPIN] = &gs_map_spin_ops,
	[GOSYNC_MAP_RWSEM] = &gs_map_rwsem_ops,
	[GOSYNC_MAP_RCU] = &gs_map_rcu_ops,
};

bool gs_map_backend_valid(u32 backend)
{
	return backend < ARRAY_SIZE(map_backends) && map_backends[backend];
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_backend_valid);

/* ---- values and nodes ---- */

/**
 * gs_map_val_alloc() - a new value of @len uninitialized bytes, one reference
 * @len: the value's length; past GOSYNC_MAP_VALUE_MAX is NULL
 *
 * Return: the value, or NULL. Charged to the caller's memory cgroup.
 */
struct gs_map_val *gs_map_val_alloc(u32 len)
{
	struct gs_map_val *v;

	if (len > GOSYNC_MAP_VALUE_MAX)
		return NULL;
	/* len <= GOSYNC_MAP_VALUE_MAX: no overflow (offsetof keeps sparse quiet) */
	v = kvmalloc(offsetof(struct gs_map_val, data) + len, GOSYNC_GFP);
	if (!v)
		return NULL;
	refcount_set(&v->ref, 1);
	v->len = len;
	v->published = false;
	return v;
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_val_alloc);

/*
 * The last reference is gone (gs_map_val_put()). A value an entry held goes
 * after a grace period: an RCU reader may have loaded the pointer and be
 * about to try refcount_inc_not_zero(). Whoever drops the last reference of
 * a published value saw @published set: its own store, or one made under
 * the write lock before the entry's reference (ours came from it) was taken.
 */
void gs_map_val_free(struct gs_map_val *v)
{
	if (v->published)
		kvfree_rcu(v, rcu);
	else
		kvfree(v);
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_val_free);

static struct gs_map_node *map_node_alloc(const struct gs_map_key *key)
{
	struct gs_map_node *n;

	/* key->len <= GOSYNC_MAP_KEY_MAX: no overflow */
	n = kzalloc(offsetof(struct gs_map_node, key) + key->len, GOSYNC_GFP);
	if (!n)
		return NULL;
	n->key_len = key->len;
	memcpy(n->key, key->data, key->len);
	return n;
}

/* What a node and a value really cost: their slab objects (see struct gs_user). */
static unsigned long map_node_cost(struct gs_map *m, u32 key_len)
{
	return kmalloc_size_roundup(offsetof(struct gs_map_node, key) + key_len) +
	       m->ops->slot_cost;
}

static unsigned long map_val_cost(u32 len)
{
	/* kvmalloc's kmalloc attempt; its vmalloc fallback is never larger */
	return kmalloc_size_roundup(offsetof(struct gs_map_val, data) + len);
}

/*
 * Charge @bytes to the map's user, under the write lock, with its total in
 * m->charged. Return: 0, or -EDQUOT past the user's limit unless @exempt:
 * the capability check may sleep, so it is made by map_update() after
 * unlocking, and only for a charge that would fail.
 */
static int map_charge_locked(struct gs_map *m, unsigned long bytes, bool exempt)
{
	lockdep_assert(m->ops->write_held(m));
	if (gs_user_charge_nocap(m->user, bytes, exempt))
		return -EDQUOT;
	m->charged += bytes;
	return 0;
}

static void map_uncharge_locked(struct gs_map *m, unsigned long bytes)
{
	lockdep_assert(m->ops->write_held(m));
	gs_user_uncharge(m->user, 0, bytes);
	m->charged -= bytes;
}

/*
 * Is @n, found in the table or the index, a live entry (not deleted by a
 * Clear)? Under the write lock, the read lock, or RCU. The acquire pairs
 * with the release in map_clear(): a reader that sees the new @cleared
 * reports the node absent, one that sees the old value read the node's
 * value before the Clear, which changes no value (smp_rmb() in the callers
 * orders that read before this one).
 */
static bool map_node_live(struct gs_map *m, struct gs_map_node *n)
{
	/* Pairs with smp_store_release() in map_clear(); see above. */
	return n->seq > smp_load_acquire(&m->cleared);
}

/* The node's current value, under the write lock. */
static struct gs_map_val *map_node_val_locked(struct gs_map *m,
					      struct gs_map_node *n)
{
	return rcu_dereference_protected(n->val, m->ops->write_held(m));
}

/*
 * A reference to the node's current value, or NULL if the node is being
 * inserted or was deleted. Under the read lock (spin, rwsem: then the value
 * cannot change) or RCU (rcu backend). In the RCU case the value may be
 * replaced and its last reference dropped between our load and our
 * increment: refcount_inc_not_zero() then fails, and since the map's
 * reference is dropped only after the new value is published, loading
 * n->val again yields the newer value.
 */
static struct gs_map_val *map_node_get_val(struct gs_map_node *n)
{
	struct gs_map_val *v;

	rcu_read_lock();
	do {
		v = rcu_dereference(n->val);
	} while (v && !refcount_inc_not_zero(&v->ref));
	rcu_read_unlock();
	return v;
}

static bool map_val_equal(const struct gs_map_val *a, const struct gs_map_val *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* ---- create, destroy ---- */

/**
 * gs_map_create() - allocate an empty map
 * @backend: enum gosync_map_backend
 * @max_entries: most entries; 0 means GOSYNC_MAP_DEFAULT_ENTRIES
 * @max_bytes: most key plus value bytes; 0 means GOSYNC_MAP_DEFAULT_BYTES
 * @user: who pays for the entries, or NULL (KUnit, torture)
 *
 * Return: the map, ERR_PTR(-EINVAL) for an unknown backend, or
 * ERR_PTR(-ENOMEM). Memory is charged to the caller's memory cgroup.
 */
struct gs_map *gs_map_create(u32 backend, u32 max_entries, u64 max_bytes,
			     struct gs_user *user)
{
	struct gs_map *m;
	int ret;

	if (!gs_map_backend_valid(backend))
		return ERR_PTR(-EINVAL);
	m = kzalloc(sizeof(*m), GOSYNC_GFP);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->stats = gs_stats_alloc();
	if (!m->stats) {
		kfree(m);
		return ERR_PTR(-ENOMEM);
	}
	m->ops = map_backends[backend];
	m->backend = backend;
	m->max_entries = max_entries ?: GOSYNC_MAP_DEFAULT_ENTRIES;
	m->max_bytes = max_bytes ?: GOSYNC_MAP_DEFAULT_BYTES;
	/*
	 * Seqs start past 0, so a Range's start never is: {0, 0} is the cursor
	 * that begins one, and the finished cursor of an empty map is not it.
	 */
	m->seq = 1;
	xa_init_flags(&m->index, XA_FLAGS_ACCOUNT);
	ret = m->ops->init(m);
	if (ret) {
		free_percpu(m->stats);
		kfree(m);
		return ERR_PTR(ret);
	}
	if (user)
		gs_user_get(user);
	m->user = user;
	return m;
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_create);

static void map_drain(struct gs_map *m, u64 upto);

/* The first table of either backend: 16 locked buckets, or rhashtable's 64. */
#define MAP_FIRST_TABLE_COST	1024

/**
 * gs_map_cost() - bytes an empty map holds: its struct, stats and first
 * table. Entries and bigger tables are charged to the map's user as they come.
 * @m: the map; the cost is the same for every map
 */
unsigned long gs_map_cost(struct gs_map *m)
{
	return gs_obj_charge(sizeof(*m)) + MAP_FIRST_TABLE_COST;
}

/** gs_map_destroy() - free @m; nobody else may use it any more. */
void gs_map_destroy(struct gs_map *m)
{
	map_drain(m, m->seq);
	m->ops->destroy(m);
	WARN_ON(m->charged);
	xa_destroy(&m->index);
	gs_user_put(m->user);
	free_percpu(m->stats);
	kfree(m);
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_destroy);

/* ---- writers' helpers, all under the write lock ---- */

/*
 * Insert @n (key absent) with value @v, as a new incarnation with the next
 * seq. Return: 0, -ENOSPC past the limits, -ENOMEM, -EAGAIN (the backend's
 * table is being resized); with -ENOMEM from the xarray in @xas, the caller
 * drops the lock and retries after xas_nomem().
 */
static int map_insert_locked(struct gs_map *m, struct xa_state *xas,
			     struct gs_map_node *n, struct gs_map_val *v, bool exempt)
{
	unsigned long cost = map_node_cost(m, n->key_len) + map_val_cost(v->len);
	u64 seq = m->seq + 1;
	int ret;

	lockdep_assert(m->ops->write_held(m));
	if (m->nr >= m->max_entries || m->bytes + n->key_len + v->len > m->max_bytes)
		return -ENOSPC;

	/*
	 * Reserve the node's slot in the Range index first: that may need
	 * memory and fail, but publishes nothing (Range skips reserved slots).
	 * Then the table: on the rcu backend a lock-free reader may find the
	 * node from the moment it is in the table, so nothing after that may
	 * fail. n->val stays NULL until the end, so a reader that finds the
	 * node early treats it as absent.
	 */
	n->seq = seq;
	RCU_INIT_POINTER(n->val, NULL);
	xas_set(xas, seq);
	xas_lock(xas);
	xas_store(xas, XA_ZERO_ENTRY);
	xas_unlock(xas);
	ret = xas_error(xas);
	if (ret)
		return ret;
	ret = map_charge_locked(m, cost, exempt);
	if (!ret)
		ret = m->ops->insert(m, n);
	xas_set(xas, seq);
	xas_lock(xas);
	/* Into the reserved slot: no allocation, so no failure. */
	xas_store(xas, ret ? NULL : n);
	xas_unlock(xas);
	if (ret) {
		if (ret != -EDQUOT)
			map_uncharge_locked(m, cost);
		return ret;	/* never visible to anyone: the caller frees @n */
	}
	/*
	 * Pairs with smp_load_acquire() in gs_map_range_start(): a Range
	 * that reads this seq sees the node in the index, and (release being
	 * cumulative) every deletion this CPU saw before, via the write lock.
	 * Before the value: a Load that finds it, and then a Range, must have
	 * that Range start at or past this seq (the value's release below
	 * orders the two; the Load's smp_rmb() after its read of the value
	 * orders the reads).
	 * A Range that meets the node before its value skips it: a Store
	 * still in progress.
	 */
	smp_store_release(&m->seq, seq);
	refcount_inc(&v->ref);
	v->published = true;
	rcu_assign_pointer(n->val, v);
	WRITE_ONCE(m->nr, m->nr + 1);
	m->bytes += n->key_len + v->len;
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_STORES, 1);
	return 0;
}

/*
 * Install @v as the value of the live node @n. -ENOSPC past max_bytes,
 * -EDQUOT past the user's limit (see map_charge_locked()).
 */
static int map_replace_locked(struct gs_map *m, struct gs_map_node *n,
			      struct gs_map_val *v, bool exempt)
{
	struct gs_map_val *old = map_node_val_locked(m, n);
	unsigned long old_cost = map_val_cost(old->len), cost = map_val_cost(v->len);

	lockdep_assert(m->ops->write_held(m));
	if (m->bytes - old->len + v->len > m->max_bytes)
		return -ENOSPC;
	/* Net: replacing a value with one no bigger always works. */
	if (cost > old_cost && map_charge_locked(m, cost - old_cost, exempt))
		return -EDQUOT;
	if (cost < old_cost)
		map_uncharge_locked(m, old_cost - cost);
	refcount_inc(&v->ref);
	v->published = true;
	rcu_assign_pointer(n->val, v);
	m->bytes = m->bytes - old->len + v->len;
	/* Readers that still see @old hold a reference or fail to take one. */
	gs_map_val_put(old);
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_STORES, 1);
	return 0;
}

/*
 * Take the node @n, whose value is @v, out of the table and the index and
 * free both after a grace period. The entry is already accounted as gone
 * (deleted, or deleted by a Clear) but for its charge.
 */
static void map_drop_locked(struct gs_map *m, struct gs_map_node *n,
			    struct gs_map_val *v)
{
	lockdep_assert(m->ops->write_held(m));
	/*
	 * What the deleter did before is seen by a reader that finds the
	 * entry gone (docs/uapi.md's memory model): its stores before our
	 * NULL and unlink, which carry no release of their own. Pairs with
	 * the smp_rmb() of a Load or Range that finds no entry.
	 */
	smp_wmb();
	/*
	 * Before the value's last reference may go: a reader that still
	 * finds @n must not retry refcount_inc_not_zero() on it forever
	 * (map_node_get_val()).
	 */
	RCU_INIT_POINTER(n->val, NULL);
	m->ops->remove(m, n);
	xa_erase(&m->index, n->seq);
	map_uncharge_locked(m, map_node_cost(m, n->key_len) + map_val_cost(v->len));
	gs_map_val_put(v);
	kfree_rcu(n, rcu);
}

/* Delete the live node @n; it is freed after a grace period. */
static void map_remove_locked(struct gs_map *m, struct gs_map_node *n)
{
	struct gs_map_val *v = map_node_val_locked(m, n);

	lockdep_assert(m->ops->write_held(m));
	WRITE_ONCE(m->nr, m->nr - 1);
	m->bytes -= n->key_len + v->len;
	/* It NULLs n->val: lockless readers that still find @n see it deleted. */
	map_drop_locked(m, n, v);
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_DELETES, 1);
}

/*
 * Hand @v to the caller (a new reference in r->out), unless it does not fit
 * r->out_cap: -EOVERFLOW, checked before the op changes anything.
 */
static int map_give_out(struct gs_map_req *r, struct gs_map_val *v)
{
	r->out_len = v->len;
	if (r->flags & GOSYNC_MAP_F_NOVALUE)
		return 0;
	if (v->len > r->out_cap)
		return -EOVERFLOW;
	refcount_inc(&v->ref);
	r->out = v;
	return 0;
}

/* ---- operations ---- */

static void map_count_load(struct gs_map *m, bool hit)
{
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_LOADS, 1);
	gs_stat_add(m->stats, hit ? GOSYNC_MAP_STAT_HITS : GOSYNC_MAP_STAT_MISSES, 1);
}

/*
 * The live node of @key, or NULL. Under the read lock or RCU (rcu backend)
 * the caller may find a node a Clear has deleted: see map_node_live().
 */
static struct gs_map_node *map_lookup(struct gs_map *m,
				      const struct gs_map_key *key)
{
	lockdep_assert(m->ops->read_held(m));
	return m->ops->lookup(m, key);
}

/* Bytes a Load may copy out under a lock that keeps writers out */
#define MAP_COPY_LOCKED_MAX	1024

/*
 * Give @n's value to r->copy_out without a reference, under the read lock or
 * RCU: values never change once published and are freed only after a grace
 * period (gs_map_val_put()), so reading one under RCU is safe even if a Store
 * replaces it meanwhile (the Load then returns the value it found, as it
 * would had it run a moment earlier). Return: 0 (r->result says whether @n
 * was live), -EOVERFLOW, or -EFAULT: copy_out's, or a value too big to copy
 * under a lock; either way the caller copies it with a reference instead.
 */

static int map_copy_live(struct gs_map *m, struct gs_map_node *n, struct gs_map_req *r)
{
	/* The read section (read lock or RCU, map_load()) keeps @v. */
	struct gs_map_val *v = rcu_dereference_check(n->val, !m->ops->lockless_reads);
	int ret = 0;

	/* Our value read before our read of @cleared: see map_node_live(). */
	smp_rmb();
	if (v && map_node_live(m, n)) {
		/*
		 * The spin backend's one lock (the rwsem's, for writers) is
		 * held for the copy: a big value is copied after it instead.
		 */
		if (v->len > MAP_COPY_LOCKED_MAX && !m->ops->lockless_reads)
			return -EFAULT;
		r->result = 1;
		r->out_len = v->len;
		ret = v->len > r->out_cap ? -EOVERFLOW :
		      INDIRECT_CALL_1(r->copy_out, gs_map_copy_out, r, v->data, v->len);
	}
	return ret;
}

static int map_load(struct gs_map *m, struct gs_map_req *r)
{
	struct gs_map_node *n;
	struct gs_map_val *v = NULL;
	int ret;

	ret = m->ops->read_begin(m);
	if (ret)
		return ret;
	n = map_lookup(m, &r->key);
	if (n && r->copy_out && !(r->flags & GOSYNC_MAP_F_NOVALUE)) {
		ret = map_copy_live(m, n, r);
		if (ret != -EFAULT) {
			m->ops->read_end(m);
			map_count_load(m, r->result);
			if (!r->result)
				smp_rmb();	/* found gone: see map_drop_locked() */
			return ret;
		}
		/* Could not copy without faulting: the usual way, below. */
		r->result = 0;
		r->out_len = 0;
	}
	if (n) {
		v = map_node_get_val(n);
		/* Our value read before our read of @cleared: see map_node_live(). */
		smp_rmb();
		if (v && !map_node_live(m, n)) {
			gs_map_val_put(v);
			v = NULL;
		}
	}
	m->ops->read_end(m);

	map_count_load(m, v);
	if (!v) {
		smp_rmb();	/* found gone: see map_drop_locked() */
		return 0;
	}
	r->result = 1;
	ret = map_give_out(r, v);
	gs_map_val_put(v);
	return ret;
}

/*
 * Len: nr changes only under the write lock, one store per op, so reading
 * it under the read lock is linearizable. The rcu backend's readers hold no
 * lock, so there Len takes the write lock: otherwise a Load that misses a
 * key whose Delete is in flight (its value already NULL) could be followed
 * by a Len that still counts the key.
 */
static int map_len(struct gs_map *m, struct gs_map_req *r)
{
	bool wlock = m->ops->lockless_reads;
	int ret = wlock ? m->ops->write_begin(m) : m->ops->read_begin(m);

	if (ret)
		return ret;
	r->result = READ_ONCE(m->nr);
	if (wlock)
		m->ops->write_end(m);
	else
		m->ops->read_end(m);
	return 0;
}

/* Nodes a Clear frees per hold of the write lock. */
#define MAP_DRAIN_CHUNK	64

/*
 * Free the nodes with seq <= @upto that are still in the table and the
 * index (a Clear deleted them all at once), a chunk per hold of the write
 * lock, so the lock is never held for work that grows with the map. Not
 * interruptible: the work is bounded and must be finished.
 */
static void map_drain(struct gs_map *m, u64 upto)
{
	unsigned long seq = 0;

	for (;;) {
		struct gs_map_node *n;
		unsigned int i = 0;

		m->ops->write_begin_nointr(m);
		xa_for_each_range(&m->index, seq, n, 0, upto) {
			map_drop_locked(m, n, map_node_val_locked(m, n));
			if (++i == MAP_DRAIN_CHUNK)
				break;
		}
		m->ops->write_end(m);
		if (i < MAP_DRAIN_CHUNK)
			break;
		cond_resched();
	}
}

/*
 * Clear deletes every entry in one step: raising @cleared under the write
 * lock. That is the op's linearization point for every observer: Load,
 * Range and writers treat older nodes as absent from then on, and Len reads
 * nr, zeroed in the same critical section. Then the nodes are freed.
 */
static int map_clear(struct gs_map *m, struct gs_map_req *r)
{
	u64 upto;
	int ret = m->ops->write_begin(m);

	if (ret)
		return ret;
	upto = m->seq;
	r->result = m->nr;
	gs_stat_add(m->stats, GOSYNC_MAP_STAT_DELETES, m->nr);
	WRITE_ONCE(m->nr, 0);
	m->bytes = 0;
	/* Pairs with smp_load_acquire() in map_node_live(). */
	smp_store_release(&m->cleared, upto);
	m->ops->write_end(m);
	map_drain(m, upto);
	return 0;
}

/*
 * The live node of r->key under the write lock, or NULL. A node a Clear
 * deleted that is still in the table is freed now, so a key has at most
 * one node in the table.
 */
static struct gs_map_node *map_lookup_locked(struct gs_map *m,
					     const struct gs_map_key *key)
{
	struct gs_map_node *n = map_lookup(m, key);

	lockdep_assert(m->ops->write_held(m));
	if (n && n->seq <= m->cleared) {
		map_drop_locked(m, n, map_node_val_locked(m, n));
		n = NULL;
	}
	return n;
}

/*
 * The body of every op that may change the map, under the write lock. A
 * LoadOrStore, Swap or LoadAndDelete sets *@hit (found the key or not): the
 * caller counts the load once, as the last of its tries found it.
 */
static int map_update_locked(struct gs_map *m, struct gs_map_req *r, struct xa_state *xas,
			     struct gs_map_node **newp, bool exempt, int *hit)
{
	struct gs_map_node *n = map_lookup_locked(m, &r->key);
	struct gs_map_val *old = n ? map_node_val_locked(m, n) : NULL;
	int ret = 0;

	lockdep_assert(m->ops->write_held(m));
	/* Under the write lock a node in the table is complete and live. */
	if (WARN_ON_ONCE(n && !old))
		return -EIO;

	switch (r->op) {
	case GOSYNC_MAP_STORE:
	case GOSYNC_MAP_SWAP:
	case GOSYNC_MAP_LOAD_OR_STORE:
		if (r->op != GOSYNC_MAP_STORE)
			*hit = !!old;
		if (!old) {
			ret = map_insert_locked(m, xas, *newp, r->val, exempt);
			if (!ret)
				*newp = NULL;	/* the map owns it now */
			break;
		}
		if (r->op == GOSYNC_MAP_STORE)
			return map_replace_locked(m, n, r->val, exempt);
		r->result = 1;
		ret = map_give_out(r, old);
		if (ret || r->op == GOSYNC_MAP_LOAD_OR_STORE)
			break;
		ret = map_replace_locked(m, n, r->val, exempt);
		break;
	case GOSYNC_MAP_LOAD_AND_DELETE:
		*hit = !!old;
		if (!old)
			break;
		r->result = 1;
		ret = map_give_out(r, old);
		if (!ret)
			map_remove_locked(m, n);
		break;
	case GOSYNC_MAP_DELETE:
		if (old) {
			r->result = 1;
			map_remove_locked(m, n);
		}
		break;
	case GOSYNC_MAP_COMPARE_AND_SWAP:
		if (old && map_val_equal(old, r->old)) {
			ret = map_replace_locked(m, n, r->val, exempt);
			r->result = !ret;
		}
		break;
	case GOSYNC_MAP_COMPARE_AND_DELETE:
		if (old && map_val_equal(old, r->old)) {
			r->result = 1;
			map_remove_locked(m, n);
		}
		break;
	}
	return ret;
}

/* How often an insert the backend asks to retry (-EAGAIN) is retried. */
#define MAP_INSERT_TRIES	8

static int map_update(struct gs_map *m, struct gs_map_req *r)
{
	bool may_insert = r->op == GOSYNC_MAP_STORE || r->op == GOSYNC_MAP_SWAP ||
			  r->op == GOSYNC_MAP_LOAD_OR_STORE;
	bool exempt = false, asked = false;
	struct gs_map_node *n = NULL;
	XA_STATE(xas, &m->index, 0);
	int tries = 0, hit = -1, ret;

	if (may_insert) {
		n = map_node_alloc(&r->key);
		if (!n)
			return -ENOMEM;
		if (m->ops->prepare_insert) {
			ret = m->ops->prepare_insert(m);
			if (ret)
				goto out;
		}
	}
	for (;;) {
		/* A retry starts afresh: the map may have changed meanwhile. */
		gs_map_val_put(r->out);
		r->out = NULL;
		r->out_len = 0;
		r->result = 0;
		ret = m->ops->write_begin(m);
		if (ret) {
			/*
			 * Killed waiting for the lock: free a node xas_nomem()
			 * got for this retry. @xas is not in error here, so
			 * xas_nomem() only frees (xas_destroy() is not exported).
			 */
			xas_nomem(&xas, GOSYNC_GFP);
			break;
		}
		ret = map_update_locked(m, r, &xas, &n, exempt, &hit);
		m->ops->write_end(m);
		/*
		 * Only an xarray allocation failure leaves @xas in error: then
		 * xas_nomem() allocates with GOSYNC_GFP, outside the lock, and
		 * asks for a retry. Otherwise it frees any leftover.
		 */
		if (xas_nomem(&xas, GOSYNC_GFP))
			continue;
		/* Past the user's limit: is the caller exempt? Asked once, unlocked. */
		if (ret == -EDQUOT && !asked) {
			asked = true;
			exempt = capable(CAP_SYS_RESOURCE);
			if (exempt)
				continue;
		}
		if (ret != -EAGAIN || ++tries == MAP_INSERT_TRIES)
			break;
		/* The rhashtable is resizing: give its worker a moment. */
		usleep_range(100, 1000);
	}
	/* A Swap refused after it found the key reports nothing found: nor counted */
	if (hit >= 0 && (!ret || ret == -EOVERFLOW))
		map_count_load(m, hit);
	if (ret == -EDQUOT)
		ret = -ENOSPC;
out:
	kfree(n);	/* not inserted: never visible to anyone */
	if (ret) {
		gs_map_val_put(r->out);
		r->out = NULL;
		/* A Swap refused after it found the value: nothing swapped */
		if (ret != -EOVERFLOW) {
			r->result = 0;
			r->out_len = 0;
		}
	}
	return ret;
}

/**
 * gs_map_do() - run one map operation
 * @m: the map
 * @r: the request; see struct gs_map_req
 *
 * Every op is atomic (linearizable) with respect to the others on @m.
 *
 * Return: 0; -EINVAL or -E2BIG (see gs_map_check_op()); -EOVERFLOW if the
 * value to return is longer than r->out_cap (r->out_len says how long; the
 * op had no effect); -ENOSPC past the map's limits; -ENOMEM; -EINTR if a
 * fatal signal interrupted a sleeping lock.
 */
int gs_map_do(struct gs_map *m, struct gs_map_req *r)
{
	u32 args = gs_map_operands(r->op);
	int ret;

	ret = gs_map_check_op(r->op, r->flags, r->key.len,
			      r->val ? r->val->len : 0, r->old ? r->old->len : 0,
				  r->out_cap);
	if (ret)
		return ret;
	if (!!(args & GOSYNC_MAP_ARG_VALUE) != !!r->val ||
	    !!(args & GOSYNC_MAP_ARG_OLD) != !!r->old)
		return -EINVAL;
	return gs_map_run(m, r);
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_do);

/**
 * gs_map_run() - gs_map_do() for a request its caller has validated
 * @m: the map
 * @r: the request: gs_map_check_op() passed it, and it has @val and @old
 *	exactly when gs_map_operands() says its op takes them
 *
 * The uapi layer validates each op as it copies it in; checking it again
 * here would be a second pass over every op of a batch.
 * Return: as gs_map_do().
 */
int gs_map_run(struct gs_map *m, struct gs_map_req *r)
{
	r->out = NULL;
	r->out_len = 0;
	r->result = 0;
	switch (r->op) {
	case GOSYNC_MAP_LOAD:
		return map_load(m, r);
	case GOSYNC_MAP_LEN:
		return map_len(m, r);
	case GOSYNC_MAP_CLEAR:
		return map_clear(m, r);
	default:
		return map_update(m, r);
	}
}

/* ---- Range ---- */

/**
 * gs_map_range_start() - the cursor start of a new Range
 * @m: the map
 *
 * A Range visits, in seq order, the live nodes with seq <= start, where start
 * is the map's seq when the Range begins. Why no key is visited twice: the
 * nodes of one key have different seqs, so a second visit would be of a new
 * incarnation, inserted after the Range visited (saw live) the old one and
 * so after that one's deletion. Seqs grow under the write lock, and this
 * acquire pairs with the store-release of m->seq in map_insert_locked(): had
 * we read a seq >= the new node's, we would also see the old node deleted
 * (n->val == NULL, written before under the same lock) and would not have
 * visited it. So the new node's seq > start, and the Range skips it.
 * Nodes live throughout have seq <= start and stay in the index, which an
 * xarray walk under RCU finds exactly once each. The hash table plays no
 * part, so its resizing (rhashtable's, or the locked table's doubling)
 * cannot make a Range skip or repeat anything.
 */
u64 gs_map_range_start(struct gs_map *m)
{
	/* Pairs with smp_store_release() in map_insert_locked(); see above. */
	return smp_load_acquire(&m->seq);
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_range_start);

/**
 * gs_map_range_check() - is (@start, @pos) a cursor @m could have returned?
 * @m: the map
 * @start: the Range's start: no later than @m's seq now
 * @pos: the seq of the last entry visited: no later than @start
 *
 * Return: 0 or -EINVAL.
 */
int gs_map_range_check(struct gs_map *m, u64 start, u64 pos)
{
	if (start > gs_map_range_start(m) || pos > start)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_range_check);

/**
 * gs_map_range_next() - the next entry of a Range
 * @m: the map
 * @start: the Range's start (gs_map_range_start())
 * @pos: the seq of the last entry visited, 0 at first
 * @key: out: room for GOSYNC_MAP_KEY_MAX bytes, gets the key
 * @key_len: out: the key's length
 * @val: out: the value, with a reference for the caller
 * @seq: out: the entry's seq: the @pos for the next call
 *
 * Return: 0; -ENOENT when no live entry has a seq in (@pos, @start]; -EINTR.
 */
int gs_map_range_next(struct gs_map *m, u64 start, u64 pos, u8 *key,
		      u32 *key_len, struct gs_map_val **val, u64 *seq)
{
	struct gs_map_node *n;
	unsigned long idx;
	int ret;

	if (pos >= start)
		return -ENOENT;
	ret = m->ops->read_begin(m);
	if (ret)
		return ret;
	/*
	 * Nodes with seq <= @cleared are dead but stay in the index until
	 * Clear has freed them, 64 per lock hold: search past them, or every
	 * call would walk them all. @cleared only grows, so any value read
	 * is a bound map_node_live() would agree with: no ordering needed.
	 */
	idx = max(pos, READ_ONCE(m->cleared));
	ret = -ENOENT;
	/* xa_find_after() holds RCU; nodes are freed after a grace period. */
	rcu_read_lock();
	while ((n = xa_find_after(&m->index, &idx, start, XA_PRESENT))) {
		struct gs_map_val *v = map_node_get_val(n);

		smp_rmb();	/* the value before @cleared: see map_node_live() */
		if (v && !map_node_live(m, n)) {
			gs_map_val_put(v);
			v = NULL;
		}
		if (!v) {
			/* Deleted meanwhile (rcu), or cleared: a Clear since? */
			idx = max_t(u64, idx, READ_ONCE(m->cleared));
			continue;
		}
		memcpy(key, n->key, n->key_len);
		*key_len = n->key_len;
		*val = v;
		*seq = idx;
		ret = 0;
		break;
	}
	rcu_read_unlock();
	m->ops->read_end(m);
	/* The skips above read @cleared without acquire. */
	if (ret == -ENOENT)
		smp_rmb();	/* the end: deletes seen, see map_drop_locked() */
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_map_range_next);

