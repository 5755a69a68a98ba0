// One measured crossing: its samples, statistics and how they were taken.
#pragma once

#include "core/noise.h"
#include "core/run_description.h"
#include "core/stats.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace xperf {

struct Result {
	std::string crossing; // registry name: "syscall", "pgfault", ...
	std::string variant;  // form of the crossing: "nr500", "anon-write", ...
	double tsc_hz = 0;
	// Net cycles per crossing, one per iteration, all rounds in order.
	std::vector<double> cycles;
	std::vector<std::size_t> round_sizes; // how cycles split into rounds
	Stats stats;    // of cycles
	Stats stats_ns; // the same in nanoseconds
	// The median's 95 % interval: from the spread between the rounds (the
	// independent parts) when there are two or more, else from the order
	// statistics of one round, which knows nothing of run-to-run noise.
	Interval median_ci;
	bool bimodal = false;
	Drift drift;
	// What the system did around each round, when it was read; and the
	// noise that the samples and those counters show (noise.h).
	std::vector<RoundCounters> part_counters;
	std::vector<NoiseFlag> noise;
	// How it was timed: timer, side, batch, empty-region overhead, cpu, ...
	nlohmann::json method = nlohmann::json::object();
	// What the kernel did, when verified (later: eBPF); null otherwise.
	nlohmann::json path;
	// Facts about this crossing's outcome (e.g. which syscall 500 ran).
	nlohmann::json detail = nlohmann::json::object();
	std::vector<std::string> notes;
	// What --verify needs to know of the run beyond crossing and variant,
	// set by the crossing that made it; vmexit's, for now.
	std::optional<VmExitRun> vm_exit;

	// Fill stats, stats_ns, median_ci, bimodal and drift from cycles.
	void analyse();
	// The median with its standard error across the rounds, widened by
	// the timer's step (method.resolution_cycles).
	Estimate figure() const;
	// The timer's step: method.resolution_cycles, else what the samples show.
	double step_cycles() const;
	// The median's 95 % interval as a share of the median (infinite for a
	// median of 0 or less), and the least that share can be with the
	// timer's step at the figure's degrees of freedom.
	double relative_ci_width() const;
	double timer_step_width() const;
	std::vector<std::vector<double>> rounds() const;
};

// Stable JSON form (the output contract in the documentation); read back
// by result_reader.h. include_raw adds the per-iteration cycles that
// compare needs.
nlohmann::json to_json(const Result &r, bool include_raw = true);

nlohmann::json stats_to_json(const Stats &s);
nlohmann::json noise_to_json(const std::vector<NoiseFlag> &flags);
nlohmann::json counters_to_json(const std::vector<RoundCounters> &counters);

} // namespace xperf
