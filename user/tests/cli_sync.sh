#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: the mutex, rwmutex, wg and once commands from shell scripts, across
# processes: critical sections serialized by `mutex lock NAME -- CMD`, a
# WaitGroup barrier over background jobs, `wg go` workers of which one is
# killed, `once do` and `once value` run once by several processes, exit
# statuses, signals, dead holders, --json. Uses $GOSYNC, else gosync from
# PATH. Busybox only.
# (`gosync wg done` is a subcommand, not the end of a loop: SC1010)
# shellcheck disable=SC2034,SC1010 source=user/tests/_cli.sh
SUITE=cli-sync
. "$(dirname "$0")/_cli.sh"
N=e2e-clis-$$

names="$N-m $N-n $N-rw $N-jobs $N-o $N-of $N-or $N-md $N-go $N-v $N-vf $N-vs $N-vb $N-mm $N-mx
	$N-oc $N-vc $N-rwm $N-os $N-vi"
cleanup() { "$G" rm -f $names >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
"$G" rm -f $names >/dev/null 2>&1

# ---- mutex ----
status 0 mutex-create "$G" mutex create "$N-m"
status 0 mutex-create-nonrobust "$G" mutex create "$N-n" --nonrobust --perm 0640
status 1 mutex-create-exists "$G" mutex create "$N-m"
"$G" ls | grep -q "mutex  *robust  *$N-m " && "$G" ls | grep -q "mutex  *nonrobust  *$N-n " &&
	ok ls-mutex || notok ls-mutex "$("$G" ls | grep "$N")"
"$G" mutex info "$N-n" | grep -q '^mode: nonrobust$' && "$G" mutex info "$N-n" | grep -q '^perm: 0640$' &&
	ok mutex-info || notok mutex-info "$("$G" mutex info "$N-n")"

# --mapped: the same commands on a mapped Mutex; a spinlock counter has no fast path
status 0 mutex-create-mapped "$G" mutex create "$N-mm" --mapped
"$G" --json mutex info "$N-mm" | grep -q '"mapped":true' &&
	"$G" mutex info "$N-mm" | grep -q '^mapped: yes' &&
	"$G" --json mutex info "$N-m" | grep -q '"mapped":false' &&
	ok mutex-info-mapped || notok mutex-info-mapped "$("$G" --json mutex info "$N-mm")"
status 0 mutex-mapped-trylock "$G" mutex trylock "$N-mm" -- true
v=$("$G" mutex lock "$N-mm" -- echo held)
[ "$v" = held ] && ok mutex-mapped-lock-cmd || notok mutex-mapped-lock-cmd "printed '$v'"
status 1 counter-create-mapped-spinlock "$G" counter create "$N-mx" --mode spinlock --mapped

# critical sections that append "start I" ... "end I" must not interleave
work='echo "start $1" >>"$2"; i=0; while [ $i -lt 30 ]; do i=$((i + 1)); done; echo "end $1" >>"$2"'
pids=""
for w in 1 2 3 4; do
	(
		k=0
		while [ $k -lt 8 ]; do
			"$G" mutex lock "$N-m" -- sh -c "$work" sh "$w.$k" "$T/log" || exit 1
			k=$((k + 1))
		done
	) &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
res=$(awk '
	/^start/ { if (open != "") { print "interleaved at line " NR; exit } open = $2; next }
	/^end/ { if ($2 != open) { print "end " $2 " while " open " open, line " NR; exit } open = ""; n++ }
	END { if (open == "" && n != 32) print n " sections, expected 32" }' "$T/log")
[ $bad = 0 ] && [ -z "$res" ] && ok mutex-serializes || notok mutex-serializes "bad=$bad $res"

status 7 mutex-cmd-status "$G" mutex lock "$N-m" -- sh -c 'exit 7'
# CMD gets exactly its own arguments (the options' "--" is not passed on)
v=$("$G" mutex lock "$N-m" -- echo a b)
[ "$v" = "a b" ] && ok mutex-cmd-argv || notok mutex-cmd-argv "printed '$v'"
status 0 mutex-free-after-cmd "$G" mutex trylock "$N-m" -- true
status 127 mutex-cmd-not-found "$G" mutex lock "$N-m" -- /nonexistent/cmd
status 0 mutex-free-after-not-found "$G" mutex trylock "$N-m" -- true
# CMD that cannot be run (no execute permission): 126, not run
printf 'touch %s\n' "$T/noexec-ran" >"$T/noexec"
chmod 0644 "$T/noexec"
status 126 mutex-cmd-not-executable "$G" mutex lock "$N-m" -- "$T/noexec"
[ ! -e "$T/noexec-ran" ] && ok mutex-cmd-not-executable-not-run || notok mutex-cmd-not-executable-not-run "it ran"
status 0 mutex-free-after-not-executable "$G" mutex trylock "$N-m" -- true
# CMD killed by signal N: 128+N (SIGUSR1, 10: 138)
status 138 mutex-cmd-killed-by-signal "$G" mutex lock "$N-m" -- sh -c 'kill -USR1 $$'
status 0 mutex-free-after-cmd-killed "$G" mutex trylock "$N-m" -- true
# a robust mutex locked without CMD: warned, and free again afterwards
"$G" mutex lock "$N-m" 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q 'warning: .*robust' "$T/err" && "$G" mutex trylock "$N-m" -- true 2>"$T/err2" &&
	[ ! -s "$T/err2" ] && ok mutex-robust-lock-warns ||
	notok mutex-robust-lock-warns "status $rc, '$(cat "$T/err")' then '$(cat "$T/err2")'"
# trylock while a command holds it: busy, CMD not run
"$G" mutex lock "$N-m" -- sh -c "touch $T/held; while [ ! -e $T/release ]; do sleep 0.05; done" &
holder=$!
wait_for "$T/held"
status 1 mutex-trylock-busy "$G" mutex trylock "$N-m" -- touch "$T/ran"
[ ! -e "$T/ran" ] && grep -q busy "$T/err" && ok mutex-trylock-busy-no-run || notok mutex-trylock-busy-no-run "ran or no message"
status 1 mutex-lock-timeout "$G" mutex lock "$N-m" --timeout 0.2 -- true
grep -q 'timed out' "$T/err" && ok mutex-timeout-message || notok mutex-timeout-message "$(cat "$T/err")"
# -E N (flock's --conflict-exit-code): busy or timed out exits N, CMD not run
status 75 mutex-trylock-busy-conflict-code "$G" mutex trylock -E 75 "$N-m" -- touch "$T/ran"
status 76 mutex-lock-timeout-conflict-code "$G" mutex lock --conflict-exit-code=76 "$N-m" \
	--timeout 0.1 -- touch "$T/ran"
status 0 mutex-trylock-busy-conflict-code-0 "$G" mutex trylock -E 0 "$N-m" -- touch "$T/ran"
[ ! -e "$T/ran" ] && grep -q busy "$T/err" && ok mutex-conflict-code-no-run ||
	notok mutex-conflict-code-no-run "ran, or '$(cat "$T/err")'"
touch "$T/release"
wait $holder && ok mutex-holder-exits-0 || notok mutex-holder-exits-0 "holder failed"
# -E changes only gosync's own status: CMD's 1 is still 1
status 1 mutex-conflict-code-keeps-cmd-status "$G" mutex trylock -E 75 "$N-m" -- false
rm -f "$T/held" "$T/release"

# nonrobust: lock and unlock as separate commands, from different processes
"$G" mutex lock "$N-n" 2>"$T/err" && [ ! -s "$T/err" ] && ok nonrobust-lock-no-warning ||
	notok nonrobust-lock-no-warning "$(cat "$T/err")"
status 1 nonrobust-still-locked "$G" mutex trylock "$N-n"
status 0 nonrobust-unlock "$G" mutex unlock "$N-n"
status 1 unlock-unlocked "$G" mutex unlock "$N-n"
grep -q 'not locked' "$T/err" && ok unlock-unlocked-message || notok unlock-unlocked-message "$(cat "$T/err")"

# a signal interrupts a waiting lock: 128+15, the lock stays with its holder
"$G" mutex lock "$N-n"
"$G" mutex lock "$N-n" 2>"$T/err" &
p=$!
info_has mutex "$N-n" "waiters: 1" || notok lock-sigterm-queued "$("$G" mutex info "$N-n")"
kill -TERM $p
wait $p; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err" && ok lock-sigterm-143 || notok lock-sigterm-143 "status $rc, '$(cat "$T/err")'"
status 1 lock-still-held-after-signal "$G" mutex trylock "$N-n"
# SIGINT, SIGHUP and SIGQUIT end a wait too, with 128+N (docs/cli.md, "Waiting,
# timeouts and signals"). gosync runs in the foreground here, a background job
# sending the signal: a background job of this script starts with SIGINT and
# SIGQUIT ignored (--timeout is only a backstop)
for s in INT:130 HUP:129 QUIT:131; do
	sig=${s%:*} want=${s#*:}
	rm -f "$T/gpid"
	(wait_for "$T/gpid" && info_has mutex "$N-n" "waiters: 1" && kill -"$sig" "$(cat "$T/gpid")") &
	k=$!
	sh -c 'echo $$ >"$1"; exec "$2" mutex lock "$3" --timeout 60' sh "$T/gpid" "$G" "$N-n" 2>"$T/err"; rc=$?
	wait $k
	[ $rc = "$want" ] && grep -q 'interrupted' "$T/err" && ok "lock-sig$sig-$want" ||
		notok "lock-sig$sig-$want" "status $rc, '$(cat "$T/err")'"
done
status 1 lock-still-held-after-sigint-hup-quit "$G" mutex trylock "$N-n"
# a background job of a script ignores SIGINT, and gosync keeps it so: a SIGINT
# then a SIGTERM end the wait with SIGTERM's 143 (were SIGINT caught, it would
# be the first, 130)
"$G" mutex lock "$N-n" --timeout 60 2>"$T/err" &
p=$!
info_has mutex "$N-n" "waiters: 1" || notok lock-bg-sigint-ignored-queued "$("$G" mutex info "$N-n")"
kill -INT $p
kill -TERM $p
wait $p; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err" && ok lock-bg-sigint-ignored || notok lock-bg-sigint-ignored "status $rc, '$(cat "$T/err")'"
# ...also one that comes after the CLI last looked and before the kernel
# sleeps: _raise_in_ioctl.so raises SIGTERM inside the Lock's ioctl() call
shim=$(cd "$(dirname "$0")" && pwd)/_raise_in_ioctl.so
if [ -e "$shim" ]; then
	LD_PRELOAD=$shim "$G" mutex lock "$N-n" 2>"$T/err" &
	p=$!
	i=0
	while kill -0 $p 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $p 2>/dev/null; then
		kill -9 $p
		wait $p
		notok lock-sigterm-before-sleep "still waiting 20 s after its SIGTERM"
	else
		wait $p; rc=$?
		[ $rc = 143 ] && grep -q interrupted "$T/err" && ok lock-sigterm-before-sleep ||
			notok lock-sigterm-before-sleep "status $rc, '$(cat "$T/err")'"
	fi
else
	echo "ok - e2e:$SUITE-lock-sigterm-before-sleep # SKIP no $shim"
fi
status 0 unlock-after-signal "$G" mutex unlock "$N-n"

# the holder dies: the next locker is told, and CMD sees GOSYNC_OWNER_DEAD=1
"$G" mutex create "$N-md"
"$G" mutex lock "$N-md" -- sh -c 'kill -9 $PPID; sleep 5' 2>/dev/null
out=$("$G" mutex lock "$N-md" -- sh -c 'echo "dead=$GOSYNC_OWNER_DEAD"' 2>"$T/err"); rc=$?
[ $rc = 0 ] && [ "$out" = "dead=1" ] && grep -q 'previous holder died' "$T/err" &&
	ok mutex-owner-dead || notok mutex-owner-dead "status $rc, out '$out', err '$(cat "$T/err")'"
out=$("$G" mutex lock "$N-md" -- sh -c 'echo "dead=$GOSYNC_OWNER_DEAD"' 2>"$T/err")
[ "$out" = "dead=" ] && [ ! -s "$T/err" ] && ok mutex-owner-dead-once || notok mutex-owner-dead-once "out '$out'"
# ...and only the lock's own: one the caller had (an outer lock's) is not passed on
out=$(GOSYNC_OWNER_DEAD=1 "$G" mutex lock "$N-md" -- sh -c 'echo "dead=${GOSYNC_OWNER_DEAD-unset}"')
[ "$out" = dead=unset ] && ok mutex-owner-dead-not-inherited || notok mutex-owner-dead-not-inherited "out '$out'"

# json
j=$("$G" --json mutex lock "$N-m" -- true)
[ "$j" = "{\"name\":\"$N-m\",\"op\":\"lock\",\"owner_died\":false,\"status\":0}" ] &&
	ok json-mutex-lock || notok json-mutex-lock "got '$j'"
j=$("$G" --json mutex info "$N-m")
echo "$j" | grep -q '"type":"mutex","mode":"robust"' && [ "$(echo "$j" | json_num locks)" -ge 34 ] &&
	ok json-mutex-info || notok json-mutex-info "got '$j'"
"$G" mutex lock "$N-n"
j=$("$G" --json mutex unlock "$N-n")
[ "$j" = "{\"name\":\"$N-n\",\"op\":\"unlock\"}" ] && ok json-mutex-unlock || notok json-mutex-unlock "got '$j'"

# ---- rwmutex ----
status 0 rwmutex-create "$G" rwmutex create "$N-rw"
out=$(GOSYNC_OWNER_DEAD=1 "$G" rwmutex rlock "$N-rw" -- sh -c 'echo "dead=${GOSYNC_OWNER_DEAD-unset}"')
[ "$out" = dead=unset ] && ok rwmutex-owner-dead-not-inherited || notok rwmutex-owner-dead-not-inherited "out '$out'"
# two readers at once: each waits (holding its read lock) for the other
"$G" rwmutex rlock "$N-rw" -- sh -c "touch $T/r1; i=0; while [ ! -e $T/r2 ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; [ -e $T/r2 ]" &
r1=$!
"$G" rwmutex rlock "$N-rw" -- sh -c "touch $T/r2; i=0; while [ ! -e $T/r1 ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; [ -e $T/r1 ]" &
r2=$!
wait $r1; s1=$?
wait $r2; s2=$?
[ $s1 = 0 ] && [ $s2 = 0 ] && ok rwmutex-readers-share || notok rwmutex-readers-share "statuses $s1 $s2"
# a reader holds: a writer cannot, another reader can
"$G" rwmutex rlock "$N-rw" -- sh -c "touch $T/held; while [ ! -e $T/release ]; do sleep 0.05; done" &
holder=$!
wait_for "$T/held"
status 1 rwmutex-trylock-beside-reader "$G" rwmutex trylock "$N-rw" -- true
status 0 rwmutex-tryrlock-beside-reader "$G" rwmutex tryrlock "$N-rw" -- true
# a writer waiting behind the reader blocks new readers (writer preference)
"$G" rwmutex lock "$N-rw" -- touch "$T/wrote" &
writer=$!
info_has rwmutex "$N-rw" "waiters: 1" || notok rwmutex-writer-queued "$("$G" rwmutex info "$N-rw")"
status 1 rwmutex-tryrlock-writer-waiting "$G" rwmutex tryrlock "$N-rw" -- true
status 77 rwmutex-tryrlock-conflict-code "$G" rwmutex tryrlock -E 77 "$N-rw" -- true
status 78 rwmutex-trylock-conflict-code "$G" rwmutex trylock -E 78 "$N-rw" -- true
status 79 rwmutex-rlock-timeout-conflict-code "$G" rwmutex rlock -E 79 --timeout 0.1 "$N-rw" -- true
[ ! -e "$T/wrote" ] && ok rwmutex-writer-waits || notok rwmutex-writer-waits "writer ran beside a reader"
touch "$T/release"
wait $holder
wait $writer && [ -e "$T/wrote" ] && ok rwmutex-writer-after-reader || notok rwmutex-writer-after-reader "writer failed"
rm -f "$T/held" "$T/release"
status 1 rwmutex-runlock-eperm "$G" rwmutex runlock "$N-rw"
status 1 rwmutex-unlock-unlocked "$G" rwmutex unlock "$N-rw"
"$G" rwmutex rlock "$N-rw" 2>"$T/err"
grep -q 'warning: a read lock' "$T/err" && ok rwmutex-rlock-warns || notok rwmutex-rlock-warns "$(cat "$T/err")"
"$G" ls | grep -q "rwmutex  *robust  *$N-rw " && ok ls-rwmutex || notok ls-rwmutex "$("$G" ls | grep "$N-rw")"
# --mapped: read locks taken on the fast path are counted in the shared word
# only, so the kernel cannot tell whose one is: a killed gosync's would stay
# and runlock would release another process's. rlock, tryrlock and runlock
# refuse one (exit 1, CMD not run); the write lock works.
status 0 rwmutex-create-mapped "$G" rwmutex create "$N-rwm" --mapped --nonrobust
for v in rlock tryrlock; do
	status 1 "rwmutex-mapped-$v" "$G" rwmutex $v "$N-rwm" -- touch "$T/rran"
	grep -q 'mapped' "$T/err" && [ ! -e "$T/rran" ] && ok "rwmutex-mapped-$v-refused" ||
		notok "rwmutex-mapped-$v-refused" "ran, or '$(cat "$T/err")'"
done
status 1 rwmutex-mapped-rlock-no-cmd "$G" rwmutex rlock "$N-rwm"
status 1 rwmutex-mapped-runlock "$G" rwmutex runlock "$N-rwm"
grep -q 'mapped' "$T/err" && ok rwmutex-mapped-runlock-refused || notok rwmutex-mapped-runlock-refused "$(cat "$T/err")"
[ "$("$G" --json rwmutex info "$N-rwm" | json_num rlocks)" = 0 ] && ok rwmutex-mapped-no-rlock-taken ||
	notok rwmutex-mapped-no-rlock-taken "$("$G" --json rwmutex info "$N-rwm")"
v=$("$G" rwmutex lock "$N-rwm" -- echo held)
[ "$v" = held ] && ok rwmutex-mapped-lock-cmd || notok rwmutex-mapped-lock-cmd "printed '$v'"

# ---- wg: the job runner of docs/cli.md ----
status 0 wg-create "$G" wg create "$N-jobs"
v=$("$G" wg add "$N-jobs" 3)
[ "$v" = 3 ] && ok wg-add || notok wg-add "printed '$v'"
for j in 1 2 3; do
	(sleep 0.$j; echo "job $j" >>"$T/jobs"; "$G" wg done "$N-jobs" >/dev/null) &
done
"$G" wg wait "$N-jobs" --timeout 30; rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$T/jobs")" -eq 3 ] && ok wg-job-runner || notok wg-job-runner "status $rc, $(wc -l <"$T/jobs") jobs done"
wait
v=$("$G" wg load "$N-jobs")
[ "$v" = 0 ] && ok wg-load || notok wg-load "printed '$v'"
status 1 wg-done-below-zero "$G" wg done "$N-jobs"
grep -q 'negative' "$T/err" && ok wg-negative-message || notok wg-negative-message "$(cat "$T/err")"
"$G" wg add "$N-jobs" 2 >/dev/null
status 1 wg-add-negative "$G" wg add "$N-jobs" -3
[ "$("$G" wg load "$N-jobs")" = 2 ] && ok wg-unchanged-after-misuse || notok wg-unchanged-after-misuse "counter changed"
status 1 wg-wait-timeout "$G" wg wait "$N-jobs" --timeout 0.2
"$G" wg wait "$N-jobs" 2>"$T/err" &
p=$!
info_has wg "$N-jobs" "waiters: 1" || notok wg-wait-sigterm-queued "$("$G" wg info "$N-jobs")"
kill -TERM $p
wait $p; rc=$?
[ $rc = 143 ] && grep -q interrupted "$T/err" && [ "$("$G" wg load "$N-jobs")" = 2 ] &&
	ok wg-wait-sigterm || notok wg-wait-sigterm "status $rc, '$(cat "$T/err")'"
# a barrier across processes: all wait until the last one arrives (each
# arrives before its done: past the wait, all three must have)
"$G" wg add "$N-jobs" 1 >/dev/null	# 3: three arrivals
for j in 1 2 3; do
	(
		sleep 0.$j
		echo "arrived $j" >>"$T/arrived"
		"$G" wg done "$N-jobs" >/dev/null
		"$G" wg wait "$N-jobs" --timeout 30 || exit
		if [ "$(wc -l <"$T/arrived")" -eq 3 ]; then
			echo "past $j" >>"$T/barrier"
		else
			echo "$j past the wait after $(wc -l <"$T/arrived") arrivals" >>"$T/early"
		fi
	) &
done
wait
[ ! -e "$T/early" ] && [ "$(wc -l <"$T/barrier")" -eq 3 ] && ok wg-barrier ||
	notok wg-barrier "$(wc -l <"$T/barrier") passed; $(cat "$T/early" 2>/dev/null)"
j=$("$G" --json wg add "$N-jobs" 2)
[ "$j" = "{\"name\":\"$N-jobs\",\"op\":\"add\",\"delta\":2,\"counter\":2}" ] && ok json-wg-add || notok json-wg-add "got '$j'"
j=$("$G" --json wg info "$N-jobs")
[ "$(echo "$j" | json_num value)" = 2 ] && echo "$j" | grep -q '"type":"wg"' && ok json-wg-info || notok json-wg-info "got '$j'"

# ---- wg go: a held Add, made before 'wg go' returns; done by the kernel for
# a killed worker ----
status 0 wg-go-create "$G" wg create "$N-go"
status 3 wg-go-wait-status "$G" wg go --wait "$N-go" -- sh -c 'exit 3'
[ "$("$G" wg load "$N-go")" = 0 ] && ok wg-go-done-after-failure || notok wg-go-done-after-failure "counter $("$G" wg load "$N-go")"
status 127 wg-go-not-found "$G" wg go -w "$N-go" -- /nonexistent/cmd
[ "$("$G" wg load "$N-go")" = 0 ] && ok wg-go-done-after-not-found || notok wg-go-done-after-not-found "counter $("$G" wg load "$N-go")"
# three workers, started without '&': each Add is made before 'wg go' returns
"$G" wg go "$N-go" -- sh -c "echo \$\$ \$PPID >$T/gopid; exec sleep 100"
for j in 1 2; do
	"$G" wg go "$N-go" -- sh -c "touch $T/go$j; while [ ! -e $T/go-release ]; do sleep 0.05; done"
done
[ "$("$G" wg load "$N-go")" = 3 ] && ok wg-go-adds-before-return || notok wg-go-adds-before-return "counter $("$G" wg load "$N-go")"
# one worker is SIGKILLed while its command runs: wait still returns
wait_for "$T/gopid"
read -r cmdpid worker <"$T/gopid"
kill -KILL "$worker"
i=0
while [ "$("$G" wg load "$N-go")" != 2 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$("$G" wg load "$N-go")" = 2 ] && ok wg-go-killed-done || notok wg-go-killed-done "counter $("$G" wg load "$N-go")"
touch "$T/go-release"
"$G" wg wait "$N-go" --timeout 60; rc=$?
[ $rc = 0 ] && [ "$("$G" wg load "$N-go")" = 0 ] && [ -e "$T/go1" ] && [ -e "$T/go2" ] &&
	ok wg-go-wait-returns || notok wg-go-wait-returns "status $rc"
j=$("$G" --json wg info "$N-go")
[ "$(echo "$j" | json_num abandoned)" = 1 ] && ok wg-go-abandoned-counted || notok wg-go-abandoned-counted "got '$j'"
i=0
while kill -0 "$cmdpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$cmdpid" 2>/dev/null && notok wg-go-killed-cmd-dies "CMD still runs" || ok wg-go-killed-cmd-dies
# a failing command is done for too
"$G" wg go "$N-go" -- sh -c 'exit 3'
"$G" wg wait "$N-go" --timeout 60 && ok wg-go-failed-cmd-done || notok wg-go-failed-cmd-done "wait failed"
j=$("$G" --json wg go "$N-go" -- true)
echo "$j" | grep -q "^{\"name\":\"$N-go\",\"op\":\"go\",\"counter\":1,\"pid\":[1-9][0-9]*}\$" &&
	ok json-wg-go || notok json-wg-go "got '$j'"

# ---- SIGTERM and SIGHUP sent to gosync while CMD runs are passed on to CMD
# (docs/cli.md, "Running a command under a lock: -- CMD" and "WaitGroups":
# wg go --wait), which exits with CMD's status ----
# forwarded TEST SIG GOSYNC-CMD...: GOSYNC-CMD -- CMD, CMD trapping SIG (it
# writes SIG's name to $T/sig and exits 5), is sent SIG while CMD runs
forwarded() {
	n=$1 sig=$2; shift 2
	rm -f "$T/sig" "$T/ready"
	"$@" -- sh -c 'trap "echo $1 >$2/sig; exit 5" "$1"; touch "$2/ready"; while :; do sleep 0.05; done' \
		sh "$sig" "$T" 2>"$T/err" &
	p=$!
	if ! wait_for "$T/ready"; then
		kill -KILL $p; wait $p; notok "$n" "CMD did not start: $(cat "$T/err")"; return
	fi
	kill -"$sig" $p
	wait $p; rc=$?
	[ $rc = 5 ] && [ "$(cat "$T/sig" 2>/dev/null)" = "$sig" ] && ok "$n" ||
		notok "$n" "status $rc, CMD saw '$(cat "$T/sig" 2>/dev/null)', '$(cat "$T/err")'"
}
for sig in TERM HUP; do
	forwarded "mutex-lock-cmd-gets-sig$sig" $sig "$G" mutex lock "$N-m"
	status 0 "mutex-free-after-cmd-sig$sig" "$G" mutex trylock "$N-m" -- true
	forwarded "wg-go-wait-cmd-gets-sig$sig" $sig "$G" wg go --wait "$N-go"
	[ "$("$G" wg load "$N-go")" = 0 ] && ok "wg-go-done-after-cmd-sig$sig" ||
		notok "wg-go-done-after-cmd-sig$sig" "counter $("$G" wg load "$N-go")"
done
"$G" wg wait "$N-go" --timeout 60
j=$("$G" --json wg go --wait "$N-go" -- true)
[ "$j" = "{\"name\":\"$N-go\",\"op\":\"go\",\"status\":0,\"counter\":0}" ] && ok json-wg-go-wait || notok json-wg-go-wait "got '$j'"
status 2 usage-wg-go-no-cmd "$G" wg go "$N-go"

# ---- once ----
status 0 once-create "$G" once create "$N-o"
pids=""
for k in 1 2 3 4; do
	"$G" once do "$N-o" -- sh -c "echo ran >>$T/once; sleep 0.5" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
[ $bad = 0 ] && [ "$(wc -l <"$T/once")" -eq 1 ] && ok once-runs-once ||
	notok once-runs-once "ran $(wc -l <"$T/once") times, bad=$bad"
[ "$("$G" once load "$N-o")" = done ] && ok once-load-done || notok once-load-done "$("$G" once load "$N-o")"
status 0 once-later-caller "$G" once do "$N-o" -- touch "$T/later"
[ ! -e "$T/later" ] && ok once-later-not-run || notok once-later-not-run "ran again"
# concurrent callers wait for the runner and exit 0 after it completed: the
# runner goes on (up to 20 s) once the other caller waits in the kernel
"$G" once create "$N-of"
"$G" once do "$N-of" -- sh -c "touch $T/running; i=0; while [ ! -e $T/once-release ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i+1)); done; touch $T/first" &
runner=$!
wait_for "$T/running"
"$G" once do "$N-of" -- touch "$T/ran2" &
waiter=$!
info_has once "$N-of" "waiters: 1" || notok once-waiter-queued "$("$G" once info "$N-of")"
touch "$T/once-release"
wait $waiter; rc=$?
[ $rc = 0 ] && [ -e "$T/first" ] && [ ! -e "$T/ran2" ] && ok once-waiter-waits ||
	notok once-waiter-waits "status $rc: returned before the runner, or ran its command"
wait $runner
# a failing command: not completed, abandoned; later callers fail
"$G" rm "$N-of"; "$G" once create "$N-of"
status 3 once-cmd-fails "$G" once do "$N-of" -- sh -c 'exit 3'
[ "$("$G" once load "$N-of")" = abandoned ] && ok once-abandoned || notok once-abandoned "$("$G" once load "$N-of")"
status 1 once-abandoned-later "$G" once do "$N-of" -- touch "$T/x"
[ ! -e "$T/x" ] && ok once-abandoned-not-run || notok once-abandoned-not-run "ran"
# --retry: the next caller runs it again until it succeeds
status 0 once-create-retry "$G" once create "$N-or" --retry
"$G" ls | grep -q "once  *retry  *$N-or " && ok ls-once || notok ls-once "$("$G" ls | grep "$N-or")"
status 1 once-retry-fails "$G" once do "$N-or" -- false
[ "$("$G" once load "$N-or")" = not-done ] && ok once-retry-not-done || notok once-retry-not-done "$("$G" once load "$N-or")"
status 0 once-retry-succeeds "$G" once do "$N-or" -- true
j=$("$G" --json once load "$N-or")
[ "$j" = "{\"name\":\"$N-or\",\"op\":\"load\",\"state\":\"done\",\"done\":true,\"abandoned\":false}" ] &&
	ok json-once-load || notok json-once-load "got '$j'"
j=$("$G" --json once do "$N-or" -- true)
[ "$j" = "{\"name\":\"$N-or\",\"op\":\"do\",\"ran\":false,\"state\":\"done\"}" ] &&
	ok json-once-do || notok json-once-do "got '$j'"
"$G" once info "$N-or" | grep -q '^state: done$' && ok once-info || notok once-info "$("$G" once info "$N-or")"

# ---- once value: one run across concurrent callers, all print its output ----
pids=""
for k in 1 2 3 4; do
	"$G" once value "$N-v" -- sh -c "echo ran >>$T/vruns; sleep 0.5; echo \"value of \$\$\"" >"$T/v$k" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
same=1
for k in 2 3 4; do cmp -s "$T/v1" "$T/v$k" || same=0; done
[ $bad = 0 ] && [ "$(wc -l <"$T/vruns")" -eq 1 ] && [ $same = 1 ] && grep -q '^value of [0-9][0-9]*$' "$T/v1" &&
	ok once-value-runs-once || notok once-value-runs-once "ran $(wc -l <"$T/vruns") times, bad=$bad, same=$same, '$(cat "$T/v1")'"
v=$("$G" once value "$N-v" -- touch "$T/vlater")
[ "$v" = "$(cat "$T/v1")" ] && [ ! -e "$T/vlater" ] && ok once-value-later || notok once-value-later "printed '$v'"
"$G" ls | grep -q "once  *retry  *$N-v " && ok once-value-created-retry || notok once-value-created-retry "$("$G" ls | grep "$N-v")"
# --owner: create-or-open takes only the expected owner's object (root made it)
v=$("$G" --owner 0 once value "$N-v" -- touch "$T/vlater")
[ "$v" = "$(cat "$T/v1")" ] && ok once-value-owner || notok once-value-owner "printed '$v'"
"$G" --owner 4242 once value "$N-v" -- touch "$T/vlater" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && [ ! -e "$T/vlater" ] && ok once-value-other-owner ||
	notok once-value-other-owner "status $rc"
# bytes exactly: no trailing newline added or lost
"$G" once value "$N-vb" -- printf 'a\nb' >"$T/vb1"
"$G" once value "$N-vb" -- true >"$T/vb2"
printf 'a\nb' >"$T/vbwant"
cmp -s "$T/vb1" "$T/vbwant" && cmp -s "$T/vb2" "$T/vbwant" && ok once-value-bytes || notok once-value-bytes "$(od -c "$T/vb2")"
# a failing command: output dropped, status passed on, the next caller retries
v=$("$G" once value "$N-vf" -- sh -c 'echo partial; exit 4' 2>"$T/err"); rc=$?
[ $rc = 4 ] && [ -z "$v" ] && grep -q 'failed' "$T/err" && ok once-value-fails || notok once-value-fails "status $rc, '$v'"
[ "$("$G" once load "$N-vf")" = not-done ] && ok once-value-fail-not-done || notok once-value-fail-not-done "$("$G" once load "$N-vf")"
v=$("$G" once value "$N-vf" -- echo good); rc=$?
[ $rc = 0 ] && [ "$v" = good ] && ok once-value-retried || notok once-value-retried "status $rc, '$v'"
# made by 'once create --value-max' without --retry: too long an output abandons it
status 0 once-value-create "$G" once create "$N-vs" --value-max 4
status 1 once-value-too-long "$G" once value "$N-vs" -- echo toolong
grep -q 'longer than' "$T/err" && ok once-value-too-long-message || notok once-value-too-long-message "$(cat "$T/err")"
status 1 once-value-abandoned "$G" once value "$N-vs" -- echo ok
grep -q abandoned "$T/err" && ok once-value-abandoned-message || notok once-value-abandoned-message "$(cat "$T/err")"
status 1 once-value-on-plain-once "$G" once value "$N-o" -- echo x
grep -q 'without a value' "$T/err" && ok once-value-plain-message || notok once-value-plain-message "$(cat "$T/err")"
status 2 usage-once-value-max "$G" once value "$N-vx" --max 65537 -- true
j=$("$G" --json once value "$N-vf" -- true)
[ "$j" = "{\"name\":\"$N-vf\",\"op\":\"value\",\"ran\":false,\"completed\":true,\"value\":\"good\\n\"}" ] &&
	ok json-once-value || notok json-once-value "got '$j'"

# ---- started with SIGCHLD ignored (a parent's SIG_IGN is kept across exec):
# gosync still gets CMD's status (the kernel would reap an ignored SIGCHLD's
# child, and waitpid() find none), and CMD gets the SIG_IGN it was given ----
# sigchld_ign: 1 if SIGCHLD (17) is ignored in the SigIgn line on stdin
sigchld_ign() { m=$(sed -n 's/^SigIgn:[[:space:]]*//p'); echo $(((0x$m >> 16) & 1)); }
if [ -n "$SHIM" ]; then
	"$G" once create "$N-oc"
	status 0 sigchld-ignored-once-do with_shim GOSYNC_SHIM_SIGCHLD=ignore "$G" once do "$N-oc" -- true
	[ "$("$G" once load "$N-oc")" = done ] && ok sigchld-ignored-once-done ||
		notok sigchld-ignored-once-done "$("$G" once load "$N-oc")"
	v=$(with_shim GOSYNC_SHIM_SIGCHLD=ignore "$G" once value "$N-vc" -- echo val 2>"$T/err")
	[ "$v" = val ] && [ "$("$G" once load "$N-vc")" = done ] && ok sigchld-ignored-once-value ||
		notok sigchld-ignored-once-value "printed '$v', $("$G" once load "$N-vc"), '$(cat "$T/err")'"
	status 3 sigchld-ignored-lock-status with_shim GOSYNC_SHIM_SIGCHLD=ignore "$G" mutex lock "$N-m" -- sh -c 'exit 3'
	v=$(with_shim GOSYNC_SHIM_SIGCHLD=ignore "$G" mutex lock "$N-m" -- cat /proc/self/status | sigchld_ign)
	w=$("$G" mutex lock "$N-m" -- cat /proc/self/status | sigchld_ign)
	[ "$v" = 1 ] && [ "$w" = 0 ] && ok sigchld-ignored-passed-on || notok sigchld-ignored-passed-on "CMD's SIGCHLD ignored: $v, without the shim: $w"
else
	skip sigchld-ignored "no _cli_shim.so"
fi

# ---- a signal that comes as a wait succeeds: the command ends as if it had
# come during the wait (128+N, interrupted), CMD is not started, and what the
# wait took is given back. _cli_shim.so raises SIGTERM as the call enters the
# kernel, on an object that is free ----
# interrupted TEST TYPE CMD...: CMD, with SIGTERM raised in TYPE's first
# call, exits 143 with 'interrupted' and does not run its own CMD (touching $T/sran)
interrupted() {
	n=$1 t=$2; shift 2
	rm -f "$T/sran"
	with_shim GOSYNC_SHIM_RAISE="$t" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 143 ] && grep -q 'interrupted' "$T/err" && [ ! -e "$T/sran" ] && [ ! -s "$T/out" ] && ok "$n" ||
		notok "$n" "status $rc, ran: $([ -e "$T/sran" ] && echo yes || echo no), '$(cat "$T/err")'"
}
if [ -n "$SHIM" ]; then
	interrupted signal-as-locked mutex "$G" mutex lock "$N-m" -- touch "$T/sran"
	status 0 signal-as-locked-unlocked "$G" mutex trylock "$N-m" -- true
	interrupted signal-as-locked-json mutex "$G" --json mutex lock "$N-m" -- touch "$T/sran"
	interrupted signal-as-trylocked mutex "$G" mutex trylock "$N-m" -- touch "$T/sran"
	interrupted signal-as-rlocked rwmutex "$G" rwmutex rlock "$N-rw" -- touch "$T/sran"
	status 0 signal-as-rlocked-unlocked "$G" rwmutex trylock "$N-rw" -- true
	# a dead holder's lock: the next locker is still told
	"$G" mutex lock "$N-md" -- sh -c 'kill -9 $PPID; sleep 5' 2>/dev/null
	interrupted signal-as-locked-owner-dead mutex "$G" mutex lock "$N-md" -- touch "$T/sran"
	out=$("$G" mutex lock "$N-md" -- sh -c 'echo "dead=$GOSYNC_OWNER_DEAD"' 2>"$T/err")
	[ "$out" = dead=1 ] && ok signal-as-locked-owner-dead-kept || notok signal-as-locked-owner-dead-kept "out '$out'"
	# the Once's run is given up as by a runner that died: --retry runs it again
	"$G" once create "$N-os" --retry
	interrupted signal-as-once-run once "$G" once do "$N-os" -- touch "$T/sran"
	[ "$("$G" once load "$N-os")" = not-done ] && ok signal-as-once-run-not-done ||
		notok signal-as-once-run-not-done "$("$G" once load "$N-os")"
	interrupted signal-as-once-value-run once "$G" once value "$N-vi" -- touch "$T/sran"
	[ "$("$G" once load "$N-vi")" = not-done ] && ok signal-as-once-value-not-done ||
		notok signal-as-once-value-not-done "$("$G" once load "$N-vi")"
else
	skip signal-as-wait-succeeds "no _cli_shim.so"
fi

# ---- usage and help ----
status 2 usage-lock-no-name "$G" mutex lock
status 2 usage-bad-timeout "$G" mutex lock "$N-m" --timeout -1
status 2 usage-bad-conflict-code "$G" mutex lock "$N-m" -E 256
status 2 usage-bad-conflict-code-word "$G" rwmutex trylock "$N-rw" --conflict-exit-code busy
status 2 usage-bad-timeout-word "$G" wg wait "$N-jobs" --timeout soon
status 2 usage-once-do-no-cmd "$G" once do "$N-o"
status 2 usage-wg-add-no-n "$G" wg add "$N-jobs"
status 1 wrong-type "$G" wg wait "$N-m"
grep -q 'is a mutex, not a waitgroup' "$T/err" && ok wrong-type-message || notok wrong-type-message "$(cat "$T/err")"
help=ok
for h in "mutex --help" "rwmutex --help" "wg --help" "once --help" "mutex lock --help" \
	 "rwmutex rlock --help" "wg wait --help" "once do --help" "help once create" \
	 "wg go --help" "once value --help"; do
	# shellcheck disable=SC2086
	out=$("$G" $h) && echo "$out" | grep -q '^Usage: gosync' || help="'gosync $h' printed no usage"
done
[ "$help" = ok ] && ok help || notok help "$help"
# one JSON object per command, on one line
shape=ok
for cmd in "mutex info $N-m" "rwmutex info $N-rw" "wg info $N-jobs" "once info $N-o" "ls"; do
	# shellcheck disable=SC2086
	j=$("$G" --json $cmd)
	[ "$(echo "$j" | wc -l)" = 1 ] && [ "$(echo "$j" | tr -cd '{' | wc -c)" = "$(echo "$j" | tr -cd '}' | wc -c)" ] ||
		shape="'gosync --json $cmd' printed '$j'"
done
[ "$shape" = ok ] && ok json-shape || notok json-shape "$shape"

exit $fail
