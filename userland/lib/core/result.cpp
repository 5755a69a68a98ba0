#include "core/result.h"

#include <limits>

namespace xperf {

void Result::analyse()
{
	stats = describe(cycles);
	stats_ns = stats.scaled(tsc_hz > 0 ? 1e9 / tsc_hz : 0);
	stats_ns.n = stats.n;
	bimodal = is_bimodal(cycles);
	drift = round_drift(rounds());
	std::vector<std::vector<double>> parts = rounds();
	noise = detect_noise(parts, part_counters.size() == parts.size()
					    ? std::span<const RoundCounters>(part_counters)
					    : std::span<const RoundCounters>());
	Estimate e = figure();
	median_ci = e.df > 0 ? e.ci95() : median_ci_of(cycles);
}

double Result::step_cycles() const
{
	return method.contains("resolution_cycles") ? method["resolution_cycles"].get<double>()
						    : resolution(cycles);
}

Estimate Result::figure() const
{
	return estimate_from_parts(stats.median, drift.round_medians, step_cycles());
}

double Result::relative_ci_width() const
{
	if (stats.median <= 0)
		return std::numeric_limits<double>::infinity();
	return (median_ci.hi - median_ci.lo) / stats.median;
}

double Result::timer_step_width() const
{
	Estimate e = figure();
	if (stats.median <= 0 || e.df <= 0)
		return 0;
	// The interval's half-width is at least t x step / 2 (stats.h).
	return t95(e.df) * step_cycles() / stats.median;
}

std::vector<std::vector<double>> Result::rounds() const
{
	std::vector<std::vector<double>> out;
	std::size_t at = 0;
	for (std::size_t n : round_sizes) {
		if (n > cycles.size() - at)
			break;
		out.emplace_back(cycles.begin() + static_cast<std::ptrdiff_t>(at),
				 cycles.begin() + static_cast<std::ptrdiff_t>(at + n));
		at += n;
	}
	return out;
}

nlohmann::json noise_to_json(const std::vector<NoiseFlag> &flags)
{
	nlohmann::json out = nlohmann::json::array();
	for (const auto &f : flags)
		out.push_back({ { "kind", f.kind },
				{ "evidence", f.evidence },
				{ "cause", f.cause },
				{ "advice", f.advice } });
	return out;
}

nlohmann::json counters_to_json(const std::vector<RoundCounters> &counters)
{
	nlohmann::json out = nlohmann::json::array();
	for (const auto &c : counters) {
		nlohmann::json j = { { "seconds", c.seconds } };
		auto put = [&j](const char *key, const auto &v) {
			if (v)
				j[key] = *v;
		};
		put("cpu_start", c.cpu_start);
		put("cpu_end", c.cpu_end);
		put("migrations", c.migrations);
		put("preemptions", c.preemptions);
		put("interrupts", c.interrupts);
		put("khz_start", c.khz_start);
		put("khz_end", c.khz_end);
		out.push_back(j);
	}
	return out;
}

nlohmann::json stats_to_json(const Stats &s)
{
	return {
		{ "n", s.n },	    { "min", s.min },	  { "mean", s.mean }, { "stddev", s.stddev },
		{ "median", s.median }, { "q1", s.q1 },	  { "q3", s.q3 },     { "p1", s.p1 },
		{ "p5", s.p5 },	    { "p95", s.p95 },	  { "p99", s.p99 },   { "max", s.max },
	};
}

nlohmann::json to_json(const Result &r, bool include_raw)
{
	Estimate e = r.figure();
	// The step over the figure: what one step of the timer (over the
	// batch) moves the median by, as a share of it.
	nlohmann::json method = r.method;
	if (method.contains("resolution_cycles") && r.stats.median > 0)
		method["resolution_share"] = r.step_cycles() / r.stats.median;
	nlohmann::json j = {
		{ "crossing", r.crossing },
		{ "variant", r.variant },
		{ "unit_tsc_hz", r.tsc_hz },
		{ "samples", r.cycles.size() },
		{ "stats", stats_to_json(r.stats) },
		{ "stats_ns", stats_to_json(r.stats_ns) },
		{ "median_ci", { { "lo", r.median_ci.lo },
				 { "hi", r.median_ci.hi },
				 { "level", 0.95 },
				 { "parts", e.parts },
				 { "method", e.df > 0 ? "between parts: t over the round medians"
						      : "one part: order statistics of its samples, "
							"run-to-run noise not covered" } } },
		{ "parts", { { "count", e.parts }, { "se", e.se }, { "df", e.df } } },
		{ "flags", { { "bimodal", r.bimodal }, { "drift", r.drift.drifting } } },
		{ "noise", noise_to_json(r.noise) },
		{ "rounds", { { "counters", counters_to_json(r.part_counters) },
			      { "sizes", r.round_sizes },
			      { "medians", r.drift.round_medians },
			      { "spread", r.drift.spread } } },
		{ "method", method },
		{ "path", r.path },
		{ "detail", r.detail },
		{ "notes", r.notes },
	};
	if (include_raw)
		j["raw_cycles"] = r.cycles;
	return j;
}

} // namespace xperf
