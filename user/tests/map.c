// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of gosync maps through the ioctl API (run in the VM):
 * the model-based test on every backend (random ops, through single ioctls
 * and batches, checked against a reference model), every bad input with its
 * documented errno, EOVERFLOW, limits, info/list stats, and a multi-process
 * Range-while-mutating test. Each check prints an "ok - e2e:map: WHAT" or
 * "not ok - e2e:map: WHAT" line, which scripts/check counts.
 *
 * Usage: map [SEED]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gosync.h"

/*
 * One check, in the format every e2e test prints (tap.h's, whose
 * function-per-case style the model and bad-input loops here do not fit).
 */
static int tap_npass, tap_nfail;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - e2e:map: ", cond ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		tap_npass++;
	else
		tap_nfail++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ok() that a call failed with errno @want */
#define FAILS_WITH(want, call, what) do {				\
	errno = 0;							\
	int r_ = (call);						\
	ok(r_ < 0 && errno == (want), "%s: %s (got %d, %s)", what, #want, r_, \
	   strerror(errno));						\
} while (0)

static const unsigned int backends[] = { GOSYNC_MAP_SPIN, GOSYNC_MAP_RWSEM, GOSYNC_MAP_RCU };
static int dev;

static int raw_map(int fd, struct gosync_map_op *op)
{
	struct gosync_map_cmd c = { .size = sizeof(c), .op = *op };
	int ret = ioctl(fd, GOSYNC_IOC_MAP, &c);

	*op = c.op;
	return ret;
}

/* ---- model-based ---- */

#define MKEYS 10
#define MVALS 5
static const char *const mvals[MVALS] = { "", "a", "bb", "ccc", "a longer value" };

struct model {
	int present[MKEYS];
	int val[MKEYS];
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 8) & 0xffffff;
}

/* Fill @op (with key/value pointers into static strings) for a random op. */
static void model_pick(unsigned int *seed, struct gosync_map_op *op, char *key,
		       char *out, int *k, int *v, int *o)
{
	static const unsigned int codes[] = {
		GOSYNC_MAP_LOAD, GOSYNC_MAP_STORE, GOSYNC_MAP_LOAD_OR_STORE,
		GOSYNC_MAP_LOAD_AND_DELETE, GOSYNC_MAP_DELETE, GOSYNC_MAP_SWAP,
		GOSYNC_MAP_COMPARE_AND_SWAP, GOSYNC_MAP_COMPARE_AND_DELETE,
		GOSYNC_MAP_LEN,
	};
	unsigned int code = rnd(seed) % 200 ? codes[rnd(seed) % 9] : GOSYNC_MAP_CLEAR;

	*k = rnd(seed) % MKEYS;
	*v = rnd(seed) % MVALS;
	*o = rnd(seed) % MVALS;
	sprintf(key, "key-%d", *k);
	memset(op, 0, sizeof(*op));
	op->op = code;
	if (code != GOSYNC_MAP_CLEAR && code != GOSYNC_MAP_LEN) {
		op->key = (uintptr_t)key;
		op->key_len = strlen(key);
	}
	if (code == GOSYNC_MAP_STORE || code == GOSYNC_MAP_LOAD_OR_STORE ||
	    code == GOSYNC_MAP_SWAP || code == GOSYNC_MAP_COMPARE_AND_SWAP) {
		op->value = (uintptr_t)mvals[*v];
		op->value_len = strlen(mvals[*v]);
	}
	if (code == GOSYNC_MAP_COMPARE_AND_SWAP || code == GOSYNC_MAP_COMPARE_AND_DELETE) {
		op->old = (uintptr_t)mvals[*o];
		op->old_len = strlen(mvals[*o]);
	}
	if (code == GOSYNC_MAP_LOAD || code == GOSYNC_MAP_LOAD_OR_STORE ||
	    code == GOSYNC_MAP_LOAD_AND_DELETE || code == GOSYNC_MAP_SWAP) {
		op->out = (uintptr_t)out;
		op->out_cap = 64;
	}
}

