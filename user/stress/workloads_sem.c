// SPDX-License-Identifier: GPL-2.0
/*
 * bounded: the lost-update lab's lesson for parallelism. N workers each
 * enter a section K times, and a semaphore of --limit permits is to keep
 * at most that many inside at once (GNU `sem -j`, x/sync's Weighted as a
 * worker pool). Every entry counts itself in and out and notes how many
 * were inside: with a semaphore (gosync-sem, posix-sem) the most inside
 * must not pass the limit; without one (unlimited) the table shows how
 * many got in at once, and how many entries found the section over-full.
 */
#include <errno.h>
#include <string.h>

#include "stress.h"

/*
 * Each worker stays inside this long (a sleep), so that workers overlap
 * in the section even on a machine with fewer CPUs than workers.
 */
#define BOUNDED_HOLD_SEC	100e-6

struct bounded_ctx {
	struct semobj s;
	/* the warm-up's counts, set aside at its end (bounded_warm_end()) */
	unsigned int warm_max;
	uint64_t warm_over;
};

static int bounded_setup(struct stress_point *p)
{
	struct bounded_ctx *x = stress_shm_alloc(sizeof(*x));

	if (!x)
		return -1;
	if (semobj_open(&x->s, p->be, p->dev, p->procs, p->limit) < 0) {
		int err = errno;

		stress_shm_free(x, sizeof(*x));
		errno = err;
		return -1;
	}
	p->ctx = x;
	return 0;
}

static void bounded_teardown(struct stress_point *p)
{
	struct bounded_ctx *x = p->ctx;

	semobj_close(&x->s);
	stress_shm_free(x, sizeof(*x));
	p->ctx = NULL;
}

/*
 * Nobody is inside: the counts so far are the warm-up's. The row's are the
 * measured entries', as its ops; a semaphore broken in the warm-up still
 * fails the point (bounded_verify()).
 */
static void bounded_warm_end(struct stress_point *p)
{
	struct bounded_ctx *x = p->ctx;

	x->warm_max = atomic_exchange(&x->s.max_inside, 0);
	x->warm_over = atomic_exchange(&x->s.over, 0);
}

static int bounded_body(struct stress_point *p, struct stress_worker *w)
{
	struct bounded_ctx *x = p->ctx;
	struct semobj *s = &x->s;
	const struct sem_ops *ops = p->be->sem;

	while (stress_more(p, w)) {
		if (ops->acquire(s) < 0)
			return -1;
		semobj_enter(s);
		stress_sleep(BOUNDED_HOLD_SEC);
		semobj_leave(s);
		if (ops->release(s) < 0)
			return -1;
		stress_done(w, 1);
	}
	return 0;
}

/*
 * Of the measured entries (s->ops): expected, all of them; actual, those
 * that found at most the limit inside; so lost, those that found more.
 * extra: the most inside at once.
 */
static int bounded_verify(struct stress_point *p, struct stress_sample *s)
{
	struct bounded_ctx *x = p->ctx;
	uint64_t over = atomic_load(&x->s.over);

	s->expected = (int64_t)s->ops;
	s->actual = (int64_t)(s->ops - (over < s->ops ? over : s->ops));
	s->extra = atomic_load(&x->s.max_inside);
	if (!p->be->exact)
		return 0;
	if (over || s->extra > p->limit)
		s->ok = false;
	if (x->warm_over || x->warm_max > p->limit) {
		fprintf(stderr, "gosync-stress: bounded %s: in the warm-up, %u inside at "
			"once, limit %u: %llu entries over it\n", p->be->name,
			x->warm_max, p->limit, (unsigned long long)x->warm_over);
		s->ok = false;
	}
	return 0;
}

static void bounded_row(const struct stress_result *r, struct stress_row *row)
{
	row_int(row, "limit", "limit", r->p.limit);
	row_int(row, "max_inside", "max inside", (long long)r->extra.max);
	row_int(row, "over_limit", "over limit",
		(long long)(r->last.expected - r->last.actual));
}

static int bounded_finish(struct stress_run *run)
{
	bool ok = true;

	/* 'unlimited' may let too many in, but must not fail to run */
	for (unsigned int i = 0; i < run->nres; i++)
		ok &= (run->res[i].ok || !run->res[i].p.be->exact) && !run->res[i].last.err;
	if (run->o->quiet)
		return ok ? 0 : 1;
	stress_out_note(run->out, "\nmax inside: the most workers in the section at once "
			"(of every rep); over limit: entries that found more than the "
			"limit inside (the last rep); both of the measured entries, "
			"not the warm-up's");
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		const char *who = r->p.procs ? "processes" : "threads";

		if (r->last.err)
			stress_out_note(run->out, "%s, %u %s: FAILED: %s", r->p.be->name,
					r->p.threads, who, strerror(r->last.err));
		else if (r->p.be->exact)
			stress_out_note(run->out, "%s, %u %s: at most %.0f inside at once, "
					"limit %u: %s", r->p.be->name, r->p.threads, who,
					r->extra.max, r->p.limit,
					r->ok ? "kept" : "BROKEN");
		else
			stress_out_note(run->out, "%s, %u %s: up to %.0f inside at once "
					"with nothing to stop them; %llu of %llu entries "
					"found more than %u inside", r->p.be->name,
					r->p.threads, who, r->extra.max,
					(unsigned long long)(r->last.expected -
							     r->last.actual),
					(unsigned long long)r->last.ops, r->p.limit);
	}
	return ok ? 0 : 1;
}

static const char *const bounded_keys[] = {
	"limit", "max_inside", "over_limit", NULL,
};

const struct stress_workload wl_bounded = {
	.name = "bounded",
	.desc = "bounded parallelism: a semaphore of --limit permits keeps at most "
		"that many workers in a section; max inside vs the limit",
	.usage = "--mode --threads --iterations --duration --procs --limit --reps",
	.family = "sem",
	.default_modes = "all,peers",
	.default_threads = 8,
	.default_iterations = 50,
	.limited = true,
	.keys = bounded_keys,
	.smoke_args = "--threads 4 --iterations 20",
	.setup = bounded_setup,
	.body = bounded_body,
	.verify = bounded_verify,
	.teardown = bounded_teardown,
	.warm_end = bounded_warm_end,
	.row = bounded_row,
	.finish = bounded_finish,
};
