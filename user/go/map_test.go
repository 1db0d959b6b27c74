// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Ports of Go's src/sync/map_test.go, including the model-based
// TestMapMatchesRWMutex and TestMapMatchesDeepCopy, run on every backend,
// with reference maps of our own (map_reference_test.go's roles), and a
// cross-process variant.

import (
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/quick"

	"gosync"
)

var backends = []struct {
	name string
	b    gosync.MapBackend
}{{"spin", gosync.MapSpin}, {"rwsem", gosync.MapRWSem}, {"rcu", gosync.MapRCU}}

// mapInterface is what the model tests drive: sync.Map's methods over
// string keys and values, with gosync's errors.
type mapInterface interface {
	Load(k string) (string, bool)
	Store(k, v string)
	LoadOrStore(k, v string) (string, bool)
	LoadAndDelete(k string) (string, bool)
	Delete(k string)
	Swap(k, v string) (string, bool)
	CompareAndSwap(k, old, new string) bool
	CompareAndDelete(k, old string) bool
	Range(f func(k, v string) bool)
	Clear()
}

// gosyncMap adapts a gosync.Map, failing the test on any error.
type gosyncMap struct {
	t testing.TB
	m *gosync.Map
}

func (g gosyncMap) check(err error) {
	if err != nil {
		g.t.Fatal(err)
	}
}

func (g gosyncMap) Load(k string) (string, bool) {
	v, ok, err := g.m.Load(k)
	g.check(err)
	return string(v), ok
}
func (g gosyncMap) Store(k, v string) { g.check(g.m.Store(k, []byte(v))) }
func (g gosyncMap) LoadOrStore(k, v string) (string, bool) {
	a, ok, err := g.m.LoadOrStore(k, []byte(v))
	g.check(err)
	return string(a), ok
}
func (g gosyncMap) LoadAndDelete(k string) (string, bool) {
	v, ok, err := g.m.LoadAndDelete(k)
	g.check(err)
	return string(v), ok
}
func (g gosyncMap) Delete(k string) { g.check(g.m.Delete(k)) }
func (g gosyncMap) Swap(k, v string) (string, bool) {
	p, ok, err := g.m.Swap(k, []byte(v))
	g.check(err)
	return string(p), ok
}
func (g gosyncMap) CompareAndSwap(k, old, new string) bool {
	ok, err := g.m.CompareAndSwap(k, []byte(old), []byte(new))
	g.check(err)
	return ok
}
func (g gosyncMap) CompareAndDelete(k, old string) bool {
	ok, err := g.m.CompareAndDelete(k, []byte(old))
	g.check(err)
	return ok
}
func (g gosyncMap) Range(f func(k, v string) bool) {
	g.check(g.m.Range(func(k string, v []byte) bool { return f(k, string(v)) }))
}
func (g gosyncMap) Clear() { g.check(g.m.Clear()) }

// rwMutexMap is the reference: a Go map under a sync.RWMutex.
type rwMutexMap struct {
	mu sync.RWMutex
	m  map[string]string
}

func (r *rwMutexMap) Load(k string) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.m[k]
	return v, ok
}
func (r *rwMutexMap) Store(k, v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[k] = v
}
func (r *rwMutexMap) LoadOrStore(k, v string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.m[k]; ok {
		return a, true
	}
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[k] = v
	return v, false
}
func (r *rwMutexMap) LoadAndDelete(k string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[k]
	delete(r.m, k)
	return v, ok
}
func (r *rwMutexMap) Delete(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, k)
}
func (r *rwMutexMap) Swap(k, v string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.m[k]
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[k] = v
	return p, ok
}
func (r *rwMutexMap) CompareAndSwap(k, old, new string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.m[k]; !ok || v != old {
		return false
	}
	r.m[k] = new
	return true
}
func (r *rwMutexMap) CompareAndDelete(k, old string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.m[k]; !ok || v != old {
		return false
	}
	delete(r.m, k)
	return true
}
func (r *rwMutexMap) Range(f func(k, v string) bool) {
	r.mu.RLock()
	keys := make([]string, 0, len(r.m))
	for k := range r.m {
		keys = append(keys, k)
	}
	r.mu.RUnlock()
	for _, k := range keys {
		if v, ok := r.Load(k); ok && !f(k, v) {
			break
		}
	}
}
func (r *rwMutexMap) Clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m = nil
}

