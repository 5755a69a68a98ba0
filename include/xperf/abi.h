/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xperf ABI shared by the kernel series, xperf.ko, the BPF programs and
 * xperf-user: plain C, usable from the kernel, from user space C and C++,
 * and from BPF.
 *
 * The kernel series cannot include this file; it carries its own copy of
 * the values that cross into it (include/uapi/linux/xperf.h and enum
 * xperf_crossing in include/linux/xperf.h), and xperf.ko checks at build
 * time that the two agree.
 */
#ifndef XPERF_ABI_H
#define XPERF_ABI_H

#ifndef __VMLINUX_H__		/* BPF programs get the types from vmlinux.h */
#include <linux/ioctl.h>
#include <linux/types.h>
#endif

/* The no-op system call added by the series, and what it returns. */
#define XPERF_NOP_NR	500
#define XPERF_NOP_MAGIC	0x78706572L	/* "xper" */

/* xperf.ko's files, under the debugfs mount (/sys/kernel/debug). */
#define XPERF_DEBUGFS_DIR	"xperf"
#define XPERF_DEBUGFS_RING	"ring"		/* read: consume records */
#define XPERF_DEBUGFS_CONTROL	"control"	/* write: commands below */
#define XPERF_DEBUGFS_COUNTERS	"counters"	/* read: accounting */
#define XPERF_DEBUGFS_STATUS	"status"	/* read: whether stamps can run */

/*
 * The status file's one line: XPERF_STATUS_ON, or XPERF_STATUS_OFF and the
 * kernel's reason (xperf_stamps_off_reason()): "stamps off: booted with
 * xperf=off".
 */
#define XPERF_STATUS_ON		"stamps on"
#define XPERF_STATUS_OFF	"stamps off: "

/* Records each CPU's ring holds; one more is dropped and counted. */
#define XPERF_RING_RECORDS	4096

/*
 * Commands written to the control file, one per write, a trailing newline
 * allowed.  Reading the control file shows the state.
 *   "pid N"  measure the task (thread) whose global PID is N, a decimal
 *            number > 0; only while stopped
 *   "start"  start measuring (stamps on); a pid must have been given;
 *            EOPNOTSUPP where the kernel takes no stamps (status file)
 *   "stop"   stop measuring (stamps off, the zero-cost state)
 *   "reset"  while stopped: empty the rings and zero the counters
 * Anything else is EINVAL.
 */
#define XPERF_CMD_PID	"pid"
#define XPERF_CMD_START	"start"
#define XPERF_CMD_STOP	"stop"
#define XPERF_CMD_RESET	"reset"

/* What crossed (xperf_record.kind). */
#define XPERF_KIND_SYSCALL	1
#define XPERF_KIND_PGFAULT	2

/* Which stamps of a record are valid (xperf_record.flags). */
#define XPERF_REC_ENTRY		0x1U	/* entry_tsc */
#define XPERF_REC_KEXIT		0x2U	/* kernel_exit_tsc */
#define XPERF_REC_EXIT		0x4U	/* exit_tsc, paired with this crossing */
#define XPERF_REC_MIGRATED	0x8U	/* left on another CPU (exit_cpu) */

/*
 * One crossing of the measured task, 64 bytes.  All stamps are TSC values
 * of the CPU named; the legs of a crossing timed from user space with
 * t_before (just before the crossing) and t_after (just after) are:
 *
 *   t_before  -> entry_tsc         hardware transition to the first
 *                                  instructions of the entry code
 *   entry_tsc -> kernel_entry_tsc  entry code: swapgs, KPTI's CR3 switch,
 *                                  mitigations, register save
 *   kernel_entry_tsc -> kernel_exit_tsc   the kernel's own work
 *   kernel_exit_tsc  -> exit_tsc   exit code: register restore, KPTI's CR3
 *                                  switch back
 *   exit_tsc  -> t_after           sysret/iret and back in user space
 *
 * The user->kernel leg is t_before -> kernel_entry_tsc and the
 * kernel->user leg is kernel_exit_tsc -> t_after, so that the CR3 switches
 * count in the legs; the asm stamps split each leg into its hardware and
 * entry-code parts.
 */
