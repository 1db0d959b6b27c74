// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: GOSYNC_IOC_WAIT (select and wait-all), deadlines and poll.
 *  - Go's select tests (runtime/chan_test.go): TestSelectFairness (each of
 *    two ready cases picked about half the time), TestSelfSelect (a select
 *    that sends and receives on one channel never pairs with itself, while
 *    two such selects in two threads pair with each other), TestSelectStress
 *    (a select sending and one receiving over 4 channels, beside a plain
 *    sender and receiver on each, lose and duplicate nothing), a select
 *    with a default (NONBLOCK), and a close waking a select.
 *  - ntsync's selftests (test_wait_any, test_wait_all, test_wake_any,
 *    test_wake_all) on gosync Mutexes and RWMutexes, across processes:
 *    wait-any takes the free one; wait-all takes all or none, and a waiter
 *    wakes only once every object is free; a robust holder's death is
 *    reported on its case of a wait-all that takes both Mutexes, once;
 *    closing every fd of objects a wait waits on leaves it to its
 *    deadline; 64 cases work, repeated objects in wait-all, more than 64
 *    cases, bad and foreign fds are refused; stress_wait
 *    (processes take one Mutex through a select in a tight loop, plain and
 *    mapped: no increment under it is lost).
 *  - Deadlines: relative, absolute on CLOCK_MONOTONIC and CLOCK_REALTIME;
 *    an absolute wait is restarted after a signal with SA_RESTART (no
 *    EINTR), a relative one is not.
 *  - LOCK, RLOCK and ACQUIRE cases wait in the object's queue: four
 *    processes that keep a Mutex starving, or an RWMutex's or Semaphore's
 *    queue busy (each waits for the others' holds), do not keep a select
 *    from its turn, plain and mapped.
 *  - Tracing: a case that takes a lock or permits is traced as that Lock or
 *    Acquire (gosync_acquired), with a wait time only if it had to wait.
 *  - poll: a Mutex fd is readable while free; an RWMutex readable while an
 *    RLock would not wait, writable while a Lock would not; epoll waits for
 *    an Unlock in another process.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "sync_util.h"

static int dev;

static struct gosync_wait_case recv_case(int fd, void *buf, uint32_t cap)
{
	return (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_RECV,
					  .buf = (uintptr_t)buf, .len = cap };
}

static struct gosync_wait_case send_case(int fd, const void *buf, uint32_t len)
{
	return (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_SEND,
					  .buf = (uintptr_t)buf, .len = len };
}

static struct gosync_wait_case op_case(int fd, uint32_t op)
{
	return (struct gosync_wait_case){ .fd = fd, .op = op };
}

/* Wait on @n cases; returns the index, or -1 with errno. */
static int wait_any(struct gosync_wait_case *c, unsigned int n, unsigned int flags,
		    int64_t timeout_ns)
{
	unsigned int index = ~0u;

	if (gosync_wait(dev, c, n, flags, timeout_ns, &index) < 0)
		return -1;
	return (int)index;
}

static bool t_select_basic(void)
{
	int a = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	int b = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	int c = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	uint32_t x = 0, y = 0, z = 0, v = 42;
	struct gosync_wait_case cs[3] = {
		recv_case(a, &x, 4), recv_case(b, &y, 4), recv_case(c, &z, 4),
	};

	CHECK_RET(wait_any(cs, 3, GOSYNC_WAIT_NONBLOCK, -1), EAGAIN);	/* default */
	CHECK_RET(wait_any(cs, 3, 0, 10 * MS), ETIMEDOUT);
	CHECK_OK(gosync_chan_send(b, &v, 4, 0));
	CHECK_EQ(wait_any(cs, 3, 0, -1), 1);
	CHECK(y == 42 && cs[1].len == 4 && !cs[1].error, "received %u (%u bytes, error %d)",
	      y, cs[1].len, cs[1].error);
	/* both ready, in index order: the first */
	CHECK_OK(gosync_chan_send(a, &v, 4, 0));
	CHECK_OK(gosync_chan_send(c, &v, 4, 0));
	cs[0].len = cs[2].len = 4;
	CHECK_EQ(wait_any(cs, 3, GOSYNC_WAIT_ORDERED, -1), 0);
	/* a closed channel: its receive case reports closed */
	CHECK_OK(gosync_chan_close(a));
	cs[0].len = 4;
	CHECK_EQ(wait_any(cs, 1, 0, -1), 0);
	CHECK(cs[0].flags & GOSYNC_CASE_CLOSED, "no GOSYNC_CASE_CLOSED");
	/* a send to a closed channel completes with EPIPE */
	cs[0] = send_case(a, &v, 4);
	CHECK_EQ(wait_any(cs, 1, 0, -1), 0);
	CHECK_EQ(cs[0].error, -EPIPE);
	close(a);
	close(b);
	close(c);
	return true;
}

/* TestSelectFairness: 400 selects over two ready channels. */
static bool t_fairness(void)
{
	int a = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	int b = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	unsigned int counts[2] = { 0, 0 };
	uint32_t x, v = 1;

	for (int i = 0; i < 400; i++) {
		struct gosync_wait_case cs[2] = { recv_case(a, &x, 4), recv_case(b, &x, 4) };
		int idx;
		uint32_t len;

		CHECK_OK(gosync_chan_len(a, &len, NULL, NULL));
		if (!len)
			CHECK_OK(gosync_chan_send(a, &v, 4, 0));
		CHECK_OK(gosync_chan_len(b, &len, NULL, NULL));
		if (!len)
			CHECK_OK(gosync_chan_send(b, &v, 4, 0));
		idx = CHECK_OK(wait_any(cs, 2, 0, -1));
		counts[idx]++;
	}
	printf("# select fairness: %u / %u of 400\n", counts[0], counts[1]);
	/* a fair coin stays above 120 with probability 1 - 1e-15 */
	CHECK(counts[0] > 120 && counts[1] > 120, "unfair: %u / %u", counts[0], counts[1]);
	close(a);
	close(b);
	return true;
}

/* TestSelfSelect: select { case c <- p: case v := <-c: } in two threads. */
struct selfsel {
	int fd;
	uint32_t p;
	unsigned int cap;
	atomic_int self_receives;
	atomic_int errors;
};

static int selfsel_worker(void *arg)
{
	struct selfsel *s = arg;

	for (int i = 0; i < 300; i++) {
		uint32_t v = 0;
		struct gosync_wait_case cs[2] = { send_case(s->fd, &s->p, 4), recv_case(s->fd, &v, 4) };
		int idx = wait_any(cs, 2, 0, LIVENESS_NS);

		if (idx < 0)
			atomic_fetch_add(&s->errors, 1);
		else if (idx == 1 && s->cap == 0 && v == s->p)
			atomic_fetch_add(&s->self_receives, 1);
	}
	return 0;
}

static bool t_self_select(void)
{
	for (unsigned int cap = 0; cap <= 1; cap++) {
		int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, cap, 0));
		struct selfsel s1 = { .fd = fd, .p = 1, .cap = cap };
		struct selfsel s2 = { .fd = fd, .p = 2, .cap = cap };
		struct bg b1, b2;

		CHECK_OK(bg_start(&b1, selfsel_worker, &s1));
		CHECK_OK(bg_start(&b2, selfsel_worker, &s2));
		CHECK(bg_wait(&b1, 4 * LIVENESS_NS) && bg_wait(&b2, 4 * LIVENESS_NS), "stuck");
		CHECK(!s1.errors && !s2.errors, "cap %u: %d + %d selects failed", cap,
		      atomic_load(&s1.errors), atomic_load(&s2.errors));
		CHECK(!s1.self_receives && !s2.self_receives, "cap %u: a select received its own send",
		      cap);
		close(fd);
	}
	return true;
}

