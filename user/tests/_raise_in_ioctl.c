// SPDX-License-Identifier: GPL-2.0
/*
 * e2e helper, LD_PRELOADed into gosync by cli_sync.sh: the first Mutex Lock
 * ioctl raises SIGTERM just before it enters the kernel, so the signal comes
 * after the CLI last checked for one and before the kernel sleeps: the
 * window cli_wait() must close (else the Lock sleeps on, the signal spent).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <linux/gosync.h>

int ioctl(int fd, unsigned long req, ...);

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int fd, unsigned long req, ...);
	static bool raised;
	struct gosync_lock_cmd *c;
	va_list ap;

	va_start(ap, req);
	c = va_arg(ap, struct gosync_lock_cmd *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (!raised && req == GOSYNC_IOC_MUTEX && c->op == GOSYNC_LOCK_LOCK) {
		raised = true;
		raise(SIGTERM);
	}
	return real(fd, req, c);
}
