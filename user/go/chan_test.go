// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Chan and Select: what Go's runtime/chan_test.go checks of channels and
// select statements that applies to gosync's (see docs/go.md), and
// cross-process variants.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
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

func newChan(t testing.TB, capacity int, opts ...gosync.Option) *gosync.Chan {
	c, err := gosync.NewChan(capacity, opts...)
	must(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// From Go's TestChan, for capacities 0, 1 and 10: a receive from an empty
// Chan blocks; a non-blocking one does not; a send to a full Chan blocks,
// and a non-blocking one does not (also with a Send waiting); messages
// arrive in order; a closed Chan is drained, then says !ok every time, to
// Recv, Select and TrySelect, and a Send to it is ErrClosed (also as a
// SendCase's Selected.Err).
func TestChan(t *testing.T) {
	for _, capacity := range []int{0, 1, 10} {
		t.Run("cap="+strconv.Itoa(capacity), func(t *testing.T) {
			c := newChan(t, capacity)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			if _, _, err := c.RecvContext(ctx); err != context.DeadlineExceeded {
				t.Fatalf("Recv from an empty Chan: %v", err)
			}
			cancel()
			if _, err := gosync.TrySelect(c.RecvCase()); err != gosync.ErrWouldBlock {
				t.Fatalf("non-blocking Recv: %v", err)
			}
			for i := 0; i < capacity; i++ {
				must(t, c.Send([]byte{byte(i)}))
			}
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
			if err := c.SendContext(ctx, []byte("x")); err != context.DeadlineExceeded {
				t.Fatalf("Send to a full Chan: %v", err)
			}
			cancel()
			if n, closed, err := c.Len(); n != capacity || closed || err != nil {
				t.Fatalf("Len = %d, %v, %v", n, closed, err)
			}
			nonblockingSendToFull(t, c)
			// FIFO, with a sender and a receiver goroutine.
			const n = 100
			go func() {
				for i := capacity; i < n; i++ {
					c.Send([]byte{byte(i)})
				}
			}()
			for i := 0; i < n; i++ {
				m, ok, err := c.Recv()
				if err != nil || !ok || len(m) != 1 || m[0] != byte(i) {
					t.Fatalf("Recv %d = %v, %v, %v", i, m, ok, err)
				}
			}
			// Close: buffered messages stay, then !ok.
			if capacity > 0 {
				must(t, c.Send([]byte("last")))
			}
			must(t, c.CloseChan())
			if capacity > 0 {
				if m, ok, err := c.Recv(); string(m) != "last" || !ok || err != nil {
					t.Fatalf("Recv after close = %q, %v, %v", m, ok, err)
				}
			}
			for i := 0; i < 3; i++ {
				if m, ok, err := c.Recv(); m != nil || ok || err != nil {
					t.Fatalf("Recv %d from a closed, drained Chan = %q, %v, %v", i, m, ok, err)
				}
				for _, try := range []bool{false, true} {
					s, err := trySelect(try, c.RecvCase())
					if err != nil || s.Index != 0 || s.OK || s.Msg != nil || s.Err != nil {
						t.Fatalf("select %d (try %v) of a closed, drained Chan's RecvCase = %+v, %v",
							i, try, s, err)
					}
				}
			}
			if err := c.Send([]byte("x")); !errors.Is(err, gosync.ErrClosed) {
				t.Fatalf("Send to a closed Chan: %v", err)
			}
			for _, try := range []bool{false, true} {
				s, err := trySelect(try, c.SendCase([]byte("x")))
				if err != nil || s.Index != 0 || !errors.Is(s.Err, gosync.ErrClosed) {
					t.Fatalf("select (try %v) of a closed Chan's SendCase = %+v, %v; want its Err ErrClosed",
						try, s, err)
				}
			}
			if err := c.CloseChan(); !errors.Is(err, gosync.ErrClosed) {
				t.Fatalf("CloseChan of a closed Chan: %v", err)
			}
		})
	}
}

// trySelect is TrySelect(cases...) if try, else Select with no deadline.
func trySelect(try bool, cases ...gosync.Case) (gosync.Selected, error) {
	if try {
		return gosync.TrySelect(cases...)
	}
	return gosync.Select(context.Background(), cases...)
}

// nonblockingSendToFull is TestChan's check that a non-blocking send to c,
// full, does not block (TrySelect of a SendCase: ErrWouldBlock), also with
// a Send waiting (Go's goroutine blocked in c <- 0; unbuffered, it waits in
// the kernel's queue of senders, buffered in the runtime's poller); a Recv
// then takes c's first message, and the waiting Send completes.
func nonblockingSendToFull(t *testing.T, c *gosync.Chan) {
	t.Helper()
	try := func(what string) {
		t.Helper()
		if s, err := gosync.TrySelect(c.SendCase([]byte("x"))); err != gosync.ErrWouldBlock || s.Index != -1 {
			t.Fatalf("non-blocking Send to a full Chan%s = %+v, %v; want ErrWouldBlock", what, s, err)
		}
	}
	try("")
	sent := make(chan error, 1)
	go func() { sent <- c.Send([]byte("waiting")) }()
	if c.Cap() == 0 {
		waitSenders(t, c, 1)
	} else {
		waitInPoller(t, "gosync_test.nonblockingSendToFull")
	}
	try(", a Send waiting")
	select {
	case err := <-sent:
		t.Fatalf("Send to a full Chan returned: %v", err)
	default:
	}
	want := "waiting"
	if c.Cap() > 0 {
		want = "\x00" // c's first message
	}
	if m, ok, err := c.Recv(); string(m) != want || !ok || err != nil {
		t.Fatalf("Recv from the full Chan = %q, %v, %v; want %q", m, ok, err, want)
	}
	within(t, "the waiting Send", func() { must(t, <-sent) })
	if c.Cap() == 0 {
		return
	}
	// Buffered: the rest, then the waiting Send's; and c full again, as
	// it was.
	for i := 1; i < c.Cap(); i++ {
		if m, ok, err := c.Recv(); len(m) != 1 || m[0] != byte(i) || !ok || err != nil {
			t.Fatalf("Recv %d = %q, %v, %v", i, m, ok, err)
		}
	}
	if m, ok, err := c.Recv(); string(m) != "waiting" || !ok || err != nil {
		t.Fatalf("Recv = %q, %v, %v; want \"waiting\"", m, ok, err)
	}
	for i := 0; i < c.Cap(); i++ {
		must(t, c.Send([]byte{byte(i)}))
	}
}

// Close of the handle ends an unbuffered Send waiting in the kernel's
// queue for its receiver, with os.ErrClosed (not the Chan's ErrClosed:
// the Chan is open, and another handle's Recv takes no message from it).
func TestCloseEndsUnbufferedSend(t *testing.T) {
	c := newChan(t, 0)
	f, err := c.File()
	must(t, err)
	defer f.Close()
	c2, err := gosync.ChanFromFile(f)
	must(t, err)
	defer c2.Close()
	errc := make(chan error)
	go func() { errc <- c.Send([]byte("x")) }()
	waitSenders(t, c2, 1)
	must(t, c.Close())
	within(t, "the Send after Close", func() {
		if err := <-errc; !errors.Is(err, os.ErrClosed) || errors.Is(err, gosync.ErrClosed) {
			t.Errorf("Send ended by Close: %v, want os.ErrClosed", err)
		}
	})
	// The Send left the queue as its wait returned: nothing for a Recv.
	if st, err := c2.State(); err != nil || st.Waiters != 0 {
		t.Fatalf("after the Send was closed: %d senders queued (%v)", st.Waiters, err)
	}
}

// A Send waiting when the Chan closes fails with ErrClosed; a Recv
// waiting then sees it closed.
func TestChanCloseWakesWaiters(t *testing.T) {
	for _, capacity := range []int{0, 1} {
		c := newChan(t, capacity)
		if capacity == 1 {
			must(t, c.Send([]byte("fill")))
		}
		errc := make(chan error)
		go func() { errc <- c.Send([]byte("x")) }()
		if capacity == 0 {
			waitSenders(t, c, 1) // in the kernel's queue, for its receiver
		} else {
			waitInPoller(t, "gosync_test.TestChanCloseWakesWaiters")
		}
		must(t, c.CloseChan())
		select {
		case err := <-errc:
			if !errors.Is(err, gosync.ErrClosed) {
				t.Fatalf("cap %d: waiting Send: %v", capacity, err)
			}
		case <-time.After(hangLimit):
			t.Fatalf("cap %d: waiting Send not woken by close", capacity)
		}
	}
	c := newChan(t, 0)
	okc := make(chan bool)
	go func() {
		_, ok, _ := c.Recv()
		okc <- ok
	}()
	waitInPoller(t, "gosync_test.TestChanCloseWakesWaiters") // Recv waits there
	must(t, c.CloseChan())
	if ok := <-okc; ok {
		t.Fatal("Recv woken by close said ok")
	}
}

// Messages up to the maximum, and over it; a receiver's buffer grows to
// what arrives.
func TestChanMessageSizes(t *testing.T) {
	c := newChan(t, 4, gosync.MaxMessage(65536))
	for _, n := range []int{0, 1, 4096, 4097, 65536} {
		m := bytes.Repeat([]byte{'x'}, n)
		must(t, c.Send(m))
		got, ok, err := c.Recv()
		if err != nil || !ok || !bytes.Equal(got, m) {
			t.Fatalf("%d bytes: got %d, %v, %v", n, len(got), ok, err)
		}
	}
	small := newChan(t, 1, gosync.MaxMessage(8))
	if err := small.Send(make([]byte, 9)); !errors.Is(err, gosync.ErrTooLarge) {
		t.Fatalf("9 bytes to a Chan of 8: %v", err)
	}
}

// Go's TestSelfSelect: a select that both sends and receives on one
// unbuffered Chan never pairs with itself.
func TestSelfSelect(t *testing.T) {
	for _, capacity := range []int{0, 10} {
		c := newChan(t, capacity)
		var wg sync.WaitGroup
		wg.Add(2)
		n := 1000 // Go's, -short too
		if gosync.RaceBuild {
			n = 100
		}
		for p := 0; p < 2; p++ {
			p := p
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					cases := []gosync.Case{c.SendCase([]byte{byte(p)}), c.RecvCase()}
					if p != 0 && i%2 != 0 {
						cases[0], cases[1] = cases[1], cases[0]
					}
					s, err := gosync.Select(context.Background(), cases...)
					if err != nil {
						t.Error(err)
						return
					}
					if s.Msg != nil && capacity == 0 && s.Msg[0] == byte(p) {
						t.Error("self receive")
						return
					}
				}
			}()
		}
		within(t, "two self-selects", wg.Wait)
	}
}

