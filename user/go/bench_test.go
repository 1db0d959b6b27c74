// SPDX-License-Identifier: GPL-2.0

package gosync_test

// Go's sync benchmarks (mutex_test.go, rwmutex_test.go, waitgroup_test.go,
// once_test.go, cond_test.go, map_bench_test.go), each workload run twice:
// on the sync package (sub-benchmark "sync") and on gosync ("gosync"), in
// one run, so docs/benchmarks.md can give their ratio. The Mutex,
// WaitGroup, Once and Int64 ones run on an Unmapped gosync object too
// ("gosync-ioctl"; "gosync" is the default, mapped); the RWMutex ones on
// a NonRobust, mapped RWMutex too ("gosync-mapped"; "gosync" is the
// default, robust and so unmapped).

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"gosync"
)

type rwLocker interface {
	Lock()
	Unlock()
	RLock()
	RUnlock()
}

// benchLocks runs f for a sync.RWMutex ("sync"), a gosync.RWMutex
// ("gosync", the default: robust, every call an ioctl) and a NonRobust one
// ("gosync-mapped": uncontended calls are atomics on the shared word); mk
// makes a lock.
func benchLocks(b *testing.B, f func(b *testing.B, mk func() rwLocker)) {
	b.Run("sync", func(b *testing.B) {
		f(b, func() rwLocker { return new(sync.RWMutex) })
	})
	for _, k := range []struct {
		name string
		opts []gosync.Option
	}{{"gosync", nil}, {"gosync-mapped", []gosync.Option{gosync.NonRobust()}}} {
		k := k
		b.Run(k.name, func(b *testing.B) {
			var made []*gosync.RWMutex
			defer func() {
				for _, m := range made {
					m.Close()
				}
			}()
			f(b, func() rwLocker {
				m, err := gosync.NewRWMutex(k.opts...)
				must(b, err)
				made = append(made, m)
				return m
			})
		})
	}
}

// benchMutexes runs f for a sync.Mutex ("sync"), a mapped gosync.Mutex
// ("gosync", the default: uncontended Lock and Unlock are atomics on the
// shared word) and an Unmapped one ("gosync-ioctl": every call an ioctl).
func benchMutexes(b *testing.B, f func(b *testing.B, mk func() sync.Locker)) {
	b.Run("sync", func(b *testing.B) {
		f(b, func() sync.Locker { return new(sync.Mutex) })
	})
	for _, k := range []struct {
		name string
		opts []gosync.Option
	}{{"gosync", nil}, {"gosync-ioctl", []gosync.Option{gosync.Unmapped()}}} {
		k := k
		b.Run(k.name, func(b *testing.B) {
			var mu sync.Mutex
			var made []*gosync.Mutex
			defer func() {
				for _, m := range made {
					m.Close()
				}
			}()
			f(b, func() sync.Locker {
				m, err := gosync.NewMutex(k.opts...)
				must(b, err)
				mu.Lock()
				made = append(made, m)
				mu.Unlock()
				return m
			})
		})
	}
}

func BenchmarkMutexUncontended(b *testing.B) {
	benchMutexes(b, func(b *testing.B, mk func() sync.Locker) {
		b.RunParallel(func(pb *testing.PB) {
			mu := mk()
			for pb.Next() {
				mu.Lock()
				mu.Unlock()
			}
		})
	})
}

func benchmarkMutex(b *testing.B, slack, work bool) {
	benchMutexes(b, func(b *testing.B, mk func() sync.Locker) {
		mu := mk()
		if slack {
			b.SetParallelism(10)
		}
		b.RunParallel(func(pb *testing.PB) {
			foo := 0
			for pb.Next() {
				mu.Lock()
				mu.Unlock()
				if work {
					for i := 0; i < 100; i++ {
						foo *= 2
						foo /= 2
					}
				}
			}
			_ = foo
		})
	})
}

