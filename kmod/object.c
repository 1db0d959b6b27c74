// SPDX-License-Identifier: GPL-2.0
/*
 * gosync object model: every primitive lives in a struct gs_obj with a
 * refcount, an id, an owner, a scope and optionally a name.
 *
 * Lifetime: one reference per open file description (taken when the file is
 * made, dropped in its release) and one while the object is named. So an
 * anonymous object dies with its last fd; a named one when it is unlinked
 * and its last fd closes (like POSIX shared memory).
 *
 * Scopes: names are per IPC namespace, as SysV IPC keys and POSIX message
 * queues are. Each IPC namespace that has objects has a struct gs_scope,
 * found from current's namespace in gs_scopes; every object belongs to the
 * scope its creator was in. A scope holds a reference on its namespace, and
 * a namespace nobody else holds any more (no task in it, no nsfs file or
 * bind mount) is dead: the sweep (gs_scopes_sweep()) then drops its names
 * and the reference. A module cannot hook the namespace's destruction, so
 * the sweep looks: every GS_SWEEP_INTERVAL while a scope other than the
 * initial namespace's exists, and before a new scope is made.
 *
 * Indexes: each scope maps ids to its objects (LIST, in id order) and
 * gs_names maps (scope, name) to named objects (OPEN, UNLINK). Both are read
 * under RCU: a reader that finds an object takes a reference with
 * kref_get_unless_zero(), which fails once the last reference is gone; the
 * object itself is freed after a grace period. No global lock is taken by
 * any command: each index has its own (the xarray's lock, the rhashtable's
 * bucket locks), names are inserted and removed atomically by
 * rhashtable_lookup_insert_fast() and rhashtable_remove_fast(), and scopes
 * are found under RCU (gs_scopes_lock is taken only to make or sweep one).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/percpu.h>
#include <linux/proc_ns.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "gosync_trace.h"

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
	atomic_long_t objects;
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

/* Drop a reference; the last one frees @u and drops its parent's. */
void gs_user_put(struct gs_user *u)
{
	struct gs_user *parent;

	for (; u; u = parent) {
		/* refcount_dec_and_lock(), spelled out so sparse can follow it */
		if (refcount_dec_not_one(&u->ref))
			break;
		spin_lock(&gs_users_lock);
		if (!refcount_dec_and_test(&u->ref)) {
			spin_unlock(&gs_users_lock);
			break;
		}
		parent = u->parent;
		hash_del(&u->node);
		spin_unlock(&gs_users_lock);
		WARN_ON(atomic_long_read(&u->objects) || atomic_long_read(&u->bytes));
		put_user_ns(u->ns);
		kfree(u);
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
 * namespace, or ERR_PTR(-ENOMEM) (-EUSERS: a chain deeper than the kernel
 * allows, never expected).
 */
struct gs_user *gs_user_get_current(void)
{
	struct user_namespace *chain[33], *ns = current_user_ns();
	struct gs_user *u = NULL;
	int depth = 0;

	/*
	 * Collect the namespaces from ours up to the one below the initial
	 * one: 33 at most (create_user_ns() refuses a 34th level). A deeper
	 * chain would be charged short of its top: refuse it instead.
	 */
	for (; ns != &init_user_ns && depth < ARRAY_SIZE(chain); ns = ns->parent)
		chain[depth++] = ns;
	if (WARN_ON_ONCE(ns != &init_user_ns))
		return ERR_PTR(-EUSERS);
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

/*
 * Add @n to @v unless that takes it past @max: false, and nothing added.
 * Never past it, even for a moment, so a charge that fails never makes a
 * concurrent one that fits fail too. Adding 0 always fits: an owner over
 * its object limit (lowered under it, or exempt at create) still gets the
 * bytes of a Store or a Send, which charge no object.
 */
static bool gs_add_within(atomic_long_t *v, unsigned long n, unsigned long max)
{
	long old = atomic_long_read(v);

	if (!n)
		return true;
	do {
		if ((unsigned long)old > max || n > max - (unsigned long)old)
			return false;
	} while (!atomic_long_try_cmpxchg(v, &old, old + n));
	return true;
}

/*
 * Charge @objects and @bytes to @u and its ancestors, each within its limit,
 * unless the caller may go past them: @exempt, or @ask and the capability
 * (checked only then, so a charge within the limits never touches the audit
 * log).
 */
static int gs_user_charge_within(struct gs_user *u, unsigned long objects,
				 unsigned long bytes, bool exempt, bool ask)
{
	unsigned long max_objects = READ_ONCE(gs_max_objects_per_user);
	unsigned long max_bytes = READ_ONCE(gs_max_bytes_per_user);
	struct gs_user *p;

	for (p = u; p; p = p->parent) {
		if (!gs_add_within(&p->objects, objects, max_objects))
			goto over;
		if (!gs_add_within(&p->bytes, bytes, max_bytes)) {
			atomic_long_sub(objects, &p->objects);
			goto over;
		}
	}
	return 0;
over:
	/* @p and above are not charged: charge them anyway, or undo below @p. */
	if (exempt || (ask && capable(CAP_SYS_RESOURCE))) {
		for (; p; p = p->parent) {
			atomic_long_add(objects, &p->objects);
			atomic_long_add(bytes, &p->bytes);
		}
		return 0;
	}
	for (; u != p; u = u->parent) {
		atomic_long_sub(objects, &u->objects);
		atomic_long_sub(bytes, &u->bytes);
	}
	return -ENOSPC;
}

/**
 * gs_user_charge() - charge @objects and @bytes to @u and its ancestors
 * @u: the entry, or NULL to charge nothing
 * @objects: objects to charge, against gs_max_objects_per_user
 * @bytes: bytes to charge, against gs_max_bytes_per_user
 *
 * Past a limit at any level, only with CAP_SYS_RESOURCE.
 *
 * Return: 0, or -ENOSPC past a limit (nothing charged).
 */
int gs_user_charge(struct gs_user *u, unsigned int objects, unsigned long bytes)
{
	return gs_user_charge_within(u, objects, bytes, false, true);
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_charge);

/**
 * gs_user_charge_nocap() - charge @bytes to @u and its ancestors, in any context
 * @u: the entry, or NULL to charge nothing
 * @bytes: bytes to charge, against gs_max_bytes_per_user
 * @exempt: charge even past a limit (the caller has checked CAP_SYS_RESOURCE)
 *
 * Return: 0, or -EDQUOT past a limit (nothing charged).
 */
int gs_user_charge_nocap(struct gs_user *u, unsigned long bytes, bool exempt)
{
	return gs_user_charge_within(u, 0, bytes, exempt, false) ? -EDQUOT : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_charge_nocap);

void gs_user_uncharge(struct gs_user *u, unsigned int objects, unsigned long bytes)
{
	for (; u; u = u->parent) {
		atomic_long_sub(objects, &u->objects);
		atomic_long_sub(bytes, &u->bytes);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_uncharge);

/** gs_user_usage() - what is charged to @u: objects and bytes */
void gs_user_usage(struct gs_user *u, unsigned int *objects, unsigned long *bytes)
{
	*objects = atomic_long_read(&u->objects);
	*bytes = atomic_long_read(&u->bytes);
}
EXPORT_SYMBOL_IF_KUNIT(gs_user_usage);

/* ---- scopes: one name space per IPC namespace ---- */

/**
 * struct gs_scope - the objects and names of one IPC namespace
 * @ref: one while live (in gs_scopes), one per object, one per lookup
 * @node: in gs_scopes while live; under gs_scopes_lock, read under RCU
 * @ns: the namespace; referenced while live (unless @initial). Only
 *	compared once dead: its memory may be another namespace's by then
 * @inum: @ns's inode number, as /proc/PID/ns/ipc shows it; immutable
 * @initial: @ns is the initial IPC namespace, which never dies; immutable
 * @objects: its live objects by id: LIST pages through them in id order
 * @nr_objects: objects in @objects (LIST's total)
 * @dead: on a sweep's private list of dead scopes
 * @rcu: freed after a grace period (RCU lookups in gs_scopes)
 *
 * A dead scope is out of gs_scopes and has no names; objects that live on
 * through fds passed to other namespaces keep it (and so its id index) until
 * the last of them goes.
 */
struct gs_scope {
	refcount_t ref;
	struct hlist_node node;
	struct ipc_namespace *ns;
	unsigned int inum;
	bool initial;
	struct xarray objects;
	atomic_t nr_objects;
	struct list_head dead;
	struct rcu_head rcu;
};

/* How often a scope's namespace is checked for death while one may die. */
#define GS_SWEEP_INTERVAL	(5 * HZ)

/*
 * Protects gs_scopes' membership (lookups walk it under RCU) and
 * gs_nr_foreign_scopes; serializes making a scope for a namespace.
 */
static DEFINE_MUTEX(gs_scopes_lock);
static DEFINE_HASHTABLE(gs_scopes, 6);
/* Live scopes of namespaces other than the initial one: the sweep runs while > 0. */
static unsigned int gs_nr_foreign_scopes;

static void gs_sweep_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gs_sweep_work, gs_sweep_fn);

static void gs_scope_put(struct gs_scope *s)
{
	if (!refcount_dec_and_test(&s->ref))
		return;
	WARN_ON(!xa_empty(&s->objects));
	xa_destroy(&s->objects);
	kfree_rcu(s, rcu);
}

/* The live scope of @ns, referenced, or NULL. */
static struct gs_scope *gs_scope_find(struct ipc_namespace *ns)
{
	struct gs_scope *s;

	rcu_read_lock();
	hash_for_each_possible_rcu(gs_scopes, s, node, (unsigned long)ns)
		if (s->ns == ns && refcount_inc_not_zero(&s->ref))
			goto out;
	s = NULL;
out:
	rcu_read_unlock();
	return s;
}

/*
 * The caller's IPC namespace: its nsproxy pins it, so it cannot die (and its
 * scope is not swept) while the caller runs. Only the task itself changes
 * its nsproxy, so no lock is needed. NULL on a kernel with neither SYSVIPC
 * nor POSIX_MQUEUE, which has no IPC namespace at all: then every task is
 * in one initial scope.
 */
static struct ipc_namespace *gs_current_ipc_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/* The scope of the caller's IPC namespace, referenced, or NULL if it has none. */
static struct gs_scope *gs_scope_find_current(void)
{
	return gs_scope_find(gs_current_ipc_ns());
}

static void gs_scopes_sweep(bool all);

/**
 * gs_scope_get_current() - the scope of the caller's IPC namespace, referenced
 *
 * Makes it on first use, after sweeping the dead ones (a new namespace is
 * when old ones tend to have died: containers come and go).
 *
 * Return: the scope or ERR_PTR(-ENOMEM).
 */
static struct gs_scope *gs_scope_get_current(void)
{
	struct ipc_namespace *ns = gs_current_ipc_ns();
	struct gs_scope *s = gs_scope_find(ns), *old;

	if (s)
		return s;
	gs_scopes_sweep(false);
	s = kzalloc(sizeof(*s), GOSYNC_GFP);
	if (!s)
		return ERR_PTR(-ENOMEM);
	refcount_set(&s->ref, 2);	/* gs_scopes' and the caller's */
	s->ns = ns;
	s->inum = ns ? ns->ns.inum : PROC_IPC_INIT_INO;
	s->initial = s->inum == PROC_IPC_INIT_INO;
	/* nodes charged as GOSYNC_GFP is: the xarray allocates them itself */
	xa_init_flags(&s->objects, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&s->dead);

	mutex_lock(&gs_scopes_lock);
	old = gs_scope_find(ns);
	if (!old) {
		/* The initial namespace is static: nothing to hold, and it never dies. */
		if (!s->initial) {
			get_ipc_ns(ns);
			if (!gs_nr_foreign_scopes++)
				schedule_delayed_work(&gs_sweep_work, GS_SWEEP_INTERVAL);
		}
		hash_add_rcu(gs_scopes, &s->node, (unsigned long)ns);
	}
	mutex_unlock(&gs_scopes_lock);
	if (!old)
		return s;
	kfree(s);	/* lost a race: use the other one */
	return old;
}

/**
 * gs_scope_dead_locked() - is @s's namespace dead?
 * @s: the scope, under gs_scopes_lock; the initial namespace's never dies
 *
 * Its reference count counts the nsproxy of every task in it, every nsfs
 * inode (/proc/PID/ns/ipc opened or bind-mounted) and ours. With only ours
 * left, nothing can enter it again: setns() needs an nsfs file or a task
 * inside, unshare() and clone() make new ones. (mqueuefs may take a
 * transient reference to account a message queue; that one goes away, and
 * the next sweep finds the namespace dead.)
 */
static bool gs_scope_dead_locked(struct gs_scope *s)
{
	lockdep_assert_held(&gs_scopes_lock);
	return !s->initial && ns_ref_read(s->ns) == 1;
}

/**
 * struct gs_list_view - what a LIST caller may see, decided once per call
 * @all: CAP_SYS_ADMIN in the scope's user namespace: everything
 * @dac: CAP_DAC_OVERRIDE there: every name whose owner is mapped there
 */
struct gs_list_view {
	bool all;
	bool dac;
};

static bool gs_obj_mode_ok(struct gs_obj *obj);
static bool gs_obj_ids_mapped(struct gs_obj *obj);

/*
 * Does LIST show @obj? What the caller owns, and the named objects it may
 * open. (The capabilities are asked without auditing: a listing that leaves
 * some out is not a denial.)
 */
static bool gs_obj_visible(struct gs_obj *obj, const struct gs_list_view *v)
{
	if (v->all || uid_eq(current_fsuid(), obj->uid))
		return true;
	if (!READ_ONCE(obj->named))
		return false;
	return gs_obj_mode_ok(obj) || (v->dac && gs_obj_ids_mapped(obj));
}

/*
 * The first object of @s with id >= *@id that @v lets the caller see (@v
 * NULL: any), referenced, its id in *@id; or NULL. Looked at before it is
 * referenced (what gs_obj_visible() reads is there until the RCU-deferred
 * free), so a LIST never holds the last reference to another user's object
 * and never runs its teardown.
 */
static struct gs_obj *gs_scope_next(struct gs_scope *s, unsigned long *id,
				    const struct gs_list_view *v)
{
	unsigned int skipped = 0;
	struct gs_obj *obj;

	rcu_read_lock();
	for (;;) {
		obj = xa_find(&s->objects, id, ULONG_MAX, XA_PRESENT);
		if (!obj || ((!v || gs_obj_visible(obj, v)) && kref_get_unless_zero(&obj->ref)))
			break;
		/* not the caller's to see, or being released: skip it */
		if (*id == ULONG_MAX) {
			obj = NULL;
			break;
		}
		(*id)++;
		/* Other users' objects may be many: a pause now and then. */
		if (++skipped % 64 == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return obj;
}

static bool gs_obj_unname(struct gs_obj *obj);

/* Drop every name of @s, which is out of gs_scopes: nobody can add one. */
static void gs_scope_unname_all(struct gs_scope *s)
{
	unsigned long id = 0;
	struct gs_obj *obj;

	while ((obj = gs_scope_next(s, &id, NULL))) {
		if (READ_ONCE(obj->named))
			gs_obj_unname(obj);
		gs_obj_put(obj);
		cond_resched();
		if (id++ == ULONG_MAX)
			break;
	}
}

/*
 * Sweep the scopes whose namespace died (@all: every scope, at module exit):
 * take them out of gs_scopes, drop their names, and release the namespace.
 */
static void gs_scopes_sweep(bool all)
{
	struct gs_scope *s, *next;
	struct hlist_node *tmp;
	LIST_HEAD(dead);
	int bkt;

	mutex_lock(&gs_scopes_lock);
	hash_for_each_safe(gs_scopes, bkt, tmp, s, node) {
		if (!all && !gs_scope_dead_locked(s))
			continue;
		hash_del_rcu(&s->node);
		if (!s->initial)
			gs_nr_foreign_scopes--;
		list_add(&s->dead, &dead);
	}
	mutex_unlock(&gs_scopes_lock);
	if (list_empty(&dead))
		return;
	/*
	 * After a grace period no lookup still sees them, so a new namespace
	 * allocated where a dead one was can never find a dead scope.
	 */
	synchronize_rcu();
	list_for_each_entry_safe(s, next, &dead, dead) {
		list_del(&s->dead);
		gs_scope_unname_all(s);
		/* put_ipc_ns(), which Linux 6.1 does not export */
		if (!s->initial)
			s->ns->ns.ops->put(&s->ns->ns);
		gs_scope_put(s);
	}
}

static void gs_sweep_fn(struct work_struct *work)
{
	gs_scopes_sweep(false);
	mutex_lock(&gs_scopes_lock);
	if (gs_nr_foreign_scopes)
		schedule_delayed_work(&gs_sweep_work, GS_SWEEP_INTERVAL);
	mutex_unlock(&gs_scopes_lock);
}

/* ---- the indexes ---- */

static atomic64_t gs_next_id = ATOMIC64_INIT(0);
static atomic_t gs_nr_objects = ATOMIC_INIT(0);

/* Named objects by (scope, zero-padded name). */
static_assert(sizeof(struct gs_name_key) == sizeof(void *) + GOSYNC_NAME_MAX);

static const struct rhashtable_params gs_names_params = {
	.head_offset = offsetof(struct gs_obj, name_node),
	.key_offset = offsetof(struct gs_obj, key),
	.key_len = sizeof(struct gs_name_key),
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
 * @name: NUL-terminated, at most GOSYNC_NAME_MAX - 1 bytes long
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

/* A checked name in @scope as a key: zero-padded to GOSYNC_NAME_MAX. */
static int gs_name_key(struct gs_name_key *key, struct gs_scope *scope, const char *name)
{
	int ret = gs_name_check(name);

	if (ret)
		return ret;
	memset(key, 0, sizeof(*key));
	key->scope = scope;
	strscpy(key->name, name, GOSYNC_NAME_MAX);
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
 * The caller's fsuid and fsgid become the owner, and its IPC namespace the
 * object's scope; the object and its memory are charged to the caller's
 * user (see struct gs_user). The returned object holds one reference, which
 * the caller passes on to a file or puts.
 *
 * Return: the object, or ERR_PTR(-ENOMEM), or ERR_PTR(-ENOSPC) past
 * gs_max_objects or the user's limits. On error @priv still belongs to
 * the caller.
 */
struct gs_obj *gs_obj_new(const struct gs_type *type, void *priv,
			  umode_t perm)
{
	return gs_obj_new_mapped(type, priv, perm, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_new);

/**
 * gs_obj_new_mapped() - gs_obj_new() for a primitive mapped on @page
 * @type: as for gs_obj_new()
 * @priv: as for gs_obj_new()
 * @perm: as for gs_obj_new()
 * @page: if not NULL, the shared page the primitive keeps its state in
 *	(gs_type.map); on success the object owns it and frees it after the
 *	primitive, and it is charged with the object
 *
 * Return: as gs_obj_new(); on error @page, too, still belongs to the caller.
 */
struct gs_obj *gs_obj_new_mapped(const struct gs_type *type, void *priv,
				 umode_t perm, struct page *page)
{
	struct gs_obj *obj;
	int ret = -ENOMEM;

	obj = kzalloc(sizeof(*obj), GOSYNC_GFP);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->key.scope = gs_scope_get_current();
	if (IS_ERR(obj->key.scope)) {
		ret = PTR_ERR(obj->key.scope);
		goto err_free;
	}
	obj->user = gs_user_get_current();
	if (IS_ERR(obj->user)) {
		ret = PTR_ERR(obj->user);
		goto err_scope;
	}
	kref_init(&obj->ref);
	obj->type = type;
	obj->priv = priv;
	obj->uid = current_fsuid();
	obj->gid = current_fsgid();
	obj->perm = perm;
	obj->charged = gs_obj_base_cost() + (type->charge ? type->charge(priv) : 0);
	if (page)
		obj->charged += PAGE_SIZE;

	ret = -ENOSPC;
	if (atomic_inc_return(&gs_nr_objects) > READ_ONCE(gs_max_objects))
		goto err_count;
	ret = gs_user_charge(obj->user, 1, obj->charged);
	if (ret)
		goto err_count;
	obj->id = atomic64_inc_return(&gs_next_id);
	/* All set before LIST can see it: xa_insert() publishes (its lock orders). */
	if (type->set_id)
		type->set_id(priv, obj->id);
	obj->page = page;
	ret = xa_insert(&obj->key.scope->objects, obj->id, obj, GOSYNC_GFP);
	if (ret)
		goto err_uncharge;
	atomic_inc(&obj->key.scope->nr_objects);
	trace_gosync_create(obj->id, type->id, type->subtype ? type->subtype(priv) : 0);
	return obj;

err_uncharge:
	gs_user_uncharge(obj->user, 1, obj->charged);
err_count:
	atomic_dec(&gs_nr_objects);
	gs_user_put(obj->user);
err_scope:
	gs_scope_put(obj->key.scope);
err_free:
	kfree(obj);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_new_mapped);

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
	xa_erase(&obj->key.scope->objects, obj->id);
	atomic_dec(&obj->key.scope->nr_objects);
	/* The subtype asks the primitive: while it exists, and only if traced. */
	if (trace_gosync_destroy_enabled())
		trace_gosync_destroy(obj->id, obj->type->id,
				     obj->type->subtype ? obj->type->subtype(obj->priv) : 0);
	obj->type->destroy(obj->priv);
	/* Mappings hold their own references (vm_insert_page()). */
	if (obj->page)
		__free_page(obj->page);
	gs_user_uncharge(obj->user, 1, obj->charged);
	gs_user_put(obj->user);
	gs_scope_put(obj->key.scope);
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
 * gs_obj_publish() - give an anonymous object a name in its scope
 * @obj: the object, by its creator before anyone else has an fd to it
 * @name: the name, checked by gs_name_check()
 *
 * The name takes its own reference. Return: 0, -EEXIST if the name is taken,
 * -EBUSY if @obj was named, or a publish of it failed, before; -ENOMEM, or
 * what gs_name_check() returns.
 */
int gs_obj_publish(struct gs_obj *obj, const char *name)
{
	struct gs_name_key key;
	struct gs_obj *old;
	int ret = gs_name_key(&key, obj->key.scope, name);

	if (ret)
		return ret;
	/*
	 * Only the creator publishes, once, before anyone else has an fd:
	 * the name is written before anyone can look it up, then immutable
	 * (LIST reads it only once @named says it is set). Not even a failed
	 * publish clears it: a LIST that saw @named may be copying it.
	 */
	if (obj->key.name[0])
		return -EBUSY;
	memcpy(obj->key.name, key.name, GOSYNC_NAME_MAX);
	/*
	 * @named before the insert: an UNLINK finds the name only once it is
	 * in the table, after this store (the insert publishes with release),
	 * so the UNLINK's clearing of @named comes later and stays. Set after
	 * the insert, it could land after an UNLINK's and leave a name that
	 * is gone shown as named for good. Pairs with smp_load_acquire() in
	 * gs_obj_fill_info().
	 */
	smp_store_release(&obj->named, true);
	kref_get(&obj->ref);
	old = rhashtable_lookup_get_insert_fast(&gs_names, &obj->name_node,
						gs_names_params);
	if (!old)
		return 0;
	ret = IS_ERR(old) ? PTR_ERR(old) : -EEXIST;
	WRITE_ONCE(obj->named, false);
	kref_put(&obj->ref, gs_obj_release);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_publish);

/* Do @obj's mode bits give the current task read and write, as for files? */
static bool gs_obj_mode_ok(struct gs_obj *obj)
{
	umode_t mode = obj->perm;

	if (uid_eq(current_fsuid(), obj->uid))
		mode >>= 6;
	else if (in_group_p(obj->gid))
		mode >>= 3;
	return (mode & 06) == 06;
}

/*
 * The user namespace that owns the caller's IPC namespace: capabilities in
 * it are what count for the caller's scope, as for SysV IPC.
 */
static struct user_namespace *gs_scope_user_ns(void)
{
	struct ipc_namespace *ns = gs_current_ipc_ns();

	return ns ? ns->user_ns : &init_user_ns;
}

/*
 * Is the owner of @obj, found in the caller's scope, someone a capability
 * in that scope's user namespace may act for? (capable_wrt_inode_uidgid():
 * the ids must be mapped there.)
 */
static bool gs_obj_ids_mapped(struct gs_obj *obj)
{
	struct user_namespace *ns = gs_scope_user_ns();

	return kuid_has_mapping(ns, obj->uid) && kgid_has_mapping(ns, obj->gid);
}

/* Does the current task have @cap over @obj, found in its scope? */
static bool gs_obj_capable(struct gs_obj *obj, int cap)
{
	return gs_obj_ids_mapped(obj) && ns_capable(gs_scope_user_ns(), cap);
}

/* May the current task open @obj? Its mode, or CAP_DAC_OVERRIDE in the scope. */
static bool gs_obj_may_open(struct gs_obj *obj)
{
	return gs_obj_mode_ok(obj) || gs_obj_capable(obj, CAP_DAC_OVERRIDE);
}

/* The named object @key, referenced, or NULL. */
static struct gs_obj *gs_obj_find(const struct gs_name_key *key)
{
	struct gs_obj *obj;

	rcu_read_lock();
	obj = rhashtable_lookup(&gs_names, key, gs_names_params);
	if (obj && !kref_get_unless_zero(&obj->ref))
		obj = NULL;
	rcu_read_unlock();
	return obj;
}

/* The object named @name in the caller's scope, referenced, or an ERR_PTR. */
static struct gs_obj *gs_obj_find_name(const char *name)
{
	struct gs_scope *scope = gs_scope_find_current();
	struct gs_name_key key;
	struct gs_obj *obj;
	int ret;

	if (!scope) {
		/* Nothing was ever made here; a bad name is still an error. */
		ret = gs_name_check(name);
		return ERR_PTR(ret ?: -ENOENT);
	}
	ret = gs_name_key(&key, scope, name);
	obj = ret ? ERR_PTR(ret) : gs_obj_find(&key);
	gs_scope_put(scope);
	return obj ?: ERR_PTR(-ENOENT);
}

/**
 * gs_obj_lookup() - find a named object and take a reference to it
 * @name: the name, in the caller's scope (its IPC namespace)
 * @type: enum gosync_type the caller expects, or 0 for any
 * @uid: the owner the caller expects, or INVALID_UID for any
 * @gid: the owner group the caller expects, or INVALID_GID for any
 *
 * Return: the object, or ERR_PTR(-ENOENT), ERR_PTR(-EPERM) for another
 * owner, ERR_PTR(-EINVAL) for another type, ERR_PTR(-EACCES) if the caller
 * may not open it, or a name error.
 */
struct gs_obj *gs_obj_lookup(const char *name, u32 type, kuid_t uid, kgid_t gid)
{
	struct gs_obj *obj = gs_obj_find_name(name);
	int ret = 0;

	if (IS_ERR(obj))
		return obj;
	/*
	 * The owner first: a squatter's object is refused as such, whatever
	 * its mode. Then the mode, before the type: one that may not open it
	 * does not learn its type either (LIST hides it).
	 */
	if ((uid_valid(uid) && !uid_eq(obj->uid, uid)) ||
	    (gid_valid(gid) && !gid_eq(obj->gid, gid)))
		ret = -EPERM;
	else if (!gs_obj_may_open(obj))
		ret = -EACCES;
	else if (type && obj->type->id != type)
		ret = -EINVAL;
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
 * gs_obj_unlink() - remove a name in the caller's scope and drop its reference
 * @name: the name, in the caller's scope (its IPC namespace)
 * @id: 0, or the id of the object the name must still name
 *
 * Only the owner, or a task with CAP_FOWNER in the scope's user namespace
 * (over an owner mapped there), may unlink. An @id that does not match is
 * -ENOENT: the object of that id has no name left to remove. The name's
 * object is looked up and removed by its own node, so a name recreated in
 * between is never the one removed.
 * Return: 0, -ENOENT, -EPERM, or a name error.
 */
int gs_obj_unlink(const char *name, u64 id)
{
	struct gs_obj *obj = gs_obj_find_name(name);
	int ret = 0;

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (!uid_eq(current_fsuid(), obj->uid) && !gs_obj_capable(obj, CAP_FOWNER))
		ret = -EPERM;
	else if (id && obj->id != id)
		ret = -ENOENT;
	else if (!gs_obj_unname(obj))
		ret = -ENOENT;
	gs_obj_put(obj);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_unlink);

/**
 * gs_obj_fill_info() - describe @obj; the caller holds a reference
 * @obj: the object
 * @info: filled (zeroed first)
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
	/* Pairs with smp_store_release() in gs_obj_publish(): the name is set first. */
	if (smp_load_acquire(&obj->named)) {
		info->flags = GOSYNC_INFO_NAMED;
		memcpy(info->name, obj->key.name, sizeof(info->name));
	}
	if (obj->page)
		info->flags |= GOSYNC_INFO_MAPPED;
	if (obj->type->stats)
		gs_stats_sum(obj->type->stats(obj->priv), info->stats);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_fill_info);

/** gs_obj_ns_inum() - the inode number of @obj's IPC namespace (fdinfo) */
unsigned int gs_obj_ns_inum(struct gs_obj *obj)
{
	return obj->key.scope->inum;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_ns_inum);

/**
 * gs_obj_list() - describe the caller's objects with id >= @cursor, in id order
 * @cursor: the first id to report
 * @buf: room for @cap entries
 * @states: NULL, or room for @cap entries: the state of each object in @buf
 * @cap: capacity of @buf
 * @next: out: the cursor for the next call, or 0 if no objects are left
 *
 * Lists the objects of the caller's scope (its IPC namespace) that it owns
 * or, named, may open; all of them for CAP_SYS_ADMIN in the scope's user
 * namespace. Finding the cursor is a lookup in the scope's id index, so
 * paging through N objects is O(N) in all.
 *
 * Return: the number of entries written.
 */
int gs_obj_list(u64 cursor, struct gosync_info *buf, struct gosync_state *states,
		unsigned int cap, u64 *next)
{
	struct gs_scope *scope = gs_scope_find_current();
	struct user_namespace *ns = gs_scope_user_ns();
	struct gs_list_view view;
	unsigned long id = cursor;
	struct gs_obj *obj;
	unsigned int n = 0;

	*next = 0;
	if (!scope)
		return 0;
	if (cursor > ULONG_MAX)
		goto out;
	view.all = ns_capable_noaudit(ns, CAP_SYS_ADMIN);
	view.dac = ns_capable_noaudit(ns, CAP_DAC_OVERRIDE);
	while ((obj = gs_scope_next(scope, &id, &view))) {
		if (n == cap) {
			*next = id;
			gs_obj_put(obj);
			break;
		}
		if (states)
			gs_obj_fill_state(obj, &states[n], NULL, 0, task_active_pid_ns(current));
		gs_obj_fill_info(obj, &buf[n++]);
		gs_obj_put(obj);
		if (id++ == ULONG_MAX)
			break;
		cond_resched();
	}
out:
	gs_scope_put(scope);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_list);

/**
 * gs_obj_fill_state() - what @obj is doing now; the caller holds a reference
 * @obj: the object
 * @st: filled (zeroed first)
 * @hs: room for @cap holders (kernel memory), or NULL
 * @cap: entries in @hs
 * @ns: holders' pids as seen from this pid namespace: the caller's, or for
 *	fdinfo the one its /proc was mounted in (as pidfd's fdinfo does)
 *
 * Takes the primitive's lock.
 */
void gs_obj_fill_state(struct gs_obj *obj, struct gosync_state *st, struct gosync_holder *hs,
		       unsigned int cap, struct pid_namespace *ns)
{
	memset(st, 0, sizeof(*st));
	if (obj->type->state)
		obj->type->state(obj->priv, st, hs, cap, ns);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_fill_state);

/** gs_obj_count() - live objects, in every scope (max_objects counts them) */
unsigned int gs_obj_count(void)
{
	return atomic_read(&gs_nr_objects);
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_count);

/** gs_obj_count_ns() - live objects in the caller's scope (LIST's total) */
unsigned int gs_obj_count_ns(void)
{
	struct gs_scope *scope = gs_scope_find_current();
	unsigned int n;

	if (!scope)
		return 0;
	n = atomic_read(&scope->nr_objects);
	gs_scope_put(scope);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(gs_obj_count_ns);

int gs_objects_init(void)
{
	return rhashtable_init(&gs_names, &gs_names_params);
}

/*
 * Module exit: no file refers to an object any more (each file pins the
 * module), so only names hold references, and every scope is live. Drop
 * them all.
 */
void gs_objects_exit(void)
{
	cancel_delayed_work_sync(&gs_sweep_work);
	gs_scopes_sweep(true);
	WARN_ON(atomic_read(&gs_nr_objects));
	rhashtable_destroy(&gs_names);
	/* Objects and scopes are freed after a grace period: wait before the code goes. */
	rcu_barrier();
}
