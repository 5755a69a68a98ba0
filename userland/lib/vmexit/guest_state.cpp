#include "vmexit/guest_state.h"

#include "core/error.h"
#include "core/text_list.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace xperf {

namespace {

constexpr uint64_t apic_base_extd = 1u << 10, apic_base_en = 1u << 11;
constexpr uint64_t apic_svr_on = 0x1ff; // software-enabled, spurious vector 0xff
constexpr uint64_t rflags_if = 1u << 9, efer_nx = 1u << 11, cr4_osxsave = 1u << 18;

// One XPERF_STATE_* bit: its name, the CPUID feature that offers it, and
// what its registers show when it is set. two_way: they also show when it
// is not (the APIC may be on without the guest turning it on).
struct StateBit {
	uint32_t bit;
	std::string_view name;
	std::string_view cpuid; // empty: every CPU offers it
	bool (*holds)(const xperf_vm_guest_state &);
	bool two_way;
};

constexpr StateBit state_bits[] = {
	{ XPERF_STATE_APIC, "apic", "CPUID.1:EDX.APIC[bit 9]",
	  [](const xperf_vm_guest_state &g) {
		  return (g.apic_base & apic_base_en) && (g.apic_svr & apic_svr_on) == apic_svr_on;
	  },
	  false },
	{ XPERF_STATE_X2APIC, "x2apic", "CPUID.1:ECX.x2APIC[bit 21]",
	  [](const xperf_vm_guest_state &g) { return (g.apic_base & apic_base_extd) != 0; }, true },
	{ XPERF_STATE_STI, "sti", "",
	  [](const xperf_vm_guest_state &g) { return (g.rflags & rflags_if) != 0; }, true },
	{ XPERF_STATE_NX, "nx", "CPUID.80000001h:EDX.NX[bit 20]",
	  [](const xperf_vm_guest_state &g) { return (g.efer & efer_nx) != 0; }, true },
	{ XPERF_STATE_XSAVE, "xsave", "CPUID.1:ECX.XSAVE[bit 26]",
	  [](const xperf_vm_guest_state &g) { return (g.cr4 & cr4_osxsave) && (g.xcr0 & 1); },
	  true },
};

constexpr uint32_t named_bits()
{
	uint32_t all = 0;
	for (const auto &b : state_bits)
		all |= b.bit;
	return all;
}
static_assert(named_bits() == XPERF_STATES, "every XPERF_STATE_* bit has its row");

// What --guest-state names: each a state a run measures in.
struct NamedState {
	std::string_view name;
	uint32_t bits;
};

constexpr NamedState named_states[] = {
	{ "default", 0 },
	{ "apic", XPERF_STATE_APIC },
	{ "x2apic", XPERF_STATE_APIC | XPERF_STATE_X2APIC },
	{ "sti", XPERF_STATE_STI },
	{ "nx", XPERF_STATE_NX },
	{ "xsave", XPERF_STATE_XSAVE },
	// What kvm-unit-tests' x86 startup and x86/vmexit.c's main() leave set
	// before the tests: cstart64.S (reset_apic, mask_pic_interrupts,
	// enable_apic), setup.c (bsp_rest_init: enable_x2apic), vmexit.c
	// (sti, enable_nx). Not XSAVE: cstart64.S leaves CR4 at PAE.
	{ "kvm-unit-tests", XPERF_STATE_APIC | XPERF_STATE_X2APIC | XPERF_STATE_STI |
				    XPERF_STATE_NX },
};

const NamedState *find_named(std::string_view name)
{
	for (const auto &n : named_states)
		if (n.name == name)
			return &n;
	return nullptr;
}

std::string hex(uint64_t v)
{
	return fmt::format("{:#x}", v);
}

std::string registers_text(const xperf_vm_guest_state &g)
{
	return fmt::format("IA32_APIC_BASE {:#x}, SVR {:#x}, CR4 {:#x}, EFER {:#x}, XCR0 {:#x}, "
			   "RFLAGS {:#x}",
			   g.apic_base, g.apic_svr, g.cr4, g.efer, g.xcr0, g.rflags);
}

} // namespace

std::string guest_state_choices()
{
	std::string names;
	for (const auto &n : named_states)
		append_item(names, ", ", n.name);
	return names + ", all, or states joined by + (apic+xsave)";
}

