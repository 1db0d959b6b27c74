// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of golang.org/x/sync/semaphore's semaphore_test.go, with a
// cross-process variant.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosync"
)

const maxSleep = time.Millisecond

// semKinds are the kinds of Semaphore each x/sync port runs on (a subtest
// each): robust (the default, never mapped), NonRobust (mapped: Acquire and
// Release are atomics on the shared word while nobody waits), and NonRobust
// made Unmapped (ioctls).
var semKinds = []struct {
	name string
	opts []gosync.Option
}{
	{"robust", nil},
	{"mapped", []gosync.Option{gosync.NonRobust()}},
	{"ioctl", []gosync.Option{gosync.NonRobust(), gosync.Unmapped()}},
}

func forSemKinds(t *testing.T, f func(t *testing.T, opts ...gosync.Option)) {
	for _, k := range semKinds {
		k := k
		t.Run(k.name, func(t *testing.T) { f(t, k.opts...) })
	}
}

func newSem(t testing.TB, n int64, opts ...gosync.Option) *gosync.Semaphore {
	s, err := gosync.NewSemaphore(n, opts...)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func hammerWeighted(s *gosync.Semaphore, n int64, loops int, held *int64) error {
	for i := 0; i < loops; i++ {
		if err := s.Acquire(context.Background(), n); err != nil {
			return err
		}
		h := atomic.AddInt64(held, n)
		time.Sleep(time.Duration(rand.Int63n(int64(maxSleep))))
		atomic.AddInt64(held, -n)
		if err := s.Release(n); err != nil {
			return err
		}
		if h > s.Size() { // (released: the others go on)
			return fmt.Errorf("%d of %d permits held", h, s.Size())
		}
	}
	return nil
}

// x/sync's TestWeighted: n goroutines, goroutine i acquiring i permits of
// n at a time, with a count of the permits held (added after each Acquire,
// taken off before each Release) that must never pass n. x/sync's n is
// GOMAXPROCS, 2 in the test VM, which left weights 0 and 1: here 8.
func TestWeighted(t *testing.T) { forSemKinds(t, testWeighted) }

func testWeighted(t *testing.T, opts ...gosync.Option) {
	const n = 8
	loops := 10000 / n
	if testing.Short() {
		loops = 200 / n
	}
	s := newSem(t, n, opts...)
	var held int64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		i := i
		go func() {
			defer wg.Done()
			if err := hammerWeighted(s, int64(i), loops, &held); err != nil {
				t.Error(err)
			}
		}()
	}
	within(t, "the hammering goroutines", wg.Wait)
	if free, _, err := s.Available(); free != n || err != nil {
		t.Errorf("Available after = %d, %v; want %d free", free, err, n)
	}
}

// x/sync's TestWeightedPanic: a Release without an Acquire is an error
// (x/sync panics).
func TestWeightedPanic(t *testing.T) { forSemKinds(t, testWeightedPanic) }

func testWeightedPanic(t *testing.T, opts ...gosync.Option) {
	s := newSem(t, 1, opts...)
	if err := s.Release(1); !errors.Is(err, gosync.ErrNotHeld) {
		t.Fatalf("Release of an unacquired semaphore: %v, want ErrNotHeld", err)
	}
}

// x/sync's n = 0: Acquire(ctx, 0) and TryAcquire(0) succeed and Release(0)
// does nothing, with permits free and with every one taken (they were
// EINVAL and false); on a closed handle they fail as every call does.
func TestWeightedZero(t *testing.T) { forSemKinds(t, testWeightedZero) }

