// What SIGINT, SIGTERM and SIGHUP clean before they end the process: its
// children first (its signal, then SIGKILL after the grace), then its
// scratch; only the process's own, not what a forked child inherited; and
// a child bound to its parent dies with it even of SIGKILL.
#include "core/signal_cleanup.h"
#include "core/temp_file.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace xperf;

namespace {

class SignalCleanup : public ::testing::Test {
protected:
	void SetUp() override
	{
		// Orphans come here, to be seen to end.
		::prctl(PR_SET_CHILD_SUBREAPER, 1);
		dir = fs::temp_directory_path() /
		      ("xperf-signal-" + std::to_string(::getpid()) + "-" +
		       ::testing::UnitTest::GetInstance()->current_test_info()->name());
		fs::create_directories(dir);
		ASSERT_EQ(::pipe(report), 0);
	}
	void TearDown() override
	{
		::close(report[0]);
		::close(report[1]);
		while (::waitpid(-1, nullptr, WNOHANG) > 0)
			;
		::prctl(PR_SET_CHILD_SUBREAPER, 0);
		fs::remove_all(dir);
	}

	// Runs body in a child, which may tell a pid on the pipe.
	template <class Body> pid_t start(Body body)
	{
		// The handler, when this process has it already, is inherited
		// as it is: reset, it would not be installed again.
		pid_t pid = ::fork();
		if (pid == 0) {
			body();
			::_exit(0);
		}
		return pid;
	}
	void tell(pid_t pid) { (void)!::write(report[1], &pid, sizeof(pid)); }
	pid_t told()
	{
		pid_t pid = -1;
		EXPECT_EQ(::read(report[0], &pid, sizeof(pid)), static_cast<ssize_t>(sizeof(pid)));
		return pid;
	}
	static int status_of(pid_t pid)
	{
		int status = 0;
		EXPECT_EQ(::waitpid(pid, &status, 0), pid);
		return status;
	}
	// Whether pid (a child of its parent, or an orphan of this process)
	// ended within limit.
	static bool ends_within(pid_t pid, std::chrono::milliseconds limit)
	{
		auto end = std::chrono::steady_clock::now() + limit;
		do {
			pid_t r = ::waitpid(pid, nullptr, WNOHANG);
			if (r == pid || (r < 0 && ::kill(pid, 0) != 0))
				return true;
			std::this_thread::sleep_for(10ms);
		} while (std::chrono::steady_clock::now() < end);
		return false;
	}

	fs::path dir;
	int report[2] = { -1, -1 };
};

// A child writing files into the scratch folder as fast as it can: ended
// and reaped before the folder is emptied, so none of its files keeps the
// folder from going.
TEST_F(SignalCleanup, EndsTheChildrenThenRemovesTheScratch)
{
	for (int sig : { SIGINT, SIGTERM, SIGHUP }) {
		pid_t run = start([&] {
			TempDir scratch(dir.string(), "scratch");
			std::string folder = scratch.path();
			pid_t writer = ::fork();
			if (writer == 0) {
				for (unsigned long i = 0;; i++)
					::close(::open((folder + "/" + std::to_string(i % 64)).c_str(),
						       O_WRONLY | O_CREAT, 0600));
			}
			ChildSlot child(writer, SIGKILL);
			tell(writer);
			std::this_thread::sleep_for(100ms);
			::raise(sig);
		});
		pid_t writer = told();
		int status = status_of(run);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << status;
		EXPECT_TRUE(ends_within(writer, 0ms)) << "the writer outlived the run";
		EXPECT_TRUE(fs::is_empty(dir)) << fs::directory_iterator(dir)->path();
	}
}

// A child that ignores the signal it is sent is killed after the grace.
TEST_F(SignalCleanup, AChildThatIgnoresItsSignalIsKilledAfterTheGrace)
{
	pid_t run = start([&] {
		pid_t stubborn = ::fork();
		if (stubborn == 0) {
			::signal(SIGTERM, SIG_IGN);
			for (;;)
				::pause();
		}
		ChildSlot child(stubborn, SIGTERM);
		tell(stubborn);
		std::this_thread::sleep_for(50ms);
		::raise(SIGTERM);
	});
	pid_t stubborn = told();
	auto t0 = std::chrono::steady_clock::now();
	int status = status_of(run);
	double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
	EXPECT_TRUE(ends_within(stubborn, 0ms)) << "the child that ignored SIGTERM outlived the run";
	EXPECT_GE(waited, 1.5) << "killed before its grace";
	EXPECT_LT(waited, 10.0);
}

// A child forked without exec inherits the handler and its table, not its
// parent's duties: its death by SIGTERM removes none of the parent's scratch.
TEST_F(SignalCleanup, AForkedChildLeavesItsParentsScratch)
{
	pid_t run = start([&] {
		TempDir scratch(dir.string(), "parent");
		pid_t child = ::fork();
		if (child == 0) {
			::raise(SIGTERM);
			::_exit(0);
		}
		int status = 0;
		::waitpid(child, &status, 0);
		bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
		::_exit(killed && fs::exists(scratch.path()) ? 0 : 1);
	});
	int status = status_of(run);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		<< "the child's SIGTERM removed its parent's scratch folder";
}

// SIGKILL runs no handler: a child bound to its parent dies all the same.
TEST_F(SignalCleanup, AChildBoundToItsParentDiesOfItsSigkill)
{
	pid_t run = start([&] {
		pid_t parent = ::getpid();
		pid_t bound = ::fork();
		if (bound == 0) {
			if (!die_with_parent(parent, SIGKILL))
				::_exit(1);
			for (;;)
				::pause();
		}
		tell(bound);
		for (;;)
			::pause();
	});
	pid_t bound = told();
	std::this_thread::sleep_for(50ms);
	ASSERT_EQ(::kill(run, SIGKILL), 0);
	status_of(run);
	EXPECT_TRUE(ends_within(bound, 2000ms)) << "the bound child outlived its parent";
}

} // namespace
