// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: a linearizability checker. Four workers (2 processes x 2 threads)
 * run random ops on one counter (every mode) or one map (every backend),
 * each op logged with its invoke and return time (CLOCK_MONOTONIC, in a
 * MAP_SHARED log). Each history is checked against a sequential model with
 * the Wing-Gong search as Lowe improved it (WGL): linearize ops one at a
 * time in any order real time allows, backtrack on a model mismatch, and
 * never revisit a (set of linearized ops, model state) pair.
 *
 *  - exact counter modes (atomic, spinlock, mutex, rwsem) and every map
 *    backend: every history must be linearizable; so must a mapped atomic
 *    counter (GOSYNC_CREATE_MAPPED), half its workers on libgosync's fast
 *    path (atomics on the shared word), half on the ioctl;
 *  - racy: the checker must find a non-linearizable history, or it proves
 *    nothing;
 *  - percpu: only what docs/uapi.md promises (see check_percpu());
 *  - maps: the workload leans on Clear and Len racing Load, Store and
 *    Delete; the test fails unless Len and Clear each overlapped both a
 *    Load and a Store.
 *
 * Some ops yield inside their interval (see worker()), so ops overlap even
 * on one CPU. How many overlapped with neither yielding (ops that really
 * ran in parallel) is reported, not required: a loaded host may run a
 * guest's vCPUs one at a time.
 *
 * A history whose search runs out of steps is "undecided", never a pass;
 * more than a tenth of them fails the test. No timing thresholds: times are
 * only the history. A non-linearizable history is printed as a witness,
 * shrunk to the ops it needs. The seed fixes the ops, not their timing.
 *
 * Usage: linearize [--quick] [--histories N] [--ops N] [--seed S] [--only NAME]
 *                  [--no-clear]
 *   --quick (or GOSYNC_LIN_QUICK=1): a quarter of the histories; the
 *     default on a debug kernel (lockdep or KCSAN), unless GOSYNC_LIN_QUICK=0
 *   --histories N: histories per counter mode / map backend (default 400)
 *   --ops N: ops per worker per history (default 16, at most 24)
 *   --only NAME: one config: counter-racy, counter-atomic, ..., map-rcu
 *   --no-clear: maps run Len, Load, Delete and Store only, to hunt for Lens
 *     that disagree with a Load racing a Delete (rare under TCG: run
 *     thousands of histories)
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "tap.h"

#define NPROCS		2
#define NTHREADS	2			/* per process */
#define NWORKERS	(NPROCS * NTHREADS)
#define MAX_WOPS	24			/* random ops per worker */
#define SLOT		(MAX_WOPS + 8)		/* log slots per worker */
#define MAX_OPS		(NWORKERS * SLOT)	/* per history, <= 128 */
#define MAX_STEPS	200000			/* search steps per history */
#define RACY_DELAY_NS	50000			/* racy mode's read-write window */

/* Maps: hot keys "a", "b", "c" with 1-byte values '1'..'7' */
#define NKEYS		3
#define NVALS		7
/*
 * ... and NBALLAST keys the ops never name: stored before each history so
 * that its first Clear has a long way to go, deleting entry by entry.
 */
#define NBALLAST	5

static int dev;
static bool no_clear;		/* --no-clear: maps without Clear */
static int ncpus;		/* CPUs we may run on: 1, and no op runs in parallel */

/* ---- histories ---- */

enum lin_kind {
	C_ADD, C_LOAD, C_STORE, C_SWAP, C_CAS, C_RESET,
	M_LOAD, M_STORE, M_LOAD_OR_STORE, M_LOAD_AND_DELETE, M_DELETE,
	M_SWAP, M_CAS, M_CAD, M_CLEAR, M_LEN,
};

static const char *const kind_names[] = {
	[C_ADD] = "Add", [C_LOAD] = "Load", [C_STORE] = "Store",
	[C_SWAP] = "Swap", [C_CAS] = "CAS", [C_RESET] = "Reset",
	[M_LOAD] = "Load", [M_STORE] = "Store", [M_LOAD_OR_STORE] = "LoadOrStore",
	[M_LOAD_AND_DELETE] = "LoadAndDelete", [M_DELETE] = "Delete",
	[M_SWAP] = "Swap", [M_CAS] = "CompareAndSwap",
	[M_CAD] = "CompareAndDelete", [M_CLEAR] = "Clear", [M_LEN] = "Len",
};

/*
 * One op. Counter: arg = delta or value, arg2 = CAS's expected, res = the
 * kernel's result. Map: key 0..NKEYS-1, arg = value, arg2 = comparand
 * (values 1..NVALS), res = the op's result (present, swapped, count), res2 =
 * the value it returned (0: none).
 */
struct lin_op {
	int64_t inv, ret;	/* CLOCK_MONOTONIC ns around the call */
	int64_t arg, arg2;
	int64_t res, res2;
	int err;		/* errno if the call failed (a test failure) */
	uint8_t kind, worker, key;
	bool yield;		/* yields inside its interval: see worker() */
};

struct history {
	int64_t init;			/* model state before the first op */
	int setup_err;			/* errno of a failed setup call */
	int n[NWORKERS];		/* ops logged per worker */
	struct lin_op ops[NWORKERS][SLOT];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* xorshift64*: one stream per worker and history */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL) >> 11;
}

/* ---- sequential models ---- */

/*
 * A model applies @o to @state: the results the op must have returned
 * (*res, *res2) and the state after it.
 */
typedef void (*apply_fn)(const struct lin_op *o, int64_t state, int64_t *res,
			 int64_t *res2, int64_t *next);

/* A counter's state is its value. */
static void counter_apply(const struct lin_op *o, int64_t v, int64_t *res,
			  int64_t *res2, int64_t *next)
{
	*res2 = 0;
	*next = v;
	switch (o->kind) {
	case C_ADD:
		*next = (int64_t)((uint64_t)v + (uint64_t)o->arg);
		*res = *next;
		break;
	case C_LOAD:
		*res = v;
		break;
	case C_STORE:
		*res = 0;
		*next = o->arg;
		break;
	case C_SWAP:
		*res = v;
		*next = o->arg;
		break;
	case C_CAS:		/* arg = new, arg2 = expected; result: the old value */
		*res = v;
		if (v == o->arg2)
			*next = o->arg;
		break;
	case C_RESET:
		*res = v;
		*next = 0;
		break;
	}
}

/*
 * A map's state: 3 bits per hot key (0: absent, else its value) and bit
 * 3 * NKEYS: the ballast keys are present (all of them or none: only Clear
 * removes them).
 */
#define BALLAST_BIT	(1LL << (3 * NKEYS))

static int key_val(int64_t s, int k)
{
	return (int)(s >> (3 * k)) & 7;
}

static int64_t key_set(int64_t s, int k, int v)
{
	return (s & ~(7LL << (3 * k))) | ((int64_t)v << (3 * k));
}

static int map_len(int64_t s)
{
	int n = s & BALLAST_BIT ? NBALLAST : 0;

	for (int k = 0; k < NKEYS; k++)
		n += key_val(s, k) != 0;
	return n;
}

