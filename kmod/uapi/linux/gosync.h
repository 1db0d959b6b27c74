/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gosync: Go's sync package as kernel objects.
 *
 * Conventions (modelled on iommufd):
 *  - Every ioctl takes a pointer to a struct whose first member is __u32 size,
 *    the size of the struct as the caller knows it. The kernel accepts older
 *    (smaller) and newer (larger) structs: bytes it does not know must be zero.
 *  - Fields named __reserved and bits of flags that are not defined must be
 *    zero. Pointers travel as __u64.
 *  - Objects are file descriptors (O_RDWR | O_CLOEXEC), created by
 *    GOSYNC_IOC_CREATE or GOSYNC_IOC_OPEN on /dev/gosync. An object lives while
 *    any fd to it is open, or while it has a name (see GOSYNC_IOC_UNLINK).
 *
 * errno, the common ones (docs/uapi.md has every errno, with EBADF, EPIPE,
 * EMSGSIZE, ETIMEDOUT, EBUSY, EOWNERDEAD, EDEADLK, ENODEV and EAGAIN with
 * GOSYNC_WAIT_NONBLOCK, and which command returns each):
 *  ENOTTY        unknown command, or a command not meant for this kind of fd
 *                (a device command on an object fd, a counter command on a
 *                map fd, ...)
 *  EFAULT        a pointer (the argument or one inside it) is not readable or
 *                writable
 *  EINVAL        size smaller than the first version of the struct; unknown
 *                flags; a __reserved field or unused attribute byte nonzero;
 *                an unknown type, mode or operation; a malformed name
 *  E2BIG         size larger than the kernel's struct and the extra bytes are
 *                not zero, or larger than a page; a batch longer than
 *                GOSYNC_BATCH_MAX
 *  ENAMETOOLONG  a name of GOSYNC_NAME_MAX bytes or more
 *  ENOENT        no object has that name
 *  EEXIST        the name is taken
 *  EACCES        the object's owner and mode do not allow the caller to open it
 *  EPERM         unlink of a name by someone other than its owner; open of
 *                an object whose owner is not the one the caller requires
 *  ENOSPC        the module's object limit, or the owner's per-user limit on
 *                objects or kernel memory, is reached; a map's max_entries
 *                or max_bytes would be exceeded
 *  EOPNOTSUPP    the operation is not supported by this object's mode
 *  E2BIG         (maps) a key longer than GOSYNC_MAP_KEY_MAX or a value
 *                longer than GOSYNC_MAP_VALUE_MAX
 *  EOVERFLOW     (maps) the value to return does not fit the caller's
 *                buffer: nothing happened, out_len says the length needed;
 *                (Range) the next entry does not fit: needed says its size
 *  EAGAIN        (RWMutex) GOSYNC_RWMUTEX_MAX_READERS read locks are held;
 *                (maps, rcu backend) the table is being resized and a
 *                Store could not insert: try again
 *  ENOMEM        out of memory (or the memory cgroup's limit)
 *  EMFILE/ENFILE no free file descriptor
 *  EINTR         a blocking call (Lock, Wait, Do, ...) was interrupted by a
 *                signal; any other call, by a fatal signal while it waited
 *                for a sleeping kernel lock (see GOSYNC_WAIT_TIMEOUT)
 */
#ifndef _UAPI_LINUX_GOSYNC_H
#define _UAPI_LINUX_GOSYNC_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define GOSYNC_API_VERSION	1
#define GOSYNC_DEVICE		"/dev/gosync"
#define GOSYNC_IOCTL_MAGIC	0xC6

/* Names: 1..GOSYNC_NAME_MAX-1 bytes of [A-Za-z0-9._-], not starting with '.' */
#define GOSYNC_NAME_MAX		64
/* Most ops in one GOSYNC_IOC_BATCH */
#define GOSYNC_BATCH_MAX	4096
/* Longest read-to-write delay a racy counter may ask for, in ns */
#define GOSYNC_RACY_DELAY_MAX	100000

/* Object types */
enum gosync_type {
	GOSYNC_TYPE_COUNTER = 1,
	GOSYNC_TYPE_MAP = 2,
	GOSYNC_TYPE_MUTEX = 3,
	GOSYNC_TYPE_RWMUTEX = 4,
	GOSYNC_TYPE_WAITGROUP = 5,
	GOSYNC_TYPE_ONCE = 6,
	GOSYNC_TYPE_CHAN = 7,
	GOSYNC_TYPE_SEM = 8,
	GOSYNC_TYPE_COND = 9,
};

/*
 * Counter modes: the synchronization a counter uses. See docs/uapi.md for
 * what each costs and which operations are exact.
 */
enum gosync_counter_mode {
	GOSYNC_COUNTER_RACY = 1,	/* none: lost updates on purpose */
	GOSYNC_COUNTER_ATOMIC = 2,	/* atomic64_t */
	GOSYNC_COUNTER_SPINLOCK = 3,	/* spinlock_t around an s64 */
	GOSYNC_COUNTER_MUTEX = 4,	/* struct mutex around an s64 */
	GOSYNC_COUNTER_RWSEM = 5,	/* rw_semaphore, Load shares it */
	GOSYNC_COUNTER_PERCPU = 6,	/* percpu_counter */
};

/*
 * Counter operations, Go's sync/atomic set. Values are signed 64-bit and wrap
 * modulo 2^64 in every mode, as atomic.AddInt64 does.
 *   ADD   arg = delta            result = new value
 *   LOAD                         result = value
 *   STORE arg = value            result = 0
 *   SWAP  arg = new value        result = old value
 *   CAS   arg = new, expected    result = old value; swapped iff old == expected
 *   RESET                        result = old value; value becomes 0
 *   AND   arg = mask             result = old value; value &= mask (Go 1.23)
 *   OR    arg = mask             result = old value; value |= mask (Go 1.23)
 * Operands an op does not take (arg of LOAD and RESET, expected of all but
 * CAS) must be 0. The percpu mode has no SWAP, CAS, AND or OR (EOPNOTSUPP).
 */
enum gosync_op_code {
	GOSYNC_OP_ADD = 1,
	GOSYNC_OP_LOAD = 2,
	GOSYNC_OP_STORE = 3,
	GOSYNC_OP_SWAP = 4,
	GOSYNC_OP_CAS = 5,
	GOSYNC_OP_RESET = 6,
	GOSYNC_OP_AND = 7,
	GOSYNC_OP_OR = 8,
};

/* Op flags */
/*
 * LOAD, ADD only: an approximate result is enough. percpu mode then reads
 * without summing the CPUs; the exact modes ignore it.
 */
#define GOSYNC_OP_F_APPROX	_BITUL(0)

/* Per-object statistics: struct gosync_info.stats[] indexes for counters */
enum gosync_counter_stat {
	GOSYNC_STAT_ADD = 0,
	GOSYNC_STAT_LOAD = 1,
	GOSYNC_STAT_STORE = 2,
	GOSYNC_STAT_SWAP = 3,
	GOSYNC_STAT_CAS = 4,
	GOSYNC_STAT_CAS_FAILED = 5,
	GOSYNC_STAT_RESET = 6,
	GOSYNC_STAT_AND_OR = 7,	/* Go's And, Or */
};

/* stats[] for Mutex and RWMutex */
enum gosync_lock_stat {
	GOSYNC_STAT_LOCKS = 0,		/* exclusive locks taken (Lock, TryLock) */
	GOSYNC_STAT_RLOCKS = 1,		/* read locks taken (RLock, TryRLock) */
	GOSYNC_STAT_UNLOCKS = 2,	/* Unlock and RUnlock */
	GOSYNC_STAT_BUSY = 3,		/* TryLock/TryRLock that failed */
	GOSYNC_STAT_TIMEOUTS = 4,
	GOSYNC_STAT_INTERRUPTS = 5,	/* waits ended by a signal */
	GOSYNC_STAT_OWNER_DEAD = 6,	/* locks taken with EOWNERDEAD */
};

/* stats[] for WaitGroups */
enum gosync_waitgroup_stat {
	GOSYNC_STAT_WG_ADDS = 0,	/* Add and Done */
	GOSYNC_STAT_WG_WAITS = 1,	/* Waits that returned 0 */
	GOSYNC_STAT_WG_MISUSE = 2,	/* Adds refused with EINVAL or EBUSY */
	GOSYNC_STAT_WG_ABANDONED = 3,	/* held Adds done for a description that closed */
};

/* stats[] for Onces */
enum gosync_once_stat {
	GOSYNC_STAT_ONCE_DOS = 0,	/* Do calls that returned */
	GOSYNC_STAT_ONCE_RUNS = 1,	/* callers told to run the function */
	GOSYNC_STAT_ONCE_COMPLETES = 2,
};

/* stats[] for Semaphores */
enum gosync_sem_stat {
	GOSYNC_STAT_SEM_ACQUIRES = 0,		/* Acquire and TryAcquire that took */
	GOSYNC_STAT_SEM_PERMITS_ACQUIRED = 1,	/* permits they took */
	GOSYNC_STAT_SEM_RELEASES = 2,
	GOSYNC_STAT_SEM_BUSY = 3,		/* TryAcquire that failed */
	GOSYNC_STAT_SEM_TIMEOUTS = 4,
	GOSYNC_STAT_SEM_ABANDONED = 5,		/* permits returned for a closed holder */
};

/* stats[] for Conds */
enum gosync_cond_stat {
	GOSYNC_STAT_COND_WAITS = 0,	/* Waits that were woken */
	GOSYNC_STAT_COND_SIGNALS = 1,
	GOSYNC_STAT_COND_BROADCASTS = 2,
	GOSYNC_STAT_COND_TIMEOUTS = 3,	/* Waits that timed out or were interrupted */
};

/* stats[] for channels */
enum gosync_chan_stat {
	GOSYNC_STAT_CHAN_SENDS = 0,	/* messages sent */
	GOSYNC_STAT_CHAN_RECVS = 1,	/* messages received */
	GOSYNC_STAT_CHAN_CLOSED_RECVS = 2, /* receives that found it closed and drained */
};

/* Length of struct gosync_info.stats */
#define GOSYNC_NR_STATS		8

/*
 * Maps (GOSYNC_TYPE_MAP): Go's sync.Map over byte-string keys and values.
 * Keys are 1..GOSYNC_MAP_KEY_MAX bytes, values 0..GOSYNC_MAP_VALUE_MAX bytes
 * (E2BIG beyond). A map holds at most max_entries entries and max_bytes bytes
 * of keys plus values (ENOSPC beyond); 0 at create means the default below.
 */
#define GOSYNC_MAP_KEY_MAX		256
#define GOSYNC_MAP_VALUE_MAX		65536
#define GOSYNC_MAP_DEFAULT_ENTRIES	1048576
#define GOSYNC_MAP_DEFAULT_BYTES	(64ULL << 20)

/* Map backends: the synchronization behind one map (info subtype) */
enum gosync_map_backend {
	GOSYNC_MAP_SPIN = 1,	/* hash table + one spinlock_t (map+Mutex) */
	GOSYNC_MAP_RWSEM = 2,	/* hash table + rw_semaphore (map+RWMutex) */
	GOSYNC_MAP_RCU = 3,	/* rhashtable, lock-free RCU readers (sync.Map) */
};

/*
 * Map operations, sync.Map's set (struct gosync_map_op). Operands: K key,
 * V value, O old (the comparand), R out (a buffer for a returned value).
 *   LOAD               K    R  result = 1 if present; R = its value
 *   STORE              KV      result = 0
 *   LOAD_OR_STORE      KV   R  result = 1 if present (R = its value, nothing
 *                              stored), 0 if V was stored (R untouched)
 *   LOAD_AND_DELETE    K    R  result = 1 if it was present; R = its value
 *   DELETE             K       result = 1 if it was present
 *   SWAP               KV   R  result = 1 if it was present; R = old value
 *   COMPARE_AND_SWAP   KVO     result = 1 if the value was O and is now V
 *   COMPARE_AND_DELETE K O     result = 1 if the value was O and is deleted
 *   CLEAR                      result = entries deleted
 *   LEN                        result = entries
 * Operands an op does not take must be 0 (pointer and length).
 */
enum gosync_map_op_code {
	GOSYNC_MAP_LOAD = 1,
	GOSYNC_MAP_STORE = 2,
	GOSYNC_MAP_LOAD_OR_STORE = 3,
	GOSYNC_MAP_LOAD_AND_DELETE = 4,
	GOSYNC_MAP_DELETE = 5,
	GOSYNC_MAP_SWAP = 6,
	GOSYNC_MAP_COMPARE_AND_SWAP = 7,
	GOSYNC_MAP_COMPARE_AND_DELETE = 8,
	GOSYNC_MAP_CLEAR = 9,
	GOSYNC_MAP_LEN = 10,
};

/* Map op flags */
/* Do not return the value: out and out_cap must be 0; out_len still says its length */
#define GOSYNC_MAP_F_NOVALUE	_BITUL(0)

/* struct gosync_info.stats[] indexes for maps */
enum gosync_map_stat {
	GOSYNC_MAP_STAT_LOADS = 0,	/* Load, LoadOrStore, LoadAndDelete, Swap */
	GOSYNC_MAP_STAT_HITS = 1,	/* ... that found the key */
	GOSYNC_MAP_STAT_MISSES = 2,	/* ... that did not */
	GOSYNC_MAP_STAT_STORES = 3,	/* values written (new or replaced) */
	GOSYNC_MAP_STAT_DELETES = 4,	/* entries deleted (Clear counts each) */
	GOSYNC_MAP_STAT_RESIZES = 5,	/* hash table resizes seen */
};

/* Command numbers: 0x00-0x3f on /dev/gosync, 0x40-0x7f on object fds */
#define GOSYNC_CMD_OBJ_BASE	0x40

enum {
	GOSYNC_CMD_VERSION = 0x00,
	GOSYNC_CMD_CREATE = 0x01,
	GOSYNC_CMD_OPEN = 0x02,
	GOSYNC_CMD_UNLINK = 0x03,
	GOSYNC_CMD_LIST = 0x04,
	GOSYNC_CMD_TORTURE = 0x05,
	GOSYNC_CMD_WAIT = 0x06,
	GOSYNC_CMD_INFO = 0x40,
	GOSYNC_CMD_COUNTER = 0x41,
	GOSYNC_CMD_BATCH = 0x42,
	GOSYNC_CMD_MUTEX = 0x43,
	GOSYNC_CMD_RWMUTEX = 0x44,
	GOSYNC_CMD_WAITGROUP = 0x45,
	GOSYNC_CMD_ONCE = 0x46,
	GOSYNC_CMD_MAP = 0x47,
	GOSYNC_CMD_MAP_RANGE = 0x48,
	GOSYNC_CMD_CHAN = 0x49,
	GOSYNC_CMD_SEM = 0x4a,
	GOSYNC_CMD_COND = 0x4b,
};

/**
 * struct gosync_version - GOSYNC_IOC_VERSION on /dev/gosync
 * @size: sizeof(struct gosync_version)
 * @flags: must be 0
 * @api_version: out: GOSYNC_API_VERSION of the running module
 * @name_max: out: GOSYNC_NAME_MAX
 * @types: out: bit (1 << GOSYNC_TYPE_*) set for each supported object type
 * @counter_modes: out: bit (1 << GOSYNC_COUNTER_*) for each supported mode
 * @counter_ops: out: bit (1 << GOSYNC_OP_*) for each supported counter op
 * @dev_cmds: out: bit (1 << GOSYNC_CMD_*) for each /dev/gosync command
 * @obj_cmds: out: bit (1 << (GOSYNC_CMD_* - GOSYNC_CMD_OBJ_BASE)) for each
 *	object command
 * @batch_max: out: GOSYNC_BATCH_MAX
 * @max_objects: out: the module's limit on live objects
 * @map_backends: out: bit (1 << GOSYNC_MAP_*) for each supported map backend
 * @map_ops: out: bit (1 << GOSYNC_MAP_<op>) for each supported map op
 * @map_key_max: out: GOSYNC_MAP_KEY_MAX
 * @map_value_max: out: GOSYNC_MAP_VALUE_MAX
 * @features: out: GOSYNC_FEATURE_* for each flag added to a command since
 *	its type came (a module without this field has none of them)
 */
struct gosync_version {
	__u32 size;
	__u32 flags;
	__u32 api_version;
	__u32 name_max;
	__u64 types;
	__u64 counter_modes;
	__u64 counter_ops;
	__u64 dev_cmds;
	__u64 obj_cmds;
	__u32 batch_max;
	__u32 max_objects;
	__u64 map_backends;
	__u64 map_ops;
	__u32 map_key_max;
	__u32 map_value_max;
	__u64 features;
};

/* struct gosync_version.features */
#define GOSYNC_FEATURE_WG_UNHELD	_BITUL(0)	/* GOSYNC_WG_F_UNHELD */
#define GOSYNC_FEATURE_ONCE_FAILED	_BITUL(1)	/* GOSYNC_ONCE_F_FAILED */
#define GOSYNC_FEATURE_UNLINK_ID	_BITUL(2)	/* GOSYNC_UNLINK_ID */

/* Size of the first struct gosync_version: smaller is EINVAL */
#define GOSYNC_VERSION_SIZE_VER0	64

#define GOSYNC_IOC_VERSION	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_VERSION)

/**
 * struct gosync_counter_attr - counter parameters for GOSYNC_IOC_CREATE
 * @mode: enum gosync_counter_mode
 * @flags: must be 0
 * @initial: initial value
 * @racy_delay_ns: racy mode only (else must be 0): spin this long between the
 *	read and the write of an update, to widen the race window;
 *	at most GOSYNC_RACY_DELAY_MAX
 * @__reserved: must be 0
 */
struct gosync_counter_attr {
	__u32 mode;
	__u32 flags;
	__s64 initial;
	__u32 racy_delay_ns;
	__u32 __reserved;
};

/* struct gosync_lock_attr.flags */
/*
 * Not robust: the (write) lock is not tied to its holder, as in Go. It stays
 * locked when the holder's fd closes (any fd may unlock it) and nobody is
 * told EOWNERDEAD. An unmapped RWMutex's read locks still go with their
 * description: dropped when it closes, RUnlocked only through it. Default
 * (robust): a holder's close releases its lock and the next locker gets
 * EOWNERDEAD.
 */
#define GOSYNC_LOCK_ATTR_NONROBUST	_BITUL(0)

/**
 * struct gosync_lock_attr - Mutex and RWMutex parameters for GOSYNC_IOC_CREATE
 * @flags: GOSYNC_LOCK_ATTR_*
 * @__reserved: must be 0
 */
struct gosync_lock_attr {
	__u32 flags;
	__u32 __reserved;
};

/* struct gosync_once_attr.flags */
/* If the runner's fd closes before Complete, start over instead of counting as done */
#define GOSYNC_ONCE_ATTR_RETRY		_BITUL(0)

/**
 * struct gosync_once_attr - Once parameters for GOSYNC_IOC_CREATE
 * @flags: GOSYNC_ONCE_ATTR_*
 * @value_max: the longest value COMPLETE may store (Go 1.21's OnceValue),
 *	0..GOSYNC_ONCE_VALUE_MAX; 0: a Once without a value
 */
struct gosync_once_attr {
	__u32 flags;
	__u32 value_max;
};

/* Longest OnceValue */
#define GOSYNC_ONCE_VALUE_MAX	65536

/**
 * struct gosync_map_attr - map parameters for GOSYNC_IOC_CREATE
 * @backend: enum gosync_map_backend
 * @flags: must be 0
 * @max_entries: most entries (ENOSPC beyond); 0: GOSYNC_MAP_DEFAULT_ENTRIES
 * @__reserved: must be 0
 * @max_bytes: most bytes of keys plus values (ENOSPC beyond);
 *	0: GOSYNC_MAP_DEFAULT_BYTES
 */
struct gosync_map_attr {
	__u32 backend;
	__u32 flags;
	__u32 max_entries;
	__u32 __reserved;
	__u64 max_bytes;
};

/* Most permits a Semaphore may have */
#define GOSYNC_SEM_MAX		0x4000000000000000ULL	/* 2^62 */

/* struct gosync_sem_attr.flags */
/*
 * Not robust: permits belong to nobody (POSIX sem_t): any fd may release
 * them, and they are not returned when a description closes. Default
 * (robust): permits are held by the open file description that acquired
 * them, returned when its last fd closes, and only it may release them.
 */
#define GOSYNC_SEM_ATTR_NONROBUST	_BITUL(0)

/**
 * struct gosync_sem_attr - Semaphore parameters for GOSYNC_IOC_CREATE
 * @size: total permits, 1..GOSYNC_SEM_MAX
 * @flags: GOSYNC_SEM_ATTR_*
 * @__reserved: must be 0
 */
struct gosync_sem_attr {
	__u64 size;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct gosync_cond_attr - Cond parameters for GOSYNC_IOC_CREATE
 * @mutex_fd: an fd of the gosync Mutex the Cond is bound to (Go's c.L);
 *	the Cond keeps the Mutex alive
 * @flags: must be 0
 * @__reserved: must be 0
 */
struct gosync_cond_attr {
	__s32 mutex_fd;
	__u32 flags;
	__u64 __reserved;
};

/* Channels: most buffered messages, longest message, the default longest */
#define GOSYNC_CHAN_CAP_MAX		65536
#define GOSYNC_CHAN_MSG_MAX		65536
#define GOSYNC_CHAN_MSG_DEFAULT		4096

/**
 * struct gosync_chan_attr - channel parameters for GOSYNC_IOC_CREATE
 * @cap: buffered messages, 0 (unbuffered: a send waits for its receiver)
 *	to GOSYNC_CHAN_CAP_MAX
 * @msg_max: longest message, 1 to GOSYNC_CHAN_MSG_MAX; 0 for
 *	GOSYNC_CHAN_MSG_DEFAULT. A longer send is EMSGSIZE.
 * @flags: must be 0
 * @__reserved: must be 0
 */
struct gosync_chan_attr {
	__u32 cap;
	__u32 msg_max;
	__u32 flags;
	__u32 __reserved;
};

/* Create flags */
/*
 * The object has a shared page of state words (struct gosync_mapped) that
 * mmap() on its fd maps; libgosync then does uncontended operations on it
 * with atomics and calls the kernel only to wait or wake (docs/uapi.md,
 * "The mapped fast path"). Every ioctl keeps working on such an object.
 * Only the types with a layout in struct gosync_mapped accept it; others
 * refuse (EINVAL).
 */
#define GOSYNC_CREATE_MAPPED	_BITUL(0)

/**
 * struct gosync_create - GOSYNC_IOC_CREATE on /dev/gosync
 * @size: sizeof(struct gosync_create)
 * @flags: GOSYNC_CREATE_*
 * @type: enum gosync_type
 * @perm: permission bits (0 to 0777) checked by GOSYNC_IOC_OPEN against the
 *	owner (the creator's fsuid/fsgid); 0 means 0600. Must be 0 if @name is 0.
 * @name: pointer to a NUL-terminated name to publish the object under, or 0
 *	for an anonymous object. Names are per IPC namespace: the caller's.
 * @counter: attributes of a GOSYNC_TYPE_COUNTER
 * @lock: attributes of a GOSYNC_TYPE_MUTEX or GOSYNC_TYPE_RWMUTEX
 * @once: attributes of a GOSYNC_TYPE_ONCE (a WaitGroup has none)
 * @map: attributes of a GOSYNC_TYPE_MAP
 * @chan: attributes of a GOSYNC_TYPE_CHAN
 * @sem: attributes of a GOSYNC_TYPE_SEM
 * @cond: attributes of a GOSYNC_TYPE_COND
 * @__attr: room for every type's attributes; bytes past the type's struct
 *	must be zero
 *
 * Returns the new object's fd (O_RDWR | O_CLOEXEC). A named object holds a
 * reference through its name until GOSYNC_IOC_UNLINK, so it outlives its fds.
 * (__extension__: the union is anonymous, which C99 has not.)
 */
__extension__
struct gosync_create {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 perm;
	__u64 name;
	union {
		struct gosync_counter_attr counter;
		struct gosync_lock_attr lock;
		struct gosync_once_attr once;
		struct gosync_map_attr map;
		struct gosync_chan_attr chan;
		struct gosync_sem_attr sem;
		struct gosync_cond_attr cond;
		__u64 __attr[8];
	};
};

#define GOSYNC_IOC_CREATE	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_CREATE)

/*
 * The mapped fast path (GOSYNC_CREATE_MAPPED). Tokens name file
 * descriptions in state words: 1 to GOSYNC_TOKEN_MAX - 1, issued by the
 * kernel (struct gosync_info.token), never 0, and in turn: a token freed
 * with its description is issued again only after all the others.
 * GOSYNC_TOKEN_MAX itself marks a lock the kernel took for no description.
 */
#define GOSYNC_TOKEN_MAX	0x3fffffffU

/*
 * struct gosync_mapped.mutex, a Mutex's state word:
 * GOSYNC_MUTEX_TOKEN  the token of the description that holds it; 0 when free.
 * GOSYNC_MUTEX_WAITERS the kernel has waiters (or pollers, or a dead holder
 *	to report): the word must change only through the kernel.
 * GOSYNC_MUTEX_SPINNING a Lock spins in userspace for it. Without a token:
 *	free, reserved for a spinner.
 * The fast path: Lock is a compare-and-swap from 0 to the caller's token,
 * Unlock one from the token back to 0 (acquire and release). A Lock that
 * finds the word held without WAITERS may spin: it sets SPINNING (CAS on
 * the held value), and then may also take SPINNING alone (CAS to its token,
 * acquire); a Lock that has not seen SPINNING on a held word must not. An
 * Unlock that finds token | SPINNING swaps it for SPINNING alone (release),
 * so a spinner, not the unlocker's next Lock, gets the lock. The kernel
 * treats SPINNING as absent (a word without a token is free) and drops it
 * whenever it writes the word, so a spinner that leaves cannot wedge it. Any
 * other value means "ask the kernel" (GOSYNC_MUTEX_LOCK, GOSYNC_MUTEX_UNLOCK).
 * A Lock through the kernel leaves WAITERS set only while others wait or
 * watch: with nobody else, the word it gets is the bare token (a select's or
 * wait-all's case, which watches as it takes the lock, has WAITERS dropped
 * when the wait ends).
 */
#define GOSYNC_MUTEX_TOKEN	0x3fffffffU
#define GOSYNC_MUTEX_WAITERS	0x40000000U
#define GOSYNC_MUTEX_SPINNING	0x80000000U

/*
 * struct gosync_mapped.counter, an atomic-mode counter's value (naturally
 * aligned): every counter op of the kernel is a fully ordered atomic on it,
 * so userspace may use the same word with sequentially consistent atomics
 * (Go's sync/atomic). Only GOSYNC_COUNTER_ATOMIC maps (else EINVAL).
 */

/*
 * struct gosync_mapped.waitgroup, a WaitGroup's state word (Go's layout):
 * bits 63..32 the counter, a signed 32-bit value (EOVERFLOW past S32_MAX);
 * GOSYNC_WG_WAITERS Waits asleep in the kernel, and Waits a zero released
 *                   that have not returned yet (until then a positive Add
 *                   to that zero calls, and gets EBUSY);
 * GOSYNC_WG_POLLED  a poll, select or wait-all watches it (dropped by the
 *                   kernel's next update that finds none, and the counter 0);
 * GOSYNC_WG_KERNEL  the kernel is updating the word: leave it alone.
 * The low 32 bits are the kernel's: userspace never writes them.
 * The fast path: Add is a compare-and-swap of the counter alone (sequentially
 * consistent), refused in userspace as by ADD (EINVAL negative, EOVERFLOW)
 * with the word unchanged. It asks the kernel (GOSYNC_WG_ADD) instead when
 * KERNEL is set, or for a positive delta on a zero counter with any low bit
 * set (a zero the kernel may not have seen yet). An Add that leaves the
 * counter zero with any low bit set must then call GOSYNC_WG_ADD with delta 0:
 * on a mapped WaitGroup that releases the Waits of a zero it has not seen.
 * Wait returns at once on a zero counter (acquire), else asks the kernel,
 * which registers it in GOSYNC_WG_WAITERS in the same word, so a Done either
 * comes before (the kernel sees zero) or sees the waiter and calls.
 */
#define GOSYNC_WG_WAITERS	0x3fffffffULL
#define GOSYNC_WG_POLLED	0x40000000ULL
#define GOSYNC_WG_KERNEL	0x80000000ULL
#define GOSYNC_WG_SHIFT		32

/*
 * struct gosync_mapped.once, a Once's state word: 0 until done, then
 * GOSYNC_ONCE_DONE (with GOSYNC_ONCE_ABANDONED if its runner went away),
 * stored by the kernel with release after the function's Complete (and an
 * OnceValue's value), never changed after. Userspace only loads it: a DO
 * that loads it with acquire and sees GOSYNC_ONCE_DONE may return that
 * result without the kernel (Go's fast path); anything else is the DO
 * ioctl's (who runs, waiting, GOSYNC_ONCE_ATTR_RETRY, the value). The
 * kernel never reads the word.
 */

/*
 * struct gosync_mapped.sem, a Semaphore's state word: the free permits
 * (GOSYNC_SEM_FREE) and GOSYNC_SEM_KERNEL, "the kernel owns it" (Acquires
 * wait in its FIFO, or pollers or selections watch it): the word must then
 * change only through the kernel. With GOSYNC_SEM_KERNEL clear, Acquire(n)
 * is a compare-and-swap of free to free - n if free >= n (acquire), and
 * Release(n) one of free to free + n if that is at most sem_size (release);
 * anything else is the ioctl's (waiting in FIFO order, EPERM for a Release
 * of more than are taken, EINVAL). The kernel sets GOSYNC_SEM_KERNEL with
 * one atomic OR before it looks at the word, and clears it when no one
 * waits. @sem_size is the size, written by the kernel, never read by it.
 * Only GOSYNC_SEM_ATTR_NONROBUST Semaphores are mapped (EINVAL otherwise):
 * a robust one returns a dying description's permits, which needs to know
 * who holds how many, and a compare-and-swap of a count does not say.
 */
#define GOSYNC_SEM_FREE		0x7fffffffffffffffULL
#define GOSYNC_SEM_KERNEL	0x8000000000000000ULL

/*
 * struct gosync_mapped.rwmutex, an RWMutex's state word (only a
 * GOSYNC_LOCK_ATTR_NONROBUST RWMutex can be mapped):
 * GOSYNC_RWMUTEX_WRITER  the token of the description that write-locked it;
 *	0 when not write-locked.
 * GOSYNC_RWMUTEX_WAITERS the kernel has waiters (readers or writers; a
 *	queued writer stops new readers), pollers or selections: the word must
 *	change only through the kernel.
 * GOSYNC_RWMUTEX_READERS the number of read locks held, in units of
 *	GOSYNC_RWMUTEX_READER; at most GOSYNC_RWMUTEX_MAX_READERS.
 * Other bits are zero. The fast path (acquire for locks, release for
 * unlocks), each a compare-and-swap of the whole word:
 * RLock, TryRLock: add GOSYNC_RWMUTEX_READER to a word without WRITER or
 *	WAITERS bits and with fewer than GOSYNC_RWMUTEX_MAX_READERS readers.
 * RUnlock: subtract GOSYNC_RWMUTEX_READER from a word without WRITER or
 *	WAITERS bits and with readers.
 * Lock, TryLock: from 0 to the caller's token. Unlock: from the token to 0.
 * Anything else asks the kernel (GOSYNC_IOC_RWMUTEX).
 */
#define GOSYNC_RWMUTEX_WRITER		0x000000003fffffffULL
#define GOSYNC_RWMUTEX_WAITERS		0x0000000040000000ULL
#define GOSYNC_RWMUTEX_READER		0x0000000100000000ULL
#define GOSYNC_RWMUTEX_READERS		0x7fffffff00000000ULL
#define GOSYNC_RWMUTEX_READER_SHIFT	32

/**
 * struct gosync_mapped - the page of a GOSYNC_CREATE_MAPPED object
 * @mutex: a Mutex's state word (GOSYNC_MUTEX_*)
 * @counter: an atomic-mode counter's value
 * @waitgroup: a WaitGroup's state word
 * @once: a Once's state word (0 or GOSYNC_ONCE_DONE[|ABANDONED])
 * @sem: a Semaphore's state word (GOSYNC_SEM_*)
 * @sem_size: the Semaphore's size, for the fast path's Release
 * @rwmutex: an RWMutex's state word (GOSYNC_RWMUTEX_*)
 * @__words: reserved: makes the union 64 bytes, whatever the type
 *
 * mmap() the object's fd: MAP_SHARED, offset 0, one page (a private or
 * executable mapping is refused). Every type uses only its own member; the
 * rest of the page is zero and reserved. The kernel reads the words only
 * for state: whatever a process writes there changes only how this object
 * behaves for its users, never the kernel's memory safety.
 * (__extension__: the union is anonymous and so the struct's only member,
 * which C99 has not, and it holds an anonymous struct, which C++ has not.)
 */
__extension__
struct gosync_mapped {
	union {
		__u32 mutex;
		__s64 counter;
		__u64 waitgroup;
		__u32 once;
		struct {
			__u64 sem;
			__u64 sem_size;
		};
		__u64 rwmutex;
		__u64 __words[8];
	};
};

/* Open flags: refuse (EPERM) an object whose owner is not the one expected */
#define GOSYNC_OPEN_UID		_BITUL(0)	/* the owner must be @uid */
#define GOSYNC_OPEN_GID		_BITUL(1)	/* the owner group must be @gid */

/**
 * struct gosync_open - GOSYNC_IOC_OPEN on /dev/gosync
 * @size: sizeof(struct gosync_open)
 * @flags: GOSYNC_OPEN_*
 * @name: pointer to the NUL-terminated name, in the caller's IPC namespace
 * @type: 0 for any type, else the type the caller expects (EINVAL if the
 *	object is of another type)
 * @__reserved: must be 0
 * @uid: with GOSYNC_OPEN_UID, the owner (creator's fsuid) the object must
 *	have, in the caller's user namespace; else 0
 * @gid: with GOSYNC_OPEN_GID, the owner group it must have; else 0
 *
 * Returns a new fd (O_RDWR | O_CLOEXEC) to the named object. The caller needs
 * read and write permission in the object's mode for its class (owner, group,
 * other); CAP_DAC_OVERRIDE in the user namespace that owns the caller's IPC
 * namespace overrides, as for files. An object with another owner than
 * @uid/@gid asked for is EPERM, whatever its mode: a name someone else took
 * first (squatted) is never opened as if it were the expected one.
 */
struct gosync_open {
	__u32 size;
	__u32 flags;
	__u64 name;
	__u32 type;
	__u32 __reserved;
	__u32 uid;
	__u32 gid;
};

#define GOSYNC_IOC_OPEN		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_OPEN)

/**
 * struct gosync_unlink - GOSYNC_IOC_UNLINK on /dev/gosync
 * @size: sizeof(struct gosync_unlink)
 * @flags: GOSYNC_UNLINK_*
 * @name: pointer to the NUL-terminated name
 * @id: with GOSYNC_UNLINK_ID, the struct gosync_info.id the name must name
 *
 * Removes the name; the object lives on while fds to it are open. Only the
 * owner (or CAP_FOWNER) may unlink. With GOSYNC_UNLINK_ID, only if the name
 * still names object @id (ENOENT if not): a creator taking back its own name
 * cannot remove an object someone else made under it in between.
 */
struct gosync_unlink {
	__u32 size;
	__u32 flags;
	__u64 name;
	__u64 id;
};

/* struct gosync_unlink.flags */
#define GOSYNC_UNLINK_ID	_BITUL(0)	/* only the object @id */

#define GOSYNC_IOC_UNLINK	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_UNLINK)

/* struct gosync_info.flags */
#define GOSYNC_INFO_NAMED	_BITUL(0)
#define GOSYNC_INFO_MAPPED	_BITUL(1)	/* created GOSYNC_CREATE_MAPPED */

/**
 * struct gosync_info - one object, as GOSYNC_IOC_INFO and GOSYNC_IOC_LIST see it
 * @id: unique, never reused while the module is loaded; increases with age
 * @type: enum gosync_type
 * @subtype: counter: enum gosync_counter_mode; map: enum gosync_map_backend;
 *	Mutex, RWMutex, Once, Semaphore: the create attribute flags; channel:
 *	its capacity; WaitGroup, Cond: 0
 * @uid: owner (creator's fsuid), in the caller's user namespace
 * @gid: owner group (creator's fsgid)
 * @perm: permission bits
 * @flags: GOSYNC_INFO_*
 * @nr_files: open file descriptions referring to the object
 * @token: GOSYNC_IOC_INFO on a GOSYNC_CREATE_MAPPED object: the token the
 *	kernel issued to this file description, which the fast path writes
 *	into state words to say "held through this description"; else 0
 * @name: NUL-terminated name, empty if anonymous or unlinked
 * @stats: per-type operation counts: enum gosync_counter_stat,
 *	gosync_map_stat, gosync_lock_stat, gosync_waitgroup_stat,
 *	gosync_once_stat, gosync_sem_stat, gosync_cond_stat, gosync_chan_stat
 */
struct gosync_info {
	__u64 id;
	__u32 type;
	__u32 subtype;
	__u32 uid;
	__u32 gid;
	__u32 perm;
	__u32 flags;
	__u32 nr_files;
	__u32 token;
	char name[GOSYNC_NAME_MAX];
	__u64 stats[GOSYNC_NR_STATS];
};

/* Buckets of struct gosync_state.wait_hist */
#define GOSYNC_WAIT_HIST	32
/* Holders struct gosync_state carries itself (GOSYNC_IOC_INFO can return all) */
#define GOSYNC_STATE_HOLDERS	4
/* Most holders one GOSYNC_IOC_INFO returns */
#define GOSYNC_HOLDERS_MAX	1024

/* struct gosync_holder.flags */
#define GOSYNC_HOLDER_WRITE	_BITUL(0)	/* a Mutex, or an RWMutex's write lock */
/*
 * Taken in userspace (the mapped fast path) with the token of this holder's
 * description: pid and comm are of the task that opened the description,
 * not necessarily the one that took the lock (tasks sharing a description
 * share its token).
 */
#define GOSYNC_HOLDER_OPENER	_BITUL(1)
/*
 * The process named exited (and was reaped): pid is the number it had,
 * which another process may have by now. A non-robust lock stays held by
 * the description it took it through; with GOSYNC_HOLDER_OPENER, that
 * description may live on in another process (a fork, SCM_RIGHTS).
 */
#define GOSYNC_HOLDER_EXITED	_BITUL(2)

/**
 * struct gosync_holder - who holds a lock or Semaphore permits
 * @pid: the process (thread group id, in the caller's pid namespace; 0 if
 *	it is not visible there) of the task that last acquired through
 *	this holder
 * @flags: GOSYNC_HOLDER_*
 * @count: 1 for a write lock; read locks or permits held
 * @comm: that task's command name when it acquired, NUL-terminated
 *
 * A holder is an open file description; a robust lock or permit it holds
 * is released when it closes. A non-robust Mutex or write lock stays held
 * after its holder closed, and still shows who took it (through the kernel;
 * a lock taken in userspace by a description that closed shows no holder).
 */
struct gosync_holder {
	__s32 pid;
	__u32 flags;
	__u64 count;
	char comm[16];
};

/* struct gosync_state.flags */
#define GOSYNC_STATE_LOCKED	_BITUL(0)	/* Mutex held, RWMutex write-locked */
#define GOSYNC_STATE_STARVING	_BITUL(1)	/* Mutex in starvation mode */
#define GOSYNC_STATE_CLOSED	_BITUL(2)	/* channel closed */
#define GOSYNC_STATE_DONE	_BITUL(3)	/* Once done */

/**
 * struct gosync_state - what an object is doing now, and how contended it
 *	has been (GOSYNC_IOC_INFO and GOSYNC_IOC_LIST fill it on request)
 * @flags: GOSYNC_STATE_*
 * @nr_holders: Mutex, RWMutex, robust Semaphore: holders (open file
 *	descriptions holding it), all of them, however many @holders shows
 * @readers: RWMutex: read locks held
 * @value: WaitGroup: the counter; Semaphore: permits taken; channel:
 *	messages buffered
 * @limit: Semaphore: its size; channel: its capacity
 * @waiters: tasks blocked in it: in Lock and RLock, Acquire, WaitGroup
 *	Wait, Once Do, Cond Wait, channel Send; for a Mutex, RWMutex,
 *	Semaphore and WaitGroup also GOSYNC_IOC_WAITs asleep with a case on
 *	it (one waiting on several objects counts on each)
 * @receivers: channel: tasks blocked in Recv
 * @oldest_wait_ns: Mutex, RWMutex, Semaphore: how long the oldest waiter
 *	has waited (0: none)
 * @contended: Mutex, RWMutex, Semaphore: Lock, RLock and Acquire calls,
 *	and wait-any GOSYNC_IOC_WAIT cases LOCK, RLOCK and ACQUIRE, that found
 *	it taken and acquired it after waiting (spinning or sleeping)
 * @wait_ns: their total wait, in ns
 * @wait_hist: their waits, by length: bucket 0 counts waits under 1024 ns,
 *	bucket i (1 to GOSYNC_WAIT_HIST - 1) those of 2^(i+9) ns up to
 *	2^(i+10) ns, the last bucket also every longer one. The buckets add
 *	up to @contended
 * @holders: the first GOSYNC_STATE_HOLDERS holders; unused entries zero
 *
 * The fields are read under the object's lock, each set at one moment, but
 * the contention counters may lag a wait that is ending.
 */
struct gosync_state {
	__u32 flags;
	__u32 nr_holders;
	__u64 readers;
	__s64 value;
	__u64 limit;
	__u32 waiters;
	__u32 receivers;
	__u64 oldest_wait_ns;
	__u64 contended;
	__u64 wait_ns;
	__u64 wait_hist[GOSYNC_WAIT_HIST];
	struct gosync_holder holders[GOSYNC_STATE_HOLDERS];
};

/**
 * struct gosync_info_cmd - GOSYNC_IOC_INFO on an object fd
 * @size: sizeof(struct gosync_info_cmd)
 * @flags: must be 0
 * @info: out: the object
 * @state: 0, or a pointer to a struct gosync_state of @state_size bytes to
 *	fill (the kernel writes min(@state_size, its own size) bytes and
 *	zeroes the rest)
 * @state_size: sizeof(struct gosync_state) as the caller knows it; 0 if
 *	@state is 0, else at least 8 and at most a page (EINVAL)
 * @nr_holders: with @holders: in: room in @holders (entries); out: holders
 *	there are, also when more than would fit: then only the first
 *	@nr_holders (in) were written, and the call still succeeds. At most
 *	GOSYNC_HOLDERS_MAX are written. Without @holders: must be 0
 * @__reserved: must be 0
 * @holders: 0, or a pointer to @nr_holders struct gosync_holder
 */
struct gosync_info_cmd {
	__u32 size;
	__u32 flags;
	struct gosync_info info;
	__u64 state;
	__u32 state_size;
	__u32 nr_holders;
	__u64 holders;
	__u64 __reserved;
};

#define GOSYNC_IOC_INFO		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_INFO)

/**
 * struct gosync_list - GOSYNC_IOC_LIST on /dev/gosync
 * @size: sizeof(struct gosync_list)
 * @flags: must be 0
 * @entries: pointer to an array of @count entries of @entry_size bytes each
 * @entry_size: in: sizeof(struct gosync_info) as the caller knows it (at
 *	least offsetof(struct gosync_info, stats)); the kernel writes
 *	min(entry_size, its own size) bytes of each entry and zeroes the rest
 * @count: in: capacity of @entries; out: entries written
 * @cursor: in: list objects with id >= cursor (0 to start); out: the cursor to
 *	pass next time, or 0 when the listing is complete
 * @total: out: live objects in the caller's IPC namespace at the time of the
 *	call, listed to the caller or not
 * @__reserved: must be 0
 * @states: 0, or a pointer to an array of @count entries of @state_size
 *	bytes: entry i gets the struct gosync_state of @entries' entry i
 *	(with its first GOSYNC_STATE_HOLDERS holders)
 * @state_size: sizeof(struct gosync_state) as the caller knows it; 0 if
 *	@states is 0, else at least 8 and at most a page (EINVAL)
 * @__reserved2: must be 0
 *
 * Lists the objects created in the caller's IPC namespace that the caller
 * owns, and the named ones it may open; all of them for CAP_SYS_ADMIN in the
 * user namespace that owns that IPC namespace. Objects are listed in id
 * order, so created-and-destroyed objects never make a listing repeat or
 * skip a live object that existed throughout.
 */
struct gosync_list {
	__u32 size;
	__u32 flags;
	__u64 entries;
	__u32 entry_size;
	__u32 count;
	__u64 cursor;
	__u32 total;
	__u32 __reserved;
	__u64 states;
	__u32 state_size;
	__u32 __reserved2;
};

#define GOSYNC_IOC_LIST		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_LIST)

/**
 * struct gosync_counter_cmd - GOSYNC_IOC_COUNTER on a counter fd: one op
 * @size: sizeof(struct gosync_counter_cmd)
 * @flags: GOSYNC_OP_F_*
 * @op: enum gosync_op_code
 * @__reserved: must be 0
 * @arg: delta or new value (see enum gosync_op_code)
 * @expected: CAS only (else must be 0): the value to compare with
 * @result: out (see enum gosync_op_code)
 */
struct gosync_counter_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__s64 arg;
	__s64 expected;
	__s64 result;
};

#define GOSYNC_IOC_COUNTER	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_COUNTER)

/**
 * struct gosync_op - one entry of a GOSYNC_IOC_BATCH vector
 * @op: enum gosync_op_code
 * @flags: GOSYNC_OP_F_*
 * @arg: as in struct gosync_counter_cmd
 * @expected: as in struct gosync_counter_cmd
 * @result: out: as in struct gosync_counter_cmd
 * @error: out: 0, or the negative errno this op failed with
 * @__reserved: must be 0
 */
struct gosync_op {
	__u32 op;
	__u32 flags;
	__s64 arg;
	__s64 expected;
	__s64 result;
	__s32 error;
	__u32 __reserved;
};

/* Batch flags */
/* stop at the first op that fails (its error is still written) */
#define GOSYNC_BATCH_STOP_ON_ERROR	_BITUL(0)

/**
 * struct gosync_map_op - one map operation (GOSYNC_IOC_MAP, or an entry of a
 *	GOSYNC_IOC_BATCH vector on a map fd)
 * @op: enum gosync_map_op_code
 * @flags: GOSYNC_MAP_F_*
 * @key: pointer to the key (K)
 * @value: pointer to the value to store (V)
 * @old: pointer to the value to compare with (O)
 * @out: pointer to a buffer of @out_cap bytes for the returned value (R)
 * @key_len: 1..GOSYNC_MAP_KEY_MAX
 * @value_len: 0..GOSYNC_MAP_VALUE_MAX
 * @old_len: 0..GOSYNC_MAP_VALUE_MAX
 * @out_cap: capacity of @out
 * @out_len: out: length of the returned value, also when it did not fit
 *	(EOVERFLOW) or GOSYNC_MAP_F_NOVALUE was given; 0 if none
 * @error: out: batches: 0 or the negative errno of this op; else 0
 * @result: out: see enum gosync_map_op_code
 *
 * If an op would return a value longer than @out_cap it fails with EOVERFLOW
 * and has no effect (a Swap does not store, a LoadAndDelete does not delete);
 * retry with a buffer of @out_len bytes. If @out turns out not to be
 * writable (EFAULT) the op has taken effect. The output fields are ignored
 * on input.
 */
struct gosync_map_op {
	__u32 op;
	__u32 flags;
	__u64 key;
	__u64 value;
	__u64 old;
	__u64 out;
	__u32 key_len;
	__u32 value_len;
	__u32 old_len;
	__u32 out_cap;
	__u32 out_len;
	__s32 error;
	__u64 result;
};

/**
 * struct gosync_map_cmd - GOSYNC_IOC_MAP on a map fd: one op
 * @size: sizeof(struct gosync_map_cmd)
 * @__reserved: must be 0
 * @op: the op; its output fields are written back also on EOVERFLOW
 */
struct gosync_map_cmd {
	__u32 size;
	__u32 __reserved;
	struct gosync_map_op op;
};

#define GOSYNC_IOC_MAP		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_MAP)

/**
 * struct gosync_map_entry - one record of a GOSYNC_IOC_MAP_RANGE buffer
 * @key_len: bytes of key that follow
 * @value_len: bytes of value that follow the key
 *
 * A record is GOSYNC_MAP_ENTRY_SIZE(key_len, value_len) bytes: this header,
 * the key, the value, then zero padding to a multiple of 8.
 */
struct gosync_map_entry {
	__u32 key_len;
	__u32 value_len;
};

#define GOSYNC_MAP_ENTRY_SIZE(klen, vlen) \
	((sizeof(struct gosync_map_entry) + (klen) + (vlen) + 7) & ~(__u64)7)

/**
 * struct gosync_map_range - GOSYNC_IOC_MAP_RANGE on a map fd: Go's Range
 * @size: sizeof(struct gosync_map_range)
 * @flags: must be 0
 * @buf: pointer to @buf_len bytes, filled with struct gosync_map_entry records
 * @buf_len: capacity of @buf
 * @count: out: records written
 * @start: cursor, in/out: 0 (with @pos 0) to begin a Range; then pass back
 *	what the last call returned
 * @pos: cursor, in/out
 * @needed: out: EOVERFLOW: the size of the next record (nothing was written)
 * @done: out: 1 when the Range is complete (the cursor stays at the end)
 * @__reserved: must be 0
 *
 * Like Go's Range: within one Range (one cursor, from {0, 0} until @done),
 * no key is visited twice, even while others Store and Delete, and every
 * entry present for the whole Range is visited exactly once. Entries stored
 * or deleted during the Range may or may not be visited; a key deleted and
 * stored again during the Range is not visited again. The value reported is
 * the entry's value at the moment it is visited. A cursor that this map
 * cannot have returned (@start beyond the map's history, @pos > @start, or
 * @pos without @start) is EINVAL.
 */
struct gosync_map_range {
	__u32 size;
	__u32 flags;
	__u64 buf;
	__u32 buf_len;
	__u32 count;
	__u64 start;
	__u64 pos;
	__u32 needed;
	__u32 done;
	__u64 __reserved;
};

#define GOSYNC_IOC_MAP_RANGE	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_MAP_RANGE)

/**
 * struct gosync_batch - GOSYNC_IOC_BATCH on an object fd
 * @size: sizeof(struct gosync_batch)
 * @flags: GOSYNC_BATCH_*
 * @ops: pointer to an array of @count ops: struct gosync_op on a counter,
 *	struct gosync_map_op on a map
 * @count: number of ops, at most GOSYNC_BATCH_MAX (E2BIG)
 * @op_size: the size of the object type's op struct; must match the
 *	kernel's (EINVAL)
 * @done: out: ops executed (their result and error written back, except
 *	after EFAULT on writing them: the ops counted ran all the same)
 * @__reserved: must be 0
 *
 * Ops run in order, each with its mode's semantics; the batch as a whole is
 * not atomic. A failing op records its error and the batch goes on unless
 * GOSYNC_BATCH_STOP_ON_ERROR. The ioctl itself fails only for a bad batch
 * header, EFAULT on the vector (@done is still written if possible), or a
 * fatal signal (EINTR: no op after the chunk of ops it came in runs).
 */
struct gosync_batch {
	__u32 size;
	__u32 flags;
	__u64 ops;
	__u32 count;
	__u32 op_size;
	__u32 done;
	__u32 __reserved;
};

#define GOSYNC_IOC_BATCH	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_BATCH)

/*
 * Blocking calls (Lock, RLock, WaitGroup Wait, Once Do, Semaphore Acquire,
 * Cond Wait, channel Send and Recv, GOSYNC_IOC_WAIT) take these flags and a
 * timeout_ns. Every wait is interruptible, and leaves the object as if the
 * call had not been made when it gives up.
 *  - no flag: wait as long as it takes; timeout_ns must be 0. A signal
 *    whose handler runs ends the wait with EINTR (not restarted, even with
 *    SA_RESTART); after one no handler takes (ignored, a stop and
 *    continue) the call goes on.
 *  - GOSYNC_WAIT_TIMEOUT: give up after timeout_ns (relative, measured on
 *    CLOCK_MONOTONIC: time suspended does not count) with ETIMEDOUT;
 *    signals as without a flag. When a signal ends the wait, the kernel
 *    writes what is left of the timeout back to timeout_ns (as select()
 *    does), so a call that goes on waits only that long; a command it
 *    cannot write to (read-only memory) gets EINTR instead.
 *  - GOSYNC_WAIT_ABSTIME: give up at timeout_ns, an absolute time on
 *    CLOCK_MONOTONIC as the caller reads it (in a time namespace, with its
 *    offset) (or CLOCK_REALTIME with GOSYNC_WAIT_REALTIME), with
 *    ETIMEDOUT; ~0 means never. A signal that does not kill the task ends
 *    the wait with ERESTARTSYS: the kernel restarts the call after the
 *    handler (if it has SA_RESTART) or after a stop and continue, so
 *    programs whose runtime signals its threads (Go) see no EINTR.
 *  - GOSYNC_WAIT_NONBLOCK: never wait; EAGAIN if it would. Only
 *    GOSYNC_IOC_CHAN and GOSYNC_IOC_WAIT take it (a Lock's is TryLock).
 * TIMEOUT and ABSTIME exclude each other; REALTIME needs ABSTIME.
 * Never restarted, whatever the flags: a Cond Wait, and a channel Send that
 * has sent some of its messages; any signal ends them with EINTR (made
 * again, they would be a new Wait, or send those messages twice).
 */
#define GOSYNC_WAIT_TIMEOUT	_BITUL(0)
#define GOSYNC_WAIT_ABSTIME	_BITUL(1)
#define GOSYNC_WAIT_REALTIME	_BITUL(2)
#define GOSYNC_WAIT_NONBLOCK	_BITUL(3)

/* Most read locks an RWMutex holds at once (Go's rwmutexMaxReaders): EAGAIN */
#define GOSYNC_RWMUTEX_MAX_READERS	0x40000000U

/*
 * Lock operations. A Mutex takes LOCK, TRYLOCK and UNLOCK; an RWMutex all six.
 * LOCK, RLOCK: wait for the lock. 0, or EOWNERDEAD: locked, but the previous
 *	(robust) holder's fd closed while it held the lock; ETIMEDOUT; EINTR;
 *	EDEADLK (robust only; nothing taken): the wait could never end: it
 *	would wait for a lock (or read locks) the calling thread holds through
 *	this description, or close a cycle of lockers waiting for each other
 *	(see docs/uapi.md, "Deadlocks"); never on a mapped Mutex, whose
 *	holding task the kernel does not know.
 * TRYLOCK, TRYRLOCK: never wait: 0, EOWNERDEAD, or EBUSY.
 * UNLOCK: release the write lock, whoever took it (Go allows that).
 *	EPERM if not locked ("sync: unlock of unlocked mutex").
 *	RLOCK and TRYRLOCK fail with EAGAIN while GOSYNC_RWMUTEX_MAX_READERS
 *	read locks are held.
 * RUNLOCK: release one read lock taken through this open file description.
 *	EPERM if it holds none ("sync: RUnlock of unlocked RWMutex"). A mapped
 *	RWMutex's read locks are anonymous: EPERM only if none is held at all.
 * Holders are open file descriptions: dup()ed and inherited fds share one;
 * GOSYNC_IOC_OPEN makes a new one. A robust lock is released when the last
 * fd of its holder's description closes (process exit included).
 * Fairness is Go's: see docs/uapi.md (starvation mode, writer preference).
 */
enum gosync_lock_op {
	GOSYNC_LOCK_LOCK = 1,
	GOSYNC_LOCK_TRYLOCK = 2,
	GOSYNC_LOCK_UNLOCK = 3,
	GOSYNC_LOCK_RLOCK = 4,
	GOSYNC_LOCK_TRYRLOCK = 5,
	GOSYNC_LOCK_RUNLOCK = 6,
};

/**
 * struct gosync_lock_cmd - GOSYNC_IOC_MUTEX / GOSYNC_IOC_RWMUTEX
 * @size: sizeof(struct gosync_lock_cmd)
 * @flags: GOSYNC_WAIT_TIMEOUT, or _ABSTIME (| _REALTIME) (LOCK and RLOCK only)
 * @op: enum gosync_lock_op
 * @__reserved: must be 0
 * @timeout_ns: see GOSYNC_WAIT_* (0 without a flag)
 */
struct gosync_lock_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__u64 timeout_ns;
};

#define GOSYNC_IOC_MUTEX	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_MUTEX)
#define GOSYNC_IOC_RWMUTEX	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_RWMUTEX)

/*
 * WaitGroup operations; @counter is the counter after the op.
 * ADD: counter += delta. EINVAL if it would go negative ("sync: negative
 *	WaitGroup counter"; nothing changes); EBUSY for a positive delta on a
 *	zero counter while Waits released by the last zero have not returned
 *	("WaitGroup misuse: Add called concurrently with Wait"); EOVERFLOW.
 * DONE: ADD of -1 (delta must be 0).
 * WAIT: wait until the counter is zero; ETIMEDOUT, EINTR.
 * LOAD: read the counter.
 * The fd polls readable (EPOLLIN) while the counter is zero.
 *
 * ADD with GOSYNC_WG_F_HOLD (a positive delta; Go 1.25's WaitGroup.Go): the
 * Add is held by the calling open file description, and DONEs through that
 * description settle its held Adds first. If it closes (its process died)
 * with Adds still held, they are done for it and counted abandoned, so a
 * killed worker never leaves Wait hanging. Its Dones must come through the
 * same description.
 * DONE, or ADD of a negative delta, with GOSYNC_WG_F_UNHELD: a Done of an
 * Add that was not held (a description that holds Adds and makes plain ones
 * too: Go's WaitGroup.Go beside Add and Done); its held Adds stay held.
 */
#define GOSYNC_WG_F_HOLD	_BITUL(16)
#define GOSYNC_WG_F_UNHELD	_BITUL(17)
enum gosync_waitgroup_op {
	GOSYNC_WG_ADD = 1,
	GOSYNC_WG_DONE = 2,
	GOSYNC_WG_WAIT = 3,
	GOSYNC_WG_LOAD = 4,
};

/**
 * struct gosync_waitgroup_cmd - GOSYNC_IOC_WAITGROUP
 * @size: sizeof(struct gosync_waitgroup_cmd)
 * @flags: GOSYNC_WAIT_* (WAIT only), GOSYNC_WG_F_HOLD (ADD only),
 *	GOSYNC_WG_F_UNHELD (DONE, negative ADD)
 * @op: enum gosync_waitgroup_op
 * @__reserved: must be 0
 * @delta: ADD only (else 0)
 * @timeout_ns: see GOSYNC_WAIT_* (0 without a flag)
 * @counter: out: the counter after the op
 */
struct gosync_waitgroup_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__s64 delta;
	__u64 timeout_ns;
	__s64 counter;
};

