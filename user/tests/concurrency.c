// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: concurrent updates of one counter from threads, from forked processes
 * sharing one fd, and from processes that open it by name. Exact modes must
 * lose nothing; racy mode may only lose updates, never invent them.
 * Go's sync/atomic memory-model tests, TestStoreLoadSeqCst64 (store
 * buffering on two counters) and TestStoreLoadRelAcq64 (a Store publishes
 * plain data to the Load that sees it), on the modes docs/uapi.md calls
 * linearizable (atomic, spinlock, mutex, rwsem), on the mapped fast path
 * and mixed (one side fast, one side ioctl), in threads and processes.
 */
#include <pthread.h>

#include "sync_util.h"

#define NWORKERS	4
/*
 * Updates per worker: 2500 on the small kernels (tap_small(): the debug
 * kernels, and the 6.12, 6.12-rt and sid stages that rerun 6.1's module
 * code), where the rwsem mode's contended sleeps cost 13 s of a PREEMPT_RT
 * run at 10000.
 * Thousands of contended updates per worker still catch a lost update;
 * 6.1's full-size run keeps 10000.
 */
static int nops = 10000;
#define TOTAL		(NWORKERS * nops)

enum kind { KIND_ADD, KIND_CAS, KIND_SWAP };

static int dev;

/*
 * One worker: nops updates of @fd, recording what each returned in @results.
 * ADD: +1, results are the new values. CAS: increment by a CAS retry loop,
 * results are the values it moved from. SWAP: swap in id * nops + i + 1,
 * results are the old values.
 */
static int work(int fd, enum kind kind, int id, int64_t *results)
{
	int64_t r, seen = 0;
	bool swapped;

	for (int i = 0; i < nops; i++) {
		switch (kind) {
		case KIND_ADD:
			if (gosync_counter_add(fd, 1, &r) < 0)
				return errno;
			break;
		case KIND_CAS:
			if (gosync_counter_load(fd, &seen) < 0)
				return errno;
			for (;;) {
				if (gosync_counter_op(fd, GOSYNC_OP_CAS, 0, seen + 1,
						      seen, &r) < 0)
					return errno;
				swapped = r == seen;
				if (swapped)
					break;
				seen = r;
			}
			break;
		case KIND_SWAP:
			if (gosync_counter_swap(fd, (int64_t)id * nops + i + 1, &r) < 0)
				return errno;
			break;
		}
		results[id * nops + i] = r;
	}
	return 0;
}

/*
 * Exact modes: ADD results are 1..TOTAL, each once; CAS moved from each of
 * 0..TOTAL-1 once; SWAP olds plus the final value are 0..TOTAL, each once.
 */
static bool check_unique(enum kind kind, const int64_t *results, int64_t final)
{
	unsigned char *seen = calloc(TOTAL + 1, 1);
	int64_t lo = kind == KIND_ADD ? 1 : 0;

	CHECK(seen, "out of memory");
	for (int i = 0; i < TOTAL; i++) {
		int64_t r = results[i];

		if (r < lo || r > TOTAL || seen[r]++) {
			free(seen);
			FAIL("result %" PRId64 " out of range or seen twice", r);
		}
	}
	if (kind == KIND_SWAP) {
		if (final < 0 || final > TOTAL || seen[final]) {
			free(seen);
			FAIL("final value %" PRId64 " already returned", final);
		}
	}
	free(seen);
	return true;
}

static bool check_final(unsigned int mode, enum kind kind, int fd,
			const int64_t *results)
{
	int64_t v;

	CHECK_OK(gosync_counter_load(fd, &v));
	if (kind == KIND_SWAP)
		return mode == GOSYNC_COUNTER_RACY || check_unique(kind, results, v);
	if (mode == GOSYNC_COUNTER_RACY) {
		CHECK(v > 0 && v <= TOTAL, "racy total %" PRId64 " not in (0, %d]",
		      v, TOTAL);
		if (v < TOTAL)
			printf("# racy counter lost %" PRId64 " of %d updates\n",
			       TOTAL - v, TOTAL);
		return true;
	}
	CHECK_EQ(v, TOTAL);
	if (mode == GOSYNC_COUNTER_PERCPU)	/* ADD results are not linearizable */
		return true;
	return check_unique(kind, results, v);
}