// deepCopyMap is the other reference: readers load an immutable map
// atomically; writers copy it under a mutex.
type deepCopyMap struct {
	mu    sync.Mutex
	clean atomic.Value // map[string]string
}

func (d *deepCopyMap) read() map[string]string {
	m, _ := d.clean.Load().(map[string]string)
	return m
}

// update copies the map, lets f change the copy, and publishes it.
func (d *deepCopyMap) update(f func(m map[string]string)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := make(map[string]string, len(d.read())+1)
	for k, v := range d.read() {
		m[k] = v
	}
	f(m)
	d.clean.Store(m)
}

func (d *deepCopyMap) Load(k string) (string, bool) { v, ok := d.read()[k]; return v, ok }
func (d *deepCopyMap) Store(k, v string)            { d.update(func(m map[string]string) { m[k] = v }) }
func (d *deepCopyMap) LoadOrStore(k, v string) (a string, loaded bool) {
	d.update(func(m map[string]string) {
		if a, loaded = m[k]; !loaded {
			m[k], a = v, v
		}
	})
	return
}
func (d *deepCopyMap) LoadAndDelete(k string) (v string, ok bool) {
	d.update(func(m map[string]string) { v, ok = m[k]; delete(m, k) })
	return
}
func (d *deepCopyMap) Delete(k string) { d.update(func(m map[string]string) { delete(m, k) }) }
func (d *deepCopyMap) Swap(k, v string) (p string, ok bool) {
	d.update(func(m map[string]string) { p, ok = m[k]; m[k] = v })
	return
}
func (d *deepCopyMap) CompareAndSwap(k, old, new string) (ok bool) {
	d.update(func(m map[string]string) {
		if v, present := m[k]; present && v == old {
			m[k], ok = new, true
		}
	})
	return
}
func (d *deepCopyMap) CompareAndDelete(k, old string) (ok bool) {
	d.update(func(m map[string]string) {
		if v, present := m[k]; present && v == old {
			delete(m, k)
			ok = true
		}
	})
	return
}
func (d *deepCopyMap) Range(f func(k, v string) bool) {
	for k, v := range d.read() {
		if !f(k, v) {
			break
		}
	}
}
func (d *deepCopyMap) Clear() {
	d.update(func(m map[string]string) {
		for k := range m {
			delete(m, k)
		}
	})
}

// mapCall is a quick.Generator of calls, as Go's: an op, a key, a value.
// Keys have 1 to 3 letters (gosync keys are never empty); values 0 to 3.
type mapCall struct {
	op   string
	k, v string
}

var mapOps = []string{"Load", "Store", "LoadOrStore", "LoadAndDelete", "Delete", "Swap",
	"CompareAndSwap", "CompareAndDelete", "Clear"}

func randString(r *rand.Rand, min int) string {
	b := make([]byte, min+r.Intn(4-min))
	for i := range b {
		b[i] = 'a' + byte(r.Intn(4))
	}
	return string(b)
}

func (mapCall) Generate(r *rand.Rand, size int) reflect.Value {
	return reflect.ValueOf(mapCall{op: mapOps[r.Intn(len(mapOps))], k: randString(r, 1),
		v: randString(r, 0)})
}

type mapResult struct {
	v  string
	ok bool
}

