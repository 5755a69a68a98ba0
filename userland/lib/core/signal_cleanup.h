// What SIGINT, SIGTERM and SIGHUP clean before they end the process as
// they would have without xperf's handler: first the children it started
// (each sent its own signal, waited for, and killed if it has not ended
// within a grace), then its temporary files and folders. The table is in
// fixed storage and the handler makes only async-signal-safe calls. A slot
// acts only in the process that armed it: a child forked without exec
// inherits the table, not its parent's duties. A signal that was ignored
// when the handler would be installed (nohup) stays ignored.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace xperf {

// A path the handler removes: a file, or a folder with the files in it.
class ScratchSlot {
public:
	enum class Kind { file, folder };

	ScratchSlot() = default;
	ScratchSlot(const ScratchSlot &) = delete;
	ScratchSlot &operator=(const ScratchSlot &) = delete;
	~ScratchSlot() { disarm(); }

	// When the table is full or the path too long, the handler will not
	// know it (armed() is false).
	void arm(const std::string &path, Kind kind);
	bool armed() const { return slot_ >= 0; }
	// The handler's own copy of the path (PATH_MAX bytes): mkstemp or
	// mkdtemp write the name they pick into it before they create it, so
	// no signal finds the file unlisted. nullptr when not armed.
	char *path() const;
	void disarm();

private:
	int slot_ = -1;
};

// A child process the handler ends before the process goes: sent first,
// then SIGKILL after a grace of two seconds, and reaped.
class ChildSlot {
public:
	ChildSlot() = default;
	// first: SIGTERM for a child that cleans up after itself (xperf-user
	// in a part of its own), SIGKILL for one that has nothing to clean.
	ChildSlot(pid_t pid, int first);
	ChildSlot(ChildSlot &&o) noexcept;
	ChildSlot &operator=(ChildSlot &&o) noexcept;
	ChildSlot(const ChildSlot &) = delete;
	ChildSlot &operator=(const ChildSlot &) = delete;
	~ChildSlot() { disarm(); }

	pid_t pid() const { return pid_; }
	// Once the child has ended (waiting for it when block): disarmed
	// first, then reaped, so that a signal never finds an armed pid that
	// may be another process's by then; its wait status. Nothing when it
	// still runs (block false). Throws a failed Error when waitid fails.
	std::optional<int> reap(bool block = true);
	void disarm();

private:
	pid_t pid_ = -1;
	int slot_ = -1;
};

// In a child just forked, before anything else: it gets sig when the
// thread that forked it ends. False when that parent is already gone (it
// died between fork and prctl, and sent nothing): the child should _exit.
// Async-signal-safe.
bool die_with_parent(pid_t parent, int sig);

} // namespace xperf
