// The built-in VMM's exit handling, fed synthetic kvm_run structures as
// KVM fills them, and the QEMU runner's pure parts.
#include "vmexit/exit_dispatcher.h"
#include "vmexit/qemu_runner.h"

#include "xperf/vmexit_protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

using namespace xperf;

namespace {

// kvm_run followed by the I/O data page, as the vCPU mapping has it.
class RunPage {
public:
	RunPage() : buf_(sizeof(kvm_run) + 4096) {}

	const kvm_run &out(uint16_t port, uint8_t size, const void *data, uint32_t count = 1)
	{
		clear(KVM_EXIT_IO);
		run().io.direction = KVM_EXIT_IO_OUT;
		run().io.port = port;
		run().io.size = size;
		run().io.count = count;
		run().io.data_offset = sizeof(kvm_run);
		std::memcpy(buf_.data() + sizeof(kvm_run), data, std::size_t{ size } * count);
		return run();
	}
	const kvm_run &outl(uint16_t port, uint32_t v) { return out(port, 4, &v); }
	const kvm_run &outb(uint16_t port, uint8_t v) { return out(port, 1, &v); }
	kvm_run &clear(uint32_t reason)
	{
		std::fill(buf_.begin(), buf_.end(), 0);
		run().exit_reason = reason;
		return run();
	}
	kvm_run &run() { return *reinterpret_cast<kvm_run *>(buf_.data()); }

private:
	std::vector<unsigned char> buf_;
};

using Action = ExitDispatcher::Action;

uint32_t mark(uint32_t record, uint32_t what)
{
	return record << 8 | what;
}

std::string message(const std::function<void()> &f)
{
	try {
		f();
	} catch (const std::runtime_error &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(VmexitDispatch, CountsDebugconExitsPerRecordAndTimesTheTimedOnes)
{
	RunPage page;
	ExitDispatcher d;
	const uint32_t warmup = 3, timed = 5;
	EXPECT_EQ(d.handle(page.outl(XPERF_VM_PORT_MARK, mark(1, XPERF_MARK_WARMUP)), 100),
		  Action::resume);
	for (uint32_t i = 0; i < warmup; i++)
		d.handle(page.outb(XPERF_VMEXIT_PORT, 0), 200 + i);
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(1, XPERF_MARK_TIMED)), 1000);
	for (uint32_t i = 0; i < timed; i++)
		d.handle(page.outb(XPERF_VMEXIT_PORT, 0), 2000 + 500 * i);
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(1, XPERF_MARK_END)), 5000);

	ASSERT_EQ(d.records().size(), 2u);
	const HostRecordView &r = d.records()[1];
	EXPECT_EQ(r.debugcon_exits, warmup + timed);
	EXPECT_EQ(r.timed_ns, 1000);
	EXPECT_EQ(r.end_ns, 5000);
	ASSERT_EQ(r.pio_gaps_ns.size(), timed - 1);
	for (int64_t gap : r.pio_gaps_ns)
		EXPECT_EQ(gap, 500);
	EXPECT_EQ(d.records()[0].debugcon_exits, 0u) << "record 0 was never marked";
	EXPECT_TRUE(d.debugcon().empty()) << "timed OUTBs are not stream bytes";
	EXPECT_EQ(d.exit_counts().at("io"), 3 + warmup + timed);
}

// The round trips timed back to back come between the warm-up and the
// timed phase: the VMM counts their exits apart and times the phase, and
// the timed phase's own figures stay those of the timed round trips.
TEST(VmexitDispatch, CountsTheBackToBackRoundTripsApart)
{
	RunPage page;
	ExitDispatcher d;
	const uint32_t warmup = 2, loop = 4, timed = 3;
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_WARMUP)), 0);
	for (uint32_t i = 0; i < warmup; i++)
		d.handle(page.outb(XPERF_VMEXIT_PORT, 0), 10 + i);
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_LOOP)), 100);
	for (uint32_t i = 0; i < loop; i++)
		d.handle(page.outb(XPERF_VMEXIT_PORT, 0), 200 + i);
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_TIMED)), 1000);
	for (uint32_t i = 0; i < timed; i++)
		d.handle(page.outb(XPERF_VMEXIT_PORT, 0), 2000 + 100 * i);
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_END)), 3000);

	ASSERT_EQ(d.records().size(), 1u);
	const HostRecordView &r = d.records()[0];
	EXPECT_EQ(r.loop_debugcon_exits, loop);
	EXPECT_EQ(r.debugcon_exits, warmup + timed);
	EXPECT_EQ(r.loop_ns, 100);
	EXPECT_EQ(r.timed_ns, 1000);
	EXPECT_EQ(r.pio_gaps_ns, std::vector<int64_t>(timed - 1, 100))
		<< "only the timed phase's exits are spaced";
	EXPECT_TRUE(d.debugcon().empty());
}

