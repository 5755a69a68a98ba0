// SPDX-License-Identifier: GPL-2.0
/*
 * xperf.ko's guest-kernel side of the VM-exit round trips.
 *
 * Loaded in a Linux guest, /sys/kernel/debug/xperf/vmexit takes two
 * ioctl()s (include/xperf/abi.h): XPERF_IOC_VMEXIT_ONE executes one exiting
 * instruction for a user program that times the ioctl() itself (guest user
 * asks the guest kernel, which exits), and XPERF_IOC_VMEXIT_RUN times
 * round trips started by the guest kernel, with the TSC, interrupts off
 * around each one.  Reading it gives the exit table the module was built
 * with, for xperf-user to compare with its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>

#include <xperf/abi.h>
#include <xperf/tsc.h>

#include "xperf.h"

/* Round trips between two looks at the scheduler and at signals. */
#define XPERF_VMEXIT_CHUNK	256

static bool xperf_under_kvm;

static const char xperf_vmexit_table[] =
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW_TEXT
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
	;

static const struct xperf_vmexit_row xperf_vmexit_rows[XPERF_VMEXIT_KINDS] = {
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
};

/* The hypervisor's CPUID signature: "KVMKVMKVM\0\0\0" for KVM. */
static bool xperf_detect_kvm(void)
{
	static const char kvm[12] = "KVMKVMKVM\0\0";
	unsigned int eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(KVM_CPUID_SIGNATURE, &eax, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, kvm, sizeof(sig));
}

/*
 * One exiting instruction.  Each is the bare instruction, so that what is
 * timed is the exit and nothing the kernel's wrappers add.
 */
static __always_inline u64 xperf_exit_once(u32 exit)
{
	u32 a = 0, b, c = 0, d;
	long ret;

	switch ((enum xperf_vmexit_kind)exit) {
	case XPERF_VMEXIT_NONE:
	case XPERF_VMEXIT_KINDS:
		return 0;
	case XPERF_VMEXIT_CPUID:
		asm volatile("cpuid" : "+a" (a), "=b" (b), "+c" (c), "=d" (d));
		return a;
	case XPERF_VMEXIT_RDMSR:
		asm volatile("rdmsr" : "=a" (a), "=d" (d) : "c" (XPERF_VMEXIT_MSR));
		return (u64)d << 32 | a;
	case XPERF_VMEXIT_VMCALL:
		asm volatile(KVM_HYPERCALL : "=a" (ret) : "a" (XPERF_VMEXIT_HC_NR)
			     : "memory");
		return ret;
	case XPERF_VMEXIT_PIO:
		asm volatile("outb %b0, %w1" : : "a" (0), "Nd" (XPERF_VMEXIT_PORT));
		return 0;
	}
	return 0;
}

static int xperf_exit_check(u64 exit)
{
	if (exit >= XPERF_VMEXIT_KINDS)
		return -EINVAL;
	/* Without KVM below, VMCALL and VMMCALL raise #UD. */
	if ((xperf_vmexit_rows[exit].flags & XPERF_VMEXIT_F_HYPERCALL) && !xperf_under_kvm)
		return -EOPNOTSUPP;
	return 0;
}

static __always_inline u64 xperf_tsc_end(bool rdtscp)
{
	return rdtscp ? xperf_tsc_end_rdtscp() : xperf_tsc_end_lfence();
}

/*
 * @n round trips of @exit; the timed ones (@cycles non-NULL) store their
 * cycles.  A timed region of more than 4G cycles stores U32_MAX.
 */
static int xperf_round_trips(u32 exit, u32 n, u32 *cycles,
			     struct xperf_vmexit_run *run)
{
	bool rdtscp = boot_cpu_has(X86_FEATURE_RDTSCP);
	unsigned long flags;
	u64 t0, t1, first = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (i && !(i % XPERF_VMEXIT_CHUNK)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
		local_irq_save(flags);
		t0 = xperf_tsc_begin();
		run->value = xperf_exit_once(exit);
		t1 = xperf_tsc_end(rdtscp);
		local_irq_restore(flags);
		if (!cycles)
			continue;
		if (!i)
			first = t0;
		cycles[i] = min_t(u64, t1 - t0, U32_MAX);
	}
	if (cycles && n)
		run->tsc_span = t1 - first;
	run->timer = rdtscp ? XPERF_TIMER_RDTSCP : XPERF_TIMER_LFENCE;
	return 0;
}

static long xperf_vmexit_run(void __user *arg)
{
	struct xperf_vmexit_run run;
	u32 *cycles;
	int ret;

	if (copy_from_user(&run, arg, sizeof(run)))
		return -EFAULT;
	ret = xperf_exit_check(run.exit);
	if (ret)
		return ret;
	if (!run.samples || run.samples > XPERF_VMEXIT_MAX_SAMPLES ||
	    run.warmup > XPERF_VMEXIT_MAX_SAMPLES)
		return -EINVAL;

	cycles = kvmalloc_array(run.samples, sizeof(*cycles), GFP_KERNEL);
	if (!cycles)
		return -ENOMEM;
	ret = xperf_round_trips(run.exit, run.warmup, NULL, &run);
	if (!ret)
		ret = xperf_round_trips(run.exit, run.samples, cycles, &run);
	if (!ret && copy_to_user(u64_to_user_ptr(run.cycles), cycles,
				 array_size(run.samples, sizeof(*cycles))))
		ret = -EFAULT;
	kvfree(cycles);
	if (!ret && copy_to_user(arg, &run, sizeof(run)))
		ret = -EFAULT;
	return ret;
}

static long xperf_vmexit_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	int ret;

	switch (cmd) {
	case XPERF_IOC_VMEXIT_ONE:
		ret = xperf_exit_check(arg);
		if (!ret)
			xperf_exit_once(arg);
		return ret;
	case XPERF_IOC_VMEXIT_RUN:
		return xperf_vmexit_run((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static ssize_t xperf_vmexit_read(struct file *file, char __user *buf,
				 size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, xperf_vmexit_table,
				       sizeof(xperf_vmexit_table) - 1);
}

static const struct file_operations xperf_vmexit_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = xperf_vmexit_read,
	.llseek = default_llseek,
	.unlocked_ioctl = xperf_vmexit_ioctl,
};

void xperf_vmexit_init(struct dentry *dir)
{
	xperf_under_kvm = xperf_detect_kvm();
	debugfs_create_file(XPERF_DEBUGFS_VMEXIT, 0600, dir, NULL,
			    &xperf_vmexit_fops);
}
