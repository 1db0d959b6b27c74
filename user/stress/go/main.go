// SPDX-License-Identifier: GPL-2.0

// Command gosync-chanbench-go is the Go peer of `gosync-stress chan-bench`:
// the same ping-pong and streaming, between two goroutines over Go channels,
// so that gosync channels are measured beside the ones they imitate.
//
// It reads commands on stdin, one per line, and answers each on stdout:
//
//	pingpong SIZE CAP N   N round trips of a SIZE-byte message (ping, then the
//	                      echo back) over two channels of capacity CAP
//	stream SIZE CAP N     N SIZE-byte messages one way over a channel of
//	                      capacity CAP
//
// With N 0 it runs until it reads a line "stop". The answer is "OPS BAD": the
// round trips or messages done, and how many of them arrived out of order or
// corrupt (or were lost). It exits at EOF.
//
// Bytes move as they do through the kernel: the sender copies each message
// into one of CAP+2 buffers it owns (a buffer is reused only after its
// message was received and copied out) and the receiver copies it out, so a
// message is copied twice, as in every IPC peer. A Go program that hands
// ownership of slices over a channel copies nothing.
//
// The buffers of a SIZE and CAP are made (and every page of them written)
// by the first command with that SIZE and CAP and kept for the next ones:
// gosync-stress sends one round trip of the point's SIZE before its clock
// starts, so a timed command allocates nothing and takes no first-touch
// page fault, as gosync-stress's own buffers and rings.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

const end = ^uint64(0) // a sequence number no message has

// A sender's buffers, reused in turn (see the package comment).
type pool struct {
	bufs [][]byte
	next int
}

func newPool(size, capacity int) *pool {
	p := &pool{bufs: make([][]byte, capacity+2)}
	for i := range p.bufs {
		p.bufs[i] = touched(size)
	}
	return p
}

// touched is a new buffer with every page of it written: Go hands out
// fresh memory from the OS as known zero, without touching it.
func touched(size int) []byte {
	b := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		b[i] = 1
	}
	return b
}

// The buffers of one SIZE and CAP: the sender's and the echo's pools, the
// message, and the two buffers it is copied out to.
type bufSet struct {
	send, echo      *pool
	msg, in, echoIn []byte
}

var sets = map[[2]int]*bufSet{}

func buffers(size, capacity int) *bufSet {
	k := [2]int{size, capacity}
	if b := sets[k]; b != nil {
		return b
	}
	b := &bufSet{
		send: newPool(size, capacity), echo: newPool(size, capacity),
		msg: touched(size), in: touched(size), echoIn: touched(size),
	}
	sets[k] = b
	return b
}

// fill copies msg into the next buffer and returns it.
func (p *pool) fill(msg []byte) []byte {
	b := p.bufs[p.next]
	p.next = (p.next + 1) % len(p.bufs)
	copy(b, msg)
	return b
}

// stamp makes msg message number seq: its first 8 bytes and (past them)
// its last byte.
func stamp(msg []byte, seq uint64) {
	binary.LittleEndian.PutUint64(msg, seq)
	if len(msg) > 8 {
		msg[len(msg)-1] = byte(seq)
	}
}

func check(msg []byte, seq uint64) bool {
	return binary.LittleEndian.Uint64(msg) == seq &&
		(len(msg) == 8 || msg[len(msg)-1] == byte(seq))
}

func more(i, n uint64, stop *atomic.Bool) bool {
	if n > 0 {
		return i < n
	}
	return !stop.Load()
}

func pingpong(b *bufSet, capacity int, n uint64, stop *atomic.Bool) (ops, bad uint64) {
	ping := make(chan []byte, capacity)
	pong := make(chan []byte, capacity)
	go func() { // the echo: copy out, copy back in, send back
		in, p := b.echoIn, b.echo
		for m := range ping {
			copy(in, m)
			pong <- p.fill(in)
		}
		close(pong)
	}()
	msg, in, p := b.msg, b.in, b.send
	for ; more(ops, n, stop); ops++ {
		stamp(msg, ops)
		ping <- p.fill(msg)
		copy(in, <-pong)
		if !check(in, ops) {
			bad++
		}
	}
	close(ping)
	for range pong {
	}
	return ops, bad
}

func stream(b *bufSet, capacity int, n uint64, stop *atomic.Bool) (ops, bad uint64) {
	ch := make(chan []byte, capacity)
	sent := make(chan uint64)
	go func() {
		msg, p := b.msg, b.send
		var i uint64
		for ; more(i, n, stop); i++ {
			stamp(msg, i)
			ch <- p.fill(msg)
		}
		close(ch)
		sent <- i
	}()
	in := b.in
	var got uint64
	for m := range ch {
		copy(in, m)
		if !check(in, got) {
			bad++
		}
		got++
	}
	ops = <-sent
	if got != ops {
		bad += ops - got
	}
	return ops, bad
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 || (f[0] != "pingpong" && f[0] != "stream") {
			fmt.Fprintf(os.Stderr, "gosync-chanbench-go: bad command %q\n", in.Text())
			os.Exit(2)
		}
		size, err1 := strconv.Atoi(f[1])
		capacity, err2 := strconv.Atoi(f[2])
		n, err3 := strconv.ParseUint(f[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || size < 8 || capacity < 0 {
			fmt.Fprintf(os.Stderr, "gosync-chanbench-go: bad numbers in %q\n", in.Text())
			os.Exit(2)
		}
		var stop atomic.Bool
		type result struct{ ops, bad uint64 }
		done := make(chan result)
		b := buffers(size, capacity)
		go func() {
			var r result
			if f[0] == "pingpong" {
				r.ops, r.bad = pingpong(b, capacity, n, &stop)
			} else {
				r.ops, r.bad = stream(b, capacity, n, &stop)
			}
			done <- r
		}()
		if n == 0 {
			// until "stop" (or EOF)
			for in.Scan() && strings.TrimSpace(in.Text()) != "stop" {
			}
			stop.Store(true)
		}
		r := <-done
		fmt.Fprintf(out, "%d %d\n", r.ops, r.bad)
		out.Flush()
	}
}
