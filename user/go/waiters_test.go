// SPDX-License-Identifier: GPL-2.0

package gosync_test

// The package's fairness waits in the kernel's queue (wait.go): how many
// goroutines make them at once, and what a waiter does that cannot.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gosync"
)

// Many goroutines contending for one permit or one Mutex hold no OS
// thread each: the fairness waits in the kernel's queue, which do, are at
// most gosync.MaxKernelWaits at once, and the other waiters wait on in the
// poller. The child caps its threads (debug.SetMaxThreads, which aborts
// the process past the cap) well below its number of waiters, and runs
// them all through the lock, each holding it a moment: every one of them
// waits long, and loses often, enough to ask for the kernel's queue. Each
// waiter counts itself under the lock, so the child also checks that the
// lock excluded.
func TestManyWaitersFewThreads(t *testing.T) {
	for _, what := range []string{"semaphore", "mutex"} {
		what := what
		t.Run(what, func(t *testing.T) {
			// Both wait in await's one escalation path; -short (make
			// check, on four kernels) runs one: 10 s under TCG each.
			if testing.Short() && what == "mutex" {
				t.Skip("-short: the semaphore's run covers await")
			}
			childSaysOK(t, child(t, "many-waiters", nil, what))
		})
	}
}

// childFail is a child's way out when a step of its setup fails: what and
// err on its output (which childSaysOK shows), and exit status 1.
func childFail(what string, err error) int {
	fmt.Printf("%s: %v", what, err)
	return 1
}

// childSaysOK runs cmd, a child that prints "ok" or what went wrong, and
// fails the test unless it printed "ok" and exited with status 0 (one
// that the runtime aborted prints why on the test's stderr).
func childSaysOK(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var stdout bytes.Buffer
	var err error
	cmd.Stdout = &stdout
	done := make(chan struct{})
	must(t, cmd.Start())
	go func() {
		defer close(done)
		err = cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(hangLimit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the child hung (not done after %v)", hangLimit)
	}
	if out := stdout.String(); err != nil || out != "ok" {
		t.Fatalf("child: %v; it said %q", err, out)
	}
}

func init() {
	children["many-waiters"] = func() int {
		// The kernel waits, the runtime's threads (one per P running, a
		// few more, and those in short system calls while their P moved
		// on), and room to spare; and twice as many waiters, each of
		// which would hold a thread. (Each has a descriptor, its poller:
		// about 550 stay below a soft limit of 1024 descriptors, should
		// the runtime not have raised it.)
		limit := gosync.MaxKernelWaits + 4*runtime.GOMAXPROCS(0) + 200
		waiters := 2 * limit
		debug.SetMaxThreads(limit)
		ctx := context.Background()
		var lock, unlock func() error
		switch what := childArgs()[0]; what {
		case "semaphore":
			s, err := gosync.NewSemaphore(1)
			if err != nil {
				fmt.Print(err)
				return 1
			}
			defer s.Close()
			lock = func() error { return s.Acquire(ctx, 1) }
			unlock = func() error { return s.Release(1) }
		case "mutex":
			m, err := gosync.NewMutex()
			if err != nil {
				fmt.Print(err)
				return 1
			}
			defer m.Close()
			lock = func() error { return m.LockContext(ctx) }
			unlock = m.UnlockErr
		default:
			fmt.Printf("no lock %q", what)
			return 1
		}
		if err := lock(); err != nil { // held while the waiters gather
			fmt.Print(err)
			return 1
		}
		var wg sync.WaitGroup
		var mu sync.Mutex // errs
		var errs []string
		n := 0 // under the lock
		for i := 0; i < waiters; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := lock(); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					return
				}
				n++
				time.Sleep(10 * time.Microsecond)
				if err := unlock(); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				}
			}()
		}
		time.Sleep(10 * time.Millisecond) // (any wait: they all wait long)
		n++
		if err := unlock(); err != nil {
			fmt.Print(err)
			return 1
		}
		wg.Wait()
		switch {
		case len(errs) > 0:
			fmt.Printf("%d waiters failed: %s", len(errs), errs[0])
		case n != waiters+1:
			fmt.Printf("%d under the lock, want %d", n, waiters+1)
		default:
			fmt.Print("ok")
		}
		return 0
	}
}

