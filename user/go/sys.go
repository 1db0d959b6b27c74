// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"errors"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// ioctl runs one gosync command. EINTR is retried: the package's blocking
// calls carry absolute deadlines (GOSYNC_WAIT_ABSTIME), which the kernel
// restarts itself after a signal handler with SA_RESTART (every handler of
// the Go runtime: SIGURG preemption, SIGPROF, ...), and the same absolute
// deadline means the same thing again; non-blocking calls fail with EINTR
// only for a fatal signal. Cond.Wait, which must not be repeated blindly,
// uses ioctlOnce.
func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e == 0 {
			return nil
		}
		if e != syscall.EINTR {
			return e
		}
	}
}

// ioctlOnce is ioctl without the EINTR retry.
func ioctlOnce(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if e == 0 {
		return nil
	}
	return e
}

// ioctlNoSignals is ioctlOnce with (almost) every signal blocked on its
// thread, for a wait the kernel must not restart (Cond's): a signal then
// neither ends it early nor is lost (a thread-directed one stays pending
// until the mask is restored; process-directed ones go to other threads).
// SIGKILL and SIGSTOP cannot be blocked.
//
// Signals 32 and 33 stay unblocked (sigKeep): glibc's SIGCANCEL and
// SIGSETXID, and 33 is also the Go runtime's per-thread syscall signal
// (syscall.Setuid, Setgid, Setgroups, ..., AllThreadsSyscall; with cgo,
// glibc's setxid). Those send it to every thread and wait, the world
// stopped, until each has run the handler: blocked here, a Wait that
// nobody signals would hang them for good. Taken, it ends the Wait with
// EINTR, which the caller reports as a spurious wake-up (L locked again).
func ioctlNoSignals(fd int, req uintptr, arg unsafe.Pointer) error {
	const sigBlock, sigSetmask = 0, 2
	const sigKeep = 1<<(32-1) | 1<<(33-1) // signal n is bit n-1
	all, old := ^uint64(0)&^sigKeep, uint64(0)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock,
		uintptr(unsafe.Pointer(&all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return ioctlOnce(fd, req, arg)
	}
	err := ioctlOnce(fd, req, arg)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask,
		uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	return err
}

// ioctlFd runs a command that returns a file descriptor.
func ioctlFd(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e == 0 {
			return int(r), nil
		}
		if e != syscall.EINTR {
			return -1, e
		}
	}
}

// dupFd duplicates fd (close-on-exec); the copy shares its open file
// description, which is what gosync's locks and permits are held by.
func dupFd(fd int) (int, error) {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
		if e == 0 {
			return int(r), nil
		}
		if e != syscall.EINTR {
			return -1, e
		}
	}
}

// The device: opened on first use and kept (close-on-exec). Only success
// is kept: a first open that fails (no descriptor left, EMFILE; the module
// not loaded yet, ENOENT) fails that call, and the next call tries again.
// Opened under mu, so that callers that come together open it once.
var dev struct {
	mu sync.Mutex
	fd atomic.Int32 // the descriptor + 1; 0 until opened
}

// DevicePath is the gosync device the package opens on first use.
const DevicePath = "/dev/gosync"

func device() (int, error) {
	if fd := dev.fd.Load(); fd != 0 {
		return int(fd - 1), nil
	}
	dev.mu.Lock()
	defer dev.mu.Unlock()
	if fd := dev.fd.Load(); fd != 0 {
		return int(fd - 1), nil
	}
	fd, err := openDevice(DevicePath)
	if err != nil {
		return -1, err
	}
	dev.fd.Store(int32(fd) + 1)
	return fd, nil
}

