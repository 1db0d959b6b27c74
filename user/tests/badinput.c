// SPDX-License-Identifier: GPL-2.0
/* e2e: every kind of bad input, each with the errno <linux/gosync.h> documents. */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "tap.h"

static int dev, cfd;
static char objname[GOSYNC_NAME_MAX], unlname[GOSYNC_NAME_MAX];
static struct gosync_info list_buf[4];
static struct gosync_op batch_op = { .op = GOSYNC_OP_LOAD };

/* A command and how to build a valid argument for it (without size). */
struct cmd {
	const char *name;
	unsigned long nr;
	bool on_dev;		/* /dev/gosync, else a counter fd */
	bool returns_fd;
	size_t size;
	void (*build)(void *buf);
	size_t min;		/* the struct's first version, if it grew since */
	uint32_t flags;		/* its valid flags: the others are EINVAL */
};

static void b_version(void *p) { (void)p; }
static void b_info(void *p) { (void)p; }

static void b_create(void *p)
{
	struct gosync_create *c = p;

	c->type = GOSYNC_TYPE_COUNTER;
	c->counter.mode = GOSYNC_COUNTER_ATOMIC;
}

static void b_open(void *p)
{
	((struct gosync_open *)p)->name = (uintptr_t)objname;
}

/* Each valid unlink consumes the name: make sure it exists. */
static void b_unlink(void *p)
{
	int fd = gosync_counter_create(dev, unlname, 0, GOSYNC_COUNTER_ATOMIC, 0);

	if (fd >= 0)
		close(fd);
	((struct gosync_unlink *)p)->name = (uintptr_t)unlname;
}

static void b_list(void *p)
{
	struct gosync_list *l = p;

	l->entries = (uintptr_t)list_buf;
	l->entry_size = sizeof(list_buf[0]);
	l->count = 4;
}

static void b_counter(void *p)
{
	((struct gosync_counter_cmd *)p)->op = GOSYNC_OP_LOAD;
}

static void b_batch(void *p)
{
	struct gosync_batch *b = p;

	b->ops = (uintptr_t)&batch_op;
	b->count = 1;
	b->op_size = sizeof(batch_op);
}

static const struct cmd cmds[] = {
	{ "version", GOSYNC_IOC_VERSION, true, false, sizeof(struct gosync_version), b_version,
	  GOSYNC_VERSION_SIZE_VER0, 0 },
	{ "create", GOSYNC_IOC_CREATE, true, true, sizeof(struct gosync_create), b_create, 0, 0 },
	{ "open", GOSYNC_IOC_OPEN, true, true, sizeof(struct gosync_open), b_open,
	  offsetof(struct gosync_open, uid), GOSYNC_OPEN_UID | GOSYNC_OPEN_GID },
	{ "unlink", GOSYNC_IOC_UNLINK, true, false, sizeof(struct gosync_unlink), b_unlink, 0, 0 },
	{ "list", GOSYNC_IOC_LIST, true, false, sizeof(struct gosync_list), b_list, 0, 0 },
	{ "info", GOSYNC_IOC_INFO, false, false, sizeof(struct gosync_info_cmd), b_info, 0, 0 },
	{ "counter", GOSYNC_IOC_COUNTER, false, false, sizeof(struct gosync_counter_cmd), b_counter, 0, 0 },
	{ "batch", GOSYNC_IOC_BATCH, false, false, sizeof(struct gosync_batch), b_batch, 0, 0 },
};

/* Build @c's argument in @buf (zeroed to @room bytes), with size @size. */
static void *build(const struct cmd *c, void *buf, size_t room, uint32_t size)
{
	memset(buf, 0, room);
	c->build(buf);
	*(uint32_t *)buf = size;
	return buf;
}

static int call(const struct cmd *c, void *arg)
{
	int ret = ioctl(c->on_dev ? dev : cfd, c->nr, arg);

	if (ret >= 0 && c->returns_fd) {
		int e = errno;

		close(ret);
		errno = e;
		ret = 0;
	}
	return ret;
}

static uint64_t buf[64];	/* room for every struct plus a tail */
static uint64_t big[4096 / 8 + 1];	/* one byte more than a page: E2BIG */

