// Every child xperf-user starts (core/child_process.h): how it ended, read
// and said; a wait that signals interrupt; no child left running or as a
// zombie by its owner; bound to its parent with the signal asked for.
#include "core/child_process.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using namespace xperf;

namespace {

TEST(ChildProcess, ExitStatusIsReadAndSaid)
{
	ChildStatus status = ChildProcess::start("a test child", SIGKILL, [] { return 3; }).wait();
	EXPECT_TRUE(status.exited());
	EXPECT_EQ(status.exit_code(), 3);
	EXPECT_EQ(status.signal(), 0);
	EXPECT_FALSE(status.success());
	EXPECT_EQ(status.text(), "exited with status 3");
}

TEST(ChildProcess, ABodyThatThrowsExitsWith1)
{
	auto throws = []() -> int { throw failed("on purpose"); };
	EXPECT_EQ(ChildProcess::start("a test child", SIGKILL, throws).wait().exit_code(), 1);
}

TEST(ChildProcess, DeathBySignalIsSaidWithTheSignalsName)
{
	ChildProcess child = ChildProcess::start("a test child", SIGKILL, [] {
		::raise(SIGUSR1);
		return 0;
	});
	ChildStatus status = child.wait();
	EXPECT_FALSE(status.exited());
	EXPECT_EQ(status.exit_code(), -1);
	EXPECT_EQ(status.signal(), SIGUSR1);
	EXPECT_EQ(status.text(), "died of signal " + std::to_string(SIGUSR1) + " (SIGUSR1)");
}

volatile sig_atomic_t alarms = 0;

void count_alarm(int)
{
	alarms = alarms + 1;
}

// SIGALRM every 10 ms, with a handler that lets system calls fail with EINTR
// (no SA_RESTART), for the life of the object.
class Interrupting {
public:
	Interrupting()
	{
		alarms = 0;
		struct sigaction sa {};
		sa.sa_handler = count_alarm;
		sa.sa_flags = 0;
		sigemptyset(&sa.sa_mask);
		::sigaction(SIGALRM, &sa, &old_);
		itimerval every{ { 0, 10000 }, { 0, 10000 } };
		::setitimer(ITIMER_REAL, &every, nullptr);
	}
	~Interrupting()
	{
		itimerval off{};
		::setitimer(ITIMER_REAL, &off, nullptr);
		::sigaction(SIGALRM, &old_, nullptr);
	}

private:
	struct sigaction old_ {};
};

TEST(ChildProcess, WaitingGoesOnThroughInterruptions)
{
	Interrupting interrupting;
	ChildProcess child = ChildProcess::start("a test child", SIGKILL, [] {
		std::this_thread::sleep_for(200ms);
		return 4;
	});
	EXPECT_EQ(child.wait().exit_code(), 4);
	EXPECT_GT(alarms, 0) << "no signal came during the wait: nothing was tested";
	pid_t raw = fork_bound(::getpid(), SIGKILL, [] {
		std::this_thread::sleep_for(200ms);
		return 5;
	});
	ASSERT_GT(raw, 0);
	int before = alarms;
	EXPECT_EQ(WEXITSTATUS(wait_status(raw)), 5);
	EXPECT_GT(alarms, before) << "no signal came during the wait: nothing was tested";
}

TEST(ChildProcess, TheOwnerEndsAndReapsAChildStillRunning)
{
	pid_t pid;
	{
		ChildProcess child = ChildProcess::start("a test child", SIGTERM, [] {
			::pause();
			return 0;
		});
		pid = child.pid();
		ASSERT_GT(pid, 0);
		EXPECT_EQ(::kill(pid, 0), 0) << "it should run until its owner goes";
	}
	// Reaped: not even a zombie is left in /proc.
	EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)));
}

TEST(ChildProcess, WaitUntilGivesUpAtTheDeadline)
{
	ChildProcess child = ChildProcess::start("a test child", SIGKILL, [] {
		::pause();
		return 0;
	});
	int polls = 0;
	auto status = child.wait_until(std::chrono::steady_clock::now() + 50ms, 5ms,
				       [&] { polls++; });
	EXPECT_FALSE(status);
	EXPECT_GT(polls, 1);
	EXPECT_GT(child.pid(), 0) << "still running: still owned";
}

TEST(ChildProcess, SeenToHaveEndedItIsStillThereToBeWaitedFor)
{
	ChildProcess child = ChildProcess::start("a test child", SIGKILL, [] { return 6; });
	auto deadline = std::chrono::steady_clock::now() + 10s;
	while (!child.ended() && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(1ms);
	ASSERT_TRUE(child.ended()) << "a child that returns at once ran for 10 s";
	EXPECT_EQ(child.wait().exit_code(), 6);
}

// The child reads back the signal its parent's death sends it.
TEST(ChildProcess, TheChildDiesWithItsParentWithTheSignalAskedFor)
{
	for (int sig : { SIGTERM, SIGKILL }) {
		ChildProcess child = ChildProcess::start("a test child", sig, [] {
			int set = 0;
			::prctl(PR_GET_PDEATHSIG, &set);
			return set;
		});
		EXPECT_EQ(child.wait().exit_code(), sig);
	}
}

} // namespace
