// syscall: system call 500 (the xperf no-op) and getppid.
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/legs.h"
#include "crossings/raw_syscall.h"
#include "crossings/syscall_probe.h"

#include <sys/syscall.h>

#include <fmt/format.h>

namespace xperf {

std::vector<Result> run_syscall(const RunContext &ctx)
{
	SyscallProbe probe = probe_nop_syscall();
	auto nop = [](const xperf_record &rec) {
		return rec.kind == XPERF_KIND_SYSCALL && rec.arg == XPERF_NOP_NR;
	};
	// Legs need one crossing per timed region; also without them, so that a
	// patched kernel's figure and an unpatched one's are timed alike.
	std::vector<Result> out = measure_with_legs(
		ctx, "syscall", "nr500", batch_on_request, [] {},
		[] { raw_syscall0(XPERF_NOP_NR); }, nop);
	Result &r = out.front();
	r.detail["nr"] = XPERF_NOP_NR;
	r.detail["returned"] = probe.returned;
	r.detail["kernel_path"] = probe.path_name();
	r.notes.push_back(probe.describe());
	return out;
}

std::vector<Result> run_getppid(const RunContext &ctx)
{
	Timing t = measure(ctx, auto_batch, [] {}, [] { raw_syscall0(SYS_getppid); });
	Result r = timed_result(ctx, "getppid", "getppid", t);
	r.detail = { { "nr", SYS_getppid } };
	return { r };
}

} // namespace xperf
