// The built-in VMM: the payload in a one-vCPU KVM VM, driven through the KVM
// API directly, in the manner of the kernel's KVM selftests.
#pragma once

#include "vmexit/vm_run.h"

#include <chrono>
#include <optional>
#include <stdexcept>

namespace xperf {

// The guest stopped making progress inside one measurement: an exit the
// hypervisor never completes (KVM's hypercall emulation livelocks under
// PVM-style KVM, for one).
class GuestHang : public std::runtime_error {
public:
	GuestHang(const std::string &what, uint32_t exit_kind, uint32_t from_where)
		: std::runtime_error(what), exit(exit_kind), from(from_where)
	{
	}
	uint32_t exit, from;
};

// Runs the payload with p (p.mem_bytes sizes the VM) on the calling thread,
// pinned to cpu first (-1: where it is); vmm's "threads" says where every
// thread of this process was seen before and after. Throws
// an unavailable Error when KVM is missing or not permitted, GuestHang when
// the guest hangs in a measurement past deadline (default: run_deadline),
// and std::runtime_error when KVM refuses the guest or the guest fails.
VmRun run_builtin_vmm(const xperf_vm_params &p,
		      std::optional<std::chrono::seconds> deadline = std::nullopt, int cpu = -1);

// Which of p's exit kinds complete here: a short run of one round trip each,
// dropping a kind that hangs and trying again. notes says what was dropped.
uint32_t completing_exits(xperf_vm_params p, std::vector<std::string> &notes);


} // namespace xperf
