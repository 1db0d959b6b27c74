#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every e2e test in this script's directory (in the VM: /tests), in name
# order, and exit nonzero if any failed. Tests print "ok - e2e:NAME" and
# "not ok - e2e:NAME (REASON)" lines; a test that exits nonzero (or is
# killed, or times out) without a "not ok" line gets one here, so the tally
# of ok/not ok lines always agrees with the exit status.
# Usage: run-all.sh [TEST...]    (default: every test)
# GOSYNC_TEST_SKIP: names (shell patterns) not to run, each noted in a line.
dir=$(cd "$(dirname "$0")" && pwd)
self=$(basename "$0")
limit=${GOSYNC_TEST_TIMEOUT:-600}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0

if [ $# -gt 0 ]; then
	tests=$*
else
	tests=$(cd "$dir" && ls)
fi
for name in $tests; do
	t=$dir/$name
	case $name in
	"$self"|*.h|*.d|*.o|*.c|_*) continue ;;
	esac
	if ! { [ -f "$t" ] && [ -x "$t" ]; }; then
		# Named (scripts/kcsan's list, a caller's): a rename must not
		# quietly drop it.
		if [ $# -gt 0 ]; then
			echo "not ok - e2e:$name (no such test)"
			status=1
		fi
		continue
	fi
	skip=
	set -f		# the patterns are for case, not for the file system
	for p in ${GOSYNC_TEST_SKIP:-}; do
		# shellcheck disable=SC2254
		case $name in $p) skip=$p ;; esac
	done
	set +f
	if [ -n "$skip" ]; then
		echo "# $name: skipped (GOSYNC_TEST_SKIP has $skip)"
		continue
	fi
	echo "# $name"
	if command -v timeout >/dev/null 2>&1; then
		run="timeout $limit"
	else
		run=""
	fi
	# Stream the output and keep a copy; the exit status goes through a file.
	t0=$(date +%s)
	{ (cd "$dir" && $run "$t" 2>&1); echo $? >"$tmp/rc"; } | tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	echo "# $name: $(( $(date +%s) - t0 )) s"
	if grep -q '^not ok' "$tmp/out"; then
		status=1
		[ "$rc" -ne 0 ] || echo "not ok - e2e:$name (printed a failure but exited 0)"
	elif [ "$rc" -ne 0 ]; then
		status=1
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 143 ]; then
			why="timed out after ${limit}s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exit status $rc"
		fi
		echo "not ok - e2e:$name ($why)"
	elif ! grep -q '^ok' "$tmp/out"; then
		status=1
		echo "not ok - e2e:$name (reported no results)"
	fi
done
exit $status
