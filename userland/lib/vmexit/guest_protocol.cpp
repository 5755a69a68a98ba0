#include "vmexit/guest_protocol.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace xperf {

std::string encode_params(const xperf_vm_params &p)
{
	return fmt::format("xperf-vmexit exits={:#x} froms={:#x} n={} warmup={} msr={:#x} hc={} "
			   "out={} mem={:#x} state={:#x} tag={:#x}",
			   p.exits, p.froms, p.samples, p.warmup, p.msr,
			   p.hypercall == XPERF_HC_VMMCALL ? "vmmcall" : "vmcall",
			   p.output == XPERF_OUT_STREAM ? "stream" : "memory", p.mem_bytes, p.state,
			   p.tag);
}

GuestResults read_guest_results(std::span<const unsigned char> memory)
{
	xperf_vm_results raw{};
	if (memory.size() < XPERF_VM_SAMPLES_GPA)
		throw std::runtime_error("guest memory is smaller than the protocol's layout");
	std::memcpy(&raw, memory.data() + XPERF_VM_RESULTS_GPA, sizeof(raw));
	if (raw.magic != XPERF_VM_HEADER_MAGIC || raw.version != XPERF_VM_PROTOCOL_VERSION)
		throw std::runtime_error("the guest left no results in its memory");
	if (raw.nrecords > XPERF_VM_MAX_RECORDS)
		throw std::runtime_error(fmt::format("the guest reports {} records, at most {} fit",
						     raw.nrecords, XPERF_VM_MAX_RECORDS));
	GuestResults r;
	r.status = raw.status;
	r.timer = raw.timer;
	r.fault_vector = raw.fault_vector;
	r.fault_record = raw.fault_record;
	r.fault_error = raw.fault_error;
	r.fault_rip = raw.fault_rip;
	r.state = raw.state;
	const std::size_t capacity = (memory.size() - XPERF_VM_SAMPLES_GPA) / sizeof(uint32_t);
	for (uint32_t i = 0; i < raw.nrecords; i++) {
		const xperf_vm_record &rec = raw.rec[i];
		if (std::size_t{ rec.first } + rec.count > capacity)
			throw std::runtime_error(fmt::format(
				"guest record {} claims samples beyond guest memory", i));
		GuestRecord g{ rec.exit,	rec.from,      rec.value,
			       rec.fault,	rec.fault_rip, rec.tsc_span,
			       rec.loop_count, rec.loop_cycles, {} };
		g.samples.resize(rec.count);
		std::memcpy(g.samples.data(),
			    memory.data() + XPERF_VM_SAMPLES_GPA + std::size_t{ rec.first } * 4,
			    std::size_t{ rec.count } * 4);
		r.records.push_back(std::move(g));
	}
	return r;
}

namespace {

// Splits a line into hex fields after its one-letter tag.
class Fields {
public:
	Fields(std::string_view line, std::size_t lineno) : rest_(line), lineno_(lineno) {}

	uint64_t next()
	{
		while (!rest_.empty() && rest_.front() == ' ')
			rest_.remove_prefix(1);
		uint64_t v = 0;
		auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), v, 16);
		if (ec != std::errc() || end == rest_.data())
			throw bad("expected a hex number");
		rest_.remove_prefix(static_cast<std::size_t>(end - rest_.data()));
		return v;
	}
	uint32_t next32()
	{
		uint64_t v = next();
		if (v > UINT32_MAX)
			throw bad("number out of range");
		return static_cast<uint32_t>(v);
	}
	bool empty()
	{
		while (!rest_.empty() && rest_.front() == ' ')
			rest_.remove_prefix(1);
		return rest_.empty();
	}
	void done()
	{
		if (!empty())
			throw bad("trailing text");
	}
	std::runtime_error bad(std::string_view what) const
	{
		return std::runtime_error(
			fmt::format("VM-exit result stream, line {}: {}", lineno_, what));
	}

private:
	std::string_view rest_;
	std::size_t lineno_;
};

// The stream's lines after the first, one method per tag: h the header,
// g the guest state, r a record, s its samples, c the checksum of
// everything before it.
class StreamDecoder {
public:
	// line: the line without its newline; raw: with it, for the checksum.
	void take(std::string_view line, std::string_view raw, std::size_t lineno)
	{
		if (line.size() < 2 || line[1] != ' ')
			throw Fields(line, lineno).bad("malformed line");
		Fields f(line.substr(2), lineno);
		if (line[0] != 'c')
			sum(raw);
		switch (line[0]) {
		case 'h':
			header(f);
			break;
		case 'g':
			state(f);
			break;
		case 'r':
			record(f);
			break;
		case 's':
			samples(f);
			break;
		case 'c':
			checksum(f);
			break;
		default:
			throw f.bad("unknown line");
		}
	}
	void sum(std::string_view raw) { fnv_ = xperf_vm_fnv1a(fnv_, raw.data(), raw.size()); }
	bool checked() const { return checked_; }

