// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: Once. Go's TestOnce (many callers, the function runs exactly once and
 * every caller returns after it completed), the TestOncePanic analogue (the
 * runner dies before Complete: DONE|ABANDONED, or RUN again with
 * GOSYNC_ONCE_ATTR_RETRY), Complete's EPERM, a DO whose RUN cannot be
 * written back, and poll/epoll readiness.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "sync_util.h"

static int dev;

/* ---- Go's TestOnce ---- */

#define ONCE_N	10

struct once_run {
	const char *name;
	int value;		/* Go's `one`: incremented by the function */
	atomic_int runs;
	atomic_int errors;
	atomic_int bad_value;	/* a caller returned before the function finished */
};

static void *once_thread(void *p)
{
	struct once_run *o = p;
	int fd = reopen(dev, o->name);
	unsigned int r = 0;

	if (fd < 0 || gosync_once_do(fd, LIVENESS_NS, &r) < 0) {
		atomic_fetch_add(&o->errors, 1);
		return NULL;
	}
	if (r & GOSYNC_ONCE_RUN) {
		atomic_fetch_add(&o->runs, 1);
		if (!wait_queued(fd, ONCE_N - 1))	/* the others wait for us */
			atomic_fetch_add(&o->errors, 1);
		o->value++;
		if (gosync_once_complete(fd) < 0)
			atomic_fetch_add(&o->errors, 1);
	} else if (r != GOSYNC_ONCE_DONE) {
		atomic_fetch_add(&o->errors, 1);
	}
	/* the Once's wakeup orders the runner's write before our read */
	if (o->value != 1)
		atomic_fetch_add(&o->bad_value, 1);
	close(fd);
	return NULL;
}

