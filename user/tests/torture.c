// SPDX-License-Identifier: GPL-2.0
/*
 * GOSYNC_IOC_TORTURE end to end: every primitive and mode runs briefly in
 * kthreads; invariants held (errors == 0), every thread made progress, the
 * per-thread results add up to the totals, exact counters lost nothing. And
 * every bad request gets its errno, and a second run while one runs EBUSY.
 */
#include <dirent.h>
#include <sys/ioctl.h>

#include "sync_util.h"

static int dev;

static int torture(struct gosync_torture *t, struct gosync_torture_thread *th)
{
	t->size = sizeof(*t);
	t->threads = (uintptr_t)th;
	return ioctl(dev, GOSYNC_IOC_TORTURE, t);
}

/*
 * One run of @ms: false with a reason if it broke an invariant, or, with
 * *@idle set, if a thread made no progress (ops == 0).
 */
static bool run_once(uint32_t type, uint32_t subtype, uint32_t writers, uint32_t readers,
		     uint32_t ms, bool *idle)
{
	struct gosync_torture_thread th[8];
	struct gosync_torture t = {
		.type = type, .subtype = subtype, .nr_writers = writers,
		.nr_readers = readers, .duration_ms = ms,
	};
	uint64_t w = 0, r = 0;

	*idle = false;
	memset(th, 0xaa, sizeof(th));
	CHECK_OK(torture(&t, th));
	CHECK_EQ(t.errors, 0);
	CHECK(t.elapsed_ns >= ms * 1000000ULL, "elapsed %llu ns", (unsigned long long)t.elapsed_ns);
	for (uint32_t i = 0; i < writers + readers; i++) {
		CHECK_EQ(th[i].writer, i < writers);
		CHECK_EQ(th[i].__reserved, 0);
		*idle |= !th[i].ops;
		*(th[i].writer ? &w : &r) += th[i].ops;
	}
	CHECK_EQ(t.write_ops, w);
	CHECK_EQ(t.read_ops, r);
	if (type == GOSYNC_TYPE_COUNTER && subtype != GOSYNC_COUNTER_RACY)
		CHECK_EQ(t.lost, 0);
	if (type == GOSYNC_TYPE_COUNTER && subtype == GOSYNC_COUNTER_RACY)
		CHECK(t.lost <= t.write_ops, "lost %llu > writes", (unsigned long long)t.lost);
	CHECK(!*idle, "a thread made no progress in %u ms", ms);
	return true;
}

/*
 * 200 ms, in which every thread must make progress. A thread the host kept
 * from running for all of it (TCG's vCPUs are host threads) gets one more
 * chance, over 2 s: it must progress then; the invariants hold in both.
 */
static bool t_run(uint32_t type, uint32_t subtype, uint32_t writers, uint32_t readers)
{
	bool idle;

	if (run_once(type, subtype, writers, readers, 200, &idle))
		return true;
	if (!idle)
		return false;
	printf("# a thread made no progress in 200 ms: again, for 2 s\n");
	tap_why[0] = 0;		/* the retry's reason, if any, is the one */
	return run_once(type, subtype, writers, readers, 2000, &idle);
}

static bool t_bad(void)
{
	struct gosync_torture_thread th[GOSYNC_TORTURE_MAX_THREADS + 1];
	struct gosync_torture ok = {
		.type = GOSYNC_TYPE_MUTEX, .nr_writers = 1, .duration_ms = 1,
	};
	struct gosync_torture t;

	t = ok; t.nr_writers = 0;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.nr_writers = GOSYNC_TORTURE_MAX_THREADS + 1;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.nr_writers = UINT32_MAX; t.nr_readers = 2;	/* the sum wraps */
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.duration_ms = 0;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.duration_ms = GOSYNC_TORTURE_MAX_MS + 1;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.nr_readers = 1;				/* a Mutex has no readers */
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.type = GOSYNC_TYPE_WAITGROUP;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.type = GOSYNC_TYPE_COUNTER; t.subtype = 99;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.type = GOSYNC_TYPE_MAP; t.subtype = 0;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok; t.flags = 1;
	CHECK_ERRNO(torture(&t, th), EINVAL, false);
	t = ok;
	t.size = sizeof(t);
	t.threads = 8;						/* unmapped */
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_TORTURE, &t), EFAULT, false);
	return true;
}

