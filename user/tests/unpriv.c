// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: what an unprivileged user can and cannot do (root in the VM; children
 * drop to gosyncuser 1000 or nobody 65534, all capabilities gone).
 *
 *  - /dev/gosync is 0600: an unprivileged open is EACCES. For the rest of
 *    the test it is made 0666 (restored at the end), as a site that lets
 *    users in would;
 *  - TORTURE (kthreads on demand) is EPERM without CAP_SYS_ADMIN, also for
 *    arguments root would get EINVAL for;
 *  - root's and another user's 0600 objects: OPEN EACCES for every type,
 *    UNLINK EPERM, and the objects are unchanged; a 0606 object is usable
 *    by others but still only its owner may unlink it;
 *  - names are validated for everyone: too long ENAMETOOLONG, bad bytes,
 *    empty, leading '.' EINVAL;
 *  - every command of cmdtable.h, with its valid argument, on the user's
 *    own objects: device commands succeed except CMD_ADMIN ones (EPERM),
 *    object commands succeed on every type they take.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "cmdtable.h"

static int dev;

static void drop(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		_exit(200);
}

struct job {
	uid_t uid;
	int (*fn)(int dev, struct job *j);
	const char *name;
	unsigned int type;
};

static int run_job(void *p)
{
	struct job *j = p;
	int d;

	drop(j->uid);
	d = gosync_dev_open();
	if (d < 0)
		return errno;
	return j->fn(d, j);
}

static int as(uid_t uid, int (*fn)(int, struct job *), const char *name, unsigned int type)
{
	struct job j = { uid, fn, name, type };

	return tap_fork(run_job, &j);
}

static int j_open(int d, struct job *j)
{
	int fd = gosync_open(d, j->name, j->type);

	return fd < 0 ? errno : 0;
}

static int j_unlink(int d, struct job *j)
{
	return gosync_unlink(d, j->name) < 0 ? errno : 0;
}

static int j_torture(int d, struct job *j)
{
	struct gosync_torture t = { .size = sizeof(t), .type = GOSYNC_TYPE_COUNTER,
				    .subtype = GOSYNC_COUNTER_ATOMIC, .nr_writers = 1,
				    .duration_ms = 1 };

	(void)j;
	return ioctl(d, GOSYNC_IOC_TORTURE, &t) < 0 ? errno : 0;
}

/* A request root would get EINVAL for: unprivileged, still EPERM, telling nothing */
static int j_torture_bad(int d, struct job *j)
{
	struct gosync_torture t = { .size = sizeof(t), .flags = 1, .type = GOSYNC_TYPE_COUNTER,
				    .subtype = 99, .nr_writers = GOSYNC_TORTURE_MAX_THREADS + 1,
				    .duration_ms = 0 };

	(void)j;
	return ioctl(d, GOSYNC_IOC_TORTURE, &t) < 0 ? errno : 0;
}

static int j_create(int d, struct job *j)
{
	int fd = gosync_map_create(d, j->name, j->type, GOSYNC_MAP_SPIN, 0, 0);

	if (fd < 0)
		return errno;
	return gosync_map_store(fd, "k", 1, "user", 4) < 0 ? 201 : 0;
}

static int j_names(int d, struct job *j)
{
	static const struct { const char *n; int e; } bad[] = {
		{ "", EINVAL }, { ".dot", EINVAL }, { "a/b", EINVAL }, { "a b", EINVAL },
		{ "caf\xc3\xa9", EINVAL }, { "a\n", EINVAL }, { "x*", EINVAL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ENAMETOOLONG },
	};

	(void)j;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = gosync_counter_create(d, bad[i].n, 0, GOSYNC_COUNTER_ATOMIC, 0);

		if (fd >= 0 || errno != bad[i].e)
			return 100 + (int)i;
		if (gosync_open(d, bad[i].n, 0) >= 0 || errno != bad[i].e)
			return 120 + (int)i;
	}
	/* the longest valid name (63 bytes) works */
	{
		char n[64];
		int fd;

		memset(n, 'u', 63);
		n[63] = 0;
		fd = gosync_counter_create(d, n, 0, GOSYNC_COUNTER_ATOMIC, 0);
		if (fd < 0)
			return 140;
		if (gosync_unlink(d, n))
			return 141;
	}
	return 0;
}

/* Every command, as this user, on objects of its own; prints what failed. */
static int j_commands(int d, struct job *j)
{
	uint64_t arg[64];
	struct cmd_env e;
	int fails = 0;

	(void)j;
	if (!cmd_env_init(&e, d)) {
		printf("# uid %d: %s\n", (int)getuid(), tap_why);
		return 150;
	}
	for_each_cmd(c) {
		for (uint32_t type = 0; type < 64; type++) {
			int want = c->flags & CMD_ADMIN ? EPERM : 0;
			char nm[64];
			long r;

			if (!cmd_takes(c, type))
				continue;
			cmd_build(c, arg, sizeof(arg), c->size, &e, type);
			errno = 0;
			r = cmd_call(c, &e, type, arg);
			if (want ? r != -1 || errno != want : r < 0) {
				printf("# uid %d: %s: %s, expected %s\n", (int)getuid(),
				       cmd_label(c, type, nm), r < 0 ? tap_errname(errno) : "success",
				       want ? tap_errname(want) : "success");
				fails++;
			}
		}
	}
	cmd_env_fini(&e);
	return fails ? 151 : 0;
}

