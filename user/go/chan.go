// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A Chan is a Go channel of byte strings as a kernel object, shared by
// every process with a handle to it: a buffered channel holds up to its
// capacity of messages; an unbuffered one hands each message from a
// sender to a receiver directly. Messages are copied in and out, up to
// the Chan's longest message (MaxMessage; 4096 bytes by default).
//
// In the terminology of the Go memory model, a send synchronizes before
// the completion of the corresponding receive; closing synchronizes
// before a receive that returns because the channel is closed; the k'th
// receive on a channel with capacity C synchronizes before the completion
// of the k+C'th send.
//
// Send waits in the runtime's poller for room in a buffered Chan; on an
// unbuffered one it waits in the kernel, holding an OS thread, where its
// receiver finds it. Recv always waits in the poller.
//
// CloseChan is Go's close(ch); Close, as for every handle, closes only
// the handle.
//
// The zero value is not usable: make one with NewChan or OpenChan. Its
// methods fail with an error matching os.ErrInvalid.
type Chan struct {
	base
	cap  int
	hint atomic.Uint32 // room for a message to receive: the longest seen
}

// NewChan creates a Chan with room for capacity messages (0 to 65536; 0
// is unbuffered). Options: Named, MaxMessage.
func NewChan(capacity int, opts ...Option) (*Chan, error) {
	if capacity < 0 || capacity > chanCapMax {
		return nil, newError("NewChan", "", syscall.EINVAL)
	}
	var msgMax uint32 = chanMsgDef
	for _, o := range opts {
		if o.name == "MaxMessage" {
			var r createReq
			o.apply(&r)
			if r.msgMax != 0 {
				msgMax = r.msgMax
			}
		}
	}
	h, err := create("NewChan", typeChan, opts, func(c *createCmd) {
		(*chanAttr)(unsafe.Pointer(&c.attr)).cap = uint32(capacity)
	})
	if err != nil {
		return nil, err
	}
	c := &Chan{base: base{h}, cap: capacity}
	c.hint.Store(msgMax)
	return c, nil
}

func newChan(h *handle, op string) (*Chan, error) {
	c := &Chan{base: base{h}}
	cmd, err := c.lenOp()
	if err != nil {
		h.close()
		return nil, newError(op, h.name, err)
	}
	c.cap = int(cmd.cap)
	if cmd.msgMax == 0 { // a module from before msg_max: grow as needed
		cmd.msgMax = chanMsgDef
	}
	c.hint.Store(cmd.msgMax) // room for any message
	return c, nil
}

// OpenChan opens the Chan published under name.
func OpenChan(name string) (*Chan, error) {
	h, err := open("OpenChan", typeChan, name)
	if err != nil {
		return nil, err
	}
	return newChan(h, "OpenChan")
}

// ChanFromFile returns a handle to the Chan f refers to.
func ChanFromFile(f *os.File) (*Chan, error) {
	h, err := fromFile("ChanFromFile", typeChan, f)
	if err != nil {
		return nil, err
	}
	return newChan(h, "ChanFromFile")
}

func (c *Chan) lenOp() (chanCmd, error) {
	cmd := chanCmd{size: uint32(unsafe.Sizeof(chanCmd{})), op: chanLen}
	err := c.hd().do(iocChan, unsafe.Pointer(&cmd))
	return cmd, err
}

// Cap returns the Chan's capacity, cap(ch).
func (c *Chan) Cap() int { return c.cap }

// Len returns the number of messages buffered, len(ch), and whether the
// Chan is closed.
func (c *Chan) Len() (n int, closed bool, err error) {
	cmd, err := c.lenOp()
	return int(cmd.len), cmd.closed != 0, newError("Chan.Len", c.hd().name, err)
}

var chanKinds = []errKind{{syscall.EPIPE, ErrClosed}}

// sendTry sends msg if that needs no waiting: done, or EPIPE, EMSGSIZE.
func sendTry(fd int, msg []byte) (bool, error) {
	m := chanMsg{buf: bytesPtr(msg), len: uint32(len(msg))}
	cmd := chanCmd{size: uint32(unsafe.Sizeof(chanCmd{})), op: chanSend, count: 1,
		msgs: unsafe.Pointer(&m), flags: waitNonblock}
	switch err := ioctl(fd, iocChan, unsafe.Pointer(&cmd)); err {
	case nil:
		return true, nil
	case syscall.EAGAIN:
		return false, nil
	default:
		return true, err
	}
}

