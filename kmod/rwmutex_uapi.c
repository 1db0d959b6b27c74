// SPDX-License-Identifier: GPL-2.0
/*
 * gosync RWMutex, as an object type: create, the RWMUTEX command, fdinfo,
 * and robustness (a holder's last close). The core is rwmutex.c.
 */
#include "internal.h"

static void *gs_rwmutex_new(const void *attr, struct gs_user *user)
{
	const struct gosync_lock_attr *a = attr;

	if ((a->flags & ~GOSYNC_LOCK_ATTR_NONROBUST) || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_rwmutex_create(!(a->flags & GOSYNC_LOCK_ATTR_NONROBUST));
}

static int gs_rwmutex_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_lock_cmd *c = ucmd->cmd;
	struct gs_rwmutex *rw = ucmd->obj->priv;
	bool writer = c->op <= GOSYNC_LOCK_UNLOCK;
	struct gs_deadline dl;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, c->flags, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if (c->flags && c->op != GOSYNC_LOCK_LOCK && c->op != GOSYNC_LOCK_RLOCK)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_LOCK_LOCK:
	case GOSYNC_LOCK_RLOCK:
		return gs_rwmutex_lock(rw, ucmd->holder, writer, &dl);
	case GOSYNC_LOCK_TRYLOCK:
	case GOSYNC_LOCK_TRYRLOCK:
		return gs_rwmutex_trylock(rw, ucmd->holder, writer);
	case GOSYNC_LOCK_UNLOCK:
		return gs_rwmutex_unlock(rw);
	case GOSYNC_LOCK_RUNLOCK:
		return gs_rwmutex_runlock(rw, ucmd->holder);
	}
	return -EINVAL;
}

static void gs_rwmutex_show_fdinfo(struct seq_file *sf, void *priv, struct gs_holder *h)
{
	struct gs_rwmutex *rw = priv;
	unsigned int readers, mine, waiters;
	bool writer, my_write;

	spin_lock(&rw->lock);
	if (rw->word) {
		/* A snapshot; read locks are anonymous (rwmutex.c) */
		u64 v = atomic64_read(rw->word);
		u64 token = v & GOSYNC_RWMUTEX_WRITER;

		writer = token;
		my_write = token && token == (h->token ?: GOSYNC_RWMUTEX_WRITER);
		readers = (v & GOSYNC_RWMUTEX_READERS) >> GOSYNC_RWMUTEX_READER_SHIFT;
	} else {
		writer = rw->writer;
		my_write = rw->writer == h;
		readers = rw->readers;
	}
	mine = h->rlocks;
	waiters = rw->nr_waiters;
	spin_unlock(&rw->lock);
	seq_printf(sf, "rwmutex-write-locked:\t%s\n",
		   my_write ? "by this file" : writer ? "yes" : "no");
	/* Mapped read locks are anonymous: whose they are is unknown. */
	if (rw->word)
		seq_printf(sf, "rwmutex-readers:\t%u (mapped: anonymous)\n", readers);
	else
		seq_printf(sf, "rwmutex-readers:\t%u (%u by this file)\n", readers, mine);
	seq_printf(sf, "rwmutex-waiters:\t%u\n", waiters);
}

/* ---- GOSYNC_IOC_WAIT cases: LOCK, RLOCK ---- */

static int gs_rwmutex_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_rwmutex_try_case(c->priv, c->holder, c->op == GOSYNC_CASE_LOCK, sel, index,
				   &c->rww);
}

/* ANY: queue the case in the RWMutex's FIFO, where an unlock grants it. */
static int gs_rwmutex_case_arm(struct gs_case *c)
{
	return gs_rwmutex_arm(c->priv, c->holder, c->op == GOSYNC_CASE_LOCK, c->cw.sel,
			      c->cw.index, &c->rww);
}

static int gs_rwmutex_case_disarm(struct gs_case *c)
{
	return gs_rwmutex_disarm(c->priv, &c->rww);
}

static wait_queue_head_t *gs_rwmutex_case_wq(struct gs_case *c)
{
	return &((struct gs_rwmutex *)c->priv)->wq;
}

static atomic_t *gs_rwmutex_case_watchers(const struct gs_case *c)
{
	return &((struct gs_rwmutex *)c->priv)->watchers;
}

static struct gs_lockstat *gs_rwmutex_case_lockstat(const struct gs_case *c)
{
	return &((struct gs_rwmutex *)c->priv)->lockstat;
}

static spinlock_t *gs_rwmutex_case_lock(struct gs_case *c)
{
	return &((struct gs_rwmutex *)c->priv)->lock;
}

static bool gs_rwmutex_case_ready_locked(struct gs_case *c)
{
	return gs_rwmutex_ready_locked(c->priv, c->op == GOSYNC_CASE_LOCK);
}

