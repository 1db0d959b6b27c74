// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: every kind of bad input, each with the errno <linux/gosync.h> documents.
 * The per-command checks (valid call, EFAULT, sizes, flags, read-only
 * argument, ENOTTY on the wrong fd) go through every command of cmdtable.h.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include "cmdtable.h"

static int dev, cfd;
static char objname[GOSYNC_NAME_MAX];
static struct cmd_env env;

/* Build @c's argument for @type in @buf (zeroed to @room bytes), with size @size. */
static void *build(const struct cmd_desc *c, uint32_t type, void *buf, size_t room,
		   uint32_t size)
{
	return cmd_build(c, buf, room, size, &env, type);
}

static uint64_t buf[64];	/* room for every struct plus a tail */
static uint64_t big[4096 / 8 + 1];	/* one byte more than a page: E2BIG */

static long call(const struct cmd_desc *c, uint32_t type, void *arg)
{
	return cmd_call(c, &env, type, arg);
}

static bool t_valid(const struct cmd_desc *c, uint32_t type)
{
	CHECK_OK(call(c, type, build(c, type, buf, sizeof(buf), c->size)));
	return true;
}

static bool t_fault(const struct cmd_desc *c, uint32_t type)
{
	size_t ps;
	char *page = tap_guard_page(&ps);

	CHECK(page, "mmap");
	CHECK_ERRNO(call(c, type, NULL), EFAULT, false);
	CHECK_ERRNO(call(c, type, page + ps), EFAULT, false);
	/* only the size field is mapped */
	build(c, type, buf, sizeof(buf), c->size);
	memcpy(page + ps - 4, buf, 4);
	CHECK_ERRNO(call(c, type, page + ps - 4), EFAULT, false);
	/* only the first half is mapped */
	memcpy(page + ps - c->size / 2, buf, c->size / 2);
	CHECK_ERRNO(call(c, type, page + ps - c->size / 2), EFAULT, false);
	munmap(page, ps);
	return true;
}

/*
 * A read-only argument: EFAULT for a command that writes its struct back
 * (after it ran), success for one that only reads it.
 */
static bool t_readonly(const struct cmd_desc *c, uint32_t type)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	char *page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(page != MAP_FAILED, "mmap");
	build(c, type, page, c->size, c->size);
	CHECK_OK(mprotect(page, ps, PROT_READ));
	if (cmd_writes_back(c))
		CHECK_ERRNO(call(c, type, page), EFAULT, false);
	else
		CHECK_OK(call(c, type, page));
	munmap(page, ps);
	return true;
}

static bool t_size(const struct cmd_desc *c, uint32_t type)
{
	CHECK_ERRNO(call(c, type, build(c, type, buf, sizeof(buf), 0)), EINVAL, false);
	CHECK_ERRNO(call(c, type, build(c, type, buf, sizeof(buf), 4)), EINVAL, false);
	CHECK_ERRNO(call(c, type, build(c, type, buf, sizeof(buf), 8)), EINVAL, false);
	CHECK_ERRNO(call(c, type, build(c, type, buf, sizeof(buf), cmd_min_size(c) - 4)),
		    EINVAL, false);
	if (c->min_size)	/* the first version is still accepted */
		CHECK_OK(call(c, type, build(c, type, buf, sizeof(buf), c->min_size)));
	/* newer struct: a zero tail is fine, a nonzero one is not */
	CHECK_OK(call(c, type, build(c, type, buf, sizeof(buf), c->size + 16)));
	build(c, type, buf, sizeof(buf), c->size + 16);
	((char *)buf)[c->size + 15] = 1;
	CHECK_ERRNO(call(c, type, buf), E2BIG, false);
	build(c, type, buf, sizeof(buf), c->size + 16);
	((char *)buf)[c->size] = 0x80;
	CHECK_ERRNO(call(c, type, buf), E2BIG, false);
	/* as openat2() and clone3(): bigger than a page is E2BIG even if zero */
	CHECK_ERRNO(call(c, type, build(c, type, big, sizeof(big), sizeof(big))), E2BIG, false);
	return true;
}

/*
 * The word after size is flags (or __reserved): every bit the valid argument
 * may not have is EINVAL.
 */
static bool t_flags(const struct cmd_desc *c, uint32_t type)
{
	for (int bit = 0; bit < 32; bit++) {
		if (c->flags_ok & (1U << bit))
			continue;
		build(c, type, buf, sizeof(buf), c->size);
		((uint32_t *)buf)[1] = 1U << bit;
		CHECK_ERRNO(call(c, type, buf), EINVAL, false);
	}
	return true;
}

