// The conditions of machines read from real captures of /proc and /sys, diff_conditions
// between them. The expected values were checked by hand against the files
// under tests/fixtures/conditions/.
#include "test_paths.h"
#include "app/conditions.h"

#include <gtest/gtest.h>

#include <sstream>

#include <fstream>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/utsname.h>
#include <vector>

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(XPERF_FIXTURES) / "conditions";
const fs::path kReal = kFixtures / "amd-epyc-6.18";
const fs::path kKptiOn = kFixtures / "amd-epyc-6.18-kpti-on";

const std::string kRealCmdline =
	"mitigations=auto,no_guest_host,no_guest_guest console=ttyS0 quiet reboot=k panic=1 "
	"nomodule random.trust_cpu=1 swiotlb=noforce psi=1 nvproxy.enable=1 "
	"page_reporting.page_reporting_order=11 deferred_init=lazy nested_pvm=1 "
	"cpuidle_haltpoll.force=1 haltpoll.guest_halt_poll_ns=0 sched_vcpu_pack=15 rdinit=/init";
const std::string kKptiOnCmdline =
	"mitigations=auto,no_guest_host,no_guest_guest pti=on console=ttyS0 quiet reboot=k panic=1 "
	"nomodule random.trust_cpu=1 swiotlb=noforce psi=1 nvproxy.enable=1 "
	"page_reporting.page_reporting_order=11 deferred_init=lazy nested_pvm=1 "
	"cpuidle_haltpoll.force=1 haltpoll.guest_halt_poll_ns=0 sched_vcpu_pack=15 rdinit=/init";

// A directory removed with everything in it when the test ends.
struct TempDir {
	fs::path path;