static int racy_counter(const char *name, unsigned int mode)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_COUNTER, .name = (uintptr_t)name,
		.counter = { .mode = mode },
	};

	/* Widen the racy window so that lost updates really happen. */
	if (mode == GOSYNC_COUNTER_RACY)
		c.counter.racy_delay_ns = 1000;
	return gosync_create(dev, &c);
}

struct thread_arg {
	int fd;
	enum kind kind;
	int id;
	int64_t *results;
	int err;
};

static void *thread_fn(void *p)
{
	struct thread_arg *a = p;

	a->err = work(a->fd, a->kind, a->id, a->results);
	return NULL;
}

static bool t_threads(unsigned int mode, enum kind kind)
{
	struct thread_arg args[NWORKERS];
	pthread_t th[NWORKERS];
	int64_t *results = calloc(TOTAL, sizeof(*results));
	int fd = CHECK_OK(racy_counter(NULL, mode));
	bool ok;

	CHECK(results, "out of memory");
	for (int i = 0; i < NWORKERS; i++) {
		args[i] = (struct thread_arg){ fd, kind, i, results, 0 };
		CHECK(!pthread_create(&th[i], NULL, thread_fn, &args[i]),
		      "pthread_create");
	}
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NWORKERS; i++)
		CHECK(!args[i].err, "worker %d: %s", i, tap_errname(args[i].err));
	ok = check_final(mode, kind, fd, results);
	free(results);
	close(fd);
	return ok;
}

/*
 * Processes: each child either uses the fd it inherited or, with @name,
 * opens the object by name itself (checking it is the same object).
 */
static bool t_procs(unsigned int mode, const char *name)
{
	size_t len = TOTAL * sizeof(int64_t);
	int64_t *results = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct gosync_info info;
	pid_t pids[NWORKERS];
	int fd = CHECK_OK(racy_counter(name, mode));
	bool ok;

	CHECK(results != MAP_FAILED, "mmap");
	CHECK_OK(gosync_info(fd, &info));
	fflush(stdout);
	for (int i = 0; i < NWORKERS; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0, "fork");
		if (pids[i])
			continue;
		if (name) {
			struct gosync_info mine;
			int d, f;

			close(fd);
			close(dev);
			d = gosync_dev_open();
			f = d < 0 ? -1 : gosync_open(d, name, GOSYNC_TYPE_COUNTER);
			if (f < 0)
				_exit(100);
			if (gosync_info(f, &mine) < 0 || mine.id != info.id)
				_exit(101);
			_exit(work(f, KIND_ADD, i, results));
		}
		_exit(work(fd, KIND_ADD, i, results));
	}
	for (int i = 0; i < NWORKERS; i++) {
		int status;

		CHECK(waitpid(pids[i], &status, 0) == pids[i], "waitpid");
		CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
		      "child %d: status %#x (100: open by name failed, 101: "
		      "other object, else errno)", i, status);
	}
	ok = check_final(mode, KIND_ADD, fd, results);
	munmap(results, len);
	close(fd);
	if (name)
		CHECK_OK(gosync_unlink(dev, name));
	return ok;
}

/*
 * Go's hammerAnd/hammerOr: each thread owns bits (its id, +8, +16, ...) and
 * sets them with Or, then clears them with And, checking each op's old
 * value shows its bits as it left them. Another thread's lost update would
 * flip them.
 */
struct bits {
	int fd, id;
	int errors;
};

