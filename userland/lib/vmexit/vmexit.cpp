// vmexit: the six VM-exit round trips of DESIGN.md, timed inside the guest
// payload (guest/) under the built-in VMM or QEMU, or (--vmm guest) from
// inside a Linux guest with xperf.ko (in_guest.cpp).
//
// Variants are EXIT/FROM: EXIT is cpuid, rdmsr, vmcall (VMCALL or VMMCALL by
// host vendor; KVM answers in the kernel: the fast path) or pio (OUTB to the
// debugcon port: a round trip through the userspace VMM); FROM is user
// (guest CPL3 executes it), user-via-kernel (CPL3 asks the guest kernel by a
// system call, which executes it) or kernel (guest CPL0 executes it).
#include "crossings/crossings.h"

#include "builtin_vmm.h"
#include "error.h"
#include "in_guest.h"
#include "kvm_vm.h"
#include "six.h"
#include "qemu_runner.h"
#include "stats.h"
#include "vm_run.h"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>

namespace xperf {

namespace {

const GuestRecord *find_record(const GuestResults &g, uint32_t exit, uint32_t from)
{
	for (const auto &r : g.records)
		if (r.exit == exit && r.from == from && !r.fault)
			return &r;
	return nullptr;
}

std::string fault_note(const GuestRecord &rec)
{
	uint32_t vector = rec.fault - 1;
	std::string why;
	if (rec.exit == XPERF_EXIT_PIO && rec.from == XPERF_FROM_USER && vector == 13)
		why = ": the hypervisor ignores the guest's IOPL 3 (PVM-style KVM does)";
	return fmt::format("{}/{} not measured: the guest took {} at rip {:#x}{}",
			   exit_name(rec.exit), from_name(rec.from), exception_name(vector),
			   rec.fault_rip, why);
}

void check_limits(const Options &o)
{
	if (o.vmm != "builtin" && o.vmm != "qemu")
		throw bad_input("--vmm: '" + o.vmm + "' is not builtin, qemu or guest");
	if (o.samples * o.rounds > 0xffffffu || o.warmup > 0xffffffu)
		throw bad_input("vmexit: at most 16777215 samples (x rounds) and warm-up round trips "
				"per measurement",
				"lower -n, --rounds or --warmup");
}

} // namespace

void check_vmexit(const RunContext &ctx)
{
	const Options &o = ctx.opt;
	if (o.vmm == "guest")
		return check_vmexit_in_guest(ctx);
	check_limits(o);
	Kvm::open(); // closed again: QEMU opens its own
	if (o.vmm == "qemu")
		find_qemu();
}

std::vector<Result> run_vmexit(const RunContext &ctx)
{
	const Options &o = ctx.opt;
	if (o.vmm == "guest")
		return run_vmexit_in_guest(ctx);
	check_limits(o);
	xperf_vm_params p{};
	p.exits = exits_mask(o.vm_exit);
	p.froms = froms_mask(o.vm_from);
	p.samples = static_cast<uint32_t>(o.samples * o.rounds);
	p.warmup = static_cast<uint32_t>(o.warmup);
	p.msr = rdmsr_index;
	p.hypercall = host_hypercall_insn();
	p.output = XPERF_OUT_MEMORY; // the QEMU runner picks its own
	p.mem_bytes = guest_memory_bytes(XPERF_VM_MAX_RECORDS, p.samples);

	std::optional<QemuInstall> qemu;
	if (o.vmm == "qemu")
		qemu = find_qemu(); // before anything runs: missing QEMU is the user's to fix

	// An exit that never completes would hang the whole run: find out first,
	// with the built-in VMM (QEMU uses the same KVM).
	std::vector<std::string> dropped;
	p.exits = completing_exits(p, dropped);
	if (!p.exits)
		throw std::runtime_error("vmexit: no requested exit completes here: " + dropped.front());

	VmRun run = qemu ? run_qemu(*qemu, p, ctx.marks, ctx.cpu)
			 : run_builtin_vmm(p, std::nullopt, ctx.cpu);
	const GuestResults &g = run.guest;
	if (g.status != XPERF_VM_OK)
		throw std::runtime_error(fmt::format(
			"the guest payload stopped: {} (status {}){}", guest_status_name(g.status),
			g.status,
			g.status == XPERF_VM_FAULT
				? fmt::format(": {} error {:#x} at rip {:#x}",
					      exception_name(g.fault_vector), g.fault_error, g.fault_rip)
				: ""));

	// The empty timed region, measured by the guest in each context.
	const GuestRecord *empty_kernel = find_record(g, XPERF_EXIT_NONE, XPERF_FROM_KERNEL);
	const GuestRecord *empty_user = find_record(g, XPERF_EXIT_NONE, XPERF_FROM_USER);
	const GuestRecord *empty_syscall =
		find_record(g, XPERF_EXIT_NONE, XPERF_FROM_USER_VIA_KERNEL);
	const std::string timer = g.timer == XPERF_TIMER_RDTSCP
					  ? "lfence;rdtsc;lfence .. rdtscp;lfence"
					  : "lfence;rdtsc;lfence .. lfence;rdtsc;lfence (no RDTSCP in "
					    "the guest's CPU model)";

	std::vector<std::string> not_measured;
	for (const auto &rec : g.records)
		if (rec.fault)
			not_measured.push_back(fault_note(rec));

	std::vector<Result> out;
	for (std::size_t i = 0; i < g.records.size(); i++) {
		const GuestRecord &rec = g.records[i];
		if (rec.exit == XPERF_EXIT_NONE || rec.fault)
			continue;
		const GuestRecord *empty = rec.from == XPERF_FROM_KERNEL ? empty_kernel : empty_user;
		double overhead = empty ? median_cycles(empty->samples) : 0;

		Result r;
		r.crossing = "vmexit";
		r.variant = fmt::format("{}/{}", exit_name(rec.exit), from_name(rec.from));
		r.tsc_hz = ctx.tsc.hz;
		r.cycles.reserve(rec.samples.size());
		for (uint32_t c : rec.samples)
			r.cycles.push_back(static_cast<double>(c) - overhead);
		r.round_sizes.assign(o.rounds, o.samples);
		r.vm_exit = { qemu ? VmExitRun::Vmm::qemu : VmExitRun::Vmm::builtin,
			      rec.exit,
			      rec.from,
			      static_cast<uint32_t>(i),
			      p.msr,
			      run.vcpu };

		nlohmann::json host = nullptr;
		if (i < run.host.size()) {
			const HostRecordView &h = run.host[i];
			host = { { "wall_ns_per_round_trip",
				   h.end_ns > h.timed_ns && rec.samples.size()
					   ? static_cast<double>(h.end_ns - h.timed_ns) /
						     static_cast<double>(rec.samples.size())
					   : 0.0 },
				 { "wall_is", "mean over the timed phase, VMM clock (CLOCK_MONOTONIC), "
					      "including the guest's two timer reads, its sample store "
					      "and any host preemption" } };
			// Both clocks over the same stretch: where they disagree, the
			// guest's TSC does not run at the host's rate in that mode.
			if (rec.tsc_span && ctx.tsc.hz > 0)
				host["guest_tsc_ns_per_round_trip"] =
					static_cast<double>(rec.tsc_span) / ctx.tsc.hz * 1e9 /
					static_cast<double>(rec.samples.size());
			if (!h.pio_gaps_ns.empty()) {
				std::vector<double> gaps(h.pio_gaps_ns.begin(), h.pio_gaps_ns.end());
				host["median_ns_between_io_exits"] = describe(gaps).median;
				host["between_io_exits_is"] = "one guest iteration as the VMM sees it: "
							      "KVM_RUN return to KVM_RUN return";
			}
		}
		r.method = {
			{ "timer", timer },
			{ "side", "guest" },
			{ "vmm", run.vmm },
			{ "accelerator", run.vmm.value("accelerator", "kvm") },
			{ "overhead_cycles", overhead },
			{ "overhead_from", empty ? fmt::format("none/{}", from_name(empty->from)) : "" },
			{ "net", "per round trip: guest TSC cycles - median empty region in the same "
				 "guest context" },
			{ "warmup", o.warmup },
			{ "tsc", "guest TSC, running at the host TSC rate (no TSC scaling asked)" },
			{ "host", host },
			{ "guest_params", run.params },
			{ "run_wall_s", run.wall_s },
		};
		if (rec.from == XPERF_FROM_USER_VIA_KERNEL && empty_syscall)
			r.method["guest_syscall_cycles"] = median_cycles(empty_syscall->samples) - overhead;
		r.detail = {
			{ "measurement", measurement_number(rec.exit, rec.from) },
			// The index its phase marks (port 0xec) carry, for tracing.
			{ "guest_record", i },
			{ "exit", exit_name(rec.exit) },
			{ "from", from_name(rec.from) },
			{ "instruction", instruction_name(rec.exit, p.hypercall) },
			{ "handled_by", handled_by(rec.exit) },
			{ "returned", rec.value },
			{ "guest_syscall", rec.from == XPERF_FROM_USER_VIA_KERNEL
						   ? "ud2 trapping to the guest kernel's #UD handler"
						   : "" },
		};
		if (i < run.host.size()) {
			const HostRecordView &h = run.host[i];
			r.detail["vmm_exits"] = { { "io_debugcon", h.debugcon_exits },
						  { "expected_io_debugcon",
						    rec.exit == XPERF_EXIT_PIO ? o.warmup + rec.samples.size()
									       : 0 } };
			// Every exit to userspace of the whole run, by KVM exit reason.
			r.detail["vmm_exits_in_run"] = run.exit_counts;
		}
		if (rec.exit == XPERF_EXIT_RDMSR && rec.from != XPERF_FROM_USER)
			r.notes.push_back("rdmsr/user does not exist: RDMSR at CPL3 raises #GP inside "
					  "the guest before any exit; rdmsr/user-via-kernel is the "
					  "user-started form");
		for (const auto &other : g.records)
			if (other.fault && other.exit == rec.exit)
				r.notes.push_back(fault_note(other));
		r.analyse();
		out.push_back(std::move(r));
	}
	if (out.empty())
		throw std::runtime_error("vmexit: nothing was measured" +
					 (not_measured.empty() ? std::string()
							       : "; " + not_measured.front()));

	// PVM-style KVM lets CPUID from CPL3 through to the outer hypervisor.
	add_cpuid_level_note(out, "CPUID at guest CPL3 was not answered by this VM's KVM (the "
				  "hypervisor lets it through), so cpuid/user is not measurement 1 "
				  "here");
	add_comparison_notes(out);
	add_outer_hypervisor(out);
	// Said once, on the first result: it concerns the run, not one variant.
	out.front().notes.insert(out.front().notes.end(), dropped.begin(), dropped.end());
	return out;
}

} // namespace xperf
