// SPDX-License-Identifier: GPL-2.0
/*
 * gosync-stress: workloads against gosync objects and their userspace peers.
 * This file: the workload table, the command line, --list and --help.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stress.h"

/* Every workload, NULL-terminated */
static const struct stress_workload *const stress_workloads[] = {
	&wl_lost_update,
	&wl_counter_bench,
	&wl_bank,
	&wl_bounded,
	&wl_lock_bench,
	&wl_gobyexample,
	&wl_map_bench,
	&wl_producer_consumer,
	&wl_stateful,
	&wl_chan_bench,
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: gosync-stress WORKLOAD [options]\n"
"       gosync-stress torture [--type T] [--mode M] [--writers N] [--readers N]\n"
"                             [--duration S] [--json]   (root; see torture --help)\n"
"       gosync-stress --list | --smoke | --help\n"
"\n"
"Runs WORKLOAD against each backend of --mode, at each thread count of\n"
"--threads, each point --reps times, and prints what it measured. Every\n"
"number printed was measured in this run: compare ratios, not absolute times.\n"
"\n"
"Workloads (see --list for the backends):\n");
	for (const struct stress_workload *const *w = stress_workloads; *w; w++) {
		fprintf(f, "  %-14s %s\n  %-14s options: %s\n", (*w)->name,
			(*w)->desc, "", (*w)->usage);
		if ((*w)->variants) {
			fprintf(f, "  %-14s variants:", "");
			for (const char *const *v = (*w)->variants; *v; v++)
				fprintf(f, "%s %s", v == (*w)->variants ? "" : ",", *v);
			fputc('\n', f);
		}
	}
	fprintf(f,
"\n"
"lock-bench runs Go's src/sync benchmarks on gosync objects and, in the same\n"
"run, on userspace peers, then prints gosync/peer ops/s side by side:\n"
"  mutex-uncontended  BenchmarkMutexUncontended: each worker its own lock\n"
"  mutex              BenchmarkMutex: one lock, (nearly) empty section\n"
"  mutex-work         BenchmarkMutexWork: 100 work loops outside the lock,\n"
"                     and 10 inside (Go's has none inside)\n"
"  rw-write100/10     BenchmarkRWMutexWrite100/10: 1 Lock per 100/10 ops, the\n"
"                     rest RLock+RUnlock\n"
"  rw-work-write100/10  the same with 100 work loops in the read section\n"
"                     (BenchmarkRWMutexWorkWrite100/10)\n"
"  rw-mix             --read-pct (50)%% RLock+RUnlock, the rest Lock+Unlock,\n"
"                     in a random order (--seed)\n"
"  wg-add-done        BenchmarkWaitGroupAddDone: Add(1)+Done per op, one WG\n"
"  wg-wait            BenchmarkWaitGroupWait: Wait on a zero counter\n"
"  wg-round           a worker's part in a barrier round per op: Done+Wait on\n"
"                     a WaitGroup armed with N (three in rotation), or\n"
"                     pthread_barrier_wait (ops/s = N x rounds/s)\n"
"  sem-uncontended    x/sync's BenchmarkAcquireSeq (size 1): Acquire(1)+\n"
"                     Release(1), each worker its own semaphore of 1 permit\n"
"  sem                one semaphore of 1 permit shared (a binary semaphore)\n"
"  sem-work           one semaphore of 2 permits, 100 work loops outside and\n"
"                     10 inside: bounded parallelism\n"
"  A work loop is Go's 'foo *= 2; foo /= 2'. Every exclusive section checks\n"
"  exclusion (a plain load+store of a shared counter; readers check no\n"
"  writer is inside); the point fails if it was broken. For the contended\n"
"  variants (one shared object, >= 2 workers, --duration) it reports each\n"
"  worker's ops, as locktorture's Max/Min: '!! STARVED' when a worker made\n"
"  none, '!! UNFAIR' when max > 10x min (of the most lopsided rep); these\n"
"  are reported, they do not change the exit status. Backends: gosync-mutex,\n"
"  gosync-mutex-mapped, gosync-rwmutex, gosync-rwmutex-mapped,\n"
"  gosync-waitgroup, gosync-waitgroup-mapped, gosync-sem, gosync-sem-mapped\n"
"  ('all'); pthread-mutex, pthread-rwlock, pthread-rwlock-wp,\n"
"  pthread-cond-wg, pthread-barrier, posix-sem ('peers');\n"
"  the pthread objects and sem_t are process-shared with --procs,\n"
"  process-private otherwise. A semaphore section checks that no more than\n"
"  its permits are inside.\n"
"\n"
"bounded is the lost-update lab's lesson for parallelism: --threads workers\n"
"(default 8) each enter a section --iterations times (default 50), staying\n"
"0.1 ms, and a semaphore of --limit permits (default %u) is to keep at most\n"
"that many inside at once (gosync-sem, gosync-sem-mapped; posix-sem, a\n"
"sem_t). Every entry counts how many are inside: 'max inside' must not pass\n"
"the limit (else the point fails). 'unlimited' runs the same without a\n"
"semaphore: how many got in at once, and how many entries found more than\n"
"the limit inside.\n"
"\n"
"map-bench runs Go's src/sync/map_bench_test.go workloads on gosync maps\n"
"(spin, rwsem, rcu: one ioctl per op; spin-batch, rwsem-batch, rcu-batch: ops\n"
"in GOSYNC_IOC_BATCH vectors of --batch) and, in the same run, on userspace\n"
"peers (pthread-mutex-map, pthread-rwlock-map: a hash table under the lock;\n"
"urcu-lfht: liburcu's RCU lock-free hash table), then prints each backend's\n"
"scaling (ops/s at the most threads / at 1) and gosync/peer ratios. Keys and\n"
"values are decimal strings. gobyexample is Go by Example's Mutexes program\n"
"(100 readers, 10 writers, 5 keys, 1 ms sleeps, 1 s) on a gosync map, one\n"
"block per --backend (spin, rwsem, rcu or all). stateful is its sequel, Go by\n"
"Example's Stateful Goroutines: the state owned by one thread (--procs: a\n"
"process) that selects over gosync channels of read and write requests,\n"
"beside the Mutexes program on a lock backend, counts side by side.\n"
"producer-consumer is the seed's next step after bank: the incomes send their\n"
"deposits over a gosync channel to 2 consumers; totals must match.\n"
"\n"
"chan-bench moves messages between two processes over a gosync channel\n"
"(gosync-chan; gosync-chan-vec: vectors of --batch) and, in the same run,\n"
"over a pipe, a SOCK_SEQPACKET socketpair, a POSIX message queue, a shared\n"
"memory ring with eventfd doorbells and Go channels between goroutines\n"
"(" STRESS_GO_PEER ", beside this binary; n/a without it), each holding 64\n"
"messages: pingpong (round trips of 8 bytes) and stream-SIZE (one way, SIZE\n"
"8 to 65536 bytes); msgs/s, MB/s and gosync/peer ratios.\n"
"\n"
"Options:\n"
"  --mode LIST        comma-separated backends of the workload's families\n"
"                     (see --list): e.g. a counter mode (racy, atomic,\n"
"                     atomic-mapped, spinlock, mutex, rwsem, percpu), a\n"
"                     counter peer (c11-racy, c11-atomic, urcu-uatomic,\n"
"                     pthread-mutex), 'all' (every gosync backend) or\n"
"                     'peers' (every peer).\n"
"                     Default: per workload (lost-update: all; counter-bench,\n"
"                     lock-bench: all,peers; bank: racy,mutex)\n"
"  --backend LIST     the same as --mode\n"
"  --variant LIST     run only these variants (counter-bench, lock-bench,\n"
"                     map-bench, chan-bench: their variants above)\n"
"  --threads LIST     comma-separated worker counts to sweep, e.g. 1,2,4.\n"
"                     Default: 1, 2, 4, ... up to and including the number of\n"
"                     CPUs it may run on (taskset, cpuset: %u here). bank\n"
"                     (4 workers), producer-consumer (6), gobyexample and\n"
"                     stateful (110) and chan-bench (2) run a fixed number\n"
"                     and ignore it, with a note on stderr\n"
"  --procs            workers are forked processes instead of threads; objects\n"
"                     reach them by fd inheritance, peers by shared memory\n"
"  --no-pin           let the scheduler place workers (default: worker i is\n"
"                     pinned to the i-th CPU it may run on, round robin, so\n"
"                     N <= CPUs workers really run in parallel)\n"
"  --iterations K     ops per worker (bank: weeks). Default: lost-update 100000,\n"
"                     bank 52. Given with --duration, it wins: K ops per\n"
"                     worker, however long they take\n"
"  --duration SEC     run each point for SEC seconds instead (default:\n"
"                     counter-bench, lock-bench, chan-bench 0.5; map-bench\n"
"                     0.3; gobyexample, stateful 1)\n"
"  --reps N           repeat each point N times; report median [min-max]\n"
"  --batch B          ops per GOSYNC_IOC_BATCH (default 64, at most %u):\n"
"                     counter-bench's batch variants, map-bench's -batch\n"
"                     backends; chan-bench's gosync-chan-vec: messages per\n"
"                     vector (at most %u)\n"
"  --delay-ns D       racy backends only: the read-to-write window, in ns\n"
"                     (lost-update: the kernel's racy_delay_ns, a spin,\n"
"                     default %u; bank: a sleep between LOAD and STORE,\n"
"                     default %u). It only widens the window in which another\n"
"                     worker's update is overwritten; 0 turns it off\n"
"  --warmup SEC       before each rep of each point, run the workload's body\n"
"                     SEC seconds untimed (same workers, same objects), then\n"
"                     start the measured phase at a barrier; warm-up ops are\n"
"                     not counted (JSON: warmup_ops). Default 0 (none); not\n"
"                     for the fixed programs bank, gobyexample,\n"
"                     producer-consumer and stateful\n"
"  --keys N           keyed workloads: keys 0..N-1 (map-bench mix variants:\n"
"                     default 1024; gobyexample: default 5, as Go by Example).\n"
"                     At most %llu; counters and locks pick no keys: ignored\n"
"  --dist D           keyed workloads' key distribution: uniform (default),\n"
"                     zipf (skew 0.99) or zipf:S, 0 < S < 1 (Gray et al.'s\n"
"                     generator, as YCSB; key 0 the hottest)\n"
"  --read-pct P       read/write mix variants, P in 0..100: map-bench mix (P%%\n"
"                     Load, the rest Store; default 50) and lock-bench rw-mix\n"
"                     (P%% RLock, the rest Lock; default 50). The presets\n"
"                     mix-90-10, rw-write100/10 keep their mix\n"
"  --limit K          bounded: the semaphore's permits, 1 to %u (default %u)\n"
"  --seed S           seed of the per-worker key and op generators (default %d);\n"
"                     worker i's stream depends only on S and i: reproducible\n"
"  --quiet            no table and no narration (bank: only the final balance)\n"
"  --json             JSON lines: one object per point, ratio and floor\n"
"  --csv              CSV: a header line, then one line per row; a new header\n"
"                     line whenever the columns change (points, ratios and\n"
"                     floors carry different ones)\n"
"  --no-progress      no live progress line on stderr (default: on when stderr\n"
"                     is a terminal, unless --json or --csv records go to that\n"
"                     same terminal); stdout carries only results\n"
"  --list             list workloads and backends\n"
"  --smoke            run every workload briefly, check its JSON, print\n"
"                     'ok - stress:NAME' or 'not ok - stress:NAME' lines\n"
"  --help             this text\n"
"\n"
"Exit status: 0 if every exact backend was exact and nothing failed (racy\n"
"backends may lose updates; lock-bench: exclusion held; bounded: no semaphore\n"
"let more than its permits in), 1 otherwise (a point that did no op failed;\n"
"so does a run with no point to run: no backend of --mode that runs a variant\n"
"of --variant here), 2 for a usage error.\n",
		STRESS_LIMIT, stress_ncpus(), GOSYNC_BATCH_MAX, GOSYNC_CHAN_VEC_MAX,
		wl_lost_update.default_delay_ns, wl_bank.default_delay_ns, STRESS_KEYS_MAX,
		STRESS_MAX_THREADS, STRESS_LIMIT, STRESS_SEED);
}