/*
 * TestSelectStress: four channels (unbuffered, unbuffered, capacity 2 and
 * 3); on each, a plain sender and a plain receiver move STRESS_N messages,
 * while one process sends STRESS_N on every channel through a select over
 * all four and another receives STRESS_N from every channel the same way.
 * As in Go, a select drops a channel from its cases once it has done its
 * STRESS_N there (Go sets it to nil), so each channel has as many sends as
 * receives and the whole construct must end. Each message names its
 * sender, channel and number: every one arrives exactly once (a tally per
 * message, and their sum), on its own channel. Fails on a lost or duplicated message,
 * a case completed without its message or on another channel, a select
 * case that a plain sender or receiver never pairs with, or a lost
 * wake-up (a wait past LIVENESS_NS).
 */
#define STRESS_N	250
/* Senders: 0..3 the plain one of channel k, 4..7 the select on channel k - 4 */
#define STRESS_MSGS	(8 * STRESS_N)

struct stress {
	int fds[4];
	uint64_t *sum;		/* shared */
	uint8_t *seen;		/* shared: deliveries of message v, [1..STRESS_MSGS] */
	int k;			/* a plain sender's or receiver's channel */
};

/* Message @i (1..STRESS_N) of sender @s, its channel's number, + 4 for the select */
static uint32_t stress_msg(int s, uint32_t i)
{
	return (uint32_t)s * STRESS_N + i;
}

/* Count message @v received on channel @k: 0, or nonzero if it is not one of @k's. */
static int stress_got(struct stress *s, int k, uint32_t v)
{
	if (v < 1 || v > STRESS_MSGS || (v - 1) / STRESS_N % 4 != (uint32_t)k)
		return 1;
	__atomic_add_fetch(&s->seen[v], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(s->sum, v, __ATOMIC_RELAXED);
	return 0;
}

static int stress_send(void *arg)
{
	struct stress *s = arg;

	for (uint32_t i = 1; i <= STRESS_N; i++) {
		uint32_t v = stress_msg(s->k, i);

		if (gosync_chan_send(s->fds[s->k], &v, 4, LIVENESS_NS) < 0)
			return 10;
	}
	return 0;
}

static int stress_recv(void *arg)
{
	struct stress *s = arg;

	for (int i = 0; i < STRESS_N; i++) {
		uint32_t v = 0;
		size_t len = 0;
		bool ok = false;

		if (gosync_chan_recv(s->fds[s->k], &v, 4, &len, &ok, LIVENESS_NS) < 0)
			return 20;
		if (!ok || len != 4 || stress_got(s, s->k, v))
			return 21;
	}
	return 0;
}

static int stress_select_send(void *arg)
{
	struct stress *s = arg;
	uint32_t n[4] = { 0 }, v[4];

	for (int i = 0; i < 4 * STRESS_N; i++) {
		struct gosync_wait_case cs[4];
		int ch[4], nc = 0, idx;

		for (int k = 0; k < 4; k++) {
			if (n[k] == STRESS_N)
				continue;	/* Go's c1[k] = nil */
			v[k] = stress_msg(4 + k, n[k] + 1);
			ch[nc] = k;
			cs[nc++] = send_case(s->fds[k], &v[k], 4);
		}
		idx = wait_any(cs, nc, 0, LIVENESS_NS);
		if (idx < 0)
			return 30;
		if (cs[idx].error)
			return 31;
		n[ch[idx]]++;
	}
	return 0;
}

static int stress_select_recv(void *arg)
{
	struct stress *s = arg;
	uint32_t n[4] = { 0 };

	for (int i = 0; i < 4 * STRESS_N; i++) {
		uint32_t v[4] = { 0 };
		struct gosync_wait_case cs[4];
		int ch[4], nc = 0, idx;

		for (int k = 0; k < 4; k++) {
			if (n[k] == STRESS_N)
				continue;
			ch[nc] = k;
			cs[nc++] = recv_case(s->fds[k], &v[k], 4);
		}
		idx = wait_any(cs, nc, 0, LIVENESS_NS);
		if (idx < 0)
			return 40;
		if (cs[idx].error || (cs[idx].flags & GOSYNC_CASE_CLOSED) || cs[idx].len != 4 ||
		    stress_got(s, ch[idx], v[ch[idx]]))
			return 41;
		n[ch[idx]]++;
	}
	return 0;
}

static bool t_select_stress(void)
{
	size_t len = sizeof(uint64_t) + STRESS_MSGS + 1;
	uint64_t *sum = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			     -1, 0);
	struct stress s = { .sum = sum, .seen = (uint8_t *)(sum + 1) };
	uint64_t want = 0;
	pid_t pids[10];
	int np = 0, bad = 0, st;

	CHECK(sum != MAP_FAILED, "mmap");
	memset(sum, 0, len);
	for (int k = 0; k < 4; k++)
		s.fds[k] = CHECK_OK(gosync_chan_create(dev, NULL, 0, k < 2 ? 0 : k, 0));
	for (s.k = 0; s.k < 4; s.k++) {		/* each child has its copy of s */
		pids[np++] = spawn(stress_send, &s);
		pids[np++] = spawn(stress_recv, &s);
	}
	pids[np++] = spawn(stress_select_send, &s);
	pids[np++] = spawn(stress_select_recv, &s);
	for (int i = 0; i < np; i++) {
		st = reap(pids[i]);
		if (st) {
			printf("# select stress: process %d exited %d\n", i, st);
			bad++;
		}
	}
	CHECK(!bad, "%d processes failed", bad);
	for (uint32_t v = 1; v <= STRESS_MSGS; v++) {
		CHECK(s.seen[v] == 1, "message %u (%s sender, channel %u, #%u) received %u times",
		      v, v > 4 * STRESS_N ? "select" : "plain", (v - 1) / STRESS_N % 4,
		      (v - 1) % STRESS_N + 1, s.seen[v]);
		want += v;
	}
	CHECK(*sum == want, "sum %" PRIu64 ", expected %" PRIu64, *sum, want);
	for (int k = 0; k < 4; k++) {
		uint32_t n = ~0u;

		CHECK_OK(gosync_chan_len(s.fds[k], &n, NULL, NULL));
		CHECK_EQ(n, 0);		/* as many receives as sends */
		close(s.fds[k]);
	}
	munmap(sum, len);
	return true;
}

