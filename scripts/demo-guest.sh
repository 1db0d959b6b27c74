#!/bin/sh
# shellcheck disable=SC1010  # `gosync wg done` is a subcommand, not the keyword
# Runs inside the test VM for `make demo`.
set -e
progress=${1:-}		# --no-progress when the host is not a terminal
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

say "A WaitGroup and a Mutex from the shell: 3 jobs append to one file, one at a time"
gosync wg create jobs
gosync mutex create log
gosync wg add jobs 3 >/dev/null
for j in 1 2 3; do
	( gosync mutex lock log -- sh -c "echo job $j start >> /tmp/log; sleep 0.2; echo job $j end >> /tmp/log"
	  gosync wg done jobs >/dev/null ) &
done
gosync wg wait jobs
cat /tmp/log
gosync rm jobs
gosync rm log

say "The lost update: 2 threads x 100000 increments, every counter mode"
gosync-stress lost-update $progress --mode all --threads 2 --iterations 100000

say "The same in Go (user/go/examples/lostupdate): 2 processes share a counter and a gosync.Mutex by name"
/go/lostupdate -n 5000

say "Bounded parallelism: 8 workers, a semaphore of 2 permits keeps at most 2 of them in a section; without one, they all get in"
gosync-stress bounded $progress

say "sem -j 2 from the shell: 6 jobs started with wg go, at most 2 running at once"
gosync sem create slots 2
gosync wg create batch
gosync counter create running
for j in 1 2 3 4 5 6; do
	gosync wg go batch -- gosync sem acquire slots -- sh -c "echo job $j starts, \$(gosync counter add running 1) running; sleep 0.3; gosync counter add running -1 >/dev/null"
done
gosync wg wait batch
gosync sem info slots
gosync rm slots batch running

say "Go by Example's mutex-protected map: 100 readers, 10 writers, 1 s, on the RCU map"
gosync-stress gobyexample $progress --backend rcu

say "Go by Example's Stateful Goroutines: the same task, the state owned by one thread, requests over gosync channels, beside its Mutexes program"
gosync-stress stateful $progress

say "The seed's bank balance: 4 incomes over 52 weeks, concurrently (racy LOAD+STORE, then Add under a mutex; expected 34320)"
gosync-stress bank $progress --quiet

say "The seed's producer-consumer: the same deposits over a gosync channel, 4 producers, 2 consumers, beside the mutex version"
gosync-stress producer-consumer $progress --quiet

say "A shell work queue: seq | gosync chan send, 4 consumer processes, each job once"
gosync chan create jobs --cap 16
for c in 1 2 3 4; do gosync chan recv jobs --all > /tmp/jobs.$c & done
# Starting a process is slow under TCG: let all four wait before the jobs come,
# or the first to start drains the queue alone.
i=0
while [ $i -lt 100 ] && ! gosync chan info jobs | grep -q 'receivers_waiting: *4'; do
	sleep 0.1
	i=$((i + 1))
done
seq 1 100 | gosync chan send jobs --lines
gosync chan close jobs
wait
for c in 1 2 3 4; do echo "consumer $c: $(wc -l < /tmp/jobs.$c) jobs"; done
echo "together: $(cat /tmp/jobs.* | sort -n | uniq | wc -l) distinct of $(cat /tmp/jobs.* | wc -l) (expected 100 of 100)"
gosync rm jobs
