// Where a VMM's threads run: the vCPU thread pinned to the measuring CPU,
// the VMM's other threads started away from it, and a record, for the
// result, of the CPUs each thread was seen on.
#pragma once

#include "core/affinity.h"

#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace xperf {

// Every thread of a process, looked at each time sample() is called: the
// CPUs it was seen on and its last affinity.
class ThreadWatch {
public:
	explicit ThreadWatch(pid_t pid) : pid_(pid) {}
	void sample();
	// [{tid, name, seen_on: [cpu...], affinity, samples}], by tid.
	nlohmann::json to_json() const;

private:
	struct Seen {
		std::string name, affinity;
		std::set<int> cpus;
		unsigned samples = 0;
	};
	pid_t pid_;
	std::map<pid_t, Seen> threads_;
};

} // namespace xperf