static void map_apply(const struct lin_op *o, int64_t s, int64_t *res,
		      int64_t *res2, int64_t *next)
{
	int cur = key_val(s, o->key);

	*res = 0;
	*res2 = 0;
	*next = s;
	switch (o->kind) {
	case M_LOAD:
		*res = cur != 0;
		*res2 = cur;
		break;
	case M_STORE:
		*next = key_set(s, o->key, (int)o->arg);
		break;
	case M_LOAD_OR_STORE:
		*res = cur != 0;
		*res2 = cur;
		if (!cur)
			*next = key_set(s, o->key, (int)o->arg);
		break;
	case M_LOAD_AND_DELETE:
		*res = cur != 0;
		*res2 = cur;
		*next = key_set(s, o->key, 0);
		break;
	case M_DELETE:
		*res = cur != 0;
		*next = key_set(s, o->key, 0);
		break;
	case M_SWAP:
		*res = cur != 0;
		*res2 = cur;
		*next = key_set(s, o->key, (int)o->arg);
		break;
	case M_CAS:		/* an absent key never equals a comparand */
		*res = cur && cur == o->arg2;
		if (*res)
			*next = key_set(s, o->key, (int)o->arg);
		break;
	case M_CAD:
		*res = cur && cur == o->arg2;
		if (*res)
			*next = key_set(s, o->key, 0);
		break;
	case M_CLEAR:
		*res = map_len(s);
		*next = 0;
		break;
	case M_LEN:
		*res = map_len(s);
		break;
	}
}

/* Does @o, taking effect in @state, return what it returned? */
static bool model_step(apply_fn apply, const struct lin_op *o, int64_t state,
		       int64_t *next)
{
	int64_t res, res2;

	apply(o, state, &res, &res2, next);
	return res == o->res && res2 == o->res2;
}

/* ---- printing ops and states, for witnesses ---- */

static const char *key_name(int k)
{
	static const char *const names[NKEYS] = { "a", "b", "c" };

	return names[k];
}

/* "Add(3)=12", "Load(a)=miss", "CompareAndSwap(b,2->5)=1", "Len=4" */
static void fmt_op(char *buf, size_t cap, const struct lin_op *o, int64_t res,
		   int64_t res2)
{
	const char *n = kind_names[o->kind];
	const char *k = o->kind >= M_LOAD ? key_name(o->key) : "";

	switch (o->kind) {
	case C_ADD: case C_STORE: case C_SWAP:
		snprintf(buf, cap, "%s(%" PRId64 ")", n, o->arg);
		break;
	case C_CAS:
		snprintf(buf, cap, "%s(%" PRId64 "->%" PRId64 ")", n, o->arg2, o->arg);
		break;
	case M_STORE: case M_LOAD_OR_STORE: case M_SWAP:
		snprintf(buf, cap, "%s(%s,%" PRId64 ")", n, k, o->arg);
		break;
	case M_CAS:
		snprintf(buf, cap, "%s(%s,%" PRId64 "->%" PRId64 ")", n, k, o->arg2, o->arg);
		break;
	case M_CAD:
		snprintf(buf, cap, "%s(%s,%" PRId64 ")", n, k, o->arg2);
		break;
	case M_LOAD: case M_LOAD_AND_DELETE: case M_DELETE:
		snprintf(buf, cap, "%s(%s)", n, k);
		break;
	default:
		snprintf(buf, cap, "%s", n);
	}
	if (o->kind == C_STORE || o->kind == M_STORE)
		return;
	cap -= strlen(buf);
	buf += strlen(buf);
	if (o->kind == M_LOAD_OR_STORE && !res)
		snprintf(buf, cap, "=stored");
	else if (o->kind == M_LOAD || o->kind == M_LOAD_OR_STORE ||
		 o->kind == M_LOAD_AND_DELETE || o->kind == M_SWAP)
		snprintf(buf, cap, res ? "=%" PRId64 : "=miss", res2);
	else
		snprintf(buf, cap, "=%" PRId64, res);
}

/* "value 12"; "{a=- b=7 c=2 +5 ballast} Len 7" */
static void fmt_state(char *buf, size_t cap, bool map, int64_t s)
{
	int n = 0;

	if (!map) {
		snprintf(buf, cap, "value %" PRId64, s);
		return;
	}
	n += snprintf(buf + n, cap - n, "{");
	for (int k = 0; k < NKEYS; k++) {
		int v = key_val(s, k);

		n += snprintf(buf + n, cap - n, "%s%s=", k ? " " : "", key_name(k));
		n += snprintf(buf + n, cap - n, v ? "%d" : "-", v);
	}
	if (s & BALLAST_BIT)
		n += snprintf(buf + n, cap - n, " +%d ballast", NBALLAST);
	snprintf(buf + n, cap - n, "} Len %d", map_len(s));
}

/* ---- the WGL search ---- */

/* An event: an op's invocation (call) or its return, in a linked list. */
struct event {
	int op;
	bool call;
	int64_t t;
	struct event *match;		/* call: its return */
	struct event *prev, *next;
};

/* Sets of ops: one bit per op of a history (MAX_OPS <= 128) */
struct opset {
	uint64_t w[2];
};

static void opset_flip(struct opset *s, int i)
{
	s->w[i >> 6] ^= 1ULL << (i & 63);
}

/*
 * The memo: (linearized set, state) pairs already explored. Open
 * addressing; a slot is used only if its gen is the current history's, so
 * it is never cleared.
 */
#define MEMO_BITS	17
#define MEMO_SIZE	(1u << MEMO_BITS)
struct memo_slot {
	struct opset set;
	int64_t state;
	uint32_t gen;
};
static struct memo_slot *memo;
static uint32_t memo_gen, memo_used;

/* Add (set, state); false if it was there already. Sets memo_used. */
static bool memo_add(const struct opset *set, int64_t state)
{
	uint64_t h = (set->w[0] * 0x9e3779b97f4a7c15ULL) ^
		     (set->w[1] * 0xc2b2ae3d27d4eb4fULL) ^
		     ((uint64_t)state * 0x165667b19e3779f9ULL);
	uint32_t i = (uint32_t)(h ^ h >> 29) & (MEMO_SIZE - 1);

	for (;; i = (i + 1) & (MEMO_SIZE - 1)) {
		struct memo_slot *s = &memo[i];

		if (s->gen != memo_gen) {
			s->gen = memo_gen;
			s->set = *set;
			s->state = state;
			memo_used++;
			return true;
		}
		if (s->state == state && s->set.w[0] == set->w[0] &&
		    s->set.w[1] == set->w[1])
			return false;
	}
}

enum lin_result { LIN_OK, LIN_FAIL, LIN_UNDECIDED };

/* A history flattened for the search, and what the search found. */
struct check {
	int n;
	struct lin_op ops[MAX_OPS];
	int64_t init;
	apply_fn apply;
	/* the deepest partial linearization: for the witness */
	int best_depth;
	int best_path[MAX_OPS];
	int64_t best_state;
	long steps;
};

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	/* At equal times calls go first: the two ops count as overlapping. */
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (int)y->call - (int)x->call;
}

static void lift(struct event *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->match->prev->next = e->match->next;
	if (e->match->next)
		e->match->next->prev = e->match->prev;
}

static void unlift(struct event *e)
{
	e->match->prev->next = e->match;
	if (e->match->next)
		e->match->next->prev = e->match;
	e->prev->next = e;
	e->next->prev = e;
}

/*
 * wgl() - is the history in @c linearizable? The search of Lowe's "Testing
 * for linearizability" (2017): walk the events in time order; at a call,
 * try to linearize that op next (the model must agree with its result, and
 * the new (set, state) must be unexplored), lift it out of the list and
 * start again from the head; at a return whose op is not linearized yet,
 * every choice so far has failed: undo the last one and try the op after it.
 */
