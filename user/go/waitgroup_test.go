// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/waitgroup_test.go, WaitGroup.Go (Go 1.25), and
// cross-process variants.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosync"
)

// forMappedKinds runs f once per kind of object (a subtest each): mapped,
// the default (the fast path on the shared page), and Unmapped (ioctls).
func forMappedKinds(t *testing.T, f func(t *testing.T, opts ...gosync.Option)) {
	forMutexKinds(t, f)
}

// Go's testWaitGroup: wg1 is a barrier for n goroutines; none of them
// gets past wg2.Wait before the main goroutine has done wg2's n Dones.
func testWaitGroup(t *testing.T, wg1, wg2 *gosync.WaitGroup) {
	n := 16
	must(t, wg1.Add(n))
	must(t, wg2.Add(n))
	exited := make(chan bool, n)
	for i := 0; i != n; i++ {
		go func() {
			wg1.Done()
			wg2.Wait()
			exited <- true
		}()
	}
	must(t, wg1.Wait())
	for i := 0; i != n; i++ {
		select {
		case <-exited:
			t.Fatal("WaitGroup released group too soon")
		default:
		}
		must(t, wg2.Done())
	}
	within(t, "the barrier", func() {
		for i := 0; i != n; i++ {
			<-exited
		}
	})
}

// Go's TestWaitGroup: the same pair of WaitGroups, reused 8 times.
func TestWaitGroup(t *testing.T) { forMappedKinds(t, testWaitGroupReuse) }

func testWaitGroupReuse(t *testing.T, opts ...gosync.Option) {
	wg1, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg1.Close()
	wg2, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg2.Close()
	for i := 0; i != 8; i++ {
		testWaitGroup(t, wg1, wg2)
	}
}

// Go's TestWaitGroupMisuse: a negative counter is an error (Go panics),
// and changes nothing.
func TestWaitGroupMisuse(t *testing.T) { forMappedKinds(t, testWaitGroupMisuse) }

func testWaitGroupMisuse(t *testing.T, opts ...gosync.Option) {
	wg, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg.Close()
	must(t, wg.Add(1))
	must(t, wg.Done())
	if err := wg.Done(); !errors.Is(err, gosync.ErrNegativeCounter) {
		t.Fatalf("Done below zero: %v, want ErrNegativeCounter", err)
	}
	if err := wg.Add(-5); !errors.Is(err, gosync.ErrNegativeCounter) {
		t.Fatalf("Add(-5) at zero: %v, want ErrNegativeCounter", err)
	}
	if n, err := wg.Counter(); err != nil || n != 0 {
		t.Fatalf("counter %d (%v) after refused Dones, want 0", n, err)
	}
}

// Go's TestWaitGroupMisuse2 and TestWaitGroupMisuse3, bounded. Go detects
// an Add from zero racing with a Wait, or a WaitGroup reused before a Wait
// of its last zero has returned, by chance, and its tests loop up to 10^6
// times until it panics. Here the kernel refuses such an Add, while a Wait
// it released has not returned, with ErrWaitGroupMisuse (EBUSY) and
// changes nothing, and takes it otherwise; which one depends on timing.
// The package's Waits poll, so the kernel never counts one of them as
// released and not returned: every other round, one Wait is a kernel
// Wait (KernelWaitGroupWait), as a C program's, which can make the Add
// fail. So these run a fixed number of rounds and check that every call
// returns nil or ErrWaitGroupMisuse, none hangs, and the counter ends at
// zero; they log the misuses seen. (EBUSY itself, deterministically:
// KUnit's waitgroup_misuse_test and the mapped WaitGroup's tests.)
func TestWaitGroupMisuse2(t *testing.T) {
	forMappedKinds(t, func(t *testing.T, opts ...gosync.Option) { testWaitGroupMisuseRace(t, 2, opts...) })
}

func TestWaitGroupMisuse3(t *testing.T) {
	forMappedKinds(t, func(t *testing.T, opts ...gosync.Option) { testWaitGroupMisuseRace(t, 3, opts...) })
}

