// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's mapped fast path for the Once: Go's `if done.Load() { return }`.
 * The kernel stores the result in the word with release when the Once is
 * done (<linux/gosync.h>, struct gosync_mapped.once); userspace only loads
 * it. Everything else (who runs, waiting, retry) is the DO ioctl's.
 */
#include <errno.h>

#include "gosync.h"

int gosync_fast_once_create(int dev, const char *name, unsigned int perm,
			    unsigned int flags, struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_ONCE, .perm = perm, .name = (uintptr_t)name,
		.once = { .flags = flags },
	};

	return gosync_fast_create(dev, &c, f);
}

int gosync_fast_once_do(struct gosync_fast *f, int64_t timeout_ns, unsigned int *result)
{
	/* Acquire: pairs with the kernel's release; the function's effects are seen. */
	uint32_t v = __atomic_load_n(&f->words->once, __ATOMIC_ACQUIRE);

	if (v & GOSYNC_ONCE_DONE) {
		if (result)
			*result = v & (GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
		return 0;
	}
	return gosync_once_do(f->fd, timeout_ns, result);
}
