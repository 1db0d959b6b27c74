// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"gosync"
)

// The lost update, fixed two ways. Four goroutines (or processes: every
// object here could be opened by name elsewhere) each add 1 to a shared
// counter 1000 times. Done as a Load and then a Store, concurrent updates
// are lost, unless a Mutex makes the pair one step; Add is one step in
// the kernel.
func Example_lostUpdate() {
	const workers, iterations = 4, 1000
	mu, _ := gosync.NewMutex()
	defer mu.Close()
	byMutex, _ := gosync.NewInt64(0)
	defer byMutex.Close()
	byAdd, _ := gosync.NewInt64(0)
	defer byAdd.Close()

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < iterations; i++ {
				mu.Lock()
				v, _ := byMutex.Load() // read ...
				byMutex.Store(v + 1)   // ... then write: safe under mu
				mu.Unlock()

				byAdd.Add(1)
			}
		}()
	}
	wg.Wait()
	a, _ := byMutex.Load()
	b, _ := byAdd.Load()
	fmt.Println("Load+Store under a Mutex:", a)
	fmt.Println("Add:", b)
	// Output:
	// Load+Store under a Mutex: 4000
	// Add: 4000
}

// The bank balance: four incomes paid for 52 weeks, each by its own
// goroutine, into one balance. The read-modify-write of the balance is
// guarded by a Mutex, so no deposit is lost.
func ExampleMutex_bankBalance() {
	incomes := []struct {
		source string
		amount int64
	}{{"Main Job", 500}, {"Gifts", 10}, {"Part Time", 50}, {"Investments", 100}}
	balance, _ := gosync.NewInt64(0)
	defer balance.Close()
	mu, _ := gosync.NewMutex()
	defer mu.Close()
	wg, _ := gosync.NewWaitGroup()
	defer wg.Close()

	for _, in := range incomes {
		in := in
		wg.Go(func() {
			for week := 1; week <= 52; week++ {
				mu.Lock()
				temp, _ := balance.Load()
				temp += in.amount
				balance.Store(temp)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b, _ := balance.Load()
	fmt.Printf("Final balance: %d.00\n", b)
	// Output: Final balance: 34320.00
}

// Go by Example's Mutexes: a container of named counters, incremented by
// three goroutines, here with the counters in a gosync Map, so that other
// processes could share them.
func ExampleMap_goByExample() {
	type container struct {
		mu       *gosync.Mutex
		counters *gosync.TypedMap[string, int64]
	}
	mu, _ := gosync.NewMutex()
	defer mu.Close()
	m, _ := gosync.NewMap()
	defer m.Close()
	c := container{mu, gosync.NewTypedMap[string, int64](m, gosync.StringCodec{}, gosync.Int64Codec{})}
	c.counters.Store("a", 0)
	c.counters.Store("b", 0)
	inc := func(name string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		n, _, _ := c.counters.Load(name)
		c.counters.Store(name, n+1)
	}

	var wg sync.WaitGroup
	doIncrement := func(name string, n int) {
		for i := 0; i < n; i++ {
			inc(name)
		}
		wg.Done()
	}
	wg.Add(3)
	go doIncrement("a", 1000)
	go doIncrement("a", 1000)
	go doIncrement("b", 1000)
	wg.Wait()
	a, _, _ := c.counters.Load("a")
	b, _, _ := c.counters.Load("b")
	fmt.Printf("map[a:%d b:%d]\n", a, b)
	// Output: map[a:2000 b:1000]
}

// A producer and consumer over a Chan: the four incomes send each week's
// deposit, two consumers bank them, and the last producer closes the
// channel. Nothing is shared but the channel, so nothing can be lost.
func ExampleChan_producerConsumer() {
	amounts := []int64{500, 10, 50, 100}
	ch, _ := gosync.NewChan(8)
	defer ch.Close()

	var producers sync.WaitGroup
	for _, amount := range amounts {
		amount := amount
		producers.Add(1)
		go func() {
			defer producers.Done()
			for week := 1; week <= 52; week++ {
				ch.Send(binary.BigEndian.AppendUint64(nil, uint64(amount)))
			}
		}()
	}
	go func() {
		producers.Wait()
		ch.CloseChan() // the sender closes
	}()

	totals := make([]int64, 2)
	var consumers sync.WaitGroup
	for i := range totals {
		i := i
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for {
				msg, ok, err := ch.Recv()
				if err != nil || !ok {
					return
				}
				totals[i] += int64(binary.BigEndian.Uint64(msg))
			}
		}()
	}
	consumers.Wait()
	fmt.Printf("Final balance: %d.00\n", totals[0]+totals[1])
	// Output: Final balance: 34320.00
}

// A TypedChan carries values of a Go type, here JSON-encoded structs: the
// producer sends a year of deposits and closes; the consumer adds them up.
func ExampleTypedChan() {
	type deposit struct {
		Week   int
		Amount int64
	}
	ch, _ := gosync.NewChan(8)
	defer ch.Close()
	deposits := gosync.NewTypedChan[deposit](ch, gosync.JSONCodec[deposit]{})
	go func() {
		for week := 1; week <= 52; week++ {
			deposits.Send(deposit{Week: week, Amount: 100})
		}
		ch.CloseChan()
	}()
	var total int64
	for {
		d, ok, err := deposits.Recv()
		if err != nil || !ok {
			break
		}
		total += d.Amount
	}
	fmt.Println("total:", total)
	// Output: total: 5200
}

// Passing an object to a child process: File gives a descriptor to put
// in exec.Cmd.ExtraFiles, and the child makes a handle of it. Here the
// child is this program again, which runs, as the child "wg-done":
//
//	wg, err := gosync.WaitGroupFromFile(os.NewFile(3, "wg"))
//	...
//	wg.Done()
func ExampleWaitGroup_File() {
	wg, _ := gosync.NewWaitGroup()
	defer wg.Close()
	f, _ := wg.File()
	wg.Add(1)
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "GOSYNC_TEST_CHILD=wg-done")
	cmd.ExtraFiles = []*os.File{f} // the child's descriptor 3
	if err := cmd.Start(); err != nil {
		fmt.Println(err)
		return
	}
	f.Close()
	wg.Wait()
	fmt.Println("the child is done")
	cmd.Wait()
	// Output: the child is done
}

func init() {
	children["wg-done"] = func() int {
		wg, err := gosync.WaitGroupFromFile(os.NewFile(3, "wg"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := wg.Done(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
}

// Select over a Mutex, a WaitGroup and a Chan: whichever can proceed
// first.
func ExampleSelect() {
	mu, _ := gosync.NewMutex()
	defer mu.Close()
	wg, _ := gosync.NewWaitGroup()
	defer wg.Close()
	ch, _ := gosync.NewChan(1)
	defer ch.Close()

	mu.Lock() // not ready
	wg.Add(1) // not ready
	ch.Send([]byte("hello"))
	s, err := gosync.Select(context.Background(), mu.LockCase(), wg.WaitCase(), ch.RecvCase())
	fmt.Println(s.Index, string(s.Msg), err)
	// Output: 2 hello <nil>
}

// OnceValue across processes: whichever process calls first computes the
// value; every process gets it.
func ExampleOnceValue() {
	o, _ := gosync.NewOnceValue(256)
	defer o.Close()
	config := gosync.OnceValue[string](o, gosync.StringCodec{}, func() string {
		return "loaded once"
	})
	v, _ := config()
	fmt.Println(v)
	// Output: loaded once
}
