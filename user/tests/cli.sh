#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: the gosync CLI from shell scripts, across processes. Uses $GOSYNC, else
# gosync from PATH. Busybox only: no jq, JSON is checked with grep and sed.
G=${GOSYNC:-gosync}
N=e2e-cli-$$
fail=0

ok() { echo "ok - e2e:cli-$1"; }
notok() { echo "not ok - e2e:cli-$1 ($2)"; fail=1; }
# check NAME CMD...: CMD must succeed
check() { n=$1; shift; if "$@" >/dev/null; then ok "$n"; else notok "$n" "failed: $*"; fi; }
# status WANT NAME CMD...: CMD must exit with status WANT
status() {
	want=$1 n=$2; shift 2
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$n"; else notok "$n" "'$*' exited $got, expected $want"; fi
}
# json_num KEY: the number KEY has in the JSON object on stdin
json_num() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }

# (the eacces tests change /dev/gosync's group and mode: put them back)
dmode=
restore_dev() {
	[ -z "$dmode" ] || { chgrp "$dgroup" /dev/gosync && chmod "$dmode" /dev/gosync; }
	dmode=
}
cleanup() { restore_dev; "$G" rm -f "$N" "$N-j" "$N-hidden" >/dev/null 2>&1; }
trap cleanup EXIT
cleanup

# version
out=$("$G" version) && echo "$out" | grep -q '^api_version: 1$' &&
	echo "$out" | grep -q '^counter_modes: racy atomic spinlock mutex rwsem percpu$' &&
	echo "$out" | grep -q '^counter_ops: add load store swap cas reset and or$' &&
	echo "$out" | grep -q '^types: .* sem cond$'
check version [ $? -eq 0 ]
# the loaded module's version beside the tools' (both the Makefile's VERSION here)
mv=$(echo "$out" | sed -n 's/^module_version: //p')
cv=$(echo "$out" | sed -n 's/^cli_version: //p')
[ -n "$mv" ] && [ "$mv" != - ] && [ "$mv" = "$cv" ] &&
	ok version-module || notok version-module "module_version '$mv', cli_version '$cv'"
out=$("$G" --json version)
echo "$out" | grep -q "^{\"module_version\":\"$mv\",\"cli_version\":\"$cv\",\"api_version\":1," &&
	ok version-module-json || notok version-module-json "$out"

# without access to /dev/gosync, the error says how to get it
gp=$(command -v "$G")
if [ "$(id -u)" = 0 ] && command -v su >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	dmode=$(stat -c %a /dev/gosync) dgroup=$(stat -c %g /dev/gosync)
	chgrp 0 /dev/gosync && chmod 600 /dev/gosync
	err=$(su -s /bin/sh nobody -c "$gp version" 2>&1); rc=$?
	[ $rc = 1 ] && [ "$err" = "gosync: /dev/gosync: Permission denied (root only:\
 install gosync's udev rule, which opens it to group gosync)" ] &&
		ok eacces-root-only || notok eacces-root-only "status $rc, '$err'"
	# (a group nobody is not in; without a name in /etc/group, its number)
	chgrp 4242 /dev/gosync && chmod 660 /dev/gosync
	err=$(su -s /bin/sh nobody -c "$gp version" 2>&1); rc=$?
	g=$(sed -n 's/^\([^:]*\):[^:]*:4242:.*/\1/p' /etc/group); g=${g:-4242}
	[ $rc = 1 ] && [ "$err" = "gosync: /dev/gosync: Permission denied (open to group $g:\
 sudo adduser \"\$USER\" $g, then log in again)" ] &&
		ok eacces-group || notok eacces-group "status $rc, '$err'"
	# another user's object is hidden from ls, which says how many are
	chmod 666 /dev/gosync
	"$G" mutex create "$N-hidden"
	out=$(su -s /bin/sh nobody -c "$gp ls" 2>&1); rc=$?
	[ $rc = 0 ] && ! echo "$out" | grep -q "$N-hidden" &&
		echo "$out" | grep -q "^([1-9][0-9]* more in this IPC namespace, not visible to you)\$" &&
		ok ls-hidden || notok ls-hidden "status $rc, '$out'"
	out=$(su -s /bin/sh nobody -c "$gp --json ls" 2>&1)
	echo "$out" | grep -q '"count":[0-9]*,"hidden":[1-9][0-9]*}$' && ok ls-hidden-json ||
		notok ls-hidden-json "'$out'"
	"$G" rm "$N-hidden"
	restore_dev
