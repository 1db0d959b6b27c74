// SPDX-License-Identifier: GPL-2.0
/*
 * gosync object model: every primitive lives in a struct gosync_obj with a
 * refcount, an id, an owner and optionally a name.
 *
 * Lifetime: one reference per open file description (taken when the file is
 * made, dropped in its release) and one while the object is named. So an
 * anonymous object dies with its last fd; a named one when it is unlinked
 * and its last fd closes (like POSIX shared memory). The final put takes
 * gosync_objects_lock (kref_put_mutex), so a lookup that finds the object
 * on the list under that lock can always take a reference.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gosync.h"

unsigned int gosync_max_objects = 65536;
module_param_named(max_objects, gosync_max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "Most live gosync objects (ENOSPC beyond)");
EXPORT_SYMBOL_IF_KUNIT(gosync_max_objects);

/*
 * Per-user limits, so unprivileged users given /dev/gosync cannot pin
 * unbounded kernel memory: live objects, and bytes (what the objects' types
 * declare they may grow to: a map's max_bytes). CAP_SYS_RESOURCE is exempt.
 * Memory is charged to the creator's memory cgroup as well.
 */
unsigned int gosync_max_objects_per_user = 4096;
module_param_named(max_objects_per_user, gosync_max_objects_per_user, uint, 0644);
MODULE_PARM_DESC(max_objects_per_user, "Most live objects per owner uid (ENOSPC beyond)");
EXPORT_SYMBOL_IF_KUNIT(gosync_max_objects_per_user);

unsigned long gosync_max_bytes_per_user = 256UL << 20;
module_param_named(max_bytes_per_user, gosync_max_bytes_per_user, ulong, 0644);
MODULE_PARM_DESC(max_bytes_per_user, "Most declared bytes (map max_bytes) per owner uid");
EXPORT_SYMBOL_IF_KUNIT(gosync_max_bytes_per_user);

/* What one owner uid has: an entry in gosync_users while it owns objects */
struct gosync_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int objects;
	u64 bytes;
};

/*
 * Protects gosync_objects, gosync_nr_objects, gosync_next_id, gosync_users
 * and every object's node, named and name fields.
 */
static DEFINE_MUTEX(gosync_objects_lock);
/* All live objects, in increasing id order */
static LIST_HEAD(gosync_objects);
static unsigned int gosync_nr_objects;
static u64 gosync_next_id = 1;
/* struct gosync_user by uid */
static DEFINE_HASHTABLE(gosync_users, 6);

static struct gosync_user *gosync_user_find_locked(kuid_t uid)
{
	struct gosync_user *u;

	lockdep_assert_held(&gosync_objects_lock);
	hash_for_each_possible(gosync_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/*
 * Charge one object of @bytes to @obj's owner, using @spare if the owner
 * has no entry yet (then *@spare is consumed and set to NULL).
 * Return: 0, or -ENOSPC past the owner's limits.
 */
static int gosync_user_charge_locked(struct gosync_obj *obj, struct gosync_user **spare)
{
	struct gosync_user *u = gosync_user_find_locked(obj->uid);

	lockdep_assert_held(&gosync_objects_lock);
	if (!capable(CAP_SYS_RESOURCE)) {
		u64 max_bytes = READ_ONCE(gosync_max_bytes_per_user);
		u64 bytes = u ? u->bytes : 0;

		/* bytes + charged > max_bytes, without overflow */
		if ((u ? u->objects : 0) >= READ_ONCE(gosync_max_objects_per_user) ||
		    bytes > max_bytes || obj->charged > max_bytes - bytes)
			return -ENOSPC;
	}
	if (!u) {
		u = *spare;
		*spare = NULL;
		u->uid = obj->uid;
		hash_add(gosync_users, &u->node, __kuid_val(u->uid));
	}
	u->objects++;
	u->bytes += obj->charged;
	return 0;
}

static void gosync_user_uncharge_locked(struct gosync_obj *obj)
{
	struct gosync_user *u = gosync_user_find_locked(obj->uid);

	lockdep_assert_held(&gosync_objects_lock);
	if (WARN_ON(!u))
		return;
	u->bytes -= obj->charged;
	if (--u->objects)
		return;
	hash_del(&u->node);
	kfree(u);
}

/**
 * gosync_name_check() - is @name a valid object name?
 *
 * Return: 0, -ENAMETOOLONG, or -EINVAL (empty, leading '.', or a byte
 * outside [A-Za-z0-9._-]).
 */
int gosync_name_check(const char *name)
{
	size_t len = strnlen(name, GOSYNC_NAME_MAX);
	size_t i;

	if (len >= GOSYNC_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len || name[0] == '.')
		return -EINVAL;
	/* ASCII only: the kernel's isalnum() also accepts Latin-1 letters */
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) || (!isalnum(name[i]) && !strchr("._-", name[i])))
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_name_check);

