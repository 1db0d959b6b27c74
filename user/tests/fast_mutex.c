// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped Mutex (GOSYNC_CREATE_MAPPED) and libgosync's fast path.
 * The word's protocol (uapi header, kmod/mutex.c): what the kernel makes of
 * fast-path and ioctl lockers mixed, starvation handoff against fast-path
 * stealers, holders that die while holding it in userspace, waiters and
 * pollers woken by a userspace Unlock, the mmap contract, and a page that a
 * process scribbles on (only that object may misbehave).
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "sync_util.h"

static int dev;
static long page_size;

static uint32_t word(struct gosync_fast *f)
{
	return __atomic_load_n(&f->words->mutex, __ATOMIC_SEQ_CST);
}

/* The word says who holds it: the token of the description, nothing else. */
static bool t_word(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;
	struct gosync_info info;

	CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, "word"), 0, 0, &a));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &b));
	CHECK(a.token && b.token && a.token != b.token && a.token <= GOSYNC_TOKEN_MAX,
	      "tokens %u and %u", a.token, b.token);
	CHECK_EQ(word(&a), 0);
	CHECK_RET(gosync_fast_mutex_lock(&a, -1), 0);
	CHECK_EQ(word(&b), a.token);			/* one page, both mappings */
	CHECK_RET(gosync_fast_mutex_trylock(&b), EBUSY);
	CHECK_RET(gosync_mutex_trylock(b.fd), EBUSY);	/* the kernel agrees */
	CHECK_EQ(word(&a), a.token);	/* ...and looked without leaving a fence */
	/* another's Unlock goes to the kernel: Go lets anyone unlock */
	CHECK_RET(gosync_fast_mutex_unlock(&b), 0);
	CHECK_EQ(word(&a), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&a), EPERM);	/* unlock of unlocked mutex */
	/*
	 * locked through the kernel with nobody else waiting or watching: the
	 * word has the token, unfenced, and its Unlock is a CAS again
	 */
	CHECK_RET(gosync_mutex_lock(b.fd, -1), 0);
	CHECK_EQ(word(&a), b.token);
	CHECK_RET(gosync_fast_mutex_unlock(&b), 0);
	CHECK_EQ(word(&a), 0);
	/* uncontended: the kernel saw none of it */
	CHECK_OK(gosync_info(a.fd, &info));
	CHECK_EQ(info.token, a.token);
	CHECK_RET(gosync_fast_mutex_lock(&a, -1), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
	CHECK_RET(gosync_fast_mutex_trylock(&a), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
	{
		struct gosync_info after;

		CHECK_OK(gosync_info(a.fd, &after));
		CHECK_EQ(after.stats[GOSYNC_STAT_LOCKS], info.stats[GOSYNC_STAT_LOCKS]);
		CHECK_EQ(after.stats[GOSYNC_STAT_UNLOCKS], info.stats[GOSYNC_STAT_UNLOCKS]);
	}
	/* a dup() is the same description, so the same token */
	{
		struct gosync_fast d;
		int fd = CHECK_OK(dup(a.fd));

		CHECK_OK(gosync_fast_open(fd, &d));
		CHECK_EQ(d.token, a.token);
		gosync_fast_close(&d);
		close(fd);
	}
	CHECK(fast_close(&a) && fast_close(&b), "close");
	return true;
}

/* mmap's contract, and who may be mapped */
/*
 * A child zaps its mapping of @arg's page (madvise MADV_DONTNEED) and reads
 * the word again: the page comes back (the mapping's fault handler), where
 * it once was SIGBUS.
 */
static int zap_and_read(void *arg)
{
	struct gosync_fast *f = arg;

	if (madvise(f->words, page_size, MADV_DONTNEED))
		return 2;
	return __atomic_load_n(&f->words->mutex, __ATOMIC_RELAXED) == f->token ? 0 : 1;
}

/* Read the word at @p (a child's: it dies if @p is not mapped). */
static int read_word(void *p)
{
	return *(volatile uint32_t *)p == 0xdeadbeef;
}

/* Write @p through /proc/self/mem, as ptrace's POKE does: 0 or the errno. */
static int poke_self_mem(void *p)
{
	uint32_t v = 0;
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (pwrite(fd, &v, sizeof(v), (off_t)(uintptr_t)p) != sizeof(v))
		err = errno;
	close(fd);
	return err;
}

static bool t_mmap(void)
{
	struct gosync_create c = { .size = sizeof(c), .type = GOSYNC_TYPE_MUTEX };
	struct gosync_fast f;
	int plain = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	void *p;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));
	errno = 0;
	CHECK(mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, 0) ==
	      MAP_FAILED && errno == EINVAL, "private mapping: %s", errname(errno));
	errno = 0;
	CHECK(mmap(NULL, page_size, PROT_READ | PROT_EXEC, MAP_SHARED, f.fd, 0) == MAP_FAILED &&
	      errno == EPERM, "executable mapping: %s", errname(errno));
	errno = 0;
	CHECK(mmap(NULL, 2 * page_size, PROT_READ, MAP_SHARED, f.fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "two pages: %s", errname(errno));
	errno = 0;
	CHECK(mmap(NULL, page_size, PROT_READ, MAP_SHARED, f.fd, page_size) == MAP_FAILED &&
	      errno == EINVAL, "offset: %s", errname(errno));
	errno = 0;
	CHECK(mmap(NULL, page_size, PROT_READ, MAP_SHARED, plain, 0) == MAP_FAILED &&
	      errno == ENODEV, "unmapped object: %s", errname(errno));
	/* read-only is fine (an observer), and cannot become executable */
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, f.fd, 0);
	CHECK(p != MAP_FAILED, "read-only mapping: %s", errname(errno));
	CHECK(mprotect(p, page_size, PROT_READ | PROT_EXEC) < 0, "mprotect to exec worked");
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_EQ(*(volatile uint32_t *)p, f.token);
	/* it cannot grow (VM_DONTEXPAND) */
	errno = 0;
	CHECK(mremap(p, page_size, 2 * page_size, MREMAP_MAYMOVE) == MAP_FAILED &&
	      errno == EFAULT, "mremap to two pages: %s", errname(errno));
	/* nor can ptrace's forced write reach a read-only shared mapping */
	CHECK_EQ(poke_self_mem(p), EIO);
	CHECK_EQ(*(volatile uint32_t *)p, f.token);
	munmap(p, page_size);
	/* MADV_DONTFORK: a child has no such mapping */
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, f.fd, 0);
	CHECK(p != MAP_FAILED, "mapping: %s", errname(errno));
	CHECK_OK(madvise(p, page_size, MADV_DONTFORK));
	CHECK_EQ(tap_fork(read_word, p), 128 + SIGSEGV);
	munmap(p, page_size);
	CHECK_EQ(tap_fork(zap_and_read, &f), 0);
	/* the mapping outlives the object harmlessly */
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, f.fd, 0);
	CHECK(p != MAP_FAILED, "mapping: %s", errname(errno));
	CHECK(fast_close(&f), "close");
	CHECK_EQ(*(volatile uint32_t *)p, f.token);
	munmap(p, page_size);
	/* types without a page refuse; unknown create flags too */
	c.type = GOSYNC_TYPE_MAP;
	c.flags = GOSYNC_CREATE_MAPPED;
	CHECK_RET(gosync_create(dev, &c), EINVAL);
	c.type = GOSYNC_TYPE_MUTEX;
	c.flags = 2;
	CHECK_RET(gosync_create(dev, &c), EINVAL);
	close(plain);
	return true;
}

