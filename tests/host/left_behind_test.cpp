// A signal to xperf-user alone (not its process group, as kill(1) or a
// supervisor sends it) while it runs children: QEMU, a part of the run in
// a process of its own, an OS entry's peer or the program it forks and
// executes. Afterwards no process the run started is left, and after
// SIGINT, SIGTERM or SIGHUP no scratch file or folder is left in its
// TMPDIR; the run died of the signal it was sent. Runs the real binary.
#include "test_paths.h"
#include "processes.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace xperf::test;

namespace {

class LeftBehind : public ::testing::Test {
protected:
	void SetUp() override
	{
		// Orphans of the run come here, so that they are reaped (a
		// container's init may not) and seen to end.
		::prctl(PR_SET_CHILD_SUBREAPER, 1);
		base = fs::temp_directory_path() /
		       ("xperf-left-" + std::to_string(::getpid()) + "-" +
			::testing::UnitTest::GetInstance()->current_test_info()->name());
		tmpdir = base / "tmp";
		fs::create_directories(tmpdir);
	}
	void TearDown() override
	{
		reap_adopted();
		::prctl(PR_SET_CHILD_SUBREAPER, 0);
		fs::remove_all(base);
	}

	// Starts xperf-user with args in a process group of its own, TMPDIR
	// tmpdir, standard error to a file.
	pid_t start(const std::vector<std::string> &args)
	{
		std::string err = (base / "stderr").string();
		pid_t pid = ::fork();
		if (pid == 0) {
			::setpgid(0, 0);
			for (int sig : { SIGINT, SIGTERM, SIGHUP })
				::signal(sig, SIG_DFL);
			::setenv("TMPDIR", tmpdir.c_str(), 1);
			int null = ::open("/dev/null", O_WRONLY);
			int errfd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
			::dup2(null, 1);
			::dup2(errfd, 2);
			std::vector<char *> argv{ const_cast<char *>(XPERF_USER_BIN) };
			for (const auto &a : args)
				argv.push_back(const_cast<char *>(a.c_str()));
			argv.push_back(nullptr);
			::execv(XPERF_USER_BIN, argv.data());
			::_exit(127);
		}
		::setpgid(pid, pid);
		return pid;
	}

	std::string stderr_text() const { return read_proc(base / "stderr"); }

	// The run's processes other than xperf-user itself.
	static std::vector<pid_t> children_of_run(pid_t pid)
	{
		std::vector<pid_t> out;
		for (pid_t p : live_in_group(pid))
			if (p != pid)
				out.push_back(p);
		return out;
	}

	bool tmpdir_empty() const { return fs::is_empty(tmpdir); }

	// Starts a run, sends sig to it alone once ready() holds, and checks
	// what is left.
	void interrupt(const std::vector<std::string> &args, int sig,
		       const std::function<bool(pid_t)> &ready)
	{
		SCOPED_TRACE(std::string(strsignal(sig)) + " to xperf-user " + args[1]);
		pid_t pid = start(args);
		ASSERT_GT(pid, 0);
		GroupGuard guard(pid);
		pid_t ended = 0;
		int early = 0;
		bool got_going = false;
		within(30s, [&] {
			got_going = ready(pid);
			return got_going || (ended = ::waitpid(pid, &early, WNOHANG)) != 0;
		});
		ASSERT_TRUE(got_going)
			<< "it never got going ("
			<< (ended == pid   ? "it ended, status " + std::to_string(early)
			    : ended < 0 ? std::string("waitpid: ") + strerror(errno)
					 : std::string("still running"))
			<< "): " << stderr_text();
		std::this_thread::sleep_for(300ms); // into the timed loop
		ASSERT_EQ(::kill(pid, sig), 0);
		int status = 0;
		ASSERT_EQ(::waitpid(pid, &status, 0), pid);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
			<< "ended with status " << status << ": " << stderr_text();
		std::vector<pid_t> left;
		EXPECT_TRUE(within(5s, [&] {
			reap_adopted();
			left = live_in_group(pid);
			return left.empty();
		})) << left.size() << " processes of the run left, the first "
		    << (left.empty() ? "" : comm_of(left[0]));
		if (sig != SIGKILL) {
			EXPECT_TRUE(tmpdir_empty())
				<< "left in TMPDIR: " << fs::directory_iterator(tmpdir)->path();
		}
		// SIGKILL runs no handler: what it leaves in TMPDIR is not
		// checked, and goes before the next run.
		for (const auto &e : fs::directory_iterator(tmpdir))
			fs::remove_all(e.path());
	}

