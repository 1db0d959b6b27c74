/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosync internal API.
 *
 * Layers, each using only the ones below it:
 *   main.c     module init/exit, the misc device
 *   uapi.c     ioctl dispatch: copies structs in and out, makes fds
 *   object.c   the object model: refcounts, names, owners, listing
 *   counter.c  the counter primitive (no user pointers, no ioctl knowledge)
 */
#ifndef _GOSYNC_H
#define _GOSYNC_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/poll.h>
#include <linux/ktime.h>
#include <linux/wait.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/gosync.h>

/*
 * Core symbols are exported only to the KUnit module, which tests them
 * directly. Same name and namespace as <kunit/visibility.h> in Linux 6.2+.
 */
#ifndef EXPORT_SYMBOL_IF_KUNIT
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym) EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#endif
#endif

/*
 * wait_event_interruptible() until an absolute CLOCK_MONOTONIC @deadline
 * (KTIME_MAX: none). Return: 0 once @cond holds, -ETIMEDOUT, or -EINTR.
 * The relative timeout is at least 1 ns: hrtimer turns a negative one into
 * "never" (ktime_add_safe() saturates).
 */
#define gosync_wait_event(wq, cond, deadline)					\
({										\
	ktime_t __dl = (deadline);						\
	long __ret;								\
										\
	if (__dl != KTIME_MAX)							\
		__dl = max_t(ktime_t, ktime_sub(__dl, ktime_get()), 1);		\
	__ret = wait_event_interruptible_hrtimeout(wq, cond, __dl);		\
	__ret == -ETIME ? -ETIMEDOUT : __ret ? -EINTR : 0;			\
})

/* ---- counter.c ---- */

struct gosync_counter_ops;

/**
 * struct gosync_counter - a 64-bit counter with one synchronization mode
 * @ops: the mode's implementation
 * @mode: enum gosync_counter_mode
 * @racy_delay_ns: racy mode: spin between read and write of an update
 *
 * Only the union member of @mode is used.
 */
struct gosync_counter {
	const struct gosync_counter_ops *ops;
	u32 mode;
	u32 racy_delay_ns;
	union {
		/* racy: no synchronization at all, on purpose */
		s64 racy;
		atomic64_t atomic;
		struct {
			spinlock_t lock;	/* protects value */
			s64 value;
		} spin;
		struct {
			struct mutex lock;	/* protects value */
			s64 value;
		} mutex;
		struct {
			struct rw_semaphore sem; /* protects value; Load reads shared */
			s64 value;
		} rwsem;
		/* percpu: its own lock serializes fold, sum and set */
		struct percpu_counter pcpu;
	};
};

bool gosync_counter_mode_valid(u32 mode);
struct gosync_counter *gosync_counter_create(u32 mode, s64 initial,
					     u32 racy_delay_ns);
void gosync_counter_destroy(struct gosync_counter *c);
int gosync_counter_check_op(u32 op, u32 flags, s64 arg, s64 expected);
int gosync_counter_do(struct gosync_counter *c, u32 op, u32 flags, s64 arg,
		      s64 expected, s64 *result);

/*
 * Who holds a lock: one per open file description (uapi.c), or per test
 * thread in KUnit. Compared by address; the fields belong to the primitive.
 */
struct gosync_holder {
	unsigned int rlocks;	/* RWMutex read locks held; under its lock */
};

/* ---- mutex.c ---- */

struct gosync_mutex {
	spinlock_t lock;		/* protects every field below */
	struct gosync_holder *owner;	/* who locked it; NULL when unlocked */
	struct list_head waiters;	/* FIFO of struct gosync_mutex_waiter */
	bool starving;			/* Unlock hands off to the oldest waiter */
	bool owner_died;		/* tell the next locker: -EOWNERDEAD */
	bool robust;			/* release when the owner goes away */
};

struct gosync_mutex *gosync_mutex_create(bool robust);
void gosync_mutex_destroy(struct gosync_mutex *m);
int gosync_mutex_lock(struct gosync_mutex *m, struct gosync_holder *h, ktime_t deadline);
int gosync_mutex_trylock(struct gosync_mutex *m, struct gosync_holder *h);
int gosync_mutex_unlock(struct gosync_mutex *m);
void gosync_mutex_holder_gone(struct gosync_mutex *m, struct gosync_holder *h);

/* ---- rwmutex.c ---- */

struct gosync_rwmutex {
	spinlock_t lock;		/* protects every field below, and holders' rlocks */
	struct gosync_holder *writer;	/* write holder, or NULL */
	unsigned int readers;		/* read locks held, over all holders */
	unsigned int writers_waiting;	/* writers in @waiters: new readers wait */
	struct list_head waiters;	/* FIFO of struct gosync_rwmutex_waiter */
	bool owner_died;		/* a writer died: tell the next locker */
	bool robust;			/* release a dying holder's write lock */
};

struct gosync_rwmutex *gosync_rwmutex_create(bool robust);
void gosync_rwmutex_destroy(struct gosync_rwmutex *rw);
int gosync_rwmutex_lock(struct gosync_rwmutex *rw, struct gosync_holder *h, bool writer,
			ktime_t deadline);
int gosync_rwmutex_trylock(struct gosync_rwmutex *rw, struct gosync_holder *h, bool writer);
int gosync_rwmutex_unlock(struct gosync_rwmutex *rw);
int gosync_rwmutex_runlock(struct gosync_rwmutex *rw, struct gosync_holder *h);
void gosync_rwmutex_holder_gone(struct gosync_rwmutex *rw, struct gosync_holder *h);

