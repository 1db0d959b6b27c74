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
	enum { DO_OPEN, DO_OPEN_AS_MAP, DO_UNLINK, DO_CREATE, DO_UNLINK_ID } what;
	unsigned int perm;	/* DO_CREATE */
	uint64_t id;		/* DO_UNLINK_ID */
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
	case DO_UNLINK_ID:
		return gosync_unlink_id(dev, a->name, a->id) < 0 ? errno : 0;
	}
	return 202;
}

static int as(uid_t uid, int what, const char *name, unsigned int perm)
{
	struct as_user a = { uid, name, what, perm, 0 };

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

static int unlink_id_as(uid_t uid, const char *name, uint64_t id)
{
	struct as_user a = { .uid = uid, .name = name, .what = DO_UNLINK_ID, .id = id };

	return tap_fork(child_as, &a);
}

#define CHECK_UNLINK_ID_AS(uid, name, id, want) do {			\
	int _s = unlink_id_as(uid, name, id);				\
	CHECK(_s == (want), "uid %d unlink %s by id %s: got %s, expected %s", uid, \
	      name, #id, _s ? tap_errname(_s) : "success",		\
	      (want) ? tap_errname(want) : "success");			\
} while (0)

/*
 * UNLINK with GOSYNC_UNLINK_ID checks the owner before the id: someone who
 * may not unlink the name gets EPERM whether the id is right or wrong, so
 * it cannot learn an object's id by trying (ENOENT would say "wrong id").
 * For the owner, a wrong id is ENOENT and leaves the name; the right one
 * removes it.
 */
static bool t_unlink_id(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_info info;
	int fd = CHECK_OK(gosync_counter_create(dev, tap_name(name, "uid666"), 0666,
						GOSYNC_COUNTER_ATOMIC, 0));
	uint64_t id;

	CHECK_OK(gosync_info(fd, &info));
	id = info.id;
	close(fd);
	/* root's name, mode 0666: nobody may use it, not unlink it, by any id */
	CHECK_UNLINK_ID_AS(NOBODY, name, id + 1000, EPERM);
	CHECK_UNLINK_ID_AS(NOBODY, name, id, EPERM);
	close(CHECK_OK(gosync_open(dev, name, 0)));
	/* the owner learns a wrong id (ENOENT, the name stays), then unlinks */
	CHECK_ERRNO(gosync_unlink_id(dev, name, id + 1000), ENOENT, false);
	close(CHECK_OK(gosync_open(dev, name, 0)));
	CHECK_OK(gosync_unlink_id(dev, name, id));
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);

	/* nobody's name: the same for another user; nobody itself may */
	CHECK_AS(NOBODY, DO_CREATE, tap_name(name, "uidnobody"), 0666, 0);
	fd = CHECK_OK(gosync_open(dev, name, 0));
	CHECK_OK(gosync_info(fd, &info));
	close(fd);
	CHECK_UNLINK_ID_AS(OTHER, name, info.id + 1000, EPERM);
	CHECK_UNLINK_ID_AS(OTHER, name, info.id, EPERM);
	CHECK_UNLINK_ID_AS(NOBODY, name, info.id + 1000, ENOENT);
	close(CHECK_OK(gosync_open(dev, name, 0)));
	CHECK_UNLINK_ID_AS(NOBODY, name, info.id, 0);
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);
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
	tap_report(t_unlink_id(), "perms-unlink-id-eperm-before-enoent");
	return tap_done(dev, "perms");
}