func BenchmarkMutex(b *testing.B)          { benchmarkMutex(b, false, false) }
func BenchmarkMutexSlack(b *testing.B)     { benchmarkMutex(b, true, false) }
func BenchmarkMutexWork(b *testing.B)      { benchmarkMutex(b, false, true) }
func BenchmarkMutexWorkSlack(b *testing.B) { benchmarkMutex(b, true, true) }

// Go's BenchmarkMutexNoSpin: more goroutines than procs, most doing local
// work and yielding, one in four taking the lock.
func BenchmarkMutexNoSpin(b *testing.B) {
	benchMutexes(b, func(b *testing.B, mk func() sync.Locker) {
		m := mk()
		var acc0, acc1 uint64
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			c := make(chan bool)
			var data [4 << 10]uint64
			for i := 0; pb.Next(); i++ {
				if i%4 == 0 {
					m.Lock()
					acc0 -= 100
					acc1 += 100
					m.Unlock()
				} else {
					for i := 0; i < len(data); i += 4 {
						data[i]++
					}
					go func() { c <- true }()
					<-c
				}
			}
		})
	})
}

// Go's BenchmarkMutexSpin: short critical sections between local work.
func BenchmarkMutexSpin(b *testing.B) {
	benchMutexes(b, func(b *testing.B, mk func() sync.Locker) {
		m := mk()
		var acc0, acc1 uint64
		b.RunParallel(func(pb *testing.PB) {
			var data [16 << 10]uint64
			for i := 0; pb.Next(); i++ {
				m.Lock()
				acc0 -= 100
				acc1 += 100
				m.Unlock()
				for i := 0; i < len(data); i += 4 {
					data[i]++
				}
			}
		})
	})
}

func BenchmarkRWMutexUncontended(b *testing.B) {
	benchLocks(b, func(b *testing.B, mk func() rwLocker) {
		var mu sync.Mutex
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			rw := mk()
			mu.Unlock()
			for pb.Next() {
				rw.RLock()
				rw.RLock()
				rw.RUnlock()
				rw.RUnlock()
				rw.Lock()
				rw.Unlock()
			}
		})
	})
}

func benchmarkRWMutex(b *testing.B, localWork, writeRatio int) {
	benchLocks(b, func(b *testing.B, mk func() rwLocker) {
		rw := mk()
		b.RunParallel(func(pb *testing.PB) {
			foo := 0
			for pb.Next() {
				foo++
				if foo%writeRatio == 0 {
					rw.Lock()
					rw.Unlock()
				} else {
					rw.RLock()
					for i := 0; i != localWork; i++ {
						foo *= 2
						foo /= 2
					}
					rw.RUnlock()
				}
			}
			_ = foo
		})
	})
}

func BenchmarkRWMutexWrite100(b *testing.B)     { benchmarkRWMutex(b, 0, 100) }
func BenchmarkRWMutexWrite10(b *testing.B)      { benchmarkRWMutex(b, 0, 10) }
func BenchmarkRWMutexWorkWrite100(b *testing.B) { benchmarkRWMutex(b, 100, 100) }
func BenchmarkRWMutexWorkWrite10(b *testing.B)  { benchmarkRWMutex(b, 100, 10) }

// waitGroup is what the WaitGroup benchmarks use of both.
type waitGroup interface {
	Add(int)
	Done()
	Wait()
}

type gosyncWG struct{ *gosync.WaitGroup }

func (w gosyncWG) Add(n int) { w.WaitGroup.Add(n) }
func (w gosyncWG) Done()     { w.WaitGroup.Done() }
func (w gosyncWG) Wait()     { w.WaitGroup.Wait() }

// gosyncKinds are the gosync variants each benchmark of a mapped type runs:
// the default (mapped) and Unmapped.
var gosyncKinds = []struct {
	name string
	opts []gosync.Option
}{{"gosync", nil}, {"gosync-ioctl", []gosync.Option{gosync.Unmapped()}}}

