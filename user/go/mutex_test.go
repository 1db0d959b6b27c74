// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/mutex_test.go (see docs/go.md for the table),
// with cross-process variants.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gosync"
)

// hammerMutex locks and unlocks m loops times, every third time with
// TryLock, and checks that nobody else is inside meanwhile.
func hammerMutex(m *gosync.Mutex, loops int, inside *int32) error {
	for i := 0; i < loops; i++ {
		if i%3 == 0 {
			if m.TryLock() {
				if n := atomic.AddInt32(inside, 1); n != 1 {
					return fmt.Errorf("TryLock: %d holders", n)
				}
				atomic.AddInt32(inside, -1)
				m.Unlock()
			}
			continue
		}
		m.Lock()
		if n := atomic.AddInt32(inside, 1); n != 1 {
			return fmt.Errorf("Lock: %d holders", n)
		}
		atomic.AddInt32(inside, -1)
		m.Unlock()
	}
	return nil
}

// mutexKinds are the two kinds of Mutex each Mutex and Cond test runs on
// (a subtest each): mapped, the default, whose uncontended Lock and Unlock
// are atomics on the shared word, and one made Unmapped, all ioctls.
var mutexKinds = []struct {
	name string
	opts []gosync.Option
}{
	{"mapped", nil},
	{"ioctl", []gosync.Option{gosync.Unmapped()}},
}

// forMutexKinds runs f once per kind of Mutex; opts make a Mutex of it.
func forMutexKinds(t *testing.T, f func(t *testing.T, opts ...gosync.Option)) {
	for _, k := range mutexKinds {
		k := k
		t.Run(k.name, func(t *testing.T) { f(t, k.opts...) })
	}
}

// named returns opts with Named(name, 0600) (a new slice: opts is shared).
func named(name string, opts []gosync.Option) []gosync.Option {
	return append([]gosync.Option{gosync.Named(name, 0600)}, opts...)
}

// Go's TestMutex: TryLock against a held and a free lock, then 10
// goroutines hammering one Mutex.
func TestMutex(t *testing.T) { forMutexKinds(t, testMutex) }

func testMutex(t *testing.T, opts ...gosync.Option) {
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	defer m.Close()
	m.Lock()
	if m.TryLock() {
		t.Fatal("TryLock succeeded with mutex locked")
	}
	m.Unlock()
	if !m.TryLock() {
		t.Fatal("TryLock failed with mutex unlocked")
	}
	m.Unlock()

	loops := 1000
	if testing.Short() {
		loops = 200
	}
	var inside int32
	errs := make(chan error)
	for i := 0; i < 10; i++ {
		go func() { errs <- hammerMutex(m, loops, &inside) }()
	}
	for i := 0; i < 10; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// The same hammer from 4 processes, each with its own handle (opened by
// name): a racy counter, read then written under the Mutex, loses nothing.
func TestMutexCrossProcess(t *testing.T) { forMutexKinds(t, testMutexCrossProcess) }

func testMutexCrossProcess(t *testing.T, opts ...gosync.Option) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(named(name, opts)...)
	must(t, err)
	defer gosync.Unlink(name)
	defer m.Close()
	c, err := gosync.NewInt64(0, gosync.Named(name+".n", 0600), gosync.Mode(gosync.CounterRacy))
	must(t, err)
	defer gosync.Unlink(name + ".n")
	defer c.Close()
	const procs = 4
	loops := 300
	if testing.Short() {
		loops = 100
	}
	var cmds []*exec.Cmd
	for i := 0; i < procs; i++ {
		cmd := child(t, "mutex-hammer", nil, name, strconv.Itoa(loops))
		must(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		must(t, cmd.Wait())
	}
	if v, _ := c.Load(); v != int64(procs*loops) {
		t.Fatalf("counter = %d, want %d: updates lost under the Mutex", v, procs*loops)
	}
}

func init() {
	children["mutex-hammer"] = func() int {
		a := childArgs()
		loops, _ := strconv.Atoi(a[1])
		m, err := gosync.OpenMutex(a[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := gosync.OpenInt64(a[0] + ".n")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for i := 0; i < loops; i++ {
			m.Lock()
			v, _ := c.Load()
			runtime.Gosched()
			c.Store(v + 1)
			m.Unlock()
		}
		return 0
	}
	children["mutex-lock-and-exit"] = func() int {
		m, err := gosync.OpenMutex(childArgs()[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		m.Lock()
		os.Exit(0) // holding it
		return 0
	}
}

// Go's TestMutexMisuse runs each misuse in a child and expects the fatal
// error "sync: unlock of unlocked mutex"; here each is ErrNotLocked, and
// the sync.Locker methods panic with it.
func TestMutexMisuse(t *testing.T) { forMutexKinds(t, testMutexMisuse) }

func testMutexMisuse(t *testing.T, opts ...gosync.Option) {
	cases := []struct {
		name string
		f    func(m *gosync.Mutex, rw *gosync.RWMutex) error
	}{
		{"Mutex.Unlock", func(m *gosync.Mutex, _ *gosync.RWMutex) error {
			return m.UnlockErr()
		}},
		{"Mutex.Unlock2", func(m *gosync.Mutex, _ *gosync.RWMutex) error {
			m.Lock()
			m.Unlock()
			return m.UnlockErr()
		}},
		{"RWMutex.Unlock", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			return rw.UnlockErr()
		}},
		{"RWMutex.Unlock2", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			rw.RLock()
			defer rw.RUnlock()
			return rw.UnlockErr()
		}},
		{"RWMutex.Unlock3", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			rw.Lock()
			rw.Unlock()
			return rw.UnlockErr()
		}},
		{"RWMutex.RUnlock", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			return rw.RUnlockErr()
		}},
		{"RWMutex.RUnlock2", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			rw.Lock()
			defer rw.Unlock()
			return rw.RUnlockErr()
		}},
		{"RWMutex.RUnlock3", func(_ *gosync.Mutex, rw *gosync.RWMutex) error {
			rw.RLock()
			rw.RUnlock()
			return rw.RUnlockErr()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range rwKinds { // the RWMutex cases on each kind
				m, err := gosync.NewMutex(opts...)
				must(t, err)
				defer m.Close()
				rw, err := gosync.NewRWMutex(k.opts...)
				must(t, err)
				defer rw.Close()
				if err := c.f(m, rw); !errors.Is(err, gosync.ErrNotLocked) {
					t.Fatalf("%s RWMutex: got %v, want ErrNotLocked", k.name, err)
				}
			}
		})
	}
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	defer m.Close()
	defer func() {
		if r := recover(); r == nil || !errors.Is(r.(error), gosync.ErrNotLocked) {
			t.Fatalf("Unlock of unlocked Mutex panicked with %v", r)
		}
	}()
	m.Unlock()
}

