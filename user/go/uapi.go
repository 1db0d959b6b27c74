// SPDX-License-Identifier: GPL-2.0

package gosync

import "unsafe"

// The uapi of kmod/uapi/linux/gosync.h, in Go. Structs mirror the C ones
// field for field; pointer fields are unsafe.Pointer (the package builds
// only for 64-bit Linux, where they are the header's __u64), so the
// garbage collector keeps what they point to alive and stack moves adjust
// them. TestUAPILayout checks every size and constant against the header.

const (
	iocMagic   = 0xC6
	objCmdBase = 0x40

	nameMax      = 64
	mapKeyMax    = 256
	mapValueMax  = 65536
	chanMsgMax   = 65536
	chanMsgDef   = 4096
	chanCapMax   = 65536
	chanVecMax   = 1024
	waitMax      = 64
	onceValueMax = 65536
	semMax       = 1 << 62
)

// ioctl numbers: _IO(0xC6, nr), no size or direction bits.
const (
	iocVersion   = iocMagic<<8 | 0x00
	iocCreate    = iocMagic<<8 | 0x01
	iocOpen      = iocMagic<<8 | 0x02
	iocUnlink    = iocMagic<<8 | 0x03
	iocList      = iocMagic<<8 | 0x04
	iocWait      = iocMagic<<8 | 0x06
	iocInfo      = iocMagic<<8 | 0x40
	iocCounter   = iocMagic<<8 | 0x41
	iocBatch     = iocMagic<<8 | 0x42
	iocMutex     = iocMagic<<8 | 0x43
	iocRWMutex   = iocMagic<<8 | 0x44
	iocWaitGroup = iocMagic<<8 | 0x45
	iocOnce      = iocMagic<<8 | 0x46
	iocMap       = iocMagic<<8 | 0x47
	iocMapRange  = iocMagic<<8 | 0x48
	iocChan      = iocMagic<<8 | 0x49
	iocSem       = iocMagic<<8 | 0x4a
	iocCond      = iocMagic<<8 | 0x4b
)

// enum gosync_type
const (
	typeCounter   = 1
	typeMap       = 2
	typeMutex     = 3
	typeRWMutex   = 4
	typeWaitGroup = 5
	typeOnce      = 6
	typeChan      = 7
	typeSem       = 8
	typeCond      = 9
)

// Blocking calls: GOSYNC_WAIT_*
const (
	waitTimeout  = 1 << 0
	waitAbstime  = 1 << 1
	waitRealtime = 1 << 2
	waitNonblock = 1 << 3
	waitAll      = 1 << 8
	waitOrdered  = 1 << 9
)

// enum gosync_op_code (counters)
const (
	opAdd   = 1
	opLoad  = 2
	opStore = 3
	opSwap  = 4
	opCAS   = 5
	opReset = 6
	opAnd   = 7
	opOr    = 8
)

// enum gosync_map_op_code, and GOSYNC_MAP_F_NOVALUE
const (
	mapLoad             = 1
	mapStore            = 2
	mapLoadOrStore      = 3
	mapLoadAndDelete    = 4
	mapDelete           = 5
	mapSwap             = 6
	mapCompareAndSwap   = 7
	mapCompareAndDelete = 8
	mapClear            = 9
	mapLen              = 10
	mapFNoValue         = 1 << 0
)

// Locks: enum gosync_lock_op, GOSYNC_LOCK_ATTR_NONROBUST
const (
	lockLock      = 1
	lockTryLock   = 2
	lockUnlock    = 3
	lockRLock     = 4
	lockTryRLock  = 5
	lockRUnlock   = 6
	lockNonRobust = 1 << 0
)

// WaitGroups: enum gosync_waitgroup_op, GOSYNC_WG_F_HOLD
const (
	wgAdd     = 1
	wgDone    = 2
	wgWait    = 3
	wgLoad    = 4
	wgFHold   = 1 << 16
	wgFUnheld = 1 << 17
)

