// SPDX-License-Identifier: GPL-2.0
/*
 * The driver: runs a workload's body in N workers (threads, or forked
 * processes with --procs), all released by one gate so they overlap, for
 * a per-worker op count or a duration; repeats each point; summarizes.
 * With --procs the driver also reaps the workers as they end: one that died
 * (a signal) fails the run instead of leaving the others, and the driver,
 * waiting for it.
 *
 * Everything workers touch lives in MAP_SHARED memory, so one code path
 * serves threads and processes alike; gosync objects reach forked workers
 * by fd inheritance.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/*
 * The driver's own shared page: the start gate, stop flags and the workers.
 * The gate is no pthread barrier: a worker that died never arrives, and the
 * driver must be able to see that and let the others through.
 */
struct shared {
	_Atomic unsigned int gate;	/* the stage workers may start: 1 the
					 * run (or warm-up), 2 the measured part */
	_Atomic unsigned int arrived;	/* arrivals at a gate, all stages */
	_Atomic int stop;
	_Atomic int warm_stop;
	_Atomic unsigned int finished;
	struct stress_worker w[];
};

#define GATE_RUN	1
#define GATE_MEASURED	2

/* How long the others may run on after a worker failed (see give_up()) */
#define STRESS_STUCK_SECS 30

unsigned int stress_default_sweep(unsigned int *t, unsigned int max)
{
	unsigned int v = stress_ncpus(), n = 0;

	for (unsigned int i = 1; i < v && n < max - 1; i *= 2)
		t[n++] = i;
	t[n++] = v;
	return n;
}

void stress_rng_init(struct stress_rng *g, const struct stress_point *p,
		     unsigned int id)
{
	double theta = p->zipf_s;

	memset(g, 0, sizeof(*g));
	g->s = p->seed ^ ((uint64_t)id + 1) * 0xd1b54a32d192ed03ULL;
	stress_rand(g);
	g->n = p->keys ? p->keys : 1;
	if (p->dist != STRESS_ZIPF || g->n < 2)
		return;
	g->zipf = true;
	g->theta = theta;
	g->alpha = 1.0 / (1.0 - theta);
	g->zetan = p->zeta_n;
	g->half = 1.0 + pow(0.5, theta);
	g->eta = (1.0 - pow(2.0 / (double)g->n, 1.0 - theta)) /
		 (1.0 - (1.0 + pow(0.5, theta)) / g->zetan);
}

uint64_t stress_zipf_key(struct stress_rng *g)
{
	double u = (double)(stress_rand(g) >> 11) * 0x1.0p-53;
	double uz = u * g->zetan;
	uint64_t k;

	if (uz < 1.0)
		return 0;
	if (uz < g->half)
		return 1;
	k = (uint64_t)((double)g->n * pow(g->eta * u - g->eta + 1.0, g->alpha));
	return k < g->n ? k : g->n - 1;
}

/* zeta(n, s) = sum 1/i^s, i = 1..n: O(n), so the last one is kept. */
static double zeta(uint64_t n, double s)
{
	static uint64_t last_n;
	static double last_s, last;
	double z = 0;

	if (n == last_n && s == last_s)
		return last;
	for (uint64_t i = 1; i <= n; i++)
		z += pow((double)i, -s);
	last_n = n;
	last_s = s;
	return last = z;
}

