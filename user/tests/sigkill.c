// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: processes SIGKILLed while blocked in, or holding, every primitive.
 *
 * A killed holder must release (robust objects) and the next locker learn
 * EOWNERDEAD; a killed waiter must vanish from the wait queue without a
 * trace (no phantom writer blocking readers, no WaitGroup stuck in EBUSY,
 * no Once stuck RUNNING); a process killed during a run of big batches
 * leaves the object holding exactly the effect of the ops the kernel wrote
 * back as done (the op vectors live in shared memory, so the survivor reads
 * what the kernel reported), and a batch killed in its first op runs no more
 * than that op's chunk (needs userfaultfd: skipped on the debug kernels).
 */
#include <linux/userfaultfd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>

#include "tap.h"
#include "sync_util.h"

static int dev;

/* the messages of t_chan_recv_vec_killed()'s vector and buffer */
#define CHAN_VEC	64

/* Fork a child running @fn(@fd, @arg); it exits with @fn's return. */
static pid_t spawn_fd(int (*fn)(int fd, long arg), int fd, long arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(fd, arg));
	return pid;
}

/* Poll @cond(@fd) until it holds; false if it does not within LIVENESS_NS. */
static bool until(bool (*cond)(int fd), int fd)
{
	int64_t end = now_ns() + LIVENESS_NS;

	do {
		if (cond(fd))
			return true;
		sleep_ns(MS);
	} while (now_ns() < end);
	return false;
}

/* Is the Mutex or RWMutex behind @fd locked or read-locked (by a child)? */
static bool held(int fd)
{
	struct gosync_state st;

	memset(&st, 0, sizeof(st));
	return !gosync_state(fd, &st, NULL, 0, NULL) &&
	       ((st.flags & GOSYNC_STATE_LOCKED) || st.readers);
}

/* Is the Once behind @fd running (a Do was told GOSYNC_ONCE_RUN)? */
static bool once_running(int fd)
{
	return !strncmp(fdinfo(fd, "once-state"), "running", 7);
}

/*
 * Wait until @pid sleeps in an ioctl() on @fd (/proc/<pid>/syscall shows
 * the call a blocked task is in), at most LIVENESS_NS; false if it exits
 * first. For a wait struct gosync_state does not count (a fault on a
 * userfaultfd page): the child makes one call on @fd and sleeps in it only
 * in that wait. Else wait_queued().
 */
static bool blocked(pid_t pid, int fd)
{
	int64_t end = now_ns() + LIVENESS_NS;
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	do {
		siginfo_t si = { .si_pid = 0 };
		FILE *f = fopen(path, "r");
		unsigned long arg0 = ~0ul;
		long nr = -1;

		if (!f)
			return false;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		if (sscanf(buf, "%ld %lx", &nr, &arg0) == 2 && nr == SYS_ioctl &&
		    arg0 == (unsigned long)fd)
			return true;
		if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid)
			return false;
		sleep_ns(MS);
	} while (now_ns() < end);
	return false;
}

