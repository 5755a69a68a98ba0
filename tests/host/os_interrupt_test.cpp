// Ctrl-C while a communication entry of the OS suite runs: the terminal
// sends SIGINT to the whole process group of xperf-user. Afterwards no
// process of that group is left, and no socket on 127.0.0.1 that its
// processes held (the server's listener, the connections) is still open.
// Runs the real binary.
#include "test_paths.h"
#include "processes.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace xperf::test;

namespace {

// TCP sockets on 127.0.0.1 (0100007F in /proc/net/tcp) that a process
// holds: inode to state (0A: listening). A socket no process holds any
// more shows inode 0 while it closes.
std::map<std::string, std::string> loopback_tcp()
{
	std::map<std::string, std::string> out;
	std::ifstream in("/proc/net/tcp");
	std::string line;
	std::getline(in, line);
	while (std::getline(in, line)) {
		std::istringstream f(line);
		std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
		f >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >>
			inode;
		if (local.rfind("0100007F:", 0) == 0 && inode != "0")
			out[inode] = state;
	}
	return out;
}

// Of loopback_tcp(), the sockets that processes of group pgid hold (other
// programs on this machine may have their own).
std::map<std::string, std::string> held_by_group(pid_t pgid)
{
	std::map<std::string, std::string> all = loopback_tcp(), out;
	for (pid_t p : live_in_group(pgid)) {
		fs::path fds = fs::path("/proc") / std::to_string(p) / "fd";
		for (const std::string &fd : names_in(fds)) {
			std::error_code lec;
			std::string target = fs::read_symlink(fds / fd, lec).string();
			if (target.rfind("socket:[", 0) != 0)
				continue;
			std::string inode = target.substr(8, target.size() - 9);
			if (auto it = all.find(inode); it != all.end())
				out.insert(*it);
		}
	}
	return out;
}

} // namespace

TEST(OsSuiteInterrupt, CtrlCLeavesNoServerAndNoListener)
{
	// Orphans of the group come here, so that they are reaped (a
	// container's init may not reap them) and seen to end.
	::prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (const char *entry : { "tcp", "select-tcp", "tcp-connect", "bw-tcp" }) {
		pid_t pid = ::fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			::setpgid(0, 0); // a group of its own, as a shell's job is
			for (int sig : { SIGINT, SIGTERM, SIGHUP })
				::signal(sig, SIG_DFL);
			int null = ::open("/dev/null", O_WRONLY);
			::dup2(null, 1);
			::execl(XPERF_USER_BIN, XPERF_USER_BIN, "-c", entry, "-n", "2000000",
				"--rounds", "2", "--span", "0", static_cast<char *>(nullptr));
			::_exit(127);
		}
		::setpgid(pid, pid);
		GroupGuard guard(pid);
		// The entry is running once its server is up: every entry here
		// has a listener until its connections are made, and they after.
		std::map<std::string, std::string> seen;
		bool serving = within(20s, [&] {
			seen = held_by_group(pid);
			return !seen.empty();
		});
		ASSERT_TRUE(serving) << entry << ": no server came up";
		std::this_thread::sleep_for(300ms); // into the timed loop
		for (const auto &s : held_by_group(pid))
			seen.insert(s);
		ASSERT_EQ(::kill(-pid, SIGINT), 0);
		int status = 0;
		ASSERT_EQ(::waitpid(pid, &status, 0), pid);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
			<< entry << ": ended with status " << status;
		reap_adopted();
		EXPECT_TRUE(within(5s, [&] { return live_in_group(pid).empty(); }))
			<< entry << ": " << live_in_group(pid).size() << " processes of its group left";
		// No process holds any of them: no socket listens or stays open.
		auto none_left = [&] {
			auto now = loopback_tcp();
			for (const auto &s : seen)
				if (now.count(s.first))
					return false;
			return true;
		};
		EXPECT_TRUE(within(5s, none_left))
			<< entry << ": a socket of the run is still held on 127.0.0.1";
	}
	::prctl(PR_SET_CHILD_SUBREAPER, 0);
	reap_adopted();
}
