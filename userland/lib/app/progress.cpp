#include "app/progress.h"

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <string_view>
#include <string>

namespace xperf {

namespace {

double now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void write_all(int fd, const std::string &s)
{
	const char *p = s.data();
	std::size_t left = s.size();
	while (left > 0) {
		ssize_t n = ::write(fd, p, left);
		if (n <= 0)
			return; // progress is never worth failing a run for
		p += n;
		left -= static_cast<std::size_t>(n);
	}
}

} // namespace

std::string progress_line(std::string_view what, std::size_t done, std::size_t total,
			  double elapsed_s)
{
	std::string line = fmt::format("{:>3.0f}%  {}", total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0, what);
	if (done > 0 && done < total) {
		double left = elapsed_s / static_cast<double>(done) * static_cast<double>(total - done);
		auto s = static_cast<long>(std::lround(left));
		line += fmt::format("  {}:{:02} left", s / 60, s % 60);
	}
	return line;
}

// A terminal that can move the cursor back: a serial console (TERM=dumb,
// as the guest harness sets it) gets no progress, whose escapes would land
// in its log.
static bool can_redraw(int fd)
{
	const char *term = std::getenv("TERM");
	return isatty(fd) && term && *term && std::string_view(term) != "dumb";
}

Progress::Progress(int fd) : fd_(can_redraw(fd) ? fd : -1), start_ns_(now_ns()) {}

Progress::~Progress()
{
	if (drawn_)
		write_all(fd_, "\r\033[K");
}

void Progress::step(std::string_view what, std::size_t done, std::size_t total)
{
	if (fd_ < 0)
		return;
	double elapsed = (now_ns() - start_ns_) / 1e9;
	write_all(fd_, "\r\033[K" + progress_line(what, done, total, elapsed));
	drawn_ = true;
}

} // namespace xperf
