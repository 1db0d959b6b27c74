// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the gosync map core (kmod/map.c and its backends), called
 * directly. One parameterized suite: every case runs against spin, rwsem and
 * rcu. Single-threaded: every op, EOVERFLOW, limits, validation, Range
 * paging and its no-repeat rule, and a model-based test (long random op
 * sequences checked against a reference model, fixed seed). Concurrent
 * (kthreads): readers only ever see values some writer stored; Range under
 * concurrent Store/Delete never repeats a key and sees every stable key
 * exactly once; a resize storm during lookups and Ranges loses nothing.
 * Regressions: an insert that fails in the backend never shows its node to
 * a lock-free Range (it was freed while a reader held it); Clear is one step
 * for Len, Load and Range, and Range skips the nodes a Clear has yet to
 * free; entries are charged to the map's user at their real cost and the
 * per-user limit stops them; a locked table that cannot double refuses new
 * keys once overloaded.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "gs_kunit.h"

static const u32 all_backends[] = { GOSYNC_MAP_SPIN, GOSYNC_MAP_RWSEM, GOSYNC_MAP_RCU };

static const char *const backend_names[] = {
	[GOSYNC_MAP_SPIN] = "spin", [GOSYNC_MAP_RWSEM] = "rwsem", [GOSYNC_MAP_RCU] = "rcu",
};

static void backend_desc(const u32 *b, char *desc)
{
	strscpy(desc, backend_names[*b], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(all_backends, all_backends, backend_desc);

static u32 param_backend(struct kunit *test)
{
	return *(const u32 *)test->param_value;
}

static struct gs_map *new_map(struct kunit *test, u32 max_entries, u64 max_bytes)
{
	struct gs_map *m = gs_map_create(param_backend(test), max_entries, max_bytes,
						 NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	return m;
}

static struct gs_map_val *mkval(const void *data, u32 len)
{
	struct gs_map_val *v = gs_map_val_alloc(len);

	if (v)
		memcpy(v->data, data, len);
	return v;
}

/* The outcome of one op, with the returned value copied out. */
struct mres {
	int ret;
	u64 result;
	u32 out_len;
	bool got;
	u32 len;
	char out[72];
};

/* Run @op with string operands (NULL: not given; "" is an empty value). */
static struct mres mop_flags(struct gs_map *m, u32 op, const char *k, const char *v,
			     const char *o, u32 flags, u32 cap)
{
	struct gs_map_req r = { .op = op, .flags = flags, .out_cap = cap };
	struct mres res = {};

	if (k) {
		r.key.data = k;
		r.key.len = strlen(k);
	}
	if (v)
		r.val = mkval(v, strlen(v));
	if (o)
		r.old = mkval(o, strlen(o));
	res.ret = gs_map_do(m, &r);
	res.result = r.result;
	res.out_len = r.out_len;
	if (r.out) {
		res.got = true;
		res.len = r.out->len;
		memcpy(res.out, r.out->data, min_t(u32, r.out->len, sizeof(res.out) - 1));
		gs_map_val_put(r.out);
	}
	gs_map_val_put(r.val);
	gs_map_val_put(r.old);
	return res;
}

static struct mres mop(struct gs_map *m, u32 op, const char *k, const char *v,
		       const char *o)
{
	u32 args = gs_map_operands(op);

	return mop_flags(m, op, k, v, o, 0, (args & GOSYNC_MAP_ARG_OUT) ? 64 : 0);
}

static void expect_out(struct kunit *test, const struct mres *r, u64 res, const char *str)
{
	KUNIT_EXPECT_EQ(test, r->ret, 0);
	KUNIT_EXPECT_EQ(test, r->result, res);
	KUNIT_EXPECT_EQ(test, r->got, !!str);
	if (str && r->got)
		KUNIT_EXPECT_STREQ(test, r->out, str);
}

/* Run one op that must succeed with result @res and return value @str. */
static void check(struct kunit *test, struct gs_map *m, u32 op, const char *k,
		  const char *v, const char *o, u64 res, const char *str)
{
	struct mres r = mop(m, op, k, v, o);

	expect_out(test, &r, res, str);
}

static u64 map_len(struct gs_map *m)
{
	return mop(m, GOSYNC_MAP_LEN, NULL, NULL, NULL).result;
}

static void map_ops_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	u64 stats[GOSYNC_NR_STATS] = {};

	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_STORE, "a", "1", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 1, "1");
	check(test, m, GOSYNC_MAP_STORE, "a", "2", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 1, "2");

	/* LoadOrStore: loads an existing value, stores a new one */
	check(test, m, GOSYNC_MAP_LOAD_OR_STORE, "a", "x", NULL, 1, "2");
	check(test, m, GOSYNC_MAP_LOAD_OR_STORE, "b", "x", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "b", NULL, NULL, 1, "x");

	/* Swap returns the previous value, if any */
	check(test, m, GOSYNC_MAP_SWAP, "b", "y", NULL, 1, "x");
	check(test, m, GOSYNC_MAP_SWAP, "c", "z", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "c", NULL, NULL, 1, "z");
	KUNIT_EXPECT_EQ(test, map_len(m), 3);

	/* CompareAndSwap */
	check(test, m, GOSYNC_MAP_COMPARE_AND_SWAP, "a", "3", "1", 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 1, "2");
	check(test, m, GOSYNC_MAP_COMPARE_AND_SWAP, "a", "3", "2", 1, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 1, "3");
	check(test, m, GOSYNC_MAP_COMPARE_AND_SWAP, "nope", "3", "2", 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "nope", NULL, NULL, 0, NULL);

	/* CompareAndDelete */
	check(test, m, GOSYNC_MAP_COMPARE_AND_DELETE, "a", NULL, "2", 0, NULL);
	check(test, m, GOSYNC_MAP_COMPARE_AND_DELETE, "a", NULL, "3", 1, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_COMPARE_AND_DELETE, "a", NULL, "3", 0, NULL);

	/* LoadAndDelete, Delete */
	check(test, m, GOSYNC_MAP_LOAD_AND_DELETE, "b", NULL, NULL, 1, "y");
	check(test, m, GOSYNC_MAP_LOAD_AND_DELETE, "b", NULL, NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_DELETE, "c", NULL, NULL, 1, NULL);
	check(test, m, GOSYNC_MAP_DELETE, "c", NULL, NULL, 0, NULL);
	KUNIT_EXPECT_EQ(test, map_len(m), 0);

	/* Empty values are values */
	check(test, m, GOSYNC_MAP_STORE, "e", "", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "e", NULL, NULL, 1, "");
	check(test, m, GOSYNC_MAP_COMPARE_AND_SWAP, "e", "f", "", 1, NULL);

	/* Clear */
	mop(m, GOSYNC_MAP_STORE, "g", "1", NULL);
	check(test, m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL, 2, NULL);
	KUNIT_EXPECT_EQ(test, map_len(m), 0);
	check(test, m, GOSYNC_MAP_LOAD, "e", NULL, NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_STORE, "e", "again", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "e", NULL, NULL, 1, "again");

	gs_stats_sum(m->stats, stats);
	KUNIT_EXPECT_GT(test, stats[GOSYNC_MAP_STAT_LOADS], 0);
	KUNIT_EXPECT_EQ(test, stats[GOSYNC_MAP_STAT_LOADS],
			stats[GOSYNC_MAP_STAT_HITS] + stats[GOSYNC_MAP_STAT_MISSES]);
	KUNIT_EXPECT_GT(test, stats[GOSYNC_MAP_STAT_STORES], 0);
	KUNIT_EXPECT_GT(test, stats[GOSYNC_MAP_STAT_DELETES], 0);
	gs_map_destroy(m);
}

/* A value longer than out_cap: -EOVERFLOW, out_len says how long, no effect. */
static void map_overflow_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct mres r;

	mop(m, GOSYNC_MAP_STORE, "k", "hello", NULL);
	r = mop_flags(m, GOSYNC_MAP_LOAD, "k", NULL, NULL, 0, 4);
	KUNIT_EXPECT_EQ(test, r.ret, -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, r.out_len, 5);
	KUNIT_EXPECT_FALSE(test, r.got);

	r = mop_flags(m, GOSYNC_MAP_SWAP, "k", "new", NULL, 0, 4);
	KUNIT_EXPECT_EQ(test, r.ret, -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, r.out_len, 5);
	check(test, m, GOSYNC_MAP_LOAD, "k", NULL, NULL, 1, "hello");

	r = mop_flags(m, GOSYNC_MAP_LOAD_AND_DELETE, "k", NULL, NULL, 0, 0);
	KUNIT_EXPECT_EQ(test, r.ret, -EOVERFLOW);
	check(test, m, GOSYNC_MAP_LOAD, "k", NULL, NULL, 1, "hello");

	r = mop_flags(m, GOSYNC_MAP_LOAD_OR_STORE, "k", "x", NULL, 0, 5);
	expect_out(test, &r, 1, "hello");

	/* NOVALUE: no copy, no overflow, the length is still reported */
	r = mop_flags(m, GOSYNC_MAP_LOAD, "k", NULL, NULL, GOSYNC_MAP_F_NOVALUE, 0);
	expect_out(test, &r, 1, NULL);
	KUNIT_EXPECT_EQ(test, r.out_len, 5);
	r = mop_flags(m, GOSYNC_MAP_LOAD_AND_DELETE, "k", NULL, NULL, GOSYNC_MAP_F_NOVALUE, 0);
	expect_out(test, &r, 1, NULL);
	KUNIT_EXPECT_EQ(test, map_len(m), 0);
	gs_map_destroy(m);
}