/* ---- ntsync's wait tests on Mutexes and RWMutexes ---- */

struct held {
	const char *name;
	int hold_ms;
};

static int child_pipe[2];

/*
 * A child that locks @name through its own fd, says so on child_pipe, holds
 * it, and exits (robust: released).
 */
static int child_hold(void *arg)
{
	struct held *h = arg;
	int fd = gosync_open(dev, h->name, 0);

	if (fd < 0 || gosync_mutex_lock(fd, -1) < 0 || write(child_pipe[1], "L", 1) != 1)
		return 1;
	sleep_ns(h->hold_ms * MS);
	return gosync_mutex_unlock(fd) < 0;
}

/*
 * Start child_hold() and return once its Lock has returned. A TryLock that
 * fails is not enough: the lock may be handed to the child in the kernel
 * (starvation mode) before its Lock returns, and a child killed then never
 * held it (gs_mutex_lock() gives it back: no EOWNERDEAD to report).
 */
static pid_t spawn_holder(struct held *h)
{
	pid_t pid;
	char c;

	if (pipe(child_pipe))
		return -1;
	pid = spawn(child_hold, h);
	close(child_pipe[1]);	/* a child that fails closes the last writer */
	if (pid > 0 && read(child_pipe[0], &c, 1) != 1) {
		reap(pid);
		pid = -1;
	}
	close(child_pipe[0]);
	return pid;
}

/* A child that locks @name, and unlocks once a selection waits for it too. */
static int child_hold_until_waited(void *arg)
{
	int fd = gosync_open(dev, arg, 0);
	struct gosync_state st;
	int64_t end = now_ns() + LIVENESS_NS;

	if (fd < 0 || gosync_mutex_lock(fd, -1) < 0 || write(child_pipe[1], "L", 1) != 1)
		return 1;
	do {
		if (gosync_state(fd, &st, NULL, 0, NULL) < 0)
			return 1;
		sleep_ns(MS);
	} while (st.waiters < 1 && now_ns() < end);
	return gosync_mutex_unlock(fd) < 0 || st.waiters < 1;
}

static bool t_ntsync_wait_any(void)
{
	char n1[GOSYNC_NAME_MAX], n2[GOSYNC_NAME_MAX];
	int m1 = CHECK_OK(gosync_mutex_create(dev, tap_name(n1, "wa1"), 0600, 0));
	int m2 = CHECK_OK(gosync_mutex_create(dev, tap_name(n2, "wa2"), 0600, 0));
	int other = CHECK_OK(gosync_open(dev, n1, 0));
	struct gosync_wait_case cs[2] = { op_case(m1, GOSYNC_CASE_LOCK),
					  op_case(m2, GOSYNC_CASE_LOCK) };
	struct held h = { .name = n2, .hold_ms = 100000 };
	pid_t pid;
	char c;

	/* both free: ORDERED takes the first */
	CHECK_EQ(wait_any(cs, 2, GOSYNC_WAIT_ORDERED, 0), 0);
	CHECK_RET(gosync_mutex_trylock(other), EBUSY);
	/* m1 held (by us): the other one */
	CHECK_EQ(wait_any(cs, 2, 0, 0), 1);
	/* both held: times out, nothing changes */
	CHECK_RET(wait_any(cs, 2, 0, 10 * MS), ETIMEDOUT);
	CHECK_OK(gosync_mutex_unlock(m1));
	CHECK_OK(gosync_mutex_unlock(m2));
	/*
	 * test_wake_any: m1 held here, m2 held by a child that unlocks it only
	 * once the kernel shows our selection waiting on m2 (its cases tried,
	 * both held), so the wait blocked and the Unlock is what woke it
	 */
	CHECK_OK(gosync_mutex_lock(m1, -1));
	CHECK_OK(pipe(child_pipe));
	pid = spawn(child_hold_until_waited, n2);
	CHECK(read(child_pipe[0], &c, 1) == 1, "child did not lock");
	close(child_pipe[0]);
	close(child_pipe[1]);
	CHECK_EQ(wait_any(cs, 2, 0, LIVENESS_NS), 1);
	CHECK(reap(pid) == 0, "the child saw no selection waiting on m2 (or failed)");
	CHECK_OK(gosync_mutex_unlock(m1));
	CHECK_OK(gosync_mutex_unlock(m2));
	/* a robust holder that dies: the case completes with EOWNERDEAD */
	pid = spawn_holder(&h);
	CHECK(pid > 0, "child did not lock");
	kill(pid, SIGKILL);
	CHECK_EQ(wait_any(&cs[1], 1, 0, LIVENESS_NS), 0);
	CHECK_EQ(cs[1].error, -EOWNERDEAD);
	reap(pid);
	CHECK_OK(gosync_mutex_unlock(m2));
	close(other);
	close(m1);
	close(m2);
	return true;
}

static int wait_all_bg(void *arg)
{
	struct gosync_wait_case *cs = arg;

	return gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, LIVENESS_NS, NULL);
}

/*
 * A WG_ZERO case is not a Wait (docs/uapi.md): a zero it sees leaves no Wait
 * to return, so an Add right after is not Go's misuse (EBUSY), even while
 * the case's wait-all still waits (held up here by the Mutex). A plain Wait
 * the zero released would make that Add EBUSY until it returned.
 */
static bool t_wg_case_not_a_wait(void)
{
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	struct gosync_wait_case cs[2] = { op_case(wg, GOSYNC_CASE_WG_ZERO),
					  op_case(m, GOSYNC_CASE_LOCK) };
	struct bg b;

	CHECK_RET(gosync_waitgroup_add(wg, 1, NULL), 0);
	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK_OK(bg_start(&b, wait_all_bg, cs));
	CHECK(bg_blocks(&b, 20 * MS), "wait-all did not block");
	/* the WG_ZERO case is registered on the WaitGroup when it reaches zero */
	CHECK(wait_queued(wg, 1), "wait-all never waited on the WaitGroup");
	CHECK_RET(gosync_waitgroup_done(wg, NULL), 0);		/* zero: the case is ready */
	CHECK_RET(gosync_waitgroup_add(wg, 1, NULL), 0);	/* not EBUSY */
	CHECK(bg_blocks(&b, 20 * MS), "wait-all returned with the Mutex held");
	CHECK_RET(gosync_waitgroup_done(wg, NULL), 0);
	CHECK_OK(gosync_mutex_unlock(m));			/* a non-robust lock: anyone's */
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "wait-all: %s", errname(b.err));
	CHECK_OK(gosync_mutex_unlock(m));			/* the wait-all took it */
	close(wg);
	close(m);
	return true;
}

