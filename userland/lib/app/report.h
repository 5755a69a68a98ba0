// A run's results with the conditions they were taken under, and the
// three ways to show them: the JSON contract, a table for people, CSV.
#pragma once

#include "app/table.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
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

// The result of crossing and variant in r (a run's, or one read from a
// file of any version); nullptr when r has none.
const Result *find_result(const Report &r, std::string_view crossing, std::string_view variant);

// The one builder of the --json document; result_reader.h reads it back.
nlohmann::json report_to_json(const Report &r, bool include_raw = true);

// The results as a table: one row per result, the statistics in cycles,
// the median's interval, parts and flags; CSV has every statistic, and
// the file's name first when file is given.
Table results_table(const Report &r, const std::string &file = {});
// The run for people: its conditions, the table fitted to width, the
// legend and what was found (render_findings); quiet: the table alone.
std::string render_table(const Report &r, std::size_t width = text_width(),
			 Detail detail = Detail::normal);
// What the table does not say: the crossings skipped; normal: one line per
// kind of noise over the rows that show it, each note in short over the
// rows that carry it (what a row times: verbose only), each warned
// condition; verbose: each in full.
std::string render_findings(const Report &r, Detail detail);
// What a note says before its why: up to the first ": ", "; " or " ("
// past its first words.
std::string short_note(const std::string &note);
// Names each once, in the order they first come, with how many times when
// more than once: "vmexit 6, getppid".
std::string counted_list(const std::vector<std::string> &names);
std::string render_csv(const Report &r);

} // namespace xperf
