// SPDX-License-Identifier: GPL-2.0
/*
 * torture: GOSYNC_IOC_TORTURE (in-kernel kthreads hammering a fresh counter,
 * Mutex or RWMutex, as locktorture does), printed locktorture-style, then the
 * same primitive through the ioctl path with as many userspace threads for
 * as long, so the report separates the primitive's cost from the syscall's.
 *
 *   Writes:  Total: N  Max/Min: a/b  Fail: E   (??? when Min is 0 or E > 0)
 *
 * Exit status: 0, 1 if the kernel saw an invariant broken (errors > 0), a
 * thread made no progress or a call failed, 2 for a usage error, 77 (skip)
 * if not root (EPERM: CAP_SYS_ADMIN) or the module has no GOSYNC_IOC_TORTURE
 * (ENOTTY: built without GOSYNC_TORTURE=1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

struct tt_opts {
	unsigned int type, mode, writers, readers;
	double duration;
	bool json;
};

/* ---- the ioctl path: the same work from userspace threads ---- */

/*
 * As kmod/torture.c: Adds ask for the cheap result (GOSYNC_OP_F_APPROX: a
 * percpu counter stays per-CPU), every critical section lasts this long
 * between the same two atomics on a shared count of who is inside (and the
 * same check), and the locks are robust (a sleeper registers with deadlock
 * detection).
 */
#define TORTURE_HOLD_NS		500
#define TORTURE_WRITER_BIAS	0x10000	/* kmod/torture.c's, per writer inside */

struct up_ctx {
	const struct tt_opts *o;
	int fd;
	_Atomic int stop;
	_Atomic int err;
	_Atomic int inside;		/* TORTURE_WRITER_BIAS per writer + 1 per reader */
	_Atomic unsigned int broken;	/* sections that found exclusion broken */
	pthread_mutex_t gate;		/* held while threads are created */
	pthread_barrier_t b;		/* the threads created, and main */
};

struct up_thread {
	struct up_ctx *x;
	pthread_t t;
	bool writer;
	uint64_t ops;
};

/* kmod/torture.c's torture_inside(): writers alone, readers never beside one */
static void up_inside(struct up_ctx *x, bool writer)
{
	int bias = writer ? TORTURE_WRITER_BIAS : 1;
	int v = atomic_fetch_add(&x->inside, bias) + bias;

	if (writer ? v != TORTURE_WRITER_BIAS : v >= TORTURE_WRITER_BIAS)
		atomic_fetch_add_explicit(&x->broken, 1, memory_order_relaxed);
	stress_spin_ns(TORTURE_HOLD_NS);
	atomic_fetch_sub(&x->inside, bias);
}

static int up_op(struct up_ctx *x, bool writer)
{
	int64_t v;

	switch (x->o->type) {
	case GOSYNC_TYPE_COUNTER:
		return writer ? gosync_counter_op(x->fd, GOSYNC_OP_ADD, GOSYNC_OP_F_APPROX, 1, 0,
						  NULL) :
				gosync_counter_load(x->fd, &v);
	case GOSYNC_TYPE_MUTEX:
		if (gosync_mutex_lock(x->fd, -1) < 0)
			return -1;
		up_inside(x, true);
		return gosync_mutex_unlock(x->fd);
	default:
		if (writer) {
			if (gosync_rwmutex_lock(x->fd, -1) < 0)
				return -1;
			up_inside(x, true);
			return gosync_rwmutex_unlock(x->fd);
		}
		if (gosync_rwmutex_rlock(x->fd, -1) < 0)
			return -1;
		up_inside(x, false);
		return gosync_rwmutex_runlock(x->fd);
	}
}

static void *up_main(void *arg)
{
	struct up_thread *t = arg;

	/* the barrier is sized once every thread is created */
	pthread_mutex_lock(&t->x->gate);
	pthread_mutex_unlock(&t->x->gate);
	pthread_barrier_wait(&t->x->b);
	while (!atomic_load_explicit(&t->x->stop, memory_order_relaxed)) {
		if (up_op(t->x, t->writer) < 0) {
			atomic_store(&t->x->err, errno);
			break;
		}
		t->ops++;
	}
	return NULL;
}

