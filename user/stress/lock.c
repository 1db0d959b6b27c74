// SPDX-License-Identifier: GPL-2.0
/*
 * Lock, WaitGroup and Semaphore backends: gosync Mutex, RWMutex, WaitGroup
 * and Semaphore (one ioctl per call) and their userspace peers (pthread
 * objects and POSIX sem_t in place, in the caller's shared memory:
 * process-shared when workers are processes). One ops vector per
 * implementation; workloads only call through it.
 */
#include <errno.h>
#include <unistd.h>

#include "stress.h"

/* pthread calls return an error number: make it errno. */
static int pt(int err)
{
	if (!err)
		return 0;
	errno = err;
	return -1;
}

/* ---- gosync Mutex and RWMutex ---- */

static int gosync_need_dev(int dev)
{
	if (dev >= 0)
		return 0;
	errno = ENODEV;
	return -1;
}

static int gmutex_open(struct lockobj *l, int dev, bool pshared)
{
	(void)pshared;		/* fds reach forked workers by inheritance */
	if (gosync_need_dev(dev) < 0)
		return -1;
	l->fd = gosync_mutex_create(dev, NULL, 0, 0);
	return l->fd < 0 ? -1 : 0;
}

static int gmutex_lock(struct lockobj *l)
{
	return gosync_mutex_lock(l->fd, -1);
}

static int gmutex_unlock(struct lockobj *l)
{
	return gosync_mutex_unlock(l->fd);
}

static void gclose(struct lockobj *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

const struct lock_ops gosync_mutex_ops = {
	.open = gmutex_open, .lock = gmutex_lock, .unlock = gmutex_unlock,
	.close = gclose,
};

static int gmutex_mapped_open(struct lockobj *l, int dev, bool pshared)
{
	(void)pshared;
	if (gosync_need_dev(dev) < 0)
		return -1;
	l->fd = gosync_fast_mutex_create(dev, NULL, 0, 0, &l->fast);
	return l->fd < 0 ? -1 : 0;
}

static int gmutex_mapped_lock(struct lockobj *l)
{
	return gosync_fast_mutex_lock(&l->fast, -1);
}

static int gmutex_mapped_unlock(struct lockobj *l)
{
	return gosync_fast_mutex_unlock(&l->fast);
}

static void gmutex_mapped_close(struct lockobj *l)
{
	gosync_fast_close(&l->fast);
	gclose(l);
}

const struct lock_ops gosync_mutex_mapped_ops = {
	.open = gmutex_mapped_open, .lock = gmutex_mapped_lock,
	.unlock = gmutex_mapped_unlock, .close = gmutex_mapped_close,
};

static int grw_open(struct lockobj *l, int dev, bool pshared)
{
	(void)pshared;
	if (gosync_need_dev(dev) < 0)
		return -1;
	l->fd = gosync_rwmutex_create(dev, NULL, 0, 0);
	return l->fd < 0 ? -1 : 0;
}

static int grw_lock(struct lockobj *l)
{
	return gosync_rwmutex_lock(l->fd, -1);
}

static int grw_unlock(struct lockobj *l)
{
	return gosync_rwmutex_unlock(l->fd);
}

static int grw_rlock(struct lockobj *l)
{
	return gosync_rwmutex_rlock(l->fd, -1);
}

static int grw_runlock(struct lockobj *l)
{
	return gosync_rwmutex_runlock(l->fd);
}

const struct lock_ops gosync_rwmutex_ops = {
	.open = grw_open, .lock = grw_lock, .unlock = grw_unlock,
	.rlock = grw_rlock, .runlock = grw_runlock, .close = gclose,
};

static int grw_mapped_open(struct lockobj *l, int dev, bool pshared)
{
	(void)pshared;
	if (gosync_need_dev(dev) < 0)
		return -1;
	/* Only a non-robust RWMutex has a fast path (docs/uapi.md). */
	l->fd = gosync_fast_rwmutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST, &l->fast);
	return l->fd < 0 ? -1 : 0;
}

static int grw_mapped_lock(struct lockobj *l)
{
	return gosync_fast_rwmutex_lock(&l->fast, -1);
}

static int grw_mapped_unlock(struct lockobj *l)
{
	return gosync_fast_rwmutex_unlock(&l->fast);
}

static int grw_mapped_rlock(struct lockobj *l)
{
	return gosync_fast_rwmutex_rlock(&l->fast, -1);
}

