// What a run does with the crossings it was asked for: which can run here,
// and each one's outcome, whatever it throws, as an Error of the right kind.
#pragma once

#include "registry.h"
#include "report.h"
#include "run_context.h"
#include "verify/verify_run.h"

#include <vector>

namespace xperf {

// The selected crossings whose check passes here. One that cannot run here
// is an Error when named, a Skipped entry of rep when it came from "all";
// bad input is an Error either way.
std::vector<const Crossing *> runnable_crossings(const std::vector<Selected> &selected,
						 const RunContext &ctx, Report &rep);

// Runs one crossing (traced when tracer is set). An Error it throws keeps
// its kind, anything else (a stray std::stoi included) is a failure:
// nothing decided that the user could fix it.
verify::Verified measure_crossing(const Crossing &c, const RunContext &ctx, verify::Tracer *tracer);

} // namespace xperf
