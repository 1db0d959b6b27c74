// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: a bounded, seeded ioctl fuzzer for /dev/gosync and every object fd.
 *
 * Usage: fuzz [--calls N] [--seed S] [--threads T] [--verbose]
 *
 * T threads (default 4) make N calls in all (default 200000; 100000 on a
 * debug kernel, where each costs several times more and the stock kernels
 * make the full count): valid command
 * numbers with structs built from a valid template and then mutated (sizes at
 * and past every limit, random flags/ops/fields, NULL, unmapped, kernel,
 * misaligned and page-straddling pointers, lengths at and past every limit),
 * random command numbers (_IO with any nr, _IOR/_IOW/_IOWR encodings, any
 * magic), on /dev/gosync, on objects of every type and mode, on closed fds
 * and on foreign fds (a pipe, /dev/null). Threads also create, open, close,
 * dup and unlink objects while the others use them. The commands are those
 * of cmdtable.h, which the run first checks against what VERSION reports.
 *
 * Blocking ops get a short GOSYNC_WAIT_TIMEOUT most of the time; a watchdog
 * thread interrupts (SIGUSR1, no SA_RESTART) any call that blocks for more
 * than 200 ms, and an alarm ends the run (not ok) if the whole thing hangs.
 * A call that outlives 30 s of signals (the tests' LIVENESS_NS), or 30 s
 * without any call finishing, fails the run with the stuck tasks' state,
 * wchan and kernel stack.
 *
 * Passes if it finishes, calls succeeded (else only the rejections were
 * tested; a command that never succeeded in MIN_TRIES well-formed calls is
 * noted), every errno the kernel returned is one the uapi documents,
 * the device still works, and once every fd is closed and every name
 * unlinked the module's object count is back where it started (no
 * reference leaked). scripts/vm fails the run on any kernel splat, and
 * scripts/vm --debug also on kmemleak reports. Replay: same --seed and
 * --threads 1 for an exact sequence.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>

#include "cmdtable.h"
#include "sync_util.h"

#define MAX_THREADS	16
#define POOL		48	/* object fds per thread */
#define SCRATCH		(256 * 1024)	/* per-thread scratch, then a guard page */
/* ms a call may ignore SIGUSR1 before it counts as stuck: the liveness bound */
#define STUCK_MS	(LIVENESS_NS / MS)
/*
 * Well-formed calls of a command (its own number and magic, our struct at
 * its size) after which a command that never succeeded is noted: perhaps
 * only its rejections were tested.
 */
#define MIN_TRIES	1000

static int dev;
static size_t page;
static uint8_t *guard;		/* a writable page followed by a PROT_NONE one */
static char *ro;		/* a read-only page */
static uint64_t seed;
static long ncalls = 200000;
static int nthreads = 4;
static bool verbose;
static atomic_long calls_done;
static atomic_long errno_hist[160];
static atomic_long bad_errno;
static atomic_long stuck_calls;	/* calls that ignored SIGUSR1 for STUCK_MS */
static atomic_long redirected;	/* pointers into our own memory, see scrub() */
static atomic_long successes;
static atomic_long tries_by_nr[128];	/* well-formed calls of each command */
static atomic_long ok_by_nr[128];	/* ... that succeeded */

/* ---- rng: xorshift64* ---- */

static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static inline uint64_t rn(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static inline bool chance(uint64_t *s, unsigned int pct)
{
	return rn(s, 100) < pct;
}

/* ---- per-thread state ---- */

struct thr {
	int idx;
	pthread_t tid;
	uint64_t rng;
	int fds[POOL];
	uint32_t types[POOL];		/* enum gosync_type of each fd, 0 unknown */
	atomic_long call_start_ms;	/* 0 when not in a call */
	int ktid;			/* gettid(), for /proc/self/task */
	int cur_fd;			/* the call in progress, for a hang report */
	unsigned long cur_cmd;
	uint64_t cur_arg;
	long calls;
	uint8_t *buf;			/* SCRATCH bytes for structs and operands */
	/*
	 * The Mutex of this thread's Conds, in no pool and at a high fd that
	 * no boundary value hits: a Cond Wait relocks it before it returns,
	 * killable only, so a Mutex any other call could hold would hang it.
	 */
	int cond_mu;
};

static struct thr threads[MAX_THREADS];

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Interesting numbers for lengths and sizes. */
static uint64_t boundary(uint64_t *s)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 24, 31, 32, 40, 48, 56, 63, 64, 65, 72, 80,
		88, 96, 127, 128, 200, 255, 256, 257, 511, 512, 1023, 1024, 4095, 4096,
		4097, 4999, 5000, 65535, 65536, 65537, 1 << 20, 1ull << 31, 0x7fffffff,
		0x80000000ull, 0xffffffffull, 0x100000000ull, ~0ull, ~0ull >> 1,
		(uint64_t)INT64_MIN, GOSYNC_BATCH_MAX, GOSYNC_BATCH_MAX + 1,
		GOSYNC_NAME_MAX, GOSYNC_MAP_KEY_MAX, GOSYNC_MAP_KEY_MAX + 1,
		GOSYNC_MAP_VALUE_MAX, GOSYNC_MAP_VALUE_MAX + 1, GOSYNC_RACY_DELAY_MAX,
		GOSYNC_RACY_DELAY_MAX + 1, GOSYNC_TORTURE_MAX_THREADS,
		GOSYNC_TORTURE_MAX_THREADS + 1, 0777, 01000,
	};

	if (chance(s, 15))
		return rnd(s);
	return v[rn(s, sizeof(v) / sizeof(v[0]))] + (chance(s, 10) ? rn(s, 3) - 1 : 0);
}

/*
 * The kernel writes where it is told. A mutated pointer (a flipped bit, a
 * random byte) into our scratch can land in our own live memory: another
 * thread's stack, libc's data, the heap. The kernel then rightly overwrites
 * it, and the fuzzer, not the kernel, crashes or hangs (seen: a GP fault in
 * main() with a clobbered return address). So before each call, every
 * 64-bit word of the command and of the batch ops that points where this
 * process has mappings (x86-64 PIE, heap, libraries and stacks all lie in
 * [maps_lo, 0x8000_0000_0000)) but not into this thread's scratch or the
 * guard/ro pages becomes the unmapped guard page: still a hostile pointer,
 * never one into us. Boundary values and kernel or non-canonical addresses
 * lie outside that range and stay.
 */
