// The doctor's checks on captured trees of a noisy machine (this build
// machine as it was) and of the same machine edited into a well-isolated one
// (tests/fixtures/doctor/README); a tree with files missing gives unknown.
#include "test_paths.h"
#include "app/cli.h"
#include "app/doctor.h"
#include "core/error.h"
#include "core/isolate_command.h"
#include "core/sysroot.h"
#include "core/version.h"

#include <algorithm>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

namespace fs = std::filesystem;
using xperf::Finding;
using xperf::Verdict;

const fs::path kFixtures = fs::path(XPERF_FIXTURES) / "doctor";
const fs::path kNoisy = kFixtures / "noisy";
const fs::path kIsolated = kFixtures / "isolated";
const fs::path kIsolatedGuest = kFixtures / "isolated-guest";

struct TempDir {
	fs::path path;

	TempDir()
	{
		std::string pattern = (fs::temp_directory_path() / "xperf-doctor-XXXXXX").string();
		if (!mkdtemp(pattern.data()))
			throw std::runtime_error("mkdtemp failed");
		path = pattern;
	}
	explicit TempDir(const fs::path &copy_of) : TempDir()
	{
		fs::copy(copy_of, path, fs::copy_options::recursive);
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
};

std::vector<Finding> doctor(const fs::path &root, int cpu)
{
	const xperf::MachineSnapshot machine = xperf::read_machine(root);
	return xperf::run_doctor(xperf::doctor_input(machine, cpu));
}

std::map<std::string, Finding> by_check(const std::vector<Finding> &findings)
{
	std::map<std::string, Finding> map;
	for (const Finding &f : findings)
		map.emplace(f.check, f);
	return map;
}

std::map<std::string, std::string> verdicts(const std::vector<Finding> &findings)
{
	std::map<std::string, std::string> map;
	for (const Finding &f : findings)
		map[f.check] = xperf::verdict_name(f.verdict);
	return map;
}

void write(const fs::path &path, const std::string &text)
{
	fs::create_directories(path.parent_path());
	std::ofstream(path) << text << "\n";
}

TEST(CpuList, ParsesAndWritesTheKernelsForm)
{
	EXPECT_EQ(xperf::parse_cpu_list("0-2,5,7-8\n"), (std::set<int>{ 0, 1, 2, 5, 7, 8 }));
	EXPECT_EQ(xperf::parse_cpu_list(""), std::set<int>{});
	EXPECT_EQ(xperf::format_cpu_list({ 0, 1, 2, 5, 7, 8 }), "0-2,5,7-8");
	// "(null)" is what nohz_full says without nohz_full CPUs.
	for (std::string_view bad : { "(null)", "3-1", "1,,x", "0-99999999" })
		EXPECT_FALSE(xperf::parse_cpu_list(bad)) << bad;
	EXPECT_EQ(xperf::parse_cpu_mask("3\n"), (std::set<int>{ 0, 1 }));
	EXPECT_EQ(xperf::parse_cpu_mask("00000001,80000000"), (std::set<int>{ 31, 32 }));
	EXPECT_FALSE(xperf::parse_cpu_mask("xyz"));
	EXPECT_FALSE(xperf::parse_cpu_mask(""));
}

TEST(Doctor, IsolatedTreeIsOkEverywhere)
{
	std::vector<Finding> findings = doctor(kIsolated, 1);

	for (const Finding &f : findings) {
		EXPECT_EQ(f.verdict, Verdict::ok) << f.check << ": " << f.found;
		EXPECT_EQ(f.fix, "") << f.check;
	}
	// One line per check, and one per vulnerabilities file (19 there).
	EXPECT_EQ(findings.size(), xperf::doctor_checks().size() - 1 + 19);
}

// A real capture (scripts/capture-guest-tree.sh): a 2-CPU QEMU guest under
// TCG booted with isolcpus=1 nohz_full=1 rcu_nocbs=1 irqaffinity=0
// transparent_hugepage=never, captured as root. Every check that isolation
// can satisfy is ok; what warns is what an emulated guest is.
TEST(Doctor, IsolatedGuestTreeIsOkWhereIsolationCanMakeIt)
{
	std::map<std::string, std::string> v = verdicts(doctor(kIsolatedGuest, 1));
	std::map<std::string, std::string> expected = {
		{ "governor", "unknown" },  { "boost", "unknown" },	  { "smt", "ok" },
		{ "isolcpus", "ok" },	    { "nohz_full", "ok" },	  { "rcu_nocbs", "ok" },
		{ "irqbalance", "ok" },	    { "irq_affinity", "ok" },	  { "tsc_flags", "warn" },
		{ "clocksource", "warn" },  { "thp", "ok" },		  { "memlock", "ok" },
		{ "priority", "ok" },	    { "hypervisor", "warn" },	  { "busy_tasks", "ok" },
	};
	for (const auto &[check, verdict] : expected)
		EXPECT_EQ(v[check], verdict) << check;
	// CPU 0 of the same machine is not isolated, and its IRQs go there.
	std::map<std::string, std::string> cpu0 = verdicts(doctor(kIsolatedGuest, 0));
	EXPECT_EQ(cpu0["isolcpus"], "warn");
	EXPECT_EQ(cpu0["irq_affinity"], "warn");
}

TEST(Doctor, NoisyTreeVerdicts)
{
	std::map<std::string, std::string> v = verdicts(doctor(kNoisy, 1));

	// That machine: a guest without cpufreq, no isolation, KPTI forced on,
	// kvm-clock, THP madvise, four compilers on CPU 1, captured unprivileged.
	std::map<std::string, std::string> expected = {
		{ "governor", "unknown" },   { "boost", "unknown" },
		{ "smt", "ok" },	     { "isolcpus", "warn" },
		{ "nohz_full", "warn" },     { "rcu_nocbs", "warn" },
		{ "irqbalance", "ok" },	     { "irq_affinity", "warn" },
		{ "tsc_flags", "ok" },	     { "clocksource", "warn" },
		{ "kpti", "warn" },	     { "thp", "ok" },
		{ "memlock", "warn" },	     { "priority", "warn" },
		{ "hypervisor", "warn" },    { "busy_tasks", "warn" },
		{ "vuln/meltdown", "warn" }, { "vuln/spectre_v2", "ok" },
		{ "vuln/mds", "ok" },	     { "vuln/spec_store_bypass", "ok" },
	};
	for (const auto &[check, verdict] : expected)
		EXPECT_EQ(v[check], verdict) << check;
}

TEST(Doctor, NoisyTreeSaysWhatAndHow)
{
	auto f = by_check(doctor(kNoisy, 1));

	EXPECT_EQ(f.at("busy_tasks").found,
		  "4 other task(s) runnable on CPU 1: cc1plus (29906), cc1plus (29958), "
		  "cc1plus (30310), cc1plus (30495)");
	// The busiest IRQ on CPU 1 first, with its count there.
	EXPECT_EQ(f.at("irq_affinity").found.rfind("19 IRQs may be sent to CPU 1: 36 virtio1-req.0 "
						   "(1047126 on CPU 1), 42 virtio3-tx (19482 on CPU 1)",
						   0),
		  0u)
		<< f.at("irq_affinity").found;
	EXPECT_NE(f.at("irq_affinity").found.find("; new ones may too (default_smp_affinity 3)"),
		  std::string::npos)
		<< f.at("irq_affinity").found;
	EXPECT_NE(f.at("irq_affinity").fix.find("scripts/isolate --cpu 1"), std::string::npos);
	EXPECT_NE(f.at("kpti").found.find("pti=on"), std::string::npos) << f.at("kpti").found;
	EXPECT_NE(f.at("clocksource").found.find("clocksource=kvm-clock"), std::string::npos);
	EXPECT_NE(f.at("memlock").found.find("RLIMIT_MEMLOCK 8192 KiB"), std::string::npos);
	EXPECT_NE(f.at("governor").found.find("the host sets the frequency"), std::string::npos);
	for (const auto &[check, finding] : f) {
		if (finding.verdict == Verdict::warn) {
			EXPECT_FALSE(finding.fix.empty()) << check;
		}
	}
}

TEST(Doctor, BusyTasksLeaveOutTheDoctorItself)
{
	const xperf::MachineSnapshot machine = xperf::read_machine(kNoisy);
	xperf::DoctorInput m = xperf::doctor_input(machine, 1);
	m.self_pid = 29906;

	auto f = by_check(xperf::run_doctor(m));

	EXPECT_EQ(f.at("busy_tasks").found.rfind("3 other task(s)", 0), 0u);
	// Nothing of those runs on CPU 0.
	EXPECT_EQ(by_check(doctor(kNoisy, 0)).at("busy_tasks").verdict, Verdict::ok);
}

TEST(Doctor, GovernorAndBoostThatMoveTheClockWarn)
{
	TempDir root(kIsolated);
	write(root.path / "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "schedutil");
	write(root.path / "sys/devices/system/cpu/cpufreq/boost", "1");
	write(root.path / "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never");
	write(root.path / "proc/4242/comm", "irqbalance");
	write(root.path / "proc/4242/stat", "4242 (irqbalance) S 1 4242 4242 0 -1 4194560 0 0 0 0 "
					    "0 0 0 0 20 0 1 0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 "
					    "0 0 0 0");

	auto f = by_check(doctor(root.path, 1));

	EXPECT_EQ(f.at("governor").verdict, Verdict::warn);
	EXPECT_EQ(f.at("governor").found.rfind("schedutil on CPU 1", 0), 0u);
	EXPECT_NE(f.at("governor").fix.find("cpu1/cpufreq/scaling_governor"), std::string::npos);
	EXPECT_EQ(f.at("boost").verdict, Verdict::warn);
	EXPECT_EQ(f.at("thp").verdict, Verdict::warn);
	EXPECT_EQ(f.at("irqbalance").verdict, Verdict::warn);
	EXPECT_NE(f.at("irqbalance").found.find("pid 4242"), std::string::npos);
	// CPU 0 of that tree is not isolated; its IRQs all go there.
	auto cpu0 = by_check(doctor(root.path, 0));
	EXPECT_EQ(cpu0.at("isolcpus").verdict, Verdict::warn);
	EXPECT_EQ(cpu0.at("irq_affinity").verdict, Verdict::warn);
	// Only new IRQs may go to CPU 1: that warns too.
	write(root.path / "proc/irq/default_smp_affinity", "2");
	auto irq = by_check(doctor(root.path, 1)).at("irq_affinity");
	EXPECT_EQ(irq.verdict, Verdict::warn);
	EXPECT_EQ(irq.found, "no device IRQ may be sent to CPU 1 now; new ones may too "
			     "(default_smp_affinity 2)");
}

TEST(Doctor, SmtSiblingWarnsWithTheSibling)
{
	TempDir root(kIsolated);
	write(root.path / "sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "0-1");

	auto smt = by_check(doctor(root.path, 1)).at("smt");

	EXPECT_EQ(smt.verdict, Verdict::warn);
	EXPECT_EQ(smt.found.rfind("CPU 1 shares its core with CPU 0", 0), 0u);
}

TEST(Doctor, MissingAndUnreadableFilesAreUnknownNotACrash)
{
	TempDir root(kNoisy);
	fs::remove(root.path / "proc/cpuinfo");
	fs::remove(root.path / "proc/self/limits");
	// A directory where a file should be, and a dangling symlink: neither
	// is readable as text.
	fs::path siblings = root.path / "sys/devices/system/cpu/cpu1/topology/thread_siblings_list";
	fs::remove(siblings);
	fs::create_directory(siblings);
	fs::path thp = root.path / "sys/kernel/mm/transparent_hugepage/enabled";
	fs::remove(thp);
	fs::create_symlink(root.path / "nowhere", thp);
	write(root.path / "sys/devices/system/cpu/vulnerabilities/meltdown", "Unknown: garbled");

	auto f = by_check(doctor(root.path, 1));

	for (std::string check : { "tsc_flags", "hypervisor", "memlock", "smt", "thp",
				   "vuln/meltdown" })
		EXPECT_EQ(f.at(check).verdict, Verdict::unknown) << check << ": " << f.at(check).found;
	// KPTI: the meltdown file no longer says and there are no cpuinfo flags.
	EXPECT_EQ(f.at("kpti").verdict, Verdict::unknown);
}

TEST(Doctor, EmptyTreeIsUnknownEverywhere)
{
	TempDir root;

	std::vector<Finding> findings = doctor(root.path, 0);

	EXPECT_EQ(findings.size(), xperf::doctor_checks().size());
	for (const Finding &f : findings)
		EXPECT_EQ(f.verdict, Verdict::unknown) << f.check << ": " << f.found;
}

TEST(Doctor, ACpuTheTreeDoesNotHaveIsBadInput)
{
	const xperf::MachineSnapshot machine = xperf::read_machine(kNoisy);
	try {
		xperf::doctor_input(machine, 2);
		FAIL() << "CPU 2 accepted";
	} catch (const xperf::Error &e) {
		EXPECT_EQ(e.kind(), xperf::ErrorKind::bad_input);
		EXPECT_NE(std::string(e.what()).find("0-1"), std::string::npos) << e.what();
	}
}

int run(std::vector<std::string> args, std::string &out, std::string &err)
{
	args.insert(args.begin(), "xperf-user");
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	std::ostringstream o, e;
	int status = xperf::run_cli(static_cast<int>(argv.size()), argv.data(), o, e);
	out = o.str();
	err = e.str();
	return status;
}

TEST(DoctorCli, JsonCountsEveryFindingAndWarningsAreNotErrors)
{
	std::string out, err;
	ASSERT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "1", "--json" }, out, err), 0)
		<< err;

