// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A Once is Go's sync.Once as a kernel object: Do calls its function in
// exactly one caller, in whichever process comes first, and every other
// Do waits until that call has returned.
//
// In the terminology of the Go memory model, the return from f
// synchronizes before the return from any call of Do, in any process.
//
// A Once made by NewOnceValue also keeps the bytes f returns (Go 1.21's
// OnceValue), and hands them to every caller: see DoValue and OnceValue.
//
// If f's caller dies before f returns (its process exits, or the handle
// it called Do through closes), the Once is done, as Go's is when f
// panics, and Do reports ErrOwnerDead; created with Retry, the next caller
// runs f instead.
//
// The zero value is not usable: make one with NewOnce, NewOnceValue or
// OpenOnce. Its methods fail with an error matching os.ErrInvalid.
type Once struct {
	base
	kind atomic.Uint32 // 0: not known yet, onceKindPlain, onceKindValue
}

const (
	onceKindPlain = 1
	onceKindValue = 2
)

// hasValue reports whether o keeps a value. A LOAD with room for one
// tells: a Once without a value refuses it (EINVAL).
func (o *Once) hasValue() (bool, error) {
	if k := o.kind.Load(); k != 0 {
		return k == onceKindValue, nil
	}
	var b [1]byte
	c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceLoad,
		buf: unsafe.Pointer(&b[0]), len: 1}
	switch err := o.hd().do(iocOnce, unsafe.Pointer(&c)); err {
	case syscall.EINVAL:
		o.kind.Store(onceKindPlain)
	case nil, syscall.EOVERFLOW:
		o.kind.Store(onceKindValue)
	default:
		return false, err
	}
	return o.kind.Load() == onceKindValue, nil
}

// newOnce maps h's page, if the Once has one, for the fast path.
func newOnce(op string, h *handle, kind uint32) (*Once, error) {
	if err := h.mapWords(); err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	o := &Once{base: base{h}}
	o.kind.Store(kind)
	return o, nil
}

// NewOnce creates a Once. Options: Named, Retry, Unmapped.
//
// The Once is mapped (GOSYNC_CREATE_MAPPED) unless Unmapped says not to:
// the kernel stores its result in a word of a page shared with every
// process that has it mapped once it is done, and a Do that finds it done
// there returns without a system call (Go's fast path). A Once opened or
// made from a file follows how it was created.
func NewOnce(opts ...Option) (*Once, error) {
	h, err := create("NewOnce", typeOnce, opts, func(c *createCmd) {
		c.flags |= createMapped
	})
	if err != nil {
		return nil, err
	}
	return newOnce("NewOnce", h, onceKindPlain)
}

// NewOnceValue creates a Once that keeps the value its function returns,
// at most maxLen bytes (up to 65536). Options: Named, Retry, Unmapped
// (mapped as NewOnce's: Do, not DoValue, which needs the value, returns
// without a system call once done).
func NewOnceValue(maxLen int, opts ...Option) (*Once, error) {
	if maxLen < 1 || maxLen > onceValueMax {
		return nil, newError("NewOnceValue", "", syscall.EINVAL)
	}
	h, err := create("NewOnceValue", typeOnce, opts, func(c *createCmd) {
		(*onceAttr)(unsafe.Pointer(&c.attr)).valueMax = uint32(maxLen)
		c.flags |= createMapped
	})
	if err != nil {
		return nil, err
	}
	return newOnce("NewOnceValue", h, onceKindValue)
}

// OpenOnce opens the Once (or OnceValue) published under name.
func OpenOnce(name string) (*Once, error) {
	h, err := open("OpenOnce", typeOnce, name)
	if err != nil {
		return nil, err
	}
	return newOnce("OpenOnce", h, 0)
}

// OnceFromFile returns a handle to the Once f refers to.
func OnceFromFile(f *os.File) (*Once, error) {
	h, err := fromFile("OnceFromFile", typeOnce, f)
	if err != nil {
		return nil, err
	}
	return newOnce("OnceFromFile", h, 0)
}