/* Run the ioctl path; *w, *r: ops; *secs: wall time. */
static int ioctl_path(const struct tt_opts *o, int dev, uint64_t *w, uint64_t *r,
		      double *secs)
{
	unsigned int n = o->writers + o->readers, made;
	struct up_thread *th = calloc(n, sizeof(*th));
	struct up_ctx x = { .o = o, .gate = PTHREAD_MUTEX_INITIALIZER };
	double t0;
	int ret = 0, err = 0;

	if (!th)
		return -1;
	switch (o->type) {
	case GOSYNC_TYPE_COUNTER:
		x.fd = gosync_counter_create(dev, NULL, 0, o->mode, 0);
		break;
	case GOSYNC_TYPE_MUTEX:
		x.fd = gosync_mutex_create(dev, NULL, 0, 0);
		break;
	default:
		/* one fd for all: its description holds every thread's read locks */
		x.fd = gosync_rwmutex_create(dev, NULL, 0, 0);
		break;
	}
	if (x.fd < 0) {
		free(th);
		return -1;
	}
	/*
	 * A barrier of n + 1 would never open if a create failed: the threads
	 * made wait at the gate until the barrier counts just them.
	 */
	pthread_mutex_lock(&x.gate);
	for (made = 0; made < n; made++) {
		th[made].x = &x;
		th[made].writer = made < o->writers;
		err = pthread_create(&th[made].t, NULL, up_main, &th[made]);
		if (err)
			break;
	}
	if (err)
		atomic_store(&x.stop, 1);	/* the threads made leave at once */
	pthread_barrier_init(&x.b, NULL, made + 1);
	pthread_mutex_unlock(&x.gate);
	pthread_barrier_wait(&x.b);
	t0 = stress_now();
	if (!err)
		stress_sleep(o->duration);
	atomic_store(&x.stop, 1);
	*w = *r = 0;
	for (unsigned int i = 0; i < made; i++) {
		pthread_join(th[i].t, NULL);
		*(th[i].writer ? w : r) += th[i].ops;
	}
	*secs = stress_now() - t0;
	if (atomic_load(&x.broken)) {
		fprintf(stderr, "gosync-stress: torture: ioctl path: %u sections found "
			"exclusion broken\n", atomic_load(&x.broken));
		if (!err && !atomic_load(&x.err))
			err = EPROTO;
	}
	if (err || atomic_load(&x.err)) {
		errno = err ? err : atomic_load(&x.err);
		ret = -1;
	}
	pthread_barrier_destroy(&x.b);
	pthread_mutex_destroy(&x.gate);
	close(x.fd);
	free(th);
	return ret;
}

/* ---- the report ---- */

static const char *type_label(const struct tt_opts *o, char *buf, size_t len)
{
	if (o->type == GOSYNC_TYPE_COUNTER)
		snprintf(buf, len, "counter/%s", gosync_counter_mode_name(o->mode));
	else
		snprintf(buf, len, "%s", gosync_type_name(o->type));
	return buf;
}

static void minmax(const struct gosync_torture_thread *th, unsigned int n,
		   bool writer, uint64_t *mx, uint64_t *mn)
{
	bool any = false;

	*mx = *mn = 0;
	for (unsigned int i = 0; i < n; i++) {
		if ((bool)th[i].writer != writer)
			continue;
		if (!any || th[i].ops > *mx)
			*mx = th[i].ops;
		if (!any || th[i].ops < *mn)
			*mn = th[i].ops;
		any = true;
	}
}

/* Aggregate ns per op: wall time over all the ops of that kind. */
static double ns_per(uint64_t ops, double secs)
{
	return ops ? secs * 1e9 / (double)ops : 0;
}

