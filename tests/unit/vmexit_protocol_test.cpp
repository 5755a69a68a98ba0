// The VM-exit payload protocol: the guest's own parser and stream encoder
// (xperf/vmexit_protocol.h, compiled here as in the guest) against the
// host's encoder and decoder, and the embedded image's headers.
#include "vmexit/guest_protocol.h"
#include "vmexit/payload.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace xperf;

namespace {

xperf_vm_params sample_params()
{
	xperf_vm_params p{};
	p.exits = 1u << XPERF_VMEXIT_CPUID | 1u << XPERF_VMEXIT_PIO;
	p.froms = 1u << XPERF_FROM_KERNEL | 1u << XPERF_FROM_USER_VIA_KERNEL;
	p.samples = 30000;
	p.warmup = 1000;
	p.msr = 0x10;
	p.hypercall = XPERF_HC_VMMCALL;
	p.output = XPERF_OUT_STREAM;
	p.mem_bytes = 64u << 20;
	p.state = XPERF_STATE_APIC | XPERF_STATE_X2APIC | XPERF_STATE_NX;
	p.tag = 0xab;
	return p;
}

bool operator==(const xperf_vm_params &a, const xperf_vm_params &b)
{
	return a.exits == b.exits && a.froms == b.froms && a.samples == b.samples &&
	       a.warmup == b.warmup && a.msr == b.msr && a.hypercall == b.hypercall &&
	       a.output == b.output && a.mem_bytes == b.mem_bytes && a.state == b.state &&
	       a.tag == b.tag;
}

int parse(const std::string &text, xperf_vm_params *out)
{
	return xperf_vm_parse_params(text.c_str(), out);
}

// Results and samples as a guest would leave them.
struct GuestImage {
	xperf_vm_results r{};
	std::vector<uint32_t> samples;
};

GuestImage two_records()
{
	GuestImage g;
	g.r.status = XPERF_VM_OK;
	g.r.nrecords = 2;
	g.r.timer = XPERF_TIMER_LFENCE;
	g.r.rec[0] = { XPERF_VMEXIT_NONE, XPERF_FROM_KERNEL, 3, 0, 0, 0, 3, 0, 3000, 12 };
	g.r.rec[1] = { XPERF_VMEXIT_PIO, XPERF_FROM_KERNEL, 20, 3, 0xdeadbeefcafe, 14, 20, 0x1000ab,
		       123456789, 98765432100 };
	for (uint32_t i = 0; i < 23; i++)
		g.samples.push_back(1000 + i * 977);
	g.samples[22] = 0xffffffff;
	g.r.state = { XPERF_STATE_APIC | XPERF_STATE_XSAVE,
		      XPERF_STATES,
		      XPERF_STATE_APIC,
		      7,
		      0xfee00900,
		      0x1ff,
		      0x80010031,
		      0x40020,
		      0xd00,
		      0x7,
		      0x202 };
	return g;
}

std::string encode(const GuestImage &g)
{
	std::string text;
	auto st = std::make_unique<xperf_vm_stream>();
	st->flush = [](void *ctx, const char *buf, size_t n) {
		static_cast<std::string *>(ctx)->append(buf, n);
	};
	st->ctx = &text;
	xperf_vm_stream_write(st.get(), &g.r, g.samples.data());
	return text;
}

} // namespace

TEST(VmexitParams, HostEncodingParsesBackInTheGuest)
{
	xperf_vm_params want = sample_params(), got{};
	ASSERT_EQ(parse(encode_params(want), &got), 0) << encode_params(want);
	EXPECT_TRUE(got == want) << encode_params(want);
}

TEST(VmexitParams, TokensBeforeTheKeywordAreIgnored)
{
	// QEMU puts the kernel's file name first on a multiboot command line.
	xperf_vm_params want = sample_params(), got{};
	ASSERT_EQ(parse("/tmp/xperf-vmexit.x/payload.bin " + encode_params(want), &got), 0);
	EXPECT_TRUE(got == want);
}

