#include "core/round_counters.h"

#include "core/sysroot.h"

#include <sched.h>
#include <sys/resource.h>

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>

namespace xperf {

namespace {

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		return {};
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

// The number after "key" and a colon in a /proc file of "key: value" lines.
std::optional<std::uint64_t> proc_field(const std::string &path, const std::string &key)
{
	std::istringstream in(slurp(path));
	std::string line;
	while (std::getline(in, line))
		if (line.rfind(key, 0) == 0) {
			auto colon = line.find(':');
			if (colon == std::string::npos)
				return std::nullopt;
			try {
				return std::stoull(line.substr(colon + 1));
			} catch (const std::exception &) {
				return std::nullopt;
			}
		}
	return std::nullopt;
}

std::optional<std::uint64_t> migrations(const std::string &root)
{
	return proc_field(root + "proc/thread-self/sched", "se.nr_migrations");
}

double now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void read_cpu(CounterSnapshot &s, const std::string &root)
{
	s.interrupts = interrupts_on(slurp(root + "proc/interrupts"), s.cpu);
	std::string khz = slurp(root + "sys/devices/system/cpu/cpu" + std::to_string(s.cpu) +
				"/cpufreq/scaling_cur_freq");
	try {
		if (!khz.empty())
			s.khz = std::stod(khz);
	} catch (const std::exception &) {
	}
}

std::string with_slash(const std::string &root)
{
	return root.empty() || root.back() == '/' ? root : root + "/";
}

} // namespace

std::optional<std::uint64_t> interrupts_on(const std::string &text, int cpu)
{
	std::istringstream in(text);
	std::string header;
	if (cpu < 0 || !std::getline(in, header))
		return std::nullopt;
	// The header names the online CPUs' columns: "CPU0 CPU1 ...".
	std::istringstream h(header);
	std::string name;
	int column = -1, at = 0;
	while (h >> name) {
		if (name == "CPU" + std::to_string(cpu))
			column = at;
		at++;
	}
	if (column < 0)
		return std::nullopt;
	std::uint64_t sum = 0;
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream l(line);
		std::string label;
		l >> label; // "0:", "NMI:", ...
		std::uint64_t v = 0;
		for (int i = 0; i <= column; i++) {
			if (!(l >> v)) {
				v = 0; // ERR: and MIS: have one column only
				break;
			}
		}
		sum += v;
	}
	return sum;
}

CounterSnapshot take_snapshot(const std::string &root_dir)
{
	std::string root = with_slash(root_dir);
	CounterSnapshot s;
	s.wall_ns = now_ns();
	s.cpu = sched_getcpu();
	rusage ru{};
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		s.preemptions = static_cast<std::uint64_t>(ru.ru_nivcsw);
	s.migrations = migrations(root);
	read_cpu(s, root);
	return s;
}

CounterSnapshot take_thread_snapshot(pid_t pid, pid_t tid, const std::string &root_dir)
{
	std::string root = with_slash(root_dir);
	std::string task = fmt::format("{}proc/{}/task/{}/", root, pid, tid);
	CounterSnapshot s;
	s.wall_ns = now_ns();
	auto stat = parse_proc_stat(slurp(task + "stat"));
	if (!stat || !stat->processor)
		return s;
	s.cpu = *stat->processor;
	if (s.cpu < 0)
		return s;
	s.preemptions = proc_field(task + "status", "nonvoluntary_ctxt_switches");
	s.migrations = proc_field(task + "sched", "se.nr_migrations");
	read_cpu(s, root);
	return s;
}

RoundCounters between(const CounterSnapshot &a, const CounterSnapshot &b)
{
	RoundCounters c;
	c.seconds = (b.wall_ns - a.wall_ns) / 1e9;
	if (a.cpu >= 0)
		c.cpu_start = a.cpu;
	if (b.cpu >= 0)
		c.cpu_end = b.cpu;
	auto delta = [](const auto &x, const auto &y) -> std::optional<std::uint64_t> {
		if (!x || !y || *y < *x)
			return std::nullopt;
		return *y - *x;
	};
	c.preemptions = delta(a.preemptions, b.preemptions);
	c.migrations = delta(a.migrations, b.migrations);
	// Another CPU's column says nothing of this one's round.
	if (a.cpu == b.cpu)
		c.interrupts = delta(a.interrupts, b.interrupts);
	c.khz_start = a.khz;
	c.khz_end = b.khz;
	return c;
}

} // namespace xperf
