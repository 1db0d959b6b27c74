// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the object model: names, lifetime, LIST, INFO, nr_files, fd passing
 * and O_CLOEXEC.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "tap.h"

static int dev;

/* Is the object @id in the listing? Returns its entry count (0 or 1+). */
static int listed(uint64_t id, struct gosync_info *out)
{
	struct gosync_info buf[16];
	uint64_t cursor = 0;
	int n, found = 0;

	do {
		n = gosync_list(dev, buf, 16, &cursor, NULL);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (buf[i].id == id) {
				found++;
				if (out)
					*out = buf[i];
			}
	} while (cursor);
	return found;
}

static int64_t value(int fd)
{
	int64_t v = -12345;

	gosync_counter_load(fd, &v);
	return v;
}

static const char *child_name;

static int child_open_add(void *arg)
{
	int d = gosync_dev_open(), fd;

	(void)arg;
	if (d < 0)
		return 10;
	fd = gosync_open(d, child_name, GOSYNC_TYPE_COUNTER);
	if (fd < 0)
		return errno == ENOENT ? 11 : 12;
	return gosync_counter_add(fd, 1, NULL) < 0 ? 13 : 0;
}

static bool t_named(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "named"), 0,
						GOSYNC_COUNTER_MUTEX, 40));

	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_COUNTER);
	CHECK_EQ(info.subtype, GOSYNC_COUNTER_MUTEX);
	CHECK(!strcmp(info.name, name), "info name '%.64s'", info.name);
	CHECK(info.flags & GOSYNC_INFO_NAMED, "flags %#x", info.flags);
	CHECK_EQ(info.perm, 0600);
	CHECK_EQ(info.uid, geteuid());
	CHECK_EQ(info.gid, getegid());
	CHECK_EQ(info.nr_files, 1);
	/* another process opens it by name */
	child_name = name;
	CHECK_EQ(tap_fork(child_open_add, NULL), 0);
	CHECK_EQ(value(fd), 41);
	/* duplicate names, whatever the mode */
	CHECK_ERRNO(gosync_counter_create(dev, name, 0, GOSYNC_COUNTER_MUTEX, 0),
		    EEXIST, true);
	CHECK_ERRNO(gosync_counter_create(dev, name, 0666, GOSYNC_COUNTER_ATOMIC, 0),
		    EEXIST, true);
	close(fd);
	return true;
}

/* A named object outlives its fds; after unlink it dies with its last fd. */
static bool t_lifetime(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info, e;
	uint64_t id;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "life"), 0,
						GOSYNC_COUNTER_ATOMIC, 7));

	CHECK_OK(gosync_info(fd, &info));
	id = info.id;
	close(fd);
	CHECK_EQ(listed(id, &e), 1);
	CHECK_EQ(e.nr_files, 0);
	CHECK(!strcmp(e.name, name), "listed name '%.64s'", e.name);
	fd = CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_COUNTER));
	CHECK_EQ(value(fd), 7);
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.id, id);
	/* unlink: the name is gone, the object lives on through fd */
	CHECK_OK(gosync_unlink(dev, name));
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);
	CHECK_ERRNO(gosync_unlink(dev, name), ENOENT, false);
	CHECK_OK(gosync_counter_add(fd, 1, NULL));
	CHECK_EQ(value(fd), 8);
	CHECK_EQ(listed(id, &e), 1);
	CHECK(!e.name[0], "unlinked object listed as '%.64s'", e.name);
	CHECK(!(e.flags & GOSYNC_INFO_NAMED), "unlinked object flags %#x", e.flags);
	CHECK_OK(gosync_info(fd, &info));
	CHECK(!info.name[0] && !(info.flags & GOSYNC_INFO_NAMED),
	      "INFO after unlink: name '%.64s' flags %#x", info.name, info.flags);
	/* the name can be reused by a new object */
	int fd2 = CHECK_OK(gosync_counter_create(dev, name, 0, GOSYNC_COUNTER_ATOMIC, 0));
	CHECK_OK(gosync_info(fd2, &info));
	CHECK(info.id > id, "new id %" PRIu64 " not above %" PRIu64,
	      (uint64_t)info.id, id);
	CHECK_EQ(value(fd2), 0);
	/* by id: the old object's name is gone, the new one's stays */
	CHECK_ERRNO(gosync_unlink_id(dev, name, id), ENOENT, false);
	close(fd2);
	fd2 = CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_COUNTER));
	close(fd2);
	CHECK_OK(gosync_unlink_id(dev, name, info.id));
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);
	CHECK_EQ(listed(info.id, NULL), 0);
	/* the last fd closes: gone */
	close(fd);
	CHECK_EQ(listed(id, NULL), 0);
	return true;
}