// An RWMutex writer whose turn in the kernel's queue cannot be had (no
// descriptor left for the canceler that Close of the handle needs: EMFILE)
// waits on in the poller, and does not spin: the poller's deadline, its
// 10 ms of patience, is gone with the turn. The child holds a read lock,
// so each TryLock the writer makes fails, and the kernel counts it
// (Info().Stats, GOSYNC_STAT_BUSY). A writer that waits makes turnedAway
// of them and then parks in the poller: its first try, the poller's first
// (not made if its patience ran out before it: a slow machine), one at
// its patience point (the turn refused), one as it waits again without a
// deadline; nothing wakes it then while the read lock is held (its
// descriptor is never writable: an RUnlock that leaves a reader wakes the
// poller's descriptor as readable only). Before its patience point it
// parks only with one or two made. A writer that spins (a patience point
// left in the past ends each wait at once) never parks, and tries on
// without end. So the child waits until either the writer is parked in the
// poller (its goroutine "IO wait" in a stack dump) with three or more
// made, or it has made more than turnedAway: speed decides only how soon
// one of the two is seen. Then it makes wakeUps wake-ups of the
// poller (a second read lock, taken and released) and releases its read
// lock: the writer locks, and from parked to served it may have made at
// most one failed try per wake-up.
func TestWriterWithoutTurnDoesNotSpin(t *testing.T) {
	childSaysOK(t, child(t, "writer-without-turn", nil))
}

// writerParked reports whether a goroutine of the process is parked in
// the runtime's poller ("IO wait") inside an RWMutex.LockContext.
func writerParked() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, " [IO wait") &&
			strings.Contains(g, "gosync.(*RWMutex).LockContext(") {
			return true
		}
	}
	return false
}

// waitingWithoutPoller reports whether a goroutine of the process is in
// fn (a gosync method, as a stack shows it: "(*Mutex).LockContext(") and
// there in the wait for when no poller can be had (awaitWithoutPoller,
// reached only after a first try found the operation not done).
func waitingWithoutPoller(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "gosync."+fn) &&
			strings.Contains(g, "gosync.(*handle).awaitWithoutPoller(") {
			return true
		}
	}
	return false
}

// limitDescriptors lowers the process's limit on descriptors to leave spare
// free ones past those it has open, once the runtime's poller is set up
// (with its own descriptors: a pipe's file makes it). The function it
// returns undoes it.
func limitDescriptors(spare int) (func(), error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// The lowest free descriptor: the first past those open.
	fd, err := syscall.Dup(0)
	if err == nil {
		syscall.Close(fd)
	}
	var old syscall.Rlimit
	if err == nil {
		err = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old)
	}
	if err == nil {
		lim := old
		lim.Cur = uint64(fd + spare)
		err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	return func() {
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		r.Close()
		w.Close()
	}, nil
}

func init() {
	children["writer-without-turn"] = func() int {
		const turnedAway, wakeUps = 4, 20
		// Robust: not mapped, so every TryLock reaches the kernel.
		rw, err := gosync.NewRWMutex()
		if err != nil {
			return childFail("NewRWMutex", err)
		}
		defer rw.Close()
		if err := rw.RLockContext(context.Background()); err != nil {
			return childFail("RLock", err)
		}
		// One descriptor left: the writer's poller (a duplicate) takes it,
		// and its canceler finds none.
		restore, err := limitDescriptors(1)
		if err != nil {
			return childFail("limitDescriptors", err)
		}
		busy := func() (uint64, error) {
			info, err := rw.Info()
			return info.Stats[3], err // GOSYNC_STAT_BUSY: TryLocks that failed
		}
		locked := make(chan error, 1)
		go func() { locked <- rw.LockContext(context.Background()) }()
		// Parked, or spinning: the count first, then the stack, so that
		// a park seen follows the try counted (after three, the last).
		var parked uint64
		for end := time.Now().Add(hangLimit); ; time.Sleep(time.Millisecond) {
			n, err := busy()
			if err != nil {
				return childFail("Info", err)
			}
			if n > turnedAway {
				fmt.Printf("the writer made %d failed TryLocks before it parked, want at most %d (spinning)",
					n, turnedAway)
				return 0
			}
			if n >= turnedAway-1 && writerParked() {
				parked = n
				break
			}
			if time.Now().After(end) {
				fmt.Printf("the writer neither parked nor spun (%d failed TryLocks): hung", n)
				return 0
			}
		}
		// Wake-ups the writer may answer with a try each (it takes none:
		// its descriptor is not writable): a second read lock, whose
		// RUnlock wakes the pollers; then the one it waits for.
		for i := 0; i < wakeUps; i++ {
			if err := rw.RLockContext(context.Background()); err != nil {
				return childFail("RLock", err)
			}
			if err := rw.RUnlockErr(); err != nil {
				return childFail("RUnlock", err)
			}
		}
		if err := rw.RUnlockErr(); err != nil {
			return childFail("RUnlock", err)
		}
		if err := <-locked; err != nil {
			return childFail("Lock", err)
		}
		after, err := busy()
		if err != nil {
			return childFail("Info", err)
		}
		if err := rw.UnlockErr(); err != nil {
			return childFail("Unlock", err)
		}
		restore()
		if after-parked > wakeUps {
			fmt.Printf("the writer made %d failed TryLocks after it parked, for %d wake-ups",
				after-parked, wakeUps)
			return 0
		}
		fmt.Print("ok")
		return 0
	}
}

