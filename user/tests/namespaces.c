// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: names are per IPC namespace (docs/uapi.md "Names and namespaces"):
 * one name in two namespaces at once, LIST from inside and outside, fds
 * passed over a Unix socket both ways across the boundary, the names of a
 * namespace that died, squatting and GOSYNC_OPEN_UID/GID, what LIST shows
 * to whom, and an unprivileged user's own user and IPC namespaces; and
 * absolute deadlines given from inside a time namespace.
 *
 * Children that unshare(CLONE_NEWIPC) or change uid use our /dev/gosync fd
 * and report through their exit status: 0, or the number of the step that
 * failed.
 */
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "tap.h"

static int dev;

/* The ids LIST shows the caller, up to @cap of them; LIST's total in *@total. */
static int list_ids(uint64_t *ids, int cap, unsigned int *total)
{
	struct gosync_info buf[16];
	uint64_t cursor = 0;
	int n, found = 0;

	do {
		n = gosync_list(dev, buf, 16, &cursor, total);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (found < cap)
				ids[found++] = buf[i].id;
	} while (cursor);
	return found;
}

/* Does LIST show the caller the object @id? */
static bool listed(uint64_t id)
{
	struct gosync_info buf[16];
	uint64_t cursor = 0;
	int n;

	do {
		n = gosync_list(dev, buf, 16, &cursor, NULL);
		for (int i = 0; i < n; i++)
			if (buf[i].id == id)
				return true;
	} while (n > 0 && cursor);
	return false;
}

static uint64_t obj_id(int fd)
{
	struct gosync_info info = { 0 };

	gosync_info(fd, &info);
	return info.id;
}

static int64_t value(int fd)
{
	int64_t v = -12345;

	gosync_counter_load(fd, &v);
	return v;
}

/* The inode number of the IPC namespace of @fd's object (fdinfo), 0 if none. */
static unsigned long fd_ipcns(int fd)
{
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	p = strstr(buf, "gosync-ipcns:");
	return p ? strtoul(p + strlen("gosync-ipcns:"), NULL, 10) : 0;
}

static unsigned long my_ipcns(void)
{
	struct stat st;

	return stat("/proc/self/ns/ipc", &st) ? 0 : (unsigned long)st.st_ino;
}

/* Become @uid:@uid with no supplementary groups (and so no capabilities). */
static bool become(int uid)
{
	return !setgroups(0, NULL) && !setresgid(uid, uid, uid) && !setresuid(uid, uid, uid);
}

static pid_t spawn(int (*fn)(void *arg), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(fn(arg));
	return pid;
}

