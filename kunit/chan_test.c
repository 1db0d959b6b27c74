// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of gosync channels (kmod/chan.c) and the wait engine
 * (kmod/wait.c), called directly: buffered and unbuffered transfer, close
 * (drain, EPIPE, waking waiters), EOVERFLOW without consuming, timeouts and
 * signals, select over channels and locks (fairness over many rounds, index
 * order, a counterpart completing a queued case, a LOCK case's turn in the
 * Mutex's queue, two selections meeting on
 * an unbuffered channel, a selection never pairing with itself), wait-all's
 * atomicity, a wake-up racing a close, and the events a wake-up reports.
 */
#include "gs_kunit.h"

static struct gs_chan *new_chan(struct kunit *test, u32 cap)
{
	struct gs_chan *ch = gs_chan_create(cap, 64);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ch);
	return ch;
}

static struct gs_chan_msg *mkmsg(struct gs_chan *ch, const char *s)
{
	struct gs_chan_msg *m = gs_chan_msg_alloc(ch, NULL, strlen(s));

	if (!IS_ERR(m))
		memcpy(m->data, s, m->len);
	return m;
}

/* A non-blocking send of @s: 0 or the error (the message freed if not sent). */
static int try_send(struct gs_chan *ch, const char *s)
{
	struct gs_chan_waiter w = { .op = GOSYNC_CHAN_SEND, .msg = mkmsg(ch, s) };
	int ret;

	INIT_LIST_HEAD(&w.node);
	ret = gs_chan_try(ch, &w, NULL, 0);
	gs_chan_msg_free(ch, w.msg);
	return ret;
}

/* A receive into @out (up to @cap bytes): 0, 1 (closed and drained), or the error. */
static int do_recv(struct gs_chan *ch, u32 cap, char *out, const struct gs_deadline *dl,
		   bool wait)
{
	struct gs_chan_waiter w = { .op = GOSYNC_CHAN_RECV, .cap = cap };
	int ret;

	INIT_LIST_HEAD(&w.node);
	ret = wait ? gs_chan_wait(ch, &w, dl) : gs_chan_try(ch, &w, NULL, 0);
	if (ret)
		return ret == -EOVERFLOW ? -(int)w.needed - 1000 : ret;
	if (!w.msg)
		return 1;
	memcpy(out, w.msg->data, w.msg->len);
	out[w.msg->len] = 0;
	gs_chan_msg_free(ch, w.msg);
	return 0;
}

static void chan_buffered_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 2);
	char out[80];

	KUNIT_EXPECT_EQ(test, try_send(ch, "one"), 0);
	KUNIT_EXPECT_EQ(test, try_send(ch, "two"), 0);
	KUNIT_EXPECT_EQ(test, try_send(ch, "three"), -EAGAIN);	/* full */
	KUNIT_EXPECT_EQ(test, ch->len, 2U);
	/* too small a buffer: EOVERFLOW with the length, nothing taken */
	KUNIT_EXPECT_EQ(test, do_recv(ch, 2, out, FOREVER, false), -3 - 1000);
	KUNIT_EXPECT_EQ(test, ch->len, 2U);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "one");
	KUNIT_EXPECT_EQ(test, try_send(ch, "three"), 0);
	KUNIT_EXPECT_EQ(test, gs_chan_close(ch), 0);
	KUNIT_EXPECT_EQ(test, gs_chan_close(ch), -EPIPE);	/* Go panics */
	KUNIT_EXPECT_EQ(test, try_send(ch, "four"), -EPIPE);
	/* a closed channel drains, then reports closed instead of waiting */
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, true), 0);
	KUNIT_EXPECT_STREQ(test, out, "two");
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, true), 0);
	KUNIT_EXPECT_STREQ(test, out, "three");
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, true), 1);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, false), 1);
	gs_chan_destroy(ch);
}

/* ---- kthreads doing one blocking channel call ---- */

struct party {
	struct gs_chan *ch;
	const char *send;	/* send this, or receive */
	char got[80];
	int ret;
	bool finished;
	struct completion done;
	struct task_struct *task;
};

static int party_thread(void *arg)
{
	struct party *p = arg;
	struct gs_chan_waiter w = { .op = p->send ? GOSYNC_CHAN_SEND : GOSYNC_CHAN_RECV,
				    .cap = 64 };

	allow_signal(SIGUSR1);
	INIT_LIST_HEAD(&w.node);
	if (p->send) {
		w.msg = mkmsg(p->ch, p->send);
		p->ret = gs_chan_wait(p->ch, &w, FOREVER);
		gs_chan_msg_free(p->ch, w.msg);
	} else {
		p->ret = gs_chan_wait(p->ch, &w, FOREVER);
		if (!p->ret && w.msg) {
			memcpy(p->got, w.msg->data, w.msg->len);
			p->got[w.msg->len] = 0;
			gs_chan_msg_free(p->ch, w.msg);
		} else if (!p->ret) {
			p->ret = 1;	/* closed */
		}
	}
	WRITE_ONCE(p->finished, true);
	complete(&p->done);
	return 0;
}

static void party_start(struct kunit *test, struct party *p, struct gs_chan *ch,
			const char *send)
{
	p->ch = ch;
	p->send = send;
	init_completion(&p->done);
	p->task = kthread_run(party_thread, p, "gosync_party");
	KUNIT_ASSERT_FALSE(test, IS_ERR(p->task));
	get_task_struct(p->task);
}

static int party_finish(struct party *p)
{
	wait_done(&p->done);
	put_task_struct(p->task);
	return p->ret;
}

/* A failed test's cleanup: end @p's call (SIGUSR1) and wait for it. */
static int party_cancel(struct party *p)
{
	send_sig(SIGUSR1, p->task, 1);
	return party_finish(p);
}

static bool queued(struct gs_chan *ch, struct list_head *q, unsigned int n)
{
	u32 len, cap, senders, receivers;
	bool closed;

	gs_chan_state(ch, &len, &cap, &closed, &senders, &receivers);
	return (q == &ch->sendq ? senders : receivers) == n;
}

/* Unbuffered: a send returns only once a receiver has taken the message. */
static void chan_rendezvous_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct party s = {}, r = {};
	char out[80];

	KUNIT_EXPECT_EQ(test, try_send(ch, "x"), -EAGAIN);	/* nobody receives */
	party_start(test, &s, ch, "hello");
	if (!expect_true(test, wait_until(queued(ch, &ch->sendq, 1)))) {
		party_cancel(&s);
		goto out;
	}
	KUNIT_EXPECT_FALSE(test, READ_ONCE(s.finished));
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, FOREVER, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "hello");
	KUNIT_EXPECT_EQ(test, party_finish(&s), 0);

	party_start(test, &r, ch, NULL);
	if (!expect_true(test, wait_until(queued(ch, &ch->recvq, 1)))) {
		party_cancel(&r);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, try_send(ch, "there"), 0);
	KUNIT_EXPECT_EQ(test, party_finish(&r), 0);
	KUNIT_EXPECT_STREQ(test, r.got, "there");
out:
	gs_chan_destroy(ch);
}

/* Close wakes waiting senders (EPIPE, message not sent) and receivers (closed). */
static void chan_close_wakes_test(struct kunit *test)
{
	struct gs_chan *full = new_chan(test, 1), *empty = new_chan(test, 1);
	struct party s = {}, r1 = {}, r2 = {};

	KUNIT_ASSERT_EQ(test, try_send(full, "fill"), 0);
	party_start(test, &s, full, "blocked");
	party_start(test, &r1, empty, NULL);
	party_start(test, &r2, empty, NULL);
	/* (the closes below end their calls, queued yet or not) */
	KUNIT_EXPECT_TRUE(test, wait_until(queued(full, &full->sendq, 1)));
	KUNIT_EXPECT_TRUE(test, wait_until(queued(empty, &empty->recvq, 2)));
	KUNIT_EXPECT_EQ(test, gs_chan_close(full), 0);
	KUNIT_EXPECT_EQ(test, gs_chan_close(empty), 0);
	KUNIT_EXPECT_EQ(test, party_finish(&s), -EPIPE);
	KUNIT_EXPECT_EQ(test, party_finish(&r1), 1);
	KUNIT_EXPECT_EQ(test, party_finish(&r2), 1);
	KUNIT_EXPECT_EQ(test, full->len, 1U);	/* the buffered one stays */
	gs_chan_destroy(full);
	gs_chan_destroy(empty);
}

