#include "crossings/os_child.h"

#include <signal.h>

#include <cstdio>
#include <exception>

namespace xperf {

namespace {

// The child's side: bound to its parent already (ChildProcess::start).
int run_child(const std::function<void()> &body)
{
	for (int sig : { SIGINT, SIGTERM, SIGHUP })
		::signal(sig, SIG_DFL);
	try {
		body();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "xperf-user: a peer process: %s\n", e.what());
		return 1;
	}
	return 0;
}

} // namespace

OsChild::OsChild(const std::function<void()> &body)
	: child_(ChildProcess::start("a peer process", SIGKILL, [&] { return run_child(body); }))
{
}

int OsChild::wait()
{
	return child_.wait().raw();
}

} // namespace xperf
