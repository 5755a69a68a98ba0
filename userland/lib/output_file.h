// An output file that appears whole or not at all: written to a temporary
// beside the target, renamed over it on commit, removed otherwise.
#pragma once

#include <string>

namespace xperf {

class OutputFile {
public:
	// Creates the temporary now, so an unwritable path fails before any
	// measuring; throws std::runtime_error saying why.
	explicit OutputFile(std::string path);
	OutputFile(const OutputFile &) = delete;
	OutputFile &operator=(const OutputFile &) = delete;
	~OutputFile();

	// Writes text and renames it into place; throws on a write error.
	void commit(const std::string &text);

private:
	std::string path_, tmp_;
	int fd_ = -1;
};

} // namespace xperf