/* A timeout or a signal ends a wait with nothing done. */
static void chan_timeout_signal_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct party r = {};
	char out[80];

	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, true), -ETIMEDOUT);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->recvq, 0));
	party_start(test, &r, ch, NULL);
	KUNIT_EXPECT_TRUE(test, wait_until(queued(ch, &ch->recvq, 1)));
	send_sig(SIGUSR1, r.task, 1);
	KUNIT_EXPECT_EQ(test, party_finish(&r), -EINTR);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->recvq, 0));
	/* and the channel is untouched: a send still has no receiver */
	KUNIT_EXPECT_EQ(test, try_send(ch, "x"), -EAGAIN);
	gs_chan_destroy(ch);
}

/* A poller's entry on a wait queue: the key of the last wake-up */
struct key_entry {
	struct wait_queue_entry wqe;
	__poll_t key;
	bool woken;
};

static int key_entry_wake(struct wait_queue_entry *wqe, unsigned int mode, int flags,
			  void *key)
{
	struct key_entry *e = container_of(wqe, struct key_entry, wqe);

	e->key = key_to_poll(key);
	e->woken = true;
	return 0;
}

/*
 * io_uring's and AIO's poll take a wake-up's key for their result: a
 * receiver that queues on an empty unbuffered channel makes it writable,
 * neither readable nor closed (an io_uring POLLIN completed with
 * POLLIN | POLLHUP); only the close brings HUP.
 */
static void chan_wake_key_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_chan_waiter r = { .op = GOSYNC_CHAN_RECV, .cap = 64 };
	struct key_entry e = {};
	struct gs_sel sel;

	init_waitqueue_func_entry(&e.wqe, key_entry_wake);
	add_wait_queue(&ch->wq, &e.wqe);
	gs_sel_init(&sel);
	INIT_LIST_HEAD(&r.node);
	r.sel = &sel;
	KUNIT_ASSERT_EQ(test, gs_chan_arm(ch, &r), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, e.woken);
	KUNIT_EXPECT_FALSE_MSG(test, e.key & EPOLLHUP, "HUP before close");
	KUNIT_EXPECT_FALSE(test, e.key & EPOLLIN);
	KUNIT_EXPECT_TRUE(test, (e.key & (EPOLLOUT | EPOLLWRNORM)) == (EPOLLOUT | EPOLLWRNORM));
	e.woken = false;
	KUNIT_EXPECT_EQ(test, gs_chan_close(ch), 0);
	KUNIT_EXPECT_TRUE(test, e.woken);
	KUNIT_EXPECT_TRUE(test, e.key & EPOLLHUP);
	KUNIT_EXPECT_TRUE(test, e.key & EPOLLIN);
	remove_wait_queue(&ch->wq, &e.wqe);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &r), 0);	/* told closed */
	KUNIT_EXPECT_NULL(test, r.msg);
	gs_chan_destroy(ch);
}

/* ---- the wait engine ---- */

static void chan_case(struct gs_case *c, struct gs_chan *ch, u32 op, const char *send)
{
	case_init(c, &gs_chan_type, ch, NULL, op);
	c->cw.op = op == GOSYNC_CASE_SEND ? GOSYNC_CHAN_SEND : GOSYNC_CHAN_RECV;
	c->cw.cap = 64;
	if (send)
		c->cw.msg = mkmsg(ch, send);
}

static void case_done(struct gs_case *c)
{
	if (c->cw.msg)
		gs_chan_msg_free(c->priv, c->cw.msg);
	c->cw.msg = NULL;
}

/*
 * Go's select picks uniformly among ready cases: over 300 rounds with both
 * ready, each is picked at least a fifth of the time (a fair coin fails that
 * with probability below 1e-25); ORDERED always picks the first.
 */
static void wait_any_fairness_test(struct kunit *test)
{
	struct gs_chan *a = new_chan(test, 1), *b = new_chan(test, 1);
	unsigned int picked[2] = {}, round, index;
	struct gs_case cases[2];

	for (round = 0; round < 300; round++) {
		if (!a->len)
			KUNIT_ASSERT_EQ(test, try_send(a, "a"), 0);
		if (!b->len)
			KUNIT_ASSERT_EQ(test, try_send(b, "b"), 0);
		chan_case(&cases[0], a, GOSYNC_CASE_RECV, NULL);
		chan_case(&cases[1], b, GOSYNC_CASE_RECV, NULL);
		KUNIT_ASSERT_EQ(test, gs_wait_any(cases, 2, false, true, FOREVER, &index), 0);
		KUNIT_ASSERT_LT(test, index, 2U);
		KUNIT_EXPECT_EQ(test, cases[index].result, 0);
		KUNIT_EXPECT_NOT_NULL(test, cases[index].cw.msg);
		KUNIT_EXPECT_NULL(test, cases[!index].cw.msg);	/* exactly one completed */
		picked[index]++;
		case_done(&cases[0]);
		case_done(&cases[1]);
	}
	KUNIT_EXPECT_GE(test, picked[0], 60U);
	KUNIT_EXPECT_GE(test, picked[1], 60U);
	kunit_info(test, "select over 2 ready cases: %u / %u\n", picked[0], picked[1]);

	/* ordered: the lowest ready index wins (the last round drained one) */
	if (!a->len)
		KUNIT_ASSERT_EQ(test, try_send(a, "a"), 0);
	if (!b->len)
		KUNIT_ASSERT_EQ(test, try_send(b, "b"), 0);
	chan_case(&cases[0], a, GOSYNC_CASE_RECV, NULL);
	chan_case(&cases[1], b, GOSYNC_CASE_RECV, NULL);
	KUNIT_EXPECT_EQ(test, gs_wait_any(cases, 2, true, true, FOREVER, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 0U);
	case_done(&cases[0]);
	case_done(&cases[1]);
	/* nothing ready: select with a default */
	chan_case(&cases[0], a, GOSYNC_CASE_RECV, NULL);
	KUNIT_EXPECT_EQ(test, gs_wait_any(cases, 1, false, true, FOREVER, &index), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_wait_any(cases, 1, false, false, PAST, &index), -ETIMEDOUT);
	KUNIT_EXPECT_TRUE(test, queued(a, &a->recvq, 0));
	gs_chan_destroy(a);
	gs_chan_destroy(b);
}

/* ---- a kthread blocked in a selection ---- */

struct selector {
	struct gs_case cases[4];
	unsigned int n, index;
	int ret;
	struct completion done;
	struct task_struct *task;
};

static int selector_thread(void *arg)
{
	struct selector *s = arg;

	allow_signal(SIGUSR1);
	s->ret = gs_wait_any(s->cases, s->n, false, false, FOREVER, &s->index);
	complete(&s->done);
	return 0;
}

static void selector_start(struct kunit *test, struct selector *s)
{
	init_completion(&s->done);
	s->task = kthread_run(selector_thread, s, "gosync_select");
	KUNIT_ASSERT_FALSE(test, IS_ERR(s->task));
	get_task_struct(s->task);
}

static int selector_finish(struct selector *s)
{
	wait_done(&s->done);
	put_task_struct(s->task);
	return s->ret;
}

/* A failed test's cleanup: end @s's selection (SIGUSR1) and wait for it. */
static int selector_cancel(struct selector *s)
{
	send_sig(SIGUSR1, s->task, 1);
	return selector_finish(s);
}

/*
 * Start @sp selecting {LOCK @m for @h, RECV @ch}; return once both are
 * armed. Return: false (failed) if they were not: the caller ends @sp.
 */
static bool select_lock_or_recv(struct kunit *test, struct selector *sp, struct gs_mutex *m,
				struct gs_holder *h, struct gs_chan *ch)
{
	case_init(&sp->cases[0], &gs_mutex_type, m, h, GOSYNC_CASE_LOCK);
	chan_case(&sp->cases[1], ch, GOSYNC_CASE_RECV, NULL);
	sp->n = 2;
	selector_start(test, sp);
	/* Armed in a random order: wait for both. */
	return expect_true(test, wait_until(queued(ch, &ch->recvq, 1))) &&
	       expect_true(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 1)));
}

