// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// How the package waits.
//
// Every fd of a type that waits is pollable: readable (EPOLLIN) while the
// operation would not block (a Mutex is unlocked, a WaitGroup is at zero,
// a Once is done, a Semaphore has a free permit, a Chan has a message or a
// waiting sender), and for an RWMutex and a Chan writable (EPOLLOUT) while
// a Lock or a Send would not block. So a call that has to wait does not
// sleep in the kernel, holding an OS thread: it waits in the Go runtime's
// poller, which parks only the goroutine, and tries the operation without
// blocking each time the object changes (await). ctx's deadline is the
// poller's deadline; its cancellation sets the deadline to the past.
//
// Three things need a kernel wait, which holds an OS thread while it
// sleeps; each carries an absolute deadline (GOSYNC_WAIT_ABSTIME), so the
// runtime's signals (SIGURG preemption among them) restart it instead of
// ending it with EINTR:
//   - fairness. A poller is not in the kernel's queue, so it takes no part
//     in a Mutex's starvation mode, an RWMutex's writer preference or a
//     Semaphore's FIFO. A waiter that keeps losing the race (Go's rule: it
//     has waited more than 1 ms and lost again), and an RWMutex writer that
//     has waited more than 10 ms, join the queue (kernelWait) and stay in
//     it until they are served: one GOSYNC_IOC_WAIT with the operation as
//     its case, and cancelers (below) for ctx and for Close of the handle.
//     (A wait that timed out to look at ctx and began again would join
//     the queue last each time, and could be passed over for good. A
//     signal the process handles still does that once: the ioctl is
//     restarted.) At most maxKernelWaits goroutines of the process wait
//     so at once; the others wait on in the poller.
//   - rendezvous. An unbuffered Send needs its receiver: one of the two
//     must be in the kernel's queue. Send is (and Select is); they wait in
//     GOSYNC_IOC_WAIT with one more case, a WaitGroup of the package's
//     that ctx's cancellation brings to zero, so cancellation is immediate.
//   - Cond.Wait, which has no pollable state (a Signal to nobody is lost).

const (
	starvation = time.Millisecond // Go's starvationThresholdNs
	maxIdle    = 4                // pollers kept per handle
)

var errNotPollable = errors.New("gosync: descriptor is not pollable")

// A poller is a duplicate of a handle's descriptor registered with the
// runtime's netpoller (edge-triggered). It shares the open file
// description, so a lock taken through it is the handle's.
type poller struct {
	f  *os.File
	rc syscall.RawConn
}

// nonblockMu is held while a poller's descriptor has O_NONBLOCK set, and
// by handle.file() around its os.NewFile (see getPoller).
var nonblockMu sync.Mutex

