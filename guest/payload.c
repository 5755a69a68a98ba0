// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-exit payload: a guest kernel (CPL0) and a guest user context
 * (CPL3) that time VM exits with the TSC from inside the guest.
 *
 * For each requested exit kind and starting point it runs a warm-up, then
 * N timed round trips, each between lfence;rdtsc and rdtscp;lfence, and
 * stores the cycles in guest memory (vmexit_protocol.h has the layout). The
 * empty timed region is measured the same way in each context, so the host
 * can subtract the timer's own cost.
 */
#include "guest.h"
#include "x86.h"
#include "xperf/vmexit_protocol.h"

/* GCC may emit calls to these even in freestanding code. */
void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
};

#define MB_INFO_CMDLINE	(1u << 2)

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern char exception_stubs[], kernel_stack_top[];
void syscall_gate(void);
void interrupt_stub(void);
void guest_interrupt(void);
void enter_user(void (*fn)(void), char *stack_top, uint64_t arg);
void guest_main(uint64_t multiboot_info);
void guest_fault(uint64_t *frame);
void fault_resume(void);
void measurement_faulted(void) __attribute__((noreturn));

struct recover_point {
	uint64_t rip, rsp, rbx, rbp, r12, r13, r14, r15;
};

int recover_set(struct recover_point *p) __attribute__((returns_twice));
void recover_jump(struct recover_point *p) __attribute__((noreturn));
uint64_t syscall_dispatch(uint64_t nr);

static struct xperf_vm_params params;
/* enter_user's RFLAGS (boot.S); IF too where the guest state asks for it. */
uint64_t user_rflags = RFLAGS_FIXED | RFLAGS_IOPL3;
static volatile uint32_t interrupts_taken;
static struct xperf_vm_results *const results = (struct xperf_vm_results *)XPERF_VM_RESULTS_GPA;
static uint32_t *const samples = (uint32_t *)XPERF_VM_SAMPLES_GPA;
static uint32_t next_sample;

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static char user_stack[16384] __attribute__((aligned(16)));
static struct xperf_vm_stream stream;

/* The measurement in progress, to resume after its fault. */
static struct recover_point recover;
static struct xperf_vm_record *volatile measuring;
static int measuring_cpl;

/* GDT with kernel and user segments and the TSS. */
static void setup_segments(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	struct table_ptr p;

	gdt[SEL_KCODE / 8] = 0x00af9a000000ffff;
	gdt[SEL_KDATA / 8] = 0x00cf92000000ffff;
	gdt[SEL_UDATA / 8] = 0x00cff2000000ffff;
	gdt[SEL_UCODE / 8] = 0x00affa000000ffff;
	gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
			   (limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	/* Exceptions from CPL3 land on the kernel stack; no I/O bitmap: IOPL rules. */
	tss.rsp[0] = (uint64_t)kernel_stack_top;
	tss.iomap_base = sizeof(tss);

	p.limit = sizeof(gdt) - 1;
	p.base = (uint64_t)gdt;
	asm volatile("lgdt %0" : : "m"(p) : "memory");
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:"
		     : : "i"(SEL_KCODE) : "rax", "memory");
	asm volatile("mov %0, %%ds\n\t"
		     "mov %0, %%es\n\t"
		     "mov %0, %%ss\n\t"
		     "mov %0, %%fs\n\t"
		     "mov %0, %%gs"
		     : : "r"(SEL_KDATA) : "memory");
	asm volatile("ltr %w0" : : "r"(SEL_TSS) : "memory");
}

static void set_gate(unsigned vector, void *handler, unsigned dpl)
{
	uint64_t at = (uint64_t)handler;

	idt[vector].offset_low = (uint16_t)at;
	idt[vector].selector = SEL_KCODE;
	idt[vector].type = (uint8_t)(0x8e | dpl << 5); /* present, interrupt gate */
	idt[vector].offset_mid = (uint16_t)(at >> 16);
	idt[vector].offset_high = (uint32_t)(at >> 32);
}

/*
 * Exceptions, #UD doubling as the system call (boot.S says why), and
 * external interrupts, which only a guest state with interrupts on takes.
 */