/**
 * gosync_obj_new() - wrap a primitive in a new anonymous object
 * @type: the primitive's type
 * @priv: the primitive; on success the object owns it
 * @perm: permission bits (<= 0777), checked when opened by name
 *
 * The caller's fsuid and fsgid become the owner. The returned object holds
 * one reference, which the caller passes on to a file or puts.
 *
 * Return: the object, or ERR_PTR(-ENOMEM), or ERR_PTR(-ENOSPC) past
 * gosync_max_objects or the owner's per-user limits. On error @priv still
 * belongs to the caller.
 */
struct gosync_obj *gosync_obj_new(const struct gosync_obj_type *type, void *priv,
				  umode_t perm)
{
	struct gosync_user *spare;
	struct gosync_obj *obj;
	int ret = -ENOMEM;

	obj = kzalloc(sizeof(*obj), GOSYNC_GFP);
	spare = kzalloc(sizeof(*spare), GOSYNC_GFP);
	if (!obj || !spare)
		goto err;
	obj->stats = alloc_percpu_gfp(struct gosync_stats, GOSYNC_GFP);
	if (!obj->stats)
		goto err;
	kref_init(&obj->ref);
	obj->type = type;
	obj->priv = priv;
	obj->uid = current_fsuid();
	obj->gid = current_fsgid();
	obj->perm = perm;
	obj->charged = type->charge ? type->charge(priv) : 0;

	mutex_lock(&gosync_objects_lock);
	ret = -ENOSPC;
	if (gosync_nr_objects >= READ_ONCE(gosync_max_objects))
		goto err_unlock;
	ret = gosync_user_charge_locked(obj, &spare);
	if (ret)
		goto err_unlock;
	gosync_nr_objects++;
	obj->id = gosync_next_id++;
	list_add_tail(&obj->node, &gosync_objects);
	mutex_unlock(&gosync_objects_lock);
	kfree(spare);
	return obj;

err_unlock:
	mutex_unlock(&gosync_objects_lock);
err:
	if (obj)
		free_percpu(obj->stats);
	kfree(obj);
	kfree(spare);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_new);

void gosync_obj_get(struct gosync_obj *obj)
{
	kref_get(&obj->ref);
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_get);

/* Called by kref_put_mutex() with gosync_objects_lock held; drops it. */
static void gosync_obj_release(struct kref *ref)
	__releases(&gosync_objects_lock)
{
	struct gosync_obj *obj = container_of(ref, struct gosync_obj, ref);

	lockdep_assert_held(&gosync_objects_lock);
	list_del(&obj->node);
	gosync_nr_objects--;
	gosync_user_uncharge_locked(obj);
	mutex_unlock(&gosync_objects_lock);

	obj->type->destroy(obj->priv);
	free_percpu(obj->stats);
	kfree(obj);
}

void gosync_obj_put(struct gosync_obj *obj)
{
	kref_put_mutex(&obj->ref, gosync_obj_release, &gosync_objects_lock);
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_put);

static struct gosync_obj *gosync_obj_find_locked(const char *name)
{
	struct gosync_obj *obj;

	lockdep_assert_held(&gosync_objects_lock);
	list_for_each_entry(obj, &gosync_objects, node)
		if (obj->named && !strcmp(obj->name, name))
			return obj;
	return NULL;
}

/**
 * gosync_obj_publish() - give an anonymous object a name
 *
 * The name takes its own reference. Return: 0, -EEXIST if the name is taken,
 * -EBUSY if @obj is already named, or what gosync_name_check() returns.
 */
int gosync_obj_publish(struct gosync_obj *obj, const char *name)
{
	int ret = gosync_name_check(name);

	if (ret)
		return ret;
	mutex_lock(&gosync_objects_lock);
	if (obj->named) {
		ret = -EBUSY;
	} else if (gosync_obj_find_locked(name)) {
		ret = -EEXIST;
	} else {
		strscpy(obj->name, name, sizeof(obj->name));
		obj->named = true;
		kref_get(&obj->ref);
	}
	mutex_unlock(&gosync_objects_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_publish);

/* May the current task open @obj? Read and write bits of its class, as for files. */
static bool gosync_obj_may_open(struct gosync_obj *obj)
{
	umode_t mode = obj->perm;

	if (uid_eq(current_fsuid(), obj->uid))
		mode >>= 6;
	else if (in_group_p(obj->gid))
		mode >>= 3;
	if ((mode & 06) == 06)
		return true;
	return capable(CAP_DAC_OVERRIDE);
}

/**
 * gosync_obj_lookup() - find a named object and take a reference to it
 * @name: the name
 * @type: enum gosync_type the caller expects, or 0 for any
 *
 * Return: the object, or ERR_PTR(-ENOENT), ERR_PTR(-EINVAL) for another
 * type, ERR_PTR(-EACCES) if the caller may not open it, or a name error.
 */
struct gosync_obj *gosync_obj_lookup(const char *name, u32 type)
{
	struct gosync_obj *obj;
	int ret = gosync_name_check(name);

	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&gosync_objects_lock);
	obj = gosync_obj_find_locked(name);
	if (!obj)
		obj = ERR_PTR(-ENOENT);
	else if (type && obj->type->type != type)
		obj = ERR_PTR(-EINVAL);
	else if (!gosync_obj_may_open(obj))
		obj = ERR_PTR(-EACCES);
	else
		kref_get(&obj->ref);
	mutex_unlock(&gosync_objects_lock);
	return obj;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_lookup);

