// The peer of an OS suite entry: a server, an echo, the other end of a
// pipe. A process forked to run one function, that dies with the thread
// that forked it whatever happens to that thread (PR_SET_PDEATHSIG with
// SIGKILL, checked against a parent that died before it was set), that
// SIGINT, SIGTERM or SIGHUP of its parent kill before the parent's scratch
// goes (signal_cleanup.h), and that is killed and reaped when its owner
// goes.
#pragma once

#include "core/child_process.h"

#include <sys/types.h>

#include <functional>

namespace xperf {

class OsChild {
public:
	// Forks; the child runs body and _exits with 0, or with 1 (after
	// saying why on standard error) when body throws. In the child
	// SIGINT, SIGTERM and SIGHUP have their default actions: a handler
	// inherited from the parent (a scratch folder's) is the parent's.
	// Throws a failed Error when fork fails.
	explicit OsChild(const std::function<void()> &body);
	// Gone with its owner: SIGKILL, then reaped (ChildProcess).
	OsChild(OsChild &&o) noexcept = default;
	OsChild &operator=(OsChild &&) = delete;

	pid_t pid() const { return child_.pid(); }
	// Waits until it ends by itself; returns its wait status.
	// The child is gone afterwards: the destructor has nothing to do.
	int wait();

private:
	ChildProcess child_;
};

} // namespace xperf