static void setup_idt(void)
{
	struct table_ptr p;
	unsigned i;

	for (i = 0; i < 32; i++)
		set_gate(i, exception_stubs + 16 * i, 0);
	for (; i < 256; i++)
		set_gate(i, interrupt_stub, 0);
	set_gate(VECTOR_UD, syscall_gate, 0);
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)idt;
	asm volatile("lidt %0" : : "m"(p) : "memory");
}

static __attribute__((noreturn)) void finish(uint32_t status)
{
	results->state.interrupts = interrupts_taken;
	results->status = status;
	results->version = XPERF_VM_PROTOCOL_VERSION;
	results->magic = XPERF_VM_HEADER_MAGIC;
	if (params.output == XPERF_OUT_STREAM)
		xperf_vm_stream_write(&stream, results, samples);
	outl(XPERF_VM_PORT_EXIT, status);
	halt_forever();
	__builtin_unreachable();
}

static void debugcon_flush(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	outsb(XPERF_VMEXIT_PORT, buf, n);
}

enum { FRAME_VECTOR, FRAME_ERROR, FRAME_RIP, FRAME_CS, FRAME_RFLAGS, FRAME_RSP, FRAME_SS };

/*
 * A fault while measuring ends that record, and the run goes on with the
 * next one: iret to fault_resume in the privilege level the measurement ran
 * at (a user-via-kernel record faults at CPL0 but resumes at CPL3).
 */
void guest_fault(uint64_t *frame)
{
	struct xperf_vm_record *rec = measuring;

	if (!rec) {
		results->fault_vector = (uint32_t)frame[FRAME_VECTOR];
		results->fault_error = frame[FRAME_ERROR];
		results->fault_rip = frame[FRAME_RIP];
		finish(XPERF_VM_FAULT);
	}
	rec->fault = (uint32_t)frame[FRAME_VECTOR] + 1;
	rec->fault_rip = frame[FRAME_RIP];
	frame[FRAME_RIP] = (uint64_t)fault_resume;
	frame[FRAME_RSP] = recover.rsp;
	if (measuring_cpl == 3) {
		frame[FRAME_CS] = SEL_UCODE | 3;
		frame[FRAME_SS] = SEL_UDATA | 3;
		frame[FRAME_RFLAGS] = user_rflags;
	} else {
		frame[FRAME_CS] = SEL_KCODE;
		frame[FRAME_SS] = SEL_KDATA;
		frame[FRAME_RFLAGS] = RFLAGS_FIXED | (user_rflags & RFLAGS_IF);
	}
}

void measurement_faulted(void)
{
	recover_jump(&recover);
}

static int current_cpl(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

/* ---- the guest state ------------------------------------------------- */

#define APIC_PAGE	0xfee00000ul	/* the xAPIC's registers, never moved here */
#define APIC_SVR_ON	0x1ff		/* software-enabled, spurious vector 0xff */
#define PTE_MMIO_2M	0x9bul		/* present, writable, PWT, PCD, 2 MiB */
#define PTE_ADDR	0x000ffffffffff000ul
#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1

/* 3 to 4 GiB, uncached: the APIC's page lies beyond the first GiB, which
 * is all boot.S and the built-in VMM map. */
static uint64_t high_pd[512] __attribute__((aligned(4096)));

static void map_apic_page(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);
	unsigned i;

	for (i = 0; i < 512; i++)
		high_pd[i] = (3ul << 30 | (uint64_t)i << 21) | PTE_MMIO_2M;
	pdpt[3] = (uint64_t)high_pd | 0x3;
	write_cr3(read_cr3());
}

/* What the guest's CPU model offers of the states, by CPUID. */
static uint32_t states_offered(void)
{
	uint32_t b, c, d, offered = XPERF_STATE_STI;

	cpuid_eax(1, &b, &c, &d);
	if (d >> 9 & 1)
		offered |= XPERF_STATE_APIC | (c >> 21 & 1 ? XPERF_STATE_X2APIC : 0);
	if (c >> 26 & 1)
		offered |= XPERF_STATE_XSAVE;
	if (cpuid_ext_edx() >> 20 & 1)
		offered |= XPERF_STATE_NX;
	return offered;
}

