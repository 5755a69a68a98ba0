// The kernel events --verify records (bpf/verify.h), as the user side sees
// them: names for people, JSON for the recorded fixtures.
#pragma once

#include "verify.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xperf::verify {

using Event = verify_event;

const char *kind_name(uint32_t kind);
// "sys_enter 500", "irq timer (vector 236)", "kvm_exit CPUID", ...
std::string describe(const Event &e);
const char *interrupt_name(const Event &e); // VERIFY_IRQ: "local timer", ...
// KVM exit reasons by instruction set (KVM_ISA_VMX 1, KVM_ISA_SVM 2).
std::string exit_reason_name(uint64_t isa, uint64_t reason);
bool exit_is_external_interrupt(uint64_t isa, uint64_t reason);
bool exit_is_page_fault(uint64_t isa, uint64_t reason);

// Which events an expectation is about: a kind, optionally an argument.
struct Match {
	uint32_t kind = 0;
	std::optional<uint64_t> arg0, arg1, arg2;
	bool matches(const Event &e) const;
};

// Compact form: [kind, mark, seq, cpu, tid, ts_ns, arg0, arg1, arg2].
nlohmann::json events_to_json(const std::vector<Event> &events);
std::vector<Event> events_from_json(const nlohmann::json &j);

} // namespace xperf::verify