/* The exit status of @pid, 128 + signal if killed, -1 if it cannot be had. */
static int reap(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- one name, two namespaces and the host ---- */

struct maker {
	const char *name;
	int64_t initial;
	int sock;		/* the child's end */
};

/*
 * In a new IPC namespace: the host's name is not there and LIST is empty;
 * make our own object of that name, pass its fd out, take the host's in and
 * add to it, then check the parent's add to ours.
 */
static int ns_maker(void *arg)
{
	struct maker *m = arg;
	unsigned int total = ~0u;
	uint64_t ids[4];
	int fd, hfd;
	char c;

	if (unshare(CLONE_NEWIPC))
		return 10;
	if (gosync_open(dev, m->name, 0) >= 0 || errno != ENOENT)
		return 11;
	if (list_ids(ids, 4, &total) != 0 || total != 0)
		return 12;
	fd = gosync_counter_create(dev, m->name, 0600, GOSYNC_COUNTER_ATOMIC, m->initial);
	if (fd < 0)
		return 13;
	if (list_ids(ids, 4, &total) != 1 || ids[0] != obj_id(fd) || total != 1)
		return 14;
	if (fd_ipcns(fd) != my_ipcns())
		return 15;
	if (tap_send_fd(m->sock, fd))
		return 16;
	hfd = tap_recv_fd(m->sock);
	if (hfd < 0 || gosync_counter_add(hfd, 100, NULL))
		return 17;
	/* the host's object works here, but is not listed here */
	if (list_ids(ids, 4, &total) != 1 || total != 1 || ids[0] != obj_id(fd))
		return 18;
	if (read(m->sock, &c, 1) != 1)
		return 19;
	if (value(fd) != m->initial + 10)
		return 20;
	/* our name is ours: unlink it and it is gone here only */
	if (gosync_unlink(dev, m->name) || gosync_open(dev, m->name, 0) >= 0)
		return 21;
	return 0;
}

static bool t_same_name(void)
{
	char name[GOSYNC_NAME_MAX];
	struct maker m[2];
	int sv[2][2], fds[2], host;
	struct gosync_info info[2];
	pid_t pid[2];

	tap_name(name, "same");
	host = CHECK_OK(gosync_counter_create(dev, name, 0600, GOSYNC_COUNTER_ATOMIC, 1));
	for (int i = 0; i < 2; i++) {
		CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]));
		m[i] = (struct maker){ .name = name, .initial = 2 + i, .sock = sv[i][1] };
		pid[i] = spawn(ns_maker, &m[i]);
		CHECK(pid[i] > 0, "fork");
		close(sv[i][1]);
		fds[i] = tap_recv_fd(sv[i][0]);
		CHECK(fds[i] >= 0, "no fd from the child in namespace %d (status %d)", i,
		      reap(pid[i]));
		CHECK_OK(tap_send_fd(sv[i][0], host));
	}
	/* Both namespaces are alive, each with its own object of that name. */
	for (int i = 0; i < 2; i++) {
		CHECK_OK(gosync_info(fds[i], &info[i]));
		CHECK(info[i].flags & GOSYNC_INFO_NAMED, "object %d not named", i);
		CHECK(!strcmp(info[i].name, name), "object %d is named '%s'", i, info[i].name);
		CHECK_EQ(value(fds[i]), 2 + i);
		CHECK(!listed(info[i].id), "the host lists namespace %d's object", i);
		CHECK(fd_ipcns(fds[i]) && fd_ipcns(fds[i]) != my_ipcns(),
		      "object %d's ipcns %lu, the host's %lu", i, fd_ipcns(fds[i]), my_ipcns());
	}
	CHECK(info[0].id != info[1].id, "one object in two namespaces");
	CHECK(fd_ipcns(fds[0]) != fd_ipcns(fds[1]), "both in ipcns %lu", fd_ipcns(fds[0]));
	CHECK(listed(obj_id(host)), "the host does not list its own object");
	CHECK_EQ(fd_ipcns(host), my_ipcns());
	/* The host's name is still the host's object. */
	{
		int again = CHECK_OK(gosync_open(dev, name, 0));

		CHECK_EQ(obj_id(again), obj_id(host));
		close(again);
	}
	for (int i = 0; i < 2; i++) {
		CHECK_OK(gosync_counter_add(fds[i], 10, NULL));
		CHECK(write(sv[i][0], "g", 1) == 1, "write");
		CHECK_EQ(reap(pid[i]), 0);
		close(sv[i][0]);
		/* its name went with its unlink there; our fd still works */
		CHECK_EQ(value(fds[i]), 12 + i);
		close(fds[i]);
	}
	CHECK_EQ(value(host), 201);
	close(host);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

/* ---- a namespace that dies ---- */

/* In a new IPC namespace: name an object, pass its fd out, and die. */
static int ns_name_and_die(void *arg)
{
	int sock = *(int *)arg, fd;

	if (unshare(CLONE_NEWIPC))
		return 10;
	fd = gosync_counter_create(dev, "e2e-ns-dies", 0600, GOSYNC_COUNTER_ATOMIC, 7);
	if (fd < 0)
		return 11;
	return tap_send_fd(sock, fd) ? 12 : 0;
}

/* In a new IPC namespace, make an object: the first of a namespace sweeps the dead ones. */
static int ns_new_scope(void *arg)
{
	int fd;

	(void)arg;
	if (unshare(CLONE_NEWIPC))
		return 10;
	fd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0);
	return fd < 0 ? 11 : 0;
}

