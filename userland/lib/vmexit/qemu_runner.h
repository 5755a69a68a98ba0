// The payload under QEMU with KVM: -kernel (multiboot) with the parameters on
// its command line, results back as a checksummed text stream on debugcon,
// the guest's status through isa-debug-exit.
#pragma once

#include "core/run_context.h"
#include "vmexit/vm_run.h"

#include <cstdint>

#include <string>
#include <string_view>
#include <vector>

namespace xperf {

struct QemuVersion {
	int major = 0, minor = 0, micro = 0;
	std::string text; // "7.2.22"
	bool at_least(int maj, int min) const
	{
		return major > maj || (major == maj && minor >= min);
	}
};

// From `qemu-system-x86_64 --version`; throws std::runtime_error if unrecognised.
QemuVersion parse_qemu_version(std::string_view version_output);

// The command line run_qemu starts. Guest RAM is the file ram, shared, so
// that the host can read the samples from it after QEMU exits.
std::vector<std::string> qemu_command(const std::string &qemu, const std::string &image,
				      const std::string &debugcon, const std::string &ram,
				      const xperf_vm_params &p);

// Whether the results come back as the debugcon stream (p.output) or only
// through the guest-memory file: each debugcon byte is an exit to QEMU
// (about 60 us under the build machines' nested KVM, even with rep outsb),
// so the stream is for runs small enough to stream in a few seconds.
bool stream_results(const xperf_vm_params &p);

struct QemuInstall {
	std::string path;
	QemuVersion version;
};

// qemu-system-x86_64 from $XPERF_QEMU or PATH, at least the version run_qemu
// needs; throws an unavailable Error saying what to do otherwise.
QemuInstall find_qemu();

// Throws std::runtime_error when QEMU fails, times out or the stream is bad.
// QEMU's vCPU thread is found and pinned to cpu (-1: not pinned), QEMU's
// other threads start on the other online CPUs, and vmm's "vcpu_thread"
// says which thread it was, how it was found and where it was pinned, or why
// not; "threads" where every QEMU thread was seen running. With marks
// (--verify) the vCPU thread is followed.
VmRun run_qemu(const QemuInstall &qemu, xperf_vm_params p, IterationMarks *marks = nullptr,
	       int cpu = -1);

} // namespace xperf
