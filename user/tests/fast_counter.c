// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped fast path of an atomic-mode counter (GOSYNC_CREATE_MAPPED,
 * gosync_fast_counter_*()). Fast ops and ioctl ops on one counter from
 * threads and processes lose no update; every op agrees with its ioctl;
 * other counter modes refuse the flag; a scribbled page only breaks this
 * counter.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "sync_util.h"

static int dev;

#define THREADS	4
#define ITERS	20000

struct adder {
	struct gosync_fast *f;
	bool fast;
	atomic_int errors;
};

static void *adder_thread(void *p)
{
	struct adder *a = p;

	for (int i = 0; i < ITERS; i++)
		if ((a->fast ? gosync_fast_counter_add(a->f, 1, NULL) :
			       gosync_counter_add(a->f->fd, 1, NULL)) < 0)
			atomic_fetch_add(&a->errors, 1);
	return NULL;
}

/* A process of its own, with its own description and mapping: fast Adds. */
static const char *proc_name;

static int proc_adder(void *arg)
{
	struct gosync_fast f;
	int d = gosync_dev_open(), fd;

	(void)arg;
	fd = gosync_open(d, proc_name, GOSYNC_TYPE_COUNTER);
	if (fd < 0 || gosync_fast_open(fd, &f) < 0)
		return 10;
	for (int i = 0; i < ITERS; i++)
		if ((i & 1 ? gosync_fast_counter_add(&f, 1, NULL) :
			     gosync_counter_add(fd, 1, NULL)) < 0)
			return 11;
	gosync_fast_close(&f);
	return 0;
}

static bool t_no_lost_updates(void)
{
	char name[GOSYNC_NAME_MAX];
	struct adder a[THREADS];
	struct gosync_fast f;
	pthread_t t[THREADS];
	pid_t pids[2];
	int64_t v;
	int fd;

	proc_name = tap_name(name, "fastctr");
	fd = CHECK_OK(gosync_fast_counter_create(dev, proc_name, 0, 5, &f));
	for (int i = 0; i < 2; i++)
		pids[i] = spawn(proc_adder, NULL);
	for (int i = 0; i < THREADS; i++) {
		a[i] = (struct adder){ .f = &f, .fast = i & 1 };
		CHECK(!pthread_create(&t[i], NULL, adder_thread, &a[i]), "pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(atomic_load(&a[i].errors), 0);
	}
	for (int i = 0; i < 2; i++)
		CHECK_EQ(reap(pids[i]), 0);
	CHECK_OK(gosync_fast_counter_load(&f, &v));
	CHECK_EQ(v, 5 + (int64_t)(THREADS + 2) * ITERS);
	CHECK_OK(gosync_counter_load(fd, &v));
	CHECK_EQ(v, 5 + (int64_t)(THREADS + 2) * ITERS);
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* Each fast op against the ioctl's view of the same word. */
static bool t_ops_agree(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_fast_counter_create(dev, NULL, 0, 42, &f));
	int64_t v, old;
	bool swapped;

	CHECK_EQ(f.words->counter, 42);			/* the initial value is the word's */
	CHECK_OK(gosync_fast_counter_add(&f, -2, &v));
	CHECK_EQ(v, 40);
	CHECK_OK(gosync_counter_add(fd, 2, &v));
	CHECK_EQ(v, 42);
	CHECK_OK(gosync_fast_counter_store(&f, INT64_MAX));
	CHECK_OK(gosync_counter_add(fd, 1, &v));	/* wraps as atomic.AddInt64 */
	CHECK_EQ(v, INT64_MIN);
	CHECK_OK(gosync_fast_counter_add(&f, -1, &v));
	CHECK_EQ(v, INT64_MAX);
	CHECK_OK(gosync_fast_counter_swap(&f, 7, &old));
	CHECK_EQ(old, INT64_MAX);
	CHECK_OK(gosync_counter_swap(fd, 8, &old));
	CHECK_EQ(old, 7);
	CHECK_OK(gosync_fast_counter_cas(&f, 7, 9, &swapped));
	CHECK(!swapped, "CAS from a stale value swapped");
	CHECK_OK(gosync_fast_counter_cas(&f, 8, 9, &swapped));
	CHECK(swapped, "CAS failed");
	CHECK_OK(gosync_counter_cas(fd, 9, 10, &swapped));
	CHECK(swapped, "ioctl CAS failed on a fast-stored value");
	CHECK_OK(gosync_fast_counter_load(&f, &v));
	CHECK_EQ(v, 10);
	CHECK_OK(gosync_counter_reset(fd, &old));
	CHECK_EQ(old, 10);
	CHECK_OK(gosync_fast_counter_load(&f, &v));
	CHECK_EQ(v, 0);
	/* fdinfo reads the same word */
	CHECK_OK(gosync_fast_counter_store(&f, 123));
	CHECK(!strcmp(fdinfo(fd, "counter-value"), "123"), "fdinfo %s",
	      fdinfo(fd, "counter-value"));
	gosync_fast_close(&f);
	close(fd);
	return true;
}

/* The other modes exist to show what kernel primitives cost: refused. */
static bool t_other_modes_refuse(void)
{
	static const unsigned int modes[] = {
		GOSYNC_COUNTER_RACY, GOSYNC_COUNTER_SPINLOCK, GOSYNC_COUNTER_MUTEX,
		GOSYNC_COUNTER_RWSEM, GOSYNC_COUNTER_PERCPU,
	};
	unsigned int before = tap_nr_objects(dev);
	struct gosync_fast f;
	int fd;

	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct gosync_create c = {
			.type = GOSYNC_TYPE_COUNTER, .flags = GOSYNC_CREATE_MAPPED,
			.counter = { .mode = modes[i] },
		};

		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	}
	CHECK_EQ(tap_nr_objects(dev), before);
	/* An unmapped atomic counter has no page to map. */
	fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	CHECK_ERRNO(gosync_fast_open(fd, &f), ENODEV, false);
	close(fd);
	return true;
}

