// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped RWMutex (GOSYNC_CREATE_MAPPED) and libgosync's fast path.
 * The word's protocol (uapi header, kmod/rwmutex.c): fast-path and ioctl
 * readers and writers mixed (HammerRWMutex), writer preference against
 * fast-path readers, waiters, pollers and selections woken by userspace
 * releases, anonymous read locks, what is refused, and a scribbled page.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "sync_util.h"

#define READER	GOSYNC_RWMUTEX_READER
#define WAITERS	GOSYNC_RWMUTEX_WAITERS

static int dev;
static long page_size;

static uint64_t word(struct gosync_fast *f)
{
	return __atomic_load_n(&f->words->rwmutex, __ATOMIC_SEQ_CST);
}

static void set_word(struct gosync_fast *f, uint64_t v)
{
	__atomic_store_n(&f->words->rwmutex, v, __ATOMIC_SEQ_CST);
}

/* Wait until the kernel keeps the word (a poller watches it). */
static bool fenced(struct gosync_fast *f)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (!(word(f) & WAITERS))
		if (now_ns() > end)
			return false;
		else
			sleep_ns(MS);
	return true;
}

static int fast_create(struct gosync_fast *f, const char *name)
{
	return gosync_fast_rwmutex_create(dev, name, 0, GOSYNC_LOCK_ATTR_NONROBUST, f);
}

/* The word holds the writer's token and the read count; both paths agree. */
static bool t_word(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;
	struct gosync_info info, after;
	struct gosync_holder hs[2];
	struct gosync_state st;
	unsigned int nr = 0;

	CHECK_OK(fast_create(&a, tap_name(name, "word")));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_RWMUTEX, name, &b));
	CHECK(a.token && b.token && a.token != b.token, "tokens %u and %u", a.token, b.token);
	CHECK_EQ(word(&a), 0);
	CHECK_OK(gosync_info(a.fd, &info));
	/* uncontended: the kernel sees nothing */
	CHECK_RET(gosync_fast_rwmutex_rlock(&a, -1), 0);
	CHECK_RET(gosync_fast_rwmutex_tryrlock(&b), 0);
	CHECK_EQ(word(&a), 2 * READER);
	CHECK_RET(gosync_fast_rwmutex_trylock(&b), EBUSY);
	CHECK_RET(gosync_fast_rwmutex_runlock(&a), 0);
	CHECK_RET(gosync_fast_rwmutex_runlock(&a), 0);	/* anonymous: anyone's */
	CHECK_RET(gosync_fast_rwmutex_lock(&a, -1), 0);
	CHECK_EQ(word(&b), a.token);
	/* write-locked in userspace: INFO names the description's opener */
	CHECK_OK(gosync_state(b.fd, &st, hs, 2, &nr));
	CHECK(st.flags & GOSYNC_STATE_LOCKED, "not write-locked");
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].flags, GOSYNC_HOLDER_WRITE | GOSYNC_HOLDER_OPENER);
	CHECK_EQ(hs[0].pid, getpid());
	CHECK_RET(gosync_fast_rwmutex_tryrlock(&b), EBUSY);
	CHECK_RET(gosync_fast_rwmutex_trylock(&b), EBUSY);
	CHECK_RET(gosync_fast_rwmutex_unlock(&a), 0);
	CHECK_EQ(word(&a), 0);
	CHECK_OK(gosync_info(a.fd, &after));
	CHECK_EQ(after.stats[GOSYNC_STAT_LOCKS], info.stats[GOSYNC_STAT_LOCKS]);
	CHECK_EQ(after.stats[GOSYNC_STAT_RLOCKS], info.stats[GOSYNC_STAT_RLOCKS]);
	CHECK_EQ(after.stats[GOSYNC_STAT_UNLOCKS], info.stats[GOSYNC_STAT_UNLOCKS]);

	/* the kernel's read locks are in the word too; nobody waits: unfenced */
	CHECK_RET(gosync_fast_rwmutex_rlock(&a, -1), 0);
	CHECK_RET(gosync_rwmutex_rlock(b.fd, -1), 0);
	CHECK_RET(gosync_rwmutex_tryrlock(b.fd), 0);
	CHECK_EQ(word(&a), 3 * READER);
	CHECK_OK(gosync_state(a.fd, &st, NULL, 0, NULL));
	CHECK_EQ(st.readers, 3);
	CHECK(!(st.flags & GOSYNC_STATE_LOCKED), "write-locked");
	CHECK_RET(gosync_rwmutex_trylock(b.fd), EBUSY);
	CHECK_EQ(word(&a), 3 * READER);
	/* a fast-path read lock released by the kernel, and the reverse */
	CHECK_RET(gosync_rwmutex_runlock(a.fd), 0);
	CHECK_RET(gosync_fast_rwmutex_runlock(&b), 0);
	CHECK_RET(gosync_fast_rwmutex_runlock(&b), 0);
	CHECK_EQ(word(&a), 0);
	/* RUnlock of unlocked RWMutex: the kernel can check only the count */
	CHECK_RET(gosync_fast_rwmutex_runlock(&a), EPERM);
	CHECK_RET(gosync_rwmutex_runlock(a.fd), EPERM);
	/* write-locked through the kernel: the token; any writer may unlock */
	CHECK_RET(gosync_rwmutex_lock(b.fd, -1), 0);
	CHECK_EQ(word(&a), b.token);
	CHECK_OK(gosync_state(a.fd, &st, hs, 2, &nr));
	CHECK(st.flags & GOSYNC_STATE_LOCKED, "not write-locked");
	CHECK_EQ(st.readers, 0);
	CHECK_EQ(nr, 1);
	CHECK_EQ(hs[0].flags, GOSYNC_HOLDER_WRITE);	/* the kernel saw the task */
	CHECK_EQ(hs[0].pid, getpid());
	CHECK_RET(gosync_fast_rwmutex_unlock(&a), 0);
	CHECK_EQ(word(&a), 0);
	CHECK_RET(gosync_fast_rwmutex_unlock(&a), EPERM);
	CHECK_RET(gosync_rwmutex_unlock(a.fd), EPERM);
	CHECK(fast_close(&a) && fast_close(&b), "close");
	return true;
}

