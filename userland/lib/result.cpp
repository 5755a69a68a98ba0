#include "result.h"

#include <stdexcept>

namespace xperf {

void Result::analyse()
{
	stats = describe(cycles);
	stats_ns = stats.scaled(tsc_hz > 0 ? 1e9 / tsc_hz : 0);
	stats_ns.n = stats.n;
	median_ci = median_ci_of(cycles);
	bimodal = is_bimodal(cycles);
	drift = round_drift(rounds());
}

std::vector<std::vector<double>> Result::rounds() const
{
	std::vector<std::vector<double>> out;
	std::size_t at = 0;
	for (std::size_t n : round_sizes) {
		if (at + n > cycles.size())
			break;
		out.emplace_back(cycles.begin() + static_cast<std::ptrdiff_t>(at),
				 cycles.begin() + static_cast<std::ptrdiff_t>(at + n));
		at += n;
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

Stats stats_from_json(const nlohmann::json &j)
{
	Stats s;
	s.n = j.at("n").get<std::size_t>();
	for (auto [key, field] : { std::pair{ "min", &s.min }, { "mean", &s.mean },
				   { "stddev", &s.stddev }, { "median", &s.median },
				   { "q1", &s.q1 }, { "q3", &s.q3 }, { "p1", &s.p1 },
				   { "p5", &s.p5 }, { "p95", &s.p95 }, { "p99", &s.p99 },
				   { "max", &s.max } })
		*field = j.at(key).get<double>();
	return s;
}

nlohmann::json to_json(const Result &r, bool include_raw)
{
	nlohmann::json j = {
		{ "crossing", r.crossing },
		{ "variant", r.variant },
		{ "unit_tsc_hz", r.tsc_hz },
		{ "samples", r.cycles.size() },
		{ "stats", stats_to_json(r.stats) },
		{ "stats_ns", stats_to_json(r.stats_ns) },
		{ "median_ci", { { "lo", r.median_ci.lo }, { "hi", r.median_ci.hi }, { "level", 0.95 } } },
		{ "flags", { { "bimodal", r.bimodal }, { "drift", r.drift.drifting } } },
		{ "rounds", { { "sizes", r.round_sizes },
			      { "medians", r.drift.round_medians },
			      { "spread", r.drift.spread } } },
		{ "method", r.method },
		{ "path", r.path },
		{ "detail", r.detail },
		{ "notes", r.notes },
	};
	if (include_raw)
		j["raw_cycles"] = r.cycles;
	return j;
}

Result result_from_json(const nlohmann::json &j)
{
	try {
		Result r;
		r.crossing = j.at("crossing").get<std::string>();
		r.variant = j.at("variant").get<std::string>();
		r.tsc_hz = j.at("unit_tsc_hz").get<double>();
		r.stats = stats_from_json(j.at("stats"));
		r.stats_ns = stats_from_json(j.at("stats_ns"));
		if (j.contains("raw_cycles"))
			r.cycles = j.at("raw_cycles").get<std::vector<double>>();
		if (j.contains("rounds"))
			r.round_sizes = j.at("rounds").at("sizes").get<std::vector<std::size_t>>();
		if (j.contains("median_ci"))
			r.median_ci = { j["median_ci"].at("lo").get<double>(),
					j["median_ci"].at("hi").get<double>() };
		if (j.contains("flags")) {
			r.bimodal = j["flags"].value("bimodal", false);
			r.drift.drifting = j["flags"].value("drift", false);
		}
		if (j.contains("rounds")) {
			r.drift.round_medians =
				j["rounds"].value("medians", std::vector<double>{});
			r.drift.spread = j["rounds"].value("spread", 0.0);
		}
		r.method = j.value("method", nlohmann::json::object());
		r.path = j.value("path", nlohmann::json());
		r.detail = j.value("detail", nlohmann::json::object());
		r.notes = j.value("notes", std::vector<std::string>{});
		return r;
	} catch (const nlohmann::json::exception &e) {
		throw std::runtime_error(std::string("malformed result: ") + e.what());
	}
}

} // namespace xperf
