// SPDX-License-Identifier: GPL-2.0

//go:build race

package gosync

// raceBuild: this test binary has the race detector (make check runs it
// after the plain one). Tests that repeat Go's counts take a tenth of them
// here: the plain run keeps Go's, and the detector's run checks the same
// code paths for races at about three times the cost per round.
const raceBuild = true
