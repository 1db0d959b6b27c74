// SPDX-License-Identifier: GPL-2.0
/*
 * gosync torture: kthreads hammer a fresh counter, Mutex, RWMutex or map with
 * no syscall in the way, checking invariants as they go, as
 * kernel/locking/locktorture.c does. It measures the primitives themselves,
 * so a benchmark can tell primitive cost from ioctl cost, and it is a stress
 * test: every violation is counted in ->errors and logged.
 *
 * As in locktorture, the engine is written once against one ops vector per
 * type (struct torture_ops). Lock types hold the lock across a short delay
 * inside the critical section, so that two holders that overlap are seen.
 * Built only with GOSYNC_TORTURE (see Kbuild); a client of the primitives.
 */
#define pr_fmt(fmt) "gosync_torture: " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "internal.h"

/*
 * One run at a time, as locktorture allows one test: two would share the
 * CPUs and measure neither primitive, and each may start 64 kthreads.
 */
static DEFINE_MUTEX(torture_lock);

/* Added to @inside by a writer in its critical section; readers add 1. */
#define TORTURE_WRITER_BIAS	0x10000
/* Time a lock holder stays inside, so an overlap would be caught. */
#define TORTURE_HOLD_NS		500

struct torture_run;

struct torture_thread {
	struct torture_run *run;
	struct task_struct *task;
	struct gs_holder holder;
	bool writer;
	u64 rnd;		/* this thread's pseudo-random state */
	s64 last;		/* counter: the last value this reader saw */
	u64 ops;		/* written by the thread, read after it stops */
	u64 warm;		/* the same, before the clock started: not reported */
};

/**
 * struct torture_ops - one type's part of a torture run
 * @type: enum gosync_type
 * @name: for the log line
 * @create: a fresh primitive of @subtype, or an ERR_PTR (-EINVAL for a
 *	request this type cannot run, such as readers of a Mutex)
 * @destroy: free it
 * @write: one writer operation (Add, Lock..Unlock, Store/Delete)
 * @read: one reader operation, or NULL if the type has no readers
 * @finish: optional: final checks and results once the threads stopped
 *
 * @write and @read return false if the operation failed (already counted).
 */
struct torture_ops {
	u32 type;
	const char *name;
	void *(*create)(const struct gosync_torture *p);
	void (*destroy)(void *obj);
	bool (*write)(struct torture_thread *t);
	bool (*read)(struct torture_thread *t);
	void (*finish)(struct torture_run *run, struct gosync_torture *p);
};

