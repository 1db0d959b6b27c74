// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"encoding/binary"
	"math"
	"os"
	"syscall"
	"unsafe"
)

// A MapBackend is the synchronization behind a Map.
type MapBackend uint32

// The map backends.
const (
	// MapSpin: a hash table under one spinlock (Go's map plus Mutex).
	MapSpin MapBackend = 1
	// MapRWSem: a hash table under an rw_semaphore (map plus RWMutex).
	MapRWSem MapBackend = 2
	// MapRCU: an rhashtable whose readers take no lock (sync.Map). The
	// default.
	MapRCU MapBackend = 3
)

// Backend sets a Map's backend (default MapRCU).
func Backend(b MapBackend) Option {
	return Option{name: "Backend", types: types(typeMap), apply: func(r *createReq) {
		(*mapAttr)(unsafe.Pointer(&r.cmd.attr)).backend = uint32(b)
	}}
}

// MaxEntries bounds a Map's entries (default 1048576): a Store past it
// fails with an error matching syscall.ENOSPC. A negative n, or one past
// 2^32-1, fails NewMap with an error matching syscall.EINVAL.
func MaxEntries(n int) Option {
	return Option{name: "MaxEntries", types: types(typeMap), apply: func(r *createReq) {
		if inRange(r, int64(n), math.MaxUint32) {
			(*mapAttr)(unsafe.Pointer(&r.cmd.attr)).maxEntries = uint32(n)
		}
	}}
}

// MaxBytes bounds the bytes of a Map's keys plus values (default 64 MiB).
// A negative n fails NewMap with an error matching syscall.EINVAL.
func MaxBytes(n int64) Option {
	return Option{name: "MaxBytes", types: types(typeMap), apply: func(r *createReq) {
		if inRange(r, n, math.MaxUint64) {
			(*mapAttr)(unsafe.Pointer(&r.cmd.attr)).maxBytes = uint64(n)
		}
	}}
}

// A Map is Go's sync.Map as a kernel object, over byte strings: keys of 1
// to 256 bytes, values of up to 65536 (ErrTooLarge beyond), shared by
// every process with a handle to it. Values are copied in and out: a
// value returned is the caller's.
//
// Every operation is atomic and linearizable. In the terminology of the
// Go memory model, a write (Store, Swap, LoadOrStore that stores,
// CompareAndSwap that swaps, Delete, LoadAndDelete, CompareAndDelete,
// Clear) synchronizes before any read that observes its effect, in any
// process (Load, Range, Len, and the load half of the others).
//
// Every method returns an error as its last result: the map's limits
// (syscall.ENOSPC), ErrTooLarge, os.ErrClosed, ...; for a successful call
// it is nil and the other results are sync.Map's.
//
// The zero value is not usable: make one with NewMap or OpenMap. Its
// methods fail with an error matching os.ErrInvalid.
type Map struct {
	base
}

// NewMap creates an empty Map. Options: Named, Backend, MaxEntries,
// MaxBytes.
func NewMap(opts ...Option) (*Map, error) {
	h, err := create("NewMap", typeMap, opts, func(c *createCmd) {
		(*mapAttr)(unsafe.Pointer(&c.attr)).backend = uint32(MapRCU)
	})
	if err != nil {
		return nil, err
	}
	return &Map{base{h}}, nil
}

// OpenMap opens the Map published under name.
func OpenMap(name string) (*Map, error) {
	h, err := open("OpenMap", typeMap, name)
	if err != nil {
		return nil, err
	}
	return &Map{base{h}}, nil
}

// MapFromFile returns a handle to the Map f refers to.
func MapFromFile(f *os.File) (*Map, error) {
	h, err := fromFile("MapFromFile", typeMap, f)
	if err != nil {
		return nil, err
	}
	return &Map{base{h}}, nil
}

// op runs one map operation; with out, it returns the value the kernel
// gives back, in a new slice (growing the buffer while the value does not
// fit: such a try changes nothing).
func (m *Map) op(name string, op uint32, key string, value, old []byte, out bool) (uint64, []byte, error) {
	if tooLong(len(key)) || tooLong(len(value)) || tooLong(len(old)) {
		return 0, nil, newError(name, m.hd().name, syscall.E2BIG)
	}
	var small [512]byte
	buf := small[:]
	c := mapCmd{size: uint32(unsafe.Sizeof(mapCmd{}))}
	for tries := 0; ; tries++ {
		c.op = mapOpRaw{op: op, key: stringPtr(key), keyLen: uint32(len(key)),
			value: bytesPtr(value), valueLen: uint32(len(value)),
			old: bytesPtr(old), oldLen: uint32(len(old))}
		if out {
			c.op.out, c.op.outCap = unsafe.Pointer(&buf[0]), uint32(len(buf))
		}
		m.hd().raceReleaseMerge() // a Store happens before the Load that sees it
		err := m.hd().do(iocMap, unsafe.Pointer(&c))
		m.hd().raceAcquire()
		switch {
		case err == syscall.EOVERFLOW && out:
			buf = make([]byte, c.op.outLen)
			continue
		case err == syscall.EAGAIN && tries < 100:
			continue // rcu backend, resizing: rare
		case err != nil:
			return 0, nil, newError(name, m.hd().name, err)
		}
		if !out || c.op.result == 0 {
			return c.op.result, nil, nil
		}
		v := make([]byte, c.op.outLen)
		copy(v, buf)
		return c.op.result, v, nil
	}
}