/* HammerMutex with fast-path and ioctl lockers on one Mutex. */
struct hammer {
	const char *name;
	long *shared;		/* a plain counter the lock protects */
	int iters;
	atomic_int err;
};

static void *hammer_thread(void *p)
{
	struct hammer *h = p;
	static atomic_int next;
	int me = atomic_fetch_add(&next, 1);
	struct gosync_fast f;
	int i, fd = fast_open_name(dev, GOSYNC_TYPE_MUTEX, h->name, &f);

	if (fd < 0) {
		atomic_store(&h->err, errno);
		return NULL;
	}
	for (i = 0; i < h->iters; i++) {
		/* thread parity picks the path; every 3rd op mixes the other */
		bool fast = (me + (i % 3 == 0)) % 2;
		int r = fast ? gosync_fast_mutex_lock(&f, -1) : gosync_mutex_lock(fd, -1);

		if (r < 0) {
			atomic_store(&h->err, errno);
			break;
		}
		(*h->shared)++;
		r = i % 2 ? gosync_fast_mutex_unlock(&f) : gosync_mutex_unlock(fd);
		if (r < 0) {
			atomic_store(&h->err, errno);
			break;
		}
	}
	fast_close(&f);
	return NULL;
}

static bool t_hammer(void)
{
	char name[GOSYNC_NAME_MAX];
	struct hammer h = { .name = tap_name(name, "hammer"), .iters = 2000 };
	struct gosync_fast f;
	pthread_t t[4];
	int i, procs = 2;
	pid_t pid[2];

	CHECK_OK(gosync_fast_mutex_create(dev, name, 0, 0, &f));
	h.shared = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	CHECK(h.shared != MAP_FAILED, "mmap");
	/* two processes of two threads each */
	for (i = 0; i < procs; i++) {
		fflush(stdout);
		pid[i] = fork();
		if (!pid[i]) {
			int j;

			for (j = 0; j < 2; j++)
				pthread_create(&t[j], NULL, hammer_thread, &h);
			for (j = 0; j < 2; j++)
				pthread_join(t[j], NULL);
			_exit(atomic_load(&h.err));
		}
	}
	for (i = 0; i < procs; i++)
		CHECK_EQ(reap(pid[i]), 0);
	CHECK_EQ(*h.shared, 4L * h.iters);
	CHECK_EQ(word(&f), 0);
	munmap(h.shared, page_size);
	CHECK(fast_close(&f), "close");
	return true;
}

/*
 * Go's TestMutexFairness, the hog on the fast path: the kernel hands over.
 * As in mutex.c, made deterministic by running both threads on CPU 0 with
 * the hog real-time: the waiter never runs between the hog's Unlock and
 * its relock, so a waiter woken by the Unlock always finds the lock taken
 * again (through the kernel, the word fenced: the hog took it past a
 * waiter), and its Lock can succeed only through a handoff. The hog holds
 * it through its own description, the waiter through another: at the end
 * of a hold the hog must find the Mutex in starvation mode, and right
 * after that hold's Unlock the word must carry the waiter's token (handed
 * over, before the waiter ran).
 */
