// How every VMM names a VM-exit round trip in its report: its row of the
// table of six, its instruction, who handles it, why a starting point is
// left out, and the guest's timer.
#pragma once

#include <cstdint>
#include <string>

namespace xperf {

// Row of the table of the six round trips (Documentation/vmexit.rst).
int measurement_number(uint32_t exit, uint32_t from);
// "cpuid (leaf 0)", "rdmsr 0x10", "vmmcall (nr 0x7870, unknown to KVM)", ...:
// a hypercall is spelled as hypercall (XPERF_HC_*) says.
std::string instruction_name(uint32_t exit, uint32_t hypercall);
// Who answers the exit under KVM: "kvm (in the kernel: fast path)", ...
std::string handled_by(uint32_t exit);
// Why a kind cannot start from from, or "" where it can.
std::string not_from_reason(uint32_t exit, uint32_t from);
// How the guest read the TSC (XPERF_TIMER_*), for method.timer.
std::string timer_name(uint32_t timer);

} // namespace xperf
