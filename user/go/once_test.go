// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/once_test.go and oncefunc_test.go (OnceValue),
// with cross-process variants.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"gosync"
)

// Go's TestOnce: 10 goroutines call Do; f runs once, and every Do returns
// after it has.
func TestOnce(t *testing.T) { forMappedKinds(t, testOnce) }

func testOnce(t *testing.T, opts ...gosync.Option) {
	once, err := gosync.NewOnce(opts...)
	must(t, err)
	defer once.Close()
	var o int32
	c := make(chan bool)
	const n = 10
	for i := 0; i < n; i++ {
		go func() {
			once.Do(func() { atomic.AddInt32(&o, 1) })
			if v := atomic.LoadInt32(&o); v != 1 {
				t.Errorf("once failed inside run: %d is not 1", v)
			}
			c <- true
		}()
	}
	for i := 0; i < n; i++ {
		<-c
	}
	if o != 1 {
		t.Errorf("once failed outside run: %d is not 1", o)
	}
}

// Go's TestOncePanic: a panicking f counts as returned; the next Do does
// not call its f.
func TestOncePanic(t *testing.T) { forMappedKinds(t, testOncePanic) }

func testOncePanic(t *testing.T, opts ...gosync.Option) {
	once, err := gosync.NewOnce(opts...)
	must(t, err)
	defer once.Close()
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("Once.Do did not panic")
			}
		}()
		once.Do(func() { panic("failed") })
	}()
	must(t, once.Do(func() { t.Fatal("Once.Do called twice") }))
}

// Go's TestOnceFuncGoexit (oncefunc_test.go), for Once.Do: f calls
// runtime.Goexit in the first caller's goroutine. Go leaves the outcome
// unspecified but for f's not being called twice; here the runner's
// deferred fail completes the Once as for a panic (run): it is done, not
// abandoned, and the next Do returns nil without calling f, also with
// Retry (which only a runner that dies, not one whose f exits, retries).
// A OnceValue has no value to give: its runner fails it (GOSYNC_ONCE_F_FAILED),
// so the other callers get ErrOwnerDead and f is not called again; with
// Retry the next caller runs f instead and every caller gets its value.
func TestOnceGoexit(t *testing.T) { forMappedKinds(t, testOnceGoexit) }

func testOnceGoexit(t *testing.T, opts ...gosync.Option) {
	// goexit runs do in a goroutine of its own, as Go's test calls f, and
	// waits for it to end: do returned (true), or Goexit unwound it.
	goexit := func(do func()) (returned bool) {
		done := make(chan bool)
		go func() {
			ret := false
			defer func() { done <- ret }()
			defer func() { recover() }()
			do()
			ret = true
		}()
		select {
		case returned = <-done:
		case <-time.After(hangLimit):
			t.Fatalf("a Do hung (not done after %v)", hangLimit)
		}
		return returned
	}
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprintf("retry=%v", retry), func(t *testing.T) {
			oopts := opts
			if retry {
				oopts = append(append([]gosync.Option(nil), opts...), gosync.Retry())
			}
			once, err := gosync.NewOnce(oopts...)
			must(t, err)
			defer once.Close()
			var calls int32
			f := func() {
				atomic.AddInt32(&calls, 1)
				runtime.Goexit()
			}
			if goexit(func() { once.Do(f) }) {
				t.Fatal("Once.Do returned though f called Goexit")
			}
			var err2 error
			if !goexit(func() { err2 = once.Do(f) }) {
				t.Fatal("the second Do did not return (it called f, which exited)")
			}
			if err2 != nil {
				t.Errorf("the second Do = %v, want nil (done, not abandoned)", err2)
			}
			if n := atomic.LoadInt32(&calls); n != 1 {
				t.Errorf("want calls==1, got %d", n)
			}
			if done, err := once.Done(); !done || err != nil {
				t.Errorf("Done = %v, %v; want true", done, err)
			}

			ov, err := gosync.NewOnceValue(64, oopts...)
			must(t, err)
			defer ov.Close()
			var vcalls int32
			value := gosync.OnceValue[int64](ov, gosync.Int64Codec{}, func() int64 {
				if atomic.AddInt32(&vcalls, 1) == 1 {
					runtime.Goexit()
				}
				return 42
			})
			if goexit(func() { value() }) {
				t.Fatal("OnceValue returned though f called Goexit")
			}
			var v int64
			if !goexit(func() { v, err2 = value() }) {
				t.Fatal("the second OnceValue call did not return")
			}
			if retry {
				if v != 42 || err2 != nil || atomic.LoadInt32(&vcalls) != 2 {
					t.Errorf("Retry: OnceValue = %d, %v after %d calls of f; want 42, nil after 2",
						v, err2, vcalls)
				}
			} else if !errors.Is(err2, gosync.ErrOwnerDead) || atomic.LoadInt32(&vcalls) != 1 {
				t.Errorf("OnceValue = %d, %v after %d calls of f; want ErrOwnerDead after 1",
					v, err2, vcalls)
			}
			if done, err := ov.Done(); !done || err != nil {
				t.Errorf("OnceValue: Done = %v, %v; want true", done, err)
			}
		})
	}
}

