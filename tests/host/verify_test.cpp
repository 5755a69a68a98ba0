// --verify on this machine: the BPF programs load, attach and see every
// iteration of real crossings. Skips, with the reason, where BPF tracing is
// not possible (not root, no BTF, BPF refused, built without BPF), /dev/kvm
// is missing, or (for QEMU's runs) qemu-system-x86_64 is.
#include "test_paths.h"
#include "app/registry.h"
#include "app/verify_run.h"
#include "core/error.h"
#include "core/host_setup.h"
#include "core/tsc.h"
#include "vmexit/qemu_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>

using namespace xperf;
using namespace xperf::verify;

namespace {

struct Traced {
	RunContext ctx;
	std::unique_ptr<Tracer> tracer;
	std::string why_not;
};

// One tracer for the whole suite: loading and probing takes a while.
Traced &traced()
{
	static Traced t = [] {
		Traced s;
		s.ctx.opt.samples = 2000;
		s.ctx.opt.warmup = 100;
		s.ctx.opt.rounds = 2;
		s.ctx.cpu = pin_to_cpu(-1);
		s.ctx.tsc = tsc_info(50);
		try {
			s.tracer = std::make_unique<Tracer>(s.ctx.cpu);
		} catch (const Unavailable &e) {
			s.why_not = e.what();
		}
		return s;
	}();
	return t;
}

#define REQUIRE_TRACER()                                                               \
	do {                                                                           \
		if (!traced().tracer)                                                  \
			GTEST_SKIP() << traced().why_not;                              \
	} while (0)

Result verified(const std::string &crossing, std::size_t which = 0)
{
	const Crossing *c = find_crossing(crossing);
	if (!c)
		throw std::runtime_error("no crossing " + crossing);
	Verified v = run_verified(*c, traced().ctx, *traced().tracer);
	return v.results.at(which);
}

} // namespace

TEST(VerifyHost, TracerReportsHowEveryEventIsObserved)
{
	REQUIRE_TRACER();
	nlohmann::json j = tracer_json(*traced().tracer);
	ASSERT_TRUE(j["events"].contains("sys_enter"));
	for (const auto &[event, how] : j["events"].items())
		EXPECT_TRUE(!how["type"].is_null() || how.contains("error"))
			<< event << ": neither attached nor said why not";
	// sys_enter is the least a tracing kernel offers.
	EXPECT_FALSE(j["events"]["sys_enter"]["type"].is_null());
}

TEST(VerifyHost, SyscallRunSawSyscall500InEveryIteration)
{
	REQUIRE_TRACER();
	Result r = verified("syscall");
	const auto &p = r.path;
	std::size_t n = traced().ctx.opt.samples * traced().ctx.opt.rounds;
	ASSERT_EQ(p["iterations"], n);
	EXPECT_EQ(p["timed_events"]["sys_enter"], n) << p.dump(1);
	EXPECT_EQ(p["as_expected"], n) << p.dump(1);
	EXPECT_EQ(p["mismatched"], 0) << p.dump(1);
	EXPECT_TRUE(p["ok"].get<bool>()) << p.dump(1);
	EXPECT_GT(p["timing"]["traced_median_cycles"].get<double>(), 0);
}

TEST(VerifyHost, PgfaultRunSawOneUserFaultPerIterationOnOnePage)
{
	REQUIRE_TRACER();
	if (!traced().tracer->observable(VERIFY_PAGE_FAULT_USER))
		GTEST_SKIP() << "page_fault_user cannot be attached on this kernel";
	Result r = verified("pgfault");
	const auto &p = r.path;
	std::size_t n = traced().ctx.opt.samples * traced().ctx.opt.rounds;
	EXPECT_EQ(p["timed_events"]["page_fault_user"], n) << p.dump(1);
	EXPECT_EQ(p["as_expected"], n) << p.dump(1);
	EXPECT_EQ(p["fault_pages"], 1) << p.dump(1);
	EXPECT_TRUE(p["ok"].get<bool>()) << p.dump(1);
}