struct xperf_record {
	__u16 kind;		/* XPERF_KIND_* */
	__u16 flags;		/* XPERF_REC_* */
	__u16 cpu;		/* CPU of the entry */
	__u16 exit_cpu;		/* CPU of the return to user */
	__u32 pid;		/* the measured task's global PID */
	__u32 error_code;	/* page fault error code; 0 for a syscall */
	__u64 seq;		/* order of entry, from 0 after "reset" */
	__u64 entry_tsc;	/* entry code, before SWITCH_TO_KERNEL_CR3 */
	__u64 kernel_entry_tsc;	/* C handler reached (fault.c, do_syscall_64) */
	__u64 kernel_exit_tsc;	/* C exit work done, interrupts off */
	__u64 exit_tsc;		/* exit code, after SWITCH_TO_USER_CR3 */
	__u64 arg;		/* syscall number, or the faulting address */
};

#define XPERF_RECORD_SIZE	64

/*
 * The VM-exit kinds, one table for the guest payload (guest/), xperf.ko's
 * vmexit file (module/vmexit.c) and xperf-user, as kvm-unit-tests'
 * x86/vmexit.c has its tests[]: the rows at the end of this file, read
 * again by whoever defines XPERF_VMEXIT_KIND(id, name, instruction,
 * handler, froms, flags) and includes it (the kernel's kvm-x86-ops.h way):
 *
 *   id           XPERF_VMEXIT_<id>: the kind's number in every interface
 *   name         what --exit, the variants and the results call it
 *   instruction  what the guest executes (VMCALL is VMMCALL on AMD, Hygon)
 *   handler      XPERF_HANDLER_*: who answers the exit
 *   froms        bit per XPERF_FROM_*: where the guest may execute it
 *   flags        XPERF_VMEXIT_F_*, or 0
 *
 * Adding a kind is a row there and its instruction in the guest's code: the
 * payload's and xperf.ko's switches on enum xperf_vmexit_kind have no
 * default, so that -Wswitch names a kind either of them lacks.  The rows
 * write their numbers out, so that XPERF_VMEXIT_ROW_TEXT spells them alike
 * wherever it is compiled.  XPERF_VMEXIT_FROM(id, name) reads the starting
 * points the same way.
 */
#define XPERF_VMEXIT_MSR	0x10	/* IA32_TSC: KVM answers it in the kernel */
#define XPERF_VMEXIT_PORT	0xe9	/* QEMU's debugcon: the VMM owns it */
#define XPERF_VMEXIT_HC_NR	0x7870	/* a hypercall number KVM does not know */

#define XPERF_HANDLER_NONE	0	/* nothing exits: the empty timed region */
#define XPERF_HANDLER_KVM	1	/* KVM in the host kernel: the fast path */
#define XPERF_HANDLER_VMM	2	/* the userspace VMM: a round trip */

/* Where a timed round trip starts. */
enum xperf_vmexit_from {
#define XPERF_VMEXIT_FROM(id, ...) XPERF_FROM_##id,
#include <xperf/abi.h>
#undef XPERF_VMEXIT_FROM
	XPERF_FROMS
};

#define XPERF_FROMS_ALL		0x7
#define XPERF_FROMS_KERNEL	0x6	/* privileged: #GP at CPL3, no exit */

/*
 * A KVM hypercall: only KVM knows it (under another hypervisor it raises
 * #UD), the vendor decides the instruction (VMCALL or VMMCALL), and it
 * returns a signed status (-KVM_ENOSYS), not a value.
 */
#define XPERF_VMEXIT_F_HYPERCALL	0x1

#define XPERF_STR_(x)	#x
#define XPERF_STR(x)	XPERF_STR_(x)

enum xperf_vmexit_kind {
#define XPERF_VMEXIT_KIND(id, ...) XPERF_VMEXIT_##id,
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
	XPERF_VMEXIT_KINDS
};

/* A row as data: XPERF_VMEXIT_ROW, defined as XPERF_VMEXIT_KIND, fills an array. */
struct xperf_vmexit_row {
	const char *name;
	const char *instruction;
	__u32 handler;		/* XPERF_HANDLER_* */
	__u32 froms;		/* bit per XPERF_FROM_* */
	__u32 flags;		/* XPERF_VMEXIT_F_* */
};

