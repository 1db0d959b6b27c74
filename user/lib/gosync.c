// SPDX-License-Identifier: LGPL-2.1-or-later
/* libgosync: see gosync.h for the contract of each function. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "gosync.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int gosync_dev_open(void)
{
	return open(GOSYNC_DEVICE, O_RDWR | O_CLOEXEC);
}

int gosync_version(int dev, struct gosync_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ioctl(dev, GOSYNC_IOC_VERSION, v);
}

int gosync_create(int dev, struct gosync_create *c)
{
	c->size = sizeof(*c);
	return ioctl(dev, GOSYNC_IOC_CREATE, c);
}

int gosync_counter_create(int dev, const char *name, unsigned int perm,
			  unsigned int mode, int64_t initial)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_COUNTER,
		.perm = perm,
		.name = (uintptr_t)name,
		.counter = { .mode = mode, .initial = initial },
	};

	return gosync_create(dev, &c);
}

int gosync_open(int dev, const char *name, unsigned int type)
{
	struct gosync_open o = {
		.size = sizeof(o), .name = (uintptr_t)name, .type = type,
	};

	return ioctl(dev, GOSYNC_IOC_OPEN, &o);
}

int gosync_unlink(int dev, const char *name)
{
	struct gosync_unlink u = { .size = sizeof(u), .name = (uintptr_t)name };

	return ioctl(dev, GOSYNC_IOC_UNLINK, &u);
}

int gosync_info(int fd, struct gosync_info *info)
{
	struct gosync_info_cmd c = { .size = sizeof(c) };

	if (ioctl(fd, GOSYNC_IOC_INFO, &c) < 0)
		return -1;
	*info = c.info;
	return 0;
}

int gosync_list(int dev, struct gosync_info *buf, unsigned int cap,
		uint64_t *cursor, unsigned int *total)
{
	struct gosync_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)buf,
		.entry_size = sizeof(*buf),
		.count = cap,
		.cursor = *cursor,
	};

	if (ioctl(dev, GOSYNC_IOC_LIST, &l) < 0)
		return -1;
	*cursor = l.cursor;
	if (total)
		*total = l.total;
	return (int)l.count;
}

int gosync_counter_op(int fd, unsigned int op, unsigned int flags,
		      int64_t arg, int64_t expected, int64_t *result)
{
	struct gosync_counter_cmd c = {
		.size = sizeof(c), .flags = flags, .op = op,
		.arg = arg, .expected = expected,
	};

	if (ioctl(fd, GOSYNC_IOC_COUNTER, &c) < 0)
		return -1;
	if (result)
		*result = c.result;
	return 0;
}

int gosync_counter_add(int fd, int64_t delta, int64_t *new_value)
{
	return gosync_counter_op(fd, GOSYNC_OP_ADD, 0, delta, 0, new_value);
}

int gosync_counter_load(int fd, int64_t *value)
{
	return gosync_counter_op(fd, GOSYNC_OP_LOAD, 0, 0, 0, value);
}

int gosync_counter_store(int fd, int64_t value)
{
	return gosync_counter_op(fd, GOSYNC_OP_STORE, 0, value, 0, NULL);
}

int gosync_counter_swap(int fd, int64_t value, int64_t *old)
{
	return gosync_counter_op(fd, GOSYNC_OP_SWAP, 0, value, 0, old);
}

int gosync_counter_cas(int fd, int64_t old, int64_t new_value, bool *swapped)
{
	int64_t prev;

	if (gosync_counter_op(fd, GOSYNC_OP_CAS, 0, new_value, old, &prev) < 0)
		return -1;
	if (swapped)
		*swapped = prev == old;
	return 0;
}

int gosync_counter_reset(int fd, int64_t *old)
{
	return gosync_counter_op(fd, GOSYNC_OP_RESET, 0, 0, 0, old);
}

int gosync_batch(int fd, struct gosync_op *ops, unsigned int count,
		 unsigned int flags, unsigned int *done)
{
	struct gosync_batch b = {
		.size = sizeof(b), .flags = flags, .ops = (uintptr_t)ops,
		.count = count, .op_size = sizeof(*ops),
	};
	int ret = ioctl(fd, GOSYNC_IOC_BATCH, &b);

	if (done)
		*done = b.done;
	return ret < 0 ? -1 : 0;
}

/* Create an object with only lock/once-style flags attributes. */
static int create_flagged(int dev, unsigned int type, const char *name,
			  unsigned int perm, unsigned int flags)
{
	struct gosync_create c = {
		.type = type, .perm = perm, .name = (uintptr_t)name,
	};

	if (type == GOSYNC_TYPE_ONCE)
		c.once.flags = flags;
	else
		c.lock.flags = flags;
	return gosync_create(dev, &c);
}

static void set_timeout(__u32 *flags, __u64 *field, int64_t timeout_ns)
{
	if (timeout_ns >= 0) {
		*flags |= GOSYNC_WAIT_TIMEOUT;
		*field = (__u64)timeout_ns;
	}
}

int gosync_lock_op(int fd, unsigned long ioc, unsigned int op, int64_t timeout_ns)
{
	struct gosync_lock_cmd c = { .size = sizeof(c), .op = op };

	set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	return ioctl(fd, ioc, &c);
}

int gosync_mutex_create(int dev, const char *name, unsigned int perm, unsigned int flags)
{
	return create_flagged(dev, GOSYNC_TYPE_MUTEX, name, perm, flags);
}