static enum lin_result wgl(struct check *c)
{
	static struct event ev[2 * MAX_OPS];
	struct { struct event *e; int64_t state; } stack[MAX_OPS];
	struct event head = { .op = -1 }, *e;
	struct opset set = { { 0, 0 } };
	int64_t state = c->init, next;
	int depth = 0;

	for (int i = 0; i < c->n; i++) {
		ev[2 * i] = (struct event){ .op = i, .call = true, .t = c->ops[i].inv };
		ev[2 * i + 1] = (struct event){ .op = i, .t = c->ops[i].ret };
	}
	qsort(ev, 2 * c->n, sizeof(ev[0]), event_cmp);
	{
		struct event *ret_of[MAX_OPS], *call_of[MAX_OPS], *prev = &head;

		for (int i = 0; i < 2 * c->n; i++) {
			if (ev[i].call)
				call_of[ev[i].op] = &ev[i];
			else
				ret_of[ev[i].op] = &ev[i];
			ev[i].prev = prev;
			prev->next = &ev[i];
			prev = &ev[i];
		}
		prev->next = NULL;
		for (int i = 0; i < c->n; i++)
			call_of[i]->match = ret_of[i];
	}
	memo_gen++;
	memo_used = 0;
	c->best_depth = 0;
	c->best_state = state;
	c->steps = 0;
	e = head.next;
	while (head.next) {
		if (++c->steps > MAX_STEPS || memo_used > MEMO_SIZE / 2)
			return LIN_UNDECIDED;
		if (e->call) {
			if (model_step(c->apply, &c->ops[e->op], state, &next)) {
				opset_flip(&set, e->op);
				if (memo_add(&set, next)) {
					stack[depth].e = e;
					stack[depth].state = state;
					depth++;
					state = next;
					lift(e);
					if (depth > c->best_depth) {
						c->best_depth = depth;
						c->best_state = state;
						for (int i = 0; i < depth; i++)
							c->best_path[i] = stack[i].e->op;
					}
					e = head.next;
					continue;
				}
				opset_flip(&set, e->op);
			}
			e = e->next;
		} else {
			if (!depth)
				return LIN_FAIL;
			depth--;
			e = stack[depth].e;
			state = stack[depth].state;
			opset_flip(&set, e->op);
			unlift(e);
			e = e->next;
		}
	}
	return LIN_OK;
}

/* Flatten @h into @c (ops in worker order). */
static void check_load(struct check *c, const struct history *h, bool map)
{
	c->n = 0;
	for (int w = 0; w < NWORKERS; w++)
		for (int i = 0; i < h->n[w]; i++)
			c->ops[c->n++] = h->ops[w][i];
	c->init = h->init;
	c->apply = map ? map_apply : counter_apply;
}

static int64_t hist_t0(const struct check *c)
{
	int64_t t0 = INT64_MAX;

	for (int i = 0; i < c->n; i++)
		if (c->ops[i].inv < t0)
			t0 = c->ops[i].inv;
	return t0;
}

static void print_op(const struct check *c, int i, int64_t t0, const char *note)
{
	const struct lin_op *o = &c->ops[i];
	char buf[64];

	fmt_op(buf, sizeof(buf), o, o->res, o->res2);
	printf("#     w%d %-26s [%8.1f, %8.1f] us%s\n", o->worker, buf,
	       (o->inv - t0) / 1e3, (o->ret - t0) / 1e3, note);
}

/*
 * Where the search of a non-linearizable history got stuck: the deepest
 * order it found, and the ops that could come next by real time (each
 * unlinearized op invoked before the first return of one). The model
 * rejects every one of them there: had one fitted, the order would be
 * longer. Sets @next (op indexes, -1 ended) and returns their count.
 */
static int stuck_ops(const struct check *c, int *next)
{
	bool in_path[MAX_OPS] = { false };
	int64_t tmin = INT64_MAX;
	int n = 0;

	for (int i = 0; i < c->best_depth; i++)
		in_path[c->best_path[i]] = true;
	for (int i = 0; i < c->n; i++)
		if (!in_path[i] && c->ops[i].ret < tmin)
			tmin = c->ops[i].ret;
	for (int i = 0; i < c->n; i++)
		if (!in_path[i] && c->ops[i].inv <= tmin)
			next[n++] = i;
	next[n] = -1;
	return n;
}

/*
 * The witness of a non-linearizable history: the longest valid order the
 * search found, from where the ops that could come next might first go
 * (at least its last 3 ops, at most 12), with the model state after each;
 * then those ops, each with what it would have returned at each place in
 * that order that real time allows it: none is what it did return.
 */
static void print_witness(const char *cfg, int hist, const char *what,
			  struct check *c, bool map)
{
	int next[MAX_OPS + 1], nnext = stuck_ops(c, next), first[MAX_OPS];
	int64_t t0 = hist_t0(c), states[MAX_OPS + 1], res, res2, ignored;
	int depth = c->best_depth, from = depth;
	char buf[96], note[256];

	/* states[q]: after the first q ops of the order */
	states[0] = c->init;
	for (int q = 0; q < depth; q++)
		c->apply(&c->ops[c->best_path[q]], states[q], &res, &res2, &states[q + 1]);
	/* first[i]: the first place next[i] may take, after all that precede it */
	for (int i = 0; i < nnext; i++) {
		first[i] = 0;
		for (int q = 0; q < depth; q++)
			if (c->ops[c->best_path[q]].ret < c->ops[next[i]].inv)
				first[i] = q + 1;
		if (first[i] < from)
			from = first[i];
	}
	if (from > depth - 3)
		from = depth < 3 ? 0 : depth - 3;
	if (from < depth - 12)
		from = depth - 12;
	printf("# witness: %s history %d%s is not linearizable (%d ops; "
	       "times from the first invoke):\n", cfg, hist, what, c->n);
	fmt_state(buf, sizeof(buf), map, c->init);
	printf("#   initial state %s; the longest valid order found has %d ops",
	       buf, depth);
	if (from) {
		fmt_state(buf, sizeof(buf), map, states[from]);
		printf(";\n#   after its first %d: %s", from, buf);
	}
	printf("%s\n", from < depth ? ", then:" : "");
	for (int q = from; q < depth; q++) {
		fmt_state(buf, sizeof(buf), map, states[q + 1]);
		snprintf(note, sizeof(note), " -> %s", buf);
		print_op(c, c->best_path[q], t0, note);
	}
	printf("#   and none of these fits in it anywhere real time allows (what "
	       "each would return there):\n");
	for (int i = 0; i < nnext; i++) {
		const struct lin_op *o = &c->ops[next[i]];
		char last[64] = "", cur[64];
		int n = snprintf(note, sizeof(note), "  (");

		for (int q = first[i]; q <= depth; q++) {
			c->apply(o, states[q], &res, &res2, &ignored);
			fmt_op(cur, sizeof(cur), o, res, res2);
			/* each entry is < 70 bytes: stop before the note fills up */
			if (!strcmp(cur, last) || n >= (int)sizeof(note) - 70)
				continue;
			n += snprintf(note + n, sizeof(note) - n, "%s%s", last[0] ? ", " : "", cur);
			memcpy(last, cur, sizeof(last));
		}
		snprintf(note + n, sizeof(note) - n, ")");
		print_op(c, next[i], t0, note);
	}
	fflush(stdout);
}