// Go's TestMutexFairness: a goroutine that holds the lock almost all the
// time must not starve one that wants it (starvation mode). The greedy
// locker looks at the Mutex's state each time it holds it: the test goes on
// until it has seen starvation mode (the other Lock, queued in the kernel
// after losing for over 1 ms, waiting to be handed the lock), which a Lock
// that got the lock without it does not show; no such mode, and the test
// fails at the hang limit, saying so.
func TestMutexFairness(t *testing.T) { forMutexKinds(t, testMutexFairness) }

func testMutexFairness(t *testing.T, opts ...gosync.Option) {
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	defer m.Close()
	stop, done := make(chan bool), make(chan bool)
	var starving atomic.Bool
	// The greedy locker is gone before the Mutex closes.
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		for {
			m.Lock()
			time.Sleep(100 * time.Microsecond)
			if st, err := m.State(); err != nil {
				t.Errorf("State: %v", err)
			} else if st.Starving {
				starving.Store(true)
			}
			m.Unlock()
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	locks := 0
	var lockErr error
	within(t, "Locks beside a greedy locker until starvation mode", func() {
		for ; locks < 10 || !starving.Load(); locks++ {
			select {
			case <-stop: // hung: the test is over, and m about to close
				return
			default:
			}
			time.Sleep(100 * time.Microsecond)
			if lockErr = m.LockContext(context.Background()); lockErr != nil {
				return
			}
			if lockErr = m.UnlockErr(); lockErr != nil {
				return
			}
		}
	})
	must(t, lockErr) // (within returned: so did its function)
	t.Logf("starvation mode seen; %d Locks", locks)
}

// A robust Mutex whose holder dies: the next Lock gets it, with
// ErrOwnerDead. The child opens the Mutex by name, so its handle has an
// open file description of its own, which its exit closes.
func TestMutexOwnerDead(t *testing.T) { forMutexKinds(t, testMutexOwnerDead) }

func testMutexOwnerDead(t *testing.T, opts ...gosync.Option) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(named(name, opts)...)
	must(t, err)
	defer gosync.Unlink(name)
	defer m.Close()
	must(t, child(t, "mutex-lock-and-exit", nil, name).Run())
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	if err := m.LockContext(ctx); !errors.Is(err, gosync.ErrOwnerDead) {
		t.Fatalf("Lock after the holder died: %v, want ErrOwnerDead", err)
	}
	m.Unlock()
	if err := m.LockContext(ctx); err != nil {
		t.Fatalf("Lock after that: %v", err)
	}
	m.Unlock()
}

