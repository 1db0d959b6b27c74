// SPDX-License-Identifier: GPL-2.0
/*
 * gosync uapi: a thin, strict translator between ioctls and the core.
 *
 * Dispatch is table-driven (as in iommufd): each command names its struct and
 * the size of that struct's first version. One generic path reads the size,
 * copies the struct in with copy_struct_from_user() (E2BIG for unknown
 * nonzero bytes) and calls the handler; handlers never touch the command
 * struct in user memory, and copy back with gs_respond().
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

union gs_ucmd_buffer {
	struct gosync_version version;
	struct gosync_create create;
	struct gosync_open open;
	struct gosync_unlink unlink;
	struct gosync_list list;
	struct gosync_info_cmd info;
	struct gosync_counter_cmd counter;
	struct gosync_batch batch;
	struct gosync_lock_cmd lock;
	struct gosync_waitgroup_cmd waitgroup;
	struct gosync_once_cmd once;
	struct gosync_torture torture;
	struct gosync_map_cmd map;
	struct gosync_map_range map_range;
};

/* One per open file description of an object: the file's private_data. */
struct gs_handle {
	struct gs_obj *obj;		/* holds a reference */
	struct gs_holder holder;	/* what this description holds */
};

struct gs_ucmd {
	void __user *ubuf;	/* the command struct in user memory */
	u32 user_size;		/* its size as the caller knows it */
	void *cmd;		/* the kernel copy */
	struct gs_obj *obj;	/* the object, for object commands */
	struct gs_holder *holder;	/* the caller's, for object commands */
};

struct gs_ioctl_op {
	unsigned int size;	/* the kernel's struct size */
	unsigned int min_size;	/* size of the struct's first version */
	u32 obj_type;		/* object commands: the type it needs, 0 any */
	int (*execute)(struct gs_ucmd *ucmd);
};

/* Copy the (possibly updated) command struct back, as much as the caller knows. */
static int gs_respond(struct gs_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

/* Copy a name from user memory. Return: 0, -EFAULT, or a name error. */
static int gs_get_name(char *name, u64 uptr)
{
	long len = strncpy_from_user(name, u64_to_user_ptr(uptr), GOSYNC_NAME_MAX);

	if (len < 0)
		return len;
	if (len == GOSYNC_NAME_MAX)
		return -ENAMETOOLONG;
	return gs_name_check(name);
}

/* ---- /dev/gosync commands ---- */

static int gs_cmd_version(struct gs_ucmd *ucmd)
{
	struct gosync_version *v = ucmd->cmd;

	if (v->flags)
		return -EINVAL;
	v->api_version = GOSYNC_API_VERSION;
	v->name_max = GOSYNC_NAME_MAX;
	v->types = BIT_ULL(GOSYNC_TYPE_COUNTER) | BIT_ULL(GOSYNC_TYPE_MUTEX) |
		BIT_ULL(GOSYNC_TYPE_RWMUTEX) | BIT_ULL(GOSYNC_TYPE_WAITGROUP) |
		BIT_ULL(GOSYNC_TYPE_ONCE) | BIT_ULL(GOSYNC_TYPE_MAP);
	v->counter_modes = BIT_ULL(GOSYNC_COUNTER_RACY) | BIT_ULL(GOSYNC_COUNTER_ATOMIC) |
		BIT_ULL(GOSYNC_COUNTER_SPINLOCK) | BIT_ULL(GOSYNC_COUNTER_MUTEX) |
		BIT_ULL(GOSYNC_COUNTER_RWSEM) | BIT_ULL(GOSYNC_COUNTER_PERCPU);
	v->counter_ops = BIT_ULL(GOSYNC_OP_ADD) | BIT_ULL(GOSYNC_OP_LOAD) |
		BIT_ULL(GOSYNC_OP_STORE) | BIT_ULL(GOSYNC_OP_SWAP) |
		BIT_ULL(GOSYNC_OP_CAS) | BIT_ULL(GOSYNC_OP_RESET);
	v->dev_cmds = BIT_ULL(GOSYNC_CMD_VERSION) | BIT_ULL(GOSYNC_CMD_CREATE) |
		BIT_ULL(GOSYNC_CMD_OPEN) | BIT_ULL(GOSYNC_CMD_UNLINK) |
		BIT_ULL(GOSYNC_CMD_LIST) | BIT_ULL(GOSYNC_CMD_TORTURE);
	v->obj_cmds = BIT_ULL(GOSYNC_CMD_INFO - 0x40) |
		BIT_ULL(GOSYNC_CMD_COUNTER - 0x40) | BIT_ULL(GOSYNC_CMD_BATCH - 0x40) |
		BIT_ULL(GOSYNC_CMD_MUTEX - 0x40) | BIT_ULL(GOSYNC_CMD_RWMUTEX - 0x40) |
		BIT_ULL(GOSYNC_CMD_WAITGROUP - 0x40) | BIT_ULL(GOSYNC_CMD_ONCE - 0x40) |
		BIT_ULL(GOSYNC_CMD_MAP - 0x40) | BIT_ULL(GOSYNC_CMD_MAP_RANGE - 0x40);
	v->batch_max = GOSYNC_BATCH_MAX;
	v->max_objects = READ_ONCE(gs_max_objects);
	v->map_backends = BIT_ULL(GOSYNC_MAP_SPIN) | BIT_ULL(GOSYNC_MAP_RWSEM) |
		BIT_ULL(GOSYNC_MAP_RCU);
	v->map_ops = GENMASK_ULL(GOSYNC_MAP_LEN, GOSYNC_MAP_LOAD);
	v->map_key_max = GOSYNC_MAP_KEY_MAX;
	v->map_value_max = GOSYNC_MAP_VALUE_MAX;
	return gs_respond(ucmd, sizeof(*v));
}

/*
 * Give @obj a new O_CLOEXEC fd, passing the caller's reference on to the
 * file, and publish it under @name (if not NULL) before the fd is visible.
 */
static int gs_obj_install_fd(struct gs_obj *obj, const char *name)
{
	struct gs_handle *handle;
	struct file *file;
	int fd, ret;

	handle = kzalloc(sizeof(*handle), GOSYNC_GFP);
	if (!handle) {
		gs_obj_put(obj);
		return -ENOMEM;
	}
	handle->obj = obj;
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kfree(handle);
		gs_obj_put(obj);
		return fd;
	}
	/*
	 * Types that can wait get ->poll. The others have none: epoll_ctl()
	 * then refuses them (EPERM) instead of waiting forever, and poll()
	 * and select() report them ready, as for regular files.
	 */
	file = anon_inode_getfile("[gosync]", obj->type->poll ? &gs_obj_poll_fops :
				  &gs_obj_fops, handle, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(handle);
		gs_obj_put(obj);
		return PTR_ERR(file);
	}
	atomic_inc(&obj->nr_files);
	if (name) {
		ret = gs_obj_publish(obj, name);
		if (ret) {
			fput(file);	/* its release drops the reference */
			put_unused_fd(fd);
			return ret;
		}
	}
	fd_install(fd, file);
	return fd;
}

