// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: channels, ported from Go's runtime/chan_test.go and run across
 * threads and processes:
 *  - TestChan: for capacities 0..10: a receive from an empty channel blocks,
 *    from a nonempty one does not; a send to a full one blocks; a closed
 *    channel drains then reports closed (ok false); close unblocks a
 *    receive; 100 values arrive uncorrupted in FIFO order; 4 senders and 4
 *    receivers pass 1000 values each, every value received exactly once;
 *    len and cap.
 *  - TestNonblockRecvRace: a non-blocking receive of a buffered value never
 *    fails while the channel closes.
 *  - TestMultiConsumer: one producer, consumers in other processes: the count
 *    and sum of what they received are those of what was sent.
 *  - Go's close rules: a send to a closed channel is EPIPE (Go panics), so is
 *    a send that waits while it closes; closing twice is EPIPE.
 *  - Beyond Go: EOVERFLOW consumes nothing and says the size; EMSGSIZE;
 *    vectors of sends and receives in one call; poll: readable, writable,
 *    HUP.
 */
#include <poll.h>
#include <sys/epoll.h>

#include "sync_util.h"

static int dev;

static int send_u32(int fd, uint32_t v, int64_t timeout_ns)
{
	return gosync_chan_send(fd, &v, sizeof(v), timeout_ns);
}

/* Receive a u32: 0 (value in *v), 1 (closed), -1 (errno). */
static int recv_u32(int fd, uint32_t *v, int64_t timeout_ns)
{
	size_t len = 0;
	bool ok = false;

	if (gosync_chan_recv(fd, v, sizeof(*v), &len, &ok, timeout_ns) < 0)
		return -1;
	if (!ok)
		return 1;
	return len == sizeof(*v) ? 0 : -1;
}

static int recv_bg(void *arg)
{
	uint32_t v;
	int r = recv_u32(*(int *)arg, &v, -1);

	return r < 0 ? -1 : 0;
}

static int send_bg(void *arg)
{
	return send_u32(*(int *)arg, 7, -1);
}

static bool t_chan_basics(void)
{
	for (uint32_t cap = 0; cap <= 10; cap++) {
		int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, cap, 0));
		uint32_t v, len, c;
		bool closed, queued;
		struct bg b;

		/* a receive from an empty channel blocks */
		CHECK_RET(recv_u32(fd, &v, 0), ETIMEDOUT);
		CHECK_OK(bg_start(&b, recv_bg, &fd));
		CHECK(bg_blocks(&b, 20 * MS), "cap %u: receive from an empty channel did not block",
		      cap);
		CHECK_OK(send_u32(fd, 1, -1));
		CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "cap %u: receive: %s", cap,
		      errname(b.err));
		/* a receive from a nonempty channel does not block */
		if (cap) {
			CHECK_OK(send_u32(fd, 2, 0));
			CHECK_EQ(recv_u32(fd, &v, 0), 0);
			CHECK_EQ(v, 2u);
		}
		/* a send to a full channel blocks */
		for (uint32_t i = 0; i < cap; i++)
			CHECK_OK(send_u32(fd, i, 0));
		CHECK_OK(gosync_chan_len(fd, &len, &c, &closed));
		CHECK(len == cap && c == cap && !closed, "len %u cap %u", len, c);
		CHECK_OK(bg_start(&b, send_bg, &fd));
		CHECK(bg_blocks(&b, 20 * MS), "cap %u: send to a full channel did not block", cap);
		CHECK_EQ(recv_u32(fd, &v, -1), 0);
		CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "cap %u: send: %s", cap, errname(b.err));
		/* drain in FIFO order, the last one being 7 */
		for (uint32_t i = 0; i < cap; i++) {
			CHECK_EQ(recv_u32(fd, &v, 0), 0);
			CHECK_EQ(v, i + 1 == cap ? 7u : i + 1);
		}
		/* close: a receive unblocks and reports closed, again and again */
		CHECK_OK(bg_start(&b, recv_bg, &fd));
		CHECK(bg_blocks(&b, 20 * MS), "cap %u: receive did not block", cap);
		/* close a channel it sleeps on, not one it has yet to find closed */
		queued = wait_receivers(fd, 1);
		CHECK_OK(gosync_chan_close(fd));
		CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "close did not unblock a receive");
		CHECK(queued, "cap %u: the receive never queued", cap);
		CHECK_EQ(recv_u32(fd, &v, -1), 1);
		CHECK_EQ(recv_u32(fd, &v, 0), 1);
		CHECK_RET(send_u32(fd, 1, -1), EPIPE);
		CHECK_RET(gosync_chan_close(fd), EPIPE);
		close(fd);
	}
	return true;
}

