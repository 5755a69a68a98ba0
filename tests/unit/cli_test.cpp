// Bad input gets a message and exit status 2, and leaves no file behind.
#include "test_paths.h"
#include "app/cli.h"
#include "app/registry.h"
#include "app/report.h"
#include "app/result_reader.h"
#include "app/suites.h"
#include "app/table.h"
#include "core/version.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace {

struct CliRun {
	int status;
	std::string out, err;
};

int run_to(std::vector<std::string> args, std::ostream &out, std::ostream &err)
{
	args.insert(args.begin(), "xperf-user");
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	return xperf::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
}

CliRun run(std::vector<std::string> args)
{
	std::ostringstream out, err;
	int status = run_to(std::move(args), out, err);
	return { status, out.str(), err.str() };
}

// Standard output that takes nothing: a full disk, a closed pipe.
class RefusingBuf : public std::streambuf {
protected:
	int_type overflow(int_type) override { return traits_type::eof(); }
	std::streamsize xsputn(const char *, std::streamsize) override { return 0; }
};

// This machine without KVM, whatever it has, for as long as it lives.
class HiddenKvm {
public:
	HiddenKvm() { ::setenv("XPERF_KVM_DEVICE", "/nonexistent/kvm", 1); }
	~HiddenKvm() { ::unsetenv("XPERF_KVM_DEVICE"); }
};

std::string slurp(const fs::path &p)
{
	std::ifstream in(p);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

class Cli : public ::testing::Test {
protected:
	void SetUp() override
	{
		dir = fs::temp_directory_path() /
		      ("xperf-cli-" + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		fs::create_directories(dir);
	}
	void TearDown() override { fs::remove_all(dir); }
	std::string file(const std::string &name, const std::string &text)
	{
		std::ofstream(dir / name) << text;
		return (dir / name).string();
	}
	bool dir_is_empty() const { return fs::is_empty(dir); }
	fs::path dir;
};

// Small and quick: the numbers do not matter here.
const std::vector<std::string> quick = { "-n", "50", "--warmup", "5", "--rounds", "1" };

std::vector<std::string> with_quick(std::vector<std::string> args)
{
	args.insert(args.end(), quick.begin(), quick.end());
	return args;
}

} // namespace

TEST_F(Cli, UnknownCrossingIsBadInput)
{
	auto r = run(with_quick({ "--crossing", "nosuch", "-o", (dir / "x.json").string() }));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("unknown crossing 'nosuch'"), std::string::npos) << r.err;
	EXPECT_TRUE(dir_is_empty());
}

TEST_F(Cli, BadNumbersSayWhatIsWrongWithThem)
{
	const std::pair<std::vector<std::string>, const char *> cases[] = {
		{ { "-n", "abc" }, "'abc' is not a number" },
		{ { "-n", "1.5" }, "'1.5' is not a whole number" },
		{ { "-n", "-3" }, "'-3' is not a whole number" },
		{ { "-n", "0" }, "0 is out of range" },
		{ { "--rounds", "1001" }, "1001 is out of range" },
		{ { "--ci-width", "nan" }, "'nan' is not a finite number" },
		{ { "--ci-width", "inf" }, "'inf' is not a finite number" },
		{ { "--ci-width", "1e999" }, "1e999 is out of range" },
		{ { "--ci-width", "x" }, "'x' is not a number" },
	};
	for (const auto &[args, words] : cases) {
		auto r = run(args);
		EXPECT_EQ(r.status, 2) << args[0] << " " << args[1];
		EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
	}
}

TEST_F(Cli, BadNumbersAreBadInput)
{
	for (auto args : std::vector<std::vector<std::string>>{ { "-n", "0" },
								 { "-n", "abc" },
								 { "--rounds", "0" },
								 { "--warmup", "-3" },
								 { "--ci-width", "2" },
								 { "--batch", "0" },
								 { "--cpu", "-1" } }) {
		auto r = run(args);
		EXPECT_EQ(r.status, 2) << args[0] << " " << args[1];
		EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
	}
}

// A leading zero is decimal, never octal: -n 010 is ten samples, -n 08 is
// eight; a number in any other base is no number.
TEST_F(Cli, NumbersAreDecimalWhateverTheirLeadingZeros)
{
	for (auto [text, samples] : { std::pair{ "010", 10u }, { "08", 8u }, { "0000012", 12u } }) {
		std::string out = (dir / "r.json").string();
		auto r = run({ "--crossing", "getppid", "-n", text, "--warmup", "05", "--rounds",
			       "01", "--span", "00.0", "--json", "-o", out });
		ASSERT_EQ(r.status, 0) << text << ": " << r.err;
		xperf::Report rep = xperf::read_result_file(out).report;
		EXPECT_EQ(rep.results[0].stats.n, samples) << text;
		EXPECT_EQ(rep.meta["run"]["rounds"], 1) << text;
	}
	for (const char *text : { "0x10", "010e1", "1_0" }) {
		auto r = run({ "-n", text });
		EXPECT_EQ(r.status, 2) << text;
		EXPECT_NE(r.err.find("'" + std::string(text) + "' is not"), std::string::npos) << r.err;
	}
}