struct fair {
	struct gosync_fast *f;
	uint32_t waiter_token;
	atomic_int stop;
	int err;
	int starving;		/* holds that ended in starvation mode */
	int handoffs;		/* ... whose Unlock gave the word to the waiter */
};

static void *fair_hog(void *p)
{
	struct fair *s = p;
	struct gosync_state st;
	bool starving;

	while (!atomic_load(&s->stop)) {
		if (gosync_fast_mutex_lock(s->f, -1) < 0) {
			s->err = errno;
			break;
		}
		sleep_ns(100000);		/* 100 us */
		if (gosync_state(s->f->fd, &st, NULL, 0, NULL) < 0) {
			s->err = errno;
			break;
		}
		starving = st.flags & GOSYNC_STATE_STARVING;
		s->starving += starving;
		if (gosync_fast_mutex_unlock(s->f) < 0) {
			s->err = errno;
			break;
		}
		if (starving)
			s->handoffs += (word(s->f) & GOSYNC_MUTEX_TOKEN) == s->waiter_token;
	}
	return NULL;
}

static bool t_fairness(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f, g;
	struct fair s = { .f = &f };
	struct gosync_state st;
	pthread_t hog;
	cpu_set_t all;
	int i, got = 0, err;
	int64_t end;

	CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, "fair"), 0, 0, &f));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &g));
	CHECK(f.token != g.token, "one token for two descriptions");
	s.waiter_token = g.token;
	err = start_hog_cpu0(&hog, &all, fair_hog, &s);
	CHECK(!err, "a SCHED_FIFO hog on CPU 0: %s", errname(err));
	end = now_ns() + LIVENESS_NS;
	for (i = 0; i < 10 && now_ns() < end; i++) {
		sleep_ns(100000);
		if (gosync_fast_mutex_lock(&g, LIVENESS_NS) < 0)
			break;
		got++;
		if (gosync_fast_mutex_unlock(&g) < 0)
			break;
	}
	err = errno;
	atomic_store(&s.stop, 1);
	pthread_join(hog, NULL);
	sched_setaffinity(0, sizeof(all), &all);
	CHECK_EQ(s.err, 0);
	CHECK(got == 10, "the waiter got the lock %d times of 10 (starved; %s)", got,
	      errname(err));
	CHECK(s.starving >= 1, "the hog never saw starvation mode");
	/* the waiter never ran with the lock free: each of its Locks was handed over */
	CHECK(s.handoffs == got, "%d handoffs (starvation mode seen %d times) for %d Locks",
	      s.handoffs, s.starving, got);
	printf("# fast mutex fairness: starvation mode seen %d times, %d handoffs\n",
	       s.starving, s.handoffs);
	CHECK_OK(gosync_state(f.fd, &st, NULL, 0, NULL));
	CHECK(!(st.flags & GOSYNC_STATE_LOCKED), "still locked");
	CHECK(fast_close(&g), "close");
	CHECK(fast_close(&f), "close");
	return true;
}

/* Sleepers and pollers are woken by an Unlock that starts in userspace. */
static struct gosync_fast *lock_arg;

static int lock_ioctl(void *arg)
{
	(void)arg;
	return gosync_mutex_lock(lock_arg->fd, LIVENESS_NS);
}

static int lock_fast(void *arg)
{
	(void)arg;
	return gosync_fast_mutex_lock(lock_arg, LIVENESS_NS);
}

static bool t_wake(void)
{
	struct gosync_fast f;
	struct pollfd pfd;
	struct bg w;
	int k;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST, &f));
	lock_arg = &f;
	for (k = 0; k < 2; k++) {
		CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
		CHECK_EQ(word(&f), f.token);
		CHECK_OK(bg_start(&w, k ? lock_fast : lock_ioctl, NULL));
		CHECK(bg_blocks(&w, 50 * MS), "Lock did not wait: %s", errname(w.err));
		/* queued: the kernel has fenced the word, and nothing changes it now */
		CHECK(wait_queued(f.fd, 1), "Lock never queued");
		/* the fast Lock announced its spin before it went to sleep */
		CHECK_EQ(word(&f), f.token | GOSYNC_MUTEX_WAITERS | (k ? GOSYNC_MUTEX_SPINNING : 0));
		CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
		CHECK(bg_wait(&w, LIVENESS_NS), "waiter not woken");
		CHECK_EQ(w.err, 0);
		CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
		CHECK_EQ(word(&f), 0);
	}
	/* poll: not readable while held in userspace, readable after its Unlock */
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	pfd = (struct pollfd){ .fd = f.fd, .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_EQ(word(&f), f.token | GOSYNC_MUTEX_WAITERS);	/* fenced by the poll */
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* A GOSYNC_IOC_WAIT LOCK case is woken by a userspace Unlock too. */
static int select_lock(void *arg)
{
	struct gosync_wait_case c = { .fd = lock_arg->fd, .op = GOSYNC_CASE_LOCK };
	unsigned int index;

	(void)arg;
	return gosync_wait(dev, &c, 1, 0, LIVENESS_NS, &index) < 0 ? -1 :
		(errno = -c.error, c.error ? -1 : 0);
}

/* Wait (bounded) until the word has all of @bits: true if it did. */
static bool wait_word(struct gosync_fast *f, uint32_t bits)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while ((word(f) & bits) != bits) {
		if (now_ns() > end)
			return false;
		sleep_ns(MS);
	}
	return true;
}