static uint64_t maps_lo = 0x500000000000ull;

/* Lower maps_lo if something is mapped below it (a non-PIE binary, say). */
static void find_maps_lo(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long a;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-", &a) == 1 && a < maps_lo)
			maps_lo = a;
	if (f)
		fclose(f);
}

static bool fuzz_target_ok(const struct thr *t, uint64_t v)
{
	uint64_t g = (uintptr_t)guard, b = (uintptr_t)t->buf, r = (uintptr_t)ro;

	return v < maps_lo || v >= 0x800000000000ull ||
	       (v >= b && v < b + SCRATCH + page) || (v >= g && v < g + 2 * page) ||
	       (v >= r && v < r + page);
}

static void scrub(const struct thr *t, uint8_t *p, size_t n)
{
	uint64_t v, unmapped = (uintptr_t)guard + page;

	for (size_t off = 0; off + 8 <= n; off += 8) {
		memcpy(&v, p + off, 8);
		if (!fuzz_target_ok(t, v)) {
			memcpy(p + off, &unmapped, 8);
			atomic_fetch_add(&redirected, 1);
		}
	}
}

/* A pointer for an operand: usually into our scratch, sometimes hostile. */
static uint64_t fuzz_ptr(struct thr *t, size_t len)
{
	uint64_t *s = &t->rng;

	switch (rn(s, 20)) {
	case 0: return 0;
	case 1: return 0xffffffff81000000ull;		/* kernel text */
	case 2: return 0xffff888000000000ull + rn(s, 1 << 20) * 8; /* direct map */
	case 3: return (uintptr_t)guard + page - rn(s, len < page ? len + 1 : page); /* straddles */
	case 4: return (uintptr_t)guard + page;		/* unmapped */
	case 5: return (uintptr_t)ro;			/* read-only */
	case 6: return rnd(s);
	case 7: return 1 + rn(s, 4095);			/* low, unmapped */
	case 8: return (uintptr_t)t->buf + 1 + rn(s, 7);	/* misaligned */
	case 9: return ~0ull - rn(s, 64);
	default: return (uintptr_t)t->buf + 4096 + rn(s, 4096);
	}
}

/* A name: valid, one of a small shared set (so OPEN/UNLINK hit), or bad. */
static uint64_t fuzz_name(struct thr *t)
{
	uint64_t *s = &t->rng;
	char *n = (char *)t->buf + 8192 + 3000;
	size_t len;

	switch (rn(s, 10)) {
	case 0:
		return fuzz_ptr(t, 64);
	case 1:	/* too long, or exactly at the limit */
		len = GOSYNC_NAME_MAX - 2 + rn(s, 4);
		memset(n, 'a' + rn(s, 26), len);
		n[len] = 0;
		return (uintptr_t)n;
	case 2: /* bad characters */
		snprintf(n, 64, "%cfz%c%d", ".x/"[rn(s, 3)], " \xff/\n*-"[rn(s, 6)], (int)rn(s, 9));
		return (uintptr_t)n;
	case 3:
		n[0] = 0;
		return (uintptr_t)n;
	case 4: /* a name ending exactly at the unmapped page, no NUL */
		memset(guard + page - 8, 'z', 8);
		return (uintptr_t)guard + page - 8;
	default:
		snprintf(n, 64, "fz-%d-%d", getpid(), (int)rn(s, 12));
		return (uintptr_t)n;
	}
}

/* Mutate @n bytes at @p: flip bits, set bytes, boundary values in fields. */
static void mutate(uint64_t *s, uint8_t *p, size_t n)
{
	int k = (int)rn(s, 4);

	if (!n)
		return;
	while (k-- > 0) {
		size_t off = rn(s, n);

		switch (rn(s, 4)) {
		case 0:
			p[off] ^= 1u << rn(s, 8);
			break;
		case 1:
			p[off] = (uint8_t)rnd(s);
			break;
		case 2:
			if (n >= 4) {
				uint32_t v = (uint32_t)boundary(s);

				off &= ~(size_t)3;
				if (off + 4 <= n)
					memcpy(p + off, &v, 4);
			}
			break;
		default:
			if (n >= 8) {
				uint64_t v = boundary(s);

				off &= ~(size_t)7;
				if (off + 8 <= n)
					memcpy(p + off, &v, 8);
			}
		}
	}
}

/* ---- the fd to call on ---- */

/*
 * The object type command @nr goes to, from cmd_table[]: one of its types
 * at random (0: any object; ~0: the device, or a command the table lacks).
 */
static uint32_t cmd_type(uint64_t *s, unsigned int nr)
{
	const struct cmd_desc *c = cmd_find(nr);
	uint32_t n;

	if (!c || !c->types)
		return ~0u;
	if (c->types == CMD_ANY_OBJECT)
		return 0;
	if (__builtin_popcountll(c->types) == 1)
		return (uint32_t)__builtin_ctzll(c->types);
	n = (uint32_t)rn(s, (uint64_t)__builtin_popcountll(c->types));
	for (uint32_t t = 0; t < 64; t++)
		if ((c->types >> t & 1) && !n--)
			return t;
	return ~0u;
}

/* Mostly the right kind of fd for @nr; sometimes any, closed or foreign. */
static int pick_fd(struct thr *t, unsigned int nr, int *foreign)
{
	uint64_t *s = &t->rng;
	uint32_t want = cmd_type(s, nr);
	int i;

	*foreign = 0;
	switch (rn(s, 20)) {
	case 0:
		return dev;
	case 1:
		*foreign = 1;
		return (int)rn(s, 3) - 1 + 10000;	/* closed / never opened */
	case 2:
		*foreign = 1;
		return 0;				/* stdin: /dev/null */
	case 3:
		/* another thread's object: may be closed right now */
		i = (int)rn(s, nthreads);
		return threads[i].fds[rn(s, POOL)];
	case 4:
		return t->fds[rn(s, POOL)];
	}
	if (want == ~0u)
		return dev;
	for (int tries = 0, j = (int)rn(s, POOL); tries < POOL; tries++, j = (j + 1) % POOL)
		if (t->fds[j] >= 0 && (!want || t->types[j] == want))
			return t->fds[j];
	return t->fds[rn(s, POOL)];
}

static uint32_t fd_type(int fd)
{
	struct gosync_info info;

	return fd >= 0 && gosync_info(fd, &info) == 0 ? info.type : 0;
}