static int run_one(const struct tt_opts *o, int dev)
{
	unsigned int n = o->writers + o->readers;
	struct gosync_torture_thread th[GOSYNC_TORTURE_MAX_THREADS];
	struct gosync_torture t = {
		.size = sizeof(t), .type = o->type,
		.subtype = o->type == GOSYNC_TYPE_COUNTER ? o->mode : 0,
		.nr_writers = o->writers, .nr_readers = o->readers,
		.duration_ms = (uint32_t)(o->duration * 1000 + 0.5),
		.threads = (uintptr_t)th,
	};
	uint64_t wmax, wmin, rmax, rmin, uw = 0, ur = 0;
	double secs, usecs = 0, kw, kr, iw, ir;
	char label[48];
	bool wbad, rbad, ok;
	int ioerr = 0;

	memset(th, 0, sizeof(th));
	if (ioctl(dev, GOSYNC_IOC_TORTURE, &t) < 0) {
		/* both mean "cannot run here", not "broken": a skip (77) */
		bool skip = errno == EPERM || errno == ENOTTY;

		fprintf(stderr, "gosync-stress: torture %s: GOSYNC_IOC_TORTURE: %s%s\n",
			type_label(o, label, sizeof(label)), strerror(errno),
			errno == EPERM ? " (needs root: CAP_SYS_ADMIN)" :
			errno == ENOTTY ? " (this gosync.ko was built without "
					  "GOSYNC_TORTURE=1)" : "");
		return skip ? 77 : 1;
	}
	if (ioctl_path(o, dev, &uw, &ur, &usecs) < 0)
		ioerr = errno;
	secs = (double)t.elapsed_ns * 1e-9;
	minmax(th, n, true, &wmax, &wmin);
	minmax(th, n, false, &rmax, &rmin);
	wbad = (o->writers && !wmin) || t.errors;
	rbad = (o->readers && !rmin) || t.errors;
	/* a starved thread (???) fails the run as a broken invariant does */
	ok = !wbad && !rbad && !ioerr;
	kw = ns_per(t.write_ops, secs);
	kr = ns_per(t.read_ops, secs);
	iw = ns_per(uw, usecs);
	ir = ns_per(ur, usecs);
	type_label(o, label, sizeof(label));

	if (o->json) {
		printf("{\"workload\": \"torture\", \"kind\": \"torture\", "
		       "\"type\": \"%s\", \"writers\": %u, \"readers\": %u, "
		       "\"duration\": %.3f, \"secs\": %.6f, \"write_ops\": %" PRIu64
		       ", \"read_ops\": %" PRIu64 ", \"write_max\": %" PRIu64
		       ", \"write_min\": %" PRIu64 ", \"read_max\": %" PRIu64
		       ", \"read_min\": %" PRIu64 ", \"errors\": %u, \"lost\": %" PRIu64
		       ", \"kernel_write_ns_per_op\": %.2f, \"kernel_read_ns_per_op\": %.2f"
		       ", \"ioctl_write_ops\": %" PRIu64 ", \"ioctl_read_ops\": %" PRIu64
		       ", \"ioctl_secs\": %.6f, \"ioctl_write_ns_per_op\": %.2f"
		       ", \"ioctl_read_ns_per_op\": %.2f, \"ioctl_error\": \"%s\""
		       ", \"ok\": %s, \"threads\": [",
		       label, o->writers, o->readers, o->duration, secs,
		       (uint64_t)t.write_ops, (uint64_t)t.read_ops, wmax, wmin, rmax,
		       rmin, t.errors, (uint64_t)t.lost, kw, kr, uw, ur, usecs, iw, ir,
		       ioerr ? strerror(ioerr) : "", ok ? "true" : "false");
		for (unsigned int i = 0; i < n; i++)
			printf("%s%" PRIu64, i ? ", " : "", (uint64_t)th[i].ops);
		printf("]}\n");
		fflush(stdout);
		return ok ? 0 : 1;
	}

	printf("torture %s: %u writer%s, %u reader%s, %.3f s in the kernel\n", label,
	       o->writers, o->writers == 1 ? "" : "s", o->readers,
	       o->readers == 1 ? "" : "s", secs);
	if (o->writers)
		printf("Writes:  Total: %" PRIu64 "  Max/Min: %" PRIu64 "/%" PRIu64
		       " %s Fail: %u  ns/op: %.1f\n", (uint64_t)t.write_ops, wmax,
		       wmin, wbad ? "?" "??" : "  ", t.errors, kw);
	if (o->readers)
		printf("Reads :  Total: %" PRIu64 "  Max/Min: %" PRIu64 "/%" PRIu64
		       " %s Fail: %u  ns/op: %.1f\n", (uint64_t)t.read_ops, rmax,
		       rmin, rbad ? "?" "??" : "  ", t.errors, kr);
	if (o->type == GOSYNC_TYPE_COUNTER && t.lost)
		printf("Lost:    %" PRIu64 " Adds (racy mode: expected)\n",
		       (uint64_t)t.lost);
	printf("per-thread ops:");
	for (unsigned int i = 0; i < n; i++)
		printf(" %c%u=%" PRIu64, th[i].writer ? 'w' : 'r',
		       th[i].writer ? i : i - o->writers, (uint64_t)th[i].ops);
	printf("\n");
	if (ioerr) {
		printf("ioctl path: failed: %s\n", strerror(ioerr));
	} else {
		const char *wop = o->type == GOSYNC_TYPE_COUNTER ? "Add" : "Lock+Unlock";
		const char *rop = o->type == GOSYNC_TYPE_COUNTER ? "Load" : "RLock+RUnlock";

		printf("ioctl path, same threads, %.3f s: ", usecs);
		if (o->writers)
			printf("%s %" PRIu64 " ops, %.1f ns/op (%.1fx in-kernel)",
			       wop, uw, iw, kw > 0 ? iw / kw : 0);
		if (o->readers)
			printf("%s%s %" PRIu64 " ops, %.1f ns/op (%.1fx in-kernel)",
			       o->writers ? "; " : "", rop, ur, ir, kr > 0 ? ir / kr : 0);
		printf("\n");
		/*
		 * Only a lone writer's ns/op is one op's latency on both paths;
		 * with more threads each is wall time over contended ops.
		 */
		if (o->writers == 1 && !o->readers)
			printf("  => syscall + dispatch + fd lookup ~ %.1f ns of each "
			       "%.1f ns write op (1 thread: ns/op is per op)\n",
			       iw - kw, iw);
	}
	if (t.errors)
		printf("?" "?? %u invariant violations: %s is broken\n", t.errors, label);
	if ((o->writers && !wmin) || (o->readers && !rmin))
		printf("?" "?? a thread made no progress: %s starved it\n", label);
	fflush(stdout);
	return ok ? 0 : 1;
}

