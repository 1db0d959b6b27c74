// SPDX-License-Identifier: GPL-2.0
/*
 * lock-bench: Go's sync benchmarks (src/sync/mutex_test.go, rwmutex_test.go,
 * waitgroup_test.go, x/sync's semaphore_bench_test.go) on gosync's Mutex,
 * RWMutex, WaitGroup and Semaphore and, in the same run, on their userspace
 * peers (pthread mutex, rwlock, a mutex+cond counter, a barrier, POSIX
 * sem_t), with the gosync/peer ratio of every point and the per-worker
 * spread of acquisitions (as locktorture's Max/Min) where workers contend
 * for one object.
 *
 * Every exclusive section also checks exclusion: its holder bumps a shared
 * counter with a plain load and store (no RMW), so a second holder would
 * lose updates; readers check that no writer is inside; a semaphore's
 * holders that no more than its permits are inside. A wg-round checks that
 * nobody leaves a round before everyone arrived.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"

/* A contended point is flagged unfair when one worker got this many times the
 * acquisitions of another (locktorture flags 2x; contended locks that hand
 * over to a running waiter routinely exceed that, so be loud only at 10x). */
#define LB_UNFAIR_RATIO	10

enum lb_kind { LB_MUTEX, LB_RW, LB_WG, LB_SEM };
enum lb_wg { WG_NONE, WG_ADD_DONE, WG_WAIT, WG_ROUND };

struct lb_variant {
	const char *name;
	const char *go;			/* the Go benchmark it mirrors */
	enum lb_kind kind;
	bool own;			/* each worker its own object */
	bool contended;			/* workers share one object: fairness */
	unsigned int work_out;		/* local-work loops outside the lock */
	unsigned int work_in;		/* ... inside (RW: in the read section) */
	unsigned int write_every;	/* RW: 1 Lock per this many ops;
					 * 0: random, --read-pct % RLock */
	enum lb_wg wg;
	unsigned int permits;		/* SEM: the semaphore's size */
};

static const struct lb_variant lb_variants[] = {
	{ "mutex-uncontended", "BenchmarkMutexUncontended", LB_MUTEX, .own = true },
	{ "mutex", "BenchmarkMutex", LB_MUTEX, .contended = true },
	{ "mutex-work", "BenchmarkMutexWork, plus 10 loops inside", LB_MUTEX,
	  .contended = true, .work_out = 100, .work_in = 10 },
	{ "rw-write100", "BenchmarkRWMutexWrite100", LB_RW, .contended = true,
	  .write_every = 100 },
	{ "rw-write10", "BenchmarkRWMutexWrite10", LB_RW, .contended = true,
	  .write_every = 10 },
	{ "rw-work-write100", "BenchmarkRWMutexWorkWrite100", LB_RW,
	  .contended = true, .work_in = 100, .write_every = 100 },
	{ "rw-work-write10", "BenchmarkRWMutexWorkWrite10", LB_RW,
	  .contended = true, .work_in = 100, .write_every = 10 },
	{ "rw-mix", "none: --read-pct (50)% RLock, the rest Lock, in random order",
	  LB_RW, .contended = true },
	{ "wg-add-done", "BenchmarkWaitGroupAddDone", LB_WG, .contended = true,
	  .wg = WG_ADD_DONE },
	{ "wg-wait", "BenchmarkWaitGroupWait", LB_WG, .wg = WG_WAIT },
	{ "wg-round", "none: a worker's part in a barrier round (Done+Wait, or barrier_wait)",
	  LB_WG, .wg = WG_ROUND },
	{ "sem-uncontended", "x/sync's BenchmarkAcquireSeq, size 1: each worker its "
	  "own semaphore", LB_SEM, .own = true, .permits = 1 },
	{ "sem", "none: one semaphore of 1 permit (a binary semaphore)", LB_SEM,
	  .contended = true, .permits = 1 },
	{ "sem-work", "none: one semaphore of 2 permits, 100 loops outside, 10 inside",
	  LB_SEM, .contended = true, .work_out = 100, .work_in = 10, .permits = 2 },
};

