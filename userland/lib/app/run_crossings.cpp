#include "app/run_crossings.h"

#include "core/affinity.h"
#include "core/error.h"
#include "core/sampler.h"
#include "core/samples_memory.h"
#include "crossings/placement.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <new>
#include <optional>
#include <string_view>

namespace xperf {

std::vector<const Crossing *> runnable_crossings(const std::vector<Selected> &selected,
						 const RunContext &ctx, Report &rep)
{
	std::vector<const Crossing *> out;
	for (const Selected &s : selected) {
		try {
			if (s.crossing->check)
				s.crossing->check(ctx);
			out.push_back(s.crossing);
		} catch (const Error &e) {
			if (e.kind() != ErrorKind::unavailable || s.named)
				throw e.within(fmt::format("crossing {}", s.crossing->name));
			rep.skipped.push_back({ std::string(s.crossing->name), e.reason(), e.remedy() });
		}
	}
	return out;
}

verify::Verified measure_crossing(const Crossing &c, const RunContext &ctx, verify::Tracer *tracer)
{
	try {
		RunContext own = with_defaults(c, ctx);
		// LMBench's placement: the measuring process (and what it forks)
		// wherever the scheduler puts it, for the whole entry.
		const bool anywhere = free_placement(own.opt) && c.group == Group::os;
		ScopedAffinity unpinned(anywhere ? cpus_other_than(-1) : std::set<int>{});
		if (tracer)
			return verify::run_verified(c, own, *tracer);
		verify::Verified v;
		v.results = c.run(own);
		if (anywhere)
			for (Result &r : v.results)
				if (!r.method.contains("placement"))
					r.method["placement"] = "free";
		return v;
	} catch (const Error &e) {
		throw e.within(fmt::format("crossing {}", c.name));
	} catch (const std::bad_alloc &) {
		throw failed(fmt::format("crossing {}: out of memory", c.name),
			     "lower -n or --rounds");
	} catch (const std::exception &e) {
		throw failed(fmt::format("crossing {} failed: {}", c.name, e.what()));
	}
}

namespace {

bool all_objects(const std::vector<const nlohmann::json *> &values)
{
	return std::all_of(values.begin(), values.end(), [](const auto *v) { return v->is_object(); });
}

// Objects merged key by key: each key's values in every part that has it,
// handed to merge.
template <class Join>
nlohmann::json field_by_field(const std::vector<const nlohmann::json *> &values, Join merge)
{
	nlohmann::json out = nlohmann::json::object();
	for (const auto *v : values)
		for (auto it = v->begin(); it != v->end(); ++it) {
			if (out.contains(it.key()))
				continue;
			std::vector<const nlohmann::json *> field;
			for (const auto *w : values)
				if (w->contains(it.key()))
					field.push_back(&(*w)[it.key()]);
			out[it.key()] = merge(field, it.key());
		}
	return out;
}

nlohmann::json sum_counts(const std::vector<const nlohmann::json *> &values)
{
	if (std::all_of(values.begin(), values.end(),
			[](const auto *v) { return v->is_number_integer(); })) {
		long long sum = 0;
		for (const auto *v : values)
			sum += v->template get<long long>();
		return sum;
	}
	if (all_objects(values))
		return field_by_field(values, [](const auto &field, const std::string &) {
			return sum_counts(field);
		});
	return *values.front();
}

nlohmann::json merge_values(const Crossing &c, const std::vector<const nlohmann::json *> &values,
			    std::string_view key)
{
	const Merge how = merge_of(c, key);
	if (how == Merge::sum)
		return sum_counts(values);
	// Objects field by field, even when the parts agree: a count agreeing
	// in every part is still added.
	if (all_objects(values))
		return field_by_field(values, [&c](const auto &field, const std::string &field_key) {
			return merge_values(c, field, field_key);
		});
	const nlohmann::json &first = *values.front();
	if (std::all_of(values.begin(), values.end(), [&](const auto *v) { return *v == first; }))
		return first;
	if (how != Merge::identity &&
	    std::all_of(values.begin(), values.end(), [](const auto *v) { return v->is_number(); })) {
		std::vector<double> x;
		for (const auto *v : values)
			x.push_back(v->template get<double>());
		return describe(x).median;
	}
	nlohmann::json list = nlohmann::json::array();
	for (const auto *v : values)
		if (std::find(list.begin(), list.end(), *v) == list.end())
			list.push_back(*v);
	return list;
}

nlohmann::json merge_field(const Crossing &c, const std::vector<Result> &parts,
			   nlohmann::json Result::*field)
{
	std::vector<const nlohmann::json *> values;
	for (const auto &p : parts)
		values.push_back(&(p.*field));
	return merge_values(c, values, "");
}

} // namespace

Result merge_parts(const Crossing &crossing, const std::vector<Result> &parts)
{
	if (parts.size() == 1)
		return parts.front();
	Result r = parts.front();
	r.cycles.clear();
	r.round_sizes.clear();
	r.part_counters.clear();
	r.notes.clear();
	for (const auto &p : parts) {
		r.cycles.insert(r.cycles.end(), p.cycles.begin(), p.cycles.end());
		r.round_sizes.insert(r.round_sizes.end(), p.round_sizes.begin(), p.round_sizes.end());
		r.part_counters.insert(r.part_counters.end(), p.part_counters.begin(),
				       p.part_counters.end());
		for (const auto &n : p.notes)
			if (std::find(r.notes.begin(), r.notes.end(), n) == r.notes.end())
				r.notes.push_back(n);
	}
	r.detail = merge_field(crossing, parts, &Result::detail);
	r.method = merge_field(crossing, parts, &Result::method);
	double tsc = 0, wall = 0;
	for (const auto &p : parts)
		if (auto c = p.method.find("clock_check"); c != p.method.end() && c->is_object()) {
			tsc += c->value("tsc_cycles", 0.0);
			wall += c->value("wall_ns", 0.0);
		}
	if (wall > 0)
		r.method["clock_check"] = { { "tsc_cycles", tsc },
					    { "wall_ns", wall },
					    { "tsc_hz_seen", tsc * 1e9 / wall } };
	r.method["interleaved_parts"] = parts.size();
	r.analyse();
	return r;
}

namespace {

// Why a crossing's adaptive passes ended (method.adaptive.stopped).
std::string_view stop_text(AdaptiveStop s)
{
	switch (s) {
	case AdaptiveStop::reached:
		return "reached";
	case AdaptiveStop::timer_step:
		return "timer step";
	case AdaptiveStop::max_rounds:
		return "max rounds";
	case AdaptiveStop::max_samples:
		return "max samples";
	case AdaptiveStop::time_limit:
		return "time limit";
	case AdaptiveStop::memory:
		return "memory";
	case AdaptiveStop::running:
		break;
	}
	return "running";
}

// Every crossing of a pass-mode run with its parts so far.
class PassRun {
public:
	PassRun(const std::vector<const Crossing *> &to_run, const RunContext &ctx,
		PassRunner pass_process, Progress *progress)
		: to_run_(to_run), ctx_(ctx), pass_process_(pass_process), progress_(progress),
		  wall_s_(to_run.size()), last_s_(to_run.size()), rounds_(to_run.size()),
		  samples_(to_run.size()), stop_(to_run.size(), AdaptiveStop::running),
		  pilot_batch_(to_run.size()), exits_(to_run.size())
	{
		pass_ = ctx.opt;
		pass_.rounds = 1;
		pass_.span_s = 0;
		pass_.ci_width = 0;
	}

