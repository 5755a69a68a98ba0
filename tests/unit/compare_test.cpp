#include "compare.h"

#include <gtest/gtest.h>

#include <random>

using namespace xperf;

namespace {

Result synthetic(const std::string &crossing, double center, unsigned seed)
{
	std::mt19937 rng(seed);
	std::normal_distribution<double> d(center, center / 50);
	Result r;
	r.crossing = crossing;
	r.variant = "v";
	r.tsc_hz = 1e9;
	r.cycles.resize(2000);
	for (auto &x : r.cycles)
		x = d(rng);
	r.round_sizes = { 2000 };
	r.analyse();
	return r;
}

Report report(std::vector<Result> results, bool kpti)
{
	Report rep;
	rep.meta["conditions"] = { { "kpti", { { "enabled", kpti } } },
				   { "kernel", { { "release", "6.12.0" } } } };
	rep.results = std::move(results);
	return rep;
}

} // namespace

TEST(Compare, KnownRatioAndDifference)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 500, 2) }, false);
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	const CompareRow &r = c.rows[0];
	EXPECT_NEAR(r.ratio, 2.5, 0.02);
	EXPECT_NEAR(r.diff, 300, 3);
	ASSERT_TRUE(r.ci.has_value());
	EXPECT_LT(r.ci->diff.lo, 300);
	EXPECT_GT(r.ci->diff.hi, 300);
	EXPECT_LT(r.ci->ratio.lo, 2.5);
	EXPECT_GT(r.ci->ratio.hi, 2.5);
	ASSERT_TRUE(r.p_value.has_value());
	EXPECT_LT(*r.p_value, 1e-9);
	EXPECT_TRUE(c.conditions.empty());
}

TEST(Compare, SaysWhenConditionsDiffer)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 200, 3) }, true);
	Comparison c = compare_reports(a, b);
	bool kpti = false;
	for (const auto &d : c.conditions)
		kpti |= d.key.find("kpti") != std::string::npos;
	EXPECT_TRUE(kpti);
	std::string text = render_comparison(c, "off.json", "on.json");
	EXPECT_NE(text.find("different conditions"), std::string::npos) << text;
}

TEST(Compare, UnmatchedResultsAreListed)
{
	Report a = report({ synthetic("syscall", 200, 1), synthetic("pgfault", 900, 4) }, false);
	Report b = report({ synthetic("syscall", 210, 2), synthetic("alloc", 50, 5) }, false);
	Comparison c = compare_reports(a, b);
	EXPECT_EQ(c.rows.size(), 1u);
	EXPECT_EQ(c.only_in_a, std::vector<std::string>{ "pgfault/v" });
	EXPECT_EQ(c.only_in_b, std::vector<std::string>{ "alloc/v" });
}

TEST(Compare, WithoutRawSamplesThereIsNoInterval)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 400, 2) }, false);
	b.results[0].cycles.clear();
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	EXPECT_FALSE(c.rows[0].ci.has_value());
	EXPECT_NEAR(c.rows[0].ratio, 2, 0.02);
	nlohmann::json j = comparison_to_json(c);
	EXPECT_FALSE(j["comparison"][0].contains("ci95"));
}

TEST(Compare, SaysWhenSyscall500TookDifferentKernelPaths)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 300, 2) }, false);
	a.results[0].detail["kernel_path"] = "enosys";
	b.results[0].detail["kernel_path"] = "xperf-nop";
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	ASSERT_EQ(c.rows[0].notes.size(), 1u);
	EXPECT_NE(c.rows[0].notes[0].find("A enosys, B xperf-nop"), std::string::npos);
	b.results[0].detail["kernel_path"] = "enosys";
	EXPECT_TRUE(compare_reports(a, b).rows[0].notes.empty());
}

// A ratio to a zero median does not exist: n/a in the table, null in the
// JSON, never 0.000 with an interval of [0, 0].
TEST(Compare, RatioToAZeroMedianIsNotAvailable)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 300, 2) }, false);
	for (auto &x : a.results[0].cycles)
		x = 0;
	a.results[0].analyse();
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	std::string text = render_comparison(c, "a.json", "b.json");
	std::string row = text.substr(text.find("\nsyscall"));
	row = row.substr(1, row.find('\n', 1));
	EXPECT_NE(row.find(" n/a "), std::string::npos) << row;
	EXPECT_EQ(row.find("0.000"), std::string::npos) << row;
	nlohmann::json j = comparison_to_json(c);
	EXPECT_TRUE(j["comparison"][0]["ratio"].is_null()) << j.dump();
	EXPECT_TRUE(j["comparison"][0]["ci95"]["ratio"].is_null()) << j.dump();
}
