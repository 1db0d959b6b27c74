// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Tests of Int64 and Uint64 (sync/atomic's types) on each kind of counter:
// mapped (the default, sync/atomic on the shared page), Unmapped (ioctls)
// and a mode that is not atomic (ioctls: only the atomic mode maps).

import (
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"gosync"
)

var counterKinds = []struct {
	name string
	opts []gosync.Option
}{
	{"mapped", nil},
	{"ioctl", []gosync.Option{gosync.Unmapped()}},
	{"spinlock", []gosync.Option{gosync.Mode(gosync.CounterSpinlock)}},
}

func forCounterKinds(t *testing.T, f func(t *testing.T, opts ...gosync.Option)) {
	for _, k := range counterKinds {
		k := k
		t.Run(k.name, func(t *testing.T) { f(t, k.opts...) })
	}
}

// Every op's result, as sync/atomic's: Add the new value, Swap, And and Or
// the old one, CompareAndSwap whether it swapped; Uint64 wraps.
func TestCounterOps(t *testing.T) { forCounterKinds(t, testCounterOps) }

func testCounterOps(t *testing.T, opts ...gosync.Option) {
	x, err := gosync.NewInt64(5, opts...)
	must(t, err)
	defer x.Close()
	check := func(what string, got, want int64, err error) {
		t.Helper()
		must(t, err)
		if got != want {
			t.Fatalf("%s = %d, want %d", what, got, want)
		}
	}
	v, err := x.Load()
	check("Load", v, 5, err)
	v, err = x.Add(-7)
	check("Add(-7)", v, -2, err)
	must(t, x.Store(12))
	v, err = x.Swap(10)
	check("Swap(10)", v, 12, err)
	ok, err := x.CompareAndSwap(11, 20)
	must(t, err)
	if ok {
		t.Fatal("CompareAndSwap(11, 20) swapped a 10")
	}
	ok, err = x.CompareAndSwap(10, 20)
	must(t, err)
	if !ok {
		t.Fatal("CompareAndSwap(10, 20) did not swap a 10")
	}
	v, err = x.And(0b10100)
	check("And", v, 20, err)
	v, err = x.Or(0b11)
	check("Or", v, 0b10100, err)
	v, err = x.Load()
	check("Load", v, 0b10111, err)
	must(t, x.Store(math.MaxInt64))
	v, err = x.Add(1)
	check("Add past MaxInt64", v, math.MinInt64, err)

	u, err := gosync.NewUint64(1, opts...)
	must(t, err)
	defer u.Close()
	w, err := u.Add(^uint64(1)) // subtract 2
	must(t, err)
	if w != math.MaxUint64 {
		t.Fatalf("Uint64 1 - 2 = %d, want %d", w, uint64(math.MaxUint64))
	}
	ok, err = u.CompareAndSwap(math.MaxUint64, 1<<63)
	must(t, err)
	if g, err := u.Load(); !ok || g != 1<<63 || err != nil {
		t.Fatalf("Uint64 CompareAndSwap: %v, then %d %v", ok, g, err)
	}
}

// Goroutines Add, CompareAndSwap-increment and Or through two handles to
// one counter (each its own mapping, or not): no update is lost.
func TestCounterHammer(t *testing.T) { forCounterKinds(t, testCounterHammer) }

func testCounterHammer(t *testing.T, opts ...gosync.Option) {
	name := fmt.Sprintf("gotest-%d-counter-hammer", os.Getpid())
	a, err := gosync.NewInt64(0, named(name, opts)...)
	must(t, err)
	defer gosync.Unlink(name)
	defer a.Close()
	b, err := gosync.OpenInt64(name)
	must(t, err)
	defer b.Close()
	loops := 2000
	if testing.Short() {
		loops = 300
	}
	var wg sync.WaitGroup
	for g, x := range []*gosync.Int64{a, b, a, b} {
		wg.Add(1)
		go func(g int, x *gosync.Int64) {
			defer wg.Done()
			for i := 0; i < loops; i++ {
				if g < 2 {
					if _, err := x.Add(2); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				for {
					v, err := x.Load()
					if err != nil {
						t.Error(err)
						return
					}
					if ok, err := x.CompareAndSwap(v, v+2); err != nil || ok {
						if err != nil {
							t.Error(err)
							return
						}
						break
					}
				}
				if _, err := x.Or(1); err != nil { // the low bit: set once, kept
					t.Error(err)
					return
				}
			}
		}(g, x)
	}
	wg.Wait()
	v, err := a.Load()
	must(t, err)
	if want := int64(4*2*loops + 1); v != want {
		t.Fatalf("counter = %d, want %d: updates lost", v, want)
	}
}

// A mapped counter's ops never reach the kernel: its statistics do not
// move (an Unmapped one's count each op).
func TestCounterFastPath(t *testing.T) {
	const n = 100
	for _, k := range counterKinds[:2] {
		x, err := gosync.NewInt64(0, k.opts...)
		must(t, err)
		defer x.Close()
		before, err := x.Info()
		must(t, err)
		for i := 0; i < n; i++ {
			_, err = x.Add(1)
			must(t, err)
			_, err = x.Load()
			must(t, err)
			must(t, x.Store(int64(i)))
			_, err = x.Swap(0)
			must(t, err)
			_, err = x.CompareAndSwap(0, 1)
			must(t, err)
			_, err = x.Or(2)
			must(t, err)
		}
		after, err := x.Info()
		must(t, err)
		var got [8]uint64
		for i := range got {
			got[i] = after.Stats[i] - before.Stats[i]
		}
		// enum gosync_counter_stat: ADD LOAD STORE SWAP CAS CAS_FAILED RESET AND_OR
		want := [8]uint64{n, n, n, n, n, 0, 0, n}
		if k.opts == nil {
			want = [8]uint64{}
		}
		if got != want {
			t.Errorf("%s: the kernel counted %v, want %v", k.name, got, want)
		}
	}
}
