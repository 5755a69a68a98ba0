// measure_with_legs: a template, so that the crossing's body stays inline
// in the timing loop.
#pragma once

#include "core/module_session.h"

#include <unistd.h>

namespace xperf {

// Why legs cannot be had here ("" when they can).
std::string legs_unavailable_reason();

template <class Setup, class Body>
std::vector<Result> measure_with_legs(const RunContext &ctx, const std::string &crossing,
				      const std::string &variant, std::size_t batch, Setup setup,
				      Body body,
				      const std::function<bool(const xperf_record &)> &keep)
{
	std::string why_not = legs_unavailable_reason();
	if (!why_not.empty()) {
		Result r = timed_result(ctx, crossing, variant, measure(ctx, batch, setup, body));
		r.detail["legs"] = "none: " + why_not;
		r.notes.push_back("round trip only: " + why_not);
		return { r };
	}
	ModuleSession session(static_cast<pid_t>(gettid()));
	// Drain in the untimed setup, every drain_every iterations: far below a
	// ring's 4096 records even with a system call in every setup.
	constexpr std::size_t drain_every = 256;
	std::size_t iteration = 0;
	auto setup_and_drain = [&] {
		if (++iteration % drain_every == 0)
			session.drain();
		setup();
	};
	Timing t = measure(ctx, batch, setup_and_drain, body, true);
	std::vector<xperf_record> records = session.finish();
	ModuleCounters c = session.counters();
	std::vector<xperf_record> kept;
	for (const auto &rec : records)
		if (keep(rec))
			kept.push_back(rec);
	Legs legs = split_legs(t.starts, t.ends, std::move(kept));
	nlohmann::json module = { { "produced", c.produced },   { "read", c.read },
				  { "dropped", c.dropped },     { "queued", c.queued },
				  { "records", records.size() } };
	return results_with_legs(timed_result(ctx, crossing, variant, t), legs, module);
}

} // namespace xperf
