// Every child process xperf-user starts, one way: forked with stdio
// flushed, bound to the thread that forked it (PR_SET_PDEATHSIG, checked
// against a parent already gone), listed for the signal handler
// (signal_cleanup.h), waited for through EINTR, its end said one way, and
// killed and reaped when its owner goes while it still runs.
#pragma once

#include "core/signal_cleanup.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xperf {

// "exited with status N" or "died of signal N (SIGNAME)", from a wait
// status.
std::string describe_status(int status);

// How a child ended: a wait status, read.
class ChildStatus {
public:
	explicit ChildStatus(int raw) : raw_(raw) {}

	int raw() const { return raw_; }
	bool exited() const { return WIFEXITED(raw_); }
	// Its exit status; -1 when a signal ended it.
	int exit_code() const { return exited() ? WEXITSTATUS(raw_) : -1; }
	// The signal that ended it; 0 when it exited.
	int signal() const { return WIFSIGNALED(raw_) ? WTERMSIG(raw_) : 0; }
	bool success() const { return exited() && exit_code() == 0; }
	std::string text() const { return describe_status(raw_); }

private:
	int raw_;
};

// fork(2); the child first gets sig when the thread that forked it ends
// (and _exits with 127 when that parent is already gone), then _exits
// with what body returns. -1 (errno set) when fork fails. Nothing beyond
// fork's, prctl's and getppid's system calls and no allocation: a timed
// region may use it; the child side is async-signal-safe when body is.
template <class Body>
pid_t fork_bound(pid_t parent, int sig, Body &&body)
{
	pid_t pid = ::fork();
	if (pid == 0) {
		if (!die_with_parent(parent, sig))
			::_exit(127);
		::_exit(body());
	}
	return pid;
}

// Waits for pid through EINTR; its wait status. Throws a failed Error when
// waitpid fails. No allocation unless it throws: a timed region may use it.
int wait_status(pid_t pid);

// A child process, owned: move-only; its destructor sends SIGKILL to a
// child still running and reaps it.
class ChildProcess {
public:
	ChildProcess() = default;
	// Forks (stdio flushed first, so that nothing buffered is written
	// twice). The child is bound to this thread with sig (fork_bound),
	// then runs body and _exits with what it returns, or with 1 after
	// saying why on standard error when it throws. sig is also the first
	// signal the signal handler sends it (ChildSlot): SIGTERM for a child
	// that cleans up after itself, SIGKILL for one with nothing to clean.
	// Throws a failed Error naming what when fork fails.
	static ChildProcess start(std::string_view what, int sig, const std::function<int()> &body);

	ChildProcess(ChildProcess &&) noexcept = default;
	ChildProcess &operator=(ChildProcess &&o) noexcept;
	ChildProcess(const ChildProcess &) = delete;
	ChildProcess &operator=(const ChildProcess &) = delete;
	~ChildProcess() { end(); }

	// -1 once it has been reaped.
	pid_t pid() const { return slot_.pid(); }
	// Waits until it ends by itself. Throws a failed Error when waiting
	// fails.
	ChildStatus wait();
	// Whether it has ended; its status stays for wait() or poll().
	bool ended() const;
	// Its status when it has ended, else nothing; does not block.
	std::optional<ChildStatus> poll();
	// Looks every interval until it ends, or the deadline passed
	// (nothing); each_poll runs before each look.
	std::optional<ChildStatus> wait_until(std::chrono::steady_clock::time_point deadline,
					      std::chrono::milliseconds interval,
					      const std::function<void()> &each_poll = {});
	// SIGKILL to a child still running, then reaped; nothing when there
	// is none.
	void end() noexcept;

private:
	ChildProcess(pid_t pid, int sig) : slot_(pid, sig) {}

	ChildSlot slot_;
};

} // namespace xperf