/* The XCR0 bits the xsave state writes: x87, SSE, AVX. */
#define XCR0_SET 0x7u
#define XCR0_AVX 0x4u
/* XSAVE's legacy area and header: the save area with no component above SSE. */
#define XSAVE_BASE_BYTES 576u

static uint64_t xcr0_written;

/*
 * XCR0 as the hypervisor holds it, read back without XGETBV: KVM's
 * instruction emulator has no XGETBV, and a KVM that emulates the guest's
 * privileged instructions (PVM) ends the VM with an emulation failure at
 * it. CPUID 0xd subleaf 0's EBX is the save area's size for the features
 * XCR0 enables, which KVM and QEMU work out from the guest's XCR0: with AVX
 * enabled it reaches past AVX's state (subleaf 2: its offset plus its
 * size), without it it is the legacy area and header. The written value
 * when the size agrees with it; its x87 and SSE bits alone when the size
 * says AVX is off; 0 (no x87: refused by xperf-user) when it is neither.
 */
static uint64_t xcr0_read_back(void)
{
	uint32_t b, c, d, with_avx = XSAVE_BASE_BYTES;

	if (xcr0_written & XCR0_AVX)
		with_avx = cpuid_sub(0xd, 2, &b, &c, &d) + b;
	cpuid_sub(0xd, 0, &b, &c, &d);
	if (b == with_avx)
		return xcr0_written;
	if (b == XSAVE_BASE_BYTES)
		return xcr0_written & ~(uint64_t)XCR0_AVX;
	return 0;
}

/*
 * Sets what g->asked names and the CPU offers, as kvm-unit-tests' startup
 * does (reset_apic, enable_apic, enable_x2apic, mask_pic_interrupts,
 * enable_nx, sti), each bit in g->set only once read back. Interrupts go
 * on last, when guest_interrupt() knows how to acknowledge them.
 */
static void set_state(struct xperf_vm_guest_state *g)
{
	uint32_t want = g->asked & g->offered;

	if (want & XPERF_STATES_IRQCHIP) {
		/* Nothing from the 8259, whatever the firmware left unmasked. */
		outb(PIC1_DATA, 0xff);
		outb(PIC2_DATA, 0xff);
	}
	if (want & XPERF_STATE_APIC) {
		map_apic_page();
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN);
		mmio_write32(APIC_PAGE + APIC_SVR, APIC_SVR_ON);
		if ((rdmsr(MSR_APIC_BASE) & APIC_BASE_EN) &&
		    (mmio_read32(APIC_PAGE + APIC_SVR) & APIC_SVR_ON) == APIC_SVR_ON)
			g->set |= XPERF_STATE_APIC;
	}
	if ((want & XPERF_STATE_X2APIC) && (g->set & XPERF_STATE_APIC)) {
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
		if ((rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) &&
		    (rdmsr(MSR_X2APIC_SVR) & APIC_SVR_ON) == APIC_SVR_ON)
			g->set |= XPERF_STATE_X2APIC;
	}
	if (want & XPERF_STATE_NX) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NX);
		if (rdmsr(MSR_EFER) & EFER_NX)
			g->set |= XPERF_STATE_NX;
	}
	if (want & XPERF_STATE_XSAVE) {
		uint32_t b, c, d;

		/* x87, SSE and AVX, of what CPUID 0xd says XCR0 may hold */
		xcr0_written = cpuid_eax(0xd, &b, &c, &d) & XCR0_SET;
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, xcr0_written);
		if ((read_cr4() & CR4_OSXSAVE) && xcr0_read_back() == xcr0_written)
			g->set |= XPERF_STATE_XSAVE;
	}
	if (want & XPERF_STATE_STI) {
		user_rflags |= RFLAGS_IF;
		asm volatile("sti" : : : "memory");
		if (read_rflags() & RFLAGS_IF)
			g->set |= XPERF_STATE_STI;
	}
}