	// Crossing i's part of one pass; what says which pass it is.
	void measure_part(std::size_t i, const std::string &what, std::size_t done,
			  std::size_t total)
	{
		const Crossing *c = to_run_[i];
		if (progress_)
			progress_->step(fmt::format("{}  {}", what, c->name), done, total);
		RunContext pass = ctx_;
		pass.opt = pass_;
		pass.opt.pilot_batch = pilot_batch_[i];
		if (!exits_[i].empty())
			pass.opt.vm_exit = exits_[i];
		// Each crossing's part in a process of its own when asked.
		double t0 = detail::wall_ns();
		std::vector<Result> got = pass_process_ && ctx_.opt.part_processes
						  ? pass_process_({ c }, pass)
						  : measure_crossing(*c, pass, nullptr).results;
		last_s_[i] = (detail::wall_ns() - t0) / 1e9;
		wall_s_[i] += last_s_[i];
		rounds_[i]++;
		// A part answers for its own crossing only (an older part, or one
		// that adds the control, gives more).
		std::size_t n = 0;
		for (auto &r : got)
			if (r.crossing == c->name) {
				n += r.cycles.size();
				// The first part's pilot chooses for every part.
				if (!pilot_batch_[i])
					pilot_batch_[i] = pilot_choice_of(r.method);
				// The VM exits the first part found to complete:
				// later parts ask for those alone.
				if (exits_[i].empty() && r.method.contains("exits_completing"))
					exits_[i] = r.method["exits_completing"].get<std::string>();
				keep(std::move(r));
			}
		samples_[i] = n; // the samples of its last part
		kept_ += n;
	}