/* @type's readers: --readers (-1: not given, 2), none for a Mutex. */
static unsigned int tt_readers(unsigned int type, int readers)
{
	if (type == GOSYNC_TYPE_MUTEX)
		return 0;
	return readers >= 0 ? (unsigned int)readers : 2;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: gosync-stress torture [--type counter|mutex|rwmutex] [--mode MODE]\n"
"                             [--writers N] [--readers N] [--duration S] [--json]\n"
"\n"
"GOSYNC_IOC_TORTURE: kernel threads hammer a fresh object with no syscall in\n"
"the way (root only), then as many userspace threads do the same through\n"
"ioctls for as long. Prints locktorture-style lines (\"?" "??\" when a thread made\n"
"no progress or an invariant broke), each thread's ops, and aggregate ns/op\n"
"(wall time / ops) of both paths; with --writers 1 --readers 0, their\n"
"difference is what the syscall adds to each op.\n"
"  --type T      counter (default), mutex or rwmutex; 'all' for each in turn\n"
"  --mode M      counter mode (default atomic): racy atomic spinlock mutex\n"
"                rwsem percpu\n"
"  --writers N   Add / Lock threads (default 2)\n"
"  --readers N   Load / RLock threads (default 2; 0 for mutex); writers and\n"
"                readers together 1 to %d\n"
"  --duration S  seconds (default 1)\n"
"  --json        one JSON object per run\n"
"  --no-progress accepted, as the other workloads take it (no live line here)\n"
"Exit status: 0; 1 if errors > 0, a thread made no progress or a call failed;\n"
"2 usage; 77 not root, or the module has no GOSYNC_IOC_TORTURE (a build\n"
"without GOSYNC_TORTURE=1).\n",
		GOSYNC_TORTURE_MAX_THREADS);
}

