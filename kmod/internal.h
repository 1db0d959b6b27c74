/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosync internal API.
 *
 * Layers, each using only the ones below it:
 *   main.c       module init/exit, the misc device
 *   dispatch.c   the type registry; the generic ioctl path (copy in, size
 *                checks, handler); /dev/gosync's commands, INFO and BATCH
 *   file.c       an object's file: fd install, fops, fdinfo, fd lookup
 *   <type>_uapi.c  one per type: its struct gs_type and command handlers,
 *                the only code that knows both the type and the uapi
 *   object.c     the object model: refcounts, ids, names, owners, limits
 *   counter.c, mutex.c, rwmutex.c, waitgroup.c, once.c, map*.c
 *                the primitives: no user pointers, no ioctl knowledge
 *   deadlock.c   EDEADLK: the table of blocked lockers and the cycle walk
 *   lockstat.c   who holds a lock, contention counts, the tracepoint hooks
 *                (gosync_trace.h): used by the primitives, no user pointers
 *   torture.c    in-kernel stress (GOSYNC_TORTURE builds), a client of the
 *                primitives
 */
#ifndef _GOSYNC_INTERNAL_H
#define _GOSYNC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/poll.h>
#include <linux/ktime.h>
#include <linux/wait.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/rwsem.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <linux/gosync.h>

/*
 * A namespace's reference count: ns.count before 6.18, __ns_ref since, read
 * with ns_ref_read() (GS_HAVE_NS_REF_READ: Kbuild).
 */
#ifndef GS_HAVE_NS_REF_READ
#define ns_ref_read(__ns) refcount_read(&(__ns)->ns.count)
#endif

/*
 * Core symbols are exported only to the KUnit module, which tests them
 * directly. Same name and namespace as <kunit/visibility.h> in Linux 6.2+;
 * the namespace is a string since 6.13 (GS_HAVE_NS_STRINGS: Kbuild), a bare
 * word before, which EXPORT_SYMBOL_NS() and MODULE_IMPORT_NS() stringified.
 */
#ifdef GS_HAVE_NS_STRINGS
#define GS_KUNIT_NS "EXPORTED_FOR_KUNIT_TESTING"
#else
#define GS_KUNIT_NS EXPORTED_FOR_KUNIT_TESTING
#endif
#ifndef EXPORT_SYMBOL_IF_KUNIT
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym) EXPORT_SYMBOL_NS(sym, GS_KUNIT_NS)
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#endif
#endif

/*
 * Every allocation that outlives a request (objects, handles, map nodes,
 * values, tables) is charged to the caller's memory cgroup and may fail:
 * with __GFP_RETRY_MAYFAIL a charge past memory.max returns ENOMEM to the
 * caller after reclaim instead of invoking the memcg OOM killer, and the page
 * allocator does not OOM-kill for it either. Userspace asked; userspace gets
 * the error (as bpf_map_area_alloc() does for map memory).
 */
#define GOSYNC_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/**
 * struct gs_deadline - when a wait gives up, and what a signal does to it
 * @t: absolute time on @clock; KTIME_MAX: never
 * @clock: CLOCK_MONOTONIC or CLOCK_REALTIME
 * @sig_ret: what a pending signal ends the wait with: -ERESTARTSYS for an
 *	absolute deadline (made again, the call means the same, so even a
 *	handler with SA_RESTART restarts it); -ERESTARTNOHAND for none or a
 *	relative one (restarted only when no handler runs: an ignored signal,
 *	a stop and continue, task work; a handler makes it -EINTR; a relative
 *	one is restarted with what is left, see gs_ucmd_deadline()); -EINTR
 *	for waits made inside the kernel
 * @killable: only a fatal signal ends the wait (a Cond's relock)
 *
 * gs_ucmd_deadline() (dispatch.c) makes one from a command's flags and timeout.
 */
struct gs_deadline {
	ktime_t t;
	clockid_t clock;
	int sig_ret;
	bool killable;
};

/* No deadline, -EINTR on a signal: for KUnit and the torture threads. */
#define GS_FOREVER ((struct gs_deadline){ .t = KTIME_MAX, .clock = CLOCK_MONOTONIC, \
					  .sig_ret = -EINTR })

/* Forever, and only a fatal signal ends it: for what must be finished. */
#define GS_KILLABLE ((struct gs_deadline){ .t = KTIME_MAX, .clock = CLOCK_MONOTONIC, \
					   .sig_ret = -EINTR, .killable = true })

/*
 * The state a wait with @dl sleeps in. A killable one is also freezable:
 * the freezer's fake signal cannot end it, and a Cond's relock may wait for
 * good (a holder that never unlocks) holding no lock, so without this one
 * process could keep the system from suspending. Thawed, it wakes and
 * checks its condition again, as after any wake-up.
 */
static inline unsigned int gs_sleep_state(const struct gs_deadline *dl)
{
	return dl->killable ? TASK_KILLABLE | TASK_FREEZABLE : TASK_INTERRUPTIBLE;
}

int gs_sleep(const struct gs_deadline *dl);
int gs_wait_over(const struct gs_deadline *dl);

/* Would the call be made again? Then a call that did something must not be. */
static inline bool gs_restarts(int ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOHAND;
}

/*
 * A selection: a task waiting for one of several cases (GOSYNC_IOC_WAIT), or
 * for one (a plain channel Send or Recv). Whoever completes a case, the task
 * itself or a counterpart, first claims the selection for that case with
 * gs_sel_claim(); only one claim succeeds, so only one case completes.
 */
#define GS_SEL_NONE	(-1)
#define GS_SEL_CANCELED	INT_MAX
#define GS_SEL_BUSY	(INT_MAX - 1)	/* its owner's tentative claim */

struct gs_sel {
	struct task_struct *task;	/* the waiting task */
	atomic_t winner;		/* the completed case, GS_SEL_NONE until then */
	atomic_t woken;			/* a watched object changed (gs_sel_wake()) */
};

static inline void gs_sel_init(struct gs_sel *s)
{
	s->task = current;
	atomic_set(&s->winner, GS_SEL_NONE);
	atomic_set(&s->woken, 0);
}

/* Claim @s for case @index: true if nothing was claimed before. NULL: a plain call. */
static inline bool gs_sel_claim(struct gs_sel *s, int index)
{
	return !s || atomic_cmpxchg(&s->winner, GS_SEL_NONE, index) == GS_SEL_NONE;
}

/*
 * The owner's tentative claim of its own @s while it tries to pair a case
 * with a counterpart under a channel's lock; gs_sel_commit() or
 * gs_sel_unclaim() follows under that lock. A counterpart that finds @s
 * busy cannot know which, so it makes the owner try again (chan.c).
 */
static inline bool gs_sel_claim_busy(struct gs_sel *s)
{
	return !s || atomic_cmpxchg(&s->winner, GS_SEL_NONE, GS_SEL_BUSY) == GS_SEL_NONE;
}

static inline void gs_sel_commit(struct gs_sel *s, int index)
{
	if (s)
		atomic_set(&s->winner, index);
}

/* Undo our own claim of @s that we could not complete (its owner only). */
static inline void gs_sel_unclaim(struct gs_sel *s)
{
	if (s)
		atomic_set(&s->winner, GS_SEL_NONE);
}

/* Has a case of @s completed, or did its owner give up? (NULL: a plain call) */
static inline bool gs_sel_decided(struct gs_sel *s)
{
	int w = s ? atomic_read(&s->winner) : GS_SEL_NONE;

	return w != GS_SEL_NONE && w != GS_SEL_BUSY;
}

int gs_sel_sleep(struct gs_sel *s, const struct gs_deadline *dl);

/*
 * Tasks to wake once the lock is dropped, so a woken task never spins on
 * the lock its waker holds (the kernel's wake_q, which modules cannot use).
 * Each task is referenced until it is woken.
 */
#define GS_WAKE_MAX	16

struct gs_wake {
	unsigned int n;
	struct task_struct *task[GS_WAKE_MAX];
};

#define GS_WAKE_INIT { .n = 0 }

/* Room for one more? A caller that may add more must flush first. */
static inline bool gs_wake_full(const struct gs_wake *w)
{
	return w->n == GS_WAKE_MAX;
}

static inline void gs_wake_add(struct gs_wake *w, struct task_struct *t)
{
	if (WARN_ON_ONCE(gs_wake_full(w)))
		return;
	get_task_struct(t);
	w->task[w->n++] = t;
}

/* Wake them; no lock held. */
static inline void gs_wake_up(struct gs_wake *w)
{
	unsigned int i;

	for (i = 0; i < w->n; i++) {
		wake_up_process(w->task[i]);
		put_task_struct(w->task[i]);
	}
	w->n = 0;
}

int gs_sel_wake(struct wait_queue_entry *wqe, unsigned int mode, int sync, void *key);

/*
 * Optimistic spinning (as the kernel's mutex and rwsem do): a locker that
 * finds the lock held by a task that is running on another CPU spins for at
 * most GS_SPIN_NS before it queues and sleeps, because that holder will
 * likely unlock sooner than a sleep and a cross-CPU wake-up take.
 */
#define GS_SPIN_NS	(20 * NSEC_PER_USEC)