// openDevice opens the gosync device at path. No node (ENOENT), or no
// driver behind it (ENXIO, ENODEV), is no module: noModuleError, which
// matches ErrNotSupported and not os.ErrNotExist, which callers take for
// a missing name. Anything else (EACCES: os.ErrPermission) is the open's.
func openDevice(path string) (int, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err == syscall.ENOENT || err == syscall.ENXIO || err == syscall.ENODEV {
		return -1, &noModuleError{path: path, errno: err.(syscall.Errno)}
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// noModuleError: the device could not be opened for want of the module.
// It does not unwrap to its errno, which would match os.ErrNotExist.
type noModuleError struct {
	path  string
	errno syscall.Errno
}

func (e *noModuleError) Error() string {
	return "gosync module not loaded (open " + e.path + ": " + e.errno.Error() + ")"
}

func (e *noModuleError) Is(target error) bool { return target == ErrNotSupported }

var feat struct {
	mu    sync.Mutex  // one asker at a time; guards the store of bits
	known atomic.Bool // bits holds the answer (set under mu, after bits)
	bits  uint64
}

// hasFeature reports whether the module has the flag behind feature bit f
// (GOSYNC_IOC_VERSION's features), asked once. If the device cannot be
// asked, yes: the module is taken to be as new as the package. That answer
// is kept only if the device will not do better later (the process may not
// open it, a module without VERSION); a failure that passes (no descriptor
// or memory left) gives it for this call only, and the next one asks again.
func hasFeature(f uint64) bool {
	if !feat.known.Load() {
		feat.mu.Lock()
		if !feat.known.Load() {
			bits, final := askFeatures()
			if !final {
				feat.mu.Unlock()
				return bits&f != 0
			}
			feat.bits = bits
			feat.known.Store(true)
		}
		feat.mu.Unlock()
	}
	return feat.bits&f != 0
}

// askFeatures asks the module for its feature bits: them, or every bit if it
// cannot be asked; final says whether that answer is for good.
func askFeatures() (bits uint64, final bool) {
	dfd, err := device()
	if err != nil {
		var errno syscall.Errno
		// Passing: no descriptor or memory left. A device node that is
		// not there (ENOENT, ENXIO) is taken as final here, though
		// device() tries again: a process given descriptors without the
		// node (a container) would else open() on every WaitGroup Done.
		return ^uint64(0), !(errors.As(err, &errno) && (errno == syscall.EMFILE ||
			errno == syscall.ENFILE || errno == syscall.ENOMEM || errno == syscall.EINTR))
	}
	v := versionCmd{size: uint32(unsafe.Sizeof(versionCmd{}))}
	if ioctl(dfd, iocVersion, unsafe.Pointer(&v)) != nil {
		return ^uint64(0), true
	}
	return v.features, true
}

// Absolute deadlines are on CLOCK_MONOTONIC, the clock of Go's monotonic
// time readings: the kernel's reading monoBase was taken at Go's time
// monoBaseGo, give or take half the narrowest of a few (Go, kernel, Go)
// brackets, which is where the pair comes from. Read once, a thread
// preempted between the two reads (a stalled vCPU: tens of ms) would have
// made every deadline early by the stall for the life of the process.
// Callers still check Go's clock when the kernel says time is up.
var monoBase, monoBaseGo, _ = calibrate()

// calibrateHook, if set (by tests), runs inside the i'th bracket.
var calibrateHook func(i int)

func calibrate() (base int64, baseGo time.Time, slack time.Duration) {
	slack = -1
	for i := 0; i < 8; i++ {
		t0 := time.Now()
		if calibrateHook != nil {
			calibrateHook(i)
		}
		m := monoNowSyscall()
		t1 := time.Now()
		if w := t1.Sub(t0); slack < 0 || w < slack {
			base, baseGo, slack = m, t0.Add(w/2), w/2
		}
	}
	return base, baseGo, slack
}

func monoNowSyscall() int64 {
	var ts syscall.Timespec
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		panic("gosync: clock_gettime(CLOCK_MONOTONIC): " + e.Error())
	}
	return ts.Nano()
}

// forever is the absolute deadline that never comes.
const forever = ^uint64(0)

// monoAt converts t to CLOCK_MONOTONIC nanoseconds (0 if long past,
// forever if beyond what the clock can say: context.WithTimeout(ctx,
// math.MaxInt64) is a common "no timeout", and wrapping would make it past).
//
// Relative to now, not to monoBaseGo: a t without a monotonic reading
// (from time.Unix, a parsed time, .UTC()) is compared by the wall clock,
// which may have stepped, or not counted a suspend, since monoBaseGo.
func monoAt(t time.Time) uint64 {
	now := time.Now()
	base := monoBase + int64(now.Sub(monoBaseGo))
	d := int64(t.Sub(now))
	if d > math.MaxInt64-base {
		return forever
	}
	ns := base + d
	if ns < 0 {
		return 0
	}
	return uint64(ns)
}

// tooLong reports whether n bytes are more than the ABI's __u32 lengths
// say (4 GiB or more): the callers fail with the errno the kernel gives
// for too long (ErrTooLarge) rather than pass a truncated length.
func tooLong(n int) bool { return uint64(n) > math.MaxUint32 }

// cstring returns s as a NUL-terminated byte string.
func cstring(s string) []byte {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b
}

// bytesPtr points to b's bytes (nil for an empty slice).
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// stringPtr points to s's bytes (nil for "").
func stringPtr(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(&s))
}