static const char *const lb_names[] = {
	"mutex-uncontended", "mutex", "mutex-work", "rw-write100", "rw-write10",
	"rw-work-write100", "rw-work-write10", "rw-mix", "wg-add-done",
	"wg-wait", "wg-round", "sem-uncontended", "sem", "sem-work", NULL,
};

_Static_assert(ARRAY_SIZE(lb_names) == ARRAY_SIZE(lb_variants) + 1,
	       "lb_names and lb_variants disagree");

static const struct lb_variant *variant_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(lb_variants); i++)
		if (name && !strcmp(lb_variants[i].name, name))
			return &lb_variants[i];
	abort();	/* the driver only passes names from lb_names */
}

/* Go's local work: foo *= 2; foo /= 2, kept from being optimized away. */
static inline int64_t local_work(int64_t foo, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		foo *= 2;
		__asm__ volatile("" : "+r"(foo));
		foo /= 2;
		__asm__ volatile("" : "+r"(foo));
	}
	return foo;
}

/* Per-worker tallies, a cache line each. */
struct lb_slot {
	_Alignas(64) uint64_t writes;	/* RW: exclusive sections done */
	uint64_t n;			/* RW, wg-round: where the worker is
					 * (kept from warm-up to measured) */
	struct stress_rng rng;		/* rw-mix: which op */
	uint64_t violations;		/* exclusion or barrier broken */
	int64_t sink;			/* the local work's result */
};

struct lb_ctx {
	const struct lb_variant *v;
	size_t size;
	unsigned int nobj;
	struct lockobj *locks;		/* nobj, shared memory */
	struct wgobj *wgs;		/* nobj, shared memory */
	struct semobj *sems;		/* nobj, shared memory */
	_Alignas(64) _Atomic uint64_t end_round;	/* wg-round: the last one,
							 * or LB_BROKEN */
	_Atomic unsigned int left[2];			/* wg-round: workers out of
							 * the warm-up, of the run */
	_Alignas(64) _Atomic uint64_t arrivals;		/* wg-round */
	struct lb_slot slot[];
};

/* wg-round's end_round after a worker failed: everyone leaves at once. */
#define LB_BROKEN	(UINT64_MAX - 1)

/* Only rw-mix has a configurable read share. */
static void lb_shape(struct stress_point *p)
{
	if (variant_of(p->variant)->kind != LB_RW || variant_of(p->variant)->write_every)
		p->read_pct = -1;
}

static bool lb_applies(const struct stress_backend *be, const char *variant)
{
	const struct lb_variant *v = variant_of(variant);

	switch (v->kind) {
	case LB_MUTEX:
		return be->lock && !be->lock->rlock;
	case LB_RW:
		return be->lock && be->lock->rlock;
	case LB_WG:
		return be->wg && (v->wg == WG_ROUND || be->wg->add);
	case LB_SEM:
		return be->sem && be->exact;	/* not 'unlimited': bounded's */
	}
	return false;
}

static void lb_free(struct lb_ctx *x, unsigned int opened)
{
	for (unsigned int i = 0; i < opened; i++) {
		if (x->locks)
			lockobj_close(&x->locks[i]);
		else if (x->sems)
			semobj_close(&x->sems[i]);
		else
			wgobj_close(&x->wgs[i]);
	}
	stress_shm_free(x->locks, x->nobj * sizeof(*x->locks));
	stress_shm_free(x->wgs, x->nobj * sizeof(*x->wgs));
	stress_shm_free(x->sems, x->nobj * sizeof(*x->sems));
	stress_shm_free(x, x->size);
}

