// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the gosync counter core (kmod/counter.c), called directly:
 * every mode's operations, CAS success and failure, wraparound, op
 * validation, percpu exactness after quiescence, and kthreads hammering
 * every exact mode with the final value checked.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include "gs_kunit.h"

static const u32 all_modes[] = {
	GOSYNC_COUNTER_RACY, GOSYNC_COUNTER_ATOMIC, GOSYNC_COUNTER_SPINLOCK,
	GOSYNC_COUNTER_MUTEX, GOSYNC_COUNTER_RWSEM, GOSYNC_COUNTER_PERCPU,
};

/* Modes that never lose an update */
static const u32 exact_modes[] = {
	GOSYNC_COUNTER_ATOMIC, GOSYNC_COUNTER_SPINLOCK, GOSYNC_COUNTER_MUTEX,
	GOSYNC_COUNTER_RWSEM, GOSYNC_COUNTER_PERCPU,
};

static const char *const mode_names[] = {
	[GOSYNC_COUNTER_RACY] = "racy", [GOSYNC_COUNTER_ATOMIC] = "atomic",
	[GOSYNC_COUNTER_SPINLOCK] = "spinlock", [GOSYNC_COUNTER_MUTEX] = "mutex",
	[GOSYNC_COUNTER_RWSEM] = "rwsem", [GOSYNC_COUNTER_PERCPU] = "percpu",
};

static void mode_desc(const u32 *mode, char *desc)
{
	strscpy(desc, mode_names[*mode], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(all_modes, all_modes, mode_desc);
KUNIT_ARRAY_PARAM(exact_modes, exact_modes, mode_desc);

static u32 param_mode(struct kunit *test)
{
	return *(const u32 *)test->param_value;
}

static struct gs_counter *new_counter(struct kunit *test, u32 mode, s64 initial)
{
	struct gs_counter *c = gs_counter_create(mode, initial, 0);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	return c;
}

/* Run one op that must succeed and return its result. */
static s64 do_op(struct kunit *test, struct gs_counter *c, u32 op, s64 arg,
		 s64 expected)
{
	s64 result = 12345;

	KUNIT_EXPECT_EQ(test, gs_counter_do(c, op, 0, arg, expected, &result), 0);
	return result;
}

static void counter_ops_test(struct kunit *test)
{
	u32 mode = param_mode(test);
	struct gs_counter *c = new_counter(test, mode, 5);
	bool has_swap = mode != GOSYNC_COUNTER_PERCPU;
	s64 r;

	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 5);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_ADD, 3, 0), 8);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_ADD, -10, 0), -2);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_STORE, 10, 0), 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 10);

	if (has_swap) {
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_SWAP, 20, 0), 10);
		/* CAS success: returns the old value, which equals expected */
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_CAS, 30, 20), 20);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 30);
		/* CAS failure: returns the current value and changes nothing */
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_CAS, 99, 7), 30);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 30);
		/* Go 1.23's And, Or: return the old value (30 = 0b11110) */
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_AND, 0x1c, 0), 30);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_OR, 0x3, 0), 0x1c);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_OR, 0x2, 0), 0x1f);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_AND, -2, 0), 0x1f);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 30);
	} else {
		KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_AND, 0, 1, 0, &r), -EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_OR, 0, 1, 0, &r), -EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_SWAP, 0, 20, 0, &r),
				-EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_CAS, 0, 30, 10, &r),
				-EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_STORE, 30, 0), 0);
	}
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_RESET, 0, 0), 30);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 0);

	/*
	 * APPROX is accepted on Load and Add in every mode. Only percpu's
	 * results are approximate (percpu_counter_read(): the 4 may still be
	 * in this CPU's slot); an exact Load sees it there too.
	 */
	r = 12345;
	KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_ADD, GOSYNC_OP_F_APPROX,
					    4, 0, &r), 0);
	if (mode != GOSYNC_COUNTER_PERCPU)
		KUNIT_EXPECT_EQ(test, r, 4);
	r = 12345;
	KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX,
					    0, 0, &r), 0);
	if (mode != GOSYNC_COUNTER_PERCPU)
		KUNIT_EXPECT_EQ(test, r, 4);
	KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_LOAD, 0, 0, 0, &r), 0);
	KUNIT_EXPECT_EQ(test, r, 4);
	gs_counter_destroy(c);
}