static bool t_ntsync_wait_all(void)
{
	char n1[GOSYNC_NAME_MAX], n2[GOSYNC_NAME_MAX];
	int m1 = CHECK_OK(gosync_mutex_create(dev, tap_name(n1, "wl1"), 0600, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, tap_name(n2, "wlrw"), 0600, 0));
	int rw_other = CHECK_OK(gosync_open(dev, n2, 0));
	int other = CHECK_OK(gosync_open(dev, n1, 0));
	int mine = CHECK_OK(gosync_open(dev, n1, 0));
	struct gosync_wait_case cs[2] = { op_case(mine, GOSYNC_CASE_LOCK),
					  op_case(rw, GOSYNC_CASE_LOCK) };
	struct bg b;

	/* all free: both taken */
	CHECK_OK(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 0, NULL));
	CHECK_RET(gosync_mutex_trylock(other), EBUSY);
	CHECK_RET(gosync_rwmutex_tryrlock(rw), EBUSY);
	CHECK_OK(gosync_mutex_unlock(mine));
	CHECK_OK(gosync_rwmutex_unlock(rw));
	/* one held elsewhere: none taken (held through rw itself: EDEADLK) */
	CHECK_OK(gosync_rwmutex_rlock(rw_other, -1));
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 10 * MS, NULL), ETIMEDOUT);
	CHECK_OK(gosync_mutex_trylock(other));		/* m1 was not taken */
	/* test_wake_all: a waiter wakes only once both are free */
	CHECK_OK(bg_start(&b, wait_all_bg, cs));
	CHECK(bg_blocks(&b, 20 * MS), "wait-all did not block");
	/* waiting on both before either is freed */
	CHECK(wait_queued(mine, 1) && wait_queued(rw, 1), "wait-all never waited on both");
	CHECK_OK(gosync_mutex_unlock(other));
	CHECK(bg_blocks(&b, 20 * MS), "wait-all took one of two");
	CHECK_OK(gosync_mutex_trylock(other));		/* still free for others */
	CHECK_OK(gosync_mutex_unlock(other));
	CHECK_OK(gosync_rwmutex_runlock(rw_other));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "wait-all: %s", errname(b.err));
	CHECK_RET(gosync_mutex_trylock(other), EBUSY);
	CHECK_OK(gosync_mutex_unlock(mine));
	CHECK_OK(gosync_rwmutex_unlock(rw));
	/* RLOCK in ALL, with WaitGroup and Once conditions */
	{
		int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
		int once = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
		struct gosync_wait_case all[3] = { op_case(rw, GOSYNC_CASE_RLOCK),
						   op_case(wg, GOSYNC_CASE_WG_ZERO),
						   op_case(once, GOSYNC_CASE_ONCE_DONE) };
		unsigned int r;

		CHECK_RET(gosync_wait(dev, all, 3, GOSYNC_WAIT_ALL, 0, NULL), ETIMEDOUT);
		CHECK_OK(gosync_once_do(once, -1, &r));
		CHECK_OK(gosync_once_complete(once));
		CHECK_OK(gosync_wait(dev, all, 3, GOSYNC_WAIT_ALL, 0, NULL));
		CHECK_OK(gosync_rwmutex_runlock(rw));
		close(wg);
		close(once);
	}
	close(other);
	close(mine);
	close(m1);
	close(rw);
	close(rw_other);
	return true;
}

/*
 * ntsync's test_wait_all, abandoned mutex: a robust Mutex whose holder was
 * SIGKILLed and a free one; a wait-all takes both, case 0 with EOWNERDEAD
 * (held), case 1 with 0; the death is reported once: after the Unlocks a
 * TryLock gets plain 0. Then test_wake_all's form: the wait-all already
 * waits when the holder dies, and the death completes it the same way.
 * Fails if a wait-all drops the EOWNERDEAD (or puts it on the wrong case,
 * or fails the whole wait with it, as ntsync's ioctl does), takes only the
 * free Mutex, reports the death again to the next locker, or is not woken
 * by the close of a dead holder's description.
 */
static bool t_ntsync_wait_all_owner_dead(void)
{
	char n1[GOSYNC_NAME_MAX], n2[GOSYNC_NAME_MAX];
	int m1 = CHECK_OK(gosync_mutex_create(dev, tap_name(n1, "wod1"), 0600, 0));
	int m2 = CHECK_OK(gosync_mutex_create(dev, tap_name(n2, "wod2"), 0600, 0));
	int other1 = CHECK_OK(gosync_open(dev, n1, 0));
	int other2 = CHECK_OK(gosync_open(dev, n2, 0));
	struct gosync_wait_case cs[2];
	struct held h = { .name = n1, .hold_ms = 100000 };
	struct bg b;
	pid_t pid;

	for (int blocked = 0; blocked <= 1; blocked++) {
		cs[0] = op_case(m1, GOSYNC_CASE_LOCK);
		cs[1] = op_case(m2, GOSYNC_CASE_LOCK);
		pid = spawn_holder(&h);
		CHECK(pid > 0, "child did not lock");
		if (blocked) {
			CHECK_OK(bg_start(&b, wait_all_bg, cs));
			CHECK(wait_queued(m1, 1), "wait-all never waited on m1");
			/* waiting takes nothing: m2 is free for others */
			CHECK_OK(gosync_mutex_trylock(other2));
			CHECK_OK(gosync_mutex_unlock(other2));
			CHECK(!atomic_load(&b.done), "wait-all returned (%s) with m1 held",
			      errname(b.err));
		}
		kill(pid, SIGKILL);
		CHECK_EQ(reap(pid), 128 + SIGKILL);
		if (blocked)
			CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "wait-all: %s", errname(b.err));
		else
			CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 0, NULL), 0);
		CHECK(cs[0].error == -EOWNERDEAD && cs[1].error == 0,
		      "case errors %d, %d: expected -EOWNERDEAD, 0", cs[0].error, cs[1].error);
		/* both held, by the cases' descriptions */
		CHECK_RET(gosync_mutex_trylock(other1), EBUSY);
		CHECK_RET(gosync_mutex_trylock(other2), EBUSY);
		CHECK_OK(gosync_mutex_unlock(m1));
		CHECK_OK(gosync_mutex_unlock(m2));
		/* reported once */
		CHECK_RET(gosync_mutex_trylock(other1), 0);
		CHECK_OK(gosync_mutex_unlock(other1));
	}
	close(other1);
	close(other2);
	close(m1);
	close(m2);
	return true;
}

/*
 * ntsync's close while waited on (end of test_wake_any and test_wake_all):
 * a non-robust Mutex held through description A, a WaitGroup at 1; a
 * thread waits 200 ms (ANY or ALL) on a LOCK case through description B
 * and a WG_ZERO case; meanwhile every fd of both objects is closed, A and
 * B included. The wait holds its own references: it ends at its deadline
 * with ETIMEDOUT, not before (a close taken for an Unlock, or a wake-up
 * that ends it early) and not with another error; then both objects are
 * gone (LIST's total, anonymous: the Mutex's name went before the wait).
 * A use after free here is KASAN's to report on the debug kernel.
 */
