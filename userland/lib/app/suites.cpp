#include "app/suites.h"

#include "app/conditions.h"
#include "core/error.h"
#include "core/text_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace xperf {

namespace {

constexpr std::string_view processes = "Processes (µs)";
constexpr std::string_view switches = "Context switching (µs)";
constexpr std::string_view latencies = "Local communication latencies (µs)";
constexpr std::string_view files = "File & VM system latencies (µs)";
constexpr std::string_view bandwidths = "Local communication bandwidths (MB/s)";

const Suite table[] = {
	{ "os",
	  "LMBench's OS summary: processes, context switches, local communication, file "
	  "and VM latencies, bandwidths",
	  Layout::lmbench,
	  {
		  { processes, "null call", "getppid", "" },
		  { processes, "null read", "read", "" },
		  { processes, "null write", "write", "" },
		  { processes, "stat", "stat", "" },
		  { processes, "fstat", "fstat", "" },
		  { processes, "open clos", "open-close", "" },
		  { processes, "slct file", "select-file", "" },
		  { processes, "slct TCP", "select-tcp", "" },
		  { processes, "sig inst", "sig-install", "" },
		  { processes, "sig hndl", "sig-handler", "" },
		  { processes, "prot fault", "prot-fault", "shared-file-write" },
		  { processes, "prot - catch", "prot-fault", "less-catch" },
		  { processes, "page fault", "file-fault", "shared-file-read" },
		  { processes, "page per pg", "file-fault", "per-page" },
		  { processes, "fork proc", "fork-exit", "" },
		  { processes, "exec proc", "fork-exec", "static-hello" },
		  { processes, "exec dyn", "fork-exec", "dynamic-hello" },
		  { processes, "sh proc", "fork-sh", "sh-c-hello" },
		  { processes, "sh dyn", "fork-sh", "dynamic-hello" },
		  { switches, "2p/0K", "ctxsw-0k", "" },
		  { switches, "2p/16K", "ctxsw-16k", "" },
		  { latencies, "pipe", "pipe", "" },
		  { latencies, "AF UNIX", "unix", "" },
		  { latencies, "UDP", "udp", "" },
		  { latencies, "TCP", "tcp", "" },
		  { latencies, "TCP conn", "tcp-connect", "" },
		  { files, "0K create", "file-create-0k", "" },
		  { files, "0K delete", "file-delete-0k", "" },
		  { files, "10K create", "file-create-10k", "" },
		  { files, "10K delete", "file-delete-10k", "" },
		  { files, "mmap lat", "mmap", "" },
		  { bandwidths, "pipe", "bw-pipe", "" },
		  { bandwidths, "AF UNIX", "bw-unix", "" },
		  { bandwidths, "TCP", "bw-tcp", "" },
		  { bandwidths, "file reread", "bw-file-reread", "" },
		  { bandwidths, "mmap reread", "bw-mmap-reread", "" },
		  { bandwidths, "mem read", "bw-mem-read", "sum-64k" },
		  { bandwidths, "mem whole", "bw-mem-read", "whole-64m" },
		  { bandwidths, "mem write", "bw-mem-write", "store-64k" },
		  { bandwidths, "mem wr whole", "bw-mem-write", "whole-64m" },
	  } },
	{ "gates",
	  "function call, system call 500 and getppid, the VM exit fast path, allocation, side "
	  "by side in cycles: the FlexOS gate figure",
	  Layout::gates,
	  {
		  { "Gates (cycles)", "function call", "funccall", "" },
		  { "Gates (cycles)", "syscall 500", "syscall", "" },
		  { "Gates (cycles)", "getppid", "getppid", "" },
		  { "Gates (cycles)", "VMCALL/VMMCALL, guest kernel", "vmexit", "vmcall/kernel" },
		  { "Gates (cycles)", "VMCALL/VMMCALL, guest user", "vmexit", "vmcall/user" },
		  { "Gates (cycles)", "CPUID, guest kernel", "vmexit", "cpuid/kernel" },
		  { "Gates (cycles)", "CPUID, guest user", "vmexit", "cpuid/user" },
		  { "Allocation (cycles)", "", "alloc", "" },
	  } },
	{ "syscall",
	  "system call 500 against a function call: average, median, q1 and q3 in cycles and "
	  "ns, the Unikraft table",
	  Layout::quartiles,
	  {
		  { "", "syscall 500", "syscall", "" },
		  { "", "function call", "funccall", "" },
	  } },
};

} // namespace

std::span<const Suite> suites()
{
	return table;
}

const Suite *find_suite(std::string_view name)
{
	for (const auto &s : table)
		if (s.name == name)
			return &s;
	return nullptr;
}