// Go's TestSelectFairness: of two ready cases, each is chosen about half
// the time.
func TestSelectFairness(t *testing.T) {
	trials := 10000
	if testing.Short() {
		trials = 2000
	}
	c1 := newChan(t, trials+1)
	c2 := newChan(t, trials+1)
	for i := 0; i < trials+1; i++ {
		c1.Send([]byte{1})
		c2.Send([]byte{2})
	}
	c3, c4 := newChan(t, 0), newChan(t, 0)
	cnt1, cnt2 := 0, 0
	for i := 0; i < trials; i++ {
		s, err := gosync.Select(context.Background(), c3.RecvCase(), c4.RecvCase(),
			c1.RecvCase(), c2.RecvCase())
		must(t, err)
		switch s.Msg[0] {
		case 1:
			cnt1++
		case 2:
			cnt2++
		}
	}
	r := float64(cnt1) / float64(trials)
	e := math.Abs(r - 0.5)
	t.Log(cnt1, cnt2, r, e)
	if e > 4.891676/(2*math.Sqrt(float64(trials))) {
		t.Errorf("unfair select: in %d trials, results were %d, %d", trials, cnt1, cnt2)
	}
}

// Go's TestPseudoRandomSend: a select of two sends on one Chan, of 1 and
// of 0, picks each about as often, buffered or not (unbuffered, both wait
// in the Chan's queue, and the receiver takes the first queued).
func TestPseudoRandomSend(t *testing.T) {
	const n = 100
	for _, capacity := range []int{0, n} {
		c := newChan(t, capacity)
		got := make(chan []int)
		go func() {
			l := make([]int, n)
			for i := range l {
				m, ok, err := c.Recv()
				if err != nil || !ok {
					t.Error(err, ok)
					break
				}
				l[i] = int(m[0])
			}
			got <- l
		}()
		for i := 0; i < n; i++ {
			_, err := gosync.Select(context.Background(), c.SendCase([]byte{1}),
				c.SendCase([]byte{0}))
			must(t, err)
		}
		n1 := 0
		for _, v := range <-got {
			n1 += v
		}
		if n1 <= n/10 || n-n1 <= n/10 {
			t.Errorf("want pseudorandom, got %d zeros and %d ones (cap %d)", n-n1, n1, capacity)
		}
	}
}

