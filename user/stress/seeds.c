// SPDX-License-Identifier: GPL-2.0
/*
 * The seeds' programs as workloads. bank: four incomes, each in its own
 * worker for 52 weeks, add to one balance. The racy variant is the seed's
 * code (temp := balance; temp += amount; balance = temp) as two ioctls, LOAD
 * then STORE, so the lost update happens in userspace between them; the
 * fixed variant is one ADD on a lock-protected counter mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stress.h"

struct income {
	const char *source;
	int64_t amount;
};

static const struct income incomes[] = {
	{ "Main Job", 500 },
	{ "Gifts", 10 },
	{ "Part Time", 50 },
	{ "Investments", 100 },
};

/* Narration goes to stdout in table format only, never into JSON/CSV. */
static bool narrate(const struct stress_point *p)
{
	return !p->quiet;
}

static int bank_setup(struct stress_point *p)
{
	struct counter *c = stress_shm_alloc(sizeof(*c));

	if (!c)
		return -1;
	/* the window is ours (between two ioctls), not the kernel's */
	if (counter_open(c, p->be, p->dev, 0) < 0) {
		int err = errno;

		stress_shm_free(c, sizeof(*c));
		errno = err;
		return -1;
	}
	p->ctx = c;
	if (narrate(p)) {
		printf("\n== %s: %s\n", p->be->name, p->be->exact ?
		       "one ADD per deposit" :
		       "temp := LOAD; temp += amount; STORE temp (the seed's bug)");
		printf("Initial account balance: 0.00\n");
		fflush(stdout);
	}
	return 0;
}

static int bank_body(struct stress_point *p, struct stress_worker *w)
{
	struct counter *c = p->ctx;
	const struct income *in = &incomes[w->id % ARRAY_SIZE(incomes)];
	const struct counter_ops *ops = c->be->counter;

	counter_bind(w->id);
	for (unsigned int week = 1; stress_more(p, w); week++) {
		int64_t temp;

		if (c->be->exact) {
			if (ops->add(c, in->amount, &temp) < 0)
				return -1;
		} else {
			if (ops->load(c, &temp) < 0)
				return -1;
			if (p->delay_ns)	/* widen the window: let others run */
				stress_sleep(p->delay_ns * 1e-9);
			temp += in->amount;
			if (ops->store(c, temp) < 0)
				return -1;
		}
		if (narrate(p))
			printf("On week %u you earned %lld.00 from %s\n",
			       week, (long long)temp, in->source);
		stress_done(w, 1);
	}
	return 0;
}

static int bank_verify(struct stress_point *p, struct stress_sample *s)
{
	struct counter *c = p->ctx;

	/* bank runs by weeks only (iterations_only), one income per worker */
	s->expected = 0;
	for (unsigned int i = 0; i < p->threads; i++)
		s->expected += incomes[i % ARRAY_SIZE(incomes)].amount *
			       (int64_t)p->iterations;
	if (c->be->counter->load(c, &s->actual) < 0)
		return -1;
	if (c->be->exact && s->actual != s->expected)
		s->ok = false;
	if (narrate(p)) {
		printf("Final Bank Balance: %lld.00\n", (long long)s->actual);
		fflush(stdout);
	}
	return 0;
}

static void bank_teardown(struct stress_point *p)
{
	counter_close(p->ctx);
	stress_shm_free(p->ctx, sizeof(struct counter));
	p->ctx = NULL;
}

static int bank_finish(struct stress_run *run)
{
	bool fixed_ok = true;

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		const struct stress_sample *s = &r->last;

		if ((r->p.be->exact && !r->ok) || s->err)
			fixed_ok = false;
		if (s->err)
			stress_out_note(run->out, "%s: failed: %s", r->p.be->name,
					strerror(s->err));
		else if (run->o->quiet)
			stress_out_note(run->out, "Final Bank Balance: %lld.00",
					(long long)s->actual);
		else if (s->actual == s->expected)
			stress_out_note(run->out, "%s: got %lld.00: exact%s",
					r->p.be->name, (long long)s->actual,
					r->p.be->exact ? "" : " (lucky: no overlap this time)");
		else
			stress_out_note(run->out, "%s: got %lld.00, expected %lld.00: "
					"%lld.00 lost to the race", r->p.be->name,
					(long long)s->actual, (long long)s->expected,
					(long long)(s->expected - s->actual));
	}
	return fixed_ok ? 0 : 1;
}

const struct stress_workload wl_bank = {
	.name = "bank",
	.desc = "the seed's bank balance: 4 incomes x 52 weeks, racy LOAD+STORE vs ADD",
	.usage = "--mode --iterations (weeks) --delay-ns --quiet --procs --reps",
	.family = "counter",
	.default_modes = "racy,mutex",
	.fixed_threads = ARRAY_SIZE(incomes),
	.default_iterations = 52,
	.iterations_only = true,
	/* a sleep between LOAD and STORE: it only lets the others run there */
	.default_delay_ns = 100000,
	.show_values = true,
	.smoke_args = "--iterations 3",
	.no_warmup = true,
	.setup = bank_setup,
	.body = bank_body,
	.verify = bank_verify,
	.teardown = bank_teardown,
	.finish = bank_finish,
};