/* ---- one valid-looking command struct per command ---- */

/*
 * The commands to pick from: every one of cmd_table[], so a command added
 * there is fuzzed too (with its builder's argument, mutated, if build()
 * below has no case for it), some more often than others.
 */
static uint8_t cmds[256];
static unsigned int nr_cmds;
static struct cmd_env env;	/* for cmd_table[]'s builders */

static unsigned int cmd_weight(unsigned int nr)
{
	switch (nr) {
	case GOSYNC_CMD_MAP:
		return 4;
	case GOSYNC_CMD_CREATE:
		return 3;
	case GOSYNC_CMD_COUNTER: case GOSYNC_CMD_BATCH: case GOSYNC_CMD_MUTEX:
	case GOSYNC_CMD_RWMUTEX: case GOSYNC_CMD_WAITGROUP: case GOSYNC_CMD_ONCE:
	case GOSYNC_CMD_MAP_RANGE: case GOSYNC_CMD_SEM: case GOSYNC_CMD_COND:
		return 2;
	}
	return 1;
}

static void pick_list(void)
{
	for_each_cmd(c)
		for (unsigned int i = 0; i < cmd_weight(c->nr) && nr_cmds < 256; i++)
			cmds[nr_cmds++] = (uint8_t)c->nr;
}

/* Fill a map op with plausible operands for its code. */
static void fill_map_op(struct thr *t, struct gosync_map_op *o)
{
	uint64_t *s = &t->rng;
	uint8_t *data = t->buf + 8192 + 64;
	uint32_t op = 1 + (uint32_t)rn(s, GOSYNC_MAP_LEN);

	memset(o, 0, sizeof(*o));
	o->op = chance(s, 5) ? (uint32_t)boundary(s) : op;
	if (op != GOSYNC_MAP_CLEAR && op != GOSYNC_MAP_LEN) {
		o->key_len = chance(s, 80) ? 1 + (uint32_t)rn(s, 8) : (uint32_t)boundary(s);
		o->key = chance(s, 90) ? (uintptr_t)data + rn(s, 4) * 8 : fuzz_ptr(t, o->key_len);
		memset(data, 'k', 64);
		data[rn(s, 8)] = (uint8_t)('0' + rn(s, 4));
	}
	if (op == GOSYNC_MAP_STORE || op == GOSYNC_MAP_LOAD_OR_STORE ||
	    op == GOSYNC_MAP_SWAP || op == GOSYNC_MAP_COMPARE_AND_SWAP) {
		o->value_len = chance(s, 80) ? (uint32_t)rn(s, 512) : (uint32_t)boundary(s);
		o->value = chance(s, 85) ? (uintptr_t)t->buf : fuzz_ptr(t, o->value_len);
		if (o->value_len > 3 * 4096 && o->value == (uintptr_t)t->buf)
			o->value_len = 3 * 4096;
	}
	if (op == GOSYNC_MAP_COMPARE_AND_SWAP || op == GOSYNC_MAP_COMPARE_AND_DELETE) {
		o->old_len = (uint32_t)rn(s, 64);
		o->old = chance(s, 90) ? (uintptr_t)t->buf : fuzz_ptr(t, o->old_len);
	}
	if (op == GOSYNC_MAP_LOAD || op == GOSYNC_MAP_LOAD_OR_STORE ||
	    op == GOSYNC_MAP_LOAD_AND_DELETE || op == GOSYNC_MAP_SWAP) {
		if (chance(s, 10)) {
			o->flags = GOSYNC_MAP_F_NOVALUE;
		} else {
			o->out_cap = chance(s, 80) ? (uint32_t)rn(s, 4096) : (uint32_t)boundary(s);
			o->out = chance(s, 85) ? (uintptr_t)t->buf + 4096 : fuzz_ptr(t, o->out_cap);
			if (o->out == (uintptr_t)t->buf + 4096 && o->out_cap > 2 * 4096)
				o->out_cap = 2 * 4096;
		}
	}
	if (chance(s, 10))
		mutate(s, (uint8_t *)o, sizeof(*o));
}

/* Blocking ops: a short timeout unless the mutation says otherwise. */
static uint32_t wait_flags(uint64_t *s, __u64 *timeout)
{
	if (chance(s, 97)) {
		*timeout = rn(s, 3) == 0 ? 0 : rn(s, 2000000);
		return GOSYNC_WAIT_TIMEOUT;
	}
	*timeout = chance(s, 50) ? 0 : boundary(s);
	return chance(s, 50) ? 0 : (uint32_t)boundary(s);
}

/*
 * Build the struct for command @nr in @b (at least 512 bytes); returns the
 * size to put in its size field.
 */
