// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// A handle is one file descriptor of a gosync object, shared by the
// goroutines that use the Go value wrapping it. Calls take a reference
// for as long as they use the descriptor, so Close never closes it under
// a running ioctl (and the number is never reused under one): the last
// reference closes it.
type handle struct {
	fd    int
	typ   uint32
	name  string        // as created or opened; "" if anonymous or unknown
	state atomic.Uint64 // closedBit | fdClosedBit | references

	pmu     sync.Mutex
	pollers []*poller            // idle pollable duplicates of fd
	busy    map[*poller]struct{} // in use by a waiting call
	closer  int                  // a WaitGroup at 1 that close() brings to 0; -1: none yet
	closed  bool                 // (under pmu) Close ran
	done    chan struct{}        // closed by close(); nil: none asked for yet (closedChan)

	race *[2]byte // the object's race token (race.go), nil without -race and on zeroHandle

	// The mapped fast path (mutex.go), set before the handle is shared
	// and never changed: the object's page as mmap() mapped it (nil if
	// the object is not mapped), its Mutex word, and this description's
	// token. The page is unmapped with the descriptor, by the last
	// reference: a call that uses the word holds one (get), so Close
	// never unmaps it under an atomic in flight.
	page  []byte
	word  *uint32
	token uint32
	// mapped: the object was created mapped (INFO gave a token), whether
	// or not its page could be mapped here: the kernel fences its word
	// for every process while anything watches its wait queue (putPoller).
	mapped bool
}

const (
	closedBit   = 1 << 63 // Close ran
	fdClosedBit = 1 << 62 // and the last reference closed the descriptor
)

func newHandle(fd int, typ uint32, name string) *handle {
	h := &handle{fd: fd, typ: typ, name: name, closer: -1}
	runtime.SetFinalizer(h, (*handle).finalize)
	raceInit(h)
	return h
}

// zeroHandle stands in for the handle of a zero value (var m Mutex), which
// has none: every call on it fails with os.ErrInvalid where a closed
// handle's fails with os.ErrClosed. It is closed from the start, its
// descriptor (none: -1) taken for closed too, so no put ever closes
// anything; the race hooks that run before get give it a fresh token each
// time (race.go's tok).
var zeroHandle = &handle{fd: -1, closer: -1, closed: true}

func init() { zeroHandle.state.Store(closedBit | fdClosedBit) }

// closedErr is the error of a call on a closed handle: os.ErrClosed, or
// os.ErrInvalid on zeroHandle.
func (h *handle) closedErr() error {
	if h == zeroHandle {
		return os.ErrInvalid
	}
	return os.ErrClosed
}

// finalize is the safety net for a handle nobody closed.
func (h *handle) finalize() { _ = h.close() }

// get takes a reference and returns the descriptor, or os.ErrClosed
// (os.ErrInvalid on zeroHandle).
func (h *handle) get() (int, error) {
	if h.state.Add(1)&closedBit != 0 {
		h.put()
		return -1, h.closedErr()
	}
	return h.fd, nil
}

// put drops a reference; the last one after Close closes the descriptor,
// once: a get on a closed handle (which fails) and its put come back to
// closedBit too, and must not close the number again (another object may
// have it by then).
func (h *handle) put() {
	if h.state.Add(^uint64(0)) == closedBit &&
		h.state.CompareAndSwap(closedBit, closedBit|fdClosedBit) {
		if h.page != nil {
			syscall.Munmap(h.page)
		}
		if h.closer >= 0 { // made under pmu before Close: no one makes it now
			syscall.Close(h.closer)
		}
		syscall.Close(h.fd)
	}
}

// mapWords maps the object's page if it was created mapped
// (GOSYNC_CREATE_MAPPED: INFO gives the description a token), for the fast
// path; an object that is not (ENODEV), or whose page cannot be mapped,
// keeps to the ioctls. Called before the handle is shared; on an error
// (INFO's) the caller closes it.
func (h *handle) mapWords() error {
	c := infoCmd{size: uint32(unsafe.Sizeof(infoCmd{}))}
	if err := ioctl(h.fd, iocInfo, unsafe.Pointer(&c)); err != nil {
		return err
	}
	if c.info.token == 0 {
		return nil // not mapped: mmap() would fail with ENODEV
	}
	h.mapped = true
	b, err := syscall.Mmap(h.fd, 0, syscall.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_SHARED)
	if err != nil {
		// ENODEV: not mapped. Anything else (no memory, a map count
		// limit): the ioctls work on a mapped object too, so use them
		// rather than fail, which would leave a new name taken.
		return nil
	}
	h.page, h.word, h.token = b, (*uint32)(unsafe.Pointer(&b[0])), c.info.token
	return nil
}

// closedChan returns a channel that is closed when Close runs (at once if
// it has), for a wait in Go that Close must end.
func (h *handle) closedChan() <-chan struct{} {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	if h.done == nil {
		h.done = make(chan struct{})
		if h.closed {
			close(h.done)
		}
	}
	return h.done
}

// isClosed reports whether Close has been called.
func (h *handle) isClosed() bool { return h.state.Load()&closedBit != 0 }

// do runs an ioctl on the handle's descriptor.
func (h *handle) do(req uintptr, arg unsafe.Pointer) error {
	fd, err := h.get()
	if err != nil {
		return err
	}
	err = ioctl(fd, req, arg)
	h.put()
	return err
}

