// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: WaitGroup. Go's TestWaitGroup (a two-group barrier, reused) and
 * TestWaitGroupMisuse, timeouts, poll/epoll readiness, a barrier across
 * processes, and held Adds that a killed worker's close settles.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "sync_util.h"

static int dev;

/* ---- Go's TestWaitGroup ---- */

#define WG_N	8

struct barrier {
	int wg1, wg2;
	atomic_int exited;
	atomic_int errors;
};

static void *barrier_thread(void *p)
{
	struct barrier *b = p;

	if (gosync_waitgroup_done(b->wg1, NULL) < 0 ||
	    gosync_waitgroup_wait(b->wg2, LIVENESS_NS) < 0)
		atomic_fetch_add(&b->errors, 1);
	atomic_fetch_add(&b->exited, 1);
	return NULL;
}

static bool test_waitgroup(struct barrier *b)
{
	pthread_t t[WG_N];
	int64_t end;

	atomic_store(&b->exited, 0);
	CHECK_RET(gosync_waitgroup_add(b->wg1, WG_N, NULL), 0);
	CHECK_RET(gosync_waitgroup_add(b->wg2, WG_N, NULL), 0);
	for (int i = 0; i < WG_N; i++)
		CHECK(!pthread_create(&t[i], NULL, barrier_thread, b), "pthread_create");
	CHECK_RET(gosync_waitgroup_wait(b->wg1, LIVENESS_NS), 0);
	for (int i = 0; i < WG_N; i++) {
		CHECK(!atomic_load(&b->exited), "WaitGroup released group too soon");
		CHECK_RET(gosync_waitgroup_done(b->wg2, NULL), 0);
	}
	end = now_ns() + LIVENESS_NS;
	while (atomic_load(&b->exited) < WG_N && now_ns() < end)
		sleep_ns(MS);
	CHECK(atomic_load(&b->exited) == WG_N, "barrier failed to release everyone");
	for (int i = 0; i < WG_N; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&b->errors), 0);
	return true;
}

static bool t_waitgroup(void)
{
	struct barrier b = { 0 };
	struct gosync_info info;

	b.wg1 = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	b.wg2 = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	/* the same groups a few times: the barrier must be left in a good state */
	for (int i = 0; i != 8; i++)
		if (!test_waitgroup(&b))
			return false;
	CHECK_OK(gosync_info(b.wg2, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_WAITGROUP);
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_ADDS], 8 * (WG_N + 1));
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_WAITS], 8 * WG_N);
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_MISUSE], 0);
	close(b.wg1);
	close(b.wg2);
	return true;
}