/* What is refused: robust RWMutexes, and mmap of an unmapped one. */
static bool t_refused(void)
{
	struct gosync_create c = {
		.size = sizeof(c), .type = GOSYNC_TYPE_RWMUTEX, .flags = GOSYNC_CREATE_MAPPED,
	};
	int plain = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST));
	struct gosync_fast f;

	/* robust read locks are per description; fast-path ones are nobody's */
	CHECK_RET(gosync_create(dev, &c), EINVAL);
	CHECK_RET(gosync_fast_rwmutex_create(dev, NULL, 0, 0, &f), EINVAL);
	errno = 0;
	CHECK(mmap(NULL, page_size, PROT_READ, MAP_SHARED, plain, 0) == MAP_FAILED &&
	      errno == ENODEV, "unmapped object: %s", errname(errno));
	close(plain);
	return true;
}

/* Past GOSYNC_RWMUTEX_MAX_READERS read locks: EAGAIN, from the kernel. */
static bool t_max_readers(void)
{
	struct gosync_fast f;
	uint64_t max = (uint64_t)GOSYNC_RWMUTEX_MAX_READERS * READER;

	CHECK_OK(fast_create(&f, NULL));
	set_word(&f, max);	/* as if that many were held */
	CHECK_RET(gosync_fast_rwmutex_tryrlock(&f), EAGAIN);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, 0), EAGAIN);
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, 0), 0);
	CHECK_EQ(word(&f) & ~WAITERS, max);
	set_word(&f, 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* HammerRWMutex: fast-path and ioctl readers and writers on one RWMutex. */
struct hammer {
	const char *name;
	atomic_int readers_in;	/* in shared memory: across processes */
	atomic_int writers_in;
	long writes;		/* under the write lock */
	atomic_long reads;
	int iters;
	atomic_int err;		/* errno, or -1: a reader met a writer inside */
};

static struct hammer *hm;

static void *hammer_thread(void *p)
{
	static atomic_int next;
	int me = atomic_fetch_add(&next, 1) + (int)(intptr_t)p;
	struct gosync_fast f;
	int i, r, fd = fast_open_name(dev, GOSYNC_TYPE_RWMUTEX, hm->name, &f);

	if (fd < 0) {
		atomic_store(&hm->err, errno);
		return NULL;
	}
	for (i = 0; i < hm->iters && !atomic_load(&hm->err); i++) {
		bool fast = (me + (i % 3 == 0)) % 2;
		bool writer = i % 4 == me % 4;

		if (writer) {
			r = fast ? gosync_fast_rwmutex_lock(&f, -1) : gosync_rwmutex_lock(fd, -1);
			if (r < 0)
				goto fail;
			if (atomic_fetch_add(&hm->writers_in, 1) || atomic_load(&hm->readers_in))
				atomic_store(&hm->err, -1);
			hm->writes++;
			atomic_fetch_sub(&hm->writers_in, 1);
			r = i % 2 ? gosync_fast_rwmutex_unlock(&f) : gosync_rwmutex_unlock(fd);
		} else {
			r = fast ? gosync_fast_rwmutex_rlock(&f, -1) : gosync_rwmutex_rlock(fd, -1);
			if (r < 0)
				goto fail;
			atomic_fetch_add(&hm->readers_in, 1);
			if (atomic_load(&hm->writers_in))
				atomic_store(&hm->err, -1);
			atomic_fetch_add(&hm->reads, 1);
			atomic_fetch_sub(&hm->readers_in, 1);
			/* the kernel RUnlocks only read locks it can count: any */
			r = i % 2 ? gosync_fast_rwmutex_runlock(&f) : gosync_rwmutex_runlock(fd);
		}
		if (r < 0)
			goto fail;
	}
	fast_close(&f);
	return NULL;
fail:
	atomic_store(&hm->err, errno);
	fast_close(&f);
	return NULL;
}

static bool t_hammer(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast f;
	pthread_t t[3];
	int i, j, procs = 2, threads = 3;
	long want_writes = 0;
	pid_t pid[2];

	CHECK_OK(fast_create(&f, tap_name(name, "hammer")));
	hm = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(hm != MAP_FAILED, "mmap");
	hm->name = name;
	hm->iters = tap_small() ? 1000 : 4000;	/* 25 s on a debug kernel at 4000 */
	for (i = 0; i < procs; i++) {
		fflush(stdout);
		pid[i] = fork();
		if (!pid[i]) {
			for (j = 0; j < threads; j++)
				pthread_create(&t[j], NULL, hammer_thread,
					       (void *)(intptr_t)(i * threads));
			for (j = 0; j < threads; j++)
				pthread_join(t[j], NULL);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++)
		CHECK_EQ(reap(pid[i]), 0);
	CHECK(atomic_load(&hm->err) != -1, "a reader and a writer were inside together");
	CHECK_EQ(atomic_load(&hm->err), 0);
	/* the children's thread numbers: 0..2 in each (the counter is per process) */
	for (i = 0; i < procs; i++)
		for (j = 0; j < threads; j++) {
			int me = j + i * threads, k;

			for (k = 0; k < hm->iters; k++)
				want_writes += k % 4 == me % 4;
		}
	CHECK_EQ(hm->writes, want_writes);
	CHECK_EQ(atomic_load(&hm->reads), (long)procs * threads * hm->iters - want_writes);
	CHECK_EQ(word(&f), 0);
	munmap(hm, page_size);
	CHECK(fast_close(&f), "close");
	return true;
}

/* Background lockers on lock_arg, recording the order they got it in. */
static struct gosync_fast *lock_arg;
static atomic_int order_next;
static int order_writer, order_reader;

static int wlock_fast(void *arg)
{
	(void)arg;
	if (gosync_fast_rwmutex_lock(lock_arg, LIVENESS_NS) < 0)
		return -1;
	order_writer = atomic_fetch_add(&order_next, 1);
	return 0;
}

static int rlock_fast(void *arg)
{
	(void)arg;
	if (gosync_fast_rwmutex_rlock(lock_arg, LIVENESS_NS) < 0)
		return -1;
	order_reader = atomic_fetch_add(&order_next, 1);
	return 0;
}

static int rlock_ioctl(void *arg)
{
	(void)arg;
	return gosync_rwmutex_rlock(lock_arg->fd, LIVENESS_NS);
}

static int wlock_ioctl(void *arg)
{
	(void)arg;
	return gosync_rwmutex_lock(lock_arg->fd, LIVENESS_NS);
}

/*
 * Go's writer preference against fast-path readers: a queued writer fences
 * the word, so new RLocks wait behind it; the last fast-path RUnlock (now
 * through the kernel) hands the lock to the writer, its Unlock to the reader.
 */
static bool t_writer_preference(void)
{
	struct gosync_fast f;
	struct bg w, r;

	CHECK_OK(fast_create(&f, NULL));
	lock_arg = &f;
	atomic_store(&order_next, 1);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, -1), 0);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, -1), 0);
	CHECK_OK(bg_start(&w, wlock_fast, NULL));
	CHECK(wait_queued(f.fd, 1), "Lock did not wait: %s", errname(w.err));
	CHECK_EQ(word(&f), 2 * READER | WAITERS);
	CHECK_RET(gosync_fast_rwmutex_tryrlock(&f), EBUSY);	/* a writer waits */
	CHECK_OK(bg_start(&r, rlock_fast, NULL));
	CHECK(wait_queued(f.fd, 2), "RLock did not wait behind the writer: %s", errname(r.err));
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK(!atomic_load(&w.done), "the writer got in with a reader inside");
	CHECK_EQ(word(&f), READER | WAITERS);
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);		/* wakes the writer */
	CHECK(bg_wait(&w, LIVENESS_NS), "writer not woken by the RUnlock");
	CHECK_EQ(w.err, 0);
	CHECK_EQ(word(&f), f.token | WAITERS);			/* the reader waits */
	CHECK(!atomic_load(&r.done), "a reader got in with the writer");
	CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
	CHECK(bg_wait(&r, LIVENESS_NS), "reader not woken by the Unlock");
	CHECK_EQ(r.err, 0);
	CHECK_EQ(order_writer, 1);
	CHECK_EQ(order_reader, 2);
	CHECK_EQ(word(&f), READER);			/* nobody waits: unfenced */
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* Sleepers woken by a write Unlock that starts in userspace. */
static bool t_wake(void)
{
	int (*const lockers[])(void *) = { rlock_ioctl, rlock_fast, wlock_ioctl, wlock_fast };
	struct gosync_fast f;
	unsigned int k;
	struct bg w;

	CHECK_OK(fast_create(&f, NULL));
	lock_arg = &f;
	for (k = 0; k < 4; k++) {
		CHECK_RET(gosync_fast_rwmutex_lock(&f, -1), 0);
		CHECK_EQ(word(&f), f.token);
		CHECK_OK(bg_start(&w, lockers[k], NULL));
		CHECK(wait_queued(f.fd, 1), "locker %u did not wait: %s", k, errname(w.err));
		CHECK_EQ(word(&f), f.token | WAITERS);
		CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
		CHECK(bg_wait(&w, LIVENESS_NS), "locker %u not woken", k);
		CHECK_EQ(w.err, 0);
		if (k < 2) {
			CHECK_EQ(word(&f), READER);
			CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
		} else {
			CHECK_EQ(word(&f), f.token);
			CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
		}
		CHECK_EQ(word(&f), 0);
	}
	/* a writer waiting on an ioctl read lock, released on the fast path */
	CHECK_RET(gosync_rwmutex_rlock(f.fd, -1), 0);
	CHECK_OK(bg_start(&w, wlock_ioctl, NULL));
	CHECK(wait_queued(f.fd, 1), "Lock did not wait: %s", errname(w.err));
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK(bg_wait(&w, LIVENESS_NS), "writer not woken");
	CHECK_EQ(w.err, 0);
	CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* poll: readable while an RLock would not wait, writable while a Lock would not. */
static bool t_poll(void)
{
	struct pollfd pfd;
	struct gosync_fast f;

	CHECK_OK(fast_create(&f, NULL));
	pfd = (struct pollfd){ .fd = f.fd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN | POLLOUT);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, -1), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK_RET(gosync_fast_rwmutex_lock(&f, -1), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN | POLLOUT);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

/* A poll that sleeps is woken by a fast-path RUnlock (the poller fenced it). */
static int poll_out(void *arg)
{
	struct pollfd pfd = { .fd = lock_arg->fd, .events = POLLOUT };

	(void)arg;
	if (poll(&pfd, 1, (int)(LIVENESS_NS / MS)) != 1)
		return errno = ETIMEDOUT, -1;
	return pfd.revents == POLLOUT ? 0 : (errno = EPROTO, -1);
}

/* A GOSYNC_IOC_WAIT LOCK case: woken by a fast-path RUnlock too. */
static int select_lock(void *arg)
{
	struct gosync_wait_case c = { .fd = lock_arg->fd, .op = GOSYNC_CASE_LOCK };
	unsigned int index;

	(void)arg;
	return gosync_wait(dev, &c, 1, 0, LIVENESS_NS, &index) < 0 ? -1 :
		(errno = -c.error, c.error ? -1 : 0);
}

static bool t_poll_select_wake(void)
{
	struct gosync_fast f;
	struct bg w;
	int k;

	CHECK_OK(fast_create(&f, NULL));
	lock_arg = &f;
	for (k = 0; k < 2; k++) {
		CHECK_RET(gosync_fast_rwmutex_rlock(&f, -1), 0);
		CHECK_OK(bg_start(&w, k ? select_lock : poll_out, NULL));
		CHECK((!k || wait_queued(f.fd, 1)) && fenced(&f), "%s did not wait: %s",
		      k ? "select" : "poll", errname(w.err));
		CHECK_EQ(word(&f), READER | WAITERS);	/* a watcher: fenced */
		CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
		CHECK(bg_wait(&w, LIVENESS_NS), "%s not woken", k ? "select" : "poll");
		CHECK_EQ(w.err, 0);
		if (k) {
			CHECK_EQ(word(&f) & GOSYNC_RWMUTEX_WRITER, f.token);
			CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
		}
		/* the next kernel call gives the word back to the fast path */
		CHECK_RET(gosync_fast_rwmutex_trylock(&f), 0);
		CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
		CHECK_EQ(word(&f), 0);
	}
	CHECK(fast_close(&f), "close");
	return true;
}

/* Fast-path read locks are anonymous: they outlive a closing description. */
static bool t_close(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;

	CHECK_OK(fast_create(&a, tap_name(name, "close")));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_RWMUTEX, name, &b));
	CHECK_RET(gosync_fast_rwmutex_rlock(&b, -1), 0);
	CHECK_RET(gosync_rwmutex_rlock(b.fd, -1), 0);
	CHECK(fast_close(&b), "close");
	CHECK_EQ(word(&a), 2 * READER);
	CHECK_RET(gosync_fast_rwmutex_trylock(&a), EBUSY);
	CHECK_RET(gosync_fast_rwmutex_runlock(&a), 0);
	CHECK_RET(gosync_fast_rwmutex_runlock(&a), 0);
	/* a write lock too (non-robust: Go's) */
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_RWMUTEX, name, &b));
	CHECK_RET(gosync_fast_rwmutex_lock(&b, -1), 0);
	CHECK(fast_close(&b), "close");
	CHECK_EQ(word(&a), b.token);
	CHECK_RET(gosync_fast_rwmutex_unlock(&a), 0);
	CHECK_EQ(word(&a), 0);
	CHECK(fast_close(&a), "close");
	return true;
}

