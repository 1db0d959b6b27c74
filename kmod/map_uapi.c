// SPDX-License-Identifier: GPL-2.0
/*
 * gosync map, as an object type: create, the MAP and MAP_RANGE commands and
 * BATCH ops, the only map code that touches user memory. It copies keys
 * and values in before calling the core (map.c) and copies values out after
 * it returns: the core holds no lock then, and a value it hands out is
 * immutable while referenced.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static void *gs_map_new(const void *attr, struct gs_user *user)
{
	const struct gosync_map_attr *a = attr;

	if (a->flags || a->__reserved)
		return ERR_PTR(-EINVAL);
	/* The entries are charged to the creator, who owns the object. */
	return gs_map_create(a->backend, a->max_entries, a->max_bytes, user);
}

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
 * Copy a key of @len bytes (at most GOSYNC_MAP_KEY_MAX, gs_map_check_op())
 * into @key, in one user_access window and a word at a time, as
 * strncpy_from_user() reads: a batch does this for each of its ops, and
 * copy_from_user()'s calls and hardened-usercopy check of a fixed stack
 * buffer cost more than the copy.
 */
static int gs_map_get_key(u64 *key, const u8 __user *src, u32 len)
{
	u8 *dst = (u8 *)key;
	u32 i = 0;

	if (!user_access_begin(src, len))
		return -EFAULT;
	for (; i + sizeof(u64) <= len; i += sizeof(u64))
		unsafe_get_user(key[i / sizeof(u64)], (const u64 __user *)(src + i), efault);
	for (; i < len; i++)
		unsafe_get_user(dst[i], src + i, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/* A request and where its value goes in user memory */
struct gs_map_ureq {
	struct gs_map_req r;
	void __user *out;
};

/*
 * Load's copy_out: under the map's read lock or RCU, so without sleeping
 * (page faults disabled: -EFAULT makes the core Load again with a reference,
 * and then copy_to_user() may fault the page in). As filldir() does, in one
 * user_access window and without hardened usercopy's walk of the slab: the
 * source is a whole gs_map_val's data, @len its length.
 */
int gs_map_copy_out(struct gs_map_req *r, const void *data, u32 len)
{
	struct gs_map_ureq *u = container_of(r, struct gs_map_ureq, r);
	int ret = -EFAULT;

	pagefault_disable();
	if (!user_access_begin(u->out, len))
		goto out;
	unsafe_copy_to_user(u->out, data, len, end);
	ret = 0;
end:
	user_access_end();
out:
	pagefault_enable();
	return ret;
}

/*
 * Run one struct gosync_map_op: copy its operands in, run it, copy the
 * returned value out, and fill its output fields. Return: 0 or -errno (the
 * output fields are meaningful also for -EOVERFLOW and -EFAULT).
 */
static int gs_map_uop(struct gs_map *m, struct gosync_map_op *op)
{
	u32 args = gs_map_operands(op->op);
	struct gs_map_ureq u = {
		.r = { .op = op->op, .flags = op->flags, .out_cap = op->out_cap },
		.out = u64_to_user_ptr(op->out),
	};
	struct gs_map_req *r = &u.r;
	/* key_len bytes are copied in */
	u64 key[GOSYNC_MAP_KEY_MAX / sizeof(u64)] __uninitialized;
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
	/* Room at NULL: refused before the op runs, not after (a Swap's store) */
	if ((args & GOSYNC_MAP_ARG_OUT) && !(op->flags & GOSYNC_MAP_F_NOVALUE) &&
	    op->out_cap && !op->out)
		return -EFAULT;

	if (args & GOSYNC_MAP_ARG_KEY) {
		if (gs_map_get_key(key, u64_to_user_ptr(op->key), op->key_len))
			return -EFAULT;
		r->key.data = (const u8 *)key;
		r->key.len = op->key_len;
	}
	if (args & GOSYNC_MAP_ARG_VALUE) {
		r->val = gs_map_get_val(op->value, op->value_len, &ret);
		if (!r->val)
			return ret;
	}
	if (args & GOSYNC_MAP_ARG_OLD) {
		r->old = gs_map_get_val(op->old, op->old_len, &ret);
		if (!r->old)
			goto out;
	}
	if (op->op == GOSYNC_MAP_LOAD && op->out_cap)
		r->copy_out = gs_map_copy_out;

	/* Checked above, operands as gs_map_operands() says: no second pass. */
	ret = gs_map_run(m, r);
	op->out_len = r->out_len;
	op->result = r->result;
	/* No lock is held here; r->out is immutable while we hold it. */
	if (r->out && copy_to_user(u.out, r->out->data, r->out->len))
		ret = -EFAULT;
out:
	gs_map_val_put(r->out);
	gs_map_val_put(r->old);
	gs_map_val_put(r->val);
	return ret;
}

static int gs_map_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_map_cmd *c = ucmd->cmd;
	int ret, ret2;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_map_uop(ucmd->obj->priv, &c->op);
	if (ret && ret != -EOVERFLOW && ret != -EFAULT)
		return ret;
	/*
	 * EOVERFLOW reports out_len, and an EFAULT'd out what the op did
	 * (result and out_len are 0 if it did not run): write those back too.
	 */
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

static int gs_map_range_cmd(struct gs_ucmd *ucmd)
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

static void gs_map_show_fdinfo(struct seq_file *sf, void *priv, struct gs_holder *h)
{
	struct gs_map *m = priv;

	seq_printf(sf, "map-len:\t%u\nmap-bytes:\t%llu\nmap-max:\t%u entries, %llu bytes\n",
		   READ_ONCE(m->nr), READ_ONCE(m->bytes), m->max_entries, m->max_bytes);
}

static void gs_map_type_destroy(void *priv)
{
	gs_map_destroy(priv);
}

static struct gs_stats __percpu *gs_map_stats(void *priv)
{
	return ((struct gs_map *)priv)->stats;
}

/* An empty map's cost; entries are charged to the owner as they are stored. */
static unsigned long gs_map_charge(void *priv)
{
	return gs_map_cost(priv);
}

static u32 gs_map_subtype(void *priv)
{
	return ((struct gs_map *)priv)->backend;
}

static const struct gs_cmd gs_map_cmds[] = {
	GS_CMD(MAP, gs_map_cmd, struct gosync_map_cmd, op),
	GS_CMD(MAP_RANGE, gs_map_range_cmd, struct gosync_map_range, __reserved),
};

const struct gs_type gs_map_type = {
	.id = GOSYNC_TYPE_MAP,
	.name = "map",
	.attr_size = sizeof(struct gosync_map_attr),
	.create = gs_map_new,
	.destroy = gs_map_type_destroy,
	.stats = gs_map_stats,
	.charge = gs_map_charge,
	.subtype = gs_map_subtype,
	.show_fdinfo = gs_map_show_fdinfo,
	.subtypes = BIT_ULL(GOSYNC_MAP_SPIN) | BIT_ULL(GOSYNC_MAP_RWSEM) | BIT_ULL(GOSYNC_MAP_RCU),
	.ops = GENMASK_ULL(GOSYNC_MAP_LEN, GOSYNC_MAP_LOAD),
	.cmds = gs_map_cmds,
	.nr_cmds = ARRAY_SIZE(gs_map_cmds),
	.batch_op_size = sizeof(struct gosync_map_op),
	.batch_out = offsetof(struct gosync_map_op, out_len),
	.batch_op = gs_map_batch_op,
};
