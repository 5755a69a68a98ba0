// The correlation behind --verify, fed recorded and synthetic event
// sequences: no BPF, no root.
#include "test_paths.h"
#include "app/registry.h"
#include "core/result.h"
#include "verify/correlate.h"
#include "verify/expectations.h"
#include "vmexit/exit_kinds.h"
#include "xperf/vmexit_protocol.h"

#include <sys/syscall.h>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

using namespace xperf;
using namespace xperf::verify;

namespace {

struct Recording {
	nlohmann::json meta;
	std::vector<Event> events;
};

Recording load(const std::string &name)
{
	std::ifstream in(std::string(XPERF_FIXTURES) + "/verify/" + name);
	Recording r;
	r.meta = nlohmann::json::parse(in);
	r.events = events_from_json(r.meta.at("events"));
	return r;
}

Expectation expected_for(const std::string &crossing, const std::string &variant = "")
{
	Result r;
	r.crossing = crossing;
	r.variant = variant;
	Expectation x = expectation_for(r);
	if (!x.unverifiable.empty())
		throw std::runtime_error("no expectation for " + crossing + ": " + x.unverifiable);
	return x;
}

// Builds a stream the way the BPF side would: one CPU, sequence numbers in
// order, time advancing, the current mark on every event.
class Stream {
public:
	explicit Stream(uint64_t run = 1) : run_(run) {}

	Stream &setup(std::size_t it)
	{
		mark_ = make_mark(run_, it, false);
		return *this;
	}
	Stream &timed(std::size_t it)
	{
		mark_ = make_mark(run_, it, true);
		return *this;
	}
	Stream &outside()
	{
		mark_ = 0;
		return *this;
	}
	Stream &add(uint32_t kind, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0)
	{
		Event e{};
		e.kind = kind;
		e.mark = mark_;
		e.seq = seq_++;
		e.ts_ns = ts_ += 100;
		e.tid = tid_;
		e.arg[0] = a0;
		e.arg[1] = a1;
		e.arg[2] = a2;
		events.push_back(e);
		return *this;
	}
	Stream &drop(uint64_t n) // the ring buffer was full for n events
	{
		seq_ += n;
		return *this;
	}
	Stream &wait(uint64_t ns)
	{
		ts_ += ns;
		return *this;
	}
	Stream &thread(uint32_t tid) // the events that follow are this thread's
	{
		tid_ = tid;
		return *this;
	}

	std::vector<Event> events;

private:
	uint64_t run_, mark_ = 0, seq_ = 1000, ts_ = 1'000'000;
	uint32_t tid_ = 42;
};

// n iterations of syscall 500, each with a getppid-free setup.
Stream syscalls(std::size_t n)
{
	Stream s;
	for (std::size_t i = 0; i < n; i++)
		s.setup(i).timed(i).add(VERIFY_SYS_ENTER, 500);
	s.outside();
	return s;
}

} // namespace

TEST(VerifyCorrelate, RecordedSyscallRunTookSyscall500EveryIteration)
{
	Recording rec = load("syscall.json");
	std::size_t n = rec.meta["iterations"];
	PathReport p = correlate(rec.events, rec.meta["run"], n, expected_for("syscall"), 0);
	EXPECT_EQ(p.iterations, n);
	EXPECT_EQ(p.as_expected, n);
	EXPECT_EQ(p.mismatched, 0u);
	EXPECT_EQ(p.timed_events["sys_enter"], n);
	EXPECT_TRUE(p.ok());
}

TEST(VerifyCorrelate, RecordedSyscallRunIsNotGetppid)
{
	Recording rec = load("syscall.json");
	std::size_t n = rec.meta["iterations"];
	PathReport p = correlate(rec.events, rec.meta["run"], n, expected_for("getppid"), 0);
	EXPECT_EQ(p.as_expected, 0u);
	EXPECT_EQ(p.mismatched, n);
	ASSERT_FALSE(p.examples.empty());
	EXPECT_NE(p.examples[0].why.find("getppid x0 (expected 1)"), std::string::npos);
	EXPECT_NE(p.examples[0].why.find("unexpected sys_enter 500"), std::string::npos);
	EXPECT_FALSE(p.ok());
}