/* 100 values in FIFO order, sender and receiver in their own threads. */
struct fifo {
	int fd;
	uint32_t n;
};

static int fifo_send(void *arg)
{
	struct fifo *f = arg;

	for (uint32_t i = 0; i < f->n; i++)
		if (send_u32(f->fd, i, -1) < 0)
			return -1;
	return gosync_chan_close(f->fd);
}

static bool t_fifo(void)
{
	for (uint32_t cap = 0; cap <= 10; cap += 5) {
		struct fifo f = { .n = 100 };
		struct bg b;
		uint32_t v, i;
		int r;

		f.fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, cap, 0));
		CHECK_OK(bg_start(&b, fifo_send, &f));
		for (i = 0; (r = recv_u32(f.fd, &v, LIVENESS_NS)) == 0; i++)
			CHECK(v == i, "cap %u: received %u, expected %u", cap, v, i);
		CHECK(r == 1 && i == f.n, "cap %u: %u values, then %d (%s)", cap, i, r,
		      errname(errno));
		CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "sender: %s", errname(b.err));
		close(f.fd);
	}
	return true;
}

/* Go's "Send 1000 integers in 4 goroutines": 4 senders, 4 receivers, processes. */
#define P 4
#define L 1000

struct multi {
	int fd;
	int id;
	uint8_t *seen;		/* shared: P * L counters */
};

static int multi_send(void *arg)
{
	struct multi *m = arg;

	for (int i = 0; i < L; i++)
		if (send_u32(m->fd, m->id * L + i, LIVENESS_NS) < 0)
			return 1;
	return 0;
}

static int multi_recv(void *arg)
{
	struct multi *m = arg;
	uint32_t v;

	for (int i = 0; i < L; i++) {
		if (recv_u32(m->fd, &v, LIVENESS_NS) != 0 || v >= P * L)
			return 1;
		__atomic_add_fetch(&m->seen[v], 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static bool t_multi(void)
{
	for (uint32_t cap = 0; cap <= 10; cap += 10) {
		uint8_t *seen = mmap(NULL, P * L, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		struct multi m[P];
		pid_t pids[2 * P];
		int fd, bad = 0;

		CHECK(seen != MAP_FAILED, "mmap");
		fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, cap, 0));
		for (int p = 0; p < P; p++) {
			m[p] = (struct multi){ .fd = fd, .id = p, .seen = seen };
			pids[p] = spawn(multi_send, &m[p]);
			pids[P + p] = spawn(multi_recv, &m[p]);
		}
		for (int i = 0; i < 2 * P; i++)
			bad += reap(pids[i]) != 0;
		for (int v = 0; v < P * L; v++)
			bad += seen[v] != 1;
		close(fd);
		munmap(seen, P * L);
		CHECK(!bad, "cap %u: %d processes failed or values not received exactly once",
		      cap, bad);
	}
	return true;
}

/* TestNonblockRecvRace: a buffered value is there for a non-blocking receive. */
struct race {
	int fd;
	atomic_int failed;
};

static int race_recv(void *arg)
{
	struct race *r = arg;
	uint32_t v;

	if (recv_u32(r->fd, &v, 0) != 0)
		atomic_store(&r->failed, 1);
	return 0;
}

static bool t_nonblock_race(void)
{
	for (int i = 0; i < 200; i++) {
		struct race r = { .fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0)) };
		struct bg b;
		uint32_t v;

		CHECK_OK(send_u32(r.fd, 1, 0));
		CHECK_OK(bg_start(&b, race_recv, &r));
		CHECK_OK(gosync_chan_close(r.fd));
		CHECK(bg_wait(&b, LIVENESS_NS), "stuck");
		CHECK(!atomic_load(&r.failed), "round %d: the buffered value was not ready", i);
		CHECK_EQ(recv_u32(r.fd, &v, 0), 1);
		close(r.fd);
	}
	return true;
}