struct close_wait {
	struct gosync_wait_case cs[2];
	unsigned int flags;
};

static int close_wait_bg(void *arg)
{
	struct close_wait *c = arg;

	return gosync_wait(dev, c->cs, 2, c->flags, 200 * MS, NULL);
}

static bool t_close_while_waited(bool all)
{
	char n[GOSYNC_NAME_MAX];
	unsigned int before = tap_nr_objects(dev);
	int a = CHECK_OK(gosync_mutex_create(dev, tap_name(n, all ? "cwall" : "cwany"), 0600,
					     GOSYNC_LOCK_ATTR_NONROBUST));
	int b = CHECK_OK(gosync_open(dev, n, 0));
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	struct close_wait c = { .cs = { op_case(b, GOSYNC_CASE_LOCK),
					op_case(wg, GOSYNC_CASE_WG_ZERO) },
				.flags = all ? GOSYNC_WAIT_ALL : 0 };
	struct bg bw;

	CHECK_OK(gosync_unlink(dev, n));
	CHECK_EQ(tap_nr_objects(dev), before + 2);
	CHECK_OK(gosync_mutex_lock(a, -1));
	CHECK_OK(gosync_waitgroup_add(wg, 1, NULL));
	CHECK_OK(bg_start(&bw, close_wait_bg, &c));
	CHECK(wait_queued(b, 1) && wait_queued(wg, 1), "the wait never waited on both");
	CHECK_OK(close(a));
	CHECK_OK(close(b));
	CHECK_OK(close(wg));
	CHECK(!atomic_load(&bw.done), "the wait ended (%s) before the closes were done",
	      errname(bw.err));
	CHECK(bg_wait(&bw, LIVENESS_NS), "the wait never ended");
	CHECK(bw.err == ETIMEDOUT, "the wait ended with %s, expected ETIMEDOUT",
	      errname(bw.err));
	CHECK(bw.elapsed_ns >= 200 * MS, "the wait ended after %lld ms, before its deadline",
	      (long long)(bw.elapsed_ns / MS));
	CHECK_EQ(tap_nr_objects(dev), before);
	return true;
}

static bool t_bad_waits(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int ch = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	int ctr = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	struct gosync_wait_case cs[GOSYNC_WAIT_MAX + 1];
	int p[2], idx;
	uint32_t v = 1, n = 9;

	CHECK_OK(pipe(p));
	for (int i = 0; i <= GOSYNC_WAIT_MAX; i++)
		cs[i] = op_case(m, GOSYNC_CASE_LOCK);
	CHECK_RET(gosync_wait(dev, cs, 0, 0, 0, NULL), EINVAL);
	/*
	 * ntsync's test_wait_any: exactly GOSYNC_WAIT_MAX cases is allowed
	 * (an off-by-one limit fails it), and 64 cases on one free Mutex take
	 * it once, by one of them (a second Unlock finds it unlocked).
	 */
	idx = wait_any(cs, GOSYNC_WAIT_MAX, 0, 0);
	CHECK(idx >= 0 && idx < GOSYNC_WAIT_MAX, "%d cases: %d (%s)", GOSYNC_WAIT_MAX, idx,
	      errname(errno));
	CHECK_EQ(cs[idx].error, 0);
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_RET(gosync_mutex_unlock(m), EPERM);
	CHECK_RET(gosync_wait(dev, cs, GOSYNC_WAIT_MAX + 1, 0, 0, NULL), EINVAL);
	/* repeated objects: fine for ANY, refused by ALL (ntsync's rule) */
	CHECK_OK(gosync_wait(dev, cs, 2, 0, 0, NULL));
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 0, NULL), EINVAL);
	cs[0].fd = 9999;
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EBADF);
	cs[0].fd = p[0];
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);	/* not gosync */
	cs[0] = op_case(ctr, GOSYNC_CASE_LOCK);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);	/* counters do not wait */
	cs[0] = op_case(m, GOSYNC_CASE_RLOCK);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);	/* no RLock on a Mutex */
	cs[0] = recv_case(ch, &v, 4);
	CHECK_RET(gosync_wait(dev, cs, 1, GOSYNC_WAIT_ALL, 0, NULL), EINVAL);
	cs[0].__reserved = 1;
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);
	cs[0] = op_case(m, GOSYNC_CASE_LOCK);
	cs[0].buf = 1;
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EINVAL);
	cs[0] = op_case(m, GOSYNC_CASE_LOCK);
	CHECK_RET(gosync_wait(dev, cs, 1, 1u << 20, 0, NULL), EINVAL);	/* unknown flag */
	CHECK_RET(gosync_wait(dev, cs, 1, GOSYNC_WAIT_ALL | GOSYNC_WAIT_ORDERED, 0, NULL), EINVAL);
	CHECK_RET(gosync_wait(dev, cs, 1, GOSYNC_WAIT_REALTIME, 0, NULL), EINVAL);
	cs[0] = send_case(ch, (void *)8, 4);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EFAULT);
	/* a RECV case's buffer that cannot take the message: nothing received */
	CHECK_OK(gosync_chan_send(ch, &v, 4, 0));
	cs[0] = recv_case(ch, NULL, 4);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EFAULT);
	cs[0] = recv_case(ch, (void *)8, 4);
	CHECK_RET(gosync_wait(dev, cs, 1, 0, 0, NULL), EFAULT);
	CHECK_OK(gosync_chan_len(ch, &n, NULL, NULL));
	CHECK(n == 1, "%u messages left after the failed RECV cases, not 1", n);
	close(p[0]);
	close(p[1]);
	close(m);
	close(ch);
	close(ctr);
	return true;
}

/* ---- deadlines ---- */

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static int lock_abs_forever(void *arg)
{
	struct gosync_lock_cmd c = { .size = sizeof(c), .op = GOSYNC_LOCK_LOCK,
				     .flags = GOSYNC_WAIT_ABSTIME, .timeout_ns = ~0ULL };

	return ioctl(*(int *)arg, GOSYNC_IOC_MUTEX, &c);
}

static int lock_relative(void *arg)
{
	return gosync_mutex_lock(*(int *)arg, LIVENESS_NS);
}

