// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"math"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A Semaphore is golang.org/x/sync/semaphore.Weighted as a kernel object:
// a weighted semaphore of a fixed number of permits, shared by every
// process with a handle to it. Waiters are served in order: a large
// Acquire is not starved by smaller ones that come after it (once it is
// in the kernel's queue: a waiter of this package waits in the runtime's
// poller first, and joins the queue if it loses the race for over 1 ms).
//
// A Release synchronizes before the Acquire that takes the permits it
// returned, in any process.
//
// By default permits are held by the open file description of the handle
// that acquired them: only it may release them, and those it still holds
// when its last descriptor closes (its process died) are released for it.
// With NonRobust, permits belong to nobody, as a POSIX semaphore's do.
//
// The zero value is not usable: make one with NewSemaphore or
// OpenSemaphore. Its methods fail with an error matching os.ErrInvalid
// (TryAcquire returns false).
type Semaphore struct {
	base
	size int64
}

// NewSemaphore creates a Semaphore of n permits, 1 to 2^62, all free.
// Options: Named, NonRobust, Unmapped.
//
// A NonRobust Semaphore is mapped (GOSYNC_CREATE_MAPPED) unless Unmapped
// says not to: its free permits are a word of a page shared with the
// kernel and every process that has it mapped, and an Acquire or
// TryAcquire that finds enough free, and a Release, are a compare-and-swap
// of the word, without a system call, while nobody waits. Waiting, and
// anything the kernel owns the word for, goes through the kernel, which
// sees the same word. A robust Semaphore is never mapped: returning a dead
// holder's permits needs the kernel to see every Acquire. A Semaphore
// opened or made from a file follows how it was created.
func NewSemaphore(n int64, opts ...Option) (*Semaphore, error) {
	if n < 1 || n > semMax {
		return nil, newError("NewSemaphore", "", syscall.EINVAL)
	}
	h, err := create("NewSemaphore", typeSem, opts, func(c *createCmd) {
		(*semAttr)(unsafe.Pointer(&c.attr)).size = uint64(n)
		c.flags |= createMapped // if NonRobust (create)
	})
	if err != nil {
		return nil, err
	}
	if err := h.mapWords(); err != nil {
		h.close()
		return nil, newError("NewSemaphore", h.name, err)
	}
	return &Semaphore{base{h}, n}, nil
}

func newSemaphore(h *handle, op string) (*Semaphore, error) {
	s := &Semaphore{base: base{h}}
	st, err := s.op(op, semLoad, 0, 0, 0)
	if err == nil {
		err = h.mapWords()
	}
	if err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	s.size = int64(st.semSize)
	return s, nil
}

// The fast path of a mapped Semaphore (libgosync's user/lib/fast_sem.c; the
// protocol is in kmod/uapi/linux/gosync.h): with semKernel clear, Acquire(n)
// is a compare-and-swap of the free permits from free to free - n if free
// >= n, Release(n) one from free to free + n if that is at most the size.
// semKernel set means the kernel owns the word (waiters in its FIFO,
// pollers): then, and for anything that would wait or fail, the ioctl
// decides. The caller holds a reference (get).

// semWords returns h's mapped Semaphore word and size.
func (h *handle) semWords() (w, size *uint64) {
	return (*uint64)(unsafe.Pointer(h.word)), (*uint64)(unsafe.Pointer(&h.page[8]))
}

// fastSemTake takes n permits if the word is userspace's and has them: 1
// taken, 0 not free (a TryAcquire fails), -1 the kernel's to decide. A
// failed compare-and-swap means another process got there first: look
// again, a few times.
func (h *handle) fastSemTake(n uint64) int {
	w, size := h.semWords()
	if n == 0 || n > atomic.LoadUint64(size) {
		return -1 // EINVAL
	}
	v := atomic.LoadUint64(w)
	for i := 0; i < fastSpin; i++ {
		if v&semKernel != 0 {
			return -1
		}
		if v < n {
			return 0
		}
		if atomic.CompareAndSwapUint64(w, v, v-n) {
			return 1
		}
		v = atomic.LoadUint64(w)
	}
	return -1
}