TEST_F(Cli, UnknownFlagIsBadInput)
{
	auto r = run({ "--frobnicate" });
	EXPECT_EQ(r.status, 2);
}

TEST_F(Cli, JsonAndCsvTogetherIsBadInput)
{
	EXPECT_EQ(run({ "--json", "--csv" }).status, 2);
}

TEST_F(Cli, UnwritableOutputIsBadInputBeforeMeasuring)
{
	auto r = run(with_quick({ "--crossing", "funccall", "-o",
				  (dir / "missing-dir" / "out.json").string() }));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("cannot write output file"), std::string::npos) << r.err;
	EXPECT_TRUE(dir_is_empty());
}

TEST_F(Cli, CpuThatDoesNotExistIsBadInput)
{
	auto r = run(with_quick({ "--crossing", "funccall", "--cpu", "1023", "-o",
				  (dir / "out.json").string() }));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("CPU 1023"), std::string::npos) << r.err;
	EXPECT_TRUE(dir_is_empty()) << "partial output left behind";
}

TEST_F(Cli, CompareRejectsCorruptJson)
{
	std::string a = file("a.json", "{\"tool\": \"xperf\", \"results\": [");
	std::string b = file("b.json", "{}");
	auto r = run({ "compare", a, b });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
}

TEST_F(Cli, CompareRejectsForeignJson)
{
	std::string a = file("a.json", R"({"tool": "fio", "results": []})");
	auto r = run({ "compare", a, a });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("not an xperf result"), std::string::npos) << r.err;
}

TEST_F(Cli, CompareRejectsMissingFile)
{
	auto r = run({ "compare", (dir / "nope.json").string(), (dir / "nope2.json").string() });
	EXPECT_EQ(r.status, 2);
}

// Every input that misled compare (tests/fixtures/compare-misled), against
// the real result it was made from: refused with status 2 and its reason,
// or read with its row flagged "no time"; never a figure without a word.
TEST_F(Cli, CompareRefusesOrFlagsEveryInputThatMisledIt)
{
	const fs::path misled = fs::path(XPERF_FIXTURES) / "compare-misled";
	const std::string real =
		(fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	const std::pair<const char *, const char *> refused[] = {
		{ "median-0.json", "stats: median is 0 but q1 is 1785" },
		{ "round-median-2-64.json", "rounds.medians[1] is 1.8446744073709552e+19, outside" },
		{ "tsc-hz-1e-320.json", "unit_tsc_hz is 1e-320 Hz" },
		{ "tsc-hz-minus-1.json", "unit_tsc_hz is -1 Hz" },
		{ "medians-longer-than-sizes.json", "has 3 medians for 2 rounds" },
		{ "medians-shorter-than-sizes.json", "has 1 medians for 2 rounds" },
		{ "results-key-twice.json", "the document has the key \"results\" twice" },
		{ "median-key-twice.json", "results[0].stats has the key \"median\" twice" },
	};
	const std::pair<const char *, const char *> flagged[] = {
		{ "all-samples-0.json", "0.0  no time" },
		{ "all-samples-negative.json", "-26.0  no time" },
	};
	std::size_t files = 0;
	for (const auto &entry : fs::directory_iterator(misled))
		files += entry.path().extension() == ".json";
	EXPECT_EQ(files, std::size(refused) + std::size(flagged)) << "each file has its case here";
	for (auto [file, words] : refused) {
		auto r = run({ "compare", real, (misled / file).string() });
		EXPECT_EQ(r.status, 2) << file << ": " << r.out;
		EXPECT_NE(r.err.find(std::string(file) + ": "), std::string::npos) << r.err;
		EXPECT_NE(r.err.find(words), std::string::npos) << file << ": " << r.err;
		EXPECT_TRUE(r.out.empty()) << r.out;
	}
	for (auto [file, words] : flagged) {
		auto r = run({ "compare", real, (misled / file).string() });
		EXPECT_EQ(r.status, 0) << file << ": " << r.err;
		std::string row = r.out.substr(r.out.find("\ngetppid") + 1);
		row = row.substr(0, row.find('\n'));
		EXPECT_NE(row.find(words), std::string::npos) << file << ": " << row;
		EXPECT_NE(row.find("? (no time)"), std::string::npos) << file << ": " << row;
	}
}

TEST_F(Cli, JsonOutputIsAWholeXperfDocument)
{
	std::string out = (dir / "r.json").string();
	auto r = run(with_quick({ "--crossing", "funccall,getppid", "--json", "-o", out }));
	ASSERT_EQ(r.status, 0) << r.err;
	xperf::Report rep = xperf::read_result_file(out).report;
	ASSERT_EQ(rep.results.size(), 3u);
	EXPECT_EQ(rep.results[0].crossing, "funccall");
	EXPECT_EQ(rep.results[1].crossing, "getppid");
	EXPECT_EQ(rep.results[2].crossing, "control") << "every run carries the control";
	EXPECT_TRUE(rep.meta.contains("conditions"));
	EXPECT_TRUE(rep.meta.contains("tsc"));
	// Only the finished file is left: no temporary beside it.
	EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);

	auto c = run({ "compare", out, out });
	EXPECT_EQ(c.status, 0) << c.err;
	EXPECT_NE(c.out.find("conditions: the same"), std::string::npos) << c.out;
}