static int grw_mapped_runlock(struct lockobj *l)
{
	return gosync_fast_rwmutex_runlock(&l->fast);
}

const struct lock_ops gosync_rwmutex_mapped_ops = {
	.open = grw_mapped_open, .lock = grw_mapped_lock, .unlock = grw_mapped_unlock,
	.rlock = grw_mapped_rlock, .runlock = grw_mapped_runlock,
	.close = gmutex_mapped_close,
};

/* ---- pthread_mutex_t ---- */

static int pmutex_open(struct lockobj *l, int dev, bool pshared)
{
	pthread_mutexattr_t a;
	int err;

	(void)dev;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED :
				     PTHREAD_PROCESS_PRIVATE);
	err = pthread_mutex_init(&l->m, &a);
	pthread_mutexattr_destroy(&a);
	return pt(err);
}

static int pmutex_lock(struct lockobj *l)
{
	return pt(pthread_mutex_lock(&l->m));
}

static int pmutex_unlock(struct lockobj *l)
{
	return pt(pthread_mutex_unlock(&l->m));
}

static void pmutex_close(struct lockobj *l)
{
	pthread_mutex_destroy(&l->m);
}

const struct lock_ops pthread_mutex_lock_ops = {
	.open = pmutex_open, .lock = pmutex_lock, .unlock = pmutex_unlock,
	.close = pmutex_close,
};

/* ---- pthread_rwlock_t, glibc's default (readers first) or writers first ---- */

static int prw_init(struct lockobj *l, bool pshared, int kind)
{
	pthread_rwlockattr_t a;
	int err;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED :
				      PTHREAD_PROCESS_PRIVATE);
	pthread_rwlockattr_setkind_np(&a, kind);
	err = pthread_rwlock_init(&l->rw, &a);
	pthread_rwlockattr_destroy(&a);
	return pt(err);
}

static int prw_open(struct lockobj *l, int dev, bool pshared)
{
	(void)dev;
	return prw_init(l, pshared, PTHREAD_RWLOCK_DEFAULT_NP);
}

static int prw_wp_open(struct lockobj *l, int dev, bool pshared)
{
	(void)dev;
	return prw_init(l, pshared, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}

static int prw_lock(struct lockobj *l)
{
	return pt(pthread_rwlock_wrlock(&l->rw));
}

static int prw_rlock(struct lockobj *l)
{
	return pt(pthread_rwlock_rdlock(&l->rw));
}

static int prw_unlock(struct lockobj *l)
{
	return pt(pthread_rwlock_unlock(&l->rw));
}

static void prw_close(struct lockobj *l)
{
	pthread_rwlock_destroy(&l->rw);
}

const struct lock_ops pthread_rwlock_ops = {
	.open = prw_open, .lock = prw_lock, .unlock = prw_unlock,
	.rlock = prw_rlock, .runlock = prw_unlock, .close = prw_close,
};

const struct lock_ops pthread_rwlock_wp_ops = {
	.open = prw_wp_open, .lock = prw_lock, .unlock = prw_unlock,
	.rlock = prw_rlock, .runlock = prw_unlock, .close = prw_close,
};

int lockobj_open(struct lockobj *l, const struct stress_backend *be, int dev,
		 bool pshared)
{
	l->be = be;
	l->fd = -1;
	atomic_init(&l->writer_in, 0);
	atomic_init(&l->guard, 0);
	return be->lock->open(l, dev, pshared);
}

void lockobj_close(struct lockobj *l)
{
	l->be->lock->close(l);
}

/* ---- gosync WaitGroup ---- */

static int gwg_open(struct wgobj *g, int dev, bool pshared, unsigned int parties)
{
	(void)pshared;
	(void)parties;
	if (gosync_need_dev(dev) < 0)
		return -1;
	g->fd = gosync_waitgroup_create(dev, NULL, 0);
	return g->fd < 0 ? -1 : 0;
}

static int gwg_add(struct wgobj *g, int64_t delta)
{
	return gosync_waitgroup_add(g->fd, delta, NULL);
}

static int gwg_done(struct wgobj *g)
{
	return gosync_waitgroup_done(g->fd, NULL);
}

static int gwg_wait(struct wgobj *g)
{
	return gosync_waitgroup_wait(g->fd, -1);
}

static int gwg_load(struct wgobj *g, int64_t *v)
{
	return gosync_waitgroup_load(g->fd, v);
}

static void gwg_close(struct wgobj *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

const struct wg_ops gosync_wg_ops = {
	.open = gwg_open, .add = gwg_add, .done = gwg_done, .wait = gwg_wait,
	.load = gwg_load, .close = gwg_close,
};

/* ---- a mapped gosync WaitGroup: libgosync's fast path ---- */

static int mwg_open(struct wgobj *g, int dev, bool pshared, unsigned int parties)
{
	(void)pshared;
	(void)parties;
	if (gosync_need_dev(dev) < 0)
		return -1;
	g->fd = gosync_fast_waitgroup_create(dev, NULL, 0, &g->fast);
	return g->fd < 0 ? -1 : 0;
}

static int mwg_add(struct wgobj *g, int64_t delta)
{
	return gosync_fast_waitgroup_add(&g->fast, delta, NULL);
}

static int mwg_done(struct wgobj *g)
{
	return gosync_fast_waitgroup_done(&g->fast, NULL);
}

static int mwg_wait(struct wgobj *g)
{
	return gosync_fast_waitgroup_wait(&g->fast, -1);
}

static void mwg_close(struct wgobj *g)
{
	gosync_fast_close(&g->fast);
	gwg_close(g);
}

const struct wg_ops gosync_wg_mapped_ops = {
	.open = mwg_open, .add = mwg_add, .done = mwg_done, .wait = mwg_wait,
	.load = gwg_load, .close = mwg_close,
};

/* ---- a WaitGroup from a pthread mutex and cond ---- */

static int cwg_open(struct wgobj *g, int dev, bool pshared, unsigned int parties)
{
	int ps = pshared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int err;

	(void)dev;
	(void)parties;
	g->count = 0;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, ps);
	err = pthread_mutex_init(&g->m, &ma);
	pthread_mutexattr_destroy(&ma);
	if (err)
		return pt(err);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, ps);
	err = pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		pthread_mutex_destroy(&g->m);
	return pt(err);
}

