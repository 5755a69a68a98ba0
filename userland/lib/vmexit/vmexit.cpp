// vmexit: the six VM-exit round trips of DESIGN.md, timed inside the guest
// payload (guest/) under the built-in VMM or QEMU, or (--vmm guest) from
// inside a Linux guest with xperf.ko (in_guest.cpp).
//
// Variants are EXIT/FROM: EXIT is cpuid, rdmsr, vmcall (VMCALL or VMMCALL by
// host vendor; KVM answers in the kernel: the fast path) or pio (OUTB to the
// debugcon port: a round trip through the userspace VMM); FROM is user
// (guest CPL3 executes it), user-via-kernel (CPL3 asks the guest kernel by a
// system call, which executes it) or kernel (guest CPL0 executes it).
#include "vmexit/vmexit.h"

#include "core/error.h"
#include "core/method.h"
#include "core/stats.h"
#include "vmexit/builtin_vmm.h"
#include "vmexit/exit_kinds.h"
#include "vmexit/guest_state.h"
#include "vmexit/exit_names.h"
#include "vmexit/exit_notes.h"
#include "vmexit/exit_options.h"
#include "vmexit/hypervisors.h"
#include "vmexit/in_guest.h"
#include "vmexit/kvm_vm.h"
#include "vmexit/qemu_runner.h"
#include "vmexit/vm_run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>
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
	if (rec.exit == XPERF_VMEXIT_PIO && rec.from == XPERF_FROM_USER && vector == 13)
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

// What the options ask the guest for.
xperf_vm_params requested_params(const Options &o)
{
	xperf_vm_params p{};
	p.exits = exits_mask(o.vm_exit);
	p.froms = froms_mask(o.vm_from);
	p.samples = static_cast<uint32_t>(o.samples * o.rounds);
	p.warmup = static_cast<uint32_t>(o.warmup);
	p.msr = XPERF_VMEXIT_MSR;
	p.hypercall = host_hypercall_insn();
	p.output = XPERF_OUT_MEMORY; // the QEMU runner picks its own
	p.mem_bytes = guest_memory_bytes(XPERF_VM_MAX_RECORDS, p.samples);
	return p;
}

// The guest states asked for; a Linux guest (--vmm guest) has its own.
std::vector<GuestState> requested_states(const Options &o)
{
	std::vector<GuestState> states = guest_states(o.vm_state);
	if (o.vmm == "guest" && (states.size() != 1 || states.front().bits))
		throw bad_input("--guest-state: the guest states are the payload's (--vmm builtin "
				"or qemu); a Linux guest (--vmm guest) measures in its own",
				"leave --guest-state out with --vmm guest");
	return states;
}

// The guest measured in state s, and its registers say so.
void check_read_back(const GuestState &s, const xperf_vm_guest_state &g)
{
	std::vector<std::string> problems = read_back_problems(g);
	if (g.asked != s.bits || g.set != s.bits)
		problems.push_back(fmt::format("asked for {:#x}, it reports {:#x} asked and {:#x} set",
					       s.bits, g.asked, g.set));
	if (!problems.empty())
		throw std::runtime_error(fmt::format("vmexit: the guest state {} does not read back: "
						     "{}",
						     s.name, fmt::join(problems, "; ")));
}

void check_guest_status(const GuestResults &g)
{
	if (g.status == XPERF_VM_OK)
		return;
	throw std::runtime_error(fmt::format(
		"the guest payload stopped: {} (status {}){}", guest_status_name(g.status), g.status,
		g.status == XPERF_VM_FAULT ? fmt::format(": {} error {:#x} at rip {:#x}",
							 exception_name(g.fault_vector),
							 g.fault_error, g.fault_rip)
					   : ""));
}

// One run of the payload, and what every result of it shares.
struct PayloadRun {
	const RunContext &ctx;
	const xperf_vm_params &params;
	const GuestState &state;
	const VmRun &run;
	// The empty timed region, measured by the guest in each context.
	const GuestRecord *empty_kernel, *empty_user, *empty_syscall;