static bool t_anonymous(void)
{
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_RWSEM, 0));

	CHECK_OK(gosync_info(fd, &info));
	CHECK(!info.name[0] && !(info.flags & GOSYNC_INFO_NAMED),
	      "anonymous: name '%.64s' flags %#x", info.name, info.flags);
	CHECK_EQ(listed(info.id, NULL), 1);
	close(fd);
	CHECK_EQ(listed(info.id, NULL), 0);
	return true;
}

/* LIST in pages of 3: each object once, in increasing id order. */
static bool t_list_paging(void)
{
	enum { N = 10 };
	struct gosync_info buf[3];
	uint64_t ids[N], cursor = 0, last = 0;
	unsigned int total = 0;
	int fds[N], seen[N] = { 0 }, pages = 0, n;

	for (int i = 0; i < N; i++) {
		struct gosync_info info;

		fds[i] = CHECK_OK(gosync_counter_create(dev, NULL, 0,
							GOSYNC_COUNTER_ATOMIC, i));
		CHECK_OK(gosync_info(fds[i], &info));
		ids[i] = info.id;
		CHECK(!i || ids[i] > ids[i - 1], "ids not increasing");
	}
	do {
		n = CHECK_OK(gosync_list(dev, buf, 3, &cursor, &total));
		CHECK(n <= 3, "page of %d entries", n);
		CHECK(n > 0 || !cursor, "empty page with cursor %" PRIu64, cursor);
		CHECK(++pages < 10000, "listing does not end");
		for (int k = 0; k < n; k++) {
			CHECK(buf[k].id > last, "id %" PRIu64 " after %" PRIu64,
			      (uint64_t)buf[k].id, last);
			last = buf[k].id;
			for (int i = 0; i < N; i++)
				if (buf[k].id == ids[i])
					seen[i]++;
		}
	} while (cursor);
	CHECK(total >= N, "total %u", total);
	for (int i = 0; i < N; i++)
		CHECK(seen[i] == 1, "object %d listed %d times", i, seen[i]);
	CHECK(pages >= N / 3, "only %d pages", pages);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	return true;
}

/* entry_size: older (shorter) entries are packed; longer ones zero-padded. */
static bool t_list_entry_size(void)
{
	size_t old = offsetof(struct gosync_info, stats), big = sizeof(struct gosync_info) + 16;
	unsigned char *buf = malloc(big * 4);
	struct gosync_list l = { .size = sizeof(l), .entries = (uintptr_t)buf,
				 .count = 4 };
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	bool found = false;

	CHECK(buf, "out of memory");
	CHECK_OK(gosync_info(fd, &info));
	/* short entries: packed at stride old; find our object */
	l.cursor = info.id;
	l.entry_size = old;
	memset(buf, 0xee, big * 4);
	CHECK_OK(ioctl(dev, GOSYNC_IOC_LIST, &l));
	CHECK(l.count >= 1, "count %u", l.count);
	CHECK(!memcmp(buf, &info, old), "first short entry is not our object");
	CHECK(buf[old * l.count] == 0xee, "wrote past %u short entries", l.count);
	/* long entries: the tail is zeroed */
	l = (struct gosync_list){ .size = sizeof(l), .entries = (uintptr_t)buf,
				  .count = 1, .entry_size = big, .cursor = info.id };
	memset(buf, 0xee, big * 4);
	CHECK_OK(ioctl(dev, GOSYNC_IOC_LIST, &l));
	CHECK_EQ(l.count, 1);
	CHECK(!memcmp(buf, &info, offsetof(struct gosync_info, nr_files)),
	      "long entry is not our object");
	for (size_t i = sizeof(struct gosync_info); i < big; i++)
		found |= buf[i] != 0;
	CHECK(!found, "tail of a long entry not zeroed");
	CHECK(buf[big] == 0xee, "wrote past a long entry");
	/* too short */
	l.entry_size = old - 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_LIST, &l), EINVAL, false);
	free(buf);
	close(fd);
	return true;
}

static bool t_stats(void)
{
	int64_t r;
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_SPINLOCK, 0));

	CHECK_OK(gosync_info(fd, &info));
	for (int i = 0; i < GOSYNC_NR_STATS; i++)
		CHECK(!info.stats[i], "fresh counter stats[%d] = %" PRIu64, i,
		      (uint64_t)info.stats[i]);
	for (int i = 0; i < 3; i++)
		CHECK_OK(gosync_counter_add(fd, 1, NULL));
	CHECK_OK(gosync_counter_load(fd, &r));
	CHECK_OK(gosync_counter_load(fd, &r));
	CHECK_OK(gosync_counter_store(fd, 5));
	CHECK_OK(gosync_counter_swap(fd, 6, &r));
	CHECK_OK(gosync_counter_cas(fd, 6, 7, NULL));	/* swaps */
	CHECK_OK(gosync_counter_cas(fd, 6, 8, NULL));	/* fails */
	CHECK_OK(gosync_counter_reset(fd, &r));
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_ADD], 3);
	CHECK_EQ(info.stats[GOSYNC_STAT_LOAD], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_STORE], 1);
	CHECK_EQ(info.stats[GOSYNC_STAT_SWAP], 1);
	/* CAS counts every attempt, swapped or not; CAS_FAILED the misses */
	CHECK_EQ(info.stats[GOSYNC_STAT_CAS], 2);
	CHECK_EQ(info.stats[GOSYNC_STAT_CAS_FAILED], 1);
	CHECK_EQ(info.stats[GOSYNC_STAT_RESET], 1);
	close(fd);
	return true;
}

