// tcp-connect: LMBench's lat_connect. A server process (forked) accepts
// connections on 127.0.0.1 and closes each; timed: socket(2), connect(2)
// to it and close(2), as lat_connect times them, with one difference: the
// client closes with a reset (SO_LINGER of 0), not a FIN. A FIN close
// leaves the client's port in TIME_WAIT for a minute, and connect's search
// for a free port slows as they pile up: one run leaves 11 000 of them, and
// a run started among them took a third longer (Documentation/suites.rst).
// With the reset, the figure does not depend on what ran in the last
// minute. The server is placed as the other communication entries' peers
// (placement.h); on the measuring CPU, the scheduler lets it run inside the
// timed region in some iterations and not in others (two modes, 13 and 29
// us here), as its wakeup preempts the client or does not.
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"

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
	return for_each_placement(ctx, [&](Placement p) {
		LoopbackSocket listener = bind_loopback(SOCK_STREAM);
		OsChild server =
			place_peer(ctx, p, [&] { accept_and_close(listener.fd.get()); });
		const sockaddr_in addr = listener.addr;
		listener.fd.reset();
		auto nothing = [] {};
		Timing t = measure(ctx, 1, nothing, [&addr] {
			connect_to(addr, SOCK_STREAM, { .close = Close::reset });
		});
		Result r = timed_result(ctx, "tcp-connect", "connect-reset", t);
		r.detail = { { "transport", "TCP over 127.0.0.1" },
			     { "peer", "a forked server process accepting and closing" },
			     { "client_close", "reset (SO_LINGER 0): no TIME_WAIT" } };
		r.notes.push_back("timed: socket(), setsockopt(SO_LINGER 0), connect() to the "
				  "server and close(), which resets the connection: the three-way "
				  "handshake completes in the kernel; the server's accept() is not "
				  "waited for");
		if (p == Placement::same_cpu)
			r.notes.push_back("the server shares the measuring CPU: its wakeup preempts "
					  "the client inside the timed region in some iterations and "
					  "not in others, which can make two modes");
		record_peer(r, ctx, p, server.pid());
		return r;
	});
}

} // namespace xperf