/* ioctl(@fd, @ioc) with a valid argument for @c (if any) must be ENOTTY. */
static bool enotty(int fd, const char *fdname, unsigned long ioc, const struct cmd_desc *c)
{
	uint32_t type = 0;

	while (c && !cmd_takes(c, type))
		type++;
	if (c)
		build(c, type, buf, sizeof(buf), c->size);
	else
		build(cmd_find(GOSYNC_CMD_VERSION), 0, buf, sizeof(buf), sizeof(buf));
	errno = 0;
	CHECK(ioctl(fd, ioc, buf) == -1 && errno == ENOTTY,
	      "%s: ioctl %#lx (%s): %s, expected ENOTTY", fdname, ioc, c ? c->name : "unknown",
	      errno ? tap_errname(errno) : "success");
	return true;
}

/*
 * A command on the wrong kind of fd (a device command on an object, an
 * object command on the device or on a type it does not take), a number no
 * command has, other encodings and magics: ENOTTY.
 */
static bool t_enotty(void)
{
	static const unsigned long other[] = {
		_IO(GOSYNC_IOCTL_MAGIC, 0xff), _IO('x', GOSYNC_CMD_VERSION),
		_IO('x', GOSYNC_CMD_COUNTER), _IOWR(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_VERSION, 64),
		_IOR(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_INFO, 176),
	};

	for (unsigned int nr = 0; nr < 2 * GOSYNC_CMD_OBJ_BASE; nr++) {
		const struct cmd_desc *c = cmd_find(nr);

		if (!c || !cmd_takes(c, 0))
			if (!enotty(dev, "/dev/gosync", _IO(GOSYNC_IOCTL_MAGIC, nr), c))
				return false;
		for (size_t i = 0; i < NR_CMD_TYPES; i++)
			if (!c || !cmd_takes(c, cmd_types[i].type))
				if (!enotty(env.obj[cmd_types[i].type], cmd_types[i].name,
					    _IO(GOSYNC_IOCTL_MAGIC, nr), c))
					return false;
	}
	for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
		if (!enotty(dev, "/dev/gosync", other[k], NULL))
			return false;
		for (size_t i = 0; i < NR_CMD_TYPES; i++)
			if (!enotty(env.obj[cmd_types[i].type], cmd_types[i].name, other[k], NULL))
				return false;
	}
	return true;
}

static bool t_reserved(void)
{
	struct gosync_create c = { .size = sizeof(c), .type = GOSYNC_TYPE_COUNTER,
				   .counter.mode = GOSYNC_COUNTER_ATOMIC };
	struct gosync_open o = { .size = sizeof(o), .name = (uintptr_t)objname,
				 .__reserved = 1 };
	struct gosync_unlink u = { .size = sizeof(u), .name = (uintptr_t)objname, .id = 1 };
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
	/* an unlink's id exactly when GOSYNC_UNLINK_ID asks for one */
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_UNLINK, &u), EINVAL, false);
	u.flags = GOSYNC_UNLINK_ID;
	u.id = 0;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_UNLINK, &u), EINVAL, false);
	close(CHECK_OK(gosync_open(dev, objname, 0)));	/* still there */
	build(cmd_find(GOSYNC_CMD_LIST), 0, &l, sizeof(l), sizeof(l));
	l.__reserved = 1;
	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_LIST, &l), EINVAL, false);
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_COUNTER, &k), EINVAL, false);
	build(cmd_find(GOSYNC_CMD_BATCH), GOSYNC_TYPE_COUNTER, &b, sizeof(b), sizeof(b));
	b.__reserved = 1;
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_BATCH, &b), EINVAL, false);
	return true;
}

static bool t_unknown_values(void)
{
	/* 0, the first number past the last, and more */
	static const uint32_t bad_types[] = { 0, GOSYNC_TYPE_COND + 1, 99, 1U << 31 };
	static const uint32_t bad_modes[] = { 0, GOSYNC_COUNTER_PERCPU + 1, 99, 1U << 31 };
	static const uint32_t bad_ops[] = { 0, GOSYNC_OP_OR + 1, 99, 1U << 31 };
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
	/* a type that is none is EINVAL whether or not the name exists */
	CHECK_ERRNO(gosync_open(dev, "e2e-no-such-object", 99), EINVAL, true);
	CHECK_ERRNO(gosync_unlink(dev, "e2e-no-such-object"), ENOENT, false);
	return true;
}

