#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace xperf {

namespace detail {

double median_region(const Stamps &s)
{
	std::vector<uint64_t> v(s.start.size());
	for (std::size_t i = 0; i < v.size(); i++)
		v[i] = s.end[i] - s.start[i];
	if (v.empty())
		return 0;
	auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
	std::nth_element(v.begin(), mid, v.end());
	double hi = static_cast<double>(*mid);
	if (v.size() % 2)
		return hi;
	double lo = static_cast<double>(*std::max_element(v.begin(), mid));
	return (lo + hi) / 2;
}

double wall_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

bool ci_within(const std::vector<double> &cycles, double width)
{
	Stats s = describe(cycles);
	Interval ci = median_ci_of(cycles);
	if (s.median <= 0)
		return false;
	return (ci.hi - ci.lo) / s.median <= width;
}

} // namespace detail

Result timed_result(const RunContext &ctx, std::string crossing, std::string variant,
		    const Timing &t, std::string side)
{
	Result r;
	r.crossing = std::move(crossing);
	r.variant = std::move(variant);
	r.tsc_hz = ctx.tsc.hz;
	r.cycles = t.cycles;
	r.round_sizes = t.round_sizes;
	r.method = {
		{ "timer", "lfence;rdtsc;lfence .. rdtscp;lfence" },
		{ "side", side },
		{ "batch", t.batch },
		{ "overhead_cycles", t.overhead_cycles },
		{ "net", "per crossing: (region - median empty region) / batch" },
		{ "warmup", ctx.opt.warmup },
		{ "cpu", ctx.cpu },
		{ "tsc_source", ctx.tsc.source },
	};
	if (t.adaptive)
		r.method["adaptive"] = { { "ci_width", ctx.opt.ci_width },
					 { "max_samples", ctx.opt.max_samples },
					 { "reached", t.ci_reached } };
	if (t.span_wall_ns > 0 && ctx.tsc.hz > 0) {
		double seen_hz = static_cast<double>(t.span_tsc) * 1e9 / t.span_wall_ns;
		r.method["clock_check"] = { { "tsc_cycles", t.span_tsc },
					    { "wall_ns", t.span_wall_ns },
					    { "tsc_hz_seen", seen_hz } };
		if (std::fabs(seen_hz / ctx.tsc.hz - 1) > 0.02)
			r.notes.push_back(fmt::format(
				"over the timed rounds the TSC ran at {:.1f} MHz against the wall "
				"clock, not {:.1f} MHz: cycles here are not time (a hypervisor "
				"hiding or scaling time?)",
				seen_hz / 1e6, ctx.tsc.hz / 1e6));
	}
	double step = resolution(t.cycles);
	r.method["resolution_cycles"] = step;
	if (!t.cycles.empty() && median_ci_of(t.cycles).hi < 2 * step)
		r.notes.push_back(fmt::format(
			"the median is within two timer steps ({:.1f} cycles): below what a "
			"single timed region resolves here; batch the crossing where it allows",
			step));
	if (t.adaptive && !t.ci_reached)
		r.notes.push_back("adaptive sampling stopped at --max-samples before the "
				  "median's confidence interval reached the requested width");
	r.analyse();
	return r;
}

} // namespace xperf
