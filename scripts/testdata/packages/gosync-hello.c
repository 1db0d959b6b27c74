// SPDX-License-Identifier: GPL-2.0
/*
 * A user of the installed libgosync-dev, built by scripts/packages with
 * `cc gosync-hello.c $(pkg-config --cflags --libs gosync)` and run in the VM
 * (user/tests/group.sh): creates a counter named argv[1], adds 1 to it,
 * removes it and prints "ok"; on failure it prints the errno's name
 * (EACCES when the caller may not use /dev/gosync) and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gosync.h>

static int fail(void)
{
	printf("%s\n", errno == EACCES ? "EACCES" : strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int64_t v = 0;
	int dev, fd;

	if (argc != 2)
		return 2;
	dev = gosync_dev_open();
	if (dev < 0)
		return fail();
	fd = gosync_counter_create(dev, argv[1], 0600, GOSYNC_COUNTER_ATOMIC, 41);
	if (fd < 0 || gosync_counter_add(fd, 1, &v) < 0 || gosync_unlink(dev, argv[1]) < 0)
		return fail();
	if (v != 42) {
		printf("counter is %lld, expected 42\n", (long long)v);
		return 1;
	}
	close(fd);
	close(dev);
	printf("ok\n");
	return 0;
}
