// The vmexit crossing on this machine's KVM: the built-in VMM and QEMU run
// the payload briefly. Skips, with the reason, where /dev/kvm or QEMU is
// missing or unusable.
#include "core/cpu_id.h"
#include "core/error.h"
#include "core/host_setup.h"
#include "core/module_session.h"
#include "core/tsc.h"
#include "vmexit/guest_state.h"
#include "vmexit/kvm_vm.h"
#include "vmexit/vmexit.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

using namespace xperf;

namespace {

// Why KVM cannot run a guest here, or nothing when it can.
std::optional<std::string> kvm_unusable()
{
	try {
		Kvm kvm = Kvm::open();
		Vm vm(kvm, 2u << 20);
		return std::nullopt;
	} catch (const std::exception &e) {
		return std::string(e.what());
	}
}

bool qemu_present()
{
	if (const char *env = std::getenv("XPERF_QEMU"); env && *env)
		return true;
	std::stringstream dirs(std::getenv("PATH") ? std::getenv("PATH") : "");
	for (std::string dir; std::getline(dirs, dir, ':');)
		if (std::filesystem::exists(std::filesystem::path(dir) / "qemu-system-x86_64"))
			return true;
	return false;
}

RunContext small_run(const std::string &vmm, const std::string &from)
{
	RunContext ctx;
	ctx.opt.samples = 300;
	ctx.opt.warmup = 30;
	ctx.opt.rounds = 2;
	ctx.opt.vm_exit = "all";
	ctx.opt.vm_from = from;
	ctx.opt.vmm = vmm;
	ctx.cpu = pin_to_cpu(-1);
	ctx.tsc = tsc_info();
	return ctx;
}

std::map<std::string, const Result *> by_variant(const std::vector<Result> &rs)
{
	std::map<std::string, const Result *> m;
	for (const auto &r : rs)
		m[r.variant] = &r;
	return m;
}

// Every fast-path variant from a starting point is cheaper than the
// userspace round trip from the same point.
void expect_fast_path_cheaper(const std::vector<Result> &rs)
{
	auto v = by_variant(rs);
	int compared = 0;
	for (const char *from : { "user-via-kernel", "kernel" }) {
		auto slow = v.find(std::string("pio/") + from);
		if (slow == v.end())
			continue;
		for (const char *exit : { "cpuid", "rdmsr", "vmcall" }) {
			auto fast = v.find(std::string(exit) + "/" + from);
			if (fast == v.end())
				continue;
			EXPECT_LT(fast->second->stats.median, slow->second->stats.median)
				<< fast->first << " against " << slow->first;
			compared++;
		}
	}
	EXPECT_GT(compared, 0) << "no fast path and round trip from the same place";
}

class BuiltinVmm : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		unusable = kvm_unusable();
		if (unusable)
			return;
		ctx = small_run("builtin", "all");
		results = run_vmexit(ctx);
	}
	void SetUp() override
	{
		if (unusable)
			GTEST_SKIP() << "KVM cannot run a guest here: " << *unusable;
	}
	static std::optional<std::string> unusable;
	static RunContext ctx;
	static std::vector<Result> results;
};

std::optional<std::string> BuiltinVmm::unusable;
RunContext BuiltinVmm::ctx;
std::vector<Result> BuiltinVmm::results;

} // namespace

TEST_F(BuiltinVmm, KernelSideExitsAreAllMeasured)
{
	auto v = by_variant(results);
	for (const char *want : { "cpuid/kernel", "rdmsr/kernel", "pio/kernel", "cpuid/user",
				  "cpuid/user-via-kernel", "rdmsr/user-via-kernel",
				  "pio/user-via-kernel" })
		EXPECT_TRUE(v.count(want)) << want;
	EXPECT_FALSE(v.count("rdmsr/user")) << "RDMSR at CPL3 is a #GP in the guest, not an exit";
}

TEST_F(BuiltinVmm, SamplesCountedEqualSamplesRequested)
{
	for (const auto &r : results) {
		EXPECT_EQ(r.stats.n, ctx.opt.samples * ctx.opt.rounds) << r.variant;
		EXPECT_EQ(r.round_sizes.size(), ctx.opt.rounds) << r.variant;
		EXPECT_EQ(r.crossing, "vmexit");
		EXPECT_EQ(r.method["side"], "guest");
	}
}

TEST_F(BuiltinVmm, TheVmmSawEveryPioExitAndNoFastPathOne)
{
	for (const auto &r : results) {
		uint64_t seen = r.detail["vmm_exits"]["io_debugcon"];
		uint64_t loop = r.detail["vmm_exits"]["io_debugcon_loop"];
		if (r.detail["exit"] == "pio") {
			EXPECT_EQ(seen, ctx.opt.warmup + ctx.opt.samples * ctx.opt.rounds) << r.variant;
			EXPECT_EQ(loop, r.detail["loop"]["round_trips"].get<uint64_t>()) << r.variant;
			EXPECT_EQ(loop, std::max<std::size_t>(1, ctx.opt.samples * ctx.opt.rounds / 4))
				<< r.variant;
		} else {
			EXPECT_EQ(seen, 0u) << r.variant << " reached the VMM";
			EXPECT_EQ(loop, 0u) << r.variant << " reached the VMM back to back";
		}
	}
}

