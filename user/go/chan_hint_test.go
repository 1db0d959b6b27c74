// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// A Chan opened by name learns its longest message from the kernel, so its
// receives have room for any message from the first (no EOVERFLOW retry).
func TestOpenChanMaxMessage(t *testing.T) {
	name := fmt.Sprintf("gotest-%d-chanhint", os.Getpid())
	for _, max := range []int{0, 10000} {
		var opts []Option
		if max != 0 {
			opts = append(opts, MaxMessage(max))
		}
		c, err := NewChan(1, append(opts, Named(name, 0600))...)
		if err != nil {
			t.Fatal(err)
		}
		o, err := OpenChan(name)
		Unlink(name)
		if err != nil {
			c.Close()
			t.Fatal(err)
		}
		want := max
		if want == 0 {
			want = chanMsgDef
		}
		if got := o.hint.Load(); got != uint32(want) {
			t.Errorf("MaxMessage(%d): OpenChan's receive room %d, want %d", max, got, want)
		}
		msg := bytes.Repeat([]byte{'x'}, want)
		if err := c.Send(msg); err != nil {
			t.Errorf("Send of %d bytes: %v", want, err)
		} else if got, ok, err := o.Recv(); !ok || err != nil || !bytes.Equal(got, msg) {
			t.Errorf("Recv: %d bytes, %v, %v", len(got), ok, err)
		}
		o.Close()
		c.Close()
	}
}