/* TestMultiConsumer: one producer, 3 consumer processes, sum and count. */
#define MC_N	1000

struct consumed {
	int fd;
	uint64_t *count, *sum;	/* shared: what all the consumers received */
};

static int consumer(void *arg)
{
	struct consumed *c = arg;
	uint32_t v;
	int r;

	while ((r = recv_u32(c->fd, &v, LIVENESS_NS)) == 0) {
		__atomic_add_fetch(c->count, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(c->sum, v, __ATOMIC_RELAXED);
	}
	return r == 1 ? 0 : 1;
}

static bool t_multi_consumer(void)
{
	uint64_t *shared = mmap(NULL, 2 * sizeof(uint64_t), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct consumed c;
	pid_t pids[3];
	int bad = 0;

	CHECK(shared != MAP_FAILED, "mmap");
	shared[0] = shared[1] = 0;
	c = (struct consumed){ .count = &shared[0], .sum = &shared[1] };
	c.fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 2, 0));
	for (int i = 0; i < 3; i++)
		pids[i] = spawn(consumer, &c);
	for (uint32_t i = 1; i <= MC_N; i++)
		CHECK_OK(send_u32(c.fd, i, LIVENESS_NS));
	CHECK_OK(gosync_chan_close(c.fd));
	for (int i = 0; i < 3; i++)
		bad += reap(pids[i]) != 0;
	CHECK(!bad, "%d consumers failed", bad);
	/* every value received once: none lost, none twice */
	CHECK(shared[0] == MC_N && shared[1] == (uint64_t)MC_N * (MC_N + 1) / 2,
	      "received %" PRIu64 " values summing to %" PRIu64 ", sent %d summing to %d",
	      shared[0], shared[1], MC_N, MC_N * (MC_N + 1) / 2);
	close(c.fd);
	munmap(shared, 2 * sizeof(uint64_t));
	return true;
}

static int send_wait(void *arg)
{
	return send_u32(*(int *)arg, 9, LIVENESS_NS);
}

/* Go panics on these; gosync says EPIPE. */
static bool t_close_rules(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 0, 0));
	struct bg b;
	bool queued;

	CHECK_OK(bg_start(&b, send_wait, &fd));
	CHECK(bg_blocks(&b, 20 * MS), "send on an unbuffered channel did not block");
	/* a sender queued (.waiters): the close must find it waiting, not race it */
	queued = wait_queued(fd, 1);
	CHECK_OK(gosync_chan_close(fd));
	CHECK(bg_wait(&b, LIVENESS_NS) && b.err == EPIPE, "a waiting send got %s, not EPIPE",
	      errname(b.err));
	CHECK(queued, "the send never queued");
	close(fd);
	return true;
}

