// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: concurrent updates of one counter from threads, from forked processes
 * sharing one fd, and from processes that open it by name. Exact modes must
 * lose nothing; racy mode may only lose updates, never invent them.
 */
#include <pthread.h>

#include "tap.h"

#define NWORKERS	4
#define NOPS		10000
#define TOTAL		(NWORKERS * NOPS)

enum kind { KIND_ADD, KIND_CAS, KIND_SWAP };

static int dev;

/*
 * One worker: NOPS updates of @fd, recording what each returned in @results.
 * ADD: +1, results are the new values. CAS: increment by a CAS retry loop,
 * results are the values it moved from. SWAP: swap in id * NOPS + i + 1,
 * results are the old values.
 */
static int work(int fd, enum kind kind, int id, int64_t *results)
{
	int64_t r, seen = 0;
	bool swapped;

	for (int i = 0; i < NOPS; i++) {
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
			if (gosync_counter_swap(fd, (int64_t)id * NOPS + i + 1, &r) < 0)
				return errno;
			break;
		}
		results[id * NOPS + i] = r;
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

	for (int i = 0; i < NOPS / 10; i++) {
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

int main(void)
{
	char name[GOSYNC_NAME_MAX];

	dev = tap_dev("concurrency");
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
	return tap_done(dev, "concurrency");
}