else
	echo "ok - e2e:cli-eacces # SKIP needs root, su and nobody"
fi

# create in one process, add from 4 concurrent others, load from another
check create "$G" counter create "$N" --mode mutex --initial 100
loops=25
pids=""
for _ in 1 2 3 4; do
	(
		i=0
		while [ $i -lt $loops ]; do
			"$G" counter add "$N" 1 >/dev/null || exit 1
			i=$((i + 1))
		done
	) &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
v=$("$G" counter load "$N")
if [ "$v" = $((100 + 4 * loops)) ] && [ $bad = 0 ]; then ok concurrent-add
else notok concurrent-add "load '$v', expected $((100 + 4 * loops))"; fi

# ops and their output
v=$("$G" counter add "$N" -- -20)
[ "$v" = $((80 + 4 * loops)) ] && ok add-negative || notok add-negative "add -20 printed '$v'"
v=$("$G" counter add "$N" -5)
[ "$v" = $((75 + 4 * loops)) ] && ok add-negative-bare || notok add-negative-bare "add -5 printed '$v'"
check store "$G" counter store "$N" 7
v=$("$G" counter swap "$N" 9)
[ "$v" = 7 ] && ok swap || notok swap "swap printed '$v'"
v=$("$G" counter cas "$N" 9 10); rc=$?
[ "$v" = true ] && [ $rc = 0 ] && ok cas-swapped || notok cas-swapped "printed '$v' status $rc"
v=$("$G" counter cas "$N" 9 11); rc=$?
[ "$v" = false ] && [ $rc = 1 ] && ok cas-not-swapped || notok cas-not-swapped "printed '$v' status $rc"
v=$("$G" counter reset "$N")
[ "$v" = 10 ] && [ "$("$G" counter load "$N")" = 0 ] && ok reset || notok reset "reset printed '$v'"
# Go 1.23's And and Or: print the old value
check store-bits "$G" counter store "$N" 12
v=$("$G" counter and "$N" 10)
[ "$v" = 12 ] && [ "$("$G" counter load "$N")" = 8 ] && ok and || notok and "and printed '$v', value $("$G" counter load "$N")"
v=$("$G" counter or "$N" 0x3)
[ "$v" = 8 ] && [ "$("$G" counter load "$N")" = 11 ] && ok or-hex || notok or-hex "or printed '$v', value $("$G" counter load "$N")"
v=$("$G" counter and "$N" 0xfffffffffffffffe)
[ "$v" = 11 ] && [ "$("$G" counter load "$N")" = 10 ] && ok and-hex-clears-bit0 || notok and-hex-clears-bit0 "value $("$G" counter load "$N")"
v=$("$G" counter and "$N" -- -3)
[ "$v" = 10 ] && [ "$("$G" counter load "$N")" = 8 ] && ok and-negative || notok and-negative "value $("$G" counter load "$N")"
j=$("$G" --json counter or "$N" 1)
[ "$j" = "{\"name\":\"$N\",\"op\":\"or\",\"mask\":1,\"old\":8,\"new\":9}" ] && ok json-or || notok json-or "got '$j'"
status 2 usage-bad-mask "$G" counter and "$N" 0xg
status 2 usage-long-mask "$G" counter or "$N" 0x10000000000000000
status 2 usage-double-0x-mask "$G" counter and "$N" 0x0x10
"$G" counter reset "$N" >/dev/null
v=$("$G" counter add "$N" 9223372036854775807) && v=$("$G" counter add "$N" 1)
[ "$v" = -9223372036854775808 ] && ok wrap || notok wrap "printed '$v'"

# --json
j=$("$G" --json counter load "$N")
echo "$j" | grep -q "^{\"name\":\"$N\",\"op\":\"load\",\"value\":-9223372036854775808}\$" &&
	ok json-load || notok json-load "got '$j'"