static bool t_valid(const struct cmd *c)
{
	CHECK_OK(call(c, build(c, buf, sizeof(buf), c->size)));
	return true;
}

static bool t_fault(const struct cmd *c)
{
	size_t ps;
	char *page = tap_guard_page(&ps);

	CHECK(page, "mmap");
	CHECK_ERRNO(call(c, NULL), EFAULT, false);
	CHECK_ERRNO(call(c, page + ps), EFAULT, false);
	/* only the size field is mapped */
	build(c, buf, sizeof(buf), c->size);
	memcpy(page + ps - 4, buf, 4);
	CHECK_ERRNO(call(c, page + ps - 4), EFAULT, false);
	/* only the first half is mapped */
	memcpy(page + ps - c->size / 2, buf, c->size / 2);
	CHECK_ERRNO(call(c, page + ps - c->size / 2), EFAULT, false);
	munmap(page, ps);
	return true;
}

/* Output commands need a writable argument. */
static bool t_readonly(const struct cmd *c)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	char *page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(page != MAP_FAILED, "mmap");
	build(c, page, c->size, c->size);
	CHECK_OK(mprotect(page, ps, PROT_READ));
	CHECK_ERRNO(call(c, page), EFAULT, false);
	munmap(page, ps);
	return true;
}

static bool t_size(const struct cmd *c)
{
	CHECK_ERRNO(call(c, build(c, buf, sizeof(buf), 0)), EINVAL, false);
	CHECK_ERRNO(call(c, build(c, buf, sizeof(buf), 4)), EINVAL, false);
	CHECK_ERRNO(call(c, build(c, buf, sizeof(buf), 8)), EINVAL, false);
	CHECK_ERRNO(call(c, build(c, buf, sizeof(buf), (c->min ?: c->size) - 4)), EINVAL, false);
	if (c->min)	/* the first version is still accepted */
		CHECK_OK(call(c, build(c, buf, sizeof(buf), c->min)));
	/* newer struct: a zero tail is fine, a nonzero one is not */
	CHECK_OK(call(c, build(c, buf, sizeof(buf), c->size + 16)));
	build(c, buf, sizeof(buf), c->size + 16);
	((char *)buf)[c->size + 15] = 1;
	CHECK_ERRNO(call(c, buf), E2BIG, false);
	build(c, buf, sizeof(buf), c->size + 16);
	((char *)buf)[c->size] = 0x80;
	CHECK_ERRNO(call(c, buf), E2BIG, false);
	/* as openat2() and clone3(): bigger than a page is E2BIG even if zero */
	CHECK_ERRNO(call(c, build(c, big, sizeof(big), sizeof(big))), E2BIG, false);
	return true;
}

static bool t_flags(const struct cmd *c)
{
	for (int bit = 1; bit < 32; bit += 7) {
		if (c->flags & (1U << bit))
			continue;
		build(c, buf, sizeof(buf), c->size);
		((uint32_t *)buf)[1] = 1U << bit;
		CHECK_ERRNO(call(c, buf), EINVAL, false);
	}
	return true;
}

/* A command on the wrong kind of fd, or an unknown one: ENOTTY. */
static bool t_enotty(void)
{
	static const unsigned long dev_unknown[] = {
		_IO(GOSYNC_IOCTL_MAGIC, 0x3e), _IO(GOSYNC_IOCTL_MAGIC, 0x3f),
		_IO(GOSYNC_IOCTL_MAGIC, 0xff), _IO('x', GOSYNC_CMD_VERSION),
		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_INFO),
		GOSYNC_IOC_COUNTER, GOSYNC_IOC_BATCH,
	};
	static const unsigned long obj_unknown[] = {
		_IO(GOSYNC_IOCTL_MAGIC, 0x43), _IO(GOSYNC_IOCTL_MAGIC, 0x7f),
		_IO('x', GOSYNC_CMD_COUNTER),
		GOSYNC_IOC_VERSION, GOSYNC_IOC_CREATE, GOSYNC_IOC_OPEN,
		GOSYNC_IOC_UNLINK, GOSYNC_IOC_LIST,
	};

	for (size_t i = 0; i < sizeof(dev_unknown) / sizeof(dev_unknown[0]); i++) {
		build(&cmds[0], buf, sizeof(buf), sizeof(buf));
		CHECK(ioctl(dev, dev_unknown[i], buf) == -1 && errno == ENOTTY,
		      "/dev/gosync ioctl %#lx: %s, expected ENOTTY", dev_unknown[i],
		      tap_errname(errno));
	}
	for (size_t i = 0; i < sizeof(obj_unknown) / sizeof(obj_unknown[0]); i++) {
		memset(buf, 0, sizeof(buf));
		CHECK(ioctl(cfd, obj_unknown[i], buf) == -1 && errno == ENOTTY,
		      "counter fd ioctl %#lx: %s, expected ENOTTY", obj_unknown[i],
		      tap_errname(errno));
	}
	return true;
}