// A run's tag rides above the record in every mark: the VMM keeps the
// records apart by their index alone.
TEST(VmexitDispatch, TheTagOfAMarkIsNotPartOfItsRecord)
{
	RunPage page;
	ExitDispatcher d;
	const uint32_t tag = 0x5 << 16;
	d.handle(page.outl(XPERF_VM_PORT_MARK, tag | mark(2, XPERF_MARK_WARMUP)), 0);
	d.handle(page.outl(XPERF_VM_PORT_MARK, tag | mark(2, XPERF_MARK_TIMED)), 10);
	d.handle(page.outl(XPERF_VM_PORT_MARK, tag | mark(2, XPERF_MARK_END)), 20);
	ASSERT_EQ(d.records().size(), 3u);
	EXPECT_EQ(d.records()[2].end_ns, 20);
	EXPECT_EQ(d.current_record(), 2);
}

TEST(VmexitDispatch, StringOutputOutsideRecordsIsTheStream)
{
	RunPage page;
	ExitDispatcher d;
	const std::string text = XPERF_STREAM_BEGIN;
	d.handle(page.out(XPERF_VMEXIT_PORT, 1, text.data(), static_cast<uint32_t>(text.size())), 0);
	d.handle(page.outb(XPERF_VMEXIT_PORT, 'h'), 0);
	EXPECT_EQ(d.debugcon(), text + "h");
}

TEST(VmexitDispatch, TheExitPortEndsTheRunWithTheGuestStatus)
{
	RunPage page;
	ExitDispatcher d;
	EXPECT_FALSE(d.finished());
	EXPECT_EQ(d.handle(page.outl(XPERF_VM_PORT_EXIT, XPERF_VM_FAULT), 0), Action::done);
	EXPECT_TRUE(d.finished());
	EXPECT_EQ(d.status(), static_cast<uint32_t>(XPERF_VM_FAULT));
	EXPECT_EQ(d.handle(page.clear(KVM_EXIT_HLT), 0), Action::done);
}

TEST(VmexitDispatch, AHaltBeforeTheStatusIsAnError)
{
	RunPage page;
	ExitDispatcher d;
	EXPECT_NE(message([&] { d.handle(page.clear(KVM_EXIT_HLT), 0); }).find("halted"),
		  std::string::npos);
}

TEST(VmexitDispatch, KvmFailuresSayWhatHappened)
{
	RunPage page;
	ExitDispatcher d;
	EXPECT_NE(message([&] { d.handle(page.clear(KVM_EXIT_SHUTDOWN), 0); }).find("triple fault"),
		  std::string::npos);
	page.clear(KVM_EXIT_FAIL_ENTRY).fail_entry.hardware_entry_failure_reason = 0x21;
	EXPECT_NE(message([&] { d.handle(page.run(), 0); }).find("0x21"), std::string::npos);
	kvm_run &ie = page.clear(KVM_EXIT_INTERNAL_ERROR);
	ie.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	ie.internal.ndata = 1;
	ie.internal.data[0] = 0xf9010f;
	std::string m = message([&] { d.handle(page.run(), 0); });
	EXPECT_NE(m.find("emulate"), std::string::npos) << m;
	EXPECT_NE(m.find("0xf9010f"), std::string::npos) << m;
	page.clear(KVM_EXIT_MMIO).mmio.phys_addr = 0xfee00000;
	EXPECT_NE(message([&] { d.handle(page.run(), 0); }).find("0xfee00000"), std::string::npos);
}