std::vector<std::string> guest_state_values()
{
	std::vector<std::string> out;
	for (const auto &n : named_states)
		out.emplace_back(n.name);
	out.emplace_back("all");
	return out;
}

std::vector<GuestState> guest_states(const std::string &spec)
{
	std::vector<GuestState> out;
	auto add = [&out](std::string name, uint32_t bits) {
		// The same state under two names is measured once.
		if (std::none_of(out.begin(), out.end(),
				 [bits](const GuestState &s) { return s.bits == bits; }))
			out.push_back({ std::move(name), bits });
	};
	for (std::string_view item : comma_items(spec)) {
		if (item == "all") {
			for (const auto &n : named_states)
				add(std::string(n.name), n.bits);
			continue;
		}
		uint32_t bits = 0;
		const auto parts = split_items(item, '+');
		for (std::string_view part : parts) {
			const NamedState *n = find_named(part);
			if (!n || (!n->bits && parts.size() > 1))
				throw bad_input(fmt::format("--guest-state: '{}' is not {}", part,
							    guest_state_choices()));
			bits |= n->bits;
		}
		add(std::string(item), bits);
	}
	return out;
}

std::string guest_state_problem(const std::string &spec)
{
	try {
		guest_states(spec);
		return {};
	} catch (const Error &e) {
		constexpr std::string_view option = "--guest-state: ";
		std::string why = e.what();
		return why.starts_with(option) ? why.substr(option.size()) : why;
	}
}

std::vector<std::string> state_bit_names(uint32_t bits)
{
	std::vector<std::string> names;
	for (const auto &b : state_bits)
		if (bits & b.bit)
			names.emplace_back(b.name);
	return names;
}

std::vector<std::string> read_back_problems(const xperf_vm_guest_state &g)
{
	std::vector<std::string> problems;
	if (g.set & ~g.asked)
		problems.push_back(fmt::format("it set {} unasked",
					       fmt::join(state_bit_names(g.set & ~g.asked), ", ")));
	for (const auto &b : state_bits) {
		const bool set = g.set & b.bit, holds = b.holds(g);
		if (set == holds || (!set && !b.two_way))
			continue;
		problems.push_back(fmt::format("{} {}, but its registers say otherwise ({})", b.name,
					       set ? "set" : "not set", registers_text(g)));
	}
	return problems;
}

std::string missing_state_reason(const xperf_vm_guest_state &g)
{
	std::string why;
	for (const auto &b : state_bits) {
		if (!(g.asked & b.bit) || (g.set & b.bit))
			continue;
		if (!(g.offered & b.bit))
			append_item(why, "; ",
				    fmt::format("{}: the guest's CPU model does not offer it ({} is 0)",
						b.name, b.cpuid));
		else if (b.bit == XPERF_STATE_X2APIC && !(g.set & XPERF_STATE_APIC))
			append_item(why, "; ", fmt::format("{}: needs the xAPIC on first", b.name));
		else
			append_item(why, "; ",
				    fmt::format("{}: set, but its registers did not read back so ({})",
						b.name, registers_text(g)));
	}
	return why;
}

nlohmann::json guest_state_json(const GuestState &s, const xperf_vm_guest_state &g)
{
	const bool apic = g.offered & XPERF_STATE_APIC;
	const bool svr = g.set & XPERF_STATE_APIC, xcr0 = g.cr4 & cr4_osxsave;
	return { { "name", s.name },
		 { "set", state_bit_names(g.set) },
		 { "registers",
		   { { "ia32_apic_base", apic ? nlohmann::json(hex(g.apic_base)) : nullptr },
		     { "apic_svr", svr ? nlohmann::json(hex(g.apic_svr)) : nullptr },
		     { "cr0", hex(g.cr0) },
		     { "cr4", hex(g.cr4) },
		     { "efer", hex(g.efer) },
		     { "xcr0", xcr0 ? nlohmann::json(hex(g.xcr0)) : nullptr },
		     { "rflags", hex(g.rflags) } } },
		 { "registers_are", "as the guest read them back before its first measurement" },
		 { "interrupts_taken", g.interrupts } };
}

} // namespace xperf