static bool t_nr_files(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "files"), 0,
						GOSYNC_COUNTER_ATOMIC, 0));
	int dup_fd = CHECK_OK(dup(fd));
	int fd2 = CHECK_OK(gosync_open(dev, name, 0));

	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.nr_files, 2);	/* dup shares the open file description */
	int fd3 = CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_COUNTER));
	CHECK_OK(gosync_info(fd2, &info));
	CHECK_EQ(info.nr_files, 3);
	close(fd3);
	close(fd);
	CHECK_OK(gosync_info(dup_fd, &info));
	CHECK_EQ(info.nr_files, 2);
	close(dup_fd);
	CHECK_OK(gosync_info(fd2, &info));
	CHECK_EQ(info.nr_files, 1);
	close(fd2);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

static int sock_pair[2];

/* Receive a counter fd, add 5, send back the id it sees. */
static int child_scm(void *arg)
{
	struct gosync_info info;
	int fd;

	(void)arg;
	close(sock_pair[0]);
	close(dev);
	fd = tap_recv_fd(sock_pair[1]);
	if (fd < 0)
		return 20;
	if (gosync_counter_add(fd, 5, NULL) < 0 || gosync_info(fd, &info) < 0)
		return 21;
	if (write(sock_pair[1], &info.id, sizeof(info.id)) != sizeof(info.id))
		return 22;
	return 0;
}

static bool t_scm_rights(void)
{
	struct gosync_info info;
	uint64_t child_id = 0;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 1));
	pid_t pid;
	int status;

	CHECK_OK(gosync_info(fd, &info));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock_pair));
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid)
		_exit(child_scm(NULL));
	close(sock_pair[1]);
	CHECK_OK(tap_send_fd(sock_pair[0], fd));
	close(fd);	/* the child's copy keeps the object alive */
	CHECK(read(sock_pair[0], &child_id, sizeof(child_id)) == sizeof(child_id),
	      "no reply from the child");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "child status %#x", status);
	close(sock_pair[0]);
	CHECK_EQ(child_id, info.id);
	/* the object died with the child's fd */
	CHECK_EQ(listed(info.id, NULL), 0);
	return true;
}

static bool t_scm_value(void)
{
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_MUTEX, 1));
	pid_t pid;
	int status;

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock_pair));
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(fd);
		_exit(child_scm(NULL));
	}
	close(sock_pair[1]);
	CHECK_OK(tap_send_fd(sock_pair[0], fd));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "child status %#x", status);
	close(sock_pair[0]);
	CHECK_EQ(value(fd), 6);
	close(fd);
	return true;
}

static bool t_cloexec(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "cloexec"), 0,
						GOSYNC_COUNTER_ATOMIC, 0));
	int fd2 = CHECK_OK(gosync_open(dev, name, 0));
	int anon = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));

	CHECK(CHECK_OK(fcntl(fd, F_GETFD)) & FD_CLOEXEC, "create: no FD_CLOEXEC");
	CHECK(CHECK_OK(fcntl(fd2, F_GETFD)) & FD_CLOEXEC, "open: no FD_CLOEXEC");
	CHECK(CHECK_OK(fcntl(anon, F_GETFD)) & FD_CLOEXEC, "anonymous: no FD_CLOEXEC");
	CHECK_EQ(CHECK_OK(fcntl(fd, F_GETFL)) & O_ACCMODE, O_RDWR);
	CHECK_EQ(CHECK_OK(fcntl(fd2, F_GETFL)) & O_ACCMODE, O_RDWR);
	close(fd);
	close(fd2);
	close(anon);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

int main(void)
{
	dev = tap_dev("objects");
	tap_report(t_named(), "objects-named-create-open-eexist");
	tap_report(t_lifetime(), "objects-lifetime-unlink");
	tap_report(t_anonymous(), "objects-anonymous");
	tap_report(t_list_paging(), "objects-list-paging");
	tap_report(t_list_entry_size(), "objects-list-entry-size");
	tap_report(t_stats(), "objects-info-stats");
	tap_report(t_nr_files(), "objects-nr-files");
	tap_report(t_scm_rights(), "objects-scm-rights-id");
	tap_report(t_scm_value(), "objects-scm-rights-value");
	tap_report(t_cloexec(), "objects-cloexec");
	return tap_done(dev, "objects");
}
