// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// An RWMutex is Go's sync.RWMutex as a kernel object: a reader/writer
// mutual exclusion lock, held by any number of readers or one writer,
// shared by every process with a handle to it.
//
// As in Go, a blocked Lock call excludes new readers from acquiring the
// lock (once the waiting writer is in the kernel's queue: a writer waits
// in the runtime's poller for up to 10 ms first), and when a writer
// unlocks, the readers that queued meanwhile go before the next writer.
//
// In the terminology of the Go memory model, the n'th call to Unlock
// synchronizes before the m'th call to Lock for any n < m, just as for
// Mutex. For any call to RLock, there exists an n such that the n'th call
// to Unlock synchronizes before that call to RLock, and the corresponding
// call to RUnlock synchronizes before the n+1'th call to Lock.
//
// Read locks are counted per open file description: RUnlock must come
// through a handle of the one that took the read lock (the same handle,
// or its File). Robustness is as for Mutex: a holder that dies drops its
// read locks, and its write lock with ErrOwnerDead for the next locker.
//
// RWMutex satisfies sync.Locker; Lock, Unlock, RLock and RUnlock panic
// where the other methods return an error.
type RWMutex struct {
	base
}

// NewRWMutex creates an RWMutex, unlocked. Options: Named, NonRobust.
func NewRWMutex(opts ...Option) (*RWMutex, error) {
	h, err := create("NewRWMutex", typeRWMutex, opts, nil)
	if err != nil {
		return nil, err
	}
	return &RWMutex{base{h}}, nil
}

// OpenRWMutex opens the RWMutex published under name.
func OpenRWMutex(name string) (*RWMutex, error) {
	h, err := open("OpenRWMutex", typeRWMutex, name)
	if err != nil {
		return nil, err
	}
	return &RWMutex{base{h}}, nil
}

// RWMutexFromFile returns a handle to the RWMutex f refers to, sharing
// f's open file description (see MutexFromFile).
func RWMutexFromFile(f *os.File) (*RWMutex, error) {
	h, err := fromFile("RWMutexFromFile", typeRWMutex, f)
	if err != nil {
		return nil, err
	}
	return &RWMutex{base{h}}, nil
}

// LockContext locks rw for writing, waiting until no reader or writer
// holds it, or until ctx is done. Results as for Mutex.LockContext.
func (rw *RWMutex) LockContext(ctx context.Context) error {
	return rw.lockContext(ctx, "RWMutex.Lock", iocRWMutex, lockTryLock, lockLock, true)
}

// RLockContext locks rw for reading, waiting while a writer holds it or
// waits for it, or until ctx is done. Results as for Mutex.LockContext
// (ErrOwnerDead: a writer died holding it). More than 2^30 read locks at
// once is an error (syscall.EAGAIN).
func (rw *RWMutex) RLockContext(ctx context.Context) error {
	return rw.lockContext(ctx, "RWMutex.RLock", iocRWMutex, lockTryRLock, lockRLock, false)
}

// Lock locks rw for writing; it panics as Mutex.Lock does.
func (rw *RWMutex) Lock() {
	if err := rw.LockContext(context.Background()); err != nil && !isOwnerDead(err) {
		panic(err)
	}
}

// RLock locks rw for reading; it panics as Mutex.Lock does. As in Go, it
// should not be used for recursive read locking: a blocked Lock call
// excludes new readers.
func (rw *RWMutex) RLock() {
	if err := rw.RLockContext(context.Background()); err != nil && !isOwnerDead(err) {
		panic(err)
	}
}

func (rw *RWMutex) try(op uint32) bool {
	fd, err := rw.h.get()
	if err != nil {
		return false
	}
	defer rw.h.put()
	ok, err := tryLock(fd, iocRWMutex, op)
	if ok = ok && (err == nil || err == syscall.EOWNERDEAD); ok {
		if op == lockTryRLock {
			rw.h.raceAcquire()
		} else {
			rw.h.raceAcquireAll()
		}
	}
	return ok
}

// TryLock tries to lock rw for writing and reports whether it succeeded.
func (rw *RWMutex) TryLock() bool { return rw.try(lockTryLock) }

// TryRLock tries to lock rw for reading and reports whether it succeeded.
func (rw *RWMutex) TryRLock() bool { return rw.try(lockTryRLock) }

// UnlockErr unlocks rw for writing: ErrNotLocked if it is not locked for
// writing (Go: fatal). Any handle may unlock it.
func (rw *RWMutex) UnlockErr() error {
	rw.h.raceRelease()
	return newError("RWMutex.Unlock", rw.h.name, rw.h.do(iocRWMutex, unsafe.Pointer(&lockCmd{
		size: uint32(unsafe.Sizeof(lockCmd{})), op: lockUnlock})),
		errKind{syscall.EPERM, ErrNotLocked})
}

// RUnlockErr undoes one RLock: ErrNotLocked if this handle's open file
// description holds no read lock (Go: fatal "RUnlock of unlocked RWMutex").
func (rw *RWMutex) RUnlockErr() error {
	rw.h.raceReleaseRead()
	return newError("RWMutex.RUnlock", rw.h.name, rw.h.do(iocRWMutex, unsafe.Pointer(&lockCmd{
		size: uint32(unsafe.Sizeof(lockCmd{})), op: lockRUnlock})),
		errKind{syscall.EPERM, ErrNotLocked})
}

// Unlock unlocks rw for writing; it panics with UnlockErr's error.
func (rw *RWMutex) Unlock() {
	if err := rw.UnlockErr(); err != nil {
		panic(err)
	}
}

// RUnlock undoes one RLock; it panics with RUnlockErr's error.
func (rw *RWMutex) RUnlock() {
	if err := rw.RUnlockErr(); err != nil {
		panic(err)
	}
}

// RLocker returns a sync.Locker whose Lock and Unlock call rw.RLock and
// rw.RUnlock.
func (rw *RWMutex) RLocker() sync.Locker { return (*rlocker)(rw) }

type rlocker RWMutex

func (r *rlocker) Lock()   { (*RWMutex)(r).RLock() }
func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }
