#include "app/report.h"

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

std::string flags_of(const Result &r)
{
	std::string f;
	if (r.bimodal)
		f += "bimodal ";
	if (r.drift.drifting)
		f += fmt::format("drift({:.0f}%) ", r.drift.spread * 100);
	for (const auto &n : r.noise)
		if (n.kind != "bimodal" && n.kind != "drift")
			f += n.kind + " ";
	if (!f.empty())
		f.pop_back();
	return f.empty() ? "-" : f;
}

// Half the median's interval in percent of it, when its parts give one.
std::string interval_of(const Result &r)
{
	Estimate e = r.figure();
	if (e.df <= 0 || r.stats.median == 0)
		return "-";
	Interval ci = e.ci95();
	return fmt::format("{:.1f}%", (ci.hi - ci.lo) / 2 / std::fabs(r.stats.median) * 100);
}

} // namespace

std::string render_table(const Report &r)
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
	std::size_t vw = 14;
	for (const auto &res : r.results)
		vw = std::max(vw, res.variant.size());
	o << fmt::format("{:<9} {:<{}} {:>8} {:>9} {:>9} {:>9} {:>7} {:>5} {:>9} {:>10} {:>10} "
			 "{:>9}  {}\n",
			 "crossing", "variant", vw, "n", "min", "q1", "median", "±95%", "parts",
			 "q3", "p99", "median_ns", "overhead", "flags");
	for (const auto &res : r.results) {
		const Stats &s = res.stats;
		o << fmt::format("{:<9} {:<{}} {:>8} {:>9.1f} {:>9.1f} {:>9.1f} {:>7} {:>5} {:>9.1f} "
				 "{:>10.1f} {:>10.1f} {:>9.0f}  {}\n",
				 res.crossing, res.variant, vw, s.n, s.min, s.q1, s.median,
				 interval_of(res), res.figure().parts, s.q3, s.p99,
				 res.stats_ns.median, res.method.value("overhead_cycles", 0.0),
				 flags_of(res));
	}
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
	std::ostringstream o;
	o << "crossing,variant,unit_tsc_hz,samples,batch,overhead_cycles";
	for (const char *f : { "min", "mean", "stddev", "median", "q1", "q3", "p1", "p5", "p95",
			       "p99", "max" })
		o << "," << f << "_cycles";
	o << ",median_ns,bimodal,drift\n";
	for (const auto &res : r.results) {
		const Stats &s = res.stats;
		o << fmt::format("{},{},{:.0f},{},{},{:.1f}", res.crossing, res.variant, res.tsc_hz,
				 s.n, res.method.value("batch", 1),
				 res.method.value("overhead_cycles", 0.0));
		for (double v : { s.min, s.mean, s.stddev, s.median, s.q1, s.q3, s.p1, s.p5, s.p95,
				  s.p99, s.max })
			o << fmt::format(",{:.3f}", v);
		o << fmt::format(",{:.3f},{},{}\n", res.stats_ns.median, res.bimodal ? 1 : 0,
				 res.drift.drifting ? 1 : 0);
	}
	return o.str();
}

} // namespace xperf
