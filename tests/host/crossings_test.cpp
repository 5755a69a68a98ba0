// Every crossing, briefly, on this machine: properties that hold anywhere.
#include "test_paths.h"
#include "app/registry.h"
#include "app/report.h"
#include "core/host_setup.h"
#include "core/sampler.h"
#include "core/tsc.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include <sys/wait.h>
#include <unistd.h>

using namespace xperf;

namespace {

class Crossings : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		ctx.opt.samples = 2000;
		ctx.opt.warmup = 200;
		ctx.opt.rounds = 2;
		ctx.opt.span_s = 0; // what these tests check needs no spread in time
		ctx.cpu = pin_to_cpu(-1);
		ctx.tsc = tsc_info();
		for (const auto &c : crossings())
			// vmexit needs /dev/kvm: tests/host/vmexit_test.cpp; the OS
			// suite's entries have tests of their own.
			if (c.name != "vmexit" && c.group == Group::crossing)
				for (auto &r : c.run(ctx))
					results[c.name].push_back(std::move(r));
	}
	static RunContext ctx;
	static std::map<std::string_view, std::vector<Result>> results;
};

RunContext Crossings::ctx;
std::map<std::string_view, std::vector<Result>> Crossings::results;

} // namespace

TEST_F(Crossings, EveryCrossingGivesResults)
{
	for (const auto &c : crossings()) {
		if (c.name == "vmexit" || c.group != Group::crossing)
			continue;
		EXPECT_FALSE(results[c.name].empty()) << c.name;
	}
}

// Every result's method has the keys of the one builder (method.h), with
// the run's CPU and TSC source.
TEST_F(Crossings, EveryMethodHasTheSharedKeys)
{
	for (const auto &[name, rs] : results)
		for (const auto &r : rs) {
			for (const char *key : { "timer", "side", "overhead_cycles", "net", "warmup",
						 "cpu", "tsc_source" })
				EXPECT_TRUE(r.method.contains(key)) << name << " " << key;
			EXPECT_EQ(r.method["cpu"], ctx.cpu) << name;
			EXPECT_EQ(r.method["tsc_source"], ctx.tsc.source) << name;
		}
}

TEST_F(Crossings, SamplesCountedEqualSamplesRequested)
{
	for (const auto &[name, rs] : results)
		for (const auto &r : rs) {
			EXPECT_EQ(r.stats.n, ctx.opt.samples * ctx.opt.rounds) << name;
			EXPECT_EQ(r.round_sizes.size(), ctx.opt.rounds) << name;
		}
}

TEST_F(Crossings, StatisticsAreOrdered)
{
	for (const auto &[name, rs] : results)
		for (const auto &r : rs) {
			const Stats &s = r.stats;
			EXPECT_LE(s.min, s.p1) << name;
			EXPECT_LE(s.p1, s.p5) << name;
			EXPECT_LE(s.p5, s.q1) << name;
			EXPECT_LE(s.q1, s.median) << name;
			EXPECT_LE(s.median, s.q3) << name;
			EXPECT_LE(s.q3, s.p95) << name;
			EXPECT_LE(s.p95, s.p99) << name;
			EXPECT_LE(s.p99, s.max) << name;
			EXPECT_GE(s.stddev, 0) << name;
		}
}

TEST_F(Crossings, FunctionCallIsCheaperThanASystemCall)
{
	EXPECT_LT(results["funccall"][0].stats.median, results["getppid"][0].stats.median);
	EXPECT_LT(results["getppid"][0].stats.median, results["pgfault"][0].stats.median)
		<< "a fault that allocates and zeroes a page costs more than getppid";
}

TEST_F(Crossings, EveryPageFaultIterationFaulted)
{
	const Result &r = results["pgfault"][0];
	EXPECT_GE(r.detail["minor_faults_counted"].get<long>(),
		  r.detail["minor_faults_expected"].get<long>());
}

TEST_F(Crossings, SyscallSaysWhichKernelPathRan)
{
	const Result &r = results["syscall"][0];
	std::string path = r.detail["kernel_path"].get<std::string>();
	EXPECT_TRUE(path == "xperf-nop" || path == "enosys") << path;
	ASSERT_FALSE(r.notes.empty());
}