#define GOSYNC_IOC_WAITGROUP	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_WAITGROUP)

/*
 * Once operations: Go's Do, with the function run by the caller.
 * DO: result GOSYNC_ONCE_RUN: you run the function, then COMPLETE; callers
 *	meanwhile wait (ETIMEDOUT, EINTR). Or GOSYNC_ONCE_DONE: it ran (with
 *	GOSYNC_ONCE_ABANDONED if its runner's fd closed before COMPLETE).
 * COMPLETE: only through the runner's open file description; EPERM otherwise.
 *	With GOSYNC_ONCE_F_FAILED (and no value) the function failed (it
 *	panicked, or its value could not be given): the Once settles as when
 *	its runner dies, done|GOSYNC_ONCE_ABANDONED with no value, or new
 *	again with GOSYNC_ONCE_ATTR_RETRY.
 * LOAD: result 0 (not done) or GOSYNC_ONCE_DONE[|ABANDONED]; never waits.
 * The fd polls readable (EPOLLIN) once done.
 *
 * OnceValue (Go 1.21): a Once created with a value_max stores the value
 * COMPLETE gives (@buf, @len bytes, at most value_max: EMSGSIZE beyond), and
 * DO and LOAD return it once done (into @buf, @len bytes of room; @len set
 * to its length; EOVERFLOW, with @len the length, if it does not fit; with
 * @buf 0, only its length).
 * An abandoned Once has no value (length 0).
 */
