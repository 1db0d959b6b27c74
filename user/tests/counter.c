// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: every counter operation on every counter mode, single-threaded, and
 * the value fdinfo shows.
 */
#include <sys/ioctl.h>

#include "tap.h"

static int dev;

static int counter(unsigned int mode, int64_t initial)
{
	return gosync_counter_create(dev, NULL, 0, mode, initial);
}

/* One op through the raw ioctl, with result preset to catch unwritten output. */
static int raw_op(int fd, unsigned int op, unsigned int flags, int64_t arg,
		  int64_t expected, int64_t *result)
{
	struct gosync_counter_cmd c = {
		.size = sizeof(c), .flags = flags, .op = op, .arg = arg,
		.expected = expected, .result = 0x5a5a5a5a5a5a5a5aLL,
	};
	int ret = ioctl(fd, GOSYNC_IOC_COUNTER, &c);

	*result = c.result;
	return ret;
}

static int64_t value(int fd)
{
	int64_t v = 0x7e7e7e7e;

	if (gosync_counter_load(fd, &v) < 0)
		return 0x7e7e7e7e;
	return v;
}

static bool t_initial(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, -5));

	CHECK_OK(raw_op(fd, GOSYNC_OP_LOAD, 0, 0, 0, &r));
	CHECK_EQ(r, -5);
	close(fd);
	fd = CHECK_OK(counter(mode, 0));
	CHECK_EQ(value(fd), 0);
	close(fd);
	return true;
}

static bool t_add(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, 5));

	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, 3, 0, &r));
	CHECK_EQ(r, 8);
	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, -10, 0, &r));
	CHECK_EQ(r, -2);
	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, 0, 0, &r));
	CHECK_EQ(r, -2);
	CHECK_EQ(value(fd), -2);
	for (int i = 0; i < 1000; i++)
		CHECK_OK(gosync_counter_add(fd, 1, NULL));
	CHECK_EQ(value(fd), 998);
	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, 1000000007, 0, &r));
	CHECK_EQ(r, 1000001005);
	CHECK_EQ(value(fd), 1000001005);
	close(fd);
	return true;
}

static bool t_store(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, 5));

	CHECK_OK(raw_op(fd, GOSYNC_OP_STORE, 0, 42, 0, &r));
	CHECK_EQ(r, 0);
	CHECK_EQ(value(fd), 42);
	CHECK_OK(gosync_counter_add(fd, 10, NULL));
	CHECK_OK(gosync_counter_store(fd, -7));
	CHECK_EQ(value(fd), -7);
	close(fd);
	return true;
}

static bool t_swap(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, 42));

	if (mode == GOSYNC_COUNTER_PERCPU) {
		CHECK_ERRNO(raw_op(fd, GOSYNC_OP_SWAP, 0, 7, 0, &r), EOPNOTSUPP,
			    false);
		CHECK_EQ(value(fd), 42);
	} else {
		CHECK_OK(raw_op(fd, GOSYNC_OP_SWAP, 0, 7, 0, &r));
		CHECK_EQ(r, 42);
		CHECK_EQ(value(fd), 7);
		CHECK_OK(raw_op(fd, GOSYNC_OP_SWAP, 0, 7, 0, &r));
		CHECK_EQ(r, 7);
		CHECK_EQ(value(fd), 7);
	}
	close(fd);
	return true;
}

static bool t_cas(unsigned int mode)
{
	int64_t r;
	bool swapped;
	int fd = CHECK_OK(counter(mode, 7));

	if (mode == GOSYNC_COUNTER_PERCPU) {
		CHECK_ERRNO(raw_op(fd, GOSYNC_OP_CAS, 0, 9, 7, &r), EOPNOTSUPP,
			    false);
		CHECK_ERRNO(raw_op(fd, GOSYNC_OP_CAS, 0, 9, 100, &r), EOPNOTSUPP,
			    false);
		CHECK_EQ(value(fd), 7);
		close(fd);
		return true;
	}
	/* success: old == expected */
	CHECK_OK(raw_op(fd, GOSYNC_OP_CAS, 0, 9, 7, &r));
	CHECK_EQ(r, 7);
	CHECK_EQ(value(fd), 9);
	/* failure: result is the current value, nothing changes */
	CHECK_OK(raw_op(fd, GOSYNC_OP_CAS, 0, 1, 100, &r));
	CHECK_EQ(r, 9);
	CHECK_EQ(value(fd), 9);
	/* the library's bool */
	CHECK_OK(gosync_counter_cas(fd, 9, -3, &swapped));
	CHECK(swapped, "cas 9 -> -3 did not swap");
	CHECK_OK(gosync_counter_cas(fd, 9, 4, &swapped));
	CHECK(!swapped, "cas 9 -> 4 swapped on -3");
	CHECK_EQ(value(fd), -3);
	close(fd);
	return true;
}

