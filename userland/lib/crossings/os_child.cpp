#include "crossings/os_child.h"

#include "core/error.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

namespace xperf {

namespace {

[[noreturn]] void run_child(pid_t parent, const std::function<void()> &body)
{
	// Set before anything else, then checked: a parent that died between
	// fork and prctl sends no signal, and this child would be init's.
	if (::prctl(PR_SET_PDEATHSIG, SIGKILL) || ::getppid() != parent)
		::_exit(1);
	for (int sig : { SIGINT, SIGTERM, SIGHUP })
		::signal(sig, SIG_DFL);
	int status = 0;
	try {
		body();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "xperf-user: a peer process: %s\n", e.what());
		status = 1;
	}
	// _exit: the parent's atexit handlers and stdio buffers are the parent's.
	::_exit(status);
}

} // namespace

OsChild::OsChild(const std::function<void()> &body)
{
	std::fflush(nullptr); // nothing buffered is written twice
	pid_t parent = ::getpid();
	pid_ = ::fork();
	if (pid_ < 0)
		throw failed(fmt::format("fork for a peer process: {}", std::strerror(errno)),
			     "raise the process limit (ulimit -u) or end other processes");
	if (pid_ == 0)
		run_child(parent, body);
}

OsChild::OsChild(OsChild &&o) noexcept : pid_(std::exchange(o.pid_, -1)) {}

OsChild::~OsChild()
{
	if (pid_ <= 0)
		return;
	::kill(pid_, SIGKILL);
	while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR)
		;
}

int OsChild::wait()
{
	int status = 0;
	while (::waitpid(pid_, &status, 0) < 0)
		if (errno != EINTR)
			throw failed(fmt::format("waitpid: {}", std::strerror(errno)));
	pid_ = -1;
	return status;
}

} // namespace xperf