func (h *handle) getPoller() (*poller, error) {
	h.pmu.Lock()
	if h.closed {
		h.pmu.Unlock()
		return nil, os.ErrClosed
	}
	if n := len(h.pollers); n > 0 {
		p := h.pollers[n-1]
		h.pollers = h.pollers[:n-1]
		h.busy[p] = struct{}{}
		h.pmu.Unlock()
		return p, nil
	}
	h.pmu.Unlock()

	fd, err := h.get()
	if err != nil {
		return nil, err
	}
	nfd, err := dupFd(fd)
	h.put()
	if err != nil {
		return nil, err
	}
	// os.NewFile registers a descriptor with the runtime's epoll only if
	// it is non-blocking; and it is that once registered. But O_NONBLOCK
	// is on the shared open file description: left set, every later
	// os.NewFile of a duplicate (File's, a child's XFromFile's file)
	// would register that one too, and as long as such a file is open it
	// watches the object's wait queue, which keeps a mapped object's word
	// the kernel's (its fast path off, in every process). So it is set
	// only for the NewFile and cleared at once (the registration stays;
	// gosync's ioctls ignore the flag, and the poller's file is never
	// read or written), under nonblockMu, which file() holds too.
	nonblockMu.Lock()
	if err := syscall.SetNonblock(nfd, true); err != nil {
		nonblockMu.Unlock()
		syscall.Close(nfd)
		return nil, err
	}
	f := os.NewFile(uintptr(nfd), "gosync")
	derr := f.SetDeadline(time.Time{})
	err = syscall.SetNonblock(nfd, false)
	nonblockMu.Unlock()
	if derr != nil {
		// epoll refused it: a module without poll for the type, or
		// epoll's own limits (ENOSPC: fs.epoll.max_user_watches; ENOMEM),
		// which os.NewFile does not tell apart.
		f.Close()
		return nil, errNotPollable
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &poller{f: f, rc: rc}
	h.pmu.Lock()
	if h.closed {
		h.pmu.Unlock()
		f.Close()
		return nil, os.ErrClosed
	}
	if h.busy == nil {
		h.busy = make(map[*poller]struct{})
	}
	h.busy[p] = struct{}{}
	h.pmu.Unlock()
	return p, nil
}

func (h *handle) putPoller(p *poller, reuse bool) {
	// A mapped Mutex, RWMutex or Semaphore leaves its word to the kernel
	// (the fast path off), and a mapped WaitGroup's Adds to zero and Dones
	// to zero call it, while anything watches its wait queue; an idle
	// poller, registered with the runtime's epoll, watches it until it is
	// closed: keep none of those (closing one deregisters it). Mapped is
	// the object's (h.mapped), not whether this handle got its page: one
	// whose mmap failed uses the ioctls, but other processes use the word.
	reuse = reuse && !(h.mapped && (h.typ == typeMutex || h.typ == typeRWMutex ||
		h.typ == typeSem || h.typ == typeWaitGroup))
	reuse = reuse && p.f.SetDeadline(time.Time{}) == nil
	h.pmu.Lock()
	delete(h.busy, p)
	if reuse && !h.closed && len(h.pollers) < maxIdle {
		h.pollers = append(h.pollers, p)
		p = nil
	}
	h.pmu.Unlock()
	if p != nil {
		p.f.Close()
	}
}

// A waiter describes one blocking operation for await.
type waiter struct {
	write bool // wait for EPOLLOUT (RWMutex Lock, Chan Send), else EPOLLIN
	// try attempts the operation without blocking: done, or an error
	// that ends the wait. It runs with the poller's descriptor.
	try func(fd int) (done bool, err error)
	// block, if its op is set, is the operation as a GOSYNC_IOC_WAIT case
	// (its fd is filled in): the fairness fallback, in the kernel's queue.
	block waitCase
	// patience: also fall back to block after waiting this long (0: only
	// after losing a race past the starvation threshold).
	patience time.Duration
	// recheck: try at least this often, event or not (0: only on events).
	recheck time.Duration
}

// await waits for w's operation to complete, through the runtime's
// poller, and returns nil, the operation's error, ctx.Err(), or
// os.ErrClosed (the handle was closed). The caller has tried once already.
func (h *handle) await(ctx context.Context, w *waiter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := h.getPoller()
	if err == errNotPollable || noCanceler(err) {
		return h.awaitWithoutPoller(ctx, w)
	}
	if err != nil {
		return err
	}
	reuse := true
	defer func() { h.putPoller(p, reuse) }()

	// Cancellation: set the deadline to the past, and say so (the loop
	// below may set a deadline after us; it looks at canceled after).
	var canceled atomic.Bool
	if done := ctx.Done(); done != nil {
		stop, exited := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(exited)
			select {
			case <-done:
				canceled.Store(true)
				p.f.SetDeadline(time.Unix(1, 0))
			case <-stop:
			}
		}()
		defer func() {
			close(stop)
			<-exited
		}()
	}

	start := time.Now()
	deadline, hasDeadline := ctx.Deadline()
	// patienceAt: when to join the kernel's queue anyway (w.patience);
	// later, if every kernel slot was taken then (takeKernelSlot).
	patienceAt := start.Add(w.patience)
	escalate, woken := false, false
	armed := false // the poller has a deadline of ours
	var opErr error
	fn := func(fd uintptr) bool {
		var done bool
		done, opErr = w.try(int(fd))
		if done || opErr != nil {
			return true
		}
		// Go's starvation: waited > 1 ms, woken, and lost again. Not on
		// the first try of a Read, which has not waited: on a slow
		// machine getting here can take a millisecond. Every kernel slot
		// taken: wait on here, and ask again when we lose again.
		if w.block.op != 0 && woken && time.Since(start) > starvation && takeKernelSlot() {
			escalate = true
			return true
		}
		woken = true // the poller calls fn again only after a wake-up
		return false
	}
	for {
		// The poller's deadline: ctx's, or an earlier recheck or patience
		// point at which we look again.
		next, wake := deadline, hasDeadline
		if w.recheck > 0 {
			if t := time.Now().Add(w.recheck); !wake || t.Before(next) {
				next, wake = t, true
			}
		}
		if w.block.op != 0 && w.patience > 0 {
			if t := patienceAt; !wake || t.Before(next) {
				next, wake = t, true
			}
		}
		if wake {
			p.f.SetDeadline(next)
			armed = true
		} else if armed {
			// None now (the kernel's queue turned us away: w.block is
			// gone): a patience point left in the past would end every
			// wait at once, a busy loop.
			p.f.SetDeadline(time.Time{})
			armed = false
		}
		if canceled.Load() {
			return ctx.Err()
		}
		if w.write {
			err = p.rc.Write(fn)
		} else {
			err = p.rc.Read(fn)
		}
		if err == nil {
			if !escalate {
				return opErr
			}
			err := h.kernelWait(ctx, w.block)
			putKernelSlot()
			if !noCanceler(err) {
				return err
			}
			// No objects to spare for the kernel's queue: poll on.
			escalate, w.block = false, waitCase{}
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			reuse = false
			if h.isClosed() { // the poller's file was closed under us
				return os.ErrClosed
			}
			return err
		}
		// A deadline: ctx's, or ours.
		if canceled.Load() {
			reuse = false // its deadline may be set again after we reset it
			return ctx.Err()
		}
		if hasDeadline && !time.Now().Before(deadline) {
			return context.DeadlineExceeded
		}
		if w.block.op != 0 && w.patience > 0 && !time.Now().Before(patienceAt) {
			if takeKernelSlot() {
				err := h.kernelWait(ctx, w.block)
				putKernelSlot()
				if !noCanceler(err) {
					return err
				}
				w.block = waitCase{} // poll on, as above
			} else {
				patienceAt = time.Now().Add(w.patience) // ask again then
			}
		}
		// A recheck: try again.
		var done bool
		if err := p.rc.Control(func(fd uintptr) { done, opErr = w.try(int(fd)) }); err != nil {
			reuse = false
			if h.isClosed() {
				return os.ErrClosed
			}
			return err
		}
		if done || opErr != nil {
			return opErr
		}
	}
}