// Go's TestOnceFuncPanicNil (oncefunc_test.go), for Once.Do: f panics
// with nil. Go 1.21 recovers a *runtime.PanicNilError; this package builds
// with Go 1.19, where recover() gives nil, so a flag set after Do tells
// that the panic went on. As for any panic (TestOncePanic), the Once is
// done: the next Do returns nil without calling f. A OnceValue whose f
// panics with nil is failed, as by any panic (TestOnceValuePanic): the
// other callers get ErrOwnerDead, never a zero value with a nil error.
func TestOncePanicNil(t *testing.T) { forMappedKinds(t, testOncePanicNil) }

func testOncePanicNil(t *testing.T, opts ...gosync.Option) {
	// panics calls do and reports whether it panicked (with nil, or
	// Go 1.21's PanicNilError; any other value fails the test).
	panics := func(label string, do func()) bool {
		returned := false
		func() {
			defer func() {
				switch r := recover(); {
				case r == nil, fmt.Sprintf("%T", r) == "*runtime.PanicNilError":
				default:
					t.Fatalf("%s: want a nil panic, got %v", label, r)
				}
			}()
			do()
			returned = true
		}()
		return !returned
	}
	once, err := gosync.NewOnce(opts...)
	must(t, err)
	defer once.Close()
	calls := 0
	f := func() {
		calls++
		panic(nil)
	}
	if !panics("first Do", func() { once.Do(f) }) {
		t.Fatal("first Do: f panicked with nil, and Do returned")
	}
	if done, err := once.Done(); !done || err != nil {
		t.Fatalf("after f panicked: Done = %v, %v; want true", done, err)
	}
	var err2 error
	if panics("second Do", func() { err2 = once.Do(f) }) {
		t.Fatal("second Do called f again")
	}
	if err2 != nil {
		t.Errorf("second Do = %v, want nil (a panicking f counts as returned)", err2)
	}
	if calls != 1 {
		t.Errorf("want calls==1, got %d", calls)
	}

	ov, err := gosync.NewOnceValue(64, opts...)
	must(t, err)
	defer ov.Close()
	vcalls := 0
	value := gosync.OnceValue[string](ov, gosync.StringCodec{}, func() string {
		vcalls++
		panic(nil)
	})
	if !panics("first OnceValue", func() { value() }) {
		t.Fatal("first OnceValue: f panicked with nil, and the call returned")
	}
	for i := 0; i < 2; i++ {
		var v string
		if panics("OnceValue again", func() { v, err2 = value() }) {
			t.Fatal("OnceValue called f again")
		}
		if !errors.Is(err2, gosync.ErrOwnerDead) {
			t.Fatalf("OnceValue after f panicked with nil: %q, %v; want ErrOwnerDead", v, err2)
		}
	}
	if vcalls != 1 {
		t.Errorf("OnceValue: want calls==1, got %d", vcalls)
	}
}

// Go 1.21's OnceValue (oncefunc_test.go's TestOnceValue): one call of f,
// every caller its value.
func TestOnceValue(t *testing.T) { forMappedKinds(t, testOnceValue) }

