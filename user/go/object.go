// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"fmt"
	"math"
	"os"
	"syscall"
	"unsafe"
)

// An Option sets something about an object when it is created. Each
// applies to some types only; giving it to another is an error.
type Option struct {
	name  string
	types uint32 // bit (1 << type) for each type it applies to
	apply func(*createReq)
}

type createReq struct {
	cmd      createCmd
	name     string
	named    bool
	perm     os.FileMode
	msgMax   uint32
	unmapped bool  // Unmapped: no GOSYNC_CREATE_MAPPED, whatever the type's default
	err      error // an option's argument the ABI cannot hold: create fails with it
}

// inRange reports whether n fits a uapi field of max at most; an option
// whose argument does not records EINVAL rather than pass a truncated one.
func inRange(r *createReq, n int64, max uint64) bool {
	if n < 0 || uint64(n) > max {
		r.err = syscall.EINVAL
		return false
	}
	return true
}

func types(ts ...uint32) uint32 {
	var m uint32
	for _, t := range ts {
		m |= 1 << t
	}
	return m
}

const allTypes = ^uint32(0)

// Named publishes the object under name, which other processes (and the
// gosync command) open it by, with the permission bits perm (0 means
// 0600; the caller's uid and gid own it). A name is 1 to 63 bytes of
// [A-Za-z0-9._-], not starting with '.'. A named object outlives every
// handle to it until Unlink, as a POSIX shared memory object does.
func Named(name string, perm os.FileMode) Option {
	return Option{name: "Named", types: allTypes, apply: func(r *createReq) {
		r.name, r.named, r.perm = name, true, perm
	}}
}

// NonRobust makes a Mutex, RWMutex or Semaphore Go's: not tied to the
// handle that took it. By default they are robust: a lock still held, or
// permits still taken, when the last descriptor of the holder's open file
// description closes (its process died) are released, and the next Lock
// returns ErrOwnerDead. A non-robust lock stays locked then, and any
// handle may unlock it, as any goroutine may unlock a sync.Mutex.
func NonRobust() Option {
	return Option{name: "NonRobust", types: types(typeMutex, typeRWMutex, typeSem),
		apply: func(r *createReq) {
			switch r.cmd.typ {
			case typeSem:
				(*semAttr)(unsafe.Pointer(&r.cmd.attr)).flags |= semNonRobust
			default:
				(*lockAttr)(unsafe.Pointer(&r.cmd.attr)).flags |= lockNonRobust
			}
		}}
}

// Retry makes a Once run its function again when its runner dies before
// finishing it (its process exited, or closed the handle, in the middle of
// f): the next Do, or one already waiting, runs it. By default a Once is
// done then, as Go's is when f panics, and Do returns ErrOwnerDead.
func Retry() Option {
	return Option{name: "Retry", types: types(typeOnce), apply: func(r *createReq) {
		(*onceAttr)(unsafe.Pointer(&r.cmd.attr)).flags |= onceRetry
	}}
}

// MaxMessage sets the longest message a Chan takes, 1 to 65536 bytes
// (default 4096); a longer Send fails with ErrTooLarge. Another n fails
// NewChan with an error matching syscall.EINVAL.
func MaxMessage(n int) Option {
	return Option{name: "MaxMessage", types: types(typeChan), apply: func(r *createReq) {
		if inRange(r, int64(n), math.MaxUint32) {
			(*chanAttr)(unsafe.Pointer(&r.cmd.attr)).msgMax = uint32(n)
			r.msgMax = uint32(n)
		}
	}}
}