// awaitWithoutPoller is await when no poller can be had: epoll refused the
// descriptor (errNotPollable: a module that cannot poll the type, or
// epoll's limits, fs.epoll.max_user_watches), or no descriptor or memory
// is left for one (EMFILE, ENFILE, ENOMEM; an error there would fail a
// wait that a sync-ported caller takes for done, and panic a Lock). A
// waiter with a kernel case waits in the kernel's queue if a slot is free
// (takeKernelSlot), as await's own: maxKernelWaits bounds these too, or
// every waiter on an object whose descriptors epoll refuses would hold an
// OS thread. Without a case or a slot, or when the kernel wait's cancelers
// cannot be made either (noCanceler), it tries and sleeps (sleepWait),
// which needs no descriptor; a sleeper with a case looks for a free slot
// after each try, and joins the kernel's queue once it finds one: a kernel
// TryLock or TryAcquire fails while anyone is queued there, so a waiter
// that only tried could wait for as long as the queue never empties.
func (h *handle) awaitWithoutPoller(ctx context.Context, w *waiter) error {
	var kernel func() (bool, error)
	if w.block.op != 0 {
		canceler := true
		kernel = func() (bool, error) {
			if !canceler || !takeKernelSlot() {
				return false, nil
			}
			err := h.kernelWait(ctx, w.block)
			putKernelSlot()
			if noCanceler(err) {
				canceler = false // sleep and try only, from now on
				return false, nil
			}
			return true, err
		}
		if done, err := kernel(); done {
			return err
		}
	}
	return h.sleepWait(ctx, w.try, kernel)
}

