// SPDX-License-Identifier: GPL-2.0

package gosync

// Tests of the mapped fast path that need the package's insides: a handle
// to a mapped Mutex that uses the ioctls only.

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
)

// One Mutex locked at once through the fast path (two mapped handles, each
// its own open file description and token) and through the ioctls (a
// third handle, not mapped): a plain variable read and written back under
// the Mutex loses no update.
func TestMutexMixedPaths(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-mixed-paths", os.Getpid())
	a, err := NewMutex(Named(name, 0600))
	if err != nil {
		t.Fatal(err)
	}
	defer Unlink(name)
	defer a.Close()
	b, err := OpenMutex(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := open("OpenMutex", typeMutex, name) // no mapWords: ioctls only
	if err != nil {
		t.Fatal(err)
	}
	c := &Mutex{base{h}}
	defer c.Close()
	if a.h.word == nil || b.h.word == nil || c.h.word != nil {
		t.Fatalf("mapped: %v %v %v, want true true false", a.h.word != nil, b.h.word != nil,
			c.h.word != nil)
	}
	if a.h.token == 0 || a.h.token == b.h.token {
		t.Fatalf("tokens %d and %d: want two, nonzero", a.h.token, b.h.token)
	}

	loops := 2000
	if testing.Short() {
		loops = 300
	}
	const perHandle = 3
	n := 0 // guarded by the Mutex only
	var wg sync.WaitGroup
	for _, m := range []*Mutex{a, b, c} {
		for g := 0; g < perHandle; g++ {
			wg.Add(1)
			go func(m *Mutex) {
				defer wg.Done()
				for i := 0; i < loops; i++ {
					if i%4 == 0 {
						for !m.TryLock() {
							runtime.Gosched()
						}
					} else {
						m.Lock()
					}
					v := n
					runtime.Gosched() // let the others try meanwhile
					n = v + 1
					m.Unlock()
				}
			}(m)
		}
	}
	wg.Wait()
	if want := 3 * perHandle * loops; n != want {
		t.Fatalf("n = %d, want %d: updates lost under the Mutex", n, want)
	}
	// The word is free again, and the fast path works on it.
	if !a.TryLock() {
		t.Fatal("TryLock failed after the hammer")
	}
	a.Unlock()
}
