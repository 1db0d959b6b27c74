// SPDX-License-Identifier: GPL-2.0
/*
 * Channel backends: a gosync channel (one GOSYNC_IOC_CHAN per message, or
 * vectors of them) and the peers chan-bench measures beside it: a pipe, an
 * AF_UNIX SOCK_SEQPACKET socketpair, a POSIX message queue, a ring of slots
 * in shared memory with eventfd doorbells, and Go channels between two
 * goroutines (a Go process, user/stress/go/, driven over a pipe). Each is one
 * way; ping-pong uses two. Each holds @cap messages where its API can say so
 * (the pipe and the socket get buffers of about that many bytes); c->cap is
 * what it got (mqueue without root, the pipe's and the socket's buffers).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/* ---- gosync channel ---- */

static int gchan_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	if (dev < 0) {
		errno = ENODEV;
		return -1;
	}
	c->fd[0] = gosync_chan_create(dev, NULL, 0, cap, (uint32_t)msg_max);
	return c->fd[0] < 0 ? -1 : 0;
}

static int gchan_send(struct chanobj *c, const void *msg, size_t len)
{
	return gosync_chan_send(c->fd[0], msg, len, -1);
}

static int gchan_recv(struct chanobj *c, void *buf, size_t room, size_t *len)
{
	bool ok;

	if (gosync_chan_recv(c->fd[0], buf, room, len, &ok, -1) < 0)
		return -1;
	if (!ok) {
		errno = EPIPE;	/* nobody closes a benchmark's channel */
		return -1;
	}
	return 0;
}

static int gchan_send_vec(struct chanobj *c, struct gosync_chan_msg *m, unsigned int n)
{
	return gosync_chan_vec(c->fd[0], GOSYNC_CHAN_SEND, m, n, 0, -1, NULL);
}

static int gchan_recv_vec(struct chanobj *c, struct gosync_chan_msg *m, unsigned int n,
			  unsigned int *got)
{
	struct gosync_chan_cmd cmd;

	if (gosync_chan_vec(c->fd[0], GOSYNC_CHAN_RECV, m, n, 0, -1, &cmd) < 0)
		return -1;
	*got = cmd.done;
	if (!cmd.done) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/* Go's close(ch): a waiting Send fails (EPIPE), a Recv drains, then EPIPE. */
static void gchan_shut(struct chanobj *c)
{
	gosync_chan_close(c->fd[0]);
}

static void fds_close(struct chanobj *c)
{
	for (int i = 0; i < 2; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	c->fd[0] = c->fd[1] = -1;
}

const struct chan_ops gosync_chan_ops = {
	.open = gchan_open, .send = gchan_send, .recv = gchan_recv, .close = fds_close,
	.shut = gchan_shut,
};

const struct chan_ops gosync_chan_vec_ops = {
	.open = gchan_open, .send = gchan_send, .recv = gchan_recv,
	.send_vec = gchan_send_vec, .recv_vec = gchan_recv_vec, .close = fds_close,
	.shut = gchan_shut,
};

/* ---- byte moving for the fd peers ---- */

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!r)
				errno = EPIPE;
			return -1;
		}
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- pipe: a byte stream; every message of a point has msg_max bytes ---- */

static int pipe_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	int fds[2], size;

	(void)dev;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	c->fd[0] = fds[0];
	c->fd[1] = fds[1];
	/* room for about @cap messages (best effort: pipe-max-size for non-root) */
	fcntl(fds[1], F_SETPIPE_SZ, (int)(cap * msg_max < 4096 ? 4096 :
				      cap * msg_max > (64u << 20) ? (64u << 20) :
				      cap * msg_max));
	/* what it got: whole messages that fit */
	size = fcntl(fds[1], F_GETPIPE_SZ);
	if (size > 0 && msg_max)
		c->cap = (unsigned int)((size_t)size / msg_max);
	return 0;
}

static int pipe_send(struct chanobj *c, const void *msg, size_t len)
{
	return write_all(c->fd[1], msg, len);
}

