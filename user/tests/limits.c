// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the per-user limits hold.
 *
 * amplification: as uid 1000 with max_bytes_per_user = 16 MiB, fill a map
 * of each backend with 4-byte keys and empty values until ENOSPC, and
 * measure the kernel memory it pins (Slab + VmallocUsed + Percpu in
 * /proc/meminfo, before and after). When the limit counted key and value
 * bytes only, such entries pinned about 30 times the limit; now what an
 * entry really costs is charged, so the pinned memory stays within the limit
 * (plus slack for the allocators' own caches). On a debug kernel KASAN and
 * kmemleak make every object bigger than the slab size charged, so there
 * the case is skipped.
 *
 * userns: a rootless container (a user namespace owned by uid 1000 that
 * maps 65536 uids) used to get the limits once per uid it maps. Objects
 * made inside a namespace are charged there and to the namespace's owner,
 * so 16 uids inside get max_objects_per_user objects in all, uid 1000 on
 * the host is at its limit too, and another host user is not affected.
 */
#include <grp.h>
#include <sched.h>

#include "tap.h"

#define PARAMS "/sys/module/gosync/parameters/"

static int dev;

/* Kernel memory that objects can pin, in bytes, from /proc/meminfo. */
static long long kernel_bytes(void)
{
	static const char *const keys[] = { "Slab:", "VmallocUsed:", "Percpu:" };
	char line[128];
	long long kb = 0, v;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])) &&
			    sscanf(line + strlen(keys[i]), "%lld", &v) == 1)
				kb += v;
	fclose(f);
	return kb * 1024;
}

static bool debug_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

struct fill_result {
	unsigned int backend;	/* in */
	long long entries, pinned;
	int err;
};

/* In a child as uid 1000: fill a map until it fails; report through @arg (shared). */
static int filler(void *arg)
{
	struct fill_result *res = arg;
	struct gosync_map_op ops[256];
	uint32_t keys[256];
	long long before;
	int fd;

	if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 250;
	fd = gosync_map_create(dev, NULL, 0, res->backend, 0, 0);
	if (fd < 0)
		return 251;
	before = kernel_bytes();
	for (uint32_t i = 0;; i++) {
		for (int j = 0; j < 256; j++) {
			keys[j] = i * 256 + j;
			ops[j] = (struct gosync_map_op){ .op = GOSYNC_MAP_STORE,
				.key = (uintptr_t)&keys[j], .key_len = 4 };
		}
		if (gosync_map_batch(fd, ops, 256, GOSYNC_BATCH_STOP_ON_ERROR, NULL) < 0) {
			res->err = errno;
			break;
		}
		for (int j = 0; j < 256; j++) {
			if (ops[j].error) {
				res->err = -ops[j].error;
				goto full;
			}
			res->entries++;
		}
	}
full:
	res->pinned = kernel_bytes() - before;
	close(fd);
	return 0;
}

/*
 * A result a child fills in (*@res, shared), and max_bytes_per_user set to
 * @limit; its old value in @old, for the caller to put back.
 */
