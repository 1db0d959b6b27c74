/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libgosync: thin wrappers around the /dev/gosync ioctls.
 *
 * Every function returns 0 (or a file descriptor, or a count where stated) on
 * success and -1 with errno set on failure, exactly as the ioctl did: the
 * errno values are those documented in <linux/gosync.h> and docs/uapi.md.
 * The library is safe to call from any thread. Its one piece of state is
 * the fast WaitGroup's answer to whether the module takes
 * GOSYNC_WG_F_UNHELD (fast_waitgroup.c), asked through gosync_dev_open()
 * once and kept, also when /dev/gosync cannot be opened (taken then as
 * new as the library), unless the open may succeed later (EMFILE, ENFILE,
 * ENOMEM, EINTR, EAGAIN: asked again on the next fast Done that needs it).
 *
 * Every struct the library passes to the kernel carries the library's own
 * sizeof in its size field, as compiled; so does a caller-built one it
 * sends (gosync_create(), gosync_version(), ...). A struct in this header
 * or <linux/gosync.h> that grows needs a new soname: a program built
 * against the old one would hand the library a struct too small for it.
 *
 * Memory model (docs/uapi.md has the table), in Go's words: the n'th
 * Mutex Unlock synchronizes before the m'th Lock returns (n < m); an RWMutex
 * is Go's; the Done that brings a WaitGroup to zero synchronizes before the
 * Waits it releases return; a Once's Complete synchronizes before every Do
 * that reports it done; a map write synchronizes before every read that
 * observes it; exact counter modes are sync/atomic's; channels follow Go's
 * rules (a Send before the Recv that takes its message completes; a Close
 * before a Recv that reports closed). A Semaphore Release
 * synchronizes before the Acquire that takes the permits it returned; a
 * Cond's Signal or Broadcast before the Waits it wakes return (which also
 * relock the Mutex). A poll that reports a
 * WaitGroup or Once fd readable is ordered after the event that made it so.
 * The racy and percpu counter modes and GOSYNC_OP_F_APPROX promise less.
 */
#ifndef GOSYNC_LIB_H
#define GOSYNC_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/gosync.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * gosync_dev_open() - open /dev/gosync (O_RDWR | O_CLOEXEC).
 * Return: the device fd, or -1 (ENOENT if the module is not loaded).
 */
int gosync_dev_open(void);

/**
 * gosync_version() - GOSYNC_IOC_VERSION: API version and supported features.
 * @dev: fd of /dev/gosync
 * @v: out; the library sets v->size
 */
int gosync_version(int dev, struct gosync_version *v);

/**
 * gosync_create() - GOSYNC_IOC_CREATE with a caller-built request.
 * @c: request; the library sets c->size
 * Return: the new object's fd (O_CLOEXEC).
 */
int gosync_create(int dev, struct gosync_create *c);

/**
 * gosync_counter_create() - create a counter.
 * @name: name to publish it under, or NULL for an anonymous counter
 * @perm: permission bits for a named counter (0: 0600); must be 0 if @name
 *	is NULL
 * @mode: enum gosync_counter_mode
 * @initial: initial value
 * Return: the counter's fd.
 */
int gosync_counter_create(int dev, const char *name, unsigned int perm,
			  unsigned int mode, int64_t initial);

/**
 * gosync_open() - GOSYNC_IOC_OPEN: a new fd to the object named @name.
 * @type: expected enum gosync_type, or 0 for any
 */
int gosync_open(int dev, const char *name, unsigned int type);

/**
 * gosync_open_owner() - gosync_open() of an object only if @uid/@gid own it.
 * @uid: the owner it must have, or (uid_t)-1 for any
 * @gid: the owner group it must have, or (gid_t)-1 for any
 * Return: its fd; -1 with EPERM if another user or group owns @name (someone
 * else took the name first: see "Claiming a name" in docs/uapi.md).
 */
int gosync_open_owner(int dev, const char *name, unsigned int type, uid_t uid, gid_t gid);

/** gosync_unlink() - GOSYNC_IOC_UNLINK: remove @name. */
int gosync_unlink(int dev, const char *name);

