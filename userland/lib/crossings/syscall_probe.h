// Which kernel path system call 500 takes here: the xperf no-op of a
// patched kernel, or -ENOSYS.
#pragma once

#include <xperf/abi.h>

#include <string>

namespace xperf {

struct SyscallProbe {
	enum class Path { xperf_nop, enosys, other } path = Path::other;
	long returned = 0;

	const char *path_name() const;
	std::string describe() const;
};

SyscallProbe probe_nop_syscall();

} // namespace xperf