bool gs_spin_on_owner(spinlock_t *lock, struct task_struct **ownerp, ktime_t until);

/*
 * Record @task as a lock's owner_task, the hint gs_spin_on_owner() reads. It
 * holds a reference: a gosync lock outlives the thread that took it (the
 * lock belongs to an open file description). Called under the lock, which
 * is what a spinner takes to reference the task in turn; put_task_struct()
 * may be called in atomic context.
 */
static inline void gs_owner_task_set(struct task_struct **p, struct task_struct *task)
{
	struct task_struct *old = *p;

	if (task == old)
		return;
	if (task)
		get_task_struct(task);
	WRITE_ONCE(*p, task);
	if (old)
		put_task_struct(old);
}

/*
 * Sleepers released all at once (WaitGroup zero, Once settled), woken after
 * the object's lock is dropped, in batches of GS_WAKE_MAX. Release moves
 * every waiting sleeper to @released, so those that arrive while the batches
 * are woken wait for the next release. Both lists are under the object's
 * lock; a sleeper that gives up unqueues itself from whichever it is on.
 */
struct gs_sleeper {
	struct list_head node;		/* on gs_sleepers.waiting or .released */
	struct task_struct *task;
	bool woken;			/* dequeued by the waker; read locklessly */
};

struct gs_sleepers {
	struct list_head waiting;
	struct list_head released;
};

static inline void gs_sleepers_init(struct gs_sleepers *s)
{
	INIT_LIST_HEAD(&s->waiting);
	INIT_LIST_HEAD(&s->released);
}

bool gs_sleepers_wake_locked(struct gs_sleepers *s, bool release, struct gs_wake *wake);
void gs_sleepers_unlock_wake(struct gs_sleepers *s, spinlock_t *lock, bool release)
	__releases(lock);
int gs_sleeper_sleep(struct gs_sleeper *w, spinlock_t *lock, const struct gs_deadline *dl)
	__releases(lock);

/*
 * Per-CPU operation counts, struct gosync_info.stats[]: what each slot
 * counts depends on the type (enum gosync_counter_stat, ...). Every
 * primitive keeps its own and counts in its core functions, so INFO, the
 * torture runner and KUnit all see the same numbers.
 */
struct gs_stats {
	u64 n[GOSYNC_NR_STATS];
};

/* What an object of @size bytes with its per-CPU stats costs (object.c charges it). */
static inline unsigned long gs_obj_charge(size_t size)
{
	return kmalloc_size_roundup(size) + num_possible_cpus() * sizeof(struct gs_stats);
}

static inline struct gs_stats __percpu *gs_stats_alloc(void)
{
	return alloc_percpu_gfp(struct gs_stats, GOSYNC_GFP);
}

static inline void gs_stat_add(struct gs_stats __percpu *s, unsigned int i, u64 n)
{
	this_cpu_add(s->n[i], n);
}

void gs_stats_sum(struct gs_stats __percpu *s, u64 *sum);

/* Does a lock call's result @ret leave it held (0, or -EOWNERDEAD)? */
static inline bool gs_locked(int ret)
{
	return !ret || ret == -EOWNERDEAD;
}

/* Count a lock call's outcome (enum gosync_lock_stat) and pass it on. */
static inline int gs_lock_counted(struct gs_stats __percpu *s, int ret, unsigned int ok)
{
	switch (ret) {
	case -EOWNERDEAD:
		gs_stat_add(s, GOSYNC_STAT_OWNER_DEAD, 1);
		fallthrough;
	case 0:
		gs_stat_add(s, ok, 1);
		break;
	case -EBUSY:
		gs_stat_add(s, GOSYNC_STAT_BUSY, 1);
		break;
	case -ETIMEDOUT:
		gs_stat_add(s, GOSYNC_STAT_TIMEOUTS, 1);
		break;
	case -EINTR:
	case -ERESTARTSYS:
	case -ERESTARTNOHAND:
		gs_stat_add(s, GOSYNC_STAT_INTERRUPTS, 1);
		break;
	}
	return ret;
}

/* ---- counter.c ---- */

struct gs_counter_ops;

/**
 * struct gs_counter - a 64-bit counter with one synchronization mode
 * @ops: the mode's implementation
 * @mode: enum gosync_counter_mode
 * @racy_delay_ns: racy mode: spin between read and write of an update
 * @stats: per-CPU counts, enum gosync_counter_stat
 * @racy: racy mode: the value, with no synchronization at all
 * @atomic: atomic mode: the value, or where a mapped counter keeps it
 * @spin: spinlock mode: the value and the spinlock around it
 * @mutex: mutex mode: the value and the mutex around it
 * @rwsem: rwsem mode: the value and the rw_semaphore around it
 * @pcpu: percpu mode: a percpu_counter
 *
 * Only the union member of @mode is used.
 */
struct gs_counter {
	const struct gs_counter_ops *ops;
	u32 mode;
	u32 racy_delay_ns;
	struct gs_stats __percpu *stats;
	union {
		/* racy: no synchronization at all, on purpose */
		s64 racy;
		struct {
			atomic64_t value;
			/*
			 * &@value, or the shared word of a mapped counter
			 * (gs_counter_map()); set once, before it is visible
			 */
			atomic64_t *word;
		} atomic;
		struct {
			spinlock_t lock;	/* protects value */
			s64 value;
		} spin;
		struct {
			struct mutex lock;	/* protects value */
			s64 value;
		} mutex;
		struct {
			struct rw_semaphore sem; /* protects value; Load reads shared */
			s64 value;
		} rwsem;
		struct {
			/* its own lock serializes fold and sum */
			struct percpu_counter counter;
			/* serializes Store and Reset: each a sum and an add */
			struct mutex set_lock;
		} pcpu;
	};
};

bool gs_counter_mode_valid(u32 mode);
struct gs_counter *gs_counter_create(u32 mode, s64 initial,
				     u32 racy_delay_ns);
int gs_counter_map(struct gs_counter *c, s64 *word);
void gs_counter_destroy(struct gs_counter *c);
unsigned long gs_counter_cost(struct gs_counter *c);
int gs_counter_check_op(u32 op, u32 flags, s64 arg, s64 expected);
int gs_counter_value(struct gs_counter *c, s64 *val);
int gs_counter_do(struct gs_counter *c, u32 op, u32 flags, s64 arg,
		  s64 expected, s64 *result);

/*
 * Who acquired a lock or permits (INFO's holders): the thread group of the
 * task that did, referenced because the lock may outlive it, and its comm
 * at that moment. Under the lock of the object it describes. A Mutex's or
 * RWMutex writer's record outlives the lock until the next one or destroy
 * (it means something only while locked), so relocking costs no refcount.
 */
struct gs_who {
	struct pid *pid;
	char comm[TASK_COMM_LEN];
};

void gs_who_set(struct gs_who *w, struct task_struct *task);
void gs_who_clear(struct gs_who *w);
void gs_who_report(const struct gs_who *w, u32 flags, u64 count, struct gosync_state *st,
		   struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns);

/*
 * Would gs_who_report() still copy a next holder to @st or to @hs (room for
 * @cap)? Past that a state() counts the rest from its own count, without
 * walking its list, which is as long as its users make it.
 */
static inline bool gs_who_room(const struct gosync_state *st, unsigned int cap)
{
	return st->nr_holders < max_t(unsigned int, cap, GOSYNC_STATE_HOLDERS);
}

/* The thread group id of @w's task, for tracepoints (0 if none) */
static inline pid_t gs_who_nr(const struct gs_who *w)
{
	return w->pid ? pid_nr(w->pid) : 0;
}

/*
 * Contention of a lock (struct gosync_state's contended, wait_ns and
 * wait_hist), counted only by calls that had to wait: atomics, because a
 * granted waiter records its wait after it returned without the lock.
 * contended is the sum of @hist (gs_lockstat_read()).
 */
struct gs_lockstat {
	atomic64_t wait_ns;
	atomic64_t hist[GOSYNC_WAIT_HIST];
};

/* The wait_hist bucket of a wait of @ns: see struct gosync_state. */
static inline unsigned int gs_hist_bucket(u64 ns)
{
	if (ns < 1024)
		return 0;
	return min_t(unsigned int, fls64(ns) - 10, GOSYNC_WAIT_HIST - 1);
}

void gs_lockstat_add(struct gs_lockstat *ls, u64 ns);
void gs_lockstat_read(struct gs_lockstat *ls, struct gosync_state *st);

/* Tracepoint hooks (lockstat.c; see gosync_trace.h) */
u64 gs_contended_begin(u64 id, u32 type, u32 op, u64 count);
u64 gs_contended_end(struct gs_lockstat *ls, u64 id, u32 type, u32 op, u64 count,
		     u64 start, int ret);
void gs_trace_acquired(u64 id, u32 type, u32 op, u64 count, u64 wait_ns, int ret);
void gs_trace_released(u64 id, u32 type, u32 op, u64 count, int ret);
void gs_trace_owner_dead(u64 id, u32 type, pid_t pid, u64 count);
u64 gs_trace_wait_begin(u64 id, u32 type, u32 op);
void gs_trace_wait_end(u64 id, u32 type, u32 op, u64 start, int ret);

