#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: `gosync chan` from shell scripts, across processes: a producer
# pipeline and 4 consumer processes share a work queue and see every job
# exactly once; close semantics (drain, then exit 3), unbuffered hand-off,
# --timeout, signals, errors and exit statuses, --json, ls and info. Uses
# $GOSYNC, else gosync from PATH. Busybox only.
# shellcheck disable=SC2034 source=user/tests/_cli.sh
SUITE=chan-cli
. "$(dirname "$0")/_cli.sh"
N=e2e-chan-$$

names="$N-jobs $N-q $N-q2 $N-u $N-big $N-t $N-m $N-b2"
cleanup() { "$G" rm -f $names >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
"$G" rm -f $names >/dev/null 2>&1

if ! "$G" chan --help >/dev/null 2>&1; then
	notok registered "'$G chan --help' failed: is the chan type in main.c's types[]?"
	exit 1
fi

# ---- the work queue of docs/cli.md: 1 producer pipeline, 4 consumers ----
status 0 create "$G" chan create "$N-jobs" --cap 8
pids=""
for c in 1 2 3 4; do
	"$G" chan recv "$N-jobs" --all >"$T/c$c" 2>"$T/e$c" &
	pids="$pids $!"
done
info_has chan "$N-jobs" "receivers_waiting: 4" || notok consumers-waiting "$("$G" chan info "$N-jobs")"
(seq 1 100 | "$G" chan send "$N-jobs" --lines; "$G" chan close "$N-jobs") 2>"$T/perr"; prc=$?
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
sort -n "$T/c1" "$T/c2" "$T/c3" "$T/c4" >"$T/all"
seq 1 100 >"$T/want"
if [ $prc = 0 ] && [ $bad = 0 ] && cmp -s "$T/all" "$T/want"; then
	ok work-queue-each-job-once
else
	notok work-queue-each-job-once "producer $prc, $bad consumers failed, $(wc -l <"$T/all") lines, $(sort -n "$T/all" | uniq -d | wc -l) dups: $(cat "$T/perr" "$T/e1" | head -c 200)"
fi
got=""
for c in 1 2 3 4; do got="$got $(wc -l <"$T/c$c")"; done
echo "# jobs per consumer:$got"
# each consumer's own jobs came in the order sent
sorted=ok
for c in 1 2 3 4; do sort -n "$T/c$c" | cmp -s - "$T/c$c" || sorted="consumer $c out of order"; done
[ "$sorted" = ok ] && ok fifo-per-consumer || notok fifo-per-consumer "$sorted"

# closed and drained: recv exits 3 and prints nothing, --all exits 0 at once
out=$("$G" chan recv "$N-jobs" 2>"$T/err"); rc=$?
[ $rc = 3 ] && [ -z "$out" ] && [ ! -s "$T/err" ] && ok recv-closed-3 || notok recv-closed-3 "status $rc, out '$out', err '$(cat "$T/err")'"
status 0 recv-all-closed "$G" chan recv "$N-jobs" --all
status 3 send-closed "$G" chan send "$N-jobs" x
grep -q 'closed' "$T/err" && ok send-closed-message || notok send-closed-message "$(cat "$T/err")"
status 3 close-closed "$G" chan close "$N-jobs"
grep -q 'already closed' "$T/err" && ok close-closed-message || notok close-closed-message "$(cat "$T/err")"

# ---- messages and close: buffered messages survive close, in order ----
"$G" chan create "$N-q" --cap 4 --perm 0640
"$G" chan send "$N-q" "first message" "" "a b  c"
[ "$("$G" chan len "$N-q")" = "3 4 false" ] && ok len || notok len "$("$G" chan len "$N-q")"
"$G" chan close "$N-q"
[ "$("$G" chan len "$N-q")" = "3 4 true" ] && ok len-closed || notok len-closed "$("$G" chan len "$N-q")"
[ "$("$G" chan recv "$N-q")" = "first message" ] && ok recv-one || notok recv-one "wrong message"
"$G" chan recv "$N-q" --all >"$T/rest"; rc=$?
printf '\na b  c\n' | cmp -s - "$T/rest" && [ $rc = 0 ] && ok drain-after-close || notok drain-after-close "status $rc: '$(cat "$T/rest")'"
status 3 recv-drained "$G" chan recv "$N-q"

# ---- unbuffered: a send waits for its receiver ----
"$G" chan create "$N-u"
"$G" chan send "$N-u" hello 2>"$T/uerr" &
s=$!
info_has chan "$N-u" "senders_waiting: 1" || notok unbuffered-send-queued "$("$G" chan info "$N-u")"
kill -0 $s 2>/dev/null && ok unbuffered-send-waits || notok unbuffered-send-waits "send returned without a receiver"
out=$("$G" chan recv "$N-u" --timeout 20)
wait $s; rc=$?
[ "$out" = hello ] && [ $rc = 0 ] && ok unbuffered-handoff || notok unbuffered-handoff "got '$out', send $rc"
# a waiting sender fails with 3 when the channel is closed under it
"$G" chan send "$N-u" lost 2>"$T/uerr" &
s=$!
info_has chan "$N-u" "senders_waiting: 1" || notok waiting-send-queued "$("$G" chan info "$N-u")"
"$G" chan close "$N-u"
wait $s; rc=$?
[ $rc = 3 ] && grep -q 'closed' "$T/uerr" && ok waiting-send-closed || notok waiting-send-closed "status $rc, '$(cat "$T/uerr")'"
status 3 unbuffered-closed-empty "$G" chan recv "$N-u"

# ---- --timeout, signals ----
"$G" chan create "$N-t" --cap 1
status 1 recv-timeout "$G" chan recv "$N-t" --timeout 0.2
grep -q 'timed out' "$T/err" && ok recv-timeout-message || notok recv-timeout-message "$(cat "$T/err")"
"$G" chan send "$N-t" one
status 1 send-timeout-full "$G" chan send "$N-t" two --timeout 0.2
# --all gives up after --timeout without a message, having printed the rest
out=$("$G" chan recv "$N-t" --all --timeout 0.3 2>"$T/err"); rc=$?
[ $rc = 1 ] && [ "$out" = one ] && grep -q 'timed out' "$T/err" && ok recv-all-timeout || notok recv-all-timeout "status $rc, out '$out'"
# ...and with --json still ends its object, "closed":false (docs/cli.md, "Channels")
"$G" chan send "$N-t" one
j=$("$G" --json chan recv "$N-t" --all --timeout 0.3 2>"$T/err"); rc=$?
[ $rc = 1 ] && [ "$j" = "{\"name\":\"$N-t\",\"op\":\"recv\",\"messages\":[\"one\"],\"count\":1,\"closed\":false}" ] &&
	grep -q 'timed out' "$T/err" && ok json-recv-all-timeout || notok json-recv-all-timeout "status $rc, got '$j'"
"$G" chan recv "$N-t" 2>"$T/err" &
p=$!
info_has chan "$N-t" "receivers_waiting: 1" || notok recv-sigterm-queued "$("$G" chan info "$N-t")"
kill -TERM $p
wait $p; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err" && ok recv-sigterm-143 || notok recv-sigterm-143 "status $rc, '$(cat "$T/err")'"
# the interrupted recv took nothing
"$G" chan send "$N-t" after
[ "$("$G" chan recv "$N-t" --timeout 5)" = after ] && ok nothing-lost-to-signal || notok nothing-lost-to-signal "message lost"
# a slow producer: recv --all prints each line as it comes (not at the end);
# the second line waits for $T/slow-release, made once the first is printed
(
	echo early
	i=0
	while [ ! -e "$T/slow-release" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo late
) | "$G" chan send "$N-t" --lines &
sp=$!
"$G" chan recv "$N-t" --all >"$T/slow" &
r=$!
i=0
while [ "$(cat "$T/slow" 2>/dev/null)" != early ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$T/slow")" = early ] && ok recv-all-streams || notok recv-all-streams "before the second line: '$(cat "$T/slow")'"
touch "$T/slow-release"
wait $sp
"$G" chan close "$N-t"
wait $r
[ "$(cat "$T/slow" | tr '\n' ' ')" = "early late " ] && ok recv-all-streams-all || notok recv-all-streams-all "'$(cat "$T/slow")'"

# ---- message sizes ----
"$G" chan create "$N-m" --cap 2 --msg-max 8
status 1 send-too-long "$G" chan send "$N-m" 123456789
grep -q 'msg-max' "$T/err" && ok send-too-long-message || notok send-too-long-message "$(cat "$T/err")"
status 0 send-max "$G" chan send "$N-m" 12345678
printf 'ok\n123456789\nnot sent\n' | "$G" chan send "$N-m" --lines 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q 'line 2' "$T/err" && ok lines-too-long-says-line || notok lines-too-long-says-line "status $rc, '$(cat "$T/err")'"
[ "$("$G" chan len "$N-m")" = "2 2 false" ] && ok lines-before-error-sent || notok lines-before-error-sent "$("$G" chan len "$N-m")"
# messages longer than 4096 bytes (the first room a recv makes) arrive whole
"$G" chan create "$N-big" --cap 4 --msg-max 65536
head -c 30000 /dev/zero | tr '\0' x >"$T/bigline"
echo >>"$T/bigline"
"$G" chan send "$N-big" --lines <"$T/bigline"
"$G" chan send "$N-big" small
"$G" chan close "$N-big"
"$G" chan recv "$N-big" --all >"$T/bigout"
{ cat "$T/bigline"; echo small; } | cmp -s - "$T/bigout" && ok big-message || notok big-message "$(wc -c <"$T/bigout") bytes"
# longer than any channel takes (65536 bytes): a usage error (2), nothing
# sent; 65536 bytes is a message like any other
"$G" chan create "$N-b2" --cap 2 --msg-max 65536
x64k=$(head -c 65536 /dev/zero | tr '\0' x)
status 2 usage-send-over-65536 "$G" chan send "$N-b2" "${x64k}y"
grep -q "Try 'gosync" "$T/err" && ok usage-send-over-65536-message || notok usage-send-over-65536-message "$(head -c 200 "$T/err")"
[ "$("$G" chan len "$N-b2")" = "0 2 false" ] && ok over-65536-not-sent || notok over-65536-not-sent "$("$G" chan len "$N-b2")"
status 0 send-65536 "$G" chan send "$N-b2" "$x64k"
[ "$("$G" chan recv "$N-b2")" = "$x64k" ] && ok recv-65536 || notok recv-65536 "not the message sent"

# ---- json, ls, info, errors ----
j=$("$G" --json chan len "$N-q")
[ "$j" = "{\"name\":\"$N-q\",\"op\":\"len\",\"len\":0,\"cap\":4,\"closed\":true}" ] && ok json-len || notok json-len "got '$j'"
j=$("$G" --json chan recv "$N-q"); rc=$?
[ $rc = 3 ] && [ "$j" = "{\"name\":\"$N-q\",\"op\":\"recv\",\"ok\":false,\"message\":null}" ] && ok json-recv-closed || notok json-recv-closed "status $rc, got '$j'"
"$G" rm "$N-q"; "$G" chan create "$N-q" --cap 4
j=$("$G" --json chan send "$N-q" 'say "hi"' two)
[ "$j" = "{\"name\":\"$N-q\",\"op\":\"send\",\"sent\":2}" ] && ok json-send || notok json-send "got '$j'"
j=$("$G" --json chan recv "$N-q")
[ "$j" = "{\"name\":\"$N-q\",\"op\":\"recv\",\"ok\":true,\"message\":\"say \\\"hi\\\"\"}" ] && ok json-recv || notok json-recv "got '$j'"
"$G" chan close "$N-q"
j=$("$G" --json chan recv "$N-q" --all)
[ "$j" = "{\"name\":\"$N-q\",\"op\":\"recv\",\"messages\":[\"two\"],\"count\":1,\"closed\":true}" ] && ok json-recv-all || notok json-recv-all "got '$j'"
"$G" ls | grep -q "chan  *cap=8  *$N-jobs " && ok ls || notok ls "$("$G" ls | grep "$N-jobs")"
"$G" chan info "$N-jobs" >"$T/info"
grep -q '^mode: cap=8$' "$T/info" && grep -q '^state: closed$' "$T/info" && grep -q '^value: 0$' "$T/info" &&
	grep -q '^ops: sends=100 recvs=100 closed_recvs=' "$T/info" && ok info || notok info "$(cat "$T/info")"
j=$("$G" --json chan info "$N-jobs")
echo "$j" | grep -q '"type":"chan","mode":"cap=8"' && echo "$j" | grep -q '"state":"closed"' && ok json-info || notok json-info "got '$j'"
"$G" chan info "$N-m" | grep -q '^perm: 0600$' && ok perm-default || notok perm-default "$("$G" chan info "$N-m")"
j=$("$G" --json chan create "$N-q2" --cap 3 --perm 0640); "$G" rm -f "$N-q2"
echo "$j" | grep -q '"mode":"cap=3".*"perm":"0640"' && ok json-create-perm || notok json-create-perm "got '$j'"
status 1 create-exists "$G" chan create "$N-jobs"
status 1 recv-missing "$G" chan recv "$N-nosuch"
status 1 wrong-type "$G" counter load "$N-jobs"
grep -q 'is a chan, not a counter' "$T/err" && ok wrong-type-message || notok wrong-type-message "$(cat "$T/err")"
status 2 usage-send-no-msg "$G" chan send "$N-t"
status 2 usage-send-lines-and-msg "$G" chan send "$N-t" --lines x
status 2 usage-cap "$G" chan create "$N-x" --cap 65537
status 2 usage-msg-max "$G" chan create "$N-x" --msg-max 0
status 2 usage-timeout "$G" chan recv "$N-t" --timeout soon
help=ok
for h in "chan --help" "chan create --help" "chan send --help" "chan recv --help" "help chan close"; do
	# shellcheck disable=SC2086
	out=$("$G" $h) && echo "$out" | grep -q '^Usage: gosync' || help="'gosync $h' printed no usage"
done
[ "$help" = ok ] && ok help || notok help "$help"

exit $fail
