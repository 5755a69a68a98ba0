// The doctor's checks: one function per condition that moves the figures,
// and the table that names them. Each judges the machine snapshot, reading
// nothing itself, and says ok, warn (with the fix) or unknown (what could
// not be read).
#include "app/doctor.h"
#include "core/isolate_command.h"
#include "core/text_list.h"

#include "app/conditions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <system_error>

namespace xperf {

namespace {

constexpr int kCapIpcLock = 14;
constexpr int kCapSysNice = 23;

std::string cpu_dir(const DoctorInput &m)
{
	return fmt::format("sys/devices/system/cpu/cpu{}", m.cpu);
}

std::optional<long long> parse_integer(std::string_view text, int base = 10)
{
	long long value = 0;
	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
	if (text.empty() || ec != std::errc() || ptr != end)
		return std::nullopt;
	return value;
}

bool under_hypervisor(const DoctorInput &m)
{
	return m.machine.cpuinfo && m.machine.cpuinfo->flag("hypervisor") == true;
}

std::optional<std::string> cmdline_value(const DoctorInput &m, std::string_view name)
{
	return m.machine.cmdline ? cmdline_param(*m.machine.cmdline, name) : std::nullopt;
}

// The CPU list of isolcpus=, nohz_full= or rcu_nocbs=, past the flags
// isolcpus takes first ("domain,managed_irq,2-3").
std::optional<std::set<int>> cmdline_cpus(const DoctorInput &m, std::string_view name)
{
	auto value = cmdline_value(m, name);
	if (!value)
		return std::nullopt;
	std::string_view list = *value;
	while (!list.empty() && std::isalpha(static_cast<unsigned char>(list.front()))) {
		std::size_t comma = list.find(',');
		list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
	}
	return parse_cpu_list(list);
}

bool contains(const std::optional<std::set<int>> &cpus, int cpu)
{
	return cpus && cpus->contains(cpu);
}

// Where a frequency check cannot read cpufreq.
Finding no_cpufreq(const DoctorInput &m, std::string check)
{
	if (under_hypervisor(m))
		return { std::move(check), Verdict::unknown,
			 fmt::format("no cpufreq for CPU {}: under a hypervisor the host sets the "
				     "frequency", m.cpu),
			 "set the governor to performance and turn boost off on the host" };
	return { std::move(check), Verdict::unknown,
		 fmt::format("no cpufreq for CPU {} (no driver loaded, or not readable)", m.cpu),
		 "load the cpufreq driver (acpi-cpufreq, amd-pstate, intel_pstate), or set a "
		 "fixed frequency in the firmware" };
}

std::vector<Finding> check_governor(const DoctorInput &m)
{
	std::string path = cpu_dir(m) + "/cpufreq/scaling_governor";
	auto governor = m.machine.cpu(m.cpu).scaling_governor;
	if (!governor)
		return { no_cpufreq(m, "governor") };
	if (*governor == "performance")
		return { { "governor", Verdict::ok, fmt::format("performance on CPU {}", m.cpu), "" } };
	return { { "governor", Verdict::warn,
		   fmt::format("{} on CPU {}: the clock follows the load, so figures in ns (and "
			       "in cycles of a core clock) move with it",
			       *governor, m.cpu),
		   fmt::format("{} --cpu {} (or: echo performance > /{})", isolate_command(),
			       m.cpu, path) } };
}

std::vector<Finding> check_boost(const DoctorInput &m)
{
	// Per-policy boost (amd-pstate), the global one (acpi-cpufreq), or
	// intel_pstate's inverse.
	for (const auto &[path, boost] :
	     { std::pair{ cpu_dir(m) + "/cpufreq/boost", m.machine.cpu(m.cpu).boost },
	       std::pair{ std::string("sys/devices/system/cpu/cpufreq/boost"),
			  m.machine.cpufreq_boost } }) {
		if (boost == "0")
			return { { "boost", Verdict::ok, "boost off (" + path + ")", "" } };
		if (boost == "1")
			return { { "boost", Verdict::warn,
				   "boost on: the clock rises while the package is cool and falls "
				   "with heat or a busy sibling",
				   fmt::format("{} --cpu {} (or: echo 0 > /{})",
					       isolate_command(), m.cpu, path) } };
	}
	std::string path = "sys/devices/system/cpu/intel_pstate/no_turbo";
	const auto &no_turbo = m.machine.intel_no_turbo;
	if (no_turbo == "1")
		return { { "boost", Verdict::ok, "turbo off (intel_pstate/no_turbo 1)", "" } };
	if (no_turbo == "0")
		return { { "boost", Verdict::warn,
			   "turbo on (intel_pstate/no_turbo 0): the clock rises while the package "
			   "is cool and falls with heat or a busy sibling",
			   fmt::format("{} --cpu {} (or: echo 1 > /{})", isolate_command(), m.cpu,
				       path) } };
	return { no_cpufreq(m, "boost") };
}

std::vector<Finding> check_smt(const DoctorInput &m)
{
	const auto &text = m.machine.cpu(m.cpu).thread_siblings;
	auto siblings = text ? parse_cpu_list(*text) : std::nullopt;
	if (!siblings)
		return { { "smt", Verdict::unknown,
			   fmt::format("cannot read CPU {}'s topology/thread_siblings_list", m.cpu),
			   "" } };
	siblings->erase(m.cpu);
	if (siblings->empty())
		return { { "smt", Verdict::ok, fmt::format("CPU {} has its core to itself", m.cpu),
			   "" } };
	std::string list = format_cpu_list(*siblings);
	return { { "smt", Verdict::warn,
		   fmt::format("CPU {} shares its core with CPU {}: what runs there slows the "
			       "measured code",
			       m.cpu, list),
		   fmt::format("keep CPU {0} idle: isolate both (isolcpus={1},{0}), offline it "
			       "(echo 0 > /sys/devices/system/cpu/cpu{0}/online), or boot with nosmt",
			       list, m.cpu) } };
}

std::vector<Finding> check_isolcpus(const DoctorInput &m)
{
	const auto &sysfs = m.machine.isolated;
	auto isolated = sysfs ? parse_cpu_list(*sysfs) : std::nullopt;
	auto cmdline = cmdline_cpus(m, "isolcpus");
	if (contains(isolated, m.cpu) || contains(cmdline, m.cpu))
		return { { "isolcpus", Verdict::ok,
			   fmt::format("CPU {} is isolated from the scheduler", m.cpu), "" } };
	if (!isolated && !m.machine.cmdline)
		return { { "isolcpus", Verdict::unknown,
			   "cannot read /sys/devices/system/cpu/isolated or /proc/cmdline", "" } };
	return { { "isolcpus", Verdict::warn,
		   fmt::format("CPU {} is not isolated (isolated: {}): the scheduler puts other "
			       "tasks on it",
			       m.cpu, isolated && !isolated->empty() ? *sysfs : "none"),
		   fmt::format("boot with isolcpus={} ({} prints the whole command line)", m.cpu,
			       isolate_command()) } };
}

std::vector<Finding> check_nohz_full(const DoctorInput &m)
{
	// The file exists with CONFIG_NO_HZ_FULL; "(null)" when no CPU is.
	const auto &sysfs = m.machine.nohz_full;
	auto nohz = sysfs ? parse_cpu_list(*sysfs) : std::nullopt;
	if (contains(nohz, m.cpu) || contains(cmdline_cpus(m, "nohz_full"), m.cpu))
		return { { "nohz_full", Verdict::ok,
			   fmt::format("CPU {} runs without the scheduler tick while it has one task",
				       m.cpu),
			   "" } };
	if (!sysfs && !m.machine.cmdline)
		return { { "nohz_full", Verdict::unknown,
			   "cannot read /sys/devices/system/cpu/nohz_full or /proc/cmdline", "" } };
	return { { "nohz_full", Verdict::warn,
		   fmt::format("CPU {} is not nohz_full: the scheduler tick interrupts it every "
			       "few milliseconds{}",
			       m.cpu, sysfs ? "" : " (and this kernel may lack CONFIG_NO_HZ_FULL)"),
		   fmt::format("boot with nohz_full={} (a kernel with CONFIG_NO_HZ_FULL)", m.cpu) } };
}

std::vector<Finding> check_rcu_nocbs(const DoctorInput &m)
{
	if (!m.machine.cmdline)
		return { { "rcu_nocbs", Verdict::unknown, "cannot read /proc/cmdline", "" } };
	// nohz_full CPUs are rcu_nocbs CPUs too.
	if (contains(cmdline_cpus(m, "rcu_nocbs"), m.cpu) ||
	    contains(cmdline_cpus(m, "nohz_full"), m.cpu))
		return { { "rcu_nocbs", Verdict::ok,
			   fmt::format("RCU callbacks of CPU {} run elsewhere", m.cpu), "" } };
	return { { "rcu_nocbs", Verdict::warn,
		   fmt::format("CPU {} runs its own RCU callbacks, in softirq between samples",
			       m.cpu),
		   fmt::format("boot with rcu_nocbs={}", m.cpu) } };
}

std::vector<Finding> check_irqbalance(const DoctorInput &m)
{
	const auto &tasks = m.machine.tasks;
	if (!tasks)
		return { { "irqbalance", Verdict::unknown, "cannot list /proc", "" } };
	for (const TaskFacts &task : *tasks)
		if (task.comm == "irqbalance")
			return { { "irqbalance", Verdict::warn,
				   fmt::format("irqbalance runs (pid {}): it moves IRQs back onto CPU "
					       "{} whatever was set",
					       task.pid, m.cpu),
				   isolate_command() + " stops it (systemctl stop irqbalance)" } };
	return { { "irqbalance", Verdict::ok, "irqbalance does not run", "" } };
}

// Per-IRQ counts on one CPU from /proc/interrupts, by IRQ number, with the
// line's description.
struct IrqCount {
	long long count = 0;
	std::string what;
};

std::map<int, IrqCount> irq_counts(const std::optional<std::string> &text, int cpu)
{
	std::map<int, IrqCount> counts;
	if (!text)
		return counts;
	std::string_view rest = *text;
	std::size_t eol = rest.find('\n');
	auto header = split_words(rest.substr(0, eol));
	auto column = std::find(header.begin(), header.end(), fmt::format("CPU{}", cpu));
	if (column == header.end() || eol == std::string_view::npos)
		return counts;
	std::size_t index = static_cast<std::size_t>(column - header.begin());
	rest.remove_prefix(eol + 1);
	while (!rest.empty()) {
		eol = rest.find('\n');
		auto words = split_words(rest.substr(0, eol));
		rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
		if (words.size() < header.size() + 1 || !words[0].ends_with(':'))
			continue;
		auto irq = parse_integer(words[0].substr(0, words[0].size() - 1));
		auto count = parse_integer(words[index + 1]);
		if (!irq || !count)
			continue;
		IrqCount &c = counts[static_cast<int>(*irq)];
		c.count = *count;
		c.what = std::string(words.back());
	}
	return counts;
}

std::vector<Finding> check_irq_affinity(const DoctorInput &m)
{
	const auto &irqs = m.machine.irq_affinity;
	if (!irqs)
		return { { "irq_affinity", Verdict::unknown, "cannot list /proc/irq", "" } };
	std::map<int, IrqCount> counts = irq_counts(m.machine.interrupts, m.cpu);
	std::vector<std::pair<int, IrqCount>> routed;
	for (const auto &[name, text] : *irqs) {
		auto irq = parse_integer(name);
		auto cpus = text ? parse_cpu_list(*text) : std::nullopt;
		if (irq && contains(cpus, m.cpu))
			routed.emplace_back(static_cast<int>(*irq), counts[static_cast<int>(*irq)]);
	}
	// Where an IRQ set up later goes.
	const auto &default_mask = m.machine.irq_default_affinity;
	bool new_ones = contains(default_mask ? parse_cpu_mask(*default_mask) : std::nullopt, m.cpu);
	if (routed.empty() && !new_ones)
		return { { "irq_affinity", Verdict::ok,
			   fmt::format("no device IRQ may be sent to CPU {}", m.cpu), "" } };
	// The busiest first: they are the ones that land in a round.
	std::stable_sort(routed.begin(), routed.end(),
			 [](const auto &a, const auto &b) { return a.second.count > b.second.count; });
	std::string list;
	constexpr std::size_t kShown = 3;
	for (std::size_t i = 0; i < std::min(routed.size(), kShown); i++)
		list += fmt::format("{}{} {} ({} on CPU {})", i ? ", " : "", routed[i].first,
				    routed[i].second.what.empty() ? "?" : routed[i].second.what,
				    routed[i].second.count, m.cpu);
	if (routed.size() > kShown)
		list += fmt::format(" and {} more", routed.size() - kShown);
	std::string found =
		routed.empty()
			? fmt::format("no device IRQ may be sent to CPU {} now", m.cpu)
			: fmt::format("{} IRQs may be sent to CPU {}: {}", routed.size(), m.cpu, list);
	if (new_ones)
		found += fmt::format("; new ones may too (default_smp_affinity {})", *default_mask);
	return { { "irq_affinity", Verdict::warn, found,
		   fmt::format("{} --cpu {} routes them to the other CPUs", isolate_command(),
			       m.cpu) } };
}

std::vector<Finding> check_tsc_flags(const DoctorInput &m)
{
	const auto &cpuinfo = m.machine.cpuinfo;
	if (!cpuinfo || !cpuinfo->has_flags)
		return { { "tsc_flags", Verdict::unknown, "cannot read the flags of /proc/cpuinfo",
			   "" } };
	std::string missing;
	for (std::string_view flag : { "constant_tsc", "nonstop_tsc" })
		if (!cpuinfo->flags.contains(flag))
			append_item(missing, " and ", flag);
	if (missing.empty())
		return { { "tsc_flags", Verdict::ok,
			   "constant_tsc and nonstop_tsc: the TSC ticks at one rate, also in idle",
			   "" } };
	return { { "tsc_flags", Verdict::warn,
		   "no " + missing + ": the TSC may change rate with the clock or stop in idle, "
				     "so cycles are not time",
		   fmt::format("pin the frequency ({}) and trust cycles only within one sample, "
			       "not as time; or measure on a CPU with an invariant TSC",
			       isolate_command()) } };
}

std::vector<Finding> check_clocksource(const DoctorInput &m)
{
	const auto &current = m.machine.clocksource;
	if (!current)
		return { { "clocksource", Verdict::unknown, "cannot read current_clocksource", "" } };
	if (*current == "tsc")
		return { { "clocksource", Verdict::ok, "tsc", "" } };
	const auto &available = m.machine.clocksources_available;
	std::string told;
	for (std::string_view param : { "clocksource", "tsc" })
		if (auto value = cmdline_value(m, param))
			told += fmt::format(" {}={}", param, *value);
	return { { "clocksource", Verdict::warn,
		   fmt::format("{} (available: {}{}): the kernel does not keep time with the TSC, "
			       "so the TSC's calibration against CLOCK_MONOTONIC_RAW rests on {}",
			       *current, available.value_or("?"),
			       told.empty() ? "" : ";" + told + " on the command line", *current),
		   "where the TSC is stable, boot without clocksource= and tsc=unstable (see "
		   "dmesg for 'TSC unstable'); the figures in cycles do not depend on it" } };
}

std::vector<Finding> check_kpti(const DoctorInput &m)
{
	KptiState kpti = kpti_state(m.machine);
	if (!kpti.enabled)
		return { { "kpti", Verdict::unknown,
			   "cannot tell: no cpuinfo flags and no vulnerabilities/meltdown", "" } };
	std::string options;
	for (const std::string &o : kpti.cmdline_options.value_or(std::vector<std::string>{}))
		options += " " + o;
	std::string said = kpti.source.value_or("?") +
			   (options.empty() ? "" : "; command line:" + options);
	if (!*kpti.enabled)
		return { { "kpti", Verdict::ok, "KPTI off (" + said + ")", "" } };
	auto meltdown = m.machine.vulnerability("meltdown");
	return { { "kpti", Verdict::warn,
		   fmt::format("KPTI on ({}): every crossing pays two page-table switches{}", said,
			       meltdown == "Not affected"
				       ? "; this CPU is not affected by Meltdown, pti=on forced it"
				       : ""),
		   "state it with the figures; to measure without it, boot with pti=off" } };
}

// Mitigations whose cost lands in a crossing, by how the kernel names them
// after "Mitigation: "; the more specific first.
struct CostlyMitigation {
	std::string_view prefix;
	std::string_view cost;
};

constexpr CostlyMitigation kCostlyMitigations[] = {
	{ "PTI", "a page-table switch on every kernel entry and exit" },
	{ "Clear CPU buffers", "VERW before every return to user" },
	{ "Clear Register File", "register file cleared before every return to user" },
	{ "IBRS", "IBRS on every kernel entry" },
	{ "IBPB on VMEXIT", "a branch barrier on every VM exit" },
	{ "IBPB before exit to userspace", "a branch barrier before the VMM's return to user" },
	{ "IBPB", "a branch barrier on kernel entry" },
	{ "Untrained return thunk", "a return thunk on every kernel return" },
	{ "Safe RET", "a return thunk on every kernel return" },
	{ "Stuffing", "call-depth tracking on every kernel call and return" },
	{ "Aligned branch/return thunks", "branch and return thunks in the kernel" },
};

bool starts_with_nocase(std::string_view text, std::string_view prefix)
{
	return text.size() >= prefix.size() &&
	       std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
		       return std::tolower(static_cast<unsigned char>(a)) ==
			      std::tolower(static_cast<unsigned char>(b));
	       });
}