/**
 * gosync_unlink_id() - GOSYNC_IOC_UNLINK with GOSYNC_UNLINK_ID: remove @name
 * only if it still names the object of struct gosync_info.id @id (ENOENT if
 * not; E2BIG from a module without GOSYNC_FEATURE_UNLINK_ID).
 */
int gosync_unlink_id(int dev, const char *name, uint64_t id);

/** gosync_info() - GOSYNC_IOC_INFO: describe the object behind @fd. */
int gosync_info(int fd, struct gosync_info *info);

/**
 * gosync_list() - GOSYNC_IOC_LIST: one page of the live objects of the
 * caller's IPC namespace that it owns or may open (root: all of them).
 * @buf: room for @cap entries
 * @cursor: in/out: 0 to start; set to 0 when the listing is complete
 * @total: out (may be NULL): live objects in the caller's IPC namespace
 * Return: entries written.
 */
int gosync_list(int dev, struct gosync_info *buf, unsigned int cap,
		uint64_t *cursor, unsigned int *total);

/**
 * gosync_state() - GOSYNC_IOC_INFO with its state: what the object behind
 * @fd is doing now (holders, waiters, oldest wait) and its contention
 * (contended acquisitions, wait-time histogram).
 * @st: out
 * @holders: room for @cap holders, or NULL (@st has the first
 *	GOSYNC_STATE_HOLDERS); at most GOSYNC_HOLDERS_MAX are written
 * @nr_holders: out (may be NULL): holders there are; more than @cap, or
 *	than GOSYNC_HOLDERS_MAX, means the list was cut there
 */
int gosync_state(int fd, struct gosync_state *st, struct gosync_holder *holders,
		 unsigned int cap, unsigned int *nr_holders);

/**
 * gosync_list_state() - gosync_list() with each entry's state: @states[i]
 * describes @buf[i] (with its first GOSYNC_STATE_HOLDERS holders).
 */
int gosync_list_state(int dev, struct gosync_info *buf, struct gosync_state *states,
		      unsigned int cap, uint64_t *cursor, unsigned int *total);

/**
 * gosync_counter_op() - GOSYNC_IOC_COUNTER: one counter operation.
 * @op: enum gosync_op_code; @flags: GOSYNC_OP_F_*
 * @arg, @expected: operands (see enum gosync_op_code)
 * @result: out (may be NULL)
 */
int gosync_counter_op(int fd, unsigned int op, unsigned int flags,
		      int64_t arg, int64_t expected, int64_t *result);

/* Go's sync/atomic names over gosync_counter_op(). */
int gosync_counter_add(int fd, int64_t delta, int64_t *new_value);
int gosync_counter_load(int fd, int64_t *value);
int gosync_counter_store(int fd, int64_t value);
int gosync_counter_swap(int fd, int64_t value, int64_t *old);
/* @swapped: out: whether the value was @old and is now @new_value */
int gosync_counter_cas(int fd, int64_t old, int64_t new_value, bool *swapped);
int gosync_counter_reset(int fd, int64_t *old);
/* Go 1.23's And and Or: @old (may be NULL) gets the value before; not percpu */
int gosync_counter_and(int fd, int64_t mask, int64_t *old);
int gosync_counter_or(int fd, int64_t mask, int64_t *old);

/**
 * gosync_batch() - GOSYNC_IOC_BATCH: run @count ops on the counter @fd.
 * @flags: GOSYNC_BATCH_*
 * @done: out (may be NULL): ops executed; each has its result and error set
 */
int gosync_batch(int fd, struct gosync_op *ops, unsigned int count,
		 unsigned int flags, unsigned int *done);