// Load returns the value stored for key, or nil; ok says whether it was
// present.
func (m *Map) Load(key string) (value []byte, ok bool, err error) {
	r, v, err := m.op("Map.Load", mapLoad, key, nil, nil, true)
	return v, r == 1, err
}

// Store sets the value for key.
func (m *Map) Store(key string, value []byte) error {
	_, _, err := m.op("Map.Store", mapStore, key, value, nil, false)
	return err
}

// LoadOrStore returns the existing value for key if present (loaded true).
// Otherwise it stores and returns value (loaded false).
func (m *Map) LoadOrStore(key string, value []byte) (actual []byte, loaded bool, err error) {
	r, v, err := m.op("Map.LoadOrStore", mapLoadOrStore, key, value, nil, true)
	if err != nil || r == 0 {
		return value, false, err
	}
	return v, true, nil
}

// LoadAndDelete deletes the value for key, returning the previous value
// if any; loaded says whether key was present.
func (m *Map) LoadAndDelete(key string) (value []byte, loaded bool, err error) {
	r, v, err := m.op("Map.LoadAndDelete", mapLoadAndDelete, key, nil, nil, true)
	return v, r == 1, err
}

// Delete deletes the value for key.
func (m *Map) Delete(key string) error {
	_, _, err := m.op("Map.Delete", mapDelete, key, nil, nil, false)
	return err
}

// Swap swaps the value for key and returns the previous value if any;
// loaded says whether key was present.
func (m *Map) Swap(key string, value []byte) (previous []byte, loaded bool, err error) {
	r, v, err := m.op("Map.Swap", mapSwap, key, value, nil, true)
	return v, r == 1, err
}

// CompareAndSwap swaps the old and new values for key if the value stored
// is equal to old (byte for byte). A key that is not present never
// matches, whatever old is.
func (m *Map) CompareAndSwap(key string, old, new []byte) (swapped bool, err error) {
	r, _, err := m.op("Map.CompareAndSwap", mapCompareAndSwap, key, new, old, false)
	return r == 1, err
}

// CompareAndDelete deletes the entry for key if its value is equal to old.
// A key that is not present never matches.
func (m *Map) CompareAndDelete(key string, old []byte) (deleted bool, err error) {
	r, _, err := m.op("Map.CompareAndDelete", mapCompareAndDelete, key, nil, old, false)
	return r == 1, err
}

// Clear deletes all the entries, in one step for every observer.
func (m *Map) Clear() error {
	_, _, err := m.op("Map.Clear", mapClear, "", nil, nil, false)
	return err
}

// Len returns the number of entries (sync.Map has none; a linearizable
// count here).
func (m *Map) Len() (int, error) {
	n, _, err := m.op("Map.Len", mapLen, "", nil, nil, false)
	return int(n), err
}

// Range calls f for each key and value present in the map, in no
// particular order, until f returns false. As sync.Map's, Range is not a
// snapshot: no key is visited more than once, every key present for the
// whole Range is visited, and the value is the one at the moment of the
// visit. f may call any method of m. The key and value are the caller's
// to keep.
func (m *Map) Range(f func(key string, value []byte) bool) error {
	c := mapRangeCmd{size: uint32(unsafe.Sizeof(mapRangeCmd{}))}
	size := 32 << 10
	for {
		// A new buffer each time: keys and values handed to f point into it.
		buf := make([]byte, size)
		c.buf, c.bufLen = unsafe.Pointer(&buf[0]), uint32(len(buf))
		err := m.hd().do(iocMapRange, unsafe.Pointer(&c))
		m.hd().raceAcquire()
		if err == syscall.EOVERFLOW {
			size = int(c.needed)
			continue
		}
		if err != nil {
			return newError("Map.Range", m.hd().name, err)
		}
		off := 0
		for i := uint32(0); i < c.count; i++ {
			klen := int(binary.LittleEndian.Uint32(buf[off:]))
			vlen := int(binary.LittleEndian.Uint32(buf[off+4:]))
			if nativeBigEndian {
				klen = int(binary.BigEndian.Uint32(buf[off:]))
				vlen = int(binary.BigEndian.Uint32(buf[off+4:]))
			}
			k := buf[off+8 : off+8+klen]
			v := buf[off+8+klen : off+8+klen+vlen : off+8+klen+vlen]
			if !f(bytesString(k), v) {
				return nil
			}
			off += (8 + klen + vlen + 7) &^ 7
		}
		if c.done != 0 {
			return nil
		}
	}
}

// bytesString returns b as a string without copying; b must never change.
func bytesString(b []byte) string {
	return *(*string)(unsafe.Pointer(&b))
}

var nativeBigEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}()
