#include "vmexit/exit_names.h"

#include "vmexit/exit_kinds.h"

#include <xperf/vmexit_protocol.h>

#include <fmt/format.h>

#include <cctype>
#include <string_view>

namespace xperf {

int measurement_number(uint32_t exit, uint32_t from)
{
	int base = from == XPERF_FROM_USER ? 1 : from == XPERF_FROM_USER_VIA_KERNEL ? 3 : 5;
	return base + (exit_kind(exit).fast_path() ? 0 : 1);
}

std::string instruction_name(uint32_t exit, uint32_t hypercall)
{
	const ExitKind &k = exit_kind(exit);
	constexpr std::string_view intel = "vmcall";
	if (k.hypercall() && hypercall == XPERF_HC_VMMCALL && k.instruction.starts_with(intel))
		return fmt::format("vmmcall{}", k.instruction.substr(intel.size()));
	return std::string(k.instruction);
}

std::string handled_by(uint32_t exit)
{
	switch (exit_kind(exit).handler) {
	case XPERF_HANDLER_KVM:
		return "kvm (in the kernel: fast path)";
	case XPERF_HANDLER_VMM:
		return "the userspace VMM (round trip)";
	default:
		return "nothing (no exit)";
	}
}

std::string not_from_reason(uint32_t exit, uint32_t from)
{
	const ExitKind &k = exit_kind(exit);
	if (k.allowed_from(from))
		return "";
	// The table leaves only CPL3 out, for a privileged instruction.
	std::string upper(k.name);
	for (char &c : upper)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	return fmt::format("{} at CPL3 raises #GP inside the guest before any exit; "
			   "{}/user-via-kernel is the user-started form",
			   upper, k.name);
}

std::string timer_name(uint32_t timer)
{
	switch (timer) {
	case XPERF_TIMER_RDTSCP:
		return "lfence;rdtsc;lfence .. rdtscp;lfence";
	case XPERF_TIMER_LFENCE:
		return "lfence;rdtsc;lfence .. lfence;rdtsc;lfence (no RDTSCP in the guest's CPU "
		       "model)";
	default:
		return fmt::format("unknown ({})", timer);
	}
}

} // namespace xperf