enum gosync_once_op {
	GOSYNC_ONCE_DO = 1,
	GOSYNC_ONCE_COMPLETE = 2,
	GOSYNC_ONCE_LOAD = 3,
};

#define GOSYNC_ONCE_RUN		_BITUL(0)
#define GOSYNC_ONCE_DONE	_BITUL(1)
#define GOSYNC_ONCE_ABANDONED	_BITUL(2)

/* gosync_once_cmd.flags, COMPLETE only: the function failed (above) */
#define GOSYNC_ONCE_F_FAILED	_BITUL(16)

/**
 * struct gosync_once_cmd - GOSYNC_IOC_ONCE
 * @size: sizeof(struct gosync_once_cmd)
 * @flags: GOSYNC_WAIT_TIMEOUT, or _ABSTIME (| _REALTIME) (DO only);
 *	GOSYNC_ONCE_F_FAILED (COMPLETE only)
 * @op: enum gosync_once_op
 * @result: out: GOSYNC_ONCE_* bits
 * @timeout_ns: see GOSYNC_WAIT_*
 * @buf: OnceValue: pointer to the value (COMPLETE) or room for it (DO, LOAD)
 * @len: OnceValue: its length, or the room at @buf (out: its length)
 * @__reserved: must be 0
 */
struct gosync_once_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 result;
	__u64 timeout_ns;
	__u64 buf;
	__u32 len;
	__u32 __reserved;
};

