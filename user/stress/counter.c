// SPDX-License-Identifier: GPL-2.0
/*
 * Counter backends: every gosync counter mode, plus userspace peers that do
 * the same job without a syscall, so a run can put the ioctl's cost beside
 * the synchronization's. One ops vector per implementation; workloads only
 * call through it. The backend table is in backends.c.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <urcu/uatomic.h>

#include "stress.h"

/* ---- gosync kernel counters: one ioctl per op ---- */

static int kern_open(struct counter *c, int dev)
{
	struct gosync_create cr = {
		.type = GOSYNC_TYPE_COUNTER,
		.counter = { .mode = c->be->mode },
	};

	if (dev < 0) {
		errno = ENODEV;
		return -1;
	}
	if (c->be->mode == GOSYNC_COUNTER_RACY)
		cr.counter.racy_delay_ns = c->delay_ns;
	c->fd = gosync_create(dev, &cr);
	return c->fd < 0 ? -1 : 0;
}

static int kern_add(struct counter *c, int64_t delta, int64_t *res)
{
	return gosync_counter_op(c->fd, GOSYNC_OP_ADD, c->add_flags, delta, 0, res);
}

static int kern_batch(struct counter *c, struct gosync_op *ops, unsigned int n)
{
	unsigned int done;

	if (gosync_batch(c->fd, ops, n, GOSYNC_BATCH_STOP_ON_ERROR, &done) < 0)
		return -1;
	for (unsigned int i = 0; i < done && i < n; i++) {
		if (ops[i].error) {
			errno = -ops[i].error;
			return -1;
		}
	}
	if (done != n) {
		errno = EIO;	/* the kernel stopped without saying why */
		return -1;
	}
	return 0;
}

static int kern_load(struct counter *c, int64_t *v)
{
	return gosync_counter_load(c->fd, v);
}

static int kern_store(struct counter *c, int64_t v)
{
	return gosync_counter_store(c->fd, v);
}

