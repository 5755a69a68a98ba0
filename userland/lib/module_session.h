// xperf.ko from user space: its debugfs files (include/xperf/abi.h), a
// thread that drains the ring while the crossing runs, and the counters.
#pragma once

#include "unique_fd.h"

#include <xperf/abi.h>

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
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
	static std::string default_dir();

	// Measures task tid: stops any run, sets the pid, empties the rings,
	// starts draining on drain_cpu (-1: any), then starts the stamps.
	// Throws std::runtime_error with the module's refusal.
	ModuleSession(pid_t tid, int drain_cpu, const std::string &dir = default_dir());
	ModuleSession(const ModuleSession &) = delete;
	ModuleSession &operator=(const ModuleSession &) = delete;
	~ModuleSession(); // stops the stamps and the drain thread

	// Stops the stamps, drains what is left, returns every record read.
	std::vector<xperf_record> finish();
	ModuleCounters counters() const;

private:
	void command(const std::string &cmd);
	void drain_once();
	void stop();

	std::string dir_;
	UniqueFd control_, ring_;
	std::vector<xperf_record> records_;
	std::atomic<bool> draining_{ false };
	std::thread drainer_;
	bool stopped_ = false;
};

} // namespace xperf
