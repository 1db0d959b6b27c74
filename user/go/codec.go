// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
)

// A Codec turns values of type T into the byte strings gosync stores and
// back: the keys and values of a TypedMap, the messages of a TypedChan,
// the value of a OnceValue.
// Encode must be deterministic for keys (equal keys, equal bytes) and for
// the values CompareAndSwap and CompareAndDelete compare.
type Codec[T any] interface {
	Encode(v T) ([]byte, error)
	Decode(b []byte) (T, error)
}

// StringCodec stores a string as its bytes.
type StringCodec struct{}

// Encode returns s's bytes.
func (StringCodec) Encode(s string) ([]byte, error) { return []byte(s), nil }

// Decode returns b as a string.
func (StringCodec) Decode(b []byte) (string, error) { return string(b), nil }

// BytesCodec stores a []byte as it is.
type BytesCodec struct{}

// Encode returns b.
func (BytesCodec) Encode(b []byte) ([]byte, error) { return b, nil }

// Decode returns b.
func (BytesCodec) Decode(b []byte) ([]byte, error) { return b, nil }

// Int64Codec stores an int64 as 8 bytes, big-endian.
type Int64Codec struct{}

// Encode returns v's 8 bytes.
func (Int64Codec) Encode(v int64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, uint64(v)), nil
}

