#include "core/noise.h"

#include "core/isolate_command.h"
#include "core/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace xperf {

namespace {

struct NoiseInput {
	std::span<const std::vector<double>> rounds;
	std::span<const RoundCounters> counters;
	const NoiseLimits &limits;
};

// A detector leaves NoiseFlag::kind to its table entry's name.
using Detector = std::optional<NoiseFlag> (*)(const NoiseInput &in);

double median_of(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	return quantile_sorted(v, 0.5);
}

std::vector<double> pooled(std::span<const std::vector<double>> rounds)
{
	std::vector<double> all;
	for (const auto &r : rounds)
		all.insert(all.end(), r.begin(), r.end());
	return all;
}

// The split between two modes: two-means in one dimension, from p10 and
// p90, to a fixed point.
double mode_split(const std::vector<double> &all)
{
	std::vector<double> s = all;
	std::sort(s.begin(), s.end());
	double lo = quantile_sorted(s, 0.1), hi = quantile_sorted(s, 0.9);
	double split = (lo + hi) / 2;
	for (int i = 0; i < 50; i++) {
		auto at = std::upper_bound(s.begin(), s.end(), split);
		if (at == s.begin() || at == s.end())
			break;
		double below = median_of({ s.begin(), at }), above = median_of({ at, s.end() });
		double next = (below + above) / 2;
		if (next == split)
			break;
		split = next;
	}
	return split;
}

std::optional<NoiseFlag> detect_bimodal(const NoiseInput &in)
{
	std::vector<double> all = pooled(in.rounds);
	if (!is_bimodal(all, in.limits.mode_share))
		return std::nullopt;
	double split = mode_split(all);
	std::vector<double> below, above;
	for (double x : all)
		(x > split ? above : below).push_back(x);
	double share = static_cast<double>(above.size()) / static_cast<double>(all.size());
	// Rounds that fall wholly into one mode or the other: the state
	// changed between rounds, not within them.
	std::size_t low_rounds = 0, high_rounds = 0;
	for (const auto &r : in.rounds) {
		auto high = std::count_if(r.begin(), r.end(), [split](double x) { return x > split; });
		double f = r.empty() ? 0 : static_cast<double>(high) / static_cast<double>(r.size());
		low_rounds += f < 0.05;
		high_rounds += f > 0.95;
	}
	bool by_round = low_rounds > 0 && high_rounds > 0 && low_rounds + high_rounds == in.rounds.size();
	NoiseFlag flag;
	flag.evidence = fmt::format("two modes, about {:.0f} and {:.0f} cycles, {:.0f} % in the upper{}",
				    median_of(below), median_of(above), 100 * share,
				    by_round ? fmt::format("; {} rounds wholly low, {} wholly high",
							   low_rounds, high_rounds)
					     : "");
	if (by_round) {
		flag.cause = "a state that holds for a whole round and differs between rounds: the "
			     "placement of the measured page or buffer (cache set, huge page or not), "
			     "the host's mapping of it under a hypervisor, or the CPU it ran on";
		flag.advice = "more rounds, each a fresh process, and report both modes with their "
			      "share; pin the CPU (--cpu) and the host vCPU";
	} else {
		flag.cause = "two paths within one round: an SMT sibling's or the host's activity "
			     "interleaving with the samples, a TLB or cache state that alternates, "
			     "or a slow path taken on some iterations";
		flag.advice = "do not quote the median alone: report both modes; check xperf-user "
			      "doctor (smt, busy_tasks, hypervisor) and measure on an isolated CPU";
	}
	return flag;
}

std::optional<NoiseFlag> detect_drift(const NoiseInput &in)
{
	Drift d = round_drift(in.rounds, in.limits.drift);
	if (!d.drifting)
		return std::nullopt;
	std::string medians;
	for (double m : d.round_medians)
		medians += fmt::format("{}{:.0f}", medians.empty() ? "" : ", ", m);
	bool rising = std::is_sorted(d.round_medians.begin(), d.round_medians.end());
	bool falling = std::is_sorted(d.round_medians.rbegin(), d.round_medians.rend());
	return NoiseFlag{
		{},
		fmt::format("round medians {} ({:.0f} % apart{})", medians, 100 * d.spread,
			    rising ? ", rising" : falling ? ", falling" : ""),
		rising || falling ? "a steady change during the run: the clock stepping with heat or "
				    "load, a cache or allocator warming up, another load starting"
				  : "the machine changed between rounds: another load, a frequency step, "
				    "the host scheduling the vCPU elsewhere",
		fmt::format("pin the frequency ({}), raise --warmup, and rerun; compare the "
			    "control's rounds to tell the machine from the crossing",
			    isolate_command()),
	};
}

std::optional<NoiseFlag> detect_migration(const NoiseInput &in)
{
	std::string rounds;
	for (std::size_t i = 0; i < in.counters.size(); i++) {
		const RoundCounters &c = in.counters[i];
		if (c.cpu_start && c.cpu_end && *c.cpu_start != *c.cpu_end)
			rounds += fmt::format("{}round {}: CPU {} to {}", rounds.empty() ? "" : ", ",
					      i + 1, *c.cpu_start, *c.cpu_end);
		else if (c.migrations.value_or(0) > 0)
			rounds += fmt::format("{}round {}: {} migration(s)", rounds.empty() ? "" : ", ",
					      i + 1, *c.migrations);
	}
	if (rounds.empty())
		return std::nullopt;
	return NoiseFlag{ {}, rounds,
			  "the thread was not pinned, or its affinity or CPU changed (a cpuset, "
			  "hotplug)",
			  "pin with --cpu N to a CPU the cpuset allows, and keep it online" };
}

std::optional<NoiseFlag> detect_frequency(const NoiseInput &in)
{
	std::vector<double> khz;
	for (const RoundCounters &c : in.counters)
		for (const auto &f : { c.khz_start, c.khz_end })
			if (f && *f > 0)
				khz.push_back(*f);
	if (khz.size() < 2)
		return std::nullopt;
	auto [lo, hi] = std::minmax_element(khz.begin(), khz.end());
	if ((*hi - *lo) / *lo <= in.limits.frequency_change)
		return std::nullopt;
	return NoiseFlag{ {},
			  fmt::format("the CPU's clock read {:.0f} to {:.0f} MHz around the rounds",
				      *lo / 1000, *hi / 1000),
			  "a governor other than performance, or boost (turbo) following heat and "
			  "the load of the other cores",
			  fmt::format("{} sets performance and turns boost off; cycles of the TSC "
				      "then count the same work the same way",
				      isolate_command()) };
}

std::optional<NoiseFlag> detect_interrupts(const NoiseInput &in)
{
	std::vector<double> counts;
	for (const RoundCounters &c : in.counters)
		if (c.interrupts)
			counts.push_back(static_cast<double>(*c.interrupts));
	if (counts.empty())
		return std::nullopt;
	double typical = median_of(counts);
	std::string rounds;
	for (std::size_t i = 0; i < in.counters.size(); i++) {
		const RoundCounters &c = in.counters[i];
		if (!c.interrupts)
			continue;
		double n = static_cast<double>(*c.interrupts);
		bool fast = c.seconds > 0 && n / c.seconds > in.limits.storm_per_second;
		// Against the others: at least 10 more, so that 0 against 1 is none.
		bool outlier = counts.size() > 2 && n > in.limits.storm_against_others * typical &&
			       n - typical >= 10;
		if (fast || outlier)
			rounds += fmt::format("{}round {}: {} interrupts{}", rounds.empty() ? "" : ", ",
					      i + 1, *c.interrupts,
					      c.seconds > 0 ? fmt::format(" ({:.0f}/s)", n / c.seconds)
							    : "");
	}
	if (rounds.empty())
		return std::nullopt;
	return NoiseFlag{ {}, rounds,
			  "device interrupts routed to the measuring CPU (a network or disk queue), "
			  "or the tick at a high rate",
			  fmt::format("{} moves device IRQs off the CPU; xperf-user doctor names "
				      "the IRQs that may go there; boot with nohz_full for the tick",
				      isolate_command()) };
}

std::optional<NoiseFlag> detect_preemption(const NoiseInput &in)
{
	std::uint64_t total = 0;
	std::size_t rounds = 0;
	for (const RoundCounters &c : in.counters)
		if (c.preemptions.value_or(0) > 0) {
			total += *c.preemptions;
			rounds++;
		}
	if (total == 0)
		return std::nullopt;
	return NoiseFlag{ {},
			  fmt::format("{} involuntary context switch(es) in {} of {} rounds", total,
				      rounds, in.counters.size()),
			  "another runnable task on the measuring CPU (xperf-user doctor: "
			  "busy_tasks)",
			  "isolate the CPU (isolcpus=), move the other tasks away, or run with a "
			  "real-time priority (chrt -f 50)" };
}

struct NoiseDetector {
	std::string_view name;
	Detector detect;
};

const NoiseDetector kDetectors[] = {
	{ "bimodal", detect_bimodal },	     { "drift", detect_drift },
	{ "migration", detect_migration },   { "frequency", detect_frequency },
	{ "interrupts", detect_interrupts }, { "preemption", detect_preemption },
};

} // namespace

std::vector<NoiseFlag> detect_noise(std::span<const std::vector<double>> rounds,
				    std::span<const RoundCounters> counters,
				    const NoiseLimits &limits)
{
	NoiseInput in{ rounds, counters, limits };
	std::vector<NoiseFlag> flags;
	for (const NoiseDetector &d : kDetectors)
		if (auto flag = d.detect(in)) {
			flag->kind = d.name;
			flags.push_back(std::move(*flag));
		}
	return flags;
}

} // namespace xperf
