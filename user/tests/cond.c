// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: Cond (Go's sync.Cond over a gosync Mutex). Ports of Go's
 * TestCondSignal, TestCondSignalGenerations, TestCondBroadcast, TestRace and
 * TestCondSignalStealing, with each goroutine a thread holding its own open
 * file descriptions; then what the kernel adds: Wait across processes, a
 * waiter killed mid-wait, the relock after a timeout, the Cond keeping its
 * Mutex alive, and the argument checks.
 */
#include <sys/ioctl.h>

#include "sync_util.h"

static int dev;

/* One goroutine's view: its own descriptions of the Mutex and the Cond. */
struct gr {
	int m, c;
};

static int gr_open(struct gr *g, const char *mname, const char *cname)
{
	g->m = reopen(dev, mname);
	g->c = reopen(dev, cname);
	return g->m < 0 || g->c < 0 ? -1 : 0;
}

static void gr_close(struct gr *g)
{
	close(g->m);
	close(g->c);
}

/* A named Mutex and a named Cond over it */
static int make_pair(char *mname, char *cname, const char *tag)
{
	char t[32];
	int m, c;

	snprintf(t, sizeof(t), "%s-m", tag);
	m = gosync_mutex_create(dev, tap_name(mname, t), 0, 0);
	if (m < 0)
		return -1;
	snprintf(t, sizeof(t), "%s-c", tag);
	c = gosync_cond_create(dev, tap_name(cname, t), 0, m);
	close(m);
	return c;
}

/* The waiters asleep in the Cond, from its fdinfo */
static int nr_waiters(int cfd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", cfd);
	f = open(path, O_RDONLY);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "cond-waiters:\t");
	return p ? atoi(p + strlen("cond-waiters:\t")) : -1;
}

/* Wait until @n waiters sleep in the Cond; false after LIVENESS_NS */
static bool waiters_are(int cfd, int n)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (nr_waiters(cfd) != n)
		if (now_ns() > end)
			return false;
		else
			sleep_ns(MS);
	return true;
}

/* ---- TestCondSignal ---- */

#define N_WAITERS	4

struct signal_test {
	const char *mname, *cname;
	atomic_int running, awake, errors;
};

static void *signal_waiter(void *p)
{
	struct signal_test *s = p;
	struct gr g;

	if (gr_open(&g, s->mname, s->cname) < 0 || gosync_mutex_lock(g.m, -1) < 0) {
		atomic_fetch_add(&s->errors, 1);
		return NULL;
	}
	atomic_fetch_add(&s->running, 1);
	if (gosync_cond_wait(g.c, g.m, LIVENESS_NS) < 0)
		atomic_fetch_add(&s->errors, 1);
	atomic_fetch_add(&s->awake, 1);
	if (gosync_mutex_unlock(g.m) < 0)
		atomic_fetch_add(&s->errors, 1);
	gr_close(&g);
	return NULL;
}

static bool wait_count(atomic_int *v, int want)
{
	int64_t end = now_ns() + LIVENESS_NS;

	while (atomic_load(v) < want)
		if (now_ns() > end)
			return false;
		else
			sleep_ns(MS);
	return true;
}

static bool t_signal(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "sig"));
	struct signal_test s = { .mname = mname, .cname = cname };
	pthread_t t[N_WAITERS];
	struct gr g;

	CHECK_OK(gr_open(&g, mname, cname));
	for (int i = 0; i < N_WAITERS; i++)
		CHECK(!pthread_create(&t[i], NULL, signal_waiter, &s), "pthread_create");
	CHECK(wait_count(&s.running, N_WAITERS), "waiters did not start");
	for (int n = N_WAITERS; n > 0; n--) {
		int before = atomic_load(&s.awake);

		/* Locking shows the waiter that said "running" is asleep in Wait */
		CHECK_RET(gosync_mutex_lock(g.m, -1), 0);
		CHECK_EQ(atomic_load(&s.awake), before);	/* "goroutine not asleep" */
		CHECK_RET(gosync_cond_signal(g.c), 0);
		CHECK_RET(gosync_mutex_unlock(g.m), 0);
		CHECK(wait_count(&s.awake, before + 1), "Signal woke nobody");
		sleep_ns(5 * MS);
		CHECK_EQ(atomic_load(&s.awake), before + 1);	/* "too many goroutines awake" */
	}
	CHECK_RET(gosync_cond_signal(c), 0);	/* nobody waits: lost, harmless */
	for (int i = 0; i < N_WAITERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&s.errors), 0);
	gr_close(&g);
	close(c);
	return true;
}

