// The kind of an Error decides what a run does with a crossing and which
// exit status it ends with; the C++ class of an exception decides nothing.
#include "error.h"
#include "run_crossings.h"

#include <gtest/gtest.h>

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
	r.variant = "v";
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