TEST(VmexitDispatch, PortsTheVmmDoesNotOwnAreErrors)
{
	RunPage page;
	ExitDispatcher d;
	EXPECT_NE(message([&] { d.handle(page.outb(0x3f8, 'x'), 0); }).find("0x3f8"),
		  std::string::npos);
	page.outb(XPERF_VMEXIT_PORT, 0);
	page.run().io.direction = KVM_EXIT_IO_IN;
	EXPECT_NE(message([&] { d.handle(page.run(), 0); }).find("read port"), std::string::npos);
	EXPECT_THROW(d.handle(page.outb(XPERF_VM_PORT_EXIT, 0), 0), std::runtime_error)
		<< "the status is one 32-bit write";
	EXPECT_THROW(d.handle(page.outl(XPERF_VM_PORT_MARK, mark(XPERF_VM_MAX_RECORDS, 1)), 0),
		     std::runtime_error);
	EXPECT_EQ(d.handle(page.clear(KVM_EXIT_INTR), 0), Action::resume) << "a signal, not an error";
}

TEST(VmexitQemu, VersionParsing)
{
	QemuVersion v = parse_qemu_version(
		"QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
		"Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n");
	EXPECT_EQ(v.text, "7.2.22");
	EXPECT_TRUE(v.at_least(4, 2));
	EXPECT_FALSE(parse_qemu_version("QEMU emulator version 4.1\n").at_least(4, 2));
	EXPECT_THROW(parse_qemu_version("bash: qemu: command not found"), std::runtime_error);
}

TEST(VmexitQemu, CommandUsesKvmANamedCpuAndTheProtocolPorts)
{
	xperf_vm_params p{};
	p.exits = 2;
	p.froms = 4;
	p.samples = 10;
	p.mem_bytes = 8u << 20;
	auto argv = qemu_command("qemu-system-x86_64", "img", "dc.out", "guest.ram", p);
	std::string cmd;
	for (const auto &a : argv)
		cmd += a + " ";
	EXPECT_NE(cmd.find("-accel kvm -cpu qemu64 "), std::string::npos) << cmd;
	EXPECT_NE(cmd.find("-m 8M "), std::string::npos) << cmd;
	EXPECT_NE(cmd.find("memory-backend-file,id=ram,size=8M,mem-path=guest.ram,share=on"),
		  std::string::npos)
		<< "the samples are read from guest memory: " << cmd;
	EXPECT_NE(cmd.find("-debugcon file:dc.out "), std::string::npos) << cmd;
	EXPECT_NE(cmd.find("isa-debug-exit,iobase=0xf4,iosize=4"), std::string::npos) << cmd;
	EXPECT_NE(cmd.find("-name xperf-vmexit,debug-threads=on "), std::string::npos)
		<< "--verify finds the vCPU thread by the name QEMU gives it only then: " << cmd;
	p.state = XPERF_STATE_XSAVE;
	std::string xsave;
	for (const auto &a : qemu_command("qemu-system-x86_64", "img", "dc.out", "guest.ram", p))
		xsave += a + " ";
	EXPECT_NE(xsave.find("-cpu qemu64,+xsave "), std::string::npos)
		<< "qemu64 has no XSAVE for the xsave state to set: " << xsave;
	auto append = std::find(argv.begin(), argv.end(), "-append");
	ASSERT_NE(append, argv.end());
	xperf_vm_params back{};
	EXPECT_EQ(xperf_vm_parse_params((append + 1)->c_str(), &back), 0) << *(append + 1);
	EXPECT_EQ(back.samples, 10u);
}

// Where KVM's emulated instructions are counted, the VMM reads the count at
// each phase mark, so that each phase's share is known; unread marks stay
// -1, and a VMM that counts nothing reads nothing.
TEST(VmexitDispatch, ReadsTheEmulationCountAtEachMark)
{
	RunPage page;
	ExitDispatcher plain;
	plain.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_WARMUP)), 0);
	EXPECT_EQ(plain.records()[0].emulated_at[XPERF_MARK_WARMUP], -1);

	ExitDispatcher d;
	uint64_t count = 7;
	d.count_emulation([&count] { return count; });
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_WARMUP)), 0);
	count = 19;
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_LOOP)), 100);
	count = 79;
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_TIMED)), 200);
	count = 400;
	d.handle(page.outl(XPERF_VM_PORT_MARK, mark(0, XPERF_MARK_END)), 300);
	const HostRecordView &r = d.records()[0];
	EXPECT_EQ(r.emulated_at[XPERF_MARK_WARMUP], 7);
	EXPECT_EQ(r.emulated_at[XPERF_MARK_LOOP], 19);
	EXPECT_EQ(r.emulated_at[XPERF_MARK_TIMED], 79);
	EXPECT_EQ(r.emulated_at[XPERF_MARK_END], 400);
}
