// SPDX-License-Identifier: GPL-2.0
/*
 * Counter workloads: lost-update (the seed's "both read 42, both write 43")
 * and counter-bench (what each mode costs, one op per ioctl or batched).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stress.h"

/* ---- shared by both: one counter per point ---- */

static int counter_setup(struct stress_point *p)
{
	struct counter *c = stress_shm_alloc(sizeof(*c));

	if (!c)
		return -1;
	if (counter_open(c, p->be, p->dev, p->be->exact ? 0 : p->delay_ns) < 0) {
		int err = errno;

		stress_shm_free(c, sizeof(*c));
		errno = err;
		return -1;
	}
	p->ctx = c;
	return 0;
}

static void counter_teardown(struct stress_point *p)
{
	counter_close(p->ctx);
	stress_shm_free(p->ctx, sizeof(struct counter));
	p->ctx = NULL;
}

/* Every add landed (exact modes), or none was invented (racy modes). */
static int counter_verify(struct stress_point *p, struct stress_sample *s)
{
	struct counter *c = p->ctx;

	s->expected = (int64_t)(s->ops + s->warm_ops);	/* warm-up adds too */
	if (c->be->counter->load(c, &s->actual) < 0)
		return -1;
	if (c->be->exact ? s->actual != s->expected : s->actual > s->expected)
		s->ok = false;
	return 0;
}

static int add_body(struct stress_point *p, struct stress_worker *w)
{
	struct counter *c = p->ctx;

	counter_bind(w->id);
	while (stress_more(p, w)) {
		if (c->be->counter->add(c, 1, NULL) < 0)
			return -1;
		stress_done(w, 1);
	}
	return 0;
}

static int batch_body(struct stress_point *p, struct stress_worker *w)
{
	struct counter *c = p->ctx;
	struct gosync_op *ops = calloc(p->batch, sizeof(*ops));
	int ret = 0;

	if (!ops)
		return -1;
	for (unsigned int i = 0; i < p->batch; i++)
		ops[i] = (struct gosync_op){
			.op = GOSYNC_OP_ADD, .flags = c->add_flags, .arg = 1,
		};
	while (stress_more(p, w)) {
		unsigned int n = (unsigned int)stress_budget(p, w, p->batch);

		ret = c->be->counter->batch(c, ops, n);
		if (ret < 0)
			break;
		stress_done(w, n);
	}
	free(ops);
	return ret;
}

/* ---- lost-update ---- */

static int lost_update_finish(struct stress_run *run)
{
	bool exact_ok = true, failed = false, racy = false, racy_many = false;

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];

		if (r->last.err)
			failed = true;
		else if (r->p.be->exact && !r->ok)
			exact_ok = false;
		else if (!r->ok)
			failed = true;	/* racy, and counted more than was added */
	}
	if (run->o->quiet)
		return exact_ok && !failed ? 0 : 1;
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		const struct stress_sample *s = &r->last;

		if (r->p.be->exact || s->err)
			continue;
		/* a lost update explains less, never more: the counter is broken */
		if (!r->ok) {
			stress_out_note(run->out, "%s, %u %s: counted %.0f more than the "
					"%.0f updates made (worst rep): BROKEN",
					r->p.be->name, r->p.threads,
					r->p.procs ? "processes" : "threads",
					-r->lost.min, r->expected.med);
			continue;
		}
		racy = true;
		if (r->p.threads < 2 || !s->expected)
			continue;
		racy_many = true;
		/* Each a median over the reps (--duration: each expects its own) */
		if (r->lost.max > 0)
			stress_out_note(run->out, "%s, %u %s: %.0f of %.0f updates lost (%.1f%%)%s%s",
					r->p.be->name, r->p.threads,
					r->p.procs ? "processes" : "threads",
					r->lost.med, r->expected.med, r->lost_pct.med,
					r->reps > 1 ? ", median of the reps" : "",
					r->lost.med ? "" : " (some reps lost some)");
		else
			stress_out_note(run->out, "%s, %u %s: no update lost this time "
					"(raise --delay-ns or --iterations)",
					r->p.be->name, r->p.threads,
					r->p.procs ? "processes" : "threads");
	}
	/* a sweep of 1 (one CPU: the default) says nothing of the racy modes */
	if (racy && !racy_many)
		stress_out_note(run->out, "racy modes: 1 worker only: no update can be "
				"lost without a second (--threads 2 or more)");
	stress_out_note(run->out, "exact modes: %s%s",
			exact_ok ? "every one got exactly the expected count" :
			"SOME LOST UPDATES", failed ? "; SOME POINTS FAILED" : "");
	return exact_ok && !failed ? 0 : 1;
}

