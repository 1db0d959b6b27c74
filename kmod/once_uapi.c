// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Once, as an object type: create, the ONCE command, poll, fdinfo,
 * and robustness (the runner's last close). The core is once.c.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

static void *gs_once_new(const void *attr, struct gs_user *user)
{
	const struct gosync_once_attr *a = attr;

	if ((a->flags & ~GOSYNC_ONCE_ATTR_RETRY) || a->value_max > GOSYNC_ONCE_VALUE_MAX)
		return ERR_PTR(-EINVAL);
	return gs_once_create(a->flags & GOSYNC_ONCE_ATTR_RETRY, a->value_max);
}

/* COMPLETE: the value from the caller's buffer, then done. */
static int gs_once_cmd_complete(struct gs_once *o, struct gs_holder *h,
				struct gosync_once_cmd *c)
{
	u8 *value = NULL;
	int ret;

	if (c->len > o->value_max)
		return -EMSGSIZE;
	if (c->len) {
		value = kvmalloc(c->len, GOSYNC_GFP);
		if (!value)
			return -ENOMEM;
		if (copy_from_user(value, u64_to_user_ptr(c->buf), c->len)) {
			kvfree(value);
			return -EFAULT;
		}
	}
	ret = gs_once_complete(o, h, value, c->len);
	if (ret)
		kvfree(value);
	return ret;
}

/*
 * DO and LOAD of a done OnceValue: its value out. It never changes once the
 * Once is done, and the caller saw it done under the lock: no lock needed.
 */
static int gs_once_cmd_value(struct gs_once *o, struct gosync_once_cmd *c)
{
	u32 room = c->len;

	c->len = 0;
	if (!(c->result & GOSYNC_ONCE_DONE))
		return 0;
	c->len = o->value_len;
	if (!c->buf)
		return 0;	/* only asked how long it is */
	if (o->value_len > room)
		return -EOVERFLOW;
	if (copy_to_user(u64_to_user_ptr(c->buf), o->value, o->value_len))
		return -EFAULT;
	return 0;
}

static int gs_once_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_once_cmd *c = ucmd->cmd;
	struct gs_once *o = ucmd->obj->priv;
	u32 wait = c->flags & ~GOSYNC_ONCE_F_FAILED;
	bool failed = c->flags & GOSYNC_ONCE_F_FAILED;
	struct gs_deadline dl;
	u64 run = 0;
	int ret, ret2;

	if (c->__reserved || ((c->buf || c->len) && (!o->value_max || failed)))
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, wait, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if ((wait && c->op != GOSYNC_ONCE_DO) || (failed && c->op != GOSYNC_ONCE_COMPLETE))
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_ONCE_DO:
		ret = gs_once_do_run(o, ucmd->holder, &dl, &c->result, &run);
		if (!ret && o->value_max)
			ret = gs_once_cmd_value(o, c);
		break;
	case GOSYNC_ONCE_COMPLETE:
		if (failed)
			ret = gs_once_fail(o, ucmd->holder);
		else
			ret = gs_once_cmd_complete(o, ucmd->holder, c);
		c->result = gs_once_state(o);
		break;
	case GOSYNC_ONCE_LOAD:
		c->result = gs_once_state(o);
		if (o->value_max)
			ret = gs_once_cmd_value(o, c);
		break;
	default:
		return -EINVAL;
	}
	/* EOVERFLOW tells the length the value needs */
	if (ret && ret != -EOVERFLOW)
		return ret;
	ret2 = gs_respond(ucmd, sizeof(*c));
	/*
	 * A runner never told it runs would never Complete, and every Do
	 * would wait for it until this description closes: take this run back.
	 */
	if (ret2 && c->op == GOSYNC_ONCE_DO && (c->result & GOSYNC_ONCE_RUN))
		gs_once_unrun(o, ucmd->holder, run);
	return ret2 ?: ret;
}

