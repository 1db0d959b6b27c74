// SPDX-License-Identifier: GPL-2.0
/*
 * Channel workloads.
 *
 * stateful: Go by Example's "Stateful Goroutines", the sequel of its Mutexes
 * program (gobyexample, workloads_map.c), on the same task: 100 readers and
 * 10 writers over keys 0..4, each op followed by a 1 ms sleep, for 1 s. The
 * state is owned by one thread (or process, --procs) that selects
 * (GOSYNC_IOC_WAIT) over a gosync channel of read requests and one of write
 * requests and answers each on its requester's reply channel; in the same
 * run, on a lock backend (gosync-mutex by default), Go by Example's Mutexes
 * program: the state in shared memory under the lock. Each prints readOps,
 * writeOps and the state as the Go programs do, then the counts side by side.
 *
 * chan-bench: a gosync channel beside the ways Linux and Go move messages
 * between two parties (chan.c): ping-pong round trips of 8-byte messages,
 * and streaming of 8 B to 64 KiB messages one way, between two processes
 * (two goroutines for Go), every message checked (sequence number, last
 * byte); then msgs/s, MB/s and gosync/peer ratios of one run.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/* ---- stateful ---- */

#define ST_READERS	100
#define ST_WRITERS	10
#define ST_WORKERS	(ST_READERS + ST_WRITERS)

enum st_kind { ST_READ, ST_WRITE, ST_STOP };

/* A request: Go's readOp / writeOp; the reply goes to resp[worker]. */
struct st_req {
	uint32_t kind;
	uint32_t worker;
	int64_t key;
	int64_t val;
};

/* In shared memory: forked workers and a forked owner see it too. */
struct st_ctx {
	struct lockobj lock;			/* Mutexes: the state's lock */
	_Alignas(64) _Atomic uint64_t read_ops;
	_Alignas(64) _Atomic uint64_t write_ops;
	_Alignas(64) _Atomic int64_t total;	/* the readers' sums, kept */
	/* reads and writes served: by the owner (Stateful), or under the
	 * lock (Mutexes: a plain increment, which a second holder would lose) */
	_Alignas(64) uint64_t served[2];
	int reads, writes;			/* Stateful: request channels */
	int resp[ST_WORKERS];			/* Stateful: reply channels */
	pthread_t owner;			/* the state's owner: a thread, */
	int owner_pid;				/* or a process with --procs */
	int owner_err;				/* errno of the owner's failure */
	size_t size;				/* of this mapping */
	uint64_t keys;
	int64_t state[];			/* Mutexes: the state; Stateful:
						 * the owner's, copied at STOP */
};

static bool st_chan(const struct stress_backend *be)
{
	return be->chan == &gosync_chan_ops;
}

static bool st_applies(const struct stress_backend *be, const char *variant)
{
	(void)variant;
	return (be->lock && be->lock->lock) || st_chan(be);
}

/*
 * Nobody answers any more: close every channel, so that workers waiting to
 * send a request (EPIPE), or for a reply (closed), return; the stop flag
 * cannot reach them there. Closed already is EPIPE: ignored.
 */
static void st_break(struct st_ctx *x)
{
	gosync_chan_close(x->reads);
	gosync_chan_close(x->writes);
	for (int i = 0; i < ST_WORKERS; i++)
		gosync_chan_close(x->resp[i]);
}

/*
 * The owner: Go's
 *	for { select { case read := <-reads: ...; case write := <-writes: ... } }
 * until a STOP request, whose reply follows a copy of the state to @x.
 */
