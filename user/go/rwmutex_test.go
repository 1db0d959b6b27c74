// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/rwmutex_test.go, each run on every kind of
// RWMutex (rwKinds).

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gosync"
)

// rwKinds are the kinds of RWMutex each RWMutex test runs on (a subtest
// each): robust (the default, never mapped), NonRobust (mapped: RLock,
// RUnlock, Lock and Unlock are atomics on the shared word while nobody
// waits), and NonRobust made Unmapped (ioctls).
var rwKinds = []struct {
	name string
	opts []gosync.Option
}{
	{"robust", nil},
	{"mapped", []gosync.Option{gosync.NonRobust()}},
	{"ioctl", []gosync.Option{gosync.NonRobust(), gosync.Unmapped()}},
}

// forRWKinds runs f once per kind of RWMutex; opts make an RWMutex of it.
func forRWKinds(t *testing.T, f func(t *testing.T, opts ...gosync.Option)) {
	for _, k := range rwKinds {
		k := k
		t.Run(k.name, func(t *testing.T) { f(t, k.opts...) })
	}
}

// Go's TestParallelReaders: numReaders goroutines all hold a read lock at
// once (each takes it, says so, and waits to be told to let go).
func TestParallelReaders(t *testing.T) { forRWKinds(t, testParallelReaders) }

func testParallelReaders(t *testing.T, opts ...gosync.Option) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(-1))
	for _, c := range []struct{ readers, procs int }{{1, 4}, {3, 4}, {4, 2}} {
		runtime.GOMAXPROCS(c.procs)
		rw, err := gosync.NewRWMutex(opts...)
		must(t, err)
		locked, unlock, done := make(chan bool), make(chan bool), make(chan bool)
		for i := 0; i < c.readers; i++ {
			go func() {
				rw.RLock()
				locked <- true
				<-unlock
				rw.RUnlock()
				done <- true
			}()
		}
		within(t, fmt.Sprintf("%d readers at once", c.readers), func() {
			for i := 0; i < c.readers; i++ {
				<-locked
			}
		})
		for i := 0; i < c.readers; i++ {
			unlock <- true
		}
		for i := 0; i < c.readers; i++ {
			<-done
		}
		rw.Close()
	}
}

// Go's HammerRWMutex: readers and writers check, through an activity
// count, that a writer is alone and readers only share with readers.
func hammerRWMutex(t *testing.T, procs, readers, iterations int, opts ...gosync.Option) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	rw, err := gosync.NewRWMutex(opts...)
	must(t, err)
	defer rw.Close()
	var activity int32
	var bad atomic.Value
	var wg sync.WaitGroup
	reader := func() {
		defer wg.Done()
		for i := 0; i < iterations; i++ {
			rw.RLock()
			if n := atomic.AddInt32(&activity, 1); n < 1 || n >= 10000 {
				bad.Store(fmt.Sprintf("reader sees activity %d", n))
			}
			for j := 0; j < 100; j++ {
			}
			atomic.AddInt32(&activity, -1)
			rw.RUnlock()
		}
	}
	writer := func() {
		defer wg.Done()
		for i := 0; i < iterations; i++ {
			rw.Lock()
			if n := atomic.AddInt32(&activity, 10000); n != 10000 {
				bad.Store(fmt.Sprintf("writer sees activity %d", n))
			}
			for j := 0; j < 100; j++ {
			}
			atomic.AddInt32(&activity, -10000)
			rw.Unlock()
		}
	}
	wg.Add(2 + readers)
	go writer()
	for i := 0; i < readers/2; i++ {
		go reader()
	}
	go writer()
	for i := readers / 2; i < readers; i++ {
		go reader()
	}
	wg.Wait()
	if s := bad.Load(); s != nil {
		t.Fatal(s)
	}
}

// Go's TestRWMutex.
func TestRWMutex(t *testing.T) { forRWKinds(t, testRWMutex) }

