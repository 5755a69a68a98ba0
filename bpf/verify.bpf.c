// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --verify: record what the kernel does for the measured thread while
 * xperf-user measures a crossing, so that the user side can tell which path
 * every iteration took.
 *
 * Every event exists as twin programs, one per attach type; xperf-user
 * probes what the kernel allows, autoloads the best twin of each event
 * (tp_btf before the classic tracepoint, fentry before kprobe) and reports
 * which. The classic tracepoint contexts are the kernel's trace_event_raw_*
 * structs, read through CO-RE, so that their layout is this kernel's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "verify.h"

/* A struct declared here by the fields read, relocated to this kernel's. */
#define XP_CORE __attribute__((preserve_access_index))

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* user side may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct verify_control);
} control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VERIFY_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline int traced(const struct verify_control *c)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = (__u32)(id >> 32);

	return (c->target_tid && tid == c->target_tid) ||
	       (c->target_tgid && tgid == c->target_tgid);
}

static __always_inline void emit(__u32 kind, __u64 a0, __u64 a1, __u64 a2)
{
	__u32 zero = 0, seq_key = VERIFY_SEQ, drop_key = VERIFY_DROPS;
	const struct verify_control *c;
	struct verify_event *e;
	__u64 *seq, *drops, n;

	c = bpf_map_lookup_elem(&control, &zero);
	if (!c || !traced(c))
		return;
	seq = bpf_map_lookup_elem(&counters, &seq_key);
	drops = bpf_map_lookup_elem(&counters, &drop_key);
	if (!seq || !drops)
		return;
	/* Atomic: an interrupt's program may nest inside this one. */
	n = __sync_fetch_and_add(seq, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(drops, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->mark = *(volatile const __u64 *)&c->mark;
	e->seq = n;
	e->arg[0] = a0;
	e->arg[1] = a1;
	e->arg[2] = a2;
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->pad = 0;
	/*
	 * No wakeup: it would be an irq_work interrupt on the measured CPU for
	 * every event. xperf-user drains the ring on a timer instead.
	 */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* ---- system calls -------------------------------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	emit(VERIFY_SYS_ENTER, (__u64)id, 0, 0);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	emit(VERIFY_SYS_ENTER, (__u64)BPF_CORE_READ(ctx, id), 0, 0);
	return 0;
}

/* ---- page faults --------------------------------------------------------- */

/*
 * The x86 exception events' class was x86_exceptions (6.12) and is
 * exceptions since: both flavours are declared by the fields read, and
 * CO-RE keeps the one this kernel has (xperf-user loads the program only
 * where one exists).
 */
struct trace_event_raw_x86_exceptions___xp {
	unsigned long address;
	unsigned long error_code;
} XP_CORE;

struct trace_event_raw_exceptions___xp {
	unsigned long address;
	unsigned long error_code;
} XP_CORE;

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user_btf, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	emit(VERIFY_PAGE_FAULT_USER, address, error_code, 0);
	return 0;
}

SEC("tracepoint/exceptions/page_fault_user")
int page_fault_user_tp(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_exceptions___xp)) {
		struct trace_event_raw_exceptions___xp *e = ctx;

		emit(VERIFY_PAGE_FAULT_USER, BPF_CORE_READ(e, address),
		     BPF_CORE_READ(e, error_code), 0);
	} else {
		struct trace_event_raw_x86_exceptions___xp *e = ctx;

		emit(VERIFY_PAGE_FAULT_USER, BPF_CORE_READ(e, address),
		     BPF_CORE_READ(e, error_code), 0);
	}
	return 0;
}

/* The generic fault handler: seen on every architecture and config. */
SEC("fentry/handle_mm_fault")
int BPF_PROG(mm_fault_fentry, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags)
{
	emit(VERIFY_MM_FAULT, address, flags, 0);
	return 0;
}

SEC("kprobe/handle_mm_fault")
int BPF_KPROBE(mm_fault_kprobe, struct vm_area_struct *vma, unsigned long address,
	       unsigned int flags)
{
	emit(VERIFY_MM_FAULT, address, flags, 0);
	return 0;
}

