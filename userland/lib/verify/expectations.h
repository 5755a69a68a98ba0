// What each crossing's iterations must show the kernel doing: a table, so
// that a crossing's expectation is one entry beside its name.
#pragma once

#include "core/result.h"
#include "verify/correlate.h"

namespace xperf::verify {

// What r's iterations must show, from its crossing, variant and typed
// description; unverifiable says why when nothing can be expected of it.
Expectation expectation_for(const Result &r);

} // namespace xperf::verify
