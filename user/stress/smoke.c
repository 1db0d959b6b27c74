// SPDX-License-Identifier: GPL-2.0
/*
 * --smoke: run every workload very briefly with --json, in a child process
 * (this same binary), and check its exit status and that each output line
 * is a JSON object with the keys its kind of row must carry (a point row
 * also the workload's own keys). One line per run: "ok - stress:NAME" or
 * "not ok - stress:NAME", details as "# ...".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"

/* ---- the smoke runs ---- */

static const char *const point_keys[] = {
	"workload", "kind", "backend", "variant", "threads", "procs", "reps",
	"iterations", "duration", "ops", "secs", "expected", "actual", "lost",
	"ops_per_sec", "ops_per_sec_min", "ops_per_sec_max", "ns_per_op", "ok",
	"warmup_s", "warmup_ops", "keys", "dist", "read_pct", "seed", NULL,
};

static const char *const ratio_keys[] = {
	"workload", "kind", "backend", "ratio", "of", "value", NULL,
};

/* gosync vs the fastest peer at one variant and thread count (compare.c) */
static const char *const best_peer_keys[] = {
	"workload", "kind", "backend", "ratio", "of", "value", "inverse",
	"variant", "threads", "procs", "ops_per_sec", "peer", "peer_variant",
	"peer_ops_per_sec", "ns_per_op", NULL,
};

#define BEST_PEER	"\"ratio\": \"gosync/best-peer\""
#define FLOOR_IOCTL	"\"variant\": \"enotty-ioctl\""
/* every best_peer workload measures it after its points (counter-bench before too) */
#define FLOOR_AFTER	"\"when\": \"after\""

/* Which keys a row of this kind must have; NULL for an unknown kind. */
static const char *const *keys_for(const char *line)
{
	if (strstr(line, "\"kind\": \"point\"") || strstr(line, "\"kind\": \"floor\""))
		return point_keys;
	if (strstr(line, "\"kind\": \"ratio\""))
		return strstr(line, BEST_PEER) ? best_peer_keys : ratio_keys;
	return NULL;
}