// Onces: enum gosync_once_op, results, GOSYNC_ONCE_ATTR_RETRY
const (
	onceDo        = 1
	onceComplete  = 2
	onceLoad      = 3
	onceRun       = 1 << 0
	onceDone      = 1 << 1
	onceAbandoned = 1 << 2
	onceFailed    = 1 << 16 // GOSYNC_ONCE_F_FAILED
	onceRetry     = 1 << 0
)

// Channels: enum gosync_chan_op
const (
	chanSend  = 1
	chanRecv  = 2
	chanClose = 3
	chanLen   = 4
)

// GOSYNC_IOC_WAIT: enum gosync_case_op, GOSYNC_CASE_CLOSED
const (
	caseLock     = 1
	caseRLock    = 2
	caseWGZero   = 3
	caseOnceDone = 4
	caseSend     = 5
	caseRecv     = 6
	caseAcquire  = 7
	caseClosed   = 1 << 0
)

// Semaphores: enum gosync_sem_op, GOSYNC_SEM_ATTR_NONROBUST
const (
	semAcquire    = 1
	semTryAcquire = 2
	semRelease    = 3
	semLoad       = 4
	semNonRobust  = 1 << 0
)

// Conds: enum gosync_cond_op
const (
	condWait      = 1
	condSignal    = 2
	condBroadcast = 3
)

// GOSYNC_INFO_NAMED
const infoNamed = 1 << 0

// GOSYNC_STAT_UNLOCKS: a Mutex's count of Unlocks in struct gosync_info.stats
const statUnlocks = 2

// struct gosync_state and struct gosync_holder (GOSYNC_IOC_INFO's state)
const (
	stateLocked   = 1 << 0
	stateStarving = 1 << 1
	stateClosed   = 1 << 2
	stateDone     = 1 << 3
	stateWaitHist = 32
	stateHolders  = 4
	holdersMax    = 1024
	holderWrite   = 1 << 0
	holderOpener  = 1 << 1
	holderExited  = 1 << 2
)

type rawHolder struct {
	pid   int32
	flags uint32
	count uint64
	comm  [16]byte
}

type rawState struct {
	flags, nrHolders                uint32
	readers                         uint64
	value                           int64
	limit                           uint64
	waiters, receivers              uint32
	oldestWaitNs, contended, waitNs uint64
	waitHist                        [stateWaitHist]uint64
	holders                         [stateHolders]rawHolder
}

// The mapped fast path: GOSYNC_CREATE_MAPPED, and the state words of
// struct gosync_mapped (the page mmap() maps).
const (
	createMapped  = 1 << 0
	tokenMax      = 0x3fffffff
	mutexToken    = 0x3fffffff // the holder's token; 0 when free
	mutexWaiters  = 0x40000000 // the kernel owns the word
	mutexSpinning = 0x80000000 // a Lock spins for it; without a token: reserved

	// The WaitGroup's word: the counter (signed 32 bits) above wgShift;
	// the low 32 bits are the kernel's, read-only to userspace.
	wgWaiters = 0x3fffffff // Waits asleep in the kernel
	wgPolled  = 0x40000000 // polled, selected or waited-all on (until none is)
	wgKernel  = 0x80000000 // the kernel is updating the word
	wgShift   = 32

	// The Semaphore's word: free permits, and "the kernel owns it".
	semFree   = 0x7fffffffffffffff
	semKernel = 0x8000000000000000

	// The RWMutex's word: the writer's token, "the kernel owns it", and
	// the read locks held, in units of rwReader.
	rwWriter      = 0x000000003fffffff
	rwWaiters     = 0x0000000040000000
	rwReader      = 0x0000000100000000
	rwReaders     = 0x7fffffff00000000
	rwReaderShift = 32
	rwMaxReaders  = 0x40000000
)

// struct gosync_mapped: a union of state words at offset 0: the Mutex's
// uint32, the counter's int64, the WaitGroup's uint64, the Semaphore's
// uint64 and its size (the second uint64), the RWMutex's uint64.
type mappedPage struct{ words [8]uint64 }

