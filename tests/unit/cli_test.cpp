// Bad input gets a message and exit status 2, and leaves no file behind.
#include "cli.h"
#include "report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

struct CliRun {
	int status;
	std::string out, err;
};

CliRun run(std::vector<std::string> args)
{
	args.insert(args.begin(), "xperf-user");
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	std::ostringstream out, err;
	int status = xperf::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
	return { status, out.str(), err.str() };
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

TEST_F(Cli, JsonOutputIsAWholeXperfDocument)
{
	std::string out = (dir / "r.json").string();
	auto r = run(with_quick({ "--crossing", "funccall,getppid", "--json", "-o", out }));
	ASSERT_EQ(r.status, 0) << r.err;
	xperf::Report rep = xperf::load_report(out);
	ASSERT_EQ(rep.results.size(), 2u);
	EXPECT_EQ(rep.results[0].crossing, "funccall");
	EXPECT_EQ(rep.results[1].crossing, "getppid");
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
	xperf::Report rep = xperf::load_report(out);
	ASSERT_EQ(rep.results.size(), 1u);
	EXPECT_EQ(rep.results[0].stats.n, 40u);
}
