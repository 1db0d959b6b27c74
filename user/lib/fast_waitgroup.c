// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's fast path for a WaitGroup: the page's struct
 * gosync_mapped.waitgroup, Go's layout (the protocol is in <linux/gosync.h>,
 * the kernel's side in kmod/waitgroup.c). Add is a compare-and-swap of the
 * counter half, so a refused Add leaves the word as it was, as the ioctl
 * does; the low half is the kernel's and is only read here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gosync.h"

#define WG_LOW	0xffffffffULL

static int64_t wg_count(uint64_t v)
{
	return (int32_t)(uint32_t)(v >> GOSYNC_WG_SHIFT);
}

int gosync_fast_waitgroup_create(int dev, const char *name, unsigned int perm,
				 struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_WAITGROUP, .perm = perm, .name = (uintptr_t)name,
	};

	return gosync_fast_create(dev, &c, f);
}

/*
 * Does the module take GOSYNC_WG_F_UNHELD? Asked from VERSION's features,
 * and the answer kept (the library's one piece of state). Yes if the
 * device cannot be asked (the module is taken to be as new as the
 * library); that answer is kept too when the open failed for good
 * (EACCES, ENOENT, ...: asking again would fail again, an open per Done
 * for nothing), not when it may succeed later (EMFILE, ENFILE, ENOMEM,
 * EINTR, EAGAIN): then the next Done asks again. Asked, not guessed from
 * an EINVAL, which a counter that would go negative gets too: a plain Done
 * tried after it could take an Add another process made meanwhile, hide
 * the misuse, and settle one of this description's held Adds.
 */
static bool wg_probe_transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == EINTR ||
	       err == EAGAIN;
}

static bool wg_unheld_known(void)
{
	static int known;	/* 0: not known yet; 1: it does; 2: it does not */
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (!k) {
		struct gosync_version v;
		int err = errno, dev = gosync_dev_open();

		if (dev >= 0) {
			if (!gosync_version(dev, &v))
				k = v.features & GOSYNC_FEATURE_WG_UNHELD ? 1 : 2;
			else if (!wg_probe_transient(errno))
				k = 1;
			close(dev);
		} else if (!wg_probe_transient(errno)) {
			k = 1;
		}
		if (k)
			__atomic_store_n(&known, k, __ATOMIC_RELAXED);
		errno = err;
	}
	return k != 2;
}

/*
 * The kernel's Add, for when the fast path cannot. Its Done is
 * GOSYNC_WG_F_UNHELD, as the CAS would have been: a plain Done through a
 * description that holds Adds would settle one of them, and the kernel would
 * then not do it if this process died before that Add's own Done. A module
 * from before the flag gets a plain Done.
 */
static int wg_kernel_add(struct gosync_fast *f, int64_t delta, int64_t *counter)
{
	struct gosync_waitgroup_cmd c = {
		.size = sizeof(c), .flags = GOSYNC_WG_F_UNHELD, .op = GOSYNC_WG_ADD,
		.delta = delta,
	};

	if (delta >= 0 || !wg_unheld_known())
		return gosync_waitgroup_add(f->fd, delta, counter);
	if (ioctl(f->fd, GOSYNC_IOC_WAITGROUP, &c) < 0)
		return -1;
	if (counter)
		*counter = c.counter;
	return 0;
}

int gosync_fast_waitgroup_add(struct gosync_fast *f, int64_t delta, int64_t *counter)
{
	__u64 *w = &f->words->waitgroup;
	__u64 v = __atomic_load_n(w, __ATOMIC_RELAXED);
	int64_t c, n;

	/* The word holds 32 bits of counter; the kernel refuses the rest. */
	if (delta < INT32_MIN || delta > INT32_MAX)
		return wg_kernel_add(f, delta, counter);
	do {
		c = wg_count(v);
		n = c + delta;
		/* The kernel is updating it, or it may have a zero to take first. */
		if ((v & GOSYNC_WG_KERNEL) || (delta > 0 && !c && (v & WG_LOW)))
			return wg_kernel_add(f, delta, counter);
		if (n < 0) {
			errno = EINVAL;	/* Go: "sync: negative WaitGroup counter" */
			return -1;
		}
		if (n > INT32_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
	} while (!__atomic_compare_exchange_n(w, &v, v + ((uint64_t)delta << GOSYNC_WG_SHIFT),
					      false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	if (counter)
		*counter = n;
	/*
	 * Zero with Waits asleep or pollers watching: the kernel wakes them.
	 * The Add is done whatever that call says (a caller told -1 would do
	 * it again); a zero it misses is found when the page is unmapped.
	 */
	if (!n && delta && (v & WG_LOW))
		gosync_waitgroup_add(f->fd, 0, NULL);
	return 0;
}

int gosync_fast_waitgroup_done(struct gosync_fast *f, int64_t *counter)
{
	return gosync_fast_waitgroup_add(f, -1, counter);
}

int gosync_fast_waitgroup_wait(struct gosync_fast *f, int64_t timeout_ns)
{
	/* Acquire: the Dones that reached zero happen before we return. */
	if (!wg_count(__atomic_load_n(&f->words->waitgroup, __ATOMIC_ACQUIRE)))
		return 0;
	return gosync_waitgroup_wait(f->fd, timeout_ns);
}