static bool t_sizes(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 4, 16));
	char big[17] = "0123456789abcdef", out[8];
	struct gosync_chan_msg m = { .buf = (uintptr_t)big, .len = 17 };
	struct gosync_chan_cmd c;
	uint32_t max = 0;
	size_t len = 0;
	bool ok;
	int dflt;

	/* every op says the longest message: LEN, and a SEND that failed */
	CHECK_OK(gosync_chan_msg_max(fd, &max));
	CHECK_EQ(max, 16u);
	memset(&c, 0, sizeof(c));
	CHECK_RET(gosync_chan_vec(fd, GOSYNC_CHAN_SEND, &m, 1, 0, -1, &c), EMSGSIZE);
	CHECK(c.msg_max == 16 && c.done == 0, "EMSGSIZE: msg_max %u, done %u", c.msg_max,
	      c.done);
	dflt = CHECK_OK(gosync_chan_create(dev, NULL, 0, 0, 0));
	CHECK_OK(gosync_chan_msg_max(dflt, &max));
	CHECK_EQ(max, GOSYNC_CHAN_MSG_DEFAULT);
	close(dflt);
	CHECK_RET(gosync_chan_send(fd, big, 17, 0), EMSGSIZE);
	CHECK_OK(gosync_chan_send(fd, big, 16, 0));
	CHECK_RET(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 0), EOVERFLOW);
	CHECK_EQ(len, 16);
	CHECK_OK(gosync_chan_recv(fd, big, sizeof(big), &len, &ok, 0));
	CHECK(ok && len == 16 && !memcmp(big, "0123456789abcdef", 16), "message changed");
	CHECK_OK(gosync_chan_send(fd, "", 0, 0));		/* empty messages are messages */
	CHECK_OK(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 0));
	CHECK(ok && len == 0, "empty message: ok %d len %zu", ok, len);
	close(fd);
	CHECK_RET(gosync_chan_create(dev, NULL, 0, GOSYNC_CHAN_CAP_MAX + 1, 0), EINVAL);
	CHECK_RET(gosync_chan_create(dev, NULL, 0, 1, GOSYNC_CHAN_MSG_MAX + 1), EINVAL);
	return true;
}

/*
 * A Recv that failed wrote neither ok nor len, but len on EOVERFLOW (the
 * length it needs): a caller that looks at ok after ETIMEDOUT or EINTR
 * must not take the channel for closed.
 */
static bool t_recv_out_params(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 16));
	char out[16];
	size_t len = 1234;
	bool ok = true;

	CHECK_RET(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 0), ETIMEDOUT);
	CHECK(ok && len == 1234, "ETIMEDOUT (0 ns): ok %d, len %zu", ok, len);
	CHECK_RET(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 5 * MS), ETIMEDOUT);
	CHECK(ok && len == 1234, "ETIMEDOUT (5 ms): ok %d, len %zu", ok, len);
	CHECK_RET(gosync_chan_recv(fd, out, sizeof(out), NULL, NULL, 0), ETIMEDOUT);
	CHECK_OK(gosync_chan_send(fd, "0123456789", 10, 0));
	ok = false;
	CHECK_RET(gosync_chan_recv(fd, out, 4, &len, &ok, 0), EOVERFLOW);
	CHECK(!ok && len == 10, "EOVERFLOW: ok %d, len %zu (10)", ok, len);
	CHECK_OK(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 0));
	CHECK(ok && len == 10, "received: ok %d, len %zu", ok, len);
	CHECK_OK(gosync_chan_close(fd));
	len = 1234;
	CHECK_OK(gosync_chan_recv(fd, out, sizeof(out), &len, &ok, 0));
	CHECK(!ok && len == 0, "closed: ok %d, len %zu", ok, len);
	close(fd);
	return true;
}

/* Many messages in one call: send 10, receive them 4 at a time. */
static bool t_vectors(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 16, 0));
	struct gosync_chan_msg m[10];
	struct gosync_chan_cmd c;
	uint32_t vals[10], got[4];

	for (int i = 0; i < 10; i++) {
		vals[i] = 100 + i;
		m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)&vals[i], .len = 4 };
	}
	CHECK_OK(gosync_chan_vec(fd, GOSYNC_CHAN_SEND, m, 10, 0, -1, &c));
	CHECK(c.done == 10 && c.len == 10, "sent %u, len %u", c.done, c.len);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)&got[i], .len = 4 };
		CHECK_OK(gosync_chan_vec(fd, GOSYNC_CHAN_RECV, m, 4, 0, -1, &c));
		CHECK_EQ(c.done, round < 2 ? 4u : 2u);
		for (unsigned int i = 0; i < c.done; i++)
			CHECK_EQ(got[i], 100u + round * 4 + i);
	}
	/* a full channel: the sends that fit go, then EAGAIN with done */
	for (int i = 0; i < 10; i++)
		m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)&vals[i], .len = 4 };
	CHECK_OK(gosync_chan_vec(fd, GOSYNC_CHAN_SEND, m, 10, 0, -1, &c));
	CHECK_RET(gosync_chan_vec(fd, GOSYNC_CHAN_SEND, m, 10, GOSYNC_WAIT_NONBLOCK, -1, &c),
		  EAGAIN);
	CHECK_EQ(c.done, 6u);
	close(fd);
	return true;
}

