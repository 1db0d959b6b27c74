// SPDX-License-Identifier: GPL-2.0
/*
 * The seeds' programs as workloads. bank: four incomes, each in its own
 * worker for 52 weeks, add to one balance. The racy variant is the seed's
 * code (temp := balance; temp += amount; balance = temp) as two ioctls, LOAD
 * then STORE, so the lost update happens in userspace between them; the
 * fixed variant is one ADD on a lock-protected counter mode.
 *
 * producer-consumer: the seed's next step ("8. producer-Consumer problem"),
 * on the same incomes: the four incomes are producers that send each week's
 * deposit over a gosync channel, two consumers take them and bank them, each
 * keeping its own sum, and the last producer to finish closes the channel
 * (Go's "the sender closes"). Nobody shares the balance, so nothing can be
 * lost: producers' and consumers' totals must match, and match the mutex
 * version (the bank's one ADD per deposit) measured in the same run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
			       week, (long long)in->amount, in->source);
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
		else if (r->reps > 1 && !r->inexact)
			stress_out_note(run->out, "%s: got %lld.00 in each of %u reps: "
					"exact%s", r->p.be->name, (long long)s->actual,
					r->reps, r->p.be->exact ? "" :
					" (lucky: no overlap in any rep)");
		else if (r->reps > 1)
			stress_out_note(run->out, "%s: lost to the race in %u of %u "
					"reps: %.0f.00 to %.0f.00 (median %.0f.00) of "
					"%lld.00", r->p.be->name, r->inexact, r->reps,
					r->lost.min, r->lost.max, r->lost.med,
					(long long)s->expected);
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

/* ---- producer-consumer ---- */

#define PC_PRODUCERS	ARRAY_SIZE(incomes)
#define PC_CONSUMERS	2
#define PC_CAP		8		/* deposits the channel holds */

/* One message: a week's deposit from one income. */
struct deposit {
	uint32_t week;
	uint32_t income;
	int64_t amount;
};

/* In shared memory: forked producers and consumers see it too. */
struct pc_ctx {
	struct counter c;			/* the mutex version's balance */
	int ch;					/* the channel version's channel */
	_Atomic unsigned int producers_done;
	_Atomic int err;			/* errno of the first failure */
	_Alignas(64) _Atomic int64_t sent;	/* amounts sent */
	_Atomic uint64_t sent_n;
	struct {
		_Alignas(64) int64_t total;	/* banked by consumer i */
		uint64_t n;
	} cons[PC_CONSUMERS];
};

static bool pc_chan(const struct stress_backend *be)
{
	return be->chan == &gosync_chan_ops;
}

static bool pc_applies(const struct stress_backend *be, const char *variant)
{
	(void)variant;
	return (be->counter && be->exact) || pc_chan(be);
}

static int pc_setup(struct stress_point *p)
{
	struct pc_ctx *x = stress_shm_alloc(sizeof(*x));
	int err, ret;

	if (!x)
		return -1;
	x->ch = -1;
	if (!pc_chan(p->be))
		ret = counter_open(&x->c, p->be, p->dev, 0);
	else if (p->dev < 0)
		ret = -1, errno = ENODEV;
	else
		ret = x->ch = gosync_chan_create(p->dev, NULL, 0, PC_CAP,
						 sizeof(struct deposit));
	if (ret < 0) {
		err = errno;
		stress_shm_free(x, sizeof(*x));
		errno = err;
		return -1;
	}
	p->ctx = x;
	if (narrate(p)) {
		printf("\n== %s: %s\n", p->be->name, pc_chan(p->be) ?
		       "4 producers (the incomes) send each week's deposit over a "
		       "gosync channel; 2 consumers bank them" :
		       "the mutex version: one ADD per deposit on one balance (bank)");
		printf("Initial account balance: 0.00\n");
		fflush(stdout);
	}
	return 0;
}

/*
 * Keep the first failure's errno, the cause. A consumer that fails closes the
 * channel: with no consumer left, producers would wait for room forever (the
 * stop flag cannot reach them there); now their Sends fail (EPIPE).
 */
static int pc_fail(struct pc_ctx *x, bool consumer)
{
	int err = errno ? errno : EIO, none = 0;

	atomic_compare_exchange_strong(&x->err, &none, err);
	if (consumer)
		gosync_chan_close(x->ch);
	errno = err;
	return -1;
}

static int pc_produce(struct stress_point *p, struct stress_worker *w, struct pc_ctx *x)
{
	const struct income *in = &incomes[w->id];
	int err = 0;

	for (unsigned int week = 1; stress_more(p, w); week++) {
		struct deposit d = { .week = week, .income = w->id, .amount = in->amount };
		int64_t temp;

		if (!pc_chan(p->be)) {
			if (x->c.be->counter->add(&x->c, in->amount, &temp) < 0) {
				err = errno;
				break;
			}
			if (narrate(p))
				printf("On week %u you earned %lld.00 from %s\n", week,
				       (long long)in->amount, in->source);
		} else {
			if (gosync_chan_send(x->ch, &d, sizeof(d), -1) < 0) {
				err = errno;
				break;
			}
			atomic_fetch_add(&x->sent, in->amount);
			atomic_fetch_add(&x->sent_n, 1);
		}
		stress_done(w, 1);
	}
	/* the last producer closes the channel: consumers drain it and stop */
	if (pc_chan(p->be) &&
	    atomic_fetch_add(&x->producers_done, 1) + 1 == PC_PRODUCERS &&
	    gosync_chan_close(x->ch) < 0 && !err)
		err = errno;
	if (!err)
		return 0;
	errno = err;
	return pc_fail(x, false);
}