/* Apply to the model; return 1 if the kernel's answer in @op matches. */
static int model_check(struct model *m, const struct gosync_map_op *op, int k, int v, int o)
{
	int p = m->present[k], i;
	unsigned long long res = 0, n = 0;
	const char *want = NULL;

	switch (op->op) {
	case GOSYNC_MAP_LOAD:
		res = p;
		want = p ? mvals[m->val[k]] : NULL;
		break;
	case GOSYNC_MAP_STORE:
		m->present[k] = 1;
		m->val[k] = v;
		break;
	case GOSYNC_MAP_LOAD_OR_STORE:
		res = p;
		if (p) {
			want = mvals[m->val[k]];
		} else {
			m->present[k] = 1;
			m->val[k] = v;
		}
		break;
	case GOSYNC_MAP_LOAD_AND_DELETE:
		res = p;
		want = p ? mvals[m->val[k]] : NULL;
		m->present[k] = 0;
		break;
	case GOSYNC_MAP_DELETE:
		res = p;
		m->present[k] = 0;
		break;
	case GOSYNC_MAP_SWAP:
		res = p;
		want = p ? mvals[m->val[k]] : NULL;
		m->present[k] = 1;
		m->val[k] = v;
		break;
	case GOSYNC_MAP_COMPARE_AND_SWAP:
		if (p && m->val[k] == o) {
			res = 1;
			m->val[k] = v;
		}
		break;
	case GOSYNC_MAP_COMPARE_AND_DELETE:
		if (p && m->val[k] == o) {
			res = 1;
			m->present[k] = 0;
		}
		break;
	case GOSYNC_MAP_CLEAR:
		for (i = 0; i < MKEYS; i++) {
			res += m->present[i];
			m->present[i] = 0;
		}
		break;
	case GOSYNC_MAP_LEN:
		for (i = 0; i < MKEYS; i++)
			n += m->present[i];
		res = n;
		break;
	}
	if (op->error || op->result != res)
		return 0;
	if (want && (op->out_len != strlen(want) ||
		     memcmp((const void *)(uintptr_t)op->out, want, op->out_len)))
		return 0;
	if (!want && op->out_len)
		return 0;
	return 1;
}

/* Range the whole map; return 1 if it shows exactly the model's contents. */
static int model_range(int fd, const struct model *m)
{
	struct gosync_map_cursor cur = { 0 };
	char buf[96];	/* small: forces many calls */
	int seen[MKEYS] = { 0 }, i, n;

	do {
		size_t off = 0;

		n = gosync_map_range(fd, buf, sizeof(buf), &cur, NULL);
		if (n < 0)
			return 0;
		for (i = 0; i < n; i++) {
			const void *key, *val;
			size_t kl, vl;
			int k;

			gosync_map_entry_next(buf, &off, &key, &kl, &val, &vl);
			if (kl < 5 || sscanf((const char *)key + 4, "%d", &k) != 1 ||
			    k < 0 || k >= MKEYS || !m->present[k] || seen[k]++ ||
			    vl != strlen(mvals[m->val[k]]) || memcmp(val, mvals[m->val[k]], vl))
				return 0;
		}
	} while (!cur.done);
	for (i = 0; i < MKEYS; i++)
		if (m->present[i] != seen[i])
			return 0;
	return 1;
}

static void model_test(unsigned int backend, unsigned int seed0)
{
	const char *name = gosync_map_backend_name(backend);
	unsigned int seed = seed0;
	struct model m;
	int fd, step, bad = 0, badrange = 0, batches = 0, next_range = 400;

	memset(&m, 0, sizeof(m));

	fd = gosync_map_create(dev, NULL, 0, backend, 0, 0);
	ok(fd >= 0, "%s: create", name);
	if (fd < 0)
		return;
	for (step = 0; step < 4000 && bad < 5; ) {
		/* every other round: a batch of up to 16 ops instead of one ioctl */
		struct gosync_map_op ops[16];
		char keys[16][16], outs[16][64];
		int ks[16], vs[16], os[16], n = 1, i;
		unsigned int done;

		if (rnd(&seed) & 1)
			n = 1 + rnd(&seed) % 16;
		for (i = 0; i < n; i++)
			model_pick(&seed, &ops[i], keys[i], outs[i], &ks[i], &vs[i], &os[i]);
		if (n == 1) {
			if (raw_map(fd, &ops[0]) < 0)
				ops[0].error = -errno;
		} else {
			/* the kernel runs a batch in order: check it against the model in order */
			if (gosync_map_batch(fd, ops, n, 0, &done) < 0 || done != (unsigned int)n)
				bad++;
			batches++;
		}
		for (i = 0; i < n; i++, step++) {
			if (model_check(&m, &ops[i], ks[i], vs[i], os[i]))
				continue;
			if (++bad < 5)
				diag("%s: step %d op %s mismatch", name, step,
				     gosync_map_op_name(ops[i].op));
		}
		if (step >= next_range) {
			badrange += !model_range(fd, &m);
			next_range += 400;
		}
	}
	ok(!bad, "%s: model: %d steps (seed %u, %d batches) match the model", name, step,
	   seed0, batches);
	ok(!badrange, "%s: model: paged Range shows exactly the model's contents", name);
	close(fd);
}

