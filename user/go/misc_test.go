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
	"strconv"
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

// Signals come to the package's threads: the runtime's (SIGURG
// preemption, SIGPROF when profiling) and anyone's tgkill. One may come
// while the thread sleeps in a kernel wait. Those waits carry absolute
// deadlines, so the kernel restarts them after the handler (SA_RESTART;
// ioctl also retries EINTR): no call may fail with EINTR, and none may
// return early.
//
// Which calls sleep in the kernel on their own thread (wait.go): an
// unbuffered Send and a Select (GOSYNC_IOC_WAIT, where the other side
// finds them), a waiter's fairness wait in the kernel's queue (kernelWait:
// here an RWMutex writer past its patience), and Cond.Wait. Other waits
// park their goroutine in the runtime's poller, where a signal has no
// wait to interrupt. A signal sent to the process (kill) goes to its main
// thread whenever that thread can take it (does not block it, and runs or
// has none pending: complete_signal()): it reaches a waiter only if that
// waiter runs on the main thread (as the first one started here often
// does), and the test could not tell whether it did. So each
// waiter locks its goroutine to its thread and says which that is, and
// the test sends SIGURG to that thread (tgkill) while the kernel says the
// thread sleeps in the wait's ioctl (/proc/self/task/TID/syscall); then
// it waits until the kernel says the thread took the signal (SigPnd), woke
// (voluntary_ctxt_switches went up) and sleeps in the same ioctl again:
// the wait was interrupted and restarted, each of signals times. Then each
// wait ends by its own event, and checks that it returned after that event
// (a flag set before it), without an error. (The kernel's count of waits a
// signal ended, Info().Stats[5] of a Mutex or RWMutex, cannot say this:
// it counts Lock and RLock ioctls, which the package does not use, and no
// GOSYNC_IOC_WAIT.)
//
// Cond.Wait blocks every signal but 32 and 33 (ioctlNoSignals: the kernel
// never restarts a Cond wait, so a signal would end it early): a SIGURG
// sent to its thread stays pending, the thread asleep in the Wait, until
// Signal wakes it; after the Wait it has been taken, not lost.
func TestSignalsDuringKernelWaits(t *testing.T) {
	if _, err := os.Stat("/proc/thread-self/syscall"); err != nil {
		t.Skipf("the kernel does not say which system call a thread sleeps in: %v", err)
	}
	const signals = 5 // per wait
	const sigurg = 1 << (syscall.SIGURG - 1)
	pid := os.Getpid()
	var wg sync.WaitGroup
	// start runs wait on a goroutine locked to its thread: that thread's id.
	start := func(wait func()) int {
		tid := make(chan int)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tid <- syscall.Gettid()
			wait()
		}()
		return <-tid
	}

	c := newChan(t, 0)
	var sendEnded atomic.Bool
	sendTid := start(func() {
		if err := c.Send([]byte("x")); err != nil {
			t.Errorf("Send: %v", err)
		}
		if !sendEnded.Load() {
			t.Error("Send returned before its Recv")
		}
	})
	// An absolute deadline far off, as a Select with a timeout has; the
	// cancellation ends it.
	other := newChan(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	var selectEnded atomic.Bool
	selectTid := start(func() {
		if _, err := gosync.Select(ctx, other.RecvCase()); err != context.Canceled {
			t.Errorf("Select: %v, want context.Canceled", err)
		}
		if !selectEnded.Load() {
			t.Error("Select returned before its cancellation")
		}
	})
	// A writer behind a reader joins the kernel's queue after its
	// patience (10 ms) and stays there until it is served.
	rw, err := gosync.NewRWMutex()
	must(t, err)
	defer rw.Close()
	rw.RLock()
	var lockEnded atomic.Bool
	lockTid := start(func() {
		if err := rw.LockContext(context.Background()); err != nil {
			t.Errorf("RWMutex.Lock: %v", err)
			return
		}
		if !lockEnded.Load() {
			t.Error("RWMutex.Lock returned before the RUnlock")
		}
		rw.Unlock()
	})
	cond := newCond(t)
	condEnded := false // under cond.L
	condTid := start(func() {
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
		// The mask restored, the SIGURG sent during the Wait was taken.
		if st, err := readThread(syscall.Gettid()); err != nil {
			t.Error(err)
		} else if st.pending&sigurg != 0 {
			t.Errorf("a SIGURG sent during Cond.Wait still pending after it (SigPnd %#x)",
				st.pending)
		}
	})

	for _, w := range []struct {
		what string
		tid  int
	}{{"Send", sendTid}, {"Select", selectTid}, {"RWMutex.Lock", lockTid}} {
		var st threadState
		asleep := func() (bool, error) {
			var err error
			st, err = readThread(w.tid)
			return st.asleepIn(gosync.IocWait), err
		}
		waitUntil(t, w.what+" asleep in GOSYNC_IOC_WAIT", asleep)
		for i := 1; i <= signals; i++ {
			before := st.sleeps
			must(t, syscall.Tgkill(pid, w.tid, syscall.SIGURG))
			waitUntil(t, fmt.Sprintf("%s: SIGURG %d taken, the wait restarted", w.what, i),
				func() (bool, error) {
					ok, err := asleep()
					return ok && st.pending&sigurg == 0 && st.sleeps > before, err
				})
		}
	}
	must(t, awaitCondWaiters(cond, 1))
	var st threadState
	waitUntil(t, "Cond.Wait asleep in its ioctl", func() (bool, error) {
		var err error
		st, err = readThread(condTid)
		return st.asleepIn(gosync.IocCond), err
	})
	if st.blocked&sigurg == 0 {
		t.Errorf("Cond.Wait's thread does not block SIGURG (SigBlk %#x)", st.blocked)
	}
	for i := 0; i < signals; i++ {
		must(t, syscall.Tgkill(pid, condTid, syscall.SIGURG))
	}
	// A blocked signal is queued on the thread, and wakes nothing.
	st, err = readThread(condTid)
	must(t, err)
	if st.pending&sigurg == 0 || !st.asleepIn(gosync.IocCond) {
		t.Errorf("Cond.Wait's thread after SIGURGs: SigPnd %#x, asleep in its ioctl %t; "+
			"want SIGURG pending, asleep", st.pending, st.asleepIn(gosync.IocCond))
	}

	sendEnded.Store(true)
	if _, ok, err := c.Recv(); !ok || err != nil {
		t.Errorf("Recv: %v, %v", ok, err)
	}
	selectEnded.Store(true)
	cancel()
	lockEnded.Store(true)
	rw.RUnlock()
	cond.L.Lock()
	condEnded = true
	cond.Signal()
	cond.L.Unlock()
	within(t, "the waits", wg.Wait)
}