/*
 * Does @o leave the state as it was, whenever its result is right? Then
 * dropping it from a history is sound: a linearization of the history
 * without it would be one of the whole history (the op changed nothing at
 * its point), so if the smaller history is not linearizable, neither is
 * the whole. Loads, Lens, failed CAS and CompareAndDelete, LoadOrStore
 * that loaded, LoadAndDelete and Delete that found nothing.
 */
static bool read_only(const struct lin_op *o)
{
	switch (o->kind) {
	case C_LOAD: case M_LOAD: case M_LEN:
		return true;
	case C_CAS:
		return o->res != o->arg2;
	case C_ADD:
		return !o->arg;
	case M_LOAD_OR_STORE:
		return o->res;
	case M_LOAD_AND_DELETE: case M_DELETE: case M_CAS: case M_CAD:
		return !o->res;
	default:
		return false;
	}
}

/* Drop op @i from @c. */
static void drop_op(struct check *c, int i)
{
	memmove(&c->ops[i], &c->ops[i + 1], (c->n - i - 1) * sizeof(c->ops[0]));
	c->n--;
}

/*
 * shrink() - a smaller witness: drop, one at a time, each read-only op
 * without which the history is still not linearizable. Leaves @c's search
 * state that of the smaller history.
 */
static void shrink(struct check *c)
{
	static struct check t;

	for (int i = c->n - 1; i >= 0; i--) {
		if (!read_only(&c->ops[i]))
			continue;
		t = *c;
		drop_op(&t, i);
		if (wgl(&t) == LIN_FAIL)
			*c = t;
	}
	wgl(c);
}

/*
 * percpu: docs/uapi.md promises that Add never loses an update, and that
 * Load (and Add's result) "sum all CPUs under the counter's lock: exact
 * when no Add runs concurrently, otherwise a value between the sums before
 * and after"; Store and Reset may lose a racing Add, and Swap and CAS are
 * EOPNOTSUPP. That is not linearizability (two racing Adds may both return
 * the sum with both), so percpu histories have only Adds of positive deltas
 * and Loads, and each result R of an op X is checked against exactly that:
 *   init + the Adds that returned before X was invoked (+ X's own delta)
 *     <= R <= init + the Adds invoked before X returned (X's included),
 * which is "exact" when no Add overlaps X. The quiescent Load that ends
 * each history checks that no Add was lost.
 */
static bool check_percpu(const struct check *c, int *bad)
{
	for (int x = 0; x < c->n; x++) {
		const struct lin_op *o = &c->ops[x];
		int64_t lo = c->init, hi = c->init;

		for (int a = 0; a < c->n; a++) {
			const struct lin_op *p = &c->ops[a];

			if (p->kind != C_ADD)
				continue;
			if (a == x || p->ret < o->inv)
				lo += p->arg;
			if (a == x || p->inv <= o->ret)
				hi += p->arg;
		}
		if (o->res < lo || o->res > hi) {
			*bad = x;
			return false;
		}
	}
	return true;
}

/* ---- workloads ---- */

/*
 * A barrier for the workers of both processes. Waiters spin, yielding the
 * CPU, so that when it opens every worker is runnable and the ops of the
 * two vCPUs start together (a sleeping barrier lets the last arrival run
 * its ops alone while the others are still being woken: 0-6% of ops
 * overlapped). Sleeping on a futex while worker 0 sets up, then spinning
 * only to start, was tried too: in the same VM boot about 60% of ops
 * overlapped instead of 80%, and the runs took twice as long.
 */
struct barrier {
	atomic_uint count;
	atomic_uint gen;
};

static void barrier_wait(struct barrier *b)
{
	unsigned int gen = atomic_load(&b->gen);

	if (atomic_fetch_add(&b->count, 1) == NWORKERS - 1) {
		atomic_store(&b->count, 0);
		atomic_fetch_add(&b->gen, 1);
		return;
	}
	while (atomic_load(&b->gen) == gen)
		sched_yield();
}

struct shared {
	struct barrier barrier;
	struct history hist[];
};

enum cfg_type { CFG_COUNTER, CFG_PERCPU, CFG_MAP };

struct config {
	const char *name;
	enum cfg_type type;
	unsigned int mode;		/* counter mode or map backend */
	bool racy;			/* must be found non-linearizable */
	bool mapped;			/* counters: GOSYNC_CREATE_MAPPED */
};

static const struct config configs[] = {
	{ "counter-racy", CFG_COUNTER, GOSYNC_COUNTER_RACY, true, false },
	{ "counter-atomic", CFG_COUNTER, GOSYNC_COUNTER_ATOMIC, false, false },
	{ "counter-atomic-mapped", CFG_COUNTER, GOSYNC_COUNTER_ATOMIC, false, true },
	{ "counter-spinlock", CFG_COUNTER, GOSYNC_COUNTER_SPINLOCK, false, false },
	{ "counter-mutex", CFG_COUNTER, GOSYNC_COUNTER_MUTEX, false, false },
	{ "counter-rwsem", CFG_COUNTER, GOSYNC_COUNTER_RWSEM, false, false },
	{ "counter-percpu", CFG_PERCPU, GOSYNC_COUNTER_PERCPU, false, false },
	{ "map-spin", CFG_MAP, GOSYNC_MAP_SPIN, false, false },
	{ "map-rwsem", CFG_MAP, GOSYNC_MAP_RWSEM, false, false },
	{ "map-rcu", CFG_MAP, GOSYNC_MAP_RCU, false, false },
};

/* One run: @nhist histories of one config, from @first. */
struct run {
	const struct config *cfg;
	int fd;
	int nhist, first, wops;
	uint64_t seed;
	struct shared *sh;
};

static const char hot_keys[NKEYS] = { 'a', 'b', 'c' };

static char val_byte(int v)
{
	return (char)('0' + v);
}

/* The value in a 1-byte out buffer: 1..NVALS, or -1 if it is not one. */
static int64_t val_of(const char *buf, size_t len)
{
	if (len != 1 || buf[0] < '1' || buf[0] > '0' + NVALS)
		return -1;
	return buf[0] - '0';
}

/* A mapped counter's page, mapped before the workers fork (they share it) */
static struct gosync_fast lin_fast;

