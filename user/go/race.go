// SPDX-License-Identifier: GPL-2.0

//go:build race

package gosync

import (
	"runtime"
	"sync"
	"unsafe"
)

// The race detector sees Go's synchronization, not the kernel's: without
// help it reports memory that a gosync Mutex, WaitGroup, Chan, ...
// orders as racy. As Go's sync package does, this package tells it what
// synchronizes with what, on two bytes per object (its race token): [0]
// for every edge, [1] for read unlocks (as sync.RWMutex's two addresses)
// and, on a Chan, for receives, which happen before the sends they make
// room for (Go's: the k'th receive before the k+C'th send completes).
// The token is found by the object's ID, so every handle to one object in
// this process shares it. (Across processes there is nothing to tell: each
// has its own detector.) Tokens live as long as the process.

var raceTokens sync.Map // object ID -> *[2]byte

// raceInit gives h its object's race token.
func raceInit(h *handle) {
	tok := new([2]byte)
	if ri, err := h.info(); err == nil {
		v, _ := raceTokens.LoadOrStore(ri.id, tok)
		tok = v.(*[2]byte)
	}
	h.race = tok
}

// tok is h's race token; a zero value's (zeroHandle, shared by all of
// them) gets a fresh one each time, so that failed calls on two unrelated
// zero values make no happens-before edge that would hide a real race.
func (h *handle) tok() *[2]byte {
	if h == zeroHandle {
		return new([2]byte)
	}
	return h.race
}

// raceAcquire: what a raceRelease of the object did before happens before
// what the caller does next (a Lock, Wait, Recv, ... that succeeded).
func (h *handle) raceAcquire() { runtime.RaceAcquire(unsafe.Pointer(&h.tok()[0])) }

// raceAcquireAll is raceAcquire, also after read unlocks (a write Lock).
func (h *handle) raceAcquireAll() {
	runtime.RaceAcquire(unsafe.Pointer(&h.tok()[0]))
	runtime.RaceAcquire(unsafe.Pointer(&h.tok()[1]))
}

// raceRelease: what the caller did before happens before the next
// raceAcquire (an Unlock).
func (h *handle) raceRelease() { runtime.RaceRelease(unsafe.Pointer(&h.tok()[0])) }

// raceReleaseMerge is raceRelease keeping the earlier releases' edges too
// (a Done, Send, Release: several may precede one Wait, Recv, Acquire).
func (h *handle) raceReleaseMerge() { runtime.RaceReleaseMerge(unsafe.Pointer(&h.tok()[0])) }

// raceReleaseRead is a read unlock's release, which the next write Lock
// acquires.
func (h *handle) raceReleaseRead() { runtime.RaceReleaseMerge(unsafe.Pointer(&h.tok()[1])) }

// raceReleaseRecv is a receive's release, before it receives: a Send that
// completes after it (its receiver, or one the receive made room for)
// acquires it (raceAcquireSend). For every Send, not only the k+C'th: the
// detector then misses some races, but reports none that are not.
func (h *handle) raceReleaseRecv() { runtime.RaceReleaseMerge(unsafe.Pointer(&h.tok()[1])) }

// raceAcquireSend: what receives did before they received happens before
// what a Send that completed does next.
func (h *handle) raceAcquireSend() { runtime.RaceAcquire(unsafe.Pointer(&h.tok()[1])) }
