#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: `gosync cond` from shell scripts: `cond wait NAME -- CMD` runs CMD
# under the Cond's mutex until it exits 0, sleeping in Wait between runs, and
# `cond broadcast/signal NAME -- CMD` changes the state under the mutex and
# wakes them; a work queue of files consumed exactly once, timeouts, signals,
# CMD's errors, --json. Uses $GOSYNC, else gosync from PATH. Busybox only.
# shellcheck disable=SC2034 source=user/tests/_cli.sh
SUITE=cond-cli
. "$(dirname "$0")/_cli.sh"
N=e2e-cond-$$

# lines FILE N: up to 20 s until FILE has N lines
lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# in_wait: up to 20 s until the mutex is free: a waiter that ran CMD (and
# so held it) is then asleep in Wait
in_wait() {
	i=0
	while ! "$G" mutex trylock "$N-m" -- true 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

names="$N $N-m $N-n $N-c2"
cleanup() { "$G" rm -f $names >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
"$G" rm -f $names >/dev/null 2>&1

if ! "$G" cond --help >/dev/null 2>&1; then
	notok registered "'$G cond --help' failed: is cond in main.c's types[]?"
	exit 1
fi

# ---- create ----
"$G" mutex create "$N-m"
status 2 create-needs-mutex "$G" cond create "$N"
status 1 create-no-such-mutex "$G" cond create "$N" --mutex "$N-nonexistent"
status 0 create "$G" cond create "$N" --mutex "$N-m"
"$G" ls | grep -q "cond  *-  *$N " && ok ls || notok ls "$("$G" ls | grep "$N")"

# ---- one waiter: CMD runs, fails (1), the waiter sleeps; a broadcast whose
# CMD makes it true wakes it, and CMD runs exactly once more ----
check="echo run >>$T/runs; test -e $T/flag"
"$G" cond wait "$N" -- sh -c "$check" &
w=$!
lines "$T/runs" 1 || notok first-run "the waiter never ran CMD"
status 0 broadcast-cmd "$G" cond broadcast "$N" -- touch "$T/flag"
wait $w; rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$T/runs")" -eq 2 ] && ok wait-woken || notok wait-woken "status $rc, $(wc -l <"$T/runs") runs"
status 0 mutex-free-after-wait "$G" mutex trylock "$N-m" -- true
# true at once: no Wait at all
status 0 wait-true-at-once "$G" cond wait "$N" -- true

# ---- a work queue of files: 3 consumers wait for a job and take one (under
# the mutex), 3 producers add one each with 'signal -- CMD': every job is
# taken exactly once ----
mkdir "$T/q" "$T/done"
take="f=\$(ls $T/q | head -n 1); [ -n \"\$f\" ] || exit 1; mv $T/q/\$f $T/done/\$f.\$1"
pids=""
for c in 1 2 3; do
	"$G" cond wait "$N" -- sh -c "$take" sh "$c" &
	pids="$pids $!"
done
for j in 1 2 3; do
	"$G" cond signal "$N" -- touch "$T/q/job$j" || notok "signal-$j" "failed"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
[ $bad = 0 ] && [ "$(ls "$T/done" | wc -l)" = 3 ] && [ "$(ls "$T/done" | sed 's/\..*//' | sort -u | wc -l)" = 3 ] &&
	[ "$(ls "$T/done" | sed 's/.*\.//' | sort -u | wc -l)" = 3 ] && [ -z "$(ls "$T/q")" ] &&
	ok work-queue || notok work-queue "bad=$bad, done: $(ls "$T/done" | tr '\n' ' ')"

# ---- exit statuses ----
status 5 wait-cmd-error "$G" cond wait "$N" -- sh -c 'exit 5'
status 127 wait-cmd-not-found "$G" cond wait "$N" -- /nonexistent/cmd
rm -f "$T/runs"
status 1 wait-timeout "$G" cond wait "$N" --timeout 0.3 -- sh -c "echo run >>$T/runs; exit 1"
grep -q 'timed out' "$T/err" && [ "$(wc -l <"$T/runs")" -ge 2 ] && ok timeout-rechecks ||
	notok timeout-rechecks "'$(cat "$T/err")', $(wc -l <"$T/runs") runs"
status 0 mutex-free-after-timeout "$G" mutex trylock "$N-m" -- true
status 7 broadcast-cmd-status "$G" cond broadcast "$N" -- sh -c 'exit 7'
status 0 signal-nobody "$G" cond signal "$N"
status 0 broadcast-nobody "$G" cond broadcast "$N"
status 2 usage-wait-no-cmd "$G" cond wait "$N"

# ---- a signal ends a wait: 128+N, the mutex is unlocked ----
rm -f "$T/runs"
"$G" cond wait "$N" -- sh -c "echo run >>$T/runs; exit 1" 2>"$T/err2" &
w=$!
lines "$T/runs" 1
in_wait
kill -TERM $w
wait $w; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err2" && ok wait-sigterm-143 || notok wait-sigterm-143 "status $rc, '$(cat "$T/err2")'"
status 0 mutex-free-after-signal "$G" mutex trylock "$N-m" -- true

# ---- a stop and continue (Ctrl-Z, fg) ends the kernel's Wait (a restart
# would be a new Wait, which could miss a Signal): CMD runs again, as after
# a spurious wake-up, and the command goes on waiting ----
rm -f "$T/runs" "$T/go"
"$G" cond wait "$N" --timeout 60 -- sh -c "echo run >>$T/runs; test -e $T/go" 2>"$T/err2" &
w=$!
lines "$T/runs" 1
in_wait
kill -STOP $w
kill -CONT $w
lines "$T/runs" 2 && ok stop-cont-runs-cmd-again ||
	notok stop-cont-runs-cmd-again "CMD ran $(wc -l <"$T/runs") time(s), not again"
"$G" cond broadcast "$N" -- touch "$T/go"
wait $w; rc=$?
[ $rc = 0 ] && [ ! -s "$T/err2" ] && ok stop-cont-then-woken || notok stop-cont-then-woken "status $rc, '$(cat "$T/err2")'"
rm -f "$T/go"

# ---- a signal while CMD runs is passed to CMD; a CMD that still exits 0
# took what it waited for, so cond wait exits 0 too, not 143 ----
rm -f "$T/runs"
"$G" cond wait "$N" -- sh -c "trap '' TERM; echo run >>$T/runs; sleep 2" 2>"$T/err2" &
w=$!
lines "$T/runs" 1
kill -TERM $w
wait $w; rc=$?
[ $rc = 0 ] && ok signal-in-cmd-that-succeeds || notok signal-in-cmd-that-succeeds "status $rc, '$(cat "$T/err2")'"

# ---- a killed waiter: asleep in Wait it holds nothing; killed while CMD
# runs, its robust mutex is released and the next locker is told ----
rm -f "$T/runs"
"$G" cond wait "$N" -- sh -c "echo run >>$T/runs; exit 1" &
w=$!
lines "$T/runs" 1
in_wait
kill -KILL $w
wait $w
"$G" mutex trylock "$N-m" -- true 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$T/err" ] && ok killed-waiter-mutex-free || notok killed-waiter-mutex-free "status $rc, '$(cat "$T/err")'"
rm -f "$T/runs"
"$G" cond wait "$N" -- sh -c "echo run >>$T/runs; exec sleep 100" &
w=$!
lines "$T/runs" 1
kill -KILL $w
wait $w
out=$("$G" mutex lock "$N-m" -- sh -c 'echo "dead=$GOSYNC_OWNER_DEAD"' 2>"$T/err"); rc=$?
[ $rc = 0 ] && [ "$out" = dead=1 ] && grep -q 'previous holder died' "$T/err" &&
	ok killed-in-cmd-owner-dead || notok killed-in-cmd-owner-dead "status $rc, '$out', '$(cat "$T/err")'"

# ---- the relock finds the mutex's holder dead: a process locks the mutex,
# broadcasts, and is killed holding it; the woken wait relocks (EOWNERDEAD),
# says so, and its next run of CMD gets GOSYNC_OWNER_DEAD=1 ----
rm -f "$T/runs" "$T/flag"
"$G" cond wait "$N" --timeout 60 -- sh -c "echo \"dead=\$GOSYNC_OWNER_DEAD\" >>$T/runs; test -e $T/flag" 2>"$T/err2" &
w=$!
lines "$T/runs" 1
in_wait
"$G" mutex lock "$N-m" -- sh -c "touch $T/flag; \"\$0\" cond broadcast \"\$1\" && kill -9 \$PPID; sleep 5" "$G" "$N" 2>/dev/null
wait $w; rc=$?
[ $rc = 0 ] && [ "$(sed -n 2p "$T/runs")" = dead=1 ] && [ "$(wc -l <"$T/runs")" -eq 2 ] &&
	grep -q 'previous holder' "$T/err2" && ok relock-owner-dead ||
	notok relock-owner-dead "status $rc, runs '$(cat "$T/runs" | tr '\n' ' ')', '$(cat "$T/err2")'"
"$G" mutex trylock "$N-m" -- true 2>"$T/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$T/err" ] && ok relock-owner-dead-unlocked || notok relock-owner-dead-unlocked "status $rc, '$(cat "$T/err")'"

