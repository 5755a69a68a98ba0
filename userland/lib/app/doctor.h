// xperf-user doctor: each condition of this machine that moves the figures,
// judged ok, warn or unknown, with what to do about it. The checks are a
// table (doctor_checks.cpp); each reads /proc and /sys below a root, so that
// the tests run them on captured trees.
#pragma once

#include "app/table.h"
#include "core/sysroot.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

enum class Verdict { ok, warn, unknown };

std::string_view verdict_name(Verdict v);

// One line of the doctor's report. A check may give several (one per
// vulnerabilities file).
struct Finding {
	std::string check; // the check's name, or name/item
	Verdict verdict;
	std::string found; // what was read, in words
	std::string fix;   // what to do; empty when there is nothing to do
};

// What the checks look at: the tree, the CPU that measures, and what only a
// live system can say.
struct Machine {
	std::filesystem::path root = "/";
	int cpu = 0;
	// The process running the checks, left out of the busy tasks (0: none).
	long self_pid = 0;
	// CPUID leaf 0x40000000's vendor signature ("KVMKVMKVM"), live only.
	std::optional<std::string> cpuid_hypervisor;

	// Read once from the tree, shared by the checks.
	std::optional<CpuInfo> cpuinfo;
	std::optional<std::string> cmdline;
};

// The machine below root, measuring on cpu (default: the CPU this runs on).
// When root is this machine's "/", CPUID and this process's pid are filled
// in too. Throws a bad_input Error when root is not a directory or cpu is
// not one of its CPUs.
Machine read_machine(const std::filesystem::path &root, std::optional<int> cpu = std::nullopt);

struct DoctorCheck {
	std::string_view name;
	std::string_view description;
	std::vector<Finding> (*run)(const Machine &m);
};

std::span<const DoctorCheck> doctor_checks();

// Every check, in the table's order.
std::vector<Finding> run_doctor(const Machine &m);

// One row per finding: status, check, what was found; the fix under it for
// people, in a column of its own in CSV.
Table doctor_table(const std::vector<Finding> &findings);
std::string render_doctor_table(const Machine &m, const std::vector<Finding> &findings,
				std::size_t width = text_width());
nlohmann::json doctor_to_json(const Machine &m, const std::vector<Finding> &findings);

} // namespace xperf
