#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: `gosync map` from shell scripts, across processes. Uses $GOSYNC, else
# gosync from PATH. Busybox only: no jq, JSON is checked with grep and sed.
G=${GOSYNC:-gosync}
N=e2e-map-$$
fail=0

ok() { echo "ok - e2e:map-cli-$1"; }
notok() { echo "not ok - e2e:map-cli-$1 ($2)"; fail=1; }
check() { n=$1; shift; if "$@" >/dev/null; then ok "$n"; else notok "$n" "failed: $*"; fi; }
status() {
	want=$1 n=$2; shift 2
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$n"; else notok "$n" "'$*' exited $got, expected $want"; fi
}
json_num() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }

cleanup() { for b in spin rwsem rcu; do "$G" rm -f "$N-$b" >/dev/null 2>&1; done; "$G" rm -f "$N-j" "$N-small" "$N-race" >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
cleanup
T=$(mktemp -d) || exit 1

if ! "$G" map --help >/dev/null 2>&1; then
	notok registered "'$G map --help' failed: is the map type in main.c's types[]?"
	exit 1
fi

for b in spin rwsem rcu; do
	M=$N-$b
	check "$b-create" "$G" map create "$M" --backend "$b"
	# 4 writer processes, 10 keys each, concurrently
	pids=""
	for w in 1 2 3 4; do
		(
			i=0
			while [ $i -lt 10 ]; do
				"$G" map store "$M" "k$w-$i" "v$w-$i" || exit 1
				i=$((i + 1))
			done
		) &
		pids="$pids $!"
	done
	bad=0
	for p in $pids; do wait "$p" || bad=1; done
	n=$("$G" map len "$M")
	if [ "$n" = 40 ] && [ $bad = 0 ]; then ok "$b-concurrent-store"
	else notok "$b-concurrent-store" "len '$n', expected 40"; fi

	v=$("$G" map load "$M" k3-7)
	[ "$v" = v3-7 ] && ok "$b-load" || notok "$b-load" "load printed '$v'"
	status 1 "$b-load-missing" "$G" map load "$M" nosuchkey

	# range from another process: every key exactly once, key=value
	out=$("$G" map range "$M" | sort)
	lines=$(echo "$out" | wc -l)
	uniq=$(echo "$out" | cut -d= -f1 | sort -u | wc -l)
	good=$(echo "$out" | grep -c '^k\([1-4]\)-\([0-9]\)=v\1-\2$')
	if [ "$lines" = 40 ] && [ "$uniq" = 40 ] && [ "$good" = 40 ]; then ok "$b-range"
	else notok "$b-range" "$lines lines, $uniq keys, $good key=value matches"; fi

	v=$("$G" map delete "$M" k1-0)
	[ "$v" = true ] && ok "$b-delete" || notok "$b-delete" "delete printed '$v'"
	v=$("$G" map delete "$M" k1-0)
	[ "$v" = false ] && ok "$b-delete-again" || notok "$b-delete-again" "printed '$v'"
	n=$("$G" map len "$M")
	[ "$n" = 39 ] && ok "$b-len" || notok "$b-len" "len '$n', expected 39"

	# overwrite, empty value
	"$G" map store "$M" k2-2 new && v=$("$G" map load "$M" k2-2)
	[ "$v" = new ] && ok "$b-overwrite" || notok "$b-overwrite" "load printed '$v'"
	"$G" map store "$M" empty "" && v=$("$G" map load "$M" empty)
	[ $? = 0 ] && [ -z "$v" ] && ok "$b-empty-value" || notok "$b-empty-value" "'$v'"

	out=$("$G" map info "$M")
	echo "$out" | grep -q "^mode: $b\$" && echo "$out" | grep -q '^value: 40$' &&
		echo "$out" | grep -q '^type: map$'
	check "$b-info" [ $? -eq 0 ]

	# Go's Swap, CompareAndSwap, CompareAndDelete, LoadOrStore, LoadAndDelete, Clear
	v=$("$G" map swap "$M" k2-2 newer)
	[ "$v" = new ] && [ "$("$G" map load "$M" k2-2)" = newer ] && ok "$b-swap" || notok "$b-swap" "printed '$v'"
	v=$("$G" map swap "$M" fresh x); rc=$?
	[ $rc = 0 ] && [ -z "$v" ] && [ "$("$G" map load "$M" fresh)" = x ] && ok "$b-swap-absent" || notok "$b-swap-absent" "status $rc, printed '$v'"
	v=$("$G" map cas "$M" k2-2 newer newest); rc=$?
	[ $rc = 0 ] && [ "$v" = true ] && [ "$("$G" map load "$M" k2-2)" = newest ] && ok "$b-cas" || notok "$b-cas" "status $rc, '$v'"
	v=$("$G" map cas "$M" k2-2 newer x); rc=$?
	[ $rc = 1 ] && [ "$v" = false ] && [ "$("$G" map load "$M" k2-2)" = newest ] && ok "$b-cas-fails" || notok "$b-cas-fails" "status $rc, '$v'"
	status 1 "$b-cas-absent" "$G" map cas "$M" nokey a b
	v=$("$G" map cad "$M" k2-2 other); rc=$?
	[ $rc = 1 ] && [ "$v" = false ] && "$G" map load "$M" k2-2 >/dev/null && ok "$b-cad-fails" || notok "$b-cad-fails" "status $rc, '$v'"
	v=$("$G" map cad "$M" k2-2 newest); rc=$?
	[ $rc = 0 ] && [ "$v" = true ] && ! "$G" map load "$M" k2-2 >/dev/null 2>&1 && ok "$b-cad" || notok "$b-cad" "status $rc, '$v'"
	v=$("$G" map load-or-store "$M" k3-3 other)
	[ "$v" = v3-3 ] && [ "$("$G" map load "$M" k3-3)" = v3-3 ] && ok "$b-load-or-store-loads" || notok "$b-load-or-store-loads" "printed '$v'"
	v=$("$G" map load-or-store "$M" los mine)
	[ "$v" = mine ] && [ "$("$G" map load "$M" los)" = mine ] && ok "$b-load-or-store-stores" || notok "$b-load-or-store-stores" "printed '$v'"
	v=$("$G" map load-and-delete "$M" los); rc=$?
	[ $rc = 0 ] && [ "$v" = mine ] && ! "$G" map load "$M" los >/dev/null 2>&1 && ok "$b-load-and-delete" || notok "$b-load-and-delete" "status $rc, '$v'"
	status 1 "$b-load-and-delete-absent" "$G" map load-and-delete "$M" los
	n=$("$G" map len "$M")
	v=$("$G" map clear "$M")
	[ "$v" = "$n" ] && [ "$("$G" map len "$M")" = 0 ] && ok "$b-clear" || notok "$b-clear" "printed '$v', len was $n"
done

# concurrent callers: LoadOrStore has one winner that every caller sees, and
# LoadAndDelete hands the value to exactly one
check race-create "$G" map create "$N-race"
pids=""
for w in 1 2 3 4 5 6; do
	"$G" map load-or-store "$N-race" k "w$w" >"$T/los$w" &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
win=$("$G" map load "$N-race" k)
[ $bad = 0 ] && [ "$(cat "$T"/los* | sort -u)" = "$win" ] && ok load-or-store-one-winner ||
	notok load-or-store-one-winner "bad=$bad, winner '$win', saw $(cat "$T"/los* | sort -u | tr '\n' ' ')"
pids=""
for w in 1 2 3 4 5 6; do
	"$G" map load-and-delete "$N-race" k >"$T/lad$w" 2>/dev/null &
	pids="$pids $!"
done
got=0
for p in $pids; do wait "$p" && got=$((got + 1)); done
[ $got = 1 ] && [ "$(cat "$T"/lad*)" = "$win" ] && ok load-and-delete-one-taker ||
	notok load-and-delete-one-taker "$got callers got it: '$(cat "$T"/lad*)'"

# --json
check json-create "$G" --json map create "$N-j" --backend spin --perm 0640
out=$("$G" --json map info "$N-j")
echo "$out" | grep -q '"type":"map"' && echo "$out" | grep -q '"mode":"spin"' &&
	echo "$out" | grep -q '"perm":"0640"'
check json-info [ $? -eq 0 ]
"$G" map store "$N-j" 'a"b' 'x\y' >/dev/null
out=$("$G" --json map load "$N-j" 'a"b')
echo "$out" | grep -q '"ok":true' && echo "$out" | grep -q '"value":"x\\\\y"'
check json-load [ $? -eq 0 ]
out=$("$G" --json map load "$N-j" nope); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q '"ok":false'
check json-load-missing [ $? -eq 0 ]
out=$("$G" --json map range "$N-j")
[ "$(echo "$out" | json_num count)" = 1 ]
check json-range [ $? -eq 0 ]
[ "$("$G" --json map len "$N-j" | json_num len)" = 1 ]
check json-len [ $? -eq 0 ]
out=$("$G" --json map delete "$N-j" 'a"b')
echo "$out" | grep -q '"deleted":true'
check json-delete [ $? -eq 0 ]
out=$("$G" --json map swap "$N-j" k v1)
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"swap\",\"key\":\"k\",\"value\":\"v1\",\"old\":null,\"loaded\":false}" ]
check json-swap [ $? -eq 0 ]
out=$("$G" --json map load-or-store "$N-j" k v2)
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"load-or-store\",\"key\":\"k\",\"value\":\"v2\",\"old\":\"v1\",\"loaded\":true}" ]
check json-load-or-store [ $? -eq 0 ]
out=$("$G" --json map cas "$N-j" k v1 v3)
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"cas\",\"key\":\"k\",\"old\":\"v1\",\"new\":\"v3\",\"swapped\":true}" ]
check json-cas [ $? -eq 0 ]
out=$("$G" --json map cad "$N-j" k v1)
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"cad\",\"key\":\"k\",\"old\":\"v1\",\"deleted\":false}" ]
check json-cad [ $? -eq 0 ]
out=$("$G" --json map load-and-delete "$N-j" k)
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"load-and-delete\",\"key\":\"k\",\"value\":\"v3\",\"loaded\":true}" ]
check json-load-and-delete [ $? -eq 0 ]
"$G" map store "$N-j" a 1 && "$G" map store "$N-j" b 2
out=$("$G" --json map clear "$N-j")
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"clear\",\"deleted\":2}" ]
check json-clear [ $? -eq 0 ]
# JSON is UTF-8: a byte that is not part of it is \ufffd (plain output is exact)
v=$(printf 'a\377b\303\251')
out=$("$G" --json map store "$N-j" k "$v")
[ "$out" = "{\"name\":\"$N-j\",\"op\":\"store\",\"key\":\"k\",\"value\":\"a\\ufffdb$(printf '\303\251')\"}" ] &&
	[ "$("$G" map load "$N-j" k)" = "$v" ]