// SendContext sends msg, waiting for room (buffered) or for a receiver
// (unbuffered), or until ctx is done (ctx.Err(); nothing was sent). A
// Send on a closed Chan, or one waiting when it closes, is ErrClosed (Go
// panics); a message longer than the Chan takes is ErrTooLarge.
func (c *Chan) SendContext(ctx context.Context, msg []byte) error {
	if tooLong(len(msg)) {
		return newError("Chan.Send", c.hd().name, syscall.EMSGSIZE, chanKinds...)
	}
	c.hd().raceReleaseMerge() // what the sender did happens before the Recv
	fd, err := c.hd().get()
	if err != nil {
		return newError("Chan.Send", c.hd().name, err)
	}
	done, err := sendTry(fd, msg)
	if !done && c.cap == 0 {
		// Unbuffered: wait where a receiver finds us.
		cases := make([]waitCase, 1, 3)
		cases[0] = waitCase{fd: int32(fd), op: caseSend, buf: bytesPtr(msg), len: uint32(len(msg))}
		_, err = c.hd().waitCases(ctx, cases)
		if noCanceler(err) {
			// Its cancelers cannot be made (no descriptor left,
			// say), nothing was sent: wait all the same, in
			// slices that need none.
			_, err = c.hd().waitCasesSliced(ctx, cases)
		}
		if err == nil && cases[0].err != 0 {
			err = syscall.Errno(-cases[0].err)
		}
		done = true
	}
	c.hd().put()
	if !done {
		err = c.hd().await(ctx, &waiter{write: true, try: func(fd int) (bool, error) {
			return sendTry(fd, msg)
		}})
	}
	if err == nil {
		c.hd().raceAcquireSend() // a receive happens before the Send completes
	}
	return newError("Chan.Send", c.hd().name, err, chanKinds...)
}

// Send is SendContext without a context.
func (c *Chan) Send(msg []byte) error { return c.SendContext(context.Background(), msg) }

// recvTry receives a message into buf if that needs no waiting: done (ok
// false: closed and drained; n its length), or EOVERFLOW (n: the length
// needed).
func recvTry(fd int, buf []byte) (done, ok bool, n int, err error) {
	m := chanMsg{buf: bytesPtr(buf), len: uint32(len(buf))}
	cmd := chanCmd{size: uint32(unsafe.Sizeof(chanCmd{})), op: chanRecv, count: 1,
		msgs: unsafe.Pointer(&m), flags: waitNonblock}
	switch err := ioctl(fd, iocChan, unsafe.Pointer(&cmd)); err {
	case nil:
		if cmd.done == 0 {
			return true, false, 0, nil
		}
		return true, true, int(m.len), nil
	case syscall.EAGAIN:
		return false, false, 0, nil
	case syscall.EOVERFLOW:
		return true, false, int(cmd.needed), err
	default:
		return true, false, 0, err
	}
}

// RecvContext receives a message, waiting for one or until ctx is done
// (ctx.Err(); nothing was received). ok is false, with no message, once
// the Chan is closed and drained (Go's v, ok := <-ch). The message is the
// caller's.
func (c *Chan) RecvContext(ctx context.Context) (msg []byte, ok bool, err error) {
	c.hd().raceReleaseRecv() // what the receiver did happens before the Send completes
	for {
		buf := make([]byte, c.hint.Load())
		var n int
		try := func(fd int) (bool, error) {
			var done bool
			var err error
			done, ok, n, err = recvTry(fd, buf)
			return done, err
		}
		fd, err := c.hd().get()
		if err != nil {
			return nil, false, newError("Chan.Recv", c.hd().name, err)
		}
		done, err := try(fd)
		c.hd().put()
		if !done {
			err = c.hd().await(ctx, &waiter{try: try})
		}
		if err == syscall.EOVERFLOW {
			c.grow(n)
			continue
		}
		if err == nil {
			c.hd().raceAcquire() // after a Send, or the CloseChan
		}
		if err != nil || !ok {
			return nil, false, newError("Chan.Recv", c.hd().name, err)
		}
		if n < len(buf)/2 {
			msg = append([]byte(nil), buf[:n]...) // give back what it takes
		} else {
			msg = buf[:n:n]
		}
		return msg, true, nil
	}
}

// grow raises the receive buffer hint to n.
func (c *Chan) grow(n int) {
	for {
		h := c.hint.Load()
		if uint32(n) <= h || c.hint.CompareAndSwap(h, uint32(n)) {
			return
		}
	}
}

// Recv is RecvContext without a context.
func (c *Chan) Recv() (msg []byte, ok bool, err error) {
	return c.RecvContext(context.Background())
}

// CloseChan closes the channel, Go's close(ch): waiting senders fail with
// ErrClosed, receivers drain what is buffered and then get ok false. Once
// more is ErrClosed (Go panics). It does not close the handle.
func (c *Chan) CloseChan() error {
	cmd := chanCmd{size: uint32(unsafe.Sizeof(chanCmd{})), op: chanClose}
	c.hd().raceReleaseMerge()
	return newError("Chan.CloseChan", c.hd().name, c.hd().do(iocChan, unsafe.Pointer(&cmd)),
		chanKinds...)
}
