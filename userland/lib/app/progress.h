// What a long run is doing, on standard error while it is a terminal: which
// entry, how far, the time left. Silent otherwise, so that logs and pipes
// get only the results.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xperf {

class Progress {
public:
	// Writes to fd only when it is a terminal that can redraw a line (TERM
	// set, not "dumb").
	explicit Progress(int fd);
	Progress(const Progress &) = delete;
	Progress &operator=(const Progress &) = delete;
	~Progress(); // clears the line

	bool active() const { return fd_ >= 0; }
	// Step done of total starts: what, with the time since the first step.
	void step(std::string_view what, std::size_t done, std::size_t total);

private:
	int fd_;
	double start_ns_ = 0;
	bool drawn_ = false;
};

// The line step() draws, for a test: "[pass 2/10] pipe   12% 1:05 left".
std::string progress_line(std::string_view what, std::size_t done, std::size_t total,
			  double elapsed_s);

} // namespace xperf