static void gs_once_show_fdinfo(struct seq_file *m, void *priv, struct gs_holder *h)
{
	static const char *const states[] = {
		[GOSYNC_ONCE_STATE_NEW] = "new",
		[GOSYNC_ONCE_STATE_RUNNING] = "running",
		[GOSYNC_ONCE_STATE_DONE] = "done",
	};
	struct gs_once *o = priv;
	bool runner, abandoned;
	u32 state;

	spin_lock(&o->lock);
	state = o->state;
	runner = o->runner == h;
	abandoned = o->abandoned;
	spin_unlock(&o->lock);
	seq_printf(m, "once-state:\t%s%s%s\n", states[state],
		   runner ? " (by this file)" : "", abandoned ? " (abandoned)" : "");
}

/* ---- GOSYNC_IOC_WAIT cases: ONCE_DONE ---- */

static int gs_once_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_once_try_case(c->priv, sel, index);
}

static wait_queue_head_t *gs_once_case_wq(struct gs_case *c)
{
	return &((struct gs_once *)c->priv)->wq;
}

static spinlock_t *gs_once_case_lock(struct gs_case *c)
{
	return &((struct gs_once *)c->priv)->lock;
}

static bool gs_once_case_ready_locked(struct gs_case *c)
{
	return gs_once_done_locked(c->priv);
}

static int gs_once_case_take_locked(struct gs_case *c)
{
	return 0;
}

static const struct gs_case_ops gs_once_cases = {
	.ops = BIT(GOSYNC_CASE_ONCE_DONE),
	.all_ops = BIT(GOSYNC_CASE_ONCE_DONE),
	.try = gs_once_case_try,
	.wq = gs_once_case_wq,
	.lock = gs_once_case_lock,
	.ready_locked = gs_once_case_ready_locked,
	.take_locked = gs_once_case_take_locked,
};

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

static struct gs_stats __percpu *gs_once_stats(void *priv)
{
	return ((struct gs_once *)priv)->stats;
}

/*
 * An OnceValue's value is paid for up front, at its longest, as kvmalloc()
 * sizes it (past a few KiB that is a power-of-two number of pages: a
 * 32769-byte value takes 64 KiB).
 */
static unsigned long gs_once_charge(void *priv)
{
	u32 max = ((struct gs_once *)priv)->value_max;

	return gs_obj_charge(sizeof(struct gs_once)) + (max ? kmalloc_size_roundup(max) : 0);
}

/* The attribute flags are the subtype. */
static u32 gs_once_subtype(void *priv)
{
	return ((struct gs_once *)priv)->retry ? GOSYNC_ONCE_ATTR_RETRY : 0;
}

static const struct gs_cmd gs_once_cmds[] = {
	GS_CMD(ONCE, gs_once_cmd, struct gosync_once_cmd, timeout_ns),
};

/* INFO: done or not, and the Dos waiting for the runner */
static void gs_once_type_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
			       unsigned int cap, struct pid_namespace *ns)
{
	gs_once_fill_state(priv, st);
}

/* Any Once may be mapped: its word only tells userspace that it is done. */
static int gs_once_type_map(void *priv, struct gosync_mapped *words)
{
	gs_once_map(priv, &words->once);
	return 0;
}

/* The object's id, for the tracepoints */
static void gs_once_set_id(void *priv, u64 id)
{
	((struct gs_once *)priv)->id = id;
}

const struct gs_type gs_once_type = {
	.id = GOSYNC_TYPE_ONCE,
	.name = "once",
	.attr_size = sizeof(struct gosync_once_attr),
	.create = gs_once_new,
	.destroy = gs_once_type_destroy,
	.holder_gone = gs_once_type_holder_gone,
	.poll = gs_once_type_poll,
	.stats = gs_once_stats,
	.charge = gs_once_charge,
	.subtype = gs_once_subtype,
	.show_fdinfo = gs_once_show_fdinfo,
	.set_id = gs_once_set_id,
	.map = gs_once_type_map,
	.state = gs_once_type_state,
	.subtypes = GOSYNC_ONCE_ATTR_RETRY,
	.ops = GENMASK_ULL(GOSYNC_ONCE_LOAD, GOSYNC_ONCE_DO),
	.cmds = gs_once_cmds,
	.nr_cmds = ARRAY_SIZE(gs_once_cmds),
	.cases = &gs_once_cases,
};