static bool t_select(void)
{
	struct gosync_info before, after;
	struct gosync_fast f;
	struct bg w;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));
	lock_arg = &f;
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_OK(bg_start(&w, select_lock, NULL));
	CHECK(bg_blocks(&w, 50 * MS), "select did not wait: %s", errname(w.err));
	CHECK(wait_queued(f.fd, 1), "select never waited on the Mutex");
	/* its LOCK case queued: the word is fenced, so our Unlock must go to the kernel */
	CHECK(wait_word(&f, GOSYNC_MUTEX_WAITERS), "the word was never fenced: %#x", word(&f));
	CHECK_EQ(word(&f), f.token | GOSYNC_MUTEX_WAITERS);
	CHECK_OK(gosync_info(f.fd, &before));
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_OK(gosync_info(f.fd, &after));
	CHECK_EQ(after.stats[GOSYNC_STAT_UNLOCKS], before.stats[GOSYNC_STAT_UNLOCKS] + 1);
	CHECK(bg_wait(&w, LIVENESS_NS), "select not woken");
	CHECK_EQ(w.err, 0);
	CHECK_EQ(word(&f) & GOSYNC_MUTEX_TOKEN, f.token);	/* it holds the lock */
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* A Cond over a mapped Mutex: Wait unlocks and relocks it in the kernel. */
struct condarg {
	struct gosync_fast *f;
	int cond;
	atomic_int ready;
	int value;		/* under the Mutex */
};

static int cond_waiter(void *arg)
{
	struct condarg *c = arg;

	if (gosync_fast_mutex_lock(c->f, -1) < 0)
		return -1;
	atomic_store(&c->ready, 1);
	while (!c->value)
		if (gosync_cond_wait(c->cond, c->f->fd, LIVENESS_NS) < 0)
			return -1;
	c->value++;
	return gosync_fast_mutex_unlock(c->f);
}

static bool t_cond(void)
{
	struct gosync_fast f;
	struct condarg c = { .f = &f };
	struct bg w;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));
	c.cond = CHECK_OK(gosync_cond_create(dev, NULL, 0, f.fd));
	CHECK_OK(bg_start(&w, cond_waiter, &c));
	while (!atomic_load(&c.ready))
		sleep_ns(MS);
	/* the waiter's Wait freed the word: the fast path takes it */
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	c.value = 1;
	CHECK_OK(gosync_cond_signal(c.cond));
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK(bg_wait(&w, LIVENESS_NS), "Cond waiter not woken");
	CHECK_EQ(w.err, 0);
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_EQ(c.value, 2);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	close(c.cond);
	CHECK(fast_close(&f), "close");
	return true;
}

/* Wait-all over a mapped and an unmapped Mutex takes both or neither. */
static bool t_wait_all(void)
{
	struct gosync_fast f;
	int plain = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	struct gosync_wait_case cs[2] = {
		{ .fd = plain, .op = GOSYNC_CASE_LOCK },
	};

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));
	cs[1] = (struct gosync_wait_case){ .fd = f.fd, .op = GOSYNC_CASE_LOCK };
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 10 * MS, NULL), ETIMEDOUT);
	CHECK_RET(gosync_mutex_trylock(plain), 0);	/* neither was taken */
	CHECK_RET(gosync_mutex_unlock(plain), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_RET(gosync_wait(dev, cs, 2, GOSYNC_WAIT_ALL, 10 * MS, NULL), 0);
	CHECK_EQ(cs[0].error, 0);
	CHECK_EQ(cs[1].error, 0);
	CHECK_EQ(word(&f) & GOSYNC_MUTEX_TOKEN, f.token);
	CHECK_RET(gosync_fast_mutex_trylock(&f), EBUSY);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_RET(gosync_mutex_unlock(plain), 0);
	CHECK_EQ(word(&f), 0);
	close(plain);
	CHECK(fast_close(&f), "close");
	return true;
}

/*
 * A robust mapped Mutex never fails with EDEADLK (gosync.h, libgosync(3)):
 * the kernel does not know which task holds it, so its holder's relock,
 * through the same fd and thread, waits out its timeout, whether the lock
 * was taken in userspace or through the kernel.
 */