static bool t_reset(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, 11));

	CHECK_OK(gosync_counter_add(fd, 4, NULL));
	CHECK_OK(raw_op(fd, GOSYNC_OP_RESET, 0, 0, 0, &r));
	CHECK_EQ(r, 15);
	CHECK_EQ(value(fd), 0);
	CHECK_OK(raw_op(fd, GOSYNC_OP_RESET, 0, 0, 0, &r));
	CHECK_EQ(r, 0);
	CHECK_OK(gosync_counter_add(fd, -2, NULL));
	CHECK_EQ(value(fd), -2);
	close(fd);
	return true;
}

/* Go 1.23's And and Or (TestAndInt64, TestOrInt64): bit by bit, old value back */
static bool t_and_or(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, -1));

	if (mode == GOSYNC_COUNTER_PERCPU) {
		CHECK_ERRNO(raw_op(fd, GOSYNC_OP_AND, 0, 1, 0, &r), EOPNOTSUPP, false);
		CHECK_ERRNO(raw_op(fd, GOSYNC_OP_OR, 0, 1, 0, &r), EOPNOTSUPP, false);
		CHECK_EQ(value(fd), -1);
		close(fd);
		return true;
	}
	for (int i = 0; i < 64; i++) {
		uint64_t bit = 1ULL << i, before = ~0ULL << i;

		CHECK_OK(raw_op(fd, GOSYNC_OP_AND, 0, (int64_t)~bit, 0, &r));
		CHECK_EQ(r, (int64_t)before);
		CHECK_EQ(value(fd), (int64_t)(before & ~bit));
	}
	CHECK_EQ(value(fd), 0);
	for (int i = 0; i < 64; i++) {
		uint64_t bit = 1ULL << i;

		CHECK_OK(raw_op(fd, GOSYNC_OP_OR, 0, (int64_t)bit, 0, &r));
		CHECK_EQ(r, (int64_t)(bit - 1));
	}
	CHECK_EQ(value(fd), -1);
	CHECK_OK(gosync_counter_and(fd, 0xf0, &r));
	CHECK_EQ(r, -1);
	CHECK_OK(gosync_counter_or(fd, 0x3, NULL));
	CHECK_EQ(value(fd), 0xf3);
	/* And and Or take no expected operand */
	CHECK_ERRNO(raw_op(fd, GOSYNC_OP_OR, 0, 1, 1, &r), EINVAL, false);
	close(fd);
	return true;
}

/*
 * Add @delta and check the value becomes @want. The ADD result is checked too
 * except in percpu mode, whose exact ADD result t_add() tests on its own.
 */
static bool add_to(unsigned int mode, int fd, int64_t delta, int64_t want)
{
	int64_t r;

	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, delta, 0, &r));
	if (mode != GOSYNC_COUNTER_PERCPU)
		CHECK(r == want, "add %" PRId64 " returned %" PRId64 ", expected %"
		      PRId64, delta, r, want);
	CHECK(value(fd) == want, "add %" PRId64 ": load %" PRId64 ", expected %"
	      PRId64, delta, value(fd), want);
	return true;
}

/* Values wrap modulo 2^64, as atomic.AddInt64 does. */
static bool t_wrap(unsigned int mode)
{
	int fd = CHECK_OK(counter(mode, INT64_MAX));

	CHECK_EQ(value(fd), INT64_MAX);
	if (!add_to(mode, fd, 1, INT64_MIN) ||
	    !add_to(mode, fd, -1, INT64_MAX) ||
	    !add_to(mode, fd, INT64_MIN, -1) ||
	    !add_to(mode, fd, INT64_MIN, INT64_MAX) ||
	    !add_to(mode, fd, INT64_MAX, -2) ||
	    !add_to(mode, fd, 3, 1))
		return false;
	CHECK_OK(gosync_counter_store(fd, INT64_MIN));
	if (!add_to(mode, fd, INT64_MAX, -1) || !add_to(mode, fd, -INT64_MAX, INT64_MIN))
		return false;
	close(fd);
	return true;
}

/*
 * GOSYNC_OP_F_APPROX: exact in every mode but percpu; there it reads the
 * global count without summing, which lags the exact value by the per-CPU
 * deltas not yet folded in, and a store leaves no deltas.
 */
