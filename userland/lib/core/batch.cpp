#include "core/batch.h"

#include <algorithm>
#include <cmath>

namespace xperf {

namespace {

constexpr std::size_t steps_of_decade[] = { 1, 2, 5 };

// The least of 1, 2, 5, 10, 20, 50, ... at or above x: few values, so
// that pilots of one crossing a little apart choose the same.
std::size_t round_up_125(double x)
{
	for (std::size_t decade = 1;; decade *= 10)
		for (std::size_t m : steps_of_decade)
			// Not a hair above a round figure for a rounding error.
			if (static_cast<double>(m * decade) >= x * (1 - 1e-9))
				return m * decade;
}

// The greatest of 1, 2, 5, 10, ... at or below n (n >= 1).
std::size_t round_down_125(std::size_t n)
{
	std::size_t best = 1;
	for (std::size_t decade = 1; decade <= n; decade *= 10)
		for (std::size_t m : steps_of_decade)
			if (m * decade <= n)
				best = m * decade;
	return best;
}

} // namespace

BatchChoice choose_batch(double step_cycles, double cost_cycles, double target_share)
{
	BatchChoice c;
	c.by = BatchBy::pilot;
	c.step_cycles = step_cycles;
	c.pilot_cycles = cost_cycles;
	c.target_share = target_share;
	if (step_cycles <= 0)
		return c;
	std::size_t cap = batch_max;
	if (cost_cycles > 0)
		cap = std::clamp<std::size_t>(
			static_cast<std::size_t>(batch_max_region_cycles / cost_cycles), 1,
			batch_max);
	const double needed = cost_cycles > 0 ? step_cycles / (target_share * cost_cycles)
					      : static_cast<double>(batch_max) + 1;
	// Compared before rounding: a need far beyond the cap is no size_t.
	c.capped = needed > static_cast<double>(cap);
	c.batch = c.capped ? round_down_125(cap) : round_up_125(needed);
	return c;
}

std::string_view batch_by_name(BatchBy by)
{
	switch (by) {
	case BatchBy::user:
		return "--batch";
	case BatchBy::verify:
		return "--verify";
	case BatchBy::pilot:
		return "pilot";
	case BatchBy::crossing:
		break;
	}
	return "crossing";
}

nlohmann::json to_json(const BatchChoice &c)
{
	nlohmann::json j = { { "by", batch_by_name(c.by) } };
	if (c.by == BatchBy::pilot) {
		j["step_cycles"] = c.step_cycles;
		j["pilot_cycles"] = c.pilot_cycles;
		j["target_share"] = c.target_share;
		j["capped"] = c.capped;
	}
	return j;
}

std::optional<BatchChoice> pilot_choice_of(const nlohmann::json &method)
{
	auto it = method.find("batch_choice");
	if (it == method.end() || !it->is_object() || it->value("by", "") != "pilot")
		return std::nullopt;
	BatchChoice c;
	c.by = BatchBy::pilot;
	c.batch = method.value("batch", std::size_t{ 1 });
	c.step_cycles = it->value("step_cycles", 0.0);
	c.pilot_cycles = it->value("pilot_cycles", 0.0);
	c.target_share = it->value("target_share", 0.0);
	c.capped = it->value("capped", false);
	return c;
}

} // namespace xperf
