#include "app/doctor.h"

#include "core/cpu_id.h"
#include "core/error.h"
#include "core/version.h"

#include <sched.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <system_error>

namespace xperf {

std::string_view verdict_name(Verdict v)
{
	switch (v) {
	case Verdict::ok:
		return "ok";
	case Verdict::warn:
		return "warn";
	case Verdict::unknown:
		break;
	}
	return "unknown";
}

DoctorInput doctor_input(const MachineSnapshot &machine, std::optional<int> requested_cpu)
{
	const std::filesystem::path &root = machine.root;
	int cpu = requested_cpu.value_or(sched_getcpu());
	std::error_code ec;
	if (!std::filesystem::is_directory(root, ec))
		throw bad_input(fmt::format("--root {}: not a directory", root.string()),
				"name the directory that holds proc/ and sys/ (\"/\" for this machine)");
	// This machine, rather than a captured tree.
	bool live = std::filesystem::equivalent(root, "/", ec);
	// present lists every CPU that exists, online or not.
	for (const auto &[list, text] :
	     { std::pair{ "sys/devices/system/cpu/present", &machine.cpus_present },
	       std::pair{ "sys/devices/system/cpu/online", &machine.cpus_online } }) {
		auto cpus = *text ? parse_cpu_list(**text) : std::nullopt;
		if (!cpus)
			continue;
		if (!cpus->contains(cpu))
			throw bad_input(fmt::format("CPU {} does not exist {}", cpu,
						    live ? "here" : "in " + root.string()),
					fmt::format("pass --cpu with one of {} ({})", **text, list));
		break;
	}
	DoctorInput m{ machine, cpu, 0, std::nullopt };
	// What only this machine can say: CPUID, and which process is ours.
	if (live) {
		m.self_pid = getpid();
		m.cpuid_hypervisor = hypervisor_signature();
	}
	return m;
}

std::vector<Finding> run_doctor(const DoctorInput &m)
{
	std::vector<Finding> findings;
	for (const DoctorCheck &check : doctor_checks()) {
		std::vector<Finding> found = check.run(m);
		findings.insert(findings.end(), std::make_move_iterator(found.begin()),
				std::make_move_iterator(found.end()));
	}
	return findings;
}

namespace {

std::array<std::size_t, 3> count_verdicts(const std::vector<Finding> &findings)
{
	std::array<std::size_t, 3> counts{};
	for (const Finding &f : findings)
		counts[static_cast<std::size_t>(f.verdict)]++;
	return counts;
}

} // namespace

Table doctor_table(const std::vector<Finding> &findings)
{
	Table t({ { "status", Align::left },
		  { "check", Align::left },
		  { "found", Align::left },
		  { "fix", Align::left, 0, Shown::csv } });
	for (const Finding &f : findings) {
		t.add_row({ TableValue::text(std::string(verdict_name(f.verdict))),
			    TableValue::text(f.check), TableValue::text(f.found),
			    TableValue::text(f.fix) });
		// For people the fix goes on a line of its own, under what it fixes.
		if (!f.fix.empty())
			t.add_row({ {}, {}, TableValue::text("fix: " + f.fix) }, Shown::display);
	}
	return t;
}

std::string render_doctor_table(const DoctorInput &m, const std::vector<Finding> &findings,
				std::size_t width)
{
	std::string out = fmt::format("xperf doctor  CPU {}{}\n\n", m.cpu,
				      m.machine.root == "/" ? ""
							   : "  root " + m.machine.root.string());
	out += doctor_table(findings).write(TableForm::text, width);
	auto counts = count_verdicts(findings);
	out += fmt::format("\n{} ok, {} warn, {} unknown\n", counts[0], counts[1], counts[2]);
	return out;
}

nlohmann::json doctor_to_json(const DoctorInput &m, const std::vector<Finding> &findings)
{
	nlohmann::json checks = nlohmann::json::array();
	for (const Finding &f : findings)
		checks.push_back({ { "check", f.check },
				   { "status", verdict_name(f.verdict) },
				   { "found", f.found },
				   { "fix", f.fix } });
	auto counts = count_verdicts(findings);
	return { { "tool", "xperf" },
		 { "version", std::string(version()) },
		 { "doctor",
		   { { "cpu", m.cpu },
		     { "root", m.machine.root.string() },
		     { "checks", checks },
		     { "summary", { { "ok", counts[0] }, { "warn", counts[1] }, { "unknown", counts[2] } } } } } };
}

} // namespace xperf