/*
 * Types without a wait (counters, maps) and the Cond (no state to be ready
 * in) have no poll: epoll refuses them with EPERM rather than wait forever,
 * and poll() says ready at once, as for a regular file.
 */
static bool t_poll(void)
{
	int mu = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int fds[3] = {
		CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0)),
		CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0)),
		CHECK_OK(gosync_cond_create(dev, NULL, 0, mu)),
	};
	int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));

	close(mu);
	for (int i = 0; i < 3; i++) {
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

/*
 * NONBLOCK never waits, so a deadline besides it is a contradiction the
 * kernel refuses (EINVAL) rather than ignores: a relative timeout that is
 * not 0, or an absolute time. Nothing is sent.
 */
static bool t_nonblock_deadline(void)
{
	struct gosync_chan_msg m = { .buf = (uintptr_t)"x", .len = 1 };
	struct gosync_chan_cmd c;
	struct gosync_wait w;
	struct gosync_wait_case wc;
	static const struct { uint32_t flags; uint64_t t; int err; } tries[] = {
		{ GOSYNC_WAIT_NONBLOCK | GOSYNC_WAIT_TIMEOUT, 5000000000ULL, EINVAL },
		{ GOSYNC_WAIT_NONBLOCK | GOSYNC_WAIT_ABSTIME, ~0ULL, EINVAL },
		{ GOSYNC_WAIT_NONBLOCK | GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME, 1, EINVAL },
		{ GOSYNC_WAIT_NONBLOCK | GOSYNC_WAIT_TIMEOUT, 0, EAGAIN },
		{ GOSYNC_WAIT_NONBLOCK, 0, EAGAIN },
	};
	uint32_t len = ~0u;
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 0, 8));

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		c = (struct gosync_chan_cmd){ .size = sizeof(c), .flags = tries[i].flags,
					      .op = GOSYNC_CHAN_SEND, .count = 1,
					      .msgs = (uintptr_t)&m, .timeout_ns = tries[i].t };
		CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_CHAN, &c), tries[i].err, false);
		wc = (struct gosync_wait_case){ .fd = fd, .op = GOSYNC_CASE_SEND,
						.buf = (uintptr_t)"x", .len = 1 };
		w = (struct gosync_wait){ .size = sizeof(w), .flags = tries[i].flags,
					  .cases = (uintptr_t)&wc, .count = 1,
					  .timeout_ns = tries[i].t };
		CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_WAIT, &w), tries[i].err, false);
	}
	CHECK(!gosync_chan_len(fd, &len, NULL, NULL) && len == 0, "len %u", len);
	close(fd);
	return true;
}

/*
 * A vector whose later entry is malformed (reserved bytes set) ends there,
 * SEND as RECV: the messages before it moved and `done` says so. EINVAL
 * (the struct not written back) is only for "nothing was done", and a
 * SEND once returned it after sending the entries before.
 */
static bool t_chan_vec_bad_entry(void)
{
	struct gosync_chan_msg m[3] = {
		{ .buf = (uintptr_t)"a", .len = 1 },
		{ .buf = (uintptr_t)"b", .len = 1 },
		{ .buf = (uintptr_t)"c", .len = 1, .__reserved = 1 },
	};
	char got[3][8];
	struct gosync_chan_cmd c = { .size = sizeof(c), .op = GOSYNC_CHAN_SEND, .count = 3,
				     .msgs = (uintptr_t)m };
	uint32_t len = ~0u;
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 4, 8));

	CHECK_OK(ioctl(fd, GOSYNC_IOC_CHAN, &c));
	CHECK(c.done == 2 && c.len == 2, "send: done %u len %u", c.done, c.len);
	/* the bad entry first: nothing was done */
	c = (struct gosync_chan_cmd){ .size = sizeof(c), .op = GOSYNC_CHAN_SEND, .count = 1,
				      .msgs = (uintptr_t)&m[2] };
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_CHAN, &c), EINVAL, false);
	CHECK(!gosync_chan_len(fd, &len, NULL, NULL) && len == 2, "len %u", len);
	for (int i = 0; i < 3; i++)
		m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)got[i], .len = 8,
						 .__reserved = i == 1 };
	c = (struct gosync_chan_cmd){ .size = sizeof(c), .op = GOSYNC_CHAN_RECV, .count = 3,
				      .msgs = (uintptr_t)m };
	CHECK_OK(ioctl(fd, GOSYNC_IOC_CHAN, &c));
	CHECK(c.done == 1 && c.len == 1 && m[0].len == 1 && got[0][0] == 'a',
	      "recv: done %u len %u", c.done, c.len);
	close(fd);
	return true;
}

