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
