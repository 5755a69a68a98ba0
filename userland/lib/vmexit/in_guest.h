// vmexit --vmm guest: the six from inside a Linux guest, with xperf.ko as
// the guest-kernel side (in_guest.cpp).
#pragma once

#include "result.h"
#include "run_context.h"

#include <vector>

namespace xperf {

std::vector<Result> run_vmexit_in_guest(const RunContext &ctx);

} // namespace xperf