# ---- a nonrobust mutex works the same ----
"$G" mutex create "$N-n" --nonrobust
"$G" cond create "$N-c2" --mutex "$N-n"
rm -f "$T/flag"
"$G" cond wait "$N-c2" -- test -e "$T/flag" &
w=$!
"$G" cond broadcast "$N-c2" -- touch "$T/flag"
wait $w && ok nonrobust-mutex || notok nonrobust-mutex "waiter failed"
status 0 nonrobust-mutex-unlocked "$G" mutex trylock "$N-n" -- true
# its mutex's name removed: the shell cannot find it any more
"$G" rm "$N-n"
status 1 mutex-name-removed "$G" cond wait "$N-c2" -- true
grep -q 'no name' "$T/err" && ok mutex-name-removed-message || notok mutex-name-removed-message "$(cat "$T/err")"

# ---- --json, info ----
j=$("$G" --json cond wait "$N" -- true)
[ "$j" = "{\"name\":\"$N\",\"op\":\"wait\",\"status\":0,\"runs\":1}" ] && ok json-wait || notok json-wait "got '$j'"
j=$("$G" --json cond wait "$N" --timeout 0.1 -- false 2>/dev/null)
[ $? = 1 ] && [ -z "$j" ] && ok json-wait-timeout-prints-nothing || notok json-wait-timeout-prints-nothing "got '$j'"
j=$("$G" --json cond broadcast "$N")
[ "$j" = "{\"name\":\"$N\",\"op\":\"broadcast\"}" ] && ok json-broadcast || notok json-broadcast "got '$j'"
j=$("$G" --json cond info "$N")
echo "$j" | grep -q '"type":"cond"' && [ "$(echo "$j" | json_num signals)" = 4 ] &&
	[ "$(echo "$j" | json_num broadcasts)" -ge 3 ] && [ "$(echo "$j" | json_num waits)" -ge 1 ] &&
	ok json-info || notok json-info "got '$j'"