/*
 * Garbage in the whole page: the counter holds garbage, nothing else breaks;
 * a counter created beside it, with a page of its own, still counts exactly.
 */
static bool t_scribble(void)
{
	struct gosync_fast f, g;
	int fd = CHECK_OK(gosync_fast_counter_create(dev, NULL, 0, 0, &f));
	int gfd = CHECK_OK(gosync_fast_counter_create(dev, NULL, 0, 7, &g));
	struct gosync_info info;
	char want[32];
	int64_t v;

	memset(f.words, 0xa5, (size_t)sysconf(_SC_PAGESIZE));
	CHECK_OK(gosync_counter_load(fd, &v));
	CHECK_EQ((uint64_t)v, 0xa5a5a5a5a5a5a5a5ULL);
	/* the garbage is its value now: Add still adds to it (wrapping) */
	CHECK_OK(gosync_counter_add(fd, 1, &v));
	CHECK_EQ((uint64_t)v, 0xa5a5a5a5a5a5a5a6ULL);
	snprintf(want, sizeof(want), "%" PRId64, v);
	CHECK(!strcmp(fdinfo(fd, "counter-value"), want), "fdinfo counter-value %s, not %s",
	      fdinfo(fd, "counter-value"), want);
	/* INFO must work; what its stats say of a scribbled counter is not checked */
	CHECK_OK(gosync_info(fd, &info));
	/* the other counter: untouched, and every op on it exact */
	CHECK_EQ(g.words->counter, 7);
	CHECK_OK(gosync_counter_load(gfd, &v));
	CHECK_EQ(v, 7);
	CHECK_OK(gosync_counter_add(gfd, 1, &v));
	CHECK_EQ(v, 8);
	CHECK_OK(gosync_fast_counter_add(&g, 2, &v));
	CHECK_EQ(v, 10);
	CHECK_OK(gosync_fast_counter_load(&g, &v));
	CHECK_EQ(v, 10);
	CHECK(!strcmp(fdinfo(gfd, "counter-value"), "10"), "fdinfo counter-value %s",
	      fdinfo(gfd, "counter-value"));
	gosync_fast_close(&f);
	close(fd);
	CHECK(fast_close(&g), "close");
	return true;
}

int main(void)
{
	dev = tap_dev("fast_counter");
	tap_report(t_no_lost_updates(), "fast-counter-threads-processes-exact-total");
	tap_report(t_ops_agree(), "fast-counter-ops-agree-with-ioctl");
	tap_report(t_other_modes_refuse(), "fast-counter-other-modes-einval");
	tap_report(t_scribble(), "fast-counter-scribbled-page");
	return tap_done(dev, "fast_counter");
}
