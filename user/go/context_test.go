// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"strings"
	"testing"

	"gosync"
)

// With a context already done, a call whose operation need not wait still
// does it (as x/sync's Acquire), and only one that would wait returns
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