func testOnceValue(t *testing.T, opts ...gosync.Option) {
	o, err := gosync.NewOnceValue(64, opts...)
	must(t, err)
	defer o.Close()
	calls := 0
	f := gosync.OnceValue[int64](o, gosync.Int64Codec{}, func() int64 {
		calls++
		return int64(calls)
	})
	for i := 0; i < 3; i++ {
		v, err := f()
		must(t, err)
		if v != 1 {
			t.Fatalf("OnceValue returned %d, want 1", v)
		}
	}
	if calls != 1 {
		t.Fatalf("f called %d times", calls)
	}
	// A Once without a value refuses DoValue.
	plain, err := gosync.NewOnce(opts...)
	must(t, err)
	defer plain.Close()
	if _, err := plain.DoValue(context.Background(), func() []byte { return nil }); !errors.Is(err, gosync.ErrWrongType) {
		t.Fatalf("DoValue on a plain Once: %v", err)
	}
}

// Go 1.21's OnceValue panics in every caller if f panics (oncefunc_test.go's
// TestOnceValuePanic): here the panic goes on in the runner, and every
// other caller gets ErrOwnerDead, never a zero value with a nil error; f
// is not called again. The same for a value too long for the Once.
func TestOnceValuePanic(t *testing.T) { forMappedKinds(t, testOnceValuePanic) }

func testOnceValuePanic(t *testing.T, opts ...gosync.Option) {
	o, err := gosync.NewOnceValue(64, opts...)
	must(t, err)
	defer o.Close()
	calls := 0
	f := gosync.OnceValue[string](o, gosync.StringCodec{}, func() string {
		calls++
		panic("x")
	})
	func() {
		defer func() {
			if r := recover(); r != "x" {
				t.Fatalf("the runner's panic: %v", r)
			}
		}()
		f()
	}()
	for i := 0; i < 2; i++ {
		if v, err := f(); !errors.Is(err, gosync.ErrOwnerDead) {
			t.Fatalf("OnceValue after f panicked: %q, %v; want ErrOwnerDead", v, err)
		}
	}
	if calls != 1 {
		t.Fatalf("f called %d times", calls)
	}

	long, err := gosync.NewOnceValue(4, opts...)
	must(t, err)
	defer long.Close()
	if _, err := long.DoValue(context.Background(), func() []byte {
		return []byte("too long")
	}); !errors.Is(err, gosync.ErrTooLarge) {
		t.Fatalf("DoValue of a value past maxLen: %v, want ErrTooLarge", err)
	}
	if v, err := long.DoValue(context.Background(), func() []byte {
		t.Fatal("f called again")
		return nil
	}); !errors.Is(err, gosync.ErrOwnerDead) {
		t.Fatalf("DoValue after a value past maxLen: %q, %v; want ErrOwnerDead", v, err)
	}
}

// Cross-process: 4 processes race to initialize; one runs f, all see
// its value.
func TestOnceCrossProcess(t *testing.T) { forMappedKinds(t, testOnceCrossProcess) }

func testOnceCrossProcess(t *testing.T, opts ...gosync.Option) {
	name := uniqueName(t)
	o, err := gosync.NewOnceValue(64, named(name, opts)...)
	must(t, err)
	defer gosync.Unlink(name)
	defer o.Close()
	c, err := gosync.NewInt64(0, gosync.Named(name+".n", 0600))
	must(t, err)
	defer gosync.Unlink(name + ".n")
	defer c.Close()
	const procs = 4
	outs := make([][]byte, procs)
	errs := make(chan error, procs)
	for i := 0; i < procs; i++ {
		i := i
		go func() {
			out, err := child(t, "once-init", nil, name, strconv.Itoa(i)).Output()
			outs[i] = out
			errs <- err
		}()
	}
	for i := 0; i < procs; i++ {
		must(t, <-errs)
	}
	if v, _ := c.Load(); v != 1 {
		t.Fatalf("f ran %d times across processes", v)
	}
	for i := 1; i < procs; i++ {
		if string(outs[i]) != string(outs[0]) {
			t.Fatalf("process %d saw %q, process 0 %q", i, outs[i], outs[0])
		}
	}
}

