// A run's results with the conditions they were taken under, and the
// three ways to show them: the JSON contract, a table for people, CSV.
#pragma once

#include "result.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace xperf {

struct Report {
	nlohmann::json meta = nlohmann::json::object(); // conditions, tsc, run options
	std::vector<Result> results;
};

// A file that is not JSON, not xperf's, or lacks a field: what.
struct ReportError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

nlohmann::json report_to_json(const Report &r, bool include_raw = true);
Report report_from_json(const nlohmann::json &j);
// Reads and checks a file written by --json; throws ReportError.
Report load_report(const std::string &path);

std::string render_table(const Report &r);
std::string render_csv(const Report &r);

} // namespace xperf