static int lb_setup(struct stress_point *p)
{
	const struct lb_variant *v = variant_of(p->variant);
	size_t size = sizeof(struct lb_ctx) + p->threads * sizeof(struct lb_slot);
	struct lb_ctx *x = stress_shm_alloc(size);
	bool barrier = p->be->wg && !p->be->wg->add;
	unsigned int i = 0;
	int err;

	if (!x)
		return -1;
	x->v = v;
	x->size = size;
	atomic_init(&x->end_round, UINT64_MAX);
	atomic_init(&x->left[0], 0);
	atomic_init(&x->left[1], 0);
	atomic_init(&x->arrivals, 0);
	if (v->kind == LB_WG) {
		/* a reusable barrier from WaitGroups takes three: see round_run */
		x->nobj = v->wg == WG_ROUND && !barrier ? 3 : 1;
		x->wgs = stress_shm_alloc(x->nobj * sizeof(*x->wgs));
		if (!x->wgs)
			goto fail;
		for (; i < x->nobj; i++)
			if (wgobj_open(&x->wgs[i], p->be, p->dev, p->procs,
				       p->threads) < 0)
				goto fail;
		for (unsigned int k = 0; v->wg == WG_ROUND && !barrier && k < x->nobj; k++)
			if (p->be->wg->add(&x->wgs[k], p->threads) < 0)
				goto fail;
	} else if (v->kind == LB_SEM) {
		x->nobj = v->own ? p->threads : 1;
		x->sems = stress_shm_alloc(x->nobj * sizeof(*x->sems));
		if (!x->sems)
			goto fail;
		for (; i < x->nobj; i++)
			if (semobj_open(&x->sems[i], p->be, p->dev, p->procs, v->permits) < 0)
				goto fail;
	} else {
		x->nobj = v->own ? p->threads : 1;
		x->locks = stress_shm_alloc(x->nobj * sizeof(*x->locks));
		if (!x->locks)
			goto fail;
		for (; i < x->nobj; i++)
			if (lockobj_open(&x->locks[i], p->be, p->dev, p->procs) < 0)
				goto fail;
	}
	p->ctx = x;
	return 0;
fail:
	err = errno;
	lb_free(x, i);
	errno = err;
	return -1;
}

static void lb_teardown(struct stress_point *p)
{
	struct lb_ctx *x = p->ctx;

	lb_free(x, x->nobj);
	p->ctx = NULL;
}

static int mutex_body(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct lb_variant *v = x->v;
	struct lockobj *l = &x->locks[v->own ? w->id : 0];
	const struct lock_ops *ops = p->be->lock;
	int64_t foo = w->id;

	while (stress_more(p, w)) {
		int64_t g;

		if (ops->lock(l) < 0)
			return -1;
		g = atomic_load_explicit(&l->guard, memory_order_relaxed);
		foo = local_work(foo, v->work_in);
		atomic_store_explicit(&l->guard, g + 1, memory_order_relaxed);
		if (ops->unlock(l) < 0)
			return -1;
		foo = local_work(foo, v->work_out);
		stress_done(w, 1);
	}
	x->slot[w->id].sink = foo;
	return 0;
}

static int rw_body(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct lb_variant *v = x->v;
	struct lockobj *l = &x->locks[0];
	struct lb_slot *s = &x->slot[w->id];
	const struct lock_ops *ops = p->be->lock;
	int64_t foo = 0;
	uint64_t n;

	if (!s->n) {
		stress_rng_init(&s->rng, p, w->id);
		s->n = 1;
	}
	for (n = s->n; stress_more(p, w); n++) {
		if (v->write_every ? n % v->write_every == 0 :
		    !stress_is_read(p, &s->rng)) {
			int64_t g;

			if (ops->lock(l) < 0)
				return -1;
			atomic_store_explicit(&l->writer_in, 1, memory_order_relaxed);
			g = atomic_load_explicit(&l->guard, memory_order_relaxed);
			atomic_store_explicit(&l->guard, g + 1, memory_order_relaxed);
			atomic_store_explicit(&l->writer_in, 0, memory_order_relaxed);
			if (ops->unlock(l) < 0)
				return -1;
			s->writes++;
		} else {
			if (ops->rlock(l) < 0)
				return -1;
			if (atomic_load_explicit(&l->writer_in, memory_order_relaxed))
				s->violations++;
			foo = local_work(foo, v->work_in);
			if (ops->runlock(l) < 0)
				return -1;
		}
		stress_done(w, 1);
	}
	s->n = n;
	s->sink = foo;
	return 0;
}

