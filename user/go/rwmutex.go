// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
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
// A mapped RWMutex (NonRobust, see NewRWMutex) counts its read locks in
// the shared word instead, anonymously: any handle may RUnlock one, which
// is ErrNotLocked only when no read lock is held at all, and a holder that
// dies keeps its read locks, as a goroutine that is gone keeps a
// sync.RWMutex's.
//
// RWMutex satisfies sync.Locker; Lock, Unlock, RLock and RUnlock panic
// where the other methods return an error.
//
// The zero value is not usable: make one with NewRWMutex or OpenRWMutex.
// Its methods fail with an error matching os.ErrInvalid (Lock, RLock,
// Unlock and RUnlock panic with it).
type RWMutex struct {
	base
}

// NewRWMutex creates an RWMutex, unlocked. Options: Named, NonRobust,
// Unmapped.
//
// A NonRobust RWMutex is mapped (GOSYNC_CREATE_MAPPED) unless Unmapped
// says not to: its state (the writer's token and the number of read locks)
// is a word of a page shared with the kernel and every process that has it
// mapped, and RLock, TryRLock, RUnlock, Lock, TryLock and Unlock of an
// RWMutex nobody waits for change the word with an atomic
// compare-and-swap, without a system call. Everything else (waiting,
// waking, writer preference: a writer waiting in the kernel stops new
// readers) goes through the kernel, which sees the same word. A robust
// RWMutex (the default) is never mapped: dropping a dead holder's read
// locks needs the kernel to know whose each is. An RWMutex opened or made
// from a file follows how it was created.
func NewRWMutex(opts ...Option) (*RWMutex, error) {
	h, err := create("NewRWMutex", typeRWMutex, opts, func(c *createCmd) {
		c.flags |= createMapped // if NonRobust (create)
	})
	if err != nil {
		return nil, err
	}
	return newRWMutex("NewRWMutex", h)
}

// OpenRWMutex opens the RWMutex published under name (mapped if it was
// created mapped).
func OpenRWMutex(name string) (*RWMutex, error) {
	h, err := open("OpenRWMutex", typeRWMutex, name)
	if err != nil {
		return nil, err
	}
	return newRWMutex("OpenRWMutex", h)
}

// RWMutexFromFile returns a handle to the RWMutex f refers to, sharing
// f's open file description (see MutexFromFile).
func RWMutexFromFile(f *os.File) (*RWMutex, error) {
	h, err := fromFile("RWMutexFromFile", typeRWMutex, f)
	if err != nil {
		return nil, err
	}
	return newRWMutex("RWMutexFromFile", h)
}

// newRWMutex maps h's page, if the RWMutex has one, for the fast path.
func newRWMutex(op string, h *handle) (*RWMutex, error) {
	if err := h.mapWords(); err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	return &RWMutex{base{h}}, nil
}

// The fast path of a mapped RWMutex (libgosync's user/lib/fast_rwmutex.c;
// the protocol of the word is in kmod/uapi/linux/gosync.h): every
// compare-and-swap needs rwWaiters clear; once the kernel has set it
// (someone waits, a writer is queued, a poller watches), everything goes
// through the ioctl, which keeps Go's writer preference and FIFO handoff.
// RLock adds rwReader to a word without a writer and with room for one
// more reader, RUnlock takes it back from a word without a writer; Lock is
// a compare-and-swap from 0 to the handle's token, Unlock from the token
// back to 0. A failed compare-and-swap looks again only while the word
// still allows the operation. The caller holds a reference to the handle
// (get), which keeps the page mapped.

// rwWord returns h's mapped RWMutex word.
func (h *handle) rwWord() *uint64 { return (*uint64)(unsafe.Pointer(h.word)) }

// rwCanRLock reports whether the fast path may add a reader to v.
func rwCanRLock(v uint64) bool {
	return v&(rwWriter|rwWaiters) == 0 && (v&rwReaders)>>rwReaderShift < rwMaxReaders
}

// rwCasRLock adds a reader to w, found to be v, while the word allows it.
func rwCasRLock(w *uint64, v uint64) bool {
	for rwCanRLock(v) {
		if atomic.CompareAndSwapUint64(w, v, v+rwReader) {
			return true
		}
		v = atomic.LoadUint64(w)
	}
	return false
}

// fastRLock read-locks h's mapped RWMutex without the kernel, if it can.
func (h *handle) fastRLock() bool {
	w := h.rwWord()
	if rwCasRLock(w, atomic.LoadUint64(w)) {
		return true
	}
	// A running writer may unlock soon; stop once the kernel owns the word.
	for i := 0; i < fastSpin; i++ {
		v := atomic.LoadUint64(w)
		if v&rwWaiters != 0 {
			break
		}
		if rwCasRLock(w, v) {
			return true
		}
	}
	return false
}