/* Go's Add: a negative counter is refused (EINVAL), zero wakes every Wait. */
static int cwg_add(struct wgobj *g, int64_t delta)
{
	int ret = 0;

	pthread_mutex_lock(&g->m);
	if (g->count + delta < 0) {
		errno = EINVAL;
		ret = -1;
	} else {
		g->count += delta;
		if (!g->count)
			pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->m);
	return ret;
}

static int cwg_done(struct wgobj *g)
{
	return cwg_add(g, -1);
}

static int cwg_wait(struct wgobj *g)
{
	pthread_mutex_lock(&g->m);
	while (g->count)
		pthread_cond_wait(&g->cv, &g->m);
	pthread_mutex_unlock(&g->m);
	return 0;
}

static int cwg_load(struct wgobj *g, int64_t *v)
{
	pthread_mutex_lock(&g->m);
	*v = g->count;
	pthread_mutex_unlock(&g->m);
	return 0;
}

static void cwg_close(struct wgobj *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->m);
}

const struct wg_ops pthread_cond_wg_ops = {
	.open = cwg_open, .add = cwg_add, .done = cwg_done, .wait = cwg_wait,
	.load = cwg_load, .close = cwg_close,
};

/* ---- pthread_barrier_t: only "everyone arrives, everyone leaves" ---- */

static int bar_open(struct wgobj *g, int dev, bool pshared, unsigned int parties)
{
	pthread_barrierattr_t a;
	int err;

	(void)dev;
	pthread_barrierattr_init(&a);
	pthread_barrierattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED :
				       PTHREAD_PROCESS_PRIVATE);
	err = pthread_barrier_init(&g->b, &a, parties);
	pthread_barrierattr_destroy(&a);
	return pt(err);
}

static int bar_arrive(struct wgobj *g)
{
	int err = pthread_barrier_wait(&g->b);

	return err == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : pt(err);
}

static void bar_close(struct wgobj *g)
{
	pthread_barrier_destroy(&g->b);
}

const struct wg_ops pthread_barrier_ops = {
	.open = bar_open, .arrive = bar_arrive, .close = bar_close,
};

int wgobj_open(struct wgobj *g, const struct stress_backend *be, int dev,
	       bool pshared, unsigned int parties)
{
	g->be = be;
	g->fd = -1;
	return be->wg->open(g, dev, pshared, parties);
}

void wgobj_close(struct wgobj *g)
{
	g->be->wg->close(g);
}