#define DEAD_UID	4001
#define DEAD_LIMIT	3
#define PARAMS		"/sys/module/gosync/parameters/"

/* As DEAD_UID in a new IPC namespace: fill the per-user limit with names, die. */
static int ns_fill_and_die(void *arg)
{
	char name[GOSYNC_NAME_MAX];
	int fd;

	(void)arg;
	if (unshare(CLONE_NEWIPC))
		return 10;
	if (!become(DEAD_UID))
		return 11;
	for (int i = 0; i < DEAD_LIMIT; i++) {
		snprintf(name, sizeof(name), "e2e-ns-fill-%d", i);
		fd = gosync_counter_create(dev, name, 0600, GOSYNC_COUNTER_ATOMIC, 0);
		if (fd < 0)
			return 12;
		close(fd);	/* only the name holds it */
	}
	fd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0);
	return fd < 0 && errno == ENOSPC ? 0 : 13;
}

/* As DEAD_UID on the host: the whole limit at once, so nothing of it is held elsewhere. */
static int host_fill(void *arg)
{
	(void)arg;
	if (!become(DEAD_UID))
		return 20;
	for (int i = 0; i < DEAD_LIMIT; i++)
		if (gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0) < 0)
			return errno == ENOSPC ? 21 : 22;
	return 0;
}

/* In *@fd, a named object's fd from a namespace that died since. */
static bool fd_from_dead_namespace(int *fd)
{
	int sv[2];
	pid_t pid;

	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = spawn(ns_name_and_die, &sv[1]);
	close(sv[1]);
	*fd = tap_recv_fd(sv[0]);
	close(sv[0]);
	CHECK_EQ(reap(pid), 0);
	CHECK(*fd >= 0, "no fd from the dying namespace");
	return true;
}

static bool t_dead_namespace(void)
{
	struct gosync_info info;
	char oldlim[32] = "";
	int fd, st_fill, st_sweep, st_host;

	if (!fd_from_dead_namespace(&fd))
		return false;
	CHECK_EQ(tap_fork(ns_new_scope, NULL), 0);
	CHECK_OK(gosync_info(fd, &info));
	CHECK(!(info.flags & GOSYNC_INFO_NAMED) && !info.name[0],
	      "still named '%s' after its namespace died", info.name);
	CHECK_EQ(info.nr_files, 1);
	CHECK_EQ(value(fd), 7);
	CHECK_OK(gosync_counter_add(fd, 1, NULL));
	CHECK_EQ(value(fd), 8);
	close(fd);

	/* Names nothing else holds are freed: their owner may make as many again. */
	tap_read_file(PARAMS "max_objects_per_user", oldlim, sizeof(oldlim));
	CHECK(oldlim[0], "no max_objects_per_user parameter");
	CHECK(tap_write_file(PARAMS "max_objects_per_user", "3"), "set max_objects_per_user");
	st_fill = tap_fork(ns_fill_and_die, NULL);
	st_sweep = tap_fork(ns_new_scope, NULL);
	st_host = tap_fork(host_fill, NULL);
	tap_write_file(PARAMS "max_objects_per_user", oldlim);
	CHECK(st_fill == 0, "filling the limit in a namespace: step %d", st_fill);
	CHECK(st_sweep == 0, "a new namespace: step %d", st_sweep);
	CHECK(st_host != 21, "uid %d still pays for the names of a dead namespace", DEAD_UID);
	CHECK(st_host == 0, "uid %d on the host: step %d", DEAD_UID, st_host);
	return true;
}

/*
 * With no new namespace to sweep before it, the periodic sweep (every 5 s
 * while a scope of another namespace lives) drops a dead namespace's names.
 */
static bool t_periodic_sweep(void)
{
	struct gosync_info info;
	int fd, i;

	if (!fd_from_dead_namespace(&fd))
		return false;
	/* 60 s: twelve sweep intervals, so a slow guest is not a failure */
	for (i = 0; i < 600; i++) {
		CHECK_OK(gosync_info(fd, &info));
		if (!(info.flags & GOSYNC_INFO_NAMED))
			break;
		usleep(100000);
	}
	CHECK(!(info.flags & GOSYNC_INFO_NAMED), "still named '%s' 60 s after its namespace died",
	      info.name);
	CHECK_EQ(info.nr_files, 1);
	CHECK_EQ(value(fd), 7);
	close(fd);
	return true;
}