static int st_own(struct st_ctx *x, int dev)
{
	int64_t *state = calloc(x->keys, sizeof(*state));
	struct st_req req[2];
	int ret = -1;

	if (!state)
		goto out;
	for (;;) {
		struct gosync_wait_case c[2] = {
			{ .fd = x->reads, .op = GOSYNC_CASE_RECV, .buf = (uintptr_t)&req[0],
			  .len = sizeof(req[0]) },
			{ .fd = x->writes, .op = GOSYNC_CASE_RECV, .buf = (uintptr_t)&req[1],
			  .len = sizeof(req[1]) },
		};
		unsigned int i;
		int64_t reply;
		struct st_req *r;

		if (gosync_wait(dev, c, 2, 0, -1, &i) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		r = &req[i];
		if (c[i].error || (c[i].flags & GOSYNC_CASE_CLOSED) ||
		    c[i].len != sizeof(*r) || r->kind > ST_STOP || r->worker >= ST_WORKERS ||
		    r->key < 0 || (uint64_t)r->key >= x->keys) {
			errno = c[i].error ? -c[i].error : EPROTO;
			break;
		}
		if (r->kind == ST_READ) {
			reply = state[r->key];
		} else {
			if (r->kind == ST_WRITE)
				state[r->key] = r->val;
			else
				memcpy(x->state, state, x->keys * sizeof(*state));
			reply = 1;	/* Go's write.resp <- true */
		}
		/* cap 1: the reply never waits (Go's resp channels are
		 * unbuffered; the requester waits for it either way) */
		if (gosync_chan_send(x->resp[r->worker], &reply, sizeof(reply), -1) < 0)
			break;
		if (r->kind == ST_STOP) {
			ret = 0;
			break;
		}
		x->served[r->kind]++;	/* only the owner writes it */
	}
out:
	if (ret < 0) {
		x->owner_err = errno ? errno : EIO;
		st_break(x);
	}
	free(state);
	return ret;
}

struct st_owner_arg {
	struct st_ctx *x;
	int dev;
};

static void *st_owner_thread(void *a)
{
	struct st_owner_arg *o = a;

	st_own(o->x, o->dev);
	free(o);
	return NULL;
}

static void st_close_chans(struct st_ctx *x)
{
	if (x->reads >= 0)
		close(x->reads);
	if (x->writes >= 0)
		close(x->writes);
	for (int i = 0; i < ST_WORKERS; i++)
		if (x->resp[i] >= 0)
			close(x->resp[i]);
	x->reads = x->writes = -1;
}

static int st_setup(struct stress_point *p)
{
	size_t size = sizeof(struct st_ctx) + p->keys * sizeof(int64_t);
	struct st_ctx *x = stress_shm_alloc(size);
	int err;

	if (!x)
		return -1;
	x->size = size;
	x->keys = p->keys;
	x->reads = x->writes = -1;
	for (int i = 0; i < ST_WORKERS; i++)
		x->resp[i] = -1;
	p->ctx = x;
	if (!st_chan(p->be)) {
		if (lockobj_open(&x->lock, p->be, p->dev, p->procs) < 0)
			goto fail;
		return 0;
	}
	if (p->dev < 0) {
		errno = ENODEV;
		goto fail;
	}
	/* Go's reads := make(chan readOp), writes := make(chan writeOp) */
	x->reads = gosync_chan_create(p->dev, NULL, 0, 0, sizeof(struct st_req));
	x->writes = gosync_chan_create(p->dev, NULL, 0, 0, sizeof(struct st_req));
	if (x->reads < 0 || x->writes < 0)
		goto fail;
	for (int i = 0; i < ST_WORKERS; i++) {
		x->resp[i] = gosync_chan_create(p->dev, NULL, 0, 1, sizeof(int64_t));
		if (x->resp[i] < 0)
			goto fail;
	}
	if (p->procs) {
		fflush(NULL);
		x->owner_pid = fork();
		if (x->owner_pid < 0)
			goto fail;
		if (!x->owner_pid)
			_exit(st_own(x, p->dev) < 0 ? 1 : 0);
	} else {
		struct st_owner_arg *o = malloc(sizeof(*o));

		if (!o)
			goto fail;
		*o = (struct st_owner_arg){ .x = x, .dev = p->dev };
		err = pthread_create(&x->owner, NULL, st_owner_thread, o);
		if (err) {
			free(o);
			errno = err;
			goto fail;
		}
		x->owner_pid = -1;
	}
	return 0;
fail:
	/* no teardown follows a failed setup: free it all here */
	err = errno;
	st_close_chans(x);
	stress_shm_free(x, size);
	p->ctx = NULL;
	errno = err;
	return -1;
}

/* Ask the owner one thing: Go's reads <- read; <-read.resp (or writes). */
static int st_ask(struct st_ctx *x, struct st_req *r, int64_t *reply)
{
	size_t len;
	bool ok;

	if (gosync_chan_send(r->kind == ST_READ ? x->reads : x->writes, r,
			     sizeof(*r), -1) < 0)
		return -1;
	if (gosync_chan_recv(x->resp[r->worker], reply, sizeof(*reply), &len, &ok, -1) < 0)
		return -1;
	if (!ok || len != sizeof(*reply)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int st_body(struct stress_point *p, struct stress_worker *w)
{
	struct st_ctx *x = p->ctx;
	const struct lock_ops *lk = p->be->lock;
	bool reader = w->id < ST_READERS, chan = st_chan(p->be);
	struct stress_rng g;
	int64_t total = 0;
	int ret = 0;

	stress_rng_init(&g, p, w->id);
	while (stress_more(p, w)) {
		struct st_req r = {
			.kind = reader ? ST_READ : ST_WRITE, .worker = w->id,
			.key = (int64_t)stress_key(&g),
		};
		int64_t v;

		if (!reader)
			r.val = (int64_t)(stress_rand(&g) % 100);
		if (chan) {
			if (st_ask(x, &r, &v) < 0) {
				ret = -1;
				break;
			}
		} else {
			if (lk->lock(&x->lock) < 0) {
				ret = -1;
				break;
			}
			if (reader)
				v = x->state[r.key];
			else
				x->state[r.key] = r.val;
			x->served[r.kind]++;
			if (lk->unlock(&x->lock) < 0) {
				ret = -1;
				break;
			}
		}
		if (reader) {
			total += v;
			atomic_fetch_add(&x->read_ops, 1);
		} else {
			atomic_fetch_add(&x->write_ops, 1);
		}
		stress_done(w, 1);
		stress_sleep(0.001);
	}
	atomic_fetch_add(&x->total, total);
	return ret;
}

/* Stop the owner (its reply says the state is copied) and wait for it. */
static int st_stop_owner(struct st_ctx *x)
{
	struct st_req r = { .kind = ST_STOP, .worker = 0 };
	int64_t v;
	int ret = 0, status;

	if (x->owner_err) {
		errno = x->owner_err;
		ret = -1;
	} else if (st_ask(x, &r, &v) < 0) {
		ret = -1;
	}
	/* an owner still waiting in its select sees the channels closed */
	if (ret < 0)
		st_break(x);
	if (x->owner_pid > 0) {
		if (ret < 0)
			kill(x->owner_pid, SIGKILL);
		while (waitpid(x->owner_pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status))) {
			errno = x->owner_err ? x->owner_err : ECHILD;
			ret = -1;
		}
	} else if (x->owner_pid < 0) {
		pthread_join(x->owner, NULL);
	}
	x->owner_pid = 0;
	return ret;
}

static int st_verify(struct stress_point *p, struct stress_sample *s)
{
	struct st_ctx *x = p->ctx;
	uint64_t r = atomic_load(&x->read_ops), wr = atomic_load(&x->write_ops);

	if (st_chan(p->be) && st_stop_owner(x) < 0) {
		/* the workers' EPIPE came of the owner's failure: report that */
		if (x->owner_err)
			s->err = x->owner_err;
		return -1;
	}
	/* what the workers counted against what the owner (the lock) served */
	s->expected = (int64_t)s->ops;
	s->actual = (int64_t)(x->served[ST_READ] + x->served[ST_WRITE]);
	s->ok = s->ok && s->expected == s->actual && x->served[ST_READ] == r &&
		x->served[ST_WRITE] == wr;
	if (!p->quiet) {
		printf("== %s: Go by Example: %s\n", p->be->name, st_chan(p->be) ?
		       "Stateful Goroutines: the state owned by one thread (process "
		       "with --procs), requests and replies over gosync channels" :
		       "Mutexes: the state under the lock");
		printf("readOps: %" PRIu64 "\nwriteOps: %" PRIu64 "\nstate: map[", r, wr);
		for (uint64_t k = 0; k < x->keys && k < 64; k++)
			printf("%s%" PRIu64 ":%" PRId64, k ? " " : "", k, x->state[k]);
		printf("%s]\n", x->keys > 64 ? " ..." : "");
		fflush(stdout);
	}
	return 0;
}

static void st_teardown(struct stress_point *p)
{
	struct st_ctx *x = p->ctx;

	if (st_chan(p->be)) {
		if (x->owner_pid)
			st_stop_owner(x);
		st_close_chans(x);
	} else {
		lockobj_close(&x->lock);
	}
	stress_shm_free(x, x->size);
	p->ctx = NULL;
}

static void st_row(const struct stress_result *r, struct stress_row *row)
{
	/* the last rep's counts are the ops (reads, then writes): verify
	 * compared them; split them as the workers did */
	row_str(row, "program", NULL, st_chan(r->p.be) ? "stateful-goroutines" : "mutexes");
	row_int(row, "readers", NULL, ST_READERS);
	row_int(row, "writers", NULL, ST_WRITERS);
}

static int st_finish(struct stress_run *run)
{
	const struct stress_result *base = NULL;
	bool ok = true;

	for (unsigned int i = 0; i < run->nres; i++) {
		ok &= run->res[i].ok;
		if (!base && !st_chan(run->res[i].p.be) && run->res[i].ok)
			base = &run->res[i];
	}
	if (run->o->quiet && run->o->format == STRESS_TABLE)
		return ok ? 0 : 1;
	stress_out_note(run->out, "\nGo by Example side by side, same run: %u readers, "
			"%u writers, a 1 ms sleep after each op (ops of the last rep)",
			ST_READERS, ST_WRITERS);
	stress_out_note(run->out, "  %-20s %-16s %10s %10s %10s  %s", "program", "backend",
			"ops", "ops/s", "ns/op", "vs Mutexes");
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		char vs[32] = "-";

		if (base && r->ok && base->rate.med > 0)
			snprintf(vs, sizeof(vs), "%.3gx", r->rate.med / base->rate.med);
		stress_out_note(run->out, "  %-20s %-16s %10" PRIu64 " %10.0f %10.0f  %s",
				st_chan(r->p.be) ? "Stateful Goroutines" : "Mutexes",
				r->p.be->name, r->last.ops, r->rate.med,
				r->rate.med > 0 ? 1e9 * ST_WORKERS / r->rate.med : NAN, vs);
	}
	stress_out_note(run->out, "  (readOps and writeOps of each are above; Go's own "
			"Mutexes run on Go by Example: readOps 83285, writeOps 8320)");
	for (unsigned int i = 0; base && i < run->nres; i++) {
		const struct stress_result *r = &run->res[i];
		struct stress_row row = { 0 };
		char of[160];

		if (r == base || !r->ok || !(base->rate.med > 0))
			continue;
		snprintf(of, sizeof(of), "%s / %s ops/s (%s / Mutexes)",
			 r->p.be->name, base->p.be->name,
			 st_chan(r->p.be) ? "Stateful Goroutines" : "Mutexes");
		row_str(&row, "workload", NULL, run->wl->name);
		row_str(&row, "kind", NULL, "ratio");
		row_str(&row, "backend", "backend", r->p.be->name);
		row_str(&row, "ratio", NULL, "vs-mutexes");
		row_str(&row, "of", "of", of);
		row_num(&row, "value", "value", r->rate.med / base->rate.med);
		if (run->o->format != STRESS_TABLE)
			stress_out_row(run->out, &row);
	}
	return ok ? 0 : 1;
}

static const char *const st_keys[] = { "program", "readers", "writers", NULL };

const struct stress_workload wl_stateful = {
	.name = "stateful",
	.desc = "Go by Example: Stateful Goroutines over gosync channels, beside its "
		"Mutexes program (100 readers, 10 writers, 1 s)",
	.usage = "--mode (gosync-chan, and lock backends: gosync-mutex, pthread-mutex, "
		 "...) --duration --iterations --keys --dist --seed --procs --reps",
	.family = "lock,chan",
	.default_modes = "gosync-mutex,gosync-chan",
	.fixed_threads = ST_WORKERS,
	.default_duration = 1.0,
	.default_keys = 5,
	.no_warmup = true,
	.keys = st_keys,
	.smoke_args = "--duration 0.05",
	.applies = st_applies,
	.setup = st_setup,
	.body = st_body,
	.verify = st_verify,
	.teardown = st_teardown,
	.row = st_row,
	.finish = st_finish,
};

/* ---- chan-bench ---- */

#define CB_CAP		64		/* messages each channel holds */
#define CB_END		UINT64_MAX	/* the sequence number that ends a run */
#define CB_PINGPONG	8		/* bytes of a ping-pong message */

static const char *const cb_names[] = {
	"pingpong", "stream-8", "stream-256", "stream-4096", "stream-65536", NULL,
};

static bool cb_stream(const char *variant)
{
	return !strncmp(variant, "stream-", 7);
}

static size_t cb_size(const char *variant)
{
	return cb_stream(variant) ? (size_t)strtoul(variant + 7, NULL, 10) : CB_PINGPONG;
}

/* In shared memory: the two processes use it. */
struct cb_ctx {
	struct chanobj a;		/* worker 0 -> worker 1 */
	struct chanobj b;		/* worker 1 -> worker 0 (ping-pong) */
	size_t size;
	char *out, *in;			/* worker 0's and worker 1's messages
					 * (a vector of them, or 2), set up
					 * before the clock starts */
	size_t buf_size;		/* of each */
	_Alignas(64) _Atomic uint64_t received;	/* checked by the receiver */
	_Atomic uint64_t bad;		/* out of order or corrupt */
	_Atomic int err;		/* errno of the first party to fail */
};

/* Messages per vector of the -vec backend (1 for the others). */
static unsigned int cb_slots(const struct stress_point *p)
{
	if (!p->be->batched)
		return 1;
	/* --batch beyond it is a usage error (batch_max): the cap only guards */
	return p->batch < GOSYNC_CHAN_VEC_MAX ? p->batch : GOSYNC_CHAN_VEC_MAX;
}

static bool cb_applies(const struct stress_backend *be, const char *variant)
{
	/* vectors change nothing with one message in flight */
	return chan_available(be, NULL) && !(be->batched && !cb_stream(variant));
}

static int cb_setup(struct stress_point *p)
{
	struct cb_ctx *x = stress_shm_alloc(sizeof(*x));
	int err;

	if (!x)
		return -1;
	x->size = cb_size(p->variant);
	p->ctx = x;
	/* shared memory, touched here: no page faults or copy-on-write later */
	x->buf_size = (cb_slots(p) > 1 ? cb_slots(p) : 2) * x->size;
	x->out = stress_shm_alloc(x->buf_size);
	x->in = stress_shm_alloc(x->buf_size);
	if (!x->out || !x->in)
		goto fail;
	memset(x->out, 0x5a, x->buf_size);
	memset(x->in, 0xa5, x->buf_size);
	if (chanobj_open(&x->a, p->be, p->dev, CB_CAP, x->size) < 0)
		goto fail;
	if (!cb_stream(p->variant) && !p->be->chan->bench &&
	    chanobj_open(&x->b, p->be, p->dev, CB_CAP, x->size) < 0) {
		err = errno;
		chanobj_close(&x->a);
		errno = err;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	stress_shm_free(x->out, x->buf_size);
	stress_shm_free(x->in, x->buf_size);
	stress_shm_free(x, sizeof(*x));
	p->ctx = NULL;
	errno = err;
	return -1;
}

/* Message @seq: its first 8 bytes, and its last byte when it has more. */
static void cb_stamp(char *m, size_t size, uint64_t seq)
{
	memcpy(m, &seq, sizeof(seq));
	if (size > sizeof(seq))
		m[size - 1] = (char)seq;
}

static uint64_t cb_seq(const char *m)
{
	uint64_t seq;

	memcpy(&seq, m, sizeof(seq));
	return seq;
}

static bool cb_check(const char *m, size_t len, size_t size, uint64_t seq)
{
	return len == size && cb_seq(m) == seq &&
	       (size == sizeof(seq) || m[size - 1] == (char)seq);
}

/* The sender of a stream: as many as the run allows, then the end. */
static int cb_send_stream(struct stress_point *p, struct stress_worker *w,
			  struct cb_ctx *x, char *buf)
{
	const struct chan_ops *ops = p->be->chan;
	struct gosync_chan_msg m[GOSYNC_CHAN_VEC_MAX];
	unsigned int batch = cb_slots(p);
	uint64_t seq = 0;

	while (stress_more(p, w)) {
		unsigned int n = p->be->batched ? (unsigned int)stress_budget(p, w, batch) : 1;

		for (unsigned int i = 0; i < n; i++) {
			char *b = buf + i * x->size;

			cb_stamp(b, x->size, seq + i);
			m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)b,
							 .len = (uint32_t)x->size };
		}
		if (p->be->batched ? ops->send_vec(&x->a, m, n) :
		    ops->send(&x->a, buf, x->size))
			return -1;
		seq += n;
		stress_done(w, n);
	}
	cb_stamp(buf, x->size, CB_END);
	return ops->send(&x->a, buf, x->size);
}

