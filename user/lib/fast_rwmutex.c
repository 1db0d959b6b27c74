// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's mapped fast path for the RWMutex (GOSYNC_RWMUTEX_* in
 * <linux/gosync.h>; the kernel side in kmod/rwmutex.c). Every CAS needs
 * GOSYNC_RWMUTEX_WAITERS clear: once the kernel has set it (someone waits,
 * a writer is queued, a poller watches), everything goes through the ioctl,
 * which keeps Go's writer preference and FIFO handoff. A failed CAS retries
 * only while the word still allows the operation: the loop is this
 * process's own, ended by any change the kernel makes.
 */
#include <errno.h>
#include <stdbool.h>

#include "gosync.h"
#include "fast.h"

#define RW_BUSY		(GOSYNC_RWMUTEX_WRITER | GOSYNC_RWMUTEX_WAITERS)

static unsigned int rw_readers(__u64 v)
{
	return (unsigned int)((v & GOSYNC_RWMUTEX_READERS) >> GOSYNC_RWMUTEX_READER_SHIFT);
}

/* May the fast path add a reader to @v? */
static bool rw_can_rlock(__u64 v)
{
	return !(v & RW_BUSY) && rw_readers(v) < GOSYNC_RWMUTEX_MAX_READERS;
}

int gosync_fast_rwmutex_create(int dev, const char *name, unsigned int perm,
			       unsigned int flags, struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_RWMUTEX, .perm = perm, .name = (uintptr_t)name,
		.lock = { .flags = flags },
	};

	return gosync_fast_create(dev, &c, f);
}

/* One reader more, while the word allows it; CAS failures reload @v. */
static bool rw_cas_rlock(__u64 *w, __u64 v)
{
	while (rw_can_rlock(v))
		if (__atomic_compare_exchange_n(w, &v, v + GOSYNC_RWMUTEX_READER, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

static bool rw_cas_lock(__u64 *w, uint32_t token)
{
	__u64 old = 0;

	return __atomic_compare_exchange_n(w, &old, token, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

int gosync_fast_rwmutex_rlock(struct gosync_fast *f, int64_t timeout_ns)
{
	__u64 *w = &f->words->rwmutex;
	__u64 v;
	int i;

	if (rw_cas_rlock(w, __atomic_load_n(w, __ATOMIC_RELAXED)))
		return 0;
	/* A running writer may unlock soon; stop once the kernel owns the word. */
	for (i = 0; i < GOSYNC_FAST_SPIN; i++) {
		gosync_cpu_relax();
		v = __atomic_load_n(w, __ATOMIC_RELAXED);
		if (v & GOSYNC_RWMUTEX_WAITERS)
			break;
		if (rw_cas_rlock(w, v))
			return 0;
	}
	return gosync_rwmutex_rlock(f->fd, timeout_ns);
}

int gosync_fast_rwmutex_tryrlock(struct gosync_fast *f)
{
	__u64 *w = &f->words->rwmutex;
	__u64 v = __atomic_load_n(w, __ATOMIC_RELAXED);

	if (rw_cas_rlock(w, v))
		return 0;
	v = __atomic_load_n(w, __ATOMIC_RELAXED);
	if ((v & GOSYNC_RWMUTEX_WRITER) && !(v & GOSYNC_RWMUTEX_WAITERS)) {
		errno = EBUSY;
		return -1;
	}
	/* The kernel's: a queued writer, too many readers, pollers. */
	return gosync_rwmutex_tryrlock(f->fd);
}

int gosync_fast_rwmutex_runlock(struct gosync_fast *f)
{
	__u64 *w = &f->words->rwmutex;
	__u64 v = __atomic_load_n(w, __ATOMIC_RELAXED);

	/* Release; a waiting writer (WAITERS) needs the kernel to wake it. */
	while (!(v & RW_BUSY) && rw_readers(v))
		if (__atomic_compare_exchange_n(w, &v, v - GOSYNC_RWMUTEX_READER, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return 0;
	return gosync_rwmutex_runlock(f->fd);
}

int gosync_fast_rwmutex_lock(struct gosync_fast *f, int64_t timeout_ns)
{
	__u64 *w = &f->words->rwmutex;
	__u64 v;
	int i;

	if (rw_cas_lock(w, f->token))
		return 0;
	for (i = 0; i < GOSYNC_FAST_SPIN; i++) {
		gosync_cpu_relax();
		v = __atomic_load_n(w, __ATOMIC_RELAXED);
		if (v & GOSYNC_RWMUTEX_WAITERS)
			break;
		if (!v && rw_cas_lock(w, f->token))
			return 0;
	}
	return gosync_rwmutex_lock(f->fd, timeout_ns);
}

int gosync_fast_rwmutex_trylock(struct gosync_fast *f)
{
	__u64 v;

	if (rw_cas_lock(&f->words->rwmutex, f->token))
		return 0;
	v = __atomic_load_n(&f->words->rwmutex, __ATOMIC_RELAXED);
	if (!(v & GOSYNC_RWMUTEX_WAITERS)) {
		errno = EBUSY;	/* held by a writer or readers */
		return -1;
	}
	return gosync_rwmutex_trylock(f->fd);
}

int gosync_fast_rwmutex_unlock(struct gosync_fast *f)
{
	__u64 old = f->token;

	/* Release; any other value (waiters, another writer) is the kernel's. */
	if (__atomic_compare_exchange_n(&f->words->rwmutex, &old, 0, false, __ATOMIC_RELEASE,
					__ATOMIC_RELAXED))
		return 0;
	return gosync_rwmutex_unlock(f->fd);
}
