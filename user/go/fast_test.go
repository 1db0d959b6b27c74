// SPDX-License-Identifier: GPL-2.0

package gosync

// Tests of the mapped fast path that need the package's insides: a handle
// to a mapped object that uses the ioctls only, the state word itself.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// offKernel runs ops, which must all take the fast path, and fails the test
// if the kernel counted any call on o meanwhile (its Info's stats moved):
// what says when.
func offKernel(t *testing.T, o interface{ Info() (Info, error) }, what string, ops func()) {
	t.Helper()
	before, err := o.Info()
	if err != nil {
		t.Fatal(err)
	}
	ops()
	after, err := o.Info()
	if err != nil {
		t.Fatal(err)
	}
	if after.Stats != before.Stats {
		t.Fatalf("%s: stats %v, then %v", what, before.Stats, after.Stats)
	}
}

// unmappedHandle opens a third handle to the object name, of type typ, that
// does not map its page (no mapWords: ioctls only), closed when the test
// ends, after checking that a and b, two handles to it, are mapped, each
// with a token of its own.
func unmappedHandle(t *testing.T, op string, typ uint32, name string, a, b *handle) *handle {
	t.Helper()
	if a.word == nil || b.word == nil {
		t.Fatalf("mapped: %v %v, want true true", a.word != nil, b.word != nil)
	}
	if a.token == 0 || a.token == b.token {
		t.Fatalf("tokens %d and %d: want two, nonzero", a.token, b.token)
	}
	h, err := open(op, typ, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.close() })
	if h.word != nil {
		t.Fatal("opened without mapWords, yet mapped")
	}
	return h
}

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
	c := &Mutex{base{unmappedHandle(t, "OpenMutex", typeMutex, name, a.h, b.h)}}

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
	c := &WaitGroup{base: base{unmappedHandle(t, "OpenWaitGroup", typeWaitGroup, name, a.h, b.h)}}
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
	c := &Semaphore{base: base{unmappedHandle(t, "OpenSemaphore", typeSem, name, a.h, b.h)},
		size: 2}
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
	offKernel(t, s, "the kernel counted calls after the wait", func() {
		for i := 0; i < 10; i++ {
			if !s.TryAcquire(1) {
				t.Fatal("TryAcquire(1) of a free Semaphore failed")
			}
			if err := s.Release(1); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A mapped WaitGroup's Wait through the poller marks its word POLLED, and
// an idle poller would keep the mark for good (every Add to a zero counter
// and every Done to zero a system call, in every process): after the wait,
// the next kernel update drops it and the fast path is back.
func TestWaitGroupFastPathAfterWait(t *testing.T) {
	wg, err := NewWaitGroup()
	if err != nil {
		t.Fatal(err)
	}
	defer wg.Close()
	if wg.h.word == nil {
		t.Fatal("a WaitGroup is not mapped")
	}
	w := (*uint64)(unsafe.Pointer(wg.h.word))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(wg.Add(1))
	waited := make(chan error)
	go func() { waited <- wg.Wait() }()
	waitFor(t, "the Wait's poll", func() bool { return atomic.LoadUint64(w)&wgPolled != 0 })
	must(wg.Done()) // marked: calls the kernel, which wakes the poller
	must(<-waited)
	must(wg.Add(1)) // 0 -> 1, marked: the kernel's
	must(wg.Done()) // 1 -> 0, marked: calls, and the kernel drops the mark
	if v := atomic.LoadUint64(w); v != 0 {
		t.Fatalf("word %#x after the wait, want 0 (no mark: the fast path's)", v)
	}
	offKernel(t, wg, "the kernel counted calls after the wait", func() {
		for i := 0; i < 10; i++ {
			must(wg.Add(1))
			must(wg.Done())
		}
	})
}

// waitedMutex returns a new mapped Mutex, closed when the test ends, that a
// goroutine has waited for through the kernel (a poller) and now holds.
func waitedMutex(t *testing.T) *Mutex {
	t.Helper()
	m, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if m.h.word == nil {
		t.Fatal("a Mutex is not mapped")
	}
	m.Lock()
	acquired := make(chan error)
	go func() { acquired <- m.LockContext(context.Background()) }()
	waitFor(t, "the waiter's fence", func() bool { return atomic.LoadUint32(m.h.word)&mutexWaiters != 0 })
	m.Unlock()
	if err := <-acquired; err != nil {
		t.Fatal(err)
	}
	return m
}

// A Mutex that a goroutine waited for (through the kernel, with a poller)
// goes back to the fast path once the wait is over: no idle poller stays
// registered on its queue to keep the word fenced.
func TestMutexFastPathAfterWait(t *testing.T) {
	m := waitedMutex(t)
	m.Unlock() // the kernel's: it gives the word back
	if v := atomic.LoadUint32(m.h.word); v != 0 {
		t.Fatalf("word %#x after the wait, want 0 (free, the fast path's)", v)
	}
	offKernel(t, m, "the kernel counted calls after the wait", func() {
		for i := 0; i < 10; i++ {
			m.Lock()
			m.Unlock()
		}
	})
}

// A poller's descriptor is made non-blocking so that os.NewFile registers
// it with the runtime's epoll, and O_NONBLOCK belongs to the open file
// description it shares with the handle: left set, the file that File()
// makes after a wait is registered too, and while it is open it watches the
// object's wait queue, which keeps a mapped word the kernel's (the fast
// path off, in every process that shares the object). After a contended
// Lock, a file from File() kept open, and a handle made from it, leave the
// fast path on.
func TestMutexFastPathWithFileAfterWait(t *testing.T) {
	m := waitedMutex(t)
	m.Unlock()
	fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(m.h.fd), syscall.F_GETFL, 0)
	if e != 0 {
		t.Fatal(e)
	}
	if fl&syscall.O_NONBLOCK != 0 {
		t.Error("O_NONBLOCK left set on the handle's open file description after the wait")
	}
	f, err := m.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m2, err := MutexFromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	offKernel(t, m, "the kernel counted calls with the file open", func() {
		for i := 0; i < 10; i++ {
			m.Lock()
			m.Unlock()
			m2.Lock()
			m2.Unlock()
		}
	})
	if v := atomic.LoadUint32(m.h.word); v != 0 {
		t.Fatalf("word %#x, want 0 (free, the fast path's)", v)
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

// Which RWMutexes are mapped: a NonRobust one, unless Unmapped, and every
// handle to it, by name or from a file; never a robust one, which the
// kernel refuses to map (EINVAL).
func TestRWMutexMapped(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-rw-mapped", os.Getpid())
	for _, c := range []struct {
		what   string
		opts   []Option
		mapped bool
	}{
		{"robust", nil, false},
		{"NonRobust", []Option{NonRobust()}, true},
		{"NonRobust, Unmapped", []Option{NonRobust(), Unmapped()}, false},
		{"Unmapped", []Option{Unmapped()}, false},
	} {
		rw, err := NewRWMutex(append(c.opts, Named(name, 0600))...)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		o, err := OpenRWMutex(name)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		f, err := rw.File()
		if err != nil {
			t.Fatal(err)
		}
		ff, err := RWMutexFromFile(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		for _, h := range []*handle{rw.h, o.h, ff.h} {
			if (h.word != nil) != c.mapped || (h.token != 0) != c.mapped {
				t.Errorf("%s: word %v, token %d; want mapped %v", c.what, h.word != nil,
					h.token, c.mapped)
			}
		}
		if c.mapped && (o.h.token == rw.h.token || ff.h.token != rw.h.token) {
			t.Errorf("%s: tokens %d, opened %d, from a file %d: want the file's the same",
				c.what, rw.h.token, o.h.token, ff.h.token)
		}
		ff.Close()
		o.Close()
		rw.Close()
		if err := Unlink(name); err != nil {
			t.Fatal(err)
		}
	}
	// What create leaves out for a robust RWMutex, asked for anyway.
	dfd, err := device()
	if err != nil {
		t.Fatal(err)
	}
	c := createCmd{size: uint32(unsafe.Sizeof(createCmd{})), typ: typeRWMutex, flags: createMapped}
	if fd, err := ioctlFd(dfd, iocCreate, unsafe.Pointer(&c)); err != syscall.EINVAL {
		if err == nil {
			syscall.Close(fd)
		}
		t.Fatalf("GOSYNC_CREATE_MAPPED of a robust RWMutex: %v, want EINVAL", err)
	}
}

// On a mapped RWMutex, uncontended RLock, TryRLock, RUnlock, Lock, TryLock
// and Unlock, and the Trys that fail because it is held, never reach the
// kernel: its counts stay still, and the word says what is held; on an
// Unmapped one, each is an ioctl, counted.
func TestRWMutexFastPath(t *testing.T) {
	const n = 100
	for _, k := range []struct {
		name string
		opts []Option
	}{
		{"mapped", []Option{NonRobust()}},
		{"ioctl", []Option{NonRobust(), Unmapped()}},
	} {
		rw, err := NewRWMutex(k.opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer rw.Close()
		mapped := rw.h.word != nil
		if mapped != (k.name == "mapped") {
			t.Fatalf("%s: mapped %v", k.name, mapped)
		}
		word := func(want uint64, what string) {
			t.Helper()
			if !mapped {
				return
			}
			if v := atomic.LoadUint64(rw.h.rwWord()); v != want {
				t.Fatalf("%s: %s: word %#x, want %#x", k.name, what, v, want)
			}
		}
		tok := uint64(rw.h.token)
		before, err := rw.Info()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			rw.RLock()
			rw.RLock()
			if !rw.TryRLock() {
				t.Fatalf("%s: TryRLock failed with the RWMutex read-locked", k.name)
			}
			word(3*rwReader, "three read locks")
			if rw.TryLock() {
				t.Fatalf("%s: TryLock succeeded with the RWMutex read-locked", k.name)
			}
			rw.RUnlock()
			rw.RUnlock()
			rw.RUnlock()
			word(0, "read-unlocked")
			rw.Lock()
			word(tok, "write-locked")
			if rw.TryLock() {
				t.Fatalf("%s: TryLock succeeded with the RWMutex locked", k.name)
			}
			if rw.TryRLock() {
				t.Fatalf("%s: TryRLock succeeded with the RWMutex locked", k.name)
			}
			rw.Unlock()
			word(0, "unlocked")
			if !rw.TryLock() {
				t.Fatalf("%s: TryLock failed with the RWMutex unlocked", k.name)
			}
			rw.Unlock()
		}
		after, err := rw.Info()
		if err != nil {
			t.Fatal(err)
		}
		// enum gosync_lock_stat: LOCKS, RLOCKS, UNLOCKS, BUSY
		var got [4]uint64
		for i := range got {
			got[i] = after.Stats[i] - before.Stats[i]
		}
		want := [4]uint64{}
		if !mapped {
			want = [4]uint64{2 * n, 3 * n, 5 * n, 3 * n}
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v locks, read locks, unlocks, failed Trys; "+
				"want %v", k.name, got, want)
		}
	}
}

// One mapped RWMutex used through two mapped handles (each its own open
// file description and token), one that is not (the ioctls) and one that
// is not but shares the first one's description (its token): writers never
// overlap anyone and lose no update of a plain variable, readers only
// overlap readers, whichever path each call took.
func TestRWMutexMixedPaths(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-rw-mixed-paths", os.Getpid())
	a, err := NewRWMutex(Named(name, 0600), NonRobust())
	if err != nil {
		t.Fatal(err)
	}
	defer Unlink(name)
	defer a.Close()
	b, err := OpenRWMutex(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := &RWMutex{base{unmappedHandle(t, "OpenRWMutex", typeRWMutex, name, a.h, b.h)}}
	fd, err := dupFd(a.h.fd) // a's description, ioctls only
	if err != nil {
		t.Fatal(err)
	}
	d := &RWMutex{base{newHandle(fd, typeRWMutex, name)}}
	defer d.Close()
	if d.h.word != nil {
		t.Fatal("d, made from a descriptor, is mapped")
	}

	loops := 1000
	if testing.Short() {
		loops = 200
	}
	const perHandle = 2 // writers, and as many readers
	n := 0              // written under the write lock only
	var inside int32    // readers, plus 10000 per writer
	var wg sync.WaitGroup
	all := []*RWMutex{a, b, c, d}
	for _, rw := range all {
		for g := 0; g < perHandle; g++ {
			wg.Add(2)
			go func(rw *RWMutex) {
				defer wg.Done()
				for i := 0; i < loops; i++ {
					if i%4 == 0 {
						for !rw.TryLock() {
							runtime.Gosched()
						}
					} else {
						rw.Lock()
					}
					if m := atomic.AddInt32(&inside, 10000); m != 10000 {
						t.Errorf("a writer inside with %d", m-10000)
					}
					v := n
					runtime.Gosched() // let the others try meanwhile
					n = v + 1
					atomic.AddInt32(&inside, -10000)
					rw.Unlock()
				}
			}(rw)
			go func(rw *RWMutex) {
				defer wg.Done()
				for i := 0; i < loops; i++ {
					if i%4 == 0 {
						for !rw.TryRLock() {
							runtime.Gosched()
						}
					} else {
						rw.RLock()
					}
					if m := atomic.AddInt32(&inside, 1); m >= 10000 {
						t.Errorf("a reader inside with a writer")
					}
					if n < 0 { // a read, which -race orders after the writes
						t.Errorf("n = %d", n)
					}
					runtime.Gosched()
					atomic.AddInt32(&inside, -1)
					rw.RUnlock()
				}
			}(rw)
		}
	}
	wg.Wait()
	if want := len(all) * perHandle * loops; n != want {
		t.Fatalf("n = %d, want %d: updates lost under the write lock", n, want)
	}
	// Nothing held; and once c and d are closed (their idle pollers watch
	// the object: only a mapped handle keeps none), the kernel's next call
	// gives the word back to the fast path.
	c.Close()
	d.Close()
	if !a.TryLock() {
		t.Fatal("TryLock failed after the hammer")
	}
	a.Unlock()
	if v := atomic.LoadUint64(a.h.rwWord()); v != 0 {
		t.Fatalf("word %#x after the hammer, nobody waiting: want 0", v)
	}
}

// Writer preference on a mapped RWMutex: a writer waiting in the kernel's
// queue holds back new readers, the fast path's too (the kernel has set
// the word's rwWaiters, so their compare-and-swap is not tried); the last
// reader's RUnlock hands the lock to the writer. Afterwards, with nobody
// waiting, the word is the fast path's again.
func TestRWMutexWriterPreferenceMapped(t *testing.T) {
	rw, err := NewRWMutex(NonRobust())
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	f, err := rw.File()
	if err != nil {
		t.Fatal(err)
	}
	rw2, err := RWMutexFromFile(f) // a second mapping of the word
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer rw2.Close()
	if rw.h.word == nil || rw2.h.word == nil {
		t.Fatal("a NonRobust RWMutex is not mapped")
	}
	w := rw.h.rwWord()
	rw.RLock()
	if v := atomic.LoadUint64(w); v != rwReader {
		t.Fatalf("word %#x with a read lock, want %#x", v, uint64(rwReader))
	}
	locked := make(chan struct{})
	go func() {
		rw.Lock()
		close(locked)
	}()
	// The writer spins, polls, then (after its patience) joins the kernel's
	// queue; only then does a TryRLock fail with the RWMutex read-locked.
	waitFor(t, "the writer in the kernel's queue", func() bool {
		if rw2.TryRLock() {
			rw2.RUnlock()
			return false
		}
		return true
	})
	if v := atomic.LoadUint64(w); v != rwReader|rwWaiters {
		t.Fatalf("word %#x with a reader and a queued writer, want %#x", v,
			uint64(rwReader|rwWaiters))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	err = rw2.RLockContext(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RLock with a writer queued: %v, want a timeout", err)
	}
	select {
	case <-locked:
		t.Fatal("the writer locked an RWMutex with a reader")
	default:
	}
	rw.RUnlock() // the last reader: the kernel hands the lock to the writer
	select {
	case <-locked:
	case <-time.After(3 * time.Minute):
		t.Fatal("the writer never got the lock")
	}
	if v := atomic.LoadUint64(w); v&rwWriter != uint64(rw.h.token) || v&rwReaders != 0 {
		t.Fatalf("word %#x after the handoff, want the writer's token %#x", v, rw.h.token)
	}
	rw.Unlock()
	if v := atomic.LoadUint64(w); v != 0 {
		t.Fatalf("word %#x after the writer's Unlock, nobody waiting: want 0", v)
	}
	offKernel(t, rw, "the kernel counted calls after the wait", func() {
		rw2.RLock()
		rw.RUnlock() // read locks are anonymous: any handle's
		rw2.Lock()
		rw2.Unlock()
	})
}

// The race detector's edges on the fast path: plain memory written before
// a fast-path Unlock or RUnlock through one handle, read after a fast-path
// Lock, RLock, TryLock or TryRLock through another. The reader learns that
// the word is free from the word itself (an atomic load of the mapped page,
// which the detector does not see), so the only edge is the package's
// annotation: without it, -race reports the read (run-tests.sh --race).
func TestRWMutexFastPathRaceEdges(t *testing.T) {
	rw, err := NewRWMutex(NonRobust())
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	f, err := rw.File()
	if err != nil {
		t.Fatal(err)
	}
	rw2, err := RWMutexFromFile(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer rw2.Close()
	w := rw.h.rwWord()
	for _, c := range []struct {
		what           string
		hold, release  func()
		acquire, after func()
	}{
		{"Unlock, Lock", rw.Lock, rw2.Unlock, rw.Lock, rw.Unlock},
		{"Unlock, RLock", rw.Lock, rw2.Unlock, rw.RLock, rw.RUnlock},
		{"RUnlock, Lock", rw.RLock, rw2.RUnlock, rw.Lock, rw.Unlock},
		{"Unlock, TryLock", rw.Lock, rw2.Unlock, func() {
			if !rw.TryLock() {
				t.Error("TryLock of a free RWMutex failed")
			}
		}, rw.Unlock},
		{"Unlock, TryRLock", rw.Lock, rw2.Unlock, func() {
			if !rw.TryRLock() {
				t.Error("TryRLock of a free RWMutex failed")
			}
		}, rw.RUnlock},
		{"RUnlock, TryLock", rw.RLock, rw2.RUnlock, func() {
			if !rw.TryLock() {
				t.Error("TryLock of a free RWMutex failed")
			}
		}, rw.Unlock},
	} {
		raceEdge(t, c.what, c.hold, c.release, c.acquire, c.after,
			func() uint64 { return atomic.LoadUint64(w) })
	}
}

// raceEdge: with the lock held (hold), a goroutine writes plain memory and
// releases it (release, through another handle); once the word says free,
// acquire must see the write, and after leaves the word free again.
func raceEdge(t *testing.T, what string, hold, release, acquire, after func(),
	word func() uint64) {
	t.Helper()
	hold()
	x := new(int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		*x = 1
		release()
	}()
	waitFor(t, what, func() bool { return word() == 0 })
	acquire()
	if *x != 1 {
		t.Errorf("%s: read %d, want 1", what, *x)
	}
	<-done // after the read: this channel must not be the edge
	after()
	if v := word(); v != 0 {
		t.Fatalf("%s: word %#x after, want 0 (the fast path's)", what, v)
	}
}

// The same edges for a mapped Mutex: memory written before a fast-path
// Unlock through one handle is read after a fast-path Lock or TryLock
// through another; the only edge is the package's annotation.
func TestMutexFastPathRaceEdges(t *testing.T) {
	m, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	f, err := m.File()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := MutexFromFile(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	for _, c := range []struct {
		what    string
		acquire func()
	}{
		{"Unlock, Lock", m.Lock},
		{"Unlock, TryLock", func() {
			if !m.TryLock() {
				t.Error("TryLock of a free Mutex failed")
			}
		}},
	} {
		raceEdge(t, c.what, m.Lock, m2.Unlock, c.acquire, m.Unlock,
			func() uint64 { return uint64(atomic.LoadUint32(m.h.word)) })
	}
}
