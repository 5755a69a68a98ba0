// --verify around a crossing: measured twice, untraced for the figures it
// reports and traced for the path it took; each Result gets the path, with
// what tracing did to its timing beside it.
#pragma once

#include "app/registry.h"
#include "verify/tracer.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace xperf::verify {

struct Verified {
	std::vector<Result> results;
	// What --verify=strict fails on: a path not taken, or no way to tell.
	std::vector<std::string> mismatches;
};

Verified run_verified(const Crossing &c, const RunContext &ctx, Tracer &tracer);

// For the report's meta: every event, how it is observed here, and why not
// better.
nlohmann::json tracer_json(const Tracer &tracer);

} // namespace xperf::verify