/* GOSYNC_IOC_CHAN on @fd with the command's own fields; -1/errno as ioctl(). */
static int chan_cmd(int fd, unsigned int flags, unsigned int op, unsigned int count,
		    const void *msgs, unsigned long long timeout_ns)
{
	struct gosync_chan_cmd c = { .size = sizeof(c), .flags = flags, .op = op,
				     .count = count, .msgs = (uintptr_t)msgs,
				     .timeout_ns = timeout_ns };

	return ioctl(fd, GOSYNC_IOC_CHAN, &c);
}

static struct gosync_chan_msg vec_max[GOSYNC_CHAN_VEC_MAX + 1];

/*
 * The CHAN command's own fields: SEND and RECV take 1..GOSYNC_CHAN_VEC_MAX
 * messages at a non-NULL @msgs; CLOSE and LEN take none of flags, count,
 * msgs, timeout_ns; an op that is none; the create attribute's flags and
 * __reserved. All EINVAL, and nothing was sent, received or closed.
 */
static bool t_chan_operands(void)
{
	static const unsigned int bad_ops[] = { 0, GOSYNC_CHAN_LEN + 1, 99, 1U << 31 };
	static const unsigned int vec_ops[] = { GOSYNC_CHAN_SEND, GOSYNC_CHAN_RECV };
	static const unsigned int none_ops[] = { GOSYNC_CHAN_CLOSE, GOSYNC_CHAN_LEN };
	struct gosync_chan_msg m = { .buf = (uintptr_t)"x", .len = 1 };
	struct gosync_create c = { .type = GOSYNC_TYPE_CHAN, .chan = { .cap = 4, .msg_max = 8 } };
	struct gosync_chan_cmd r;
	char got[8];
	unsigned int len = ~0u;
	bool closed = true;
	int fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, 4, 8));

	for (int i = 0; i < 2; i++) {
		CHECK_ERRNO(chan_cmd(fd, 0, vec_ops[i], 0, &m, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, vec_ops[i], GOSYNC_CHAN_VEC_MAX + 1, vec_max, 0),
			    EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, vec_ops[i], ~0u, vec_max, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, vec_ops[i], 1, NULL, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, GOSYNC_WAIT_NONBLOCK, vec_ops[i], 1, NULL, 0),
			    EINVAL, false);
	}
	CHECK(!gosync_chan_len(fd, &len, NULL, NULL) && len == 0, "len %u", len);
	/* the neighbours: one message, and a RECV of GOSYNC_CHAN_VEC_MAX */
	CHECK_OK(chan_cmd(fd, 0, GOSYNC_CHAN_SEND, 1, &m, 0));
	for (int i = 0; i < GOSYNC_CHAN_VEC_MAX; i++)
		vec_max[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)got, .len = 8 };
	r = (struct gosync_chan_cmd){ .size = sizeof(r), .flags = GOSYNC_WAIT_NONBLOCK,
				      .op = GOSYNC_CHAN_RECV, .count = GOSYNC_CHAN_VEC_MAX,
				      .msgs = (uintptr_t)vec_max };
	CHECK_OK(ioctl(fd, GOSYNC_IOC_CHAN, &r));
	CHECK(r.done == 1 && vec_max[0].len == 1 && got[0] == 'x',
	      "recv of VEC_MAX: done %u len %u", r.done, vec_max[0].len);

	/* CLOSE and LEN: every field besides op must be 0 */
	for (int i = 0; i < 2; i++) {
		CHECK_ERRNO(chan_cmd(fd, GOSYNC_WAIT_NONBLOCK, none_ops[i], 0, NULL, 0),
			    EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, GOSYNC_WAIT_TIMEOUT, none_ops[i], 0, NULL, 1000),
			    EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, GOSYNC_WAIT_TIMEOUT, none_ops[i], 0, NULL, 0),
			    EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, none_ops[i], 1, NULL, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, none_ops[i], 0, &m, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, none_ops[i], 1, &m, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, none_ops[i], 0, NULL, 1), EINVAL, false);
	}
	for (size_t i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		CHECK_ERRNO(chan_cmd(fd, 0, bad_ops[i], 0, NULL, 0), EINVAL, false);
		CHECK_ERRNO(chan_cmd(fd, 0, bad_ops[i], 1, &m, 0), EINVAL, false);
	}
	/* nothing was sent or closed */
	CHECK(!gosync_chan_len(fd, &len, NULL, &closed) && len == 0 && !closed,
	      "len %u closed %d", len, closed);
	CHECK_OK(chan_cmd(fd, 0, GOSYNC_CHAN_LEN, 0, NULL, 0));
	CHECK_OK(chan_cmd(fd, 0, GOSYNC_CHAN_CLOSE, 0, NULL, 0));
	CHECK(!gosync_chan_len(fd, &len, NULL, &closed) && closed, "not closed");
	close(fd);

	/* the create attribute */
	c.chan.flags = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.chan.flags = 1U << 31;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.chan.flags = 0;
	c.chan.__reserved = 1;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.chan.__reserved = 1U << 31;
	CHECK_ERRNO(gosync_create(dev, &c), EINVAL, true);
	c.chan.__reserved = 0;
	close(CHECK_OK(gosync_create(dev, &c)));
	return true;
}

