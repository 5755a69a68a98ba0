#include "core/machine.h"

#include <charconv>
#include <system_error>

namespace xperf {

namespace {

namespace fs = std::filesystem;

template <typename Int> std::optional<Int> parse_decimal(std::string_view text)
{
	Int value = 0;
	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, value);
	if (text.empty() || ec != std::errc() || ptr != end)
		return std::nullopt;
	return value;
}

// Each entry of root/dir read as root/dir/NAME/file (file empty: as
// root/dir/NAME); nothing when dir cannot be listed.
std::optional<FileTexts> read_each(const fs::path &root, const std::string &dir,
				   std::string_view file = {})
{
	auto names = list_dir(root, dir);
	if (!names)
		return std::nullopt;
	FileTexts texts;
	for (const std::string &name : *names)
		texts.emplace(name, read_text(root, dir + "/" + name +
							    (file.empty() ? "" : "/" + std::string(file))));
	return texts;
}

std::optional<std::vector<TaskFacts>> read_tasks(const fs::path &root)
{
	auto names = list_dir(root, "proc");
	if (!names)
		return std::nullopt;
	std::vector<TaskFacts> tasks;
	for (const std::string &name : *names) {
		auto pid = parse_decimal<long>(name);
		if (!pid)
			continue;
		auto text = read_text(root, "proc/" + name + "/stat");
		auto stat = text ? parse_proc_stat(*text) : std::nullopt;
		if (!stat)
			continue;
		TaskFacts task;
		task.pid = *pid;
		task.comm = read_text(root, "proc/" + name + "/comm").value_or(stat->name);
		if (stat->state)
			task.state = stat->state;
		task.processor = stat->processor;
		tasks.push_back(std::move(task));
	}
	return tasks;
}

void read_proc(const fs::path &root, MachineSnapshot &m)
{
	m.cpuinfo = read_cpuinfo(root);
	m.cmdline = read_text(root, "proc/cmdline");
	m.kernel_release = read_text(root, "proc/sys/kernel/osrelease");
	m.kernel_version = read_text(root, "proc/version");
	m.interrupts = read_text(root, "proc/interrupts");
	m.irq_affinity = read_each(root, "proc/irq", "smp_affinity_list");
	m.irq_default_affinity = read_text(root, "proc/irq/default_smp_affinity");
	m.tasks = read_tasks(root);
	m.self_limits = read_text(root, "proc/self/limits");
	m.self_status = read_text(root, "proc/self/status");
}

// Every cpuN directory; not cpufreq, cpuidle and the like.
std::map<int, CpuFacts> read_cpus(const fs::path &root, const std::string &dir)
{
	std::map<int, CpuFacts> cpus;
	for (const std::string &name : list_dir(root, dir).value_or(std::set<std::string>{})) {
		auto n = name.starts_with("cpu") ? parse_decimal<int>(std::string_view(name).substr(3))
						 : std::nullopt;
		if (!n || *n < 0)
			continue;
		std::string cpu = dir + "/" + name + "/";
		cpus[*n] = { read_text(root, cpu + "cpufreq/scaling_driver"),
			     read_text(root, cpu + "cpufreq/scaling_governor"),
			     read_text(root, cpu + "cpufreq/boost"),
			     read_text(root, cpu + "topology/thread_siblings_list") };
	}
	return cpus;
}

void read_system_cpu(const fs::path &root, MachineSnapshot &m)
{
	const std::string dir = "sys/devices/system/cpu";
	m.cpus_present = read_text(root, dir + "/present");
	m.cpus_online = read_text(root, dir + "/online");
	m.isolated = read_text(root, dir + "/isolated");
	m.nohz_full = read_text(root, dir + "/nohz_full");
	m.cpus = read_cpus(root, dir);
	m.vulnerabilities = read_each(root, dir + "/vulnerabilities");
	m.smt_active = read_text(root, dir + "/smt/active");
	m.smt_control = read_text(root, dir + "/smt/control");
	m.cpufreq_boost = read_text(root, dir + "/cpufreq/boost");
	m.intel_no_turbo = read_text(root, dir + "/intel_pstate/no_turbo");
}

// kvm and its vendor modules: kvm_amd, kvm_intel, and others such as kvm_pvm.
void read_modules(const fs::path &root, MachineSnapshot &m)
{
	m.modules = list_dir(root, "sys/module");
	if (!m.modules)
		return;
	for (const std::string &module : *m.modules) {
		if (module != "kvm" && !module.starts_with("kvm_"))
			continue;
		if (auto params = read_each(root, "sys/module/" + module + "/parameters"))
			m.kvm_params.emplace(module, std::move(*params));
	}
}

} // namespace

const CpuFacts &MachineSnapshot::cpu(int n) const
{
	static const CpuFacts unknown;
	auto it = cpus.find(n);
	return it == cpus.end() ? unknown : it->second;
}

std::optional<std::string> MachineSnapshot::vulnerability(std::string_view name) const
{
	if (!vulnerabilities)
		return std::nullopt;
	auto it = vulnerabilities->find(name);
	return it == vulnerabilities->end() ? std::nullopt : it->second;
}

MachineSnapshot read_machine(const fs::path &root)
{
	MachineSnapshot m;
	m.root = root;
	read_proc(root, m);
	read_system_cpu(root, m);
	const std::string clocksource = "sys/devices/system/clocksource/clocksource0/";
	m.clocksource = read_text(root, clocksource + "current_clocksource");
	m.clocksources_available = read_text(root, clocksource + "available_clocksource");
	read_modules(root, m);
	m.dmi_product_name = read_text(root, "sys/class/dmi/id/product_name");
	m.dmi_sys_vendor = read_text(root, "sys/class/dmi/id/sys_vendor");
	m.hypervisor_type = read_text(root, "sys/hypervisor/type");
	m.thp_enabled = read_text(root, "sys/kernel/mm/transparent_hugepage/enabled");
	return m;
}

} // namespace xperf
