// SPDX-License-Identifier: GPL-2.0

package gosync_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gosync"
)

// The tests need the module: without /dev/gosync TestMain runs only those
// that do not (its list below), so `go test` works on a machine without it.
// make check runs them in the VM (user/go/run-tests.sh).

// Child processes: the test binary runs itself with GOSYNC_TEST_CHILD set
// to a child's name, and TestMain runs that child instead of the tests.
var children = map[string]func() int{}

func TestMain(m *testing.M) {
	if name := os.Getenv("GOSYNC_TEST_CHILD"); name != "" {
		f, ok := children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "no child %q\n", name)
			os.Exit(2)
		}
		os.Exit(f())
	}
	flag.Parse()
	if err := gosync.Supported(); err != nil {
		// In the VM (run-tests.sh) the module must be there: a suite
		// that ran only the layout test would pass without testing.
		if os.Getenv("GOSYNC_GO_REQUIRE_MODULE") != "" {
			fmt.Printf("gosync: the module is required: %v\n", err)
			os.Exit(1)
		}
		// Only the tests that need no module run.
		fmt.Printf("gosync: skipping every test that needs the module: %v\n", err)
		flag.Set("test.run", "^(TestUAPILayout|TestZeroValues.*|TestOptionRange|TestOpenDeviceMissing|TestErrOwnerDeadText)$")
	}
	os.Exit(m.Run())
}

// child returns a command that runs the child name, with files as its
// descriptors 3, 4, ... and args in GOSYNC_TEST_ARGS.
func child(t testing.TB, name string, files []*os.File, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "GOSYNC_TEST_CHILD="+name,
		"GOSYNC_TEST_ARGS="+strings.Join(args, " "))
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	return cmd
}

// childArgs returns a child's arguments.
func childArgs() []string { return strings.Fields(os.Getenv("GOSYNC_TEST_ARGS")) }

// childFile returns a child's descriptor 3+i as a file.
func childFile(i int) *os.File { return os.NewFile(uintptr(3+i), fmt.Sprintf("fd%d", 3+i)) }

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// uniqueName returns a name no other test uses: the test's name, with
// what an object name may not hold ([A-Za-z0-9._-] only) made '.'.
func uniqueName(t testing.TB) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '_' || r == '-' {
			return r
		}
		return '.'
	}, t.Name())
	return fmt.Sprintf("gotest-%d-%s", os.Getpid(), clean)
}

// hangLimit is how long a test waits for something that must happen before
// it calls it a hang (a lost wake-up, a deadlock): not a measure of speed,
// so it is far beyond what any step takes, even under TCG on a loaded host,
// and a hang fails that one test instead of the whole binary (-test.timeout).
const hangLimit = 3 * time.Minute

// within fails the test if f has not returned after hangLimit.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(hangLimit):
		t.Fatalf("%s: hung (not done after %v)", what, hangLimit)
	}
}

// eventually polls cond until it holds (a state the test waits to see, not
// a measure of speed), and returns nil; or cond's error; or, not by
// hangLimit, a hang. Any goroutine may call it.
func eventually(what string, cond func() (bool, error)) error {
	for end := time.Now().Add(hangLimit); ; time.Sleep(time.Millisecond) {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("%s: hung (not seen after %v)", what, hangLimit)
		}
	}
}

// waitUntil is eventually for the test's goroutine: it fails the test.
func waitUntil(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	if err := eventually(what, cond); err != nil {
		t.Fatal(err)
	}
}

// isKind reports whether err is a *gosync.Error matching target.
func isKind(err, target error) bool {
	var e *gosync.Error
	return errors.As(err, &e) && errors.Is(err, target)
}