/* GOSYNC_IOC_WAIT with @n cases and @flags; -1/errno as ioctl(). */
static int wait_cases(struct gosync_wait_case *cases, unsigned int n, unsigned int flags)
{
	struct gosync_wait w = { .size = sizeof(w), .flags = flags,
				 .cases = (uintptr_t)cases, .count = n };

	return ioctl(dev, GOSYNC_IOC_WAIT, &w);
}

/* Two WG_ZERO cases, ready: their WaitGroups are at 0. */
static void wg_cases(struct gosync_wait_case cs[2], int wg, int wg2)
{
	cs[0] = (struct gosync_wait_case){ .fd = wg, .op = GOSYNC_CASE_WG_ZERO };
	cs[1] = (struct gosync_wait_case){ .fd = wg2, .op = GOSYNC_CASE_WG_ZERO };
}

/*
 * A case's in fields: flags and error are out only (0 in), __reserved 0,
 * and an op its type has: 0 and anything from 32 on (not a bit of the
 * type's op mask; 35 and 67 are WG_ZERO's bit plus 32 and 64) are EINVAL,
 * for ANY and ALL, even when the case's fd is a good one and another case
 * is ready.
 */
static bool t_wait_case_operands(void)
{
	static const unsigned int bad_ops[] = {
		0, 32, 32 + GOSYNC_CASE_WG_ZERO, 64 + GOSYNC_CASE_WG_ZERO, 99, 1U << 31,
	};
	static const unsigned int modes[] = { 0, GOSYNC_WAIT_ORDERED, GOSYNC_WAIT_ALL };
	struct gosync_wait_case cs[2];
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int wg2 = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));

	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		unsigned int fl = modes[k] | GOSYNC_WAIT_NONBLOCK;

		/* the neighbour: both ready, the wait succeeds */
		wg_cases(cs, wg, wg2);
		CHECK_OK(wait_cases(cs, 2, fl));
		CHECK(cs[0].error == 0 && cs[0].flags == 0, "mode %#x: error %d flags %#x",
		      modes[k], cs[0].error, cs[0].flags);
		for (int i = 0; i < 2; i++) {
			wg_cases(cs, wg, wg2);
			cs[i].flags = GOSYNC_CASE_CLOSED;
			CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			wg_cases(cs, wg, wg2);
			cs[i].flags = 1U << 31;
			CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			wg_cases(cs, wg, wg2);
			cs[i].error = -EPIPE;
			CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			wg_cases(cs, wg, wg2);
			cs[i].error = 1;
			CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			wg_cases(cs, wg, wg2);
			cs[i].__reserved = 1;
			CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			for (size_t j = 0; j < sizeof(bad_ops) / sizeof(bad_ops[0]); j++) {
				wg_cases(cs, wg, wg2);
				cs[i].op = bad_ops[j];
				CHECK_ERRNO(wait_cases(cs, 2, fl), EINVAL, false);
			}
		}
	}
	close(wg2);
	close(wg);
	return true;
}

/* A valid LIST of one entry into the page at @pages, its state into the next. */
static void list_build(struct gosync_list *l, char *pages, size_t ps)
{
	build(cmd_find(GOSYNC_CMD_LIST), 0, l, sizeof(*l), sizeof(*l));
	l->count = 1;
	l->entries = (uintptr_t)pages;
	l->states = (uintptr_t)(pages + ps);
}

/*
 * LIST's sizes: entry_size at most a page, states with a state_size of 8
 * to a page and state_size only with states, __reserved2 0; INFO's
 * state_size likewise. EINVAL; the bounds themselves are accepted.
 */
