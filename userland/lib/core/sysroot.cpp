#include "core/sysroot.h"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

namespace xperf {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kWhitespace = " \t\n\r";

std::optional<int> parse_cpu(std::string_view text)
{
	int cpu = 0;
	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, cpu);
	if (ec != std::errc() || ptr != end || cpu < 0)
		return std::nullopt;
	return cpu;
}

} // namespace

std::string_view trim(std::string_view s)
{
	std::size_t first = s.find_first_not_of(kWhitespace);
	if (first == std::string_view::npos)
		return {};
	return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

std::vector<std::string_view> split_words(std::string_view s)
{
	std::vector<std::string_view> words;
	while (!(s = trim(s)).empty()) {
		std::size_t end = s.find_first_of(kWhitespace);
		words.push_back(s.substr(0, end));
		s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
	}
	return words;
}

std::optional<ProcStat> parse_proc_stat(std::string_view text)
{
	std::size_t open = text.find('('), close = text.rfind(')');
	if (open == std::string_view::npos || close == std::string_view::npos || close < open)
		return std::nullopt;
	ProcStat st;
	st.name = std::string(text.substr(open + 1, close - open - 1));
	// After the name: state is field 3, processor field 39.
	auto fields = split_words(text.substr(close + 1));
	if (!fields.empty() && fields[0].size() == 1)
		st.state = fields[0][0];
	if (fields.size() > 36) {
		int cpu = 0;
		std::string_view f = fields[36];
		auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), cpu);
		if (ec == std::errc() && ptr == f.data() + f.size())
			st.processor = cpu;
	}
	return st;
}

std::optional<std::string> read_text(const fs::path &root, std::string_view rel)
{
	std::error_code ec;
	fs::path path = root / rel;
	if (!fs::is_regular_file(path, ec))
		return std::nullopt;
	std::ifstream in(path);
	if (!in)
		return std::nullopt;
	std::string text{ std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
	if (in.bad())
		return std::nullopt;
	return std::string(trim(text));
}

std::optional<std::set<std::string>> list_dir(const fs::path &root, std::string_view rel)
{
	std::error_code ec;
	fs::directory_iterator it(root / rel, ec);
	if (ec)
		return std::nullopt;
	std::set<std::string> names;
	for (; it != fs::directory_iterator(); it.increment(ec)) {
		if (ec)
			break;
		names.insert(it->path().filename().string());
	}
	return names;
}

std::optional<std::set<int>> parse_cpu_list(std::string_view text)
{
	std::set<int> cpus;
	text = trim(text);
	while (!text.empty()) {
		std::size_t comma = text.find(',');
		std::string_view range = text.substr(0, comma);
		text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
		std::size_t dash = range.find('-');
		auto first = parse_cpu(range.substr(0, dash));
		auto last = dash == std::string_view::npos ? first : parse_cpu(range.substr(dash + 1));
		// A range wider than any machine is not a CPU list.
		if (!first || !last || *last < *first || *last - *first > 65536)
			return std::nullopt;
		for (int cpu = *first; cpu <= *last; cpu++)
			cpus.insert(cpu);
	}
	return cpus;
}

std::optional<std::set<int>> parse_cpu_mask(std::string_view text)
{
	std::vector<std::string_view> groups;
	text = trim(text);
	while (!text.empty()) {
		std::size_t comma = text.find(',');
		groups.push_back(text.substr(0, comma));
		text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
	}
	std::set<int> cpus;
	int base = 0;
	for (auto group = groups.rbegin(); group != groups.rend(); ++group, base += 32) {
		std::uint32_t bits = 0;
		const char *end = group->data() + group->size();
		auto [ptr, ec] = std::from_chars(group->data(), end, bits, 16);
		if (group->empty() || ec != std::errc() || ptr != end)
			return std::nullopt;
		for (int bit = 0; bit < 32; bit++)
			if (bits >> bit & 1)
				cpus.insert(base + bit);
	}
	if (groups.empty())
		return std::nullopt;
	return cpus;
}

std::string format_cpu_list(const std::set<int> &cpus)
{
	std::string out;
	for (auto it = cpus.begin(); it != cpus.end();) {
		int first = *it, last = first;
		while (++it != cpus.end() && *it == last + 1)
			last = *it;
		if (!out.empty())
			out += ',';
		out += last > first ? fmt::format("{}-{}", first, last) : std::to_string(first);
	}
	return out;
}

std::optional<std::string> CpuInfo::field(std::string_view name) const
{
	auto it = fields.find(name);
	return it == fields.end() ? std::nullopt : std::optional(it->second);
}

std::optional<bool> CpuInfo::flag(std::string_view name) const
{
	if (!has_flags)
		return std::nullopt;
	return flags.contains(name);
}

CpuInfo parse_cpuinfo(std::string_view text)
{
	CpuInfo info;
	while (!text.empty()) {
		std::size_t eol = text.find('\n');
		std::string_view line = text.substr(0, eol);
		text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
		std::size_t colon = line.find(':');
		if (colon == std::string_view::npos)
			continue;
		std::string_view key = trim(line.substr(0, colon));
		std::string_view value = trim(line.substr(colon + 1));
		if (key == "processor")
			info.processors++;
		if (info.processors > 1)
			continue;
		info.fields.emplace(key, value);
		if (key == "flags") {
			info.has_flags = true;
			for (std::string_view flag : split_words(value))
				info.flags.emplace(flag);
		}
	}
	return info;
}

std::optional<CpuInfo> read_cpuinfo(const fs::path &root)
{
	auto text = read_text(root, "proc/cpuinfo");
	if (!text)
		return std::nullopt;
	return parse_cpuinfo(*text);
}

std::vector<std::pair<std::string, std::string>> cmdline_params(std::string_view cmdline)
{
	std::vector<std::string> words(1);
	bool quoted = false;
	for (char c : cmdline) {
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && kWhitespace.find(c) != std::string_view::npos)
			words.emplace_back();
		else
			words.back() += c;
	}
	std::vector<std::pair<std::string, std::string>> params;
	for (const std::string &word : words) {
		if (word == "--")
			break;
		if (word.empty())
			continue;
		std::size_t eq = word.find('=');
		if (eq == std::string::npos)
			params.emplace_back(word, "");
		else
			params.emplace_back(word.substr(0, eq), word.substr(eq + 1));
	}
	return params;
}

} // namespace xperf
