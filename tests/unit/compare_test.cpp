#include "app/compare.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace xperf;

namespace {

// A run's result of `parts` rounds: each round's level is center plus an
// offset drawn with sd `between` (what moves from one part to the next, and
// from one run to the next), its samples spread around the level.
Result synthetic(const std::string &crossing, double center, std::mt19937 &rng,
		 double between = 0, std::size_t parts = 10)
{
	std::normal_distribution<double> offset(0, between), noise(0, center / 50);
	Result r;
	r.crossing = crossing;
	r.variant = "v";
	r.tsc_hz = 1e9;
	for (std::size_t p = 0; p < parts; p++) {
		double level = center + (between > 0 ? offset(rng) : 0);
		for (int i = 0; i < 300; i++)
			r.cycles.push_back(level + noise(rng));
		r.round_sizes.push_back(300);
	}
	r.analyse();
	return r;
}

Result synthetic(const std::string &crossing, double center, unsigned seed, double between = 0)
{
	std::mt19937 rng(seed);
	return synthetic(crossing, center, rng, between);
}

Report report(std::vector<Result> results, bool kpti = false, std::string started = "")
{
	Report rep;
	rep.meta["conditions"] = { { "kpti", { { "enabled", kpti } } },
				   { "kernel", { { "release", "6.12.0" } } } };
	if (!started.empty())
		rep.meta["run"] = { { "started_utc", started } };
	rep.results = std::move(results);
	return rep;
}

const CompareRow &row_of(const Comparison &c, const std::string &crossing)
{
	for (const auto &r : c.rows)
		if (r.crossing == crossing)
			return r;
	throw std::runtime_error("no row " + crossing);
}

} // namespace

TEST(Compare, KnownRatioAndDifference)
{
	Report a = report({ synthetic("syscall", 200, 1, 2) });
	Report b = report({ synthetic("syscall", 500, 2, 5) });
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	const Against &ag = *c.rows[0].against[1];
	const Difference &d = ag.finding();
	EXPECT_NEAR(d.ratio, 2.5, 0.05);
	EXPECT_NEAR(d.diff, 300, 6);
	ASSERT_TRUE(d.known);
	EXPECT_TRUE(d.significant);
	EXPECT_LT(d.diff_ci.lo, d.diff);
	EXPECT_GT(d.diff_ci.hi, d.diff);
	EXPECT_LT(d.ratio_ci.lo, d.ratio);
	EXPECT_GT(d.ratio_ci.hi, d.ratio);
	EXPECT_FALSE(ag.normalised.has_value());
	EXPECT_TRUE(c.conditions[1].empty());
}

// The synthetic runs' parts move as much as runs do: two runs of the same
// thing are called different in at most 5 % of pairs, and a real shift of
// three times the between-part sd in nearly all.
TEST(Compare, SameThingTwiceIsNoFindingAndAShiftIs)
{
	std::mt19937 rng(7);
	int aa = 0, shifted = 0;
	constexpr int pairs = 400;
	for (int i = 0; i < pairs; i++) {
		Report a = report({ synthetic("getppid", 1800, rng, 40) });
		Report same = report({ synthetic("getppid", 1800, rng, 40) });
		Report moved = report({ synthetic("getppid", 1800 + 120, rng, 40) });
		aa += compare_reports(a, same).rows[0].against[1]->finding().significant;
		shifted += compare_reports(a, moved).rows[0].against[1]->finding().significant;
	}
	EXPECT_LE(aa, pairs * 5 / 100 + 13); // 5 %, and 3 sd of the count
	EXPECT_GE(shifted, pairs * 95 / 100);
}

TEST(Compare, OnePartSaysTheNoiseIsNotKnown)
{
	std::mt19937 rng(3);
	Report a = report({ synthetic("syscall", 200, rng, 0, 1) });
	Report b = report({ synthetic("syscall", 300, rng, 0, 1) });
	Comparison c = compare_reports(a, b);
	const Difference &d = c.rows[0].against[1]->finding();
	EXPECT_FALSE(d.known);
	EXPECT_FALSE(d.significant);
	EXPECT_NE(render_comparison(c, 160, Detail::verbose).find("? (noise not known)"), std::string::npos);
	EXPECT_TRUE(comparison_to_json(c)["comparison"][0]["ci95"].is_null());
}