// Each variant is also timed back to back, as kvm-unit-tests does: as many
// round trips as samples, and a figure of its own.
TEST_F(BuiltinVmm, EachVariantIsAlsoTimedBackToBack)
{
	for (const auto &r : results) {
		const auto &loop = r.detail["loop"];
		ASSERT_TRUE(loop.is_object()) << r.variant << " " << r.detail.dump();
		const std::size_t timed = ctx.opt.samples * ctx.opt.rounds;
		EXPECT_EQ(loop["round_trips"], std::max<std::size_t>(1, timed / 4)) << r.variant;
		EXPECT_GT(loop["cycles_per_round_trip"].get<double>(), 0) << r.variant;
		EXPECT_GT(r.method["host"]["loop_wall_ns_per_round_trip"].get<double>(), 0)
			<< r.variant;
	}
}

TEST_F(BuiltinVmm, FastPathIsCheaperThanTheUserspaceRoundTrip)
{
	expect_fast_path_cheaper(results);
}

TEST_F(BuiltinVmm, HostWallTimeIsReportedBesideTheGuestFigure)
{
	for (const auto &r : results) {
		double ns = r.method["host"]["wall_ns_per_round_trip"];
		EXPECT_GT(ns, 0) << r.variant;
		if (r.detail["exit"] == "pio") {
			EXPECT_GT(r.method["host"]["median_ns_between_io_exits"].get<double>(), 0);
		}
	}
}

// The vCPU is the measuring thread, pinned to the run's CPU, and it was seen
// only there.
TEST_F(BuiltinVmm, TheVcpuThreadRanOnTheMeasuringCpu)
{
	const auto &vmm = results.at(0).method["vmm"];
	EXPECT_EQ(vmm["vcpu_thread"]["pinned"]["cpu"], ctx.cpu) << vmm.dump();
	bool seen = false;
	for (const auto &t : vmm["threads"]) {
		if (t["tid"] != vmm["vcpu_thread"]["tid"])
			continue;
		seen = true;
		EXPECT_EQ(t["seen_on"], nlohmann::json::array({ ctx.cpu })) << t.dump();
	}
	EXPECT_TRUE(seen) << vmm.dump();
}

// The VM-exit payload's method has the shared keys too (method.h).
TEST_F(BuiltinVmm, TheMethodHasTheSharedKeys)
{
	for (const auto &r : results) {
		for (const char *key : { "timer", "side", "overhead_cycles", "net", "warmup", "cpu",
					 "tsc_source" })
			EXPECT_TRUE(r.method.contains(key)) << r.variant << " " << key;
		EXPECT_EQ(r.method["cpu"], ctx.cpu) << r.variant;
	}
}

// Two rounds in one guest run: the vCPU thread's counters cover both, so
// they are given for the whole run, not as one round's.
TEST_F(BuiltinVmm, TheVcpuThreadsCountersCoverTheWholeRun)
{
	for (const auto &r : results) {
		EXPECT_TRUE(r.part_counters.empty()) << r.variant;
		const auto &c = r.method["vcpu_counters_of_the_whole_run"];
		ASSERT_EQ(c.size(), 1u) << r.variant << " " << r.method.dump();
		EXPECT_EQ(c[0]["cpu_start"], ctx.cpu) << c.dump();
		EXPECT_GT(c[0]["seconds"].get<double>(), 0) << c.dump();
	}
}

TEST(QemuVmm, RunsThePayloadUnderKvm)
{
	if (auto why = kvm_unusable())
		GTEST_SKIP() << "KVM cannot run a guest here: " << *why;
	if (!qemu_present())
		GTEST_SKIP() << "qemu-system-x86_64 is not in PATH";
	RunContext ctx = small_run("qemu", "kernel");
	ctx.opt.rounds = 1;
	std::vector<Result> results = run_vmexit(ctx);
	ASSERT_FALSE(results.empty());
	for (const auto &r : results) {
		EXPECT_EQ(r.stats.n, ctx.opt.samples) << r.variant;
		EXPECT_EQ(r.method["vmm"]["name"], "qemu");
		EXPECT_FALSE(r.method["vmm"]["version"].get<std::string>().empty());
	}
	// QEMU's vCPU thread was pinned to the run's CPU and seen there (a
	// first look may still show where it ran before the pin).
	const auto &vmm = results.at(0).method["vmm"];
	ASSERT_TRUE(vmm["vcpu_thread"]["tid"].is_number()) << vmm["vcpu_thread"].dump();
	EXPECT_EQ(vmm["vcpu_thread"]["pinned_to"], ctx.cpu) << vmm["vcpu_thread"].dump();
	bool seen = false;
	for (const auto &t : vmm["threads"]) {
		if (t["tid"] != vmm["vcpu_thread"]["tid"])
			continue;
		auto cpus = t["seen_on"].get<std::vector<int>>();
		seen = std::find(cpus.begin(), cpus.end(), ctx.cpu) != cpus.end();
		EXPECT_EQ(t["affinity"], std::to_string(ctx.cpu)) << t.dump();
	}
	EXPECT_TRUE(seen) << vmm["threads"].dump();
	// One round in the run: the vCPU thread's counters are that round's,
	// read from QEMU's thread, for the noise flags.
	for (const auto &r : results) {
		ASSERT_EQ(r.part_counters.size(), 1u) << r.variant;
		EXPECT_EQ(r.part_counters[0].cpu_end, ctx.cpu) << r.variant;
		EXPECT_TRUE(r.part_counters[0].preemptions.has_value()) << r.variant;
	}
	expect_fast_path_cheaper(results);
}

