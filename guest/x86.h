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
#define RFLAGS_IF	(1ul << 9)
#define RFLAGS_IOPL3	(3ul << 12)

#define CR4_OSXSAVE	(1ul << 18)

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_EXTD		(1ul << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ul << 11)
#define MSR_EFER		0xc0000080
#define EFER_NX			(1ul << 11)
#define MSR_X2APIC_EOI		0x80b
#define MSR_X2APIC_SVR		0x80f
#define APIC_EOI		0xb0		/* xAPIC register offsets */
#define APIC_SVR		0xf0

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

/* CPUID leaf and subleaf: EAX, with EBX, ECX and EDX through the pointers. */
static inline uint32_t cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t *b, uint32_t *c,
				 uint32_t *d)
{
	uint32_t a;

	asm volatile("cpuid" : "=a"(a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub)
		     : "memory");
	return a;
}

/* CPUID 0x80000001 EDX, 0 where the leaf does not exist. */
static inline uint32_t cpuid_ext_edx(void)
{
	uint32_t b, c, d;

	if (cpuid_eax(0x80000000, &b, &c, &d) < 0x80000001)
		return 0;
	cpuid_eax(0x80000001, &b, &c, &d);
	return d;
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

#define READ_CR(n)							\
static inline uint64_t read_cr##n(void)					\
{									\
	uint64_t v;							\
									\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v) : : "memory");	\
	return v;							\
}
#define WRITE_CR(n)							\
static inline void write_cr##n(uint64_t v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
READ_CR(0)
READ_CR(3)
WRITE_CR(3)
READ_CR(4)
WRITE_CR(4)
#undef READ_CR
#undef WRITE_CR

static inline void xsetbv(uint32_t xcr, uint64_t v)
{
	asm volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	asm volatile("pushfq; popq %0" : "=r"(v) : : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
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