TEST(Compare, SaysWhenConditionsDiffer)
{
	Report a = report({ synthetic("syscall", 200, 1) }, false);
	Report b = report({ synthetic("syscall", 200, 3) }, true);
	Comparison c = compare_reports(a, b);
	bool kpti = false;
	for (const auto &d : c.conditions[1])
		kpti |= d.key.find("kpti") != std::string::npos;
	EXPECT_TRUE(kpti);
	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_NE(text.find("A and B were taken under different conditions"), std::string::npos)
		<< text;
}

TEST(Compare, UnmatchedResultsAreListed)
{
	Report a = report({ synthetic("syscall", 200, 1), synthetic("pgfault", 900, 4) });
	Report b = report({ synthetic("syscall", 210, 2), synthetic("alloc", 50, 5) });
	Comparison c = compare_reports(a, b);
	EXPECT_EQ(c.rows.size(), 3u);
	EXPECT_EQ(c.missing,
		  (std::vector<std::string>{ "pgfault/v: not in B", "alloc/v: not in A" }));
	EXPECT_FALSE(row_of(c, "pgfault").against[1].has_value());
	EXPECT_TRUE(comparison_to_json(c)["comparison"][1]["against_first"][0].is_null());
}

TEST(Compare, SaysWhenSyscall500TookDifferentKernelPaths)
{
	Report a = report({ synthetic("syscall", 200, 1) });
	Report b = report({ synthetic("syscall", 300, 2) });
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
	Report a = report({ synthetic("syscall", 200, 1) });
	Report b = report({ synthetic("syscall", 300, 2) });
	for (auto &x : a.results[0].cycles)
		x = 0;
	a.results[0].analyse();
	Comparison c = compare_reports(a, b);
	ASSERT_EQ(c.rows.size(), 1u);
	std::string text = render_comparison(c, 160, Detail::verbose);
	std::string row = text.substr(text.find("\nsyscall"));
	row = row.substr(1, row.find('\n', 1));
	EXPECT_NE(row.find(" n/a "), std::string::npos) << row;
	EXPECT_EQ(row.find("0.000"), std::string::npos) << row;
	nlohmann::json j = comparison_to_json(c);
	EXPECT_TRUE(j["comparison"][0]["ratio"].is_null()) << j.dump();
}

// A figure of 0 or less is no time: B/A was 0.000 against it, or a negative
// ratio with an interval. Either side so: the row says "no time", judges
// nothing (no ratio, no interval, no verdict) and says why in a note.
TEST(Compare, AFigureOfNoTimeIsFlaggedAndNotJudged)
{
	for (double level : { 0.0, -26.0 })
		for (bool in_a : { true, false }) {
			Report a = report({ synthetic("syscall", 200, 1, 2) });
			Report b = report({ synthetic("syscall", 300, 2, 2) });
			Result &timeless = (in_a ? a : b).results[0];
			for (auto &x : timeless.cycles)
				x = level;
			timeless.analyse();
			Comparison c = compare_reports(a, b);
			const Against &ag = *c.rows[0].against[1];
			EXPECT_FALSE(ag.finding().known);
			EXPECT_FALSE(ag.finding().significant);
			EXPECT_FALSE(std::isfinite(ag.finding().ratio));
			std::string text = render_comparison(c);
			std::string row = text.substr(text.find("\nsyscall") + 1);
			row = row.substr(0, row.find('\n'));
			// The median as it is, and "no time" where its interval would be.
			EXPECT_NE(row.find(fmt::format("{:.1f}  no time", level)), std::string::npos)
				<< row;
			EXPECT_NE(row.find("? (no time)"), std::string::npos) << row;
			EXPECT_EQ(row.find("0.000"), std::string::npos) << row;
			EXPECT_EQ(row.find("nan"), std::string::npos) << row;
			EXPECT_NE(row.find(" n/a "), std::string::npos) << row;
			EXPECT_NE(text.find(fmt::format("note: syscall/v: the median of {} is {:.1f} "
							"cycles, no time",
							in_a ? "A" : "B", level)),
				  std::string::npos)
				<< text;
			nlohmann::json j = comparison_to_json(c)["comparison"][0];
			EXPECT_TRUE(j["ratio"].is_null()) << j.dump();
			EXPECT_TRUE(j["ci95"].is_null()) << j.dump();
			EXPECT_FALSE(j["significant"].get<bool>());
			EXPECT_TRUE(j["figures"][in_a ? 0 : 1]["ci95"].is_null()) << j.dump();
		}
}

