// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/cond_test.go, with a cross-process variant.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosync"
)

func newCond(t testing.TB, opts ...gosync.Option) *gosync.Cond {
	m, err := gosync.NewMutex(opts...)
	must(t, err)
	c, err := gosync.NewCond(m)
	must(t, err)
	t.Cleanup(func() { c.Close(); m.Close() })
	return c
}

// Go's TestCondSignal: each Signal wakes exactly one of the waiters.
func TestCondSignal(t *testing.T) { forMutexKinds(t, testCondSignal) }

func testCondSignal(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	m := c.L
	n := 2
	running := make(chan bool, n)
	awake := make(chan bool, n)
	// Join them before the Cleanup closes the Mutex: the last one unlocks
	// after it said it was awake (after a t.Fatal, wake those still waiting).
	var wg sync.WaitGroup
	defer func() {
		m.Lock()
		c.Broadcast()
		m.Unlock()
		wg.Wait()
	}()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Lock()
			running <- true
			c.Wait()
			awake <- true
			m.Unlock()
		}()
	}
	for i := 0; i < n; i++ {
		<-running
	}
	for n > 0 {
		select {
		case <-awake:
			t.Fatal("goroutine not asleep")
		default:
		}
		m.Lock()
		c.Signal()
		m.Unlock()
		<-awake
		select {
		case <-awake:
			t.Fatal("too many goroutines awake")
		default:
		}
		n--
	}
	c.Signal()
}

// Go's TestCondSignalGenerations: Signal wakes the longest waiter.
func TestCondSignalGenerations(t *testing.T) { forMutexKinds(t, testCondSignalGenerations) }

func testCondSignalGenerations(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	m := c.L
	n := 100 // Go's, -short too
	if gosync.RaceBuild {
		n = 10
	}
	running := make(chan bool, n)
	awake := make(chan int, n)
	// Every goroutine's Unlock comes before the Mutex closes (the
	// Cleanup): an Unlock on a closed handle panics.
	var exited sync.WaitGroup
	exited.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			defer exited.Done()
			m.Lock()
			running <- true
			c.Wait()
			awake <- i
			m.Unlock()
		}(i)
		if i > 0 {
			if a := <-awake; a != i-1 {
				t.Fatalf("wrong goroutine woke up: want %d, got %d", i-1, a)
			}
		}
		<-running
		m.Lock()
		c.Signal()
		m.Unlock()
	}
	<-awake
	exited.Wait()
}

// Go's TestCondBroadcast: every Broadcast wakes every waiter, once.
func TestCondBroadcast(t *testing.T) { forMutexKinds(t, testCondBroadcast) }

func testCondBroadcast(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	m := c.L
	// Go's 200; each of the n rounds wakes all n, n² wakes in all: a
	// quarter of them under -short (the VM runs, under TCG), and the race
	// detector's build a tenth
	n := 200
	if gosync.RaceBuild {
		n = 20
	} else if testing.Short() {
		n = 100
	}
	running := make(chan int, n)
	awake := make(chan int, n)
	exit := false
	// Every goroutine's last Unlock comes before the Mutex closes (the
	// Cleanup): an Unlock on a closed handle panics.
	var exited sync.WaitGroup
	exited.Add(n)
	for i := 0; i < n; i++ {
		go func(g int) {
			defer exited.Done()
			m.Lock()
			for !exit {
				running <- g
				c.Wait()
				awake <- g
			}
			m.Unlock()
		}(i)
	}
	for i := 0; i < n; i++ {
		for i := 0; i < n; i++ {
			<-running
		}
		if i == n-1 {
			m.Lock()
			exit = true
			m.Unlock()
		}
		select {
		case <-awake:
			t.Fatal("goroutine not asleep")
		default:
		}
		m.Lock()
		c.Broadcast()
		m.Unlock()
		seen := make([]bool, n)
		for i := 0; i < n; i++ {
			g := <-awake
			if seen[g] {
				t.Fatal("goroutine woke up twice")
			}
			seen[g] = true
		}
	}
	exited.Wait()
	select {
	case <-running:
		t.Fatal("goroutine did not exit")
	default:
	}
	c.Broadcast()
}