/*
 * A selection waiting on a Mutex and a channel: a plain send completes its
 * queued channel case; later an Unlock lets it take the Mutex instead.
 */
static void wait_any_counterpart_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder owner = {}, h = {};
	struct selector *sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &owner, FOREVER), 0);
	if (!select_lock_or_recv(test, sp, m, &h, ch))
		goto cancel;
	KUNIT_EXPECT_EQ(test, try_send(ch, "msg"), 0);	/* completes the queued case */
	KUNIT_EXPECT_EQ(test, selector_finish(sp), 0);
	KUNIT_EXPECT_EQ(test, sp->index, 1U);
	KUNIT_EXPECT_EQ(test, sp->cases[1].result, 0);
	KUNIT_EXPECT_NOT_NULL(test, sp->cases[1].cw.msg);
	if (sp->cases[1].cw.msg)
		KUNIT_EXPECT_EQ(test, memcmp(sp->cases[1].cw.msg->data, "msg", 3), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &owner);	/* the Mutex case did nothing */
	case_done(&sp->cases[1]);

	if (!select_lock_or_recv(test, sp, m, &h, ch))
		goto cancel;
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(sp), 0);
	KUNIT_EXPECT_EQ(test, sp->index, 0U);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &h);	/* taken for the case's holder */
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->recvq, 0));
	KUNIT_EXPECT_EQ(test, try_send(ch, "x"), -EAGAIN);	/* its recv is gone */
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	goto out;
cancel:
	selector_cancel(sp);
	case_done(&sp->cases[1]);
out:
	gs_mutex_destroy(m);
	gs_chan_destroy(ch);
}

/*
 * A waiting selection's LOCK case has its place in the Mutex's FIFO: in
 * starvation mode Unlock hands the lock to it before a Lock queued later.
 */
static void wait_any_mutex_turn_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder owner = {}, h = {};
	struct selector *sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);
	struct blocker later = {};

	KUNIT_ASSERT_NOT_NULL(test, sp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &owner, FOREVER), 0);
	if (!select_lock_or_recv(test, sp, m, &h, ch)) {
		selector_cancel(sp);
		goto out;
	}
	blocker_start(test, &later, blocker_mutex_lock, m);
	if (!expect_true(test, wait_until(nr_waiters_is(&m->lock, &m->waiters, 2)))) {
		selector_cancel(sp);
		blocker_cancel(&later);
		goto out;
	}
	spin_lock(&m->lock);
	m->starving = true;		/* as a waiter past 1 ms would set it */
	spin_unlock(&m->lock);

	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(sp), 0);
	KUNIT_EXPECT_EQ(test, sp->index, 0U);
	KUNIT_EXPECT_EQ(test, sp->cases[0].result, 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &h);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->recvq, 0));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(later.finished));
	KUNIT_EXPECT_TRUE(test, nr_waiters_is(&m->lock, &m->waiters, 1));

	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	KUNIT_EXPECT_EQ(test, blocker_finish(&later), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &later.holder);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
out:
	gs_mutex_destroy(m);
	gs_chan_destroy(ch);
}

/* Two selections meet on an unbuffered channel; one never meets itself. */
static void wait_any_select_pair_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct selector *snd = kunit_kzalloc(test, sizeof(*snd), GFP_KERNEL);
	struct selector *rcv = kunit_kzalloc(test, sizeof(*rcv), GFP_KERNEL);
	struct gs_case self[2];
	unsigned int index;

	KUNIT_ASSERT_TRUE(test, snd && rcv);
	chan_case(&snd->cases[0], ch, GOSYNC_CASE_SEND, "paired");
	snd->n = 1;
	chan_case(&rcv->cases[0], ch, GOSYNC_CASE_RECV, NULL);
	rcv->n = 1;
	selector_start(test, snd);
	if (!expect_true(test, wait_until(queued(ch, &ch->sendq, 1)))) {
		selector_cancel(snd);
		case_done(&snd->cases[0]);
		gs_chan_destroy(ch);
		return;
	}
	selector_start(test, rcv);
	KUNIT_EXPECT_EQ(test, selector_finish(snd), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(rcv), 0);
	KUNIT_EXPECT_NOT_NULL(test, rcv->cases[0].cw.msg);
	if (rcv->cases[0].cw.msg)
		KUNIT_EXPECT_EQ(test, memcmp(rcv->cases[0].cw.msg->data, "paired", 6), 0);
	KUNIT_EXPECT_NULL(test, snd->cases[0].cw.msg);
	case_done(&snd->cases[0]);
	case_done(&rcv->cases[0]);

	/* Go's TestSelfSelect: send and receive on one channel in one select */
	chan_case(&self[0], ch, GOSYNC_CASE_SEND, "me");
	chan_case(&self[1], ch, GOSYNC_CASE_RECV, NULL);
	KUNIT_EXPECT_EQ(test, gs_wait_any(self, 2, false, false,
					  &(struct gs_deadline){
						.t = ktime_add_ms(ktime_get(), 50),
						.clock = CLOCK_MONOTONIC }, &index),
			-ETIMEDOUT);
	KUNIT_EXPECT_NOT_NULL(test, self[0].cw.msg);	/* not sent */
	KUNIT_EXPECT_NULL(test, self[1].cw.msg);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->sendq, 0));
	case_done(&self[0]);
	gs_chan_destroy(ch);
}

/*
 * Go's TestPseudoRandomSend: a selection of two sends on one unbuffered
 * channel queues both; a receiver takes the first queued, which must be
 * either about as often (each at least 15 of 100: a fair coin fails that
 * with probability below 1e-12). Queued in index order, it was always 0.
 */
static void wait_any_random_queue_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct selector *sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);
	unsigned int round, got[2] = {};
	char out[80];
	int ret, sret;

	KUNIT_ASSERT_NOT_NULL(test, sp);
	for (round = 0; round < 100; round++) {
		chan_case(&sp->cases[0], ch, GOSYNC_CASE_SEND, "0");
		chan_case(&sp->cases[1], ch, GOSYNC_CASE_SEND, "1");
		sp->n = 2;
		selector_start(test, sp);
		KUNIT_EXPECT_TRUE(test, wait_until(queued(ch, &ch->sendq, 2)));
		ret = do_recv(ch, 64, out, FOREVER, false);
		KUNIT_EXPECT_EQ(test, ret, 0);
		if (ret)	/* nothing received: end the selection */
			send_sig(SIGUSR1, sp->task, 1);
		sret = selector_finish(sp);
		KUNIT_EXPECT_EQ(test, sret, 0);
		KUNIT_EXPECT_LT(test, sp->index, 2U);
		if (!ret && !sret && sp->index < 2) {
			KUNIT_EXPECT_EQ(test, out[0], '0' + (char)sp->index);
			KUNIT_EXPECT_TRUE(test, queued(ch, &ch->sendq, 0));
			got[sp->index]++;
		}
		case_done(&sp->cases[0]);
		case_done(&sp->cases[1]);
		if (ret || sret || sp->index >= 2)
			break;
	}
	KUNIT_EXPECT_GE(test, got[0], 15U);
	KUNIT_EXPECT_GE(test, got[1], 15U);
	gs_chan_destroy(ch);
}

/*
 * Go's TestSelectDuplicateChannel: a selection waiting twice on @c and on
 * @d, woken by @d, leaves both its places in @c's queue, and a send on @c
 * then completes the receiver queued after it.
 */
