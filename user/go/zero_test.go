// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"context"
	"embed"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gosync"
)

// The package's sources, for the list of its exported types with methods
// (the tests run in the VM, without the source tree).
//
//go:embed *.go
var sources embed.FS

// zeroValues are a zero value of every exported type with methods: those
// that need a kernel object (every method fails with os.ErrInvalid), and
// those whose zero value works (usable: only no runtime panic is asked).
var zeroValues = []struct {
	v      any
	usable bool
}{
	{v: &gosync.Mutex{}}, {v: &gosync.RWMutex{}}, {v: &gosync.WaitGroup{}},
	{v: &gosync.Once{}}, {v: &gosync.Cond{}}, {v: &gosync.Map{}}, {v: &gosync.Int64{}},
	{v: &gosync.Uint64{}}, {v: &gosync.Semaphore{}}, {v: &gosync.Chan{}},
	{v: &gosync.TypedMap[string, []byte]{}}, {v: &gosync.TypedChan[int64]{}},
	{v: &gosync.Error{}, usable: true}, {v: gosync.StringCodec{}, usable: true},
	{v: gosync.BytesCodec{}, usable: true}, {v: gosync.Int64Codec{}, usable: true},
	{v: gosync.JSONCodec[int]{}, usable: true},
}

// Every exported method of a zero value, called with zero arguments
// (context.Background(), a no-op func), fails with an error matching
// os.ErrInvalid, or panics with one (Lock, Unlock), or returns its zero
// result; never a nil dereference. A Case it makes fails its Select so.
func TestZeroValues(t *testing.T) {
	have := map[string]bool{}
	for _, z := range zeroValues {
		typ := reflect.TypeOf(z.v)
		name := typ.String()
		have[strings.TrimPrefix(strings.TrimPrefix(strings.SplitN(name, "[", 2)[0], "*"), "gosync.")] = true
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			within(t, name+"."+m.Name, func() { checkZeroMethod(t, reflect.ValueOf(z.v), m, z.usable) })
		}
	}
	for _, want := range typesWithMethods(t) {
		if !have[want] {
			t.Errorf("zeroValues has no %s: add it", want)
		}
	}
}

func checkZeroMethod(t *testing.T, v reflect.Value, m reflect.Method, usable bool) {
	t.Helper()
	what := v.Type().String() + "." + m.Name
	ft := m.Func.Type()
	args := []reflect.Value{v}
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	for i := 1; i < ft.NumIn(); i++ {
		switch pt := ft.In(i); {
		case pt == ctxType:
			args = append(args, reflect.ValueOf(context.Background()))
		case pt.Kind() == reflect.Func:
			args = append(args, reflect.MakeFunc(pt, func([]reflect.Value) []reflect.Value {
				out := make([]reflect.Value, pt.NumOut())
				for j := range out {
					out[j] = reflect.Zero(pt.Out(j))
				}
				return out
			}))
		default:
			args = append(args, reflect.Zero(pt))
		}
	}
	var out []reflect.Value
	panicked, p := func() (panicked bool, p any) {
		defer func() {
			if p = recover(); p != nil {
				panicked = true
			}
		}()
		out = m.Func.Call(args)
		return false, nil
	}()
	if panicked {
		if _, ok := p.(runtime.Error); ok {
			t.Errorf("%s of a zero value: runtime panic: %v", what, p)
			return
		}
		err, _ := p.(error)
		if usable || !isKind(err, os.ErrInvalid) {
			t.Errorf("%s of a zero value panicked with %v, want a *gosync.Error matching os.ErrInvalid", what, p)
		}
		return
	}
	if usable {
		return
	}
	errType := reflect.TypeOf((*error)(nil)).Elem()
	hasErr := false
	for j, r := range out {
		if ft.Out(j) == errType {
			hasErr = true
			if err, _ := r.Interface().(error); !isKind(err, os.ErrInvalid) {
				t.Errorf("%s of a zero value: error %v, want os.ErrInvalid", what, err)
			}
		}
	}
	// A Case it made (no error to fail with) fails its Select.
	for j, r := range out {
		if ft.Out(j) == reflect.TypeOf(gosync.Case{}) && !hasErr {
			if _, err := gosync.TrySelect(r.Interface().(gosync.Case)); !isKind(err, os.ErrInvalid) {
				t.Errorf("TrySelect of a zero value's %s: %v, want os.ErrInvalid", m.Name, err)
			}
		}
	}
}

// typesWithMethods returns the package's exported types that have exported
// methods, from its sources.
func typesWithMethods(t *testing.T) []string {
	files, err := fs.Glob(sources, "*.go")
	must(t, err)
	fset := token.NewFileSet()
	seen := map[string]bool{}
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := sources.ReadFile(name)
		must(t, err)
		f, err := parser.ParseFile(fset, name, src, 0)
		must(t, err)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || !fd.Name.IsExported() {
				continue
			}
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if g, ok := typ.(*ast.IndexExpr); ok {
				typ = g.X
			}
			if g, ok := typ.(*ast.IndexListExpr); ok {
				typ = g.X
			}
			if id, ok := typ.(*ast.Ident); ok && id.IsExported() && !seen[id.Name] {
				seen[id.Name] = true
				names = append(names, id.Name)
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("found no exported types with methods in the sources")
	}
	return names
}

// A zero Semaphore's Acquire of more than its size (0) with a done context
// is still os.ErrInvalid: it chose between the two at random.
func TestZeroValuesSemaphoreAcquire(t *testing.T) {
	var s gosync.Semaphore
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 50; i++ {
		if err := s.Acquire(ctx, 1); !errors.Is(err, os.ErrInvalid) {
			t.Fatalf("try %d: %v, want os.ErrInvalid", i, err)
		}
	}
}
