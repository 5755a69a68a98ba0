#include "stats.h"

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
