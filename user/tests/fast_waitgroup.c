// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped fast path of a WaitGroup (GOSYNC_CREATE_MAPPED,
 * gosync_fast_waitgroup_*()): Go's barrier test on fast calls, fast and ioctl
 * Adds and Dones from threads and processes with exact totals, Waits asleep
 * in the kernel woken by a userspace Done, poll and select woken by one, a
 * zero the kernel has not yet seen (or that a killed worker left), Go's misuse errors, held Adds, and a
 * scribbled word.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "sync_util.h"

static int dev;

static int64_t word_count(struct gosync_fast *f)
{
	return (int32_t)(__atomic_load_n(&f->words->waitgroup, __ATOMIC_SEQ_CST) >>
			 GOSYNC_WG_SHIFT);
}

/* Until the kernel has @n Waits asleep on @fd (fdinfo); false after LIVENESS_NS. */
static bool waiters_asleep(int fd, const char *n)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (strcmp(fdinfo(fd, "waitgroup-waiters"), n))
		if (now_ns() > end)
			return false;
		else
			sleep_ns(MS);
	return true;
}

/* ---- Go's TestWaitGroup, on the fast path ---- */

#define WG_N	8

struct barrier {
	struct gosync_fast wg1, wg2;
	atomic_int exited;
	atomic_int errors;
};

static void *barrier_thread(void *p)
{
	struct barrier *b = p;

	if (gosync_fast_waitgroup_done(&b->wg1, NULL) < 0 ||
	    gosync_fast_waitgroup_wait(&b->wg2, LIVENESS_NS) < 0)
		atomic_fetch_add(&b->errors, 1);
	atomic_fetch_add(&b->exited, 1);
	return NULL;
}

static bool test_barrier(struct barrier *b)
{
	pthread_t t[WG_N];
	int64_t end;

	atomic_store(&b->exited, 0);
	CHECK_RET(gosync_fast_waitgroup_add(&b->wg1, WG_N, NULL), 0);
	CHECK_RET(gosync_fast_waitgroup_add(&b->wg2, WG_N, NULL), 0);
	for (int i = 0; i < WG_N; i++)
		CHECK(!pthread_create(&t[i], NULL, barrier_thread, b), "pthread_create");
	CHECK_RET(gosync_fast_waitgroup_wait(&b->wg1, LIVENESS_NS), 0);
	for (int i = 0; i < WG_N; i++) {
		CHECK(!atomic_load(&b->exited), "WaitGroup released group too soon");
		CHECK_RET(gosync_fast_waitgroup_done(&b->wg2, NULL), 0);
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

static bool t_barrier(void)
{
	struct barrier b = { 0 };
	int fd1 = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &b.wg1));
	int fd2 = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &b.wg2));

	for (int i = 0; i != 8; i++)
		if (!test_barrier(&b))
			return false;
	CHECK_EQ(word_count(&b.wg1), 0);
	CHECK_EQ(word_count(&b.wg2), 0);
	gosync_fast_close(&b.wg1);
	gosync_fast_close(&b.wg2);
	close(fd1);
	close(fd2);
	return true;
}

/* ---- fast and ioctl calls mixed: exact totals ---- */

#define MIX_THREADS	4
#define MIX_DONES	5000
#define MIX_PAIRS	5000

struct mixer {
	struct gosync_fast *f;
	int kind;		/* 0: Dones; 1: Add(1)+Done pairs */
	atomic_int errors;
	int first_errno, first_op;	/* the first failure: errno, +/-(i + 1) Add/Done */
};

static bool mix_add(struct gosync_fast *f, int i, int64_t delta)
{
	return (i & 1 ? gosync_fast_waitgroup_add(f, delta, NULL) :
			gosync_waitgroup_add(f->fd, delta, NULL)) == 0;
}

static void mix_fail(struct mixer *m, bool add, int i)
{
	if (!atomic_fetch_add(&m->errors, 1)) {
		m->first_errno = errno;
		m->first_op = add ? i + 1 : -(i + 1);
	}
}

static void *mixer_thread(void *p)
{
	struct mixer *m = p;

	for (int i = 0; i < (m->kind ? MIX_PAIRS : MIX_DONES); i++) {
		if (m->kind && !mix_add(m->f, i >> 1, 1))
			mix_fail(m, true, i);
		else if (!mix_add(m->f, i, -1))
			mix_fail(m, false, i);
	}
	return NULL;
}

static const char *proc_name;