// waitReceivers waits until n receive cases or Recvs wait in c's queue.
func waitReceivers(t *testing.T, c *gosync.Chan, n uint32) {
	t.Helper()
	waitChanState(t, c, n, "receivers", func(st gosync.State) uint32 { return st.Receivers })
}

// waitSenders waits until n send cases or unbuffered Sends wait in c's
// queue.
func waitSenders(t *testing.T, c *gosync.Chan, n uint32) {
	t.Helper()
	waitChanState(t, c, n, "senders", func(st gosync.State) uint32 { return st.Waiters })
}

// waitWaiters waits until n or more wait on o, a Mutex or WaitGroup, say
// (State's Waiters: a Select watching it counts).
func waitWaiters(t *testing.T, o stater, n uint32, what string) {
	t.Helper()
	waitChanState(t, o, n, what, func(st gosync.State) uint32 { return st.Waiters })
}

// A stater is an object with a State: a Chan, Mutex, WaitGroup...
type stater interface{ State() (gosync.State, error) }

// waitChanState polls c's State until count says n or more are queued
// (c: a Chan, or any stater).
func waitChanState(t *testing.T, c stater, n uint32, what string,
	count func(gosync.State) uint32) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		st, err := c.State()
		must(t, err)
		if count(st) >= n {
			return
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%d %s queued, want %d", count(st), what, n)
		}
	}
}

