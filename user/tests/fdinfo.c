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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("fdinfo");
	tap_report(t_object(), "fdinfo-object");
	tap_report(t_locks(), "fdinfo-locks");
	tap_report(t_mapped_rwmutex(), "fdinfo-mapped-rwmutex-readers-anonymous");
	tap_report(t_others(), "fdinfo-waitgroup-once-map-chan");
	return tap_done(dev, "fdinfo");
}