/* A batch of mixed ops with per-op errors, and STOP_ON_ERROR. */
static void batch_test(unsigned int backend)
{
	const char *name = gosync_map_backend_name(backend);
	int fd = gosync_map_create(dev, NULL, 0, backend, 0, 0);
	char out[8];
	struct gosync_map_op ops[4] = {
		{ .op = GOSYNC_MAP_STORE, .key = (uintptr_t)"k", .key_len = 1,
		  .value = (uintptr_t)"hello", .value_len = 5 },
		{ .op = GOSYNC_MAP_LOAD, .key = (uintptr_t)"k", .key_len = 1,
		  .out = (uintptr_t)out, .out_cap = 2 },		/* EOVERFLOW */
		{ .op = 99 },						/* EINVAL */
		{ .op = GOSYNC_MAP_LEN },
	};
	struct gosync_batch b = {
		.size = sizeof(b), .ops = (uintptr_t)ops, .count = 4,
		.op_size = sizeof(struct gosync_op),
	};
	unsigned int done;

	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_BATCH, &b), "map batch with counter op_size");
	ok(gosync_map_batch(fd, ops, 4, 0, &done) == 0 && done == 4, "%s: batch runs 4", name);
	ok(ops[0].error == 0 && ops[1].error == -EOVERFLOW && ops[1].out_len == 5 &&
	   ops[2].error == -EINVAL && ops[3].error == 0 && ops[3].result == 1,
	   "%s: batch per-op errors (%d %d %d %d)", name, ops[0].error, ops[1].error,
	   ops[2].error, ops[3].error);
	ok(gosync_map_batch(fd, ops, 4, GOSYNC_BATCH_STOP_ON_ERROR, &done) == 0 && done == 2,
	   "%s: STOP_ON_ERROR stops after the failing op (done %u)", name, done);
	close(fd);
}

/*
 * Key bytes: the kernel reads a key a word at a time and writes a Load's
 * value in one window. Keys of every length 1..GOSYNC_MAP_KEY_MAX that
 * differ only in their last byte, or are prefixes of each other, are
 * distinct; a key or a value buffer that ends where the mapping ends (a
 * PROT_NONE page after it) is read or written exactly, not past its end;
 * one that runs one byte into that page is EFAULT.
 */
