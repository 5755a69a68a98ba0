// The built-in VMM's watchdog: a periodic SIGALRM to the vCPU thread, so
// that KVM_RUN returns (EINTR) and the run loop can see its deadline pass.
#pragma once

#include <signal.h>
#include <time.h>

#include <chrono>

namespace xperf {

// A timer of the calling thread (timer_create with SIGEV_THREAD_ID), not
// the process's ITIMER_REAL, whose signal may go to any thread: the
// --verify tracer's thread, beside the vCPU's, would take it and leave
// KVM_RUN blocked. While it lives SIGALRM interrupts, without SA_RESTART,
// the blocking calls of the thread that made it; the timer is deleted and
// SIGALRM's old disposition comes back when it goes. Throws
// std::runtime_error when the timer cannot be made.
class VcpuWatchdog {
public:
	explicit VcpuWatchdog(std::chrono::milliseconds period = std::chrono::milliseconds(200));
	VcpuWatchdog(const VcpuWatchdog &) = delete;
	VcpuWatchdog &operator=(const VcpuWatchdog &) = delete;
	~VcpuWatchdog();

private:
	struct sigaction old_ {};
	timer_t timer_{};
};

} // namespace xperf
