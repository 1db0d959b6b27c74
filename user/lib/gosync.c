// SPDX-License-Identifier: LGPL-2.1-or-later
/* libgosync: see gosync.h for the contract of each function. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "gosync.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The library tells the kernel the size of structs its caller allocated,
 * so the caller's header and libgosync.so.1 must agree on them: a uapi
 * struct that grows is an ABI break of this library (a new soname, or an
 * entry point that takes the caller's size). These fail the build first.
 */
#define GS_ABI_SIZE(s, n) _Static_assert(sizeof(struct s) == (n), \
					 #s " changed size: libgosync's ABI")
GS_ABI_SIZE(gosync_version, 96);
GS_ABI_SIZE(gosync_create, 88);
GS_ABI_SIZE(gosync_info, 168);
GS_ABI_SIZE(gosync_state, 448);
GS_ABI_SIZE(gosync_holder, 32);
GS_ABI_SIZE(gosync_op, 40);
GS_ABI_SIZE(gosync_map_op, 72);
GS_ABI_SIZE(gosync_chan_msg, 16);
GS_ABI_SIZE(gosync_chan_cmd, 56);
GS_ABI_SIZE(gosync_wait_case, 32);
/*
 * The uapi structs are the same on every ABI (no implicit padding, 8-byte
 * fields at 8-byte offsets: scripts/uapi-layout), so their sizes are fixed.
 * This one is the library's own, with a bool after two 64-bit words: 24
 * bytes on x86_64, 20 on i386 (which aligns uint64_t to 4 in structs).
 */
_Static_assert(offsetof(struct gosync_map_cursor, done) == 16 &&
	       sizeof(struct gosync_map_cursor) == 16 + _Alignof(uint64_t),
	       "gosync_map_cursor changed: libgosync's ABI");

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

int gosync_open_owner(int dev, const char *name, unsigned int type, uid_t uid, gid_t gid)
{
	struct gosync_open o = {
		.size = sizeof(o), .name = (uintptr_t)name, .type = type,
	};

	if (uid != (uid_t)-1) {
		o.flags |= GOSYNC_OPEN_UID;
		o.uid = uid;
	}
	if (gid != (gid_t)-1) {
		o.flags |= GOSYNC_OPEN_GID;
		o.gid = gid;
	}
	return ioctl(dev, GOSYNC_IOC_OPEN, &o);
}

int gosync_unlink(int dev, const char *name)
{
	struct gosync_unlink u = { .size = sizeof(u), .name = (uintptr_t)name };

	return ioctl(dev, GOSYNC_IOC_UNLINK, &u);
}