	PayloadRun(const RunContext &c, const xperf_vm_params &p, const GuestState &s,
		   const VmRun &r)
		: ctx(c), params(p), state(s), run(r),
		  empty_kernel(find_record(r.guest, XPERF_VMEXIT_NONE, XPERF_FROM_KERNEL)),
		  empty_user(find_record(r.guest, XPERF_VMEXIT_NONE, XPERF_FROM_USER)),
		  empty_syscall(find_record(r.guest, XPERF_VMEXIT_NONE, XPERF_FROM_USER_VIA_KERNEL))
	{
	}

	const GuestRecord *empty_for(const GuestRecord &rec) const
	{
		return rec.from == XPERF_FROM_KERNEL ? empty_kernel : empty_user;
	}
};

// The built-in VMM's view of record rec; null under QEMU.
nlohmann::json host_view(const PayloadRun &pr, std::size_t i, const GuestRecord &rec)
{
	if (i >= pr.run.host.size())
		return nullptr;
	const HostRecordView &h = pr.run.host[i];
	const double n = static_cast<double>(rec.samples.size());
	nlohmann::json host = {
		{ "wall_ns_per_round_trip",
		  h.end_ns > h.timed_ns && n > 0 ? static_cast<double>(h.end_ns - h.timed_ns) / n
						 : 0.0 },
		{ "wall_is", "mean over the timed phase, VMM clock (CLOCK_MONOTONIC), including the "
			     "guest's two timer reads, its sample store and any host preemption" }
	};
	// Both clocks over the same stretch: where they disagree, the guest's
	// TSC does not run at the host's rate in that mode.
	if (rec.tsc_span && pr.ctx.tsc.hz > 0)
		host["guest_tsc_ns_per_round_trip"] =
			static_cast<double>(rec.tsc_span) / pr.ctx.tsc.hz * 1e9 / n;
	if (rec.loop_count && h.timed_ns > h.loop_ns && h.loop_ns >= 0)
		host["loop_wall_ns_per_round_trip"] = static_cast<double>(h.timed_ns - h.loop_ns) /
						      rec.loop_count;
	if (!h.pio_gaps_ns.empty()) {
		std::vector<double> gaps(h.pio_gaps_ns.begin(), h.pio_gaps_ns.end());
		host["median_ns_between_io_exits"] = describe(gaps).median;
		host["between_io_exits_is"] = "one guest iteration as the VMM sees it: KVM_RUN "
					      "return to KVM_RUN return";
	}
	return host;
}

nlohmann::json payload_method(const PayloadRun &pr, std::size_t i, const GuestRecord &rec,
			      double overhead)
{
	const GuestRecord *empty = pr.empty_for(rec);
	nlohmann::json m = Method{ timer_name(pr.run.guest.timer), "guest", overhead,
				   "per round trip: guest TSC cycles - median empty region in "
				   "the same guest context",
				   pr.ctx.opt.warmup, pr.ctx.cpu, pr.ctx.tsc.source }
				   .to_json();
	m["vmm"] = pr.run.vmm;
	m["accelerator"] = pr.run.vmm.value("accelerator", "kvm");
	m["overhead_from"] = empty ? fmt::format("none/{}", from_name(empty->from)) : "";
	m["tsc"] = "guest TSC, running at the host TSC rate (no TSC scaling asked)";
	m["host"] = host_view(pr, i, rec);
	m["guest_params"] = pr.run.params;
	m["run_wall_s"] = pr.run.wall_s;
	if (rec.from == XPERF_FROM_USER_VIA_KERNEL && pr.empty_syscall)
		m["guest_syscall_cycles"] = median_cycles(pr.empty_syscall->samples) - overhead;
	return m;
}

