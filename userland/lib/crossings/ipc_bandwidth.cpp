// bw-pipe, bw-unix, bw-tcp: LMBench's bw_pipe, bw_unix and bw_tcp. As
// bw_pipe does, each timed iteration moves one fixed block: the measuring
// process asks its peer process (forked, placed as placement.h says) for it, the peer
// writes it in 64 KiB writes, the measuring process reads it in reads of
// up to 64 KiB. The request is one small write per block: asking, rather
// than a peer writing ahead, keeps what a buffer holds from one iteration
// out of the next one's time.
//
// bw-tcp sets its receive buffer, as LMBench's sock_optimize does: left to
// autotune, a connection's buffer grew to anything from 0.4 to 10 MB
// within one round's 55 blocks, the reader waited between 0.2 and 9 times
// a block, and of one run's thirty round medians three were 42 to 58 %
// below the others; set, none was. The send buffer is left to autotune:
// it reached net.ipv4.tcp_wmem's maximum in every round, where a set one
// (LMBench sets both) made the reader wait 14 to 20 times a block.
#include "core/error.h"
#include "core/sampler.h"
#include "core/sysroot.h"
#include "crossings/crossings.h"
#include "crossings/ipc.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

namespace xperf {

namespace {

constexpr std::size_t chunk = 64 * 1024;
// Large enough that the request's own round trip is a fraction of a per
// cent of the block's time; LMBench's bw_pipe moves 10 MiB.
constexpr std::size_t block = 4 * 1024 * 1024;
// bw-tcp's SO_RCVBUF: LMBench's SOCKBUF, a quarter of a block.
constexpr int tcp_receive_buffer = 1024 * 1024;

// The peer: for each request (a byte count), that many bytes in writes of
// one chunk, until the measuring side is done.
void source(int requests, int data)
{
	std::vector<char> buf(chunk, 1);
	uint64_t want = 0;
	while (read_all_or_eof(requests, &want, sizeof(want)))
		for (uint64_t done = 0; done < want; done += chunk)
			write_all(data, buf.data(), std::min<uint64_t>(chunk, want - done));
}

void read_block(int data, char *buf)
{
	for (std::size_t got = 0; got < block;) {
		ssize_t k = ::read(data, buf, std::min(chunk, block - got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			throw failed(fmt::format("read from the peer process: {}",
						 std::strerror(errno)));
		if (k == 0)
			throw failed("the peer process closed its end within a block");
		got += static_cast<std::size_t>(k);
	}
}

Result time_blocks(const RunContext &ctx, const std::string &name, const std::string &variant,
		   int requests, int data, nlohmann::json detail)
{
	std::vector<char> buf(chunk, 0);
	auto nothing = [] {};
	auto transfer = [&] {
		uint64_t want = block;
		write_all(requests, &want, sizeof(want));
		read_block(data, buf.data());
	};
	Timing t = measure(ctx, 1, nothing, transfer);
	Result r = timed_result(ctx, name, variant, t);
	detail["bytes_per_iteration"] = block;
	detail["chunk_bytes"] = chunk;
	detail["peer"] = "a forked process writing each block asked for, placed as placement says";
	r.detail = std::move(detail);
	r.notes.push_back("timed: a request for 4 MiB written to the peer process, which "
			  "writes the block in 64 KiB writes; read here in reads of up to 64 KiB");
	return r;
}

int socket_option(int fd, int option)
{
	int value = 0;
	socklen_t len = sizeof(value);
	::getsockopt(fd, SOL_SOCKET, option, &value, &len);
	return value;
}

// net.core.rmem_max, the cap on a set SO_RCVBUF; 0 when it cannot be read.
long rmem_max()
{
	long value = 0;
	if (auto text = read_text("/", "proc/sys/net/core/rmem_max"))
		std::from_chars(text->data(), text->data() + text->size(), value);
	return value;
}

} // namespace

std::vector<Result> run_bw_pipe(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		auto [data_r, data_w] = make_pipe();
		auto [control_r, control_w] = make_pipe();
		OsChild peer = place_peer(ctx, p, [&] {
			data_r.reset();
			control_w.reset();
			source(control_r.get(), data_w.get());
		});
		data_w.reset();
		control_r.reset();
		Result r = time_blocks(
			ctx, "bw-pipe", "4m-block", control_w.get(), data_r.get(),
			{ { "transport", "a pipe, the request on a second pipe" },
			  { "pipe_buffer_bytes", ::fcntl(data_r.get(), F_GETPIPE_SZ) } });
		record_peer(r, ctx, p, peer.pid());
		return r;
	});
}

std::vector<Result> run_bw_unix(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		auto [mine, theirs] = make_unix_pair();
		OsChild peer = place_peer(ctx, p, [&] {
			mine.reset();
			source(theirs.get(), theirs.get());
		});
		theirs.reset();
		Result r = time_blocks(
			ctx, "bw-unix", "4m-block", mine.get(), mine.get(),
			{ { "transport", "an AF_UNIX stream socket pair" },
			  { "receive_buffer_bytes", socket_option(mine.get(), SO_RCVBUF) } });
		record_peer(r, ctx, p, peer.pid());
		return r;
	});
}

std::vector<Result> run_bw_tcp(const RunContext &ctx)
{
	return for_each_placement(ctx, [&](Placement p) {
		TcpPeer link = tcp_peer(ctx, p, [](int conn) { source(conn, conn); },
					{ .receive_buffer = tcp_receive_buffer });
		int fd = link.client.get();
		Result r = time_blocks(ctx, "bw-tcp", "4m-block-rcvbuf-1m", fd, fd,
				       { { "transport", "a TCP connection over 127.0.0.1" } });
		// Read after the blocks: a buffer that autotuned would have moved.
		r.detail["receive_buffer_requested_bytes"] = tcp_receive_buffer;
		r.detail["receive_buffer_bytes"] = socket_option(fd, SO_RCVBUF);
		r.detail["rmem_max_bytes"] = rmem_max();
		r.notes.push_back("the receive buffer is set (SO_RCVBUF 1 MiB before connect; the "
				  "kernel doubles it and caps it at net.core.rmem_max): an "
				  "autotuned window differs from connection to connection");
		record_peer(r, ctx, p, link.peer.pid());
		return r;
	});
}

} // namespace xperf
