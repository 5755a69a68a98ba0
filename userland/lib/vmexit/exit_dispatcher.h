// What the built-in VMM does with each exit to userspace: a plain class fed
// kvm_run structures and timestamps, so that tests drive it without /dev/kvm.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace xperf {

// The VMM's view of one guest record, from the guest's phase marks.
struct HostRecordView {
	// When each mark arrived.
	int64_t warmup_ns = -1, loop_ns = -1, timed_ns = -1, end_ns = -1;
	uint64_t debugcon_exits = 0; // KVM_EXIT_IO on the debugcon port, warm-up included
	uint64_t loop_debugcon_exits = 0; // the same, of the round trips timed as one
	std::vector<int64_t> pio_gaps_ns; // between successive timed debugcon exits
	// The emulated-instruction count when each mark arrived, by mark
	// (XPERF_MARK_*); -1 where not counted.
	std::array<int64_t, 5> emulated_at = { -1, -1, -1, -1, -1 };
};

class ExitDispatcher {
public:
	enum class Action { resume, done };

	// timed_samples: how many round trips a record times, so that the
	// host's per-exit timestamps are reserved before the guest runs and no
	// allocation (an mmap, a page fault) lands inside a round trip.
	explicit ExitDispatcher(std::size_t timed_samples = 0) : timed_samples_(timed_samples) {}

	// Handle the exit in run at host time now_ns. Throws std::runtime_error
	// with what the guest did and what to check when the guest misbehaves
	// or KVM gives up on it.
	Action handle(const kvm_run &run, int64_t now_ns);

	// Read at every phase mark from now on (EmulationCounter::read).
	void count_emulation(std::function<uint64_t()> read) { emulated_ = std::move(read); }

	bool finished() const { return finished_; }
	uint32_t status() const { return status_; }
	// Bytes the guest wrote to debugcon outside its records: the stream.
	const std::string &debugcon() const { return debugcon_; }
	const std::vector<HostRecordView> &records() const { return records_; }
	// Exits to userspace by reason name ("io", "hlt", "intr", ...).
	const std::map<std::string, uint64_t> &exit_counts() const { return counts_; }
	// The record the guest marked last, -1 before any: where a hang was.
	int current_record() const { return current_; }

private:
	Action handle_io(const kvm_run &run, int64_t now_ns);
	void handle_mark(uint32_t value, int64_t now_ns);

	bool finished_ = false;
	uint32_t status_ = 0;
	std::string debugcon_;
	std::vector<HostRecordView> records_;
	std::map<std::string, uint64_t> counts_;
	int current_ = -1;
	std::size_t timed_samples_;
	bool in_record_ = false, timed_ = false, loop_ = false;
	int64_t last_pio_ns_ = -1;
	std::function<uint64_t()> emulated_;
};

const char *kvm_exit_reason_name(uint32_t reason);

} // namespace xperf