// create makes an object of type typ; fill sets its attributes before the
// options run.
func create(op string, typ uint32, opts []Option, fill func(*createCmd)) (*handle, error) {
	r := createReq{}
	r.cmd.size = uint32(unsafe.Sizeof(createCmd{}))
	r.cmd.typ = typ
	if fill != nil {
		fill(&r.cmd)
	}
	for _, o := range opts {
		if o.types&(1<<typ) == 0 {
			return nil, newError(op, r.name, fmt.Errorf("option %s does not apply to a %s",
				o.name, typeName(typ)))
		}
		o.apply(&r)
	}
	if r.err != nil {
		return nil, newError(op, r.name, r.err)
	}
	if r.unmapped || typ == typeSem &&
		(*semAttr)(unsafe.Pointer(&r.cmd.attr)).flags&semNonRobust == 0 ||
		typ == typeRWMutex && (*lockAttr)(unsafe.Pointer(&r.cmd.attr)).flags&lockNonRobust == 0 {
		// Unmapped; or a robust Semaphore or RWMutex, which the kernel
		// refuses to map (returning a dead holder's permits or read
		// locks needs the ioctls).
		r.cmd.flags &^= createMapped
	}
	dfd, err := device()
	if err != nil {
		return nil, newError(op, r.name, err)
	}
	if r.named {
		if r.perm&^0777 != 0 {
			return nil, newError(op, r.name, syscall.EINVAL)
		}
		name := cstring(r.name)
		r.cmd.name = unsafe.Pointer(&name[0])
		r.cmd.perm = uint32(r.perm)
	}
	fd, err := ioctlFd(dfd, iocCreate, unsafe.Pointer(&r.cmd))
	if err != nil {
		return nil, newError(op, r.name, err)
	}
	return newHandle(fd, typ, r.name), nil
}

// open opens the object called name, which must be of type typ.
func open(op string, typ uint32, name string) (*handle, error) {
	dfd, err := device()
	if err != nil {
		return nil, newError(op, name, err)
	}
	n := cstring(name)
	c := openCmd{size: uint32(unsafe.Sizeof(openCmd{})), name: unsafe.Pointer(&n[0]), typ: typ}
	fd, err := ioctlFd(dfd, iocOpen, unsafe.Pointer(&c))
	if err != nil {
		if err == syscall.EINVAL && validName(name) {
			return nil, &Error{Op: op, Name: name, Err: err, kind: ErrWrongType}
		}
		return nil, newError(op, name, err)
	}
	return newHandle(fd, typ, name), nil
}

func validName(s string) bool {
	if s == "" || len(s) >= nameMax || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// fromFile makes a handle of a duplicate of f's descriptor, which must be
// a gosync object of type typ.
func fromFile(op string, typ uint32, f *os.File) (*handle, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, newError(op, "", err)
	}
	nfd := -1
	cerr := rc.Control(func(fd uintptr) { nfd, err = dupFd(int(fd)) })
	if cerr != nil {
		return nil, newError(op, "", cerr)
	}
	if err != nil {
		return nil, newError(op, "", err)
	}
	c := infoCmd{size: uint32(unsafe.Sizeof(infoCmd{}))}
	if err := ioctl(nfd, iocInfo, unsafe.Pointer(&c)); err != nil || c.info.typ != typ {
		syscall.Close(nfd)
		if err == nil || err == syscall.ENOTTY || err == syscall.EINVAL {
			err = syscall.EINVAL
		}
		return nil, &Error{Op: op, Name: f.Name(), Err: err, kind: ErrWrongType}
	}
	name := makeInfo(&c.info).Name
	return newHandle(nfd, typ, name), nil
}

// Unlink removes the name of an object. The object lives on while handles
// to it are open. Only its owner (or a process with CAP_FOWNER) may unlink
// it: errors.Is(err, os.ErrPermission) otherwise; os.ErrNotExist if no
// object has the name.
func Unlink(name string) error {
	dfd, err := device()
	if err != nil {
		return newError("Unlink", name, err)
	}
	n := cstring(name)
	c := unlinkCmd{size: uint32(unsafe.Sizeof(unlinkCmd{})), name: unsafe.Pointer(&n[0])}
	return newError("Unlink", name, ioctl(dfd, iocUnlink, unsafe.Pointer(&c)))
}

// Supported reports whether the loaded module is reachable and has
// everything this package uses (every object type and GOSYNC_IOC_WAIT).
func Supported() error {
	dfd, err := device()
	if err != nil {
		return newError("Supported", "", err)
	}
	v := versionCmd{size: uint32(unsafe.Sizeof(versionCmd{}))}
	if err := ioctl(dfd, iocVersion, unsafe.Pointer(&v)); err != nil {
		return newError("Supported", "", err)
	}
	for t := uint32(typeCounter); t <= typeCond; t++ {
		if v.types&(1<<t) == 0 {
			return &Error{Op: "Supported", Err: fmt.Errorf("module has no %s", typeName(t)),
				kind: ErrNotSupported}
		}
	}
	if v.devCmds&(1<<0x06) == 0 {
		return &Error{Op: "Supported", Err: fmt.Errorf("module has no GOSYNC_IOC_WAIT"),
			kind: ErrNotSupported}
	}
	return nil
}
