// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: who holds it, who waits (GOSYNC_IOC_INFO's state and holders, LIST's
 * states, fdinfo). Child processes with names of their own (PR_SET_NAME)
 * take read locks, permits and the Mutex; INFO must name each holding
 * description's acquirer by pid and comm, count the readers, the waiters
 * and the age of the oldest wait while a child blocks, and count exactly
 * the contended acquisitions the test caused, in the histogram too. Also:
 * holders cut at the caller's room (nr_holders still says all), a state
 * struct smaller than the kernel's, malformed sizes, the old INFO size.
 */
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "sync_util.h"

static int dev;

/*
 * A child process named @comm: runs @fn(@arg), reports its result on a
 * pipe ('0' or 'e'), then holds whatever it took until kid_release() kills
 * it (a pipe would not do: later children inherit its write end).
 */
struct kid {
	pid_t pid;
	int report;	/* read end: the child's one-byte result */
};

static bool kid_start(struct kid *k, const char *comm, int (*fn)(void *), void *arg)
{
	int rep[2];

	if (pipe(rep))
		return false;
	fflush(stdout);
	k->pid = fork();
	if (k->pid < 0)
		return false;
	if (!k->pid) {
		char c;
		int ret;

		close(rep[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a failed test leaves none behind */
		prctl(PR_SET_NAME, comm);
		ret = fn(arg);
		c = ret ? 'e' : '0';
		if (write(rep[1], &c, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(rep[1]);
	k->report = rep[0];
	return true;
}

/* The child's result: true if @fn succeeded. */
static bool kid_result(struct kid *k)
{
	char c = 0;

	return read(k->report, &c, 1) == 1 && c == '0';
}

/* Kill the child and reap it: true if it was still there to kill. */
static bool kid_release(struct kid *k)
{
	int status;

	close(k->report);
	kill(k->pid, SIGKILL);
	return waitpid(k->pid, &status, 0) == k->pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGKILL;
}

static int lock_fd(void *arg)
{
	return gosync_mutex_lock(*(int *)arg, -1);
}

/* A fresh description of @name in the child: a holder of its own. */
static int rlock_named(void *arg)
{
	int fd = gosync_open(gosync_dev_open(), arg, GOSYNC_TYPE_RWMUTEX);

	return fd < 0 ? -1 : gosync_rwmutex_rlock(fd, -1);
}

static int lock_named(void *arg)
{
	int fd = gosync_open(gosync_dev_open(), arg, GOSYNC_TYPE_MUTEX);

	return fd < 0 ? -1 : gosync_mutex_lock(fd, -1);
}

static int acquire3(void *arg)
{
	return gosync_sem_acquire(*(int *)arg, 3, -1);
}

static int acquire_release(void *arg)
{
	int fd = *(int *)arg;

	return gosync_sem_acquire(fd, 1, -1) ?: gosync_sem_release(fd, 1);
}

static int lock_unlock(void *arg)
{
	int fd = *(int *)arg;

	return gosync_mutex_lock(fd, -1) ?: gosync_mutex_unlock(fd);
}

static int rlock_runlock(void *arg)
{
	int fd = *(int *)arg;

	return gosync_rwmutex_rlock(fd, -1) ?: gosync_rwmutex_runlock(fd);
}

static uint64_t hist_sum(const struct gosync_state *st)
{
	uint64_t n = 0;

	for (int i = 0; i < GOSYNC_WAIT_HIST; i++)
		n += st->wait_hist[i];
	return n;
}

/* The holder with pid @pid among @n, or NULL. */
static const struct gosync_holder *find_holder(const struct gosync_holder *hs, unsigned int n,
					       pid_t pid)
{
	for (unsigned int i = 0; i < n; i++)
		if (hs[i].pid == pid)
			return &hs[i];
	return NULL;
}

/* Poll @fd's state until @waiters tasks wait in it (the liveness bound). */
static bool wait_for_waiters(int fd, unsigned int waiters, struct gosync_state *st)
{
	int64_t until = now_ns() + LIVENESS_NS;

	do {
		if (gosync_state(fd, st, NULL, 0, NULL) < 0)
			return false;
		if (st->waiters == waiters)
			return true;
		sleep_ns(MS);
	} while (now_ns() < until);
	return false;
}

/*
 * Two processes, each through its own description, hold read locks: INFO
 * shows two holders with their pids and comms, 2 readers, not locked;
 * LIST's state and fdinfo agree; room for one holder still says 2.
 */
static bool t_readers(void)
{
	char name[GOSYNC_NAME_MAX], want[64], want2[64];
	int rw = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "rd"), 0600, 0));
	struct gosync_holder hs[4], one[2];
	const struct gosync_holder *h;
	struct gosync_state st, sts[64];
	struct gosync_info infos[64], info;
	struct kid a, b;
	unsigned int nr = 0;
	uint64_t cursor = 0;
	int n;

	CHECK(kid_start(&a, "gs-reader-a", rlock_named, name), "fork");
	CHECK(kid_result(&a), "reader a: RLock failed");
	CHECK(kid_start(&b, "gs-reader-b", rlock_named, name), "fork");
	CHECK(kid_result(&b), "reader b: RLock failed");

	CHECK_OK(gosync_state(rw, &st, hs, 4, &nr));
	CHECK_EQ(nr, 2);
	CHECK_EQ(st.nr_holders, 2);
	CHECK_EQ(st.readers, 2);
	CHECK_EQ(st.flags & GOSYNC_STATE_LOCKED, 0);
	CHECK_EQ(st.waiters, 0);
	CHECK_EQ(st.oldest_wait_ns, 0);
	h = find_holder(hs, nr, a.pid);
	CHECK(h && !strcmp(h->comm, "gs-reader-a") && h->count == 1 && !h->flags,
	      "reader a (pid %d) not a holder", (int)a.pid);
	h = find_holder(hs, nr, b.pid);
	CHECK(h && !strcmp(h->comm, "gs-reader-b") && h->count == 1 && !h->flags,
	      "reader b (pid %d) not a holder", (int)b.pid);
	/* the inline holders say the same */
	CHECK(find_holder(st.holders, 2, a.pid) && find_holder(st.holders, 2, b.pid),
	      "inline holders differ");

	/* room for one: one written, the count says two */
	memset(one, 0x5a, sizeof(one));
	CHECK_OK(gosync_state(rw, &st, one, 1, &nr));
	CHECK_EQ(nr, 2);
	CHECK(one[0].pid == a.pid || one[0].pid == b.pid, "holder 0 is pid %d", one[0].pid);
	CHECK(((uint8_t *)&one[1])[0] == 0x5a, "wrote a second holder into room for one");

	/* LIST's state of the same object */
	CHECK_OK(gosync_info(rw, &info));
	do {
		n = CHECK_OK(gosync_list_state(dev, infos, sts, 64, &cursor, NULL));
		for (int i = 0; i < n; i++)
			if (infos[i].id == info.id) {
				CHECK_EQ(sts[i].nr_holders, 2);
				CHECK_EQ(sts[i].readers, 2);
				CHECK(find_holder(sts[i].holders, 2, a.pid) &&
				      find_holder(sts[i].holders, 2, b.pid), "LIST holders differ");
				info.id = 0;
			}
	} while (cursor);
	CHECK(!info.id, "LIST did not list the RWMutex");

	/* fdinfo of our (non-holding) fd */
	CHECK(!strcmp(fdinfo(rw, "gosync-holders"), "2"), "fdinfo holders: %s",
	      fdinfo(rw, "gosync-holders"));
	snprintf(want, sizeof(want), "%d gs-reader-a shared 1", (int)a.pid);
	snprintf(want2, sizeof(want2), "%d gs-reader-b shared 1", (int)b.pid);
	CHECK(!strcmp(fdinfo(rw, "gosync-holder"), want) ||
	      !strcmp(fdinfo(rw, "gosync-holder"), want2), "fdinfo holder: %s",
	      fdinfo(rw, "gosync-holder"));
	CHECK(!strcmp(fdinfo(rw, "gosync-readers"), "2"), "fdinfo readers");

	/* a reader exits: its read lock (robust or not) and its record go */
	CHECK(kid_release(&a), "reader a exited badly");
	CHECK_OK(gosync_state(rw, &st, hs, 4, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, b.pid);
	CHECK(kid_release(&b), "reader b exited badly");
	CHECK_OK(gosync_state(rw, &st, hs, 4, &nr));
	CHECK_EQ(nr, 0);
	CHECK_EQ(st.readers, 0);
	close(rw);
	return true;
}

/*
 * A child acquires 3 of 5 permits through the description it inherited: the
 * holder is that description, and the acquirer the child.
 */
static bool t_sem_child(void)
{
	int s = CHECK_OK(gosync_sem_create(dev, NULL, 0, 5, 0));
	struct gosync_holder hs[4];
	struct gosync_state st;
	unsigned int nr;
	struct kid k;

	CHECK(kid_start(&k, "gs-sem-child", acquire3, &s), "fork");
	CHECK(kid_result(&k), "child: Acquire failed");
	CHECK_OK(gosync_state(s, &st, hs, 4, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, k.pid);
	CHECK(!strcmp(hs[0].comm, "gs-sem-child"), "comm %.16s", hs[0].comm);
	CHECK_EQ(hs[0].count, 3);
	CHECK_EQ(st.value, 3);
	CHECK_EQ(st.limit, 5);
	CHECK(!strcmp(fdinfo(s, "gosync-value"), "3"), "fdinfo value");
	/* the description is still ours: the permits stay after the child exits */
	CHECK(kid_release(&k), "child exited badly");
	CHECK_OK(gosync_state(s, &st, hs, 4, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, k.pid);
	CHECK_OK(gosync_sem_release(s, 3));
	CHECK_OK(gosync_state(s, &st, hs, 4, &nr));
	CHECK_EQ(nr, 0);
	CHECK_EQ(st.value, 0);
	close(s);
	return true;
}

/*
 * More holders than GOSYNC_HOLDERS_MAX, and more room: the list is cut at
 * GOSYNC_HOLDERS_MAX (the rest of the room untouched), and nr_holders says
 * how many there are.
 */
#define MANY_HOLDERS	(GOSYNC_HOLDERS_MAX + 76)

static bool t_holders_max(void)
{
	static struct gosync_holder hs[2 * GOSYNC_HOLDERS_MAX];
	static int fds[MANY_HOLDERS];
	struct rlimit rl = { MANY_HOLDERS + 64, MANY_HOLDERS + 64 };
	const char *name = "lockstate-holders-max";
	struct gosync_state st;
	unsigned int nr, i;
	int s;

	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	gosync_unlink(dev, name);
	s = CHECK_OK(gosync_sem_create(dev, name, 0600, MANY_HOLDERS, 0));
	for (i = 0; i < MANY_HOLDERS; i++) {
		fds[i] = CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_SEM));
		CHECK_OK(gosync_sem_tryacquire(fds[i], 1));
	}
	memset(hs, 0xff, sizeof(hs));
	CHECK_OK(gosync_state(s, &st, hs, 2 * GOSYNC_HOLDERS_MAX, &nr));
	CHECK_EQ(nr, MANY_HOLDERS);
	CHECK_EQ(st.value, MANY_HOLDERS);
	CHECK(hs[GOSYNC_HOLDERS_MAX - 1].count == 1, "holder %d not written",
	      GOSYNC_HOLDERS_MAX - 1);
	for (i = GOSYNC_HOLDERS_MAX; i < 2 * GOSYNC_HOLDERS_MAX; i++)
		CHECK(hs[i].pid == -1, "holder %u written", i);
	for (i = 0; i < MANY_HOLDERS; i++)
		close(fds[i]);
	CHECK_OK(gosync_state(s, &st, NULL, 0, &nr));
	CHECK_EQ(nr, 0);
	close(s);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

/*
 * Mutex: we hold it, a child blocks in Lock: one waiter, an oldest wait
 * above 0; after Unlock the child's Lock counts as contended. Three rounds:
 * contended and the histogram total are exactly 3. Then the child holds
 * it: the holder is the child.
 */
static bool t_mutex_contention(void)
{
	char name[GOSYNC_NAME_MAX], pid[16];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "mc"), 0600, 0));
	struct gosync_holder hs[2];
	struct gosync_state st;
	unsigned int nr;
	struct kid k;

	for (int round = 0; round < 3; round++) {
		CHECK_OK(gosync_mutex_lock(m, -1));
		CHECK_OK(gosync_state(m, &st, hs, 2, &nr));
		CHECK_EQ(nr, 1);
		CHECK_EQ(hs[0].pid, getpid());
		CHECK_EQ(hs[0].flags, GOSYNC_HOLDER_WRITE);
		CHECK(st.flags & GOSYNC_STATE_LOCKED, "not locked");
		CHECK(kid_start(&k, "gs-waiter", lock_unlock, &m), "fork");
		CHECK(wait_for_waiters(m, 1, &st), "the child never waited (%u waiters)",
		      st.waiters);
		sleep_ns(MS);
		CHECK_OK(gosync_state(m, &st, NULL, 0, NULL));
		CHECK(st.oldest_wait_ns > 0, "oldest wait 0 with a waiter");
		CHECK(!strcmp(fdinfo(m, "gosync-waiters"), "1"), "fdinfo waiters: %s",
		      fdinfo(m, "gosync-waiters"));
		CHECK(strcmp(fdinfo(m, "gosync-oldest-wait-ns"), "0"), "fdinfo oldest wait 0");
		CHECK_OK(gosync_mutex_unlock(m));
		CHECK(kid_result(&k), "child: Lock/Unlock failed");
		CHECK(kid_release(&k), "child exited badly");
	}
	CHECK_OK(gosync_state(m, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 3);
	CHECK_EQ(hist_sum(&st), 3);
	CHECK(st.wait_ns > 0, "no wait time");
	CHECK_EQ(st.waiters, 0);
	CHECK_EQ(st.oldest_wait_ns, 0);
	CHECK_EQ(st.nr_holders, 0);
	CHECK(!strcmp(fdinfo(m, "gosync-contended"), "3"), "fdinfo contended: %s",
	      fdinfo(m, "gosync-contended"));

	/* uncontended Locks and TryLocks do not count */
	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_OK(gosync_mutex_trylock(m));
	CHECK_OK(gosync_mutex_unlock(m));

	/* a child holds it (and is still shown while it lives) */
	CHECK(kid_start(&k, "gs-holder", lock_fd, &m), "fork");
	CHECK(kid_result(&k), "child: Lock failed");
	CHECK_OK(gosync_state(m, &st, hs, 2, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, k.pid);
	CHECK(!strcmp(hs[0].comm, "gs-holder"), "comm %.16s", hs[0].comm);
	snprintf(pid, sizeof(pid), "%d ", (int)k.pid);
	CHECK(!strncmp(fdinfo(m, "gosync-holder"), pid, strlen(pid)), "fdinfo holder: %s",
	      fdinfo(m, "gosync-holder"));
	CHECK_EQ(st.contended, 3);
	CHECK(kid_release(&k), "child exited badly");
	CHECK_OK(gosync_mutex_unlock(m));	/* the description is ours too */
	close(m);
	return true;
}

/* A selection over a Mutex's LOCK and a WaitGroup's WG_ZERO, then Unlock. */
static int select_lock_wg(void *arg)
{
	const int *fds = arg;
	struct gosync_wait_case c[2] = {
		{ .fd = fds[0], .op = GOSYNC_CASE_LOCK },
		{ .fd = fds[1], .op = GOSYNC_CASE_WG_ZERO },
	};
	unsigned int index = 2;

	if (gosync_wait(gosync_dev_open(), c, 2, 0, -1, &index) || index != 0 || c[0].error)
		return -1;
	return gosync_mutex_unlock(fds[0]);
}

/*
 * A child asleep in a selection (GOSYNC_IOC_WAIT) over a held Mutex and a
 * WaitGroup counts as a waiter on each, though it is in neither's own queue.
 * Pollers, in the same poll queue, do not: the Mutex is watched by epoll
 * through three fds, and its waiters must still come to exactly 1.
 */
static bool t_select_waiters(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char name[GOSYNC_NAME_MAX];
	struct gosync_state st;
	int fds[2], ep, dups[2];
	struct kid k;

	fds[0] = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "sm"), 0600, 0));
	fds[1] = CHECK_OK(gosync_waitgroup_create(dev, tap_name(name, "sw"), 0600));
	ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	dups[0] = CHECK_OK(dup(fds[0]));
	dups[1] = CHECK_OK(dup(fds[0]));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, dups[0], &ev));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, dups[1], &ev));
	CHECK_OK(gosync_waitgroup_add(fds[1], 1, NULL));
	CHECK_OK(gosync_mutex_lock(fds[0], -1));
	CHECK(kid_start(&k, "gs-select", select_lock_wg, fds), "fork");
	CHECK(wait_for_waiters(fds[0], 1, &st), "the selection never waited on the Mutex");
	CHECK(wait_for_waiters(fds[1], 1, &st), "the selection never waited on the WaitGroup");
	CHECK(!strcmp(fdinfo(fds[0], "gosync-waiters"), "1"), "fdinfo waiters: %s",
	      fdinfo(fds[0], "gosync-waiters"));
	CHECK_OK(gosync_mutex_unlock(fds[0]));
	CHECK(kid_result(&k), "child: the selection did not take the Mutex");
	CHECK(kid_release(&k), "child exited badly");
	CHECK(wait_for_waiters(fds[0], 0, &st), "a waiter left on the Mutex");
	CHECK(wait_for_waiters(fds[1], 0, &st), "a waiter left on the WaitGroup");
	close(ep);
	close(dups[0]);
	close(dups[1]);
	close(fds[0]);
	close(fds[1]);
	return true;
}