Finding judge_vulnerability(const std::string &name, const std::optional<std::string> &text)
{
	std::string check = "vuln/" + name;
	if (!text)
		return { check, Verdict::unknown, "cannot read it", "" };
	constexpr std::string_view mitigation = "Mitigation: ";
	if (text->starts_with(mitigation)) {
		std::string_view how = std::string_view(*text).substr(mitigation.size());
		for (const CostlyMitigation &c : kCostlyMitigations)
			if (starts_with_nocase(how, c.prefix))
				return { check, Verdict::warn,
					 fmt::format("{}: {}", *text, c.cost),
					 "its cost is in the figures: state it with them, or compare a "
					 "boot with mitigations=off" };
		return { check, Verdict::ok, *text, "" };
	}
	if (*text == "Not affected" || text->starts_with("Vulnerable"))
		return { check, Verdict::ok, *text, "" };
	return { check, Verdict::unknown, *text, "" };
}

std::vector<Finding> check_vulnerabilities(const DoctorInput &m)
{
	const auto &vulnerabilities = m.machine.vulnerabilities;
	if (!vulnerabilities)
		return { { "vuln", Verdict::unknown,
			   "cannot list /sys/devices/system/cpu/vulnerabilities", "" } };
	std::vector<Finding> findings;
	for (const auto &[name, text] : *vulnerabilities)
		findings.push_back(judge_vulnerability(name, text));
	return findings;
}