static void list(void)
{
	printf("workloads:\n");
	for (const struct stress_workload *const *w = stress_workloads; *w; w++)
		printf("  %-14s %s\n", (*w)->name, (*w)->desc);
	printf("backends:\n");
	for (const struct stress_backend *b = stress_backends; b->name; b++)
		printf("  %-17s %-9s %-6s %-5s %s\n", b->name, b->family,
		       b->kernel ? "gosync" : "peer", b->exact ? "exact" : "lossy",
		       b->desc);
}

static int parse_threads(const char *s, struct stress_opts *o)
{
	char *copy = strdup(s), *save = NULL;
	int ret = 0;

	o->nthreads = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (!opt_u64(t, 10, STRESS_MAX_THREADS, &v) || !v ||
		    o->nthreads == STRESS_MAX_SWEEP) {
			ret = -1;
			break;
		}
		o->threads[o->nthreads++] = (unsigned int)v;
	}
	free(copy);
	return ret < 0 || !o->nthreads ? -1 : 0;
}

/* uniform, zipf or zipf:S with 0 < S < 1 */
static int parse_dist(const char *s, struct stress_opts *o)
{
	if (!strcmp(s, "uniform")) {
		o->dist = STRESS_UNIFORM;
		return 0;
	}
	if (strncmp(s, "zipf", 4) || (s[4] && s[4] != ':'))
		return -1;
	o->dist = STRESS_ZIPF;
	o->zipf_s = STRESS_ZIPF_S;
	if (!s[4])
		return 0;
	return opt_double(s + 5, &o->zipf_s) && o->zipf_s > 0 && o->zipf_s < 1 ? 0 : -1;
}

