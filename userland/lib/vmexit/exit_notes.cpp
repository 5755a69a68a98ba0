#include "vmexit/exit_notes.h"

#include "core/cpu_id.h"
#include "vmexit/hypervisors.h"

#include <fmt/format.h>

#include <string>

namespace xperf {

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