	fs::path base, tmpdir; // the test's own folder, and the run's TMPDIR in it
};

const int every_signal[] = { SIGINT, SIGTERM, SIGHUP, SIGKILL };

} // namespace

// fork-exec: a scratch folder with the program it executes, the part of
// the run that measures it (xperf-user in a process of its own), and the
// child it forks and executes, again and again.
TEST_F(LeftBehind, ForkExecLeavesNoChildAndNoScratch)
{
	for (int sig : every_signal)
		interrupt({ "-c", "fork-exec", "-n", "2000000", "--rounds", "2", "--span", "0" }, sig,
			  [&](pid_t pid) { return !tmpdir_empty() && !children_of_run(pid).empty(); });
}

// pipe: the part of the run and the peer it forks, echoing over pipes.
TEST_F(LeftBehind, PipeLeavesNoPeer)
{
	for (int sig : every_signal)
		interrupt({ "-c", "pipe", "-n", "20000000", "--rounds", "2", "--span", "0" }, sig,
			  [](pid_t pid) { return children_of_run(pid).size() >= 2; });
}

// QEMU, with its scratch folder (the payload, guest.ram, its output).
TEST_F(LeftBehind, QemuLeavesNoQemuAndNoScratch)
{
	if (::access("/dev/kvm", R_OK | W_OK) != 0)
		GTEST_SKIP() << "no usable /dev/kvm here: --vmm qemu runs QEMU with KVM";
	bool qemu = false;
	for (const char *dir : { "/usr/bin", "/usr/local/bin", "/bin" })
		qemu |= ::access((std::string(dir) + "/qemu-system-x86_64").c_str(), X_OK) == 0;
	if (!qemu)
		GTEST_SKIP() << "no qemu-system-x86_64 here (Debian: qemu-system-x86)";
	// The QEMU that runs the guest (its -name), not the short-lived
	// 'qemu-system-x86_64 --version' xperf-user asks first.
	auto qemu_running = [](pid_t pid) {
		for (pid_t p : children_of_run(pid))
			if (comm_of(p).rfind("qemu-system", 0) == 0 &&
			    read_proc(fs::path("/proc") / std::to_string(p) / "cmdline")
					    .find("xperf-vmexit") != std::string::npos)
				return true;
		return false;
	};
	for (int sig : every_signal)
		interrupt({ "-c", "vmexit", "--vmm", "qemu", "--exit", "cpuid", "-n", "300", "--rounds",
			    "6", "--span", "3", "--warmup", "2" },
			  sig, qemu_running);
}

// --vmm guest: xperf-user measuring from inside a virtual machine, with a
// child of its own only for the hypercall it first tries (VMCALL, which a
// hypervisor may keep for ever).
TEST_F(LeftBehind, InGuestLeavesNoChild)
{
	std::vector<std::string> args = { "-c",	    "vmexit", "--vmm",	  "guest",  "--from",
					  "user",   "--exit", "all", "-n", "2000000",
					  "--rounds", "2",  "--span", "0" };
	// Whether it runs here at all: it needs a hypervisor.
	pid_t probe = start(args);
	GroupGuard guard(probe);
	std::this_thread::sleep_for(1s);
	int status = 0;
	if (::waitpid(probe, &status, WNOHANG) == probe)
		GTEST_SKIP() << "--vmm guest does not run here: " << stderr_text();
	::kill(-probe, SIGKILL);
	::waitpid(probe, nullptr, 0);
	reap_adopted();
	for (int sig : every_signal)
		interrupt(args, sig, [](pid_t) { return true; });
}
