#include "vmexit/six.h"

#include "core/cpu_id.h"
#include "core/error.h"
#include "core/stats.h"
#include "vmexit/exit_kinds.h"
#include "vmexit/guest_protocol.h"


#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cstring>
#include <optional>

namespace xperf {

int measurement_number(uint32_t exit, uint32_t from)
{
	int base = from == XPERF_FROM_USER ? 1 : from == XPERF_FROM_USER_VIA_KERNEL ? 3 : 5;
	return base + (exit_kind(exit).fast_path() ? 0 : 1);
}

std::vector<std::string> exit_options()
{
	std::vector<std::string> out;
	for (const ExitKind &k : measured_exit_kinds())
		out.emplace_back(k.name);
	out.emplace_back("all");
	return out;
}

std::string exit_options_text()
{
	std::vector<std::string> names = exit_options();
	std::string last = names.back();
	names.pop_back();
	return fmt::format("{} or {}", fmt::join(names, ", "), last);
}

uint32_t exits_mask(const std::string &spec)
{
	uint32_t all = 0;
	for (const ExitKind &k : measured_exit_kinds())
		all |= 1u << k.id;
	uint32_t mask = 0;
	std::size_t at = 0;
	for (;;) {
		std::size_t comma = spec.find(',', at);
		std::string one = spec.substr(at, comma == std::string::npos ? comma : comma - at);
		if (const ExitKind *k = measured_exit_kind(one))
			mask |= 1u << k->id;
		else if (one == "all")
			mask |= all;
		else
			throw bad_input("--exit: '" + one + "' is not " + exit_options_text());
		if (comma == std::string::npos)
			return mask;
		at = comma + 1;
	}
}

std::string exits_spec(uint32_t mask)
{
	std::string spec;
	for (const ExitKind &k : measured_exit_kinds())
		if (mask >> k.id & 1)
			spec += (spec.empty() ? "" : ",") + std::string(k.name);
	return spec;
}

uint32_t froms_mask(const std::string &spec)
{
	uint32_t mask = 0;
	std::size_t at = 0;
	for (;;) {
		std::size_t comma = spec.find(',', at);
		std::string one = spec.substr(at, comma == std::string::npos ? comma : comma - at);
		std::optional<uint32_t> from = from_by_name(one);
		if (one == "all")
			mask |= (1u << XPERF_FROMS) - 1;
		else if (from)
			mask |= 1u << *from;
		else
			throw bad_input("--from: '" + one +
					"' is not user, user-via-kernel, kernel or all");
		if (comma == std::string::npos)
			return mask;
		at = comma + 1;
	}
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

uint32_t host_hypercall_insn()
{
	const std::string v = cpu_vendor();
	return v == "AuthenticAMD" || v == "HygonGenuine" ? XPERF_HC_VMMCALL : XPERF_HC_VMCALL;
}

double median_cycles(const std::vector<uint32_t> &samples)
{
	std::vector<double> d(samples.begin(), samples.end());
	return d.empty() ? 0 : describe(d).median;
}

void add_cpuid_level_note(std::vector<Result> &out, std::string_view why)
{
	auto cpuid_from = [](const Result &r, std::string_view from) {
		return r.detail.value("exit", "") == "cpuid" && r.detail.value("from", "") == from;
	};
	Result *user = nullptr;
	const Result *kernel = nullptr;
	for (auto &r : out) {
		if (cpuid_from(r, "user"))
			user = &r;
		if (cpuid_from(r, "kernel"))
			kernel = &r;
	}
	if (!user || !kernel || user->detail["returned"] == kernel->detail["returned"])
		return;
	user->notes.push_back(fmt::format("{} returned max leaf {:#x} where the guest kernel got "
					  "{:#x}: {}",
					  user->variant, user->detail["returned"].get<uint64_t>(),
					  kernel->detail["returned"].get<uint64_t>(), why));
}

void add_comparison_notes(std::vector<Result> &out)
{
	// Only KVM has a fast path and a userspace round trip to set apart.
	auto kvm = [](const Result &r) { return r.method.value("accelerator", "") == "kvm"; };
	// From the same place, in the same guest state.
	auto alike = [](const Result &a, const Result &b) {
		static const nlohmann::json::json_pointer state("/guest_state/name");
		return a.detail.value("from", "") == b.detail.value("from", "") &&
		       a.detail.value(state, "") == b.detail.value(state, "");
	};
	for (auto &r : out) {
		if (r.detail.value("exit", "") != "pio" || !kvm(r))
			continue;
		for (const auto &f : out) {
			if (!alike(r, f) || f.detail.value("exit", "") == "pio" || !kvm(f))
				continue;
			double fast = f.stats.median, slow = r.stats.median;
			r.notes.push_back(fmt::format(
				"{} median {:.0f} cycles vs {} {:.0f}: the fast path is {}", f.variant,
				fast, r.variant, slow,
				fast < slow ? fmt::format("{:.1f}x cheaper than the userspace round "
							  "trip",
							  slow / fast)
					    : "NOT cheaper than the userspace round trip here"));
		}
	}
}

void add_outer_hypervisor(std::vector<Result> &out)
{
	// In the guest harness xperf-user runs under QEMU's TCG.
	const std::string sig = hypervisor_signature().value_or("");
	const bool tcg = sig == tcg_signature;
	for (auto &r : out) {
		if (tcg)
			r.notes.push_back("xperf-user runs under QEMU TCG (emulated CPU): these cycle "
					  "counts are emulation artefacts, not hardware costs");
		r.method["outer_hypervisor"] = tcg ? "tcg" : sig;
	}
}

} // namespace xperf
