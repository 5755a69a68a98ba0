#include "verify/event.h"

#include <fmt/format.h>

#include <stdexcept>

namespace xperf::verify {

namespace {

constexpr uint64_t isa_vmx = 1, isa_svm = 2;

struct ReasonName {
	uint64_t isa, reason;
	const char *name;
};

// The reasons a measurement meets; others print as numbers.
constexpr ReasonName reason_names[] = {
	{ isa_vmx, 0, "EXCEPTION_NMI" },    { isa_vmx, 1, "EXTERNAL_INTERRUPT" },
	{ isa_vmx, 7, "INTERRUPT_WINDOW" }, { isa_vmx, 10, "CPUID" },
	{ isa_vmx, 12, "HLT" },		    { isa_vmx, 18, "VMCALL" },
	{ isa_vmx, 30, "IO_INSTRUCTION" },  { isa_vmx, 31, "MSR_READ" },
	{ isa_vmx, 32, "MSR_WRITE" },	    { isa_vmx, 48, "EPT_VIOLATION" },
	{ isa_vmx, 49, "EPT_MISCONFIG" },   { isa_vmx, 52, "PREEMPTION_TIMER" },
	{ isa_svm, 0x60, "interrupt" },	    { isa_svm, 0x61, "nmi" },
	{ isa_svm, 0x64, "vintr" },	    { isa_svm, 0x72, "cpuid" },
	{ isa_svm, 0x78, "hlt" },	    { isa_svm, 0x7b, "io" },
	{ isa_svm, 0x7c, "msr" },	    { isa_svm, 0x81, "vmmcall" },
	{ isa_svm, 0x400, "npf" },
};

} // namespace

const char *interrupt_name(const Event &e)
{
	switch (e.arg[1]) {
	case VERIFY_IRQ_DEVICE:
		return "device";
	case VERIFY_IRQ_TIMER:
		return "local timer";
	case VERIFY_IRQ_RESCHEDULE:
		return "reschedule IPI";
	case VERIFY_IRQ_CALL_FUNCTION:
		return "call-function IPI";
	case VERIFY_IRQ_CALL_FUNCTION_SINGLE:
		return "call-function-single IPI";
	case VERIFY_IRQ_WORK:
		return "irq_work";
	default:
		return "unknown";
	}
}

const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case VERIFY_SYS_ENTER:
		return "sys_enter";
	case VERIFY_PAGE_FAULT_USER:
		return "page_fault_user";
	case VERIFY_MM_FAULT:
		return "handle_mm_fault";
	case VERIFY_IRQ:
		return "irq";
	case VERIFY_SWITCH_OUT:
		return "sched_switch";
	case VERIFY_KVM_EXIT:
		return "kvm_exit";
	case VERIFY_KVM_ENTRY:
		return "kvm_entry";
	case VERIFY_KVM_CPUID:
		return "kvm_cpuid";
	case VERIFY_KVM_MSR:
		return "kvm_msr";
	case VERIFY_KVM_HYPERCALL:
		return "kvm_hypercall";
	case VERIFY_KVM_PIO:
		return "kvm_pio";
	case VERIFY_KVM_USERSPACE_EXIT:
		return "kvm_userspace_exit";
	case VERIFY_KVM_PAGE_FAULT:
		return "kvm_page_fault";
	default:
		return "unknown";
	}
}

std::string exit_reason_name(uint64_t isa, uint64_t reason)
{
	// SVM intercepts exception N as exit 0x40 + N.
	static const char *const vectors[32] = { "DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM",
						 "DF", "9",  "TS", "NP",  "SS", "GP", "PF", "15",
						 "MF", "AC", "MC", "XM",  "VE", "CP" };
	if (isa == isa_svm && reason >= 0x40 && reason < 0x60)
		return fmt::format("#{} exception", vectors[reason - 0x40] ? vectors[reason - 0x40]
									   : "?");
	for (const auto &r : reason_names)
		if (r.isa == isa && r.reason == (isa == isa_vmx ? reason & 0xffff : reason))
			return r.name;
	return fmt::format("{:#x}", reason);
}