func (c mapCall) apply(m mapInterface) mapResult {
	switch c.op {
	case "Load":
		v, ok := m.Load(c.k)
		return mapResult{v, ok}
	case "Store":
		m.Store(c.k, c.v)
	case "LoadOrStore":
		v, ok := m.LoadOrStore(c.k, c.v)
		return mapResult{v, ok}
	case "LoadAndDelete":
		v, ok := m.LoadAndDelete(c.k)
		return mapResult{v, ok}
	case "Delete":
		m.Delete(c.k)
	case "Swap":
		v, ok := m.Swap(c.k, c.v)
		return mapResult{v, ok}
	case "CompareAndSwap":
		if m.CompareAndSwap(c.k, c.v, "swapped") {
			return mapResult{"swapped", true}
		}
	case "CompareAndDelete":
		if m.CompareAndDelete(c.k, c.v) {
			_, ok := m.Load(c.k)
			return mapResult{"", !ok}
		}
	case "Clear":
		m.Clear()
	}
	return mapResult{}
}

func applyCalls(m mapInterface, calls []mapCall) ([]mapResult, map[string]string) {
	var results []mapResult
	for _, c := range calls {
		results = append(results, c.apply(m))
	}
	final := map[string]string{}
	m.Range(func(k, v string) bool {
		final[k] = v
		return true
	})
	return results, final
}

func newMap(t testing.TB, b gosync.MapBackend) *gosync.Map {
	m, err := gosync.NewMap(gosync.Backend(b))
	must(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func testMapMatches(t *testing.T, ref func() mapInterface) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			apply := func(calls []mapCall) ([]mapResult, map[string]string) {
				m, err := gosync.NewMap(gosync.Backend(be.b))
				must(t, err)
				defer m.Close()
				return applyCalls(gosyncMap{t, m}, calls)
			}
			applyRef := func(calls []mapCall) ([]mapResult, map[string]string) {
				return applyCalls(ref(), calls)
			}
			if err := quick.CheckEqual(apply, applyRef, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// Go's TestMapMatchesRWMutex: random call sequences give the same results
// and the same final contents as a map under an RWMutex.
func TestMapMatchesRWMutex(t *testing.T) {
	testMapMatches(t, func() mapInterface { return new(rwMutexMap) })
}

// Go's TestMapMatchesDeepCopy: the same, against a copy-on-write map.
func TestMapMatchesDeepCopy(t *testing.T) {
	testMapMatches(t, func() mapInterface { return new(deepCopyMap) })
}

// Go's TestConcurrentRange: while goroutines Store multiples of each key
// and Load, every Range visits each key once, with a multiple of it.
func TestConcurrentRange(t *testing.T) {
	const mapSize = 1 << 10
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m := newMap(t, be.b)
			for n := int64(1); n <= mapSize; n++ {
				must(t, m.Store(strconv.FormatInt(n, 10), []byte(strconv.FormatInt(n, 10))))
			}
			done := make(chan struct{})
			var wg sync.WaitGroup
			defer func() {
				close(done)
				wg.Wait()
			}()
			for g := int64(runtime.GOMAXPROCS(0)); g > 0; g-- {
				r := rand.New(rand.NewSource(g))
				wg.Add(1)
				go func(g int64) {
					defer wg.Done()
					for i := int64(0); ; i++ {
						for n := int64(1); n < mapSize; n++ {
							select {
							case <-done:
								return
							default:
							}
							k := strconv.FormatInt(n, 10)
							if r.Int63n(mapSize) == 0 {
								m.Store(k, []byte(strconv.FormatInt(n*i*g, 10)))
							} else {
								m.Load(k)
							}
						}
					}
				}(g)
			}
			iters := 1 << 10
			if testing.Short() {
				iters = 16
			}
			for n := iters; n > 0; n-- {
				seen := make(map[int64]bool, mapSize)
				must(t, m.Range(func(ks string, vs []byte) bool {
					k, _ := strconv.ParseInt(ks, 10, 64)
					v, _ := strconv.ParseInt(string(vs), 10, 64)
					if v%k != 0 {
						t.Fatalf("while Storing multiples of %v, Range saw value %v", k, v)
					}
					if seen[k] {
						t.Fatalf("Range visited key %v twice", k)
					}
					seen[k] = true
					return true
				}))
				if len(seen) != mapSize {
					t.Fatalf("Range visited %v elements of %v-element Map", len(seen), mapSize)
				}
			}
		})
	}
}

