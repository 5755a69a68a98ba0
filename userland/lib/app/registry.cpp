#include "app/registry.h"

#include "core/error.h"
#include "core/text_list.h"
#include "crossings/crossings.h"
#include "crossings/placement.h"
#include "vmexit/guest_state.h"
#include "vmexit/vmexit.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace xperf {

namespace {

// The OS suite's entries: --verify expects nothing of them, on purpose
// (what LMBench's operations do in the kernel is described nowhere here).
constexpr verify::ExpectationOf nothing_known = verify::expect_nothing_known;

// Whether the kernel a syscall result ran on has xperf's system call.
std::string patch_label(const Result &r)
{
	auto path = r.detail.value("kernel_path", std::string());
	if (path == "enosys")
		return "unpatched";
	return path.empty() ? "" : "patched";
}

// Fields of detail that count something over a part's iterations: the run
// has the sum of its parts'.
constexpr FieldMerge legs_counts[] = {
	{ "iterations", Merge::sum }, { "matched", Merge::sum }, { "ambiguous", Merge::sum },
	{ "migrated", Merge::sum },
	// xperf.ko's ring counters
	{ "produced", Merge::sum }, { "read", Merge::sum }, { "dropped", Merge::sum },
	{ "queued", Merge::sum }, { "records", Merge::sum },
};
constexpr FieldMerge fault_counts[] = {
	{ "minor_faults_expected", Merge::sum },
	{ "minor_faults_counted", Merge::sum },
};

template <std::size_t A, std::size_t B>
constexpr std::array<FieldMerge, A + B> joined(const FieldMerge (&a)[A], const FieldMerge (&b)[B])
{
	std::array<FieldMerge, A + B> out{};
	std::copy(std::begin(a), std::end(a), out.begin());
	std::copy(std::begin(b), std::end(b), out.begin() + A);
	return out;
}
constexpr auto pgfault_counts = joined(fault_counts, legs_counts);

constexpr FieldMerge file_fault_counts[] = {
	{ "minor_faults_counted", Merge::sum },
	{ "pages_counted", Merge::sum },
};
constexpr FieldMerge vmexit_counts[] = {
	{ "io_debugcon", Merge::sum },
	{ "expected_io_debugcon", Merge::sum },
	{ "vmm_exits_in_run", Merge::sum },
};

// Fields that name something (a thread, a process, a CPU, a number of a
// system call or a port) in any crossing's results, and those whose name
// ends in one after an underscore (peer_last_cpu).
constexpr std::string_view identities[] = {
	"tid", "pid", "cpu", "cpus", "nr", "port", "name", "path", "found",
};

const Crossing table[] = {
	{ .name = "control",
	  .description = "4000 dependent adds in user mode: work no kernel change can move, "
			 "in every run",
	  .run = run_control, .expect = verify::expect_no_kernel_entry, .role = Role::control },
	{ .name = "funccall",
	  .description = "a call the compiler cannot inline or remove (batched)",
	  .run = run_funccall, .expect = verify::expect_no_kernel_entry },
	{ .name = "syscall",
	  .description = "system call 500: the xperf no-op on a patched kernel, -ENOSYS elsewhere",
	  .run = run_syscall, .expect = verify::expect_syscall_500, .label = patch_label,
	  .merge = legs_counts },
	{ .name = "getppid",
	  .description = "getppid(2), the call perf bench syscall basic times",
	  .run = run_getppid, .expect = verify::expect_getppid },
	{ .name = "pgfault",
	  .description = "minor fault on a fresh anonymous page, re-armed with MADV_DONTNEED",
	  .run = run_pgfault, .expect = verify::expect_one_user_fault, .merge = pgfault_counts },
	{ .name = "alloc",
	  .description = "malloc latency for small, page and mmap-sized blocks",
	  .run = run_alloc, .expect = verify::expect_malloc },
	{ .name = "vmexit",
	  .description = "VM exits from guest user and kernel: fast path in KVM vs VMM round trip",
	  .run = run_vmexit, .check = check_vmexit, .finish = finish_vmexit,
	  .expect = verify::expect_vm_exit, .merge = vmexit_counts },

	// --- The OS suite (xperf-user suite os): LMBench's OS summary.
	// Files, processes, signals and memory:
	{ .name = "read",
	  .description = "null I/O: read(2) of one byte from /dev/zero (lat_syscall read)",
	  .run = run_null_read, .group = Group::os, .expect = nothing_known },
	{ .name = "write",
	  .description = "null I/O: write(2) of one byte to /dev/null (lat_syscall write)",
	  .run = run_null_write, .group = Group::os, .expect = nothing_known },
	{ .name = "stat",
	  .description = "stat(2) of a file in the scratch folder (lat_syscall stat)",
	  .run = run_stat, .group = Group::os, .expect = nothing_known },
	{ .name = "fstat",
	  .description = "fstat(2) of an open file in the scratch folder (lat_syscall fstat)",
	  .run = run_fstat, .group = Group::os, .expect = nothing_known },
	{ .name = "open-close",
	  .description = "open(2) and close(2) of a file in the scratch folder (lat_syscall open)",
	  .run = run_open_close, .group = Group::os, .expect = nothing_known },
	{ .name = "select-file",
	  .description = "select(2) on 100 descriptors of a file (lat_select -n 100 file)",
	  .run = run_select_file, .group = Group::os, .expect = nothing_known },
	{ .name = "sig-install",
	  .description = "sigaction(2) installing a handler (lat_sig install)",
	  .run = run_sig_install, .group = Group::os, .expect = nothing_known },
	{ .name = "sig-handler",
	  .description = "a signal sent to oneself and its handler run (lat_sig catch)",
	  .run = run_sig_handler, .group = Group::os, .expect = nothing_known },
	{ .name = "prot-fault",
	  .description = "a store to a read-only page, its SIGSEGV handler fixing it up; and that "
			 "less a caught signal (lat_sig prot)",
	  .run = run_prot_fault, .group = Group::os, .samples = 1000, .warmup = 100,
	  .expect = nothing_known },
	{ .name = "file-fault",
	  .description = "minor fault on a page of a mapped file, re-armed with MADV_DONTNEED; and "
			 "every page of a fresh mapping read, per page (lat_pagefault)",
	  .run = run_file_fault, .group = Group::os, .samples = 500, .warmup = 50,
	  .expect = nothing_known, .merge = file_fault_counts },
	{ .name = "fork-exit",
	  .description = "fork(2), the child's exit and the wait (lat_proc fork)",
	  .run = run_fork_exit, .group = Group::os, .samples = 40, .warmup = 3,
	  .expect = nothing_known },
	{ .name = "fork-exec",
	  .description = "fork(2), execve(2) of a tiny static program, and of a dynamic one, and "
			 "the wait (lat_proc exec)",
	  .run = run_fork_exec, .check = check_fork_exec, .group = Group::os, .samples = 30,
	  .warmup = 2, .expect = nothing_known },
	{ .name = "fork-sh",
	  .description = "fork(2), /bin/sh -c of a tiny static program, and of a dynamic one, and "
			 "the wait (lat_proc shell)",
	  .run = run_fork_sh, .check = check_fork_sh, .group = Group::os, .samples = 12,
	  .warmup = 1, .expect = nothing_known },
	{ .name = "file-create-0k",
	  .description = "creating an empty file in the scratch folder (lat_fs)",
	  .run = run_file_create_0k, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "file-delete-0k",
	  .description = "deleting an empty file in the scratch folder (lat_fs)",
	  .run = run_file_delete_0k, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "file-create-10k",
	  .description = "creating a 10 KiB file in the scratch folder (lat_fs)",
	  .run = run_file_create_10k, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "file-delete-10k",
	  .description = "deleting a 10 KiB file in the scratch folder (lat_fs)",
	  .run = run_file_delete_10k, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "mmap",
	  .description = "mmap(2) of 8 MiB of a file, a store every 16 KiB of a tenth, munmap "
			 "(lat_mmap)",
	  .run = run_mmap, .group = Group::os, .samples = 200, .warmup = 20,
	  .expect = nothing_known },
	{ .name = "bw-file-reread",
	  .description = "read(2) of a cached 16 MiB file in 64 KiB chunks, summed (bw_file_rd)",
	  .run = run_bw_file_reread, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "bw-mmap-reread",
	  .description = "summing a mapped cached 16 MiB file in 64 KiB chunks (bw_mmap_rd)",
	  .run = run_bw_mmap_reread, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "bw-mem-read",
	  .description = "summing a 64 MiB buffer in 64 KiB chunks, and whole (bw_mem frd)",
	  .run = run_bw_mem_read, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },
	{ .name = "bw-mem-write",
	  .description = "storing to a 64 MiB buffer in 64 KiB chunks, and whole (bw_mem fwr)",
	  .run = run_bw_mem_write, .group = Group::os, .samples = 300, .warmup = 30,
	  .expect = nothing_known },

	// Communication: pipes, sockets and context switches:
	{ .name = "select-tcp",
	  .description = "select(2) on 100 connected TCP sockets over 127.0.0.1 "
			 "(lat_select -n 100 tcp)",
	  .run = run_select_tcp, .check = check_loopback, .group = Group::os,
	  .expect = nothing_known },
	{ .name = "ctxsw-0k",
	  .description = "context switch, 2 processes passing a token through pipes "
			 "(lat_ctx -s 0 2)",
	  .run = run_ctxsw_0k, .group = Group::os, .samples = 2000, .warmup = 500,
	  .expect = nothing_known },
	{ .name = "ctxsw-16k",
	  .description = "context switch, 2 processes each summing 16 KiB (lat_ctx -s 16 2)",
	  .run = run_ctxsw_16k, .group = Group::os, .samples = 2000, .warmup = 500,
	  .expect = nothing_known },
	{ .name = "pipe",
	  .description = "round trip of one word between two processes through pipes (lat_pipe)",
	  .run = run_pipe, .group = Group::os, .samples = 2000, .warmup = 500,
	  .expect = nothing_known },
	{ .name = "unix",
	  .description = "round trip of one byte over an AF_UNIX stream socket pair (lat_unix)",
	  .run = run_unix, .check = check_unix_sockets, .group = Group::os, .samples = 2000,
	  .warmup = 500, .expect = nothing_known },
	{ .name = "udp",
	  .description = "round trip of a 4-byte datagram over 127.0.0.1 (lat_udp)",
	  .run = run_udp, .check = check_loopback, .group = Group::os, .samples = 2000,
	  .warmup = 500, .expect = nothing_known },
	{ .name = "tcp",
	  .description = "round trip of one byte over a TCP connection on 127.0.0.1 (lat_tcp)",
	  .run = run_tcp, .check = check_loopback, .group = Group::os, .samples = 2000,
	  .warmup = 500, .expect = nothing_known },
	{ .name = "tcp-connect",
	  .description = "socket, connect and close against a server on 127.0.0.1 (lat_connect)",
	  .run = run_tcp_connect, .check = check_loopback, .group = Group::os, .samples = 1000,
	  .warmup = 100, .expect = nothing_known },
	{ .name = "bw-pipe",
	  .description = "pipe bandwidth: 4 MiB blocks in 64 KiB writes between two processes "
			 "(bw_pipe)",
	  .run = run_bw_pipe, .group = Group::os, .samples = 100, .warmup = 5,
	  .expect = nothing_known },
	{ .name = "bw-unix",
	  .description = "AF_UNIX stream bandwidth: 4 MiB blocks in 64 KiB writes (bw_unix)",
	  .run = run_bw_unix, .check = check_unix_sockets, .group = Group::os, .samples = 100,
	  .warmup = 5, .expect = nothing_known },
	{ .name = "bw-tcp",
	  .description = "TCP bandwidth over 127.0.0.1: 4 MiB blocks in 64 KiB writes (bw_tcp)",
	  .run = run_bw_tcp, .check = check_loopback, .group = Group::os, .samples = 50,
	  .warmup = 5, .expect = nothing_known },
};

} // namespace