/*
 * Who holds a lock: one per open file description (struct gs_handle, file.c), or per test
 * thread in KUnit. Compared by address; the fields belong to the primitive.
 */
struct gs_holder {
	/* a mapped object's token for this description (state words); set once */
	u32 token;
	unsigned int rlocks;	/* RWMutex read locks held; under its lock */
	/*
	 * The one task that took every one of @rlocks, NULL if several did;
	 * with its start_time (a task at a reused address is another). Under
	 * the RWMutex's lock; only compared, never dereferenced. Deadlock
	 * detection's "this thread holds a read lock" (deadlock.c).
	 */
	const struct task_struct *rtask;
	u64 rtask_start;
	u64 permits;		/* Semaphore permits held (robust); under its lock */
	s64 wg_held;		/* WaitGroup Adds held (GOSYNC_WG_F_HOLD); under its lock */
	/*
	 * Who pays (per-user limits) for the channel messages sent through
	 * this description: its opener's entry, referenced; set once. So
	 * another user's sends, waiting or buffered, never use up the
	 * channel owner's limit. NULL: nobody (KUnit's holders).
	 */
	struct gs_user *user;
	/*
	 * On the RWMutex's readers or the robust Semaphore's holders while
	 * it holds read locks or permits, with who took them last (@who's
	 * pid referenced only then); under that object's lock.
	 */
	struct list_head node;
	struct gs_who who;
};

/*
 * The holder of a non-robust Mutex or write lock whose holder's description
 * closed (it stays locked, as in Go): never any open description, so one
 * that reuses the closed one's address is not taken for the holder.
 */
extern struct gs_holder gs_holder_closed;

/* ---- mutex.c ---- */

/**
 * struct gs_mutex_waiter - a place in a Mutex's FIFO
 * @node: in gs_mutex.waiters, under its lock; empty when not queued
 * @lnode: a Lock's (not a selection's): in gs_mutex.lockers while queued
 * @task: the waiting task
 * @holder: the open file description it locks for
 * @sel: a selection's LOCK case (gs_mutex_arm()), or NULL: a Lock
 * @index: @sel's case
 * @start: when it queued
 * @ret: granted: 0 or -EOWNERDEAD
 * @granted: handed the lock; a Lock reads it without the lock
 */
struct gs_mutex_waiter {
	struct list_head node;
	struct list_head lnode;
	struct task_struct *task;
	struct gs_holder *holder;
	struct gs_sel *sel;
	int index;
	ktime_t start;
	int ret;
	bool granted;
};

struct gs_mutex {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below */
	struct gs_holder *owner;	/* who locked it; NULL when unlocked */
	/* the task that locked it, referenced: gs_spin_on_owner()'s hint */
	struct task_struct *owner_task;
	struct list_head waiters;	/* FIFO of struct gs_mutex_waiter */
	/* the Locks of @waiters (not selections), in order: an Unlock wakes the first */
	struct list_head lockers;
	unsigned int nr_waiters;	/* Locks in @waiters (not selections) */
	bool starving;			/* Unlock hands off to the oldest waiter */
	bool owner_died;		/* tell the next locker: -EOWNERDEAD */
	bool robust;			/* release when the owner goes away */
	struct gs_who who;		/* who locked it, while locked */
	u32 who_token;			/* mapped: the token @who locked it with */
	/* mapped: Locks that took it past queued waiters since one of them did */
	unsigned int barged;
	/*
	 * Mapped (GOSYNC_CREATE_MAPPED): the state word in the shared page,
	 * which is then the truth about who holds it (@owner and @owner_task
	 * stay NULL). Userspace changes it only by compare-and-swap from 0 to
	 * a token and back; the kernel under @lock, atomically (mutex.c).
	 * Set once, before the mutex is visible.
	 */
	u32 *word;
	wait_queue_head_t wq;		/* pollers and waiting selections */
	atomic_t watchers;		/* the selections in @wq (gs_case_watch()) */
	struct gs_stats __percpu *stats; /* enum gosync_lock_stat */
	struct gs_lockstat lockstat;	/* contended Locks; atomic */
};

struct gs_mutex *gs_mutex_create(bool robust);
void gs_mutex_map(struct gs_mutex *m, u32 *word);
void gs_mutex_state(struct gs_mutex *m, struct gosync_state *st, struct gosync_holder *hs,
		    unsigned int cap, struct pid_namespace *ns);
void gs_mutex_destroy(struct gs_mutex *m);
int gs_mutex_lock(struct gs_mutex *m, struct gs_holder *h, const struct gs_deadline *dl);
int gs_mutex_trylock(struct gs_mutex *m, struct gs_holder *h);
int gs_mutex_unlock(struct gs_mutex *m);
void gs_mutex_give_back(struct gs_mutex *m, struct gs_holder *h, bool died);
void gs_mutex_settle(struct gs_mutex *m);
void gs_mutex_holder_gone(struct gs_mutex *m, struct gs_holder *h);
__poll_t gs_mutex_poll(struct gs_mutex *m, struct file *file, poll_table *pt);
int gs_mutex_try_case(struct gs_mutex *m, struct gs_holder *h, struct gs_sel *sel, int index,
		      struct gs_mutex_waiter *w);
int gs_mutex_arm(struct gs_mutex *m, struct gs_holder *h, struct gs_sel *sel, int index,
		 struct gs_mutex_waiter *w);
int gs_mutex_disarm(struct gs_mutex *m, struct gs_mutex_waiter *w);
bool gs_mutex_self_deadlock(struct gs_mutex *m, struct gs_holder *h);
bool gs_mutex_ready_locked(struct gs_mutex *m);
bool gs_mutex_holds_locked(struct gs_mutex *m, struct gs_holder *h);
int gs_mutex_take_ready_locked(struct gs_mutex *m, struct gs_holder *h,
			       struct gs_sel *sel, int index);

/* ---- rwmutex.c ---- */

/**
 * struct gs_rwmutex_waiter - a place in an RWMutex's FIFO
 * @node: in gs_rwmutex.waiters, under its lock; empty when not queued
 * @task: the waiting task
 * @holder: the open file description it locks for
 * @sel: a selection's LOCK or RLOCK case (gs_rwmutex_arm()), or NULL: a
 *	Lock or RLock
 * @index: @sel's case
 * @start: when it began to wait
 * @seq: its place in the queue (gs_rwmutex.qseq)
 * @writer: Lock, not RLock
 * @ret: granted: 0 or -EOWNERDEAD
 * @granted: an unlocker gave it the lock; a Lock reads it without the lock
 */
struct gs_rwmutex_waiter {
	struct list_head node;
	struct task_struct *task;
	struct gs_holder *holder;
	struct gs_sel *sel;
	int index;
	ktime_t start;
	u64 seq;
	bool writer;
	int ret;
	bool granted;
};

struct gs_rwmutex {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below, and holders' rlocks */
	struct gs_holder *writer;	/* write holder, or NULL */
	unsigned int readers;		/* read locks held, over all holders */
	unsigned int writers_waiting;	/* writers in @waiters: new readers wait */
	/* the last task that locked it, while held, referenced: a spinning hint */
	struct task_struct *owner_task;
	struct list_head waiters;	/* FIFO of struct gs_rwmutex_waiter */
	unsigned int nr_waiters;	/* Locks and RLocks in @waiters (not selections) */
	unsigned int nr_sel_waiting;	/* selections' cases in @waiters */
	u64 qseq;			/* waiters queued so far: numbers them */
	u64 readers_due;		/* readers numbered up to this go first */
	bool owner_died;		/* a writer died: tell the next locker */
	bool robust;			/* release a dying holder's write lock */
	struct gs_who who;		/* who write-locked it, while write-locked */
	u32 who_token;			/* mapped: the token @who write-locked it with */
	/*
	 * Mapped (GOSYNC_CREATE_MAPPED, non-robust only): the state word in
	 * the shared page, which is then the truth about the writer and the
	 * read locks (@writer stays NULL, @readers 0, @rholders empty; read
	 * locks are anonymous). Userspace changes it only by the CASes of
	 * GOSYNC_RWMUTEX_*; the kernel under @lock, atomically (rwmutex.c).
	 * Set once, before the RWMutex is visible.
	 */
	atomic64_t *word;
	struct list_head rholders;	/* holders with read locks (gs_holder.node) */
	unsigned int nr_rholders;	/* entries in @rholders */
	wait_queue_head_t wq;		/* pollers and waiting selections */
	atomic_t watchers;		/* the selections in @wq (gs_case_watch()) */
	struct gs_stats __percpu *stats; /* enum gosync_lock_stat */
	struct gs_lockstat lockstat;	/* contended Locks and RLocks; atomic */
};

struct gs_rwmutex *gs_rwmutex_create(bool robust);
int gs_rwmutex_map(struct gs_rwmutex *rw, u64 *word);
void gs_rwmutex_state(struct gs_rwmutex *rw, struct gosync_state *st,
		      struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns);
void gs_rwmutex_destroy(struct gs_rwmutex *rw);
int gs_rwmutex_lock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
		    const struct gs_deadline *dl);
