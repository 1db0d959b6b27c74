// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Mutex, as an object type: create, the MUTEX command, fdinfo, and
 * robustness (a holder's last close). The core is mutex.c.
 */
#include "internal.h"

static void *gs_mutex_new(const void *attr, struct gs_user *user)
{
	const struct gosync_lock_attr *a = attr;

	if ((a->flags & ~GOSYNC_LOCK_ATTR_NONROBUST) || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_mutex_create(!(a->flags & GOSYNC_LOCK_ATTR_NONROBUST));
}

static int gs_mutex_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_lock_cmd *c = ucmd->cmd;
	struct gs_mutex *m = ucmd->obj->priv;
	struct gs_deadline dl;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, c->flags, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_LOCK_LOCK)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_LOCK_LOCK:
		return gs_mutex_lock(m, ucmd->holder, &dl);
	case GOSYNC_LOCK_TRYLOCK:
		return gs_mutex_trylock(m, ucmd->holder);
	case GOSYNC_LOCK_UNLOCK:
		return gs_mutex_unlock(m);
	}
	return -EINVAL;
}

static void gs_mutex_show_fdinfo(struct seq_file *sf, void *priv, struct gs_holder *h)
{
	struct gs_mutex *m = priv;
	unsigned int waiters;
	bool locked, mine, starving;

	spin_lock(&m->lock);
	locked = m->word ? READ_ONCE(*m->word) & GOSYNC_MUTEX_TOKEN : !!m->owner;
	mine = locked && gs_mutex_holds_locked(m, h);
	starving = m->starving;
	waiters = m->nr_waiters;
	spin_unlock(&m->lock);
	seq_printf(sf, "mutex-locked:\t%s\nmutex-waiters:\t%u\nmutex-starving:\t%d\n",
		   mine ? "by this file" : locked ? "yes" : "no", waiters, starving);
}

/* ---- GOSYNC_IOC_WAIT cases: LOCK ---- */

static int gs_mutex_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_mutex_try_case(c->priv, c->holder, sel, index, &c->mw);
}

/* ANY: queue the case in the Mutex's FIFO, where Unlock hands it the lock. */
static int gs_mutex_case_arm(struct gs_case *c)
{
	return gs_mutex_arm(c->priv, c->holder, c->cw.sel, c->cw.index, &c->mw);
}

static int gs_mutex_case_disarm(struct gs_case *c)
{
	return gs_mutex_disarm(c->priv, &c->mw);
}

static wait_queue_head_t *gs_mutex_case_wq(struct gs_case *c)
{
	return &((struct gs_mutex *)c->priv)->wq;
}

static atomic_t *gs_mutex_case_watchers(const struct gs_case *c)
{
	return &((struct gs_mutex *)c->priv)->watchers;
}

static struct gs_lockstat *gs_mutex_case_lockstat(const struct gs_case *c)
{
	return &((struct gs_mutex *)c->priv)->lockstat;
}

static spinlock_t *gs_mutex_case_lock(struct gs_case *c)
{
	return &((struct gs_mutex *)c->priv)->lock;
}

static bool gs_mutex_case_ready_locked(struct gs_case *c)
{
	return gs_mutex_ready_locked(c->priv);
}

static int gs_mutex_case_take_locked(struct gs_case *c)
{
	struct gs_mutex *m = c->priv;

	return gs_lock_counted(m->stats, gs_mutex_take_ready_locked(m, c->holder, NULL, 0),
			       GOSYNC_STAT_LOCKS);
}

static bool gs_mutex_case_self_deadlock(struct gs_case *c)
{
	return gs_mutex_self_deadlock(c->priv, c->holder);
}

static void gs_mutex_case_release(struct gs_case *c)
{
	gs_mutex_give_back(c->priv, c->holder, c->result == -EOWNERDEAD);
}

static void gs_mutex_case_settle(struct gs_case *c)
{
	gs_mutex_settle(c->priv);
}

static const struct gs_case_ops gs_mutex_cases = {
	.ops = BIT(GOSYNC_CASE_LOCK),
	.all_ops = BIT(GOSYNC_CASE_LOCK),
	.try = gs_mutex_case_try,
	.arm = gs_mutex_case_arm,
	.disarm = gs_mutex_case_disarm,
	.wq = gs_mutex_case_wq,
	.watchers = gs_mutex_case_watchers,
	.lock = gs_mutex_case_lock,
	.ready_locked = gs_mutex_case_ready_locked,
	.take_locked = gs_mutex_case_take_locked,
	.self_deadlock = gs_mutex_case_self_deadlock,
	.release = gs_mutex_case_release,
	.settle = gs_mutex_case_settle,
	.lockstat = gs_mutex_case_lockstat,
};

static __poll_t gs_mutex_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_mutex_poll(priv, file, pt);
}

static void gs_mutex_type_destroy(void *priv)
{
	gs_mutex_destroy(priv);
}

static void gs_mutex_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_mutex_holder_gone(priv, h);
}

static struct gs_stats __percpu *gs_mutex_stats(void *priv)
{
	return ((struct gs_mutex *)priv)->stats;
}

static unsigned long gs_mutex_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_mutex));
}

/* The attribute flags are the subtype. */
static u32 gs_mutex_subtype(void *priv)
{
	return ((struct gs_mutex *)priv)->robust ? 0 : GOSYNC_LOCK_ATTR_NONROBUST;
}

static const struct gs_cmd gs_mutex_cmds[] = {
	GS_CMD(MUTEX, gs_mutex_cmd, struct gosync_lock_cmd, timeout_ns),
};

static void gs_mutex_type_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
				unsigned int cap, struct pid_namespace *ns)
{
	struct gs_mutex *m = priv;

	gs_mutex_state(m, st, hs, cap, ns);
	/* Selections and wait-alls asleep on it wait too. */
	st->waiters += atomic_read(&m->watchers);
}

static int gs_mutex_type_map(void *priv, struct gosync_mapped *words)
{
	gs_mutex_map(priv, &words->mutex);
	return 0;
}

/* The object's id, for the tracepoints */
static void gs_mutex_set_id(void *priv, u64 id)
{
	((struct gs_mutex *)priv)->id = id;
}

const struct gs_type gs_mutex_type = {
	.id = GOSYNC_TYPE_MUTEX,
	.name = "mutex",
	.attr_size = sizeof(struct gosync_lock_attr),
	.create = gs_mutex_new,
	.destroy = gs_mutex_type_destroy,
	.holder_gone = gs_mutex_type_holder_gone,
	.poll = gs_mutex_type_poll,
	.stats = gs_mutex_stats,
	.charge = gs_mutex_charge,
	.subtype = gs_mutex_subtype,
	.show_fdinfo = gs_mutex_show_fdinfo,
	.set_id = gs_mutex_set_id,
	.map = gs_mutex_type_map,
	.state = gs_mutex_type_state,
	.subtypes = GOSYNC_LOCK_ATTR_NONROBUST,
	.ops = GENMASK_ULL(GOSYNC_LOCK_UNLOCK, GOSYNC_LOCK_LOCK),
	.cmds = gs_mutex_cmds,
	.nr_cmds = ARRAY_SIZE(gs_mutex_cmds),
	.cases = &gs_mutex_cases,
};
EXPORT_SYMBOL_IF_KUNIT(gs_mutex_type);