std::vector<Finding> check_thp(const DoctorInput &m)
{
	std::string path = "sys/kernel/mm/transparent_hugepage/enabled";
	const auto &text = m.machine.thp_enabled;
	std::size_t open = text ? text->find('[') : std::string::npos;
	std::size_t close = text ? text->find(']', open) : std::string::npos;
	if (open == std::string::npos || close == std::string::npos)
		return { { "thp", Verdict::unknown,
			   "cannot read transparent_hugepage/enabled (a kernel without THP?)", "" } };
	std::string mode = text->substr(open + 1, close - open - 1);
	if (mode == "never")
		return { { "thp", Verdict::ok, "never", "" } };
	if (mode == "madvise")
		return { { "thp", Verdict::ok,
			   "madvise: only memory that asks gets huge pages, and xperf asks for none",
			   "" } };
	return { { "thp", Verdict::warn,
		   mode + ": a fault may map a 2 MiB page, and khugepaged collapses pages behind "
			  "the measurement",
		   fmt::format("{} (or: echo never > /{})", isolate_command(), path) } };
}

// A line "Max locked memory  SOFT  HARD  bytes" of /proc/self/limits: the
// soft limit, "unlimited" or a number.
std::optional<std::string> soft_limit(const std::optional<std::string> &limits,
				      std::string_view name)
{
	if (!limits)
		return std::nullopt;
	std::size_t at = limits->find(name);
	if (at == std::string::npos)
		return std::nullopt;
	std::string_view line = std::string_view(*limits).substr(at + name.size());
	line = line.substr(0, line.find('\n'));
	auto words = split_words(line);
	if (words.empty())
		return std::nullopt;
	return std::string(words[0]);
}

