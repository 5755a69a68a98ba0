// The hypervisors that matter to the VM-exit runs: their CPUID signatures,
// and the hypercall instruction the host's vendor has KVM handle natively.
#pragma once

#include <cstdint>

namespace xperf {

// The hypervisor signatures of CPUID 0x40000000 (cpu_id.h) that matter here.
constexpr const char *kvm_signature = "KVMKVMKVM";
constexpr const char *tcg_signature = "TCGTCGTCGTCG";

// The host CPU's vendor decides the hypercall instruction KVM handles
// natively: VMMCALL on AMD and Hygon, VMCALL elsewhere.
uint32_t host_hypercall_insn();

} // namespace xperf
