// SPDX-License-Identifier: GPL-2.0

package gosync_test

// The package's own behaviour: names, permissions, errors, handles and
// files, Close during a wait, and the Go runtime's signals during kernel
// waits.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosync"
)

// Names: create, open by name, a taken name, a missing one, the wrong
// type, unlink.
func TestNames(t *testing.T) {
	name := uniqueName(t)
	wg, err := gosync.NewWaitGroup(gosync.Named(name, 0640))
	must(t, err)
	defer wg.Close()
	if _, err := gosync.NewMutex(gosync.Named(name, 0600)); !errors.Is(err, os.ErrExist) {
		t.Fatalf("a taken name: %v, want os.ErrExist", err)
	}
	if _, err := gosync.OpenMutex(name); !errors.Is(err, gosync.ErrWrongType) {
		t.Fatalf("a WaitGroup opened as a Mutex: %v, want ErrWrongType", err)
	}
	wg2, err := gosync.OpenWaitGroup(name)
	must(t, err)
	defer wg2.Close()
	must(t, wg.Add(1))
	if n, _ := wg2.Counter(); n != 1 {
		t.Fatalf("the other handle sees %d", n)
	}
	info, err := wg2.Info()
	must(t, err)
	if info.Type != "waitgroup" || info.Name != name || info.Perm != 0640 || !info.Named {
		t.Fatalf("Info = %+v", info)
	}
	must(t, gosync.Unlink(name))
	if _, err := gosync.OpenWaitGroup(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an unlinked name: %v, want os.ErrNotExist", err)
	}
	if err := gosync.Unlink(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unlink twice: %v", err)
	}
	if _, err := gosync.NewMutex(gosync.NonRobust(), gosync.Retry()); err == nil {
		t.Fatal("Retry accepted for a Mutex")
	}
}

// Permissions: another user cannot open a 0600 object (os.ErrPermission),
// and can open a 0666 one. Needs root: the child opens /dev/gosync (mode
// 0600 in the VM) as root, then becomes uid 1000.
func TestPermissions(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start a child as another user")
	}
	for _, c := range []struct {
		perm os.FileMode
		want string
	}{{0600, "denied"}, {0666, "ok"}} {
		name := fmt.Sprintf("%s-%o", uniqueName(t), c.perm)
		m, err := gosync.NewMutex(gosync.Named(name, c.perm))
		must(t, err)
		defer gosync.Unlink(name)
		defer m.Close()
		out, err := child(t, "open-as-user", nil, name).Output()
		must(t, err)
		if string(out) != c.want {
			t.Errorf("perm %o: uid 1000 got %q, want %q", c.perm, out, c.want)
		}
	}
}

// Errors are *Error, and say what was called on what.
func TestErrors(t *testing.T) {
	m, err := gosync.NewMutex(gosync.Named(uniqueName(t), 0600))
	must(t, err)
	defer gosync.Unlink(m.Name())
	defer m.Close()
	err = m.UnlockErr()
	var e *gosync.Error
	if !errors.As(err, &e) || e.Op != "Mutex.Unlock" || e.Name != m.Name() {
		t.Fatalf("error %#v", err)
	}
	if !errors.Is(err, syscall.EPERM) || !errors.Is(err, gosync.ErrNotLocked) {
		t.Fatalf("%v is not EPERM and ErrNotLocked", err)
	}
	t.Log(err)
}

// Close: calls on a closed handle fail with os.ErrClosed; a Close during
// a wait in the poller ends it with os.ErrClosed; another handle to the
// object is unaffected.
func TestClose(t *testing.T) {
	m, err := gosync.NewMutex()
	must(t, err)
	f, err := m.File()
	must(t, err)
	defer f.Close()
	m2, err := gosync.MutexFromFile(f)
	must(t, err)
	defer m2.Close()
	m2.Lock()
	errc := make(chan error)
	go func() { errc <- m.LockContext(context.Background()) }()
	waitInPoller(t, "gosync_test.TestClose")
	must(t, m.Close())
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("a wait ended by Close: %v", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("Close did not end the wait")
	}
	if err := m.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Close twice: %v", err)
	}
	if m.TryLock() {
		t.Fatal("TryLock on a closed handle succeeded")
	}
	if err := m.UnlockErr(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Unlock on a closed handle: %v", err)
	}
	m2.Unlock()
	if _, err := gosync.WaitGroupFromFile(f); !errors.Is(err, gosync.ErrWrongType) {
		t.Fatalf("a Mutex file as a WaitGroup: %v", err)
	}
}

// waitInPoller waits until a goroutine that test (as stack traces name
// it: "gosync_test.TestClose") started waits in the runtime's poller, in
// the package's wait (gosync.(*handle).await). Such a wait is in no kernel
// queue, so State does not count it; the goroutine's state says it: "IO
// wait" (parked by the poller) in a trace of all goroutines.
func waitInPoller(t *testing.T, test string) {
	t.Helper()
	buf := make([]byte, 1<<16)
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		n := runtime.Stack(buf, true)
		if n == len(buf) { // perhaps cut short: again, with more room
			buf = make([]byte, 2*len(buf))
			continue
		}
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.HasPrefix(g, "goroutine ") && strings.Contains(g, " [IO wait") &&
				strings.Contains(g, "\ngosync.(*handle).await(") &&
				strings.Contains(g, "\n"+test+".func") {
				return
			}
		}
		if time.Since(start) > hangLimit {
			t.Fatalf("no goroutine of %s waits in the poller after %v", test, hangLimit)
		}
	}
}