static void wait_any_duplicate_test(struct kunit *test)
{
	struct gs_chan *c = new_chan(test, 0), *d = new_chan(test, 0);
	struct selector *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct selector *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_TRUE(test, a && b);
	chan_case(&a->cases[0], c, GOSYNC_CASE_RECV, NULL);
	chan_case(&a->cases[1], c, GOSYNC_CASE_RECV, NULL);
	chan_case(&a->cases[2], d, GOSYNC_CASE_RECV, NULL);
	a->n = 3;
	selector_start(test, a);
	if (!expect_true(test, wait_until(queued(c, &c->recvq, 2) && queued(d, &d->recvq, 1)))) {
		selector_cancel(a);
		goto out;
	}
	chan_case(&b->cases[0], c, GOSYNC_CASE_RECV, NULL);
	b->n = 1;
	selector_start(test, b);
	if (!expect_true(test, wait_until(queued(c, &c->recvq, 3)))) {
		selector_cancel(a);
		selector_cancel(b);
		goto out;
	}

	KUNIT_EXPECT_EQ(test, try_send(d, "7"), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(a), 0);
	KUNIT_EXPECT_EQ(test, a->index, 2U);
	KUNIT_EXPECT_TRUE(test, queued(c, &c->recvq, 1));
	KUNIT_EXPECT_EQ(test, try_send(c, "8"), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(b), 0);
	KUNIT_EXPECT_NOT_NULL(test, b->cases[0].cw.msg);
	if (b->cases[0].cw.msg)
		KUNIT_EXPECT_EQ(test, b->cases[0].cw.msg->data[0], '8');
	KUNIT_EXPECT_TRUE(test, queued(c, &c->recvq, 0));
out:
	case_done(&a->cases[2]);
	case_done(&b->cases[0]);
	gs_chan_destroy(c);
	gs_chan_destroy(d);
}

/* A close racing a waiting selection: its receive case sees closed. */
static void wait_any_close_test(struct kunit *test)
{
	struct gs_chan *a = new_chan(test, 0), *b = new_chan(test, 0);
	struct selector *sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sp);

	chan_case(&sp->cases[0], a, GOSYNC_CASE_RECV, NULL);
	chan_case(&sp->cases[1], b, GOSYNC_CASE_SEND, "never");
	sp->n = 2;
	selector_start(test, sp);
	/* (the close ends its selection, queued yet or not) */
	KUNIT_EXPECT_TRUE(test, wait_until(queued(a, &a->recvq, 1)));
	KUNIT_EXPECT_EQ(test, gs_chan_close(a), 0);
	KUNIT_EXPECT_EQ(test, selector_finish(sp), 0);
	KUNIT_EXPECT_EQ(test, sp->index, 0U);
	KUNIT_EXPECT_EQ(test, sp->cases[0].result, 0);
	KUNIT_EXPECT_NULL(test, sp->cases[0].cw.msg);	/* closed: no message */
	KUNIT_EXPECT_NOT_NULL(test, sp->cases[1].cw.msg);	/* the send did not happen */
	KUNIT_EXPECT_TRUE(test, queued(b, &b->sendq, 0));
	case_done(&sp->cases[1]);
	/* and a signal ends a selection with nothing done */
	chan_case(&sp->cases[0], b, GOSYNC_CASE_RECV, NULL);
	sp->n = 1;
	selector_start(test, sp);
	KUNIT_EXPECT_TRUE(test, wait_until(queued(b, &b->recvq, 1)));
	send_sig(SIGUSR1, sp->task, 1);
	KUNIT_EXPECT_EQ(test, selector_finish(sp), -EINTR);
	KUNIT_EXPECT_TRUE(test, queued(b, &b->recvq, 0));
	gs_chan_destroy(a);
	gs_chan_destroy(b);
}

/*
 * Wait-all takes every lock at once or none: with one Mutex held elsewhere
 * it takes neither, and once that one is free it takes both, whatever the
 * order of the cases.
 */
static void wait_all_atomic_test(struct kunit *test)
{
	struct gs_mutex *m1 = gs_mutex_create(true), *m2 = gs_mutex_create(true);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_holder other = {}, h = {};
	struct gs_case cases[3];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m2, &other, FOREVER), 0);
	case_init(&cases[0], &gs_mutex_type, m1, &h, GOSYNC_CASE_LOCK);
	case_init(&cases[1], &gs_mutex_type, m2, &h, GOSYNC_CASE_LOCK);
	case_init(&cases[2], &gs_rwmutex_type, rw, &h, GOSYNC_CASE_RLOCK);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cases, 3, true, FOREVER), -EAGAIN);
	KUNIT_EXPECT_NULL(test, m1->owner);
	KUNIT_EXPECT_EQ(test, rw->readers, 0U);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cases, 3, false, PAST), -ETIMEDOUT);
	KUNIT_EXPECT_NULL(test, m1->owner);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m2), 0);
	swap(cases[0], cases[1]);
	KUNIT_EXPECT_EQ(test, gs_wait_all(cases, 3, false, FOREVER), 0);
	KUNIT_EXPECT_PTR_EQ(test, m1->owner, &h);
	KUNIT_EXPECT_PTR_EQ(test, m2->owner, &h);
	KUNIT_EXPECT_EQ(test, rw->readers, 1U);
	KUNIT_EXPECT_EQ(test, h.rlocks, 1U);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m1), 0);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m2), 0);
	KUNIT_EXPECT_EQ(test, gs_rwmutex_runlock(rw, &h), 0);
	gs_mutex_destroy(m1);
	gs_mutex_destroy(m2);
	gs_rwmutex_destroy(rw);
}

static int do_wait_all_nonblock(struct blocker *b)
{
	return gs_wait_all(b->obj, 1, true, FOREVER);
}

/*
 * Waiting for its turn behind other ALLs (a flood of them, or one spinning
 * on a busy object's lock), an ALL still hears signals: it slept in D
 * state, deaf even to SIGKILL, however short its deadline or NONBLOCK.
 */
static void wait_all_turn_interruptible_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct blocker b = {};
	struct gs_holder h = {};
	struct gs_case c;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	case_init(&c, &gs_mutex_type, m, &h, GOSYNC_CASE_LOCK);
	gs_wait_all_turn(true);
	blocker_start(test, &b, do_wait_all_nonblock, &c);
	/*
	 * Asleep for the turn: its only interruptible sleep (a new thread
	 * can be off its run queue for a moment before it first runs, with
	 * SIGUSR1 not yet allowed).
	 */
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(b.task->__state) == TASK_INTERRUPTIBLE &&
					   !READ_ONCE(b.task->on_rq)));
	blocker_signal(&b);
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(b.finished)));
	gs_wait_all_turn(false);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EINTR);
	KUNIT_EXPECT_NULL(test, m->owner);
	gs_mutex_destroy(m);
}

/*
 * An ALL with a case that is not ready does not queue for the turn at all:
 * one user's flood of ALLs woken in vain must not hold up another's.
 * (It used to wait for the turn to learn that.)
 */
static void wait_all_unready_skips_turn_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_holder h = {}, owner = {};
	struct blocker b = {};
	struct gs_case c;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_mutex_lock(m, &owner, FOREVER), 0);
	case_init(&c, &gs_mutex_type, m, &h, GOSYNC_CASE_LOCK);
	gs_wait_all_turn(true);
	blocker_start(test, &b, do_wait_all_nonblock, &c);
	expect_true(test, wait_until(READ_ONCE(b.finished)));
	gs_wait_all_turn(false);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, &owner);
	KUNIT_EXPECT_EQ(test, gs_mutex_unlock(m), 0);
	gs_mutex_destroy(m);
}

/*
 * A select (or, with @all, a wait-all) that its task is killed in; with
 * @first, killed before the call starts
 */
struct killed_wait {
	struct gs_case cases[2];
	unsigned int n;
	bool all, first;
	struct gs_holder h;
	struct completion go;
	bool ready;	/* about to wait for @go: SIGKILL may be sent */
};