/* ---- TestCondSignalGenerations: a Signal wakes the oldest waiter ---- */

struct gen_waiter {
	const char *mname, *cname;
	int i;
	atomic_int *running;
	atomic_int *woke_order;	/* which i woke, in order */
	atomic_int *nwoke;
	int err;
};

static void *gen_thread(void *p)
{
	struct gen_waiter *w = p;
	struct gr g;

	if (gr_open(&g, w->mname, w->cname) < 0 || gosync_mutex_lock(g.m, -1) < 0) {
		w->err = errno;
		return NULL;
	}
	atomic_fetch_add(w->running, 1);
	if (gosync_cond_wait(g.c, g.m, LIVENESS_NS) < 0)
		w->err = errno;
	w->woke_order[atomic_fetch_add(w->nwoke, 1)] = w->i;
	gosync_mutex_unlock(g.m);
	gr_close(&g);
	return NULL;
}

static bool t_generations(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "gen"));
	atomic_int running = 0, nwoke = 0, order[8];
	struct gen_waiter w[8];
	pthread_t t[8];
	struct gr g;

	CHECK_OK(gr_open(&g, mname, cname));
	for (int i = 0; i < 8; i++) {
		w[i] = (struct gen_waiter){ mname, cname, i, &running, order, &nwoke, 0 };
		CHECK(!pthread_create(&t[i], NULL, gen_thread, &w[i]), "pthread_create");
		CHECK(wait_count(&running, i + 1), "waiter %d did not start", i);
		/* our Lock returns once waiter i is queued in Wait */
		CHECK_RET(gosync_mutex_lock(g.m, -1), 0);
		CHECK_RET(gosync_mutex_unlock(g.m), 0);
		if (i % 2) {
			/* one Signal: the oldest waiter wakes, not the newest */
			CHECK_RET(gosync_cond_signal(g.c), 0);
			CHECK(wait_count(&nwoke, (i + 1) / 2), "Signal woke nobody");
		}
	}
	CHECK_RET(gosync_cond_broadcast(g.c), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].err, 0);
	}
	/* the 4 Signals woke 0, 1, 2, 3 in that order */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(order[i], i);
	gr_close(&g);
	close(c);
	return true;
}

/* ---- TestCondBroadcast: rounds of "every waiter, exactly once" ---- */

#define BC_N		5
#define BC_ROUNDS	20

struct bc {
	const char *mname, *cname;
	atomic_int *running, *awake, *errors;
};

static void *bc_thread(void *p)
{
	struct bc *b = p;
	struct gr g;

	if (gr_open(&g, b->mname, b->cname) < 0) {
		atomic_fetch_add(b->errors, 1);
		return NULL;
	}
	for (int i = 0; i < BC_ROUNDS; i++) {
		if (gosync_mutex_lock(g.m, -1) < 0)
			atomic_fetch_add(b->errors, 1);
		atomic_fetch_add(&b->running[i], 1);
		if (gosync_cond_wait(g.c, g.m, LIVENESS_NS) < 0)
			atomic_fetch_add(b->errors, 1);
		atomic_fetch_add(&b->awake[i], 1);
		gosync_mutex_unlock(g.m);
	}
	gr_close(&g);
	return NULL;
}