/* ---- gosync Semaphore ---- */

static int gsem_open(struct semobj *s, int dev, bool pshared)
{
	(void)pshared;		/* forked workers share the fd's description */
	if (gosync_need_dev(dev) < 0)
		return -1;
	s->fd = gosync_sem_create(dev, NULL, 0, s->permits, 0);
	return s->fd < 0 ? -1 : 0;
}

static int gsem_acquire(struct semobj *s)
{
	return gosync_sem_acquire(s->fd, 1, -1);
}

static int gsem_release(struct semobj *s)
{
	return gosync_sem_release(s->fd, 1);
}

static void gsem_close(struct semobj *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

const struct sem_ops gosync_sem_ops = {
	.open = gsem_open, .acquire = gsem_acquire, .release = gsem_release,
	.close = gsem_close,
};

/*
 * ---- gosync Semaphore, mapped: libgosync's fast path (non-robust) ----
 * Forked workers inherit the shared mapping with the fd.
 */

static int gsem_mapped_open(struct semobj *s, int dev, bool pshared)
{
	(void)pshared;
	if (gosync_need_dev(dev) < 0)
		return -1;
	s->fd = gosync_fast_sem_create(dev, NULL, 0, s->permits, GOSYNC_SEM_ATTR_NONROBUST,
				       &s->fast);
	return s->fd < 0 ? -1 : 0;
}

static int gsem_mapped_acquire(struct semobj *s)
{
	return gosync_fast_sem_acquire(&s->fast, 1, -1);
}

static int gsem_mapped_release(struct semobj *s)
{
	return gosync_fast_sem_release(&s->fast, 1);
}

static void gsem_mapped_close(struct semobj *s)
{
	if (s->fd < 0)
		return;
	gosync_fast_close(&s->fast);
	close(s->fd);
	s->fd = -1;
}

const struct sem_ops gosync_sem_mapped_ops = {
	.open = gsem_mapped_open, .acquire = gsem_mapped_acquire,
	.release = gsem_mapped_release, .close = gsem_mapped_close,
};

/* ---- POSIX sem_t (sem_init, process-shared with --procs) ---- */

static int psem_open(struct semobj *s, int dev, bool pshared)
{
	(void)dev;
	return sem_init(&s->s, pshared, s->permits);
}

static int psem_acquire(struct semobj *s)
{
	int ret;

	while ((ret = sem_wait(&s->s)) < 0 && errno == EINTR)
		;
	return ret;
}

static int psem_release(struct semobj *s)
{
	return sem_post(&s->s);
}

static void psem_close(struct semobj *s)
{
	sem_destroy(&s->s);
}

const struct sem_ops posix_sem_ops = {
	.open = psem_open, .acquire = psem_acquire, .release = psem_release,
	.close = psem_close,
};

/* ---- no semaphore at all: what the limit is there to prevent ---- */

static int nosem_open(struct semobj *s, int dev, bool pshared)
{
	(void)s;
	(void)dev;
	(void)pshared;
	return 0;
}

static int nosem_call(struct semobj *s)
{
	(void)s;
	return 0;
}

static void nosem_close(struct semobj *s)
{
	(void)s;
}

const struct sem_ops unlimited_sem_ops = {
	.open = nosem_open, .acquire = nosem_call, .release = nosem_call,
	.close = nosem_close,
};

int semobj_open(struct semobj *s, const struct stress_backend *be, int dev,
		bool pshared, unsigned int permits)
{
	s->be = be;
	s->fd = -1;
	s->permits = permits;
	atomic_init(&s->inside, 0);
	atomic_init(&s->max_inside, 0);
	atomic_init(&s->over, 0);
	atomic_init(&s->guard, 0);
	return be->sem->open(s, dev, pshared);
}

void semobj_close(struct semobj *s)
{
	s->be->sem->close(s);
}

bool semobj_enter(struct semobj *s)
{
	unsigned int n = atomic_fetch_add(&s->inside, 1) + 1;
	unsigned int m = atomic_load_explicit(&s->max_inside, memory_order_relaxed);

	while (n > m && !atomic_compare_exchange_weak(&s->max_inside, &m, n))
		;
	if (n <= s->permits)
		return true;
	atomic_fetch_add_explicit(&s->over, 1, memory_order_relaxed);
	return false;
}

void semobj_leave(struct semobj *s)
{
	atomic_fetch_sub(&s->inside, 1);
}