static bool t_robust_relock(void)
{
	struct gosync_fast f;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));	/* robust */
	CHECK_RET(gosync_fast_mutex_lock(&f, -1), 0);
	CHECK_EQ(word(&f), f.token);
	CHECK_RET(gosync_mutex_lock(f.fd, 50 * MS), ETIMEDOUT);
	CHECK_RET(gosync_fast_mutex_lock(&f, 50 * MS), ETIMEDOUT);
	CHECK_EQ(word(&f) & GOSYNC_MUTEX_TOKEN, f.token);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK_RET(gosync_mutex_lock(f.fd, -1), 0);
	CHECK_RET(gosync_mutex_lock(f.fd, 50 * MS), ETIMEDOUT);
	CHECK_RET(gosync_mutex_unlock(f.fd), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* A holder that dies holding the lock in userspace: EOWNERDEAD, once. */
static const char *child_name;
static int child_pipe[2];

static int child_fast_lock_and_hang(void *arg)
{
	struct gosync_fast f;
	char c = 'L';

	(void)arg;
	dev = gosync_dev_open();
	if (fast_open_name(dev, GOSYNC_TYPE_MUTEX, child_name, &f) < 0 || gosync_fast_mutex_lock(&f, -1) < 0 ||
	    word(&f) != f.token)
		c = 'E';
	if (write(child_pipe[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static bool t_robust_killed(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f;
	struct gosync_info info;
	struct bg w;
	pid_t pid;
	char c = 0;
	int k;

	for (k = 0; k < 2; k++) {
		CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, k ? "killed2" : "killed"),
						  0, 0, &f));
		child_name = name;
		lock_arg = &f;
		CHECK_OK(pipe(child_pipe));
		pid = spawn(child_fast_lock_and_hang, NULL);
		CHECK(pid > 0, "fork");
		CHECK(read(child_pipe[0], &c, 1) == 1 && c == 'L', "child did not lock ('%c')",
		      c);
		CHECK_RET(gosync_fast_mutex_trylock(&f), EBUSY);
		if (k) {
			/* a sleeper is woken by the death */
			CHECK_OK(bg_start(&w, lock_fast, NULL));
			CHECK(bg_blocks(&w, 50 * MS), "Lock did not wait");
			/* queued: the death is what must wake it */
			CHECK(wait_queued(f.fd, 1), "Lock never queued");
		}
		kill(pid, SIGKILL);
		CHECK_EQ(reap(pid), 128 + SIGKILL);
		if (k) {
			CHECK(bg_wait(&w, LIVENESS_NS), "Lock not woken by the holder's death");
			CHECK(w.err == EOWNERDEAD, "after the death: %s", errname(w.err));
		} else {
			/* no one waited: the word is fenced, so the fast path asks */
			CHECK_EQ(word(&f), GOSYNC_MUTEX_WAITERS);
			CHECK_RET(gosync_fast_mutex_lock(&f, 0), EOWNERDEAD);
		}
		CHECK_EQ(word(&f) & GOSYNC_MUTEX_TOKEN, f.token);
		CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
		CHECK_RET(gosync_fast_mutex_lock(&f, 0), 0);	/* told once */
		CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
		CHECK_OK(gosync_info(f.fd, &info));
		CHECK_EQ(info.stats[GOSYNC_STAT_OWNER_DEAD], 1);
		close(child_pipe[0]);
		close(child_pipe[1]);
		CHECK(fast_close(&f), "close");
	}
	return true;
}

/* child: lock through the kernel by name, unlock, exit */
static int child_kernel_lock_unlock(void *arg)
{
	int d = gosync_dev_open(), fd = gosync_open(d, arg, GOSYNC_TYPE_MUTEX);

	return fd < 0 || gosync_mutex_lock(fd, LIVENESS_NS) < 0 || gosync_mutex_unlock(fd) < 0;
}

/*
 * gosync_owner_dead names the task that had locked it only if the kernel
 * saw that locker: a holder that locked in userspace is pid 0, not the
 * last process that locked through the kernel (here one that has exited).
 */
static const char *tr = "/sys/kernel/tracing", *ev = "events/gosync/gosync_owner_dead/enable";

/* Is the event there (mounting tracefs if need be)? */
static bool have_owner_dead_event(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tr, ev);
	if (access(path, W_OK))
		mount("nodev", tr, "tracefs", 0, NULL);
	return !access(path, W_OK);
}

static bool t_owner_dead_trace(void)
{
	char name[GOSYNC_NAME_MAX], path[128], want[64], *buf, *line;
	struct gosync_info info;
	struct gosync_fast a, b;
	pid_t pid;
	FILE *f;
	size_t n;

	CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, "tracedead"), 0, 0, &a));
	CHECK_OK(gosync_info(a.fd, &info));
	pid = spawn(child_kernel_lock_unlock, name);
	CHECK_EQ(reap(pid), 0);
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &b));
	CHECK_RET(gosync_fast_mutex_lock(&b, -1), 0);
	CHECK_EQ(word(&a), b.token);			/* locked in userspace */
	snprintf(path, sizeof(path), "%s/trace", tr);
	CHECK(tap_write_file(path, "\n") || !truncate(path, 0), "clear %s", path);
	snprintf(path, sizeof(path), "%s/%s", tr, ev);
	CHECK(tap_write_file(path, "1"), "enable %s", path);
	CHECK(fast_close(&b), "close");			/* robust: dead holder */
	CHECK(tap_write_file(path, "0"), "disable %s", path);
	CHECK_RET(gosync_fast_mutex_lock(&a, 0), EOWNERDEAD);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);

	snprintf(path, sizeof(path), "%s/trace", tr);
	f = fopen(path, "r");
	CHECK(f, "open %s", path);
	buf = calloc(1, 1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	CHECK(buf, "calloc");
	snprintf(want, sizeof(want), "gosync_owner_dead: id=%llu ", (unsigned long long)info.id);
	line = strstr(buf, want);
	if (!line || !strstr(line, " pid=0 ")) {
		line = line ? strndup(line, strcspn(line, "\n")) : NULL;
		tap_reason(__LINE__, "%zu bytes of trace, want pid=0 (the child was %d): '%s'", n,
			   (int)pid, line ? line : "no event");
		free(line);
		free(buf);
		return false;
	}
	free(buf);
	CHECK(fast_close(&a), "close");
	return true;
}

