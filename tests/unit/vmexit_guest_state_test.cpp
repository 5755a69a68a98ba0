// The payload's guest states: what --guest-state names, the variants they
// name, and the check of the registers the guest reads back.
#include "core/error.h"
#include "vmexit/guest_state.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace xperf;

namespace {

// The registers of a guest that set the xAPIC and nothing else, as the
// payload reads them back under KVM (IA32_APIC_BASE of the BSP, SVR on,
// CR4 PAE|OSFXSR|OSXMMEXCPT from the built-in VMM, EFER LME|LMA).
xperf_vm_guest_state apic_only()
{
	xperf_vm_guest_state g{};
	g.asked = g.set = XPERF_STATE_APIC;
	g.offered = XPERF_STATES;
	g.apic_base = 0xfee00900;
	g.apic_svr = 0x1ff;
	g.cr0 = 0x80010033;
	g.cr4 = 0x620;
	g.efer = 0x500;
	g.rflags = 0x2;
	return g;
}

std::vector<std::string> names(const std::vector<GuestState> &states)
{
	std::vector<std::string> out;
	for (const auto &s : states)
		out.push_back(s.name);
	return out;
}

} // namespace

TEST(VmexitGuestState, TheDefaultIsTheStateThePayloadAlwaysRanIn)
{
	std::vector<GuestState> s = guest_states("default");
	ASSERT_EQ(s.size(), 1u);
	EXPECT_EQ(s[0].bits, 0u);
	EXPECT_EQ(s[0].suffix(), "") << "the variants keep their names: cpuid/kernel";
}

TEST(VmexitGuestState, AllIsEveryNamedStateOnce)
{
	std::vector<GuestState> s = guest_states("all");
	EXPECT_EQ(names(s), (std::vector<std::string>{ "default", "apic", "x2apic", "sti", "nx",
						       "xsave", "kvm-unit-tests" }));
	const GuestState &kut = s.back();
	EXPECT_EQ(kut.bits, static_cast<uint32_t>(XPERF_STATE_APIC | XPERF_STATE_X2APIC |
						  XPERF_STATE_STI | XPERF_STATE_NX))
		<< "kvm-unit-tests leaves CR4 at PAE: no XSAVE";
	EXPECT_EQ(kut.suffix(), "+kvm-unit-tests");
	EXPECT_EQ(s[2].bits, static_cast<uint32_t>(XPERF_STATE_APIC | XPERF_STATE_X2APIC))
		<< "x2APIC mode is entered from the xAPIC";
}

TEST(VmexitGuestState, StatesJoinedByPlusAreOneStateUnderTheirOwnName)
{
	std::vector<GuestState> s = guest_states("apic+xsave,default");
	ASSERT_EQ(s.size(), 2u);
	EXPECT_EQ(s[0].name, "apic+xsave");
	EXPECT_EQ(s[0].bits, static_cast<uint32_t>(XPERF_STATE_APIC | XPERF_STATE_XSAVE));
	EXPECT_EQ(s[0].suffix(), "+apic+xsave");
	// The same bits under another name are measured once, under the first.
	EXPECT_EQ(names(guest_states("kvm-unit-tests,x2apic+sti+nx,default,default")),
		  (std::vector<std::string>{ "kvm-unit-tests", "default" }));
}

TEST(VmexitGuestState, UnknownStatesAreBadInputNamingTheChoices)
{
	for (const char *spec : { "apci", "", "apic,", "apic+", "default+apic", "all+xsave" }) {
		try {
			guest_states(spec);
			ADD_FAILURE() << "accepted '" << spec << "'";
		} catch (const Error &e) {
			EXPECT_EQ(e.kind(), ErrorKind::bad_input) << spec;
			EXPECT_NE(std::string(e.what()).find("kvm-unit-tests"), std::string::npos)
				<< e.what();
		}
		EXPECT_FALSE(guest_state_problem(spec).empty()) << spec;
		EXPECT_EQ(guest_state_problem(spec).find("--guest-state"), std::string::npos)
			<< "the CLI names the option itself";
	}
	EXPECT_EQ(guest_state_problem("all"), "");
}

