// SPDX-License-Identifier: GPL-2.0

package gosync

import "unsafe"

// What the package's external tests (package gosync_test) need of its
// insides.

// MaxKernelWaits is maxKernelWaits: how many goroutines of a process at
// most wait in the kernel's queue for fairness (each holds an OS thread).
const MaxKernelWaits = maxKernelWaits

// RaceBuild: see racebuild_test.go.
const RaceBuild = raceBuild

// IocWait and IocCond are the ioctl requests of GOSYNC_IOC_WAIT (every
// kernel wait of Send, Select and the fairness waits) and of a Cond's
// commands (its Wait): what a thread asleep in one shows as its system
// call's second argument (/proc/PID/task/TID/syscall).
const (
	IocWait = iocWait
	IocCond = iocCond
)

// setTestHookClose sets testHookClose to f (nil: none).
func setTestHookClose(f func(h *handle)) {
	if f == nil {
		testHookClose.Store(nil)
		return
	}
	testHookClose.Store(&f)
}

// SetTestHookClose sets a hook that Close runs once it is decided (nil:
// none), for a test of the hook's synchronization.
func SetTestHookClose(f func()) {
	if f == nil {
		setTestHookClose(nil)
		return
	}
	setTestHookClose(func(*handle) { f() })
}

// SetTestHookCondCancel sets a hook that a cancelled Cond.WaitContext's
// canceler runs before each look at whether the Wait is queued; true skips
// the look, as if it were not queued yet (nil: none).
func SetTestHookCondCancel(f func() bool) {
	if f == nil {
		testHookCondCancel.Store(nil)
		return
	}
	testHookCondCancel.Store(&f)
}

// HasFeature is hasFeature: whether the module has the flag behind
// GOSYNC_IOC_VERSION's feature bit f (yes if the device cannot be asked).
func HasFeature(f uint64) bool { return hasFeature(f) }

// KernelWaitGroupWait waits until wg's counter is zero asleep in the kernel
// (GOSYNC_WG_WAIT), as a C program's Wait does (the package's Wait polls):
// until it has returned, the kernel counts it among the Waits a zero
// released, and an Add from that zero is ErrWaitGroupMisuse.
func KernelWaitGroupWait(wg *WaitGroup) error {
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), flags: waitAbstime,
		op: wgWait, timeoutNs: forever}
	return newError("WaitGroup.Wait", wg.hd().name, wg.hd().do(iocWaitGroup, unsafe.Pointer(&c)),
		wgKinds...)
}