func testWeightedZero(t *testing.T, opts ...gosync.Option) {
	ctx := context.Background()
	s := newSem(t, 2, opts...)
	zero := func(wantFree int64) {
		t.Helper()
		if err := s.Acquire(ctx, 0); err != nil {
			t.Errorf("Acquire(0) with %d free: %v", wantFree, err)
		}
		if !s.TryAcquire(0) {
			t.Errorf("TryAcquire(0) with %d free: false", wantFree)
		}
		if err := s.Release(0); err != nil {
			t.Errorf("Release(0) with %d free: %v", wantFree, err)
		}
		if free, _, err := s.Available(); free != wantFree || err != nil {
			t.Errorf("Available after the zeros = %d, %v; want %d free", free, err, wantFree)
		}
	}
	zero(2)
	must(t, s.Acquire(ctx, 2))
	zero(0)
	must(t, s.Release(2))
	zero(2)
	must(t, s.Close())
	if err := s.Acquire(ctx, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Acquire(0) on a closed handle: %v, want os.ErrClosed", err)
	}
	if s.TryAcquire(0) {
		t.Error("TryAcquire(0) on a closed handle: true")
	}
	if err := s.Release(0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Release(0) on a closed handle: %v, want os.ErrClosed", err)
	}
}

// x/sync's TestWeightedTryAcquire.
func TestWeightedTryAcquire(t *testing.T) { forSemKinds(t, testWeightedTryAcquire) }

func testWeightedTryAcquire(t *testing.T, opts ...gosync.Option) {
	ctx := context.Background()
	s := newSem(t, 2, opts...)
	var tries []bool
	must(t, s.Acquire(ctx, 1))
	tries = append(tries, s.TryAcquire(1))
	tries = append(tries, s.TryAcquire(1))
	must(t, s.Release(2))
	tries = append(tries, s.TryAcquire(1))
	must(t, s.Acquire(ctx, 1))
	tries = append(tries, s.TryAcquire(1))
	want := []bool{true, false, true, false}
	for i := range tries {
		if tries[i] != want[i] {
			t.Errorf("tries[%d]: got %t, want %t", i, tries[i], want[i])
		}
	}
}

// x/sync's TestWeightedAcquire: Acquire with a 10 ms timeout.
func TestWeightedAcquire(t *testing.T) { forSemKinds(t, testWeightedAcquire) }

func testWeightedAcquire(t *testing.T, opts ...gosync.Option) {
	ctx := context.Background()
	s := newSem(t, 2, opts...)
	tryAcquire := func(n int64) bool {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		return s.Acquire(ctx, n) == nil
	}
	var tries []bool
	must(t, s.Acquire(ctx, 1))
	tries = append(tries, tryAcquire(1))
	tries = append(tries, tryAcquire(1))
	must(t, s.Release(2))
	tries = append(tries, tryAcquire(1))
	must(t, s.Acquire(ctx, 1))
	tries = append(tries, tryAcquire(1))
	want := []bool{true, false, true, false}
	for i := range tries {
		if tries[i] != want[i] {
			t.Errorf("tries[%d]: got %t, want %t", i, tries[i], want[i])
		}
	}
}

// x/sync's TestWeightedDoesntBlockIfTooBig: an Acquire of more than the
// semaphore has waits for its ctx and holds nobody else up. Here it never
// asks the kernel (sem.go: n > Size() waits in Go for ctx or Close), so it
// is in no queue and cannot hold anyone up there: the test checks that the
// Acquire(1)s all get through, that it is still waiting after them, and
// that its ctx's cancellation ends it (context.Canceled).
func TestWeightedDoesntBlockIfTooBig(t *testing.T) {
	forSemKinds(t, testWeightedDoesntBlockIfTooBig)
}

func testWeightedDoesntBlockIfTooBig(t *testing.T, opts ...gosync.Option) {
	const n = 2
	s := newSem(t, n, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	big := make(chan error, 1)
	go func() { big <- s.Acquire(ctx, n+1) }()
	var wg sync.WaitGroup
	errs := make(chan error, n*3)
	for i := n * 3; i > 0; i-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Acquire(context.Background(), 1)
			if err == nil {
				time.Sleep(time.Millisecond)
				err = s.Release(1)
			}
			errs <- err
		}()
	}
	within(t, "Acquire(1)s beside a too big Acquire", wg.Wait)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	select {
	case err := <-big:
		t.Fatalf("Acquire(%d) of %d permits returned before its cancel: %v", n+1, n, err)
	default:
	}
	cancel()
	within(t, "the too big Acquire after its cancel", func() {
		if err := <-big; err != context.Canceled {
			t.Errorf("Acquire(%d) of %d permits: %v, want context.Canceled", n+1, n, err)
		}
	})
}

