// SPDX-License-Identifier: GPL-2.0
/* e2e: GOSYNC_IOC_BATCH: per-op results and errors, limits, bad headers. */
#include <sys/ioctl.h>

#include "tap.h"

static int dev;

#define SENTINEL 0x5a5a5a5a5a5a5a5aLL

static struct gosync_op op(unsigned int code, int64_t arg, int64_t expected)
{
	return (struct gosync_op){
		.op = code, .arg = arg, .expected = expected,
		.result = SENTINEL, .error = 0x5a5a,
	};
}

static int raw_batch(int fd, struct gosync_batch *b)
{
	b->size = sizeof(*b);
	return ioctl(fd, GOSYNC_IOC_BATCH, b);
}

static int64_t value(int fd)
{
	int64_t v = SENTINEL;

	gosync_counter_load(fd, &v);
	return v;
}

static bool t_results(unsigned int mode)
{
	struct gosync_op ops[] = {
		op(GOSYNC_OP_ADD, 5, 0), op(GOSYNC_OP_LOAD, 0, 0),
		op(GOSYNC_OP_STORE, 10, 0), op(GOSYNC_OP_SWAP, 20, 0),
		op(GOSYNC_OP_CAS, 30, 20), op(GOSYNC_OP_CAS, 0, 99),
		op(GOSYNC_OP_RESET, 0, 0), op(GOSYNC_OP_ADD, -4, 0),
		op(GOSYNC_OP_LOAD, 0, 0), op(GOSYNC_OP_OR, 3, 0),
		op(GOSYNC_OP_AND, 6, 0), op(GOSYNC_OP_LOAD, 0, 0),
	};
	static const int64_t want[] = { 5, 5, 0, 10, 20, 30, 30, -4, -4, -4, -1, 6 };
	unsigned int done = 12345;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, mode, 0));

	CHECK_OK(gosync_batch(fd, ops, 12, 0, &done));
	CHECK_EQ(done, 12);
	for (int i = 0; i < 12; i++) {
		CHECK(ops[i].error == 0, "op %d: error %d", i, ops[i].error);
		CHECK(ops[i].result == want[i], "op %d: result %" PRId64
		      ", expected %" PRId64, i, (int64_t)ops[i].result, want[i]);
	}
	CHECK_EQ(value(fd), 6);
	close(fd);
	return true;
}

/* A failing op records -errno and the batch goes on. */
static bool t_op_errors(void)
{
	struct gosync_op ops[] = {
		op(GOSYNC_OP_ADD, 1, 0),
		op(99, 1, 0),			/* unknown op */
		op(GOSYNC_OP_ADD, 1, 0),
		op(0, 1, 0),			/* unknown op */
		op(GOSYNC_OP_ADD, 1, 7),	/* expected on a non-CAS op */
		op(GOSYNC_OP_ADD, 1, 0),	/* reserved set below */
		op(GOSYNC_OP_ADD, 1, 0),	/* unknown flag set below */
		op(GOSYNC_OP_ADD, 1, 0),
	};
	static const int want[] = { 0, -EINVAL, 0, -EINVAL, -EINVAL, -EINVAL,
				    -EINVAL, 0 };
	unsigned int done = 0;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0,
						GOSYNC_COUNTER_ATOMIC, 0));

	ops[5].__reserved = 1;
	ops[6].flags = 1U << 30;
	CHECK_OK(gosync_batch(fd, ops, 8, 0, &done));
	CHECK_EQ(done, 8);
	for (int i = 0; i < 8; i++)
		CHECK(ops[i].error == want[i], "op %d: error %d (%s), expected %d",
		      i, ops[i].error, tap_errname(-ops[i].error), want[i]);
	CHECK_EQ(ops[2].result, 2);
	CHECK_EQ(ops[7].result, 3);
	CHECK_EQ(value(fd), 3);
	close(fd);
	return true;
}

static bool t_percpu_unsupported(void)
{
	struct gosync_op ops[] = {
		op(GOSYNC_OP_ADD, 2, 0), op(GOSYNC_OP_SWAP, 5, 0),
		op(GOSYNC_OP_CAS, 5, 2), op(GOSYNC_OP_AND, 1, 0),
		op(GOSYNC_OP_OR, 1, 0), op(GOSYNC_OP_LOAD, 0, 0),
	};
	unsigned int done = 0;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0,
						GOSYNC_COUNTER_PERCPU, 0));

	CHECK_OK(gosync_batch(fd, ops, 6, 0, &done));
	CHECK_EQ(done, 6);
	CHECK_EQ(ops[0].error, 0);
	for (int i = 1; i < 5; i++)
		CHECK(ops[i].error == -EOPNOTSUPP, "op %d: error %d", i, ops[i].error);
	CHECK_EQ(ops[5].error, 0);
	CHECK_EQ(ops[5].result, 2);
	close(fd);
	return true;
}

/* STOP_ON_ERROR: the failing op is executed (error written), later ones not. */
static bool t_stop_on_error(void)
{
	struct gosync_op ops[] = {
		op(GOSYNC_OP_ADD, 1, 0), op(77, 0, 0), op(GOSYNC_OP_ADD, 1, 0),
		op(GOSYNC_OP_ADD, 1, 0),
	};
	unsigned int done = 0;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0,
						GOSYNC_COUNTER_SPINLOCK, 0));

	CHECK_OK(gosync_batch(fd, ops, 4, GOSYNC_BATCH_STOP_ON_ERROR, &done));
	CHECK_EQ(done, 2);
	CHECK_EQ(ops[0].error, 0);
	CHECK_EQ(ops[0].result, 1);
	CHECK_EQ(ops[1].error, -EINVAL);
	CHECK_EQ(ops[2].result, SENTINEL);
	CHECK_EQ(ops[3].result, SENTINEL);
	CHECK_EQ(value(fd), 1);
	close(fd);
	return true;
}