/*
 * One barrier round per op. pthread_barrier_wait is one; WaitGroups make one
 * as Done+Wait on a WaitGroup armed with N. Re-arming takes care: Add on a
 * zero WaitGroup must come after the Waits it released returned (else Go's
 * "WaitGroup is reused before previous Wait has returned"), and before
 * anyone's next Done. With three WaitGroups, worker 0 re-arms round k-1's
 * after round k: everyone left round k-1's Wait before arriving at round k,
 * and nobody arrives at round k+2 before worker 0 arrived at round k+1.
 * Worker 0 also decides the last round (before arriving at it), so every
 * worker stops after the same round.
 */
static int round_run(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct wg_ops *ops = p->be->wg;
	uint64_t n = p->threads, e;

	/* k goes on from the warm-up's last round: the rotation stays in step */
	for (uint64_t k = x->slot[w->id].n;; k++) {
		if (w->id == 0 && (w->warming ?
		    atomic_load_explicit(p->warm_stop, memory_order_relaxed) :
		    p->iterations ?
		    atomic_load_explicit(&w->ops, memory_order_relaxed) + 1 >= p->iterations :
		    atomic_load_explicit(p->stop, memory_order_relaxed))) {
			e = atomic_load(&x->end_round);
			if (e != LB_BROKEN)	/* a failure's mark stays */
				atomic_compare_exchange_strong(&x->end_round, &e, k);
		}
		atomic_fetch_add(&x->arrivals, 1);
		if (!ops->add) {
			if (ops->arrive(&x->wgs[0]) < 0)
				return -1;
		} else {
			struct wgobj *g = &x->wgs[k % 3];

			if (ops->done(g) < 0 || ops->wait(g) < 0)
				return -1;
		}
		if (atomic_load(&x->arrivals) < (k + 1) * n)
			x->slot[w->id].violations++;	/* left before all arrived */
		if (ops->add && w->id == 0 && k >= 1 &&
		    ops->add(&x->wgs[(k - 1) % 3], (int64_t)n) < 0)
			return -1;
		stress_done(w, 1);
		e = atomic_load(&x->end_round);
		if (e == k || e == LB_BROKEN) {
			x->slot[w->id].n = k + 1;
			return 0;
		}
	}
}

/*
 * A worker that failed leaves the others waiting for its Done, where the
 * stop flag cannot reach them. The first to fail marks the run broken and
 * empties every WaitGroup until all have left: a released worker sees the
 * mark after its Wait, one that Dones an emptied WaitGroup fails (negative
 * counter) and sees it then; both return 0, the failure being the first's.
 * A pthread barrier cannot be released, but its wait cannot fail either.
 */
static int round_body(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct wg_ops *ops = p->be->wg;
	_Atomic unsigned int *left = &x->left[!w->warming];
	int ret = 0, err;

	/* after a failure in the warm-up, the run has no rounds */
	if (atomic_load(&x->end_round) != LB_BROKEN)
		ret = round_run(p, w);
	atomic_fetch_add(left, 1);
	if (!ret)
		return 0;
	err = errno ? errno : EIO;
	if (atomic_exchange(&x->end_round, LB_BROKEN) == LB_BROKEN)
		return 0;	/* a consequence of another's failure */
	while (ops->add && atomic_load(left) < p->threads) {
		for (unsigned int i = 0; i < x->nobj; i++) {
			int64_t v;

			if (!ops->load(&x->wgs[i], &v) && v > 0)
				ops->add(&x->wgs[i], -v);
		}
		stress_sleep(0.001);
	}
	errno = err;
	return -1;
}

