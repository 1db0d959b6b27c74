// SPDX-License-Identifier: GPL-2.0
/*
 * gosync Cond, as an object type: create (bound to a Mutex named by an fd),
 * the COND command and fdinfo. The core is cond.c.
 */
#include "internal.h"

static void *gs_cond_new(const void *attr, struct gs_user *user)
{
	const struct gosync_cond_attr *a = attr;
	struct gs_fdref ref;
	struct gs_cond *c;
	int ret;

	if (a->flags || a->__reserved)
		return ERR_PTR(-EINVAL);
	ret = gs_obj_fdget(a->mutex_fd, GOSYNC_TYPE_MUTEX, &ref);
	if (ret)
		return ERR_PTR(ret);
	/* The Cond takes its own reference to the Mutex: see gs_cond_create(). */
	c = gs_cond_create(ref.obj);
	gs_obj_fdput(&ref);
	return c;
}

static int gs_cond_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_cond_cmd *c = ucmd->cmd;
	struct gs_cond *cond = ucmd->obj->priv;
	struct gs_deadline dl;
	struct gs_fdref ref;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, c->flags, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	if ((c->flags || c->mutex_fd) && c->op != GOSYNC_COND_WAIT)
		return -EINVAL;

	switch (c->op) {
	case GOSYNC_COND_WAIT:
		ret = gs_obj_fdget(c->mutex_fd, GOSYNC_TYPE_MUTEX, &ref);
		if (ret)
			return ret;
		if (ref.obj == cond->mutex_obj)
			ret = gs_cond_wait(cond, ref.holder, &dl);
		else
			ret = -EINVAL;
		gs_obj_fdput(&ref);
		break;
	case GOSYNC_COND_SIGNAL:
	case GOSYNC_COND_BROADCAST:
		gs_cond_signal(cond, c->op == GOSYNC_COND_BROADCAST);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	c->waiters = gs_cond_waiters(cond);
	return gs_respond(ucmd, sizeof(*c));
}

static void gs_cond_show_fdinfo(struct seq_file *sf, void *priv, struct gs_holder *h)
{
	struct gs_cond *c = priv;

	seq_printf(sf, "cond-mutex-id:\t%llu\ncond-waiters:\t%u\n", c->mutex_obj->id,
		   gs_cond_waiters(c));
}

static void gs_cond_type_destroy(void *priv)
{
	gs_cond_destroy(priv);
}

static struct gs_stats __percpu *gs_cond_stats(void *priv)
{
	return ((struct gs_cond *)priv)->stats;
}

static unsigned long gs_cond_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_cond));
}

static const struct gs_cmd gs_cond_cmds[] = {
	GS_CMD(COND, gs_cond_cmd, struct gosync_cond_cmd, __reserved),
};

/*
 * No poll: a Cond has no state to be ready in (a Signal with nobody waiting
 * is lost, as in Go), so its fds are not pollable and it has no wait cases.
 */
/* INFO: the Waits blocked on it */
static void gs_cond_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
			  unsigned int cap, struct pid_namespace *ns)
{
	st->waiters = gs_cond_waiters(priv);
}

/* The object's id, for the tracepoints */
static void gs_cond_set_id(void *priv, u64 id)
{
	((struct gs_cond *)priv)->id = id;
}

const struct gs_type gs_cond_type = {
	.id = GOSYNC_TYPE_COND,
	.name = "cond",
	.attr_size = sizeof(struct gosync_cond_attr),
	.create = gs_cond_new,
	.destroy = gs_cond_type_destroy,
	.stats = gs_cond_stats,
	.charge = gs_cond_charge,
	.show_fdinfo = gs_cond_show_fdinfo,
	.set_id = gs_cond_set_id,
	.state = gs_cond_state,
	.ops = GENMASK_ULL(GOSYNC_COND_BROADCAST, GOSYNC_COND_WAIT),
	.cmds = gs_cond_cmds,
	.nr_cmds = ARRAY_SIZE(gs_cond_cmds),
};
EXPORT_SYMBOL_IF_KUNIT(gs_cond_type);