/* ---- interrupts and preemption ------------------------------------------- */

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(irq_handler_btf, int irq)
{
	emit(VERIFY_IRQ, (__u64)irq, VERIFY_IRQ_DEVICE, 0);
	return 0;
}

SEC("tracepoint/irq/irq_handler_entry")
int irq_handler_tp(struct trace_event_raw_irq_handler_entry *ctx)
{
	emit(VERIFY_IRQ, (__u64)BPF_CORE_READ(ctx, irq), VERIFY_IRQ_DEVICE, 0);
	return 0;
}

/* The system vectors, each its own tracepoint with the same shape. */
#define XP_VECTOR(name, what)							\
	SEC("tp_btf/" #name "_entry")						\
	int BPF_PROG(name##_btf, int vector)					\
	{									\
		emit(VERIFY_IRQ, (__u64)vector, what, 0);			\
		return 0;							\
	}									\
	SEC("tracepoint/irq_vectors/" #name "_entry")				\
	int name##_tp(struct trace_event_raw_x86_irq_vector *ctx)		\
	{									\
		emit(VERIFY_IRQ, (__u64)BPF_CORE_READ(ctx, vector), what, 0);	\
		return 0;							\
	}

XP_VECTOR(local_timer, VERIFY_IRQ_TIMER)
XP_VECTOR(reschedule, VERIFY_IRQ_RESCHEDULE)
XP_VECTOR(call_function, VERIFY_IRQ_CALL_FUNCTION)
XP_VECTOR(call_function_single, VERIFY_IRQ_CALL_FUNCTION_SINGLE)
XP_VECTOR(irq_work, VERIFY_IRQ_WORK)

/* Only the switch away is emitted: traced() sees the thread leaving. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	emit(VERIFY_SWITCH_OUT, (__u64)BPF_CORE_READ(next, pid), prev_state, preempt);
	return 0;
}

SEC("tracepoint/sched/sched_switch")
int sched_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	emit(VERIFY_SWITCH_OUT, (__u64)BPF_CORE_READ(ctx, next_pid),
	     (__u64)BPF_CORE_READ(ctx, prev_state), 0);
	return 0;
}

/* ---- KVM ----------------------------------------------------------------- */

/*
 * KVM may be a module, whose raw-event structs are not in vmlinux.h: they
 * are declared here by the fields read, and CO-RE finds them in the BTF of
 * whichever of vmlinux and kvm defines them.
 */
struct trace_event_raw_kvm_exit___xp {
	unsigned int exit_reason;
	unsigned long guest_rip;
	__u32 isa;
} XP_CORE;

/*
 * kvm_exit has only the classic form: its reason is computed by the vendor
 * module when the event is recorded, and the tp_btf arguments (vcpu, isa)
 * would need vendor-specific structure walking to find it.
 */
SEC("tracepoint/kvm/kvm_exit")
int kvm_exit_tp(struct trace_event_raw_kvm_exit___xp *ctx)
{
	/* Which vendor's exit reasons (VMX or SVM), where the event says. */
	__u64 isa = bpf_core_field_exists(ctx->isa) ? BPF_CORE_READ(ctx, isa) : 0;

	emit(VERIFY_KVM_EXIT, BPF_CORE_READ(ctx, exit_reason), isa,
	     BPF_CORE_READ(ctx, guest_rip));
	return 0;
}

struct trace_event_raw_kvm_entry___xp {
	unsigned long rip;
} XP_CORE;

SEC("tp_btf/kvm_entry")
int BPF_PROG(kvm_entry_btf, struct kvm_vcpu *vcpu)
{
	emit(VERIFY_KVM_ENTRY, 0, 0, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_entry")
int kvm_entry_tp(struct trace_event_raw_kvm_entry___xp *ctx)
{
	emit(VERIFY_KVM_ENTRY, BPF_CORE_READ(ctx, rip), 0, 0);
	return 0;
}

/*
 * The events of two scalar fields, which are their tracepoint arguments
 * too: arg0 and arg1.
 */
#define XP_KVM_PAIR(name, kind, type0, field0, type1, field1)			\
	struct trace_event_raw_##name##___xp {					\
		type0 field0;							\
		type1 field1;							\
	} XP_CORE;								\
	SEC("tp_btf/" #name)							\
	int BPF_PROG(name##_btf, type0 field0, type1 field1)			\
	{									\
		emit(kind, (__u64)field0, (__u64)field1, 0);			\
		return 0;							\
	}									\
	SEC("tracepoint/kvm/" #name)						\
	int name##_tp(struct trace_event_raw_##name##___xp *ctx)		\
	{									\
		emit(kind, (__u64)BPF_CORE_READ(ctx, field0),			\
		     (__u64)BPF_CORE_READ(ctx, field1), 0);			\
		return 0;							\
	}

XP_KVM_PAIR(kvm_cpuid, VERIFY_KVM_CPUID, unsigned int, function, unsigned int, index)
XP_KVM_PAIR(kvm_msr, VERIFY_KVM_MSR, unsigned int, write, __u32, ecx)
XP_KVM_PAIR(kvm_userspace_exit, VERIFY_KVM_USERSPACE_EXIT, __u32, reason, int, errno)

struct trace_event_raw_kvm_hypercall___xp {
	unsigned long nr;
} XP_CORE;

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(kvm_hypercall_btf, unsigned long nr)
{
	emit(VERIFY_KVM_HYPERCALL, nr, 0, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_hypercall")
int kvm_hypercall_tp(struct trace_event_raw_kvm_hypercall___xp *ctx)
{
	emit(VERIFY_KVM_HYPERCALL, BPF_CORE_READ(ctx, nr), 0, 0);
	return 0;
}

struct trace_event_raw_kvm_pio___xp {
	unsigned int rw;
	unsigned int port;
	unsigned int val;
} XP_CORE;

/*
 * The value matters: the payload's phase marks are OUTLs to one port. A
 * kernel that cannot type the void *data argument refuses this twin (6.12
 * does); the probe finds out and the classic one is used.
 */
SEC("tp_btf/kvm_pio")
int BPF_PROG(kvm_pio_btf, unsigned int rw, unsigned int port, unsigned int size,
	     unsigned int count, const void *data)
{
	__u32 val = 0;

	/* data is KVM's pio page: four bytes are always there to read. */
	if (data)
		bpf_probe_read_kernel(&val, sizeof(val), data);
	if (size < sizeof(val))
		val &= (1u << (size * 8)) - 1;
	emit(VERIFY_KVM_PIO, rw, port, val);
	return 0;
}

SEC("tracepoint/kvm/kvm_pio")
int kvm_pio_tp(struct trace_event_raw_kvm_pio___xp *ctx)
{
	/* 0 where the kernel does not record the value. */
	__u64 val = bpf_core_field_exists(ctx->val) ? BPF_CORE_READ(ctx, val) : 0;

	emit(VERIFY_KVM_PIO, BPF_CORE_READ(ctx, rw), BPF_CORE_READ(ctx, port), val);
	return 0;
}

struct trace_event_raw_kvm_page_fault___xp {
	__u64 fault_address;
	__u64 error_code;
} XP_CORE;

SEC("tp_btf/kvm_page_fault")
int BPF_PROG(kvm_page_fault_btf, struct kvm_vcpu *vcpu, __u64 fault_address, __u64 error_code)
{
	emit(VERIFY_KVM_PAGE_FAULT, fault_address, error_code, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_page_fault")
int kvm_page_fault_tp(struct trace_event_raw_kvm_page_fault___xp *ctx)
{
	emit(VERIFY_KVM_PAGE_FAULT, BPF_CORE_READ(ctx, fault_address),
	     BPF_CORE_READ(ctx, error_code), 0);
	return 0;
}
