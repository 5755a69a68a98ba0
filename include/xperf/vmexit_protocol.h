/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The VM-exit payload's protocol: what the host (the built-in VMM or the
 * QEMU runner in xperf-user) and the freestanding guest in guest/ agree on.
 *
 * Plain C, freestanding, also valid C++: the guest compiles it with
 * -ffreestanding, xperf-user and its unit tests include it, so the parameter
 * parser and the result stream encoder that the tests exercise are the very
 * code the guest runs.
 *
 * Host -> guest: a command line ("xperf-vmexit exits=0x1e froms=0x7 n=1000
 * ... state=0x5 tag=0x1"), written by the built-in VMM into the page at XPERF_VM_PARAMS_GPA, or
 * passed by QEMU as the multiboot command line (-append).
 *
 * Guest -> host: struct xperf_vm_results at XPERF_VM_RESULTS_GPA and the
 * samples (u32 cycles each) at XPERF_VM_SAMPLES_GPA, read from guest memory
 * by the built-in VMM; under QEMU the guest also writes them as a text
 * stream on the debugcon port (format below), and its status leaves through
 * isa-debug-exit.
 */
#ifndef XPERF_VMEXIT_PROTOCOL_H
#define XPERF_VMEXIT_PROTOCOL_H

#define XPERF_VM_PROTOCOL_VERSION	5

/* Guest physical layout; the guest identity-maps the first GiB. */
#define XPERF_VM_LOAD_ADDR	0x100000	/* payload image, multiboot load_addr */
#define XPERF_VM_PARAMS_GPA	0x9000		/* command line, one page */
#define XPERF_VM_PARAMS_SIZE	0x1000
#define XPERF_VM_RESULTS_GPA	0x200000	/* struct xperf_vm_results */
#define XPERF_VM_SAMPLES_GPA	0x400000	/* u32 samples, to the end of memory */
#define XPERF_VM_PAYLOAD_LIMIT	XPERF_VM_RESULTS_GPA	/* image + bss end below */

/* Offset of struct xperf_vm_payload_header in the image (after multiboot's). */
#define XPERF_VM_HEADER_OFFSET	32
#define XPERF_VM_HEADER_MAGIC	0x4d565058	/* "XPVM" */

/* I/O ports, besides the timed OUTB's XPERF_VMEXIT_PORT (QEMU's debugcon). */
#define XPERF_VM_PORT_MARK	0xec	/* outl: phase marks for the VMM's clock */
#define XPERF_VM_PORT_EXIT	0xf4	/* outl: status; QEMU's isa-debug-exit */

/* The hypercall instruction, chosen by the host CPU's vendor. */
#define XPERF_HC_VMCALL		0	/* Intel */
#define XPERF_HC_VMMCALL	1	/* AMD, Hygon */

/* Where the results go besides guest memory. */
#define XPERF_OUT_MEMORY	0
#define XPERF_OUT_STREAM	1	/* also the text stream on debugcon */

/* Guest status: the value written to XPERF_VM_PORT_EXIT. */
#define XPERF_VM_OK		0
#define XPERF_VM_BAD_PARAMS	1
#define XPERF_VM_NO_MEMORY	2	/* the samples do not fit guest memory */
#define XPERF_VM_FAULT		3	/* an exception outside a measurement */
#define XPERF_VM_STATE_MISSING	4	/* a guest state asked for could not be set */

/*
 * Guest states a run may ask for (state=): the guest sets them before it
 * measures anything and reads them back from its registers. The states
 * kvm-unit-tests' x86 startup and x86/vmexit.c leave set, and a guest
 * OS's XSAVE, so that a run shows which of them moves an exit's cost.
 */
#define XPERF_STATE_APIC	0x01	/* xAPIC software-enabled, 8259 masked */
#define XPERF_STATE_X2APIC	0x02	/* then x2APIC mode; asked with APIC only */
#define XPERF_STATE_STI		0x04	/* RFLAGS.IF set while measuring */
#define XPERF_STATE_NX		0x08	/* EFER.NX */
#define XPERF_STATE_XSAVE	0x10	/* CR4.OSXSAVE, XCR0 = x87|SSE|AVX as offered */
#define XPERF_STATES		0x1f
/* States that need an interrupt controller: the built-in VMM creates KVM's. */
#define XPERF_STATES_IRQCHIP	(XPERF_STATE_APIC | XPERF_STATE_X2APIC | XPERF_STATE_STI)

/*
 * Phase marks: (tag << 16) | (record << 8) | mark, written to
 * XPERF_VM_PORT_MARK, tag from the command line: the runs of one process
 * mark apart. A record's phases come in this order: warm-up, loop, timed,
 * end.
 */
#define XPERF_MARK_WARMUP	1
#define XPERF_MARK_TIMED	2
#define XPERF_MARK_END		3
#define XPERF_MARK_LOOP		4	/* the round trips timed as one */

#define XPERF_VM_MAX_RECORDS	16

#ifndef __ASSEMBLER__

#include <xperf/abi.h>	/* the exit kinds, their table, the timers */

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
#define XPERF_VM_CAST(type, v) static_cast<type>(v)
#else
#include <stddef.h>
#include <stdint.h>
#define XPERF_VM_CAST(type, v) ((type)(v))
#endif

struct xperf_vm_payload_header {
	uint32_t magic;		/* XPERF_VM_HEADER_MAGIC */
	uint32_t version;	/* XPERF_VM_PROTOCOL_VERSION */
	uint32_t entry64;	/* long-mode entry for a VMM that sets up long mode */
	uint32_t image_end;	/* end of the loaded image (bss included) */
	uint32_t vmexit_table;	/* address of the exit table it was built with, as
				   XPERF_VMEXIT_ROW_TEXT lines, NUL-terminated */
};

struct xperf_vm_params {
	uint32_t exits;		/* bit per enum xperf_vmexit_kind (CPUID..PIO) */
	uint32_t froms;		/* bit per XPERF_FROM_* */
	uint32_t samples;	/* timed round trips per measurement */
	uint32_t warmup;	/* untimed round trips before them */
	uint32_t msr;		/* the MSR RDMSR reads */
	uint32_t hypercall;	/* XPERF_HC_* */
	uint32_t output;	/* XPERF_OUT_* */
	uint64_t mem_bytes;	/* guest memory size */
	uint32_t state;		/* XPERF_STATE_* to set before measuring */
	uint32_t tag;		/* 0..0xff, carried by the phase marks */
};

/*
 * One measurement: count u32 samples from samples[first]. An exception while
 * measuring (a #GP for OUTB at CPL3 where the hypervisor ignores IOPL, say)
 * ends this record only: fault is its vector + 1, count 0.
 *
 * Before the timed round trips, loop_count more run back to back between
 * two TSC reads and nothing else, as kvm-unit-tests' x86/vmexit.c times
 * its loop: loop_cycles is the guest TSC over all of them.
 */
struct xperf_vm_record {
	uint32_t exit;		/* enum xperf_vmexit_kind */
	uint32_t from;		/* XPERF_FROM_* */
	uint32_t count;
	uint32_t first;
	uint64_t value;		/* what the last round trip returned (rax) */
	uint32_t fault;		/* 0, or exception vector + 1 */
	uint32_t loop_count;
	uint64_t fault_rip;
	uint64_t tsc_span;	/* guest TSC from the timed mark to the end mark */
	uint64_t loop_cycles;
};

/* The state the guest measured in, as it read it back (0: not read). */
struct xperf_vm_guest_state {
	uint32_t asked;		/* XPERF_STATE_* of the command line */
	uint32_t offered;	/* those the guest's CPUID offers */
	uint32_t set;		/* those set and read back */
	uint32_t interrupts;	/* external interrupts taken while measuring */
	uint64_t apic_base;	/* IA32_APIC_BASE, where CPUID offers an APIC */
	uint64_t apic_svr;	/* spurious-interrupt vector register, APIC set */
	uint64_t cr0;
	uint64_t cr4;
	uint64_t efer;
	uint64_t xcr0;		/* where CR4.OSXSAVE is set */
	uint64_t rflags;	/* as the first measurement starts */
};

struct xperf_vm_results {
	uint32_t magic;		/* XPERF_VM_HEADER_MAGIC once written */
	uint32_t version;
	uint32_t status;	/* XPERF_VM_* */
	uint32_t nrecords;
	uint32_t timer;		/* XPERF_TIMER_* */
	uint32_t reserved;
	uint32_t fault_vector;
	uint32_t fault_record;	/* record being measured at the fault */
	uint64_t fault_error;
	uint64_t fault_rip;
	struct xperf_vm_guest_state state;
	struct xperf_vm_record rec[XPERF_VM_MAX_RECORDS];
};

/* ---- the command line ------------------------------------------------- */

static inline int xperf_vm_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A decimal or 0x-hex number from [s, end); 0 on success. */
static inline int xperf_vm_parse_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (s == end)
		return -1;
	for (; s < end; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = XPERF_VM_CAST(unsigned, *s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = XPERF_VM_CAST(unsigned, *s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = XPERF_VM_CAST(unsigned, *s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static inline int xperf_vm_key_is(const char *k, const char *kend, const char *want)
{
	for (; k < kend && *want; k++, want++)
		if (*k != *want)
			return 0;
	return k == kend && !*want;
}

/* The value [v, end) names one of two choices: *out gets its number. */
static inline int xperf_vm_parse_choice(const char *v, const char *end, const char *a,
					uint32_t a_value, const char *b, uint32_t b_value,
					uint32_t *out)
{
	if (xperf_vm_key_is(v, end, a))
		*out = a_value;
	else if (xperf_vm_key_is(v, end, b))
		*out = b_value;
	else
		return -1;
	return 0;
}

/*
 * Parse "... xperf-vmexit key=value ...": tokens before the xperf-vmexit
 * token are ignored (QEMU puts the kernel's file name first on a multiboot
 * command line). Every key is required; an unknown key or a bad value fails,
 * so a host that speaks another version is caught. 0 on success.
 */
static inline int xperf_vm_parse_params(const char *s, struct xperf_vm_params *p)
{
	unsigned seen = 0, started = 0;

	while (*s) {
		const char *tok, *eq = 0, *end;
		uint64_t v;
		unsigned bit;

		while (xperf_vm_isspace(*s))
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && !xperf_vm_isspace(*s)) {
			if (*s == '=' && !eq)
				eq = s;
			s++;
		}
		end = s;
		if (!started) {
			started = xperf_vm_key_is(tok, end, "xperf-vmexit");
			continue;
		}
		if (!eq)
			return -1;
		if (xperf_vm_key_is(tok, eq, "hc")) {
			if (xperf_vm_parse_choice(eq + 1, end, "vmcall", XPERF_HC_VMCALL,
						  "vmmcall", XPERF_HC_VMMCALL, &p->hypercall))
				return -1;
			seen |= 1u << 5;
			continue;
		}
		if (xperf_vm_key_is(tok, eq, "out")) {
			if (xperf_vm_parse_choice(eq + 1, end, "memory", XPERF_OUT_MEMORY,
						  "stream", XPERF_OUT_STREAM, &p->output))
				return -1;
			seen |= 1u << 6;
			continue;
		}
		if (xperf_vm_parse_u64(eq + 1, end, &v))
			return -1;
		if (xperf_vm_key_is(tok, eq, "exits") && v && v < (1u << XPERF_VMEXIT_KINDS) &&
		    !(v & (1u << XPERF_VMEXIT_NONE)))
			p->exits = XPERF_VM_CAST(uint32_t, v), bit = 0;
		else if (xperf_vm_key_is(tok, eq, "froms") && v && v < (1u << XPERF_FROMS))
			p->froms = XPERF_VM_CAST(uint32_t, v), bit = 1;
		else if (xperf_vm_key_is(tok, eq, "n") && v && v <= 0xffffffu)
			p->samples = XPERF_VM_CAST(uint32_t, v), bit = 2;
		else if (xperf_vm_key_is(tok, eq, "warmup") && v <= 0xffffffu)
			p->warmup = XPERF_VM_CAST(uint32_t, v), bit = 3;
		else if (xperf_vm_key_is(tok, eq, "msr") && v <= 0xffffffffu)
			p->msr = XPERF_VM_CAST(uint32_t, v), bit = 4;
		else if (xperf_vm_key_is(tok, eq, "mem") && v)
			p->mem_bytes = v, bit = 7;
		else if (xperf_vm_key_is(tok, eq, "state") && !(v & ~XPERF_STATES) &&
			 (!(v & XPERF_STATE_X2APIC) || (v & XPERF_STATE_APIC)))
			p->state = XPERF_VM_CAST(uint32_t, v), bit = 8;
		else if (xperf_vm_key_is(tok, eq, "tag") && v <= 0xffu)
			p->tag = XPERF_VM_CAST(uint32_t, v), bit = 9;
		else
			return -1;
		seen |= 1u << bit;
	}
	return seen == 0x3ffu ? 0 : -1;
}

/* ---- the result stream -------------------------------------------------- */

/*
 * Text, so that a human can read a debugcon log, and self-checking:
 *
 *   @xperf-vmexit 5                  the protocol version
 *   h STATUS NRECORDS TIMER FAULT_VECTOR FAULT_RECORD FAULT_ERROR FAULT_RIP
 *   g ASKED OFFERED SET INTERRUPTS APIC_BASE APIC_SVR CR0 CR4 EFER XCR0 RFLAGS
 *                                    the guest state (xperf_vm_guest_state)
 *   r EXIT FROM COUNT VALUE FAULT FAULT_RIP TSC_SPAN LOOP_COUNT LOOP_CYCLES
 *                                    a record, then its samples:
 *   s SAMPLE SAMPLE ...              at most 16 a line
 *   c FNV1A32                        of every byte from '@' to here
 *
 * All numbers lowercase hex without 0x. Anything before the '@' line is
 * ignored: the timed OUTBs to debugcon write there.
 */
#define XPERF_STREAM_BEGIN	"@xperf-vmexit " XPERF_STR(XPERF_VM_PROTOCOL_VERSION) "\n"
#define XPERF_STREAM_PER_LINE	16
#define XPERF_FNV_OFFSET	2166136261u
#define XPERF_FNV_PRIME		16777619u

static inline uint32_t xperf_vm_fnv1a(uint32_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= XPERF_VM_CAST(unsigned char, p[i]);
		h *= XPERF_FNV_PRIME;
	}
	return h;
}

struct xperf_vm_stream {
	void (*flush)(void *ctx, const char *buf, size_t n);
	void *ctx;
	uint32_t fnv;
	size_t len;
	char buf[4096];
};

static inline void xperf_vm_stream_flush(struct xperf_vm_stream *st)
{
	if (st->len)
		st->flush(st->ctx, st->buf, st->len);
	st->len = 0;
}

static inline void xperf_vm_stream_put(struct xperf_vm_stream *st, char c, int checked)
{
	if (st->len == sizeof(st->buf))
		xperf_vm_stream_flush(st);
	st->buf[st->len++] = c;
	if (checked)
		st->fnv = xperf_vm_fnv1a(st->fnv, &c, 1);
}

static inline void xperf_vm_stream_hex(struct xperf_vm_stream *st, uint64_t v, char after)
{
	char digits[16];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		xperf_vm_stream_put(st, digits[--n], 1);
	xperf_vm_stream_put(st, after, 1);
}

/* Write results and their samples; flush() receives the text in pieces. */
static inline void xperf_vm_stream_write(struct xperf_vm_stream *st,
					 const struct xperf_vm_results *r,
					 const uint32_t *samples)
{
	const char *begin = XPERF_STREAM_BEGIN;
	uint32_t i, k;

	st->fnv = XPERF_FNV_OFFSET;
	st->len = 0;
	while (*begin)
		xperf_vm_stream_put(st, *begin++, 1);
	xperf_vm_stream_put(st, 'h', 1);
	xperf_vm_stream_put(st, ' ', 1);
	xperf_vm_stream_hex(st, r->status, ' ');
	xperf_vm_stream_hex(st, r->nrecords, ' ');
	xperf_vm_stream_hex(st, r->timer, ' ');
	xperf_vm_stream_hex(st, r->fault_vector, ' ');
	xperf_vm_stream_hex(st, r->fault_record, ' ');
	xperf_vm_stream_hex(st, r->fault_error, ' ');
	xperf_vm_stream_hex(st, r->fault_rip, '\n');
	xperf_vm_stream_put(st, 'g', 1);
	xperf_vm_stream_put(st, ' ', 1);
	xperf_vm_stream_hex(st, r->state.asked, ' ');
	xperf_vm_stream_hex(st, r->state.offered, ' ');
	xperf_vm_stream_hex(st, r->state.set, ' ');
	xperf_vm_stream_hex(st, r->state.interrupts, ' ');
	xperf_vm_stream_hex(st, r->state.apic_base, ' ');
	xperf_vm_stream_hex(st, r->state.apic_svr, ' ');
	xperf_vm_stream_hex(st, r->state.cr0, ' ');
	xperf_vm_stream_hex(st, r->state.cr4, ' ');
	xperf_vm_stream_hex(st, r->state.efer, ' ');
	xperf_vm_stream_hex(st, r->state.xcr0, ' ');
	xperf_vm_stream_hex(st, r->state.rflags, '\n');
	for (i = 0; i < r->nrecords && i < XPERF_VM_MAX_RECORDS; i++) {
		const struct xperf_vm_record *rec = &r->rec[i];

		xperf_vm_stream_put(st, 'r', 1);
		xperf_vm_stream_put(st, ' ', 1);
		xperf_vm_stream_hex(st, rec->exit, ' ');
		xperf_vm_stream_hex(st, rec->from, ' ');
		xperf_vm_stream_hex(st, rec->count, ' ');
		xperf_vm_stream_hex(st, rec->value, ' ');
		xperf_vm_stream_hex(st, rec->fault, ' ');
		xperf_vm_stream_hex(st, rec->fault_rip, ' ');
		xperf_vm_stream_hex(st, rec->tsc_span, ' ');
		xperf_vm_stream_hex(st, rec->loop_count, ' ');
		xperf_vm_stream_hex(st, rec->loop_cycles, '\n');
		for (k = 0; k < rec->count; k++) {
			if (k % XPERF_STREAM_PER_LINE == 0) {
				xperf_vm_stream_put(st, 's', 1);
				xperf_vm_stream_put(st, ' ', 1);
			}
			xperf_vm_stream_hex(st, samples[rec->first + k],
					    (k % XPERF_STREAM_PER_LINE == XPERF_STREAM_PER_LINE - 1 ||
					     k + 1 == rec->count) ? '\n' : ' ');
		}
	}
	xperf_vm_stream_put(st, 'c', 0);
	xperf_vm_stream_put(st, ' ', 0);
	{
		uint32_t sum = st->fnv;

		xperf_vm_stream_hex(st, sum, '\n');
	}
	xperf_vm_stream_flush(st);
}

#endif /* __ASSEMBLER__ */

#endif /* XPERF_VMEXIT_PROTOCOL_H */
