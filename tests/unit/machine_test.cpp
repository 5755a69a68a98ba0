// read_machine on captured trees: each fact where the tree has it, unknown
// where the file is missing or cannot be read, and the conditions and the
// doctor's checks judging the snapshot without reading a file again.
#include "test_paths.h"
#include "app/conditions.h"
#include "app/doctor.h"
#include "core/machine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(XPERF_FIXTURES);
const fs::path kReal = kFixtures / "conditions/amd-epyc-6.18";
const fs::path kNoisy = kFixtures / "doctor/noisy";
const fs::path kIsolated = kFixtures / "doctor/isolated";

// A copy of a tree, removed with everything in it when the test ends.
struct TreeCopy {
	fs::path path;

	explicit TreeCopy(const fs::path &of)
	{
		std::string pattern = (fs::temp_directory_path() / "xperf-machine-XXXXXX").string();
		if (!mkdtemp(pattern.data()))
			throw std::runtime_error("mkdtemp failed");
		path = pattern;
		if (!of.empty())
			fs::copy(of, path, fs::copy_options::recursive);
	}
	~TreeCopy()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	TreeCopy(const TreeCopy &) = delete;
	TreeCopy &operator=(const TreeCopy &) = delete;
};

TEST(Machine, CapturedTreeGivesEachFact)
{
	xperf::MachineSnapshot m = xperf::read_machine(kReal);

	EXPECT_EQ(m.root, kReal);
	ASSERT_TRUE(m.cpuinfo);
	EXPECT_EQ(m.cpuinfo->field("vendor_id"), "AuthenticAMD");
	EXPECT_EQ(m.kernel_release, "6.18.44-fc-v657");
	EXPECT_EQ(m.cpus_online, "0-1");
	EXPECT_EQ(m.clocksource, "tsc");
	EXPECT_EQ(m.smt_active, "0");
	ASSERT_TRUE(m.vulnerabilities);
	EXPECT_EQ(m.vulnerabilities->size(), 19u);
	EXPECT_EQ(m.vulnerability("meltdown"), m.vulnerabilities->at("meltdown"));
	ASSERT_TRUE(m.modules);
	EXPECT_TRUE(m.modules->contains("kvm"));
	ASSERT_TRUE(m.kvm_params.contains("kvm"));
	EXPECT_EQ(m.kvm_params.at("kvm").at("tdp_mmu"), "N");
	EXPECT_TRUE(m.kvm_params.contains("kvm_pvm"));
}

TEST(Machine, EachCpuDirectoryIsACpuAndNothingElse)
{
	xperf::MachineSnapshot m = xperf::read_machine(kIsolated);

	// cpufreq/ beside cpu0/ and cpu1/ is not a CPU.
	ASSERT_EQ(m.cpus.size(), 2u);
	EXPECT_EQ(m.cpu(1).scaling_governor, "performance");
	EXPECT_EQ(m.cpu(1).thread_siblings, "1");
	EXPECT_EQ(m.cpufreq_boost, "0");
	EXPECT_FALSE(m.cpu(7).scaling_governor);
	EXPECT_FALSE(m.cpu(7).thread_siblings);
}

TEST(Machine, ProcessesAndIrqs)
{
	xperf::MachineSnapshot m = xperf::read_machine(kNoisy);

	ASSERT_TRUE(m.tasks);
	std::size_t on_cpu1 = 0;
	for (const xperf::TaskFacts &task : *m.tasks)
		on_cpu1 += task.state == 'R' && task.processor == 1;
	EXPECT_EQ(on_cpu1, 4u);
	ASSERT_TRUE(m.irq_affinity);
	EXPECT_TRUE(m.irq_affinity->contains("24"));
	// An entry of proc/irq that is a file has no smp_affinity_list.
	EXPECT_EQ(m.irq_affinity->at("default_smp_affinity"), std::nullopt);
	EXPECT_TRUE(m.irq_default_affinity);
	EXPECT_TRUE(m.interrupts);
	EXPECT_TRUE(m.self_limits);
	EXPECT_TRUE(m.self_status);
}

