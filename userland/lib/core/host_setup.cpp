#include "core/host_setup.h"

#include "core/affinity.h"
#include "core/error.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace xperf {

std::string allowed_cpus()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		return "?";
	std::string out;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int end = c;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, &set))
			end++;
		if (!out.empty())
			out += ',';
		out += end > c ? fmt::format("{}-{}", c, end) : std::to_string(c);
		c = end;
	}
	return out;
}

int pin_to_cpu(int cpu)
{
	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		throw bad_input(fmt::format("CPU {} does not exist", cpu),
				fmt::format("this process may use CPUs {}", allowed_cpus()));
	if (auto error = pin_thread(0, cpu))
		throw bad_input(fmt::format("cannot run on CPU {}: {}", cpu, *error),
				fmt::format("this process may use CPUs {}", allowed_cpus()));
	return cpu;
}

namespace {

constexpr int lock_flags = MCL_CURRENT | MCL_ONFAULT;
bool future_locked = false; // by lock_memory, in this process

} // namespace

std::string lock_memory()
{
	rlimit lim{};
	getrlimit(RLIMIT_MEMLOCK, &lim);
	// Without privilege, MCL_FUTURE would make every allocation past the
	// limit fail; lock only what is mapped now then.
	bool unlimited = lim.rlim_cur == RLIM_INFINITY || geteuid() == 0;
	int flags = lock_flags | (unlimited ? MCL_FUTURE : 0);
	if (mlockall(flags))
		return fmt::format("none (mlockall: {})", std::strerror(errno));
	future_locked = unlimited;
	return unlimited ? "mlockall(current, future, on fault)"
			 : "mlockall(current, on fault): RLIMIT_MEMLOCK limits future memory";
}

// mlockall without MCL_FUTURE clears the future flag and keeps the present
// mappings locked.
NewMappingsUnlocked::NewMappingsUnlocked()
{
	paused_ = future_locked && mlockall(lock_flags) == 0;
}

NewMappingsUnlocked::~NewMappingsUnlocked()
{
	if (paused_)
		mlockall(lock_flags | MCL_FUTURE);
}

} // namespace xperf
