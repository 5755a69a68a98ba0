#include "app/progress.h"
#include "app/registry.h"
#include "app/suites.h"
#include "core/error.h"
#include "core/temp_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace xperf;

namespace {

// A result of ten parts around center cycles, 1 GHz.
Result synthetic(const std::string &crossing, const std::string &variant, double center,
		 unsigned seed)
{
	std::mt19937 rng(seed);
	std::normal_distribution<double> offset(0, center / 100), noise(0, center / 50);
	Result r;
	r.crossing = crossing;
	r.variant = variant;
	r.tsc_hz = 1e9;
	for (int p = 0; p < 10; p++) {
		double level = center + offset(rng);
		for (int i = 0; i < 200; i++)
			r.cycles.push_back(level + noise(rng));
		r.round_sizes.push_back(200);
	}
	r.analyse();
	return r;
}

Report run(double scale, unsigned seed, const std::string &release, bool kpti)
{
	Report rep;
	rep.meta["conditions"] = { { "kpti", { { "enabled", kpti } } },
				   { "kernel", { { "release", release } } } };
	rep.results.push_back(synthetic("getppid", "getppid", 1000 * scale, seed));
	Result bw = synthetic("bw-pipe", "64k", 20000 * scale, seed + 1);
	bw.detail["bytes_per_iteration"] = 65536;
	rep.results.push_back(std::move(bw));
	rep.results.push_back(synthetic("control", "adds-4000", 2000, seed + 2));
	return rep;
}

std::vector<Column> three_kernels()
{
	std::vector<Column> cols(3);
	cols[0].runs = { run(1.0, 1, "6.12.0", true) };
	cols[1].runs = { run(1.5, 11, "6.12.0-xperf", true) };
	cols[2].runs = { run(1.0, 21, "6.12.0", false) };
	return cols;
}

std::size_t count_of(const std::string &text, const std::string &what)
{
	std::size_t n = 0;
	for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
		n++;
	return n;
}

} // namespace

// Every row of every suite names an entry of the registry: a suite cannot
// ask for what xperf-user does not have.
TEST(Suites, EveryRowNamesARegistryEntry)
{
	for (const auto &s : suites())
		for (const auto &r : s.rows)
			EXPECT_NE(find_crossing(r.crossing), nullptr)
				<< s.name << ": " << r.crossing;
}

TEST(Suites, TheOsSuitesEntriesAreOsEntries)
{
	for (const auto &r : find_suite("os")->rows) {
		const Crossing *c = find_crossing(r.crossing);
		if (c && r.crossing != "getppid") {
			EXPECT_EQ(c->group, Group::os) << r.crossing;
		}
	}
	// "all" measures no OS suite entry.
	for (const auto &s : select_crossings("all"))
		EXPECT_EQ(s.crossing->group, Group::crossing) << s.crossing->name;
}

TEST(Suites, SelectingSuitesListsTheirEntriesOnce)
{
	auto chosen = select_suites("syscall,gates,syscall");
	ASSERT_EQ(chosen.size(), 2u);
	EXPECT_EQ(crossing_list(chosen), "syscall,funccall,getppid,vmexit,alloc");
	try {
		select_suites("lmbench");
		FAIL() << "an unknown suite was accepted";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input);
		EXPECT_NE(std::string(e.what()).find("os, gates, syscall"), std::string::npos);
	}
}

// Labels come from what tells the columns apart, the user's words first.
TEST(Suites, ColumnLabelsFromWhatDiffers)
{
	std::vector<Column> cols = three_kernels();
	std::vector<std::string> l = column_labels(cols, {});
	EXPECT_EQ(l[0], "6.12.0, KPTI on");
	EXPECT_EQ(l[1], "6.12.0-xperf, KPTI on");
	EXPECT_EQ(l[2], "6.12.0, KPTI off");

	// Nothing differs: letters.
	std::vector<Column> same(2);
	same[0].runs = { run(1, 1, "6.12.0", true) };
	same[1].runs = { run(1, 2, "6.12.0", true) };
	l = column_labels(same, {});
	EXPECT_EQ(l[0], "A");
	EXPECT_EQ(l[1], "B");

	// A run's own label, then --label over it.
	same[0].runs[0].meta["label"] = "before";
	same[1].runs[0].meta["label"] = "after";
	l = column_labels(same, {});
	EXPECT_EQ(l[0], "before");
	EXPECT_EQ(l[1], "after");
	l = column_labels(same, { "", "mine" });
	EXPECT_EQ(l[0], "before");
	EXPECT_EQ(l[1], "mine");
}

