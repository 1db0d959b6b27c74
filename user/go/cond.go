// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// A Cond is Go's sync.Cond as a kernel object: a rendezvous point for
// goroutines, in any processes, waiting for or announcing an event, bound
// at creation to a Mutex, its L.
//
// In the terminology of the Go memory model, a Broadcast or Signal
// synchronizes before any Wait call that it unblocks.
//
// Wait sleeps in the kernel and holds an OS thread while it does: a Cond
// has no state to poll (a Signal with nobody waiting is lost, as in Go).
// Go's advice holds here too: channels (Chan) are often simpler.
//
// The zero value is not usable: make one with NewCond or OpenCond. Its
// methods fail with an error matching os.ErrInvalid.
type Cond struct {
	base
	// L is the Mutex the Cond is bound to, held while observing or
	// changing the condition. Wait unlocks and relocks it through this
	// handle.
	L *Mutex
}

// NewCond creates a Cond bound to l's Mutex. The Cond keeps the Mutex
// alive. Option: Named.
func NewCond(l *Mutex, opts ...Option) (*Cond, error) {
	if l == nil {
		return nil, newError("NewCond", "", os.ErrInvalid)
	}
	fd, err := l.hd().get()
	if err != nil {
		return nil, newError("NewCond", l.hd().name, err)
	}
	defer l.hd().put()
	h, err := create("NewCond", typeCond, opts, func(c *createCmd) {
		(*condAttr)(unsafe.Pointer(&c.attr)).mutexFd = int32(fd)
	})
	if err != nil {
		return nil, err
	}
	return &Cond{base{h}, l}, nil
}

// OpenCond opens the Cond published under name; l must be a handle to the
// Mutex it is bound to (Wait fails otherwise).
func OpenCond(name string, l *Mutex) (*Cond, error) {
	h, err := open("OpenCond", typeCond, name)
	if err != nil {
		return nil, err
	}
	return &Cond{base{h}, l}, nil
}

// CondFromFile returns a handle to the Cond f refers to, bound to l.
func CondFromFile(f *os.File, l *Mutex) (*Cond, error) {
	h, err := fromFile("CondFromFile", typeCond, f)
	if err != nil {
		return nil, err
	}
	return &Cond{base{h}, l}, nil
}

func (c *Cond) op(name string, op uint32) error {
	cmd := condCmd{size: uint32(unsafe.Sizeof(condCmd{})), op: op}
	return newError(name, c.hd().name, c.hd().do(iocCond, unsafe.Pointer(&cmd)))
}

// Signal wakes the longest-waiting Wait, if there is one. The caller may
// hold L, but need not.
func (c *Cond) Signal() error { return c.op("Cond.Signal", condSignal) }

// Broadcast wakes every Wait.
func (c *Cond) Broadcast() error { return c.op("Cond.Broadcast", condBroadcast) }

// WaitContext atomically unlocks c.L and suspends the caller until a
// Signal or Broadcast, then locks c.L again before returning, in every
// case. L must be locked (ErrNotLocked otherwise). It returns nil when
// woken; ErrOwnerDead if relocking found L's last holder dead; ctx.Err()
// if ctx ended the wait. ctx's deadline ends the wait in the kernel; to
// end it for a cancellation (of a ctx with or without a deadline),
// WaitContext broadcasts on c once: other waiters wake too, as from any
// Broadcast, and as always, recheck their condition.
//
// As in Go, the caller typically cannot assume the condition is true when
// Wait returns, and waits in a loop:
//
//	c.L.Lock()
//	for !condition() {
//	    c.Wait()
//	}
//	... make use of condition ...
//	c.L.Unlock()
func (c *Cond) WaitContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfd, err := c.hd().get()
	if err != nil {
		return newError("Cond.Wait", c.hd().name, err)
	}
	defer c.hd().put()
	if c.L == nil { // OpenCond's or CondFromFile's l
		return newError("Cond.Wait", c.hd().name, os.ErrInvalid)
	}
	mfd, err := c.L.hd().get()
	if err != nil {
		return newError("Cond.Wait", c.hd().name, err)
	}
	defer c.L.hd().put()
	cmd := condCmd{size: uint32(unsafe.Sizeof(condCmd{})), op: condWait,
		mutexFd: int32(mfd), flags: waitAbstime, timeoutNs: forever}
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		cmd.timeoutNs = monoAt(deadline)
	}
	// woke: the canceler's Broadcast went out (or is going out): only
	// then did ctx end the Wait. A wake-up before it is another's Signal
	// or Broadcast, which the Wait took: reporting ctx.Err() for it would
	// lose that Signal (the caller gives up), so it is a wake-up (nil).
	var woke atomic.Bool
	if done := ctx.Done(); done != nil {
		// L's count of Unlocks while the caller holds L: it moves when
		// the kernel unlocks L for this Wait, with the Wait in the
		// Cond's queue (condCancel).
		unlocks, known := mutexUnlocks(mfd)
		stop, exited := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(exited)
			select {
			case <-done:
			case <-stop:
				return
			}
			if hasDeadline && ctx.Err() == context.DeadlineExceeded &&
				!time.Now().Before(deadline) {
				// The kernel's own deadline (the same one) ends
				// this Wait: waking every other waiter too
				// would be a spurious wake-up for nothing.
				return
			}
			condCancel(cfd, mfd, unlocks, known, stop, &woke)
		}()
		defer func() {
			close(stop)
			<-exited
		}()
	}
	// Signals are blocked during the Wait: the kernel never restarts a
	// Cond Wait (made again it could miss a Signal), so one would end it
	// early. Not 32 and 33 (ioctlNoSignals: a Setuid or Setgid in the
	// process waits for every thread to take 33), so EINTR does come: L
	// is locked again, so return as from a (spurious) wake-up, which
	// callers handle by waiting in a loop.
	c.L.hd().raceRelease() // the kernel unlocks L, and locks it again
	err = ioctlNoSignals(cfd, iocCond, unsafe.Pointer(&cmd))
	c.L.hd().raceAcquireAll()
	switch {
	case err == syscall.EINTR:
		if err := ctx.Err(); err != nil {
			return err
		}
		err = nil
	case err == syscall.ETIMEDOUT:
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().Before(deadline) {
			// Early by monoAt's slack: L is locked again, so this
			// is a spurious wake-up, which callers wait again after.
			return nil
		}
		return context.DeadlineExceeded
	}
	if err == nil && woke.Load() {
		return ctx.Err()
	}
	return newError("Cond.Wait", c.hd().name, err, errKind{syscall.EPERM, ErrNotLocked})
}

