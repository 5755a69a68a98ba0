// The kind of an Error decides what a run does with a crossing and which
// exit status it ends with; the C++ class of an exception decides nothing.
#include "app/part_process.h"
#include "app/registry.h"
#include "app/run_crossings.h"
#include "core/error.h"

#include <fmt/format.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

using namespace xperf;

namespace {

std::vector<Result> throws_stray(const RunContext &)
{
	(void)std::stoi("not a number"); // std::invalid_argument
	return {};
}

std::vector<Result> throws_bad_alloc(const RunContext &)
{
	throw std::bad_alloc();
}

std::vector<Result> one_result(const RunContext &)
{
	Result r;
	r.crossing = "fine";
	r.variant = "plain";
	return { r };
}

void no_device(const RunContext &)
{
	throw unavailable("/dev/fake: missing", "load fake.ko");
}

void bad_option(const RunContext &)
{
	throw bad_input("--fake: too many");
}

const Crossing fine{ "fine", "runs anywhere", one_result };
const Crossing needs_device{ "device", "needs /dev/fake", one_result, no_device };
const Crossing picky{ "picky", "takes no such option", one_result, bad_option };

} // namespace

TEST(ErrorKind, ExitStatusFollowsTheKind)
{
	EXPECT_EQ(exit_status(ErrorKind::bad_input), 2);
	EXPECT_EQ(exit_status(ErrorKind::unavailable), 2);
	EXPECT_EQ(exit_status(ErrorKind::failed), 1);
	Error e = unavailable("/dev/kvm: missing", "load kvm").within("crossing vmexit");
	EXPECT_EQ(e.kind(), ErrorKind::unavailable);
	EXPECT_EQ(std::string(e.what()), "crossing vmexit: /dev/kvm: missing: load kvm");
	EXPECT_EQ(e.remedy(), "load kvm");
}

TEST(RunCrossings, AStrayStdExceptionInACrossingIsAFailureNotBadInput)
{
	const Crossing stray{ "stray", "throws std::invalid_argument", throws_stray };
	RunContext ctx;
	try {
		measure_crossing(stray, ctx, nullptr);
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::failed);
		EXPECT_EQ(exit_status(e.kind()), 1);
		EXPECT_NE(std::string(e.what()).find("crossing stray failed"), std::string::npos)
			<< e.what();
	}
	const Crossing hungry{ "hungry", "runs out of memory", throws_bad_alloc };
	try {
		measure_crossing(hungry, ctx, nullptr);
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::failed);
		EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos);
	}
}

TEST(RunCrossings, WhatCannotRunHereIsSkippedFromAllWithTheReasonAndRemedy)
{
	Report rep;
	RunContext ctx;
	auto run = runnable_crossings({ { &fine, false }, { &needs_device, false } }, ctx, rep);
	ASSERT_EQ(run.size(), 1u);
	EXPECT_EQ(run[0], &fine);
	ASSERT_EQ(rep.skipped.size(), 1u);
	EXPECT_EQ(rep.skipped[0], (Skipped{ "device", "/dev/fake: missing", "load fake.ko" }));
}

TEST(RunCrossings, WhatCannotRunHereIsAnErrorWhenNamed)
{
	Report rep;
	RunContext ctx;
	try {
		runnable_crossings({ { &fine, true }, { &needs_device, true } }, ctx, rep);
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::unavailable);
		EXPECT_EQ(exit_status(e.kind()), 2);
		EXPECT_NE(std::string(e.what()).find("crossing device: /dev/fake: missing"),
			  std::string::npos)
			<< e.what();
	}
	EXPECT_TRUE(rep.skipped.empty());
}

TEST(RunCrossings, BadInputIsAnErrorEvenFromAll)
{
	Report rep;
	RunContext ctx;
	try {
		runnable_crossings({ { &picky, false } }, ctx, rep);
		FAIL() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::bad_input);
	}
}

