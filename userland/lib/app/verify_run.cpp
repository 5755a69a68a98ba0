#include "app/verify_run.h"

#include "verify/correlate.h"
#include "verify/expectations.h"

#include "core/stats.h"

#include <unistd.h>

#include <fmt/format.h>

#include <set>

namespace xperf::verify {

namespace {

nlohmann::json timing_json(const Result &untraced, const Result &traced, const PathReport &p)
{
	double a = untraced.stats.median, b = traced.stats.median;
	double ns = untraced.tsc_hz > 0 ? 1e9 / untraced.tsc_hz : 0;
	// What the extras cost: the traced iterations with nothing beside the
	// path against those with an interrupt, a preemption, a fault, ...
	std::vector<double> clean, other;
	for (std::size_t i = 0; i < traced.cycles.size() && i < p.clean.size(); i++)
		(p.clean[i] ? clean : other).push_back(traced.cycles[i]);
	auto median = [](const std::vector<double> &v) {
		return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(xperf::describe(v).median);
	};
	return { { "untraced_median_cycles", a },
		 { "traced_median_clean_cycles", median(clean) },
		 { "traced_median_others_cycles", median(other) },
		 { "traced_median_cycles", b },
		 { "difference_cycles", b - a },
		 { "difference_ns", (b - a) * ns },
		 { "difference_percent", a > 0 ? 100 * (b - a) / a : 0 },
		 { "traced_stats", stats_to_json(traced.stats) },
		 { "traced_stats_ns", stats_to_json(traced.stats_ns) } };
}

// Expected events the kernel offers no way to see are left out and named.
Expectation observable_part(Expectation x, const Tracer &t, std::vector<std::string> &unseen)
{
	std::vector<Expected> keep;
	for (auto &e : x.events) {
		if (t.observable(e.what.kind))
			keep.push_back(std::move(e));
		else
			unseen.push_back(e.name);
	}
	x.events = std::move(keep);
	return x;
}

nlohmann::json attach_json(const Tracer &t, const Expectation &x)
{
	std::set<std::string> wanted = { "irq_handler_entry", "local_timer_entry", "sched_switch" };
	for (const auto &e : x.events)
		wanted.insert(kind_name(e.what.kind));
	nlohmann::json j = nlohmann::json::object();
	for (const auto &a : t.attachments()) {
		bool relevant = wanted.count(a.event) ||
				(wanted.count("handle_mm_fault") && a.event == "handle_mm_fault");
		if (relevant)
			j[a.event] = a.type.empty() ? "none: " + a.error : a.type;
	}
	return j;
}

} // namespace

Verified run_verified(const Crossing &c, const RunContext &ctx, Tracer &tracer)
{
	Verified v;
	v.results = c.run(ctx);

	RunContext traced_ctx = ctx;
	traced_ctx.marks = &tracer;
	tracer.target(gettid());
	uint64_t first_run = tracer.runs() + 1, drops_before = tracer.drops();
	tracer.start();
	std::vector<Result> traced;
	try {
		traced = c.run(traced_ctx);
	} catch (...) {
		tracer.target(0);
		tracer.stop();
		throw;
	}
	tracer.target(0);
	std::vector<Event> events = tracer.stop();
	uint64_t drops_in_run = tracer.drops() - drops_before;

	for (std::size_t i = 0; i < v.results.size(); i++) {
		Result &r = v.results[i];
		std::string name = fmt::format("{} {}", r.crossing, r.variant);
		if (i >= traced.size() || traced[i].crossing != r.crossing ||
		    traced[i].variant != r.variant) {
			r.path = { { "ok", false }, { "error", "the traced run measured other things" } };
			v.mismatches.push_back(name + ": the traced run measured other things");
			continue;
		}
		// Of the traced run: its result names what was traced (QEMU's vCPU).
		Expectation expected = expectation_for(traced[i]);
		if (!expected.unverifiable.empty()) {
			// Neither right nor wrong, and no proof either: strict fails it.
			const std::string &why = expected.unverifiable;
			r.path = { { "ok", nullptr }, { "error", why } };
			r.notes.push_back("path: not verified: " + why);
			v.mismatches.push_back(name + ": cannot be verified: " + why);
			continue;
		}
		std::vector<std::string> unseen;
		Expectation x = observable_part(expected, tracer, unseen);
		uint64_t run = first_run + i;
		// The guest's phases are not marked runs: any loss may be in them.
		uint64_t drops = x.anchor ? drops_in_run : tracer.drops_in(run);
		PathReport p = correlate(events, run, traced[i].cycles.size(), x, drops);
		p.unobservable.insert(p.unobservable.begin(), unseen.begin(), unseen.end());
		// Part of the evidence missing is a note; all of it, no verification.
		if (x.events.empty() && !expected.events.empty())
			p.problems.push_back("none of the expected events is observable here");
		r.path = p.to_json();
		r.path["attach"] = attach_json(tracer, x);
		r.path["timing"] = timing_json(r, traced[i], p);
		r.notes.push_back(p.summary());
		const auto &t = r.path["timing"];
		r.notes.push_back(fmt::format(
			"tracing perturbs timing: median {:.1f} cycles untraced (reported), {:.1f} "
			"traced ({:+.1f}%)",
			t["untraced_median_cycles"].get<double>(), t["traced_median_cycles"].get<double>(),
			t["difference_percent"].get<double>()));
		if (!p.ok())
			v.mismatches.push_back(name + ": " + p.summary());
	}
	return v;
}

nlohmann::json tracer_json(const Tracer &tracer)
{
	nlohmann::json ev = nlohmann::json::object();
	for (const auto &a : tracer.attachments()) {
		nlohmann::json j = { { "type", a.type.empty() ? nullptr : nlohmann::json(a.type) } };
		if (!a.fallback.empty())
			j["fallback"] = a.fallback;
		if (!a.error.empty())
			j["error"] = a.error;
		ev[a.event] = j;
	}
	return { { "events", ev }, { "notes", tracer.notes() } };
}

} // namespace xperf::verify
