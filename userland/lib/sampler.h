// The timing loop every user-side crossing goes through.
//
// Per iteration: an untimed setup (re-arming a fault, say), then the body
// between serialized TSC reads, `batch` times in a row. The same loop with
// an empty body gives the cost of the timed region itself, which is
// reported and subtracted.
#pragma once

#include "result.h"
#include "run_context.h"
#include "tsc.h"

#include <cstdint>
#include <string>
#include <vector>

namespace xperf {

struct Timing {
	std::vector<double> cycles; // net cycles per crossing
	std::vector<std::size_t> round_sizes;
	double overhead_cycles = 0; // median of the empty timed region
	std::size_t batch = 1;
	bool adaptive = false;
	bool ci_reached = false;
};

namespace detail {

template <class Setup, class Body>
void time_loop(std::vector<uint64_t> &out, std::size_t batch, Setup &setup, Body &body)
{
	for (auto &sample : out) {
		setup();
		uint64_t t0 = tsc_begin();
		for (std::size_t k = 0; k < batch; k++) {
			body();
			asm volatile("" ::: "memory");
		}
		uint64_t t1 = tsc_end();
		sample = t1 - t0;
	}
}

double median_u64(std::vector<uint64_t> v);
bool ci_within(const std::vector<double> &cycles, double width);

} // namespace detail

template <class Setup, class Body>
Timing measure(const RunContext &ctx, std::size_t batch, Setup setup, Body body)
{
	Timing t;
	t.batch = batch ? batch : 1;
	auto nothing = [] {};

	std::vector<uint64_t> raw(std::max<std::size_t>(ctx.opt.samples, 1000));
	detail::time_loop(raw, t.batch, nothing, nothing); // warm the loop itself
	detail::time_loop(raw, t.batch, nothing, nothing);
	t.overhead_cycles = detail::median_u64(raw);

	raw.assign(ctx.opt.warmup, 0);
	detail::time_loop(raw, t.batch, setup, body);

	t.adaptive = ctx.opt.ci_width > 0;
	raw.assign(ctx.opt.samples, 0);
	for (unsigned round = 0;; round++) {
		if (round >= ctx.opt.rounds) {
			if (!t.adaptive)
				break;
			t.ci_reached = detail::ci_within(t.cycles, ctx.opt.ci_width);
			if (t.ci_reached || t.cycles.size() + raw.size() > ctx.opt.max_samples)
				break;
		}
		detail::time_loop(raw, t.batch, setup, body);
		for (uint64_t c : raw)
			t.cycles.push_back((static_cast<double>(c) - t.overhead_cycles) /
					   static_cast<double>(t.batch));
		t.round_sizes.push_back(raw.size());
	}
	return t;
}

// A Result from a Timing, with the method recorded. side: "user" when the
// measuring code runs in user mode.
Result timed_result(const RunContext &ctx, std::string crossing, std::string variant,
		    const Timing &t, std::string side = "user");

} // namespace xperf