// The recording has madvise in every setup: untimed, so not counted; the
// handle_mm_fault probe was not attachable there, so it is left out.
TEST(VerifyCorrelate, RecordedPgfaultRunFaultedOncePerIterationOnOnePage)
{
	Recording rec = load("pgfault.json");
	std::size_t n = rec.meta["iterations"];
	Expectation x = expected_for("pgfault");
	std::erase_if(x.events, [](const Expected &e) { return e.what.kind == VERIFY_MM_FAULT; });
	PathReport p = correlate(rec.events, rec.meta["run"], n, x, 0);
	EXPECT_EQ(p.as_expected, n);
	EXPECT_EQ(p.fault_pages, 1u);
	EXPECT_EQ(p.timed_events.count("sys_enter"), 0u);
	EXPECT_TRUE(p.ok());
}

TEST(VerifyCorrelate, InterleavedInterruptIsAnExtraNotAMismatch)
{
	Stream s;
	for (std::size_t i = 0; i < 10; i++) {
		s.setup(i).timed(i).add(VERIFY_SYS_ENTER, 500);
		if (i == 3)
			s.add(VERIFY_IRQ, 236, VERIFY_IRQ_TIMER);
		if (i == 7)
			s.add(VERIFY_IRQ, 24, VERIFY_IRQ_DEVICE).add(VERIFY_SWITCH_OUT, 1);
	}
	PathReport p = correlate(s.events, 1, 10, expected_for("syscall"), 0);
	EXPECT_EQ(p.as_expected, 10u);
	EXPECT_EQ(p.with_interrupt, 2u);
	EXPECT_EQ(p.preempted, 1u);
	EXPECT_EQ(p.interrupts["local timer"], 1u);
	EXPECT_EQ(p.interrupts["device"], 1u);
	EXPECT_TRUE(p.ok());
	EXPECT_EQ(p.summary(), "path: 10 of 10 iterations took syscall 500; 2 had an extra "
			       "interrupt (1 device, 1 local timer); 1 was preempted");
}

TEST(VerifyCorrelate, MissingOrExtraEventIsAMismatchNamingTheIteration)
{
	Stream s;
	for (std::size_t i = 0; i < 8; i++) {
		s.setup(i).timed(i);
		if (i != 5)
			s.add(VERIFY_SYS_ENTER, 500);
		if (i == 6)
			s.add(VERIFY_SYS_ENTER, 500);
	}
	PathReport p = correlate(s.events, 1, 8, expected_for("syscall"), 0);
	EXPECT_EQ(p.as_expected, 6u);
	EXPECT_EQ(p.mismatched, 2u);
	ASSERT_EQ(p.examples.size(), 2u);
	EXPECT_EQ(p.examples[0].iteration, 5u);
	EXPECT_EQ(p.examples[0].why, "syscall 500 x0 (expected 1)");
	EXPECT_EQ(p.examples[1].iteration, 6u);
	EXPECT_FALSE(p.ok());
}

TEST(VerifyCorrelate, FunctionCallWithASystemCallInsideIsAMismatch)
{
	Stream s;
	for (std::size_t i = 0; i < 4; i++)
		s.setup(i).timed(i);
	s.add(VERIFY_SYS_ENTER, 1);
	PathReport p = correlate(s.events, 1, 4, expected_for("funccall"), 0);
	EXPECT_EQ(p.as_expected, 3u);
	EXPECT_EQ(p.mismatched, 1u);
	EXPECT_EQ(p.examples.at(0).why, "unexpected sys_enter 1");
}

TEST(VerifyCorrelate, OtherMeasurementsAndSetupAreNotCounted)
{
	Stream s(2);
	for (std::size_t i = 0; i < 3; i++)
		s.setup(i).add(VERIFY_SYS_ENTER, 28).timed(i).add(VERIFY_SYS_ENTER, 500);
	Stream other(1);
	other.timed(0).add(VERIFY_SYS_ENTER, 500);
	s.events.insert(s.events.begin(), other.events.begin(), other.events.end());
	PathReport p = correlate(s.events, 2, 3, expected_for("syscall"), 0);
	EXPECT_EQ(p.as_expected, 3u);
	EXPECT_EQ(p.timed_events["sys_enter"], 3u);
}

