/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosync-stress: one driver, many workloads, many backends.
 *
 * A workload (struct stress_workload) is a table entry: a per-worker body
 * plus setup/verify/teardown hooks. A backend (struct stress_backend) is one
 * implementation of a family of objects (counter, lock, waitgroup), kernel
 * or userspace, behind one ops vector per family, so every workload runs
 * against all the backends of its families. The driver (driver.c) runs a workload for each backend x variant x
 * thread count, each point --reps times, in threads or forked processes, and
 * hands rows to the output layer (output.c) as a table, JSON lines or CSV.
 *
 * Files, each using only those after it (no cycles):
 *   main.c                     the workload table, the command line
 *   smoke.c                    --smoke: every workload, then torture's
 *   torture.c                  GOSYNC_IOC_TORTURE, not a driver workload
 *   workloads_lock.c, workloads_map.c, seeds.c, workloads_counter.c,
 *   workloads_chan.c, workloads_sem.c, compare.c  the workloads and their
 *                              reports
 *   driver.c                   points, workers, repetitions
 *   backends.c                 the backend table
 *   counter.c, lock.c, map.c,  the ops vectors, gosync and peers
 *   chan.c
 *   output.c                   rows as a table, JSON lines or CSV
 *   platform.c                 clock, sleep, shared memory, CPUs
 *   ../common (json, opts), ../lib (libgosync)
 */
#ifndef GOSYNC_STRESS_H
#define GOSYNC_STRESS_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gosync.h"
#include "json.h"
#include "opts.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define STRESS_MAX_SWEEP	64	/* thread counts in one --threads list */
#define STRESS_MAX_THREADS	1024	/* workers in one point */
#define STRESS_MAX_BACKENDS	32	/* backends in one --mode list */
#define STRESS_MAX_COLS		48	/* columns in one output row */

/* ---- output (output.c) ---- */

enum stress_format { STRESS_TABLE, STRESS_JSON, STRESS_CSV };

enum stress_col_type { STRESS_STR, STRESS_INT, STRESS_UINT, STRESS_NUM, STRESS_BOOL };

/* One value of a row: @label is the table heading, NULL to keep it out of the table. */
struct stress_col {
	const char *key;
	const char *label;
	enum stress_col_type type;
	union {
		const char *s;
		long long i;
		unsigned long long u;	/* a uint64_t of the whole range: seed */
		double d;
		bool b;
	};
	char text[80];		/* table text when it is not the plain value */
};

struct stress_row {
	unsigned int n;
	struct stress_col col[STRESS_MAX_COLS];
};

struct stress_out;