static void key_bytes_test(unsigned int backend)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *area = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = gosync_map_create(dev, NULL, 0, backend, 0, 0);
	const char *name = gosync_map_backend_name(backend);
	unsigned int len, bad = 0;
	char *end, v[8];
	size_t vl;
	bool found;

	if (area == MAP_FAILED || fd < 0 || mprotect(area + pg, (size_t)pg, PROT_NONE)) {
		ok(0, "%s: key bytes: setup", name);
		return;
	}
	end = area + pg;	/* the first byte that faults */
	for (len = 1; len <= GOSYNC_MAP_KEY_MAX; len++) {
		char *k = end - len;

		memset(k, 'a', len);
		k[len - 1] = 'b';
		snprintf(v, sizeof(v), "%u", len);
		if (gosync_map_store(fd, k, len, v, strlen(v)))
			bad++;
	}
	for (len = 1; len <= GOSYNC_MAP_KEY_MAX; len++) {
		char *k = end - len, want[8];

		memset(k, 'a', len);
		k[len - 1] = 'b';
		snprintf(want, sizeof(want), "%u", len);
		/* the value buffer ends at the fault too */
		if (gosync_map_load(fd, k, len, end - strlen(want), strlen(want), &vl, &found) ||
		    !found || vl != strlen(want) || memcmp(end - vl, want, vl))
			bad++;
		k[len - 1] = 'c';	/* same prefix, other last byte: absent */
		if (gosync_map_load(fd, k, len, NULL, 0, &vl, &found) || found)
			bad++;
	}
	ok(!bad, "%s: keys of 1..%d bytes ending at a fault: all distinct, none read past (%u bad)",
	   name, GOSYNC_MAP_KEY_MAX, bad);
	errno = 0;
	ok(gosync_map_load(fd, end - 3, 4, NULL, 0, &vl, &found) < 0 && errno == EFAULT,
	   "%s: a key one byte into the fault: EFAULT", name);
	ok(gosync_map_store(fd, "long", 4, "12345678", 8) == 0, "%s: store an 8-byte value", name);
	errno = 0;
	ok(gosync_map_load(fd, "long", 4, end - 4, 8, &vl, &found) < 0 && errno == EFAULT,
	   "%s: a value buffer that runs 4 bytes into the fault: EFAULT", name);
	ok(gosync_map_load(fd, "long", 4, end - 8, 8, &vl, &found) == 0 && found && vl == 8 &&
	   !memcmp(end - 8, "12345678", 8), "%s: one that ends at the fault: the value", name);
	close(fd);
	munmap(area, (size_t)pg * 2);
}

/* ---- bad inputs ---- */

