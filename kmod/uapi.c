// SPDX-License-Identifier: GPL-2.0
/*
 * gosync uapi: a thin, strict translator between ioctls and the core.
 *
 * Dispatch is table-driven (as in iommufd): each command names its struct and
 * the size of that struct's first version. One generic path reads the size,
 * copies the struct in with copy_struct_from_user() (E2BIG for unknown
 * nonzero bytes) and calls the handler; handlers never touch the command
 * struct in user memory, and copy back with gosync_respond().
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "gosync.h"

union gosync_ucmd_buffer {
	struct gosync_version version;
	struct gosync_create create;
	struct gosync_open open;
	struct gosync_unlink unlink;
	struct gosync_list list;
	struct gosync_info_cmd info;
	struct gosync_counter_cmd counter;
	struct gosync_batch batch;
};

struct gosync_ucmd {
	void __user *ubuf;	/* the command struct in user memory */
	u32 user_size;		/* its size as the caller knows it */
	void *cmd;		/* the kernel copy */
	struct gosync_obj *obj;	/* the object, for object commands */
};

struct gosync_ioctl_op {
	unsigned int size;	/* the kernel's struct size */
	unsigned int min_size;	/* size of the struct's first version */
	u32 obj_type;		/* object commands: the type it needs, 0 any */
	int (*execute)(struct gosync_ucmd *ucmd);
};

/* Copy the (possibly updated) command struct back, as much as the caller knows. */
static int gosync_respond(struct gosync_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

/* Copy a name from user memory. Return: 0, -EFAULT, or a name error. */
static int gosync_get_name(char *name, u64 uptr)
{
	long len = strncpy_from_user(name, u64_to_user_ptr(uptr), GOSYNC_NAME_MAX);

	if (len < 0)
		return len;
	if (len == GOSYNC_NAME_MAX)
		return -ENAMETOOLONG;
	return gosync_name_check(name);
}

/* ---- /dev/gosync commands ---- */

static int gosync_cmd_version(struct gosync_ucmd *ucmd)
{
	struct gosync_version *v = ucmd->cmd;

	if (v->flags)
		return -EINVAL;
	v->api_version = GOSYNC_API_VERSION;
	v->name_max = GOSYNC_NAME_MAX;
	v->types = BIT_ULL(GOSYNC_TYPE_COUNTER);
	v->counter_modes = BIT_ULL(GOSYNC_COUNTER_RACY) | BIT_ULL(GOSYNC_COUNTER_ATOMIC) |
		BIT_ULL(GOSYNC_COUNTER_SPINLOCK) | BIT_ULL(GOSYNC_COUNTER_MUTEX) |
		BIT_ULL(GOSYNC_COUNTER_RWSEM) | BIT_ULL(GOSYNC_COUNTER_PERCPU);
	v->counter_ops = BIT_ULL(GOSYNC_OP_ADD) | BIT_ULL(GOSYNC_OP_LOAD) |
		BIT_ULL(GOSYNC_OP_STORE) | BIT_ULL(GOSYNC_OP_SWAP) |
		BIT_ULL(GOSYNC_OP_CAS) | BIT_ULL(GOSYNC_OP_RESET);
	v->dev_cmds = BIT_ULL(GOSYNC_CMD_VERSION) | BIT_ULL(GOSYNC_CMD_CREATE) |
		BIT_ULL(GOSYNC_CMD_OPEN) | BIT_ULL(GOSYNC_CMD_UNLINK) |
		BIT_ULL(GOSYNC_CMD_LIST);
	v->obj_cmds = BIT_ULL(GOSYNC_CMD_INFO - 0x40) |
		BIT_ULL(GOSYNC_CMD_COUNTER - 0x40) | BIT_ULL(GOSYNC_CMD_BATCH - 0x40);
	v->batch_max = GOSYNC_BATCH_MAX;
	v->max_objects = READ_ONCE(gosync_max_objects);
	return gosync_respond(ucmd, sizeof(*v));
}

/*
 * Give @obj a new O_CLOEXEC fd, passing the caller's reference on to the
 * file, and publish it under @name (if not NULL) before the fd is visible.
 */
static int gosync_obj_install_fd(struct gosync_obj *obj, const char *name)
{
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		gosync_obj_put(obj);
		return fd;
	}
	file = anon_inode_getfile("[gosync]", &gosync_obj_fops, obj, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		gosync_obj_put(obj);
		return PTR_ERR(file);
	}
	atomic_inc(&obj->nr_files);
	if (name) {
		ret = gosync_obj_publish(obj, name);
		if (ret) {
			fput(file);	/* its release drops the reference */
			put_unused_fd(fd);
			return ret;
		}
	}
	fd_install(fd, file);
	return fd;
}

