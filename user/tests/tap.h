/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h: TAP-ish reporting and assertions for the gosync VM tests.
 *
 * A test is a function returning bool that uses the CHECK*() macros; a failed
 * check records why (with its line) and returns false. tap_report() prints
 *	ok - e2e:<name>
 *	not ok - e2e:<name> (<reason>)
 * and tap_done() returns the exit status: nonzero if anything failed.
 * Names made with tap_name() are unlinked by tap_done(), so a failing test
 * does not leave objects behind for the next one.
 */
#ifndef GOSYNC_TESTS_TAP_H
#define GOSYNC_TESTS_TAP_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gosync.h"

static int tap_npass, tap_nfail;
static char tap_why[512];
static double tap_mark;		/* when the last case ended (tap_now()) */

/*
 * Run at small sizes: a debug kernel (kmemleak: its reports, not the
 * sizes, are what it adds), or GOSYNC_TEST_SMALL set (scripts/check's 6.12
 * and 6.12-rt boots, which run the module code 6.1 ran at full size).
 */
static inline bool tap_small(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK) || getenv("GOSYNC_TEST_SMALL");
}

/* Pin the caller to CPU 0 (a child it forks inherits it): false if it may not run there. */
static inline bool tap_pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static inline double tap_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static char tap_names[64][GOSYNC_NAME_MAX];
static int tap_nnames;

/* errno as its symbol, for messages: "EINVAL". */
static inline const char *tap_errname(int e)
{
	static const struct { int e; const char *s; } t[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EBADF, "EBADF" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EEXIST, "EEXIST" },
		{ EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
		{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { E2BIG, "E2BIG" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOSYS, "ENOSYS" }, { ERANGE, "ERANGE" }, { EBUSY, "EBUSY" },
		{ EAGAIN, "EAGAIN" }, { EOVERFLOW, "EOVERFLOW" }, { EDEADLK, "EDEADLK" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { EOWNERDEAD, "EOWNERDEAD" }, { EPIPE, "EPIPE" },
	};
	static __thread char buf[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].s;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* Record why the running test failed; the first reason wins. */
static inline __attribute__((format(printf, 2, 3)))
void tap_reason(int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tap_why[0])
		return;
	n = snprintf(tap_why, sizeof(tap_why), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(tap_why + n, sizeof(tap_why) - n, fmt, ap);
	va_end(ap);
}

/* Print the result of the test @fmt...; returns @pass. */
static inline __attribute__((format(printf, 2, 3)))
bool tap_report(bool pass, const char *fmt, ...)
{
	double now = tap_now();
	char name[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	/* a case that took a second or more says so: what to trim under TCG */
	if (tap_mark && now - tap_mark >= 1.0)
		printf("# %s: %.1f s\n", name, now - tap_mark);
	tap_mark = now;
	if (pass && !tap_why[0]) {
		printf("ok - e2e:%s\n", name);
		tap_npass++;
	} else {
		printf("not ok - e2e:%s (%s)\n", name,
		       tap_why[0] ? tap_why : "failed");
		tap_nfail++;
		pass = false;
	}
	fflush(stdout);
	tap_why[0] = 0;
	return pass;
}

/* A failed check: record the reason and fail the test function. */
#define FAIL(...) do { tap_reason(__LINE__, __VA_ARGS__); return false; } while (0)

#define CHECK(cond, ...) do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)

/* @call must succeed (>= 0); evaluates to its value. */
#define CHECK_OK(call) ({						\
	long _r = (long)(call);						\
	if (_r < 0)							\
		FAIL("%s failed: %s", #call, tap_errname(errno));	\
	_r;								\
})

/* @call must fail with errno @err. A stray fd it returned is closed. */
#define CHECK_ERRNO(call, err, fd_result) do {				\
	long _r;							\
	int _e;								\
	errno = 0;							\
	_r = (long)(call);						\
	_e = errno;							\
	if (_r >= 0 && (fd_result))					\
		close((int)_r);						\
	if (_r != -1 || _e != (err))					\
		FAIL("%s: expected %s, got %s%s", #call,		\
		     tap_errname(err), _r == -1 ? "" : "success",	\
		     _r == -1 ? tap_errname(_e) : "");			\
} while (0)

#define CHECK_EQ(a, b) do {						\
	int64_t _a = (int64_t)(a), _b = (int64_t)(b);			\
	if (_a != _b)							\
		FAIL("%s == %" PRId64 ", expected %" PRId64 " (%s)",	\
		     #a, _a, _b, #b);					\
} while (0)

/*
 * tap_name() - a name unique to this process for tag @tag, registered for
 * unlinking by tap_done(). Returns @buf.
 */
static inline char *tap_name(char buf[GOSYNC_NAME_MAX], const char *tag)
{
	snprintf(buf, GOSYNC_NAME_MAX, "e2e-%d-%s", (int)getpid(), tag);
	if (tap_nnames < 64)
		snprintf(tap_names[tap_nnames++], GOSYNC_NAME_MAX, "%s", buf);
	return buf;
}

/*
 * tap_fork() - run @fn(@arg) in a child process; its return is the child's
 * exit status. Returns that status, 128 + signal if it was killed, or -1.
 */
static inline int tap_fork(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * tap_guard_page() - a writable page followed by an unmapped one: returns
 * the page (its size in @page_size), so that p + page_size faults.
 */
static inline char *tap_guard_page(size_t *page_size)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + ps, ps);
	*page_size = ps;
	return p;
}

/* tap_write_file() - write @val to a sysfs/debugfs/procfs file; true if all of it went. */
static inline bool tap_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

/* tap_read_file() - the first line of @path into @buf ("" if unreadable). */
static inline void tap_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	buf[strcspn(buf, "\n")] = 0;
}

/* tap_nr_objects() - how many objects the module has (LIST's total). */
static inline unsigned int tap_nr_objects(int dev)
{
	struct gosync_info one;
	uint64_t cursor = 0;
	unsigned int total = ~0u;

	gosync_list(dev, &one, 1, &cursor, &total);
	return total;
}

/* tap_done() - unlink the names tap_name() made; print a summary; exit status. */
static inline int tap_done(int dev, const char *prog)
{
	for (int i = 0; dev >= 0 && i < tap_nnames; i++)
		gosync_unlink(dev, tap_names[i]);
	printf("# %s: %d passed, %d failed\n", prog, tap_npass, tap_nfail);
	return tap_nfail ? 1 : 0;
}

/* tap_dev() - open /dev/gosync or exit with a "not ok" line. */
static inline int tap_dev(const char *prog)
{
	int dev = gosync_dev_open();

	tap_mark = tap_now();
	if (dev < 0) {
		printf("not ok - e2e:%s-open-device (%s: %s)\n", prog,
		       GOSYNC_DEVICE, tap_errname(errno));
		exit(1);
	}
	return dev;
}

/* tap_send_fd() - pass @fd over the Unix socket @sock (SCM_RIGHTS, one byte). */
static inline int tap_send_fd(int sock, int fd)
{
	char byte = 'x', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

/* tap_recv_fd() - receive an fd tap_send_fd() sent (close-on-exec), or -1. */
static inline int tap_recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

#endif /* GOSYNC_TESTS_TAP_H */
