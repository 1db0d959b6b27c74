// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"os"
	"sync/atomic"
	"unsafe"
)

// A CounterMode is the synchronization a counter uses in the kernel.
type CounterMode uint32

// The counter modes (docs/uapi.md compares their costs).
const (
	// CounterRacy synchronizes nothing: concurrent updates are lost, on
	// purpose (the lost-update lab).
	CounterRacy CounterMode = 1
	// CounterAtomic is an atomic64_t: one atomic instruction per op.
	CounterAtomic CounterMode = 2
	// CounterSpinlock is a spinlock around the value.
	CounterSpinlock CounterMode = 3
	// CounterMutex is a sleeping kernel mutex around the value.
	CounterMutex CounterMode = 4
	// CounterRWSem is a reader/writer semaphore; Load shares it.
	CounterRWSem CounterMode = 5
	// CounterPercpu is a percpu_counter: Add scales with CPUs, Load sums
	// them; it has no Swap, CompareAndSwap, And or Or (ErrNotSupported).
	CounterPercpu CounterMode = 6
)

// Mode sets an Int64's or Uint64's counter mode (default CounterAtomic).
// Only a CounterAtomic counter is mapped (see NewInt64): the other modes
// exist to show what a kernel primitive costs, so every op is an ioctl.
func Mode(m CounterMode) Option {
	return Option{name: "Mode", types: types(typeCounter), apply: func(r *createReq) {
		(*counterAttr)(unsafe.Pointer(&r.cmd.attr)).mode = uint32(m)
		if m != CounterAtomic {
			r.cmd.flags &^= createMapped // the kernel refuses it (EINVAL)
		}
	}}
}

// counter is the kernel counter behind Int64 and Uint64.
type counter struct {
	base
}

func (c *counter) op(name string, op uint32, arg, expected int64) (int64, error) {
	c.hd().raceReleaseMerge() // as sync/atomic's, for the race detector
	if c.hd().word != nil {
		if _, err := c.hd().get(); err == nil {
			v, ok := c.hd().fastCounter(op, arg, expected)
			c.hd().put()
			if ok {
				c.hd().raceAcquire()
				return v, nil
			}
		}
	}
	cmd := counterCmd{size: uint32(unsafe.Sizeof(counterCmd{})), op: op, arg: arg,
		expected: expected}
	err := c.hd().do(iocCounter, unsafe.Pointer(&cmd))
	c.hd().raceAcquire()
	return cmd.result, newError(name, c.hd().name, err)
}

// fastCounter is a counter op (GOSYNC_COUNTER_*, with the ioctl's arg,
// expected and result) on h's mapped value: the kernel's ops of the atomic
// mode are fully ordered atomics on the same int64 (libgosync's
// user/lib/fast_counter.c); false for an op it does not do. The caller
// holds a reference (get).
func (h *handle) fastCounter(op uint32, arg, expected int64) (int64, bool) {
	p := (*int64)(unsafe.Pointer(h.word))
	switch op {
	case opLoad:
		return atomic.LoadInt64(p), true
	case opStore:
		atomic.StoreInt64(p, arg)
		return arg, true
	case opSwap:
		return atomic.SwapInt64(p, arg), true
	case opAdd:
		return atomic.AddInt64(p, arg), true // wraps modulo 2^64, as the kernel's
	case opCAS, opAnd, opOr:
	default:
		return 0, false
	}
	// CompareAndSwap returns the value it saw (expected if it swapped);
	// And and Or, which Go 1.19's sync/atomic lacks, the old value.
	for {
		v := atomic.LoadInt64(p)
		n := v
		switch op {
		case opCAS:
			if v != expected {
				return v, true
			}
			n = arg
		case opAnd:
			n = v & arg
		case opOr:
			n = v | arg
		}
		if atomic.CompareAndSwapInt64(p, v, n) {
			return v, true
		}
	}
}

func newCounter(name string, initial int64, opts []Option) (counter, error) {
	h, err := create(name, typeCounter, opts, func(c *createCmd) {
		a := (*counterAttr)(unsafe.Pointer(&c.attr))
		a.mode = uint32(CounterAtomic)
		a.initial = initial
		c.flags |= createMapped
	})
	if err != nil {
		return counter{}, err
	}
	return mapCounter(name, h)
}

// mapCounter maps h's page, if the counter has one, for the fast path.
func mapCounter(op string, h *handle) (counter, error) {
	if err := h.mapWords(); err != nil {
		h.close()
		return counter{}, newError(op, h.name, err)
	}
	return counter{base{h}}, nil
}

// An Int64 is sync/atomic's Int64 as a kernel object: an int64 that every
// process with a handle updates atomically (in every CounterMode but
// CounterRacy). Values wrap modulo 2^64 as Go's do.
//
// In the terminology of the Go memory model, if the effect of an
// operation A is observed by an operation B, then A synchronizes before B,
// in any process, and all operations are linearizable (exact modes;
// CounterRacy orders nothing, and CounterPercpu orders Adds only with
// Loads).
//
// The zero value is not usable: make one with NewInt64 or OpenInt64. Its
// methods fail with an error matching os.ErrInvalid.
type Int64 struct {
	counter
}

// NewInt64 creates an Int64 holding initial. Options: Named, Mode,
// Unmapped.
//
// A CounterAtomic counter (the default) is mapped (GOSYNC_CREATE_MAPPED)
// unless Unmapped says not to: its value is an int64 of a page shared with
// the kernel and every process that has it mapped, and every op is one
// sync/atomic operation on it, without a system call. A counter opened or
// made from a file follows how it was created.
func NewInt64(initial int64, opts ...Option) (*Int64, error) {
	c, err := newCounter("NewInt64", initial, opts)
	if err != nil {
		return nil, err
	}
	return &Int64{c}, nil
}