namespace {

std::vector<std::string> calls;

Result part_of(const std::string &crossing, const RunContext &ctx, double level)
{
	calls.push_back(crossing);
	Result r;
	r.crossing = crossing;
	r.variant = "plain";
	r.tsc_hz = 1e9;
	r.cycles.assign(ctx.opt.samples, level + static_cast<double>(calls.size()));
	r.round_sizes = { ctx.opt.samples };
	r.detail = { { "page_size", 4096 },
		     { "minor_faults_counted", ctx.opt.samples },
		     { "kernel_path", "xperf-nop" },
		     { "ratio", static_cast<double>(calls.size()) } };
	r.method = { { "overhead_cycles", 40.0 + static_cast<double>(calls.size()) },
		     { "clock_check", { { "tsc_cycles", 1000 }, { "wall_ns", 1000.0 } } } };
	r.notes = { "the same note every part" };
	r.analyse();
	return r;
}

// The count first_kind's results carry, as its row declares it.
constexpr FieldMerge first_counts[] = { { "minor_faults_counted", Merge::sum } };

std::vector<Result> first_kind(const RunContext &ctx)
{
	return { part_of("first", ctx, 100) };
}

std::vector<Result> second_kind(const RunContext &ctx)
{
	return { part_of("second", ctx, 500) };
}

} // namespace

// Round k of every crossing before round k + 1 of any: each figure's parts
// spread over the whole run. Merged: samples and rounds joined, counts
// added, constants kept, other figures the median over the parts.
TEST(RunCrossings, RoundsInterleaveAcrossCrossingsAndMergeIntoOneResultEach)
{
	const Crossing first{ .name = "first", .description = "", .run = first_kind,
			      .merge = first_counts };
	const Crossing second{ "second", "", second_kind };
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 3;
	ctx.opt.span_s = 0;
	calls.clear();
	verify::Verified v = measure_run({ &first, &second }, ctx, nullptr);
	EXPECT_EQ(calls, (std::vector<std::string>{ "first", "second", "first", "second", "first",
						    "second" }));
	ASSERT_EQ(v.results.size(), 2u);
	const Result &r = v.results[0];
	EXPECT_EQ(r.crossing, "first");
	EXPECT_EQ(r.cycles.size(), 15u);
	EXPECT_EQ(r.round_sizes, (std::vector<std::size_t>{ 5, 5, 5 }));
	EXPECT_EQ(r.drift.round_medians, (std::vector<double>{ 101, 103, 105 }));
	EXPECT_EQ(r.detail["page_size"], 4096);
	EXPECT_EQ(r.detail["minor_faults_counted"], 15);
	EXPECT_EQ(r.detail["kernel_path"], "xperf-nop");
	EXPECT_DOUBLE_EQ(r.detail["ratio"].get<double>(), 3);
	EXPECT_DOUBLE_EQ(r.method["overhead_cycles"].get<double>(), 43);
	EXPECT_DOUBLE_EQ(r.method["clock_check"]["tsc_cycles"].get<double>(), 3000);
	EXPECT_EQ(r.method["interleaved_parts"], 3);
	EXPECT_EQ(r.notes.size(), 1u);
	EXPECT_EQ(r.figure().parts, 3u);
}

namespace {

std::vector<std::string> exits_asked;

// The first part finds that one exit never completes; so it says.
std::vector<Result> vm_kind(const RunContext &ctx)
{
	exits_asked.push_back(ctx.opt.vm_exit);
	Result r = part_of("vm", ctx, 200);
	r.method["exits_completing"] = "cpuid,pio";
	return { r };
}

} // namespace

// An exit the first part found never to complete (it costs a timeout to
// find out) is not asked for again by the later parts of the run.
TEST(RunCrossings, LaterPartsAskOnlyForTheExitsTheFirstFoundToComplete)
{
	const Crossing vm{ "vm", "", vm_kind };
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 3;
	ctx.opt.span_s = 0;
	ctx.opt.vm_exit = "all";
	calls.clear();
	exits_asked.clear();
	verify::Verified v = measure_run({ &vm }, ctx, nullptr);
	EXPECT_EQ(exits_asked, (std::vector<std::string>{ "all", "cpuid,pio", "cpuid,pio" }));
	ASSERT_EQ(v.results.size(), 1u);
	EXPECT_EQ(v.results[0].method["exits_completing"], "cpuid,pio");
}