// fastSemRelease returns n permits if the word is userspace's and that
// leaves at most the size free; false: the ioctl's (waiters, or EPERM for
// more than are taken).
func (h *handle) fastSemRelease(n uint64) bool {
	w, sizep := h.semWords()
	size := atomic.LoadUint64(sizep)
	v := atomic.LoadUint64(w)
	for i := 0; n != 0 && n <= size && i < fastSpin; i++ {
		if v&semKernel != 0 || v > size-n {
			return false
		}
		if atomic.CompareAndSwapUint64(w, v, v+n) {
			return true
		}
		v = atomic.LoadUint64(w)
	}
	return false
}

// OpenSemaphore opens the Semaphore published under name.
func OpenSemaphore(name string) (*Semaphore, error) {
	h, err := open("OpenSemaphore", typeSem, name)
	if err != nil {
		return nil, err
	}
	return newSemaphore(h, "OpenSemaphore")
}

// SemaphoreFromFile returns a handle to the Semaphore f refers to, sharing
// f's open file description and so the permits it holds.
func SemaphoreFromFile(f *os.File) (*Semaphore, error) {
	h, err := fromFile("SemaphoreFromFile", typeSem, f)
	if err != nil {
		return nil, err
	}
	return newSemaphore(h, "SemaphoreFromFile")
}

func semOp(fd int, op uint32, n uint64, flags uint32, abs uint64) (semCmd, error) {
	c := semCmd{size: uint32(unsafe.Sizeof(semCmd{})), op: op, n: n, flags: flags, timeoutNs: abs}
	err := ioctl(fd, iocSem, unsafe.Pointer(&c))
	return c, err
}

func (s *Semaphore) op(name string, op uint32, n uint64, flags uint32, abs uint64) (semCmd, error) {
	fd, err := s.hd().get()
	if err != nil {
		return semCmd{}, newError(name, s.hd().name, err)
	}
	c, err := semOp(fd, op, n, flags, abs)
	s.hd().put()
	return c, newError(name, s.hd().name, err, errKind{syscall.EPERM, ErrNotHeld})
}

// Size returns the Semaphore's number of permits.
func (s *Semaphore) Size() int64 { return s.size }

// Acquire acquires n permits, blocking until they are available or ctx is
// done. On success it returns nil; on failure, ctx.Err(), and the
// Semaphore is unchanged. If ctx is already done, Acquire may still
// succeed without blocking; but once it has waited, it fails if ctx is done
// by the time the permits come, and gives them back (as x/sync's, since
// go.dev/issue/63615). As x/sync's, an Acquire of more permits than
// the Semaphore has waits until ctx is done (or, as every wait, until the
// handle is closed), and one of 0 permits succeeds (at once, though others
// wait: x/sync's waits behind them).
func (s *Semaphore) Acquire(ctx context.Context, n int64) error {
	if n > s.size {
		// A closed handle (or a zero value) says so first, whatever ctx.
		if s.hd().isClosed() {
			return newError("Semaphore.Acquire", s.hd().name, s.hd().closedErr())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.hd().closedChan():
			return newError("Semaphore.Acquire", s.hd().name, s.hd().closedErr())
		}
	}
	if n == 0 {
		// The kernel takes 1 or more (EINVAL): nothing to ask it.
		if s.hd().isClosed() {
			return newError("Semaphore.Acquire", s.hd().name, s.hd().closedErr())
		}
		return nil
	}
	if n < 0 {
		return newError("Semaphore.Acquire", s.hd().name, syscall.EINVAL)
	}
	try := func(fd int) (bool, error) {
		switch _, err := semOp(fd, semTryAcquire, uint64(n), 0, 0); err {
		case nil:
			return true, nil
		case syscall.EBUSY:
			return false, nil
		default:
			return true, err
		}
	}
	fd, err := s.hd().get()
	if err != nil {
		return newError("Semaphore.Acquire", s.hd().name, err)
	}
	if s.hd().word != nil && s.hd().fastSemTake(uint64(n)) == 1 {
		s.hd().put()
		s.hd().raceAcquire()
		return nil
	}
	// Not enough free, or the kernel's: it queues us in FIFO order.
	done, err := try(fd)
	s.hd().put()
	if !done {
		w := waiter{try: try}
		if n <= math.MaxUint32 { // a case's len is 32 bits: larger ones poll
			w.block = waitCase{op: caseAcquire, len: uint32(n)}
		}
		err = s.hd().await(ctx, &w)
		if err == nil && ctx.Err() != nil {
			// Granted after ctx was done: the cancellation reaches the
			// wait from another goroutine, and a Release may complete
			// it first. Give the permits back and fail, as x/sync's
			// Acquire does (go.dev/issue/63615): a Release that came
			// after the cancel must not complete the Acquire.
			if s.giveBack(n) {
				return ctx.Err()
			}
		}
	}
	if err == nil {
		s.hd().raceAcquire()
	}
	return newError("Semaphore.Acquire", s.hd().name, err)
}

