// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped Semaphore (GOSYNC_CREATE_MAPPED, non-robust) and
 * libgosync's fast path. The word (uapi header, kmod/sem.c): free permits,
 * and GOSYNC_SEM_KERNEL while the kernel has waiters or pollers. Fast-path
 * and ioctl users mixed across threads and processes never over-admit and
 * conserve permits; a large Acquire queued in the kernel is not starved by
 * small fast-path Acquires; waiters and pollers are woken by a fast-path
 * Release; errors stay the ioctl's; robust Semaphores refuse the flag; and
 * a page a process scribbles on breaks only that Semaphore.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "sync_util.h"

static int dev;

static uint64_t word(struct gosync_fast *f)
{
	return __atomic_load_n(&f->words->sem, __ATOMIC_SEQ_CST);
}

static uint64_t kernel_stat(int fd, unsigned int i)
{
	struct gosync_info info;

	if (gosync_info(fd, &info) < 0)
		return ~0ULL;
	return info.stats[i];
}

static uint64_t avail(int fd)
{
	uint64_t a = ~0ULL;

	gosync_sem_load(fd, NULL, &a, NULL);
	return a;
}

/* Wait until the kernel has @n Acquires queued (fdinfo); false if never. */
static bool queued(int fd, int n)
{
	char want[16];
	int64_t end = now_ns() + LIVENESS_NS;

	snprintf(want, sizeof(want), "%d", n);
	while (strcmp(fdinfo(fd, "sem-waiters"), want)) {
		if (now_ns() > end)
			return false;
		sleep_ns(MS);
	}
	return true;
}

/* Wait until the kernel owns the word (a poller fenced it); false if never. */
static bool fenced(struct gosync_fast *f)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (!(word(f) & GOSYNC_SEM_KERNEL)) {
		if (now_ns() > end)
			return false;
		sleep_ns(MS);
	}
	return true;
}

/* The word is the free count; uncontended, the kernel sees nothing. */
static bool t_word(void)
{
	struct gosync_fast f;
	uint64_t acq;

	CHECK_OK(gosync_fast_sem_create(dev, NULL, 0, 5, GOSYNC_SEM_ATTR_NONROBUST, &f));
	CHECK_EQ(word(&f), 5);
	CHECK_EQ(f.words->sem_size, 5);
	acq = kernel_stat(f.fd, GOSYNC_STAT_SEM_ACQUIRES);
	CHECK_RET(gosync_fast_sem_acquire(&f, 3, -1), 0);
	CHECK_EQ(word(&f), 2);
	CHECK_EQ(avail(f.fd), 2);			/* the kernel agrees */
	CHECK_RET(gosync_fast_sem_tryacquire(&f, 3), EBUSY);
	CHECK_RET(gosync_fast_sem_tryacquire(&f, 2), 0);
	CHECK_EQ(word(&f), 0);
	CHECK_EQ(kernel_stat(f.fd, GOSYNC_STAT_SEM_ACQUIRES), acq);
	CHECK_RET(gosync_fast_sem_release(&f, 5), 0);
	CHECK_EQ(word(&f), 5);
	/* the ioctl's errors: x/sync's "released more than held", n 0, n > size */
	CHECK_RET(gosync_fast_sem_release(&f, 1), EPERM);
	CHECK_EQ(word(&f), 5);
	CHECK_RET(gosync_fast_sem_release(&f, 0), EINVAL);
	CHECK_RET(gosync_fast_sem_acquire(&f, 0, -1), EINVAL);
	CHECK_RET(gosync_fast_sem_acquire(&f, 6, -1), EINVAL);
	CHECK_RET(gosync_fast_sem_tryacquire(&f, 6), EINVAL);
	/* mixed with the ioctls on one object */
	CHECK_RET(gosync_sem_acquire(f.fd, 4, -1), 0);
	CHECK_EQ(word(&f), 1);
	CHECK_RET(gosync_fast_sem_release(&f, 4), 0);
	CHECK_EQ(word(&f), 5);
	fast_close(&f);
	return true;
}

/* Robust Semaphores keep their permits per description: not mapped. */
static bool t_refuse(void)
{
	struct gosync_fast f;
	int fd;

	CHECK_RET(gosync_fast_sem_create(dev, NULL, 0, 5, 0, &f), EINVAL);
	fd = CHECK_OK(gosync_sem_create(dev, NULL, 0, 5, GOSYNC_SEM_ATTR_NONROBUST));
	CHECK_RET(gosync_fast_open(fd, &f), ENODEV);
	close(fd);
	return true;
}

/*
 * x/sync's TestWeighted hammer with fast and ioctl users, threads and
 * processes: holders counted in shared memory never exceed the size, and
 * every permit is back at the end.
 */
#define HAM_SIZE	3
#define HAM_THREADS	4
#define HAM_PROCS	2
#define HAM_ITERS	3000