static int cb_recv_stream(struct stress_point *p, struct cb_ctx *x, char *buf)
{
	const struct chan_ops *ops = p->be->chan;
	struct gosync_chan_msg m[GOSYNC_CHAN_VEC_MAX];
	unsigned int batch = cb_slots(p);
	uint64_t seq = 0, bad = 0;

	for (;;) {
		unsigned int got = 1;
		size_t len;

		if (p->be->batched) {
			for (unsigned int i = 0; i < batch; i++)
				m[i] = (struct gosync_chan_msg){
					.buf = (uintptr_t)(buf + i * x->size),
					.len = (uint32_t)x->size };
			if (ops->recv_vec(&x->a, m, batch, &got) < 0)
				return -1;
		} else {
			if (ops->recv(&x->a, buf, x->size, &len) < 0)
				return -1;
			m[0].len = (uint32_t)len;
		}
		for (unsigned int i = 0; i < got; i++, seq++) {
			const char *b = buf + i * x->size;

			if (cb_seq(b) == CB_END) {
				atomic_fetch_add(&x->received, seq);
				atomic_fetch_add(&x->bad, bad);
				return 0;
			}
			bad += !cb_check(b, m[i].len, x->size, seq);
		}
	}
}

static int cb_ping(struct stress_point *p, struct stress_worker *w, struct cb_ctx *x,
		   char *buf, char *in)
{
	const struct chan_ops *ops = p->be->chan;
	uint64_t bad = 0;
	size_t len;

	for (uint64_t seq = 0; stress_more(p, w); seq++) {
		cb_stamp(buf, x->size, seq);
		if (ops->send(&x->a, buf, x->size) < 0 ||
		    ops->recv(&x->b, in, x->size, &len) < 0)
			return -1;
		bad += !cb_check(in, len, x->size, seq);
		stress_done(w, 1);
	}
	atomic_fetch_add(&x->bad, bad);
	cb_stamp(buf, x->size, CB_END);
	return ops->send(&x->a, buf, x->size);
}

