// How many instructions KVM's instruction emulator ran for the calling
// thread's vCPU: the kvm:kvm_emulate_insn tracepoint, counted by a perf
// event on this thread. A KVM that runs the guest kernel deprivileged
// (PVM-style) emulates, after a trap, the instructions that follow it; on
// such a KVM a "VM exit" loop never runs on the hardware, and this count
// is what shows it.
#pragma once

#include "core/unique_fd.h"

#include <cstdint>
#include <optional>
#include <string>

namespace xperf {

class EmulationCounter {
public:
	// Counting from now; nothing, and why in why_not, where the tracepoint
	// or perf events are not there (no tracefs, not root, no KVM module).
	static std::optional<EmulationCounter> open(std::string &why_not);

	uint64_t read() const;

private:
	explicit EmulationCounter(UniqueFd fd) : fd_(std::move(fd)) {}
	UniqueFd fd_;
};

} // namespace xperf
