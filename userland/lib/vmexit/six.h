// The six VM-exit round trips of DESIGN.md as every VMM reports them: the
// names of the variants, which row each is, what instruction it is, and the
// notes that compare the rows. Shared by the payload's VMMs (vmexit.cpp)
// and the Linux guest's own run (in_guest.cpp).
#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// Row of the table in DESIGN.md.
int measurement_number(uint32_t exit, uint32_t from);
// Bit per enum xperf_vmexit_kind / XPERF_FROM_*; throw a bad_input Error
// naming the option. --exit is a comma list of names of the exit table
// and all; --from is a comma list of user (guest CPL3 executes the
// instruction: rows 1, 2), user-via-kernel (rows 3, 4), kernel (5, 6), all.
uint32_t exits_mask(const std::string &spec);
uint32_t froms_mask(const std::string &spec);
// The --exit list of a mask's exits, in the exit table's order.
std::string exits_spec(uint32_t mask);
// What --exit takes: the measured kinds' names, then "all".
std::vector<std::string> exit_options();
// "cpuid, rdmsr, vmcall, pio or all"
std::string exit_options_text();
// "cpuid (leaf 0)", "rdmsr 0x10", "vmmcall (nr 0x7870, unknown to KVM)", ...:
// a hypercall is spelled as hypercall (XPERF_HC_*) says.
std::string instruction_name(uint32_t exit, uint32_t hypercall);
// Who answers the exit under KVM: "kvm (in the kernel: fast path)", ...
std::string handled_by(uint32_t exit);
// Why a kind cannot start from from, or "" where it can.
std::string not_from_reason(uint32_t exit, uint32_t from);
// How the guest read the TSC (XPERF_TIMER_*), for method.timer.
std::string timer_name(uint32_t timer);

// The hypervisor signatures of CPUID 0x40000000 (cpu_id.h) that matter here.
constexpr const char *kvm_signature = "KVMKVMKVM";
constexpr const char *tcg_signature = "TCGTCGTCGTCG";

// The host CPU's vendor decides the hypercall instruction KVM handles
// natively: VMMCALL on AMD and Hygon, VMCALL elsewhere.
uint32_t host_hypercall_insn();

// The median of a run's 32-bit cycle samples (0 when there are none).
double median_cycles(const std::vector<uint32_t> &samples);

// Notes every run gets: the fast path against the userspace round trip per
// starting point, and that TCG's cycles are emulation artefacts.
void add_comparison_notes(std::vector<Result> &out);
// Where cpuid/user returned another max leaf than cpuid/kernel, CPUID at
// CPL3 reached another hypervisor: cpuid/user gets a note saying so, then
// why.
void add_cpuid_level_note(std::vector<Result> &out, std::string_view why);
void add_outer_hypervisor(std::vector<Result> &out);

} // namespace xperf