TEST(VerifyCorrelate, LostEventsMakeTheIterationsAroundThemUnverified)
{
	Stream s;
	for (std::size_t i = 0; i < 10; i++) {
		s.setup(i).timed(i);
		if (i == 5)
			s.drop(2); // iteration 5's event, and one more, never arrived
		else
			s.add(VERIFY_SYS_ENTER, 500);
	}
	PathReport p = correlate(s.events, 1, 10, expected_for("syscall"), 2);
	EXPECT_EQ(p.located_losses, 2u);
	// Between iteration 4's event and iteration 6's: 4, 5 and 6 may have lost one.
	EXPECT_EQ(p.unverified, 3u);
	EXPECT_EQ(p.as_expected, 7u);
	EXPECT_EQ(p.mismatched, 0u);
	EXPECT_FALSE(p.ok());
	EXPECT_NE(p.summary().find("3 unverified: 2 events lost"), std::string::npos);
}

TEST(VerifyCorrelate, DropsThatCannotBePlacedVerifyNothing)
{
	Stream s = syscalls(5);
	PathReport p = correlate(s.events, 1, 5, expected_for("syscall"), 3);
	EXPECT_EQ(p.unverified, 5u);
	EXPECT_EQ(p.as_expected, 0u);
	EXPECT_FALSE(p.ok());
}

TEST(VerifyCorrelate, InterruptNestedInsideAnEventIsNoLoss)
{
	// The interrupt's program took its sequence number after the outer
	// program's but recorded its time first: out of order, nothing lost.
	Stream s = syscalls(3);
	std::swap(s.events[1].seq, s.events[2].seq);
	std::swap(s.events[1].ts_ns, s.events[2].ts_ns);
	PathReport p = correlate(s.events, 1, 3, expected_for("syscall"), 0);
	EXPECT_EQ(p.located_losses, 0u);
	EXPECT_EQ(p.as_expected, 3u);
}

namespace {

// The payload's phase marks are OUTLs to port 0xec: (record << 8) | mark.
constexpr uint64_t mark_port = 0xec;

Expectation cpuid_fast_path()
{
	Expectation x;
	x.path = "the fast path (CPUID in KVM)";
	x.vm = true;
	x.anchor = Match{ VERIFY_KVM_CPUID, {}, {}, {} };
	x.begin = Match{ VERIFY_KVM_PIO, 1, mark_port, 0x102 }; // record 1, timed
	x.end = Match{ VERIFY_KVM_PIO, 1, mark_port, 0x103 };
	x.events = { { { VERIFY_KVM_CPUID, {}, {}, {} }, 1, "kvm_cpuid", false },
		     { { VERIFY_KVM_USERSPACE_EXIT, 2, {}, {} }, 0, "userspace exit", false },
		     { { VERIFY_KVM_EXIT, {}, {}, {} }, 1, "kvm_exit", true } };
	x.tolerated = { { VERIFY_KVM_ENTRY, {}, {}, {} }, { VERIFY_SYS_ENTER, 16, {}, {} } };
	return x;
}

// One CPUID round trip as KVM on SVM traces it; the exit that ends it is
// the next one's.
void cpuid_exit(Stream &s, bool to_userspace = false)
{
	s.add(VERIFY_KVM_EXIT, 0x72, 2).add(VERIFY_KVM_CPUID, 0);
	if (to_userspace)
		s.add(VERIFY_KVM_USERSPACE_EXIT, 2).add(VERIFY_SYS_ENTER, 16);
	s.wait(900).add(VERIFY_KVM_ENTRY);
}

} // namespace