static bool t_deadlines(void)
{
	char n[GOSYNC_NAME_MAX];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(n, "dl"), 0600, 0));
	int other = CHECK_OK(gosync_open(dev, n, 0));
	struct gosync_lock_cmd c = { .size = sizeof(c), .op = GOSYNC_LOCK_LOCK };
	struct bg b;
	int64_t t0;

	CHECK_OK(gosync_mutex_lock(m, -1));
	/* absolute, both clocks: in the past at once, in the future when it comes */
	c.flags = GOSYNC_WAIT_ABSTIME;
	c.timeout_ns = clock_ns(CLOCK_MONOTONIC) - MS;
	CHECK_RET(ioctl(other, GOSYNC_IOC_MUTEX, &c), ETIMEDOUT);
	t0 = now_ns();
	c.timeout_ns = clock_ns(CLOCK_MONOTONIC) + 30 * MS;
	CHECK_RET(ioctl(other, GOSYNC_IOC_MUTEX, &c), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 30 * MS, "gave up early");
	c.flags = GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME;
	t0 = now_ns();
	c.timeout_ns = clock_ns(CLOCK_REALTIME) + 30 * MS;
	CHECK_RET(ioctl(other, GOSYNC_IOC_MUTEX, &c), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 30 * MS, "gave up early");
	c.flags = GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_TIMEOUT;
	CHECK_RET(ioctl(other, GOSYNC_IOC_MUTEX, &c), EINVAL);
	c.flags = GOSYNC_WAIT_REALTIME | GOSYNC_WAIT_TIMEOUT;
	CHECK_RET(ioctl(other, GOSYNC_IOC_MUTEX, &c), EINVAL);

	/* signals with SA_RESTART: an absolute wait is restarted, a relative one is not */
	install_sigusr1(true);
	CHECK_OK(bg_start(&b, lock_abs_forever, &other));
	CHECK(bg_blocks(&b, 20 * MS), "did not block");
	/* until a signal reached the wait in the kernel: it counts it */
	CHECK(wait_queued(other, 1), "never waited");
	uint64_t before = interrupts(other);

	for (int64_t end = now_ns() + LIVENESS_NS; interrupts(other) == before && now_ns() < end;) {
		pthread_kill(b.thread, SIGUSR1);
		sleep_ns(10 * MS);
	}
	CHECK(interrupts(other) > before, "no signal reached the wait");
	CHECK(wait_queued(other, 1), "the wait did not restart");
	CHECK(!atomic_load(&b.done), "an absolute wait returned (%s) on a signal",
	      errname(b.err));
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "restarted wait: %s", errname(b.err));
	CHECK_OK(gosync_mutex_unlock(other));
	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK_OK(bg_start(&b, lock_relative, &other));
	CHECK(bg_blocks(&b, 20 * MS), "did not block");
	CHECK(bg_interrupt(&b) && b.err == EINTR, "a relative wait got %s on a signal",
	      errname(b.err));
	install_sigusr1(false);
	CHECK_OK(gosync_mutex_unlock(m));
	close(other);
	close(m);
	return true;
}

/* ---- poll ---- */

static short poll1(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/* A child that waits in epoll for @arg's Mutex to be readable: 0 if it was. */
static int child_epoll(void *arg)
{
	int fd = gosync_open(dev, arg, 0), ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN }, out;

	if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return 1;
	return epoll_wait(ep, &out, 1, (int)(LIVENESS_NS / MS)) == 1 ? 0 : 2;
}

/* Wait until @pid sleeps in epoll_wait() (/proc/<pid>/syscall), at most LIVENESS_NS. */
static bool in_epoll_wait(pid_t pid)
{
	int64_t end = now_ns() + LIVENESS_NS;
	char path[64], buf[256];
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	do {
		FILE *f = fopen(path, "r");

		if (!f)
			return false;
		nr = fgets(buf, sizeof(buf), f) && sscanf(buf, "%ld", &nr) == 1 ? nr : -1;
		fclose(f);
		if (nr == SYS_epoll_wait || nr == SYS_epoll_pwait)
			return true;
		sleep_ns(MS);
	} while (now_ns() < end);
	return false;
}

static bool t_poll_locks(void)
{
	char n[GOSYNC_NAME_MAX];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(n, "pl"), 0600, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	pid_t pid;

	CHECK_EQ(poll1(m), POLLIN);
	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK_EQ(poll1(m), 0);
	CHECK_OK(gosync_mutex_unlock(m));
	/* epoll: not ready while held; wakes when another process unlocks */
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 1);
	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	pid = spawn(child_epoll, n);
	CHECK(in_epoll_wait(pid), "the child never slept in epoll_wait");
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(poll1(rw), POLLIN | POLLOUT);
	CHECK_OK(gosync_rwmutex_rlock(rw, -1));
	CHECK_EQ(poll1(rw), POLLIN);		/* RLock would not wait, Lock would */
	CHECK_OK(gosync_rwmutex_runlock(rw));
	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK_EQ(poll1(rw), 0);
	CHECK_OK(gosync_rwmutex_unlock(rw));
	close(ep);
	close(m);
	close(rw);
	return true;
}

/* ---- a LOCK, RLOCK or ACQUIRE case's turn in the object's queue ---- */

#define TURN_LOCKERS	4

struct turn {
	const char *name;
	unsigned int type;	/* Mutex, RWMutex (writers) or Semaphore (1 permit) */
	bool mapped;
	atomic_int *stop;
};

/* Lock or Acquire(1) through @fd, or its mapping @f. */
static int turn_take(const struct turn *t, int fd, struct gosync_fast *f)
{
	switch (t->type) {
	case GOSYNC_TYPE_SEM:
		return t->mapped ? gosync_fast_sem_acquire(f, 1, -1) : gosync_sem_acquire(fd, 1, -1);
	case GOSYNC_TYPE_RWMUTEX:
		return t->mapped ? gosync_fast_rwmutex_lock(f, -1) : gosync_rwmutex_lock(fd, -1);
	}
	return t->mapped ? gosync_fast_mutex_lock(f, -1) : gosync_mutex_lock(fd, -1);
}

static int turn_put(const struct turn *t, int fd, struct gosync_fast *f)
{
	switch (t->type) {
	case GOSYNC_TYPE_SEM:
		return t->mapped ? gosync_fast_sem_release(f, 1) : gosync_sem_release(fd, 1);
	case GOSYNC_TYPE_RWMUTEX:
		return t->mapped ? gosync_fast_rwmutex_unlock(f) : gosync_rwmutex_unlock(fd);
	}
	return t->mapped ? gosync_fast_mutex_unlock(f) : gosync_mutex_unlock(fd);
}

/* Create @t's object (Semaphore: 1 permit), mapped into @f if @t says: the fd, or -1. */
static int turn_create(const struct turn *t, struct gosync_fast *f)
{
	int fd;

	if (t->type == GOSYNC_TYPE_SEM)
		fd = t->mapped ? gosync_fast_sem_create(dev, t->name, 0600, 1,
							GOSYNC_SEM_ATTR_NONROBUST, f) :
				 gosync_sem_create(dev, t->name, 0600, 1, 0);
	else if (t->type == GOSYNC_TYPE_RWMUTEX)
		fd = t->mapped ? gosync_fast_rwmutex_create(dev, t->name, 0600,
							    GOSYNC_LOCK_ATTR_NONROBUST, f) :
				 gosync_rwmutex_create(dev, t->name, 0600, 0);
	else
		fd = t->mapped ? gosync_fast_mutex_create(dev, t->name, 0600, 0, f) :
				 gosync_mutex_create(dev, t->name, 0600, 0);
	return (fd >= 0 && t->mapped) ? f->fd : fd;
}

