// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's mapped fast path for the Semaphore (non-robust only): with
 * GOSYNC_SEM_KERNEL clear, Acquire and Release are a compare-and-swap of
 * the free permits in the word (<linux/gosync.h>, struct
 * gosync_mapped.sem). The bit means the kernel owns the word (waiters in
 * its FIFO, pollers): then, and for anything that would wait or fail, the
 * ioctl decides, with its errors.
 */
#include <errno.h>
#include <stdbool.h>

#include "gosync.h"
#include "fast.h"

int gosync_fast_sem_create(int dev, const char *name, unsigned int perm, uint64_t size,
			   unsigned int flags, struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_SEM, .perm = perm, .name = (uintptr_t)name,
		.sem = { .size = size, .flags = flags },
	};

	return gosync_fast_create(dev, &c, f);
}

/*
 * Take @n if the word is userspace's and has them: 1 taken, 0 not free
 * (EBUSY for TryAcquire), -1 the kernel's to decide. A failed CAS means
 * another process got there first: look again, a few times.
 */
static int sem_fast_take(struct gosync_fast *f, uint64_t n)
{
	__u64 *w = &f->words->sem;
	__u64 v = __atomic_load_n(w, __ATOMIC_RELAXED);
	int i;

	if (!n || n > __atomic_load_n(&f->words->sem_size, __ATOMIC_RELAXED))
		return -1;	/* EINVAL */
	for (i = 0; i < GOSYNC_FAST_SPIN; i++) {
		if (v & GOSYNC_SEM_KERNEL)
			return -1;
		if (v < n)
			return 0;
		if (__atomic_compare_exchange_n(w, &v, v - n, true, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		gosync_cpu_relax();
	}
	return -1;
}

int gosync_fast_sem_acquire(struct gosync_fast *f, uint64_t n, int64_t timeout_ns)
{
	if (sem_fast_take(f, n) == 1)
		return 0;
	/* Not enough free, or the kernel's: it queues us in FIFO order. */
	return gosync_sem_acquire(f->fd, n, timeout_ns);
}

int gosync_fast_sem_tryacquire(struct gosync_fast *f, uint64_t n)
{
	switch (sem_fast_take(f, n)) {
	case 1:
		return 0;
	case 0:
		errno = EBUSY;
		return -1;
	default:
		return gosync_sem_tryacquire(f->fd, n);
	}
}

int gosync_fast_sem_release(struct gosync_fast *f, uint64_t n)
{
	__u64 *w = &f->words->sem;
	uint64_t size = __atomic_load_n(&f->words->sem_size, __ATOMIC_RELAXED);
	__u64 v = __atomic_load_n(w, __ATOMIC_RELAXED);
	int i;

	/* n > size: the ioctl's EPERM (or EINVAL for 0), as is v + n > size. */
	for (i = 0; n && n <= size && i < GOSYNC_FAST_SPIN; i++) {
		if ((v & GOSYNC_SEM_KERNEL) || v > size - n)
			break;
		/* Release: our critical section happens before the next Acquire. */
		if (__atomic_compare_exchange_n(w, &v, v + n, true, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
		gosync_cpu_relax();
	}
	return gosync_sem_release(f->fd, n);
}