/* ---- squatting ---- */

#define SQUATTER	4002
#define SERVICE		4003
#define CLIENT		4004

struct squat {
	const char *name;
	const char *name2;
};

/* The squatter takes the service's names first: one for anyone, one 0600. */
static int squatter(void *arg)
{
	struct squat *q = arg;
	int fd;

	if (!become(SQUATTER))
		return 10;
	fd = gosync_mutex_create(dev, q->name, 0666, 0);
	if (fd < 0)
		return 11;
	close(fd);
	fd = gosync_mutex_create(dev, q->name2, 0600, 0);
	if (fd < 0)
		return 12;
	close(fd);
	return 0;
}

/*
 * The service finds its names taken: create says EEXIST; an open that
 * requires its own uid is refused (EPERM), where a plain open would take the
 * squatter's object for its own (or say EACCES for the 0600 one).
 */
static int service_squatted(void *arg)
{
	struct squat *q = arg;
	int fd;

	if (!become(SERVICE))
		return 10;
	if (gosync_mutex_create(dev, q->name, 0666, 0) >= 0 || errno != EEXIST)
		return 11;
	if (gosync_open_owner(dev, q->name, GOSYNC_TYPE_MUTEX, SERVICE, -1) >= 0 ||
	    errno != EPERM)
		return 12;
	fd = gosync_open(dev, q->name, GOSYNC_TYPE_MUTEX);	/* the hazard */
	if (fd < 0)
		return 13;
	close(fd);
	if (gosync_open_owner(dev, q->name2, 0, SERVICE, -1) >= 0 || errno != EPERM)
		return 14;
	if (gosync_open(dev, q->name2, 0) >= 0 || errno != EACCES)
		return 15;
	/* the squatter's names are not ours to remove */
	if (gosync_unlink(dev, q->name) == 0 || errno != EPERM)
		return 16;
	return 0;
}

/* Once root removed the squatter's name, the service claims it exclusively. */
static int service_claims(void *arg)
{
	struct squat *q = arg;
	int fd;

	if (!become(SERVICE))
		return 10;
	fd = gosync_mutex_create(dev, q->name, 0666, 0);
	if (fd < 0)
		return 11;
	close(fd);
	return 0;
}

/* A client opens the service's name only if the service owns it. */
static int client(void *arg)
{
	struct squat *q = arg;
	int fd;

	if (!become(CLIENT))
		return 10;
	fd = gosync_open_owner(dev, q->name, GOSYNC_TYPE_MUTEX, SERVICE, SERVICE);
	if (fd < 0)
		return 11;
	close(fd);
	if (gosync_open_owner(dev, q->name, GOSYNC_TYPE_MUTEX, SQUATTER, -1) >= 0 ||
	    errno != EPERM)
		return 12;
	if (gosync_open_owner(dev, q->name, GOSYNC_TYPE_MUTEX, -1, CLIENT) >= 0 ||
	    errno != EPERM)
		return 13;
	return 0;
}

