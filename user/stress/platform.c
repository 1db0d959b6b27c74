// SPDX-License-Identifier: GPL-2.0
/*
 * What workers need of the OS, below everything else in gosync-stress: the
 * clock, spinning and sleeping, shared memory for --procs, the CPU count.
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void stress_spin_ns(unsigned int ns)
{
	double end = stress_now() + ns * 1e-9;

	while (stress_now() < end)
		;
}

void stress_sleep(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void *stress_shm_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void stress_shm_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

/*
 * The CPUs this process may run on (taskset, a cpuset), which are those
 * workers are pinned to, round robin: more workers than that share CPUs.
 */
unsigned int stress_ncpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned int)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}
