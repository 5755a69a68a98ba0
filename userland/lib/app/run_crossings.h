// What a run does with the crossings it was asked for: which can run here,
// and each one's outcome, whatever it throws, as an Error of the right kind.
#pragma once

#include "app/progress.h"
#include "app/registry.h"
#include "app/report.h"
#include "app/verify_run.h"
#include "core/run_context.h"

#include <vector>

namespace xperf {

// The selected crossings whose check passes here. One that cannot run here
// is an Error when named, a Skipped entry of rep when it came from "all";
// bad input is an Error either way.
std::vector<const Crossing *> runnable_crossings(const std::vector<Selected> &selected,
						 const RunContext &ctx, Report &rep);

// Runs one crossing (traced when tracer is set). An Error it throws keeps
// its kind, anything else (a stray std::stoi included) is a failure:
// nothing decided that the user could fix it.
verify::Verified measure_crossing(const Crossing &c, const RunContext &ctx, verify::Tracer *tracer);

// Every crossing of the run. Without a tracer and with two rounds or more,
// the rounds are interleaved: pass k measures round k of every crossing in
// turn (a pass starts no earlier than its share of --span), so that each
// figure's parts are spread over the whole run; the passes' results are
// then merged into one per crossing and variant (merge_parts). With
// --ci-width, adaptive passes follow: more rounds of only the crossings
// with a figure whose median's 95 % interval is wider than that share of
// the median, each pass a round's share of --span after the one before,
// until every figure is within it or the crossing stops (AdaptiveStop);
// method.adaptive says how each ended. With a tracer or one round, each
// crossing is measured whole in turn (and --ci-width is the sampler's).
// progress, when set, hears of every crossing's part as it starts.
// pass_process, when set and the options ask for parts in processes of
// their own, runs a crossing's part of a pass elsewhere (part_process.h)
// and returns its results.
enum class AdaptiveStop {
	running,
	reached,     // every figure of the crossing within --ci-width
	timer_step,  // the timer's step alone keeps a figure wider
	max_rounds,  // --max-rounds
	max_samples, // --max-samples for one result
	time_limit,  // the next pass would end after --time-limit
	memory,      // the samples kept would pass half the available memory
};
using PassRunner = std::vector<Result> (*)(const std::vector<const Crossing *> &to_run,
					   const RunContext &pass);
verify::Verified measure_run(const std::vector<const Crossing *> &to_run, const RunContext &ctx,
			     verify::Tracer *tracer, PassRunner pass_process = nullptr,
			     Progress *progress = nullptr);

// Each crossing's finish hook (registry.h) on its results among results,
// once the run has them whole: the run calls it, a part does not.
void finish_crossings(const std::vector<const Crossing *> &to_run, std::vector<Result> &results);

// One result from the same result of several parts of a crossing, in
// order: samples and rounds joined; in detail and method, each field as its
// row says (merge_of): counts over iterations are added, identities listed,
// what every part agrees on is kept, other figures become the median over
// the parts, and text that differs the list of what the parts said; the
// clock check covers all parts; notes are joined without repeats.
Result merge_parts(const Crossing &crossing, const std::vector<Result> &parts);

} // namespace xperf