/* The registers the state lives in, for the host to check. */
static void read_state(struct xperf_vm_guest_state *g)
{
	if (g->offered & XPERF_STATE_APIC)
		g->apic_base = rdmsr(MSR_APIC_BASE);
	if (g->set & XPERF_STATE_X2APIC)
		g->apic_svr = rdmsr(MSR_X2APIC_SVR);
	else if (g->set & XPERF_STATE_APIC)
		g->apic_svr = mmio_read32(APIC_PAGE + APIC_SVR);
	g->cr0 = read_cr0();
	g->cr4 = read_cr4();
	g->efer = rdmsr(MSR_EFER);
	if (g->cr4 & CR4_OSXSAVE)
		g->xcr0 = xcr0_read_back();
	g->rflags = read_rflags();
}

/* An external interrupt: counted, and acknowledged to the APIC it came from. */
void guest_interrupt(void)
{
	interrupts_taken++;
	if (results->state.set & XPERF_STATE_X2APIC)
		wrmsr(MSR_X2APIC_EOI, 0);
	else if (results->state.set & XPERF_STATE_APIC)
		mmio_write32(APIC_PAGE + APIC_EOI, 0);
}

/* ---- the exits ------------------------------------------------------- */

static inline uint64_t exit_cpuid(void)
{
	uint32_t b, c, d;

	return cpuid_eax(0, &b, &c, &d);
}

static inline uint64_t exit_pio(void)
{
	outb(XPERF_VMEXIT_PORT, 0);
	return 0;
}

/* User asks the kernel to take the exit: rax in, rax out; the kernel side
 * (a C call) may clobber every caller-saved register. */