type versionCmd struct {
	size, flags, apiVersion, nameMax uint32
	types, counterModes, counterOps  uint64
	devCmds, objCmds                 uint64
	batchMax, maxObjects             uint32
	mapBackends, mapOps              uint64
	mapKeyMax, mapValueMax           uint32
	features                         uint64
}

// struct gosync_version.features
const (
	featureWGUnheld   = 1 << 0
	featureOnceFailed = 1 << 1
)

type counterAttr struct {
	mode, flags       uint32
	initial           int64
	racyDelayNs, resv uint32
}

type lockAttr struct{ flags, resv uint32 }

type onceAttr struct{ flags, valueMax uint32 }

type mapAttr struct {
	backend, flags, maxEntries, resv uint32
	maxBytes                         uint64
}

type chanAttr struct{ cap, msgMax, flags, resv uint32 }

type semAttr struct {
	size        uint64
	flags, resv uint32
}

type condAttr struct {
	mutexFd int32
	flags   uint32
	resv    uint64
}

type createCmd struct {
	size, flags, typ, perm uint32
	name                   unsafe.Pointer
	attr                   [8]uint64
}

type openCmd struct {
	size, flags uint32
	name        unsafe.Pointer
	typ, resv   uint32
	uid, gid    uint32 // with GOSYNC_OPEN_UID, GOSYNC_OPEN_GID: the owner required
}

type unlinkCmd struct {
	size, flags uint32
	name        unsafe.Pointer
	id          uint64 // with GOSYNC_UNLINK_ID only; the package never sets it
}

type rawInfo struct {
	id                                                  uint64
	typ, subtype, uid, gid, perm, flags, nrFiles, token uint32
	name                                                [nameMax]byte
	stats                                               [8]uint64
}

type infoCmd struct {
	size, flags          uint32
	info                 rawInfo
	state                unsafe.Pointer // *rawState (State)
	stateSize, nrHolders uint32
	holders              unsafe.Pointer
	resv                 uint64
}

type counterCmd struct {
	size, flags, op, resv uint32
	arg, expected, result int64
}

type mapOpRaw struct {
	op, flags                                uint32
	key, value, old, out                     unsafe.Pointer
	keyLen, valueLen, oldLen, outCap, outLen uint32
	err                                      int32
	result                                   uint64
}

type mapCmd struct {
	size, resv uint32
	op         mapOpRaw
}

type mapRangeCmd struct {
	size, flags   uint32
	buf           unsafe.Pointer
	bufLen, count uint32
	start, pos    uint64
	needed, done  uint32
	resv          uint64
}

type lockCmd struct {
	size, flags, op, resv uint32
	timeoutNs             uint64
}

type waitGroupCmd struct {
	size, flags, op, resv uint32
	delta                 int64
	timeoutNs             uint64
	counter               int64
}

type onceCmd struct {
	size, flags, op, result uint32
	timeoutNs               uint64
	buf                     unsafe.Pointer
	len, resv               uint32
}

type chanMsg struct {
	buf       unsafe.Pointer
	len, resv uint32
}

type chanCmd struct {
	size, flags, op, count                 uint32
	msgs                                   unsafe.Pointer
	timeoutNs                              uint64
	done, len, cap, closed, needed, msgMax uint32
}

type waitCase struct {
	fd    int32
	op    uint32
	buf   unsafe.Pointer
	len   uint32
	flags uint32
	err   int32
	resv  uint32
}

type waitCmd struct {
	size, flags  uint32
	cases        unsafe.Pointer
	count, index uint32
	timeoutNs    uint64
}

type semCmd struct {
	size, flags, op, resv uint32
	n, timeoutNs          uint64
	semSize, avail, held  uint64
}

type condCmd struct {
	size, flags, op uint32
	mutexFd         int32
	timeoutNs       uint64
	waiters, resv   uint32
}

// A compile-time check that the package is built for 64-bit pointers:
// the structs above need unsafe.Pointer to be the header's __u64.
var _ [unsafe.Sizeof(uintptr(0)) - 8]byte
