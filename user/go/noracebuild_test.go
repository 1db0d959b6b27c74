// SPDX-License-Identifier: GPL-2.0

//go:build !race

package gosync

// raceBuild: see racebuild_test.go.
const raceBuild = false
