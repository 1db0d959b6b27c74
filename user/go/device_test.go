// SPDX-License-Identifier: GPL-2.0

package gosync_test

// What the package does when the system's resources run short, or are
// reached by several callers at once: the device opened again after a
// failed first open, a Select without a descriptor for its canceler, waits
// whose descriptors epoll refuses, a cancelled Cond.WaitContext whose L is
// held long, Close's test hook.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gosync"
)

// A first open of the device that fails (no descriptor left: EMFILE) fails
// that call only: the next one opens it. It was kept, and every later call
// failed for the life of the process (as would one made before the module
// was loaded: a loop waiting for Supported never ended). The feature bits
// asked of the device (hasFeature) are asked again too: the answer given
// without the device (every bit) was kept. Callers that come together once
// the device can be opened open it once.
func TestDeviceOpenedAfterFailure(t *testing.T) {
	childSaysOK(t, child(t, "device-after-emfile", nil))
}

// noSuchFeature is a GOSYNC_IOC_VERSION feature bit no module has.
const noSuchFeature = 1 << 63

// deviceFds counts the process's descriptors open on the device.
func deviceFds() (int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		if p, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil &&
			p == gosync.DevicePath {
			n++
		}
	}
	return n, nil
}

func init() {
	children["device-after-emfile"] = func() int {
		// Nothing has opened the device yet (TestMain runs a child
		// before Supported).
		if n, err := deviceFds(); err != nil || n != 0 {
			fmt.Printf("the device open before the first call: %d descriptors, %v", n, err)
			return 0
		}
		restore, err := limitDescriptors(0)
		if err != nil {
			return childFail("limitDescriptors", err)
		}
		_, merr := gosync.NewMutex()
		serr := gosync.Supported()
		any := gosync.HasFeature(noSuchFeature)
		restore()
		if !errors.Is(merr, syscall.EMFILE) || !errors.Is(serr, syscall.EMFILE) {
			fmt.Printf("with no descriptor left: NewMutex %v, Supported %v; want EMFILE", merr, serr)
			return 0
		}
		if !any {
			fmt.Print("a feature asked without the device: no, want yes (the module taken as new)")
			return 0
		}
		// Callers that come together: one descriptor.
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < cap(errs); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- gosync.Supported()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				fmt.Printf("Supported after the limit was restored: %v (the first failure kept)", err)
				return 0
			}
		}
		m, err := gosync.NewMutex()
		if err != nil {
			fmt.Printf("NewMutex after the limit was restored: %v (the first failure kept)", err)
			return 0
		}
		m.Close()
		if n, err := deviceFds(); err != nil || n != 1 {
			fmt.Printf("the device open %d times (%v), want once", n, err)
			return 0
		}
		if gosync.HasFeature(noSuchFeature) {
			fmt.Print("a feature no module has, asked of the device: yes (the answer without it kept)")
			return 0
		}
		fmt.Print("ok")
		return 0
	}
}

// A Select whose canceler cannot be made (no descriptor left: EMFILE; or
// the user's object limit, ENOSPC) waits all the same, as a Send does, in
// slices that need none; a message sent meanwhile completes it, and ctx
// still ends it. It failed at once with "too many open files".
func TestSelectWithoutDescriptors(t *testing.T) {
	childSaysOK(t, child(t, "select-without-descriptors", nil))
}