static bool t_broadcast(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "bc"));
	atomic_int running[BC_ROUNDS] = { 0 }, awake[BC_ROUNDS] = { 0 }, errors = 0;
	struct bc b[BC_N];
	pthread_t t[BC_N];
	struct gr g;

	CHECK_OK(gr_open(&g, mname, cname));
	for (int i = 0; i < BC_N; i++) {
		b[i] = (struct bc){ mname, cname, running, awake, &errors };
		CHECK(!pthread_create(&t[i], NULL, bc_thread, &b[i]), "pthread_create");
	}
	for (int r = 0; r < BC_ROUNDS; r++) {
		CHECK(wait_count(&running[r], BC_N), "round %d: waiters did not start", r);
		CHECK_RET(gosync_mutex_lock(g.m, -1), 0);	/* all queued now */
		CHECK_EQ(atomic_load(&awake[r]), 0);
		CHECK_RET(gosync_cond_broadcast(g.c), 0);
		CHECK_RET(gosync_mutex_unlock(g.m), 0);
		CHECK(wait_count(&awake[r], BC_N), "round %d: Broadcast missed a waiter", r);
	}
	for (int i = 0; i < BC_N; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&errors), 0);
	gr_close(&g);
	close(c);
	return true;
}

/* ---- TestRace: three goroutines hand x around under the Mutex ---- */

struct race {
	const char *mname, *cname;
	int *x;			/* guarded by the gosync Mutex */
	int me, next;
	atomic_int *errors;
};

static void *race_thread(void *p)
{
	struct race *r = p;
	struct gr g;

	if (gr_open(&g, r->mname, r->cname) < 0) {
		atomic_fetch_add(r->errors, 1);
		return NULL;
	}
	for (int i = 0; i < 50; i++) {
		gosync_mutex_lock(g.m, -1);
		while (*r->x != r->me)
			if (gosync_cond_wait(g.c, g.m, LIVENESS_NS) < 0) {
				atomic_fetch_add(r->errors, 1);
				break;
			}
		*r->x = r->next;
		gosync_cond_broadcast(g.c);
		gosync_mutex_unlock(g.m);
	}
	gr_close(&g);
	return NULL;
}

static bool t_race(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "race"));
	atomic_int errors = 0;
	int x = 0;
	struct race r[3];
	pthread_t t[3];

	for (int i = 0; i < 3; i++) {
		r[i] = (struct race){ mname, cname, &x, i, (i + 1) % 3, &errors };
		CHECK(!pthread_create(&t[i], NULL, race_thread, &r[i]), "pthread_create");
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(atomic_load(&errors), 0);
	CHECK_EQ(x, 0);		/* 150 hand-offs: back to the first */
	close(c);
	return true;
}

/*
 * TestCondSignalStealing: a Signal sent while a waiter is queued wakes it,
 * even if another Wait starts before the woken one runs.
 */
static int steal_wait(void *p)
{
	struct gr *g = p;
	int ret;

	if (gosync_mutex_lock(g->m, -1) < 0)
		return -1;
	ret = gosync_cond_wait(g->c, g->m, LIVENESS_NS);
	gosync_mutex_unlock(g->m);
	return ret;
}

static int steal_wait_short(void *p)
{
	struct gr *g = p;
	int ret;

	if (gosync_mutex_lock(g->m, -1) < 0)
		return -1;
	ret = gosync_cond_wait(g->c, g->m, 200 * MS);
	gosync_mutex_unlock(g->m);
	return ret;
}

static bool t_signal_stealing(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "steal"));
	struct gr main_g, a, b;
	struct bg ba, bb;

	CHECK_OK(gr_open(&main_g, mname, cname));
	CHECK_OK(gr_open(&a, mname, cname));
	CHECK_OK(gr_open(&b, mname, cname));
	for (int round = 0; round < 10; round++) {
		CHECK_OK(bg_start(&ba, steal_wait, &a));
		CHECK(waiters_are(c, 1), "round %d: the waiter did not sleep", round);
		/* Signal and, before the woken one can run, queue another Wait */
		CHECK_RET(gosync_mutex_lock(main_g.m, -1), 0);
		CHECK_RET(gosync_cond_signal(main_g.c), 0);
		CHECK_OK(bg_start(&bb, steal_wait_short, &b));
		CHECK_RET(gosync_mutex_unlock(main_g.m), 0);
		CHECK(bg_wait(&ba, LIVENESS_NS), "round %d: the signaled waiter was not woken",
		      round);
		CHECK_EQ(ba.err, 0);
		/* the later Wait is not woken by the earlier Signal */
		CHECK(bg_wait(&bb, LIVENESS_NS), "the later waiter hung");
		CHECK_EQ(bb.err, ETIMEDOUT);
	}
	gr_close(&a);
	gr_close(&b);
	gr_close(&main_g);
	close(c);
	return true;
}