static bool t_squat(void)
{
	char name[GOSYNC_NAME_MAX], name2[GOSYNC_NAME_MAX];
	struct squat q = { tap_name(name, "svc"), tap_name(name2, "svc2") };
	int st, fd;

	CHECK_EQ(tap_fork(squatter, &q), 0);
	st = tap_fork(service_squatted, &q);
	CHECK(st == 0, "the squatted service: step %d", st);
	/* root may require an owner too, and remove the squatter's name */
	fd = CHECK_OK(gosync_open_owner(dev, name, 0, SQUATTER, SQUATTER));
	close(fd);
	CHECK_ERRNO(gosync_open_owner(dev, name, 0, SQUATTER, 0), EPERM, true);
	CHECK_ERRNO(gosync_open_owner(dev, name, 0, 0, -1), EPERM, true);
	/* the owner is checked before the type */
	CHECK_ERRNO(gosync_open_owner(dev, name, GOSYNC_TYPE_COUNTER, 0, -1), EPERM, true);
	CHECK_ERRNO(gosync_open_owner(dev, name, GOSYNC_TYPE_COUNTER, SQUATTER, -1), EINVAL,
		    true);
	CHECK_OK(gosync_unlink(dev, name));
	CHECK_OK(gosync_unlink(dev, name2));
	st = tap_fork(service_claims, &q);
	CHECK(st == 0, "the service's claim: step %d", st);
	st = tap_fork(client, &q);
	CHECK(st == 0, "the client: step %d", st);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

/* GOSYNC_OPEN_UID/GID's input checks, and the first version of the struct. */
static bool t_open_owner_input(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_open o = { .size = sizeof(o) };
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "oin"), 0600,
						GOSYNC_COUNTER_ATOMIC, 0));

	close(fd);
	o.name = (uintptr_t)name;
	o.flags = 1u << 2;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	o.flags = 0;
	o.uid = 5;			/* without GOSYNC_OPEN_UID */
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	o.uid = 0;
	o.gid = 5;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	o.flags = GOSYNC_OPEN_GID;
	o.gid = (uint32_t)-1;		/* not a gid anywhere */
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	o.flags = GOSYNC_OPEN_UID;
	o.gid = 0;
	o.uid = (uint32_t)-1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	o.uid = 0;
	fd = CHECK_OK(ioctl(dev, GOSYNC_IOC_OPEN, &o));	/* root's own */
	close(fd);
	o.flags = GOSYNC_OPEN_UID | GOSYNC_OPEN_GID;
	o.gid = 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EPERM, true);
	/* a caller that knows only the first version: no owner check, as before */
	o = (struct gosync_open){ .size = offsetof(struct gosync_open, uid),
				  .name = (uintptr_t)name };
	fd = CHECK_OK(ioctl(dev, GOSYNC_IOC_OPEN, &o));
	close(fd);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

/* ---- what LIST shows to whom ---- */

#define LISTER		4005

struct seen {
	uint64_t root_0600, root_0666, root_anon, root_unlinked;
	int sock;
};

/* As LISTER: make a 0600 name and an anonymous object; check what LIST shows. */
static int lister(void *arg)
{
	struct seen *s = arg;
	int named, anon;
	uint64_t ids[2];

	if (!become(LISTER))
		return 10;
	named = gosync_counter_create(dev, "e2e-ns-lister", 0600, GOSYNC_COUNTER_ATOMIC, 0);
	anon = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0);
	if (named < 0 || anon < 0)
		return 11;
	if (!listed(obj_id(named)) || !listed(obj_id(anon)))
		return 12;	/* its own */
	if (!listed(s->root_0666))
		return 13;	/* a name it may open */
	if (listed(s->root_0600))
		return 14;	/* a name it may not open */
	if (listed(s->root_anon))
		return 15;	/* someone else's anonymous object */
	if (listed(s->root_unlinked))
		return 16;	/* 0666, but no longer named: nobody can open it */
	ids[0] = obj_id(named);
	ids[1] = obj_id(anon);
	if (write(s->sock, ids, sizeof(ids)) != sizeof(ids))
		return 17;
	close(named);
	return 0;
}