func init() {
	children["select-without-descriptors"] = func() int {
		ch, err := gosync.NewChan(0)
		if err != nil {
			return childFail("NewChan", err)
		}
		defer ch.Close()
		restore, err := limitDescriptors(0)
		if err != nil {
			return childFail("limitDescriptors", err)
		}
		defer restore()
		type result struct {
			s   gosync.Selected
			err error
		}
		// receiving starts a Select with a RecvCase under ctx and waits
		// until it is a receiver in the Chan's queue (its State), or
		// fails if the Select returned first.
		receiving := func(ctx context.Context) (chan result, bool) {
			res := make(chan result, 1)
			go func() {
				s, err := gosync.Select(ctx, ch.RecvCase())
				res <- result{s, err}
			}()
			err := eventually("the Select in the Chan's queue", func() (bool, error) {
				select {
				case r := <-res:
					return false, fmt.Errorf("returned before its time: %+v, %v", r.s, r.err)
				default:
				}
				st, err := ch.State()
				return err == nil && st.Receivers > 0, err
			})
			if err != nil {
				fmt.Print(err)
				return nil, false
			}
			return res, true
		}

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, ok := receiving(ctx)
		if !ok {
			return 0
		}
		if err := ch.Send([]byte("hello")); err != nil {
			return childFail("Send", err)
		}
		r := <-res
		if r.err != nil || r.s.Index != 0 || !r.s.OK || string(r.s.Msg) != "hello" {
			fmt.Printf("Select: %+v, %v; want case 0, \"hello\"", r.s, r.err)
			return 0
		}

		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		res, ok = receiving(ctx2)
		if !ok {
			return 0
		}
		cancel2()
		if r := <-res; !errors.Is(r.err, context.Canceled) {
			fmt.Printf("Select cancelled: %+v, %v; want context.Canceled", r.s, r.err)
			return 0
		}
		fmt.Print("ok")
		return 0
	}
}

// Waits whose descriptors epoll refuses (fs.epoll.max_user_watches reached:
// ENOSPC, which os.NewFile takes for a descriptor that cannot be polled)
// are bounded by the kernel waits' slots as the others are: at most
// gosync.MaxKernelWaits of the process sleep in the kernel's queue, each
// holding an OS thread, and the rest try and sleep. Every one went to the
// kernel's queue. The child holds a Mutex, sets the limit to 0 (for the
// whole system; the test puts it back), starts twice MaxKernelWaits
// Locks, waits until each of them waits without a poller, and counts
// those in a kernel wait. Needs root.
func TestWaitsWithoutEpollWatches(t *testing.T) {
	old, err := os.ReadFile(maxUserWatches)
	if err != nil {
		t.Skipf("no %s: %v", maxUserWatches, err)
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to set fs.epoll.max_user_watches")
	}
	// Put back also after a child that died with it lowered.
	defer func() { must(t, os.WriteFile(maxUserWatches, old, 0)) }()
	childSaysOK(t, child(t, "waits-without-epoll", nil))
}

const maxUserWatches = "/proc/sys/fs/epoll/max_user_watches"

// goroutinesIn counts the goroutines with every one of fns (as a stack
// shows them, "gosync.(*handle).kernelWait(") on their stacks.
func goroutinesIn(fns ...string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		in := true
		for _, fn := range fns {
			in = in && strings.Contains(g, fn)
		}
		if in {
			count++
		}
	}
	return count
}

func init() {
	children["waits-without-epoll"] = func() int {
		const waiters = 2 * gosync.MaxKernelWaits
		m, err := gosync.NewMutex()
		if err != nil {
			return childFail("NewMutex", err)
		}
		defer m.Close()
		// The runtime's poller set up (a pipe's file makes it) while epoll
		// still takes descriptors: its own is one.
		r, w, err := os.Pipe()
		if err != nil {
			return childFail("Pipe", err)
		}
		r.Close()
		w.Close()
		old, err := os.ReadFile(maxUserWatches)
		if err != nil {
			return childFail("ReadFile", err)
		}
		if err := os.WriteFile(maxUserWatches, []byte("0\n"), 0); err != nil {
			return childFail("lowering fs.epoll.max_user_watches", err)
		}
		defer os.WriteFile(maxUserWatches, old, 0)
		// A new file is not polled now.
		r, w, err = os.Pipe()
		if err != nil {
			return childFail("Pipe", err)
		}
		derr := r.SetDeadline(time.Time{})
		r.Close()
		w.Close()
		if !errors.Is(derr, os.ErrNoDeadline) {
			fmt.Printf("a pipe's file with epoll's limit at 0: SetDeadline %v, want os.ErrNoDeadline", derr)
			return 0
		}

		m.Lock()
		var wg sync.WaitGroup
		errs := make(chan error, waiters)
		for i := 0; i < waiters; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := m.LockContext(context.Background()); err != nil {
					errs <- err
					return
				}
				errs <- m.UnlockErr()
			}()
		}
		// Every one waiting without a poller: in the kernel's queue, or
		// trying and sleeping. None gets the lock meanwhile.
		const without = "gosync.(*handle).awaitWithoutPoller("
		err = eventually("the Locks waiting without a poller", func() (bool, error) {
			return goroutinesIn("gosync.(*Mutex).LockContext(", without) == waiters, nil
		})
		inKernel := goroutinesIn("gosync.(*Mutex).LockContext(", without,
			"gosync.(*handle).kernelWait(")
		m.Unlock()
		wg.Wait()
		close(errs)
		if err != nil {
			fmt.Print(err)
			return 0
		}
		for err := range errs {
			if err != nil {
				return childFail("Lock", err)
			}
		}
		if inKernel > gosync.MaxKernelWaits {
			fmt.Printf("%d of %d Locks without a poller in kernel waits at once, want at most %d",
				inKernel, waiters, gosync.MaxKernelWaits)
			return 0
		}
		fmt.Print("ok")
		return 0
	}
}

