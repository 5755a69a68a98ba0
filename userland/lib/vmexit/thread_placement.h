// Where a VMM's threads run: the vCPU thread pinned to the measuring CPU,
// the VMM's other threads started away from it, and a record, for the
// result, of the CPUs each thread was seen on.
#pragma once

#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace xperf {

// The online CPUs other than cpu; empty on a one-CPU machine.
std::set<int> cpus_other_than(int cpu);

// The calling thread's affinity for as long as this lives, so that a child
// spawned meanwhile (and every thread it starts) inherits it; with an empty
// set, nothing changes.
class ScopedAffinity {
public:
	explicit ScopedAffinity(const std::set<int> &cpus);
	~ScopedAffinity();
	ScopedAffinity(const ScopedAffinity &) = delete;
	ScopedAffinity &operator=(const ScopedAffinity &) = delete;

private:
	cpu_set_t saved_{};
	bool changed_ = false;
};

// Pins thread tid (of any process we may change) to cpu; the error in words
// when it cannot.
std::optional<std::string> pin_thread(pid_t tid, int cpu);

// The CPU a thread last ran on (field 39 of its stat) and its affinity, now.
struct ThreadPlace {
	std::string name;
	std::optional<int> cpu;
	std::string affinity; // CPU list, "?" when unreadable
};
std::optional<ThreadPlace> thread_place(pid_t pid, pid_t tid);

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