/*
 * Blocking primitives. @timeout_ns < 0 waits forever; otherwise the wait
 * gives up with ETIMEDOUT after that many ns. A signal whose handler runs
 * ends a wait with EINTR (not restarted, even with SA_RESTART); a stop and
 * continue, or a signal no handler takes, does not: the kernel makes the
 * call again, waiting only what was left of @timeout_ns. gosync_cond_wait() returns
 * EINTR for those too. Lock calls may fail with EOWNERDEAD: the lock IS
 * then held, but its previous robust holder's fd closed while holding it.
 * A caller that retries after EINTR and wants one deadline for the whole
 * wait passes an absolute one: gosync_wait() with one case (LOCK, RLOCK,
 * WG_ZERO, ONCE_DONE, ACQUIRE, SEND, RECV) and GOSYNC_WAIT_ABSTIME.
 */

/**
 * gosync_mutex_create() - a Mutex
 * @name: NULL for anonymous; @perm as for gosync_counter_create()
 * @flags: GOSYNC_LOCK_ATTR_* (GOSYNC_LOCK_ATTR_NONROBUST: Go semantics, the
 *	lock outlives its holder's fd); either kind may be unlocked through any fd
 */
int gosync_mutex_create(int dev, const char *name, unsigned int perm, unsigned int flags);
/**
 * gosync_mutex_lock() - Lock: 0, EOWNERDEAD, ETIMEDOUT, EINTR, EDEADLK
 * (robust, but never a mapped Mutex: its holding task is not known to the
 * kernel, so its holder's relock waits for an Unlock or the timeout)
 */
int gosync_mutex_lock(int fd, int64_t timeout_ns);
/** gosync_mutex_trylock() - TryLock: 0, EOWNERDEAD, or EBUSY */
int gosync_mutex_trylock(int fd);
/** gosync_mutex_unlock() - Unlock: 0, or EPERM if not locked */
int gosync_mutex_unlock(int fd);

/** gosync_rwmutex_create() - an RWMutex; arguments as gosync_mutex_create() */
int gosync_rwmutex_create(int dev, const char *name, unsigned int perm, unsigned int flags);
int gosync_rwmutex_lock(int fd, int64_t timeout_ns);
int gosync_rwmutex_trylock(int fd);
int gosync_rwmutex_unlock(int fd);
int gosync_rwmutex_rlock(int fd, int64_t timeout_ns);
int gosync_rwmutex_tryrlock(int fd);
/** gosync_rwmutex_runlock() - RUnlock: EPERM unless this fd's description holds a read lock */
int gosync_rwmutex_runlock(int fd);
/** gosync_lock_op() - GOSYNC_IOC_MUTEX or _RWMUTEX (@ioc) with any enum gosync_lock_op */
int gosync_lock_op(int fd, unsigned long ioc, unsigned int op, int64_t timeout_ns);

/** gosync_waitgroup_create() - a WaitGroup (counter 0) */
int gosync_waitgroup_create(int dev, const char *name, unsigned int perm);
/**
 * gosync_waitgroup_add() - Add; @counter (may be NULL) gets the new value.
 * EINVAL: would go negative; EBUSY: Add racing with returning Waits;
 * EOVERFLOW: past the counter's limit (INT32_MAX for a mapped WaitGroup,
 * whose page holds 32 bits of it, through this call too).
 */
int gosync_waitgroup_add(int fd, int64_t delta, int64_t *counter);
int gosync_waitgroup_done(int fd, int64_t *counter);
/** gosync_waitgroup_wait() - Wait until zero: 0, ETIMEDOUT, EINTR */
int gosync_waitgroup_wait(int fd, int64_t timeout_ns);
int gosync_waitgroup_load(int fd, int64_t *counter);
/**
 * gosync_waitgroup_add_held() - Add(@delta > 0) held by this fd's open file
 * description (Go 1.25's WaitGroup.Go): Dones through the same description
 * settle it, and if the description closes first (its process died) the
 * kernel does them, so Wait never hangs on a dead worker.
 */
int gosync_waitgroup_add_held(int fd, int64_t delta, int64_t *counter);

/**
 * gosync_once_create() - a Once
 * @flags: GOSYNC_ONCE_ATTR_RETRY: if the runner's fd closes before
 *	Complete, the next Do runs the function again (default: counts as done)
 */
