// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A Mutex is Go's sync.Mutex as a kernel object: a mutual exclusion lock
// shared by every process that has a handle to it.
//
// In the terminology of the Go memory model, the n'th call to Unlock
// synchronizes before the m'th call to Lock for any n < m, in any process.
// A successful call to TryLock is equivalent to a call to Lock.
//
// Fairness is Go's: in normal mode a woken waiter competes with arriving
// lockers; one that has waited over 1 ms and loses puts the mutex in
// starvation mode, where Unlock hands it to the oldest waiter. (A waiter
// of this package waits in the runtime's poller, and joins the kernel's
// queue, which holds an OS thread, only once it starves, and only while
// fewer than 64 goroutines of the process wait there: see the package
// documentation.)
//
// A lock is held by the open file description of the handle that took it:
// every goroutine using the handle, and a child given it through File,
// holds it too. By default the Mutex is robust: if the last descriptor of
// the holder's description closes while it holds the lock (the process
// died), the lock is released and the next Lock reports ErrOwnerDead.
//
// Mutex satisfies sync.Locker. Lock and Unlock panic where the other
// methods return an error.
//
// The zero value is not usable: make one with NewMutex or OpenMutex. Its
// methods fail with an error matching os.ErrInvalid (Lock and Unlock panic
// with it).
type Mutex struct {
	base
}

// NewMutex creates a Mutex, unlocked. Options: Named, NonRobust, Unmapped.
//
// The Mutex is mapped (GOSYNC_CREATE_MAPPED) unless Unmapped says not to:
// its state is a word of a page shared with the kernel and every process
// that has it mapped, and Lock, TryLock and Unlock of a Mutex nobody waits
// for change the word with an atomic compare-and-swap, without a system
// call. Everything else (waiting, waking, starvation mode, a dead holder)
// goes through the kernel, which sees the same word.
func NewMutex(opts ...Option) (*Mutex, error) {
	h, err := create("NewMutex", typeMutex, opts, func(c *createCmd) { c.flags |= createMapped })
	if err != nil {
		return nil, err
	}
	return newMutex("NewMutex", h)
}

// Unmapped makes a Mutex, an Int64 or Uint64, a WaitGroup, a Once, or a
// NonRobust Semaphore or RWMutex without the mapped fast path (see their
// constructors): each operation is an ioctl. The kernel then sees every
// call (its Info().Stats count them all; for a Mutex or RWMutex the gosync
// command always shows the pid that took the lock, not the one that opened
// the holder's handle, and a Mutex locker spins in the
// kernel while the holder runs; an RWMutex's read locks are again counted
// per open file description), and the object costs no page. A robust
// Semaphore or RWMutex is never mapped, so Unmapped changes nothing for
// one. Every handle to the object follows how it was created.
func Unmapped() Option {
	return Option{name: "Unmapped",
		types: types(typeMutex, typeCounter, typeWaitGroup, typeOnce, typeSem, typeRWMutex),
		apply: func(r *createReq) { r.unmapped = true }}
}

// OpenMutex opens the Mutex published under name (mapped if it was created
// mapped).
func OpenMutex(name string) (*Mutex, error) {
	h, err := open("OpenMutex", typeMutex, name)
	if err != nil {
		return nil, err
	}
	return newMutex("OpenMutex", h)
}

// MutexFromFile returns a handle to the Mutex f refers to (a file made by
// File, passed to this process); it shares f's open file description and
// so its locks. f stays open and may be closed.
func MutexFromFile(f *os.File) (*Mutex, error) {
	h, err := fromFile("MutexFromFile", typeMutex, f)
	if err != nil {
		return nil, err
	}
	return newMutex("MutexFromFile", h)
}

// newMutex maps h's page, if the Mutex has one, for the fast path.
func newMutex(op string, h *handle) (*Mutex, error) {
	if err := h.mapWords(); err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	return &Mutex{base{h}}, nil
}

