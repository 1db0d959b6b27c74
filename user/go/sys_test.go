// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// No device node is no module: an error matching ErrNotSupported, not
// os.ErrNotExist, which an open-or-create loop takes for a missing name
// (OpenMutex's) and answers with a create that fails the same way.
func TestOpenDeviceMissing(t *testing.T) {
	fd, err := openDevice("/nonexistent/gosync")
	if err == nil {
		syscall.Close(fd)
		t.Fatal("opened /nonexistent/gosync")
	}
	err = newError("OpenMutex", "x", err)
	if !errors.Is(err, ErrNotSupported) || errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenMutex without the device: %v: want ErrNotSupported, not os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("OpenMutex without the device: %q does not say the module is not loaded", err)
	}
}