/* ---- object types: create attributes in, primitive out ---- */

/* Bytes of the attribute union past a type's own struct must be zero. */
static bool gs_attr_tail_clear(const struct gosync_create *c, size_t used)
{
	return !memchr_inv((const u8 *)c->__attr + used, 0, sizeof(c->__attr) - used);
}

static u32 gs_counter_subtype(void *priv)
{
	return ((struct gs_counter *)priv)->mode;
}

static void gs_counter_type_destroy(void *priv)
{
	gs_counter_destroy(priv);
}

static u64 gs_counter_type_charge(void *priv)
{
	return gs_counter_cost(priv);
}

static const struct gs_obj_type gs_counter_type = {
	.type = GOSYNC_TYPE_COUNTER,
	.subtype = gs_counter_subtype,
	.destroy = gs_counter_type_destroy,
	.charge = gs_counter_type_charge,
};

static void *gs_counter_new(const struct gosync_create *c)
{
	const struct gosync_counter_attr *a = &c->counter;

	if (a->flags || a->__reserved || !gs_attr_tail_clear(c, sizeof(*a)))
		return ERR_PTR(-EINVAL);
	return gs_counter_create(a->mode, a->initial, a->racy_delay_ns);
}

/* Mutex and RWMutex: the attribute flags are the subtype. */
static bool gs_lock_attr_ok(const struct gosync_create *c)
{
	return !(c->lock.flags & ~GOSYNC_LOCK_ATTR_NONROBUST) && !c->lock.__reserved &&
	       gs_attr_tail_clear(c, sizeof(c->lock));
}

static u32 gs_mutex_subtype(void *priv)
{
	return ((struct gs_mutex *)priv)->robust ? 0 : GOSYNC_LOCK_ATTR_NONROBUST;
}

static void gs_mutex_type_destroy(void *priv)
{
	gs_mutex_destroy(priv);
}

static void gs_mutex_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_mutex_holder_gone(priv, h);
}

static u64 gs_mutex_type_charge(void *priv)
{
	return kmalloc_size_roundup(sizeof(struct gs_mutex));
}

static const struct gs_obj_type gs_mutex_type = {
	.type = GOSYNC_TYPE_MUTEX,
	.charge = gs_mutex_type_charge,
	.subtype = gs_mutex_subtype,
	.destroy = gs_mutex_type_destroy,
	.holder_gone = gs_mutex_type_holder_gone,
};

static void *gs_mutex_new(const struct gosync_create *c)
{
	if (!gs_lock_attr_ok(c))
		return ERR_PTR(-EINVAL);
	return gs_mutex_create(!(c->lock.flags & GOSYNC_LOCK_ATTR_NONROBUST));
}

static u32 gs_rwmutex_subtype(void *priv)
{
	return ((struct gs_rwmutex *)priv)->robust ? 0 : GOSYNC_LOCK_ATTR_NONROBUST;
}

static void gs_rwmutex_type_destroy(void *priv)
{
	gs_rwmutex_destroy(priv);
}

static void gs_rwmutex_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_rwmutex_holder_gone(priv, h);
}