/* A Load's copy_out into a kernel buffer; @fail makes it report a fault. */
struct copy_req {
	struct gs_map_req r;
	bool fail;
	int calls;
	char buf[16];
};

static int copy_out_test_fn(struct gs_map_req *r, const void *data, u32 len)
{
	struct copy_req *c = container_of(r, struct copy_req, r);

	c->calls++;
	if (c->fail)
		return -EFAULT;
	memcpy(c->buf, data, min_t(u32, len, sizeof(c->buf)));
	return 0;
}

static int load_copy(struct gs_map *m, struct copy_req *c, const char *k, u32 cap, bool fail)
{
	*c = (struct copy_req){
		.r = { .op = GOSYNC_MAP_LOAD, .out_cap = cap, .copy_out = copy_out_test_fn,
		       .key = { .data = k, .len = strlen(k) } },
		.fail = fail,
	};
	return gs_map_do(m, &c->r);
}

/* A Load with copy_out: copied under the read side, no reference handed out. */
static void map_copy_out_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct copy_req c;
	char *big;

	mop(m, GOSYNC_MAP_STORE, "k", "hello", NULL);
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "k", 8, false), 0);
	KUNIT_EXPECT_EQ(test, c.r.result, 1);
	KUNIT_EXPECT_EQ(test, c.r.out_len, 5);
	KUNIT_EXPECT_NULL(test, c.r.out);
	KUNIT_EXPECT_EQ(test, c.calls, 1);
	KUNIT_EXPECT_STREQ(test, c.buf, "hello");

	/* Too small: EOVERFLOW with the length, nothing copied */
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "k", 4, false), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, c.r.out_len, 5);
	KUNIT_EXPECT_EQ(test, c.calls, 0);

	/* A fault: the Load is done again with a reference in r.out */
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "k", 8, true), 0);
	KUNIT_EXPECT_EQ(test, c.calls, 1);
	KUNIT_EXPECT_EQ(test, c.r.result, 1);
	KUNIT_ASSERT_NOT_NULL(test, c.r.out);
	KUNIT_EXPECT_EQ(test, c.r.out->len, 5);
	KUNIT_EXPECT_EQ(test, memcmp(c.r.out->data, "hello", 5), 0);
	gs_map_val_put(c.r.out);

	/*
	 * A big value is copied after the lock that keeps writers out (spin,
	 * rwsem): with a reference, as after a fault. Under RCU, in place.
	 */
	big = kunit_kzalloc(test, 2048, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	memset(big, 'b', 2047);
	mop(m, GOSYNC_MAP_STORE, "big", big, NULL);
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "big", 4096, false), 0);
	KUNIT_EXPECT_EQ(test, c.r.result, 1);
	KUNIT_EXPECT_EQ(test, c.r.out_len, 2047);
	if (param_backend(test) == GOSYNC_MAP_RCU) {
		KUNIT_EXPECT_EQ(test, c.calls, 1);
		KUNIT_EXPECT_NULL(test, c.r.out);
	} else {
		KUNIT_EXPECT_EQ(test, c.calls, 0);
		KUNIT_ASSERT_NOT_NULL(test, c.r.out);
		KUNIT_EXPECT_EQ(test, c.r.out->len, 2047);
		gs_map_val_put(c.r.out);
	}
	mop(m, GOSYNC_MAP_DELETE, "big", NULL, NULL);

	/* Misses: absent, deleted, cleared */
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "x", 8, false), 0);
	KUNIT_EXPECT_EQ(test, c.r.result, 0);
	KUNIT_EXPECT_EQ(test, c.calls, 0);
	mop(m, GOSYNC_MAP_DELETE, "k", NULL, NULL);
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "k", 8, false), 0);
	KUNIT_EXPECT_EQ(test, c.r.result, 0);
	KUNIT_EXPECT_EQ(test, c.calls, 0);
	mop(m, GOSYNC_MAP_STORE, "k", "v2", NULL);
	mop(m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL);
	KUNIT_EXPECT_EQ(test, load_copy(m, &c, "k", 8, false), 0);
	KUNIT_EXPECT_EQ(test, c.r.result, 0);
	KUNIT_EXPECT_EQ(test, c.calls, 0);
	gs_map_destroy(m);
}

static void map_limits_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 2, 10);
	struct mres r;

	check(test, m, GOSYNC_MAP_STORE, "a", "1", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_STORE, "b", "1", NULL, 0, NULL);
	KUNIT_EXPECT_EQ(test, mop(m, GOSYNC_MAP_STORE, "c", "1", NULL).ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, mop(m, GOSYNC_MAP_LOAD_OR_STORE, "c", "1", NULL).ret, -ENOSPC);
	/* replacing needs no new entry; bytes: a+1 + b+1 = 4 of 10 */
	check(test, m, GOSYNC_MAP_STORE, "a", "1234567", NULL, 0, NULL);
	KUNIT_EXPECT_EQ(test, mop(m, GOSYNC_MAP_STORE, "a", "12345678", NULL).ret, -ENOSPC);
	check(test, m, GOSYNC_MAP_LOAD, "a", NULL, NULL, 1, "1234567");
	r = mop(m, GOSYNC_MAP_COMPARE_AND_SWAP, "a", "12345678", "1234567");
	KUNIT_EXPECT_EQ(test, r.ret, -ENOSPC);
	check(test, m, GOSYNC_MAP_DELETE, "b", NULL, NULL, 1, NULL);
	check(test, m, GOSYNC_MAP_STORE, "c", "", NULL, 0, NULL);
	gs_map_destroy(m);

	/* 0 means the default */
	m = new_map(test, 0, 0);
	KUNIT_EXPECT_EQ(test, m->max_entries, GOSYNC_MAP_DEFAULT_ENTRIES);
	KUNIT_EXPECT_EQ(test, m->max_bytes, GOSYNC_MAP_DEFAULT_BYTES);
	gs_map_destroy(m);
}