static int pipe_recv(struct chanobj *c, void *buf, size_t room, size_t *len)
{
	if (room < c->msg_max) {
		errno = EOVERFLOW;
		return -1;
	}
	if (read_all(c->fd[0], buf, c->msg_max) < 0)
		return -1;
	*len = c->msg_max;
	return 0;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/*
 * Both parties hold both ends, so no end can be closed on the other one.
 * O_NONBLOCK is on the open file descriptions, which the other party
 * shares: a writer waiting for room wakes on the room drained here, a reader
 * waiting for a message (so on an empty pipe) on the byte written here, and
 * either then finds the pipe full (empty) and O_NONBLOCK: EAGAIN. No byte
 * after a drain: it could take the room a waking writer needs (one page).
 */
static void pipe_shut(struct chanobj *c)
{
	char buf[4096];
	bool drained = false;
	ssize_t n;

	set_nonblock(c->fd[0]);
	set_nonblock(c->fd[1]);
	while (read(c->fd[0], buf, sizeof(buf)) > 0)
		drained = true;
	if (!drained) {
		n = write(c->fd[1], "", 1);
		(void)n;
	}
}

const struct chan_ops pipe_chan_ops = {
	.open = pipe_open, .send = pipe_send, .recv = pipe_recv, .close = fds_close,
	.shut = pipe_shut,
};

/* ---- socketpair: AF_UNIX SOCK_SEQPACKET, one message per send ---- */

static int sock_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	int sv[2], buf, got;
	socklen_t len = sizeof(got);

	(void)dev;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	c->fd[0] = sv[0];
	c->fd[1] = sv[1];
	/* room for about @cap messages and their skb overhead (best effort) */
	buf = (int)(cap * (msg_max + 1024) > (64u << 20) ? (64u << 20) :
		    cap * (msg_max + 1024));
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	/* the kernel doubles what it grants; less than asked (SO_SNDBUF is
	 * capped at net.core.wmem_max) holds fewer messages in proportion */
	if (!getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &got, &len) && got / 2 < buf)
		c->cap = (unsigned int)((size_t)(got / 2) / (msg_max + 1024));
	return 0;
}