// x/sync's TestLargeAcquireDoesntStarve: an Acquire of all n permits gets
// them while n goroutines keep releasing and reacquiring one each.
func TestLargeAcquireDoesntStarve(t *testing.T) { forSemKinds(t, testLargeAcquireDoesntStarve) }

func testLargeAcquireDoesntStarve(t *testing.T, opts ...gosync.Option) {
	ctx := context.Background()
	n := int64(runtime.GOMAXPROCS(0))
	s := newSem(t, n, opts...)
	var running sync.Mutex // held while they should run
	running.Lock()
	stopped := false
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := n; i > 0; i-- {
		must(t, s.Acquire(ctx, 1))
		go func() {
			defer func() {
				s.Release(1)
				wg.Done()
			}()
			for {
				running.Lock()
				stop := stopped
				running.Unlock()
				if stop {
					return
				}
				time.Sleep(time.Millisecond)
				s.Release(1)
				s.Acquire(ctx, 1)
			}
		}()
	}
	running.Unlock()
	within(t, "the large Acquire", func() { must(t, s.Acquire(ctx, n)) })
	running.Lock()
	stopped = true
	running.Unlock()
	must(t, s.Release(n))
	wg.Wait()
}

// acquireQueued starts s.Acquire(ctx, n), which must have to wait, and
// returns its result's channel once it is in the kernel's queue:
// TryAcquire(1) then fails (FIFO). It waits in the runtime's poller first;
// each Release here wakes it to try again, and it joins the queue once it
// has lost for over 1 ms.
func acquireQueued(t *testing.T, ctx context.Context, s *gosync.Semaphore, n int64) <-chan error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- s.Acquire(ctx, n) }()
	for end := time.Now().Add(hangLimit); s.TryAcquire(1); runtime.Gosched() {
		must(t, s.Release(1))
		if time.Now().After(end) {
			t.Fatalf("Acquire(%d) not queued: TryAcquire(1) still succeeds", n)
		}
	}
	return errc
}

// x/sync's TestAllocCancelDoesntStarve: when a large Acquire that queued
// gives up, the small one queued behind it gets in. x/sync's test cancels
// in a goroutine racing the start of the small Acquire; here, as in the C
// and KUnit ports, the cancel comes only once the small one waits. Its
// Acquire waits in the runtime's poller, where State does not see it, and
// would join the kernel's queue only after losing a wake-up: so the small
// one is first a Select's AcquireCase(1), which waits in the kernel's
// queue behind the large one (State's Waiters reach 2; the kernel must
// grant it when the large one leaves), and then a plain Acquire(1) seen
// waiting in the poller (the large one's leaving must wake it).
func TestAllocCancelDoesntStarve(t *testing.T) { forSemKinds(t, testAllocCancelDoesntStarve) }

