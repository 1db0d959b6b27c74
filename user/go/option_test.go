// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"io"
	"strconv"
	"syscall"
	"testing"

	"gosync"
)

// An option's argument that its uapi field cannot hold fails the create
// with EINVAL, before the kernel is asked, rather than pass truncated:
// MaxMessage(1<<32+16) made a Chan of 16-byte messages, MaxEntries(-1) a
// Map of 4294967295 entries.
func TestOptionRange(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int is 32 bits: no MaxMessage or MaxEntries argument is too large")
	}
	n := int64(1<<32 + 16)
	for _, c := range []struct {
		what string
		make func() (io.Closer, error)
	}{
		{"MaxMessage(1<<32+16)", func() (io.Closer, error) { return gosync.NewChan(1, gosync.MaxMessage(int(n))) }},
		{"MaxMessage(-1)", func() (io.Closer, error) { return gosync.NewChan(1, gosync.MaxMessage(-1)) }},
		{"MaxEntries(1<<32+16)", func() (io.Closer, error) { return gosync.NewMap(gosync.MaxEntries(int(n))) }},
		{"MaxEntries(-1)", func() (io.Closer, error) { return gosync.NewMap(gosync.MaxEntries(-1)) }},
		{"MaxBytes(-1)", func() (io.Closer, error) { return gosync.NewMap(gosync.MaxBytes(-1)) }},
	} {
		obj, err := c.make()
		if err == nil {
			obj.Close()
		}
		if !isKind(err, syscall.EINVAL) {
			t.Errorf("%s: %v, want an error matching syscall.EINVAL", c.what, err)
		}
	}
}