/*
 * A SEND vector that has sent some of its messages is never restarted (made
 * again it would send them twice): a signal whose handler has SA_RESTART
 * ends it with EINTR, also with an absolute deadline (which any other wait
 * restarts after such a handler), and done says how many went: the k that
 * fit before the one it waited on. The receiver gets exactly those k.
 */
#define PS_CAP	3
#define PS_N	6

static int partial_fd;
static unsigned int partial_flags;
static struct gosync_chan_cmd partial_cmd;

static int partial_send(void *arg)
{
	static uint32_t vals[PS_N];
	struct gosync_chan_msg m[PS_N];
	int64_t timeout = partial_flags & GOSYNC_WAIT_ABSTIME ? (int64_t)~0ULL :
			  partial_flags ? LIVENESS_NS : -1;

	(void)arg;
	for (int i = 0; i < PS_N; i++) {
		vals[i] = 200 + i;
		m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)&vals[i], .len = 4 };
	}
	/* the library adds GOSYNC_WAIT_TIMEOUT for a relative timeout */
	return gosync_chan_vec(partial_fd, GOSYNC_CHAN_SEND, m, PS_N,
			       partial_flags & ~GOSYNC_WAIT_TIMEOUT, timeout, &partial_cmd);
}

static bool t_partial_send_eintr(void)
{
	static const unsigned int flags[] = {
		0, GOSYNC_WAIT_TIMEOUT, GOSYNC_WAIT_ABSTIME,
		GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME,
	};
	struct bg b;

	install_sigusr1(true);
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		struct gosync_state st;
		uint32_t v, len = ~0u;
		int n = 0;

		partial_fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, PS_CAP, 0));
		partial_flags = flags[f];
		memset(&partial_cmd, 0, sizeof(partial_cmd));
		CHECK_OK(bg_start(&b, partial_send, NULL));
		/* it sent PS_CAP and waits with the next */
		CHECK(wait_queued(partial_fd, 1), "flags %#x: the vector never waited",
		      flags[f]);
		CHECK(bg_interrupt(&b), "flags %#x: an SA_RESTART signal did not end the vector",
		      flags[f]);
		CHECK(b.err == EINTR, "flags %#x: %s, expected EINTR", flags[f], errname(b.err));
		CHECK(partial_cmd.done == PS_CAP, "flags %#x: done %u, expected %d", flags[f],
		      partial_cmd.done, PS_CAP);
		CHECK_EQ(partial_cmd.len, PS_CAP);
		/* exactly those: nothing more was sent, and no sender waits */
		CHECK_OK(gosync_chan_len(partial_fd, &len, NULL, NULL));
		CHECK_EQ(len, PS_CAP);
		memset(&st, 0, sizeof(st));
		CHECK_OK(gosync_state(partial_fd, &st, NULL, 0, NULL));
		CHECK_EQ(st.waiters, 0);
		for (;;) {
			int r = recv_u32(partial_fd, &v, 0);

			if (r)
				break;
			CHECK(v == 200u + n, "flags %#x: message %d is %u", flags[f], n, v);
			n++;
		}
		CHECK(errno == ETIMEDOUT, "flags %#x: receive after %d: %s", flags[f], n,
		      errname(errno));
		CHECK_EQ(n, PS_CAP);
		close(partial_fd);
	}
	install_sigusr1(false);
	return true;
}