int gs_rwmutex_trylock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer);
int gs_rwmutex_unlock(struct gs_rwmutex *rw);
int gs_rwmutex_runlock(struct gs_rwmutex *rw, struct gs_holder *h);
void gs_rwmutex_give_back(struct gs_rwmutex *rw, struct gs_holder *h, bool writer, bool died);
void gs_rwmutex_settle(struct gs_rwmutex *rw);
void gs_rwmutex_holder_gone(struct gs_rwmutex *rw, struct gs_holder *h);
bool gs_rwmutex_self_deadlock(struct gs_rwmutex *rw, struct gs_holder *h, bool writer);
__poll_t gs_rwmutex_poll(struct gs_rwmutex *rw, struct file *file, poll_table *pt);
int gs_rwmutex_arm(struct gs_rwmutex *rw, struct gs_holder *h, bool writer, struct gs_sel *sel,
		   int index, struct gs_rwmutex_waiter *w);
int gs_rwmutex_disarm(struct gs_rwmutex *rw, struct gs_rwmutex_waiter *w);
int gs_rwmutex_try_case(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
			struct gs_sel *sel, int index, struct gs_rwmutex_waiter *w);
bool gs_rwmutex_ready_locked(struct gs_rwmutex *rw, bool writer);
int gs_rwmutex_take_ready_locked(struct gs_rwmutex *rw, struct gs_holder *h, bool writer,
				 struct gs_sel *sel, int index);

/* ---- waitgroup.c ---- */

struct gs_waitgroup {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below */
	wait_queue_head_t wq;		/* pollers and waiting selections */
	atomic_t watchers;		/* the selections in @wq (gs_case_watch()) */
	struct gs_sleepers sleepers;	/* Waits */
	s64 count;			/* Go's counter; also read by poll */
	unsigned int waiters;		/* in Wait for the current generation */
	atomic_t waking;		/* released, not yet returned from Wait */
	u64 gen;			/* bumped when count reaches 0; Wait reads it */
	/*
	 * Mapped (GOSYNC_CREATE_MAPPED): the state word in the shared page,
	 * the truth about the counter; @count is then the value the kernel
	 * last saw, to tell a zero reached in userspace (waitgroup.c). Set
	 * once, before the WaitGroup is visible.
	 */
	u64 *word;
	bool polled;			/* mapped: a poll or selection watched it */
	struct gs_stats __percpu *stats; /* enum gosync_waitgroup_stat */
};

struct gs_waitgroup *gs_waitgroup_create(void);
int gs_waitgroup_map(struct gs_waitgroup *wg, u64 *word);
void gs_waitgroup_destroy(struct gs_waitgroup *wg);
int gs_waitgroup_add(struct gs_waitgroup *wg, struct gs_holder *h, s64 delta, u32 flags,
		     s64 *counter);
void gs_waitgroup_holder_gone(struct gs_waitgroup *wg, struct gs_holder *h);
void gs_waitgroup_unmapped(struct gs_waitgroup *wg);
s64 gs_waitgroup_load(struct gs_waitgroup *wg);
s64 gs_waitgroup_count_locked(struct gs_waitgroup *wg);
int gs_waitgroup_wait(struct gs_waitgroup *wg, const struct gs_deadline *dl);
int gs_waitgroup_try_case(struct gs_waitgroup *wg, u64 *gen, struct gs_sel *sel, int index);
bool gs_waitgroup_zero_locked(struct gs_waitgroup *wg);
__poll_t gs_waitgroup_poll(struct gs_waitgroup *wg, struct file *file,
			   poll_table *pt);

/* ---- once.c ---- */

enum {
	GOSYNC_ONCE_STATE_NEW,
	GOSYNC_ONCE_STATE_RUNNING,
	GOSYNC_ONCE_STATE_DONE,
};

struct gs_once {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below */
	wait_queue_head_t wq;		/* pollers and waiting selections */
	struct gs_sleepers sleepers;	/* Dos waiting while it runs */
	unsigned int nr_waiting;	/* entries in @sleepers.waiting (INFO's waiters) */
	u64 releases;			/* releases of @sleepers: which list a Do is on */
	u32 state;			/* GOSYNC_ONCE_STATE_*; also read locklessly */
	struct gs_holder *runner;	/* told to run; only it may Complete */
	u64 runs;			/* runners chosen so far: names the run */
	bool abandoned;			/* done because the runner went away */
	bool retry;			/* runner gone: back to NEW instead */
	u32 value_max;			/* OnceValue: longest value; immutable */
	u32 value_len;			/* the stored value's length */
	u8 *value;			/* set once when done; immutable after */
	/*
	 * Mapped: the shared state word, which the kernel only writes (the
	 * result bits, when done) and never reads. Set once, before the
	 * Once is visible.
	 */
	u32 *word;
	struct gs_stats __percpu *stats; /* enum gosync_once_stat */
};

struct gs_once *gs_once_create(bool retry, u32 value_max);
void gs_once_destroy(struct gs_once *o);
void gs_once_map(struct gs_once *o, u32 *word);
void gs_once_fill_state(struct gs_once *o, struct gosync_state *st);
int gs_once_do(struct gs_once *o, struct gs_holder *h, const struct gs_deadline *dl,
	       u32 *result);
int gs_once_do_run(struct gs_once *o, struct gs_holder *h, const struct gs_deadline *dl,
		   u32 *result, u64 *run);
int gs_once_complete(struct gs_once *o, struct gs_holder *h, u8 *value, u32 len);
int gs_once_fail(struct gs_once *o, struct gs_holder *h);
u32 gs_once_state(struct gs_once *o);
void gs_once_holder_gone(struct gs_once *o, struct gs_holder *h);
void gs_once_unrun(struct gs_once *o, struct gs_holder *h, u64 run);
__poll_t gs_once_poll(struct gs_once *o, struct file *file, poll_table *pt);
int gs_once_try_case(struct gs_once *o, struct gs_sel *sel, int index);
bool gs_once_done_locked(struct gs_once *o);

/* ---- object.c ---- */

struct gs_obj;
struct gs_user;

struct gs_user *gs_user_get_current(void);
void gs_user_get(struct gs_user *u);
void gs_user_put(struct gs_user *u);
int gs_user_charge(struct gs_user *u, unsigned int objects, unsigned long bytes);
int gs_user_charge_nocap(struct gs_user *u, unsigned long bytes, bool exempt);
void gs_user_uncharge(struct gs_user *u, unsigned int objects, unsigned long bytes);
void gs_user_usage(struct gs_user *u, unsigned int *objects, unsigned long *bytes);

/* ---- map.c, map_locked.c, map_rcu.c ---- */

/**
 * struct gs_map_val - an immutable map value
 * @ref: one for the entry that holds it, one per reader copying it out
 * @len: bytes in @data
 * @published: set under the map's write lock before an entry first holds
 *	it; never cleared
 * @rcu: frees it (kvfree_rcu) after the last reference: RCU readers may
 *	still see it and try refcount_inc_not_zero(). One never published
 *	(an operand, a value a CompareAndSwap did not store) no reader can
 *	see: it is freed at once.
 * @data: the bytes
 *
 * A Store never changes a value in place: it installs a new one. So a reader
 * that holds a reference may copy @data without any lock.
 */
struct gs_map_val {
	refcount_t ref;
	u32 len;
	bool published;
	struct rcu_head rcu;
	u8 data[];
};

/* A key to look up: kernel memory, 1..GOSYNC_MAP_KEY_MAX bytes */
struct gs_map_key {
	const u8 *data;
	u32 len;
};

/**
 * struct gs_map_node - one key's incarnation, from insertion to deletion
 * @hnode: locked backends: chain in the hash table; under the map's lock
 * @rhash: rcu backend: chain in the rhashtable
 * @hash: locked backends: hash of the key, kept for rehashing
 * @seq: position in the map's Range index; immutable once inserted
 * @val: the current value; NULL until the insertion is complete and again
 *	once the node is deleted. Written under the map's write lock,
 *	read under its read lock (or RCU, rcu backend)
 * @rcu: the node is freed after a grace period (Range and rcu lookups)
 * @key_len: bytes in @key
 * @key: the key; immutable
 *
 * A Store on a present key replaces @val and keeps the node, so the key
 * keeps its place (@seq) in a Range.
 */
struct gs_map_node {
	union {
		struct hlist_node hnode;
		struct rhash_head rhash;
	};
	u32 hash;
	u32 key_len;
	u64 seq;
	struct gs_map_val __rcu *val;
	struct rcu_head rcu;
	u8 key[];
};

struct gs_map;