namespace {

// A note that depends on the whole figure: worked out once, from the merged
// median, not once per part.
void note_the_median(std::vector<Result> &results)
{
	for (auto &r : results)
		r.notes.push_back(fmt::format("median {}", r.stats.median));
}

} // namespace

TEST(RunCrossings, FinishRunsOnceOnTheMergedResultsNotPerPart)
{
	Crossing first{ "first", "", first_kind };
	first.finish = note_the_median;
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 3;
	ctx.opt.span_s = 0;
	calls.clear();
	verify::Verified v = measure_run({ &first }, ctx, nullptr);
	ASSERT_EQ(v.results.size(), 1u);
	EXPECT_EQ(v.results[0].notes, (std::vector<std::string>{ "the same note every part" }));
	finish_crossings({ &first }, v.results);
	// Once, and from the median of all fifteen samples.
	EXPECT_EQ(v.results[0].notes,
		  (std::vector<std::string>{ "the same note every part",
					     fmt::format("median {}", v.results[0].stats.median) }));
	EXPECT_EQ(v.results[0].stats.n, 15u);
}

// vmexit's fast-path notes: one per fast path and starting point, from the
// merged medians, and only where KVM runs the VM.
TEST(RunCrossings, VmexitSetsEachFastPathAgainstItsRoundTripOnce)
{
	const Crossing *vmexit = find_crossing("vmexit");
	ASSERT_NE(vmexit, nullptr);
	ASSERT_NE(vmexit->finish, nullptr);
	auto row = [](const std::string &exit, const std::string &accel, double median) {
		Result r;
		r.crossing = "vmexit";
		r.variant = exit + "/kernel";
		r.detail = { { "exit", exit }, { "from", "kernel" } };
		r.method = { { "accelerator", accel } };
		r.stats.median = median;
		return r;
	};
	std::vector<Result> kvm{ row("cpuid", "kvm", 100), row("pio", "kvm", 300),
				 row("rdmsr", "kvm", 400) };
	vmexit->finish(kvm);
	ASSERT_EQ(kvm[1].notes.size(), 2u);
	EXPECT_NE(kvm[1].notes[0].find("3.0x cheaper"), std::string::npos) << kvm[1].notes[0];
	EXPECT_NE(kvm[1].notes[1].find("NOT cheaper"), std::string::npos) << kvm[1].notes[1];
	EXPECT_TRUE(kvm[0].notes.empty());
	std::vector<Result> tcg{ row("cpuid", "tcg", 100), row("pio", "tcg", 300) };
	vmexit->finish(tcg);
	EXPECT_TRUE(tcg[1].notes.empty());
}

TEST(RunCrossings, OneRoundIsNotInterleaved)
{
	const Crossing first{ "first", "", first_kind }, second{ "second", "", second_kind };
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 1;
	calls.clear();
	EXPECT_EQ(measure_run({ &first, &second }, ctx, nullptr).results.size(), 2u);
	EXPECT_EQ(calls, (std::vector<std::string>{ "first", "second" }));
	EXPECT_FALSE(measure_run({ &first }, ctx, nullptr).results[0].method.contains(
		"interleaved_parts"));
}

