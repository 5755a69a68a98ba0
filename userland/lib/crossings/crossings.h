// The run functions of the crossings in the registry, one file each
// (vmexit's are in vmexit/vmexit.h).
#pragma once

#include "core/result.h"
#include "core/run_context.h"

#include <vector>

namespace xperf {

std::vector<Result> run_control(const RunContext &ctx);
std::vector<Result> run_funccall(const RunContext &ctx);
std::vector<Result> run_syscall(const RunContext &ctx);
std::vector<Result> run_getppid(const RunContext &ctx);
std::vector<Result> run_pgfault(const RunContext &ctx);
std::vector<Result> run_alloc(const RunContext &ctx);
// The OS suite: files, processes, signals and memory (LMBench's lat_syscall,
// lat_select, lat_sig, lat_pagefault, lat_proc, lat_fs, lat_mmap, bw_file_rd,
// bw_mmap_rd, bw_mem), in os_*.cpp.
std::vector<Result> run_null_read(const RunContext &ctx);
std::vector<Result> run_null_write(const RunContext &ctx);
std::vector<Result> run_stat(const RunContext &ctx);
std::vector<Result> run_fstat(const RunContext &ctx);
std::vector<Result> run_open_close(const RunContext &ctx);
std::vector<Result> run_select_file(const RunContext &ctx);
std::vector<Result> run_sig_install(const RunContext &ctx);
std::vector<Result> run_sig_handler(const RunContext &ctx);
std::vector<Result> run_prot_fault(const RunContext &ctx);
std::vector<Result> run_file_fault(const RunContext &ctx);
std::vector<Result> run_fork_exit(const RunContext &ctx);
std::vector<Result> run_fork_exec(const RunContext &ctx);
std::vector<Result> run_fork_sh(const RunContext &ctx);
// Unavailable where the scratch folder is mounted noexec, where xperf-hello
// is not beside xperf-user or not dynamically linked, or (fork-sh) where
// there is no /bin/sh.
void check_fork_exec(const RunContext &ctx);
void check_fork_sh(const RunContext &ctx);
std::vector<Result> run_file_create_0k(const RunContext &ctx);
std::vector<Result> run_file_delete_0k(const RunContext &ctx);
std::vector<Result> run_file_create_10k(const RunContext &ctx);
std::vector<Result> run_file_delete_10k(const RunContext &ctx);
std::vector<Result> run_mmap(const RunContext &ctx);
std::vector<Result> run_bw_file_reread(const RunContext &ctx);
std::vector<Result> run_bw_mmap_reread(const RunContext &ctx);
std::vector<Result> run_bw_mem_read(const RunContext &ctx);
std::vector<Result> run_bw_mem_write(const RunContext &ctx);

// The OS suite's communication entries: pipes, sockets, context switches.
std::vector<Result> run_select_tcp(const RunContext &ctx);  // select_tcp.cpp
std::vector<Result> run_ctxsw_0k(const RunContext &ctx);    // ctxsw.cpp
std::vector<Result> run_ctxsw_16k(const RunContext &ctx);
std::vector<Result> run_pipe(const RunContext &ctx);	    // ipc_latency.cpp
std::vector<Result> run_unix(const RunContext &ctx);
std::vector<Result> run_udp(const RunContext &ctx);
std::vector<Result> run_tcp(const RunContext &ctx);
std::vector<Result> run_tcp_connect(const RunContext &ctx); // tcp_connect.cpp
std::vector<Result> run_bw_pipe(const RunContext &ctx);	    // ipc_bandwidth.cpp
std::vector<Result> run_bw_unix(const RunContext &ctx);
std::vector<Result> run_bw_tcp(const RunContext &ctx);
// Throw unavailable where this machine has no IPv4 loopback or no AF_UNIX
// sockets (ipc.cpp), with the remedy.
void check_loopback(const RunContext &ctx);
void check_unix_sockets(const RunContext &ctx);

} // namespace xperf