// Go's TestRace (cond_test.go): three goroutines hand a value on under
// the Cond; each sees the one before's write.
func TestCondRace(t *testing.T) { forMutexKinds(t, testCondRace) }

func testCondRace(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	x := 0
	done := make(chan bool)
	go func() {
		c.L.Lock()
		x = 1
		c.Wait()
		if x != 2 {
			t.Error("want 2")
		}
		x = 3
		c.Signal()
		c.L.Unlock()
		done <- true
	}()
	go func() {
		c.L.Lock()
		for {
			if x == 1 {
				x = 2
				c.Signal()
				break
			}
			c.L.Unlock()
			runtime.Gosched()
			c.L.Lock()
		}
		c.L.Unlock()
		done <- true
	}()
	go func() {
		c.L.Lock()
		for {
			if x == 2 {
				c.Wait()
				if x != 3 {
					t.Error("want 3")
				}
				break
			}
			if x == 3 {
				break
			}
			c.L.Unlock()
			runtime.Gosched()
			c.L.Lock()
		}
		c.L.Unlock()
		done <- true
	}()
	<-done
	<-done
	<-done
}

// Go's TestCondSignalStealing: a Broadcast racing with a new waiter still
// wakes the waiter that was there first.
func TestCondSignalStealing(t *testing.T) { forMutexKinds(t, testCondSignalStealing) }

func testCondSignalStealing(t *testing.T, opts ...gosync.Option) {
	iters := 1000 // Go's; a quarter under -short (the VM runs, under TCG)
	if gosync.RaceBuild {
		iters = 100
	} else if testing.Short() {
		iters = 250
	}
	for i := 0; i < iters; i++ {
		cond := newCond(t, opts...)
		m := cond.L
		ch := make(chan struct{})
		go func() {
			m.Lock()
			ch <- struct{}{}
			cond.Wait()
			m.Unlock()
			ch <- struct{}{}
		}()
		<-ch
		m.Lock()
		m.Unlock()
		done := false
		// Both goroutines end before the Cond and its Mutex close.
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			cond.Broadcast()
		}()
		go func() {
			defer wg.Done()
			m.Lock()
			for !done {
				cond.Wait()
			}
			m.Unlock()
		}()
		select {
		case <-ch:
		case <-time.After(hangLimit):
			t.Fatal("first waiter didn't get broadcast")
		}
		m.Lock()
		done = true
		m.Unlock()
		cond.Broadcast()
		wg.Wait()
		// Not 2 x 1000 objects open at the end (Cleanup closes them
		// again, in vain).
		cond.Close()
		m.Close()
	}
}

// Wait misuse and contexts: Wait without L is ErrNotLocked; a deadline
// and a cancellation end a Wait with L locked again.
func TestCondWaitContext(t *testing.T) { forMutexKinds(t, testCondWaitContext) }

