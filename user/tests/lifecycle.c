// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: module lifecycle (root, in the VM; the module is /lib/gosync/gosync.ko).
 *
 *  - rmmod is refused (EAGAIN/EBUSY, "in use") while /dev/gosync or any
 *    object fd is open: each file pins the module;
 *  - it succeeds once the last fd is closed, even with named objects alive
 *    (module exit frees them: a name does not pin the module), and after
 *    insmod those names are gone;
 *  - 10 load/unload cycles, each creating objects of every type (named and
 *    anonymous, maps with entries, a held Mutex, a Once mid-run).
 * The module is loaded again at the end (scripts/vm unloads it afterwards;
 * scripts/vm --debug then checks kmemleak).
 */
#include <fcntl.h>
#include <sys/syscall.h>

#include "tap.h"

#define KO "/lib/gosync/gosync.ko"

static bool loaded(void)
{
	return access("/sys/module/gosync", F_OK) == 0;
}

static int rmmod(void)
{
	return (int)syscall(SYS_delete_module, "gosync", O_NONBLOCK);
}

static int insmod(void)
{
	int fd = open(KO, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = (int)syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	/* devtmpfs makes the node asynchronously: wait for it */
	for (int i = 0; ret == 0 && i < 200 && access(GOSYNC_DEVICE, F_OK); i++)
		usleep(10000);
	return ret;
}

#define CHECK_BUSY(call) do {						\
	errno = 0;							\
	CHECK((call) < 0 && (errno == EAGAIN || errno == EBUSY),	\
	      "%s: expected EBUSY/EAGAIN, got %s", #call,		\
	      errno ? tap_errname(errno) : "success");			\
	CHECK(loaded(), "module gone after a refused rmmod");		\
} while (0)

static bool t_busy(void)
{
	int dev = CHECK_OK(gosync_dev_open()), fd;

	CHECK_BUSY(rmmod());
	fd = CHECK_OK(gosync_counter_create(dev, "lc-named", 0600, GOSYNC_COUNTER_ATOMIC, 5));
	close(dev);
	/* only an object fd now */
	CHECK_BUSY(rmmod());
	CHECK_OK(gosync_counter_add(fd, 1, NULL));
	close(fd);
	/* only a named object with no fd: rmmod frees it */
	CHECK_OK(rmmod());
	CHECK(!loaded(), "module still loaded");
	CHECK_OK(insmod());
	dev = CHECK_OK(gosync_dev_open());
	CHECK_ERRNO(gosync_open(dev, "lc-named", 0), ENOENT, true);
	close(dev);
	return true;
}

static char val[8192];

static bool cycle(int n)
{
	char name[64];
	int dev = CHECK_OK(gosync_dev_open()), fds[8], k = 0;
	unsigned int r;

	snprintf(name, sizeof(name), "lc-%d-c", n);
	fds[k++] = CHECK_OK(gosync_counter_create(dev, name, 0644, 1 + n % 6, n));
	snprintf(name, sizeof(name), "lc-%d-m", n);
	fds[k] = CHECK_OK(gosync_map_create(dev, name, 0, 1 + n % 3, 0, 0));
	for (int i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		CHECK_OK(gosync_map_store(fds[k], key, strlen(key), val, 1 + (size_t)i * 50));
	}
	k++;
	fds[k] = CHECK_OK(gosync_mutex_create(dev, NULL, 0, n & 1));
	CHECK_OK(gosync_mutex_lock(fds[k++], -1));	/* held at close */
	snprintf(name, sizeof(name), "lc-%d-rw", n);
	fds[k] = CHECK_OK(gosync_rwmutex_create(dev, name, 0, 0));
	CHECK_OK(gosync_rwmutex_rlock(fds[k++], -1));
	fds[k] = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	CHECK_OK(gosync_waitgroup_add(fds[k++], 3, NULL));
	snprintf(name, sizeof(name), "lc-%d-o", n);
	fds[k] = CHECK_OK(gosync_once_create(dev, name, 0, n & 1));
	CHECK_OK(gosync_once_do(fds[k++], -1, &r));	/* running at close */
	CHECK_BUSY(rmmod());
	for (int i = 0; i < k; i++)
		close(fds[i]);
	CHECK_BUSY(rmmod());
	close(dev);
	CHECK_OK(rmmod());
	CHECK(!loaded(), "cycle %d: still loaded", n);
	CHECK_OK(insmod());
	CHECK(loaded(), "cycle %d: not loaded", n);
	return true;
}

static bool t_cycles(void)
{
	for (int n = 0; n < 10; n++)
		if (!cycle(n))
			return false;
	return true;
}

int main(void)
{
	bool ok, reload_ok = true;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || access(KO, R_OK) || !loaded()) {
		printf("ok - e2e:lifecycle # SKIP needs root, %s and the module loaded\n", KO);
		return 0;
	}
	ok = tap_report(t_busy(), "lifecycle-rmmod-busy-then-free-names");
	if (ok)
		tap_report(t_cycles(), "lifecycle-10-cycles");
	if (!loaded() && insmod()) {
		printf("not ok - e2e:lifecycle-left-loaded (insmod: %s)\n", tap_errname(errno));
		reload_ok = false;
	} else {
		printf("ok - e2e:lifecycle-left-loaded\n");
	}
	return tap_done(-1, "lifecycle") || !reload_ok;
}