/* A description of its own of @t's object, mapped into @f if @t says: the fd, or -1. */
static int turn_open(const struct turn *t, struct gosync_fast *f)
{
	return t->mapped ? fast_open_name(dev, t->type, t->name, f) : gosync_open(dev, t->name, 0);
}

/* Close what turn_create() or turn_open() gave: true if it worked. */
static bool turn_close(const struct turn *t, int fd, struct gosync_fast *f)
{
	return t->mapped ? fast_close(f) : !close(fd);
}

/* Take, hold 2 ms, put back, through a description of its own, until stopped. */
static int turn_locker(void *arg)
{
	struct turn *t = arg;
	int64_t end = now_ns() + 2 * LIVENESS_NS;
	struct gosync_fast f;
	int fd = turn_open(t, &f);

	if (fd < 0)
		return 1;
	while (!atomic_load(t->stop) && now_ns() < end) {
		if (turn_take(t, fd, &f) < 0)
			return 1;
		sleep_ns(2 * MS);
		if (turn_put(t, fd, &f) < 0)
			return 1;
	}
	return 0;
}

/*
 * Once the lockers keep the queue busy (a Mutex starving; Acquires or
 * Locks always queued), a select's @op case on @fd gets its turn.
 */
static bool turn_select(const struct turn *t, uint32_t op, int fd, int ch)
{
	char buf[8];
	struct gosync_wait_case cs[2] = { op_case(fd, op), recv_case(ch, buf, sizeof(buf)) };
	struct gosync_state st;
	int64_t end = now_ns() + LIVENESS_NS;
	bool busy;

	cs[0].len = op == GOSYNC_CASE_ACQUIRE;	/* Acquire(1) */
	do {
		CHECK_OK(gosync_state(fd, &st, NULL, 0, NULL));
		busy = t->type == GOSYNC_TYPE_MUTEX ? st.flags & GOSYNC_STATE_STARVING :
						      st.waiters >= 2;
		sleep_ns(MS);
	} while (!busy && now_ns() < end);
	CHECK(busy, "the lockers never kept the queue busy");
	/* The lockers run twice as long: a case left out of the queue times out. */
	CHECK_EQ(wait_any(cs, 2, 0, LIVENESS_NS), 0);
	CHECK_EQ(cs[0].error, 0);
	if (op == GOSYNC_CASE_RLOCK)
		CHECK_OK(gosync_rwmutex_runlock(fd));
	else
		CHECK_OK(turn_put(&(struct turn){ .type = t->type }, fd, NULL));
	return true;
}

/*
 * Four processes that each wait for the others' 2 ms holds keep the queue
 * busy: a Mutex in starvation mode, where Unlock hands it to the oldest
 * waiter; an RWMutex's writers, which hold new readers back; a 1-permit
 * Semaphore, whose Release grants the oldest (FIFO). A select with an @op
 * case must still get its turn while they run (a case outside the queue
 * waited until the stream stopped).
 */
static bool t_case_turn(unsigned int type, uint32_t op, bool mapped)
{
	char n[GOSYNC_NAME_MAX], tag[16];
	struct gosync_fast f;
	int fd;
	int ch = CHECK_OK(gosync_chan_create(dev, NULL, 0, 0, 0));
	atomic_int *stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct turn t = { .name = n, .type = type, .mapped = mapped, .stop = stop };
	pid_t pids[TURN_LOCKERS];
	bool ok;
	int i;

	snprintf(tag, sizeof(tag), "turn%u.%u.%d", type, op, mapped);
	tap_name(n, tag);
	fd = turn_create(&t, &f);
	CHECK(fd >= 0 && stop != MAP_FAILED, "create: %s", errname(errno));
	atomic_store(stop, 0);
	for (i = 0; i < TURN_LOCKERS; i++)
		pids[i] = spawn(turn_locker, &t);
	ok = turn_select(&t, op, fd, ch);
	atomic_store(stop, 1);
	for (i = 0; i < TURN_LOCKERS; i++)
		CHECK_EQ(reap(pids[i]), 0);
	munmap(stop, sizeof(*stop));
	CHECK(turn_close(&t, fd, &f), "close");
	close(ch);
	return ok;
}

/* ---- ntsync's stress_wait ---- */

#define STRESS_PROCS	4
/* ntsync's threads loop 10000 times; TCG is slower, a debug kernel more so */
#define STRESS_LOOPS	3000
#define STRESS_LOOPS_SMALL 1000

struct stress_wait {
	struct turn mutex;		/* the Mutex, plain or mapped */
	const char *start;		/* the WaitGroup's name */
	volatile unsigned int *counter;	/* shared, incremented without atomics */
	int loops;			/* STRESS_LOOPS, or _SMALL (tap_small()) */
};

/*
 * Wait for the start (a WG_ZERO case), then @loops times: take the
 * Mutex with a one-case select, increment the counter, unlock (through the
 * mapped word's fast path, or the ioctl).
 */
static int stress_proc(void *arg)
{
	const struct stress_wait *st = arg;
	struct gosync_fast f;
	int fd = turn_open(&st->mutex, &f);
	int wg = gosync_open(dev, st->start, 0);
	struct gosync_wait_case c;
	int i;

	if (fd < 0 || wg < 0)
		return 1;
	c = op_case(wg, GOSYNC_CASE_WG_ZERO);
	if (wait_any(&c, 1, 0, LIVENESS_NS) != 0)
		return 2;
	for (i = 0; i < st->loops; i++) {
		c = op_case(fd, GOSYNC_CASE_LOCK);
		if (wait_any(&c, 1, 0, LIVENESS_NS) != 0 || c.error)
			return 3;
		(*st->counter)++;
		if (turn_put(&st->mutex, fd, &f) < 0)
			return 4;
	}
	return 0;
}

/*
 * ntsync's stress_wait: processes released together by a WaitGroup take
 * one Mutex in a tight loop through GOSYNC_IOC_WAIT and increment a shared
 * counter under it: not one increment is lost. Mapped, the unlocks go
 * through the word and hand over in the kernel only when contended.
 */
static bool t_stress_wait(bool mapped)
{
	char nm[GOSYNC_NAME_MAX], nw[GOSYNC_NAME_MAX];
	volatile unsigned int *counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE,
					      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct stress_wait st = {
		.mutex = { .name = tap_name(nm, mapped ? "stressm" : "stress"),
			   .type = GOSYNC_TYPE_MUTEX, .mapped = mapped },
		.start = tap_name(nw, mapped ? "stressgom" : "stressgo"), .counter = counter,
		.loops = tap_small() ? STRESS_LOOPS_SMALL : STRESS_LOOPS };
	struct gosync_fast f;
	int m = turn_create(&st.mutex, &f);
	int wg = CHECK_OK(gosync_waitgroup_create(dev, nw, 0600));
	pid_t pids[STRESS_PROCS];
	int i;

	CHECK(m >= 0 && counter != MAP_FAILED, "create: %s", errname(errno));
	*counter = 0;
	CHECK_OK(gosync_waitgroup_add(wg, 1, NULL));
	for (i = 0; i < STRESS_PROCS; i++)
		pids[i] = spawn(stress_proc, &st);
	CHECK_OK(gosync_waitgroup_add(wg, -1, NULL));
	for (i = 0; i < STRESS_PROCS; i++)
		CHECK_EQ(reap(pids[i]), 0);
	CHECK_EQ(*counter, STRESS_PROCS * st.loops);
	munmap((void *)counter, sizeof(*counter));
	CHECK(turn_close(&st.mutex, m, &f), "close");
	close(wg);
	return true;
}

