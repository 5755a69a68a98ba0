#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace xperf {

namespace {

std::runtime_error io_error(const std::string &what, const std::string &path)
{
	return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

} // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".XXXXXX")
{
	std::vector<char> name(tmp_.begin(), tmp_.end());
	name.push_back('\0');
	fd_ = mkstemp(name.data());
	if (fd_ < 0)
		throw io_error("cannot write output file", path_);
	tmp_ = name.data();
	fchmod(fd_, 0644 & ~[] {
		mode_t m = umask(0);
		umask(m);
		return m;
	}());
}

OutputFile::~OutputFile()
{
	if (fd_ >= 0) {
		close(fd_);
		unlink(tmp_.c_str());
	}
}

void OutputFile::commit(const std::string &text)
{
	const char *p = text.data();
	std::size_t left = text.size();
	while (left) {
		ssize_t n = write(fd_, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw io_error("cannot write", tmp_);
		p += n;
		left -= static_cast<std::size_t>(n);
	}
	if (fsync(fd_) || close(fd_)) {
		fd_ = -1;
		unlink(tmp_.c_str());
		throw io_error("cannot write", path_);
	}
	fd_ = -1;
	if (rename(tmp_.c_str(), path_.c_str())) {
		unlink(tmp_.c_str());
		throw io_error("cannot rename into place", path_);
	}
}

} // namespace xperf