static u64 gs_rwmutex_type_charge(void *priv)
{
	return kmalloc_size_roundup(sizeof(struct gs_rwmutex));
}

static const struct gs_obj_type gs_rwmutex_type = {
	.type = GOSYNC_TYPE_RWMUTEX,
	.charge = gs_rwmutex_type_charge,
	.subtype = gs_rwmutex_subtype,
	.destroy = gs_rwmutex_type_destroy,
	.holder_gone = gs_rwmutex_type_holder_gone,
};

static void *gs_rwmutex_new(const struct gosync_create *c)
{
	if (!gs_lock_attr_ok(c))
		return ERR_PTR(-EINVAL);
	return gs_rwmutex_create(!(c->lock.flags & GOSYNC_LOCK_ATTR_NONROBUST));
}

static u32 gs_no_subtype(void *priv)
{
	return 0;
}

static void gs_waitgroup_type_destroy(void *priv)
{
	gs_waitgroup_destroy(priv);
}

static __poll_t gs_waitgroup_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_waitgroup_poll(priv, file, pt);
}

static u64 gs_waitgroup_type_charge(void *priv)
{
	return kmalloc_size_roundup(sizeof(struct gs_waitgroup));
}

static const struct gs_obj_type gs_waitgroup_type = {
	.type = GOSYNC_TYPE_WAITGROUP,
	.charge = gs_waitgroup_type_charge,
	.subtype = gs_no_subtype,
	.destroy = gs_waitgroup_type_destroy,
	.poll = gs_waitgroup_type_poll,
};

static void *gs_waitgroup_new(const struct gosync_create *c)
{
	if (!gs_attr_tail_clear(c, 0))
		return ERR_PTR(-EINVAL);
	return gs_waitgroup_create();
}

static u32 gs_once_subtype(void *priv)
{
	return ((struct gs_once *)priv)->retry ? GOSYNC_ONCE_ATTR_RETRY : 0;
}

static void gs_once_type_destroy(void *priv)
{
	gs_once_destroy(priv);
}

static void gs_once_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_once_holder_gone(priv, h);
}

static __poll_t gs_once_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_once_poll(priv, file, pt);
}

static u64 gs_once_type_charge(void *priv)
{
	return kmalloc_size_roundup(sizeof(struct gs_once));
}

static const struct gs_obj_type gs_once_type = {
	.type = GOSYNC_TYPE_ONCE,
	.charge = gs_once_type_charge,
	.subtype = gs_once_subtype,
	.destroy = gs_once_type_destroy,
	.holder_gone = gs_once_type_holder_gone,
	.poll = gs_once_type_poll,
};

static void *gs_once_new(const struct gosync_create *c)
{
	if ((c->once.flags & ~GOSYNC_ONCE_ATTR_RETRY) || c->once.__reserved ||
	    !gs_attr_tail_clear(c, sizeof(c->once)))
		return ERR_PTR(-EINVAL);
	return gs_once_create(c->once.flags & GOSYNC_ONCE_ATTR_RETRY);
}

static u32 gs_map_subtype(void *priv)
{
	return ((struct gs_map *)priv)->backend;
}

static void gs_map_type_destroy(void *priv)
{
	gs_map_destroy(priv);
}

static void gs_map_type_fill_stats(void *priv, u64 *stats)
{
	gs_map_fill_stats(priv, stats);
}

/* An empty map's cost; entries are charged to the owner as they are stored. */
static u64 gs_map_type_charge(void *priv)
{
	return gs_map_cost(priv);
}

static const struct gs_obj_type gs_map_type = {
	.type = GOSYNC_TYPE_MAP,
	.subtype = gs_map_subtype,
	.destroy = gs_map_type_destroy,
	.fill_stats = gs_map_type_fill_stats,
	.charge = gs_map_type_charge,
};

static void *gs_map_new(const struct gosync_create *c)
{
	const struct gosync_map_attr *a = &c->map;
	struct gs_user *user;
	void *m;

	if (a->flags || a->__reserved || !gs_attr_tail_clear(c, sizeof(*a)))
		return ERR_PTR(-EINVAL);
	/* The entries are charged to the creator, who owns the object. */
	user = gs_user_get_current();
	if (IS_ERR(user))
		return user;
	m = gs_map_create(a->backend, a->max_entries, a->max_bytes, user);
	gs_user_put(user);
	return m;
}

/* Every creatable type, by enum gosync_type */
static const struct {
	const struct gs_obj_type *type;
	void *(*create)(const struct gosync_create *c);
} gs_creators[] = {
	[GOSYNC_TYPE_COUNTER] = { &gs_counter_type, gs_counter_new },
	[GOSYNC_TYPE_MUTEX] = { &gs_mutex_type, gs_mutex_new },
	[GOSYNC_TYPE_RWMUTEX] = { &gs_rwmutex_type, gs_rwmutex_new },
	[GOSYNC_TYPE_WAITGROUP] = { &gs_waitgroup_type, gs_waitgroup_new },
	[GOSYNC_TYPE_ONCE] = { &gs_once_type, gs_once_new },
	[GOSYNC_TYPE_MAP] = { &gs_map_type, gs_map_new },
};

