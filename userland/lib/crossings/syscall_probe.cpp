#include "crossings/syscall_probe.h"
#include "crossings/raw_syscall.h"

#include <cerrno>

#include <fmt/format.h>

namespace xperf {

const char *SyscallProbe::path_name() const
{
	switch (path) {
	case Path::xperf_nop:
		return "xperf-nop";
	case Path::enosys:
		return "enosys";
	default:
		return "other";
	}
}

std::string SyscallProbe::describe() const
{
	switch (path) {
	case Path::xperf_nop:
		return fmt::format("syscall {} returned the xperf constant {:#x}: patched kernel, "
				   "the no-op system call was measured",
				   XPERF_NOP_NR, returned);
	case Path::enosys:
		return fmt::format("syscall {} returned -ENOSYS: kernel without the xperf patch, "
				   "the kernel's unknown-syscall path was measured",
				   XPERF_NOP_NR);
	default:
		return fmt::format("syscall {} returned {}: another system call owns this "
				   "number here; the figure is not the xperf no-op",
				   XPERF_NOP_NR, returned);
	}
}

SyscallProbe probe_nop_syscall()
{
	SyscallProbe p;
	p.returned = raw_syscall0(XPERF_NOP_NR);
	if (p.returned == static_cast<long>(XPERF_NOP_MAGIC))
		p.path = SyscallProbe::Path::xperf_nop;
	else if (p.returned == -ENOSYS)
		p.path = SyscallProbe::Path::enosys;
	return p;
}

} // namespace xperf