int stress_torture_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "writers", required_argument, NULL, 'w' },
		{ "readers", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tt_opts o = { .type = GOSYNC_TYPE_COUNTER, .mode = GOSYNC_COUNTER_ATOMIC,
			     .writers = 2, .duration = 1 };
	int readers = -1, c, dev, ret = 0, m;
	bool all = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			all = !strcmp(optarg, "all");
			if (all)
				break;
			m = gosync_type_parse(optarg);
			if (m != GOSYNC_TYPE_COUNTER && m != GOSYNC_TYPE_MUTEX &&
			    m != GOSYNC_TYPE_RWMUTEX) {
				fprintf(stderr, "gosync-stress: torture: bad --type '%s'\n", optarg);
				return 2;
			}
			o.type = (unsigned int)m;
			break;
		case 'm':
			m = gosync_counter_mode_parse(optarg);
			if (m < 0) {
				fprintf(stderr, "gosync-stress: torture: bad --mode '%s'\n", optarg);
				return 2;
			}
			o.mode = (unsigned int)m;
			break;
		case 'w':
		case 'r': {
			uint64_t v;

			if (!opt_u64(optarg, 10, GOSYNC_TORTURE_MAX_THREADS, &v)) {
				fprintf(stderr, "gosync-stress: torture: bad --%s '%s'\n",
					c == 'w' ? "writers" : "readers", optarg);
				return 2;
			}
			if (c == 'w')
				o.writers = (unsigned int)v;
			else
				readers = (int)v;
			break;
		}
		case 'd':
			if (!opt_double(optarg, &o.duration) || !(o.duration >= 0.001) ||
			    o.duration * 1000 > GOSYNC_TORTURE_MAX_MS) {
				fprintf(stderr, "gosync-stress: torture: bad --duration '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 'n':
			break;		/* nothing to turn off: no live line */
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* the kernel's limit is on the sum (EINVAL): say so as a usage error */
	for (unsigned int ty = GOSYNC_TYPE_COUNTER; ty <= GOSYNC_TYPE_RWMUTEX; ty++) {
		unsigned int t = all ? ty : o.type, nr = tt_readers(t, readers);

		if (t == GOSYNC_TYPE_MAP)
			continue;
		if (!o.writers && !nr) {
			fprintf(stderr, "gosync-stress: torture %s: no threads\n",
				gosync_type_name(t));
			return 2;
		}
		if (o.writers + nr > GOSYNC_TORTURE_MAX_THREADS) {
			fprintf(stderr, "gosync-stress: torture %s: %u writers + %u readers: "
				"at most %d threads in all\n", gosync_type_name(t),
				o.writers, nr, GOSYNC_TORTURE_MAX_THREADS);
			return 2;
		}
		if (!all)
			break;
	}
	dev = gosync_dev_open();
	if (dev < 0) {
		fprintf(stderr, "gosync-stress: %s: %s (is gosync.ko loaded?)\n",
			GOSYNC_DEVICE, strerror(errno));
		return 1;
	}
	for (unsigned int ty = GOSYNC_TYPE_COUNTER; ty <= GOSYNC_TYPE_RWMUTEX; ty++) {
		struct tt_opts one = o;

		if (all)
			one.type = ty;
		if (one.type == GOSYNC_TYPE_MAP)
			continue;
		one.readers = tt_readers(one.type, readers);
		if (one.type == GOSYNC_TYPE_MUTEX && readers > 0)
			fprintf(stderr, "gosync-stress: torture: a mutex has no readers: "
				"--readers ignored\n");
		if (ret != 77) {
			int r = run_one(&one, dev);

			if (r > ret)
				ret = r;
		}
		if (!all)
			break;
		if (!one.json)
			printf("\n");
	}
	close(dev);
	return ret;
}

/* ---- --smoke: 0.2 s of each type, JSON checked ---- */

static const char *const torture_keys[] = {
	"workload", "kind", "type", "writers", "readers", "write_ops", "read_ops",
	"write_min", "errors", "kernel_write_ns_per_op", "ioctl_write_ns_per_op",
	"ok", "threads", NULL,
};

/* The smoke's verdicts on one run */
enum tt_smoke { TT_OK, TT_SKIP, TT_FAIL, TT_IDLE };

/*
 * One run of @type for @duration: TT_IDLE if its only fault was a thread
 * that made no progress (no invariant broken, no call failed).
 */
static enum tt_smoke torture_smoke_one(const char *self, const char *type,
				       const char *duration)
{
	char cmd[4600], line[4096], why[128];
	unsigned int lines = 0;
	bool ok = true, idle = false;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' torture --type %s --duration %s --json", self, type,
		 duration);
	fflush(NULL);
	f = popen(cmd, "r");
	if (!f) {
		printf("# torture-%s: popen: %s\n", type, strerror(errno));
		return TT_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		lines++;
		if (json_check(line, torture_keys, why, sizeof(why)) < 0) {
			printf("# torture-%s: %s: %.80s\n", type, why, line);
			ok = false;
		}
		idle = strstr(line, "\"ok\": false") && strstr(line, "\"errors\": 0,") &&
		       strstr(line, "\"ioctl_error\": \"\"");
	}
	st = pclose(f);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		return TT_SKIP;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# torture-%s: exit status %d\n", type,
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		ok = false;
	}
	if (lines != 1) {
		printf("# torture-%s: %u lines, expected 1\n", type, lines);
		ok = false;
		idle = false;
	}
	return ok ? TT_OK : idle ? TT_IDLE : TT_FAIL;
}

/*
 * 0.2 s of each type. A thread that made no progress in it (a host that
 * kept a vCPU from running: TCG's vCPUs are host threads) gets one more
 * run, of 2 s, in which every thread must progress.
 */
bool stress_torture_smoke(const char *self)
{
	static const char *const types[] = { "counter", "mutex", "rwmutex" };
	bool all_ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		enum tt_smoke r = torture_smoke_one(self, types[i], "0.2");

		if (r == TT_IDLE) {
			printf("# torture-%s: a thread made no progress in 0.2 s: again, "
			       "for 2 s\n", types[i]);
			r = torture_smoke_one(self, types[i], "2");
		}
		if (r == TT_SKIP) {
			printf("ok - stress:torture-%s # SKIP not root, or no "
			       "GOSYNC_IOC_TORTURE in this module\n", types[i]);
			continue;
		}
		printf("%s - stress:torture-%s\n", r == TT_OK ? "ok" : "not ok", types[i]);
		fflush(stdout);
		all_ok &= r == TT_OK;
	}
	return all_ok;
}
