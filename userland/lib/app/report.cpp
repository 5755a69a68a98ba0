#include "app/report.h"

#include "core/text_list.h"
#include "core/version.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <map>
#include <set>
#include <sstream>

namespace xperf {

const Result *find_result(const Report &r, std::string_view crossing, std::string_view variant)
{
	for (const auto &res : r.results)
		if (res.crossing == crossing && res.variant == variant)
			return &res;
	return nullptr;
}

nlohmann::json report_to_json(const Report &r, bool include_raw)
{
	nlohmann::json results = nlohmann::json::array();
	for (const auto &res : r.results)
		results.push_back(to_json(res, include_raw));
	nlohmann::json skipped = nlohmann::json::array();
	for (const auto &s : r.skipped)
		skipped.push_back(
			{ { "crossing", s.crossing }, { "reason", s.reason }, { "remedy", s.remedy } });
	return { { "tool", "xperf" },
		 { "version", std::string(version()) },
		 { "meta", r.meta },
		 { "results", results },
		 { "skipped", skipped } };
}

namespace {

std::string meta_str(const nlohmann::json &meta, const char *pointer)
{
	auto ptr = nlohmann::json::json_pointer(pointer);
	if (!meta.contains(ptr) || meta[ptr].is_null())
		return "?";
	const auto &v = meta[ptr];
	return v.is_string() ? v.get<std::string>() : v.dump();
}

// The noise flags as words ("bimodal drift preemption") and as people read
// them, with the drift's size ("drift(7%)").
TableValue flags_of(const Result &r)
{
	std::string words, shown;
	auto add = [&](const std::string &word, const std::string &display) {
		append_item(words, " ", word);
		append_item(shown, " ", display);
	};
	if (r.bimodal)
		add("bimodal", "bimodal");
	if (r.drift.drifting)
		add("drift", fmt::format("drift({:.0f}%)", r.drift.spread * 100));
	for (const auto &n : r.noise)
		if (n.kind != "bimodal" && n.kind != "drift")
			add(n.kind, n.kind);
	return shown.empty() ? TableValue::none() : TableValue{ shown, words };
}

// Half the median's interval in percent of it, when its parts give one.
TableValue interval_of(const Result &r)
{
	Estimate e = r.figure();
	if (e.df <= 0 || r.stats.median == 0)
		return TableValue::none();
	Interval ci = e.ci95();
	return TableValue::number((ci.hi - ci.lo) / 2 / std::fabs(r.stats.median) * 100, 1, "%");
}

TableValue interval_end(const Result &r, double Interval::*end)
{
	Estimate e = r.figure();
	return e.df > 0 ? TableValue::number(e.ci95().*end, 1) : TableValue::none();
}

} // namespace

Table results_table(const Report &r, const std::string &file)
{
	auto cycles = [](const char *head, int priority, Shown shown = Shown::all) {
		return TableColumn{ head, Align::right, priority, shown,
				    std::string(head) + "_cycles" };
	};
	std::vector<TableColumn> cols;
	if (!file.empty())
		cols.push_back({ "file", Align::left, 0, Shown::csv });
	cols.insert(cols.end(), {
		{ "crossing", Align::left },
		{ "variant", Align::left },
		{ "unit_tsc_hz", Align::right, 0, Shown::csv },
		{ "n", Align::right, 3, Shown::all, "samples" },
		{ "batch", Align::right, 0, Shown::csv },
		cycles("min", 4),
		cycles("mean", 0, Shown::csv),
		cycles("stddev", 0, Shown::csv),
		cycles("q1", 5),
		cycles("median", 0),
		{ "±95%", Align::right, 1, Shown::all, "median_ci95_half_percent" },
		{ "ci95_lo", Align::right, 0, Shown::csv, "median_ci95_lo_cycles" },
		{ "ci95_hi", Align::right, 0, Shown::csv, "median_ci95_hi_cycles" },
		{ "parts", Align::right, 2 },
		cycles("q3", 5),
		cycles("p1", 0, Shown::csv),
		cycles("p5", 0, Shown::csv),
		cycles("p95", 0, Shown::csv),
		cycles("p99", 4),
		cycles("max", 0, Shown::csv),
		{ "median_ns", Align::right, 1 },
		{ "overhead", Align::right, 6, Shown::all, "overhead_cycles" },
		{ "flags", Align::left, 2 },
	});
	Table t(std::move(cols));
	for (const auto &res : r.results) {
		const Stats &s = res.stats;
		auto c = [](double v) { return TableValue::number(v, 1); };
		std::vector<TableValue> cells;
		if (!file.empty())
			cells.push_back(TableValue::text(file));
		cells.insert(cells.end(), { TableValue::text(res.crossing), TableValue::text(res.variant),
			    TableValue::number(res.tsc_hz, 0), TableValue::number(double(s.n), 0),
			    TableValue::number(res.method.value("batch", 1.0), 0), c(s.min), c(s.mean),
			    c(s.stddev), c(s.q1), c(s.median), interval_of(res),
			    interval_end(res, &Interval::lo), interval_end(res, &Interval::hi),
			    TableValue::number(double(res.figure().parts), 0), c(s.q3), c(s.p1),
			    c(s.p5), c(s.p95), c(s.p99), c(s.max),
			    TableValue::number(res.stats_ns.median, 0),
			    TableValue::number(res.method.value("overhead_cycles", 0.0), 0),
			    flags_of(res) });
		t.add_row(std::move(cells));
	}
	return t;
}

namespace {

// The run's conditions in one line (normal), or two (verbose).
void header(std::ostringstream &o, const Report &r, Detail detail)
{
	const auto &m = r.meta;
	std::string tsc = m.contains("tsc") ? fmt::format("{:.1f}", m["tsc"].value("hz", 0.0) / 1e6)
					    : "?";
	if (detail == Detail::verbose) {
		o << fmt::format("xperf {}  cpu {} ({})  kernel {}\n", version(),
				 meta_str(m, "/run/cpu"),
				 meta_str(m, "/conditions/cpu/model_name"),
				 meta_str(m, "/conditions/kernel/release"));
		o << fmt::format("TSC {} MHz ({})  KPTI {}  SMT {}  governor {}\n", tsc,
				 meta_str(m, "/tsc/source"),
				 meta_str(m, "/conditions/kpti/enabled"),
				 meta_str(m, "/conditions/smt/active"),
				 meta_str(m, "/conditions/cpufreq/governor"));
	} else {
		o << fmt::format("xperf {}  CPU {}  kernel {}  TSC {} MHz  KPTI {}\n", version(),
				 meta_str(m, "/run/cpu"),
				 meta_str(m, "/conditions/kernel/release"), tsc,
				 meta_str(m, "/conditions/kpti/enabled"));
	}
	if (auto w = m.find("warnings"); w != m.end() && w->is_array())
		for (const auto &text : *w)
			if (text.is_string())
				o << "warning: " << text.get<std::string>() << "\n";
	o << "\n";
}

// Every note and noise flag of every row, each in full (-v).
void all_findings(std::ostringstream &o, const Report &r)
{
	for (const auto &res : r.results)
		for (const auto &n : res.noise)
			o << fmt::format("noise: {}/{}: {}: {}; likely {}; {}\n", res.crossing,
					 res.variant, n.kind, n.evidence, n.cause, n.advice);
	if (auto w = r.meta.find("warned"); w != r.meta.end() && w->is_array() && !w->empty()) {
		o << "taken under warned conditions (xperf-user doctor):\n";
		for (const auto &f : *w)
			o << fmt::format("  {}: {}{}\n", f.value("check", "?"), f.value("found", "?"),
					 f.value("fix", "").empty() ? "" : "; " + f.value("fix", ""));
	}
	// A note several results of a crossing share (a run's conditions, say)
	// is said once, where it first appears; the JSON keeps it on each.
	std::map<std::pair<std::string, std::string>, std::size_t> shared;
	for (const auto &res : r.results)
		for (const auto &n : std::set<std::string>(res.notes.begin(), res.notes.end()))
			shared[{ res.crossing, n }]++;
	std::set<std::pair<std::string, std::string>> said;
	for (const auto &res : r.results)
		for (const auto &n : res.notes) {
			std::size_t count = shared[{ res.crossing, n }];
			if (count < 2)
				o << fmt::format("note: {}/{}: {}\n", res.crossing, res.variant, n);
			else if (said.insert({ res.crossing, n }).second)
				o << fmt::format("note: {} ({} results): {}\n", res.crossing, count, n);
		}
}

// The same note of other figures ("the TSC ran at 2051.0 MHz" and "at
// 2037.7 MHz") is one kind of finding: its words without the numbers.
std::string without_numbers(const std::string &text)
{
	std::string out;
	for (char ch : text)
		if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.'))
			out += ch;
	return out;
}

// Rows by name when there are a few, else by crossing with their counts.
std::string rows_named(const std::vector<const Result *> &rows)
{
	std::string out;
	if (rows.size() <= 3) {
		for (const Result *r : rows)
			append_item(out, ", ", r->crossing + "/" + r->variant);
		return out;
	}
	std::vector<std::string> crossings;
	for (const Result *r : rows)
		crossings.push_back(r->crossing);
	return counted_list(crossings);
}

// At most one line per kind of finding: the noise of each kind over the
// rows that show it, each note (in short) over the rows that carry it.
// "timed: ..." notes say what a row times: -v.
void grouped_findings(std::ostringstream &o, const Report &r)
{
	std::vector<std::pair<std::string, std::vector<const Result *>>> kinds;
	std::vector<const NoiseFlag *> first;
	for (const auto &res : r.results)
		for (const auto &n : res.noise) {
			auto it = std::find_if(kinds.begin(), kinds.end(),
					       [&](const auto &k) { return k.first == n.kind; });
			if (it == kinds.end()) {
				kinds.push_back({ n.kind, {} });
				first.push_back(&n);
				it = kinds.end() - 1;
			}
			if (it->second.empty() || it->second.back() != &res)
				it->second.push_back(&res);
		}
	for (std::size_t i = 0; i < kinds.size(); i++)
		o << fmt::format("noise: {} in {} of {} rows ({}): likely {}; {} (-v for each)\n",
				 kinds[i].first, kinds[i].second.size(), r.results.size(),
				 rows_named(kinds[i].second), first[i]->cause, first[i]->advice);
	struct Said {
		std::string key, text;
		std::vector<const Result *> rows;
		bool differs = false;
	};
	std::vector<Said> notes;
	for (const auto &res : r.results)
		for (const auto &n : res.notes) {
			if (n.rfind("timed: ", 0) == 0)
				continue;
			std::string text = short_note(n);
			std::string key = without_numbers(text);
			auto it = std::find_if(notes.begin(), notes.end(),
					       [&](const Said &s) { return s.key == key; });
			if (it == notes.end())
				it = notes.insert(notes.end(), { key, text, {}, false });
			it->differs |= it->text != text;
			if (it->rows.empty() || it->rows.back() != &res)
				it->rows.push_back(&res);
		}
	for (const Said &s : notes)
		o << fmt::format("note: {}: {}{}\n", rows_named(s.rows), s.text,
				 s.differs ? " (the first; -v for each)" : "");
	if (auto w = r.meta.find("warned"); w != r.meta.end() && w->is_array())
		for (const auto &f : *w)
			o << fmt::format("warned: {}: {} (xperf-user doctor says what to do)\n",
					 f.value("check", "?"), f.value("found", "?"));
}

} // namespace

std::string short_note(const std::string &note)
{
	// "path: 2000 of 2000 iterations took ..." says nothing in its first
	// word: a clause ends past its first 20 characters.
	constexpr std::size_t least = 20;
	std::size_t end = std::string::npos;
	for (const char *delimiter : { ": ", "; ", " (" })
		end = std::min(end, note.find(delimiter, least));
	return end == std::string::npos ? note : note.substr(0, end);
}

std::string counted_list(const std::vector<std::string> &names)
{
	std::vector<std::pair<std::string, std::size_t>> counts;
	for (const auto &n : names) {
		auto it = std::find_if(counts.begin(), counts.end(),
				       [&](const auto &c) { return c.first == n; });
		if (it == counts.end())
			counts.emplace_back(n, 1);
		else
			it->second++;
	}
	std::string out;
	for (const auto &[n, k] : counts)
		append_item(out, ", ", k > 1 ? n + " " + std::to_string(k) : n);
	return out;
}

std::string render_findings(const Report &r, Detail detail)
{
	std::ostringstream o;
	for (const auto &s : r.skipped) {
		if (detail == Detail::verbose)
			o << fmt::format("skipped: {}: {}\n  to measure it: {}\n", s.crossing, s.reason,
					 s.remedy.empty() ? "see the reason" : s.remedy);
		else
			o << fmt::format("skipped: {}: {}\n", s.crossing, s.reason);
	}
	if (detail == Detail::verbose)
		all_findings(o, r);
	else if (detail == Detail::normal)
		grouped_findings(o, r);
	return o.str();
}

std::string render_table(const Report &r, std::size_t width, Detail detail)
{
	if (detail == Detail::quiet)
		return results_table(r).write(TableForm::text, width);
	std::ostringstream o;
	header(o, r, detail);
	o << results_table(r).write(TableForm::text, width);
	if (detail == Detail::verbose)
		o << "\ncycles are net of each result's empty timed region (overhead, subtracted); "
		     "median_ns at the TSC frequency above\n"
		     "±95%: half the median's 95 % interval, from the spread between its parts "
		     "(rounds, each in a process of its own); one part knows nothing of run-to-run "
		     "noise (-)\n";
	else
		o << "\ncycles net of the empty timed region; ±95%: half the median's 95 % interval; "
		     "-v: every detail\n";
	return o.str() + render_findings(r, detail);
}

std::string render_csv(const Report &r)
{
	return results_table(r).write(TableForm::csv, 0);
}

} // namespace xperf