func testAllocCancelDoesntStarve(t *testing.T, opts ...gosync.Option) {
	for _, small := range []string{"select", "acquire"} {
		small := small
		t.Run(small, func(t *testing.T) {
			s := newSem(t, 10, opts...)
			// Block off a portion of the semaphore so that Acquire(10)
			// can eventually succeed.
			must(t, s.Acquire(context.Background(), 1))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			large := acquireQueued(t, ctx, s, 10)
			// Now Acquire(1) behind it, and cancel Acquire(10) once it
			// waits.
			done := make(chan error, 1)
			go func() {
				var err error
				if small == "select" {
					_, err = gosync.Select(context.Background(), s.AcquireCase(1))
				} else {
					err = s.Acquire(context.Background(), 1)
				}
				if err == nil {
					err = s.Release(1)
				}
				done <- err
			}()
			if small == "select" {
				waitUntil(t, "the Acquire(1) queued behind the Acquire(10)", func() (bool, error) {
					select {
					case err := <-done:
						return false, fmt.Errorf("Acquire(1) done before Acquire(10) gave up (%v)", err)
					default:
					}
					st, err := s.State()
					return st.Waiters >= 2, err
				})
			} else {
				waitInPoller(t, "gosync_test.testAllocCancelDoesntStarve")
				select {
				case err := <-done:
					t.Fatalf("Acquire(1) done before Acquire(10) gave up (%v)", err)
				default:
				}
			}
			cancel()
			select {
			case err := <-done:
				must(t, err)
			case <-time.After(hangLimit):
				t.Fatal("Acquire(1) still waiting after Acquire(10) gave up")
			}
			select {
			case err := <-large:
				if err != context.Canceled {
					t.Errorf("Acquire(10) = %v, want context.Canceled (1 of 10 held)", err)
				}
			case <-time.After(hangLimit):
				t.Fatal("Acquire(10) still waiting after its cancel")
			}
			if free, _, err := s.Available(); free != 9 || err != nil {
				t.Errorf("Available = %d, %v; want 9 free", free, err)
			}
		})
	}
}

// x/sync's TestWeightedAcquireCanceled (go.dev/issue/63615): an Acquire(2)
// waits with 1 of 2 permits free; its ctx is cancelled, and only then is
// the other permit released. The cancellation came first, so the Acquire
// must fail with context.Canceled and take nothing: TryAcquire(2) then
// succeeds. Here the cancellation reaches a waiter through another
// goroutine (the poller's deadline, the kernel wait's canceler), so the
// Release may grant the wait first; the Acquire must then give the permits
// back. The Acquire waits in the kernel's queue (acquireQueued, x/sync's
// way of waiting for it: TryAcquire(1) fails) or, most often, in the
// runtime's poller (waitBlocked); many rounds, to meet the race. (x/sync's test ends with an Acquire(1)
// under the done ctx, which it now fails with permits free; here such an
// Acquire tries once and succeeds: docs/go.md, "Contexts", and
// TestDoneContext.)
func TestWeightedAcquireCanceled(t *testing.T) { forSemKinds(t, testWeightedAcquireCanceled) }

func testWeightedAcquireCanceled(t *testing.T, opts ...gosync.Option) {
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	for _, where := range []string{"queue", "poller"} {
		where := where
		t.Run(where, func(t *testing.T) {
			s := newSem(t, 2, opts...)
			for i := 0; i < rounds; i++ {
				must(t, s.Acquire(context.Background(), 1))
				ctx, cancel := context.WithCancel(context.Background())
				var errc <-chan error
				if where == "queue" {
					errc = acquireQueued(t, ctx, s, 2)
				} else {
					c := make(chan error, 1)
					go func() { c <- s.Acquire(ctx, 2) }()
					// Or in the queue: the descriptor polls readable
					// with 1 permit free, and a waiter woken after
					// over 1 ms goes there.
					waitBlocked(t, "gosync_test.testWeightedAcquireCanceled", s)
					errc = c
				}
				cancel()
				must(t, s.Release(1))
				var err error
				within(t, "the cancelled Acquire", func() { err = <-errc })
				if err != context.Canceled {
					t.Fatalf("round %d: Acquire(2) cancelled before the permit came free: %v, want context.Canceled",
						i, err)
				}
				if !s.TryAcquire(2) {
					free, _, err := s.Available()
					t.Fatalf("round %d: TryAcquire(2) after the cancelled Acquire failed (%d free, %v)",
						i, free, err)
				}
				must(t, s.Release(2))
			}
		})
	}
}

