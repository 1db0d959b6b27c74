// SPDX-License-Identifier: GPL-2.0
/*
 * Map workloads. Keys and values are decimal strings ("42"), so a map reads
 * the same from the CLI (gosync map load NAME 42).
 *
 * gobyexample: Go by Example's Mutexes program on a gosync map: 100 readers
 * and 10 writers over keys 0..4, each op followed by a 1 ms sleep, for 1 s;
 * then readOps, writeOps and the state, printed as the Go program does.
 *
 * map-bench: Go's src/sync/map_bench_test.go on every map backend: gosync
 * maps one ioctl per op, gosync maps with ops in GOSYNC_IOC_BATCH vectors,
 * and the userspace peers (map.c), in one run; then each backend's scaling
 * (ops/s at the most threads / at 1 thread) and gosync/peer ratios.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stress.h"

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t seed_for(unsigned int id)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 20) ^ (id + 1) * 0x9e3779b97f4a7c15ULL ^ 1;
}

static size_t dec(char *buf, uint64_t v)
{
	return (size_t)sprintf(buf, "%" PRIu64, v);
}

static bool map_usable(const struct stress_backend *be)
{
	return be->map && (!be->map->available || be->map->available());
}

/* ---- gobyexample ---- */

#define GBE_READERS	100
#define GBE_WRITERS	10
#define GBE_KEYS	5

struct gbe_ctx {
	struct mapobj m;
	_Alignas(64) _Atomic uint64_t read_ops;
	_Alignas(64) _Atomic uint64_t write_ops;
	_Alignas(64) _Atomic int64_t total;	/* the readers' sums, kept */
};

static bool gbe_applies(const struct stress_backend *be, const char *variant)
{
	(void)variant;
	return map_usable(be) && !be->batched;
}

static int gbe_setup(struct stress_point *p)
{
	struct gbe_ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	if (mapobj_open(&x->m, p->be, p->dev, 0) < 0) {
		int err = errno;

		free(x);
		errno = err;
		return -1;
	}
	p->ctx = x;
	return 0;
}

static int gbe_body(struct stress_point *p, struct stress_worker *w)
{
	struct gbe_ctx *x = p->ctx;
	const struct map_ops *ops = p->be->map;
	uint64_t rng = seed_for(w->id);
	struct stress_rng keys;
	bool reader = w->id < GBE_READERS;
	int64_t total = 0;
	int ret = 0;

	stress_rng_init(&keys, p, w->id);
	if (ops->thread_init)
		ops->thread_init();
	while (stress_more(p, w)) {
		char k[24], v[24];
		size_t kl = dec(k, stress_key(&keys)), vl;
		bool ok;

		if (reader) {
			if (ops->load(&x->m, k, kl, v, sizeof(v) - 1, &vl, &ok) < 0) {
				ret = -1;
				break;
			}
			if (ok) {
				v[vl] = '\0';
				total += strtoll(v, NULL, 10);
			}
			atomic_fetch_add(&x->read_ops, 1);
		} else {
			vl = dec(v, xorshift(&rng) % 100);
			if (ops->store(&x->m, k, kl, v, vl) < 0) {
				ret = -1;
				break;
			}
			atomic_fetch_add(&x->write_ops, 1);
		}
		stress_done(w, 1);
		stress_sleep(0.001);
	}
	atomic_fetch_add(&x->total, total);
	if (ops->thread_exit)
		ops->thread_exit();
	return ret;
}

struct gbe_state {
	unsigned int n, cap;
	long long *k, *v;
	bool bad;			/* more entries than keys */
};

static bool gbe_collect(void *arg, const void *k, size_t kl, const void *v,
			size_t vl)
{
	struct gbe_state *s = arg;
	char kb[32], vb[32];

	if (kl >= sizeof(kb) || vl >= sizeof(vb) || s->n == s->cap) {
		s->bad = true;
		return true;
	}
	memcpy(kb, k, kl);
	kb[kl] = '\0';
	memcpy(vb, v, vl);
	vb[vl] = '\0';
	s->k[s->n] = strtoll(kb, NULL, 10);
	s->v[s->n++] = strtoll(vb, NULL, 10);
	return true;
}