/* Its own description and mapping: MIX_DONES Dones, fast and ioctl. */
static int proc_dones(void *arg)
{
	struct gosync_fast f;
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, proc_name, GOSYNC_TYPE_WAITGROUP);
	if (fd < 0 || gosync_fast_open(fd, &f) < 0)
		return 10;
	for (int i = 0; i < MIX_DONES; i++)
		if (!mix_add(&f, i, -1))
			return 11;
	return 0;
}

/* 0, or the errno of a failed Wait (the check below prints it) */
static void *waiter_thread(void *p)
{
	return (void *)(intptr_t)(gosync_fast_waitgroup_wait(p, LIVENESS_NS) ? errno : 0);
}

static bool t_mixed(void)
{
	char name[GOSYNC_NAME_MAX];
	struct mixer m[MIX_THREADS];
	pthread_t t[MIX_THREADS], w[2];
	struct gosync_fast f;
	pid_t pids[2];
	void *ret;
	int fd;

	proc_name = tap_name(name, "fastwg");
	fd = CHECK_OK(gosync_fast_waitgroup_create(dev, proc_name, 0, &f));
	/* Dones of the threads of kind 0 and of the processes, and one of ours */
	CHECK_RET(gosync_fast_waitgroup_add(&f, (MIX_THREADS / 2 + 2) * MIX_DONES + 1, NULL), 0);
	for (int i = 0; i < 2; i++)
		CHECK(!pthread_create(&w[i], NULL, waiter_thread, &f), "pthread_create");
	for (int i = 0; i < 2; i++)
		pids[i] = spawn(proc_dones, NULL);
	for (int i = 0; i < MIX_THREADS; i++) {
		m[i] = (struct mixer){ .f = &f, .kind = i & 1 };
		CHECK(!pthread_create(&t[i], NULL, mixer_thread, &m[i]), "pthread_create");
	}
	for (int i = 0; i < MIX_THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(!atomic_load(&m[i].errors), "thread %d: %d failed, the first %s %d: %s", i,
		      atomic_load(&m[i].errors), m[i].first_op > 0 ? "Add" : "Done",
		      abs(m[i].first_op) - 1, strerror(m[i].first_errno));
	}
	for (int i = 0; i < 2; i++)
		CHECK_EQ(reap(pids[i]), 0);
	/* Every update counted: exactly our one Add is left. */
	CHECK_EQ(word_count(&f), 1);
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i], &ret);
		CHECK_EQ((intptr_t)ret, 0);
	}
	CHECK_RET(gosync_fast_waitgroup_wait(&f, LIVENESS_NS), 0);
	CHECK(!strcmp(fdinfo(fd, "waitgroup-counter"), "0"), "counter %s",
	      fdinfo(fd, "waitgroup-counter"));
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* ---- Wait at zero, misuse ---- */

