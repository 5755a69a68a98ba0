// vmexit --vmm guest: the six from inside a Linux guest, with xperf.ko as
// the guest-kernel side (in_guest.cpp).
#pragma once

#include "core/result.h"
#include "core/run_context.h"

#include <vector>

namespace xperf {

std::vector<Result> run_vmexit_in_guest(const RunContext &ctx);
// Throws the Error run_vmexit_in_guest would stop with before measuring:
// bad input (too many samples), unavailable (bare metal, no xperf.ko).
void check_vmexit_in_guest(const RunContext &ctx);

} // namespace xperf