static int cb_pong(struct stress_point *p, struct cb_ctx *x, char *buf)
{
	const struct chan_ops *ops = p->be->chan;
	uint64_t n = 0;
	size_t len;

	for (;;) {
		if (ops->recv(&x->a, buf, x->size, &len) < 0)
			return -1;
		if (len >= sizeof(uint64_t) && cb_seq(buf) == CB_END)
			break;
		if (ops->send(&x->b, buf, len) < 0)
			return -1;
		n++;
	}
	atomic_fetch_add(&x->received, n);
	return 0;
}

/*
 * A party failed: the other may be waiting for room or a message that will
 * never come, where the stop flag cannot reach it. Shut both channels, so it
 * fails too (and returns); keep the first errno, the cause.
 */
static void cb_fail(struct cb_ctx *x)
{
	int err = errno ? errno : EIO, none = 0;

	atomic_compare_exchange_strong(&x->err, &none, err);
	chanobj_shut(&x->a);
	chanobj_shut(&x->b);
	errno = err;
}

static int cb_body(struct stress_point *p, struct stress_worker *w)
{
	struct cb_ctx *x = p->ctx;
	const struct chan_ops *ops = p->be->chan;
	bool stream = cb_stream(p->variant);
	int ret;

	if (ops->bench) {
		uint64_t n = 0, bad = 0;

		if (w->id)
			return 0;	/* both parties are goroutines in there */
		ret = ops->bench(&x->a, stream ? "stream" : "pingpong", x->size,
				 w->warming ? 0 : p->iterations,
				 w->warming ? p->warm_stop : p->stop, &n, &bad);
		if (ret < 0)
			return -1;
		stress_done(w, n);
		atomic_fetch_add(&x->received, n - bad);
		atomic_fetch_add(&x->bad, bad);
		return 0;
	}
	/* the ping's echo lands in its own second slot of out, not in in */
	if (stream)
		ret = w->id ? cb_recv_stream(p, x, x->in) : cb_send_stream(p, w, x, x->out);
	else
		ret = w->id ? cb_pong(p, x, x->in) :
			      cb_ping(p, w, x, x->out, x->out + x->size);
	if (ret < 0)
		cb_fail(x);
	return ret;
}