#define GOSYNC_IOC_ONCE		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_ONCE)

/* Limits of GOSYNC_IOC_TORTURE */
#define GOSYNC_TORTURE_MAX_THREADS	64
#define GOSYNC_TORTURE_MAX_MS		600000

/**
 * struct gosync_torture_thread - one torture thread's result
 * @ops: operations it completed (acquisitions for locks)
 * @writer: 1 for a writer (Add, Lock), 0 for a reader (Load, RLock)
 * @__reserved: zero
 */
struct gosync_torture_thread {
	__u64 ops;
	__u32 writer;
	__u32 __reserved;
};

/**
 * struct gosync_torture - GOSYNC_IOC_TORTURE on /dev/gosync (CAP_SYS_ADMIN)
 * @size: sizeof(struct gosync_torture)
 * @flags: must be 0
 * @type: GOSYNC_TYPE_COUNTER, GOSYNC_TYPE_MUTEX, GOSYNC_TYPE_RWMUTEX or
 *	GOSYNC_TYPE_MAP
 * @subtype: counter: enum gosync_counter_mode; map: enum gosync_map_backend;
 *	else 0
 * @nr_writers: kthreads that Add 1 / take the lock exclusively / Store and
 *	Delete random keys of 64
 * @nr_readers: kthreads that Load / take the lock shared (RWMutex, counter,
 *	map)
 * @duration_ms: how long to run, 1..GOSYNC_TORTURE_MAX_MS
 * @threads: pointer to @nr_writers + @nr_readers entries, filled on return
 *	(writers first); 0 for none
 * @write_ops: out: total writer operations
 * @read_ops: out: total reader operations
 * @elapsed_ns: out: wall time the threads ran
 * @errors: out: invariant violations seen: two writers inside a lock, a
 *	reader beside a writer, an exact counter that does not end at the
 *	number of Adds, a counter Load going backwards, a map Load returning a
 *	value stored under another key
 * @lost: out: racy counter: Adds lost
 *
 * Like the kernel's locktorture and refscale: kthreads hammer a fresh object
 * of the given kind with no syscall in the way, checking invariants while
 * they run, so benchmarks can separate a primitive's cost from the ioctl's.
 * Sleeps until done; a signal stops the run early and the ioctl returns
 * EINTR (results are still written). Threads total 1..GOSYNC_TORTURE_MAX_THREADS.
 */
