#include "app/run_crossings.h"

#include "core/error.h"
#include "core/sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <new>
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
		if (tracer)
			return verify::run_verified(c, own, *tracer);
		verify::Verified v;
		v.results = c.run(own);
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

// Fields of detail that count something over a part's iterations: the run
// has the sum of its parts'. Every other figure that the parts agree on is
// the run's; where they differ, their median or the list of what each said.
constexpr std::string_view counts[] = {
	"minor_faults_expected", "minor_faults_counted",	  // pgfault
	"iterations", "matched", "ambiguous", "migrated",	  // legs
	"produced", "read", "dropped", "queued", "records",	  // xperf.ko's counters
	"io_debugcon", "expected_io_debugcon", "vmm_exits_in_run", // vmexit
};

bool is_count(std::string_view key)
{
	return std::find(std::begin(counts), std::end(counts), key) != std::end(counts);
}

bool all_objects(const std::vector<const nlohmann::json *> &values)
{
	return std::all_of(values.begin(), values.end(), [](const auto *v) { return v->is_object(); });
}

// Objects merged key by key: each key's values in every part that has it,
// handed to merge.
template <class Merge>
nlohmann::json field_by_field(const std::vector<const nlohmann::json *> &values, Merge merge)
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

nlohmann::json merge_values(const std::vector<const nlohmann::json *> &values, std::string_view key)
{
	if (is_count(key))
		return sum_counts(values);
	// Objects field by field, even when the parts agree: a count agreeing
	// in every part is still added.
	if (all_objects(values))
		return field_by_field(values, [](const auto &field, const std::string &field_key) {
			return merge_values(field, field_key);
		});
	const nlohmann::json &first = *values.front();
	if (std::all_of(values.begin(), values.end(), [&](const auto *v) { return *v == first; }))
		return first;
	if (std::all_of(values.begin(), values.end(), [](const auto *v) { return v->is_number(); })) {
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

nlohmann::json merge_field(const std::vector<Result> &parts, nlohmann::json Result::*field)
{
	std::vector<const nlohmann::json *> values;
	for (const auto &p : parts)
		values.push_back(&(p.*field));
	return merge_values(values, "");
}

} // namespace

Result merge_parts(const std::vector<Result> &parts)
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
	r.detail = merge_field(parts, &Result::detail);
	r.method = merge_field(parts, &Result::method);
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

verify::Verified measure_run(const std::vector<const Crossing *> &to_run, const RunContext &ctx,
			     verify::Tracer *tracer, PassRunner pass_process, Progress *progress)
{
	verify::Verified all;
	if (tracer || ctx.opt.ci_width > 0 || ctx.opt.rounds < 2) {
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
	RunContext pass = ctx;
	pass.opt.rounds = 1;
	pass.opt.span_s = 0;
	// Per crossing and variant, in the order first seen, its parts.
	std::vector<std::pair<std::string, std::vector<Result>>> parts;
	auto keep = [&parts](Result &&r) {
		std::string key = r.crossing + "/" + r.variant;
		auto it = std::find_if(parts.begin(), parts.end(),
				       [&](const auto &p) { return p.first == key; });
		if (it == parts.end())
			it = parts.emplace(parts.end(), key, std::vector<Result>{});
		it->second.push_back(std::move(r));
	};
	const std::size_t steps = std::size_t{ ctx.opt.rounds } * to_run.size();
	// Per crossing, the wall time its parts took (the waits between
	// passes are no one's).
	std::vector<double> wall_s(to_run.size());
	double wall0 = detail::wall_ns();
	for (unsigned k = 0; k < ctx.opt.rounds; k++) {
		detail::wait_for_part(wall0, k, ctx.opt);
		for (std::size_t i = 0; i < to_run.size(); i++) {
			const Crossing *c = to_run[i];
			if (progress)
				progress->step(fmt::format("round {}/{}  {}", k + 1, ctx.opt.rounds,
							   c->name),
					       k * to_run.size() + i, steps);
			// Each crossing's part in a process of its own when asked.
			double t0 = detail::wall_ns();
			std::vector<Result> got =
				pass_process && ctx.opt.part_processes
					? pass_process({ c }, pass)
					: measure_crossing(*c, pass, nullptr).results;
			wall_s[i] += (detail::wall_ns() - t0) / 1e9;
			// A part answers for its own crossing only (an older part,
			// or one that adds the control, gives more).
			for (auto &r : got)
				if (r.crossing == c->name)
					keep(std::move(r));
		}
	}
	for (auto &[key, rs] : parts) {
		Result r = merge_parts(rs);
		for (std::size_t i = 0; i < to_run.size(); i++)
			if (to_run[i]->name == r.crossing)
				r.method["wall_s"] = wall_s[i];
		all.results.push_back(std::move(r));
	}
	return all;
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