static int kill_wait(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

/* Child bodies: each ends blocked forever or reports a failure by exit code. */
static int c_lock(int fd, long ioc)
{
	if (gosync_lock_op(fd, (unsigned long)ioc, GOSYNC_LOCK_LOCK, -1) < 0 && errno != EOWNERDEAD)
		return 10;
	pause();
	return 0;
}

static int c_rlock(int fd, long arg)
{
	(void)arg;
	if (gosync_rwmutex_rlock(fd, -1) < 0 && errno != EOWNERDEAD)
		return 10;
	pause();
	return 0;
}

/* 0 once the counter reached zero: a waiter not killed must be woken */
static int c_wait(int fd, long arg)
{
	(void)arg;
	return gosync_waitgroup_wait(fd, -1) < 0 ? 11 : 0;
}

static int c_once_run(int fd, long arg)
{
	unsigned int r = 0;

	(void)arg;
	if (gosync_once_do(fd, -1, &r) < 0 || r != GOSYNC_ONCE_RUN)
		return 12;
	pause();	/* "running the function" when killed */
	return 0;
}

static int c_once_wait(int fd, long arg)
{
	unsigned int r = 0;

	(void)arg;
	gosync_once_do(fd, -1, &r);
	return 13;
}

static bool t_mutex_holder_killed(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "mk"), 0600, 0));
	int hfd = CHECK_OK(reopen(dev, name)), wfd = CHECK_OK(reopen(dev, name));
	pid_t holder = spawn_fd(c_lock, hfd, GOSYNC_IOC_MUTEX), waiter;

	CHECK(until(held, fd), "the holder never locked");
	CHECK_ERRNO(gosync_mutex_trylock(fd), EBUSY, false);
	close(hfd);	/* only the child's copy keeps the description */
	waiter = spawn_fd(c_lock, wfd, GOSYNC_IOC_MUTEX);	/* blocks behind the holder */
	close(wfd);
	CHECK(wait_queued(fd, 1), "the waiter never queued");
	/* Kill the blocked waiter first: it must leave the queue cleanly. */
	CHECK_EQ(kill_wait(waiter), SIGKILL);
	/* Then the holder: the lock is released, the next locker is told. */
	CHECK_EQ(kill_wait(holder), SIGKILL);
	CHECK_ERRNO(gosync_mutex_lock(fd, 2000 * MS), EOWNERDEAD, false);
	CHECK_OK(gosync_mutex_unlock(fd));
	CHECK_OK(gosync_mutex_trylock(fd));	/* no phantom owner or waiter */
	CHECK_OK(gosync_mutex_unlock(fd));
	close(fd);
	return true;
}

static bool t_mutex_waiter_woken_by_death(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_mutex_create(dev, tap_name(name, "mw"), 0600, 0));
	int hfd = CHECK_OK(reopen(dev, name));
	pid_t holder = spawn_fd(c_lock, hfd, GOSYNC_IOC_MUTEX), killer;

	close(hfd);
	CHECK(until(held, fd), "the holder never locked");
	/* We block in Lock behind the holder; its death must wake us with EOWNERDEAD. */
	fflush(stdout);
	killer = fork();
	if (killer == 0) {
		/* kill the holder once we are queued behind it (or fail the test) */
		bool queued = wait_queued(fd, 1);

		kill(holder, SIGKILL);
		_exit(queued ? 0 : 1);
	}
	CHECK(killer > 0, "fork: %s", tap_errname(errno));
	CHECK_ERRNO(gosync_mutex_lock(fd, LIVENESS_NS), EOWNERDEAD, false);
	CHECK_EQ(reap(holder), 128 + SIGKILL);
	CHECK(reap(killer) == 0, "the killer never saw us queued behind the holder");
	CHECK_OK(gosync_mutex_unlock(fd));
	close(fd);
	return true;
}

