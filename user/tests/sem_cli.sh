#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: `gosync sem` from shell scripts, across processes: `acquire -- CMD`
# from many background jobs never runs more than SIZE at once, a killed
# holder's permit comes back (robust) or stays taken (--nonrobust), FIFO
# order, plain acquire and release, timeouts, signals, exit statuses, --json.
# Uses $GOSYNC, else gosync from PATH. Busybox only.
# shellcheck disable=SC2034 source=user/tests/_cli.sh
SUITE=sem-cli
. "$(dirname "$0")/_cli.sh"
N=e2e-sem-$$

# waiters PID: the Acquires waiting on the semaphore PID has open, from the
# fdinfo of that process's fd (sem-waiters)
waiters() { cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^sem-waiters:/ { print $2; exit }'; }
# wait_waiters PID N: up to 20 s until N Acquires wait on PID's semaphore
wait_waiters() {
	i=0
	while [ "$(waiters "$1")" != "$2" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(waiters "$1")" = "$2" ]
}
# free NAME: the free permits
free() { "$G" sem load "$1" | cut -d' ' -f1; }

names="$N-s $N-n $N-f $N-in $N-x"
cleanup() { "$G" rm -f $names >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
"$G" rm -f $names >/dev/null 2>&1

if ! "$G" sem --help >/dev/null 2>&1; then
	notok registered "'$G sem --help' failed: is sem in main.c's types[]?"
	exit 1
fi

# ---- create, ls, info, load ----
status 0 create "$G" sem create "$N-s" 2
status 0 create-nonrobust "$G" sem create "$N-n" 3 --nonrobust --perm 0640
status 1 create-exists "$G" sem create "$N-s" 2
status 2 create-size-0 "$G" sem create "$N-x" 0
status 2 create-no-size "$G" sem create "$N-x"
"$G" ls | grep -q "sem  *robust  *$N-s " && "$G" ls | grep -q "sem  *nonrobust  *$N-n " &&
	ok ls || notok ls "$("$G" ls | grep "$N")"
out=$("$G" sem info "$N-n")
echo "$out" | grep -q '^mode: nonrobust$' && echo "$out" | grep -q '^perm: 0640$' &&
	echo "$out" | grep -q '^value: 3$' && echo "$out" | grep -q '^state: size=3$' &&
	ok info || notok info "$out"
[ "$("$G" sem load "$N-s")" = "2 2" ] && ok load || notok load "$("$G" sem load "$N-s")"

# ---- 6 jobs of 'acquire -n 1 -- CMD' on a size-2 semaphore: at most 2 inside ----
# Each job's CMD counts itself in and out on a gosync counter and logs the
# count it saw on entering: no entry may see more than 2.
"$G" counter create "$N-in"
work="v=\$($G counter add $N-in 1); echo \$v >>$T/inside; sleep 0.2; $G counter add $N-in -1 >/dev/null"
pids=""
for j in 1 2 3 4 5 6; do
	"$G" sem acquire "$N-s" -n 1 -- sh -c "$work" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
most=$(sort -n "$T/inside" | tail -1)
[ $bad = 0 ] && [ "$(wc -l <"$T/inside")" -eq 6 ] && [ "$most" -le 2 ] &&
	ok at-most-size || notok at-most-size "bad=$bad, $(wc -l <"$T/inside") ran, most inside $most"
[ "$(free "$N-s")" = 2 ] && ok permits-back || notok permits-back "$("$G" sem load "$N-s")"

# two holders at once: each waits (holding its permit) for the other
"$G" sem acquire "$N-s" -- sh -c "touch $T/a1; i=0; while [ ! -e $T/a2 ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; [ -e $T/a2 ]" &
a1=$!
"$G" sem acquire "$N-s" -- sh -c "touch $T/a2; i=0; while [ ! -e $T/a1 ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; [ -e $T/a1 ]" &
a2=$!
wait $a1; s1=$?
wait $a2; s2=$?
[ $s1 = 0 ] && [ $s2 = 0 ] && ok two-at-once || notok two-at-once "statuses $s1 $s2"

# ---- exit statuses ----
status 7 cmd-status "$G" sem acquire "$N-s" -- sh -c 'exit 7'
status 127 cmd-not-found "$G" sem acquire "$N-s" -- /nonexistent/cmd
[ "$(free "$N-s")" = 2 ] && ok permits-back-after-failure || notok permits-back-after-failure "$("$G" sem load "$N-s")"
status 1 more-than-size "$G" sem acquire "$N-s" -n 3 -- true
grep -q 'more than the semaphore has' "$T/err" && ok more-than-size-message || notok more-than-size-message "$(cat "$T/err")"
status 2 permits-0 "$G" sem acquire "$N-s" -n 0 -- true
status 2 permits-word "$G" sem acquire "$N-s" -n two -- true

# ---- a full semaphore: tryacquire busy, timeout, signal ----
"$G" sem acquire "$N-s" -n 2 -- sh -c "touch $T/held; while [ ! -e $T/release ]; do sleep 0.05; done" &
holder=$!
wait_for "$T/held"
[ "$(free "$N-s")" = 0 ] && ok held-load || notok held-load "$("$G" sem load "$N-s")"
status 1 tryacquire-busy "$G" sem tryacquire "$N-s" -- touch "$T/ran"
[ ! -e "$T/ran" ] && grep -q busy "$T/err" && ok tryacquire-busy-no-run || notok tryacquire-busy-no-run "ran, or '$(cat "$T/err")'"
status 1 acquire-timeout "$G" sem acquire "$N-s" --timeout 0.2 -- touch "$T/ran"
[ ! -e "$T/ran" ] && grep -q 'timed out' "$T/err" && ok timeout-message || notok timeout-message "$(cat "$T/err")"
status 75 tryacquire-busy-conflict-code "$G" sem tryacquire -E 75 "$N-s" -- touch "$T/ran"
status 76 acquire-timeout-conflict-code "$G" sem acquire -E 76 "$N-s" --timeout 0.1 -- touch "$T/ran"
[ ! -e "$T/ran" ] && ok conflict-code-no-run || notok conflict-code-no-run "CMD ran"
status 2 usage-bad-conflict-code "$G" sem acquire -E -1 "$N-s" -- true
"$G" sem acquire "$N-s" -- touch "$T/ran" 2>"$T/err2" &
p=$!
wait_waiters $holder 1 || notok waiting "no waiter after 20 s"
kill -TERM $p
wait $p; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err2" && [ ! -e "$T/ran" ] && wait_waiters $holder 0 &&
	ok acquire-sigterm-143 || notok acquire-sigterm-143 "status $rc, '$(cat "$T/err2")'"
touch "$T/release"
wait $holder && [ "$(free "$N-s")" = 2 ] && ok holder-releases || notok holder-releases "$("$G" sem load "$N-s")"
rm -f "$T/held" "$T/release"
# a signal that comes as the permits are taken (_cli_shim.so raises SIGTERM as
# the Acquire enters the kernel): 143 as if it came during the wait, CMD not
# started, the permits given back
if [ -n "$SHIM" ]; then
	for v in acquire tryacquire; do
		with_shim GOSYNC_SHIM_RAISE=sem "$G" sem $v "$N-s" -n 2 -- touch "$T/ran" 2>"$T/err"; rc=$?
		[ $rc = 143 ] && grep -q interrupted "$T/err" && [ ! -e "$T/ran" ] && [ "$(free "$N-s")" = 2 ] &&
			ok "signal-as-$v" || notok "signal-as-$v" "status $rc, '$(cat "$T/err")', $("$G" sem load "$N-s")"
		rm -f "$T/ran"
	done
else
	skip signal-as-acquire "no _cli_shim.so"
fi

# SIGTERM and SIGHUP sent to gosync while CMD runs are passed on to CMD, and
# gosync exits with CMD's status (docs/cli.md, "Semaphores" and "Running a
# command under a lock: -- CMD"): CMD traps the signal, writes its name to
# $T/sig and exits 5
for sig in TERM HUP; do
	rm -f "$T/sig" "$T/ready"
	"$G" sem acquire "$N-s" -- sh -c 'trap "echo $1 >$2/sig; exit 5" "$1"; touch "$2/ready"; while :; do sleep 0.05; done' \
		sh "$sig" "$T" 2>"$T/err" &
	p=$!
	if wait_for "$T/ready"; then
		kill -"$sig" $p
		wait $p; rc=$?
		[ $rc = 5 ] && [ "$(cat "$T/sig" 2>/dev/null)" = "$sig" ] && [ "$(free "$N-s")" = 2 ] &&
			ok "acquire-cmd-gets-sig$sig" ||
			notok "acquire-cmd-gets-sig$sig" "status $rc, CMD saw '$(cat "$T/sig" 2>/dev/null)', '$(cat "$T/err")', $("$G" sem load "$N-s")"
	else
		kill -KILL $p; wait $p; notok "acquire-cmd-gets-sig$sig" "CMD did not start: $(cat "$T/err")"
	fi
done

# ---- FIFO: an acquire of 2 waiting behind a holder of 1 is not overtaken by
# an acquire of 1 that would fit (x/sync's TestLargeAcquireDoesntStarve) ----
"$G" sem acquire "$N-s" -- sh -c "touch $T/held; while [ ! -e $T/release ]; do sleep 0.05; done" &
holder=$!
wait_for "$T/held"
"$G" sem acquire "$N-s" -n 2 -- touch "$T/big" &
big=$!
wait_waiters $holder 1 || notok waiting "no waiter after 20 s"
[ "$(free "$N-s")" = 1 ] && ok fifo-one-free || notok fifo-one-free "$("$G" sem load "$N-s")"
status 1 fifo-small-waits-behind-big "$G" sem tryacquire "$N-s" -- true
touch "$T/release"
wait $holder
wait $big && [ -e "$T/big" ] && ok fifo-big-ran || notok fifo-big-ran "the acquire of 2 failed"
rm -f "$T/held" "$T/release"

# ---- a killed holder: its permit comes back (robust), and CMD dies too ----
"$G" sem acquire "$N-s" -- sh -c "echo \$\$ >$T/cmdpid; exec sleep 100" &
k=$!
wait_for "$T/cmdpid"
[ "$(free "$N-s")" = 1 ] && ok killed-held || notok killed-held "$("$G" sem load "$N-s")"
kill -KILL $k
wait $k
[ "$(free "$N-s")" = 2 ] && ok killed-permit-back || notok killed-permit-back "$("$G" sem load "$N-s")"
[ "$("$G" --json sem info "$N-s" | json_num abandoned)" = 1 ] && ok killed-counted-abandoned ||
	notok killed-counted-abandoned "$("$G" --json sem info "$N-s")"
i=0
while kill -0 "$(cat "$T/cmdpid")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$(cat "$T/cmdpid")" 2>/dev/null && notok killed-cmd-dies "CMD still runs" || ok killed-cmd-dies

# ---- plain acquire and release ----
# robust: warned, and nothing stays taken; release always fails (EPERM)
"$G" sem acquire "$N-s" 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q 'warning: .*robust' "$T/err" && [ "$(free "$N-s")" = 2 ] &&
	ok robust-plain-acquire-warns || notok robust-plain-acquire-warns "status $rc, '$(cat "$T/err")', $("$G" sem load "$N-s")"
status 1 robust-release-eperm "$G" sem release "$N-s"
grep -q 'is robust' "$T/err" && ok robust-release-message || notok robust-release-message "$(cat "$T/err")"
# nonrobust: acquire and release as separate commands, from any process
"$G" sem acquire "$N-n" -n 2 2>"$T/err" && [ ! -s "$T/err" ] && [ "$(free "$N-n")" = 1 ] &&
	ok nonrobust-acquire-stays || notok nonrobust-acquire-stays "'$(cat "$T/err")', $("$G" sem load "$N-n")"
status 1 nonrobust-tryacquire-busy "$G" sem tryacquire "$N-n" -n 2
status 0 nonrobust-release "$G" sem release "$N-n"
status 0 nonrobust-release-2 "$G" sem release "$N-n"
status 1 nonrobust-release-too-many "$G" sem release "$N-n"
grep -q 'fewer than 1 permits are taken' "$T/err" && ok release-too-many-message || notok release-too-many-message "$(cat "$T/err")"
[ "$(free "$N-n")" = 3 ] && ok nonrobust-all-free || notok nonrobust-all-free "$("$G" sem load "$N-n")"
# a killed holder of a nonrobust semaphore: its permit stays taken (POSIX)
"$G" sem acquire "$N-n" -- sh -c "touch $T/held; exec sleep 100" &
k=$!
wait_for "$T/held"
kill -KILL $k
wait $k
[ "$(free "$N-n")" = 2 ] && ok nonrobust-killed-stays-taken || notok nonrobust-killed-stays-taken "$("$G" sem load "$N-n")"
status 0 nonrobust-release-for-dead "$G" sem release "$N-n"

# ---- --json ----
j=$("$G" --json sem acquire "$N-s" -n 2 -- true)
[ "$j" = "{\"name\":\"$N-s\",\"op\":\"acquire\",\"permits\":2,\"status\":0}" ] &&
	ok json-acquire || notok json-acquire "got '$j'"
j=$("$G" --json sem load "$N-n")
[ "$j" = "{\"name\":\"$N-n\",\"op\":\"load\",\"size\":3,\"avail\":3,\"taken\":0}" ] &&
	ok json-load || notok json-load "got '$j'"
"$G" sem acquire "$N-n"
j=$("$G" --json sem release "$N-n")
[ "$j" = "{\"name\":\"$N-n\",\"op\":\"release\",\"permits\":1}" ] && ok json-release || notok json-release "got '$j'"
j=$("$G" --json sem info "$N-s")
echo "$j" | grep -q '"type":"sem","mode":"robust"' && [ "$(echo "$j" | json_num value)" = 2 ] &&
	echo "$j" | grep -q '"state":"size=2"' && [ "$(echo "$j" | json_num acquires)" -ge 12 ] &&
	ok json-info || notok json-info "got '$j'"
j=$("$G" --json sem create "$N-f" 5)
echo "$j" | grep -q "\"name\":\"$N-f\"" && [ "$(echo "$j" | json_num value)" = 5 ] &&
	echo "$j" | grep -q '"state":"size=5"' && ok json-create || notok json-create "got '$j'"
status 1 wrong-type "$G" sem acquire "$N-in" -- true
grep -q 'is a counter, not a sem' "$T/err" && ok wrong-type-message || notok wrong-type-message "$(cat "$T/err")"
status 1 no-such-sem "$G" sem load "$N-nonexistent"

exit $fail