func benchWaitGroups(b *testing.B, f func(b *testing.B, mk func() waitGroup)) {
	b.Run("sync", func(b *testing.B) { f(b, func() waitGroup { return new(sync.WaitGroup) }) })
	for _, k := range gosyncKinds {
		k := k
		b.Run(k.name, func(b *testing.B) {
			var mu sync.Mutex
			var made []*gosync.WaitGroup
			defer func() {
				for _, w := range made {
					w.Close()
				}
			}()
			f(b, func() waitGroup {
				w, err := gosync.NewWaitGroup(k.opts...)
				must(b, err)
				mu.Lock()
				made = append(made, w)
				mu.Unlock()
				return gosyncWG{w}
			})
		})
	}
}

func BenchmarkWaitGroupUncontended(b *testing.B) {
	benchWaitGroups(b, func(b *testing.B, mk func() waitGroup) {
		b.RunParallel(func(pb *testing.PB) {
			wg := mk()
			for pb.Next() {
				wg.Add(1)
				wg.Done()
				wg.Wait()
			}
		})
	})
}

func benchmarkWaitGroupAddDone(b *testing.B, localWork int) {
	benchWaitGroups(b, func(b *testing.B, mk func() waitGroup) {
		wg := mk()
		b.RunParallel(func(pb *testing.PB) {
			foo := 0
			for pb.Next() {
				wg.Add(1)
				for i := 0; i < localWork; i++ {
					foo *= 2
					foo /= 2
				}
				wg.Done()
			}
			_ = foo
		})
	})
}

func BenchmarkWaitGroupAddDone(b *testing.B)     { benchmarkWaitGroupAddDone(b, 0) }
func BenchmarkWaitGroupAddDoneWork(b *testing.B) { benchmarkWaitGroupAddDone(b, 100) }

func benchmarkWaitGroupWait(b *testing.B, localWork int) {
	benchWaitGroups(b, func(b *testing.B, mk func() waitGroup) {
		wg := mk()
		b.RunParallel(func(pb *testing.PB) {
			foo := 0
			for pb.Next() {
				wg.Wait()
				for i := 0; i < localWork; i++ {
					foo *= 2
					foo /= 2
				}
			}
			_ = foo
		})
	})
}

func BenchmarkWaitGroupWait(b *testing.B)     { benchmarkWaitGroupWait(b, 0) }
func BenchmarkWaitGroupWaitWork(b *testing.B) { benchmarkWaitGroupWait(b, 100) }

// Go's BenchmarkWaitGroupActuallyWait: a new WaitGroup each time, Done by
// a goroutine, waited for.
func BenchmarkWaitGroupActuallyWait(b *testing.B) {
	benchWaitGroups(b, func(b *testing.B, mk func() waitGroup) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				wg := mk()
				wg.Add(1)
				go wg.Done()
				wg.Wait()
				if g, ok := wg.(gosyncWG); ok {
					g.Close()
				}
			}
		})
	})
}

func BenchmarkOnce(b *testing.B) {
	f := func() {}
	b.Run("sync", func(b *testing.B) {
		var once sync.Once
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				once.Do(f)
			}
		})
	})
	for _, k := range gosyncKinds {
		k := k
		b.Run(k.name, func(b *testing.B) {
			once, err := gosync.NewOnce(k.opts...)
			must(b, err)
			defer once.Close()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					once.Do(f)
				}
			})
		})
	}
}

// Go's benchmarkCond: waiters+1 goroutines; each round, the last to
// arrive broadcasts and the others wait.
func benchmarkCond(b *testing.B, waiters int) {
	run := func(b *testing.B, l sync.Locker, wait, broadcast func()) {
		done := make(chan bool)
		id := 0
		for routine := 0; routine < waiters+1; routine++ {
			go func() {
				for i := 0; i < b.N; i++ {
					l.Lock()
					if id == -1 {
						l.Unlock()
						break
					}
					id++
					if id == waiters+1 {
						id = 0
						broadcast()
					} else {
						wait()
					}
					l.Unlock()
				}
				l.Lock()
				id = -1
				broadcast()
				l.Unlock()
				done <- true
			}()
		}
		for routine := 0; routine < waiters+1; routine++ {
			<-done
		}
	}
	b.Run("sync", func(b *testing.B) {
		c := sync.NewCond(new(sync.Mutex))
		run(b, c.L, c.Wait, c.Broadcast)
	})
	b.Run("gosync", func(b *testing.B) {
		c := newCond(b)
		run(b, c.L, func() { c.Wait() }, func() { c.Broadcast() })
	})
}

