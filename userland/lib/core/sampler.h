// The timing loop every user-side crossing goes through.
//
// Per iteration: an untimed setup (re-arming a fault, say), then the body
// between serialized TSC reads, `batch` times in a row. The same loop with
// an empty body gives the cost of the timed region itself, which is
// reported and subtracted.
#pragma once

#include "core/batch.h"
#include "core/result.h"
#include "core/round_counters.h"
#include "core/run_context.h"
#include "core/tsc.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace xperf {

struct Timing {
	std::vector<double> cycles; // net cycles per crossing
	std::vector<std::size_t> round_sizes;
	double overhead_cycles = 0; // median of the empty timed region
	BatchChoice batching;	    // crossings per timed region, and who chose it
	// TSC at the start and end of every timed region, when asked for: the
	// kernel's stamps of the same crossings fall between them.
	std::vector<uint64_t> starts, ends;
	// Per round, what the system did around it (none under --verify).
	std::vector<RoundCounters> counters;
	bool part_processes = false; // each round ran in a process of its own
	std::size_t injected_adds = 0;  // a test's extra work in every region
	bool adaptive = false;
	bool ci_reached = false;
	// The timed rounds by both clocks: a TSC that a hypervisor stops or
	// scales while the crossing runs disagrees with the wall clock here.
	uint64_t span_tsc = 0;
	double span_wall_ns = 0;
};

// measure()'s batch for a crossing whose body can run again and again with
// no setup between: the user's --batch, else one under --verify (its check
// counts one crossing's events per region), else what a short pilot of the
// crossing chooses against the timer's step (choose_batch), or, in a later
// part of a run, what the run's first part's pilot chose.
inline constexpr std::size_t auto_batch = 0;
// measure()'s batch for a crossing timed one per region unless the user
// gives --batch (the legs: one kernel record per region).
inline constexpr std::size_t batch_on_request = std::numeric_limits<std::size_t>::max();