static bool t_list_info_sizes(void)
{
	enum { PAGE = 1u << 30, PAGE1 };	/* a page, a page and a byte */
	/* a valid LIST with one u32 field changed (and maybe no states) */
	static const struct list_case {
		size_t field;
		uint32_t value;
		bool no_states;
		int err;
	} cases[] = {
#define F(f) offsetof(struct gosync_list, f)
		{ F(__reserved2), 1, false, EINVAL },
		{ F(__reserved2), 1U << 31, false, EINVAL },
		/* entry_size: offsetof(stats) to a page */
		{ F(entry_size), PAGE1, false, EINVAL },
		{ F(entry_size), ~0u, false, EINVAL },
		{ F(entry_size), offsetof(struct gosync_info, stats) - 1, false, EINVAL },
		{ F(entry_size), PAGE, false, 0 },
		{ F(entry_size), offsetof(struct gosync_info, stats), false, 0 },
		/* state_size: 0 without states, else 8 to a page */
		{ F(state_size), 0, false, EINVAL },
		{ F(state_size), 4, false, EINVAL },
		{ F(state_size), 7, false, EINVAL },
		{ F(state_size), PAGE1, false, EINVAL },
		{ F(state_size), ~0u, false, EINVAL },
		{ F(state_size), sizeof(struct gosync_state), true, EINVAL },
		{ F(state_size), 8, true, EINVAL },
		{ F(state_size), 0, true, 0 },
		{ F(state_size), 8, false, 0 },
		{ F(state_size), PAGE, false, 0 },
#undef F
	};
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	char *pages = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct gosync_info_cmd ic;
	struct gosync_list l;

	CHECK(pages != MAP_FAILED, "mmap");
	list_build(&l, pages, ps);
	CHECK_OK(ioctl(dev, GOSYNC_IOC_LIST, &l));
	CHECK(l.count == 1, "list: count %u", l.count);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct list_case *c = &cases[i];
		uint32_t v = c->value == PAGE ? ps : c->value == PAGE1 ? ps + 1 : c->value;

		list_build(&l, pages, ps);
		if (c->no_states)
			l.states = 0;
		memcpy((char *)&l + c->field, &v, sizeof(v));
		if (c->err)
			CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_LIST, &l), c->err, false);
		else
			CHECK(!ioctl(dev, GOSYNC_IOC_LIST, &l), "case %zu: %s", i, tap_errname(errno));
	}

	/* INFO: the same state_size rule */
	ic = (struct gosync_info_cmd){ .size = sizeof(ic), .state = (uintptr_t)pages,
				       .state_size = ps + 1 };
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_INFO, &ic), EINVAL, false);
	ic.state_size = ~0u;
	CHECK_ERRNO(ioctl(cfd, GOSYNC_IOC_INFO, &ic), EINVAL, false);
	ic.state_size = ps;
	CHECK_OK(ioctl(cfd, GOSYNC_IOC_INFO, &ic));
	ic.state_size = 8;
	CHECK_OK(ioctl(cfd, GOSYNC_IOC_INFO, &ic));
	munmap(pages, 2 * ps);
	return true;
}

/* GOSYNC_IOC_MAP with @op; -1/errno as ioctl(). The output fields back in @op. */
static int map_cmd(int fd, struct gosync_map_op *op)
{
	struct gosync_map_cmd c = { .size = sizeof(c), .op = *op };
	int r = ioctl(fd, GOSYNC_IOC_MAP, &c);

	*op = c.op;
	return r;
}

/*
 * A Once command's __reserved must be 0 (EINVAL, the op not run); a map op
 * with NOVALUE takes no out, even with out_cap 0 (EINVAL: a Swap does not
 * store).
 */
