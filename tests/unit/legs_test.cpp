// Matching xperf.ko's records to the timed regions, and its counters.
#include "core/module_session.h"
#include "crossings/legs.h"

#include <gtest/gtest.h>

using namespace xperf;

namespace {

xperf_record rec(uint64_t entry, uint64_t kentry, uint64_t kexit, uint64_t exit,
		 uint16_t flags = XPERF_REC_ENTRY | XPERF_REC_KEXIT | XPERF_REC_EXIT)
{
	xperf_record r{};
	r.kind = XPERF_KIND_PGFAULT;
	r.flags = flags;
	r.entry_tsc = entry;
	r.kernel_entry_tsc = kentry;
	r.kernel_exit_tsc = kexit;
	r.exit_tsc = exit;
	return r;
}

} // namespace

TEST(Legs, EachRegionGetsItsRecordsLegs)
{
	// Two regions [1000, 2000] and [3000, 4500], records given out of order,
	// plus a warm-up record before both.
	std::vector<uint64_t> starts = { 1000, 3000 }, ends = { 2000, 4500 };
	std::vector<xperf_record> records = { rec(3100, 3200, 4000, 4300),
					      rec(500, 600, 700, 800),
					      rec(1050, 1100, 1800, 1900) };
	Legs l = split_legs(starts, ends, records);
	EXPECT_EQ(l.iterations, 2u);
	EXPECT_EQ(l.matched, 2u);
	EXPECT_EQ(l.user_kernel, (std::vector<double>{ 100, 200 }));
	EXPECT_EQ(l.kernel, (std::vector<double>{ 700, 800 }));
	EXPECT_EQ(l.kernel_user, (std::vector<double>{ 200, 500 }));
	EXPECT_EQ(l.entry_code, (std::vector<double>{ 50, 100 }));
	EXPECT_EQ(l.exit_code, (std::vector<double>{ 100, 300 }));
	EXPECT_EQ(l.hardware_entry, (std::vector<double>{ 50, 100 }));
	EXPECT_EQ(l.hardware_exit, (std::vector<double>{ 100, 200 }));
	// The legs add up to the region.
	for (std::size_t i = 0; i < 2; i++)
		EXPECT_DOUBLE_EQ(l.user_kernel[i] + l.kernel[i] + l.kernel_user[i],
				 static_cast<double>(ends[i] - starts[i]));
}

TEST(Legs, RegionWithoutRecordOrWithTwoIsNotMatched)
{
	std::vector<uint64_t> starts = { 1000, 3000, 5000 }, ends = { 2000, 4000, 6000 };
	std::vector<xperf_record> records = { rec(1100, 1200, 1300, 1400),
					      rec(3100, 3200, 3300, 3400),
					      rec(3500, 3600, 3700, 3800) };
	Legs l = split_legs(starts, ends, records); // region 3: dropped record
	EXPECT_EQ(l.matched, 1u);
	EXPECT_EQ(l.ambiguous, 1u);
}

TEST(Legs, MigratedCrossingIsCountedNotTimed)
{
	std::vector<uint64_t> starts = { 1000 }, ends = { 2000 };
	Legs l = split_legs(starts, ends,
			    { rec(1100, 1200, 1300, 1400,
				  XPERF_REC_ENTRY | XPERF_REC_KEXIT | XPERF_REC_MIGRATED) });
	EXPECT_EQ(l.matched, 0u);
	EXPECT_EQ(l.migrated, 1u);
	EXPECT_TRUE(l.user_kernel.empty());
}

TEST(Legs, RecordWithoutKernelExitStampIsNotALeg)
{
	std::vector<uint64_t> starts = { 1000 }, ends = { 2000 };
	Legs l = split_legs(starts, ends, { rec(1100, 1200, 0, 0, XPERF_REC_ENTRY) });
	EXPECT_EQ(l.matched, 0u);
}

TEST(Legs, UnpairedExitStampGivesNoExitCodeFigure)
{
	std::vector<uint64_t> starts = { 1000 }, ends = { 2000 };
	Legs l = split_legs(starts, ends,
			    { rec(1100, 1200, 1300, 0, XPERF_REC_ENTRY | XPERF_REC_KEXIT) });
	EXPECT_EQ(l.matched, 1u);
	EXPECT_TRUE(l.exit_code.empty());
	EXPECT_EQ(l.entry_code.size(), 1u);
}

TEST(Legs, ResultsHaveOneEntryPerLegAndSayHowManyMatched)
{
	Result rt;
	rt.crossing = "pgfault";
	rt.variant = "anon-write";
	rt.tsc_hz = 1e9;
	rt.cycles = { 1000, 2500 };
	rt.round_sizes = { 2 };
	rt.analyse();
	Legs l = split_legs({ 1000, 3000 }, { 2000, 4500 },
			    { rec(1050, 1100, 1800, 1900), rec(3100, 3200, 4000, 4300) });
	auto out = results_with_legs(rt, l, { { "dropped", 0 } });
	ASSERT_EQ(out.size(), 4u);
	EXPECT_EQ(out[0].variant, "anon-write");
	EXPECT_EQ(out[1].variant, "anon-write/user_to_kernel");
	EXPECT_EQ(out[2].variant, "anon-write/in_kernel");
	EXPECT_EQ(out[3].variant, "anon-write/kernel_to_user");
	EXPECT_EQ(out[0].detail["legs"]["matched"], 2);
	EXPECT_DOUBLE_EQ(out[1].stats.median, 150);
}

TEST(Legs, NoMatchKeepsTheRoundTripAndSaysWhy)
{
	Result rt;
	rt.crossing = "syscall";
	rt.variant = "nr500";
	auto out = results_with_legs(rt, split_legs({ 1000 }, { 2000 }, {}), {});
	ASSERT_EQ(out.size(), 1u);
	ASSERT_FALSE(out[0].notes.empty());
	EXPECT_NE(out[0].notes.back().find("no crossing"), std::string::npos);
}

TEST(ModuleCounters, ParsesTheTotalLine)
{
	// As xperf.ko prints it.
	std::string text = "cpu0 produced=10 read=7 dropped=1 queued=2\n"
			   "cpu1 produced=0 read=0 dropped=0 queued=0\n"
			   "total produced=10 read=7 dropped=1 queued=2\n";
	ModuleCounters c = parse_module_counters(text);
	EXPECT_EQ(c.produced, 10u);
	EXPECT_EQ(c.read, 7u);
	EXPECT_EQ(c.dropped, 1u);
	EXPECT_EQ(c.queued, 2u);
	EXPECT_EQ(c.produced, c.read + c.dropped + c.queued);
	EXPECT_THROW(parse_module_counters("cpu0 produced=1\n"), std::runtime_error);
}

TEST(ModuleSession, MissingModuleIsExplained)
{
	std::string why = ModuleSession::unavailable_reason("/nonexistent/xperf");
	EXPECT_NE(why.find("not loaded"), std::string::npos) << why;
}