int gosync_mutex_lock(int fd, int64_t timeout_ns)
{
	return gosync_lock_op(fd, GOSYNC_IOC_MUTEX, GOSYNC_LOCK_LOCK, timeout_ns);
}

int gosync_mutex_trylock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_MUTEX, GOSYNC_LOCK_TRYLOCK, -1);
}

int gosync_mutex_unlock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_MUTEX, GOSYNC_LOCK_UNLOCK, -1);
}

int gosync_rwmutex_create(int dev, const char *name, unsigned int perm, unsigned int flags)
{
	return create_flagged(dev, GOSYNC_TYPE_RWMUTEX, name, perm, flags);
}

int gosync_rwmutex_lock(int fd, int64_t timeout_ns)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_LOCK, timeout_ns);
}

int gosync_rwmutex_trylock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_TRYLOCK, -1);
}

int gosync_rwmutex_unlock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_UNLOCK, -1);
}

int gosync_rwmutex_rlock(int fd, int64_t timeout_ns)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_RLOCK, timeout_ns);
}

int gosync_rwmutex_tryrlock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_TRYRLOCK, -1);
}

int gosync_rwmutex_runlock(int fd)
{
	return gosync_lock_op(fd, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_RUNLOCK, -1);
}

int gosync_waitgroup_create(int dev, const char *name, unsigned int perm)
{
	return create_flagged(dev, GOSYNC_TYPE_WAITGROUP, name, perm, 0);
}

static int waitgroup_op(int fd, unsigned int op, int64_t delta, int64_t timeout_ns,
			int64_t *counter)
{
	struct gosync_waitgroup_cmd c = { .size = sizeof(c), .op = op, .delta = delta };

	set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	if (ioctl(fd, GOSYNC_IOC_WAITGROUP, &c) < 0)
		return -1;
	if (counter)
		*counter = c.counter;
	return 0;
}

int gosync_waitgroup_add(int fd, int64_t delta, int64_t *counter)
{
	return waitgroup_op(fd, GOSYNC_WG_ADD, delta, -1, counter);
}

int gosync_waitgroup_done(int fd, int64_t *counter)
{
	return waitgroup_op(fd, GOSYNC_WG_DONE, 0, -1, counter);
}

int gosync_waitgroup_wait(int fd, int64_t timeout_ns)
{
	return waitgroup_op(fd, GOSYNC_WG_WAIT, 0, timeout_ns, NULL);
}

int gosync_waitgroup_load(int fd, int64_t *counter)
{
	return waitgroup_op(fd, GOSYNC_WG_LOAD, 0, -1, counter);
}

int gosync_once_create(int dev, const char *name, unsigned int perm, unsigned int flags)
{
	return create_flagged(dev, GOSYNC_TYPE_ONCE, name, perm, flags);
}

static int once_op(int fd, unsigned int op, int64_t timeout_ns, unsigned int *result)
{
	struct gosync_once_cmd c = { .size = sizeof(c), .op = op };

	set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	if (ioctl(fd, GOSYNC_IOC_ONCE, &c) < 0)
		return -1;
	if (result)
		*result = c.result;
	return 0;
}

int gosync_once_do(int fd, int64_t timeout_ns, unsigned int *result)
{
	return once_op(fd, GOSYNC_ONCE_DO, timeout_ns, result);
}

int gosync_once_complete(int fd)
{
	return once_op(fd, GOSYNC_ONCE_COMPLETE, -1, NULL);
}

int gosync_once_load(int fd, unsigned int *result)
{
	return once_op(fd, GOSYNC_ONCE_LOAD, -1, result);
}

static const char *const type_names[] = {
	[GOSYNC_TYPE_COUNTER] = "counter",
	[GOSYNC_TYPE_MAP] = "map",
	[GOSYNC_TYPE_MUTEX] = "mutex",
	[GOSYNC_TYPE_RWMUTEX] = "rwmutex",
	[GOSYNC_TYPE_WAITGROUP] = "waitgroup",
	[GOSYNC_TYPE_ONCE] = "once",
};

static const char *const mode_names[] = {
	[GOSYNC_COUNTER_RACY] = "racy",
	[GOSYNC_COUNTER_ATOMIC] = "atomic",
	[GOSYNC_COUNTER_SPINLOCK] = "spinlock",
	[GOSYNC_COUNTER_MUTEX] = "mutex",
	[GOSYNC_COUNTER_RWSEM] = "rwsem",
	[GOSYNC_COUNTER_PERCPU] = "percpu",
};

static const char *lookup(const char *const *names, size_t n, unsigned int i)
{
	return i < n ? names[i] : NULL;
}

static int parse(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcasecmp(names[i], s))
			return (int)i;
	errno = EINVAL;
	return -1;
}

const char *gosync_type_name(unsigned int type)
{
	return lookup(type_names, ARRAY_SIZE(type_names), type);
}

int gosync_type_parse(const char *s)
{
	return parse(type_names, ARRAY_SIZE(type_names), s);
}

const char *gosync_counter_mode_name(unsigned int mode)
{
	return lookup(mode_names, ARRAY_SIZE(mode_names), mode);
}

int gosync_counter_mode_parse(const char *s)
{
	return parse(mode_names, ARRAY_SIZE(mode_names), s);
}