TEST(VerifyCorrelate, VmExitsAreFoundBetweenThePayloadsMarks)
{
	Stream s;
	s.add(VERIFY_KVM_PIO, 1, mark_port, 0x102).add(VERIFY_KVM_USERSPACE_EXIT, 2);
	s.add(VERIFY_KVM_ENTRY);
	for (int i = 0; i < 6; i++) {
		if (i == 2) // a host interrupt while the guest ran: its own exit
			s.add(VERIFY_KVM_EXIT, 0x60, 2).add(VERIFY_IRQ, 236, VERIFY_IRQ_TIMER)
				.add(VERIFY_KVM_ENTRY);
		cpuid_exit(s, i == 4);
	}
	s.add(VERIFY_KVM_EXIT, 0x7b, 2).add(VERIFY_KVM_PIO, 1, mark_port, 0x103);
	PathReport p = correlate(s.events, 0, 6, cpuid_fast_path(), 0);
	EXPECT_EQ(*p.anchors_found, 6u);
	EXPECT_EQ(p.mismatched, 1u); // CPUID going out to userspace
	// The interrupt's exit ends iteration 1: it ran in the guest's loop turn.
	EXPECT_EQ(p.examples.at(0).iteration, 4u);
	EXPECT_NE(p.examples[0].why.find("userspace exit x1 (expected 0)"), std::string::npos);
	EXPECT_EQ(p.as_expected, 5u);
	EXPECT_EQ(p.with_second_exit, 1u);
	EXPECT_EQ(p.second_exits["interrupt"], 1u);
	EXPECT_EQ(p.fast_path, 4u);
	EXPECT_EQ(p.other_path, 1u);
	EXPECT_EQ(p.userspace_round_trip, 1u);
	// Every CPUID exit took 1.1 to 1.3 us to re-enter: the 1024 ns bucket.
	EXPECT_EQ(p.exit_to_entry["cpuid"][1024], 6u);
	EXPECT_EQ(p.exit_to_entry["interrupt"][128], 1u);
}

TEST(VerifyCorrelate, FewerVmExitsThanIterationsIsAProblem)
{
	Stream s;
	s.add(VERIFY_KVM_PIO, 1, mark_port, 0x102);
	for (int i = 0; i < 4; i++)
		cpuid_exit(s);
	s.add(VERIFY_KVM_EXIT, 0x7b, 2).add(VERIFY_KVM_PIO, 1, mark_port, 0x103);
	PathReport p = correlate(s.events, 0, 5, cpuid_fast_path(), 0);
	EXPECT_EQ(p.as_expected, 4u);
	EXPECT_FALSE(p.ok());
	EXPECT_NE(p.summary().find("5 iterations, but 4 kvm_cpuid in the timed phase"), std::string::npos);
}

TEST(VerifyCorrelate, EventsRoundTripThroughJson)
{
	Stream s = syscalls(2);
	s.events[0].arg[2] = ~uint64_t{ 0 };
	auto back = events_from_json(events_to_json(s.events));
	ASSERT_EQ(back.size(), s.events.size());
	for (std::size_t i = 0; i < back.size(); i++) {
		EXPECT_EQ(back[i].mark, s.events[i].mark);
		EXPECT_EQ(back[i].seq, s.events[i].seq);
		EXPECT_EQ(back[i].arg[2], s.events[i].arg[2]);
	}
	EXPECT_THROW(events_from_json(nlohmann::json::parse("[[1, 2]]")), std::runtime_error);
}

namespace {

uint32_t exit_code(const std::string &name)
{
	// From the one table of exit kinds.
	if (const ExitKind *k = measured_exit_kind(name))
		return k->id;
	throw std::runtime_error("no exit " + name);
}

VmExitRun::Vmm vmm_of(const std::string &name)
{
	return name == "qemu"	 ? VmExitRun::Vmm::qemu
	       : name == "guest" ? VmExitRun::Vmm::guest
				 : VmExitRun::Vmm::builtin;
}

// A vmexit Result as the crossing describes it: EXIT from guest kernel.
Result vmexit_result(const std::string &vmm, const std::string &exit, unsigned record,
		     uint32_t msr = 0x10)
{
	Result r;
	r.crossing = "vmexit";
	r.variant = exit + "/kernel";
	r.vm_exit = { vmm_of(vmm), exit_code(exit), XPERF_FROM_KERNEL, record, msr, std::nullopt };
	return r;
}

} // namespace

TEST(VerifyExpectations, VmExitPhaseIsTheRecordsMarksAndItsAnchorTheExit)
{
	Expectation x = expectation_for(vmexit_result("builtin", "pio", 2));
	ASSERT_TRUE(x.unverifiable.empty()) << x.unverifiable;
	EXPECT_TRUE(x.vm);
	EXPECT_EQ(*x.begin->arg2, 0x202u); // record 2, TIMED
	EXPECT_EQ(*x.end->arg2, 0x203u);   // record 2, END
	EXPECT_EQ(*x.anchor->arg1, 0xe9u); // the debugcon port
	Expectation cpuid = expectation_for(vmexit_result("builtin", "cpuid", 1));
	ASSERT_TRUE(cpuid.unverifiable.empty()) << cpuid.unverifiable;
	EXPECT_EQ(cpuid.anchor->kind, VERIFY_KVM_CPUID);
	for (const auto &e : cpuid.events) {
		if (e.what.kind == VERIFY_KVM_USERSPACE_EXIT) {
			EXPECT_EQ(e.per_iteration, 0u) << "the fast path goes nowhere near userspace";
		}
	}
}

