// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"gosync"
)

// With a context already done, a call whose operation need not wait still
// does it (as x/sync's Acquire did before go.dev/issue/63615), and only one that would wait returns
// ctx.Err(); Select and Cond.WaitContext return ctx.Err() at once (the
// package doc, "Contexts").
func TestDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	want := func(what string, err, want error) {
		t.Helper()
		if err != want {
			t.Errorf("%s with a done context: %v, want %v", what, err, want)
		}
	}
	m, err := gosync.NewMutex()
	must(t, err)
	defer m.Close()
	want("LockContext of a free Mutex", m.LockContext(ctx), nil)
	want("LockContext of a held Mutex", m.LockContext(ctx), context.Canceled)
	c, err := gosync.NewCond(m)
	must(t, err)
	defer c.Close()
	want("Cond.WaitContext", c.WaitContext(ctx), context.Canceled)
	if m.TryLock() {
		t.Error("Cond.WaitContext with a done context left L unlocked")
	}
	m.Unlock()

	wg, err := gosync.NewWaitGroup()
	must(t, err)
	defer wg.Close()
	want("WaitGroup.WaitContext at zero", wg.WaitContext(ctx), nil)
	_, err = gosync.Select(ctx, wg.WaitCase())
	want("Select of a ready case", err, context.Canceled)

	s, err := gosync.NewSemaphore(1)
	must(t, err)
	defer s.Close()
	want("Acquire of a free permit", s.Acquire(ctx, 1), nil)
	want("Acquire of a taken permit", s.Acquire(ctx, 1), context.Canceled)
	want("Acquire of more than Size", s.Acquire(ctx, 2), context.Canceled)

	ch, err := gosync.NewChan(1)
	must(t, err)
	defer ch.Close()
	want("SendContext with room", ch.SendContext(ctx, []byte("x")), nil)
	want("SendContext without room", ch.SendContext(ctx, []byte("y")), context.Canceled)
	msg, ok, err := ch.RecvContext(ctx)
	want("RecvContext of a buffered message", err, nil)
	if !ok || string(msg) != "x" {
		t.Errorf("RecvContext with a done context: %q, %v; want \"x\", true", msg, ok)
	}
	_, _, err = ch.RecvContext(ctx)
	want("RecvContext of an empty Chan", err, context.Canceled)

	o, err := gosync.NewOnce()
	must(t, err)
	defer o.Close()
	ran := false
	want("Once.DoContext of a new Once", o.DoContext(ctx, func() { ran = true }), nil)
	if !ran {
		t.Error("Once.DoContext with a done context did not run f")
	}
}

// ErrOwnerDead is also a Once's whose runner died and a OnceValue's whose
// f failed: its text names no lock.
func TestErrOwnerDeadText(t *testing.T) {
	if s := gosync.ErrOwnerDead.Error(); strings.Contains(s, "lock") {
		t.Errorf("ErrOwnerDead says %q: a Once has no lock", s)
	}
}