int gosync_unlink_id(int dev, const char *name, uint64_t id)
{
	struct gosync_unlink u = {
		.size = sizeof(u), .flags = GOSYNC_UNLINK_ID, .name = (uintptr_t)name, .id = id,
	};

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

int gosync_state(int fd, struct gosync_state *st, struct gosync_holder *holders,
		 unsigned int cap, unsigned int *nr_holders)
{
	struct gosync_info_cmd c = {
		.size = sizeof(c),
		.state = (uintptr_t)st,
		.state_size = sizeof(*st),
		.holders = (uintptr_t)holders,
		/* The kernel writes no more (and says how many there are). */
		.nr_holders = !holders ? 0 : cap < GOSYNC_HOLDERS_MAX ? cap : GOSYNC_HOLDERS_MAX,
	};

	if (ioctl(fd, GOSYNC_IOC_INFO, &c) < 0)
		return -1;
	if (nr_holders)
		*nr_holders = st->nr_holders;
	return 0;
}

int gosync_list(int dev, struct gosync_info *buf, unsigned int cap,
		uint64_t *cursor, unsigned int *total)
{
	return gosync_list_state(dev, buf, NULL, cap, cursor, total);
}

int gosync_list_state(int dev, struct gosync_info *buf, struct gosync_state *states,
		      unsigned int cap, uint64_t *cursor, unsigned int *total)
{
	struct gosync_list l = {
		.size = sizeof(l),
		.entries = (uintptr_t)buf,
		.entry_size = sizeof(*buf),
		.count = cap,
		.cursor = *cursor,
		.states = (uintptr_t)states,
		.state_size = states ? sizeof(*states) : 0,
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

int gosync_counter_and(int fd, int64_t mask, int64_t *old)
{
	return gosync_counter_op(fd, GOSYNC_OP_AND, 0, mask, 0, old);
}

int gosync_counter_or(int fd, int64_t mask, int64_t *old)
{
	return gosync_counter_op(fd, GOSYNC_OP_OR, 0, mask, 0, old);
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

/* waitgroup_op()'s timeout for an ADD held by the description */
#define WG_HOLD	(-2)

int gosync_waitgroup_create(int dev, const char *name, unsigned int perm)
{
	return create_flagged(dev, GOSYNC_TYPE_WAITGROUP, name, perm, 0);
}

static int waitgroup_op(int fd, unsigned int op, int64_t delta, int64_t timeout_ns,
			int64_t *counter)
{
	struct gosync_waitgroup_cmd c = { .size = sizeof(c), .op = op, .delta = delta };

	if (op == GOSYNC_WG_ADD && timeout_ns == WG_HOLD) {
		c.flags = GOSYNC_WG_F_HOLD;
		timeout_ns = -1;
	}

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

int gosync_waitgroup_add_held(int fd, int64_t delta, int64_t *counter)
{
	return waitgroup_op(fd, GOSYNC_WG_ADD, delta, WG_HOLD, counter);
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

int gosync_once_fail(int fd)
{
	struct gosync_once_cmd c = {
		.size = sizeof(c), .op = GOSYNC_ONCE_COMPLETE, .flags = GOSYNC_ONCE_F_FAILED,
	};

	return ioctl(fd, GOSYNC_IOC_ONCE, &c) < 0 ? -1 : 0;
}

int gosync_once_load(int fd, unsigned int *result)
{
	return once_op(fd, GOSYNC_ONCE_LOAD, -1, result);
}

int gosync_oncevalue_create(int dev, const char *name, unsigned int perm, unsigned int flags,
			    uint32_t value_max)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_ONCE, .perm = perm, .name = (uintptr_t)name,
		.once = { .flags = flags, .value_max = value_max },
	};

	return gosync_create(dev, &c);
}

static int oncevalue_op(int fd, unsigned int op, int64_t timeout_ns, unsigned int *result,
			void *buf, size_t cap, size_t *len)
{
	struct gosync_once_cmd c = {
		.size = sizeof(c), .op = op, .buf = (uintptr_t)buf,
		.len = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap,
	};
	int ret;

	set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	ret = ioctl(fd, GOSYNC_IOC_ONCE, &c);
	/* EOVERFLOW reports the length the value needs */
	if (ret < 0 && errno != EOVERFLOW)
		return -1;
	if (result)
		*result = c.result;
	if (len)
		*len = c.len;
	return ret < 0 ? -1 : 0;
}

int gosync_oncevalue_do(int fd, int64_t timeout_ns, unsigned int *result, void *buf,
			size_t cap, size_t *len)
{
	return oncevalue_op(fd, GOSYNC_ONCE_DO, timeout_ns, result, buf, cap, len);
}

int gosync_oncevalue_complete(int fd, const void *value, size_t len)
{
	if (len > UINT32_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return oncevalue_op(fd, GOSYNC_ONCE_COMPLETE, -1, NULL, (void *)value, len, NULL);
}

int gosync_oncevalue_load(int fd, unsigned int *result, void *buf, size_t cap, size_t *len)
{
	return oncevalue_op(fd, GOSYNC_ONCE_LOAD, -1, result, buf, cap, len);
}

int gosync_sem_create(int dev, const char *name, unsigned int perm, uint64_t size,
		      unsigned int flags)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_SEM, .perm = perm, .name = (uintptr_t)name,
		.sem = { .size = size, .flags = flags },
	};

	return gosync_create(dev, &c);
}

static int sem_op(int fd, unsigned int op, uint64_t n, int64_t timeout_ns,
		  struct gosync_sem_cmd *c)
{
	*c = (struct gosync_sem_cmd){ .size = sizeof(*c), .op = op, .n = n };
	set_timeout(&c->flags, &c->timeout_ns, timeout_ns);
	return ioctl(fd, GOSYNC_IOC_SEM, c) < 0 ? -1 : 0;
}

int gosync_sem_acquire(int fd, uint64_t n, int64_t timeout_ns)
{
	struct gosync_sem_cmd c;

	return sem_op(fd, GOSYNC_SEM_ACQUIRE, n, timeout_ns, &c);
}

int gosync_sem_tryacquire(int fd, uint64_t n)
{
	struct gosync_sem_cmd c;

	return sem_op(fd, GOSYNC_SEM_TRYACQUIRE, n, -1, &c);
}

int gosync_sem_release(int fd, uint64_t n)
{
	struct gosync_sem_cmd c;

	return sem_op(fd, GOSYNC_SEM_RELEASE, n, -1, &c);
}

int gosync_sem_load(int fd, uint64_t *size, uint64_t *avail, uint64_t *held)
{
	struct gosync_sem_cmd c;

	if (sem_op(fd, GOSYNC_SEM_LOAD, 0, -1, &c) < 0)
		return -1;
	if (size)
		*size = c.sem_size;
	if (avail)
		*avail = c.avail;
	if (held)
		*held = c.held;
	return 0;
}

int gosync_cond_create(int dev, const char *name, unsigned int perm, int mutex_fd)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_COND, .perm = perm, .name = (uintptr_t)name,
		.cond = { .mutex_fd = mutex_fd },
	};

	return gosync_create(dev, &c);
}

static int cond_op(int fd, unsigned int op, int mutex_fd, int64_t timeout_ns)
{
	struct gosync_cond_cmd c = { .size = sizeof(c), .op = op, .mutex_fd = mutex_fd };

	set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	return ioctl(fd, GOSYNC_IOC_COND, &c) < 0 ? -1 : 0;
}

int gosync_cond_wait(int fd, int mutex_fd, int64_t timeout_ns)
{
	return cond_op(fd, GOSYNC_COND_WAIT, mutex_fd, timeout_ns);
}

int gosync_cond_signal(int fd)
{
	return cond_op(fd, GOSYNC_COND_SIGNAL, 0, -1);
}

int gosync_cond_broadcast(int fd)
{
	return cond_op(fd, GOSYNC_COND_BROADCAST, 0, -1);
}

int gosync_map_batch(int fd, struct gosync_map_op *ops, unsigned int count,
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

int gosync_map_create(int dev, const char *name, unsigned int perm,
		      unsigned int backend, unsigned int max_entries,
		      uint64_t max_bytes)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_MAP,
		.perm = perm,
		.name = (uintptr_t)name,
		.map = {
			.backend = backend, .max_entries = max_entries,
			.max_bytes = max_bytes,
		},
	};

	return gosync_create(dev, &c);
}