int gosync_once_create(int dev, const char *name, unsigned int perm, unsigned int flags);
/**
 * gosync_once_do() - Do: *@result is GOSYNC_ONCE_RUN (run the function, then
 * gosync_once_complete() on the same fd), or GOSYNC_ONCE_DONE (with
 * GOSYNC_ONCE_ABANDONED if the runner died). Waits while another runs it.
 */
int gosync_once_do(int fd, int64_t timeout_ns, unsigned int *result);
int gosync_once_complete(int fd);
/**
 * gosync_once_fail() - the runner's function failed (it could not give its
 * result): instead of Complete; the Once is done|ABANDONED, as when a runner
 * dies (GOSYNC_ONCE_ATTR_RETRY: the next Do runs it again). EPERM if the
 * caller's fd is not the runner's.
 */
int gosync_once_fail(int fd);
/** gosync_once_load() - *@result: 0 if not done, else GOSYNC_ONCE_DONE[|ABANDONED] */
int gosync_once_load(int fd, unsigned int *result);

/*
 * OnceValue (Go 1.21): a Once that keeps the runner's value, up to
 * @value_max (<= GOSYNC_ONCE_VALUE_MAX) bytes. Do and Load copy it to @buf
 * (@cap bytes of room; *@len gets its length, 0 if abandoned or not done;
 * EOVERFLOW if @cap is too small, with *@len the length it needs).
 */
int gosync_oncevalue_create(int dev, const char *name, unsigned int perm, unsigned int flags,
			    uint32_t value_max);
int gosync_oncevalue_do(int fd, int64_t timeout_ns, unsigned int *result, void *buf,
			size_t cap, size_t *len);
/** gosync_oncevalue_complete() - Complete with the value: EMSGSIZE past value_max */
int gosync_oncevalue_complete(int fd, const void *value, size_t len);
int gosync_oncevalue_load(int fd, unsigned int *result, void *buf, size_t cap, size_t *len);

/*
 * Semaphores: golang.org/x/sync/semaphore.Weighted. Waiters are served in
 * order; EINVAL for n 0 or larger than the semaphore. Robust (default):
 * permits are held by the open file description that took them and are
 * returned when it closes; only it may release them (EPERM beyond what it
 * holds). GOSYNC_SEM_ATTR_NONROBUST: POSIX sem_t's ownerless permits.
 */
int gosync_sem_create(int dev, const char *name, unsigned int perm, uint64_t size,
		      unsigned int flags);
/** gosync_sem_acquire() - Acquire(@n): 0, ETIMEDOUT, EINTR, EINVAL */
int gosync_sem_acquire(int fd, uint64_t n, int64_t timeout_ns);
/** gosync_sem_tryacquire() - TryAcquire(@n): 0 or EBUSY */
int gosync_sem_tryacquire(int fd, uint64_t n);
/** gosync_sem_release() - Release(@n): 0, EPERM if more than held, EINVAL for n 0 */
int gosync_sem_release(int fd, uint64_t n);
/** gosync_sem_load() - its size, free permits, and this description's (each may be NULL) */
int gosync_sem_load(int fd, uint64_t *size, uint64_t *avail, uint64_t *held);

/*
 * Conds: Go's sync.Cond, bound at creation to a gosync Mutex (its L).
 * Wait unlocks the Mutex, sleeps until a later Signal or Broadcast, and
 * locks the Mutex again through @mutex_fd before it returns, also when it
 * fails with ETIMEDOUT or EINTR (then, as in Go, recheck the condition).
 */
int gosync_cond_create(int dev, const char *name, unsigned int perm, int mutex_fd);
/** gosync_cond_wait() - Wait: 0, ETIMEDOUT, EINTR, EOWNERDEAD; EPERM if unlocked */
int gosync_cond_wait(int fd, int mutex_fd, int64_t timeout_ns);
int gosync_cond_signal(int fd);
int gosync_cond_broadcast(int fd);

/** gosync_map_batch() - GOSYNC_IOC_BATCH on the map @fd; as gosync_batch(). */
int gosync_map_batch(int fd, struct gosync_map_op *ops, unsigned int count,
		     unsigned int flags, unsigned int *done);