	std::size_t size() const { return to_run_.size(); }
	double last_s(std::size_t i) const { return last_s_[i]; }
	std::size_t last_samples(std::size_t i) const { return samples_[i]; }
	std::size_t samples_kept() const { return kept_; }
	unsigned rounds(std::size_t i) const { return rounds_[i]; }
	AdaptiveStop stop(std::size_t i) const { return stop_[i]; }
	void set_stop(std::size_t i, AdaptiveStop s) { stop_[i] = s; }

	// Crossing i's results so far, merged.
	std::vector<Result> merged(std::size_t i) const
	{
		std::vector<Result> out;
		for (const auto &[key, rs] : parts_)
			if (rs.front().crossing == to_run_[i]->name)
				out.push_back(merge_parts(*to_run_[i], rs));
		return out;
	}

	verify::Verified results(double ci_width) const
	{
		verify::Verified all;
		for (std::size_t i = 0; i < to_run_.size(); i++)
			for (Result &r : merged(i)) {
				r.method["wall_s"] = wall_s_[i];
				if (ci_width > 0)
					note_adaptive(r, i, ci_width);
				all.results.push_back(std::move(r));
			}
		return all;
	}

private:
	void keep(Result &&r)
	{
		std::string key = r.crossing + "/" + r.variant;
		auto it = std::find_if(parts_.begin(), parts_.end(),
				       [&](const auto &p) { return p.first == key; });
		if (it == parts_.end())
			it = parts_.emplace(parts_.end(), key, std::vector<Result>{});
		it->second.push_back(std::move(r));
	}

	void note_adaptive(Result &r, std::size_t i, double ci_width) const
	{
		const bool reached = r.relative_ci_width() <= ci_width;
		r.method["adaptive"] = { { "ci_width", ci_width },
					 { "mode", "passes" },
					 { "rounds", rounds_[i] },
					 { "max_rounds", ctx_.opt.max_rounds },
					 { "reached", reached },
					 { "stopped", stop_text(stop_[i]) } };
		if (!reached)
			r.notes.push_back(fmt::format(
				"adaptive passes stopped ({}) after {} rounds, before the median's 95 % "
				"interval was within ±{:.3g} %: this figure is not known that well",
				stop_text(stop_[i]), rounds_[i], ci_width * 50));
	}

