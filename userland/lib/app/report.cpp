#include "app/report.h"

#include "core/text_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <map>
#include <set>
#include <sstream>

namespace xperf {

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
		 { "version", XPERF_VERSION },
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

Table results_table(const Report &r)
{
	auto cycles = [](const char *head, int priority, Shown shown = Shown::all) {
		return TableColumn{ head, Align::right, priority, shown,
				    std::string(head) + "_cycles" };
	};
	Table t({
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
	for (const auto &res : r.results) {
		const Stats &s = res.stats;
		auto c = [](double v) { return TableValue::number(v, 1); };
		t.add_row({ TableValue::text(res.crossing), TableValue::text(res.variant),
			    TableValue::number(res.tsc_hz, 0), TableValue::number(double(s.n), 0),
			    TableValue::number(res.method.value("batch", 1.0), 0), c(s.min), c(s.mean),
			    c(s.stddev), c(s.q1), c(s.median), interval_of(res),
			    interval_end(res, &Interval::lo), interval_end(res, &Interval::hi),
			    TableValue::number(double(res.figure().parts), 0), c(s.q3), c(s.p1),
			    c(s.p5), c(s.p95), c(s.p99), c(s.max),
			    TableValue::number(res.stats_ns.median, 0),
			    TableValue::number(res.method.value("overhead_cycles", 0.0), 0),
			    flags_of(res) });
	}
	return t;
}

std::string render_table(const Report &r, std::size_t width)
{
	std::ostringstream o;
	const auto &m = r.meta;
	o << fmt::format("xperf {}  cpu {} ({})  kernel {}\n", XPERF_VERSION,
			 meta_str(m, "/run/cpu"), meta_str(m, "/conditions/cpu/model_name"),
			 meta_str(m, "/conditions/kernel/release"));
	o << fmt::format("TSC {} MHz ({})  KPTI {}  SMT {}  governor {}\n",
			 m.contains("tsc") ? fmt::format("{:.1f}", m["tsc"].value("hz", 0.0) / 1e6)
					   : "?",
			 meta_str(m, "/tsc/source"), meta_str(m, "/conditions/kpti/enabled"),
			 meta_str(m, "/conditions/smt/active"),
			 meta_str(m, "/conditions/cpufreq/governor"));
	if (m.contains("warnings"))
		for (const auto &w : m["warnings"])
			o << "warning: " << w.get<std::string>() << "\n";
	o << "\n";
	o << results_table(r).write(TableForm::text, width);
	o << "\ncycles are net of each result's empty timed region (overhead, subtracted); "
	     "median_ns at the TSC frequency above\n"
	     "±95%: half the median's 95 % interval, from the spread between its parts (rounds, "
	     "each in a process of its own); one part knows nothing of run-to-run noise (-)\n";
	for (const auto &s : r.skipped)
		o << fmt::format("skipped: {}: {}\n  to measure it: {}\n", s.crossing, s.reason,
				 s.remedy.empty() ? "see the reason" : s.remedy);
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
	return o.str();
}

std::string render_csv(const Report &r)
{
	return results_table(r).write(TableForm::csv, 0);
}

} // namespace xperf