func testWaitGroupMisuseRace(t *testing.T, shape int, opts ...gosync.Option) {
	rounds := 1000
	if testing.Short() {
		rounds = 100
	}
	misuses := 0
	for i := 0; i < rounds; i++ {
		wg, err := gosync.NewWaitGroup(opts...)
		must(t, err)
		var mu sync.Mutex
		var errs []error
		report := func(err error) error {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			return err
		}
		otherWait := wg.Wait
		if i%2 == 1 {
			otherWait = func() error { return gosync.KernelWaitGroupWait(wg) }
		}
		var gs sync.WaitGroup
		must(t, wg.Add(1))
		if shape == 2 {
			// A Wait, and an Add(1) and Done (the bad guy), race with
			// the Done that brings the counter to zero.
			start := make(chan struct{})
			gs.Add(2)
			go func() {
				defer gs.Done()
				<-start
				report(otherWait())
			}()
			go func() {
				defer gs.Done()
				<-start
				if report(wg.Add(1)) == nil {
					report(wg.Done())
				}
			}()
			close(start)
			report(wg.Done())
		} else {
			// Two Waits of one zero; the first to return reuses the
			// WaitGroup at once, before the other may have.
			gs.Add(3)
			go func() {
				defer gs.Done()
				report(wg.Done())
			}()
			go func() {
				defer gs.Done()
				if report(wg.Wait()) != nil || report(wg.Add(1)) != nil {
					return
				}
				gs.Add(1)
				go func() {
					defer gs.Done()
					report(wg.Done())
				}()
				report(wg.Wait())
			}()
			go func() {
				defer gs.Done()
				report(otherWait())
			}()
		}
		within(t, fmt.Sprintf("round %d", i), gs.Wait)
		for _, err := range errs {
			if errors.Is(err, gosync.ErrWaitGroupMisuse) {
				misuses++
			} else if err != nil {
				t.Fatalf("round %d: %v, want nil or ErrWaitGroupMisuse", i, err)
			}
		}
		if n, err := wg.Counter(); n != 0 || err != nil {
			t.Fatalf("round %d: counter %d (%v), want 0", i, n, err)
		}
		must(t, wg.Close())
	}
	t.Logf("%d misuses refused in %d rounds", misuses, rounds)
}

// Go's TestWaitGroupRace: Wait does not return before both Dones.
func TestWaitGroupRace(t *testing.T) { forMappedKinds(t, testWaitGroupRace) }

func testWaitGroupRace(t *testing.T, opts ...gosync.Option) {
	loops := 1000
	if testing.Short() {
		loops = 100
	}
	wg, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg.Close()
	for i := 0; i < loops; i++ {
		var n int32
		wg.Add(1)
		go func() {
			atomic.AddInt32(&n, 1)
			wg.Done()
		}()
		wg.Add(1)
		go func() {
			atomic.AddInt32(&n, 1)
			wg.Done()
		}()
		must(t, wg.Wait())
		if atomic.LoadInt32(&n) != 2 {
			t.Fatal("Spurious wakeup from Wait")
		}
	}
}

// WaitGroup.Go (Go 1.25): f runs in a goroutine, Wait waits for it.
func TestWaitGroupGo(t *testing.T) { forMappedKinds(t, testWaitGroupGo) }

func testWaitGroupGo(t *testing.T, opts ...gosync.Option) {
	wg, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg.Close()
	var n int32
	for i := 0; i < 10; i++ {
		must(t, wg.Go(func() { atomic.AddInt32(&n, 1) }))
	}
	must(t, wg.Wait())
	if n != 10 {
		t.Fatalf("%d of 10 functions ran before Wait returned", n)
	}
}

// WaitContext gives up at ctx's deadline, and the counter is unchanged.
func TestWaitGroupWaitContext(t *testing.T) { forMappedKinds(t, testWaitGroupWaitContext) }