/* Run @o on the mapped counter's word, as libgosync's fast path does. */
static int fast_counter_call(struct lin_op *o)
{
	int64_t old;

	switch (o->kind) {
	case C_ADD:
		return gosync_fast_counter_add(&lin_fast, o->arg, &o->res);
	case C_LOAD:
		return gosync_fast_counter_load(&lin_fast, &o->res);
	case C_STORE:
		o->res = 0;
		return gosync_fast_counter_store(&lin_fast, o->arg);
	case C_SWAP:
		return gosync_fast_counter_swap(&lin_fast, o->arg, &o->res);
	case C_CAS:		/* the old value, as the ioctl returns */
		old = o->arg2;
		__atomic_compare_exchange_n(&lin_fast.words->counter, &old, o->arg, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		o->res = old;
		return 0;
	default:		/* Reset is Swap(0) */
		return gosync_fast_counter_swap(&lin_fast, 0, &o->res);
	}
}

/* Run @o on the counter @fd; fill in its results. */
static int counter_call(int fd, struct lin_op *o)
{
	static const unsigned int codes[] = {
		[C_ADD] = GOSYNC_OP_ADD, [C_LOAD] = GOSYNC_OP_LOAD,
		[C_STORE] = GOSYNC_OP_STORE, [C_SWAP] = GOSYNC_OP_SWAP,
		[C_CAS] = GOSYNC_OP_CAS, [C_RESET] = GOSYNC_OP_RESET,
	};
	int64_t arg = o->kind == C_LOAD || o->kind == C_RESET ? 0 : o->arg;

	return gosync_counter_op(fd, codes[o->kind], 0, arg,
				 o->kind == C_CAS ? o->arg2 : 0, &o->res);
}

/* Run @o on the map @fd; fill in its results. */
static int map_call(int fd, struct lin_op *o)
{
	const char *k = &hot_keys[o->key];
	char v = val_byte((int)o->arg), old = val_byte((int)o->arg2), out[8];
	size_t len = 0;
	uint64_t count;
	bool b = false;
	int r;

	switch (o->kind) {
	case M_LOAD:
		r = gosync_map_load(fd, k, 1, out, sizeof(out), &len, &b);
		break;
	case M_STORE:
		r = gosync_map_store(fd, k, 1, &v, 1);
		break;
	case M_LOAD_OR_STORE:
		r = gosync_map_load_or_store(fd, k, 1, &v, 1, out, sizeof(out), &len, &b);
		break;
	case M_LOAD_AND_DELETE:
		r = gosync_map_load_and_delete(fd, k, 1, out, sizeof(out), &len, &b);
		break;
	case M_DELETE:
		r = gosync_map_delete(fd, k, 1, &b);
		break;
	case M_SWAP:
		r = gosync_map_swap(fd, k, 1, &v, 1, out, sizeof(out), &len, &b);
		break;
	case M_CAS:
		r = gosync_map_compare_and_swap(fd, k, 1, &old, 1, &v, 1, &b);
		break;
	case M_CAD:
		r = gosync_map_compare_and_delete(fd, k, 1, &old, 1, &b);
		break;
	case M_CLEAR:
		r = gosync_map_clear(fd, &count);
		break;
	default:
		r = gosync_map_len(fd, &count);
		break;
	}
	if (r < 0)
		return r;
	if (o->kind == M_CLEAR || o->kind == M_LEN) {
		o->res = (int64_t)count;
	} else {
		o->res = b;
		/* a present value: what came back (-1 if garbage: fails the model) */
		if (b && (o->kind == M_LOAD || o->kind == M_LOAD_OR_STORE ||
			  o->kind == M_LOAD_AND_DELETE || o->kind == M_SWAP))
			o->res2 = val_of(out, len);
	}
	return 0;
}

/*
 * A random op. Counters: Add 35%, Load 20%, CAS 15%, Store, Swap, Reset 10%
 * each; percpu: Add 60%, Load 40%. Maps lean on Len and Clear racing the
 * rest: Len 25%, Clear 10%, Load 15%, Store 15%, Delete 10%, and 5% each
 * for LoadOrStore, LoadAndDelete, Swap, CompareAndSwap, CompareAndDelete.
 * --no-clear: Len 30%, Load 30%, Delete 20%, Store 20% on "a" and "b".
 */
static void pick(const struct run *r, uint64_t *s, int64_t seen, struct lin_op *o)
{
	unsigned int p = rnd(s) % 100;

	memset(o, 0, sizeof(*o));
	if (r->cfg->type == CFG_PERCPU) {
		o->kind = p < 60 ? C_ADD : C_LOAD;
		o->arg = o->kind == C_ADD ? 1 + (int64_t)(rnd(s) % 9) : 0;
		return;
	}
	if (r->cfg->type == CFG_COUNTER) {
		o->kind = p < 35 ? C_ADD : p < 55 ? C_LOAD : p < 70 ? C_CAS :
			  p < 80 ? C_STORE : p < 90 ? C_SWAP : C_RESET;
		if (o->kind == C_ADD)
			o->arg = 1 + (int64_t)(rnd(s) % 9);
		else if (o->kind != C_LOAD && o->kind != C_RESET)
			o->arg = (int64_t)(rnd(s) % 1000);
		/* CAS expects what this worker saw last, half the time */
		if (o->kind == C_CAS)
			o->arg2 = rnd(s) % 2 ? seen : (int64_t)(rnd(s) % 1000);
		return;
	}
	if (no_clear) {
		/* two keys, and Len right behind Loads that miss a Delete */
		o->kind = p < 30 ? M_LEN : p < 60 ? M_LOAD : p < 80 ? M_DELETE : M_STORE;
		o->key = (uint8_t)(rnd(s) % 2);
		o->arg = o->kind == M_STORE ? 1 + (int64_t)(rnd(s) % NVALS) : 0;
		return;
	}
	o->kind = p < 25 ? M_LEN : p < 35 ? M_CLEAR : p < 50 ? M_LOAD :
		  p < 65 ? M_STORE : p < 75 ? M_DELETE : p < 80 ? M_LOAD_OR_STORE :
		  p < 85 ? M_LOAD_AND_DELETE : p < 90 ? M_SWAP : p < 95 ? M_CAS : M_CAD;
	o->key = (uint8_t)(rnd(s) % NKEYS);
	if (o->kind == M_STORE || o->kind == M_LOAD_OR_STORE || o->kind == M_SWAP ||
	    o->kind == M_CAS)
		o->arg = 1 + (int64_t)(rnd(s) % NVALS);
	if (o->kind == M_CAS || o->kind == M_CAD)
		o->arg2 = 1 + (int64_t)(rnd(s) % NVALS);
}

/* Log one call to @o (slot of worker @w in @h). */
static void call(const struct run *r, struct history *h, int w, struct lin_op *o)
{
	int ret;

	o->worker = (uint8_t)w;
	o->inv = now_ns();
	if (o->yield)
		sched_yield();
	if (r->cfg->type == CFG_MAP)
		ret = map_call(r->fd, o);
	else if (r->cfg->mapped && w % 2)
		ret = fast_counter_call(o);
	else
		ret = counter_call(r->fd, o);
	o->ret = now_ns();
	o->err = ret < 0 ? errno : 0;
	if (h->n[w] < SLOT)
		h->ops[w][h->n[w]++] = *o;
}

/* Before a history, alone: a known initial state. */
static void setup(const struct run *r, struct history *h, uint64_t *s)
{
	int64_t state = 0;
	int ret = 0;

	if (r->cfg->type != CFG_MAP) {
		/* percpu too: a Store with no Add racing it is exact */
		state = (int64_t)(rnd(s) % 100);
		ret = gosync_counter_store(r->fd, state);
	} else {
		ret = gosync_map_clear(r->fd, NULL);
		for (int k = 0; k < NKEYS && !ret; k++) {
			int v = (int)(rnd(s) % (NVALS + 1));	/* 0: absent */
			char b = val_byte(v);

			if (v)
				ret = gosync_map_store(r->fd, &hot_keys[k], 1, &b, 1);
			state = key_set(state, k, v);
		}
		for (int i = 0; i < NBALLAST && !ret; i++) {
			char key[8];

			snprintf(key, sizeof(key), "z%d", i);
			ret = gosync_map_store(r->fd, key, strlen(key), "0", 1);
		}
		state |= BALLAST_BIT;
	}
	h->init = state;
	h->setup_err = ret < 0 ? errno : 0;
}

/* After a history, alone: read the final state (logged as ops of worker 0). */
static void finish(const struct run *r, struct history *h)
{
	struct lin_op o;

	memset(&o, 0, sizeof(o));
	if (r->cfg->type != CFG_MAP) {
		o.kind = C_LOAD;
		call(r, h, 0, &o);
		return;
	}
	o.kind = M_LEN;
	call(r, h, 0, &o);
	for (int k = 0; k < NKEYS; k++) {
		memset(&o, 0, sizeof(o));
		o.kind = M_LOAD;
		o.key = (uint8_t)k;
		call(r, h, 0, &o);
	}
}

static void worker(const struct run *r, int w)
{
	struct barrier *b = &r->sh->barrier;

	for (int i = 0; i < r->nhist; i++) {
		struct history *h = &r->sh->hist[r->first + i];
		uint64_t s = r->seed ^ ((uint64_t)(r->first + i) << 20) ^
			     ((uint64_t)w << 50) ^ 0x5bd1e995;
		int64_t seen = 0;

		rnd(&s);
		barrier_wait(b);
		if (w == 0)
			setup(r, h, &s);
		barrier_wait(b);
		for (int j = 0; j < r->wops; j++) {
			struct lin_op o;
			unsigned int spin = rnd(&s) % 3 ? (unsigned int)(rnd(&s) % 400) : 0;

			/*
			 * A short random pause, so ops start at all offsets.
			 * One op in eight yields inside its own interval, after
			 * its invocation time and before the call, so that the
			 * other worker on this CPU runs ops within it. Else
			 * only two vCPUs running at once make ops overlap, and
			 * a loaded host may run one at a time: CI saw 0% on
			 * four configs, as a 1-vCPU guest does. Widening is
			 * sound (the op still took effect inside its interval):
			 * the checker only has more orders to try.
			 */
			for (volatile unsigned int k = 0; k < spin; k++)
				;
			pick(r, &s, seen, &o);
			o.yield = !(rnd(&s) % 8);
			call(r, h, w, &o);
			if (!o.err && r->cfg->type == CFG_COUNTER && o.kind != C_STORE)
				seen = o.res;
		}
		barrier_wait(b);
		if (w == 0)
			finish(r, h);
	}
}

struct thread_arg {
	const struct run *r;
	int w;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	worker(a->r, a->w);
	return NULL;
}

/* A worker process: workers 2 * @proc and 2 * @proc + 1. */
static int proc_main(const struct run *r, int proc)
{
	struct thread_arg a[NTHREADS];
	pthread_t th[NTHREADS];

	for (int t = 1; t < NTHREADS; t++) {
		a[t] = (struct thread_arg){ r, proc * NTHREADS + t };
		if (pthread_create(&th[t], NULL, thread_main, &a[t]))
			return 1;
	}
	worker(r, proc * NTHREADS);
	for (int t = 1; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	return 0;
}

/* ---- running and checking a config ---- */

struct stats {
	int hist, ops, ok, fail, undecided;
	int overlapped;		/* ops that overlapped another worker's op */
	int overlapped_par;	/* ... where neither yielded inside: parallel */
	int races[2][3];	/* Len, Clear overlapping a Load, Store, Delete */
	int races_par[2][3];	/* ... where neither yielded inside */
	int stuck[M_LEN + 1];	/* non-linearizable histories stuck at op kinds */
	int not_clear;		/* maps: not linearizable even without the
				   Lens that overlap a Clear */
	int percpu_lin;		/* percpu: histories WGL found linearizable */
	long max_steps;
	int witnesses;		/* witnesses printed */
	int first_fail;		/* the first non-linearizable history */
};

/* Count the overlaps that show the ops really raced. */
static void count_races(const struct check *c, struct stats *st)
{
	static const uint8_t racers[3] = { M_LOAD, M_STORE, M_DELETE };

	for (int i = 0; i < c->n; i++) {
		const struct lin_op *o = &c->ops[i];
		bool any = false, par = false, raced[3] = { false }, raced_par[3] = { false };

		for (int j = 0; j < c->n; j++) {
			const struct lin_op *p = &c->ops[j];
			bool pair_par = !o->yield && !p->yield;

			if (p->worker == o->worker || p->inv > o->ret || o->inv > p->ret)
				continue;
			any = true;
			par |= pair_par;
			for (int k = 0; k < 3; k++) {
				raced[k] |= p->kind == racers[k];
				raced_par[k] |= pair_par && p->kind == racers[k];
			}
		}
		st->overlapped += any;
		st->overlapped_par += par;
		for (int k = 0; k < 3; k++) {
			st->races[0][k] += o->kind == M_LEN && raced[k];
			st->races[1][k] += o->kind == M_CLEAR && raced[k];
			st->races_par[0][k] += o->kind == M_LEN && raced_par[k];
			st->races_par[1][k] += o->kind == M_CLEAR && raced_par[k];
		}
	}
}

/* Which kinds of op a failed search got stuck at (once per history). */
static void count_stuck(const struct check *c, struct stats *st)
{
	int next[MAX_OPS + 1];
	bool seen[M_LEN + 1] = { false };

	stuck_ops(c, next);
	for (int i = 0; next[i] >= 0; i++)
		seen[c->ops[next[i]].kind] = true;
	for (int k = 0; k <= M_LEN; k++)
		st->stuck[k] += seen[k];
}

/*
 * A Len that overlaps a Clear may see it half done (a known bug class).
 * Is the map history @c non-linearizable even without those Lens? (Sound:
 * Len is read-only.) Then something else is wrong too: count it, and show
 * the first one (returns true if it did).
 */
static bool other_bugs(const struct run *r, int hist, const struct check *c,
		       struct stats *st)
{
	static struct check t;

	t = *c;
	for (int i = t.n - 1; i >= 0; i--) {
		const struct lin_op *o = &t.ops[i];
		bool in_clear = false;

		for (int j = 0; j < t.n && o->kind == M_LEN; j++)
			in_clear |= t.ops[j].kind == M_CLEAR &&
				    t.ops[j].inv <= o->ret && o->inv <= t.ops[j].ret;
		if (in_clear)
			drop_op(&t, i);
	}
	if (wgl(&t) != LIN_FAIL)
		return false;
	if (st->not_clear++)
		return false;
	shrink(&t);
	print_witness(r->cfg->name, hist, ", without the Lens that overlap a Clear,",
		      &t, true);
	return true;
}

/* Check history @i of @r; false (with the reason in tap_why) on a failure. */
static bool check_history(const struct run *r, int i, struct check *c,
			  struct stats *st)
{
	const struct history *h = &r->sh->hist[i];
	bool map = r->cfg->type == CFG_MAP;
	enum lin_result res;
	int bad;

	CHECK(!h->setup_err, "history %d: setup failed: %s", i,
	      tap_errname(h->setup_err));
	check_load(c, h, map);
	for (int j = 0; j < c->n; j++)
		CHECK(!c->ops[j].err, "history %d: w%d %s failed: %s", i,
		      c->ops[j].worker, kind_names[c->ops[j].kind],
		      tap_errname(c->ops[j].err));
	st->hist++;
	st->ops += c->n;
	count_races(c, st);
	if (r->cfg->type == CFG_PERCPU) {
		st->percpu_lin += wgl(c) == LIN_OK;	/* not promised: a statistic */
		if (check_percpu(c, &bad)) {
			st->ok++;
			return true;
		}
		st->fail++;
		printf("# witness: %s history %d: ", r->cfg->name, i);
		printf("w%d %s=%" PRId64 " is outside the documented bounds "
		       "(init %" PRId64 "):\n", c->ops[bad].worker,
		       kind_names[c->ops[bad].kind], c->ops[bad].res, c->init);
		for (int j = 0; j < c->n; j++)
			if (j == bad || c->ops[j].kind == C_ADD)
				print_op(c, j, hist_t0(c), j == bad ? "  <-" : "");
		FAIL("%s history %d: a result outside the documented bounds",
		     r->cfg->name, i);
	}
	res = wgl(c);
	if (c->steps > st->max_steps)
		st->max_steps = c->steps;
	if (res == LIN_OK) {
		st->ok++;
	} else if (res == LIN_UNDECIDED) {
		st->undecided++;
	} else {
		if (!st->fail++)
			st->first_fail = i;
		count_stuck(c, st);
		if (map && other_bugs(r, i, c, st))
			st->witnesses++;
		else if (st->witnesses++ < 2) {
			shrink(c);
			print_witness(r->cfg->name, i, "", c, map);
		}
	}
	return true;
}

/* Fork the workers for histories @first.. of @r and wait for them. */
static bool run_batch(struct run *r)
{
	pid_t pids[NPROCS];
	bool ok = true;

	atomic_store(&r->sh->barrier.count, 0);
	memset(&r->sh->hist[r->first], 0, r->nhist * sizeof(struct history));
	fflush(stdout);
	for (int p = 0; p < NPROCS; p++) {
		pids[p] = fork();
		CHECK(pids[p] >= 0, "fork: %s", tap_errname(errno));
		if (!pids[p])
			_exit(proc_main(r, p));
	}
	for (int left = NPROCS; left > 0; left--) {
		int status = 0;
		pid_t pid = wait(&status);

		for (int p = 0; p < NPROCS; p++)
			if (pids[p] == pid)
				pids[p] = 0;
		if (pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		/* the others wait at the barrier for it: end them */
		for (int p = 0; p < NPROCS; p++) {
			if (pids[p] > 0) {
				kill(pids[p], SIGKILL);
				waitpid(pids[p], NULL, 0);
			}
		}
		tap_reason(__LINE__, "a worker process failed: status %#x", status);
		ok = false;
		break;
	}
	return ok;
}

static int make_object(const struct config *cfg)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_COUNTER };

	if (cfg->type == CFG_MAP)
		return gosync_map_create(dev, NULL, 0, cfg->mode, 0, 0);
	c.counter.mode = cfg->mode;
	if (cfg->mode == GOSYNC_COUNTER_RACY)
		c.counter.racy_delay_ns = RACY_DELAY_NS;
	if (cfg->mapped)
		return gosync_fast_create(dev, &c, &lin_fast);
	return gosync_create(dev, &c);
}

#define BATCH	50

/* CPUs this process may run on (its affinity; else those online) */
static int online_cpus(void)
{
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set))
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/*
 * Run @nhist histories of @cfg (a racy config stops at the first
 * non-linearizable one) and check them.
 */