static void map_check_op_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, gs_map_check_op(0, 0, 1, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LEN + 1, 0, 1, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, 1U << 7, 1, 0, 0, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, 0, 0, 0, 0, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, 0, GOSYNC_MAP_KEY_MAX + 1,
					      0, 0, 8), -E2BIG);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, 0, GOSYNC_MAP_KEY_MAX,
					      0, 0, 8), 0);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_STORE, 0, 1,
					      GOSYNC_MAP_VALUE_MAX + 1, 0, 0), -E2BIG);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_STORE, 0, 1,
					      GOSYNC_MAP_VALUE_MAX, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_COMPARE_AND_DELETE, 0, 1, 0,
					      GOSYNC_MAP_VALUE_MAX + 1, 0), -E2BIG);
	/* operands the op does not take */
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, 0, 1, 1, 0, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_STORE, 0, 1, 1, 0, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_DELETE, 0, 1, 0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LEN, 0, 1, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_CLEAR, 0, 0, 0, 0, 0), 0);
	/* NOVALUE only where a value comes back, and without a capacity */
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_STORE, GOSYNC_MAP_F_NOVALUE,
					      1, 1, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_LOAD, GOSYNC_MAP_F_NOVALUE,
					      1, 0, 0, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_check_op(GOSYNC_MAP_SWAP, GOSYNC_MAP_F_NOVALUE,
					      1, 1, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, gs_map_backend_valid(0));
	KUNIT_EXPECT_FALSE(test, gs_map_backend_valid(GOSYNC_MAP_RCU + 1));
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_map_create(0, 0, 0, NULL)), -EINVAL);
}

/* ---- Range ---- */

/*
 * Keys are "<c><number>": the class letter (s: stable, v: volatile, b:
 * bulk) and an index < RANGE_KEYS.
 */
#define RANGE_KEYS	4096

struct seen {
	unsigned long *s;	/* stable keys ('s') seen */
	unsigned long *v;	/* volatile keys ('v') seen */
	unsigned long *b;	/* bulk keys ('b') seen */
	int dups;		/* keys seen twice */
	int bad;		/* unparsable keys or wrong values */
};

static void seen_init(struct kunit *test, struct seen *sn)
{
	sn->s = kunit_kcalloc(test, BITS_TO_LONGS(RANGE_KEYS), sizeof(long), GFP_KERNEL);
	sn->v = kunit_kcalloc(test, BITS_TO_LONGS(RANGE_KEYS), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn->s);
	sn->b = kunit_kcalloc(test, BITS_TO_LONGS(RANGE_KEYS), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn->v);
	KUNIT_ASSERT_NOT_NULL(test, sn->b);
	sn->dups = 0;
	sn->bad = 0;
}

static void seen_add(struct seen *sn, const u8 *key, u32 len)
{
	char buf[16];
	unsigned int i;

	if (len < 2 || len >= sizeof(buf)) {
		sn->bad++;
		return;
	}
	memcpy(buf, key + 1, len - 1);
	buf[len - 1] = 0;
	if (kstrtouint(buf, 10, &i) || i >= RANGE_KEYS || !strchr("svb", key[0])) {
		sn->bad++;
		return;
	}
	if (test_and_set_bit(i, key[0] == 's' ? sn->s : key[0] == 'v' ? sn->v : sn->b))
		sn->dups++;
}

static void seen_free(struct kunit *test, struct seen *sn)
{
	kunit_kfree(test, sn->s);
	kunit_kfree(test, sn->v);
	kunit_kfree(test, sn->b);
}

/*
 * One whole Range, in pages of @page entries (as the ioctl would resume),
 * calling @between after each page. Return: entries visited.
 */
static int range_all(struct kunit *test, struct gs_map *m, struct seen *sn, int page,
		     void (*between)(struct gs_map *m, int page_no))
{
	u64 start = gs_map_range_start(m), pos = 0, seq;
	u8 *key = kunit_kmalloc(test, GOSYNC_MAP_KEY_MAX, GFP_KERNEL);
	struct gs_map_val *v;
	int n = 0, pages = 0, i;
	u32 klen;

	KUNIT_ASSERT_NOT_NULL(test, key);
	for (;;) {
		KUNIT_EXPECT_EQ(test, gs_map_range_check(m, start, pos), 0);
		for (i = 0; i < page; i++) {
			int ret = gs_map_range_next(m, start, pos, key, &klen, &v, &seq);

			if (ret == -ENOENT)
				goto done;
			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_EXPECT_GT(test, seq, pos);
			KUNIT_EXPECT_LE(test, seq, start);
			pos = seq;
			seen_add(sn, key, klen);
			gs_map_val_put(v);
			n++;
		}
		if (between)
			between(m, pages);
		pages++;
	}
done:
	kunit_kfree(test, key);
	return n;
}

static void store_key(struct gs_map *m, char c, int i, const char *val)
{
	char k[16];

	snprintf(k, sizeof(k), "%c%d", c, i);
	mop(m, GOSYNC_MAP_STORE, k, val, NULL);
}

static void delete_key(struct gs_map *m, char c, int i)
{
	char k[16];

	snprintf(k, sizeof(k), "%c%d", c, i);
	mop(m, GOSYNC_MAP_DELETE, k, NULL, NULL);
}

/* Between pages: churn every volatile key, overwrite stable ones. */
static void range_churn(struct gs_map *m, int page_no)
{
	int i;

	for (i = 0; i < 64; i++) {
		delete_key(m, 'v', i);
		store_key(m, 'v', i, "again");
		store_key(m, 's', i, "over");
	}
	store_key(m, 'v', 100 + page_no, "new");
}

