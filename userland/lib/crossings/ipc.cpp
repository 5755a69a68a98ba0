#include "crossings/ipc.h"

#include "core/error.h"
#include "crossings/crossings.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace xperf {

namespace {

[[noreturn]] void fail(const char *what)
{
	throw failed(fmt::format("{}: {}", what, std::strerror(errno)));
}

} // namespace

void write_all(int fd, const void *buf, std::size_t n)
{
	const char *p = static_cast<const char *>(buf);
	while (n) {
		ssize_t k = ::write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			fail("write to the peer process");
		p += k;
		n -= static_cast<std::size_t>(k);
	}
}

void read_all(int fd, void *buf, std::size_t n)
{
	if (!read_all_or_eof(fd, buf, n))
		throw failed("the peer process closed its end before the transfer ended");
}

bool read_all_or_eof(int fd, void *buf, std::size_t n)
{
	char *p = static_cast<char *>(buf);
	const std::size_t want = n;
	while (n) {
		ssize_t k = ::read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			fail("read from the peer process");
		if (k == 0) {
			if (n == want)
				return false;
			throw failed("the peer process closed its end within a message");
		}
		p += k;
		n -= static_cast<std::size_t>(k);
	}
	return true;
}

std::pair<UniqueFd, UniqueFd> make_pipe()
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC))
		fail("pipe2");
	return { UniqueFd(fds[0]), UniqueFd(fds[1]) };
}

std::pair<UniqueFd, UniqueFd> make_unix_pair()
{
	int fds[2];
	if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		fail("socketpair(AF_UNIX)");
	return { UniqueFd(fds[0]), UniqueFd(fds[1]) };
}

sockaddr_in local_address(int fd)
{
	sockaddr_in addr{};
	socklen_t len = sizeof(addr);
	if (::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len))
		fail("getsockname");
	return addr;
}

LoopbackSocket bind_loopback(int type)
{
	LoopbackSocket s;
	s.fd = UniqueFd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
	if (!s.fd)
		fail("socket(AF_INET)");
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // never INADDR_ANY
	addr.sin_port = 0;
	if (::bind(s.fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)))
		fail("bind to 127.0.0.1");
	if (type == SOCK_STREAM && ::listen(s.fd.get(), SOMAXCONN))
		fail("listen on 127.0.0.1");
	s.addr = local_address(s.fd.get());
	return s;
}

UniqueFd connect_to(const sockaddr_in &addr, int type, ClientOptions options)
{
	UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
	if (!fd)
		fail("socket(AF_INET)");
	if (options.receive_buffer &&
	    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
			 sizeof(options.receive_buffer)))
		fail("setsockopt(SO_RCVBUF)");
	if (options.close == Close::reset) {
		const linger now{ 1, 0 };
		if (::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &now, sizeof(now)))
			fail("setsockopt(SO_LINGER)");
	}
	if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr))) {
		if (errno == EADDRNOTAVAIL)
			throw failed("connect to 127.0.0.1: no local port is free (ports of closed "
				     "connections wait in TIME_WAIT)",
				     "wait a minute, or widen net.ipv4.ip_local_port_range");
		fail("connect to 127.0.0.1");
	}
	return fd;
}

TcpPeer tcp_peer(const RunContext &ctx, Placement p, const std::function<void(int conn)> &serve,
		 ClientOptions options)
{
	LoopbackSocket listener = bind_loopback(SOCK_STREAM);
	OsChild peer = place_peer(ctx, p, [&] {
		UniqueFd conn(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
		if (!conn)
			fail("accept");
		listener.fd.reset();
		serve(conn.get());
	});
	UniqueFd client = connect_to(listener.addr, SOCK_STREAM, options);
	return { std::move(client), std::move(peer) };
}

void check_loopback(const RunContext &)
{
	UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!probe) {
		if (errno == EAFNOSUPPORT)
			throw unavailable("this kernel has no IPv4 networking (socket(AF_INET): "
					  "address family not supported)",
					  "measure under a kernel with CONFIG_INET");
		throw unavailable(fmt::format("cannot open an IPv4 socket: {}", std::strerror(errno)));
	}
	ifreq ifr{};
	std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (::ioctl(probe.get(), SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		throw unavailable("the loopback device lo is missing or down",
				  "ip link set lo up");
	try {
		LoopbackSocket server = bind_loopback(SOCK_STREAM);
		UniqueFd client = connect_to(server.addr, SOCK_STREAM);
	} catch (const Error &e) {
		throw unavailable(fmt::format("no TCP connection over 127.0.0.1 here: {}", e.reason()),
				  "ip link set lo up, and give lo the address 127.0.0.1/8");
	}
}

void check_unix_sockets(const RunContext &)
{
	int fds[2];
	if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		throw unavailable(fmt::format("no AF_UNIX sockets here (socketpair: {})",
					      std::strerror(errno)),
				  "measure under a kernel with CONFIG_UNIX");
	::close(fds[0]);
	::close(fds[1]);
}

} // namespace xperf
