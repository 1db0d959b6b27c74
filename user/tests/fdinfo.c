// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: /proc/self/fdinfo/FD of a gosync fd shows the object and the state of
 * its primitive, as eventfd and pidfd show theirs: id, type, name, owner,
 * then a counter's value, who holds a Mutex or an RWMutex (this file or
 * another), a WaitGroup's counter and waiters, a Once's state, a map's
 * length, a channel's length, capacity and longest message.
 */
#include "sync_util.h"

static int dev;

#define CHECK_INFO(fd, key, want) do {						\
	const char *_got = fdinfo(fd, key);					\
	CHECK(!strcmp(_got, want), "%s: \"%s\", expected \"%s\"", key, _got, want); \
} while (0)

static bool t_object(void)
{
	char name[GOSYNC_NAME_MAX], id[32];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "fdinfo"), 0640,
						GOSYNC_COUNTER_ATOMIC, 41));
	int64_t v;

	CHECK_OK(gosync_info(fd, &info));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)info.id);
	CHECK_INFO(fd, "gosync-id", id);
	CHECK_INFO(fd, "gosync-type", "counter");
	CHECK_INFO(fd, "gosync-name", name);
	CHECK_INFO(fd, "gosync-owner", "0:0 0640");
	CHECK_INFO(fd, "gosync-files", "1");
	CHECK_INFO(fd, "counter-value", "41");
	CHECK_OK(gosync_counter_add(fd, 1, &v));
	CHECK_INFO(fd, "counter-value", "42");
	close(fd);
	return true;
}

static bool t_locks(void)
{
	char name[GOSYNC_NAME_MAX];
	int mu = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "fdmu"), 0, 0));
	int other = CHECK_OK(gosync_open(dev, name, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));

	CHECK_INFO(mu, "mutex-locked", "no");
	CHECK_OK(gosync_mutex_lock(mu, -1));
	CHECK_INFO(mu, "mutex-locked", "by this file");
	CHECK_INFO(other, "mutex-locked", "yes");
	CHECK_INFO(other, "gosync-files", "2");
	CHECK_INFO(mu, "mutex-waiters", "0");
	CHECK_OK(gosync_mutex_unlock(mu));
	CHECK_INFO(other, "mutex-locked", "no");

	CHECK_OK(gosync_rwmutex_rlock(rw, -1));
	CHECK_OK(gosync_rwmutex_rlock(rw, -1));
	CHECK_INFO(rw, "rwmutex-readers", "2 (2 by this file)");
	CHECK_INFO(rw, "rwmutex-write-locked", "no");
	CHECK_OK(gosync_rwmutex_runlock(rw));
	CHECK_OK(gosync_rwmutex_runlock(rw));
	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK_INFO(rw, "rwmutex-write-locked", "by this file");
	CHECK_OK(gosync_rwmutex_unlock(rw));
	close(mu);
	close(other);
	close(rw);
	return true;
}

/* A mapped RWMutex's read locks belong to no file: fdinfo does not claim them. */
static bool t_mapped_rwmutex(void)
{
	struct gosync_fast f;
	int rw = CHECK_OK(gosync_fast_rwmutex_create(dev, NULL, 0, GOSYNC_LOCK_ATTR_NONROBUST, &f));

	CHECK_OK(gosync_fast_rwmutex_rlock(&f, -1));
	CHECK_OK(gosync_rwmutex_rlock(rw, -1));
	CHECK_INFO(rw, "rwmutex-readers", "2 (mapped: anonymous)");
	CHECK_INFO(rw, "rwmutex-write-locked", "no");
	CHECK_OK(gosync_fast_rwmutex_runlock(&f));
	CHECK_OK(gosync_fast_rwmutex_runlock(&f));
	CHECK_INFO(rw, "rwmutex-readers", "0 (mapped: anonymous)");
	CHECK_OK(gosync_fast_rwmutex_lock(&f, -1));
	CHECK_INFO(rw, "rwmutex-write-locked", "by this file");
	CHECK_OK(gosync_fast_rwmutex_unlock(&f));
	gosync_fast_close(&f);
	close(rw);
	return true;
}

static bool t_others(void)
{
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int once = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	int map = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0));
	int ch = CHECK_OK(gosync_chan_create(dev, NULL, 0, 2, 100));
	unsigned int r;
	int64_t c;

	CHECK_OK(gosync_waitgroup_add(wg, 3, &c));
	CHECK_INFO(wg, "waitgroup-counter", "3");
	CHECK_INFO(wg, "waitgroup-waiters", "0");
	CHECK_INFO(once, "once-state", "new");
	CHECK_OK(gosync_once_do(once, -1, &r));
	CHECK_INFO(once, "once-state", "running (by this file)");
	CHECK_OK(gosync_once_complete(once));
	CHECK_INFO(once, "once-state", "done");
	CHECK_OK(gosync_map_store(map, "k", 1, "vv", 2));
	CHECK_INFO(map, "map-len", "1");
	CHECK_INFO(map, "map-bytes", "3");
	CHECK_OK(gosync_chan_send(ch, "m", 1, 0));
	CHECK_INFO(ch, "chan-len", "1");
	CHECK_INFO(ch, "chan-cap", "2");
	CHECK_INFO(ch, "chan-closed", "0");
	CHECK_INFO(ch, "chan-msg-max", "100");
	close(ch);
	close(wg);
	close(once);
	close(map);
	return true;
}

