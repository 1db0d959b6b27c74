// SPDX-License-Identifier: GPL-2.0
/*
 * gosync torture: kthreads hammer a fresh counter, Mutex, RWMutex or map with no
 * syscall in the way, checking invariants as they go, in the spirit of
 * kernel/locking/locktorture.c. It measures the primitives themselves, so a
 * benchmark can tell primitive cost from ioctl cost, and it is a stress test:
 * every violation is counted in ->errors and logged.
 *
 * Like uapi.c it is a client of the primitives, never the other way round.
 */
#define pr_fmt(fmt) "gosync_torture: " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

/* Added to @inside by a writer in its critical section; readers add 1. */
#define TORTURE_WRITER_BIAS	0x10000

struct torture_run;

struct torture_thread {
	struct torture_run *run;
	struct task_struct *task;
	struct gs_holder holder;
	bool writer;
	u64 rnd;		/* map: this thread's pseudo-random state */
	u64 ops;		/* written by the thread, read after it stops */
};

struct torture_run {
	u32 type;
	void *obj;		/* struct gs_counter, _mutex or _rwmutex */
	bool monotonic;		/* counter Loads must never go backwards */
	atomic_t inside;	/* TORTURE_WRITER_BIAS per writer + 1 per reader inside */
	atomic_t errors;
};

static void torture_error(struct torture_run *run, const char *what)
{
	if (atomic_inc_return(&run->errors) <= 5)
		pr_err("%s\n", what);
}

/*
 * A primitive call failed with @err: count and log it. kthread_stop() makes
 * signal_pending() true (TIF_NOTIFY_SIGNAL), so a wait it ends is no error.
 */
static bool torture_failed(struct torture_run *run, const char *call, int err)
{
	if (err == -EINTR && kthread_should_stop())
		return false;
	if (atomic_inc_return(&run->errors) <= 5)
		pr_err("%s failed: %d\n", call, err);
	return false;
}

/* Writers: alone inside. Readers: never beside a writer. */
static void torture_enter(struct torture_run *run, bool writer)
{
	int v = atomic_add_return(writer ? TORTURE_WRITER_BIAS : 1, &run->inside);

	if (writer ? v != TORTURE_WRITER_BIAS : v >= TORTURE_WRITER_BIAS)
		torture_error(run, writer ? "writer not alone" : "reader beside a writer");
}

static void torture_leave(struct torture_run *run, bool writer)
{
	atomic_sub(writer ? TORTURE_WRITER_BIAS : 1, &run->inside);
}

/* Map torture: keys "k0".."k63"; a value is its key, ':', then dots. */
#define TORTURE_MAP_KEYS	64
#define TORTURE_MAP_VALUE	16

/*
 * Writers Store (7 in 8) or Delete random keys; readers Load them and check
 * that a value found is the one written for that key, never another key's.
 */
static bool torture_map_op(struct torture_thread *t)
{
	struct gs_map_req r = {};
	char key[8];
	int err, klen;

	t->rnd = t->rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	klen = scnprintf(key, sizeof(key), "k%u", (u32)(t->rnd >> 33) % TORTURE_MAP_KEYS);
	r.key.data = key;
	r.key.len = klen;
	if (!t->writer) {
		r.op = GOSYNC_MAP_LOAD;
		r.out_cap = TORTURE_MAP_VALUE;
	} else if ((t->rnd >> 20) & 7) {
		r.op = GOSYNC_MAP_STORE;
		r.val = gs_map_val_alloc(TORTURE_MAP_VALUE);
		if (!r.val)
			return torture_failed(t->run, "map value alloc", -ENOMEM);
		memset(r.val->data, '.', TORTURE_MAP_VALUE);
		memcpy(r.val->data, key, klen);
		r.val->data[klen] = ':';
	} else {
		r.op = GOSYNC_MAP_DELETE;
	}
	err = gs_map_do(t->run->obj, &r);
	gs_map_val_put(r.val);
	if (r.out) {
		if (r.out->len != TORTURE_MAP_VALUE || memcmp(r.out->data, key, klen) ||
		    r.out->data[klen] != ':')
			torture_error(t->run, "map Load returned another key's value");
		gs_map_val_put(r.out);
	}
	return err ? torture_failed(t->run, "map op", err) : true;
}

/* One operation of @t's kind; false if it failed. */
static bool torture_op(struct torture_thread *t, s64 *last)
{
	struct torture_run *run = t->run;
	s64 v;
	int err;

	switch (run->type) {
	case GOSYNC_TYPE_COUNTER:
		/* Adds ask for the cheap result: percpu then stays per-CPU */
		err = gs_counter_do(run->obj, t->writer ? GOSYNC_OP_ADD : GOSYNC_OP_LOAD,
				    t->writer ? GOSYNC_OP_F_APPROX : 0, t->writer, 0, &v);
		if (err)
			return torture_failed(run, "counter op", err);
		if (t->writer)
			return true;
		if (run->monotonic && v < *last)
			torture_error(run, "counter Load went backwards");
		*last = v;
		return true;
	case GOSYNC_TYPE_MUTEX:
		err = gs_mutex_lock(run->obj, &t->holder, KTIME_MAX);
		if (err)
			return torture_failed(run, "Mutex Lock", err);
		torture_enter(run, true);
		torture_leave(run, true);
		err = gs_mutex_unlock(run->obj);
		return err ? torture_failed(run, "Mutex Unlock", err) : true;
	case GOSYNC_TYPE_RWMUTEX:
		err = gs_rwmutex_lock(run->obj, &t->holder, t->writer, KTIME_MAX);
		if (err)
			return torture_failed(run, "RWMutex (R)Lock", err);
		torture_enter(run, t->writer);
		torture_leave(run, t->writer);
		if (t->writer)
			err = gs_rwmutex_unlock(run->obj);
		else
			err = gs_rwmutex_runlock(run->obj, &t->holder);
		return err ? torture_failed(run, "RWMutex (R)Unlock", err) : true;
	case GOSYNC_TYPE_MAP:
		return torture_map_op(t);
	}
	return false;
}

