// tcp-connect: LMBench's lat_connect. A server process (forked) accepts
// connections on 127.0.0.1 and closes each; timed: socket(2), connect(2)
// to it and close(2), as lat_connect times them. The closing end keeps its
// port in TIME_WAIT; Linux reuses such ports for loopback connections
// (net.ipv4.tcp_tw_reuse = 2) once they are a second old.
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"

#include <sys/socket.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

namespace xperf {

namespace {

// The server: every connection accepted and closed, until it is killed.
[[noreturn]] void accept_and_close(int listener)
{
	for (;;) {
		int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd >= 0)
			::close(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			throw failed(fmt::format("accept: {}", std::strerror(errno)));
	}
}

} // namespace

std::vector<Result> run_tcp_connect(const RunContext &ctx)
{
	LoopbackSocket listener = bind_loopback(SOCK_STREAM);
	OsChild server([&] { accept_and_close(listener.fd.get()); });
	const sockaddr_in addr = listener.addr;
	listener.fd.reset();
	auto nothing = [] {};
	Timing t = measure(ctx, 1, nothing, [&addr] { connect_to(addr, SOCK_STREAM); });
	Result r = timed_result(ctx, "tcp-connect", "connect-close", t);
	r.detail = { { "transport", "TCP over 127.0.0.1" },
		     { "peer", "a forked server process accepting and closing" } };
	r.notes.push_back("timed: socket(), connect() to the server and close(): the three-way "
			  "handshake completes in the kernel; the server's accept() is not waited for");
	return { std::move(r) };
}

} // namespace xperf
