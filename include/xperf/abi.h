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
 * The guest-kernel side of the six VM-exit round trips (DESIGN.md), for
 * xperf-user --vmm guest running inside a Linux guest: ioctl()s on the
 * debugfs file below.  The exit kinds and constants have the values of the
 * guest payload's protocol (include/xperf/vmexit_protocol.h).
 */
#define XPERF_DEBUGFS_VMEXIT	"vmexit"

#define XPERF_VMEXIT_NONE	0	/* no instruction: the empty region */
#define XPERF_VMEXIT_CPUID	1	/* CPUID leaf 0 */
#define XPERF_VMEXIT_RDMSR	2	/* RDMSR of XPERF_VMEXIT_MSR */
#define XPERF_VMEXIT_VMCALL	3	/* VMCALL/VMMCALL, under KVM only */
#define XPERF_VMEXIT_PIO	4	/* OUTB to XPERF_VMEXIT_PORT */
#define XPERF_VMEXIT_KINDS	5

#define XPERF_VMEXIT_MSR	0x10	/* IA32_TSC: KVM answers it in the kernel */
#define XPERF_VMEXIT_PORT	0xe9	/* QEMU's debugcon: the VMM owns it */
#define XPERF_VMEXIT_HC_NR	0x7870	/* a hypercall number KVM does not know */

/* How the kernel read the TSC around each round trip (xperf_vmexit_run.timer). */
#define XPERF_VMEXIT_TIMER_RDTSCP	1	/* lfence;rdtsc;lfence .. rdtscp;lfence */
#define XPERF_VMEXIT_TIMER_RDTSC	2	/* lfence;rdtsc;lfence .. lfence;rdtsc;lfence */

#define XPERF_VMEXIT_MAX_SAMPLES	(1U << 24)

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
	__u32 exit;		/* in: XPERF_VMEXIT_* */
	__u32 samples;		/* in: timed round trips, 1..MAX_SAMPLES */
	__u32 warmup;		/* in: untimed round trips first */
	__u32 timer;		/* out: XPERF_VMEXIT_TIMER_* */
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