func BenchmarkCond1(b *testing.B)  { benchmarkCond(b, 1) }
func BenchmarkCond2(b *testing.B)  { benchmarkCond(b, 2) }
func BenchmarkCond4(b *testing.B)  { benchmarkCond(b, 4) }
func BenchmarkCond8(b *testing.B)  { benchmarkCond(b, 8) }
func BenchmarkCond16(b *testing.B) { benchmarkCond(b, 16) }
func BenchmarkCond32(b *testing.B) { benchmarkCond(b, 32) }

// Go's map_bench_test.go: each workload on a sync.Map and a gosync.Map
// (rcu, the sync.Map of the backends), keys and values the same strings.

// syncMap adapts a sync.Map to mapInterface.
type syncMap struct{ m sync.Map }

func (s *syncMap) Load(k string) (string, bool) {
	v, ok := s.m.Load(k)
	if !ok {
		return "", false
	}
	return v.(string), true
}
func (s *syncMap) Store(k, v string) { s.m.Store(k, v) }
func (s *syncMap) LoadOrStore(k, v string) (string, bool) {
	a, ok := s.m.LoadOrStore(k, v)
	return a.(string), ok
}
func (s *syncMap) LoadAndDelete(k string) (string, bool) {
	v, ok := s.m.LoadAndDelete(k)
	if !ok {
		return "", false
	}
	return v.(string), true
}
func (s *syncMap) Delete(k string) { s.m.Delete(k) }

// Swap, CompareAndSwap and CompareAndDelete are Go 1.20's, newer than
// Debian 12's Go: the workloads that use them skip sync.Map
// (mapBench.go120) and report gosync's time alone.
func (s *syncMap) Swap(k, v string) (string, bool)        { panic("Go 1.20") }
func (s *syncMap) CompareAndSwap(k, old, new string) bool { panic("Go 1.20") }
func (s *syncMap) CompareAndDelete(k, old string) bool    { panic("Go 1.20") }
func (s *syncMap) Range(f func(k, v string) bool) {
	s.m.Range(func(k, v any) bool { return f(k.(string), v.(string)) })
}

// Clear: sync.Map's Clear is Go 1.23's; this is Go 1.19's equivalent.
func (s *syncMap) Clear() {
	s.m.Range(func(k, _ any) bool { s.m.Delete(k); return true })
}

type mapBench struct {
	setup func(b *testing.B, m mapInterface)
	perG  func(b *testing.B, pb *testing.PB, i int, m mapInterface)
	go120 bool // uses what sync.Map has only from Go 1.20 on
}

func benchMap(b *testing.B, bench mapBench) {
	for _, impl := range []string{"sync", "gosync"} {
		b.Run(impl, func(b *testing.B) {
			var m mapInterface = new(syncMap)
			if impl == "sync" && bench.go120 {
				b.Skip("Go 1.19's sync.Map has no Swap, CompareAndSwap, CompareAndDelete")
			}
			if impl == "gosync" {
				m = gosyncMap{b, newMap(b, gosync.MapRCU)}
			}
			if bench.setup != nil {
				bench.setup(b, m)
			}
			b.ResetTimer()
			var i int64
			b.RunParallel(func(pb *testing.PB) {
				id := int(atomic.AddInt64(&i, 1) - 1)
				bench.perG(b, pb, id*b.N, m)
			})
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// hitsSetup stores hits keys and reads them twice over, as Go's do.
func hitsSetup(hits int) func(*testing.B, mapInterface) {
	return func(_ *testing.B, m mapInterface) {
		for i := 0; i < hits; i++ {
			m.LoadOrStore(itoa(i), itoa(i))
		}
		for i := 0; i < hits*2; i++ {
			m.Load(itoa(i % hits))
		}
	}
}

func benchLoad(b *testing.B, hits, misses int) {
	benchMap(b, mapBench{setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.Load(itoa(i % (hits + misses)))
			}
		}})
}

func BenchmarkLoadMostlyHits(b *testing.B)   { benchLoad(b, 1023, 1) }
func BenchmarkLoadMostlyMisses(b *testing.B) { benchLoad(b, 1, 1023) }

func BenchmarkLoadOrStoreBalanced(b *testing.B) {
	const hits, misses = 128, 128
	benchMap(b, mapBench{setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				j := i % (hits + misses)
				if j < hits {
					if _, ok := m.LoadOrStore(itoa(j), itoa(i)); !ok {
						b.Fatalf("unexpected miss for %v", j)
					}
				} else if v, loaded := m.LoadOrStore(itoa(i), itoa(i)); loaded {
					b.Fatalf("failed to store %v: existing value %v", i, v)
				}
			}
		}})
}