namespace {

// Parts whose medians go round a list of offsets from 1000 cycles, one
// list per crossing: a steady one, one a few percent apart, one far apart.
struct Offsets {
	std::string name;
	std::vector<double> offsets;
	std::size_t calls = 0;
};
Offsets steady{ "steady", { 0, 1 } }, moderate{ "moderate", { -50, 50 } },
	wild{ "wild", { -300, 300 } };

Result offset_part(Offsets &o, const RunContext &ctx)
{
	Result r;
	r.crossing = o.name;
	r.variant = "plain";
	r.tsc_hz = 1e9;
	r.cycles.assign(ctx.opt.samples, 1000 + o.offsets[o.calls++ % o.offsets.size()]);
	r.round_sizes = { ctx.opt.samples };
	r.method = { { "resolution_cycles", 1.0 } };
	r.analyse();
	return r;
}

std::vector<Result> steady_kind(const RunContext &ctx)
{
	return { offset_part(steady, ctx) };
}
std::vector<Result> moderate_kind(const RunContext &ctx)
{
	return { offset_part(moderate, ctx) };
}
std::vector<Result> wild_kind(const RunContext &ctx)
{
	return { offset_part(wild, ctx) };
}

const Result &named(const std::vector<Result> &rs, const std::string &name)
{
	auto it = std::find_if(rs.begin(), rs.end(), [&](const Result &r) { return r.crossing == name; });
	if (it == rs.end())
		throw std::runtime_error("no result for " + name);
	return *it;
}

RunContext adaptive_context()
{
	for (Offsets *o : { &steady, &moderate, &wild })
		o->calls = 0;
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 10;
	ctx.opt.span_s = 0;
	ctx.opt.ci_width = 0.05;
	ctx.opt.max_rounds = 40;
	return ctx;
}

} // namespace

// After the ten rounds, only the crossings with a figure wider than the
// width get more, and each stops when it is within it, or at the cap with
// a note that says so.
TEST(RunCrossings, AdaptiveRoundsGoToTheWideFiguresOnly)
{
	const Crossing a{ "steady", "", steady_kind }, b{ "moderate", "", moderate_kind },
		c{ "wild", "", wild_kind };
	RunContext ctx = adaptive_context();
	verify::Verified v = measure_run({ &a, &b, &c }, ctx, nullptr);
	ASSERT_EQ(v.results.size(), 3u);
	const Result &rs = named(v.results, "steady"), &rm = named(v.results, "moderate"),
		     &rw = named(v.results, "wild");
	EXPECT_EQ(steady.calls, 10u);
	EXPECT_EQ(rs.round_sizes.size(), 10u);
	EXPECT_EQ(rs.method["adaptive"]["stopped"], "reached");
	EXPECT_TRUE(rs.method["adaptive"]["reached"].get<bool>());

	// +/-50 in 1000: about 20 rounds bring the interval within 5 %.
	EXPECT_GT(moderate.calls, 10u);
	EXPECT_LT(moderate.calls, 40u);
	EXPECT_EQ(rm.round_sizes.size(), moderate.calls);
	EXPECT_LE(rm.relative_ci_width(), 0.05);
	EXPECT_EQ(rm.method["adaptive"]["stopped"], "reached");
	EXPECT_EQ(rm.method["adaptive"]["rounds"], moderate.calls);
	EXPECT_EQ(rm.method["adaptive"]["mode"], "passes");

	// +/-300 would need hundreds.
	EXPECT_EQ(wild.calls, 40u);
	EXPECT_GT(rw.relative_ci_width(), 0.05);
	EXPECT_EQ(rw.method["adaptive"]["stopped"], "max rounds");
	EXPECT_FALSE(rw.method["adaptive"]["reached"].get<bool>());
	ASSERT_FALSE(rw.notes.empty());
	EXPECT_NE(rw.notes.back().find("not known that well"), std::string::npos) << rw.notes.back();
	EXPECT_TRUE(rs.notes.empty());
}

TEST(RunCrossings, AdaptiveRoundsEndBeforeTheTimeLimit)
{
	const Crossing c{ "wild", "", wild_kind };
	RunContext ctx = adaptive_context();
	ctx.opt.time_limit_s = 1e-6; // over before the first adaptive round
	verify::Verified v = measure_run({ &c }, ctx, nullptr);
	ASSERT_EQ(v.results.size(), 1u);
	EXPECT_EQ(wild.calls, 10u); // the rounds asked for are all taken
	EXPECT_EQ(v.results[0].method["adaptive"]["stopped"], "time limit");
}

TEST(RunCrossings, AdaptiveRoundsStopWhereTheTimerStepIsTheInterval)
{
	const Crossing c{ "moderate", "", moderate_kind };
	RunContext ctx = adaptive_context();
	ctx.opt.ci_width = 0.001; // +/-0.05 %: below what a 1-cycle step allows in 1000
	verify::Verified v = measure_run({ &c }, ctx, nullptr);
	EXPECT_EQ(moderate.calls, 10u);
	EXPECT_EQ(v.results[0].method["adaptive"]["stopped"], "timer step");
}

