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
};

std::span<const Crossing> crossings();
const Crossing *find_crossing(std::string_view name);

// "all", one name, or a comma list; throws std::invalid_argument naming an
// unknown crossing and listing the known ones.
std::vector<const Crossing *> select_crossings(std::string_view spec);

} // namespace xperf