// close closes the handle: waits through the poller (which hold
// descriptors of their own) end with os.ErrClosed; the descriptor itself
// closes when the last call using it returns.
func (h *handle) close() error {
	// With a reference of our own, taken in the same step: a call's put
	// that comes to closedBit meanwhile would close h.closer and h.fd (and
	// their numbers be reused) under the wgOp below.
	for {
		s := h.state.Load()
		if s&closedBit != 0 {
			return h.closedErr()
		}
		if h.state.CompareAndSwap(s, (s+1)|closedBit) {
			break
		}
	}
	if hook := testHookClose.Load(); hook != nil {
		(*hook)(h)
	}
	runtime.SetFinalizer(h, nil)
	h.pmu.Lock()
	h.closed = true
	all := h.pollers
	h.pollers = nil
	for p := range h.busy {
		all = append(all, p)
	}
	if h.closer >= 0 {
		wgOp(h.closer, wgDone, 0, 0) // kernel waits end, os.ErrClosed
	}
	if h.done != nil {
		close(h.done) // waits in Go end (closedChan)
	}
	h.pmu.Unlock()
	for _, p := range all {
		p.f.Close() // a waiter on it wakes, and returns os.ErrClosed
	}
	// Our reference: the descriptor closes now, or with the last call.
	h.put()
	return nil
}

// testHookClose, if set (by tests), runs in close() once Close is decided.
// Atomic: close() also runs on the finalizer goroutine, for a handle that
// nobody closed, which no test can order its setting of the hook with.
var testHookClose atomic.Pointer[func(h *handle)]

// file returns a new *os.File for the object: a duplicate descriptor,
// sharing the handle's open file description (and so what it holds).
func (h *handle) file() (*os.File, error) {
	fd, err := h.get()
	if err != nil {
		return nil, err
	}
	defer h.put()
	nfd, err := dupFd(fd)
	if err != nil {
		return nil, err
	}
	name := h.name
	if name == "" {
		name = "gosync"
	}
	// Not while a poller's descriptor has O_NONBLOCK set on the shared
	// description (getPoller): NewFile would register this file with the
	// runtime's epoll too.
	nonblockMu.Lock()
	f := os.NewFile(uintptr(nfd), name)
	nonblockMu.Unlock()
	return f, nil
}

// info reads the object's INFO.
func (h *handle) info() (rawInfo, error) {
	c := infoCmd{size: uint32(unsafe.Sizeof(infoCmd{}))}
	err := h.do(iocInfo, unsafe.Pointer(&c))
	return c.info, err
}

// base is embedded in every object type: the handle, Close, File, Name.
type base struct {
	h *handle // nil in a zero value: use hd()
}

// hd returns b's handle, or zeroHandle for a zero value, whose calls fail
// with os.ErrInvalid: the zero value cannot be usable, as Go's sync types'
// are, for it has no kernel object.
func (b *base) hd() *handle {
	if b.h == nil {
		return zeroHandle
	}
	return b.h
}

// Close closes this handle to the object. Waits in progress on it end
// with an error matching os.ErrClosed: in the runtime's poller, in the
// kernel's queue (a Lock or Acquire that waited long, an unbuffered
// Send); not a Select or a Cond's Wait, which end with their context or
// their wake-up. The descriptor is closed when the last call using it
// returns. A robust lock or Semaphore permits still held through the
// handle are released by the kernel once every descriptor of its open file
// description is closed (see File). The object itself lives on while
// another handle, or its name, refers to it. Close of a closed handle
// returns an error matching os.ErrClosed; of a zero value, one matching
// os.ErrInvalid.
//
// A handle that becomes unreachable is closed by a finalizer, as an
// os.File is, and that releases a robust lock or permits it still holds:
// keep a handle that holds something reachable (runtime.KeepAlive), or
// Close it deliberately.
func (b *base) Close() error {
	if err := b.hd().close(); err != nil {
		return newError("Close", b.hd().name, err)
	}
	return nil
}

// File returns a new *os.File for the object, to pass to a child process
// through exec.Cmd.ExtraFiles (the child rebuilds the handle with the
// type's FromFile). The file shares this handle's open file description:
// locks, read locks and permits taken through either belong to both, and
// are released for a robust object only when both are closed. Close the
// file when it has been handed over.
func (b *base) File() (*os.File, error) {
	f, err := b.hd().file()
	return f, newError("File", b.hd().name, err)
}

// Name returns the name the object was created or opened by, or "" for
// an anonymous object or one made from a file descriptor.
func (b *base) Name() string { return b.hd().name }

// Info describes the object as the kernel sees it.
func (b *base) Info() (Info, error) {
	ri, err := b.hd().info()
	if err != nil {
		return Info{}, newError("Info", b.hd().name, err)
	}
	return makeInfo(&ri), nil
}

// Info describes an object: GOSYNC_IOC_INFO.
type Info struct {
	ID      uint64      // unique while the module is loaded, increasing with age
	Type    string      // "mutex", "map", ...
	Subtype uint32      // counter mode, map backend, capacity, or attribute flags
	UID     uint32      // owner
	GID     uint32      // owner's group
	Perm    os.FileMode // permission bits
	Named   bool        // it has a name
	Name    string      // its name, "" if none
	Files   uint32      // open file descriptions referring to it
	Stats   [8]uint64   // per-type counts (see docs/uapi.md)
}

var typeNames = [...]string{typeCounter: "counter", typeMap: "map", typeMutex: "mutex",
	typeRWMutex: "rwmutex", typeWaitGroup: "waitgroup", typeOnce: "once", typeChan: "chan",
	typeSem: "semaphore", typeCond: "cond"}

func typeName(t uint32) string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// cString is the string in b up to its first NUL (all of b if none).
func cString(b []byte) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n])
}

func makeInfo(ri *rawInfo) Info {
	return Info{ID: ri.id, Type: typeName(ri.typ), Subtype: ri.subtype, UID: ri.uid,
		GID: ri.gid, Perm: os.FileMode(ri.perm), Named: ri.flags&infoNamed != 0,
		Name: cString(ri.name[:]), Files: ri.nrFiles, Stats: ri.stats}
}