TEST(VmexitParams, RejectsWhatTheGuestCannotRun)
{
	xperf_vm_params p{};
	const std::string ok = encode_params(sample_params());
	EXPECT_EQ(parse(ok, &p), 0);
	EXPECT_NE(parse("", &p), 0) << "no keyword";
	EXPECT_NE(parse(ok + " colour=blue", &p), 0) << "unknown key";
	EXPECT_NE(parse("xperf-vmexit exits=0x2 froms=0x4 n=10", &p), 0) << "missing keys";
	// ok with one key=value put in another's place
	auto with = [&ok](std::string_view was, std::string_view now) {
		std::string s = ok;
		std::size_t at = s.find(was);
		EXPECT_NE(at, std::string::npos) << was;
		return s.replace(at, was.size(), now);
	};
	EXPECT_NE(parse(with("exits=0x12", "exits=0x13"), &p), 0)
		<< "the empty region is not an exit to ask for";
	EXPECT_NE(parse(with("n=30000", "n=0"), &p), 0) << "no samples";
	EXPECT_NE(parse(with("msr=0x10", "msr=0xg0"), &p), 0) << "bad digit";
	EXPECT_NE(parse(with("hc=vmmcall", "hc=syscall"), &p), 0) << "unknown hypercall instruction";
	EXPECT_NE(parse(with("state=0xb", "state=0x20"), &p), 0) << "a state the guest does not know";
	EXPECT_NE(parse(with("state=0xb", "state=0xa"), &p), 0) << "x2APIC without the xAPIC first";
	EXPECT_EQ(parse(with("state=0xb", "state=0x0"), &p), 0) << "the default state";
	EXPECT_NE(parse(with("tag=0xab", "tag=0x100"), &p), 0) << "the tag is a byte of the marks";
}

TEST(VmexitStream, DecodesWhatTheGuestEncodes)
{
	GuestImage g = two_records();
	// Bytes from the timed OUTBs come before the stream and are ignored.
	std::string capture = std::string(50, '\0') + encode(g);
	GuestResults r = decode_stream(capture);
	EXPECT_EQ(r.status, XPERF_VM_OK);
	EXPECT_EQ(r.timer, XPERF_TIMER_LFENCE);
	ASSERT_EQ(r.records.size(), 2u);
	EXPECT_EQ(r.records[1].exit, XPERF_VMEXIT_PIO);
	EXPECT_EQ(r.records[1].value, 0xdeadbeefcafeu);
	EXPECT_EQ(r.records[1].fault, 14u);
	EXPECT_EQ(r.records[1].fault_rip, 0x1000abu);
	EXPECT_EQ(r.records[1].tsc_span, 123456789u);
	EXPECT_EQ(r.records[1].loop_count, 20u);
	EXPECT_EQ(r.records[1].loop_cycles, 98765432100u) << "a loop's TSC span needs 64 bits";
	EXPECT_EQ(r.records[0].loop_cycles, 12u);
	ASSERT_EQ(r.records[0].samples.size(), 3u);
	ASSERT_EQ(r.records[1].samples.size(), 20u);
	EXPECT_EQ(r.records[0].samples[0], g.samples[0]);
	EXPECT_EQ(r.records[1].samples[0], g.samples[3]);
	EXPECT_EQ(r.records[1].samples[19], 0xffffffffu);
	// The state the guest measured in, as it read it back.
	EXPECT_EQ(r.state.asked, g.r.state.asked);
	EXPECT_EQ(r.state.offered, g.r.state.offered);
	EXPECT_EQ(r.state.set, g.r.state.set);
	EXPECT_EQ(r.state.interrupts, 7u);
	EXPECT_EQ(r.state.apic_base, 0xfee00900u);
	EXPECT_EQ(r.state.apic_svr, 0x1ffu);
	EXPECT_EQ(r.state.cr0, 0x80010031u);
	EXPECT_EQ(r.state.cr4, 0x40020u);
	EXPECT_EQ(r.state.efer, 0xd00u);
	EXPECT_EQ(r.state.xcr0, 0x7u);
	EXPECT_EQ(r.state.rflags, 0x202u);
}

TEST(VmexitStream, AStreamWithoutItsGuestStateIsRejected)
{
	std::string text = encode(two_records());
	std::size_t g = text.find("\ng ");
	ASSERT_NE(g, std::string::npos) << text;
	std::string body = text.substr(0, g + 1) + text.substr(text.find('\n', g + 1) + 1);
	body = body.substr(0, body.rfind("c "));
	char sum[16];
	std::snprintf(sum, sizeof(sum), "%x",
		      xperf_vm_fnv1a(XPERF_FNV_OFFSET, body.data(), body.size()));
	EXPECT_THROW(decode_stream(body + "c " + sum + "\n"), std::runtime_error);
}

