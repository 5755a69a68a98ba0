#include "core/child_process.h"

#include "core/error.h"

#include <signal.h>
#include <string.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>

namespace xperf {

std::string describe_status(int status)
{
	if (WIFEXITED(status))
		return fmt::format("exited with status {}", WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = sigabbrev_np(sig);
		return name ? fmt::format("died of signal {} (SIG{})", sig, name)
			    : fmt::format("died of signal {}", sig);
	}
	return fmt::format("ended with wait status {:#x}", status);
}

int wait_status(pid_t pid)
{
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			throw failed(fmt::format("waitpid: {}", std::strerror(errno)));
	return status;
}

namespace {

// The child's side of start: body's exit status, or 1 when it throws.
int run_body(const std::function<int()> &body)
{
	try {
		return body();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "xperf-user: %s\n", e.what());
		return 1;
	}
}

} // namespace

ChildProcess ChildProcess::start(std::string_view what, int sig, const std::function<int()> &body)
{
	std::fflush(nullptr);
	pid_t pid = fork_bound(::getpid(), sig, [&] { return run_body(body); });
	if (pid < 0)
		throw failed(fmt::format("fork for {}: {}", what, std::strerror(errno)),
			     "raise the process limit (ulimit -u) or end other processes");
	return ChildProcess(pid, sig);
}

ChildProcess &ChildProcess::operator=(ChildProcess &&o) noexcept
{
	if (this != &o) {
		end();
		slot_ = std::move(o.slot_);
	}
	return *this;
}

ChildStatus ChildProcess::wait()
{
	return ChildStatus(slot_.reap().value());
}

bool ChildProcess::ended() const
{
	siginfo_t info{};
	// WNOWAIT: look, and leave it to be reaped.
	return ::waitid(P_PID, static_cast<id_t>(pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid == pid();
}

std::optional<ChildStatus> ChildProcess::poll()
{
	if (auto status = slot_.reap(false))
		return ChildStatus(*status);
	return std::nullopt;
}

std::optional<ChildStatus> ChildProcess::wait_until(std::chrono::steady_clock::time_point deadline,
						    std::chrono::milliseconds interval,
						    const std::function<void()> &each_poll)
{
	for (;;) {
		if (each_poll)
			each_poll();
		if (auto status = poll())
			return status;
		if (std::chrono::steady_clock::now() > deadline)
			return std::nullopt;
		std::this_thread::sleep_for(interval);
	}
}

void ChildProcess::end() noexcept
{
	if (slot_.pid() <= 0)
		return;
	::kill(slot_.pid(), SIGKILL);
	try {
		slot_.reap();
	} catch (const std::exception &) {
		// waitid failed: nothing left to reap.
	}
}

} // namespace xperf