static bool t_zero_and_misuse(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &f));
	struct gosync_info info;
	int64_t v;

	/* Zero: Wait returns at once, without the kernel (not counted). */
	CHECK_RET(gosync_fast_waitgroup_wait(&f, LIVENESS_NS), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_WAITS], 0);
	/* Go's "negative WaitGroup counter": the ioctl's errno, word unchanged */
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), EINVAL);
	CHECK_EQ(f.words->waitgroup, 0);
	CHECK_RET(gosync_waitgroup_done(fd, NULL), EINVAL);
	CHECK_RET(gosync_fast_waitgroup_add(&f, 2, &v), 0);
	CHECK_EQ(v, 2);
	CHECK_RET(gosync_fast_waitgroup_add(&f, -3, NULL), EINVAL);
	CHECK_EQ(word_count(&f), 2);
	/* 32 bits of counter in the word: EOVERFLOW past INT32_MAX, both ways */
	CHECK_RET(gosync_fast_waitgroup_add(&f, INT32_MAX - 2, &v), 0);
	CHECK_EQ(v, INT32_MAX);
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), EOVERFLOW);
	CHECK_RET(gosync_waitgroup_add(fd, 1, NULL), EOVERFLOW);
	CHECK_RET(gosync_fast_waitgroup_add(&f, (int64_t)1 << 40, NULL), EOVERFLOW);
	CHECK_EQ(word_count(&f), INT32_MAX);
	CHECK_RET(gosync_waitgroup_load(fd, &v), 0);
	CHECK_EQ(v, INT32_MAX);
	CHECK_RET(gosync_fast_waitgroup_add(&f, -INT32_MAX, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(f.words->waitgroup, 0);
	/* Past 32 bits the ioctl refuses it: one misuse, counted once */
	CHECK_OK(gosync_info(fd, &info));
	v = (int64_t)info.stats[GOSYNC_STAT_WG_MISUSE];
	CHECK_RET(gosync_fast_waitgroup_add(&f, (int64_t)INT32_MIN - 1, NULL), EINVAL);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ((int64_t)info.stats[GOSYNC_STAT_WG_MISUSE], v + 1);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* ---- a Wait asleep in the kernel (another process) woken by a fast Done ---- */

static int proc_wait(void *arg)
{
	int d = gosync_dev_open(), fd = gosync_open(d, arg, GOSYNC_TYPE_WAITGROUP);

	if (fd < 0)
		return 10;
	return gosync_waitgroup_wait(fd, LIVENESS_NS) < 0 ? 11 : 0;
}

static bool t_fast_done_wakes(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, tap_name(name, "wake"), 0, &f));
	pid_t pid;

	CHECK_RET(gosync_fast_waitgroup_add(&f, 2, NULL), 0);
	pid = spawn(proc_wait, name);
	CHECK(waiters_asleep(fd, "1"), "the child's Wait never slept");
	/* registered in the word: the Done that reaches zero must call */
	CHECK_EQ(f.words->waitgroup & GOSYNC_WG_WAITERS, 1);
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(f.words->waitgroup, 0);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* A fast Done's CAS without its call to the kernel (the counter is not 0) */
static bool bare_done(struct gosync_fast *f)
{
	uint64_t v = __atomic_load_n(&f->words->waitgroup, __ATOMIC_SEQ_CST);

	return __atomic_compare_exchange_n(&f->words->waitgroup, &v,
					   v - ((uint64_t)1 << GOSYNC_WG_SHIFT), false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/*
 * A zero reached in userspace whose Done has not called the kernel yet (we
 * take the counter to zero with a bare CAS), then an Add: the kernel takes
 * that zero first, so the Wait it released is not blocked again, and the Add
 * gets Go's misuse error while that Wait has not returned, or succeeds.
 */
static bool t_unseen_zero(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &f));
	pthread_t w;
	void *ret;
	int err;

	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK(!pthread_create(&w, NULL, waiter_thread, &f), "pthread_create");
	CHECK(waiters_asleep(fd, "1"), "the Wait never slept");
	CHECK(bare_done(&f), "CAS");
	err = gosync_fast_waitgroup_add(&f, 1, NULL) < 0 ? errno : 0;
	CHECK(!err || err == EBUSY, "Add: %s", errname(err));
	pthread_join(w, &ret);
	CHECK_EQ((intptr_t)ret, 0);
	if (!err)
		CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	CHECK_RET(gosync_fast_waitgroup_wait(&f, LIVENESS_NS), 0);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/*
 * A worker forked with the mapping (so it shares the parent's description)
 * is killed between the Done that takes the counter to zero in userspace
 * and that Done's call: its exit unmaps the word, and the kernel takes that
 * zero then. Before, nothing ever did, and the Wait slept until its
 * deadline (for good without one).
 */
static int proc_done_dies(void *p)
{
	if (!bare_done(p))
		return 10;
	raise(SIGKILL);
	return 11;
}

static void *forever_waiter(void *p)
{
	return (void *)(intptr_t)(gosync_fast_waitgroup_wait(p, -1) ? errno : 0);
}

static bool t_done_killed_before_call(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &f));
	struct timespec end;
	pthread_t w;
	void *ret;
	int err;

	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK(!pthread_create(&w, NULL, forever_waiter, &f), "pthread_create");
	CHECK(waiters_asleep(fd, "1"), "the Wait never slept");
	CHECK_EQ(reap(spawn(proc_done_dies, &f)), 128 + SIGKILL);
	/* A Wait without a deadline: a liveness bound, then our own call frees it */
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += LIVENESS_NS / SEC;
	err = pthread_timedjoin_np(w, &ret, &end);
	if (err) {
		gosync_waitgroup_add(fd, 0, NULL);
		pthread_join(w, &ret);
	}
	CHECK(!err, "the Wait slept on after the worker died: %s", errname(err));
	CHECK_EQ((intptr_t)ret, 0);
	CHECK_EQ(f.words->waitgroup, 0);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* ---- poll, epoll and select woken by a fast Done ---- */

static short revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

struct delayed_done {
	struct gosync_fast *f;
	pid_t tid;		/* the waiter: Done waits until it sleeps */
	bool asleep;		/* ... and it did */
};

static void *done_later(void *p)
{
	struct delayed_done *d = p;

	d->asleep = wait_thread_sleeps(d->tid);
	gosync_fast_waitgroup_done(d->f, NULL);
	return NULL;
}

static bool t_poll_select(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &f));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	struct gosync_wait_case c = { .fd = fd, .op = GOSYNC_CASE_WG_ZERO };
	unsigned int index = 1;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct delayed_done d = { .f = &f, .tid = this_tid() };
	pthread_t t;
	int n;

	CHECK_EQ(revents(fd), POLLIN);			/* zero: readable */
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK_EQ(revents(fd), 0);
	CHECK(f.words->waitgroup & GOSYNC_WG_POLLED, "poll left no mark");
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	CHECK(!pthread_create(&t, NULL, done_later, &d), "pthread_create");
	n = epoll_wait(ep, &out, 1, (int)(LIVENESS_NS / MS));
	pthread_join(t, NULL);
	CHECK_EQ(n, 1);
	CHECK(d.asleep, "epoll_wait never slept before the Done");
	CHECK(out.events & EPOLLIN, "events %#x", out.events);
	/* poll() asleep */
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);	/* the kernel's: POLLED */
	CHECK(f.words->waitgroup & GOSYNC_WG_POLLED, "epoll still watches: mark dropped");
	CHECK_EQ(revents(fd), 0);
	CHECK(!pthread_create(&t, NULL, done_later, &d), "pthread_create");
	n = poll(&p, 1, (int)(LIVENESS_NS / MS));
	pthread_join(t, NULL);
	CHECK_EQ(n, 1);
	CHECK(d.asleep, "poll never slept before the Done");
	CHECK_EQ(p.revents, POLLIN);
	/* a selection (GOSYNC_IOC_WAIT) */
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK(!pthread_create(&t, NULL, done_later, &d), "pthread_create");
	n = gosync_wait(dev, &c, 1, 0, LIVENESS_NS, &index);
	pthread_join(t, NULL);
	CHECK_EQ(n, 0);
	CHECK(d.asleep, "the selection never slept before the Done");
	CHECK_EQ(index, 0);
	/* and all at once (GOSYNC_WAIT_ALL) */
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK(!pthread_create(&t, NULL, done_later, &d), "pthread_create");
	n = gosync_wait(dev, &c, 1, GOSYNC_WAIT_ALL, LIVENESS_NS, &index);
	pthread_join(t, NULL);
	CHECK_EQ(n, 0);
	CHECK(d.asleep, "the wait-all never slept before the Done");
	/*
	 * nobody watches any more: the next kernel update that finds the
	 * counter zero drops the mark (until then a select's case may still be
	 * owed a zero), and Adds and Dones to zero stay in userspace again
	 */
	close(ep);
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);	/* 0 -> 1, marked: the kernel's */
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);	/* 1 -> 0, marked: calls */
	CHECK_EQ(f.words->waitgroup, 0);
	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK(f.words->waitgroup == (uint64_t)1 << GOSYNC_WG_SHIFT, "word %#" PRIx64
	      " still marked polled", (uint64_t)f.words->waitgroup);
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	CHECK_EQ(f.words->waitgroup, 0);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* ---- held Adds (kernel-side) settle a mapped counter ---- */

