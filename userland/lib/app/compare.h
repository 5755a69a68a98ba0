// Runs side by side: one column per run, or per group of runs of one thing
// (a kernel booted three times, say), the first column the baseline. Per
// crossing each column's median with the interval its parts give it, and
// each later column against the first: ratio, difference, their 95 %
// intervals, and whether the difference stands out of the noise. The
// control (a crossing no kernel change can move) says whether the machine
// changed between the columns.
#pragma once

#include "app/conditions.h"
#include "app/report.h"
#include "app/table.h"
#include "core/stats.h"

#include <optional>
#include <string>
#include <vector>

namespace xperf {

// One column: one run, or several runs of the same thing.
struct Column {
	std::string label;		// "A", "B", ...
	std::vector<std::string> files; // where the runs came from, for the legend
	std::vector<Report> runs;
};

// One column's figure for a row, in cycles.
struct Cell {
	Estimate figure;	 // over the column's runs (combine_runs)
	double ns_per_cycle = 0; // of the column's first run
	std::size_t runs_with = 0; // runs of the column that hold the row
	std::vector<std::string> kernel_paths; // per run that has one
	std::vector<std::string> noise;	       // noise flags of its runs, each kind once
};

// A later column against the first.
struct Against {
	Difference raw;
	// The same divided by the control's ratio, when the control moved.
	std::optional<Difference> normalised;
	// What the row reports: never the raw difference when the machine
	// changed.
	const Difference &finding() const { return normalised ? *normalised : raw; }
};

struct CompareRow {
	std::string crossing, variant;
	bool control = false;			   // the control row itself
	std::vector<std::optional<Cell>> cells;	   // per column; none: not measured there
	std::vector<std::optional<Against>> against; // per column; [0] and missing cells: none
	std::vector<std::string> notes;
	// A bandwidth entry's bytes moved per iteration (its results' detail,
	// the first run that gives it); none for the other entries.
	std::optional<double> bytes_per_iteration;
};

// The control against the first column, per column.
struct ControlCheck {
	std::string key;      // "control/adds-4000"
	bool present = false; // in every column
	std::vector<std::optional<Difference>> against; // per column, [0] none
	std::vector<bool> moved;			 // per column: changed more than noise
};

// One finding of xperf-user doctor in a column: which of the column's runs
// (numbered from 1, in the order of its files) it was found in. The same
// check may come with different findings in different runs (a count that
// moved between boots): each finding is its own entry.
struct WarnedCondition {
	std::string check;
	std::string found;
	std::vector<std::size_t> runs;

	std::string text() const { return check + ": " + found; }
};

struct Comparison {
	std::vector<std::string> labels;
	std::vector<std::vector<std::string>> files; // per column
	std::vector<std::size_t> runs;		       // per column
	std::vector<CompareRow> rows;
	std::vector<std::string> missing; // "pgfault/anon-write: not in B"
	// Per column against the first ([0] empty), and within a column
	// between its runs.
	std::vector<std::vector<ConditionDiff>> conditions;
	std::vector<std::vector<ConditionDiff>> within;
	ControlCheck control;
	// Per column: what xperf-user doctor warned about when its runs were
	// taken, each finding once, with the runs it was found in.
	std::vector<std::vector<WarnedCondition>> warned;
	std::vector<std::string> notes; // the order of the runs, the control
};

// columns[0] is the baseline. Reports within a column are its runs, in
// any order; their meta.started_utc tells how the columns' runs
// interleaved.
Comparison compare_columns(const std::vector<Column> &columns);
// Two runs, A and B.
Comparison compare_reports(const Report &a, const Report &b);

// The rows: each column's median and interval, each later column against
// the first (ratio, its interval, difference, verdict).
Table comparison_table(const Comparison &c);
// The columns' files, the table fitted to width, and the notes.
std::string render_comparison(const Comparison &c, std::size_t width = text_width(),
			      Detail detail = Detail::normal);
// What the table's rows do not say: the interval, normalised rows, notes and
// noise per row, rows some columns lack, and every condition that differs
// or was warned about.
// normal: a legend line, one line per kind of noise, conditions by name,
// notes in short; verbose: each in full; quiet: nothing.
std::string render_comparison_notes(const Comparison &c, Detail detail = Detail::normal);
// Beside a figure: "~" when noise was flagged in that cell; beside a
// column's label: "!" when that column was taken under warned conditions.
std::string noise_mark(const Cell &cell);
std::string warned_mark(const Comparison &c, std::size_t column);
nlohmann::json comparison_to_json(const Comparison &c);

} // namespace xperf