// threadState is what the kernel says of one of the process's threads
// (/proc/self/task/TID).
type threadState struct {
	// syscall is the system call it sleeps in (-1: it sleeps outside
	// one; -2: it runs), arg1 that call's second argument (an ioctl's
	// request). The kernel reports them only of a thread asleep.
	syscall int
	arg1    uint64
	pending uint64 // SigPnd: signals sent to it (tgkill) not yet taken
	blocked uint64 // SigBlk
	sleeps  uint64 // voluntary_ctxt_switches: how often it went to sleep
}

func (st threadState) asleepIn(req uintptr) bool {
	return st.syscall == syscall.SYS_IOCTL && st.arg1 == uint64(req)
}

func readThread(tid int) (threadState, error) {
	st := threadState{syscall: -2}
	dir := fmt.Sprintf("/proc/self/task/%d/", tid)
	b, err := os.ReadFile(dir + "status")
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "SigPnd":
			st.pending, err = strconv.ParseUint(v, 16, 64)
		case "SigBlk":
			st.blocked, err = strconv.ParseUint(v, 16, 64)
		case "voluntary_ctxt_switches":
			st.sleeps, err = strconv.ParseUint(v, 10, 64)
		}
		if err != nil {
			return st, fmt.Errorf("%sstatus: %q: %v", dir, line, err)
		}
	}
	b, err = os.ReadFile(dir + "syscall")
	if err != nil {
		return st, err
	}
	// "running", or "NR ARG1 ARG2 ... SP PC" (NR -1: "-1 SP PC").
	f := strings.Fields(string(b))
	if len(f) == 0 || f[0] == "running" {
		return st, nil
	}
	if st.syscall, err = strconv.Atoi(f[0]); err == nil && st.syscall >= 0 && len(f) > 2 {
		st.arg1, err = strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
	}
	if err != nil {
		return st, fmt.Errorf("%ssyscall: %q: %v", dir, b, err)
	}
	return st, nil
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