static bool t_approx(unsigned int mode)
{
	int64_t r;
	int fd = CHECK_OK(counter(mode, 0));

	CHECK_OK(gosync_counter_store(fd, 1000000));
	CHECK_OK(raw_op(fd, GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX, 0, 0, &r));
	CHECK_EQ(r, 1000000);
	for (int i = 0; i < 10; i++)
		CHECK_OK(gosync_counter_add(fd, 1, NULL));
	CHECK_OK(raw_op(fd, GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX, 0, 0, &r));
	if (mode == GOSYNC_COUNTER_PERCPU)
		CHECK(r >= 1000000 && r <= 1000010,
		      "approx load %" PRId64 " outside [1000000, 1000010]", r);
	else
		CHECK_EQ(r, 1000010);
	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, GOSYNC_OP_F_APPROX, 5, 0, &r));
	if (mode == GOSYNC_COUNTER_PERCPU)
		CHECK(r >= 1000000 && r <= 1000015,
		      "approx add %" PRId64 " outside [1000000, 1000015]", r);
	else
		CHECK_EQ(r, 1000015);
	CHECK_EQ(value(fd), 1000015);
	close(fd);
	return true;
}

/* racy_delay_ns widens the window but changes nothing single-threaded. */
static bool t_racy_delay(unsigned int mode)
{
	struct gosync_create c = {
		.type = GOSYNC_TYPE_COUNTER,
		.counter = { .mode = mode, .initial = 1, .racy_delay_ns = 1000 },
	};
	int64_t r;
	int fd = CHECK_OK(gosync_create(dev, &c));

	CHECK_OK(raw_op(fd, GOSYNC_OP_ADD, 0, 2, 0, &r));
	CHECK_EQ(r, 3);
	CHECK_OK(raw_op(fd, GOSYNC_OP_SWAP, 0, 9, 0, &r));
	CHECK_EQ(r, 3);
	CHECK_OK(raw_op(fd, GOSYNC_OP_CAS, 0, 10, 9, &r));
	CHECK_EQ(r, 9);
	CHECK_EQ(value(fd), 10);
	close(fd);
	return true;
}

/* The counter-value line of @fd's fdinfo, or @bad if it has none. */
static int64_t fdinfo_value(int fd, int64_t bad)
{
	char path[64], line[256];
	int64_t v = bad;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return bad;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "counter-value: %" SCNd64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static uint64_t loads(int fd)
{
	struct gosync_info info;

	return gosync_info(fd, &info) ? ~0ULL : info.stats[GOSYNC_STAT_LOAD];
}

/*
 * fdinfo's counter-value is the exact value, and reading it is no Load: a
 * few Adds stay in this CPU's percpu slot (under the batch), where an
 * approximate read does not see them.
 */
static bool t_fdinfo(unsigned int mode)
{
	int64_t r, exact;
	uint64_t before;
	int fd = CHECK_OK(counter(mode, 1000));

	for (int i = 0; i < 10; i++)
		CHECK_OK(gosync_counter_add(fd, 1, NULL));
	if (mode == GOSYNC_COUNTER_PERCPU) {
		CHECK_OK(raw_op(fd, GOSYNC_OP_LOAD, GOSYNC_OP_F_APPROX, 0, 0, &r));
		CHECK(r < 1010, "approx load %" PRId64 ": no Add left in a per-CPU slot", r);
	}
	before = loads(fd);
	CHECK_EQ(fdinfo_value(fd, INT64_MIN), 1010);
	CHECK_EQ(loads(fd), before);
	CHECK_OK(raw_op(fd, GOSYNC_OP_LOAD, 0, 0, 0, &exact));
	CHECK_EQ(exact, 1010);
	CHECK_EQ(loads(fd), before + 1);
	close(fd);
	return true;
}

static const struct {
	const char *name;
	bool (*fn)(unsigned int mode);
} tests[] = {
	{ "initial", t_initial }, { "add", t_add }, { "store", t_store },
	{ "swap", t_swap }, { "cas", t_cas }, { "reset", t_reset },
	{ "wrap", t_wrap }, { "approx", t_approx }, { "and-or", t_and_or },
	{ "fdinfo", t_fdinfo },
};

int main(void)
{
	dev = tap_dev("counter");
	for (unsigned int m = GOSYNC_COUNTER_RACY; m <= GOSYNC_COUNTER_PERCPU; m++)
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			tap_report(tests[i].fn(m), "counter-%s-%s",
				   gosync_counter_mode_name(m), tests[i].name);
	tap_report(t_racy_delay(GOSYNC_COUNTER_RACY), "counter-racy-delay");
	return tap_done(dev, "counter");
}
