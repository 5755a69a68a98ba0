#include "app/cli.h"

#include "app/compare.h"
#include "app/conditions.h"
#include "app/doctor.h"
#include "app/number_check.h"
#include "app/output_file.h"
#include "app/part_process.h"
#include "app/registry.h"
#include "app/report.h"
#include "app/result_reader.h"
#include "app/run_crossings.h"
#include "app/suites.h"
#include "app/verify_run.h"
#include "core/error.h"
#include "core/host_setup.h"
#include "core/run_context.h"
#include "core/samples_memory.h"
#include "core/text_list.h"
#include "core/tsc.h"
#include "core/version.h"
#include "crossings/os_scratch.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <unistd.h>

namespace xperf {

namespace {

enum class Format { table, json, csv };

// A suite's default precision: the median's 95 % interval within +/-2.5 %,
// adaptive rounds ending before 150 s (the OS suite's target is three
// minutes on two cores).
constexpr double suite_ci_width = 0.05;
constexpr double suite_time_limit_s = 150;

struct Args {
	Options opt;
	std::string crossing = "all";
	bool list = false;
	bool json = false, csv = false, no_raw = false;
	std::optional<std::string> output; // -o: none is standard output, "" no file
	std::vector<std::string> compare_columns; // a file, a comma list or a folder each
	std::string verify; // "", "on" or "strict"
	std::string suite;		    // suite NAME[,NAME...]
	std::vector<std::string> labels;    // --label: the run's, or compare's columns'
	std::string layout;		    // compare --suite: the table's layout
	bool markdown = false;
	bool verbose = false, quiet = false;
	Detail detail = Detail::normal;
	std::vector<std::string> report_files; // report FILE...
	bool long_run = false;
	bool version = false;
	std::optional<std::string> complete; // the hidden --complete OPTION
	bool dir_given = false;
	// Options given that this run may not use: the adaptive ones, and each
	// crossing's own with the crossing that reads it.
	std::vector<std::string> adaptive_given;
	std::vector<std::pair<std::string, std::string_view>> crossing_given;
	std::string doctor_root = "/";
	int doctor_cpu = -1;
	// A part of another run (part_process.h): its TSC, no meta of its own.
	bool part = false;
	double part_tsc_hz = 0;
	std::string part_tsc_source;
	// The run's first part's pilot (step, cost, target share), which
	// chose the batch of the crossing this part measures.
	std::vector<double> part_batch_pilot;
};

std::string render(Format f, const std::string &table, const nlohmann::json &json,
		   const std::string &csv)
{
	switch (f) {
	case Format::json:
		return json.dump(1) + "\n";
	case Format::csv:
		return csv;
	default:
		return table;
	}
}

// Writes what was asked for to standard output; a failed write (a full
// disk, a closed pipe with SIGPIPE ignored, a closed descriptor) is a
// failure with a message, never lost output and status 0.
void write_stdout(std::ostream &out, const std::string &text)
{
	errno = 0;
	out << text << std::flush;
	if (!out)
		throw failed(fmt::format("cannot write to standard output: {}",
					 errno ? std::strerror(errno) : "the stream failed"),
			     "the output is lost: write it to a file with -o, or fix what "
			     "standard output goes to");
}

// Sends text to -o FILE (checked before any work) or standard output; err
// hears what writing the file waits for.
class Sink {
public:
	Sink(const std::optional<std::string> &path, std::ostream &out, std::ostream &err)
		: out_(out)
	{
		if (path)
			file_.emplace(*path, &err);
	}
	void write(const std::string &text)
	{
		if (file_)
			file_->commit(text);
		else
			write_stdout(out_, text);
	}
	bool to_stdout() const { return !file_; }
	const OutputFile *file() const { return file_ ? &*file_ : nullptr; }

private:
	std::ostream &out_;
	std::optional<OutputFile> file_;
};

std::string utc_now()
{
	std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

nlohmann::json tsc_meta(const TscInfo &tsc, double calibrated_hz)
{
	return { { "hz", tsc.hz },
		 { "source", tsc.source },
		 { "invariant", tsc.invariant },
		 { "calibrated_hz", calibrated_hz } };
}

void fill_meta(const Args &a, RunContext &ctx, const std::string &locked, Report &rep)
{
	double calibrated = tsc_calibrate_hz(100);
	rep.meta["tsc"] = tsc_meta(ctx.tsc, calibrated);
	nlohmann::json warnings = nlohmann::json::array();
	if (ctx.tsc.source != "calibrated-monotonic-raw" &&
	    std::fabs(calibrated - ctx.tsc.hz) / ctx.tsc.hz > 0.01) {
		warnings.push_back(fmt::format("CPUID TSC frequency {:.1f} MHz disagrees with "
					       "calibration {:.1f} MHz; using the calibrated one",
					       ctx.tsc.hz / 1e6, calibrated / 1e6));
		ctx.tsc.hz = calibrated;
		ctx.tsc.source = "calibrated-monotonic-raw";
		rep.meta["tsc"] = tsc_meta(ctx.tsc, calibrated);
	}
	if (!ctx.tsc.invariant)
		warnings.push_back("TSC is not invariant (CPUID 0x80000007 EDX[8]): cycle counts "
				   "may not be time");
	// One reading of the machine, for the conditions and the doctor's checks.
	const MachineSnapshot machine = read_machine();
	rep.meta["conditions"] = conditions_json(machine);
	rep.meta["run"] = { { "cpu", ctx.cpu },
			    { "placement", a.opt.placement },
			    { "samples_per_round", a.opt.samples },
			    { "warmup", a.opt.warmup },
			    { "rounds", a.opt.rounds },
			    { "span_s", a.opt.span_s },
			    { "ci_width", a.opt.ci_width },
			    { "max_rounds", a.opt.max_rounds },
			    { "time_limit_s", a.opt.time_limit_s },
			    { "part_processes", a.opt.part_processes },
			    { "memory", locked },
			    { "started_utc", utc_now() } };
	rep.meta["warnings"] = warnings;
	// What xperf-user doctor warns about here: the table and compare show
	// it beside the figures, never hidden.
	nlohmann::json warned = nlohmann::json::array();
	try {
		for (const Finding &f : run_doctor(doctor_input(machine, ctx.cpu)))
			if (f.verdict == Verdict::warn)
				warned.push_back(
					{ { "check", f.check }, { "found", f.found }, { "fix", f.fix } });
	} catch (const Error &e) {
		rep.meta["warnings"].push_back("the doctor's checks did not run: " + e.reason());
	}
	rep.meta["warned"] = warned;
}

// The options given that this run does not use, each in a sentence: they
// change nothing, and a user who gave one expects them to.
std::vector<std::string> unused_options(const Args &a, const std::vector<Selected> &selected)
{
	std::vector<std::string> out;
	for (const std::string &name : a.adaptive_given)
		out.push_back(fmt::format("{} applies to adaptive runs only (--ci-width, or a suite): "
					  "ignored",
					  name));
	for (const auto &[flag, crossing] : a.crossing_given)
		if (std::none_of(selected.begin(), selected.end(),
				 [&](const Selected &s) { return s.crossing->name == crossing; }))
			out.push_back(fmt::format("{} applies to {} only, which this run does not "
						  "measure: ignored",
						  flag, crossing));
	return out;
}

// Lines for Markdown: a list, so that it keeps them apart.
std::string markdown_list(const std::string &lines)
{
	std::string md;
	std::istringstream in(lines);
	for (std::string line; std::getline(in, line);)
		if (!line.empty())
			md += "- " + line + "\n";
	return md;
}

// A run for people, as text or Markdown: its table, or the table of each
// suite it ran (the full table too with -v), then what was found, once.
std::string render_run(const Report &rep, const std::vector<const Suite *> &chosen,
		       const std::vector<std::string> &labels, TableForm form, Detail detail)
{
	std::size_t width = text_width();
	// The default text fits the table's width, the lines under it too.
	auto fit = [&](const std::string &text) {
		return form == TableForm::text && detail == Detail::normal ? wrap_lines(text, width)
									   : text;
	};
	if (chosen.empty() && form == TableForm::text)
		return fit(render_table(rep, width, detail));
	std::string out;
	if (chosen.empty() || detail == Detail::verbose)
		out = form == TableForm::text ? render_table(rep, width, detail)
					      : results_table(rep).write(form, width);
	if (!chosen.empty()) {
		Column col;
		col.runs.push_back(rep);
		std::vector<Column> cols{ col };
		cols[0].label = column_labels(cols, labels).front();
		Comparison c = compare_columns(cols);
		for (const Suite *su : chosen) {
			if (!out.empty())
				out += "\n";
			out += render_suite(*su, c, cols, form, width,
					    detail == Detail::verbose ? detail : Detail::quiet);
		}
		if (detail == Detail::normal)
			out += "\n±95%: half the median's 95 % interval from its parts; ~: noise "
			       "flagged; !: warned conditions; -v: every detail\n";
	}
	if (detail == Detail::quiet || (detail == Detail::verbose && !chosen.empty()))
		return out;
	std::string findings = render_findings(rep, detail);
	if (form == TableForm::markdown)
		return out + "\n" + markdown_list(findings);
	return fit(out + findings);
}

int run_measure(const Args &a, Format fmt_kind, std::ostream &out, std::ostream &err)
{
	// Everything the user can get wrong is found before measuring.
	std::vector<const Suite *> chosen;
	std::vector<Selected> selected;
	if (!a.suite.empty()) {
		chosen = select_suites(a.suite);
		selected = select_crossings(crossing_list(chosen));
		// A suite goes on without what this machine cannot run.
		for (auto &sel : selected)
			sel.named = false;
	} else {
		selected = select_crossings(a.crossing);
	}
	// The run carries the control; its parts measure what they are given.
	if (!a.part && std::none_of(selected.begin(), selected.end(), [](const Selected &s) {
		    return s.crossing == &control_crossing();
	    }))
		selected.push_back({ &control_crossing(), false });
	check_samples_memory(a.opt, selected.size(), available_memory());
	if (a.dir_given)
		check_scratch_dir(a.opt.scratch_dir);
	Sink sink(a.output, out, err);
	if (!a.part)
		for (const std::string &w : unused_options(a, selected))
			err << "xperf-user: warning: " << w << "\n";

	RunContext ctx;
	ctx.opt = a.opt;
	ctx.cpu = pin_to_cpu(a.opt.cpu);
	Report rep;
	std::vector<const Crossing *> to_run = runnable_crossings(selected, ctx, rep);
	std::string locked = lock_memory();
	if (a.part) {
		ctx.tsc.hz = a.part_tsc_hz;
		ctx.tsc.source = a.part_tsc_source;
		if (const auto &p = a.part_batch_pilot; p.size() == 3)
			ctx.opt.pilot_batch = choose_batch(p[0], p[1], p[2]);
		verify::Verified v = measure_run(to_run, ctx, nullptr);
		rep.results = std::move(v.results);
		sink.write(report_to_json(rep, true).dump() + "\n");
		return 0;
	}
	ctx.tsc = tsc_info();
	fill_meta(a, ctx, locked, rep);
	if (!chosen.empty()) {
		rep.meta["suite"] = nlohmann::json::array();
		for (const Suite *su : chosen)
			rep.meta["suite"].push_back(su->name);
	}
	if (!a.labels.empty())
		rep.meta["label"] = a.labels.front();

	std::unique_ptr<verify::Tracer> tracer;
	if (a.opt.verify != Options::Verify::off) {
		tracer = std::make_unique<verify::Tracer>(ctx.cpu);
		rep.meta["verify"] = verify::tracer_json(*tracer);
	}
	verify::Verified v;
	{
		Progress progress(STDERR_FILENO);
		v = measure_run(to_run, ctx, tracer.get(),
				part_processes_enabled() ? run_part_process : nullptr, &progress);
	}
	finish_crossings(to_run, v.results);
	rep.results = std::move(v.results);
	if (a.dir_given && std::none_of(rep.results.begin(), rep.results.end(), [](const Result &r) {
		    return r.detail.contains("scratch_in");
	    }))
		err << "xperf-user: warning: --dir: no entry of this run made files there (the file "
		       "entries of the OS suite do): it was not used\n";
	const std::vector<std::string> &mismatches = v.mismatches;
	// The table says it; other forms (and a file) say it here too.
	if (fmt_kind != Format::table || !sink.to_stdout())
		for (const auto &s : rep.skipped)
			err << fmt::format("xperf-user: skipped {}: {}\n", s.crossing,
					   s.remedy.empty() ? s.reason : s.reason + ": " + s.remedy);
	std::string table;
	if (fmt_kind == Format::table)
		table = render_run(rep, chosen, a.labels,
				   a.markdown ? TableForm::markdown : TableForm::text, a.detail);
	sink.write(render(fmt_kind, table, report_to_json(rep, !a.no_raw), render_csv(rep)));
	if (a.opt.verify == Options::Verify::strict && !mismatches.empty()) {
		for (const auto &m : mismatches)
			err << "xperf-user: --verify=strict: " << m << "\n";
		return exit_status(ErrorKind::failed);
	}
	return 0;
}

// A column's runs: FILE, FILE,FILE,..., or a folder of *.json (sorted).
std::vector<std::string> column_files(const std::string &arg)
{
	std::vector<std::string> files;
	std::error_code ec;
	if (std::filesystem::is_directory(arg, ec)) {
		for (const auto &e : std::filesystem::directory_iterator(arg, ec))
			if (e.path().extension() == ".json")
				files.push_back(e.path().string());
		std::sort(files.begin(), files.end());
		if (ec)
			throw bad_input(fmt::format("{}: {}", arg, ec.message()));
		if (files.empty())
			throw bad_input(fmt::format("{}: a folder without *.json results", arg),
					"give result files, a comma list of them, or a folder of them");
		return files;
	}
	for (std::string_view f : comma_items(arg)) {
		if (f.empty())
			throw bad_input(fmt::format("'{}': an empty file name in the list", arg),
					"separate the runs of one column with single commas");
		files.emplace_back(f);
	}
	return files;
}

int run_compare(const Args &a, Format fmt_kind, std::ostream &out, std::ostream &err)
{
	const Suite *layout = a.layout.empty() ? nullptr : select_suites(a.layout).front();
	if (a.labels.size() > a.compare_columns.size())
		throw bad_input(fmt::format("{} labels for {} columns", a.labels.size(),
					    a.compare_columns.size()),
				"give one --label per column, in their order");
	if (a.compare_columns.size() < 2)
		throw bad_input("compare needs two columns or more: the baseline and what to set "
				"against it",
				"xperf-user compare A.json B.json (a column: a file, a comma list or a "
				"folder of runs)");
	if (a.compare_columns.size() > 26)
		throw bad_input(fmt::format("{} columns: compare takes at most 26",
					    a.compare_columns.size()),
				"join the runs of one thing into one column (a comma list or a folder)");
	Sink sink(a.output, out, err); // a bad -o is refused before anything is read
	std::vector<Column> columns;
	for (std::size_t j = 0; j < a.compare_columns.size(); j++) {
		Column col;
		col.label = std::string(1, static_cast<char>('A' + j));
		col.files = column_files(a.compare_columns[j]);
		columns.push_back(std::move(col));
	}
	if (const OutputFile *f = sink.file())
		for (const Column &col : columns)
			for (const auto &name : col.files)
				if (f->is(name))
					throw bad_input(fmt::format("-o {} would overwrite {}, a file "
								    "to compare",
								    *a.output, name),
							"write the comparison to another file");
	for (Column &col : columns)
		for (const auto &f : col.files) {
			ResultFile rf = read_result_file(f);
			for (const auto &w : rf.warnings)
				err << "xperf-user: warning: " << w << "\n";
			col.runs.push_back(std::move(rf.report));
		}
	// A suite's table names its columns by the conditions that tell them
	// apart (or a run's own label); the plain comparison by letters, which
	// its legend explains. --label names them in either.
	std::vector<std::string> labels = layout ? column_labels(columns, a.labels) : a.labels;
	for (std::size_t j = 0; j < columns.size() && j < labels.size(); j++)
		if (!labels[j].empty())
			columns[j].label = labels[j];
	Comparison c = compare_columns(columns);
	if (layout && fmt_kind != Format::json) {
		TableForm tf = fmt_kind == Format::csv ? TableForm::csv
			       : a.markdown	       ? TableForm::markdown
						       : TableForm::text;
		sink.write(render_suite(*layout, c, columns, tf, text_width(), a.detail));
		return 0;
	}
	if (a.markdown) {
		std::string notes = render_comparison_notes(c, a.detail);
		sink.write(comparison_table(c).write(TableForm::markdown, 0) +
			   (notes.empty() ? "" : "\n" + markdown_list(notes)));
		return 0;
	}
	sink.write(render(fmt_kind, render_comparison(c, text_width(), a.detail),
			  comparison_to_json(c), comparison_table(c).write(TableForm::csv, 0)));
	return 0;
}

// report FILE...: saved runs again, each as its run printed it (a suite
// run with its suites' tables), or as one CSV with a file column.
int run_report(const Args &a, Format fmt_kind, std::ostream &out, std::ostream &err)
{
	Sink sink(a.output, out, err);
	std::vector<std::pair<std::string, Report>> runs;
	for (const auto &f : a.report_files) {
		if (const OutputFile *o = sink.file(); o && o->is(f))
			throw bad_input(fmt::format("-o {} would overwrite {}, a file to report",
						    *a.output, f),
					"write the report to another file");
		ResultFile rf = read_result_file(f);
		for (const auto &w : rf.warnings)
			err << "xperf-user: warning: " << w << "\n";
		runs.emplace_back(f, std::move(rf.report));
	}
	if (fmt_kind == Format::json)
		throw bad_input("report writes text, Markdown or CSV",
				"the saved files are the JSON: read them");
	if (fmt_kind == Format::csv) {
		std::string csv;
		for (std::size_t i = 0; i < runs.size(); i++) {
			std::string one = results_table(runs[i].second, runs[i].first)
						  .write(TableForm::csv, 0);
			csv += i == 0 ? one : one.substr(one.find('\n') + 1);
		}
		sink.write(csv);
		return 0;
	}
	TableForm form = a.markdown ? TableForm::markdown : TableForm::text;
	std::string text;
	for (const auto &[file, rep] : runs) {
		std::vector<const Suite *> chosen;
		if (auto s = rep.meta.find("suite"); s != rep.meta.end() && s->is_array())
			for (const auto &name : *s)
				if (name.is_string())
					if (const Suite *su = find_suite(name.get<std::string>()))
						chosen.push_back(su);
		if (runs.size() > 1)
			text += (text.empty() ? "" : "\n") +
				(form == TableForm::markdown ? "## " + file + "\n\n"
							     : "== " + file + "\n");
		text += render_run(rep, chosen, {}, form, a.detail);
	}
	sink.write(text);
	return 0;
}

int run_doctor_cli(const Args &a, Format fmt_kind, std::ostream &out, std::ostream &err)
{
	Sink sink(a.output, out, err);
	const MachineSnapshot machine = read_machine(a.doctor_root);
	DoctorInput m = doctor_input(machine, a.doctor_cpu >= 0 ? std::optional(a.doctor_cpu)
								: std::nullopt);
	std::vector<Finding> findings = run_doctor(m);
	std::string table = a.markdown ? doctor_table(findings).write(TableForm::markdown, 0)
				       : render_doctor_table(m, findings);
	sink.write(render(fmt_kind, table, doctor_to_json(m, findings),
			  doctor_table(findings).write(TableForm::csv, 0)));
	return 0;
}

// CLI11 transforms: an empty string, or what is wrong with the text; a good
// number is left in plain decimal, which CLI11 then reads (it would take 010
// for octal).
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max)
{
	return CLI::Validator(
		[min, max](std::string &text) { return check_whole_number(text, min, max); },
		fmt::format("{}..{}", min, max));
}

CLI::Validator real_number(double min, double max)
{
	return CLI::Validator(
		[min, max](std::string &text) { return check_real_number(text, min, max); },
		fmt::format("{}..{}", min, max));
}

int report_error(const Error &e, std::ostream &err)
{
	err << "xperf-user: " << e.what() << "\n";
	return exit_status(e.kind());
}

} // namespace

namespace {

// What the parse leaves to be read after it: which options were given, and
// which subcommand ran.
struct CliHandles {
	CLI::Option *samples = nullptr, *warmup = nullptr, *rounds = nullptr, *span = nullptr;
	CLI::Option *ci_width = nullptr, *time_limit = nullptr;
	CLI::Option *max_rounds = nullptr, *max_samples = nullptr, *dir = nullptr;
	std::vector<std::pair<CrossingOption, CLI::Option *>> crossing_options;
	bool one_process = false;
	CLI::App *suite = nullptr, *compare = nullptr, *doctor = nullptr, *report = nullptr;
};

// What and how to measure: the crossings, samples, rounds, placement and
// the VM-exit choices.
void add_measure_options(CLI::App &app, Args &a, CliHandles &h)
{
	app.add_option("-c,--crossing", a.crossing,
		       "crossings to measure: a name, a comma list, or all (see --list)")
		->capture_default_str();
	app.add_flag("--list", a.list, "list the crossings and exit");
	h.samples = app.add_option("-n,--samples", a.opt.samples,
					   "timed iterations per round (default: 3000, or the "
					   "entry's own for a slow one)")
				    ->transform(whole_number(1, 100000000));
	h.warmup = app.add_option("--warmup", a.opt.warmup,
					  "untimed iterations before sampling (default: 1000, or "
					  "the entry's own)")
				   ->transform(whole_number(0, 100000000));
	app.add_flag("--long", a.long_run,
		     "longer, tighter figures: 30 rounds over 30 s unless --rounds and --span "
		     "say otherwise");
	h.dir = app.add_option("--dir", a.opt.scratch_dir,
		       "where file entries make their files (default: $TMPDIR, else /dev/shm when it "
		       "is a tmpfs, else /tmp); its "
		       "file system is part of what they measure")
		->type_name("DIR");
	h.rounds = app.add_option("--rounds", a.opt.rounds,
		       "rounds: the independent parts of each figure, each in a process of its "
		       "own; the median's interval comes from the spread between them")
		->transform(whole_number(1, 1000))
		->capture_default_str();
	app.add_flag("--one-process", h.one_process,
		     "run every round in this process (parts then share its kernel stack, "
		     "task and pages, and the interval can be too narrow)");
	h.span = app.add_option("--span", a.opt.span_s,
		       "seconds over which each figure's rounds are spread (0: back to back); "
		       "noise that differs between runs moves this slowly")
		->transform(real_number(0, 3600))
		->capture_default_str();
	app.add_option("--cpu", a.opt.cpu, "CPU to pin to (default: the one we start on)")
		->transform(whole_number(0, CPU_SETSIZE - 1));
	app.add_option("--batch", a.opt.batch,
		       "time this many crossings as one (default: where the crossing can repeat "
		       "with no setup between, enough that the timer's step is at most 0.5% of "
		       "its cost; else 1)")
		->transform(whole_number(1, 1000000));
	h.ci_width = app.add_option("--ci-width", a.opt.ci_width,
		       "adaptive: after the rounds, more rounds of the entries whose median's 95% "
		       "interval is wider than this share of the median (0.05: +/-2.5%), until "
		       "each is within it (default: 0, off; a suite: 0.05)")
		->transform(real_number(0, 1.0));
	h.max_rounds = app.add_option("--max-rounds", a.opt.max_rounds,
				      "adaptive rounds stop here, per entry")
		->transform(whole_number(2, 100000))
		->capture_default_str();
	h.time_limit = app.add_option("--time-limit", a.opt.time_limit_s,
		       "adaptive rounds end before the run has taken this many seconds "
		       "(default: none; a suite: 150, with --long 450)")
		->transform(real_number(1, 86400));
	h.max_samples = app.add_option("--max-samples", a.opt.max_samples,
				       "adaptive sampling stops here")
		->transform(whole_number(1, 100000000))
		->capture_default_str();
	// Hidden: how a run starts each of its parts (part_process.h).
	app.add_flag("--part", a.part)->group("");
	app.add_option("--part-tsc-hz", a.part_tsc_hz)
		->transform(real_number(1e6, 1e11))
		->group("");
	app.add_option("--part-tsc-source", a.part_tsc_source)->group("");
	app.add_option("--part-batch-pilot", a.part_batch_pilot)->expected(3)->group("");
	// Hidden: the statistics benchmark's injected difference.
	app.add_option("--inject-adds", a.opt.inject_adds)
		->transform(whole_number(0, 1000000))
		->group("");
	for (const CrossingOption &c : crossing_options())
		h.crossing_options.emplace_back(c, app.add_option(c.flag, a.opt.*c.field, c.help)
							   ->check(c.problem, "", "")
							   ->capture_default_str());
	app.add_flag("--verify{on}", a.verify,
		     "trace each crossing with eBPF and report the path every iteration took "
		     "(needs root); --verify=strict: a mismatch is exit status 1")
		->check(CLI::IsMember({ "on", "strict" }));
}

// How much beside the tables: -v every note in full, -q the tables alone.
void add_detail_options(CLI::App &app, Args &a)
{
	auto *v = app.add_flag("-v,--verbose", a.verbose,
			       "every note, noise flag and condition in full under the table");
	app.add_flag("-q,--quiet", a.quiet, "the table alone")->excludes(v);
}

// How the results are written.
void add_output_options(CLI::App &app, Args &a)
{
	add_detail_options(app, a);
	auto *json = app.add_flag("--json", a.json, "write the JSON document");
	auto *csv = app.add_flag("--csv", a.csv, "write CSV");
	json->excludes(csv);
	app.add_flag("--no-raw", a.no_raw, "leave per-iteration samples out of the JSON");
	app.add_option("-o,--output", a.output,
		       "write to FILE: a regular file is replaced whole or not at all, keeping its "
		       "owner and mode; a device or FIFO is written in place");

}

// suite, compare and doctor.
void add_subcommands(CLI::App &app, Args &a, CliHandles &h)
{
	auto *suite = h.suite = app.add_subcommand(
		"suite", "run a suite and show its table: os (LMBench's OS summary), gates (the "
			 "FlexOS gate figure), syscall (the Unikraft table); the measuring options "
			 "apply");
	suite->add_option("NAME", a.suite, "a suite, or a comma list of them")->required();
	suite->add_option("--label", a.labels,
			  "the run's name in tables and plots (default: made from its conditions)")
		->allow_extra_args(false);
	suite->add_flag("--markdown", a.markdown, "write the suite's table as Markdown");
	suite->fallthrough();

	h.compare = app.add_subcommand(
		"compare", "compare --json results: the first column is the baseline, each later "
			   "one is set against it");
	h.compare->add_option("COLUMN", a.compare_columns,
			"a result file, or the runs of one thing: a comma list of files or a "
			"folder of *.json")
		->required()
		->expected(2, 26);
	h.compare->add_flag("--json", a.json, "write the comparison as JSON");
	h.compare->add_option("--suite", a.layout,
			"write the table in this suite's layout: os, gates or syscall (default: "
			"the plain comparison)");
	h.compare->add_option("--label", a.labels,
			"a column's name, once per column in their order (default: made from "
			"what differs between their conditions)")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
		->allow_extra_args(false);
	h.compare->add_flag("--markdown", a.markdown, "write the table as Markdown");
	h.compare->add_flag("--csv", a.csv, "write the table as CSV: plain values, no marks")
		->excludes("--markdown");
	add_detail_options(*h.compare, a);
	h.compare->add_option("-o,--output", a.output, "write to FILE, as the measuring -o does");

	h.report = app.add_subcommand(
		"report", "print saved --json runs again: each as its run printed it (a suite "
			  "run with its suites' tables), as Markdown, or all as one CSV");
	h.report->add_option("FILE", a.report_files, "a result file written by --json")
		->required()
		->expected(1, -1)
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	h.report->add_flag("--markdown", a.markdown, "write the tables as Markdown");
	h.report->add_flag("--csv", a.csv, "write one CSV of every run's results, with a file column")
		->excludes("--markdown");
	add_detail_options(*h.report, a);
	h.report->add_option("-o,--output", a.output, "write to FILE, as the measuring -o does");

	h.doctor = app.add_subcommand("doctor", "check what on this machine moves the figures: "
						 "ok, warn (with the fix) or unknown; status 0 "
						 "whatever it finds");
	h.doctor->add_option("--cpu", a.doctor_cpu, "the measuring CPU (default: the one we start on)")
		->transform(whole_number(0, CPU_SETSIZE - 1));
	h.doctor->add_option("--root", a.doctor_root,
			"read proc/ and sys/ below DIR instead of / (a captured tree)")
		->type_name("DIR")
		->capture_default_str();
	h.doctor->add_flag("--json", a.json, "write the checks as JSON");
	h.doctor->add_flag("--markdown", a.markdown, "write the checks as a Markdown table");
	h.doctor->add_flag("--csv", a.csv, "write the checks as CSV: plain values, the fix a column")
		->excludes("--markdown");
	h.doctor->add_option("-o,--output", a.output, "write to FILE, as the measuring -o does");
	app.require_subcommand(0, 1);

}

// The options that follow from others once the parse is done.
void settle_options(Args &a, const CliHandles &h)
{
	a.opt.part_processes = !h.one_process;
	a.detail = a.verbose ? Detail::verbose : a.quiet ? Detail::quiet : Detail::normal;
	a.opt.samples_given = h.samples->count() > 0;
	a.opt.warmup_given = h.warmup->count() > 0;
	if (a.long_run) {
		if (!h.rounds->count())
			a.opt.rounds = 30;
		if (!h.span->count())
			a.opt.span_s = 30;
	}
	// A suite's figures are each within a few percent unless the user
	// chose the rounds or the width: adaptive rounds for the entries that
	// need them, inside a time budget (the OS suite in under three minutes).
	if (!a.suite.empty() && !h.rounds->count() && !h.ci_width->count())
		a.opt.ci_width = suite_ci_width;
	if (!a.suite.empty() && !h.time_limit->count() && a.opt.ci_width > 0)
		a.opt.time_limit_s = a.long_run ? 3 * suite_time_limit_s : suite_time_limit_s;
	a.dir_given = h.dir->count() > 0;
	if (a.opt.ci_width == 0)
		for (const CLI::Option *o : { h.time_limit, h.max_rounds, h.max_samples })
			if (o->count())
				a.adaptive_given.push_back(o->get_name());
	for (const auto &[c, o] : h.crossing_options)
		if (o->count() && !c.crossing.empty())
			a.crossing_given.emplace_back(c.flag, c.crossing);
	a.opt.verify = a.verify.empty()	     ? Options::Verify::off
		       : a.verify == "strict" ? Options::Verify::strict
					      : Options::Verify::report;
}

// --list: the crossings, the OS suite's entries and the suites.
std::string list_text()
{
	std::string text;
	for (const auto &c : crossings())
		if (c.group == Group::crossing)
			text += fmt::format("{:<15} {}\n", c.name, c.description);
	text += "\nThe OS suite's entries (xperf-user suite os), measured when "
		"named:\n";
	for (const auto &c : crossings())
		if (c.group == Group::os)
			text += fmt::format("{:<15} {}\n", c.name, c.description);
	text += "\nSuites (xperf-user suite NAME):\n";
	for (const auto &su : suites())
		text += fmt::format("{:<15} {}\n", su.name, su.description);
	return text;
}

// --complete OPTION, for the bash completion: "list" when OPTION takes a
// comma list, else "one", then every value it takes, a line each. OPTION
// is an option that takes a choice, or suite (the subcommand's NAME).
std::string completion_text(const std::string &option)
{
	std::vector<std::string> values;
	bool list = false;
	if (option == "-c" || option == "--crossing") {
		for (const auto &c : crossings())
			values.emplace_back(c.name);
		values.emplace_back("all");
		list = true;
	} else if (option == "--suite" || option == "suite") {
		for (const auto &su : suites())
			values.emplace_back(su.name);
		list = option == "suite";
	} else if (option == "--verify") {
		values = { "on", "strict" };
	}
	for (const CrossingOption &c : crossing_options())
		if (option == c.flag) {
			values = c.values();
			list = c.list;
		}
	if (values.empty())
		throw bad_input("--complete: '" + option + "' takes no choice",
				"name an option that does, such as --exit");
	return fmt::format("{}\n{}\n", list ? "list" : "one", fmt::join(values, "\n"));
}

} // namespace

int run_cli(int argc, char **argv, std::ostream &out, std::ostream &err)
{
	Args a;
	CLI::App app{ "xperf-user: measure what a privilege crossing costs (system call, page "
		      "fault, VM exit), in cycles and nanoseconds, with the conditions it was "
		      "taken under.",
		      "xperf-user" };
	app.footer("Exit status: 0 done; 1 failed; 2 bad input or not available here, found "
		   "before any measuring; 3 an -o file written in place is damaged "
		   "(Documentation/output.rst).");
	// A flag read after the parse (CLI11's own version flag ends the parse
	// where it stands, so that --version --nope was status 0).
	app.add_flag("-V,--version", a.version, "print the version and exit");
	// Hidden: what the bash completion offers after an option.
	app.add_option("--complete", a.complete)->group("");
	// A later option overrides an earlier one, so that scripts can append
	// to a default command line (the guest harness does).
	app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
	CliHandles h;
	add_measure_options(app, a, h);
	add_output_options(app, a);
	add_subcommands(app, a, h);
	try {
		try {
			app.parse(argc, argv);
		} catch (const CLI::CallForHelp &) {
			write_stdout(out, app.help());
			return 0;
		} catch (const CLI::CallForAllHelp &) {
			write_stdout(out, app.help("", CLI::AppFormatMode::All));
			return 0;
		} catch (const CLI::ParseError &e) {
			return report_error(bad_input(e.what(), "run 'xperf-user --help' for usage"),
					    err);
		}
	} catch (const Error &e) {
		return report_error(e, err);
	}

	settle_options(a, h);
	Format fmt_kind = a.json ? Format::json : a.csv ? Format::csv : Format::table;
	try {
		if (a.version) {
			write_stdout(out, fmt::format("xperf {}\n", version()));
			return 0;
		}
		if (a.complete) {
			write_stdout(out, completion_text(*a.complete));
			return 0;
		}
		// suite '' names no suite (it is not --crossing's default).
		if (h.suite->parsed() && a.suite.empty())
			select_suites(a.suite);
		if (a.list) {
			write_stdout(out, list_text());
			return 0;
		}
		if (h.compare->parsed())
			return run_compare(a, fmt_kind, out, err);
		if (h.doctor->parsed())
			return run_doctor_cli(a, fmt_kind, out, err);
		if (h.report->parsed())
			return run_report(a, fmt_kind, out, err);
		return run_measure(a, fmt_kind, out, err);
	} catch (const Error &e) {
		return report_error(e, err);
	} catch (const std::bad_alloc &) {
		return report_error(failed("out of memory", "lower -n or --rounds"), err);
	} catch (const std::exception &e) {
		// Not an Error: nothing decided it was the user's to fix.
		return report_error(failed(e.what()), err);
	}
}

} // namespace xperf
