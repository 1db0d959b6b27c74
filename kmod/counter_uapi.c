// SPDX-License-Identifier: GPL-2.0
/*
 * gosync counter, as an object type: create from attributes, the COUNTER
 * command and BATCH ops. The core is counter.c.
 */
#include "internal.h"

static void *gs_counter_new(const void *attr, struct gs_user *user)
{
	const struct gosync_counter_attr *a = attr;

	if (a->flags || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_counter_create(a->mode, a->initial, a->racy_delay_ns);
}

static int gs_counter_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_counter_cmd *c = ucmd->cmd;
	int ret;

	if (c->__reserved)
		return -EINVAL;
	ret = gs_counter_do(ucmd->obj->priv, c->op, c->flags, c->arg, c->expected, &c->result);
	if (ret)
		return ret;
	return gs_respond(ucmd, sizeof(*c));
}

/* Run one op of a batch in place; return its error. */
static int gs_counter_batch_op(struct gs_obj *obj, void *p)
{
	struct gosync_op *op = p;

	op->result = 0;
	op->error = op->__reserved ? -EINVAL :
		gs_counter_do(obj->priv, op->op, op->flags, op->arg, op->expected, &op->result);
	return op->error;
}

/* Reading fdinfo is not a Load of the counter: the stats do not count it. */
static void gs_counter_show_fdinfo(struct seq_file *m, void *priv, struct gs_holder *h)
{
	s64 v;

	if (!gs_counter_value(priv, &v))
		seq_printf(m, "counter-value:\t%lld\n", v);
}

static void gs_counter_type_destroy(void *priv)
{
	gs_counter_destroy(priv);
}

static struct gs_stats __percpu *gs_counter_stats(void *priv)
{
	return ((struct gs_counter *)priv)->stats;
}

static unsigned long gs_counter_charge(void *priv)
{
	return gs_counter_cost(priv);
}

static u32 gs_counter_subtype(void *priv)
{
	return ((struct gs_counter *)priv)->mode;
}

static int gs_counter_type_map(void *priv, struct gosync_mapped *words)
{
	return gs_counter_map(priv, &words->counter);
}

static const struct gs_cmd gs_counter_cmds[] = {
	GS_CMD(COUNTER, gs_counter_cmd, struct gosync_counter_cmd, result),
};

const struct gs_type gs_counter_type = {
	.id = GOSYNC_TYPE_COUNTER,
	.name = "counter",
	.attr_size = sizeof(struct gosync_counter_attr),
	.create = gs_counter_new,
	.destroy = gs_counter_type_destroy,
	.stats = gs_counter_stats,
	.charge = gs_counter_charge,
	.subtype = gs_counter_subtype,
	.show_fdinfo = gs_counter_show_fdinfo,
	.map = gs_counter_type_map,
	.subtypes = BIT_ULL(GOSYNC_COUNTER_RACY) | BIT_ULL(GOSYNC_COUNTER_ATOMIC) |
		    BIT_ULL(GOSYNC_COUNTER_SPINLOCK) | BIT_ULL(GOSYNC_COUNTER_MUTEX) |
		    BIT_ULL(GOSYNC_COUNTER_RWSEM) | BIT_ULL(GOSYNC_COUNTER_PERCPU),
	.ops = GENMASK_ULL(GOSYNC_OP_OR, GOSYNC_OP_ADD),
	.cmds = gs_counter_cmds,
	.nr_cmds = ARRAY_SIZE(gs_counter_cmds),
	.batch_op_size = sizeof(struct gosync_op),
	.batch_out = offsetof(struct gosync_op, result),
	.batch_op = gs_counter_batch_op,
};