static bool t_reserved(void)
{
	struct gosync_create c = { .size = sizeof(c), .type = GOSYNC_TYPE_COUNTER,
				   .counter.mode = GOSYNC_COUNTER_ATOMIC };
	struct gosync_open o = { .size = sizeof(o), .name = (uintptr_t)objname,
				 .__reserved = 1 };
	struct gosync_list l;
	struct gosync_counter_cmd k = { .size = sizeof(k), .op = GOSYNC_OP_LOAD,
					.__reserved = 1 };
	struct gosync_batch b;

	c.counter.__reserved = 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_CREATE, &c), EINVAL, true);
	c.counter.__reserved = 0;
	c.counter.flags = 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_CREATE, &c), EINVAL, true);
	c.counter.flags = 0;
	c.__attr[3] = 1;	/* past struct gosync_counter_attr */
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_CREATE, &c), EINVAL, true);
	c.__attr[3] = 0;
	c.__attr[7] = 1ULL << 63;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_CREATE, &c), EINVAL, true);
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_OPEN, &o), EINVAL, true);
	b_list(build(&cmds[4], &l, sizeof(l), sizeof(l)));
	l.__reserved = 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_LIST, &l), EINVAL, false);
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_COUNTER, &k), EINVAL, false);
	build(&cmds[7], &b, sizeof(b), sizeof(b));
	b.__reserved = 1;
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_BATCH, &b), EINVAL, false);
	return true;
}

static bool t_unknown_values(void)
{
	static const uint32_t bad_types[] = { 0, 15, 99, 1U << 31 };
	static const uint32_t bad_modes[] = { 0, 7, 99, 1U << 31 };
	static const uint32_t bad_ops[] = { 0, 7, 99, 1U << 31 };
	int64_t r;

	for (size_t i = 0; i < 4; i++) {
		struct gosync_create c = { .type = bad_types[i],
					   .counter.mode = GOSYNC_COUNTER_ATOMIC };

		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	}
	for (size_t i = 0; i < 4; i++)
		CHECK_ERRNO(gosync_counter_create(dev, NULL, 0, bad_modes[i], 0),
			    EINVAL, true);
	for (size_t i = 0; i < 4; i++)
		CHECK_ERRNO(gosync_counter_op(cfd, bad_ops[i], 0, 0, 0, &r),
			    EINVAL, false);
	CHECK_ERRNO(gosync_counter_op(cfd, GOSYNC_OP_LOAD, 1U << 9, 0, 0, &r),
		    EINVAL, false);
	/* expected is CAS only */
	CHECK_ERRNO(gosync_counter_op(cfd, GOSYNC_OP_ADD, 0, 1, 5, &r), EINVAL, false);
	CHECK_ERRNO(gosync_counter_op(cfd, GOSYNC_OP_STORE, 0, 1, 5, &r), EINVAL, false);
	return true;
}