/*
 * A mapping holds its file, as any mmap() does (docs/uapi.md, "Holders"
 * and the mapped fast path): a description whose last fd is closed while
 * it is still mapped lives on, with its robust lock held; once the mapping
 * is gone too, the description goes and the next locker is told
 * (EOWNERDEAD). A child forked without exec inherits the mapping, so the
 * description lives while the child does, even after its parent unmapped.
 */
static int child_hang(void *arg)
{
	(void)arg;
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a failed check does not leave it */
	for (;;)
		pause();
	return 0;
}

static bool t_mapping_holds_description(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	struct gosync_fast a, b;
	pid_t pid = -1;

	for (int k = 0; k < 2; k++) {
		CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, k ? "mapfork" : "mapheld"),
						  0, 0, &a));
		CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &b));
		CHECK_RET(gosync_fast_mutex_lock(&b, -1), 0);
		CHECK_EQ(word(&a), b.token);
		CHECK_OK(close(b.fd));
		if (k) {
			pid = spawn(child_hang, NULL);
			CHECK(pid > 0, "fork");
			gosync_fast_close(&b);	/* only the child's copy is left */
		}
		/* the description lives on: two of them, the lock still its */
		CHECK_OK(gosync_info(a.fd, &info));
		CHECK_EQ(info.nr_files, 2);
		CHECK_RET(gosync_fast_mutex_trylock(&a), EBUSY);
		CHECK_RET(gosync_mutex_lock(a.fd, 20 * MS), ETIMEDOUT);
		CHECK_EQ(word(&a) & GOSYNC_MUTEX_TOKEN, b.token);
		if (k) {
			kill(pid, SIGKILL);
			CHECK_EQ(reap(pid), 128 + SIGKILL);
		} else {
			gosync_fast_close(&b);	/* munmap: its last reference */
		}
		CHECK_OK(gosync_info(a.fd, &info));
		CHECK_EQ(info.nr_files, 1);
		CHECK_RET(gosync_fast_mutex_lock(&a, 0), EOWNERDEAD);
		CHECK_EQ(word(&a) & GOSYNC_MUTEX_TOKEN, a.token);
		CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
		CHECK(fast_close(&a), "close");
	}
	return true;
}

/* Non-robust (Go): the lock outlives its holder's close. */
static bool t_nonrobust_close(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;

	CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, "nonrobust"), 0,
					  GOSYNC_LOCK_ATTR_NONROBUST, &a));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &b));
	CHECK_RET(gosync_fast_mutex_lock(&b, -1), 0);
	CHECK(fast_close(&b), "close");
	CHECK_EQ(word(&a), b.token);
	CHECK_RET(gosync_fast_mutex_trylock(&a), EBUSY);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);		/* anyone may */
	CHECK_RET(gosync_fast_mutex_lock(&a, 0), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
	CHECK(fast_close(&a), "close");
	return true;
}

