#include "app/registry.h"

#include "core/error.h"
#include "core/text_list.h"
#include "crossings/crossings.h"
#include "crossings/placement.h"
#include "vmexit/guest_state.h"
#include "vmexit/vmexit.h"

namespace xperf {

namespace {

const Crossing table[] = {
	{ "control", "4000 dependent adds in user mode: work no kernel change can move, in every run",
	  run_control },
	{ "funccall", "a call the compiler cannot inline or remove (batched)", run_funccall },
	{ "syscall", "system call 500: the xperf no-op on a patched kernel, -ENOSYS elsewhere",
	  run_syscall },
	{ "getppid", "getppid(2), the call perf bench syscall basic times", run_getppid },
	{ "pgfault", "minor fault on a fresh anonymous page, re-armed with MADV_DONTNEED",
	  run_pgfault },
	{ "alloc", "malloc latency for small, page and mmap-sized blocks", run_alloc },
	{ "vmexit", "VM exits from guest user and kernel: fast path in KVM vs VMM round trip",
	  run_vmexit, check_vmexit, Group::crossing, std::nullopt, std::nullopt, finish_vmexit },

	// --- The OS suite (xperf-user suite os): LMBench's OS summary.
	// Files, processes, signals and memory:
	{ "read", "null I/O: read(2) of one byte from /dev/zero (lat_syscall read)", run_null_read,
	  nullptr, Group::os },
	{ "write", "null I/O: write(2) of one byte to /dev/null (lat_syscall write)",
	  run_null_write, nullptr, Group::os },
	{ "stat", "stat(2) of a file in the scratch folder (lat_syscall stat)", run_stat, nullptr,
	  Group::os },
	{ "fstat", "fstat(2) of an open file in the scratch folder (lat_syscall fstat)",
	  run_fstat, nullptr, Group::os },
	{ "open-close", "open(2) and close(2) of a file in the scratch folder (lat_syscall open)",
	  run_open_close, nullptr, Group::os },
	{ "select-file", "select(2) on 100 descriptors of a file (lat_select -n 100 file)",
	  run_select_file, nullptr, Group::os },
	{ "sig-install", "sigaction(2) installing a handler (lat_sig install)", run_sig_install,
	  nullptr, Group::os },
	{ "sig-handler", "a signal sent to oneself and its handler run (lat_sig catch)",
	  run_sig_handler, nullptr, Group::os },
	{ "prot-fault", "a store to a read-only page, its SIGSEGV handler fixing it up; and that less "
			"a caught signal (lat_sig prot)",
	  run_prot_fault, nullptr, Group::os, 1000, 100 },
	{ "file-fault", "minor fault on a page of a mapped file, re-armed with MADV_DONTNEED; and "
			"every page of a fresh mapping read, per page (lat_pagefault)",
	  run_file_fault, nullptr, Group::os, 500, 50 },
	{ "fork-exit", "fork(2), the child's exit and the wait (lat_proc fork)", run_fork_exit,
	  nullptr, Group::os, 40, 3 },
	{ "fork-exec", "fork(2), execve(2) of a tiny static program, and of a dynamic one, and the "
		       "wait (lat_proc exec)",
	  run_fork_exec, check_fork_exec, Group::os, 30, 2 },
	{ "fork-sh", "fork(2), /bin/sh -c of a tiny static program, and of a dynamic one, and the "
		     "wait (lat_proc shell)",
	  run_fork_sh, check_fork_sh, Group::os, 12, 1 },
	{ "file-create-0k", "creating an empty file in the scratch folder (lat_fs)",
	  run_file_create_0k, nullptr, Group::os, 300, 30 },
	{ "file-delete-0k", "deleting an empty file in the scratch folder (lat_fs)",
	  run_file_delete_0k, nullptr, Group::os, 300, 30 },
	{ "file-create-10k", "creating a 10 KiB file in the scratch folder (lat_fs)",
	  run_file_create_10k, nullptr, Group::os, 300, 30 },
	{ "file-delete-10k", "deleting a 10 KiB file in the scratch folder (lat_fs)",
	  run_file_delete_10k, nullptr, Group::os, 300, 30 },
	{ "mmap", "mmap(2) of 8 MiB of a file, a store every 16 KiB of a tenth, munmap (lat_mmap)",
	  run_mmap, nullptr, Group::os, 200, 20 },
	{ "bw-file-reread", "read(2) of a cached 16 MiB file in 64 KiB chunks, summed (bw_file_rd)",
	  run_bw_file_reread, nullptr, Group::os, 300, 30 },
	{ "bw-mmap-reread", "summing a mapped cached 16 MiB file in 64 KiB chunks (bw_mmap_rd)",
	  run_bw_mmap_reread, nullptr, Group::os, 300, 30 },
	{ "bw-mem-read", "summing a 64 MiB buffer in 64 KiB chunks, and whole (bw_mem frd)",
	  run_bw_mem_read,
	  nullptr, Group::os, 300, 30 },
	{ "bw-mem-write", "storing to a 64 MiB buffer in 64 KiB chunks, and whole (bw_mem fwr)",
	  run_bw_mem_write, nullptr, Group::os, 300, 30 },

	// Communication: pipes, sockets and context switches:
	{ "select-tcp", "select(2) on 100 connected TCP sockets over 127.0.0.1 (lat_select -n 100 tcp)",
	  run_select_tcp, check_loopback, Group::os },
	{ "ctxsw-0k", "context switch, 2 processes passing a token through pipes (lat_ctx -s 0 2)",
	  run_ctxsw_0k, nullptr, Group::os, 2000, 500 },
	{ "ctxsw-16k", "context switch, 2 processes each summing 16 KiB (lat_ctx -s 16 2)",
	  run_ctxsw_16k, nullptr, Group::os, 2000, 500 },
	{ "pipe", "round trip of one word between two processes through pipes (lat_pipe)", run_pipe,
	  nullptr, Group::os, 2000, 500 },
	{ "unix", "round trip of one byte over an AF_UNIX stream socket pair (lat_unix)", run_unix,
	  check_unix_sockets, Group::os, 2000, 500 },
	{ "udp", "round trip of a 4-byte datagram over 127.0.0.1 (lat_udp)", run_udp,
	  check_loopback, Group::os, 2000, 500 },
	{ "tcp", "round trip of one byte over a TCP connection on 127.0.0.1 (lat_tcp)", run_tcp,
	  check_loopback, Group::os, 2000, 500 },
	{ "tcp-connect", "socket, connect and close against a server on 127.0.0.1 (lat_connect)",
	  run_tcp_connect, check_loopback, Group::os, 1000, 100 },
	{ "bw-pipe", "pipe bandwidth: 4 MiB blocks in 64 KiB writes between two processes (bw_pipe)",
	  run_bw_pipe, nullptr, Group::os, 100, 5 },
	{ "bw-unix", "AF_UNIX stream bandwidth: 4 MiB blocks in 64 KiB writes (bw_unix)",
	  run_bw_unix, check_unix_sockets, Group::os, 100, 5 },
	{ "bw-tcp", "TCP bandwidth over 127.0.0.1: 4 MiB blocks in 64 KiB writes (bw_tcp)",
	  run_bw_tcp, check_loopback, Group::os, 50, 5 },
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
	return *find_crossing("control");
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