static int proc_held(void *arg)
{
	int d = gosync_dev_open(), fd = gosync_open(d, arg, GOSYNC_TYPE_WAITGROUP);

	/* dies holding it: the close is its Done */
	return fd < 0 || gosync_waitgroup_add_held(fd, 2, NULL) < 0 ? 10 : 0;
}

static bool t_held(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, tap_name(name, "held"), 0, &f));
	struct gosync_info info;

	CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
	CHECK_EQ(tap_fork(proc_held, name), 0);
	CHECK_EQ(word_count(&f), 1);			/* its 2 were done at its exit */
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_ABANDONED], 2);
	CHECK_RET(gosync_fast_waitgroup_done(&f, NULL), 0);
	CHECK_RET(gosync_fast_waitgroup_wait(&f, LIVENESS_NS), 0);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/*
 * A plain fast Done that has to call the kernel (the kernel is updating the
 * word) is still a plain Done: it must leave the description's held Add held,
 * as its CAS would have, so that the kernel does that Add's Done when the
 * process dies before it.
 */
static int proc_held_and_plain(void *arg)
{
	int d = gosync_dev_open(), fd = gosync_open(d, arg, GOSYNC_TYPE_WAITGROUP);
	struct gosync_fast f;

	if (fd < 0 || gosync_fast_open(fd, &f) || gosync_waitgroup_add_held(fd, 1, NULL) ||
	    gosync_fast_waitgroup_add(&f, 1, NULL))
		return 10;
	/* the kernel's fence, as if it were updating the word: the Done calls */
	__atomic_fetch_or(&f.words->waitgroup, GOSYNC_WG_KERNEL, __ATOMIC_SEQ_CST);
	/* dies with the held Add not done */
	return gosync_fast_waitgroup_done(&f, NULL) ? 11 : 0;
}