/**
 * struct gs_map_backend_ops - one map backend: a hash table and its locks
 * @init: set up the lock and an empty table
 * @destroy: free the table; the map is already empty
 * @read_begin: begin a read-side section: nodes found by @lookup, and their
 *	@val, stay valid until @read_end. -EINTR on a fatal signal
 * @read_end: end it
 * @write_begin: exclude other writers (spin, rwsem: and readers);
 *	-EINTR on a fatal signal
 * @write_begin_nointr: the same, for work that must be finished (freeing a
 *	cleared map's nodes, moving a doubling table's buckets): never fails
 * @write_end: end either
 * @write_held: for lockdep and rcu_dereference_protected(): is it held?
 * @read_held: for lockdep: is the read side (or the write lock) held?
 * @lookup: the node of @key, or NULL; under the read or the write lock
 * @prepare_insert: optional: make room for one more node before the write
 *	lock is taken (it may sleep and take the write lock itself)
 * @insert: under the write lock: add @node, whose key is absent.
 *	Return: 0, -ENOMEM, -ENOSPC (the table is at its maximum size, or
 *	could not grow), or -EAGAIN (try again once the table has been resized)
 * @remove: under the write lock: take @node out of the table
 * @slot_cost: bytes an entry costs beyond its node and value: its share of
 *	the Range index, and of the table where the table is not charged as
 *	it grows (rcu: rhashtable allocates its buckets itself)
 * @lockless_reads: readers take no lock (rcu), so Len takes the write lock
 *	to be linearizable
 *
 * The backends are written against this vector once, like counter modes:
 * the front end (map.c) implements every operation with it.
 */
struct gs_map_backend_ops {
	int (*init)(struct gs_map *m);
	void (*destroy)(struct gs_map *m);
	int (*read_begin)(struct gs_map *m);
	void (*read_end)(struct gs_map *m);
	int (*write_begin)(struct gs_map *m);
	void (*write_begin_nointr)(struct gs_map *m);
	void (*write_end)(struct gs_map *m);
	bool (*write_held)(struct gs_map *m);
	bool (*read_held)(struct gs_map *m);
	struct gs_map_node *(*lookup)(struct gs_map *m,
				      const struct gs_map_key *key);
	int (*prepare_insert)(struct gs_map *m);
	int (*insert)(struct gs_map *m, struct gs_map_node *node);
	void (*remove)(struct gs_map *m, struct gs_map_node *node);
	unsigned int slot_cost;
	bool lockless_reads;
};

extern const struct gs_map_backend_ops gs_map_spin_ops;
extern const struct gs_map_backend_ops gs_map_rwsem_ops;
extern const struct gs_map_backend_ops gs_map_rcu_ops;

/**
 * struct gs_map - a byte-string map with one synchronization backend
 * @ops: the backend
 * @backend: enum gosync_map_backend
 * @max_entries: limit on @nr; immutable
 * @max_bytes: limit on @bytes; immutable
 * @user: who pays for the entries (struct gs_user), or NULL
 * @nr: entries; under the write lock (read locklessly by Len)
 * @bytes: key plus value bytes of the entries; under the write lock
 * @charged: bytes charged to @user for entries and tables; under the
 *	write lock
 * @seq: highest seq given to a node; under the write lock, stored with
 *	release and read with acquire by Range (see gs_map_range_start())
 * @cleared: nodes with seq <= @cleared were deleted by a Clear, even while
 *	they are still in the table and the index; written under the write
 *	lock, read with acquire by readers (see map_node_live()); Range
 *	starts its search past it
 * @index: the Range index, seq -> node, of the nodes in the table; changed
 *	only under the write lock (and its own xa_lock), read under RCU
 * @stats: per-CPU counts, enum gosync_map_stat
 * @locked: spin and rwsem backends: a chained hash table under one lock
 * @rcu: rcu backend: an rhashtable, with a lock for writers only
 *
 * Only the union member of @backend is used.
 */
struct gs_map {
	const struct gs_map_backend_ops *ops;
	u32 backend;
	u32 max_entries;
	u64 max_bytes;
	struct gs_user *user;
	u32 nr;
	u64 bytes;
	unsigned long charged;
	u64 seq;
	u64 cleared;
	struct xarray index;
	struct gs_stats __percpu *stats;
	union {
		/*
		 * spin and rwsem: a chained hash table that doubles when full.
		 * While it doubles, @old holds the previous bucket array: its
		 * buckets below @migrated have moved to @buckets, the others
		 * are still in use (see locked_bucket()).
		 */
		struct {
			union {
				spinlock_t spin;	/* spin: protects all below and the map */
				struct rw_semaphore sem; /* rwsem: the same; lookups shared */
			};
			struct hlist_head *buckets;
			unsigned int shift;		/* 1 << shift buckets */
			struct hlist_head *old;		/* NULL unless doubling */
			unsigned int old_shift;
			unsigned int migrated;		/* @old buckets moved so far */
			int grow_err;			/* last doubling's failure, or 0 */
			u32 seed;			/* hash seed; immutable */
		} locked;
		/* rcu: readers take no lock at all */
		struct {
			/* serializes writers: protects nr, bytes, seq, index, node->val */
			spinlock_t wlock;
			struct rhashtable ht;	/* its own bucket locks and resizer */
			unsigned int last_size;	/* table size last seen; under wlock */
		} rcu;
	};
};

/**
 * struct gs_map_req - one map operation, in kernel memory
 * @op: enum gosync_map_op_code
 * @flags: GOSYNC_MAP_F_*
 * @key: the key (ops that take one)
 * @val: the value to store; the caller keeps its reference
 * @old: the comparand of CompareAndSwap/CompareAndDelete; caller's
 * @out_cap: the longest value the caller can take back
 * @out: out: the returned value with a reference for the caller
 *	(gs_map_val_put() it), or NULL
 * @out_len: out: the returned value's length, also on -EOVERFLOW
 * @result: out: see enum gosync_map_op_code
 * @copy_out: optional, Load only: copies the value to where the caller
 *	wants it without sleeping, under the map's read lock or RCU, so that a
 *	Load takes no reference (@out stays NULL); -EFAULT if it cannot without
 *	faulting, and the Load is done again the usual way, through @out
 */
struct gs_map_req {
	u32 op;
	u32 flags;
	struct gs_map_key key;
	struct gs_map_val *val;
	struct gs_map_val *old;
	u32 out_cap;
	struct gs_map_val *out;
	u32 out_len;
	u64 result;
	int (*copy_out)(struct gs_map_req *r, const void *data, u32 len);
};

/* Operands an op takes (gs_map_operands()) */
#define GOSYNC_MAP_ARG_KEY	BIT(0)
#define GOSYNC_MAP_ARG_VALUE	BIT(1)
#define GOSYNC_MAP_ARG_OLD	BIT(2)
#define GOSYNC_MAP_ARG_OUT	BIT(3)

bool gs_map_backend_valid(u32 backend);
struct gs_map *gs_map_create(u32 backend, u32 max_entries, u64 max_bytes,
			     struct gs_user *user);
void gs_map_destroy(struct gs_map *m);
unsigned long gs_map_cost(struct gs_map *m);
struct gs_map_val *gs_map_val_alloc(u32 len);
void gs_map_val_free(struct gs_map_val *v);
int gs_map_do(struct gs_map *m, struct gs_map_req *r);
int gs_map_run(struct gs_map *m, struct gs_map_req *r);
/* map_uapi.c's struct gs_map_req.copy_out, called directly where it is */
int gs_map_copy_out(struct gs_map_req *r, const void *data, u32 len);

/* Drop a reference to a value (NULL is fine); inline: most ops drop NULLs. */
static inline void gs_map_val_put(struct gs_map_val *v)
{
	if (v && refcount_dec_and_test(&v->ref))
		gs_map_val_free(v);
}

/* The operands @op takes: GOSYNC_MAP_ARG_* bits (0 for an unknown op) */
static inline u32 gs_map_operands(u32 op)
{
	static const u8 args[] = {
		[GOSYNC_MAP_LOAD] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_OUT,
		[GOSYNC_MAP_STORE] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_VALUE,
		[GOSYNC_MAP_LOAD_OR_STORE] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_VALUE |
					     GOSYNC_MAP_ARG_OUT,
		[GOSYNC_MAP_LOAD_AND_DELETE] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_OUT,
		[GOSYNC_MAP_DELETE] = GOSYNC_MAP_ARG_KEY,
		[GOSYNC_MAP_SWAP] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_VALUE |
				    GOSYNC_MAP_ARG_OUT,
		[GOSYNC_MAP_COMPARE_AND_SWAP] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_VALUE |
						GOSYNC_MAP_ARG_OLD,
		[GOSYNC_MAP_COMPARE_AND_DELETE] = GOSYNC_MAP_ARG_KEY | GOSYNC_MAP_ARG_OLD,
		[GOSYNC_MAP_CLEAR] = 0,
		[GOSYNC_MAP_LEN] = 0,
	};

	return op < ARRAY_SIZE(args) ? args[op] : 0;
}

/**
 * gs_map_check_op() - validate an op's code, flags and lengths
 * @op: enum gosync_map_op_code
 * @flags: GOSYNC_MAP_F_*
 * @key_len: the key's length
 * @value_len: the value's length
 * @old_len: the comparand's length
 * @out_cap: the room for the result value
 *
 * Lengths of operands the op does not take must be 0.
 * Return: 0; -EINVAL for an unknown op or flag, NOVALUE with an out
 * capacity or on an op without a result value, a zero-length key, or a
 * length for an operand the op does not take; -E2BIG for a key longer than
 * GOSYNC_MAP_KEY_MAX or a value or comparand longer than GOSYNC_MAP_VALUE_MAX.
 * Inline: the uapi layer checks every op of a batch with it.
 */