// A wait whose ctx is cancelled before another's call would complete it
// (x/sync's go.dev/issue/63615, TestWeightedAcquireCanceled for the
// Semaphore): the cancellation reaches the waiter through another
// goroutine, so that call may complete the wait first. A LockContext or
// RLockContext must then give the lock back: it returns context.Canceled
// and the lock is free. A RecvContext must not lose the message: it returns
// it, or context.Canceled with the message left for the next Recv. The
// lock waits, each cancelled and then unlocked, as a poller or (a writer
// after 10 ms) in the kernel's queue; many rounds, to meet the race.
func TestContextCancelRace(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	// race runs rounds of: lock (the caller's), wait(ctx) in a goroutine
	// until it waits, cancel, unlock; the wait must say Canceled, and
	// free (a TryLock that it undoes) must then succeed.
	race := func(t *testing.T, o stater, lock, unlock func(), wait func(context.Context) error,
		free func() bool) {
		for i := 0; i < rounds; i++ {
			lock()
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { errc <- wait(ctx) }()
			waitBlocked(t, "gosync_test.TestContextCancelRace", o)
			cancel()
			unlock()
			var err error
			within(t, "the cancelled wait", func() { err = <-errc })
			if err != context.Canceled {
				t.Fatalf("round %d: a wait cancelled before the unlock: %v, want context.Canceled", i, err)
			}
			if !free() {
				t.Fatalf("round %d: the lock is held after the cancelled wait", i)
			}
		}
	}
	t.Run("Mutex", func(t *testing.T) {
		forMutexKinds(t, func(t *testing.T, opts ...gosync.Option) {
			m, err := gosync.NewMutex(opts...)
			must(t, err)
			defer m.Close()
			race(t, m, m.Lock, m.Unlock, m.LockContext, func() bool {
				ok := m.TryLock()
				if ok {
					m.Unlock()
				}
				return ok
			})
		})
	})
	t.Run("RWMutex", func(t *testing.T) {
		forRWKinds(t, func(t *testing.T, opts ...gosync.Option) {
			// A fresh RWMutex each: a failed round leaves it locked.
			newRW := func(t *testing.T) (*gosync.RWMutex, func() bool) {
				rw, err := gosync.NewRWMutex(opts...)
				must(t, err)
				t.Cleanup(func() { rw.Close() })
				return rw, func() bool {
					ok := rw.TryLock()
					if ok {
						rw.Unlock()
					}
					return ok
				}
			}
			t.Run("Lock", func(t *testing.T) {
				rw, free := newRW(t)
				race(t, rw, rw.RLock, rw.RUnlock, rw.LockContext, free)
			})
			t.Run("RLock", func(t *testing.T) {
				rw, free := newRW(t)
				race(t, rw, rw.Lock, rw.Unlock, rw.RLockContext, free)
			})
		})
	})
	t.Run("Chan", func(t *testing.T) {
		for _, capacity := range []int{0, 1} {
			c, err := gosync.NewChan(capacity)
			must(t, err)
			defer c.Close()
			got := 0 // rounds RecvContext returned the message
			for i := 0; i < rounds; i++ {
				ctx, cancel := context.WithCancel(context.Background())
				type recv struct {
					msg []byte
					err error
				}
				rc := make(chan recv, 1)
				go func() {
					m, _, err := c.RecvContext(ctx)
					rc <- recv{m, err}
				}()
				waitBlocked(t, "gosync_test.TestContextCancelRace", c)
				cancel()
				sent := make(chan error, 1)
				go func() { sent <- c.Send([]byte{byte(i)}) }()
				var r recv
				within(t, "the cancelled RecvContext", func() { r = <-rc })
				switch {
				case r.err == nil && len(r.msg) == 1 && r.msg[0] == byte(i):
					got++
				case r.err == context.Canceled:
					m, ok, err := c.Recv()
					if err != nil || !ok || len(m) != 1 || m[0] != byte(i) {
						t.Fatalf("cap %d round %d: Recv after a cancelled RecvContext = %v, %v, %v; want [%d]",
							capacity, i, m, ok, err, i)
					}
				default:
					t.Fatalf("cap %d round %d: RecvContext cancelled before the Send = %v, %v",
						capacity, i, r.msg, r.err)
				}
				within(t, "the Send", func() { must(t, <-sent) })
			}
			t.Logf("cap %d: %d of %d RecvContexts took the message sent after their cancel",
				capacity, got, rounds)
		}
	})
}

// waitBlocked waits until a goroutine that test started waits in the
// runtime's poller (waitInPoller), or something waits in o's kernel queue
// (an RWMutex writer joins it after 10 ms).
func waitBlocked(t *testing.T, test string, o stater) {
	t.Helper()
	waitUntil(t, "a goroutine of "+test+" waiting", func() (bool, error) {
		if st, err := o.State(); err != nil || st.Waiters > 0 {
			return err == nil, err
		}
		return inPoller(test), nil
	})
}

// inPoller reports whether a goroutine that test started waits in the
// runtime's poller, as waitInPoller (misc_test.go) looks for one.
func inPoller(test string) bool {
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	for ; n == len(buf); n = runtime.Stack(buf, true) {
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && strings.Contains(g, " [IO wait") &&
			strings.Contains(g, "\ngosync.(*handle).await(") &&
			strings.Contains(g, "\n"+test+".func") {
			return true
		}
	}
	return false
}
