// What --exit and --from take: the measured kinds of the exit table and the
// starting points, as masks for the VMMs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xperf {

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

} // namespace xperf
