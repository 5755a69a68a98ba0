// Where threads may run: one place for pinning a thread to a CPU, keeping
// one off it, the online CPUs but one, and where a thread is now.
#pragma once

#include <sched.h>
#include <sys/types.h>

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

// Thread tid (0: the calling one) may run on cpus only; the error in words
// when it cannot. An empty set changes nothing.
std::optional<std::string> set_affinity(pid_t tid, const std::set<int> &cpus);

// The CPU a thread last ran on (field 39 of its stat) and its affinity, now.
struct ThreadPlace {
	std::string name;
	std::optional<int> cpu;
	std::string affinity; // CPU list, "?" when unreadable
};
std::optional<ThreadPlace> thread_place(pid_t pid, pid_t tid);

} // namespace xperf