/* ---- across processes, and a waiter killed mid-wait ---- */

static const char *child_m, *child_c;

static int child_wait(void *arg)
{
	int *p = arg;
	struct gr g;
	char ch = 'W';
	int ret;

	if (gr_open(&g, child_m, child_c) < 0 || gosync_mutex_lock(g.m, -1) < 0)
		return 10;
	if (write(p[1], &ch, 1) != 1)
		return 11;
	ret = gosync_cond_wait(g.c, g.m, LIVENESS_NS);
	if (ret < 0)
		return 12;
	/* woken, and the Mutex is ours again */
	if (gosync_mutex_unlock(g.m) < 0)
		return 13;
	return 0;
}

static bool t_processes(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "proc"));
	struct gr g;
	char ch;
	int p[2];
	pid_t woken, killed;

	CHECK_OK(gr_open(&g, mname, cname));
	CHECK_OK(pipe(p));
	child_m = mname;
	child_c = cname;
	woken = spawn(child_wait, p);
	killed = spawn(child_wait, p);
	CHECK(read(p[0], &ch, 1) == 1 && read(p[0], &ch, 1) == 1, "children did not start");
	CHECK(waiters_are(c, 2), "the children did not sleep");
	/* kill one waiter: it leaves the queue and never takes the Mutex */
	kill(killed, SIGKILL);
	CHECK_EQ(reap(killed), 128 + SIGKILL);
	CHECK_EQ(nr_waiters(c), 1);
	CHECK_RET(gosync_mutex_trylock(g.m), 0);
	CHECK_RET(gosync_cond_signal(g.c), 0);
	CHECK_RET(gosync_mutex_unlock(g.m), 0);
	CHECK_EQ(reap(woken), 0);
	CHECK_EQ(nr_waiters(c), 0);
	close(p[0]);
	close(p[1]);
	gr_close(&g);
	close(c);
	return true;
}

/*
 * The relock finds the robust holder dead: a process locks the Mutex (its
 * own description), signals the Cond and is SIGKILLed holding the Mutex,
 * while the woken Wait queues for it. The Wait returns EOWNERDEAD with the
 * Mutex held through its description (docs/uapi.md, Cond; libgosync(3)).
 */
