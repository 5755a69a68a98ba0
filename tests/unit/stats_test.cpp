#include "core/stats.h"

#include <gtest/gtest.h>

#include <random>

using namespace xperf;

namespace {

std::vector<double> normal(std::size_t n, double mean, double sd, unsigned seed)
{
	std::mt19937 rng(seed);
	std::normal_distribution<double> d(mean, sd);
	std::vector<double> v(n);
	for (auto &x : v)
		x = d(rng);
	return v;
}

} // namespace

TEST(Stats, DescribeMatchesHandComputedValues)
{
	// Type-7 quantiles worked by hand: position q * (n - 1) in the sorted data.
	std::vector<double> v = { 9, 2, 4, 5, 4, 7, 4, 5 };
	Stats s = describe(v);
	EXPECT_EQ(s.n, 8u);
	EXPECT_DOUBLE_EQ(s.min, 2);
	EXPECT_DOUBLE_EQ(s.max, 9);
	EXPECT_DOUBLE_EQ(s.mean, 5);
	EXPECT_NEAR(s.stddev, 2.13809, 1e-5); // sqrt(32 / 7)
	EXPECT_DOUBLE_EQ(s.median, 4.5);
	EXPECT_DOUBLE_EQ(s.q1, 4);
	EXPECT_DOUBLE_EQ(s.q3, 5.5);
	EXPECT_NEAR(s.p1, 2.14, 1e-12);
	EXPECT_NEAR(s.p5, 2.7, 1e-12);
	EXPECT_NEAR(s.p95, 8.3, 1e-12);
	EXPECT_NEAR(s.p99, 8.86, 1e-12);
}

TEST(Stats, DescribeOfOneSampleHasNoSpread)
{
	std::vector<double> v = { 42 };
	Stats s = describe(v);
	EXPECT_EQ(s.n, 1u);
	EXPECT_DOUBLE_EQ(s.median, 42);
	EXPECT_DOUBLE_EQ(s.stddev, 0);
	EXPECT_DOUBLE_EQ(s.p99, 42);
}

TEST(Stats, EmptyInputGivesZeroCount)
{
	EXPECT_EQ(describe({}).n, 0u);
}

TEST(Stats, ScaledConvertsEveryField)
{
	std::vector<double> v = { 1, 2, 3, 4 };
	Stats s = describe(v).scaled(10);
	EXPECT_DOUBLE_EQ(s.min, 10);
	EXPECT_DOUBLE_EQ(s.max, 40);
	EXPECT_DOUBLE_EQ(s.median, 25);
	EXPECT_EQ(s.n, 4u);
}

TEST(Stats, MedianCiContainsMedianAndNarrowsWithMoreSamples)
{
	auto small = normal(100, 1000, 50, 1);
	auto large = normal(10000, 1000, 50, 1);
	Interval a = median_ci_of(small), b = median_ci_of(large);
	EXPECT_LE(a.lo, describe(small).median);
	EXPECT_GE(a.hi, describe(small).median);
	EXPECT_LT(b.hi - b.lo, (a.hi - a.lo) / 3);
}

TEST(Stats, ResolutionIsTheSmallestStep)
{
	std::vector<double> v = { 26, 52, 52, 78, 130 };
	EXPECT_DOUBLE_EQ(resolution(v), 26);
}

TEST(Stats, TwoSeparatedClustersAreBimodal)
{
	auto v = normal(3000, 100, 5, 2);
	auto w = normal(2000, 300, 10, 3);
	v.insert(v.end(), w.begin(), w.end());
	EXPECT_TRUE(is_bimodal(v));
}

TEST(Stats, OneClusterWithATailIsNotBimodal)
{
	auto v = normal(5000, 1000, 40, 4);
	for (int i = 0; i < 40; i++)
		v.push_back(5000 + i * 100); // rare slow outliers
	EXPECT_FALSE(is_bimodal(v));
}

TEST(Stats, QuantizedTimerStepsAreNotModes)
{
	// A 26-cycle TSC step: values of one and two steps are one mode.
	std::vector<double> v(600, 26);
	v.insert(v.end(), 400, 52);
	EXPECT_FALSE(is_bimodal(v));
}