std::span<const Crossing> crossings()
{
	return table;
}

const Crossing *find_crossing(std::string_view name)
{
	for (const auto &c : table)
		if (c.name == name)
			return &c;
	return nullptr;
}

Merge merge_of(const Crossing &c, std::string_view field)
{
	for (const FieldMerge &m : c.merge)
		if (m.field == field)
			return m.how;
	auto listed = [](std::string_view f) {
		return std::find(std::begin(identities), std::end(identities), f) !=
		       std::end(identities);
	};
	auto underscore = field.rfind('_');
	if (listed(field) ||
	    (underscore != std::string_view::npos && listed(field.substr(underscore + 1))))
		return Merge::identity;
	return Merge::measure;
}

verify::Expectation expectation_for(const Result &r)
{
	const Crossing *c = find_crossing(r.crossing);
	return c && c->expect ? c->expect(r) : verify::expect_nothing_known(r);
}

RunContext with_defaults(const Crossing &c, const RunContext &ctx)
{
	RunContext own = ctx;
	if (!ctx.opt.samples_given && c.samples)
		own.opt.samples = *c.samples;
	if (!ctx.opt.warmup_given && c.warmup)
		own.opt.warmup = *c.warmup;
	return own;
}

const Crossing &control_crossing()
{
	return *std::find_if(std::begin(table), std::end(table),
			     [](const Crossing &c) { return c.role == Role::control; });
}

