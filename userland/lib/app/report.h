// A run's results with the conditions they were taken under, and the
// three ways to show them: the JSON contract, a table for people, CSV.
#pragma once

#include "app/table.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace xperf {

// A crossing that "all" asked for and this machine cannot run.
struct Skipped {
	std::string crossing;
	std::string reason; // what is missing here
	std::string remedy; // what to do to measure it
	bool operator==(const Skipped &) const = default;
};

struct Report {
	nlohmann::json meta = nlohmann::json::object(); // conditions, tsc, run options
	std::vector<Result> results;
	std::vector<Skipped> skipped;
};

// The one builder of the --json document; result_reader.h reads it back.
nlohmann::json report_to_json(const Report &r, bool include_raw = true);

// The results as a table: one row per result, the statistics in cycles,
// the median's interval, parts and flags; CSV has every statistic.
Table results_table(const Report &r);
// The run for people: its conditions, the table fitted to width, the
// legend and what was found.
std::string render_table(const Report &r, std::size_t width = text_width());
std::string render_csv(const Report &r);

} // namespace xperf