// A runner that dies mid-f: the Once is done (abandoned) and Do says
// ErrOwnerDead; with Retry, the next caller runs f.
func TestOnceRunnerDies(t *testing.T) { forMappedKinds(t, testOnceRunnerDies) }

func testOnceRunnerDies(t *testing.T, opts ...gosync.Option) {
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprintf("retry=%v", retry), func(t *testing.T) {
			name := uniqueName(t)
			oopts := named(name, opts)
			if retry {
				oopts = append(oopts, gosync.Retry())
			}
			o, err := gosync.NewOnce(oopts...)
			must(t, err)
			defer gosync.Unlink(name)
			defer o.Close()
			must(t, child(t, "once-die", nil, name).Run())
			ran := false
			err = o.Do(func() { ran = true })
			if retry {
				if err != nil || !ran {
					t.Fatalf("Retry: Do = %v, ran %v; want nil, true", err, ran)
				}
			} else if !errors.Is(err, gosync.ErrOwnerDead) || ran {
				t.Fatalf("Do = %v, ran %v; want ErrOwnerDead, false", err, ran)
			}
			// And again, done (mapped: from the word, abandoned without Retry).
			ran = false
			err = o.Do(func() { ran = true })
			if retry && err != nil || !retry && !errors.Is(err, gosync.ErrOwnerDead) || ran {
				t.Fatalf("Do again = %v, ran %v", err, ran)
			}
		})
	}
}

// A caller waiting while another runs f waits in the poller, and its
// context ends its wait.
func TestOnceWaitContext(t *testing.T) { forMappedKinds(t, testOnceWaitContext) }

func testOnceWaitContext(t *testing.T, opts ...gosync.Option) {
	o, err := gosync.NewOnce(opts...)
	must(t, err)
	defer o.Close()
	started, release := make(chan bool), make(chan bool)
	go o.Do(func() { started <- true; <-release })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := o.DoContext(ctx, func() { t.Error("ran twice") }); err != context.DeadlineExceeded {
		t.Fatalf("DoContext = %v, want DeadlineExceeded", err)
	}
	close(release)
	within(t, "Do after f returned", func() {
		must(t, o.Do(func() { t.Error("ran twice") }))
	})
	if done, err := o.Done(); !done || err != nil {
		t.Fatalf("Done = %v, %v", done, err)
	}
}

func init() {
	children["once-init"] = func() int {
		a := childArgs()
		o, err := gosync.OpenOnce(a[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c, err := gosync.OpenInt64(a[0] + ".n")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		f := gosync.OnceValue[string](o, gosync.StringCodec{}, func() string {
			c.Add(1)
			time.Sleep(50 * time.Millisecond)
			return "initialized by process " + a[1]
		})
		v, err := f()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Print(v)
		return 0
	}
	children["once-die"] = func() int {
		o, err := gosync.OpenOnce(childArgs()[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		o.Do(func() { os.Exit(0) })
		return 1
	}
}

// A mapped Once's Dos after it is done never reach the kernel: its
// statistics do not move (an Unmapped one counts each Do).
func TestOnceFastPath(t *testing.T) {
	const n = 100
	for _, k := range mutexKinds {
		o, err := gosync.NewOnce(k.opts...)
		must(t, err)
		defer o.Close()
		runs := 0
		must(t, o.Do(func() { runs++ }))
		before, err := o.Info()
		must(t, err)
		for i := 0; i < n; i++ {
			must(t, o.Do(func() { runs++ }))
			if done, err := o.Done(); !done || err != nil {
				t.Fatalf("%s: Done = %v, %v", k.name, done, err)
			}
		}
		after, err := o.Info()
		must(t, err)
		if runs != 1 {
			t.Fatalf("%s: f ran %d times", k.name, runs)
		}
		// enum gosync_once_stat: DOS, RUNS, COMPLETES
		got := [3]uint64{after.Stats[0] - before.Stats[0], after.Stats[1] - before.Stats[1],
			after.Stats[2] - before.Stats[2]}
		want := [3]uint64{}
		if k.opts != nil {
			want[0] = n
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v Dos, runs and completes; want %v", k.name, got, want)
		}
	}
}
