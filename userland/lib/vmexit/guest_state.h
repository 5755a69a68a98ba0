// The guest states a payload run measures in (--guest-state): the states
// kvm-unit-tests' guest runs with and xperf's payload did not, one at a
// time and all together, so that one run shows which moves an exit's
// cost. The guest sets each (guest/payload.c, set_state) and reads it
// back; here are their names, what --guest-state takes, and the check of
// what the guest read back.
#pragma once

#include "xperf/vmexit_protocol.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// A set of XPERF_STATE_* bits under the name a variant carries.
struct GuestState {
	std::string name; // "default", "apic", "apic+xsave", "kvm-unit-tests"
	uint32_t bits = 0;

	// What the variant's name gets: "" for the default, "+apic".
	std::string suffix() const { return bits ? "+" + name : ""; }
};

// What --guest-state names, in order, each set once: a comma list of
// default, all (every named set below), a named set, or named sets joined
// by '+' ("apic+xsave"). Throws a bad_input Error naming the option.
std::vector<GuestState> guest_states(const std::string &spec);
// What is wrong with a value of --guest-state; "" when it is good.
std::string guest_state_problem(const std::string &spec);
// "default, apic, x2apic, sti, nx, xsave, kvm-unit-tests, all, or a + list"
std::string guest_state_choices();
// The named sets and all, one each, for a completion.
std::vector<std::string> guest_state_values();

// The names of the bits set in bits, in table order.
std::vector<std::string> state_bit_names(uint32_t bits);

// Where the registers the guest read back contradict the state it says it
// set (xperf_vm_guest_state.set), one sentence each; none when they agree.
std::vector<std::string> read_back_problems(const xperf_vm_guest_state &g);

// Why the guest could not set what it was asked for (status
// XPERF_VM_STATE_MISSING): for each bit missing, its CPUID feature where
// the guest's CPU model does not offer it.
std::string missing_state_reason(const xperf_vm_guest_state &g);

// detail.guest_state of a result measured in state s.
nlohmann::json guest_state_json(const GuestState &s, const xperf_vm_guest_state &g);

} // namespace xperf