TEST_F(Crossings, TscFrequencyAgreesWithTheClock)
{
	double cal = tsc_calibrate_hz(100);
	EXPECT_NEAR(ctx.tsc.hz / cal, 1.0, 0.02) << ctx.tsc.source;
}

namespace {

// What the command writes on standard output.
std::string output_of(const std::string &cmd)
{
	std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose);
	EXPECT_TRUE(p) << cmd;
	std::string text;
	char buf[4096];
	while (p) {
		std::size_t n = std::fread(buf, 1, sizeof(buf), p.get());
		if (n == 0)
			break;
		text.append(buf, n);
	}
	return text;
}

} // namespace

TEST(Binary, JsonFromTheToolFollowsTheContract)
{
	std::string cmd = std::string(XPERF_USER_BIN) +
			  " --crossing syscall,pgfault -n 200 --warmup 20 --rounds 1 --json";
	auto j = nlohmann::json::parse(output_of(cmd));
	EXPECT_EQ(j["tool"], "xperf");
	EXPECT_TRUE(j.contains("version"));
	ASSERT_EQ(j["results"].size(), 3u); // and the control
	EXPECT_EQ(j["results"][2]["crossing"], "control");
	for (const auto &r : j["results"]) {
		for (const char *k : { "crossing", "variant", "unit_tsc_hz", "samples", "stats",
				       "stats_ns", "method" })
			EXPECT_TRUE(r.contains(k)) << k;
		EXPECT_EQ(r["samples"], 200);
		EXPECT_GT(r["unit_tsc_hz"].get<double>(), 1e8);
	}
	EXPECT_NE(j["meta"]["conditions"]["kernel"]["release"], nullptr);
}

// Each pass of a run is xperf-user executed afresh: its parts are as
// independent as runs are, and they are merged into one result each, with
// every sample, count and round.
TEST(Binary, EachPartOfARunIsAProcessOfItsOwn)
{
	std::string cmd = std::string(XPERF_USER_BIN) +
			  " --crossing getppid,pgfault -n 150 --warmup 10 --rounds 3 --span 0 --json";
	auto j = nlohmann::json::parse(output_of(cmd));
	ASSERT_EQ(j["results"].size(), 3u);
	for (const auto &r : j["results"]) {
		EXPECT_EQ(r["samples"], 450) << r["crossing"];
		EXPECT_EQ(r["rounds"]["sizes"].size(), 3u);
		EXPECT_EQ(r["rounds"]["counters"].size(), 3u);
		EXPECT_EQ(r["method"]["part_processes"], "exec");
		EXPECT_EQ(r["method"]["interleaved_parts"], 3);
		EXPECT_EQ(r["median_ci"]["parts"], 3);
	}
	EXPECT_GE(j["results"][1]["detail"]["minor_faults_counted"].get<long>(), 3 * (150 + 10));
	EXPECT_EQ(j["results"][1]["detail"]["minor_faults_expected"], 3 * (150 + 10));
	EXPECT_TRUE(j["meta"].contains("conditions")) << "the run's meta, not a part's";
}

// The OS entries' LMBench variants through the real binary, each round in
// an xperf-user of its own: less-catch beside its round trip, per-page's
// counts added over the parts, xperf-hello found beside xperf-user.
TEST(Binary, TheLmbenchVariantsRunInPartsWithXperfHelloBesideTheBinary)
{
	std::string cmd = std::string(XPERF_USER_BIN) +
			  " --crossing prot-fault,file-fault,fork-exec -n 50 --warmup 2 --rounds 2 "
			  "--span 0 --json";
	auto j = nlohmann::json::parse(output_of(cmd));
	std::map<std::string, nlohmann::json> got;
	for (const auto &r : j["results"])
		got[r["crossing"].get<std::string>() + "/" + r["variant"].get<std::string>()] = r;
	for (const char *k : { "prot-fault/shared-file-write", "prot-fault/less-catch",
			       "file-fault/shared-file-read", "file-fault/per-page",
			       "fork-exec/static-hello", "fork-exec/dynamic-hello" })
		ASSERT_EQ(got.count(k), 1u) << k;

	EXPECT_LT(got["prot-fault/less-catch"]["stats"]["median"].get<double>(),
		  got["prot-fault/shared-file-write"]["stats"]["median"].get<double>());
	const auto &per = got["file-fault/per-page"]["detail"];
	EXPECT_EQ(per["pages_counted"].get<long>(), 2 * 4 * per["pages_per_iteration"].get<long>())
		<< "four mappings counted in each of the two parts, added";
	const auto &dyn = got["fork-exec/dynamic-hello"];
	EXPECT_EQ(dyn["method"]["part_processes"], "exec");
	EXPECT_EQ(dyn["detail"]["program"],
		  (std::filesystem::path(XPERF_USER_BIN).parent_path() / "xperf-hello").string());
	EXPECT_EQ(dyn["detail"]["linking"], "dynamic");
}