/*
 * A selection's case that waits and takes the lock or permits counts as a
 * contended acquisition, as a Lock does (the Go package's Lock waits that
 * way); one that took it at once does not, nor does a wait-all's case.
 */
struct sel_kid {
	struct gosync_wait_case c;
	bool rw;		/* a LOCK case is on an RWMutex */
};

static int wait_case_release(void *arg)
{
	struct sel_kid *sk = arg;
	struct gosync_wait_case *c = &sk->c;
	unsigned int index = 1;

	if (gosync_wait(gosync_dev_open(), c, 1, 0, -1, &index) || index || c->error)
		return -1;
	switch (c->op) {
	case GOSYNC_CASE_LOCK:
		return sk->rw ? gosync_rwmutex_unlock(c->fd) : gosync_mutex_unlock(c->fd);
	case GOSYNC_CASE_RLOCK:
		return gosync_rwmutex_runlock(c->fd);
	default:
		return gosync_sem_release(c->fd, 1);
	}
}

/* Once a selection waits on the Semaphore @arg, release a permit to it. */
static int release_later(void *arg)
{
	int fd = *(int *)arg;
	struct gosync_state st;

	return wait_for_waiters(fd, 1, &st) ? gosync_sem_release(fd, 1) : -1;
}

/* @fd held by us: a child's one-case selection waits for it, then takes it. */
static bool select_contended(int fd, unsigned int op, bool rw)
{
	struct sel_kid sk = {
		.c = { .fd = fd, .op = op, .len = op == GOSYNC_CASE_ACQUIRE },
		.rw = rw,
	};
	struct gosync_state st;
	struct kid k;

	CHECK(kid_start(&k, "gs-selwait", wait_case_release, &sk), "fork");
	CHECK(wait_for_waiters(fd, 1, &st), "the selection never waited");
	if (op == GOSYNC_CASE_ACQUIRE)
		CHECK_OK(gosync_sem_release(fd, 1));
	else if (rw)
		CHECK_OK(gosync_rwmutex_unlock(fd));
	else
		CHECK_OK(gosync_mutex_unlock(fd));
	CHECK(kid_result(&k) && kid_release(&k), "the selection failed");
	return true;
}