/* A child named "fm-holder" that locks in userspace, says so, and waits to be killed. */
static int child_holder(void *arg)
{
	struct gosync_fast f;
	char c = 'L';

	(void)arg;
	prctl(PR_SET_NAME, "fm-holder");
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a failed check does not leave it hanging */
	dev = gosync_dev_open();
	if (fast_open_name(dev, GOSYNC_TYPE_MUTEX, child_name, &f) < 0 ||
	    gosync_fast_mutex_lock(&f, -1) < 0 || word(&f) != f.token)
		c = 'E';
	if (write(child_pipe[1], &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

#define NOT_LOCKED 0xff00U	/* holder(): no GOSYNC_STATE_LOCKED (or INFO failed) */
#define NOBODY 0xff01U		/* holder(): locked, no holder reported */

/* The holder INFO reports for a locked Mutex: its flags, in *@h */
static uint32_t holder(int fd, struct gosync_holder *h)
{
	struct gosync_state st;
	unsigned int nr = 0;

	memset(h, 0, sizeof(*h));
	if (gosync_state(fd, &st, h, 1, &nr) < 0 || !(st.flags & GOSYNC_STATE_LOCKED))
		return NOT_LOCKED;
	return !nr ? NOBODY : nr == 1 ? h->flags : ~0U;
}

/* Does a line of `gosync ls` (the CLI, from PATH) contain @want? */
static bool ls_shows(const char *want)
{
	FILE *f = popen("gosync ls 2>&1", "r");
	char line[512];
	bool found = false;

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, want) != NULL;
	return f && pclose(f) == 0 && found;
}

/*
 * Who holds a Mutex locked in userspace: the kernel knows the description
 * by the token in the word, and reports who opened it (OPENER); locked
 * through the kernel, the task that locked. A token of a closed description
 * or of another object's reports nobody, and is not issued again soon.
 */
static bool t_holder(void)
{
	char name[GOSYNC_NAME_MAX], line[80];
	struct gosync_fast a, other, again;
	struct gosync_holder h;
	uint32_t gone;
	pid_t pid;
	char c = 0;

	for (int robust = 1; robust >= 0; robust--) {
		CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, robust ? "holder-r" : "holder"), 0,
						  robust ? 0 : GOSYNC_LOCK_ATTR_NONROBUST, &a));
		child_name = name;
		CHECK_OK(pipe(child_pipe));
		pid = spawn(child_holder, NULL);
		CHECK(pid > 0, "fork");
		CHECK(read(child_pipe[0], &c, 1) == 1 && c == 'L', "child did not lock ('%c')", c);
		close(child_pipe[0]);
		close(child_pipe[1]);
		gone = word(&a);
		CHECK_EQ(holder(a.fd, &h), GOSYNC_HOLDER_WRITE | GOSYNC_HOLDER_OPENER);
		CHECK(h.pid == pid && !strcmp(h.comm, "fm-holder"), "holder %d %.16s, child %d",
		      h.pid, h.comm, pid);
		snprintf(line, sizeof(line), "%d fm-holder write 1 opener", pid);
		CHECK(!strcmp(fdinfo(a.fd, "gosync-holder"), line), "fdinfo holder: %s",
		      fdinfo(a.fd, "gosync-holder"));
		/* gosync ls marks it: PID:COMM* */
		snprintf(line, sizeof(line), " %d:fm-holder* ", pid);
		CHECK(ls_shows(line), "gosync ls does not show '%s'", line);
		kill(pid, SIGKILL);
		CHECK_EQ(reap(pid), 128 + SIGKILL);
		if (robust) {
			CHECK_EQ(holder(a.fd, &h), NOT_LOCKED);	/* released */
			CHECK_RET(gosync_fast_mutex_lock(&a, 0), EOWNERDEAD);
			CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
		} else {
			/* still locked by a description that is gone: nobody to name */
			CHECK_EQ(word(&a), gone);
			CHECK_EQ(holder(a.fd, &h), NOBODY);
			/* and its token is not the next description's */
			CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &again));
			CHECK(again.token != gone, "token %u issued again at once", gone);
			CHECK_RET(gosync_fast_mutex_trylock(&again), EBUSY);
			CHECK_EQ(holder(a.fd, &h), NOBODY);
			CHECK(fast_close(&again), "close");
			CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
		}
		CHECK(fast_close(&a), "close");
	}
	/* through the kernel: the task that locked, as without the page */
	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &a));
	CHECK_RET(gosync_mutex_lock(a.fd, -1), 0);
	CHECK_EQ(holder(a.fd, &h), GOSYNC_HOLDER_WRITE);
	CHECK_EQ(h.pid, getpid());
	snprintf(line, sizeof(line), " %d:%.16s ", h.pid, h.comm);	/* no '*' */
	CHECK(ls_shows(line), "gosync ls does not show '%s'", line);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
	/* the same description in userspace: its opener, this process */
	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &other));
	CHECK_RET(gosync_fast_mutex_lock(&other, -1), 0);
	CHECK_EQ(holder(other.fd, &h), GOSYNC_HOLDER_WRITE | GOSYNC_HOLDER_OPENER);
	CHECK_EQ(h.pid, getpid());
	/* another object's token, written into this word: locked, by nobody */
	__atomic_store_n(&a.words->mutex, other.token, __ATOMIC_SEQ_CST);
	CHECK_EQ(holder(a.fd, &h), NOBODY);
	__atomic_store_n(&a.words->mutex, 0, __ATOMIC_SEQ_CST);
	CHECK_RET(gosync_fast_mutex_unlock(&other), 0);
	CHECK(fast_close(&a) && fast_close(&other), "close");
	return true;
}

/* A child that spins for the lock, then sleeps for it in the kernel. */
static int child_fast_lock(void *arg)
{
	struct gosync_fast f;

	(void)arg;
	dev = gosync_dev_open();
	if (fast_open_name(dev, GOSYNC_TYPE_MUTEX, child_name, &f) < 0)
		return 1;
	return gosync_fast_mutex_lock(&f, -1) < 0;
}

/*
 * GOSYNC_MUTEX_SPINNING: an Unlock with a spinner announced leaves the word
 * reserved, and a reservation nobody claims (the spinner left, or died)
 * only sends the next Lock to the kernel, which takes it as free.
 */
static bool t_spinning(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;
	int64_t end;
	pid_t pid;
	int k;

	CHECK_OK(gosync_fast_mutex_create(dev, tap_name(name, "spinning"), 0, 0, &a));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_MUTEX, name, &b));
	for (k = 0; k < 2; k++) {
		/* a spinner announced itself, then went away */
		CHECK_RET(gosync_fast_mutex_lock(&a, -1), 0);
		__atomic_or_fetch(&a.words->mutex, GOSYNC_MUTEX_SPINNING, __ATOMIC_SEQ_CST);
		CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
		CHECK_EQ(word(&a), GOSYNC_MUTEX_SPINNING);	/* free, reserved */
		if (k) {
			/* TryLock: the kernel takes it, and drops the bit */
			CHECK_RET(gosync_fast_mutex_trylock(&b), 0);
			CHECK_EQ(word(&a), b.token);
			CHECK_RET(gosync_fast_mutex_unlock(&b), 0);
		} else {
			/* Lock: spins in vain, then the kernel takes it */
			CHECK_RET(gosync_fast_mutex_lock(&a, LIVENESS_NS), 0);
			CHECK_EQ(word(&a), a.token);
			CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
		}
		CHECK_EQ(word(&a), 0);
	}
	/* a spinner that announced itself, slept in the kernel, and was killed */
	CHECK_RET(gosync_fast_mutex_lock(&a, -1), 0);
	child_name = name;
	pid = spawn(child_fast_lock, NULL);
	CHECK(pid > 0, "fork");
	end = now_ns() + LIVENESS_NS;
	while (!(word(&a) & GOSYNC_MUTEX_WAITERS) && now_ns() < end)
		sleep_ns(1000000);
	CHECK_EQ(word(&a), a.token | GOSYNC_MUTEX_SPINNING | GOSYNC_MUTEX_WAITERS);
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);	/* fenced: the kernel's */
	CHECK_EQ(word(&a), 0);
	CHECK_RET(gosync_fast_mutex_lock(&b, 0), 0);
	CHECK_EQ(word(&a), b.token);
	CHECK_RET(gosync_fast_mutex_unlock(&b), 0);
	/* a robust holder dies with a spinner announced: EOWNERDEAD as ever */
	child_name = name;
	CHECK_OK(pipe(child_pipe));
	pid = spawn(child_fast_lock_and_hang, NULL);
	CHECK(pid > 0, "fork");
	{
		char c = 0;

		CHECK(read(child_pipe[0], &c, 1) == 1 && c == 'L', "child did not lock ('%c')", c);
	}
	__atomic_or_fetch(&a.words->mutex, GOSYNC_MUTEX_SPINNING, __ATOMIC_SEQ_CST);
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);
	close(child_pipe[0]);
	close(child_pipe[1]);
	CHECK_EQ(word(&a), GOSYNC_MUTEX_WAITERS);	/* freed, fenced, bit dropped */
	CHECK_RET(gosync_fast_mutex_lock(&a, 0), EOWNERDEAD);
	CHECK_RET(gosync_fast_mutex_unlock(&a), 0);
	CHECK_EQ(word(&a), 0);
	CHECK(fast_close(&a) && fast_close(&b), "close");
	return true;
}