// Go's TestSelectDuplicateChannel: a select waiting twice on c (and on d)
// is woken by d and leaves both places in c's queue, so the next send on
// c finds the receiver queued after it (a one-case Select: Recv would wait
// in the runtime's poller, not in c's queue).
func TestSelectDuplicateChannel(t *testing.T) {
	c, d := newChan(t, 0), newChan(t, 0)
	done := make(chan error, 2)
	go func() {
		s, err := gosync.Select(context.Background(), c.RecvCase(), c.RecvCase(), d.RecvCase())
		if err == nil && s.Index != 2 {
			err = fmt.Errorf("select took case %d", s.Index)
		}
		done <- err
	}()
	waitReceivers(t, c, 2) // the select is queued on c first, twice
	go func() {
		s, err := gosync.Select(context.Background(), c.RecvCase())
		if err == nil && (len(s.Msg) != 1 || s.Msg[0] != 8) {
			err = fmt.Errorf("received %v", s.Msg)
		}
		done <- err
	}()
	waitReceivers(t, c, 3)
	must(t, d.Send([]byte{7}))
	must(t, <-done)
	within(t, "the send to the receiver queued after the select", func() {
		must(t, c.Send([]byte{8}))
		must(t, <-done)
	})
}

// Go's test/chan/doubleselect.go: a sender's select of four sends, of
// the same value on four unbuffered Chans, must complete exactly one of
// them, however the four receivers race for it (the bug it was written
// for ran two cases of one select). One goroutine Selects n values over
// c1..c4 and then closes them; a receiver per Chan records each value it
// gets; every value must arrive once, n in all. The receivers are plain
// Recvs (in the runtime's poller: each takes a send waiting in the
// kernel), and then one-case Selects (queued in the Chans' kernel queues,
// where the sender's Select finds them).
func TestDoubleSelect(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	for _, recvSelect := range []bool{false, true} {
		name := "recv"
		if recvSelect {
			name = "select"
		}
		t.Run(name, func(t *testing.T) {
			var cs [4]*gosync.Chan
			for i := range cs {
				cs[i] = newChan(t, 0)
			}
			seen := make([]int32, n)
			var wg sync.WaitGroup
			var total int64
			for _, c := range cs {
				c := c
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						var m []byte
						var ok bool
						var err error
						if recvSelect {
							var s gosync.Selected
							s, err = gosync.Select(context.Background(), c.RecvCase())
							m, ok = s.Msg, s.OK
						} else {
							m, ok, err = c.Recv()
						}
						if err != nil || !ok {
							if err != nil {
								t.Error(err)
							}
							return
						}
						v, err := strconv.Atoi(string(m))
						if err != nil || v < 0 || v >= n {
							t.Errorf("received %q", m)
							return
						}
						if atomic.AddInt32(&seen[v], 1) != 1 {
							t.Errorf("got duplicate value: %d", v)
						}
						atomic.AddInt64(&total, 1)
					}
				}()
			}
			sendErr := make(chan error, 1)
			go func() {
				defer func() {
					for _, c := range cs {
						c.CloseChan()
					}
				}()
				for i := 0; i < n; i++ {
					msg := []byte(strconv.Itoa(i))
					_, err := gosync.Select(context.Background(), cs[0].SendCase(msg),
						cs[1].SendCase(msg), cs[2].SendCase(msg), cs[3].SendCase(msg))
					if err != nil {
						sendErr <- fmt.Errorf("select %d: %w", i, err)
						return
					}
				}
				sendErr <- nil
			}()
			within(t, "the sender and the four receivers", func() {
				must(t, <-sendErr)
				wg.Wait()
			})
			for v, k := range seen {
				if k != 1 {
					t.Errorf("value %d received %d times", v, k)
				}
			}
			if total != int64(n) {
				t.Fatalf("received %d values, want %d", total, n)
			}
		})
	}
}

