// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"errors"
	"math"
	"os"
	"syscall"
	"unsafe"
)

// A Case is one case of a Select: an operation on a gosync object that
// may have to wait. Make one with a method of the object: Chan.SendCase,
// Chan.RecvCase, Mutex.LockCase, RWMutex.LockCase, RWMutex.RLockCase,
// WaitGroup.WaitCase, Once.DoneCase, Semaphore.AcquireCase.
type Case struct {
	h   *handle
	op  uint32
	msg []byte // SendCase
	n   int64  // AcquireCase
	ch  *Chan  // RecvCase
}

// SendCase is a case that sends msg on c.
func (c *Chan) SendCase(msg []byte) Case { return Case{h: c.hd(), op: caseSend, msg: msg} }

// RecvCase is a case that receives a message from c (or finds it closed
// and drained).
func (c *Chan) RecvCase() Case { return Case{h: c.hd(), op: caseRecv, ch: c} }

// LockCase is a case that locks m. A Select that has to wait holds a place
// in m's queue of lockers: in starvation mode Unlock hands m to it in its
// turn, as to a Lock.
func (m *Mutex) LockCase() Case { return Case{h: m.hd(), op: caseLock} }

// LockCase is a case that locks rw for writing. A Select that has to wait
// holds a place in rw's queue as a waiting writer: new readers wait behind
// it, as behind a Lock.
func (rw *RWMutex) LockCase() Case { return Case{h: rw.hd(), op: caseLock} }

// RLockCase is a case that locks rw for reading. A Select that has to wait
// holds a place in rw's queue as a waiting reader.
func (rw *RWMutex) RLockCase() Case { return Case{h: rw.hd(), op: caseRLock} }

// WaitCase is a case that completes when wg's counter is zero (or has
// been, since the Select began).
func (wg *WaitGroup) WaitCase() Case { return Case{h: wg.hd(), op: caseWGZero} }

// DoneCase is a case that completes when o is done; it never runs o's
// function.
func (o *Once) DoneCase() Case { return Case{h: o.hd(), op: caseOnceDone} }

// AcquireCase is a case that acquires n permits of s. n must be 1 to
// math.MaxUint32 (a Select with another n fails with EINVAL, as
// Semaphore.Acquire does for n < 0; the kernel has no case of 0 permits,
// which Acquire takes at once). A Select that has to wait holds a place in
// s's FIFO, as an Acquire does.
func (s *Semaphore) AcquireCase(n int64) Case { return Case{h: s.hd(), op: caseAcquire, n: n} }

// Selected says which case of a Select completed, and how.
type Selected struct {
	Index int    // the case, an index into the cases given
	Msg   []byte // a RecvCase: the message received
	OK    bool   // a RecvCase: false if the Chan is closed and drained
	// Err is the case's own outcome: ErrOwnerDead for a lock case whose
	// lock is now held but whose last holder died; ErrClosed for a
	// SendCase on a closed Chan.
	Err error
}

// ErrWouldBlock is what TrySelect returns when no case is ready.
var ErrWouldBlock = errors.New("gosync: no case is ready")

// Select is Go's select statement over gosync objects, in any processes:
// it waits until one of the cases can proceed, completes exactly that one,
// and returns which (if several can, one chosen uniformly at random, as Go
// does). It waits until ctx is done at most (ctx.Err()). Up to 63 cases.
// With none, it waits for ctx alone, as Go's select {} blocks (for good,
// under a ctx that is never done).
//
// Select waits in the kernel (GOSYNC_IOC_WAIT), where the other side of an
// unbuffered Chan finds it, and holds an OS thread while it waits; ctx's
// cancellation ends the wait at once (through an anonymous WaitGroup; if
// none can be made, no descriptor being left, the wait looks at ctx every
// 10 ms instead).
func Select(ctx context.Context, cases ...Case) (Selected, error) {
	return doSelect(ctx, cases, 0)
}

// TrySelect is a select with a default case: it completes a case that can
// proceed now, or returns ErrWouldBlock (the default; with no cases, at
// once, as Go's select { default: }).
//
// Unlike Go's select { case ch <- v: default: }, a SendCase on an
// unbuffered Chan pairs only with a receiver waiting in the kernel's
// queue, that is in a Select with a RecvCase: not with one in Chan.Recv
// or RecvContext, which waits in the runtime's poller (it takes a message
// from a sender that waits in the kernel), so the TrySelect returns
// ErrWouldBlock although that receiver waits. The other way round works:
// a RecvCase takes from a sender waiting in Send or in a Select.
func TrySelect(cases ...Case) (Selected, error) {
	return doSelect(context.Background(), cases, waitNonblock)
}