/* ---- tracing: a case that takes a lock is traced as the Lock it is ---- */

#define TR "/sys/kernel/tracing"

static bool trace_ready(void)
{
	if (access(TR "/events", F_OK))
		mount("nodev", TR, "tracefs", 0, NULL);
	return !access(TR "/events/gosync/gosync_acquired/enable", W_OK);
}

/*
 * This process's gosync_acquired events of object @id, in trace order, as
 * "op=N count=N wait=0|>0 result=N" joined by "; ".
 */
static const char *acquired(uint64_t id)
{
	static char out[512];
	char line[512], want[48];
	FILE *f = fopen(TR "/trace", "r");
	size_t off = 0;

	out[0] = 0;
	snprintf(want, sizeof(want), "gosync_acquired: id=%" PRIu64 " ", id);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned int op;
		unsigned long long count, ns;
		int pid, result;
		char *p = strstr(line, want);

		if (!p || sscanf(p + strlen(want), "type=%*s op=%u pid=%d count=%llu wait_ns=%llu "
				 "result=%d", &op, &pid, &count, &ns, &result) != 5 ||
		    pid != getpid())
			continue;
		off += snprintf(out + off, sizeof(out) - off, "%sop=%u count=%llu wait=%s result=%d",
				off ? "; " : "", op, count, ns ? ">0" : "0", result);
		if (off >= sizeof(out))
			break;
	}
	if (f)
		fclose(f);
	return out;
}

static bool t_traced(void)
{
	char n[GOSYNC_NAME_MAX];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(n, "tr"), 0600, 0));
	int s = CHECK_OK(gosync_sem_create(dev, NULL, 0, 3, 0));
	struct gosync_wait_case cs[2] = { op_case(m, GOSYNC_CASE_LOCK),
					  op_case(s, GOSYNC_CASE_ACQUIRE) };
	struct gosync_info mi, si;
	pid_t pid;
	char c;
	int fd;

	cs[1].len = 2;
	CHECK_OK(gosync_info(m, &mi));
	CHECK_OK(gosync_info(s, &si));
	CHECK(tap_write_file(TR "/tracing_on", "0"), "tracing_on");
	fd = CHECK_OK(open(TR "/trace", O_WRONLY | O_TRUNC));
	close(fd);
	CHECK(tap_write_file(TR "/events/gosync/gosync_acquired/enable", "1"), "enable");
	CHECK(tap_write_file(TR "/tracing_on", "1"), "tracing_on");
	/* select: free, taken at once */
	CHECK_EQ(wait_any(cs, 1, 0, 0), 0);
	CHECK_OK(gosync_mutex_unlock(m));
	/* wait-all: both at once */
	CHECK_OK(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 0, NULL));
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_OK(gosync_sem_release(s, 2));
	/* a select that waits until a child unlocks */
	CHECK_OK(pipe(child_pipe));
	pid = spawn(child_hold_until_waited, n);
	CHECK(read(child_pipe[0], &c, 1) == 1, "child did not lock");
	close(child_pipe[0]);
	close(child_pipe[1]);
	CHECK_EQ(wait_any(cs, 1, 0, -1), 0);
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_EQ(reap(pid), 0);
	tap_write_file(TR "/events/gosync/gosync_acquired/enable", "0");
	CHECK(!strcmp(acquired(mi.id), "op=1 count=1 wait=0 result=0; op=1 count=1 wait=0 result=0; "
		      "op=1 count=1 wait=>0 result=0"), "mutex: %s", acquired(mi.id));
	CHECK(!strcmp(acquired(si.id), "op=1 count=2 wait=0 result=0"), "sem: %s",
	      acquired(si.id));
	close(m);
	close(s);
	return true;
}

/* The cases t_case_turn() runs, and what their results are called. */
static const struct {
	unsigned int type;
	uint32_t op;
	bool mapped;
	const char *what;
} turns[] = {
	{ GOSYNC_TYPE_MUTEX, GOSYNC_CASE_LOCK, false, "lock" },
	{ GOSYNC_TYPE_MUTEX, GOSYNC_CASE_LOCK, true, "lock" },
	{ GOSYNC_TYPE_RWMUTEX, GOSYNC_CASE_LOCK, false, "rwmutex-lock" },
	{ GOSYNC_TYPE_RWMUTEX, GOSYNC_CASE_RLOCK, true, "rwmutex-rlock" },
	{ GOSYNC_TYPE_SEM, GOSYNC_CASE_ACQUIRE, false, "acquire" },
	{ GOSYNC_TYPE_SEM, GOSYNC_CASE_ACQUIRE, true, "acquire" },
};

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("select");
	tap_report(t_select_basic(), "select-basic-default-closed");
	tap_report(t_fairness(), "select-go-fairness");
	tap_report(t_self_select(), "select-go-self-select");
	tap_report(t_select_stress(), "select-go-stress-processes");
	tap_report(t_ntsync_wait_any(), "select-ntsync-wait-any-wake-any");
	tap_report(t_ntsync_wait_all(), "select-ntsync-wait-all-wake-all");
	tap_report(t_ntsync_wait_all_owner_dead(), "select-ntsync-wait-all-owner-dead");
	tap_report(t_close_while_waited(false), "select-ntsync-close-while-waited-any");
	tap_report(t_close_while_waited(true), "select-ntsync-close-while-waited-all");
	tap_report(t_wg_case_not_a_wait(), "select-wg-zero-case-is-not-a-wait");
	tap_report(t_stress_wait(false), "select-ntsync-stress-wait");
	tap_report(t_stress_wait(true), "select-ntsync-stress-wait-mapped");
	tap_report(t_bad_waits(), "select-bad-input");
	tap_report(t_deadlines(), "select-deadlines-restart");
	tap_report(t_poll_locks(), "select-poll-mutex-rwmutex");
	for (size_t i = 0; i < sizeof(turns) / sizeof(turns[0]); i++)
		tap_report(t_case_turn(turns[i].type, turns[i].op, turns[i].mapped),
			   "select-%s-case-takes-its-turn%s", turns[i].what,
			   turns[i].mapped ? "-mapped" : "");
	if (trace_ready())
		tap_report(t_traced(), "select-traced-as-locks");
	else
		printf("ok - e2e:select-traced-as-locks # SKIP no tracefs or no gosync events\n");
	return tap_done(dev, "select");
}