const struct stress_workload wl_lost_update = {
	.name = "lost-update",
	.desc = "N workers add 1 K times to one counter; expected N*K vs actual",
	.usage = "--mode --threads --iterations --duration --procs --delay-ns --reps",
	.family = "counter",
	.default_modes = "all",
	.default_iterations = 100000,
	/*
	 * The racy modes' read-to-write window. It only widens the window in
	 * which another CPU's update is overwritten; every update is still
	 * made, one at a time, by a plain read and a plain write.
	 */
	.default_delay_ns = 500,
	.show_values = true,
	.smoke_args = "--threads 2 --iterations 200 --mode all,peers",
	.setup = counter_setup,
	.body = add_body,
	.verify = counter_verify,
	.teardown = counter_teardown,
	.finish = lost_update_finish,
};

/* ---- counter-bench ---- */

/*
 * single: one GOSYNC_IOC_COUNTER per Add; batch: --batch Adds per
 * GOSYNC_IOC_BATCH. The -approx variants pass GOSYNC_OP_F_APPROX, which only
 * the percpu mode honours (its exact Add result sums every CPU).
 */
static const char *const bench_variants[] = {
	"single", "batch", "single-approx", "batch-approx", NULL,
};

static bool is_batch(const char *variant)
{
	return !strncmp(variant, "batch", 5);
}

static bool is_approx(const char *variant)
{
	return strstr(variant, "-approx");
}

static bool bench_applies(const struct stress_backend *be, const char *variant)
{
	if (is_batch(variant) && !be->counter->batch)
		return false;
	return !is_approx(variant) || (be->kernel && be->mode == GOSYNC_COUNTER_PERCPU);
}

static int bench_setup(struct stress_point *p)
{
	if (counter_setup(p) < 0)
		return -1;
	if (is_approx(p->variant))
		((struct counter *)p->ctx)->add_flags = GOSYNC_OP_F_APPROX;
	return 0;
}

static int bench_body(struct stress_point *p, struct stress_worker *w)
{
	return is_batch(p->variant) ? batch_body(p, w) : add_body(p, w);
}

/* The floors: the cheapest calls there are, measured like any point. */
#define GOSYNC_IOC_NONE	_IO(GOSYNC_IOCTL_MAGIC, 0x7f)	/* no such command */

static int floor_syscall_body(struct stress_point *p, struct stress_worker *w)
{
	while (stress_more(p, w)) {
		syscall(SYS_getppid);
		stress_done(w, 1);
	}
	return 0;
}

static int floor_enotty_body(struct stress_point *p, struct stress_worker *w)
{
	struct counter *c = p->ctx;

	while (stress_more(p, w)) {
		if (ioctl(c->fd, GOSYNC_IOC_NONE, NULL) == 0 || errno != ENOTTY) {
			errno = errno ? errno : EPROTO;
			return -1;
		}
		stress_done(w, 1);
	}
	return 0;
}

static int floor_version_body(struct stress_point *p, struct stress_worker *w)
{
	struct gosync_version v;

	while (stress_more(p, w)) {
		if (gosync_version(p->dev, &v) < 0)
			return -1;
		stress_done(w, 1);
	}
	return 0;
}

static int floor_load_body(struct stress_point *p, struct stress_worker *w)
{
	struct counter *c = p->ctx;
	int64_t v;

	while (stress_more(p, w)) {
		if (c->be->counter->load(c, &v) < 0)
			return -1;
		stress_done(w, 1);
	}
	return 0;
}

struct floor {
	const char *name;	/* the row's variant */
	const char *what;
	struct stress_workload wl;
};

static const struct floor floors[] = {
	{ "getppid", "a syscall that does nothing, no gosync",
	  { .name = "floor", .body = floor_syscall_body } },
	{ "enotty-ioctl", "an unknown command on a counter fd: syscall + fd + dispatch",
	  { .name = "floor", .setup = counter_setup, .body = floor_enotty_body,
	    .teardown = counter_teardown } },
	{ "version-ioctl", "GOSYNC_IOC_VERSION on /dev/gosync: + copy in/out",
	  { .name = "floor", .body = floor_version_body } },
	{ "atomic-load", "LOAD on an atomic counter: + one atomic64_read",
	  { .name = "floor", .setup = counter_setup, .body = floor_load_body,
	    .teardown = counter_teardown } },
};
#define FLOOR_REF 1	/* vs-floor ratios are over the enotty ioctl */
/*
 * Each rep of a floor first runs untimed this long at least (--warmup if
 * longer): measured cold, as the first calls of a boot, they read high
 * (docs/benchmarks-report.md at a7b35ee: enotty-ioctl 1933 ns first in the
 * boot, 922-1558 ns after later workloads' points).
 */
#define FLOOR_WARM_SEC	0.1

static const struct stress_result *find(const struct stress_run *run,
					const struct stress_backend *be,
					const char *variant, unsigned int threads)
{
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];

		if (r->p.be == be && !strcmp(r->p.variant, variant) &&
		    r->p.threads == threads && r->ok)
			return r;
	}
	return NULL;
}

