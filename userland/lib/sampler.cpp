#include "sampler.h"

#include <algorithm>

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