static inline int gs_map_check_op(u32 op, u32 flags, u32 key_len, u32 value_len,
				  u32 old_len, u32 out_cap)
{
	u32 args = gs_map_operands(op);

	if (op < GOSYNC_MAP_LOAD || op > GOSYNC_MAP_LEN)
		return -EINVAL;
	if (flags & ~GOSYNC_MAP_F_NOVALUE)
		return -EINVAL;
	if ((flags & GOSYNC_MAP_F_NOVALUE) && (!(args & GOSYNC_MAP_ARG_OUT) || out_cap))
		return -EINVAL;
	if ((!(args & GOSYNC_MAP_ARG_KEY) && key_len) ||
	    (!(args & GOSYNC_MAP_ARG_VALUE) && value_len) ||
	    (!(args & GOSYNC_MAP_ARG_OLD) && old_len) ||
	    (!(args & GOSYNC_MAP_ARG_OUT) && out_cap))
		return -EINVAL;
	if ((args & GOSYNC_MAP_ARG_KEY) && !key_len)
		return -EINVAL;
	if (key_len > GOSYNC_MAP_KEY_MAX || value_len > GOSYNC_MAP_VALUE_MAX ||
	    old_len > GOSYNC_MAP_VALUE_MAX)
		return -E2BIG;
	return 0;
}

u64 gs_map_range_start(struct gs_map *m);
int gs_map_range_check(struct gs_map *m, u64 start, u64 pos);
/* KUnit only (CONFIG_KUNIT): a spin or rwsem table's doubling, stopped halfway */
struct hlist_head *gs_map_locked_grow_start(struct gs_map *m);
void gs_map_locked_grow_finish(struct gs_map *m, struct hlist_head *ob, unsigned int old_shift);
int gs_map_range_next(struct gs_map *m, u64 start, u64 pos, u8 *key,
		      u32 *key_len, struct gs_map_val **val, u64 *seq);

/* ---- sem.c ---- */

/**
 * struct gs_sem_waiter - a place in a Semaphore's FIFO
 * @node: in gs_sem.waiters, under its lock; empty when not queued
 * @task: the waiting task
 * @holder: the open file description it acquires for
 * @n: the permits it takes
 * @sel: a selection's ACQUIRE case (gs_sem_arm()), or NULL: an Acquire
 * @index: @sel's case
 * @start: when it began to wait
 * @granted: Release handed it its permits; an Acquire reads it without the lock
 */
struct gs_sem_waiter {
	struct list_head node;
	struct task_struct *task;
	struct gs_holder *holder;
	u64 n;
	struct gs_sel *sel;
	int index;
	ktime_t start;
	bool granted;
};

struct gs_sem {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below, and holders' permits */
	u64 size;			/* total permits; immutable */
	u64 cur;			/* permits taken */
	struct list_head waiters;	/* FIFO of struct gs_sem_waiter */
	unsigned int nr_waiters;	/* Acquires in @waiters (not selections) */
	wait_queue_head_t wq;		/* pollers and waiting selections */
	atomic_t watchers;		/* the selections in @wq (gs_case_watch()) */
	bool robust;			/* permits held per description; immutable */
	struct list_head holders;	/* robust: holders with permits (gs_holder.node) */
	unsigned int nr_holders;	/* entries in @holders */
	struct gs_stats __percpu *stats; /* enum gosync_sem_stat */
	struct gs_lockstat lockstat;	/* contended Acquires; atomic */
	/*
	 * Mapped (non-robust only): the shared state word, the truth about
	 * the free permits while GOSYNC_SEM_KERNEL is clear; userspace
	 * changes it then by compare-and-swap. Under @lock the kernel fences
	 * it first and then keeps @cur and the word equal (sem.c). Set once,
	 * before the semaphore is visible.
	 */
	u64 *word;
};

struct gs_sem *gs_sem_create(u64 size, bool robust);
void gs_sem_destroy(struct gs_sem *s);
int gs_sem_map(struct gs_sem *s, struct gosync_mapped *words);
int gs_sem_acquire(struct gs_sem *s, struct gs_holder *h, u64 n, const struct gs_deadline *dl);
int gs_sem_tryacquire(struct gs_sem *s, struct gs_holder *h, u64 n);
int gs_sem_release(struct gs_sem *s, struct gs_holder *h, u64 n);
void gs_sem_holder_gone(struct gs_sem *s, struct gs_holder *h);
void gs_sem_state(struct gs_sem *s, struct gs_holder *h, u64 *size, u64 *avail, u64 *held,
		  u32 *waiters);
void gs_sem_fill_state(struct gs_sem *s, struct gosync_state *st, struct gosync_holder *hs,
		       unsigned int cap, struct pid_namespace *ns);
__poll_t gs_sem_poll(struct gs_sem *s, struct file *file, poll_table *pt);
void gs_sem_settle(struct gs_sem *s);
int gs_sem_arm(struct gs_sem *s, struct gs_holder *h, u64 n, struct gs_sel *sel, int index,
	       struct gs_sem_waiter *w);
int gs_sem_disarm(struct gs_sem *s, struct gs_sem_waiter *w);
int gs_sem_try_case(struct gs_sem *s, struct gs_holder *h, u64 n, struct gs_sel *sel,
		    int index, struct gs_sem_waiter *w);
bool gs_sem_ready_locked(struct gs_sem *s, u64 n);
int gs_sem_take_ready_locked(struct gs_sem *s, struct gs_holder *h, u64 n,
			     struct gs_sel *sel, int index);

/* ---- cond.c ---- */

struct gs_cond {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects @waiters, @nr_waiters and @tickets */
	struct list_head waiters;	/* FIFO of struct gs_cond_waiter */
	unsigned int nr_waiters;	/* entries in @waiters */
	u64 tickets;			/* Waits begun so far */
	struct gs_obj *mutex_obj;	/* the Mutex's object: referenced; immutable */
	struct gs_mutex *mutex;		/* its primitive; immutable */
	struct gs_stats __percpu *stats; /* enum gosync_cond_stat */
};

struct gs_cond *gs_cond_create(struct gs_obj *mutex_obj);
void gs_cond_destroy(struct gs_cond *c);
int gs_cond_wait(struct gs_cond *c, struct gs_holder *h, const struct gs_deadline *dl);
unsigned int gs_cond_signal(struct gs_cond *c, bool all);
unsigned int gs_cond_waiters(struct gs_cond *c);

/* ---- chan.c ---- */

/* A message: the channel's while buffered, the receiver's once taken. */
struct gs_chan_msg {
	struct list_head node;		/* in gs_chan.buf while buffered */
	struct gs_user *user;		/* charged for it, referenced; or NULL */
	u32 len;
	u8 data[];
};

/**
 * struct gs_chan_waiter - one channel case: a plain Send or Recv, or a case
 *	of a GOSYNC_IOC_WAIT
 * @node: in the channel's sendq or recvq while queued; under its lock
 * @sel: the waiting task's selection: claim it to complete this case
 * @index: the case's index in @sel
 * @op: GOSYNC_CHAN_SEND or GOSYNC_CHAN_RECV
 * @msg: send: the message offered (NULL once taken); recv: the message
 *	received (NULL: closed and drained)
 * @cap: recv: the longest message it takes
 * @needed: recv, -EOVERFLOW: the length of the message that did not fit
 * @result: how a counterpart completed it (0, -EPIPE, -EOVERFLOW); read
 *	after taking the channel's lock
 * @queued: in @node's queue; under the channel's lock
 * @peer_done: a counterpart completed it; under the channel's lock
 */
struct gs_chan_waiter {
	struct list_head node;
	struct gs_sel *sel;
	int index;
	u32 op;
	struct gs_chan_msg *msg;
	u32 cap;
	u32 needed;
	int result;
	bool queued;
	bool peer_done;
};

struct gs_chan {
	u64 id;				/* the object's, for tracepoints; set once */
	spinlock_t lock;		/* protects every field below but the immutable */
	wait_queue_head_t wq;		/* pollers and waiting selections */
	struct list_head buf;		/* buffered struct gs_chan_msg, oldest first */
	u32 len;			/* messages in @buf */
	u32 cap;			/* most messages in @buf; immutable */
	u32 msg_max;			/* longest message; immutable */
	bool closed;
	struct list_head sendq;		/* waiting senders, struct gs_chan_waiter */
	struct list_head recvq;		/* waiting receivers */
	u32 nr_senders;			/* entries in @sendq */
	u32 nr_receivers;		/* entries in @recvq */
	u32 completions;		/* parties completed and dequeued, ever */
	/* a try told a busy selection to retry: the next select try wakes pollers */
	bool retry_owed;
	struct gs_stats __percpu *stats; /* enum gosync_chan_stat */
};

struct gs_chan *gs_chan_create(u32 cap, u32 msg_max);
void gs_chan_destroy(struct gs_chan *ch);
struct gs_chan_msg *gs_chan_msg_alloc(struct gs_chan *ch, struct gs_user *user, u32 len);
/* The user pages a call's receives have found writable: [start, end) */
struct gs_recv_room {
	u64 start;
	u64 end;
};