func BenchmarkLoadOrStoreUnique(b *testing.B) {
	benchMap(b, mapBench{perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
		for ; pb.Next(); i++ {
			m.LoadOrStore(itoa(i), itoa(i))
		}
	}})
}

// collision stores key 0 first.
func collision(_ *testing.B, m mapInterface) { m.LoadOrStore("0", "0") }

func BenchmarkLoadOrStoreCollision(b *testing.B) {
	benchMap(b, mapBench{setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.LoadOrStore("0", "0")
			}
		}})
}

func BenchmarkLoadAndDeleteBalanced(b *testing.B) {
	const hits, misses = 128, 128
	benchMap(b, mapBench{setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				if j := i % (hits + misses); j < hits {
					m.LoadAndDelete(itoa(j))
				} else {
					m.LoadAndDelete(itoa(i))
				}
			}
		}})
}

func BenchmarkLoadAndDeleteUnique(b *testing.B) {
	benchMap(b, mapBench{perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
		for ; pb.Next(); i++ {
			m.LoadAndDelete(itoa(i))
		}
	}})
}

func BenchmarkLoadAndDeleteCollision(b *testing.B) {
	benchMap(b, mapBench{setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				if _, loaded := m.LoadAndDelete("0"); loaded {
					m.Store("0", "0")
				}
			}
		}})
}

func BenchmarkRange(b *testing.B) {
	const mapSize = 1 << 10
	benchMap(b, mapBench{
		setup: func(_ *testing.B, m mapInterface) {
			for i := 0; i < mapSize; i++ {
				m.Store(itoa(i), itoa(i))
			}
		},
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.Range(func(_, _ string) bool { return true })
			}
		}})
}

// Go's BenchmarkAdversarialAlloc: a Store whenever the loads since the
// last one outnumber the stores, else a Load of a missing key.
func BenchmarkAdversarialAlloc(b *testing.B) {
	benchMap(b, mapBench{perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
		var stores, loadsSinceStore int64
		for ; pb.Next(); i++ {
			m.Load(itoa(i))
			if loadsSinceStore++; loadsSinceStore > stores {
				m.LoadOrStore(itoa(i), strconv.FormatInt(stores, 10))
				loadsSinceStore = 0
				stores++
			}
		}
	}})
}

// Go's BenchmarkAdversarialDelete: Loads, and now and then a Delete of
// some key and a Store of another.
func BenchmarkAdversarialDelete(b *testing.B) {
	const mapSize = 1 << 10
	benchMap(b, mapBench{
		setup: func(_ *testing.B, m mapInterface) {
			for i := 0; i < mapSize; i++ {
				m.Store(itoa(i), itoa(i))
			}
		},
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.Load(itoa(i))
				if i%mapSize == 0 {
					var key string
					m.Range(func(k, _ string) bool { key = k; return false })
					m.Delete(key)
					m.Store(itoa(i), itoa(i))
				}
			}
		}})
}

func BenchmarkDeleteCollision(b *testing.B) {
	benchMap(b, mapBench{setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.Delete("0")
			}
		}})
}

