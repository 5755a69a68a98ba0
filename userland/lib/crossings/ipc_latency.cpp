// pipe, unix, udp, tcp: LMBench's lat_pipe, lat_unix, lat_udp and lat_tcp.
// One round trip is timed: the measuring process writes a small message,
// its peer process (forked, placed on the measuring CPU, on another, or
// free: placement.h) reads it and writes it back, the measuring process
// reads it.
#include "core/error.h"
#include "core/sampler.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace xperf {

namespace {

// LMBench's message sizes: a word through a pipe, four bytes (its sequence
// number) over UDP, one byte over AF_UNIX and TCP streams.
constexpr std::size_t max_message = 8;

// The peer: every message back as it came, until the measuring side is done.
void echo(int in, int out, std::size_t size)
{
	std::array<char, max_message> msg{};
	while (read_all_or_eof(in, msg.data(), size))
		write_all(out, msg.data(), size);
}

Result time_round_trips(const RunContext &ctx, const std::string &name, int out, int in,
			std::size_t size, const std::string &transport)
{
	std::array<char, max_message> msg{};
	auto nothing = [] {};
	auto round_trip = [&] {
		write_all(out, msg.data(), size);
		read_all(in, msg.data(), size);
	};
	Timing t = measure(ctx, 1, nothing, round_trip);
	Result r = timed_result(ctx, name, "round-trip", t);
	r.detail = { { "message_bytes", size },
		     { "transport", transport },
		     { "peer", "a forked process echoing each message, placed as placement says" } };
	r.notes.push_back(fmt::format("timed: {} bytes written, read by the peer process and "
				      "written back, read again: one round trip",
				      size));
	return r;
}

} // namespace

std::vector<Result> run_pipe(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		auto [to_peer_r, to_peer_w] = make_pipe();
		auto [from_peer_r, from_peer_w] = make_pipe();
		OsChild peer = place_peer(ctx, p, [&] {
			to_peer_w.reset();
			from_peer_r.reset();
			echo(to_peer_r.get(), from_peer_w.get(), sizeof(int));
		});
		to_peer_r.reset();
		from_peer_w.reset();
		Result r = time_round_trips(ctx, "pipe", to_peer_w.get(), from_peer_r.get(),
					    sizeof(int), "two pipes, one each way");
		record_peer(r, ctx, p, peer.pid());
		return r;
	});
}

std::vector<Result> run_unix(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		auto [mine, theirs] = make_unix_pair();
		OsChild peer = place_peer(ctx, p, [&] {
			mine.reset();
			echo(theirs.get(), theirs.get(), 1);
		});
		theirs.reset();
		Result r = time_round_trips(ctx, "unix", mine.get(), mine.get(), 1,
					    "an AF_UNIX stream socket pair");
		record_peer(r, ctx, p, peer.pid());
		return r;
	});
}

std::vector<Result> run_udp(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		LoopbackSocket server = bind_loopback(SOCK_DGRAM);
		UniqueFd client = connect_to(server.addr, SOCK_DGRAM);
		sockaddr_in client_addr = local_address(client.get());
		if (::connect(server.fd.get(), reinterpret_cast<const sockaddr *>(&client_addr),
			      sizeof(client_addr)))
			throw failed(fmt::format("connect the UDP server to its client: {}",
						 std::strerror(errno)));
		// A datagram lost would leave the round trip waiting for ever.
		timeval limit{ 2, 0 };
		::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
		OsChild peer = place_peer(ctx, p, [&] {
			client.reset();
			echo(server.fd.get(), server.fd.get(), sizeof(int));
		});
		server.fd.reset();
		Result r = time_round_trips(ctx, "udp", client.get(), client.get(), sizeof(int),
					    "UDP datagrams over 127.0.0.1");
		record_peer(r, ctx, p, peer.pid());
		return r;
	});
}

std::vector<Result> run_tcp(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		TcpPeer link = tcp_peer(ctx, p, [](int conn) { echo(conn, conn, 1); });
		int fd = link.client.get();
		Result r =
			time_round_trips(ctx, "tcp", fd, fd, 1, "a TCP connection over 127.0.0.1");
		record_peer(r, ctx, p, link.peer.pid());
		return r;
	});
}

} // namespace xperf
