// The run functions of the crossings in the registry, one file each.
#pragma once

#include "result.h"
#include "run_context.h"

#include <vector>

namespace xperf {

std::vector<Result> run_control(const RunContext &ctx);
std::vector<Result> run_funccall(const RunContext &ctx);
std::vector<Result> run_syscall(const RunContext &ctx);
std::vector<Result> run_getppid(const RunContext &ctx);
std::vector<Result> run_pgfault(const RunContext &ctx);
std::vector<Result> run_alloc(const RunContext &ctx);
std::vector<Result> run_vmexit(const RunContext &ctx); // vmexit/vmexit.cpp
// Throws the Error run_vmexit would stop with before measuring: bad input,
// or unavailable here (no KVM, no QEMU, no xperf.ko in a guest).
void check_vmexit(const RunContext &ctx);

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
