// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: no work that grows with user input runs under a lock.
 *
 * big-map: with the soft-lockup watchdog at its lowest threshold (a CPU that
 * does not schedule for 2 s is reported) and the RCU stall timeout at 3 s,
 * fill a map of each backend to its default maximum (GOSYNC_MAP_DEFAULT_ENTRIES,
 * 1M entries: the spin table doubles up to 2^20 buckets on the way; rwsem,
 * the same table code, gets 64K, and rcu, whose Clear and destroy are
 * spin's (map_drain()) over rhashtable, 256K), Clear it, fill it again and
 * close it (the final destroy). Clear,
 * destroy and table doubling free or move nodes in bounded chunks, dropping
 * the lock between them; a report in the kernel log fails the test (and the
 * VM run). A probe thread of the highest real-time priority on the same CPU
 * sleeps 1 ms at a time and prints the longest it was kept from running:
 * that is how long the CPU ran without being preemptible.
 *
 * list: LIST pages through 65536 objects by id from the id index, and
 * must see each of them once, in order. A page near the end costs what a
 * page near the start does: both kinds of page are timed, interleaved in
 * one run, and printed (information only: no timing thresholds in tests);
 * a list walked from its head for every page (the old way) was some
 * thousand times slower at the end.
 *
 * The debug kernel (KASAN, kmemleak, lockdep: a Store costs ~200 us there)
 * runs big-map at 1/512 of the size (2048 entries: still 8 move chunks of
 * the largest doubling and 32 drain chunks) and list at 1/16: its reports,
 * not the timings, are what it
 * adds. So do kernels that run the module code another kernel ran at full
 * size (GOSYNC_TEST_SMALL set: scripts/check's 6.12 and 6.12-rt boots).
 */
#include <pthread.h>
#include <sched.h>
#include <sys/klog.h>
#include <time.h>

#include "sync_util.h"

static int dev;


/* ---- the latency probe ---- */

struct probe {
	pthread_t thread;
	volatile bool stop;
	double worst;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	while (!p->stop) {
		struct timespec ts = { 0, 1000000 };
		double t = tap_now(), late;

		nanosleep(&ts, NULL);
		late = tap_now() - t - 0.001;
		if (late > p->worst)
			p->worst = late;
	}
	return NULL;
}

static bool probe_start(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	/* no real-time scheduling: an ordinary thread still shows the spikes */
	return !start_cpu0(&p->thread, sched_get_priority_max(SCHED_FIFO), probe_main, p) ||
	       !start_cpu0(&p->thread, 0, probe_main, p);
}

static double probe_stop(struct probe *p)
{
	p->stop = true;
	pthread_join(p->thread, NULL);
	return p->worst;
}

/* ---- big maps ---- */

#define BATCH 4096

static bool fill(int fd, uint32_t n)
{
	static struct gosync_map_op ops[BATCH];
	static uint64_t keys[BATCH];
	unsigned int done = 0;

	for (uint32_t i = 0; i < n; i += BATCH) {
		unsigned int c = n - i < BATCH ? n - i : BATCH;

		for (unsigned int j = 0; j < c; j++) {
			keys[j] = i + j;
			ops[j] = (struct gosync_map_op){ .op = GOSYNC_MAP_STORE,
				.key = (uintptr_t)&keys[j], .key_len = 8 };
		}
		CHECK(gosync_map_batch(fd, ops, c, GOSYNC_BATCH_STOP_ON_ERROR, &done) == 0 &&
		      done == c && !ops[c - 1].error, "fill at %u: %s / op error %d", i,
		      tap_errname(errno), ops[done ? done - 1 : 0].error);
	}
	return true;
}

/* Kernel log lines that report a soft lockup or an RCU stall, since @mark. */
static bool log_clean(const char *mark)
{
	static char buf[1 << 20];
	int n = klogctl(3, buf, sizeof(buf) - 1);	/* SYSLOG_ACTION_READ_ALL */
	char *p;

	if (n < 0)
		return true;	/* cannot read it: scripts/logcheck still does */
	buf[n] = 0;
	p = strstr(buf, mark);
	/*
	 * No mark: the log wrapped past it (more than the buffer since), or
	 * the record never ended: what followed it cannot be checked.
	 */
	CHECK(p, "mark \"%s\" not in the kernel log (%d bytes read): cannot check it",
	      mark, n);
	CHECK(!strstr(p, "soft lockup") && !strstr(p, "self-detected stall") &&
	      !strstr(p, "rcu: INFO"), "the kernel reported a soft lockup or an RCU stall");
	return true;
}

static bool t_big_map(void)
{
	static const char *const bn[] = { NULL, "spin", "rwsem", "rcu" };
	const uint32_t full = tap_small() ? GOSYNC_MAP_DEFAULT_ENTRIES / 512 :
			      GOSYNC_MAP_DEFAULT_ENTRIES;
	char thresh[16] = "", stall[16] = "", mark[64], line[80];
	bool ok = true;

	snprintf(mark, sizeof(mark), "gosync-lockhold-%d", getpid());
	/*
	 * With its newline: a record without one stays open for a continuation,
	 * unread by syslog until another message ends it (none may follow).
	 */
	snprintf(line, sizeof(line), "%s\n", mark);
	CHECK(tap_write_file("/dev/kmsg", line), "write to /dev/kmsg: %s", tap_errname(errno));
	tap_read_file("/proc/sys/kernel/watchdog_thresh", thresh, sizeof(thresh));
	tap_read_file("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", stall,
		      sizeof(stall));
	tap_write_file("/proc/sys/kernel/watchdog_thresh", "1");
	tap_write_file("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", "3");
	printf("# big-map: watchdog_thresh 1 (was %s), rcu_cpu_stall_timeout 3 (was %s), "
	       "%u entries\n", thresh, stall, full);
	tap_pin_cpu0();

	for (unsigned int b = GOSYNC_MAP_SPIN; b <= GOSYNC_MAP_RCU && ok; b++) {
		/*
		 * rwsem's table is spin's (map_locked.c: the same chunked
		 * doubling, Clear and destroy under another lock): a sixteenth
		 * of the size there, still 2^16 buckets, saves a third of the
		 * test's time on 6.1. rcu's Clear and destroy are spin's
		 * (map.c's map_drain()) and its table is rhashtable, resized in
		 * a worker: a quarter, which saves a third again.
		 */
		const uint32_t n = full <= 65536 ? full :
				   b == GOSYNC_MAP_RWSEM ? full / 16 :
				   b == GOSYNC_MAP_RCU ? full / 4 : full;
		double t0, worst_clear, worst_destroy;
		struct probe p;
		uint64_t count = 0;
		int fd = gosync_map_create(dev, NULL, 0, b, 0, 0);

		if (fd < 0) {
			tap_reason(__LINE__, "create %s: %s", bn[b], tap_errname(errno));
			ok = false;
			break;
		}
		t0 = tap_now();
		ok = fill(fd, n);
		printf("# big-map: %s: %u entries stored in %.1f s\n", bn[b], n, tap_now() - t0);
		if (!ok) {
			close(fd);
			break;
		}
		probe_start(&p);
		if (gosync_map_clear(fd, &count) || count != n) {
			tap_reason(__LINE__, "%s: clear: %s, %" PRIu64 " entries", bn[b],
				   tap_errname(errno), count);
			ok = false;
		}
		worst_clear = probe_stop(&p);
		ok = ok && fill(fd, n);
		probe_start(&p);
		close(fd);
		/* the destroy ran in close(); its RCU frees follow */
		worst_destroy = probe_stop(&p);
		printf("# big-map: %s: the CPU stayed unpreemptible for at most %.1f ms in "
		       "Clear, %.1f ms in the final close\n", bn[b], worst_clear * 1e3,
		       worst_destroy * 1e3);
	}
	if (thresh[0])
		tap_write_file("/proc/sys/kernel/watchdog_thresh", thresh);
	if (stall[0])
		tap_write_file("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout", stall);
	return ok && log_clean(mark);
}

/* ---- LIST of many objects ---- */

static bool t_list(void)
{
	const unsigned int n = tap_small() ? 4096 : 65536;
	struct gosync_info page[16];
	unsigned int total = 0, seen = 0, made = 0;
	uint64_t first = 0, last = 0, cursor;
	double head = 0, tail = 0;
	char name[GOSYNC_NAME_MAX];
	bool ok = true;

	for (unsigned int i = 0; i < n; i++) {
		struct gosync_info info;
		int fd;

		snprintf(name, sizeof(name), "e2e-list-%d-%u", getpid(), i);
		fd = gosync_counter_create(dev, name, 0600, GOSYNC_COUNTER_ATOMIC, 0);
		if (fd < 0) {
			tap_reason(__LINE__, "create %u: %s", i, tap_errname(errno));
			ok = false;
			break;
		}
		if (!i || i == n - 1) {
			gosync_info(fd, &info);
			*(i ? &last : &first) = info.id;
		}
		close(fd);
		made++;
	}

	/* Every object once, in id order, 16 per call. */
	for (cursor = first; ok && cursor;) {
		uint64_t prev = cursor;
		int got = gosync_list(dev, page, 16, &cursor, &total);

		if (got < 0) {
			tap_reason(__LINE__, "list: %s", tap_errname(errno));
			ok = false;
			break;
		}
		for (int i = 0; i < got; i++) {
			if (page[i].id < prev) {
				tap_reason(__LINE__, "list went back: %" PRIu64 " after %" PRIu64,
					   (uint64_t)page[i].id, prev);
				ok = false;
			}
			prev = page[i].id + 1;
			seen += page[i].id >= first && page[i].id <= last;
		}
	}
	if (ok && seen != n) {
		tap_reason(__LINE__, "paging saw %u of our %u objects", seen, n);
		ok = false;
	}

	/* A page at the head and one at the tail, interleaved. */
	for (int round = 0; ok && round < 200; round++) {
		double t;

		cursor = first;
		t = tap_now();
		gosync_list(dev, page, 16, &cursor, &total);
		head += tap_now() - t;
		cursor = last - 20;
		t = tap_now();
		gosync_list(dev, page, 16, &cursor, &total);
		tail += tap_now() - t;
	}
	/*
	 * Information only (no timing thresholds in tests): the cursor is an
	 * xa_find() in the id index (gs_obj_list()), so the two should match.
	 */
	if (ok)
		printf("# list: %u objects; a page of 16 at the head %.1f us, at the tail %.1f us\n",
		       n, head / 200 * 1e6, tail / 200 * 1e6);
	for (unsigned int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "e2e-list-%d-%u", getpid(), i);
		gosync_unlink(dev, name);
	}
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("lockhold");
	/*
	 * big-map first: list closes thousands of objects, which the kernel
	 * frees afterwards in kfree_rcu() batches; under KASAN one batch kept
	 * a CPU busy for 4 s, which big-map's 2-second watchdog reported.
	 */
	tap_report(t_big_map(), "lockhold-big-map");
	tap_report(t_list(), "lockhold-list");
	return tap_done(dev, "lockhold");
}