// Whether the effective capabilities in /proc/self/status have cap.
std::optional<bool> has_capability(const DoctorInput &m, int cap)
{
	const auto &status = m.machine.self_status;
	if (!status)
		return std::nullopt;
	std::size_t at = status->find("CapEff:");
	if (at == std::string::npos)
		return std::nullopt;
	auto words = split_words(std::string_view(*status).substr(at + 7, 20));
	auto mask = words.empty() ? std::nullopt : parse_integer(words[0], 16);
	if (!mask)
		return std::nullopt;
	return ((static_cast<std::uint64_t>(*mask) >> cap) & 1) != 0;
}

std::vector<Finding> check_memlock(const DoctorInput &m)
{
	auto limit = soft_limit(m.machine.self_limits, "Max locked memory");
	auto cap = has_capability(m, kCapIpcLock);
	if (cap == true)
		return { { "memlock", Verdict::ok, "CAP_IPC_LOCK: it can lock all its memory", "" } };
	if (limit == "unlimited")
		return { { "memlock", Verdict::ok, "RLIMIT_MEMLOCK unlimited", "" } };
	if (!limit || !cap)
		return { { "memlock", Verdict::unknown,
			   "cannot read /proc/self/limits or /proc/self/status", "" } };
	auto bytes = parse_integer(*limit);
	return { { "memlock", Verdict::warn,
		   fmt::format("RLIMIT_MEMLOCK {} KiB and no CAP_IPC_LOCK: memory mapped after the "
			       "start is not locked and can fault inside a round",
			       bytes ? std::to_string(*bytes / 1024) : *limit),
		   "run as root, or raise the limit (ulimit -l unlimited; memlock in "
		   "/etc/security/limits.conf)" } };
}

