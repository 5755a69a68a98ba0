#include "six.h"

#include "guest_protocol.h"
#include "error.h"
#include "stats.h"

#include <cpuid.h>

#include <fmt/format.h>

#include <cstring>

namespace xperf {

bool fast_path(uint32_t exit)
{
	return exit != XPERF_EXIT_PIO;
}

int measurement_number(uint32_t exit, uint32_t from)
{
	int base = from == XPERF_FROM_USER ? 1 : from == XPERF_FROM_USER_VIA_KERNEL ? 3 : 5;
	return base + (fast_path(exit) ? 0 : 1);
}

uint32_t exits_mask(const std::string &spec)
{
	if (spec == "all")
		return 1u << XPERF_EXIT_CPUID | 1u << XPERF_EXIT_RDMSR | 1u << XPERF_EXIT_VMCALL |
		       1u << XPERF_EXIT_PIO;
	for (uint32_t e = XPERF_EXIT_CPUID; e < XPERF_EXIT_KINDS; e++)
		if (spec == exit_name(e))
			return 1u << e;
	throw bad_input("--exit: '" + spec + "' is not cpuid, rdmsr, vmcall, pio or all");
}

uint32_t froms_mask(const std::string &spec)
{
	uint32_t mask = 0;
	std::size_t at = 0;
	for (;;) {
		std::size_t comma = spec.find(',', at);
		std::string one = spec.substr(at, comma == std::string::npos ? comma : comma - at);
		uint32_t bits = 0;
		if (one == "all")
			bits = (1u << XPERF_FROMS) - 1;
		for (uint32_t f = 0; f < XPERF_FROMS; f++)
			if (one == from_name(f))
				bits = 1u << f;
		if (!bits)
			throw bad_input("--from: '" + one +
					"' is not user, user-via-kernel, kernel or all");
		mask |= bits;
		if (comma == std::string::npos)
			return mask;
		at = comma + 1;
	}
}

std::string instruction_name(uint32_t exit, uint32_t hypercall)
{
	switch (exit) {
	case XPERF_EXIT_CPUID:
		return "cpuid (leaf 0)";
	case XPERF_EXIT_RDMSR:
		return fmt::format("rdmsr {:#x}", rdmsr_index);
	case XPERF_EXIT_VMCALL:
		return fmt::format("{} (nr {:#x}, unknown to KVM)",
				   hypercall == XPERF_HC_VMMCALL ? "vmmcall" : "vmcall",
				   XPERF_HC_UNKNOWN_NR);
	default:
		return fmt::format("outb to port {:#x}", XPERF_VM_PORT_DEBUGCON);
	}
}

std::string handled_by(uint32_t exit)
{
	return fast_path(exit) ? "kvm (in the kernel: fast path)" : "the userspace VMM (round trip)";
}

std::string hypervisor_signature()
{
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	if (!(c >> 31 & 1))
		return "";
	__cpuid(0x40000000, a, b, c, d);
	char sig[13] = {};
	std::memcpy(sig, &b, 4);
	std::memcpy(sig + 4, &c, 4);
	std::memcpy(sig + 8, &d, 4);
	return sig;
}

double median_cycles(const std::vector<uint32_t> &samples)
{
	std::vector<double> d(samples.begin(), samples.end());
	return d.empty() ? 0 : describe(d).median;
}

void add_cpuid_level_note(std::vector<Result> &out, std::string_view why)
{
	const Result *user = nullptr, *kernel = nullptr;
	for (const auto &r : out) {
		if (r.variant == "cpuid/user")
			user = &r;
		if (r.variant == "cpuid/kernel")
			kernel = &r;
	}
	if (!user || !kernel || user->detail["returned"] == kernel->detail["returned"])
		return;
	std::string note = fmt::format("cpuid/user returned max leaf {:#x} where the guest kernel "
				       "got {:#x}: {}",
				       user->detail["returned"].get<uint64_t>(),
				       kernel->detail["returned"].get<uint64_t>(), why);
	for (auto &r : out)
		if (r.variant == "cpuid/user")
			r.notes.push_back(note);
}

void add_comparison_notes(std::vector<Result> &out)
{
	for (auto &r : out) {
		const std::string from = r.detail["from"];
		if (r.detail["exit"] != "pio")
			continue;
		for (const auto &f : out) {
			if (f.detail["from"] != from || f.detail["exit"] == "pio")
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
	const std::string sig = hypervisor_signature();
	const bool tcg = sig == tcg_signature;
	for (auto &r : out) {
		if (tcg)
			r.notes.push_back("xperf-user runs under QEMU TCG (emulated CPU): these cycle "
					  "counts are emulation artefacts, not hardware costs");
		r.method["outer_hypervisor"] = tcg ? "tcg" : sig;
	}
}

} // namespace xperf
