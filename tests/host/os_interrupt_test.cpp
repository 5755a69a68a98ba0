// Ctrl-C while a communication entry of the OS suite runs: the terminal
// sends SIGINT to the whole process group of xperf-user. Afterwards no
// process of that group is left, and no socket on 127.0.0.1 that its
// processes held (the server's listener, the connections) is still open.
// Runs the real binary.
#include "test_paths.h"
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

// The names in a folder of /proc; a process that ends meanwhile takes its
// folder with it, and that is no error here.
std::vector<std::string> names_in(const fs::path &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
		out.push_back(it->path().filename().string());
	return out;
}

// A file of /proc whole, or "" when its process ended before it was read.
std::string read_proc(const fs::path &file)
{
	std::ifstream in;
	in.exceptions(std::ios::goodbit);
	in.open(file);
	std::ostringstream text;
	try {
		text << in.rdbuf();
	} catch (const std::exception &) {
		return "";
	}
	return text.str();
}

// Processes of process group pgid that are not zombies.
std::vector<pid_t> live_in_group(pid_t pgid)
{
	std::vector<pid_t> out;
	for (const std::string &name : names_in("/proc")) {
		if (name.find_first_not_of("0123456789") != std::string::npos)
			continue;
		std::string stat = read_proc(fs::path("/proc") / name / "stat");
		auto close_paren = stat.rfind(')');
		if (close_paren == std::string::npos)
			continue;
		std::istringstream f(stat.substr(close_paren + 2));
		char state = 0;
		pid_t ppid = 0, pgrp = 0;
		f >> state >> ppid >> pgrp;
		if (pgrp == pgid && state != 'Z')
			out.push_back(std::stoi(name));
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

// Orphans of the run that came here; zombies hold nothing, but are not
// left for the rest of the tests.
void reap_adopted()
{
	while (::waitpid(-1, nullptr, WNOHANG) > 0)
		;
}

template <class Pred>
bool within(std::chrono::milliseconds limit, Pred done)
{
	auto end = std::chrono::steady_clock::now() + limit;
	while (std::chrono::steady_clock::now() < end) {
		if (done())
			return true;
		std::this_thread::sleep_for(20ms);
	}
	return done();
}

// Kills what is left of a process group when the test ends, whichever way:
// a failed assertion must not leave a run measuring for ever (ctest would
// wait on it).
class GroupGuard {
public:
	explicit GroupGuard(pid_t pgid) : pgid_(pgid) {}
	~GroupGuard() { ::kill(-pgid_, SIGKILL); }
	GroupGuard(const GroupGuard &) = delete;
	GroupGuard &operator=(const GroupGuard &) = delete;

private:
	pid_t pgid_;
};

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