/* Run this binary with @args (space-separated) plus --json; capture stdout. */
static int run_json(const char *self, const char *name, const char *args,
		    char **out, size_t *len, int *status)
{
	char *copy = strdup(args), *save = NULL, *argv[40];
	int argc = 0, fd[2];
	FILE *mem = open_memstream(out, len);
	char buf[4096];
	ssize_t n;
	pid_t pid;

	argv[argc++] = (char *)self;
	argv[argc++] = (char *)name;
	for (char *t = strtok_r(copy, " ", &save); t && argc < 36;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc++] = "--json";
	argv[argc++] = "--no-progress";
	argv[argc] = NULL;
	if (!mem || pipe(fd) < 0) {
		free(copy);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(copy);
		return -1;
	}
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execv(self, argv);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			fwrite(buf, 1, (size_t)n, mem);
	close(fd[0]);
	fclose(mem);
	free(copy);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * @want: NULL, or '|'-separated strings every point row must contain;
 * @best: the run must print the enotty-ioctl floor and gosync/best-peer
 * ratio rows, each of those with the floor's "floor_ns".
 */
static bool smoke_one(const char *self, const char *test,
		      const struct stress_workload *w, const char *args,
		      const char *want, bool best)
{
	const char *wl = w->name;
	char *out = NULL, *line, *save = NULL, why[128];
	unsigned int lineno = 0, points = 0, floors = 0, bests = 0;
	size_t len = 0;
	double t0 = stress_now();
	int status;
	bool ok = true;

	if (run_json(self, wl, args, &out, &len, &status) < 0) {
		printf("# %s: cannot run: %s\n", test, strerror(errno));
		printf("not ok - stress:%s\n", test);
		free(out);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("# %s %s: exit status %d\n", wl, args,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		ok = false;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *const *keys = keys_for(line);

		lineno++;
		if (!keys) {
			printf("# %s line %u: unknown kind of row: %.80s\n", test,
			       lineno, line);
			ok = false;
			continue;
		}
		points += keys == point_keys;
		floors += keys == point_keys && strstr(line, FLOOR_IOCTL) &&
			  strstr(line, FLOOR_AFTER);
		bests += keys == best_peer_keys;
		if (best && keys == best_peer_keys && !strstr(line, "\"floor_ns\": ")) {
			printf("# %s line %u: no floor_ns: %.80s\n", test, lineno, line);
			ok = false;
		}
		if (json_check(line, keys, why, sizeof(why)) < 0 ||
		    (keys == point_keys && strstr(line, "\"kind\": \"point\"") &&
		     json_check(line, w->keys, why, sizeof(why)) < 0)) {
			printf("# %s line %u: %s: %.80s\n", test, lineno, why, line);
			ok = false;
		}
		/* floors are not the workload's points: no keys, no mix */
		for (const char *q = want; keys == point_keys && q && *q &&
		     strstr(line, "\"kind\": \"point\"");) {
			size_t n = strcspn(q, "|");
			char sub[96];

			snprintf(sub, sizeof(sub), "%.*s", (int)n, q);
			if (!strstr(line, sub)) {
				printf("# %s line %u: no %s: %.80s\n", test, lineno,
				       sub, line);
				ok = false;
			}
			q += n + !!q[n];
		}
	}
	if (!points) {
		printf("# %s: no point rows\n", test);
		ok = false;
	}
	if (best && floors != 1) {
		printf("# %s: %u enotty-ioctl floor rows after the points, want 1\n",
		       test, floors);
		ok = false;
	}
	if (best && !bests) {
		printf("# %s: no gosync/best-peer ratio rows\n", test);
		ok = false;
	}
	/* what each costs make check under TCG */
	printf("# %s: %.1f s\n", test, stress_now() - t0);
	printf("%s - stress:%s\n", ok ? "ok" : "not ok", test);
	fflush(stdout);
	free(out);
	return ok;
}

static const struct {
	const char *test;
	const struct stress_workload *wl;
	const char *args, *want;
} shaped[] = {
	{ "map-bench-shape", &wl_map_bench,
	  "--variant mix,mix-90-10 --mode all --threads 1,2 --duration 0.02 "
	  "--warmup 0.02 --dist zipf:0.9 --keys 100 --read-pct 80 --seed 7",
	  "\"warmup_s\": 0.02|\"keys\": 100|\"dist\": \"zipf\"|\"seed\": 7" },
	{ "map-bench-uniform", &wl_map_bench,
	  "--variant mix --mode peers --threads 2 --iterations 500 --keys 10 "
	  "--dist uniform --read-pct 0",
	  "\"keys\": 10|\"dist\": \"uniform\"|\"read_pct\": 0" },
	{ "lock-bench-shape", &wl_lock_bench,
	  "--variant rw-mix,mutex,wg-round --threads 1,2 --duration 0.02 "
	  "--warmup 0.02 --read-pct 70", "\"warmup_s\": 0.02" },
	{ "lock-bench-shape-procs", &wl_lock_bench,
	  "--variant rw-mix,wg-round --threads 2 --iterations 300 --warmup 0.02 "
	  "--read-pct 30 --procs", "\"warmup_s\": 0.02" },
	{ "lost-update-warmup", &wl_lost_update,
	  "--threads 2 --iterations 200 --mode all,peers --warmup 0.01 --procs",
	  "\"warmup_s\": 0.01|\"dist\": \"none\"" },
	{ "gobyexample-keys", &wl_gobyexample,
	  "--duration 0.05 --backend rcu --keys 20 --dist zipf",
	  "\"keys\": 20|\"dist\": \"zipf\"" },
	/* fixed programs whose parties may be processes, objects by fd */
	{ "producer-consumer-procs", &wl_producer_consumer,
	  "--iterations 3 --procs", "\"procs\": true" },
	{ "stateful-procs", &wl_stateful, "--duration 0.05 --procs --keys 7",
	  "\"procs\": true|\"keys\": 7" },
};

int stress_smoke(const char *argv0, const struct stress_workload *const *wls)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char args[256], test[128];
	bool ok = true;

	if (n > 0)
		self[n] = '\0';
	else
		snprintf(self, sizeof(self), "%s", argv0);
	for (const struct stress_workload *const *w = wls; *w; w++) {
		ok &= smoke_one(self, (*w)->name, *w, (*w)->smoke_args, NULL,
				(*w)->best_peer);
		/* the same with forked workers, sharing objects by fd */
		if ((*w)->fixed_threads || (*w)->threads_only)
			continue;
		snprintf(args, sizeof(args), "%s --procs", (*w)->smoke_args);
		snprintf(test, sizeof(test), "%s-procs", (*w)->name);
		ok &= smoke_one(self, test, *w, args, NULL, (*w)->best_peer);
	}
	/* warm-up, key distribution, read/write mix, seed: each in a point row */
	for (size_t i = 0; i < ARRAY_SIZE(shaped); i++)
		ok &= smoke_one(self, shaped[i].test, shaped[i].wl, shaped[i].args,
				shaped[i].want, false);
	ok &= stress_torture_smoke(self);
	return ok ? 0 : 1;
}