	auto j = nlohmann::json::parse(out);
	EXPECT_EQ(j["tool"], "xperf");
	const auto &d = j["doctor"];
	EXPECT_EQ(d["cpu"], 1);
	std::size_t ok = 0, warn = 0, unknown = 0;
	for (const auto &c : d["checks"]) {
		std::string status = c["status"];
		ok += status == "ok";
		warn += status == "warn";
		unknown += status == "unknown";
	}
	EXPECT_EQ(ok + warn + unknown, d["checks"].size());
	EXPECT_EQ(d["summary"], (nlohmann::json{ { "ok", ok }, { "warn", warn }, { "unknown", unknown } }));
	EXPECT_GT(warn, 0u);
}

TEST(DoctorCli, TableShowsEachFixUnderItsFinding)
{
	std::string out, err;
	ASSERT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "1" }, out, err), 0) << err;

	std::size_t kpti = out.find("\nwarn     kpti ");
	ASSERT_NE(kpti, std::string::npos) << out;
	std::size_t next = out.find('\n', kpti + 1);
	EXPECT_NE(out.substr(next, out.find('\n', next + 1) - next).find("fix: "), std::string::npos);
	EXPECT_NE(out.find(" ok, "), std::string::npos);
}

// The same checks as the table's, in the table writer's other forms: CSV
// with the fix in its own column, one line per check; Markdown with a row
// per check.
TEST(DoctorCli, CsvAndMarkdownHoldEveryCheck)
{
	std::string json, csv, md, err;
	ASSERT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "1", "--json" }, json, err), 0);
	const std::size_t checks = nlohmann::json::parse(json)["doctor"]["checks"].size();
	ASSERT_GT(checks, 0u);

	ASSERT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "1", "--csv" }, csv, err), 0)
		<< err;
	EXPECT_EQ(csv.substr(0, csv.find('\n')), "status,check,found,fix");
	EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), checks + 1)
		<< csv;
	EXPECT_EQ(csv.find("fix: "), std::string::npos) << csv;
	EXPECT_NE(csv.find("\nwarn,kpti,"), std::string::npos) << csv;

	ASSERT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "1", "--markdown" }, md, err), 0)
		<< err;
	EXPECT_EQ(md.rfind("| status | check | found |", 0), 0u) << md;
	EXPECT_NE(md.find("| warn | kpti |"), std::string::npos) << md;
	EXPECT_EQ(run({ "doctor", "--csv", "--markdown" }, md, err), 2);
}