static int wg_body(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct wg_ops *ops = p->be->wg;
	struct wgobj *g = &x->wgs[0];

	if (x->v->wg == WG_ROUND)
		return round_body(p, w);
	while (stress_more(p, w)) {
		if (x->v->wg == WG_ADD_DONE) {
			if (ops->add(g, 1) < 0 || ops->done(g) < 0)
				return -1;
		} else if (ops->wait(g) < 0) {
			return -1;
		}
		stress_done(w, 1);
	}
	return 0;
}

/*
 * Acquire(1), the section, Release(1). The section of a 1-permit semaphore
 * bumps its guard with a plain load and store (a second holder would lose
 * updates); a wider one counts with an atomic add. Every holder checks that
 * no more than the permits are inside.
 */
static int sem_body(struct stress_point *p, struct stress_worker *w)
{
	struct lb_ctx *x = p->ctx;
	const struct lb_variant *v = x->v;
	struct semobj *s = &x->sems[v->own ? w->id : 0];
	const struct sem_ops *ops = p->be->sem;
	int64_t foo = w->id;

	while (stress_more(p, w)) {
		if (ops->acquire(s) < 0)
			return -1;
		if (!semobj_enter(s))
			x->slot[w->id].violations++;
		foo = local_work(foo, v->work_in);
		if (v->permits == 1)
			atomic_store_explicit(&s->guard, atomic_load_explicit(&s->guard,
					      memory_order_relaxed) + 1, memory_order_relaxed);
		else
			atomic_fetch_add_explicit(&s->guard, 1, memory_order_relaxed);
		semobj_leave(s);
		if (ops->release(s) < 0)
			return -1;
		foo = local_work(foo, v->work_out);
		stress_done(w, 1);
	}
	x->slot[w->id].sink = foo;
	return 0;
}

static int lb_body(struct stress_point *p, struct stress_worker *w)
{
	switch (((struct lb_ctx *)p->ctx)->v->kind) {
	case LB_MUTEX:
		return mutex_body(p, w);
	case LB_RW:
		return rw_body(p, w);
	case LB_WG:
		return wg_body(p, w);
	case LB_SEM:
		return sem_body(p, w);
	}
	errno = EINVAL;
	return -1;
}

/*
 * expected/actual: Mutex, Semaphore: acquisitions vs the guarded
 * counter(s); RWMutex: write sections vs the guarded counter; wg-round:
 * rounds x workers vs arrivals; other WaitGroup points: 0 vs the final
 * counter.
 */
static int lb_verify(struct stress_point *p, struct stress_sample *s)
{
	struct lb_ctx *x = p->ctx;
	uint64_t violations = 0;

	s->expected = 0;
	s->actual = 0;
	for (unsigned int i = 0; i < p->threads; i++) {
		violations += x->slot[i].violations;
		if (x->v->kind == LB_RW)
			s->expected += (int64_t)x->slot[i].writes;
	}
	switch (x->v->kind) {
	case LB_MUTEX:
		s->expected = (int64_t)(s->ops + s->warm_ops);
		/* fallthrough */
	case LB_RW:
		for (unsigned int i = 0; i < x->nobj; i++)
			s->actual += atomic_load(&x->locks[i].guard);
		break;
	case LB_SEM:
		s->expected = (int64_t)(s->ops + s->warm_ops);
		for (unsigned int i = 0; i < x->nobj; i++)
			s->actual += atomic_load(&x->sems[i].guard);
		break;
	case LB_WG:
		if (x->v->wg == WG_ROUND) {
			s->expected = (int64_t)(s->ops + s->warm_ops);
			s->actual = (int64_t)atomic_load(&x->arrivals);
		} else if (p->be->wg->load(&x->wgs[0], &s->actual) < 0) {
			return -1;
		}
		break;
	}
	if (s->actual != s->expected || violations)
		s->ok = false;
	/* released early on purpose after a failure: that failure is the report */
	if (violations && atomic_load(&x->end_round) != LB_BROKEN)
		fprintf(stderr, "gosync-stress: %s %s, %u workers: %llu %s\n",
			p->be->name, p->variant, p->threads,
			(unsigned long long)violations, x->v->kind == LB_WG ?
			"early exits from a barrier round" : x->v->kind == LB_SEM ?
			"entries found more holders inside than permits" :
			"read sections saw a writer inside");
	return 0;
}