// xperf-user copied alone, without xperf-hello beside it: fork-exec, named,
// measures its static variant alone (status 0), and its note says why the
// dynamic one is missing and what to do.
TEST(Binary, WithoutXperfHelloBesideItForkExecDropsOnlyDynamicHelloWithTheRemedy)
{
	char tmpl[] = "/tmp/xperf-alone.XXXXXX";
	ASSERT_NE(::mkdtemp(tmpl), nullptr);
	const std::filesystem::path dir = tmpl, alone = dir / "xperf-user";
	std::filesystem::copy_file(XPERF_USER_BIN, alone);
	std::string cmd = alone.string() + " --crossing fork-exec -n 2 --warmup 1 --rounds 1 -v 2>&1";
	std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose);
	ASSERT_TRUE(p);
	std::string said;
	char buf[4096];
	while (std::size_t n = std::fread(buf, 1, sizeof(buf), p.get()))
		said.append(buf, n);
	int status = pclose(p.release());
	std::filesystem::remove_all(dir);
	ASSERT_TRUE(WIFEXITED(status)) << said;
	EXPECT_EQ(WEXITSTATUS(status), 0) << said;
	EXPECT_NE(said.find("\nfork-exec  static-hello "), std::string::npos) << said;
	EXPECT_EQ(said.find("\nfork-exec  dynamic-hello "), std::string::npos) << said;
	EXPECT_NE(said.find("dynamic-hello not measured"), std::string::npos) << said;
	EXPECT_NE(said.find((dir / "xperf-hello").string()), std::string::npos) << said;
	EXPECT_NE(said.find("make userland"), std::string::npos) << said;
}

TEST(Adaptive, SamplesUntilTheMedianIsPinnedDown)
{
	RunContext c;
	c.opt.samples = 500;
	c.opt.warmup = 50;
	c.opt.rounds = 1;
	c.opt.ci_width = 0.2;
	c.opt.max_samples = 200000;
	c.tsc = tsc_info();
	Timing t = measure(c, 1, [] {}, [] { getppid(); });
	EXPECT_TRUE(t.ci_reached);
	Interval ci = median_ci_of(t.cycles);
	EXPECT_LE((ci.hi - ci.lo) / describe(t.cycles).median, 0.2);
	EXPECT_EQ(t.cycles.size() % 500, 0u);
}

TEST(Adaptive, StopsAtMaxSamplesAndSaysSo)
{
	RunContext c;
	c.opt.samples = 500;
	c.opt.warmup = 0;
	c.opt.rounds = 1;
	c.opt.ci_width = 0.0001; // far below what 2000 samples of a spread cost give
	c.opt.max_samples = 2000;
	c.tsc = tsc_info();
	unsigned step = 0;
	// Costs spread evenly over 0..10000 TSC cycles, whatever the CPU's speed
	// and the timer's step: a median no interval of 2000 samples pins down.
	auto spread_cost = [&step] {
		step = (step + 337) % 1000;
		uint64_t until = tsc_begin() + step * 10;
		while (tsc_begin() < until)
			;
	};
	Timing t = measure(c, 1, [] {}, spread_cost);
	EXPECT_FALSE(t.ci_reached);
	EXPECT_LE(t.cycles.size(), 2000u);
	Result r = timed_result(c, "getppid", "adaptive", t);
	bool noted = false;
	for (const auto &n : r.notes)
		noted |= n.find("--max-samples") != std::string::npos;
	EXPECT_TRUE(noted);
}