static int child_lock_signal_hang(void *arg)
{
	int *p = arg;
	struct gr g;
	char ch = 'S';

	if (gr_open(&g, child_m, child_c) < 0 || gosync_mutex_lock(g.m, LIVENESS_NS) < 0 ||
	    gosync_cond_signal(g.c) < 0)
		ch = 'E';
	if (write(p[1], &ch, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static struct gr owner_dead_g;

static int owner_dead_wait(void *arg)
{
	(void)arg;
	if (gosync_mutex_lock(owner_dead_g.m, -1) < 0)
		return -1;
	return gosync_cond_wait(owner_dead_g.c, owner_dead_g.m, LIVENESS_NS);
}

static bool t_relock_owner_dead(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "odead"));
	struct gosync_info info;
	struct gr other;
	struct bg b;
	char ch = 0;
	int p[2];
	pid_t killed;

	CHECK_OK(gr_open(&owner_dead_g, mname, cname));
	CHECK_OK(gr_open(&other, mname, cname));
	CHECK_OK(pipe(p));
	child_m = mname;
	child_c = cname;
	CHECK_OK(bg_start(&b, owner_dead_wait, NULL));
	CHECK(waiters_are(c, 1), "the Wait did not sleep");
	killed = spawn(child_lock_signal_hang, p);
	CHECK(killed > 0, "fork");
	CHECK(read(p[0], &ch, 1) == 1 && ch == 'S', "the child did not lock and signal ('%c')",
	      ch);
	/* signalled: the Wait now sleeps in its relock, behind the child */
	CHECK(wait_queued(other.m, 1), "the woken Wait never queued for the Mutex");
	CHECK_EQ(atomic_load(&b.done), 0);
	kill(killed, SIGKILL);
	CHECK_EQ(reap(killed), 128 + SIGKILL);
	CHECK(bg_wait(&b, LIVENESS_NS), "the Wait did not return after the holder died");
	CHECK(b.err == EOWNERDEAD, "Wait: %s, expected EOWNERDEAD", errname(b.err));
	/* held, through the waiter's description */
	CHECK_RET(gosync_mutex_trylock(other.m), EBUSY);
	CHECK_RET(gosync_mutex_unlock(owner_dead_g.m), 0);
	/* told once: the next locker gets a plain lock */
	CHECK_RET(gosync_mutex_trylock(other.m), 0);
	CHECK_RET(gosync_mutex_unlock(other.m), 0);
	CHECK_OK(gosync_info(other.m, &info));
	CHECK_EQ(info.stats[GOSYNC_STAT_OWNER_DEAD], 1);
	close(p[0]);
	close(p[1]);
	gr_close(&other);
	gr_close(&owner_dead_g);
	close(c);
	return true;
}

/* Wait gives up at its deadline, interrupted or not, with the Mutex locked */
static bool t_relock(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "relock"));
	struct gr g, other;
	int64_t t0;

	CHECK_OK(gr_open(&g, mname, cname));
	CHECK_OK(gr_open(&other, mname, cname));
	/* Go: "sync: unlock of unlocked mutex" */
	CHECK_RET(gosync_cond_wait(g.c, g.m, -1), EPERM);
	CHECK_RET(gosync_mutex_lock(g.m, -1), 0);
	t0 = now_ns();
	CHECK_RET(gosync_cond_wait(g.c, g.m, 20 * MS), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 20 * MS, "returned before its deadline");
	CHECK_RET(gosync_mutex_trylock(other.m), EBUSY);	/* locked again */
	CHECK_RET(gosync_mutex_unlock(g.m), 0);
	CHECK_RET(gosync_mutex_trylock(other.m), 0);
	CHECK_RET(gosync_mutex_unlock(other.m), 0);
	gr_close(&other);
	gr_close(&g);
	close(c);
	return true;
}

/*
 * A Wait with an absolute deadline is not restarted after a signal, even by
 * an SA_RESTART handler (made again it would be a new Wait that could miss
 * a Broadcast made while it relocked): EINTR, the Mutex locked again.
 */
static struct gr abs_g;

static int abs_wait(void *arg)
{
	struct gosync_cond_cmd cmd = {
		.size = sizeof(cmd), .op = GOSYNC_COND_WAIT, .mutex_fd = abs_g.m,
		.flags = GOSYNC_WAIT_ABSTIME, .timeout_ns = ~0ULL,
	};

	(void)arg;
	return ioctl(abs_g.c, GOSYNC_IOC_COND, &cmd);
}

static bool t_not_restarted(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX];
	int c = CHECK_OK(make_pair(mname, cname, "norestart"));
	struct gr other;
	struct bg b;

	CHECK_OK(gr_open(&abs_g, mname, cname));
	CHECK_OK(gr_open(&other, mname, cname));
	install_sigusr1(true);
	CHECK_RET(gosync_mutex_lock(abs_g.m, -1), 0);
	CHECK_OK(bg_start(&b, abs_wait, NULL));
	CHECK(waiters_are(c, 1), "the Wait did not sleep");
	CHECK(bg_interrupt(&b), "an SA_RESTART signal did not end the Wait");
	install_sigusr1(false);
	CHECK_EQ(b.err, EINTR);
	CHECK_RET(gosync_mutex_trylock(other.m), EBUSY);	/* locked again */
	CHECK_RET(gosync_mutex_unlock(abs_g.m), 0);
	gr_close(&other);
	gr_close(&abs_g);
	close(c);
	return true;
}

