/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libgosync internals shared by the fast-path files (fast*.c). */
#ifndef GOSYNC_FAST_H
#define GOSYNC_FAST_H

/* Polls of a busy state word before asking the kernel to wait */
#define GOSYNC_FAST_SPIN	100

static inline void gosync_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

#endif /* GOSYNC_FAST_H */
