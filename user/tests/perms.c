// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: owners and permission bits. Runs as root; children drop to nobody
 * (65534) or 65533 after opening /dev/gosync, so only the object's own
 * bits decide.
 */
#include <grp.h>

#include "tap.h"

#define NOBODY	65534
#define OTHER	65533

static int dev;

struct as_user {
	uid_t uid;
	const char *name;
	enum { DO_OPEN, DO_OPEN_AS_MAP, DO_UNLINK, DO_CREATE } what;
	unsigned int perm;	/* DO_CREATE */
};

/* In a child: become @a->uid, then try; exit 0 on success, else errno. */
static int child_as(void *arg)
{
	struct as_user *a = arg;
	int fd;

	if (setgroups(0, NULL) || setresgid(a->uid, a->uid, a->uid) ||
	    setresuid(a->uid, a->uid, a->uid))
		return 200;
	switch (a->what) {
	case DO_OPEN:
		fd = gosync_open(dev, a->name, GOSYNC_TYPE_COUNTER);
		if (fd < 0)
			return errno;
		if (gosync_counter_add(fd, 1, NULL) < 0)
			return 201;
		return 0;
	case DO_OPEN_AS_MAP:	/* the wrong type: what may the caller learn? */
		fd = gosync_open(dev, a->name, GOSYNC_TYPE_MAP);
		return fd < 0 ? errno : 0;
	case DO_UNLINK:
		return gosync_unlink(dev, a->name) < 0 ? errno : 0;
	case DO_CREATE:
		return gosync_counter_create(dev, a->name, a->perm,
					     GOSYNC_COUNTER_ATOMIC, 0) < 0 ? errno : 0;
	}
	return 202;
}

static int as(uid_t uid, int what, const char *name, unsigned int perm)
{
	struct as_user a = { uid, name, what, perm };

	return tap_fork(child_as, &a);
}

#define CHECK_AS(uid, what, name, perm, want) do {			\
	int _s = as(uid, what, name, perm);				\
	CHECK(_s == (want), "uid %d %s: got %s, expected %s", uid,	\
	      #what, _s ? tap_errname(_s) : "success",			\
	      (want) ? tap_errname(want) : "success");			\
} while (0)

static int64_t value(int fd)
{
	int64_t v = -1;

	gosync_counter_load(fd, &v);
	return v;
}

static bool t_private(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "p600"), 0600,
						GOSYNC_COUNTER_ATOMIC, 0));

	CHECK_AS(NOBODY, DO_OPEN, name, 0, EACCES);
	/* nor its type: the mode is checked before it (EINVAL would tell) */
	CHECK_AS(NOBODY, DO_OPEN_AS_MAP, name, 0, EACCES);
	CHECK_AS(NOBODY, DO_UNLINK, name, 0, EPERM);
	CHECK_EQ(value(fd), 0);
	close(fd);
	return true;
}

static bool t_default_perm(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "p0"), 0,
						GOSYNC_COUNTER_ATOMIC, 0));

	/* perm 0 means 0600, and says so: not 0 (no one) nor another default */
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.perm, 0600);
	CHECK_AS(NOBODY, DO_OPEN, name, 0, EACCES);
	close(fd);
	return true;
}

static bool t_shared(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "p666"), 0666,
						GOSYNC_COUNTER_ATOMIC, 0));

	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.perm, 0666);
	CHECK_AS(NOBODY, DO_OPEN, name, 0, 0);
	CHECK_EQ(value(fd), 1);
	/* may use, may not unlink */
	CHECK_AS(NOBODY, DO_UNLINK, name, 0, EPERM);
	close(CHECK_OK(gosync_open(dev, name, 0)));
	CHECK_OK(gosync_unlink(dev, name));
	close(fd);
	return true;
}

/* Use needs both read and write in the caller's class. */
static bool t_read_only(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "p644"), 0644,
						GOSYNC_COUNTER_ATOMIC, 0));

	CHECK_AS(NOBODY, DO_OPEN, name, 0, EACCES);
	close(fd);
	fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "p622"), 0622,
					    GOSYNC_COUNTER_ATOMIC, 0));
	CHECK_AS(NOBODY, DO_OPEN, name, 0, EACCES);
	close(fd);
	return true;
}

/* An object created by nobody: owned by nobody, classes as for files. */
static bool t_owner_classes(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd;

	/* owner rw only */
	CHECK_AS(NOBODY, DO_CREATE, tap_name(name, "own600"), 0600, 0);
	fd = CHECK_OK(gosync_open(dev, name, 0));	/* root: CAP_DAC_OVERRIDE */
	CHECK_OK(gosync_info(fd, &info));
	CHECK_EQ(info.uid, NOBODY);
	CHECK_EQ(info.gid, NOBODY);
	CHECK_EQ(info.perm, 0600);
	close(fd);
	CHECK_AS(NOBODY, DO_OPEN, name, 0, 0);
	CHECK_AS(OTHER, DO_OPEN, name, 0, EACCES);
	CHECK_AS(OTHER, DO_UNLINK, name, 0, EPERM);
	CHECK_AS(NOBODY, DO_UNLINK, name, 0, 0);
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);

	/* the owner class decides for the owner, even if others may */
	CHECK_AS(NOBODY, DO_CREATE, tap_name(name, "own066"), 066, 0);
	CHECK_AS(NOBODY, DO_OPEN, name, 0, EACCES);
	CHECK_AS(OTHER, DO_OPEN, name, 0, 0);
	/* root may unlink anyone's name (CAP_FOWNER) */
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

int main(void)
{
	dev = tap_dev("perms");
	if (geteuid() != 0) {
		printf("not ok - e2e:perms-need-root (euid %d)\n", (int)geteuid());
		return 1;
	}
	tap_report(t_private(), "perms-0600-other-eacces-eperm");
	tap_report(t_default_perm(), "perms-default-0600");
	tap_report(t_shared(), "perms-0666-other-opens");
	tap_report(t_read_only(), "perms-need-read-and-write");
	tap_report(t_owner_classes(), "perms-owner-classes");
	return tap_done(dev, "perms");
}
