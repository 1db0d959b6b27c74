#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# e2e: /dev/gosync as the packages' udev rule sets it up: root:gosync 0660.
# A member of the gosync group creates and uses objects without root and
# without dev_mode=0666; anyone else gets EACCES from open(2).
#
# The guest has no udev, so this test applies the rule itself: it reads
# GOSYNC_UDEV_RULE (the packages stage: the rule of the extracted package),
# else /tests/_60-gosync.rules (dist/60-gosync.rules, the same file), and
# gives /dev/gosync the GROUP and MODE of its KERNEL=="gosync" line, after
# adding the gosync group (with gosyncuser in it) to /etc/group as the
# package's postinst would. It restores both at the end, for the tests after
# it (unpriv expects root:root 0600).
# GOSYNC_GROUP_PROG: also run this program (scripts/testdata/packages/
# gosync-hello.c, built with pkg-config against the package) as the member,
# which must print "ok", and as the non-member, which must print "EACCES".
dir=$(cd "$(dirname "$0")" && pwd)
rule=${GOSYNC_UDEV_RULE:-$dir/_60-gosync.rules}
prog=${GOSYNC_GROUP_PROG:-}
member=gosyncuser other=nobody
rc=0
ok() { echo "ok - e2e:group-$1"; }
nok() { echo "not ok - e2e:group-$1${2:+ ($2)}"; rc=1; }

g=$(command -v gosync) || { nok setup "no gosync in PATH"; exit 1; }
# as USER CMD...: run CMD as USER (with its supplementary groups, from
# /etc/group: su calls initgroups()); stdout and stderr together
as() {
	u=$1
	shift
	su -s /bin/sh "$u" -c "$*" 2>&1
}

# The rule's GROUP and MODE for KERNEL=="gosync".
line=$(grep -v '^[[:space:]]*#' "$rule" 2>/dev/null | grep 'KERNEL=="gosync"' | head -n 1)
group=$(echo "$line" | sed -n 's/.*GROUP="\([^"]*\)".*/\1/p')
mode=$(echo "$line" | sed -n 's/.*MODE="\([0-7]*\)".*/\1/p')
if [ -n "$group" ] && [ -n "$mode" ]; then
	ok rule
else
	nok rule "no KERNEL==\"gosync\" line with GROUP and MODE in $rule"
	exit 1
fi
[ "$group" = gosync ] && [ "$mode" = 0660 ] && ok rule-is-gosync-0660 ||
	nok rule-is-gosync-0660 "GROUP=$group MODE=$mode"

saved_mode=$(stat -c %a /dev/gosync) saved_group=$(stat -c %g /dev/gosync)
cp /etc/group /tmp/group.saved
restore() {
	chgrp "$saved_group" /dev/gosync
	chmod "$saved_mode" /dev/gosync
	cp /tmp/group.saved /etc/group
}
trap restore EXIT
# addgroup --system gosync; adduser gosyncuser gosync
echo "$group:x:999:$member" >> /etc/group
chgrp "$group" /dev/gosync && chmod "$mode" /dev/gosync
got=$(stat -c '%U:%G %a' /dev/gosync)
[ "$got" = "root:$group ${mode#0}" ] && ok node || nok node "/dev/gosync is $got"
case " $(as $member id -Gn) " in
*" $group "*) ok member-in-group ;;
*) nok member-in-group "$member's groups: $(as $member id -Gn)" ;;
esac

n=grp-$$
out=$(as $member "$g counter create $n --perm 0660 && $g counter add $n 5")
[ "$out" = 5 ] && ok member-creates || nok member-creates "$out"
out=$(as $member "$g counter load $n")
[ "$out" = 5 ] && ok member-uses || nok member-uses "$out"
out=$(as $other "$g counter create $n-other")
st=$?
case $out in
*"Permission denied"*) [ $st = 1 ] && ok other-eacces || nok other-eacces "exit $st: $out" ;;
*) nok other-eacces "exit $st: $out" ;;
esac
out=$(as $other "$g counter load $n")
case $out in
*"Permission denied"*) ok other-cannot-open-device ;;
*) nok other-cannot-open-device "$out" ;;
esac
if [ -n "$prog" ]; then
	out=$(as $member "$prog $n-prog")
	[ "$out" = ok ] && ok program-member || nok program-member "$out"
	out=$(as $other "$prog $n-prog-other")
	[ "$out" = EACCES ] && ok program-other-eacces || nok program-other-eacces "$out"
fi
"$g" rm -f "$n" "$n-prog" >/dev/null
exit $rc