std::vector<const Suite *> select_suites(std::string_view spec)
{
	std::vector<const Suite *> out;
	for (std::string_view name : comma_items(spec)) {
		const Suite *s = find_suite(name);
		if (!s) {
			std::string known;
			for (const auto &k : table)
				append_item(known, ", ", k.name);
			throw bad_input(fmt::format("unknown suite '{}'", name),
					"name one of " + known + " (a comma list runs several)");
		}
		if (std::find(out.begin(), out.end(), s) == out.end())
			out.push_back(s);
	}
	return out;
}

std::string crossing_list(const std::vector<const Suite *> &chosen)
{
	std::vector<std::string_view> names;
	for (const Suite *s : chosen)
		for (const auto &r : s->rows)
			if (std::find(names.begin(), names.end(), r.crossing) == names.end())
				names.push_back(r.crossing);
	std::string out;
	for (auto n : names)
		append_item(out, ",", n);
	return out;
}

namespace {

// What a run's label can be made of, each a short text per run.
std::string kernel_release(const Report &r)
{
	const auto &k = r.meta.value("/conditions/kernel/release"_json_pointer, nlohmann::json());
	return k.is_string() ? k.get<std::string>() : "";
}

std::string kpti_text(const Report &r)
{
	const auto &k = r.meta.value("/conditions/kpti/enabled"_json_pointer, nlohmann::json());
	return k.is_boolean() ? (k.get<bool>() ? "KPTI on" : "KPTI off") : "";
}

std::string mitigations_text(const Report &r)
{
	const auto &c = r.meta.value("/conditions/kernel/cmdline"_json_pointer, nlohmann::json());
	if (!c.is_string())
		return "";
	auto m = cmdline_param(c.get<std::string>(), "mitigations");
	return m ? "mitigations=" + *m : "";
}

// What a run's results tell of its kernel, as their crossings' rows read
// them (syscall: whether it has xperf's system call).
std::string kernel_text(const Report &r)
{
	for (const auto &res : r.results)
		if (const Crossing *c = find_crossing(res.crossing); c && c->label)
			if (std::string l = c->label(res); !l.empty())
				return l;
	return "";
}

std::string given_label(const Report &r)
{
	auto l = r.meta.value("label", nlohmann::json());
	return l.is_string() ? l.get<std::string>() : "";
}

} // namespace

std::vector<std::string> column_labels(const std::vector<Column> &columns,
				       const std::vector<std::string> &given)
{
	std::vector<std::string> out(columns.size());
	using Part = std::string (*)(const Report &);
	const Part parts[] = { given_label, kernel_release, kernel_text, kpti_text,
			       mitigations_text };
	// A part names the columns when it tells at least two of them apart;
	// the first run of each column speaks for it.
	for (Part p : parts) {
		std::vector<std::string> v;
		for (const auto &col : columns)
			v.push_back(col.runs.empty() ? "" : p(col.runs.front()));
		bool differs = std::any_of(v.begin(), v.end(), [&](const auto &x) { return x != v[0]; });
		if (!differs)
			continue;
		for (std::size_t j = 0; j < out.size(); j++)
			append_item(out[j], ", ", v[j].empty() ? "?" : v[j]);
		if (p == given_label)
			break; // the user's own words stand alone
	}
	for (std::size_t j = 0; j < out.size(); j++) {
		if (j < given.size() && !given[j].empty())
			out[j] = given[j];
		else if (out[j].empty())
			out[j] = columns[j].label.empty() ? std::string(1, static_cast<char>('A' + j))
							  : columns[j].label;
	}
	return out;
}