static double rate(const struct stress_result *r)
{
	return r ? r->rate.med : NAN;
}

static void ratio_row(struct stress_run *run, const struct stress_backend *be,
		      const char *ratio, const char *of, double v)
{
	struct stress_row row = { 0 };
	struct stress_col *c;

	if (!isfinite(v))
		return;
	row_str(&row, "workload", NULL, run->wl->name);
	row_str(&row, "kind", NULL, "ratio");
	row_str(&row, "backend", "mode", be->name);
	row_str(&row, "ratio", "ratio", ratio);
	row_str(&row, "of", "of", of);
	c = row_num(&row, "value", "value", v);
	snprintf(c->text, sizeof(c->text), "%.2fx", v);
	stress_out_row(run->out, &row);
}

/* The kernel atomic counter backend: the floors' counter fd. */
static const struct stress_backend *atomic_backend(void)
{
	for (const struct stress_backend *b = stress_backends; b->name; b++)
		if (b->counter && b->kernel && b->mode == GOSYNC_COUNTER_ATOMIC)
			return b;
	return NULL;
}

/* Measure floors[i] at 1 thread, set up as @tmpl, @reps times. */
static bool measure_floor(struct stress_run *run, const struct stress_point *tmpl,
			  unsigned int reps, size_t i, struct stress_result *fl)
{
	struct stress_point p = *tmpl;

	p.threads = 1;
	p.be = atomic_backend();
	p.variant = floors[i].name;
	p.wl = &floors[i].wl;
	p.keys = 0;		/* keyed workloads' points lend theirs */
	p.read_pct = -1;
	p.warmup = fmax(p.warmup, FLOOR_WARM_SEC);
	stress_measure(&p, reps, run->o, fl);
	fl->p.wl = run->wl;
	fl->p.be = NULL;
	return fl->ok;
}

/* @when: "before" or "after" the points */
static void print_floor(struct stress_run *run, size_t i, const struct stress_result *fl,
			const char *when)
{
	struct stress_row row = { 0 };

	stress_row_point(fl, "floor", &row);
	row_str(&row, "what", "what", floors[i].what);
	row_str(&row, "when", NULL, when);
	if (!run->o->quiet || run->o->format != STRESS_TABLE)
		stress_out_row(run->out, &row);
}

bool stress_floor_ioctl(struct stress_run *run, struct stress_result *fl)
{
	bool ok;

	if (run->dev < 0 || !run->nres) {
		*fl = (struct stress_result){ 0 };
		return true;	/* no device: no floor, nothing failed */
	}
	if (!run->o->quiet)
		stress_out_section(run->out, "floor: the cost of an empty ioctl, 1 thread");
	ok = measure_floor(run, &run->res[0].p, run->res[0].reps ? run->res[0].reps : 1,
			   FLOOR_REF, fl);
	print_floor(run, FLOOR_REF, fl, "after");
	return ok;
}

/* Ratios of one backend: scaling per variant, batched per thread count, floor. */
static void backend_ratios(struct stress_run *run, const struct stress_backend *be,
			   unsigned int tmin, unsigned int tmax,
			   const struct stress_result *floor_ref)
{
	char of[96];

	for (const char *const *v = bench_variants; *v; v++) {
		const struct stress_result *lo = find(run, be, *v, tmin);

		if (!lo || tmax == tmin)
			continue;
		snprintf(of, sizeof(of), "%s %ut / %ut", *v, tmax, tmin);
		ratio_row(run, be, "scaling", of, rate(find(run, be, *v, tmax)) / rate(lo));
	}
	for (const char *const *v = bench_variants; *v; v++) {
		const char *single = is_approx(*v) ? "single-approx" : "single";

		if (!is_batch(*v) || !find(run, be, *v, tmin))
			continue;
		for (unsigned int t = tmin;; t = tmax) {
			const struct stress_result *b = find(run, be, *v, t);

			snprintf(of, sizeof(of), "%s(%u) / %s, %ut", *v,
				 b ? b->p.batch : 0, single, t);
			ratio_row(run, be, "batched", of,
				  rate(b) / rate(find(run, be, single, t)));
			if (t == tmax)
				break;
		}
	}
	if (floor_ref && floor_ref->ok) {
		snprintf(of, sizeof(of), "single op time / %s, %ut",
			 floors[FLOOR_REF].name, tmin);
		ratio_row(run, be, "vs-floor", of,
			  tmin * rate(floor_ref) / rate(find(run, be, "single", tmin)));
	}
}

/* Peers only Add one at a time: every gosync variant is held up to "single". */
static const char *peer_variant(const char *variant)
{
	(void)variant;
	return "single";
}

