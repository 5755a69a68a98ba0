#include "compare.h"

#include "ratio.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

namespace xperf {

namespace {

std::string key_of(const Result &r)
{
	return r.crossing + "/" + r.variant;
}

const Result *find_result(const Report &rep, const std::string &key)
{
	for (const auto &r : rep.results)
		if (key_of(r) == key)
			return &r;
	return nullptr;
}

} // namespace

Comparison compare_reports(const Report &a, const Report &b)
{
	Comparison c;
	for (const auto &ra : a.results) {
		const Result *rb = find_result(b, key_of(ra));
		if (!rb) {
			c.only_in_a.push_back(key_of(ra));
			continue;
		}
		CompareRow row;
		row.crossing = ra.crossing;
		row.variant = ra.variant;
		row.median_a = ra.stats.median;
		row.median_b = rb->stats.median;
		row.ratio = ratio_of(row.median_b, row.median_a);
		row.diff = row.median_b - row.median_a;
		row.ns_per_cycle = rb->tsc_hz > 0 ? 1e9 / rb->tsc_hz : 0;
		if (!ra.cycles.empty() && !rb->cycles.empty()) {
			row.ci = bootstrap_median_diff(ra.cycles, rb->cycles);
			row.p_value = mann_whitney_p(ra.cycles, rb->cycles);
		}
		// The same name can be different work: syscall 500 is the xperf no-op
		// on one kernel and -ENOSYS on the other.
		auto path_a = ra.detail.value("kernel_path", std::string{});
		auto path_b = rb->detail.value("kernel_path", std::string{});
		if (path_a != path_b)
			row.notes.push_back(fmt::format("different kernel paths: A {}, B {}",
							path_a.empty() ? "?" : path_a,
							path_b.empty() ? "?" : path_b));
		c.rows.push_back(row);
	}
	for (const auto &rb : b.results)
		if (!find_result(a, key_of(rb)))
			c.only_in_b.push_back(key_of(rb));
	c.conditions = diff_conditions(a.meta.value("conditions", nlohmann::json::object()),
				       b.meta.value("conditions", nlohmann::json::object()));
	return c;
}

std::string render_comparison(const Comparison &c, const std::string &name_a,
			      const std::string &name_b)
{
	std::ostringstream o;
	o << fmt::format("A = {}\nB = {}\n\n", name_a, name_b);
	o << fmt::format("{:<9} {:<14} {:>10} {:>10} {:>7} {:>10} {:>23} {:>9} {:>8}\n", "crossing",
			 "variant", "median_A", "median_B", "B/A", "B-A", "95% CI of B-A (cycles)",
			 "B-A ns", "p(MWU)");
	for (const auto &r : c.rows) {
		std::string ci = r.ci ? fmt::format("[{:.1f}, {:.1f}]", r.ci->diff.lo, r.ci->diff.hi)
				      : "n/a (no raw samples)";
		std::string p = r.p_value ? fmt::format("{:.2g}", *r.p_value) : "n/a";
		o << fmt::format("{:<9} {:<14} {:>10.1f} {:>10.1f} {:>7} {:>10.1f} {:>23} {:>9.1f} "
				 "{:>8}\n",
				 r.crossing, r.variant, r.median_a, r.median_b, ratio_text(r.ratio), r.diff, ci,
				 r.diff * r.ns_per_cycle, p);
	}
	for (const auto &r : c.rows)
		for (const auto &n : r.notes)
			o << fmt::format("note: {}/{}: {}\n", r.crossing, r.variant, n);
	for (const auto &k : c.only_in_a)
		o << "only in A: " << k << "\n";
	for (const auto &k : c.only_in_b)
		o << "only in B: " << k << "\n";
	if (c.conditions.empty()) {
		o << "\nconditions: the same in A and B\n";
	} else {
		o << "\nA and B were taken under different conditions:\n";
		for (const auto &d : c.conditions)
			o << fmt::format("  {}: A={} B={}\n", d.key, d.a, d.b);
	}
	return o.str();
}

nlohmann::json comparison_to_json(const Comparison &c)
{
	nlohmann::json rows = nlohmann::json::array();
	for (const auto &r : c.rows) {
		nlohmann::json j = { { "crossing", r.crossing },  { "variant", r.variant },
				     { "median_a", r.median_a },  { "median_b", r.median_b },
				     { "ratio", ratio_json(r.ratio) }, { "diff", r.diff },
				     { "diff_ns", r.diff * r.ns_per_cycle } };
		if (r.ci)
			j["ci95"] = { { "diff", { r.ci->diff.lo, r.ci->diff.hi } },
				      { "ratio", std::isfinite(r.ratio) ? nlohmann::json{ r.ci->ratio.lo,
										      r.ci->ratio.hi }
									  : nlohmann::json() },
				      { "method", "bootstrap percentile" },
				      { "resamples", r.ci->resamples } };
		if (r.p_value)
			j["mann_whitney_p"] = *r.p_value;
		if (!r.notes.empty())
			j["notes"] = r.notes;
		rows.push_back(j);
	}
	nlohmann::json conds = nlohmann::json::array();
	for (const auto &d : c.conditions)
		conds.push_back({ { "key", d.key }, { "a", d.a }, { "b", d.b } });
	return { { "tool", "xperf" },	       { "version", XPERF_VERSION },
		 { "comparison", rows },       { "only_in_a", c.only_in_a },
		 { "only_in_b", c.only_in_b }, { "conditions_differ", conds } };
}

} // namespace xperf