struct gosync_torture {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 subtype;
	__u32 nr_writers;
	__u32 nr_readers;
	__u32 duration_ms;
	__u32 errors;
	__u64 threads;
	__u64 write_ops;
	__u64 read_ops;
	__u64 elapsed_ns;
	__u64 lost;
};

#define GOSYNC_IOC_TORTURE	_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_TORTURE)

/*
 * Channel operations (GOSYNC_IOC_CHAN on a channel fd):
 * SEND: send the @count messages of @msgs in order, each waiting for room
 *	(or, unbuffered, for its receiver) as Go's send does. 0 when all were
 *	sent; otherwise the error of the one that was not (EPIPE: the channel
 *	is closed, or closed while it waited; ETIMEDOUT; EINTR; EAGAIN with
 *	GOSYNC_WAIT_NONBLOCK; EMSGSIZE: longer than the channel's msg_max;
 *	ENOSPC: past the sender's max_bytes_per_user; ENOMEM), with
 *	@done = the messages sent before it. Once one was sent, any signal is
 *	EINTR, never restarted: resume from @done.
 * RECV: wait for a message (or for the channel to be closed and drained),
 *	then receive up to @count messages that are there without waiting
 *	more. Each lands in its msgs[i].buf of msgs[i].len bytes; msgs[i].len
 *	becomes its length. @done = messages received; if 0, @closed is 1: the
 *	channel is closed and drained (Go's v, ok := <-ch with ok false). If the
 *	first message does not fit msgs[0], EOVERFLOW: nothing is received and
 *	@needed is its length; a later one that does not fit its slot just ends
 *	the batch. A buf that cannot take its len bytes (NULL, unmapped,
 *	read-only) is EFAULT before anything is received (a later one ends
 *	the batch): a message taken cannot go back.
 * CLOSE: Go's close(ch): waiting senders get EPIPE, waiting receivers see
 *	it closed, buffered messages stay to be received. EPIPE if it was
 *	closed already (Go panics).
 * LEN: @len and @cap and @closed, nothing else.
 * Every op fills @len, @cap and @closed afterwards.
 */