static int torture_thread_fn(void *arg)
{
	struct torture_thread *t = arg;
	s64 last = S64_MIN;

	while (!kthread_should_stop()) {
		t->ops += torture_op(t, &last);
		cond_resched();
	}
	return 0;
}

static int torture_create(struct torture_run *run, const struct gosync_torture *p)
{
	run->type = p->type;
	switch (p->type) {
	case GOSYNC_TYPE_COUNTER:
		run->obj = gs_counter_create(p->subtype, 0, 0);
		/* percpu sums and racy values may legitimately step back */
		run->monotonic = p->subtype != GOSYNC_COUNTER_PERCPU &&
				 p->subtype != GOSYNC_COUNTER_RACY;
		break;
	case GOSYNC_TYPE_MUTEX:
		run->obj = p->subtype || p->nr_readers ? ERR_PTR(-EINVAL) :
			   gs_mutex_create(true);
		break;
	case GOSYNC_TYPE_RWMUTEX:
		run->obj = p->subtype ? ERR_PTR(-EINVAL) : gs_rwmutex_create(true);
		break;
	case GOSYNC_TYPE_MAP:
		run->obj = gs_map_create(p->subtype, 0, 0, NULL);
		break;
	default:
		return -EINVAL;
	}
	return PTR_ERR_OR_ZERO(run->obj);
}

static void torture_destroy(struct torture_run *run)
{
	switch (run->type) {
	case GOSYNC_TYPE_COUNTER:
		gs_counter_destroy(run->obj);
		break;
	case GOSYNC_TYPE_MUTEX:
		gs_mutex_destroy(run->obj);
		break;
	case GOSYNC_TYPE_RWMUTEX:
		gs_rwmutex_destroy(run->obj);
		break;
	case GOSYNC_TYPE_MAP:
		gs_map_destroy(run->obj);
		break;
	}
}

/* Totals, fairness and the final counter check; locktorture-style log line. */
static void torture_report(struct torture_run *run, struct gosync_torture *p,
			   struct torture_thread *th, unsigned int n)
{
	u64 wmax = 0, wmin = U64_MAX;
	unsigned int i;
	s64 v;

	for (i = 0; i < n; i++) {
		if (th[i].writer) {
			p->write_ops += th[i].ops;
			wmax = max(wmax, th[i].ops);
			wmin = min(wmin, th[i].ops);
		} else {
			p->read_ops += th[i].ops;
		}
	}
	if (run->type == GOSYNC_TYPE_COUNTER &&
	    !gs_counter_do(run->obj, GOSYNC_OP_LOAD, 0, 0, 0, &v)) {
		if (p->subtype == GOSYNC_COUNTER_RACY)
			p->lost = p->write_ops - v;
		else if (v != p->write_ops)
			torture_error(run, "counter does not match its Adds");
	}
	p->errors = atomic_read(&run->errors);
	if (!p->nr_writers)
		wmin = 0;
	pr_info("type %u/%u: Writes: Total: %llu Max/Min: %llu/%llu %s Reads: Total: %llu Fail: %u\n",
		p->type, p->subtype, p->write_ops, wmax, wmin,
		p->nr_writers && (!wmin || p->errors) ? "???" : "",
		p->read_ops, p->errors);
}

/**
 * gs_torture_run() - run a torture test as described by @p
 * @p: the request; its out fields are filled (->threads is not used)
 * @results: room for nr_writers + nr_readers entries
 *
 * Return: 0, -EINVAL for a bad request, -ENOMEM, or -EINTR if a signal cut
 * the run short (the results are still filled in).
 */
int gs_torture_run(struct gosync_torture *p, struct gosync_torture_thread *results)
{
	unsigned int i, n = p->nr_writers + p->nr_readers, started;
	struct torture_run run = { .inside = ATOMIC_INIT(0), .errors = ATOMIC_INIT(0) };
	struct torture_thread *th;
	ktime_t start;
	int ret;

	if (!n || n > GOSYNC_TORTURE_MAX_THREADS || !p->duration_ms ||
	    p->duration_ms > GOSYNC_TORTURE_MAX_MS)
		return -EINVAL;
	ret = torture_create(&run, p);
	if (ret)
		return ret;
	th = kcalloc(n, sizeof(*th), GFP_KERNEL);
	if (!th) {
		torture_destroy(&run);
		return -ENOMEM;
	}

	for (started = 0; started < n; started++) {
		struct torture_thread *t = &th[started];

		t->run = &run;
		t->writer = started < p->nr_writers;
		t->rnd = started + 1;
		t->task = kthread_create(torture_thread_fn, t, "gosync_tort/%u", started);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			break;
		}
	}
	start = ktime_get();
	for (i = 0; i < started; i++)
		wake_up_process(th[i].task);
	if (!ret && msleep_interruptible(p->duration_ms))
		ret = -EINTR;
	/* kthread_stop() waits for each thread; the others keep cycling, so none hangs */
	for (i = 0; i < started; i++)
		kthread_stop(th[i].task);
	p->elapsed_ns = ktime_to_ns(ktime_sub(ktime_get(), start));

	if (started == n) {
		torture_report(&run, p, th, n);
		for (i = 0; i < n; i++)
			results[i] = (struct gosync_torture_thread){
				.ops = th[i].ops, .writer = th[i].writer,
			};
	}
	kfree(th);
	torture_destroy(&run);
	return ret;
}