// Waits with no descriptor left for a poller (EMFILE): each waits all the
// same, without one, and ends when it should. They returned at once with
// "too many open files" (WaitGroup.Wait, Chan.Recv: a sync-ported caller
// that ignores Wait's error goes on before the tasks are done) or panicked
// (Lock). The child lowers its limit on descriptors to those it has open:
// a waiter gets no poller, and no canceler for the kernel's queue either.
func TestWaitsWithoutDescriptors(t *testing.T) {
	childSaysOK(t, child(t, "waits-without-descriptors", nil))
}

func init() {
	children["waits-without-descriptors"] = func() int {
		wg, err := gosync.NewWaitGroup()
		if err != nil {
			return childFail("NewWaitGroup", err)
		}
		defer wg.Close()
		wg2, err := gosync.NewWaitGroup()
		if err != nil {
			return childFail("NewWaitGroup", err)
		}
		m, err := gosync.NewMutex()
		if err != nil {
			return childFail("NewMutex", err)
		}
		defer m.Close()
		ch, err := gosync.NewChan(0)
		if err != nil {
			return childFail("NewChan", err)
		}
		defer ch.Close()
		// None left.
		restore, err := limitDescriptors(0)
		if err != nil {
			return childFail("limitDescriptors", err)
		}
		defer restore()
		if fd, err := syscall.Dup(0); err == nil {
			syscall.Close(fd)
			return childFail("Dup under the limit", fmt.Errorf("got descriptor %d", fd))
		}
		// still says whether a wait started in the background, which
		// reports to c, waits in fn without a poller: it polls, for up
		// to 30 s, until a stack dump shows it there (past its first
		// try, on the fallback under test, so what ends it comes after),
		// and fails if the wait returns first (at once, as it did) or
		// never gets there.
		still := func(what, fn string, c chan error) bool {
			for start := time.Now(); ; time.Sleep(time.Millisecond) {
				select {
				case err := <-c:
					fmt.Printf("%s returned before its time: %v", what, err)
					return false
				default:
				}
				if waitingWithoutPoller(fn) {
					return true
				}
				if time.Since(start) > 30*time.Second {
					fmt.Printf("%s not waiting without a poller (in %s) after 30 s", what, fn)
					return false
				}
			}
		}

		// WaitGroup.Wait (a waiter with no kernel case) until the Done.
		if err := wg.Add(1); err != nil {
			return childFail("Add", err)
		}
		waited := make(chan error, 1)
		go func() { waited <- wg.Wait() }()
		if !still("Wait", "(*WaitGroup).WaitContext(", waited) {
			return 0
		}
		if err := wg.Done(); err != nil {
			return childFail("Done", err)
		}
		if err := <-waited; err != nil {
			return childFail("Wait", err)
		}

		// Mutex.Lock (a kernel case, but no canceler for it) until the
		// Unlock.
		m.Lock()
		locked := make(chan error, 1)
		go func() { locked <- m.LockContext(context.Background()) }()
		if !still("Lock", "(*Mutex).LockContext(", locked) {
			return 0
		}
		if err := m.UnlockErr(); err != nil {
			return childFail("Unlock", err)
		}
		if err := <-locked; err != nil {
			return childFail("Lock", err)
		}
		if err := m.UnlockErr(); err != nil {
			return childFail("Unlock", err)
		}

		// An unbuffered Chan: a Recv waiting first, then a Send, which
		// waits in the kernel's queue without a canceler.
		type recv struct {
			msg []byte
			ok  bool
		}
		got := make(chan recv, 1)
		recvErr := make(chan error, 1)
		go func() {
			msg, ok, err := ch.Recv()
			got <- recv{msg, ok}
			recvErr <- err
		}()
		if !still("Recv", "(*Chan).RecvContext(", recvErr) {
			return 0
		}
		if err := ch.Send([]byte("hello")); err != nil {
			return childFail("Send", err)
		}
		if err := <-recvErr; err != nil {
			return childFail("Recv", err)
		}
		if g := <-got; !g.ok || string(g.msg) != "hello" {
			fmt.Printf("Recv: %q, %v; want \"hello\", true", g.msg, g.ok)
			return 0
		}

		// Close ends such a wait.
		if err := wg2.Add(1); err != nil {
			return childFail("Add", err)
		}
		go func() { waited <- wg2.Wait() }()
		if !still("Wait", "(*WaitGroup).WaitContext(", waited) {
			return 0
		}
		if err := wg2.Close(); err != nil {
			return childFail("Close", err)
		}
		if err := <-waited; !errors.Is(err, os.ErrClosed) {
			fmt.Printf("Wait ended by Close: %v, want os.ErrClosed", err)
			return 0
		}
		fmt.Print("ok")
		return 0
	}
}