	TempDir()
	{
		std::string pattern = (fs::temp_directory_path() / "xperf-conditions-XXXXXX").string();
		if (!mkdtemp(pattern.data()))
			throw std::runtime_error("mkdtemp failed");
		path = pattern;
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
};

// The conditions object of the machine read below root.
json read_conditions(const fs::path &root)
{
	return xperf::conditions_json(xperf::read_machine(root));
}

std::vector<std::string> keys_of(const std::vector<xperf::ConditionDiff> &diffs)
{
	std::vector<std::string> keys;
	for (const auto &d : diffs)
		keys.push_back(d.key);
	return keys;
}

// Every leaf below j, as JSON pointers, with its value.
void leaves(const json &j, const std::string &at, std::vector<std::pair<std::string, json>> &out)
{
	if (j.is_object() && !j.empty()) {
		for (const auto &item : j.items())
			leaves(item.value(), at + "/" + item.key(), out);
		return;
	}
	out.emplace_back(at, j);
}

std::string read_file(const fs::path &path)
{
	std::ifstream in(path);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

TEST(Conditions, RealCaptureCpuKernelAndKpti)
{
	json c = read_conditions(kReal);

	EXPECT_EQ(c["cpu"], json::parse(R"({
		"vendor": "AuthenticAMD", "model_name": "AMD EPYC",
		"family": 26, "model": 2, "stepping": 1, "microcode": "0x1000065",
		"logical_cpus": 2, "online": "0-1",
		"flags": {"constant_tsc": true, "nonstop_tsc": true, "tsc_known_freq": true,
			  "rdtscp": true, "pti": false, "pcid": true, "invpcid": true,
			  "hypervisor": true, "svm": false, "vmx": false}})"));
	EXPECT_EQ(c["kernel"]["release"], "6.18.44-fc-v657");
	EXPECT_EQ(c["kernel"]["version"],
		  "Linux version 6.18.44-fc-v657 (builder@sandboxing) (gcc (GCC) 15.3.0, "
		  "GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0");
	EXPECT_EQ(c["kernel"]["cmdline"], kRealCmdline);
	EXPECT_EQ(c["kpti"], json::parse(R"({"enabled": false,
		"source": "vulnerabilities/meltdown",
		"cmdline": ["mitigations=auto,no_guest_host,no_guest_guest"]})"));
}

TEST(Conditions, RealCaptureVulnerabilities)
{
	json v = read_conditions(kReal)["vulnerabilities"];

	ASSERT_TRUE(v.is_object());
	EXPECT_EQ(v.size(), 19u);
	EXPECT_EQ(v["meltdown"], "Not affected");
	EXPECT_EQ(v["spec_rstack_overflow"], "Vulnerable: Safe RET, no microcode");
	EXPECT_EQ(v["spec_store_bypass"], "Vulnerable");
	EXPECT_EQ(v["spectre_v1"],
		  "Mitigation: usercopy/swapgs barriers and __user pointer sanitization");
	EXPECT_EQ(v["spectre_v2"], "Mitigation: Retpolines; STIBP: disabled; RSB filling; "
				   "PBRSB-eIBRS: Not affected; BHI: Not affected");
	EXPECT_EQ(v["vmscape"], "Not affected");
}

TEST(Conditions, RealCaptureSmtFreqIsolationTsc)
{
	json c = read_conditions(kReal);

	EXPECT_EQ(c["smt"], json::parse(R"({"active": false, "control": "notsupported"})"));
	// That machine has no cpufreq driver and no DMI table.
	EXPECT_EQ(c["cpufreq"], json::parse(R"({"driver": null, "governor": null,
		"boost": null, "no_turbo": null})"));
	// isolated exists and is empty; nohz_full does not exist there.
	EXPECT_EQ(c["isolation"], json::parse(R"({"isolated": "", "nohz_full": null,
		"cmdline_isolcpus": null, "cmdline_nohz_full": null})"));
	EXPECT_EQ(c["tsc"], json::parse(R"({"clocksource": "tsc",
		"available": ["tsc", "kvm-clock"],
		"flags": ["constant_tsc", "nonstop_tsc", "rdtscp", "tsc", "tsc_adjust",
			  "tsc_deadline_timer", "tsc_known_freq"]})"));
	EXPECT_EQ(c["virtualization"], json::parse(R"({"hypervisor": true,
		"product_name": null, "sys_vendor": null})"));
}

TEST(Conditions, RealCaptureKvmParams)
{
	json kvm = read_conditions(kReal)["kvm"];

	EXPECT_EQ(kvm["present"], true);
	ASSERT_TRUE(kvm["params"].is_object());
	EXPECT_EQ(kvm["params"].size(), 2u); // kvm and kvm_pvm
	EXPECT_EQ(kvm["params"]["kvm"].size(), 28u);
	EXPECT_EQ(kvm["params"]["kvm"]["halt_poll_ns"], "200000");
	EXPECT_EQ(kvm["params"]["kvm"]["tdp_mmu"], "N");
	EXPECT_EQ(kvm["params"]["kvm"]["enable_pmu"], "N");
	EXPECT_EQ(kvm["params"]["kvm"]["debugctl_per_entry"], "-1");
	EXPECT_EQ(kvm["params"]["kvm_pvm"].size(), 11u);
	EXPECT_EQ(kvm["params"]["kvm_pvm"]["pvm_native"], "Y");
	EXPECT_EQ(kvm["params"]["kvm_pvm"]["hb_mask"], "8388607");
}

TEST(Conditions, KptiOnCaptureIsDetected)
{
	json c = read_conditions(kKptiOn);

	EXPECT_EQ(c["kpti"], json::parse(R"({"enabled": true,
		"source": "cpuinfo flag pti",
		"cmdline": ["mitigations=auto,no_guest_host,no_guest_guest", "pti=on"]})"));
	EXPECT_EQ(c["cpu"]["flags"]["pti"], true);
	EXPECT_EQ(c["vulnerabilities"]["meltdown"], "Mitigation: PTI");
}

TEST(Conditions, KptiFallsBackToCpuinfoFlagWithoutMeltdownFile)
{
	TempDir root;
	fs::copy(kKptiOn, root.path, fs::copy_options::recursive);
	ASSERT_TRUE(fs::remove(root.path / "sys/devices/system/cpu/vulnerabilities/meltdown"));

	json kpti = read_conditions(root.path)["kpti"];

	EXPECT_EQ(kpti["enabled"], true);
	EXPECT_EQ(kpti["source"], "cpuinfo flag pti");
}

TEST(Conditions, KptiForcedOnAnUnaffectedCpuIsOn)
{
	// pti=on on this AMD CPU: meltdown still says "Not affected", but the
	// kernel runs KPTI and shows the pti flag (seen in the guest harness).
	TempDir root;
	fs::copy(kReal, root.path, fs::copy_options::recursive);
	fs::path cpuinfo = root.path / "proc/cpuinfo";
	std::ifstream in(cpuinfo);
	std::stringstream text;
	text << in.rdbuf();
	in.close();
	std::string s = text.str();
	for (std::size_t at = 0; (at = s.find("\nflags\t\t: ", at)) != std::string::npos; at++)
		s.insert(s.find('\n', at + 1), " pti");
	std::ofstream(cpuinfo) << s;

	json kpti = read_conditions(root.path)["kpti"];

	EXPECT_EQ(kpti["enabled"], true);
	EXPECT_EQ(kpti["source"], "cpuinfo flag pti");
}

// The conditions object of every captured tree, byte for byte as recorded
// (tests/fixtures/conditions/*.json): the same keys in the same order, the
// same values and the same nulls.
TEST(Conditions, CapturedTreesGiveTheRecordedObject)
{
	const fs::path doctor = fs::path(XPERF_FIXTURES) / "doctor";
	for (const auto &[root, name] : { std::pair{ kReal, "amd-epyc-6.18" },
					  std::pair{ kKptiOn, "amd-epyc-6.18-kpti-on" },
					  std::pair{ doctor / "noisy", "doctor-noisy" },
					  std::pair{ doctor / "isolated", "doctor-isolated" },
					  std::pair{ doctor / "isolated-guest", "doctor-isolated-guest" } }) {
		std::string expected = read_file(kFixtures / (std::string(name) + ".json"));
		ASSERT_FALSE(expected.empty()) << name;
		EXPECT_EQ(read_conditions(root).dump(1, '\t') + "\n", expected) << name;
	}
}

TEST(Conditions, DiffOfKptiOnAgainstRealListsExactlyTheEdits)
{
	auto diffs = xperf::diff_conditions(read_conditions(kReal),
					    read_conditions(kKptiOn));

	ASSERT_EQ(keys_of(diffs), (std::vector<std::string>{ "/cpu/flags/pti", "/kernel/cmdline",
							      "/kpti/enabled",
							      "/vulnerabilities/meltdown" }));
	EXPECT_EQ(diffs[0].a, "false");
	EXPECT_EQ(diffs[0].b, "true");
	EXPECT_EQ(diffs[1].a, kRealCmdline);
	EXPECT_EQ(diffs[1].b, kKptiOnCmdline);
	EXPECT_EQ(diffs[2].a, "false");
	EXPECT_EQ(diffs[2].b, "true");
	EXPECT_EQ(diffs[3].a, "Not affected");
	EXPECT_EQ(diffs[3].b, "Mitigation: PTI");
}

TEST(Conditions, DiffOfCaptureWithItselfIsEmpty)
{
	for (const fs::path &root : { kReal, kKptiOn }) {
		json c = read_conditions(root);
		EXPECT_TRUE(xperf::diff_conditions(c, c).empty()) << root;
	}
}

TEST(Conditions, EmptyRootGivesNullsWithoutThrowing)
{
	TempDir empty;
	for (const fs::path &root : { empty.path, empty.path / "does-not-exist" }) {
		json c;
		ASSERT_NO_THROW(c = read_conditions(root)) << root;

		for (const char *section : { "cpu", "kernel", "kpti", "vulnerabilities", "smt",
					     "cpufreq", "isolation", "tsc", "kvm", "virtualization" })
			EXPECT_TRUE(c.contains(section)) << section;
		std::vector<std::pair<std::string, json>> all;
		leaves(c, "", all);
		EXPECT_GT(all.size(), 30u);
		for (const auto &[key, value] : all)
			EXPECT_TRUE(value.is_null()) << key << " = " << value;
	}
}

TEST(Conditions, DiffCountsAbsentOnOneSide)
{
	TempDir empty;
	auto diffs = xperf::diff_conditions(read_conditions(kReal),
					    read_conditions(empty.path));

	auto find = [&](const std::string &key) {
		for (const auto &d : diffs)
			if (d.key == key)
				return d;
		ADD_FAILURE() << key << " not in the diff";
		return xperf::ConditionDiff{};
	};
	EXPECT_EQ(find("/kernel/release").a, "6.18.44-fc-v657");
	EXPECT_EQ(find("/kernel/release").b, "(absent)");
	EXPECT_EQ(find("/vulnerabilities/meltdown").b, "(absent)");
	EXPECT_EQ(find("/kvm/params/kvm/halt_poll_ns").a, "200000");
	EXPECT_EQ(find("/kvm/params/kvm/halt_poll_ns").b, "(absent)");
	EXPECT_EQ(find("/isolation/isolated").a, "");
	// Absent on both sides is no difference.
	for (const auto &d : diffs)
		EXPECT_NE(d.key, "/cpufreq/governor");
}

TEST(Conditions, CmdlineParam)
{
	std::string_view cmdline =
		R"(ro isolcpus=1 nopti quiet dyndbg="file x.c +p" isolcpus=2-3 -- nohz_full=1)";

	EXPECT_EQ(xperf::cmdline_param(cmdline, "isolcpus"), "2-3"); // the last one counts
	EXPECT_EQ(xperf::cmdline_param(cmdline, "nopti"), "");
	EXPECT_EQ(xperf::cmdline_param(cmdline, "dyndbg"), "file x.c +p");
	EXPECT_EQ(xperf::cmdline_param(cmdline, "nohz_full"), std::nullopt); // init's argument
	EXPECT_EQ(xperf::cmdline_param(cmdline, "pti"), std::nullopt);
}

TEST(Conditions, LiveSystemKernelReleaseMatchesUname)
{
	utsname uts{};
	ASSERT_EQ(uname(&uts), 0);

	json c = read_conditions("/");

	ASSERT_TRUE(c["kernel"]["release"].is_string());
	EXPECT_EQ(c["kernel"]["release"], uts.release);
}

} // namespace
