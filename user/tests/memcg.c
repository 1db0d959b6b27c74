// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: memory accounting and per-user limits.
 *
 * memcg: gosync allocates with GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL, so a
 * process in a cgroup v2 with memory.max = 48 MiB that stores 64 KiB values
 * into maps until something fails must see ENOMEM (or ENOSPC from a module
 * limit) and live: the charge fails instead of waking the memcg OOM killer.
 * The kernel must not crash, the cgroup must have been charged close to its
 * limit, it must record no OOM kill, and it must drain once the maps close.
 * Skipped if cgroup v2 with the memory controller is unavailable.
 *
 * Per-user limits (module parameters max_objects_per_user and
 * max_bytes_per_user, ENOSPC past them; bytes = what the objects and map
 * entries really cost, e.g. over 100 bytes for a 2-byte key and an empty
 * value). limits.c measures that cost against /proc/meminfo.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tap.h"

#define CG "/sys/fs/cgroup"
#define MY CG "/gosync-memcg"
#define PARAMS "/sys/module/gosync/parameters/"

static int dev;

static long long rd(const char *path)
{
	char b[64];

	tap_read_file(path, b, sizeof(b));
	return b[0] ? atoll(b) : -1;
}
/*
 * In the cgroup: fill maps until a call fails, then leave the cgroup and exit
 * with that call's errno. Only gosync may allocate while the cgroup is at its
 * limit: any other charge there (the struct file of an open(), a page fault
 * for printf's buffer or a copy-on-write stack page) is not failable and would
 * OOM-kill the filler for its own memory, not for gosync's. So the filler
 * opens the root cgroup's cgroup.procs before it joins, and moves itself back
 * through that fd, which charges nothing, before it touches anything new.
 */
static int filler(void *arg)
{
	static char val[GOSYNC_MAP_VALUE_MAX];
	static int fds[64];
	int n = 0, nfd = 0, err, root;
	char pid[16];

	(void)arg;
	snprintf(pid, sizeof(pid), "%d", getpid());
	memset(val, 'm', sizeof(val));
	root = open(CG "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (root < 0 || !tap_write_file(MY "/cgroup.procs", pid))
		return 250;
	for (;;) {
		int fd = gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RWSEM, 0, 0);

		if (fd < 0)
			goto full;
		if (nfd == 64)
			return 251;	/* 64 x 1000 x 64 KiB stored under 48 MiB? */
		fds[nfd++] = fd;
		for (int i = 0; i < 1000; i++, n++) {
			char k[16];

			snprintf(k, sizeof(k), "%d", i);
			if (gosync_map_store(fd, k, strlen(k), val, sizeof(val)) < 0)
				goto full;
		}
	}
full:
	err = errno;
	while (nfd > 0)
		close(fds[--nfd]);
	if (write(root, pid, strlen(pid)) != (ssize_t)strlen(pid))
		return 252;
	printf("# memcg: %d values stored (%d MiB), then %s\n", n, n / 16, tap_errname(err));
	return err;
}

static long long oom_kills(void)
{
	char b[512] = "", *p;
	int fd = open(MY "/memory.events", O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, b, sizeof(b) - 1) < 0)
		b[0] = 0;
	close(fd);
	p = strstr(b, "oom_kill ");
	return p ? atoll(p + 9) : -1;
}

static bool t_memcg(void)
{
	long long before, peak;
	int st;

	/* Every kernel the VM boots has cgroup v2 and its memory controller. */
	CHECK(!access(CG "/cgroup.controllers", F_OK) || !mount("none", CG, "cgroup2", 0, NULL),
	      "no cgroup v2: %s", tap_errname(errno));
	tap_write_file(CG "/cgroup.subtree_control", "+memory");
	mkdir(MY, 0755);
	if (!tap_write_file(MY "/memory.max", "50331648")) {
		rmdir(MY);
		FAIL("no memory controller");
	}
	tap_write_file(MY "/memory.swap.max", "0");
	before = rd(MY "/memory.current");
	st = tap_fork(filler, NULL);
	peak = rd(MY "/memory.peak");
	printf("# memcg: child exit %d, memory.current before %lld, peak %lld, oom_kill %lld\n",
	       st, before, peak, oom_kills());
	CHECK(st == ENOMEM || st == ENOSPC,
	      "filler ended with %s, expected ENOMEM/ENOSPC (250-252: it could not join or leave)",
	      st == 128 + SIGKILL ? "SIGKILL (OOM-killed?)" : tap_errname(st));
	CHECK(oom_kills() == 0, "memory.events records %lld OOM kills", oom_kills());
	/* the values were charged: the cgroup came close to its limit */
	CHECK(peak < 0 || peak >= 40 << 20, "memory.peak %lld, expected near 48 MiB", peak);
	/*
	 * The cgroup drains: what the filler made is freed. Not to zero: RCU
	 * defers frees, and on the debug kernel KASAN's quarantine keeps freed
	 * objects charged for a while (kmemleak, scanned after rmmod there, is
	 * what proves nothing leaked). A leak of the filler's objects would keep
	 * the cgroup near its 48 MiB limit, far above half of it.
	 */
	/* (at most 30 s: the liveness bound of the other tests) */
	for (double end = tap_now() + 30; rd(MY "/memory.current") > 8 << 20 && tap_now() < end;)
		usleep(20000);
	CHECK(rd(MY "/memory.current") <= 24 << 20, "cgroup still holds %lld bytes",
	      rd(MY "/memory.current"));
	rmdir(MY);
	return true;
}

