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

// Go's TestMutex: TryLock against a held and a free lock, then 10
// goroutines hammering one Mutex.
func TestMutex(t *testing.T) {
	m, err := gosync.NewMutex()
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
func TestMutexCrossProcess(t *testing.T) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(gosync.Named(name, 0600))
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
func TestMutexMisuse(t *testing.T) {
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
			m, err := gosync.NewMutex()
			must(t, err)
			defer m.Close()
			rw, err := gosync.NewRWMutex()
			must(t, err)
			defer rw.Close()
			if err := c.f(m, rw); !errors.Is(err, gosync.ErrNotLocked) {
				t.Fatalf("got %v, want ErrNotLocked", err)
			}
		})
	}
	m, err := gosync.NewMutex()
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
// time must not starve one that wants it (starvation mode).
func TestMutexFairness(t *testing.T) {
	m, err := gosync.NewMutex()
	must(t, err)
	defer m.Close()
	stop, done := make(chan bool), make(chan bool)
	// The greedy locker is gone before the Mutex closes.
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		for {
			m.Lock()
			time.Sleep(100 * time.Microsecond)
			m.Unlock()
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	within(t, "10 Locks beside a greedy locker", func() {
		for i := 0; i < 10; i++ {
			time.Sleep(100 * time.Microsecond)
			m.Lock()
			m.Unlock()
		}
	})
}

// A robust Mutex whose holder dies: the next Lock gets it, with
// ErrOwnerDead. The child opens the Mutex by name, so its handle has an
// open file description of its own, which its exit closes.
func TestMutexOwnerDead(t *testing.T) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(gosync.Named(name, 0600))
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
func TestMutexLockContext(t *testing.T) {
	m, err := gosync.NewMutex()
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
