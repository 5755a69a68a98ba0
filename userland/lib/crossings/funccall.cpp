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
	// A call costs less than the timer's step: the pilot times many as one.
	Timing t = measure(ctx, auto_batch, [] {}, [] { xperf_empty_function(); });
	return { timed_result(ctx, "funccall", "noinline", t) };
}

} // namespace xperf