// The LMBench layout of three columns: sections, µs and MB/s, each later
// column against the first with its interval and verdict.
TEST(Suites, LmbenchTableOfThreeKernels)
{
	std::vector<Column> cols = three_kernels();
	std::vector<std::string> labels = column_labels(cols, { "base", "instr", "nopti" });
	for (std::size_t j = 0; j < cols.size(); j++)
		cols[j].label = labels[j];
	Comparison c = compare_columns(cols);
	std::string text = render_suite(*find_suite("os"), c, cols, TableForm::text, 160);
	EXPECT_NE(text.find("Processes (µs)"), std::string::npos) << text;
	EXPECT_NE(text.find("Local communication bandwidths (MB/s)"), std::string::npos);
	EXPECT_NE(text.find("null call"), std::string::npos);
	EXPECT_NE(text.find("instr vs base"), std::string::npos);
	EXPECT_NE(text.find("nopti vs base"), std::string::npos);
	// getppid: 1000 cycles at 1 GHz is 1 µs; bw-pipe: 64 KiB in 20 µs is
	// about 3277 MB/s in the first column.
	std::istringstream in(text);
	bool saw_null = false, saw_pipe = false;
	for (std::string line; std::getline(in, line);) {
		if (line.rfind("null call", 0) == 0) {
			saw_null = true;
			EXPECT_NE(line.find(" 1.00 "), std::string::npos) << line;
			EXPECT_NE(line.find("+50."), std::string::npos) << line; // instr: 1.5x
			EXPECT_NE(line.find("yes"), std::string::npos) << line;
		}
		if (line.rfind("pipe", 0) == 0) {
			saw_pipe = true;
			double mbs = std::stod(line.substr(4));
			EXPECT_GT(mbs, 3100) << line;
			EXPECT_LT(mbs, 3450) << line;
		}
	}
	EXPECT_TRUE(saw_null) << text;
	EXPECT_TRUE(saw_pipe) << text;
	// The rows the runs lack are left out, not shown empty.
	EXPECT_EQ(text.find("fork proc"), std::string::npos);
	EXPECT_NE(text.find("conditions"), std::string::npos);
}

TEST(Suites, MarkdownAndCsvHoldTheSameRows)
{
	std::vector<Column> cols = three_kernels();
	for (std::size_t j = 0; j < cols.size(); j++)
		cols[j].label = std::string(1, static_cast<char>('A' + j));
	Comparison c = compare_columns(cols);
	const Suite &os = *find_suite("os");
	std::string md = render_suite(os, c, cols, TableForm::markdown);
	EXPECT_NE(md.find("| entry |"), std::string::npos) << md;
	EXPECT_NE(md.find("| **Processes (µs)** |"), std::string::npos) << md;
	EXPECT_NE(md.find("| null call |"), std::string::npos) << md;

	std::string csv = render_suite(os, c, cols, TableForm::csv);
	std::istringstream in(csv);
	std::string head;
	std::getline(in, head);
	// section, entry, 3 x (value, ±, noise), 2 x (overhead, its interval's
	// low and high, verdict, divided by the control)
	EXPECT_EQ(count_of(head, ","), 1u + 1 + 9 + 10 - 1) << head;
	std::vector<std::string> lines;
	for (std::string line; std::getline(in, line);)
		lines.push_back(line);
	ASSERT_EQ(lines.size(), 2u) << csv;
	EXPECT_EQ(lines[0].rfind("Processes (µs),null call,", 0), 0u) << lines[0];
	EXPECT_NE(lines[1].find("bandwidths"), std::string::npos) << lines[1];
}

