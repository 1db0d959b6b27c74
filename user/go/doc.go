// SPDX-License-Identifier: GPL-2.0

// Package gosync gives Go programs Go's synchronization primitives (sync,
// sync/atomic, x/sync/semaphore, channels and select) as objects of the
// gosync kernel module, shared by threads and processes: each value is a
// handle, a file descriptor of a kernel object, made by NewX (create),
// OpenX (by name) or XFromFile (passed from another process). docs/go.md
// maps each type to Go's and says what differs.
//
// # Zero values
//
// Unlike Go's sync types, the zero value of a type here is not usable:
// it has no kernel object. Make one with NewX or OpenX. Every method of a
// zero value fails with an error matching os.ErrInvalid (Close too), or,
// without an error result, panics with that error (Lock, Unlock, RLock,
// RUnlock, as they panic for any error) or returns its zero result
// (TryLock false, Cap 0, Name ""); a Case made from one fails its Select
// so. A nil pointer is not a zero value: its methods panic.
//
// # Closing
//
// Close a handle when done with it. A handle that becomes unreachable is
// closed by a finalizer, as an os.File is, and closing it releases a
// robust lock or Semaphore permits still held through it (once no other
// descriptor shares its open file description): a goroutine that holds a
// lock through a handle it no longer refers to may lose it to the garbage
// collector. Keep such a handle reachable (runtime.KeepAlive), or Close it
// deliberately.
//
// # Contexts
//
// A call given a context that is already done does not fail at once: as
// x/sync's Semaphore.Acquire did before go.dev/issue/63615, it still tries
// the operation once without waiting, and may succeed. So LockContext and
// RLockContext take a free lock; Semaphore.Acquire takes n free permits
// (and Acquire of 0 succeeds; of more than Size it returns ctx.Err());
// Chan.SendContext sends if there is room, or a receiver waiting in the
// kernel;
// Chan.RecvContext receives a buffered message, a waiting sender's, or the
// closed Chan's ok false; WaitGroup.WaitContext returns nil at zero; and
// Once.DoContext and DoValue return a done Once's result, or run f if no
// caller has (ctx.Err() only if another caller is running f). Only when
// the operation would wait do they return ctx.Err(). Select and
// Cond.WaitContext return ctx.Err() at once instead, having tried no case
// (use TrySelect for that) or, for the Wait, with L still locked.
//
// A call that waits and is cancelled may be completed by another's call
// made after the cancellation (the cancellation reaches the wait through
// another goroutine). Semaphore.Acquire, LockContext and RLockContext then
// give back what they took and return ctx.Err(), as x/sync's Acquire does;
// the others return what completed, which cannot be undone (a message
// sent or received: RecvContext returns it rather than lose it).
package gosync
