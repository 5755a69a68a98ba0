// The six round trips as every VMM reports them: rows, options, notes.
#include "core/error.h"
#include "vmexit/guest_protocol.h"
#include "vmexit/exit_names.h"
#include "vmexit/exit_notes.h"
#include "vmexit/exit_options.h"

#include <xperf/abi.h>

#include <gtest/gtest.h>

#include <cstddef>

using namespace xperf;

namespace {

TEST(VmexitSix, RowsAreThoseOfTheDesignTable)
{
	// # | starts in | exit
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_CPUID, XPERF_FROM_USER), 1);
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_PIO, XPERF_FROM_USER), 2);
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_RDMSR, XPERF_FROM_USER_VIA_KERNEL), 3);
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_PIO, XPERF_FROM_USER_VIA_KERNEL), 4);
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_VMCALL, XPERF_FROM_KERNEL), 5);
	EXPECT_EQ(measurement_number(XPERF_VMEXIT_PIO, XPERF_FROM_KERNEL), 6);
}

TEST(VmexitSix, OptionsSelectExitsAndStartingPoints)
{
	EXPECT_EQ(exits_mask("cpuid"), 1u << XPERF_VMEXIT_CPUID);
	EXPECT_EQ(exits_mask("all"), 0x1eu); // every kind but none
	EXPECT_EQ(froms_mask("kernel"), 1u << XPERF_FROM_KERNEL);
	EXPECT_EQ(froms_mask("user"), 1u << XPERF_FROM_USER);
	EXPECT_EQ(froms_mask("user,user-via-kernel"),
		  1u << XPERF_FROM_USER | 1u << XPERF_FROM_USER_VIA_KERNEL);
	EXPECT_EQ(froms_mask("all"), 7u);
	EXPECT_EQ(exits_mask("cpuid,pio"), 1u << XPERF_VMEXIT_CPUID | 1u << XPERF_VMEXIT_PIO);
	EXPECT_EQ(exits_mask("cpuid,all"), 0x1eu);
	EXPECT_EQ(exits_spec(exits_mask("pio,cpuid")), "cpuid,pio");
	EXPECT_EQ(exits_spec(exits_mask("all")), "cpuid,rdmsr,vmcall,pio");
	EXPECT_THROW(exits_mask("hlt"), Error);
	EXPECT_THROW(exits_mask("cpuid,"), Error);
	EXPECT_THROW(froms_mask("guest"), Error);
	EXPECT_THROW(froms_mask("user,"), Error);
	EXPECT_THROW(froms_mask(""), Error);
}

// The ioctl()'s layout is xperf.ko's ABI: 64-bit fields at fixed offsets.
TEST(VmexitSix, TheModuleRunRequestKeepsItsLayout)
{
	EXPECT_EQ(sizeof(xperf_vmexit_run), 40u);
	EXPECT_EQ(offsetof(xperf_vmexit_run, cycles), 16u);
}

Result row(const std::string &exit, const std::string &from, double median,
	   const std::string &accelerator = "kvm")
{
	Result r;
	r.variant = exit + "/" + from;
	r.method = { { "accelerator", accelerator } };
	r.detail = { { "exit", exit }, { "from", from } };
	r.cycles.assign(11, median);
	r.analyse();
	return r;
}

TEST(VmexitSix, TheRoundTripIsComparedWithTheFastPathFromTheSamePlace)
{
	std::vector<Result> rs = { row("cpuid", "kernel", 100), row("pio", "kernel", 400),
				   row("cpuid", "user", 500), row("pio", "user", 450) };
	add_comparison_notes(rs);
	ASSERT_EQ(rs[1].notes.size(), 1u);
	EXPECT_NE(rs[1].notes[0].find("cpuid/kernel median 100 cycles vs pio/kernel 400: the "
				      "fast path is 4.0x cheaper"),
		  std::string::npos)
		<< rs[1].notes[0];
	ASSERT_EQ(rs[3].notes.size(), 1u);
	EXPECT_NE(rs[3].notes[0].find("NOT cheaper"), std::string::npos) << rs[3].notes[0];
	EXPECT_TRUE(rs[0].notes.empty());
	EXPECT_TRUE(rs[2].notes.empty());
}

// Each guest state is its own run: its round trip is set against its fast
// path only.
TEST(VmexitSix, TheRoundTripIsComparedWithinItsGuestState)
{
	std::vector<Result> rs = { row("cpuid", "kernel", 100), row("pio", "kernel", 400),
				   row("cpuid", "kernel", 300), row("pio", "kernel", 600) };
	rs[2].detail["guest_state"] = { { "name", "apic" } };
	rs[3].detail["guest_state"] = { { "name", "apic" } };
	add_comparison_notes(rs);
	ASSERT_EQ(rs[1].notes.size(), 1u);
	EXPECT_NE(rs[1].notes[0].find("median 100 cycles vs pio/kernel 400"), std::string::npos)
		<< rs[1].notes[0];
	ASSERT_EQ(rs[3].notes.size(), 1u);
	EXPECT_NE(rs[3].notes[0].find("median 300 cycles vs pio/kernel 600"), std::string::npos)
		<< rs[3].notes[0];
}

// Under TCG there is no fast path to set apart: no note at all.
TEST(VmexitSix, NoFastPathNoteWhereKvmDidNotRunTheVm)
{
	std::vector<Result> rs = { row("cpuid", "kernel", 100, "tcg"),
				   row("pio", "kernel", 400, "tcg") };
	add_comparison_notes(rs);
	EXPECT_TRUE(rs[0].notes.empty());
	EXPECT_TRUE(rs[1].notes.empty());
}

} // namespace

namespace {

// CPUID from CPL3 answered by another hypervisor than CPL0's shows as
// another max leaf; only cpuid/user gets the note, and only then.
TEST(VmexitSix, CpuidFromBothLevelsIsComparedByItsAnswer)
{
	std::vector<Result> rs = { row("cpuid", "user", 1), row("cpuid", "kernel", 1),
				   row("pio", "user", 1) };
	rs[0].detail["returned"] = uint64_t{ 0x1c };
	rs[1].detail["returned"] = uint64_t{ 0xd };
	add_cpuid_level_note(rs, "why");
	ASSERT_EQ(rs[0].notes.size(), 1u);
	EXPECT_EQ(rs[0].notes[0], "cpuid/user returned max leaf 0x1c where the guest kernel got "
				  "0xd: why");
	EXPECT_TRUE(rs[1].notes.empty() && rs[2].notes.empty());

	rs[0].notes.clear();
	rs[1].detail["returned"] = uint64_t{ 0x1c };
	add_cpuid_level_note(rs, "why");
	EXPECT_TRUE(rs[0].notes.empty());
}

} // namespace
