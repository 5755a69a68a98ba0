// One pass of a run (round k of every crossing) in a fresh process: this
// xperf-user executed again with the same options, one round, its results
// handed back as JSON on its standard output, a pipe. A fresh exec has its own address
// space, pages, task and kernel stack: what differs from one run to the
// next, and what parts forked from one process share.
#pragma once

#include "app/registry.h"
#include "core/result.h"
#include "core/run_context.h"

#include <string>
#include <vector>

namespace xperf {

// Whether this program is xperf-user itself, which a part can execute
// again: main() says so. A test that runs the command line in its own
// process keeps the parts in processes forked from it instead.
void enable_part_processes();
bool part_processes_enabled();

// The arguments of the part: what pass asks of the crossings in to_run.
std::vector<std::string> part_arguments(const std::vector<const Crossing *> &to_run,
					const RunContext &pass);

// Runs them in /proc/self/exe and returns its results; a part that fails
// is an Error (failed) with what it said on standard error passed through.
std::vector<Result> run_part_process(const std::vector<const Crossing *> &to_run,
				     const RunContext &pass);

} // namespace xperf
