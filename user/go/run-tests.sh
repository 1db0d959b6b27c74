#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Go package's tests (user/go), run in the VM by scripts/check as
# /go/run-tests.sh (make go puts both in build/go/, scripts/vm copies that
# to the guest's /go): runs the static test binary beside it
# (gosync-go.test, built by `go test -c`) and turns its -test.v output into
# TAP lines,
# "ok - go:TestName" and "not ok - go:TestName (first error line)", one per
# top-level test and example; everything else it printed follows "# ".
# Usage: run-tests.sh [--race] [go test flags]   (default: -test.short;
#                                 GOSYNC_GO_TEST_ARGS adds more)
#   --race  run the race detector's build instead (gosync-go-race.test, which
#           make go builds where cgo works); its lines say "go-race:", and a
#           test during which the detector reported a race fails
dir=$(cd "$(dirname "$0")" && pwd)
bin=$dir/gosync-go.test tag=go
if [ "${1:-}" = --race ]; then
	shift
	bin=$dir/gosync-go-race.test tag=go-race
fi
# Only the race build may be missing (no cgo); the plain one always builds.
if [ ! -x "$bin" ] && [ $tag = go-race ]; then
	echo "ok - $tag:tests # SKIP the Go test binary was not built (no cgo)"
	exit 0
elif [ ! -x "$bin" ]; then
	echo "not ok - $tag:tests (the Go test binary was not built)"
	exit 1
fi
# Every test that needs the module runs: none is quietly left out.
export GOSYNC_GO_REQUIRE_MODULE=1
[ $# -gt 0 ] || set -- -test.short
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# The tests make named objects and child processes; run them from /tmp.
cd /tmp || exit 1
# Every top-level test and example must report: a test that calls os.Exit(0)
# would end the binary early with status 0 (go test adds -test.paniconexit0,
# which makes that a failure; so do we), and a crash prints no "--- FAIL".
case " $* ${GOSYNC_GO_TEST_ARGS:-} " in
*" -test.run"*) want= ;;
*) want=$("$bin" -test.list '^(Test|Example)' 2>/dev/null | grep -cE '^(Test|Example)') ;;
esac
{ "$bin" -test.v -test.paniconexit0 -test.timeout 600s "$@" $GOSYNC_GO_TEST_ARGS 2>&1
  echo $? >"$tmp/rc"; } |
awk -v tag="$tag" -v tmp="$tmp" '
{ print "# " $0 }
# -v streams a test'"'"'s log before its result: keep its last file:line.
/^=== RUN   [^\/]*$/ { last = "" }
/^ +[A-Za-z0-9_]+\.go:[0-9]+: / { last = $0; sub(/^ +/, "", last) }
/^--- PASS: / { print "ok - " tag ":" $3; passed++ }
/^--- SKIP: / { print "ok - " tag ":" $3 " # SKIP"; passed++ }
/^--- FAIL: / {
	if (last == "" && $3 ~ /^Example/)
		last = "its output differs"
	print "not ok - " tag ":" $3 (last != "" ? " (" last ")" : "")
	failed++
}
END {
	printf "# %s: %d passed, %d failed\n", tag, passed, failed
	if (passed + failed == 0)
		print "not ok - " tag ":tests (no test reported a result)"
	printf "%d %d\n", passed, failed > (tmp "/count")
}
'
rc=$(cat "$tmp/rc")
read -r passed failed < "$tmp/count"
r=0
if [ -n "$want" ] && [ $((passed + failed)) -ne "$want" ]; then
	echo "not ok - $tag:tests ($((passed + failed)) of $want tests and examples reported)"
	r=1
fi
if [ "$rc" -ne 0 ]; then
	# Failed tests printed "not ok"; a crash or a timeout may print none.
	echo "# $tag: the test binary exited with status $rc"
	[ "$failed" -gt 0 ] || echo "not ok - $tag:binary (exited with status $rc, no test failed)"
	r=1
fi
exit $r