TEST(RunCrossings, AdaptiveRoundsStopAtMaxSamples)
{
	const Crossing c{ "wild", "", wild_kind };
	RunContext ctx = adaptive_context();
	ctx.opt.max_samples = 60; // ten rounds of 5, and two more
	verify::Verified v = measure_run({ &c }, ctx, nullptr);
	EXPECT_EQ(wild.calls, 12u);
	EXPECT_EQ(v.results[0].cycles.size(), 60u);
	EXPECT_EQ(v.results[0].method["adaptive"]["stopped"], "max samples");
}

// Without --ci-width the run is as it was: the rounds asked for, no more.
TEST(RunCrossings, NoWidthNoAdaptiveRounds)
{
	const Crossing c{ "wild", "", wild_kind };
	RunContext ctx = adaptive_context();
	ctx.opt.ci_width = 0;
	verify::Verified v = measure_run({ &c }, ctx, nullptr);
	EXPECT_EQ(wild.calls, 10u);
	EXPECT_FALSE(v.results[0].method.contains("adaptive"));
}

// A part is this xperf-user again with the run's options, one round, no
// span, in its process: everything the run was asked that changes what is
// measured reaches it.
// Not given, the part leaves -n and --warmup to each entry's own precision.
TEST(RunCrossings, APartGetsNoSamplesTheUserDidNotGive)
{
	const Crossing first{ "first", "", first_kind };
	RunContext pass;
	std::vector<std::string> a = part_arguments({ &first }, pass);
	EXPECT_EQ(std::find(a.begin(), a.end(), "-n"), a.end());
	EXPECT_EQ(std::find(a.begin(), a.end(), "--warmup"), a.end());
	EXPECT_EQ(std::find(a.begin(), a.end(), "--dir"), a.end());
}

// An entry's own precision applies where the user gave none.
TEST(RunCrossings, AnEntrysOwnSamplesApplyUnlessGiven)
{
	Crossing slow{ "slow", "", first_kind };
	slow.samples = 50;
	slow.warmup = 3;
	RunContext ctx;
	EXPECT_EQ(with_defaults(slow, ctx).opt.samples, 50u);
	EXPECT_EQ(with_defaults(slow, ctx).opt.warmup, 3u);
	ctx.opt.samples = 700;
	ctx.opt.samples_given = true;
	EXPECT_EQ(with_defaults(slow, ctx).opt.samples, 700u);
	EXPECT_EQ(with_defaults(slow, ctx).opt.warmup, 3u);
}

TEST(RunCrossings, APartIsStartedWithTheRunsOptions)
{
	const Crossing first{ "first", "", first_kind }, second{ "second", "", second_kind };
	RunContext pass;
	pass.opt.samples = 1234;
	pass.opt.warmup = 56;
	pass.opt.samples_given = pass.opt.warmup_given = true;
	pass.opt.scratch_dir = "/some/dir";
	pass.opt.batch = 7;
	pass.opt.inject_adds = 200;
	pass.opt.vm_exit = "cpuid";
	pass.opt.vm_from = "user";
	pass.opt.vmm = "qemu";
	pass.opt.vm_state = "default,kvm-unit-tests";
	pass.cpu = 1;
	pass.tsc.hz = 2.5e9;
	pass.tsc.source = "cpuid-0x15";
	std::vector<std::string> a = part_arguments({ &first, &second }, pass);
	auto after = [&a](const std::string &flag) {
		auto it = std::find(a.begin(), a.end(), flag);
		return it == a.end() || it + 1 == a.end() ? std::string("(none)") : *(it + 1);
	};
	EXPECT_EQ(after("--crossing"), "first,second");
	EXPECT_EQ(after("-n"), "1234");
	EXPECT_EQ(after("--warmup"), "56");
	EXPECT_EQ(after("--dir"), "/some/dir");
	EXPECT_EQ(after("--rounds"), "1");
	EXPECT_EQ(after("--span"), "0");
	EXPECT_EQ(after("--cpu"), "1");
	EXPECT_EQ(after("--batch"), "7");
	EXPECT_EQ(after("--inject-adds"), "200");
	EXPECT_EQ(after("--exit"), "cpuid");
	EXPECT_EQ(after("--from"), "user");
	EXPECT_EQ(after("--vmm"), "qemu");
	EXPECT_EQ(after("--guest-state"), "default,kvm-unit-tests");
	EXPECT_EQ(std::stod(after("--part-tsc-hz")), 2.5e9);
	EXPECT_EQ(after("--part-tsc-source"), "cpuid-0x15");
	for (const char *flag : { "--part", "--one-process", "--json" })
		EXPECT_NE(std::find(a.begin(), a.end(), flag), a.end()) << flag;
}