/* Is a torture kthread (gosync_tort/N) there? A run holds its lock while they are. */
static bool torture_threads(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[300], comm[32];

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		tap_read_file(path, comm, sizeof(comm));
		found = !strncmp(comm, "gosync_tort/", 12);
	}
	closedir(d);
	return found;
}

/* Wait until torture_threads() says @want; false if not within LIVENESS_NS. */
static bool wait_torture_threads(bool want)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (torture_threads() != want) {
		if (now_ns() > end)
			return false;
		sleep_ns(MS);
	}
	return true;
}

static int run_torture(void *arg)
{
	return torture(arg, NULL);
}

/*
 * One run at a time: while a long run's kthreads exist (it holds the lock
 * from before it makes them until after they stopped), a second valid run
 * is EBUSY, a bad one still EINVAL. A signal ends the long run (EINTR), and
 * the next run goes through: the lock was given back.
 */
static bool t_busy(void)
{
	struct gosync_torture first = {
		.type = GOSYNC_TYPE_MUTEX, .nr_writers = 1, .duration_ms = GOSYNC_TORTURE_MAX_MS,
	};
	struct gosync_torture ok = {
		.type = GOSYNC_TYPE_MUTEX, .nr_writers = 1, .duration_ms = 1,
	}, t;
	int second = -1, bad_flags = -1, bad_subtype = -1;
	bool running, stopped;
	struct bg b;

	install_sigusr1(false);
	/* an earlier run's kthreads may linger a moment after it returned */
	CHECK(wait_torture_threads(false), "torture kthreads still there");
	CHECK_OK(bg_start(&b, run_torture, &first));
	running = wait_torture_threads(true);
	if (running) {
		t = ok;
		second = torture(&t, NULL) < 0 ? errno : 0;
		t = ok; t.flags = 1;
		bad_flags = torture(&t, NULL) < 0 ? errno : 0;
		t = ok; t.type = GOSYNC_TYPE_COUNTER; t.subtype = 99;
		bad_subtype = torture(&t, NULL) < 0 ? errno : 0;
	}
	stopped = bg_interrupt(&b);		/* whatever happened: end the long run */
	CHECK(stopped, "the first run did not end on a signal");
	CHECK(running, "no torture kthread seen (first run: %s)",
	      atomic_load(&b.done) ? errname(b.err) : "running");
	CHECK(second == EBUSY, "second run: %s, expected EBUSY", errname(second));
	CHECK(bad_flags == EINVAL, "bad flags: %s, expected EINVAL", errname(bad_flags));
	CHECK(bad_subtype == EINVAL, "bad subtype: %s, expected EINVAL", errname(bad_subtype));
	CHECK(b.err == EINTR, "first run: %s, expected EINTR", errname(b.err));
	t = ok;
	CHECK_OK(torture(&t, NULL));
	return true;
}

int main(void)
{
	static const uint32_t modes[] = {
		GOSYNC_COUNTER_RACY, GOSYNC_COUNTER_ATOMIC, GOSYNC_COUNTER_SPINLOCK,
		GOSYNC_COUNTER_MUTEX, GOSYNC_COUNTER_RWSEM, GOSYNC_COUNTER_PERCPU,
	};
	static const uint32_t backends[] = { GOSYNC_MAP_SPIN, GOSYNC_MAP_RWSEM, GOSYNC_MAP_RCU };

	dev = tap_dev("torture");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		tap_report(t_run(GOSYNC_TYPE_COUNTER, modes[i], 2, 1), "torture-counter-%s",
			   gosync_counter_mode_name(modes[i]));
	tap_report(t_run(GOSYNC_TYPE_MUTEX, 0, 3, 0), "torture-mutex");
	tap_report(t_run(GOSYNC_TYPE_RWMUTEX, 0, 2, 2), "torture-rwmutex");
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		tap_report(t_run(GOSYNC_TYPE_MAP, backends[i], 2, 2), "torture-map-%u",
			   backends[i]);
	tap_report(t_bad(), "torture-bad-requests");
	tap_report(t_busy(), "torture-one-at-a-time");
	return tap_done(dev, "torture");
}