/* "n/a", "ok", "unfair" or "starved": see LB_UNFAIR_RATIO. */
static const char *fairness(const struct stress_result *r)
{
	const struct lb_variant *v = variant_of(r->p.variant);

	/* with --iterations every worker does the same count by construction */
	if (!v->contended || r->p.threads < 2 || r->p.iterations || !r->reps)
		return "n/a";
	if (!r->wmin)
		return "starved";
	if (r->wmax > LB_UNFAIR_RATIO * r->wmin)
		return "unfair";
	return "ok";
}

static void lb_row(const struct stress_result *r, struct stress_row *row)
{
	const char *f = fairness(r);
	bool na = !strcmp(f, "n/a");
	struct stress_col *c;

	row_str(row, "go", NULL, variant_of(r->p.variant)->go);
	c = row_int(row, "acq_max", "acq max", (long long)r->wmax);
	if (na)
		snprintf(c->text, sizeof(c->text), "-");
	c = row_int(row, "acq_min", "acq min", (long long)r->wmin);
	if (na)
		snprintf(c->text, sizeof(c->text), "-");
	c = row_num(row, "acq_max_min", "max/min",
		    r->wmin ? (double)r->wmax / (double)r->wmin : NAN);
	if (na)
		snprintf(c->text, sizeof(c->text), "-");
	else if (!r->wmin)
		snprintf(c->text, sizeof(c->text), "inf");
	c = row_str(row, "fairness", "fairness", f);
	if (!strcmp(f, "starved"))
		snprintf(c->text, sizeof(c->text), "!! STARVED");
	else if (!strcmp(f, "unfair"))
		snprintf(c->text, sizeof(c->text), "!! UNFAIR >%dx", LB_UNFAIR_RATIO);
	row_bool(row, "starved", NULL, !strcmp(f, "starved"));
}