	// What the whole stream held, once its checksum line was read.
	GuestResults finish()
	{
		if (!checked_)
			throw std::runtime_error("VM-exit result stream is truncated (no checksum line)");
		if (!state_)
			throw std::runtime_error("VM-exit result stream has no guest state line");
		if (r_.records.size() != want_)
			throw std::runtime_error(fmt::format(
				"VM-exit result stream has {} records of {}", r_.records.size(), want_));
		if (rec_ && rec_->samples.size() != rec_count_)
			throw std::runtime_error(
				"VM-exit result stream: the last record is short of samples");
		return std::move(r_);
	}

private:
	void header(Fields &f)
	{
		if (header_)
			throw f.bad("second header");
		header_ = true;
		r_.status = f.next32();
		want_ = f.next32();
		r_.timer = f.next32();
		r_.fault_vector = f.next32();
		r_.fault_record = f.next32();
		r_.fault_error = f.next();
		r_.fault_rip = f.next();
		f.done();
		if (want_ > XPERF_VM_MAX_RECORDS)
			throw f.bad("too many records");
	}
	void state(Fields &f)
	{
		if (!header_ || state_ || !r_.records.empty())
			throw f.bad("the guest state belongs right after the header, once");
		state_ = true;
		xperf_vm_guest_state &g = r_.state;
		g.asked = f.next32();
		g.offered = f.next32();
		g.set = f.next32();
		g.interrupts = f.next32();
		g.apic_base = f.next();
		g.apic_svr = f.next();
		g.cr0 = f.next();
		g.cr4 = f.next();
		g.efer = f.next();
		g.xcr0 = f.next();
		g.rflags = f.next();
		f.done();
	}
	void record(Fields &f)
	{
		if (!state_ || r_.records.size() == want_)
			throw f.bad("unexpected record");
		if (rec_ && rec_->samples.size() != rec_count_)
			throw f.bad("previous record is short of samples");
		GuestRecord g;
		g.exit = f.next32();
		g.from = f.next32();
		rec_count_ = f.next32();
		g.value = f.next();
		g.fault = f.next32();
		g.fault_rip = f.next();
		g.tsc_span = f.next();
		g.loop_count = f.next32();
		g.loop_cycles = f.next();
		f.done();
		g.samples.reserve(rec_count_);
		r_.records.push_back(std::move(g));
		rec_ = &r_.records.back();
	}
	void samples(Fields &f)
	{
		if (!rec_)
			throw f.bad("samples before a record");
		while (!f.empty()) {
			if (rec_->samples.size() == rec_count_)
				throw f.bad("more samples than the record declares");
			rec_->samples.push_back(f.next32());
		}
	}
	void checksum(Fields &f)
	{
		uint32_t sum = f.next32();
		f.done();
		if (sum != fnv_)
			throw std::runtime_error(fmt::format("VM-exit result stream fails its checksum "
							     "({:08x}, computed {:08x}): the capture "
							     "is corrupt",
							     sum, fnv_));
		checked_ = true;
	}

	GuestResults r_;
	uint32_t fnv_ = XPERF_FNV_OFFSET;
	bool header_ = false, state_ = false, checked_ = false;
	GuestRecord *rec_ = nullptr;
	std::size_t want_ = 0;	    // records the header declares
	std::size_t rec_count_ = 0; // samples the current record declares
};

} // namespace

GuestResults decode_stream(std::string_view capture)
{
	const std::string_view begin = XPERF_STREAM_BEGIN;
	std::size_t at = capture.find(begin);
	if (at == std::string_view::npos)
		throw std::runtime_error("no VM-exit result stream in the guest's debugcon output");
	std::string_view text = capture.substr(at);
	StreamDecoder d;
	for (std::size_t lineno = 1; !text.empty() && !d.checked(); lineno++) {
		std::size_t nl = text.find('\n');
		if (nl == std::string_view::npos)
			throw std::runtime_error("VM-exit result stream is truncated (no checksum line)");
		if (lineno == 1)
			d.sum(text.substr(0, nl + 1)); // the begin marker
		else
			d.take(text.substr(0, nl), text.substr(0, nl + 1), lineno);
		text.remove_prefix(nl + 1);
	}
	return d.finish();
}

std::string_view exception_name(uint32_t vector)
{
	static constexpr std::string_view names[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
		"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};
	return vector < std::size(names) ? names[vector] : "exception";
}

std::string_view guest_status_name(uint32_t status)
{
	switch (status) {
	case XPERF_VM_OK:
		return "ok";
	case XPERF_VM_BAD_PARAMS:
		return "the guest rejected its parameters";
	case XPERF_VM_NO_MEMORY:
		return "the samples do not fit guest memory";
	case XPERF_VM_FAULT:
		return "the guest took an exception outside a measurement";
	case XPERF_VM_STATE_MISSING:
		return "the guest could not set the state asked for";
	default:
		return "unknown status";
	}
}

} // namespace xperf