std::vector<Finding> check_priority(const DoctorInput &m)
{
	const auto &limits = m.machine.self_limits;
	auto rtprio = soft_limit(limits, "Max realtime priority");
	auto nice = soft_limit(limits, "Max nice priority");
	auto cap = has_capability(m, kCapSysNice);
	if (cap == true)
		return { { "priority", Verdict::ok, "CAP_SYS_NICE: it can raise its priority", "" } };
	// RLIMIT_NICE above 20 allows a nice value below 0.
	auto rt = rtprio ? parse_integer(*rtprio) : std::nullopt;
	auto ni = nice ? parse_integer(*nice) : std::nullopt;
	if (rtprio == "unlimited" || (rt && *rt > 0))
		return { { "priority", Verdict::ok, "RLIMIT_RTPRIO " + *rtprio, "" } };
	if (nice == "unlimited" || (ni && *ni > 20))
		return { { "priority", Verdict::ok, "RLIMIT_NICE " + *nice, "" } };
	if (!rt || !ni || !cap)
		return { { "priority", Verdict::unknown,
			   "cannot read /proc/self/limits or /proc/self/status", "" } };
	return { { "priority", Verdict::warn,
		   "no CAP_SYS_NICE, RLIMIT_RTPRIO 0, no negative nice: any task woken on the CPU "
		   "preempts the measurement",
		   "run as root (chrt -f 50 xperf-user ...), or allow rtprio in "
		   "/etc/security/limits.conf" } };
}