j=$("$G" counter add "$N" 5 --json)
[ "$(echo "$j" | json_num value)" = -9223372036854775803 ] && ok json-add || notok json-add "got '$j'"
j=$("$G" --json counter cas "$N" 1 2)
echo "$j" | grep -q '"swapped":false' && ok json-cas || notok json-cas "got '$j'"
check json-create "$G" --json counter create "$N-j" --mode percpu --perm 0640 --initial 3
j=$("$G" --json counter info "$N-j")
echo "$j" | grep -q '"mode":"percpu"' && echo "$j" | grep -q '"perm":"0640"' &&
	[ "$(echo "$j" | json_num value)" = 3 ] && [ "$(echo "$j" | json_num fds)" = 1 ] &&
	ok json-info || notok json-info "got '$j'"
j=$("$G" --json version)
[ "$(echo "$j" | json_num api_version)" = 1 ] && echo "$j" | grep -q '"types":\["counter"' &&
	ok json-version || notok json-version "got '$j'"
j=$("$G" --json ls)
echo "$j" | grep -q "^{\"objects\":\[.*\"name\":\"$N-j\".*\],\"count\":[0-9]*,\"hidden\":[0-9]*}\$" &&
	[ "$(echo "$j" | grep -o '"id":' | wc -l)" = "$(echo "$j" | json_num count)" ] &&
	ok json-ls || notok json-ls "got '$j'"
# one JSON object per command: one line, braces balanced
shape=ok
for cmd in "version" "ls" "counter load $N" "counter info $N"; do
	# shellcheck disable=SC2086
	j=$("$G" --json $cmd)
	lines=$(echo "$j" | wc -l)
	open=$(echo "$j" | tr -cd '{' | wc -c)
	close=$(echo "$j" | tr -cd '}' | wc -c)
	[ "$lines" = 1 ] && [ "$open" = "$close" ] && [ "${j#\{}" != "$j" ] ||
		shape="'gosync --json $cmd' printed '$j'"
done
[ "$shape" = ok ] && ok json-shape || notok json-shape "$shape"

# ls and info
"$G" ls | grep -q " $N-j " && ok ls || notok ls "$N-j not listed"
"$G" counter info "$N-j" | grep -q '^mode: percpu$' && ok info || notok info "no mode line"
err=$("$G" counter and "$N-j" 1 2>&1); rc=$?
[ $rc = 1 ] && [ "$err" = "gosync: counter and $N-j: Operation not supported" ] &&
	ok percpu-and-unsupported || notok percpu-and-unsupported "status $rc, '$err'"

# usage errors: 2; operation errors: 1 with a clear message
status 2 usage-no-args "$G"
status 2 usage-unknown-cmd "$G" frobnicate
status 2 usage-unknown-verb "$G" counter frobnicate
status 2 usage-missing-arg "$G" counter add "$N"
status 2 usage-extra-arg "$G" counter load "$N" extra
status 2 usage-bad-number "$G" counter add "$N" 12abc
status 2 usage-overflow "$G" counter add "$N" 9223372036854775808
status 2 usage-bad-mode "$G" counter create "$N-x" --mode quantum
status 2 usage-bad-perm "$G" counter create "$N-x" --perm 0999
status 2 usage-perm-zero "$G" counter create "$N-x" --perm 0
status 2 usage-racy-delay-max "$G" counter create "$N-x" --mode racy --racy-delay 100001
# (not the kernel's EINVAL, exit 1)
err=$("$G" counter create "$N-x" --mode atomic --racy-delay 10 2>&1); rc=$?
[ $rc = 2 ] && [ "$err" = "gosync: counter create: --racy-delay needs --mode racy
Try 'gosync counter create --help'." ] &&
	ok usage-racy-delay-mode || notok usage-racy-delay-mode "status $rc, '$err'"
status 2 usage-racy-delay-default-mode "$G" counter create "$N-x" --racy-delay 0
status 1 racy-delay-not-created "$G" counter load "$N-x"
status 2 usage-unknown-option "$G" counter load "$N" --frob
# data that looks like help is a usage error, not help that exits 0 doing nothing
v=$("$G" counter load "$N")
status 2 usage-help-among-data "$G" counter add "$N" 1 -h
status 0 help-among-data-did-nothing [ "$v" = "$("$G" counter load "$N")" ]
status 2 usage-blank-number "$G" counter add "$N" " 5"
status 2 usage-plus-number "$G" counter add "$N" +5
status 2 usage-hex-timeout "$G" mutex lock "$N-x" --timeout 0x10
status 2 usage-exponent-timeout "$G" mutex lock "$N-x" --timeout 1e3
status 2 usage-owner-rm "$G" --owner 0 rm "$N-x"
# output that cannot be written: exit 1, not 0 (the swap happened: its old value is lost)
status 1 stdout-write-error sh -c '"$1" counter swap "$2" 3 >/dev/full' sh "$G" "$N"
# ...and says so: `gosync: write error: ...` (docs/cli.md, "Exit status")
err=$("$G" counter load "$N" 2>&1 >/dev/full); rc=$?
case $err in "gosync: write error: "?*) [ $rc = 1 ] ;; *) false ;; esac &&
	ok stdout-write-error-message || notok stdout-write-error-message "status $rc, '$err'"