/* Values wrap modulo 2^64 in every mode, like atomic.AddInt64. */
static void counter_wrap_test(struct kunit *test)
{
	u32 mode = param_mode(test);
	struct gs_counter *c = new_counter(test, mode, S64_MAX);

	do_op(test, c, GOSYNC_OP_ADD, 1, 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), S64_MIN);
	do_op(test, c, GOSYNC_OP_ADD, -1, 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), S64_MAX);

	/* Extreme deltas (percpu splits them to stay off abs(S64_MIN)) */
	do_op(test, c, GOSYNC_OP_STORE, 5, 0);
	do_op(test, c, GOSYNC_OP_ADD, S64_MIN, 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), S64_MIN + 5);
	do_op(test, c, GOSYNC_OP_ADD, S64_MAX, 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), 4);
	do_op(test, c, GOSYNC_OP_ADD, S64_MAX - 1, 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), (s64)((u64)S64_MAX + 3));
	gs_counter_destroy(c);
}

static void counter_check_op_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(0, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_OR + 1, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_ADD, 1U << 5, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_STORE, GOSYNC_OP_F_APPROX, 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_ADD, 0, 1, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_LOAD, 0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_RESET, 0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_CAS, 0, 1, 2), 0);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, gs_counter_check_op(GOSYNC_OP_ADD, GOSYNC_OP_F_APPROX, -1, 0), 0);
}

static void counter_create_test(struct kunit *test)
{
	struct gs_counter *c;

	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_counter_create(0, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_counter_create(GOSYNC_COUNTER_PERCPU + 1, 0, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_counter_create(GOSYNC_COUNTER_ATOMIC, 0, 1)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_counter_create(GOSYNC_COUNTER_RACY, 0,
							GOSYNC_RACY_DELAY_MAX + 1)),
			-EINVAL);
	c = gs_counter_create(GOSYNC_COUNTER_RACY, 7, GOSYNC_RACY_DELAY_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_EQ(test, c->mode, GOSYNC_COUNTER_RACY);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_ADD, 1, 0), 8);
	gs_counter_destroy(c);
}

/* ---- concurrency ---- */

#define HAMMER_THREADS	4
#define HAMMER_ITERS	20000

struct hammer {
	struct gs_counter *c;
	bool cas;		/* increment with a CAS loop instead of Add */
	bool reset;		/* Reset instead, adding up what each returns */
	s64 taken;		/* a resetter's sum of the values it reset */
	int errors;		/* ops that failed */
	struct completion done;
};

static int hammer_fn(void *arg)
{
	struct hammer *h = arg;
	s64 v, prev;
	int i;

	for (i = 0; i < HAMMER_ITERS; i++) {
		if (h->reset) {
			h->errors += !!gs_counter_do(h->c, GOSYNC_OP_RESET, 0, 0, 0, &v);
			h->taken += v;
			continue;
		}
		if (!h->cas) {
			h->errors += !!gs_counter_do(h->c, GOSYNC_OP_ADD, 0, 1, 0, &v);
			continue;
		}
		if (gs_counter_do(h->c, GOSYNC_OP_LOAD, 0, 0, 0, &v)) {
			h->errors++;
			continue;
		}
		for (;;) {
			if (gs_counter_do(h->c, GOSYNC_OP_CAS, 0, v + 1, v, &prev)) {
				h->errors++;
				break;
			}
			if (prev == v)
				break;
			v = prev;
		}
	}
	complete(&h->done);
	return 0;
}

/*
 * Run HAMMER_THREADS kthreads on @c, the last @resetters of them Resetting
 * (what they took added to *@taken); return the number of failed ops.
 */
static int hammer_reset(struct kunit *test, struct gs_counter *c, bool cas,
			int resetters, s64 *taken)
{
	struct hammer *h;
	int i, started, errors = 0;

	h = kunit_kcalloc(test, HAMMER_THREADS, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (started = 0; started < HAMMER_THREADS; started++) {
		struct task_struct *t;

		h[started].c = c;
		h[started].cas = cas;
		h[started].reset = started >= HAMMER_THREADS - resetters;
		init_completion(&h[started].done);
		t = kthread_run(hammer_fn, &h[started], "gosync_hammer/%d", started);
		if (IS_ERR(t))
			break;
	}
	/* Wait for every thread we started before judging, so none outlives h. */
	for (i = 0; i < started; i++) {
		wait_done(&h[i].done);
		errors += h[i].errors;
		if (h[i].reset)
			*taken += h[i].taken;
	}
	KUNIT_ASSERT_EQ(test, started, HAMMER_THREADS);
	return errors;
}

static int hammer(struct kunit *test, struct gs_counter *c, bool cas)
{
	return hammer_reset(test, c, cas, 0, NULL);
}

static void counter_hammer_add_test(struct kunit *test)
{
	struct gs_counter *c = new_counter(test, param_mode(test), 0);

	KUNIT_EXPECT_EQ(test, hammer(test, c, false), 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0),
			(s64)HAMMER_THREADS * HAMMER_ITERS);
	gs_counter_destroy(c);
}