static int gs_cmd_create(struct gs_ucmd *ucmd)
{
	struct gosync_create *c = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	const struct gs_obj_type *type;
	struct gs_obj *obj;
	void *priv;
	int ret;

	if (c->flags || c->perm > 0777 || (c->perm && !c->name))
		return -EINVAL;
	if (c->name) {
		ret = gs_get_name(name, c->name);
		if (ret)
			return ret;
	}

	if (c->type >= ARRAY_SIZE(gs_creators) || !gs_creators[c->type].type)
		return -EINVAL;
	type = gs_creators[c->type].type;
	priv = gs_creators[c->type].create(c);
	if (IS_ERR(priv))
		return PTR_ERR(priv);

	obj = gs_obj_new(type, priv, c->perm ?: 0600);
	if (IS_ERR(obj)) {
		type->destroy(priv);
		return PTR_ERR(obj);
	}
	return gs_obj_install_fd(obj, c->name ? name : NULL);
}

static int gs_cmd_open(struct gs_ucmd *ucmd)
{
	struct gosync_open *o = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	struct gs_obj *obj;
	int ret;

	if (o->flags || o->__reserved)
		return -EINVAL;
	ret = gs_get_name(name, o->name);
	if (ret)
		return ret;
	obj = gs_obj_lookup(name, o->type);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return gs_obj_install_fd(obj, NULL);
}

static int gs_cmd_unlink(struct gs_ucmd *ucmd)
{
	struct gosync_unlink *u = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	int ret;

	if (u->flags)
		return -EINVAL;
	ret = gs_get_name(name, u->name);
	if (ret)
		return ret;
	return gs_obj_unlink(name);
}

#define GOSYNC_LIST_CHUNK 16