	const std::vector<const Crossing *> &to_run_;
	const RunContext &ctx_;
	PassRunner pass_process_;
	Progress *progress_;
	Options pass_;
	// Per crossing and variant, in the order first seen, its parts.
	std::vector<std::pair<std::string, std::vector<Result>>> parts_;
	// Per crossing: the wall time its parts took (the waits between passes
	// are no one's), its last part's, its rounds, its last part's samples.
	std::vector<double> wall_s_, last_s_;
	std::vector<unsigned> rounds_;
	std::vector<std::size_t> samples_;
	std::vector<AdaptiveStop> stop_;
	// Per crossing: the batch its first part's pilot chose, for the later
	// parts (one per crossing: no crossing has two batched results).
	std::vector<std::optional<BatchChoice>> pilot_batch_;
	std::vector<std::string> exits_; // --exit of crossing i's later parts
	std::size_t kept_ = 0;
};

// After a pass: each crossing still running whose figures are all within
// the width, or can get no narrower, or has used what it may, stops.
void settle_stops(PassRun &run, const Options &opt, std::size_t sample_budget)
{
	for (std::size_t i = 0; i < run.size(); i++) {
		if (run.stop(i) != AdaptiveStop::running)
			continue;
		bool all_within = true, step_bound = false;
		std::size_t samples = 0;
		for (const Result &r : run.merged(i)) {
			samples = std::max(samples, r.cycles.size());
			if (r.relative_ci_width() > opt.ci_width) {
				all_within = false;
				step_bound = step_bound || r.timer_step_width() >= 0.9 * opt.ci_width;
			}
		}
		if (all_within)
			run.set_stop(i, AdaptiveStop::reached);
		else if (step_bound)
			run.set_stop(i, AdaptiveStop::timer_step);
		else if (run.rounds(i) >= opt.max_rounds)
			run.set_stop(i, AdaptiveStop::max_rounds);
		else if (samples + run.last_samples(i) > opt.max_samples)
			run.set_stop(i, AdaptiveStop::max_samples);
		else if (run.samples_kept() + run.last_samples(i) > sample_budget)
			run.set_stop(i, AdaptiveStop::memory);
	}
}

} // namespace

verify::Verified measure_run(const std::vector<const Crossing *> &to_run, const RunContext &ctx,
			     verify::Tracer *tracer, PassRunner pass_process, Progress *progress)
{
	verify::Verified all;
	if (tracer || ctx.opt.rounds < 2) {
		for (std::size_t i = 0; i < to_run.size(); i++) {
			const Crossing *c = to_run[i];
			if (progress)
				progress->step(c->name, i, to_run.size());
			double t0 = detail::wall_ns();
			verify::Verified v = measure_crossing(*c, ctx, tracer);
			double wall_s = (detail::wall_ns() - t0) / 1e9;
			for (auto &r : v.results) {
				r.method["wall_s"] = wall_s;
				all.results.push_back(std::move(r));
			}
			all.mismatches.insert(all.mismatches.end(), v.mismatches.begin(),
					      v.mismatches.end());
		}
		return all;
	}
	const Options &opt = ctx.opt;
	PassRun run(to_run, ctx, pass_process, progress);
	const std::size_t steps = std::size_t{ opt.rounds } * to_run.size();
	double wall0 = detail::wall_ns();
	for (unsigned k = 0; k < opt.rounds; k++) {
		detail::wait_for_part(wall0, k, opt);
		for (std::size_t i = 0; i < to_run.size(); i++)
			run.measure_part(i, fmt::format("round {}/{}", k + 1, opt.rounds),
					 k * to_run.size() + i, steps);
	}
	if (opt.ci_width <= 0)
		return run.results(0);

	// Adaptive passes: more rounds of only the crossings whose figures are
	// still too wide, each pass no sooner than a round's share of the span
	// after the one before (parts back to back see one state of the noise).
	std::size_t budget = std::numeric_limits<std::size_t>::max();
	if (auto bytes = available_memory())
		budget = static_cast<std::size_t>(static_cast<double>(*bytes) / 2 / bytes_per_sample);
	const double gap_ns = opt.span_s * 1e9 / opt.rounds;
	const double limit_ns = opt.time_limit_s > 0 ? wall0 + opt.time_limit_s * 1e9 : 0;
	double last_start = detail::wall_ns();
	for (unsigned k = opt.rounds;; k++) {
		settle_stops(run, opt, budget);
		std::vector<std::size_t> wide;
		double cost_ns = 0;
		for (std::size_t i = 0; i < run.size(); i++)
			if (run.stop(i) == AdaptiveStop::running) {
				wide.push_back(i);
				cost_ns += run.last_s(i) * 1e9;
			}
		if (wide.empty())
			break;
		double start = std::max(detail::wall_ns(), last_start + gap_ns);
		if (limit_ns > 0 && start + cost_ns > limit_ns) {
			for (std::size_t i : wide)
				run.set_stop(i, AdaptiveStop::time_limit);
			break;
		}
		detail::sleep_until(start);
		last_start = start;
		for (std::size_t j = 0; j < wide.size(); j++) {
			// Done and total in milliseconds of the time limit when
			// there is one, else in passes of max_rounds.
			double now_ms = (detail::wall_ns() - wall0) / 1e6;
			std::size_t done = limit_ns > 0 ? static_cast<std::size_t>(now_ms)
							 : std::size_t{ k } * wide.size() + j;
			std::size_t total = limit_ns > 0
						    ? static_cast<std::size_t>(opt.time_limit_s * 1e3)
						    : std::size_t{ opt.max_rounds } * wide.size();
			run.measure_part(wide[j],
					 fmt::format("round {} (adaptive, {} wider than ±{:.3g} %)",
						     k + 1, wide.size(), opt.ci_width * 50),
					 std::min(done, total), total);
		}
	}
	return run.results(opt.ci_width);
}

void finish_crossings(const std::vector<const Crossing *> &to_run, std::vector<Result> &results)
{
	for (const Crossing *c : to_run) {
		if (!c->finish)
			continue;
		std::vector<std::size_t> at;
		std::vector<Result> own;
		for (std::size_t i = 0; i < results.size(); i++)
			if (results[i].crossing == c->name) {
				at.push_back(i);
				own.push_back(std::move(results[i]));
			}
		c->finish(own);
		for (std::size_t k = 0; k < at.size(); k++)
			results[at[k]] = std::move(own[k]);
	}
}

} // namespace xperf
