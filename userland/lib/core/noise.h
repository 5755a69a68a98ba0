// Noise in a set of samples, named with its likely cause and what to do:
// two modes (the "700 instead of 500" case), drift between rounds, a CPU
// migration, a frequency change, an interrupt storm, preemptions. Flags come
// from the samples and from counters read around each round, never from a
// guess; a pure function, so that any sampler can call it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// What was read around one round; each field is empty where it was not.
struct RoundCounters {
	double seconds = 0;			 // how long the round took (0: unknown)
	std::optional<int> cpu_start, cpu_end;	 // sched_getcpu() before and after
	std::optional<std::uint64_t> migrations; // nr_migrations, after - before
	std::optional<std::uint64_t> preemptions; // nonvoluntary_ctxt_switches, after - before
	std::optional<std::uint64_t> interrupts; // /proc/interrupts on the CPU, after - before
	std::optional<double> khz_start, khz_end; // the CPU's scaling_cur_freq
};

struct NoiseLimits {
	double drift = 0.05;		 // spread of the round medians, as in round_drift
	double mode_share = 0.1;	 // the smaller mode's share, as in is_bimodal
	double frequency_change = 0.02;	 // relative change of the clock
	double storm_per_second = 2000;	 // above what a 1000 Hz tick causes
	double storm_against_others = 4; // a round's interrupts against the median round's
};

struct NoiseFlag {
	std::string kind;     // "bimodal", "drift", "migration", "frequency", "interrupts",
			      // "preemption"
	std::string evidence; // the figures that raised it
	std::string cause;    // what usually does this
	std::string advice;   // what to do
};

// rounds: per-round samples (cycles); counters: one per round, or empty.
std::vector<NoiseFlag> detect_noise(std::span<const std::vector<double>> rounds,
				    std::span<const RoundCounters> counters,
				    const NoiseLimits &limits = {});

} // namespace xperf
