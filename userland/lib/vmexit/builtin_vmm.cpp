#include "vmexit/builtin_vmm.h"

#include "core/round_counters.h"
#include "vmexit/emulation_counter.h"
#include "vmexit/kvm_vm.h"
#include "vmexit/payload.h"
#include "vmexit/thread_placement.h"
#include "vmexit/vcpu_watchdog.h"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace xperf {

namespace {

constexpr uint32_t max_basic_leaf = 0xd;

int64_t now_ns()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

// The record the guest marked last says which exit never came back; the
// guest wrote its kind before the mark.
GuestHang hang(std::span<const unsigned char> mem, const ExitDispatcher &d,
	       std::chrono::seconds limit, uint64_t rip)
{
	if (d.current_record() < 0)
		return GuestHang(fmt::format("the guest did not finish within {} s, before its "
					     "first measurement (rip {:#x})",
					     limit.count(), rip),
				 XPERF_VMEXIT_NONE, 0);
	xperf_vm_results raw;
	std::memcpy(&raw, mem.data() + XPERF_VM_RESULTS_GPA, sizeof(raw));
	const xperf_vm_record &rec = raw.rec[d.current_record()];
	return GuestHang(fmt::format("the guest did not finish within {} s: {}/{} never returned "
				     "(rip {:#x})",
				     limit.count(), exit_name(rec.exit), from_name(rec.from), rip),
			 rec.exit, rec.from);
}

// What KVM supports, with the highest basic leaf capped at 0xd (as QEMU's
// qemu64 has it): a CPUID that some other layer answers shows by returning
// the host's higher value.
std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries)
{
	for (auto &e : entries)
		if (e.function == 0 && e.eax > max_basic_leaf)
			e.eax = max_basic_leaf;
	return entries;
}

} // namespace

VmRun run_builtin_vmm(const xperf_vm_params &p, std::optional<std::chrono::seconds> deadline,
		      int cpu)
{
	auto image = payload_image();
	xperf_vm_payload_header header = payload_header(image);
	VmRun out;
	out.params = encode_params(p);
	if (out.params.size() >= XPERF_VM_PARAMS_SIZE)
		throw std::runtime_error("the guest's command line does not fit its page");

	auto t0 = std::chrono::steady_clock::now();
	Kvm kvm = Kvm::open();
	Vm vm(kvm, p.mem_bytes);
	auto mem = vm.memory();
	if (header.image_end > XPERF_VM_PAYLOAD_LIMIT || image.size() > header.image_end)
		throw std::runtime_error("the embedded payload does not fit its load area");
	std::memcpy(&mem[XPERF_VM_LOAD_ADDR], image.data(), image.size());
	std::memcpy(&mem[XPERF_VM_PARAMS_GPA], out.params.c_str(), out.params.size() + 1);

	// The guest states that turn the APIC or interrupts on need the
	// interrupt controllers QEMU always has; others run without, as before.
	const bool irqchip = p.state & XPERF_STATES_IRQCHIP;
	if (irqchip)
		vm.create_irqchip();
	Vcpu &vcpu = vm.add_vcpu();
	vcpu.set_cpuid(guest_cpuid(kvm.supported_cpuid()));
	// The payload switches to its own stack at once; this one only has to be mapped.
	enter_long_mode(vcpu, mem, header.entry64, XPERF_VM_LOAD_ADDR);

	// This thread is the vCPU's: KVM_RUN runs the guest on it.
	nlohmann::json pin = nullptr;
	if (cpu >= 0) {
		auto error = pin_thread(0, cpu);
		pin = error ? nlohmann::json{ { "cpu", nullptr }, { "error", *error } }
			    : nlohmann::json{ { "cpu", cpu } };
	}
	ThreadWatch threads(getpid());
	threads.sample();
	const CounterSnapshot before = take_snapshot();

	ExitDispatcher dispatch(p.samples);
	// Opened on this thread, the vCPU's: what KVM emulated for this guest.
	std::string no_count;
	std::optional<EmulationCounter> emulation = EmulationCounter::open(no_count);
	if (emulation)
		dispatch.count_emulation([&emulation] { return emulation->read(); });
	const auto limit = deadline.value_or(run_deadline(XPERF_VM_MAX_RECORDS, p.samples, p.warmup));
	{
		VcpuWatchdog watchdog;
		for (;;) {
			int err = vcpu.enter();
			int64_t t = now_ns();
			if (err == EINTR || err == EAGAIN) {
				if (std::chrono::steady_clock::now() > t0 + limit)
					throw hang(mem, dispatch, limit, vcpu.regs().rip);
				continue;
			}
			if (err)
				throw std::runtime_error(fmt::format("KVM_RUN: {}", std::strerror(err)));
			if (dispatch.handle(vcpu.run(), t) == ExitDispatcher::Action::done)
				break;
		}
	}
	out.counters = between(before, take_snapshot());
	threads.sample();
	out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	out.guest = read_guest_results(mem);
	if (p.output == XPERF_OUT_STREAM) {
		GuestResults streamed = decode_stream(dispatch.debugcon());
		if (streamed.records.size() != out.guest.records.size())
			throw std::runtime_error("the guest's stream and its memory disagree");
	}
	out.host = dispatch.records();
	out.exit_counts = dispatch.exit_counts();
	out.vmm = { { "name", "builtin" },
		    { "accelerator", "kvm" },
		    { "api", irqchip ? "KVM_RUN on /dev/kvm, one vCPU, KVM's in-kernel PIC, I/O "
				       "APIC and local APIC (KVM_CREATE_IRQCHIP)"
				     : "KVM_RUN on /dev/kvm, one vCPU, no in-kernel irqchip" },
		    { "memory_bytes", p.mem_bytes },
		    { "vcpu_thread", { { "tid", gettid() }, { "pinned", pin } } },
		    { "emulation_counted", emulation ? nlohmann::json("kvm:kvm_emulate_insn on the "
								       "vCPU thread, at each phase mark")
							: nlohmann::json(no_count) },
		    { "threads", threads.to_json() } };
	return out;
}

uint32_t completing_exits(xperf_vm_params p, std::vector<std::string> &notes)
{
	p.samples = 1;
	p.warmup = 0;
	p.output = XPERF_OUT_MEMORY;
	p.mem_bytes = guest_memory_bytes(XPERF_VM_MAX_RECORDS, 1);
	while (p.exits) {
		try {
			run_builtin_vmm(p, std::chrono::seconds(3));
			break;
		} catch (const GuestHang &h) {
			if (h.exit == XPERF_VMEXIT_NONE || !(p.exits >> h.exit & 1))
				throw;
			p.exits &= ~(1u << h.exit);
			notes.push_back(fmt::format(
				"{} not measured: {}; KVM kept the vCPU busy without completing it "
				"(PVM-style KVM does this to hypercalls: Documentation/vmexit.rst)",
				exit_name(h.exit), h.what()));
		}
	}
	return p.exits;
}

} // namespace xperf