/* The Cond keeps its Mutex: every Mutex fd closed, the Cond still works */
/*
 * A Wait signalled while another holds the Mutex sleeps in its relock, which
 * only a fatal signal ends; the system freezer (suspend) must still be able
 * to freeze it: pm_test's "freezer" level freezes every task but us and
 * thaws them again. Then the relock goes on when the Mutex is unlocked.
 */
struct relock_waiter {
	struct gr g;
	atomic_int ret;
};

static void *relock_waiter(void *p)
{
	struct relock_waiter *w = p;

	if (gosync_mutex_lock(w->g.m, -1) < 0) {
		atomic_store(&w->ret, -2);
		return NULL;
	}
	atomic_store(&w->ret, gosync_cond_wait(w->g.c, w->g.m, -1) < 0 ? errno : 0);
	gosync_mutex_unlock(w->g.m);
	return NULL;
}

static bool freezer_skipped;

static bool t_relock_freezes(void)
{
	char mname[GOSYNC_NAME_MAX], cname[GOSYNC_NAME_MAX], level[64] = "", delay[16] = "";
	struct relock_waiter w = { .ret = -1 };
	int c;
	struct gr main_g;
	pthread_t t;
	bool frozen;

	if (access("/sys/power/pm_test", W_OK) || access("/sys/power/state", W_OK)) {
		printf("ok - e2e:cond-relock-freezable # SKIP no /sys/power/pm_test\n");
		freezer_skipped = true;
		return true;
	}
	c = CHECK_OK(make_pair(mname, cname, "freeze"));
	CHECK_OK(gr_open(&w.g, mname, cname));
	CHECK_OK(gr_open(&main_g, mname, cname));
	CHECK(!pthread_create(&t, NULL, relock_waiter, &w), "pthread_create");
	CHECK(waiters_are(c, 1), "the waiter never slept in the Cond");
	CHECK_RET(gosync_mutex_lock(main_g.m, -1), 0);
	CHECK_RET(gosync_cond_signal(main_g.c), 0);
	/* now it sleeps in the relock, behind us */
	CHECK(wait_queued(main_g.m, 1), "the waiter never queued to relock");
	CHECK_EQ(atomic_load(&w.ret), -1);
	tap_read_file("/sys/power/pm_test", level, sizeof(level));
	tap_read_file("/sys/module/suspend/parameters/pm_test_delay", delay, sizeof(delay));
	tap_write_file("/sys/power/pm_test", "freezer");
	tap_write_file("/sys/module/suspend/parameters/pm_test_delay", "0");
	frozen = tap_write_file("/sys/power/state", "freeze");
	if (!frozen)
		printf("# writing freeze: %s\n", tap_errname(errno));
	tap_write_file("/sys/power/pm_test", "none");
	if (delay[0])
		tap_write_file("/sys/module/suspend/parameters/pm_test_delay", delay);
	CHECK(frozen, "the freezer could not freeze the relocking waiter");
	CHECK_EQ(atomic_load(&w.ret), -1);		/* still relocking */
	CHECK_RET(gosync_mutex_unlock(main_g.m), 0);
	pthread_join(t, NULL);
	CHECK_EQ(atomic_load(&w.ret), 0);
	gr_close(&main_g);
	gr_close(&w.g);
	close(c);
	return true;
}

static bool t_keeps_mutex(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int c = CHECK_OK(gosync_cond_create(dev, NULL, 0, m));
	struct gosync_info info;

	close(m);
	CHECK_RET(gosync_cond_signal(c), 0);
	CHECK_RET(gosync_cond_broadcast(c), 0);
	CHECK_OK(gosync_info(c, &info));
	CHECK_EQ(info.type, GOSYNC_TYPE_COND);
	CHECK_EQ(info.stats[GOSYNC_STAT_COND_SIGNALS], 1);
	CHECK_EQ(info.stats[GOSYNC_STAT_COND_BROADCASTS], 1);
	close(c);
	return true;
}