static bool limit_begin(struct fill_result **res, long long limit, char old[32])
{
	char lim[32];

	*res = mmap(NULL, sizeof(**res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	CHECK(*res != MAP_FAILED, "mmap");
	tap_read_file(PARAMS "max_bytes_per_user", old, 32);
	snprintf(lim, sizeof(lim), "%lld", limit);
	CHECK(tap_write_file(PARAMS "max_bytes_per_user", lim), "set max_bytes_per_user");
	return true;
}

static bool t_amplification(void)
{
	static const char *const bn[] = { NULL, "spin", "rwsem", "rcu" };
	const long long limit = 16 << 20;
	struct fill_result *res;
	char old[32];
	int st;

	CHECK(limit_begin(&res, limit, old), "setup");
	for (unsigned int b = GOSYNC_MAP_SPIN; b <= GOSYNC_MAP_RCU; b++) {
		memset(res, 0, sizeof(*res));
		res->backend = b;
		st = tap_fork(filler, res);
		printf("# amplification: %s: %lld entries of 4-byte keys (%lld bytes of keys) "
		       "until %s; kernel memory pinned: %lld KiB (%.2f x the %lld KiB limit); "
		       "%lld bytes per entry\n", bn[b], res->entries, res->entries * 4,
		       tap_errname(res->err), res->pinned >> 10, (double)res->pinned / limit,
		       limit >> 10, res->entries ? res->pinned / res->entries : 0);
		if (st || res->err != ENOSPC)
			break;
		/* Within the limit, give or take the allocators' slack. */
		if (res->pinned > limit + limit / 4 + (4 << 20))
			break;
	}
	tap_write_file(PARAMS "max_bytes_per_user", old);
	CHECK(st == 0, "filler exited with %d", st);
	CHECK(res->err == ENOSPC, "the map stopped with %s, not ENOSPC", tap_errname(res->err));
	CHECK(res->pinned <= limit + limit / 4 + (4 << 20),
	      "%lld bytes pinned against a limit of %lld", res->pinned, limit);
	/* The old accounting (key bytes only) would have let 4M entries in. */
	CHECK(res->entries * 4 < limit / 8, "%lld entries: the key bytes alone count?",
	      res->entries);
	munmap(res, sizeof(*res));
	return true;
}

/*
 * In a child as uid 1000: OnceValues of value_max 32769 until one fails,
 * each completed with a value that long (kvmalloc gives it 64 KiB). When
 * only value_max bytes were charged, they pinned twice the limit.
 */
static int once_filler(void *arg)
{
	static char value[32769];
	struct fill_result *res = arg;
	long long before;
	unsigned int r;
	size_t len;

	if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 250;
	before = kernel_bytes();
	for (;;) {
		int fd = gosync_oncevalue_create(dev, NULL, 0, 0, sizeof(value));

		if (fd < 0 || gosync_oncevalue_do(fd, -1, &r, NULL, 0, &len) ||
		    gosync_oncevalue_complete(fd, value, sizeof(value))) {
			res->err = errno;
			break;
		}
		res->entries++;		/* kept open: the value stays */
	}
	res->pinned = kernel_bytes() - before;
	return 0;
}

static bool t_oncevalue_charge(void)
{
	const long long limit = 16 << 20;
	struct fill_result *res;
	char old[32];
	int st;

	CHECK(limit_begin(&res, limit, old), "setup");
	st = tap_fork(once_filler, res);
	tap_write_file(PARAMS "max_bytes_per_user", old);
	printf("# oncevalue-charge: %lld OnceValues of 32769 bytes until %s; kernel memory "
	       "pinned: %lld KiB (%.2f x the %lld KiB limit)\n", res->entries,
	       tap_errname(res->err), res->pinned >> 10, (double)res->pinned / limit, limit >> 10);
	CHECK(st == 0, "filler exited with %d", st);
	CHECK(res->err == ENOSPC, "stopped with %s, not ENOSPC", tap_errname(res->err));
	CHECK(res->pinned <= limit + limit / 4 + (4 << 20),
	      "%lld bytes pinned against a limit of %lld", res->pinned, limit);
	munmap(res, sizeof(*res));
	return true;
}

/* ---- many uids of one user namespace ---- */

#define NS_UIDS		16
#define NS_LIMIT	20

struct ns_shared {
	int made[NS_UIDS];
	int err[NS_UIDS];
};

/* Inside the namespace as @uid: make named objects until one fails. */
static void ns_fill(struct ns_shared *sh, int uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		sh->err[uid] = errno;
		return;
	}
	for (int i = 0; i < 4 * NS_LIMIT; i++) {
		char name[GOSYNC_NAME_MAX];
		int fd;

		snprintf(name, sizeof(name), "e2e-ns-%d-%d", uid, i);
		fd = gosync_counter_create(dev, name, 0600, GOSYNC_COUNTER_ATOMIC, 0);
		if (fd < 0) {
			sh->err[uid] = errno;
			return;
		}
		close(fd);
		sh->made[uid]++;
	}
}

/* The container: uid 1000 makes a user namespace and fills it from 16 uids. */
static int ns_container(int go_fd, int ready_fd, struct ns_shared *sh)
{
	char c = 0;

	if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 200;
	if (unshare(CLONE_NEWUSER))
		return 201;
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1 || c != 'm')
		return 202;
	/* uid 0 here is uid 100000 outside, and has every capability in here */
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return 203;
	for (int u = 0; u < NS_UIDS; u++) {
		pid_t pid = fork();

		if (pid < 0)
			return 204;
		if (!pid) {
			ns_fill(sh, u);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}

static bool map_ids(pid_t pid, const char *file)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return tap_write_file(path, "0 100000 65536\n");
}

/* As another host user: can it still create? */
static int other_user(void *arg)
{
	int fd, uid = (int)(intptr_t)arg;

	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return 250;
	fd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * chan-sender-pays: messages are charged to whoever sends them (the
 * description's opener), waiting or buffered. They were the channel
 * owner's: another user who may send (mode 0666) could use up all the
 * owner's bytes, and every Store and Send into the owner's objects failed.
 */
#define CHAN_NAME "e2e-limits-chan"
#define CHAN_MSG 65536

static int chan_user(void *arg)
{
	static char msg[CHAN_MSG];
	int fd, sent = 0, uid = (int)(intptr_t)arg;

	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return 250;
	if (uid == 1000 && (fd = gosync_chan_create(dev, CHAN_NAME, 0666, 64, CHAN_MSG)) >= 0) {
		close(fd);
		return 0;
	}
	fd = gosync_open(dev, CHAN_NAME, GOSYNC_TYPE_CHAN);
	if (fd < 0)
		return 251;
	/* the owner, after the stranger: one message of its own */
	if (uid == 1000)
		return gosync_chan_send(fd, msg, sizeof(msg), 0) ? errno : 0;
	/* the stranger sends until its own limit */
	while (sent < 64 && gosync_chan_send(fd, msg, sizeof(msg), 0) == 0)
		sent++;
	printf("# chan-sender-pays: uid %d buffered %d messages, then %s\n", uid, sent,
	       tap_errname(errno));
	return sent && sent < 64 && errno == ENOSPC ? 0 : 252;
}

static bool t_chan_sender_pays(void)
{
	char oldlim[32];
	int st[3];

	gosync_unlink(dev, CHAN_NAME);
	tap_read_file(PARAMS "max_bytes_per_user", oldlim, sizeof(oldlim));
	tap_write_file(PARAMS "max_bytes_per_user", "4194304");
	st[0] = tap_fork(chan_user, (void *)1000);	/* creates it */
	st[1] = st[0] ? -1 : tap_fork(chan_user, (void *)1001);
	st[2] = st[1] ? -1 : tap_fork(chan_user, (void *)1000);
	gosync_unlink(dev, CHAN_NAME);	/* its buffered messages go with it */
	tap_write_file(PARAMS "max_bytes_per_user", oldlim);
	CHECK(!st[0], "uid 1000 could not create the channel: %d", st[0]);
	CHECK(!st[1], "uid 1001 did not send until its own limit: %d", st[1]);
	CHECK(!st[2], "the owner's Send after another user's: %s, expected success",
	      st[2] > 0 && st[2] < 250 ? tap_errname(st[2]) : "setup failed");
	return true;
}

/*
 * chan-wait-send-enospc: a GOSYNC_IOC_WAIT SEND case's message is charged
 * to its sender as a Send's is: past max_bytes_per_user the WAIT fails with
 * ENOSPC and sends nothing (the channel has room: only the limit stops
 * it); once a buffered message is received, the same WAIT sends.
 */
static int wait_send_user(void *arg)
{
	static char msg[CHAN_MSG], in[CHAN_MSG];
	struct gosync_wait_case wc;
	int fd, sent = 0, uid = (int)(intptr_t)arg;
	unsigned int index = ~0u;
	uint32_t len = ~0u;
	bool ok = false;
	size_t got = 0;

	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return 250;
	fd = gosync_chan_create(dev, NULL, 0, 64, CHAN_MSG);
	if (fd < 0)
		return 251;
	while (sent < 64 && gosync_chan_send(fd, msg, sizeof(msg), 0) == 0)
		sent++;
	if (!sent || sent == 64 || errno != ENOSPC) {
		printf("# chan-wait-send-enospc: %d sent, then %s\n", sent, tap_errname(errno));
		return 1;
	}
	wc = (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_SEND,
					.buf = (uintptr_t)msg, .len = sizeof(msg) };
	errno = 0;
	if (gosync_wait(dev, &wc, 1, 0, 30 * 1000000000LL, &index) == 0 || errno != ENOSPC) {
		printf("# chan-wait-send-enospc: WAIT after %d sent: %s, expected ENOSPC\n", sent,
		       errno ? tap_errname(errno) : "success");
		return 2;
	}
	if (gosync_chan_len(fd, &len, NULL, NULL) || len != (uint32_t)sent)
		return 3;	/* it sent nothing */
	if (gosync_chan_recv(fd, in, sizeof(in), &got, &ok, 0) || !ok || got != sizeof(in))
		return 4;
	wc = (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_SEND,
					.buf = (uintptr_t)msg, .len = sizeof(msg) };
	if (gosync_wait(dev, &wc, 1, 0, 30 * 1000000000LL, &index) || index != 0 || wc.error) {
		printf("# chan-wait-send-enospc: WAIT with room in the limit: %s, index %u, "
		       "error %d\n", tap_errname(errno), index, wc.error);
		return 5;
	}
	if (gosync_chan_len(fd, &len, NULL, NULL) || len != (uint32_t)sent)
		return 6;
	close(fd);
	return 0;
}

static bool t_chan_wait_send_enospc(void)
{
	char oldlim[32];
	int st;

	tap_read_file(PARAMS "max_bytes_per_user", oldlim, sizeof(oldlim));
	tap_write_file(PARAMS "max_bytes_per_user", "4194304");
	st = tap_fork(wait_send_user, (void *)1001);
	tap_write_file(PARAMS "max_bytes_per_user", oldlim);
	CHECK(st == 0, "the child failed at step %d", st);
	return true;
}

/* Why t_userns() could not run (it then passed nothing), or NULL */
static const char *userns_skip;

static bool t_userns(void)
{
	char oldlim[32], oldclone[8] = "", c;
	int go[2], ready[2], total = 0, st, st1000, st1001;
	struct ns_shared *sh;
	pid_t pid;

	if (access("/proc/self/ns/user", F_OK)) {
		userns_skip = "no user namespaces";
		return true;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED, "mmap");
	memset(sh, 0, sizeof(*sh));
	/* The children use our /dev/gosync fd. Debian gates user namespaces. */
	tap_read_file("/proc/sys/kernel/unprivileged_userns_clone", oldclone, sizeof(oldclone));
	if (oldclone[0])
		tap_write_file("/proc/sys/kernel/unprivileged_userns_clone", "1");
	tap_read_file(PARAMS "max_objects_per_user", oldlim, sizeof(oldlim));
	tap_write_file(PARAMS "max_objects_per_user", "20");

	CHECK(pipe(go) == 0 && pipe(ready) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid)
		_exit(ns_container(go[0], ready[1], sh));
	if (read(ready[0], &c, 1) == 1 && map_ids(pid, "uid_map") && map_ids(pid, "gid_map"))
		c = 'm';
	else
		c = 'x';
	if (write(go[1], &c, 1) != 1)
		c = 'x';
	waitpid(pid, &st, 0);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

	/* While the container's objects live: the owner and a stranger. */
	st1000 = tap_fork(other_user, (void *)1000);
	st1001 = tap_fork(other_user, (void *)1001);

	for (int u = 0; u < NS_UIDS; u++) {
		total += sh->made[u];
		for (int i = 0; i < sh->made[u]; i++) {
			char name[GOSYNC_NAME_MAX];

			snprintf(name, sizeof(name), "e2e-ns-%d-%d", u, i);
			gosync_unlink(dev, name);
		}
	}
	printf("# userns: %d uids of a namespace owned by uid 1000 made %d objects in all "
	       "(limit %d per user); first uid: %d, then %s\n", NS_UIDS, total, NS_LIMIT,
	       sh->made[0], tap_errname(sh->err[0]));
	tap_write_file(PARAMS "max_objects_per_user", oldlim);
	if (oldclone[0])
		tap_write_file("/proc/sys/kernel/unprivileged_userns_clone", oldclone);
	if (st == 201) {
		userns_skip = "uid 1000 may not create a user namespace";
		munmap(sh, sizeof(*sh));
		return true;
	}
	CHECK(st == 0 && c == 'm', "the container failed at step %d", st);
	CHECK(total == NS_LIMIT, "%d objects from %d uids of one namespace, limit %d", total,
	      NS_UIDS, NS_LIMIT);
	for (int u = 0; u < NS_UIDS; u++)
		CHECK(sh->err[u] == ENOSPC, "uid %d in the namespace stopped with %s", u,
		      tap_errname(sh->err[u]));
	CHECK(st1000 == ENOSPC, "uid 1000 on the host: %s, expected ENOSPC (its container "
	      "holds its share)", tap_errname(st1000));
	CHECK(st1001 == 0, "uid 1001 could not create an object: %s", tap_errname(st1001));
	munmap(sh, sizeof(*sh));
	return true;
}

int main(void)
{
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("limits");
	/* KASAN and kmemleak make every object bigger than what is charged */
	if (debug_kernel())
		printf("ok - e2e:limits-amplification # SKIP debug kernel: a measurement\n");
	else
		tap_report(t_amplification(), "limits-amplification");
	if (debug_kernel())
		printf("ok - e2e:limits-oncevalue-charge # SKIP debug kernel: a measurement\n");
	else
		tap_report(t_oncevalue_charge(), "limits-oncevalue-charge");
	tap_report(t_chan_sender_pays(), "limits-chan-sender-pays");
	tap_report(t_chan_wait_send_enospc(), "limits-chan-wait-send-enospc");
	/* a skip is known only once the container tried: one line, SKIP or not */
	ok = t_userns();
	if (userns_skip)
		printf("ok - e2e:limits-userns # SKIP %s\n", userns_skip);
	else
		tap_report(ok, "limits-userns");
	return tap_done(dev, "limits");
}
