// SPDX-License-Identifier: GPL-2.0

package gosync_test

// State: who holds an object and who waits, as the gosync command shows.

import (
	"context"
	"os"
	"testing"

	"gosync"
)

// stateOf returns o's State, failing the test on an error.
func stateOf(t *testing.T, o interface{ State() (gosync.State, error) }) gosync.State {
	t.Helper()
	st, err := o.State()
	must(t, err)
	return st
}

// TestState: a Mutex locked on the fast path names the description this
// process opened (Opener), one locked through the kernel the task; a
// Semaphore's permits and an RWMutex's read holders, more of them than
// State's first call has room for. (Waiters and contention count only
// waits in the kernel's queue, where this package's waits go late: see
// State; the C and CLI tests check them.)
func TestState(t *testing.T) {
	me := os.Getpid()
	m, err := gosync.NewMutex()
	must(t, err)
	defer m.Close()
	if st := stateOf(t, m); st.Locked || len(st.Holders) != 0 || st.Waiters != 0 {
		t.Fatalf("a new Mutex: %+v", st)
	}
	m.Lock()
	st := stateOf(t, m)
	if !st.Locked || len(st.Holders) != 1 || st.Holders[0].Pid != me ||
		!st.Holders[0].Write || !st.Holders[0].Opener || st.Holders[0].Count != 1 ||
		st.Holders[0].Comm == "" {
		t.Fatalf("locked on the fast path: %+v", st)
	}
	m.Unlock()
	if st := stateOf(t, m); st.Locked || len(st.Holders) != 0 {
		t.Fatalf("unlocked: %+v", st)
	}

	u, err := gosync.NewMutex(gosync.Unmapped())
	must(t, err)
	defer u.Close()
	u.Lock()
	st = stateOf(t, u)
	if len(st.Holders) != 1 || st.Holders[0].Pid != me || st.Holders[0].Opener {
		t.Fatalf("locked through the kernel: %+v", st)
	}
	u.Unlock()

	s, err := gosync.NewSemaphore(5)
	must(t, err)
	defer s.Close()
	must(t, s.Acquire(context.Background(), 2))
	st = stateOf(t, s)
	if st.Value != 2 || st.Limit != 5 || len(st.Holders) != 1 || st.Holders[0].Count != 2 ||
		st.Holders[0].Write {
		t.Fatalf("2 of 5 permits: %+v", st)
	}
	must(t, s.Release(2))

	name := uniqueName(t)
	rw, err := gosync.NewRWMutex(gosync.Named(name, 0600))
	must(t, err)
	defer rw.Close()
	const readers = 6 // more than the state's own room (4): State asks again
	for i := 0; i < readers; i++ {
		r, err := gosync.OpenRWMutex(name)
		must(t, err)
		defer r.Close()
		r.RLock()
		defer r.RUnlock()
	}
	st = stateOf(t, rw)
	if st.Locked || st.Readers != readers || len(st.Holders) != readers {
		t.Fatalf("%d readers: %+v", readers, st)
	}
	for _, h := range st.Holders {
		if h.Pid != me || h.Count != 1 || h.Write || h.Opener {
			t.Fatalf("a reader: %+v", h)
		}
	}
}

// A NonRobust Mutex stays locked after its holder exits; State still names
// that holder, marked Exited (its pid may be another process's by now).
func TestStateHolderExited(t *testing.T) {
	name := uniqueName(t)
	m, err := gosync.NewMutex(gosync.Named(name, 0600), gosync.NonRobust(), gosync.Unmapped())
	must(t, err)
	defer gosync.Unlink(name)
	defer m.Close()
	cmd := child(t, "mutex-lock-and-exit", nil, name)
	must(t, cmd.Run())
	st := stateOf(t, m)
	if !st.Locked || len(st.Holders) != 1 || st.Holders[0].Pid != cmd.Process.Pid ||
		!st.Holders[0].Exited {
		t.Fatalf("held by a child that exited (pid %d): %+v", cmd.Process.Pid, st)
	}
	m.Unlock()
	m.Lock()
	if st := stateOf(t, m); len(st.Holders) != 1 || st.Holders[0].Exited {
		t.Fatalf("held by this process: %+v", st)
	}
	m.Unlock()
}
