#include "app/report.h"
#include "app/result_reader.h"
#include "core/error.h"

#include <gtest/gtest.h>

using namespace xperf;

namespace {

Result sample_result()
{
	Result r;
	r.crossing = "syscall";
	r.variant = "nr500";
	r.tsc_hz = 2.5e9;
	r.cycles = { 100, 110, 120, 130, 105, 115 };
	r.round_sizes = { 3, 3 };
	r.method = { { "timer", "rdtsc" }, { "batch", 1 }, { "overhead_cycles", 30.0 } };
	r.detail = { { "kernel_path", "enosys" } };
	r.notes = { "a note" };
	r.analyse();
	return r;
}

} // namespace

TEST(ReportJson, ResultCarriesTheContractFields)
{
	nlohmann::json j = to_json(sample_result());
	for (const char *k : { "crossing", "variant", "unit_tsc_hz", "samples", "stats", "stats_ns",
			       "method", "path" })
		EXPECT_TRUE(j.contains(k)) << k;
	for (const char *k : { "n", "min", "mean", "stddev", "median", "q1", "q3", "p1", "p5",
			       "p95", "p99", "max" }) {
		EXPECT_TRUE(j["stats"].contains(k)) << k;
		EXPECT_TRUE(j["stats_ns"].contains(k)) << k;
	}
	EXPECT_EQ(j["samples"], 6);
	EXPECT_DOUBLE_EQ(j["stats_ns"]["median"].get<double>(),
			 j["stats"]["median"].get<double>() / 2.5);
}

TEST(ReportJson, RoundTripKeepsEverything)
{
	Report rep;
	rep.meta = { { "conditions", { { "kpti", { { "enabled", true } } } } } };
	rep.results.push_back(sample_result());
	Report back = read_result(nlohmann::json::parse(report_to_json(rep).dump())).report;
	ASSERT_EQ(back.results.size(), 1u);
	const Result &a = rep.results[0], &b = back.results[0];
	EXPECT_EQ(b.crossing, a.crossing);
	EXPECT_EQ(b.variant, a.variant);
	EXPECT_EQ(b.cycles, a.cycles);
	EXPECT_EQ(b.round_sizes, a.round_sizes);
	EXPECT_EQ(b.stats, a.stats);
	EXPECT_EQ(b.stats_ns, a.stats_ns);
	EXPECT_EQ(b.method, a.method);
	EXPECT_EQ(b.detail, a.detail);
	EXPECT_EQ(b.notes, a.notes);
	EXPECT_EQ(b.drift.round_medians, a.drift.round_medians);
	EXPECT_EQ(back.meta, rep.meta);
}

TEST(ReportJson, WithoutRawSamplesStatsSurvive)
{
	Report rep;
	rep.results.push_back(sample_result());
	Report back = read_result(report_to_json(rep, false)).report;
	EXPECT_TRUE(back.results[0].cycles.empty());
	EXPECT_EQ(back.results[0].stats, rep.results[0].stats);
}

TEST(ReportJson, ForeignDocumentIsRejected)
{
	EXPECT_THROW(read_result(nlohmann::json{ { "tool", "perf" }, { "results", {} } }),
		     Error);
	EXPECT_THROW(read_result(nlohmann::json::array()), Error);
	EXPECT_THROW(read_result(nlohmann::json{ { "tool", "xperf" } }), Error);
}

TEST(ReportJson, ResultWithMissingFieldNamesIt)
{
	Report rep;
	rep.results = { sample_result() };
	nlohmann::json j = report_to_json(rep);
	j["results"][0].erase("stats");
	try {
		read_result(j);
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("stats"), std::string::npos) << e.what();
	}
}

TEST(ReportJson, CsvHasOneRowPerResultAndAHeader)
{
	Report rep;
	rep.results = { sample_result(), sample_result() };
	std::string csv = render_csv(rep);
	EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
	EXPECT_EQ(csv.rfind("crossing,variant,", 0), 0u);
	EXPECT_NE(csv.find("syscall,nr500,2500000000,6,"), std::string::npos) << csv;
}

TEST(ReportJson, TableShowsEveryResultAndItsNotes)
{
	Report rep;
	rep.results = { sample_result() };
	std::string t = render_table(rep, 160);
	EXPECT_NE(t.find("nr500"), std::string::npos);
	EXPECT_NE(t.find("note: syscall/nr500: a note"), std::string::npos) << t;
}

// -v: a note every result of a crossing carries is said once in the table,
// with how many carry it; the others stay with their variant.
TEST(ReportJson, TableSaysASharedNoteOnce)
{
	Report rep;
	rep.results = { sample_result(), sample_result(), sample_result() };
	rep.results[1].variant = "other";
	rep.results[2].variant = "third";
	rep.results[2].notes.push_back("only mine");
	std::string t = render_table(rep, 160, Detail::verbose);
	EXPECT_NE(t.find("note: syscall (3 results): a note"), std::string::npos) << t;
	EXPECT_EQ(t.find("note: syscall/nr500: a note"), std::string::npos) << t;
	EXPECT_NE(t.find("note: syscall/third: only mine"), std::string::npos) << t;
	EXPECT_EQ(to_json(rep.results[1])["notes"].size(), 1u);
}