// Calls on a closed handle fail and leave its old descriptor number
// alone: the next object gets that number (the lowest free one), and
// keeps it.
func TestClosedHandleLeavesNumber(t *testing.T) {
	a, err := gosync.NewMutex()
	must(t, err)
	must(t, a.Close())
	b, err := gosync.NewMutex()
	must(t, err)
	defer b.Close()
	for i := 0; i < 3; i++ {
		if a.TryLock() {
			t.Fatal("TryLock on a closed handle succeeded")
		}
		if err := a.UnlockErr(); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Unlock on a closed handle: %v", err)
		}
	}
	if !b.TryLock() {
		t.Fatal("TryLock of a new Mutex failed: a call on a closed handle closed its descriptor")
	}
	must(t, b.UnlockErr())
}

// The runtime signals its threads (SIGURG preemption, every 10 ms to a
// goroutine that runs long; SIGPROF when profiling). Kernel waits carry
// absolute deadlines, so the kernel restarts them: no call may fail with
// EINTR, and none may return early.
func TestSignalsDuringKernelWaits(t *testing.T) {
	stop := make(chan struct{})
	var spin sync.WaitGroup
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		spin.Add(1)
		go func() { // preempted by signal: no function calls in the loop
			defer spin.Done()
			for x := 0; ; x++ {
				if x%(1<<20) == 0 {
					select {
					case <-stop:
						return
					default:
					}
				}
			}
		}()
	}
	defer func() { close(stop); spin.Wait() }()
	// Signals to this process land on any thread, the waiting ones too.
	var sent int32
	sigStop := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigStop:
				return
			case <-time.After(time.Millisecond):
				syscall.Kill(os.Getpid(), syscall.SIGURG)
				atomic.AddInt32(&sent, 1)
			}
		}
	}()
	defer close(sigStop)

	// An unbuffered Send, a Cond.Wait and a Select, each in the kernel
	// while the signals fly for 200 ms, then ended by its own event. Each
	// checks that it returned after that event (a flag set before it): a
	// signal that ended one early fails the test, however soon.
	c := newChan(t, 0)
	cond := newCond(t)
	other := newChan(t, 0)
	var sendEnded, selectEnded atomic.Bool
	condEnded := false // under cond.L
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := c.Send([]byte("x")); err != nil {
			t.Errorf("Send: %v", err)
		}
		if !sendEnded.Load() {
			t.Error("Send returned before its Recv")
		}
	}()
	go func() {
		defer wg.Done()
		cond.L.Lock()
		// One Wait: a spurious wake-up (only signals 32 and 33 end one,
		// and no one sends them) would be a signal ending it.
		if err := cond.Wait(); err != nil {
			t.Errorf("Cond.Wait: %v", err)
		}
		if !condEnded {
			t.Error("Cond.Wait returned before its Signal")
		}
		cond.L.Unlock()
	}()
	// An absolute deadline far off, as a Select with a timeout has; the
	// cancellation ends it.
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	go func() {
		defer wg.Done()
		if _, err := gosync.Select(ctx, other.RecvCase()); err != context.Canceled {
			t.Errorf("Select: %v, want context.Canceled", err)
		}
		if !selectEnded.Load() {
			t.Error("Select returned before its cancellation")
		}
	}()
	time.Sleep(200 * time.Millisecond) // signals land on the waiting threads
	sendEnded.Store(true)
	if _, ok, err := c.Recv(); !ok || err != nil {
		t.Errorf("Recv: %v, %v", ok, err)
	}
	// The spinners may have kept the Wait's goroutine from running so far:
	// a Signal before it waits would be lost.
	must(t, awaitCondWaiters(cond, 1))
	cond.L.Lock()
	condEnded = true
	cond.Signal()
	cond.L.Unlock()
	selectEnded.Store(true)
	cancel()
	within(t, "the waits", wg.Wait)
	t.Logf("%d SIGURGs sent", atomic.LoadInt32(&sent))
}

func init() {
	children["open-as-user"] = func() int {
		if err := gosync.Supported(); err != nil { // opens the device
			fmt.Print(err)
			return 0
		}
		if err := syscall.Setgid(1000); err != nil {
			fmt.Print(err)
			return 0
		}
		if err := syscall.Setuid(1000); err != nil {
			fmt.Print(err)
			return 0
		}
		m, err := gosync.OpenMutex(childArgs()[0])
		switch {
		case err == nil:
			m.Close()
			fmt.Print("ok")
		case errors.Is(err, os.ErrPermission):
			fmt.Print("denied")
		default:
			fmt.Print(err)
		}
		return 0
	}
}