// Decode reads 8 bytes.
func (Int64Codec) Decode(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("gosync: Int64Codec: %d bytes, want 8", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// JSONCodec stores a value as JSON (encoding/json). Map keys are ordered,
// so equal values of most types encode alike; for floats, maps of
// interface values and the like, compare with care.
type JSONCodec[T any] struct{}

// Encode returns v as JSON.
func (JSONCodec[T]) Encode(v T) ([]byte, error) { return json.Marshal(v) }

// Decode parses JSON into a T.
func (JSONCodec[T]) Decode(b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// A TypedMap is a Map with keys of type K and values of type V, encoded by
// codecs: sync.Map's methods, typed, across processes.
//
// The zero value is not usable: make one with NewTypedMap. Its methods fail
// with an error matching os.ErrInvalid.
type TypedMap[K, V any] struct {
	M  *Map     // the map underneath
	KC Codec[K] // the keys' codec
	VC Codec[V] // the values' codec
}

// NewTypedMap returns a TypedMap over m.
func NewTypedMap[K, V any](m *Map, kc Codec[K], vc Codec[V]) *TypedMap[K, V] {
	return &TypedMap[K, V]{M: m, KC: kc, VC: vc}
}

// invalid is the error of a call on a TypedMap without its Map or a codec
// (a zero TypedMap): os.ErrInvalid.
func (t *TypedMap[K, V]) invalid(op string) error {
	if t.M == nil || t.KC == nil || t.VC == nil {
		return newError(op, "", os.ErrInvalid)
	}
	return nil
}

func (t *TypedMap[K, V]) key(k K) (string, error) {
	b, err := t.KC.Encode(k)
	return string(b), err
}

func (t *TypedMap[K, V]) value(b []byte, ok bool, err error) (V, bool, error) {
	var zero V
	if err != nil || !ok {
		return zero, ok, err
	}
	v, err := t.VC.Decode(b)
	if err != nil {
		return zero, ok, fmt.Errorf("gosync: TypedMap: decoding a value: %w", err)
	}
	return v, ok, nil
}

// Load returns the value stored for key; ok says whether it was present.
func (t *TypedMap[K, V]) Load(key K) (value V, ok bool, err error) {
	if err := t.invalid("TypedMap.Load"); err != nil {
		return value, false, err
	}
	k, err := t.key(key)
	if err != nil {
		return value, false, err
	}
	return t.value(t.M.Load(k))
}

// Store sets the value for key.
func (t *TypedMap[K, V]) Store(key K, value V) error {
	if err := t.invalid("TypedMap.Store"); err != nil {
		return err
	}
	k, err := t.key(key)
	if err != nil {
		return err
	}
	v, err := t.VC.Encode(value)
	if err != nil {
		return err
	}
	return t.M.Store(k, v)
}

// LoadOrStore returns the existing value for key if present (loaded true),
// else stores and returns value.
func (t *TypedMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool, err error) {
	if err := t.invalid("TypedMap.LoadOrStore"); err != nil {
		return actual, false, err
	}
	k, err := t.key(key)
	if err != nil {
		return actual, false, err
	}
	v, err := t.VC.Encode(value)
	if err != nil {
		return actual, false, err
	}
	b, loaded, err := t.M.LoadOrStore(k, v)
	if err != nil || !loaded {
		return value, false, err
	}
	return t.value(b, true, nil)
}

// LoadAndDelete deletes the value for key, returning the previous value.
func (t *TypedMap[K, V]) LoadAndDelete(key K) (value V, loaded bool, err error) {
	if err := t.invalid("TypedMap.LoadAndDelete"); err != nil {
		return value, false, err
	}
	k, err := t.key(key)
	if err != nil {
		return value, false, err
	}
	return t.value(t.M.LoadAndDelete(k))
}

// Delete deletes the value for key.
func (t *TypedMap[K, V]) Delete(key K) error {
	if err := t.invalid("TypedMap.Delete"); err != nil {
		return err
	}
	k, err := t.key(key)
	if err != nil {
		return err
	}
	return t.M.Delete(k)
}

// Swap stores value for key and returns the previous value.
func (t *TypedMap[K, V]) Swap(key K, value V) (previous V, loaded bool, err error) {
	if err := t.invalid("TypedMap.Swap"); err != nil {
		return previous, false, err
	}
	k, err := t.key(key)
	if err != nil {
		return previous, false, err
	}
	v, err := t.VC.Encode(value)
	if err != nil {
		return previous, false, err
	}
	return t.value(t.M.Swap(k, v))
}

// CompareAndSwap swaps old for new if the value stored for key encodes as
// old does.
func (t *TypedMap[K, V]) CompareAndSwap(key K, old, new V) (bool, error) {
	if err := t.invalid("TypedMap.CompareAndSwap"); err != nil {
		return false, err
	}
	k, err := t.key(key)
	if err != nil {
		return false, err
	}
	o, err := t.VC.Encode(old)
	if err != nil {
		return false, err
	}
	n, err := t.VC.Encode(new)
	if err != nil {
		return false, err
	}
	return t.M.CompareAndSwap(k, o, n)
}

// CompareAndDelete deletes key's entry if its value encodes as old does.
func (t *TypedMap[K, V]) CompareAndDelete(key K, old V) (bool, error) {
	if err := t.invalid("TypedMap.CompareAndDelete"); err != nil {
		return false, err
	}
	k, err := t.key(key)
	if err != nil {
		return false, err
	}
	o, err := t.VC.Encode(old)
	if err != nil {
		return false, err
	}
	return t.M.CompareAndDelete(k, o)
}

// Range calls f for each key and value, as Map.Range does. An entry that
// does not decode ends the Range with an error.
func (t *TypedMap[K, V]) Range(f func(key K, value V) bool) error {
	if err := t.invalid("TypedMap.Range"); err != nil {
		return err
	}
	var derr error
	err := t.M.Range(func(kb string, vb []byte) bool {
		k, err := t.KC.Decode([]byte(kb))
		if err != nil {
			derr = fmt.Errorf("gosync: TypedMap: decoding a key: %w", err)
			return false
		}
		v, err := t.VC.Decode(vb)
		if err != nil {
			derr = fmt.Errorf("gosync: TypedMap: decoding a value: %w", err)
			return false
		}
		return f(k, v)
	})
	if err != nil {
		return err
	}
	return derr
}

// Clear deletes all the entries.
func (t *TypedMap[K, V]) Clear() error {
	if err := t.invalid("TypedMap.Clear"); err != nil {
		return err
	}
	return t.M.Clear()
}

// Len returns the number of entries.
func (t *TypedMap[K, V]) Len() (int, error) {
	if err := t.invalid("TypedMap.Len"); err != nil {
		return 0, err
	}
	return t.M.Len()
}

// A TypedChan is a Chan of values of type T, each message encoded by a
// codec: Go's chan T, across processes. Its cases go into Select beside
// any others; Value decodes what a RecvCase received.
//
// The zero value is not usable: make one with NewTypedChan. Its methods
// fail with an error matching os.ErrInvalid.
type TypedChan[T any] struct {
	C     *Chan    // the channel underneath
	Codec Codec[T] // the messages' codec
}

// NewTypedChan returns a TypedChan over c.
func NewTypedChan[T any](c *Chan, codec Codec[T]) *TypedChan[T] {
	return &TypedChan[T]{C: c, Codec: codec}
}

// invalid is the error of a call on a TypedChan without its Chan or codec
// (a zero TypedChan): os.ErrInvalid.
func (t *TypedChan[T]) invalid(op string) error {
	if t.C == nil || t.Codec == nil {
		return newError(op, "", os.ErrInvalid)
	}
	return nil
}

func (t *TypedChan[T]) encode(v T) ([]byte, error) {
	b, err := t.Codec.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("gosync: TypedChan: encoding a value: %w", err)
	}
	return b, nil
}

// Value decodes msg, a message received from t (a Selected's Msg).
func (t *TypedChan[T]) Value(msg []byte) (T, error) {
	if err := t.invalid("TypedChan.Value"); err != nil {
		var zero T
		return zero, err
	}
	v, err := t.Codec.Decode(msg)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("gosync: TypedChan: decoding a value: %w", err)
	}
	return v, nil
}

// SendContext sends v, as Chan.SendContext.
func (t *TypedChan[T]) SendContext(ctx context.Context, v T) error {
	if err := t.invalid("TypedChan.Send"); err != nil {
		return err
	}
	b, err := t.encode(v)
	if err != nil {
		return err
	}
	return t.C.SendContext(ctx, b)
}

// Send sends v: ch <- v.
func (t *TypedChan[T]) Send(v T) error { return t.SendContext(context.Background(), v) }

// RecvContext receives a value, as Chan.RecvContext: ok is false once the
// channel is closed and drained. A message that does not decode is
// received (gone from the channel) and returned as an error.
func (t *TypedChan[T]) RecvContext(ctx context.Context) (v T, ok bool, err error) {
	if err := t.invalid("TypedChan.Recv"); err != nil {
		return v, false, err
	}
	b, ok, err := t.C.RecvContext(ctx)
	if err != nil || !ok {
		return v, ok, err
	}
	v, err = t.Value(b)
	return v, true, err
}

// Recv receives a value: v, ok := <-ch.
func (t *TypedChan[T]) Recv() (v T, ok bool, err error) {
	return t.RecvContext(context.Background())
}

// SendCase is the case ch <- v of a Select; it fails only if v does not
// encode.
func (t *TypedChan[T]) SendCase(v T) (Case, error) {
	if err := t.invalid("TypedChan.SendCase"); err != nil {
		return Case{}, err
	}
	b, err := t.encode(v)
	if err != nil {
		return Case{}, err
	}
	return t.C.SendCase(b), nil
}

// RecvCase is the case <-ch of a Select: decode its Selected.Msg with
// Value (when Selected.OK).
func (t *TypedChan[T]) RecvCase() Case {
	if t.C == nil { // a zero TypedChan: a case that fails with os.ErrInvalid
		return Case{h: zeroHandle, op: caseRecv}
	}
	return t.C.RecvCase()
}