// Wait is WaitContext without a context: it returns nil when woken, or an
// error (ErrNotLocked, ErrOwnerDead, ...).
func (c *Cond) Wait() error { return c.WaitContext(context.Background()) }

// mutexUnlocks reads the count of Unlocks of the Mutex fd refers to (its
// Info's stats: the kernel's Unlock for a Cond's Wait is one).
func mutexUnlocks(fd int) (uint64, bool) {
	c := infoCmd{size: uint32(unsafe.Sizeof(infoCmd{}))}
	if ioctl(fd, iocInfo, unsafe.Pointer(&c)) != nil {
		return 0, false
	}
	return c.info.stats[statUnlocks], true
}

// condCancel ends a WaitContext whose ctx was cancelled, on the Cond cfd
// with L mfd, by a Broadcast (which wakes every Wait on the Cond), once the
// Wait is asleep in the Cond's queue: it may not be there yet. It is once
// the kernel has unlocked L for it, which it does after queueing it: when
// L's count of Unlocks has moved past unlocks, read while the caller held
// L (no other Unlock comes between, unless the program unlocks a Mutex
// that another holds, which a Go Cond does not survive either). Until
// then condCancel looks again, from 100 µs doubling up to sleepMax, waking
// nobody; then it broadcasts once, and is done: the Wait has left the
// Cond's queue for good, and may then be long relocking L, which more
// Broadcasts would not shorten (each woke every waiter of the Cond in
// every process, for as long as L was held). Without the count (known
// false: INFO failed), it broadcasts from 100 µs doubling until the Wait
// returns (stop). woke is set before the first Broadcast: a Wait that
// sees it set returns ctx.Err() only after waiting for condCancel to
// return, by when that Broadcast has woken every waiter, so nothing the
// Wait took is lost.
func condCancel(cfd, mfd int, unlocks uint64, known bool, stop <-chan struct{},
	woke *atomic.Bool) {
	broadcast := func() {
		woke.Store(true)
		cmd := condCmd{size: uint32(unsafe.Sizeof(condCmd{})), op: condBroadcast}
		ioctl(cfd, iocCond, unsafe.Pointer(&cmd))
	}
	d := 100 * time.Microsecond
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		if hook := testHookCondCancel.Load(); hook != nil && (*hook)() {
			// as if the Wait were not queued yet: look again later
		} else {
			if known {
				var n uint64
				n, known = mutexUnlocks(mfd)
				if known && n != unlocks {
					broadcast()
					return
				}
			}
			if !known {
				broadcast()
			}
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if d *= 2; known && d > sleepMax {
			d = sleepMax
		}
		t.Reset(d)
	}
}

// testHookCondCancel, if set (by tests), runs in condCancel before each
// look at L's Unlocks; true skips the look (as if the Wait were not queued
// yet, the window in which another's Signal may wake it first).
var testHookCondCancel atomic.Pointer[func() bool]
