// What a crossing needs to know to run: the user's options and the timer.
#pragma once

#include "core/batch.h"
#include "core/tsc.h"

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace xperf {

struct Options {
	// Ten rounds of 3000: the same 30000 samples as three of 10000 took,
	// and ten independent parts for the interval of every figure.
	std::size_t samples = 3000; // per round
	std::size_t warmup = 1000;  // per process that samples
	// Given by the user (-n, --warmup): else an entry's own precision
	// (registry.h) takes their place.
	bool samples_given = false, warmup_given = false;
	unsigned rounds = 10;
	bool part_processes = true; // each round in a process of its own
	// The rounds of a figure start spread evenly over at least this many
	// seconds: the noise that differs between runs moves on a scale of
	// a second or more (Documentation/method.rst), and parts taken back
	// to back see one state of it.
	double span_s = 10.0;
	int cpu = -1;		  // -1: stay on the CPU we start on
	std::size_t batch = 0;	  // crossings timed as one; 0: the crossing's own (auto_batch)
	// The batch the first part of a run chose by its pilot for the
	// crossing being measured: its later parts take it, so that every part
	// of a figure is timed alike.
	std::optional<BatchChoice> pilot_batch;
	double ci_width = 0;	  // adaptive: relative width of the median's CI; 0: off
	std::size_t max_samples = 1000000; // adaptive sampling stops here (per result)
	unsigned max_rounds = 100;	   // adaptive passes stop here (per crossing)
	double time_limit_s = 0;	   // adaptive passes end by then; 0: no limit
	// A test's known extra cost: this many dependent adds inside every
	// timed region but the control's (scripts/bench-compare.sh).
	std::size_t inject_adds = 0;
	// Where the OS suite's file entries make their files; empty: $TMPDIR
	// or /tmp. Its file system is part of what they measure.
	std::string scratch_dir;
	// Where a communication entry's peer runs: both (same-cpu, then
	// other-cpu), same-cpu, other-cpu, or free (nothing pinned, LMBench's
	// way, for every OS entry: crossings/placement.h).
	std::string placement = "both";
	// Where xperf-hello is, the program of fork-exec's and fork-sh's
	// dynamic-hello; empty: beside this program (/proc/self/exe), where
	// the build, the install and the guest initramfs put it. A test, which
	// is another program, names the folder.
	std::string programs_dir;
	// VM exits: which exits, started from where, under which VMM.
	std::string vm_exit = "all";   // cpuid, rdmsr, vmcall, pio, or all
	std::string vm_from = "all";   // user, kernel, or all
	std::string vmm = "builtin";   // builtin (KVM API) or qemu
	// The payload's guest states, a comma list (vmexit/guest_state.h).
	std::string vm_state = "default";
	// --verify: trace which path each iteration took; strict fails on a mismatch.
	enum class Verify { off, report, strict } verify = Verify::off;
};

// Told where each sampled iteration's untimed setup and its timed region
// begin, so that --verify can attribute the kernel's events to iterations.
class IterationMarks {
public:
	virtual void begin_run() = 0; // a measurement's sampled iterations follow
	virtual void setup(std::size_t iteration) = 0;
	virtual void timed(std::size_t iteration) = 0;
	virtual void end_run() = 0;
	// The crossing runs on another thread than the one that measures (QEMU's
	// vCPU): its events are the evidence from here on, not the caller's.
	virtual void follow_thread(pid_t) {}

protected:
	~IterationMarks() = default;
};

struct RunContext {
	Options opt;
	TscInfo tsc;
	int cpu = -1; // the CPU the run is pinned to
	IterationMarks *marks = nullptr; // set by --verify's traced run
};

} // namespace xperf
