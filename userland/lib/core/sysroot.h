// Reading /proc and /sys below a root directory: "/" on a live system, a
// directory of captured files in the tests. Nothing here fails: a file that
// is missing or unreadable is an empty optional, for the caller to report.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xperf {

std::string_view trim(std::string_view s);
std::vector<std::string_view> split_words(std::string_view s);

// The text of root/rel with surrounding whitespace removed; nothing when the
// file is missing or unreadable (a sysfs attribute may be root-only).
std::optional<std::string> read_text(const std::filesystem::path &root, std::string_view rel);

// The names of the entries of root/rel, sorted; nothing when it is not a
// directory.
std::optional<std::set<std::string>> list_dir(const std::filesystem::path &root,
					      std::string_view rel);

// A CPU list as the kernel writes it ("0-3,8,10-11"); nothing when the text
// is not one. An empty text is the empty set.
std::optional<std::set<int>> parse_cpu_list(std::string_view text);

// A CPU mask as the kernel writes it: hex, in comma-separated 32-bit groups,
// the highest first ("ff,00000003"); nothing when the text is not one.
std::optional<std::set<int>> parse_cpu_mask(std::string_view text);

// The same set written back as a CPU list.
std::string format_cpu_list(const std::set<int> &cpus);

// What /proc/PID/stat (or a task's) says of a task: its name (between the
// first '(' and the last ')'), its state (field 3) and the CPU it last ran
// on (field 39); nothing when the text has no name in parentheses.
struct ProcStat {
	std::string name;
	char state = 0;		      // 0: not given
	std::optional<int> processor; // not given, or not a number
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The first processor's fields of /proc/cpuinfo, its flags, and how many
// processors there are.
struct CpuInfo {
	std::map<std::string, std::string, std::less<>> fields;
	std::set<std::string, std::less<>> flags;
	bool has_flags = false;
	std::size_t processors = 0;

	std::optional<std::string> field(std::string_view name) const;
	// Nothing when cpuinfo had no flags line.
	std::optional<bool> flag(std::string_view name) const;
};

CpuInfo parse_cpuinfo(std::string_view text);
std::optional<CpuInfo> read_cpuinfo(const std::filesystem::path &root);

// Kernel parameters in command-line order, as name and value ("" when the
// parameter has none), up to the "--" that starts init's arguments. Double
// quotes group words and are dropped, as the kernel's next_arg() does.
std::vector<std::pair<std::string, std::string>> cmdline_params(std::string_view cmdline);

} // namespace xperf