status 1 create-exists "$G" counter create "$N"
err=$("$G" counter add "$N-missing" 1 2>&1); rc=$?
[ $rc = 1 ] && [ "$err" = "gosync: counter add $N-missing: No such file or directory" ] &&
	ok error-message || notok error-message "status $rc, '$err'"
status 1 bad-name "$G" counter load ".hidden"

# --owner: open a name only if that user (and group) owns it (root made $N)
status 0 owner-root "$G" --owner 0 counter load "$N"
status 0 owner-root-group "$G" counter load "$N" --owner=0:0
err=$("$G" --owner 4242 counter load "$N" 2>&1); rc=$?
[ $rc = 1 ] && [ "$err" = "gosync: counter load $N: not owned by that user (Operation not permitted)" ] &&
	ok owner-other || notok owner-other "status $rc, '$err'"
status 1 owner-other-group "$G" --owner 0:4242 counter load "$N"
status 2 usage-bad-owner "$G" --owner root counter load "$N"
status 2 usage-owner-no-arg "$G" counter load "$N" --owner
status 2 usage-long-owner "$G" --owner 0000000000000000000000000000000000000000:0 counter load "$N"

# not_listed TEST NAME: `gosync ls` works and does not list NAME
not_listed() {
	out=$("$G" ls); rc=$?
	if [ $rc != 0 ]; then
		notok "$1" "ls exited $rc"
	elif echo "$out" | grep -q " $2 "; then
		notok "$1" "ls lists $2"
	else
		ok "$1"
	fi
}

# names per IPC namespace: unshare -i sees none of the host's, the host none of its
if command -v unshare >/dev/null 2>&1 && unshare -i true 2>/dev/null; then
	status 1 ns-host-name-absent unshare -i "$G" counter load "$N"
	out=$(unshare -i sh -c '"$1" counter create "$2-ns" && "$1" counter add "$2-ns" 3 &&
		"$1" ls' sh "$G" "$N")
	echo "$out" | grep -q " $N-ns " && ! echo "$out" | grep -q " $N " &&
		ok ns-ls-inside || notok ns-ls-inside "got '$out'"
	not_listed ns-ls-outside "$N-ns"
	status 1 ns-name-absent-outside "$G" counter load "$N-ns"
else
	echo "ok - e2e:cli-ns # SKIP no unshare -i"
fi

# help at every level
help=ok
for h in "--help" "-h" "counter --help" "counter add --help" "help counter cas" "ls --help"; do
	# shellcheck disable=SC2086
	out=$("$G" $h) && echo "$out" | grep -q '^Usage: gosync' ||
		help="'gosync $h' printed no usage"
done
[ "$help" = ok ] && ok help || notok help "$help"
"$G" --help | grep -q 'See gosync(1)\.$' && ok help-man || notok help-man "no 'See gosync(1).'"
# (Every --help listing's columns: scripts/man-check's cli:help-columns, on
# the host, where its 80 --help runs cost nothing near what they did here.)

# rm
check rm "$G" rm "$N" "$N-j"
status 1 load-after-rm "$G" counter load "$N"
not_listed rm-not-listed "$N"
status 1 rm-missing "$G" rm "$N"
status 0 rm-force "$G" rm -f "$N"
# --json rm that removed some names and not others still prints the ones it
# removed, and exits 1 (docs/cli.md, "--json" under "Exit status", and "gosync rm")
"$G" counter create "$N" >/dev/null
j=$("$G" --json rm "$N-missing" "$N" 2>/dev/null); rc=$?
[ $rc = 1 ] && [ "$j" = "{\"removed\":[\"$N\"]}" ] && ok json-rm-partial || notok json-rm-partial "status $rc, got '$j'"
status 1 json-rm-partial-removed "$G" counter load "$N"

exit $fail