static bool t_rwmutex(void)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_rwmutex_create(dev, tap_name(name, "rw"), 0600, 0));
	int f1 = CHECK_OK(reopen(dev, name)), f2 = CHECK_OK(reopen(dev, name));
	pid_t reader, writer;

	/* A reader killed while holding: its read lock goes away. */
	reader = spawn_fd(c_rlock, f1, 0);
	close(f1);
	CHECK(until(held, fd), "the reader never read-locked");
	CHECK_ERRNO(gosync_rwmutex_trylock(fd), EBUSY, false);
	CHECK_EQ(kill_wait(reader), SIGKILL);
	CHECK_OK(gosync_rwmutex_lock(fd, 2000 * MS));
	/* A writer killed while waiting behind our write lock... */
	writer = spawn_fd(c_lock, f2, GOSYNC_IOC_RWMUTEX);
	close(f2);
	CHECK(wait_queued(fd, 1), "the writer never queued");
	CHECK_EQ(kill_wait(writer), SIGKILL);
	CHECK_OK(gosync_rwmutex_unlock(fd));
	/* ...must not leave a phantom waiting writer that blocks new readers. */
	CHECK_OK(gosync_rwmutex_rlock(fd, 2000 * MS));
	/* A writer blocked behind our read lock, killed: readers still get in. */
	f2 = CHECK_OK(reopen(dev, name));
	writer = spawn_fd(c_lock, f2, GOSYNC_IOC_RWMUTEX);
	close(f2);
	CHECK(wait_queued(fd, 1), "the writer never queued");
	f1 = CHECK_OK(reopen(dev, name));
	CHECK_ERRNO(gosync_rwmutex_tryrlock(f1), EBUSY, false);	/* writer preference */
	CHECK_EQ(kill_wait(writer), SIGKILL);
	CHECK_OK(gosync_rwmutex_rlock(f1, 2000 * MS));
	CHECK_OK(gosync_rwmutex_runlock(f1));
	CHECK_OK(gosync_rwmutex_runlock(fd));
	/* A writer killed while holding: the next locker gets EOWNERDEAD. */
	writer = spawn_fd(c_lock, f1, GOSYNC_IOC_RWMUTEX);
	close(f1);
	CHECK(until(held, fd), "the writer never locked");
	CHECK_ERRNO(gosync_rwmutex_tryrlock(fd), EBUSY, false);
	CHECK_EQ(kill_wait(writer), SIGKILL);
	errno = 0;
	CHECK(gosync_rwmutex_rlock(fd, 2000 * MS) == 0 || errno == EOWNERDEAD,
	      "rlock after a dead writer: %s", tap_errname(errno));
	CHECK_OK(gosync_rwmutex_runlock(fd));
	CHECK_OK(gosync_rwmutex_trylock(fd));
	CHECK_OK(gosync_rwmutex_unlock(fd));
	close(fd);
	return true;
}

static bool t_waitgroup(void)
{
	int fd = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int64_t c = -1;
	pid_t w1, w2;

	CHECK_OK(gosync_waitgroup_add(fd, 1, NULL));
	w1 = spawn_fd(c_wait, fd, 0);
	w2 = spawn_fd(c_wait, fd, 0);
	CHECK(wait_queued(fd, 2), "the waiters never queued");
	CHECK_EQ(kill_wait(w1), SIGKILL);
	CHECK_OK(gosync_waitgroup_done(fd, &c));
	CHECK_EQ(c, 0);
	CHECK_EQ(reap(w2), 0);	/* the survivor's Wait returned 0 */
	/* the killed waiter must not keep the group "waking" (Add would be EBUSY) */
	CHECK_OK(gosync_waitgroup_wait(fd, 2000 * MS));
	CHECK_OK(gosync_waitgroup_add(fd, 1, &c));
	CHECK_EQ(c, 1);
	/* a waiter killed while the counter is positive, then the group reused */
	w1 = spawn_fd(c_wait, fd, 0);
	CHECK(wait_queued(fd, 1), "the waiter never queued");
	CHECK_EQ(kill_wait(w1), SIGKILL);
	CHECK_OK(gosync_waitgroup_done(fd, &c));
	CHECK_OK(gosync_waitgroup_add(fd, 3, &c));
	CHECK_EQ(c, 3);
	CHECK_OK(gosync_waitgroup_add(fd, -3, &c));
	CHECK_OK(gosync_waitgroup_wait(fd, 2000 * MS));
	close(fd);
	return true;
}