static uint32_t build(struct thr *t, unsigned int nr, uint8_t *b)
{
	uint64_t *s = &t->rng;
	const struct cmd_desc *cd = cmd_find(nr);
	uint32_t ks = cd ? cd->size : 0;

	memset(b, 0, 512);
	switch (nr) {
	case GOSYNC_CMD_CREATE: {
		struct gosync_create *c = (void *)b;

		c->type = cmd_types[rn(s, NR_CMD_TYPES)].type;	/* every type there is */
		if (chance(s, 40)) {
			c->name = fuzz_name(t);
			c->perm = chance(s, 80) ? (uint32_t)rn(s, 01000) : (uint32_t)boundary(s);
		}
		switch (c->type) {
		case GOSYNC_TYPE_COUNTER:
			c->counter.mode = 1 + (uint32_t)rn(s, 6);
			c->counter.initial = (int64_t)boundary(s);
			if (c->counter.mode == GOSYNC_COUNTER_RACY && chance(s, 30))
				c->counter.racy_delay_ns = (uint32_t)rn(s, 1000);
			break;
		case GOSYNC_TYPE_MAP:
			c->map.backend = 1 + (uint32_t)rn(s, 3);
			c->map.max_entries = chance(s, 50) ? 0 : (uint32_t)boundary(s);
			c->map.max_bytes = chance(s, 50) ? 0 : boundary(s);
			break;
		case GOSYNC_TYPE_MUTEX:
		case GOSYNC_TYPE_RWMUTEX:
			c->lock.flags = (uint32_t)rn(s, 2);
			break;
		case GOSYNC_TYPE_ONCE:
			c->once.flags = (uint32_t)rn(s, 2);
			if (chance(s, 50))	/* a OnceValue */
				c->once.value_max = chance(s, 80) ? (uint32_t)rn(s, 256) :
								    (uint32_t)boundary(s);
			break;
		case GOSYNC_TYPE_SEM:
			c->sem.size = chance(s, 80) ? 1 + rn(s, 4) : boundary(s);
			c->sem.flags = (uint32_t)rn(s, 2);
			break;
		case GOSYNC_TYPE_COND:
			c->cond.mutex_fd = chance(s, 50) ? t->cond_mu :
					   chance(s, 90) ? t->fds[rn(s, POOL)] : (int)boundary(s);
			break;
		case GOSYNC_TYPE_CHAN:
			c->chan.cap = chance(s, 80) ? (uint32_t)rn(s, 4) : (uint32_t)boundary(s);
			c->chan.msg_max = chance(s, 50) ? 0 : (uint32_t)boundary(s);
			break;
		}
		break;
	}
	case GOSYNC_CMD_OPEN: {
		struct gosync_open *o = (void *)b;

		o->name = fuzz_name(t);
		o->type = (uint32_t)rn(s, GOSYNC_TYPE_COND + 2);
		if (chance(s, 30)) {	/* GOSYNC_OPEN_UID/GID, and one unknown bit */
			o->flags = (uint32_t)rn(s, 8);
			o->uid = chance(s, 50) ? 0 : (uint32_t)boundary(s);
			o->gid = chance(s, 50) ? 0 : (uint32_t)boundary(s);
		}
		break;
	}
	case GOSYNC_CMD_UNLINK: {
		struct gosync_unlink *u = (void *)b;

		u->name = fuzz_name(t);
		if (chance(s, 30)) {	/* GOSYNC_UNLINK_ID, and one unknown bit */
			u->flags = (uint32_t)rn(s, 4);
			u->id = chance(s, 50) ? (uint64_t)rn(s, 64) : boundary(s);
		}
		break;
	}
	case GOSYNC_CMD_LIST: {
		struct gosync_list *l = (void *)b;

		l->entry_size = chance(s, 70) ? sizeof(struct gosync_info) :
				(uint32_t)boundary(s);
		l->count = (uint32_t)rn(s, 40);
		l->entries = chance(s, 80) ? (uintptr_t)t->buf : fuzz_ptr(t, 4096);
		if (l->entries == (uintptr_t)t->buf && (uint64_t)l->entry_size * l->count > 3 * 4096)
			l->count = l->entry_size ? 3 * 4096 / l->entry_size : 0;
		l->cursor = chance(s, 70) ? 0 : boundary(s);
		break;
	}
	case GOSYNC_CMD_TORTURE: {
		struct gosync_torture *tt = (void *)b;

		tt->type = (uint32_t)rn(s, 7);
		tt->subtype = (uint32_t)rn(s, 7);
		tt->nr_writers = (uint32_t)rn(s, 3);
		tt->nr_readers = (uint32_t)rn(s, 3);
		tt->duration_ms = (uint32_t)rn(s, 3);
		tt->threads = chance(s, 50) ? (uintptr_t)t->buf + 4096 : fuzz_ptr(t, 96);
		break;
	}
	case GOSYNC_CMD_COUNTER: {
		struct gosync_counter_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, GOSYNC_OP_OR);
		c->arg = (int64_t)boundary(s);
		if (c->op == GOSYNC_OP_CAS)
			c->expected = (int64_t)rn(s, 3);
		if (c->op == GOSYNC_OP_LOAD || c->op == GOSYNC_OP_RESET)
			c->arg = 0;
		if (chance(s, 10))
			c->flags = GOSYNC_OP_F_APPROX;
		break;
	}
	case GOSYNC_CMD_BATCH: {
		struct gosync_batch *bt = (void *)b;
		bool map = chance(s, 50);
		size_t osz = map ? sizeof(struct gosync_map_op) : sizeof(struct gosync_op);
		uint8_t *ops = t->buf + 8192 + 1024;	/* room for a few ops */
		unsigned int n = (unsigned int)rn(s, 1024 / osz + 1);

		for (unsigned int i = 0; i < n; i++) {
			if (map) {
				fill_map_op(t, (struct gosync_map_op *)(ops + i * osz));
			} else {
				struct gosync_op *o = (void *)(ops + i * osz);

				memset(o, 0, sizeof(*o));
				o->op = 1 + (uint32_t)rn(s, GOSYNC_OP_OR);
				o->arg = (int64_t)rn(s, 5);
				if (chance(s, 10))
					mutate(s, (uint8_t *)o, sizeof(*o));
			}
		}
		bt->ops = (uintptr_t)ops;
		bt->count = n;
		bt->op_size = (uint32_t)osz;
		bt->flags = (uint32_t)rn(s, 2);
		if (chance(s, 15)) {
			/* a long vector that runs off our buffer into the guard page */
			bt->ops = (uintptr_t)guard + page - osz * rn(s, 4);
			bt->count = (uint32_t)rn(s, 64);
		} else if (chance(s, 5)) {
			bt->ops = fuzz_ptr(t, osz);
			bt->count = (uint32_t)boundary(s);
		}
		break;
	}
	case GOSYNC_CMD_MUTEX:
	case GOSYNC_CMD_RWMUTEX: {
		struct gosync_lock_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, nr == GOSYNC_CMD_MUTEX ? 3 : 6);
		if (c->op == GOSYNC_LOCK_LOCK || c->op == GOSYNC_LOCK_RLOCK)
			c->flags = wait_flags(s, &c->timeout_ns);
		break;
	}
	case GOSYNC_CMD_WAITGROUP: {
		struct gosync_waitgroup_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, 4);
		if (c->op == GOSYNC_WG_ADD) {
			c->delta = chance(s, 80) ? (int64_t)rn(s, 5) - 2 : (int64_t)boundary(s);
			if (chance(s, 30))
				c->flags = GOSYNC_WG_F_HOLD;
		}
		if (c->op == GOSYNC_WG_WAIT)
			c->flags = wait_flags(s, &c->timeout_ns);
		break;
	}
	case GOSYNC_CMD_ONCE: {
		struct gosync_once_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, 3);
		if (c->op == GOSYNC_ONCE_DO)
			c->flags = wait_flags(s, &c->timeout_ns);
		if (chance(s, 50)) {	/* OnceValue: the value in or out */
			c->len = chance(s, 80) ? (uint32_t)rn(s, 300) : (uint32_t)boundary(s);
			c->buf = chance(s, 90) ? (uintptr_t)t->buf + 16384 + rn(s, 4096) :
						 fuzz_ptr(t, c->len);
			if (c->len > 3 * 4096 && chance(s, 90))
				c->len = 3 * 4096;
		}
		break;
	}
	case GOSYNC_CMD_SEM: {
		struct gosync_sem_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, GOSYNC_SEM_LOAD);
		if (c->op != GOSYNC_SEM_LOAD || chance(s, 5))
			c->n = chance(s, 85) ? 1 + rn(s, 3) : boundary(s);
		if (c->op == GOSYNC_SEM_ACQUIRE)
			c->flags = wait_flags(s, &c->timeout_ns);
		break;
	}
	case GOSYNC_CMD_COND: {
		struct gosync_cond_cmd *c = (void *)b;

		c->op = 1 + (uint32_t)rn(s, GOSYNC_COND_BROADCAST);
		if (c->op == GOSYNC_COND_WAIT) {
			/* held by this thread alone: Unlock, then TryLock, so it is held */
			gosync_lock_op(t->cond_mu, GOSYNC_IOC_MUTEX, GOSYNC_LOCK_UNLOCK, -1);
			if (chance(s, 90))
				gosync_lock_op(t->cond_mu, GOSYNC_IOC_MUTEX,
					       GOSYNC_LOCK_TRYLOCK, -1);
			c->mutex_fd = chance(s, 95) ? t->cond_mu : (int)boundary(s);
			c->flags = wait_flags(s, &c->timeout_ns);
		}
		break;
	}
	case GOSYNC_CMD_MAP:
		fill_map_op(t, &((struct gosync_map_cmd *)b)->op);
		break;
	case GOSYNC_CMD_MAP_RANGE: {
		struct gosync_map_range *r = (void *)b;

		r->buf_len = chance(s, 70) ? (uint32_t)rn(s, 3 * 4096) : (uint32_t)boundary(s);
		r->buf = chance(s, 80) ? (uintptr_t)t->buf : fuzz_ptr(t, r->buf_len);
		if (r->buf == (uintptr_t)t->buf && r->buf_len > 3 * 4096)
			r->buf_len = 3 * 4096;
		if (chance(s, 30)) {
			r->start = rn(s, 100);
			r->pos = rn(s, 100);
		}
		break;
	}
	case GOSYNC_CMD_CHAN: {
		struct gosync_chan_cmd *c = (void *)b;
		struct gosync_chan_msg *m = (void *)(t->buf + 8192 + 1024);	/* 64 of them */
		unsigned int n = 1 + (unsigned int)rn(s, 8);

		c->op = 1 + (uint32_t)rn(s, 4);
		if (c->op == GOSYNC_CHAN_SEND || c->op == GOSYNC_CHAN_RECV) {
			for (unsigned int i = 0; i < n; i++) {
				m[i] = (struct gosync_chan_msg){
					.len = chance(s, 80) ? (uint32_t)rn(s, 512) :
							       (uint32_t)boundary(s),
				};
				m[i].buf = chance(s, 90) ? (uintptr_t)t->buf + 16384 + rn(s, 4096) :
							   fuzz_ptr(t, m[i].len);
				if (m[i].len > 3 * 4096 && chance(s, 90))
					m[i].len = 3 * 4096;
			}
			c->count = chance(s, 90) ? n : (uint32_t)boundary(s);
			c->msgs = chance(s, 90) ? (uintptr_t)m : fuzz_ptr(t, 16);
			if (chance(s, 40))
				c->flags = GOSYNC_WAIT_NONBLOCK;
			else
				c->flags = wait_flags(s, &c->timeout_ns);
		}
		break;
	}
	case GOSYNC_CMD_WAIT: {
		struct gosync_wait *w = (void *)b;
		struct gosync_wait_case *cs = (void *)(t->buf + 8192 + 1024);	/* 32 of them */
		unsigned int n = 1 + (unsigned int)rn(s, 4);

		for (unsigned int i = 0; i < n; i++) {
			cs[i] = (struct gosync_wait_case){
				.fd = chance(s, 95) ? t->fds[rn(s, POOL)] : (int)boundary(s),
				.op = 1 + (uint32_t)rn(s, GOSYNC_CASE_ACQUIRE),
			};
			if (chance(s, 5))
				cs[i].op = (uint32_t)boundary(s);
			if (cs[i].op == GOSYNC_CASE_ACQUIRE)	/* permits */
				cs[i].len = chance(s, 90) ? (uint32_t)rn(s, 4) :
							    (uint32_t)boundary(s);
			if (cs[i].op == GOSYNC_CASE_SEND || cs[i].op == GOSYNC_CASE_RECV) {
				cs[i].len = chance(s, 80) ? (uint32_t)rn(s, 512) :
							    (uint32_t)boundary(s);
				cs[i].buf = (uintptr_t)t->buf + 16384 + rn(s, 4096);
				if (chance(s, 10))
					cs[i].buf = fuzz_ptr(t, cs[i].len);
				if (cs[i].len > 3 * 4096 && chance(s, 90))
					cs[i].len = 3 * 4096;
			}
		}
		w->cases = (uintptr_t)cs;
		if (chance(s, 10))
			w->cases = fuzz_ptr(t, 32);
		w->count = chance(s, 90) ? n : (uint32_t)boundary(s);
		if (chance(s, 40))
			w->flags = GOSYNC_WAIT_NONBLOCK;
		else
			w->flags = wait_flags(s, &w->timeout_ns);
		if (chance(s, 30))
			w->flags |= GOSYNC_WAIT_ALL;
		if (chance(s, 20))
			w->flags |= GOSYNC_WAIT_ORDERED;
		break;
	}
	default:	/* a command with no case above: cmd_table[]'s argument */
		if (cd) {
			uint32_t type = cmd_type(s, nr);

			cd->build(b, &env, type == ~0u ? 0 : type ?: GOSYNC_TYPE_COUNTER);
		}
	}
	/* mutate the fields after size (blocking ops keep a short timeout) */
	if (ks > 8 && chance(s, 25) && !(cd->flags & CMD_BLOCKS))
		mutate(s, b + 4, ks - 4);
	if (ks && chance(s, 75))
		return ks;
	switch (rn(s, 6)) {
	case 0: return ks + 8;		/* newer struct, zero tail */
	case 1: b[ks + rn(s, 8)] = 1; return ks + 8; /* nonzero tail: E2BIG */
	case 2: return ks ? ks - 1 - (uint32_t)rn(s, ks) : 0;	/* smaller */
	case 3: return 4096 + (uint32_t)rn(s, 2);		/* beyond a page */
	case 4: return (uint32_t)boundary(s);
	default: return ks;
	}
}

