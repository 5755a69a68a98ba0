#include "vmexit/thread_placement.h"

#include "core/sysroot.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

namespace xperf {

namespace {

std::optional<int> parse_int(std::string_view text)
{
	int value = 0;
	auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc() || ptr != text.data() + text.size())
		return std::nullopt;
	return value;
}

} // namespace

void ThreadWatch::sample()
{
	auto tids = list_dir("/", fmt::format("proc/{}/task", pid_));
	if (!tids)
		return;
	for (const std::string &name : *tids) {
		auto tid = parse_int(name);
		if (!tid)
			continue;
		auto place = thread_place(pid_, *tid);
		if (!place)
			continue; // it exited meanwhile
		Seen &seen = threads_[*tid];
		seen.name = place->name;
		seen.affinity = place->affinity;
		if (place->cpu)
			seen.cpus.insert(*place->cpu);
		seen.samples++;
	}
}

nlohmann::json ThreadWatch::to_json() const
{
	nlohmann::json threads = nlohmann::json::array();
	for (const auto &[tid, seen] : threads_)
		threads.push_back({ { "tid", tid },
				    { "name", seen.name },
				    { "seen_on", seen.cpus },
				    { "affinity", seen.affinity },
				    { "samples", seen.samples } });
	return threads;
}

} // namespace xperf