static int gs_rwmutex_case_take_locked(struct gs_case *c)
{
	struct gs_rwmutex *rw = c->priv;
	bool writer = c->op == GOSYNC_CASE_LOCK;

	return gs_lock_counted(rw->stats,
			       gs_rwmutex_take_ready_locked(rw, c->holder, writer, NULL, 0),
			       writer ? GOSYNC_STAT_LOCKS : GOSYNC_STAT_RLOCKS);
}

static bool gs_rwmutex_case_self_deadlock(struct gs_case *c)
{
	return gs_rwmutex_self_deadlock(c->priv, c->holder, c->op == GOSYNC_CASE_LOCK);
}

static void gs_rwmutex_case_release(struct gs_case *c)
{
	gs_rwmutex_give_back(c->priv, c->holder, c->op == GOSYNC_CASE_LOCK,
			     c->result == -EOWNERDEAD);
}

static void gs_rwmutex_case_settle(struct gs_case *c)
{
	gs_rwmutex_settle(c->priv);
}

static const struct gs_case_ops gs_rwmutex_cases = {
	.ops = BIT(GOSYNC_CASE_LOCK) | BIT(GOSYNC_CASE_RLOCK),
	.all_ops = BIT(GOSYNC_CASE_LOCK) | BIT(GOSYNC_CASE_RLOCK),
	.try = gs_rwmutex_case_try,
	.arm = gs_rwmutex_case_arm,
	.disarm = gs_rwmutex_case_disarm,
	.wq = gs_rwmutex_case_wq,
	.watchers = gs_rwmutex_case_watchers,
	.lock = gs_rwmutex_case_lock,
	.ready_locked = gs_rwmutex_case_ready_locked,
	.take_locked = gs_rwmutex_case_take_locked,
	.self_deadlock = gs_rwmutex_case_self_deadlock,
	.release = gs_rwmutex_case_release,
	.settle = gs_rwmutex_case_settle,
	.lockstat = gs_rwmutex_case_lockstat,
};

static __poll_t gs_rwmutex_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_rwmutex_poll(priv, file, pt);
}

static void gs_rwmutex_type_destroy(void *priv)
{
	gs_rwmutex_destroy(priv);
}

static void gs_rwmutex_type_holder_gone(void *priv, struct gs_holder *h)
{
	gs_rwmutex_holder_gone(priv, h);
}

static struct gs_stats __percpu *gs_rwmutex_stats(void *priv)
{
	return ((struct gs_rwmutex *)priv)->stats;
}

static unsigned long gs_rwmutex_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_rwmutex));
}

/* The attribute flags are the subtype. */
static u32 gs_rwmutex_subtype(void *priv)
{
	return ((struct gs_rwmutex *)priv)->robust ? 0 : GOSYNC_LOCK_ATTR_NONROBUST;
}

static const struct gs_cmd gs_rwmutex_cmds[] = {
	GS_CMD(RWMUTEX, gs_rwmutex_cmd, struct gosync_lock_cmd, timeout_ns),
};

static void gs_rwmutex_type_state(void *priv, struct gosync_state *st,
				  struct gosync_holder *hs, unsigned int cap,
				  struct pid_namespace *ns)
{
	struct gs_rwmutex *rw = priv;

	gs_rwmutex_state(rw, st, hs, cap, ns);
	/* Selections and wait-alls asleep on it wait too. */
	st->waiters += atomic_read(&rw->watchers);
}

static int gs_rwmutex_type_map(void *priv, struct gosync_mapped *words)
{
	return gs_rwmutex_map(priv, &words->rwmutex);
}

/* The object's id, for the tracepoints */
static void gs_rwmutex_set_id(void *priv, u64 id)
{
	((struct gs_rwmutex *)priv)->id = id;
}

const struct gs_type gs_rwmutex_type = {
	.id = GOSYNC_TYPE_RWMUTEX,
	.name = "rwmutex",
	.attr_size = sizeof(struct gosync_lock_attr),
	.create = gs_rwmutex_new,
	.destroy = gs_rwmutex_type_destroy,
	.holder_gone = gs_rwmutex_type_holder_gone,
	.poll = gs_rwmutex_type_poll,
	.stats = gs_rwmutex_stats,
	.charge = gs_rwmutex_charge,
	.subtype = gs_rwmutex_subtype,
	.show_fdinfo = gs_rwmutex_show_fdinfo,
	.set_id = gs_rwmutex_set_id,
	.map = gs_rwmutex_type_map,
	.state = gs_rwmutex_type_state,
	.subtypes = GOSYNC_LOCK_ATTR_NONROBUST,
	.ops = GENMASK_ULL(GOSYNC_LOCK_RUNLOCK, GOSYNC_LOCK_LOCK),
	.cmds = gs_rwmutex_cmds,
	.nr_cmds = ARRAY_SIZE(gs_rwmutex_cmds),
	.cases = &gs_rwmutex_cases,
};
EXPORT_SYMBOL_IF_KUNIT(gs_rwmutex_type);