int gosync_map_op(int fd, struct gosync_map_op *op)
{
	struct gosync_map_cmd c = { .size = sizeof(c), .op = *op };
	int ret = ioctl(fd, GOSYNC_IOC_MAP, &c);

	if (ret == 0 || errno == EOVERFLOW)
		*op = c.op;
	return ret < 0 ? -1 : 0;
}

/* One op with the common operands; @buf NULL and @cap 0 mean NOVALUE. */
static int map_op(int fd, unsigned int code, const void *key, size_t klen,
		  const void *val, size_t vlen, const void *old, size_t olen,
		  void *buf, size_t cap, size_t *len, uint64_t *result)
{
	struct gosync_map_op op = {
		.op = code,
		.key = (uintptr_t)key, .key_len = (uint32_t)klen,
		.value = (uintptr_t)val, .value_len = (uint32_t)vlen,
		.old = (uintptr_t)old, .old_len = (uint32_t)olen,
		.out = (uintptr_t)buf,
		.out_cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap,
	};
	int ret;

	/* Lengths that do not fit the uapi's __u32 are too big anyway. */
	if (klen > UINT32_MAX || vlen > UINT32_MAX || olen > UINT32_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (!buf && !cap &&
	    (code == GOSYNC_MAP_LOAD || code == GOSYNC_MAP_LOAD_OR_STORE ||
	     code == GOSYNC_MAP_LOAD_AND_DELETE || code == GOSYNC_MAP_SWAP))
		op.flags = GOSYNC_MAP_F_NOVALUE;
	ret = gosync_map_op(fd, &op);
	/* *len only where the kernel said it: the value's, or the one needed */
	if (len && (ret == 0 || errno == EOVERFLOW))
		*len = op.out_len;
	if (ret == 0 && result)
		*result = op.result;
	return ret;
}

static void set_bool(bool *p, uint64_t v)
{
	if (p)
		*p = v != 0;
}

int gosync_map_load(int fd, const void *key, size_t klen, void *buf, size_t cap,
		    size_t *len, bool *ok)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_LOAD, key, klen, NULL, 0, NULL, 0, buf, cap, len, &r))
		return -1;
	set_bool(ok, r);
	return 0;
}