// Everything ran 30 % slower in B, the control too: the machine changed.
// The rows are divided by the control's ratio and are no finding; a real
// 20 % on top of it still is one.
TEST(Compare, AMovedControlIsReportedAndDividedOut)
{
	std::mt19937 rng(5);
	Report a = report({ synthetic("getppid", 1800, rng, 10), synthetic("pgfault", 3000, rng, 20),
			    synthetic("control", 2400, rng, 10) });
	Report b = report({ synthetic("getppid", 1800 * 1.3, rng, 13),
			    synthetic("pgfault", 3000 * 1.3 * 1.2, rng, 30),
			    synthetic("control", 2400 * 1.3, rng, 13) });
	Comparison c = compare_reports(a, b);
	ASSERT_TRUE(c.control.present);
	ASSERT_TRUE(c.control.moved[1]);
	EXPECT_NEAR(c.control.against[1]->ratio, 1.3, 0.02);
	const Against &getppid = *row_of(c, "getppid").against[1];
	ASSERT_TRUE(getppid.normalised.has_value());
	EXPECT_TRUE(getppid.raw.significant);
	EXPECT_FALSE(getppid.finding().significant);
	EXPECT_NEAR(getppid.finding().ratio, 1.0, 0.02);
	const Against &pgfault = *row_of(c, "pgfault").against[1];
	EXPECT_TRUE(pgfault.finding().significant);
	EXPECT_NEAR(pgfault.finding().ratio, 1.2, 0.03);
	EXPECT_FALSE(row_of(c, "control").against[1]->normalised.has_value());

	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_NE(text.find("the control moved"), std::string::npos) << text;
	EXPECT_NE(text.find("divided by the control's ratio"), std::string::npos) << text;
	nlohmann::json j = comparison_to_json(c);
	const auto &row = j["comparison"][0];
	EXPECT_EQ(row["crossing"], "getppid");
	EXPECT_TRUE(row["normalised_by_control"].get<bool>());
	EXPECT_FALSE(row["significant"].get<bool>());
	EXPECT_TRUE(row["against_first"][0]["raw"]["significant"].get<bool>());
	EXPECT_TRUE(j["control"]["against_first"][0]["moved"].get<bool>());
}

TEST(Compare, ASteadyControlLeavesTheRowsRaw)
{
	std::mt19937 rng(6);
	Report a = report({ synthetic("getppid", 1800, rng, 10), synthetic("control", 2400, rng, 10) });
	Report b = report({ synthetic("getppid", 2000, rng, 10), synthetic("control", 2400, rng, 10) });
	Comparison c = compare_reports(a, b);
	EXPECT_FALSE(c.control.moved[1]);
	EXPECT_FALSE(row_of(c, "getppid").against[1]->normalised.has_value());
	EXPECT_TRUE(row_of(c, "getppid").against[1]->finding().significant);
}

// A control of one part cannot say whether the machine changed: the table
// prints "?" for it, not "steady", and a note says why.
TEST(Compare, AControlOfOnePartIsNotCalledSteady)
{
	std::mt19937 rng(7);
	Report a = report({ synthetic("getppid", 1800, rng, 0, 1), synthetic("control", 2400, rng, 0, 1) });
	Report b = report({ synthetic("getppid", 1800, rng, 0, 1), synthetic("control", 2400, rng, 0, 1) });
	Comparison c = compare_reports(a, b);
	EXPECT_FALSE(c.control.moved[1]);
	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_EQ(text.find("steady"), std::string::npos) << text;
	EXPECT_NE(text.find("whether the machine changed between them could not be checked"),
		  std::string::npos)
		<< text;
}

