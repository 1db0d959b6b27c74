// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Once, as an object type: create, the ONCE command, poll, fdinfo,
 * and robustness (the runner's last close). The core is once.c.
 */
#include "internal.h"

static void *gs_once_new(const void *attr, struct gs_user *user)
{
	const struct gosync_once_attr *a = attr;

	if ((a->flags & ~GOSYNC_ONCE_ATTR_RETRY) || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_once_create(a->flags & GOSYNC_ONCE_ATTR_RETRY);
}

static int gs_once_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_once_cmd *c = ucmd->cmd;
	struct gs_once *o = ucmd->obj->priv;
	struct gs_deadline dl;
	int ret;

	ret = gs_deadline(c->flags, c->timeout_ns, &dl);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_ONCE_DO)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_ONCE_DO:
		ret = gs_once_do(o, ucmd->holder, &dl, &c->result);
		break;
	case GOSYNC_ONCE_COMPLETE:
		ret = gs_once_complete(o, ucmd->holder);
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

static unsigned long gs_once_charge(void *priv)
{
	return kmalloc_size_roundup(sizeof(struct gs_once)) +
	       num_possible_cpus() * sizeof(struct gs_stats);
}

/* The attribute flags are the subtype. */
static u32 gs_once_subtype(void *priv)
{
	return ((struct gs_once *)priv)->retry ? GOSYNC_ONCE_ATTR_RETRY : 0;
}

static const struct gs_cmd gs_once_cmds[] = {
	GS_CMD(ONCE, gs_once_cmd, struct gosync_once_cmd, timeout_ns),
};

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
	.subtypes = GOSYNC_ONCE_ATTR_RETRY,
	.ops = GENMASK_ULL(GOSYNC_ONCE_LOAD, GOSYNC_ONCE_DO),
	.cmds = gs_once_cmds,
	.nr_cmds = ARRAY_SIZE(gs_once_cmds),
	.cases = &gs_once_cases,
};