func doSelect(ctx context.Context, cases []Case, flags uint32) (Selected, error) {
	if len(cases) == 0 {
		// Go's select { default: } and select {}.
		if flags&waitNonblock != 0 {
			return Selected{Index: -1}, ErrWouldBlock
		}
		<-ctx.Done()
		return Selected{Index: -1}, ctx.Err()
	}
	if len(cases) >= waitMax {
		return Selected{Index: -1}, newError("Select", "", syscall.EINVAL)
	}
	// Every case is checked before any takes a reference to its handle.
	for _, c := range cases {
		if c.h == nil {
			return Selected{Index: -1}, newError("Select", "", syscall.EINVAL)
		}
		if c.h == zeroHandle { // a zero value's case, whatever its arguments
			return Selected{Index: -1}, newError("Select", "", os.ErrInvalid)
		}
		if c.op == caseAcquire && (c.n < 1 || c.n > math.MaxUint32) {
			// As Semaphore.Acquire's bad n, and 0 (the kernel's
			// EINVAL); wait_case.len is a __u32.
			return Selected{Index: -1}, newError("Select", c.h.name, syscall.EINVAL)
		}
		if c.op == caseSend && tooLong(len(c.msg)) {
			return Selected{Index: -1}, newError("Select", c.h.name, syscall.EMSGSIZE)
		}
	}
	wc := make([]waitCase, len(cases), len(cases)+1)
	bufs := make([][]byte, len(cases))
	taken := 0 // cases[:taken] hold a reference
	defer func() {
		for _, c := range cases[:taken] {
			c.h.put()
		}
	}()
	for i, c := range cases {
		fd, err := c.h.get()
		if err != nil {
			return Selected{Index: -1}, newError("Select", c.h.name, err)
		}
		taken++
		wc[i] = waitCase{fd: int32(fd), op: c.op}
		switch c.op {
		case caseSend:
			wc[i].buf, wc[i].len = bytesPtr(c.msg), uint32(len(c.msg))
			c.h.raceReleaseMerge()
		case caseAcquire:
			wc[i].len = uint32(c.n)
		case caseRecv:
			bufs[i] = make([]byte, c.ch.hint.Load())
			c.h.raceReleaseRecv()
		}
	}
	for {
		for i, c := range cases {
			if c.op == caseRecv {
				wc[i].buf, wc[i].len = unsafe.Pointer(&bufs[i][0]), uint32(len(bufs[i]))
			}
			wc[i].flags, wc[i].err = 0, 0
		}
		var i int
		var err error
		if flags&waitNonblock != 0 {
			i, err = tryCases(wc, flags)
		} else {
			i, err = waitCases(ctx, wc, flags)
			if noCanceler(err) {
				// Its canceler cannot be made (no descriptor left,
				// the user's object limit), nothing was done: wait
				// all the same, in slices that need none, as Send.
				i, err = waitCasesSliced(ctx, wc, flags, nil)
			}
		}
		if err != nil {
			if err == syscall.EAGAIN {
				return Selected{Index: -1}, ErrWouldBlock
			}
			return Selected{Index: -1}, newError("Select", "", err)
		}
		s := Selected{Index: i}
		c, w := cases[i], &wc[i]
		if w.err != 0 {
			errno := syscall.Errno(-w.err)
			if errno == syscall.EOVERFLOW && c.op == caseRecv {
				// Nothing was received: again, with room for it.
				c.ch.grow(int(w.len))
				bufs[i] = make([]byte, w.len)
				continue
			}
			s.Err = newError("Select", c.h.name, errno, chanKinds...)
		}
		// EOWNERDEAD: the lock is held all the same (as lockContext).
		if w.err == 0 || syscall.Errno(-w.err) == syscall.EOWNERDEAD {
			if c.op == caseLock {
				c.h.raceAcquireAll()
			} else {
				c.h.raceAcquire()
			}
			if c.op == caseSend {
				c.h.raceAcquireSend() // as Send's
			}
		}
		if c.op == caseRecv && w.flags&caseClosed == 0 {
			s.Msg, s.OK = append([]byte(nil), bufs[i][:w.len]...), true
		}
		return s, nil
	}
}

// tryCases is GOSYNC_IOC_WAIT with NONBLOCK: the case completed, or EAGAIN.
func tryCases(wc []waitCase, flags uint32) (int, error) {
	dfd, err := device()
	if err != nil {
		return -1, err
	}
	cmd := waitCmd{size: uint32(unsafe.Sizeof(waitCmd{})), flags: flags,
		cases: unsafe.Pointer(&wc[0]), count: uint32(len(wc))}
	if err := ioctl(dfd, iocWait, unsafe.Pointer(&cmd)); err != nil {
		return -1, err
	}
	return int(cmd.index), nil
}