/* ---- errno bookkeeping ---- */

static bool documented(int e)
{
	switch (e) {
	case ENOTTY: case EFAULT: case EINVAL: case E2BIG: case ENAMETOOLONG:
	case ENOENT: case EEXIST: case EACCES: case EPERM: case ENOSPC:
	case EOPNOTSUPP: case EOVERFLOW: case ENOMEM: case EMFILE: case ENFILE:
	case EINTR: case ETIMEDOUT: case EBUSY: case EOWNERDEAD: case EDEADLK:
	case EAGAIN: case EPIPE: case EMSGSIZE:
		return true;
	case EBADF:	/* closed fd: from the VFS */
		return true;
	}
	return false;
}

/* Keep the pool stocked: replace a slot with a fresh object of any kind. */
static void restock(struct thr *t, int slot)
{
	uint64_t *s = &t->rng;
	int old = t->fds[slot], fd = -1;

	switch (rn(s, 13)) {
	case 0: case 1:
		fd = gosync_counter_create(dev, NULL, 0, 1 + (unsigned int)rn(s, 6), 0);
		break;
	case 2: case 3:
		fd = gosync_map_create(dev, NULL, 0, 1 + (unsigned int)rn(s, 3),
				       chance(s, 50) ? 64 : 0, chance(s, 50) ? 8192 : 0);
		break;
	case 4:
		fd = gosync_mutex_create(dev, NULL, 0, (unsigned int)rn(s, 2));
		break;
	case 5:
		fd = gosync_rwmutex_create(dev, NULL, 0, (unsigned int)rn(s, 2));
		break;
	case 6:
		fd = gosync_waitgroup_create(dev, NULL, 0);
		break;
	case 7:
		fd = gosync_once_create(dev, NULL, 0, (unsigned int)rn(s, 2));
		break;
	case 8:
		fd = gosync_chan_create(dev, NULL, 0, (uint32_t)rn(s, 4), chance(s, 50) ? 64 : 0);
		break;
	case 9:
		fd = gosync_sem_create(dev, NULL, 0, 1 + rn(s, 4), (unsigned int)rn(s, 2));
		break;
	case 10:
		fd = gosync_cond_create(dev, NULL, 0, t->cond_mu);
		break;
	case 11:
		fd = gosync_oncevalue_create(dev, NULL, 0, (unsigned int)rn(s, 2),
					     (uint32_t)rn(s, 128));
		break;
	default:
		fd = dup(t->fds[rn(s, POOL)]);	/* shared description */
	}
	t->fds[slot] = fd;
	t->types[slot] = fd_type(fd);
	if (old >= 0)
		close(old);
}

