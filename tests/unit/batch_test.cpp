// The batch a crossing is timed with when the user gives none: the least
// round figure at which the timer's step is at most the target share of
// a crossing's cost, within the caps.
#include "core/batch.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace xperf;

namespace {

bool round_figure(std::size_t n)
{
	while (n % 10 == 0)
		n /= 10;
	return n == 1 || n == 2 || n == 5;
}

// The next round figure below n (1, 2, 5, 10, ...); 0 below 1.
std::size_t round_figure_below(std::size_t n)
{
	for (std::size_t k = n - 1; k > 0; k--)
		if (round_figure(k))
			return k;
	return 0;
}

} // namespace

// The machine of issue 31: a step of 26 cycles, getppid about 290 (9 %
// steps unbatched). 0.5 % asks for 17.9, a round 20; 1 % for 8.97, 10.
TEST(Batch, CoarseStepBatchesGetppidToTheTarget)
{
	BatchChoice c = choose_batch(26, 290);
	EXPECT_EQ(c.batch, 20u);
	EXPECT_FALSE(c.capped);
	EXPECT_EQ(c.by, BatchBy::pilot);
	EXPECT_LE(26.0 / 20, batch_target_share * 290);
	EXPECT_EQ(choose_batch(26, 290, 0.01).batch, 10u);
	// KPTI forced on: about 1760 cycles, 2.95 needed.
	EXPECT_EQ(choose_batch(26, 1760).batch, 5u);
}

TEST(Batch, AFineTimerNeedsNoBatch)
{
	EXPECT_EQ(choose_batch(1, 1900).batch, 1u);
	EXPECT_EQ(choose_batch(1, 200).batch, 1u);
	EXPECT_EQ(choose_batch(0, 290).batch, 1u) << "no step seen: nothing to resolve";
}

// For every step and cost: a round figure, at the target, and the next
// round figure below it is not.
TEST(Batch, TheLeastRoundFigureThatReachesTheTarget)
{
	for (double step : { 1.0, 2.0, 21.0, 26.0, 52.0 })
		for (double cost : { 1.7, 9.0, 120.0, 290.0, 999.0, 1911.0, 6615.0, 25000.0 }) {
			BatchChoice c = choose_batch(step, cost);
			SCOPED_TRACE(testing::Message() << "step " << step << " cost " << cost);
			EXPECT_TRUE(round_figure(c.batch)) << c.batch;
			if (c.capped)
				continue;
			EXPECT_LE(step / static_cast<double>(c.batch), batch_target_share * cost);
			if (std::size_t below = round_figure_below(c.batch)) {
				EXPECT_GT(step / static_cast<double>(below),
					  batch_target_share * cost);
			}
		}
	// Exactly on a round figure: that one, not the next.
	EXPECT_EQ(choose_batch(10, 1000).batch, 2u);
}

TEST(Batch, CappedWhereARegionWouldBeTooLong)
{
	// 4 needed, but two crossings of 50000 cycles already fill a region.
	BatchChoice c = choose_batch(1000, 50000);
	EXPECT_TRUE(c.capped);
	EXPECT_EQ(c.batch, 2u);
	EXPECT_LE(static_cast<double>(c.batch) * 50000, batch_max_region_cycles);
	// A cost the pilot cannot tell from zero: as many as allowed.
	EXPECT_EQ(choose_batch(21, 0).batch, batch_max);
	EXPECT_TRUE(choose_batch(21, -3).capped);
	// 52 / (0.005 x 0.5) = 20800 crossings: more than batch_max.
	c = choose_batch(52, 0.5);
	EXPECT_TRUE(c.capped);
	EXPECT_EQ(c.batch, batch_max);
}

TEST(Batch, APilotsChoiceReadsBackFromTheMethod)
{
	BatchChoice c = choose_batch(26, 290.25);
	nlohmann::json method = { { "batch", c.batch }, { "batch_choice", to_json(c) } };
	EXPECT_EQ(method["batch_choice"]["by"], "pilot");
	auto back = pilot_choice_of(method);
	ASSERT_TRUE(back);
	EXPECT_EQ(back->batch, 20u);
	EXPECT_EQ(back->step_cycles, 26);
	EXPECT_EQ(back->pilot_cycles, 290.25);
	EXPECT_EQ(back->target_share, batch_target_share);
	EXPECT_FALSE(
		pilot_choice_of({ { "batch", 3 }, { "batch_choice", { { "by", "--batch" } } } }));
	EXPECT_FALSE(pilot_choice_of({ { "batch", 1 } }));
}
