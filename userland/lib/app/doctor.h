// xperf-user doctor: each condition of this machine that moves the figures,
// judged ok, warn or unknown, with what to do about it. The checks are a
// table (doctor_checks.cpp); each is a judgment on a machine snapshot
// (core/machine.h), read below a root so that the tests judge captured trees.
#pragma once

#include "app/table.h"
#include "core/machine.h"

#include <nlohmann/json.hpp>

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

// What the checks judge: the machine (which must outlive this), the CPU that
// measures, and what only a live system can say.
struct DoctorInput {
	const MachineSnapshot &machine;
	int cpu = 0;
	// The process running the checks, left out of the busy tasks (0: none).
	long self_pid = 0;
	// CPUID leaf 0x40000000's vendor signature ("KVMKVMKVM"), live only.
	std::optional<std::string> cpuid_hypervisor;
};

// The checks' input for machine, measuring on cpu (default: the CPU this
// runs on). When the machine was read below this machine's "/", CPUID and
// this process's pid are filled in too. Throws a bad_input Error when the
// root it was read below is not a directory or cpu is not one of its CPUs.
DoctorInput doctor_input(const MachineSnapshot &machine, std::optional<int> cpu = std::nullopt);

struct DoctorCheck {
	std::string_view name;
	std::string_view description;
	std::vector<Finding> (*run)(const DoctorInput &m);
};

std::span<const DoctorCheck> doctor_checks();

// Every check, in the table's order.
std::vector<Finding> run_doctor(const DoctorInput &m);

// One row per finding: status, check, what was found; the fix under it for
// people, in a column of its own in CSV.
Table doctor_table(const std::vector<Finding> &findings);
std::string render_doctor_table(const DoctorInput &m, const std::vector<Finding> &findings,
				std::size_t width = text_width());
nlohmann::json doctor_to_json(const DoctorInput &m, const std::vector<Finding> &findings);

} // namespace xperf