static int lock_fn(void *p) { return gosync_mutex_lock(*(int *)p, -1); }
static int rlock_fn(void *p) { return gosync_rwmutex_rlock(*(int *)p, -1); }
static int recv_fn(void *p)
{
	char buf[8];

	return gosync_chan_recv(*(int *)p, buf, sizeof(buf), NULL, NULL, -1);
}
static int send_fn(void *p) { return gosync_chan_send(*(int *)p, "s", 1, -1); }

/*
 * The keys nothing else reads (docs/uapi.md, `GOSYNC_IOC_INFO`, on fdinfo), each
 * with a value that follows a known state: who waits, the state's flags, the
 * wait histogram as BUCKET:COUNT, a map's limits.
 */
static bool t_waiters_state(void)
{
	char name[GOSYNC_NAME_MAX], rname[GOSYNC_NAME_MAX];
	int mu = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "fdwmu"), 0, 0));
	int mu2 = CHECK_OK(gosync_open(dev, name, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, tap_name(rname, "fdwrw"), 0, 0));
	int rw2 = CHECK_OK(gosync_open(dev, rname, 0));
	int ch = CHECK_OK(gosync_chan_create(dev, NULL, 0, 0, 100));
	int map = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 10, 1000));
	unsigned int bucket, n;
	unsigned long long count;
	const char *hist, *starving;
	char buf[8];
	struct bg b;

	CHECK_INFO(map, "map-max", "10 entries, 1000 bytes");

	/* a Mutex: its flags, a waiter, then that one wait in the histogram */
	CHECK_INFO(mu, "gosync-state", "0x0");
	CHECK_INFO(mu, "mutex-starving", "0");
	CHECK_INFO(mu, "gosync-wait-hist", "");
	CHECK_OK(gosync_mutex_lock(mu, -1));
	CHECK_INFO(mu, "gosync-state", "0x1");
	CHECK(!bg_start(&b, lock_fn, &mu2), "pthread_create");
	CHECK(wait_queued(mu, 1), "no Lock waits");
	CHECK_INFO(mu, "mutex-waiters", "1");
	/*
	 * Either: Go's rule is a clock's, and a waiter whose try came over
	 * 1 ms after it queued (its vCPU preempted under TCG, say) switched
	 * the mode on. Its taking the lock as the last waiter ends it.
	 */
	starving = fdinfo(mu2, "mutex-starving");
	CHECK(!strcmp(starving, "0") || !strcmp(starving, "1"), "mutex-starving: \"%s\"",
	      starving);
	CHECK_OK(gosync_mutex_unlock(mu));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "the waiting Lock failed: %s", errname(b.err));
	CHECK_INFO(mu, "mutex-waiters", "0");
	CHECK_INFO(mu, "mutex-starving", "0");
	hist = fdinfo(mu, "gosync-wait-hist");
	n = 0;
	CHECK(sscanf(hist, "%u:%llu%n", &bucket, &count, &n) == 2 && !hist[n] && count == 1,
	      "gosync-wait-hist: \"%s\", expected one BUCKET:1", hist);
	CHECK_OK(gosync_mutex_unlock(mu2));

	/* an RWMutex: an RLock waits behind the write lock */
	CHECK_INFO(rw, "rwmutex-waiters", "0");
	CHECK_OK(gosync_rwmutex_lock(rw, -1));
	CHECK_INFO(rw, "gosync-state", "0x1");
	CHECK(!bg_start(&b, rlock_fn, &rw2), "pthread_create");
	CHECK(wait_queued(rw, 1), "no RLock waits");
	CHECK_INFO(rw, "rwmutex-waiters", "1");
	CHECK_OK(gosync_rwmutex_unlock(rw));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "the waiting RLock failed: %s", errname(b.err));
	CHECK_INFO(rw, "rwmutex-waiters", "0");
	CHECK_OK(gosync_rwmutex_runlock(rw2));

	/* an unbuffered channel: a waiting receiver, then a waiting sender */
	CHECK_INFO(ch, "chan-receivers", "0");
	CHECK_INFO(ch, "chan-senders", "0");
	CHECK(!bg_start(&b, recv_fn, &ch), "pthread_create");
	CHECK(wait_receivers(ch, 1), "no recv waits");
	CHECK_INFO(ch, "chan-receivers", "1");
	CHECK_INFO(ch, "chan-senders", "0");
	CHECK_OK(gosync_chan_send(ch, "r", 1, -1));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "the waiting recv failed: %s", errname(b.err));
	CHECK_INFO(ch, "chan-receivers", "0");
	CHECK(!bg_start(&b, send_fn, &ch), "pthread_create");
	CHECK(wait_queued(ch, 1), "no send waits");
	CHECK_INFO(ch, "chan-senders", "1");
	CHECK_INFO(ch, "chan-receivers", "0");
	CHECK_OK(gosync_chan_recv(ch, buf, sizeof(buf), NULL, NULL, -1));
	CHECK(bg_wait(&b, LIVENESS_NS) && !b.err, "the waiting send failed: %s", errname(b.err));
	CHECK_INFO(ch, "chan-senders", "0");
	CHECK_INFO(ch, "gosync-state", "0x0");
	CHECK_OK(gosync_chan_close(ch));
	CHECK_INFO(ch, "gosync-state", "0x4");
	close(mu);
	close(mu2);
	close(rw);
	close(rw2);
	close(ch);
	close(map);
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("fdinfo");
	tap_report(t_object(), "fdinfo-object");
	tap_report(t_locks(), "fdinfo-locks");
	tap_report(t_mapped_rwmutex(), "fdinfo-mapped-rwmutex-readers-anonymous");
	tap_report(t_others(), "fdinfo-waitgroup-once-map-chan");
	tap_report(t_waiters_state(), "fdinfo-waiters-state-hist-map-max");
	return tap_done(dev, "fdinfo");
}
