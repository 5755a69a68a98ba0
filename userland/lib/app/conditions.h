// The conditions a result was taken under: the machine snapshot written as
// the "conditions" object of the output, and what it says of KPTI.
#pragma once

#include "core/machine.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// The machine as the output's "conditions" object. A fact the snapshot could
// not read is null: conditions never fail a run. Sections:
//   cpu: vendor, model_name, family, model, stepping, microcode, logical_cpus,
//        online, flags {constant_tsc, nonstop_tsc, tsc_known_freq, rdtscp, pti,
//        pcid, invpcid, hypervisor, svm, vmx}
//   kernel: release, version, cmdline
//   kpti: enabled, source (what decided it), cmdline (pti=, nopti, mitigations=)
//   vulnerabilities: file name -> text
//   smt: active, control
//   cpufreq: driver, governor, boost, no_turbo
//   isolation: isolated, nohz_full (sysfs), cmdline_isolcpus, cmdline_nohz_full
//   tsc: clocksource, available, flags (every cpuinfo flag naming the TSC)
//   kvm: present, params {module -> {name -> value}} for kvm and kvm_*
//   virtualization: hypervisor (cpuinfo flag), product_name, sys_vendor (DMI)
nlohmann::json conditions_json(const MachineSnapshot &m);

// The value of the last kernel parameter called name on a command line ("" for
// a bare flag such as nopti), or nothing when it is not given before "--".
std::optional<std::string> cmdline_param(std::string_view cmdline, std::string_view name);

// Whether KPTI runs, and what says so ("cpuinfo flag pti" or
// "vulnerabilities/meltdown"); cmdline_options: the pti=, nopti and
// mitigations= parameters given. Empty optionals where nothing could be read.
struct KptiState {
	std::optional<bool> enabled;
	std::optional<std::string> source;
	std::optional<std::vector<std::string>> cmdline_options;
};

KptiState kpti_state(const MachineSnapshot &m);

// A condition that differs between two results and can change the figures.
struct ConditionDiff {
	std::string key; // JSON pointer into the conditions, e.g. "/kpti/enabled"
	std::string a, b;
};

std::vector<ConditionDiff> diff_conditions(const nlohmann::json &a, const nlohmann::json &b);

} // namespace xperf
