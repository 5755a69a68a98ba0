#include "core/module_session.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace xperf {

namespace {

std::string errno_text()
{
	return std::strerror(errno);
}

} // namespace

std::string ModuleSession::default_dir()
{
	// XPERF_MODULE_DIR: elsewhere, or nowhere, so that a run can leave a
	// loaded xperf.ko to whoever else is measuring with it.
	if (const char *dir = std::getenv("XPERF_MODULE_DIR"); dir && *dir)
		return dir;
	return std::string("/sys/kernel/debug/") + XPERF_DEBUGFS_DIR;
}

std::string ModuleSession::unavailable_reason(const std::string &dir)
{
	std::string control = dir + "/" + XPERF_DEBUGFS_CONTROL;
	if (access(control.c_str(), F_OK) != 0) {
		if (errno == EACCES)
			return "xperf.ko's debugfs files need root";
		return fmt::format("xperf.ko is not loaded ({} missing: insmod xperf.ko, with "
				   "debugfs mounted)",
				   dir);
	}
	if (access(control.c_str(), W_OK) != 0)
		return "xperf.ko's control file needs root";
	return "";
}

std::string ModuleSession::stamps_off_reason(const std::string &dir)
{
	std::ifstream in(dir + "/" + XPERF_DEBUGFS_STATUS);
	std::string line;
	if (!std::getline(in, line))
		return fmt::format("cannot read {}/{}: an xperf.ko older than this xperf-user? "
				   "build and load the module from this tree",
				   dir, XPERF_DEBUGFS_STATUS);
	if (line.rfind(XPERF_STATUS_OFF, 0) == 0)
		return fmt::format("this kernel's entry code takes no stamps: {}",
				   line.substr(std::strlen(XPERF_STATUS_OFF)));
	return "";
}

ModuleCounters parse_module_counters(const std::string &text)
{
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind("total ", 0) != 0)
			continue;
		ModuleCounters c;
		unsigned long long p, r, d, q;
		if (std::sscanf(line.c_str(), "total produced=%llu read=%llu dropped=%llu queued=%llu",
				&p, &r, &d, &q) != 4)
			break;
		c.produced = p;
		c.read = r;
		c.dropped = d;
		c.queued = q;
		return c;
	}
	throw std::runtime_error("xperf.ko counters: no total line");
}

ModuleSession::ModuleSession(pid_t tid, const std::string &dir) : dir_(dir)
{
	control_ = UniqueFd(open((dir_ + "/" + XPERF_DEBUGFS_CONTROL).c_str(), O_WRONLY));
	if (!control_)
		throw std::runtime_error(fmt::format("cannot open xperf.ko control: {}",
						     errno_text()));
	ring_ = UniqueFd(open((dir_ + "/" + XPERF_DEBUGFS_RING).c_str(), O_RDONLY));
	if (!ring_)
		throw std::runtime_error(fmt::format("cannot open xperf.ko ring: {}", errno_text()));
	command(XPERF_CMD_STOP);
	command(fmt::format("{} {}", XPERF_CMD_PID, tid));
	command(XPERF_CMD_RESET);
	command(XPERF_CMD_START);
}

ModuleSession::~ModuleSession()
{
	try {
		stop();
	} catch (...) {
		// Nothing to report from a destructor; the counters tell.
	}
}

void ModuleSession::command(const std::string &cmd)
{
	if (write(control_.get(), cmd.data(), cmd.size()) != static_cast<ssize_t>(cmd.size()))
		throw std::runtime_error(fmt::format("xperf.ko refused '{}': {}", cmd, errno_text()));
}

void ModuleSession::drain()
{
	xperf_record batch[64];
	// Stop at a short read: when the measured thread drains, each read() is
	// itself a crossing whose record appears at the next one, so the ring
	// is never empty while the stamps are on.
	for (;;) {
		ssize_t n = read(ring_.get(), batch, sizeof(batch));
		if (n <= 0)
			return;
		auto count = static_cast<std::size_t>(n) / sizeof(xperf_record);
		records_.insert(records_.end(), batch, batch + count);
		if (count < std::size(batch))
			return;
	}
}

void ModuleSession::stop()
{
	if (stopped_)
		return;
	stopped_ = true;
	if (control_)
		command(XPERF_CMD_STOP);
}

std::vector<xperf_record> ModuleSession::finish()
{
	stop();
	drain(); // a crossing's record is pushed at the next entry: after stop
	return std::move(records_);
}

ModuleCounters ModuleSession::counters() const
{
	std::ifstream in(dir_ + "/" + XPERF_DEBUGFS_COUNTERS);
	std::stringstream text;
	text << in.rdbuf();
	return parse_module_counters(text.str());
}

} // namespace xperf