func testWaitGroupWaitContext(t *testing.T, opts ...gosync.Option) {
	wg, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg.Close()
	must(t, wg.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := wg.WaitContext(ctx); err != context.DeadlineExceeded {
		t.Fatalf("WaitContext = %v, want DeadlineExceeded", err)
	}
	must(t, wg.Done())
	must(t, wg.WaitContext(context.Background()))
}

// Cross-process: children started with the WaitGroup as a file each do
// their part and Done; the parent's Wait returns when all have.
func TestWaitGroupCrossProcess(t *testing.T) { forMappedKinds(t, testWaitGroupCrossProcess) }

func testWaitGroupCrossProcess(t *testing.T, opts ...gosync.Option) {
	wg, err := gosync.NewWaitGroup(opts...)
	must(t, err)
	defer wg.Close()
	c, err := gosync.NewInt64(0)
	must(t, err)
	defer c.Close()
	wf, err := wg.File()
	must(t, err)
	defer wf.Close()
	cf, err := c.File()
	must(t, err)
	defer cf.Close()
	const procs = 4
	must(t, wg.Add(procs))
	for i := 0; i < procs; i++ {
		cmd := child(t, "wg-worker", []*os.File{wf, cf})
		must(t, cmd.Start())
		go cmd.Wait()
	}
	within(t, "Wait for 4 processes", func() { must(t, wg.Wait()) })
	if v, _ := c.Load(); v != procs {
		t.Fatalf("Wait returned with %d of %d workers done", v, procs)
	}
}

// Cross-process WaitGroup.Go: a worker process whose goroutines hold Adds
// is killed; the kernel does their Dones, and the parent's Wait returns.
func TestWaitGroupGoKilledWorker(t *testing.T) { forMappedKinds(t, testWaitGroupGoKilledWorker) }

func testWaitGroupGoKilledWorker(t *testing.T, opts ...gosync.Option) {
	for _, plain := range []bool{false, true} {
		testGoKilledWorker(t, plain, opts...)
	}
}

// plain: the worker also runs a plain task (Add(1), then Done()) while its
// Go tasks run; that Done is not theirs, so the kernel still does all three.
func testGoKilledWorker(t *testing.T, plain bool, opts ...gosync.Option) {
	name := uniqueName(t)
	wg, err := gosync.NewWaitGroup(named(name, opts)...)
	must(t, err)
	defer gosync.Unlink(name)
	defer wg.Close()
	cmd := child(t, "wg-go-forever", nil, name, fmt.Sprint(plain))
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	var b [1]byte
	out.Read(b[:]) // its Adds are in
	if n, _ := wg.Counter(); n != 3 {
		t.Fatalf("counter %d, want the worker's 3", n)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	within(t, "Wait after the worker was killed", func() { must(t, wg.Wait()) })
}

func init() {
	children["wg-worker"] = func() int {
		wg, err := gosync.WaitGroupFromFile(childFile(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := gosync.Int64FromFile(childFile(1))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		time.Sleep(20 * time.Millisecond)
		c.Add(1)
		if err := wg.Done(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	children["wg-go-forever"] = func() int {
		wg, err := gosync.OpenWaitGroup(childArgs()[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for i := 0; i < 3; i++ {
			wg.Go(func() { time.Sleep(time.Hour) })
		}
		if childArgs()[1] == "true" {
			if err := wg.Add(1); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			if err := wg.Done(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		os.Stdout.Write([]byte("."))
		time.Sleep(time.Hour)
		return 0
	}
}

// A mapped WaitGroup's uncontended Add, Done and Wait at zero never reach
// the kernel: its statistics do not move (an Unmapped one counts each Add
// and Done).
func TestWaitGroupFastPath(t *testing.T) {
	const n = 100
	for _, k := range mutexKinds {
		wg, err := gosync.NewWaitGroup(k.opts...)
		must(t, err)
		defer wg.Close()
		before, err := wg.Info()
		must(t, err)
		for i := 0; i < n; i++ {
			must(t, wg.Add(2))
			must(t, wg.Done())
			if c, err := wg.Counter(); c != 1 || err != nil {
				t.Fatalf("%s: counter %d (%v), want 1", k.name, c, err)
			}
			must(t, wg.Done())
			must(t, wg.Wait())
		}
		after, err := wg.Info()
		must(t, err)
		// enum gosync_waitgroup_stat: ADDS (Add and Done), WAITS, MISUSE
		got := [3]uint64{after.Stats[0] - before.Stats[0], after.Stats[1] - before.Stats[1],
			after.Stats[2] - before.Stats[2]}
		want := [3]uint64{}
		if k.opts != nil {
			want[0] = 3 * n
			got[1] = 0 // how an Unmapped Wait at zero counts is not this test's business
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v Adds, Waits and misuses; want %v", k.name, got, want)
		}
	}
}