// OpenInt64 opens the counter published under name.
func OpenInt64(name string) (*Int64, error) {
	h, err := open("OpenInt64", typeCounter, name)
	if err != nil {
		return nil, err
	}
	c, err := mapCounter("OpenInt64", h)
	if err != nil {
		return nil, err
	}
	return &Int64{c}, nil
}

// Int64FromFile returns a handle to the counter f refers to.
func Int64FromFile(f *os.File) (*Int64, error) {
	h, err := fromFile("Int64FromFile", typeCounter, f)
	if err != nil {
		return nil, err
	}
	c, err := mapCounter("Int64FromFile", h)
	if err != nil {
		return nil, err
	}
	return &Int64{c}, nil
}

// Load atomically loads and returns the value.
func (x *Int64) Load() (int64, error) { return x.op("Int64.Load", opLoad, 0, 0) }

// Store atomically stores val.
func (x *Int64) Store(val int64) error {
	_, err := x.op("Int64.Store", opStore, val, 0)
	return err
}

// Swap atomically stores new and returns the previous value.
func (x *Int64) Swap(new int64) (old int64, err error) {
	return x.op("Int64.Swap", opSwap, new, 0)
}

// CompareAndSwap executes the compare-and-swap operation: if the value is
// old, it becomes new, and swapped is true.
func (x *Int64) CompareAndSwap(old, new int64) (swapped bool, err error) {
	v, err := x.op("Int64.CompareAndSwap", opCAS, new, old)
	return err == nil && v == old, err
}

// Add atomically adds delta and returns the new value.
func (x *Int64) Add(delta int64) (new int64, err error) {
	return x.op("Int64.Add", opAdd, delta, 0)
}

// And atomically performs a bitwise AND with mask and returns the old
// value (Go 1.23).
func (x *Int64) And(mask int64) (old int64, err error) {
	return x.op("Int64.And", opAnd, mask, 0)
}

// Or atomically performs a bitwise OR with mask and returns the old value
// (Go 1.23).
func (x *Int64) Or(mask int64) (old int64, err error) {
	return x.op("Int64.Or", opOr, mask, 0)
}

// A Uint64 is sync/atomic's Uint64 as a kernel object: the same kernel
// counter as Int64, its 64 bits read as unsigned. To subtract a signed
// positive constant value c, do x.Add(^uint64(c-1)), as in Go.
//
// The zero value is not usable: make one with NewUint64 or OpenUint64. Its
// methods fail with an error matching os.ErrInvalid.
type Uint64 struct {
	counter
}

// NewUint64 creates a Uint64 holding initial. Options: Named, Mode,
// Unmapped (mapped as NewInt64's).
func NewUint64(initial uint64, opts ...Option) (*Uint64, error) {
	c, err := newCounter("NewUint64", int64(initial), opts)
	if err != nil {
		return nil, err
	}
	return &Uint64{c}, nil
}

// OpenUint64 opens the counter published under name.
func OpenUint64(name string) (*Uint64, error) {
	h, err := open("OpenUint64", typeCounter, name)
	if err != nil {
		return nil, err
	}
	c, err := mapCounter("OpenUint64", h)
	if err != nil {
		return nil, err
	}
	return &Uint64{c}, nil
}

// Uint64FromFile returns a handle to the counter f refers to.
func Uint64FromFile(f *os.File) (*Uint64, error) {
	h, err := fromFile("Uint64FromFile", typeCounter, f)
	if err != nil {
		return nil, err
	}
	c, err := mapCounter("Uint64FromFile", h)
	if err != nil {
		return nil, err
	}
	return &Uint64{c}, nil
}

func (x *Uint64) uop(name string, op uint32, arg, expected uint64) (uint64, error) {
	v, err := x.op(name, op, int64(arg), int64(expected))
	return uint64(v), err
}

// Load atomically loads and returns the value.
func (x *Uint64) Load() (uint64, error) { return x.uop("Uint64.Load", opLoad, 0, 0) }

// Store atomically stores val.
func (x *Uint64) Store(val uint64) error {
	_, err := x.uop("Uint64.Store", opStore, val, 0)
	return err
}

// Swap atomically stores new and returns the previous value.
func (x *Uint64) Swap(new uint64) (old uint64, err error) {
	return x.uop("Uint64.Swap", opSwap, new, 0)
}

// CompareAndSwap executes the compare-and-swap operation for x.
func (x *Uint64) CompareAndSwap(old, new uint64) (swapped bool, err error) {
	v, err := x.uop("Uint64.CompareAndSwap", opCAS, new, old)
	return err == nil && v == old, err
}

// Add atomically adds delta and returns the new value.
func (x *Uint64) Add(delta uint64) (new uint64, err error) {
	return x.uop("Uint64.Add", opAdd, delta, 0)
}

// And atomically performs a bitwise AND with mask and returns the old value.
func (x *Uint64) And(mask uint64) (old uint64, err error) {
	return x.uop("Uint64.And", opAnd, mask, 0)
}

// Or atomically performs a bitwise OR with mask and returns the old value.
func (x *Uint64) Or(mask uint64) (old uint64, err error) {
	return x.uop("Uint64.Or", opOr, mask, 0)
}