std::string read_file(const fs::path &path)
{
	std::ifstream in(path);
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

void replace_all(std::string &text, const std::string &from, const std::string &to)
{
	for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at))
		text.replace(at, from.size(), to), at += to.size();
}

// The doctor on captured trees, in every form, byte for byte as recorded
// (tests/fixtures/doctor/expected; the tree's path and the version stand
// as ROOT and VERSION there).
TEST(DoctorCli, CapturedTreesGiveTheRecordedOutput)
{
	ASSERT_EQ(setenv("COLUMNS", "100", 1), 0);
	const fs::path expected = kFixtures / "expected";
	for (const auto &[tree, form, file] : {
		     std::tuple{ kNoisy, "", "noisy.txt" },
		     std::tuple{ kNoisy, "--json", "noisy.json" },
		     std::tuple{ kNoisy, "--markdown", "noisy.md" },
		     std::tuple{ kNoisy, "--csv", "noisy.csv" },
		     std::tuple{ kIsolated, "--json", "isolated.json" },
		     std::tuple{ kIsolatedGuest, "--json", "isolated-guest.json" },
	     }) {
		std::vector<std::string> args = { "doctor", "--root", tree.string(), "--cpu", "1" };
		if (*form)
			args.emplace_back(form);
		std::string out, err;
		ASSERT_EQ(run(args, out, err), 0) << file << ": " << err;
		replace_all(out, tree.string(), "ROOT");
		replace_all(out, "\"version\": \"" + std::string(xperf::version()) + "\"",
			    "\"version\": \"VERSION\"");
		EXPECT_EQ(out, read_file(expected / file)) << file;
	}
}