/*
 * A receive whose buffer cannot take the message fails before it takes
 * one: EFAULT, and the message stays for the next receiver (once taken, a
 * message cannot go back). NULL, read-only, unmapped; in a vector, the
 * batch ends at such an entry.
 */
static bool t_bad_buffer(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 4, 0));
	size_t ps, len;
	char *page = tap_guard_page(&ps);
	uint32_t v = 0, n = 9, vals[2] = { 7, 8 };
	struct gosync_chan_msg m[2];
	struct gosync_chan_cmd c;
	bool ok;

	CHECK(page, "mmap");
	CHECK_OK(send_u32(fd, 7, 0));
	CHECK_OK(send_u32(fd, 8, 0));
	CHECK_RET(gosync_chan_recv(fd, NULL, 4, &len, &ok, 0), EFAULT);
	CHECK_RET(gosync_chan_recv(fd, page + ps, 4, &len, &ok, 0), EFAULT);
	CHECK_RET(gosync_chan_recv(fd, page + ps - 2, 4, &len, &ok, 0), EFAULT);
	CHECK_OK(mprotect(page, ps, PROT_READ));
	CHECK_RET(gosync_chan_recv(fd, page, 4, &len, &ok, 0), EFAULT);
	CHECK_OK(gosync_chan_len(fd, &n, NULL, NULL));
	CHECK(n == 2, "%u messages left after the failed receives, not 2", n);
	/* a vector: the first lands, the batch ends at the bad second entry */
	m[0] = (struct gosync_chan_msg){ .buf = (uintptr_t)&v, .len = 4 };
	m[1] = (struct gosync_chan_msg){ .buf = (uintptr_t)page, .len = 4 };
	CHECK_OK(gosync_chan_vec(fd, GOSYNC_CHAN_RECV, m, 2, 0, -1, &c));
	CHECK(c.done == 1 && v == vals[0] && c.len == 1, "done %u, v %u, len %u", c.done, v,
	      c.len);
	CHECK_OK(recv_u32(fd, &v, 0));
	CHECK_EQ(v, vals[1]);
	munmap(page, ps);
	close(fd);
	return true;
}

static short poll1(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static bool t_poll(void)
{
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 1, 0));
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint32_t v;

	CHECK_EQ(poll1(fd), POLLOUT);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	CHECK_OK(send_u32(fd, 1, 0));
	CHECK_EQ(epoll_wait(ep, &out, 1, (int)(LIVENESS_NS / MS)), 1);
	CHECK_EQ(poll1(fd), POLLIN);		/* full: not writable */
	CHECK_EQ(recv_u32(fd, &v, 0), 0);
	CHECK_OK(gosync_chan_close(fd));
	CHECK_EQ(poll1(fd), POLLIN | POLLOUT | POLLHUP);
	close(ep);
	close(fd);
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("chan");
	tap_report(t_chan_basics(), "chan-go-testchan");
	tap_report(t_fifo(), "chan-go-fifo");
	tap_report(t_multi(), "chan-go-4-senders-4-receivers-processes");
	tap_report(t_nonblock_race(), "chan-go-nonblock-recv-race");
	tap_report(t_multi_consumer(), "chan-go-multi-consumer");
	tap_report(t_close_rules(), "chan-close-waiting-send-epipe");
	tap_report(t_sizes(), "chan-sizes-eoverflow-emsgsize-msg-max");
	tap_report(t_recv_out_params(), "chan-recv-failure-keeps-ok-len");
	tap_report(t_vectors(), "chan-vectors");
	tap_report(t_partial_send_eintr(), "chan-partial-send-vector-eintr");
	tap_report(t_bad_buffer(), "chan-recv-bad-buffer-keeps-message");
	tap_report(t_poll(), "chan-poll");
	return tap_done(dev, "chan");
}