TEST_F(Cli, ListNamesEveryCrossing)
{
	auto r = run({ "--list" });
	EXPECT_EQ(r.status, 0);
	for (const char *n : { "funccall", "syscall", "getppid", "pgfault", "alloc" })
		EXPECT_NE(r.out.find(n), std::string::npos) << n;
}

TEST_F(Cli, ALaterOptionOverridesAnEarlierOne)
{
	std::string out = (dir / "r.json").string();
	auto r = run({ "--crossing", "getppid", "-n", "5", "--warmup", "5", "--rounds", "1", "-n",
		       "40", "--json", "-o", out });
	ASSERT_EQ(r.status, 0) << r.err;
	xperf::Report rep = xperf::read_result_file(out).report;
	ASSERT_EQ(rep.results.size(), 2u); // and the control
	EXPECT_EQ(rep.results[0].stats.n, 40u);
}

// --crossing all is what this machine can measure: without KVM, vmexit is
// skipped with the reason and what to do, and the run succeeds.
TEST_F(Cli, AllWithoutKvmSkipsVmexitAndSucceeds)
{
	HiddenKvm no_kvm;
	std::string out = (dir / "all.json").string();
	auto r = run(with_quick({ "--crossing", "all", "--json", "-o", out }));
	ASSERT_EQ(r.status, 0) << r.err;
	auto j = nlohmann::json::parse(slurp(out));
	ASSERT_EQ(j["skipped"].size(), 1u) << j["skipped"].dump();
	EXPECT_EQ(j["skipped"][0]["crossing"], "vmexit");
	EXPECT_NE(j["skipped"][0]["reason"].get<std::string>().find("/nonexistent/kvm: no KVM here"),
		  std::string::npos);
	EXPECT_NE(j["skipped"][0]["remedy"].get<std::string>().find("kvm_amd"), std::string::npos);
	EXPECT_GE(j["results"].size(), 5u);
	EXPECT_NE(r.err.find("skipped vmexit"), std::string::npos) << r.err;

	auto table = run(with_quick({ "--crossing", "all" }));
	ASSERT_EQ(table.status, 0) << table.err;
	EXPECT_NE(table.out.find("skipped: vmexit: /nonexistent/kvm: no KVM here"), std::string::npos)
		<< table.out;
}

// Named, the same crossing is an error, found before anything is measured.
TEST_F(Cli, NamedVmexitWithoutKvmIsStatus2BeforeMeasuring)
{
	HiddenKvm no_kvm;
	for (const char *spec : { "vmexit", "getppid,vmexit", "all,vmexit" }) {
		auto r = run(with_quick({ "--crossing", spec, "-o", (dir / "x.json").string() }));
		EXPECT_EQ(r.status, 2) << spec;
		EXPECT_NE(r.err.find("crossing vmexit: /nonexistent/kvm: no KVM here"),
			  std::string::npos)
			<< r.err;
		EXPECT_TRUE(dir_is_empty()) << spec;
	}
}

TEST_F(Cli, AllMixesWithNames)
{
	HiddenKvm no_kvm;
	std::string out = (dir / "r.json").string();
	auto r = run(with_quick({ "--crossing", "all,getppid", "--json", "-o", out }));
	ASSERT_EQ(r.status, 0) << r.err;
	auto j = nlohmann::json::parse(slurp(out));
	std::size_t getppid = 0;
	for (const auto &res : j["results"])
		getppid += res["crossing"] == "getppid";
	EXPECT_EQ(getppid, 1u) << "measured once";
}