static void ratio_row(struct stress_run *run, const struct stress_result *g,
		      const struct stress_result *q)
{
	struct stress_row row = { 0 };
	struct stress_col *c;
	double v = g->rate.med / q->rate.med;
	char of[160];

	snprintf(of, sizeof(of), "%s / %s, %s, %u %s", g->p.be->name,
		 q->p.be->name, g->p.variant, g->p.threads,
		 g->p.procs ? "procs" : "threads");
	row_str(&row, "workload", NULL, run->wl->name);
	row_str(&row, "kind", NULL, "ratio");
	row_str(&row, "ratio", NULL, "gosync/peer");
	row_str(&row, "variant", "variant", g->p.variant);
	row_int(&row, "threads", g->p.procs ? "procs" : "threads", g->p.threads);
	row_bool(&row, "procs", NULL, g->p.procs);
	row_str(&row, "backend", "gosync", g->p.be->name);
	c = row_num(&row, "ops_per_sec", "ops/s", g->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", g->rate.med);
	row_str(&row, "peer", "peer", q->p.be->name);
	c = row_num(&row, "peer_ops_per_sec", "peer ops/s", q->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", q->rate.med);
	row_str(&row, "of", NULL, of);
	c = row_num(&row, "value", "gosync/peer", v);
	snprintf(c->text, sizeof(c->text), "%.3gx", v);
	c = row_num(&row, "inverse", "peer/gosync", 1 / v);
	snprintf(c->text, sizeof(c->text), "%.3gx", 1 / v);
	stress_out_row(run->out, &row);
}

static int lb_finish(struct stress_run *run)
{
	unsigned int threads[STRESS_MAX_SWEEP], nt = 0, nratio = 0;
	bool ok = true, alarm = false;
	struct stress_result floor;

	for (unsigned int i = 0; i < run->nres; i++) {
		unsigned int t = run->res[i].p.threads, k;

		ok &= run->res[i].ok;
		for (k = 0; k < nt && threads[k] != t; k++)
			;
		if (k == nt && nt < ARRAY_SIZE(threads))
			threads[nt++] = t;
	}
	if (run->o->quiet && run->o->format == STRESS_TABLE)
		return ok ? 0 : 1;

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		const char *f = fairness(r);

		if (strcmp(f, "starved") && strcmp(f, "unfair"))
			continue;
		stress_out_note(run->out, "%s!! %s: %s %s, %u %s: one worker made %llu "
				"acquisitions, another %llu%s", alarm ? "" : "\n",
				!strcmp(f, "starved") ?
				"STARVATION" : "UNFAIR", r->p.be->name, r->p.variant,
				r->p.threads, r->p.procs ? "processes" : "threads",
				(unsigned long long)r->wmin, (unsigned long long)r->wmax,
				r->reps > 1 ? " (the most lopsided rep)" : "");
		alarm = true;
	}
	stress_out_note(run->out, "%sfairness: per-worker ops of the contended "
			"points (max/min; !! at min 0 or max > %dx min)%s",
			alarm ? "" : "\n", LB_UNFAIR_RATIO,
			alarm ? "" : ": no worker starved");
	stress_out_note(run->out, "variants (Go's src/sync benchmarks):");
	for (size_t v = 0; v < ARRAY_SIZE(lb_variants); v++)
		for (unsigned int i = 0; i < run->nres; i++)
			if (!strcmp(run->res[i].p.variant, lb_variants[v].name)) {
				stress_out_note(run->out, "  %-18s %s",
						lb_variants[v].name, lb_variants[v].go);
				break;
			}

	stress_out_section(run->out, "gosync / userspace peer, same run (ops/s, medians)");
	for (size_t v = 0; v < ARRAY_SIZE(lb_variants); v++) {
		for (unsigned int t = 0; t < nt; t++) {
			for (unsigned int i = 0; i < run->nres; i++) {
				const struct stress_result *g = &run->res[i];

				if (!g->ok || !g->p.be->kernel || g->p.threads != threads[t] ||
				    strcmp(g->p.variant, lb_variants[v].name) ||
				    !(g->rate.med > 0))
					continue;
				for (unsigned int j = 0; j < run->nres; j++) {
					const struct stress_result *q = &run->res[j];

					if (q->ok && !q->p.be->kernel &&
					    q->p.threads == threads[t] &&
					    !strcmp(q->p.variant, g->p.variant) &&
					    q->rate.med > 0) {
						ratio_row(run, g, q);
						nratio++;
					}
				}
			}
		}
	}
	if (!nratio)
		stress_out_note(run->out, "(no gosync point had a peer point to compare "
				"with: run gosync and peer backends together)");
	ok &= stress_floor_ioctl(run, &floor);
	stress_best_peer_ratios(run, &floor, NULL);
	return ok ? 0 : 1;
}

static const char *const lb_keys[] = {
	"go", "acq_max", "acq_min", "acq_max_min", "fairness", "starved", NULL,
};

const struct stress_workload wl_lock_bench = {
	.name = "lock-bench",
	.desc = "Go's Mutex/RWMutex/WaitGroup benchmarks, x/sync's semaphore: gosync "
		"vs pthread and sem_t peers, ratios, fairness",
	.usage = "--mode --variant --threads --duration --iterations --procs --reps "
		 "--warmup --read-pct (rw-mix) --seed",
	.family = "lock,waitgroup,sem",
	.default_modes = "all,peers",
	.variants = lb_names,
	.default_duration = 0.5,
	.default_read_pct = 50,
	.read_mix = true,
	.shape = lb_shape,
	.interleave = true,
	.keys = lb_keys,
	/* one thread count: lock-bench-shape runs 1 and 2 */
	.smoke_args = "--threads 2 --duration 0.02",
	.best_peer = true,
	.applies = lb_applies,
	.setup = lb_setup,
	.body = lb_body,
	.verify = lb_verify,
	.teardown = lb_teardown,
	.row = lb_row,
	.finish = lb_finish,
};
