// SPDX-License-Identifier: GPL-2.0

package gosync

// Tests of the mapped fast path that need the package's insides: a handle
// to a mapped object that uses the ioctls only, the state word itself.

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One Mutex locked at once through the fast path (two mapped handles, each
// its own open file description and token) and through the ioctls (a
// third handle, not mapped): a plain variable read and written back under
// the Mutex loses no update.
func TestMutexMixedPaths(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-mixed-paths", os.Getpid())
	a, err := NewMutex(Named(name, 0600))
	if err != nil {
		t.Fatal(err)
	}
	defer Unlink(name)
	defer a.Close()
	b, err := OpenMutex(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := open("OpenMutex", typeMutex, name) // no mapWords: ioctls only
	if err != nil {
		t.Fatal(err)
	}
	c := &Mutex{base{h}}
	defer c.Close()
	if a.h.word == nil || b.h.word == nil || c.h.word != nil {
		t.Fatalf("mapped: %v %v %v, want true true false", a.h.word != nil, b.h.word != nil,
			c.h.word != nil)
	}
	if a.h.token == 0 || a.h.token == b.h.token {
		t.Fatalf("tokens %d and %d: want two, nonzero", a.h.token, b.h.token)
	}

	loops := 2000
	if testing.Short() {
		loops = 300
	}
	const perHandle = 3
	n := 0 // guarded by the Mutex only
	var wg sync.WaitGroup
	for _, m := range []*Mutex{a, b, c} {
		for g := 0; g < perHandle; g++ {
			wg.Add(1)
			go func(m *Mutex) {
				defer wg.Done()
				for i := 0; i < loops; i++ {
					if i%4 == 0 {
						for !m.TryLock() {
							runtime.Gosched()
						}
					} else {
						m.Lock()
					}
					v := n
					runtime.Gosched() // let the others try meanwhile
					n = v + 1
					m.Unlock()
				}
			}(m)
		}
	}
	wg.Wait()
	if want := 3 * perHandle * loops; n != want {
		t.Fatalf("n = %d, want %d: updates lost under the Mutex", n, want)
	}
	// The word is free again, and the fast path works on it.
	if !a.TryLock() {
		t.Fatal("TryLock failed after the hammer")
	}
	a.Unlock()
}

// One WaitGroup used through two mapped handles and one that is not:
// Waits through each return only after every Done of the round, whichever
// path the Dones and the Waits took (a Done in userspace that reaches zero
// must wake the Waits asleep in the kernel or the poller).
func TestWaitGroupMixedPaths(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-wg-mixed-paths", os.Getpid())
	a, err := NewWaitGroup(Named(name, 0600))
	if err != nil {
		t.Fatal(err)
	}
	defer Unlink(name)
	defer a.Close()
	b, err := OpenWaitGroup(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := open("OpenWaitGroup", typeWaitGroup, name) // no mapWords: ioctls only
	if err != nil {
		t.Fatal(err)
	}
	c := &WaitGroup{base: base{h}}
	defer c.Close()
	if a.h.word == nil || b.h.word == nil || c.h.word != nil {
		t.Fatalf("mapped: %v %v %v, want true true false", a.h.word != nil, b.h.word != nil,
			c.h.word != nil)
	}
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	all := []*WaitGroup{a, b, c}
	const perHandle = 2
	for r := 0; r < rounds; r++ {
		if err := all[r%3].Add(3 * perHandle); err != nil {
			t.Fatal(err)
		}
		var done int32
		var waiters sync.WaitGroup // and the Done goroutines
		for i, wg := range all {
			waiters.Add(1)
			go func(i int, wg *WaitGroup) {
				defer waiters.Done()
				if err := wg.Wait(); err != nil {
					t.Error(err)
				} else if n := atomic.LoadInt32(&done); n != 3*perHandle {
					t.Errorf("round %d: Wait through handle %d returned after %d of %d Dones",
						r, i, n, 3*perHandle)
				}
			}(i, wg)
			for g := 0; g < perHandle; g++ {
				waiters.Add(1)
				go func(wg *WaitGroup) {
					defer waiters.Done()
					runtime.Gosched()
					atomic.AddInt32(&done, 1)
					if err := wg.Done(); err != nil {
						t.Error(err)
					}
				}(wg)
			}
		}
		waiters.Wait()
		if t.Failed() {
			return
		}
	}
	for _, wg := range all {
		if n, err := wg.Counter(); n != 0 || err != nil {
			t.Fatalf("counter %d (%v), want 0", n, err)
		}
	}
}

// One NonRobust Semaphore of 2 permits used through two mapped handles and
// one that is not: never more than 2 holders at once, whichever path each
// Acquire, TryAcquire and Release took, and all 2 free at the end.
func TestSemaphoreMixedPaths(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-sem-mixed-paths", os.Getpid())
	a, err := NewSemaphore(2, Named(name, 0600), NonRobust())
	if err != nil {
		t.Fatal(err)
	}
	defer Unlink(name)
	defer a.Close()
	b, err := OpenSemaphore(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := open("OpenSemaphore", typeSem, name) // no mapWords: ioctls only
	if err != nil {
		t.Fatal(err)
	}
	c := &Semaphore{base: base{h}, size: 2}
	defer c.Close()
	if a.h.word == nil || b.h.word == nil || c.h.word != nil {
		t.Fatalf("mapped: %v %v %v, want true true false", a.h.word != nil, b.h.word != nil,
			c.h.word != nil)
	}
	loops := 1000
	if testing.Short() {
		loops = 200
	}
	var inside, most int32
	var wg sync.WaitGroup
	for _, s := range []*Semaphore{a, b, c, a, b, c} {
		wg.Add(1)
		go func(s *Semaphore) {
			defer wg.Done()
			for i := 0; i < loops; i++ {
				if i%3 == 0 {
					for !s.TryAcquire(1) {
						runtime.Gosched()
					}
				} else if err := s.Acquire(context.Background(), 1); err != nil {
					t.Error(err)
					return
				}
				n := atomic.AddInt32(&inside, 1)
				for m := atomic.LoadInt32(&most); n > m; m = atomic.LoadInt32(&most) {
					if atomic.CompareAndSwapInt32(&most, m, n) {
						break
					}
				}
				runtime.Gosched()
				atomic.AddInt32(&inside, -1)
				if err := s.Release(1); err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	if most > 2 {
		t.Fatalf("%d holders of 2 permits at once", most)
	}
	if free, _, err := a.Available(); free != 2 || err != nil {
		t.Fatalf("Available = %d, %v; want 2 free", free, err)
	}
}

// A mapped Semaphore (or RWMutex) leaves its word to the kernel while a
// poller watches it, and a handle's idle poller would watch it for good:
// after a wait through the poller, the fast path is back once the kernel
// has seen the next call (its statistics stop moving again).
func TestSemaphoreFastPathAfterWait(t *testing.T) {
	s, err := NewSemaphore(1, NonRobust())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.h.word == nil {
		t.Fatal("a NonRobust Semaphore is not mapped")
	}
	w, _ := s.h.semWords()
	if !s.TryAcquire(1) {
		t.Fatal("TryAcquire(1) of a free Semaphore failed")
	}
	acquired := make(chan error)
	go func() { acquired <- s.Acquire(context.Background(), 1) }()
	waitFor(t, "the waiter's poll", func() bool { return atomic.LoadUint64(w)&semKernel != 0 })
	if err := s.Release(1); err != nil {
		t.Fatal(err)
	}
	if err := <-acquired; err != nil {
		t.Fatal(err)
	}
	if err := s.Release(1); err != nil { // the kernel's: it gives the word back
		t.Fatal(err)
	}
	if v := atomic.LoadUint64(w); v != 1 {
		t.Fatalf("word %#x after the wait, want 1 (free, the fast path's)", v)
	}
	before, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if !s.TryAcquire(1) {
			t.Fatal("TryAcquire(1) of a free Semaphore failed")
		}
		if err := s.Release(1); err != nil {
			t.Fatal(err)
		}
	}
	after, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	if after.Stats != before.Stats {
		t.Fatalf("the kernel counted calls after the wait: stats %v, then %v",
			before.Stats, after.Stats)
	}
}

// waitFor polls cond until it holds; not by then, after 3 minutes (the
// hangLimit of the external tests), it is a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(3 * time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: hung", what)
		}
	}
}