/*
 * A gosync Add returns the new value whether asked or not, and percpu's
 * exact one sums every CPU for it. The peers make theirs anyway (fetch-add,
 * under the lock), except per-thread: its total is a sum over every slot,
 * which add_body, asking for no value, skips. So it would win on work it
 * does not do: it is held only to the -approx variants, whose percpu Add
 * does not sum either.
 */
static bool bench_peer_ok(const struct stress_result *g, const struct stress_result *q)
{
	return q->p.be->counter != &per_thread_ops || is_approx(g->p.variant);
}

/* counter-bench's floors, measured by bench_begin(), printed by bench_finish() */
static struct stress_result bench_fl[ARRAY_SIZE(floors)];
static bool bench_have_fl, bench_fl_ok;

/*
 * The floors first: the run interleaves, so its first points are the
 * single-op ones at the first thread count (1 in the default sweep), which
 * the vs-floor ratios divide by; the floors are measured right beside them,
 * not minutes later after every point (a shared host drifts). They are
 * measured again after the points (bench_finish()): how far they moved is
 * how far to trust a ratio to them.
 */
static void bench_begin(struct stress_run *run, const struct stress_point *base,
			unsigned int reps)
{
	bench_have_fl = run->dev >= 0;
	bench_fl_ok = true;
	for (size_t i = 0; bench_have_fl && i < ARRAY_SIZE(floors); i++)
		bench_fl_ok &= measure_floor(run, base, reps, i, &bench_fl[i]);
}

static int bench_finish(struct stress_run *run)
{
	struct stress_result *fl = bench_fl;
	unsigned int tmin = UINT32_MAX, tmax = 0;
	bool ok = true, have_floor = false;

	for (unsigned int i = 0; i < run->nres; i++) {
		ok &= run->res[i].ok;
		if (run->res[i].p.threads < tmin)
			tmin = run->res[i].p.threads;
		if (run->res[i].p.threads > tmax)
			tmax = run->res[i].p.threads;
	}
	if (bench_have_fl && run->nres) {
		struct stress_result after[ARRAY_SIZE(floors)];
		const struct stress_result *a = &after[FLOOR_REF], *b = &fl[FLOOR_REF];

		if (!run->o->quiet)
			stress_out_section(run->out, "floors: the cheapest calls, 1 "
					   "thread (measured before the points)");
		for (size_t i = 0; i < ARRAY_SIZE(floors); i++)
			print_floor(run, i, &fl[i], "before");
		if (!run->o->quiet)
			stress_out_section(run->out, "floors again, measured after the "
					   "points");
		for (size_t i = 0; i < ARRAY_SIZE(floors); i++) {
			after[i] = (struct stress_result){ 0 };
			if (run->o->quiet && run->o->format == STRESS_TABLE)
				continue;	/* nothing would show them */
			ok &= measure_floor(run, &run->res[0].p, run->res[0].reps ?
					    run->res[0].reps : 1, i, &after[i]);
			print_floor(run, i, &after[i], "after");
		}
		if (a->ok && b->ok && a->rate.med > 0 && b->rate.med > 0)
			stress_out_note(run->out, "%s: %.0f ns before the points, %.0f "
					"after (%+.0f%%): the vs-floor ratios divide by "
					"the first", floors[FLOOR_REF].name,
					1e9 / b->rate.med, 1e9 / a->rate.med,
					100 * (b->rate.med / a->rate.med - 1));
		ok &= bench_fl_ok;
		have_floor = true;
	}
	if (!run->o->quiet)
		stress_out_section(run->out, "ratios (of medians)");
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];

		/* once per backend: at its first point */
		if (r->p.threads == tmin && !strcmp(r->p.variant, "single"))
			backend_ratios(run, r->p.be, tmin, tmax,
				       have_floor ? &fl[FLOOR_REF] : NULL);
	}
	if (!run->o->quiet || run->o->format != STRESS_TABLE)
		stress_best_peer_ratios(run, have_floor ? &fl[FLOOR_REF] : NULL,
					peer_variant);
	return ok ? 0 : 1;
}

const struct stress_workload wl_counter_bench = {
	.name = "counter-bench",
	.desc = "ops/s of every counter mode and peer, one op per ioctl vs batched",
	.usage = "--mode --threads --duration --iterations --batch --procs --reps",
	.family = "counter",
	.default_modes = "all,peers",
	.variants = bench_variants,
	.default_duration = 0.5,
	.interleave = true,
	.smoke_args = "--threads 1,2 --duration 0.02 --batch 8",
	.best_peer = true,
	.peer_ok = bench_peer_ok,
	.applies = bench_applies,
	.setup = bench_setup,
	.body = bench_body,
	.verify = counter_verify,
	.teardown = counter_teardown,
	.begin = bench_begin,
	.finish = bench_finish,
};
