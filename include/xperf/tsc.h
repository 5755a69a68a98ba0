/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Serialized TSC reads for the project's C (xperf.ko and the VM-exit guest
 * payload), as userland/lib/core/tsc.h has them for C++: one definition per
 * language.  Plain C with GCC's inline asm, usable in the kernel and in a
 * freestanding guest alike.
 */
#ifndef XPERF_TSC_H
#define XPERF_TSC_H

#include <linux/types.h>

/*
 * __always_inline comes from the includer: the kernel's compiler_types.h,
 * glibc's <sys/cdefs.h>, or guest/x86.h in the freestanding payload.
 */

/* Start of a timed region: nothing drifts past it either way. */
static __always_inline __u64 xperf_tsc_begin(void)
{
	__u32 lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a" (lo), "=d" (hi) : : "memory");
	return (__u64)hi << 32 | lo;
}

/* End: rdtscp waits for what came before, the fence holds back what follows. */
static __always_inline __u64 xperf_tsc_end_rdtscp(void)
{
	__u32 lo, hi;

	asm volatile("rdtscp; lfence" : "=a" (lo), "=d" (hi) : : "rcx", "memory");
	return (__u64)hi << 32 | lo;
}

/*
 * End where the CPU model hides RDTSCP (QEMU's qemu64): the leading fence
 * does what rdtscp's wait would.
 */
static __always_inline __u64 xperf_tsc_end_lfence(void)
{
	return xperf_tsc_begin();
}

#endif /* XPERF_TSC_H */