// fastRWLock write-locks h's mapped RWMutex without the kernel, if it can.
func (h *handle) fastRWLock() bool {
	w, tok := h.rwWord(), uint64(h.token)
	if atomic.CompareAndSwapUint64(w, 0, tok) {
		return true
	}
	for i := 0; i < fastSpin; i++ {
		v := atomic.LoadUint64(w)
		if v&rwWaiters != 0 {
			break
		}
		if v == 0 && atomic.CompareAndSwapUint64(w, 0, tok) {
			return true
		}
	}
	return false
}

// fastRWTry is TryLock (op lockTryLock) or TryRLock on the word: 1 taken,
// 0 held by others without the kernel (the Try fails), -1 the kernel's to
// decide (waiters, pollers, too many readers).
func (h *handle) fastRWTry(op uint32) int {
	w := h.rwWord()
	if op == lockTryRLock {
		if rwCasRLock(w, atomic.LoadUint64(w)) {
			return 1
		}
		if v := atomic.LoadUint64(w); v&rwWriter != 0 && v&rwWaiters == 0 {
			return 0
		}
		return -1
	}
	if atomic.CompareAndSwapUint64(w, 0, uint64(h.token)) {
		return 1
	}
	if atomic.LoadUint64(w)&rwWaiters == 0 {
		return 0 // held by a writer or readers
	}
	return -1
}

// fastRUnlock drops a read lock from the word, if it has one and nobody
// waits: a waiting writer (rwWaiters) needs the kernel to wake it.
func (h *handle) fastRUnlock() bool {
	w := h.rwWord()
	v := atomic.LoadUint64(w)
	for v&(rwWriter|rwWaiters) == 0 && v&rwReaders != 0 {
		if atomic.CompareAndSwapUint64(w, v, v-rwReader) {
			return true
		}
		v = atomic.LoadUint64(w)
	}
	return false
}

// LockContext locks rw for writing, waiting until no reader or writer
// holds it, or until ctx is done. Results as for Mutex.LockContext.
func (rw *RWMutex) LockContext(ctx context.Context) error {
	if rw.hd().word != nil {
		if _, err := rw.hd().get(); err == nil {
			ok := rw.hd().fastRWLock()
			rw.hd().put()
			if ok {
				rw.hd().raceAcquireAll() // after read unlocks too
				return nil
			}
		}
	}
	return rw.lockContext(ctx, "RWMutex.Lock", iocRWMutex, lockTryLock, lockLock, true)
}

// RLockContext locks rw for reading, waiting while a writer holds it or
// waits for it, or until ctx is done. Results as for Mutex.LockContext
// (ErrOwnerDead: a writer died holding it). More than 2^30 read locks at
// once is an error (syscall.EAGAIN).
func (rw *RWMutex) RLockContext(ctx context.Context) error {
	if rw.hd().word != nil {
		if _, err := rw.hd().get(); err == nil {
			ok := rw.hd().fastRLock()
			rw.hd().put()
			if ok {
				rw.hd().raceAcquire()
				return nil
			}
		}
	}
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
	fd, err := rw.hd().get()
	if err != nil {
		return false
	}
	defer rw.hd().put()
	if rw.hd().word != nil {
		switch rw.hd().fastRWTry(op) {
		case 1:
			if op == lockTryRLock {
				rw.hd().raceAcquire()
			} else {
				rw.hd().raceAcquireAll()
			}
			return true
		case 0:
			return false
		}
	}
	ok, err := tryLock(fd, iocRWMutex, op)
	if ok = ok && (err == nil || err == syscall.EOWNERDEAD); ok {
		if op == lockTryRLock {
			rw.hd().raceAcquire()
		} else {
			rw.hd().raceAcquireAll()
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
	rw.hd().raceRelease()
	fd, err := rw.hd().get()
	if err == nil {
		// Mapped: a CAS back to 0 if we hold it and nobody waits; anything
		// else (waiters, another handle's token, unlocked) is the kernel's.
		if rw.hd().word == nil ||
			!atomic.CompareAndSwapUint64(rw.hd().rwWord(), uint64(rw.hd().token), 0) {
			err = ioctl(fd, iocRWMutex, unsafe.Pointer(&lockCmd{
				size: uint32(unsafe.Sizeof(lockCmd{})), op: lockUnlock}))
		}
		rw.hd().put()
	}
	return newError("RWMutex.Unlock", rw.hd().name, err, errKind{syscall.EPERM, ErrNotLocked})
}

// RUnlockErr undoes one RLock: ErrNotLocked if this handle's open file
// description holds no read lock (Go: fatal "RUnlock of unlocked RWMutex");
// on a mapped RWMutex, whose read locks are anonymous, if none is held.
func (rw *RWMutex) RUnlockErr() error {
	rw.hd().raceReleaseRead()
	fd, err := rw.hd().get()
	if err == nil {
		if rw.hd().word == nil || !rw.hd().fastRUnlock() {
			err = ioctl(fd, iocRWMutex, unsafe.Pointer(&lockCmd{
				size: uint32(unsafe.Sizeof(lockCmd{})), op: lockRUnlock}))
		}
		rw.hd().put()
	}
	return newError("RWMutex.RUnlock", rw.hd().name, err, errKind{syscall.EPERM, ErrNotLocked})
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