struct torture_run {
	const struct torture_ops *ops;
	void *obj;		/* the primitive */
	bool monotonic;		/* counter Loads must never go backwards */
	atomic_t inside;	/* TORTURE_WRITER_BIAS per writer + 1 per reader inside */
	atomic_t errors;
	unsigned int nr_threads;
	atomic_t warm;		/* threads that finished their first call */
	struct completion all_warm;
	bool timing;		/* the clock runs: ops count */
	u64 warm_writes;	/* writers' ops before it did (the counter's check) */
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

/*
 * The critical section of a lock type. Writers: alone inside. Readers:
 * never beside a writer. Staying a moment gives an overlap time to show.
 */
static void torture_inside(struct torture_run *run, bool writer)
{
	int v = atomic_add_return(writer ? TORTURE_WRITER_BIAS : 1, &run->inside);

	if (writer ? v != TORTURE_WRITER_BIAS : v >= TORTURE_WRITER_BIAS)
		torture_error(run, writer ? "writer not alone" : "reader beside a writer");
	ndelay(TORTURE_HOLD_NS);
	atomic_sub(writer ? TORTURE_WRITER_BIAS : 1, &run->inside);
}

/* ---- counter ---- */

static void *tt_counter_create(const struct gosync_torture *p)
{
	return gs_counter_create(p->subtype, 0, 0);
}

static void tt_counter_destroy(void *obj)
{
	gs_counter_destroy(obj);
}

/* Adds ask for the cheap result: percpu then stays per-CPU. */
static bool tt_counter_write(struct torture_thread *t)
{
	s64 v;
	int err = gs_counter_do(t->run->obj, GOSYNC_OP_ADD, GOSYNC_OP_F_APPROX, 1, 0, &v);

	return err ? torture_failed(t->run, "counter Add", err) : true;
}

static bool tt_counter_read(struct torture_thread *t)
{
	s64 v;
	int err = gs_counter_do(t->run->obj, GOSYNC_OP_LOAD, 0, 0, 0, &v);

	if (err)
		return torture_failed(t->run, "counter Load", err);
	if (t->run->monotonic && v < t->last)
		torture_error(t->run, "counter Load went backwards");
	t->last = v;
	return true;
}

/* The counter must end at the number of Adds; racy's shortfall is its loss. */
static void tt_counter_finish(struct torture_run *run, struct gosync_torture *p)
{
	s64 v;

	if (gs_counter_do(run->obj, GOSYNC_OP_LOAD, 0, 0, 0, &v))
		return;
	if (p->subtype == GOSYNC_COUNTER_RACY)
		p->lost = p->write_ops + run->warm_writes - v;
	else if (v != p->write_ops + run->warm_writes)
		torture_error(run, "counter does not match its Adds");
}

/* ---- Mutex ---- */

static void *tt_mutex_create(const struct gosync_torture *p)
{
	return p->subtype || p->nr_readers ? ERR_PTR(-EINVAL) : gs_mutex_create(true);
}

static void tt_mutex_destroy(void *obj)
{
	gs_mutex_destroy(obj);
}

static bool tt_mutex_write(struct torture_thread *t)
{
	int err = gs_mutex_lock(t->run->obj, &t->holder, &GS_FOREVER);

	if (err)
		return torture_failed(t->run, "Mutex Lock", err);
	torture_inside(t->run, true);
	err = gs_mutex_unlock(t->run->obj);
	return err ? torture_failed(t->run, "Mutex Unlock", err) : true;
}

/* ---- RWMutex ---- */

static void *tt_rwmutex_create(const struct gosync_torture *p)
{
	return p->subtype ? ERR_PTR(-EINVAL) : gs_rwmutex_create(true);
}

static void tt_rwmutex_destroy(void *obj)
{
	gs_rwmutex_destroy(obj);
}

static bool tt_rwmutex_op(struct torture_thread *t)
{
	int err = gs_rwmutex_lock(t->run->obj, &t->holder, t->writer, &GS_FOREVER);

	if (err)
		return torture_failed(t->run, "RWMutex (R)Lock", err);
	torture_inside(t->run, t->writer);
	if (t->writer)
		err = gs_rwmutex_unlock(t->run->obj);
	else
		err = gs_rwmutex_runlock(t->run->obj, &t->holder);
	return err ? torture_failed(t->run, "RWMutex (R)Unlock", err) : true;
}

/* ---- map ---- */

/* Keys "k0".."k63"; a value is its key, ':', then dots. */
#define TORTURE_MAP_KEYS	64
#define TORTURE_MAP_VALUE	16

static void *tt_map_create(const struct gosync_torture *p)
{
	return gs_map_create(p->subtype, 0, 0, NULL);
}

static void tt_map_destroy(void *obj)
{
	gs_map_destroy(obj);
}

static int tt_map_key(struct torture_thread *t, char *key, size_t size)
{
	t->rnd = t->rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	return scnprintf(key, size, "k%u", (u32)(t->rnd >> 33) % TORTURE_MAP_KEYS);
}

/* Writers Store (7 in 8) or Delete random keys. */
static bool tt_map_write(struct torture_thread *t)
{
	struct gs_map_req r = {};
	char key[8];
	int err, klen = tt_map_key(t, key, sizeof(key));

	r.key.data = key;
	r.key.len = klen;
	if ((t->rnd >> 20) & 7) {
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
	return err ? torture_failed(t->run, "map Store/Delete", err) : true;
}

/* Readers Load and check that a value found is its key's, never another's. */
static bool tt_map_read(struct torture_thread *t)
{
	struct gs_map_req r = { .op = GOSYNC_MAP_LOAD, .out_cap = TORTURE_MAP_VALUE };
	char key[8];
	int err, klen = tt_map_key(t, key, sizeof(key));

	r.key.data = key;
	r.key.len = klen;
	err = gs_map_do(t->run->obj, &r);
	if (r.out) {
		if (r.out->len != TORTURE_MAP_VALUE || memcmp(r.out->data, key, klen) ||
		    r.out->data[klen] != ':')
			torture_error(t->run, "map Load returned another key's value");
		gs_map_val_put(r.out);
	}
	return err ? torture_failed(t->run, "map Load", err) : true;
}

static const struct torture_ops torture_types[] = {
	{ .type = GOSYNC_TYPE_COUNTER, .name = "counter", .create = tt_counter_create,
	  .destroy = tt_counter_destroy, .write = tt_counter_write, .read = tt_counter_read,
	  .finish = tt_counter_finish },
	{ .type = GOSYNC_TYPE_MUTEX, .name = "mutex", .create = tt_mutex_create,
	  .destroy = tt_mutex_destroy, .write = tt_mutex_write },
	{ .type = GOSYNC_TYPE_RWMUTEX, .name = "rwmutex", .create = tt_rwmutex_create,
	  .destroy = tt_rwmutex_destroy, .write = tt_rwmutex_op, .read = tt_rwmutex_op },
	{ .type = GOSYNC_TYPE_MAP, .name = "map", .create = tt_map_create,
	  .destroy = tt_map_destroy, .write = tt_map_write, .read = tt_map_read },
};

/* ---- the engine ---- */

static int torture_thread_fn(void *arg)
{
	struct torture_thread *t = arg;
	struct torture_run *run = t->run;
	const struct torture_ops *ops = run->ops;
	bool warm = false;

	while (!kthread_should_stop()) {
		u64 n = t->writer ? ops->write(t) : ops->read(t);

		if (READ_ONCE(run->timing))
			t->ops += n;
		else
			t->warm += n;
		if (!warm && atomic_inc_return(&run->warm) == run->nr_threads)
			complete(&run->all_warm);
		warm = true;
		cond_resched();
	}
	return 0;
}

/* Totals, fairness and the type's final check; locktorture-style log line. */
static void torture_report(struct torture_run *run, struct gosync_torture *p,
			   struct torture_thread *th, unsigned int n)
{
	u64 wmax = 0, wmin = U64_MAX;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (th[i].writer) {
			p->write_ops += th[i].ops;
			run->warm_writes += th[i].warm;
			wmax = max(wmax, th[i].ops);
			wmin = min(wmin, th[i].ops);
		} else {
			p->read_ops += th[i].ops;
		}
	}
	if (run->ops->finish)
		run->ops->finish(run, p);
	p->errors = atomic_read(&run->errors);
	if (!p->nr_writers)
		wmin = 0;
	pr_info("%s/%u: Writes: Total: %llu Max/Min: %llu/%llu %s Reads: Total: %llu Fail: %u\n",
		run->ops->name, p->subtype, p->write_ops, wmax, wmin,
		p->nr_writers && (!wmin || p->errors) ? "???" : "",
		p->read_ops, p->errors);
}

/*
 * Sleep until @end on the clock elapsed_ns is read from (msleep() counts
 * jiffies, which may lag ktime by a tick, so it could return a hair early).
 * Return: 0, or -EINTR for a signal.
 */
static int torture_sleep(ktime_t end)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			__set_current_state(TASK_RUNNING);
			return -EINTR;
		}
		/* 0: the timer ran out (hrtimers never fire early) */
		if (!schedule_hrtimeout(&end, HRTIMER_MODE_ABS))
			return 0;
	}
}

/**
 * gs_torture_run() - run a torture test as described by @p
 * @p: the request; its out fields are filled (->threads is not used)
 * @results: room for nr_writers + nr_readers entries
 *
 * Return: 0, -EINVAL for a bad request, -EBUSY while another run runs,
 * -ENOMEM, or -EINTR if a signal cut the run short (the results are still
 * filled in).
 */
int gs_torture_run(struct gosync_torture *p, struct gosync_torture_thread *results)
{
	unsigned int i, n = p->nr_writers + p->nr_readers, started;
	struct torture_run run = { .inside = ATOMIC_INIT(0), .errors = ATOMIC_INIT(0),
				   .nr_threads = n, .warm = ATOMIC_INIT(0) };
	struct torture_thread *th;
	ktime_t start;
	int ret = 0;

	if (!n || n > GOSYNC_TORTURE_MAX_THREADS || !p->duration_ms ||
	    p->duration_ms > GOSYNC_TORTURE_MAX_MS)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(torture_types); i++)
		if (torture_types[i].type == p->type)
			run.ops = &torture_types[i];
	if (!run.ops || (p->nr_readers && !run.ops->read))
		return -EINVAL;
	/* create checks the subtype: a bad request is EINVAL even while busy */
	run.obj = run.ops->create(p);
	if (IS_ERR(run.obj))
		return PTR_ERR(run.obj);
	if (!mutex_trylock(&torture_lock)) {
		ret = -EBUSY;
		goto out_destroy;
	}
	/* percpu sums and racy values may legitimately step back */
	run.monotonic = p->type == GOSYNC_TYPE_COUNTER && p->subtype != GOSYNC_COUNTER_PERCPU &&
			p->subtype != GOSYNC_COUNTER_RACY;
	init_completion(&run.all_warm);
	th = kcalloc(n, sizeof(*th), GFP_KERNEL);
	if (!th) {
		ret = -ENOMEM;
		goto out_unlock;
	}

	for (started = 0; started < n; started++) {
		struct torture_thread *t = &th[started];

		t->run = &run;
		t->writer = started < p->nr_writers;
		t->rnd = started + 1;
		t->last = S64_MIN;
		t->task = kthread_create(torture_thread_fn, t, "gosync_tort/%u", started);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			break;
		}
	}
	for (i = 0; i < started; i++)
		wake_up_process(th[i].task);
	/*
	 * The clock starts once every thread has run (a slow guest may not run
	 * one for a while, and a thread stopped before it ran never runs); ops
	 * count from then, so a thread with none was starved by the others.
	 * One that cannot finish its first call in 30 s is an error.
	 */
	if (!ret) {
		long left = wait_for_completion_interruptible_timeout(&run.all_warm, 30 * HZ);

		if (left < 0)
			ret = -EINTR;
		else if (!left)
			torture_error(&run, "a thread did not finish its first call in 30 s");
	}
	WRITE_ONCE(run.timing, true);
	start = ktime_get();
	if (!ret)
		ret = torture_sleep(ktime_add_ms(start, p->duration_ms));
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
out_unlock:
	mutex_unlock(&torture_lock);
out_destroy:
	run.ops->destroy(run.obj);
	return ret;
}