TEST(Compare, WithoutAControlItSaysSo)
{
	Comparison c = compare_reports(report({ synthetic("syscall", 200, 1) }),
				       report({ synthetic("syscall", 200, 2) }));
	EXPECT_FALSE(c.control.present);
	EXPECT_NE(render_comparison(c, 160, Detail::verbose).find("no control in these runs"), std::string::npos);
}

namespace {

// n runs of one kernel: each run's parts agree closely (between 2), but
// each run sits at its own level (sd run_sd): the noise between boots.
Column runs_of(const std::string &label, double center, double run_sd, std::mt19937 &rng,
	       std::vector<std::string> started)
{
	std::normal_distribution<double> level(0, run_sd);
	Column col;
	col.label = label;
	for (const auto &t : started) {
		col.files.push_back(label + t);
		col.runs.push_back(report({ synthetic("getppid", center + level(rng), rng, 2) }, false, t));
	}
	return col;
}

} // namespace

// Three runs of each: the spread between a column's runs, not the tight
// parts within each run, decides; a run-to-run drift of 3 % is no finding.
TEST(Compare, ColumnsOfSeveralRunsWeighTheSpreadBetweenRuns)
{
	std::mt19937 rng(8);
	int aa = 0;
	constexpr int trials = 200;
	for (int i = 0; i < trials; i++) {
		Column a = runs_of("A", 1800, 50, rng, { "1", "3", "5" });
		Column b = runs_of("B", 1800, 50, rng, { "2", "4", "6" });
		Comparison c = compare_columns({ a, b });
		const Difference &d = row_of(c, "getppid").against[1]->finding();
		ASSERT_TRUE(d.known);
		EXPECT_EQ(d.df > 0, true);
		aa += d.significant;
		// One run of each alone would call most of them different.
	}
	EXPECT_LE(aa, trials * 5 / 100 + 9);
	Column a = runs_of("A", 1800, 10, rng, { "1", "3", "5" });
	Column b = runs_of("B", 2000, 10, rng, { "2", "4", "6" });
	Comparison c = compare_columns({ a, b });
	EXPECT_TRUE(row_of(c, "getppid").against[1]->finding().significant);
	EXPECT_EQ(row_of(c, "getppid").cells[0]->figure.runs, 3u);
	nlohmann::json j = comparison_to_json(c);
	EXPECT_EQ(j["columns"][0]["runs"], 3);
	EXPECT_EQ(j["comparison"][0]["figures"][1]["runs"], 3);
}

TEST(Compare, RunsThatDidNotAlternateAreNamed)
{
	std::mt19937 rng(9);
	auto has_note = [](const Comparison &c) {
		for (const auto &n : c.notes)
			if (n.find("did not alternate") != std::string::npos)
				return true;
		return false;
	};
	Comparison alternated = compare_columns(
		{ runs_of("A", 1800, 10, rng, { "2026-12-02T01:00:00Z", "2026-12-02T01:02:00Z" }),
		  runs_of("B", 1800, 10, rng, { "2026-12-02T01:01:00Z", "2026-12-02T01:03:00Z" }) });
	EXPECT_FALSE(has_note(alternated));
	Comparison blocked = compare_columns(
		{ runs_of("A", 1800, 10, rng, { "2026-12-02T01:00:00Z", "2026-12-02T01:01:00Z" }),
		  runs_of("B", 1800, 10, rng, { "2026-12-02T01:02:00Z", "2026-12-02T01:03:00Z" }) });
	EXPECT_TRUE(has_note(blocked));
	// A A B A B B: the time ranges overlap, but the runs did not alternate.
	Comparison overlapping = compare_columns(
		{ runs_of("A", 1800, 10, rng,
			  { "2026-12-02T01:00:00Z", "2026-12-02T01:01:00Z", "2026-12-02T01:03:00Z" }),
		  runs_of("B", 1800, 10, rng,
			  { "2026-12-02T01:02:00Z", "2026-12-02T01:04:00Z", "2026-12-02T01:05:00Z" }) });
	EXPECT_TRUE(has_note(overlapping));
	// A B A B A: one more of A than of B still alternates.
	Comparison uneven = compare_columns(
		{ runs_of("A", 1800, 10, rng,
			  { "2026-12-02T01:00:00Z", "2026-12-02T01:02:00Z", "2026-12-02T01:04:00Z" }),
		  runs_of("B", 1800, 10, rng, { "2026-12-02T01:01:00Z", "2026-12-02T01:03:00Z" }) });
	EXPECT_FALSE(has_note(uneven));
}

