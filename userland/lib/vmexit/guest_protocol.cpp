#include "guest_protocol.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace xperf {

std::string encode_params(const xperf_vm_params &p)
{
	return fmt::format("xperf-vmexit exits={:#x} froms={:#x} n={} warmup={} msr={:#x} hc={} "
			   "out={} mem={:#x}",
			   p.exits, p.froms, p.samples, p.warmup, p.msr,
			   p.hypercall == XPERF_HC_VMMCALL ? "vmmcall" : "vmcall",
			   p.output == XPERF_OUT_STREAM ? "stream" : "memory", p.mem_bytes);
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
	const std::size_t capacity = (memory.size() - XPERF_VM_SAMPLES_GPA) / sizeof(uint32_t);
	for (uint32_t i = 0; i < raw.nrecords; i++) {
		const xperf_vm_record &rec = raw.rec[i];
		if (std::size_t{ rec.first } + rec.count > capacity)
			throw std::runtime_error(fmt::format(
				"guest record {} claims samples beyond guest memory", i));
		GuestRecord g{ rec.exit, rec.from, rec.value, rec.fault, rec.fault_rip, rec.tsc_span,
			       {} };
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

} // namespace

GuestResults decode_stream(std::string_view capture)
{
	const std::string_view begin = XPERF_STREAM_BEGIN;
	std::size_t at = capture.find(begin);
	if (at == std::string_view::npos)
		throw std::runtime_error("no VM-exit result stream in the guest's debugcon output");
	std::string_view text = capture.substr(at);
	uint32_t fnv = XPERF_FNV_OFFSET;
	GuestResults r;
	bool header = false, checked = false;
	GuestRecord *rec = nullptr;
	std::size_t want = 0;	     // records the header declares
	std::size_t rec_count = 0;   // samples the current record declares
	std::size_t lineno = 0;

	while (!text.empty() && !checked) {
		std::size_t nl = text.find('\n');
		if (nl == std::string_view::npos)
			throw std::runtime_error("VM-exit result stream is truncated (no checksum line)");
		std::string_view line = text.substr(0, nl);
		lineno++;
		if (lineno == 1) {
			fnv = xperf_vm_fnv1a(fnv, text.data(), nl + 1);
			text.remove_prefix(nl + 1);
			continue;
		}
		if (line.size() < 2 || line[1] != ' ')
			throw Fields(line, lineno).bad("malformed line");
		Fields f(line.substr(2), lineno);
		char tag = line[0];
		if (tag != 'c')
			fnv = xperf_vm_fnv1a(fnv, text.data(), nl + 1);
		switch (tag) {
		case 'h':
			if (header)
				throw f.bad("second header");
			header = true;
			r.status = f.next32();
			want = f.next32();
			r.timer = f.next32();
			r.fault_vector = f.next32();
			r.fault_record = f.next32();
			r.fault_error = f.next();
			r.fault_rip = f.next();
			f.done();
			if (want > XPERF_VM_MAX_RECORDS)
				throw f.bad("too many records");
			break;
		case 'r': {
			if (!header || r.records.size() == want)
				throw f.bad("unexpected record");
			if (rec && rec->samples.size() != rec_count)
				throw f.bad("previous record is short of samples");
			GuestRecord g;
			g.exit = f.next32();
			g.from = f.next32();
			rec_count = f.next32();
			g.value = f.next();
			g.fault = f.next32();
			g.fault_rip = f.next();
			g.tsc_span = f.next();
			f.done();
			g.samples.reserve(rec_count);
			r.records.push_back(std::move(g));
			rec = &r.records.back();
			break;
		}
		case 's':
			if (!rec)
				throw f.bad("samples before a record");
			while (!f.empty()) {
				if (rec->samples.size() == rec_count)
					throw f.bad("more samples than the record declares");
				rec->samples.push_back(f.next32());
			}
			break;
		case 'c': {
			uint32_t sum = f.next32();
			f.done();
			if (sum != fnv)
				throw std::runtime_error(fmt::format(
					"VM-exit result stream fails its checksum ({:08x}, computed "
					"{:08x}): the capture is corrupt",
					sum, fnv));
			checked = true;
			break;
		}
		default:
			throw f.bad("unknown line");
		}
		text.remove_prefix(nl + 1);
	}
	if (!checked)
		throw std::runtime_error("VM-exit result stream is truncated (no checksum line)");
	if (r.records.size() != want)
		throw std::runtime_error(fmt::format("VM-exit result stream has {} records of {}",
						     r.records.size(), want));
	if (rec && rec->samples.size() != rec_count)
		throw std::runtime_error("VM-exit result stream: the last record is short of samples");
	return r;
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
	default:
		return "unknown status";
	}
}

} // namespace xperf