// The pauses of sleepWait between tries, and the slices of
// waitCasesSliced: how soon a wait without a poller or a canceler sees a
// change, ctx done or Close, at worst.
const (
	sleepMin = 50 * time.Microsecond
	sleepMax = 10 * time.Millisecond
)

// sleepWait waits for the operation of try (a waiter's) with neither a
// poller nor a kernel wait, and so without a descriptor of its own: it
// sleeps, from sleepMin doubling to sleepMax, and tries again, until the
// operation completes (nil, or its error), ctx is done (ctx.Err()) or the
// handle is closed (os.ErrClosed). The caller has tried once already. It
// holds no OS thread, but takes no part in the kernel's fairness, and
// misses a state that comes and goes between two tries (a WaitGroup's zero
// Added to again at once; Go calls that misuse). kernel, if not nil, is
// called after each failed try: it may finish the wait another way (done).
func (h *handle) sleepWait(ctx context.Context, try func(fd int) (bool, error),
	kernel func() (done bool, err error)) error {
	closed := h.closedChan()
	d := sleepMin
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return os.ErrClosed
		case <-t.C:
		}
		fd, err := h.get()
		if err != nil {
			return err
		}
		done, err := try(fd)
		h.put()
		if done || err != nil {
			return err
		}
		if kernel != nil {
			if done, err := kernel(); done {
				return err
			}
		}
		if d *= 2; d > sleepMax {
			d = sleepMax
		}
		t.Reset(d)
	}
}

// maxKernelWaits bounds the goroutines of the process in await's fairness
// waits in the kernel's queue (kernelWait), each holding an OS thread:
// without a bound, ten thousand goroutines contending for one Mutex or
// Semaphore would hold as many threads, and the runtime aborts past
// 10000 (debug.SetMaxThreads). A waiter that finds every slot taken waits
// on in the poller, and asks again when it loses again (a writer's
// patience: 10 ms later); it takes no part in the kernel's fairness
// meanwhile. Unbuffered Sends, Selects and Cond.Waits are not bounded:
// each is a wait its caller asked for.
const maxKernelWaits = 64

var kernelSlots = make(chan struct{}, maxKernelWaits)

// takeKernelSlot takes a slot for a kernel wait, if one is free.
func takeKernelSlot() bool {
	select {
	case kernelSlots <- struct{}{}:
		return true
	default:
		return false
	}
}

func putKernelSlot() { <-kernelSlots }

// kernelWait waits in the kernel's queue for the operation c (a
// GOSYNC_IOC_WAIT case; its fd is filled in) until it completes (nil, or
// the case's error: EOWNERDEAD for a lock that is held all the same), ctx
// is done (ctx.Err()), or the handle is closed (os.ErrClosed): one wait,
// which keeps the caller's place in the queue; or, having done nothing,
// the error that kept it from making its cancelers (noCanceler).
func (h *handle) kernelWait(ctx context.Context, c waitCase) error {
	fd, err := h.get()
	if err != nil {
		return err
	}
	defer h.put()
	c.fd = int32(fd)
	cases := make([]waitCase, 1, 3)
	cases[0] = c
	if _, err = h.waitCases(ctx, cases); err != nil {
		return err
	}
	if cases[0].err != 0 {
		return syscall.Errno(-cases[0].err)
	}
	return nil
}

// noCanceler reports whether err says a canceler could not be made (the
// user's object limit, no descriptors, no memory): a waiter polls on.
func noCanceler(err error) bool {
	return err == syscall.ENOSPC || err == syscall.EMFILE || err == syscall.ENFILE ||
		err == syscall.ENOMEM
}