// The same round trips timed back to back as one, as kvm-unit-tests'
// x86/vmexit.c does: nothing subtracted, every cost in the loop counted.
nlohmann::json loop_detail(const PayloadRun &pr, const GuestRecord &rec)
{
	if (!rec.loop_count)
		return nullptr;
	const double cycles = static_cast<double>(rec.loop_cycles) / rec.loop_count;
	return { { "round_trips", rec.loop_count },
		 { "cycles_per_round_trip", cycles },
		 { "ns_per_round_trip", pr.ctx.tsc.hz > 0 ? cycles / pr.ctx.tsc.hz * 1e9 : 0.0 },
		 { "timed_as", "kvm-unit-tests' x86/vmexit.c times a loop: the guest TSC before and "
			       "after round_trips round trips back to back, divided by their "
			       "number; nothing subtracted, and whatever the loop pays between "
			       "round trips (interrupts, preemption, a timer that traps) counted" } };
}

// What KVM's instruction emulator ran per round trip, in the back-to-back
// loop and in the timed samples; null where it was not counted.
nlohmann::json emulated_detail(const HostRecordView &h, const GuestRecord &rec)
{
	const auto &at = h.emulated_at;
	if (at[XPERF_MARK_LOOP] < 0 || at[XPERF_MARK_TIMED] < 0 || at[XPERF_MARK_END] < 0 ||
	    !rec.loop_count || rec.samples.empty())
		return nullptr;
	const auto loop = static_cast<double>(at[XPERF_MARK_TIMED] - at[XPERF_MARK_LOOP]);
	const auto timed = static_cast<double>(at[XPERF_MARK_END] - at[XPERF_MARK_TIMED]);
	return { { "per_loop_round_trip", loop / rec.loop_count },
		 { "per_timed_round_trip", timed / static_cast<double>(rec.samples.size()) },
		 { "counted_by", "the kvm:kvm_emulate_insn tracepoint on the vCPU thread, read "
				 "at the guest's phase marks" } };
}

nlohmann::json payload_detail(const PayloadRun &pr, std::size_t i, const GuestRecord &rec)
{
	nlohmann::json d = {
		{ "measurement", measurement_number(rec.exit, rec.from) },
		// The index its phase marks (port 0xec) carry, for tracing.
		{ "guest_record", i },
		{ "exit", exit_name(rec.exit) },
		{ "from", from_name(rec.from) },
		{ "instruction", instruction_name(rec.exit, pr.params.hypercall) },
		{ "handled_by", handled_by(rec.exit) },
		{ "returned", rec.value },
		{ "guest_syscall", rec.from == XPERF_FROM_USER_VIA_KERNEL
					   ? "ud2 trapping to the guest kernel's #UD handler"
					   : "" },
		{ "guest_state", guest_state_json(pr.state, pr.run.guest.state) },
	};
	d["loop"] = loop_detail(pr, rec);
	if (i < pr.run.host.size()) {
		const bool to_vmm = exit_kind(rec.exit).handler == XPERF_HANDLER_VMM;
		d["vmm_exits"] = { { "io_debugcon", pr.run.host[i].debugcon_exits },
				   { "expected_io_debugcon",
				     to_vmm ? pr.ctx.opt.warmup + rec.samples.size() : 0 },
				   { "io_debugcon_loop", pr.run.host[i].loop_debugcon_exits },
				   { "expected_io_debugcon_loop", to_vmm ? rec.loop_count : 0 } };
		// Every exit to userspace of the whole run, by KVM exit reason.
		d["vmm_exits_in_run"] = pr.run.exit_counts;
		d["kvm_emulated_instructions"] = emulated_detail(pr.run.host[i], rec);
	}
	return d;
}

// Where the round trips timed back to back cost another thing than the
// median of those timed one by one: the timer's own cost, or what happens
// between round trips, is not what the subtraction assumes.
std::optional<std::string> loop_note(const Result &r)
{
	const nlohmann::json &loop = r.detail["loop"];
	if (!loop.is_object() || r.stats.median <= 0)
		return std::nullopt;
	const double back_to_back = loop["cycles_per_round_trip"].get<double>();
	const double ratio = back_to_back / r.stats.median;
	if (ratio >= 0.75 && ratio <= 1.33)
		return std::nullopt;
	return fmt::format("timed back to back as kvm-unit-tests does, a round trip took {:.0f} "
			   "cycles, {:.2f} times this median (detail.loop): the loop counts what "
			   "the per-round-trip timer leaves out or subtracts",
			   back_to_back, ratio);
}