static void *bits_thread(void *p)
{
	struct bits *b = p;
	int64_t mask = (int64_t)(0x0101010101010101ULL << b->id), old;

	for (int i = 0; i < nops / 10; i++) {
		if (gosync_counter_or(b->fd, mask, &old) < 0 || (old & mask))
			b->errors++;
		if (gosync_counter_and(b->fd, ~mask, &old) < 0 || (old & mask) != mask)
			b->errors++;
	}
	return NULL;
}

static bool t_bits(unsigned int mode)
{
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, mode, 0));
	struct bits b[NWORKERS];
	pthread_t t[NWORKERS];
	int64_t v;

	for (int i = 0; i < NWORKERS; i++) {
		b[i] = (struct bits){ .fd = fd, .id = i };
		CHECK(!pthread_create(&t[i], NULL, bits_thread, &b[i]), "pthread_create");
	}
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(b[i].errors, 0);
	}
	CHECK_OK(gosync_counter_load(fd, &v));
	CHECK_EQ(v, 0);
	close(fd);
	return true;
}

/* ---- Go's TestStoreLoadSeqCst64 and TestStoreLoadRelAcq64 ---- */

/* Go's N is 1000 (100 with -short) */
#define SB_ROUNDS	5000
#define SB_ROUNDS_SMALL	2000
/*
 * Before its Store each side spins a random 0..SB_JITTER-1 times (not in
 * Go's test): the handshake leaves one side a cache miss behind the other,
 * longer than a store buffer takes to drain, so without it the two
 * Store-Load windows hardly ever overlap. With the fast path's atomics
 * made release/acquire (plain moves on x86), 2% of 5000-round runs on the
 * host caught the reordering without it, 94% with it; in the TCG VM both
 * mapped-fast cases fail with it, neither without.
 */
#define SB_JITTER	1024

enum sb_how {
	SB_IOCTL,	/* both sides GOSYNC_IOC_COUNTER */
	SB_FAST,	/* both sides gosync_fast_counter_*() on the mapped word */
	SB_MIXED,	/* side 0 fast, side 1 ioctl, on the same mapped counters */
};

static const struct sb_mode {
	unsigned int mode;	/* GOSYNC_COUNTER_* */
	enum sb_how how;
	const char *what;
} sb_modes[] = {
	{ GOSYNC_COUNTER_ATOMIC, SB_IOCTL, "atomic" },
	{ GOSYNC_COUNTER_SPINLOCK, SB_IOCTL, "spinlock" },
	{ GOSYNC_COUNTER_MUTEX, SB_IOCTL, "mutex" },
	{ GOSYNC_COUNTER_RWSEM, SB_IOCTL, "rwsem" },
	{ GOSYNC_COUNTER_ATOMIC, SB_FAST, "mapped-fast" },
	{ GOSYNC_COUNTER_ATOMIC, SB_MIXED, "mapped-mixed" },
};

/* What the two workers share (MAP_SHARED: threads or processes). */
struct sb_shared {
	/* Go's ack handshake: C11 atomics, no gosync in it */
	_Atomic int64_t ack[2][3];
	/* RelAcq's plain data, far apart (relaxed: no order of their own) */
	int64_t data1;
	char pad1[128];
	int64_t data2;
	char pad2[128];
	atomic_int ready;	/* start line */
	atomic_int stop;	/* a worker failed: the other stops waiting */
	atomic_int raced;	/* SeqCst rounds where a load saw the old value */
	bool relacq;
	int64_t rounds;
	struct sb_mode mode;
	char names[2][GOSYNC_NAME_MAX];
	char why[2][160];
};

/* One worker's counters: X[0], X[1] (RelAcq: the signal is X[0]). */
struct sb_side {
	int fd[2];
	struct gosync_fast f[2];
	bool fast;
};

static int sb_store(struct sb_side *s, int k, int64_t v)
{
	return s->fast ? gosync_fast_counter_store(&s->f[k], v) : gosync_counter_store(s->fd[k], v);
}

