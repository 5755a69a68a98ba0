#include "cli.h"

#include "compare.h"
#include "conditions.h"
#include "host_setup.h"
#include "output_file.h"
#include "registry.h"
#include "report.h"
#include "run_context.h"
#include "tsc.h"
#include "verify/verify_run.h"
#include "vmexit/six.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

namespace xperf {

namespace {

enum class Format { table, json, csv };

struct Args {
	Options opt;
	std::string crossing = "all";
	bool list = false;
	bool json = false, csv = false, no_raw = false;
	std::string output;
	std::string compare_a, compare_b;
	std::string verify; // "", "on" or "strict"
};

constexpr int exit_bad_input = 2;
constexpr int exit_failed = 1;

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

// Sends text to -o FILE (opened before any work, replaced whole) or stdout.
class Sink {
public:
	Sink(const std::string &path, std::ostream &out) : out_(out)
	{
		if (!path.empty())
			file_ = std::make_unique<OutputFile>(path);
	}
	void write(const std::string &text)
	{
		if (file_)
			file_->commit(text);
		else
			out_ << text << std::flush;
	}

private:
	std::ostream &out_;
	std::unique_ptr<OutputFile> file_;
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

int run_measure(const Args &a, Format fmt_kind, std::ostream &out, std::ostream &err)
{
	auto selected = select_crossings(a.crossing); // invalid_argument: bad input
	Sink sink(a.output, out);		      // runtime_error: bad input

	RunContext ctx;
	ctx.opt = a.opt;
	ctx.cpu = pin_to_cpu(a.opt.cpu); // invalid_argument: bad input
	std::string locked = lock_memory();

	Report rep;
	ctx.tsc = tsc_info();
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
	rep.meta["conditions"] = read_conditions();
	rep.meta["run"] = { { "cpu", ctx.cpu },
			    { "samples_per_round", a.opt.samples },
			    { "warmup", a.opt.warmup },
			    { "rounds", a.opt.rounds },
			    { "memory", locked },
			    { "started_utc", utc_now() } };
	rep.meta["warnings"] = warnings;

	std::unique_ptr<verify::Tracer> tracer;
	if (a.opt.verify != Options::Verify::off) {
		try {
			tracer = std::make_unique<verify::Tracer>(ctx.cpu);
		} catch (const verify::Unavailable &e) {
			err << "xperf-user: " << e.what() << "\n";
			return exit_failed;
		}
		rep.meta["verify"] = verify::tracer_json(*tracer);
	}
	std::vector<std::string> mismatches;
	for (const Crossing *c : selected) {
		try {
			verify::Verified v;
			if (tracer)
				v = verify::run_verified(*c, ctx, *tracer);
			else
				v.results = c->run(ctx);
			for (auto &r : v.results)
				rep.results.push_back(std::move(r));
			mismatches.insert(mismatches.end(), v.mismatches.begin(), v.mismatches.end());
		} catch (const std::invalid_argument &e) {
			// What the crossing needs is missing here (/dev/kvm, QEMU, ...).
			err << fmt::format("xperf-user: crossing {}: {}\n", c->name, e.what());
			return exit_bad_input;
		} catch (const std::exception &e) {
			err << fmt::format("xperf-user: crossing {} failed: {}\n", c->name, e.what());
			return exit_failed;
		}
	}
	sink.write(render(fmt_kind, render_table(rep), report_to_json(rep, !a.no_raw),
			  render_csv(rep)));
	if (a.opt.verify == Options::Verify::strict && !mismatches.empty()) {
		for (const auto &m : mismatches)
			err << "xperf-user: --verify=strict: " << m << "\n";
		return exit_failed;
	}
	return 0;
}

int run_compare(const Args &a, Format fmt_kind, std::ostream &out)
{
	Report ra = load_report(a.compare_a); // ReportError: bad input
	Report rb = load_report(a.compare_b);
	Sink sink(a.output, out);
	Comparison c = compare_reports(ra, rb);
	if (fmt_kind == Format::csv)
		throw std::invalid_argument("compare writes a table or --json, not --csv");
	sink.write(render(fmt_kind, render_comparison(c, a.compare_a, a.compare_b),
			  comparison_to_json(c), ""));
	return 0;
}

} // namespace

int run_cli(int argc, char **argv, std::ostream &out, std::ostream &err)
{
	Args a;
	CLI::App app{ "xperf-user: measure what a privilege crossing costs (system call, page "
		      "fault, VM exit), in cycles and nanoseconds, with the conditions it was "
		      "taken under.",
		      "xperf-user" };
	app.set_version_flag("--version", std::string("xperf ") + XPERF_VERSION);
	// A later option overrides an earlier one, so that scripts can append
	// to a default command line (the guest harness does).
	app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
	app.add_option("-c,--crossing", a.crossing,
		       "crossings to measure: a name, a comma list, or all (see --list)")
		->capture_default_str();
	app.add_flag("--list", a.list, "list the crossings and exit");
	app.add_option("-n,--samples", a.opt.samples, "timed iterations per round")
		->check(CLI::Range(std::size_t{ 1 }, std::size_t{ 100000000 }))
		->capture_default_str();
	app.add_option("--warmup", a.opt.warmup, "untimed iterations before sampling")
		->check(CLI::Range(std::size_t{ 0 }, std::size_t{ 100000000 }))
		->capture_default_str();
	app.add_option("--rounds", a.opt.rounds, "rounds; drift between them is reported")
		->check(CLI::Range(1u, 1000u))
		->capture_default_str();
	app.add_option("--cpu", a.opt.cpu, "CPU to pin to (default: the one we start on)")
		->check(CLI::Range(0, CPU_SETSIZE - 1));
	app.add_option("--batch", a.opt.batch,
		       "time this many crossings as one (default: 1, funccall 1000)")
		->check(CLI::Range(std::size_t{ 1 }, std::size_t{ 1000000 }));
	app.add_option("--ci-width", a.opt.ci_width,
		       "adaptive: sample until the median's 95% CI is narrower than this "
		       "fraction of the median (e.g. 0.01)")
		->check(CLI::Range(0.0001, 1.0));
	app.add_option("--max-samples", a.opt.max_samples, "adaptive sampling stops here")
		->check(CLI::Range(std::size_t{ 1 }, std::size_t{ 100000000 }))
		->capture_default_str();
	app.add_option("--exit", a.opt.vm_exit, "vmexit: cpuid, rdmsr, vmcall, pio or all")
		->check(CLI::IsMember({ "cpuid", "rdmsr", "vmcall", "pio", "all" }))
		->capture_default_str();
	app.add_option("--from", a.opt.vm_from,
		       "vmexit: where round trips start, a comma list: user (guest CPL3 "
		       "executes the instruction), user-via-kernel (CPL3 asks the guest "
		       "kernel), kernel, or all")
		->check([](const std::string &spec) {
			try {
				froms_mask(spec);
				return std::string();
			} catch (const std::invalid_argument &e) {
				// CLI11 names the option itself.
				std::string why = e.what();
				return why.substr(why.rfind("--from: ", 0) == 0 ? 8 : 0);
			}
		})
		->capture_default_str();
	app.add_option("--vmm", a.opt.vmm,
		       "vmexit: builtin (KVM API), qemu, or guest (xperf-user runs inside a "
		       "Linux guest with xperf.ko: the hypervisor running it is the VMM)")
		->check(CLI::IsMember({ "builtin", "qemu", "guest" }))
		->capture_default_str();
	app.add_flag("--verify{on}", a.verify,
		     "trace each crossing with eBPF and report the path every iteration took "
		     "(needs root); --verify=strict: a mismatch is exit status 1")
		->check(CLI::IsMember({ "on", "strict" }));
	auto *json = app.add_flag("--json", a.json, "write the JSON document");
	auto *csv = app.add_flag("--csv", a.csv, "write CSV");
	json->excludes(csv);
	app.add_flag("--no-raw", a.no_raw, "leave per-iteration samples out of the JSON");
	app.add_option("-o,--output", a.output, "write to FILE (replaced whole, or not at all)");

	auto *cmp = app.add_subcommand("compare", "compare two --json results: A (before) "
						  "and B (after)");
	cmp->add_option("A", a.compare_a, "baseline result (JSON)")->required()->check(
		CLI::ExistingFile);
	cmp->add_option("B", a.compare_b, "result to compare (JSON)")->required()->check(
		CLI::ExistingFile);
	cmp->add_flag("--json", a.json, "write the comparison as JSON");
	cmp->add_option("-o,--output", a.output, "write to FILE");
	app.require_subcommand(0, 1);

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &) {
		out << app.help();
		return 0;
	} catch (const CLI::CallForAllHelp &) {
		out << app.help("", CLI::AppFormatMode::All);
		return 0;
	} catch (const CLI::CallForVersion &) {
		out << app.version() << "\n";
		return 0;
	} catch (const CLI::ParseError &e) {
		err << "xperf-user: " << e.what() << "\nrun 'xperf-user --help' for usage\n";
		return exit_bad_input;
	}

	a.opt.verify = a.verify.empty()	     ? Options::Verify::off
		       : a.verify == "strict" ? Options::Verify::strict
					      : Options::Verify::report;
	Format fmt_kind = a.json ? Format::json : a.csv ? Format::csv : Format::table;
	try {
		if (a.list) {
			for (const auto &c : crossings())
				out << fmt::format("{:<10} {}\n", c.name, c.description);
			return 0;
		}
		if (cmp->parsed())
			return run_compare(a, fmt_kind, out);
		return run_measure(a, fmt_kind, out, err);
	} catch (const ReportError &e) {
		err << "xperf-user: " << e.what()
		    << "\ncompare reads files written by 'xperf-user --json'\n";
		return exit_bad_input;
	} catch (const std::invalid_argument &e) {
		err << "xperf-user: " << e.what() << "\n";
		return exit_bad_input;
	} catch (const std::runtime_error &e) {
		// Output file problems reach here before any measuring.
		err << "xperf-user: " << e.what() << "\n";
		return exit_bad_input;
	}
}

} // namespace xperf