static void bad_input_test(void)
{
	char big[GOSYNC_MAP_KEY_MAX + 1], out[16];
	int fd = gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0);
	int cfd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0);
	struct gosync_create c = { .type = GOSYNC_TYPE_MAP, .map = { .backend = 9 } };
	struct gosync_map_op op;
	struct gosync_map_cmd cmd;
	struct gosync_map_range r;
	char *vbig;
	size_t len;
	bool found;

	memset(big, 'k', sizeof(big));
	vbig = calloc(1, GOSYNC_MAP_VALUE_MAX + 1);

	/* create */
	FAILS_WITH(EINVAL, gosync_create(dev, &c), "create: unknown backend");
	c.map.backend = 0;
	FAILS_WITH(EINVAL, gosync_create(dev, &c), "create: backend 0");
	c.map.backend = GOSYNC_MAP_SPIN;
	c.map.flags = 1;
	FAILS_WITH(EINVAL, gosync_create(dev, &c), "create: attr flags");
	c.map.flags = 0;
	c.map.__reserved = 1;
	FAILS_WITH(EINVAL, gosync_create(dev, &c), "create: attr reserved");
	c.map.__reserved = 0;
	c.__attr[5] = 1;
	FAILS_WITH(EINVAL, gosync_create(dev, &c), "create: bytes past the map attr");

	/* operands */
	FAILS_WITH(E2BIG, gosync_map_store(fd, big, sizeof(big), "v", 1), "store: 257-byte key");
	ok(gosync_map_store(fd, big, GOSYNC_MAP_KEY_MAX, "v", 1) == 0, "store: 256-byte key");
	FAILS_WITH(EINVAL, gosync_map_store(fd, "", 0, "v", 1), "store: empty key");
	FAILS_WITH(E2BIG, gosync_map_store(fd, "k", 1, vbig, GOSYNC_MAP_VALUE_MAX + 1),
		   "store: 65537-byte value");
	ok(gosync_map_store(fd, "k", 1, vbig, GOSYNC_MAP_VALUE_MAX) == 0, "store: 65536-byte value");
	FAILS_WITH(EFAULT, gosync_map_store(fd, (void *)8, 1, "v", 1), "store: bad key pointer");
	FAILS_WITH(EFAULT, gosync_map_store(fd, "k", 1, (void *)8, 1), "store: bad value pointer");
	FAILS_WITH(EFAULT, gosync_map_compare_and_swap(fd, "k", 1, (void *)8, 1, "v", 1, NULL),
		   "cas: bad old pointer");
	ok(gosync_map_load(fd, "k", 1, (void *)8, 1 << 20, &len, NULL) < 0 && errno == EFAULT,
	   "load: bad out pointer: EFAULT");
	/* other failures write no out-param: len and ok as they were */
	len = 1234;
	found = true;
	FAILS_WITH(EINVAL, gosync_map_load(fd, "", 0, out, sizeof(out), &len, &found),
		   "load: empty key");
	ok(len == 1234 && found, "load: EINVAL leaves len %zu and ok %d", len, found);
	FAILS_WITH(EFAULT, gosync_map_load(fd, "k", 1, (void *)8, 1 << 20, &len, &found),
		   "load: bad out pointer");
	ok(len == 1234 && found, "load: EFAULT leaves len %zu and ok %d", len, found);
	FAILS_WITH(EBADF, gosync_map_load(-1, "k", 1, NULL, 0, &len, &found), "load: fd -1");
	ok(len == 1234 && found, "load: EBADF leaves len %zu and ok %d", len, found);
	FAILS_WITH(EOVERFLOW, gosync_map_load(fd, "k", 1, out, sizeof(out), &len, NULL),
		   "load: small buffer");
	ok(len == GOSYNC_MAP_VALUE_MAX, "load: EOVERFLOW reports out_len %zu", len);
	FAILS_WITH(EOVERFLOW, gosync_map_swap(fd, "k", 1, "x", 1, out, sizeof(out), &len, NULL),
		   "swap: small buffer");
	ok(gosync_map_load(fd, "k", 1, NULL, 0, &len, NULL) == 0 && len == GOSYNC_MAP_VALUE_MAX,
	   "swap with EOVERFLOW changed nothing");
	/* Room at NULL: EFAULT before the op runs (nothing swapped or deleted) */
	memset(&op, 0, sizeof(op));
	op.op = GOSYNC_MAP_SWAP;
	op.key = (uintptr_t)"k";
	op.key_len = 1;
	op.value = (uintptr_t)"x";
	op.value_len = 1;
	op.out_cap = 8;
	FAILS_WITH(EFAULT, raw_map(fd, &op), "swap: NULL out with room");
	op.op = GOSYNC_MAP_LOAD_AND_DELETE;
	op.value = 0;
	op.value_len = 0;
	FAILS_WITH(EFAULT, raw_map(fd, &op), "load-and-delete: NULL out with room");
	ok(gosync_map_load(fd, "k", 1, NULL, 0, &len, NULL) == 0 && len == GOSYNC_MAP_VALUE_MAX,
	   "NULL out: neither Swap nor LoadAndDelete ran");
	/* An unwritable out: the op ran, and the struct says what it did. */
	op.out = 8;
	op.out_cap = 1 << 20;
	FAILS_WITH(EFAULT, raw_map(fd, &op), "load-and-delete: bad out pointer");
	ok(op.result == 1 && op.out_len == GOSYNC_MAP_VALUE_MAX,
	   "load-and-delete EFAULT reports result %llu out_len %u",
	   (unsigned long long)op.result, op.out_len);
	ok(gosync_map_load(fd, "k", 1, NULL, 0, &len, &found) == 0 && !found,
	   "load-and-delete EFAULT deleted the key");
	ok(gosync_map_store(fd, "k", 1, vbig, GOSYNC_MAP_VALUE_MAX) == 0, "store it again");

	memset(&op, 0, sizeof(op));
	op.op = GOSYNC_MAP_LOAD;
	op.key = (uintptr_t)"k";
	op.key_len = 1;
	op.flags = 2;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: unknown flag");
	op.flags = 0;
	op.op = 0;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: op 0");
	op.op = GOSYNC_MAP_LEN + 1;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: unknown op");
	op.op = GOSYNC_MAP_LOAD;
	op.value = (uintptr_t)"v";
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: value pointer on Load");
	op.value = 0;
	op.old_len = 1;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: old_len on Load");
	op.old_len = 0;
	op.flags = GOSYNC_MAP_F_NOVALUE;
	op.out_cap = 4;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: NOVALUE with out_cap");
	op.flags = 0;
	op.out_cap = 0;
	op.op = GOSYNC_MAP_LEN;
	FAILS_WITH(EINVAL, raw_map(fd, &op), "op: key on Len");

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.__reserved = 1;
	cmd.op.op = GOSYNC_MAP_LEN;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP, &cmd), "map cmd: reserved");
	cmd.__reserved = 0;
	cmd.size = 8;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP, &cmd), "map cmd: size below first version");
	FAILS_WITH(EFAULT, ioctl(fd, GOSYNC_IOC_MAP, (void *)8), "map cmd: bad pointer");

	/* wrong type of fd */
	cmd.size = sizeof(cmd);
	FAILS_WITH(ENOTTY, ioctl(cfd, GOSYNC_IOC_MAP, &cmd), "map cmd on a counter fd");
	FAILS_WITH(ENOTTY, ioctl(dev, GOSYNC_IOC_MAP, &cmd), "map cmd on /dev/gosync");
	{
		struct gosync_counter_cmd cc = { .size = sizeof(cc), .op = GOSYNC_OP_LOAD };

		FAILS_WITH(ENOTTY, ioctl(fd, GOSYNC_IOC_COUNTER, &cc), "counter cmd on a map fd");
	}

	/* Range cursor garbage */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.buf = (uintptr_t)out;
	r.buf_len = sizeof(out);
	r.start = 1ULL << 40;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: start beyond the map");
	r.start = 1;
	r.pos = 2;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: pos > start");
	r.start = 0;
	r.pos = 1;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: pos without start");
	r.pos = 0;
	r.__reserved = 1;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: reserved");
	r.__reserved = 0;
	r.flags = 1;
	FAILS_WITH(EINVAL, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: flags");
	r.flags = 0;
	FAILS_WITH(EOVERFLOW, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: entry too big");
	ok(r.needed >= GOSYNC_MAP_ENTRY_SIZE(1, 1) && r.count == 0,
	   "range: EOVERFLOW says needed %u", r.needed);
	r.buf = 8;
	r.buf_len = 1 << 20;
	r.start = r.pos = 0;
	FAILS_WITH(EFAULT, ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r), "range: bad buffer");
	FAILS_WITH(ENOTTY, ioctl(cfd, GOSYNC_IOC_MAP_RANGE, &r), "range on a counter fd");

	/* limits */
	close(fd);
	fd = gosync_map_create(dev, NULL, 0, GOSYNC_MAP_SPIN, 1, 8);
	ok(gosync_map_store(fd, "a", 1, "1234567", 7) == 0, "limits: fill to max_bytes");
	FAILS_WITH(ENOSPC, gosync_map_store(fd, "b", 1, "", 0), "limits: past max_entries");
	FAILS_WITH(ENOSPC, gosync_map_store(fd, "a", 1, "12345678", 8), "limits: past max_bytes");
	close(fd);
	close(cfd);
	free(vbig);
}

