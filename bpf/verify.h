/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What verify.bpf.c hands to xperf-user: one fixed-size record per kernel
 * event of the measured thread, through a BPF ring buffer.
 *
 * Shared by the BPF side (which gets __u32/__u64 from vmlinux.h) and the C++
 * side (which gets them from linux/types.h).
 */
#ifndef XPERF_BPF_VERIFY_H
#define XPERF_BPF_VERIFY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * The iteration mark: xperf-user stores it in the control map (mapped
 * into its memory, so marking costs a store and no crossing) before each
 * sampled iteration's setup and again before its timed region; every event
 * carries the value it found. 0: outside any sampled iteration.
 */
#define VERIFY_MARK_TIMED	1ull	/* set: the timed region runs */
#define VERIFY_MARK_ITER_SHIFT	1	/* bits 1..39: iteration, from 0 */
#define VERIFY_MARK_ITER_BITS	39
#define VERIFY_MARK_RUN_SHIFT	40	/* bits 40..63: measurement, from 1 */

enum verify_kind {
	VERIFY_SYS_ENTER = 1,		/* arg0: syscall number */
	VERIFY_PAGE_FAULT_USER,		/* arg0: address, arg1: error code */
	VERIFY_MM_FAULT,		/* handle_mm_fault: arg0 address, arg1 flags */
	VERIFY_IRQ,			/* arg0: irq or vector, arg1: enum verify_irq */
	VERIFY_SWITCH_OUT,		/* the thread left the CPU: arg0 next pid, arg1 state */
	VERIFY_KVM_EXIT,		/* arg0: reason, arg1: isa, arg2: guest rip */
	VERIFY_KVM_ENTRY,		/* arg0: guest rip */
	VERIFY_KVM_CPUID,		/* arg0: function, arg1: index */
	VERIFY_KVM_MSR,			/* arg0: write, arg1: msr */
	VERIFY_KVM_HYPERCALL,		/* arg0: nr */
	VERIFY_KVM_PIO,			/* arg0: rw (1 out), arg1: port, arg2: value */
	VERIFY_KVM_USERSPACE_EXIT,	/* arg0: reason, arg1: errno */
	VERIFY_KVM_PAGE_FAULT,		/* arg0: guest address, arg1: error code */
	VERIFY_KINDS
};

enum verify_irq {
	VERIFY_IRQ_DEVICE = 1,		/* irq_handler_entry: arg0 is the irq */
	VERIFY_IRQ_TIMER,		/* the rest: arg0 is the vector */
	VERIFY_IRQ_RESCHEDULE,
	VERIFY_IRQ_CALL_FUNCTION,
	VERIFY_IRQ_CALL_FUNCTION_SINGLE,
	VERIFY_IRQ_WORK,
};

struct verify_event {
	__u64 ts_ns;	/* bpf_ktime_get_ns() */
	__u64 mark;	/* the iteration mark when it fired */
	__u64 seq;	/* per CPU, counting dropped events too: gaps locate losses */
	__u64 arg[3];
	__u32 kind;	/* enum verify_kind */
	__u32 cpu;
	__u32 tid;
	__u32 pad;
};

/*
 * Who is traced, and the iteration mark: the one element of the control
 * map, which xperf-user maps into its memory (BPF_F_MMAPABLE). A map of its
 * own rather than .bss globals: libbpf decides whether a kernel supports
 * global data with a socket-filter probe, which fails on kernels without
 * networking, such as the minimal guest's.
 */
struct verify_control {
	__u32 target_tid;	/* a thread, */
	__u32 target_tgid;	/* or every thread of a process (a VMM's vCPUs) */
	__u64 mark;
};

/* Index of the per-CPU counters map. */
enum verify_counter {
	VERIFY_SEQ,	/* events emitted or dropped on this CPU */
	VERIFY_DROPS,	/* ring buffer full: the event is lost */
	VERIFY_COUNTERS
};

#endif /* XPERF_BPF_VERIFY_H */
