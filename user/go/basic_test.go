// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"testing"
	"time"

	"gosync"
)

func TestBasicMutex(t *testing.T) {
	m, err := gosync.NewMutex()
	must(t, err)
	defer m.Close()
	m.Lock()
	if m.TryLock() {
		t.Fatal("TryLock of a locked mutex succeeded")
	}
	t0 := time.Now() // before the context: its deadline counts from there
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := m.LockContext(ctx); err != context.DeadlineExceeded {
		t.Fatalf("LockContext = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(t0); d < 50*time.Millisecond {
		t.Fatalf("LockContext gave up after %v", d)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.Unlock()
	}()
	m.Lock()
	m.Unlock()
	if err := m.UnlockErr(); !isKind(err, gosync.ErrNotLocked) {
		t.Fatalf("Unlock of unlocked: %v", err)
	}
}