namespace {

// The rows of c that a suite row shows, in c's order.
std::vector<const CompareRow *> rows_for(const Comparison &c, const SuiteRow &sr)
{
	std::vector<const CompareRow *> out;
	for (const auto &r : c.rows)
		if (r.crossing == sr.crossing && (sr.variant.empty() || r.variant == sr.variant))
			out.push_back(&r);
	return out;
}

// A suite row's label, and which of its crossing's variants this line is
// when it has several: the variant's last word after a slash when every
// variant shown shares what comes before it (the placements of a
// communication entry: "pipe (other-cpu)"), else the whole variant.
std::string row_label(const SuiteRow &sr, const CompareRow &r,
		      const std::vector<const CompareRow *> &of)
{
	if (sr.label.empty())
		return r.crossing + " " + r.variant;
	if (of.size() <= 1)
		return std::string(sr.label);
	auto stem = [](std::string_view v) {
		auto slash = v.rfind('/');
		return slash == std::string_view::npos ? std::string_view() : v.substr(0, slash);
	};
	std::string_view shared = stem(r.variant);
	bool same = !shared.empty() && std::all_of(of.begin(), of.end(), [&](const CompareRow *o) {
		return stem(o->variant) == shared;
	});
	return fmt::format("{} ({})", sr.label,
			   same ? r.variant.substr(shared.size() + 1) : r.variant);
}

// Half the 95 % interval, in percent of the value; "~" when noise was
// flagged in the cell.
TableValue plus_minus(const Cell &cell)
{
	const Estimate &e = cell.figure;
	TableValue v = e.value == 0 || e.df <= 0
			       ? TableValue{ "?", "" }
			       : TableValue::number(50 * (e.ci95().hi - e.ci95().lo) / std::fabs(e.value), 1,
						    "%", "±");
	return v.marked(noise_mark(cell));
}

TableValue noise_words(const std::optional<Cell> &cell)
{
	std::string words;
	if (cell)
		for (const auto &k : cell->noise)
			append_item(words, " ", k);
	return TableValue::text(words);
}

// A column's figure and its interval: the figure's value, "±" with its
// half-interval in percent (priority 2), and, in CSV, the noise's words.
void figure_columns(std::vector<TableColumn> &cols, const Comparison &c, std::size_t j)
{
	const std::string &l = c.labels[j];
	cols.push_back({ l + warned_mark(c, j), Align::right, 0, Shown::all, l });
	cols.push_back({ "±95%", Align::right, 2, Shown::all, l + " ci95 half percent" });
	cols.push_back({ "noise", Align::right, 0, Shown::csv, l + " noise" });
}

// Later column j against the first: overhead in percent, its interval,
// and whether it stands out of the noise; "*" when divided by the control
// (in CSV a column of its own).
void overhead_columns(std::vector<TableColumn> &cols, const std::string &vs)
{
	cols.push_back({ vs, Align::right, 0, Shown::all, vs + " percent" });
	cols.push_back({ "95% CI", Align::right, 3, Shown::display });
	cols.push_back({ "ci95_lo", Align::right, 0, Shown::csv, vs + " ci95 lo percent" });
	cols.push_back({ "ci95_hi", Align::right, 0, Shown::csv, vs + " ci95 hi percent" });
	cols.push_back({ "differs", Align::right, 1, Shown::all, vs + " differs" });
	cols.push_back({ "normalised", Align::right, 0, Shown::csv, vs + " divided by the control" });
}

void add_overhead(std::vector<TableValue> &fields, const CompareRow &r, std::size_t j)
{
	if (!r.against[j]) {
		fields.insert(fields.end(), { TableValue::none(), TableValue{}, TableValue{},
					      TableValue{}, TableValue{}, TableValue{} });
		return;
	}
	const Difference &d = r.against[j]->finding();
	bool normalised = r.against[j]->normalised.has_value();
	auto percent = [](double x) { return TableValue::number(100 * x, 1, "%", "", true); };
	fields.push_back(percent(d.ratio - 1).marked(normalised ? "*" : ""));
	TableValue lo = d.known ? percent(d.ratio_ci.lo - 1) : TableValue{ "n/a", "" };
	TableValue hi = d.known ? percent(d.ratio_ci.hi - 1) : TableValue{ "n/a", "" };
	fields.push_back(d.known ? TableValue{ fmt::format("[{}, {}]", lo.display, hi.display), "" }
				 : TableValue{ "n/a", "" });
	fields.push_back(lo);
	fields.push_back(hi);
	fields.push_back(TableValue::text(!d.known ? "?" : d.significant ? "yes" : "no"));
	fields.push_back(TableValue::text(normalised ? "yes" : "no"));
}

// A figure in the LMBench layout's unit: cycles, MB/s for a bandwidth, else
// µs with three significant digits (whole ones from 100 µs).
TableValue lmbench_value(const Cell &cell, bool cycles, double bytes)
{
	double ns = cell.figure.value * cell.ns_per_cycle;
	if (cycles)
		return TableValue::number(cell.figure.value, 1);
	if (bytes > 0)
		return TableValue::number(ns > 0 ? bytes / ns * 1e3 : 0.0, 0);
	return ns >= 1e5 ? TableValue::number(ns / 1e3, 0) : TableValue::significant(ns / 1e3, 3);
}

Table lmbench_table(const Suite &s, const Comparison &c, const std::vector<std::string> &labels,
		    bool cycles)
{
	std::vector<TableColumn> heads{ { "entry", Align::left } };
	for (std::size_t j = 0; j < labels.size(); j++)
		figure_columns(heads, c, j);
	for (std::size_t j = 1; j < labels.size(); j++)
		overhead_columns(heads, labels[j] + " vs " + labels[0]);
	Table t(std::move(heads));
	std::string_view section;
	for (const auto &sr : s.rows) {
		auto rows = rows_for(c, sr);
		if (rows.empty())
			continue;
		if (sr.section != section) {
			t.add_section(std::string(sr.section));
			section = sr.section;
		}
		for (const CompareRow *r : rows) {
			std::vector<TableValue> fields{ TableValue::text(row_label(sr, *r, rows)) };
			double bytes = cycles ? 0 : r->bytes_per_iteration.value_or(0);
			for (const auto &cell : r->cells) {
				if (!cell) {
					fields.insert(fields.end(),
						      { TableValue::none(), TableValue{}, TableValue{} });
					continue;
				}
				fields.push_back(lmbench_value(*cell, cycles, bytes));
				fields.push_back(plus_minus(*cell));
				fields.push_back(noise_words(cell));
			}
			for (std::size_t j = 1; j < labels.size(); j++)
				add_overhead(fields, *r, j);
			t.add_row(std::move(fields));
		}
	}
	return t;
}

// The median over a column's runs of one statistic of the row's result.
double column_stat(const Column &col, const CompareRow &r, double Stats::*stat, bool ns)
{
	std::vector<double> v;
	for (const auto &run : col.runs)
		if (const Result *res = find_result(run, r.crossing, r.variant))
			v.push_back((ns ? res->stats_ns : res->stats).*stat);
	if (v.empty())
		return std::nan("");
	std::sort(v.begin(), v.end());
	std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Table quartiles_table(const Suite &s, const Comparison &c, const std::vector<Column> &columns,
		      const std::vector<std::string> &labels)
{
	std::vector<TableColumn> heads{ { "run", Align::left }, { "call", Align::left } };
	// The ns figures go first when the text is narrow; then q1 and q3.
	for (const char *unit : { "cycles", "ns" })
		for (const char *stat : { "avg", "median", "q1", "q3" }) {
			bool quartile = stat[0] == 'q';
			int priority = std::string_view(unit) == "ns" ? (quartile ? 4 : 3)
								       : (quartile ? 2 : 0);
			heads.push_back({ fmt::format("{} {}", stat, unit), Align::right, priority });
		}
	heads.push_back({ "median ±95%", Align::right, 1, Shown::all, "median ci95 half percent" });
	heads.push_back({ "noise", Align::right, 0, Shown::csv });
	// A later run's median against the first's, as the LMBench layout has it.
	if (columns.size() > 1)
		overhead_columns(heads, "vs " + labels[0]);
	Table t(std::move(heads));
	for (std::size_t j = 0; j < columns.size(); j++)
		for (const auto &sr : s.rows) {
			auto rows = rows_for(c, sr);
			for (const CompareRow *r : rows) {
				if (!r->cells[j])
					continue;
				std::vector<TableValue> fields{
					TableValue{ labels[j] + warned_mark(c, j), labels[j] },
					TableValue::text(row_label(sr, *r, rows))
				};
				for (bool ns : { false, true })
					for (double Stats::*stat : { &Stats::mean, &Stats::median,
								     &Stats::q1, &Stats::q3 })
						fields.push_back(TableValue::number(
							column_stat(columns[j], *r, stat, ns), 1));
				fields.push_back(plus_minus(*r->cells[j]));
				fields.push_back(noise_words(r->cells[j]));
				if (columns.size() > 1)
					add_overhead(fields, *r, j);
				t.add_row(std::move(fields));
			}
		}
	return t;
}

} // namespace

std::string render_suite(const Suite &s, const Comparison &c, const std::vector<Column> &columns,
			 TableForm f, std::size_t width, Detail detail)
{
	const std::vector<std::string> &labels = c.labels;
	Table t = s.layout == Layout::quartiles ? quartiles_table(s, c, columns, labels)
						: lmbench_table(s, c, labels, s.layout == Layout::gates);
	std::string out;
	if (f == TableForm::text)
		out += fmt::format("{}: {}\n\n", s.name, s.description);
	else if (f == TableForm::markdown)
		out += fmt::format("**{}**: {}\n\n", s.name, s.description);
	out += t.write(f, width);
	if (f == TableForm::csv || detail == Detail::quiet)
		return out;
	std::string notes;
	if (s.layout != Layout::quartiles && labels.size() > 1)
		notes += detail == Detail::verbose
				 ? "overhead: the later column's time per iteration against the "
				   "first's, in percent (for a bandwidth: its time per byte); differs: "
				   "whether that stands out of the noise\n"
				 : "overhead: time per iteration (per byte for a bandwidth) against the "
				   "first column\n";
	notes += render_comparison_notes(c, detail);
	if (f == TableForm::markdown) {
		// Notes as a list, so that Markdown keeps their lines.
		std::string md;
		std::istringstream in(notes);
		for (std::string line; std::getline(in, line);)
			md += line.empty() ? "\n" : "- " + line + "\n";
		notes = md;
	}
	return out + "\n" + notes;
}

} // namespace xperf