static void counter_hammer_cas_test(struct kunit *test)
{
	u32 mode = param_mode(test);
	struct gs_counter *c;

	if (mode == GOSYNC_COUNTER_PERCPU)
		kunit_skip(test, "percpu has no CAS");
	c = new_counter(test, mode, 0);
	KUNIT_EXPECT_EQ(test, hammer(test, c, true), 0);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0),
			(s64)HAMMER_THREADS * HAMMER_ITERS);
	gs_counter_destroy(c);
}

/* racy loses updates but never invents them. */
static void counter_racy_bounded_test(struct kunit *test)
{
	struct gs_counter *c = gs_counter_create(GOSYNC_COUNTER_RACY, 0, 100);
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_EQ(test, hammer(test, c, false), 0);
	v = do_op(test, c, GOSYNC_OP_LOAD, 0, 0);
	KUNIT_EXPECT_GT(test, v, 0);
	KUNIT_EXPECT_LE(test, v, (s64)HAMMER_THREADS * HAMMER_ITERS);
	kunit_info(test, "racy: %lld of %d updates kept\n", v, HAMMER_THREADS * HAMMER_ITERS);
	gs_counter_destroy(c);
}

/*
 * percpu: after concurrent Adds stop, Load (sum) is exact, and the cheap
 * approximate read is within the documented bound of it.
 */
static void counter_percpu_quiescent_test(struct kunit *test)
{
	struct gs_counter *c = new_counter(test, GOSYNC_COUNTER_PERCPU, 0);
	s64 exact, approx, bound = (s64)percpu_counter_batch * num_possible_cpus();

	KUNIT_EXPECT_EQ(test, hammer(test, c, false), 0);
	exact = do_op(test, c, GOSYNC_OP_LOAD, 0, 0);
	KUNIT_EXPECT_EQ(test, exact, (s64)HAMMER_THREADS * HAMMER_ITERS);
	KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX,
					    0, 0, &approx), 0);
	KUNIT_EXPECT_LE(test, abs(exact - approx), bound);
	gs_counter_destroy(c);
}

struct pcpu_flipper {
	struct gs_counter *c;
	struct completion done;
	int ret;
};

/* Store S64_MAX and 0 in turn: deltas of 2^63 - 1 each way. */
static int pcpu_flip_fn(void *arg)
{
	struct pcpu_flipper *f = arg;
	s64 r;
	int i;

	for (i = 0; i < 20000 && !f->ret; i++)
		f->ret = gs_counter_do(f->c, GOSYNC_OP_STORE, 0, i & 1 ? 0 : S64_MAX, 0, &r);
	complete(&f->done);
	return 0;
}

/*
 * percpu: a Store (or Add) of more than 2^62 in magnitude is one step for a
 * sum, as any Store is to any Load: a Load racing Stores of S64_MAX and 0
 * sees one of them. The delta went in as two halves, and a sum between them
 * saw 2^62 - 1 or 2^62, which was never stored.
 */
static void counter_percpu_big_store_test(struct kunit *test)
{
	struct pcpu_flipper f;
	struct task_struct *t;
	unsigned int loads = 0, odd = 0;
	s64 v, bad = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU: no Load can run between a Store's steps");
	f = (struct pcpu_flipper){ .c = new_counter(test, GOSYNC_COUNTER_PERCPU, 0) };
	init_completion(&f.done);
	t = kthread_run(pcpu_flip_fn, &f, "gosync_pcpu_flip");
	if (IS_ERR(t)) {
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
		gs_counter_destroy(f.c);
		return;
	}
	while (!completion_done(&f.done)) {
		v = do_op(test, f.c, GOSYNC_OP_LOAD, 0, 0);
		loads++;
		if (v != 0 && v != S64_MAX) {
			odd++;
			bad = v;
		}
		cond_resched();
	}
	wait_for_completion(&f.done);
	KUNIT_EXPECT_EQ(test, f.ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, odd, 0U, "%u of %u Loads saw %lld, never stored",
			    odd, loads, bad);
	kunit_info(test, "%u Loads raced the Stores\n", loads);
	gs_counter_destroy(f.c);
}