std::vector<Selected> select_crossings(std::string_view spec)
{
	std::vector<Selected> out;
	auto add = [&out](const Crossing *c, bool named) {
		for (auto &o : out)
			if (o.crossing == c) {
				o.named |= named;
				return;
			}
		out.push_back({ c, named });
	};
	for (std::string_view name : comma_items(spec)) {
		if (name == "all") {
			for (const auto &c : table)
				if (c.group == Group::crossing)
					add(&c, false);
		} else if (const Crossing *c = find_crossing(name)) {
			add(c, true);
		} else {
			std::string known;
			for (const auto &k : table)
				append_item(known, ", ", k.name);
			throw bad_input("unknown crossing '" + std::string(name) + "'",
					"name one of " + known + ", or all (see --list)");
		}
	}
	return out;
}

std::vector<CrossingOption> crossing_options()
{
	return {
		{ "--exit", "vmexit: " + vm_exit_choices(), &Options::vm_exit, vm_exit_problem,
		  vm_exit_values, false, "vmexit" },
		{ "--from",
		  "vmexit: where round trips start, a comma list: user (guest CPL3 executes the "
		  "instruction), user-via-kernel (CPL3 asks the guest kernel), kernel, or all",
		  &Options::vm_from, vm_from_problem, vm_from_values, true, "vmexit" },
		{ "--vmm",
		  "vmexit: builtin (KVM API), qemu, or guest (xperf-user runs inside a Linux "
		  "guest with xperf.ko: the hypervisor running it is the VMM)",
		  &Options::vmm, vmm_problem, vmm_values, false, "vmexit" },
		{ "--placement",
		  "the OS suite's communication entries: where the peer process runs, " +
			  placement_choices() + "; free also leaves every other OS entry unpinned",
		  &Options::placement, placement_problem, placement_values, false },
		{ "--guest-state",
		  "vmexit: the payload's guest states, one guest each, a comma list of " +
			  guest_state_choices() +
			  "; a state names its variants (cpuid/kernel+apic)",
		  &Options::vm_state, guest_state_problem, guest_state_values, true },
	};
}

} // namespace xperf