/*
 * Maps: Go's sync.Map with byte-string keys (1..GOSYNC_MAP_KEY_MAX bytes)
 * and values (0..GOSYNC_MAP_VALUE_MAX bytes).
 *
 * Functions that return a value take @buf (capacity @cap) and @len (may be
 * NULL): on success *@len is the value's length and @buf holds it. If the
 * value is longer than @cap they fail with EOVERFLOW, change nothing, and
 * still set *@len to the length needed. With @buf NULL and @cap 0 the value
 * is not returned at all (GOSYNC_MAP_F_NOVALUE): no EOVERFLOW, *@len is set.
 * Any other failure writes no out-param: *@len and the bools keep what
 * the caller had there.
 */

/**
 * gosync_map_create() - create a map.
 * @name: name to publish it under, or NULL for an anonymous map
 * @perm: permission bits for a named map (0: 0600); 0 if @name is NULL
 * @backend: enum gosync_map_backend
 * @max_entries: most entries (ENOSPC beyond); 0: GOSYNC_MAP_DEFAULT_ENTRIES
 * @max_bytes: most key plus value bytes; 0: GOSYNC_MAP_DEFAULT_BYTES
 * Return: the map's fd.
 */
int gosync_map_create(int dev, const char *name, unsigned int perm,
		      unsigned int backend, unsigned int max_entries,
		      uint64_t max_bytes);

/**
 * gosync_map_op() - GOSYNC_IOC_MAP: one caller-built map operation.
 * @op: in/out; its output fields are set on success and on EOVERFLOW
 */
int gosync_map_op(int fd, struct gosync_map_op *op);

/**
 * gosync_map_load() - Load: the value of @key.
 * @ok: out (may be NULL): whether @key is present (if not, *@len is 0)
 */
int gosync_map_load(int fd, const void *key, size_t klen, void *buf, size_t cap,
		    size_t *len, bool *ok);

/** gosync_map_store() - Store: set @key to @val. ENOSPC past the map's limits. */
int gosync_map_store(int fd, const void *key, size_t klen, const void *val,
		     size_t vlen);

/**
 * gosync_map_load_or_store() - LoadOrStore: the existing value of @key, or
 *	store @val if there is none.
 * @loaded: out (may be NULL): true if @key existed (@buf holds its value),
 *	false if @val was stored (@buf untouched)
 */
int gosync_map_load_or_store(int fd, const void *key, size_t klen,
			     const void *val, size_t vlen, void *buf, size_t cap,
			     size_t *len, bool *loaded);

/**
 * gosync_map_load_and_delete() - LoadAndDelete: delete @key, returning its value.
 * @loaded: out (may be NULL): whether @key was present
 */
int gosync_map_load_and_delete(int fd, const void *key, size_t klen, void *buf,
			       size_t cap, size_t *len, bool *loaded);

/** gosync_map_delete() - Delete @key. @deleted: out (may be NULL): it was present. */
int gosync_map_delete(int fd, const void *key, size_t klen, bool *deleted);

/**
 * gosync_map_swap() - Swap: set @key to @val, returning the previous value.
 * @loaded: out (may be NULL): whether @key was present (@buf holds the old value)
 */
int gosync_map_swap(int fd, const void *key, size_t klen, const void *val,
		    size_t vlen, void *buf, size_t cap, size_t *len, bool *loaded);

/**
 * gosync_map_compare_and_swap() - CompareAndSwap: if @key's value is @old,
 *	set it to @val.
 * @swapped: out (may be NULL): whether it did
 */
int gosync_map_compare_and_swap(int fd, const void *key, size_t klen,
				const void *old, size_t olen, const void *val,
				size_t vlen, bool *swapped);

/**
 * gosync_map_compare_and_delete() - CompareAndDelete: delete @key if its
 *	value is @old.
 * @deleted: out (may be NULL): whether it did
 */
int gosync_map_compare_and_delete(int fd, const void *key, size_t klen,
				  const void *old, size_t olen, bool *deleted);

