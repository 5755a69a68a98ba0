// detect_noise on synthetic sample sets: clean (must not be flagged, also
// with the rare outliers every real run has), two modes within rounds (the
// "700 instead of 500" case), two modes by round, drift, and the counters.
#include "core/noise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

using xperf::NoiseFlag;
using xperf::RoundCounters;

constexpr std::size_t kRounds = 5;
constexpr std::size_t kPerRound = 4000;

// Whole cycles around centre, with a spread like a quiet machine's, and one
// sample in 200 hit by an interrupt (a few thousand cycles more).
std::vector<double> quiet_round(std::mt19937_64 &rng, double centre)
{
	std::normal_distribution<double> body(centre, centre * 0.015);
	std::uniform_real_distribution<double> hit(2000, 9000);
	std::bernoulli_distribution interrupted(0.005);
	std::vector<double> r;
	for (std::size_t i = 0; i < kPerRound; i++)
		r.push_back(std::round(body(rng) + (interrupted(rng) ? hit(rng) : 0)));
	return r;
}

std::vector<std::vector<double>> clean_rounds(std::uint64_t seed = 1)
{
	std::mt19937_64 rng(seed);
	std::vector<std::vector<double>> rounds;
	for (std::size_t i = 0; i < kRounds; i++)
		rounds.push_back(quiet_round(rng, 500));
	return rounds;
}

// What a quiet, pinned round reads around itself: the tick and nothing else.
std::vector<RoundCounters> quiet_counters()
{
	std::vector<RoundCounters> counters(kRounds);
	for (RoundCounters &c : counters) {
		c.seconds = 0.004;
		c.cpu_start = c.cpu_end = 1;
		c.migrations = 0;
		c.preemptions = 0;
		c.interrupts = 4;
		c.khz_start = c.khz_end = 2596000;
	}
	return counters;
}

std::vector<std::string> kinds(const std::vector<NoiseFlag> &flags)
{
	std::vector<std::string> k;
	for (const NoiseFlag &f : flags)
		k.push_back(f.kind);
	return k;
}

TEST(Noise, CleanSetIsNotFlagged)
{
	for (std::uint64_t seed = 1; seed <= 5; seed++) {
		auto rounds = clean_rounds(seed);
		auto counters = quiet_counters();
		EXPECT_EQ(kinds(xperf::detect_noise(rounds, counters)), std::vector<std::string>{})
			<< "seed " << seed;
		EXPECT_TRUE(xperf::detect_noise(rounds, {}).empty()) << "seed " << seed;
	}
}

TEST(Noise, SevenHundredInsteadOfFiveHundredIsBimodal)
{
	// Within every round, 30 % of the iterations take the slow path.
	std::mt19937_64 rng(7);
	std::bernoulli_distribution slow(0.3);
	std::vector<std::vector<double>> rounds;
	for (std::size_t i = 0; i < kRounds; i++) {
		std::vector<double> fast = quiet_round(rng, 500), slow_path = quiet_round(rng, 700);
		std::vector<double> r;
		for (std::size_t j = 0; j < kPerRound; j++)
			r.push_back(slow(rng) ? slow_path[j] : fast[j]);
		rounds.push_back(r);
	}

	auto flags = xperf::detect_noise(rounds, quiet_counters());

	ASSERT_EQ(kinds(flags), std::vector<std::string>{ "bimodal" });
	EXPECT_EQ(flags[0].evidence.rfind("two modes, about 50", 0), 0u) << flags[0].evidence;
	EXPECT_NE(flags[0].evidence.find(" and 70"), std::string::npos) << flags[0].evidence;
	EXPECT_NE(flags[0].evidence.find("30 % in the upper"), std::string::npos)
		<< flags[0].evidence;
	EXPECT_NE(flags[0].cause.find("within one round"), std::string::npos);
	EXPECT_FALSE(flags[0].advice.empty());
}

TEST(Noise, ModesThatFollowTheRoundsSaySo)
{
	std::mt19937_64 rng(3);
	std::vector<std::vector<double>> rounds;
	for (double centre : { 500, 700, 500, 500, 700 })
		rounds.push_back(quiet_round(rng, centre));

	auto flags = xperf::detect_noise(rounds, {});

	ASSERT_FALSE(flags.empty());
	EXPECT_EQ(flags[0].kind, "bimodal");
	EXPECT_NE(flags[0].evidence.find("3 rounds wholly low, 2 wholly high"), std::string::npos)
		<< flags[0].evidence;
	EXPECT_NE(flags[0].cause.find("differs between rounds"), std::string::npos);
}

TEST(Noise, DriftBetweenRoundsIsFlaggedAsRising)
{
	std::mt19937_64 rng(5);
	std::vector<std::vector<double>> rounds;
	for (double centre : { 500, 510, 525, 540, 560 })
		rounds.push_back(quiet_round(rng, centre));

	auto flags = xperf::detect_noise(rounds, quiet_counters());

	ASSERT_EQ(kinds(flags), std::vector<std::string>{ "drift" });
	EXPECT_NE(flags[0].evidence.find("rising"), std::string::npos) << flags[0].evidence;
	EXPECT_NE(flags[0].evidence.find("round medians 500, 51"), std::string::npos)
		<< flags[0].evidence;
}

TEST(Noise, CountersNameMigrationFrequencyInterruptsAndPreemption)
{
	auto rounds = clean_rounds();
	auto counters = quiet_counters();
	counters[1].cpu_end = 0;
	counters[2].khz_end = 3400000;
	counters[3].interrupts = 120; // 30 000/s
	counters[4].preemptions = 2;

	auto flags = xperf::detect_noise(rounds, counters);

	ASSERT_EQ(kinds(flags), (std::vector<std::string>{ "migration", "frequency", "interrupts",
							    "preemption" }));
	EXPECT_EQ(flags[0].evidence, "round 2: CPU 1 to 0");
	EXPECT_EQ(flags[1].evidence, "the CPU's clock read 2596 to 3400 MHz around the rounds");
	EXPECT_EQ(flags[2].evidence, "round 4: 120 interrupts (30000/s)");
	EXPECT_EQ(flags[3].evidence, "2 involuntary context switch(es) in 1 of 5 rounds");
	for (const NoiseFlag &f : flags) {
		EXPECT_FALSE(f.cause.empty()) << f.kind;
		EXPECT_FALSE(f.advice.empty()) << f.kind;
	}
}

TEST(Noise, InterruptsWithoutDurationAreJudgedAgainstTheOtherRounds)
{
	auto counters = quiet_counters();
	for (RoundCounters &c : counters)
		c.seconds = 0;
	auto rounds = clean_rounds();
	EXPECT_TRUE(xperf::detect_noise(rounds, counters).empty());

	counters[2].interrupts = 60;
	auto flags = xperf::detect_noise(rounds, counters);

	ASSERT_EQ(kinds(flags), std::vector<std::string>{ "interrupts" });
	EXPECT_EQ(flags[0].evidence, "round 3: 60 interrupts");
}

} // namespace
