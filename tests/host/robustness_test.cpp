// xperf-user as a user runs it, where things go wrong: no KVM, standard
// output that takes nothing, a signal mid-run, -o naming what is not a
// plain file. Each runs the real binary.
#include "test_paths.h"
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

enum class Stdout { pipe, full, closed, broken_pipe };

struct Outcome {
	int status = 0; // as waitpid gives it
	std::string out, err;
	int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

std::string read_all(int fd)
{
	std::string text;
	char buf[4096];
	for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;)
		text.append(buf, static_cast<std::size_t>(n));
	return text;
}

// Starts xperf-user with args; the caller waits.
struct Child {
	pid_t pid = -1;
	int out = -1, err = -1;
};

Child start(const std::vector<std::string> &args, Stdout mode = Stdout::pipe,
	    const char *kvm_device = nullptr)
{
	int out[2], err[2];
	if (::pipe(out) || ::pipe(err))
		throw std::runtime_error("pipe");
	if (mode == Stdout::broken_pipe)
		::close(out[0]); // nobody reads: a write gets EPIPE
	pid_t pid = ::fork();
	if (pid == 0) {
		for (int sig : { SIGINT, SIGTERM, SIGHUP })
			::signal(sig, SIG_DFL);
		if (mode == Stdout::broken_pipe)
			::signal(SIGPIPE, SIG_IGN);
		::dup2(err[1], 2);
		if (mode == Stdout::pipe || mode == Stdout::broken_pipe)
			::dup2(out[1], 1);
		else if (mode == Stdout::full)
			::dup2(::open("/dev/full", O_WRONLY), 1);
		else
			::close(1);
		if (kvm_device)
			::setenv("XPERF_KVM_DEVICE", kvm_device, 1);
		std::vector<char *> argv{ const_cast<char *>(XPERF_USER_BIN) };
		for (const auto &a : args)
			argv.push_back(const_cast<char *>(a.c_str()));
		argv.push_back(nullptr);
		::execv(XPERF_USER_BIN, argv.data());
		::_exit(127);
	}
	::close(out[1]);
	::close(err[1]);
	if (mode == Stdout::broken_pipe)
		out[0] = -1;
	return { pid, out[0], err[0] };
}

Outcome finish(Child c)
{
	Outcome r;
	std::thread drain_out([&] {
		if (c.out >= 0)
			r.out = read_all(c.out);
	});
	r.err = read_all(c.err);
	drain_out.join();
	::waitpid(c.pid, &r.status, 0);
	if (c.out >= 0)
		::close(c.out);
	::close(c.err);
	return r;
}

Outcome run(const std::vector<std::string> &args, Stdout mode = Stdout::pipe,
	const char *kvm_device = nullptr)
{
	return finish(start(args, mode, kvm_device));
}

const std::vector<std::string> quick = { "-n", "50", "--warmup", "5", "--rounds", "1" };

std::vector<std::string> with_quick(std::vector<std::string> args)
{
	args.insert(args.end(), quick.begin(), quick.end());
	return args;
}

class Robust : public ::testing::Test {
protected:
	void SetUp() override
	{
		dir = fs::temp_directory_path() /
		      ("xperf-robust-" + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		fs::create_directories(dir);
	}
	void TearDown() override { fs::remove_all(dir); }
	std::vector<std::string> entries() const
	{
		std::vector<std::string> names;
		for (const auto &e : fs::directory_iterator(dir))
			names.push_back(e.path().filename());
		return names;
	}
	fs::path dir;
};

std::string names(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &n : v)
		s += n + " ";
	return s;
}

} // namespace

// The README's first command on a machine without /dev/kvm: everything
// else measured, vmexit skipped with the reason, exit 0.
TEST(NoKvm, AllMeasuresTheRestAndSkipsVmexit)
{
	Outcome r = run(with_quick({ "--json" }), Stdout::pipe, "/nonexistent/kvm");
	ASSERT_EQ(r.exit_code(), 0) << r.err;
	auto j = nlohmann::json::parse(r.out);
	ASSERT_EQ(j["skipped"].size(), 1u);
	EXPECT_EQ(j["skipped"][0]["crossing"], "vmexit");
	EXPECT_FALSE(j["skipped"][0]["remedy"].get<std::string>().empty());
	for (const char *c : { "funccall", "syscall", "getppid", "pgfault", "alloc" }) {
		bool found = false;
		for (const auto &res : j["results"])
			found |= res["crossing"] == c;
		EXPECT_TRUE(found) << c;
	}
	Outcome named = run(with_quick({ "--crossing", "vmexit" }), Stdout::pipe, "/nonexistent/kvm");
	EXPECT_EQ(named.exit_code(), 2) << named.err;
	EXPECT_NE(named.err.find("no KVM here"), std::string::npos) << named.err;
}