/*
 * A finished Range's cursor stays at its end, also on a map that never held
 * anything: once {0, 0}, which passed back began a new Range.
 */
static void range_end_test(unsigned int backend)
{
	const char *name = gosync_map_backend_name(backend);
	struct gosync_map_cursor cur = { 0 };
	char buf[256];
	int fd = gosync_map_create(dev, NULL, 0, backend, 0, 0);
	int n1 = gosync_map_range(fd, buf, sizeof(buf), &cur, NULL);
	bool done1 = cur.done;
	int n2;

	gosync_map_store(fd, "k", 1, "v", 1);
	n2 = gosync_map_range(fd, buf, sizeof(buf), &cur, NULL);
	ok(fd >= 0 && n1 == 0 && done1 && n2 == 0 && cur.done,
	   "%s: an empty map's finished Range stays finished (%d, %d)", name, n1, n2);
	close(fd);
}

/* ---- version, info, list ---- */

static void info_test(void)
{
	struct gosync_version v;
	struct gosync_info info;
	int fd = gosync_map_create(dev, "maptest", 0600, GOSYNC_MAP_RWSEM, 0, 0);
	char buf[8];
	bool ok1;
	int vret = gosync_version(dev, &v);

	ok(vret == 0 && (v.types & (1 << GOSYNC_TYPE_MAP)) &&
	   v.map_backends == 0xe && v.map_ops == 0x7fe && v.map_key_max == 256 &&
	   v.map_value_max == 65536 && (v.obj_cmds & (1 << (GOSYNC_CMD_MAP_RANGE - 0x40))),
	   "version reports maps (backends %#llx ops %#llx)",
	   (unsigned long long)v.map_backends, (unsigned long long)v.map_ops);
	gosync_map_store(fd, "a", 1, "1", 1);
	gosync_map_load(fd, "a", 1, buf, sizeof(buf), NULL, &ok1);
	gosync_map_load(fd, "b", 1, buf, sizeof(buf), NULL, &ok1);
	gosync_map_delete(fd, "a", 1, NULL);
	ok(gosync_info(fd, &info) == 0 && info.type == GOSYNC_TYPE_MAP &&
	   info.subtype == GOSYNC_MAP_RWSEM && info.stats[GOSYNC_MAP_STAT_LOADS] == 2 &&
	   info.stats[GOSYNC_MAP_STAT_HITS] == 1 && info.stats[GOSYNC_MAP_STAT_MISSES] == 1 &&
	   info.stats[GOSYNC_MAP_STAT_STORES] == 1 && info.stats[GOSYNC_MAP_STAT_DELETES] == 1,
	   "info: type, backend and stats");
	{
		int o = gosync_open(dev, "maptest", GOSYNC_TYPE_MAP);

		ok(o >= 0 && gosync_map_len(o, NULL) == 0, "open by name as a map");
		close(o);
	}
	gosync_unlink(dev, "maptest");
	close(fd);
}

