#include "core/affinity.h"

#include "core/sysroot.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace xperf {

namespace {

std::string affinity_of(pid_t tid)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(tid, sizeof(set), &set))
		return "?";
	std::set<int> cpus;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus.insert(c);
	return format_cpu_list(cpus);
}

} // namespace

std::set<int> cpus_other_than(int cpu)
{
	auto online = read_text("/", "sys/devices/system/cpu/online");
	std::set<int> cpus = online ? parse_cpu_list(*online).value_or(std::set<int>{})
				    : std::set<int>{};
	cpus.erase(cpu);
	return cpus;
}

ScopedAffinity::ScopedAffinity(const std::set<int> &cpus)
{
	if (cpus.empty() || sched_getaffinity(0, sizeof(saved_), &saved_))
		return;
	changed_ = !set_affinity(0, cpus);
}

ScopedAffinity::~ScopedAffinity()
{
	if (changed_)
		sched_setaffinity(0, sizeof(saved_), &saved_);
}

std::optional<std::string> set_affinity(pid_t tid, const std::set<int> &cpus)
{
	if (cpus.empty())
		return std::nullopt;
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int c : cpus)
		if (c >= 0 && c < CPU_SETSIZE)
			CPU_SET(c, &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		return fmt::format("sched_setaffinity({}, CPUs {}): {}", tid, format_cpu_list(cpus),
				   std::strerror(errno));
	return std::nullopt;
}

std::optional<std::string> pin_thread(pid_t tid, int cpu)
{
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return fmt::format("CPU {} is not one this process can name", cpu);
	return set_affinity(tid, { cpu });
}

std::optional<ThreadPlace> thread_place(pid_t pid, pid_t tid)
{
	std::string dir = fmt::format("proc/{}/task/{}/", pid, tid);
	auto stat = read_text("/", dir + "stat");
	if (!stat)
		return std::nullopt;
	ThreadPlace place;
	if (auto st = parse_proc_stat(*stat)) {
		place.name = st->name;
		place.cpu = st->processor;
	}
	place.affinity = affinity_of(tid);
	return place;
}

} // namespace xperf