static void map_range_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct seen sn;
	int i, n;

	seen_init(test, &sn);
	KUNIT_EXPECT_EQ(test, range_all(test, m, &sn, 10, NULL), 0);
	for (i = 0; i < 64; i++) {
		store_key(m, 's', i, "stable");
		store_key(m, 'v', i, "volatile");
	}
	n = range_all(test, m, &sn, 7, range_churn);
	KUNIT_EXPECT_EQ(test, sn.dups, 0);
	KUNIT_EXPECT_EQ(test, sn.bad, 0);
	/* every stable key exactly once (dups is 0), new keys never */
	KUNIT_EXPECT_EQ(test, bitmap_weight(sn.s, RANGE_KEYS), 64);
	KUNIT_EXPECT_EQ(test, find_next_bit(sn.v, RANGE_KEYS, 64), RANGE_KEYS);
	kunit_info(test, "range: %d entries, %u volatile seen\n", n,
		   bitmap_weight(sn.v, RANGE_KEYS));

	/* cursor garbage */
	KUNIT_EXPECT_EQ(test, gs_map_range_check(m, gs_map_range_start(m) + 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_range_check(m, 3, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_range_check(m, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_map_range_check(m, 0, 0), 0);
	gs_map_destroy(m);
}

/*
 * Range after a Clear whose nodes are still in the index (as while Clear
 * frees them, 64 per lock hold): only entries stored since are visited,
 * and a Range begun before the Clear visits nothing. The Clear is raised
 * by hand, as map_clear() does before it frees anything, so the dead
 * nodes stay put.
 */
#define CLEARED_KEYS	200

static void map_range_after_clear_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	u64 before, pos, seq;
	struct gs_map_val *v;
	u8 key[GOSYNC_MAP_KEY_MAX];
	unsigned long idx;
	struct seen sn;
	u32 klen;
	int i;

	for (i = 0; i < CLEARED_KEYS; i++)
		store_key(m, 'b', i, "old");
	before = gs_map_range_start(m);
	/* One Range page before the Clear: its cursor must not resume into them. */
	KUNIT_ASSERT_EQ(test, gs_map_range_next(m, before, 0, key, &klen, &v, &pos), 0);
	gs_map_val_put(v);

	KUNIT_ASSERT_EQ(test, m->ops->write_begin(m), 0);
	WRITE_ONCE(m->nr, 0);
	m->bytes = 0;
	smp_store_release(&m->cleared, m->seq);	/* as map_clear() */
	m->ops->write_end(m);
	KUNIT_EXPECT_NOT_NULL(test, xa_load(&m->index, CLEARED_KEYS / 2));

	KUNIT_EXPECT_EQ(test, gs_map_range_next(m, before, pos, key, &klen, &v, &seq),
			-ENOENT);
	for (i = 0; i < 5; i++)
		store_key(m, 's', i, "new");
	store_key(m, 'b', 7, "new");	/* drops b7's dead node */
	KUNIT_EXPECT_EQ(test, map_len(m), 6);

	seen_init(test, &sn);
	KUNIT_EXPECT_EQ(test, range_all(test, m, &sn, 4, NULL), 6);
	KUNIT_EXPECT_EQ(test, sn.dups, 0);
	KUNIT_EXPECT_EQ(test, sn.bad, 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(sn.s, RANGE_KEYS), 5);
	KUNIT_EXPECT_EQ(test, bitmap_weight(sn.b, RANGE_KEYS), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(7, sn.b));
	seen_free(test, &sn);

	/* A real Clear frees the dead nodes with the live ones. */
	check(test, m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL, 6, NULL);
	idx = 0;
	KUNIT_EXPECT_NULL(test, xa_find(&m->index, &idx, ULONG_MAX, XA_PRESENT));
	gs_map_destroy(m);
}

/* ---- model-based ---- */

#define MODEL_KEYS	8
#define MODEL_VALS	4
#define MODEL_STEPS	3000
#define MODEL_SEED	0x60517ULL

static const char *const model_vals[MODEL_VALS] = { "", "a", "bb", "ccc" };

struct model {
	bool present[MODEL_KEYS];
	int val[MODEL_KEYS];
};

/* Run op on the reference model; fill the expected result and out value. */
static void model_step(struct model *md, u32 op, int k, int v, int o, u64 *res,
		       const char **out, u32 *nr_keys)
{
	bool p = md->present[k];
	int i;

	*res = 0;
	*out = NULL;
	switch (op) {
	case GOSYNC_MAP_LOAD:
		*res = p;
		*out = p ? model_vals[md->val[k]] : NULL;
		break;
	case GOSYNC_MAP_STORE:
		md->present[k] = true;
		md->val[k] = v;
		break;
	case GOSYNC_MAP_LOAD_OR_STORE:
		*res = p;
		if (p) {
			*out = model_vals[md->val[k]];
		} else {
			md->present[k] = true;
			md->val[k] = v;
		}
		break;
	case GOSYNC_MAP_LOAD_AND_DELETE:
		*res = p;
		*out = p ? model_vals[md->val[k]] : NULL;
		md->present[k] = false;
		break;
	case GOSYNC_MAP_DELETE:
		*res = p;
		md->present[k] = false;
		break;
	case GOSYNC_MAP_SWAP:
		*res = p;
		*out = p ? model_vals[md->val[k]] : NULL;
		md->present[k] = true;
		md->val[k] = v;
		break;
	case GOSYNC_MAP_COMPARE_AND_SWAP:
		if (p && md->val[k] == o) {
			*res = 1;
			md->val[k] = v;
		}
		break;
	case GOSYNC_MAP_COMPARE_AND_DELETE:
		if (p && md->val[k] == o) {
			*res = 1;
			md->present[k] = false;
		}
		break;
	case GOSYNC_MAP_CLEAR:
		for (i = 0; i < MODEL_KEYS; i++) {
			*res += md->present[i];
			md->present[i] = false;
		}
		break;
	}
	*nr_keys = 0;
	for (i = 0; i < MODEL_KEYS; i++)
		*nr_keys += md->present[i];
}

static void map_model_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct model md = {};
	struct rnd_state rnd;
	int step, failures = 0;

	prandom_seed_state(&rnd, MODEL_SEED);
	kunit_info(test, "model: seed %#llx, %d steps\n", MODEL_SEED, MODEL_STEPS);
	for (step = 0; step < MODEL_STEPS && failures < 5; step++) {
		/* CLEAR rarely, so the map fills up between clears */
		u32 op = prandom_u32_state(&rnd) % 100 ? 1 + prandom_u32_state(&rnd) % 8 :
			 GOSYNC_MAP_CLEAR + prandom_u32_state(&rnd) % 2;
		u32 args = gs_map_operands(op), nr;
		int k = prandom_u32_state(&rnd) % MODEL_KEYS;
		int v = prandom_u32_state(&rnd) % MODEL_VALS;
		int o = prandom_u32_state(&rnd) % MODEL_VALS;
		char key[8];
		const char *want;
		struct mres r;
		u64 res;

		snprintf(key, sizeof(key), "k%d", k);
		r = mop(m, op, (args & GOSYNC_MAP_ARG_KEY) ? key : NULL,
			(args & GOSYNC_MAP_ARG_VALUE) ? model_vals[v] : NULL,
			(args & GOSYNC_MAP_ARG_OLD) ? model_vals[o] : NULL);
		model_step(&md, op, k, v, o, &res, &want, &nr);
		if (op == GOSYNC_MAP_LEN)
			res = nr;
		if (r.ret || r.result != res || r.got != !!want ||
		    (want && strcmp(r.out, want)) || map_len(m) != nr) {
			failures++;
			KUNIT_FAIL(test,
				   "step %d op %u key %s: ret %d result %llu/%llu out %s/%s len %llu/%u",
				   step, op, key, r.ret, r.result, res, r.got ? r.out : "-",
				   want ?: "-", map_len(m), nr);
		}
		/* Now and then, Range must show exactly the model's contents. */
		if (step % 500 == 0) {
			u64 start = gs_map_range_start(m), pos = 0, seq;
			struct gs_map_val *val;
			int seen = 0, i;
			u8 kb[GOSYNC_MAP_KEY_MAX];
			u32 kl;

			while (!gs_map_range_next(m, start, pos, kb, &kl, &val, &seq)) {
				pos = seq;
				i = kb[1] - '0';
				KUNIT_EXPECT_TRUE(test, kl == 2 && i >= 0 && i < MODEL_KEYS &&
						  md.present[i] &&
						  val->len == strlen(model_vals[md.val[i]]));
				seen++;
				gs_map_val_put(val);
			}
			KUNIT_EXPECT_EQ(test, seen, nr);
		}
	}
	gs_map_destroy(m);
}

/* ---- concurrency ---- */

/*
 * KASAN and lockdep find what a path does wrong the first time it runs;
 * KCSAN samples accesses, so its kernel is the one that needs many rounds.
 * Under KASAN (the debug kernel, where a map op costs ~200 us) the writers
 * run a third of theirs and the resize test half its keys: the two were a
 * third of that kernel's KUnit time.
 */
#define CONC_WRITERS	2
#define CONC_READERS	2
#define CONC_ITERS	(IS_ENABLED(CONFIG_KASAN) ? 1000 : 3000)

struct conc {
	struct gs_map *m;
	int id;
	bool *stop;		/* readers run until it is set */
	long ops;
	int errors;		/* failed ops or bad values */
	struct completion done;
};

/*
 * Writers store self-checking values: byte 0 is the writer, all others
 * equal a checksum of the writer and the length. A reader that ever sees
 * another byte saw a value nobody stored (torn or freed).
 */
static u8 conc_fill(u8 id, u32 len)
{
	return (u8)(id * 31 + len);
}

static bool conc_valid(const struct gs_map_val *v)
{
	u32 i;

	if (!v->len)
		return true;
	for (i = 1; i < v->len; i++)
		if (v->data[i] != conc_fill(v->data[0], v->len))
			return false;
	return v->data[0] < CONC_WRITERS;
}