static u32 gosync_counter_subtype(void *priv)
{
	return ((struct gosync_counter *)priv)->mode;
}

static void gosync_counter_type_destroy(void *priv)
{
	gosync_counter_destroy(priv);
}

static const struct gosync_obj_type gosync_counter_type = {
	.type = GOSYNC_TYPE_COUNTER,
	.subtype = gosync_counter_subtype,
	.destroy = gosync_counter_type_destroy,
};

static void *gosync_counter_new(const struct gosync_create *c)
{
	const struct gosync_counter_attr *a = &c->counter;

	if (a->flags || a->__reserved ||
	    memchr_inv((const u8 *)c->__attr + sizeof(*a), 0, sizeof(c->__attr) - sizeof(*a)))
		return ERR_PTR(-EINVAL);
	return gosync_counter_create(a->mode, a->initial, a->racy_delay_ns);
}

static int gosync_cmd_create(struct gosync_ucmd *ucmd)
{
	struct gosync_create *c = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	const struct gosync_obj_type *type;
	struct gosync_obj *obj;
	void *priv;
	int ret;

	if (c->flags || c->perm > 0777 || (c->perm && !c->name))
		return -EINVAL;
	if (c->name) {
		ret = gosync_get_name(name, c->name);
		if (ret)
			return ret;
	}

	switch (c->type) {
	case GOSYNC_TYPE_COUNTER:
		type = &gosync_counter_type;
		priv = gosync_counter_new(c);
		break;
	default:
		return -EINVAL;
	}
	if (IS_ERR(priv))
		return PTR_ERR(priv);

	obj = gosync_obj_new(type, priv, c->perm ?: 0600);
	if (IS_ERR(obj)) {
		type->destroy(priv);
		return PTR_ERR(obj);
	}
	return gosync_obj_install_fd(obj, c->name ? name : NULL);
}

static int gosync_cmd_open(struct gosync_ucmd *ucmd)
{
	struct gosync_open *o = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	struct gosync_obj *obj;
	int ret;

	if (o->flags || o->__reserved)
		return -EINVAL;
	ret = gosync_get_name(name, o->name);
	if (ret)
		return ret;
	obj = gosync_obj_lookup(name, o->type);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return gosync_obj_install_fd(obj, NULL);
}

static int gosync_cmd_unlink(struct gosync_ucmd *ucmd)
{
	struct gosync_unlink *u = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	int ret;

	if (u->flags)
		return -EINVAL;
	ret = gosync_get_name(name, u->name);
	if (ret)
		return ret;
	return gosync_obj_unlink(name);
}

#define GOSYNC_LIST_CHUNK 16

static int gosync_cmd_list(struct gosync_ucmd *ucmd)
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

		n = gosync_obj_list(cursor, buf, want, &next);
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
	l->total = gosync_obj_count();
	ret = gosync_respond(ucmd, sizeof(*l));
out:
	kfree(buf);
	return ret;
}

/* ---- object commands ---- */

static int gosync_cmd_info(struct gosync_ucmd *ucmd)
{
	struct gosync_info_cmd *c = ucmd->cmd;

	if (c->flags)
		return -EINVAL;
	gosync_obj_fill_info(ucmd->obj, &c->info);
	return gosync_respond(ucmd, sizeof(*c));
}

/* Run one counter op and count it in the object's stats. */
static int gosync_counter_op(struct gosync_obj *obj, u32 op, u32 flags,
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
	int ret = gosync_counter_do(obj->priv, op, flags, arg, expected, result);

	if (ret)
		return ret;
	gosync_obj_stat_inc(obj, stat[op]);
	if (op == GOSYNC_OP_CAS && *result != expected)
		gosync_obj_stat_inc(obj, GOSYNC_STAT_CAS_FAILED);
	return 0;
}

static int gosync_cmd_counter(struct gosync_ucmd *ucmd)
{
	struct gosync_counter_cmd *c = ucmd->cmd;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gosync_counter_op(ucmd->obj, c->op, c->flags, c->arg, c->expected,
				&c->result);
	if (ret)
		return ret;
	return gosync_respond(ucmd, sizeof(*c));
}