func testRWMutex(t *testing.T, opts ...gosync.Option) {
	rw, err := gosync.NewRWMutex(opts...)
	must(t, err)
	rw.Lock()
	if rw.TryLock() {
		t.Fatal("TryLock succeeded with mutex locked")
	}
	if rw.TryRLock() {
		t.Fatal("TryRLock succeeded with mutex locked")
	}
	rw.Unlock()
	if !rw.TryLock() {
		t.Fatal("TryLock failed with mutex unlocked")
	}
	rw.Unlock()
	if !rw.TryRLock() {
		t.Fatal("TryRLock failed with mutex unlocked")
	}
	if !rw.TryRLock() {
		t.Fatal("TryRLock failed with mutex rlocked")
	}
	if rw.TryLock() {
		t.Fatal("TryLock succeeded with mutex rlocked")
	}
	rw.RUnlock()
	rw.RUnlock()
	rw.Close()

	n := 1000
	if testing.Short() {
		n = 50
	}
	hammerRWMutex(t, 1, 1, n, opts...)
	hammerRWMutex(t, 1, 3, n, opts...)
	hammerRWMutex(t, 1, 10, n, opts...)
	hammerRWMutex(t, 4, 1, n, opts...)
	hammerRWMutex(t, 4, 3, n, opts...)
	hammerRWMutex(t, 4, 10, n, opts...)
	if !testing.Short() {
		hammerRWMutex(t, 10, 1, n, opts...)
		hammerRWMutex(t, 10, 3, n, opts...)
		hammerRWMutex(t, 10, 10, n, opts...)
		hammerRWMutex(t, 10, 5, n, opts...)
	}
}

// Go's TestRLocker: RLocker's Lock and Unlock are RLock and RUnlock, and
// a writer waits for the readers that hold it.
func TestRLocker(t *testing.T) { forRWKinds(t, testRLocker) }

func testRLocker(t *testing.T, opts ...gosync.Option) {
	rw, err := gosync.NewRWMutex(opts...)
	must(t, err)
	defer rw.Close()
	rl := rw.RLocker()
	wlocked := make(chan bool, 1)
	rlocked := make(chan bool, 1)
	n := 10
	go func() {
		for i := 0; i < n; i++ {
			rl.Lock()
			rl.Lock()
			rlocked <- true
			rw.Lock()
			wlocked <- true
		}
	}()
	for i := 0; i < n; i++ {
		<-rlocked
		rl.Unlock()
		select {
		case <-wlocked:
			t.Fatal("RLocker() didn't read-lock it")
		default:
		}
		rl.Unlock()
		<-wlocked
		select {
		case <-rlocked:
			t.Fatal("RLocker() didn't respect the write lock")
		default:
		}
		rw.Unlock()
	}
}

// Writer preference: a writer that waits holds back new readers, so a
// stream of overlapping readers cannot starve it.
func TestRWMutexWriterNotStarved(t *testing.T) { forRWKinds(t, testRWMutexWriterNotStarved) }

func testRWMutexWriterNotStarved(t *testing.T, opts ...gosync.Option) {
	rw, err := gosync.NewRWMutex(opts...)
	must(t, err)
	defer rw.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rw.RLock()
				time.Sleep(2 * time.Millisecond)
				rw.RUnlock()
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	within(t, "a writer among readers", func() {
		rw.Lock()
		rw.Unlock()
	})
	close(stop)
	wg.Wait()
}

// Go lets a goroutine Lock a locked RWMutex and another goroutine Unlock
// it meanwhile. A waiting writer joins the kernel's queue after its
// patience; the kernel then sees one thread lock twice through one
// description (EDEADLK), which the package must not report: the second
// Lock waits for the Unlock, as in Go.
func TestRWMutexRelockUnlockedByAnother(t *testing.T) {
	forRWKinds(t, testRWMutexRelockUnlockedByAnother)
}

func testRWMutexRelockUnlockedByAnother(t *testing.T, opts ...gosync.Option) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rw, err := gosync.NewRWMutex(opts...)
	must(t, err)
	defer rw.Close()
	rw.Lock()
	unlocked := make(chan error, 1)
	go func() {
		// Unlock once the second Lock waits in the kernel's queue: past
		// its patience, its GOSYNC_IOC_WAIT watches rw, and State's
		// Waiters counts it (a poller is no waiter). Unlock all the
		// same if that is never seen, so that the Lock returns.
		err := eventually("the second Lock in the kernel's queue", func() (bool, error) {
			st, err := rw.State()
			return st.Waiters >= 1, err
		})
		rw.Unlock()
		unlocked <- err
	}()
	rw.Lock() // panics on an error
	must(t, <-unlocked)
	rw.Unlock()
}
