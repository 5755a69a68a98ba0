// xperf.ko from user space: its debugfs files (include/xperf/abi.h),
// draining the ring, and the counters.
#pragma once

#include "core/unique_fd.h"

#include <xperf/abi.h>

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace xperf {

struct ModuleCounters {
	uint64_t produced = 0, read = 0, dropped = 0, queued = 0;
};

// Parses the "total produced=.. read=.. dropped=.. queued=.." line of the
// counters file; throws std::runtime_error when it is missing.
ModuleCounters parse_module_counters(const std::string &text);

class ModuleSession {
public:
	// Empty when xperf.ko can be used here, else why not (for the report).
	static std::string unavailable_reason(const std::string &dir = default_dir());
	// Why the kernel's entry code takes no stamps (its status file), or
	// "" when it does; the module's vmexit file works either way.
	static std::string stamps_off_reason(const std::string &dir = default_dir());
	static std::string default_dir();

	// Measures task tid: stops any run, sets the pid, empties the rings,
	// then starts the stamps. Throws std::runtime_error with the module's
	// refusal.
	explicit ModuleSession(pid_t tid, const std::string &dir = default_dir());
	ModuleSession(const ModuleSession &) = delete;
	ModuleSession &operator=(const ModuleSession &) = delete;
	~ModuleSession(); // stops the stamps

	// Moves what the rings hold into this session's records. The measured
	// thread calls it in the untimed part of an iteration, often enough
	// that a ring never fills: a reader thread may not get the CPU in time
	// on a one-CPU guest.
	void drain();

	// Stops the stamps, drains what is left, returns every record read.
	std::vector<xperf_record> finish();
	ModuleCounters counters() const;

private:
	void command(const std::string &cmd);
	void stop();

	std::string dir_;
	UniqueFd control_, ring_;
	std::vector<xperf_record> records_;
	bool stopped_ = false;
};

} // namespace xperf
