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
 */
struct gosync_obj_type {
	u32 type;
	u32 (*subtype)(void *priv);
	void (*destroy)(void *priv);
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

/* ---- uapi.c ---- */

long gosync_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
extern const struct file_operations gosync_obj_fops;

#endif /* _GOSYNC_H */
