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
{ "$bin" -test.v -test.timeout 600s "$@" $GOSYNC_GO_TEST_ARGS 2>&1; echo $? >"$tmp/rc"; } |
awk -v tag="$tag" '
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
}
'
rc=$(cat "$tmp/rc")
if [ "$rc" -ne 0 ]; then
	# Failed tests already printed "not ok"; say so for a crash or timeout.
	echo "# $tag: the test binary exited with status $rc"
	exit 1
fi
exit 0