static int sb_load(struct sb_side *s, int k, int64_t *v)
{
	return s->fast ? gosync_fast_counter_load(&s->f[k], v) : gosync_counter_load(s->fd[k], v);
}

/* Worker @me failed: say why (the first failure only) and stop the other. */
static int __attribute__((format(printf, 3, 4)))
sb_fail(struct sb_shared *sh, int me, const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&sh->stop, 1))
		return 1;
	va_start(ap, fmt);
	vsnprintf(sh->why[me], sizeof(sh->why[me]), fmt, ap);
	va_end(ap);
	return 1;
}

/* Spin @w of a wait begun at @t0: yield now and then (Go's Gosched); false to give up. */
static bool sb_spin(struct sb_shared *sh, int64_t w, int64_t t0)
{
	if (w % 1000)
		return true;
	sched_yield();
	return !atomic_load(&sh->stop) && now_ns() - t0 < LIVENESS_NS;
}

/*
 * TestStoreLoadSeqCst64: round i, each side stores X[me] = i, then loads
 * X[he]; they swap what they loaded through ack. Sequential consistency
 * forbids both loads seeing i - 1: one of the stores came first in the
 * total order, and the other side's load came after it. Fails if a Store
 * can still sit in a store buffer when the next Load reads (a fast-path
 * store that is only a release, a kernel Store that is atomic64_set()
 * without a full barrier: both sides must reorder, so mixed cannot catch
 * one weak side), or if the two sides do not read and write the same
 * value at all (mixed: ioctl and mapped word not the same counter): then
 * the values are invalid, or a wait for them times out.
 */
static int sb_seqcst(struct sb_shared *sh, struct sb_side *s, int me)
{
	int he = 1 - me;
	unsigned int seed = me + 1;

	for (int64_t i = 1; i < sh->rounds; i++) {
		int64_t my, his, t0 = now_ns();

		for (unsigned int j = rand_r(&seed) % SB_JITTER; j; j--)
			__asm__ volatile("" ::: "memory");
		if (sb_store(s, me, i) < 0 || sb_load(s, he, &my) < 0)
			return sb_fail(sh, me, "round %" PRId64 ": %s", i, errname(errno));
		atomic_store(&sh->ack[me][i % 3], my);
		for (int64_t w = 1; (his = atomic_load(&sh->ack[he][i % 3])) == -1; w++)
			if (!sb_spin(sh, w, t0))
				return sb_fail(sh, me, "round %" PRId64 ": no ack", i);
		if ((my != i && my != i - 1) || (his != i && his != i - 1))
			return sb_fail(sh, me, "invalid values: %" PRId64 "/%" PRId64 " (%" PRId64
				       ")", my, his, i);
		if (my != i && his != i)
			return sb_fail(sh, me, "store/load are not sequentially consistent: %"
				       PRId64 "/%" PRId64 " (%" PRId64 ")", my, his, i);
		if (my != i)
			atomic_fetch_add(&sh->raced, 1);
		atomic_store(&sh->ack[me][(i - 1) % 3], -1);
	}
	return 0;
}

/*
 * TestStoreLoadRelAcq64: roles alternate; the writer of round i stores
 * the data, then Store(signal, i); the reader spins on Load until it sees
 * i, then reads the data, which must be round i's. Fails if a Store can
 * become visible before the writes before it (no release), if a Load
 * lets later reads run ahead of it (no acquire), or if it returns a value
 * the counter no longer has (mixed: the kernel's Load not reading the
 * mapped word; the reader then waits out LIVENESS_NS or sees a value
 * from the wrong round).
 */