static int do_killed_wait(struct blocker *b)
{
	struct killed_wait *k = b->obj;
	unsigned int index;

	if (k->first) {
		/* uninterruptible: the kill comes before the call starts */
		WRITE_ONCE(k->ready, true);
		wait_done(&k->go);
	}
	if (!k->all)
		return gs_wait_any(k->cases, k->n, false, false, FOREVER, &index);
	return gs_wait_all(k->cases, k->n, false, FOREVER);
}

/*
 * A select killed while its RLOCK case waits for a writer, and the
 * writer's Unlock before it runs again, which grants the case: as a plain
 * RLock, the dying task gives the read lock back (a non-robust RWMutex
 * would stay read-locked for good). A wait-all whose task is already
 * being killed when it starts gives back what it took at once. A select
 * whose case took nothing to give back (a message received) reports it.
 */
static void wait_killed_then_granted_test(struct kunit *test)
{
	struct gs_rwmutex *rw = gs_rwmutex_create(false);
	struct gs_sem *s = gs_sem_create(1, false);
	struct gs_mutex *m = gs_mutex_create(false);
	struct gs_chan *ch = new_chan(test, 1);
	struct killed_wait k = {};
	struct gs_holder a = {};
	struct blocker b = { .killable = true };
	bool freed, ok;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_EQ(test, gs_rwmutex_lock(rw, &a, true, FOREVER), 0);
	case_init(&k.cases[0], &gs_rwmutex_type, rw, &k.h, GOSYNC_CASE_RLOCK);
	k.n = 1;
	blocker_start(test, &b, do_killed_wait, &k);
	ok = blocker_pin(test, &b) && expect_true(test, wait_until(rw_has_waiters(rw, 1))) &&
	     blocker_kill(test, &b, then_rwmutex_unlock, rw);
	blocker_unpin();
	if (!ok) {
		/* not killed: end its select (and drop a read lock it got) */
		if (!blocker_cancel(&b))
			gs_rwmutex_runlock(rw, &k.h);
		gs_rwmutex_unlock(rw);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EINTR);
	freed = !gs_rwmutex_trylock(rw, &a, true);
	KUNIT_EXPECT_TRUE_MSG(test, freed, "the killed select kept its read lock");
	if (freed)
		gs_rwmutex_unlock(rw);

	/* wait-all: a Semaphore's permit and a Mutex, both free */
	k = (struct killed_wait){ .n = 2, .all = true, .first = true };
	init_completion(&k.go);
	case_init(&k.cases[0], &gs_sem_type, s, &k.h, GOSYNC_CASE_ACQUIRE);
	k.cases[0].n = 1;
	case_init(&k.cases[1], &gs_mutex_type, m, &k.h, GOSYNC_CASE_LOCK);
	blocker_start(test, &b, do_killed_wait, &k);
	/* (not so, the kill may be missed: the wait-all then ends by itself) */
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(k.ready) && !READ_ONCE(b.task->on_rq)));
	send_sig(SIGKILL, b.task, 1);
	complete(&k.go);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), -EINTR);
	freed = !gs_sem_tryacquire(s, &a, 1);
	KUNIT_EXPECT_TRUE_MSG(test, freed, "the killed wait-all kept its permit");
	if (freed)
		gs_sem_release(s, &a, 1);
	freed = !gs_mutex_trylock(m, &a);
	KUNIT_EXPECT_TRUE_MSG(test, freed, "the killed wait-all kept its Mutex");
	if (freed)
		gs_mutex_unlock(m);

	/* a select's RECV: the message it took is reported, not EINTR */
	KUNIT_ASSERT_EQ(test, try_send(ch, "m"), 0);
	k = (struct killed_wait){ .n = 1, .first = true };
	init_completion(&k.go);
	chan_case(&k.cases[0], ch, GOSYNC_CASE_RECV, NULL);
	blocker_start(test, &b, do_killed_wait, &k);
	KUNIT_EXPECT_TRUE(test, wait_until(READ_ONCE(k.ready) && !READ_ONCE(b.task->on_rq)));
	send_sig(SIGKILL, b.task, 1);
	complete(&k.go);
	KUNIT_EXPECT_EQ(test, blocker_finish(&b), 0);
	KUNIT_EXPECT_EQ(test, k.cases[0].result, 0);
	KUNIT_EXPECT_NOT_NULL(test, k.cases[0].cw.msg);
	case_done(&k.cases[0]);
out:
	gs_chan_destroy(ch);
	gs_rwmutex_destroy(rw);
	gs_sem_destroy(s);
	gs_mutex_destroy(m);
}

/*
 * A queued send that a receiver completed has no message left: a retry of
 * the same case (the selection woke for another reason first) must see its
 * selection won, not touch the message (the KASAN report that Go's
 * TestSelfSelect found on the debug kernel).
 */
static void wait_any_retry_completed_send_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_chan_waiter other = { .op = GOSYNC_CHAN_RECV, .cap = 64 };
	struct gs_case c;
	struct gs_sel sel;
	char out[80];

	gs_sel_init(&sel);
	chan_case(&c, ch, GOSYNC_CASE_SEND, "mine");
	c.cw.sel = &sel;
	c.cw.index = 0;
	KUNIT_ASSERT_EQ(test, gs_chan_arm(ch, &c.cw), -EAGAIN);
	/* a receiver takes the queued message and claims the selection */
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "mine");
	KUNIT_EXPECT_NULL(test, c.cw.msg);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 0);
	/* another receiver waits; the selection retries its send case */
	INIT_LIST_HEAD(&other.node);
	other.sel = NULL;
	KUNIT_ASSERT_EQ(test, gs_chan_try(ch, &other, NULL, 0), -EAGAIN);
	spin_lock(&ch->lock);
	list_add_tail(&other.node, &ch->recvq);
	spin_unlock(&ch->lock);
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &c.cw, &sel, 0), -EALREADY);
	spin_lock(&ch->lock);
	list_del_init(&other.node);
	spin_unlock(&ch->lock);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &c.cw), 0);
	gs_chan_destroy(ch);
}

/* Queue case @c of this task's selection @sel, as its case @i. */
static int arm_case(struct gs_case *c, struct gs_sel *sel, int i)
{
	c->cw.sel = sel;
	c->cw.index = i;
	return gs_chan_arm(c->priv, &c->cw);
}

/*
 * A queued send that its owner's retry completes leaves the send queue at
 * once: a receiver that found it there afterwards read its message, which
 * was gone (a NULL dereference under the channel's lock).
 */
static void wait_any_retry_dequeues_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 1);
	struct gs_case c;
	struct gs_sel sel;
	char out[80];

	KUNIT_ASSERT_EQ(test, try_send(ch, "first"), 0);	/* full */
	gs_sel_init(&sel);
	chan_case(&c, ch, GOSYNC_CASE_SEND, "second");
	KUNIT_ASSERT_EQ(test, arm_case(&c, &sel, 0), -EAGAIN);
	/* a receive makes room while the owner is busy on another case */
	atomic_set(&sel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "first");
	KUNIT_EXPECT_EQ(test, atomic_xchg(&sel.woken, 0), 1);	/* told to retry */
	atomic_set(&sel.winner, GS_SEL_NONE);
	/* the retry buffers the message */
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &c.cw, &sel, 0), 0);
	KUNIT_EXPECT_NULL(test, c.cw.msg);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->sendq, 0));
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "second");
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), -EAGAIN);
	/* disarm finds it unqueued: the retry's result stands */
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &c.cw), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), 0);
	gs_chan_destroy(ch);
}

/*
 * A counterpart that finds a queued selection busy pairing another of its
 * cases makes it try again; one that finds it decided leaves it alone, and
 * never reports the length of a message that will not be sent.
 */
static int count_wake(struct wait_queue_entry *wqe, unsigned int mode, int sync, void *key)
{
	atomic_inc((atomic_t *)wqe->private);
	return 0;
}

