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
package gosync