// Where KVM ran the loop's instructions in its emulator: the figures are the
// emulator's, not a hardware exit's.
std::optional<std::string> emulation_note(const Result &r)
{
	const nlohmann::json &e = r.detail["kvm_emulated_instructions"];
	if (!e.is_object() || e["per_loop_round_trip"].get<double>() < 1)
		return std::nullopt;
	return fmt::format(
		"KVM emulated {:.1f} instructions per back-to-back round trip and {:.1f} per timed "
		"one (kvm:kvm_emulate_insn): this KVM runs the guest kernel deprivileged and "
		"emulates the instructions after a trap (PVM-style), so the figures are its "
		"emulator's cost of the loop's instructions, not a hardware exit's, and a loop "
		"of other instructions (kvm-unit-tests') costs another figure "
		"(Documentation/vmexit.rst)",
		e["per_loop_round_trip"].get<double>(), e["per_timed_round_trip"].get<double>());
}

// The result of guest record i: its cycles net of the empty region.
Result record_result(const PayloadRun &pr, std::size_t i)
{
	const GuestRecord &rec = pr.run.guest.records[i];
	const GuestRecord *empty = pr.empty_for(rec);
	const double overhead = empty ? median_cycles(empty->samples) : 0;

	Result r;
	r.crossing = "vmexit";
	r.variant = fmt::format("{}/{}{}", exit_name(rec.exit), from_name(rec.from),
				pr.state.suffix());
	r.tsc_hz = pr.ctx.tsc.hz;
	r.cycles.reserve(rec.samples.size());
	for (uint32_t c : rec.samples)
		r.cycles.push_back(static_cast<double>(c) - overhead);
	r.round_sizes.assign(pr.ctx.opt.rounds, pr.ctx.opt.samples);
	// The vCPU thread's counters cover the whole guest run: one part's
	// worth where the run is one round (each part of an interleaved run
	// starts its own VM), which noise.h sets against the other parts.
	if (pr.run.counters && pr.ctx.opt.rounds == 1)
		r.part_counters = { *pr.run.counters };
	r.vm_exit = { pr.ctx.opt.vmm == "qemu" ? VmExitRun::Vmm::qemu : VmExitRun::Vmm::builtin,
		      rec.exit,
		      rec.from,
		      pr.params.tag << 8 | static_cast<uint32_t>(i),
		      pr.params.msr,
		      pr.run.vcpu };
	r.method = payload_method(pr, i, rec, overhead);
	r.detail = payload_detail(pr, i, rec);
	if (pr.run.counters && pr.ctx.opt.rounds != 1)
		r.method["vcpu_counters_of_the_whole_run"] = counters_to_json({ *pr.run.counters });
	if (!exit_kind(rec.exit).allowed_from(XPERF_FROM_USER))
		r.notes.push_back(fmt::format("{}/user does not exist: {}", exit_name(rec.exit),
					      not_from_reason(rec.exit, XPERF_FROM_USER)));
	for (const auto &other : pr.run.guest.records)
		if (other.fault && other.exit == rec.exit)
			r.notes.push_back(fault_note(other));
	r.analyse();
	if (auto note = loop_note(r))
		r.notes.push_back(*note);
	return r;
}

std::vector<Result> payload_results(const PayloadRun &pr)
{
	std::vector<Result> out;
	for (std::size_t i = 0; i < pr.run.guest.records.size(); i++) {
		const GuestRecord &rec = pr.run.guest.records[i];
		if (rec.exit != XPERF_VMEXIT_NONE && !rec.fault)
			out.push_back(record_result(pr, i));
	}
	if (!out.empty())
		return out;
	std::string first_fault;
	for (const auto &rec : pr.run.guest.records)
		if (rec.fault && first_fault.empty())
			first_fault = "; " + fault_note(rec);
	throw std::runtime_error("vmexit: nothing was measured" + first_fault);
}

} // namespace

