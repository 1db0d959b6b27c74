// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's mapped fast path: the object's page, and the Mutex on it.
 *
 * The protocol of each state word is in <linux/gosync.h> (struct
 * gosync_mapped); the kernel side in kmod/<type>.c. Userspace does only
 * what the protocol allows with atomics (GCC's __atomic builtins, which are
 * C11's) and leaves everything else to the ioctl, which sees the same word.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gosync.h"
#include "fast.h"

int gosync_fast_open(int fd, struct gosync_fast *f)
{
	struct gosync_info info;
	void *p;

	f->words = NULL;	/* gosync_fast_close() after a failure does nothing */
	if (gosync_info(fd, &info) < 0)
		return -1;
	p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	f->fd = fd;
	f->token = info.token;
	f->words = p;
	return 0;
}

void gosync_fast_close(struct gosync_fast *f)
{
	if (f->words)
		munmap(f->words, (size_t)sysconf(_SC_PAGESIZE));
	f->words = NULL;
}

int gosync_fast_create(int dev, struct gosync_create *c, struct gosync_fast *f)
{
	struct gosync_info info;
	int fd, err;

	c->flags |= GOSYNC_CREATE_MAPPED;
	fd = gosync_create(dev, c);
	if (fd < 0)
		return -1;
	if (gosync_fast_open(fd, f) < 0) {
		err = errno;
		/*
		 * Leave nothing behind: a named object would outlive the fd.
		 * By id, as another process may have unlinked it and made a
		 * new object under the name since; by name alone on a module
		 * without GOSYNC_UNLINK_ID (E2BIG), as before it came.
		 */
		if (c->name && (gosync_info(fd, &info) < 0 ||
				(gosync_unlink_id(dev, (const char *)(uintptr_t)c->name,
						  info.id) < 0 && errno == E2BIG)))
			gosync_unlink(dev, (const char *)(uintptr_t)c->name);
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int gosync_fast_mutex_create(int dev, const char *name, unsigned int perm,
			     unsigned int flags, struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_MUTEX, .perm = perm, .name = (uintptr_t)name,
		.lock = { .flags = flags },
	};

	return gosync_fast_create(dev, &c, f);
}

/* Lock: a CAS from 0 (free, no waiter, nothing to report) to our token. */
static bool mutex_cas_lock(uint32_t *w, uint32_t token)
{
	uint32_t old = 0;

	return __atomic_compare_exchange_n(w, &old, token, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

int gosync_fast_mutex_lock(struct gosync_fast *f, int64_t timeout_ns)
{
	uint32_t *w = &f->words->mutex;
	bool armed = false;	/* we saw SPINNING on a held word: a reserved one is ours */
	uint32_t v;
	int i;

	if (mutex_cas_lock(w, f->token))
		return 0;
	/*
	 * A holder that runs elsewhere may unlock within a few hundred cycles;
	 * Go's runtime spins too. Announce the spin (SPINNING), so that the
	 * holder's Unlock leaves the word reserved for a spinner rather than 0,
	 * which its own next Lock could take first. Stop as soon as the kernel
	 * owns the word (WAITERS): it decides who gets the lock next.
	 */
	for (i = 0; i < GOSYNC_FAST_SPIN; i++) {
		v = __atomic_load_n(w, __ATOMIC_RELAXED);
		if (v & GOSYNC_MUTEX_WAITERS)
			break;
		if (!(v & GOSYNC_MUTEX_TOKEN)) {
			/* free: 0 is anyone's, SPINNING alone a spinner's */
			if ((!v || armed) &&
			    __atomic_compare_exchange_n(w, &v, f->token, false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return 0;
		} else if (v & GOSYNC_MUTEX_SPINNING ||
			   __atomic_compare_exchange_n(w, &v, v | GOSYNC_MUTEX_SPINNING, false,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			armed = true;
		}
		gosync_cpu_relax();
	}
	/* A SPINNING left behind is harmless: the kernel treats it as free. */
	return gosync_mutex_lock(f->fd, timeout_ns);
}

int gosync_fast_mutex_trylock(struct gosync_fast *f)
{
	uint32_t v;

	if (mutex_cas_lock(&f->words->mutex, f->token))
		return 0;
	v = __atomic_load_n(&f->words->mutex, __ATOMIC_RELAXED);
	if (v & GOSYNC_MUTEX_TOKEN) {
		errno = EBUSY;
		return -1;
	}
	/*
	 * Free but the kernel's (waiters, starvation, a death to report), or
	 * reserved for a spinner (SPINNING): the kernel takes either.
	 */
	return gosync_mutex_trylock(f->fd);
}

int gosync_fast_mutex_unlock(struct gosync_fast *f)
{
	uint32_t *w = &f->words->mutex;
	uint32_t v = f->token;

	/* Release; any other value (waiters, another holder) is the kernel's. */
	if (__atomic_compare_exchange_n(w, &v, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return 0;
	/* A spinner announced itself: free the word reserved for it. */
	while ((v & ~GOSYNC_MUTEX_SPINNING) == f->token)
		if (__atomic_compare_exchange_n(w, &v, GOSYNC_MUTEX_SPINNING, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return 0;
	return gosync_mutex_unlock(f->fd);
}
