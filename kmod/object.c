// SPDX-License-Identifier: GPL-2.0
/*
 * gosync object model: every primitive lives in a struct gs_obj with a
 * refcount, an id, an owner and optionally a name.
 *
 * Lifetime: one reference per open file description (taken when the file is
 * made, dropped in its release) and one while the object is named. So an
 * anonymous object dies with its last fd; a named one when it is unlinked
 * and its last fd closes (like POSIX shared memory).
 *
 * Indexes: gs_objects maps ids to objects (LIST, INFO's id order) and
 * gs_names maps names to named objects (OPEN, UNLINK). Both are read
 * under RCU: a reader that finds an object takes a reference with
 * kref_get_unless_zero(), which fails once the last reference is gone; the
 * object itself is freed after a grace period. No global lock is taken by
 * any command: each index has its own (the xarray's lock, the rhashtable's
 * bucket locks), and names are inserted and removed atomically by
 * rhashtable_lookup_insert_fast() and rhashtable_remove_fast().
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "internal.h"

unsigned int gs_max_objects = 1 << 20;
module_param_named(max_objects, gs_max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "Most live gosync objects (ENOSPC beyond)");
EXPORT_SYMBOL_IF_KUNIT(gs_max_objects);

/*
 * Per-user limits, so unprivileged users given /dev/gosync cannot pin
 * unbounded kernel memory: live objects, and bytes of kernel memory their
 * objects hold (objects, map entries, map tables; see docs/design.md).
 * CAP_SYS_RESOURCE is exempt. Memory is charged to the memory cgroup of the
 * task that allocates it as well.
 */
unsigned int gs_max_objects_per_user = 4096;
module_param_named(max_objects_per_user, gs_max_objects_per_user, uint, 0644);
MODULE_PARM_DESC(max_objects_per_user, "Most live objects per user (ENOSPC beyond)");
EXPORT_SYMBOL_IF_KUNIT(gs_max_objects_per_user);

unsigned long gs_max_bytes_per_user = 256UL << 20;
module_param_named(max_bytes_per_user, gs_max_bytes_per_user, ulong, 0644);
MODULE_PARM_DESC(max_bytes_per_user, "Most bytes of kernel memory a user's objects may hold");
EXPORT_SYMBOL_IF_KUNIT(gs_max_bytes_per_user);

/* ---- users: who pays for an object ---- */

/**
 * struct gs_user - what one user has, as the kernel's ucounts count it
 * @ref: one per object charged to it, one per child entry, one per getter
 * @node: in gs_users; under gs_users_lock
 * @ns: the user namespace @uid was charged in; holds a reference
 * @uid: the user
 * @parent: the owner of @ns, one namespace up; NULL in the initial namespace
 * @objects: live objects charged here and below
 * @bytes: bytes charged here and below
 *
 * A task in a child user namespace is charged there and, up the chain, to
 * each namespace's owner. So a rootless container, whatever range of uids it
 * maps, counts once against the limits of the user who owns it.
 */
struct gs_user {
	refcount_t ref;
	struct hlist_node node;
	struct user_namespace *ns;
	kuid_t uid;
	struct gs_user *parent;
	atomic_t objects;
	atomic_long_t bytes;
};

/* Protects gs_users (not the counts in its entries, which are atomic). */
static DEFINE_SPINLOCK(gs_users_lock);
static DEFINE_HASHTABLE(gs_users, 6);

static u32 gs_user_hash(struct user_namespace *ns, kuid_t uid)
{
	return hash_ptr(ns, 32) ^ __kuid_val(uid);
}

static struct gs_user *gs_user_find_locked(struct user_namespace *ns, kuid_t uid)
{
	struct gs_user *u;

	lockdep_assert_held(&gs_users_lock);
	hash_for_each_possible(gs_users, u, node, gs_user_hash(ns, uid))
		if (u->ns == ns && uid_eq(u->uid, uid))
			return u;
	return NULL;
}

void gs_user_get(struct gs_user *u)
{
	refcount_inc(&u->ref);
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_get);

