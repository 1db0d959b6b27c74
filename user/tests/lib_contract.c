// SPDX-License-Identifier: GPL-2.0
/*
 * libgosync's own promises, those that need no /dev/gosync (runs in the VM
 * with the others and on the host, as json does):
 *  - a failed call writes no out-param it does not promise: Recv's ok and
 *    len and a map Load's len and ok keep what the caller had (here on
 *    EBADF; chan.c and map.c check ETIMEDOUT and EINVAL on real objects);
 *  - gosync_fast_counter_load() takes a NULL out-param, as the fd call does;
 *  - the fast WaitGroup's probe of the module (gosync_dev_open()) is kept
 *    after an open that failed for good, made again after one that may
 *    succeed later: counted through an open() of our own, which the
 *    library, linked in statically, calls instead of libc's.
 */
#undef _FORTIFY_SOURCE		/* open() is defined here: no inline wrapper */
#include <stdarg.h>
#include <sys/syscall.h>

#include "sync_util.h"

/* open() of GOSYNC_DEVICE fails with this errno when it is not 0 */
static int dev_errno;
static int dev_opens;

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, GOSYNC_DEVICE)) {
		dev_opens++;
		if (dev_errno) {
			errno = dev_errno;
			return -1;
		}
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

/* Recv and Load on fd -1: EBADF, and ok and len as they were. */
static bool t_out_params_kept(void)
{
	char buf[16];
	size_t len = 1234;
	bool ok = true;

	CHECK_RET(gosync_chan_recv(-1, buf, sizeof(buf), &len, &ok, 0), EBADF);
	CHECK(ok && len == 1234, "chan_recv EBADF: ok %d, len %zu", ok, len);
	CHECK_RET(gosync_chan_recv(-1, buf, sizeof(buf), &len, &ok, -1), EBADF);
	CHECK(ok && len == 1234, "chan_recv EBADF: ok %d, len %zu", ok, len);
	CHECK_RET(gosync_map_load(-1, "k", 1, buf, sizeof(buf), &len, &ok), EBADF);
	CHECK(ok && len == 1234, "map_load EBADF: ok %d, len %zu", ok, len);
	CHECK_RET(gosync_map_load(-1, "k", 1, NULL, 0, &len, &ok), EBADF);
	CHECK(ok && len == 1234, "map_load NOVALUE EBADF: ok %d, len %zu", ok, len);
	CHECK_RET(gosync_map_load_or_store(-1, "k", 1, "v", 1, buf, sizeof(buf), &len, &ok),
		  EBADF);
	CHECK(ok && len == 1234, "map_load_or_store EBADF: loaded %d, len %zu", ok, len);
	return true;
}

static struct gosync_mapped page;

static int counter_load_null(void *arg)
{
	struct gosync_fast f = { .fd = -1, .words = &page };

	(void)arg;
	page.counter = 42;
	return gosync_fast_counter_load(&f, NULL) == 0 ? 0 : 1;
}

/* gosync_fast_counter_load(f, NULL): 0, as gosync_counter_load(fd, NULL) */
static bool t_counter_load_null(void)
{
	int st = tap_fork(counter_load_null, NULL);

	CHECK(st == 0, "gosync_fast_counter_load(f, NULL): child status %d", st);
	return true;
}

/*
 * A Done the fast path hands to the kernel (a delta the word cannot hold)
 * on a page of our own and fd -1: EBADF, after the probe if it makes one.
 */
static int wg_kernel_done(void)
{
	struct gosync_fast f = { .fd = -1, .words = &page };

	page.waitgroup = 0;
	errno = 0;
	return gosync_fast_waitgroup_add(&f, (int64_t)INT32_MIN - 1, NULL) < 0 &&
	       errno == EBADF ? 0 : 1;
}

/* Three such Dones: 0 if each got its EBADF. */
static int wg_kernel_dones(void)
{
	for (int i = 0; i < 3; i++)
		if (wg_kernel_done())
			return 1;
	return 0;
}

/* In a child (the probe's answer is the process's): 0 if it went as @arg says. */
static int probe_child(void *arg)
{
	int first = *(int *)arg;

	/* a transient error: asked again on every Done */
	dev_errno = EMFILE;
	if (wg_kernel_dones())
		return 10;
	if (dev_opens != 3)
		return 20 + dev_opens;
	/* then one for good: asked once more, never after */
	dev_errno = first;
	if (wg_kernel_dones())
		return 30;
	if (dev_opens != 4)
		return 40 + dev_opens;
	dev_errno = 0;
	if (wg_kernel_done())
		return 50;
	return dev_opens == 4 ? 0 : 60 + dev_opens;
}

static bool t_wg_probe_kept(void)
{
	static const int errs[] = { ENOENT, EACCES, EPERM, ENXIO, ENODEV };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		int st = tap_fork(probe_child, (void *)&errs[i]);

		CHECK(st == 0, "probe after %s: child status %d (probe_child())",
		      tap_errname(errs[i]), st);
	}
	return true;
}

int main(void)
{
	tap_mark = tap_now();
	tap_report(t_out_params_kept(), "lib-failed-call-keeps-out-params");
	tap_report(t_counter_load_null(), "lib-fast-counter-load-null");
	tap_report(t_wg_probe_kept(), "lib-fast-waitgroup-probe-kept");
	return tap_done(-1, "lib_contract");
}