static int sb_relacq(struct sb_shared *sh, struct sb_side *s, int me)
{
	for (int64_t i = 1; i < sh->rounds; i++) {
		int64_t v, d1, d2, t0 = now_ns();

		if ((i + me) % 2 == 0) {
			__atomic_store_n(&sh->data1, i, __ATOMIC_RELAXED);
			__atomic_store_n(&sh->data2, -i, __ATOMIC_RELAXED);
			if (sb_store(s, 0, i) < 0)
				return sb_fail(sh, me, "round %" PRId64 ": %s", i, errname(errno));
			continue;
		}
		for (int64_t w = 1;; w++) {
			if (sb_load(s, 0, &v) < 0)
				return sb_fail(sh, me, "round %" PRId64 ": %s", i, errname(errno));
			if (v == i)
				break;
			/* the signal is i - 1 (our own Store) until the writer's */
			if (v != i - 1)
				return sb_fail(sh, me, "round %" PRId64 ": signal %" PRId64, i, v);
			if (!sb_spin(sh, w, t0))
				return sb_fail(sh, me, "round %" PRId64 ": never signalled", i);
		}
		d1 = __atomic_load_n(&sh->data1, __ATOMIC_RELAXED);
		d2 = __atomic_load_n(&sh->data2, __ATOMIC_RELAXED);
		if (d1 != i || d2 != -i)
			return sb_fail(sh, me, "incorrect data: %" PRId64 "/%" PRId64 " (%" PRId64
				       ")", d1, d2, i);
	}
	return 0;
}

static int sb_run(struct sb_shared *sh, struct sb_side *s, int me)
{
	int64_t t0 = now_ns();

	/* both at the start line, so that the first rounds overlap too */
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < 2)
		if (now_ns() - t0 > LIVENESS_NS)
			return sb_fail(sh, me, "the other worker never started");
	return sh->relacq ? sb_relacq(sh, s, me) : sb_seqcst(sh, s, me);
}

/* Side 1 in a process of its own: its own descriptions (and mappings) by name. */
static int sb_child(void *arg)
{
	struct sb_shared *sh = arg;
	struct sb_side s = { .fast = sh->mode.how == SB_FAST };
	int n = sh->relacq ? 1 : 2, ret;

	for (int k = 0; k < n; k++) {
		s.fd[k] = gosync_open(dev, sh->names[k], GOSYNC_TYPE_COUNTER);
		if (s.fd[k] < 0 || (s.fast && gosync_fast_open(s.fd[k], &s.f[k]) < 0))
			return sb_fail(sh, 1, "open %s: %s", sh->names[k], errname(errno));
	}
	ret = sb_run(sh, &s, 1);
	for (int k = 0; k < n; k++) {
		if (s.fast)
			gosync_fast_close(&s.f[k]);
		close(s.fd[k]);
	}
	return ret;
}

struct sb_thread {
	struct sb_shared *sh;
	struct sb_side side;
	int ret;
};

static void *sb_thread_fn(void *p)
{
	struct sb_thread *t = p;

	t->ret = sb_run(t->sh, &t->side, 1);
	return NULL;
}