static int gbe_verify(struct stress_point *p, struct stress_sample *s)
{
	struct gbe_ctx *x = p->ctx;
	struct gbe_state st = { .cap = (unsigned int)p->keys };
	uint64_t r = atomic_load(&x->read_ops), wr = atomic_load(&x->write_ops);
	struct gosync_info info = { 0 };

	if (p->be->kernel && gosync_info(x->m.fd, &info) < 0)
		return -1;
	st.k = calloc(st.cap, sizeof(*st.k));
	st.v = calloc(st.cap, sizeof(*st.v));
	if (!st.k || !st.v) {
		free(st.k);
		free(st.v);
		return -1;
	}
	if (p->be->map->thread_init)
		p->be->map->thread_init();
	if (p->be->map->range(&x->m, gbe_collect, &st) < 0) {
		free(st.k);
		free(st.v);
		return -1;
	}
	/* Go prints a map sorted by key */
	for (unsigned int i = 1; i < st.n; i++)
		for (unsigned int j = i; j > 0 && st.k[j - 1] > st.k[j]; j--) {
			long long t = st.k[j];

			st.k[j] = st.k[j - 1];
			st.k[j - 1] = t;
			t = st.v[j];
			st.v[j] = st.v[j - 1];
			st.v[j - 1] = t;
		}
	/*
	 * The workers' count against the map's own: a gosync map counts the
	 * Loads and Stores it served (GOSYNC_MAP_STAT_*); the peers count
	 * nothing of their own, so theirs is not checked.
	 */
	s->expected = (int64_t)s->ops;
	s->actual = s->expected;
	if (p->be->kernel)
		s->actual = (int64_t)(info.stats[GOSYNC_MAP_STAT_LOADS] +
				      info.stats[GOSYNC_MAP_STAT_STORES]);
	s->ok = s->expected == s->actual && !st.bad && st.n <= p->keys;
	if (!p->quiet && st.n > 64) {
		printf("== %s: %s\nreadOps: %" PRIu64 "\nwriteOps: %" PRIu64
		       "\nstate: %u keys\n", p->be->name, p->be->desc, r, wr, st.n);
		fflush(stdout);
	} else if (!p->quiet) {
		printf("== %s: %s\n", p->be->name, p->be->desc);
		printf("readOps: %" PRIu64 "\nwriteOps: %" PRIu64 "\nstate: map[",
		       r, wr);
		for (unsigned int i = 0; i < st.n; i++)
			printf("%s%lld:%lld", i ? " " : "", st.k[i], st.v[i]);
		printf("]\n");
		fflush(stdout);
	}
	free(st.k);
	free(st.v);
	return 0;
}

static void gbe_teardown(struct stress_point *p)
{
	struct gbe_ctx *x = p->ctx;

	mapobj_close(&x->m);
	free(x);
	p->ctx = NULL;
}

static void gbe_row(const struct stress_result *r, struct stress_row *row)
{
	(void)r;
	row_int(row, "readers", NULL, GBE_READERS);
	row_int(row, "writers", NULL, GBE_WRITERS);
}

static int gbe_finish(struct stress_run *run)
{
	bool ok = true;

	for (unsigned int i = 0; i < run->nres; i++)
		ok &= run->res[i].ok;
	return ok ? 0 : 1;
}

static const char *const gbe_keys[] = { "readers", "writers", NULL };

const struct stress_workload wl_gobyexample = {
	.name = "gobyexample",
	.desc = "Go by Example: Mutexes on a gosync map (100 readers, 10 writers, 1 s)",
	.usage = "--backend (spin, rwsem, rcu, all) --duration --iterations "
		 "--keys --dist --seed",
	.family = "map",
	.default_modes = "all",
	.fixed_threads = GBE_READERS + GBE_WRITERS,
	.default_duration = 1.0,
	.threads_only = true,
	.default_keys = GBE_KEYS,
	.no_warmup = true,
	.keys = gbe_keys,
	.smoke_args = "--duration 0.05",
	.applies = gbe_applies,
	.setup = gbe_setup,
	.body = gbe_body,
	.verify = gbe_verify,
	.teardown = gbe_teardown,
	.row = gbe_row,
	.finish = gbe_finish,
};