/* Go's TestWaitGroupMisuse: "sync: negative WaitGroup counter" */
static bool t_misuse(void)
{
	int fd = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	struct gosync_info info;
	int64_t v = -1;

	CHECK_RET(gosync_waitgroup_done(fd, &v), EINVAL);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_RET(gosync_waitgroup_add(fd, 1, &v), 0);
	CHECK_EQ(v, 1);
	CHECK_RET(gosync_waitgroup_done(fd, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_RET(gosync_waitgroup_done(fd, &v), EINVAL);
	CHECK_RET(gosync_waitgroup_add(fd, 2, NULL), 0);
	CHECK_RET(gosync_waitgroup_add(fd, -3, NULL), EINVAL);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 2);					/* unchanged */
	CHECK_RET(gosync_waitgroup_add(fd, INT64_MAX, NULL), EOVERFLOW);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_RET(gosync_waitgroup_add(fd, 0, &v), 0);	/* Add(0) is fine */
	CHECK_EQ(v, 2);
	CHECK_RET(gosync_waitgroup_add(fd, -2, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_OK(gosync_info(fd, &info));
	/* the 3 EINVAL; not the EOVERFLOW (Go's misuse is EINVAL and EBUSY) */
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_MISUSE], 3);
	close(fd);
	return true;
}

static bool t_wait(void)
{
	int fd = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int64_t t0, v;

	CHECK_RET(gosync_waitgroup_wait(fd, -1), 0);	/* zero: at once */
	CHECK_RET(gosync_waitgroup_wait(fd, 0), 0);
	CHECK_RET(gosync_waitgroup_add(fd, 2, NULL), 0);
	t0 = now_ns();
	CHECK_RET(gosync_waitgroup_wait(fd, 30 * MS), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 30 * MS, "gave up early");
	CHECK_RET(gosync_waitgroup_wait(fd, 0), ETIMEDOUT);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_RET(gosync_waitgroup_add(fd, -2, NULL), 0);
	CHECK_RET(gosync_waitgroup_wait(fd, 0), 0);
	close(fd);
	return true;
}

/* ---- poll ---- */

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

struct delayed_done {
	int fd;
	int n;
	pid_t tid;		/* the poller: each Done waits until it sleeps */
	bool asleep;		/* ... and it did, every time */
};

static void *done_later(void *p)
{
	struct delayed_done *d = p;

	d->asleep = true;
	for (int i = 0; i < d->n; i++) {
		d->asleep &= wait_thread_sleeps(d->tid);
		gosync_waitgroup_done(d->fd, NULL);
	}
	return NULL;
}

static bool t_poll(void)
{
	int fd = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct delayed_done d = { .fd = fd, .n = 3, .tid = this_tid() };
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	pthread_t t;
	int64_t v;
	int n, lerr;

	CHECK_EQ(revents(fd), POLLIN);			/* zero: readable */
	CHECK_RET(gosync_waitgroup_add(fd, 3, NULL), 0);
	CHECK_EQ(revents(fd), 0);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	/* another thread Done's to zero: epoll_wait wakes */
	CHECK(!pthread_create(&t, NULL, done_later, &d), "pthread_create");
	n = epoll_wait(ep, &out, 1, (int)(LIVENESS_NS / MS));
	/* now, before the join: an epoll_wait that woke before zero must fail */
	lerr = gosync_waitgroup_load(fd, &v) < 0 ? errno : 0;
	pthread_join(t, NULL);
	CHECK_EQ(n, 1);
	CHECK(d.asleep, "epoll_wait never slept before a Done");
	CHECK(!lerr, "Load: %s", errname(lerr));
	CHECK(v == 0, "epoll_wait woke with the counter at %" PRId64 ", not 0", v);
	CHECK(out.events & EPOLLIN, "events %#x", out.events);
	CHECK_EQ(revents(fd), POLLIN);
	CHECK_RET(gosync_waitgroup_add(fd, 1, NULL), 0);
	CHECK_EQ(revents(fd), 0);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	CHECK_RET(gosync_waitgroup_done(fd, NULL), 0);
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 1);
	close(ep);
	close(fd);
	return true;
}

/* ---- across processes ---- */

static const char *child_name;

static int child_done(void *arg)
{
	int d = gosync_dev_open(), fd;

	sleep_ns((intptr_t)arg * 10 * MS);
	fd = gosync_open(d, child_name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0)
		return 10;
	return gosync_waitgroup_done(fd, NULL) < 0 ? 11 : 0;
}

static bool t_processes(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "procs"), 0));
	pid_t pids[4];
	int64_t v;

	child_name = name;
	CHECK_RET(gosync_waitgroup_add(fd, 4, NULL), 0);
	for (intptr_t i = 0; i < 4; i++)
		pids[i] = spawn(child_done, (void *)i);
	CHECK_RET(gosync_waitgroup_wait(fd, LIVENESS_NS), 0);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(reap(pids[i]), 0);
	close(fd);
	return true;
}

/* Wait from several processes at once; one Done releases them all. */
static int child_wait(void *arg)
{
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, child_name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0)
		return 10;
	return gosync_waitgroup_wait(fd, LIVENESS_NS) < 0 ? 20 + (errno & 63) : 0;
}

static bool t_many_waiters(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "waiters"), 0));
	bool queued;
	pid_t pids[4];

	child_name = name;
	CHECK_RET(gosync_waitgroup_add(fd, 1, NULL), 0);
	for (int i = 0; i < 4; i++)
		pids[i] = spawn(child_wait, NULL);
	/* one Done must release waiters already asleep, not ones yet to come */
	queued = wait_queued(fd, 4);
	CHECK_RET(gosync_waitgroup_done(fd, NULL), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(reap(pids[i]), 0);
	CHECK(queued, "the 4 waiters never all waited");
	/* reusable once the waiters returned */
	CHECK_RET(gosync_waitgroup_add(fd, 1, NULL), 0);
	CHECK_RET(gosync_waitgroup_done(fd, NULL), 0);
	close(fd);
	return true;
}

/*
 * Held Adds (Go 1.25's wg.Go across processes): each worker opens the
 * WaitGroup, adds itself with a held Add, and Dones when finished; one is
 * killed first. Its Add is done for it when its description closes, so the
 * Wait returns; the stats count it abandoned.
 */