static int cb_verify(struct stress_point *p, struct stress_sample *s)
{
	struct cb_ctx *x = p->ctx;
	uint64_t bad = atomic_load(&x->bad);

	if (atomic_load(&x->err))
		s->err = atomic_load(&x->err);	/* the cause, not the other's EPIPE */
	/* the messages this backend holds (ping-pong: the smaller channel) */
	s->extra = x->a.cap;
	if (x->b.be && x->b.cap < s->extra)
		s->extra = x->b.cap;
	s->expected = (int64_t)(s->ops + s->warm_ops);
	s->actual = (int64_t)atomic_load(&x->received);
	if (p->be->chan->bench)
		s->actual += (int64_t)bad;	/* Go counts its bad among its ops */
	if (!s->ops && !s->err) {
		fprintf(stderr, "gosync-stress: chan-bench %s %s: no message moved in "
			"the run\n", p->be->name, p->variant);
		s->ok = false;
	}
	if (bad || s->actual != s->expected) {
		fprintf(stderr, "gosync-stress: chan-bench %s %s: %llu of %llu messages "
			"out of order or corrupt, %lld lost\n", p->be->name, p->variant,
			(unsigned long long)bad, (unsigned long long)s->expected,
			(long long)(s->expected - s->actual));
		s->ok = false;
	}
	return 0;
}

