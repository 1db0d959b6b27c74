// SPDX-License-Identifier: GPL-2.0

// Command lostupdate is the lost update across two processes, fixed by a
// gosync Mutex. Two worker processes (this program, started again) each
// add 1 to one shared counter n times by reading it and writing it back
// plus one: without a lock their updates overwrite each other; under a
// gosync.Mutex, opened by name in each process, none is lost.
//
// Usage: lostupdate [-n N]    (needs the gosync module: /dev/gosync)
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"gosync"
)

func main() {
	n := flag.Int("n", 10000, "increments per process")
	worker := flag.String("worker", "", "internal: run as a worker on the objects of this prefix")
	locked := flag.Bool("locked", false, "internal: the worker takes the Mutex")
	flag.Parse()
	if *worker != "" {
		check(work(*worker, *n, *locked))
		return
	}
	fmt.Printf("2 processes, each %d times: v := counter.Load(); counter.Store(v+1)\n", *n)
	for _, locked := range []bool{false, true} {
		got, err := run(*n, locked)
		check(err)
		how := "without a lock:      "
		if locked {
			how = "under a gosync.Mutex:"
		}
		fmt.Printf("  %s counter = %d (%d updates lost)\n", how, got, int64(2*(*n))-got)
	}
}

// run starts two workers on a new counter, Mutex and start barrier (a
// WaitGroup), all named, and returns the counter once both are done.
func run(n int, locked bool) (int64, error) {
	prefix := fmt.Sprintf("lostupdate-%d", os.Getpid())
	// Unmapped: each Load and Store is a system call, so the two loops
	// overlap. Mapped (sync/atomic on a shared page), a worker's whole loop
	// can end before the other has woken from the start barrier, and then
	// nothing is lost, by luck.
	counter, err := gosync.NewInt64(0, gosync.Named(prefix+".counter", 0600),
		gosync.Unmapped())
	if err != nil {
		return 0, err
	}
	defer counter.Close()
	defer gosync.Unlink(prefix + ".counter")
	mu, err := gosync.NewMutex(gosync.Named(prefix+".mutex", 0600))
	if err != nil {
		return 0, err
	}
	defer mu.Close()
	defer gosync.Unlink(prefix + ".mutex")
	start, err := gosync.NewWaitGroup(gosync.Named(prefix+".start", 0600))
	if err != nil {
		return 0, err
	}
	defer start.Close()
	defer gosync.Unlink(prefix + ".start")
	if err := start.Add(1); err != nil {
		return 0, err
	}

	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	var workers []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := exec.Command(exe, "-worker", prefix, fmt.Sprint("-n=", n),
			fmt.Sprint("-locked=", locked))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		workers = append(workers, cmd)
	}
	if err := start.Done(); err != nil { // both are running: let them go at once
		return 0, err
	}
	for _, cmd := range workers {
		if err := cmd.Wait(); err != nil {
			return 0, fmt.Errorf("worker: %v", err)
		}
	}
	return counter.Load()
}

// work is a worker: it opens the objects by name and adds n to the counter.
func work(prefix string, n int, locked bool) error {
	counter, err := gosync.OpenInt64(prefix + ".counter")
	if err != nil {
		return err
	}
	defer counter.Close()
	mu, err := gosync.OpenMutex(prefix + ".mutex")
	if err != nil {
		return err
	}
	defer mu.Close()
	start, err := gosync.OpenWaitGroup(prefix + ".start")
	if err != nil {
		return err
	}
	defer start.Close()
	if err := start.Wait(); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if locked {
			mu.Lock()
		}
		v, err := counter.Load() // read ...
		if err == nil {
			err = counter.Store(v + 1) // ... then write: another process may have written between
		}
		if locked {
			mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "lostupdate:", err)
		os.Exit(1)
	}
}