/*
 * A process scribbles on the page: the object misbehaves for its users (the
 * harness fails the run on any kernel report), but every call returns, and
 * writing 0 back makes it a working RWMutex again.
 */
static bool t_scribble(void)
{
	static const uint64_t junk[] = {
		~0ULL, WAITERS, 1ULL << 63, 1ULL << 31, GOSYNC_RWMUTEX_READERS,
		GOSYNC_RWMUTEX_READERS | 5, 0x123456789abcdefULL, READER | 7,
	};
	const unsigned int n = sizeof(junk) / sizeof(junk[0]);
	struct gosync_fast f;
	struct gosync_state st;
	struct pollfd pfd;
	unsigned int i;
	struct bg w;

	CHECK_OK(fast_create(&f, NULL));
	lock_arg = &f;
	for (i = 0; i < n; i++) {
		set_word(&f, junk[i]);
		(void)gosync_rwmutex_lock(f.fd, 5 * MS);
		(void)gosync_rwmutex_rlock(f.fd, 5 * MS);
		(void)gosync_rwmutex_trylock(f.fd);
		(void)gosync_rwmutex_tryrlock(f.fd);
		(void)gosync_fast_rwmutex_tryrlock(&f);
		(void)gosync_fast_rwmutex_trylock(&f);
		pfd = (struct pollfd){ .fd = f.fd, .events = POLLIN | POLLOUT };
		CHECK(poll(&pfd, 1, 0) >= 0, "poll");
		CHECK_OK(gosync_state(f.fd, &st, NULL, 0, NULL));
		(void)gosync_rwmutex_unlock(f.fd);
		(void)gosync_rwmutex_runlock(f.fd);
		(void)gosync_fast_rwmutex_runlock(&f);
		(void)gosync_fast_rwmutex_unlock(&f);
		/* a sleeper, then garbage, then an Unlock and an RUnlock */
		set_word(&f, 7);
		CHECK_OK(bg_start(&w, rlock_ioctl, NULL));
		CHECK(wait_queued(f.fd, 1), "RLock did not queue");
		set_word(&f, junk[(i + 1) % n]);
		(void)gosync_rwmutex_unlock(f.fd);
		(void)gosync_rwmutex_runlock(f.fd);
		set_word(&f, WAITERS);
		(void)gosync_rwmutex_unlock(f.fd);	/* EPERM, but wakes no one */
		set_word(&f, 7 | WAITERS);
		CHECK_RET(gosync_rwmutex_unlock(f.fd), 0);
		CHECK(bg_wait(&w, LIVENESS_NS), "sleeper not woken");
		CHECK_EQ(w.err, 0);
	}
	set_word(&f, 0);
	CHECK_RET(gosync_rwmutex_lock(f.fd, LIVENESS_NS), 0);
	CHECK_RET(gosync_fast_rwmutex_unlock(&f), 0);
	CHECK_RET(gosync_fast_rwmutex_rlock(&f, 0), 0);
	CHECK_RET(gosync_fast_rwmutex_runlock(&f), 0);
	CHECK_EQ(word(&f), 0);
	CHECK(fast_close(&f), "close");
	return true;
}

int main(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	dev = tap_dev("fast_rwmutex");
	tap_report(t_word(), "fast-rwmutex-word");
	tap_report(t_refused(), "fast-rwmutex-refused");
	tap_report(t_max_readers(), "fast-rwmutex-max-readers");
	tap_report(t_hammer(), "fast-rwmutex-hammer-mixed");
	tap_report(t_writer_preference(), "fast-rwmutex-writer-preference");
	tap_report(t_wake(), "fast-rwmutex-userspace-unlock-wakes");
	tap_report(t_poll(), "fast-rwmutex-poll");
	tap_report(t_poll_select_wake(), "fast-rwmutex-poll-select-woken");
	tap_report(t_close(), "fast-rwmutex-close-keeps-locks");
	tap_report(t_scribble(), "fast-rwmutex-scribbled-page");
	return tap_done(dev, "fast_rwmutex");
}