/* As uid 1000 (no CAP_SYS_RESOURCE, which lifts the limits): objects 10, bytes 1 MiB. */
static int as_user(void *arg)
{
	int n = 0, fd, fds[16], a, b;
	bool bytes = arg != NULL;

	if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 250;
	while (n < 16 && (fd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0)) >= 0)
		fds[n++] = fd;
	if (n != 10 || errno != ENOSPC)
		return 100 + n;
	while (n > 0)
		close(fds[--n]);
	if (!bytes)
		return 0;
	/*
	 * What entries really cost counts: tiny entries stop at ENOSPC well
	 * before 1 MiB of keys (over 100 bytes each), Delete still works, and
	 * frees room for one more.
	 */
	a = gosync_map_create(dev, NULL, 0, GOSYNC_MAP_SPIN, 0, 0);
	if (a < 0)
		return 130;
	for (b = 0; b < 1 << 20; b++) {
		char k[16];

		snprintf(k, sizeof(k), "%d", b);
		if (gosync_map_store(a, k, strlen(k), "", 0) < 0)
			break;
	}
	if (b == 1 << 20 || errno != ENOSPC)
		return 131;
	if (b > (1 << 20) / 100 || b < (1 << 20) / 1024)
		return 132;
	if (gosync_map_delete(a, "0", 1, NULL) < 0 || gosync_map_store(a, "x", 1, "", 0) < 0)
		return 133;
	if (gosync_map_store(a, "y", 1, "", 0) == 0 || errno != ENOSPC)
		return 134;
	close(a);
	/*
	 * Channel messages are charged too, while buffered: a channel with room
	 * for 4 MB stops at ENOSPC near 1 MiB (a message costs its bytes, at
	 * most twice with the allocator's rounding), and a Recv frees room for
	 * one.
	 */
	a = gosync_chan_create(dev, NULL, 0, 1024, 4000);
	if (a < 0)
		return 140;
	{
		static char msg[4000];
		size_t len;
		bool ok;

		for (b = 0; b < 1024; b++)
			if (gosync_chan_send(a, msg, sizeof(msg), 0) < 0)
				break;
		if (b == 1024 || errno != ENOSPC)
			return 141;
		if (b > (1 << 20) / 4000 || b < (1 << 20) / 8000)
			return 142;
		if (gosync_chan_recv(a, msg, sizeof(msg), &len, &ok, 0) < 0 || !ok ||
		    gosync_chan_send(a, msg, sizeof(msg), 0) < 0)
			return 143;
		if (gosync_chan_send(a, msg, sizeof(msg), 0) == 0 || errno != ENOSPC)
			return 144;
	}
	close(a);
	return 0;
}

static bool t_per_user(void)
{
	char oldo[32], oldb[32];
	int st;

	CHECK(!access(PARAMS "max_objects_per_user", F_OK), "no max_objects_per_user parameter");
	CHECK(!access(PARAMS "max_bytes_per_user", F_OK), "no max_bytes_per_user parameter");
	snprintf(oldo, sizeof(oldo), "%lld", rd(PARAMS "max_objects_per_user"));
	snprintf(oldb, sizeof(oldb), "%lld", rd(PARAMS "max_bytes_per_user"));
	CHECK(tap_write_file(PARAMS "max_objects_per_user", "10"), "set max_objects_per_user");
	CHECK(tap_write_file(PARAMS "max_bytes_per_user", "1048576"), "set max_bytes_per_user");
	st = tap_fork(as_user, (void *)1);
	tap_write_file(PARAMS "max_objects_per_user", oldo);
	tap_write_file(PARAMS "max_bytes_per_user", oldb);
	CHECK(st == 0, "uid 1000 with max_objects_per_user=10, max_bytes_per_user=1M: "
	      "step %d failed (100+n: objects made before ENOSPC; 130-134: map bytes; "
	      "140-144: channel bytes)", st);
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("memcg");
	tap_report(t_memcg(), "memcg");
	tap_report(t_per_user(), "memcg-per-user-limits");
	return tap_done(dev, "memcg");
}