/* Pin the caller to the @i-th CPU it may run on (round robin). */
static void pin_to(unsigned int i)
{
	cpu_set_t allowed, one;
	unsigned int n, k = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	n = (unsigned int)CPU_COUNT(&allowed);
	for (int cpu = 0; cpu < CPU_SETSIZE && n; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || k++ != i % n)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

/* Arrive at the gate of @stage and sleep until the driver opens it. */
static void gate_wait(struct shared *sh, unsigned int stage)
{
	unsigned int g;

	atomic_fetch_add(&sh->arrived, 1);
	while ((g = atomic_load(&sh->gate)) < stage)
		syscall(SYS_futex, (unsigned int *)&sh->gate, FUTEX_WAIT, g, NULL,
			NULL, 0);
}

static void worker_main(struct stress_point *p, struct shared *sh,
			struct stress_worker *w)
{
	if (p->pin)
		pin_to(w->id);
	gate_wait(sh, GATE_RUN);
	if (p->warmup > 0) {
		/* the same body, untimed, until the driver ends the warm-up */
		w->warming = true;
		errno = 0;
		if (p->wl->body(p, w) < 0) {
			w->err = errno ? errno : EIO;
			atomic_store(&sh->warm_stop, 1);
			atomic_store(&sh->stop, 1);
		}
		w->warm_ops = atomic_load(&w->ops);
		atomic_store(&w->ops, 0);
		w->warming = false;
		gate_wait(sh, GATE_MEASURED);
	}
	w->t0 = stress_now();
	errno = 0;
	if (!w->err && p->wl->body(p, w) < 0) {
		w->err = errno ? errno : EIO;
		atomic_store(&sh->stop, 1);	/* a failure ends a timed run */
	}
	w->t1 = stress_now();
	atomic_fetch_add(&sh->finished, 1);
}

struct thread_arg {
	struct stress_point *p;
	struct shared *sh;
	struct stress_worker *w;
};

static void *thread_main(void *a)
{
	struct thread_arg *t = a;

	worker_main(t->p, t->sh, t->w);
	return NULL;
}

/* A failure of the run, not of its command line (2): exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Let the workers at the gates up to @stage through. */
static void gate_open(struct shared *sh, unsigned int stage)
{
	atomic_store(&sh->gate, stage);
	syscall(SYS_futex, (unsigned int *)&sh->gate, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
}

static void progress(const struct stress_point *p, struct shared *sh,
		     unsigned int rep, unsigned int reps, double t0, bool warm)
{
	uint64_t ops = 0;

	for (unsigned int i = 0; i < p->threads; i++)
		ops += atomic_load_explicit(&sh->w[i].ops, memory_order_relaxed);
	fprintf(stderr, "\r\033[K%s %s%s%s %s=%u rep %u/%u%s: %llu ops %.1fs",
		p->wl->name, p->be ? p->be->name : "", p->variant ? "/" : "",
		p->variant ? p->variant : "", p->procs ? "procs" : "threads",
		p->threads, rep + 1, reps, warm ? " warm-up" : "",
		(unsigned long long)ops, stress_now() - t0);
}

/*
 * The first failed worker's errno, or 0. Read after *stop was seen set: a
 * failing worker sets its err before it sets stop.
 */
static int first_error(struct shared *sh, unsigned int threads)
{
	for (unsigned int i = 0; i < threads; i++)
		if (sh->w[i].err)
			return sh->w[i].err;
	return 0;
}

/*
 * A worker failed and the others did not stop: they wait for something the
 * failed one would have done (an Unlock, a Done), and would wait for good.
 * Say so and end the run rather than hang without a word.
 */
static void __attribute__((noreturn))
give_up(const struct stress_point *p, struct shared *sh, const pid_t *pid)
{
	unsigned int left = p->threads - atomic_load(&sh->finished);

	fprintf(stderr, "\ngosync-stress: %s %s%s%s: %u worker%s still running %d s "
		"after a worker failed (%s): giving up\n", p->wl->name,
		p->be ? p->be->name : "", p->variant ? "/" : "",
		p->variant ? p->variant : "", left, left == 1 ? "" : "s",
		STRESS_STUCK_SECS, strerror(first_error(sh, p->threads)));
	if (p->procs)
		for (unsigned int i = 0; i < p->threads; i++)
			if (pid[i] > 0)
				kill(pid[i], SIGKILL);
	fflush(NULL);
	_exit(1);
}

/*
 * --procs: reap the workers that ended (their pid[] becomes 0). One that
 * did not end by worker_main()'s _exit(0) (a signal, or an exit elsewhere)
 * never counted itself finished, nor, maybe, set its err: count it in *lost,
 * fail it (ECHILD) and stop the run. Threads (pid[] all 0) cannot die alone.
 */
static void reap(const struct stress_point *p, struct shared *sh, pid_t *pid,
		 unsigned int *lost)
{
	for (unsigned int i = 0; i < p->threads; i++) {
		int status;
		pid_t r;

		if (pid[i] <= 0)
			continue;
		r = waitpid(pid[i], &status, WNOHANG);
		if (r < 0 && errno == EINTR)
			r = 0;
		if (r < 0)
			die("gosync-stress: waitpid");
		if (!r)
			continue;
		pid[i] = 0;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		(*lost)++;
		if (!sh->w[i].err)
			sh->w[i].err = ECHILD;
		if (WIFSIGNALED(status))
			fprintf(stderr, "\ngosync-stress: %s %s%s%s: worker %u killed by "
				"signal %d (%s)\n", p->wl->name, p->be ? p->be->name : "",
				p->variant ? "/" : "", p->variant ? p->variant : "", i,
				WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			fprintf(stderr, "\ngosync-stress: %s %s%s%s: worker %u exited "
				"with status %d\n", p->wl->name, p->be ? p->be->name : "",
				p->variant ? "/" : "", p->variant ? p->variant : "", i,
				WEXITSTATUS(status));
		atomic_store(&sh->warm_stop, 1);
		atomic_store(&sh->stop, 1);
	}
}

/*
 * Wait for every worker at the gate of @stage, then open it. A worker that
 * failed may leave others waiting for what it would have done (an Unlock, a
 * Done), never at the gate: give up after STRESS_STUCK_SECS, as below. Once
 * a worker died (*lost) no wait is for good: the gates open at once, and the
 * others find *stop set.
 */
static void gate_pass(struct stress_point *p, struct shared *sh, pid_t *pid,
		      unsigned int *lost, unsigned int stage)
{
	double failed_at = 0;

	while (!*lost && atomic_load(&sh->arrived) < p->threads * stage) {
		reap(p, sh, pid, lost);
		if (!failed_at && atomic_load(&sh->stop) && first_error(sh, p->threads))
			failed_at = stress_now();
		if (failed_at && stress_now() - failed_at > STRESS_STUCK_SECS)
			give_up(p, sh, pid);
		stress_sleep(0.0005);
	}
	/* all at the measured start, none in the body: the warm-up's counts are still */
	if (stage == GATE_MEASURED && !*lost && p->wl->warm_end)
		p->wl->warm_end(p);
	gate_open(sh, *lost ? GATE_MEASURED : stage);
}

/* One repetition: spawn, release, wait, collect. */
static void run_workers(struct stress_point *p, const struct stress_opts *o,
			unsigned int rep, unsigned int reps,
			struct stress_sample *s)
{
	size_t size = sizeof(struct shared) + p->threads * sizeof(struct stress_worker);
	struct shared *sh = stress_shm_alloc(size);
	struct thread_arg *ta = calloc(p->threads, sizeof(*ta));
	pthread_t *tid = calloc(p->threads, sizeof(*tid));
	pid_t *pid = calloc(p->threads, sizeof(*pid));
	double t0, tmin = INFINITY, tmax = 0, failed_at = 0;
	unsigned int lost = 0;	/* --procs: workers that died (see reap()) */

	if (!sh || !ta || !tid || !pid)
		die("gosync-stress: memory");
	p->stop = &sh->stop;
	p->warm_stop = &sh->warm_stop;
	fflush(NULL);	/* children must not flush our buffers twice */

	for (unsigned int i = 0; i < p->threads; i++) {
		sh->w[i].id = i;
		ta[i] = (struct thread_arg){ .p = p, .sh = sh, .w = &sh->w[i] };
		if (p->procs) {
			pid[i] = fork();
			if (pid[i] < 0) {
				int err = errno;

				/* those forked wait at the gate for good: end them */
				for (unsigned int j = 0; j < i; j++)
					kill(pid[j], SIGKILL);
				for (unsigned int j = 0; j < i; j++)
					while (waitpid(pid[j], NULL, 0) < 0 && errno == EINTR)
						;
				errno = err;
				die("gosync-stress: fork");
			}
			if (!pid[i]) {
				worker_main(p, sh, &sh->w[i]);
				fflush(NULL);
				_exit(0);
			}
		} else {
			int err = pthread_create(&tid[i], NULL, thread_main, &ta[i]);

			if (err) {
				errno = err;
				die("gosync-stress: pthread_create");
			}
		}
	}
	gate_pass(p, sh, pid, &lost, GATE_RUN);
	if (p->warmup > 0) {
		double wend = stress_now() + p->warmup, w0 = stress_now();

		for (;;) {
			double left = wend - stress_now();

			reap(p, sh, pid, &lost);
			if (left <= 0 || atomic_load(&sh->warm_stop))
				break;
			/* --procs: look for dead workers now and then */
			if ((o->progress || p->procs) && left > 0.1)
				left = 0.1;
			stress_sleep(left);
			if (o->progress)
				progress(p, sh, rep, reps, w0, true);
		}
		atomic_store(&sh->warm_stop, 1);
		gate_pass(p, sh, pid, &lost, GATE_MEASURED);	/* the measured start */
	}
	t0 = stress_now();

	for (;;) {
		double left = p->iterations ? 0.05 : t0 + p->duration - stress_now();
		bool stopped = atomic_load(&sh->stop);

		if (!p->iterations && left <= 0 && !stopped) {
			atomic_store(&sh->stop, 1);
			stopped = true;
		}
		reap(p, sh, pid, &lost);
		/* a dead worker never counted itself finished (>=: one that
		 * died just after it did counts twice) */
		if (atomic_load(&sh->finished) + lost >= p->threads)
			break;
		if (stopped && !failed_at && first_error(sh, p->threads))
			failed_at = stress_now();
		if (failed_at && stress_now() - failed_at > STRESS_STUCK_SECS)
			give_up(p, sh, pid);
		if ((o->progress || failed_at || p->procs) && (left > 0.1 || stopped))
			left = 0.1;
		else if (stopped)
			left = 0.01;	/* nothing to show: join soon after */
		stress_sleep(left > 0 ? left : 0.001);
		if (o->progress)
			progress(p, sh, rep, reps, t0, false);
	}

	for (unsigned int i = 0; i < p->threads; i++) {
		int status;

		if (!p->procs) {
			pthread_join(tid[i], NULL);
			continue;
		}
		if (!pid[i])
			continue;	/* reaped, and judged, above */
		while (waitpid(pid[i], &status, 0) < 0)
			if (errno != EINTR)
				die("gosync-stress: waitpid");
		if ((!WIFEXITED(status) || WEXITSTATUS(status)) && !sh->w[i].err)
			sh->w[i].err = ECHILD;
	}
	if (o->progress)
		fprintf(stderr, "\r\033[K");

	memset(s, 0, sizeof(*s));
	s->wmin = UINT64_MAX;
	for (unsigned int i = 0; i < p->threads; i++) {
		struct stress_worker *w = &sh->w[i];
		uint64_t ops = atomic_load(&w->ops);

		s->ops += ops;
		s->warm_ops += w->warm_ops;
		s->wmin = ops < s->wmin ? ops : s->wmin;
		s->wmax = ops > s->wmax ? ops : s->wmax;
		if (w->t1 > 0) {	/* a worker that died has no times */
			tmin = fmin(tmin, w->t0);
			tmax = fmax(tmax, w->t1);
		}
		if (w->err && !s->err)
			s->err = w->err;
	}
	s->secs = tmax > tmin ? tmax - tmin : 0;
	p->stop = NULL;
	p->warm_stop = NULL;
	stress_shm_free(sh, size);
	free(ta);
	free(tid);
	free(pid);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct stress_stat stat_of(double *v, unsigned int n)
{
	struct stress_stat st = { NAN, NAN, NAN };

	if (!n)
		return st;
	qsort(v, n, sizeof(*v), cmp_double);
	st.min = v[0];
	st.max = v[n - 1];
	st.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return st;
}

int stress_measure(struct stress_point *p, unsigned int reps,
		   const struct stress_opts *o, struct stress_result *r)
{
	double *rate = calloc(reps, sizeof(*rate));
	double *lost = calloc(reps, sizeof(*lost));
	double *actual = calloc(reps, sizeof(*actual));
	double *expected = calloc(reps, sizeof(*expected));
	double *lost_pct = calloc(reps, sizeof(*lost_pct));
	double *extra = calloc(reps, sizeof(*extra));
	unsigned int n = 0;

	if (!rate || !lost || !actual || !expected || !lost_pct || !extra)
		die("gosync-stress: memory");
	memset(r, 0, sizeof(*r));
	r->ok = true;
	r->wmin = UINT64_MAX;
	for (unsigned int i = 0; i < reps; i++) {
		struct stress_sample *s = &r->last;

		memset(s, 0, sizeof(*s));
		errno = 0;
		if (p->wl->setup && p->wl->setup(p) < 0) {
			s->err = errno ? errno : EIO;
			r->ok = false;
			break;
		}
		run_workers(p, o, i, reps, s);
		/* keep the most lopsided rep: min 0 first, then max/min */
		if (r->wmin == UINT64_MAX || (r->wmin && (!s->wmin ||
		    (double)s->wmax / (double)s->wmin >
		    (double)r->wmax / (double)r->wmin))) {
			r->wmin = s->wmin;
			r->wmax = s->wmax;
		}
		s->ok = !s->err;
		if (p->wl->verify && p->wl->verify(p, s) < 0) {
			if (!s->err)
				s->err = errno ? errno : EIO;
			s->ok = false;
		}
		if (s->err)
			s->ok = false;
		if (s->ok && !s->ops) {
			/* a rate of 0 is no measurement (nor is 0 ops "exact") */
			fprintf(stderr, "gosync-stress: %s %s%s%s %s=%u: no op done in "
				"the run\n", p->wl->name, p->be ? p->be->name : "",
				p->variant ? "/" : "", p->variant ? p->variant : "",
				p->procs ? "procs" : "threads", p->threads);
			s->ok = false;
		}
		if (p->wl->teardown)
			p->wl->teardown(p);
		rate[n] = s->secs > 0 ? (double)s->ops / s->secs : NAN;
		actual[n] = (double)s->actual;
		/* --duration: each rep expects its own count */
		expected[n] = (double)s->expected;
		lost_pct[n] = s->expected ?
			100.0 * (double)(s->expected - s->actual) / (double)s->expected : 0;
		extra[n] = (double)s->extra;
		lost[n++] = (double)(s->expected - s->actual);
		r->inexact += s->actual != s->expected;
		if (!s->ok)
			r->ok = false;
		if (s->err)
			break;	/* a broken point will not mend itself */
	}
	if (r->wmin == UINT64_MAX)
		r->wmin = 0;
	r->p = *p;
	r->p.ctx = NULL;
	r->reps = n;
	r->rate = stat_of(rate, n);
	r->lost = stat_of(lost, n);
	r->actual = stat_of(actual, n);
	r->expected = stat_of(expected, n);
	r->lost_pct = stat_of(lost_pct, n);
	r->extra = stat_of(extra, n);
	free(rate);
	free(lost);
	free(actual);
	free(expected);
	free(lost_pct);
	free(extra);
	return r->ok ? 0 : -1;
}

static void stat_cols(struct stress_row *row, const char *key, const char *kmin,
		      const char *kmax, const char *label, struct stress_stat st,
		      unsigned int reps, bool integer)
{
	struct stress_col *c = row_num(row, key, label, st.med);

	if (reps > 1 && isfinite(st.med) && st.min != st.max)
		snprintf(c->text, sizeof(c->text),
			 integer ? "%.0f [%.0f-%.0f]" : "%.4g [%.4g-%.4g]",
			 st.med, st.min, st.max);
	else if (isfinite(st.med) && !integer)
		snprintf(c->text, sizeof(c->text), "%.4g", st.med);
	row_num(row, kmin, NULL, st.min);
	row_num(row, kmax, NULL, st.max);
}

double stress_ns_per_op(const struct stress_point *p, double rate)
{
	unsigned int n = p->threads;

	if (p->wl && p->wl->op_workers && p->wl->op_workers < n)
		n = p->wl->op_workers;
	return rate > 0 ? 1e9 * n / rate : NAN;
}

void stress_row_point(const struct stress_result *r, const char *kind,
		      struct stress_row *row)
{
	const struct stress_point *p = &r->p;
	bool values = p->wl->show_values;
	const struct stress_sample *s = &r->last;
	double ns = stress_ns_per_op(p, r->rate.med);

	row_str(row, "workload", NULL, p->wl->name);
	row_str(row, "kind", NULL, kind);
	row_str(row, "backend", "mode", p->be ? p->be->name : "");
	row_str(row, "variant", p->wl->variants ? "variant" : NULL,
		p->variant ? p->variant : "");
	row_int(row, "threads", p->procs ? "procs" : "threads", p->threads);
	row_bool(row, "procs", NULL, p->procs);
	row_int(row, "reps", NULL, r->reps);
	row_uint(row, "iterations", NULL, p->iterations);
	row_num(row, "duration", NULL, p->iterations ? 0 : p->duration);
	row_int(row, "delay_ns", NULL, p->be && !p->be->exact ? p->delay_ns : 0);
	row_num(row, "warmup_s", NULL, p->warmup);
	row_int(row, "warmup_ops", NULL, (long long)s->warm_ops);
	row_int(row, "keys", NULL, (long long)p->keys);
	row_str(row, "dist", NULL, !p->keys ? "none" :
		p->dist == STRESS_ZIPF ? "zipf" : "uniform");
	row_num(row, "zipf_s", NULL, p->keys && p->dist == STRESS_ZIPF ?
		p->zipf_s : NAN);
	row_num(row, "read_pct", NULL, p->read_pct >= 0 ? p->read_pct : NAN);
	row_uint(row, "seed", NULL, p->seed);
	row_uint(row, "ops", NULL, s->ops);
	row_num(row, "secs", NULL, s->secs);
	/* the median of the reps, as actual and lost (--duration: they differ) */
	row_int(row, "expected", values ? "expected" : NULL,
		r->reps ? (long long)r->expected.med : s->expected);
	stat_cols(row, "actual", "actual_min", "actual_max",
		  values ? "actual" : NULL, r->actual, r->reps, true);
	stat_cols(row, "lost", "lost_min", "lost_max", values ? "lost" : NULL,
		  r->lost, r->reps, true);
	stat_cols(row, "ops_per_sec", "ops_per_sec_min", "ops_per_sec_max",
		  "ops/s", r->rate, r->reps, true);
	row_num(row, "ns_per_op", "ns/op", ns);
	row_bool(row, "ok", "ok", r->ok);
	row_str(row, "error", s->err ? "error" : NULL, s->err ? strerror(s->err) : "");
}

bool stress_family_in(const char *list, const char *family)
{
	size_t n = strlen(family);

	for (const char *s = list; s && *s; s += strcspn(s, ","), s += !!*s)
		if (strcspn(s, ",") == n && !strncmp(s, family, n))
			return true;
	return false;
}

/* Parse a --mode list of @family (a list): names, "all" (gosync), "peers". */
static int resolve_backends(const char *list, const char *family,
			    const struct stress_backend **be, unsigned int max)
{
	char *copy = strdup(list), *save = NULL, *tok;
	unsigned int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool all = !strcmp(tok, "all"), peers = !strcmp(tok, "peers");
		bool found = false;

		for (const struct stress_backend *b = stress_backends; b->name; b++) {
			if (!stress_family_in(family, b->family))
				continue;
			if ((all && b->kernel) || (peers && !b->kernel) ||
			    !strcmp(b->name, tok)) {
				found = true;
				if (n < max)
					be[n++] = b;
			}
		}
		if (!found) {
			fprintf(stderr, "gosync-stress: no %s backend '%s' (see --list)\n",
				family, tok);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return (int)n;
}

int stress_run(const struct stress_workload *wl, const struct stress_opts *o,
	       struct stress_out *out)
{
	const struct stress_backend *be[STRESS_MAX_BACKENDS];
	unsigned int threads[STRESS_MAX_SWEEP], nt;
	static const char *const no_variant[] = { NULL, NULL };
	const char *const *variants = wl->variants ? wl->variants : no_variant;
	unsigned int nv = 1;
	struct stress_run run = { .wl = wl, .o = o, .out = out, .dev = -1 };
	unsigned int reps = o->reps ? o->reps : 1;
	struct stress_point base = {
		.wl = wl,
		.procs = o->procs || wl->always_procs,
		.pin = !o->no_pin,
		.batch = o->batch ? o->batch : 64,
		.delay_ns = o->delay_ns >= 0 ? (unsigned int)o->delay_ns :
			    wl->default_delay_ns,
		.quiet = o->quiet || o->format != STRESS_TABLE,
		.warmup = o->warmup,
		.keys = o->keys ? o->keys : wl->default_keys,
		.dist = o->dist,
		.zipf_s = o->dist == STRESS_ZIPF ? o->zipf_s : 0,
		.read_pct = !wl->read_mix ? -1 : o->read_pct >= 0 ? o->read_pct :
			    wl->default_read_pct,
		.seed = o->seed,
		.limit = o->limit ? o->limit : STRESS_LIMIT,
	};
	bool need_dev = false, ok = true;
	char title[384], shape[160];
	int nb, ret;

	nb = resolve_backends(o->modes ? o->modes : wl->default_modes,
			      wl->family, be, ARRAY_SIZE(be));
	if (nb < 0)
		return 2;
	if (o->variants) {
		char *copy = strdup(o->variants), *save = NULL;

		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			bool found = false;

			for (const char *const *v = variants; *v; v++)
				found |= !strcmp(*v, t);
			if (!found) {
				fprintf(stderr, "gosync-stress: %s has no variant '%s' (see --help)\n",
					wl->name, t);
				free(copy);
				return 2;
			}
		}
		free(copy);
	}
	if (wl->fixed_threads) {
		threads[0] = wl->fixed_threads;
		nt = 1;
	} else if (o->nthreads) {
		memcpy(threads, o->threads, o->nthreads * sizeof(*threads));
		nt = o->nthreads;
	} else if (wl->default_threads) {
		threads[0] = wl->default_threads;
		nt = 1;
	} else {
		nt = stress_default_sweep(threads, ARRAY_SIZE(threads));
	}
	if (wl->threads_only && o->procs) {
		fprintf(stderr, "gosync-stress: %s runs threads only (its peers are "
			"process-private): no --procs\n", wl->name);
		return 2;
	}
	if (wl->iterations_only && o->duration > 0) {
		fprintf(stderr, "gosync-stress: %s counts ops: use --iterations\n",
			wl->name);
		return 2;
	}
	if (wl->no_warmup && o->warmup > 0) {
		fprintf(stderr, "gosync-stress: %s is a fixed program: no --warmup\n",
			wl->name);
		return 2;
	}
	if (wl->batch_max && o->batch > wl->batch_max) {
		fprintf(stderr, "gosync-stress: %s: --batch %u: at most %u\n",
			wl->name, o->batch, wl->batch_max);
		return 2;
	}
	if (!wl->limited && o->limit) {
		fprintf(stderr, "gosync-stress: %s has no semaphore to limit: no --limit "
			"(bounded has one)\n", wl->name);
		return 2;
	}
	if (!wl->read_mix && o->read_pct >= 0) {
		fprintf(stderr, "gosync-stress: %s has no read/write mix: no "
			"--read-pct (map-bench, lock-bench have one)\n", wl->name);
		return 2;
	}
	if (wl->fixed_threads && o->nthreads)
		fprintf(stderr, "gosync-stress: %s always runs %u workers: --threads "
			"ignored\n", wl->name, wl->fixed_threads);
	if (!wl->default_keys)
		base.keys = 0;	/* counters and locks pick no keys */
	if (o->iterations)
		base.iterations = o->iterations;
	else if (o->duration > 0)
		base.duration = o->duration;
	else if (wl->default_iterations)
		base.iterations = wl->default_iterations;
	else
		base.duration = wl->default_duration;

	for (int i = 0; i < nb; i++)
		need_dev |= be[i]->kernel;
	if (need_dev) {
		run.dev = gosync_dev_open();
		if (run.dev < 0)
			fprintf(stderr, "gosync-stress: %s: %s (is gosync.ko loaded?)\n",
				GOSYNC_DEVICE, strerror(errno));
	}
	base.dev = run.dev;

	if (base.iterations)
		snprintf(title, sizeof(title), "%s: %llu ops per %s, %u rep%s",
			 wl->name, (unsigned long long)base.iterations,
			 base.procs ? "process" : "thread", reps, reps > 1 ? "s" : "");
	else
		snprintf(title, sizeof(title), "%s: %.2f s per point, %u rep%s",
			 wl->name, base.duration, reps, reps > 1 ? "s" : "");
	shape[0] = '\0';
	if (base.warmup > 0)
		snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
			 ", warm-up %.2f s", base.warmup);
	if (base.keys) {
		snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
			 ", keys %llu %s", (unsigned long long)base.keys,
			 base.dist == STRESS_ZIPF ? "zipf" : "uniform");
		if (base.dist == STRESS_ZIPF)
			snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
				 ":%g", base.zipf_s);
		snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
			 " (keyed variants), seed %llu", (unsigned long long)base.seed);
	}
	if (base.read_pct >= 0)
		snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape),
			 ", read %d%% (mix variants)", base.read_pct);
	strncat(title, shape, sizeof(title) - strlen(title) - 1);
	if (!o->quiet)
		stress_out_section(out, title);

	while (variants[nv])
		nv++;
	run.res = calloc((size_t)nb * nv * nt, sizeof(*run.res));
	if (!run.res)
		die("gosync-stress: memory");
	if (wl->begin)
		wl->begin(&run, &base, reps);
	/*
	 * Backend-major by default; an interleaving workload measures every
	 * backend of one variant and thread count back to back, so the points
	 * it compares see the same machine (a shared host drifts).
	 */
	for (unsigned int i = 0; i < (unsigned int)nb * nv * nt; i++) {
		unsigned int b = i / (nv * nt), v = i / nt % nv, t = i % nt;
		struct stress_point p = base;
		struct stress_result *r = &run.res[run.nres];
		struct stress_row row = { 0 };

		if (wl->interleave) {
			v = i / (nt * nb);
			t = i / nb % nt;
			b = i % nb;
		}
		if (wl->applies && !wl->applies(be[b], variants[v]))
			continue;
		if (o->variants && variants[v] &&
		    !stress_family_in(o->variants, variants[v]))
			continue;
		p.be = be[b];
		p.variant = variants[v];
		p.threads = threads[t];
		if (wl->shape)
			wl->shape(&p);
		if (p.keys && p.dist == STRESS_ZIPF)
			p.zeta_n = zeta(p.keys, p.zipf_s);
		stress_measure(&p, reps, o, r);
		run.nres++;
		ok &= r->ok;
		stress_row_point(r, "point", &row);
		if (wl->row)
			wl->row(r, &row);
		if (!o->quiet || o->format != STRESS_TABLE)
			stress_out_row(out, &row);
	}
	if (!run.nres) {
		/* no row at all is no pass: say why */
		fprintf(stderr, "gosync-stress: %s: no point to run: no backend of "
			"--mode %s runs %s%s here (see --help, --list)\n", wl->name,
			o->modes ? o->modes : wl->default_modes,
			o->variants ? "a variant of --variant " : "any variant",
			o->variants ? o->variants : "");
		ret = 1;
	} else {
		ret = wl->finish ? wl->finish(&run) : !ok;
	}
	free(run.res);
	if (run.dev >= 0)
		close(run.dev);
	return ret;
}