static bool t_held_and_plain_fallback(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, tap_name(name, "held-plain"), 0, &f));
	struct gosync_info info;

	CHECK_EQ(tap_fork(proc_held_and_plain, name), 0);
	CHECK_RET(gosync_fast_waitgroup_wait(&f, LIVENESS_NS), 0);
	CHECK_EQ(word_count(&f), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_WG_ABANDONED], 1);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* ---- a scribbled word: garbage for this WaitGroup, nothing else ---- */

static void *short_wait(void *p)
{
	gosync_waitgroup_wait(*(int *)p, 20 * MS);
	return NULL;
}

static bool t_scribble(void)
{
	static const uint64_t junk[] = {
		0xffffffff00000000ULL, 0x7fffffffffffffffULL, GOSYNC_WG_KERNEL,
		0x00000001ffffffffULL, 0xdeadbeefcafef00dULL, 0x80000000ffffffffULL,
		0x0000000080000000ULL, ~0ULL,
	};
	struct gosync_wait_case c;
	struct gosync_info info;
	struct gosync_fast f;
	unsigned int index;
	int fd = CHECK_OK(gosync_fast_waitgroup_create(dev, NULL, 0, &f));
	pthread_t t;
	int64_t v;

	c = (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_WG_ZERO };
	for (unsigned int i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		/* Results are garbage; the calls must return. */
		CHECK_RET(gosync_fast_waitgroup_add(&f, 1, NULL), 0);
		CHECK(!pthread_create(&t, NULL, short_wait, &fd), "pthread_create");
		sleep_ns(MS);
		__atomic_store_n(&f.words->waitgroup, junk[i], __ATOMIC_SEQ_CST);
		gosync_waitgroup_add(fd, 1, NULL);
		gosync_waitgroup_add(fd, 0, NULL);
		gosync_waitgroup_done(fd, NULL);
		gosync_fast_waitgroup_add(&f, 3, NULL);
		gosync_fast_waitgroup_done(&f, NULL);
		gosync_waitgroup_load(fd, &v);
		gosync_waitgroup_add_held(fd, 1, NULL);
		gosync_fast_waitgroup_wait(&f, 5 * MS);
		revents(fd);
		gosync_wait(dev, &c, 1, GOSYNC_WAIT_NONBLOCK, -1, &index);
		gosync_wait(dev, &c, 1, GOSYNC_WAIT_ALL | GOSYNC_WAIT_NONBLOCK, -1, &index);
		CHECK_OK(gosync_info(fd, &info));
		fdinfo(fd, "waitgroup-counter");
		pthread_join(t, NULL);
		memset(f.words, 0x5a, (size_t)sysconf(_SC_PAGESIZE));
		__atomic_store_n(&f.words->waitgroup, 0, __ATOMIC_SEQ_CST);
	}
	gosync_fast_close(&f);
	close(fd);	/* held Adds settle against garbage */
	return true;
}

int main(void)
{
	dev = tap_dev("fast_waitgroup");
	tap_report(t_barrier(), "fast-waitgroup-barrier");
	tap_report(t_mixed(), "fast-waitgroup-mixed-threads-processes-exact");
	tap_report(t_zero_and_misuse(), "fast-waitgroup-zero-negative-overflow");
	tap_report(t_fast_done_wakes(), "fast-waitgroup-fast-done-wakes-kernel-wait");
	tap_report(t_unseen_zero(), "fast-waitgroup-unseen-zero-not-reblocked");
	tap_report(t_done_killed_before_call(), "fast-waitgroup-done-killed-before-call");
	tap_report(t_poll_select(), "fast-waitgroup-poll-epoll-select-woken");
	tap_report(t_held(), "fast-waitgroup-held-add-settled");
	tap_report(t_held_and_plain_fallback(), "fast-waitgroup-kernel-done-keeps-held-add");
	tap_report(t_scribble(), "fast-waitgroup-scribbled-word");
	return tap_done(dev, "fast_waitgroup");
}