static int gs_cmd_list(struct gs_ucmd *ucmd)
{
	struct gosync_list *l = ucmd->cmd;
	void __user *uentries = u64_to_user_ptr(l->entries);
	size_t usize = l->entry_size, ksize = sizeof(struct gosync_info);
	struct gosync_info *buf;
	unsigned int done = 0;
	u64 cursor = l->cursor;
	int ret = 0;

	if (l->flags || l->__reserved ||
	    usize < offsetof(struct gosync_info, stats) || usize > PAGE_SIZE)
		return -EINVAL;
	buf = kmalloc_array(GOSYNC_LIST_CHUNK, ksize, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	/* Chunks keep the lock hold short; ids order makes resuming exact. */
	while (done < l->count) {
		unsigned int want = min_t(unsigned int, l->count - done, GOSYNC_LIST_CHUNK);
		unsigned int i, n;
		u64 next;

		n = gs_obj_list(cursor, buf, want, &next);
		for (i = 0; i < n; i++, done++) {
			void __user *dst = uentries + (size_t)done * usize;

			if (copy_to_user(dst, &buf[i], min(usize, ksize)) ||
			    (usize > ksize && clear_user(dst + ksize, usize - ksize))) {
				ret = -EFAULT;
				goto out;
			}
		}
		cursor = next;
		if (!next)
			break;
	}
	l->count = done;
	l->cursor = cursor;
	l->total = gs_obj_count();
	ret = gs_respond(ucmd, sizeof(*l));
out:
	kfree(buf);
	return ret;
}

static int gs_cmd_torture(struct gs_ucmd *ucmd)
{
	struct gosync_torture *t = ucmd->cmd;
	struct gosync_torture_thread *res;
	unsigned int n;
	int ret, ret2;

	if (t->flags || t->nr_writers > GOSYNC_TORTURE_MAX_THREADS ||
	    t->nr_readers > GOSYNC_TORTURE_MAX_THREADS)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	n = t->nr_writers + t->nr_readers;
	res = kcalloc(max(n, 1U), sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	t->errors = 0;
	t->write_ops = 0;
	t->read_ops = 0;
	t->elapsed_ns = 0;
	t->lost = 0;
	ret = gs_torture_run(t, res);
	if (ret && ret != -EINTR)
		goto out;
	if (t->threads && copy_to_user(u64_to_user_ptr(t->threads), res, n * sizeof(*res)))
		ret = -EFAULT;
	ret2 = gs_respond(ucmd, sizeof(*t));
	ret = ret ?: ret2;
out:
	kfree(res);
	return ret;
}

/* ---- object commands ---- */

static int gs_cmd_info(struct gs_ucmd *ucmd)
{
	struct gosync_info_cmd *c = ucmd->cmd;

	if (c->flags)
		return -EINVAL;
	gs_obj_fill_info(ucmd->obj, &c->info);
	return gs_respond(ucmd, sizeof(*c));
}

/* Run one counter op and count it in the object's stats. */
static int gs_counter_op(struct gs_obj *obj, u32 op, u32 flags,
			 s64 arg, s64 expected, s64 *result)
{
	static const u8 stat[] = {
		[GOSYNC_OP_ADD] = GOSYNC_STAT_ADD,
		[GOSYNC_OP_LOAD] = GOSYNC_STAT_LOAD,
		[GOSYNC_OP_STORE] = GOSYNC_STAT_STORE,
		[GOSYNC_OP_SWAP] = GOSYNC_STAT_SWAP,
		[GOSYNC_OP_CAS] = GOSYNC_STAT_CAS,
		[GOSYNC_OP_RESET] = GOSYNC_STAT_RESET,
	};
	int ret = gs_counter_do(obj->priv, op, flags, arg, expected, result);

	if (ret)
		return ret;
	gs_obj_stat_inc(obj, stat[op]);
	if (op == GOSYNC_OP_CAS && *result != expected)
		gs_obj_stat_inc(obj, GOSYNC_STAT_CAS_FAILED);
	return 0;
}

static int gs_cmd_counter(struct gs_ucmd *ucmd)
{
	struct gosync_counter_cmd *c = ucmd->cmd;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_counter_op(ucmd->obj, c->op, c->flags, c->arg, c->expected,
			    &c->result);
	if (ret)
		return ret;
	return gs_respond(ucmd, sizeof(*c));
}

/* Run one counter op of a batch in place; return its error. */
static int gs_counter_batch_op(struct gs_obj *obj, void *p)
{
	struct gosync_op *op = p;

	op->result = 0;
	op->error = op->__reserved ? -EINVAL :
		gs_counter_op(obj, op->op, op->flags, op->arg, op->expected,
			      &op->result);
	return op->error;
}

/* ---- maps ---- */

/* Copy a value operand of @len bytes from user memory into a new value. */
static struct gs_map_val *gs_map_get_val(u64 uptr, u32 len, int *err)
{
	struct gs_map_val *v = gs_map_val_alloc(len);

	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	if (copy_from_user(v->data, u64_to_user_ptr(uptr), len)) {
		gs_map_val_put(v);
		*err = -EFAULT;
		return NULL;
	}
	return v;
}

/*
 * Run one struct gosync_map_op: copy its operands in, run it, copy the
 * returned value out, and fill its output fields. Return: 0 or -errno (the
 * output fields are meaningful also for -EOVERFLOW).
 */
static int gs_map_uop(struct gs_map *m, struct gosync_map_op *op)
{
	u32 args = gs_map_operands(op->op);
	struct gs_map_req r = {
		.op = op->op, .flags = op->flags, .out_cap = op->out_cap,
	};
	u8 key[GOSYNC_MAP_KEY_MAX];
	int ret;

	op->out_len = 0;
	op->error = 0;
	op->result = 0;
	ret = gs_map_check_op(op->op, op->flags, op->key_len, op->value_len,
			      op->old_len, op->out_cap);
	if (ret)
		return ret;
	/* Pointers of operands the op does not take must be 0 too. */
	if ((!(args & GOSYNC_MAP_ARG_KEY) && op->key) ||
	    (!(args & GOSYNC_MAP_ARG_VALUE) && op->value) ||
	    (!(args & GOSYNC_MAP_ARG_OLD) && op->old) ||
	    ((!(args & GOSYNC_MAP_ARG_OUT) || (op->flags & GOSYNC_MAP_F_NOVALUE)) && op->out))
		return -EINVAL;

	if (args & GOSYNC_MAP_ARG_KEY) {
		if (copy_from_user(key, u64_to_user_ptr(op->key), op->key_len))
			return -EFAULT;
		r.key.data = key;
		r.key.len = op->key_len;
	}
	if (args & GOSYNC_MAP_ARG_VALUE) {
		r.val = gs_map_get_val(op->value, op->value_len, &ret);
		if (!r.val)
			return ret;
	}
	if (args & GOSYNC_MAP_ARG_OLD) {
		r.old = gs_map_get_val(op->old, op->old_len, &ret);
		if (!r.old)
			goto out;
	}

	ret = gs_map_do(m, &r);
	op->out_len = r.out_len;
	op->result = r.result;
	/* No lock is held here; r.out is immutable while we hold it. */
	if (r.out && copy_to_user(u64_to_user_ptr(op->out), r.out->data, r.out->len))
		ret = -EFAULT;
out:
	gs_map_val_put(r.out);
	gs_map_val_put(r.old);
	gs_map_val_put(r.val);
	return ret;
}

static int gs_cmd_map(struct gs_ucmd *ucmd)
{
	struct gosync_map_cmd *c = ucmd->cmd;
	int ret, ret2;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_map_uop(ucmd->obj->priv, &c->op);
	if (ret && ret != -EOVERFLOW)
		return ret;
	/* EOVERFLOW reports out_len: write the struct back for it too. */
	ret2 = gs_respond(ucmd, sizeof(*c));
	return ret2 ?: ret;
}

/* Run one map op of a batch in place; return its error. */
static int gs_map_batch_op(struct gs_obj *obj, void *p)
{
	struct gosync_map_op *op = p;
	int err = gs_map_uop(obj->priv, op);

	op->error = err;
	return err;
}

static int gs_cmd_map_range(struct gs_ucmd *ucmd)
{
	struct gosync_map_range *c = ucmd->cmd;
	static const u8 zeros[8];	/* record padding */
	struct gs_map *m = ucmd->obj->priv;
	u8 __user *ubuf = u64_to_user_ptr(c->buf);
	u32 used = 0;
	u8 *key;
	int ret;

	if (c->flags || c->__reserved)
		return -EINVAL;
	ret = gs_map_range_check(m, c->start, c->pos);
	if (ret)
		return ret;
	if (!c->start && !c->pos)
		c->start = gs_map_range_start(m);
	key = kmalloc(GOSYNC_MAP_KEY_MAX, GFP_KERNEL);
	if (!key)
		return -ENOMEM;

	c->count = 0;
	c->needed = 0;
	c->done = 0;
	for (;;) {
		struct gosync_map_entry e;
		struct gs_map_val *v;
		u64 seq, size;
		u32 pad;

		ret = gs_map_range_next(m, c->start, c->pos, key, &e.key_len, &v, &seq);
		if (ret == -ENOENT) {
			c->done = 1;
			c->pos = c->start;
			ret = 0;
			break;
		}
		if (ret)
			break;
		e.value_len = v->len;
		size = GOSYNC_MAP_ENTRY_SIZE(e.key_len, e.value_len);
		if (size > c->buf_len - used) {
			gs_map_val_put(v);
			if (!c->count) {
				c->needed = size;
				ret = -EOVERFLOW;
			}
			break;
		}
		/* No lock held: the key is our copy, the value is immutable. */
		pad = size - sizeof(e) - e.key_len - e.value_len;
		if (copy_to_user(ubuf + used, &e, sizeof(e)) ||
		    copy_to_user(ubuf + used + sizeof(e), key, e.key_len) ||
		    copy_to_user(ubuf + used + sizeof(e) + e.key_len, v->data, v->len) ||
		    copy_to_user(ubuf + used + size - pad, zeros, pad)) {
			gs_map_val_put(v);
			ret = -EFAULT;
			break;
		}
		gs_map_val_put(v);
		used += size;
		c->count++;
		c->pos = seq;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(key);
	if (ret && ret != -EOVERFLOW)
		return ret;
	return gs_respond(ucmd, sizeof(*c)) ?: ret;
}

/*
 * GOSYNC_IOC_BATCH per object type: the op struct and how to run one.
 * @exec runs one op in place (copied in), fills its result and error
 * fields and returns the error.
 */
struct gs_batch_type {
	size_t op_size;
	int (*exec)(struct gs_obj *obj, void *op);
};

static const struct gs_batch_type gs_batch_types[] = {
	[GOSYNC_TYPE_COUNTER] = {
		.op_size = sizeof(struct gosync_op), .exec = gs_counter_batch_op,
	},
	[GOSYNC_TYPE_MAP] = {
		.op_size = sizeof(struct gosync_map_op), .exec = gs_map_batch_op,
	},
};

/* Bytes of ops per copy in and out: small enough for the stack, big enough to amortize. */
#define GOSYNC_BATCH_CHUNK 512

static int gs_cmd_batch(struct gs_ucmd *ucmd)
{
	struct gosync_batch *b = ucmd->cmd;
	u32 type = ucmd->obj->type->type;
	const struct gs_batch_type *bt;
	u8 __user *uops = u64_to_user_ptr(b->ops);
	u64 chunk[GOSYNC_BATCH_CHUNK / sizeof(u64)];
	bool stop = false;
	size_t size;
	int ret = 0, ret2;

	if (type >= ARRAY_SIZE(gs_batch_types) || !gs_batch_types[type].exec)
		return -ENOTTY;
	bt = &gs_batch_types[type];
	size = bt->op_size;
	if ((b->flags & ~GOSYNC_BATCH_STOP_ON_ERROR) || b->__reserved || b->op_size != size)
		return -EINVAL;
	if (b->count > GOSYNC_BATCH_MAX)
		return -E2BIG;

	b->done = 0;
	while (b->done < b->count && !stop) {
		unsigned int n = min_t(unsigned int, b->count - b->done, sizeof(chunk) / size);
		unsigned int i;
		int err;

		if (copy_from_user(chunk, uops + b->done * size, n * size)) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n && !stop; i++) {
			err = bt->exec(ucmd->obj, (u8 *)chunk + i * size);
			if (err == -EINTR) {
				ret = -EINTR;
				stop = true;
			} else if (err && (b->flags & GOSYNC_BATCH_STOP_ON_ERROR)) {
				stop = true;
			}
		}
		/* i ops ran: write back exactly those */
		if (copy_to_user(uops + b->done * size, chunk, i * size)) {
			ret = -EFAULT;
			break;
		}
		b->done += i;
		cond_resched();
	}
	ret2 = gs_respond(ucmd, sizeof(*b));
	return ret ?: ret2;
}

/* Deadline for a wait: KTIME_MAX unless GOSYNC_WAIT_TIMEOUT. */
static int gs_deadline(u32 flags, u64 timeout_ns, ktime_t *deadline)
{
	if (flags & ~GOSYNC_WAIT_TIMEOUT)
		return -EINVAL;
	if (!(flags & GOSYNC_WAIT_TIMEOUT)) {
		*deadline = KTIME_MAX;
		return timeout_ns ? -EINVAL : 0;
	}
	*deadline = ktime_add_safe(ktime_get(), ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX)));
	return 0;
}