static int child_held_worker(void *arg)
{
	int d = gosync_dev_open(), fd, *p = arg;
	char c = 'A';

	fd = gosync_open(d, child_name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0 || gosync_waitgroup_add_held(fd, 1, NULL) < 0)
		c = 'E';
	if (write(p[1], &c, 1) != 1)
		return 1;
	if (read(p[2], &c, 1) != 1)	/* "finish your work" */
		return 2;
	return gosync_waitgroup_done(fd, NULL) < 0 ? 3 : 0;
}

static bool t_held(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "held"), 0));
	struct gosync_info info;
	int up[2], go[2], p[3];
	pid_t pids[3];
	int64_t v;
	char c;

	CHECK_OK(pipe(up));
	CHECK_OK(pipe(go));
	p[0] = up[0];
	p[1] = up[1];
	p[2] = go[0];
	child_name = name;
	for (int i = 0; i < 3; i++) {
		pids[i] = spawn(child_held_worker, p);
		CHECK(read(up[0], &c, 1) == 1 && c == 'A', "worker %d did not Add", i);
	}
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 3);
	kill(pids[0], SIGKILL);		/* dies holding its Add */
	CHECK_EQ(reap(pids[0]), 128 + SIGKILL);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 2);
	CHECK(write(go[1], "gg", 2) == 2, "write");
	CHECK_RET(gosync_waitgroup_wait(fd, LIVENESS_NS), 0);
	CHECK_EQ(reap(pids[1]), 0);
	CHECK_EQ(reap(pids[2]), 0);	/* their Dones settled their own Adds */
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_ABANDONED], 1);
	/* a held Add needs a positive delta, and only ADD takes the flag */
	CHECK_RET(gosync_waitgroup_add_held(fd, 0, NULL), EINVAL);
	CHECK_RET(gosync_waitgroup_add_held(fd, -1, NULL), EINVAL);
	{
		struct gosync_waitgroup_cmd cmd = {
			.size = sizeof(cmd), .op = GOSYNC_WG_DONE, .flags = GOSYNC_WG_F_HOLD,
		};

		CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_WAITGROUP, &cmd), EINVAL, false);
	}
	for (int i = 0; i < 2; i++) {
		close(up[i]);
		close(go[i]);
	}
	close(fd);
	return true;
}

/*
 * GOSYNC_WG_F_UNHELD: a description that holds an Add makes a plain one too,
 * and its plain Done leaves the held Add held, so its close still does it.
 * The flag goes with DONE or a negative ADD only.
 */
static int wg_cmd(int fd, unsigned int op, int64_t delta, unsigned int flags)
{
	struct gosync_waitgroup_cmd cmd = {
		.size = sizeof(cmd), .op = op, .delta = delta, .flags = flags,
	};

	return ioctl(fd, GOSYNC_IOC_WAITGROUP, &cmd);
}

static bool t_unheld(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "unheld"), 0));
	int worker = CHECK_OK(reopen(dev, name));	/* a description of its own */
	int64_t v;

	CHECK_RET(wg_cmd(worker, GOSYNC_WG_ADD, 1, GOSYNC_WG_F_UNHELD), EINVAL);
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_ADD, 0, GOSYNC_WG_F_UNHELD), EINVAL);
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_WAIT, 0, GOSYNC_WG_F_UNHELD), EINVAL);
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_LOAD, 0, GOSYNC_WG_F_UNHELD), EINVAL);
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_ADD, -1, GOSYNC_WG_F_HOLD | GOSYNC_WG_F_UNHELD),
		  EINVAL);
	CHECK_RET(gosync_waitgroup_add_held(worker, 1, NULL), 0);	/* a Go task */
	CHECK_RET(gosync_waitgroup_add(worker, 2, NULL), 0);		/* plain tasks */
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_DONE, 0, GOSYNC_WG_F_UNHELD), 0);
	CHECK_RET(wg_cmd(worker, GOSYNC_WG_ADD, -1, GOSYNC_WG_F_UNHELD), 0);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 1);
	close(worker);		/* dies while its Go task runs: the kernel does it */
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, 0);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("waitgroup");
	tap_report(t_waitgroup(), "waitgroup-barrier");
	tap_report(t_misuse(), "waitgroup-misuse");
	tap_report(t_wait(), "waitgroup-wait-timeout");
	tap_report(t_poll(), "waitgroup-poll-epoll");
	tap_report(t_processes(), "waitgroup-across-processes");
	tap_report(t_many_waiters(), "waitgroup-many-waiters");
	tap_report(t_held(), "waitgroup-held-add-worker-killed");
	tap_report(t_unheld(), "waitgroup-unheld-done-leaves-held");
	return tap_done(dev, "waitgroup");
}
