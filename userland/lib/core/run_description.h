// What a run was, typed, as the crossing that made a Result knows it:
// what --verify expects of the Result comes from here, never from its
// JSON read back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xperf {

// The thread that ran a crossing when it was not the measuring one
// (QEMU's vCPU), and how it was found.
struct FollowedThread {
	uint32_t tid = 0; // 0: none was found, and no event is evidence
	std::string found; // how it was found, or why not
};

// One vmexit measurement: which exit, from where, under which VMM.
struct VmExitRun {
	enum class Vmm { builtin, qemu, guest };
	Vmm vmm = Vmm::builtin;
	uint32_t exit = 0;   // XPERF_VMEXIT_*
	uint32_t from = 0;   // XPERF_FROM_*
	// The payload's record, whose index its phase marks carry, and above it
	// the tag of the guest run it was in (its phase marks carry both).
	uint32_t record = 0;
	uint32_t msr = 0;    // what the guest's RDMSR reads
	// Set: the vCPU ran on this thread, not the measuring one (QEMU's).
	std::optional<FollowedThread> vcpu;
};

} // namespace xperf
