#!/bin/sh
# Runs inside the test VM for `make demo`.
set -e
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "gosync module loaded: what it supports"
gosync version

say "A named counter shared by 4 processes: each adds 1 1000 times"
gosync counter create hits --mode atomic
for i in 1 2 3 4; do
	( n=0; while [ $n -lt 1000 ]; do gosync counter add hits 1 >/dev/null; n=$((n + 1)); done ) &
done
wait
echo "hits = $(gosync counter load hits) (expected 4000)"
gosync ls
gosync rm hits

say "The lost update: 2 threads x 100000 increments, every counter mode"
gosync-stress lost-update --mode all --threads 2 --iterations 100000

say "The seed's bank balance: 4 incomes over 52 weeks, concurrently"
gosync-stress bank --quiet
