// How many crossings one timed region holds. Where the TSC moves in coarse
// steps, a single crossing's median moves by whole steps: a crossing whose
// body can repeat with no setup between is timed batch at a time, batch
// chosen so that the step shrinks to a small share of its cost
// (Documentation/method.rst, "Batching").
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace xperf {

// Who set a result's batch.
enum class BatchBy {
	crossing, // the crossing: one per region (a setup re-arms it, legs need one)
	user,	  // --batch
	verify,	  // --verify counts the events of one crossing per region
	pilot,	  // a short pilot of the crossing against the timer's step
};

struct BatchChoice {
	std::size_t batch = 1;
	BatchBy by = BatchBy::crossing;
	// By the pilot: the TSC's step it saw, a crossing's cost in it (net
	// cycles), the share of that cost the step over batch may be at most,
	// and whether a cap kept the batch below what that share asks.
	double step_cycles = 0;
	double pilot_cycles = 0;
	double target_share = 0;
	bool capped = false;
};

// The step over batch at most this share of the figure: 0.5 %, so that
// the step alone keeps the median's 95 % interval within about ±0.6 % at
// ten parts (t x step / 2), room for the noise within ±1 %.
inline constexpr double batch_target_share = 0.005;
// Caps, so that a round does not take long and a region rarely holds a
// timer interrupt: a region at most this long, and at most this many
// crossings in it (for a cost the pilot cannot tell from zero).
inline constexpr double batch_max_region_cycles = 100000;
inline constexpr std::size_t batch_max = 10000;

// The batch for a crossing of cost_cycles (net, per crossing) on a timer of
// step_cycles: the least of 1, 2, 5, 10, 20, 50, ... with
// step / batch <= target x cost, capped (batch_max, batch_max_region_cycles).
// A step of 0 (none seen) needs no batch; a cost of 0 or less gets the cap.
BatchChoice choose_batch(double step_cycles, double cost_cycles,
			 double target_share = batch_target_share);

std::string_view batch_by_name(BatchBy by);

// method.batch_choice: {by, and from a pilot step_cycles, pilot_cycles,
// target_share, capped}.
nlohmann::json to_json(const BatchChoice &c);
// The choice a pilot made, from a result's method; nullopt for any other.
std::optional<BatchChoice> pilot_choice_of(const nlohmann::json &method);

} // namespace xperf