static bool t_list_visibility(void)
{
	char n1[GOSYNC_NAME_MAX], n2[GOSYNC_NAME_MAX], n3[GOSYNC_NAME_MAX];
	int a = CHECK_OK(gosync_counter_create(dev, tap_name(n1, "l600"), 0600,
					       GOSYNC_COUNTER_ATOMIC, 0));
	int b = CHECK_OK(gosync_counter_create(dev, tap_name(n2, "l666"), 0666,
					       GOSYNC_COUNTER_ATOMIC, 0));
	int c = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	int d = CHECK_OK(gosync_counter_create(dev, tap_name(n3, "lunl"), 0666,
					       GOSYNC_COUNTER_ATOMIC, 0));
	struct seen s = { obj_id(a), obj_id(b), obj_id(c), obj_id(d), -1 };
	uint64_t ids[2] = { 0, 0 };
	int sv[2], st;

	CHECK_OK(gosync_unlink(dev, n3));
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	s.sock = sv[1];
	st = tap_fork(lister, &s);
	close(sv[1]);
	CHECK(st == 0, "uid %d's listing: step %d", LISTER, st);
	CHECK(read(sv[0], ids, sizeof(ids)) == sizeof(ids), "no ids from the lister");
	close(sv[0]);
	/* root sees everything of its namespace: the lister's name too */
	CHECK(listed(s.root_0600) && listed(s.root_0666) && listed(s.root_anon) &&
	      listed(s.root_unlinked), "root does not list its own objects");
	CHECK(listed(ids[0]), "root does not list uid %d's name", LISTER);
	CHECK(!listed(ids[1]), "uid %d's anonymous object outlived its fd", LISTER);
	CHECK_OK(gosync_unlink(dev, "e2e-ns-lister"));
	close(a);
	close(b);
	close(c);
	close(d);
	return true;
}

/* ---- an unprivileged user's own user and IPC namespaces ---- */

#define ROOTLESS	1000

struct rootless {
	const char *name;
	int sock;
};

static int rootless(void *arg)
{
	struct rootless *r = arg;
	struct gosync_info info;
	uint64_t ids[4];
	unsigned int total;
	char map[32];
	int fd, other;

	/* dumpable again after the uid change, or /proc/self/uid_map stays root's */
	if (!become(ROOTLESS) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 10;
	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC))
		return errno == EPERM || errno == EINVAL || errno == ENOSPC ? 99 : 11;
	snprintf(map, sizeof(map), "0 %d 1\n", ROOTLESS);
	if (!tap_write_file("/proc/self/setgroups", "deny") ||
	    !tap_write_file("/proc/self/uid_map", map) ||
	    !tap_write_file("/proc/self/gid_map", map))
		return 12;
	/* root of its own namespaces, with nothing of the host's in sight */
	if (gosync_open(dev, r->name, 0) >= 0 || errno != ENOENT)
		return 13;
	if (list_ids(ids, 4, &total) != 0 || total != 0)
		return 14;
	fd = gosync_counter_create(dev, r->name, 0600, GOSYNC_COUNTER_ATOMIC, 5);
	if (fd < 0)
		return 15;
	if (gosync_info(fd, &info) || info.uid != 0 || info.gid != 0)
		return 16;
	if (list_ids(ids, 4, &total) != 1 || ids[0] != info.id || total != 1)
		return 17;
	/* uid 0 here is ROOTLESS outside: it is the owner */
	other = gosync_open_owner(dev, r->name, 0, 0, 0);
	if (other < 0)
		return 18;
	close(other);
	return tap_send_fd(r->sock, fd) ? 19 : 0;
}

static bool rootless_skipped;

static bool t_rootless(void)
{
	char name[GOSYNC_NAME_MAX], oldclone[8] = "";
	struct gosync_info info;
	struct rootless r = { tap_name(name, "rootless"), -1 };
	int host = CHECK_OK(gosync_counter_create(dev, name, 0600, GOSYNC_COUNTER_ATOMIC, 1));
	int sv[2], fd, st;
	pid_t pid;

	if (access("/proc/self/ns/user", F_OK)) {
		printf("ok - e2e:ns-rootless # SKIP no user namespaces\n");
		rootless_skipped = true;
		close(host);
		return true;
	}
	tap_read_file("/proc/sys/kernel/unprivileged_userns_clone", oldclone, sizeof(oldclone));
	if (oldclone[0])
		tap_write_file("/proc/sys/kernel/unprivileged_userns_clone", "1");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	r.sock = sv[1];
	pid = spawn(rootless, &r);
	close(sv[1]);
	fd = tap_recv_fd(sv[0]);
	close(sv[0]);
	st = reap(pid);
	if (oldclone[0])
		tap_write_file("/proc/sys/kernel/unprivileged_userns_clone", oldclone);
	if (st == 99) {
		printf("ok - e2e:ns-rootless # SKIP uid %d may not create a user namespace\n",
		       ROOTLESS);
		rootless_skipped = true;
		close(host);
		return true;
	}
	CHECK(st == 0, "the rootless container: step %d", st);
	CHECK(fd >= 0, "no fd from the rootless container");
	/* the host sees its real owner, and not its name */
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.uid, ROOTLESS);
	CHECK_EQ(value(fd), 5);
	CHECK_EQ(value(host), 1);
	close(fd);
	close(host);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

