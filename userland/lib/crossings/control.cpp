// control: user-mode work of known cost in every run, which no kernel change
// can move. compare checks it: when it moved, the machine changed (its clock
// against the TSC, or the share of the CPU the run got), not the kernel.
//
// A chain of dependent register adds, not funccall: an add's latency is one
// core cycle on every x86-64, it touches no memory and predicts no branch,
// so it is the same work under every kernel, mitigation and microcode. A
// call's cost depends on the return predictor, the alignment of the code,
// and at one or two cycles per call it sits on the timer's step.
#include "core/sampler.h"
#include "crossings/crossings.h"

namespace xperf {

namespace {

constexpr unsigned control_adds = 4000;

inline void dependent_adds()
{
	unsigned long x = 0;
	asm volatile(".rept 4000\n\taddq $1, %0\n\t.endr" : "+r"(x));
	static_assert(control_adds == 4000, "the .rept count above");
}

} // namespace

std::vector<Result> run_control(const RunContext &ctx)
{
	RunContext plain = ctx;
	plain.opt.inject_adds = 0; // the control is never given the test's extra cost
	plain.opt.batch = 1;
	Timing t = measure(plain, 1, [] {}, [] { dependent_adds(); });
	Result r = timed_result(plain, "control", "adds-4000", t);
	r.detail = { { "work", "4000 dependent register adds: 4000 core cycles" },
		     { "core_cycles", control_adds } };
	if (r.stats.median > 0)
		r.detail["core_cycles_per_tsc_cycle"] = control_adds / r.stats.median;
	return { r };
}

} // namespace xperf