// One part of three samples in one round, for merge_parts.
Result three_samples(const std::string &crossing, const std::string &variant)
{
	Result r;
	r.crossing = crossing;
	r.variant = variant;
	r.cycles = { 1, 2, 3 };
	r.round_sizes = { 3 };
	return r;
}

// Parts that agree on everything still add their counts.
TEST(RunCrossings, CountsAddUpEvenWhenEveryPartAgrees)
{
	Result r = three_samples("pgfault", "anon-write");
	r.detail = { { "page_size", 4096 }, { "minor_faults_counted", 4 }, { "minor_faults_expected", 4 } };
	Result merged = merge_parts(*find_crossing("pgfault"), { r, r, r });
	EXPECT_EQ(merged.detail["minor_faults_counted"], 12);
	EXPECT_EQ(merged.detail["minor_faults_expected"], 12);
	EXPECT_EQ(merged.detail["page_size"], 4096);
	EXPECT_EQ(merged.cycles.size(), 9u);
}

// A thread id, a CPU, a name: what the parts say, never their average.
TEST(RunCrossings, IdentitiesAreListedNotAveraged)
{
	Result r = three_samples("vmexit", "cpuid/kernel");
	const Crossing &vmexit = *find_crossing("vmexit");
	std::vector<Result> parts;
	for (int tid : { 11090, 11103, 11090 }) {
		r.method = { { "vmm", { { "vcpu_thread", { { "tid", tid }, { "name", "CPU 0/KVM" } } },
					{ "pinned", { { "cpu", 1 } } } } },
			     { "overhead_cycles", tid - 11000 } };
		parts.push_back(r);
	}
	Result merged = merge_parts(vmexit, parts);
	const auto &vcpu = merged.method["vmm"]["vcpu_thread"];
	EXPECT_EQ(vcpu["tid"], nlohmann::json::array({ 11090, 11103 })) << vcpu.dump();
	EXPECT_EQ(vcpu["name"], "CPU 0/KVM");
	EXPECT_EQ(merged.method["vmm"]["pinned"]["cpu"], 1);
	// A measure still takes the parts' median.
	EXPECT_EQ(merged.method["overhead_cycles"], 90);
}

TEST(RunCrossings, NamesEndingInAnIdentityAreListedToo)
{
	Result r = three_samples("pipe", "round-trip/free");
	const Crossing &pipe = *find_crossing("pipe");
	std::vector<Result> parts;
	for (int cpu : { 1, 0, 1 }) {
		r.detail = { { "placement", { { "peer_last_cpu", cpu }, { "measuring_cpu", 0 } } },
			     { "message_cpu_cycles", cpu * 10 } };
		parts.push_back(r);
	}
	Result merged = merge_parts(pipe, parts);
	const auto &place = merged.detail["placement"];
	EXPECT_EQ(place["peer_last_cpu"], nlohmann::json::array({ 1, 0 })) << place.dump();
	EXPECT_EQ(place["measuring_cpu"], 0);
	// "cycles" names no identity: the parts' median.
	EXPECT_EQ(merged.detail["message_cpu_cycles"], 10);
}

