#include "app/compare.h"
#include "core/text_list.h"
#include "core/version.h"

#include "app/ratio.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace xperf {

namespace {

// The name of the registry's Role::control entry: compare builds without the
// registry (the fuzz target links compare alone), so it knows the name.
constexpr const char *control_crossing_name = "control";

std::string key_of(const Result &r)
{
	return r.crossing + "/" + r.variant;
}

// Every key in column order: the first column's first, then what only
// later columns have.
std::vector<std::pair<std::string, const Result *>> all_keys(const std::vector<Column> &columns)
{
	std::vector<std::pair<std::string, const Result *>> keys;
	for (const Column &col : columns)
		for (const Report &run : col.runs)
			for (const Result &r : run.results)
				if (std::none_of(keys.begin(), keys.end(),
						 [&](const auto &k) { return k.first == key_of(r); }))
					keys.emplace_back(key_of(r), &r);
	return keys;
}

std::optional<Cell> cell_of(const Column &col, const Result &of)
{
	Cell cell;
	std::vector<Estimate> runs;
	for (const Report &run : col.runs) {
		const Result *r = find_result(run, of.crossing, of.variant);
		if (!r)
			continue;
		if (runs.empty())
			cell.ns_per_cycle = r->tsc_hz > 0 ? 1e9 / r->tsc_hz : 0;
		runs.push_back(r->figure());
		for (const auto &n : r->noise)
			if (std::find(cell.noise.begin(), cell.noise.end(), n.kind) == cell.noise.end())
				cell.noise.push_back(n.kind);
		auto path = r->detail.value("kernel_path", std::string{});
		if (!path.empty())
			cell.kernel_paths.push_back(path);
	}
	if (runs.empty())
		return std::nullopt;
	cell.runs_with = runs.size();
	cell.figure = combine_runs(runs);
	return cell;
}

std::optional<double> bytes_per_iteration(const std::vector<Column> &columns, const Result &of)
{
	for (const Column &col : columns)
		for (const Report &run : col.runs)
			if (const Result *r = find_result(run, of.crossing, of.variant))
				if (auto b = r->detail.find("bytes_per_iteration");
				    b != r->detail.end() && b->is_number())
					return b->get<double>();
	return std::nullopt;
}

// A figure of 0 cycles or less is no time: the crossing cost no more than
// the empty region subtracted from it. No ratio or difference is judged
// against it, whatever the arithmetic would give.
bool no_time(const Cell &cell)
{
	return cell.figure.value <= 0;
}

Difference without_judgement(Difference d)
{
	d.known = false;
	d.significant = false;
	d.ratio = std::numeric_limits<double>::quiet_NaN();
	d.ratio_ci = { d.ratio, d.ratio };
	d.diff_ci = { d.diff, d.diff };
	return d;
}

std::string started_of(const Report &r)
{
	auto run = r.meta.find("run");
	if (run == r.meta.end() || !run->is_object())
		return {};
	auto it = run->find("started_utc");
	return it != run->end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Whether the runs of two columns alternated in time, A B A B ...: taken in
// the order they started, no two runs of one column follow each other
// beyond what the longer column's surplus forces. nullopt when a column has
// one run or a run does not say when it started.
std::optional<bool> interleaved(const Column &a, const Column &b)
{
	if (a.runs.size() < 2 || b.runs.size() < 2)
		return std::nullopt;
	std::vector<std::pair<std::string, int>> order;
	for (const Report &r : a.runs)
		order.emplace_back(started_of(r), 0);
	for (const Report &r : b.runs)
		order.emplace_back(started_of(r), 1);
	if (std::any_of(order.begin(), order.end(), [](const auto &o) { return o.first.empty(); }))
		return std::nullopt;
	// ISO 8601 UTC text sorts as time does.
	std::stable_sort(order.begin(), order.end(),
			 [](const auto &x, const auto &y) { return x.first < y.first; });
	std::size_t changes = 0;
	for (std::size_t i = 1; i < order.size(); i++)
		changes += order[i].second != order[i - 1].second;
	std::size_t fewer = std::min(a.runs.size(), b.runs.size());
	std::size_t most = a.runs.size() == b.runs.size() ? 2 * fewer - 1 : 2 * fewer;
	return changes == most;
}

nlohmann::json conditions_of(const Report &r)
{
	return r.meta.value("conditions", nlohmann::json::object());
}

void check_control(Comparison &c, const std::vector<Column> &columns)
{
	ControlCheck &k = c.control;
	k.against.resize(columns.size());
	k.moved.resize(columns.size(), false);
	const CompareRow *row = nullptr;
	for (const auto &r : c.rows)
		if (r.control)
			row = &r;
	if (!row) {
		c.notes.push_back("no control in these runs: a changed machine cannot be told from "
				  "a changed kernel (runs of this xperf carry one)");
		return;
	}
	k.key = row->crossing + "/" + row->variant;
	k.present = std::all_of(row->cells.begin(), row->cells.end(),
				[](const auto &cell) { return cell.has_value(); });
	if (!k.present) {
		c.notes.push_back(fmt::format("the control {} is not in every column: where it is "
					      "missing, a changed machine cannot be told from a "
					      "changed kernel",
					      k.key));
	}
	for (std::size_t j = 1; j < columns.size(); j++) {
		if (!row->cells[0] || !row->cells[j])
			continue;
		Difference d = difference(row->cells[0]->figure, row->cells[j]->figure);
		if (no_time(*row->cells[0]) || no_time(*row->cells[j])) {
			k.against[j] = without_judgement(d);
			c.notes.push_back(fmt::format(
				"the control {} has no time in {} or {}: whether the machine changed "
				"between them could not be checked",
				k.key, c.labels[0], c.labels[j]));
			continue;
		}
		k.against[j] = d;
		k.moved[j] = d.known && d.significant;
		if (!d.known)
			c.notes.push_back(fmt::format(
				"the control {} rests on one part in {} or {}: whether the machine "
				"changed between them could not be checked (take more than one "
				"round, --rounds)",
				k.key, c.labels[0], c.labels[j]));
		if (k.moved[j])
			c.notes.push_back(fmt::format(
				"the control moved: {}/{} = {:.3f} [{:.3f}, {:.3f}]: the machine changed "
				"between {} and {} (its clock against the TSC, or its load), not only "
				"the kernel; the {} rows are divided by the control's ratio, which is "
				"sound for work that runs at the clock the control counts",
				c.labels[j], c.labels[0], d.ratio, d.ratio_ci.lo, d.ratio_ci.hi,
				c.labels[0], c.labels[j], c.labels[j]));
	}
}

void note_order(Comparison &c, const std::vector<Column> &columns)
{
	bool single = false;
	std::string two;
	for (std::size_t j = 0; j < columns.size(); j++) {
		single |= columns[j].runs.size() < 2;
		if (columns[j].runs.size() == 2)
			append_item(two, ", ", c.labels[j]);
	}
	if (single && columns.size() > 1)
		c.notes.push_back("one run in a column: its interval covers the noise within that "
				  "run (its parts, spread over the run's --span), not a change of the "
				  "machine between runs, which the control checks; for a kernel "
				  "against a kernel alternate three or more runs of each (A B A B ...) "
				  "and give each column as a folder or a comma list");
	if (!two.empty() && columns.size() > 1)
		c.notes.push_back(fmt::format("two runs in {}: the spread between runs rests on one "
					      "degree of freedom, so the interval is wide; take three or "
					      "more of each",
					      two));
	for (std::size_t j = 1; j < columns.size(); j++) {
		auto mixed = interleaved(columns[0], columns[j]);
		if (mixed && !*mixed)
			c.notes.push_back(fmt::format(
				"the runs of {} and {} did not alternate (in the order they started, "
				"runs of one column follow each other): a drift of the machine cannot "
				"be told from the difference; take them A B A B ...",
				c.labels[0], c.labels[j]));
	}
}

} // namespace

Comparison compare_columns(const std::vector<Column> &columns)
{
	Comparison c;
	for (const Column &col : columns) {
		c.labels.push_back(col.label);
		c.files.push_back(col.files);
		c.runs.push_back(col.runs.size());
	}
	for (const auto &[key, first] : all_keys(columns)) {
		CompareRow row;
		row.crossing = first->crossing;
		row.variant = first->variant;
		row.control = first->crossing == control_crossing_name;
		row.bytes_per_iteration = bytes_per_iteration(columns, *first);
		std::vector<std::string> absent;
		for (std::size_t j = 0; j < columns.size(); j++) {
			row.cells.push_back(cell_of(columns[j], *first));
			if (!row.cells.back()) {
				absent.push_back(c.labels[j]);
				continue;
			}
			if (no_time(*row.cells.back()))
				row.notes.push_back(fmt::format(
					"the median of {} is {:.1f} cycles, no time: no ratio or "
					"difference is judged against it (the crossing cost no more "
					"than the empty timed region; time a batch of it, --batch)",
					c.labels[j], row.cells.back()->figure.value));
			if (row.cells.back()->runs_with < columns[j].runs.size())
				row.notes.push_back(fmt::format("in {} of the {} runs of {}",
								row.cells.back()->runs_with,
								columns[j].runs.size(), c.labels[j]));
		}
		if (!absent.empty()) {
			std::string list;
			for (const auto &l : absent)
				append_item(list, ", ", l);
			c.missing.push_back(fmt::format("{}: not in {}", key, list));
		}
		c.rows.push_back(std::move(row));
	}

	check_control(c, columns);
	const CompareRow *control_row = nullptr;
	for (const auto &r : c.rows)
		if (r.control)
			control_row = &r;
	for (auto &row : c.rows) {
		row.against.resize(columns.size());
		if (!row.cells[0])
			continue;
		const Cell &a = *row.cells[0];
		for (std::size_t j = 1; j < columns.size(); j++) {
			if (!row.cells[j])
				continue;
			const Cell &b = *row.cells[j];
			Against ag;
			ag.raw = difference(a.figure, b.figure);
			if (no_time(a) || no_time(b))
				ag.raw = without_judgement(ag.raw);
			else if (!row.control && c.control.moved[j])
				ag.normalised = normalised_difference(a.figure, b.figure,
								      control_row->cells[0]->figure,
								      control_row->cells[j]->figure);
			row.against[j] = ag;
			// The same name can be different work: syscall 500 is the
			// xperf no-op on one kernel and -ENOSYS on the other.
			auto first_path = [](const Cell &cell) {
				return cell.kernel_paths.empty() ? std::string("?")
								 : cell.kernel_paths.front();
			};
			if ((!a.kernel_paths.empty() || !b.kernel_paths.empty()) &&
			    first_path(a) != first_path(b))
				row.notes.push_back(fmt::format("different kernel paths: {} {}, {} {}",
								c.labels[0], first_path(a),
								c.labels[j], first_path(b)));
		}
	}

	for (std::size_t j = 0; j < columns.size(); j++) {
		c.conditions.push_back(
			j == 0 || columns[0].runs.empty() || columns[j].runs.empty()
				? std::vector<ConditionDiff>{}
				: diff_conditions(conditions_of(columns[0].runs[0]),
						  conditions_of(columns[j].runs[0])));
		std::vector<ConditionDiff> within;
		for (std::size_t i = 1; i < columns[j].runs.size(); i++)
			for (auto &d : diff_conditions(conditions_of(columns[j].runs[0]),
						       conditions_of(columns[j].runs[i])))
				if (std::none_of(within.begin(), within.end(),
						 [&](const auto &w) { return w.key == d.key; }))
					within.push_back(d);
		c.within.push_back(std::move(within));
	}
	for (const Column &col : columns) {
		std::vector<WarnedCondition> warned;
		for (std::size_t i = 0; i < col.runs.size(); i++) {
			auto w = col.runs[i].meta.find("warned");
			if (w == col.runs[i].meta.end() || !w->is_array())
				continue;
			for (const auto &f : *w) {
				if (!f.is_object())
					continue;
				WarnedCondition found{ f.value("check", std::string("?")),
						       f.value("found", std::string("?")),
						       {} };
				auto same = std::find_if(warned.begin(), warned.end(), [&](const auto &x) {
					return x.check == found.check && x.found == found.found;
				});
				if (same == warned.end())
					same = warned.insert(warned.end(), std::move(found));
				if (same->runs.empty() || same->runs.back() != i + 1)
					same->runs.push_back(i + 1);
			}
		}
		c.warned.push_back(std::move(warned));
	}
	note_order(c, columns);
	return c;
}

Comparison compare_reports(const Report &a, const Report &b)
{
	return compare_columns({ Column{ "A", { "A" }, { a } }, Column{ "B", { "B" }, { b } } });
}

std::string noise_mark(const Cell &cell)
{
	return cell.noise.empty() ? "" : "~";
}

std::string warned_mark(const Comparison &c, std::size_t column)
{
	return column < c.warned.size() && !c.warned[column].empty() ? "!" : "";
}

namespace {

// A column's median, "±" with half its interval in percent ("~" when noise
// was flagged), and in CSV the noise's words.
void add_median(std::vector<TableValue> &fields, const std::optional<Cell> &cell)
{
	if (!cell) {
		fields.insert(fields.end(), { TableValue::none(), TableValue{}, TableValue{} });
		return;
	}
	const Estimate &e = cell->figure;
	fields.push_back(TableValue::number(e.value, 1));
	TableValue pm{ "±?", "" };
	if (no_time(*cell))
		pm = TableValue{ "no time", "" };
	else if (e.df > 0 && e.value != 0)
		pm = TableValue::number((e.ci95().hi - e.ci95().lo) / 2 / std::fabs(e.value) * 100, 1,
					"%", "±");
	fields.push_back(pm.marked(noise_mark(*cell)));
	std::string words;
	for (const auto &k : cell->noise)
		append_item(words, " ", k);
	fields.push_back(TableValue::text(words));
}

// A figure of no time (a median of zero or less) has no ratio to judge.
TableValue verdict(const CompareRow &r, const Difference &d, bool timeless)
{
	if (timeless)
		return { "? (no time)", "unknown" };
	if (!d.known)
		return { r.control ? "?" : "? (noise not known)", "unknown" };
	if (r.control)
		return TableValue::text(d.significant ? "moved" : "steady");
	return { d.significant ? "yes" : "no (noise)", d.significant ? "yes" : "no" };
}

void add_against(std::vector<TableValue> &fields, const CompareRow &r, std::size_t j)
{
	if (!r.against[j]) {
		fields.push_back(TableValue::none());
		fields.resize(fields.size() + 7);
		return;
	}
	const Difference &d = r.against[j]->finding();
	bool normalised = r.against[j]->normalised.has_value();
	bool ci = d.known && std::isfinite(d.ratio);
	TableValue lo = ci ? TableValue::number(d.ratio_ci.lo, 3) : TableValue{ "n/a", "" };
	TableValue hi = ci ? TableValue::number(d.ratio_ci.hi, 3) : TableValue{ "n/a", "" };
	fields.push_back(TableValue::number(d.ratio, 3).marked(normalised ? "*" : ""));
	fields.push_back(ci ? TableValue{ fmt::format("[{}, {}]", lo.display, hi.display), "" }
			    : TableValue{ "n/a", "" });
	fields.push_back(lo);
	fields.push_back(hi);
	fields.push_back(TableValue::number(d.diff, 1));
	fields.push_back(TableValue::number(d.diff * r.cells[j]->ns_per_cycle, 1));
	fields.push_back(verdict(r, d, no_time(*r.cells[0]) || no_time(*r.cells[j])));
	fields.push_back(TableValue::text(normalised ? "yes" : "no"));
}

} // namespace

Table comparison_table(const Comparison &c)
{
	std::vector<TableColumn> cols{ { "crossing", Align::left }, { "variant", Align::left } };
	for (std::size_t j = 0; j < c.labels.size(); j++) {
		const std::string &l = c.labels[j];
		cols.push_back({ l + " median" + warned_mark(c, j), Align::right, 0, Shown::all,
				 l + " median cycles" });
		cols.push_back({ "±95%", Align::right, 2, Shown::all, l + " ci95 half percent" });
		cols.push_back({ "noise", Align::right, 0, Shown::csv, l + " noise" });
	}
	for (std::size_t j = 1; j < c.labels.size(); j++) {
		std::string vs = c.labels[j] + "/" + c.labels[0];
		std::string minus = c.labels[j] + "-" + c.labels[0];
		cols.push_back({ vs, Align::right, 0, Shown::all, vs + " ratio" });
		cols.push_back({ "95% CI", Align::right, 3, Shown::display });
		cols.push_back({ "ci95_lo", Align::right, 0, Shown::csv, vs + " ci95 lo" });
		cols.push_back({ "ci95_hi", Align::right, 0, Shown::csv, vs + " ci95 hi" });
		cols.push_back({ minus, Align::right, 4, Shown::all, minus + " cycles" });
		cols.push_back({ "ns", Align::right, 4, Shown::all, minus + " ns" });
		cols.push_back({ "differs", Align::left, 1, Shown::all, vs + " differs" });
		cols.push_back({ "normalised", Align::right, 0, Shown::csv,
				 vs + " divided by the control" });
	}
	Table t(std::move(cols));
	for (const auto &r : c.rows) {
		std::vector<TableValue> fields{ TableValue::text(r.crossing),
						TableValue::text(r.variant) };
		for (const auto &cell : r.cells)
			add_median(fields, cell);
		for (std::size_t j = 1; j < c.labels.size(); j++)
			add_against(fields, r, j);
		t.add_row(std::move(fields));
	}
	return t;
}

std::string render_comparison(const Comparison &c, std::size_t width, Detail detail)
{
	if (detail == Detail::quiet)
		return comparison_table(c).write(TableForm::text, width);
	std::ostringstream o;
	for (std::size_t j = 0; j < c.labels.size(); j++) {
		std::string files;
		for (const auto &f : c.files[j])
			append_item(files, ", ", f);
		o << fmt::format("{} = {}{}\n", c.labels[j], files,
				 c.runs[j] > 1 ? fmt::format(" ({} runs)", c.runs[j]) : "");
	}
	o << "\n" << comparison_table(c).write(TableForm::text, width);
	o << "\n" << render_comparison_notes(c, detail);
	return o.str();
}

namespace {

// The figures (a row in a column) named: a few each by name, more by
// crossing with their counts.
std::string figures_named(const std::vector<std::pair<const CompareRow *, std::string>> &figs)
{
	std::string out;
	if (figs.size() <= 3) {
		for (const auto &[r, label] : figs)
			append_item(out, ", ", fmt::format("{}/{} in {}", r->crossing, r->variant, label));
		return out;
	}
	std::vector<std::string> crossings;
	for (const auto &f : figs)
		crossings.push_back(f.first->crossing);
	return counted_list(crossings);
}

// One legend line, one line per kind of noise, each note in short, the
// conditions that differ by name, each warned condition once.
std::string short_comparison_notes(const Comparison &c)
{
	std::ostringstream o;
	std::string legend = "±95%: half the median's 95 % interval from its parts (and runs)";
	bool warned = std::any_of(c.warned.begin(), c.warned.end(),
				  [](const auto &w) { return !w.empty(); });
	bool normalised = false;
	std::vector<std::pair<std::string, std::vector<std::pair<const CompareRow *, std::string>>>>
		kinds;
	for (const auto &r : c.rows) {
		for (const auto &ag : r.against)
			normalised |= ag && ag->normalised;
		for (std::size_t j = 0; j < r.cells.size(); j++)
			if (r.cells[j])
				for (const auto &k : r.cells[j]->noise) {
					auto it = std::find_if(kinds.begin(), kinds.end(),
							       [&](const auto &x) { return x.first == k; });
					if (it == kinds.end())
						it = kinds.insert(kinds.end(), { k, {} });
					it->second.emplace_back(&r, c.labels[j]);
				}
	}
	if (!kinds.empty())
		legend += "; ~: noise flagged";
	if (warned)
		legend += "; !: warned conditions";
	if (normalised)
		legend += "; *: divided by the control's ratio";
	o << legend << "; -v: every detail\n";
	for (const auto &[kind, figs] : kinds)
		o << fmt::format("noise: {} in {} figure{} ({}) (-v for each)\n", kind, figs.size(),
				 figs.size() == 1 ? "" : "s", figures_named(figs));
	for (const auto &r : c.rows)
		for (const auto &n : r.notes)
			o << fmt::format("note: {}/{}: {}\n", r.crossing, r.variant, n);
	if (c.missing.size() <= 2)
		for (const auto &m : c.missing)
			o << "only in some columns: " << m << "\n";
	else
		o << fmt::format("only in some columns: {} rows (-v for each)\n", c.missing.size());
	for (const auto &n : c.notes) {
		std::string s = short_note(n);
		o << "note: " << s << (s.size() < n.size() ? " (-v)" : "") << "\n";
	}
	bool differ = false;
	auto keys = [](const std::vector<ConditionDiff> &diffs) {
		std::string list;
		for (const auto &d : diffs)
			append_item(list, ", ", d.key);
		return list;
	};
	for (std::size_t j = 1; j < c.conditions.size(); j++)
		if (!c.conditions[j].empty()) {
			differ = true;
			o << fmt::format("conditions of {} differ from {}'s: {} (-v for the values)\n",
					 c.labels[j], c.labels[0], keys(c.conditions[j]));
		}
	for (std::size_t j = 0; j < c.within.size(); j++)
		if (!c.within[j].empty())
			o << fmt::format("the runs of {} differ among themselves: {} (-v)\n",
					 c.labels[j], keys(c.within[j]));
	if (!differ && c.labels.size() > 1)
		o << "conditions: the same in every column\n";
	for (std::size_t j = 0; j < c.warned.size(); j++)
		for (const auto &w : c.warned[j])
			o << fmt::format("warned{}: {}\n",
					 c.labels.size() > 1 ? " in " + c.labels[j] : std::string(),
					 w.text());
	return o.str();
}

} // namespace

std::string render_comparison_notes(const Comparison &c, Detail detail)
{
	if (detail == Detail::quiet)
		return {};
	if (detail == Detail::normal)
		return short_comparison_notes(c);
	std::ostringstream o;
	o << "median ±: half its 95 % interval, from the spread between its parts (and "
	     "between the runs of a column of several)\n";
	bool noisy = false, warned = false;
	for (const auto &r : c.rows)
		for (const auto &cell : r.cells)
			noisy |= cell && !cell->noise.empty();
	for (const auto &w : c.warned)
		warned |= !w.empty();
	if (noisy)
		o << "~: noise flagged in that run's samples or counters (the noise: lines below "
		     "say which)\n";
	if (warned)
		o << "!: that column was taken under warned conditions (listed below)\n";
	bool normalised = false;
	for (const auto &r : c.rows)
		for (const auto &ag : r.against)
			normalised |= ag && ag->normalised;
	if (normalised)
		o << "*: divided by the control's ratio (the machine changed); the raw figures are "
		     "in --json\n";
	for (const auto &r : c.rows) {
		for (const auto &n : r.notes)
			o << fmt::format("note: {}/{}: {}\n", r.crossing, r.variant, n);
		for (std::size_t j = 0; j < r.cells.size(); j++)
			if (r.cells[j] && !r.cells[j]->noise.empty()) {
				std::string kinds;
				for (const auto &k : r.cells[j]->noise)
					append_item(kinds, ", ", k);
				o << fmt::format("noise: {}/{} in {}: {}\n", r.crossing, r.variant,
						 c.labels[j], kinds);
			}
	}
	for (const auto &m : c.missing)
		o << "only in some columns: " << m << "\n";
	for (const auto &n : c.notes)
		o << "note: " << n << "\n";
	bool any = false;
	for (std::size_t j = 1; j < c.conditions.size(); j++) {
		if (c.conditions[j].empty())
			continue;
		if (!any)
			o << "\n";
		any = true;
		o << fmt::format("{} and {} were taken under different conditions:\n", c.labels[0],
				 c.labels[j]);
		for (const auto &d : c.conditions[j])
			o << fmt::format("  {}: {}={} {}={}\n", d.key, c.labels[0], d.a, c.labels[j], d.b);
	}
	for (std::size_t j = 0; j < c.within.size(); j++) {
		if (c.within[j].empty())
			continue;
		o << fmt::format("\nthe runs of {} differ among themselves:\n", c.labels[j]);
		for (const auto &d : c.within[j])
			o << fmt::format("  {}: {} / {}\n", d.key, d.a, d.b);
	}
	if (!any)
		o << "\nconditions: the same in every column\n";
	for (std::size_t j = 0; j < c.warned.size(); j++) {
		if (c.warned[j].empty())
			continue;
		o << fmt::format("{} was taken under warned conditions (xperf-user doctor):\n",
				 c.labels[j]);
		for (const auto &w : c.warned[j]) {
			// A finding not in every run says which: the same check
			// may then be listed again with what the others found.
			std::string where;
			if (w.runs.size() < c.runs[j]) {
				std::string list;
				for (std::size_t k = 0; k < w.runs.size(); k++)
					append_item(list, k + 1 == w.runs.size() ? " and " : ", ",
						    std::to_string(w.runs[k]));
				where = fmt::format(" (run{} {} of {})", w.runs.size() == 1 ? "" : "s",
						    list, c.runs[j]);
			}
			o << "  " << w.check << where << ": " << w.found << "\n";
		}
	}
	return o.str();
}

namespace {

nlohmann::json interval_json(const Interval &i)
{
	return { i.lo, i.hi };
}

nlohmann::json difference_json(const Difference &d, double ns_per_cycle)
{
	nlohmann::json j = { { "ratio", ratio_json(d.ratio) },
			     { "diff", d.diff },
			     { "diff_ns", d.diff * ns_per_cycle },
			     { "known", d.known },
			     { "significant", d.significant } };
	if (d.known)
		j["ci95"] = { { "diff", interval_json(d.diff_ci) },
			      { "ratio", std::isfinite(d.ratio) ? interval_json(d.ratio_ci)
								 : nlohmann::json() },
			      { "df", d.df } };
	else
		j["ci95"] = nullptr;
	return j;
}

nlohmann::json figure_json(const std::string &label, const Cell &cell)
{
	const Estimate &e = cell.figure;
	nlohmann::json j = { { "label", label },
			     { "median", e.value },
			     { "median_ns", e.value * cell.ns_per_cycle },
			     { "parts", e.parts },
			     { "effective_parts", e.effective_parts },
			     { "runs", cell.runs_with },
			     { "noise", cell.noise } };
	j["ci95"] = e.df > 0 && !no_time(cell) ? interval_json(e.ci95()) : nlohmann::json();
	return j;
}

// "warned" stays a list of "check: found", as compare has always written
// it; "warned_runs" beside it says, per finding, which runs had it.
nlohmann::json warned_texts(const std::vector<WarnedCondition> &warned)
{
	nlohmann::json j = nlohmann::json::array();
	for (const auto &w : warned)
		j.push_back(w.text());
	return j;
}

nlohmann::json warned_runs(const std::vector<WarnedCondition> &warned)
{
	nlohmann::json j = nlohmann::json::array();
	for (const auto &w : warned)
		j.push_back(w.runs);
	return j;
}

} // namespace

nlohmann::json comparison_to_json(const Comparison &c)
{
	nlohmann::json columns = nlohmann::json::array();
	for (std::size_t j = 0; j < c.labels.size(); j++)
		columns.push_back({ { "label", c.labels[j] },
				    { "files", c.files[j] },
				    { "runs", c.runs[j] },
				    { "warned", warned_texts(c.warned[j]) },
				    { "warned_runs", warned_runs(c.warned[j]) } });
	nlohmann::json rows = nlohmann::json::array();
	for (const auto &r : c.rows) {
		nlohmann::json figures = nlohmann::json::array();
		for (std::size_t j = 0; j < r.cells.size(); j++)
			figures.push_back(r.cells[j] ? figure_json(c.labels[j], *r.cells[j])
						     : nlohmann::json());
		nlohmann::json against = nlohmann::json::array();
		for (std::size_t j = 1; j < r.against.size(); j++) {
			if (!r.against[j]) {
				against.push_back(nullptr);
				continue;
			}
			const Against &ag = *r.against[j];
			double ns = r.cells[j]->ns_per_cycle;
			nlohmann::json a = difference_json(ag.finding(), ns);
			a["label"] = c.labels[j];
			a["normalised_by_control"] = ag.normalised.has_value();
			if (ag.normalised)
				a["raw"] = difference_json(ag.raw, ns);
			against.push_back(a);
		}
		nlohmann::json row = { { "crossing", r.crossing },
				       { "variant", r.variant },
				       { "control", r.control },
				       { "figures", figures },
				       { "against_first", against } };
		// Two columns: the one comparison, at the row's top level too.
		if (c.labels.size() == 2 && !against[0].is_null())
			for (const char *k : { "ratio", "diff", "diff_ns", "ci95", "known", "significant",
					       "normalised_by_control" })
				row[k] = against[0][k];
		if (r.bytes_per_iteration)
			row["bytes_per_iteration"] = *r.bytes_per_iteration;
		if (!r.notes.empty())
			row["notes"] = r.notes;
		rows.push_back(row);
	}
	nlohmann::json control = { { "crossing", c.control.key.empty() ? nlohmann::json()
									: nlohmann::json(c.control.key) },
				   { "present", c.control.present } };
	nlohmann::json moved = nlohmann::json::array();
	for (std::size_t j = 1; j < c.control.against.size(); j++) {
		const auto &d = c.control.against[j];
		moved.push_back(d ? nlohmann::json{ { "label", c.labels[j] },
						    { "ratio", ratio_json(d->ratio) },
						    { "ci95", d->known ? interval_json(d->ratio_ci)
								       : nlohmann::json() },
						    { "moved", bool(c.control.moved[j]) } }
				  : nlohmann::json());
	}
	control["against_first"] = moved;
	nlohmann::json conds = nlohmann::json::array();
	for (std::size_t j = 1; j < c.conditions.size(); j++)
		for (const auto &d : c.conditions[j])
			conds.push_back({ { "label", c.labels[j] }, { "key", d.key }, { "a", d.a }, { "b", d.b } });
	nlohmann::json within = nlohmann::json::array();
	for (std::size_t j = 0; j < c.within.size(); j++)
		for (const auto &d : c.within[j])
			within.push_back({ { "label", c.labels[j] }, { "key", d.key }, { "a", d.a }, { "b", d.b } });
	return { { "tool", "xperf" },
		 { "version", std::string(version()) },
		 { "columns", columns },
		 { "comparison", rows },
		 { "control", control },
		 { "missing", c.missing },
		 { "conditions_differ", conds },
		 { "conditions_differ_within", within },
		 { "notes", c.notes } };
}

} // namespace xperf