int gosync_map_store(int fd, const void *key, size_t klen, const void *val,
		     size_t vlen)
{
	return map_op(fd, GOSYNC_MAP_STORE, key, klen, val, vlen, NULL, 0, NULL, 0,
		      NULL, NULL);
}

int gosync_map_load_or_store(int fd, const void *key, size_t klen,
			     const void *val, size_t vlen, void *buf, size_t cap,
			     size_t *len, bool *loaded)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_LOAD_OR_STORE, key, klen, val, vlen, NULL, 0,
		   buf, cap, len, &r))
		return -1;
	set_bool(loaded, r);
	return 0;
}

int gosync_map_load_and_delete(int fd, const void *key, size_t klen, void *buf,
			       size_t cap, size_t *len, bool *loaded)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_LOAD_AND_DELETE, key, klen, NULL, 0, NULL, 0,
		   buf, cap, len, &r))
		return -1;
	set_bool(loaded, r);
	return 0;
}

int gosync_map_delete(int fd, const void *key, size_t klen, bool *deleted)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_DELETE, key, klen, NULL, 0, NULL, 0, NULL, 0,
		   NULL, &r))
		return -1;
	set_bool(deleted, r);
	return 0;
}

int gosync_map_swap(int fd, const void *key, size_t klen, const void *val,
		    size_t vlen, void *buf, size_t cap, size_t *len, bool *loaded)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_SWAP, key, klen, val, vlen, NULL, 0, buf, cap,
		   len, &r))
		return -1;
	set_bool(loaded, r);
	return 0;
}

int gosync_map_compare_and_swap(int fd, const void *key, size_t klen,
				const void *old, size_t olen, const void *val,
				size_t vlen, bool *swapped)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_COMPARE_AND_SWAP, key, klen, val, vlen, old, olen,
		   NULL, 0, NULL, &r))
		return -1;
	set_bool(swapped, r);
	return 0;
}

int gosync_map_compare_and_delete(int fd, const void *key, size_t klen,
				  const void *old, size_t olen, bool *deleted)
{
	uint64_t r;

	if (map_op(fd, GOSYNC_MAP_COMPARE_AND_DELETE, key, klen, NULL, 0, old, olen,
		   NULL, 0, NULL, &r))
		return -1;
	set_bool(deleted, r);
	return 0;
}