static void cb_teardown(struct stress_point *p)
{
	struct cb_ctx *x = p->ctx;

	chanobj_close(&x->a);
	chanobj_close(&x->b);
	stress_shm_free(x->out, x->buf_size);
	stress_shm_free(x->in, x->buf_size);
	stress_shm_free(x, sizeof(*x));
	p->ctx = NULL;
}

static void cb_row(const struct stress_result *r, struct stress_row *row)
{
	size_t size = cb_size(r->p.variant);
	bool stream = cb_stream(r->p.variant);
	struct stress_col *c;

	row_str(row, "test", NULL, stream ? "stream" : "pingpong");
	row_int(row, "msg_bytes", "bytes", (long long)size);
	c = row_num(row, "mb_per_sec", "MB/s", stream && r->rate.med > 0 ?
		    r->rate.med * (double)size / 1e6 : NAN);
	if (!stream)
		snprintf(c->text, sizeof(c->text), "-");
	c = row_num(row, "rtt_us", "rtt us", !stream && r->rate.med > 0 ?
		    1e6 / r->rate.med : NAN);
	if (stream)
		snprintf(c->text, sizeof(c->text), "-");
	/* what the backend got, which may be less (mqueue) or more (pipe) */
	c = row_int(row, "cap", "cap", (long long)r->last.extra);
	if (!r->reps)
		snprintf(c->text, sizeof(c->text), "-");
}