/* ---- map-bench ---- */

/*
 * los-unique and los-balanced store a new key per op (per other op), as Go's
 * do. Keys never repeat: a wrap would turn later stores into hits, an easier
 * mix for whichever side runs more ops. Instead a worker stops after its
 * share of this many ops per rep (the point's ops/s stand), which bounds the
 * map: 512k entries, under the gosync map's default 1M entries and 64 MiB
 * of keys and values (<= 8 + 16 bytes an entry), < 100 MB of memory in any
 * backend (~150 bytes an entry). Under TCG the fastest peer's point at the
 * default 0.3 s makes under a third of it.
 */
#define MB_UNIQUE_OPS	(1U << 19)
#define MB_UNIQUE_BASE	1000000		/* worker id * this + n: distinct keys */
_Static_assert(MB_UNIQUE_OPS <= MB_UNIQUE_BASE, "unique keys would collide");
#define MB_RANGE_SIZE	1024		/* Go's mapSize */

enum mb_kind {
	MB_LOAD_HITS, MB_LOAD_MISSES, MB_LOS_BALANCED, MB_LOS_UNIQUE,
	MB_LOS_COLLISION, MB_RANGE, MB_ADV_ALLOC, MB_ADV_DELETE,
	MB_DELETE_COLLISION, MB_SWAP_COLLISION, MB_CAS_COLLISION, MB_MIX,
};

struct mb_variant {
	const char *name;
	const char *go;
	enum mb_kind kind;
	unsigned int preload;		/* keys 0..preload-1 stored by setup */
	bool no_batch;			/* needs results as it goes (Range) */
};

static const struct mb_variant mb_variants[] = {
	{ "load-mostly-hits", "BenchmarkLoadMostlyHits (1023 hits : 1 miss)",
	  MB_LOAD_HITS, 1023, false },
	{ "load-mostly-misses", "BenchmarkLoadMostlyMisses (1 hit : 1023 misses)",
	  MB_LOAD_MISSES, 1, false },
	{ "los-balanced", "BenchmarkLoadOrStoreBalanced (128 hits : 128 stores)",
	  MB_LOS_BALANCED, 128, false },
	{ "los-unique", "BenchmarkLoadOrStoreUnique", MB_LOS_UNIQUE, 0, false },
	{ "los-collision", "BenchmarkLoadOrStoreCollision", MB_LOS_COLLISION, 1, false },
	{ "range", "BenchmarkRange (1024 entries; an op is one whole Range)",
	  MB_RANGE, MB_RANGE_SIZE, true },
	{ "adversarial-alloc", "BenchmarkAdversarialAlloc", MB_ADV_ALLOC, 0, false },
	{ "adversarial-delete", "BenchmarkAdversarialDelete (1024 entries)",
	  MB_ADV_DELETE, MB_RANGE_SIZE, true },
	{ "delete-collision", "BenchmarkDeleteCollision", MB_DELETE_COLLISION, 1, false },
	{ "swap-collision", "BenchmarkSwapCollision", MB_SWAP_COLLISION, 1, false },
	{ "cas-collision", "BenchmarkCompareAndSwapCollision", MB_CAS_COLLISION, 1, false },
	{ "mix-90-10", "none: 90% Load, 10% Store, --keys (1024) keys of --dist",
	  MB_MIX, 1024, false },
	{ "mix", "none: --read-pct (50)% Load, the rest Store, --keys (1024) "
	  "keys of --dist", MB_MIX, 1024, false },
};

static const char *const mb_names[] = {
	"load-mostly-hits", "load-mostly-misses", "los-balanced", "los-unique",
	"los-collision", "range", "adversarial-alloc", "adversarial-delete",
	"delete-collision", "swap-collision", "cas-collision", "mix-90-10", "mix",
	NULL,
};

_Static_assert(ARRAY_SIZE(mb_names) == ARRAY_SIZE(mb_variants) + 1,
	       "mb_names and mb_variants disagree");

static const struct mb_variant *mb_variant_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mb_variants); i++)
		if (name && !strcmp(mb_variants[i].name, name))
			return &mb_variants[i];
	abort();
}