enum gosync_chan_op {
	GOSYNC_CHAN_SEND = 1,
	GOSYNC_CHAN_RECV = 2,
	GOSYNC_CHAN_CLOSE = 3,
	GOSYNC_CHAN_LEN = 4,
};

/* Most messages in one SEND or RECV */
#define GOSYNC_CHAN_VEC_MAX	1024

/**
 * struct gosync_chan_msg - one message of a SEND or RECV vector
 * @buf: pointer to the message (SEND) or to room for it (RECV)
 * @len: SEND: its length; RECV: in: the room at @buf, out: its length
 * @__reserved: must be 0
 */
struct gosync_chan_msg {
	__u64 buf;
	__u32 len;
	__u32 __reserved;
};

/**
 * struct gosync_chan_cmd - GOSYNC_IOC_CHAN on a channel fd
 * @size: sizeof(struct gosync_chan_cmd)
 * @flags: GOSYNC_WAIT_* (SEND and RECV only)
 * @op: enum gosync_chan_op
 * @count: SEND, RECV: messages in @msgs, 1..GOSYNC_CHAN_VEC_MAX; else 0
 * @msgs: SEND, RECV: pointer to @count struct gosync_chan_msg; else 0
 * @timeout_ns: see GOSYNC_WAIT_*
 * @done: out: messages sent or received
 * @len: out: messages buffered after the op
 * @cap: out: the channel's capacity
 * @closed: out: 1 if the channel is closed (RECV with @done 0: and drained)
 * @needed: out: EOVERFLOW: the length of the message that did not fit
 * @msg_max: out: the channel's longest message (its create attribute, or
 *	GOSYNC_CHAN_MSG_DEFAULT); was a reserved field that had to be 0
 *
 * The struct is written back also when the op fails, except for EINVAL of
 * the command's own fields (flags, op, @count, @msgs, @timeout_ns: nothing
 * was done). A malformed first entry of @msgs is EINVAL written back, with
 * @done 0.
 */