/* ---- waitgroup.c ---- */

struct gosync_waitgroup {
	spinlock_t lock;		/* protects every field below */
	wait_queue_head_t wq;		/* Wait sleepers and pollers */
	s64 count;			/* Go's counter; also read by poll */
	unsigned int waiters;		/* in Wait for the current generation */
	unsigned int waking;		/* released, not yet returned from Wait */
	u64 gen;			/* bumped when count reaches 0; Wait reads it */
};

struct gosync_waitgroup *gosync_waitgroup_create(void);
void gosync_waitgroup_destroy(struct gosync_waitgroup *wg);
int gosync_waitgroup_add(struct gosync_waitgroup *wg, s64 delta, s64 *counter);
s64 gosync_waitgroup_load(struct gosync_waitgroup *wg);
int gosync_waitgroup_wait(struct gosync_waitgroup *wg, ktime_t deadline);
__poll_t gosync_waitgroup_poll(struct gosync_waitgroup *wg, struct file *file,
			       poll_table *pt);

/* ---- once.c ---- */

enum {
	GOSYNC_ONCE_STATE_NEW,
	GOSYNC_ONCE_STATE_RUNNING,
	GOSYNC_ONCE_STATE_DONE,
};

struct gosync_once {
	spinlock_t lock;		/* protects every field below */
	wait_queue_head_t wq;		/* Do sleepers and pollers */
	u32 state;			/* GOSYNC_ONCE_STATE_*; also read locklessly */
	struct gosync_holder *runner;	/* told to run; only it may Complete */
	bool abandoned;			/* done because the runner went away */
	bool retry;			/* runner gone: back to NEW instead */
};

struct gosync_once *gosync_once_create(bool retry);
void gosync_once_destroy(struct gosync_once *o);
int gosync_once_do(struct gosync_once *o, struct gosync_holder *h, ktime_t deadline,
		   u32 *result);
int gosync_once_complete(struct gosync_once *o, struct gosync_holder *h);
u32 gosync_once_state(struct gosync_once *o);
void gosync_once_holder_gone(struct gosync_once *o, struct gosync_holder *h);
__poll_t gosync_once_poll(struct gosync_once *o, struct file *file, poll_table *pt);

/* ---- object.c ---- */

struct gosync_obj;

/* Per-CPU operation counts; what each slot counts depends on the type */
struct gosync_stats {
	u64 n[GOSYNC_NR_STATS];
};

/**
 * struct gosync_obj_type - what the object model needs to know about a primitive
 * @type: enum gosync_type
 * @subtype: the primitive's mode or backend, for listings
 * @destroy: free the primitive; called once, when the last reference goes
 * @holder_gone: optional: a holder (file description) is closing; release
 *	what it holds
 * @poll: optional: poll readiness of the primitive
 */
struct gosync_obj_type {
	u32 type;
	u32 (*subtype)(void *priv);
	void (*destroy)(void *priv);
	void (*holder_gone)(void *priv, struct gosync_holder *h);
	__poll_t (*poll)(void *priv, struct file *file, poll_table *pt);
};

/**
 * struct gosync_obj - one gosync object: a primitive plus identity and owner
 * @ref: one per open file description, plus one while named
 * @id: unique, increasing; assigned under gosync_objects_lock
 * @type: the primitive's type
 * @priv: the primitive (struct gosync_counter *, ...)
 * @node: entry in gosync_objects, in @id order; under gosync_objects_lock
 * @named: the name holds a reference; under gosync_objects_lock
 * @name: NUL-terminated, empty unless @named; under gosync_objects_lock
 * @uid: owner, the creator's fsuid; immutable
 * @gid: owner group, the creator's fsgid; immutable
 * @perm: permission bits for opening by name; immutable
 * @nr_files: open file descriptions, for listings
 * @stats: per-CPU operation counts
 */
struct gosync_obj {
	struct kref ref;
	u64 id;
	const struct gosync_obj_type *type;
	void *priv;
	struct list_head node;
	bool named;
	char name[GOSYNC_NAME_MAX];
	kuid_t uid;
	kgid_t gid;
	umode_t perm;
	atomic_t nr_files;
	struct gosync_stats __percpu *stats;
};

extern unsigned int gosync_max_objects;

int gosync_name_check(const char *name);
struct gosync_obj *gosync_obj_new(const struct gosync_obj_type *type, void *priv,
				  umode_t perm);
void gosync_obj_get(struct gosync_obj *obj);
void gosync_obj_put(struct gosync_obj *obj);
int gosync_obj_publish(struct gosync_obj *obj, const char *name);
struct gosync_obj *gosync_obj_lookup(const char *name, u32 type);
int gosync_obj_unlink(const char *name);
void gosync_obj_fill_info(struct gosync_obj *obj, struct gosync_info *info);
int gosync_obj_list(u64 cursor, struct gosync_info *buf, unsigned int cap,
		    u64 *next);
unsigned int gosync_obj_count(void);
void gosync_objects_exit(void);

static inline void gosync_obj_stat_inc(struct gosync_obj *obj, unsigned int i)
{
	this_cpu_inc(obj->stats->n[i]);
}

/* ---- torture.c ---- */

int gosync_torture(struct gosync_torture *p, struct gosync_torture_thread *results);

/* ---- uapi.c ---- */

long gosync_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
extern const struct file_operations gosync_obj_fops;

#endif /* _GOSYNC_H */