static bool mb_applies(const struct stress_backend *be, const char *variant)
{
	if (!map_usable(be))
		return false;
	return !(be->batched && mb_variant_of(variant)->no_batch);
}

/* A worker's position, kept across its warm-up and measured bodies. */
struct mb_pos {
	uint64_t n, st[3];
	struct stress_rng rng;
	bool started;
};

struct mb_ctx {
	const struct mb_variant *v;
	struct mapobj m;
	struct mb_pos *pos;		/* one per worker */
};

/* Keys and a read share only for the mix variants; mix-90-10 is a preset. */
static void mb_shape(struct stress_point *p)
{
	const struct mb_variant *v = mb_variant_of(p->variant);

	if (v->kind != MB_MIX) {
		p->keys = 0;
		p->read_pct = -1;
	} else if (!strcmp(v->name, "mix-90-10")) {
		p->read_pct = 90;
	}
}

static int mb_setup(struct stress_point *p)
{
	struct mb_ctx *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return -1;
	x->v = mb_variant_of(p->variant);
	x->pos = calloc(p->threads, sizeof(*x->pos));
	if (!x->pos)
		goto fail;
	if (mapobj_open(&x->m, p->be, p->dev, 0) < 0)
		goto fail;
	if (p->be->map->thread_init)
		p->be->map->thread_init();
	/* the mix variants: every key present, as in the preset's 1024 */
	for (uint64_t i = 0; i < (x->v->kind == MB_MIX ? p->keys : x->v->preload); i++) {
		char k[24];
		size_t kl = dec(k, i);

		/* Go's collision benchmarks LoadOrStore(0, 0) */
		if (p->be->map->store(&x->m, k, kl, "0", 1) < 0) {
			mapobj_close(&x->m);
			goto fail;
		}
	}
	p->ctx = x;
	return 0;
fail:
	err = errno;
	free(x->pos);
	free(x);
	errno = err;
	return -1;
}

static void mb_teardown(struct stress_point *p)
{
	struct mb_ctx *x = p->ctx;

	mapobj_close(&x->m);
	free(x->pos);
	free(x);
	p->ctx = NULL;
}

/* One worker's op stream: straight through the ops vector, or into batches. */
struct mb_slot {
	char k[24], v[24], o[24], out[MAP_PEER_MAX];
};

struct mb_w {
	struct mapobj *m;
	const struct map_ops *ops;
	unsigned int cap, n;		/* batch capacity, ops pending; 0: none */
	struct gosync_map_op *vec;
	struct mb_slot *slot;
};

static int mb_flush(struct mb_w *w)
{
	int ret;

	if (!w->n)
		return 0;
	ret = w->ops->batch(w->m, w->vec, w->n);
	w->n = 0;
	return ret;
}

/* Queue one op for the batch; the caller fills key/value/old in the slot. */
static struct gosync_map_op *mb_queue(struct mb_w *w, unsigned int op,
				      uint64_t k, struct mb_slot **sp)
{
	struct gosync_map_op *o = &w->vec[w->n];
	struct mb_slot *s = &w->slot[w->n++];

	memset(o, 0, sizeof(*o));
	o->op = op;
	o->key = (uintptr_t)s->k;
	o->key_len = (uint32_t)dec(s->k, k);
	if (op == GOSYNC_MAP_LOAD || op == GOSYNC_MAP_LOAD_OR_STORE ||
	    op == GOSYNC_MAP_SWAP) {
		o->out = (uintptr_t)s->out;
		o->out_cap = sizeof(s->out);
	}
	*sp = s;
	return o;
}

static void mb_set_value(struct gosync_map_op *o, struct mb_slot *s, uint64_t v)
{
	o->value = (uintptr_t)s->v;
	o->value_len = (uint32_t)dec(s->v, v);
}

static int mb_after_queue(struct mb_w *w)
{
	return w->n == w->cap ? mb_flush(w) : 0;
}

static int mb_load(struct mb_w *w, uint64_t k)
{
	char kb[24], out[MAP_PEER_MAX];
	size_t len;
	bool ok;

	if (w->cap) {
		struct mb_slot *s;

		mb_queue(w, GOSYNC_MAP_LOAD, k, &s);
		return mb_after_queue(w);
	}
	return w->ops->load(w->m, kb, dec(kb, k), out, sizeof(out), &len, &ok);
}