bool gs_recv_room_ok(u64 uptr, u64 len, struct gs_recv_room *seen);
void gs_chan_msg_free(struct gs_chan *ch, struct gs_chan_msg *msg);
int gs_chan_try(struct gs_chan *ch, struct gs_chan_waiter *c, struct gs_sel *self, int index);
int gs_chan_arm(struct gs_chan *ch, struct gs_chan_waiter *c);
int gs_chan_disarm(struct gs_chan *ch, struct gs_chan_waiter *c);
int gs_chan_wait(struct gs_chan *ch, struct gs_chan_waiter *c, const struct gs_deadline *dl);
int gs_chan_close(struct gs_chan *ch);
void gs_chan_state(struct gs_chan *ch, u32 *len, u32 *cap, bool *closed,
		   u32 *senders, u32 *receivers);
__poll_t gs_chan_poll(struct gs_chan *ch, struct file *file, poll_table *pt);

/* ---- deadlock.c: EDEADLK for waits that can never end ---- */

/* What a blocked task waits for: the lock types that take part. */
enum gs_deadlock_kind {
	GS_DL_MUTEX,
	GS_DL_RWMUTEX,
};

/* Follow at most this many holder -> waited-for lock steps (fcntl's 10). */
#define GS_DEADLOCK_MAX_DEPTH	10

/**
 * struct gs_blocked - a task blocked in a robust lock's Lock or RLock, in
 *	the blocked table while it waits (on the waiter's stack)
 * @node: in gs_blocked_hash, keyed by @task; under gs_deadlock_lock
 * @task: the waiting task (current)
 * @kind: @lock's type
 * @lock: the struct gs_mutex or gs_rwmutex it waits for; alive while
 *	registered (the waiting call holds its file)
 * @registered: in the table: gs_deadlock_exit() removes it
 */
struct gs_blocked {
	struct hlist_node node;
	struct task_struct *task;
	enum gs_deadlock_kind kind;
	void *lock;
	bool registered;
};

int gs_deadlock_enter(struct gs_blocked *b, enum gs_deadlock_kind kind, void *lock);
void gs_deadlock_exit(struct gs_blocked *b);
unsigned int gs_deadlock_nr_blocked(void);

/* ---- wait.c: GOSYNC_IOC_WAIT's engine ---- */

struct gs_case;

/**
 * struct gs_case_ops - what GOSYNC_IOC_WAIT needs of an object type
 * @ops: the case ops it takes (1 << GOSYNC_CASE_*)
 * @all_ops: those it takes with GOSYNC_WAIT_ALL
 * @try: complete the case now if it can, claiming @sel (see struct gs_sel).
 *	Return: 0 or the case's own result (-EOWNERDEAD, ...), -EAGAIN if it
 *	would wait, -EALREADY if @sel was claimed by another case meanwhile
 * @arm: optional: queue the case where a counterpart completes it (a
 *	channel's queue; a lock's or Semaphore's FIFO, where an unlock or a
 *	release serves it in its turn): it returns as @try does, or -EAGAIN
 * @disarm: with @arm: unqueue. Return: the case's result if a counterpart
 *	completed it, -EAGAIN if not
 * @wq: the queue woken when the case may have become ready
 * @lock: ALL: the object's lock, under which @ready_locked and @take_locked run
 * @ready_locked: ALL: would the case complete now?
 * @take_locked: ALL: complete the ready case. Return: 0 or its result
 * @self_deadlock: optional, ALL: would the case wait for the caller itself
 *	(see deadlock.c)? Takes the object's lock
 * @release: optional: give back the lock or permits a completed case took
 *	(its task is being killed; see gs_mutex_lock()); a result of
 *	-EOWNERDEAD is passed on to the next locker
 * @settle: optional: the wait watches the object no more (called once per
 *	case that watched or looked, completed or not): a mapped word fenced
 *	only for it goes back to the fast path. Takes the object's lock
 * @lockstat: optional: the object's contention statistics, where a case
 *	that waited and took the lock or permits is counted (as a Lock is)
 * @watchers: optional: the object's count of the cases watching @wq, for
 *	INFO's waiters. Counted, not found by walking @wq under its lock
 *	with interrupts off: @wq also holds every poller, as many as a user
 *	can register (each epoll watch of each dup of an fd)
 */
struct gs_case_ops {
	u32 ops;
	u32 all_ops;
	int (*try)(struct gs_case *c, struct gs_sel *sel, int index);
	int (*arm)(struct gs_case *c);
	int (*disarm)(struct gs_case *c);
	wait_queue_head_t *(*wq)(struct gs_case *c);
	spinlock_t *(*lock)(struct gs_case *c);
	bool (*ready_locked)(struct gs_case *c);
	int (*take_locked)(struct gs_case *c);
	bool (*self_deadlock)(struct gs_case *c);
	void (*release)(struct gs_case *c);
	void (*settle)(struct gs_case *c);
	struct gs_lockstat *(*lockstat)(const struct gs_case *c);
	atomic_t *(*watchers)(const struct gs_case *c);
};

/**
 * struct gs_case - one case of a wait, in the kernel
 * @priv: the object's primitive
 * @ops: its type's case ops
 * @holder: the open file description a lock is taken for
 * @op: enum gosync_case_op
 * @id: the object's id: ALL sorts by it and refuses repeats
 * @type: the object's enum gosync_type: ALL takes locks in type order
 * @result: out: the completed case's result
 * @gen: WG_ZERO: the generation first seen (see gs_waitgroup_try_case())
 * @n: ACQUIRE: the permits
 * @cw: channel cases
 * @mw: Mutex LOCK cases: their place in the Mutex's queue (gs_mutex_arm())
 * @sw: Semaphore ACQUIRE cases: their place in its queue (gs_sem_arm())
 * @rww: RWMutex LOCK and RLOCK cases: their place in its queue (gs_rwmutex_arm())
 * @wqe: the engine's entry on @ops->wq()
 */
struct gs_case {
	void *priv;
	const struct gs_case_ops *ops;
	struct gs_holder *holder;
	u32 op;
	u64 id;
	u32 type;
	int result;
	u64 gen;
	u64 n;
	struct gs_chan_waiter cw;
	union {
		struct gs_mutex_waiter mw;
		struct gs_sem_waiter sw;
		struct gs_rwmutex_waiter rww;
	};
	struct wait_queue_entry wqe;
};

int gs_wait_any(struct gs_case *cases, unsigned int n, bool ordered, bool nonblock,
		const struct gs_deadline *dl, unsigned int *index);
int gs_wait_all(struct gs_case *cases, unsigned int n, bool nonblock,
		const struct gs_deadline *dl);
/* KUnit only (CONFIG_KUNIT): hold ALL's turn, or give it back */
void gs_wait_all_turn(bool hold);

/* ---- the type registry (dispatch.c) and the uapi layer ---- */

struct gs_obj;
struct gs_handle;

/* Command numbers on object fds start here; /dev/gosync's below it. */
#define GS_CMD_OBJ_BASE		GOSYNC_CMD_OBJ_BASE
/* The biggest command struct: the on-stack buffer every command is copied into */
#define GS_UCMD_MAX		256

/**
 * struct gs_ucmd - one ioctl in flight
 * @ubuf: the command struct in user memory
 * @user_size: its size as the caller knows it
 * @cmd: the kernel's copy (GS_UCMD_MAX bytes)
 * @obj: object commands: the object; referenced by the file for the call
 * @holder: object commands: the caller's open file description
 * @timeout_ns: a relative timeout, in @cmd (gs_ucmd_deadline()), or NULL
 * @deadline: when it ends
 */
struct gs_ucmd {
	void __user *ubuf;
	u32 user_size;
	void *cmd;
	struct gs_obj *obj;
	struct gs_holder *holder;
	u64 *timeout_ns;
	ktime_t deadline;
};

/**
 * struct gs_cmd - one command: what dispatch needs to copy it in and run it
 * @nr: GOSYNC_CMD_*
 * @size: the kernel's struct size
 * @min_size: the size of the struct's first version (smaller is EINVAL)
 * @execute: the handler; it may use only @ucmd->cmd, and answers with
 *	gs_respond()
 */
struct gs_cmd {
	unsigned int nr;
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct gs_ucmd *ucmd);
};

/*
 * A command table entry: the struct, the last field of its first version,
 * and a compile-time check (as iommufd's) that the dispatch buffer holds it.
 */
#define GS_CMD(_cmd, _fn, _struct, _last)					\
	{									\
		.nr = GOSYNC_CMD_##_cmd,					\
		.size = sizeof(_struct) +					\
			BUILD_BUG_ON_ZERO(sizeof(_struct) > GS_UCMD_MAX),	\
		.min_size = offsetofend(_struct, _last),			\
		.execute = _fn,							\
	}