static void wait_any_busy_retry_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct wait_queue_entry watcher;
	atomic_t watcher_woken = ATOMIC_INIT(0);
	struct gs_case r, s;
	struct gs_sel rsel, ssel;
	char out[80];

	/* another selection watching the channel */
	init_waitqueue_func_entry(&watcher, count_wake);
	watcher.private = &watcher_woken;
	add_wait_queue(&ch->wq, &watcher);
	gs_sel_init(&rsel);
	chan_case(&r, ch, GOSYNC_CASE_RECV, NULL);
	KUNIT_ASSERT_EQ(test, arm_case(&r, &rsel, 0), -EAGAIN);
	atomic_set(&watcher_woken, 0);
	atomic_set(&rsel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, try_send(ch, "x"), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_xchg(&rsel.woken, 0), 1);
	/* only the busy one is told: nothing changed for the others */
	KUNIT_EXPECT_EQ(test, atomic_read(&watcher_woken), 0);
	remove_wait_queue(&ch->wq, &watcher);
	atomic_set(&rsel.winner, 1);		/* decided elsewhere */
	KUNIT_EXPECT_EQ(test, try_send(ch, "x"), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&rsel.woken), 0);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &r.cw), -EAGAIN);

	gs_sel_init(&ssel);
	chan_case(&s, ch, GOSYNC_CASE_SEND, "a long message");
	KUNIT_ASSERT_EQ(test, arm_case(&s, &ssel, 0), -EAGAIN);
	atomic_set(&ssel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_xchg(&ssel.woken, 0), 1);
	atomic_set(&ssel.winner, 1);
	/* too small a buffer, but that message is not on offer any more */
	KUNIT_EXPECT_EQ(test, do_recv(ch, 2, out, PAST, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &s.cw), -EAGAIN);
	case_done(&s);
	gs_chan_destroy(ch);
}

/*
 * A poller refused because the queued party was busy (a Recv waiting in Go's
 * edge-triggered netpoller: it sees the channel ready, tries, finds the
 * selection's send busy pairing another case, and waits for the next edge)
 * is woken when that selection retries its case here: else both slept, a
 * sender queued and a receiver waiting, until something else happened.
 */
static void chan_busy_retry_wakes_pollers_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct wait_queue_entry watcher;
	atomic_t watcher_woken = ATOMIC_INIT(0);
	struct gs_sel ssel;
	struct gs_case s;
	char out[80];

	gs_sel_init(&ssel);
	chan_case(&s, ch, GOSYNC_CASE_SEND, "m");
	KUNIT_ASSERT_EQ(test, arm_case(&s, &ssel, 0), -EAGAIN);
	init_waitqueue_func_entry(&watcher, count_wake);
	watcher.private = &watcher_woken;
	add_wait_queue(&ch->wq, &watcher);
	atomic_set(&ssel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_xchg(&ssel.woken, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&watcher_woken), 0);	/* not yet */
	/* the busy claim given up; the selection retries its send here */
	atomic_set(&ssel.winner, GS_SEL_NONE);
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &s.cw, &ssel, 0), -EAGAIN);
	KUNIT_EXPECT_GT(test, atomic_read(&watcher_woken), 0);
	/* paid once: the next try is no change */
	atomic_set(&watcher_woken, 0);
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &s.cw, &ssel, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&watcher_woken), 0);
	/* the woken poller's Recv now takes the message */
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ssel.winner), 0);
	remove_wait_queue(&ch->wq, &watcher);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &s.cw), 0);
	case_done(&s);
	gs_chan_destroy(ch);
}

/*
 * A selection woken again each time it looks (a watched object that keeps
 * changing without completing any of its cases, as a Recv that queues and
 * times out over and over) still ends at its deadline or on a signal. It
 * returned "try again" without sleeping, so without seeing either, for as
 * long as the wake-ups came: a select could overrun its deadline and ignore
 * SIGKILL without bound.
 */
static void sel_woken_deadline_test(struct kunit *test)
{
	struct gs_deadline dl = GS_FOREVER;
	struct gs_sel sel;
	int ret, rounds;

	gs_sel_init(&sel);
	dl.t = ktime_sub_ms(ktime_get(), 1);
	for (rounds = 0; rounds < 100; rounds++) {
		atomic_set(&sel.woken, 1);	/* as gs_sel_wake() sets it */
		ret = gs_sel_sleep(&sel, &dl);
		if (ret != 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, ret, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, rounds, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), GS_SEL_CANCELED);

	/* a signal, with no deadline */
	gs_sel_init(&sel);
	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	atomic_set(&sel.woken, 1);
	KUNIT_EXPECT_EQ(test, gs_sel_sleep(&sel, &GS_FOREVER), -EINTR);
	flush_signals(current);
	/* a counterpart's claim still wins over both */
	gs_sel_init(&sel);
	atomic_set(&sel.woken, 1);
	KUNIT_EXPECT_TRUE(test, gs_sel_claim(&sel, 0));
	dl.t = ktime_sub_ms(ktime_get(), 1);
	KUNIT_EXPECT_EQ(test, gs_sel_sleep(&sel, &dl), 0);
	/* woken, deadline ahead: try again */
	gs_sel_init(&sel);
	atomic_set(&sel.woken, 1);
	KUNIT_EXPECT_EQ(test, gs_sel_sleep(&sel, &GS_FOREVER), 1);
}

/*
 * A receiver that a send passed over while it was busy (so the message was
 * buffered) stays queued beside the buffer until it retries: a later send
 * must buffer behind that message, not hand itself to the receiver first,
 * and a close must leave the receiver to drain the buffer before it reports
 * closed (Go's FIFO and close-then-drain).
 */
static void chan_stale_receiver_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 4);
	struct gs_case r;
	struct gs_sel sel;
	char out[80];

	gs_sel_init(&sel);
	chan_case(&r, ch, GOSYNC_CASE_RECV, NULL);
	KUNIT_ASSERT_EQ(test, arm_case(&r, &sel, 0), -EAGAIN);
	atomic_set(&sel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, try_send(ch, "m1"), 0);		/* buffered */
	KUNIT_EXPECT_EQ(test, atomic_xchg(&sel.woken, 0), 1);	/* told to retry */
	atomic_set(&sel.winner, GS_SEL_NONE);		/* its owner gave that claim up */
	KUNIT_EXPECT_EQ(test, try_send(ch, "m2"), 0);
	KUNIT_EXPECT_NULL(test, r.cw.msg);			/* not handed m2 before m1 */
	KUNIT_EXPECT_EQ(test, gs_chan_close(ch), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&sel.winner), GS_SEL_NONE);	/* not told closed */
	/* its retry takes the oldest; then the rest drain, then closed */
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &r.cw, &sel, 0), 0);
	KUNIT_ASSERT_NOT_NULL(test, r.cw.msg);
	KUNIT_EXPECT_EQ(test, memcmp(r.cw.msg->data, "m1", 2), 0);
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &r.cw), -EAGAIN);
	case_done(&r);
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_STREQ(test, out, "m2");
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 1);	/* closed, drained */
	gs_chan_destroy(ch);
}

/*
 * Senders still queued on a closed channel (one that close found busy) are
 * owed EPIPE: a receive drains the buffer, then sees closed, never their
 * message.
 */
static void chan_closed_keeps_senders_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_case s;
	struct gs_sel sel;
	char out[80];

	gs_sel_init(&sel);
	chan_case(&s, ch, GOSYNC_CASE_SEND, "late");
	KUNIT_ASSERT_EQ(test, arm_case(&s, &sel, 0), -EAGAIN);
	atomic_set(&sel.winner, GS_SEL_BUSY);
	KUNIT_EXPECT_EQ(test, gs_chan_close(ch), 0);
	atomic_set(&sel.winner, GS_SEL_NONE);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->sendq, 1));
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 1);	/* closed */
	KUNIT_EXPECT_NOT_NULL(test, s.cw.msg);
	/* its owner's retry gets EPIPE and leaves the queue */
	KUNIT_EXPECT_EQ(test, gs_chan_try(ch, &s.cw, &sel, 0), -EPIPE);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->sendq, 0));
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &s.cw), -EAGAIN);
	case_done(&s);
	gs_chan_destroy(ch);
}