TEST(Stats, DriftIsFlaggedWhenRoundMediansMove)
{
	std::vector<std::vector<double>> steady = { normal(500, 100, 2, 5), normal(500, 100, 2, 6),
						    normal(500, 100, 2, 7) };
	EXPECT_FALSE(round_drift(steady).drifting);
	std::vector<std::vector<double>> moving = { normal(500, 100, 2, 5), normal(500, 110, 2, 6),
						    normal(500, 120, 2, 7) };
	Drift d = round_drift(moving);
	EXPECT_TRUE(d.drifting);
	ASSERT_EQ(d.round_medians.size(), 3u);
	EXPECT_NEAR(d.spread, 0.2 / 1.1, 0.02);
}

TEST(Stats, BootstrapFindsAKnownShiftAndRatio)
{
	auto a = normal(2000, 100, 5, 8);
	auto b = normal(2000, 200, 10, 9);
	DiffCI ci = bootstrap_median_diff(a, b, 500, 42);
	EXPECT_LT(ci.diff.lo, 100.5);
	EXPECT_GT(ci.diff.hi, 99.5);
	EXPECT_GT(ci.diff.lo, 95); // and excludes zero by far
	EXPECT_LT(ci.ratio.lo, 2.005);
	EXPECT_GT(ci.ratio.hi, 1.995);
	DiffCI again = bootstrap_median_diff(a, b, 500, 42);
	EXPECT_DOUBLE_EQ(ci.diff.lo, again.diff.lo); // seeded: reproducible
}

TEST(Stats, MannWhitneySeparatesShiftedSamplesOnly)
{
	auto a = normal(500, 100, 5, 10);
	auto same = normal(500, 100, 5, 11);
	auto shifted = normal(500, 103, 5, 12);
	EXPECT_GT(mann_whitney_p(a, same), 0.01);
	EXPECT_LT(mann_whitney_p(a, shifted), 1e-6);
}

TEST(Stats, T95MatchesStudentsTable)
{
	EXPECT_NEAR(t95(1), 12.706, 1e-3);
	EXPECT_NEAR(t95(4), 2.776, 1e-3);
	EXPECT_NEAR(t95(9), 2.262, 1e-3);
	EXPECT_NEAR(t95(60), 2.000, 2e-3);
	EXPECT_NEAR(t95(1e9), 1.960, 1e-3);
	// Fractional (Welch) degrees of freedom fall between their neighbours.
	EXPECT_LT(t95(4.5), t95(4));
	EXPECT_GT(t95(4.5), t95(5));
}

namespace {

// A run of `parts` parts: each part's level is mean plus a between-run
// offset (sd between), its samples spread around it (sd within). Returns
// the figure as a run reports it: pooled median, interval from the parts.
Estimate synthetic_run(std::mt19937 &rng, double mean, double between, double within,
		       std::size_t parts, std::size_t per_part)
{
	std::normal_distribution<double> offset(0, between), noise(0, within);
	std::vector<double> all, medians;
	for (std::size_t p = 0; p < parts; p++) {
		double level = mean + offset(rng);
		std::vector<double> part(per_part);
		for (auto &x : part)
			x = level + noise(rng);
		medians.push_back(describe(part).median);
		all.insert(all.end(), part.begin(), part.end());
	}
	return estimate_from_parts(describe(all).median, medians);
}

} // namespace

TEST(Stats, IntervalOfDifferenceCoversTheTrueDifferenceAt95Percent)
{
	// Between-part variance dominates, as it does between runs: a pooled
	// bootstrap would be far too narrow here.
	std::mt19937 rng(11);
	constexpr int trials = 1000;
	constexpr double true_diff = 30;
	int covered = 0;
	for (int i = 0; i < trials; i++) {
		Estimate a = synthetic_run(rng, 1700, 25, 100, 10, 200);
		Estimate b = synthetic_run(rng, 1700 + true_diff, 25, 100, 10, 200);
		Difference d = difference(a, b);
		ASSERT_TRUE(d.known);
		covered += d.diff_ci.lo <= true_diff && true_diff <= d.diff_ci.hi;
	}
	double rate = static_cast<double>(covered) / trials;
	EXPECT_GT(rate, 0.93);
	EXPECT_LT(rate, 0.97);
}

TEST(Stats, SameThingTwiceIsNotSignificantIn95PercentOfPairs)
{
	std::mt19937 rng(12);
	constexpr int trials = 1000;
	int significant = 0;
	for (int i = 0; i < trials; i++)
		significant += difference(synthetic_run(rng, 1700, 25, 100, 10, 200),
					  synthetic_run(rng, 1700, 25, 100, 10, 200))
				       .significant;
	EXPECT_LE(significant, trials * 5 / 100 + 15); // 5 %, and 3 sd of the count
}