/** gosync_map_clear() - Clear: delete every entry. @count: out (may be NULL). */
int gosync_map_clear(int fd, uint64_t *count);

/** gosync_map_len() - the number of entries, in *@count. */
int gosync_map_len(int fd, uint64_t *count);

/**
 * struct gosync_map_cursor - where a Range is; zero it to begin one
 * @start: the kernel's cursor
 * @pos: the kernel's cursor
 * @done: set when the Range is complete
 */
struct gosync_map_cursor {
	uint64_t start;
	uint64_t pos;
	bool done;
};

/**
 * gosync_map_range() - GOSYNC_IOC_MAP_RANGE: the next entries of a Range.
 * @buf: filled with records; walk them with gosync_map_entry_next()
 * @cap: capacity of @buf; EOVERFLOW if not even the next entry fits
 *	(*@needed then says how big @buf must be)
 * @cur: in/out: the Range's cursor
 * @needed: out (may be NULL): EOVERFLOW: bytes the next entry needs
 *
 * Go's Range: no key is seen twice in one Range (one cursor), and every
 * entry present throughout is seen exactly once, whatever others do.
 * Return: entries written (0 and cur->done at the end).
 */
int gosync_map_range(int fd, void *buf, size_t cap, struct gosync_map_cursor *cur,
		     size_t *needed);

/**
 * gosync_map_entry_next() - decode the record at @*off in a Range buffer.
 * @off: in: its offset; out: the next record's
 * @key, @klen, @val, @vlen: out: the entry (pointers into @buf)
 */
void gosync_map_entry_next(const void *buf, size_t *off, const void **key,
			   size_t *klen, const void **val, size_t *vlen);

/*
 * Channels: Go's chan of byte strings. @timeout_ns as for the blocking
 * primitives (< 0: forever); gosync_chan_vec() with GOSYNC_WAIT_NONBLOCK
 * never waits (EAGAIN; @timeout_ns must be -1 or 0, else EINVAL). A Send on
 * a closed channel, or one that was waiting when it closed, is EPIPE.
 */

/**
 * gosync_chan_create() - a channel
 * @cap: buffered messages (0: unbuffered, a Send waits for its receiver)
 * @msg_max: longest message (0: GOSYNC_CHAN_MSG_DEFAULT); longer is EMSGSIZE
 */
int gosync_chan_create(int dev, const char *name, unsigned int perm, uint32_t cap,
		       uint32_t msg_max);
/**
 * gosync_chan_send() - Send one message: 0, EPIPE, ETIMEDOUT, EINTR, EMSGSIZE,
 *	ENOSPC (the sender's max_bytes_per_user), ENOMEM
 */
int gosync_chan_send(int fd, const void *msg, size_t len, int64_t timeout_ns);
/**
 * gosync_chan_recv() - Recv one message into @buf (@cap bytes)
 * @len: out (may be NULL): its length (EOVERFLOW: the length it needs;
 *	nothing received); other failures leave it as it was
 * @ok: out (may be NULL), written only on success: false if the channel is
 *	closed and drained (Go's v, ok := <-ch); a failure (ETIMEDOUT, EINTR,
 *	...) leaves it as it was and says nothing about closing
 */
int gosync_chan_recv(int fd, void *buf, size_t cap, size_t *len, bool *ok,
		     int64_t timeout_ns);
/**
 * gosync_chan_vec() - GOSYNC_IOC_CHAN with SEND or RECV over @count messages
 * @flags: GOSYNC_WAIT_* (the library adds TIMEOUT for @timeout_ns >= 0)
 * @cmd: out (may be NULL): the struct as the kernel wrote it back (done,
 *	len, cap, closed, needed, msg_max)
 * A SEND that has sent some of its messages is never restarted: any signal
 * ends it with EINTR, @cmd->done saying how many were sent.
 */
int gosync_chan_vec(int fd, unsigned int op, struct gosync_chan_msg *msgs, unsigned int count,
		    unsigned int flags, int64_t timeout_ns, struct gosync_chan_cmd *cmd);
