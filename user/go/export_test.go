// SPDX-License-Identifier: GPL-2.0

package gosync

// What the package's external tests (package gosync_test) need of its
// insides.

// MaxKernelWaits is maxKernelWaits: how many goroutines of a process at
// most wait in the kernel's queue for fairness (each holds an OS thread).
const MaxKernelWaits = maxKernelWaits

// IocWait and IocCond are the ioctl requests of GOSYNC_IOC_WAIT (every
// kernel wait of Send, Select and the fairness waits) and of a Cond's
// commands (its Wait): what a thread asleep in one shows as its system
// call's second argument (/proc/PID/task/TID/syscall).
const (
	IocWait = iocWait
	IocCond = iocCond
)