void check_vmexit(const RunContext &ctx)
{
	const Options &o = ctx.opt;
	requested_states(o);
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
	const std::vector<GuestState> states = requested_states(o);
	if (o.vmm == "guest")
		return run_vmexit_in_guest(ctx);
	check_limits(o);
	xperf_vm_params p = requested_params(o);
	std::optional<QemuInstall> qemu;
	if (o.vmm == "qemu")
		qemu = find_qemu(); // before anything runs: missing QEMU is the user's to fix

	// An exit that never completes would hang the whole run: find out first,
	// with the built-in VMM (QEMU uses the same KVM).
	std::vector<std::string> notes;
	p.exits = completing_exits(p, notes);
	if (!p.exits)
		throw std::runtime_error("vmexit: no requested exit completes here: " + notes.front());

	// A guest per state, so that no state outlives its own measurements;
	// the tag tells their phase marks apart for --verify.
	std::vector<Result> out;
	for (std::size_t i = 0; i < states.size(); i++) {
		p.state = states[i].bits;
		p.tag = static_cast<uint32_t>(i);
		VmRun run = qemu ? run_qemu(*qemu, p, ctx.marks, ctx.cpu)
				 : run_builtin_vmm(p, std::nullopt, ctx.cpu);
		if (run.guest.status == XPERF_VM_STATE_MISSING) {
			notes.push_back(fmt::format("guest state {} not measured: {}", states[i].name,
						    missing_state_reason(run.guest.state)));
			continue;
		}
		check_guest_status(run.guest);
		check_read_back(states[i], run.guest.state);
		std::vector<Result> measured = payload_results(PayloadRun(ctx, p, states[i], run));
		// PVM-style KVM lets CPUID from CPL3 through to the outer hypervisor.
		add_cpuid_level_note(measured, "CPUID at guest CPL3 was not answered by this VM's "
					       "KVM (the hypervisor lets it through), so cpuid/user "
					       "is not measurement 1 here");
		std::move(measured.begin(), measured.end(), std::back_inserter(out));
	}
	if (out.empty())
		throw std::runtime_error("vmexit: nothing was measured: " + notes.front());
	// A later part of the run asks for these alone, and spends no time
	// finding out again that an exit never completes.
	for (Result &r : out)
		r.method["exits_completing"] = exits_spec(p.exits);
	add_outer_hypervisor(out);
	// Said once, on the first result: it concerns the run, not one variant.
	out.front().notes.insert(out.front().notes.end(), notes.begin(), notes.end());
	return out;
}

void finish_vmexit(std::vector<Result> &results)
{
	add_comparison_notes(results);
	// From the merged detail: one note, not one per part.
	for (Result &r : results)
		if (auto note = emulation_note(r))
			r.notes.push_back(*note);
}

namespace {

// The message of the bad_input Error a mask parser throws, less the
// "--option: " it starts with (CLI11 names the option itself).
template <typename Parse> std::string problem_of(Parse parse, const std::string &value)
{
	try {
		parse(value);
		return {};
	} catch (const Error &e) {
		std::string why = e.what();
		std::size_t colon = why.find(": ");
		return why.rfind("--", 0) == 0 && colon != std::string::npos ? why.substr(colon + 2)
									     : why;
	}
}

} // namespace

std::string vm_exit_problem(const std::string &value)
{
	return problem_of(exits_mask, value);
}

std::string vm_from_problem(const std::string &value)
{
	return problem_of(froms_mask, value);
}

std::string vmm_problem(const std::string &value)
{
	std::vector<std::string> vmms = vmm_values();
	if (std::find(vmms.begin(), vmms.end(), value) != vmms.end())
		return {};
	return "'" + value + "' is not builtin, qemu or guest";
}

std::string vm_exit_choices()
{
	return exit_options_text();
}

std::vector<std::string> vm_exit_values()
{
	return exit_options();
}

std::vector<std::string> vm_from_values()
{
	std::vector<std::string> out;
	for (uint32_t f = 0; f < XPERF_FROMS; f++)
		out.emplace_back(from_name(f));
	out.emplace_back("all");
	return out;
}

std::vector<std::string> vmm_values()
{
	return { "builtin", "qemu", "guest" };
}

} // namespace xperf