check json-not-utf8 [ $? -eq 0 ]
"$G" map delete "$N-j" k >/dev/null

# limits and errors
check limit-create "$G" map create "$N-small" --max-entries 2
"$G" map store "$N-small" a 1 >/dev/null && "$G" map store "$N-small" b 2 >/dev/null
status 1 limit-enospc "$G" map store "$N-small" c 3
err=$("$G" map store "$N-small" c 3 2>&1)
echo "$err" | grep -qi 'no space' && ok limit-message || notok limit-message "'$err'"
status 2 bad-backend "$G" map create "$N-bad" --backend nope
status 2 max-entries-zero "$G" map create "$N-bad" --max-entries 0
status 2 max-bytes-zero "$G" map create "$N-bad" --max-bytes 0
status 2 empty-key "$G" map store "$N-small" "" v
# --null: KEY NUL VALUE NUL, where KEY=VALUE lines would be ambiguous
"$G" map create "$N-z" >/dev/null
"$G" map store "$N-z" 'a=b' c >/dev/null
"$G" map store "$N-z" a "$(printf 'b=c\nd')" >/dev/null
out=$("$G" map range "$N-z" --null | tr '\0' '|')
nl='
'
case "$out" in *"a=b|c|"*) case "$out" in *"a|b=c${nl}d|"*) ok null-range ;;
	*) notok null-range "got '$out'" ;; esac ;; *) notok null-range "got '$out'" ;; esac
status 2 null-and-json "$G" --json map range "$N-z" --null
"$G" rm "$N-z" >/dev/null
status 2 missing-arg "$G" map store "$N-small" k
status 1 no-such-map "$G" map len "$N-nonexistent"
status 0 help "$G" map store --help

exit $fail
