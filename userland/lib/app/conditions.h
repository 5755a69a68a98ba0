// The conditions a result was taken under, read from /proc and /sys.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// Reads everything below root ("/" on a live system; a directory of
// captured files in the tests). A file that is missing or unreadable leaves
// its field null: conditions never fail a run. Sections:
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
nlohmann::json read_conditions(const std::filesystem::path &root = "/");

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

KptiState kpti_state(const std::filesystem::path &root);

// A condition that differs between two results and can change the figures.
struct ConditionDiff {
	std::string key; // JSON pointer into the conditions, e.g. "/kpti/enabled"
	std::string a, b;
};

std::vector<ConditionDiff> diff_conditions(const nlohmann::json &a, const nlohmann::json &b);

} // namespace xperf