#define CHECK_AS(uid, fn, name, type, want) do {				\
	const char *_n = (name);						\
	int _s = as(uid, fn, _n, type);						\
	CHECK(_s == (want), "uid %d %s(%s): got %s, expected %s", uid, #fn,	\
	      _n ? _n : "", _s ? tap_errname(_s) : "success",			\
	      (want) ? tap_errname(want) : "success");				\
} while (0)

static bool t_dev_mode(void)
{
	CHECK_AS(1000, j_open, "x", 0, EACCES);	/* /dev/gosync 0600: open fails */
	CHECK_OK(chmod(GOSYNC_DEVICE, 0666));
	return true;
}

static bool t_torture(void)
{
	CHECK_AS(1000, j_torture, NULL, 0, EPERM);
	CHECK_AS(65534, j_torture, NULL, 0, EPERM);
	CHECK_AS(1000, j_torture_bad, NULL, 0, EPERM);
	return true;
}

/* Every type of cmdtable.h: root's 0600 objects are closed to other users. */
static bool t_roots_objects(void)
{
	for (size_t i = 0; i < NR_CMD_TYPES; i++) {
		uint32_t type = cmd_types[i].type;
		char name[GOSYNC_NAME_MAX], tag[8];
		int fd;

		snprintf(tag, sizeof(tag), "t%u", type);
		tap_name(name, tag);
		fd = cmd_create(dev, type, name, 0600);
		CHECK(fd >= 0, "create a %s: %s", cmd_types[i].name, tap_errname(errno));
		CHECK_AS(1000, j_open, name, 0, EACCES);
		CHECK_AS(1000, j_open, name, type, EACCES);
		CHECK_AS(65534, j_unlink, name, 0, EPERM);
		close(fd);
		fd = CHECK_OK(gosync_open(dev, name, type));	/* still there */
		close(fd);
	}
	return true;
}

static bool t_other_users_objects(void)
{
	char name[GOSYNC_NAME_MAX], shared[GOSYNC_NAME_MAX];
	int fd;
	size_t len = 0;
	char v[8];

	snprintf(name, sizeof(name), "unpriv-%d-u1000", getpid());
	snprintf(shared, sizeof(shared), "unpriv-%d-shared", getpid());
	CHECK_AS(1000, j_create, name, 0600, 0);
	CHECK_AS(1000, j_create, shared, 0606, 0);
	CHECK_AS(65534, j_open, name, 0, EACCES);
	CHECK_AS(65534, j_unlink, name, 0, EPERM);
	CHECK_AS(65534, j_open, shared, GOSYNC_TYPE_MAP, 0);
	CHECK_AS(65534, j_unlink, shared, 0, EPERM);
	/* the owner's data is untouched; root (CAP_DAC_OVERRIDE) can read it */
	fd = CHECK_OK(gosync_open(dev, name, GOSYNC_TYPE_MAP));
	CHECK_OK(gosync_map_load(fd, "k", 1, v, sizeof(v), &len, NULL));
	CHECK(len == 4 && !memcmp(v, "user", 4), "value changed");
	close(fd);
	CHECK_AS(1000, j_unlink, name, 0, 0);
	CHECK_AS(1000, j_unlink, shared, 0, 0);
	return true;
}

static bool t_commands(void)
{
	CHECK_AS(1000, j_commands, NULL, 0, 0);
	CHECK_AS(65534, j_commands, NULL, 0, 0);
	return true;
}

static bool t_names(void)
{
	CHECK_AS(1000, j_names, NULL, 0, 0);
	return true;
}

int main(void)
{
	struct stat st;
	bool have = stat(GOSYNC_DEVICE, &st) == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || !have) {
		printf("ok - e2e:unpriv # SKIP needs root and %s\n", GOSYNC_DEVICE);
		return 0;
	}
	dev = tap_dev("unpriv");
	tap_report(cmdtable_check(dev), "unpriv-cmdtable");
	if (tap_report(t_dev_mode(), "unpriv-dev-0600")) {
		tap_report(t_torture(), "unpriv-torture-eperm");
		tap_report(t_roots_objects(), "unpriv-roots-0600-objects");
		tap_report(t_other_users_objects(), "unpriv-other-users-objects");
		tap_report(t_names(), "unpriv-name-validation");
		tap_report(t_commands(), "unpriv-every-command");
	}
	chmod(GOSYNC_DEVICE, st.st_mode & 07777);
	return tap_done(dev, "unpriv");
}
