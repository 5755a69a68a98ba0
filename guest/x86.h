/* SPDX-License-Identifier: GPL-2.0 */
/* The few x86 instructions the payload needs, as inline functions. */
#ifndef XPERF_GUEST_X86_H
#define XPERF_GUEST_X86_H

#include <stdint.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#include "xperf/tsc.h"

#define RFLAGS_FIXED	(1ul << 1)
#define RFLAGS_IOPL3	(3ul << 12)

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/* Many bytes, one exit per page where the hypervisor batches string I/O. */
static inline void outsb(uint16_t port, const char *p, uint64_t n)
{
	asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(port) : "memory");
}

static inline uint32_t cpuid_eax(uint32_t leaf, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t a;

	asm volatile("cpuid" : "=a"(a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0)
		     : "memory");
	return a;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline uint64_t vmcall(uint64_t nr)
{
	uint64_t ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0)
		     : "memory");
	return ret;
}

static inline uint64_t vmmcall(uint64_t nr)
{
	uint64_t ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0)
		     : "memory");
	return ret;
}

static inline void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
