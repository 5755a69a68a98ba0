#include "crossings/os_child.h"

#include "core/error.h"

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
	if (!die_with_parent(parent, SIGKILL))
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
	pid_t pid = ::fork();
	if (pid < 0)
		throw failed(fmt::format("fork for a peer process: {}", std::strerror(errno)),
			     "raise the process limit (ulimit -u) or end other processes");
	if (pid == 0)
		run_child(parent, body);
	child_ = ChildSlot(pid, SIGKILL);
}

OsChild::OsChild(OsChild &&o) noexcept : child_(std::move(o.child_)) {}

OsChild::~OsChild()
{
	if (child_.pid() <= 0)
		return;
	::kill(child_.pid(), SIGKILL);
	try {
		child_.reap();
	} catch (const std::exception &) {
	}
}

int OsChild::wait()
{
	return child_.reap().value();
}

} // namespace xperf
