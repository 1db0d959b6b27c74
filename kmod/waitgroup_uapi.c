// SPDX-License-Identifier: GPL-2.0
/*
 * gosync WaitGroup, as an object type: create, the WAITGROUP command, poll,
 * fdinfo, and held Adds (a holder's last close). The core is waitgroup.c.
 */
#include "internal.h"

static void *gs_waitgroup_new(const void *attr, struct gs_user *user)
{
	return gs_waitgroup_create();
}

static int gs_waitgroup_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_waitgroup_cmd *c = ucmd->cmd;
	struct gs_waitgroup *wg = ucmd->obj->priv;
	u32 held = c->flags & (GOSYNC_WG_F_HOLD | GOSYNC_WG_F_UNHELD);
	u32 wait = c->flags & ~held;
	struct gs_deadline dl;
	int ret;

	if (c->__reserved || (c->delta && c->op != GOSYNC_WG_ADD) ||
	    ((c->flags & GOSYNC_WG_F_HOLD) && c->op != GOSYNC_WG_ADD) ||
	    ((c->flags & GOSYNC_WG_F_UNHELD) && c->op != GOSYNC_WG_ADD && c->op != GOSYNC_WG_DONE))
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, wait, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if (wait && c->op != GOSYNC_WG_WAIT)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_WG_ADD:
	case GOSYNC_WG_DONE:
		/* (the core checks the delta each flag needs) */
		ret = gs_waitgroup_add(wg, ucmd->holder, c->op == GOSYNC_WG_DONE ? -1 : c->delta,
				       held, &c->counter);
		break;
	case GOSYNC_WG_WAIT:
		ret = gs_waitgroup_wait(wg, &dl);
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

static void gs_waitgroup_show_fdinfo(struct seq_file *m, void *priv, struct gs_holder *h)
{
	struct gs_waitgroup *wg = priv;
	unsigned int waiters;
	s64 count;

	spin_lock(&wg->lock);
	count = gs_waitgroup_count_locked(wg);
	waiters = wg->waiters;
	spin_unlock(&wg->lock);
	seq_printf(m, "waitgroup-counter:\t%lld\nwaitgroup-waiters:\t%u\n", count, waiters);
}

/* ---- GOSYNC_IOC_WAIT cases: WG_ZERO ---- */

static int gs_waitgroup_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_waitgroup_try_case(c->priv, &c->gen, sel, index);
}

static wait_queue_head_t *gs_waitgroup_case_wq(struct gs_case *c)
{
	return &((struct gs_waitgroup *)c->priv)->wq;
}

static atomic_t *gs_waitgroup_case_watchers(const struct gs_case *c)
{
	return &((struct gs_waitgroup *)c->priv)->watchers;
}

static spinlock_t *gs_waitgroup_case_lock(struct gs_case *c)
{
	return &((struct gs_waitgroup *)c->priv)->lock;
}

static bool gs_waitgroup_case_ready_locked(struct gs_case *c)
{
	return gs_waitgroup_zero_locked(c->priv);
}

static int gs_waitgroup_case_take_locked(struct gs_case *c)
{
	return 0;
}

static const struct gs_case_ops gs_waitgroup_cases = {
	.ops = BIT(GOSYNC_CASE_WG_ZERO),
	.all_ops = BIT(GOSYNC_CASE_WG_ZERO),
	.try = gs_waitgroup_case_try,
	.wq = gs_waitgroup_case_wq,
	.watchers = gs_waitgroup_case_watchers,
	.lock = gs_waitgroup_case_lock,
	.ready_locked = gs_waitgroup_case_ready_locked,
	.take_locked = gs_waitgroup_case_take_locked,
};

static void gs_waitgroup_type_destroy(void *priv)
{
	gs_waitgroup_destroy(priv);
}

static void gs_waitgroup_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_waitgroup_holder_gone(priv, h);
}

static void gs_waitgroup_type_unmapped(void *priv)
{
	gs_waitgroup_unmapped(priv);
}

static __poll_t gs_waitgroup_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_waitgroup_poll(priv, file, pt);
}

static struct gs_stats __percpu *gs_waitgroup_stats(void *priv)
{
	return ((struct gs_waitgroup *)priv)->stats;
}

static unsigned long gs_waitgroup_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_waitgroup));
}

static const struct gs_cmd gs_waitgroup_cmds[] = {
	GS_CMD(WAITGROUP, gs_waitgroup_cmd, struct gosync_waitgroup_cmd, counter),
};

/* INFO: the counter and the Waits blocked on it */
static void gs_waitgroup_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
			       unsigned int cap, struct pid_namespace *ns)
{
	struct gs_waitgroup *wg = priv;

	spin_lock(&wg->lock);
	st->value = gs_waitgroup_count_locked(wg);
	st->waiters = wg->waiters;
	spin_unlock(&wg->lock);
	/* Selections and wait-alls asleep on it wait too. */
	st->waiters += atomic_read(&wg->watchers);
}

static int gs_waitgroup_type_map(void *priv, struct gosync_mapped *words)
{
	return gs_waitgroup_map(priv, &words->waitgroup);
}

/* The object's id, for the tracepoints */
static void gs_waitgroup_set_id(void *priv, u64 id)
{
	((struct gs_waitgroup *)priv)->id = id;
}

const struct gs_type gs_waitgroup_type = {
	.id = GOSYNC_TYPE_WAITGROUP,
	.name = "waitgroup",
	.attr_size = 0,
	.create = gs_waitgroup_new,
	.destroy = gs_waitgroup_type_destroy,
	.holder_gone = gs_waitgroup_type_holder_gone,
	.poll = gs_waitgroup_type_poll,
	.stats = gs_waitgroup_stats,
	.charge = gs_waitgroup_charge,
	.show_fdinfo = gs_waitgroup_show_fdinfo,
	.set_id = gs_waitgroup_set_id,
	.map = gs_waitgroup_type_map,
	.unmapped = gs_waitgroup_type_unmapped,
	.state = gs_waitgroup_state,
	.ops = GENMASK_ULL(GOSYNC_WG_LOAD, GOSYNC_WG_ADD),
	.cmds = gs_waitgroup_cmds,
	.nr_cmds = ARRAY_SIZE(gs_waitgroup_cmds),
	.cases = &gs_waitgroup_cases,
};