static void one_call(struct thr *t)
{
	uint64_t *s = &t->rng;
	uint8_t *b = t->buf + 8192 + 2048;	/* the command struct: 1 KiB + */
	unsigned long cmd;
	uint64_t arg;
	unsigned int nr;
	int fd, foreign;
	const struct cmd_desc *cd;
	bool formed;
	long ret;

	nr = cmds[rn(s, nr_cmds)];
	/* torture runs kthreads for up to 2 ms: keep it rare */
	if (nr == GOSYNC_CMD_TORTURE && !chance(s, 5))
		nr = GOSYNC_CMD_VERSION;
	fd = pick_fd(t, nr, &foreign);
	switch (rn(s, 20)) {
	case 0:	/* any nr */
		nr = (unsigned int)rn(s, 256);
		cmd = _IO(GOSYNC_IOCTL_MAGIC, nr);
		break;
	case 1:	/* right nr, wrong direction/size encoding */
		cmd = _IOC(rn(s, 4), GOSYNC_IOCTL_MAGIC, nr, rn(s, 1 << 14));
		break;
	case 2:	/* wrong magic, or anything */
		cmd = chance(s, 50) ? _IO(rn(s, 256), nr) : (unsigned long)(uint32_t)rnd(s);
		break;
	default:
		cmd = _IO(GOSYNC_IOCTL_MAGIC, nr);
	}
	((uint32_t *)b)[0] = build(t, nr & 0x7f, b);
	scrub(t, b, 512);			/* build() zeroes and fills 512 bytes */
	scrub(t, t->buf + 8192 + 1024, 1024);	/* batch ops */
	switch (rn(s, 25)) {
	case 0: arg = 0; break;
	case 1: arg = 0xffffffff81000000ull; break;
	case 2: arg = (uintptr_t)guard + page; break;		/* unmapped */
	case 3: {	/* the struct straddles into the unmapped page */
		uint32_t sz = ((uint32_t *)b)[0];
		size_t keep = 4 + rn(s, sz > 4 && sz < page ? sz - 4 : 64);

		arg = (uintptr_t)guard + page - keep;
		memcpy((void *)(uintptr_t)arg, b, keep);
		break;
	}
	case 4: {	/* read-only copy: the kernel's write back must EFAULT */
		arg = (uintptr_t)ro;
		break;
	}
	case 5: arg = (uintptr_t)b + 1 + rn(s, 3); memmove((void *)(uintptr_t)arg, b, 600); break;
	case 6: arg = rnd(s); break;
	default: arg = (uintptr_t)b;
	}

	if (!fuzz_target_ok(t, arg)) {
		arg = (uintptr_t)guard + page;
		atomic_fetch_add(&redirected, 1);
	}
	t->cur_fd = fd;
	t->cur_cmd = cmd;
	t->cur_arg = arg;
	atomic_store(&t->call_start_ms, now_ms());
	ret = ioctl(fd, cmd, (unsigned long)arg);
	atomic_store(&t->call_start_ms, 0);

	cd = cmd_find(nr);
	formed = cd && nr < 128 && cmd == _IO(GOSYNC_IOCTL_MAGIC, nr) && arg == (uintptr_t)b &&
		 ((uint32_t *)b)[0] == cd->size;
	if (formed)
		atomic_fetch_add(&tries_by_nr[nr], 1);
	if (ret < 0) {
		int e = errno;

		atomic_fetch_add(&errno_hist[e < 160 ? e : 159], 1);
		if (!documented(e) && !(foreign && (e == EBADF || e == ENOTTY || e == EINVAL))) {
			atomic_fetch_add(&bad_errno, 1);
			printf("# undocumented errno %s: fd %d cmd %#lx nr %#x\n",
			       tap_errname(e), fd, cmd, nr);
		}
		/* a Once we were told to run... (only on success) */
		return;
	}
	atomic_fetch_add(&successes, 1);
	if (formed)
		atomic_fetch_add(&ok_by_nr[nr], 1);
	/* New fds from CREATE/OPEN: take them into the pool (closing the old). */
	if (fd == dev && (nr == GOSYNC_CMD_CREATE || nr == GOSYNC_CMD_OPEN) && ret > 2) {
		int slot = (int)rn(s, POOL), old = t->fds[slot];

		t->fds[slot] = (int)ret;
		t->types[slot] = fd_type((int)ret);
		if (old >= 0)
			close(old);
	}
	/* Do told us to run: usually complete, sometimes abandon (close). */
	if (nr == GOSYNC_CMD_ONCE && ((struct gosync_once_cmd *)b)->result & GOSYNC_ONCE_RUN &&
	    chance(s, 80))
		gosync_once_complete(fd);
}