// The fast path of a mapped Mutex (libgosync's user/lib/fast.c; the
// protocol of the word is in kmod/uapi/linux/gosync.h): Lock is a
// compare-and-swap of the word from 0 (free, nobody waits) to the handle's
// token, Unlock one from the token back to 0; a Lock that finds the word
// held spins a little, announced (mutexSpinning), so that the holder's
// Unlock leaves the word reserved for a spinner instead of free for its own
// next Lock; anything else, and a Lock that spun in vain, go to the ioctl,
// which sees the same word. (sync/atomic is sequentially consistent: the
// acquire and release the protocol needs, and more.) The caller holds a
// reference to the handle (get), which keeps the page mapped.

// fastSpin is how many times Lock polls a word held by someone running
// elsewhere before it asks the kernel (libgosync's GOSYNC_FAST_SPIN).
const fastSpin = 100

// fastLock locks h's mapped Mutex without the kernel, if it can.
func (h *handle) fastLock() bool {
	if atomic.CompareAndSwapUint32(h.word, 0, h.token) {
		return true
	}
	// A holder on another CPU may unlock within a few hundred cycles. Stop
	// as soon as the kernel owns the word (WAITERS): it decides who next.
	armed := false // saw mutexSpinning on a held word: a reserved one is ours
	for i := 0; i < fastSpin; i++ {
		v := atomic.LoadUint32(h.word)
		switch {
		case v&mutexWaiters != 0:
			return false
		case v&mutexToken == 0:
			// Free: 0 is anyone's, mutexSpinning alone a spinner's.
			if (v == 0 || armed) && atomic.CompareAndSwapUint32(h.word, v, h.token) {
				return true
			}
		case v&mutexSpinning != 0 ||
			atomic.CompareAndSwapUint32(h.word, v, v|mutexSpinning):
			armed = true
		}
	}
	// A mutexSpinning left behind is harmless: the kernel treats it as free.
	return false
}

// fastUnlock unlocks h's mapped Mutex without the kernel, if h holds it
// and the kernel need not hear of it (no WAITERS).
func (h *handle) fastUnlock() bool {
	for v := h.token; ; v = atomic.LoadUint32(h.word) {
		if v&^mutexSpinning != h.token {
			return false
		}
		// A spinner announced itself: free the word reserved for it.
		if atomic.CompareAndSwapUint32(h.word, v, v&mutexSpinning) {
			return true
		}
	}
}

func lockOp(fd int, req uintptr, op uint32, flags uint32, abs uint64) error {
	c := lockCmd{size: uint32(unsafe.Sizeof(lockCmd{})), op: op, flags: flags, timeoutNs: abs}
	return ioctl(fd, req, unsafe.Pointer(&c))
}

// tryLock is TryLock as the kernel says it: nil, EOWNERDEAD (held) or EBUSY.
func tryLock(fd int, req uintptr, op uint32) (bool, error) {
	switch err := lockOp(fd, req, op, 0, 0); err {
	case nil:
		return true, nil
	case syscall.EBUSY:
		return false, nil
	default:
		return true, err // EOWNERDEAD: held; anything else: give up
	}
}

// lockContext is the Lock of a Mutex or RWMutex (req, op) under ctx.
func (b *base) lockContext(ctx context.Context, name string, req uintptr, try, lock uint32,
	write bool) error {
	fd, err := b.hd().get()
	if err != nil {
		return newError(name, b.hd().name, err)
	}
	done, err := tryLock(fd, req, try)
	b.hd().put()
	if !done {
		w := waiter{
			write: write,
			try:   func(fd int) (bool, error) { return tryLock(fd, req, try) },
			// (A case, not the Lock ioctl: no deadlock detection,
			// which knows threads, not goroutines, and would see
			// goroutines that share this handle's description and
			// an OS thread as one locker.)
			block: waitCase{op: caseLock},
		}
		if lock == lockRLock {
			w.block.op = caseRLock
		}
		if lock == lockLock && req == iocRWMutex {
			// Go's writer preference: a waiting writer holds back new
			// readers. Only a writer in the kernel's queue can.
			w.patience = 10 * starvation
		}
		err = b.hd().await(ctx, &w)
		if err == nil && ctx.Err() != nil {
			// Taken after ctx was done: the cancellation reaches the
			// wait from another goroutine, and an Unlock may complete
			// it first. Give it back and fail, as Semaphore.Acquire
			// does: an Unlock that came after the cancel must not
			// complete the Lock. (Not with EOWNERDEAD: unlocked, its
			// report would be lost.)
			unlock := uint32(lockUnlock)
			if lock == lockRLock {
				unlock = lockRUnlock
			}
			if b.hd().do(req, unsafe.Pointer(&lockCmd{
				size: uint32(unsafe.Sizeof(lockCmd{})), op: unlock})) == nil {
				return ctx.Err()
			}
		}
	}
	if err == nil || err == syscall.EOWNERDEAD {
		if lock == lockRLock {
			b.hd().raceAcquire()
		} else {
			b.hd().raceAcquireAll() // after read unlocks too
		}
	}
	return newError(name, b.hd().name, err)
}