# ---- CMD's GOSYNC_OWNER_DEAD is its mutex's: not one the caller had ----
out=$(GOSYNC_OWNER_DEAD=1 "$G" cond broadcast "$N" -- sh -c 'echo "dead=${GOSYNC_OWNER_DEAD-unset}"')
[ "$out" = dead=unset ] && ok broadcast-owner-dead-not-inherited || notok broadcast-owner-dead-not-inherited "out '$out'"
out=$(GOSYNC_OWNER_DEAD=1 "$G" cond wait "$N" -- sh -c 'echo "dead=${GOSYNC_OWNER_DEAD-unset}"')
[ "$out" = dead=unset ] && ok wait-owner-dead-not-inherited || notok wait-owner-dead-not-inherited "out '$out'"

# ---- a signal that comes as the mutex is locked (_cli_shim.so raises SIGTERM
# as the Lock enters the kernel): 143, CMD not started, no wake-up, the
# mutex unlocked ----
if [ -n "$SHIM" ]; then
	for v in broadcast wait; do
		b=$("$G" --json cond info "$N" | json_num broadcasts)
		with_shim GOSYNC_SHIM_RAISE=mutex "$G" cond $v "$N" -- touch "$T/ran" 2>"$T/err"; rc=$?
		a=$("$G" --json cond info "$N" | json_num broadcasts)
		[ $rc = 143 ] && grep -q interrupted "$T/err" && [ ! -e "$T/ran" ] && [ "$a" = "$b" ] &&
			"$G" mutex trylock "$N-m" -- true && ok "signal-as-$v-locked" ||
			notok "signal-as-$v-locked" "status $rc, '$(cat "$T/err")', broadcasts $b then $a"
		rm -f "$T/ran"
	done
else
	skip signal-as-locked "no _cli_shim.so"
fi
status 1 wrong-type "$G" cond signal "$N-m"
grep -q 'is a mutex, not a cond' "$T/err" && ok wrong-type-message || notok wrong-type-message "$(cat "$T/err")"

exit $fail
