// The kind of an Error decides what a run does with a crossing and which
// exit status it ends with; the C++ class of an exception decides nothing.
#include "app/part_process.h"
#include "app/registry.h"
#include "app/run_crossings.h"
#include "core/error.h"

#include <fmt/format.h>

#include <gtest/gtest.h>

#include <algorithm>
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
	const Crossing first{ "first", "", first_kind }, second{ "second", "", second_kind };
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

TEST(RunCrossings, OneRoundOrAdaptiveSamplingIsNotInterleaved)
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
	EXPECT_EQ(std::stod(after("--part-tsc-hz")), 2.5e9);
	EXPECT_EQ(after("--part-tsc-source"), "cpuid-0x15");
	for (const char *flag : { "--part", "--one-process", "--json" })
		EXPECT_NE(std::find(a.begin(), a.end(), flag), a.end()) << flag;
}

// Parts that agree on everything still add their counts.
TEST(RunCrossings, CountsAddUpEvenWhenEveryPartAgrees)
{
	Result r;
	r.crossing = "pgfault";
	r.variant = "anon-write";
	r.cycles = { 1, 2, 3 };
	r.round_sizes = { 3 };
	r.detail = { { "page_size", 4096 }, { "minor_faults_counted", 4 }, { "minor_faults_expected", 4 } };
	Result merged = merge_parts({ r, r, r });
	EXPECT_EQ(merged.detail["minor_faults_counted"], 12);
	EXPECT_EQ(merged.detail["minor_faults_expected"], 12);
	EXPECT_EQ(merged.detail["page_size"], 4096);
	EXPECT_EQ(merged.cycles.size(), 9u);
}