/**
 * gosync_obj_unlink() - remove a name and drop its reference
 *
 * Only the owner, or a task with CAP_FOWNER, may unlink.
 * Return: 0, -ENOENT, -EPERM, or a name error.
 */
int gosync_obj_unlink(const char *name)
{
	struct gosync_obj *obj;
	int ret = gosync_name_check(name);

	if (ret)
		return ret;
	mutex_lock(&gosync_objects_lock);
	obj = gosync_obj_find_locked(name);
	if (!obj) {
		ret = -ENOENT;
	} else if (!uid_eq(current_fsuid(), obj->uid) && !capable(CAP_FOWNER)) {
		ret = -EPERM;
	} else {
		obj->named = false;
		memset(obj->name, 0, sizeof(obj->name));
	}
	mutex_unlock(&gosync_objects_lock);
	if (!ret)
		gosync_obj_put(obj);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_unlink);

static void gosync_obj_fill_info_locked(struct gosync_obj *obj,
					struct gosync_info *info)
{
	int cpu, i;

	lockdep_assert_held(&gosync_objects_lock);
	memset(info, 0, sizeof(*info));
	info->id = obj->id;
	info->type = obj->type->type;
	info->subtype = obj->type->subtype(obj->priv);
	info->uid = from_kuid_munged(current_user_ns(), obj->uid);
	info->gid = from_kgid_munged(current_user_ns(), obj->gid);
	info->perm = obj->perm;
	info->flags = obj->named ? GOSYNC_INFO_NAMED : 0;
	info->nr_files = atomic_read(&obj->nr_files);
	strscpy(info->name, obj->name, sizeof(info->name));
	for_each_possible_cpu(cpu) {
		struct gosync_stats *s = per_cpu_ptr(obj->stats, cpu);

		for (i = 0; i < GOSYNC_NR_STATS; i++)
			info->stats[i] += READ_ONCE(s->n[i]);
	}
	if (obj->type->fill_stats)
		obj->type->fill_stats(obj->priv, info->stats);
}

/** gosync_obj_fill_info() - describe @obj; the caller holds a reference. */
void gosync_obj_fill_info(struct gosync_obj *obj, struct gosync_info *info)
{
	mutex_lock(&gosync_objects_lock);
	gosync_obj_fill_info_locked(obj, info);
	mutex_unlock(&gosync_objects_lock);
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_fill_info);

/**
 * gosync_obj_list() - describe live objects with id >= @cursor, in id order
 * @cursor: the first id to report
 * @buf: room for @cap entries
 * @cap: capacity of @buf
 * @next: out: the cursor for the next call, or 0 if no objects are left
 *
 * Return: the number of entries written.
 */
int gosync_obj_list(u64 cursor, struct gosync_info *buf, unsigned int cap,
		    u64 *next)
{
	struct gosync_obj *obj;
	unsigned int n = 0;

	*next = 0;
	mutex_lock(&gosync_objects_lock);
	list_for_each_entry(obj, &gosync_objects, node) {
		if (obj->id < cursor)
			continue;
		if (n == cap) {
			*next = obj->id;
			break;
		}
		gosync_obj_fill_info_locked(obj, &buf[n++]);
	}
	mutex_unlock(&gosync_objects_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_list);

unsigned int gosync_obj_count(void)
{
	unsigned int n;

	mutex_lock(&gosync_objects_lock);
	n = gosync_nr_objects;
	mutex_unlock(&gosync_objects_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gosync_obj_count);

/*
 * Module exit: no file refers to an object any more (each file pins the
 * module), so only names hold references. Drop them all.
 */
void gosync_objects_exit(void)
{
	struct gosync_obj *obj;

	for (;;) {
		mutex_lock(&gosync_objects_lock);
		obj = list_first_entry_or_null(&gosync_objects, struct gosync_obj, node);
		if (obj && !WARN_ON(!obj->named)) {
			obj->named = false;
			memset(obj->name, 0, sizeof(obj->name));
		} else {
			obj = NULL;
		}
		mutex_unlock(&gosync_objects_lock);
		if (!obj)
			break;
		gosync_obj_put(obj);
	}
}