struct gosync_chan_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 count;
	__u64 msgs;
	__u64 timeout_ns;
	__u32 done;
	__u32 len;
	__u32 cap;
	__u32 closed;
	__u32 needed;
	__u32 msg_max;
};

#define GOSYNC_IOC_CHAN		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_CHAN)

/*
 * GOSYNC_IOC_WAIT: Go's select, and ntsync's wait-any / wait-all, over up to
 * GOSYNC_WAIT_MAX cases on gosync fds. A case is one of:
 *   LOCK       a Mutex's Lock, or an RWMutex's Lock
 *   RLOCK      an RWMutex's RLock
 *   WG_ZERO    a WaitGroup's counter is zero (Wait)
 *   ONCE_DONE  a Once is done (nothing is run)
 *   SEND       a channel Send of the message at buf, len bytes
 *   RECV       a channel Recv into buf, len bytes of room
 *   ACQUIRE    a Semaphore's Acquire of len permits
 * Locks are taken for the open file description of the case's fd, as a
 * Lock through that fd would take them.
 */
enum gosync_case_op {
	GOSYNC_CASE_LOCK = 1,
	GOSYNC_CASE_RLOCK = 2,
	GOSYNC_CASE_WG_ZERO = 3,
	GOSYNC_CASE_ONCE_DONE = 4,
	GOSYNC_CASE_SEND = 5,
	GOSYNC_CASE_RECV = 6,
	GOSYNC_CASE_ACQUIRE = 7,
};