static bool t_select_contention(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	int s = CHECK_OK(gosync_sem_create(dev, NULL, 0, 1, 0));
	struct gosync_wait_case all[2] = {
		{ .fd = m, .op = GOSYNC_CASE_LOCK },
		{ .fd = s, .op = GOSYNC_CASE_ACQUIRE, .len = 1 },
	};
	struct gosync_wait_case now = { .fd = m, .op = GOSYNC_CASE_LOCK };
	unsigned int index = 2;
	struct gosync_state st;
	struct kid k_all;

	CHECK_OK(gosync_mutex_lock(m, -1));
	CHECK(select_contended(m, GOSYNC_CASE_LOCK, false), "mutex");
	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK(select_contended(rw, GOSYNC_CASE_RLOCK, true), "rwmutex read");
	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK(select_contended(rw, GOSYNC_CASE_LOCK, true), "rwmutex write");
	CHECK_OK(gosync_sem_acquire(s, 1, -1));
	CHECK(select_contended(s, GOSYNC_CASE_ACQUIRE, false), "semaphore");
	/* uncontended: not counted */
	CHECK_RET(gosync_wait(dev, &now, 1, 0, -1, &index), 0);
	CHECK_OK(gosync_mutex_unlock(m));
	/* a wait-all that waited: not counted either */
	CHECK_OK(gosync_sem_acquire(s, 1, -1));
	CHECK(kid_start(&k_all, "gs-selall", release_later, &s), "fork");
	CHECK_RET(gosync_wait(dev, all, 2, GOSYNC_WAIT_ALL, -1, &index), 0);
	CHECK(kid_result(&k_all) && kid_release(&k_all), "the releaser failed");
	CHECK_OK(gosync_mutex_unlock(m));
	CHECK_OK(gosync_sem_release(s, 1));

	CHECK_OK(gosync_state(m, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 1);
	CHECK_EQ(hist_sum(&st), 1);
	CHECK(!strcmp(fdinfo(m, "gosync-contended"), "1"), "fdinfo contended: %s",
	      fdinfo(m, "gosync-contended"));
	CHECK_OK(gosync_state(rw, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 2);
	CHECK_EQ(hist_sum(&st), 2);
	CHECK_OK(gosync_state(s, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 1);
	CHECK_EQ(hist_sum(&st), 1);
	close(m);
	close(rw);
	close(s);
	return true;
}

/* RWMutex and Semaphore: one contended RLock, one contended Acquire. */
static bool t_rw_sem_contention(void)
{
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	int s = CHECK_OK(gosync_sem_create(dev, NULL, 0, 1, 0));
	struct gosync_state st;
	struct kid k;

	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK(kid_start(&k, "gs-rwaiter", rlock_runlock, &rw), "fork");
	CHECK(wait_for_waiters(rw, 1, &st), "the reader never waited");
	sleep_ns(MS);
	CHECK_OK(gosync_state(rw, &st, NULL, 0, NULL));
	CHECK(st.oldest_wait_ns > 0, "oldest wait 0");
	CHECK_OK(gosync_rwmutex_unlock(rw));
	CHECK(kid_result(&k) && kid_release(&k), "reader failed");
	CHECK_OK(gosync_state(rw, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 1);
	CHECK_EQ(hist_sum(&st), 1);

	CHECK_OK(gosync_sem_acquire(s, 1, -1));
	CHECK(kid_start(&k, "gs-swaiter", acquire_release, &s), "fork");
	CHECK(wait_for_waiters(s, 1, &st), "the acquirer never waited");
	sleep_ns(MS);
	CHECK_OK(gosync_state(s, &st, NULL, 0, NULL));
	CHECK(st.oldest_wait_ns > 0, "oldest wait 0");
	CHECK_OK(gosync_sem_release(s, 1));
	CHECK(kid_result(&k) && kid_release(&k), "acquirer failed");
	CHECK_OK(gosync_state(s, &st, NULL, 0, NULL));
	CHECK_EQ(st.contended, 1);
	CHECK_EQ(hist_sum(&st), 1);
	close(rw);
	close(s);
	return true;
}

/*
 * A robust Mutex whose holder dies: no holder left. A non-robust one stays
 * held, and still shows who took it.
 */
static bool t_holder_death(void)
{
	int nonrobust = CHECK_OK(gosync_mutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	char name[GOSYNC_NAME_MAX];
	int m = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "hd"), 0600, 0));
	struct gosync_holder hs[2];
	struct gosync_state st;
	unsigned int nr;
	struct kid k;

	/* the child's own description of the robust Mutex: released at its exit */
	CHECK(kid_start(&k, "gs-dies", lock_named, name), "fork");
	CHECK(kid_result(&k), "child: Lock failed");
	CHECK_OK(gosync_state(m, &st, hs, 2, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, k.pid);
	CHECK_EQ(hs[0].flags & GOSYNC_HOLDER_EXITED, 0);	/* alive */
	CHECK(kid_release(&k), "child exited badly");
	CHECK_OK(gosync_state(m, &st, hs, 2, &nr));
	CHECK_EQ(nr, 0);
	CHECK_EQ(st.flags & GOSYNC_STATE_LOCKED, 0);

	/*
	 * non-robust, inherited description: still held, still the child's
	 * name, and flagged exited once the child is reaped (its pid may be
	 * another's by then), not before
	 */
	CHECK(kid_start(&k, "gs-keeps", lock_fd, &nonrobust), "fork");
	CHECK(kid_result(&k), "child: Lock failed");
	CHECK_OK(gosync_state(nonrobust, &st, hs, 2, &nr));
	CHECK_EQ(hs[0].flags & GOSYNC_HOLDER_EXITED, 0);
	CHECK(kid_release(&k), "child exited badly");
	CHECK_OK(gosync_state(nonrobust, &st, hs, 2, &nr));
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].pid, k.pid);
	CHECK(!strcmp(hs[0].comm, "gs-keeps"), "comm %.16s", hs[0].comm);
	CHECK(hs[0].flags & GOSYNC_HOLDER_EXITED, "a reaped holder not flagged exited");
	CHECK(strstr(fdinfo(nonrobust, "gosync-holder"), " exited"), "fdinfo holder: %s",
	      fdinfo(nonrobust, "gosync-holder"));
	CHECK_OK(gosync_mutex_unlock(nonrobust));
	close(nonrobust);
	close(m);
	return true;
}

/*
 * A holder outside the caller's pid namespace stays anonymous: pid 0 and
 * no comm (its name would tell what the pid hides). Seen from a child in a
 * new pid namespace; in ours the same holder has both. fdinfo gives pids
 * as the rest of /proc does, in the namespace /proc was mounted in: the
 * child, which mounted none, reads the holder's pid and comm there.
 */
static int state_from_new_pidns(int fd, pid_t holder)
{
	struct gosync_holder hs[1];
	struct gosync_state st;
	unsigned int nr = 0;
	const char *got;
	char want[64];
	pid_t pid;
	int status;

	if (unshare(CLONE_NEWPID))
		return 3;
	pid = fork();	/* the first process of the new namespace */
	if (pid < 0)
		return 3;
	if (!pid) {
		memset(hs, 0xff, sizeof(hs));
		if (gosync_state(fd, &st, hs, 1, &nr) < 0 || nr != 1)
			_exit(2);
		if (hs[0].pid || hs[0].comm[0] || st.holders[0].pid || st.holders[0].comm[0])
			_exit(1);
		snprintf(want, sizeof(want), "%d gs-hidden write 1", (int)holder);
		got = fdinfo(fd, "gosync-holder");
		if (strcmp(got, want)) {
			printf("# fdinfo from a new pid namespace: '%s', not '%s'\n", got, want);
			fflush(stdout);
			_exit(5);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 4;
	return WEXITSTATUS(status);
}

static bool t_other_pidns(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	struct gosync_holder hs[1];
	struct gosync_state st;
	unsigned int nr;
	struct kid k;
	pid_t pid;
	int status;

	CHECK(kid_start(&k, "gs-hidden", lock_fd, &m), "fork");
	CHECK(kid_result(&k), "child: Lock failed");
	CHECK_OK(gosync_state(m, &st, hs, 1, &nr));
	CHECK(nr == 1 && hs[0].pid == k.pid && !strcmp(hs[0].comm, "gs-hidden"),
	      "here: %u holders, pid %d comm %.16s", nr, hs[0].pid, hs[0].comm);
	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(state_from_new_pidns(m, k.pid));
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork");
	CHECK(kid_release(&k), "child exited badly");
	/*
	 * 1: INFO named the holder, 2: INFO failed, 3: no namespace, 4: lost
	 * the child, 5: fdinfo did not name it
	 */
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "from a new pid namespace: status %#x", status);
	close(m);
	return true;
}

/* WaitGroup counter and waiters; channel len/cap and blocked receivers. */
static bool t_others(void)
{
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int ch = CHECK_OK(gosync_chan_create(dev, NULL, 0, 4, 0));
	struct gosync_state st;
	int64_t c;

	CHECK_OK(gosync_waitgroup_add(wg, 2, &c));
	CHECK_OK(gosync_state(wg, &st, NULL, 0, NULL));
	CHECK_EQ(st.value, 2);
	CHECK_EQ(st.waiters, 0);
	CHECK_OK(gosync_chan_send(ch, "x", 1, -1));
	CHECK_OK(gosync_state(ch, &st, NULL, 0, NULL));
	CHECK_EQ(st.value, 1);
	CHECK_EQ(st.limit, 4);
	CHECK_EQ(st.waiters + st.receivers, 0);
	close(wg);
	close(ch);
	return true;
}

/*
 * Sizes: the old INFO struct (no state) works; a state struct smaller than
 * the kernel's gets its prefix; state_size 4 or a size without a pointer,
 * holders room without a pointer, nonzero __reserved: EINVAL.
 */
static bool t_sizes(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	struct gosync_info_cmd c;
	uint64_t small[3];

	CHECK_OK(gosync_mutex_lock(m, -1));
	memset(&c, 0, sizeof(c));
	c.size = offsetof(struct gosync_info_cmd, state);
	CHECK_OK(ioctl(m, GOSYNC_IOC_INFO, &c));
	CHECK_EQ(c.info.type, GOSYNC_TYPE_MUTEX);

	memset(&c, 0, sizeof(c));
	memset(small, 0x5a, sizeof(small));
	c.size = sizeof(c);
	c.state = (uintptr_t)small;
	c.state_size = 16;
	CHECK_OK(ioctl(m, GOSYNC_IOC_INFO, &c));
	CHECK_EQ(small[0], GOSYNC_STATE_LOCKED | (1ULL << 32));	/* flags, nr_holders */
	CHECK_EQ(small[1], 0);					/* readers */
	CHECK_EQ(small[2], 0x5a5a5a5a5a5a5a5aULL);

	c.state_size = 4;
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_INFO, &c), EINVAL, false);
	c.state = 0;
	c.state_size = 16;
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_INFO, &c), EINVAL, false);
	c.state_size = 0;
	c.nr_holders = 1;
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_INFO, &c), EINVAL, false);
	c.nr_holders = 0;
	c.__reserved = 1;
	CHECK_ERRNO(ioctl(m, GOSYNC_IOC_INFO, &c), EINVAL, false);
	CHECK_OK(gosync_mutex_unlock(m));
	close(m);
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("lockstate");
	tap_report(t_readers(), "lockstate-readers");
	tap_report(t_sem_child(), "lockstate-sem-child");
	tap_report(t_holders_max(), "lockstate-holders-past-max");
	tap_report(t_mutex_contention(), "lockstate-mutex-contention");
	tap_report(t_rw_sem_contention(), "lockstate-rwmutex-sem-contention");
	tap_report(t_select_waiters(), "lockstate-select-waiters");
	tap_report(t_select_contention(), "lockstate-select-contention");
	tap_report(t_holder_death(), "lockstate-holder-death");
	tap_report(t_other_pidns(), "lockstate-holder-in-other-pidns");
	tap_report(t_others(), "lockstate-waitgroup-chan");
	tap_report(t_sizes(), "lockstate-sizes");
	return tap_done(dev, "lockstate");
}