static int pc_consume(struct stress_point *p, struct stress_worker *w, struct pc_ctx *x)
{
	unsigned int me = w->id - (unsigned int)PC_PRODUCERS;

	for (;;) {
		struct deposit d;
		size_t len;
		bool ok;

		if (gosync_chan_recv(x->ch, &d, sizeof(d), &len, &ok, -1) < 0)
			return pc_fail(x, true);
		if (!ok)
			return 0;	/* closed and drained: Go's range loop ends */
		if (len != sizeof(d) || d.income >= PC_PRODUCERS) {
			errno = EPROTO;
			return pc_fail(x, true);
		}
		x->cons[me].total += d.amount;
		x->cons[me].n++;
		if (narrate(p))
			printf("On week %u you earned %lld.00 from %s (consumer %u "
			       "banks it: %lld.00)\n", d.week, (long long)d.amount,
			       incomes[d.income].source, me + 1,
			       (long long)x->cons[me].total);
	}
}

static int pc_body(struct stress_point *p, struct stress_worker *w)
{
	struct pc_ctx *x = p->ctx;

	if (w->id < PC_PRODUCERS)
		return pc_produce(p, w, x);
	if (!pc_chan(p->be))
		return 0;	/* the mutex version has no consumers */
	return pc_consume(p, w, x);
}

static int pc_verify(struct stress_point *p, struct stress_sample *s)
{
	struct pc_ctx *x = p->ctx;
	int64_t sent = atomic_load(&x->sent);
	uint64_t n = 0;

	if (atomic_load(&x->err))
		s->err = atomic_load(&x->err);	/* not the EPIPE that followed */
	s->expected = 0;
	for (unsigned int i = 0; i < PC_PRODUCERS; i++)
		s->expected += incomes[i].amount * (int64_t)p->iterations;
	if (!pc_chan(p->be)) {
		if (x->c.be->counter->load(&x->c, &s->actual) < 0)
			return -1;
	} else {
		s->actual = 0;
		for (unsigned int i = 0; i < PC_CONSUMERS; i++) {
			s->actual += x->cons[i].total;
			n += x->cons[i].n;
		}
		if (n != atomic_load(&x->sent_n) || sent != s->actual)
			s->ok = false;
	}
	if (s->actual != s->expected)
		s->ok = false;
	if (narrate(p)) {
		printf("Final Bank Balance: %lld.00\n", (long long)s->actual);
		if (pc_chan(p->be)) {
			printf("totals: producers sent %" PRIu64 " deposits, %lld.00;",
			       atomic_load(&x->sent_n), (long long)sent);
			for (unsigned int i = 0; i < PC_CONSUMERS; i++)
				printf(" consumer %u banked %" PRIu64 ", %lld.00;", i + 1,
				       x->cons[i].n, (long long)x->cons[i].total);
			printf(" together %" PRIu64 ", %lld.00: %s\n", n,
			       (long long)s->actual, s->ok ? "totals match" :
			       "!! TOTALS DIFFER");
		}
		fflush(stdout);
	}
	return 0;
}

static void pc_teardown(struct stress_point *p)
{
	struct pc_ctx *x = p->ctx;

	if (pc_chan(p->be))
		close(x->ch);
	else
		counter_close(&x->c);
	stress_shm_free(x, sizeof(*x));
	p->ctx = NULL;
}

static int pc_finish(struct stress_run *run)
{
	bool ok = true;

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		const struct stress_sample *s = &r->last;

		ok &= r->ok;
		if (s->err)
			stress_out_note(run->out, "%s: failed: %s", r->p.be->name,
					strerror(s->err));
		else
			stress_out_note(run->out, "%s (%s): Final Bank Balance %lld.00, "
					"expected %lld.00: %s", r->p.be->name,
					pc_chan(r->p.be) ? "producer-consumer" : "mutex",
					(long long)s->actual, (long long)s->expected,
					r->ok ? "totals match" : "!! TOTALS DIFFER");
	}
	return ok ? 0 : 1;
}

static void pc_row(const struct stress_result *r, struct stress_row *row)
{
	row_int(row, "producers", NULL, PC_PRODUCERS);
	row_int(row, "consumers", NULL, pc_chan(r->p.be) ? PC_CONSUMERS : 0);
}

static const char *const pc_keys[] = { "producers", "consumers", NULL };

const struct stress_workload wl_producer_consumer = {
	.name = "producer-consumer",
	.desc = "the seed's next step: the bank's deposits over a gosync channel, "
		"4 producers, 2 consumers, beside the mutex version",
	.usage = "--mode (gosync-chan, and exact counter modes: mutex, atomic, ...) "
		 "--iterations (weeks) --quiet --procs --reps",
	.family = "counter,chan",
	.default_modes = "mutex,gosync-chan",
	.fixed_threads = PC_PRODUCERS + PC_CONSUMERS,
	.op_workers = PC_PRODUCERS,	/* a deposit sent (or added) is an op */
	.default_iterations = 52,
	.iterations_only = true,
	.show_values = true,
	.no_warmup = true,
	.keys = pc_keys,
	.smoke_args = "--iterations 3",
	.applies = pc_applies,
	.setup = pc_setup,
	.body = pc_body,
	.verify = pc_verify,
	.teardown = pc_teardown,
	.row = pc_row,
	.finish = pc_finish,
};
