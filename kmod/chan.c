// SPDX-License-Identifier: GPL-2.0
/*
 * gosync channel: Go's chan of byte strings, across processes.
 *
 * A channel has a FIFO of up to @cap buffered messages and two queues of
 * blocked parties: senders (each with the message it offers) and receivers
 * (each with the largest message it takes). As in Go's runtime, a send
 * first hands its message to a waiting receiver, else buffers it, else
 * waits; a receive first takes the oldest buffered message (and refills the
 * buffer from the first waiting sender), else takes a waiting sender's
 * message directly (capacity 0: the rendezvous), else waits. A closed
 * channel keeps its buffer for receivers to drain, then reports closed;
 * sending to it is EPIPE, and so is a send that was waiting when it closed.
 *
 * Every blocked party is a case of a selection (struct gs_sel): a plain
 * Send or Recv is a selection of one case, GOSYNC_IOC_WAIT one of many. A
 * party completes a case of another's selection only by claiming that
 * selection first (gs_sel_claim()), under the channel's lock, so at most one
 * case of a selection ever completes. A party that completes one of its own
 * cases claims its own selection first, for the same reason.
 *
 * Message memory is allocated by the sender (charged to the user who opened
 * the sending description, and to the sender's memory cgroup) and freed by
 * whoever takes it out: the receiver, or destroy.
 */
#include <linux/export.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/* What a message costs: its slab object (charged to its sender's user). */
static unsigned long chan_msg_cost(u32 len)
{
	return kmalloc_size_roundup(offsetof(struct gs_chan_msg, data) + len);
}

/**
 * gs_chan_msg_alloc() - a message of @len uninitialized bytes for @ch
 * @ch: the channel it is for: its msg_max bounds @len
 * @user: who pays: the sending description's opener (struct gs_holder), or NULL
 * @len: the payload's bytes; past msg_max is -EMSGSIZE
 *
 * Charged to @user (-ENOSPC past the limit) until it is freed, waiting or
 * buffered, and to the caller's memory cgroup. Return: the message, or an
 * ERR_PTR.
 */
struct gs_chan_msg *gs_chan_msg_alloc(struct gs_chan *ch, struct gs_user *user, u32 len)
{
	struct gs_chan_msg *msg;
	int ret;

	if (len > ch->msg_max)
		return ERR_PTR(-EMSGSIZE);
	ret = gs_user_charge(user, 0, chan_msg_cost(len));
	if (ret)
		return ERR_PTR(ret);
	msg = kvmalloc(offsetof(struct gs_chan_msg, data) + len, GOSYNC_GFP);
	if (!msg) {
		gs_user_uncharge(user, 0, chan_msg_cost(len));
		return ERR_PTR(-ENOMEM);
	}
	if (user)
		gs_user_get(user);
	msg->user = user;
	msg->len = len;
	return msg;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_msg_alloc);

/** gs_chan_msg_free() - free a message of @ch and give its charge back */
void gs_chan_msg_free(struct gs_chan *ch, struct gs_chan_msg *msg)
{
	if (!msg)
		return;
	gs_user_uncharge(msg->user, 0, chan_msg_cost(msg->len));
	gs_user_put(msg->user);
	kvfree(msg);
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_msg_free);

/**
 * gs_chan_create() - a channel
 * @cap: buffered messages, 0 (rendezvous) to GOSYNC_CHAN_CAP_MAX
 * @msg_max: longest message, 1 to GOSYNC_CHAN_MSG_MAX; 0 for
 *	GOSYNC_CHAN_MSG_DEFAULT
 *
 * Return: the channel, or ERR_PTR(-EINVAL) or ERR_PTR(-ENOMEM).
 */
struct gs_chan *gs_chan_create(u32 cap, u32 msg_max)
{
	struct gs_chan *ch;

	if (cap > GOSYNC_CHAN_CAP_MAX || msg_max > GOSYNC_CHAN_MSG_MAX)
		return ERR_PTR(-EINVAL);
	ch = kzalloc(sizeof(*ch), GOSYNC_GFP);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	ch->stats = gs_stats_alloc();
	if (!ch->stats) {
		kfree(ch);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&ch->lock);
	init_waitqueue_head(&ch->wq);
	INIT_LIST_HEAD(&ch->buf);
	INIT_LIST_HEAD(&ch->sendq);
	INIT_LIST_HEAD(&ch->recvq);
	ch->cap = cap;
	ch->msg_max = msg_max ?: GOSYNC_CHAN_MSG_DEFAULT;
	return ch;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_create);

