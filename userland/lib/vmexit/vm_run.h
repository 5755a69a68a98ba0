// What a run of the payload under either VMM gives back.
#pragma once

#include "core/noise.h"
#include "core/run_description.h"
#include "vmexit/exit_dispatcher.h"
#include "vmexit/guest_protocol.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xperf {

struct VmRun {
	std::string params;  // the command line the guest got
	GuestResults guest;
	// The built-in VMM's own view; empty under QEMU, which does not show it.
	std::vector<HostRecordView> host;
	std::map<std::string, uint64_t> exit_counts;
	double wall_s = 0;   // the whole run, VM creation to the guest's exit
	nlohmann::json vmm;  // name, accelerator, version, cpu model, ...
	// Set: the vCPU ran on this thread, not the VMM's calling one (QEMU's).
	std::optional<FollowedThread> vcpu;
	// The vCPU thread's counters around the guest's run (its CPU, migrations,
	// involuntary switches, the interrupts on its CPU): one round's worth for
	// noise.h. Empty where the thread could not be read.
	std::optional<RoundCounters> counters;
};

// Guest memory for p's samples: the protocol's layout plus the samples,
// rounded up to 2 MiB.
uint64_t guest_memory_bytes(uint32_t records, uint32_t samples);

// How long a run may take before it is called hung: generous, since nested
// or emulated exits can cost tens of microseconds.
std::chrono::seconds run_deadline(uint32_t records, uint32_t samples, uint32_t warmup);

} // namespace xperf