/*
 * More receivers with too small a buffer than one wake batch holds, then
 * one whose buffer fits: the send tells them all and reaches it (it used to
 * stop at the batch's end and wait, or buffer, beside that receiver).
 */
#define SMALL_RECEIVERS	(2 * GS_WAKE_MAX + 3)

static void chan_send_past_full_batch_test(struct kunit *test)
{
	struct gs_chan *ch = new_chan(test, 0);
	struct gs_case *r = kunit_kcalloc(test, SMALL_RECEIVERS + 1, sizeof(*r), GFP_KERNEL);
	struct gs_sel *sel = kunit_kcalloc(test, SMALL_RECEIVERS + 1, sizeof(*sel), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_TRUE(test, r && sel);
	for (i = 0; i <= SMALL_RECEIVERS; i++) {
		gs_sel_init(&sel[i]);
		chan_case(&r[i], ch, GOSYNC_CASE_RECV, NULL);
		r[i].cw.cap = i < SMALL_RECEIVERS ? 2 : 64;
		KUNIT_ASSERT_EQ(test, arm_case(&r[i], &sel[i], 0), -EAGAIN);
	}
	KUNIT_EXPECT_EQ(test, try_send(ch, "fits"), 0);
	for (i = 0; i <= SMALL_RECEIVERS; i++)
		KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &r[i].cw),
				i < SMALL_RECEIVERS ? -EOVERFLOW : 0);
	KUNIT_EXPECT_EQ(test, r[0].cw.needed, 4U);
	KUNIT_ASSERT_NOT_NULL(test, r[SMALL_RECEIVERS].cw.msg);
	KUNIT_EXPECT_EQ(test, memcmp(r[SMALL_RECEIVERS].cw.msg->data, "fits", 4), 0);
	KUNIT_EXPECT_TRUE(test, queued(ch, &ch->recvq, 0));
	case_done(&r[SMALL_RECEIVERS]);
	gs_chan_destroy(ch);
}

/*
 * More queued senders whose selections are busy (pairing elsewhere) than
 * one wake batch holds, then one that is free: a receive tells each busy
 * one to retry (woken set) and still reaches the free one, on an unbuffered
 * channel (taking its message) and on a full buffered one (its message
 * refills the buffer). Those wakes wait for the lock to be dropped, so the
 * batch is flushed as it fills: gs_wake_add() WARNs if it overflows.
 */
static void chan_recv_past_busy_senders(struct kunit *test, u32 cap)
{
	struct gs_chan *ch = new_chan(test, cap);
	struct gs_case *s = kunit_kcalloc(test, SMALL_RECEIVERS + 1, sizeof(*s), GFP_KERNEL);
	struct gs_sel *sel = kunit_kcalloc(test, SMALL_RECEIVERS + 1, sizeof(*sel), GFP_KERNEL);
	char out[80];
	int i;

	KUNIT_ASSERT_TRUE(test, s && sel);
	if (cap)
		KUNIT_ASSERT_EQ(test, try_send(ch, "first"), 0);	/* full */
	for (i = 0; i <= SMALL_RECEIVERS; i++) {
		gs_sel_init(&sel[i]);
		chan_case(&s[i], ch, GOSYNC_CASE_SEND, i < SMALL_RECEIVERS ? "busy" : "free");
		KUNIT_ASSERT_EQ(test, arm_case(&s[i], &sel[i], 0), -EAGAIN);
		if (i < SMALL_RECEIVERS)
			atomic_set(&sel[i].winner, GS_SEL_BUSY);
	}
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
	KUNIT_EXPECT_STREQ(test, out, cap ? "first" : "free");
	for (i = 0; i < SMALL_RECEIVERS; i++) {
		KUNIT_EXPECT_EQ(test, atomic_xchg(&sel[i].woken, 0), 1);
		KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &s[i].cw), -EAGAIN);
		case_done(&s[i]);
	}
	KUNIT_EXPECT_EQ(test, gs_chan_disarm(ch, &s[i].cw), 0);
	KUNIT_EXPECT_NULL(test, s[i].cw.msg);
	if (cap) {
		KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), 0);
		KUNIT_EXPECT_STREQ(test, out, "free");
	}
	KUNIT_EXPECT_EQ(test, do_recv(ch, 64, out, PAST, false), -EAGAIN);
	gs_chan_destroy(ch);
}

static void chan_recv_past_busy_senders_test(struct kunit *test)
{
	chan_recv_past_busy_senders(test, 0);
	chan_recv_past_busy_senders(test, 1);
}

/*
 * Two selections that can only pair with each other, {send a, send b} and
 * {recv a, recv b}, round after round: each finds the other busy now and
 * then, and both must still pair (they used to both sleep, each waiting for
 * the other; the deadline turns such a hang into a failure).
 */
struct pair_loop {
	struct gs_chan *a, *b;
	bool send;
	int rounds;
	int failed;
	struct completion done;
};

static int pair_loop_thread(void *arg)
{
	struct pair_loop *p = arg;
	u32 op = p->send ? GOSYNC_CASE_SEND : GOSYNC_CASE_RECV;
	const char *msg = p->send ? "m" : NULL;
	struct gs_case cases[2];
	unsigned int index;
	int i, ret;

	for (i = 0; i < p->rounds && !p->failed; i++) {
		chan_case(&cases[0], p->a, op, msg);
		chan_case(&cases[1], p->b, op, msg);
		ret = gs_wait_any(cases, 2, false, false,
				  &(struct gs_deadline){
					.t = ktime_add_ms(ktime_get(), LIVENESS_MS),
					.clock = CLOCK_MONOTONIC }, &index);
		if (ret || cases[index].result)
			p->failed = i + 1;
		case_done(&cases[0]);
		case_done(&cases[1]);
	}
	complete(&p->done);
	return 0;
}

static void wait_any_select_pairs_test(struct kunit *test)
{
	struct gs_chan *a = new_chan(test, 0), *b = new_chan(test, 0);
	struct pair_loop snd = { .a = a, .b = b, .send = true, .rounds = 2000 };
	struct pair_loop rcv = { .a = a, .b = b, .rounds = 2000 };
	bool both;

	init_completion(&snd.done);
	init_completion(&rcv.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(pair_loop_thread, &snd, "gosync_snd")));
	both = !IS_ERR(kthread_run(pair_loop_thread, &rcv, "gosync_rcv"));
	KUNIT_EXPECT_TRUE(test, both);
	/* A failed side stops; the other's next select then times out (alone, its first). */
	wait_done(&snd.done);
	if (both)
		wait_done(&rcv.done);
	KUNIT_EXPECT_EQ(test, snd.failed, 0);
	KUNIT_EXPECT_EQ(test, rcv.failed, 0);
	gs_chan_destroy(a);
	gs_chan_destroy(b);
}

/*
 * Lockers, selections {LOCK or ACQUIRE, RECV ch} and a sender that completes
 * their receive cases, round after round, on a Mutex, an RWMutex (writers)
 * and a 1-permit Semaphore: the object stays exclusive, every selection
 * completes exactly one case, and the FIFO ends empty. Holds of over 1 ms
 * now and then put the Mutex in starvation mode; every Unlock or Release
 * may hand the object to a queued selection, some of them just decided by
 * the sender or claiming a sender themselves (GS_SEL_BUSY).
 */
#define MX_ROUNDS	300

struct mx_stress {
	const struct gs_type *type;	/* gs_mutex_type, gs_rwmutex_type, gs_sem_type */
	void *obj;
	struct gs_chan *ch;
	atomic_t *inside;
	bool *stop;
	int kind;		/* 0: Lock, 1: select, 2: sender */
	int failed;		/* the round that failed, from 1 */
	unsigned int took_lock, took_chan;
	struct gs_holder holder;
	struct completion done;
};

