#include "run_crossings.h"

#include "error.h"

#include <fmt/format.h>

#include <new>

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
		if (tracer)
			return verify::run_verified(c, ctx, *tracer);
		verify::Verified v;
		v.results = c.run(ctx);
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

} // namespace xperf
