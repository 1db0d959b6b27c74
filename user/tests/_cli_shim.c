// SPDX-License-Identifier: GPL-2.0
/*
 * e2e helper, LD_PRELOADed into gosync by the CLI tests (_cli.sh's
 * with_shim), for what busybox sh cannot arrange:
 *
 *   GOSYNC_SHIM_SIGCHLD=ignore	gosync starts with SIGCHLD ignored, as if
 *				a parent that ignores it had exec'd it (sh
 *				does not pass on a trap '' CHLD)
 *   GOSYNC_SHIM_RAISE=TYPE	the first ioctl on a TYPE (mutex, rwmutex,
 *				sem, once) raises SIGTERM just before it
 *				enters the kernel: on a free object the call
 *				then succeeds with the signal already caught
 *
 * It takes itself out of the environment, so a command gosync runs gets
 * neither the shim nor anything it did, only what gosync passes on.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/gosync.h>

int ioctl(int fd, unsigned long req, ...);

static unsigned long raise_req;

__attribute__((constructor)) static void shim_init(void)
{
	static const struct { const char *name; unsigned long req; } types[] = {
		{ "mutex", GOSYNC_IOC_MUTEX }, { "rwmutex", GOSYNC_IOC_RWMUTEX },
		{ "sem", GOSYNC_IOC_SEM }, { "once", GOSYNC_IOC_ONCE },
	};
	const char *s = getenv("GOSYNC_SHIM_SIGCHLD");

	if (s && !strcmp(s, "ignore"))
		signal(SIGCHLD, SIG_IGN);
	s = getenv("GOSYNC_SHIM_RAISE");
	for (unsigned int i = 0; s && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].name))
			raise_req = types[i].req;
	unsetenv("LD_PRELOAD");
	unsetenv("GOSYNC_SHIM_SIGCHLD");
	unsetenv("GOSYNC_SHIM_RAISE");
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int fd, unsigned long req, ...);
	void *arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (raise_req && req == raise_req) {
		raise_req = 0;
		raise(SIGTERM);
	}
	return real(fd, req, arg);
}