static int conc_writer(void *arg)
{
	struct conc *c = arg;
	struct rnd_state rnd;
	int i;

	prandom_seed_state(&rnd, 1000 + c->id);
	for (i = 0; i < CONC_ITERS; i++) {
		u32 len = 1 + prandom_u32_state(&rnd) % 200;
		struct gs_map_val *v = gs_map_val_alloc(len);
		struct gs_map_req r = {};
		char key[8];

		if (!v) {
			c->errors++;
			continue;
		}
		v->data[0] = c->id;
		memset(v->data + 1, conc_fill(c->id, len), len - 1);
		snprintf(key, sizeof(key), "k%u", prandom_u32_state(&rnd) % 16);
		r.key.data = key;
		r.key.len = strlen(key);
		switch (prandom_u32_state(&rnd) % 4) {
		case 0:
			r.op = GOSYNC_MAP_DELETE;
			break;
		case 1:
			r.op = GOSYNC_MAP_SWAP;
			r.flags = GOSYNC_MAP_F_NOVALUE;
			r.val = v;
			break;
		default:
			r.op = GOSYNC_MAP_STORE;
			r.val = v;
			break;
		}
		c->errors += !!gs_map_do(c->m, &r);
		c->ops++;
		gs_map_val_put(v);
	}
	complete(&c->done);
	return 0;
}

static int conc_reader(void *arg)
{
	struct conc *c = arg;
	int i = 0;

	while (!READ_ONCE(*c->stop)) {
		struct gs_map_req r = { .op = GOSYNC_MAP_LOAD, .out_cap = 256 };
		char key[8];

		snprintf(key, sizeof(key), "k%d", i++ % 16);
		r.key.data = key;
		r.key.len = strlen(key);
		if (gs_map_do(c->m, &r)) {
			c->errors++;
		} else if (r.out) {
			c->errors += !conc_valid(r.out);
			gs_map_val_put(r.out);
		}
		c->ops++;
		if (!(i % 64))
			cond_resched();
	}
	complete(&c->done);
	return 0;
}

/* Start @n threads running @fn on c[0..n-1]; return how many started. */
static int start_threads(struct conc *c, int n, int (*fn)(void *), const char *name)
{
	int i;

	for (i = 0; i < n; i++) {
		struct task_struct *t;

		init_completion(&c[i].done);
		t = kthread_run(fn, &c[i], "gosync_%s/%d", name, i);
		if (IS_ERR(t))
			break;
	}
	return i;
}

static int wait_threads(struct conc *c, int n)
{
	int i, errors = 0;

	for (i = 0; i < n; i++) {
		wait_done(&c[i].done);
		errors += c[i].errors;
	}
	return errors;
}

static void map_concurrent_values_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct conc w[CONC_WRITERS] = {}, r[CONC_READERS] = {};
	bool stop = false;
	int nw, nr, i;
	long reads = 0;

	for (i = 0; i < CONC_WRITERS; i++) {
		w[i].m = m;
		w[i].id = i;
	}
	for (i = 0; i < CONC_READERS; i++) {
		r[i].m = m;
		r[i].stop = &stop;
	}
	nr = start_threads(r, CONC_READERS, conc_reader, "reader");
	nw = start_threads(w, CONC_WRITERS, conc_writer, "writer");
	KUNIT_EXPECT_EQ(test, wait_threads(w, nw), 0);
	WRITE_ONCE(stop, true);
	KUNIT_EXPECT_EQ(test, wait_threads(r, nr), 0);
	for (i = 0; i < nr; i++)
		reads += r[i].ops;
	kunit_info(test, "values: %ld reads during %d writes\n", reads, nw * CONC_ITERS);
	KUNIT_EXPECT_EQ(test, nw, CONC_WRITERS);
	KUNIT_EXPECT_EQ(test, nr, CONC_READERS);
	gs_map_destroy(m);
}

/* Churns volatile keys (and overwrites stable ones) until told to stop. */
static int churn_fn(void *arg)
{
	struct conc *c = arg;
	int i = 0;

	while (!READ_ONCE(*c->stop)) {
		int k = (i * 7 + c->id) % 128;

		if (i & 1)
			delete_key(c->m, 'v', k);
		else
			store_key(c->m, 'v', k, "churn");
		if (!(i % 5))
			store_key(c->m, 's', k % 64, "over");
		c->ops++;
		if (!(++i % 64))
			cond_resched();
	}
	complete(&c->done);
	return 0;
}

static void map_concurrent_range_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct conc w[CONC_WRITERS] = {};
	bool stop = false;
	int i, nw, round, dups = 0, bad = 0, wrong = 0;

	for (i = 0; i < 64; i++)
		store_key(m, 's', i, "stable");
	for (i = 0; i < CONC_WRITERS; i++) {
		w[i].m = m;
		w[i].id = i;
		w[i].stop = &stop;
	}
	nw = start_threads(w, CONC_WRITERS, churn_fn, "churn");
	for (round = 0; round < 30; round++) {
		struct seen sn;

		seen_init(test, &sn);
		range_all(test, m, &sn, 5, NULL);
		dups += sn.dups;
		bad += sn.bad;
		wrong += bitmap_weight(sn.s, RANGE_KEYS) != 64;
		seen_free(test, &sn);
	}
	WRITE_ONCE(stop, true);
	KUNIT_EXPECT_EQ(test, wait_threads(w, nw), 0);
	KUNIT_EXPECT_EQ(test, nw, CONC_WRITERS);
	KUNIT_EXPECT_EQ(test, dups, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	gs_map_destroy(m);
}

/* Looks up the stable keys until told to stop; a miss is an error. */
static int lookup_fn(void *arg)
{
	struct conc *c = arg;
	int i = 0;

	while (!READ_ONCE(*c->stop)) {
		char key[8];
		struct mres r;

		snprintf(key, sizeof(key), "s%d", i++ % 64);
		r = mop(c->m, GOSYNC_MAP_LOAD, key, NULL, NULL);
		c->errors += r.ret || r.result != 1 || strcmp(r.out, "stable");
		c->ops++;
		if (!(i % 64))
			cond_resched();
	}
	complete(&c->done);
	return 0;
}

#define RESIZE_KEYS	(IS_ENABLED(CONFIG_KASAN) ? 1024 : 2048)	/* see CONC_ITERS */

/* Between Range pages: delete a quarter of the bulk keys, forcing shrinks. */
static void resize_delete_page(struct gs_map *m, int page_no)
{
	int i;

	for (i = page_no * RESIZE_KEYS / 4; i < (page_no + 1) * RESIZE_KEYS / 4 &&
	     i < RESIZE_KEYS; i++)
		delete_key(m, 'b', i);
}

/*
 * Grow the table well past its size and shrink it back, twice, while
 * readers look up keys present throughout and Ranges run: nothing is lost,
 * and Range still sees each stable key exactly once.
 */
