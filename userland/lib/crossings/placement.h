// Where the peer process of a communication entry runs against the
// measuring one. On the measuring CPU (same-cpu) a message is a switch
// between the two on one run queue; on another CPU (other-cpu) it is a
// wakeup across CPUs: an IPI, and the peer's CPU leaving idle. LMBench pins
// nothing and lets the scheduler choose (free), which on a machine of two
// CPUs is mostly other-cpu and sometimes not. Each is a variant of the
// entry, named by the placement after a slash: "round-trip/other-cpu".
#pragma once

#include "core/result.h"
#include "core/run_context.h"
#include "crossings/os_child.h"

#include <sys/types.h>

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

enum class Placement { same_cpu, other_cpu, free };

std::string_view placement_name(Placement p);

// The values --placement takes, and what is wrong with one ("" if nothing).
std::string placement_choices();
std::vector<std::string> placement_values(); // the names alone, for a completion
std::string placement_problem(const std::string &value);

// Every entry of the OS suite runs with the measuring process free to go to
// any online CPU (--placement free): LMBench's way.
bool free_placement(const Options &opt);

// The CPUs a peer placed p may run on, the measuring CPU being cpu: {cpu},
// the first online CPU other than cpu, or every online CPU (free). Empty
// for other-cpu on a machine with one online CPU.
std::set<int> peer_cpus(Placement p, int cpu);

// A peer process running body, forked with its affinity set for p: it runs
// where p says from its first instruction.
OsChild place_peer(const RunContext &ctx, Placement p, const std::function<void()> &body);

// Runs measure once per placement the run asks for (--placement: both,
// the default, is same-cpu then other-cpu; or one of them; or free, with
// the measuring process unpinned too), each result's variant followed by
// "/" and the placement's name. measure calls record_peer while its peer
// lives. Where other-cpu cannot be placed (one online CPU), the same-cpu
// result says so in a note; asked for alone, it is unavailable.
using PlacedMeasure = std::function<Result(Placement)>;
std::vector<Result> for_each_placement(const RunContext &ctx, const PlacedMeasure &measure);

// detail.placement of r: the placement asked for, the measuring CPU, and
// the peer's CPUs as the kernel has them now (affinity, last CPU run on);
// method.placement: the placement's name.
void record_peer(Result &r, const RunContext &ctx, Placement p, pid_t peer);

} // namespace xperf
