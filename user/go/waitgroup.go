// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
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
// ErrWaitGroupMisuse for an Add from zero while Waits released by the last
// zero are still returning. (Wait waits in the runtime's poller, so it
// sees the counter at zero if it stays there until the waiter runs; a
// WaitGroup Added to again at once, which Go calls misuse, may hold a
// waiter until the next zero.)
type WaitGroup struct {
	base
}

// NewWaitGroup creates a WaitGroup with counter 0. Option: Named.
func NewWaitGroup(opts ...Option) (*WaitGroup, error) {
	h, err := create("NewWaitGroup", typeWaitGroup, opts, nil)
	if err != nil {
		return nil, err
	}
	return &WaitGroup{base{h}}, nil
}

// OpenWaitGroup opens the WaitGroup published under name.
func OpenWaitGroup(name string) (*WaitGroup, error) {
	h, err := open("OpenWaitGroup", typeWaitGroup, name)
	if err != nil {
		return nil, err
	}
	return &WaitGroup{base{h}}, nil
}

// WaitGroupFromFile returns a handle to the WaitGroup f refers to.
func WaitGroupFromFile(f *os.File) (*WaitGroup, error) {
	h, err := fromFile("WaitGroupFromFile", typeWaitGroup, f)
	if err != nil {
		return nil, err
	}
	return &WaitGroup{base{h}}, nil
}

var wgKinds = []errKind{{syscall.EINVAL, ErrNegativeCounter}, {syscall.EBUSY, ErrWaitGroupMisuse}}

func (wg *WaitGroup) op(name string, op uint32, delta int64, flags uint32) (int64, error) {
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: op, delta: delta,
		flags: flags}
	if op == wgDone || op == wgAdd && delta < 0 {
		wg.h.raceReleaseMerge() // what the task did happens before Wait returns
	}
	err := wg.h.do(iocWaitGroup, unsafe.Pointer(&c))
	return c.counter, newError(name, wg.h.name, err, wgKinds...)
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
func (wg *WaitGroup) Go(f func()) error {
	if _, err := wg.op("WaitGroup.Go", wgAdd, 1, wgFHold); err != nil {
		return err
	}
	go func() {
		defer wg.Done()
		f()
	}()
	return nil
}

// Counter returns the counter.
func (wg *WaitGroup) Counter() (int64, error) {
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
	fd, err := wg.h.get()
	if err != nil {
		return newError("WaitGroup.Wait", wg.h.name, err)
	}
	done, err := try(fd)
	wg.h.put()
	if !done && err == nil {
		err = wg.h.await(ctx, &waiter{try: try})
	}
	if err == nil {
		wg.h.raceAcquire()
	}
	return newError("WaitGroup.Wait", wg.h.name, err)
}

// Wait blocks until the counter is zero. It returns an error only if the
// handle is closed or unusable.
func (wg *WaitGroup) Wait() error { return wg.WaitContext(context.Background()) }