/** gs_chan_destroy() - free @ch and its buffered messages; nobody waits on it. */
void gs_chan_destroy(struct gs_chan *ch)
{
	struct gs_chan_msg *msg, *tmp;

	WARN_ON(!list_empty(&ch->sendq) || !list_empty(&ch->recvq));
	list_for_each_entry_safe(msg, tmp, &ch->buf, node) {
		list_del(&msg->node);
		gs_chan_msg_free(ch, msg);
		cond_resched();
	}
	free_percpu(ch->stats);
	kfree(ch);
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_destroy);

/* Queue @c on its side of @ch: senders or receivers, counted for their state. */
static void chan_enqueue_locked(struct gs_chan *ch, struct gs_chan_waiter *c)
{
	lockdep_assert_held(&ch->lock);
	c->queued = true;
	if (c->op == GOSYNC_CHAN_SEND) {
		list_add_tail(&c->node, &ch->sendq);
		ch->nr_senders++;
	} else {
		list_add_tail(&c->node, &ch->recvq);
		ch->nr_receivers++;
	}
}

static void chan_dequeue_locked(struct gs_chan *ch, struct gs_chan_waiter *c)
{
	lockdep_assert_held(&ch->lock);
	list_del_init(&c->node);
	c->queued = false;
	if (c->op == GOSYNC_CHAN_SEND)
		ch->nr_senders--;
	else
		ch->nr_receivers--;
}

/* Finish @w's case for its selection's task, woken after the lock is dropped. */
static void chan_complete_locked(struct gs_chan *ch, struct gs_chan_waiter *w,
				 struct gs_wake *wq)
{
	lockdep_assert_held(&ch->lock);
	chan_dequeue_locked(ch, w);
	ch->completions++;
	w->peer_done = true;
	gs_wake_add(wq, w->sel->task);
}

/*
 * Claim @w's selection for its case, as its counterpart. If its owner holds
 * a tentative claim (busy pairing another case on another channel), make it
 * try again once it is done: it may give that claim up, and two selections
 * that each found the other busy would otherwise both sleep, each waiting
 * for the other. Only whoever sets the woken flag wakes the owner (a flag
 * already set has its waker coming, and the owner rechecks it before it
 * sleeps), after the lock is dropped like every wake here: the caller left
 * room for it and a completion (chan_wake_room()). @w is queued here, so its
 * task stays while we hold the lock.
 */
static bool chan_claim_locked(struct gs_chan *ch, struct gs_chan_waiter *w,
			      struct gs_wake *wq)
{
	struct gs_sel *s = w->sel;
	int old;

	lockdep_assert_held(&ch->lock);
	old = atomic_cmpxchg(&s->winner, GS_SEL_NONE, w->index);
	if (old == GS_SEL_NONE)
		return true;
	/*
	 * Busy when we tried (not re-read: the owner may have given that claim
	 * up since, and would not know to retry). Pairs with the owner's
	 * atomic_xchg() in gs_sel_sleep().
	 */
	if (old == GS_SEL_BUSY) {
		if (!atomic_xchg(&s->woken, 1))
			gs_wake_add(wq, s->task);
		ch->retry_owed = true;
	}
	return false;
}

/*
 * Take the debt chan_claim_locked() left: a party that found a busy
 * selection queued here gave up without waking anyone, as nothing changed.
 * One queued here retries, or waits for a counterpart's claim; but a poller
 * (epoll, edge-triggered as Go's netpoller is) saw the channel ready, was
 * refused, and waits for the next edge, which nothing would make: the busy
 * selection's retry of its case here (a select try) wakes the pollers.
 */
static bool chan_take_retry_owed_locked(struct gs_chan *ch)
{
	bool owed = ch->retry_owed;

	lockdep_assert_held(&ch->lock);
	ch->retry_owed = false;
	return owed;
}

/* Room for what one chan_claim_locked() and its completion may add? */
static bool chan_wake_room(const struct gs_wake *wq)
{
	return wq->n + 2 <= GS_WAKE_MAX;
}

/* Returned by the locked operations: wake the batch, then call again. */
#define CHAN_FLUSH	1

