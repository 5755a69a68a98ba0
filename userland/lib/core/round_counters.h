// What the system did around one round: read before and after it (never
// inside the timed loop), so that noise flags come from counters, not from
// guesses (noise.h).
#pragma once

#include "core/noise.h"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace xperf {

// The counters at one moment, for the calling thread and the CPU it runs
// on. Where a counter cannot be read here, its field stays empty.
struct CounterSnapshot {
	double wall_ns = 0;
	int cpu = -1;
	std::optional<std::uint64_t> preemptions; // involuntary context switches
	std::optional<std::uint64_t> migrations;  // se.nr_migrations (CONFIG_SCHED_DEBUG)
	std::optional<std::uint64_t> interrupts;  // on this CPU, /proc/interrupts
	std::optional<double> khz;		  // its cpufreq scaling_cur_freq
};

// root: where /proc and /sys are ("/" but in tests).
CounterSnapshot take_snapshot(const std::string &root = "/");

// The same for another thread, tid of process pid (a VMM's vCPU thread),
// read from /proc/PID/task/TID: its last CPU (stat), its involuntary
// switches (status) and migrations (sched). Where the thread is gone, every
// field of it stays empty.
CounterSnapshot take_thread_snapshot(pid_t pid, pid_t tid, const std::string &root = "/");

// The round between two snapshots.
RoundCounters between(const CounterSnapshot &before, const CounterSnapshot &after);

// Interrupts on one CPU from the text of /proc/interrupts: the sum of its
// column over every line; nullopt when the CPU has no column.
std::optional<std::uint64_t> interrupts_on(const std::string &proc_interrupts, int cpu);

} // namespace xperf
