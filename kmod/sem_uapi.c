// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Semaphore, as an object type: create, the SEM command, poll,
 * fdinfo, ACQUIRE cases and robustness (a holder's last close). The core
 * is sem.c.
 */
#include "internal.h"

static void *gs_sem_new(const void *attr, struct gs_user *user)
{
	const struct gosync_sem_attr *a = attr;

	if ((a->flags & ~GOSYNC_SEM_ATTR_NONROBUST) || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_sem_create(a->size, !(a->flags & GOSYNC_SEM_ATTR_NONROBUST));
}

static int gs_sem_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_sem_cmd *c = ucmd->cmd;
	struct gs_sem *s = ucmd->obj->priv;
	struct gs_deadline dl;
	u32 waiters;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, c->flags, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if ((c->flags && c->op != GOSYNC_SEM_ACQUIRE) || (c->n && c->op == GOSYNC_SEM_LOAD))
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_SEM_ACQUIRE:
		ret = gs_sem_acquire(s, ucmd->holder, c->n, &dl);
		break;
	case GOSYNC_SEM_TRYACQUIRE:
		ret = gs_sem_tryacquire(s, ucmd->holder, c->n);
		break;
	case GOSYNC_SEM_RELEASE:
		ret = gs_sem_release(s, ucmd->holder, c->n);
		break;
	case GOSYNC_SEM_LOAD:
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	gs_sem_state(s, ucmd->holder, &c->sem_size, &c->avail, &c->held, &waiters);
	return gs_respond(ucmd, sizeof(*c));
}

static void gs_sem_show_fdinfo(struct seq_file *sf, void *priv, struct gs_holder *h)
{
	u64 size, avail, held;
	u32 waiters;

	gs_sem_state(priv, h, &size, &avail, &held, &waiters);
	seq_printf(sf, "sem-size:\t%llu\nsem-avail:\t%llu\nsem-held:\t%llu\nsem-waiters:\t%u\n",
		   size, avail, held, waiters);
}

/* ---- GOSYNC_IOC_WAIT cases: ACQUIRE ---- */

static int gs_sem_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_sem_try_case(c->priv, c->holder, c->n, sel, index, &c->sw);
}

/* ANY: queue the case in the Semaphore's FIFO, where Release grants it. */
static int gs_sem_case_arm(struct gs_case *c)
{
	return gs_sem_arm(c->priv, c->holder, c->n, c->cw.sel, c->cw.index, &c->sw);
}

static int gs_sem_case_disarm(struct gs_case *c)
{
	return gs_sem_disarm(c->priv, &c->sw);
}

static wait_queue_head_t *gs_sem_case_wq(struct gs_case *c)
{
	return &((struct gs_sem *)c->priv)->wq;
}

static atomic_t *gs_sem_case_watchers(const struct gs_case *c)
{
	return &((struct gs_sem *)c->priv)->watchers;
}

static struct gs_lockstat *gs_sem_case_lockstat(const struct gs_case *c)
{
	return &((struct gs_sem *)c->priv)->lockstat;
}

static spinlock_t *gs_sem_case_lock(struct gs_case *c)
{
	return &((struct gs_sem *)c->priv)->lock;
}

static bool gs_sem_case_ready_locked(struct gs_case *c)
{
	return gs_sem_ready_locked(c->priv, c->n);
}

static int gs_sem_case_take_locked(struct gs_case *c)
{
	struct gs_sem *s = c->priv;
	int ret = gs_sem_take_ready_locked(s, c->holder, c->n, NULL, 0);

	if (!ret) {
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_ACQUIRES, 1);
		gs_stat_add(s->stats, GOSYNC_STAT_SEM_PERMITS_ACQUIRED, c->n);
	}
	return ret;
}

static void gs_sem_case_release(struct gs_case *c)
{
	gs_sem_release(c->priv, c->holder, c->n);
}

static void gs_sem_case_settle(struct gs_case *c)
{
	gs_sem_settle(c->priv);
}

static const struct gs_case_ops gs_sem_cases = {
	.ops = BIT(GOSYNC_CASE_ACQUIRE),
	.all_ops = BIT(GOSYNC_CASE_ACQUIRE),
	.try = gs_sem_case_try,
	.arm = gs_sem_case_arm,
	.disarm = gs_sem_case_disarm,
	.wq = gs_sem_case_wq,
	.watchers = gs_sem_case_watchers,
	.lock = gs_sem_case_lock,
	.ready_locked = gs_sem_case_ready_locked,
	.take_locked = gs_sem_case_take_locked,
	.release = gs_sem_case_release,
	.settle = gs_sem_case_settle,
	.lockstat = gs_sem_case_lockstat,
};

static __poll_t gs_sem_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_sem_poll(priv, file, pt);
}

static void gs_sem_type_destroy(void *priv)
{
	gs_sem_destroy(priv);
}

static void gs_sem_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_sem_holder_gone(priv, h);
}

static struct gs_stats __percpu *gs_sem_stats(void *priv)
{
	return ((struct gs_sem *)priv)->stats;
}

static unsigned long gs_sem_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_sem));
}

/* The attribute flags are the subtype. */
static u32 gs_sem_subtype(void *priv)
{
	return ((struct gs_sem *)priv)->robust ? 0 : GOSYNC_SEM_ATTR_NONROBUST;
}

static const struct gs_cmd gs_sem_cmds[] = {
	GS_CMD(SEM, gs_sem_cmd, struct gosync_sem_cmd, held),
};

static void gs_sem_type_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
			      unsigned int cap, struct pid_namespace *ns)
{
	struct gs_sem *s = priv;

	gs_sem_fill_state(s, st, hs, cap, ns);
	/* Selections and wait-alls asleep on it wait too. */
	st->waiters += atomic_read(&s->watchers);
}

static int gs_sem_type_map(void *priv, struct gosync_mapped *words)
{
	return gs_sem_map(priv, words);
}

/* The object's id, for the tracepoints */
static void gs_sem_set_id(void *priv, u64 id)
{
	((struct gs_sem *)priv)->id = id;
}

const struct gs_type gs_sem_type = {
	.id = GOSYNC_TYPE_SEM,
	.name = "sem",
	.attr_size = sizeof(struct gosync_sem_attr),
	.create = gs_sem_new,
	.destroy = gs_sem_type_destroy,
	.holder_gone = gs_sem_type_holder_gone,
	.poll = gs_sem_type_poll,
	.stats = gs_sem_stats,
	.charge = gs_sem_charge,
	.subtype = gs_sem_subtype,
	.show_fdinfo = gs_sem_show_fdinfo,
	.set_id = gs_sem_set_id,
	.map = gs_sem_type_map,
	.state = gs_sem_type_state,
	.subtypes = GOSYNC_SEM_ATTR_NONROBUST,
	.ops = GENMASK_ULL(GOSYNC_SEM_LOAD, GOSYNC_SEM_ACQUIRE),
	.cmds = gs_sem_cmds,
	.nr_cmds = ARRAY_SIZE(gs_sem_cmds),
	.cases = &gs_sem_cases,
};
EXPORT_SYMBOL_IF_KUNIT(gs_sem_type);