/* Are fds @a and @b the same terminal (a console that has both)? */
static bool same_terminal(int a, int b)
{
	struct stat sa, sb;

	return isatty(a) && isatty(b) && !fstat(a, &sa) && !fstat(b, &sb) &&
	       sa.st_rdev == sb.st_rdev;
}

/* A name list: one or more names, comma-separated, none empty. */
static bool names_ok(const char *s)
{
	return *s && *s != ',' && s[strlen(s) - 1] != ',' && !strstr(s, ",,");
}

static int bad(const char *opt, const char *arg)
{
	fprintf(stderr, "gosync-stress: bad %s '%s' (see --help)\n", opt, arg);
	return 2;
}

int main(int argc, char **argv)
{
	enum { O_NO_PROGRESS = 256, O_NO_PIN, O_DELAY, O_LIST, O_SMOKE, O_VARIANT,
	       O_WARMUP, O_KEYS, O_DIST, O_READ_PCT, O_SEED, O_LIMIT };
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "backend", required_argument, NULL, 'm' },
		{ "variant", required_argument, NULL, O_VARIANT },
		{ "threads", required_argument, NULL, 't' },
		{ "procs", no_argument, NULL, 'p' },
		{ "no-pin", no_argument, NULL, O_NO_PIN },
		{ "iterations", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "delay-ns", required_argument, NULL, O_DELAY },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "dist", required_argument, NULL, O_DIST },
		{ "read-pct", required_argument, NULL, O_READ_PCT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "no-progress", no_argument, NULL, O_NO_PROGRESS },
		{ "list", no_argument, NULL, O_LIST },
		{ "smoke", no_argument, NULL, O_SMOKE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stress_opts o = {
		.delay_ns = -1, .progress = isatty(2), .read_pct = -1,
		.zipf_s = STRESS_ZIPF_S, .seed = STRESS_SEED,
	};
	const struct stress_workload *wl = NULL;
	struct stress_out *out;
	uint64_t v;
	int c, ret;

	/* torture is no driver workload: GOSYNC_IOC_TORTURE has its own options */
	if (argc >= 2 && !strcmp(argv[1], "torture"))
		return stress_torture_main(argc - 1, argv + 1);
	/*
	 * A write to a pipe whose reader is gone (chan-bench's Go peer, or
	 * stdout) fails with EPIPE, which is reported, rather than killing the
	 * writer: a forked worker dead of SIGPIPE was a run that failed
	 * without a word.
	 */
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "m:t:pi:d:r:b:qjch", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!names_ok(optarg))
				return bad("--mode", optarg);
			o.modes = optarg;
			break;
		case O_VARIANT:
			if (!names_ok(optarg))
				return bad("--variant", optarg);
			o.variants = optarg;
			break;
		case 't':
			if (parse_threads(optarg, &o) < 0)
				return bad("--threads", optarg);
			break;
		case 'p':
			o.procs = true;
			break;
		case O_NO_PIN:
			o.no_pin = true;
			break;
		case 'i':
			if (!opt_u64(optarg, 10, UINT64_MAX, &o.iterations) || !o.iterations)
				return bad("--iterations", optarg);
			break;
		case 'd':
			if (!opt_double(optarg, &o.duration) || !(o.duration > 0))
				return bad("--duration", optarg);
			break;
		case 'r':
			if (!opt_u64(optarg, 10, 1000, &v) || !v)
				return bad("--reps", optarg);
			o.reps = (unsigned int)v;
			break;
		case 'b':
			if (!opt_u64(optarg, 10, GOSYNC_BATCH_MAX, &v) || !v)
				return bad("--batch", optarg);
			o.batch = (unsigned int)v;
			break;
		case O_DELAY:
			if (!opt_u64(optarg, 10, GOSYNC_RACY_DELAY_MAX, &v))
				return bad("--delay-ns", optarg);
			o.delay_ns = (long long)v;
			break;
		case O_WARMUP:
			if (!opt_double(optarg, &o.warmup) || o.warmup > 3600)
				return bad("--warmup", optarg);
			break;
		case O_KEYS:
			if (!opt_u64(optarg, 10, STRESS_KEYS_MAX, &o.keys) || !o.keys)
				return bad("--keys", optarg);
			break;
		case O_DIST:
			if (parse_dist(optarg, &o) < 0)
				return bad("--dist", optarg);
			break;
		case O_READ_PCT:
			if (!opt_u64(optarg, 10, 100, &v))
				return bad("--read-pct", optarg);
			o.read_pct = (int)v;
			break;
		case O_SEED:
			if (!opt_u64(optarg, 10, UINT64_MAX, &o.seed))
				return bad("--seed", optarg);
			break;
		case O_LIMIT:
			if (!opt_u64(optarg, 10, STRESS_MAX_THREADS, &v) || !v)
				return bad("--limit", optarg);
			o.limit = (unsigned int)v;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'j':
			o.format = STRESS_JSON;
			break;
		case 'c':
			o.format = STRESS_CSV;
			break;
		case O_NO_PROGRESS:
			o.progress = false;
			break;
		case O_LIST:
			list();
			return 0;
		case O_SMOKE:
			return stress_smoke(argv[0], stress_workloads);
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (const struct stress_workload *const *w = stress_workloads; *w; w++)
		if (!strcmp((*w)->name, argv[optind]))
			wl = *w;
	if (!wl) {
		fprintf(stderr, "gosync-stress: unknown workload '%s' (see --list)\n",
			argv[optind]);
		return 2;
	}
	/*
	 * The live line goes to stderr, and only to a terminal. JSON and CSV
	 * records are for programs: when stdout is that same terminal (a
	 * console that a harness reads, as the test VM's is), the line and its
	 * escape codes would land between the records, so there is none.
	 */
	if (o.format != STRESS_TABLE && same_terminal(1, 2))
		o.progress = false;
	out = stress_out_new(stdout, o.format);
	ret = stress_run(wl, &o, out);
	stress_out_free(out);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gosync-stress: a write to stdout failed\n");
		return ret ? ret : 1;
	}
	return ret;
}