int gosync_map_clear(int fd, uint64_t *count)
{
	return map_op(fd, GOSYNC_MAP_CLEAR, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		      NULL, count);
}

int gosync_map_len(int fd, uint64_t *count)
{
	return map_op(fd, GOSYNC_MAP_LEN, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		      NULL, count);
}

int gosync_map_range(int fd, void *buf, size_t cap, struct gosync_map_cursor *cur,
		     size_t *needed)
{
	struct gosync_map_range r = {
		.size = sizeof(r), .buf = (uintptr_t)buf,
		.buf_len = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap,
		.start = cur->start, .pos = cur->pos,
	};
	int ret = ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r);

	if (needed)
		*needed = r.needed;
	if (ret < 0)
		return -1;
	cur->start = r.start;
	cur->pos = r.pos;
	cur->done = r.done;
	return (int)r.count;
}

void gosync_map_entry_next(const void *buf, size_t *off, const void **key,
			   size_t *klen, const void **val, size_t *vlen)
{
	const unsigned char *p = (const unsigned char *)buf + *off;
	struct gosync_map_entry e;

	memcpy(&e, p, sizeof(e));
	*key = p + sizeof(e);
	*klen = e.key_len;
	*val = p + sizeof(e) + e.key_len;
	*vlen = e.value_len;
	*off += GOSYNC_MAP_ENTRY_SIZE(e.key_len, e.value_len);
}

static const char *const type_names[] = {
	[GOSYNC_TYPE_COUNTER] = "counter",
	[GOSYNC_TYPE_MAP] = "map",
	[GOSYNC_TYPE_MUTEX] = "mutex",
	[GOSYNC_TYPE_RWMUTEX] = "rwmutex",
	[GOSYNC_TYPE_WAITGROUP] = "waitgroup",
	[GOSYNC_TYPE_ONCE] = "once",
	[GOSYNC_TYPE_CHAN] = "chan",
	[GOSYNC_TYPE_SEM] = "sem",
	[GOSYNC_TYPE_COND] = "cond",
};

static const char *const mode_names[] = {
	[GOSYNC_COUNTER_RACY] = "racy",
	[GOSYNC_COUNTER_ATOMIC] = "atomic",
	[GOSYNC_COUNTER_SPINLOCK] = "spinlock",
	[GOSYNC_COUNTER_MUTEX] = "mutex",
	[GOSYNC_COUNTER_RWSEM] = "rwsem",
	[GOSYNC_COUNTER_PERCPU] = "percpu",
};

static const char *const backend_names[] = {
	[GOSYNC_MAP_SPIN] = "spin",
	[GOSYNC_MAP_RWSEM] = "rwsem",
	[GOSYNC_MAP_RCU] = "rcu",
};

static const char *const map_op_names[] = {
	[GOSYNC_MAP_LOAD] = "load",
	[GOSYNC_MAP_STORE] = "store",
	[GOSYNC_MAP_LOAD_OR_STORE] = "load-or-store",
	[GOSYNC_MAP_LOAD_AND_DELETE] = "load-and-delete",
	[GOSYNC_MAP_DELETE] = "delete",
	[GOSYNC_MAP_SWAP] = "swap",
	[GOSYNC_MAP_COMPARE_AND_SWAP] = "compare-and-swap",
	[GOSYNC_MAP_COMPARE_AND_DELETE] = "compare-and-delete",
	[GOSYNC_MAP_CLEAR] = "clear",
	[GOSYNC_MAP_LEN] = "len",
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

const char *gosync_map_backend_name(unsigned int backend)
{
	return lookup(backend_names, ARRAY_SIZE(backend_names), backend);
}

int gosync_map_backend_parse(const char *s)
{
	return parse(backend_names, ARRAY_SIZE(backend_names), s);
}

const char *gosync_map_op_name(unsigned int op)
{
	return lookup(map_op_names, ARRAY_SIZE(map_op_names), op);
}

/* ---- channels and select ---- */

int gosync_chan_create(int dev, const char *name, unsigned int perm, uint32_t cap,
		       uint32_t msg_max)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_CHAN,
		.perm = perm,
		.name = (uintptr_t)name,
		.chan = { .cap = cap, .msg_max = msg_max },
	};

	return gosync_create(dev, &c);
}

