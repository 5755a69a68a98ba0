// funccall: the floor every crossing is compared with (Unikraft's
// "function call vs system call").
#include "core/sampler.h"
#include "crossings/crossings.h"

namespace xperf {

// noipa keeps GCC from looking inside; the asm keeps the body from being
// proven empty and the call from being dropped.
__attribute__((noinline, noipa)) void xperf_empty_function()
{
	asm volatile("");
}

std::vector<Result> run_funccall(const RunContext &ctx)
{
	// A call costs less than the timer: time many as one.
	std::size_t batch = ctx.opt.batch ? ctx.opt.batch : 1000;
	Timing t = measure(ctx, batch, [] {}, [] { xperf_empty_function(); });
	return { timed_result(ctx, "funccall", "noinline", t) };
}

} // namespace xperf
