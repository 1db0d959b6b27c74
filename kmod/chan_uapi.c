// SPDX-License-Identifier: GPL-2.0
/*
 * gosync channel, as an object type: create, the CHAN command (vectors of
 * sends and receives), poll, fdinfo and its GOSYNC_IOC_WAIT cases. Messages
 * are copied in before the core sees them and out after it lets go of them:
 * no user memory is touched under the channel's lock. The core is chan.c.
 */
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

/* Messages are charged to their senders (struct gs_holder), not to @user. */
static void *gs_chan_new(const void *attr, struct gs_user *user)
{
	const struct gosync_chan_attr *a = attr;

	if (a->flags || a->__reserved)
		return ERR_PTR(-EINVAL);
	return gs_chan_create(a->cap, a->msg_max);
}

/* A message of @len bytes copied from @uptr, charged to @user. */
static struct gs_chan_msg *gs_chan_msg_from_user(struct gs_chan *ch, struct gs_user *user,
						 u64 uptr, u32 len)
{
	struct gs_chan_msg *msg = gs_chan_msg_alloc(ch, user, len);

	if (IS_ERR(msg))
		return msg;
	if (copy_from_user(msg->data, u64_to_user_ptr(uptr), len)) {
		gs_chan_msg_free(ch, msg);
		return ERR_PTR(-EFAULT);
	}
	return msg;
}

/*
 * Send each message in turn; stop at the first that fails. A malformed
 * entry after the first ends the batch, as for RECV: EINVAL promises that
 * nothing was done.
 */
