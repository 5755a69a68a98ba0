// The run functions of the crossings in the registry, one file each.
#pragma once

#include "result.h"
#include "run_context.h"

#include <vector>

namespace xperf {

std::vector<Result> run_control(const RunContext &ctx);
std::vector<Result> run_funccall(const RunContext &ctx);
std::vector<Result> run_syscall(const RunContext &ctx);
std::vector<Result> run_getppid(const RunContext &ctx);
std::vector<Result> run_pgfault(const RunContext &ctx);
std::vector<Result> run_alloc(const RunContext &ctx);
std::vector<Result> run_vmexit(const RunContext &ctx); // vmexit/vmexit.cpp
// Throws the Error run_vmexit would stop with before measuring: bad input,
// or unavailable here (no KVM, no QEMU, no xperf.ko in a guest).
void check_vmexit(const RunContext &ctx);

} // namespace xperf
