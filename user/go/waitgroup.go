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

// A WaitGroup is Go's sync.WaitGroup as a kernel object: it waits for a
// collection of tasks, in any processes, to finish. Add sets how many
// there are, each calls Done when it finishes, and Wait blocks until all
// have.
//
// In the terminology of the Go memory model, a call to Done (or an Add
// that brings the counter to zero) synchronizes before the return of any
// Wait call that it unblocks, in any process.
//
// Misuse that Go panics for is an error here: ErrNegativeCounter, and
// ErrWaitGroupMisuse for an Add from zero while Waits that the kernel put
// to sleep (a C program's) and released by the last zero are still
// returning. (This package's Wait waits in the runtime's poller instead,
// so it is never such a Wait: it sees the counter at zero if it stays
// there until the waiter runs; a WaitGroup Added to again at once, which
// Go calls misuse, may hold a waiter until the next zero.)
//
// The zero value is not usable: make one with NewWaitGroup or
// OpenWaitGroup. Its methods fail with an error matching os.ErrInvalid.
type WaitGroup struct {
	base
}

// NewWaitGroup creates a WaitGroup with counter 0. Options: Named,
// Unmapped.
//
// The WaitGroup is mapped (GOSYNC_CREATE_MAPPED) unless Unmapped says not
// to: its state is Go's word (counter and waiter bits) in a page shared
// with the kernel and every process that has it mapped. Add and Done are a
// compare-and-swap of the counter, and Wait of a zero counter an atomic
// load, without a system call; the kernel is called to wake the Waits of a
// zero, to wait, and for whatever the word says is its business. A
// WaitGroup opened or made from a file follows how it was created.
func NewWaitGroup(opts ...Option) (*WaitGroup, error) {
	h, err := create("NewWaitGroup", typeWaitGroup, opts, func(c *createCmd) {
		c.flags |= createMapped
	})
	if err != nil {
		return nil, err
	}
	return newWaitGroup("NewWaitGroup", h)
}

// OpenWaitGroup opens the WaitGroup published under name.
func OpenWaitGroup(name string) (*WaitGroup, error) {
	h, err := open("OpenWaitGroup", typeWaitGroup, name)
	if err != nil {
		return nil, err
	}
	return newWaitGroup("OpenWaitGroup", h)
}

// WaitGroupFromFile returns a handle to the WaitGroup f refers to.
func WaitGroupFromFile(f *os.File) (*WaitGroup, error) {
	h, err := fromFile("WaitGroupFromFile", typeWaitGroup, f)
	if err != nil {
		return nil, err
	}
	return newWaitGroup("WaitGroupFromFile", h)
}

// newWaitGroup maps h's page, if the WaitGroup has one, for the fast path.
func newWaitGroup(op string, h *handle) (*WaitGroup, error) {
	if err := h.mapWords(); err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	return &WaitGroup{base: base{h}}, nil
}

// wgCount is the counter in a WaitGroup word.
func wgCount(v uint64) int64 { return int64(int32(uint32(v >> wgShift))) }

// fastWaitGroupAdd is Add(delta) on h's mapped word, as libgosync's
// user/lib/fast_waitgroup.c does it (the protocol is in
// kmod/uapi/linux/gosync.h): a compare-and-swap of the counter half, refused
// here as by the ioctl (EINVAL negative, EOVERFLOW) with the word
// unchanged. It returns ok false, having changed nothing, where the kernel
// must do the Add: a delta past 32 bits, the kernel updating the word, or a
// positive delta on a zero counter with any low bit set (a zero the kernel
// may not have seen yet). An Add that leaves the counter zero with a low
// bit set then calls the kernel's Add(0), which releases the Waits of that
// zero; its error is not the Add's, which is done. The caller holds a
// reference (get) and passes its descriptor.
func (h *handle) fastWaitGroupAdd(fd int, delta int64) (n int64, ok bool, err error) {
	if delta < math.MinInt32 || delta > math.MaxInt32 {
		return 0, false, nil
	}
	p := (*uint64)(unsafe.Pointer(h.word))
	v := atomic.LoadUint64(p)
	for {
		c := wgCount(v)
		n = c + delta
		if v&wgKernel != 0 || delta > 0 && c == 0 && v&(1<<wgShift-1) != 0 {
			return 0, false, nil
		}
		if n < 0 {
			return 0, true, syscall.EINVAL // Go: "sync: negative WaitGroup counter"
		}
		if n > math.MaxInt32 {
			return 0, true, syscall.EOVERFLOW
		}
		if atomic.CompareAndSwapUint64(p, v, v+uint64(delta)<<wgShift) {
			break
		}
		v = atomic.LoadUint64(p)
	}
	if n == 0 && delta != 0 && v&(1<<wgShift-1) != 0 {
		// Zero with Waits asleep or pollers watching: the kernel wakes
		// them. The Add is done whatever this call says, as libgosync's
		// is: a caller told it failed would do it again (a second Done,
		// a negative counter or another task's Done taken). A zero it
		// misses is found when the page is unmapped.
		c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: wgAdd}
		_ = ioctl(fd, iocWaitGroup, unsafe.Pointer(&c))
	}
	return n, true, nil
}