// giveBack releases the n permits an Acquire took and then gave up on,
// with no race annotation (nothing was done under them); false if it could
// not (the handle was closed meanwhile), and the Acquire then reports the
// permits it holds.
func (s *Semaphore) giveBack(n int64) bool {
	if _, err := s.hd().get(); err != nil {
		return false
	}
	ok := s.hd().word != nil && s.hd().fastSemRelease(uint64(n))
	s.hd().put()
	if !ok {
		_, err := s.op("Semaphore.Acquire", semRelease, uint64(n), 0, 0)
		ok = err == nil
	}
	return ok
}

// TryAcquire acquires n permits without blocking: it reports whether it
// did, and leaves the Semaphore unchanged if not (also while others wait).
// TryAcquire(0) is true (x/sync's is false while others wait), but false
// on a closed handle.
func (s *Semaphore) TryAcquire(n int64) bool {
	if n == 0 {
		return !s.hd().isClosed()
	}
	if n < 1 || n > s.size {
		return false
	}
	if s.hd().word != nil {
		if _, err := s.hd().get(); err == nil {
			r := s.hd().fastSemTake(uint64(n))
			s.hd().put()
			switch r {
			case 1:
				s.hd().raceAcquire()
				return true
			case 0:
				return false
			}
		}
	}
	_, err := s.op("Semaphore.TryAcquire", semTryAcquire, uint64(n), 0, 0)
	if err == nil {
		s.hd().raceAcquire()
	}
	return err == nil
}

// Release releases n permits. Releasing more than this handle holds (more
// than are taken, NonRobust) is ErrNotHeld, and changes nothing (x/sync
// panics). Release(0) does nothing, as x/sync's.
func (s *Semaphore) Release(n int64) error {
	if n == 0 {
		if s.hd().isClosed() {
			return newError("Semaphore.Release", s.hd().name, s.hd().closedErr())
		}
		return nil
	}
	if n < 0 {
		return newError("Semaphore.Release", s.hd().name, syscall.EINVAL)
	}
	s.hd().raceReleaseMerge()
	if s.hd().word != nil {
		if _, err := s.hd().get(); err == nil {
			ok := s.hd().fastSemRelease(uint64(n))
			s.hd().put()
			if ok {
				return nil
			}
		}
	}
	_, err := s.op("Semaphore.Release", semRelease, uint64(n), 0, 0)
	return err
}

// Available returns the permits free now, and those this handle's open
// file description holds (robust Semaphores).
func (s *Semaphore) Available() (free, held int64, err error) {
	c, err := s.op("Semaphore.Available", semLoad, 0, 0, 0)
	return int64(c.avail), int64(c.held), err
}
