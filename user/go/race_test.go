// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"

	"gosync"
)

// Plain Go memory handed from one goroutine to another through each kind
// of object, and nothing else: the writer's write, then its release (an
// Unlock, Done, Send, ...), the reader's acquire (a Lock, Wait, Recv, ...),
// then its read. Every build checks the value; under -race (run-tests.sh
// --race) a release or acquire the package did not tell the detector
// about (race.go) is a reported race, and the test fails. The writer and
// the reader use two handles to the object (File, FromFile), so that the
// handles' own atomics order nothing between them.
func TestRaceAnnotations(t *testing.T) {
	fileOf := func(t *testing.T, obj interface{ File() (*os.File, error) }) *os.File {
		f, err := obj.File()
		must(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
	bg := context.Background()
	handOff := func(t *testing.T, write func(x *int), read func()) {
		t.Helper()
		x := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			write(&x)
		}()
		read()
		if x != 1 {
			t.Errorf("read %d, want 1", x)
		}
		<-done // after the read: this channel must not be the edge
	}
	t.Run("Mutex", func(t *testing.T) {
		m, err := gosync.NewMutex()
		must(t, err)
		defer m.Close()
		m2, err := gosync.MutexFromFile(fileOf(t, m))
		must(t, err)
		defer m2.Close()
		m.Lock()
		handOff(t, func(x *int) { *x = 1; m2.Unlock() }, func() { m.Lock() })
		m.Unlock()
	})
	t.Run("Mutex/SelectOwnerDead", func(t *testing.T) {
		// A LockCase that finds the holder died holds the lock all the
		// same: what the last Unlock released is the Select's. The
		// reader knows the holder is gone only from the kernel.
		name := fmt.Sprintf("gotest-%d-race-owner-dead", os.Getpid())
		m, err := gosync.NewMutex(gosync.Named(name, 0600))
		must(t, err)
		defer m.Close()
		m2, err := gosync.OpenMutex(name)
		must(t, err)
		m2.Lock()
		handOff(t, func(x *int) { *x = 1; m2.Unlock(); m2.Lock(); m2.Close() }, func() {
			for info, err := m.Info(); info.Files > 1; info, err = m.Info() {
				must(t, err)
				runtime.Gosched()
			}
			s, err := gosync.Select(bg, m.LockCase())
			must(t, err)
			if !errors.Is(s.Err, gosync.ErrOwnerDead) {
				t.Errorf("LockCase after the holder died: %v, want ErrOwnerDead", s.Err)
			}
		})
		m.Unlock()
	})
	for _, k := range rwKinds { // robust; NonRobust (mapped) and Unmapped
		k := k
		t.Run("RWMutex/"+k.name, func(t *testing.T) {
			rw, err := gosync.NewRWMutex(k.opts...)
			must(t, err)
			defer rw.Close()
			rw2, err := gosync.RWMutexFromFile(fileOf(t, rw)) // shares rw's read locks
			must(t, err)
			defer rw2.Close()
			rw.Lock()
			handOff(t, func(x *int) { *x = 1; rw2.Unlock() }, func() { rw.RLock() })
			rw.RUnlock()
			rw.RLock() // a read unlock before a write Lock
			handOff(t, func(x *int) { *x = 1; rw2.RUnlock() }, func() { rw.Lock() })
			// A write Unlock before a write Lock.
			handOff(t, func(x *int) { *x = 1; rw2.Unlock() }, func() { rw.Lock() })
			rw.Unlock()
		})
	}
	t.Run("Cond", func(t *testing.T) {
		c := newCond(t)
		l2, err := gosync.MutexFromFile(fileOf(t, c.L))
		must(t, err)
		defer l2.Close()
		c2, err := gosync.CondFromFile(fileOf(t, c), l2)
		must(t, err)
		defer c2.Close()
		ready := false
		c.L.Lock()
		handOff(t, func(x *int) {
			c2.L.Lock()
			*x, ready = 1, true
			c2.Signal()
			c2.L.Unlock()
		}, func() {
			for !ready {
				must(t, c.Wait())
			}
		})
		c.L.Unlock()
	})
	t.Run("WaitGroup", func(t *testing.T) {
		wg, err := gosync.NewWaitGroup()
		must(t, err)
		defer wg.Close()
		wg2, err := gosync.WaitGroupFromFile(fileOf(t, wg))
		must(t, err)
		defer wg2.Close()
		must(t, wg.Add(1))
		handOff(t, func(x *int) { *x = 1; wg2.Done() }, func() { must(t, wg.Wait()) })
	})
	t.Run("Once", func(t *testing.T) {
		o, err := gosync.NewOnce()
		must(t, err)
		defer o.Close()
		o2, err := gosync.OnceFromFile(fileOf(t, o))
		must(t, err)
		defer o2.Close()
		handOff(t, func(x *int) { o2.Do(func() { *x = 1 }) }, func() {
			for done, err := o.Done(); !done; done, err = o.Done() {
				must(t, err)
				runtime.Gosched()
			}
			must(t, o.Do(func() { t.Error("f ran twice") }))
		})
	})
	for _, k := range semKinds { // robust; NonRobust (mapped) and Unmapped
		k := k
		t.Run("Semaphore/"+k.name, func(t *testing.T) {
			s, err := gosync.NewSemaphore(1, k.opts...)
			must(t, err)
			defer s.Close()
			s2, err := gosync.SemaphoreFromFile(fileOf(t, s)) // shares s's permits
			must(t, err)
			defer s2.Close()
			must(t, s.Acquire(bg, 1))
			handOff(t, func(x *int) { *x = 1; s2.Release(1) }, func() { must(t, s.Acquire(bg, 1)) })
		})
	}
	for _, capacity := range []int{0, 1} {
		ch, err := gosync.NewChan(capacity)
		must(t, err)
		defer ch.Close()
		f, err := ch.File()
		must(t, err)
		ch2, err := gosync.ChanFromFile(f)
		f.Close()
		must(t, err)
		defer ch2.Close()
		t.Run("Chan"+itoa(capacity), func(t *testing.T) {
			handOff(t, func(x *int) { *x = 1; ch2.Send([]byte("x")) }, func() {
				if _, ok, err := ch.Recv(); !ok || err != nil {
					t.Fatalf("Recv: %v %v", ok, err)
				}
			})
			handOff(t, func(x *int) { *x = 1; ch2.Send([]byte("x")) }, func() {
				if s, err := gosync.Select(bg, ch.RecvCase()); err != nil || !s.OK {
					t.Fatalf("Select: %+v %v", s, err)
				}
			})
		})
		// The other direction: the k'th receive happens before the k+C'th
		// Send completes. The reader's Send completes only once the
		// writer's receive has taken a message: the Send's own
		// (unbuffered), or the one that filled the buffer (capacity 1).
		t.Run("ChanRecvBeforeSend"+itoa(capacity), func(t *testing.T) {
			for _, sel := range []bool{false, true} {
				if capacity > 0 {
					must(t, ch.Send([]byte("full")))
				}
				recv, send := func() {
					if _, ok, err := ch2.Recv(); !ok || err != nil {
						t.Errorf("Recv: %v %v", ok, err)
					}
				}, func() { must(t, ch.Send([]byte("x"))) }
				if sel {
					recv = func() {
						if s, err := gosync.Select(bg, ch2.RecvCase()); err != nil || !s.OK {
							t.Errorf("Select Recv: %+v %v", s, err)
						}
					}
					send = func() {
						if s, err := gosync.Select(bg, ch.SendCase([]byte("x"))); err != nil ||
							s.Err != nil {
							t.Fatalf("Select Send: %+v %v", s, err)
						}
					}
				}
				handOff(t, func(x *int) { *x = 1; recv() }, send)
				if capacity > 0 { // what the reader's Send left
					if _, ok, err := ch.Recv(); !ok || err != nil {
						t.Fatalf("Recv: %v %v", ok, err)
					}
				}
			}
		})
		t.Run("CloseChan"+itoa(capacity), func(t *testing.T) {
			handOff(t, func(x *int) { *x = 1; ch2.CloseChan() }, func() {
				if _, ok, err := ch.Recv(); ok || err != nil {
					t.Fatalf("Recv of a closed Chan: %v %v", ok, err)
				}
			})
		})
	}
	t.Run("Int64", func(t *testing.T) {
		c, err := gosync.NewInt64(0)
		must(t, err)
		defer c.Close()
		c2, err := gosync.Int64FromFile(fileOf(t, c))
		must(t, err)
		defer c2.Close()
		handOff(t, func(x *int) { *x = 1; c2.Store(1) }, func() {
			for v, err := c.Load(); v != 1; v, err = c.Load() {
				must(t, err)
				runtime.Gosched()
			}
		})
	})
	t.Run("Map", func(t *testing.T) {
		m, err := gosync.NewMap()
		must(t, err)
		defer m.Close()
		m2, err := gosync.MapFromFile(fileOf(t, m))
		must(t, err)
		defer m2.Close()
		handOff(t, func(x *int) { *x = 1; m2.Store("k", []byte("v")) }, func() {
			for _, ok, err := m.Load("k"); !ok; _, ok, err = m.Load("k") {
				must(t, err)
				runtime.Gosched()
			}
		})
	})
}
