#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: who holds it, who waits, from the shell: `gosync ls` STATE, WAIT,
# OLDEST, CONT and HOLDERS columns, `TYPE info` holder lines, contention
# and the wait histogram, --json's "activity", and `ls --watch` redrawn a
# given number of times. Uses $GOSYNC, else gosync from PATH. Busybox only.
# shellcheck disable=SC2034 source=user/tests/_cli.sh
SUITE=lockstate-cli
. "$(dirname "$0")/_cli.sh"
N=e2e-lscli-$$

pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	"$G" rm -f "$N-m" "$N-s" "$N-n" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

"$G" mutex create "$N-m"
"$G" ls | grep -q "mutex  *robust  *$N-m .* free  *0  *-  *0  *-  *locks=0" && ok ls-free ||
	notok ls-free "$("$G" ls | grep "$N-m")"

# a holder: gosync itself (the CLI holds the lock while CMD runs)
"$G" mutex lock "$N-m" -- sleep 600 >/dev/null 2>&1 &
holder=$!
pids="$pids $holder"
info_has mutex "$N-m" "holders: 1" && ok holder || notok holder "$("$G" mutex info "$N-m")"
"$G" mutex info "$N-m" | grep -q "^holder: pid=$holder comm=gosync write=1\$" && ok info-holder ||
	notok info-holder "$("$G" mutex info "$N-m" | grep holder)"
"$G" ls | grep -q "$N-m .* locked  *0  *-  *0  *$holder:gosync " && ok ls-holder ||
	notok ls-holder "$("$G" ls | grep "$N-m")"
"$G" --json ls | grep -q "\"name\":\"$N-m\".*\"activity\":{\"locked\":true,[^}]*\"nr_holders\":1,\"holders\":\[{\"pid\":$holder,\"comm\":\"gosync\",\"held\":1,\"write\":true,\"opener\":false,\"exited\":false}\]" &&
	ok json-activity || notok json-activity "$("$G" --json ls)"

# a waiter: counted, with an age, in ls and info
"$G" mutex lock "$N-m" -- true >/dev/null 2>&1 &
waiter=$!
pids="$pids $waiter"
info_has mutex "$N-m" "waiters: 1" && ok waiter || notok waiter "$("$G" mutex info "$N-m")"
"$G" ls | grep -q "$N-m .* locked  *1  *[0-9.]*[mun]*s  *0 " && ok ls-waiter ||
	notok ls-waiter "$("$G" ls | grep "$N-m")"
"$G" mutex info "$N-m" | grep -q "^oldest_wait: [0-9.]*[mun]*s\$" && ok info-oldest ||
	notok info-oldest "$("$G" mutex info "$N-m" | grep oldest)"

# the holder dies: the waiter locks (contended once), runs true, unlocks
kill -9 "$holder"
wait "$holder" 2>/dev/null
wait "$waiter"
info_has mutex "$N-m" "contended: 1" && ok contended || notok contended "$("$G" mutex info "$N-m")"
# one histogram line, with a count of 1
h=$("$G" mutex info "$N-m" | sed -n '/^wait_hist:/,$p' | sed 1d)
[ "$(printf '%s\n' "$h" | wc -l)" = 1 ] && printf '%s\n' "$h" | grep -q '^ *[0-9.a-z]* \.\. [0-9.a-z]*  *1 #' &&
	ok histogram || notok histogram "'$h'"
"$G" --json mutex info "$N-m" | grep -q '"contended":1,' && ok json-contended ||
	notok json-contended "$("$G" --json mutex info "$N-m")"

# a Semaphore: taken/size and the permits' holder
"$G" sem create "$N-s" 5
"$G" sem acquire "$N-s" -n 2 -- sleep 600 >/dev/null 2>&1 &
sh=$!
pids="$pids $sh"
info_has sem "$N-s" "holders: 1" && "$G" ls | grep -q "$N-s .* 2/5  *0  *-  *0  *$sh:gosyncx2 " &&
	ok ls-sem || notok ls-sem "$("$G" ls | grep "$N-s")"
kill -9 "$sh"

# a non-robust lock taken by a `gosync mutex lock` that returned: held by a
# process that exited, whose pid may be another's by now
"$G" mutex create "$N-n" --nonrobust
"$G" mutex lock "$N-n"
"$G" ls | grep -q "$N-n .* locked .*:gosync(exited) " && ok ls-exited ||
	notok ls-exited "$("$G" ls | grep "$N-n")"
"$G" mutex info "$N-n" | grep -q "^holder: pid=[0-9]* comm=gosync write=1 (exited: the pid may be another process's now)\$" &&
	ok info-exited || notok info-exited "$("$G" mutex info "$N-n" | grep holder)"
"$G" --json mutex info "$N-n" | grep -q '"exited":true}' && ok json-exited ||
	notok json-exited "$("$G" --json mutex info "$N-n")"
"$G" mutex unlock "$N-n"

# --watch: N listings, each with its header; usage errors
status 0 watch "$G" ls --watch 0.1 --count 3
[ "$(grep -c '^ID ' "$T/out")" = 3 ] && ok watch-count || notok watch-count "$(grep -c '^ID ' "$T/out") listings"
status 2 watch-count-alone "$G" ls --count 2
status 2 watch-seconds-alone "$G" ls 1
status 2 watch-bad-seconds "$G" ls --watch x
status 2 watch-bad-seconds-eq "$G" ls --watch=x
status 2 watch-seconds-twice "$G" ls --watch=1 2
status 0 watch-eq "$G" ls --watch=0.1 -c 2
[ "$(grep -c '^ID ' "$T/out")" = 2 ] && ok watch-eq-count || notok watch-eq-count "$(grep -c '^ID ' "$T/out") listings"

# A holder's comm is its own choice: a blank or a newline prints as '?', so
# it cannot split the HOLDERS column or forge an info line. The comm is the
# name of the file run: gosync under such a name holds the lock.
odd=$(printf 'g s\nvalue: 9')
ln -s "$(command -v "$G")" "$T/$odd"
"$G" mutex create "$N-o"
"$T/$odd" mutex lock "$N-o" -- sleep 600 >/dev/null 2>&1 &
oh=$!
pids="$pids $oh"
info_has mutex "$N-o" "holders: 1"
out=$("$G" mutex info "$N-o")
[ "$(echo "$out" | grep -c '^holder: ')" = 1 ] && ! echo "$out" | grep -q '^value: ' &&
	echo "$out" | grep -q "^holder: pid=$oh comm=g?s?value:?9 write=1\$" && ok comm-escaped ||
	notok comm-escaped "$out"
"$G" ls | grep -q "$N-o .* $oh:g?s?value:?9 " && ok ls-comm-escaped ||
	notok ls-comm-escaped "$("$G" ls | grep "$N-o")"
kill -9 "$oh"
"$G" rm -f "$N-o" >/dev/null 2>&1
exit $fail