/* Most cases in one GOSYNC_IOC_WAIT */
#define GOSYNC_WAIT_MAX		64

/* struct gosync_wait_case.flags, out */
/* RECV: the channel is closed and drained (no message) */
#define GOSYNC_CASE_CLOSED	_BITUL(0)

/**
 * struct gosync_wait_case - one case of a GOSYNC_IOC_WAIT
 * @fd: a gosync fd of the case's type
 * @op: enum gosync_case_op
 * @buf: SEND: pointer to the message; RECV: pointer to room for one; else 0
 * @len: SEND: the message's length; RECV: in: the room at @buf, out: the
 *	message's length (EOVERFLOW: the length it needs); ACQUIRE: the
 *	permits, at least 1; else 0
 * @flags: in: 0; out: GOSYNC_CASE_CLOSED
 * @error: in: 0; out: the completed case's result: 0, -EOWNERDEAD (LOCK: held,
 *	its previous holder died), -EPIPE (SEND: the channel is closed),
 *	-EOVERFLOW (RECV: the message is longer than @len; nothing received)
 * @__reserved: must be 0
 */
struct gosync_wait_case {
	__s32 fd;
	__u32 op;
	__u64 buf;
	__u32 len;
	__u32 flags;
	__s32 error;
	__u32 __reserved;
};

/* GOSYNC_IOC_WAIT flags (with GOSYNC_WAIT_*) */
/* Every case at once (locks taken and conditions true together), or none */
#define GOSYNC_WAIT_ALL		_BITUL(8)
/* ANY: of the cases ready, the one with the lowest index (default: random) */
#define GOSYNC_WAIT_ORDERED	_BITUL(9)

/**
 * struct gosync_wait - GOSYNC_IOC_WAIT on /dev/gosync
 * @size: sizeof(struct gosync_wait)
 * @flags: GOSYNC_WAIT_ALL, GOSYNC_WAIT_ORDERED, and GOSYNC_WAIT_TIMEOUT,
 *	_ABSTIME, _REALTIME, _NONBLOCK as for every blocking call
 * @cases: pointer to @count struct gosync_wait_case
 * @count: 1..GOSYNC_WAIT_MAX
 * @index: out: ANY: the case that completed
 * @timeout_ns: see GOSYNC_WAIT_*
 *
 * ANY (Go's select): wait until one case can complete, complete exactly
 * that one, and say which in @index (when several can, one chosen uniformly
 * at random, as Go does, or the lowest with GOSYNC_WAIT_ORDERED); with
 * GOSYNC_WAIT_NONBLOCK it is select with a default: EAGAIN if none can.
 * ALL (ntsync's WAIT_ALL): wait until every case can complete at the same
 * moment and complete them all, atomically: no lock-order deadlock however
 * callers order their cases. ALL takes LOCK, RLOCK, WG_ZERO, ONCE_DONE and
 * ACQUIRE cases, each object once (EINVAL for a channel case or a repeated object).
 * Returns 0 when the wait completed: each completed case's @error says how
 * (0, EOWNERDEAD, EPIPE, EOVERFLOW). Errors: EBADF (a case's fd), EINVAL (a
 * case's fd is not a gosync object of a type that has that op, or bad
 * fields), EFAULT, EMSGSIZE (SEND longer than the channel allows), ENOSPC
 * (SEND past the sender's max_bytes_per_user), ENOMEM, ETIMEDOUT,
 * EINTR, ERESTARTSYS (see GOSYNC_WAIT_ABSTIME), EAGAIN, EDEADLK (ALL: a
 * LOCK or RLOCK case would wait for a robust lock the calling thread holds
 * through the case's fd; nothing taken).
 */
struct gosync_wait {
	__u32 size;
	__u32 flags;
	__u64 cases;
	__u32 count;
	__u32 index;
	__u64 timeout_ns;
};

#define GOSYNC_IOC_WAIT		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_WAIT)

/*
 * Semaphore operations (GOSYNC_IOC_SEM): x/sync's semaphore.Weighted.
 * ACQUIRE: wait until @n permits are free and take them; waiters are served
 *	in order, so a large Acquire is not starved by smaller ones behind it.
 *	EINVAL for n 0 or larger than the semaphore (x/sync would wait
 *	forever); ETIMEDOUT, EINTR.
 * TRYACQUIRE: take @n permits if free and nobody waits, else EBUSY; EINVAL
 *	as for ACQUIRE (x/sync's TryAcquire returns false).
 * RELEASE: return @n permits. EPERM if more than this open file description
 *	holds (robust), or than are taken (non-robust): x/sync panics. EINVAL
 *	for n 0.
 * LOAD: never changes anything.
 * Every op fills @size, @avail (free permits) and @held (this description's).
 * The fd polls readable while an Acquire of 1 would not wait.
 */
enum gosync_sem_op {
	GOSYNC_SEM_ACQUIRE = 1,
	GOSYNC_SEM_TRYACQUIRE = 2,
	GOSYNC_SEM_RELEASE = 3,
	GOSYNC_SEM_LOAD = 4,
};

/**
 * struct gosync_sem_cmd - GOSYNC_IOC_SEM on a Semaphore fd
 * @size: sizeof(struct gosync_sem_cmd)
 * @flags: GOSYNC_WAIT_* (ACQUIRE only)
 * @op: enum gosync_sem_op
 * @__reserved: must be 0
 * @n: permits (ACQUIRE, TRYACQUIRE, RELEASE; else 0)
 * @timeout_ns: see GOSYNC_WAIT_*
 * @sem_size: out: the semaphore's size
 * @avail: out: permits free after the op
 * @held: out: permits this open file description holds (robust)
 */
struct gosync_sem_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 __reserved;
	__u64 n;
	__u64 timeout_ns;
	__u64 sem_size;
	__u64 avail;
	__u64 held;
};

#define GOSYNC_IOC_SEM		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_SEM)

/*
 * Cond operations (GOSYNC_IOC_COND): Go's sync.Cond bound to a Mutex.
 * WAIT: atomically unlock the Mutex and sleep until a SIGNAL or BROADCAST
 *	after this WAIT began; then lock the Mutex again, through @mutex_fd's
 *	open file description, before returning, also after a timeout or a
 *	signal (as Go, the caller re-checks its condition). @mutex_fd is an
 *	fd of the Cond's Mutex. EPERM if the Mutex is not locked (Go: "unlock
 *	of unlocked mutex"); EINVAL if @mutex_fd is another object; ETIMEDOUT,
 *	EINTR (the Mutex is locked again in every case); EOWNERDEAD if the
 *	relock found its last robust holder dead. Never restarted: any signal
 *	that ends the wait is EINTR, also with GOSYNC_WAIT_ABSTIME or after a
 *	stop and continue (made again, it would be a new Wait); callers take
 *	it for a spurious wake-up.
 * SIGNAL: wake the longest-waiting WAIT, if any.
 * BROADCAST: wake every WAIT.
 * @waiters is the number of WAITs sleeping after the op.
 */
enum gosync_cond_op {
	GOSYNC_COND_WAIT = 1,
	GOSYNC_COND_SIGNAL = 2,
	GOSYNC_COND_BROADCAST = 3,
};

/**
 * struct gosync_cond_cmd - GOSYNC_IOC_COND on a Cond fd
 * @size: sizeof(struct gosync_cond_cmd)
 * @flags: GOSYNC_WAIT_* (WAIT only)
 * @op: enum gosync_cond_op
 * @mutex_fd: WAIT: an fd of the Cond's Mutex; else 0
 * @timeout_ns: see GOSYNC_WAIT_*
 * @waiters: out: WAITs sleeping after the op
 * @__reserved: must be 0
 */
struct gosync_cond_cmd {
	__u32 size;
	__u32 flags;
	__u32 op;
	__s32 mutex_fd;
	__u64 timeout_ns;
	__u32 waiters;
	__u32 __reserved;
};

#define GOSYNC_IOC_COND		_IO(GOSYNC_IOCTL_MAGIC, GOSYNC_CMD_COND)

#endif /* _UAPI_LINUX_GOSYNC_H */