// Go's test/chan/select6.go (issue 2075: a select that failed on c1, last
// of several waiters in c1's queue, corrupted it, and later receivers on
// c1 never woke). A receiver waits on c1; a Select of a receive on c1 and
// one on c2 waits behind it; a send on c2 wins the Select, which leaves
// c1's queue (only the first receiver is left there) and then receives
// on c1 again; two sends on c1 must both complete, one to each receiver.
// Recv waits in the runtime's poller, not in c1's kernel queue, so the
// issue's order of queued waiters needs one-case Selects for the two
// receives on c1 (subtest "select"); "recv" does the same with plain Recvs.
func TestSelect6(t *testing.T) {
	for _, recvSelect := range []bool{false, true} {
		name := "recv"
		if recvSelect {
			name = "select"
		}
		t.Run(name, func(t *testing.T) {
			c1, c2 := newChan(t, 0), newChan(t, 0)
			recv := func() (string, error) {
				if recvSelect {
					s, err := gosync.Select(context.Background(), c1.RecvCase())
					return string(s.Msg), err
				}
				m, _, err := c1.Recv()
				return string(m), err
			}
			got := make(chan string, 2)
			errc := make(chan error, 4)
			go func() { // go func() { <-c1 }()
				m, err := recv()
				if err != nil {
					errc <- err
				}
				got <- m
			}()
			if recvSelect {
				waitReceivers(t, c1, 1) // in c1's kernel queue
			} else {
				waitPollers(t, "gosync_test.TestSelect6", 1)
			}
			c3, proceed := make(chan bool), make(chan bool)
			go func() {
				s, err := gosync.Select(context.Background(), c1.RecvCase(), c2.RecvCase())
				if err != nil || s.Index != 1 {
					errc <- fmt.Errorf("the select = %+v, %v; want its c2 case", s, err)
				}
				c3 <- true
				<-proceed
				m, err := recv() // <-c1
				if err != nil {
					errc <- err
				}
				got <- m
			}()
			// The select is queued on c1 behind the first receiver (a
			// plain Recv is not in the queue), and on c2.
			if recvSelect {
				waitReceivers(t, c1, 2)
			} else {
				waitReceivers(t, c1, 1)
			}
			waitReceivers(t, c2, 1)
			go func() { // go func() { c2 <- true }()
				if err := c2.Send([]byte("c2")); err != nil {
					errc <- err
				}
			}()
			within(t, "the select's c2 case", func() { <-c3 })
			// The select has left c1's queue: the first receiver is
			// all that is left there.
			want := uint32(0)
			if recvSelect {
				want = 1
			}
			st, err := c1.State()
			must(t, err)
			if st.Receivers != want {
				t.Errorf("after the select: %d receivers queued on c1, want %d", st.Receivers, want)
			}
			close(proceed)
			if recvSelect {
				waitReceivers(t, c1, 2) // the select's goroutine again
			} else {
				waitPollers(t, "gosync_test.TestSelect6", 2) // both Recvs
			}
			within(t, "two sends on c1", func() {
				must(t, c1.Send([]byte("1")))
				must(t, c1.Send([]byte("2")))
			})
			within(t, "both receivers", func() {
				a, b := <-got, <-got
				if a+b != "12" && a+b != "21" {
					t.Errorf("the receivers got %q and %q", a, b)
				}
			})
			select {
			case err := <-errc:
				t.Fatal(err)
			default:
			}
		})
	}
}

// Go's test/chan/nonblock.go: a non-blocking receive from an empty Chan
// does not block; a non-blocking send tried again and again reaches a
// receiver that waits, and a non-blocking receive a sender that waits (or
// its message, buffered). Unbuffered, the receiver is a one-case Select,
// which waits in the Chan's kernel queue: a non-blocking send does not
// pair with a Recv, which waits in the runtime's poller (docs/go.md, "A
// non-blocking send on an unbuffered Chan"), checked last.
func TestNonblock(t *testing.T) {
	for _, capacity := range []int{0, 1} {
		capacity := capacity
		t.Run("cap="+strconv.Itoa(capacity), func(t *testing.T) {
			c := newChan(t, capacity)
			if s, err := gosync.TrySelect(c.RecvCase()); err != gosync.ErrWouldBlock {
				t.Fatalf("non-blocking receive from an empty Chan = %+v, %v", s, err)
			}
			got := make(chan string, 1)
			go func() {
				var m []byte
				var err error
				if capacity == 0 {
					var s gosync.Selected
					s, err = gosync.Select(context.Background(), c.RecvCase())
					m = s.Msg
				} else {
					m, _, err = c.Recv()
				}
				if err != nil {
					t.Error(err)
				}
				got <- string(m)
			}()
			waitUntil(t, "a non-blocking send to the waiting receiver", func() (bool, error) {
				s, err := gosync.TrySelect(c.SendCase([]byte("123")))
				if err == gosync.ErrWouldBlock {
					return false, nil
				}
				if err == nil && (s.Index != 0 || s.Err != nil) {
					err = fmt.Errorf("TrySelect = %+v", s)
				}
				return true, err
			})
			within(t, "the receiver", func() {
				if m := <-got; m != "123" {
					t.Fatalf("the receiver got %q", m)
				}
			})
			sent := make(chan error, 1)
			go func() { sent <- c.Send([]byte("234")) }()
			if capacity > 0 {
				within(t, "the buffered Send", func() { must(t, <-sent) })
			}
			waitUntil(t, "a non-blocking receive from the waiting sender", func() (bool, error) {
				s, err := gosync.TrySelect(c.RecvCase())
				if err == gosync.ErrWouldBlock {
					return false, nil
				}
				if err == nil && (s.Index != 0 || !s.OK || string(s.Msg) != "234") {
					err = fmt.Errorf("TrySelect = %+v", s)
				}
				return true, err
			})
			if capacity == 0 {
				within(t, "the Send", func() { must(t, <-sent) })
			}
		})
	}
	t.Run("Recv", func(t *testing.T) {
		c := newChan(t, 0)
		got := make(chan string, 1)
		go func() {
			m, _, err := c.Recv()
			if err != nil {
				t.Error(err)
			}
			got <- string(m)
		}()
		waitInPoller(t, "gosync_test.TestNonblock")
		for i := 0; i < 10; i++ {
			if s, err := gosync.TrySelect(c.SendCase([]byte("x"))); err != gosync.ErrWouldBlock {
				t.Fatalf("non-blocking send to a Recv in the poller = %+v, %v; want ErrWouldBlock",
					s, err)
			}
			time.Sleep(time.Millisecond)
		}
		must(t, c.Send([]byte("y"))) // a blocking one reaches it
		within(t, "the Recv", func() {
			if m := <-got; m != "y" {
				t.Fatalf("Recv got %q", m)
			}
		})
	})
}