TEST_F(Cli, SamplesThatCannotFitInMemoryAreRefusedBeforeMeasuring)
{
	auto t0 = std::chrono::steady_clock::now();
	auto r = run({ "--crossing", "getppid", "-n", "100000000", "--rounds", "1000" });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("-n 100000000 x --rounds 1000"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("GiB"), std::string::npos) << r.err;
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(Cli, AFailedWriteToStandardOutputIsStatus1WithAMessage)
{
	RefusingBuf refusing;
	std::ostream out(&refusing);
	for (std::vector<std::string> args :
	     { with_quick({ "--crossing", "getppid", "--json" }), { "--list" }, { "--version" } }) {
		std::ostringstream err;
		EXPECT_EQ(run_to(args, out, err), 1) << args[0];
		EXPECT_NE(err.str().find("cannot write to standard output"), std::string::npos)
			<< err.str();
		out.clear();
	}
}

// A directory is refused at once: a pgfault run of this size takes many
// seconds.
TEST_F(Cli, OutputDirectoryIsRefusedBeforeMeasuring)
{
	auto t0 = std::chrono::steady_clock::now();
	auto r = run({ "--crossing", "pgfault", "-n", "2000000", "--rounds", "5", "-o",
		       dir.string() });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
	EXPECT_TRUE(dir_is_empty());
}

TEST_F(Cli, OutputNameUpToNameMaxWorks)
{
	std::string longest = (dir / std::string(NAME_MAX, 'r')).string();
	auto r = run(with_quick({ "--crossing", "funccall", "--json", "-o", longest }));
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(xperf::read_result_file(longest).report.results.size(), 2u);
	EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
	auto too_long = run(with_quick({ "--crossing", "funccall", "-o",
					 (dir / std::string(NAME_MAX + 1, 'r')).string() }));
	EXPECT_EQ(too_long.status, 2);
	EXPECT_NE(too_long.err.find("File name too long"), std::string::npos) << too_long.err;
}

TEST_F(Cli, AReplacedFileKeepsItsMode)
{
	std::string out = file("r.json", "old");
	fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write);
	auto r = run(with_quick({ "--crossing", "funccall", "--json", "-o", out }));
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(fs::status(out).permissions(), fs::perms::owner_read | fs::perms::owner_write);
	EXPECT_NE(slurp(out).find("\"tool\": \"xperf\""), std::string::npos);
}

// The link stays a link; the file it names is written.
TEST_F(Cli, OutputThroughASymlinkWritesItsTarget)
{
	std::string target = file("target.json", "old");
	fs::create_symlink("target.json", dir / "link.json");
	auto r = run(with_quick({ "--crossing", "funccall", "--json", "-o",
				  (dir / "link.json").string() }));
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
	EXPECT_EQ(xperf::read_result_file(target).report.results.size(), 2u);
	// A link to a file not there yet creates it, as the shell's > does.
	fs::create_symlink("new.json", dir / "dangling.json");
	r = run(with_quick({ "--crossing", "funccall", "--json", "-o",
			     (dir / "dangling.json").string() }));
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_TRUE(fs::is_symlink(dir / "dangling.json"));
	EXPECT_TRUE(fs::is_regular_file(dir / "new.json"));
}