// waitCases is waitCases (below) over cases on h (which needs room for
// two more) that Close of h ends too, with os.ErrClosed: through the
// handle's closer, a WaitGroup at 1 that close() brings to zero, made by
// the first wait that needs it and closed with the handle's descriptor.
func (h *handle) waitCases(ctx context.Context, cases []waitCase) (int, error) {
	h.pmu.Lock()
	if h.closed {
		h.pmu.Unlock()
		return -1, os.ErrClosed
	}
	if h.closer < 0 {
		cfd, err := newCanceler()
		if err != nil {
			h.pmu.Unlock()
			return -1, err
		}
		h.closer = cfd
	}
	cfd := h.closer
	h.pmu.Unlock()
	n := len(cases)
	i, err := waitCases(ctx, append(cases, waitCase{fd: int32(cfd), op: caseWGZero}), 0)
	if err == nil && i == n {
		return -1, os.ErrClosed
	}
	return i, err
}

// waitCasesSliced is h.waitCases (cases on h) for when its cancelers
// cannot be made (noCanceler: no descriptor or memory left, the user's
// object limit): waitCasesSliced below, which also looks at Close of h.
func (h *handle) waitCasesSliced(ctx context.Context, cases []waitCase) (int, error) {
	return waitCasesSliced(ctx, cases, 0, h.isClosed)
}

// waitCasesSliced is waitCases (below) for when its canceler cannot be made
// (noCanceler): kernel waits of at most sleepMax, which need none, and
// between them a look at ctx and, if closed is not nil, at closed()
// (os.ErrClosed). Between two the wait is out of the kernel's queue for a
// moment: it joins it last again, and a poller it woke may look just then
// and miss it (and looks again when the wait is back, which wakes it
// again).
func waitCasesSliced(ctx context.Context, cases []waitCase, flags uint32,
	closed func() bool) (int, error) {
	dfd, err := device()
	if err != nil {
		return -1, err
	}
	cmd := waitCmd{size: uint32(unsafe.Sizeof(waitCmd{})), flags: flags | waitAbstime,
		cases: unsafe.Pointer(&cases[0]), count: uint32(len(cases))}
	deadline, hasDeadline := ctx.Deadline()
	for {
		if closed != nil && closed() {
			return -1, os.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return -1, err
		}
		now := time.Now()
		end := now.Add(sleepMax)
		if hasDeadline && deadline.Before(end) {
			if !now.Before(deadline) {
				return -1, context.DeadlineExceeded
			}
			end = deadline
		}
		cmd.timeoutNs = monoAt(end)
		for i := range cases {
			cases[i].flags, cases[i].err = 0, 0
		}
		switch err := ioctl(dfd, iocWait, unsafe.Pointer(&cmd)); err {
		case nil:
			return int(cmd.index), nil
		case syscall.ETIMEDOUT:
		default:
			return -1, err
		}
	}
}

// Cancelers: anonymous WaitGroups at 1 that a GOSYNC_IOC_WAIT watches as
// an extra case; ctx's cancellation brings one to zero, ending the wait.
var cancelers struct {
	mu   sync.Mutex
	free []int // their descriptors
}

func getCanceler() (int, error) {
	cancelers.mu.Lock()
	if n := len(cancelers.free); n > 0 {
		fd := cancelers.free[n-1]
		cancelers.free = cancelers.free[:n-1]
		cancelers.mu.Unlock()
		return fd, nil
	}
	cancelers.mu.Unlock()
	return newCanceler()
}

