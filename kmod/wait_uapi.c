// SPDX-License-Identifier: GPL-2.0
/*
 * GOSYNC_IOC_WAIT on /dev/gosync: copy the cases in, resolve their fds,
 * copy SEND messages in, run the engine (wait.c), copy RECV messages and
 * the results out. The engine itself never touches user memory.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

/*
 * One call's cases, in one allocation sized by their count: a few hundred
 * bytes a case, where 64 of each would take an order-3 page allocation
 * (past the kmalloc caches) on every select. kvzalloc(): such a call falls
 * back to vmalloc when memory is too fragmented for contiguous pages.
 * Charged (GOSYNC_GFP): the call may sleep for good holding it.
 */
struct gs_wait_ctx {
	struct gs_case *cases;
	struct gosync_wait_case *ucases;
	struct gs_fdref *refs;
};

static void *gs_wait_ctx_alloc(struct gs_wait_ctx *x, unsigned int n)
{
	void *p = kvzalloc(n * (sizeof(*x->cases) + sizeof(*x->ucases) + sizeof(*x->refs)),
			  GOSYNC_GFP);

	if (!p)
		return NULL;
	/* Each part's size is a multiple of the next one's alignment. */
	static_assert(sizeof(*x->cases) % __alignof__(*x->ucases) == 0);
	static_assert(sizeof(*x->ucases) % __alignof__(*x->refs) == 0);
	x->cases = p;
	x->ucases = (void *)(x->cases + n);
	x->refs = (void *)(x->ucases + n);
	return p;
}

/* Resolve one case: its fd, its type's case ops, its message. */
static int gs_wait_case_get(struct gosync_wait_case *u, struct gs_case *c,
			    struct gs_fdref *ref, bool all)
{
	const struct gs_case_ops *ops;
	int ret;

	if (u->flags || u->error || u->__reserved)
		return -EINVAL;
	ret = gs_obj_fdget(u->fd, 0, ref);
	if (ret)
		return ret;
	ops = ref->obj->type->cases;
	if (!ops || u->op >= 32 || !((all ? ops->all_ops : ops->ops) & BIT(u->op)))
		return -EINVAL;
	c->priv = ref->obj->priv;
	c->ops = ops;
	c->holder = ref->holder;
	c->op = u->op;
	c->id = ref->obj->id;
	c->type = ref->obj->type->id;
	c->gen = ~0ULL;
	INIT_LIST_HEAD(&c->cw.node);
	switch (u->op) {
	case GOSYNC_CASE_SEND:
		c->cw.op = GOSYNC_CHAN_SEND;
		c->cw.msg = gs_chan_msg_alloc(c->priv, ref->holder->user, u->len);
		if (IS_ERR(c->cw.msg)) {
			ret = PTR_ERR(c->cw.msg);
			c->cw.msg = NULL;
			return ret;
		}
		if (copy_from_user(c->cw.msg->data, u64_to_user_ptr(u->buf), u->len))
			return -EFAULT;
		return 0;
	case GOSYNC_CASE_RECV:
		c->cw.op = GOSYNC_CHAN_RECV;
		c->cw.cap = u->len;
		return gs_recv_room_ok(u->buf, u->len, NULL) ? 0 : -EFAULT;
	case GOSYNC_CASE_ACQUIRE:
		c->n = u->len;
		/* As Acquire: 1..size permits (the size never changes) */
		if (u->buf || !c->n || c->n > ((struct gs_sem *)c->priv)->size)
			return -EINVAL;
		return 0;
	default:
		return u->buf || u->len ? -EINVAL : 0;
	}
}

/* The completed case's results, and a received message, out to the caller. */
static int gs_wait_case_put(struct gosync_wait_case *u, struct gs_case *c)
{
	u->error = c->result;
	if (c->op != GOSYNC_CASE_RECV)
		return 0;
	if (c->result == -EOVERFLOW) {
		u->len = c->cw.needed;
		return 0;
	}
	if (c->result)
		return 0;
	if (!c->cw.msg) {
		u->flags = GOSYNC_CASE_CLOSED;
		u->len = 0;
		return 0;
	}
	u->len = c->cw.msg->len;
	/* The message was received: like a map op's unwritable out, EFAULT. */
	if (copy_to_user(u64_to_user_ptr(u->buf), c->cw.msg->data, c->cw.msg->len))
		return -EFAULT;
	return 0;
}

int gs_cmd_wait(struct gs_ucmd *ucmd)
{
	struct gosync_wait *w = ucmd->cmd;
	u32 known = GOSYNC_WAIT_ALL | GOSYNC_WAIT_ORDERED | GOSYNC_WAIT_NONBLOCK |
		    GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME;
	bool all = w->flags & GOSYNC_WAIT_ALL;
	unsigned int i, j, got = 0, index = 0;
	struct gs_wait_ctx ctx, *x = &ctx;
	struct gs_deadline dl;
	void *mem;
	int ret;

	if ((w->flags & ~known) || !w->count || w->count > GOSYNC_WAIT_MAX ||
	    (all && (w->flags & GOSYNC_WAIT_ORDERED)) || gs_nonblock_bad(w->flags, w->timeout_ns))
		return -EINVAL;
	ret = gs_ucmd_deadline(ucmd, w->flags & (GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME |
						 GOSYNC_WAIT_REALTIME), &w->timeout_ns, &dl);
	if (ret)
		return ret;
	mem = gs_wait_ctx_alloc(x, w->count);
	if (!mem)
		return -ENOMEM;
	if (copy_from_user(x->ucases, u64_to_user_ptr(w->cases),
			   w->count * sizeof(x->ucases[0]))) {
		ret = -EFAULT;
		goto out;
	}
	for (got = 0; got < w->count; got++) {
		ret = gs_wait_case_get(&x->ucases[got], &x->cases[got], &x->refs[got], all);
		if (ret) {
			/* the fd reference is held if the fd was a gosync object */
			if (ret != -EBADF && x->refs[got].file)
				got++;
			goto out;
		}
	}
	/* ALL: each object once (ntsync's rule): the same lock twice cannot be taken. */
	for (i = 0; all && i < w->count; i++)
		for (j = 0; j < i; j++)
			if (x->cases[i].priv == x->cases[j].priv) {
				ret = -EINVAL;
				goto out;
			}

	if (all)
		ret = gs_wait_all(x->cases, w->count, w->flags & GOSYNC_WAIT_NONBLOCK, &dl);
	else
		ret = gs_wait_any(x->cases, w->count, w->flags & GOSYNC_WAIT_ORDERED,
				  w->flags & GOSYNC_WAIT_NONBLOCK, &dl, &index);
	if (ret)
		goto out;
	w->index = index;
	for (i = 0; i < w->count; i++) {
		int r;

		if (!all && i != index)
			continue;
		r = gs_wait_case_put(&x->ucases[i], &x->cases[i]);
		ret = ret ?: r;
	}
	if (copy_to_user(u64_to_user_ptr(w->cases), x->ucases, w->count * sizeof(x->ucases[0])))
		ret = -EFAULT;
	ret = gs_respond(ucmd, sizeof(*w)) ?: ret;
out:
	for (i = 0; i < got; i++) {
		struct gs_case *c = &x->cases[i];

		/* Unsent messages stay ours; received ones were copied out. */
		if (c->cw.msg)
			gs_chan_msg_free(c->priv, c->cw.msg);
		gs_obj_fdput(&x->refs[i]);
	}
	kvfree(mem);
	return ret;
}