// A missing file is a missing fact: nothing throws, each fact is unknown.
TEST(Machine, MissingFilesAreUnknownFacts)
{
	TreeCopy empty({});
	for (const fs::path &root : { empty.path, kFixtures / "nonexistent" }) {
		xperf::MachineSnapshot m;
		ASSERT_NO_THROW(m = xperf::read_machine(root)) << root;
		EXPECT_FALSE(m.cpuinfo);
		EXPECT_FALSE(m.cmdline);
		EXPECT_FALSE(m.tasks);
		EXPECT_FALSE(m.irq_affinity);
		EXPECT_FALSE(m.vulnerabilities);
		EXPECT_FALSE(m.modules);
		EXPECT_FALSE(m.clocksource);
		EXPECT_TRUE(m.cpus.empty());
		EXPECT_TRUE(m.kvm_params.empty());
		EXPECT_FALSE(m.vulnerability("meltdown"));
	}
	TreeCopy tree(kReal);
	fs::remove(tree.path / "sys/devices/system/cpu/vulnerabilities/meltdown");
	xperf::MachineSnapshot m = xperf::read_machine(tree.path);
	EXPECT_FALSE(m.vulnerability("meltdown"));
	EXPECT_FALSE(m.vulnerabilities->contains("meltdown"));
	EXPECT_EQ(m.kernel_release, "6.18.44-fc-v657");
}

// What is there but cannot be read as text (a directory, a dangling
// symlink) is an unknown fact, and an entry of its directory stays listed.
TEST(Machine, UnreadableFilesAreUnknownFacts)
{
	TreeCopy tree(kNoisy);
	fs::path meltdown = tree.path / "sys/devices/system/cpu/vulnerabilities/meltdown";
	fs::remove(meltdown);
	fs::create_directory(meltdown);
	fs::path cmdline = tree.path / "proc/cmdline";
	fs::remove(cmdline);
	fs::create_symlink(tree.path / "nowhere", cmdline);

	xperf::MachineSnapshot m = xperf::read_machine(tree.path);

	ASSERT_TRUE(m.vulnerabilities);
	ASSERT_TRUE(m.vulnerabilities->contains("meltdown"));
	EXPECT_EQ(m.vulnerabilities->at("meltdown"), std::nullopt);
	EXPECT_FALSE(m.cmdline);
	EXPECT_TRUE(m.cpuinfo);
}

// A root-only attribute read by a user: unknown, as the doctor then says.
TEST(Machine, RootOnlyFileReadByAUserIsUnknown)
{
	if (geteuid() == 0)
		GTEST_SKIP() << "root reads a file of mode 000: run the unit tests as a user";
	TreeCopy tree(kIsolated);
	fs::path governor = tree.path / "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor";
	fs::permissions(governor, fs::perms::none);

	xperf::MachineSnapshot m = xperf::read_machine(tree.path);

	EXPECT_FALSE(m.cpu(1).scaling_governor);
	EXPECT_EQ(m.cpu(0).scaling_governor, "performance");
	for (const xperf::Finding &f : xperf::run_doctor(xperf::doctor_input(m, 1))) {
		if (f.check == "governor") {
			EXPECT_EQ(f.verdict, xperf::Verdict::unknown) << f.found;
		}
	}
}

// The judgments read no file: with the tree emptied after the reading, the
// conditions and the doctor's findings are those of the tree itself.
TEST(Machine, JudgmentsUseTheSnapshotAlone)
{
	TreeCopy tree(kNoisy);
	xperf::MachineSnapshot m = xperf::read_machine(tree.path);
	for (const fs::directory_entry &entry : fs::directory_iterator(tree.path))
		fs::remove_all(entry.path());

	xperf::MachineSnapshot original = xperf::read_machine(kNoisy);
	EXPECT_EQ(xperf::conditions_json(m), xperf::conditions_json(original));
	auto emptied = xperf::run_doctor(xperf::doctor_input(m, 1));
	auto captured = xperf::run_doctor(xperf::doctor_input(original, 1));
	ASSERT_EQ(emptied.size(), captured.size());
	for (std::size_t i = 0; i < emptied.size(); i++) {
		EXPECT_EQ(emptied[i].check, captured[i].check);
		EXPECT_EQ(emptied[i].verdict, captured[i].verdict) << emptied[i].check;
		EXPECT_EQ(emptied[i].found, captured[i].found) << emptied[i].check;
		EXPECT_EQ(emptied[i].fix, captured[i].fix) << emptied[i].check;
	}
}

} // namespace