static int mb_store(struct mb_w *w, uint64_t k, uint64_t v)
{
	char kb[24], vb[24];

	if (w->cap) {
		struct mb_slot *s;
		struct gosync_map_op *o = mb_queue(w, GOSYNC_MAP_STORE, k, &s);

		mb_set_value(o, s, v);
		return mb_after_queue(w);
	}
	return w->ops->store(w->m, kb, dec(kb, k), vb, dec(vb, v));
}

static int mb_los(struct mb_w *w, uint64_t k, uint64_t v)
{
	char kb[24], vb[24];
	bool loaded;

	if (w->cap) {
		struct mb_slot *s;
		struct gosync_map_op *o = mb_queue(w, GOSYNC_MAP_LOAD_OR_STORE, k, &s);

		mb_set_value(o, s, v);
		return mb_after_queue(w);
	}
	return w->ops->load_or_store(w->m, kb, dec(kb, k), vb, dec(vb, v), &loaded);
}

static int mb_delete(struct mb_w *w, uint64_t k)
{
	char kb[24];
	bool deleted;

	if (w->cap) {
		struct mb_slot *s;

		mb_queue(w, GOSYNC_MAP_DELETE, k, &s);
		return mb_after_queue(w);
	}
	return w->ops->delete(w->m, kb, dec(kb, k), &deleted);
}

static int mb_swap(struct mb_w *w, uint64_t k, uint64_t v)
{
	char kb[24], vb[24];
	bool loaded;

	if (w->cap) {
		struct mb_slot *s;
		struct gosync_map_op *o = mb_queue(w, GOSYNC_MAP_SWAP, k, &s);

		mb_set_value(o, s, v);
		return mb_after_queue(w);
	}
	return w->ops->swap(w->m, kb, dec(kb, k), vb, dec(vb, v), &loaded);
}

/* Batched: *@swapped is not known, so say true (the caller issues the undo too). */
static int mb_cas(struct mb_w *w, uint64_t k, uint64_t old, uint64_t v,
		  bool *swapped)
{
	char kb[24], ob[24], vb[24];

	if (w->cap) {
		struct mb_slot *s;
		struct gosync_map_op *o = mb_queue(w, GOSYNC_MAP_COMPARE_AND_SWAP, k, &s);

		mb_set_value(o, s, v);
		o->old = (uintptr_t)s->o;
		o->old_len = (uint32_t)dec(s->o, old);
		*swapped = true;
		return mb_after_queue(w);
	}
	return w->ops->cas(w->m, kb, dec(kb, k), ob, dec(ob, old), vb, dec(vb, v),
			   swapped);
}

static bool range_all(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	(void)k;
	(void)v;
	*(uint64_t *)arg += kl + vl;	/* touch every entry */
	return true;
}

struct first_key {
	char k[GOSYNC_MAP_KEY_MAX];
	size_t kl;
};

static bool range_first(void *arg, const void *k, size_t kl, const void *v, size_t vl)
{
	struct first_key *f = arg;

	(void)v;
	(void)vl;
	if (kl <= sizeof(f->k)) {
		memcpy(f->k, k, kl);
		f->kl = kl;
	}
	return false;
}