static bool t_once_map_operands(void)
{
	static const unsigned int ops[] = { GOSYNC_ONCE_LOAD, GOSYNC_ONCE_DO,
					    GOSYNC_ONCE_COMPLETE };
	struct gosync_once_cmd oc;
	struct gosync_map_op op;
	char out[8], val[8];
	size_t vlen = 0;
	unsigned int res = ~0u;
	int fd = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		oc = (struct gosync_once_cmd){ .size = sizeof(oc), .op = ops[i],
					       .__reserved = 1 };
		CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_ONCE, &oc), EINVAL, false);
		oc.__reserved = 1U << 31;
		CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_ONCE, &oc), EINVAL, false);
	}
	/* neither the Do nor the Complete ran: the Once is still new */
	CHECK(!gosync_once_load(fd, &res) && res == 0, "load: result %#x", res);
	oc = (struct gosync_once_cmd){ .size = sizeof(oc), .op = GOSYNC_ONCE_DO };
	CHECK_OK(ioctl(fd, GOSYNC_IOC_ONCE, &oc));
	CHECK(oc.result == GOSYNC_ONCE_RUN, "do: result %#x", oc.result);
	CHECK_OK(gosync_once_complete(fd));
	CHECK(!gosync_once_load(fd, &res) && res == GOSYNC_ONCE_DONE, "load: result %#x", res);
	close(fd);

	fd = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0));
	CHECK_OK(gosync_map_store(fd, "k", 1, "vv", 2));
	op = (struct gosync_map_op){ .op = GOSYNC_MAP_LOAD, .flags = GOSYNC_MAP_F_NOVALUE,
				     .key = (uintptr_t)"k", .key_len = 1,
				     .out = (uintptr_t)out };
	CHECK_ERRNO(map_cmd(fd, &op), EINVAL, false);
	op = (struct gosync_map_op){ .op = GOSYNC_MAP_SWAP, .flags = GOSYNC_MAP_F_NOVALUE,
				     .key = (uintptr_t)"k", .key_len = 1,
				     .value = (uintptr_t)"www", .value_len = 3,
				     .out = (uintptr_t)out };
	CHECK_ERRNO(map_cmd(fd, &op), EINVAL, false);
	CHECK(!gosync_map_load(fd, "k", 1, val, sizeof(val), &vlen, NULL) && vlen == 2 &&
	      !memcmp(val, "vv", 2), "swap stored: len %zu", vlen);
	/* the neighbours: NOVALUE without out, and out with out_cap 0 without NOVALUE */
	op = (struct gosync_map_op){ .op = GOSYNC_MAP_LOAD, .flags = GOSYNC_MAP_F_NOVALUE,
				     .key = (uintptr_t)"k", .key_len = 1 };
	CHECK_OK(map_cmd(fd, &op));
	CHECK_EQ(op.out_len, 2);
	op = (struct gosync_map_op){ .op = GOSYNC_MAP_LOAD, .key = (uintptr_t)"k",
				     .key_len = 1, .out = (uintptr_t)out };
	CHECK_ERRNO(map_cmd(fd, &op), EOVERFLOW, false);
	CHECK_EQ(op.out_len, 2);
	close(fd);
	return true;
}

/*
 * GOSYNC_CREATE_MAPPED on a type with no mapped layout (a channel, a Cond,
 * a map), each with an attribute that creates it without the flag: EINVAL.
 * A Mutex maps.
 */
static bool t_create_mapped_types(void)
{
	int mu = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	struct gosync_create cs[] = {
		{ .type = GOSYNC_TYPE_CHAN, .chan = { .cap = 1 } },
		{ .type = GOSYNC_TYPE_COND, .cond = { .mutex_fd = mu } },
		{ .type = GOSYNC_TYPE_MAP, .map = { .backend = GOSYNC_MAP_RCU } },
	};
	struct gosync_create ok = { .type = GOSYNC_TYPE_MUTEX, .flags = GOSYNC_CREATE_MAPPED };

	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		close(CHECK_OK(gosync_create(dev, &cs[i])));
		cs[i].flags = GOSYNC_CREATE_MAPPED;
		CHECK_ERRNO(gosync_create(dev, &cs[i]), EINVAL, true);
	}
	close(CHECK_OK(gosync_create(dev, &ok)));
	close(mu);
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

/*
 * No free file descriptor (RLIMIT_NOFILE reached): a named CREATE fails
 * with EMFILE and leaves nothing behind, neither its name nor its object
 * (also a mapped one, which had a token); OPEN of an existing name fails
 * with EMFILE and leaves no new description. Run in a child, whose limit
 * the checks lower; a failed check's reason comes back in *emfile_why.
 */
static char *emfile_why;
static char emfile_names[2][GOSYNC_NAME_MAX];

