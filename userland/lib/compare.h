// Two runs side by side: per crossing both medians, their ratio and the
// difference with a confidence interval, and the conditions that differ.
#pragma once

#include "conditions.h"
#include "report.h"
#include "stats.h"

#include <optional>
#include <string>
#include <vector>

namespace xperf {

struct CompareRow {
	std::string crossing, variant;
	double median_a = 0, median_b = 0; // cycles
	double ratio = 0;		   // b / a; NaN when a is 0 (ratio.h)
	double diff = 0;		   // b - a, cycles
	double ns_per_cycle = 0;	   // of b, for the ns column
	std::optional<DiffCI> ci;	   // absent without raw samples on both sides
	std::optional<double> p_value;	   // Mann-Whitney, same condition
	std::vector<std::string> notes;	   // e.g. the two runs took other kernel paths
};

struct Comparison {
	std::vector<CompareRow> rows;
	std::vector<std::string> only_in_a, only_in_b; // "crossing/variant"
	std::vector<ConditionDiff> conditions;
};

Comparison compare_reports(const Report &a, const Report &b);
std::string render_comparison(const Comparison &c, const std::string &name_a,
			      const std::string &name_b);
nlohmann::json comparison_to_json(const Comparison &c);

} // namespace xperf