static bool t_limits(void)
{
	unsigned int n = GOSYNC_BATCH_MAX + 1, done = 0;
	struct gosync_op *ops = calloc(n, sizeof(*ops));
	struct gosync_batch b = { .ops = (uintptr_t)ops };
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0,
						GOSYNC_COUNTER_ATOMIC, 0));

	CHECK(ops, "out of memory");
	for (unsigned int i = 0; i < n; i++)
		ops[i] = op(GOSYNC_OP_ADD, 1, 0);
	/* the maximum works, and every op runs */
	CHECK_OK(gosync_batch(fd, ops, GOSYNC_BATCH_MAX, 0, &done));
	CHECK_EQ(done, GOSYNC_BATCH_MAX);
	CHECK_EQ(ops[GOSYNC_BATCH_MAX - 1].result, GOSYNC_BATCH_MAX);
	CHECK_EQ(value(fd), GOSYNC_BATCH_MAX);
	/* one more is E2BIG and runs nothing */
	CHECK_ERRNO(gosync_batch(fd, ops, n, 0, NULL), E2BIG, false);
	CHECK_ERRNO(gosync_batch(fd, ops, UINT32_MAX, 0, NULL), E2BIG, false);
	CHECK_EQ(value(fd), GOSYNC_BATCH_MAX);
	/* an empty batch is fine */
	CHECK_OK(gosync_batch(fd, ops, 0, 0, &done));
	CHECK_EQ(done, 0);
	b.count = 0;
	b.op_size = sizeof(*ops);
	b.ops = 0;
	CHECK_OK(raw_batch(fd, &b));
	CHECK_EQ(value(fd), GOSYNC_BATCH_MAX);
	free(ops);
	close(fd);
	return true;
}

static bool t_bad_header(void)
{
	size_t ps;
	struct gosync_op ops[2] = { op(GOSYNC_OP_ADD, 1, 0), op(GOSYNC_OP_ADD, 1, 0) };
	struct gosync_batch b;
	char *page = tap_guard_page(&ps);
	int64_t before;
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0,
						GOSYNC_COUNTER_ATOMIC, 0));

	CHECK(page, "mmap");
#define RESET_B() (b = (struct gosync_batch){ .ops = (uintptr_t)ops, .count = 2, \
					      .op_size = sizeof(ops[0]) })
	RESET_B();
	b.op_size = sizeof(ops[0]) - 8;
	CHECK_ERRNO(raw_batch(fd, &b), EINVAL, false);
	RESET_B();
	b.op_size = sizeof(ops[0]) + 8;
	CHECK_ERRNO(raw_batch(fd, &b), EINVAL, false);
	RESET_B();
	b.op_size = 0;
	CHECK_ERRNO(raw_batch(fd, &b), EINVAL, false);
	RESET_B();
	b.flags = 1U << 7;
	CHECK_ERRNO(raw_batch(fd, &b), EINVAL, false);
	RESET_B();
	b.__reserved = 1;
	CHECK_ERRNO(raw_batch(fd, &b), EINVAL, false);
	CHECK_EQ(value(fd), 0);
	/* the vector pointer */
	RESET_B();
	b.ops = (uintptr_t)(page + ps);
	CHECK_ERRNO(raw_batch(fd, &b), EFAULT, false);
	RESET_B();
	b.ops = 8;
	CHECK_ERRNO(raw_batch(fd, &b), EFAULT, false);
	/* a vector running into an unmapped page: the first op may run */
	RESET_B();
	memcpy(page + ps - sizeof(ops[0]), ops, sizeof(ops[0]));
	b.ops = (uintptr_t)(page + ps - sizeof(ops[0]));
	CHECK_ERRNO(raw_batch(fd, &b), EFAULT, false);
	CHECK(b.done <= 1, "done %u after a fault at op 1", b.done);
	CHECK(value(fd) == b.done, "value %" PRId64 " but done %u", value(fd),
	      b.done);
	/*
	 * A read-only vector: the ops run, their results cannot be written
	 * back, and @done still counts them (resuming from it must not run
	 * them again).
	 */
	RESET_B();
	before = value(fd);
	memcpy(page, ops, sizeof(ops));
	CHECK_OK(mprotect(page, ps, PROT_READ));
	b.ops = (uintptr_t)page;
	CHECK_ERRNO(raw_batch(fd, &b), EFAULT, false);
	CHECK(b.done == 2 && value(fd) == before + 2,
	      "done %u, value %" PRId64 " -> %" PRId64 " after 2 ops with no write-back",
	      b.done, before, value(fd));
	munmap(page, ps);
	close(fd);
	return true;
}

int main(void)
{
	dev = tap_dev("batch");
	for (unsigned int m = GOSYNC_COUNTER_RACY; m < GOSYNC_COUNTER_PERCPU; m++)
		tap_report(t_results(m), "batch-results-%s", gosync_counter_mode_name(m));
	tap_report(t_op_errors(), "batch-per-op-errors");
	tap_report(t_percpu_unsupported(), "batch-percpu-eopnotsupp");
	tap_report(t_stop_on_error(), "batch-stop-on-error");
	tap_report(t_limits(), "batch-limits");
	tap_report(t_bad_header(), "batch-bad-header");
	return tap_done(dev, "batch");
}