TEST(VerifyHost, GetppidRunIsNotTakenForSyscall500)
{
	REQUIRE_TRACER();
	Result r = verified("getppid");
	EXPECT_EQ(r.path["expected"], "getppid (syscall 110)");
	EXPECT_EQ(r.path["as_expected"], r.path["iterations"]) << r.path.dump(1);
	EXPECT_EQ(r.path["timed_events"].value("sys_enter", 0u), r.path["iterations"]);
}

namespace {

// The built-in VMM's measurement from guest CPL0, verified.
Result verified_vmexit(const std::string &exit)
{
	RunContext &ctx = traced().ctx;
	RunContext saved = ctx;
	ctx.opt.vm_exit = exit;
	ctx.opt.vm_from = "kernel";
	ctx.opt.vmm = "builtin";
	ctx.opt.rounds = 1;
	Result r;
	try {
		r = verified("vmexit");
	} catch (...) {
		ctx = saved;
		throw;
	}
	ctx = saved;
	return r;
}

} // namespace

// Every one of the n traced iterations of a VM exit showed one event, took
// the expected path, and none took the path named never.
static void expect_every_iteration(const nlohmann::json &p, std::size_t n, const char *event,
				   const char *never)
{
	ASSERT_TRUE(p.is_object()) << p.dump(1);
	EXPECT_EQ(p.value("anchors_found", std::size_t{ 0 }), n) << p.dump(1);
	EXPECT_EQ(p.value("timed_events", nlohmann::json::object()).value(event, std::size_t{ 0 }), n)
		<< p.dump(1);
	EXPECT_EQ(p.value("as_expected", std::size_t{ 0 }), n) << p.dump(1);
	EXPECT_EQ(p.value("paths", nlohmann::json::object()).value(never, std::size_t{ 0 }), 0u)
		<< p.dump(1);
	EXPECT_EQ(p.value("ok", false), true) << p.dump(1);
}

// The same for the built-in VMM's EXIT/kernel run.
static void expect_every_exit(const char *exit, const char *event, const char *never)
{
	Result r = verified_vmexit(exit);
	ASSERT_EQ(r.variant, std::string(exit) + "/kernel");
	expect_every_iteration(r.path, traced().ctx.opt.samples, event, never);
}

