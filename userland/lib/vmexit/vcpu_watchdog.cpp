#include "vmexit/vcpu_watchdog.h"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

// The name the kernel's uapi gives it; glibc before 2.41 leaves it out.
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace xperf {

namespace {

void on_alarm(int) {}

} // namespace

VcpuWatchdog::VcpuWatchdog(std::chrono::milliseconds period)
{
	struct sigaction sa {};
	sa.sa_handler = on_alarm; // no SA_RESTART: KVM_RUN must return
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_);
	sigevent ev{};
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGALRM;
	ev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer_)) {
		const int err = errno;
		sigaction(SIGALRM, &old_, nullptr);
		throw std::runtime_error(
			fmt::format("timer_create for the vCPU thread: {}", std::strerror(err)));
	}
	const auto s = std::chrono::duration_cast<std::chrono::seconds>(period);
	const timespec every{ static_cast<time_t>(s.count()),
			      static_cast<long>(
				      std::chrono::nanoseconds(period - s).count()) };
	const itimerspec t{ every, every };
	timer_settime(timer_, 0, &t, nullptr);
}

VcpuWatchdog::~VcpuWatchdog()
{
	timer_delete(timer_);
	sigaction(SIGALRM, &old_, nullptr);
}

} // namespace xperf
