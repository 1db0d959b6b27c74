# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034
# Sourced by the e2e scripts of the gosync CLI (run-all.sh runs no _* file):
# $G (the gosync to test: $GOSYNC, else gosync from PATH), a scratch
# directory $T, $fail, and the helpers they share. Set SUITE, the NAME of
# the "ok - e2e:NAME-TEST" lines, before sourcing this.
G=${GOSYNC:-gosync}
T=$(mktemp -d) || exit 1
fail=0

ok() { echo "ok - e2e:$SUITE-$1"; }
notok() { echo "not ok - e2e:$SUITE-$1 ($2)"; fail=1; }
# status WANT NAME CMD...: CMD must exit with status WANT; its output is left
# in $T/out and $T/err
status() {
	want=$1 n=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$n"; else notok "$n" "'$*' exited $got, expected $want: $(head -c 200 "$T/err")"; fi
}
# json_num KEY: the number KEY has in the JSON object on stdin
json_num() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }
# wait_for FILE: up to 20 s for FILE to exist
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}

# with_shim VAR=VALUE... CMD...: CMD (a gosync) with _cli_shim.so preloaded,
# which VAR=VALUE set up (see _cli_shim.c); SHIM is empty if it was not built
SHIM=$(cd "$(dirname "$0")" && pwd)/_cli_shim.so
[ -e "$SHIM" ] || SHIM=
with_shim() { env LD_PRELOAD="$SHIM" "$@"; }
# skip TEST WHY: an "ok ... # SKIP" line
skip() { echo "ok - e2e:$SUITE-$1 # SKIP $2"; }

# info_has TYPE NAME LINE: up to 20 s until `TYPE info NAME` has LINE
info_has() {
	i=0
	while ! "$G" "$1" info "$2" | grep -q "^$3\$" && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
	"$G" "$1" info "$2" | grep -q "^$3\$"
}