/* Count a blocking call's outcome in the object's lock stats. */
static void gosync_lock_stat(struct gs_obj *obj, int ret, unsigned int ok_stat)
{
	switch (ret) {
	case -EOWNERDEAD:
		gs_obj_stat_inc(obj, GOSYNC_STAT_OWNER_DEAD);
		fallthrough;
	case 0:
		gs_obj_stat_inc(obj, ok_stat);
		break;
	case -EBUSY:
		gs_obj_stat_inc(obj, GOSYNC_STAT_BUSY);
		break;
	case -ETIMEDOUT:
		gs_obj_stat_inc(obj, GOSYNC_STAT_TIMEOUTS);
		break;
	case -EINTR:
		gs_obj_stat_inc(obj, GOSYNC_STAT_INTERRUPTS);
		break;
	}
}

static int gs_cmd_mutex(struct gs_ucmd *ucmd)
{
	struct gosync_lock_cmd *c = ucmd->cmd;
	struct gs_mutex *m = ucmd->obj->priv;
	ktime_t deadline;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_deadline(c->flags, c->timeout_ns, &deadline);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_LOCK_LOCK)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_LOCK_LOCK:
		ret = gs_mutex_lock(m, ucmd->holder, deadline);
		break;
	case GOSYNC_LOCK_TRYLOCK:
		ret = gs_mutex_trylock(m, ucmd->holder);
		break;
	case GOSYNC_LOCK_UNLOCK:
		ret = gs_mutex_unlock(m);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_UNLOCKS);
		return ret;
	default:
		return -EINVAL;
	}
	gosync_lock_stat(ucmd->obj, ret, GOSYNC_STAT_LOCKS);
	return ret;
}