// Go's test/chan/select3.go, what applies (no nil Chans here): a select
// never blocks on a closed Chan's receive, which says !ok every time, also
// beside a case that would block; a send case on a closed Chan completes,
// with ErrClosed in its Selected.Err (Go panics); with or without a
// default (TrySelect, Select). An empty select blocks (Go's select {}),
// here until its ctx is done; an empty select with a default goes on to it
// at once (TrySelect(): ErrWouldBlock, which is its default).
func TestSelect3(t *testing.T) {
	closed, never := newChan(t, 0), newChan(t, 0) // never: no one on the other end
	must(t, closed.CloseChan())
	for i := 0; i < 3; i++ {
		for _, try := range []bool{false, true} {
			for _, cases := range [][]gosync.Case{
				{closed.RecvCase()},
				{never.SendCase([]byte("x")), closed.RecvCase()},
				{never.RecvCase(), closed.RecvCase()},
			} {
				s, err := trySelect(try, cases...)
				if err != nil || s.Index != len(cases)-1 || s.OK || s.Msg != nil || s.Err != nil {
					t.Fatalf("select %d (try %v) with a closed Chan's receive = %+v, %v",
						i, try, s, err)
				}
			}
			for _, cases := range [][]gosync.Case{
				{closed.SendCase([]byte("x"))},
				{never.RecvCase(), closed.SendCase([]byte("x"))},
			} {
				s, err := trySelect(try, cases...)
				if err != nil || s.Index != len(cases)-1 || !errors.Is(s.Err, gosync.ErrClosed) {
					t.Fatalf("select %d (try %v) with a closed Chan's send = %+v, %v; want its Err ErrClosed",
						i, try, s, err)
				}
			}
		}
	}
	if s, err := gosync.TrySelect(); err != gosync.ErrWouldBlock || s.Index != -1 {
		t.Fatalf("TrySelect() = %+v, %v; want ErrWouldBlock (its default)", s, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := gosync.Select(ctx); err != context.Canceled || s.Index != -1 {
		t.Fatalf("Select(done ctx) = %+v, %v; want context.Canceled", s, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := gosync.Select(ctx)
		res <- err
	}()
	time.Sleep(10 * time.Millisecond) // blocked, most likely; if not, still
	select {
	case err := <-res:
		t.Fatalf("Select() returned before its ctx was done: %v", err)
	default:
	}
	cancel()
	within(t, "Select() after its cancel", func() {
		if err := <-res; err != context.Canceled {
			t.Fatalf("Select() = %v, want context.Canceled", err)
		}
	})
}

// Go's test/chan/select7.go: a send and a receive on an unbuffered Chan
// meet, whatever their shapes: a plain Send or Recv, a one-case Select,
// or a two-case Select whose other case, on a Chan of its own, never
// comes. The receiver starts in a goroutine and the sender goes at once
// (Go yields once between them), so either may wait first: each of the
// 3 x 3 pairs, several rounds.
func TestSelect7(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	type recvFunc func(c, other *gosync.Chan) ([]byte, error)
	type sendFunc func(c, other *gosync.Chan, msg []byte) error
	recvs := []struct {
		name string
		f    recvFunc
	}{
		{"recv", func(c, _ *gosync.Chan) ([]byte, error) {
			m, _, err := c.Recv()
			return m, err
		}},
		{"select1", func(c, _ *gosync.Chan) ([]byte, error) {
			s, err := gosync.Select(context.Background(), c.RecvCase())
			return s.Msg, err
		}},
		{"select2", func(c, other *gosync.Chan) ([]byte, error) {
			s, err := gosync.Select(context.Background(), c.RecvCase(), other.RecvCase())
			if err == nil && s.Index != 0 {
				err = fmt.Errorf("received on the other Chan: %+v", s)
			}
			return s.Msg, err
		}},
	}
	sends := []struct {
		name string
		f    sendFunc
	}{
		{"send", func(c, _ *gosync.Chan, msg []byte) error { return c.Send(msg) }},
		{"select1", func(c, _ *gosync.Chan, msg []byte) error {
			_, err := gosync.Select(context.Background(), c.SendCase(msg))
			return err
		}},
		{"select2", func(c, other *gosync.Chan, msg []byte) error {
			s, err := gosync.Select(context.Background(), c.SendCase(msg), other.SendCase(msg))
			if err == nil && s.Index != 0 {
				err = fmt.Errorf("sent on the other Chan: %+v", s)
			}
			return err
		}},
	}
	for _, send := range sends {
		for _, recv := range recvs {
			send, recv := send, recv
			t.Run(send.name+"-"+recv.name, func(t *testing.T) {
				c := newChan(t, 0)
				sendOther, recvOther := newChan(t, 0), newChan(t, 0)
				for i := 0; i < rounds; i++ {
					msg := []byte(strconv.Itoa(i))
					got := make(chan error, 1)
					go func() {
						m, err := recv.f(c, recvOther)
						if err == nil && string(m) != string(msg) {
							err = fmt.Errorf("received %q, want %q", m, msg)
						}
						got <- err
					}()
					runtime.Gosched()
					within(t, "the send", func() { must(t, send.f(c, sendOther, msg)) })
					within(t, "the receive", func() { must(t, <-got) })
				}
			})
		}
	}
}

// waitPollers is waitInPoller (misc_test.go) for n goroutines: it waits
// until n or more that test started wait in the runtime's poller, in the
// package's wait ("IO wait" in gosync.(*handle).await).
func waitPollers(t *testing.T, test string, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d goroutines of %s in the poller", n, test), func() (bool, error) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		k := 0
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.HasPrefix(g, "goroutine ") && strings.Contains(g, " [IO wait") &&
				strings.Contains(g, "\ngosync.(*handle).await(") &&
				strings.Contains(g, "\n"+test+".func") {
				k++
			}
		}
		return k >= n, nil
	})
}