// A large Acquire that joined the kernel's queue keeps its place there for
// as long as it waits: a smaller Acquire queued behind it is not served
// first (x/sync's FIFO), however long the wait. (Before, the Go waiter's
// kernel wait timed out every 200 ms to look for Close, and each time it
// left the queue, letting the ones behind it in.)
func TestLargeAcquireKeepsItsPlace(t *testing.T) { forSemKinds(t, testLargeAcquireKeepsItsPlace) }

func testLargeAcquireKeepsItsPlace(t *testing.T, opts ...gosync.Option) {
	s := newSem(t, 2, opts...)
	must(t, s.Acquire(context.Background(), 1)) // 1 of 2 free: Acquire(2) waits
	large := acquireQueued(t, context.Background(), s, 2)
	// An Acquire(1) queued in the kernel behind it (a select's case).
	small := make(chan error, 1)
	go func() {
		_, err := gosync.Select(context.Background(), s.AcquireCase(1))
		small <- err
	}()
	// Both wait in the kernel (GOSYNC_IOC_WAITs watching s: State's
	// Waiters; acquireQueued saw the large one hold the front). Not
	// served then, the small one could be only if the large one left
	// its place.
	waitUntil(t, "the Select behind the Acquire(2)", func() (bool, error) {
		select {
		case err := <-small:
			return false, fmt.Errorf("Acquire(1) served before the Acquire(2) ahead of it (%v)", err)
		default:
		}
		st, err := s.State()
		return st.Waiters >= 2, err
	})
	select {
	case err := <-small:
		t.Fatalf("Acquire(1) served before the Acquire(2) ahead of it (%v)", err)
	case <-time.After(time.Second): // several of the old slices
	}
	must(t, s.Release(1)) // 2 free: the front one's
	within(t, "the large Acquire", func() { must(t, <-large) })
	must(t, s.Release(2))
	within(t, "the small Acquire", func() { must(t, <-small) })
	must(t, s.Release(1))
}

// A Close of the handle ends a wait in the kernel's queue at once, with
// os.ErrClosed (the wait has a canceler of its own that Close fires).
func TestCloseEndsKernelWait(t *testing.T) {
	s := newSem(t, 2)
	must(t, s.Acquire(context.Background(), 1))
	large := acquireQueued(t, context.Background(), s, 2)
	must(t, s.Close())
	within(t, "the Acquire after Close", func() {
		if err := <-large; !errors.Is(err, os.ErrClosed) {
			t.Errorf("Acquire ended by Close: %v, want os.ErrClosed", err)
		}
	})
}

// An Acquire of more permits than the Semaphore has waits for its context
// only, as x/sync's; Close of the handle ends it too, with os.ErrClosed, as
// it ends every wait (with context.Background() it waited for good).
func TestCloseEndsOversizedAcquire(t *testing.T) {
	s := newSem(t, 2)
	large := make(chan error, 1)
	go func() { large <- s.Acquire(context.Background(), s.Size()+1) }()
	// Waiting by then, most likely; if not, it finds the handle closed,
	// which must end it the same way.
	time.Sleep(10 * time.Millisecond)
	must(t, s.Close())
	within(t, "the oversized Acquire after Close", func() {
		if err := <-large; !errors.Is(err, os.ErrClosed) {
			t.Errorf("Acquire(Size()+1) ended by Close: %v, want os.ErrClosed", err)
		}
	})
	if err := s.Acquire(context.Background(), s.Size()+1); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Acquire(Size()+1) on a closed handle: %v, want os.ErrClosed", err)
	}
}