// A crossing "all" could not run here is in the JSON and in the table, with
// what is missing and what to do, and reads back.
TEST(ReportJson, SkippedCrossingsAreSaidWithReasonAndRemedy)
{
	Report rep;
	rep.results = { sample_result() };
	rep.skipped = { { "vmexit", "/dev/kvm: no KVM here", "load kvm_amd" } };
	nlohmann::json j = report_to_json(rep);
	ASSERT_EQ(j["skipped"].size(), 1u);
	EXPECT_EQ(j["skipped"][0]["crossing"], "vmexit");
	EXPECT_EQ(j["skipped"][0]["reason"], "/dev/kvm: no KVM here");
	EXPECT_EQ(j["skipped"][0]["remedy"], "load kvm_amd");
	EXPECT_EQ(read_result(j).report.skipped, rep.skipped);
	std::string t = render_table(rep, 160, Detail::verbose);
	EXPECT_NE(t.find("skipped: vmexit: /dev/kvm: no KVM here\n  to measure it: load kvm_amd"),
		  std::string::npos)
		<< t;
	EXPECT_TRUE(report_to_json(Report{})["skipped"].empty());
}

// The default text says each kind of finding once, over the rows that
// show it: one noise line for three rows, a note in short over the rows
// that carry it, what a row times left to -v; -v says each in full; -q
// prints the table alone.
TEST(ReportJson, DefaultTextGroupsFindingsAcrossRowsVerboseSaysEach)
{
	Report rep;
	rep.results = { sample_result(), sample_result(), sample_result() };
	rep.results[1].variant = "other";
	rep.results[2].variant = "third";
	for (auto &r : rep.results)
		r.noise.push_back({ "preemption", "93 involuntary context switches",
				    "another task on the CPU", "isolate CPU 1" });
	rep.results[0].notes.push_back("the median is within two timer steps (21.0 cycles): below "
				       "what a single timed region resolves here");
	rep.results[2].notes.push_back("timed: getppid(2), LMBench's null call");
	rep.meta["warned"] = { { { "check", "governor" },
				 { "found", "powersave" },
				 { "fix", "set performance" } } };
	auto count = [](const std::string &text, const std::string &start) {
		std::size_t n = 0;
		for (std::size_t p = text.find(start); p != std::string::npos;
		     p = text.find(start, p + 1))
			n += p == 0 || text[p - 1] == '\n';
		return n;
	};

	std::string t = render_table(rep, 100, Detail::normal);
	EXPECT_EQ(count(t, "noise: "), 1u) << t;
	EXPECT_NE(t.find("noise: preemption in 3 of 3 rows (syscall/nr500, syscall/other, "
			 "syscall/third): likely another task on the CPU; isolate CPU 1"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("note: syscall/nr500, syscall/other, syscall/third: a note\n"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("note: syscall/nr500: the median is within two timer steps\n"),
		  std::string::npos)
		<< t;
	EXPECT_EQ(t.find("timed: "), std::string::npos) << t;
	EXPECT_EQ(count(t, "warned: governor: powersave"), 1u) << t;
	EXPECT_EQ(t.find("93 involuntary"), std::string::npos) << t;

	std::string v = render_table(rep, 100, Detail::verbose);
	EXPECT_EQ(count(v, "noise: "), 3u) << v;
	EXPECT_NE(v.find("93 involuntary context switches"), std::string::npos) << v;
	EXPECT_NE(v.find("timed: getppid(2), LMBench's null call"), std::string::npos) << v;
	EXPECT_NE(v.find("governor: powersave; set performance"), std::string::npos) << v;

	EXPECT_EQ(render_table(rep, 100, Detail::quiet),
		  results_table(rep).write(TableForm::text, 100));
}

// The same note with other figures in other rows is one kind of finding.
TEST(ReportJson, NotesThatDifferOnlyInTheirFiguresAreOneLine)
{
	Report rep;
	rep.results = { sample_result(), sample_result() };
	rep.results[1].variant = "other";
	rep.results[0].notes = { "over the timed rounds the TSC ran at 2051.0 MHz: cycles here are "
				 "not time" };
	rep.results[1].notes = { "over the timed rounds the TSC ran at 2037.7 MHz: cycles here are "
				 "not time" };
	std::string t = render_table(rep, 100, Detail::normal);
	EXPECT_NE(t.find("note: syscall/nr500, syscall/other: over the timed rounds the TSC ran at "
			 "2051.0 MHz (the first; -v for each)\n"),
		  std::string::npos)
		<< t;
	EXPECT_EQ(t.find("2037.7"), std::string::npos) << t;
}