static int gs_chan_send_vec(struct gs_chan *ch, struct gs_user *user, struct gosync_chan_cmd *c,
			    struct gosync_chan_msg __user *umsgs, const struct gs_deadline *dl,
			    bool nonblock)
{
	int ret = 0;

	for (c->done = 0; c->done < c->count; c->done++) {
		struct gs_chan_waiter w = { .op = GOSYNC_CHAN_SEND };
		struct gosync_chan_msg m;

		if (copy_from_user(&m, &umsgs[c->done], sizeof(m)))
			return -EFAULT;
		if (m.__reserved)
			return c->done ? 0 : -EINVAL;
		w.msg = gs_chan_msg_from_user(ch, user, m.buf, m.len);
		if (IS_ERR(w.msg))
			return PTR_ERR(w.msg);
		INIT_LIST_HEAD(&w.node);
		ret = nonblock ? gs_chan_try(ch, &w, NULL, 0) : gs_chan_wait(ch, &w, dl);
		gs_chan_msg_free(ch, w.msg);	/* NULL if it was taken */
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Can a received message of up to @len bytes go to @uptr? A message, once
 * taken, cannot go back: a buffer the copy out would fail on is refused
 * before anything is received. Faulted in without writing (the buffer keeps
 * its bytes if nothing comes); only an munmap() or mprotect() racing the
 * call can still make the copy fail (EFAULT, the message lost). @seen: NULL,
 * or the pages this call found writable so far (updated).
 */
bool gs_recv_room_ok(u64 uptr, u64 len, struct gs_recv_room *seen)
{
	if (!len)
		return true;
	if (!uptr || uptr + len < uptr)
		return false;
	/* A vector's buffers tend to share pages: each is faulted in once a call. */
	if (seen && uptr >= seen->start && uptr + len <= seen->end)
		return true;
	if (fault_in_safe_writeable(u64_to_user_ptr(uptr), len))
		return false;
	if (seen) {
		seen->start = uptr & PAGE_MASK;
		seen->end = PAGE_ALIGN(uptr + len);
	}
	return true;
}

/* Receive one message (waiting), then those there, into the vector. */
static int gs_chan_recv_vec(struct gs_chan *ch, struct gosync_chan_cmd *c,
			    struct gosync_chan_msg __user *umsgs, const struct gs_deadline *dl,
			    bool nonblock)
{
	struct gs_recv_room seen = {};
	int ret = 0;

	for (c->done = 0; c->done < c->count; c->done++) {
		struct gs_chan_waiter w = { .op = GOSYNC_CHAN_RECV };
		struct gosync_chan_msg m;

		/* Dying: take no more messages that would die with us. */
		if (c->done && fatal_signal_pending(current))
			return 0;
		if (copy_from_user(&m, &umsgs[c->done], sizeof(m)))
			return c->done ? 0 : -EFAULT;
		if (m.__reserved)
			return c->done ? 0 : -EINVAL;
		if (!gs_recv_room_ok(m.buf, m.len, &seen))
			return c->done ? 0 : -EFAULT;
		w.cap = m.len;
		INIT_LIST_HEAD(&w.node);
		/* Only the first message is waited for. */
		if (c->done || nonblock)
			ret = gs_chan_try(ch, &w, NULL, 0);
		else
			ret = gs_chan_wait(ch, &w, dl);
		if (ret == -EOVERFLOW) {
			if (c->done)
				return 0;	/* a later message: the batch just ends */
			c->needed = w.needed;
			return ret;
		}
		if (ret)
			return c->done && ret == -EAGAIN ? 0 : ret;
		if (!w.msg)
			return 0;	/* closed and drained */
		m.len = w.msg->len;
		ret = copy_to_user(u64_to_user_ptr(m.buf), w.msg->data, m.len) ||
		      copy_to_user(&umsgs[c->done], &m, sizeof(m)) ? -EFAULT : 0;
		gs_chan_msg_free(ch, w.msg);
		if (ret)
			return ret;	/* the message was taken: as a map's unwritable out */
	}
	return 0;
}

static int gs_chan_cmd(struct gs_ucmd *ucmd)
{
	struct gosync_chan_cmd *c = ucmd->cmd;
	struct gosync_chan_msg __user *umsgs = u64_to_user_ptr(c->msgs);
	bool nonblock = c->flags & GOSYNC_WAIT_NONBLOCK;
	struct gs_chan *ch = ucmd->obj->priv;
	u32 senders, receivers;
	struct gs_deadline dl;
	bool closed;
	int ret, ret2;

	if (gs_nonblock_bad(c->flags, c->timeout_ns))
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, c->flags & ~GOSYNC_WAIT_NONBLOCK, &c->timeout_ns, &dl);
	if (ret)
		return ret;
	c->done = 0;
	c->needed = 0;
	switch (c->op) {
	case GOSYNC_CHAN_SEND:
	case GOSYNC_CHAN_RECV:
		if (!c->count || c->count > GOSYNC_CHAN_VEC_MAX || !c->msgs)
			return -EINVAL;
		if (c->op == GOSYNC_CHAN_SEND)
			ret = gs_chan_send_vec(ch, ucmd->holder->user, c, umsgs, &dl, nonblock);
		else
			ret = gs_chan_recv_vec(ch, c, umsgs, &dl, nonblock);
		break;
	case GOSYNC_CHAN_CLOSE:
	case GOSYNC_CHAN_LEN:
		if (c->flags || c->count || c->msgs || c->timeout_ns)
			return -EINVAL;
		ret = c->op == GOSYNC_CHAN_CLOSE ? gs_chan_close(ch) : 0;
		break;
	default:
		return -EINVAL;
	}
	/* A restart would send or receive again: only before anything moved. */
	if (gs_restarts(ret) && c->done)
		ret = -EINTR;
	gs_chan_state(ch, &c->len, &c->cap, &closed, &senders, &receivers);
	c->closed = closed;
	c->msg_max = ch->msg_max;	/* immutable */
	ret2 = gs_respond(ucmd, sizeof(*c));
	return ret ?: ret2;
}

static void gs_chan_show_fdinfo(struct seq_file *m, void *priv, struct gs_holder *h)
{
	u32 len, cap, senders, receivers;
	struct gs_chan *ch = priv;
	bool closed;

	gs_chan_state(ch, &len, &cap, &closed, &senders, &receivers);
	seq_printf(m, "chan-len:\t%u\nchan-cap:\t%u\nchan-closed:\t%d\n", len, cap, closed);
	seq_printf(m, "chan-msg-max:\t%u\n", ch->msg_max);	/* immutable */
	seq_printf(m, "chan-senders:\t%u\nchan-receivers:\t%u\n", senders, receivers);
}

/* ---- GOSYNC_IOC_WAIT cases ---- */

static int gs_chan_case_try(struct gs_case *c, struct gs_sel *sel, int index)
{
	return gs_chan_try(c->priv, &c->cw, sel, index);
}

static int gs_chan_case_arm(struct gs_case *c)
{
	return gs_chan_arm(c->priv, &c->cw);
}

static int gs_chan_case_disarm(struct gs_case *c)
{
	return gs_chan_disarm(c->priv, &c->cw);
}

static wait_queue_head_t *gs_chan_case_wq(struct gs_case *c)
{
	return &((struct gs_chan *)c->priv)->wq;
}

static const struct gs_case_ops gs_chan_cases = {
	.ops = BIT(GOSYNC_CASE_SEND) | BIT(GOSYNC_CASE_RECV),
	.try = gs_chan_case_try,
	.arm = gs_chan_case_arm,
	.disarm = gs_chan_case_disarm,
	.wq = gs_chan_case_wq,
};

static void gs_chan_type_destroy(void *priv)
{
	gs_chan_destroy(priv);
}

static __poll_t gs_chan_type_poll(void *priv, struct file *file, poll_table *pt)
{
	return gs_chan_poll(priv, file, pt);
}

static struct gs_stats __percpu *gs_chan_stats(void *priv)
{
	return ((struct gs_chan *)priv)->stats;
}

static unsigned long gs_chan_charge(void *priv)
{
	return gs_obj_charge(sizeof(struct gs_chan));
}

static u32 gs_chan_subtype(void *priv)
{
	return ((struct gs_chan *)priv)->cap;
}

static const struct gs_cmd gs_chan_cmds[] = {
	GS_CMD(CHAN, gs_chan_cmd, struct gosync_chan_cmd, msg_max),
};

/* INFO: len/cap, closed, blocked senders and receivers */
static void gs_chan_type_state(void *priv, struct gosync_state *st, struct gosync_holder *hs,
			       unsigned int cap, struct pid_namespace *ns)
{
	u32 len, ccap;
	bool closed;

	gs_chan_state(priv, &len, &ccap, &closed, &st->waiters, &st->receivers);
	st->value = len;
	st->limit = ccap;
	if (closed)
		st->flags |= GOSYNC_STATE_CLOSED;
}

/* The object's id, for the tracepoints */
static void gs_chan_set_id(void *priv, u64 id)
{
	((struct gs_chan *)priv)->id = id;
}

const struct gs_type gs_chan_type = {
	.id = GOSYNC_TYPE_CHAN,
	.name = "chan",
	.attr_size = sizeof(struct gosync_chan_attr),
	.create = gs_chan_new,
	.destroy = gs_chan_type_destroy,
	.poll = gs_chan_type_poll,
	.stats = gs_chan_stats,
	.charge = gs_chan_charge,
	.subtype = gs_chan_subtype,
	.show_fdinfo = gs_chan_show_fdinfo,
	.set_id = gs_chan_set_id,
	.state = gs_chan_type_state,
	.ops = GENMASK_ULL(GOSYNC_CHAN_LEN, GOSYNC_CHAN_SEND),
	.cmds = gs_chan_cmds,
	.nr_cmds = ARRAY_SIZE(gs_chan_cmds),
	.cases = &gs_chan_cases,
};
EXPORT_SYMBOL_IF_KUNIT(gs_chan_type);