TEST(VerifyExpectations, ExitsToAHypervisorAboveThisKernelAreNotVerified)
{
	Expectation x = expectation_for(vmexit_result("guest", "cpuid", 1));
	EXPECT_NE(x.unverifiable.find("hypervisor"), std::string::npos) << x.unverifiable;
	EXPECT_NE(x.unverifiable.find("on the host"), std::string::npos) << x.unverifiable;
}

// The RDMSR's iterations are told apart by the MSR the run says it reads.
TEST(VerifyExpectations, RdmsrAnchorIsTheMsrTheRunReads)
{
	Expectation x = expectation_for(vmexit_result("builtin", "rdmsr", 0, 0xc0000080));
	ASSERT_TRUE(x.unverifiable.empty()) << x.unverifiable;
	EXPECT_EQ(x.anchor->kind, VERIFY_KVM_MSR);
	EXPECT_EQ(*x.anchor->arg1, 0xc0000080u);
}

// What cannot be verified says why, so that --verify=strict can fail it
// with the reason: a crossing nothing is known of, and a vmexit result
// whose run did not describe itself.
TEST(VerifyExpectations, ResultsThatCannotBeVerifiedSayWhy)
{
	Result unknown;
	unknown.crossing = "nosuch";
	unknown.variant = "v";
	EXPECT_EQ(expectation_for(unknown).unverifiable, "nothing is known to expect of nosuch v");
	Result undescribed = vmexit_result("builtin", "cpuid", 1);
	undescribed.vm_exit.reset();
	EXPECT_NE(expectation_for(undescribed).unverifiable.find("did not describe itself"),
		  std::string::npos);
}

// --vmm guest: this kernel sees the way to the exit, not the exit. From
// guest user nothing may enter it; through the guest kernel, one ioctl().
TEST(VerifyExpectations, InsideAGuestOnlyThisKernelsPartIsChecked)
{
	Result user = vmexit_result("guest", "cpuid", 0), via = user;
	user.variant = "cpuid/user";
	user.vm_exit->from = XPERF_FROM_USER;
	via.variant = "cpuid/user-via-kernel";
	via.vm_exit->from = XPERF_FROM_USER_VIA_KERNEL;
	Expectation u = expectation_for(user), v = expectation_for(via);
	EXPECT_TRUE(u.unverifiable.empty() && v.unverifiable.empty());
	EXPECT_FALSE(u.vm || v.vm);
	EXPECT_TRUE(u.events.empty());
	ASSERT_EQ(v.events.size(), 1u);
	EXPECT_EQ(v.events[0].what.kind, VERIFY_SYS_ENTER);
	EXPECT_EQ(*v.events[0].what.arg0, static_cast<uint64_t>(SYS_ioctl));

	Stream ok, extra;
	for (std::size_t i = 0; i < 6; i++) {
		ok.setup(i).timed(i).add(VERIFY_SYS_ENTER, SYS_ioctl);
		extra.setup(i).timed(i).add(VERIFY_SYS_ENTER, SYS_ioctl);
		if (i == 3)
			extra.add(VERIFY_SYS_ENTER, SYS_getppid);
	}
	ok.outside();
	extra.outside();
	EXPECT_TRUE(correlate(ok.events, 1, 6, v, 0).ok());
	PathReport bad = correlate(extra.events, 1, 6, v, 0);
	EXPECT_EQ(bad.mismatched, 1u);
	// From guest user, the same ioctl is a mismatch: that is row 3, not row 1.
	EXPECT_EQ(correlate(ok.events, 1, 6, u, 0).mismatched, 6u);
}

TEST(VerifyExpectations, LargeAllocationMustMapAndSmallOnesMustNot)
{
	Result big, small;
	big.crossing = small.crossing = "alloc";
	big.variant = "malloc-262144";
	small.variant = "malloc-64";
	Expectation b = expectation_for(big), s = expectation_for(small);
	EXPECT_TRUE(b.unverifiable.empty() && s.unverifiable.empty());
	ASSERT_FALSE(b.events.empty());
	EXPECT_EQ(b.events.front().what.kind, VERIFY_SYS_ENTER);
	EXPECT_TRUE(s.events.empty());
}

