// The two legs of a crossing: user->kernel and kernel->user, from the
// user-side region stamps and xperf.ko's records of the same crossings.
#pragma once

#include "core/result.h"
#include "core/run_context.h"
#include "core/sampler.h"

#include <xperf/abi.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace xperf {

// Per matched iteration, in TSC cycles, as stamped:
//   user_kernel  region start -> C handler reached (hardware entry, entry
//                code with swapgs, KPTI's CR3 switch and mitigations)
//   kernel       C handler -> C exit work done
//   kernel_user  C exit done -> region end (exit code, CR3 switch back,
//                sysret/iret)
// and the entry code's own share of each leg where the asm stamps exist.
struct Legs {
	std::vector<double> user_kernel, kernel, kernel_user;
	std::vector<double> entry_code, exit_code;	// entry code incl. KPTI's CR3 switches
	std::vector<double> hardware_entry, hardware_exit; // region edge <-> asm stamp
	std::size_t iterations = 0; // timed regions
	std::size_t matched = 0;    // regions with exactly one matching record
	std::size_t ambiguous = 0;  // regions holding more than one
	std::size_t migrated = 0;   // left on another CPU: TSCs not comparable
};

// Matches records (already filtered to the crossing being measured) to the
// timed regions by their kernel entry stamp: a record belongs to the
// region whose [start, end] holds it. Both inputs in any order.
Legs split_legs(const std::vector<uint64_t> &starts, const std::vector<uint64_t> &ends,
		std::vector<xperf_record> records);

// The round trip's result plus one result per leg, or the round trip
// with a note saying why there are no legs.
std::vector<Result> results_with_legs(Result round_trip, const Legs &legs,
				      const nlohmann::json &module_detail);

// Runs the crossing through measure(), with xperf.ko recording when it is
// loaded on a patched kernel; keep selects the records of this crossing.
template <class Setup, class Body>
std::vector<Result> measure_with_legs(const RunContext &ctx, const std::string &crossing,
				      const std::string &variant, std::size_t batch, Setup setup,
				      Body body,
				      const std::function<bool(const xperf_record &)> &keep);

} // namespace xperf

#include "crossings/legs_impl.h"
