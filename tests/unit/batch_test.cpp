// The batch a crossing is timed with when the user gives none: the least
// round figure at which the timer's step is at most the target share of
// a crossing's cost, within the caps; and every result says who chose it.
#include "app/registry.h"
#include "core/batch.h"
#include "core/sampler.h"

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

namespace {

RunContext small_run()
{
	RunContext ctx;
	ctx.opt.samples = 200;
	ctx.opt.warmup = 20;
	ctx.opt.rounds = 1;
	ctx.opt.span_s = 0;
	ctx.opt.part_processes = false;
	return ctx;
}

// A body of some work, so that regions differ and show the timer's step.
void some_adds()
{
	detail::spin_adds(50);
}

Result measured(const RunContext &ctx, std::size_t batch)
{
	return timed_result(ctx, "test", "adds", measure(ctx, batch, [] {}, some_adds));
}

// --verify's traced run marks its iterations.
struct NoMarks final : IterationMarks {
	void begin_run() override {}
	void setup(std::size_t) override {}
	void timed(std::size_t) override {}
	void end_run() override {}
};

} // namespace

// What the pilot saw is in the method, and the batch is the one
// choose_batch makes of it.
TEST(Batch, AResultRecordsThePilotsChoice)
{
	Result r = measured(small_run(), auto_batch);
	const nlohmann::json &c = r.method["batch_choice"];
	ASSERT_TRUE(c.is_object()) << r.method.dump();
	EXPECT_EQ(c["by"], "pilot");
	EXPECT_EQ(c["target_share"], batch_target_share);
	EXPECT_GT(c["pilot_cycles"].get<double>(), 0);
	BatchChoice again =
		choose_batch(c["step_cycles"].get<double>(), c["pilot_cycles"].get<double>(),
			     c["target_share"].get<double>());
	EXPECT_EQ(r.method["batch"], again.batch);
	EXPECT_EQ(c["capped"], again.capped);
}

// --batch is the user's override, --batch 1 unbatched; --verify counts
// one crossing per region; a later part takes the first part's choice.
TEST(Batch, TheUsersBatchOrVerifyOrTheRunsChoiceNeedNoPilot)
{
	RunContext ctx = small_run();
	ctx.opt.batch = 1;
	Result r = measured(ctx, auto_batch);
	EXPECT_EQ(r.method["batch"], 1);
	EXPECT_EQ(r.method["batch_choice"], nlohmann::json({ { "by", "--batch" } }));
	ctx.opt.batch = 7;
	EXPECT_EQ(measured(ctx, auto_batch).method["batch"], 7);

	ctx.opt.batch = 0;
	ctx.opt.verify = Options::Verify::report;
	r = measured(ctx, auto_batch);
	EXPECT_EQ(r.method["batch"], 1);
	EXPECT_EQ(r.method["batch_choice"]["by"], "--verify");

	ctx.opt.verify = Options::Verify::off;
	NoMarks marks;
	ctx.marks = &marks;
	r = measured(ctx, auto_batch);
	EXPECT_EQ(r.method["batch"], 1) << "a traced run counts one crossing's events per region";
	EXPECT_EQ(r.method["batch_choice"]["by"], "--verify");
	ctx.marks = nullptr;

	ctx.opt.pilot_batch = choose_batch(26, 290);
	r = measured(ctx, auto_batch);
	EXPECT_EQ(r.method["batch"], 20);
	EXPECT_EQ(r.method["batch_choice"], to_json(*ctx.opt.pilot_batch));
}

// A crossing's own batch is kept whatever --batch says; on request, the
// user's or one.
TEST(Batch, AFixedBatchIsTheCrossingsAndOnRequestTheUsers)
{
	RunContext ctx = small_run();
	ctx.opt.batch = 7;
	Result r = measured(ctx, 1);
	EXPECT_EQ(r.method["batch"], 1);
	EXPECT_EQ(r.method["batch_choice"]["by"], "crossing");
	r = measured(ctx, batch_on_request);
	EXPECT_EQ(r.method["batch"], 7);
	EXPECT_EQ(r.method["batch_choice"]["by"], "--batch");
	ctx.opt.batch = 0;
	r = measured(ctx, batch_on_request);
	EXPECT_EQ(r.method["batch"], 1);
	EXPECT_EQ(r.method["batch_choice"]["by"], "crossing");
}

// The crossings whose body repeats with no setup between are batched by
// the pilot; a fault re-armed in its setup is one per region.
TEST(Batch, BatchableCrossingsAskThePilot)
{
	RunContext ctx = small_run();
	for (const char *name :
	     { "getppid", "funccall", "read", "write", "fstat", "sig-install" }) {
		const Crossing *c = find_crossing(name);
		ASSERT_TRUE(c) << name;
		std::vector<Result> rs = c->run(with_defaults(*c, ctx));
		ASSERT_FALSE(rs.empty()) << name;
		EXPECT_EQ(rs[0].method["batch_choice"]["by"], "pilot") << name;
	}
	for (const char *name : { "pgfault", "alloc" }) {
		const Crossing *c = find_crossing(name);
		ASSERT_TRUE(c) << name;
		for (const Result &r : c->run(with_defaults(*c, ctx)))
			EXPECT_EQ(r.method["batch_choice"]["by"], "crossing") << name;
	}
}

// The JSON gives the step (over the batch) as a share of the figure.
TEST(Batch, TheResolutionIsGivenAsAShareOfTheFigure)
{
	Result r;
	r.cycles.assign(100, 210);
	r.round_sizes = { 100 };
	r.method = { { "resolution_cycles", 1.05 }, { "batch", 20 } };
	r.analyse();
	EXPECT_DOUBLE_EQ(to_json(r)["method"]["resolution_share"].get<double>(), 0.005);
	r.method.erase("resolution_cycles");
	EXPECT_FALSE(to_json(r)["method"].contains("resolution_share"))
		<< "no step recorded (an older file): none made up";
}
