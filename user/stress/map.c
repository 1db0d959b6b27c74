// SPDX-License-Identifier: GPL-2.0
/*
 * Map backends: gosync maps (spin, rwsem, rcu; one GOSYNC_IOC_MAP per call,
 * GOSYNC_IOC_BATCH through ->batch) and their userspace peers, all
 * process-private (threads only): a chained hash table under a pthread
 * mutex, the same under a pthread rwlock, and liburcu's lock-free RCU hash
 * table (cds_lfht, urcu-memb flavor). One ops vector per implementation.
 *
 * The peers keep keys and values inline, up to MAP_PEER_MAX bytes each
 * (E2BIG beyond): the workloads use short decimal strings.
 *
 * cds_lfht lives in liburcu-cds. Its functions are weak references here, so
 * gosync-stress links without -lurcu-cds; then the urcu-lfht backend's open
 * fails with ENOSYS (and the workloads leave it out). Linking with
 * -lurcu-cds turns it on with no change to this file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

#include "stress.h"

#pragma weak _cds_lfht_new
#pragma weak cds_lfht_destroy
#pragma weak cds_lfht_lookup
#pragma weak cds_lfht_add_unique
#pragma weak cds_lfht_add_replace
#pragma weak cds_lfht_replace
#pragma weak cds_lfht_del
#pragma weak cds_lfht_first
#pragma weak cds_lfht_next
#pragma weak cds_lfht_count_nodes

#define PEER_BUCKETS	4096	/* to start with; both peers grow */

/* ---- gosync maps ---- */

static int kmap_open(struct mapobj *m, int dev, unsigned int max_entries)
{
	if (dev < 0) {
		errno = ENODEV;
		return -1;
	}
	m->fd = gosync_map_create(dev, NULL, 0, m->be->mode, max_entries, 0);
	return m->fd < 0 ? -1 : 0;
}

static int kmap_load(struct mapobj *m, const void *k, size_t kl, void *buf,
		     size_t cap, size_t *len, bool *ok)
{
	return gosync_map_load(m->fd, k, kl, buf, cap, len, ok);
}

static int kmap_store(struct mapobj *m, const void *k, size_t kl,
		      const void *v, size_t vl)
{
	return gosync_map_store(m->fd, k, kl, v, vl);
}

static int kmap_load_or_store(struct mapobj *m, const void *k, size_t kl,
			      const void *v, size_t vl, bool *loaded)
{
	char buf[MAP_PEER_MAX];
	size_t len;

	return gosync_map_load_or_store(m->fd, k, kl, v, vl, buf, sizeof(buf),
					&len, loaded);
}

static int kmap_delete(struct mapobj *m, const void *k, size_t kl, bool *deleted)
{
	return gosync_map_delete(m->fd, k, kl, deleted);
}

static int kmap_swap(struct mapobj *m, const void *k, size_t kl, const void *v,
		     size_t vl, bool *loaded)
{
	char buf[MAP_PEER_MAX];
	size_t len;

	return gosync_map_swap(m->fd, k, kl, v, vl, buf, sizeof(buf), &len, loaded);
}

static int kmap_cas(struct mapobj *m, const void *k, size_t kl, const void *old,
		    size_t ol, const void *v, size_t vl, bool *swapped)
{
	return gosync_map_compare_and_swap(m->fd, k, kl, old, ol, v, vl, swapped);
}

/*
 * Go's Range calls fn entry by entry and stops when it says so: the first
 * chunk is small (a Range that stops early, as adversarial-delete's, copies
 * a few entries, as the peers touch one), and each next one twice as big.
 */
static int kmap_range(struct mapobj *m, map_range_fn fn, void *arg)
{
	static _Thread_local char buf[65536];
	struct gosync_map_cursor cur = { 0 };
	size_t cap = 256, needed;

	while (!cur.done) {
		size_t off = 0;
		int n = gosync_map_range(m->fd, buf, cap, &cur, &needed);

		if (n < 0 && errno == EOVERFLOW && needed <= sizeof(buf) && needed > cap) {
			cap = needed;
			continue;
		}
		if (n < 0)
			return -1;
		cap = cap * 2 < sizeof(buf) ? cap * 2 : sizeof(buf);
		for (int i = 0; i < n; i++) {
			const void *k, *v;
			size_t kl, vl;

			gosync_map_entry_next(buf, &off, &k, &kl, &v, &vl);
			if (!fn(arg, k, kl, v, vl))
				return 0;
		}
	}
	return 0;
}

