// The notes a VM-exit run's rows get once all are measured, whichever VMM
// ran them (vmexit.cpp, in_guest.cpp).
#pragma once

#include "core/result.h"

#include <string_view>
#include <vector>

namespace xperf {

// Notes every run gets: the fast path against the userspace round trip per
// starting point, and that TCG's cycles are emulation artefacts.
void add_comparison_notes(std::vector<Result> &out);
// Where cpuid/user returned another max leaf than cpuid/kernel, CPUID at
// CPL3 reached another hypervisor: cpuid/user gets a note saying so, then
// why.
void add_cpuid_level_note(std::vector<Result> &out, std::string_view why);
void add_outer_hypervisor(std::vector<Result> &out);

} // namespace xperf
