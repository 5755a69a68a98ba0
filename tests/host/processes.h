// The processes a run of xperf-user leaves, as the host tests look for
// them: by process group (a run started in a group of its own keeps its
// children there), read from /proc.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace xperf::test {

// The names in a folder of /proc; a process that ends meanwhile takes its
// folder with it, and that is no error here.
inline std::vector<std::string> names_in(const std::filesystem::path &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
	     it.increment(ec))
		out.push_back(it->path().filename().string());
	return out;
}

// A file of /proc whole, or "" when its process ended before it was read.
inline std::string read_proc(const std::filesystem::path &file)
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
inline std::vector<pid_t> live_in_group(pid_t pgid)
{
	std::vector<pid_t> out;
	for (const std::string &name : names_in("/proc")) {
		if (name.find_first_not_of("0123456789") != std::string::npos)
			continue;
		std::string stat = read_proc(std::filesystem::path("/proc") / name / "stat");
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

// The command name of a process ("" when it is gone).
inline std::string comm_of(pid_t pid)
{
	std::string comm = read_proc(std::filesystem::path("/proc") / std::to_string(pid) / "comm");
	if (!comm.empty() && comm.back() == '\n')
		comm.pop_back();
	return comm;
}

// Orphans of the run that came here (PR_SET_CHILD_SUBREAPER); zombies
// hold nothing, but are not left for the rest of the tests.
inline void reap_adopted()
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
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
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

} // namespace xperf::test
