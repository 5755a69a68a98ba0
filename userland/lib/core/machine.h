// One reading of the machine: every /proc and /sys file that the conditions
// of a result and the doctor's checks look at, read once below a root ("/"
// on a live system, a captured tree in the tests). Each fact is the file's
// text, trimmed, as the kernel wrote it; what it means is for the readers
// (app/conditions, app/doctor) to say. A file that is missing or unreadable
// (a root-only attribute) is an empty optional: an unknown fact, never an
// error.
#pragma once

#include "core/sysroot.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// The files of one directory by name, each its text or nothing when it
// cannot be read.
using FileTexts = std::map<std::string, std::optional<std::string>, std::less<>>;

// What one CPU's own directory, sys/devices/system/cpu/cpuN, says.
struct CpuFacts {
	std::optional<std::string> scaling_driver;   // cpufreq/scaling_driver
	std::optional<std::string> scaling_governor; // cpufreq/scaling_governor
	std::optional<std::string> boost;	     // cpufreq/boost, per policy (amd-pstate)
	std::optional<std::string> thread_siblings;  // topology/thread_siblings_list
};

// A process as proc/PID/stat and proc/PID/comm give it.
struct TaskFacts {
	long pid = 0;
	std::string comm; // comm, or stat's name where comm cannot be read
	char state = '?';
	std::optional<int> processor;
};

struct MachineSnapshot {
	std::filesystem::path root;

	// proc/
	std::optional<CpuInfo> cpuinfo;
	std::optional<std::string> cmdline;
	std::optional<std::string> kernel_release; // sys/kernel/osrelease
	std::optional<std::string> kernel_version; // version
	std::optional<std::string> interrupts;
	// irq/NAME/smp_affinity_list by the name of each entry of irq/.
	std::optional<FileTexts> irq_affinity;
	std::optional<std::string> irq_default_affinity; // irq/default_smp_affinity
	// Every process whose stat reads; one that exits while being read is
	// left out. Nothing when proc/ cannot be listed.
	std::optional<std::vector<TaskFacts>> tasks;
	// self/limits and self/status: of the process that read them.
	std::optional<std::string> self_limits;
	std::optional<std::string> self_status;

	// sys/devices/system/cpu/
	std::optional<std::string> cpus_present;
	std::optional<std::string> cpus_online;
	std::optional<std::string> isolated;
	std::optional<std::string> nohz_full;
	std::map<int, CpuFacts> cpus; // every cpuN directory
	std::optional<FileTexts> vulnerabilities;
	std::optional<std::string> smt_active;
	std::optional<std::string> smt_control;
	std::optional<std::string> cpufreq_boost;  // cpufreq/boost, global (acpi-cpufreq)
	std::optional<std::string> intel_no_turbo; // intel_pstate/no_turbo

	// sys/devices/system/clocksource/clocksource0/
	std::optional<std::string> clocksource;		  // current_clocksource
	std::optional<std::string> clocksources_available; // available_clocksource

	// sys/module/: the names loaded, and the parameters of kvm and of
	// every kvm_* module that has a parameters directory.
	std::optional<std::set<std::string>> modules;
	std::map<std::string, FileTexts> kvm_params;

	std::optional<std::string> dmi_product_name; // sys/class/dmi/id/product_name
	std::optional<std::string> dmi_sys_vendor;   // sys/class/dmi/id/sys_vendor
	std::optional<std::string> hypervisor_type;  // sys/hypervisor/type
	std::optional<std::string> thp_enabled;	     // sys/kernel/mm/transparent_hugepage/enabled

	// CPU n's facts; all unknown for a CPU the tree does not have.
	const CpuFacts &cpu(int n) const;
	// vulnerabilities/NAME; nothing when it cannot be read.
	std::optional<std::string> vulnerability(std::string_view name) const;
};

// Reads every fact once. Never fails: what cannot be read stays unknown.
MachineSnapshot read_machine(const std::filesystem::path &root = "/");

} // namespace xperf