namespace detail {

// Buffers for one round, written before timing so that no store in the
// loop takes a fault of the tool's own. Shared memory, so that a round run
// in a child process (a part of its own) hands its stamps back.
class Stamps {
public:
	explicit Stamps(std::size_t n);
	~Stamps();
	Stamps(const Stamps &) = delete;
	Stamps &operator=(const Stamps &) = delete;
	std::size_t size() const { return n_; }
	uint64_t *start() const { return start_; }
	uint64_t *end() const { return start_ + n_; }
	// Writes every page: a child process maps shared memory afresh.
	void touch();

private:
	std::size_t n_;
	uint64_t *start_;
};

template <class Setup, class Body>
void time_loop(const Stamps &out, std::size_t batch, Setup &setup, Body &body)
{
	uint64_t *start = out.start(), *end = out.end();
	for (std::size_t i = 0; i < out.size(); i++) {
		setup();
		uint64_t t0 = tsc_begin();
		for (std::size_t k = 0; k < batch; k++) {
			body();
			asm volatile("" ::: "memory");
		}
		uint64_t t1 = tsc_end();
		start[i] = t0;
		end[i] = t1;
	}
}

// One round's counters in shared memory: a part in a process of its own
// reads them around its loop and hands them back.
class SharedCounters {
public:
	SharedCounters();
	~SharedCounters();
	SharedCounters(const SharedCounters &) = delete;
	SharedCounters &operator=(const SharedCounters &) = delete;
	RoundCounters &operator*() const { return *c_; }

private:
	RoundCounters *c_;
};

// n dependent adds: about n core cycles of known extra work.
inline void spin_adds(std::size_t n)
{
	unsigned long x = 0;
	for (std::size_t i = 0; i < n; i++)
		asm volatile("addq $1, %0" : "+r"(x));
}

// Runs part in a child process and waits for it; throws when it failed.
// A part of its own gets a fresh kernel stack, task and page tables, and
// fresh pages for its buffers: what differs from one run to the next.
void run_in_child(const std::function<void()> &part);

double median_region(const Stamps &s);
double wall_ns();
// Sleeps until wall_ns() reaches at_ns.
void sleep_until(double at_ns);
// Sleeps until part round's share of opt.span_s from wall0 has passed.
void wait_for_part(double wall0, unsigned round, const Options &opt);
bool ci_within(const std::vector<double> &cycles, const std::vector<std::size_t> &round_sizes,
	       double width);

// A batch that needs no pilot: the crossing's, or batch_on_request's.
BatchChoice fixed_batch(const Options &opt, std::size_t batch);
// auto_batch's choice where no pilot is needed: --batch; one in the traced
// run of --verify (iteration marks) and in the run beside it; or the run's
// first part's pilot.
std::optional<BatchChoice> given_batch(const RunContext &ctx);

// The pilot: regions of the crossing and empty ones, a batch of 1 first
// and ten times more until a region holds pilot_steps timer steps of the
// crossing's cost, so that the cost is known to a few percent even where
// it is below the step (a function call).
inline constexpr std::size_t pilot_regions = 301;
inline constexpr double pilot_steps = 20;
struct PilotStage {
	double cost_cycles; // per crossing, net of the empty region
	double step_cycles; // the timer's step over every region so far
};
// One stage's figures from its regions; lengths gathers every region's.
PilotStage pilot_stage(const Stamps &empty, const Stamps &full, std::size_t batch,
		       std::vector<double> &lengths);

template <class Setup, class Body>
BatchChoice pilot_batch(Setup &setup, Body &body)
{
	auto nothing = [] {};
	Stamps empty(pilot_regions), full(pilot_regions);
	std::vector<double> lengths;
	for (std::size_t batch = 1;; batch = std::min(10 * batch, batch_max)) {
		for (int pass = 0; pass < 2; pass++) { // the first warms this batch's loops
			time_loop(empty, batch, nothing, nothing);
			time_loop(full, batch, setup, body);
		}
		PilotStage s = pilot_stage(empty, full, batch, lengths);
		if (batch == batch_max ||
		    static_cast<double>(batch) * s.cost_cycles >= pilot_steps * s.step_cycles)
			return choose_batch(s.step_cycles, s.cost_cycles);
	}
}

template <class Setup, class Body>
Timing measure_rounds(const RunContext &ctx, std::size_t batch, Setup setup, Body body,
		      bool keep_stamps)
{
	Timing t;
	if (batch != auto_batch)
		t.batching = fixed_batch(ctx.opt, batch);
	else if (auto given = given_batch(ctx))
		t.batching = *given;
	else
		t.batching = pilot_batch(setup, body);
	const std::size_t per_region = t.batching.batch;
	auto nothing = [] {};

	{
		detail::Stamps empty(std::max<std::size_t>(ctx.opt.samples, 1000));
		detail::time_loop(empty, per_region, nothing, nothing); // warm the loop itself
		detail::time_loop(empty, per_region, nothing, nothing);
		t.overhead_cycles = detail::median_region(empty);
	}
	// Each round is a part in its own process unless something here must
	// see the measured thread itself: --verify's tracer, or the legs'
	// matching of the module's records to this thread's regions.
	const bool own_process = ctx.opt.part_processes && !ctx.marks && !keep_stamps;
	auto warm_up = [&] {
		detail::Stamps warm(ctx.opt.warmup);
		detail::time_loop(warm, per_region, setup, body);
	};
	if (!own_process)
		warm_up();

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
	double wall0 = detail::wall_ns();
	uint64_t tsc0 = tsc_begin();
	for (unsigned round = 0;; round++) {
		if (round >= ctx.opt.rounds) {
			if (!t.adaptive)
				break;
			t.ci_reached = detail::ci_within(t.cycles, t.round_sizes, ctx.opt.ci_width);
			if (t.ci_reached || t.cycles.size() + ctx.opt.samples > ctx.opt.max_samples)
				break;
		}
		detail::wait_for_part(wall0, round, ctx.opt);
		// Fresh pages every round (below, in the part's own process too).
		detail::Stamps round_stamps(ctx.opt.samples);
		if (own_process) {
			detail::SharedCounters counted;
			detail::run_in_child([&] {
				warm_up();
				// Pages of the part's own for the stores in the loop:
				// where they fall in the caches is part of what differs
				// from one run to the next. Handed back after timing.
				detail::Stamps own(ctx.opt.samples);
				CounterSnapshot before = take_snapshot();
				detail::time_loop(own, per_region, setup, body);
				*counted = between(before, take_snapshot());
				std::copy(own.start(), own.start() + 2 * own.size(),
					  round_stamps.start());
			});
			t.counters.push_back(*counted);
		} else if (ctx.marks) {
			detail::time_loop(round_stamps, per_region, marked_setup, body);
			// The round's bookkeeping is no iteration's timed region.
			ctx.marks->setup(iteration);
		} else {
			CounterSnapshot before = take_snapshot();
			detail::time_loop(round_stamps, per_region, setup, body);
			t.counters.push_back(between(before, take_snapshot()));
		}
		const uint64_t *start = round_stamps.start(), *end = round_stamps.end();
		for (std::size_t i = 0; i < ctx.opt.samples; i++) {
			double region = static_cast<double>(end[i] - start[i]);
			t.cycles.push_back((region - t.overhead_cycles) /
					   static_cast<double>(per_region));
		}
		if (keep_stamps) {
			t.starts.insert(t.starts.end(), start, start + ctx.opt.samples);
			t.ends.insert(t.ends.end(), end, end + ctx.opt.samples);
		}
		t.round_sizes.push_back(ctx.opt.samples);
	}
	t.part_processes = own_process;
	if (ctx.marks)
		ctx.marks->end_run();
	t.span_tsc = tsc_end() - tsc0;
	t.span_wall_ns = detail::wall_ns() - wall0;
	return t;
}

} // namespace detail

// The crossing's rounds: batch crossings per timed region (1 where a setup
// must run before each), auto_batch or batch_on_request.
template <class Setup, class Body>
Timing measure(const RunContext &ctx, std::size_t batch, Setup setup, Body body,
	       bool keep_stamps = false)
{
	if (!ctx.opt.inject_adds)
		return detail::measure_rounds(ctx, batch, setup, body, keep_stamps);
	auto with_extra = [body, n = ctx.opt.inject_adds]() mutable {
		body();
		detail::spin_adds(n);
	};
	Timing t = detail::measure_rounds(ctx, batch, setup, with_extra, keep_stamps);
	t.injected_adds = ctx.opt.inject_adds;
	return t;
}

// A Result from a Timing, with the method recorded. side: "user" when the
// measuring code runs in user mode.
Result timed_result(const RunContext &ctx, std::string crossing, std::string variant,
		    const Timing &t, std::string side = "user");

} // namespace xperf