int gosync_chan_vec(int fd, unsigned int op, struct gosync_chan_msg *msgs, unsigned int count,
		    unsigned int flags, int64_t timeout_ns, struct gosync_chan_cmd *cmd)
{
	struct gosync_chan_cmd c = {
		.size = sizeof(c), .op = op, .flags = flags,
		.msgs = (uintptr_t)msgs, .count = count,
	};
	int ret;

	if (flags & GOSYNC_WAIT_ABSTIME)
		c.timeout_ns = (uint64_t)timeout_ns;
	else
		set_timeout(&c.flags, &c.timeout_ns, timeout_ns);
	ret = ioctl(fd, GOSYNC_IOC_CHAN, &c);
	if (cmd)
		*cmd = c;
	return ret;
}

int gosync_chan_send(int fd, const void *msg, size_t len, int64_t timeout_ns)
{
	struct gosync_chan_msg m = { .buf = (uintptr_t)msg, .len = (uint32_t)len };

	if (len > UINT32_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return gosync_chan_vec(fd, GOSYNC_CHAN_SEND, &m, 1, 0, timeout_ns, NULL);
}

int gosync_chan_recv(int fd, void *buf, size_t cap, size_t *len, bool *ok,
		     int64_t timeout_ns)
{
	struct gosync_chan_msg m = {
		.buf = (uintptr_t)buf, .len = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap,
	};
	struct gosync_chan_cmd c;
	int ret = gosync_chan_vec(fd, GOSYNC_CHAN_RECV, &m, 1, 0, timeout_ns, &c);

	/*
	 * Out-params only where the call says something: a caller that checks
	 * @ok after EINTR or ETIMEDOUT must not take the channel for closed.
	 */
	if (ret < 0) {
		if (len && errno == EOVERFLOW)
			*len = c.needed;
		return ret;
	}
	if (len)
		*len = c.done ? m.len : 0;
	if (ok)
		*ok = c.done;
	return ret;
}

static int chan_simple(int fd, unsigned int op, struct gosync_chan_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->op = op;
	return ioctl(fd, GOSYNC_IOC_CHAN, c);
}

int gosync_chan_close(int fd)
{
	struct gosync_chan_cmd c;

	return chan_simple(fd, GOSYNC_CHAN_CLOSE, &c);
}

int gosync_chan_len(int fd, uint32_t *len, uint32_t *cap, bool *closed)
{
	struct gosync_chan_cmd c;

	if (chan_simple(fd, GOSYNC_CHAN_LEN, &c) < 0)
		return -1;
	if (len)
		*len = c.len;
	if (cap)
		*cap = c.cap;
	if (closed)
		*closed = c.closed;
	return 0;
}

int gosync_chan_msg_max(int fd, uint32_t *msg_max)
{
	struct gosync_chan_cmd c;

	if (chan_simple(fd, GOSYNC_CHAN_LEN, &c) < 0)
		return -1;
	*msg_max = c.msg_max;
	return 0;
}

int gosync_wait(int dev, struct gosync_wait_case *cases, unsigned int count,
		unsigned int flags, int64_t timeout_ns, unsigned int *index)
{
	struct gosync_wait w = {
		.size = sizeof(w), .flags = flags, .cases = (uintptr_t)cases, .count = count,
	};

	if (flags & GOSYNC_WAIT_ABSTIME)
		w.timeout_ns = (uint64_t)timeout_ns;
	else
		set_timeout(&w.flags, &w.timeout_ns, timeout_ns);
	if (ioctl(dev, GOSYNC_IOC_WAIT, &w) < 0)
		return -1;
	if (index)
		*index = w.index;
	return 0;
}
