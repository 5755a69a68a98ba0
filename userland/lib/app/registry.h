// The crossings xperf-user knows. A crossing is one table entry in
// registry.cpp: the CLI, the report and the tests find it there.
#pragma once

#include "core/result.h"
#include "core/run_context.h"
#include "verify/expectations.h"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xperf {

// Where an entry belongs: a crossing is measured by "all"; an OS suite
// entry (the LMBench-style operations of `xperf-user suite os`) only when
// named or by its suite.
enum class Group { crossing, os };

// What an entry is to a comparison: measured, or the control every run
// carries, work no kernel change can move, by which compare tells a changed
// machine from a changed kernel.
enum class Role { measured, control };

// How merge_parts joins one field (at any depth) of a crossing's detail or
// method over the parts of a run.
enum class Merge {
	// Kept where the parts agree, else their median (numbers) or the list
	// of their distinct values.
	measure,
	sum,	  // a count over the part's iterations: the run has the sum
	identity, // names something (a thread, a CPU): never averaged, listed
};
struct FieldMerge {
	std::string_view field;
	Merge how;
};

struct Crossing {
	std::string_view name;
	std::string_view description;
	std::vector<Result> (*run)(const RunContext &ctx);
	// Before anything is measured: throws the Error that run would stop
	// with, bad input (options this crossing cannot take) or unavailable
	// (what it needs is missing here). nullptr: it runs anywhere.
	void (*check)(const RunContext &ctx) = nullptr;
	Group group = Group::crossing;
	// Its own precision when the user gives no -n / --warmup: an entry
	// that takes a millisecond per iteration takes fewer per round.
	std::optional<std::size_t> samples = std::nullopt;
	std::optional<std::size_t> warmup = std::nullopt;
	// What is worked out from the crossing's whole results once its parts
	// are merged (notes that compare its variants' medians): run in the
	// run, never in a part. nullptr: nothing.
	void (*finish)(std::vector<Result> &results) = nullptr;
	// What --verify expects of each of its results: every entry of the
	// registry names one, verify::expect_nothing_known where it has none on
	// purpose. nullptr (a crossing made up by a test): nothing is known.
	verify::ExpectationOf expect = nullptr;
	Role role = Role::measured;
	// What one of its results tells of the kernel it ran on, for the labels
	// of compared columns ("patched"); "" when it tells nothing. nullptr:
	// its results tell nothing.
	std::string (*label)(const Result &r) = nullptr;
	// Its results' fields that count over iterations (or name something),
	// beyond the identities every crossing's fields share (merge_of).
	std::span<const FieldMerge> merge = {};
};

std::span<const Crossing> crossings();
const Crossing *find_crossing(std::string_view name);

// How merge_parts joins field of c's results: c's own rule for it, else
// an identity every crossing shares (tid, cpu, nr, ..., or a name ending in
// one after an underscore: peer_last_cpu), else Merge::measure.
Merge merge_of(const Crossing &c, std::string_view field);

// What --verify expects of r: the expectation of the row r's crossing
// names; nothing known of a crossing no row has.
verify::Expectation expectation_for(const Result &r);

// A crossing to measure, and whether the user named it (rather than
// getting it from "all"): a named crossing that cannot run here is an
// error, one from "all" is skipped.
struct Selected {
	const Crossing *crossing;
	bool named;
};

// A comma list of names and "all" (the registry's crossings, Group::crossing,
// in its order), each crossing once
// in the order first mentioned; throws a bad_input Error naming an unknown
// crossing and the known ones.
std::vector<Selected> select_crossings(std::string_view spec);

// The options c runs with: its own samples and warmup where the user gave
// none.
RunContext with_defaults(const Crossing &c, const RunContext &ctx);

// An option that only some crossings take (vmexit's --exit, --from,
// --vmm): the CLI adds each as the crossing that owns it describes it, and
// knows nothing of what its values mean.
struct CrossingOption {
	std::string flag; // "--exit"
	std::string help;
	std::string Options::*field;
	// What is wrong with a value, without the option's name; "" when good.
	std::string (*problem)(const std::string &value);
	// Every value it takes, one each (a completion offers them), and
	// whether it takes a comma list of them.
	std::vector<std::string> (*values)();
	bool list;
	// The one crossing that reads it: given for a run without it, it is
	// ignored, and the CLI says so. Empty: several read it.
	std::string_view crossing = {};
};
std::vector<CrossingOption> crossing_options();

// The entry every run carries so that compare can tell a changed machine
// from a changed kernel: the one of Role::control.
const Crossing &control_crossing();

} // namespace xperf