std::vector<Finding> check_hypervisor(const DoctorInput &m)
{
	auto flag = m.machine.cpuinfo ? m.machine.cpuinfo->flag("hypervisor") : std::nullopt;
	if (!flag)
		return { { "hypervisor", Verdict::unknown, "cannot read the flags of /proc/cpuinfo",
			   "" } };
	if (!*flag)
		return { { "hypervisor", Verdict::ok, "no hypervisor flag: bare metal", "" } };
	std::vector<std::string> which;
	if (m.cpuid_hypervisor)
		which.push_back("CPUID 0x40000000 '" + *m.cpuid_hypervisor + "'");
	if (const auto &type = m.machine.hypervisor_type)
		which.push_back("/sys/hypervisor/type " + *type);
	const auto &vendor = m.machine.dmi_sys_vendor;
	const auto &product = m.machine.dmi_product_name;
	if (vendor || product)
		which.push_back("DMI " + vendor.value_or("?") + " " + product.value_or("?"));
	std::string said;
	for (const std::string &w : which)
		append_item(said, ", ", w);
	return { { "hypervisor", Verdict::warn,
		   "under a hypervisor (" + (said.empty() ? "which one is not said" : said) +
			   "): every figure includes the host's interrupts, steal time and vCPU "
			   "preemption",
		   "label the figures as guest figures; pin the vCPU to an isolated host CPU, or "
		   "measure on bare metal" } };
}

