// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libgosync's fast path for an atomic-mode counter: the value is the
 * page's struct gosync_mapped.counter, and the kernel's ops on it are fully
 * ordered atomics, so sequentially consistent atomics here are the same
 * operations without the system call (Go's sync/atomic).
 */
#include "gosync.h"

int gosync_fast_counter_create(int dev, const char *name, unsigned int perm,
			       int64_t initial, struct gosync_fast *f)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_COUNTER, .perm = perm, .name = (uintptr_t)name,
		.counter = { .mode = GOSYNC_COUNTER_ATOMIC, .initial = initial },
	};

	return gosync_fast_create(dev, &c, f);
}

int gosync_fast_counter_add(struct gosync_fast *f, int64_t delta, int64_t *new_value)
{
	/* Wraps modulo 2^64 as the kernel's Add does: do it unsigned. */
	uint64_t v = __atomic_add_fetch((uint64_t *)&f->words->counter, (uint64_t)delta,
					__ATOMIC_SEQ_CST);

	if (new_value)
		*new_value = (int64_t)v;
	return 0;
}

int gosync_fast_counter_load(struct gosync_fast *f, int64_t *value)
{
	/* the load even for NULL @value, as the ioctl does it */
	int64_t v = __atomic_load_n(&f->words->counter, __ATOMIC_SEQ_CST);

	if (value)
		*value = v;
	return 0;
}

int gosync_fast_counter_store(struct gosync_fast *f, int64_t value)
{
	__atomic_store_n(&f->words->counter, value, __ATOMIC_SEQ_CST);
	return 0;
}

int gosync_fast_counter_swap(struct gosync_fast *f, int64_t value, int64_t *old)
{
	int64_t prev = __atomic_exchange_n(&f->words->counter, value, __ATOMIC_SEQ_CST);

	if (old)
		*old = prev;
	return 0;
}

int gosync_fast_counter_cas(struct gosync_fast *f, int64_t old, int64_t new_value,
			    bool *swapped)
{
	bool ok = __atomic_compare_exchange_n(&f->words->counter, &old, new_value, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);

	if (swapped)
		*swapped = ok;
	return 0;
}