// fastDone loads a mapped Once's word (libgosync's user/lib/fast_once.c):
// 0 until done, then its result (onceDone, with onceAbandoned if the
// runner died), stored by the kernel with release after f's Complete. 0
// for a Once that is not mapped, or a closed handle.
func (h *handle) fastDone() uint32 {
	if h.word == nil {
		return 0
	}
	if _, err := h.get(); err != nil {
		return 0
	}
	v := atomic.LoadUint32(h.word)
	h.put()
	return v
}

// onceTry is a DO that never waits (an absolute deadline in the past): the
// result bits, ETIMEDOUT while another caller runs f, and for a OnceValue
// the value's length (copied into buf if it fits, else EOVERFLOW).
func onceTry(fd int, buf []byte) (uint32, int, error) {
	c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceDo, flags: waitAbstime,
		buf: bytesPtr(buf), len: uint32(len(buf))}
	err := ioctl(fd, iocOnce, unsafe.Pointer(&c))
	return c.result, int(c.len), err
}

// do is Do, DoContext and DoValue: it runs f if this caller is first and,
// for a OnceValue (wantValue), returns the value its runner gave.
func (o *Once) do(ctx context.Context, name string, f func() ([]byte, error),
	wantValue bool) ([]byte, error) {
	if !wantValue {
		// Mapped and done: Go's `if done.Load() { return }`.
		if v := o.hd().fastDone(); v&onceDone != 0 {
			o.hd().raceAcquire() // f's effects happen before every Do returns
			if v&onceAbandoned != 0 {
				return nil, &Error{Op: name, Name: o.hd().name, Err: syscall.EOWNERDEAD,
					kind: ErrOwnerDead}
			}
			return nil, nil
		}
	}
	isValue, err := o.hasValue()
	if err != nil {
		return nil, newError(name, o.hd().name, err)
	}
	if wantValue && !isValue {
		return nil, &Error{Op: name, Name: o.hd().name, Err: syscall.EINVAL, kind: ErrWrongType}
	}
	var buf []byte
	if wantValue {
		buf = make([]byte, 512)
	}
	var result uint32
	var n int
	try := func(fd int) (bool, error) {
		var err error
		result, n, err = onceTry(fd, buf)
		if err == syscall.ETIMEDOUT {
			return false, nil // another caller is running f
		}
		return true, err
	}
	fd, err := o.hd().get()
	if err != nil {
		return nil, newError(name, o.hd().name, err)
	}
	done, err := try(fd)
	o.hd().put()
	if !done {
		// recheck: a runner that dies under Retry makes the Once new
		// again, which wakes no poller.
		err = o.hd().await(ctx, &waiter{try: try, recheck: 50 * starvation})
	}
	if err == syscall.EOVERFLOW {
		// Done, with a longer value than buf: read it.
		buf = make([]byte, n)
		c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceLoad,
			buf: bytesPtr(buf), len: uint32(len(buf))}
		err = o.hd().do(iocOnce, unsafe.Pointer(&c))
		result, n = c.result, int(c.len)
	}
	if err != nil {
		return nil, newError(name, o.hd().name, err)
	}
	if result&onceRun != 0 {
		return o.run(name, f, isValue)
	}
	o.hd().raceAcquire() // f's effects happen before every Do returns
	if result&onceAbandoned != 0 {
		return nil, &Error{Op: name, Name: o.hd().name, Err: syscall.EOWNERDEAD, kind: ErrOwnerDead}
	}
	if !wantValue {
		return nil, nil
	}
	return buf[:n], nil
}

