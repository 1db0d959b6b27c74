// SPDX-License-Identifier: GPL-2.0
/*
 * Print this machine's TSC rate in kHz, measured against CLOCK_MONOTONIC
 * over 200 ms (a few parts per million).
 *
 * scripts/vm gives it to the debug kernels as tsc_early_khz=: they have no
 * ACPI, so no HPET or PM timer to calibrate their TSC against, and a TCG
 * guest's TSC is the host's (QEMU's rdtsc reads the host's counter).
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One (time, TSC) pair: the TSC read between two clock reads. */
static void sample(double *t, unsigned long long *tsc)
{
	double before = mono();

	*tsc = __rdtsc();
	*t = (before + mono()) / 2;
}

int main(void)
{
	struct timespec wait = { 0, 200000000 };
	unsigned long long c0, c1;
	double t0, t1;

	sample(&t0, &c0);
	nanosleep(&wait, NULL);
	sample(&t1, &c1);
	printf("%.0f\n", (c1 - c0) / (t1 - t0) / 1000);
	return 0;
}