struct ham {
	const char *name;
	atomic_long *held;	/* permits held now, shared */
	atomic_long *over;	/* times held exceeded the size */
	int seed;
	bool fast;
};

static int ham_run(struct ham *h)
{
	struct gosync_fast f;
	unsigned int seed = (unsigned int)h->seed;
	int fd = gosync_open(dev, h->name, GOSYNC_TYPE_SEM), i, ret = 0;

	if (fd < 0 || (h->fast && gosync_fast_open(fd, &f) < 0))
		return -1;
	for (i = 0; i < HAM_ITERS && !ret; i++) {
		uint64_t n = 1 + rand_r(&seed) % 2;
		bool fast = h->fast && (rand_r(&seed) & 3);

		ret = fast ? gosync_fast_sem_acquire(&f, n, LIVENESS_NS) :
			     gosync_sem_acquire(fd, n, LIVENESS_NS);
		if (ret)
			break;
		if (atomic_fetch_add(h->held, (long)n) + (long)n > HAM_SIZE)
			atomic_fetch_add(h->over, 1);
		atomic_fetch_sub(h->held, (long)n);
		fast = h->fast && (rand_r(&seed) & 3);
		ret = fast ? gosync_fast_sem_release(&f, n) : gosync_sem_release(fd, n);
	}
	if (h->fast)
		gosync_fast_close(&f);
	close(fd);
	return ret;
}

static void *ham_thread(void *p)
{
	return (void *)(long)ham_run(p);
}

static int ham_child(void *p)
{
	return ham_run(p) != 0;
}