static void cb_ratio_row(struct stress_run *run, const struct stress_result *g,
			 const struct stress_result *q)
{
	struct stress_row row = { 0 };
	struct stress_col *c;
	double v = g->rate.med / q->rate.med;
	char of[160];

	snprintf(of, sizeof(of), "%s / %s, %s", g->p.be->name, q->p.be->name,
		 g->p.variant);
	row_str(&row, "workload", NULL, run->wl->name);
	row_str(&row, "kind", NULL, "ratio");
	row_str(&row, "ratio", NULL, "gosync/peer");
	row_str(&row, "variant", "variant", g->p.variant);
	row_int(&row, "threads", "procs", g->p.threads);
	row_bool(&row, "procs", NULL, g->p.procs);
	row_str(&row, "backend", "gosync", g->p.be->name);
	c = row_num(&row, "ops_per_sec", "msgs/s", g->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", g->rate.med);
	row_str(&row, "peer", "peer", q->p.be->name);
	c = row_num(&row, "peer_ops_per_sec", "peer msgs/s", q->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", q->rate.med);
	row_str(&row, "of", NULL, of);
	c = row_num(&row, "value", "gosync/peer", v);
	snprintf(c->text, sizeof(c->text), "%.3gx", v);
	c = row_num(&row, "inverse", "peer/gosync", 1 / v);
	snprintf(c->text, sizeof(c->text), "%.3gx", 1 / v);
	stress_out_row(run->out, &row);
}

/* The point of @be at @variant, or NULL. */
static const struct stress_result *cb_find(const struct stress_run *run,
					   const struct stress_backend *be,
					   const char *variant)
{
	for (unsigned int i = 0; i < run->nres; i++)
		if (run->res[i].p.be == be && !strcmp(run->res[i].p.variant, variant))
			return &run->res[i];
	return NULL;
}

/* The side-by-side table: a row per variant, a column per backend. */
static void cb_side_by_side(struct stress_run *run, const struct stress_backend **be,
			    unsigned int nb)
{
	char line[512];
	size_t n;

	stress_out_note(run->out, "\nside by side (median msgs/s; stream: MB/s below; "
			"ping-pong: round trips/s, 8-byte messages; n/a: not run)");
	n = (size_t)snprintf(line, sizeof(line), "  %-13s", "variant");
	for (unsigned int b = 0; b < nb; b++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %15s", be[b]->name);
	stress_out_note(run->out, "%s", line);
	for (int mb = 0; mb < 2; mb++) {
		for (const char *const *v = cb_names; *v; v++) {
			bool run_here = false;
			char label[32];

			for (unsigned int b = 0; b < nb; b++)
				run_here |= cb_find(run, be[b], *v) != NULL;
			if ((mb && !cb_stream(*v)) || !run_here)
				continue;
			snprintf(label, sizeof(label), "%s%s", mb ? "MB/s " : "",
				 mb ? *v + strlen("stream-") : *v);
			n = (size_t)snprintf(line, sizeof(line), "  %-13s", label);
			for (unsigned int b = 0; b < nb; b++) {
				const struct stress_result *r = cb_find(run, be[b], *v);
				double val = r && r->ok ? r->rate.med : NAN;

				if (mb)
					val *= (double)cb_size(*v) / 1e6;
				if (isfinite(val))
					n += (size_t)snprintf(line + n, sizeof(line) - n,
							      " %15.*f", mb ? 1 : 0, val);
				else
					n += (size_t)snprintf(line + n, sizeof(line) - n,
							      " %15s", r ? "FAILED" : "n/a");
			}
			stress_out_note(run->out, "%s", line);
		}
	}
}

static int cb_finish(struct stress_run *run)
{
	const struct stress_backend *be[STRESS_MAX_BACKENDS];
	unsigned int nb = 0, nratio = 0;
	struct stress_result floor;
	bool ok = true;
	const char *why;

	for (unsigned int i = 0; i < run->nres; i++) {
		unsigned int b;

		ok &= run->res[i].ok;
		for (b = 0; b < nb && be[b] != run->res[i].p.be; b++)
			;
		if (b == nb && nb < ARRAY_SIZE(be))
			be[nb++] = run->res[i].p.be;
	}
	if (run->o->quiet && run->o->format == STRESS_TABLE)
		return ok ? 0 : 1;
	/* say why an asked-for peer has no points (go-chan without go) */
	for (const struct stress_backend *b = stress_backends; b->name; b++) {
		why = NULL;
		const char *modes = run->o->modes ? run->o->modes : run->wl->default_modes;

		if (b->chan && !chan_available(b, &why) && why &&
		    (stress_family_in(modes, b->kernel ? "all" : "peers") ||
		     stress_family_in(modes, b->name))) {
			stress_out_note(run->out, "%s: n/a: %s", b->name, why);
			if (nb < ARRAY_SIZE(be))
				be[nb++] = b;
		}
	}
	cb_side_by_side(run, be, nb);

	stress_out_section(run->out, "gosync / peer, same run (msgs/s, medians; "
			   "ping-pong: round trips/s)");
	for (const char *const *v = cb_names; *v; v++) {
		for (unsigned int i = 0; i < run->nres; i++) {
			const struct stress_result *g = &run->res[i];

			if (!g->ok || !g->p.be->kernel || strcmp(g->p.variant, *v) ||
			    !(g->rate.med > 0))
				continue;
			for (unsigned int j = 0; j < run->nres; j++) {
				const struct stress_result *q = &run->res[j];

				if (q->ok && !q->p.be->kernel && !strcmp(q->p.variant, *v) &&
				    q->rate.med > 0) {
					cb_ratio_row(run, g, q);
					nratio++;
				}
			}
		}
	}
	if (!nratio)
		stress_out_note(run->out, "(no gosync point had a peer point to compare "
				"with: run gosync and peer backends together)");
	ok &= stress_floor_ioctl(run, &floor);
	stress_best_peer_ratios(run, &floor, NULL);
	return ok ? 0 : 1;
}

static const char *const cb_keys[] = { "test", "msg_bytes", "mb_per_sec", "rtt_us", NULL };

const struct stress_workload wl_chan_bench = {
	.name = "chan-bench",
	.desc = "gosync channels vs pipe, socketpair, mqueue, eventfd ring, Go: "
		"ping-pong and streaming",
	.usage = "--mode --variant --duration --iterations --batch (gosync-chan-vec) "
		 "--reps --warmup",
	.family = "chan",
	.default_modes = "all,peers",
	.variants = cb_names,
	.fixed_threads = 2,
	/* only the sender (ping-pong: the pinger) counts messages */
	.op_workers = 1,
	/* both parties are processes (Go's are goroutines in its own process) */
	.always_procs = true,
	.batch_max = GOSYNC_CHAN_VEC_MAX,
	.default_duration = 0.5,
	.interleave = true,
	.keys = cb_keys,
	.smoke_args = "--iterations 200",
	.best_peer = true,
	.applies = cb_applies,
	.setup = cb_setup,
	.body = cb_body,
	.verify = cb_verify,
	.teardown = cb_teardown,
	.row = cb_row,
	.finish = cb_finish,
};