/*
 * A process scribbles on the page: the object misbehaves for its users
 * (the harness fails the run on any kernel report), but every call
 * returns, and writing 0 back makes it a working Mutex again.
 */
static bool t_scribble(void)
{
	static const uint32_t junk[] = {
		0xffffffff, GOSYNC_MUTEX_WAITERS, 0x80000000, GOSYNC_MUTEX_TOKEN,
		0x12345678, 1, GOSYNC_TOKEN_MAX | GOSYNC_MUTEX_WAITERS,
	};
	struct gosync_fast f;
	struct gosync_state st;
	struct pollfd pfd;
	unsigned int i;
	int r;

	CHECK_OK(gosync_fast_mutex_create(dev, NULL, 0, 0, &f));
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		__atomic_store_n(&f.words->mutex, junk[i], __ATOMIC_SEQ_CST);
		r = gosync_mutex_lock(f.fd, 10 * MS);
		CHECK(r == 0 || errno == ETIMEDOUT || errno == EOWNERDEAD, "Lock on %#x: %s",
		      junk[i], errname(errno));
		(void)gosync_mutex_trylock(f.fd);
		(void)gosync_fast_mutex_trylock(&f);
		pfd = (struct pollfd){ .fd = f.fd, .events = POLLIN };
		CHECK(poll(&pfd, 1, 0) >= 0, "poll");
		CHECK_OK(gosync_state(f.fd, &st, NULL, 0, NULL));
		(void)gosync_mutex_unlock(f.fd);
		(void)gosync_fast_mutex_unlock(&f);
		/* mid-wait: a sleeper, then garbage, then an Unlock */
		__atomic_store_n(&f.words->mutex, junk[i] | 1, __ATOMIC_SEQ_CST);
		r = gosync_mutex_lock(f.fd, 5 * MS);
		__atomic_store_n(&f.words->mutex, junk[(i + 1) % 7], __ATOMIC_SEQ_CST);
		(void)gosync_mutex_unlock(f.fd);
	}
	__atomic_store_n(&f.words->mutex, 0, __ATOMIC_SEQ_CST);
	CHECK_RET(gosync_mutex_lock(f.fd, LIVENESS_NS), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_RET(gosync_fast_mutex_lock(&f, 0), 0);
	CHECK_RET(gosync_fast_mutex_unlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

int main(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	dev = tap_dev("fast_mutex");
	tap_report(t_word(), "fast-mutex-word");
	tap_report(t_mmap(), "fast-mutex-mmap");
	tap_report(t_hammer(), "fast-mutex-hammer-mixed");
	tap_report(t_fairness(), "fast-mutex-fairness-handoff");
	tap_report(t_wake(), "fast-mutex-userspace-unlock-wakes");
	tap_report(t_select(), "fast-mutex-select");
	tap_report(t_cond(), "fast-mutex-cond");
	tap_report(t_wait_all(), "fast-mutex-wait-all");
	tap_report(t_robust_relock(), "fast-mutex-robust-relock-no-edeadlk");
	tap_report(t_robust_killed(), "fast-mutex-robust-holder-killed");
	if (have_owner_dead_event())
		tap_report(t_owner_dead_trace(), "fast-mutex-owner-dead-trace");
	else
		printf("ok - e2e:fast-mutex-owner-dead-trace # SKIP no tracefs or gosync events\n");
	tap_report(t_nonrobust_close(), "fast-mutex-nonrobust-close");
	tap_report(t_mapping_holds_description(), "fast-mutex-mapping-holds-description");
	tap_report(t_holder(), "fast-mutex-holder-in-userspace");
	tap_report(t_spinning(), "fast-mutex-spinning-bit");
	tap_report(t_scribble(), "fast-mutex-scribbled-page");
	return tap_done(dev, "fast_mutex");
}