namespace {

// The Result of a recorded run, described as its crossing did: the
// fixture's variant, record, guest parameters and VMM.
Result recorded_vmexit(const nlohmann::json &meta)
{
	std::string v = meta["variant"];
	nlohmann::json vmm = meta.value("vmm", nlohmann::json{ { "name", "builtin" } });
	// The guest's command line as an older protocol spelled it: only the
	// MSR it read is needed.
	std::string params = meta["guest_params"];
	std::smatch msr;
	if (!std::regex_search(params, msr, std::regex(R"((^| )msr=0x([0-9a-f]+))")))
		throw std::runtime_error("no msr= in the fixture's guest_params: " + params);
	Result r = vmexit_result(vmm["name"], v.substr(0, v.find('/')), meta["guest_record"],
				 static_cast<uint32_t>(std::stoul(msr[2], nullptr, 16)));
	r.variant = v;
	if (vmm.contains("vcpu_thread"))
		r.vm_exit->vcpu = FollowedThread{ vmm["vcpu_thread"]["tid"].get<uint32_t>(),
						  "the recording's" };
	return r;
}

} // namespace

TEST(VerifyCorrelate, RecordedBuiltinVmmPortIoWentToUserspaceEveryIteration)
{
	Recording rec = load("vm-pio.json");
	Expectation x = expectation_for(recorded_vmexit(rec.meta));
	ASSERT_TRUE(x.unverifiable.empty()) << x.unverifiable;
	std::size_t n = rec.meta["iterations"];
	PathReport p = correlate(rec.events, 0, n, x, 0);
	EXPECT_EQ(*p.anchors_found, n);
	EXPECT_EQ(p.as_expected, n);
	EXPECT_EQ(p.userspace_round_trip + p.other_path, n);
	EXPECT_EQ(p.fast_path, 0u);
	// kvm_exit never fired there: left out, and said so.
	ASSERT_EQ(p.unobservable.size(), 1u);
	EXPECT_EQ(p.unobservable[0], "kvm_exit (attached, never fired)");
	EXPECT_TRUE(p.ok());
}

TEST(VerifyCorrelate, RecordedCpuidIsNotAUserspaceRoundTrip)
{
	Recording rec = load("vm-cpuid.json");
	std::size_t n = rec.meta["iterations"];
	Expectation cpuid = expectation_for(recorded_vmexit(rec.meta));
	ASSERT_TRUE(cpuid.unverifiable.empty()) << cpuid.unverifiable;
	PathReport ok = correlate(rec.events, 0, n, cpuid, 0);
	EXPECT_EQ(ok.as_expected, n);
	EXPECT_EQ(ok.fast_path + ok.other_path, n);
	// The same events judged as the port I/O round trip: no userspace exit.
	nlohmann::json meta = rec.meta;
	meta["variant"] = "pio/kernel";
	Expectation pio = expectation_for(recorded_vmexit(meta));
	pio.anchor = cpuid.anchor;
	PathReport bad = correlate(rec.events, 0, n, pio, 0);
	EXPECT_EQ(bad.mismatched, n);
	EXPECT_NE(bad.examples.at(0).why.find("userspace exit x0 (expected 1)"), std::string::npos);
}