// newCanceler makes an anonymous WaitGroup at 1: its descriptor.
func newCanceler() (int, error) {
	dfd, err := device()
	if err != nil {
		return -1, err
	}
	c := createCmd{size: uint32(unsafe.Sizeof(createCmd{})), typ: typeWaitGroup}
	fd, err := ioctlFd(dfd, iocCreate, unsafe.Pointer(&c))
	if err != nil {
		return -1, err
	}
	if err := wgOp(fd, wgAdd, 1, 0); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// maxCancelers: idle cancelers kept; each is an object of the user's.
const maxCancelers = 16

// putCanceler takes a canceler back; fired: ctx brought it to zero.
func putCanceler(fd int, fired bool) {
	if fired && wgOp(fd, wgAdd, 1, 0) != nil {
		syscall.Close(fd)
		return
	}
	cancelers.mu.Lock()
	if len(cancelers.free) >= maxCancelers {
		cancelers.mu.Unlock()
		syscall.Close(fd)
		return
	}
	cancelers.free = append(cancelers.free, fd)
	cancelers.mu.Unlock()
}

func wgOp(fd int, op uint32, delta int64, flags uint32) error {
	c := waitGroupCmd{size: uint32(unsafe.Sizeof(waitGroupCmd{})), op: op, delta: delta, flags: flags}
	return ioctl(fd, iocWaitGroup, unsafe.Pointer(&c))
}

// waitCases runs GOSYNC_IOC_WAIT (ANY) over cases, a kernel wait, until
// one completes or ctx is done: its index, or ctx.Err(); or, having done
// nothing, the error that kept it from making ctx's canceler (noCanceler:
// callers wait without one, waitCasesSliced, or poll). The caller holds
// references to the cases' descriptors. cases needs room for one more.
func waitCases(ctx context.Context, cases []waitCase, flags uint32) (int, error) {
	dfd, err := device()
	if err != nil {
		return -1, err
	}
	if err := ctx.Err(); err != nil {
		return -1, err
	}
	n := len(cases)
	cmd := waitCmd{size: uint32(unsafe.Sizeof(waitCmd{})), flags: flags | waitAbstime, timeoutNs: forever}
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		cmd.timeoutNs = monoAt(deadline)
	}
	var fired atomic.Bool
	cfd, stray := -1, false
	if done := ctx.Done(); done != nil {
		cfd, err = getCanceler()
		if err != nil {
			return -1, err
		}
		cases = append(cases, waitCase{fd: int32(cfd), op: caseWGZero})
		stop, exited := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(exited)
			select {
			case <-done:
				fired.Store(true)
				wgOp(cfd, wgDone, 0, 0)
			case <-stop:
			}
		}()
		defer func() {
			close(stop)
			<-exited
			if stray { // its count is anyone's guess: not for reuse
				syscall.Close(cfd)
				return
			}
			putCanceler(cfd, fired.Load())
		}()
	}
	cmd.cases = unsafe.Pointer(&cases[0])
	cmd.count = uint32(len(cases))
	for {
		err = ioctl(dfd, iocWait, unsafe.Pointer(&cmd))
		switch {
		case err == nil && int(cmd.index) < n:
			return int(cmd.index), nil
		case err == nil: // the canceler
			if err := ctx.Err(); err != nil {
				return -1, err
			}
			// At zero, yet ctx is not done (it is before the goroutine
			// above fires): a stray Done (a descriptor number closed and
			// reused under a wgOp). Not a case that completed (callers
			// would take -1, nil for one): arm it again and wait on. If
			// ctx fires meanwhile, its Done comes after our Add (and the
			// wait ends) or failed before it (ctx.Err() below says so).
			stray = true
			if err := wgOp(cfd, wgAdd, 1, 0); err != nil {
				return -1, err
			}
			if err := ctx.Err(); err != nil {
				return -1, err
			}
			for i := range cases {
				cases[i].flags, cases[i].err = 0, 0
			}
			continue
		case err == syscall.ETIMEDOUT:
			if err := ctx.Err(); err != nil {
				return -1, err
			}
			if time.Now().Before(deadline) {
				// Early by monoAt's slack: wait out the rest.
				cmd.timeoutNs = monoAt(deadline)
				for i := range cases {
					cases[i].flags, cases[i].err = 0, 0
				}
				continue
			}
			return -1, context.DeadlineExceeded
		}
		return -1, err
	}
}
