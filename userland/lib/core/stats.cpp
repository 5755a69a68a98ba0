#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace xperf {

Stats Stats::scaled(double f) const
{
	Stats s = *this;
	for (double *v : { &s.min, &s.mean, &s.stddev, &s.median, &s.q1, &s.q3, &s.p1,
			   &s.p5, &s.p95, &s.p99, &s.max })
		*v *= f;
	return s;
}

double quantile_sorted(std::span<const double> sorted, double q)
{
	if (sorted.empty())
		return 0;
	double pos = q * static_cast<double>(sorted.size() - 1);
	auto lo = static_cast<std::size_t>(std::floor(pos));
	std::size_t hi = std::min(lo + 1, sorted.size() - 1);
	double frac = pos - static_cast<double>(lo);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

namespace {

std::vector<double> sorted_copy(std::span<const double> v)
{
	std::vector<double> s(v.begin(), v.end());
	std::sort(s.begin(), s.end());
	return s;
}

double median_of(std::span<const double> v)
{
	auto s = sorted_copy(v);
	return quantile_sorted(s, 0.5);
}

} // namespace

Stats describe(std::span<const double> samples)
{
	Stats st;
	st.n = samples.size();
	if (samples.empty())
		return st;
	auto s = sorted_copy(samples);
	double n = static_cast<double>(s.size());
	st.min = s.front();
	st.max = s.back();
	st.mean = std::accumulate(s.begin(), s.end(), 0.0) / n;
	if (s.size() > 1) {
		double ss = 0;
		for (double x : s)
			ss += (x - st.mean) * (x - st.mean);
		st.stddev = std::sqrt(ss / (n - 1));
	}
	st.median = quantile_sorted(s, 0.5);
	st.q1 = quantile_sorted(s, 0.25);
	st.q3 = quantile_sorted(s, 0.75);
	st.p1 = quantile_sorted(s, 0.01);
	st.p5 = quantile_sorted(s, 0.05);
	st.p95 = quantile_sorted(s, 0.95);
	st.p99 = quantile_sorted(s, 0.99);
	return st;
}

double median_cycles(const std::vector<uint32_t> &samples)
{
	std::vector<double> d(samples.begin(), samples.end());
	return d.empty() ? 0 : describe(d).median;
}

Interval median_ci_of(std::span<const double> samples)
{
	if (samples.empty())
		return {};
	auto s = sorted_copy(samples);
	double n = static_cast<double>(s.size());
	double half = 1.96 * std::sqrt(n) / 2;
	auto clamp_rank = [&](double r) {
		return static_cast<std::size_t>(std::clamp(r, 0.0, n - 1));
	};
	return { s[clamp_rank(std::floor(n / 2 - half))], s[clamp_rank(std::ceil(n / 2 + half))] };
}

double resolution(std::span<const double> samples)
{
	auto s = sorted_copy(samples);
	double step = 0;
	for (std::size_t i = 1; i < s.size(); i++) {
		double gap = s[i] - s[i - 1];
		if (gap > 1e-9 && (step == 0 || gap < step))
			step = gap;
	}
	return step;
}

bool is_bimodal(std::span<const double> samples, double min_share)
{
	if (samples.size() < 50)
		return false;
	auto s = sorted_copy(samples);
	double lo = quantile_sorted(s, 0.01), hi = quantile_sorted(s, 0.99);
	// Shift so that the log scale is defined for net figures near zero.
	double shift = lo <= 1 ? 1 - lo : 0;
	double llo = std::log(lo + shift), lhi = std::log(hi + shift);
	if (lhi - llo < 1e-9)
		return false;
	constexpr int bins = 40;
	std::vector<double> h(bins, 0);
	std::size_t inside = 0;
	for (double x : s) {
		if (x < lo || x > hi)
			continue;
		int b = static_cast<int>((std::log(x + shift) - llo) / (lhi - llo) * bins);
		h[std::clamp(b, 0, bins - 1)] += 1;
		inside++;
	}
	// Smooth with a 3-bin moving average so that single-bin noise is no mode.
	std::vector<double> sm(bins, 0);
	for (int i = 0; i < bins; i++) {
		double sum = 0;
		int cnt = 0;
		for (int j = std::max(0, i - 1); j <= std::min(bins - 1, i + 1); j++, cnt++)
			sum += h[j];
		sm[i] = sum / cnt;
	}
	// Peaks: local maxima. For every pair of peaks, the mass on each side of
	// the deepest valley between them must be at least min_share, and the
	// valley must be below half the smaller peak.
	double step = resolution(samples);
	auto center = [&](int bin) {
		return std::exp(llo + (bin + 0.5) * (lhi - llo) / bins) - shift;
	};
	std::vector<int> peaks;
	for (int i = 0; i < bins; i++) {
		double left = i > 0 ? sm[i - 1] : -1, right = i < bins - 1 ? sm[i + 1] : -1;
		if (sm[i] > left && sm[i] >= right && sm[i] > 0)
			peaks.push_back(i);
	}
	for (std::size_t a = 0; a < peaks.size(); a++) {
		for (std::size_t b = a + 1; b < peaks.size(); b++) {
			int pa = peaks[a], pb = peaks[b];
			double ca = center(pa), cb = center(pb);
			if (cb - ca < 3 * step || (ca > 0 && cb / ca < 1.25))
				continue;
			auto valley = std::min_element(sm.begin() + pa, sm.begin() + pb + 1);
			int v = static_cast<int>(valley - sm.begin());
			if (*valley >= 0.5 * std::min(sm[pa], sm[pb]))
				continue;
			double left = std::accumulate(h.begin(), h.begin() + v, 0.0);
			double right = static_cast<double>(inside) - left - h[v];
			double total = static_cast<double>(inside);
			if (left / total >= min_share && right / total >= min_share)
				return true;
		}
	}
	return false;
}

Drift round_drift(std::span<const std::vector<double>> rounds, double threshold)
{
	Drift d;
	for (const auto &r : rounds)
		d.round_medians.push_back(median_of(r));
	if (d.round_medians.size() < 2)
		return d;
	auto [mn, mx] = std::minmax_element(d.round_medians.begin(), d.round_medians.end());
	double mid = median_of(d.round_medians);
	d.spread = mid != 0 ? (*mx - *mn) / std::fabs(mid) : 0;
	std::vector<double> all;
	for (const auto &r : rounds)
		all.insert(all.end(), r.begin(), r.end());
	d.drifting = d.spread > threshold && *mx - *mn > 2 * resolution(all);
	return d;
}

DiffCI bootstrap_median_diff(std::span<const double> a, std::span<const double> b,
			     std::size_t resamples, std::uint64_t seed)
{
	DiffCI ci;
	if (a.empty() || b.empty())
		return ci;
	std::mt19937_64 rng(seed);
	std::uniform_int_distribution<std::size_t> pick_a(0, a.size() - 1), pick_b(0, b.size() - 1);
	std::vector<double> diffs, ratios, ra(a.size()), rb(b.size());
	diffs.reserve(resamples);
	ratios.reserve(resamples);
	for (std::size_t i = 0; i < resamples; i++) {
		for (auto &x : ra)
			x = a[pick_a(rng)];
		for (auto &x : rb)
			x = b[pick_b(rng)];
		double ma = median_of(ra), mb = median_of(rb);
		diffs.push_back(mb - ma);
		if (ma != 0)
			ratios.push_back(mb / ma);
	}
	std::sort(diffs.begin(), diffs.end());
	std::sort(ratios.begin(), ratios.end());
	ci.diff = { quantile_sorted(diffs, 0.025), quantile_sorted(diffs, 0.975) };
	ci.ratio = { quantile_sorted(ratios, 0.025), quantile_sorted(ratios, 0.975) };
	ci.resamples = resamples;
	return ci;
}

double t95(double df)
{
	// Exact to three decimals for df 1..30; beyond, 1.96 + c / df fits the
	// tail to the same precision.
	static constexpr double table[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
					    2.306,  2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
					    2.131,  2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
					    2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
					    2.045,  2.042 };
	constexpr double z = 1.960, tail = (2.042 - z) * 30;
	if (!(df >= 1))
		return table[0];
	if (df >= 30)
		return z + tail / df;
	// Between two table entries, linear in 1 / df as the tail is.
	auto lo = static_cast<std::size_t>(std::floor(df));
	if (static_cast<double>(lo) == df)
		return table[lo - 1];
	double w = (1 / static_cast<double>(lo) - 1 / df) /
		   (1 / static_cast<double>(lo) - 1 / static_cast<double>(lo + 1));
	return table[lo - 1] + (table[lo] - table[lo - 1]) * w;
}

Interval Estimate::ci95() const
{
	if (df <= 0)
		return { value, value };
	double half = t95(df) * se;
	return { value - half, value + half };
}

double lag1_correlation(std::span<const double> series)
{
	std::size_t k = series.size();
	if (k < 4)
		return 0;
	double mean = std::accumulate(series.begin(), series.end(), 0.0) / static_cast<double>(k);
	double c0 = 0, c1 = 0;
	for (std::size_t i = 0; i < k; i++) {
		c0 += (series[i] - mean) * (series[i] - mean);
		if (i + 1 < k)
			c1 += (series[i] - mean) * (series[i + 1] - mean);
	}
	if (c0 <= 0)
		return 0;
	return std::clamp(c1 / c0, 0.0, 0.9);
}

Estimate estimate_from_parts(double value, std::span<const double> part_figures, double step)
{
	Estimate e;
	e.value = value;
	e.parts = part_figures.size();
	e.effective_parts = static_cast<double>(e.parts);
	if (e.parts < 2)
		return e;
	double k = static_cast<double>(e.parts);
	double mean = std::accumulate(part_figures.begin(), part_figures.end(), 0.0) / k;
	double ss = 0;
	for (double x : part_figures)
		ss += (x - mean) * (x - mean);
	double r = lag1_correlation(part_figures);
	double inflate = (1 + r) / (1 - r);
	e.effective_parts = std::max(k / inflate, 2.0);
	e.se = std::sqrt(ss / (k - 1) / k * inflate + step * step / 4);
	e.df = e.effective_parts - 1;
	return e;
}

Estimate combine_runs(std::span<const Estimate> runs)
{
	if (runs.size() == 1)
		return runs[0];
	Estimate e;
	e.runs = runs.size();
	if (runs.empty())
		return e;
	double k = static_cast<double>(runs.size());
	double own = 0; // the runs' own variances, averaged: a floor
	for (const Estimate &r : runs) {
		e.value += r.value / k;
		e.parts += r.parts;
		own += r.se * r.se / k;
	}
	double ss = 0;
	for (const Estimate &r : runs)
		ss += (r.value - e.value) * (r.value - e.value);
	e.se = std::sqrt(std::max(ss / (k - 1) / k, own / k));
	e.df = k - 1;
	e.effective_parts = k;
	return e;
}

Difference difference(const Estimate &a, const Estimate &b)
{
	Difference d;
	d.diff = b.value - a.value;
	// No ratio to a zero figure: NaN, which the tables show as n/a.
	d.ratio = a.value != 0 ? b.value / a.value : std::numeric_limits<double>::quiet_NaN();
	d.diff_ci = { d.diff, d.diff };
	d.ratio_ci = { d.ratio, d.ratio };
	if (a.df <= 0 || b.df <= 0)
		return d;
	d.known = true;
	double va = a.se * a.se, vb = b.se * b.se, v = va + vb;
	d.df = v > 0 ? v * v / (va * va / a.df + vb * vb / b.df) : a.df + b.df;
	double half = t95(d.df) * std::sqrt(v);
	d.diff_ci = { d.diff - half, d.diff + half };
	d.significant = d.diff_ci.lo > 0 || d.diff_ci.hi < 0;
	if (a.value > 0 && b.value > 0) {
		double ra = a.se / a.value, rb = b.se / b.value;
		double log_half = t95(d.df) * std::sqrt(ra * ra + rb * rb);
		d.ratio_ci = { d.ratio * std::exp(-log_half), d.ratio * std::exp(log_half) };
	}
	return d;
}

Difference normalised_difference(const Estimate &a, const Estimate &b, const Estimate &control_a,
				 const Estimate &control_b)
{
	Difference d;
	if (a.value <= 0 || b.value <= 0 || control_a.value <= 0 || control_b.value <= 0)
		return d;
	double c = control_b.value / control_a.value;
	d.ratio = b.value / a.value / c;
	d.diff = b.value / c - a.value;
	d.diff_ci = { d.diff, d.diff };
	d.ratio_ci = { d.ratio, d.ratio };
	const Estimate *all[] = { &a, &b, &control_a, &control_b };
	double v = 0, denom = 0;
	for (const Estimate *e : all) {
		if (e->df <= 0)
			return d;
		double rel = e->se / e->value;
		v += rel * rel;
		denom += rel * rel * rel * rel / e->df;
	}
	d.known = true;
	d.df = denom > 0 ? v * v / denom : a.df + b.df;
	double log_half = t95(d.df) * std::sqrt(v);
	d.ratio_ci = { d.ratio * std::exp(-log_half), d.ratio * std::exp(log_half) };
	d.diff_ci = { (d.ratio_ci.lo - 1) * a.value, (d.ratio_ci.hi - 1) * a.value };
	d.significant = d.ratio_ci.lo > 1 || d.ratio_ci.hi < 1;
	return d;
}

double mann_whitney_p(std::span<const double> a, std::span<const double> b)
{
	std::size_t na = a.size(), nb = b.size();
	if (!na || !nb)
		return 1;
	struct Item {
		double v;
		bool from_a;
	};
	std::vector<Item> all;
	all.reserve(na + nb);
	for (double x : a)
		all.push_back({ x, true });
	for (double x : b)
		all.push_back({ x, false });
	std::sort(all.begin(), all.end(), [](const Item &l, const Item &r) { return l.v < r.v; });
	double rank_sum_a = 0, tie_term = 0;
	for (std::size_t i = 0; i < all.size();) {
		std::size_t j = i;
		while (j < all.size() && all[j].v == all[i].v)
			j++;
		double avg_rank = (static_cast<double>(i + j) + 1) / 2; // ranks are 1-based
		double t = static_cast<double>(j - i);
		tie_term += t * t * t - t;
		for (std::size_t k = i; k < j; k++)
			if (all[k].from_a)
				rank_sum_a += avg_rank;
		i = j;
	}
	double n1 = static_cast<double>(na), n2 = static_cast<double>(nb), n = n1 + n2;
	double u = rank_sum_a - n1 * (n1 + 1) / 2;
	double mu = n1 * n2 / 2;
	double var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
	if (var <= 0)
		return 1;
	double z = (std::fabs(u - mu) - 0.5) / std::sqrt(var);
	if (z < 0)
		z = 0;
	return std::erfc(z / std::sqrt(2.0));
}

} // namespace xperf
