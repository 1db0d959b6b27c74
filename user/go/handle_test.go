// SPDX-License-Identifier: GPL-2.0

package gosync

// Tests of the handle's reference counting and of the cancelers, which
// need the package's insides.

import (
	"context"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// hangLimitIn is the external tests' hangLimit, for these.
const hangLimitIn = 3 * time.Minute

// fdOpen reports whether fd is an open descriptor.
func fdOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

// wgCounter reads the counter of the WaitGroup fd refers to.
func wgCounter(fd int) (int64, error) {
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: wgLoad}
	err := ioctl(fd, iocWaitGroup, unsafe.Pointer(&c))
	return c.counter, err
}

// Close while a call holds a reference, and the call returns (its put)
// just after Close has decided: that put must not do the last reference's
// cleanup, which closes the descriptor and the handle's closer while
// close() still has the closer to bring to zero (a wgOp on a closed
// number, or on another object's that took the number). testHookClose
// runs the call's put at that point. The closer here is a duplicate of a
// WaitGroup's descriptor, at 1: Close must bring that WaitGroup to zero.
func TestCloseWhileCallReturns(t *testing.T) {
	m, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	wg, err := NewWaitGroup(Unmapped())
	if err != nil {
		t.Fatal(err)
	}
	defer wg.Close()
	if err := wg.Add(1); err != nil {
		t.Fatal(err)
	}
	wfd, err := wg.h.get()
	if err != nil {
		t.Fatal(err)
	}
	cfd, err := dupFd(wfd)
	wg.h.put()
	if err != nil {
		t.Fatal(err)
	}
	h := m.h
	h.pmu.Lock()
	if h.closer >= 0 {
		h.pmu.Unlock()
		syscall.Close(cfd)
		t.Fatal("a new Mutex has a closer already")
	}
	h.closer = cfd
	h.pmu.Unlock()

	if _, err := h.get(); err != nil { // the call in flight
		t.Fatal(err)
	}
	var open [2]bool
	ran := false
	setTestHookClose(func(hc *handle) {
		if hc != h {
			return
		}
		ran = true
		h.put() // the call returns
		open = [2]bool{fdOpen(h.fd), fdOpen(h.closer)}
	})
	err = m.Close()
	setTestHookClose(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("testHookClose did not run")
	}
	if open != [2]bool{true, true} {
		t.Errorf("the descriptor and the closer open while Close ran: %v, want both", open)
	}
	if n, err := wg.Counter(); n != 0 || err != nil {
		t.Errorf("the closer's WaitGroup after Close: %d, %v; want 0 (Close's Done)", n, err)
	}
	if s := h.state.Load(); s != closedBit|fdClosedBit {
		t.Errorf("state after Close: %#x, want closed with the descriptor closed", s)
	}
}

// A canceler at zero while its ctx is not done (something else's Done: a
// descriptor number closed and reused under a wgOp) completes no case:
// waitCases arms it again and waits on, instead of returning -1 and nil,
// which its callers took for success (a Lock not taken) or indexed with.
func TestStrayCancelerDone(t *testing.T) {
	wg, err := NewWaitGroup(Unmapped())
	if err != nil {
		t.Fatal(err)
	}
	defer wg.Close()
	if err := wg.Add(1); err != nil {
		t.Fatal(err)
	}
	// The canceler the wait takes (the last idle one), already at zero.
	cfd, err := newCanceler()
	if err != nil {
		t.Fatal(err)
	}
	if err := wgOp(cfd, wgDone, 0, 0); err != nil {
		syscall.Close(cfd)
		t.Fatal(err)
	}
	cancelers.mu.Lock()
	cancelers.free = append(cancelers.free, cfd)
	cancelers.mu.Unlock()
	defer func() { // failed: not left idle at zero for later waits
		if !t.Failed() {
			return // waitCases closed it (its number may be another's now)
		}
		cancelers.mu.Lock()
		defer cancelers.mu.Unlock()
		for i, fd := range cancelers.free {
			if fd == cfd {
				cancelers.free = append(cancelers.free[:i], cancelers.free[i+1:]...)
				syscall.Close(cfd)
				break
			}
		}
	}()

	fd, err := wg.h.get()
	if err != nil {
		t.Fatal(err)
	}
	defer wg.h.put()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		i   int
		err error
	}
	res := make(chan result, 1)
	go func() {
		cases := make([]waitCase, 1, 2)
		cases[0] = waitCase{fd: int32(fd), op: caseWGZero}
		i, err := waitCases(ctx, cases, 0)
		res <- result{i, err}
	}()
	// Armed again (the wait goes on), or the wait returned: before the
	// WaitGroup's Done, which is the only case that may complete it.
	for end := time.Now().Add(hangLimitIn); ; time.Sleep(time.Millisecond) {
		select {
		case r := <-res:
			t.Fatalf("waitCases returned %d, %v with no case done", r.i, r.err)
		default:
		}
		if n, err := wgCounter(cfd); err != nil || n == 1 {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(end) {
			t.Fatal("the canceler was not armed again: hung")
		}
	}
	if err := wg.Done(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-res:
		if r.i != 0 || r.err != nil {
			t.Fatalf("waitCases after the WaitGroup's Done: %d, %v; want 0, nil", r.i, r.err)
		}
	case <-time.After(hangLimitIn):
		t.Fatal("waitCases after the WaitGroup's Done: hung")
	}
}
