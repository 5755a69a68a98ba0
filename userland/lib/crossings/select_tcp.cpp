// select-tcp: LMBench's lat_select -n 100 tcp. 100 TCP connections over
// 127.0.0.1 to a server process (forked; it accepts them and holds them);
// timed: one select(2) asking whether the 100 client ends can be written,
// with a zero timeout, the set copied first as lat_select copies it.
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"

#include <sys/select.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace xperf {

namespace {

constexpr int sockets = 100;

// The server: every connection accepted and kept open until it is killed.
[[noreturn]] void hold_connections(int listener)
{
	std::vector<UniqueFd> held;
	for (;;) {
		int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd >= 0)
			held.emplace_back(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			throw failed(fmt::format("accept: {}", std::strerror(errno)));
	}
}

} // namespace

std::vector<Result> run_select_tcp(const RunContext &ctx)
{
	LoopbackSocket listener = bind_loopback(SOCK_STREAM);
	OsChild server([&] { hold_connections(listener.fd.get()); });
	std::vector<UniqueFd> conns;
	fd_set set;
	FD_ZERO(&set);
	int top = -1;
	for (int i = 0; i < sockets; i++) {
		conns.push_back(connect_to(listener.addr, SOCK_STREAM));
		int fd = conns.back().get();
		if (fd >= FD_SETSIZE)
			throw failed(fmt::format("descriptor {} is beyond what select(2) takes ({})", fd,
						 FD_SETSIZE),
				     "run with fewer descriptors open");
		FD_SET(fd, &set);
		top = std::max(top, fd);
	}
	listener.fd.reset();

	auto select_all = [&] {
		fd_set writable = set;
		timeval none{ 0, 0 };
		return ::select(top + 1, nullptr, &writable, nullptr, &none);
	};
	// What every timed call finds: all of them ready.
	if (int ready = select_all(); ready != sockets)
		throw failed(fmt::format("select found {} of {} connected sockets writable", ready,
					 sockets));
	auto nothing = [] {};
	Timing t = measure(ctx, 1, nothing, [&] { select_all(); });
	Result r = timed_result(ctx, "select-tcp", "100-sockets", t);
	r.detail = { { "sockets", sockets },
		     { "nfds", top + 1 },
		     { "set", "write" },
		     { "peer", "a forked server process holding the accepted ends" } };
	r.notes.push_back(fmt::format("timed: the fd_set copied and select({}, NULL, set, NULL, "
				      "zero timeout) on {} connected TCP sockets, all writable",
				      top + 1, sockets));
	return { std::move(r) };
}

} // namespace xperf