static int kmap_batch(struct mapobj *m, struct gosync_map_op *ops, unsigned int n)
{
	unsigned int done;

	if (gosync_map_batch(m->fd, ops, n, 0, &done) < 0)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		if (ops[i].error) {
			errno = -ops[i].error;
			return -1;
		}
	}
	return 0;
}

static void kmap_close(struct mapobj *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

const struct map_ops gosync_map_ops = {
	.open = kmap_open, .load = kmap_load, .store = kmap_store,
	.load_or_store = kmap_load_or_store, .delete = kmap_delete,
	.swap = kmap_swap, .cas = kmap_cas, .range = kmap_range,
	.batch = kmap_batch, .close = kmap_close,
};

/* ---- chained hash table peers (pthread mutex, pthread rwlock) ---- */

struct pent {
	struct pent *next;
	uint32_t klen, vlen;
	char key[MAP_PEER_MAX];
	char val[MAP_PEER_MAX];
};

/*
 * The table doubles at load factor 1, as gosync's spin and rwsem maps and
 * cds_lfht (AUTO_RESIZE) do: map-bench's unique-key variants grow maps to
 * hundreds of thousands of entries, and fixed buckets would make this peer
 * walk ever longer chains that the others do not.
 */
struct ptable {
	pthread_mutex_t m;
	pthread_rwlock_t rw;
	bool rwlock;			/* which of the two guards @b */
	struct pent **b;		/* @nb buckets, guarded by m or rw */
	size_t nb, n;			/* buckets (a power of 2), entries */
};

static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

static bool too_big(size_t kl, size_t vl)
{
	if (kl && kl <= MAP_PEER_MAX && vl <= MAP_PEER_MAX)
		return false;
	errno = kl ? E2BIG : EINVAL;
	return true;
}

static int pt_open(struct mapobj *m, int dev, unsigned int max_entries, bool rw)
{
	struct ptable *t = calloc(1, sizeof(*t));

	(void)dev;
	(void)max_entries;
	if (!t)
		return -1;
	t->nb = PEER_BUCKETS;
	t->b = calloc(t->nb, sizeof(*t->b));
	if (!t->b) {
		free(t);
		return -1;
	}
	t->rwlock = rw;
	pthread_mutex_init(&t->m, NULL);
	pthread_rwlock_init(&t->rw, NULL);
	m->priv = t;
	return 0;
}

static int ptm_open(struct mapobj *m, int dev, unsigned int max_entries)
{
	return pt_open(m, dev, max_entries, false);
}

static int ptrw_open(struct mapobj *m, int dev, unsigned int max_entries)
{
	return pt_open(m, dev, max_entries, true);
}

static void pt_rlock(struct ptable *t)
{
	if (t->rwlock)
		pthread_rwlock_rdlock(&t->rw);
	else
		pthread_mutex_lock(&t->m);
}

static void pt_wlock(struct ptable *t)
{
	if (t->rwlock)
		pthread_rwlock_wrlock(&t->rw);
	else
		pthread_mutex_lock(&t->m);
}

static void pt_unlock(struct ptable *t)
{
	if (t->rwlock)
		pthread_rwlock_unlock(&t->rw);
	else
		pthread_mutex_unlock(&t->m);
}

/* The link pointing at @k's entry (or at the NULL ending its chain). Locked. */
static struct pent **pt_find_locked(struct ptable *t, const void *k, size_t kl)
{
	struct pent **pp = &t->b[fnv1a(k, kl) & (t->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->klen == kl && !memcmp((*pp)->key, k, kl))
			break;
	return pp;
}

/* Double the buckets; if there is no memory, the chains just get longer. */
static void pt_grow_locked(struct ptable *t)
{
	size_t nb = t->nb * 2;
	struct pent **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nb; i++) {
		for (struct pent *e = t->b[i], *next; e; e = next) {
			struct pent **pp = &b[fnv1a(e->key, e->klen) & (nb - 1)];

			next = e->next;
			e->next = *pp;
			*pp = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* Add @k at @pp, the end of its chain (pt_find_locked()). Write-locked. */
static int pt_insert_locked(struct ptable *t, struct pent **pp, const void *k,
			    size_t kl, const void *v, size_t vl)
{
	struct pent *e = malloc(sizeof(*e));

	if (!e)
		return -1;
	e->next = NULL;
	e->klen = (uint32_t)kl;
	e->vlen = (uint32_t)vl;
	memcpy(e->key, k, kl);
	memcpy(e->val, v, vl);
	*pp = e;
	if (++t->n > t->nb)
		pt_grow_locked(t);
	return 0;
}

static int pt_load(struct mapobj *m, const void *k, size_t kl, void *buf,
		   size_t cap, size_t *len, bool *ok)
{
	struct ptable *t = m->priv;
	struct pent *e;
	int ret = 0;

	if (too_big(kl, 0))
		return -1;
	pt_rlock(t);
	e = *pt_find_locked(t, k, kl);
	if (ok)
		*ok = e;
	if (len)
		*len = e ? e->vlen : 0;
	if (e && e->vlen > cap) {
		errno = EOVERFLOW;
		ret = -1;
	} else if (e) {
		memcpy(buf, e->val, e->vlen);
	}
	pt_unlock(t);
	return ret;
}

static int pt_store(struct mapobj *m, const void *k, size_t kl, const void *v,
		    size_t vl)
{
	struct ptable *t = m->priv;
	struct pent **pp;
	int ret = 0;

	if (too_big(kl, vl))
		return -1;
	pt_wlock(t);
	pp = pt_find_locked(t, k, kl);
	if (*pp) {
		memcpy((*pp)->val, v, vl);
		(*pp)->vlen = (uint32_t)vl;
	} else {
		ret = pt_insert_locked(t, pp, k, kl, v, vl);
	}
	pt_unlock(t);
	return ret;
}

static int pt_load_or_store(struct mapobj *m, const void *k, size_t kl,
			    const void *v, size_t vl, bool *loaded)
{
	struct ptable *t = m->priv;
	struct pent **pp;
	int ret = 0;

	if (too_big(kl, vl))
		return -1;
	pt_wlock(t);
	pp = pt_find_locked(t, k, kl);
	if (loaded)
		*loaded = *pp;
	if (!*pp)
		ret = pt_insert_locked(t, pp, k, kl, v, vl);
	pt_unlock(t);
	return ret;
}

static int pt_delete(struct mapobj *m, const void *k, size_t kl, bool *deleted)
{
	struct ptable *t = m->priv;
	struct pent **pp, *e;

	if (too_big(kl, 0))
		return -1;
	pt_wlock(t);
	pp = pt_find_locked(t, k, kl);
	e = *pp;
	if (e) {
		*pp = e->next;
		t->n--;
	}
	pt_unlock(t);
	if (deleted)
		*deleted = e;
	free(e);
	return 0;
}

static int pt_swap(struct mapobj *m, const void *k, size_t kl, const void *v,
		   size_t vl, bool *loaded)
{
	struct ptable *t = m->priv;
	struct pent **pp;
	int ret = 0;

	if (too_big(kl, vl))
		return -1;
	pt_wlock(t);
	pp = pt_find_locked(t, k, kl);
	if (loaded)
		*loaded = *pp;
	if (*pp) {
		memcpy((*pp)->val, v, vl);
		(*pp)->vlen = (uint32_t)vl;
	} else {
		ret = pt_insert_locked(t, pp, k, kl, v, vl);
	}
	pt_unlock(t);
	return ret;
}

static int pt_cas(struct mapobj *m, const void *k, size_t kl, const void *old,
		  size_t ol, const void *v, size_t vl, bool *swapped)
{
	struct ptable *t = m->priv;
	struct pent *e;
	bool ok = false;

	if (too_big(kl, vl) || too_big(kl, ol))
		return -1;
	pt_wlock(t);
	e = *pt_find_locked(t, k, kl);
	if (e && e->vlen == ol && !memcmp(e->val, old, ol)) {
		memcpy(e->val, v, vl);
		e->vlen = (uint32_t)vl;
		ok = true;
	}
	pt_unlock(t);
	if (swapped)
		*swapped = ok;
	return 0;
}

static int pt_range(struct mapobj *m, map_range_fn fn, void *arg)
{
	struct ptable *t = m->priv;

	/* Go's Range may run @fn unlocked; ours only reads, so hold the lock */
	pt_rlock(t);
	for (size_t i = 0; i < t->nb; i++)
		for (struct pent *e = t->b[i]; e; e = e->next)
			if (!fn(arg, e->key, e->klen, e->val, e->vlen))
				goto out;
out:
	pt_unlock(t);
	return 0;
}

static void pt_close(struct mapobj *m)
{
	struct ptable *t = m->priv;

	if (!t)
		return;
	for (size_t i = 0; i < t->nb; i++) {
		for (struct pent *e = t->b[i], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&t->m);
	pthread_rwlock_destroy(&t->rw);
	free(t->b);
	free(t);
	m->priv = NULL;
}

/*
 * Range hands @fn pointers into the table; the mutex peer's Range holds the
 * lock across it, so a callback that deletes (AdversarialDelete) must not
 * call back in. The workloads copy the key out and act after Range returns.
 */
const struct map_ops pthread_mutex_map_ops = {
	.open = ptm_open, .load = pt_load, .store = pt_store,
	.load_or_store = pt_load_or_store, .delete = pt_delete, .swap = pt_swap,
	.cas = pt_cas, .range = pt_range, .close = pt_close,
};

const struct map_ops pthread_rwlock_map_ops = {
	.open = ptrw_open, .load = pt_load, .store = pt_store,
	.load_or_store = pt_load_or_store, .delete = pt_delete, .swap = pt_swap,
	.cas = pt_cas, .range = pt_range, .close = pt_close,
};

/* ---- liburcu's cds_lfht (urcu-memb) ---- */

struct lnode {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	uint32_t klen, vlen;
	char key[MAP_PEER_MAX];
	char val[MAP_PEER_MAX];
};

struct lkey {
	const void *k;
	size_t kl;
};

static _Thread_local bool urcu_registered;

static void lf_thread_init(void)
{
	if (!urcu_registered) {
		urcu_memb_register_thread();
		urcu_registered = true;
	}
}

static void lf_thread_exit(void)
{
	if (urcu_registered) {
		urcu_memb_unregister_thread();
		urcu_registered = false;
	}
}

static int lf_match(struct cds_lfht_node *node, const void *key)
{
	const struct lnode *n = caa_container_of(node, struct lnode, node);
	const struct lkey *k = key;

	return n->klen == k->kl && !memcmp(n->key, k->k, k->kl);
}

static void lf_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct lnode, rcu));
}

static struct lnode *lf_new(const void *k, size_t kl, const void *v, size_t vl)
{
	struct lnode *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	cds_lfht_node_init(&n->node);
	n->klen = (uint32_t)kl;
	n->vlen = (uint32_t)vl;
	memcpy(n->key, k, kl);
	memcpy(n->val, v, vl);
	return n;
}

static bool lf_available(void)
{
	return cds_lfht_lookup && _cds_lfht_new;
}

static int lf_open(struct mapobj *m, int dev, unsigned int max_entries)
{
	(void)dev;
	(void)max_entries;
	if (!lf_available()) {
		errno = ENOSYS;		/* not linked with -lurcu-cds */
		return -1;
	}
	lf_thread_init();
	m->priv = cds_lfht_new_flavor(PEER_BUCKETS, PEER_BUCKETS, 0,
				      CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				      &urcu_memb_flavor, NULL);
	if (!m->priv) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int lf_load(struct mapobj *m, const void *k, size_t kl, void *buf,
		   size_t cap, size_t *len, bool *ok)
{
	struct lkey key = { k, kl };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	int ret = 0;

	if (too_big(kl, 0))
		return -1;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->priv, fnv1a(k, kl), lf_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (ok)
		*ok = node;
	if (len)
		*len = 0;
	if (node) {
		struct lnode *n = caa_container_of(node, struct lnode, node);

		/* a node's value never changes: updates replace the node */
		if (len)
			*len = n->vlen;
		if (n->vlen > cap) {
			errno = EOVERFLOW;
			ret = -1;
		} else {
			memcpy(buf, n->val, n->vlen);
		}
	}
	urcu_memb_read_unlock();
	return ret;
}

static int lf_swap(struct mapobj *m, const void *k, size_t kl, const void *v,
		   size_t vl, bool *loaded)
{
	struct lnode *n;
	struct cds_lfht_node *old;
	struct lkey key = { k, kl };

	if (too_big(kl, vl) || !(n = lf_new(k, kl, v, vl)))
		return -1;
	urcu_memb_read_lock();
	old = cds_lfht_add_replace(m->priv, fnv1a(k, kl), lf_match, &key, &n->node);
	urcu_memb_read_unlock();
	if (loaded)
		*loaded = old;
	if (old)
		urcu_memb_call_rcu(&caa_container_of(old, struct lnode, node)->rcu,
				   lf_free_rcu);
	return 0;
}

/* Store is Swap without looking at what was there */
static int lf_store(struct mapobj *m, const void *k, size_t kl, const void *v,
		    size_t vl)
{
	return lf_swap(m, k, kl, v, vl, NULL);
}

static int lf_load_or_store(struct mapobj *m, const void *k, size_t kl,
			    const void *v, size_t vl, bool *loaded)
{
	struct lnode *n;
	struct cds_lfht_node *got;
	struct lkey key = { k, kl };
	struct cds_lfht_iter it;

	if (too_big(kl, vl))
		return -1;
	/* Go's LoadOrStore loads first; only a miss allocates */
	urcu_memb_read_lock();
	cds_lfht_lookup(m->priv, fnv1a(k, kl), lf_match, &key, &it);
	got = cds_lfht_iter_get_node(&it);
	urcu_memb_read_unlock();
	if (got) {
		if (loaded)
			*loaded = true;
		return 0;
	}
	if (!(n = lf_new(k, kl, v, vl)))
		return -1;
	urcu_memb_read_lock();
	got = cds_lfht_add_unique(m->priv, fnv1a(k, kl), lf_match, &key, &n->node);
	urcu_memb_read_unlock();
	if (loaded)
		*loaded = got != &n->node;
	if (got != &n->node)
		free(n);	/* never published */
	return 0;
}

static int lf_delete(struct mapobj *m, const void *k, size_t kl, bool *deleted)
{
	struct lkey key = { k, kl };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	bool gone = false;

	if (too_big(kl, 0))
		return -1;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->priv, fnv1a(k, kl), lf_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node && !cds_lfht_del(m->priv, node)) {
		gone = true;
		urcu_memb_call_rcu(&caa_container_of(node, struct lnode, node)->rcu,
				   lf_free_rcu);
	}
	urcu_memb_read_unlock();
	if (deleted)
		*deleted = gone;
	return 0;
}


/* cds_lfht_replace fails if the node we compared was replaced meanwhile: a CAS. */
static int lf_cas(struct mapobj *m, const void *k, size_t kl, const void *old,
		  size_t ol, const void *v, size_t vl, bool *swapped)
{
	struct lkey key = { k, kl };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct lnode *n = NULL;
	bool ok = false;

	if (too_big(kl, vl) || too_big(kl, ol))
		return -1;
	urcu_memb_read_lock();
	cds_lfht_lookup(m->priv, fnv1a(k, kl), lf_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node) {
		struct lnode *cur = caa_container_of(node, struct lnode, node);

		if (cur->vlen == ol && !memcmp(cur->val, old, ol) &&
		    (n = lf_new(k, kl, v, vl)) &&
		    !cds_lfht_replace(m->priv, &it, fnv1a(k, kl), lf_match, &key,
				      &n->node)) {
			ok = true;
			urcu_memb_call_rcu(&cur->rcu, lf_free_rcu);
		}
	}
	urcu_memb_read_unlock();
	if (!ok)
		free(n);
	if (swapped)
		*swapped = ok;
	return 0;
}

static int lf_range(struct mapobj *m, map_range_fn fn, void *arg)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	urcu_memb_read_lock();
	cds_lfht_first(m->priv, &it);
	while ((node = cds_lfht_iter_get_node(&it))) {
		struct lnode *n = caa_container_of(node, struct lnode, node);

		if (!fn(arg, n->key, n->klen, n->val, n->vlen))
			break;
		cds_lfht_next(m->priv, &it);
	}
	urcu_memb_read_unlock();
	return 0;
}

static void lf_close(struct mapobj *m)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	if (!m->priv)
		return;
	lf_thread_init();
	urcu_memb_read_lock();
	cds_lfht_first(m->priv, &it);
	while ((node = cds_lfht_iter_get_node(&it))) {
		if (!cds_lfht_del(m->priv, node))
			urcu_memb_call_rcu(&caa_container_of(node, struct lnode, node)->rcu,
					   lf_free_rcu);
		cds_lfht_next(m->priv, &it);
	}
	urcu_memb_read_unlock();
	cds_lfht_destroy(m->priv, NULL);
	urcu_memb_barrier();		/* every lf_free_rcu has run */
	m->priv = NULL;
}

const struct map_ops urcu_lfht_ops = {
	.open = lf_open, .load = lf_load, .store = lf_store,
	.load_or_store = lf_load_or_store, .delete = lf_delete, .swap = lf_swap,
	.cas = lf_cas, .range = lf_range, .close = lf_close,
	.available = lf_available,
	.thread_init = lf_thread_init, .thread_exit = lf_thread_exit,
};

int mapobj_open(struct mapobj *m, const struct stress_backend *be, int dev,
		unsigned int max_entries)
{
	memset(m, 0, sizeof(*m));
	m->be = be;
	m->fd = -1;
	return be->map->open(m, dev, max_entries);
}

void mapobj_close(struct mapobj *m)
{
	if (m->be)
		m->be->map->close(m);
	m->be = NULL;
}
