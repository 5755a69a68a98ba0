// The suites: tables that kernel developers make by hand, each a list of
// registry entries and the layout of its table.
//
//   os       LMBench's OS summary (lat_syscall ... bw_mem), the OEMU
//            paper's Table 5 when its columns are two kernels
//   gates    function call, system call, VM exit fast path, allocation
//            side by side in cycles: the FlexOS gate figure
//   syscall  system call 500 against a function call, average, median,
//            q1 and q3 in cycles and ns: the Unikraft table
//
// A table has one column per run (or per group of runs of one thing), the
// first the baseline, and rests on compare (compare.h): its intervals, its
// control check and its notes on alternation.
#pragma once

#include "app/compare.h"
#include "app/registry.h"
#include "app/table.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

enum class Layout {
	lmbench, // sections of entries, µs or MB/s, overhead against the first column
	gates,	 // entries in cycles, overhead against the first column
	quartiles, // per column: average, median, q1, q3 in cycles and ns
};

// One row of a suite's table: what it shows, in the section it falls in.
struct SuiteRow {
	std::string_view section;
	std::string_view label;	   // LMBench's name of it
	std::string_view crossing; // registry name
	std::string_view variant;  // empty: every variant of the crossing, in order
};

struct Suite {
	std::string_view name;
	std::string_view description;
	Layout layout;
	std::vector<SuiteRow> rows; // the entries to run: the crossings these name
};

std::span<const Suite> suites();
const Suite *find_suite(std::string_view name);
// A comma list of suite names, each once; throws bad_input naming the known
// ones for an unknown name.
std::vector<const Suite *> select_suites(std::string_view spec);
// The registry entries the suites run, each once, in the order of the rows.
std::string crossing_list(const std::vector<const Suite *> &chosen);

// Each column's label: given (--label, or a run's meta.label), else made of
// what differs between the columns' conditions: kernel release, KPTI,
// mitigations, whether syscall 500 was the xperf no-op; "A", "B", ... when
// nothing does.
std::vector<std::string> column_labels(const std::vector<Column> &columns,
				       const std::vector<std::string> &given);

// The suite's table of a comparison of the columns (c = compare_columns of
// them), with the comparison's notes under it (render_comparison_notes at
// detail; quiet: none).
std::string render_suite(const Suite &s, const Comparison &c, const std::vector<Column> &columns,
			 TableForm f, std::size_t width = text_width(),
			 Detail detail = Detail::normal);

} // namespace xperf
