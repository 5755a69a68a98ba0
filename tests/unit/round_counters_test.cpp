#include "app/compare.h"
#include "app/report.h"
#include "core/result.h"
#include "core/round_counters.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace xperf;

namespace {

// /proc/interrupts as a 2-CPU guest shows it (trimmed).
const char *interrupts = R"(           CPU0       CPU1
  0:         45          0   IO-APIC   2-edge      timer
  1:          9          0   IO-APIC   1-edge      i8042
LOC:      48215      37711   Local timer interrupts
RES:       1200       3400   Rescheduling interrupts
ERR:          0
MIS:          0
)";

} // namespace

TEST(RoundCounters, InterruptsOnOneCpuAreItsColumnSummed)
{
	EXPECT_EQ(interrupts_on(interrupts, 0), 45u + 9 + 48215 + 1200);
	EXPECT_EQ(interrupts_on(interrupts, 1), 0u + 0 + 37711 + 3400);
	EXPECT_FALSE(interrupts_on(interrupts, 2).has_value());
	EXPECT_FALSE(interrupts_on("", 0).has_value());
}

TEST(RoundCounters, BetweenTwoSnapshots)
{
	CounterSnapshot a, b;
	a.wall_ns = 1e9;
	b.wall_ns = 1.5e9;
	a.cpu = b.cpu = 1;
	a.preemptions = 3;
	b.preemptions = 5;
	a.interrupts = 100;
	b.interrupts = 1100;
	RoundCounters c = between(a, b);
	EXPECT_DOUBLE_EQ(c.seconds, 0.5);
	EXPECT_EQ(c.preemptions, 2u);
	EXPECT_EQ(c.interrupts, 1000u);
	EXPECT_FALSE(c.migrations.has_value());
	b.cpu = 0; // migrated: the other CPU's column says nothing
	RoundCounters moved = between(a, b);
	EXPECT_EQ(moved.cpu_start, 1);
	EXPECT_EQ(moved.cpu_end, 0);
	EXPECT_FALSE(moved.interrupts.has_value());
}

TEST(RoundCounters, ThisThreadCanBeRead)
{
	CounterSnapshot s = take_snapshot();
	EXPECT_GE(s.cpu, 0);
	EXPECT_TRUE(s.preemptions.has_value());
	EXPECT_GT(s.wall_ns, 0);
}

namespace {

// A /proc tree of the test's own, removed with everything in it.
struct Tree {
	std::filesystem::path root = std::filesystem::path(testing::TempDir()) /
				     ("xperf-thread-" + std::to_string(getpid()));
	Tree() { std::filesystem::create_directories(root); }
	~Tree() { std::filesystem::remove_all(root); }
	Tree(const Tree &) = delete;
	Tree &operator=(const Tree &) = delete;
};

void write(const std::filesystem::path &p, const std::string &text)
{
	std::filesystem::create_directories(p.parent_path());
	std::ofstream(p) << text;
}

} // namespace

// Another process's thread, from a tree as /proc shows a QEMU vCPU thread
// (its name holds a space and a parenthesis, as "CPU 0/KVM" could).
TEST(RoundCounters, AnotherThreadIsReadFromItsTask)
{
	Tree tree;
	auto task = tree.root / "proc/4242/task/4250";
	std::string stat = "4250 (CPU 0/KVM) (x) S 1 4242 4242 0 -1 4194624";
	for (int field = 10; field <= 38; field++)
		stat += " 0";
	stat += " 1 0 0 0 0\n"; // field 39: CPU 1
	write(task / "stat", stat);
	write(task / "status", "Name:\tCPU 0/KVM\nvoluntary_ctxt_switches:\t90\n"
			       "nonvoluntary_ctxt_switches:\t7\n");
	write(task / "sched", "CPU 0/KVM (4250, #threads: 9)\n---\nse.nr_migrations : 3\n");
	write(tree.root / "proc/interrupts", interrupts);
	CounterSnapshot s = take_thread_snapshot(4242, 4250, tree.root.string());
	EXPECT_EQ(s.cpu, 1);
	EXPECT_EQ(s.preemptions, 7u);
	EXPECT_EQ(s.migrations, 3u);
	EXPECT_EQ(s.interrupts, 0u + 0 + 37711 + 3400);

	CounterSnapshot gone = take_thread_snapshot(4242, 4251, tree.root.string());
	EXPECT_LT(gone.cpu, 0);
	EXPECT_FALSE(gone.preemptions.has_value());
	EXPECT_FALSE(gone.interrupts.has_value());
}

TEST(RoundCounters, ThisProcessesThreadCanBeReadAsAnother)
{
	CounterSnapshot s = take_thread_snapshot(getpid(), gettid());
	EXPECT_GE(s.cpu, 0);
	EXPECT_TRUE(s.preemptions.has_value());
}

namespace {

Result measured_with(std::vector<RoundCounters> counters)
{
	Result r;
	r.crossing = "getppid";
	r.variant = "getppid";
	r.tsc_hz = 1e9;
	for (std::size_t k = 0; k < counters.size(); k++) {
		for (int i = 0; i < 200; i++)
			r.cycles.push_back(1000 + (i % 7));
		r.round_sizes.push_back(200);
	}
	r.part_counters = std::move(counters);
	r.analyse();
	return r;
}

} // namespace

// The counters read around the rounds reach the result's noise flags, its
// JSON, its table and compare.
TEST(RoundCounters, AMigrationAroundARoundIsFlaggedEverywhere)
{
	std::vector<RoundCounters> quiet(5);
	for (auto &c : quiet) {
		c.seconds = 0.01;
		c.cpu_start = c.cpu_end = 1;
	}
	EXPECT_TRUE(measured_with(quiet).noise.empty());
	std::vector<RoundCounters> moved = quiet;
	moved[3].cpu_end = 0;
	Result r = measured_with(moved);
	ASSERT_FALSE(r.noise.empty());
	EXPECT_EQ(r.noise[0].kind, "migration");
	nlohmann::json j = to_json(r, false);
	EXPECT_EQ(j["noise"][0]["kind"], "migration");
	EXPECT_EQ(j["rounds"]["counters"][3]["cpu_end"], 0);
	Report rep;
	rep.results = { r };
	rep.meta["warned"] = { { { "check", "governor" },
				 { "found", "powersave" },
				 { "fix", "set performance" } } };
	std::string table = render_table(rep, 160, Detail::verbose);
	EXPECT_NE(table.find("migration"), std::string::npos) << table;
	EXPECT_NE(table.find("warned conditions"), std::string::npos) << table;
	EXPECT_NE(table.find("governor: powersave"), std::string::npos) << table;
	// By default each finding once, in a line of its own.
	std::string short_table = render_table(rep, 160);
	EXPECT_NE(short_table.find("noise: migration in 1 of 1 rows (getppid/getppid)"),
		  std::string::npos)
		<< short_table;
	EXPECT_NE(short_table.find("warned: governor: powersave"), std::string::npos) << short_table;
	Report quiet_rep;
	quiet_rep.results = { measured_with(quiet) };
	Comparison c = compare_reports(quiet_rep, rep);
	std::string text = render_comparison(c, 160, Detail::verbose);
	EXPECT_NE(text.find("noise: getppid/getppid in B: migration"), std::string::npos) << text;
	EXPECT_NE(text.find("B was taken under warned conditions"), std::string::npos) << text;
	nlohmann::json cj = comparison_to_json(c);
	EXPECT_EQ(cj["columns"][1]["warned"][0], "governor: powersave");
	EXPECT_EQ(cj["comparison"][0]["figures"][1]["noise"][0], "migration");
}