/**
 * struct gs_type - one object type: everything the rest of gosync knows of it
 * @id: enum gosync_type
 * @name: for logs and fdinfo
 * @attr_size: bytes its attributes take in struct gosync_create's union;
 *	the rest of the union must be zero (EINVAL)
 * @create: make the primitive from its attributes (already copied in; the
 *	type checks its own flags and reserved fields) for @user, who pays for
 *	what it grows to. Return: the primitive or an ERR_PTR
 * @destroy: free the primitive; called once, when the last reference goes
 * @holder_gone: optional: an open file description (a holder) is closing:
 *	release what it holds (robustness)
 * @poll: optional: readiness; types without a wait have none (and so
 *	epoll_ctl() refuses their fds)
 * @stats: optional: the primitive's per-CPU counts (struct gosync_info.stats)
 * @charge: bytes of kernel memory the primitive holds when created (growth,
 *	such as a map's entries, is charged as it happens)
 * @subtype: optional: mode, backend or attribute flags, for INFO
 * @show_fdinfo: optional: the primitive's state in /proc/PID/fdinfo/FD
 * @state: optional: fill struct gosync_state (zeroed by the caller), and
 *	up to @cap holders into @hs (kernel memory)
 * @set_id: optional: tell the primitive its object's id (for its
 *	tracepoints), once, before any fd to it exists
 * @map: optional: GOSYNC_CREATE_MAPPED: keep the state in @words (zeroed;
 *	the object's shared page) from now on, or refuse (-EINVAL: not for
 *	these attributes). Called once, before anyone else can see @priv.
 *	Types without it refuse the flag
 * @unmapped: optional: a mapping of @words went away (munmap, or its
 *	process's exit), maybe in the middle of a fast-path operation: hand on
 *	what that operation's system call would have. Under the mm's mmap_lock
 * @subtypes: VERSION: the subtypes it supports (1 << mode), if any
 * @ops: VERSION: the ops it supports (1 << op), if any
 * @cmds: its object commands (besides INFO, and BATCH if @batch_op)
 * @nr_cmds: entries in @cmds
 * @batch_op_size: BATCH: the size of one op struct
 * @batch_out: BATCH: the offset of the op struct's output fields, which
 *	end it; only they are written back
 * @batch_op: BATCH: run one op in place, fill its result fields, return its
 *	error
 * @cases: optional: its GOSYNC_IOC_WAIT cases
 *
 * The registry (gs_types[] in dispatch.c) lists one per type; the create
 * path, the command tables, BATCH and VERSION are derived from it.
 */
struct gs_type {
	u32 id;
	const char *name;
	size_t attr_size;
	void *(*create)(const void *attr, struct gs_user *user);
	void (*destroy)(void *priv);
	void (*holder_gone)(void *priv, struct gs_holder *h);
	__poll_t (*poll)(void *priv, struct file *file, poll_table *pt);
	struct gs_stats __percpu *(*stats)(void *priv);
	unsigned long (*charge)(void *priv);
	u32 (*subtype)(void *priv);
	void (*show_fdinfo)(struct seq_file *m, void *priv, struct gs_holder *h);
	void (*state)(void *priv, struct gosync_state *st, struct gosync_holder *hs,
		      unsigned int cap, struct pid_namespace *ns);
	void (*set_id)(void *priv, u64 id);
	int (*map)(void *priv, struct gosync_mapped *words);
	void (*unmapped)(void *priv);
	u64 subtypes;
	u64 ops;
	const struct gs_cmd *cmds;
	unsigned int nr_cmds;
	size_t batch_op_size;
	size_t batch_out;
	int (*batch_op)(struct gs_obj *obj, void *op);
	const struct gs_case_ops *cases;
};

/* The types, each defined next to its primitive (<type>_uapi.c). */
extern const struct gs_type gs_counter_type;
extern const struct gs_type gs_mutex_type;
extern const struct gs_type gs_rwmutex_type;
extern const struct gs_type gs_waitgroup_type;
extern const struct gs_type gs_once_type;
extern const struct gs_type gs_map_type;
extern const struct gs_type gs_chan_type;
extern const struct gs_type gs_sem_type;
extern const struct gs_type gs_cond_type;

const struct gs_type *gs_type_get(u32 id);
int gs_respond(struct gs_ucmd *ucmd, size_t size);
int gs_deadline(u32 flags, u64 timeout_ns, struct gs_deadline *dl);
int gs_ucmd_deadline(struct gs_ucmd *ucmd, u32 flags, u64 *timeout_ns,
		     struct gs_deadline *dl);

/* NONBLOCK never waits: a deadline besides it (a timeout, a time) is -EINVAL. */
static inline bool gs_nonblock_bad(u32 flags, u64 timeout_ns)
{
	return (flags & GOSYNC_WAIT_NONBLOCK) && ((flags & GOSYNC_WAIT_ABSTIME) || timeout_ns);
}

long gs_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int gs_cmd_wait(struct gs_ucmd *ucmd);
long gs_obj_ioctl(struct gs_handle *handle, unsigned int cmd, unsigned long arg);

/* ---- file.c: the file of an object ---- */

/**
 * struct gs_handle - one open file description of an object (its private_data)
 * @obj: the object; the file holds a reference
 * @holder: what this description holds (locks, a Once run, ...)
 * @opener: a mapped object's: who opened the description, set before its
 *	token is issued and never changed (INFO's holder of a lock taken with
 *	the token in userspace: gs_token_report())
 */
struct gs_handle {
	struct gs_obj *obj;
	struct gs_holder holder;
	struct gs_who opener;
};

void gs_token_report(u32 token, u64 id, u32 flags, struct gosync_state *st,
		     struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns);

/**
 * struct gs_fdref - a gosync object named by an fd in a command
 * @file: the file, referenced until gs_obj_fdput()
 * @obj: its object (alive while @file is)
 * @holder: the holder of that open file description
 */
struct gs_fdref {
	struct file *file;
	struct gs_obj *obj;
	struct gs_holder *holder;
};

int gs_obj_install_fd(struct gs_obj *obj, const char *name);
int gs_obj_fdget(int fd, u32 type, struct gs_fdref *ref);
void gs_obj_fdput(struct gs_fdref *ref);

/* ---- object.c ---- */

struct gs_scope;

/**
 * struct gs_name_key - a name in the name index: names are per scope
 * @scope: the scope, one per IPC namespace (object.c)
 * @name: NUL-padded to GOSYNC_NAME_MAX, so the whole struct is the key
 */
struct gs_name_key {
	struct gs_scope *scope;
	char name[GOSYNC_NAME_MAX];
};

/**
 * struct gs_obj - one gosync object: a primitive plus identity and owner
 * @ref: one per open file description, plus one while named, plus one per
 *	object that refers to it (see "Objects that refer to objects" in
 *	docs/design.md)
 * @id: unique, increasing; immutable
 * @type: the primitive's type
 * @priv: the primitive (struct gs_counter *, ...)
 * @user: who pays for it (the creator's struct gs_user); referenced
 * @name_node: in the name index while @named
 * @named: in the name index; set once with release by gs_obj_publish()
 *	just before the insert (cleared again if it fails), cleared by unlink
 * @key: the name index's key. @key.scope: the scope (IPC namespace) the
 *	creator was in; referenced; immutable. @key.name: NUL-padded; written
 *	once before the object is named, then immutable (an unlinked object,
 *	or one whose publish failed, keeps it but is not @named)
 * @uid: owner, the creator's fsuid; immutable
 * @gid: owner group, the creator's fsgid; immutable
 * @perm: permission bits for opening by name; immutable
 * @charged: bytes charged to @user for the object itself; immutable
 * @nr_files: open file descriptions, for listings
 * @page: GOSYNC_CREATE_MAPPED: the shared page, freed with the object; set
 *	once
 * @rcu: the object is freed after a grace period (RCU lookups)
 */
struct gs_obj {
	struct kref ref;
	u64 id;
	const struct gs_type *type;
	void *priv;
	struct gs_user *user;
	struct rhash_head name_node;
	bool named;
	struct gs_name_key key;
	kuid_t uid;
	kgid_t gid;
	umode_t perm;
	unsigned long charged;
	atomic_t nr_files;
	struct page *page;
	struct rcu_head rcu;
};

extern unsigned int gs_max_objects;
extern unsigned int gs_max_objects_per_user;
extern unsigned long gs_max_bytes_per_user;

int gs_name_check(const char *name);
struct gs_obj *gs_obj_new(const struct gs_type *type, void *priv, umode_t perm);
struct gs_obj *gs_obj_new_mapped(const struct gs_type *type, void *priv, umode_t perm,
				 struct page *page);
void gs_obj_get(struct gs_obj *obj);
void gs_obj_put(struct gs_obj *obj);
int gs_obj_publish(struct gs_obj *obj, const char *name);
struct gs_obj *gs_obj_lookup(const char *name, u32 type, kuid_t uid, kgid_t gid);
int gs_obj_unlink(const char *name, u64 id);
void gs_obj_fill_info(struct gs_obj *obj, struct gosync_info *info);
void gs_obj_fill_state(struct gs_obj *obj, struct gosync_state *st, struct gosync_holder *hs,
		       unsigned int cap, struct pid_namespace *ns);
unsigned int gs_obj_ns_inum(struct gs_obj *obj);
int gs_obj_list(u64 cursor, struct gosync_info *buf, struct gosync_state *states,
		unsigned int cap, u64 *next);
unsigned int gs_obj_count(void);
unsigned int gs_obj_count_ns(void);
int gs_objects_init(void);
void gs_objects_exit(void);

/* ---- torture.c (GOSYNC_TORTURE builds only) ---- */

int gs_torture_run(struct gosync_torture *p, struct gosync_torture_thread *results);

#endif /* _GOSYNC_INTERNAL_H */
