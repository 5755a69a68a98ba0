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
	// TSC at the start and end of every timed region, when asked for: the
	// kernel's stamps of the same crossings fall between them.
	std::vector<uint64_t> starts, ends;
	bool adaptive = false;
	bool ci_reached = false;
	// The timed rounds by both clocks: a TSC that a hypervisor stops or
	// scales while the crossing runs disagrees with the wall clock here.
	uint64_t span_tsc = 0;
	double span_wall_ns = 0;
};

namespace detail {

// Buffers for one round, written before timing so that no store in the
// loop takes a fault of the tool's own.
struct Stamps {
	std::vector<uint64_t> start, end;
	explicit Stamps(std::size_t n) : start(n, 0), end(n, 0) {}
};

template <class Setup, class Body>
void time_loop(Stamps &out, std::size_t batch, Setup &setup, Body &body)
{
	for (std::size_t i = 0; i < out.start.size(); i++) {
		setup();
		uint64_t t0 = tsc_begin();
		for (std::size_t k = 0; k < batch; k++) {
			body();
			asm volatile("" ::: "memory");
		}
		uint64_t t1 = tsc_end();
		out.start[i] = t0;
		out.end[i] = t1;
	}
}

double median_region(const Stamps &s);
double wall_ns();
bool ci_within(const std::vector<double> &cycles, double width);

} // namespace detail

template <class Setup, class Body>
Timing measure(const RunContext &ctx, std::size_t batch, Setup setup, Body body,
	       bool keep_stamps = false)
{
	Timing t;
	t.batch = batch ? batch : 1;
	auto nothing = [] {};

	{
		detail::Stamps empty(std::max<std::size_t>(ctx.opt.samples, 1000));
		detail::time_loop(empty, t.batch, nothing, nothing); // warm the loop itself
		detail::time_loop(empty, t.batch, nothing, nothing);
		t.overhead_cycles = detail::median_region(empty);
	}
	{
		detail::Stamps warm(ctx.opt.warmup);
		detail::time_loop(warm, t.batch, setup, body);
	}

	// --verify attributes kernel events to sampled iterations by these marks;
	// they run in the untimed setup, and without --verify not at all.
	std::size_t iteration = 0;
	auto marked_setup = [&] {
		ctx.marks->setup(iteration);
		setup();
		ctx.marks->timed(iteration++);
	};
	if (ctx.marks)
		ctx.marks->begin_run();

	t.adaptive = ctx.opt.ci_width > 0;
	detail::Stamps round_stamps(ctx.opt.samples);
	double wall0 = detail::wall_ns();
	uint64_t tsc0 = tsc_begin();
	for (unsigned round = 0;; round++) {
		if (round >= ctx.opt.rounds) {
			if (!t.adaptive)
				break;
			t.ci_reached = detail::ci_within(t.cycles, ctx.opt.ci_width);
			if (t.ci_reached || t.cycles.size() + ctx.opt.samples > ctx.opt.max_samples)
				break;
		}
		if (ctx.marks) {
			detail::time_loop(round_stamps, t.batch, marked_setup, body);
			// The round's bookkeeping is no iteration's timed region.
			ctx.marks->setup(iteration);
		} else {
			detail::time_loop(round_stamps, t.batch, setup, body);
		}
		for (std::size_t i = 0; i < ctx.opt.samples; i++) {
			double region = static_cast<double>(round_stamps.end[i] -
							    round_stamps.start[i]);
			t.cycles.push_back((region - t.overhead_cycles) /
					   static_cast<double>(t.batch));
		}
		if (keep_stamps) {
			t.starts.insert(t.starts.end(), round_stamps.start.begin(),
					round_stamps.start.end());
			t.ends.insert(t.ends.end(), round_stamps.end.begin(), round_stamps.end.end());
		}
		t.round_sizes.push_back(ctx.opt.samples);
	}
	if (ctx.marks)
		ctx.marks->end_run();
	t.span_tsc = tsc_end() - tsc0;
	t.span_wall_ns = detail::wall_ns() - wall0;
	return t;
}

// A Result from a Timing, with the method recorded. side: "user" when the
// measuring code runs in user mode.
Result timed_result(const RunContext &ctx, std::string crossing, std::string variant,
		    const Timing &t, std::string side = "user");

} // namespace xperf