static void map_resize_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct conc r[CONC_READERS] = {};
	u64 stats[GOSYNC_NR_STATS] = {};
	bool stop = false;
	int i, round, nr, dups = 0, wrong = 0;
	long lookups = 0;

	for (i = 0; i < 64; i++)
		store_key(m, 's', i, "stable");
	for (i = 0; i < CONC_READERS; i++) {
		r[i].m = m;
		r[i].stop = &stop;
	}
	nr = start_threads(r, CONC_READERS, lookup_fn, "lookup");
	for (round = 0; round < 2; round++) {
		struct seen sn;

		for (i = 0; i < RESIZE_KEYS; i++) {
			char k[16];

			snprintf(k, sizeof(k), "b%d", i);
			mop(m, GOSYNC_MAP_STORE, k, "bulk", NULL);
			if (i % (RESIZE_KEYS / 4) == 0) {
				/* a Range across the growth so far */
				seen_init(test, &sn);
				range_all(test, m, &sn, 64, NULL);
				dups += sn.dups;
				wrong += sn.bad || bitmap_weight(sn.s, RANGE_KEYS) != 64;
				seen_free(test, &sn);
			}
		}
		/* one Range across the shrinking, paged, deleting between pages */
		seen_init(test, &sn);
		range_all(test, m, &sn, 256, resize_delete_page);
		for (i = 0; i < RESIZE_KEYS; i++) {
			char k[16];

			snprintf(k, sizeof(k), "b%d", i);
			mop(m, GOSYNC_MAP_DELETE, k, NULL, NULL);
		}
		dups += sn.dups;
		wrong += sn.bad || bitmap_weight(sn.s, RANGE_KEYS) != 64;
		seen_free(test, &sn);
		/* let rhashtable's deferred shrink run while readers look up */
		msleep(50);
	}
	WRITE_ONCE(stop, true);
	KUNIT_EXPECT_EQ(test, wait_threads(r, nr), 0);
	KUNIT_EXPECT_EQ(test, nr, CONC_READERS);
	KUNIT_EXPECT_EQ(test, dups, 0);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ(test, map_len(m), 64);
	for (i = 0; i < nr; i++)
		lookups += r[i].ops;
	gs_stats_sum(m->stats, stats);
	KUNIT_EXPECT_GT(test, stats[GOSYNC_MAP_STAT_RESIZES], 0);
	kunit_info(test, "resize: %llu resizes seen, %ld lookups, no misses\n",
		   stats[GOSYNC_MAP_STAT_RESIZES], lookups);
	gs_map_destroy(m);
}

/*
 * An insert that fails in the backend (rhashtable_insert_fast() can: a
 * GFP_ATOMIC table allocation during a rehash) must not have shown its node
 * to anyone, because the writer frees it at once. A reader kthread looks the
 * new node's seq up in the Range index, under RCU as a lock-free Range does,
 * at the moment the backend's insert runs, and reads it after the writer
 * has given up. With the node published in the index before the insert (the
 * old order) the reader found it and KASAN reported the read of freed
 * memory; now the slot is only reserved until the insert has succeeded.
 */
struct insert_fail {
	struct gs_map *m;
	u64 seq;		/* the seq the failing Store's node gets */
	atomic_t ready;		/* the reader runs */
	atomic_t in_insert;	/* the writer is in the backend's insert */
	atomic_t looked;	/* the reader has looked the slot up */
	atomic_t writer_done;	/* the Store has returned */
	bool saw_node;		/* the reader found the node in the index */
	u32 key_len_seen;
	struct completion done;
};

static struct insert_fail *insert_fail_ctx;

/*
 * Spin (the write lock may be a spinlock) until @flag is set, at most 30 s:
 * a liveness bound, not a timing one (a slow vCPU only waits).
 */
static bool spin_until(atomic_t *flag)
{
	ktime_t end = ktime_add_ms(ktime_get(), 30000);

	while (!atomic_read(flag)) {
		if (ktime_after(ktime_get(), end))
			return false;
		cpu_relax();
	}
	return true;
}

static int failing_insert(struct gs_map *m, struct gs_map_node *n)
{
	atomic_set(&insert_fail_ctx->in_insert, 1);
	spin_until(&insert_fail_ctx->looked);
	return -ENOMEM;
}

static int insert_fail_reader(void *arg)
{
	struct insert_fail *f = arg;
	struct gs_map_node *n;

	atomic_set(&f->ready, 1);
	if (spin_until(&f->in_insert)) {
		rcu_read_lock();
		n = xa_load(&f->m->index, f->seq);
		atomic_set(&f->looked, 1);
		if (n) {
			f->saw_node = true;
			spin_until(&f->writer_done);
			/* the old order: a read of freed memory, which KASAN reports */
			f->key_len_seen = READ_ONCE(n->key_len);
		}
		rcu_read_unlock();
	}
	complete(&f->done);
	return 0;
}

static void map_insert_fail_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	const struct gs_map_backend_ops *real = m->ops;
	struct gs_map_backend_ops ops = *real;
	struct insert_fail f = { .m = m };
	struct task_struct *t;
	struct mres r;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs: the writer spins while the reader looks");
	ops.insert = failing_insert;
	m->ops = &ops;
	f.seq = m->seq + 1;
	init_completion(&f.done);
	insert_fail_ctx = &f;
	t = kthread_run(insert_fail_reader, &f, "gosync_insfail");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	spin_until(&f.ready);

	r = mop(m, GOSYNC_MAP_STORE, "doomed", "v", NULL);
	atomic_set(&f.writer_done, 1);
	wait_done(&f.done);
	m->ops = real;

	KUNIT_EXPECT_EQ(test, r.ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.looked), 1);
	KUNIT_EXPECT_FALSE(test, f.saw_node);
	KUNIT_EXPECT_EQ(test, map_len(m), 0);
	check(test, m, GOSYNC_MAP_LOAD, "doomed", NULL, NULL, 0, NULL);
	/* The map still works, and the failed seq was never used. */
	check(test, m, GOSYNC_MAP_STORE, "doomed", "w", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "doomed", NULL, NULL, 1, "w");
	gs_map_destroy(m);
}

/*
 * Clear is one step for every observer: while a big map is cleared, a
 * kthread's Len returns the full count or 0 and nothing in between, and once
 * it has returned 0 neither its Loads nor its Ranges find an entry (nothing
 * is stored meanwhile).
 */
#define CLEAR_ENTRIES	4000

struct clear_watch {
	struct gs_map *m;
	bool *stop;
	long lens, full, empty, bad_len, after_empty_hits;
	struct completion done;
};

static int clear_watcher(void *arg)
{
	struct clear_watch *c = arg;
	bool empty = false;
	int i = 0;

	while (!READ_ONCE(*c->stop)) {
		struct gs_map_req r = { .op = GOSYNC_MAP_LEN };
		char key[16];

		gs_map_do(c->m, &r);
		c->lens++;
		if (r.result == CLEAR_ENTRIES)
			c->full++;
		else if (!r.result)
			c->empty++;
		else
			c->bad_len++;
		empty |= !r.result;

		snprintf(key, sizeof(key), "c%d", i++ % CLEAR_ENTRIES);
		r = (struct gs_map_req){ .op = GOSYNC_MAP_LOAD, .flags = GOSYNC_MAP_F_NOVALUE };
		r.key.data = key;
		r.key.len = strlen(key);
		gs_map_do(c->m, &r);
		if (empty && r.result)
			c->after_empty_hits++;
		if (empty) {
			u64 start = gs_map_range_start(c->m), seq;
			struct gs_map_val *v;
			u8 kb[GOSYNC_MAP_KEY_MAX];
			u32 kl;

			if (!gs_map_range_next(c->m, start, 0, kb, &kl, &v, &seq)) {
				c->after_empty_hits++;
				gs_map_val_put(v);
			}
		}
		cond_resched();
	}
	complete(&c->done);
	return 0;
}

/* Wait until the watcher's count @n reaches @want, at most 30 s (liveness) */
static bool watch_reaches(long *n, long want)
{
	unsigned int ms;

	for (ms = 0; READ_ONCE(*n) < want; ms++) {
		if (ms == 30000)
			return false;
		usleep_range(1000, 1100);
	}
	return true;
}