TEST_F(Cli, AFifoIsWrittenInPlaceNeverReplaced)
{
	fs::path fifo = dir / "fifo";
	ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
	std::string got;
	std::thread reader([&] {
		std::ifstream in(fifo);
		std::stringstream s;
		s << in.rdbuf();
		got = s.str();
	});
	auto r = run(with_quick({ "--crossing", "funccall", "--json", "-o", fifo.string() }));
	reader.join();
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_TRUE(fs::is_fifo(fifo));
	EXPECT_EQ(xperf::read_result_text(got).report.results.size(), 2u);
	EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST_F(Cli, CompareRefusesEveryCrashInputWithStatus2InPlainWords)
{
	std::string real = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	std::size_t inputs = 0;
	for (const auto &e : fs::directory_iterator(fs::path(XPERF_FIXTURES) / "compare-crash")) {
		if (e.path().extension() != ".json")
			continue;
		inputs++;
		for (auto args : { std::vector<std::string>{ "compare", e.path(), real },
				   std::vector<std::string>{ "compare", real, e.path() } }) {
			auto r = run(args);
			EXPECT_EQ(r.status, 2) << e.path();
			EXPECT_NE(r.err.find(e.path().string() + ": "), std::string::npos) << r.err;
			EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
		}
	}
	EXPECT_GE(inputs, 9u);
}

TEST_F(Cli, CompareWarnsAboutAnotherVersionAndAMissingMeta)
{
	auto j = nlohmann::json::parse(
		slurp(fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json"));
	j["version"] = "0.0.1";
	j.erase("meta");
	std::string a = file("a.json", j.dump());
	auto r = run({ "compare", a, a });
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.err.find("warning: " + a + ": it was written by xperf 0.0.1"), std::string::npos)
		<< r.err;
	EXPECT_NE(r.err.find("no \"meta\""), std::string::npos) << r.err;
}

TEST_F(Cli, CompareRefusesDuplicateResults)
{
	auto j = nlohmann::json::parse(
		slurp(fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json"));
	j["results"].push_back(j["results"][1]);
	std::string a = file("a.json", j.dump());
	auto r = run({ "compare", a, a });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("are both pgfault/anon-write"), std::string::npos) << r.err;
}

// A column is a file, a comma list of runs, or a folder of them: the last
// two give the same comparison.
TEST_F(Cli, CompareTakesColumnsOfSeveralRuns)
{
	std::string real = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	fs::create_directory(dir / "a");
	fs::create_directory(dir / "b");
	for (const char *n : { "1.json", "2.json", "3.json" }) {
		fs::copy_file(real, dir / "a" / n);
		fs::copy_file(real, dir / "b" / n);
	}
	file("a/notes.txt", "not a result");
	auto folders = run({ "compare", (dir / "a").string(), (dir / "b").string(), "--json" });
	ASSERT_EQ(folders.status, 0) << folders.err;
	auto j = nlohmann::json::parse(folders.out);
	ASSERT_EQ(j["columns"].size(), 2u);
	EXPECT_EQ(j["columns"][0]["runs"], 3);
	std::string list = (dir / "b" / "1.json").string() + "," + (dir / "b" / "2.json").string() +
			   "," + (dir / "b" / "3.json").string();
	auto lists = run({ "compare", (dir / "a").string(), list, "--json" });
	ASSERT_EQ(lists.status, 0) << lists.err;
	auto k = nlohmann::json::parse(lists.out);
	EXPECT_EQ(j["comparison"], k["comparison"]);
	auto three = run({ "compare", real, (dir / "a").string(), list });
	ASSERT_EQ(three.status, 0) << three.err;
	EXPECT_NE(three.out.find("C/A"), std::string::npos) << three.out;
}

TEST_F(Cli, CompareRefusesTooFewColumnsAnEmptyFolderAndAnEmptyName)
{
	std::string real = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	auto one = run({ "compare", real });
	EXPECT_EQ(one.status, 2) << one.err;
	fs::create_directory(dir / "empty");
	auto empty = run({ "compare", real, (dir / "empty").string() });
	EXPECT_EQ(empty.status, 2);
	EXPECT_NE(empty.err.find("a folder without *.json results"), std::string::npos) << empty.err;
	auto comma = run({ "compare", real, real + ",," + real });
	EXPECT_EQ(comma.status, 2);
	EXPECT_NE(comma.err.find("an empty file name"), std::string::npos) << comma.err;
	auto missing = run({ "compare", real, real + "," + (dir / "nosuch.json").string() });
	EXPECT_EQ(missing.status, 2) << missing.err;
	EXPECT_NE(missing.err.find("nosuch.json"), std::string::npos) << missing.err;
}

// A suite's figures are adaptive by default, inside its time budget; the
// rounds or the width the user gives are theirs.
TEST_F(Cli, ASuiteIsAdaptiveUnlessTheRoundsOrTheWidthAreGiven)
{
	auto run_meta = [&](std::vector<std::string> extra) {
		std::string out = (dir / "suite.json").string();
		std::vector<std::string> args = { "suite", "syscall", "-n", "20", "--warmup", "2",
						  "--span", "0", "--json", "-o", out };
		args.insert(args.end(), extra.begin(), extra.end());
		auto r = run(args);
		EXPECT_EQ(r.status, 0) << r.err;
		return nlohmann::json::parse(slurp(out))["meta"]["run"];
	};
	auto by_default = run_meta({ "--time-limit", "2" });
	EXPECT_DOUBLE_EQ(by_default["ci_width"].get<double>(), 0.05);
	EXPECT_DOUBLE_EQ(by_default["time_limit_s"].get<double>(), 2);
	auto rounds = run_meta({ "--rounds", "2" });
	EXPECT_DOUBLE_EQ(rounds["ci_width"].get<double>(), 0);
	EXPECT_DOUBLE_EQ(rounds["time_limit_s"].get<double>(), 0);
	auto width = run_meta({ "--ci-width", "0.5", "--rounds", "3" });
	EXPECT_DOUBLE_EQ(width["ci_width"].get<double>(), 0.5);
	EXPECT_DOUBLE_EQ(width["time_limit_s"].get<double>(), 150);
	auto off = run_meta({ "--ci-width", "0", "--rounds", "3" });
	EXPECT_DOUBLE_EQ(off["ci_width"].get<double>(), 0);
}

// -o '' names no file: refused, never taken for standard output.
TEST_F(Cli, AnEmptyOutputNameIsBadInput)
{
	for (std::vector<std::string> args : { with_quick({ "--crossing", "funccall", "-o", "" }),
					       { "compare", "a.json", "b.json", "-o", "" } }) {
		auto r = run(args);
		EXPECT_EQ(r.status, 2) << args[0];
		EXPECT_NE(r.err.find("-o: no file name"), std::string::npos) << r.err;
		EXPECT_EQ(r.out, "");
	}
}

// What names nothing is refused, never taken for the default: suite '' is
// no suite (not --crossing all), --dir '' no folder.
TEST_F(Cli, AnEmptyNameIsBadInputNotTheDefault)
{
	auto suite = run(with_quick({ "suite", "" }));
	EXPECT_EQ(suite.status, 2);
	EXPECT_NE(suite.err.find("unknown suite ''"), std::string::npos) << suite.err;
	EXPECT_EQ(suite.out, "");
	auto scratch = run(with_quick({ "--crossing", "stat", "--dir", "" }));
	EXPECT_EQ(scratch.status, 2);
	EXPECT_NE(scratch.err.find("--dir: no folder named"), std::string::npos) << scratch.err;
}

// --version does not end the parse: what follows it is still read.
TEST_F(Cli, VersionWithAnUnknownFlagIsBadInput)
{
	auto r = run({ "--version", "--nope" });
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.out, "");
	EXPECT_NE(r.err.find("--nope"), std::string::npos) << r.err;
	auto plain = run({ "--version" });
	EXPECT_EQ(plain.status, 0);
	EXPECT_EQ(plain.out, "xperf " + std::string(xperf::version()) + "\n");
}

// -V is --version, as perf's and bpftool's.
TEST_F(Cli, DashCapitalVPrintsTheVersion)
{
	auto r = run({ "-V" });
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.out, "xperf " + std::string(xperf::version()) + "\n");
	EXPECT_EQ(r.err, "");
}

// The hidden --complete OPTION, which the bash completion offers values
// from: its kind line, then values that the option itself takes, one by one
// and, for a list, all together; an option without choices is status 2.
TEST_F(Cli, CompleteOffersOnlyValuesTheOptionTakes)
{
	auto values_of = [this](const std::string &option, const std::string &kind) {
		auto r = run({ "--complete=" + option });
		EXPECT_EQ(r.status, 0) << option << ": " << r.err;
		std::vector<std::string> lines;
		std::istringstream in(r.out);
		for (std::string line; std::getline(in, line);)
			lines.push_back(line);
		EXPECT_GE(lines.size(), 3u) << option << ": " << r.out;
		if (lines.empty())
			return lines;
		EXPECT_EQ(lines.front(), kind) << option;
		lines.erase(lines.begin());
		return lines;
	};
	auto joined = [](const std::vector<std::string> &v) {
		std::string s;
		for (const auto &x : v)
			s += (s.empty() ? "" : ",") + x;
		return s;
	};
	for (const xperf::CrossingOption &c : xperf::crossing_options()) {
		std::vector<std::string> values = values_of(c.flag, c.list ? "list" : "one");
		for (const std::string &v : values)
			EXPECT_EQ(c.problem(v), "") << c.flag << " " << v;
		if (c.list) {
			EXPECT_EQ(c.problem(joined(values)), "") << c.flag;
		}
	}
	for (const std::string option : { "-c", "--crossing" }) {
		std::vector<std::string> values = values_of(option, "list");
		EXPECT_NO_THROW(xperf::select_crossings(joined(values))) << joined(values);
		EXPECT_NE(std::find(values.begin(), values.end(), "getppid"), values.end());
	}
	for (const auto &[option, kind] : { std::pair{ "--suite", "one" }, { "suite", "list" } }) {
		for (const std::string &v : values_of(option, kind))
			EXPECT_NE(xperf::find_suite(v), nullptr) << option << " " << v;
	}
	EXPECT_EQ(values_of("--verify", "one"), (std::vector<std::string>{ "on", "strict" }));
	for (const std::string option : { "--samples", "--nope", "" }) {
		auto r = run({ "--complete=" + option });
		EXPECT_EQ(r.status, 2) << option;
		EXPECT_EQ(r.out, "") << option;
	}
}

// A --dir that is no folder to make files in is status 2 before measuring,
// whatever entry is asked for; one no entry of the run uses is said to be
// unused.
TEST_F(Cli, ABadScratchFolderIsRefusedBeforeMeasuring)
{
	for (const std::string &where : { (dir / "missing").string(), file("plain", "x"),
					  std::string("/proc") }) {
		for (const char *entry : { "stat", "funccall" }) {
			auto r = run(with_quick({ "--crossing", entry, "--dir", where, "-o",
						  (dir / "r.json").string() }));
			EXPECT_EQ(r.status, 2) << where << " " << entry << ": " << r.err;
			EXPECT_NE(r.err.find("--dir " + where + ": "), std::string::npos) << r.err;
			EXPECT_FALSE(fs::exists(dir / "r.json"));
		}
	}
	auto unused = run(with_quick({ "--crossing", "funccall", "--dir", dir.string() }));
	EXPECT_EQ(unused.status, 0) << unused.err;
	EXPECT_NE(unused.err.find("warning: --dir: no entry of this run made files"),
		  std::string::npos)
		<< unused.err;
	auto used = run(with_quick({ "--crossing", "stat", "--dir", dir.string() }));
	EXPECT_EQ(used.status, 0) << used.err;
	EXPECT_EQ(used.err.find("--dir"), std::string::npos) << used.err;
}

// An option the run does not use changes nothing, and says so.
TEST_F(Cli, AnOptionTheRunDoesNotUseIsAWarning)
{
	auto r = run(with_quick({ "--crossing", "funccall", "--exit", "cpuid", "--vmm", "qemu",
				  "--time-limit", "5" }));
	EXPECT_EQ(r.status, 0) << r.err;
	for (const char *words : { "warning: --exit applies to vmexit only",
				   "warning: --vmm applies to vmexit only",
				   "warning: --time-limit applies to adaptive runs only" })
		EXPECT_NE(r.err.find(words), std::string::npos) << words << ": " << r.err;
	auto adaptive = run(with_quick({ "--crossing", "funccall", "--ci-width", "0.9",
					 "--time-limit", "5", "--max-rounds", "2" }));
	EXPECT_EQ(adaptive.status, 0) << adaptive.err;
	EXPECT_EQ(adaptive.err.find("warning"), std::string::npos) << adaptive.err;
}

// A file of the kernel's own takes no results: refused before measuring,
// not found out when the results are written.
TEST_F(Cli, AFileOfProcIsRefusedBeforeMeasuring)
{
	for (const char *path : { "/proc/version", "/proc/xperf-new.json" }) {
		auto r = run(with_quick({ "--crossing", "funccall", "-o", path }));
		EXPECT_EQ(r.status, 2) << path << ": " << r.err;
		EXPECT_NE(r.err.find("is on proc"), std::string::npos) << r.err;
	}
}

// compare never writes over a file it reads, by its name or by another
// link to it.
TEST_F(Cli, CompareRefusesToOverwriteAnInput)
{
	std::string real = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	std::string a = file("a.json", slurp(real)), b = file("b.json", slurp(real));
	fs::create_symlink(b, dir / "link.json");
	for (const auto &[inputs, output] :
	     { std::pair{ std::vector<std::string>{ a, b }, a },
	       { std::vector<std::string>{ a, b }, (dir / "link.json").string() },
	       { std::vector<std::string>{ a, (dir / "link.json").string() }, b },
	       { std::vector<std::string>{ a, dir.string() }, b } }) {
		std::vector<std::string> args = { "compare" };
		args.insert(args.end(), inputs.begin(), inputs.end());
		args.insert(args.end(), { "-o", output });
		auto r = run(args);
		EXPECT_EQ(r.status, 2) << output << ": " << r.err;
		EXPECT_NE(r.err.find("would overwrite"), std::string::npos) << r.err;
		EXPECT_EQ(slurp(output), slurp(real));
	}
}

// -o /dev/stdout in a pipeline: the link of /proc/self/fd to the pipe
// names no file, and the pipe itself is written.
TEST_F(Cli, OutputToAPipeThroughProcSelfFd)
{
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	std::string got;
	std::thread reader([&] {
		char buf[4096];
		ssize_t n;
		while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
			got.append(buf, static_cast<std::size_t>(n));
	});
	auto r = run(with_quick({ "--crossing", "funccall", "--csv", "-o",
				  "/proc/self/fd/" + std::to_string(fds[1]) }));
	::close(fds[1]);
	reader.join();
	::close(fds[0]);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(got.rfind("crossing,variant,", 0), 0u) << got;
}

// report prints saved runs again: as the run printed them, the table
// alone with -q, as Markdown under each file's name, and as one CSV of
// every run with a file column.
TEST_F(Cli, ReportPrintsSavedRunsInEachForm)
{
	std::string a = (fs::path(XPERF_FIXTURES) / "results" / "all-without-kvm.json").string();
	std::string b = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	auto text = run({ "report", a });
	ASSERT_EQ(text.status, 0) << text.err;
	EXPECT_NE(text.out.find("malloc-262144"), std::string::npos) << text.out;
	EXPECT_NE(text.out.find("skipped: vmexit: /nonexistent/kvm"), std::string::npos) << text.out;
	EXPECT_NE(text.out.find("note: syscall/nr500: syscall 500 returned -ENOSYS"),
		  std::string::npos)
		<< text.out;

	auto quiet = run({ "report", "-q", a });
	ASSERT_EQ(quiet.status, 0) << quiet.err;
	EXPECT_EQ(quiet.out.rfind("crossing ", 0), 0u) << quiet.out;
	EXPECT_EQ(quiet.out.find("note:"), std::string::npos) << quiet.out;

	auto md = run({ "report", "--markdown", a, b });
	ASSERT_EQ(md.status, 0) << md.err;
	EXPECT_NE(md.out.find("## " + a + "\n"), std::string::npos) << md.out;
	EXPECT_NE(md.out.find("## " + b + "\n"), std::string::npos) << md.out;
	EXPECT_NE(md.out.find("| crossing | variant |"), std::string::npos) << md.out;

	auto csv = run({ "report", "--csv", a, b });
	ASSERT_EQ(csv.status, 0) << csv.err;
	EXPECT_EQ(csv.out.rfind("file,crossing,variant,", 0), 0u) << csv.out;
	EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1 + 7 + 2) << csv.out;
	EXPECT_NE(csv.out.find("\n" + b + ",pgfault,anon-write,"), std::string::npos) << csv.out;

	EXPECT_EQ(run({ "report", (dir / "nope.json").string() }).status, 2);
}