static bool t_once(unsigned int flags)
{
	char name[GOSYNC_NAME_MAX];
	int fd = CHECK_OK(gosync_once_create(dev, tap_name(name, flags ? "or" : "on"), 0600, flags));
	int rfd = CHECK_OK(reopen(dev, name));
	unsigned int r = 0;
	pid_t runner, waiter;

	runner = spawn_fd(c_once_run, rfd, 0);
	close(rfd);
	CHECK(until(once_running, fd), "the runner was never told to run");
	CHECK_OK(gosync_once_load(fd, &r));
	CHECK_EQ(r, 0);
	/* a waiter in Do, killed, then the runner killed */
	waiter = spawn_fd(c_once_wait, fd, 0);
	CHECK(wait_queued(fd, 1), "the waiter never slept in Do");
	CHECK_EQ(kill_wait(waiter), SIGKILL);
	CHECK_EQ(kill_wait(runner), SIGKILL);
	CHECK_OK(gosync_once_do(fd, 2000 * MS, &r));
	if (flags & GOSYNC_ONCE_ATTR_RETRY) {
		CHECK_EQ(r, GOSYNC_ONCE_RUN);
		CHECK_OK(gosync_once_complete(fd));
		CHECK_OK(gosync_once_load(fd, &r));
		CHECK_EQ(r, GOSYNC_ONCE_DONE);
	} else {
		CHECK_EQ(r, GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	}
	close(fd);
	return true;
}

/* Kill a process in the middle of a run of big batches. */
#define NB 40
#define NOPS GOSYNC_BATCH_MAX
#define UNRUN 12345		/* the .error of an op the kernel did not write back */

/* @n map Stores of distinct keys (in @keys, 8 bytes each), marked unrun. */
static void map_stores(struct gosync_map_op *ops, char *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(keys + i * 8, 8, "%zx", i);
		ops[i] = (struct gosync_map_op){ .op = GOSYNC_MAP_STORE,
			.key = (uintptr_t)(keys + i * 8), .key_len = strlen(keys + i * 8),
			.value = (uintptr_t)keys, .value_len = 8, .error = UNRUN };
	}
}

/*
 * Run the NB batches of ops at @map, then wait to be killed: the child
 * always dies of the SIGKILL, so an exit status is a failed batch.
 */
static int c_batches(int fd, long map)
{
	struct gosync_info info;
	size_t osz;

	gosync_info(fd, &info);
	osz = info.type == GOSYNC_TYPE_MAP ? sizeof(struct gosync_map_op) : sizeof(struct gosync_op);
	for (int b = 0; b < NB; b++) {
		void *ops = (char *)(uintptr_t)map + (size_t)b * NOPS * osz;
		struct gosync_batch bt = {
			.size = sizeof(bt), .ops = (uintptr_t)ops, .count = NOPS,
			.op_size = (uint32_t)osz,
		};

		if (ioctl(fd, GOSYNC_IOC_BATCH, &bt) < 0 && errno != EINTR)
			return 20;
	}
	pause();
	return 21;
}