// Where KVM works, all measures vmexit too and skips nothing.
TEST(WithKvm, AllMeasuresVmexit)
{
	if (::access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "/dev/kvm is missing or not usable here: NoKvm covers this machine";
	Outcome r = run(with_quick({ "--json" }));
	ASSERT_EQ(r.exit_code(), 0) << r.err;
	auto j = nlohmann::json::parse(r.out);
	EXPECT_TRUE(j["skipped"].empty()) << j["skipped"].dump();
	bool vmexit = false;
	for (const auto &res : j["results"])
		vmexit |= res["crossing"] == "vmexit";
	EXPECT_TRUE(vmexit);
}

TEST(StandardOutput, AFullDiskIsStatus1WithAMessage)
{
	Outcome r = run(with_quick({ "--crossing", "getppid", "--json" }), Stdout::full);
	EXPECT_EQ(r.exit_code(), 1) << r.err;
	EXPECT_NE(r.err.find("cannot write to standard output: No space left on device"),
		  std::string::npos)
		<< r.err;
}

TEST(StandardOutput, AClosedDescriptorIsStatus1WithAMessage)
{
	Outcome r = run(with_quick({ "--crossing", "getppid", "--json" }), Stdout::closed);
	EXPECT_EQ(r.exit_code(), 1) << r.err;
	EXPECT_NE(r.err.find("cannot write to standard output: Bad file descriptor"),
		  std::string::npos)
		<< r.err;
}

TEST(StandardOutput, ABrokenPipeWithSigpipeIgnoredIsStatus1WithAMessage)
{
	Outcome r = run(with_quick({ "--crossing", "getppid", "--json" }), Stdout::broken_pipe);
	EXPECT_EQ(r.exit_code(), 1) << r.err;
	EXPECT_NE(r.err.find("cannot write to standard output: Broken pipe"), std::string::npos)
		<< r.err;
}

// A signal while measuring into -o leaves nothing behind, and the process
// ends by that signal.
TEST_F(Robust, EachSignalWhileMeasuringLeavesNothing)
{
	for (int sig : { SIGINT, SIGTERM, SIGHUP }) {
		Child c = start({ "--crossing", "pgfault", "-n", "2000000", "--rounds", "10", "-o",
				  (dir / "out.json").string() });
		std::this_thread::sleep_for(std::chrono::milliseconds(1500));
		::kill(c.pid, sig);
		Outcome r = finish(c);
		ASSERT_TRUE(WIFSIGNALED(r.status)) << strsignal(sig) << ": " << r.err;
		EXPECT_EQ(WTERMSIG(r.status), sig);
		EXPECT_TRUE(entries().empty()) << strsignal(sig) << " left " << names(entries());
	}
}

TEST_F(Robust, EachSignalWhileComparingLeavesNothing)
{
	// Large enough, and read often enough (a column of 20 runs on each
	// side), that the comparison takes seconds.
	std::string big = (dir / "big.json").string();
	Outcome made = run({ "--crossing", "getppid", "-n", "300000", "--rounds", "1", "--warmup", "10",
			 "--json", "-o", big });
	ASSERT_EQ(made.exit_code(), 0) << made.err;
	for (int sig : { SIGINT, SIGTERM, SIGHUP }) {
		std::string column = big;
		for (int i = 1; i < 20; i++)
			column += "," + big;
		Child c = start({ "compare", column, column, "-o", (dir / "cmp.txt").string() });
		std::this_thread::sleep_for(std::chrono::milliseconds(700));
		::kill(c.pid, sig);
		Outcome r = finish(c);
		ASSERT_TRUE(WIFSIGNALED(r.status))
			<< strsignal(sig) << ": compare finished first (" << r.status << ")";
		EXPECT_EQ(WTERMSIG(r.status), sig);
		EXPECT_EQ(entries(), std::vector<std::string>{ "big.json" })
			<< strsignal(sig) << " left " << names(entries());
	}
}

// A device is written in place, never replaced by a regular file (the
// nodes are made here, as /dev/null and /dev/full are).
TEST_F(Robust, ADeviceIsWrittenInPlace)
{
	fs::path null_dev = dir / "null", full_dev = dir / "full";
	if (::mknod(null_dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) ||
	    ::mknod(full_dev.c_str(), S_IFCHR | 0666, makedev(1, 7)))
		GTEST_SKIP() << "cannot make device nodes here (needs root): " << strerror(errno);
	Outcome r = run(with_quick({ "--crossing", "funccall", "--json", "-o", null_dev.string() }));
	EXPECT_EQ(r.exit_code(), 0) << r.err;
	EXPECT_TRUE(fs::is_character_file(null_dev));
	Outcome full = run(with_quick({ "--crossing", "funccall", "--json", "-o", full_dev.string() }));
	EXPECT_EQ(full.exit_code(), 1) << full.err;
	EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
	EXPECT_TRUE(fs::is_character_file(full_dev));
	EXPECT_EQ(entries().size(), 2u) << names(entries());
}

TEST_F(Robust, AReplacedFileKeepsItsOwnerAndMode)
{
	fs::path out = dir / "r.json";
	std::ofstream(out) << "old";
	if (::chown(out.c_str(), 65534, 65534))
		GTEST_SKIP() << "cannot give the file away here (needs root): " << strerror(errno);
	::chmod(out.c_str(), 0640);
	Outcome r = run(with_quick({ "--crossing", "funccall", "--json", "-o", out.string() }));
	ASSERT_EQ(r.exit_code(), 0) << r.err;
	struct stat st {};
	ASSERT_EQ(::stat(out.c_str(), &st), 0);
	EXPECT_EQ(st.st_uid, 65534u);
	EXPECT_EQ(st.st_gid, 65534u);
	EXPECT_EQ(st.st_mode & 07777, 0640u);
	EXPECT_EQ(entries().size(), 1u) << names(entries());
}