static int mb_iter(struct stress_point *p, struct mb_ctx *x, struct mb_w *w,
		   unsigned int id, uint64_t i, uint64_t n, struct stress_rng *rng,
		   uint64_t *st)
{
	uint64_t unique = (uint64_t)id * MB_UNIQUE_BASE + n;
	uint64_t j;
	bool swapped;

	switch (x->v->kind) {
	case MB_LOAD_HITS:
	case MB_LOAD_MISSES:
		return mb_load(w, i % 1024);
	case MB_LOS_BALANCED:
		j = i % 256;
		return j < 128 ? mb_los(w, j, i) : mb_los(w, unique, i);
	case MB_LOS_UNIQUE:
		return mb_los(w, unique, i);
	case MB_LOS_COLLISION:
		return mb_los(w, 0, 0);
	case MB_RANGE:
		return w->ops->range(w->m, range_all, &st[2]);
	case MB_ADV_ALLOC:
		/* st[0] stores, st[1] loads since the last store */
		if (mb_load(w, i) < 0)
			return -1;
		if (++st[1] > st[0]) {
			st[1] = 0;
			return mb_los(w, i, st[0]++);
		}
		return 0;
	case MB_ADV_DELETE:
		if (mb_load(w, i) < 0)
			return -1;
		if (i % MB_RANGE_SIZE == 0) {
			struct first_key f = { .kl = 0 };
			bool deleted;
			char kb[24];

			if (w->ops->range(w->m, range_first, &f) < 0)
				return -1;
			if (f.kl && w->ops->delete(w->m, f.k, f.kl, &deleted) < 0)
				return -1;
			return w->ops->store(w->m, kb, dec(kb, i), kb, dec(kb, i));
		}
		return 0;
	case MB_DELETE_COLLISION:
		return mb_delete(w, 0);
	case MB_SWAP_COLLISION:
		return mb_swap(w, 0, 0);
	case MB_CAS_COLLISION:
		if (mb_cas(w, 0, 0, 42, &swapped) < 0)
			return -1;
		return swapped ? mb_cas(w, 0, 42, 0, &swapped) : 0;
	case MB_MIX:
		if (stress_is_read(p, rng))
			return mb_load(w, stress_key(rng));
		j = stress_key(rng);
		return mb_store(w, j, stress_rand(rng) % 100);
	}
	errno = EINVAL;
	return -1;
}

static bool mb_unique(const struct mb_variant *v)
{
	return v->kind == MB_LOS_UNIQUE || v->kind == MB_LOS_BALANCED;
}

/* A worker's ops per rep of the unique-key variants (see MB_UNIQUE_OPS). */
static uint64_t mb_unique_budget(const struct stress_point *p)
{
	return MB_UNIQUE_OPS / p->threads;
}

static int mb_body(struct stress_point *p, struct stress_worker *wk)
{
	struct mb_ctx *x = p->ctx;
	const struct map_ops *ops = p->be->map;
	struct mb_w w = { .m = &x->m, .ops = ops };
	struct mb_pos *pos = &x->pos[wk->id];
	/* Go starts worker id at id * b.N: disjoint i's */
	uint64_t i = ((uint64_t)wk->id << 40) + pos->n, n;
	/* a warm-up may spend half the budget: the measured phase has the rest */
	uint64_t end = !mb_unique(x->v) ? UINT64_MAX :
		       wk->warming ? mb_unique_budget(p) / 2 : mb_unique_budget(p);
	int ret = 0;

	if (!pos->started) {
		stress_rng_init(&pos->rng, p, wk->id);
		pos->started = true;
	}
	if (p->be->batched && ops->batch) {
		w.cap = p->batch;
		w.vec = calloc(w.cap, sizeof(*w.vec));
		w.slot = calloc(w.cap, sizeof(*w.slot));
		if (!w.vec || !w.slot) {
			free(w.vec);
			free(w.slot);
			return -1;
		}
	}
	if (ops->thread_init)
		ops->thread_init();
	for (n = pos->n; n < end && stress_more(p, wk); n++, i++) {
		if (mb_iter(p, x, &w, wk->id, i, n, &pos->rng, pos->st) < 0) {
			ret = -1;
			break;
		}
		stress_done(wk, 1);
	}
	pos->n = n;	/* a measured phase goes on where the warm-up stopped */
	if (!ret)
		ret = mb_flush(&w);
	if (ops->thread_exit)
		ops->thread_exit();
	free(w.vec);
	free(w.slot);
	return ret;
}

static int mb_verify(struct stress_point *p, struct stress_sample *s)
{
	(void)p;
	s->expected = 0;
	s->actual = 0;
	return 0;
}

static void mb_row(const struct stress_result *r, struct stress_row *row)
{
	row_str(row, "go", NULL, mb_variant_of(r->p.variant)->go);
	row_bool(row, "batched", NULL, r->p.be->batched);
	row_int(row, "batch", NULL, r->p.be->batched ? r->p.batch : 1);
}

