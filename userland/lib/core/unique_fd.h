// Owned file descriptors and mappings.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace xperf {

class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(UniqueFd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept
	{
		if (this != &o) {
			reset();
			fd_ = std::exchange(o.fd_, -1);
		}
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	void reset()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
	}
	// Gives up ownership: the caller closes it (and sees close's error).
	int release() { return std::exchange(fd_, -1); }

private:
	int fd_ = -1;
};

// An anonymous private mapping, unmapped when it goes.
class Mapping {
public:
	explicit Mapping(std::size_t len, int prot = PROT_READ | PROT_WRITE)
		: len_(len)
	{
		addr_ = ::mmap(nullptr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (addr_ == MAP_FAILED)
			throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
	}
	Mapping(Mapping &&o) noexcept
		: addr_(std::exchange(o.addr_, MAP_FAILED)), len_(std::exchange(o.len_, 0))
	{
	}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	Mapping &operator=(Mapping &&) = delete;
	~Mapping()
	{
		if (addr_ != MAP_FAILED)
			::munmap(addr_, len_);
	}

	void *data() const { return addr_; }
	std::size_t size() const { return len_; }

private:
	void *addr_ = MAP_FAILED;
	std::size_t len_ = 0;
};

} // namespace xperf