/* ---- multi-process Range while mutating ---- */

#define STABLE 200
#define VOLATILE 200

static void range_mp_test(unsigned int backend)
{
	const char *name = gosync_map_backend_name(backend);
	int fd = gosync_map_create(dev, NULL, 0, backend, 0, 0);
	pid_t kids[3];
	int i, round, dups = 0, wrong = 0, bad = 0;
	char key[32];

	for (i = 0; i < STABLE; i++) {
		int n = sprintf(key, "s%d", i);

		gosync_map_store(fd, key, n, "stable", 6);
	}
	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			unsigned int seed = getpid();

			/* children churn volatile keys and overwrite stable ones */
			for (;;) {
				int k = rnd(&seed) % VOLATILE;
				int n = sprintf(key, "v%d", k);

				if (rnd(&seed) & 1)
					gosync_map_store(fd, key, n, "volatile", 8);
				else
					gosync_map_delete(fd, key, n, NULL);
				if (!(rnd(&seed) % 4)) {
					n = sprintf(key, "s%d", k % STABLE);
					gosync_map_store(fd, key, n, "stable2", 7);
				}
			}
		}
	}
	for (round = 0; round < 40; round++) {
		struct gosync_map_cursor cur = { 0 };
		unsigned char s_seen[STABLE] = { 0 }, v_seen[VOLATILE] = { 0 };
		char buf[512];

		do {
			size_t off = 0;
			int n = gosync_map_range(fd, buf, sizeof(buf), &cur, NULL);

			if (n < 0) {
				bad++;
				break;
			}
			for (i = 0; i < n; i++) {
				const void *k, *v;
				size_t kl, vl;
				char tmp[32];
				int idx;

				gosync_map_entry_next(buf, &off, &k, &kl, &v, &vl);
				memcpy(tmp, k, kl < 31 ? kl : 31);
				tmp[kl < 31 ? kl : 31] = 0;
				if (sscanf(tmp + 1, "%d", &idx) != 1 || idx < 0 || idx >= STABLE) {
					bad++;
				} else if (tmp[0] == 's') {
					dups += s_seen[idx]++ > 0;
				} else if (tmp[0] == 'v') {
					dups += v_seen[idx]++ > 0;
				} else {
					bad++;
				}
			}
		} while (!cur.done);
		for (i = 0; i < STABLE; i++)
			wrong += s_seen[i] != 1;
	}
	for (i = 0; i < 3; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	ok(!dups && !bad, "%s: 40 Ranges against 3 mutating processes: no key twice (%d, %d)",
	   name, dups, bad);
	ok(!wrong, "%s: every stable key seen exactly once per Range (%d misses)", name, wrong);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned int seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 20240601;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = gosync_dev_open();
	if (dev < 0) {
		printf("not ok - e2e:map-open-device (/dev/gosync: %s)\n", strerror(errno));
		return 1;
	}
	diag("map e2e, model seed %u", seed);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		model_test(backends[i], seed);
		batch_test(backends[i]);
		range_mp_test(backends[i]);
		key_bytes_test(backends[i]);
		range_end_test(backends[i]);
	}
	bad_input_test();
	info_test();
	printf("# map: %d passed, %d failed\n", tap_npass, tap_nfail);
	return tap_nfail ? 1 : 0;
}