namespace {

constexpr uint32_t measuring_thread = 42, vcpu_thread = 77;

// A QEMU run's result as the traced run gives it: its vCPU thread found
// and followed, or not.
Result qemu_result(const std::string &exit, bool found = true)
{
	Result r = vmexit_result("qemu", exit, 1);
	r.vm_exit->vcpu = found ? FollowedThread{ vcpu_thread, "QEMU's 'CPU 0/KVM', by its name" }
				: FollowedThread{ 0, "QEMU had no thread named 'CPU 0/KVM' 5.0 s "
						     "after it started" };
	return r;
}

// Record 1's timed phase of n exits on the current thread; each iteration
// with what QEMU does for it (e.g. the chardev's writev) when given.
void qemu_phase(Stream &s, uint32_t exit, std::size_t n,
		const std::vector<std::vector<long>> &syscalls = {})
{
	s.add(VERIFY_KVM_PIO, 1, mark_port, 0x102).add(VERIFY_KVM_USERSPACE_EXIT, 2);
	s.add(VERIFY_SYS_ENTER, SYS_ioctl);
	for (std::size_t i = 0; i < n; i++) {
		if (exit == XPERF_VMEXIT_PIO)
			s.add(VERIFY_KVM_PIO, 1, XPERF_VMEXIT_PORT, 0)
				.add(VERIFY_KVM_USERSPACE_EXIT, 2);
		else
			s.add(VERIFY_KVM_CPUID, 0);
		if (i < syscalls.size())
			for (long nr : syscalls[i])
				s.add(VERIFY_SYS_ENTER, static_cast<uint64_t>(nr));
		if (exit == XPERF_VMEXIT_PIO)
			s.add(VERIFY_SYS_ENTER, SYS_ioctl);
	}
	s.add(VERIFY_KVM_PIO, 1, mark_port, 0x103);
}

PathReport judged(const Stream &s, const Result &r, std::size_t n)
{
	Expectation x = expectation_for(r);
	if (!x.unverifiable.empty())
		throw std::runtime_error("no expectation for " + r.variant + ": " + x.unverifiable);
	return correlate(s.events, 0, n, x, 0);
}

} // namespace

TEST(VerifyCorrelate, RecordedQemuPortIoWroteEachByteToTheChardev)
{
	Recording rec = load("vm-qemu-pio.json");
	Expectation x = expectation_for(recorded_vmexit(rec.meta));
	ASSERT_TRUE(x.unverifiable.empty() && x.thread) << x.unverifiable;
	EXPECT_EQ(x.thread->tid, rec.meta["vmm"]["vcpu_thread"]["tid"]);
	std::size_t n = rec.meta["iterations"];
	PathReport p = correlate(rec.events, 0, n, x, 0);
	EXPECT_EQ(*p.anchors_found, n);
	EXPECT_EQ(p.as_expected, n);
	EXPECT_EQ(p.userspace_round_trip + p.other_path, n);
	// One writev of the byte and one KVM_RUN per iteration, the first
	// KVM_RUN being the re-entry after the TIMED mark.
	EXPECT_EQ(p.timed_events["sys_enter"], 2 * n);
	EXPECT_TRUE(p.ok()) << p.summary();
	EXPECT_EQ(p.to_json()["thread"]["tid"], x.thread->tid);
}

// The built-in VMM writes no byte anywhere on the vCPU's thread: judged as
// its run, every iteration of QEMU's has the chardev's writev too many.
TEST(VerifyCorrelate, RecordedQemuPortIoIsNotTheBuiltinVmmsPath)
{
	Recording rec = load("vm-qemu-pio.json");
	nlohmann::json meta = rec.meta;
	meta["vmm"] = { { "name", "builtin" } };
	Expectation x = expectation_for(recorded_vmexit(meta));
	ASSERT_TRUE(x.unverifiable.empty()) << x.unverifiable;
	std::size_t n = rec.meta["iterations"];
	PathReport p = correlate(rec.events, 0, n, x, 0);
	EXPECT_EQ(p.mismatched, n);
	EXPECT_EQ(p.examples.at(0).why, "unexpected sys_enter 20");
}

TEST(VerifyCorrelate, LostVcpuEventsLeaveAQemuRunUnverified)
{
	Recording rec = load("vm-qemu-pio.json");
	Expectation x = expectation_for(recorded_vmexit(rec.meta));
	ASSERT_TRUE(x.unverifiable.empty()) << x.unverifiable;
	std::size_t n = rec.meta["iterations"];
	// Iteration 4's writev never arrived: a gap in the CPU's sequence.
	std::vector<Event> ev;
	int writevs = 0;
	for (const Event &e : rec.events)
		if (e.kind != VERIFY_SYS_ENTER || e.arg[0] != SYS_writev || writevs++ != 4)
			ev.push_back(e);
	ASSERT_EQ(ev.size() + 1, rec.events.size());
	PathReport located = correlate(ev, 0, n, x, 1);
	EXPECT_EQ(located.located_losses, 1u);
	EXPECT_EQ(located.unverified, 1u);
	EXPECT_EQ(located.as_expected, n - 1);
	EXPECT_FALSE(located.ok());
	// More lost than the gaps account for: they could be anywhere.
	PathReport unplaced = correlate(ev, 0, n, x, 3);
	EXPECT_EQ(unplaced.unverified, n);
	EXPECT_FALSE(unplaced.ok());
}

