// The vmexit crossing as the registry sees it: its run, its check, its
// finish, and the options only it takes (--exit, --from, --vmm).
#pragma once

#include "core/result.h"
#include "core/run_context.h"

#include <string>
#include <vector>

namespace xperf {

std::vector<Result> run_vmexit(const RunContext &ctx);
// Throws the Error run_vmexit would stop with before measuring: bad input,
// or unavailable here (no KVM, no QEMU, no xperf.ko in a guest).
void check_vmexit(const RunContext &ctx);
// Once the parts are merged: under KVM, each starting point's fast paths
// set against its userspace round trip (notes).
void finish_vmexit(std::vector<Result> &results);

// What is wrong with a value of --exit, --from or --vmm, without the
// option's name; "" when it is good.
std::string vm_exit_problem(const std::string &value);
std::string vm_from_problem(const std::string &value);
std::string vmm_problem(const std::string &value);
// "cpuid, rdmsr, vmcall, pio or all"
std::string vm_exit_choices();
// Every value of --exit, --from and --vmm, one each, for a completion.
std::vector<std::string> vm_exit_values();
std::vector<std::string> vm_from_values();
std::vector<std::string> vmm_values();

} // namespace xperf
