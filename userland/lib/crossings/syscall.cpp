// syscall: system call 500 (the xperf no-op) and getppid.
#include "crossings.h"
#include "raw_syscall.h"
#include "sampler.h"
#include "syscall_probe.h"

#include <sys/syscall.h>

#include <fmt/format.h>

namespace xperf {

std::vector<Result> run_syscall(const RunContext &ctx)
{
	SyscallProbe probe = probe_nop_syscall();
	Timing t = measure(ctx, ctx.opt.batch, [] {}, [] { raw_syscall0(XPERF_NOP_NR); });
	Result r = timed_result(ctx, "syscall", "nr500", t);
	r.detail = { { "nr", XPERF_NOP_NR },
		     { "returned", probe.returned },
		     { "kernel_path", probe.path_name() } };
	r.notes.push_back(probe.describe());
	return { r };
}

std::vector<Result> run_getppid(const RunContext &ctx)
{
	Timing t = measure(ctx, ctx.opt.batch, [] {}, [] { raw_syscall0(SYS_getppid); });
	Result r = timed_result(ctx, "getppid", "getppid", t);
	r.detail = { { "nr", SYS_getppid } };
	return { r };
}

} // namespace xperf