func testCondWaitContext(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	if err := c.Wait(); !errors.Is(err, gosync.ErrNotLocked) {
		t.Fatalf("Wait without L: %v, want ErrNotLocked", err)
	}
	c.L.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	// The kernel's ETIMEDOUT may come just before Go's deadline: a
	// spurious wake-up (nil), as below.
	err := c.WaitContext(ctx)
	for err == nil {
		err = c.WaitContext(ctx)
	}
	if err != context.DeadlineExceeded {
		t.Fatalf("WaitContext = %v, want DeadlineExceeded", err)
	}
	if c.L.TryLock() {
		t.Fatal("L not locked after a timed-out Wait")
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	// A signal reaching this thread may end a Wait early (nil), as any
	// spurious wake-up: wait in a loop, as Cond's callers do.
	err = c.WaitContext(ctx)
	for err == nil {
		err = c.WaitContext(ctx)
	}
	if err != context.Canceled {
		t.Fatalf("WaitContext = %v, want Canceled", err)
	}
	c.L.Unlock()
}

// A WaitContext whose ctx reaches its deadline ends in the kernel, on the
// same deadline, without a Broadcast that would wake every other waiter
// too; a ctx with a deadline that is cancelled before it still ends the
// Wait (by a Broadcast: other waiters wake, as documented). The other
// waiter stays in the kernel's queue (fdinfo) unless woken. Holding L
// past the deadline keeps the timed-out Wait in the kernel (relocking)
// while ctx's timer fires, which is when a Broadcast would come.
// (Without the fix: "no Wait left on the Cond" in the first round.)
func TestCondWaitContextDeadline(t *testing.T) {
	c := newCond(t)
	m := c.L
	stop := startCondWaiter(c)
	defer func() {
		within(t, "the other waiter", func() { must(t, stop()) })
	}()
	for round := 0; round < 3; round++ {
		must(t, awaitCondWaiters(c, 1))
		locked, timed := make(chan struct{}), make(chan error, 1)
		go func() {
			m.Lock()
			defer m.Unlock()
			close(locked)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := c.WaitContext(ctx)
			for err == nil { // a spurious wake-up
				err = c.WaitContext(ctx)
			}
			timed <- err
		}()
		// L is free again once that Wait is in the kernel's queue (or,
		// slow, once it has timed out and returned: then this round
		// proves nothing, but does not fail).
		<-locked
		m.Lock()
		time.Sleep(300 * time.Millisecond) // past the deadline
		n, err := condWaiters(c)
		m.Unlock()
		must(t, err)
		if n == 0 {
			t.Fatalf("round %d: no Wait left on the Cond after a deadline: "+
				"the deadline woke the other waiter", round)
		}
		within(t, "the timed WaitContext", func() {
			if err := <-timed; err != context.DeadlineExceeded {
				t.Errorf("WaitContext = %v, want DeadlineExceeded", err)
			}
		})
	}
	// Cancelled long before its deadline: not an hour's wait.
	must(t, awaitCondWaiters(c, 1))
	m.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	within(t, "a cancelled WaitContext with a deadline", func() {
		err := c.WaitContext(ctx)
		for err == nil {
			err = c.WaitContext(ctx)
		}
		if err != context.Canceled {
			t.Errorf("WaitContext = %v, want Canceled", err)
		}
	})
	m.Unlock()
}

// Cross-process: a child waits on the Cond for a flag in a Map; the
// parent sets it and signals.
func TestCondCrossProcess(t *testing.T) { forMutexKinds(t, testCondCrossProcess) }

func testCondCrossProcess(t *testing.T, opts ...gosync.Option) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(named(name+".m", opts)...)
	must(t, err)
	defer gosync.Unlink(name + ".m")
	defer m.Close()
	c, err := gosync.NewCond(m, gosync.Named(name, 0600))
	must(t, err)
	defer gosync.Unlink(name)
	defer c.Close()
	flag, err := gosync.NewMap(gosync.Named(name+".f", 0600))
	must(t, err)
	defer gosync.Unlink(name + ".f")
	defer flag.Close()
	cmd := child(t, "cond-wait", nil, name)
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	var b [1]byte
	out.Read(b[:]) // it holds L and is about to Wait
	m.Lock()
	must(t, flag.Store("ready", []byte("yes")))
	must(t, c.Signal())
	m.Unlock()
	within(t, "the child's Wait", func() { must(t, cmd.Wait()) })
}

func init() {
	children["cond-wait"] = func() int {
		name := childArgs()[0]
		m, err := gosync.OpenMutex(name + ".m")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := gosync.OpenCond(name, m)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		f, err := gosync.OpenMap(name + ".f")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		m.Lock()
		os.Stdout.Write([]byte("."))
		for {
			if _, ok, _ := f.Load("ready"); ok {
				break
			}
			if err := c.Wait(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		m.Unlock()
		return 0
	}
}

// startCondWaiter starts a goroutine that Waits on c (with c.L locked)
// until told to stop, waking up spuriously or not; stop tells it, wakes
// it and returns its first error.
func startCondWaiter(c *gosync.Cond) (stop func() error) {
	var done atomic.Bool
	waited := make(chan error, 1)
	go func() {
		var err error
		c.L.Lock()
		for !done.Load() && err == nil {
			err = c.Wait()
		}
		// Unlock before telling: once stop returns, the test may close L.
		c.L.Unlock()
		waited <- err
	}()
	return func() error {
		c.L.Lock()
		done.Store(true)
		c.Broadcast()
		c.L.Unlock()
		return <-waited
	}
}

// condWaiters returns how many Waits sleep on c, from its fdinfo
// (cond-waiters).
func condWaiters(c *gosync.Cond) (int, error) {
	f, err := c.File()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", f.Fd()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "cond-waiters:") {
			return strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "cond-waiters:")))
		}
	}
	return 0, fmt.Errorf("no cond-waiters in the fdinfo of %d", f.Fd())
}