// A cancelled Cond.WaitContext broadcasts once, when it is in the Cond's
// queue: the Broadcast wakes it, and it then relocks L, however long L is
// held. It broadcast on, from 100 µs doubling, until it had relocked:
// each Broadcast woke every waiter of the Cond, in every process. The
// test holds L while it cancels, and waits until the Wait is relocking
// (the Mutex's waiter) and its canceler has done (no goroutine made by
// WaitContext left), or until the Cond has more than one Broadcast.
func TestCondCancelBroadcastsOnce(t *testing.T) { forMutexKinds(t, testCondCancelBroadcastsOnce) }

func testCondCancelBroadcastsOnce(t *testing.T, opts ...gosync.Option) {
	c := newCond(t, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waited := make(chan error, 1)
	go func() {
		c.L.Lock()
		err := c.WaitContext(ctx)
		for err == nil { // a spurious wake-up
			err = c.WaitContext(ctx)
		}
		c.L.Unlock()
		waited <- err
	}()
	// On a failure, join the waiter before the Cleanup closes L.
	locked, joined := false, false
	defer func() {
		if locked {
			c.L.Unlock()
		}
		cancel()
		if !joined {
			select {
			case <-waited:
			case <-time.After(hangLimit):
			}
		}
	}()
	must(t, awaitCondWaiters(c, 1))
	c.L.Lock()
	locked = true
	broadcasts := func() (uint64, error) {
		info, err := c.Info()
		return info.Stats[2], err // GOSYNC_STAT_COND_BROADCASTS
	}
	before, err := broadcasts()
	must(t, err)
	cancel()
	waitUntil(t, "the Wait relocking L, its canceler done", func() (bool, error) {
		n, err := broadcasts()
		if err != nil {
			return false, err
		}
		if n-before > 1 {
			return false, fmt.Errorf("%d Broadcasts for a cancelled WaitContext, want 1", n-before)
		}
		st, err := c.L.State()
		if err != nil {
			return false, err
		}
		return st.Waiters > 0 && goroutinesIn("created by gosync.(*Cond).WaitContext") == 0, nil
	})
	c.L.Unlock()
	locked = false
	within(t, "WaitContext", func() {
		if err := <-waited; err != context.Canceled {
			t.Errorf("WaitContext = %v, want context.Canceled", err)
		}
	})
	joined = true
	n, err := broadcasts()
	must(t, err)
	if n-before != 1 {
		t.Errorf("%d Broadcasts for a cancelled WaitContext, want 1", n-before)
	}
}

// The hook that tests set for Close is read and set atomically: Close runs
// on the finalizer goroutine too, for a handle nobody closed, which a test
// setting the hook cannot order itself with (a goroutine's Close stands in
// for it here). Under -race, the detector saw a race.
func TestCloseHookSynchronized(t *testing.T) {
	m, err := gosync.NewMutex()
	must(t, err)
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	gosync.SetTestHookClose(nil)
	must(t, <-closed)
}
