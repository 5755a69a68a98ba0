// What the communication entries of the OS suite share: whole reads and
// writes, pipes and sockets owned by UniqueFd, sockets on 127.0.0.1 only.
// The checks that say whether this machine has loopback IPv4 and AF_UNIX
// sockets are the registry's (crossings.h) and live in ipc.cpp.
#pragma once

#include "core/unique_fd.h"
#include "core/run_context.h"
#include "crossings/os_child.h"
#include "crossings/placement.h"

#include <netinet/in.h>

#include <cstddef>
#include <functional>
#include <utility>

namespace xperf {

// Writes or reads all n bytes (a stream may move them in pieces); throws
// a failed Error on an error, and on end of file: the peer went away.
void write_all(int fd, const void *buf, std::size_t n);
void read_all(int fd, void *buf, std::size_t n);
// As read_all, but an end of file before the first byte returns false: how
// a peer learns that the measuring side is done.
bool read_all_or_eof(int fd, void *buf, std::size_t n);

// A pipe, both ends close-on-exec: {read end, write end}.
std::pair<UniqueFd, UniqueFd> make_pipe();
// An AF_UNIX stream socket pair, close-on-exec.
std::pair<UniqueFd, UniqueFd> make_unix_pair();

// A socket of type (SOCK_STREAM or SOCK_DGRAM) bound to 127.0.0.1 on a
// port the kernel picks, and that address read back; a stream socket is
// listening (backlog SOMAXCONN).
struct LoopbackSocket {
	UniqueFd fd;
	sockaddr_in addr{};
};
LoopbackSocket bind_loopback(int type);
// A socket of type connected to addr, with its options set before connect.
// close: a stream socket's close(2) sends FIN and leaves its port in
// TIME_WAIT for a minute; with Close::reset (SO_LINGER of 0) it sends RST
// and frees the port at once. receive_buffer, when not 0: SO_RCVBUF, which
// the kernel doubles (for its own bookkeeping), caps at net.core.rmem_max
// and then never autotunes; set before connect, the window scale offered
// in the SYN fits it.
enum class Close { orderly, reset };
struct ClientOptions {
	Close close = Close::orderly;
	int receive_buffer = 0;
};
UniqueFd connect_to(const sockaddr_in &addr, int type, ClientOptions options = {});
// The address a socket is bound to.
sockaddr_in local_address(int fd);

// A TCP connection over 127.0.0.1 to a peer process, placed as p says,
// that accepts it and runs serve on its end; the client's end made with
// options. The peer goes first when it goes.
struct TcpPeer {
	UniqueFd client;
	OsChild peer;
};
TcpPeer tcp_peer(const RunContext &ctx, Placement p, const std::function<void(int conn)> &serve,
		 ClientOptions options = {});

} // namespace xperf