/* The .error of op @i of the vector @mem of @type's ops, as the kernel left it */
static int32_t op_error(const void *mem, int type, size_t i)
{
	const int32_t *e = type == GOSYNC_TYPE_MAP ? &((const struct gosync_map_op *)mem)[i].error :
						     &((const struct gosync_op *)mem)[i].error;

	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

/* Has the kernel written back an op of the first batch: is the run under way? */
static bool batch_started(const void *mem, int type)
{
	for (size_t i = 0; i < NOPS; i++)
		if (op_error(mem, type, i) != UNRUN)
			return true;
	return false;
}

/*
 * Kill the child @delay_ms after the kernel wrote back its first op; count
 * the run in *@mid if the kill landed with some, but not all, ops done.
 */
static bool t_batch_killed(int type, unsigned int sub, int delay_ms, unsigned int *mid)
{
	size_t vec = (size_t)NB * NOPS * sizeof(struct gosync_map_op);
	uint8_t *mem = mmap(NULL, vec + (size_t)NB * NOPS * 8, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *keys = (char *)mem + vec;
	uint64_t done = 0, len = 0;
	int64_t v = 0, end;
	int fd, st;
	pid_t pid;

	CHECK(mem != MAP_FAILED, "mmap");
	fd = type == GOSYNC_TYPE_MAP ? gosync_map_create(dev, NULL, 0, sub, 0, 0) :
				       gosync_counter_create(dev, NULL, 0, sub, 0);
	CHECK(fd >= 0, "create: %s", tap_errname(errno));
	if (type == GOSYNC_TYPE_MAP)
		map_stores((struct gosync_map_op *)mem, keys, (size_t)NB * NOPS);
	else
		for (size_t i = 0; i < (size_t)NB * NOPS; i++)
			((struct gosync_op *)mem)[i] = (struct gosync_op){
				.op = GOSYNC_OP_ADD, .arg = 1, .error = UNRUN };
	pid = spawn_fd(c_batches, fd, (long)(uintptr_t)mem);
	for (end = now_ns() + LIVENESS_NS; !batch_started(mem, type); sleep_ns(MS / 10)) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			FAIL("the child exited (status %#x) before any op was written back", st);
		if (now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			FAIL("no op was written back in %lld s", LIVENESS_NS / SEC);
		}
	}
	sleep_ns(delay_ms * MS);
	kill(pid, SIGKILL);
	CHECK_EQ(reap(pid), 128 + SIGKILL);	/* not an exit: a failed batch */
	for (size_t i = 0; i < (size_t)NB * NOPS; i++) {
		int32_t err = op_error(mem, type, i);

		CHECK(err == 0 || err == UNRUN || err == -EINTR, "op %zu error %d", i, err);
		done += err == 0;
	}
	if (type == GOSYNC_TYPE_MAP) {
		CHECK_OK(gosync_map_len(fd, &len));
		CHECK_EQ(len, done);
	} else {
		CHECK_OK(gosync_counter_load(fd, &v));
		CHECK_EQ(v, done);
	}
	printf("# type %d/%u: killed %d ms after it started, %" PRIu64 " ops done\n",
	       type, sub, delay_ms, done);
	*mid += done > 0 && done < (uint64_t)NB * NOPS;
	close(fd);
	munmap(mem, vec + (size_t)NB * NOPS * 8);
	return true;
}

static bool t_batches(void)
{
	unsigned int mid = 0;

	for (int d = 5; d <= 125; d += 60) {
		for (unsigned int m = GOSYNC_COUNTER_RACY + 1; m <= GOSYNC_COUNTER_PERCPU; m++)
			if (!t_batch_killed(GOSYNC_TYPE_COUNTER, m, d, &mid))
				return false;
		for (unsigned int b = GOSYNC_MAP_SPIN; b <= GOSYNC_MAP_RCU; b++)
			if (!t_batch_killed(GOSYNC_TYPE_MAP, b, d, &mid))
				return false;
	}
	/* a kill after the last op, or before the first, tests nothing */
	CHECK(mid, "no kill landed in the middle of a run (0 < ops done < %d)", NB * NOPS);
	return true;
}

/* A userfaultfd (root: kernel faults too), or -1 with errno set. */
static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd >= 0 && ioctl(uffd, UFFDIO_API, &api) < 0) {
		close(uffd);
		return -1;
	}
	return uffd;
}

/*
 * A batch ends at a fatal signal, with the chunk of ops it is in: the first
 * op's key lies on a userfaultfd page nobody serves, so the child blocks
 * copying it until SIGKILL ends the wait; that op fails (EFAULT) and the
 * other 4095 must not all run on for a dead process. The ops live in shared
 * memory: what the kernel wrote back is what ran.
 */