TEST(VmexitStream, ACorruptByteFailsTheChecksum)
{
	std::string text = encode(two_records());
	std::size_t at = text.find("\ns ") + 3;
	text[at] = text[at] == '1' ? '2' : '1';
	try {
		decode_stream(text);
		FAIL() << "a corrupt stream was accepted";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
	}
}

TEST(VmexitStream, TruncatedOrMissingStreamsAreRejected)
{
	std::string text = encode(two_records());
	EXPECT_THROW(decode_stream(text.substr(0, text.size() / 2)), std::runtime_error);
	EXPECT_THROW(decode_stream(text.substr(0, text.rfind("c "))), std::runtime_error);
	EXPECT_THROW(decode_stream("SeaBIOS (version 1.16.2)\n"), std::runtime_error);
}

TEST(VmexitStream, ARecordShortOfSamplesIsRejectedEvenWithAGoodChecksum)
{
	GuestImage g = two_records();
	std::string text = encode(g);
	// Drop the last samples line, then recompute the checksum as a guest
	// with a miscounting encoder would have.
	std::string body = text.substr(0, text.rfind("\ns ") + 1);
	char sum[16];
	std::snprintf(sum, sizeof(sum), "%x",
		      xperf_vm_fnv1a(XPERF_FNV_OFFSET, body.data(), body.size()));
	try {
		decode_stream(body + "c " + sum + "\n");
		FAIL() << "a record short of samples was accepted";
	} catch (const std::runtime_error &e) {
		EXPECT_NE(std::string(e.what()).find("short of samples"), std::string::npos)
			<< e.what();
	}
}

TEST(VmexitMemory, ReadsResultsFromGuestMemory)
{
	GuestImage g = two_records();
	g.r.magic = XPERF_VM_HEADER_MAGIC;
	g.r.version = XPERF_VM_PROTOCOL_VERSION;
	std::vector<unsigned char> mem(XPERF_VM_SAMPLES_GPA + g.samples.size() * 4);
	std::memcpy(&mem[XPERF_VM_RESULTS_GPA], &g.r, sizeof(g.r));
	std::memcpy(&mem[XPERF_VM_SAMPLES_GPA], g.samples.data(), g.samples.size() * 4);
	GuestResults r = read_guest_results(mem);
	ASSERT_EQ(r.records.size(), 2u);
	EXPECT_EQ(r.records[1].samples.back(), 0xffffffffu);
	EXPECT_EQ(r.state.set, static_cast<uint32_t>(XPERF_STATE_APIC));
	EXPECT_EQ(r.state.xcr0, 0x7u);
	EXPECT_EQ(r.records[1].loop_count, 20u);
	EXPECT_EQ(r.records[1].loop_cycles, 98765432100u);

	// Samples claimed past the end of memory.
	g.r.rec[1].count = 21;
	std::memcpy(&mem[XPERF_VM_RESULTS_GPA], &g.r, sizeof(g.r));
	EXPECT_THROW(read_guest_results(mem), std::runtime_error);
	// No results written: the guest never finished.
	g.r.magic = 0;
	std::memcpy(&mem[XPERF_VM_RESULTS_GPA], &g.r, sizeof(g.r));
	EXPECT_THROW(read_guest_results(mem), std::runtime_error);
}

TEST(VmexitPayload, EmbeddedImageLoadsUnderBothVmms)
{
	auto image = payload_image();
	xperf_vm_payload_header h = payload_header(image);
	EXPECT_GE(h.entry64, XPERF_VM_LOAD_ADDR);
	EXPECT_LT(h.entry64, XPERF_VM_LOAD_ADDR + image.size());
	EXPECT_LE(h.image_end, XPERF_VM_PAYLOAD_LIMIT);

	// Multiboot header with address fields (QEMU refuses 64-bit ELF): its
	// checksum holds, and QEMU reads exactly load_end - load_addr bytes.
	uint32_t mb[8];
	ASSERT_GE(image.size(), sizeof(mb));
	std::memcpy(mb, image.data(), sizeof(mb));
	EXPECT_EQ(mb[0], 0x1badb002u);
	EXPECT_EQ(mb[1] & 0x10000u, 0x10000u);
	EXPECT_EQ(static_cast<uint32_t>(mb[0] + mb[1] + mb[2]), 0u);
	EXPECT_EQ(mb[4], static_cast<uint32_t>(XPERF_VM_LOAD_ADDR));
	EXPECT_EQ(mb[5] - mb[4], image.size());
	EXPECT_EQ(mb[6], h.image_end);
}