// Select over mixed types: a Mutex, a WaitGroup and a Chan; the first to
// be ready wins, the others are untouched. Its context ends it.
func TestSelectMixed(t *testing.T) {
	m, err := gosync.NewMutex()
	must(t, err)
	defer m.Close()
	wg, err := gosync.NewWaitGroup()
	must(t, err)
	defer wg.Close()
	c := newChan(t, 0)
	m.Lock()
	wg.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if _, err := gosync.Select(ctx, m.LockCase(), wg.WaitCase(), c.RecvCase()); err != context.DeadlineExceeded {
		t.Fatalf("Select with nothing ready: %v", err)
	}
	cancel()
	// The Done and the cancel come once the Select waits: it watches
	// the Mutex and the WaitGroup, and is queued on the Chan.
	type selected struct {
		s   gosync.Selected
		err error
	}
	res := make(chan selected, 1)
	go func() {
		s, err := gosync.Select(context.Background(), m.LockCase(), wg.WaitCase(), c.RecvCase())
		res <- selected{s, err}
	}()
	waitWaiters(t, m, 1, "waiters on the Mutex")
	waitWaiters(t, wg, 1, "waiters on the WaitGroup")
	waitReceivers(t, c, 1)
	must(t, wg.Done())
	if r := <-res; r.err != nil || r.s.Index != 1 {
		t.Fatalf("Select = %+v, %v; want the WaitGroup", r.s, r.err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		_, err := gosync.Select(ctx, m.LockCase(), c.RecvCase())
		res <- selected{err: err}
	}()
	waitWaiters(t, m, 1, "waiters on the Mutex")
	waitReceivers(t, c, 1)
	cancel()
	if r := <-res; r.err != context.Canceled {
		t.Fatalf("canceled Select: %v", r.err)
	}
	m.Unlock()
	s, err := gosync.Select(context.Background(), m.LockCase(), c.RecvCase())
	if err != nil || s.Index != 0 {
		t.Fatalf("Select = %+v, %v; want the Mutex", s, err)
	}
	m.Unlock()
}

// A Select with a zero Case fails (EINVAL) and keeps no reference to the
// handles of the cases before it: Close of one then closes its descriptor
// (the object's open file descriptions, INFO's Files, go down by one).
func TestSelectZeroCaseReleases(t *testing.T) {
	name := uniqueName(t)
	a, err := gosync.NewSemaphore(1, gosync.Named(name, 0600))
	must(t, err)
	defer gosync.Unlink(name)
	defer a.Close()
	b, err := gosync.OpenSemaphore(name)
	must(t, err)
	defer b.Close()
	files := func() uint32 {
		info, err := b.Info()
		must(t, err)
		return info.Files
	}
	if n := files(); n != 2 {
		t.Fatalf("%d open file descriptions, want 2", n)
	}
	for _, try := range []bool{false, true} {
		var err error
		if try {
			_, err = gosync.TrySelect(a.AcquireCase(1), gosync.Case{})
		} else {
			_, err = gosync.Select(context.Background(), a.AcquireCase(1), gosync.Case{})
		}
		if !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("Select with a zero Case (try %v): %v, want EINVAL", try, err)
		}
	}
	if !a.TryAcquire(1) {
		t.Fatal("a failed Select took a permit")
	}
	must(t, a.Release(1))
	must(t, a.Close())
	if n := files(); n != 1 {
		t.Fatalf("after Close, %d open file descriptions, want 1: a reference leaked", n)
	}
}