// The Unikraft layout: avg, median, q1 and q3 in cycles and ns per run.
TEST(Suites, QuartilesTable)
{
	Report rep;
	rep.results.push_back(synthetic("syscall", "nr500", 500, 3));
	rep.results.push_back(synthetic("funccall", "noinline", 2, 4));
	std::vector<Column> cols(1);
	cols[0].label = "linux";
	cols[0].runs = { rep };
	Comparison c = compare_columns(cols);
	std::string text = render_suite(*find_suite("syscall"), c, cols, TableForm::text, 160);
	EXPECT_NE(text.find("avg cycles"), std::string::npos) << text;
	EXPECT_NE(text.find("q3 ns"), std::string::npos) << text;
	std::istringstream in(text);
	bool seen = false;
	for (std::string line; std::getline(in, line);)
		if (line.find("syscall 500") != std::string::npos) {
			seen = true;
			EXPECT_EQ(line.rfind("linux", 0), 0u) << line;
			std::string median = fmt::format(" {:.1f} ", rep.results[0].stats.median);
			EXPECT_NE(line.find(median), std::string::npos) << line;
		}
	EXPECT_TRUE(seen) << text;
}

TEST(Suites, ProgressLineSaysWhatAndTimeLeft)
{
	EXPECT_EQ(progress_line("round 1/10  pipe", 0, 40, 0), "  0%  round 1/10  pipe");
	EXPECT_EQ(progress_line("round 2/10  pipe", 10, 40, 30), " 25%  round 2/10  pipe  1:30 left");
}

// A scratch folder goes with what it holds.
TEST(Suites, ScratchFolderIsRemovedWithItsFiles)
{
	std::string path;
	{
		TempDir d("", "suites-test");
		path = d.path();
		std::ofstream(path + "/a") << "x";
		std::ofstream(path + "/b") << "y";
		EXPECT_TRUE(std::filesystem::is_directory(path));
	}
	EXPECT_FALSE(std::filesystem::exists(path));
}

// The Unikraft layout of two runs: each later run's rows against the
// first's, with the interval and the verdict, as the LMBench layout has it.
TEST(Suites, QuartilesTableSetsLaterRunsAgainstTheFirst)
{
	std::vector<Column> cols(2);
	cols[0].label = "linux";
	cols[1].label = "instr";
	for (unsigned j = 0; j < 2; j++) {
		Report rep;
		rep.results.push_back(synthetic("syscall", "nr500", j ? 750 : 500, 5 + j));
		rep.results.push_back(synthetic("funccall", "noinline", 2, 7 + j));
		cols[j].runs = { rep };
	}
	Comparison c = compare_columns(cols);
	std::string text = render_suite(*find_suite("syscall"), c, cols, TableForm::text, 200);
	EXPECT_NE(text.find("vs linux"), std::string::npos) << text;
	std::istringstream in(text);
	int seen = 0;
	for (std::string line; std::getline(in, line);) {
		if (line.find("syscall 500") == std::string::npos)
			continue;
		seen++;
		// 750 against 500 cycles: about +50 %, the first run's row none.
		std::size_t plus = line.find(" +");
		if (line.rfind("instr", 0) == 0) {
			ASSERT_NE(plus, std::string::npos) << line;
			double percent = std::stod(line.substr(plus + 2));
			EXPECT_GT(percent, 45) << line;
			EXPECT_LT(percent, 55) << line;
			EXPECT_NE(line.find("yes"), std::string::npos) << line;
		} else {
			EXPECT_EQ(plus, std::string::npos) << line;
		}
	}
	EXPECT_EQ(seen, 2) << text;
	std::string csv = render_suite(*find_suite("syscall"), c, cols, TableForm::csv);
	EXPECT_NE(csv.find(",vs linux percent,vs linux ci95 lo percent,"), std::string::npos) << csv;
}
