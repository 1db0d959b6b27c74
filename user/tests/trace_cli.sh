#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: gosync's tracepoints through tracefs, as perf trace, trace-cmd and
# bpftrace read them. Enables events/gosync/*, runs a scripted sequence with
# the CLI (create a Mutex; a holder locks it; a second locker contends and
# waits; the holder is killed: owner dead; the waiter gets it, runs, and
# unlocks; the name is removed: destroyed; then a WaitGroup Wait that sleeps
# until Done), and checks the events of each object
# in order, with their pids and results. Skips (TAP SKIP) if the
# guest has no tracefs or no gosync events. Uses $GOSYNC, else gosync from
# PATH. Busybox only.
# (`gosync wg done` is a subcommand, not the end of a loop: SC1010)
# shellcheck disable=SC2034,SC1010 source=user/tests/_cli.sh
SUITE=trace
. "$(dirname "$0")/_cli.sh"
N=e2e-trace-$$
TR=/sys/kernel/tracing

cleanup() {
	[ -w "$TR/events/gosync/enable" ] && echo 0 >"$TR/events/gosync/enable"
	"$G" rm -f "$N" "$N-wg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

[ -d "$TR/events" ] || mount -t tracefs nodev "$TR" 2>/dev/null
if [ ! -d "$TR/events/gosync" ]; then
	echo "ok - e2e:trace-events # SKIP no tracefs or no gosync events"
	exit 0
fi
ok events-present
for e in create destroy contended acquired released wait_begin wait_end owner_dead; do
	[ -d "$TR/events/gosync/gosync_$e" ] || notok "event-$e" "no events/gosync/gosync_$e"
done

echo 0 >"$TR/tracing_on"
echo >"$TR/trace"
echo 1 >"$TR/events/gosync/enable"
echo 1 >"$TR/tracing_on"

"$G" mutex create "$N" || notok create "gosync mutex create failed"
id=$("$G" --json mutex info "$N" | json_num id)
"$G" mutex lock "$N" -- sleep 600 >/dev/null 2>&1 &
holder=$!
info_has mutex "$N" "holders: 1" || notok holder-locked "the holder never locked"
"$G" mutex lock "$N" -- true >"$T/waiter.out" 2>&1 &
waiter=$!
info_has mutex "$N" "waiters: 1" || notok waiter-waits "the waiter never waited"
kill -9 "$holder"
wait "$holder" 2>/dev/null
wait "$waiter"
"$G" rm "$N"

# a WaitGroup Wait that sleeps until Done
"$G" wg create "$N-wg"
wgid=$("$G" --json wg info "$N-wg" | json_num id)
"$G" wg add "$N-wg" 1
"$G" wg wait "$N-wg" &
wwait=$!
info_has wg "$N-wg" "waiters: 1" || notok wg-waits "the Wait never waited"
"$G" wg done "$N-wg"
wait "$wwait"
"$G" rm "$N-wg"
echo 0 >"$TR/tracing_on"
echo 0 >"$TR/events/gosync/enable"
cp "$TR/trace" "$T/trace"


# The events of our object: "EVENT pid=N result=R", in trace order
grep " id=$id " "$T/trace" |
	sed -n 's/.* \(gosync_[a-z_]*\): id=[0-9]* type=\([a-z]*\).*pid=\([0-9-]*\).*/\1 \2 \3/p' \
	>"$T/events"
grep " id=$id " "$T/trace" | sed -n 's/.* \(gosync_[a-z_]*\):.*result=\(-\{0,1\}[0-9]*\).*/\1 \2/p' \
	>"$T/results"
seq=$(awk '{ print $1 }' "$T/events" | tr '\n' ' ')
want="gosync_create gosync_acquired gosync_contended gosync_owner_dead gosync_wait_end gosync_acquired gosync_released gosync_destroy "
[ "$seq" = "$want" ] && ok sequence || notok sequence "got '$seq', expected '$want'; trace: $(grep " id=$id " "$T/trace" | head -20)"

# pids: the holder acquired and died; the waiter contended, acquired, released
ev() { sed -n "$1p" "$T/events" | awk '{ print $3 }'; }
[ "$(ev 2)" = "$holder" ] && [ "$(ev 4)" = "$holder" ] && ok holder-pid ||
	notok holder-pid "acquired by $(ev 2), owner dead $(ev 4), holder $holder"
[ "$(ev 3)" = "$waiter" ] && [ "$(ev 6)" = "$waiter" ] && [ "$(ev 7)" = "$waiter" ] &&
	ok waiter-pid || notok waiter-pid "contended $(ev 3) acquired $(ev 6) released $(ev 7), waiter $waiter"
grep -q "^gosync_create mutex" "$T/events" && ok type || notok type "$(head -1 "$T/events")"
# the waiter's wait ended with EOWNERDEAD (-130), as did its acquisition
r=$(grep -c '^gosync_wait_end -130$\|^gosync_acquired -130$' "$T/results")
[ "$r" = 2 ] && ok owner-dead-result || notok owner-dead-result "$(cat "$T/results")"
wseq=$(grep " id=$wgid " "$T/trace" | sed -n 's/.* \(gosync_[a-z_]*\): .*/\1/p' | tr '\n' ' ')
[ "$wseq" = "gosync_create gosync_wait_begin gosync_wait_end gosync_destroy " ] && ok wg-sequence ||
	notok wg-sequence "got '$wseq'"
grep " id=$wgid " "$T/trace" | grep -q "gosync_wait_begin: .* type=waitgroup op=3 pid=$wwait " &&
	grep " id=$wgid " "$T/trace" | grep -q "gosync_wait_end: .* pid=$wwait .* result=0\$" &&
	ok wg-wait-pid || notok wg-wait-pid "$(grep " id=$wgid " "$T/trace")"
exit $fail