// Two runs a column: the interval between runs rests on one degree of
// freedom, and the table says so.
TEST(Compare, TwoRunsAColumnAskForAThird)
{
	std::mt19937 rng(11);
	Comparison c = compare_columns(
		{ runs_of("A", 1800, 10, rng, { "2026-12-02T01:00:00Z", "2026-12-02T01:02:00Z" }),
		  runs_of("B", 1800, 10, rng, { "2026-12-02T01:01:00Z", "2026-12-02T01:03:00Z" }) });
	EXPECT_NE(render_comparison(c, 160, Detail::verbose).find("two runs in A, B"), std::string::npos)
		<< render_comparison(c, 160, Detail::verbose);
}

// Noise flagged in a run marks its figure "~"; a column taken under warned
// conditions marks its label "!"; the legend says what each means.
TEST(Compare, NoiseAndWarnedConditionsAreMarkedBesideTheFigures)
{
	std::mt19937 rng(12);
	Report a = report({ synthetic("getppid", 1800, rng, 5) });
	Report b = report({ synthetic("getppid", 1800, rng, 5) });
	b.results[0].noise.push_back(NoiseFlag{ "bimodal", "two modes", "another task", "rerun" });
	b.meta["warned"] = nlohmann::json::array(
		{ { { "check", "governor" }, { "found", "powersave" } } });
	Comparison c = compare_reports(a, b);
	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_NE(text.find("B median!"), std::string::npos) << text;
	EXPECT_EQ(text.find("A median!"), std::string::npos) << text;
	EXPECT_NE(text.find("%~"), std::string::npos) << text;
	EXPECT_NE(text.find("~: noise flagged"), std::string::npos) << text;
	EXPECT_NE(text.find("!: that column was taken under warned conditions"), std::string::npos)
		<< text;
	EXPECT_NE(text.find("governor: powersave"), std::string::npos) << text;
	Comparison clean = compare_reports(a, a);
	EXPECT_EQ(render_comparison(clean, 160, Detail::verbose).find("~"), std::string::npos);
}

// A column of several runs lists each finding once; one that not every
// run had says which runs, so that a check found twice (a count that moved
// between boots) reads as two runs' findings, not as a repeat.
TEST(Compare, AWarnedFindingNotInEveryRunSaysWhichRuns)
{
	std::mt19937 rng(13);
	auto warned_run = [&](std::string irqs) {
		Report r = report({ synthetic("getppid", 1800, rng, 5) });
		r.meta["warned"] = nlohmann::json::array(
			{ { { "check", "governor" }, { "found", "powersave" } },
			  { { "check", "irq_affinity" }, { "found", irqs } } });
		return r;
	};
	Report a = report({ synthetic("getppid", 1800, rng, 5) });
	Comparison c = compare_columns(
		{ Column{ "A", { "a" }, { a } },
		  Column{ "B", { "b1", "b2", "b3" },
			  { warned_run("4 ttyS0"), warned_run("6 ttyS0"), warned_run("4 ttyS0") } } });
	ASSERT_EQ(c.warned[1].size(), 3u);
	EXPECT_EQ(c.warned[1][0].runs, (std::vector<std::size_t>{ 1, 2, 3 }));
	EXPECT_EQ(c.warned[1][1].runs, (std::vector<std::size_t>{ 1, 3 }));
	EXPECT_EQ(c.warned[1][2].runs, (std::vector<std::size_t>{ 2 }));
	std::string text = render_comparison_notes(c, Detail::verbose);
	EXPECT_NE(text.find("  governor: powersave\n"), std::string::npos) << text;
	EXPECT_NE(text.find("  irq_affinity (runs 1 and 3 of 3): 4 ttyS0\n"), std::string::npos)
		<< text;
	EXPECT_NE(text.find("  irq_affinity (run 2 of 3): 6 ttyS0\n"), std::string::npos) << text;
	nlohmann::json j = comparison_to_json(c);
	EXPECT_EQ(j["columns"][1]["warned"][1], "irq_affinity: 4 ttyS0");
	EXPECT_EQ(j["columns"][1]["warned_runs"][1], nlohmann::json::array({ 1, 3 }));
	EXPECT_TRUE(j["columns"][0]["warned"].empty());
}