func BenchmarkSwapCollision(b *testing.B) {
	benchMap(b, mapBench{go120: true, setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for pb.Next() {
				m.Swap("0", "0")
			}
		}})
}

func benchSwap(b *testing.B, hits, misses int) {
	benchMap(b, mapBench{go120: true, setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				if i%(hits+misses) < hits {
					v := itoa(i % (hits + misses))
					m.Swap(v, v)
				} else {
					m.Swap(itoa(i), itoa(i))
					m.Delete(itoa(i))
				}
			}
		}})
}

func BenchmarkSwapMostlyHits(b *testing.B)   { benchSwap(b, 1023, 1) }
func BenchmarkSwapMostlyMisses(b *testing.B) { benchSwap(b, 1, 1023) }

func BenchmarkCompareAndSwapCollision(b *testing.B) {
	benchMap(b, mapBench{go120: true, setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for pb.Next() {
				if m.CompareAndSwap("0", "0", "42") {
					m.CompareAndSwap("0", "42", "0")
				}
			}
		}})
}

func BenchmarkCompareAndSwapNoExistingKey(b *testing.B) {
	benchMap(b, mapBench{go120: true, perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
		for ; pb.Next(); i++ {
			if m.CompareAndSwap(itoa(i), "0", "0") {
				m.Delete(itoa(i))
			}
		}
	}})
}

func BenchmarkCompareAndSwapValueNotEqual(b *testing.B) {
	benchMap(b, mapBench{go120: true,
		setup: func(_ *testing.B, m mapInterface) { m.Store("0", "0") },
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				m.CompareAndSwap("0", "1", "2")
			}
		}})
}

func benchCAS(b *testing.B, hits, misses int) {
	benchMap(b, mapBench{go120: true, setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				v := i
				if i%(hits+misses) < hits {
					v = i % (hits + misses)
				}
				m.CompareAndSwap(itoa(v), itoa(v), itoa(v))
			}
		}})
}

func BenchmarkCompareAndSwapMostlyHits(b *testing.B)   { benchCAS(b, 1023, 1) }
func BenchmarkCompareAndSwapMostlyMisses(b *testing.B) { benchCAS(b, 1, 1023) }

func BenchmarkCompareAndDeleteCollision(b *testing.B) {
	benchMap(b, mapBench{go120: true, setup: collision,
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				if m.CompareAndDelete("0", "0") {
					m.Store("0", "0")
				}
			}
		}})
}

func benchCAD(b *testing.B, hits, misses int) {
	benchMap(b, mapBench{go120: true, setup: hitsSetup(hits),
		perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
			for ; pb.Next(); i++ {
				v := i
				if i%(hits+misses) < hits {
					v = i % (hits + misses)
				}
				if m.CompareAndDelete(itoa(v), itoa(v)) {
					m.Store(itoa(v), itoa(v))
				}
			}
		}})
}

func BenchmarkCompareAndDeleteMostlyHits(b *testing.B)   { benchCAD(b, 1023, 1) }
func BenchmarkCompareAndDeleteMostlyMisses(b *testing.B) { benchCAD(b, 1, 1023) }

func BenchmarkClear(b *testing.B) {
	benchMap(b, mapBench{perG: func(b *testing.B, pb *testing.PB, i int, m mapInterface) {
		for ; pb.Next(); i++ {
			k := itoa(i % 256)
			m.Clear()
			m.Store(k, k)
		}
	}})
}

// sync/atomic's Int64.Add beside gosync's (not in Go's sync tests: the
// counter every lost-update program uses).
func BenchmarkInt64Add(b *testing.B) {
	b.Run("sync", func(b *testing.B) {
		var x atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				x.Add(1)
			}
		})
	})
	for _, k := range gosyncKinds {
		k := k
		b.Run(k.name, func(b *testing.B) {
			x, err := gosync.NewInt64(0, k.opts...)
			must(b, err)
			defer x.Close()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x.Add(1)
				}
			})
		})
	}
}