/* Ops per copy in and out: small enough for the stack, big enough to amortize. */
#define GOSYNC_BATCH_CHUNK 8

static int gosync_cmd_batch(struct gosync_ucmd *ucmd)
{
	struct gosync_batch *b = ucmd->cmd;
	struct gosync_op __user *uops = u64_to_user_ptr(b->ops);
	struct gosync_op ops[GOSYNC_BATCH_CHUNK];
	bool stop = false;
	int ret = 0, ret2;

	if ((b->flags & ~GOSYNC_BATCH_STOP_ON_ERROR) || b->__reserved ||
	    b->op_size != sizeof(struct gosync_op))
		return -EINVAL;
	if (b->count > GOSYNC_BATCH_MAX)
		return -E2BIG;

	b->done = 0;
	while (b->done < b->count && !stop) {
		unsigned int n = min_t(unsigned int, b->count - b->done, GOSYNC_BATCH_CHUNK);
		unsigned int i;

		if (copy_from_user(ops, uops + b->done, n * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n && !stop; i++) {
			struct gosync_op *op = &ops[i];

			op->result = 0;
			op->error = op->__reserved ? -EINVAL :
				gosync_counter_op(ucmd->obj, op->op, op->flags, op->arg,
						  op->expected, &op->result);
			if (op->error == -EINTR) {
				ret = -EINTR;
				stop = true;
			} else if (op->error && (b->flags & GOSYNC_BATCH_STOP_ON_ERROR)) {
				stop = true;
			}
		}
		/* i ops ran: write back exactly those */
		if (copy_to_user(uops + b->done, ops, i * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		b->done += i;
		cond_resched();
	}
	ret2 = gosync_respond(ucmd, sizeof(*b));
	return ret ?: ret2;
}

/* ---- dispatch ---- */

#define IOCTL_OP(_cmd, _fn, _struct, _last, _type)			\
	[GOSYNC_CMD_##_cmd & 0x3f] = {					\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.obj_type = _type,					\
		.execute = _fn,						\
	}

static const struct gosync_ioctl_op gosync_dev_ops[] = {
	IOCTL_OP(VERSION, gosync_cmd_version, struct gosync_version, max_objects, 0),
	IOCTL_OP(CREATE, gosync_cmd_create, struct gosync_create, __attr, 0),
	IOCTL_OP(OPEN, gosync_cmd_open, struct gosync_open, __reserved, 0),
	IOCTL_OP(UNLINK, gosync_cmd_unlink, struct gosync_unlink, name, 0),
	IOCTL_OP(LIST, gosync_cmd_list, struct gosync_list, __reserved, 0),
};

static const struct gosync_ioctl_op gosync_obj_ops[] = {
	IOCTL_OP(INFO, gosync_cmd_info, struct gosync_info_cmd, info, 0),
	IOCTL_OP(COUNTER, gosync_cmd_counter, struct gosync_counter_cmd, result,
		 GOSYNC_TYPE_COUNTER),
	IOCTL_OP(BATCH, gosync_cmd_batch, struct gosync_batch, __reserved,
		 GOSYNC_TYPE_COUNTER),
};

static long gosync_ioctl(const struct gosync_ioctl_op *table, size_t n,
			 unsigned int base, struct gosync_obj *obj,
			 unsigned int cmd, unsigned long arg)
{
	union gosync_ucmd_buffer buf;
	const struct gosync_ioctl_op *op;
	struct gosync_ucmd ucmd = { .ubuf = (void __user *)arg, .cmd = &buf, .obj = obj };
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
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuf, ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

long gosync_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return gosync_ioctl(gosync_dev_ops, ARRAY_SIZE(gosync_dev_ops), 0, NULL,
			    cmd, arg);
}

static long gosync_obj_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return gosync_ioctl(gosync_obj_ops, ARRAY_SIZE(gosync_obj_ops), 0x40,
			    file->private_data, cmd, arg);
}

static int gosync_obj_file_release(struct inode *inode, struct file *file)
{
	struct gosync_obj *obj = file->private_data;

	atomic_dec(&obj->nr_files);
	gosync_obj_put(obj);
	return 0;
}

const struct file_operations gosync_obj_fops = {
	.owner = THIS_MODULE,
	.release = gosync_obj_file_release,
	.unlocked_ioctl = gosync_obj_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};