/* Names are checked the same way by create, open and unlink. */
static bool name_errno(const char *name, int err)
{
	static const char *const what[] = { "create", "open", "unlink" };
	char shown[80];
	long r;

	/* the name for messages: printable, and not past a guard page */
	shown[0] = 0;
	if (err != EFAULT)
		for (size_t i = 0, n = 0; name[i] && n < sizeof(shown) - 5; i++)
			n += snprintf(shown + n, sizeof(shown) - n,
				      name[i] > ' ' && name[i] < 0x7f ? "%c" : "\\x%02x",
				      (unsigned char)name[i]);
	for (int k = 0; k < 3; k++) {
		errno = 0;
		r = k == 0 ? gosync_counter_create(dev, name, 0, GOSYNC_COUNTER_ATOMIC, 0) :
		    k == 1 ? gosync_open(dev, name, 0) : gosync_unlink(dev, name);
		if (r >= 0 && k < 2)
			close((int)r);
		if (r != -1 || errno != err) {
			if (r >= 0 && k == 0)
				gosync_unlink(dev, name);
			FAIL("%s '%s': %s, expected %s", what[k], shown,
			     r == -1 ? tap_errname(errno) : "success", tap_errname(err));
		}
	}
	return true;
}

static bool t_names(void)
{
	static const char *const bad[] = {
		"", ".", "..", ".hidden", "a/b", "/a", "a b", "a\tb", "a\nb",
		"a:b", "a*", "caf\xc3\xa9", "a\x7f", "\xc0x", "\xff",
	};
	char longname[GOSYNC_NAME_MAX + 64], okname[GOSYNC_NAME_MAX];
	size_t ps;
	char *page = tap_guard_page(&ps);
	int fd;

	CHECK(page, "mmap");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!name_errno(bad[i], EINVAL))
			return false;
	/* GOSYNC_NAME_MAX - 1 bytes is the longest */
	memset(longname, 'n', sizeof(longname));
	longname[GOSYNC_NAME_MAX] = 0;
	if (!name_errno(longname, ENAMETOOLONG))
		return false;
	longname[sizeof(longname) - 1] = 0;
	if (!name_errno(longname, ENAMETOOLONG))
		return false;
	snprintf(okname, sizeof(okname), "%s", tap_name(longname, "x"));
	memset(okname + strlen(okname), 'n', GOSYNC_NAME_MAX - 1 - strlen(okname));
	okname[GOSYNC_NAME_MAX - 1] = 0;
	fd = CHECK_OK(gosync_counter_create(dev, okname, 0, GOSYNC_COUNTER_ATOMIC, 0));
	close(fd);
	close(CHECK_OK(gosync_open(dev, okname, 0)));
	CHECK_OK(gosync_unlink(dev, okname));
	/* every allowed character */
	fd = CHECK_OK(gosync_counter_create(dev, tap_name(longname, "aZ09._-"), 0,
					    GOSYNC_COUNTER_ATOMIC, 0));
	close(fd);
	CHECK_OK(gosync_unlink(dev, longname));
	/* unterminated, running into an unmapped page */
	memcpy(page + ps - 3, "abc", 3);
	if (!name_errno(page + ps - 3, EFAULT))
		return false;
	if (!name_errno(page + ps, EFAULT))
		return false;
	munmap(page, ps);
	return true;
}

static bool t_create_params(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_create c = { .type = GOSYNC_TYPE_COUNTER,
				   .counter.mode = GOSYNC_COUNTER_RACY };
	int fd;

	c.counter.racy_delay_ns = GOSYNC_RACY_DELAY_MAX + 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.counter.racy_delay_ns = UINT32_MAX;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.counter.racy_delay_ns = GOSYNC_RACY_DELAY_MAX;
	fd = CHECK_OK(gosync_create(dev, &c));
	close(fd);
	for (unsigned int m = GOSYNC_COUNTER_ATOMIC; m <= GOSYNC_COUNTER_PERCPU; m++) {
		c.counter.mode = m;
		c.counter.racy_delay_ns = 1;
		CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	}
	/* perm: at most 0777, and only with a name */
	tap_name(name, "perm");
	CHECK_ERRNO(gosync_counter_create(dev, name, 01000, GOSYNC_COUNTER_ATOMIC, 0),
		    EINVAL, true);
	CHECK_ERRNO(gosync_counter_create(dev, name, 04755, GOSYNC_COUNTER_ATOMIC, 0),
		    EINVAL, true);
	CHECK_ERRNO(gosync_counter_create(dev, name, 0xffffffff, GOSYNC_COUNTER_ATOMIC, 0),
		    EINVAL, true);
	CHECK_ERRNO(gosync_counter_create(dev, NULL, 0600, GOSYNC_COUNTER_ATOMIC, 0),
		    EINVAL, true);
	CHECK_ERRNO(gosync_open(dev, name, 0), ENOENT, true);
	fd = CHECK_OK(gosync_counter_create(dev, name, 0777, GOSYNC_COUNTER_ATOMIC, 0));
	close(fd);
	CHECK_OK(gosync_unlink(dev, name));
	return true;
}

