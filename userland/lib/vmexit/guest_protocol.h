// The host side of the payload protocol (xperf/vmexit_protocol.h): the
// command line for the guest, and the guest's results read back from its
// memory or decoded from its debugcon stream.
#pragma once

#include "vmexit/exit_kinds.h"
#include "xperf/vmexit_protocol.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

struct GuestRecord {
	uint32_t exit = 0; // enum xperf_vmexit_kind
	uint32_t from = 0; // XPERF_FROM_*
	uint64_t value = 0;
	uint32_t fault = 0; // exception vector + 1, 0: none
	uint64_t fault_rip = 0;
	uint64_t tsc_span = 0; // guest TSC over the timed phase
	// Round trips back to back between two TSC reads, and the guest TSC
	// over them (kvm-unit-tests' way).
	uint32_t loop_count = 0;
	uint64_t loop_cycles = 0;
	std::vector<uint32_t> samples;
};

struct GuestResults {
	uint32_t status = 0; // XPERF_VM_*
	uint32_t timer = 0;  // XPERF_TIMER_*
	uint32_t fault_vector = 0, fault_record = 0;
	uint64_t fault_error = 0, fault_rip = 0;
	xperf_vm_guest_state state{}; // what the guest set and read back
	std::vector<GuestRecord> records;
};

// "xperf-vmexit exits=0x.. froms=0x.. n=.. ...": what xperf_vm_parse_params reads.
std::string encode_params(const xperf_vm_params &p);

// Results as the guest left them in memory (the whole guest memory).
// Throws std::runtime_error when they are missing or inconsistent.
GuestResults read_guest_results(std::span<const unsigned char> memory);

// Results from a debugcon capture: the text between XPERF_STREAM_BEGIN and
// the checksum line; anything before is ignored. Throws std::runtime_error
// naming what is wrong (no stream, truncated, bad checksum, bad line).
GuestResults decode_stream(std::string_view capture);

std::string_view exception_name(uint32_t vector); // "#GP", ...
std::string_view guest_status_name(uint32_t status);

} // namespace xperf
