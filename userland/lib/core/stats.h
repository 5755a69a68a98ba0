// Descriptive statistics over per-iteration samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xperf {

struct Stats {
	std::size_t n = 0;
	double min = 0, mean = 0, stddev = 0;
	double median = 0, q1 = 0, q3 = 0;
	double p1 = 0, p5 = 0, p95 = 0, p99 = 0;
	double max = 0;

	// Every field multiplied by factor (cycles to ns, per-call in a batch).
	Stats scaled(double factor) const;
	bool operator==(const Stats &) const = default;
};

// Quantile q in [0,1] of sorted data, linear interpolation between order
// statistics (Hyndman & Fan type 7, as R and numpy default).
double quantile_sorted(std::span<const double> sorted, double q);

Stats describe(std::span<const double> samples);
// The median of a run's 32-bit cycle samples (0 when there are none).
double median_cycles(const std::vector<uint32_t> &samples);

// Distribution-free confidence interval of the median from order
// statistics (normal approximation to the binomial), at about 95 %.
struct Interval {
	double lo = 0, hi = 0;
};
Interval median_ci_of(std::span<const double> samples);

// The timer's step as seen in the data: the smallest gap between two
// distinct sample values (0 with fewer than two distinct values).
double resolution(std::span<const double> samples);

// True when the distribution between p1 and p99 has two separated modes,
// each holding a sizeable share of the samples: a histogram on a log scale,
// smoothed, with two peaks of at least min_share of the mass, a valley
// below half of the smaller peak, and the peaks at least 25 % and three
// timer steps apart (so that a quantized timer makes no second mode).
bool is_bimodal(std::span<const double> samples, double min_share = 0.1);

// Drift between rounds: the spread of the round medians relative to their
// median exceeds threshold, and is more than two timer steps.
struct Drift {
	std::vector<double> round_medians;
	double spread = 0; // (max - min) / median of round medians
	bool drifting = false;
};
Drift round_drift(std::span<const std::vector<double>> rounds, double threshold = 0.05);

// Bootstrap confidence interval (percentile method) of median(b) -
// median(a) and of median(b) / median(a). Deterministic for a given seed.
struct DiffCI {
	Interval diff;
	Interval ratio;
	std::size_t resamples = 0;
};
DiffCI bootstrap_median_diff(std::span<const double> a, std::span<const double> b,
			     std::size_t resamples = 2000, std::uint64_t seed = 1);

// A figure with the interval that its independent parts give it. A
// measurement is made of parts (rounds in separate processes spread over
// time, or whole runs of an alternating comparison); the spread between
// them, not the pooled samples, says how far the figure would move if it
// were taken again.
struct Estimate {
	double value = 0;      // the figure
	double se = 0;	       // its standard error, from the spread between parts
	double df = 0;	       // degrees of freedom of se (0: not known)
	std::size_t parts = 0; // parts the figure rests on
	// Parts as independent as they are: fewer than parts when neighbouring
	// parts move together (the noise drifts more slowly than they follow
	// each other).
	double effective_parts = 0;
	std::size_t runs = 1; // runs behind it (several: a column of compare)
	// value -/+ t(df) se at 95 %; [value, value] when df is 0.
	Interval ci95() const;
};

// The 0.975 quantile of Student's t with df degrees of freedom (df > 0,
// fractional df interpolated): the two-sided 95 % critical value.
double t95(double df);

// Lag-1 autocorrelation of a series in time order, clamped to [0, 0.9]:
// neighbours that move together make its mean less certain than its
// spread alone says, and a negative estimate from a few parts is noise.
double lag1_correlation(std::span<const double> series);

// value with the standard error of the mean of part_figures (one figure per
// part, in the order they were taken), corrected for correlation between
// neighbouring parts (AR(1): variance x (1 + r) / (1 - r), effective parts
// k (1 - r) / (1 + r)), and widened by the timer's step: a median on a
// lattice of step cycles moves by whole steps, so it is known to no better
// than half a step (taken as one standard error) however many parts agree.
Estimate estimate_from_parts(double value, std::span<const double> part_figures,
			     double step = 0);

// Several runs of one thing as one figure: their mean, with the standard
// error from the spread between the runs (each run one part), never
// smaller than what the runs' own intervals say.
Estimate combine_runs(std::span<const Estimate> runs);

// b against a: the difference and ratio with 95 % intervals (Welch: the
// two standard errors add, Welch-Satterthwaite degrees of freedom; the
// ratio's interval on the log scale), and whether the interval of the
// difference excludes zero. Without parts on both sides (df 0), nothing is
// known of the noise: known is false and so is significant.
struct Difference {
	double diff = 0, ratio = 0;
	Interval diff_ci, ratio_ci;
	double df = 0;
	bool known = false;
	bool significant = false;
};
Difference difference(const Estimate &a, const Estimate &b);

// b against a after dividing out the control's ratio (b's figure divided by
// control_b / control_a): for work that scales with the clock the control
// counts, a changed machine moves both alike. The interval holds the
// control's noise too (log scale, the four relative errors add).
Difference normalised_difference(const Estimate &a, const Estimate &b, const Estimate &control_a,
				 const Estimate &control_b);

// Two-sided Mann-Whitney U test, normal approximation with tie correction.
double mann_whitney_p(std::span<const double> a, std::span<const double> b);

} // namespace xperf