var wgKinds = []errKind{{syscall.EINVAL, ErrNegativeCounter}, {syscall.EBUSY, ErrWaitGroupMisuse}}

func (wg *WaitGroup) op(name string, op uint32, delta int64, flags uint32) (int64, error) {
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: op, delta: delta,
		flags: flags}
	if op == wgDone || op == wgAdd && delta < 0 {
		wg.hd().raceReleaseMerge() // what the task did happens before Wait returns
	}
	if wg.hd().word != nil && (op == wgAdd && flags == 0 || op == wgDone) {
		d := delta
		if op == wgDone {
			d = -1
		}
		if fd, err := wg.hd().get(); err == nil {
			n, ok, err := wg.hd().fastWaitGroupAdd(fd, d)
			wg.hd().put()
			if ok {
				return n, newError(name, wg.hd().name, err, wgKinds...)
			}
		}
	}
	// A plain Done is not one of Go's tasks: the kernel leaves the Adds
	// they hold (the handle's description) held (GOSYNC_WG_F_UNHELD), if
	// the module has the flag. Asked, not guessed from an EINVAL, which a
	// counter that would go negative gets too: a retry could take another
	// process's Add made since and settle one of the held Adds.
	if (op == wgDone || op == wgAdd && delta < 0 && flags == 0) &&
		hasFeature(featureWGUnheld) {
		c.flags |= wgFUnheld
	}
	err := wg.hd().do(iocWaitGroup, unsafe.Pointer(&c))
	return c.counter, newError(name, wg.hd().name, err, wgKinds...)
}

// Add adds delta, which may be negative, to the counter. At zero, every
// Wait blocked on the WaitGroup returns. Below zero is ErrNegativeCounter,
// and nothing changes.
//
// As in Go, calls with a positive delta that start when the counter is
// zero must happen before a Wait: typically Add is called before starting
// the goroutine or process, and Done by it.
func (wg *WaitGroup) Add(delta int) error {
	_, err := wg.op("WaitGroup.Add", wgAdd, int64(delta), 0)
	return err
}

// Done decrements the counter by one: ErrNegativeCounter below zero.
func (wg *WaitGroup) Done() error {
	_, err := wg.op("WaitGroup.Done", wgDone, 0, 0)
	return err
}

// Go calls f in a new goroutine and adds that task to the WaitGroup (Go
// 1.25's WaitGroup.Go): Add(1) before, Done when f returns. The Add is
// held by this handle's open file description: if it closes first (the
// process died), the kernel does the Done, so a Wait in another process
// never hangs on a task that cannot finish.
//
// The task's Done is the kernel's, which settles one held Add with it;
// Add and Done on the same handle are other tasks, which leave the held
// Adds held (Add(1) ... Done() while a Go task runs, then the process
// dies: the kernel still does the Go task's Done).
func (wg *WaitGroup) Go(f func()) error {
	if _, err := wg.op("WaitGroup.Go", wgAdd, 1, wgFHold); err != nil {
		return err
	}
	go func() {
		defer wg.heldDone()
		f()
	}()
	return nil
}

// heldDone is a Go task's Done: through the kernel, which settles one of
// the Adds the handle's description holds.
func (wg *WaitGroup) heldDone() {
	wg.hd().raceReleaseMerge() // what the task did happens before Wait returns
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: wgDone}
	wg.hd().do(iocWaitGroup, unsafe.Pointer(&c))
}

// Counter returns the counter.
func (wg *WaitGroup) Counter() (int64, error) {
	if wg.hd().word != nil {
		if _, err := wg.hd().get(); err == nil {
			n := wgCount(atomic.LoadUint64((*uint64)(unsafe.Pointer(wg.hd().word))))
			wg.hd().put()
			return n, nil
		}
	}
	return wg.op("WaitGroup.Counter", wgLoad, 0, 0)
}

// WaitContext blocks until the counter is zero or ctx is done (ctx.Err()).
// It waits in the runtime's poller: no OS thread is held.
func (wg *WaitGroup) WaitContext(ctx context.Context) error {
	try := func(fd int) (bool, error) {
		c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: wgLoad}
		err := ioctl(fd, iocWaitGroup, unsafe.Pointer(&c))
		return err == nil && c.counter == 0, err
	}
	fd, err := wg.hd().get()
	if err != nil {
		return newError("WaitGroup.Wait", wg.hd().name, err)
	}
	if wg.hd().word != nil && wgCount(atomic.LoadUint64((*uint64)(unsafe.Pointer(wg.hd().word)))) == 0 {
		// Mapped, at zero: the Dones that reached it happen before this.
		wg.hd().put()
		wg.hd().raceAcquire()
		return nil
	}
	done, err := try(fd)
	wg.hd().put()
	if !done && err == nil {
		err = wg.hd().await(ctx, &waiter{try: try})
	}
	if err == nil {
		wg.hd().raceAcquire()
	}
	return newError("WaitGroup.Wait", wg.hd().name, err)
}

// Wait blocks until the counter is zero. It returns an error only if the
// handle is closed or unusable.
func (wg *WaitGroup) Wait() error { return wg.WaitContext(context.Background()) }
