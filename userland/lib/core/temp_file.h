// A temporary file beside a target, removed when it goes unless it was
// renamed into place, and removed by SIGINT, SIGTERM or SIGHUP too
// (signal_cleanup.h): the signal then ends the process as it would have
// without xperf's handler.
#pragma once

#include "core/signal_cleanup.h"
#include "core/unique_fd.h"


#include <string>

namespace xperf {

class TempFile {
public:
	// Creates ".NAME.XXXXXX" in dir (NAME shortened so that it fits
	// NAME_MAX), mode 0600; throws a failed Error saying why it cannot.
	TempFile(const std::string &dir, const std::string &name);
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;
	~TempFile();

	int fd() const { return fd_.get(); }
	const std::string &path() const { return path_; }
	// Closes the file, reporting a late write error (as errno) with false.
	bool close();
	// Renames it over target; the file is the target's from now on.
	// Returns false (errno set) when the rename fails.
	bool rename_to(const std::string &target);

private:
	std::string path_;
	UniqueFd fd_;
	ScratchSlot slot_; // in the signal handler's table
	bool renamed_ = false;
};

// A temporary folder ("xperf-NAME.XXXXXX" in dir, or in $TMPDIR or /tmp
// when dir is empty), removed with what it holds when it goes, and by
// SIGINT, SIGTERM or SIGHUP too (the files directly in it: what a suite
// entry makes there), as TempFile is.
class TempDir {
public:
	TempDir(const std::string &dir, const std::string &name);
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	~TempDir();

	const std::string &path() const { return path_; }

private:
	std::string path_;
	ScratchSlot slot_;
};

} // namespace xperf