/* Each gosync backend against the userspace peer closest to it. */
static const struct {
	const char *gosync, *peer, *key, *label;
} mb_pairs[] = {
	{ "spin", "pthread-mutex-map", "spin_vs_mutex", "spin/mutex" },
	{ "rwsem", "pthread-rwlock-map", "rwsem_vs_rwlock", "rwsem/rwlock" },
	{ "rcu", "urcu-lfht", "rcu_vs_lfht", "rcu/lfht" },
	{ "spin-batch", "pthread-mutex-map", "spin_batch_vs_mutex", "spin-b/mutex" },
	{ "rwsem-batch", "pthread-rwlock-map", "rwsem_batch_vs_rwlock", "rwsem-b/rwlock" },
	{ "rcu-batch", "urcu-lfht", "rcu_batch_vs_lfht", "rcu-b/lfht" },
};

static const struct stress_result *mb_find(const struct stress_run *run,
					   const char *be, const char *variant,
					   unsigned int threads)
{
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];

		if (r->ok && r->rate.med > 0 && r->p.threads == threads &&
		    !strcmp(r->p.be->name, be) && !strcmp(r->p.variant, variant))
			return r;
	}
	return NULL;
}

static void ratio_col(struct stress_row *row, const char *key, const char *label,
		      double v)
{
	struct stress_col *c = row_num(row, key, label, v);

	if (isnan(v))
		snprintf(c->text, sizeof(c->text), "-");
	else
		snprintf(c->text, sizeof(c->text), "%.2fx", v);
}

