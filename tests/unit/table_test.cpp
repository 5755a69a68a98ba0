// The table writer (app/table.h): golden output of each form, the text form
// at 80, 100 and 160 columns, and the CSV of real results read back by
// Python's csv module without a display mark in it.
//
// XPERF_UPDATE_GOLDEN=1 rewrites the golden files from what the writer
// gives; read the difference before committing it.
#include "app/compare.h"
#include "app/result_reader.h"
#include "app/suites.h"
#include "app/table.h"
#include "core/temp_file.h"

#include "test_paths.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/wait.h>

using namespace xperf;

namespace {

std::string golden_path(const std::string &name)
{
	return std::string(XPERF_FIXTURES) + "/table/" + name;
}

// Compares text with the golden file of that name (or writes it, see above).
void expect_golden(const std::string &name, const std::string &text)
{
	std::string path = golden_path(name);
	if (const char *u = std::getenv("XPERF_UPDATE_GOLDEN"); u && std::string(u) == "1") {
		std::ofstream(path) << text;
		return;
	}
	std::ifstream in(path);
	ASSERT_TRUE(in) << "no golden file " << path;
	std::stringstream want;
	want << in.rdbuf();
	EXPECT_EQ(text, want.str()) << name;
}

std::size_t widest_line(const std::string &text)
{
	std::size_t widest = 0;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		widest = std::max(widest, display_width(line));
	return widest;
}

// A small table of every kind of cell: words, numbers with marks, a cell
// with no value, a section, a row for people only and columns for CSV only.
Table sample_table()
{
	Table t({ { "entry", Align::left },
		  { "median", Align::right, 0, Shown::all, "median_cycles" },
		  { "±95%", Align::right, 2, Shown::all, "ci95_half_percent" },
		  { "ci95_lo", Align::right, 0, Shown::csv },
		  { "q1", Align::right, 4 },
		  { "q3", Align::right, 4 },
		  { "p99 (the slowest hundredth)", Align::right, 3 },
		  { "overhead of the empty region", Align::right, 5 },
		  { "flags", Align::left, 1 } });
	t.add_section("System calls (cycles)");
	t.add_row({ TableValue::text("getppid"), TableValue::number(290.25, 1),
		    TableValue::number(1.234, 1, "%", "±").marked("~"), TableValue::number(285.5, 1),
		    TableValue::number(288, 1), TableValue::number(301, 1),
		    TableValue::number(412, 1), TableValue::number(26, 0),
		    TableValue{ "drift(7%) preemption", "drift preemption" } });
	t.add_row({ TableValue::text("syscall 500, the xperf no-op"), TableValue::number(251, 1),
		    TableValue::none(), TableValue::none(), TableValue::number(250, 1),
		    TableValue::number(252, 1), TableValue::number(260.5, 1),
		    TableValue::number(26, 0), TableValue::none() });
	t.add_row({ {}, {}, {}, {}, {}, {}, {}, {}, TableValue::text("note: -ENOSYS path") },
		  Shown::display);
	t.add_section("Faults | traps (cycles)");
	t.add_row({ TableValue::text("pgfault \"anon\", write"), TableValue::number(1820.5, 1),
		    TableValue::number(0.3, 1, "%", "±"), TableValue::number(1815, 1),
		    TableValue::number(1800, 1), TableValue::number(1850, 1),
		    TableValue::number(2400, 1), TableValue::number(26, 0),
		    TableValue::text("bimodal") });
	return t;
}

ResultFile fixture_result(const std::string &name)
{
	return read_result_file(std::string(XPERF_FIXTURES) + "/results/" + name);
}

// Runs the CSV checker once (Python starts slowly on a loaded machine) on
// good CSVs, which must pass, and bad ones, which must fail; its status
// (127: no python3), with what it said in msg.
int csv_check(const std::vector<std::string> &good, const std::vector<std::string> &bad,
	      std::string &msg)
{
	TempDir dir("", "csv");
	std::string cmd = "python3 " + std::string(XPERF_FIXTURES) + "/../scripts/csv-check.py";
	auto add = [&](const std::vector<std::string> &csvs, const char *kind) {
		for (std::size_t i = 0; i < csvs.size(); i++) {
			std::string file = fmt::format("{}/{}-{}.csv", dir.path(), kind, i);
			std::ofstream(file) << csvs[i];
			cmd += " " + file;
		}
	};
	add(good, "good");
	cmd += " --bad";
	add(bad, "bad");
	std::unique_ptr<FILE, int (*)(FILE *)> p(::popen((cmd + " 2>&1").c_str(), "r"), ::pclose);
	char buf[4096];
	while (std::size_t n = std::fread(buf, 1, sizeof(buf), p.get()))
		msg.append(buf, n);
	int status = ::pclose(p.release());
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

// The text form at three widths: columns are left out, highest priority
// first, until the table fits; never a line wider than asked.
TEST(Table, TextFitsEachWidthByLeavingOutColumns)
{
	Table t = sample_table();
	for (std::size_t width : { 80, 100, 160 }) {
		std::string text = t.write(TableForm::text, width);
		EXPECT_LE(widest_line(text), width) << text;
		expect_golden(fmt::format("sample-{}.txt", width), text);
	}
	// Which columns were left out: by name where that fits, else how many.
	std::string narrow = t.write(TableForm::text, 80);
	EXPECT_EQ(narrow.find("overhead of the empty region"), std::string::npos) << narrow;
	EXPECT_NE(narrow.find("\n(4 columns left out to fit 80)\n"), std::string::npos) << narrow;
	std::string middle = t.write(TableForm::text, 100);
	EXPECT_NE(middle.find("\n(to fit 100 columns, left out: overhead of the empty region, q3, "
			      "q1)\n"),
		  std::string::npos)
		<< middle;
	// What has priority 0 stays however narrow: the text is then wider.
	std::string tiny = t.write(TableForm::text, 20);
	EXPECT_NE(tiny.find("syscall 500, the xperf no-op"), std::string::npos) << tiny;
	EXPECT_NE(tiny.find("median"), std::string::npos) << tiny;
	EXPECT_EQ(tiny.find("flags"), std::string::npos) << tiny;
	// Wide enough: every column for people, none of CSV's own.
	std::string wide = t.write(TableForm::text, 160);
	EXPECT_EQ(wide.find("left out"), std::string::npos) << wide;
	EXPECT_EQ(wide.find("ci95_lo"), std::string::npos) << wide;
}

TEST(Table, MarkdownHasEveryColumnForPeople)
{
	std::string md = sample_table().write(TableForm::markdown, 80);
	expect_golden("sample.md", md);
	EXPECT_NE(md.find("| **Faults \\| traps (cycles)** |"), std::string::npos) << md;
	EXPECT_NE(md.find("overhead of the empty region"), std::string::npos) << md;
	EXPECT_EQ(md.find("ci95_lo"), std::string::npos) << md;
}

// CSV: plain values (no marks, the full number), the CSV-only columns, a
// section field, quoting, and no rows made for people only.
TEST(Table, CsvHasPlainValuesAndSections)
{
	std::string csv = sample_table().write(TableForm::csv, 80);
	expect_golden("sample.csv", csv);
	EXPECT_EQ(csv.rfind("section,entry,median_cycles,ci95_half_percent,ci95_lo,", 0), 0u) << csv;
	EXPECT_NE(csv.find("System calls (cycles),getppid,290.25,1.234,285.5,"), std::string::npos)
		<< csv;
	EXPECT_NE(csv.find("\"pgfault \"\"anon\"\", write\""), std::string::npos) << csv;
	EXPECT_EQ(csv.find("note:"), std::string::npos) << csv;
	EXPECT_NE(csv.find(",drift preemption\n"), std::string::npos) << csv;
}

TEST(Table, TextWidthIsColumnsElseHundred)
{
	const char *old = std::getenv("COLUMNS");
	std::string saved = old ? old : "";
	setenv("COLUMNS", "132", 1);
	EXPECT_EQ(text_width(), 132u);
	for (const char *bad : { "", "abc", "80x", "5", "-80" }) {
		setenv("COLUMNS", bad, 1);
		EXPECT_EQ(text_width(), 100u) << bad;
	}
	unsetenv("COLUMNS");
	EXPECT_EQ(text_width(), 100u);
	if (old)
		setenv("COLUMNS", saved.c_str(), 1);
}

// A real saved run's table at each width and in each form.
TEST(Table, ResultsTableOfARealRunInEachForm)
{
	Report rep = fixture_result("all-without-kvm.json").report;
	Table t = results_table(rep);
	for (std::size_t width : { 80, 100, 160 }) {
		std::string text = t.write(TableForm::text, width);
		EXPECT_LE(widest_line(text), width) << text;
		expect_golden(fmt::format("all-without-kvm-{}.txt", width), text);
	}
	expect_golden("all-without-kvm.md", t.write(TableForm::markdown, 0));
	expect_golden("all-without-kvm.csv", t.write(TableForm::csv, 0));
}

// The CSV of real saved runs, as a run, as the OS suite and as a
// comparison, read by Python's csv module: every row as long as the header,
// no display mark anywhere.
TEST(Table, CsvOfRealResultsParsesWithPythonWithoutMarks)
{
	Report a = fixture_result("all-without-kvm.json").report;
	Report b = fixture_result("getppid-pgfault.json").report;
	std::vector<Column> cols(2);
	cols[0].label = "A";
	cols[0].runs = { a };
	cols[1].label = "B";
	cols[1].runs = { b };
	Comparison c = compare_columns(cols);
	std::vector<std::string> csvs = {
		render_csv(a),
		comparison_table(c).write(TableForm::csv, 0),
		render_suite(*find_suite("os"), c, cols, TableForm::csv),
		render_suite(*find_suite("gates"), c, cols, TableForm::csv),
		render_suite(*find_suite("syscall"), c, cols, TableForm::csv),
	};
	// The checker finds a mark and a short row: it is not a check that
	// cannot fail.
	std::vector<std::string> bad = { "entry,median\ngetppid,±2.1%\n",
					 "entry,median\ngetppid,2.1,3\n" };
	std::string msg;
	int status = csv_check(csvs, bad, msg);
	if (status == 127)
		GTEST_SKIP() << "python3 is not installed here: " << msg;
	EXPECT_EQ(status, 0) << msg;
}

// A line wider than the width breaks at spaces, the rest indented by two;
// a line that fits, and a word wider than the line, stay whole.
TEST(Table, WrapLinesBreaksAtSpacesWithAHangingIndent)
{
	EXPECT_EQ(xperf::wrap_lines("short\nnoise: one two three four five\n", 20),
		  "short\nnoise: one two three\n  four five\n");
	// Columns, not bytes: ± is one.
	EXPECT_EQ(xperf::wrap_lines("a ±95% b", 6), "a ±95%\n  b");
	EXPECT_EQ(xperf::wrap_lines("averyveryverylongword x", 10), "averyveryverylongword\n  x");
	EXPECT_EQ(xperf::wrap_lines("", 10), "");
}