static int sock_send(struct chanobj *c, const void *msg, size_t len)
{
	while (send(c->fd[1], msg, len, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int sock_recv(struct chanobj *c, void *buf, size_t room, size_t *len)
{
	ssize_t r;

	while ((r = recv(c->fd[0], buf, room, 0)) < 0)
		if (errno != EINTR)
			return -1;
	if (!r) {
		errno = EPIPE;
		return -1;
	}
	*len = (size_t)r;
	return 0;
}

/* Shut down both sockets: a waiting send fails (EPIPE), a recv reads 0 (EPIPE). */
static void sock_shut(struct chanobj *c)
{
	shutdown(c->fd[0], SHUT_RDWR);
	shutdown(c->fd[1], SHUT_RDWR);
}

const struct chan_ops socketpair_chan_ops = {
	.open = sock_open, .send = sock_send, .recv = sock_recv, .close = fds_close,
	.shut = sock_shut,
};

/* ---- POSIX message queue ---- */

static int mq_try(const char *name, unsigned int cap, size_t msg_max)
{
	struct mq_attr a = { .mq_maxmsg = cap, .mq_msgsize = (long)msg_max };

	return mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
}

static int mqueue_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	static unsigned int seq;
	char name[64];
	int fd;

	(void)dev;
	snprintf(name, sizeof(name), "/gosync-stress-%d-%u", (int)getpid(), seq++);
	if (!cap)
		cap = 1;
	fd = mq_try(name, cap, msg_max);
	if (fd < 0 && (errno == EMFILE || errno == EINVAL)) {
		/* RLIMIT_MSGQUEUE (800 KiB): raise it (root may), retry */
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_MSGQUEUE, &r);
		fd = mq_try(name, cap, msg_max);
	}
	if (fd < 0 && errno == EINVAL) {
		/* without CAP_SYS_RESOURCE at most fs.mqueue.msg_max (10) messages */
		FILE *f = fopen("/proc/sys/fs/mqueue/msg_max", "r");
		unsigned int max;

		if (f && fscanf(f, "%u", &max) == 1 && max && max < cap) {
			cap = max;
			fd = mq_try(name, cap, msg_max);
		}
		if (f)
			fclose(f);
		if (fd < 0)
			errno = EINVAL;
	}
	if (fd < 0)
		return -1;
	c->cap = cap;
	mq_unlink(name);	/* the fd keeps it; forked workers inherit it */
	c->fd[0] = fd;
	return 0;
}

static int mqueue_send(struct chanobj *c, const void *msg, size_t len)
{
	while (mq_send(c->fd[0], msg, len, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int mqueue_recv(struct chanobj *c, void *buf, size_t room, size_t *len)
{
	ssize_t r;

	while ((r = mq_receive(c->fd[0], buf, room, NULL)) < 0)
		if (errno != EINTR)
			return -1;
	*len = (size_t)r;
	return 0;
}

/* A kernel without CONFIG_POSIX_MQUEUE (the debug kernel) has no mq_open(). */
static bool mqueue_available(const char **why)
{
	static int known;	/* 0: not probed yet, 1: there, -1: not */
	char name[64];
	int fd;

	if (!known) {
		snprintf(name, sizeof(name), "/gosync-stress-probe-%d", (int)getpid());
		fd = mq_try(name, 1, 8);
		known = fd < 0 && errno == ENOSYS ? -1 : 1;
		if (fd >= 0) {
			close(fd);
			mq_unlink(name);
		}
	}
	if (known < 0 && why)
		*why = "this kernel has no POSIX message queues (CONFIG_POSIX_MQUEUE)";
	return known > 0;
}

/* As the pipe's: O_NONBLOCK on the shared description, drain, or an empty message. */
static void mqueue_shut(struct chanobj *c)
{
	struct mq_attr a = { .mq_flags = O_NONBLOCK };
	char *buf = malloc(c->msg_max ? c->msg_max : 1);
	bool drained = false;

	mq_setattr(c->fd[0], &a, NULL);
	while (buf && mq_receive(c->fd[0], buf, c->msg_max, NULL) >= 0)
		drained = true;
	if (!drained)
		mq_send(c->fd[0], "", 0, 0);
	free(buf);
}

const struct chan_ops mqueue_chan_ops = {
	.open = mqueue_open, .send = mqueue_send, .recv = mqueue_recv, .close = fds_close,
	.available = mqueue_available, .shut = mqueue_shut,
};

/*
 * ---- eventfd-ring: a single-producer single-consumer ring in shared memory ----
 *
 * Slots are written and read in place; head and tail are the only shared
 * state. A side that finds the ring full (empty) says it waits, then looks
 * again, then sleeps in read() on its eventfd; the other side, after moving
 * tail (head), looks whether it waits and writes that eventfd. Both fences
 * are seq_cst, so of "I wait, then I look" and "I move, then I look who
 * waits" one side always sees the other (Dekker): no lost wake-up. A wake-up
 * that finds nothing to do only loops. So a syscall is paid only when a side
 * sleeps, as futex-based queues do. After ring_shut() (store, then ring
 * both) a side about to sleep fails instead, also by Dekker.
 */
struct chan_ring {
	_Alignas(64) _Atomic uint64_t head;	/* next slot to read: consumer's */
	_Atomic int cons_waiting;
	_Alignas(64) _Atomic uint64_t tail;	/* next slot to write: producer's */
	_Atomic int prod_waiting;
	_Alignas(64) unsigned int cap;
	_Atomic int shut;			/* ring_shut(): a side that would
						 * sleep fails instead (EPIPE) */
	size_t slot;				/* bytes per slot: length + data */
	_Alignas(64) char slots[];
};

static int ring_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	size_t slot = (sizeof(uint32_t) + msg_max + 63) & ~(size_t)63;

	(void)dev;
	if (!cap)
		cap = 1;
	c->ring_size = sizeof(*c->ring) + cap * slot;
	c->ring = stress_shm_alloc(c->ring_size);
	if (!c->ring)
		return -1;
	/* touched here, as the others' buffers: no first-touch faults in the run */
	memset(c->ring->slots, 0, cap * slot);
	c->ring->cap = cap;
	c->ring->slot = slot;
	c->fd[0] = eventfd(0, EFD_CLOEXEC);	/* items: producer -> consumer */
	c->fd[1] = eventfd(0, EFD_CLOEXEC);	/* space: consumer -> producer */
	if (c->fd[0] < 0 || c->fd[1] < 0) {
		int err = errno;

		fds_close(c);
		stress_shm_free(c->ring, c->ring_size);
		c->ring = NULL;
		errno = err;
		return -1;
	}
	return 0;
}

/* Sleep until the other side rings @efd (or rang since we last slept). */
static int ring_sleep(int efd)
{
	uint64_t v;

	while (read(efd, &v, sizeof(v)) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int ring_ring(int efd)
{
	uint64_t one = 1;

	while (write(efd, &one, sizeof(one)) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int ring_send(struct chanobj *c, const void *msg, size_t len)
{
	struct chan_ring *r = c->ring;
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	char *slot;

	while (t - atomic_load_explicit(&r->head, memory_order_acquire) >= r->cap) {
		atomic_store_explicit(&r->prod_waiting, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (t - atomic_load_explicit(&r->head, memory_order_acquire) < r->cap) {
			atomic_store_explicit(&r->prod_waiting, 0, memory_order_relaxed);
			break;
		}
		if (atomic_load_explicit(&r->shut, memory_order_relaxed)) {
			atomic_store_explicit(&r->prod_waiting, 0, memory_order_relaxed);
			errno = EPIPE;
			return -1;
		}
		if (ring_sleep(c->fd[1]) < 0)
			return -1;
		atomic_store_explicit(&r->prod_waiting, 0, memory_order_relaxed);
	}
	slot = r->slots + (t % r->cap) * r->slot;
	memcpy(slot, &(uint32_t){ (uint32_t)len }, sizeof(uint32_t));
	memcpy(slot + sizeof(uint32_t), msg, len);
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->cons_waiting, memory_order_relaxed))
		return ring_ring(c->fd[0]);
	return 0;
}

static int ring_recv(struct chanobj *c, void *buf, size_t room, size_t *len)
{
	struct chan_ring *r = c->ring;
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	const char *slot;
	uint32_t n;

	while (atomic_load_explicit(&r->tail, memory_order_acquire) == h) {
		atomic_store_explicit(&r->cons_waiting, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&r->tail, memory_order_acquire) != h) {
			atomic_store_explicit(&r->cons_waiting, 0, memory_order_relaxed);
			break;
		}
		if (atomic_load_explicit(&r->shut, memory_order_relaxed)) {
			atomic_store_explicit(&r->cons_waiting, 0, memory_order_relaxed);
			errno = EPIPE;
			return -1;
		}
		if (ring_sleep(c->fd[0]) < 0)
			return -1;
		atomic_store_explicit(&r->cons_waiting, 0, memory_order_relaxed);
	}
	slot = r->slots + (h % r->cap) * r->slot;
	memcpy(&n, slot, sizeof(n));
	if (n > room) {
		errno = EOVERFLOW;
		return -1;
	}
	memcpy(buf, slot + sizeof(uint32_t), n);
	*len = n;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->prod_waiting, memory_order_relaxed))
		return ring_ring(c->fd[1]);
	return 0;
}

static void ring_shut(struct chanobj *c)
{
	atomic_store(&c->ring->shut, 1);
	ring_ring(c->fd[0]);
	ring_ring(c->fd[1]);
}

static void ring_close(struct chanobj *c)
{
	fds_close(c);
	stress_shm_free(c->ring, c->ring_size);
	c->ring = NULL;
}

const struct chan_ops ring_chan_ops = {
	.open = ring_open, .send = ring_send, .recv = ring_recv, .close = ring_close,
	.shut = ring_shut,
};

/*
 * ---- go-chan: Go channels between two goroutines, in a Go process ----
 *
 * gosync-chanbench-go (user/stress/go/) reads commands on stdin, one per
 * line: "pingpong|stream SIZE CAP N" runs N round trips or messages (N 0:
 * until a line "stop") and prints "OPS BAD". The process is started at open,
 * outside the timed part, where it makes one round trip of the point's size,
 * so that its runtime is up and its buffers for that SIZE and CAP are made
 * and touched (it keeps them for the timed commands), and ends at close (EOF
 * on its stdin).
 */
static const char *go_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("GOSYNC_CHANBENCH_GO");
	ssize_t n;
	char *slash;

	if (env && *env)
		return access(env, X_OK) ? NULL : env;
	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof(STRESS_GO_PEER) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	strcpy(slash + 1, STRESS_GO_PEER);
	return access(path, X_OK) ? NULL : path;
}

static bool go_available(const char **why)
{
	if (go_path())
		return true;
	if (why)
		*why = "no " STRESS_GO_PEER " beside gosync-stress (built only where "
		       "go is installed) and no $GOSYNC_CHANBENCH_GO";
	return false;
}

static int go_bench(struct chanobj *c, const char *kind, size_t size,
		    uint64_t iterations, _Atomic int *stop, uint64_t *ops, uint64_t *bad);
static void go_close(struct chanobj *c);

static int go_open(struct chanobj *c, int dev, unsigned int cap, size_t msg_max)
{
	const char *path = go_path();
	uint64_t ops = 0, bad = 0;
	int in[2], out[2];
	pid_t pid;

	(void)dev;
	(void)cap;
	if (!path) {
		errno = ENOENT;
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		errno = err;
		return -1;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		signal(SIGPIPE, SIG_DFL);	/* gosync-stress ignores it */
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->fd[0] = in[1];
	c->fd[1] = out[0];
	c->pid = pid;
	/*
	 * One round trip before the timed part: the exec and the Go runtime's
	 * start took longer than a 0.05 s point (bench-quick), which then
	 * moved no message; and the peer makes its buffers of this size
	 * (CAP + 2 of them per side) at its first command of that size.
	 */
	if (go_bench(c, "pingpong", msg_max > 8 ? msg_max : 8, 1, NULL, &ops, &bad) < 0 ||
	    ops != 1 || bad) {
		int err = errno;

		go_close(c);
		errno = err ? err : EPROTO;
		return -1;
	}
	return 0;
}

/* Read the reply line "OPS BAD". */
static int go_reply(struct chanobj *c, uint64_t *ops, uint64_t *bad)
{
	char line[128];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		ssize_t r = read(c->fd[1], line + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r ? errno : EPIPE;
			return -1;
		}
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (sscanf(line, "%" SCNu64 " %" SCNu64, ops, bad) != 2) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int go_bench(struct chanobj *c, const char *kind, size_t size,
		    uint64_t iterations, _Atomic int *stop, uint64_t *ops, uint64_t *bad)
{
	char cmd[128];
	int n = snprintf(cmd, sizeof(cmd), "%s %zu %u %llu\n", kind, size, c->cap,
			 (unsigned long long)iterations);

	if (write_all(c->fd[0], cmd, (size_t)n) < 0)
		return -1;
	if (!iterations) {
		while (!atomic_load_explicit(stop, memory_order_relaxed))
			stress_sleep(0.001);
		if (write_all(c->fd[0], "stop\n", 5) < 0)
			return -1;
	}
	return go_reply(c, ops, bad);
}

static void go_close(struct chanobj *c)
{
	int status;

	fds_close(c);		/* EOF on its stdin: it exits */
	if (c->pid > 0)
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
	c->pid = 0;
}

const struct chan_ops go_chan_ops = {
	.open = go_open, .close = go_close, .bench = go_bench,
	.available = go_available,
};

/* ---- common ---- */

bool chan_available(const struct stress_backend *be, const char **why)
{
	return be->chan && (!be->chan->available || be->chan->available(why));
}

int chanobj_open(struct chanobj *c, const struct stress_backend *be, int dev,
		 unsigned int cap, size_t msg_max)
{
	c->be = be;
	c->fd[0] = c->fd[1] = -1;
	c->cap = cap;
	c->msg_max = msg_max;
	c->ring = NULL;
	c->pid = 0;
	return be->chan->open(c, dev, cap, msg_max);
}

void chanobj_shut(struct chanobj *c)
{
	if (c->be && c->be->chan->shut)
		c->be->chan->shut(c);
}

void chanobj_close(struct chanobj *c)
{
	if (c->be)
		c->be->chan->close(c);
	c->be = NULL;
}
