// What a process holds that an OS suite entry could leave behind: its open
// descriptors, its children (of every thread), the files of a folder, and
// the sockets listening or bound on the loopback address that it or one of
// its descendants holds. Taken before and after an entry runs, the two must
// be equal. The process is made a child subreaper, so that a grandchild
// left behind is its child, not init's, and is seen; sockets of other
// processes (tests running beside this one) are not its own.
#pragma once

#include <dirent.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace xperf::test {

struct Held {
	std::set<std::string> fds;	// "N -> target"
	std::set<std::string> children; // pids
	std::set<std::string> files;	// names in the folder
	std::set<std::string> loopback; // /proc/net/{tcp,udp}: local address and state

	bool operator==(const Held &) const = default;
};

inline std::set<std::string> names_in(const std::string &dir)
{
	std::set<std::string> out;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(dir, ec))
		out.insert(e.path().filename().string());
	return out;
}

// The children of every thread of process pid.
inline std::set<std::string> children_of(const std::string &pid)
{
	std::set<std::string> out;
	std::error_code ec;
	for (const auto &t : std::filesystem::directory_iterator("/proc/" + pid + "/task", ec)) {
		std::ifstream in(t.path() / "children");
		for (std::string child; in >> child;)
			out.insert(child);
	}
	return out;
}

// The inodes of the sockets that this process and its descendants hold.
inline std::set<std::string> socket_inodes_of_tree()
{
	std::set<std::string> inodes;
	std::set<std::string> seen;
	std::vector<std::string> todo = { std::to_string(::getpid()) };
	while (!todo.empty()) {
		std::string pid = todo.back();
		todo.pop_back();
		if (!seen.insert(pid).second)
			continue;
		std::error_code ec;
		for (const auto &e : std::filesystem::directory_iterator("/proc/" + pid + "/fd", ec)) {
			std::error_code lec;
			std::string target = std::filesystem::read_symlink(e.path(), lec).string();
			if (target.rfind("socket:[", 0) == 0)
				inodes.insert(target.substr(8, target.size() - 9));
		}
		for (const std::string &child : children_of(pid))
			todo.push_back(child);
	}
	return inodes;
}

inline Held held(const std::string &folder = {})
{
	namespace fs = std::filesystem;
	static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
	(void)subreaper;
	Held h;
	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/proc/self/fd", ec)) {
		std::error_code lec;
		fs::path target = fs::read_symlink(e.path(), lec);
		// The directory_iterator's own descriptor comes and goes.
		if (target.string().rfind("/proc/", 0) == 0 && target.string().find("/fd") != std::string::npos)
			continue;
		h.fds.insert(e.path().filename().string() + " -> " + target.string());
	}
	h.children = children_of(std::to_string(::getpid()));
	if (!folder.empty())
		h.files = names_in(folder);
	// 0100007F is 127.0.0.1 as /proc/net writes it.
	const std::set<std::string> ours = socket_inodes_of_tree();
	for (const char *table : { "/proc/net/tcp", "/proc/net/udp" }) {
		std::ifstream in(table);
		std::string line;
		std::getline(in, line);
		while (std::getline(in, line)) {
			std::istringstream fields(line);
			std::string slot, local, remote, state, queues, timer, retransmits, uid,
				timeout, inode;
			fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >>
				uid >> timeout >> inode;
			// Listening (0A) or bound UDP (07): what a server leaves.
			if (local.rfind("0100007F:", 0) == 0 && (state == "0A" || state == "07") &&
			    ours.count(inode))
				h.loopback.insert(std::string(table) + " " + local + " " + state);
		}
	}
	return h;
}

} // namespace xperf::test