TEST(VerifyHost, BuiltinVmmCpuidTookTheFastPathEveryIteration)
{
	REQUIRE_TRACER();
	if (access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "/dev/kvm is missing or not usable";
	expect_every_exit("cpuid", "kvm_cpuid", "userspace_round_trip");
}

TEST(VerifyHost, BuiltinVmmPortIoWentToUserspaceEveryIteration)
{
	REQUIRE_TRACER();
	if (access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "/dev/kvm is missing or not usable";
	expect_every_exit("pio", "kvm_pio", "fast");
}

// As a user runs it: QEMU's vCPU thread followed, every exit from the guest
// kernel verified on it, and --verify=strict content.
TEST(VerifyHost, QemuExitsVerifiedOnItsVcpuThread)
{
	REQUIRE_TRACER();
	if (access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "/dev/kvm is missing or not usable";
	try {
		find_qemu();
	} catch (const Error &e) {
		GTEST_SKIP() << e.what();
	}
	const std::size_t n = 300;
	std::string cmd = fmt::format("{} --crossing vmexit --vmm qemu --from kernel --samples {} "
				      "--rounds 1 --warmup 50 --verify=strict --json",
				      XPERF_USER_BIN, n);
	std::string out;
	int status;
	{
		std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose);
		ASSERT_TRUE(p);
		char buf[4096];
		while (std::size_t got = fread(buf, 1, sizeof(buf), p.get()))
			out.append(buf, got);
		status = pclose(p.release());
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		<< cmd << ": status " << status << " (1: --verify=strict found a mismatch)";
	auto results = nlohmann::json::parse(out)["results"];
	ASSERT_FALSE(results.empty());
	static const std::map<std::string, std::pair<const char *, const char *>> by_exit = {
		{ "cpuid", { "kvm_cpuid", "userspace_round_trip" } },
		{ "rdmsr", { "kvm_msr", "userspace_round_trip" } },
		{ "vmcall", { "kvm_hypercall", "userspace_round_trip" } },
		{ "pio", { "kvm_pio", "fast" } },
	};
	// Every run has its control row (no VM exit, nothing to trace on a vCPU
	// thread): only the VM exits are checked here.
	std::size_t exits = 0;
	for (const auto &r : results) {
		if (r.at("crossing") != "vmexit")
			continue;
		exits++;
		SCOPED_TRACE(r.at("variant").get<std::string>());
		const auto &p = r.at("path");
		ASSERT_TRUE(p.is_object()) << r.dump(1);
		EXPECT_EQ(r.at("samples"), n);
		EXPECT_TRUE(p.at("thread").at("tid").is_number()) << p.dump(1);
		EXPECT_NE(p.at("thread").at("found").get<std::string>().find("CPU 0/KVM"),
			  std::string::npos);
		const auto &[event, never] = by_exit.at(r.at("detail").at("exit"));
		expect_every_iteration(p, n, event, never);
	}
	EXPECT_GT(exits, 0u) << out;
}

// A result that --verify cannot judge is no pass: --verify=strict fails on
// every entry of mismatches, and this one names why it cannot be verified
// (a vmexit result whose run did not describe itself).
TEST(VerifyHost, ResultThatCannotBeVerifiedFailsStrict)
{
	REQUIRE_TRACER();
	const Crossing undescribed{ "vmexit", "a vmexit result without its run's description",
				    [](const RunContext &) {
					    Result r;
					    r.crossing = "vmexit";
					    r.variant = "cpuid/kernel";
					    r.cycles = { 100, 101, 102 };
					    r.round_sizes = { 3 };
					    r.analyse();
					    return std::vector<Result>{ r };
				    } };
	Verified v = run_verified(undescribed, traced().ctx, *traced().tracer);
	ASSERT_EQ(v.mismatches.size(), 1u);
	EXPECT_NE(v.mismatches[0].find("vmexit cpuid/kernel: cannot be verified: "),
		  std::string::npos)
		<< v.mismatches[0];
	EXPECT_NE(v.mismatches[0].find("did not describe itself"), std::string::npos)
		<< v.mismatches[0];
	const Result &r = v.results.at(0);
	EXPECT_TRUE(r.path["ok"].is_null()) << r.path.dump();
	EXPECT_NE(r.path["error"].get<std::string>().find("did not describe itself"),
		  std::string::npos)
		<< r.path.dump();
}

// Where tp_btf is allowed the classic tracepoint is never used: refuse
// tp_btf and check that the fallback sees the same, exactly.
TEST(VerifyHost, ClassicTracepointFallbackVerifiesTheSame)
{
	REQUIRE_TRACER();
	std::unique_ptr<Tracer> classic;
	try {
		classic = std::make_unique<Tracer>(traced().ctx.cpu,
						   std::vector<std::string>{ "tp_btf" });
	} catch (const Unavailable &e) {
		GTEST_SKIP() << e.what();
	}
	nlohmann::json j = tracer_json(*classic);
	if (j["events"]["sys_enter"]["type"] != "tracepoint")
		GTEST_SKIP() << "raw_syscalls:sys_enter not attachable: "
			     << j["events"]["sys_enter"].dump();
	EXPECT_NE(j["events"]["sys_enter"]["fallback"].get<std::string>().find("tp_btf"),
		  std::string::npos);
	Verified v = run_verified(*find_crossing("syscall"), traced().ctx, *classic);
	const auto &p = v.results.at(0).path;
	std::size_t n = traced().ctx.opt.samples * traced().ctx.opt.rounds;
	EXPECT_EQ(p["attach"]["sys_enter"], "tracepoint");
	EXPECT_EQ(p["timed_events"]["sys_enter"], n) << p.dump(1);
	EXPECT_EQ(p["as_expected"], n) << p.dump(1);
}

// The iterations the trace says were interrupted or preempted should be the
// slow ones: a check that events and samples line up, iteration by iteration.
TEST(VerifyHost, IterationsWithExtrasAreNotFasterThanCleanOnes)
{
	REQUIRE_TRACER();
	Result r = verified("pgfault");
	const auto &t = r.path["timing"];
	if (t["traced_median_others_cycles"].is_null())
		GTEST_SKIP() << "no iteration had an interrupt or a preemption this time";
	EXPECT_GE(t["traced_median_others_cycles"].get<double>(),
		  t["traced_median_clean_cycles"].get<double>())
		<< t.dump(1);
}
