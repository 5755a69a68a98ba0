// The OS suite's entries for files, processes, signals and memory: each
// runs, gives a sane figure, and leaves nothing behind (descriptors,
// children, files, signal handlers), in one process and with its rounds in
// processes of their own.
#include "os_leaks.h"
#include "test_paths.h"

#include "app/registry.h"
#include "core/error.h"
#include "core/tsc.h"
#include "crossings/os_scratch.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace xperf;

namespace {

const char *const entries[] = {
	"read",		  "write",	    "stat",	       "fstat",		 "open-close",
	"select-file",	  "sig-install",    "sig-handler",     "prot-fault",	 "file-fault",
	"fork-exit",	  "fork-exec",	    "fork-sh",	       "file-create-0k", "file-delete-0k",
	"file-create-10k", "file-delete-10k", "mmap",	       "bw-file-reread", "bw-mmap-reread",
	"bw-mem-read",	  "bw-mem-write",
};

// The entries with more than one variant: each of its results, in order.
// Every other entry gives one.
const std::map<std::string, std::vector<std::string>> variants = {
	{ "prot-fault", { "shared-file-write", "less-catch" } },
	{ "file-fault", { "shared-file-read", "per-page" } },
	{ "fork-exec", { "static-hello", "dynamic-hello" } },
	{ "fork-sh", { "sh-c-hello", "dynamic-hello" } },
	{ "bw-mem-read", { "sum-64k", "whole-64m" } },
	{ "bw-mem-write", { "store-64k", "whole-64m" } },
};

// A variant whose iteration is many crossings, with fewer samples than asked.
bool fewer_samples(const Result &r)
{
	return r.crossing == "file-fault" && r.variant == "per-page";
}

bool is_bandwidth(const std::string &name)
{
	return name.rfind("bw-", 0) == 0;
}

const TscInfo &tsc()
{
	static const TscInfo info = tsc_info(50);
	return info;
}

// A folder of the test's own for the entries' scratch folders.
class Folder {
public:
	Folder()
	{
		char tmpl[] = "/tmp/xperf-os-test.XXXXXX";
		path_ = ::mkdtemp(tmpl);
	}
	~Folder() { std::filesystem::remove_all(path_); }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

RunContext tiny(const std::string &dir, bool part_processes, unsigned rounds)
{
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.warmup = 1;
	ctx.opt.rounds = rounds;
	ctx.opt.part_processes = part_processes;
	ctx.opt.span_s = 0;
	ctx.opt.scratch_dir = dir;
	ctx.opt.programs_dir = std::filesystem::path(XPERF_USER_BIN).parent_path();
	ctx.tsc = tsc();
	return ctx;
}

// A signal's handler and flags, less SA_RESTORER, which glibc's sigaction
// adds to whatever it installs, SIG_DFL put back included.
std::string disposition(int sig)
{
	constexpr int sa_restorer = 0x04000000;
	struct sigaction sa {};
	::sigaction(sig, nullptr, &sa);
	return std::to_string(reinterpret_cast<uintptr_t>(sa.sa_handler)) + "/" +
	       std::to_string(sa.sa_flags & ~sa_restorer);
}

class OsFileEntry : public testing::TestWithParam<std::tuple<const char *, bool>> {};

} // namespace

TEST_P(OsFileEntry, RunsGivesASaneFigureAndLeavesNothingBehind)
{
	const std::string name = std::get<0>(GetParam());
	const bool parts = std::get<1>(GetParam());
	const Crossing *c = find_crossing(name);
	ASSERT_NE(c, nullptr) << name;
	EXPECT_EQ(c->group, Group::os) << name << ": measured by its suite, not by all";
	Folder folder;
	const unsigned rounds = parts ? 2 : 1;
	RunContext ctx = tiny(folder.path(), parts, rounds);
	if (c->check)
		c->check(ctx); // runs here: this machine has /bin/sh and an exec /tmp

	auto before = test::held(folder.path());
	std::string usr1 = disposition(SIGUSR1), segv = disposition(SIGSEGV);
	std::vector<Result> results = c->run(ctx);
	auto after = test::held(folder.path());

	EXPECT_EQ(before.fds, after.fds) << name;
	EXPECT_EQ(before.children, after.children) << name;
	EXPECT_EQ(before.files, after.files) << name << ": its scratch folder is gone";
	EXPECT_TRUE(after.files.empty()) << name;
	EXPECT_EQ(before.loopback, after.loopback) << name;
	EXPECT_EQ(usr1, disposition(SIGUSR1)) << name << ": SIGUSR1's handler put back";
	EXPECT_EQ(segv, disposition(SIGSEGV)) << name << ": SIGSEGV's handler put back";

	std::vector<std::string> seen;
	for (const Result &r : results) {
		seen.push_back(r.variant);
		EXPECT_EQ(r.crossing, name);
		EXPECT_FALSE(r.variant.empty()) << name;
		if (fewer_samples(r))
			EXPECT_EQ(r.round_sizes, std::vector<std::size_t>(rounds, 1)) << r.variant;
		else
			EXPECT_EQ(r.cycles.size(), ctx.opt.samples * rounds) << name << " " << r.variant;
		EXPECT_GT(r.stats.median, 0) << name << " " << r.variant;
		EXPECT_FALSE(r.notes.empty()) << name << " " << r.variant << ": says what it times";
		if (is_bandwidth(name)) {
			ASSERT_TRUE(r.detail.contains("bytes_per_iteration")) << name;
			EXPECT_TRUE(r.detail["bytes_per_iteration"].is_number()) << name;
			// A 64 KiB chunk per iteration, or the whole 64 MiB buffer.
			const double bytes = r.variant == "whole-64m" ? 64 << 20 : 64 << 10;
			EXPECT_EQ(r.detail["bytes_per_iteration"].get<double>(), bytes) << name;
		}
		if (r.detail.contains("scratch_fs")) {
			EXPECT_EQ(r.detail["scratch_in"], folder.path()) << name;
			EXPECT_FALSE(r.detail["scratch_fs"].get<std::string>().empty()) << name;
		}
	}
	if (auto v = variants.find(name); v != variants.end())
		EXPECT_EQ(seen, v->second) << name;
	else
		EXPECT_EQ(seen.size(), 1u) << name;
}

INSTANTIATE_TEST_SUITE_P(
	Entries, OsFileEntry, testing::Combine(testing::ValuesIn(entries), testing::Bool()),
	[](const testing::TestParamInfo<OsFileEntry::ParamType> &param) {
		std::string n = std::get<0>(param.param);
		for (char &ch : n)
			if (ch == '-')
				ch = '_';
		return n + (std::get<1>(param.param) ? "_InPartProcesses" : "_InOneProcess");
	});

TEST(OsFileEntries, FilesEntriesWriteToTheFolderGivenAndSayItsFileSystem)
{
	Folder folder;
	RunContext ctx = tiny(folder.path(), false, 1);
	for (const char *name : { "stat", "file-create-10k", "mmap", "bw-file-reread" }) {
		Result r = find_crossing(name)->run(ctx).front();
		EXPECT_EQ(r.detail.value("scratch_in", ""), folder.path()) << name;
		EXPECT_NE(r.detail.value("scratch_fs", ""), "unknown") << name;
	}
}

TEST(OsFileEntries, AFolderThatCannotBeWrittenStopsTheFileEntriesWithAnError)
{
	RunContext ctx = tiny("/nonexistent/xperf", false, 1);
	for (const char *name : { "stat", "file-create-0k", "fork-exec" })
		EXPECT_THROW(find_crossing(name)->run(ctx), Error) << name;
}

// lat_sig prot's figure: the round trip less its catch figure (a caught
// SIGUSR1 less kill of signal 0), the catch measured in the same run and
// taken off every sample of the round trip.
TEST(OsFileEntries, ProtFaultLessCatchIsTheRoundTripLessTheCatchOfTheSameRun)
{
	Folder folder;
	RunContext ctx = tiny(folder.path(), false, 1);
	ctx.opt.samples = 50;
	std::vector<Result> results = find_crossing("prot-fault")->run(ctx);
	ASSERT_EQ(results.size(), 2u);
	const Result &whole = results[0], &less = results[1];
	ASSERT_EQ(less.variant, "less-catch");
	const double caught = less.detail.at("catch_cycles").get<double>();
	const double sent = less.detail.at("send_cycles").get<double>();
	const double subtracted = less.detail.at("subtracted_cycles").get<double>();
	EXPECT_GT(sent, 0) << "kill(2) of signal 0 is a system call";
	EXPECT_GT(caught, sent) << "a delivered and handled signal costs more than none";
	EXPECT_DOUBLE_EQ(subtracted, caught - sent);
	EXPECT_DOUBLE_EQ(less.detail.at("round_trip_cycles").get<double>(), whole.stats.median);
	ASSERT_EQ(less.cycles.size(), whole.cycles.size());
	for (std::size_t i = 0; i < less.cycles.size(); i++)
		EXPECT_NEAR(whole.cycles[i] - less.cycles[i], subtracted, 1e-6) << i;
	EXPECT_NEAR(less.stats.median, whole.stats.median - subtracted, 1e-6);
	EXPECT_TRUE(less.method.contains("net"));
}

// lat_pagefault's figure: every page of a fresh mapping of a cached file,
// per page; fault-around maps a fault's neighbours, so the pages touched
// took fewer minor faults than there are pages, and the entry counted them.
TEST(OsFileEntries, FileFaultPerPageTouchesEveryPageAndCountsItsFaults)
{
	Folder folder;
	RunContext ctx = tiny(folder.path(), false, 1);
	ctx.opt.samples = 100;
	std::vector<Result> results = find_crossing("file-fault")->run(ctx);
	ASSERT_EQ(results.size(), 2u);
	const Result &r = results[1];
	ASSERT_EQ(r.variant, "per-page");
	const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
	const std::size_t pages = r.detail.at("mapped_bytes").get<std::size_t>() / page;
	EXPECT_GE(pages * page, std::size_t{ 1 } << 20) << "lat_pagefault refuses less than 1 MiB";
	EXPECT_EQ(r.detail.at("pages_per_iteration").get<std::size_t>(), pages);
	EXPECT_GT(r.detail.at("unmap_untouched_cycles").get<double>(), 0) << "munmap is a system call";
	EXPECT_EQ(r.cycles.size(), 2u) << "a 50th of the samples asked for";

	const long faults = r.detail.at("minor_faults_counted").get<long>();
	const std::size_t counted = r.detail.at("pages_counted").get<std::size_t>();
	EXPECT_EQ(counted % pages, 0u) << "whole mappings counted";
	EXPECT_GT(counted, 0u);
	EXPECT_GT(faults, 0) << "a fresh mapping's first touch faults";
	EXPECT_LT(faults, static_cast<long>(counted)) << "fault-around maps the neighbours";
	const double per = r.detail.at("faults_per_page").get<double>();
	EXPECT_DOUBLE_EQ(per, static_cast<double>(faults) / static_cast<double>(counted));
	// Every page read: every fault-around window (64 KiB unless debugfs
	// says otherwise) faulted at least once.
	const double window = r.detail.value("fault_around_bytes", 65536.0);
	EXPECT_GE(static_cast<double>(faults), static_cast<double>(counted * page) / window);
	if (r.detail.contains("fault_around_bytes")) {
		EXPECT_NEAR(per, static_cast<double>(page) / window, 0.01) << "one fault per window";
	}
}

// lat_proc exec and shell run a dynamically linked hello: the dynamic-hello
// variants run xperf-hello, which the dynamic loader it names really loads
// (asked to list what it loads, it lists libc), and say so in detail.
TEST(OsFileEntries, DynamicHelloRunsADynamicallyLinkedProgramAndSaysWhich)
{
	Folder folder;
	RunContext ctx = tiny(folder.path(), false, 1);
	const std::string hello = ctx.opt.programs_dir + "/xperf-hello";
	for (const char *name : { "fork-exec", "fork-sh" }) {
		std::vector<Result> results = find_crossing(name)->run(ctx);
		ASSERT_EQ(results.size(), 2u) << name;
		const Result &r = results[1];
		ASSERT_EQ(r.variant, "dynamic-hello") << name;
		EXPECT_EQ(r.detail.value("program", ""), hello) << name;
		EXPECT_EQ(r.detail.value("linking", ""), "dynamic") << name;
		const std::string interp = r.detail.value("interpreter", "");
		EXPECT_EQ(::access(interp.c_str(), X_OK), 0) << name << ": " << interp;
		ASSERT_TRUE(r.detail.contains("needed")) << name;
		EXPECT_NE(r.detail["needed"].dump().find("libc.so"), std::string::npos) << name;
		EXPECT_EQ(results[0].detail.value("linking", "static"), "static") << name;
	}
	// The loader, told to list what it loads instead of running it
	// (what ldd does), finds libc: the program is dynamically linked.
	std::string cmd = "LD_TRACE_LOADED_OBJECTS=1 " + hello;
	std::unique_ptr<FILE, int (*)(FILE *)> p(::popen(cmd.c_str(), "r"), ::pclose);
	ASSERT_TRUE(p);
	std::string listed;
	char buf[256];
	while (std::fgets(buf, sizeof(buf), p.get()))
		listed += buf;
	EXPECT_NE(listed.find("libc.so"), std::string::npos) << listed;
}

// Without xperf-hello beside xperf-user (or where the options say), or
// with a program there that is not dynamically linked, fork-exec and
// fork-sh still run their static variant; only dynamic-hello is dropped,
// with a note on the variant that ran saying what is missing and what to do.
TEST(OsFileEntries, WithoutADynamicHelloOnlyTheDynamicHelloVariantsAreDropped)
{
	Folder scratch, programs;
	RunContext ctx = tiny(scratch.path(), false, 1);
	ctx.opt.programs_dir = programs.path();
	auto expect_dropped = [&](const char *why) {
		for (auto [name, kept] : { std::pair{ "fork-exec", "static-hello" },
					   std::pair{ "fork-sh", "sh-c-hello" } }) {
			SCOPED_TRACE(std::string(name) + " " + why);
			const Crossing *c = find_crossing(name);
			EXPECT_NO_THROW(c->check(ctx));
			std::vector<Result> results = c->run(ctx);
			ASSERT_EQ(results.size(), 1u);
			EXPECT_EQ(results[0].variant, kept);
			std::string notes;
			for (const auto &n : results[0].notes)
				notes += n + "\n";
			EXPECT_NE(notes.find("dynamic-hello not measured: " + programs.path() +
					     "/xperf-hello"),
				  std::string::npos)
				<< notes;
			EXPECT_NE(notes.find("make userland"), std::string::npos) << notes;
		}
	};
	expect_dropped("without xperf-hello");

	// A script: runnable, but no ELF, no dynamic loader.
	const std::string fake = programs.path() + "/xperf-hello";
	{
		std::ofstream out(fake);
		out << "#!/bin/sh\nexit 0\n";
	}
	ASSERT_EQ(::chmod(fake.c_str(), 0755), 0);
	expect_dropped("with a script as xperf-hello");
}

namespace {

// $TMPDIR for as long as this lives, or unset with nullptr.
class TmpdirAs {
public:
	explicit TmpdirAs(const char *value)
	{
		if (const char *old = std::getenv("TMPDIR"))
			saved_ = old;
		if (value)
			::setenv("TMPDIR", value, 1);
		else
			::unsetenv("TMPDIR");
	}
	~TmpdirAs()
	{
		if (saved_)
			::setenv("TMPDIR", saved_->c_str(), 1);
		else
			::unsetenv("TMPDIR");
	}

private:
	std::optional<std::string> saved_;
};

} // namespace

// --dir, else $TMPDIR, else a tmpfs: a disk file system's figures carry
// what it did in the last minutes.
TEST(OsFileEntries, TheScratchFolderIsInMemoryUnlessGivenOtherwise)
{
	Options opt;
	{
		TmpdirAs unset(nullptr);
		std::string parent = scratch_parent(opt);
		if (file_system_type("/dev/shm") == "tmpfs" && ::access("/dev/shm", W_OK) == 0)
			EXPECT_EQ(parent, "/dev/shm");
		else
			EXPECT_EQ(parent, "/tmp");
	}
	{
		TmpdirAs set("/var/tmp");
		EXPECT_EQ(scratch_parent(opt), "/var/tmp");
		opt.scratch_dir = "/somewhere";
		EXPECT_EQ(scratch_parent(opt), "/somewhere");
	}
	EXPECT_TRUE(memory_file_system("tmpfs"));
	EXPECT_TRUE(memory_file_system("ramfs"));
	EXPECT_FALSE(memory_file_system("ext4"));
}

// On a disk file system the create and delete figures say what they
// depend on; in memory they have nothing to add.
TEST(OsFileEntries, CreationOnADiskFileSystemSaysItDependsOnItsHistory)
{
	Folder folder;
	RunContext ctx = tiny(folder.path(), false, 1);
	Result r = find_crossing("file-create-0k")->run(ctx).front();
	bool said = false;
	for (const auto &n : r.notes)
		said = said || n.find("not in memory") != std::string::npos;
	EXPECT_EQ(said, !memory_file_system(r.detail.value("scratch_fs", ""))) << folder.path();
}