static inline uint64_t user_syscall(uint64_t nr)
{
	asm volatile("ud2"
		     : "+a"(nr)
		     :
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	return nr;
}

/* One untimed exit, for the kernel side of a user-via-kernel round trip. */
static uint64_t exit_once(uint32_t kind)
{
	switch ((enum xperf_vmexit_kind)kind) {
	case XPERF_VMEXIT_NONE:
	case XPERF_VMEXIT_KINDS:
		return 0;
	case XPERF_VMEXIT_CPUID:
		return exit_cpuid();
	case XPERF_VMEXIT_RDMSR:
		return rdmsr(params.msr);
	case XPERF_VMEXIT_VMCALL:
		return params.hypercall == XPERF_HC_VMMCALL ? vmmcall(XPERF_VMEXIT_HC_NR)
							    : vmcall(XPERF_VMEXIT_HC_NR);
	case XPERF_VMEXIT_PIO:
		return exit_pio();
	}
	return 0;
}

uint64_t syscall_dispatch(uint64_t nr)
{
	if ((nr & 0xffff) == XPERF_SYS_MARK) {
		outl(XPERF_VM_PORT_MARK, (uint32_t)(nr >> 16));
		return 0;
	}
	return exit_once((uint32_t)nr);
}

static inline uint32_t clamp32(uint64_t v)
{
	return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

/* CPUID 0x80000001 EDX[27]; QEMU's qemu64 model leaves it out. */
static int has_rdtscp(void)
{
	return cpuid_ext_edx() >> 27 & 1;
}

static inline __attribute__((always_inline)) uint64_t tsc_end(int rdtscp)
{
	return rdtscp ? xperf_tsc_end_rdtscp() : xperf_tsc_end_lfence();
}

/*
 * Runs LOOP(op) with the op of exit kind from "from": the loop is spelled
 * out per exit, so that no call or branch on the exit kind sits inside it.
 * Expects kind, from, v and the loop's own variables in scope.
 */
#define FOR_EXIT(LOOP)							\
	do {								\
		if (from == XPERF_FROM_USER_VIA_KERNEL) {		\
			LOOP(v = user_syscall(kind));			\
			break;						\
		}							\
		switch ((enum xperf_vmexit_kind)kind) {			\
		case XPERF_VMEXIT_NONE:					\
		case XPERF_VMEXIT_KINDS:				\
			LOOP(asm volatile("" : : : "memory"));		\
			break;						\
		case XPERF_VMEXIT_CPUID:				\
			LOOP(v = exit_cpuid());				\
			break;						\
		case XPERF_VMEXIT_RDMSR:				\
			LOOP(v = rdmsr(params.msr));			\
			break;						\
		case XPERF_VMEXIT_VMCALL:				\
			if (params.hypercall == XPERF_HC_VMMCALL) {	\
				LOOP(v = vmmcall(XPERF_VMEXIT_HC_NR));	\
			} else {					\
				LOOP(v = vmcall(XPERF_VMEXIT_HC_NR));	\
			}						\
			break;						\
		case XPERF_VMEXIT_PIO:					\
			LOOP(v = exit_pio());				\
			break;						\
		}							\
	} while (0)

/*
 * Each round trip between its own two timer reads. stride 0 for the
 * warm-up: every iteration writes out[0], which the timed loop then
 * overwrites.
 */
#define TIMED_LOOP(op)							\
	for (i = 0; i < n; i++) {					\
		uint64_t t0 = xperf_tsc_begin();				\
		op;							\
		out[i * stride] = clamp32(tsc_end(rdtscp) - t0);	\
	}

/* Inlined twice with rdtscp a constant: one copy per timer. */
static inline __attribute__((always_inline)) uint64_t
timed_loop_with(int rdtscp, uint32_t kind, uint32_t from, uint32_t *out, uint32_t n,
		uint32_t stride)
{
	uint64_t v = 0;
	uint32_t i;

	FOR_EXIT(TIMED_LOOP);
	return v;
}

static uint64_t timed_loop(uint32_t kind, uint32_t from, uint32_t *out, uint32_t n,
			   uint32_t stride)
{
	if (results->timer == XPERF_TIMER_RDTSCP)
		return timed_loop_with(1, kind, from, out, n, stride);
	return timed_loop_with(0, kind, from, out, n, stride);
}

#define BARE_LOOP(op)							\
	for (i = 0; i < n; i++) {					\
		op;							\
	}

/*
 * n round trips back to back between two timer reads, as kvm-unit-tests'
 * x86/vmexit.c times them: the guest TSC over the whole loop.
 */
static uint64_t back_to_back(uint32_t kind, uint32_t from, uint32_t n)
{
	uint64_t v = 0, t0;
	uint32_t i;

	t0 = xperf_tsc_begin();
	FOR_EXIT(BARE_LOOP);
	(void)v;
	return xperf_tsc_end_lfence() - t0;
}

static void mark(uint32_t record, uint32_t what)
{
	uint32_t v = params.tag << 16 | record << 8 | what;

	if (measuring_cpl == 3)
		user_syscall((uint64_t)v << 16 | XPERF_SYS_MARK);
	else
		outl(XPERF_VM_PORT_MARK, v);
}

/*
 * One record: warm-up, the round trips back to back, then the timed ones;
 * runs at CPL0 or CPL3.
 */
static void measure(uint32_t kind, uint32_t from)
{
	uint32_t idx = results->nrecords;
	struct xperf_vm_record *rec = &results->rec[idx];
	uint32_t *out = samples + next_sample;
	uint64_t t0;

	rec->exit = kind;
	rec->from = from;
	rec->first = next_sample;
	results->fault_record = idx;
	results->nrecords = idx + 1;
	measuring_cpl = current_cpl();
	if (recover_set(&recover)) {
		measuring = 0;
		mark(idx, XPERF_MARK_END);
		return;
	}
	measuring = rec;
	mark(idx, XPERF_MARK_WARMUP);
	timed_loop(kind, from, out, params.warmup, 0);
	mark(idx, XPERF_MARK_LOOP);
	/* A quarter as many as timed: the loop gives one mean, not a distribution. */
	rec->loop_count = params.samples / 4 ? params.samples / 4 : 1;
	rec->loop_cycles = back_to_back(kind, from, rec->loop_count);
	/* The guest's clock over the same stretch as the VMM's between the marks. */
	mark(idx, XPERF_MARK_TIMED);
	t0 = xperf_tsc_begin();
	rec->value = timed_loop(kind, from, out, params.samples, 1);
	rec->tsc_span = xperf_tsc_end_lfence() - t0;
	measuring = 0;
	mark(idx, XPERF_MARK_END);
	rec->count = params.samples;
	next_sample += params.samples;
}

/* The exit table this payload runs, for the VMM to compare (header). */
const char vmexit_table[] __attribute__((used)) =
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW_TEXT
#include "xperf/abi.h"
#undef XPERF_VMEXIT_KIND
	;

/* Where each kind may start: RDMSR, privileged, raises #GP at CPL3. */
static const struct xperf_vmexit_row kinds[XPERF_VMEXIT_KINDS] = {
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW
#include "xperf/abi.h"
#undef XPERF_VMEXIT_KIND
};

/* Asked for, and possible from there. */
static int wanted(uint32_t kind, uint32_t from)
{
	return (params.exits >> kind & 1) && (params.froms >> from & 1) &&
	       (kinds[kind].froms >> from & 1);
}

/* The empty region first, then every kind wanted from there. */
static void measure_from(uint32_t from)
{
	uint32_t kind;

	measure(XPERF_VMEXIT_NONE, from);
	for (kind = XPERF_VMEXIT_CPUID; kind < XPERF_VMEXIT_KINDS; kind++)
		if (wanted(kind, from))
			measure(kind, from);
}

static void user_main(void)
{
	/* Both user rows subtract the empty region timed at CPL3. */
	if (params.froms >> XPERF_FROM_USER & 1)
		measure_from(XPERF_FROM_USER);
	else
		measure(XPERF_VMEXIT_NONE, XPERF_FROM_USER);
	/* Its empty region is the guest's own system call, for reference. */
	if (params.froms >> XPERF_FROM_USER_VIA_KERNEL & 1)
		measure_from(XPERF_FROM_USER_VIA_KERNEL);
	user_syscall(XPERF_SYS_DONE);
}

static uint32_t planned_records(void)
{
	uint32_t n = 0, kind, from;

	for (kind = XPERF_VMEXIT_CPUID; kind < XPERF_VMEXIT_KINDS; kind++)
		for (from = 0; from < XPERF_FROMS; from++)
			n += wanted(kind, from);
	n += params.froms >> XPERF_FROM_KERNEL & 1;	/* empty region, CPL0 */
	n += (params.froms & (1u << XPERF_FROM_USER | 1u << XPERF_FROM_USER_VIA_KERNEL)) != 0;
	n += params.froms >> XPERF_FROM_USER_VIA_KERNEL & 1; /* empty syscall */
	return n;
}

void guest_main(uint64_t multiboot_info)
{
	const char *cmdline = (const char *)XPERF_VM_PARAMS_GPA;

	setup_segments();
	setup_idt();
	memset(results, 0, sizeof(*results));
	results->timer = has_rdtscp() ? XPERF_TIMER_RDTSCP : XPERF_TIMER_LFENCE;
	stream.flush = debugcon_flush;
	/* Under QEMU the stream is the only way out, even for a parse error. */
	if (multiboot_info) {
		const struct multiboot_info *mbi = (const void *)multiboot_info;

		params.output = XPERF_OUT_STREAM;
		cmdline = mbi->flags & MB_INFO_CMDLINE ? (const char *)(uint64_t)mbi->cmdline : "";
	}
	if (xperf_vm_parse_params(cmdline, &params))
		finish(XPERF_VM_BAD_PARAMS);
	if (planned_records() > XPERF_VM_MAX_RECORDS || params.mem_bytes < XPERF_VM_SAMPLES_GPA ||
	    (uint64_t)planned_records() * params.samples * sizeof(uint32_t) >
		    params.mem_bytes - XPERF_VM_SAMPLES_GPA)
		finish(XPERF_VM_NO_MEMORY);
	results->state.asked = params.state;
	results->state.offered = states_offered();
	set_state(&results->state);
	read_state(&results->state);
	if (results->state.set != params.state)
		finish(XPERF_VM_STATE_MISSING);

	if (params.froms >> XPERF_FROM_KERNEL & 1)
		measure_from(XPERF_FROM_KERNEL);
	if (params.froms & (1u << XPERF_FROM_USER | 1u << XPERF_FROM_USER_VIA_KERNEL))
		enter_user(user_main, user_stack + sizeof(user_stack), 0);
	finish(XPERF_VM_OK);
}