void gs_user_put(struct gs_user *u)
{
	while (u && refcount_dec_and_lock(&u->ref, &gs_users_lock)) {
		struct gs_user *parent = u->parent;

		hash_del(&u->node);
		spin_unlock(&gs_users_lock);
		WARN_ON(atomic_read(&u->objects) || atomic_long_read(&u->bytes));
		put_user_ns(u->ns);
		kfree(u);
		u = parent;
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_put);

/* The entry of (@ns, @uid) with @parent (whose reference it takes over), referenced. */
static struct gs_user *gs_user_get_one(struct user_namespace *ns, kuid_t uid,
				       struct gs_user *parent)
{
	struct gs_user *u, *fresh;

	spin_lock(&gs_users_lock);
	u = gs_user_find_locked(ns, uid);
	if (u)
		refcount_inc(&u->ref);
	spin_unlock(&gs_users_lock);
	if (u) {
		gs_user_put(parent);
		return u;
	}

	fresh = kzalloc(sizeof(*fresh), GOSYNC_GFP);
	if (!fresh) {
		gs_user_put(parent);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&fresh->ref, 1);
	fresh->ns = get_user_ns(ns);
	fresh->uid = uid;
	fresh->parent = parent;

	spin_lock(&gs_users_lock);
	u = gs_user_find_locked(ns, uid);
	if (u)
		refcount_inc(&u->ref);
	else
		hash_add(gs_users, &fresh->node, gs_user_hash(ns, uid));
	spin_unlock(&gs_users_lock);
	if (!u)
		return fresh;
	/* Lost a race: use the other one. */
	put_user_ns(fresh->ns);
	kfree(fresh);
	gs_user_put(parent);
	return u;
}

/**
 * gs_user_get_current() - the current task's entry (by fsuid), referenced
 *
 * Return: the entry, with its chain of namespace owners up to the initial
 * namespace, or ERR_PTR(-ENOMEM).
 */
struct gs_user *gs_user_get_current(void)
{
	struct user_namespace *chain[33], *ns = current_user_ns();
	struct gs_user *u = NULL;
	int depth = 0;

	/* Collect the namespaces from ours up to the one below the initial one. */
	for (; ns != &init_user_ns && depth < ARRAY_SIZE(chain) - 1; ns = ns->parent)
		chain[depth++] = ns;
	/* The initial namespace: charged to the owner of the outermost child. */
	u = gs_user_get_one(&init_user_ns,
			    depth ? chain[depth - 1]->owner : current_fsuid(), NULL);
	/* Then down: each namespace's entry is for its owner one level in. */
	while (!IS_ERR(u) && depth--) {
		ns = chain[depth];
		u = gs_user_get_one(ns, depth ? chain[depth - 1]->owner : current_fsuid(),
				    u);
	}
	return u;
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_get_current);

/**
 * gs_user_charge() - charge @objects and @bytes to @u and its ancestors
 * @u: the entry, or NULL to charge nothing
 *
 * Limits are checked at every level; the capability check runs only when
 * a limit would be exceeded, so a charge within the limits never touches
 * the audit log.
 *
 * Return: 0, or -ENOSPC past a limit (nothing charged).
 */
int gs_user_charge(struct gs_user *u, unsigned int objects, unsigned long bytes)
{
	unsigned int max_objects = READ_ONCE(gs_max_objects_per_user);
	unsigned long max_bytes = READ_ONCE(gs_max_bytes_per_user);
	struct gs_user *p;
	bool over = false;

	for (p = u; p; p = p->parent) {
		if (objects && (unsigned int)atomic_add_return(objects, &p->objects) > max_objects)
			over = true;
		if (bytes && (unsigned long)atomic_long_add_return(bytes, &p->bytes) > max_bytes)
			over = true;
	}
	if (!over || capable(CAP_SYS_RESOURCE))
		return 0;
	gs_user_uncharge(u, objects, bytes);
	return -ENOSPC;
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_charge);

/**
 * gs_user_charge_nocap() - charge @bytes to @u and its ancestors, in any context
 * @u: the entry, or NULL to charge nothing
 * @exempt: charge even past a limit (the caller has checked CAP_SYS_RESOURCE)
 *
 * Return: 0, or -EDQUOT past a limit (nothing charged).
 */
int gs_user_charge_nocap(struct gs_user *u, unsigned long bytes, bool exempt)
{
	unsigned long max_bytes = READ_ONCE(gs_max_bytes_per_user);
	struct gs_user *p;
	bool over = false;

	for (p = u; p; p = p->parent)
		if ((unsigned long)atomic_long_add_return(bytes, &p->bytes) > max_bytes)
			over = true;
	if (!over || exempt)
		return 0;
	gs_user_uncharge(u, 0, bytes);
	return -EDQUOT;
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_charge_nocap);

void gs_user_uncharge(struct gs_user *u, unsigned int objects, unsigned long bytes)
{
	for (; u; u = u->parent) {
		atomic_sub(objects, &u->objects);
		atomic_long_sub(bytes, &u->bytes);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_uncharge);

/** gs_user_usage() - what is charged to @u: objects and bytes */
void gs_user_usage(struct gs_user *u, unsigned int *objects, unsigned long *bytes)
{
	*objects = atomic_read(&u->objects);
	*bytes = atomic_long_read(&u->bytes);
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_usage);

/* ---- the indexes ---- */

/* Live objects by id. Ids only grow, so LIST resumes exactly at a cursor. */
static DEFINE_XARRAY(gs_objects);
static atomic64_t gs_next_id = ATOMIC64_INIT(0);
static atomic_t gs_nr_objects = ATOMIC_INIT(0);

/* Named objects by their (zero-padded) name. */
static const struct rhashtable_params gs_names_params = {
	.head_offset = offsetof(struct gs_obj, name_node),
	.key_offset = offsetof(struct gs_obj, name),
	.key_len = GOSYNC_NAME_MAX,
	.automatic_shrinking = true,
};

static struct rhashtable gs_names;

/** gs_stats_sum() - add the per-CPU counts @s to @sum (GOSYNC_NR_STATS slots) */
void gs_stats_sum(struct gs_stats __percpu *s, u64 *sum)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct gs_stats *c = per_cpu_ptr(s, cpu);

		for (i = 0; i < GOSYNC_NR_STATS; i++)
			sum[i] += READ_ONCE(c->n[i]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_stats_sum);

/**
 * gs_name_check() - is @name a valid object name?
 *
 * Return: 0, -ENAMETOOLONG, or -EINVAL (empty, leading '.', or a byte
 * outside [A-Za-z0-9._-]).
 */
int gs_name_check(const char *name)
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
EXPORT_SYMBOL_IF_KUNIT(gs_name_check);

/* A checked name as a key: zero-padded to GOSYNC_NAME_MAX. */
static int gs_name_key(char key[GOSYNC_NAME_MAX], const char *name)
{
	int ret = gs_name_check(name);

	if (ret)
		return ret;
	memset(key, 0, GOSYNC_NAME_MAX);
	strscpy(key, name, GOSYNC_NAME_MAX);
	return 0;
}

/* What an object costs besides its primitive. */
static unsigned long gs_obj_base_cost(void)
{
	return kmalloc_size_roundup(sizeof(struct gs_obj));
}

/**
 * gs_obj_new() - wrap a primitive in a new anonymous object
 * @type: the primitive's type
 * @priv: the primitive; on success the object owns it
 * @perm: permission bits (<= 0777), checked when opened by name
 *
 * The caller's fsuid and fsgid become the owner; the object and its memory
 * are charged to the caller's user (see struct gs_user). The returned
 * object holds one reference, which the caller passes on to a file or puts.
 *
 * Return: the object, or ERR_PTR(-ENOMEM), or ERR_PTR(-ENOSPC) past
 * gs_max_objects or the user's limits. On error @priv still belongs to
 * the caller.
 */
struct gs_obj *gs_obj_new(const struct gs_type *type, void *priv,
			  umode_t perm)
{
	struct gs_obj *obj;
	int ret = -ENOMEM;

	obj = kzalloc(sizeof(*obj), GOSYNC_GFP);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->user = gs_user_get_current();
	if (IS_ERR(obj->user)) {
		ret = PTR_ERR(obj->user);
		goto err_free;
	}
	kref_init(&obj->ref);
	obj->type = type;
	obj->priv = priv;
	obj->uid = current_fsuid();
	obj->gid = current_fsgid();
	obj->perm = perm;
	obj->charged = gs_obj_base_cost() + (type->charge ? type->charge(priv) : 0);

	ret = -ENOSPC;
	if (atomic_inc_return(&gs_nr_objects) > READ_ONCE(gs_max_objects))
		goto err_count;
	ret = gs_user_charge(obj->user, 1, obj->charged);
	if (ret)
		goto err_count;
	obj->id = atomic64_inc_return(&gs_next_id);
	ret = xa_insert(&gs_objects, obj->id, obj, GOSYNC_GFP);
	if (ret)
		goto err_uncharge;
	return obj;

err_uncharge:
	gs_user_uncharge(obj->user, 1, obj->charged);
err_count:
	atomic_dec(&gs_nr_objects);
	gs_user_put(obj->user);
err_free:
	kfree(obj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_new);

void gs_obj_get(struct gs_obj *obj)
{
	kref_get(&obj->ref);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_get);

/* The last reference is gone: nothing can find the object any more. */
static void gs_obj_release(struct kref *ref)
{
	struct gs_obj *obj = container_of(ref, struct gs_obj, ref);

	/* Names hold a reference, so it is not named; LIST may still see it. */
	xa_erase(&gs_objects, obj->id);
	obj->type->destroy(obj->priv);
	gs_user_uncharge(obj->user, 1, obj->charged);
	gs_user_put(obj->user);
	atomic_dec(&gs_nr_objects);
	/* RCU readers of the indexes may still look at obj->ref. */
	kfree_rcu(obj, rcu);
}

void gs_obj_put(struct gs_obj *obj)
{
	kref_put(&obj->ref, gs_obj_release);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_put);

/**
 * gs_obj_publish() - give an anonymous object a name
 *
 * The name takes its own reference. Return: 0, -EEXIST if the name is taken,
 * -EBUSY if @obj was named before, -ENOMEM, or what gs_name_check()
 * returns.
 */
int gs_obj_publish(struct gs_obj *obj, const char *name)
{
	char key[GOSYNC_NAME_MAX];
	struct gs_obj *old;
	int ret = gs_name_key(key, name);

	if (ret)
		return ret;
	/*
	 * Only the creator publishes, once, before anyone else has an fd:
	 * the name is written before anyone can look it up, then immutable
	 * (LIST reads it only once @named says it is set).
	 */
	if (obj->name[0])
		return -EBUSY;
	memcpy(obj->name, key, GOSYNC_NAME_MAX);
	kref_get(&obj->ref);
	old = rhashtable_lookup_get_insert_fast(&gs_names, &obj->name_node,
						gs_names_params);
	if (!old) {
		/* Pairs with smp_load_acquire() in gs_obj_fill_info(). */
		smp_store_release(&obj->named, true);
		return 0;
	}
	ret = IS_ERR(old) ? PTR_ERR(old) : -EEXIST;
	memset(obj->name, 0, GOSYNC_NAME_MAX);
	kref_put(&obj->ref, gs_obj_release);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_publish);

/* May the current task open @obj? Read and write bits of its class, as for files. */
static bool gs_obj_may_open(struct gs_obj *obj)
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

/* The named object @key, referenced, or NULL. */
static struct gs_obj *gs_obj_find(const char *key)
{
	struct gs_obj *obj;

	rcu_read_lock();
	obj = rhashtable_lookup(&gs_names, key, gs_names_params);
	if (obj && !kref_get_unless_zero(&obj->ref))
		obj = NULL;
	rcu_read_unlock();
	return obj;
}

/**
 * gs_obj_lookup() - find a named object and take a reference to it
 * @name: the name
 * @type: enum gosync_type the caller expects, or 0 for any
 *
 * Return: the object, or ERR_PTR(-ENOENT), ERR_PTR(-EINVAL) for another
 * type, ERR_PTR(-EACCES) if the caller may not open it, or a name error.
 */
struct gs_obj *gs_obj_lookup(const char *name, u32 type)
{
	char key[GOSYNC_NAME_MAX];
	struct gs_obj *obj;
	int ret = gs_name_key(key, name);

	if (ret)
		return ERR_PTR(ret);
	obj = gs_obj_find(key);
	if (!obj)
		return ERR_PTR(-ENOENT);
	if (type && obj->type->id != type)
		ret = -EINVAL;
	else if (!gs_obj_may_open(obj))
		ret = -EACCES;
	if (ret) {
		gs_obj_put(obj);
		return ERR_PTR(ret);
	}
	return obj;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_lookup);

/* Take @obj's name away and drop the name's reference; false if already gone. */
static bool gs_obj_unname(struct gs_obj *obj)
{
	if (rhashtable_remove_fast(&gs_names, &obj->name_node, gs_names_params))
		return false;	/* a concurrent unlink won */
	WRITE_ONCE(obj->named, false);
	gs_obj_put(obj);
	return true;
}

/**
 * gs_obj_unlink() - remove a name and drop its reference
 *
 * Only the owner, or a task with CAP_FOWNER, may unlink.
 * Return: 0, -ENOENT, -EPERM, or a name error.
 */
int gs_obj_unlink(const char *name)
{
	char key[GOSYNC_NAME_MAX];
	struct gs_obj *obj;
	int ret = gs_name_key(key, name);

	if (ret)
		return ret;
	obj = gs_obj_find(key);
	if (!obj)
		return -ENOENT;
	if (!uid_eq(current_fsuid(), obj->uid) && !capable(CAP_FOWNER))
		ret = -EPERM;
	else if (!gs_obj_unname(obj))
		ret = -ENOENT;
	gs_obj_put(obj);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_unlink);

/**
 * gs_obj_fill_info() - describe @obj; the caller holds a reference
 *
 * Takes no lock of the object model: every field read is immutable or read
 * once (a name and flag that change under an unlink are seen before or
 * after it).
 */
void gs_obj_fill_info(struct gs_obj *obj, struct gosync_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = obj->id;
	info->type = obj->type->id;
	info->subtype = obj->type->subtype ? obj->type->subtype(obj->priv) : 0;
	info->uid = from_kuid_munged(current_user_ns(), obj->uid);
	info->gid = from_kgid_munged(current_user_ns(), obj->gid);
	info->perm = obj->perm;
	info->nr_files = atomic_read(&obj->nr_files);
	/* Pairs with WRITE_ONCE() in gs_obj_publish(): the name is set first. */
	if (smp_load_acquire(&obj->named)) {
		info->flags = GOSYNC_INFO_NAMED;
		memcpy(info->name, obj->name, sizeof(info->name));
	}
	if (obj->type->stats)
		gs_stats_sum(obj->type->stats(obj->priv), info->stats);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_fill_info);

/**
 * gs_obj_list() - describe live objects with id >= @cursor, in id order
 * @cursor: the first id to report
 * @buf: room for @cap entries
 * @cap: capacity of @buf
 * @next: out: the cursor for the next call, or 0 if no objects are left
 *
 * Finding the cursor is a lookup in the id index, so paging through N
 * objects is O(N) in all.
 *
 * Return: the number of entries written.
 */
int gs_obj_list(u64 cursor, struct gosync_info *buf, unsigned int cap,
		u64 *next)
{
	unsigned long id = cursor;
	struct gs_obj *obj;
	unsigned int n = 0;

	*next = 0;
	if (cursor > ULONG_MAX)
		return 0;
	for (;;) {
		rcu_read_lock();
		obj = xa_find(&gs_objects, &id, ULONG_MAX, XA_PRESENT);
		if (obj && !kref_get_unless_zero(&obj->ref)) {
			/* being released: skip it */
			rcu_read_unlock();
			if (id == ULONG_MAX)
				break;
			id++;
			continue;
		}
		rcu_read_unlock();
		if (!obj)
			break;
		if (n == cap) {
			*next = id;
			gs_obj_put(obj);
			break;
		}
		gs_obj_fill_info(obj, &buf[n++]);
		gs_obj_put(obj);
		if (id == ULONG_MAX)
			break;
		id++;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_list);

unsigned int gs_obj_count(void)
{
	return atomic_read(&gs_nr_objects);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_count);

int gs_objects_init(void)
{
	return rhashtable_init(&gs_names, &gs_names_params);
}

/*
 * Module exit: no file refers to an object any more (each file pins the
 * module), so only names hold references. Drop them all.
 */
void gs_objects_exit(void)
{
	struct gs_obj *obj;
	unsigned long id;

	xa_for_each(&gs_objects, id, obj) {
		if (!WARN_ON(!READ_ONCE(obj->named)))
			gs_obj_unname(obj);
		cond_resched();
	}
	WARN_ON(!xa_empty(&gs_objects));
	rhashtable_destroy(&gs_names);
	/* Objects are freed after a grace period: wait before the code goes. */
	rcu_barrier();
}
