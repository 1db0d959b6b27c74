// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"math"
	"testing"
	"time"
)

// A deadline too far for the kernel's clock (context.WithTimeout(ctx,
// math.MaxInt64), a common "no timeout") is forever, not a wrapped past;
// one long past is 0; and near ones keep their order.
func TestMonoAtRange(t *testing.T) {
	now := time.Now()
	if got := monoAt(now.Add(math.MaxInt64)); got != forever {
		t.Fatalf("monoAt(now + MaxInt64) = %d, want forever", got)
	}
	if got := monoAt(now.Add(math.MinInt64)); got != 0 {
		t.Fatalf("monoAt(now + MinInt64) = %d, want 0", got)
	}
	a, b := monoAt(now), monoAt(now.Add(time.Hour))
	if a == 0 || b-a != uint64(time.Hour) {
		t.Fatalf("monoAt(now) = %d, monoAt(now + 1h) = %d: not an hour apart", a, b)
	}
}

// A thread stalled between the two clock reads (a vCPU descheduled for tens
// of ms) must not skew the mapping from Go's time to CLOCK_MONOTONIC: the
// narrowest bracket wins, and the mapping is right to within its slack.
func TestCalibrateStall(t *testing.T) {
	var stallStart, stallEnd time.Time
	calibrateHook = func(i int) {
		if i == 0 {
			stallStart = time.Now()
			time.Sleep(30 * time.Millisecond)
			stallEnd = time.Now()
		}
	}
	base, baseGo, slack := calibrate()
	calibrateHook = nil
	// A bracket's baseGo is its middle: bracket 0's is inside the stall
	// (which is nearly all of it), a later bracket's after the stall ended.
	if !baseGo.Before(stallStart) && baseGo.Before(stallEnd) {
		t.Fatalf("calibrate kept the stalled bracket: baseGo %v into the %v stall (slack %v)",
			baseGo.Sub(stallStart), stallEnd.Sub(stallStart), slack)
	}
	m0 := monoNowSyscall()
	at := base + int64(time.Now().Sub(baseGo))
	m1 := monoNowSyscall()
	if at < m0-int64(slack) || at > m1+int64(slack) {
		t.Fatalf("Go's now maps to %d, outside the kernel's [%d, %d] +- %v", at, m0, m1, slack)
	}
}

// However the mapping errs, a deadline is Go's: with every kernel deadline
// 30 ms early, Select and Cond.WaitContext still wait out a 50 ms context.
func TestEarlyKernelDeadline(t *testing.T) {
	defer func(b int64) { monoBase = b }(monoBase)
	monoBase -= int64(30 * time.Millisecond)
	c, err := NewChan(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := NewMutex()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cond, err := NewCond(m)
	if err != nil {
		t.Fatal(err)
	}
	defer cond.Close()
	waits := map[string]func(context.Context) error{
		"Select": func(ctx context.Context) error {
			_, err := Select(ctx, c.RecvCase())
			return err
		},
		"Cond.WaitContext": func(ctx context.Context) error {
			m.Lock()
			defer m.Unlock()
			for {
				// Go's Cond: a wait may end early; callers wait again.
				if err := cond.WaitContext(ctx); err != nil {
					return err
				}
			}
		},
	}
	for name, wait := range waits {
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := wait(ctx)
		d := time.Since(t0)
		cancel()
		if err != context.DeadlineExceeded {
			t.Errorf("%s = %v, want DeadlineExceeded", name, err)
		}
		if d < 50*time.Millisecond {
			t.Errorf("%s gave up after %v of a 50 ms context", name, d)
		}
	}
}