TEST(Stats, ShiftedBIsSignificant)
{
	std::mt19937 rng(13);
	int significant = 0;
	for (int i = 0; i < 100; i++) {
		Difference d = difference(synthetic_run(rng, 1700, 25, 100, 10, 200),
					  synthetic_run(rng, 1800, 25, 100, 10, 200));
		significant += d.significant;
		EXPECT_NEAR(d.ratio, 1800.0 / 1700, 0.05);
		EXPECT_LT(d.ratio_ci.lo, d.ratio);
		EXPECT_GT(d.ratio_ci.hi, d.ratio);
	}
	EXPECT_GE(significant, 99);
}

TEST(Stats, OnePartKnowsNothingOfRunToRunNoise)
{
	Estimate one = estimate_from_parts(1700, std::vector<double>{ 1700 });
	Estimate many = estimate_from_parts(1800, std::vector<double>{ 1790, 1800, 1810 });
	EXPECT_EQ(one.df, 0);
	Difference d = difference(one, many);
	EXPECT_FALSE(d.known);
	EXPECT_FALSE(d.significant);
}

TEST(Stats, TimerStepKeepsAgreeingPartsFromAZeroWidthInterval)
{
	// Ten parts on the same lattice point: the figure is still only known
	// to within a timer step.
	std::vector<double> same(10, 1701);
	Estimate e = estimate_from_parts(1701, same, 21);
	EXPECT_NEAR(e.se, 21 / 2.0, 1e-9);
	Interval ci = e.ci95();
	EXPECT_LT(ci.lo, 1701 - 10);
	EXPECT_GT(ci.hi, 1701 + 10);
	// One lattice step between two such runs is not a finding.
	EXPECT_FALSE(difference(e, estimate_from_parts(1722, std::vector<double>(10, 1722), 21))
			     .significant);
	EXPECT_TRUE(difference(e, estimate_from_parts(1764, std::vector<double>(10, 1764), 21))
			    .significant);
}

// Parts that wander together (the host's state lasting longer than a part)
// make the mean of the parts less certain than their spread says: the
// interval of an AR(1) series with r = 0.7 still covers its true level at
// about the stated rate, while the uncorrected one would not.
TEST(Stats, NeighbouringPartsThatMoveTogetherWidenTheInterval)
{
	std::mt19937 rng(21);
	std::normal_distribution<double> shock(0, 20);
	constexpr int trials = 2000;
	int covered = 0;
	double eff = 0;
	for (int i = 0; i < trials; i++) {
		std::vector<double> parts;
		double x = shock(rng) / std::sqrt(1 - 0.49);
		for (int k = 0; k < 20; k++) {
			x = 0.7 * x + shock(rng);
			parts.push_back(1000 + x);
		}
		double mean = 0;
		for (double p : parts)
			mean += p / 20;
		Estimate e = estimate_from_parts(mean, parts);
		Interval ci = e.ci95();
		covered += ci.lo <= 1000 && 1000 <= ci.hi;
		eff += e.effective_parts / trials;
	}
	EXPECT_LT(eff, 12) << "20 correlated parts are fewer independent ones";
	EXPECT_GT(static_cast<double>(covered) / trials, 0.85);
	// Independent parts keep their number.
	std::vector<double> alternating;
	for (int k = 0; k < 20; k++)
		alternating.push_back(k % 2 ? 990 : 1010);
	EXPECT_EQ(estimate_from_parts(1000, alternating).effective_parts, 20);
}

TEST(Stats, RunsCombineByTheSpreadBetweenThemNeverBelowTheirOwn)
{
	std::vector<double> tight{ 1000, 1001, 999, 1000, 1000 };
	Estimate a = estimate_from_parts(1000, tight), b = a, c = a;
	b.value = 1100;
	c.value = 900;
	Estimate spread[] = { a, b, c };
	Estimate e = combine_runs(spread);
	EXPECT_EQ(e.runs, 3u);
	EXPECT_EQ(e.df, 2);
	EXPECT_NEAR(e.value, 1000, 1e-9);
	EXPECT_NEAR(e.se, 100 / std::sqrt(3.0), 1e-6);
	Estimate same[] = { a, a, a };
	Estimate f = combine_runs(same);
	EXPECT_NEAR(f.se, a.se / std::sqrt(3.0), 1e-9) << "the runs' own error is the floor";
}