static void kern_close(struct counter *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

const struct counter_ops kern_counter_ops = {
	.open = kern_open, .add = kern_add, .batch = kern_batch,
	.load = kern_load, .store = kern_store, .close = kern_close,
};

/*
 * ---- a mapped atomic counter (GOSYNC_CREATE_MAPPED): libgosync's fast
 * path, C11 atomics on the kernel's own word, no system call ----
 */

static int mapped_open(struct counter *c, int dev)
{
	if (dev < 0) {
		errno = ENODEV;
		return -1;
	}
	c->fd = gosync_fast_counter_create(dev, NULL, 0, 0, &c->fast);
	return c->fd < 0 ? -1 : 0;
}

static int mapped_add(struct counter *c, int64_t delta, int64_t *res)
{
	return gosync_fast_counter_add(&c->fast, delta, res);
}

static int mapped_load(struct counter *c, int64_t *v)
{
	return gosync_fast_counter_load(&c->fast, v);
}

static int mapped_store(struct counter *c, int64_t v)
{
	return gosync_fast_counter_store(&c->fast, v);
}

static void mapped_close(struct counter *c)
{
	gosync_fast_close(&c->fast);
	kern_close(c);
}

const struct counter_ops mapped_counter_ops = {
	.open = mapped_open, .add = mapped_add, .load = mapped_load,
	.store = mapped_store, .close = mapped_close,
};

/* ---- userspace peers: the counter lives in shared memory ---- */

static int peer_open(struct counter *c, int dev)
{
	(void)dev;
	atomic_init(&c->value, 0);
	return 0;
}

static int peer_load(struct counter *c, int64_t *v)
{
	*v = atomic_load(&c->value);
	return 0;
}

static int peer_store(struct counter *c, int64_t v)
{
	atomic_store(&c->value, v);
	return 0;
}

static void peer_close(struct counter *c)
{
	(void)c;
}

/* c11-racy: the seed's bug in C, without UB: relaxed load, then store. */
static int racy_add(struct counter *c, int64_t delta, int64_t *res)
{
	int64_t v = atomic_load_explicit(&c->value, memory_order_relaxed);

	if (c->delay_ns)
		stress_spin_ns(c->delay_ns);
	atomic_store_explicit(&c->value, v + delta, memory_order_relaxed);
	if (res)
		*res = v + delta;
	return 0;
}

const struct counter_ops c11_racy_ops = {
	.open = peer_open, .add = racy_add,
	.load = peer_load, .store = peer_store, .close = peer_close,
};

/* c11-atomic: atomic.AddInt64 as C11 says it. */
static int c11_add(struct counter *c, int64_t delta, int64_t *res)
{
	int64_t v = atomic_fetch_add(&c->value, delta);

	if (res)
		*res = v + delta;
	return 0;
}

const struct counter_ops c11_atomic_ops = {
	.open = peer_open, .add = c11_add,
	.load = peer_load, .store = peer_store, .close = peer_close,
};

/* urcu-uatomic: liburcu's uatomic_add on a plain int64_t. */
static int urcu_open(struct counter *c, int dev)
{
	(void)dev;
	uatomic_set(&c->plain, 0);
	return 0;
}

static int urcu_add(struct counter *c, int64_t delta, int64_t *res)
{
	int64_t v = uatomic_add_return(&c->plain, delta);

	if (res)
		*res = v;
	return 0;
}

static int urcu_load(struct counter *c, int64_t *v)
{
	*v = uatomic_read(&c->plain);
	return 0;
}

static int urcu_store(struct counter *c, int64_t v)
{
	uatomic_set(&c->plain, v);
	return 0;
}

const struct counter_ops urcu_ops = {
	.open = urcu_open, .add = urcu_add,
	.load = urcu_load, .store = urcu_store, .close = peer_close,
};

/*
 * per-thread: the userspace analogue of the percpu mode (and of liburcu's
 * split counters): each worker adds to its own cache-line-padded slot with
 * uatomic_add (a relaxed RMW that never contends), Load sums every slot.
 * Exact: no add is lost, but Add's result and Load are a snapshot of slots
 * that may be moving. A worker picks its slot with counter_bind(); unbound
 * threads share slot 0 (still exact, only slower).
 */
static _Thread_local unsigned int counter_slot;

void counter_bind(unsigned int id)
{
	counter_slot = id % STRESS_MAX_THREADS;
}

static int pt_open(struct counter *c, int dev)
{
	(void)dev;
	c->slots = stress_shm_alloc(STRESS_MAX_THREADS * sizeof(*c->slots));
	return c->slots ? 0 : -1;
}

static int64_t pt_sum(const struct counter *c)
{
	int64_t sum = 0;

	for (unsigned int i = 0; i < STRESS_MAX_THREADS; i++)
		sum += uatomic_read(&c->slots[i].v);
	return sum;
}

static int pt_add(struct counter *c, int64_t delta, int64_t *res)
{
	uatomic_add(&c->slots[counter_slot].v, delta);
	if (res)
		*res = pt_sum(c);
	return 0;
}

static int pt_load(struct counter *c, int64_t *v)
{
	*v = pt_sum(c);
	return 0;
}

/* Not atomic against concurrent Adds (neither is percpu_counter_set). */
static int pt_store(struct counter *c, int64_t v)
{
	for (unsigned int i = 1; i < STRESS_MAX_THREADS; i++)
		uatomic_set(&c->slots[i].v, 0);
	uatomic_set(&c->slots[0].v, v);
	return 0;
}

static void pt_close(struct counter *c)
{
	stress_shm_free(c->slots, STRESS_MAX_THREADS * sizeof(*c->slots));
	c->slots = NULL;
}

const struct counter_ops per_thread_ops = {
	.open = pt_open, .add = pt_add,
	.load = pt_load, .store = pt_store, .close = pt_close,
};

/* pthread-mutex: Go's Counter{mu, count} with a process-shared mutex. */
static int mutex_open(struct counter *c, int dev)
{
	pthread_mutexattr_t a;
	int err;

	(void)dev;
	c->lock = stress_shm_alloc(sizeof(pthread_mutex_t));
	if (!c->lock)
		return -1;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	err = pthread_mutex_init(c->lock, &a);
	pthread_mutexattr_destroy(&a);
	if (err) {
		stress_shm_free(c->lock, sizeof(pthread_mutex_t));
		c->lock = NULL;
		errno = err;
		return -1;
	}
	return peer_open(c, dev);
}

static int mutex_add(struct counter *c, int64_t delta, int64_t *res)
{
	int64_t v;

	pthread_mutex_lock(c->lock);
	v = atomic_load_explicit(&c->value, memory_order_relaxed) + delta;
	atomic_store_explicit(&c->value, v, memory_order_relaxed);
	pthread_mutex_unlock(c->lock);
	if (res)
		*res = v;
	return 0;
}

static void mutex_close(struct counter *c)
{
	if (!c->lock)
		return;
	pthread_mutex_destroy(c->lock);
	stress_shm_free(c->lock, sizeof(pthread_mutex_t));
	c->lock = NULL;
}

const struct counter_ops pthread_mutex_counter_ops = {
	.open = mutex_open, .add = mutex_add,
	.load = peer_load, .store = peer_store, .close = mutex_close,
};

int counter_open(struct counter *c, const struct stress_backend *be, int dev,
		 unsigned int delay_ns)
{
	c->be = be;
	c->fd = -1;
	c->delay_ns = delay_ns;
	c->add_flags = 0;
	c->lock = NULL;
	c->slots = NULL;
	return be->counter->open(c, dev);
}

void counter_close(struct counter *c)
{
	c->be->counter->close(c);
}
