// SPDX-License-Identifier: GPL-2.0

package gosync

// What the package's external tests (package gosync_test) need of its
// insides.

// MaxKernelWaits is maxKernelWaits: how many goroutines of a process at
// most wait in the kernel's queue for fairness (each holds an OS thread).
const MaxKernelWaits = maxKernelWaits