// Robust permits: a child process that acquires and dies gives its
// permits back; another handle cannot release what it does not hold.
func TestSemaphoreCrossProcess(t *testing.T) {
	name := uniqueName(t)
	s, err := gosync.NewSemaphore(3, gosync.Named(name, 0600))
	must(t, err)
	defer gosync.Unlink(name)
	defer s.Close()
	must(t, child(t, "sem-acquire-and-exit", nil, name).Run())
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	must(t, s.Acquire(ctx, 3))
	if err := s.Release(4); !errors.Is(err, gosync.ErrNotHeld) {
		t.Fatalf("Release(4) holding 3: %v", err)
	}
	must(t, s.Release(3))
	if free, held, err := s.Available(); free != 3 || held != 0 || err != nil {
		t.Fatalf("Available = %d, %d, %v", free, held, err)
	}
}

func init() {
	children["sem-acquire-and-exit"] = func() int {
		s, err := gosync.OpenSemaphore(childArgs()[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if !s.TryAcquire(2) {
			fmt.Fprintln(os.Stderr, "TryAcquire(2) failed")
			return 1
		}
		return 0 // exit holding 2
	}
}

// A mapped Semaphore's uncontended Acquire, TryAcquire (taking or failing)
// and Release never reach the kernel: its statistics do not move (an
// Unmapped one counts each).
func TestSemaphoreFastPath(t *testing.T) {
	const n = 100
	ctx := context.Background()
	for _, k := range semKinds[1:] {
		s, err := gosync.NewSemaphore(4, k.opts...)
		must(t, err)
		defer s.Close()
		before, err := s.Info()
		must(t, err)
		for i := 0; i < n; i++ {
			must(t, s.Acquire(ctx, 2))
			if !s.TryAcquire(1) {
				t.Fatalf("%s: TryAcquire(1) failed with 2 of 4 free", k.name)
			}
			if s.TryAcquire(2) {
				t.Fatalf("%s: TryAcquire(2) succeeded with 1 of 4 free", k.name)
			}
			must(t, s.Release(3))
		}
		after, err := s.Info()
		must(t, err)
		// enum gosync_sem_stat: ACQUIRES, PERMITS_ACQUIRED, RELEASES, BUSY
		var got [4]uint64
		for i := range got {
			got[i] = after.Stats[i] - before.Stats[i]
		}
		want := [4]uint64{}
		if k.name == "ioctl" {
			want = [4]uint64{2 * n, 3 * n, n, n}
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v acquires, permits, releases, busy; want %v",
				k.name, got, want)
		}
		if free, _, err := s.Available(); free != 4 || err != nil {
			t.Fatalf("%s: Available = %d, %v; want 4 free", k.name, free, err)
		}
	}
}

// AcquireCase takes 1 to math.MaxUint32 permits (the wait case's length is
// 32 bits): other n fail the Select with EINVAL, as Semaphore.Acquire's n
// < 0 does (0 too, which Acquire allows), and take nothing (1<<32 + 1 was
// 1 permit, -1 was 2^32 - 1).
func TestAcquireCaseRange(t *testing.T) {
	const size = 1 << 33
	s, err := gosync.NewSemaphore(size)
	must(t, err)
	defer s.Close()
	for _, n := range []int64{0, -1, math.MinInt64, 1<<32 + 1, 1 << 32, math.MaxInt64} {
		if _, err := gosync.TrySelect(s.AcquireCase(n)); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("TrySelect(AcquireCase(%d)): %v, want EINVAL", n, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_, err := gosync.Select(ctx, s.AcquireCase(n))
		cancel()
		if !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Select(AcquireCase(%d)): %v, want EINVAL", n, err)
		}
	}
	if err := s.Acquire(context.Background(), -1); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Acquire(-1): %v, want EINVAL (what AcquireCase matches)", err)
	}
	sel, err := gosync.TrySelect(s.AcquireCase(math.MaxUint32))
	if err != nil || sel.Index != 0 || sel.Err != nil {
		t.Fatalf("TrySelect(AcquireCase(MaxUint32)) = %+v, %v", sel, err)
	}
	must(t, s.Release(math.MaxUint32))
	if !s.TryAcquire(size) {
		t.Fatal("permits missing after the refused cases")
	}
	must(t, s.Release(size))
}
