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
		p.bufs[i] = make([]byte, size)
	}
	return p
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

func pingpong(size, capacity int, n uint64, stop *atomic.Bool) (ops, bad uint64) {
	ping := make(chan []byte, capacity)
	pong := make(chan []byte, capacity)
	go func() { // the echo: copy out, copy back in, send back
		in := make([]byte, size)
		p := newPool(size, capacity)
		for m := range ping {
			copy(in, m)
			pong <- p.fill(in)
		}
		close(pong)
	}()
	msg := make([]byte, size)
	in := make([]byte, size)
	p := newPool(size, capacity)
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

func stream(size, capacity int, n uint64, stop *atomic.Bool) (ops, bad uint64) {
	ch := make(chan []byte, capacity)
	sent := make(chan uint64)
	go func() {
		msg := make([]byte, size)
		p := newPool(size, capacity)
		var i uint64
		for ; more(i, n, stop); i++ {
			stamp(msg, i)
			ch <- p.fill(msg)
		}
		close(ch)
		sent <- i
	}()
	in := make([]byte, size)
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
		go func() {
			var r result
			if f[0] == "pingpong" {
				r.ops, r.bad = pingpong(size, capacity, n, &stop)
			} else {
				r.ops, r.bad = stream(size, capacity, n, &stop)
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