static bool emfile_checks(void)
{
	struct gosync_create mc = {
		.type = GOSYNC_TYPE_MUTEX, .flags = GOSYNC_CREATE_MAPPED,
		.name = (uintptr_t)emfile_names[1],
	};
	struct rlimit rl;
	struct gosync_info info;
	unsigned int objs;
	uint32_t files;
	int last;

	/* the lowest free fd, so every one below it is taken: the limit */
	last = CHECK_OK(open("/dev/null", O_RDONLY | O_CLOEXEC));
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = (rlim_t)last + 1;
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
	CHECK_ERRNO(dup(last), EMFILE, true);
	CHECK_OK(gosync_info(cfd, &info));
	files = info.nr_files;
	objs = tap_nr_objects(dev);
	CHECK(objs != ~0u, "LIST: %s", tap_errname(errno));

	CHECK_ERRNO(gosync_counter_create(dev, emfile_names[0], 0, GOSYNC_COUNTER_ATOMIC, 0),
		    EMFILE, true);
	CHECK_ERRNO(gosync_create(dev, &mc), EMFILE, true);
	CHECK_EQ(tap_nr_objects(dev), objs);
	CHECK_ERRNO(gosync_open(dev, objname, 0), EMFILE, true);
	CHECK_OK(gosync_info(cfd, &info));
	CHECK_EQ(info.nr_files, files);
	/* with an fd free again: the names were never published */
	close(last);
	CHECK_ERRNO(gosync_open(dev, emfile_names[0], 0), ENOENT, true);
	CHECK_ERRNO(gosync_open(dev, emfile_names[1], 0), ENOENT, true);
	close(CHECK_OK(gosync_open(dev, objname, 0)));
	return true;
}

static int emfile_child(void *arg)
{
	(void)arg;
	if (emfile_checks())
		return 0;
	snprintf(emfile_why, 512, "%s", tap_why);
	return 1;
}

static bool t_emfile(void)
{
	int st;

	emfile_why = mmap(NULL, 512, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(emfile_why != MAP_FAILED, "mmap");
	emfile_why[0] = 0;
	tap_name(emfile_names[0], "emfile");
	tap_name(emfile_names[1], "emfile-mapped");
	st = tap_fork(emfile_child, NULL);
	CHECK(st == 0, "child status %d: %s", st, emfile_why);
	CHECK_ERRNO(gosync_open(dev, emfile_names[0], 0), ENOENT, true);
	munmap(emfile_why, 512);
	return true;
}

/*
 * Every command of cmd_table[], on every type of object it takes: valid,
 * EFAULT, sizes, flags and a read-only argument.
 */
static void t_commands(void)
{
	for_each_cmd(c) {
		for (uint32_t type = 0; type < 64; type++) {
			char nm[64];

			if (!cmd_takes(c, type))
				continue;
			cmd_label(c, type, nm);
			if (!tap_report(t_valid(c, type), "badinput-%s-valid", nm))
				continue;
			tap_report(t_fault(c, type), "badinput-%s-efault", nm);
			tap_report(t_size(c, type), "badinput-%s-size", nm);
			tap_report(t_flags(c, type), "badinput-%s-flags", nm);
			tap_report(t_readonly(c, type), "badinput-%s-readonly-arg", nm);
		}
	}
}

int main(void)
{
	dev = tap_dev("badinput");
	tap_report(cmdtable_check(dev), "badinput-cmdtable");
	cfd = gosync_counter_create(dev, tap_name(objname, "obj"), 0,
				    GOSYNC_COUNTER_ATOMIC, 0);
	if (!tap_report(cfd >= 0 && cmd_env_init(&env, dev), "badinput-setup"))
		return tap_done(dev, "badinput");
	t_commands();
	tap_report(t_enotty(), "badinput-enotty");
	tap_report(t_reserved(), "badinput-reserved");
	tap_report(t_unknown_values(), "badinput-unknown-type-mode-op");
	tap_report(t_names(), "badinput-names");
	tap_report(t_create_params(), "badinput-create-params");
	tap_report(t_open_type(), "badinput-open-type");
	tap_report(t_closed_fd(), "badinput-ebadf");
	tap_report(t_emfile(), "badinput-emfile-create-open");
	tap_report(t_poll(), "badinput-poll-no-wait");
	tap_report(t_nonblock_deadline(), "badinput-nonblock-with-deadline");
	tap_report(t_chan_vec_bad_entry(), "badinput-chan-vec-bad-entry");
	tap_report(t_chan_operands(), "badinput-chan-operands");
	tap_report(t_wait_case_operands(), "badinput-wait-case-operands");
	tap_report(t_list_info_sizes(), "badinput-list-info-sizes");
	tap_report(t_once_map_operands(), "badinput-once-map-operands");
	tap_report(t_create_mapped_types(), "badinput-create-mapped-types");
	cmd_env_fini(&env);
	close(cfd);
	return tap_done(dev, "badinput");
}