bool exit_is_external_interrupt(uint64_t isa, uint64_t reason)
{
	return (isa == isa_vmx && (reason & 0xffff) == 1) || (isa == isa_svm && reason == 0x60);
}

bool exit_is_page_fault(uint64_t isa, uint64_t reason)
{
	return (isa == isa_vmx && ((reason & 0xffff) == 48 || (reason & 0xffff) == 49)) ||
	       (isa == isa_svm && reason == 0x400);
}

std::string describe(const Event &e)
{
	switch (e.kind) {
	case VERIFY_SYS_ENTER:
		return fmt::format("sys_enter {}", static_cast<int64_t>(e.arg[0]));
	case VERIFY_PAGE_FAULT_USER:
		return fmt::format("page_fault_user {:#x}", e.arg[0]);
	case VERIFY_MM_FAULT:
		return fmt::format("handle_mm_fault {:#x}", e.arg[0]);
	case VERIFY_IRQ:
		return fmt::format("irq {} ({} {})", interrupt_name(e),
				   e.arg[1] == VERIFY_IRQ_DEVICE ? "irq" : "vector", e.arg[0]);
	case VERIFY_SWITCH_OUT:
		return fmt::format("sched_switch to pid {}", e.arg[0]);
	case VERIFY_KVM_EXIT:
		return fmt::format("kvm_exit {}", exit_reason_name(e.arg[1], e.arg[0]));
	case VERIFY_KVM_CPUID:
		return fmt::format("kvm_cpuid {:#x}", e.arg[0]);
	case VERIFY_KVM_MSR:
		return fmt::format("kvm_msr {} {:#x}", e.arg[0] ? "write" : "read", e.arg[1]);
	case VERIFY_KVM_HYPERCALL:
		return fmt::format("kvm_hypercall {:#x}", e.arg[0]);
	case VERIFY_KVM_PIO:
		return fmt::format("kvm_pio {} port {:#x}", e.arg[0] ? "out" : "in", e.arg[1]);
	case VERIFY_KVM_USERSPACE_EXIT:
		return fmt::format("kvm_userspace_exit reason {}", e.arg[0]);
	case VERIFY_KVM_PAGE_FAULT:
		return fmt::format("kvm_page_fault {:#x}", e.arg[0]);
	default:
		return kind_name(e.kind);
	}
}

bool Match::matches(const Event &e) const
{
	return e.kind == kind && (!arg0 || e.arg[0] == *arg0) && (!arg1 || e.arg[1] == *arg1) &&
	       (!arg2 || e.arg[2] == *arg2);
}

nlohmann::json events_to_json(const std::vector<Event> &events)
{
	nlohmann::json out = nlohmann::json::array();
	for (const auto &e : events)
		out.push_back({ e.kind, e.mark, e.seq, e.cpu, e.tid, e.ts_ns, e.arg[0], e.arg[1],
				e.arg[2] });
	return out;
}

std::vector<Event> events_from_json(const nlohmann::json &j)
{
	std::vector<Event> out;
	for (const auto &a : j) {
		if (!a.is_array() || a.size() != 9)
			throw std::runtime_error("event: want [kind, mark, seq, cpu, tid, ts_ns, "
						 "arg0, arg1, arg2]");
		Event e{};
		e.kind = a[0].get<uint32_t>();
		e.mark = a[1].get<uint64_t>();
		e.seq = a[2].get<uint64_t>();
		e.cpu = a[3].get<uint32_t>();
		e.tid = a[4].get<uint32_t>();
		e.ts_ns = a[5].get<uint64_t>();
		for (std::size_t k = 0; k < 3; k++)
			e.arg[k] = a[6 + k].get<uint64_t>();
		out.push_back(e);
	}
	return out;
}

} // namespace xperf::verify