static int mb_finish(struct stress_run *run)
{
	const struct stress_backend *bes[STRESS_MAX_BACKENDS];
	unsigned int nb = 0, tmin = UINT32_MAX, tmax = 0;
	unsigned int threads[STRESS_MAX_SWEEP], nt = 0;
	bool ok = true, lfht = false;
	struct stress_result floor;
	char of[64];

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		unsigned int k;

		ok &= r->ok;
		tmin = r->p.threads < tmin ? r->p.threads : tmin;
		tmax = r->p.threads > tmax ? r->p.threads : tmax;
		for (k = 0; k < nb && bes[k] != r->p.be; k++)
			;
		if (k == nb && nb < ARRAY_SIZE(bes))
			bes[nb++] = r->p.be;
		for (k = 0; k < nt && threads[k] != r->p.threads; k++)
			;
		if (k == nt && nt < ARRAY_SIZE(threads))
			threads[nt++] = r->p.threads;
	}
	for (const struct stress_backend *b = stress_backends; b->name; b++)
		lfht |= !strcmp(b->name, "urcu-lfht") && map_usable(b);
	if (run->o->quiet && run->o->format == STRESS_TABLE)
		return ok ? 0 : 1;

	stress_out_note(run->out, "\nvariants (Go's src/sync/map_bench_test.go):");
	for (size_t v = 0; v < ARRAY_SIZE(mb_variants); v++)
		stress_out_note(run->out, "  %-19s %s", mb_variants[v].name,
				mb_variants[v].go);
	stress_out_note(run->out, "keys and values are decimal strings; los-unique "
			"and los-balanced never repeat a key: a worker stops after %u "
			"/ threads ops per rep (the map's size), its ops/s stand; "
			"batched backends put --batch ops in one GOSYNC_IOC_BATCH (not "
			"range, adversarial-delete; cas-collision then always issues "
			"the undo CAS)", MB_UNIQUE_OPS);
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		uint64_t cap = mb_unique_budget(&r->p) * r->p.threads;
		bool iters = r->p.iterations;

		/* --iterations: only if that cut the workers short of them */
		if (mb_unique(mb_variant_of(r->p.variant)) &&
		    r->last.ops + r->last.warm_ops >= cap &&
		    (!iters || r->last.ops < r->p.iterations * r->p.threads))
			stress_out_note(run->out, "%s %s, %u threads: every worker ran "
					"out of new keys before %s (the last rep %s; its "
					"ops/s stand)", r->p.be->name, r->p.variant,
					r->p.threads, iters ? "its --iterations were done" :
					"--duration ended", iters ? "did fewer ops than asked" :
					"ran shorter");
	}
	if (!lfht)
		stress_out_note(run->out, "urcu-lfht: not in this build (link with "
				"-lurcu-cds to compare with liburcu's RCU hash table)");

	if (tmax > tmin) {
		snprintf(of, sizeof(of), "%u threads / %u thread%s", tmax, tmin,
			 tmin > 1 ? "s" : "");
		stress_out_section(run->out, "scaling: ops/s at the most threads / "
				   "at the fewest (same backend, medians)");
		for (size_t v = 0; v < ARRAY_SIZE(mb_variants); v++) {
			struct stress_row row = { 0 };
			bool any = false;

			row_str(&row, "workload", NULL, run->wl->name);
			row_str(&row, "kind", NULL, "ratio");
			row_str(&row, "ratio", NULL, "scaling");
			row_str(&row, "backend", NULL, "all");	/* a column each */
			row_str(&row, "of", NULL, of);
			row_str(&row, "variant", "variant", mb_variants[v].name);
			for (unsigned int b = 0; b < nb; b++) {
				const struct stress_result *lo = mb_find(run, bes[b]->name,
					mb_variants[v].name, tmin);
				const struct stress_result *hi = mb_find(run, bes[b]->name,
					mb_variants[v].name, tmax);
				double s = lo && hi ? hi->rate.med / lo->rate.med : NAN;

				any |= !isnan(s);
				ratio_col(&row, bes[b]->name, bes[b]->name, s);
			}
			row_num(&row, "value", NULL, NAN);	/* no one value: null */
			if (any)
				stress_out_row(run->out, &row);
		}
	}

	stress_out_section(run->out, "gosync / userspace peer, same run (ops/s "
			   "ratios of medians; > 1: gosync faster)");
	for (size_t v = 0; v < ARRAY_SIZE(mb_variants); v++) {
		for (unsigned int t = 0; t < nt; t++) {
			struct stress_row row = { 0 };
			bool any = false;

			snprintf(of, sizeof(of), "gosync / peer, %u threads", threads[t]);
			row_str(&row, "workload", NULL, run->wl->name);
			row_str(&row, "kind", NULL, "ratio");
			row_str(&row, "ratio", NULL, "gosync/peer");
			row_str(&row, "backend", NULL, "all");	/* a column per pair */
			row_str(&row, "of", NULL, of);
			row_str(&row, "variant", "variant", mb_variants[v].name);
			row_int(&row, "threads", "threads", threads[t]);
			for (size_t k = 0; k < ARRAY_SIZE(mb_pairs); k++) {
				const struct stress_result *g = mb_find(run, mb_pairs[k].gosync,
					mb_variants[v].name, threads[t]);
				const struct stress_result *q = mb_find(run, mb_pairs[k].peer,
					mb_variants[v].name, threads[t]);
				double r = g && q ? g->rate.med / q->rate.med : NAN;

				any |= !isnan(r);
				ratio_col(&row, mb_pairs[k].key, mb_pairs[k].label, r);
			}
			row_num(&row, "value", NULL, NAN);
			if (any)
				stress_out_row(run->out, &row);
		}
	}
	ok &= stress_floor_ioctl(run, &floor);
	stress_best_peer_ratios(run, &floor, NULL);
	return ok ? 0 : 1;
}

static const char *const mb_keys[] = { "go", "batched", "batch", NULL };

const struct stress_workload wl_map_bench = {
	.name = "map-bench",
	.desc = "Go's sync.Map benchmarks: gosync maps (single and batched ioctls) "
		"vs pthread and liburcu peers",
	.usage = "--mode --variant --threads --duration --iterations --batch --reps "
		 "--warmup --keys --dist --read-pct --seed",
	.family = "map",
	.default_modes = "all,peers",
	.variants = mb_names,
	.default_keys = 1024,
	.default_read_pct = 50,
	.read_mix = true,
	.shape = mb_shape,
	.default_duration = 0.3,
	.interleave = true,
	.threads_only = true,
	.keys = mb_keys,
	/* one thread count and small mix maps: the smoke's dearest workload */
	.smoke_args = "--threads 2 --duration 0.02 --keys 64",
	.best_peer = true,
	.applies = mb_applies,
	.setup = mb_setup,
	.body = mb_body,
	.verify = mb_verify,
	.teardown = mb_teardown,
	.row = mb_row,
	.finish = mb_finish,
};