/* Wake the batch, dropping the lock meanwhile: the answer to CHAN_FLUSH. */
static void chan_flush_locked(struct gs_chan *ch, struct gs_wake *wq)
	__must_hold(&ch->lock)
{
	spin_unlock(&ch->lock);
	gs_wake_up(wq);
	spin_lock(&ch->lock);
}

/*
 * Readable when a Recv would not wait (a message, a waiting sender, or
 * closed), writable when a Send would not (room, a waiting receiver, or
 * closed: it fails at once), HUP once closed.
 */
static __poll_t chan_poll_mask_locked(struct gs_chan *ch)
{
	__poll_t mask = 0;

	lockdep_assert_held(&ch->lock);
	if (ch->len || !list_empty(&ch->sendq) || ch->closed)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ch->len < ch->cap || (!ch->len && !list_empty(&ch->recvq)) || ch->closed)
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (ch->closed)
		mask |= EPOLLHUP;
	return mask;
}

/*
 * Unlock, wake the parties completed, and after a change (a message moved,
 * a party queued, a close) tell pollers and the selections that watch. Only
 * after a change: two selections that watch one channel must not wake each
 * other for attempts that changed nothing. The key is what poll reports
 * now: io_uring's and AIO's poll take it for their result when it meets the
 * events asked for (HUP always does), so it must hold no event that is not
 * true, HUP above all; and they and epoll drop a wake-up whose key misses
 * their events, so it must hold every event that became true. With none
 * ready (0), every poller is woken to look for itself.
 */
static void chan_unlock_wake(struct gs_chan *ch, struct gs_wake *wq, bool changed)
	__releases(&ch->lock)
{
	__poll_t key = changed ? chan_poll_mask_locked(ch) : 0;

	spin_unlock(&ch->lock);
	gs_wake_up(wq);
	if (changed && wq_has_sleeper(&ch->wq))
		wake_up_interruptible_poll(&ch->wq, key);
}

/*
 * Send: give @msg to a waiting receiver, or buffer it. Under the lock.
 * Return: 0 (the message is the receiver's or the channel's now), -EPIPE
 * (closed), -EAGAIN (it would have to wait: nothing done), -EALREADY
 * (@self was claimed by another of its cases meanwhile: nothing done), or
 * CHAN_FLUSH (the wake batch is full: nothing sent yet).
 *
 * Receivers whose buffer is too small are told (-EOVERFLOW) as the message
 * passes them, even if it then has to wait, or a non-blocking send gives
 * up: they grow their buffer and receive again.
 */
static int chan_send_locked(struct gs_chan *ch, struct gs_chan_msg *msg,
			    struct gs_sel *self, int index, struct gs_wake *wq)
{
	struct gs_chan_waiter *r, *tmp;

	lockdep_assert_held(&ch->lock);
	if (ch->closed)
		return gs_sel_claim(self, index) ? -EPIPE : -EALREADY;
	list_for_each_entry_safe(r, tmp, &ch->recvq, node) {
		/*
		 * Receivers queue only while the buffer is empty. One queued
		 * beside buffered messages was passed over while busy (told
		 * to retry): it takes them first, so hand it nothing later.
		 */
		if (ch->len)
			break;
		if (!chan_wake_room(wq))
			return CHAN_FLUSH;
		if (r->sel == self)
			continue;	/* a selection never pairs with itself */
		if (msg->len > r->cap) {
			/* That receiver's buffer is too small: tell it, take nothing. */
			if (gs_sel_decided(self))
				return -EALREADY;
			if (chan_claim_locked(ch, r, wq)) {
				r->result = -EOVERFLOW;
				r->needed = msg->len;
				chan_complete_locked(ch, r, wq);
			}
			continue;
		}
		if (!gs_sel_claim_busy(self))
			return -EALREADY;
		if (!chan_claim_locked(ch, r, wq)) {
			/* It completed elsewhere (its owner will unqueue it), or is busy. */
			gs_sel_unclaim(self);
			continue;
		}
		gs_sel_commit(self, index);
		r->msg = msg;
		r->result = 0;
		chan_complete_locked(ch, r, wq);
		return 0;
	}
	if (ch->len < ch->cap) {
		if (!gs_sel_claim(self, index))
			return -EALREADY;
		list_add_tail(&msg->node, &ch->buf);
		WRITE_ONCE(ch->len, ch->len + 1);
		return 0;
	}
	return -EAGAIN;
}