static void map_clear_atomic_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct clear_watch c = { .m = m };
	bool stop = false;
	struct mres r;
	int i;

	for (i = 0; i < CLEAR_ENTRIES; i++) {
		char key[16];

		snprintf(key, sizeof(key), "c%d", i);
		check(test, m, GOSYNC_MAP_STORE, key, "v", NULL, 0, NULL);
	}
	c.stop = &stop;
	init_completion(&c.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(clear_watcher, &c, "gosync_clearw")));
	/*
	 * Let the watcher see the full map before the Clear, and the empty one
	 * many times after. Bounded: the watcher uses @c on this stack, so it
	 * is stopped before the test ends, whatever happened.
	 */
	KUNIT_EXPECT_TRUE(test, watch_reaches(&c.full, 1));
	r = mop(m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL);
	KUNIT_EXPECT_TRUE(test, watch_reaches(&c.empty, 100));
	WRITE_ONCE(stop, true);
	wait_done(&c.done);

	KUNIT_EXPECT_EQ(test, r.ret, 0);
	KUNIT_EXPECT_EQ(test, r.result, (u64)CLEAR_ENTRIES);
	KUNIT_EXPECT_EQ(test, c.bad_len, 0);
	KUNIT_EXPECT_EQ(test, c.after_empty_hits, 0);
	KUNIT_EXPECT_EQ(test, map_len(m), 0);
	kunit_info(test, "clear: %ld Lens (%ld full, %ld empty), none in between\n",
		   c.lens, c.full, c.empty);
	/* Keys come back as new entries. */
	check(test, m, GOSYNC_MAP_STORE, "c1", "w", NULL, 0, NULL);
	check(test, m, GOSYNC_MAP_LOAD, "c1", NULL, NULL, 1, "w");
	KUNIT_EXPECT_EQ(test, map_len(m), 1);
	gs_map_destroy(m);
}

/* A map owned by user @uid, whose per-user limits apply to it (no CAP_SYS_RESOURCE) */
struct charged_map {
	const struct cred *old;
	struct cred *cred;
	struct gs_user *user;
	struct gs_map *m;
};

static void charged_map_start(struct kunit *test, struct charged_map *f, u32 uid)
{
	f->cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, f->cred);
	f->cred->fsuid = KUIDT_INIT(uid);
	cap_lower(f->cred->cap_effective, CAP_SYS_RESOURCE);
	f->old = override_creds(f->cred);
	f->user = gs_user_get_current();
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->user));
	f->m = gs_map_create(param_backend(test), 0, 0, f->user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->m));
}

/* Destroy the map: its user must have been given every byte back. */
static void charged_map_end(struct kunit *test, struct charged_map *f)
{
	unsigned long bytes;
	unsigned int objects;

	gs_map_destroy(f->m);
	gs_user_usage(f->user, &objects, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, 0UL);
	gs_user_put(f->user);
	revert_creds(f->old);
	put_cred(f->cred);
}

/*
 * Entries are charged to the map's user at what they really cost (node,
 * value, index slot, table share: well over the key and value bytes), the
 * per-user limit stops Stores with ENOSPC while Delete still works, and
 * Clear and destroy give everything back.
 */
static void map_charge_test(struct kunit *test)
{
	unsigned long saved = gs_max_bytes_per_user, base, bytes, per_entry;
	struct charged_map f;
	struct gs_user *user;
	struct gs_map *m;
	unsigned int objects;
	struct mres r;
	int i, stored;

	charged_map_start(test, &f, 4343);
	user = f.user;
	m = f.m;
	gs_user_usage(user, &objects, &base);

	check(test, m, GOSYNC_MAP_STORE, "k0", "", NULL, 0, NULL);
	gs_user_usage(user, &objects, &bytes);
	per_entry = bytes - base;
	/* A 2-byte key and an empty value cost far more than 2 bytes... */
	KUNIT_EXPECT_GE(test, per_entry,
			sizeof(struct gs_map_node) + sizeof(struct gs_map_val));
	/* ...and a Store that replaces the value changes nothing but the value. */
	check(test, m, GOSYNC_MAP_STORE, "k0", "", NULL, 0, NULL);
	gs_user_usage(user, &objects, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, base + per_entry);
	check(test, m, GOSYNC_MAP_DELETE, "k0", NULL, NULL, 1, NULL);
	gs_user_usage(user, &objects, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, base);

	/* Room for 10 such entries (and no table growth: 16 buckets) */
	gs_max_bytes_per_user = base + 10 * per_entry + per_entry / 2;
	for (stored = 0, i = 0; i < 20; i++) {
		char key[8];

		/* k0..k9 are new, then replaced: a replacement needs no more room */
		snprintf(key, sizeof(key), "k%d", i % 10);
		r = mop(m, GOSYNC_MAP_STORE, key, "", NULL);
		if (!r.ret)
			stored++;
		if (i < 10)
			continue;
		snprintf(key, sizeof(key), "x%d", i);
		r = mop(m, GOSYNC_MAP_STORE, key, "", NULL);
		if (r.ret != -ENOSPC)
			stored += 100;	/* an 11th entry: must not fit */
	}
	KUNIT_EXPECT_EQ(test, stored, 20);	/* k0..k9, then 10 replacements */
	KUNIT_EXPECT_EQ(test, map_len(m), 10);
	/* Delete always works, and frees room. */
	check(test, m, GOSYNC_MAP_DELETE, "k3", NULL, NULL, 1, NULL);
	check(test, m, GOSYNC_MAP_STORE, "y", "", NULL, 0, NULL);
	gs_max_bytes_per_user = saved;

	check(test, m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL, 10, NULL);
	gs_user_usage(user, &objects, &bytes);
	KUNIT_EXPECT_EQ(test, bytes, base);
	charged_map_end(test, &f);
}

/*
 * A locked table that cannot double (here the per-user limit leaves room
 * for each entry but not for the bigger bucket array) takes new keys up to
 * load factor 4, then refuses them with ENOSPC rather than let its chains
 * grow; replacing a value still works, and new keys fit again once the
 * table can grow.
 */
static void map_grow_fail_test(struct kunit *test)
{
	unsigned long saved = gs_max_bytes_per_user, bytes, per_entry;
	struct charged_map f;
	struct gs_user *user;
	struct gs_map *m;
	unsigned int objects;
	char key[8];
	int i, stored = 0;

	if (param_backend(test) == GOSYNC_MAP_RCU)
		kunit_skip(test, "rhashtable grows by itself");
	charged_map_start(test, &f, 4344);
	user = f.user;
	m = f.m;
	gs_user_usage(user, &objects, &per_entry);
	check(test, m, GOSYNC_MAP_STORE, "g0", "", NULL, 0, NULL);
	gs_user_usage(user, &objects, &bytes);
	per_entry = bytes - per_entry;
	/* Doubling 16 buckets to 32 costs 256 bytes: more than an entry. */
	KUNIT_EXPECT_LT(test, per_entry, 256UL);

	/* 16 keys fill the table; each after that fails to double it. */
	for (i = 1; i < 64; i++) {
		gs_user_usage(user, &objects, &bytes);
		gs_max_bytes_per_user = bytes + per_entry;
		snprintf(key, sizeof(key), "g%d", i);
		if (!mop(m, GOSYNC_MAP_STORE, key, "", NULL).ret)
			stored++;
	}
	KUNIT_EXPECT_EQ(test, stored, 63);
	KUNIT_EXPECT_EQ(test, m->locked.shift, 4U);
	gs_user_usage(user, &objects, &bytes);
	gs_max_bytes_per_user = bytes + per_entry;
	/* 64 entries in 16 buckets: the entry would fit, the table will not. */
	KUNIT_EXPECT_EQ(test, mop(m, GOSYNC_MAP_STORE, "g64", "", NULL).ret, -ENOSPC);
	check(test, m, GOSYNC_MAP_STORE, "g1", "", NULL, 0, NULL);
	KUNIT_EXPECT_EQ(test, map_len(m), 64);

	gs_max_bytes_per_user = saved;
	check(test, m, GOSYNC_MAP_STORE, "g64", "", NULL, 0, NULL);
	KUNIT_EXPECT_GT(test, m->locked.shift, 4U);

	check(test, m, GOSYNC_MAP_CLEAR, NULL, NULL, NULL, 65, NULL);
	charged_map_end(test, &f);
}