static bool t_once(void)
{
	char name[GOSYNC_NAME_MAX];
	struct once_run o = { .name = name };
	pthread_t t[ONCE_N];
	struct gosync_info info;
	unsigned int r = 99;
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, "once"), 0, 0));

	CHECK_RET(gosync_once_load(fd, &r), 0);
	CHECK_EQ(r, 0);
	for (int i = 0; i < ONCE_N; i++)
		CHECK(!pthread_create(&t[i], NULL, once_thread, &o), "pthread_create");
	for (int i = 0; i < ONCE_N; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&o.errors), 0);
	CHECK_EQ(atomic_load(&o.runs), 1);
	CHECK_EQ(atomic_load(&o.bad_value), 0);
	CHECK_EQ(o.value, 1);
	CHECK_RET(gosync_once_load(fd, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK_RET(gosync_once_do(fd, 0, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_ONCE);
	CHECK_EQ(info.subtype, 0);
	CHECK_EQ(info.stats[GOSYNC_STAT_ONCE_DOS], ONCE_N + 1);
	CHECK_EQ(info.stats[GOSYNC_STAT_ONCE_RUNS], 1);
	CHECK_EQ(info.stats[GOSYNC_STAT_ONCE_COMPLETES], 1);
	close(fd);
	return true;
}

static bool t_complete_eperm(void)
{
	char name[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_once_create(dev, tap_name(name, "eperm"), 0, 0));
	int b = CHECK_OK(reopen(dev, name));
	unsigned int r;
	int d;

	CHECK_RET(gosync_once_complete(a), EPERM);	/* nobody runs it */
	CHECK_RET(gosync_once_do(a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_do(b, 10 * MS, &r), ETIMEDOUT);	/* running */
	CHECK_RET(gosync_once_load(b, &r), 0);
	CHECK_EQ(r, 0);
	CHECK_RET(gosync_once_complete(b), EPERM);	/* not the runner */
	d = CHECK_OK(dup(a));				/* same description: the runner */
	CHECK_RET(gosync_once_complete(d), 0);
	CHECK_RET(gosync_once_complete(a), EPERM);	/* done already */
	CHECK_RET(gosync_once_do(b, 0, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	close(d);
	close(a);
	close(b);
	return true;
}

/*
 * A DO that makes its caller the runner but cannot write that back (the
 * command struct is read-only: EFAULT) must not leave the Once running for
 * a runner that was never told: it is new again, not abandoned, the next
 * DO from another description runs it at once, and so does a retry through
 * the same one (which would otherwise wait for itself). It stays counted.
 */
static int do_readonly(int fd, void *page, size_t ps)
{
	struct gosync_once_cmd *c = page;

	memset(page, 0, ps);
	c->size = sizeof(*c);
	c->op = GOSYNC_ONCE_DO;
	if (mprotect(page, ps, PROT_READ))
		return -1;
	return ioctl(fd, GOSYNC_IOC_ONCE, c);
}

static bool t_do_efault(void)
{
	char name[GOSYNC_NAME_MAX];
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	void *page = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct gosync_info info;
	unsigned int r;
	int a, b;

	CHECK(page != MAP_FAILED, "mmap: %s", errname(errno));
	/* another description: the runner is per open file description */
	a = CHECK_OK(gosync_once_create(dev, tap_name(name, "efault"), 0, 0));
	b = CHECK_OK(reopen(dev, name));
	CHECK_RET(do_readonly(a, page, ps), EFAULT);
	CHECK(!strcmp(fdinfo(a, "once-state"), "new"), "once-state: %s", fdinfo(a, "once-state"));
	CHECK_RET(gosync_once_complete(a), EPERM);		/* a is not the runner */
	CHECK_RET(gosync_once_do(b, 100 * MS, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_complete(b), 0);
	CHECK_RET(gosync_once_do(a, 0, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);				/* not abandoned */
	CHECK_OK(gosync_info(a, &info));
	/* the taken-back DO stays counted: the stats only grow */
	CHECK_EQ(info.stats[GOSYNC_STAT_ONCE_DOS], 3);
	CHECK_EQ(info.stats[GOSYNC_STAT_ONCE_RUNS], 2);
	close(b);
	close(a);

	/* the same description tries again: it runs, and waits for no one */
	a = CHECK_OK(gosync_once_create(dev, NULL, 0, GOSYNC_ONCE_ATTR_RETRY));
	CHECK_OK(mprotect(page, ps, PROT_READ | PROT_WRITE));
	CHECK_RET(do_readonly(a, page, ps), EFAULT);
	CHECK_RET(gosync_once_do(a, 100 * MS, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_complete(a), 0);
	close(a);
	munmap(page, ps);
	return true;
}

/* ---- the runner dies (TestOncePanic) ---- */

static const char *child_name;

/* Do; if told to run, report and wait to be killed, never completing. */
static int child_run_and_hang(void *arg)
{
	int d = gosync_dev_open(), fd, *p = arg;
	unsigned int r = 0;
	char c = 'R';

	fd = gosync_open(d, child_name, 0);
	if (fd < 0 || gosync_once_do(fd, -1, &r) < 0 || r != GOSYNC_ONCE_RUN)
		c = 'E';
	if (write(p[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static int do_forever(void *arg)
{
	int *fdp = arg;

	return gosync_once_do(fdp[0], LIVENESS_NS, (unsigned int *)&fdp[1]);
}

static bool runner_dies(bool retry)
{
	char name[GOSYNC_NAME_MAX];
	unsigned int flags = retry ? GOSYNC_ONCE_ATTR_RETRY : 0, r;
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, retry ? "retry" : "panic"),
					     0, flags));
	int waiter_fd = CHECK_OK(reopen(dev, name));
	int args[2] = { waiter_fd, 0 };
	struct bg waiter;
	int p[2];
	pid_t pid;
	char c = 0;

	CHECK_OK(pipe(p));
	child_name = name;
	pid = spawn(child_run_and_hang, p);
	CHECK(read(p[0], &c, 1) == 1 && c == 'R', "child was not told to run");
	CHECK_OK(bg_start(&waiter, do_forever, args));
	CHECK(bg_blocks(&waiter, 50 * MS), "Do did not wait for the runner");
	/* queued: the runner's death is what must wake it */
	CHECK(wait_queued(fd, 1), "Do never queued behind the runner");
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK(bg_wait(&waiter, LIVENESS_NS), "waiter not woken by the runner's death");
	CHECK_EQ(waiter.err, 0);
	if (!retry) {
		/* Go: a panicking f counts as done; waiters return */
		CHECK_EQ(args[1], GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
		CHECK_RET(gosync_once_load(fd, &r), 0);
		CHECK_EQ(r, GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
		CHECK_RET(gosync_once_do(fd, 0, &r), 0);
		CHECK_EQ(r, GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
		CHECK_RET(gosync_once_complete(waiter_fd), EPERM);
	} else {
		/* the waiter is the next caller: it runs the function */
		CHECK_EQ(args[1], GOSYNC_ONCE_RUN);
		CHECK_RET(gosync_once_load(fd, &r), 0);
		CHECK_EQ(r, 0);
		CHECK_RET(gosync_once_do(fd, 10 * MS, &r), ETIMEDOUT);
		CHECK_RET(gosync_once_complete(waiter_fd), 0);
		CHECK_RET(gosync_once_do(fd, 0, &r), 0);
		CHECK_EQ(r, GOSYNC_ONCE_DONE);
	}
	close(p[0]);
	close(p[1]);
	close(waiter_fd);
	close(fd);
	return true;
}

/* A runner that closes its fd with nobody waiting: the next caller sees it. */
static bool t_runner_closes(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, "close"), 0,
					     GOSYNC_ONCE_ATTR_RETRY));
	int a = CHECK_OK(reopen(dev, name));
	unsigned int r;

	CHECK_RET(gosync_once_do(a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	close(a);
	CHECK_RET(gosync_once_do(fd, 0, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);			/* retry: run again */
	CHECK_RET(gosync_once_complete(fd), 0);
	close(fd);
	return true;
}

/* ---- poll ---- */

static short revents(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	return poll(&pf, 1, 0) == 1 ? pf.revents : 0;
}

struct delayed_complete {
	int fd;
	pid_t tid;		/* the poller: Complete waits until it sleeps */
	bool asleep;		/* ... and it did */
};

static void *complete_later(void *p)
{
	struct delayed_complete *d = p;

	d->asleep = wait_thread_sleeps(d->tid);
	gosync_once_complete(d->fd);
	return NULL;
}

static bool t_poll(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, "poll"), 0, 0));
	int w = CHECK_OK(reopen(dev, name));
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct delayed_complete d = { .tid = this_tid() };
	unsigned int r;
	pthread_t t;
	int n;

	CHECK_EQ(revents(w), 0);			/* new */
	CHECK_RET(gosync_once_do(fd, -1, &r), 0);
	CHECK_EQ(revents(w), 0);			/* running */
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev));
	CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
	d.fd = fd;
	CHECK(!pthread_create(&t, NULL, complete_later, &d), "pthread_create");
	n = epoll_wait(ep, &out, 1, (int)(LIVENESS_NS / MS));
	pthread_join(t, NULL);
	CHECK_EQ(n, 1);
	CHECK(d.asleep, "epoll_wait never slept before the Complete");
	CHECK(out.events & EPOLLIN, "events %#x", out.events);
	CHECK_EQ(revents(w), POLLIN);
	CHECK_EQ(revents(fd), POLLIN);
	close(ep);
	close(w);
	close(fd);
	return true;
}

/* A dead runner: with RETRY new again (not readable); else abandoned = done (readable). */
static bool poll_dead_runner(bool retry)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, retry ? "pollr" : "polla"), 0,
					     retry ? GOSYNC_ONCE_ATTR_RETRY : 0));
	int a = CHECK_OK(reopen(dev, name));
	unsigned int r;

	CHECK_RET(gosync_once_do(a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_EQ(revents(fd), 0);
	close(a);
	CHECK_EQ(revents(fd), retry ? 0 : POLLIN);
	close(fd);
	return true;
}

/*
 * OnceValue (Go 1.21's TestOnceValue): one runner's value, returned to every
 * caller; EOVERFLOW tells the length; a value past value_max is refused; an
 * abandoned OnceValue has no value.
 */
static const char *child_value_name;

static int child_value(void *arg)
{
	int d = gosync_dev_open(), fd;
	unsigned int r = 0;
	char buf[16];
	size_t len = 99;

	(void)arg;
	fd = gosync_open(d, child_value_name, GOSYNC_TYPE_ONCE);
	if (fd < 0 || gosync_oncevalue_do(fd, LIVENESS_NS, &r, buf, sizeof(buf), &len) < 0)
		return 10;
	if (r != GOSYNC_ONCE_DONE || len != 5 || memcmp(buf, "value", 5))
		return 11;
	return 0;
}

static bool t_value(void)
{
	char name[GOSYNC_NAME_MAX], buf[16];
	int fd = CHECK_OK(gosync_oncevalue_create(dev, tap_name(name, "value"), 0, 0, 8));
	int other = CHECK_OK(reopen(dev, name));
	unsigned int r = 0;
	size_t len = 99;
	pid_t pids[3];

	child_value_name = name;
	CHECK_RET(gosync_oncevalue_load(other, &r, buf, sizeof(buf), &len), 0);
	CHECK_EQ(r, 0);
	CHECK_EQ(len, 0);
	CHECK_RET(gosync_oncevalue_do(fd, -1, &r, buf, sizeof(buf), &len), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	for (int i = 0; i < 3; i++)
		pids[i] = spawn(child_value, NULL);
	CHECK(wait_queued(fd, 3), "the children never waited for the value");
	CHECK_RET(gosync_oncevalue_complete(fd, "too long!", 9), EMSGSIZE);
	CHECK_RET(gosync_oncevalue_complete(fd, "value", 5), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(reap(pids[i]), 0);
	CHECK_RET(gosync_oncevalue_load(other, &r, buf, 4, &len), EOVERFLOW);
	CHECK_EQ(len, 5);
	CHECK_RET(gosync_oncevalue_load(other, &r, buf, 5, &len), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK(len == 5 && !memcmp(buf, "value", 5), "LOAD did not return the value");
	/* the plain calls still work; they just do not see the value */
	CHECK_RET(gosync_once_load(other, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK_RET(gosync_oncevalue_load(other, &r, NULL, 0, &len), 0);
	CHECK_EQ(len, 5);
	close(other);
	close(fd);

	/* a Once without value_max takes no buffer; value_max is bounded */
	fd = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	CHECK_RET(gosync_oncevalue_load(fd, &r, buf, sizeof(buf), &len), EINVAL);
	close(fd);
	CHECK_ERRNO(gosync_oncevalue_create(dev, NULL, 0, 0, GOSYNC_ONCE_VALUE_MAX + 1),
		    EINVAL, true);

	/* the runner's description closes: done, abandoned, no value */
	fd = CHECK_OK(gosync_oncevalue_create(dev, tap_name(name, "value-dies"), 0, 0,
					      GOSYNC_ONCE_VALUE_MAX));
	other = CHECK_OK(reopen(dev, name));
	CHECK_RET(gosync_oncevalue_do(fd, -1, &r, NULL, 0, &len), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	close(fd);
	len = 99;
	CHECK_RET(gosync_oncevalue_do(other, 0, &r, buf, sizeof(buf), &len), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	CHECK_EQ(len, 0);
	close(other);
	return true;
}

/*
 * A runner whose function failed: COMPLETE with GOSYNC_ONCE_F_FAILED, and
 * the Once settles as when a runner dies: a waiting Do returns done and
 * abandoned (no value), or, RETRY, runs it. Only the runner may; the flag
 * goes with COMPLETE alone, and with no value.
 */
static bool once_fail(bool retry)
{
	char name[GOSYNC_NAME_MAX], buf[8];
	int fd = CHECK_OK(gosync_oncevalue_create(dev, tap_name(name, retry ? "fail-retry" : "fail"), 0,
						  retry ? GOSYNC_ONCE_ATTR_RETRY : 0, 8));
	int other = CHECK_OK(reopen(dev, name));
	struct gosync_once_cmd c = {
		.size = sizeof(c), .op = GOSYNC_ONCE_COMPLETE, .flags = GOSYNC_ONCE_F_FAILED,
		.buf = (uintptr_t)"v", .len = 1,
	};
	int args[2] = { other, 0 };
	unsigned int r;
	size_t len = 99;
	struct bg b;

	CHECK_RET(gosync_once_fail(fd), EPERM);			/* nobody runs it */
	CHECK_RET(gosync_oncevalue_do(fd, -1, &r, NULL, 0, &len), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_fail(other), EPERM);		/* not the runner */
	CHECK_RET(ioctl(fd, GOSYNC_IOC_ONCE, &c), EINVAL);	/* no value with it */
	c.op = GOSYNC_ONCE_DO;
	c.buf = c.len = 0;
	CHECK_RET(ioctl(fd, GOSYNC_IOC_ONCE, &c), EINVAL);	/* COMPLETE only */
	c.op = GOSYNC_ONCE_LOAD;
	CHECK_RET(ioctl(fd, GOSYNC_IOC_ONCE, &c), EINVAL);
	CHECK_OK(bg_start(&b, do_forever, args));		/* a Do waits for it */
	CHECK(bg_blocks(&b, 20 * MS), "Do did not wait for the runner");
	CHECK(wait_queued(fd, 1), "Do never queued behind the runner");
	CHECK_RET(gosync_once_fail(fd), 0);
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "the waiting Do: %s", errname(b.err));
	CHECK_EQ(args[1], retry ? GOSYNC_ONCE_RUN : GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	if (retry)
		CHECK_RET(gosync_oncevalue_complete(other, "v", 1), 0);
	CHECK_RET(gosync_once_fail(fd), EPERM);			/* settled */
	CHECK_RET(gosync_oncevalue_load(fd, &r, buf, sizeof(buf), &len), 0);
	CHECK_EQ(r, retry ? GOSYNC_ONCE_DONE : GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	CHECK_EQ(len, retry ? 1 : 0);
	close(other);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("once");
	tap_report(t_once(), "once-many-callers");
	tap_report(t_complete_eperm(), "once-complete-eperm");
	tap_report(t_do_efault(), "once-do-efault-not-runner");
	tap_report(runner_dies(false), "once-runner-dies-abandoned");
	tap_report(runner_dies(true), "once-runner-dies-retry");
	tap_report(t_runner_closes(), "once-retry-runner-closes");
	tap_report(t_poll(), "once-poll-epoll");
	tap_report(poll_dead_runner(true), "once-poll-dead-runner-retry");
	tap_report(poll_dead_runner(false), "once-poll-dead-runner-abandoned");
	tap_report(t_value(), "once-value");
	tap_report(once_fail(false), "once-fail-abandoned");
	tap_report(once_fail(true), "once-fail-retry");
	return tap_done(dev, "once");
}
