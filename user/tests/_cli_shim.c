// SPDX-License-Identifier: GPL-2.0
/*
 * e2e helper, LD_PRELOADed into gosync by the CLI tests (_cli.sh's
 * with_shim), for what busybox sh cannot arrange:
 *
 *   GOSYNC_SHIM_SIGCHLD=ignore	gosync starts with SIGCHLD ignored, as if
 *				a parent that ignores it had exec'd it (sh
 *				does not pass on a trap '' CHLD)
 *
 * It takes itself out of the environment, so a command gosync runs gets
 * neither the shim nor anything it did, only what gosync passes on.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void shim_init(void)
{
	const char *s = getenv("GOSYNC_SHIM_SIGCHLD");

	if (s && !strcmp(s, "ignore"))
		signal(SIGCHLD, SIG_IGN);
	unsetenv("LD_PRELOAD");
	unsetenv("GOSYNC_SHIM_SIGCHLD");
}