static int c_batch_stuck(int fd, long map)
{
	struct gosync_map_op *ops = (struct gosync_map_op *)(uintptr_t)map;
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct gosync_batch bt = {
		.size = sizeof(bt), .ops = (uintptr_t)ops, .count = NOPS,
		.op_size = sizeof(*ops),
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int uffd = uffd_open();

	if (page == MAP_FAILED || uffd < 0)
		return 30;
	reg.range.start = (uintptr_t)page;
	reg.range.len = pg;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		return 30;
	ops[0].key = (uintptr_t)page;
	ioctl(fd, GOSYNC_IOC_BATCH, &bt);
	return 31;	/* must not return: killed while the first op waits */
}

/* Whether this kernel gives us a userfaultfd. */
static bool have_uffd(void)
{
	int uffd = uffd_open();

	if (uffd < 0)
		return false;
	close(uffd);
	return true;
}

static bool t_batch_ends_at_kill(void)
{
	size_t vec = (size_t)NOPS * sizeof(struct gosync_map_op), sz = vec + (size_t)NOPS * 8;
	struct gosync_map_op *ops = mmap(NULL, sz, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *keys = (char *)ops + vec;
	unsigned int ran = 0, ok = 0;
	uint64_t len = 0;
	int fd, st;
	pid_t pid;

	CHECK(ops != MAP_FAILED, "mmap");
	fd = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_SPIN, 0, 0));
	map_stores(ops, keys, NOPS);
	pid = spawn_fd(c_batch_stuck, fd, (long)(uintptr_t)ops);
	if (!blocked(pid, fd)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		CHECK(false, "the child never blocked (status %#x)", st);
	}
	CHECK_EQ(kill_wait(pid), SIGKILL);
	for (unsigned int i = 0; i < NOPS; i++) {
		ran += ops[i].error != UNRUN;
		ok += ops[i].error == 0;
	}
	CHECK_EQ(ops[0].error, -EFAULT);
	CHECK_OK(gosync_map_len(fd, &len));
	CHECK_EQ(len, ok);
	printf("# batch killed in its first op: %u of %u ops ran\n", ran, NOPS);
	CHECK(ran < NOPS, "all %u ops ran for a killed process", ran);
	close(fd);
	munmap(ops, sz);
	return true;
}

/* A RECV vector of @n messages, no deadline: it should die in it. */
static int c_recv_vec(int fd, long n)
{
	static char bufs[CHAN_VEC][8];
	struct gosync_chan_msg m[CHAN_VEC];

	memset(m, 0, sizeof(m));
	for (long i = 0; i < n; i++) {
		m[i].buf = (uintptr_t)bufs[i];
		m[i].len = sizeof(bufs[i]);
	}
	gosync_chan_vec(fd, GOSYNC_CHAN_RECV, m, n, 0, -1, NULL);
	return 1;
}

/*
 * A receiver killed after a Send handed it the first message of its RECV
 * vector, before it ran again, takes no more: what was buffered meanwhile
 * stays for the living (the vector takes what is there after its first).
 * The parent runs real-time on the child's CPU, so the child cannot run
 * between the Sends and the kill.
 */
static bool t_chan_recv_vec_killed(void)
{
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	bool waiting, fifo_ok, ok = true;
	uint32_t len = ~0u;
	cpu_set_t all;
	int fd, sig, i;
	pid_t pid;

	fd = gosync_chan_create(dev, NULL, 0, CHAN_VEC, 8);
	CHECK(fd >= 0, "chan create: %s", tap_errname(errno));
	sched_getaffinity(0, sizeof(all), &all);
	CHECK(tap_pin_cpu0(), "cannot run on CPU 0: %s", tap_errname(errno));
	pid = spawn_fd(c_recv_vec, fd, CHAN_VEC);
	waiting = wait_receivers(fd, 1) && blocked(pid, fd);
	fifo_ok = waiting && !sched_setscheduler(0, SCHED_FIFO, &fifo);
	/* the first is handed to the receiver, the rest are buffered */
	for (i = 0; fifo_ok && ok && i < CHAN_VEC; i++)
		ok = !gosync_chan_send(fd, "m", 1, 0);
	sig = kill_wait(pid);
	sched_setscheduler(0, SCHED_OTHER, &other);
	sched_setaffinity(0, sizeof(all), &all);
	CHECK(waiting, "the receiver did not block");
	CHECK(fifo_ok, "SCHED_FIFO: %s", tap_errname(errno));
	CHECK(ok, "send %d: %s", i, tap_errname(errno));
	CHECK(sig == SIGKILL, "the receiver ended with %d", sig);
	CHECK(!gosync_chan_len(fd, &len, NULL, NULL), "len: %s", tap_errname(errno));
	CHECK(len == CHAN_VEC - 1, "%u of %d buffered messages left after the kill", len,
	      CHAN_VEC - 1);
	close(fd);
	return true;
}