// run calls f as the Once's runner and completes it, also if f panics
// (Go's Once counts that as returning). A OnceValue's runner that has no
// value to give (f panicked or failed, or the Once cannot keep its value:
// too long, no memory) fails the Once instead (GOSYNC_ONCE_F_FAILED): the
// other callers get ErrOwnerDead, as Go 1.21's OnceValue panics in every
// caller, not an empty value they would take for f's.
func (o *Once) run(name string, f func() ([]byte, error), isValue bool) ([]byte, error) {
	complete := func(v []byte) error {
		if tooLong(len(v)) {
			return syscall.EMSGSIZE // the kernel's for too long
		}
		o.hd().raceReleaseMerge()
		c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceComplete,
			buf: bytesPtr(v), len: uint32(len(v))}
		return o.hd().do(iocOnce, unsafe.Pointer(&c))
	}
	fail := func() {
		if !isValue {
			complete(nil)
			return
		}
		if !hasFeature(featureOnceFailed) {
			complete(nil) // a module before GOSYNC_ONCE_F_FAILED
			return
		}
		o.hd().raceReleaseMerge()
		c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceComplete,
			flags: onceFailed}
		o.hd().do(iocOnce, unsafe.Pointer(&c))
	}
	completed := false
	defer func() {
		if !completed {
			fail()
		}
	}()
	v, err := f()
	if !isValue {
		v = nil
	}
	if err == nil {
		err = complete(v)
	}
	if err != nil {
		fail()
	}
	completed = true
	if err != nil {
		return nil, newError(name, o.hd().name, err)
	}
	return v, nil
}

// DoContext calls f if and only if this is the first call of Do on the
// Once, in any process; otherwise it waits until f has returned, or until
// ctx is done (ctx.Err(); f may still be running elsewhere). It returns
// ErrOwnerDead if the caller that ran f died before it returned. If f
// panics, the Once is done and the panic goes on.
//
// As in Go, f must not call Do on the same Once: it would deadlock.
func (o *Once) DoContext(ctx context.Context, f func()) error {
	_, err := o.do(ctx, "Once.Do", func() ([]byte, error) { f(); return nil, nil }, false)
	return err
}

// Do is DoContext without a context.
func (o *Once) Do(f func()) error { return o.DoContext(context.Background(), f) }

// DoValue is Do for a Once made by NewOnceValue: the first caller runs f
// and every caller gets the bytes it returned. If f panics, or returns
// more than the Once's maxLen (ErrTooLarge for its caller), the Once is
// done with no value, and the other callers get ErrOwnerDead (with Retry,
// the next caller runs f).
func (o *Once) DoValue(ctx context.Context, f func() []byte) ([]byte, error) {
	return o.do(ctx, "Once.DoValue", func() ([]byte, error) { return f(), nil }, true)
}

// Done reports whether f has returned (or its runner died).
func (o *Once) Done() (bool, error) {
	if o.hd().fastDone()&onceDone != 0 {
		return true, nil
	}
	c := onceCmd{size: uint32(unsafe.Sizeof(onceCmd{})), op: onceLoad}
	err := o.hd().do(iocOnce, unsafe.Pointer(&c))
	return c.result&onceDone != 0, newError("Once.Done", o.hd().name, err)
}

// OnceValue returns a function that calls f only once, in whichever
// process calls it first, and returns f's value to every caller in every
// process (Go 1.21's sync.OnceValue, across processes): o must come from
// NewOnceValue or OpenOnce of one, with a maxLen that holds c's encoding
// of the value. If f panics (the panic goes on in its caller), or its
// value cannot be encoded or kept, the Once is done with no value and the
// other callers get ErrOwnerDead.
func OnceValue[T any](o *Once, c Codec[T], f func() T) func() (T, error) {
	return func() (T, error) {
		b, err := o.do(context.Background(), "OnceValue", func() ([]byte, error) {
			return c.Encode(f())
		}, true)
		var zero T
		if err != nil {
			return zero, err
		}
		v, err := c.Decode(b)
		if err != nil {
			return zero, newError("OnceValue", o.hd().name, err)
		}
		return v, nil
	}
}