// Go's TestMapRangeNestedCall: Range inside Range, with Loads, Stores and
// Deletes from the inner callback; everything deleted at the end.
func TestMapRangeNestedCall(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m := gosyncMap{t, newMap(t, be.b)}
			for i, v := range [3]string{"hello", "world", "Go"} {
				m.Store(strconv.Itoa(i), v)
			}
			m.Range(func(key, value string) bool {
				m.Range(func(key, value string) bool {
					if v, ok := m.Load(key); !ok || v != value {
						t.Fatalf("Nested Range loads unexpected value, got %+v want %+v", v, value)
					}
					if _, loaded := m.LoadOrStore("42", "dummy"); loaded {
						t.Fatal("Nested Range loads unexpected value, want store a new value")
					}
					val := "sync.Map"
					m.Store("42", val)
					if v, loaded := m.LoadAndDelete("42"); !loaded || v != val {
						t.Fatalf("Nested Range loads unexpected value, got %v, want %v", v, val)
					}
					return true
				})
				m.Delete(key)
				return true
			})
			length := 0
			m.Range(func(key, value string) bool {
				length++
				return true
			})
			if length != 0 {
				t.Fatalf("Unexpected Map size, got %v want %v", length, 0)
			}
		})
	}
}

// Go's TestCompareAndSwap_NonExistingKey: no CompareAndSwap matches a
// missing key, whatever the comparand (here: the empty value).
func TestCompareAndSwapNonExistingKey(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m := newMap(t, be.b)
			if ok, err := m.CompareAndSwap("missing", nil, []byte("42")); ok || err != nil {
				t.Fatalf("CompareAndSwap on a non-existing key: %v, %v", ok, err)
			}
			if ok, err := m.CompareAndDelete("missing", nil); ok || err != nil {
				t.Fatalf("CompareAndDelete on a non-existing key: %v, %v", ok, err)
			}
			if n, err := m.Len(); n != 0 || err != nil {
				t.Fatalf("after a failed CompareAndSwap: Len = %d, %v; want 0", n, err)
			}
		})
	}
}

// Go's TestMapDelete and TestMapClear.
func TestMapDeleteClear(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m := gosyncMap{t, newMap(t, be.b)}
			m.Store("go", "1.22")
			if v, ok := m.Load("go"); !ok || v != "1.22" {
				t.Fatalf("Store failed: %v, %v", v, ok)
			}
			m.Delete("go")
			if v, ok := m.Load("go"); ok || v != "" {
				t.Fatalf("Delete failed: %v, %v", v, ok)
			}
			m.Store("go", "1.21")
			m.Clear()
			if v, ok := m.Load("go"); ok {
				t.Fatalf("Clear failed: %v", v)
			}
			m.Store("go", "1.21")
			if v, ok := m.Load("go"); !ok || v != "1.21" {
				t.Fatalf("Store after Clear failed: %v", v)
			}
			if n, err := m.m.Len(); n != 1 || err != nil {
				t.Fatalf("Len = %d, %v", n, err)
			}
		})
	}
}

// Go's TestConcurrentClear: Stores, Loads and Clears at once, then empty.
func TestConcurrentClear(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m := gosyncMap{t, newMap(t, be.b)}
			var wg sync.WaitGroup
			wg.Add(30)
			for i := 0; i < 10; i++ {
				go func(k, v int) {
					defer wg.Done()
					m.Store(strconv.Itoa(k), strconv.Itoa(v))
				}(i, i*10)
			}
			for i := 0; i < 10; i++ {
				go func(k int) {
					defer wg.Done()
					m.Load(strconv.Itoa(k))
				}(i)
			}
			for i := 0; i < 10; i++ {
				go func() {
					defer wg.Done()
					m.Clear()
				}()
			}
			wg.Wait()
			m.Clear()
			m.Range(func(k, v string) bool {
				t.Errorf("after Clear, Range yielded (%v, %v)", k, v)
				return true
			})
		})
	}
}

