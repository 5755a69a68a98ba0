#include "verify/expectations.h"

#include "vmexit/exit_kinds.h"
#include "xperf/vmexit_protocol.h"

#include <sys/syscall.h>

#include <fmt/format.h>

namespace xperf::verify {

namespace {

Expected syscall_nr(long nr, std::string name)
{
	return { { VERIFY_SYS_ENTER, static_cast<uint64_t>(nr), {}, {} }, 1, std::move(name), false };
}

// A user fault is seen twice: the x86 exception tracepoint and the generic
// handler; each once per iteration.
std::vector<Expected> one_fault()
{
	return { { { VERIFY_PAGE_FAULT_USER, {}, {}, {} }, 1, "page_fault_user", false },
		 { { VERIFY_MM_FAULT, {}, {}, {} }, 1, "handle_mm_fault", false } };
}

Expectation expect(std::string path, std::vector<Expected> events = {}, bool one_page = false)
{
	Expectation x;
	x.path = std::move(path);
	x.events = std::move(events);
	x.one_page = one_page;
	return x;
}

Match phase_mark(uint32_t record, uint32_t mark)
{
	return { VERIFY_KVM_PIO, 1, XPERF_VM_PORT_MARK, record << 8 | mark };
}

constexpr uint64_t kvm_exit_io = 2; // KVM_EXIT_IO

Expectation unverifiable(std::string why)
{
	Expectation x;
	x.unverifiable = std::move(why);
	return x;
}

// --vmm guest: the exit goes to the hypervisor above this kernel, out of
// its sight; what this kernel does on the way is checked: nothing from
// guest user (the instruction exits directly), exactly one ioctl() into
// xperf.ko from user-via-kernel.
Expectation from_inside_guest(const VmExitRun &run)
{
	const std::string unseen = "; the exit itself is the hypervisor's, which this kernel "
				   "cannot see";
	if (run.from == XPERF_FROM_USER)
		return expect("no entry into this guest kernel" + unseen);
	if (run.from == XPERF_FROM_USER_VIA_KERNEL)
		return expect("one ioctl() into xperf.ko" + unseen,
			      { syscall_nr(SYS_ioctl, "ioctl (xperf.ko's vmexit file)") });
	return unverifiable("--vmm guest --from kernel: xperf.ko times these inside the guest "
			    "kernel with interrupts off, with no iteration marks, and the exits go "
			    "to the hypervisor above this kernel; verify them on the host");
}

// The exit's own event, which starts every iteration: the KVM tracepoint
// each exit kind fires once per round trip.
std::optional<Match> anchor_of(const VmExitRun &run)
{
	switch (static_cast<xperf_vmexit_kind>(run.exit)) {
	case XPERF_VMEXIT_CPUID:
		return Match{ VERIFY_KVM_CPUID, 0, {}, {} };
	case XPERF_VMEXIT_RDMSR:
		return Match{ VERIFY_KVM_MSR, 0, run.msr, {} };
	case XPERF_VMEXIT_VMCALL:
		return Match{ VERIFY_KVM_HYPERCALL, XPERF_VMEXIT_HC_NR, {}, {} };
	case XPERF_VMEXIT_PIO:
		return Match{ VERIFY_KVM_PIO, 1, XPERF_VMEXIT_PORT, {} };
	case XPERF_VMEXIT_NONE:
	case XPERF_VMEXIT_KINDS:
		break;
	}
	return std::nullopt;
}

} // namespace

// The built-in VMM runs the vCPU on the measuring thread; QEMU on its vCPU
// thread, which the traced run follows.
Expectation expect_vm_exit(const Result &r)
{
	if (!r.vm_exit)
		return unverifiable("the run that made it did not describe itself (which exit, "
				    "from where, under which VMM)");
	const VmExitRun &run = *r.vm_exit;
	if (run.vmm == VmExitRun::Vmm::guest)
		return from_inside_guest(run);
	std::optional<Match> anchor = anchor_of(run);
	if (!anchor)
		return unverifiable(fmt::format("no event is known to mark exit {}", run.exit));

	Expectation x;
	x.vm = true;
	// The phase marks carry the payload's record index.
	x.begin = phase_mark(run.record, XPERF_MARK_TIMED);
	x.end = phase_mark(run.record, XPERF_MARK_END);
	x.anchor = anchor;
	bool userspace = exit_kind(run.exit).handler == XPERF_HANDLER_VMM;
	x.path = userspace ? "the userspace round trip (KVM_EXIT_IO to the VMM)"
			   : "the fast path (handled in KVM, no userspace exit)";
	x.events = { { *x.anchor, 1, kind_name(x.anchor->kind), false },
		     { { VERIFY_KVM_USERSPACE_EXIT, kvm_exit_io, {}, {} },
		       userspace ? 1u : 0u,
		       "userspace exit",
		       false },
		     { { VERIFY_KVM_EXIT, {}, {}, {} }, 1, "kvm_exit", true } };
	// Re-entering: KVM_RUN again after a userspace exit, and the return from
	// the handler of a signal that made KVM_RUN return (the built-in VMM's
	// SIGALRM that keeps KVM_RUN from blocking for ever, QEMU's SIG_IPI kick).
	x.tolerated = { { VERIFY_KVM_ENTRY, {}, {}, {} },
			{ VERIFY_SYS_ENTER, SYS_ioctl, {}, {} },
			{ VERIFY_SYS_ENTER, SYS_rt_sigreturn, {}, {} } };
	if (run.vmm != VmExitRun::Vmm::qemu)
		return x;
	// QEMU's vCPU runs in QEMU, not on the measuring thread: the run
	// followed it, and the result says which thread that was, or why none.
	x.thread = run.vcpu.value_or(FollowedThread{ 0, "the run did not look for it" });
	if (!x.thread->tid)
		x.problems.push_back("QEMU's vCPU thread was not followed: " + x.thread->found);
	// QEMU handles the debugcon exit on the vCPU thread; what traced runs
	// show of it beside the built-in VMM's round trip (Documentation/verify.rst):
	if (userspace) {
		// -debugcon file: every byte goes to the file at once, through the
		// chardev's QIOChannel, which writes with writev (each iteration).
		x.tolerated.push_back({ VERIFY_SYS_ENTER, SYS_writev, {}, {} });
		// The port's device runs under the BQL, which the vCPU thread takes
		// for the write: a futex wait when QEMU's main loop holds it, or a
		// wake when the main loop waits for it (2 in 320000 iterations here).
		x.tolerated.push_back({ VERIFY_SYS_ENTER, SYS_futex, {}, {} });
	}
	return x;
}


Expectation expect_syscall_500(const Result &)
{
	return expect("syscall 500", { syscall_nr(500, "syscall 500") });
}

Expectation expect_getppid(const Result &)
{
	return expect("getppid (syscall 110)", { syscall_nr(SYS_getppid, "getppid") });
}

Expectation expect_one_user_fault(const Result &)
{
	return expect("one user page fault", one_fault(), true);
}

// Anything the kernel does inside a function call is an interrupt.
Expectation expect_no_kernel_entry(const Result &)
{
	return expect("no kernel entry");
}

// Above the mmap threshold malloc maps a fresh block and writes its chunk
// header there: one mmap and one fault. (free, untimed, unmaps it.)
Expectation expect_malloc(const Result &r)
{
	if (r.variant != "malloc-262144")
		return expect("the heap, no kernel entry");
	auto ev = one_fault();
	ev.insert(ev.begin(), syscall_nr(SYS_mmap, "mmap"));
	return expect("mmap and one page fault", ev);
}

Expectation expect_nothing_known(const Result &r)
{
	return unverifiable(fmt::format("nothing is known to expect of {} {}", r.crossing,
					r.variant));
}

} // namespace xperf::verify