/* The longest chain of @m's locked table, old array (unmoved buckets) included */
static unsigned int longest_chain(struct gs_map *m)
{
	unsigned int i, len, most = 0;
	struct gs_map_node *n;

	m->ops->write_begin_nointr(m);
	for (i = 0; i < (1U << m->locked.shift); i++) {
		len = 0;
		hlist_for_each_entry(n, &m->locked.buckets[i], hnode)
			len++;
		most = max(most, len);
	}
	for (i = m->locked.migrated; m->locked.old && i < (1U << m->locked.old_shift); i++) {
		len = 0;
		hlist_for_each_entry(n, &m->locked.old[i], hnode)
			len++;
		most = max(most, len);
	}
	m->ops->write_end(m);
	return most;
}

/*
 * A doubling whose mover is kept off the CPU (stopped halfway here) does
 * not let the chains grow: once past the load limit of the old array,
 * each new key moves buckets first, and the doubling ends without its
 * mover. New keys once all went into the unmoved old buckets, 16 of them
 * holding every key (chains of 100 here).
 */
static void map_grow_stalled_test(struct kunit *test)
{
	struct gs_map *m;
	struct hlist_head *ob;
	unsigned int longest;
	char key[8];
	int i;

	if (param_backend(test) == GOSYNC_MAP_RCU)
		kunit_skip(test, "rhashtable grows by itself");
	m = new_map(test, 0, 0);
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		check(test, m, GOSYNC_MAP_STORE, key, "", NULL, 0, NULL);
	}
	KUNIT_ASSERT_EQ(test, m->locked.shift, 4U);
	ob = gs_map_locked_grow_start(m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ob);
	for (; i < 1600; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		check(test, m, GOSYNC_MAP_STORE, key, "", NULL, 0, NULL);
	}
	longest = longest_chain(m);
	KUNIT_EXPECT_PTR_NE_MSG(test, READ_ONCE(m->locked.old), ob,
				"the stalled doubling never ended");
	gs_map_locked_grow_finish(m, ob, 4);
	KUNIT_EXPECT_LT_MSG(test, longest, 40U, "chains grew to %u under a stalled doubling",
			    longest);
	KUNIT_EXPECT_EQ(test, map_len(m), 1600);
	check(test, m, GOSYNC_MAP_LOAD, "s1599", NULL, NULL, 1, "");
	gs_map_destroy(m);
}

/*
 * A LoadOrStore past the per-user limit is retried once its caller proves
 * CAP_SYS_RESOURCE: it still counts as one load (one miss), not one per try.
 */
static void map_exempt_load_once_test(struct kunit *test)
{
	unsigned long saved = gs_max_bytes_per_user, bytes;
	u64 stats[GOSYNC_NR_STATS] = {};
	const struct cred *old;
	struct gs_user *user;
	struct cred *cred;
	struct gs_map *m;
	unsigned int objects;

	if (!capable(CAP_SYS_RESOURCE))
		kunit_skip(test, "needs CAP_SYS_RESOURCE");
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->fsuid = KUIDT_INIT(4345);
	old = override_creds(cred);
	user = gs_user_get_current();
	KUNIT_ASSERT_FALSE(test, IS_ERR(user));
	m = gs_map_create(param_backend(test), 0, 0, user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(m));
	gs_user_usage(user, &objects, &bytes);
	gs_max_bytes_per_user = bytes;	/* no room: only the exempt retry fits */
	check(test, m, GOSYNC_MAP_LOAD_OR_STORE, "k", "v", NULL, 0, NULL);
	gs_max_bytes_per_user = saved;
	gs_stats_sum(m->stats, stats);
	KUNIT_EXPECT_EQ(test, stats[GOSYNC_MAP_STAT_LOADS], 1ULL);
	KUNIT_EXPECT_EQ(test, stats[GOSYNC_MAP_STAT_MISSES], 1ULL);
	KUNIT_EXPECT_EQ(test, stats[GOSYNC_MAP_STAT_STORES], 1ULL);
	gs_map_destroy(m);
	gs_user_put(user);
	revert_creds(old);
	put_cred(cred);
}

/*
 * A Swap that found the key but could not store (max_bytes): nothing was
 * swapped, so it reports nothing found (result 0, no out_len), as a refused
 * CompareAndSwap does.
 */
static void map_swap_refused_test(struct kunit *test)
{
	u64 stats[GOSYNC_NR_STATS] = {};
	struct gs_map *m = new_map(test, 0, 4);
	struct mres r;

	check(test, m, GOSYNC_MAP_STORE, "k", "a", NULL, 0, NULL);
	r = mop(m, GOSYNC_MAP_SWAP, "k", "abcdef", NULL);
	KUNIT_EXPECT_EQ(test, r.ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, r.result, 0);
	KUNIT_EXPECT_EQ(test, r.out_len, 0);
	KUNIT_EXPECT_FALSE(test, r.got);
	gs_stats_sum(m->stats, stats);			/* nor counted as a load */
	KUNIT_EXPECT_EQ(test, stats[GOSYNC_MAP_STAT_LOADS], 0ULL);
	r = mop(m, GOSYNC_MAP_COMPARE_AND_SWAP, "k", "abcdef", "a");
	KUNIT_EXPECT_EQ(test, r.ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, r.result, 0);
	check(test, m, GOSYNC_MAP_LOAD, "k", NULL, NULL, 1, "a");
	gs_map_destroy(m);
}

#define SEQ_KEYS	4000

struct seq_writer {
	struct gs_map *m;
	int errors;
	struct completion done;
};

static int seq_writer_fn(void *arg)
{
	struct seq_writer *w = arg;
	char key[8];
	int i;

	for (i = 0; i < SEQ_KEYS; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		w->errors += mop(w->m, GOSYNC_MAP_STORE, key, "v", NULL).ret != 0;
		if (!(i % 64))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

/*
 * A Range begun after a Load found a key visits that key: the Store made
 * it present before the Range began. Key i of a fresh map has seq i + 1, so
 * a Range's start read after the Load must be at least that. A writer
 * stores keys in order while this thread Loads each as soon as it appears
 * (rcu: the Load takes no lock, so only the store's ordering of seq before
 * value makes this hold; this races the two, it cannot force the window).
 */
static void map_load_then_range_test(struct kunit *test)
{
	struct gs_map *m = new_map(test, 0, 0);
	struct seq_writer w = { .m = m };
	struct task_struct *t;
	int i, misses = 0;
	char key[8];

	init_completion(&w.done);
	t = kthread_run(seq_writer_fn, &w, "gosync_seqw");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < SEQ_KEYS; i++) {
		unsigned long spins = 0;

		snprintf(key, sizeof(key), "s%d", i);
		while (!mop(m, GOSYNC_MAP_LOAD, key, NULL, NULL).result) {
			if (!(++spins % 64))
				cond_resched();
			if (completion_done(&w.done) && spins > 64)
				break;
		}
		misses += gs_map_range_start(m) < (u64)i + 1;
	}
	wait_done(&w.done);
	KUNIT_EXPECT_EQ(test, w.errors, 0);
	KUNIT_EXPECT_EQ_MSG(test, misses, 0, "a Range after a Load would miss its key");
	KUNIT_EXPECT_EQ(test, map_len(m), SEQ_KEYS);
	gs_map_destroy(m);
}

static struct kunit_case gs_map_cases[] = {
	KUNIT_CASE_PARAM(map_ops_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_exempt_load_once_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_overflow_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_copy_out_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_limits_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_check_op_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_range_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_range_after_clear_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_model_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_concurrent_values_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_concurrent_range_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_resize_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_insert_fail_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_clear_atomic_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_charge_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_grow_fail_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_grow_stalled_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_swap_refused_test, all_backends_gen_params),
	KUNIT_CASE_PARAM(map_load_then_range_test, all_backends_gen_params),
	{}
};

static struct kunit_suite gs_map_suite = {
	.name = "gosync_map",
	.test_cases = gs_map_cases,
};

kunit_test_suite(gs_map_suite);