static bool t_storeload(const struct sb_mode *m, bool relacq, bool procs)
{
	struct sb_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct sb_side s = { .fast = m->how != SB_IOCTL };
	struct sb_thread t;
	int n = relacq ? 1 : 2, ret1 = 0, ret0;
	pthread_t th;
	pid_t pid = -1;

	CHECK(sh != MAP_FAILED, "mmap");
	memset(sh, 0, sizeof(*sh));
	for (int me = 0; me < 2; me++)
		for (int k = 0; k < 3; k++)
			atomic_store(&sh->ack[me][k], -1);
	sh->relacq = relacq;
	sh->rounds = tap_small() ? SB_ROUNDS_SMALL : SB_ROUNDS;
	sh->mode = *m;
	for (int k = 0; k < n; k++) {
		char tag[24];
		const char *name = NULL;

		if (procs) {
			snprintf(tag, sizeof(tag), "sb%u.%d.%d.%d", m->mode, m->how, relacq, k);
			name = tap_name(sh->names[k], tag);
		}
		if (m->how == SB_IOCTL)
			s.fd[k] = CHECK_OK(gosync_counter_create(dev, name, 0, m->mode, 0));
		else
			s.fd[k] = CHECK_OK(gosync_fast_counter_create(dev, name, 0, 0, &s.f[k]));
	}
	if (procs) {
		pid = spawn(sb_child, sh);
		CHECK(pid > 0, "fork");
	} else {
		t = (struct sb_thread){ .sh = sh, .side = s };
		t.side.fast = m->how == SB_FAST;
		CHECK(!pthread_create(&th, NULL, sb_thread_fn, &t), "pthread_create");
	}
	ret0 = sb_run(sh, &s, 0);
	if (procs) {
		ret1 = reap(pid);
	} else {
		pthread_join(th, NULL);
		ret1 = t.ret;
	}
	CHECK(!ret0 && !ret1, "%s%s", sh->why[0][0] ? sh->why[0] : sh->why[1],
	      sh->why[0][0] || sh->why[1][0] ? "" : "a worker failed");
	/* both counters end where the last round left them, as either path reads them */
	for (int k = 0; k < n; k++) {
		int64_t v = -1, fv = -1;

		CHECK_OK(gosync_counter_load(s.fd[k], &v));
		CHECK_EQ(v, sh->rounds - 1);
		if (m->how != SB_IOCTL) {
			CHECK_OK(gosync_fast_counter_load(&s.f[k], &fv));
			CHECK_EQ(fv, sh->rounds - 1);
			gosync_fast_close(&s.f[k]);
		}
		close(s.fd[k]);
		if (procs)
			CHECK_OK(gosync_unlink(dev, sh->names[k]));
	}
	if (!relacq)
		printf("# %s %s: %d of %" PRId64 " round-sides loaded before the other's store\n",
		       m->what, procs ? "processes" : "threads", atomic_load(&sh->raced),
		       2 * (sh->rounds - 1));
	munmap(sh, sizeof(*sh));
	return true;
}

/* CPUs this process may run on */
static int nr_cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) ? 1 : CPU_COUNT(&set);
}

int main(void)
{
	char name[GOSYNC_NAME_MAX];

	dev = tap_dev("concurrency");
	if (tap_small())
		nops = 2500;
	for (unsigned int m = GOSYNC_COUNTER_RACY; m <= GOSYNC_COUNTER_PERCPU; m++) {
		const char *mn = gosync_counter_mode_name(m);

		tap_report(t_threads(m, KIND_ADD), "concurrency-%s-threads-add", mn);
		tap_report(t_procs(m, NULL), "concurrency-%s-fork-shared-fd", mn);
		tap_report(t_procs(m, tap_name(name, mn)),
			   "concurrency-%s-procs-open-by-name", mn);
		if (m == GOSYNC_COUNTER_PERCPU)
			continue;
		tap_report(t_threads(m, KIND_CAS), "concurrency-%s-threads-cas-loop", mn);
		tap_report(t_threads(m, KIND_SWAP), "concurrency-%s-threads-swap", mn);
		if (m != GOSYNC_COUNTER_RACY)
			tap_report(t_bits(m), "concurrency-%s-threads-and-or", mn);
	}
	for (int relacq = 0; relacq <= 1; relacq++) {
		const char *test = relacq ? "store-load-relacq" : "store-load-seqcst";

		for (size_t i = 0; i < sizeof(sb_modes) / sizeof(sb_modes[0]); i++) {
			for (int procs = 0; procs <= 1; procs++) {
				const char *how = procs ? "processes" : "threads";

				if (nr_cpus() < 2) {
					printf("ok - e2e:concurrency-%s-%s-%s # SKIP one CPU\n",
					       test, sb_modes[i].what, how);
					continue;
				}
				tap_report(t_storeload(&sb_modes[i], relacq, procs),
					   "concurrency-%s-%s-%s", test, sb_modes[i].what, how);
			}
		}
	}
	return tap_done(dev, "concurrency");
}