// Values of every length up to the limit come back whole (the package
// grows its buffer); longer is ErrTooLarge.
func TestMapValueSizes(t *testing.T) {
	m := newMap(t, gosync.MapRCU)
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 65536} {
		v := make([]byte, n)
		rand.Read(v)
		must(t, m.Store("k", v))
		got, ok, err := m.Load("k")
		if err != nil || !ok || string(got) != string(v) {
			t.Fatalf("%d bytes: got %d bytes, %v, %v", n, len(got), ok, err)
		}
		prev, _, err := m.Swap("k", nil)
		if err != nil || string(prev) != string(v) {
			t.Fatalf("Swap of %d bytes: %d, %v", n, len(prev), err)
		}
	}
	if err := m.Store("k", make([]byte, 65537)); !isKind(err, gosync.ErrTooLarge) {
		t.Fatalf("65537 bytes: %v", err)
	}
	if err := m.Store(string(make([]byte, 257)), nil); !isKind(err, gosync.ErrTooLarge) {
		t.Fatalf("a 257-byte key: %v", err)
	}
}

// The typed wrapper: JSON values, string keys.
func TestTypedMap(t *testing.T) {
	type account struct {
		Owner   string
		Balance int64
	}
	tm := gosync.NewTypedMap[string, account](newMap(t, gosync.MapRCU), gosync.StringCodec{},
		gosync.JSONCodec[account]{})
	must(t, tm.Store("alice", account{"Alice", 10}))
	a, ok, err := tm.Load("alice")
	if err != nil || !ok || a.Balance != 10 {
		t.Fatalf("Load = %+v, %v, %v", a, ok, err)
	}
	swapped, err := tm.CompareAndSwap("alice", account{"Alice", 10}, account{"Alice", 20})
	if err != nil || !swapped {
		t.Fatalf("CompareAndSwap = %v, %v", swapped, err)
	}
	actual, loaded, err := tm.LoadOrStore("alice", account{"Eve", 0})
	if err != nil || !loaded || actual.Balance != 20 {
		t.Fatalf("LoadOrStore = %+v, %v, %v", actual, loaded, err)
	}
	n := 0
	must(t, tm.Range(func(k string, v account) bool { n++; return true }))
	if n != 1 {
		t.Fatalf("Range saw %d entries", n)
	}
}

// Cross-process: 4 children store their keys in a Map passed as a file;
// the parent sees them all.
func TestMapCrossProcess(t *testing.T) {
	m := newMap(t, gosync.MapRCU)
	f, err := m.File()
	must(t, err)
	defer f.Close()
	const procs, keys = 4, 50
	var wg sync.WaitGroup
	for i := 0; i < procs; i++ {
		cmd := child(t, "map-store", []*os.File{f}, strconv.Itoa(i), strconv.Itoa(keys))
		must(t, cmd.Start())
		wg.Add(1)
		go func() { defer wg.Done(); cmd.Wait() }()
	}
	wg.Wait()
	n, err := m.Len()
	if err != nil || n != procs*keys {
		t.Fatalf("Len = %d, %v; want %d", n, err, procs*keys)
	}
	for i := 0; i < procs; i++ {
		for j := 0; j < keys; j++ {
			k := fmt.Sprintf("p%d.k%d", i, j)
			if v, ok, _ := m.Load(k); !ok || string(v) != k {
				t.Fatalf("%s: %q, %v", k, v, ok)
			}
		}
	}
}

func init() {
	children["map-store"] = func() int {
		m, err := gosync.MapFromFile(childFile(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		a := childArgs()
		keys, _ := strconv.Atoi(a[1])
		for j := 0; j < keys; j++ {
			k := fmt.Sprintf("p%s.k%d", a[0], j)
			if err := m.Store(k, []byte(k)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	}
}