// awaitCondWaiters polls c until n Waits sleep on it; a hang after
// hangLimit.
func awaitCondWaiters(c *gosync.Cond, n int) error {
	for end := time.Now().Add(hangLimit); ; time.Sleep(time.Millisecond) {
		got, err := condWaiters(c)
		if err != nil || got == n {
			return err
		}
		if time.Now().After(end) {
			return fmt.Errorf("%d Waits on the Cond, want %d: hung", got, n)
		}
	}
}

// A Setgid while a goroutine sleeps in Cond.Wait returns: Go's runtime
// (and glibc's setxid, with cgo) signals every thread with signal 33 and
// waits, the world stopped, for each to take it, so a Wait that blocked
// it hung the process. The child does both; the parent's time limit is
// the liveness bound (inside the child, a stopped world stops its timers).
func TestCondWaitSetgid(t *testing.T) {
	cmd := child(t, "cond-setgid", nil)
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v", err)
		}
	case <-time.After(hangLimit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("Setgid with a goroutine in Cond.Wait: hung (not done after %v)", hangLimit)
	}
}

func init() {
	children["cond-setgid"] = func() int {
		fail := func(err error) int {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		m, err := gosync.NewMutex()
		if err != nil {
			return fail(err)
		}
		c, err := gosync.NewCond(m)
		if err != nil {
			return fail(err)
		}
		stop := startCondWaiter(c)
		// Asleep in the kernel, its signal mask set.
		if err := awaitCondWaiters(c, 1); err != nil {
			return fail(err)
		}
		if err := syscall.Setgid(os.Getgid()); err != nil {
			return fail(fmt.Errorf("Setgid: %w", err))
		}
		if err := stop(); err != nil {
			return fail(fmt.Errorf("Wait: %w", err))
		}
		return 0
	}
}

// A WaitContext whose ctx is cancelled but that a Signal wakes before the
// cancel's Broadcast goes out took that Signal: it returns nil (a wake-up),
// not ctx.Err(), or the Signal is lost (its caller gives up, and no other
// waiter was woken). The canceler is made to find the Wait not queued yet
// at every look (the window in which the Signal comes first), so it never
// broadcasts; A (the oldest waiter) is Signalled. A returned
// context.Canceled, and B slept on.
func TestCondCancelKeepsSignal(t *testing.T) { forMutexKinds(t, testCondCancelKeepsSignal) }

func testCondCancelKeepsSignal(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	entered := make(chan struct{}, 1)
	gosync.SetTestHookCondCancel(func() bool {
		select {
		case entered <- struct{}{}:
		default:
		}
		return true
	})
	defer gosync.SetTestHookCondCancel(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := func(ctx context.Context, errc chan<- error) {
		c.L.Lock()
		err := c.WaitContext(ctx)
		c.L.Unlock()
		errc <- err
	}
	aErr, bErr := make(chan error, 1), make(chan error, 1)
	go wait(ctx, aErr)
	must(t, awaitCondWaiters(c, 1))
	go wait(context.Background(), bErr)
	must(t, awaitCondWaiters(c, 2))
	cancel()
	select {
	case <-entered:
	case <-time.After(hangLimit):
		t.Fatal("the cancel's canceler never ran")
	}
	c.Signal() // A's: the oldest
	select {
	case err := <-aErr:
		if err != nil {
			t.Errorf("WaitContext woken by a Signal before its cancel's Broadcast = %v, "+
				"want nil (it took the Signal)", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("WaitContext did not return after its Signal")
	}
	c.Broadcast() // B
	select {
	case err := <-bErr:
		must(t, err)
	case <-time.After(hangLimit):
		t.Fatal("Wait did not return after a Broadcast")
	}
}