// Until the vCPU thread is found the measuring thread is traced, and its
// check that the exits complete runs the same payload with the same marks:
// none of that is QEMU's run.
TEST(VerifyCorrelate, EventsFromBeforeTheVcpuWasFollowedAreNotAttributed)
{
	Stream s;
	s.thread(measuring_thread);
	qemu_phase(s, XPERF_VMEXIT_CPUID, 1);
	s.add(VERIFY_SYS_ENTER, SYS_wait4).add(VERIFY_SYS_ENTER, SYS_openat);
	s.thread(vcpu_thread).add(VERIFY_KVM_USERSPACE_EXIT, 2).add(VERIFY_SYS_ENTER, SYS_ioctl);
	Stream followed_late = s;
	qemu_phase(s, XPERF_VMEXIT_CPUID, 5);
	PathReport p = judged(s, qemu_result("cpuid"), 5);
	EXPECT_EQ(*p.anchors_found, 5u);
	EXPECT_EQ(p.as_expected, 5u);
	EXPECT_TRUE(p.ok()) << p.summary();

	// Followed only after the phase began: the check's marks do not stand in.
	for (std::size_t i = 0; i < 5; i++)
		followed_late.add(VERIFY_KVM_CPUID, 0);
	followed_late.add(VERIFY_KVM_PIO, 1, mark_port, 0x103);
	PathReport late = judged(followed_late, qemu_result("cpuid"), 5);
	EXPECT_EQ(*late.anchors_found, 0u);
	EXPECT_FALSE(late.ok());
	EXPECT_NE(late.summary().find("the kvm_pio that begins the timed phase is not among "
				      "thread 77's events"),
		  std::string::npos)
		<< late.summary();
}

TEST(VerifyCorrelate, UnfoundVcpuThreadFailsWithTheReason)
{
	Stream s;
	qemu_phase(s, XPERF_VMEXIT_CPUID, 5); // the measuring thread's: not evidence
	PathReport p = judged(s, qemu_result("cpuid", false), 5);
	EXPECT_EQ(p.as_expected, 0u);
	EXPECT_FALSE(p.ok());
	EXPECT_NE(p.summary().find("QEMU's vCPU thread was not followed: QEMU had no thread "
				   "named 'CPU 0/KVM'"),
		  std::string::npos)
		<< p.summary();
	EXPECT_TRUE(p.to_json()["thread"]["tid"].is_null());
}

// QEMU's own handling of the debugcon exit (the byte to the chardev, the
// BQL around the device) belongs to port I/O; in a fast-path iteration it
// means the exit went to QEMU after all.
TEST(VerifyCorrelate, QemuChardevAndBqlSystemCallsBelongOnlyToPortIo)
{
	Stream pio;
	pio.thread(vcpu_thread);
	qemu_phase(pio, XPERF_VMEXIT_PIO, 4,
		   { { SYS_writev }, { SYS_writev, SYS_futex }, { SYS_writev }, {} });
	PathReport p = judged(pio, qemu_result("pio"), 4);
	EXPECT_EQ(p.as_expected, 4u);
	EXPECT_TRUE(p.ok()) << p.summary();

	Stream cpuid;
	cpuid.thread(vcpu_thread);
	qemu_phase(cpuid, XPERF_VMEXIT_CPUID, 4, { {}, { SYS_writev }, {}, { SYS_futex } });
	PathReport c = judged(cpuid, qemu_result("cpuid"), 4);
	EXPECT_EQ(c.mismatched, 2u);
	EXPECT_EQ(c.examples.at(0).why, fmt::format("unexpected sys_enter {}", SYS_writev));
	EXPECT_EQ(c.examples.at(1).why, fmt::format("unexpected sys_enter {}", SYS_futex));

	// Nor does anything else QEMU might do pass for port I/O.
	Stream other;
	other.thread(vcpu_thread);
	qemu_phase(other, XPERF_VMEXIT_PIO, 2, { { SYS_writev, SYS_write }, { SYS_writev } });
	PathReport o = judged(other, qemu_result("pio"), 2);
	EXPECT_EQ(o.mismatched, 1u);
}