/* ---- absolute deadlines from inside a time namespace ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * In the namespace: a Wait on a WaitGroup that stays at 1, until 100 ms
 * after now by this namespace's CLOCK_MONOTONIC. It must time out, and not
 * before that deadline (read on the same clock): with the namespace's
 * offset taken as the host's time, an hour ahead it would sleep an hour (the
 * alarm ends it) and behind it would time out at once.
 */
static int timens_wait(void *arg)
{
	int64_t t0 = mono_ns(), deadline = t0 + 100000000LL;
	struct gosync_waitgroup_cmd c = {
		.size = sizeof(c), .op = GOSYNC_WG_WAIT, .flags = GOSYNC_WAIT_ABSTIME,
		.timeout_ns = (uint64_t)deadline,
	};

	alarm(30);
	if (ioctl(*(int *)arg, GOSYNC_IOC_WAITGROUP, &c) == 0 || errno != ETIMEDOUT)
		return 1;
	return mono_ns() < deadline ? 2 : 0;
}

struct timens {
	int wg;
	long long offset_s;
};

/* Unshare a time namespace with @t's offset, and wait in a child in it. */
static int timens_enter(void *arg)
{
	struct timens *t = arg;
	char line[64];

	if (unshare(CLONE_NEWTIME))
		return errno == EINVAL || errno == EPERM ? 99 : 10;
	snprintf(line, sizeof(line), "monotonic %lld 0", t->offset_s);
	if (!tap_write_file("/proc/self/timens_offsets", line))
		return 11;
	return tap_fork(timens_wait, &t->wg);
}

static bool timens_skipped;

static bool t_time_namespace(void)
{
	/* behind: as far as the namespace's clock may go (not below 0) */
	long long behind = -(mono_ns() / 1000000000LL - 1);
	struct timens t = { CHECK_OK(gosync_waitgroup_create(dev, NULL, 0)), 3600 };
	int st;

	CHECK_OK(gosync_waitgroup_add(t.wg, 1, NULL));
	st = tap_fork(timens_enter, &t);
	if (st == 99) {
		printf("ok - e2e:ns-time-deadline # SKIP no time namespaces\n");
		timens_skipped = true;
		close(t.wg);
		return true;
	}
	CHECK(st == 0, "an hour ahead: step %d", st);
	if (behind < 0) {
		t.offset_s = behind;
		st = tap_fork(timens_enter, &t);
		CHECK(st == 0, "%lld s behind: step %d", -behind, st);
	}
	close(t.wg);
	return true;
}

int main(void)
{
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("namespaces");
	if (access("/proc/self/ns/ipc", F_OK)) {
		printf("ok - e2e:ns # SKIP no IPC namespaces\n");
		return tap_done(dev, "namespaces");
	}
	tap_report(t_same_name(), "ns-same-name");
	tap_report(t_dead_namespace(), "ns-dead-namespace");
	tap_report(t_periodic_sweep(), "ns-periodic-sweep");
	tap_report(t_squat(), "ns-squat");
	tap_report(t_open_owner_input(), "ns-open-owner-input");
	tap_report(t_list_visibility(), "ns-list-visibility");
	ok = t_rootless();
	if (!rootless_skipped)
		tap_report(ok, "ns-rootless");
	ok = t_time_namespace();
	if (!timens_skipped)
		tap_report(ok, "ns-time-deadline");
	return tap_done(dev, "namespaces");
}