static bool t_config(const struct config *cfg, int nhist, int wops, uint64_t seed)
{
	size_t len = sizeof(struct shared) + (size_t)nhist * sizeof(struct history);
	struct shared *sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct check c;
	struct stats st = { 0 };
	struct run r = { .cfg = cfg, .wops = wops, .seed = seed, .sh = sh };
	int64_t t0 = now_ns();
	int (*races)[3] = st.races;
	bool ok = true;

	CHECK(sh != MAP_FAILED, "mmap: %s", tap_errname(errno));
	r.fd = (int)CHECK_OK(make_object(cfg));
	for (r.first = 0; ok && r.first < nhist; r.first += BATCH) {
		r.nhist = nhist - r.first < BATCH ? nhist - r.first : BATCH;
		ok = run_batch(&r);
		for (int i = r.first; ok && i < r.first + r.nhist; i++)
			ok = check_history(&r, i, &c, &st);
		if (cfg->racy && st.fail)
			break;
	}
	if (cfg->mapped)
		gosync_fast_close(&lin_fast);
	close(r.fd);
	munmap(sh, len);
	if (!ok)
		return false;
	printf("# %s: %d histories, %d ops (%d%% overlapped another worker's, "
	       "%d%% with neither yielding inside), %d linearizable, %d not, "
	       "%d undecided; longest search %ld steps; %.2f s\n", cfg->name,
	       st.hist, st.ops, st.ops ? 100 * st.overlapped / st.ops : 0,
	       st.ops ? 100 * st.overlapped_par / st.ops : 0, st.ok, st.fail,
	       st.undecided, st.max_steps, (now_ns() - t0) / 1e9);
	if (cfg->type == CFG_PERCPU)
		printf("# %s: every result within the documented bounds; %d of %d "
		       "histories also linearizable (not promised)\n", cfg->name,
		       st.percpu_lin, st.hist);
	if (cfg->type == CFG_MAP)
		printf("# %s: Len raced %d Loads, %d Stores, %d Deletes; Clear raced "
		       "%d Loads, %d Stores, %d Deletes (with neither yielding: "
		       "%d, %d, %d; %d, %d, %d)\n", cfg->name,
		       st.races[0][0], st.races[0][1], st.races[0][2],
		       st.races[1][0], st.races[1][1], st.races[1][2],
		       st.races_par[0][0], st.races_par[0][1], st.races_par[0][2],
		       st.races_par[1][0], st.races_par[1][1], st.races_par[1][2]);
	if (cfg->type == CFG_MAP && st.fail)
		printf("# %s: %d of the %d not linearizable even without the Lens "
		       "that overlap a Clear\n", cfg->name, st.not_clear, st.fail);
	if (st.fail) {
		printf("# %s: the failed searches got stuck at:", cfg->name);
		for (int k = 0; k <= M_LEN; k++)
			if (st.stuck[k])
				printf(" %s %d", kind_names[k], st.stuck[k]);
		printf(" (histories)\n");
	}
	if (cfg->racy) {
		CHECK(st.fail, "checker could not detect the racy mode in %d histories",
		      st.hist);
		printf("# %s: the first non-linearizable history is number %d, as "
		       "there must be one\n", cfg->name, st.first_fail);
		return true;
	}
	CHECK(!st.fail, "%d of %d histories not linearizable", st.fail, st.hist);
	CHECK(st.undecided * 10 <= st.hist, "%d of %d histories undecided",
	      st.undecided, st.hist);
	CHECK(st.overlapped, "no op overlapped another: nothing was checked");
	/*
	 * Overlaps of yield-widened intervals alone are ops of one CPU taking
	 * turns. Whether two ran truly in parallel depends on the host (a
	 * loaded one time-slices the guest's vCPUs: a 2-CPU TCG guest saw none
	 * in a whole run), so it is reported, not required: the yields make
	 * the overlaps the checker needs either way.
	 */
	if (ncpus >= 2 && !st.overlapped_par)
		printf("# %s: no two ops ran in parallel on %d CPUs (only yield-widened "
		       "intervals overlapped)\n", cfg->name, ncpus);
	if (cfg->type == CFG_MAP && !no_clear)
		CHECK(races[0][0] && races[0][1] && races[1][0] && races[1][1],
		      "Len or Clear never raced a Load or a Store: not covered");
	return true;
}