/** gosync_chan_close() - close(ch): 0, or EPIPE if it was closed already */
int gosync_chan_close(int fd);
/** gosync_chan_len() - len(ch), cap(ch), and whether it is closed (any may be NULL) */
int gosync_chan_len(int fd, uint32_t *len, uint32_t *cap, bool *closed);
/** gosync_chan_msg_max() - the channel's longest message, in bytes */
int gosync_chan_msg_max(int fd, uint32_t *msg_max);

/**
 * gosync_wait() - GOSYNC_IOC_WAIT: Go's select (or wait-all) over @cases
 * @flags: GOSYNC_WAIT_ALL, GOSYNC_WAIT_ORDERED, GOSYNC_WAIT_NONBLOCK,
 *	GOSYNC_WAIT_ABSTIME, GOSYNC_WAIT_REALTIME (TIMEOUT is added for
 *	@timeout_ns >= 0 without ABSTIME)
 * @index: out (may be NULL): the case that completed (ANY)
 * Return: 0, with each completed case's error field set; -1 with errno.
 */
int gosync_wait(int dev, struct gosync_wait_case *cases, unsigned int count,
		unsigned int flags, int64_t timeout_ns, unsigned int *index);

/*
 * The mapped fast path (GOSYNC_CREATE_MAPPED, docs/uapi.md "The mapped fast
 * path"): an object created mapped has a shared page of state words, and
 * these functions do its uncontended operations there with atomics, calling
 * the kernel only to wait or wake. They keep Go's semantics and the ioctl
 * calls' return values (but EDEADLK: see gosync_mutex_lock()); the fd
 * functions above keep working on the same object at the same time. A
 * struct gosync_fast is the caller's: one per open file description
 * (dup()s and fork()s share one), used from any thread, closed with
 * gosync_fast_close() before the fd. A fork()ed child's copy of the mapping
 * keeps the description alive as its fds do: a robust Mutex held through
 * it outlives the parent's death (no EOWNERDEAD yet) until the child too
 * unmaps it (gosync_fast_close()), execs or exits.
 */

/**
 * struct gosync_fast - a mapped object, as the fast path uses it
 * @fd: the object's fd (not owned: gosync_fast_close() leaves it open)
 * @token: the kernel's token for @fd's file description
 * @words: the object's page, mapped shared
 */
struct gosync_fast {
	int fd;
	uint32_t token;
	struct gosync_mapped *words;
};

/**
 * gosync_fast_open() - map @fd's object for the fast path
 * Return: 0; -1 with ENODEV if it was not created GOSYNC_CREATE_MAPPED.
 */
int gosync_fast_open(int fd, struct gosync_fast *f);
/** gosync_fast_close() - unmap it (the fd stays open) */
void gosync_fast_close(struct gosync_fast *f);
/**
 * gosync_fast_create() - GOSYNC_IOC_CREATE of @c with GOSYNC_CREATE_MAPPED,
 * then gosync_fast_open(). Return: the fd, or -1 (nothing left open).
 */
int gosync_fast_create(int dev, struct gosync_create *c, struct gosync_fast *f);

/*
 * Mutex: gosync_mutex_*()'s contract, without a system call when
 * uncontended; never EDEADLK (see gosync_mutex_lock()).
 */
int gosync_fast_mutex_create(int dev, const char *name, unsigned int perm,
			     unsigned int flags, struct gosync_fast *f);
int gosync_fast_mutex_lock(struct gosync_fast *f, int64_t timeout_ns);
int gosync_fast_mutex_trylock(struct gosync_fast *f);
int gosync_fast_mutex_unlock(struct gosync_fast *f);

/*
 * Counter (atomic mode): gosync_counter_*()'s contract (every out-param may
 * be NULL), as sequentially consistent atomics on the shared value; never a
 * system call. See fast_counter.c.
 */
int gosync_fast_counter_create(int dev, const char *name, unsigned int perm,
			       int64_t initial, struct gosync_fast *f);