static bool t_einval(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int m2 = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, NULL, 0, 0));
	struct gosync_create cr = { .type = GOSYNC_TYPE_COND, .cond = { .mutex_fd = m } };
	struct gosync_cond_cmd cmd;
	int c;

	CHECK_ERRNO(gosync_cond_create(dev, NULL, 0, rw), EINVAL, true);
	CHECK_ERRNO(gosync_cond_create(dev, NULL, 0, dev), EINVAL, true);
	CHECK_ERRNO(gosync_cond_create(dev, NULL, 0, -1), EBADF, true);
	cr.cond.flags = 1;
	CHECK_ERRNO(gosync_create(dev, &cr), EINVAL, true);
	cr.cond.flags = 0;
	cr.cond.__reserved = 1;
	CHECK_ERRNO(gosync_create(dev, &cr), EINVAL, true);
	cr.cond.__reserved = 0;
	c = CHECK_OK(gosync_create(dev, &cr));

	CHECK_RET(gosync_mutex_lock(m, -1), 0);
	CHECK_RET(gosync_cond_wait(c, m2, 0), EINVAL);	/* another Mutex */
	CHECK_RET(gosync_cond_wait(c, rw, 0), EINVAL);
	CHECK_RET(gosync_cond_wait(c, 9999, 0), EBADF);
	CHECK_RET(gosync_mutex_trylock(m), EBUSY);	/* nothing unlocked it */
	CHECK_RET(gosync_mutex_unlock(m), 0);
	cmd = (struct gosync_cond_cmd){ .size = sizeof(cmd), .op = GOSYNC_COND_SIGNAL,
					.mutex_fd = m };
	CHECK_ERRNO(ioctl(c, GOSYNC_IOC_COND, &cmd), EINVAL, false);
	cmd = (struct gosync_cond_cmd){ .size = sizeof(cmd), .op = GOSYNC_COND_BROADCAST,
					.flags = GOSYNC_WAIT_TIMEOUT };
	CHECK_ERRNO(ioctl(c, GOSYNC_IOC_COND, &cmd), EINVAL, false);
	cmd = (struct gosync_cond_cmd){ .size = sizeof(cmd), .op = 4 };
	CHECK_ERRNO(ioctl(c, GOSYNC_IOC_COND, &cmd), EINVAL, false);
	cmd = (struct gosync_cond_cmd){ .size = sizeof(cmd), .op = GOSYNC_COND_SIGNAL,
					.__reserved = 1 };
	CHECK_ERRNO(ioctl(c, GOSYNC_IOC_COND, &cmd), EINVAL, false);
	/* a Cond has nothing to be ready for: not pollable, no wait cases */
	{
		struct gosync_wait_case wc = { .fd = c, .op = GOSYNC_CASE_LOCK };

		CHECK_RET(gosync_wait(dev, &wc, 1, 0, 0, NULL), EINVAL);
	}
	close(c);
	close(rw);
	close(m2);
	close(m);
	return true;
}

int main(void)
{
	bool ok;

	dev = tap_dev("cond");
	install_sigusr1(false);
	tap_report(t_signal(), "cond-signal");
	tap_report(t_generations(), "cond-signal-generations");
	tap_report(t_broadcast(), "cond-broadcast");
	tap_report(t_race(), "cond-race");
	tap_report(t_signal_stealing(), "cond-signal-stealing");
	tap_report(t_processes(), "cond-processes-and-a-killed-waiter");
	tap_report(t_relock_owner_dead(), "cond-relock-owner-dead");
	tap_report(t_relock(), "cond-relock-after-timeout");
	tap_report(t_not_restarted(), "cond-abstime-wait-not-restarted");
	ok = t_relock_freezes();
	if (!freezer_skipped)
		tap_report(ok, "cond-relock-freezable");
	tap_report(t_keeps_mutex(), "cond-keeps-its-mutex");
	tap_report(t_einval(), "cond-einval");
	return tap_done(dev, "cond");
}