/*
 * Resets racing Adds and each other lose nothing and count nothing twice:
 * what they return plus what is left is every Add.
 * percpu's Reset once zeroed the slots under the Adds, and two Resets could
 * return one sum.
 */
static void counter_reset_race_test(struct kunit *test)
{
	struct gs_counter *c = new_counter(test, param_mode(test), 0);
	s64 taken = 0;

	KUNIT_EXPECT_EQ(test, hammer_reset(test, c, false, HAMMER_THREADS / 2, &taken), 0);
	KUNIT_EXPECT_EQ(test, taken + do_op(test, c, GOSYNC_OP_LOAD, 0, 0),
			(s64)(HAMMER_THREADS / 2) * HAMMER_ITERS);
	gs_counter_destroy(c);
}

/*
 * A mapped atomic counter keeps its value in the shared word: the initial
 * value goes there, the kernel's ops work on it, and what userspace stores
 * there (any value is a valid one) is what they see. Other modes refuse.
 */
static void counter_mapped_test(struct kunit *test)
{
	s64 *word = kunit_kzalloc(test, sizeof(*word), GFP_KERNEL);
	struct gs_counter *c;
	s64 prev;

	KUNIT_ASSERT_NOT_NULL(test, word);
	for (unsigned int i = 0; i < ARRAY_SIZE(all_modes); i++) {
		if (all_modes[i] == GOSYNC_COUNTER_ATOMIC)
			continue;
		c = gs_counter_create(all_modes[i], 7, 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
		KUNIT_EXPECT_EQ(test, gs_counter_map(c, word), -EINVAL);
		KUNIT_EXPECT_EQ(test, *word, 0);
		gs_counter_destroy(c);
	}
	c = gs_counter_create(GOSYNC_COUNTER_ATOMIC, 7, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_ASSERT_EQ(test, gs_counter_map(c, word), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 7);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_ADD, 3, 0), 10);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 10);
	/* "userspace" scribbles: the counter is whatever the word says */
	WRITE_ONCE(*word, S64_MIN);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_LOAD, 0, 0), S64_MIN);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_ADD, -1, 0), S64_MAX);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_SWAP, 4, 0), S64_MAX);
	KUNIT_EXPECT_EQ(test, gs_counter_do(c, GOSYNC_OP_CAS, 0, 5, 4, &prev), 0);
	KUNIT_EXPECT_EQ(test, prev, 4);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 5);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_OR, 2, 0), 5);
	KUNIT_EXPECT_EQ(test, do_op(test, c, GOSYNC_OP_RESET, 0, 0), 7);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*word), 0);
	gs_counter_destroy(c);
}

static struct kunit_case gs_counter_cases[] = {
	KUNIT_CASE_PARAM(counter_ops_test, all_modes_gen_params),
	KUNIT_CASE_PARAM(counter_wrap_test, all_modes_gen_params),
	KUNIT_CASE(counter_check_op_test),
	KUNIT_CASE(counter_create_test),
	KUNIT_CASE_PARAM(counter_hammer_add_test, exact_modes_gen_params),
	KUNIT_CASE_PARAM(counter_hammer_cas_test, exact_modes_gen_params),
	KUNIT_CASE(counter_racy_bounded_test),
	KUNIT_CASE(counter_percpu_quiescent_test),
	KUNIT_CASE(counter_percpu_big_store_test),
	KUNIT_CASE_PARAM(counter_reset_race_test, exact_modes_gen_params),
	KUNIT_CASE(counter_mapped_test),
	{}
};

static struct kunit_suite gs_counter_suite = {
	.name = "gosync_counter",
	.test_cases = gs_counter_cases,
};

kunit_test_suite(gs_counter_suite);

MODULE_IMPORT_NS(GS_KUNIT_NS);
MODULE_DESCRIPTION("KUnit tests for the gosync core");
MODULE_LICENSE("GPL");
