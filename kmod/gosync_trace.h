/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosync tracepoints: `perf trace -e 'gosync:*'`, trace-cmd and bpftrace see
 * objects created and destroyed, lock acquisitions (contended or not),
 * releases, waits and robust owners that died. Every event names the
 * object by its id (struct gosync_info.id) and type; @op is the command's
 * op (enum gosync_lock_op, gosync_sem_op, ...), @pid the thread group of the
 * task concerned (the caller; for owner_dead, the one that had acquired),
 * in the initial pid namespace. Defined in lockstat.c (CREATE_TRACE_POINTS).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gosync

#if !defined(_GOSYNC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GOSYNC_TRACE_H

#include <linux/tracepoint.h>
#include <linux/gosync.h>

#define gs_show_type(t)							\
	__print_symbolic(t, { GOSYNC_TYPE_COUNTER, "counter" },		\
			 { GOSYNC_TYPE_MAP, "map" },			\
			 { GOSYNC_TYPE_MUTEX, "mutex" },		\
			 { GOSYNC_TYPE_RWMUTEX, "rwmutex" },		\
			 { GOSYNC_TYPE_WAITGROUP, "waitgroup" },	\
			 { GOSYNC_TYPE_ONCE, "once" },			\
			 { GOSYNC_TYPE_CHAN, "chan" },			\
			 { GOSYNC_TYPE_SEM, "sem" },			\
			 { GOSYNC_TYPE_COND, "cond" })

DECLARE_EVENT_CLASS(gosync_obj_class,
		    TP_PROTO(u64 id, u32 type, u32 subtype),
		    TP_ARGS(id, type, subtype),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, type)
				     __field(u32, subtype)
				     __field(pid_t, pid)),
		    TP_fast_assign(__entry->id = id;
				   __entry->type = type;
				   __entry->subtype = subtype;
				   __entry->pid = task_tgid_nr(current);),
		    TP_printk("id=%llu type=%s subtype=%u pid=%d", __entry->id,
			      gs_show_type(__entry->type), __entry->subtype, __entry->pid)
);

/* An object was created (by @pid) */
DEFINE_EVENT(gosync_obj_class, gosync_create,
	     TP_PROTO(u64 id, u32 type, u32 subtype),
	     TP_ARGS(id, type, subtype));

/* Its last reference went: it is freed */
DEFINE_EVENT(gosync_obj_class, gosync_destroy,
	     TP_PROTO(u64 id, u32 type, u32 subtype),
	     TP_ARGS(id, type, subtype));

DECLARE_EVENT_CLASS(gosync_op_class,
		    TP_PROTO(u64 id, u32 type, u32 op, pid_t pid, u64 count, u64 wait_ns,
			     int result),
		    TP_ARGS(id, type, op, pid, count, wait_ns, result),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u64, count)
				     __field(u64, wait_ns)
				     __field(u32, type)
				     __field(u32, op)
				     __field(pid_t, pid)
				     __field(int, result)),
		    TP_fast_assign(__entry->id = id;
				   __entry->count = count;
				   __entry->wait_ns = wait_ns;
				   __entry->type = type;
				   __entry->op = op;
				   __entry->pid = pid;
				   __entry->result = result;),
		    TP_printk("id=%llu type=%s op=%u pid=%d count=%llu wait_ns=%llu result=%d",
			      __entry->id, gs_show_type(__entry->type), __entry->op,
			      __entry->pid, __entry->count, __entry->wait_ns, __entry->result)
);

#define GS_DEFINE_OP_EVENT(name)						\
	DEFINE_EVENT(gosync_op_class, name,					\
		     TP_PROTO(u64 id, u32 type, u32 op, pid_t pid, u64 count,	\
			      u64 wait_ns, int result),				\
		     TP_ARGS(id, type, op, pid, count, wait_ns, result))

/* A Lock, RLock or Acquire found it taken and will spin or sleep */
GS_DEFINE_OP_EVENT(gosync_contended);
/* Acquired (result 0 or -EOWNERDEAD); wait_ns 0 unless it was contended */
GS_DEFINE_OP_EVENT(gosync_acquired);
/* Unlock, RUnlock or Release of @count */
GS_DEFINE_OP_EVENT(gosync_released);
/* A task begins to sleep in a wait (WaitGroup Wait, Once Do, Cond Wait, channel) */
GS_DEFINE_OP_EVENT(gosync_wait_begin);
/* A wait ended after wait_ns, with result (0, -ETIMEDOUT, -EINTR, ...) */
GS_DEFINE_OP_EVENT(gosync_wait_end);
/* A robust holder's description closed holding @count: released for it */
GS_DEFINE_OP_EVENT(gosync_owner_dead);

#endif /* _GOSYNC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gosync_trace
#include <trace/define_trace.h>