// Every guest state in a guest of its own, each with its variants, and in
// each the registers the guest read back.
void expect_every_state_measured(const std::vector<Result> &results, const std::string &variant)
{
	auto v = by_variant(results);
	for (const GuestState &s : guest_states("all")) {
		auto it = v.find(variant + s.suffix());
		ASSERT_NE(it, v.end()) << variant << s.suffix() << " missing; notes: "
				       << nlohmann::json(results.front().notes).dump();
		const auto &g = it->second->detail["guest_state"];
		EXPECT_EQ(g["name"], s.name);
		EXPECT_EQ(g["set"], nlohmann::json(state_bit_names(s.bits))) << g.dump();
		EXPECT_TRUE(it->second->detail["loop"].is_object()) << it->first;
	}
	// kvm-unit-tests' state: x2APIC mode, interrupts on, EFER.NX, by the
	// registers themselves.
	const auto &kut = v.at(variant + "+kvm-unit-tests")->detail["guest_state"]["registers"];
	auto bit = [&kut](const char *reg, int n) {
		return std::stoull(kut[reg].get<std::string>(), nullptr, 16) >> n & 1;
	};
	EXPECT_EQ(bit("ia32_apic_base", 10), 1u) << kut.dump();
	EXPECT_EQ(bit("rflags", 9), 1u) << kut.dump();
	EXPECT_EQ(bit("efer", 11), 1u) << kut.dump();
	EXPECT_EQ(bit("cr4", 18), 0u) << kut.dump();
}

TEST(BuiltinVmmStates, EveryGuestStateIsMeasuredAndReadBack)
{
	if (auto why = kvm_unusable())
		GTEST_SKIP() << "KVM cannot run a guest here: " << *why;
	RunContext ctx = small_run("builtin", "kernel");
	ctx.opt.vm_exit = "cpuid";
	ctx.opt.rounds = 1;
	ctx.opt.vm_state = "all";
	expect_every_state_measured(run_vmexit(ctx), "cpuid/kernel");
}

TEST(QemuVmm, RunsEveryGuestState)
{
	if (auto why = kvm_unusable())
		GTEST_SKIP() << "KVM cannot run a guest here: " << *why;
	if (!qemu_present())
		GTEST_SKIP() << "qemu-system-x86_64 is not in PATH";
	RunContext ctx = small_run("qemu", "kernel");
	ctx.opt.vm_exit = "cpuid";
	ctx.opt.rounds = 1;
	ctx.opt.vm_state = "all";
	expect_every_state_measured(run_vmexit(ctx), "cpuid/kernel");
}

// --vmm guest: this machine's kernel as the guest. Without xperf.ko (the
// build machines refuse modules) it must refuse with what to do; with it,
// every row that can run here is measured (the guest harness does that).
TEST(GuestVmm, WithoutTheModuleSaysToLoadIt)
{
	if (!hypervisor_signature())
		GTEST_SKIP() << "this kernel runs on bare metal: --vmm guest refuses for that first";
	if (ModuleSession::unavailable_reason().empty())
		GTEST_SKIP() << "xperf.ko is loaded here: the guest harness covers that case";
	RunContext ctx = small_run("guest", "all");
	try {
		run_vmexit(ctx);
		ADD_FAILURE() << "--vmm guest ran without xperf.ko";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("insmod xperf.ko"), std::string::npos)
			<< e.what();
	}
}

// Rows 1 and 2 need no module: where this kernel itself runs under a
// hypervisor, they are measured against it, with real costs.
TEST(GuestVmm, UserRowsNeedNoModule)
{
	const std::string sig = hypervisor_signature().value_or("");
	if (sig.empty())
		GTEST_SKIP() << "this kernel runs on bare metal: no hypervisor to exit to";
	RunContext ctx = small_run("guest", "user");
	std::vector<Result> results = run_vmexit(ctx);
	auto v = by_variant(results);
	ASSERT_TRUE(v.count("cpuid/user")) << "cpuid from guest user was not measured";
	for (const auto &r : results) {
		EXPECT_EQ(r.detail["from"], "user") << r.variant;
		EXPECT_EQ(r.stats.n, ctx.opt.samples * ctx.opt.rounds) << r.variant;
		EXPECT_EQ(r.method["vmm"]["name"], "guest");
		EXPECT_EQ(r.method["vmm"]["hypervisor_signature"], sig);
		EXPECT_GT(r.stats.median, 0) << r.variant << ": an exit costs something";
	}
}
