// The built-in VMM's watchdog (vmexit/vcpu_watchdog.h): its SIGALRM goes to
// the thread that made it, whatever other threads run beside it, and
// nothing of it is left once it goes.
#include "vmexit/vcpu_watchdog.h"

#include <poll.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

using namespace xperf;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The main thread waits beside the vCPU thread in a call that a signal
// would interrupt: a process-wide timer's signal goes to it first.
TEST(VcpuWatchdog, InterruptsTheThreadThatMadeItOnly)
{
	std::atomic<bool> done{ false };
	int rc = 0, err = 0;
	double waited_s = 0;
	std::thread vcpu([&] {
		VcpuWatchdog watchdog(50ms);
		auto t0 = std::chrono::steady_clock::now();
		rc = ::poll(nullptr, 0, 5000);
		err = errno;
		waited_s = seconds_since(t0);
		done = true;
	});
	int beside_interrupted = 0;
	while (!done)
		if (::poll(nullptr, 0, 10) < 0 && errno == EINTR)
			beside_interrupted++;
	vcpu.join();
	EXPECT_EQ(rc, -1);
	EXPECT_EQ(err, EINTR);
	EXPECT_LT(waited_s, 2.0) << "the vCPU thread's wait was not cut short";
	EXPECT_EQ(beside_interrupted, 0) << "the signal went to another thread";
}

TEST(VcpuWatchdog, LeavesNoTimerAndTheOldDispositionBehind)
{
	{
		VcpuWatchdog watchdog(20ms);
		std::this_thread::sleep_for(50ms);
	}
	struct sigaction now {};
	sigaction(SIGALRM, nullptr, &now);
	EXPECT_EQ(now.sa_handler, SIG_DFL);
	// A timer left armed would now end this process (SIGALRM's default).
	auto t0 = std::chrono::steady_clock::now();
	while (seconds_since(t0) < 0.2)
		::poll(nullptr, 0, 50);
	SUCCEED();
}

} // namespace