static void *worker(void *p)
{
	struct thr *t = p;

	t->ktid = (int)syscall(SYS_gettid);
	for (int i = 0; i < POOL; i++) {
		t->fds[i] = -1;
		restock(t, i);
	}
	for (t->calls = 0; t->calls < ncalls / nthreads; t->calls++) {
		if (rn(&t->rng, 64) == 0)
			restock(t, (int)rn(&t->rng, POOL));
		if (rn(&t->rng, 512) == 0) {
			/* unlink one of the shared names */
			char n[64];

			snprintf(n, sizeof(n), "fz-%d-%d", getpid(), (int)rn(&t->rng, 12));
			gosync_unlink(dev, n);
		}
		one_call(t);
		atomic_fetch_add(&calls_done, 1);
	}
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void on_alarm(int sig)
{
	char m[128];
	int n = snprintf(m, sizeof(m),
			 "not ok - e2e:fuzz (hung: %ld calls done; seed %llu)\n",
			 atomic_load(&calls_done), (unsigned long long)seed);

	(void)sig;
	if (write(1, m, n) < 0)
		_exit(3);
	_exit(1);
}

static void dump_file(const char *path)
{
	char b[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = 0;
	for (char *l = strtok(b, "\n"); l; l = strtok(NULL, "\n"))
		printf("#     %s\n", l);
}

/*
 * A call still running STUCK_MS after the first SIGUSR1 (resent every
 * 20 ms) ignores signals: report where it sleeps, in the kernel and in
 * which call, so that a rare hang says what it is. The run then fails.
 */
static void dump_task(int tid)
{
	char path[64];

	for (const char *f = "status\0wchan\0stack\0"; *f; f += strlen(f) + 1) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, f);
		printf("#   task %d %s:\n", tid, f);
		dump_file(path);
	}
}

static void report_stuck(struct thr *t, long ms)
{
	char path[64], fdl[64] = "?";
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", t->cur_fd);
	n = readlink(path, fdl, sizeof(fdl) - 1);
	fdl[n > 0 ? n : 1] = 0;
	printf("# STUCK: thread %d (tid %d) in ioctl(fd %d -> %s, cmd %#lx, arg %#llx) for %ld ms\n",
	       t->idx, t->ktid, t->cur_fd, fdl, t->cur_cmd, (unsigned long long)t->cur_arg, ms);
	dump_task(t->ktid);
	atomic_fetch_add(&stuck_calls, 1);
}

/* No call finished for 30 s, wherever the threads are: show every task. */
static void report_no_progress(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	printf("# STUCK: no call finished for 30 s (%ld done); blocked tasks: see the kernel log\n",
	       atomic_load(&calls_done));
	/* SysRq w: every task in D state (killable ones too), kworkers included */
	if (!tap_write_file("/proc/sysrq-trigger", "w"))
		printf("# sysrq: %s\n", tap_errname(errno));
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			dump_task(atoi(e->d_name));
	if (d)
		closedir(d);
	atomic_fetch_add(&stuck_calls, 1);
}

/* Interrupt calls that block too long: a fuzzer must never hang. */
static void *watchdog(void *p)
{
	atomic_bool *stop = p;
	long reported[MAX_THREADS] = { 0 };
	long last_done = -1, last_change = now_ms();
	bool dumped = false;

	while (!atomic_load(stop)) {
		long now = now_ms(), done = atomic_load(&calls_done);

		if (done != last_done) {
			last_done = done;
			last_change = now;
		} else if (now - last_change > 30000 && !dumped) {
			dumped = true;
			report_no_progress();
		}

		for (int i = 0; i < nthreads; i++) {
			long st = atomic_load(&threads[i].call_start_ms);

			if (st && now - st > 200)
				pthread_kill(threads[i].tid, SIGUSR1);
			if (st && now - st > 200 + STUCK_MS && reported[i] != st) {
				reported[i] = st;
				report_stuck(&threads[i], now - st);
			}
		}
		usleep(20000);
	}
	return NULL;
}

/*
 * @len bytes followed by a PROT_NONE page: whatever length the kernel is
 * told, its writes from inside stay inside or fault, and never reach other
 * memory of ours (a plain unmapped page could be reused by a later mmap).
 */
static uint8_t *guarded(size_t len)
{
	uint8_t *p = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + len, page, PROT_NONE))
		return NULL;
	return p;
}

/* Names that existed before the run; any other named object is ours. */
static char (*old_names)[GOSYNC_NAME_MAX];
static unsigned int nr_old_names;

static void names(void (*fn)(const char *name))
{
	static struct gosync_info buf[64];
	uint64_t cursor = 0;
	int n;

	do {
		n = gosync_list(dev, buf, 64, &cursor, NULL);
		for (int i = 0; i < n; i++)
			if (buf[i].flags & GOSYNC_INFO_NAMED)
				fn(buf[i].name);
	} while (n > 0 && cursor);
}

static void remember(const char *name)
{
	old_names = realloc(old_names, (nr_old_names + 1) * sizeof(*old_names));
	snprintf(old_names[nr_old_names++], GOSYNC_NAME_MAX, "%s", name);
}