static int gs_cmd_rwmutex(struct gs_ucmd *ucmd)
{
	struct gosync_lock_cmd *c = ucmd->cmd;
	struct gs_rwmutex *rw = ucmd->obj->priv;
	bool writer = c->op <= GOSYNC_LOCK_UNLOCK;
	ktime_t deadline;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_deadline(c->flags, c->timeout_ns, &deadline);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_LOCK_LOCK && c->op != GOSYNC_LOCK_RLOCK)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_LOCK_LOCK:
	case GOSYNC_LOCK_RLOCK:
		ret = gs_rwmutex_lock(rw, ucmd->holder, writer, deadline);
		break;
	case GOSYNC_LOCK_TRYLOCK:
	case GOSYNC_LOCK_TRYRLOCK:
		ret = gs_rwmutex_trylock(rw, ucmd->holder, writer);
		break;
	case GOSYNC_LOCK_UNLOCK:
	case GOSYNC_LOCK_RUNLOCK:
		ret = writer ? gs_rwmutex_unlock(rw) : gs_rwmutex_runlock(rw, ucmd->holder);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_UNLOCKS);
		return ret;
	default:
		return -EINVAL;
	}
	gosync_lock_stat(ucmd->obj, ret, writer ? GOSYNC_STAT_LOCKS : GOSYNC_STAT_RLOCKS);
	return ret;
}

static int gs_cmd_waitgroup(struct gs_ucmd *ucmd)
{
	struct gosync_waitgroup_cmd *c = ucmd->cmd;
	struct gs_waitgroup *wg = ucmd->obj->priv;
	ktime_t deadline;
	int ret;

	if (c->__reserved || (c->delta && c->op != GOSYNC_WG_ADD))
		return -EINVAL;
	ret = gs_deadline(c->flags, c->timeout_ns, &deadline);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_WG_WAIT)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_WG_ADD:
	case GOSYNC_WG_DONE:
		ret = gs_waitgroup_add(wg, c->op == GOSYNC_WG_DONE ? -1 : c->delta,
				       &c->counter);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_WG_ADDS);
		else if (ret == -EINVAL || ret == -EBUSY)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_WG_MISUSE);
		break;
	case GOSYNC_WG_WAIT:
		ret = gs_waitgroup_wait(wg, deadline);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_WG_WAITS);
		c->counter = gs_waitgroup_load(wg);
		break;
	case GOSYNC_WG_LOAD:
		c->counter = gs_waitgroup_load(wg);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	return gs_respond(ucmd, sizeof(*c));
}

static int gs_cmd_once(struct gs_ucmd *ucmd)
{
	struct gosync_once_cmd *c = ucmd->cmd;
	struct gs_once *o = ucmd->obj->priv;
	ktime_t deadline;
	int ret;

	ret = gs_deadline(c->flags, c->timeout_ns, &deadline);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_ONCE_DO)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_ONCE_DO:
		ret = gs_once_do(o, ucmd->holder, deadline, &c->result);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_ONCE_DOS);
		if (!ret && (c->result & GOSYNC_ONCE_RUN))
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_ONCE_RUNS);
		break;
	case GOSYNC_ONCE_COMPLETE:
		ret = gs_once_complete(o, ucmd->holder);
		if (!ret)
			gs_obj_stat_inc(ucmd->obj, GOSYNC_STAT_ONCE_COMPLETES);
		c->result = gs_once_state(o);
		break;
	case GOSYNC_ONCE_LOAD:
		c->result = gs_once_state(o);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	return gs_respond(ucmd, sizeof(*c));
}

