// SPDX-License-Identifier: GPL-2.0
/*
 * gosync lock state for INFO, LIST and fdinfo: who holds a lock (struct
 * gs_who) and how contended it has been (struct gs_lockstat, a log2
 * histogram of wait times as lockstat keeps for kernel locks). Primitives
 * record; the uapi layer reports. No user pointers here.
 */
#include <linux/export.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "gosync_trace.h"

/**
 * gs_who_set() - record @task as the one that acquired
 * @w: the record, under the lock of its object
 * @task: the acquiring task (current, or a waiter granted the lock)
 *
 * put_pid() may run here in atomic context: it only frees memory.
 */
void gs_who_set(struct gs_who *w, struct task_struct *task)
{
	struct pid *pid = task_tgid(task);

	if (w->pid != pid) {
		put_pid(w->pid);
		w->pid = get_pid(pid);
	}
	get_task_comm(w->comm, task);
}
EXPORT_SYMBOL_IF_KUNIT(gs_who_set);

/* Forget who acquired: the lock or permits were released. */
void gs_who_clear(struct gs_who *w)
{
	put_pid(w->pid);
	w->pid = NULL;
	w->comm[0] = '\0';
}
EXPORT_SYMBOL_IF_KUNIT(gs_who_clear);

/**
 * gs_who_report() - add one holder to @st, and to @hs if it has room
 * @w: who acquired (the caller holds the object's lock)
 * @flags: GOSYNC_HOLDER_*
 * @count: locks or permits held
 * @st: counts it in nr_holders; its first GOSYNC_STATE_HOLDERS go inline
 * @hs: room for @cap holders, or NULL
 * @cap: entries in @hs
 * @ns: the pid namespace to give the pid in
 *
 * The pid is translated into @ns (0 if not there, and then no comm
 * either). A process gone (reaped: no task has its tgid any more) is
 * flagged GOSYNC_HOLDER_EXITED, since its number may be another's by now.
 * (A zombie is not: its number cannot be reused yet.)
 */
void gs_who_report(const struct gs_who *w, u32 flags, u64 count, struct gosync_state *st,
		   struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns)
{
	unsigned int i = st->nr_holders++;
	struct gosync_holder rec = {
		.pid = w->pid ? pid_nr_ns(w->pid, ns) : 0,
		.flags = flags,
		.count = count,
	};

	BUILD_BUG_ON(sizeof(rec.comm) != TASK_COMM_LEN);
	if (w->pid && !pid_has_task(w->pid, PIDTYPE_TGID))
		rec.flags |= GOSYNC_HOLDER_EXITED;
	/* Outside @ns its name would tell what 0 hides. */
	if (!w->pid || rec.pid)
		memcpy(rec.comm, w->comm, sizeof(rec.comm));
	if (i < GOSYNC_STATE_HOLDERS)
		st->holders[i] = rec;
	if (hs && i < cap)
		hs[i] = rec;
}
EXPORT_SYMBOL_IF_KUNIT(gs_who_report);

/* One contended acquisition that waited @ns. */
void gs_lockstat_add(struct gs_lockstat *ls, u64 ns)
{
	atomic64_inc(&ls->hist[gs_hist_bucket(ns)]);
	atomic64_add(ns, &ls->wait_ns);
}
EXPORT_SYMBOL_IF_KUNIT(gs_lockstat_add);

/*
 * Copy the contention counts into @st. An add may run meanwhile (a granted
 * waiter records its wait without the object's lock), so contended is the
 * sum of the buckets as read, not a count of its own: the uapi promises
 * that they add up.
 */
void gs_lockstat_read(struct gs_lockstat *ls, struct gosync_state *st)
{
	unsigned int i;

	st->wait_ns = atomic64_read(&ls->wait_ns);
	st->contended = 0;
	for (i = 0; i < GOSYNC_WAIT_HIST; i++) {
		st->wait_hist[i] = atomic64_read(&ls->hist[i]);
		st->contended += st->wait_hist[i];
	}
}
EXPORT_SYMBOL_IF_KUNIT(gs_lockstat_read);

/* ---- tracepoint hooks: one call each in the primitives ---- */

/**
 * gs_contended_begin() - a Lock, RLock or Acquire found @id taken
 * @id: the object (struct gs_mutex.id, ...)
 * @type: its enum gosync_type
 * @op: the op that waits
 * @count: what it wants (1, or permits)
 *
 * Return: the start of its wait, for gs_contended_end().
 */
u64 gs_contended_begin(u64 id, u32 type, u32 op, u64 count)
{
	trace_gosync_contended(id, type, op, task_tgid_nr(current), count, 0, 0);
	return ktime_get_ns();
}

/**
 * gs_contended_end() - that wait ended with @ret: count an acquisition
 *	(0 or -EOWNERDEAD) in @ls, trace the end
 * @ls: the object's contention statistics
 * @id: the object, as for gs_contended_begin()
 * @type: its enum gosync_type
 * @op: the op that waited
 * @count: what it wanted
 * @start: what gs_contended_begin() returned
 * @ret: how the wait ended; any other error is a wait that gave up
 *
 * Return: how long it waited, in ns.
 */
u64 gs_contended_end(struct gs_lockstat *ls, u64 id, u32 type, u32 op, u64 count,
		     u64 start, int ret)
{
	u64 ns = ktime_get_ns() - start;

	if (gs_locked(ret))
		gs_lockstat_add(ls, ns);
	trace_gosync_wait_end(id, type, op, task_tgid_nr(current), count, ns, ret);
	return ns;
}

/*
 * An acquisition's outcome @ret: traced if it acquired. This and the release
 * run on every Lock and Unlock: the _enabled() test keeps task_tgid_nr(), an
 * out-of-line call the compiler cannot skip, off them while tracing is off.
 */
void gs_trace_acquired(u64 id, u32 type, u32 op, u64 count, u64 wait_ns, int ret)
{
	if (trace_gosync_acquired_enabled() && gs_locked(ret))
		trace_gosync_acquired(id, type, op, task_tgid_nr(current), count, wait_ns, ret);
}

/* A release of @count that succeeded (@ret 0) */
void gs_trace_released(u64 id, u32 type, u32 op, u64 count, int ret)
{
	if (trace_gosync_released_enabled() && !ret)
		trace_gosync_released(id, type, op, task_tgid_nr(current), count, 0, 0);
}

/* A robust holder, last acquired by @pid, went away holding @count */
void gs_trace_owner_dead(u64 id, u32 type, pid_t pid, u64 count)
{
	trace_gosync_owner_dead(id, type, 0, pid, count, 0, 0);
}

/* A task begins to sleep in @op: the start, for gs_trace_wait_end() */
u64 gs_trace_wait_begin(u64 id, u32 type, u32 op)
{
	trace_gosync_wait_begin(id, type, op, task_tgid_nr(current), 0, 0, 0);
	return ktime_get_ns();
}

/* That sleep ended with @ret */
void gs_trace_wait_end(u64 id, u32 type, u32 op, u64 start, int ret)
{
	trace_gosync_wait_end(id, type, op, task_tgid_nr(current), 0, ktime_get_ns() - start,
			      ret);
}