// Every rule a crossing's row declares, on two parts that differ: a count
// is their sum, an identity the list of both, wherever the field is; a
// field no rule names (and no shared identity) their median.
TEST(RunCrossings, MergeFollowsEachRowsDeclaredPolicy)
{
	for (const Crossing &c : crossings()) {
		std::vector<FieldMerge> rules(c.merge.begin(), c.merge.end());
		rules.push_back({ "tid", Merge::identity });
		rules.push_back({ "peer_last_cpu", Merge::identity });
		rules.push_back({ "round_trip_cycles", Merge::measure });
		for (const FieldMerge &rule : rules) {
			const std::string f(rule.field);
			ASSERT_EQ(merge_of(c, rule.field), rule.how) << c.name << " " << f;
			Result a = three_samples(std::string(c.name), "v"), b = a;
			a.detail = { { f, 3 } };
			b.detail = { { "inner", { { f, 5 } } }, { f, 5 } };
			a.method = { { "inner", { { f, 3 } } } };
			Result m = merge_parts(c, { a, b });
			nlohmann::json want = rule.how == Merge::sum	  ? nlohmann::json(8)
					      : rule.how == Merge::identity ? nlohmann::json::array({ 3, 5 })
									    : nlohmann::json(4.0);
			EXPECT_EQ(m.detail[f], want) << c.name << " " << f;
			EXPECT_EQ(m.detail["inner"][f], 5) << c.name << " " << f << ": one part has it";
			EXPECT_EQ(m.method["inner"][f], 3) << c.name << " " << f;
		}
	}
}

namespace {

// A part that "pilots" a batch of its own unless the run hands it one:
// left alone, every part would choose another.
std::vector<std::optional<BatchChoice>> handed;

std::vector<Result> piloted_kind(const RunContext &ctx)
{
	handed.push_back(ctx.opt.pilot_batch);
	const double cost = 100.0 * static_cast<double>(handed.size());
	BatchChoice b = ctx.opt.pilot_batch ? *ctx.opt.pilot_batch : choose_batch(26, cost);
	Result r = part_of("piloted", ctx, 100);
	r.method["batch"] = b.batch;
	r.method["batch_choice"] = to_json(b);
	return { r };
}

} // namespace

// Every part of a figure is timed with the batch its first part's pilot
// chose: the later parts are handed it, and the merged method has one.
TEST(RunCrossings, TheFirstPartsPilotChoosesTheBatchOfEveryPart)
{
	const Crossing piloted{ "piloted", "", piloted_kind };
	RunContext ctx;
	ctx.opt.samples = 5;
	ctx.opt.rounds = 3;
	ctx.opt.span_s = 0;
	handed.clear();
	verify::Verified v = measure_run({ &piloted }, ctx, nullptr);
	ASSERT_EQ(handed.size(), 3u);
	EXPECT_FALSE(handed[0]);
	const BatchChoice first = choose_batch(26, 100);
	for (std::size_t i = 1; i < handed.size(); i++) {
		ASSERT_TRUE(handed[i]) << i;
		EXPECT_EQ(to_json(*handed[i]), to_json(first)) << i;
	}
	ASSERT_EQ(v.results.size(), 1u);
	EXPECT_EQ(v.results[0].method["batch"], first.batch);
	EXPECT_EQ(v.results[0].method["batch_choice"], to_json(first));
}

// A part in a process of its own is handed the pilot's figures exactly.
TEST(RunCrossings, APartIsHandedThePilotsFigures)
{
	const Crossing first{ "first", "", first_kind };
	RunContext pass;
	pass.opt.pilot_batch = choose_batch(21, 1911.123456789012, 0.004);
	std::vector<std::string> a = part_arguments({ &first }, pass);
	auto it = std::find(a.begin(), a.end(), "--part-batch-pilot");
	ASSERT_GE(std::distance(it, a.end()), 4) << "the flag and its three figures";
	EXPECT_EQ(std::stod(*(it + 1)), 21);
	EXPECT_EQ(std::stod(*(it + 2)), 1911.123456789012);
	EXPECT_EQ(std::stod(*(it + 3)), 0.004);
	RunContext none;
	a = part_arguments({ &first }, none);
	EXPECT_EQ(std::find(a.begin(), a.end(), "--part-batch-pilot"), a.end());
}
