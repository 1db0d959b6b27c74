// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"runtime"
	"time"
	"unsafe"
)

// State is what an object is doing now, and how contended it has been, as
// the kernel reports it under the object's lock (GOSYNC_IOC_INFO with its
// state; docs/uapi.md, "Who holds it, who waits"). The gosync command's
// ls and info show the same. Which fields a type fills:
//
//   - Mutex: Locked, Starving, Holders (the locker), Waiters, OldestWait
//     and the contention fields.
//   - RWMutex: Locked (write-locked), Readers, Holders (the writer, and each
//     open file description holding read locks), Waiters, OldestWait,
//     contention.
//   - Semaphore: Value (permits taken), Limit (its size), Holders (robust
//     only), Waiters, OldestWait, contention.
//   - WaitGroup: Value (the counter), Waiters. Once: Done, Waiters.
//   - Chan: Value (messages buffered), Limit (capacity), Closed, Waiters
//     (blocked senders), Receivers (blocked receivers). Cond: Waiters.
//
// Counters (Int64, Uint64) and Maps have no state: theirs is zero.
//
// Waiters, OldestWait and the contention fields count the tasks asleep in
// the kernel's own queue. This package waits in the Go runtime's poller
// first and joins that queue only when fairness needs it (see "How the
// package waits" in wait.go and docs/go.md), so its waiting goroutines
// show there late or not at all; other processes' kernel waits always do.
type State struct {
	Locked, Starving, Closed, Done bool
	// Holders lists every holder, oldest first for read locks and permits.
	Holders    []Holder
	Readers    uint64
	Value      int64
	Limit      uint64
	Waiters    uint32
	Receivers  uint32
	OldestWait time.Duration // of the oldest waiter, 0 if none
	Contended  uint64        // acquisitions that had to wait
	WaitTotal  time.Duration // their total wait
	// WaitHist counts those waits by length: bucket 0 under 1024 ns,
	// bucket i (i > 0) from 2^(i+9) ns to twice that, the last one open.
	WaitHist [stateWaitHist]uint64
}

// Holder is an open file description that holds a lock or Semaphore
// permits, named by the process that took them through it.
type Holder struct {
	Pid   int    // thread group id in the caller's pid namespace, 0 if not visible there
	Comm  string // that task's command name when it acquired
	Count uint64 // 1 for a write lock; read locks or permits held
	Write bool   // a Mutex, or an RWMutex's write lock
	// Opener: taken in userspace (the mapped fast path): the kernel knows
	// the description by its token, and Pid and Comm are of the task that
	// opened it, not necessarily the one that locked (handles shared across
	// a fork share the description).
	Opener bool
	// Exited: that process has exited (and been reaped), as a NonRobust
	// lock's holder may have: Pid is the number it had, which another
	// process may have by now.
	Exited bool
}

// State reports what the object is doing now: see State.
func (b *base) State() (State, error) {
	var rs rawState
	hs := make([]rawHolder, stateHolders)
	for {
		c := infoCmd{size: uint32(unsafe.Sizeof(infoCmd{})), state: unsafe.Pointer(&rs),
			stateSize: uint32(unsafe.Sizeof(rs)), nrHolders: uint32(len(hs)),
			holders: unsafe.Pointer(&hs[0])}
		err := b.hd().do(iocInfo, unsafe.Pointer(&c))
		runtime.KeepAlive(hs)
		runtime.KeepAlive(&rs)
		if err != nil {
			return State{}, newError("State", b.hd().name, err)
		}
		n := int(c.nrHolders)
		if n > holdersMax {
			n = holdersMax
		}
		if n <= len(hs) {
			hs = hs[:n]
			break
		}
		// More holders than the first call had room for: again, with room.
		hs = make([]rawHolder, n)
	}
	st := State{Locked: rs.flags&stateLocked != 0, Starving: rs.flags&stateStarving != 0,
		Closed: rs.flags&stateClosed != 0, Done: rs.flags&stateDone != 0,
		Readers: rs.readers, Value: rs.value, Limit: rs.limit, Waiters: rs.waiters,
		Receivers: rs.receivers, OldestWait: time.Duration(rs.oldestWaitNs),
		Contended: rs.contended, WaitTotal: time.Duration(rs.waitNs), WaitHist: rs.waitHist}
	for i := range hs {
		h := &hs[i]
		st.Holders = append(st.Holders, Holder{Pid: int(h.pid), Comm: cString(h.comm[:]),
			Count: h.count, Write: h.flags&holderWrite != 0, Opener: h.flags&holderOpener != 0,
			Exited: h.flags&holderExited != 0})
	}
	return st, nil
}
