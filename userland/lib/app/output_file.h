// -o FILE: what the run writes, and where.
//
// A regular file (or a new one) appears whole or not at all: the text goes
// to a temporary beside it that is renamed over it, with the owner and mode
// of the file it replaces; where that cannot be kept (another owner, other
// hard links, a directory xperf cannot write) the file is written in place
// instead, once there is room for the new text, and put back as it was
// when writing fails. A device or FIFO is written in place, never replaced.
// A symlink is followed: its target is written, the link stays. A
// directory, a socket, a file of /proc or /sys, or a file that cannot be
// written is refused when the OutputFile is made, before any measuring.
#pragma once

#include "core/unique_fd.h"

#include <sys/types.h>

#include <ostream>
#include <string>
#include <string_view>

namespace xperf {

class OutputFile {
public:
	// Looks at path now; throws a bad_input Error saying why it cannot be
	// written. say: where to tell what it waits for (a FIFO's reader).
	explicit OutputFile(const std::string &path, std::ostream *say = nullptr);

	// Writes text; throws a failed Error on a write error, leaving the
	// file as it was, or a damaged Error where a file written in place
	// could not be put back.
	void commit(std::string_view text);

	// The file written, symlinks followed.
	const std::string &target() const { return target_; }
	bool replaces() const { return how_ == How::replace; }
	// Whether path names the file that exists there now (compare's inputs
	// must not be overwritten).
	bool is(const std::string &path) const;

private:
	enum class How { replace, in_place };
	void write_in_place(std::string_view text) const;
	// A device or FIFO, open for writing; a FIFO without a reader says
	// that it waits for one, then waits.
	UniqueFd open_stream() const;
	// A regular file in place: never truncated before the new text is
	// known to fit, put back as it was when writing fails.
	void overwrite(std::string_view text) const;
	// false: the owner cannot be kept, write in place instead.
	bool write_replacing(std::string_view text) const;

	std::string path_, target_;
	std::ostream *say_;
	How how_ = How::replace;
	bool exists_ = false, regular_ = true, fifo_ = false;
	mode_t mode_ = 0;
	uid_t uid_ = 0;
	gid_t gid_ = 0;
	dev_t dev_ = 0;
	ino_t ino_ = 0;
};

} // namespace xperf