// compare writes the plain comparison as Markdown and as CSV, not only a
// suite's.
TEST_F(Cli, ComparePlainResultsAsMarkdownAndCsv)
{
	std::string a = (fs::path(XPERF_FIXTURES) / "results" / "all-without-kvm.json").string();
	std::string b = (fs::path(XPERF_FIXTURES) / "results" / "getppid-pgfault.json").string();
	auto md = run({ "compare", "--markdown", a, b });
	ASSERT_EQ(md.status, 0) << md.err;
	EXPECT_NE(md.out.find("| crossing | variant | A median |"), std::string::npos) << md.out;
	auto csv = run({ "compare", "--csv", a, b });
	ASSERT_EQ(csv.status, 0) << csv.err;
	EXPECT_EQ(csv.out.rfind("crossing,variant,A median cycles,", 0), 0u) << csv.out;
	EXPECT_NE(csv.out.find("\ngetppid,getppid,"), std::string::npos) << csv.out;
	EXPECT_EQ(csv.out.find("±"), std::string::npos) << csv.out;
}

// compare --json gives a bandwidth row the bytes each iteration moves, as
// its results do, and a latency row none.
TEST_F(Cli, CompareJsonRowsCarryTheBytesOfABandwidth)
{
	const fs::path plot = fs::path(XPERF_FIXTURES) / "plot";
	auto r = run({ "compare", "--json", (plot / "bandwidth-1.json").string(),
		       (plot / "bandwidth-2.json").string() });
	ASSERT_EQ(r.status, 0) << r.err;
	const nlohmann::json doc = nlohmann::json::parse(r.out);
	std::map<std::string, nlohmann::json> rows;
	for (const auto &row : doc.at("comparison"))
		rows[row.at("crossing").get<std::string>()] = row;
	for (const char *bandwidth : { "bw-mem-read", "bw-file-reread" })
		EXPECT_EQ(rows.at(bandwidth).value("bytes_per_iteration", 0.0), 65536.0)
			<< rows.at(bandwidth);
	for (const char *latency : { "getppid", "control" })
		EXPECT_FALSE(rows.at(latency).contains("bytes_per_iteration")) << rows.at(latency);
}

// The default text of a run with many findings fits COLUMNS=80 on every
// line: the header, the legend and each noise, note and warned line, wrapped
// where longer.
TEST_F(Cli, ReportLinesFitTheTableWidth)
{
	const char *old = std::getenv("COLUMNS");
	const std::string saved = old ? old : "";
	::setenv("COLUMNS", "80", 1);
	const fs::path plot = fs::path(XPERF_FIXTURES) / "plot";
	for (const char *name : { "bandwidth-1.json", "gates-baseline.json", "run1.json" }) {
		auto r = run({ "report", (plot / name).string() });
		ASSERT_EQ(r.status, 0) << name << ": " << r.err;
		EXPECT_NE(r.out.find("\nnoise: "), std::string::npos) << name << ": " << r.out;
		EXPECT_NE(r.out.find("\nwarned: "), std::string::npos) << name << ": " << r.out;
		std::istringstream in(r.out);
		for (std::string line; std::getline(in, line);)
			EXPECT_LE(xperf::display_width(line), 80u) << name << ": " << line;
	}
	if (old)
		::setenv("COLUMNS", saved.c_str(), 1);
	else
		::unsetenv("COLUMNS");
}