/* A SEND vector of @n messages (their index, 4 bytes each), no deadline: it should die in it. */
static int c_send_vec(int fd, long n)
{
	static uint32_t vals[CHAN_VEC];
	struct gosync_chan_msg m[CHAN_VEC];

	for (long i = 0; i < n; i++) {
		vals[i] = (uint32_t)i;
		m[i] = (struct gosync_chan_msg){ .buf = (uintptr_t)&vals[i], .len = 4 };
	}
	gosync_chan_vec(fd, GOSYNC_CHAN_SEND, m, n, 0, -1, NULL);
	return 1;
}

/*
 * A sender killed while its SEND vector waits for room has sent exactly
 * the messages before the one it waited on: those stay buffered, in order,
 * and that one and the rest never arrive; no sender is left waiting.
 */
static bool t_chan_send_vec_killed(void)
{
	const int cap = 4, n = 10;
	struct gosync_state st;
	uint32_t v, len = ~0u;
	size_t got;
	bool ok;
	int fd, i;
	pid_t pid;

	fd = CHECK_OK(gosync_chan_create(dev, NULL, 0, cap, 8));
	pid = spawn_fd(c_send_vec, fd, n);
	if (!wait_queued(fd, 1) || !blocked(pid, fd)) {
		kill_wait(pid);
		FAIL("the sender never waited");
	}
	CHECK_EQ(kill_wait(pid), SIGKILL);
	CHECK_OK(gosync_chan_len(fd, &len, NULL, NULL));
	CHECK_EQ(len, cap);
	memset(&st, 0, sizeof(st));
	CHECK_OK(gosync_state(fd, &st, NULL, 0, NULL));
	CHECK_EQ(st.waiters, 0);
	for (i = 0; i < cap; i++) {
		got = 0;
		CHECK_OK(gosync_chan_recv(fd, &v, sizeof(v), &got, &ok, 0));
		CHECK(ok && got == 4 && v == (uint32_t)i, "message %d: ok %d, %zu bytes, value %u",
		      i, ok, got, v);
	}
	CHECK_ERRNO(gosync_chan_recv(fd, &v, sizeof(v), &got, &ok, 0), ETIMEDOUT, false);
	close(fd);
	return true;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("sigkill");
	tap_report(t_mutex_holder_killed(), "sigkill-mutex-holder-and-waiter");
	tap_report(t_mutex_waiter_woken_by_death(), "sigkill-mutex-waiter-woken");
	tap_report(t_rwmutex(), "sigkill-rwmutex");
	tap_report(t_waitgroup(), "sigkill-waitgroup");
	tap_report(t_once(0), "sigkill-once");
	tap_report(t_once(GOSYNC_ONCE_ATTR_RETRY), "sigkill-once-retry");
	tap_report(t_batches(), "sigkill-batch");
	tap_report(t_chan_recv_vec_killed(), "sigkill-chan-recv-vector");
	tap_report(t_chan_send_vec_killed(), "sigkill-chan-send-vector");
	if (have_uffd())
		tap_report(t_batch_ends_at_kill(), "sigkill-batch-ends-at-kill");
	else
		printf("ok - e2e:sigkill-batch-ends-at-kill # SKIP no userfaultfd (%s)\n",
		       tap_errname(errno));
	return tap_done(dev, "sigkill");
}