#define XPERF_VMEXIT_ROW(id, name, insn, handler, froms, flags)	\
	[XPERF_VMEXIT_##id] = { name, insn, handler, froms, flags },

/*
 * A row as text, "id name handler froms flags instruction\n": defined as
 * XPERF_VMEXIT_KIND, the table becomes the string the payload and xperf.ko
 * show of theirs, for xperf-user to compare with its own.
 */
#define XPERF_VMEXIT_ROW_TEXT(id, name, insn, handler, froms, flags)	\
	#id " " name " " XPERF_STR(handler) " " XPERF_STR(froms) " "	\
	XPERF_STR(flags) " " insn "\n"

/*
 * How a timed region is read: lfence;rdtsc;lfence at its start, and at its
 * end rdtscp;lfence where CPUID offers RDTSCP, lfence;rdtsc;lfence where
 * not.  0: not reported.
 */
#define XPERF_TIMER_RDTSCP	1
#define XPERF_TIMER_LFENCE	2

/*
 * The guest-kernel side of the six VM-exit round trips (DESIGN.md), for
 * xperf-user --vmm guest running inside a Linux guest: ioctl()s on the
 * debugfs file below, whose read() gives XPERF_VMEXIT_TABLE_TEXT.
 */
#define XPERF_DEBUGFS_VMEXIT	"vmexit"

#define XPERF_VMEXIT_MAX_SAMPLES	0x1000000U

/*
 * XPERF_IOC_VMEXIT_ONE: the kernel executes one exit of the kind given as
 * the argument (by value) and returns 0: a user program timing the ioctl()
 * times guest user -> guest kernel -> exit -> back (rows 3 and 4).
 * -EOPNOTSUPP: VMCALL asked where the hypervisor is not KVM.
 */
#define XPERF_IOC_VMEXIT_ONE	_IO('x', 1)

/*
 * XPERF_IOC_VMEXIT_RUN: the kernel runs warmup untimed and then samples
 * timed round trips of one kind, interrupts off around each, and copies
 * the net-of-nothing cycles of every timed one to cycles (rows 5 and 6).
 */
struct xperf_vmexit_run {
	__u32 exit;		/* in: enum xperf_vmexit_kind */
	__u32 samples;		/* in: timed round trips, 1..MAX_SAMPLES */
	__u32 warmup;		/* in: untimed round trips first */
	__u32 timer;		/* out: XPERF_TIMER_* */
	__u64 cycles;		/* in: user address of samples __u32 */
	__u64 value;		/* out: what the last instruction returned */
	__u64 tsc_span;		/* out: TSC from the first timed start to the last end */
};

#define XPERF_IOC_VMEXIT_RUN	_IOWR('x', 2, struct xperf_vmexit_run)

#ifdef __cplusplus
static_assert(sizeof(struct xperf_record) == XPERF_RECORD_SIZE,
	      "xperf_record is 64 bytes");
#endif

#endif /* XPERF_ABI_H */

#ifdef XPERF_VMEXIT_FROM
XPERF_VMEXIT_FROM(USER, "user")			/* CPL3 executes the instruction */
XPERF_VMEXIT_FROM(USER_VIA_KERNEL, "user-via-kernel")	/* CPL3 asks CPL0 */
XPERF_VMEXIT_FROM(KERNEL, "kernel")		/* CPL0 executes it */
#endif

#ifdef XPERF_VMEXIT_KIND
XPERF_VMEXIT_KIND(NONE, "none", "nothing (the empty timed region)",
		  XPERF_HANDLER_NONE, XPERF_FROMS_ALL, 0)
XPERF_VMEXIT_KIND(CPUID, "cpuid", "cpuid (leaf 0)",
		  XPERF_HANDLER_KVM, XPERF_FROMS_ALL, 0)
XPERF_VMEXIT_KIND(RDMSR, "rdmsr", "rdmsr " XPERF_STR(XPERF_VMEXIT_MSR),
		  XPERF_HANDLER_KVM, XPERF_FROMS_KERNEL, 0)
XPERF_VMEXIT_KIND(VMCALL, "vmcall",
		  "vmcall (nr " XPERF_STR(XPERF_VMEXIT_HC_NR) ", unknown to KVM)",
		  XPERF_HANDLER_KVM, XPERF_FROMS_ALL, XPERF_VMEXIT_F_HYPERCALL)
XPERF_VMEXIT_KIND(PIO, "pio", "outb to port " XPERF_STR(XPERF_VMEXIT_PORT),
		  XPERF_HANDLER_VMM, XPERF_FROMS_ALL, 0)
#endif