/*
 * Receive: the oldest buffered message, or a waiting sender's message, or
 * closed. Under the lock. A closed channel's waiting senders are owed
 * -EPIPE (gs_chan_close()), so their messages are never taken. Return: 0
 * with *@msg (NULL: closed and drained), -EOVERFLOW (the next message is
 * longer than @cap: *@needed says how long; nothing taken), -EAGAIN (it
 * would have to wait), -EALREADY (as for a send), or CHAN_FLUSH (nothing
 * taken yet). After a receive, chan_refill_locked().
 */
static int chan_recv_locked(struct gs_chan *ch, u32 cap, struct gs_chan_msg **msg,
			    u32 *needed, struct gs_sel *self, int index,
			    struct gs_wake *wq)
{
	struct gs_chan_waiter *s, *tmp;
	struct gs_chan_msg *head;

	lockdep_assert_held(&ch->lock);
	head = list_first_entry_or_null(&ch->buf, struct gs_chan_msg, node);
	if (head) {
		if (!gs_sel_claim(self, index))
			return -EALREADY;
		if (head->len > cap) {
			*needed = head->len;
			return -EOVERFLOW;
		}
		list_del(&head->node);
		WRITE_ONCE(ch->len, ch->len - 1);
		*msg = head;
		return 0;
	}
	list_for_each_entry_safe(s, tmp, &ch->sendq, node) {
		if (ch->closed)
			break;	/* they are owed -EPIPE */
		if (!chan_wake_room(wq))
			return CHAN_FLUSH;
		/* Not ourselves, nor a sender whose selection is decided. */
		if (s->sel == self || gs_sel_decided(s->sel))
			continue;
		if (s->msg->len > cap) {
			if (!gs_sel_claim(self, index))
				return -EALREADY;
			*needed = s->msg->len;
			return -EOVERFLOW;
		}
		if (!gs_sel_claim_busy(self))
			return -EALREADY;
		if (!chan_claim_locked(ch, s, wq)) {
			gs_sel_unclaim(self);
			continue;
		}
		gs_sel_commit(self, index);
		*msg = s->msg;
		s->msg = NULL;
		s->result = 0;
		chan_complete_locked(ch, s, wq);
		return 0;
	}
	if (ch->closed) {
		if (!gs_sel_claim(self, index))
			return -EALREADY;
		*msg = NULL;
		return 0;
	}
	return -EAGAIN;
}

/*
 * Room in the buffer (a receive took from it): the first waiting sender's
 * message joins it. Under the lock. Return: 0 or CHAN_FLUSH (call again).
 */
static int chan_refill_locked(struct gs_chan *ch, struct gs_wake *wq)
{
	struct gs_chan_waiter *s, *tmp;

	lockdep_assert_held(&ch->lock);
	list_for_each_entry_safe(s, tmp, &ch->sendq, node) {
		if (ch->closed || ch->len >= ch->cap)
			break;	/* closed: they are owed -EPIPE */
		if (!chan_wake_room(wq))
			return CHAN_FLUSH;
		if (!chan_claim_locked(ch, s, wq))
			continue;
		list_add_tail(&s->msg->node, &ch->buf);
		WRITE_ONCE(ch->len, ch->len + 1);
		s->msg = NULL;
		s->result = 0;
		chan_complete_locked(ch, s, wq);
		break;
	}
	return 0;
}

/*
 * One attempt at @c for @self, under the lock; one that fills the wake
 * batch wakes it (dropping the lock) and goes on. Return: as
 * chan_send_locked() or chan_recv_locked(), but never CHAN_FLUSH.
 */
static int chan_attempt_locked(struct gs_chan *ch, struct gs_chan_waiter *c,
			       struct gs_sel *self, int index, struct gs_wake *wq)
	__must_hold(&ch->lock)
{
	int ret;

	lockdep_assert_held(&ch->lock);
	for (;;) {
		if (c->op == GOSYNC_CHAN_RECV) {
			ret = chan_recv_locked(ch, c->cap, &c->msg, &c->needed, self,
					       index, wq);
		} else if (c->msg) {
			ret = chan_send_locked(ch, c->msg, self, index, wq);
		} else {
			/*
			 * A queued send that a receiver completed gave its message
			 * away (under this lock): its selection is claimed.
			 */
			return -EALREADY;
		}
		if (ret != CHAN_FLUSH)
			break;
		chan_flush_locked(ch, wq);
	}
	if (ret)
		return ret;
	if (c->op == GOSYNC_CHAN_SEND)
		c->msg = NULL;
	else
		while (chan_refill_locked(ch, wq) == CHAN_FLUSH)
			chan_flush_locked(ch, wq);
	return 0;
}

