#include "vmexit/exit_dispatcher.h"

#include "xperf/vmexit_protocol.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace xperf {

const char *kvm_exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return "io";
	case KVM_EXIT_HLT:
		return "hlt";
	case KVM_EXIT_MMIO:
		return "mmio";
	case KVM_EXIT_SHUTDOWN:
		return "shutdown";
	case KVM_EXIT_FAIL_ENTRY:
		return "fail_entry";
	case KVM_EXIT_INTERNAL_ERROR:
		return "internal_error";
	case KVM_EXIT_INTR:
		return "intr";
	case KVM_EXIT_DEBUG:
		return "debug";
	case KVM_EXIT_EXCEPTION:
		return "exception";
	default:
		return "other";
	}
}

namespace {

std::string internal_error_text(const kvm_run &run)
{
	const char *what = "unknown";
	switch (run.internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		what = "KVM could not emulate an instruction";
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		what = "an exception while delivering an exception";
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		what = "an exit while delivering an event";
		break;
	}
	std::string data;
	for (uint32_t i = 0; i < run.internal.ndata && i < 16; i++)
		data += fmt::format(" {:#x}", run.internal.data[i]);
	return fmt::format("KVM internal error {} ({}), data:{}", run.internal.suberror, what,
			   data.empty() ? " none" : data);
}

} // namespace

ExitDispatcher::Action ExitDispatcher::handle(const kvm_run &run, int64_t now_ns)
{
	counts_[kvm_exit_reason_name(run.exit_reason)]++;
	switch (run.exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(run, now_ns);
	case KVM_EXIT_INTR:
		return Action::resume; // a signal: the caller checks its deadline
	case KVM_EXIT_HLT:
		if (finished_)
			return Action::done;
		throw std::runtime_error("the guest halted without reporting a status");
	case KVM_EXIT_SHUTDOWN:
		throw std::runtime_error("the guest shut down (a triple fault): the payload's "
					 "setup failed, or KVM refuses a guest state it accepts "
					 "elsewhere");
	case KVM_EXIT_FAIL_ENTRY:
		throw std::runtime_error(fmt::format(
			"KVM refused to enter the guest: hardware entry failure reason {:#x} (cpu {})",
			run.fail_entry.hardware_entry_failure_reason, run.fail_entry.cpu));
	case KVM_EXIT_INTERNAL_ERROR:
		throw std::runtime_error(internal_error_text(run));
	case KVM_EXIT_MMIO:
		throw std::runtime_error(fmt::format("the guest {} MMIO at {:#x}, which the built-in "
						     "VMM does not emulate",
						     run.mmio.is_write ? "wrote" : "read",
						     run.mmio.phys_addr));
	default:
		throw std::runtime_error(fmt::format("unexpected KVM exit reason {}",
						     run.exit_reason));
	}
}

ExitDispatcher::Action ExitDispatcher::handle_io(const kvm_run &run, int64_t now_ns)
{
	const auto &io = run.io;
	const auto *data = reinterpret_cast<const unsigned char *>(&run) + io.data_offset;
	if (io.direction != KVM_EXIT_IO_OUT)
		throw std::runtime_error(fmt::format("the guest read port {:#x}, which the built-in "
						     "VMM does not own",
						     io.port));
	switch (io.port) {
	case XPERF_VMEXIT_PORT:
		if (in_record_) {
			HostRecordView &r = records_[static_cast<std::size_t>(current_)];
			(loop_ ? r.loop_debugcon_exits : r.debugcon_exits)++;
			if (timed_ && last_pio_ns_ >= 0)
				r.pio_gaps_ns.push_back(now_ns - last_pio_ns_);
			last_pio_ns_ = timed_ ? now_ns : -1;
		} else {
			debugcon_.append(reinterpret_cast<const char *>(data),
					 std::size_t{ io.size } * io.count);
		}
		return Action::resume;
	case XPERF_VM_PORT_MARK:
	case XPERF_VM_PORT_EXIT: {
		if (io.size != 4 || io.count != 1)
			throw std::runtime_error(fmt::format(
				"the guest wrote {} x {} bytes to port {:#x}, the protocol says one "
				"32-bit write",
				io.count, io.size, io.port));
		uint32_t value;
		std::memcpy(&value, data, sizeof(value));
		if (io.port == XPERF_VM_PORT_EXIT) {
			finished_ = true;
			status_ = value;
			return Action::done;
		}
		handle_mark(value, now_ns);
		return Action::resume;
	}
	default:
		throw std::runtime_error(fmt::format("the guest wrote port {:#x}, which the built-in "
						     "VMM does not own",
						     io.port));
	}
}

void ExitDispatcher::handle_mark(uint32_t value, int64_t now_ns)
{
	// The tag above them tells runs apart; within one run it is the same.
	const uint32_t record = value >> 8 & 0xff, what = value & 0xff;
	if (record >= XPERF_VM_MAX_RECORDS)
		throw std::runtime_error(fmt::format("the guest marked record {}, at most {} exist",
						     record, XPERF_VM_MAX_RECORDS));
	if (records_.size() <= record)
		records_.resize(record + 1);
	HostRecordView &r = records_[record];
	current_ = static_cast<int>(record);
	loop_ = what == XPERF_MARK_LOOP;
	if (emulated_ && what < r.emulated_at.size())
		r.emulated_at[what] = static_cast<int64_t>(emulated_());
	switch (what) {
	case XPERF_MARK_WARMUP:
		r.pio_gaps_ns.reserve(timed_samples_);
		r.warmup_ns = now_ns;
		in_record_ = true;
		timed_ = false;
		break;
	case XPERF_MARK_LOOP:
		r.loop_ns = now_ns;
		in_record_ = true;
		timed_ = false;
		break;
	case XPERF_MARK_TIMED:
		r.timed_ns = now_ns;
		in_record_ = true;
		timed_ = true;
		last_pio_ns_ = -1;
		break;
	case XPERF_MARK_END:
		r.end_ns = now_ns;
		in_record_ = false;
		timed_ = false;
		break;
	default:
		throw std::runtime_error(fmt::format("the guest sent an unknown mark {:#x}", value));
	}
}

} // namespace xperf