TEST(VmexitGuestState, RegistersThatShowTheStateSetPass)
{
	EXPECT_TRUE(read_back_problems(apic_only()).empty());

	xperf_vm_guest_state kut = apic_only();
	kut.asked = kut.set = XPERF_STATE_APIC | XPERF_STATE_X2APIC | XPERF_STATE_STI |
			      XPERF_STATE_NX;
	kut.apic_base = 0xfee00d00;
	kut.efer |= 0x800;
	kut.rflags |= 0x200;
	EXPECT_TRUE(read_back_problems(kut).empty());

	xperf_vm_guest_state xsave = apic_only();
	xsave.asked = xsave.set = XPERF_STATE_XSAVE;
	xsave.apic_svr = 0; // not read where the APIC was not set up
	xsave.cr4 |= 0x40000;
	xsave.xcr0 = 0x7;
	EXPECT_TRUE(read_back_problems(xsave).empty())
		<< "the APIC on by reset is no claim the guest made";
}

TEST(VmexitGuestState, RegistersThatContradictTheStateAreProblems)
{
	xperf_vm_guest_state svr_off = apic_only();
	svr_off.apic_svr = 0xff; // software-disabled
	ASSERT_EQ(read_back_problems(svr_off).size(), 1u);
	EXPECT_NE(read_back_problems(svr_off)[0].find("apic set"), std::string::npos)
		<< read_back_problems(svr_off)[0];

	xperf_vm_guest_state unasked_if = apic_only();
	unasked_if.rflags |= 0x200;
	ASSERT_EQ(read_back_problems(unasked_if).size(), 1u);
	EXPECT_NE(read_back_problems(unasked_if)[0].find("sti not set"), std::string::npos)
		<< read_back_problems(unasked_if)[0];

	xperf_vm_guest_state xsave_off = apic_only();
	xsave_off.asked = xsave_off.set = XPERF_STATE_APIC | XPERF_STATE_XSAVE;
	xsave_off.xcr0 = 0x7; // but CR4.OSXSAVE clear
	EXPECT_EQ(read_back_problems(xsave_off).size(), 1u);

	xperf_vm_guest_state unasked = apic_only();
	unasked.asked = 0;
	EXPECT_FALSE(read_back_problems(unasked).empty()) << "set what nobody asked for";
}

TEST(VmexitGuestState, AStateTheCpuDoesNotOfferSaysWhichCpuidBit)
{
	xperf_vm_guest_state g = apic_only();
	g.asked = XPERF_STATE_APIC | XPERF_STATE_X2APIC | XPERF_STATE_XSAVE;
	g.offered = XPERF_STATE_APIC | XPERF_STATE_STI | XPERF_STATE_NX;
	std::string why = missing_state_reason(g);
	EXPECT_NE(why.find("x2apic: the guest's CPU model does not offer it "
			   "(CPUID.1:ECX.x2APIC[bit 21] is 0)"),
		  std::string::npos)
		<< why;
	EXPECT_NE(why.find("xsave: the guest's CPU model does not offer it"), std::string::npos)
		<< why;
	EXPECT_TRUE(!why.starts_with("apic:") && why.find("; apic:") == std::string::npos)
		<< "the xAPIC was set: " << why;
}

TEST(VmexitGuestState, TheDetailNamesTheStateAndItsRegisters)
{
	nlohmann::json j = guest_state_json(guest_states("apic").front(), apic_only());
	EXPECT_EQ(j["name"], "apic");
	EXPECT_EQ(j["set"], nlohmann::json::array({ "apic" }));
	EXPECT_EQ(j["registers"]["ia32_apic_base"], "0xfee00900");
	EXPECT_EQ(j["registers"]["apic_svr"], "0x1ff");
	EXPECT_EQ(j["registers"]["cr4"], "0x620");
	EXPECT_TRUE(j["registers"]["xcr0"].is_null()) << "no XCR0 without CR4.OSXSAVE";
	EXPECT_EQ(j["interrupts_taken"], 0);
}
