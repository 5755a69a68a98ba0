// What a process holds that an OS suite entry could leave behind: its open
// descriptors, its children (of every thread), the files of a folder, and
// the sockets listening or bound on the loopback address. Taken before and
// after an entry runs, the two must be equal.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

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

inline Held held(const std::string &folder = {})
{
	namespace fs = std::filesystem;
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
	for (const auto &t : fs::directory_iterator("/proc/self/task", ec)) {
		std::ifstream in(t.path() / "children");
		for (std::string pid; in >> pid;)
			h.children.insert(pid);
	}
	if (!folder.empty())
		h.files = names_in(folder);
	// 0100007F is 127.0.0.1 as /proc/net writes it.
	for (const char *table : { "/proc/net/tcp", "/proc/net/udp" }) {
		std::ifstream in(table);
		std::string line;
		std::getline(in, line);
		while (std::getline(in, line)) {
			std::istringstream fields(line);
			std::string slot, local, remote, state;
			fields >> slot >> local >> remote >> state;
			// Listening (0A) or bound UDP (07): what a server leaves.
			if (local.rfind("0100007F:", 0) == 0 && (state == "0A" || state == "07"))
				h.loopback.insert(std::string(table) + " " + local + " " + state);
		}
	}
	return h;
}

} // namespace xperf::test