// LockContext locks m, waiting until it is available or ctx is done.
// It returns nil, or ErrOwnerDead with m locked (the previous holder died
// holding it: what it protected may be inconsistent), or ctx.Err() with m
// not locked, or an error matching os.ErrClosed if the handle is closed.
// With ctx already done, it still takes a free lock; but once it has
// waited, it returns ctx.Err() if ctx is done by the time the lock comes to
// it, and unlocks it again (an Unlock after the cancellation does not
// complete it). Waiting holds no OS thread (see the package documentation).
func (m *Mutex) LockContext(ctx context.Context) error {
	if m.hd().word != nil {
		if _, err := m.hd().get(); err == nil {
			ok := m.hd().fastLock()
			m.hd().put()
			if ok {
				m.hd().raceAcquireAll()
				return nil
			}
		}
	}
	return m.lockContext(ctx, "Mutex.Lock", iocMutex, lockTryLock, lockLock, false)
}

// Lock locks m, waiting as long as it takes. It panics with the error
// LockContext would return, except ErrOwnerDead: then m is locked and Lock
// returns as if the holder had unlocked it (use LockContext to know).
func (m *Mutex) Lock() {
	if err := m.LockContext(context.Background()); err != nil && !isOwnerDead(err) {
		panic(err)
	}
}

// TryLock tries to lock m without waiting and reports whether it did
// (also when the previous holder died holding it). In Go's words: correct
// uses of TryLock do exist, but they are rare.
func (m *Mutex) TryLock() bool {
	fd, err := m.hd().get()
	if err != nil {
		return false
	}
	defer m.hd().put()
	if m.hd().word != nil {
		if atomic.CompareAndSwapUint32(m.hd().word, 0, m.hd().token) {
			m.hd().raceAcquireAll()
			return true
		}
		if atomic.LoadUint32(m.hd().word)&mutexToken != 0 {
			return false // held
		}
		// Free, but the kernel's (waiters, starvation, a death to report)
		// or reserved for a spinner (mutexSpinning): the kernel takes either.
	}
	ok, err := tryLock(fd, iocMutex, lockTryLock)
	if ok = ok && (err == nil || err == syscall.EOWNERDEAD); ok {
		m.hd().raceAcquireAll()
	}
	return ok
}

// UnlockErr unlocks m. It returns ErrNotLocked if m is not locked (Go's
// fatal "sync: unlock of unlocked mutex"). As in Go, a locked Mutex is not
// associated with a particular goroutine or handle: any may unlock it.
func (m *Mutex) UnlockErr() error {
	m.hd().raceRelease()
	fd, err := m.hd().get()
	if err == nil {
		// Mapped: a CAS back to 0 (or mutexSpinning) if we hold it and
		// nobody waits; anything else (waiters, another handle's token,
		// unlocked) is the kernel's.
		if m.hd().word == nil || !m.hd().fastUnlock() {
			err = ioctl(fd, iocMutex, unsafe.Pointer(&lockCmd{
				size: uint32(unsafe.Sizeof(lockCmd{})), op: lockUnlock}))
		}
		m.hd().put()
	}
	return newError("Mutex.Unlock", m.hd().name, err, errKind{syscall.EPERM, ErrNotLocked})
}

// Unlock unlocks m; it panics with UnlockErr's error, such as ErrNotLocked.
func (m *Mutex) Unlock() {
	if err := m.UnlockErr(); err != nil {
		panic(err)
	}
}

func isOwnerDead(err error) bool {
	e, ok := err.(*Error)
	return ok && e.kind == ErrOwnerDead
}
