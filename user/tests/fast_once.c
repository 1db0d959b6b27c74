// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: the mapped Once (GOSYNC_CREATE_MAPPED) and libgosync's fast Do. The
 * word (uapi header, kmod/once.c) says done only once the function
 * completed; a done Once's Do then needs no system call (the kernel's Do
 * count stays); fast-path and ioctl callers mixed across threads and
 * processes run the function once; a runner killed before Complete
 * abandons it (or, RETRY, lets the next one run); and a page a process
 * scribbles on misleads only that Once's fast path.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include "sync_util.h"

static int dev;

static uint32_t word(struct gosync_fast *f)
{
	return __atomic_load_n(&f->words->once, __ATOMIC_SEQ_CST);
}

static uint64_t kernel_dos(int fd)
{
	struct gosync_info info;

	if (gosync_info(fd, &info) < 0)
		return ~0ULL;
	return info.stats[GOSYNC_STAT_ONCE_DOS];
}

/* The word: 0, then DONE; once done, Dos stay out of the kernel. */
static bool t_word(void)
{
	char name[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;
	unsigned int r = 99;
	uint64_t dos;
	int i;

	CHECK_OK(gosync_fast_once_create(dev, tap_name(name, "word"), 0, 0, &a));
	CHECK_OK(fast_open_name(dev, GOSYNC_TYPE_ONCE, name, &b));
	CHECK_EQ(word(&a), 0);
	CHECK_RET(gosync_fast_once_do(&a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_EQ(word(&b), 0);				/* running is not done */
	CHECK_RET(gosync_fast_once_do(&b, 0, &r), ETIMEDOUT);	/* and waits in the kernel */
	CHECK_RET(gosync_once_complete(b.fd), EPERM);
	CHECK_RET(gosync_once_complete(a.fd), 0);
	CHECK_EQ(word(&b), GOSYNC_ONCE_DONE);
	dos = kernel_dos(a.fd);
	for (i = 0; i < 100; i++) {
		r = 99;
		CHECK_RET(gosync_fast_once_do(i & 1 ? &a : &b, -1, &r), 0);
		CHECK_EQ(r, GOSYNC_ONCE_DONE);
	}
	CHECK_EQ(kernel_dos(a.fd), dos);		/* no system call */
	CHECK_RET(gosync_once_do(a.fd, -1, &r), 0);	/* the ioctl agrees */
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK_EQ(kernel_dos(a.fd), dos + 1);
	fast_close(&a);
	fast_close(&b);
	return true;
}

/* Go's TestOnce with fast and ioctl callers, threads and processes. */
#define MIX_THREADS	6
#define MIX_PROCS	3

struct mix {
	const char *name;
	atomic_int *runs;	/* shared with the children */
	atomic_int *value;	/* Go's `one`, written by the runner */
	atomic_int *errors;
	bool fast;
};

static int mix_call(struct mix *m)
{
	struct gosync_fast f = { .fd = -1 };
	unsigned int r = 0;
	int fd, ret;

	fd = m->fast ? fast_open_name(dev, GOSYNC_TYPE_ONCE, m->name, &f) : gosync_open(dev, m->name, GOSYNC_TYPE_ONCE);
	if (fd < 0)
		return -1;
	ret = m->fast ? gosync_fast_once_do(&f, LIVENESS_NS, &r) :
			gosync_once_do(fd, LIVENESS_NS, &r);
	if (!ret && r == GOSYNC_ONCE_RUN) {
		atomic_fetch_add(m->runs, 1);
		sleep_ns(20 * MS);		/* let the others come and wait */
		atomic_store_explicit(m->value, 1, memory_order_relaxed);
		ret = gosync_once_complete(fd);
	} else if (!ret && r != GOSYNC_ONCE_DONE) {
		ret = -1;
	}
	/* The Once orders the runner's write before our return (relaxed read). */
	if (!ret && atomic_load_explicit(m->value, memory_order_relaxed) != 1)
		ret = -1;
	if (m->fast)
		gosync_fast_close(&f);
	close(fd);
	return ret;
}

static void *mix_thread(void *p)
{
	struct mix *m = p;

	if (mix_call(m) < 0)
		atomic_fetch_add(m->errors, 1);
	return NULL;
}

static int mix_child(void *p)
{
	return mix_call(p) < 0;
}

static bool t_mixed(void)
{
	char name[GOSYNC_NAME_MAX];
	atomic_int *sh = mmap(NULL, 3 * sizeof(atomic_int), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mix m[MIX_THREADS + MIX_PROCS];
	pthread_t t[MIX_THREADS];
	pid_t pid[MIX_PROCS];
	struct gosync_fast f;
	int i, bad = 0;

	CHECK(sh != MAP_FAILED, "mmap");
	CHECK_OK(gosync_fast_once_create(dev, tap_name(name, "mixed"), 0, 0, &f));
	for (i = 0; i < MIX_THREADS + MIX_PROCS; i++)
		m[i] = (struct mix){ .name = name, .runs = &sh[0], .value = &sh[1],
				     .errors = &sh[2], .fast = i & 1 };
	for (i = 0; i < MIX_PROCS; i++)
		pid[i] = spawn(mix_child, &m[MIX_THREADS + i]);
	for (i = 0; i < MIX_THREADS; i++)
		CHECK(!pthread_create(&t[i], NULL, mix_thread, &m[i]), "pthread_create");
	for (i = 0; i < MIX_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < MIX_PROCS; i++)
		bad += reap(pid[i]) != 0;
	CHECK_EQ(atomic_load(&sh[0]), 1);
	CHECK_EQ(atomic_load(&sh[2]), 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(word(&f), GOSYNC_ONCE_DONE);
	fast_close(&f);
	munmap(sh, 3 * sizeof(atomic_int));
	return true;
}

/* A Once created without the flag has no page for the fast path. */
static bool t_unmapped(void)
{
	struct gosync_fast f;
	int fd = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));

	CHECK_RET(gosync_fast_open(fd, &f), ENODEV);
	close(fd);
	return true;
}

/* A runner that dies before Complete; Go's TestOncePanic. */
static int die_running(void *p)
{
	struct gosync_fast f;
	unsigned int r = 0;

	if (fast_open_name(dev, GOSYNC_TYPE_ONCE, p, &f) < 0 || gosync_fast_once_do(&f, -1, &r) < 0 ||
	    r != GOSYNC_ONCE_RUN)
		return 1;
	kill(getpid(), SIGKILL);
	return 2;
}

static bool t_killed(void)
{
	char name[GOSYNC_NAME_MAX], rname[GOSYNC_NAME_MAX];
	struct gosync_fast a, b;
	unsigned int r = 99;

	CHECK_OK(gosync_fast_once_create(dev, tap_name(name, "killed"), 0, 0, &a));
	CHECK_EQ(tap_fork(die_running, name), 128 + SIGKILL);
	CHECK_EQ(word(&a), GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	CHECK_RET(gosync_fast_once_do(&a, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE | GOSYNC_ONCE_ABANDONED);
	fast_close(&a);

	CHECK_OK(gosync_fast_once_create(dev, tap_name(rname, "retry"), 0,
					 GOSYNC_ONCE_ATTR_RETRY, &b));
	CHECK_EQ(tap_fork(die_running, rname), 128 + SIGKILL);
	CHECK_EQ(word(&b), 0);
	CHECK_RET(gosync_fast_once_do(&b, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);			/* the next caller runs it */
	CHECK_RET(gosync_once_complete(b.fd), 0);
	CHECK_EQ(word(&b), GOSYNC_ONCE_DONE);
	fast_close(&b);
	return true;
}

/* An OnceValue mapped: the fast Do says done, the value comes from LOAD. */
static bool t_value(void)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_ONCE, .once = { .value_max = 16 },
	};
	struct gosync_fast f;
	unsigned int r = 99;
	char buf[16] = "";
	size_t len = 0;

	CHECK_OK(gosync_fast_create(dev, &c, &f));
	CHECK_RET(gosync_fast_once_do(&f, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_oncevalue_complete(f.fd, "forty-two", 10), 0);
	CHECK_RET(gosync_fast_once_do(&f, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_DONE);
	CHECK_RET(gosync_oncevalue_load(f.fd, &r, buf, sizeof(buf), &len), 0);
	CHECK_EQ(len, 10);
	CHECK(!strcmp(buf, "forty-two"), "value %s", buf);
	fast_close(&f);
	return true;
}

/*
 * Garbage in the page: the fast path believes it (that Once is broken for
 * its fast users), the kernel does not read it: LOAD and Do go on as before.
 */
static bool t_scribble(void)
{
	struct gosync_fast f, g;
	unsigned int r = 99;

	CHECK_OK(gosync_fast_once_create(dev, NULL, 0, 0, &f));
	CHECK_OK(gosync_fast_once_create(dev, NULL, 0, 0, &g));
	memset(f.words, 0xff, sizeof(*f.words));
	CHECK_RET(gosync_once_load(f.fd, &r), 0);
	CHECK_EQ(r, 0);
	CHECK_RET(gosync_once_do(f.fd, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_complete(f.fd), 0);
	CHECK_EQ(word(&f), GOSYNC_ONCE_DONE);		/* the kernel's store wins */
	CHECK_EQ(word(&g), 0);				/* other objects: untouched */
	CHECK_RET(gosync_fast_once_do(&g, -1, &r), 0);
	CHECK_EQ(r, GOSYNC_ONCE_RUN);
	CHECK_RET(gosync_once_complete(g.fd), 0);
	fast_close(&f);
	fast_close(&g);
	return true;
}

int main(void)
{
	dev = tap_dev("fast_once");
	tap_report(t_word(), "fast_once-word-no-syscall-when-done");
	tap_report(t_mixed(), "fast_once-mixed-threads-processes");
	tap_report(t_unmapped(), "fast_once-unmapped-enodev");
	tap_report(t_killed(), "fast_once-runner-killed");
	tap_report(t_value(), "fast_once-oncevalue");
	tap_report(t_scribble(), "fast_once-scribbled-page");
	return tap_done(dev, "fast_once");
}
