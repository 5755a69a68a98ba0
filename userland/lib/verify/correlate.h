// From the kernel events of one measurement to a verdict on every iteration:
// did it take the expected path, and what else happened in its timed region.
// No libbpf here, so that the unit tests can feed recorded and synthetic
// event sequences.
#pragma once

#include "core/run_description.h"
#include "verify/event.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xperf::verify {

struct Expected {
	Match what;
	unsigned per_iteration = 1; // exactly this many in every timed region; 0 forbids
	std::string name;	    // for people: "syscall 500"
	// Checked only where it fires at all: kvm_exit attaches but stays silent
	// under some hypervisors (PVM-style KVM).
	bool where_it_fires = false;
};

struct Expectation {
	std::string path; // what every iteration should do, for people
	std::vector<Expected> events;
	std::vector<Match> tolerated; // part of every path (kvm_entry, ...), any count
	// VM exits: the guest loops on its own, so iterations are found in the
	// stream instead of marked: the timed phase runs from the last `begin`
	// (earlier ones are trial runs) to the next `end`, and each iteration
	// starts with one `anchor`.
	std::optional<Match> anchor, begin, end;
	bool one_page = false; // every expected fault lands on the same page
	bool vm = false;       // also tally fast path / userspace round trip
	std::string unverifiable; // set: this cannot be verified here, and why
	// Set: only this thread's events are evidence; the stream holds the
	// measuring thread's from before it was followed.
	std::optional<FollowedThread> thread;
	std::vector<std::string> problems; // known before correlating: not ok
};

struct MismatchExample {
	std::size_t iteration;
	std::string why;
	std::vector<std::string> events;
};

struct PathReport {
	std::string path;
	std::size_t iterations = 0;
	std::size_t as_expected = 0; // the expected path, extras or not
	std::size_t mismatched = 0;
	std::size_t unverified = 0; // events were lost where it ran
	// Iterations with something beside the path in their timed region.
	std::size_t with_interrupt = 0, preempted = 0, with_page_fault = 0, with_second_exit = 0;
	std::map<std::string, std::size_t> interrupts;	 // by kind
	std::map<std::string, std::size_t> second_exits; // by exit reason
	std::map<std::string, std::size_t> timed_events; // by kind, all timed regions
	std::size_t fast_path = 0, userspace_round_trip = 0, other_path = 0; // vm only
	bool vm = false;
	std::optional<FollowedThread> thread; // whose events were judged
	uint64_t drops = 0;	      // the BPF side's count for this measurement
	uint64_t located_losses = 0; // of them, placed between two received events
	std::optional<std::size_t> anchors_found;
	std::size_t fault_pages = 0; // one_page: distinct pages the expected faults hit
	std::vector<MismatchExample> examples;
	// kvm_exit to the next kvm_entry, log2 buckets of ns, by exit reason.
	std::map<std::string, std::map<unsigned, std::size_t>> exit_to_entry;
	// Per iteration: verified, expected path, nothing beside it; for the
	// timing of clean iterations against the others.
	std::vector<bool> clean;
	std::vector<std::string> problems; // run-level: counts off, pages, losses
	// Expected events this kernel gives no way to see: left out of the check.
	std::vector<std::string> unobservable;

	bool ok() const { return mismatched == 0 && unverified == 0 && problems.empty(); }
	std::string summary() const; // "path: N of N iterations took ...; ..."
	nlohmann::json to_json() const;
};

// run: the measurement's number in the marks (marked mode, ignored when
// anchored); iterations: how many the Result holds; drops: lost events the
// BPF side counted while this measurement ran (anchored: while the whole
// traced run did).
PathReport correlate(std::vector<Event> events, uint64_t run, std::size_t iterations,
		     const Expectation &x, uint64_t drops);

constexpr uint64_t mark_run(uint64_t mark) { return mark >> VERIFY_MARK_RUN_SHIFT; }
constexpr uint64_t mark_iteration(uint64_t mark)
{
	return (mark >> VERIFY_MARK_ITER_SHIFT) & ((uint64_t{ 1 } << VERIFY_MARK_ITER_BITS) - 1);
}
constexpr bool mark_timed(uint64_t mark) { return mark & VERIFY_MARK_TIMED; }
constexpr uint64_t make_mark(uint64_t run, uint64_t iteration, bool timed)
{
	return run << VERIFY_MARK_RUN_SHIFT | iteration << VERIFY_MARK_ITER_SHIFT |
	       (timed ? VERIFY_MARK_TIMED : 0);
}

} // namespace xperf::verify