/**
 * gs_chan_try() - one case's attempt, never waiting
 * @ch: the channel
 * @c: the case: op GOSYNC_CHAN_SEND (with ->msg) or GOSYNC_CHAN_RECV (with
 *	->cap); on success the message moved (send: ->msg is NULL now; recv:
 *	->msg is the message, NULL if closed and drained)
 * @self: the caller's selection, claimed on completion (NULL: a plain call)
 * @index: the case's index in @self
 *
 * Return: 0, -EPIPE, -EOVERFLOW (->needed set), -EAGAIN or -EALREADY.
 */
int gs_chan_try(struct gs_chan *ch, struct gs_chan_waiter *c, struct gs_sel *self, int index)
{
	struct gs_wake wq = GS_WAKE_INIT;
	u32 completions;
	bool owed;
	int ret;

	spin_lock(&ch->lock);
	completions = ch->completions;
	owed = self && chan_take_retry_owed_locked(ch);
	ret = chan_attempt_locked(ch, c, self, index, &wq);
	/*
	 * A queued case that completed here leaves its queue now, not at
	 * disarm: a counterpart must never find it (a send's message is gone).
	 */
	if (c->queued && ret != -EAGAIN && ret != -EALREADY)
		chan_dequeue_locked(ch, c);
	/* A busy selection told to retry (in @wq) is no change (yet). */
	chan_unlock_wake(ch, &wq, owed || !ret || ch->completions != completions);
	if (!ret)
		gs_stat_add(ch->stats, c->op == GOSYNC_CHAN_SEND ? GOSYNC_STAT_CHAN_SENDS :
			    c->msg ? GOSYNC_STAT_CHAN_RECVS : GOSYNC_STAT_CHAN_CLOSED_RECVS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_try);

/**
 * gs_chan_arm() - try @c once more and, if it would wait, queue it
 * @ch: the channel
 * @c: as for gs_chan_try(); ->sel and ->index must be set
 *
 * Return: as gs_chan_try(), with -EAGAIN meaning "queued": a counterpart
 * completes it (claiming ->sel) and wakes ->sel->task.
 */
int gs_chan_arm(struct gs_chan *ch, struct gs_chan_waiter *c)
{
	struct gs_wake wq = GS_WAKE_INIT;
	u32 completions;
	bool owed;
	int ret;

	spin_lock(&ch->lock);
	completions = ch->completions;
	owed = chan_take_retry_owed_locked(ch);
	ret = chan_attempt_locked(ch, c, c->sel, c->index, &wq);
	if (ret == -EAGAIN) {
		c->peer_done = false;
		chan_enqueue_locked(ch, c);
	}
	chan_unlock_wake(ch, &wq, owed || ret == -EAGAIN || !ret ||
			 ch->completions != completions);
	if (!ret)
		gs_stat_add(ch->stats, c->op == GOSYNC_CHAN_SEND ? GOSYNC_STAT_CHAN_SENDS :
			    c->msg ? GOSYNC_STAT_CHAN_RECVS : GOSYNC_STAT_CHAN_CLOSED_RECVS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_arm);

/**
 * gs_chan_disarm() - take a queued case out, and say how it ended
 * @ch: the channel gs_chan_arm() queued @c on
 * @c: the case; if a counterpart completed it, ->msg is as for gs_chan_try()
 *
 * Return: the case's result if a counterpart completed it (0, -EPIPE,
 * -EOVERFLOW), or -EAGAIN if not (it was still queued, and now is not).
 * Taking the lock orders the counterpart's writes to @c before our reads.
 */
int gs_chan_disarm(struct gs_chan *ch, struct gs_chan_waiter *c)
{
	int ret = -EAGAIN;

	spin_lock(&ch->lock);
	if (c->queued) {
		chan_dequeue_locked(ch, c);
	} else if (c->peer_done) {
		c->peer_done = false;
		ret = c->result;
	}
	spin_unlock(&ch->lock);
	if (!ret)
		gs_stat_add(ch->stats, c->op == GOSYNC_CHAN_SEND ? GOSYNC_STAT_CHAN_SENDS :
			    c->msg ? GOSYNC_STAT_CHAN_RECVS : GOSYNC_STAT_CHAN_CLOSED_RECVS, 1);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_disarm);

/**
 * gs_chan_close() - Go's close(ch)
 * @ch: the channel
 *
 * Waiting senders fail with -EPIPE (their messages stay theirs); waiting
 * receivers see the channel closed (the buffer is empty when they wait);
 * buffered messages stay for receivers to drain.
 * Return: 0, or -EPIPE if it was closed already (Go panics).
 */
int gs_chan_close(struct gs_chan *ch)
{
	struct gs_chan_waiter *w, *tmp;
	struct gs_wake wq = GS_WAKE_INIT;

	spin_lock(&ch->lock);
	if (ch->closed) {
		spin_unlock(&ch->lock);
		return -EPIPE;
	}
	WRITE_ONCE(ch->closed, true);
	/* Completed waiters leave the queues: after a flush, start over. */
again:
	list_for_each_entry_safe(w, tmp, &ch->sendq, node) {
		if (gs_wake_full(&wq))
			goto flush;
		if (gs_sel_claim(w->sel, w->index)) {
			w->result = -EPIPE;
			chan_complete_locked(ch, w, &wq);
		}
	}
	list_for_each_entry_safe(w, tmp, &ch->recvq, node) {
		if (ch->len)
			break;	/* it drains the buffer first (chan_send_locked()) */
		if (gs_wake_full(&wq))
			goto flush;
		if (gs_sel_claim(w->sel, w->index)) {
			w->msg = NULL;
			w->result = 0;
			chan_complete_locked(ch, w, &wq);
		}
	}
	chan_unlock_wake(ch, &wq, true);
	return 0;
flush:
	chan_flush_locked(ch, &wq);
	goto again;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_close);

/**
 * gs_chan_wait() - a plain Send or Recv: try, else queue and sleep
 * @ch: the channel
 * @c: the case (op, msg or cap); ->msg is the result as for gs_chan_try()
 * @dl: when to give up, and how a signal ends the wait
 *
 * Return: as gs_chan_try() (never -EALREADY), or -ETIMEDOUT, or the
 * deadline's signal return (@dl->sig_ret): then nothing happened.
 */
int gs_chan_wait(struct gs_chan *ch, struct gs_chan_waiter *c, const struct gs_deadline *dl)
{
	struct gs_sel sel;
	u64 start = 0;
	int ret;

	gs_sel_init(&sel);
	c->sel = &sel;
	c->index = 0;
	ret = gs_chan_arm(ch, c);
	if (ret == -EAGAIN)
		start = gs_trace_wait_begin(ch->id, GOSYNC_TYPE_CHAN, c->op);
	while (ret == -EAGAIN) {
		/* 1: a poller's wake-up, not ours: sleep on */
		ret = gs_sel_sleep(&sel, dl);
		if (ret == 1)
			ret = -EAGAIN;
	}
	/* ret: 0 (a counterpart completed us) or why we gave up */
	if (gs_chan_disarm(ch, c) != -EAGAIN)
		ret = c->result;
	if (start)
		gs_trace_wait_end(ch->id, GOSYNC_TYPE_CHAN, c->op, start, ret);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_wait);

/** gs_chan_state() - len, cap and closed, for LEN and fdinfo */
void gs_chan_state(struct gs_chan *ch, u32 *len, u32 *cap, bool *closed,
		   u32 *senders, u32 *receivers)
{
	spin_lock(&ch->lock);
	*len = ch->len;
	*cap = ch->cap;
	*closed = ch->closed;
	*senders = ch->nr_senders;
	*receivers = ch->nr_receivers;
	spin_unlock(&ch->lock);
}
EXPORT_SYMBOL_IF_KUNIT(gs_chan_state);

/*
 * chan_poll_mask_locked(), under the lock; the queue's own lock orders
 * poll_wait() against chan_unlock_wake().
 */
__poll_t gs_chan_poll(struct gs_chan *ch, struct file *file, poll_table *pt)
{
	__poll_t mask;

	poll_wait(file, &ch->wq, pt);
	spin_lock(&ch->lock);
	mask = chan_poll_mask_locked(ch);
	spin_unlock(&ch->lock);
	return mask;
}