static int mx_take(struct mx_stress *x)
{
	if (x->type == &gs_sem_type)
		return gs_sem_acquire(x->obj, &x->holder, 1, FOREVER);
	if (x->type == &gs_rwmutex_type)
		return gs_rwmutex_lock(x->obj, &x->holder, true, FOREVER);
	return gs_mutex_lock(x->obj, &x->holder, FOREVER);
}

static int mx_put(struct mx_stress *x)
{
	if (x->type == &gs_sem_type)
		return gs_sem_release(x->obj, &x->holder, 1);
	if (x->type == &gs_rwmutex_type)
		return gs_rwmutex_unlock(x->obj);
	return gs_mutex_unlock(x->obj);
}

/* The critical section: alone inside, now and then for over 1 ms. */
static bool mx_inside(struct mx_stress *x, int round)
{
	bool alone = atomic_inc_return(x->inside) == 1;

	if (round % 8 == 0)
		usleep_range(1200, 1500);
	else
		ndelay(2000);
	atomic_dec(x->inside);
	return alone && !mx_put(x);
}

/* One round of a selection: false if it failed. */
static bool mx_select(struct mx_stress *x, int round)
{
	struct gs_deadline dl = { .t = ktime_add_ms(ktime_get(), LIVENESS_MS),
				  .clock = CLOCK_MONOTONIC };
	u32 op = x->type == &gs_sem_type ? GOSYNC_CASE_ACQUIRE : GOSYNC_CASE_LOCK;
	struct gs_case cases[2];
	unsigned int index;
	bool ok;

	case_init(&cases[0], x->type, x->obj, &x->holder, op);
	cases[0].n = 1;
	chan_case(&cases[1], x->ch, GOSYNC_CASE_RECV, NULL);
	ok = !gs_wait_any(cases, 2, false, false, &dl, &index) && !cases[index].result;
	if (ok && index == 0) {
		x->took_lock++;
		ok = mx_inside(x, round);
	} else if (ok) {
		x->took_chan++;
		ok = !!cases[1].cw.msg;
	}
	case_done(&cases[1]);
	return ok;
}

/* One send: now and then a blocking one, which gets queued for a while. */
static void mx_send(struct mx_stress *x, int round)
{
	struct gs_deadline dl = { .t = ktime_add_ms(ktime_get(), 2), .clock = CLOCK_MONOTONIC };
	struct gs_case c;
	unsigned int index;

	if (round % 2) {
		try_send(x->ch, "s");
		usleep_range(100, 200);
		return;
	}
	chan_case(&c, x->ch, GOSYNC_CASE_SEND, "s");
	gs_wait_any(&c, 1, false, false, &dl, &index);
	case_done(&c);
}

static int mx_stress_thread(void *arg)
{
	struct mx_stress *x = arg;
	int i;

	for (i = 1; x->kind == 2 ? !READ_ONCE(*x->stop) : i <= MX_ROUNDS && !x->failed; i++) {
		if (x->kind == 2)
			mx_send(x, i);
		else if (x->kind == 1 ? !mx_select(x, i) : mx_take(x) || !mx_inside(x, i))
			x->failed = i;
	}
	complete(&x->done);
	return 0;
}

/* Two lockers, two selections and a sender on @obj, its FIFO @waiters under @lock. */
static void mx_stress_run(struct kunit *test, const struct gs_type *type, void *obj,
			  spinlock_t *lock, struct list_head *waiters)
{
	struct gs_chan *ch = new_chan(test, 0);
	atomic_t inside = ATOMIC_INIT(0);
	bool stop = false;
	struct mx_stress x[5];
	int i, started;

	for (started = 0; started < ARRAY_SIZE(x); started++) {
		x[started] = (struct mx_stress){
			.type = type, .obj = obj, .ch = ch, .inside = &inside, .stop = &stop,
			.kind = started < 2 ? 0 : started < 4 ? 1 : 2,
		};
		init_completion(&x[started].done);
		if (IS_ERR(kthread_run(mx_stress_thread, &x[started], "gosync_mx/%d", started)))
			break;
	}
	/* (they use this stack: wait for those that started; the sender last) */
	for (i = 0; i < min(started, 4); i++)
		wait_done(&x[i].done);
	WRITE_ONCE(stop, true);
	if (started == ARRAY_SIZE(x))
		wait_done(&x[4].done);
	if (!expect_true(test, started == ARRAY_SIZE(x))) {
		gs_chan_destroy(ch);
		return;
	}
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, x[i].failed, 0);
	for (i = 2; i < 4; i++)
		KUNIT_EXPECT_EQ(test, x[i].took_lock + x[i].took_chan, MX_ROUNDS);
	/* One short line: a test case's log is small (KUNIT_LOG_SIZE). */
	kunit_info(test, "%s: selections took it %u times, received %u\n", type->name,
		   x[2].took_lock + x[3].took_lock, x[2].took_chan + x[3].took_chan);
	KUNIT_EXPECT_TRUE(test, nr_waiters_is(lock, waiters, 0));
	gs_chan_destroy(ch);
}

static void wait_any_lock_stress_test(struct kunit *test)
{
	struct gs_mutex *m = gs_mutex_create(true);
	struct gs_rwmutex *rw = gs_rwmutex_create(true);
	struct gs_sem *s = gs_sem_create(1, true);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	mx_stress_run(test, &gs_mutex_type, m, &m->lock, &m->waiters);
	KUNIT_EXPECT_PTR_EQ(test, m->owner, NULL);
	mx_stress_run(test, &gs_rwmutex_type, rw, &rw->lock, &rw->waiters);
	KUNIT_EXPECT_PTR_EQ(test, rw->writer, NULL);
	KUNIT_EXPECT_EQ(test, rw->writers_waiting, 0U);
	mx_stress_run(test, &gs_sem_type, s, &s->lock, &s->waiters);
	KUNIT_EXPECT_EQ(test, s->cur, 0ULL);
	gs_mutex_destroy(m);
	gs_rwmutex_destroy(rw);
	gs_sem_destroy(s);
}

static struct kunit_case gs_chan_cases_kunit[] = {
	KUNIT_CASE(chan_buffered_test),
	KUNIT_CASE(chan_rendezvous_test),
	KUNIT_CASE(chan_close_wakes_test),
	KUNIT_CASE(chan_timeout_signal_test),
	KUNIT_CASE(chan_wake_key_test),
	KUNIT_CASE(wait_any_fairness_test),
	KUNIT_CASE(wait_any_counterpart_test),
	KUNIT_CASE(wait_any_mutex_turn_test),
	KUNIT_CASE(wait_any_select_pair_test),
	KUNIT_CASE(wait_any_random_queue_test),
	KUNIT_CASE(wait_any_duplicate_test),
	KUNIT_CASE(wait_any_close_test),
	KUNIT_CASE(wait_any_retry_completed_send_test),
	KUNIT_CASE(wait_any_retry_dequeues_test),
	KUNIT_CASE(wait_any_busy_retry_test),
	KUNIT_CASE(chan_busy_retry_wakes_pollers_test),
	KUNIT_CASE(sel_woken_deadline_test),
	KUNIT_CASE(chan_closed_keeps_senders_test),
	KUNIT_CASE(chan_stale_receiver_test),
	KUNIT_CASE(chan_send_past_full_batch_test),
	KUNIT_CASE(chan_recv_past_busy_senders_test),
	KUNIT_CASE(wait_any_select_pairs_test),
	KUNIT_CASE(wait_any_lock_stress_test),
	KUNIT_CASE(wait_all_atomic_test),
	KUNIT_CASE(wait_all_turn_interruptible_test),
	KUNIT_CASE(wait_all_unready_skips_turn_test),
	KUNIT_CASE(wait_killed_then_granted_test),
	{}
};

static struct kunit_suite gs_chan_suite = {
	.name = "gosync_chan",
	.test_cases = gs_chan_cases_kunit,
};

kunit_test_suite(gs_chan_suite);