/* ---- dispatch ---- */

#define IOCTL_OP(_cmd, _fn, _struct, _last, _type)			\
	[GOSYNC_CMD_##_cmd & 0x3f] = {					\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.obj_type = _type,					\
		.execute = _fn,						\
	}

static_assert(offsetofend(struct gosync_version, max_objects) == GOSYNC_VERSION_SIZE_VER0);

static const struct gs_ioctl_op gs_dev_ops[] = {
	IOCTL_OP(VERSION, gs_cmd_version, struct gosync_version, max_objects, 0),
	IOCTL_OP(CREATE, gs_cmd_create, struct gosync_create, __attr, 0),
	IOCTL_OP(OPEN, gs_cmd_open, struct gosync_open, __reserved, 0),
	IOCTL_OP(UNLINK, gs_cmd_unlink, struct gosync_unlink, name, 0),
	IOCTL_OP(LIST, gs_cmd_list, struct gosync_list, __reserved, 0),
	IOCTL_OP(TORTURE, gs_cmd_torture, struct gosync_torture, lost, 0),
};

static const struct gs_ioctl_op gs_obj_ops[] = {
	IOCTL_OP(INFO, gs_cmd_info, struct gosync_info_cmd, info, 0),
	IOCTL_OP(COUNTER, gs_cmd_counter, struct gosync_counter_cmd, result,
		 GOSYNC_TYPE_COUNTER),
	/* any type with an entry in gs_batch_types[] */
	IOCTL_OP(BATCH, gs_cmd_batch, struct gosync_batch, __reserved, 0),
	IOCTL_OP(MUTEX, gs_cmd_mutex, struct gosync_lock_cmd, timeout_ns,
		 GOSYNC_TYPE_MUTEX),
	IOCTL_OP(RWMUTEX, gs_cmd_rwmutex, struct gosync_lock_cmd, timeout_ns,
		 GOSYNC_TYPE_RWMUTEX),
	IOCTL_OP(WAITGROUP, gs_cmd_waitgroup, struct gosync_waitgroup_cmd, counter,
		 GOSYNC_TYPE_WAITGROUP),
	IOCTL_OP(ONCE, gs_cmd_once, struct gosync_once_cmd, timeout_ns,
		 GOSYNC_TYPE_ONCE),
	IOCTL_OP(MAP, gs_cmd_map, struct gosync_map_cmd, op, GOSYNC_TYPE_MAP),
	IOCTL_OP(MAP_RANGE, gs_cmd_map_range, struct gosync_map_range, __reserved,
		 GOSYNC_TYPE_MAP),
};

static long gs_ioctl(const struct gs_ioctl_op *table, size_t n,
		     unsigned int base, struct gs_handle *handle,
			 unsigned int cmd, unsigned long arg)
{
	struct gs_obj *obj = handle ? handle->obj : NULL;
	union gs_ucmd_buffer buf;
	const struct gs_ioctl_op *op;
	struct gs_ucmd ucmd = {
		.ubuf = (void __user *)arg, .cmd = &buf, .obj = obj,
		.holder = handle ? &handle->holder : NULL,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	/* The size is in the struct, not the command: anything but _IO() is foreign. */
	if (cmd != _IO(GOSYNC_IOCTL_MAGIC, nr) || nr < base || nr - base >= n)
		return -ENOTTY;
	op = &table[nr - base];
	if (!op->execute || (op->obj_type && obj->type->type != op->obj_type))
		return -ENOTTY;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	/* As openat2() and clone3(): no struct will ever be bigger than a page. */
	if (ucmd.user_size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuf, ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

long gs_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return gs_ioctl(gs_dev_ops, ARRAY_SIZE(gs_dev_ops), 0, NULL,
			    cmd, arg);
}

static long gs_obj_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return gs_ioctl(gs_obj_ops, ARRAY_SIZE(gs_obj_ops), 0x40,
			    file->private_data, cmd, arg);
}

/* Poll readiness of the primitive, for types that have one (WaitGroup, Once). */
static __poll_t gs_obj_poll(struct file *file, poll_table *pt)
{
	struct gs_handle *handle = file->private_data;
	struct gs_obj *obj = handle->obj;

	return obj->type->poll(obj->priv, file, pt);
}

/* The last fd of this description closed: release what it holds. */
static int gs_obj_file_release(struct inode *inode, struct file *file)
{
	struct gs_handle *handle = file->private_data;
	struct gs_obj *obj = handle->obj;

	if (obj->type->holder_gone)
		obj->type->holder_gone(obj->priv, &handle->holder);
	atomic_dec(&obj->nr_files);
	kfree(handle);
	gs_obj_put(obj);
	return 0;
}

const struct file_operations gs_obj_fops = {
	.owner = THIS_MODULE,
	.release = gs_obj_file_release,
	.unlocked_ioctl = gs_obj_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

const struct file_operations gs_obj_poll_fops = {
	.owner = THIS_MODULE,
	.release = gs_obj_file_release,
	.poll = gs_obj_poll,
	.unlocked_ioctl = gs_obj_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};
