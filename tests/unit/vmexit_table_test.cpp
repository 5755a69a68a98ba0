// The one VM-exit table (xperf/abi.h) as every side derives it: the C++
// rows xperf-user reports from, the C rows the guest payload and xperf.ko
// run from (vmexit_table_c.c compiles them the same way), the text the
// payload and xperf.ko show of theirs, and the names, instructions and
// handlers that the options, variants and results use.
#include "core/error.h"
#include "vmexit/exit_kinds.h"
#include "vmexit/payload.h"
#include "vmexit/exit_names.h"
#include "vmexit/exit_options.h"

#include <xperf/abi.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

extern "C" const xperf_vmexit_row xperf_c_vmexit_rows[XPERF_VMEXIT_KINDS];
extern "C" const char xperf_c_vmexit_text[];
extern "C" const char *const xperf_c_from_names[XPERF_FROMS];

using namespace xperf;

namespace {

TEST(VmexitTable, TheCRowsOfGuestAndModuleAreTheUserlandRows)
{
	ASSERT_EQ(exit_kinds().size(), std::size_t{ XPERF_VMEXIT_KINDS });
	for (const ExitKind &k : exit_kinds()) {
		const xperf_vmexit_row &c = xperf_c_vmexit_rows[k.id];
		EXPECT_EQ(k.name, c.name) << k.id;
		EXPECT_EQ(k.instruction, c.instruction) << k.name;
		EXPECT_EQ(k.handler, c.handler) << k.name;
		EXPECT_EQ(k.froms, c.froms) << k.name;
		EXPECT_EQ(k.flags, c.flags) << k.name;
	}
	for (uint32_t f = 0; f < XPERF_FROMS; f++)
		EXPECT_EQ(from_name(f), xperf_c_from_names[f]);
}

// What the payload carries in its image and what xperf.ko's vmexit file
// reads back is this text; each line is one userland row.
TEST(VmexitTable, TheTableTextIsOneLineARowInItsOrder)
{
	EXPECT_EQ(exit_table_text(), xperf_c_vmexit_text);
	std::istringstream lines{ std::string(exit_table_text()) };
	std::string line;
	for (const ExitKind &k : exit_kinds()) {
		ASSERT_TRUE(std::getline(lines, line)) << "no line for " << k.name;
		std::istringstream f(line);
		std::string id, name;
		unsigned handler = 99, froms = 99, flags = 99;
		f >> id >> name >> handler >> std::hex >> froms >> flags >> std::ws;
		std::string insn;
		std::getline(f, insn);
		EXPECT_EQ(name, k.name) << line;
		EXPECT_EQ(handler, k.handler) << line;
		EXPECT_EQ(froms, k.froms) << line;
		EXPECT_EQ(flags, k.flags) << line;
		EXPECT_EQ(insn, k.instruction) << line;
	}
	EXPECT_FALSE(std::getline(lines, line)) << "a line beyond the table: " << line;
}

TEST(VmexitTable, TheEmbeddedPayloadWasBuiltWithThisTable)
{
	auto image = payload_image();
	xperf_vm_payload_header h = payload_header(image);
	EXPECT_EQ(payload_exit_table(image, h), exit_table_text());
	h.vmexit_table = XPERF_VM_LOAD_ADDR - 1;
	EXPECT_THROW(payload_exit_table(image, h), std::runtime_error);
}

// The options take the names, the variants and results report them, and
// the handler decides the row of the design table and the handled_by text.
TEST(VmexitTable, NamesAndHandlersAreThoseOfTheRows)
{
	std::vector<std::string> options = exit_options();
	ASSERT_EQ(options.size(), measured_exit_kinds().size() + 1);
	EXPECT_EQ(options.back(), "all");
	for (const ExitKind &k : measured_exit_kinds()) {
		const std::string name(k.name);
		EXPECT_EQ(exits_mask(name), 1u << k.id) << name;
		EXPECT_EQ(exit_name(k.id), k.name);
		EXPECT_EQ(measured_exit_kind(name), &k);
		EXPECT_NE(std::find(options.begin(), options.end(), name), options.end()) << name;
		EXPECT_EQ(instruction_name(k.id, XPERF_HC_VMCALL), k.instruction);
		const bool fast = k.handler == XPERF_HANDLER_KVM;
		EXPECT_EQ(handled_by(k.id), fast ? "kvm (in the kernel: fast path)"
						 : "the userspace VMM (round trip)")
			<< name;
		EXPECT_EQ(measurement_number(k.id, XPERF_FROM_KERNEL), fast ? 5 : 6) << name;
		for (uint32_t f = 0; f < XPERF_FROMS; f++)
			EXPECT_EQ(not_from_reason(k.id, f).empty(), k.allowed_from(f)) << name;
	}
	EXPECT_EQ(measured_exit_kind("none"), nullptr) << "the empty region is no option";
	EXPECT_EQ(exit_name(XPERF_VMEXIT_KINDS), "unknown");
	EXPECT_THROW(exit_kind(XPERF_VMEXIT_KINDS), std::out_of_range);
}

// The instructions name the numbers the guest code uses.
TEST(VmexitTable, InstructionsSpellTheNumbersTheGuestUses)
{
	EXPECT_EQ(instruction_name(XPERF_VMEXIT_RDMSR, XPERF_HC_VMCALL),
		  fmt::format("rdmsr {:#x}", XPERF_VMEXIT_MSR));
	EXPECT_EQ(instruction_name(XPERF_VMEXIT_PIO, XPERF_HC_VMCALL),
		  fmt::format("outb to port {:#x}", XPERF_VMEXIT_PORT));
	EXPECT_EQ(instruction_name(XPERF_VMEXIT_VMCALL, XPERF_HC_VMMCALL),
		  fmt::format("vmmcall (nr {:#x}, unknown to KVM)", XPERF_VMEXIT_HC_NR));
	EXPECT_EQ(instruction_name(XPERF_VMEXIT_CPUID, XPERF_HC_VMMCALL), "cpuid (leaf 0)")
		<< "only a hypercall follows the vendor";
	EXPECT_EQ(not_from_reason(XPERF_VMEXIT_RDMSR, XPERF_FROM_USER),
		  "RDMSR at CPL3 raises #GP inside the guest before any exit; "
		  "rdmsr/user-via-kernel is the user-started form");
}

TEST(VmexitTable, OneTimerCodeForGuestAndModule)
{
	EXPECT_EQ(timer_name(XPERF_TIMER_RDTSCP), "lfence;rdtsc;lfence .. rdtscp;lfence");
	EXPECT_NE(timer_name(XPERF_TIMER_LFENCE).find("no RDTSCP"), std::string::npos);
	EXPECT_NE(timer_name(0).find("unknown"), std::string::npos) << "0: not reported";
}

} // namespace