TEST(Compare, ThreeColumnsEachAgainstTheFirst)
{
	std::mt19937 rng(10);
	Report a = report({ synthetic("getppid", 1000, rng, 5) });
	Report b = report({ synthetic("getppid", 1500, rng, 5) });
	Report c3 = report({ synthetic("getppid", 1000, rng, 5) });
	Comparison c = compare_columns({ Column{ "A", { "a" }, { a } }, Column{ "B", { "b" }, { b } },
					 Column{ "C", { "c" }, { c3 } } });
	const CompareRow &r = row_of(c, "getppid");
	ASSERT_EQ(r.against.size(), 3u);
	EXPECT_TRUE(r.against[1]->finding().significant);
	EXPECT_NEAR(r.against[2]->finding().ratio, 1.0, 0.02);
	nlohmann::json j = comparison_to_json(c);
	const auto &row = j["comparison"][0];
	ASSERT_EQ(row["against_first"].size(), 2u);
	EXPECT_EQ(row["against_first"][0]["label"], "B");
	EXPECT_EQ(row["against_first"][1]["label"], "C");
	for (const char *k : { "ratio", "diff", "diff_ns", "ci95", "significant" })
		EXPECT_TRUE(row["against_first"][0].contains(k)) << k;
	EXPECT_FALSE(row.contains("significant")) << "several columns: no single finding per row";
	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_NE(text.find("C/A"), std::string::npos) << text;
}

// By default a comparison's notes are one legend line, one line per kind
// of noise over the figures that show it, the conditions that differ by
// name and each warned condition once; -q leaves the table alone.
TEST(Compare, DefaultNotesSayEachKindOfFindingOnce)
{
	std::mt19937 rng(21);
	Report a = report({ synthetic("getppid", 1800, rng, 5), synthetic("read", 1900, rng, 5) });
	Report b = report({ synthetic("getppid", 1800, rng, 5), synthetic("read", 1900, rng, 5) });
	for (Report *rep : { &a, &b })
		for (auto &r : rep->results)
			r.noise.push_back(NoiseFlag{ "preemption", "12 switches", "another task", "isolate" });
	b.meta["warned"] = nlohmann::json::array(
		{ { { "check", "governor" }, { "found", "powersave" } } });
	b.meta["conditions"] = { { "kernel", { { "release", "6.12.1" } } } };
	a.meta["conditions"] = { { "kernel", { { "release", "6.12.0" } } } };
	Comparison c = compare_reports(a, b);
	std::string notes = render_comparison_notes(c, Detail::normal);
	EXPECT_EQ(notes.rfind("±95%: half the median's 95 % interval", 0), 0u) << notes;
	EXPECT_NE(notes.find("~: noise flagged; !: warned conditions"), std::string::npos) << notes;
	EXPECT_NE(notes.find("noise: preemption in 4 figures (getppid 2, read 2) (-v for each)\n"),
		  std::string::npos)
		<< notes;
	EXPECT_NE(notes.find("conditions of B differ from A's: /kernel/release"), std::string::npos)
		<< notes;
	EXPECT_NE(notes.find("warned in B: governor: powersave\n"), std::string::npos) << notes;
	EXPECT_EQ(notes.find("12 switches"), std::string::npos) << notes;
	EXPECT_EQ(render_comparison_notes(c, Detail::quiet), "");
	EXPECT_EQ(render_comparison(c, 100, Detail::quiet),
		  comparison_table(c).write(TableForm::text, 100));
}