/* ---- the checker on known histories ---- */

/* An op for the self-test: worker @w, [@inv, @ret], results @res, @res2. */
static struct lin_op op(int w, int kind, int key, int64_t arg, int64_t arg2,
			int64_t res, int64_t res2, int64_t inv, int64_t ret)
{
	return (struct lin_op){ .worker = (uint8_t)w, .kind = (uint8_t)kind,
				.key = (uint8_t)key, .arg = arg, .arg2 = arg2,
				.res = res, .res2 = res2, .inv = inv, .ret = ret };
}

static enum lin_result run_wgl(struct check *c, bool map, int64_t init,
			       const struct lin_op *ops, int n)
{
	c->n = n;
	memcpy(c->ops, ops, n * sizeof(*ops));
	c->init = init;
	c->apply = map ? map_apply : counter_apply;
	return wgl(c);
}

/*
 * The checker must accept linearizable histories and reject the shapes of
 * the bugs it is meant to find: a lost update, a Len that sees half a
 * Clear, a Len that counts a key a Load already missed, Loads that see half
 * a Clear; and shrinking must keep a witness that still fails.
 */
static bool t_selftest(void)
{
	static struct check c;
	int64_t abc = key_set(key_set(key_set(0, 0, 1), 1, 2), 2, 3);
	const struct lin_op lost[] = {		/* sequential Adds, one lost */
		op(0, C_ADD, 0, 1, 0, 1, 0, 0, 10),
		op(1, C_ADD, 0, 1, 0, 1, 0, 20, 30),
	};
	const struct lin_op racing[] = {	/* overlapping: either order */
		op(0, C_ADD, 0, 1, 0, 2, 0, 0, 30),
		op(1, C_ADD, 0, 1, 0, 1, 0, 10, 20),
		op(1, C_CAS, 0, 7, 2, 2, 0, 25, 40),
		op(0, C_LOAD, 0, 0, 0, 7, 0, 50, 60),
	};
	const struct lin_op half_clear[] = {	/* Len inside a Clear of 3 + 5 */
		op(0, M_CLEAR, 0, 0, 0, 3 + NBALLAST, 0, 0, 100),
		op(1, M_LEN, 0, 0, 0, 5, 0, 20, 30),
	};
	const struct lin_op len_after_miss[] = {	/* rcu's Delete in flight */
		op(0, M_DELETE, 0, 0, 0, 1, 0, 0, 100),
		op(1, M_LOAD, 0, 0, 0, 0, 0, 10, 20),
		op(1, M_LEN, 0, 0, 0, 3, 0, 30, 40),
	};
	const struct lin_op loads_in_clear[] = {	/* Loads see half a Clear */
		op(0, M_CLEAR, 0, 0, 0, 3, 0, 0, 100),
		op(1, M_LOAD, 0, 0, 0, 0, 0, 10, 20),
		op(1, M_LOAD, 2, 0, 0, 1, 3, 30, 40),
	};
	const struct lin_op lost_and_reads[] = {	/* shrinks to lost[] */
		op(2, C_LOAD, 0, 0, 0, 0, 0, 0, 40),
		op(0, C_ADD, 0, 1, 0, 1, 0, 0, 10),
		op(2, C_CAS, 0, 5, 3, 1, 0, 45, 50),
		op(1, C_ADD, 0, 1, 0, 1, 0, 20, 30),
		op(2, C_LOAD, 0, 0, 0, 1, 0, 55, 60),
	};
	struct lin_op ok_after_miss[3];
	const struct lin_op pc[] = {			/* percpu: a Load missing a done Add */
		op(0, C_ADD, 0, 5, 0, 5, 0, 0, 10),
		op(1, C_LOAD, 0, 0, 0, 0, 0, 20, 30),
	};
	int bad;

	CHECK(run_wgl(&c, false, 0, lost, 2) == LIN_FAIL, "lost update accepted");
	CHECK(c.best_depth == 1, "lost update: deepest order %d, not 1", c.best_depth);
	CHECK(run_wgl(&c, false, 0, racing, 4) == LIN_OK, "racing Adds rejected");
	CHECK(run_wgl(&c, true, abc | BALLAST_BIT, half_clear, 2) == LIN_FAIL,
	      "a Len inside a Clear accepted");
	CHECK(run_wgl(&c, true, abc, len_after_miss, 3) == LIN_FAIL,
	      "a Len counting a missed key accepted");
	memcpy(ok_after_miss, len_after_miss, sizeof(ok_after_miss));
	ok_after_miss[2].res = 2;
	CHECK(run_wgl(&c, true, abc, ok_after_miss, 3) == LIN_OK,
	      "a Len after a Delete rejected");
	CHECK(run_wgl(&c, true, abc, loads_in_clear, 3) == LIN_FAIL,
	      "Loads that see half a Clear accepted");
	CHECK(run_wgl(&c, false, 0, lost_and_reads, 5) == LIN_FAIL,
	      "lost update among reads accepted");
	shrink(&c);
	CHECK(c.n == 2 && c.ops[0].kind == C_ADD && c.ops[1].kind == C_ADD,
	      "shrink left %d ops, not the 2 Adds", c.n);
	c.n = 2;
	memcpy(c.ops, pc, sizeof(pc));
	c.init = 0;
	CHECK(!check_percpu(&c, &bad) && bad == 1, "percpu: a lost Add accepted");
	c.ops[1].res = 5;
	CHECK(check_percpu(&c, &bad), "percpu: an exact Load rejected");
	c.ops[1].inv = 5;
	c.ops[1].res = 0;
	CHECK(check_percpu(&c, &bad), "percpu: a Load racing an Add rejected");
	return true;
}

