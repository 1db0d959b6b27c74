// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"errors"
	"syscall"
)

// Errors that say what happened in Go's terms. Errors the package returns
// are *Error values, except for a few that come back bare: ctx.Err()
// (context.Canceled, context.DeadlineExceeded) from calls that wait,
// ErrWouldBlock from TrySelect, and a Codec's errors from TypedMap and
// TypedChan. Test for all of these with errors.Is. The kernel's errno
// is there too (errors.Is(err, syscall.EOWNERDEAD)), and so are the os
// package's classes: errors.Is(err, os.ErrPermission) for EACCES and EPERM,
// os.ErrNotExist for a missing name, os.ErrExist for a taken one, and
// os.ErrClosed for a call on a handle after Close.
var (
	// ErrOwnerDead: the previous owner died or failed. For a Lock (robust
	// locks only; see NonRobust), the lock was taken and is held now, but
	// its previous holder went away holding it: what it protected may be
	// half updated. For a Once, its runner died before f returned (the
	// Once is done, unless Retry); for a OnceValue, also its f panicked or
	// its value could not be kept: there is no value.
	ErrOwnerDead = errors.New("gosync: previous owner died or failed")

	// ErrClosed: a Send on a closed Chan, or CloseChan of a closed one
	// (Go panics for both).
	ErrClosed = errors.New("gosync: channel closed")

	// ErrNotLocked: Unlock of an unlocked Mutex or RWMutex, or RUnlock
	// through a handle that holds no read lock (Go: a fatal error).
	ErrNotLocked = errors.New("gosync: unlock of unlocked mutex")

	// ErrNegativeCounter: an Add or Done that would take a WaitGroup's
	// counter below zero (Go panics). Nothing changed.
	ErrNegativeCounter = errors.New("gosync: negative WaitGroup counter")

	// ErrWaitGroupMisuse: an Add from zero while Waits released by the
	// last zero have not yet returned (Go panics: "WaitGroup misuse: Add
	// called concurrently with Wait"). Nothing changed.
	ErrWaitGroupMisuse = errors.New("gosync: WaitGroup misuse: Add called concurrently with Wait")

	// ErrNotHeld: a Semaphore Release of more permits than this handle
	// holds (x/sync panics: "semaphore: released more than held").
	ErrNotHeld = errors.New("gosync: semaphore released more than held")

	// ErrTooLarge: a key, value or message longer than the object allows.
	ErrTooLarge = errors.New("gosync: too large")

	// ErrNotSupported: the loaded module lacks the object type or the
	// operation (an older module, or a counter mode without it), or no
	// module is loaded (no device to open: not os.ErrNotExist, which is
	// a missing name).
	ErrNotSupported = errors.New("gosync: not supported")

	// ErrWrongType: a file descriptor or name that is not a gosync object
	// of the type asked for.
	ErrWrongType = errors.New("gosync: not an object of this type")
)

// Error records a failed call: the operation, the object's name if it
// has one, and why. Unwrap gives the cause: a syscall.Errno from the
// kernel, os.ErrClosed, or another error; Is matches the package's
// sentinel errors (ErrOwnerDead, ...).
type Error struct {
	Op   string // what was called, as "Mutex.Unlock"
	Name string // the object's name, "" if anonymous or unknown
	Err  error  // the cause
	kind error  // one of the package's sentinels, or nil
}

func (e *Error) Error() string {
	s := e.Op
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.kind != nil {
		return s + ": " + e.kind.Error()
	}
	if e.Err == nil { // a zero Error
		return s + ": <nil>"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the package sentinel this error stands for.
func (e *Error) Is(target error) bool { return e.kind != nil && target == e.kind }

// newError wraps err for op; errno values get the sentinel that op gives
// them (kinds maps an errno to it, before the common ones). The context
// package's errors pass through as they are, as x/sync's and net's do.
func newError(op, name string, err error, kinds ...errKind) error {
	if err == nil || err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	e := &Error{Op: op, Name: name, Err: err}
	if errno, ok := err.(syscall.Errno); ok {
		for _, k := range kinds {
			if k.errno == errno {
				e.kind = k.kind
				return e
			}
		}
		switch errno {
		case syscall.EOWNERDEAD:
			e.kind = ErrOwnerDead
		case syscall.ENOTTY, syscall.EOPNOTSUPP:
			e.kind = ErrNotSupported
		case syscall.E2BIG, syscall.EMSGSIZE:
			e.kind = ErrTooLarge
		}
	}
	return e
}

// errKind maps an errno to a sentinel for one operation.
type errKind struct {
	errno syscall.Errno
	kind  error
}
