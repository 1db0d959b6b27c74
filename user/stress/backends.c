// SPDX-License-Identifier: GPL-2.0
/*
 * Every backend of every family, in one table: --list prints it, --mode
 * picks from it (within a workload's families). The ops vectors live with
 * their family: counter.c, lock.c (locks, WaitGroups, semaphores), map.c,
 * chan.c.
 */
#include "stress.h"

#define KERN(m, n, d, x) { .name = n, .family = "counter", .desc = d, \
	.kernel = true, .exact = x, .mode = m, .counter = &kern_counter_ops }
#define PEER(n, d, x, ops) { .name = n, .family = "counter", .desc = d, \
	.exact = x, .counter = &ops }
#define LOCK(n, k, d, ops) { .name = n, .family = "lock", .desc = d, \
	.kernel = k, .exact = true, .lock = &ops }
#define WG(n, k, d, ops) { .name = n, .family = "waitgroup", .desc = d, \
	.kernel = k, .exact = true, .wg = &ops }
#define SEM(n, k, x, d, ops) { .name = n, .family = "sem", .desc = d, \
	.kernel = k, .exact = x, .sem = &ops }

#define KMAP(m, n, b, d) { .name = n, .family = "map", .desc = d, \
	.kernel = true, .exact = true, .mode = m, .batched = b, .map = &gosync_map_ops }
#define PMAP(n, d, ops) { .name = n, .family = "map", .desc = d, \
	.exact = true, .map = &ops }
#define CHAN(n, k, b, d, ops) { .name = n, .family = "chan", .desc = d, \
	.kernel = k, .exact = true, .batched = b, .chan = &ops }