// A TypedChan carries JSON-encoded structs: Send and Recv, a RecvCase in a
// Select decoded with Value, a closed channel's ok false; a message that
// does not decode is an error (and received), a value that does not
// encode is never sent.
func TestTypedChan(t *testing.T) {
	type job struct {
		ID   int
		Name string
	}
	tc := gosync.NewTypedChan[job](newChan(t, 4), gosync.JSONCodec[job]{})
	must(t, tc.Send(job{1, "build"}))
	j, ok, err := tc.Recv()
	if err != nil || !ok || j != (job{1, "build"}) {
		t.Fatalf("Recv = %+v, %v, %v", j, ok, err)
	}
	sc, err := tc.SendCase(job{2, "test"})
	must(t, err)
	if s, err := gosync.Select(context.Background(), sc); err != nil || s.Index != 0 {
		t.Fatalf("Select(SendCase) = %+v, %v", s, err)
	}
	s, err := gosync.Select(context.Background(), tc.RecvCase())
	must(t, err)
	if j, err = tc.Value(s.Msg); err != nil || !s.OK || j != (job{2, "test"}) {
		t.Fatalf("Select(RecvCase) = %+v, %v; Value = %+v, %v", s, err, j, err)
	}
	must(t, tc.C.Send([]byte("not json")))
	if _, ok, err := tc.Recv(); err == nil || !ok {
		t.Fatalf("Recv of a bad message = %v, %v", ok, err)
	}
	if n, _, _ := tc.C.Len(); n != 0 {
		t.Fatalf("the bad message is still there: Len %d", n)
	}
	bad := gosync.NewTypedChan[any](tc.C, gosync.JSONCodec[any]{})
	if err := bad.Send(make(chan int)); err == nil {
		t.Fatal("Send of a value JSON cannot encode succeeded")
	}
	if _, err := bad.SendCase(func() {}); err == nil {
		t.Fatal("SendCase of a value JSON cannot encode succeeded")
	}
	must(t, tc.C.CloseChan())
	if _, ok, err := tc.Recv(); ok || err != nil {
		t.Fatalf("Recv of a closed TypedChan = %v, %v", ok, err)
	}
}

// Producers and consumers in separate processes over one Chan, buffered
// and unbuffered: every message arrives exactly once.
func TestChanCrossProcess(t *testing.T) {
	for _, capacity := range []int{0, 8} {
		t.Run("cap="+strconv.Itoa(capacity), func(t *testing.T) {
			c := newChan(t, capacity)
			f, err := c.File()
			must(t, err)
			defer f.Close()
			const producers, each = 3, 100
			var wg sync.WaitGroup
			for p := 0; p < producers; p++ {
				cmd := child(t, "chan-produce", []*os.File{f}, strconv.Itoa(p), strconv.Itoa(each))
				must(t, cmd.Start())
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := cmd.Wait(); err != nil {
						t.Error(err)
					}
				}()
			}
			go func() {
				wg.Wait()
				c.CloseChan()
			}()
			seen := map[string]bool{}
			within(t, "receiving", func() {
				for {
					m, ok, err := c.Recv()
					must(t, err)
					if !ok {
						return
					}
					if seen[string(m)] {
						t.Errorf("%q twice", m)
					}
					seen[string(m)] = true
				}
			})
			if len(seen) != producers*each {
				t.Fatalf("received %d of %d", len(seen), producers*each)
			}
		})
	}
}

func init() {
	children["chan-produce"] = func() int {
		c, err := gosync.ChanFromFile(childFile(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		a := childArgs()
		n, _ := strconv.Atoi(a[1])
		for i := 0; i < n; i++ {
			if err := c.Send([]byte(a[0] + "." + strconv.Itoa(i))); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	}
}