int gosync_fast_counter_add(struct gosync_fast *f, int64_t delta, int64_t *new_value);
int gosync_fast_counter_load(struct gosync_fast *f, int64_t *value);
int gosync_fast_counter_store(struct gosync_fast *f, int64_t value);
int gosync_fast_counter_swap(struct gosync_fast *f, int64_t value, int64_t *old);
int gosync_fast_counter_cas(struct gosync_fast *f, int64_t old, int64_t new_value,
			    bool *swapped);

/*
 * WaitGroup (fast_waitgroup.c): gosync_waitgroup_*()'s contract. Add and Done call the kernel
 * only to wake Waits or pollers at zero (or when the kernel is busy with the
 * word); Wait only when the counter is not zero. The counter has 32 bits:
 * EOVERFLOW past INT32_MAX. Held Adds (gosync_waitgroup_add_held()) stay
 * the fd functions': their Dones must be gosync_waitgroup_done() on the
 * same fd, since the kernel settles a held Add only on a Done it sees
 * (after a fast Done it would subtract the Add again when the fd closes).
 */
int gosync_fast_waitgroup_create(int dev, const char *name, unsigned int perm,
				 struct gosync_fast *f);
int gosync_fast_waitgroup_add(struct gosync_fast *f, int64_t delta, int64_t *counter);
int gosync_fast_waitgroup_done(struct gosync_fast *f, int64_t *counter);
int gosync_fast_waitgroup_wait(struct gosync_fast *f, int64_t timeout_ns);

/*
 * Once (fast_once.c): gosync_once_do()'s contract (any Once, RETRY or OnceValue; the value,
 * if any, with gosync_oncevalue_load()); a done Once returns without a
 * system call. Complete with gosync_once_complete(f->fd).
 */
int gosync_fast_once_create(int dev, const char *name, unsigned int perm,
			    unsigned int flags, struct gosync_fast *f);
int gosync_fast_once_do(struct gosync_fast *f, int64_t timeout_ns, unsigned int *result);

/*
 * Semaphore (fast_sem.c): gosync_sem_*()'s contract, without a system call while permits are free
 * and nobody waits. GOSYNC_SEM_ATTR_NONROBUST only (a robust Semaphore
 * refuses GOSYNC_CREATE_MAPPED with EINVAL).
 */
int gosync_fast_sem_create(int dev, const char *name, unsigned int perm, uint64_t size,
			   unsigned int flags, struct gosync_fast *f);
int gosync_fast_sem_acquire(struct gosync_fast *f, uint64_t n, int64_t timeout_ns);
int gosync_fast_sem_tryacquire(struct gosync_fast *f, uint64_t n);
int gosync_fast_sem_release(struct gosync_fast *f, uint64_t n);

/*
 * RWMutex: gosync_rwmutex_*()'s contract, without a system call when
 * uncontended; only a GOSYNC_LOCK_ATTR_NONROBUST RWMutex can be mapped.
 * RUnlock fails with EPERM only when no read lock is held at all: read
 * locks taken on the fast path belong to no file description.
 */
int gosync_fast_rwmutex_create(int dev, const char *name, unsigned int perm,
			       unsigned int flags, struct gosync_fast *f);
int gosync_fast_rwmutex_lock(struct gosync_fast *f, int64_t timeout_ns);
int gosync_fast_rwmutex_trylock(struct gosync_fast *f);
int gosync_fast_rwmutex_unlock(struct gosync_fast *f);
int gosync_fast_rwmutex_rlock(struct gosync_fast *f, int64_t timeout_ns);
int gosync_fast_rwmutex_tryrlock(struct gosync_fast *f);
int gosync_fast_rwmutex_runlock(struct gosync_fast *f);

/* Names for printing and parsing; NULL / -1 when unknown. */
const char *gosync_type_name(unsigned int type);
int gosync_type_parse(const char *s);
const char *gosync_counter_mode_name(unsigned int mode);
int gosync_counter_mode_parse(const char *s);
const char *gosync_map_backend_name(unsigned int backend);
int gosync_map_backend_parse(const char *s);
const char *gosync_map_op_name(unsigned int op);

#ifdef __cplusplus
}
#endif
#endif /* GOSYNC_LIB_H */