static bool t_open_type(void)
{
	CHECK_ERRNO(gosync_open(dev, objname, GOSYNC_TYPE_MAP), EINVAL, true);
	CHECK_ERRNO(gosync_open(dev, objname, GOSYNC_TYPE_ONCE), EINVAL, true);
	CHECK_ERRNO(gosync_open(dev, objname, 99), EINVAL, true);
	close(CHECK_OK(gosync_open(dev, objname, GOSYNC_TYPE_COUNTER)));
	close(CHECK_OK(gosync_open(dev, objname, 0)));
	CHECK_ERRNO(gosync_open(dev, "e2e-no-such-object", 0), ENOENT, true);
	CHECK_ERRNO(gosync_unlink(dev, "e2e-no-such-object"), ENOENT, false);
	return true;
}

/*
 * Types without a wait (counters, maps) have no poll: epoll refuses them
 * with EPERM rather than wait forever, and poll() says ready at once, as for
 * a regular file.
 */
static bool t_poll(void)
{
	int fds[2] = {
		CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0)),
		CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0)),
	};
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));

	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct pollfd pf = { .fd = fds[i], .events = POLLIN | POLLOUT };

		CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev), EPERM, false);
		CHECK_EQ(poll(&pf, 1, 0), 1);
		CHECK_EQ(pf.revents, POLLIN | POLLOUT);
		close(fds[i]);
	}
	close(ep);
	return true;
}

static bool t_closed_fd(void)
{
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	struct gosync_info info;
	struct gosync_op op = { .op = GOSYNC_OP_LOAD };
	int64_t r;
	int d2 = CHECK_OK(gosync_dev_open());

	close(fd);
	CHECK_ERRNO(gosync_counter_load(fd, &r), EBADF, false);
	CHECK_ERRNO(gosync_info(fd, &info), EBADF, false);
	CHECK_ERRNO(gosync_batch(fd, &op, 1, 0, NULL), EBADF, false);
	close(d2);
	CHECK_ERRNO(gosync_counter_create(d2, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0),
		    EBADF, true);
	return true;
}

int main(void)
{
	dev = tap_dev("badinput");
	cfd = gosync_counter_create(dev, tap_name(objname, "obj"), 0,
				    GOSYNC_COUNTER_ATOMIC, 0);
	tap_name(unlname, "unl");
	if (!tap_report(cfd >= 0, "badinput-setup"))
		return tap_done(dev, "badinput");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const struct cmd *c = &cmds[i];

		if (!tap_report(t_valid(c), "badinput-%s-valid", c->name))
			continue;
		tap_report(t_fault(c), "badinput-%s-efault", c->name);
		tap_report(t_size(c), "badinput-%s-size", c->name);
		tap_report(t_flags(c), "badinput-%s-flags", c->name);
		if (!strcmp(c->name, "version") || !strcmp(c->name, "info") ||
		    !strcmp(c->name, "counter"))
			tap_report(t_readonly(c), "badinput-%s-readonly-arg", c->name);
	}
	tap_report(t_enotty(), "badinput-enotty");
	tap_report(t_reserved(), "badinput-reserved");
	tap_report(t_unknown_values(), "badinput-unknown-type-mode-op");
	tap_report(t_names(), "badinput-names");
	tap_report(t_create_params(), "badinput-create-params");
	tap_report(t_open_type(), "badinput-open-type");
	tap_report(t_closed_fd(), "badinput-ebadf");
	tap_report(t_poll(), "badinput-poll-no-wait");
	close(cfd);
	return tap_done(dev, "badinput");
}