TEST(DoctorCli, BadRootOrCpuIsStatusTwo)
{
	std::string out, err;
	EXPECT_EQ(run({ "doctor", "--root", (kFixtures / "nonexistent").string() }, out, err), 2);
	EXPECT_NE(err.find("not a directory"), std::string::npos) << err;
	EXPECT_EQ(run({ "doctor", "--root", kNoisy.string(), "--cpu", "5" }, out, err), 2);
	EXPECT_NE(err.find("CPU 5 does not exist"), std::string::npos) << err;
}

} // namespace

// /proc/PID/stat: the name may hold spaces and parentheses; the state and
// the processor come after its last ')'.
TEST(Sysroot, ProcStatFieldsAfterTheName)
{
	std::string stat = "4250 (CPU 0/KVM) (x) R 1 4242 4242 0 -1 4194624";
	for (int field = 10; field <= 38; field++)
		stat += " 0";
	auto st = xperf::parse_proc_stat(stat + " 3 0 0 0 0");
	ASSERT_TRUE(st.has_value());
	EXPECT_EQ(st->name, "CPU 0/KVM) (x");
	EXPECT_EQ(st->state, 'R');
	EXPECT_EQ(st->processor, 3);
	// Too short for field 39, or not a number there: no processor.
	EXPECT_FALSE(xperf::parse_proc_stat("7 (sh) S 1 7")->processor.has_value());
	EXPECT_FALSE(xperf::parse_proc_stat(stat + " x1")->processor.has_value());
	// No name in parentheses: not a stat line.
	EXPECT_FALSE(xperf::parse_proc_stat("").has_value());
	EXPECT_FALSE(xperf::parse_proc_stat("7 sh S 1").has_value());
	EXPECT_FALSE(xperf::parse_proc_stat("7 )sh( S 1").has_value());
}

// A fix names scripts/isolate as the user has it: xperf-isolate where make
// install put it beside the program (an executable file), else the path in
// the source tree, which is what this build tree's test has.
TEST(Doctor, AFixNamesIsolateAsInstalledOrInTheTree)
{
	TempDir bin;
	EXPECT_EQ(xperf::isolate_command(bin.path), "scripts/isolate");
	write(bin.path / "xperf-isolate", "#!/bin/sh\n");
	EXPECT_EQ(xperf::isolate_command(bin.path), "scripts/isolate") << "not executable";
	fs::permissions(bin.path / "xperf-isolate", fs::perms::owner_exec, fs::perm_options::add);
	EXPECT_EQ(xperf::isolate_command(bin.path), "xperf-isolate");
	EXPECT_EQ(xperf::isolate_command(), "scripts/isolate");
	auto f = by_check(doctor(kNoisy, 1));
	EXPECT_EQ(f.at("irq_affinity").fix.rfind("scripts/isolate --cpu 1", 0), 0u)
		<< f.at("irq_affinity").fix;
}