// LockContext: a deadline and a cancellation end the wait, and leave the
// Mutex as it was.
func TestMutexLockContext(t *testing.T) { forMutexKinds(t, testMutexLockContext) }

func testMutexLockContext(t *testing.T, opts ...gosync.Option) {
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	defer m.Close()
	m.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := m.LockContext(ctx); err != context.DeadlineExceeded {
		t.Fatalf("LockContext = %v, want DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	if err := m.LockContext(ctx); err != context.Canceled {
		t.Fatalf("LockContext = %v, want Canceled", err)
	}
	m.Unlock()
	if err := m.LockContext(ctx); err != nil { // done ctx, free lock: it may succeed
		t.Logf("LockContext with a done ctx on a free Mutex: %v", err)
	} else {
		m.Unlock()
	}
	// Many waiters in one process, none holding a thread: all get it.
	m.Lock()
	var wg sync.WaitGroup
	var n int32
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Lock()
			atomic.AddInt32(&n, 1)
			m.Unlock()
		}()
	}
	time.Sleep(50 * time.Millisecond)
	m.Unlock()
	within(t, "100 waiters", wg.Wait)
	if n != 100 {
		t.Fatalf("%d of 100 waiters locked", n)
	}
}

// The fast path: on a mapped Mutex, an uncontended Lock, TryLock and
// Unlock, and a TryLock of a held Mutex, never reach the kernel (its
// counts of locks, unlocks and failed TryLocks stay still); on an
// Unmapped one, each is an ioctl.
func TestMutexFastPath(t *testing.T) {
	const n = 100
	for _, k := range mutexKinds {
		m, err := gosync.NewMutex(k.opts...)
		must(t, err)
		defer m.Close()
		before, err := m.Info()
		must(t, err)
		for i := 0; i < n; i++ {
			m.Lock()
			if m.TryLock() {
				t.Fatalf("%s: TryLock succeeded with the Mutex locked", k.name)
			}
			m.Unlock()
			if !m.TryLock() {
				t.Fatalf("%s: TryLock failed with the Mutex unlocked", k.name)
			}
			m.Unlock()
		}
		after, err := m.Info()
		must(t, err)
		// enum gosync_lock_stat: LOCKS, RLOCKS, UNLOCKS, BUSY
		got := [3]uint64{after.Stats[0] - before.Stats[0], after.Stats[2] - before.Stats[2],
			after.Stats[3] - before.Stats[3]}
		want := [3]uint64{2 * n, 2 * n, n}
		if k.opts == nil {
			want = [3]uint64{}
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v locks, unlocks, failed TryLocks; want %v",
				k.name, got, want)
		}
	}
}

// Close while goroutines lock and unlock through the handle: the calls in
// flight finish (a mapped Mutex's page stays mapped until the last one
// returns: an atomic on an unmapped page would crash the test), the next
// ones fail with os.ErrClosed, and Lock on the closed handle panics.
func TestMutexCloseWhileLocking(t *testing.T) { forMutexKinds(t, testMutexCloseWhileLocking) }

func testMutexCloseWhileLocking(t *testing.T, opts ...gosync.Option) {
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	// A waiter in the kernel's queue waits for a lock that a goroutine
	// holds when Close makes its Unlock fail: cancel ctx to end it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ops atomic.Int64
	const workers = 4
	errs := make(chan error, workers)
	for i := 0; i < workers; i++ {
		go func() {
			for {
				if err := m.LockContext(ctx); err != nil {
					errs <- err
					return
				}
				ops.Add(1)
				if err := m.UnlockErr(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	within(t, "1000 Locks", func() {
		for ops.Load() < 1000 {
			runtime.Gosched()
		}
	})
	must(t, m.Close())
	cancel()
	within(t, "the workers' return", func() {
		for i := 0; i < workers; i++ {
			if err := <-errs; !errors.Is(err, os.ErrClosed) && err != context.Canceled {
				t.Errorf("a worker ended with %v, want os.ErrClosed or Canceled", err)
			}
		}
	})
	defer func() {
		if r, _ := recover().(error); !errors.Is(r, os.ErrClosed) {
			t.Fatalf("Lock of a closed Mutex panicked with %v, want os.ErrClosed", r)
		}
	}()
	m.Lock()
}