const struct stress_backend stress_backends[] = {
	KERN(GOSYNC_COUNTER_RACY, "racy",
	     "gosync counter, no synchronization (READ_ONCE, delay, WRITE_ONCE)", false),
	KERN(GOSYNC_COUNTER_ATOMIC, "atomic", "gosync counter, atomic64_t", true),
	{ .name = "atomic-mapped", .family = "counter", .kernel = true, .exact = true,
	  .mode = GOSYNC_COUNTER_ATOMIC, .counter = &mapped_counter_ops,
	  .desc = "gosync counter, atomic mode mapped (GOSYNC_CREATE_MAPPED): "
		  "C11 atomics on its word, no syscall" },
	KERN(GOSYNC_COUNTER_SPINLOCK, "spinlock", "gosync counter, spinlock_t", true),
	KERN(GOSYNC_COUNTER_MUTEX, "mutex", "gosync counter, struct mutex", true),
	KERN(GOSYNC_COUNTER_RWSEM, "rwsem", "gosync counter, rw_semaphore", true),
	KERN(GOSYNC_COUNTER_PERCPU, "percpu", "gosync counter, percpu_counter", true),
	PEER("c11-racy", "userspace peer: relaxed load, delay, store (lossy)",
	     false, c11_racy_ops),
	PEER("c11-atomic", "userspace peer: C11 atomic_fetch_add", true,
	     c11_atomic_ops),
	PEER("urcu-uatomic", "userspace peer: liburcu uatomic_add", true, urcu_ops),
	PEER("per-thread", "userspace peer: a padded slot per worker (uatomic_add), "
	     "Load sums them (as percpu)", true, per_thread_ops),
	PEER("pthread-mutex", "userspace peer: process-shared pthread mutex",
	     true, pthread_mutex_counter_ops),
	LOCK("gosync-mutex", true, "gosync Mutex (default attributes: robust)",
	     gosync_mutex_ops),
	LOCK("gosync-mutex-mapped", true, "gosync Mutex, GOSYNC_CREATE_MAPPED: "
	     "uncontended Lock/Unlock in userspace (libgosync's fast path)",
	     gosync_mutex_mapped_ops),
	LOCK("gosync-rwmutex", true, "gosync RWMutex (robust; Go's writer preference)",
	     gosync_rwmutex_ops),
	LOCK("gosync-rwmutex-mapped", true, "gosync RWMutex, non-robust, GOSYNC_CREATE_MAPPED: "
	     "uncontended locks in userspace (libgosync's fast path)",
	     gosync_rwmutex_mapped_ops),
	LOCK("pthread-mutex", false, "userspace peer: pthread_mutex_t (default type; "
	     "process-shared with --procs)", pthread_mutex_lock_ops),
	LOCK("pthread-rwlock", false, "userspace peer: pthread_rwlock_t (glibc "
	     "default: prefers readers)", pthread_rwlock_ops),
	LOCK("pthread-rwlock-wp", false, "userspace peer: pthread_rwlock_t, "
	     "PREFER_WRITER_NONRECURSIVE (Go-like)", pthread_rwlock_wp_ops),
	WG("gosync-waitgroup", true, "gosync WaitGroup", gosync_wg_ops),
	WG("gosync-waitgroup-mapped", true, "gosync WaitGroup, mapped "
	   "(GOSYNC_CREATE_MAPPED): Add/Done in userspace, syscalls to sleep and wake",
	   gosync_wg_mapped_ops),
	WG("pthread-cond-wg", false, "userspace peer: counter under a pthread "
	   "mutex, Wait on a pthread cond", pthread_cond_wg_ops),
	WG("pthread-barrier", false, "userspace peer: pthread_barrier_t (wg-round "
	   "only)", pthread_barrier_ops),
	SEM("gosync-sem", true, true, "gosync Semaphore (default attributes: robust; "
	    "x/sync's FIFO)", gosync_sem_ops),
	SEM("gosync-sem-mapped", true, true, "gosync Semaphore, non-robust, mapped "
	    "(GOSYNC_CREATE_MAPPED): libgosync's fast path, the kernel only to wait",
	    gosync_sem_mapped_ops),
	SEM("posix-sem", false, true, "userspace peer: POSIX sem_t (sem_init, "
	    "process-shared with --procs)", posix_sem_ops),
	SEM("unlimited", false, false, "no semaphore: every worker goes in (bounded "
	    "only: what the limit prevents)", unlimited_sem_ops),
	KMAP(GOSYNC_MAP_SPIN, "spin", false, "gosync map, hash table + spinlock_t"),
	KMAP(GOSYNC_MAP_RWSEM, "rwsem", false, "gosync map, hash table + rw_semaphore"),
	KMAP(GOSYNC_MAP_RCU, "rcu", false, "gosync map, rhashtable, RCU readers"),
	KMAP(GOSYNC_MAP_SPIN, "spin-batch", true,
	     "gosync spin map, ops in GOSYNC_IOC_BATCH vectors"),
	KMAP(GOSYNC_MAP_RWSEM, "rwsem-batch", true,
	     "gosync rwsem map, ops in GOSYNC_IOC_BATCH vectors"),
	KMAP(GOSYNC_MAP_RCU, "rcu-batch", true,
	     "gosync rcu map, ops in GOSYNC_IOC_BATCH vectors"),
	PMAP("pthread-mutex-map", "userspace peer: chained hash table under a "
	     "pthread_mutex_t", pthread_mutex_map_ops),
	PMAP("pthread-rwlock-map", "userspace peer: chained hash table under a "
	     "pthread_rwlock_t", pthread_rwlock_map_ops),
	PMAP("urcu-lfht", "userspace peer: liburcu cds_lfht (urcu-memb), needs "
	     "-lurcu-cds", urcu_lfht_ops),
	CHAN("gosync-chan", true, false, "gosync channel, one GOSYNC_IOC_CHAN per "
	     "message", gosync_chan_ops),
	CHAN("gosync-chan-vec", true, true, "gosync channel, messages in "
	     "GOSYNC_IOC_CHAN vectors of --batch", gosync_chan_vec_ops),
	CHAN("pipe", false, false, "peer: pipe(2), fixed-size messages, "
	     "F_SETPIPE_SZ for about cap messages", pipe_chan_ops),
	CHAN("socketpair", false, false, "peer: AF_UNIX SOCK_SEQPACKET socketpair, "
	     "SO_SNDBUF for about cap messages", socketpair_chan_ops),
	CHAN("mqueue", false, false, "peer: POSIX message queue (mq_open), "
	     "mq_maxmsg cap", mqueue_chan_ops),
	CHAN("eventfd-ring", false, false, "peer: SPSC ring of cap slots in shared "
	     "memory, eventfd doorbells only when a side sleeps", ring_chan_ops),
	CHAN("go-chan", false, false, "peer: Go channel of cap between two "
	     "goroutines (" STRESS_GO_PEER ", go 1.19)", go_chan_ops),
	{ .name = NULL },
};