int main(int argc, char **argv)
{
	int nhist = 400, wops = 16;
	uint64_t seed = (uint64_t)time(NULL);
	const char *only = NULL, *q = getenv("GOSYNC_LIN_QUICK");
	/* a lockdep or KCSAN kernel is several times slower: quick by default */
	bool quick = q ? *q && strcmp(q, "0") :
		     !access("/proc/lockdep", F_OK) ||
		     !access("/sys/kernel/debug/kcsan", F_OK);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--histories") && i + 1 < argc)
			nhist = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			wops = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--no-clear"))
			no_clear = true;
		else {
			fprintf(stderr, "usage: %s [--quick] [--histories N] [--ops N] "
				"[--seed S] [--only CONFIG] [--no-clear]\n", argv[0]);
			return 2;
		}
	}
	if (quick)
		nhist = (nhist + 3) / 4;
	if (nhist < 1 || wops < 1 || wops > MAX_WOPS) {
		fprintf(stderr, "linearize: --histories >= 1, --ops 1..%d\n", MAX_WOPS);
		return 2;
	}
	dev = tap_dev("linearize");
	ncpus = online_cpus();
	memo = calloc(MEMO_SIZE, sizeof(*memo));
	if (!memo) {
		printf("not ok - e2e:linearize (out of memory)\n");
		return 1;
	}
	printf("# linearize: %d histories%s of %d workers (%d processes x %d threads) "
	       "x %d ops per config%s; seed %" PRIu64 "\n", nhist,
	       quick ? " (quick)" : "", NWORKERS, NPROCS, NTHREADS, wops,
	       no_clear ? ", maps without Clear" : "", seed);
	if (ncpus < 2)
		printf("# linearize: one CPU: ops overlap only by yielding (or preemption)\n");
	tap_report(t_selftest(), "linearize-checker-selftest");
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		const struct config *cfg = &configs[i];
		/* racy: up to 4x the histories, stopping at the first failure */
		int n = cfg->racy ? 4 * nhist : nhist;

		if (only && strcmp(only, cfg->name))
			continue;
		tap_report(t_config(cfg, n, wops, seed + i), "linearize-%s%s",
			   cfg->name, cfg->racy ? "-detected" : "");
	}
	free(memo);
	return tap_done(dev, "linearize");
}