static void unlink_if_new(const char *name)
{
	for (unsigned int i = 0; i < nr_old_names; i++)
		if (!strcmp(old_names[i], name))
			return;
	gosync_unlink(dev, name);
}

static void unlink_new_names(void)
{
	names(unlink_if_new);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	atomic_bool stop = false;
	pthread_t wd;
	unsigned int start_objs, end_objs;
	long t0;
	bool ok = true;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* a debug kernel (kmemleak, as lockhold tells one): half the calls */
	if (!access("/sys/kernel/debug/kmemleak", F_OK))
		ncalls /= 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			ncalls = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else {
			fprintf(stderr, "usage: fuzz [--calls N] [--seed S] [--threads T] [--verbose]\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# fuzz: seed %llu, %ld calls, %d threads\n", (unsigned long long)seed,
	       ncalls, nthreads);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: blocked calls end with EINTR */
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	/* generous: ~2 ms a call on a slow debug guest, at least 5 minutes */
	alarm((unsigned int)(300 + ncalls / 500));

	dev = tap_dev("fuzz");
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard = guarded(page);
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!guard || ro == MAP_FAILED) {
		printf("not ok - e2e:fuzz (mmap)\n");
		return 1;
	}
	find_maps_lo();
	ok = tap_report(cmdtable_check(dev), "fuzz-cmdtable");
	pick_list();
	start_objs = tap_nr_objects(dev);
	names(remember);
	/* the close-everything and unlink-new-names cleanup below removes it */
	if (!cmd_env_init(&env, dev)) {
		printf("not ok - e2e:fuzz (setup: %s)\n", tap_why);
		return 1;
	}
	t0 = now_ms();

	for (int i = 0; i < nthreads; i++) {
		threads[i].idx = i;
		threads[i].rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t)i * 7919 + 1;
		threads[i].buf = guarded(SCRATCH);
		if (!threads[i].buf) {
			printf("not ok - e2e:fuzz (mmap)\n");
			return 1;
		}
		for (int j = 0; j < POOL; j++)
			threads[i].fds[j] = -1;
		int mu = gosync_mutex_create(dev, NULL, 0, 0);

		threads[i].cond_mu = mu < 0 ? -1 : fcntl(mu, F_DUPFD_CLOEXEC, 900 + i);
		if (mu >= 0)
			close(mu);
		if (threads[i].cond_mu < 0) {
			printf("not ok - e2e:fuzz (a Mutex for Conds: %s)\n", tap_errname(errno));
			return 1;
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_create(&threads[i].tid, NULL, worker, &threads[i]);
	pthread_create(&wd, NULL, watchdog, &stop);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i].tid, NULL);
	atomic_store(&stop, true);
	pthread_join(wd, NULL);
	alarm(0);

	printf("# %ld calls in %ld ms, %ld succeeded; %ld pointers into our own memory redirected\n",
	       atomic_load(&calls_done), now_ms() - t0, atomic_load(&successes),
	       atomic_load(&redirected));
	for (int e = 1; e < 160; e++)
		if (atomic_load(&errno_hist[e]))
			printf("#   %-12s %ld\n", tap_errname(e), atomic_load(&errno_hist[e]));
	/* A run in which every call was rejected tested only the rejections. */
	{
		int never = 0;

		for_each_cmd(c) {
			long tries = c->nr < 128 ? atomic_load(&tries_by_nr[c->nr]) : 0;

			if (tries >= MIN_TRIES && !atomic_load(&ok_by_nr[c->nr])) {
				printf("#   %s: none of %ld well-formed calls succeeded\n",
				       c->name, tries);
				never++;
			}
		}
		/*
		 * Only a run with no success at all fails: some commands'
		 * well-formed calls still carry a field the fuzzer always
		 * corrupts (INFO's), so per command it is a note.
		 */
		if (never)
			printf("# %d commands never succeeded in %d or more well-formed calls\n",
			       never, MIN_TRIES);
		if (!atomic_load(&successes)) {
			printf("not ok - e2e:fuzz-successes (no call succeeded; seed %llu)\n",
			       (unsigned long long)seed);
			ok = false;
		} else {
			printf("ok - e2e:fuzz-successes\n");
		}
	}
	if (atomic_load(&bad_errno)) {
		printf("not ok - e2e:fuzz-errnos (%ld calls failed with an undocumented errno; seed %llu)\n",
		       atomic_load(&bad_errno), (unsigned long long)seed);
		ok = false;
	} else {
		printf("ok - e2e:fuzz-errnos\n");
	}
	if (atomic_load(&stuck_calls)) {
		printf("not ok - e2e:fuzz-no-stuck-calls (%ld calls ignored signals for %lld s; seed %llu)\n",
		       atomic_load(&stuck_calls), STUCK_MS / 1000, (unsigned long long)seed);
		ok = false;
	} else {
		printf("ok - e2e:fuzz-no-stuck-calls\n");
	}

	/* Clean up: close everything, unlink our names; nothing may be left. */
	for (int i = 0; i < nthreads; i++)
		for (int j = 0; j < POOL; j++)
			if (threads[i].fds[j] > 2)
				close(threads[i].fds[j]);
	for (int fd = 3; fd < 4096; fd++)
		if (fd != dev)
			close(fd);
	unlink_new_names();
	end_objs = tap_nr_objects(dev);
	if (end_objs != start_objs) {
		printf("not ok - e2e:fuzz-no-leaked-objects (%u objects before, %u after; seed %llu)\n",
		       start_objs, end_objs, (unsigned long long)seed);
		ok = false;
	} else {
		printf("ok - e2e:fuzz-no-leaked-objects\n");
	}
	{
		struct gosync_version v;
		int fd = gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 41);
		int64_t r = 0;

		if (gosync_version(dev, &v) < 0 || fd < 0 || gosync_counter_add(fd, 1, &r) < 0 ||
		    r != 42) {
			printf("not ok - e2e:fuzz-device-works (%s)\n", tap_errname(errno));
			ok = false;
		} else {
			printf("ok - e2e:fuzz-device-works\n");
		}
		if (fd >= 0)
			close(fd);
	}
	printf("%s - e2e:fuzz # seed %llu calls %ld\n", ok ? "ok" : "not ok",
	       (unsigned long long)seed, atomic_load(&calls_done));
	return ok ? 0 : 1;
}