struct stress_out *stress_out_new(FILE *f, enum stress_format fmt);
/* Start a new table (with a title line in table format); flushes the previous one. */
void stress_out_section(struct stress_out *o, const char *title);
void stress_out_row(struct stress_out *o, const struct stress_row *r);
/* A free text line: printed in table format only. */
void stress_out_note(struct stress_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void stress_out_free(struct stress_out *o);	/* flushes */
enum stress_format stress_out_format(const struct stress_out *o);

struct stress_col *row_str(struct stress_row *r, const char *key,
			   const char *label, const char *v);
struct stress_col *row_int(struct stress_row *r, const char *key,
			   const char *label, long long v);
struct stress_col *row_uint(struct stress_row *r, const char *key,
			    const char *label, unsigned long long v);
struct stress_col *row_num(struct stress_row *r, const char *key,
			   const char *label, double v);
struct stress_col *row_bool(struct stress_row *r, const char *key,
			    const char *label, bool v);

/* ---- backends (counter.c) ---- */

struct counter;

/* An ops vector per implementation, as in kernel/locking/locktorture.c. */
struct counter_ops {
	int (*open)(struct counter *c, int dev);
	/* @res (may be NULL): out: the new value */
	int (*add)(struct counter *c, int64_t delta, int64_t *res);
	/* @ops all GOSYNC_OP_ADD; NULL if the backend has no batch path */
	int (*batch)(struct counter *c, struct gosync_op *ops, unsigned int n);
	int (*load)(struct counter *c, int64_t *v);
	int (*store)(struct counter *c, int64_t v);
	void (*close)(struct counter *c);
};

struct lock_ops;
struct wg_ops;
struct sem_ops;
struct map_ops;
struct chan_ops;

struct stress_backend {
	const char *name;
	const char *family;	/* "counter", "lock", "waitgroup", "sem", "map",
				 * "chan" */
	const char *desc;
	bool kernel;		/* needs /dev/gosync */
	bool exact;		/* its updates are never lost */
	unsigned int mode;	/* GOSYNC_COUNTER_* for kernel counters,
				 * GOSYNC_MAP_* for kernel maps */
	bool batched;		/* maps: workloads use ->batch (GOSYNC_IOC_BATCH);
				 * chans: ->send_vec, ->recv_vec */
	const struct counter_ops *counter;	/* family "counter" */
	const struct lock_ops *lock;		/* family "lock" */
	const struct wg_ops *wg;		/* family "waitgroup" */
	const struct sem_ops *sem;		/* family "sem" */
	const struct map_ops *map;		/* family "map" */
	const struct chan_ops *chan;		/* family "chan" */
};

/* Every backend, NULL-terminated by name. */
extern const struct stress_backend stress_backends[];

/* One counter shared by all workers: lives in shared memory (stress_shm_alloc). */
struct counter {
	const struct stress_backend *be;
	int fd;				/* kernel backends: the counter's fd */
	struct gosync_fast fast;	/* atomic-mapped: its page, mapped before
					 * any fork (--procs share it) */
	unsigned int delay_ns;		/* racy backends: read-to-write window */
	unsigned int add_flags;		/* kernel backends: GOSYNC_OP_F_* for Add */
	_Atomic int64_t value;		/* userspace peers */
	int64_t plain;			/* urcu-uatomic peer */
	void *lock;			/* pthread-mutex peer: a shared mutex */
	struct counter_slot *slots;	/* per-thread peer: STRESS_MAX_THREADS,
					 * shared memory */
};

/* One worker's share of a per-thread counter, a cache line of its own. */
struct counter_slot {
	_Alignas(64) int64_t v;
};

/* Create @c of backend @be (c itself must be shared memory for --procs). */
int counter_open(struct counter *c, const struct stress_backend *be, int dev,
		 unsigned int delay_ns);
void counter_close(struct counter *c);
/* The calling worker adds to slot @id of per-thread counters (others ignore it). */
void counter_bind(unsigned int id);

extern const struct counter_ops kern_counter_ops, mapped_counter_ops, c11_racy_ops,
	c11_atomic_ops, urcu_ops, per_thread_ops, pthread_mutex_counter_ops;

/* ---- lock and waitgroup backends (lock.c) ---- */

/*
 * One lock (a gosync Mutex or RWMutex fd, or a pthread object in place), in
 * shared memory, two cache lines of its own. @guard and @writer_in are the
 * workloads' exclusion check: only the lock's exclusive holder touches
 * @guard (a plain load and store, no RMW) and sets @writer_in.
 */
struct lockobj {
	_Alignas(128) const struct stress_backend *be;
	int fd;				/* gosync backends */
	/* mapped gosync backends; forked workers inherit fd and mapping */
	struct gosync_fast fast;
	_Atomic int writer_in;
	_Atomic int64_t guard;
	union {
		pthread_mutex_t m;
		pthread_rwlock_t rw;
	};
};

/* Every call returns 0 or -1 with errno set (pthread's error codes too). */
struct lock_ops {
	int (*open)(struct lockobj *l, int dev, bool pshared);
	int (*lock)(struct lockobj *l);
	int (*unlock)(struct lockobj *l);
	int (*rlock)(struct lockobj *l);	/* NULL: exclusive only */
	int (*runlock)(struct lockobj *l);
	void (*close)(struct lockobj *l);
};

/* One WaitGroup-like object, in shared memory. */
struct wgobj {
	_Alignas(128) const struct stress_backend *be;
	int fd;				/* gosync backends */
	struct gosync_fast fast;	/* gosync-waitgroup-mapped: mapped before
					 * any fork */
	int64_t count;			/* mutex+cond peer: under @m */
	pthread_mutex_t m;
	pthread_cond_t cv;
	pthread_barrier_t b;		/* barrier peer */
};

struct wg_ops {
	/* @parties: the barrier's count (the other backends ignore it) */
	int (*open)(struct wgobj *g, int dev, bool pshared, unsigned int parties);
	int (*add)(struct wgobj *g, int64_t delta);	/* NULL: a barrier */
	int (*done)(struct wgobj *g);
	int (*wait)(struct wgobj *g);			/* until zero */
	int (*load)(struct wgobj *g, int64_t *v);
	int (*arrive)(struct wgobj *g);			/* barrier: one round */
	void (*close)(struct wgobj *g);
};

extern const struct lock_ops gosync_mutex_ops, gosync_mutex_mapped_ops, gosync_rwmutex_ops,
	gosync_rwmutex_mapped_ops,
	pthread_mutex_lock_ops, pthread_rwlock_ops, pthread_rwlock_wp_ops;
extern const struct wg_ops gosync_wg_ops, gosync_wg_mapped_ops, pthread_cond_wg_ops,
	pthread_barrier_ops;

int lockobj_open(struct lockobj *l, const struct stress_backend *be, int dev,
		 bool pshared);
void lockobj_close(struct lockobj *l);
int wgobj_open(struct wgobj *g, const struct stress_backend *be, int dev,
	       bool pshared, unsigned int parties);
void wgobj_close(struct wgobj *g);

/*
 * One counting semaphore of @permits (a gosync Semaphore fd, or a POSIX
 * sem_t in place), in shared memory, two cache lines of its own. @inside,
 * @max_inside and @over are the workloads' check: every holder counts
 * itself in and out of @inside; @over counts entries that found more than
 * @permits inside.
 */
struct semobj {
	_Alignas(128) const struct stress_backend *be;
	int fd;				/* gosync backend */
	struct gosync_fast fast;	/* gosync-sem-mapped: its page */
	unsigned int permits;
	_Atomic unsigned int inside;
	_Atomic unsigned int max_inside;
	_Atomic uint64_t over;
	_Atomic int64_t guard;		/* 1 permit: only its holder touches it */
	sem_t s;			/* posix-sem peer */
};

/* Acquire and Release of 1 permit; each returns 0 or -1 with errno set. */
struct sem_ops {
	int (*open)(struct semobj *s, int dev, bool pshared);
	int (*acquire)(struct semobj *s);
	int (*release)(struct semobj *s);
	void (*close)(struct semobj *s);
};

extern const struct sem_ops gosync_sem_ops, posix_sem_ops, unlimited_sem_ops;
extern const struct sem_ops gosync_sem_mapped_ops;

int semobj_open(struct semobj *s, const struct stress_backend *be, int dev,
		bool pshared, unsigned int permits);
void semobj_close(struct semobj *s);
/* A holder of @s counts itself in: false if it found @s over its permits. */
bool semobj_enter(struct semobj *s);
void semobj_leave(struct semobj *s);

/* ---- map backends (map.c) ---- */

/* Longest key and value the userspace peers hold (inline in each entry). */
#define MAP_PEER_MAX	32

/* One map, process-private (map workloads run threads only). */
struct mapobj {
	const struct stress_backend *be;
	int fd;				/* gosync backends */
	void *priv;			/* peers: their table */
};

/* Range callback: return false to stop. Pointers are valid during the call. */
typedef bool (*map_range_fn)(void *arg, const void *k, size_t kl,
			     const void *v, size_t vl);

/* sync.Map's operations. Every call returns 0 or -1 with errno set. */
struct map_ops {
	int (*open)(struct mapobj *m, int dev, unsigned int max_entries);
	/* @ok: whether @k was present; @buf gets its value (@cap bytes) */
	int (*load)(struct mapobj *m, const void *k, size_t kl, void *buf,
		    size_t cap, size_t *len, bool *ok);
	int (*store)(struct mapobj *m, const void *k, size_t kl, const void *v,
		     size_t vl);
	int (*load_or_store)(struct mapobj *m, const void *k, size_t kl,
			     const void *v, size_t vl, bool *loaded);
	int (*delete)(struct mapobj *m, const void *k, size_t kl, bool *deleted);
	int (*swap)(struct mapobj *m, const void *k, size_t kl, const void *v,
		    size_t vl, bool *loaded);
	int (*cas)(struct mapobj *m, const void *k, size_t kl, const void *old,
		   size_t ol, const void *v, size_t vl, bool *swapped);
	int (*range)(struct mapobj *m, map_range_fn fn, void *arg);
	/* NULL if none: run @n ops with GOSYNC_IOC_BATCH; -1 if any failed */
	int (*batch)(struct mapobj *m, struct gosync_map_op *ops, unsigned int n);
	void (*close)(struct mapobj *m);
	/* optional: false if this build cannot run it (not linked) */
	bool (*available)(void);
	/* optional: around each worker thread's use (liburcu registration) */
	void (*thread_init)(void);
	void (*thread_exit)(void);
};

extern const struct map_ops gosync_map_ops, pthread_mutex_map_ops,
	pthread_rwlock_map_ops, urcu_lfht_ops;

int mapobj_open(struct mapobj *m, const struct stress_backend *be, int dev,
		unsigned int max_entries);
void mapobj_close(struct mapobj *m);

/* ---- channel backends (chan.c) ---- */

/* The Go peer of chan-bench, next to gosync-stress (or $GOSYNC_CHANBENCH_GO) */
#define STRESS_GO_PEER		"gosync-chanbench-go"

struct chan_ring;

/*
 * One one-way channel of messages (a gosync channel, a pipe, a socketpair, a
 * POSIX message queue, a ring in shared memory with eventfd doorbells), in
 * shared memory, so forked workers use it through inherited fds. Every
 * message of a point has one size, @msg_max: byte-stream peers (the pipe)
 * move exactly that many bytes per message.
 */
struct chanobj {
	_Alignas(128) const struct stress_backend *be;
	int fd[2];			/* gosync, mqueue: fd[0]; pipe, socketpair:
					 * read, write end; eventfd-ring: items,
					 * space doorbells; go-chan: its stdin, stdout */
	unsigned int cap;		/* messages it holds: as asked, or what it
					 * got (mqueue, pipe, socketpair) */
	size_t msg_max;
	struct chan_ring *ring;		/* eventfd-ring: in shared memory */
	size_t ring_size;
	int pid;			/* go-chan: the Go process */
};

/* Every call returns 0 or -1 with errno set. */
struct chan_ops {
	/* @cap messages of at most @msg_max bytes (0: unbuffered, gosync only) */
	int (*open)(struct chanobj *c, int dev, unsigned int cap, size_t msg_max);
	int (*send)(struct chanobj *c, const void *msg, size_t len);
	/* one message into @buf (@room bytes); *@len its length */
	int (*recv)(struct chanobj *c, void *buf, size_t room, size_t *len);
	/* optional: @n messages in one call (gosync-chan-vec); recv_vec takes
	 * what is there, at least one: *@got */
	int (*send_vec)(struct chanobj *c, struct gosync_chan_msg *m, unsigned int n);
	int (*recv_vec)(struct chanobj *c, struct gosync_chan_msg *m, unsigned int n,
			unsigned int *got);
	void (*close)(struct chanobj *c);
	/*
	 * optional: the whole measurement runs elsewhere (go-chan: goroutines
	 * in a Go process): @kind ("pingpong" or "stream") of @size-byte
	 * messages, @iterations of them, or (0) until *@stop; out: @ops done
	 * and @bad (out of order, corrupt or lost)
	 */
	int (*bench)(struct chanobj *c, const char *kind, size_t size,
		     uint64_t iterations, _Atomic int *stop, uint64_t *ops,
		     uint64_t *bad);
	/* optional: false if it cannot run here; @why says why */
	bool (*available)(const char **why);
	/*
	 * optional: a party failed: the other's waiting and later sends and
	 * recvs on @c fail (what is buffered may still be received), so it
	 * returns instead of waiting forever for room or a message
	 */
	void (*shut)(struct chanobj *c);
};

extern const struct chan_ops gosync_chan_ops, gosync_chan_vec_ops, pipe_chan_ops,
	socketpair_chan_ops, mqueue_chan_ops, ring_chan_ops, go_chan_ops;

int chanobj_open(struct chanobj *c, const struct stress_backend *be, int dev,
		 unsigned int cap, size_t msg_max);
void chanobj_shut(struct chanobj *c);
void chanobj_close(struct chanobj *c);
bool chan_available(const struct stress_backend *be, const char **why);

/* ---- driver (driver.c) ---- */

/* Key distributions (--dist). */
enum stress_dist { STRESS_UNIFORM, STRESS_ZIPF };

#define STRESS_ZIPF_S		0.99	/* --dist zipf's default skew */
/* --keys at most: a gosync map's default size (every key preloaded) */
#define STRESS_KEYS_MAX		((unsigned long long)GOSYNC_MAP_DEFAULT_ENTRIES)
#define STRESS_SEED		1	/* --seed default */

/* The command line, as every workload sees it. 0 / NULL / -1: workload default. */
struct stress_opts {
	const char *modes;		/* --mode list */
	const char *variants;		/* --variant list, NULL: all */
	unsigned int threads[STRESS_MAX_SWEEP];
	unsigned int nthreads;		/* entries in threads[]; 0: default */
	bool procs;			/* --procs: fork workers */
	bool no_pin;			/* --no-pin: let the scheduler place workers */
	double duration;		/* --duration SEC per point */
	uint64_t iterations;		/* --iterations K per worker */
	unsigned int reps;		/* --reps N */
	unsigned int batch;		/* --batch B */
	long long delay_ns;		/* --delay-ns D, -1: default */
	bool quiet;			/* --quiet */
	bool progress;			/* live line on stderr */
	enum stress_format format;
	double warmup;			/* --warmup SEC, untimed, per rep */
	uint64_t keys;			/* --keys N, 0: workload default */
	enum stress_dist dist;		/* --dist */
	double zipf_s;			/* --dist zipf:S */
	int read_pct;			/* --read-pct P, -1: workload default */
	uint64_t seed;			/* --seed */
	unsigned int limit;		/* --limit K, 0: workload default */
};

/* One worker (thread or process), in shared memory, one cache line at least. */
struct stress_worker {
	_Alignas(64) _Atomic uint64_t ops;	/* ops done so far */
	unsigned int id;			/* 0 .. threads-1 */
	int err;				/* errno of the first failure */
	double t0, t1;				/* CLOCK_MONOTONIC start, end */
	bool warming;				/* in the untimed warm-up */
	uint64_t warm_ops;			/* ops done in the warm-up */
};

struct stress_workload;

/* One configuration being measured; the hooks see it. */
struct stress_point {
	const struct stress_workload *wl;
	const struct stress_backend *be;
	const char *variant;		/* NULL if the workload has none */
	unsigned int threads;
	bool procs;
	bool pin;			/* worker i runs on the i-th allowed CPU */
	uint64_t iterations;		/* per worker; 0: run for @duration */
	double duration;
	unsigned int batch;
	unsigned int delay_ns;
	bool quiet;			/* workload narration off */
	int dev;			/* /dev/gosync or -1 */
	void *ctx;			/* the workload's state (setup) */
	_Atomic int *stop;		/* duration mode: set when time is up */
	_Atomic int *warm_stop;		/* set when the warm-up is over */
	double warmup;			/* untimed seconds before each rep, 0: none */
	/* keyed workloads (0 keys: this point picks no keys) */
	uint64_t keys;			/* keys 0 .. keys-1 */
	enum stress_dist dist;
	double zipf_s;
	double zeta_n;			/* zipf: zeta(keys, zipf_s), by the driver */
	int read_pct;			/* % reads of a mix, -1: no mix */
	uint64_t seed;			/* per-worker generators derive from it */
	unsigned int limit;		/* bounded: the semaphore's permits */
};

/* What one repetition of a point measured. */
struct stress_sample {
	uint64_t ops;			/* all workers */
	double secs;			/* first start to last end */
	int64_t expected, actual;	/* verify: the object's value */
	bool ok;			/* verify passed, no worker failed */
	int err;			/* errno if something failed */
	uint64_t wmin, wmax;		/* fewest and most ops of one worker */
	uint64_t warm_ops;		/* ops in the warm-up (not in @ops) */
	uint64_t extra;			/* verify: a second measure of its own
					 * (bounded: the most inside at once;
					 * chan-bench: the messages it holds) */
};

struct stress_stat {
	double med, min, max;
};

/* A point and its repetitions. */
struct stress_result {
	struct stress_point p;
	unsigned int reps;
	struct stress_stat rate;	/* ops/s, all workers */
	struct stress_stat lost;	/* expected - actual */
	struct stress_stat actual;	/* the object's final value */
	struct stress_stat expected;	/* what it should have been */
	struct stress_stat lost_pct;	/* 100 * lost / expected */
	struct stress_stat extra;	/* the workload's second measure */
	unsigned int inexact;		/* reps whose actual != expected */
	struct stress_sample last;	/* the last repetition */
	/* per-worker ops of the rep with the largest max/min (min 0 first) */
	uint64_t wmin, wmax;
	bool ok;			/* every repetition ok */
};

/* The state of one workload run, for its finish hook. */
struct stress_run {
	const struct stress_workload *wl;
	const struct stress_opts *o;
	struct stress_out *out;
	int dev;
	struct stress_result *res;
	unsigned int nres;
};

struct stress_workload {
	const char *name;
	const char *desc;
	const char *usage;		/* options it reads, for --help */
	const char *family;		/* backends it runs on: a family, or a
					 * comma-separated list of them */
	const char *default_modes;	/* --mode default */
	const char *const *variants;	/* NULL-terminated, or NULL */
	unsigned int fixed_threads;	/* 0: the --threads sweep */
	/* workers that count ops (the first ones; 0: all): ns/op is per
	 * counting worker (chan-bench: the sender; producer-consumer: the
	 * producers) */
	unsigned int op_workers;
	bool always_procs;		/* its workers are processes, --procs or not */
	unsigned int batch_max;		/* --batch at most (0: GOSYNC_BATCH_MAX) */
	unsigned int default_threads;	/* without --threads (0: the sweep) */
	uint64_t default_iterations;	/* 0: duration mode by default */
	double default_duration;
	bool iterations_only;		/* --duration makes no sense */
	unsigned int default_delay_ns;
	bool show_values;		/* table shows expected/actual/lost */
	/* measure variant by variant, thread count by thread count, all the
	 * backends of each back to back (default: backend by backend) */
	bool interleave;
	/* workers share process-private state: no --procs (smoke skips it) */
	bool threads_only;
	/* --keys default (0: picks no keys: --keys, --dist are ignored) */
	uint64_t default_keys;
	int default_read_pct;		/* --read-pct default; 0 with no mix */
	bool read_mix;			/* honours --read-pct */
	/* the body cannot run twice per setup (a fixed program): no --warmup */
	bool no_warmup;
	bool limited;			/* honours --limit */
	const char *const *keys;	/* JSON keys of its point rows (smoke) */
	const char *smoke_args;		/* a tiny run, for --smoke */
	/* its finish prints the enotty-ioctl floor and gosync/best-peer ratio
	 * rows (smoke requires both in its default run) */
	bool best_peer;
	/* optional: may gosync point @g be held to peer point @q in the
	 * gosync/best-peer rows (besides compare.c's rule: exact peers only,
	 * unless @g is lossy)? */
	bool (*peer_ok)(const struct stress_result *g, const struct stress_result *q);

	/*
	 * optional: the warm-up is over and every worker waits at the start of
	 * the measured phase: set aside what the workload counted in it, so that
	 * its counts cover the measured ops only
	 */
	void (*warm_end)(struct stress_point *p);
	/* optional: adjust keys / read_pct per variant (0 / -1: not used) */
	void (*shape)(struct stress_point *p);
	/* optional: whether this backend x variant makes sense */
	bool (*applies)(const struct stress_backend *be, const char *variant);
	int (*setup)(struct stress_point *p);
	/* run until stress_more() says stop; return -1 with errno on failure */
	int (*body)(struct stress_point *p, struct stress_worker *w);
	/* fill s->expected, s->actual, s->ok */
	int (*verify)(struct stress_point *p, struct stress_sample *s);
	void (*teardown)(struct stress_point *p);
	/* optional: add columns to a point's row */
	void (*row)(const struct stress_result *r, struct stress_row *row);
	/* optional: before the first point (@base: the points' common setup) */
	void (*begin)(struct stress_run *run, const struct stress_point *base,
		      unsigned int reps);
	/* optional: after every point (ratios, summary); returns the exit status */
	int (*finish)(struct stress_run *run);
};

extern const struct stress_workload wl_lost_update;
extern const struct stress_workload wl_counter_bench;
extern const struct stress_workload wl_bank;
extern const struct stress_workload wl_lock_bench;
extern const struct stress_workload wl_gobyexample;
extern const struct stress_workload wl_map_bench;
extern const struct stress_workload wl_producer_consumer;
extern const struct stress_workload wl_stateful;
extern const struct stress_workload wl_chan_bench;
extern const struct stress_workload wl_bounded;

/* bounded's --limit default */
#define STRESS_LIMIT		2

/* Is @family one of the comma-separated @list? */
bool stress_family_in(const char *list, const char *family);

/*
 * Keep going? In the warm-up, until the driver ends it; then the per-worker
 * op budget in iteration mode, else the stop flag. With --warmup the driver
 * calls the body twice per worker and rep (warm-up, then measured), on the
 * same objects: a body keeps state that must carry over in p->ctx.
 */
static inline bool stress_more(const struct stress_point *p,
			       const struct stress_worker *w)
{
	if (w->warming)
		return !atomic_load_explicit(p->warm_stop, memory_order_relaxed);
	/* *stop: the time is up, or (iteration mode too) a worker failed */
	if (atomic_load_explicit(p->stop, memory_order_relaxed))
		return false;
	return !p->iterations ||
	       atomic_load_explicit(&w->ops, memory_order_relaxed) < p->iterations;
}

/* Ops the worker may still do in one go (iteration mode caps @want). */
static inline uint64_t stress_budget(const struct stress_point *p,
				     const struct stress_worker *w,
				     uint64_t want)
{
	uint64_t done = atomic_load_explicit(&w->ops, memory_order_relaxed);

	if (p->iterations && !w->warming && p->iterations - done < want)
		return p->iterations - done;
	return want;
}

static inline void stress_done(struct stress_worker *w, uint64_t n)
{
	atomic_fetch_add_explicit(&w->ops, n, memory_order_relaxed);
}

/*
 * A worker's key and op generator: deterministic from (--seed, worker id),
 * the same in every rep. Keys 0 .. keys-1, uniform or zipf (key 0 the
 * hottest: Gray et al., "Quickly generating billion-record synthetic
 * databases", SIGMOD 1994, as YCSB; zeta(keys) precomputed by the driver).
 */
struct stress_rng {
	uint64_t s;
	uint64_t n;
	bool zipf;
	double theta, alpha, zetan, eta, half;
};

void stress_rng_init(struct stress_rng *g, const struct stress_point *p,
		     unsigned int id);
uint64_t stress_zipf_key(struct stress_rng *g);

static inline uint64_t stress_rand(struct stress_rng *g)
{
	/* splitmix64 */
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A key in 0 .. p->keys-1 of the point's distribution. */
static inline uint64_t stress_key(struct stress_rng *g)
{
	if (g->zipf)
		return stress_zipf_key(g);
	return (uint64_t)(((unsigned __int128)stress_rand(g) * g->n) >> 64);
}

/* Is this op of a read/write mix a read (p->read_pct % of them)? */
static inline bool stress_is_read(const struct stress_point *p,
				  struct stress_rng *g)
{
	return stress_rand(g) % 100 < (uint64_t)p->read_pct;
}

/* Run @wl as the options say: every point, then its finish hook. Exit status. */
int stress_run(const struct stress_workload *wl, const struct stress_opts *o,
	       struct stress_out *out);
/* Measure one point @reps times (used by stress_run and extra measurements). */
int stress_measure(struct stress_point *p, unsigned int reps,
		   const struct stress_opts *o, struct stress_result *r);
/* ns per op of one worker that counts ops (the workload's op_workers) at @rate ops/s */
double stress_ns_per_op(const struct stress_point *p, double rate);
/* The default thread sweep: 1, 2, 4, ... and the number of online CPUs. */
unsigned int stress_default_sweep(unsigned int *t, unsigned int max);

/* ---- platform.c ---- */

/* Shared (MAP_SHARED) zeroed memory, so --procs workers see it too. */
void *stress_shm_alloc(size_t size);
void stress_shm_free(void *p, size_t size);

double stress_now(void);		/* CLOCK_MONOTONIC seconds */
void stress_spin_ns(unsigned int ns);	/* busy-wait */
void stress_sleep(double secs);
unsigned int stress_ncpus(void);	/* CPUs we may run on (affinity) */

/* The point's columns common to every workload; @kind: "point", "floor", ... */
void stress_row_point(const struct stress_result *r, const char *kind,
		      struct stress_row *row);

/* ---- shared by the bench workloads' finish hooks ---- */

/*
 * The floor: GOSYNC_IOC_NONE (an unknown command) on a gosync counter fd,
 * 1 thread, the run's reps: what every gosync op pays before doing anything.
 * Prints its "floor" row (variant "enotty-ioctl"); @fl->reps is 0 if there
 * was no device. False if it failed. (workloads_counter.c)
 */
bool stress_floor_ioctl(struct stress_run *run, struct stress_result *fl);

/*
 * Per variant and thread count, every gosync point's ops/s over the fastest
 * userspace peer's there (exact peers only, unless the gosync backend is
 * lossy; only those the workload's peer_ok allows): "ratio" rows with ratio
 * "gosync/best-peer", "peer" the fastest peer, and, with @floor measured,
 * "floor_ns" its ns/op. @peer_variant maps a gosync variant to the peers'
 * (NULL: the same). Prints the floor line too. Returns the number of rows.
 * (compare.c)
 */
unsigned int stress_best_peer_ratios(struct stress_run *run,
				     const struct stress_result *floor,
				     const char *(*peer_variant)(const char *));

/* ---- smoke (smoke.c) ---- */

/* Run each of @wls (NULL-terminated) briefly, validate its JSON; TAP-ish lines. Exit status. */
int stress_smoke(const char *argv0, const struct stress_workload *const *wls);

/* ---- torture (torture.c): GOSYNC_IOC_TORTURE, not a driver workload ---- */

/* `gosync-stress torture [options]`: @argv[0] is "torture". Exit status. */
int stress_torture_main(int argc, char **argv);
/* --smoke's share: a short torture of each type; TAP-ish lines. */
bool stress_torture_smoke(const char *self);

#endif /* GOSYNC_STRESS_H */