std::vector<Finding> check_busy_tasks(const DoctorInput &m)
{
	const auto &tasks = m.machine.tasks;
	if (!tasks)
		return { { "busy_tasks", Verdict::unknown, "cannot list /proc", "" } };
	std::vector<const TaskFacts *> busy;
	for (const TaskFacts &task : *tasks)
		if (task.state == 'R' && task.processor == m.cpu && task.pid != m.self_pid)
			busy.push_back(&task);
	if (busy.empty())
		return { { "busy_tasks", Verdict::ok,
			   fmt::format("no other task runnable on CPU {} when read", m.cpu), "" } };
	std::string list;
	for (const TaskFacts *task : busy)
		list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", task->comm, task->pid);
	return { { "busy_tasks", Verdict::warn,
		   fmt::format("{} other task(s) runnable on CPU {}: {}", busy.size(), m.cpu, list),
		   fmt::format("move them (taskset -apc OTHER_CPUS PID), measure on another CPU, "
			       "or isolate CPU {} (isolcpus=)",
			       m.cpu) } };
}

const DoctorCheck kChecks[] = {
	{ "governor", "cpufreq governor of the measuring CPU", check_governor },
	{ "boost", "frequency boost (turbo)", check_boost },
	{ "smt", "SMT siblings of the measuring CPU", check_smt },
	{ "isolcpus", "the measuring CPU isolated from the scheduler", check_isolcpus },
	{ "nohz_full", "no scheduler tick on the measuring CPU", check_nohz_full },
	{ "rcu_nocbs", "RCU callbacks off the measuring CPU", check_rcu_nocbs },
	{ "irqbalance", "irqbalance, which undoes IRQ affinity", check_irqbalance },
	{ "irq_affinity", "device IRQs that may be sent to the measuring CPU", check_irq_affinity },
	{ "tsc_flags", "constant_tsc and nonstop_tsc", check_tsc_flags },
	{ "clocksource", "the kernel's clocksource", check_clocksource },
	{ "kpti", "kernel page-table isolation", check_kpti },
	{ "vuln", "every /sys/devices/system/cpu/vulnerabilities entry", check_vulnerabilities },
	{ "thp", "transparent huge pages", check_thp },
	{ "memlock", "whether the process can lock its memory", check_memlock },
	{ "priority", "whether the process can raise its priority", check_priority },
	{ "hypervisor", "running under a hypervisor, and which", check_hypervisor },
	{ "busy_tasks", "other runnable tasks on the measuring CPU", check_busy_tasks },
};

} // namespace

std::span<const DoctorCheck> doctor_checks()
{
	return kChecks;
}

} // namespace xperf