static bool t_hammer(void)
{
	char name[GOSYNC_NAME_MAX];
	atomic_long *sh = mmap(NULL, 2 * sizeof(atomic_long), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct ham h[HAM_THREADS + HAM_PROCS];
	pthread_t t[HAM_THREADS];
	pid_t pid[HAM_PROCS];
	struct gosync_fast f;
	int i, bad = 0;
	void *r;

	CHECK(sh != MAP_FAILED, "mmap");
	CHECK_OK(gosync_fast_sem_create(dev, tap_name(name, "hammer"), 0, HAM_SIZE,
					GOSYNC_SEM_ATTR_NONROBUST, &f));
	for (i = 0; i < HAM_THREADS + HAM_PROCS; i++)
		h[i] = (struct ham){ .name = name, .held = &sh[0], .over = &sh[1],
				     .seed = i + 1, .fast = i != 0 };
	for (i = 0; i < HAM_PROCS; i++)
		pid[i] = spawn(ham_child, &h[HAM_THREADS + i]);
	for (i = 0; i < HAM_THREADS; i++)
		CHECK(!pthread_create(&t[i], NULL, ham_thread, &h[i]), "pthread_create");
	for (i = 0; i < HAM_THREADS; i++) {
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	for (i = 0; i < HAM_PROCS; i++)
		bad += reap(pid[i]) != 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(atomic_load(&sh[1]), 0);		/* never over-admitted */
	CHECK_EQ(word(&f), HAM_SIZE);			/* conserved, handed back */
	CHECK_EQ(avail(f.fd), HAM_SIZE);
	fast_close(&f);
	munmap(sh, 2 * sizeof(atomic_long));
	return true;
}

static int acquire_all(void *p)
{
	struct gosync_fast *f = p;

	return gosync_fast_sem_acquire(f, f->words->sem_size, LIVENESS_NS);
}

/*
 * x/sync's TestLargeAcquireDoesntStarve: a large Acquire queued in the
 * kernel sets the KERNEL bit, so small fast-path Acquires cannot take the
 * free permits past it; a fast-path Release then goes to the kernel, which
 * grants it.
 */
static bool t_fifo(void)
{
	struct gosync_fast f;
	struct bg big;
	int i;

	CHECK_OK(gosync_fast_sem_create(dev, NULL, 0, 4, GOSYNC_SEM_ATTR_NONROBUST, &f));
	CHECK_RET(gosync_fast_sem_acquire(&f, 1, -1), 0);
	CHECK_OK(bg_start(&big, acquire_all, &f));
	CHECK(queued(f.fd, 1), "Acquire(4) did not queue");
	CHECK_EQ(word(&f), 3 | GOSYNC_SEM_KERNEL);
	for (i = 0; i < 100; i++)
		CHECK_RET(gosync_fast_sem_tryacquire(&f, 1), EBUSY);
	CHECK_RET(gosync_fast_sem_acquire(&f, 1, 0), ETIMEDOUT);
	CHECK(!atomic_load(&big.done), "the large Acquire returned");
	CHECK_RET(gosync_fast_sem_release(&f, 1), 0);
	CHECK(bg_wait(&big, LIVENESS_NS), "the large Acquire was not woken");
	CHECK_EQ(big.err, 0);
	CHECK_EQ(word(&f), 0);				/* no waiter: userspace's again */
	CHECK_RET(gosync_fast_sem_release(&f, 4), 0);
	CHECK_EQ(word(&f), 4);
	fast_close(&f);
	return true;
}

static int acquire_one(void *p)
{
	return gosync_fast_sem_acquire(p, 1, LIVENESS_NS);
}

static int poll_in(void *p)
{
	struct pollfd pfd = { .fd = ((struct gosync_fast *)p)->fd, .events = POLLIN };

	return poll(&pfd, 1, (int)(LIVENESS_NS / MS)) == 1 && (pfd.revents & POLLIN) ? 0 : -1;
}

/* Waiters and pollers asleep in the kernel are woken by a fast-path Release. */
static bool t_wake(void)
{
	struct gosync_fast f;
	struct bg w, p;

	CHECK_OK(gosync_fast_sem_create(dev, NULL, 0, 1, GOSYNC_SEM_ATTR_NONROBUST, &f));
	CHECK_RET(gosync_fast_sem_acquire(&f, 1, -1), 0);
	CHECK_OK(bg_start(&w, acquire_one, &f));
	CHECK(queued(f.fd, 1), "Acquire did not queue");
	CHECK_EQ(word(&f), GOSYNC_SEM_KERNEL);
	CHECK_RET(gosync_fast_sem_release(&f, 1), 0);
	CHECK(bg_wait(&w, LIVENESS_NS), "waiter not woken");
	CHECK_EQ(w.err, 0);

	/* a poller: its sleep keeps the word the kernel's */
	CHECK_EQ(word(&f), 0);
	CHECK_OK(bg_start(&p, poll_in, &f));
	CHECK(fenced(&f), "poll did not fence the word");
	CHECK(!atomic_load(&p.done), "poll returned on a full Semaphore");
	CHECK_RET(gosync_fast_sem_release(&f, 1), 0);
	CHECK(bg_wait(&p, LIVENESS_NS), "poller not woken");
	CHECK_EQ(p.err, 0);
	CHECK_EQ(avail(f.fd), 1);
	fast_close(&f);
	return true;
}

/*
 * Garbage in the page: the kernel clamps it to a count and goes on, with no
 * report in the log (the run checks); a waiter whose KERNEL bit was
 * scribbled away still leaves on a signal; other Semaphores are untouched.
 */
static bool t_scribble(void)
{
	static const uint64_t junk[] = {
		~0ULL, GOSYNC_SEM_KERNEL, GOSYNC_SEM_FREE, 7 | GOSYNC_SEM_KERNEL, 1000, 0,
	};
	struct gosync_fast f, g;
	struct bg w;
	unsigned int i;
	int ret;

	install_sigusr1(false);
	CHECK_OK(gosync_fast_sem_create(dev, NULL, 0, 3, GOSYNC_SEM_ATTR_NONROBUST, &f));
	CHECK_OK(gosync_fast_sem_create(dev, NULL, 0, 3, GOSYNC_SEM_ATTR_NONROBUST, &g));
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		f.words->sem = junk[i];
		f.words->sem_size = junk[i];
		CHECK(avail(f.fd) <= 3, "avail %llu", (unsigned long long)avail(f.fd));
		ret = gosync_sem_tryacquire(f.fd, 1);
		CHECK(!ret || errno == EBUSY, "tryacquire: %s", errname(errno));
		CHECK_RET(gosync_sem_acquire(f.fd, 4, -1), EINVAL);
		ret = gosync_sem_release(f.fd, 2);
		CHECK(!ret || errno == EPERM, "release: %s", errname(errno));
		(void)gosync_fast_sem_tryacquire(&f, 1);
		(void)gosync_fast_sem_release(&f, 1);
	}
	f.words->sem = 0;
	f.words->sem_size = 3;
	CHECK_OK(bg_start(&w, acquire_one, &f));
	CHECK(queued(f.fd, 1), "Acquire did not queue");
	f.words->sem = 2;				/* the KERNEL bit gone */
	CHECK(bg_interrupt(&w), "waiter did not leave on a signal");
	CHECK(w.err == 0 || w.err == EINTR, "waiter: %s", errname(w.err));
	CHECK_EQ(word(&g), 3);
	CHECK_RET(gosync_fast_sem_acquire(&g, 3, -1), 0);
	CHECK_RET(gosync_fast_sem_release(&g, 3), 0);
	fast_close(&f);
	fast_close(&g);
	return true;
}

int main(void)
{
	dev = tap_dev("fast_sem");
	tap_report(t_word(), "fast_sem-word-errors");
	tap_report(t_refuse(), "fast_sem-robust-refused");
	tap_report(t_hammer(), "fast_sem-mixed-hammer");
	tap_report(t_fifo(), "fast_sem-large-acquire-not-starved");
	tap_report(t_wake(), "fast_sem-woken-by-fast-release");
	tap_report(t_scribble(), "fast_sem-scribbled-page");
	return tap_done(dev, "fast_sem");
}
