// What each crossing's iterations must show the kernel doing: a table, so
// that a crossing's expectation is one entry beside its name.
#pragma once

#include "result.h"
#include "verify/correlate.h"

#include <optional>

namespace xperf::verify {

// Null when nothing is known to expect of this crossing and variant.
std::optional<Expectation> expectation_for(const Result &r);

} // namespace xperf::verify
