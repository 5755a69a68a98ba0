// The crossings xperf-user knows. A crossing is one table entry in
// registry.cpp: the CLI, the report and the tests find it there.
#pragma once

#include "result.h"
#include "run_context.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

struct Crossing {
	std::string_view name;
	std::string_view description;
	std::vector<Result> (*run)(const RunContext &ctx);
	// Before anything is measured: throws the Error that run would stop
	// with, bad input (options this crossing cannot take) or unavailable
	// (what it needs is missing here). nullptr: it runs anywhere.
	void (*check)(const RunContext &ctx) = nullptr;
};

std::span<const Crossing> crossings();
const Crossing *find_crossing(std::string_view name);

// A crossing to measure, and whether the user named it (rather than
// getting it from "all"): a named crossing that cannot run here is an
// error, one from "all" is skipped.
struct Selected {
	const Crossing *crossing;
	bool named;
};

// A comma list of names and "all" (the registry's order), each crossing once
// in the order first mentioned; throws a bad_input Error naming an unknown
// crossing and the known ones.
std::vector<Selected> select_crossings(std::string_view spec);

// The entry every run carries so that compare can tell a changed machine
// from a changed kernel.
const Crossing &control_crossing();

} // namespace xperf
